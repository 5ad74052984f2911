/* The model registry's wire surfaces over its domain API (registry/registry.h):
 *  - MLflow's registry and webhooks at /api/2.0/mlflow/... and identically at
 *    /ajax-api/2.0/mlflow/... (two rows per endpoint, same handler), MLflow error dialect;
 *  - Unity Catalog models at /api/2.1/unity-catalog/models..., Databricks envelope.
 * MLflow arguments: GET reads the query string (repeated keys for lists; MHD already turns
 * '+' into a space) and falls back to the JSON body; other methods read the JSON body,
 * DELETE included. Every deterministic error is a 4xx. Wire work only: reading arguments,
 * resolving and authorizing the securable, the transaction, the dialect's wording of
 * errors, the answer; every registry rule is a registry/ domain function's. */
#include "api/http.h"
#include "api/handlers/uc_routes.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/util.h"
#include "governance/catalog.h"
#include "registry/mlflow_kit.h"
#include "registry/registry.h"
#include "registry/webhooks.h"

/* ---------------------------------------------------------------- MLflow arguments */

/* GET reads the query string first (MLflow); DELETE too, because the Databricks SDK sends
 * DELETE arguments in the query while MLflow clients send a JSON body. */
static bool is_get(weir_req *r) { return strcmp(r->method, "GET") == 0 || strcmp(r->method, "DELETE") == 0; }

/* The Databricks-flavoured twins (/mlflow/databricks/...) wrap the answer in *_databricks. */
static bool databricks_flavour(weir_req *r) { return strstr(r->route->pattern, "/mlflow/databricks/") != NULL; }

/* The request's JSON body ({} when empty). POST must say application/json. */
static json_t *ml_body(weir_req *r, weir_error *e)
{
	if (strcmp(r->method, "POST") == 0) {
		const char *ct = weir_req_header(r, "Content-Type");
		if (ct == NULL) {
			weir_error_set(e, WEIR_E_INVALID_PARAMETER_VALUE,
				       "Bad Request. Content-Type header is missing.");
			return NULL;
		}
		if (strncasecmp(ct, "application/json", 16) != 0 || (ct[16] && ct[16] != ';' && ct[16] != ' ')) {
			weir_error_set(e, WEIR_E_INVALID_PARAMETER_VALUE,
				       "Bad Request. Content-Type must be one of ['application/json'].");
			return NULL;
		}
	}
	if (r->json)
		return r->json;
	json_t *j = weir_req_json(r, true, e);
	if (j || r->body == NULL)
		return j;
	/* old clients double-encode: a JSON string holding the JSON object */
	json_t *str = json_loadb(r->body, r->body_len, JSON_DECODE_ANY, NULL);
	if (json_is_string(str)) {
		weir_error e2 = WEIR_ERROR_INIT;
		const char *inner = weir_arena_strndup(r->arena, json_string_value(str), json_string_length(str));
		j = weir_json_parse_body(r->arena, inner, strlen(inner), true, &e2);
		if (j) {
			r->json = j;
			weir_error_clear(e);
		}
	}
	json_decref(str);
	return j;
}

/* The body's member `key` in *v: 1 when it is there and not null, 0 when it is absent or null;
 * -1 when the body is refused, or the member is not of `type` (a json_type; -1: any), which
 * is MLflow's type error. */
static int body_member(weir_req *r, const char *key, int type, json_t **v, weir_error *e)
{
	json_t *body = ml_body(r, e);
	if (body == NULL)
		return -1;
	*v = json_object_get(body, key);
	if (*v == NULL || json_is_null(*v))
		return 0;
	if (type >= 0 && json_typeof(*v) != (json_type)type)
		return weir_mlflow_arg_type_error(key, *v, e);
	return 1;
}

/* A string argument; *out stays NULL when absent. Empty counts as missing when required. */
static int arg_str(weir_req *r, const char *key, bool required, const char **out, weir_error *e)
{
	*out = NULL;
	if (is_get(r))
		*out = weir_req_query(r, key);
	if (*out == NULL) {
		json_t *body = ml_body(r, e);
		return body ? weir_mlflow_json_str(body, key, required, out, e) : -1;
	}
	if (required && **out == '\0')
		return weir_mlflow_arg_missing(key, e);
	return 0;
}

static int arg_i64(weir_req *r, const char *key, int64_t *out, weir_error *e)
{
	const char *q = is_get(r) ? weir_req_query(r, key) : NULL;
	if (q) {
		if (*q && !weir_parse_i64(q, out))
			return weir_error_field(e, WEIR_E_INVALID_PARAMETER_VALUE, key,
						"Invalid value %.50s for parameter '%s' supplied.", q, key);
		return 0;
	}
	json_t *v;
	int has = body_member(r, key, -1, &v, e);
	if (has <= 0)
		return has;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && weir_parse_i64(json_string_value(v), out))
		return 0;
	return weir_mlflow_arg_type_error(key, v, e);
}

static int arg_bool(weir_req *r, const char *key, bool *out, weir_error *e)
{
	const char *q = is_get(r) ? weir_req_query(r, key) : NULL;
	if (q) {
		if (strcasecmp(q, "true") == 0)
			*out = true;
		else if (strcasecmp(q, "false") == 0)
			*out = false;
		else
			return weir_error_field(e, WEIR_E_INVALID_PARAMETER_VALUE, key, "Invalid boolean value");
		return 0;
	}
	json_t *v;
	int has = body_member(r, key, -1, &v, e);
	if (has <= 0)
		return has;
	if (!json_is_boolean(v))
		return weir_mlflow_arg_type_error(key, v, e);
	*out = json_is_true(v);
	return 0;
}

#define MAX_LIST 64

static int arg_list(weir_req *r, const char *key, const char **out, int *n, weir_error *e)
{
	*n = 0;
	if (is_get(r)) {
		*n = weir_req_query_all(r, key, out, MAX_LIST);
		if (*n)
			return 0;
	}
	json_t *v;
	int has = body_member(r, key, JSON_ARRAY, &v, e);
	if (has <= 0)
		return has;
	size_t i;
	json_t *x;
	json_array_foreach (v, i, x) {
		if (!json_is_string(x))
			return weir_mlflow_arg_type_error(key, x, e);
		if (*n < MAX_LIST)
			out[(*n)++] = json_string_value(x);
	}
	return 0;
}

/* The version argument: a string on the wire holding an integer. */
static int arg_version(weir_req *r, int64_t *v, weir_error *e)
{
	const char *s;
	if (arg_str(r, "version", true, &s, e) != 0)
		return -1;
	return weir_registry_version_parse(s, v, e);
}

/* tags: [{key, value}] from the body; validated. Last duplicate wins (at the SQL upsert). */
static int body_tags(weir_req *r, json_t **tags, weir_error *e)
{
	*tags = NULL;
	json_t *v;
	int has = body_member(r, "tags", JSON_ARRAY, &v, e);
	if (has <= 0)
		return has;
	size_t i;
	json_t *t;
	json_array_foreach (v, i, t) {
		json_t *k = json_object_get(t, "key"), *val = json_object_get(t, "value");
		if (!json_is_object(t) || !json_is_string(k))
			return weir_mlflow_arg_type_error("tags", t, e);
		if (val && !json_is_null(val) && !json_is_string(val))
			return weir_mlflow_arg_type_error("value", val, e);
		if (weir_registry_tag_check(json_string_value(k), json_string_value(val), e) != 0)
			return -1;
	}
	*tags = v;
	return 0;
}

/* Resolves the registered model named by MLflow name `name` for the caller and authorizes
 * the route's operation on it. */
static int ml_model(weir_req *r, const char *name, weir_securable *s, weir_error *e)
{
	const char *full = weir_registry_full_name(r->arena, "name", name, e);
	if (full == NULL)
		return -1;
	if (weir_gov_resolve(weir_req_db(r), r->arena, r->principal, WEIR_SEC_MODEL, full, s, e) != 0) {
		if (e->code == WEIR_E_NOT_FOUND)
			weir_error_set(e, WEIR_E_NOT_FOUND, "Registered Model with name=%.300s not found", name);
		return -1;
	}
	return weir_req_authorize(r, s, e);
}

/* Name argument `key` resolved and authorized. */
static int ml_model_arg(weir_req *r, const char *key, const char **name, weir_securable *s, weir_error *e)
{
	if (arg_str(r, key, true, name, e) != 0)
		return -1;
	return ml_model(r, *name, s, e);
}

static int reply_obj(weir_req *r, const char *key, json_t *v, weir_error *e)
{
	if (v == NULL)
		return weir_reply_error(r, e);
	return weir_reply_json(r, 200, json_pack("{s:o}", key, v));
}

/* Commits the write whose answer `out` was rendered inside it, then answers {key: out}
 * (weir_reply_committed). */
static int ml_commit_reply(weir_req *r, const char *key, json_t *out, weir_error *e)
{
	return weir_reply_committed(r, out ? json_pack("{s:o}", key, out) : NULL, e);
}

/* ---------------------------------------------------------------- what a call names */

/* The model, and the version, tag or alias, that a registry call names. */
typedef struct {
	const char *name; /* the model's MLflow name */
	weir_securable s; /* the model, resolved and the route's operation authorized */
	int64_t v;
	const char *key, *value, *alias;
	bool force; /* a model's delete takes its versions with it */
} ml_target;

enum {
	T_KEY = 1 << 0, /* the tag's key (required) */
	T_VALUE = 1 << 1, /* its value, and the tag checked */
	T_ALIAS = 1 << 2, /* the alias (required) */
	T_ALIAS_NEW = 1 << 3, /* the alias checked as one to set */
	T_VERSION = 1 << 4, /* the version */
	T_VERSION_EXISTS = 1 << 5 | T_VERSION, /* a version the model has */
	T_FORCE = 1 << 6, /* force: always in MLflow, ?force=true in Unity Catalog */
};

/* Reads what `want` names in MLflow's order (key, value, alias, version), then resolves the
 * model `name` and authorizes the route's operation on it, then checks it has the version. */
static int ml_target_read(weir_req *r, unsigned want, ml_target *t, weir_error *e)
{
	*t = (ml_target){0};
	if ((want & T_KEY) && arg_str(r, "key", true, &t->key, e) != 0)
		return -1;
	if ((want & T_VALUE) &&
	    (arg_str(r, "value", false, &t->value, e) != 0 || weir_registry_tag_check(t->key, t->value, e) != 0))
		return -1;
	if ((want & T_ALIAS) && arg_str(r, "alias", true, &t->alias, e) != 0)
		return -1;
	if ((want & T_ALIAS_NEW) && weir_registry_alias_check(t->alias, e) != 0)
		return -1;
	if ((want & T_VERSION) && arg_version(r, &t->v, e) != 0)
		return -1;
	if (ml_model_arg(r, "name", &t->name, &t->s, e) != 0)
		return -1;
	t->force = want & T_FORCE;
	if ((want & T_VERSION_EXISTS) == T_VERSION_EXISTS)
		return weir_registry_version_exists(weir_req_db(r), t->s.id, t->name, t->v, e);
	return 0;
}

/* ---------------------------------------------------------------- Unity Catalog's names */

static int uc_model(weir_req *r, weir_securable *s, weir_error *e)
{
	if (weir_gov_resolve(weir_req_db(r), r->arena, r->principal, WEIR_SEC_MODEL, weir_req_param(r, "full_name"), s,
			     e) != 0)
		return -1;
	return weir_req_authorize(r, s, e);
}

static int uc_version(weir_req *r, weir_securable *s, int64_t *v, weir_error *e)
{
	if (weir_registry_version_parse_uc(weir_req_param(r, "version"), v, e) != 0 || uc_model(r, s, e) != 0)
		return -1;
	if (weir_registry_version_exists(weir_req_db(r), s->id, s->full_name, *v, e) != 0)
		return weir_error_set(e, WEIR_E_NOT_FOUND, "Model version %.300s/%lld does not exist.", s->full_name,
				      (long long)*v);
	return 0;
}

/* The same from a Unity Catalog route: ?force, then the path's model ({full_name}), version
 * ({version}, which the model must have) and alias ({alias}). */
static int uc_target_read(weir_req *r, unsigned want, ml_target *t, weir_error *e)
{
	*t = (ml_target){0};
	if ((want & T_FORCE) && weir_req_query_bool(r, "force", &t->force, e) != 0)
		return -1;
	if (((want & T_VERSION_EXISTS) == T_VERSION_EXISTS ? uc_version(r, &t->s, &t->v, e) : uc_model(r, &t->s, e)) !=
	    0)
		return -1;
	t->alias = (want & T_ALIAS) ? weir_req_param(r, "alias") : NULL;
	return 0;
}

/* ---------------------------------------------------------------- writes that answer {} */

/* The registry writes whose answer is {}, in MLflow and Unity Catalog: each is what it names
 * and one domain call. A route names its write by its audit action (ML_WRITE_ACTIONS; the
 * MLflow deletes and their Unity Catalog twins share theirs). */
typedef enum {
	W_MODEL_DELETE,
	W_MODEL_TAG_SET,
	W_MODEL_TAG_DELETE,
	W_ALIAS_SET,
	W_ALIAS_DELETE,
	W_VERSION_DELETE,
	W_VERSION_TAG_SET,
	W_VERSION_TAG_DELETE,
} ml_write;
#define ML_NWRITES (W_VERSION_TAG_DELETE + 1)

static const char *const ML_WRITE_ACTIONS[ML_NWRITES] = {
	[W_MODEL_DELETE] = "deleteRegisteredModel",        [W_MODEL_TAG_SET] = "setRegisteredModelTag",
	[W_MODEL_TAG_DELETE] = "deleteRegisteredModelTag", [W_ALIAS_SET] = "setRegisteredModelAlias",
	[W_ALIAS_DELETE] = "deleteRegisteredModelAlias",   [W_VERSION_DELETE] = "deleteModelVersion",
	[W_VERSION_TAG_SET] = "setModelVersionTag",        [W_VERSION_TAG_DELETE] = "deleteModelVersionTag",
};

static const unsigned ML_WRITE_NAMES[ML_NWRITES] = {
	[W_MODEL_DELETE] = T_FORCE,
	[W_MODEL_TAG_SET] = T_KEY | T_VALUE,
	[W_MODEL_TAG_DELETE] = T_KEY,
	[W_ALIAS_SET] = T_ALIAS | T_ALIAS_NEW | T_VERSION,
	[W_ALIAS_DELETE] = T_ALIAS,
	[W_VERSION_DELETE] = T_VERSION_EXISTS,
	[W_VERSION_TAG_SET] = T_KEY | T_VALUE | T_VERSION_EXISTS,
	[W_VERSION_TAG_DELETE] = T_KEY | T_VERSION_EXISTS,
};

static int ml_write_apply(weir_req *r, ml_write w, const ml_target *t, weir_error *e)
{
	weir_db *db = weir_req_db(r);
	switch (w) {
	case W_MODEL_DELETE: return weir_registry_model_delete(db, t->s.id, t->s.full_name, t->force, e);
	case W_MODEL_TAG_SET: return weir_registry_model_tag_set(db, t->s.id, t->key, t->value, e);
	case W_MODEL_TAG_DELETE: return weir_registry_model_tag_delete(db, t->s.id, t->key, e);
	case W_ALIAS_SET: return weir_registry_alias_set(db, r->arena, t->s.id, t->name, t->alias, t->v, e);
	case W_ALIAS_DELETE: return weir_registry_alias_delete(db, r->arena, t->s.id, t->alias, e);
	case W_VERSION_DELETE: return weir_registry_version_delete(db, t->s.id, t->v, r->principal->name, e);
	case W_VERSION_TAG_SET: return weir_registry_version_tag_set(db, r->arena, t->s.id, t->v, t->key, t->value, e);
	case W_VERSION_TAG_DELETE: return weir_registry_version_tag_delete(db, r->arena, t->s.id, t->v, t->key, e);
	}
	return weir_error_set(e, WEIR_E_INTERNAL_ERROR, "internal error");
}

/* The route's write (by its audit action): what it names read in the route's dialect, its
 * domain call in the request's write transaction, committed with its audit row; then {}. */
static int ml_write_empty(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	ml_write w = (ml_write)weir_req_action(r, ML_WRITE_ACTIONS, ML_NWRITES);
	ml_target t;
	int named = r->route->dialect == WEIR_DIALECT_MLFLOW ? ml_target_read(r, ML_WRITE_NAMES[w], &t, &e)
							     : uc_target_read(r, ML_WRITE_NAMES[w], &t, &e);
	if (named != 0 || weir_req_begin(r, &e) != 0 || ml_write_apply(r, w, &t, &e) != 0 ||
	    weir_req_commit(r, &e) != 0)
		return weir_reply_error(r, &e);
	return weir_reply_ok_empty(r);
}

/* ---------------------------------------------------------------- registered models */

static int rm_create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *name, *desc;
	json_t *tags;
	if (arg_str(r, "name", true, &name, &e) != 0 || arg_str(r, "description", false, &desc, &e) != 0 ||
	    body_tags(r, &tags, &e) != 0)
		return weir_reply_error(r, &e);
	const char *full = weir_registry_full_name(r->arena, "name", name, &e);
	const char *parts[3];
	if (full == NULL || weir_gov_split_full_name(r->arena, "name", full, 3, parts, &e) != 0)
		return weir_reply_error(r, &e);
	weir_db *db = weir_req_db(r);
	weir_securable schema;
	const char *id;
	weir_registry_model_in in = {.name = parts[2], .comment = desc, .tags = tags, .event_name = name};
	if (weir_req_begin(r, &e) != 0 ||
	    weir_registry_model_schema(db, r->arena, r->principal, parts[0], parts[1], &schema, &e) != 0 ||
	    weir_req_authorize(r, &schema, &e) != 0 ||
	    weir_registry_model_register(db, r->arena, r->principal, &schema, &in, &id, &e) != 0)
		return weir_reply_error(r, &e);
	weir_req_audit_securable(r, full);
	json_t *out = weir_registry_model_mlflow(db, r->arena, id, &e);
	return ml_commit_reply(r, "registered_model", out, &e);
}

static int rm_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *name;
	weir_securable s;
	if (ml_model_arg(r, "name", &name, &s, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *m = weir_registry_model_mlflow(weir_req_db(r), r->arena, s.id, &e);
	if (m && databricks_flavour(r))
		json_object_set_new(m, "id", json_string(s.id));
	return reply_obj(r, databricks_flavour(r) ? "registered_model_databricks" : "registered_model", m, &e);
}

static int rm_rename(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *name, *new_name;
	weir_securable s;
	if (arg_str(r, "name", true, &name, &e) != 0 || arg_str(r, "new_name", true, &new_name, &e) != 0 ||
	    ml_model(r, name, &s, &e) != 0)
		return weir_reply_error(r, &e);
	const char *leaf = weir_registry_rename_leaf(r->arena, &s, new_name, &e);
	if (leaf == NULL)
		return weir_reply_error(r, &e);
	weir_db *db = weir_req_db(r);
	if (weir_req_begin(r, &e) != 0 || weir_registry_model_rename(db, s.id, leaf, r->principal->name, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *out = weir_registry_model_mlflow(db, r->arena, s.id, &e);
	return ml_commit_reply(r, "registered_model", out, &e);
}

static int rm_update(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *name, *desc;
	weir_securable s;
	if (arg_str(r, "description", false, &desc, &e) != 0 || ml_model_arg(r, "name", &name, &s, &e) != 0)
		return weir_reply_error(r, &e);
	weir_db *db = weir_req_db(r);
	/* MLflow quirk: an absent description clears it */
	if (weir_req_begin(r, &e) != 0 ||
	    weir_registry_model_set_comment(db, s.id, desc ? desc : "", r->principal->name, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *out = weir_registry_model_mlflow(db, r->arena, s.id, &e);
	return ml_commit_reply(r, "registered_model", out, &e);
}

static int search(weir_req *r, weir_registry_search_kind kind)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_registry_search q = {.kind = kind, .max_results = INT64_MIN}; /* INT64_MIN: absent */
	const char *order[MAX_LIST];
	if (arg_str(r, "filter", false, &q.filter, &e) != 0 || arg_i64(r, "max_results", &q.max_results, &e) != 0 ||
	    arg_list(r, "order_by", order, &q.norder_by, &e) != 0 ||
	    arg_str(r, "page_token", false, &q.page_token, &e) != 0)
		return weir_reply_error(r, &e);
	q.order_by = order;
	weir_req_mark_authorized(r); /* answers only what the caller may browse */
	size_t len;
	char *out = weir_registry_search_text(weir_req_db(r), r->arena, r->principal, &q, &len, &e);
	return out ? weir_reply_json_text(r, 200, out, len) : weir_reply_error(r, &e);
}

static int rm_search(weir_req *r) { return search(r, WEIR_REG_SEARCH_MODELS); }
static int mv_search(weir_req *r) { return search(r, WEIR_REG_SEARCH_VERSIONS); }

static int rm_latest(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *name, *stages[MAX_LIST];
	int n;
	weir_securable s;
	if (arg_list(r, "stages", stages, &n, &e) != 0 || ml_model_arg(r, "name", &name, &s, &e) != 0)
		return weir_reply_error(r, &e);
	return weir_reply_list(r, "model_versions",
			       weir_registry_latest_versions(weir_req_db(r), r->arena, s.id, stages, n, &e), &e);
}

/* One version, named by its number or (getModelVersionByAlias) by an alias of the model, or
 * "latest". */
static int version_get(weir_req *r, unsigned want)
{
	weir_error e = WEIR_ERROR_INIT;
	ml_target t;
	if (ml_target_read(r, want, &t, &e) != 0)
		return weir_reply_error(r, &e);
	weir_db *db = weir_req_db(r);
	json_t *mv = t.alias ? weir_registry_alias_version_mlflow(db, r->arena, t.s.id, t.name, t.alias, &e)
			     : weir_registry_version_mlflow(db, r->arena, t.s.id, t.v, true, &e);
	return reply_obj(r, "model_version", mv, &e);
}

static int alias_get(weir_req *r) { return version_get(r, T_ALIAS); }
static int mv_get(weir_req *r) { return version_get(r, T_VERSION_EXISTS); }

/* ---------------------------------------------------------------- model versions */

static int mv_create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *name;
	weir_registry_version_in in = {0};
	weir_securable s;
	if (arg_str(r, "name", true, &name, &e) != 0 || arg_str(r, "source", true, &in.source, &e) != 0 ||
	    arg_str(r, "run_id", false, &in.run_id, &e) != 0 || arg_str(r, "run_link", false, &in.run_link, &e) != 0 ||
	    arg_str(r, "description", false, &in.description, &e) != 0 || body_tags(r, &in.tags, &e) != 0)
		return weir_reply_error(r, &e);
	if (in.run_id == NULL && arg_str(r, "run_uuid", false, &in.run_id, &e) != 0)
		return weir_reply_error(r, &e);
	const char *logged = NULL;
	if (arg_str(r, "model_id", false, &logged, &e) != 0)
		return weir_reply_error(r, &e);
	/* the one source rule (registry/tracking.c), checked before the model as MLflow does;
	 * then the logged model it is registered from (MLflow 3), if any */
	if (weir_registry_version_source_check(weir_req_db(r), r->arena, r->principal, in.source, in.run_id, &e) != 0 ||
	    weir_registry_version_logged_model(weir_req_db(r), r->arena, &in, logged, &e) != 0)
		return weir_reply_error(r, &e);
	if (ml_model(r, name, &s, &e) != 0)
		return weir_reply_error(r, &e);
	weir_db *db = weir_req_db(r);
	int64_t v;
	if (weir_req_begin(r, &e) != 0 ||
	    weir_registry_version_create(db, r->arena, s.id, &in, r->principal->name, &v, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *out = weir_registry_version_mlflow(db, r->arena, s.id, v, true, &e);
	return ml_commit_reply(r, "model_version", out, &e);
}

static int mv_update(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *desc;
	ml_target t;
	if (arg_str(r, "description", false, &desc, &e) != 0 || ml_target_read(r, T_VERSION_EXISTS, &t, &e) != 0)
		return weir_reply_error(r, &e);
	weir_db *db = weir_req_db(r);
	if (weir_req_begin(r, &e) != 0 ||
	    weir_registry_version_set_description(db, t.s.id, t.v, desc, r->principal->name, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *out = weir_registry_version_mlflow(db, r->arena, t.s.id, t.v, true, &e);
	return ml_commit_reply(r, "model_version", out, &e);
}

static int mv_transition(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *stage, *canon;
	bool archive = false;
	ml_target t;
	if (arg_str(r, "stage", true, &stage, &e) != 0 || arg_bool(r, "archive_existing_versions", &archive, &e) != 0 ||
	    weir_registry_stage_check(stage, archive, &canon, &e) != 0 ||
	    ml_target_read(r, T_VERSION_EXISTS, &t, &e) != 0)
		return weir_reply_error(r, &e);
	weir_db *db = weir_req_db(r);
	if (weir_req_begin(r, &e) != 0 ||
	    weir_registry_version_transition(db, t.s.id, t.v, canon, archive, r->principal->name, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *out = weir_registry_version_mlflow(db, r->arena, t.s.id, t.v, true, &e);
	return ml_commit_reply(r, databricks_flavour(r) ? "model_version_databricks" : "model_version", out, &e);
}

static int mv_download_uri(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	ml_target t;
	if (ml_target_read(r, T_VERSION_EXISTS, &t, &e) != 0)
		return weir_reply_error(r, &e);
	const char *uri = weir_registry_version_download_uri(weir_req_db(r), r->arena, t.s.id, t.v, &e);
	if (uri == NULL)
		return weir_reply_error(r, &e);
	return weir_reply_json(r, 200, json_pack("{s:s}", "artifact_uri", uri));
}

/* ---------------------------------------------------------------- webhooks */

static int wh_create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = ml_body(r, &e);
	if (body == NULL || weir_req_begin(r, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *out = weir_webhook_create(weir_req_db(r), r->arena, body, &e);
	return ml_commit_reply(r, "webhook", out, &e);
}

static int wh_list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	int64_t max = 0;
	const char *tok;
	if (arg_i64(r, "max_results", &max, &e) != 0 || arg_str(r, "page_token", false, &tok, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *out = weir_webhook_list(weir_req_db(r), r->arena, max, tok, &e);
	return out ? weir_reply_json(r, 200, out) : weir_reply_error(r, &e);
}

static int wh_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	return reply_obj(r, "webhook", weir_webhook_get(weir_req_db(r), r->arena, weir_req_param(r, "webhook_id"), &e),
			 &e);
}

static int wh_update(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = ml_body(r, &e);
	if (body == NULL || weir_req_begin(r, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *out = weir_webhook_update(weir_req_db(r), r->arena, weir_req_param(r, "webhook_id"), body, &e);
	return ml_commit_reply(r, "webhook", out, &e);
}

static int wh_delete(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	if (weir_req_begin(r, &e) != 0 ||
	    weir_webhook_delete(weir_req_db(r), weir_req_param(r, "webhook_id"), &e) != 0 ||
	    weir_req_commit(r, &e) != 0)
		return weir_reply_error(r, &e);
	return weir_reply_ok_empty(r);
}

static int wh_test(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = ml_body(r, &e);
	weir_webhook_target t;
	if (body == NULL || weir_webhook_target_get(weir_req_db(r), r->arena, weir_req_param(r, "webhook_id"),
						    json_object_get(body, "event"), &t, &e) != 0)
		return weir_reply_error(r, &e);
	return weir_reply_json(r, 200, weir_webhook_test_send(r->arena, &t));
}

static int wh_deliveries(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *out = weir_webhook_deliveries(weir_req_db(r), r->arena, weir_req_param(r, "webhook_id"), &e);
	return out ? weir_reply_json(r, 200, out) : weir_reply_error(r, &e);
}

/* ---------------------------------------------------------------- Unity Catalog models */

static int ucm_create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	const char *name = NULL, *cat = NULL, *sch = NULL, *comment = NULL, *id;
	if (body == NULL || weir_json_get_str(body, "name", true, &name, &e) != 0 ||
	    weir_json_get_str(body, "catalog_name", true, &cat, &e) != 0 ||
	    weir_json_get_str(body, "schema_name", true, &sch, &e) != 0 ||
	    weir_json_get_str(body, "comment", false, &comment, &e) != 0 ||
	    weir_gov_name_check("name", name, &e) != 0 || weir_gov_name_check("catalog_name", cat, &e) != 0 ||
	    weir_gov_name_check("schema_name", sch, &e) != 0)
		return weir_reply_error(r, &e);
	weir_db *db = weir_req_db(r);
	weir_securable schema;
	weir_registry_model_in in = {
		.name = name, .comment = comment, .event_name = weir_registry_mlflow_name(r->arena, cat, sch, name)};
	if (weir_gov_resolve(db, r->arena, r->principal, WEIR_SEC_SCHEMA,
			     weir_arena_printf(r->arena, "%s.%s", cat, sch), &schema, &e) != 0 ||
	    weir_req_authorize(r, &schema, &e) != 0 || weir_req_begin(r, &e) != 0 ||
	    weir_registry_model_register(db, r->arena, r->principal, &schema, &in, &id, &e) != 0)
		return weir_reply_error(r, &e);
	weir_req_audit_securable(r, weir_arena_printf(r->arena, "%s.%s.%s", cat, sch, name));
	json_t *out = weir_registry_model_uc(db, r->arena, id, &e);
	return weir_reply_committed(r, out, &e);
}

static int ucm_list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *cat = weir_req_query(r, "catalog_name"), *sch = weir_req_query(r, "schema_name");
	int64_t max = 0;
	if (weir_req_query_i64(r, "max_results", &max, &e) != 0)
		return weir_reply_error(r, &e);
	if (max < 0) {
		weir_error_field(&e, WEIR_E_INVALID_PARAMETER_VALUE, "max_results",
				 "Invalid value for 'max_results': must be greater than or equal to 0");
		return weir_reply_error(r, &e);
	}
	bool hc = cat && *cat, hs = sch && *sch;
	if (hc != hs) {
		weir_error_field(&e, WEIR_E_INVALID_PARAMETER_VALUE, hc ? "schema_name" : "catalog_name",
				 "catalog_name and schema_name must be given together");
		return weir_reply_error(r, &e);
	}
	weir_db *db = weir_req_db(r);
	weir_securable parent;
	if (hc) {
		if (weir_gov_name_check("catalog_name", cat, &e) != 0 ||
		    weir_gov_name_check("schema_name", sch, &e) != 0 ||
		    weir_gov_resolve(db, r->arena, r->principal, WEIR_SEC_SCHEMA,
				     weir_arena_printf(r->arena, "%s.%s", cat, sch), &parent, &e) != 0)
			return weir_reply_error(r, &e);
	} else if (weir_gov_metastore_securable(db, r->arena, &parent, &e) != 0) {
		return weir_reply_error(r, &e);
	}
	if (weir_req_authorize(r, &parent, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *out = weir_registry_models_uc_list(db, r->arena, r->principal, hc ? parent.id : NULL, max,
						   weir_req_query(r, "page_token"), &e);
	return out ? weir_reply_json(r, 200, out) : weir_reply_error(r, &e);
}

static int ucm_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	if (uc_model(r, &s, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *out = weir_registry_model_uc(weir_req_db(r), r->arena, s.id, &e);
	return out ? weir_reply_json(r, 200, out) : weir_reply_error(r, &e);
}

static int ucm_update(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, true, &e); /* the SDK sends PATCH without a body */
	const char *comment = NULL, *new_name = NULL;
	weir_securable s;
	if (body == NULL || weir_json_get_str(body, "comment", false, &comment, &e) != 0 ||
	    weir_json_get_str(body, "new_name", false, &new_name, &e) != 0 || uc_model(r, &s, &e) != 0)
		return weir_reply_error(r, &e);
	const char *owner = NULL;
	if (weir_json_get_str(body, "owner", false, &owner, &e) != 0)
		return weir_reply_error(r, &e);
	if (owner && !weir_req_can(r, WEIR_OP_TRANSFER_OWNER, &s)) {
		weir_error_set(&e, WEIR_E_PERMISSION_DENIED,
			       "Only the owner or a metastore admin may transfer ownership.");
		return weir_reply_error(r, &e);
	}
	weir_db *db = weir_req_db(r);
	if (weir_req_begin(r, &e) != 0 ||
	    (comment && weir_registry_model_set_comment(db, s.id, comment, r->principal->name, &e) != 0) ||
	    (owner && weir_registry_model_set_owner(db, s.id, owner, r->principal->name, &e) != 0) ||
	    (new_name && weir_registry_model_rename(db, s.id, new_name, r->principal->name, &e) != 0))
		return weir_reply_error(r, &e);
	json_t *out = weir_registry_model_uc(db, r->arena, s.id, &e);
	return weir_reply_committed(r, out, &e);
}

static int ucv_create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	const char *model = NULL, *cat = NULL, *sch = NULL;
	weir_registry_version_in in = {.pending = true};
	if (body == NULL || weir_json_get_str(body, "model_name", true, &model, &e) != 0 ||
	    weir_json_get_str(body, "catalog_name", true, &cat, &e) != 0 ||
	    weir_json_get_str(body, "schema_name", true, &sch, &e) != 0 ||
	    weir_json_get_str(body, "source", true, &in.source, &e) != 0 ||
	    weir_json_get_str(body, "run_id", false, &in.run_id, &e) != 0 ||
	    weir_json_get_str(body, "comment", false, &in.description, &e) != 0 ||
	    weir_registry_version_source_check(weir_req_db(r), r->arena, r->principal, in.source, in.run_id, &e) != 0)
		return weir_reply_error(r, &e);
	weir_db *db = weir_req_db(r);
	weir_securable s;
	int64_t v;
	if (weir_gov_resolve(db, r->arena, r->principal, WEIR_SEC_MODEL,
			     weir_arena_printf(r->arena, "%s.%s.%s", cat, sch, model), &s, &e) != 0 ||
	    weir_req_authorize(r, &s, &e) != 0 || weir_req_begin(r, &e) != 0 ||
	    weir_registry_version_create(db, r->arena, s.id, &in, r->principal->name, &v, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *out = weir_registry_version_uc(db, r->arena, s.id, v, &e);
	return weir_reply_committed(r, out, &e);
}

static int ucv_list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	int64_t max = 0, after = 0;
	weir_securable s;
	const char *tok = weir_req_query(r, "page_token");
	if (weir_req_query_i64(r, "max_results", &max, &e) != 0)
		return weir_reply_error(r, &e);
	if (tok && *tok && (!weir_parse_i64(tok, &after) || after < 0)) {
		weir_error_field(&e, WEIR_E_INVALID_PARAMETER_VALUE, "page_token", "Invalid page token received");
		return weir_reply_error(r, &e);
	}
	if (max < 0) {
		weir_error_field(&e, WEIR_E_INVALID_PARAMETER_VALUE, "max_results",
				 "Invalid value for 'max_results': must be greater than or equal to 0");
		return weir_reply_error(r, &e);
	}
	if (uc_model(r, &s, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *out = weir_registry_versions_uc(weir_req_db(r), r->arena, s.id, after, max, &e);
	return out ? weir_reply_json(r, 200, out) : weir_reply_error(r, &e);
}

static int ucv_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	int64_t v;
	if (uc_version(r, &s, &v, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *out = weir_registry_version_uc(weir_req_db(r), r->arena, s.id, v, &e);
	return out ? weir_reply_json(r, 200, out) : weir_reply_error(r, &e);
}

/* POST temporary-model-version-credentials (Unity Catalog OSS): the version by catalog,
 * schema and model names and its number; READ_MODEL_VERSION needs EXECUTE on the model (the
 * route's rule), READ_WRITE_MODEL_VERSION its ownership; what is hidden answers as missing.
 * Audited, refusals too. */
static int ucv_credentials(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	const char *cat = NULL, *sch = NULL, *model = NULL, *operation = NULL;
	int64_t version = 0;
	bool write = false;
	if (body == NULL || weir_json_get_str(body, "catalog_name", true, &cat, &e) != 0 ||
	    weir_json_get_str(body, "schema_name", true, &sch, &e) != 0 ||
	    weir_json_get_str(body, "model_name", true, &model, &e) != 0 ||
	    weir_json_get_i64(body, "version", true, &version, &e) != 0 ||
	    weir_json_get_str(body, "operation", true, &operation, &e) != 0 ||
	    weir_catalog_credential_operation(WEIR_SEC_MODEL, operation, &write, &e) != 0 ||
	    weir_gov_name_check("catalog_name", cat, &e) != 0 || weir_gov_name_check("schema_name", sch, &e) != 0 ||
	    weir_gov_name_check("model_name", model, &e) != 0)
		return weir_reply_error(r, &e);
	if (version < 1) {
		weir_error_field(&e, WEIR_E_INVALID_PARAMETER_VALUE, "version",
				 "Invalid value for 'version': must be 1 or more");
		return weir_reply_error(r, &e);
	}
	weir_db *db = weir_req_db(r);
	const char *full = weir_arena_printf(r->arena, "%s.%s.%s", cat, sch, model);
	weir_securable s;
	if (weir_gov_resolve(db, r->arena, r->principal, WEIR_SEC_MODEL, full, &s, &e) != 0 ||
	    weir_req_authorize(r, &s, &e) != 0 ||
	    (write && weir_gov_check(db, r->principal, WEIR_OP_WRITE_DATA, &s, &e) != 0))
		return weir_reply_error(r, &e);
	if (weir_registry_version_exists(db, s.id, s.full_name, version, &e) != 0) {
		weir_error_clear(&e);
		weir_error_set(&e, WEIR_E_NOT_FOUND, "Model version %.300s/%lld does not exist.", full,
			       (long long)version);
		return weir_reply_error(r, &e);
	}
	r->audit_securable = full;
	/* read in the request's snapshot; the write lock only for the audit row */
	return weir_reply_audited(r, weir_registry_version_credentials(db, r->arena, &s, version, write, &e), &e);
}

static int ucv_update(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, true, &e);
	const char *comment = NULL;
	weir_securable s;
	int64_t v;
	if (body == NULL || weir_json_get_str(body, "comment", false, &comment, &e) != 0 ||
	    uc_version(r, &s, &v, &e) != 0)
		return weir_reply_error(r, &e);
	weir_db *db = weir_req_db(r);
	if (weir_req_begin(r, &e) != 0 ||
	    (comment && weir_registry_version_set_description(db, s.id, v, comment, r->principal->name, &e) != 0))
		return weir_reply_error(r, &e);
	json_t *out = weir_registry_version_uc(db, r->arena, s.id, v, &e);
	return weir_reply_committed(r, out, &e);
}

static int ucv_finalize(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	int64_t v;
	json_t *body = weir_req_json(r, true, &e);
	if (body == NULL || uc_version(r, &s, &v, &e) != 0)
		return weir_reply_error(r, &e);
	weir_db *db = weir_req_db(r);
	if (weir_req_begin(r, &e) != 0 ||
	    weir_registry_version_finalize(db, r->arena, s.id, v, r->principal->name, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *out = weir_registry_version_uc(db, r->arena, s.id, v, &e);
	return weir_reply_committed(r, out, &e);
}

static int uca_set(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	const char *alias = weir_req_param(r, "alias");
	int64_t v = 0;
	weir_securable s;
	if (body == NULL || weir_json_get_i64(body, "version_num", true, &v, &e) != 0 ||
	    weir_registry_alias_check(alias, &e) != 0 || uc_model(r, &s, &e) != 0)
		return weir_reply_error(r, &e);
	weir_db *db = weir_req_db(r);
	if (weir_registry_version_exists(db, s.id, s.full_name, v, &e) != 0) {
		weir_error_set(&e, WEIR_E_NOT_FOUND, "Model version %.300s/%lld does not exist.", s.full_name,
			       (long long)v);
		return weir_reply_error(r, &e);
	}
	if (weir_req_begin(r, &e) != 0 || weir_registry_alias_set(db, r->arena, s.id, s.full_name, alias, v, &e) != 0 ||
	    weir_req_commit(r, &e) != 0)
		return weir_reply_error(r, &e);
	return weir_reply_json(r, 200, json_pack("{s:s, s:I}", "alias_name", alias, "version_num", (json_int_t)v));
}

static int uca_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	int64_t v;
	if (uc_model(r, &s, &e) != 0)
		return weir_reply_error(r, &e);
	weir_db *db = weir_req_db(r);
	if (weir_registry_alias_get(db, s.id, weir_req_param(r, "alias"), &v, &e) != 0) {
		weir_error_set(&e, WEIR_E_NOT_FOUND, "Alias '%.255s' of model %.300s does not exist.",
			       weir_req_param(r, "alias"), s.full_name);
		return weir_reply_error(r, &e);
	}
	json_t *out = weir_registry_version_uc(db, r->arena, s.id, v, &e);
	return out ? weir_reply_json(r, 200, out) : weir_reply_error(r, &e);
}

/* ---------------------------------------------------------------- the table */

#define ML_API "/api/2.0/mlflow"
#define ML_AJAX "/ajax-api/2.0/mlflow"
/* Each MLflow endpoint twice: /api and /ajax-api, same handler and rule. */
#define M2(m, p, h, rule, action, flags)                                                   \
	{m, ML_API p, h, rule, WEIR_DIALECT_MLFLOW, "modelRegistry", action, flags},       \
	{                                                                                  \
		m, ML_AJAX p, h, rule, WEIR_DIALECT_MLFLOW, "modelRegistry", action, flags \
	}
#define ON(op) RULE_ON(WEIR_OP_##op)
#define NA WEIR_ROUTE_NO_AUDIT
#define UC WEIR_UC_PREFIX
#define U(m, p, h, op, action, flags) WEIR_UC_ROUTE(m, UC p, h, WEIR_OP_##op, action, flags)

const weir_route weir_routes_mlflow[] = {
	M2("POST", "/registered-models/create", rm_create, ON(CREATE_MODEL), "createRegisteredModel", 0),
	M2("GET", "/registered-models/get", rm_get, ON(READ_METADATA), "getRegisteredModel", NA),
	M2("POST", "/registered-models/rename", rm_rename, ON(UPDATE), "renameRegisteredModel", 0),
	M2("PATCH", "/registered-models/update", rm_update, ON(UPDATE), "updateRegisteredModel", 0),
	M2("DELETE", "/registered-models/delete", ml_write_empty, ON(DELETE), "deleteRegisteredModel", 0),
	M2("GET", "/registered-models/search", rm_search, RULE_AUTHENTICATED, "searchRegisteredModels", NA),
	M2("POST", "/registered-models/get-latest-versions", rm_latest, ON(READ_METADATA), "getLatestVersions", NA),
	M2("GET", "/registered-models/get-latest-versions", rm_latest, ON(READ_METADATA), "getLatestVersions", NA),
	M2("POST", "/registered-models/set-tag", ml_write_empty, ON(APPLY_TAG), "setRegisteredModelTag", 0),
	M2("DELETE", "/registered-models/delete-tag", ml_write_empty, ON(APPLY_TAG), "deleteRegisteredModelTag", 0),
	M2("POST", "/registered-models/alias", ml_write_empty, ON(WRITE_DATA), "setRegisteredModelAlias", 0),
	M2("DELETE", "/registered-models/alias", ml_write_empty, ON(WRITE_DATA), "deleteRegisteredModelAlias", 0),
	M2("GET", "/registered-models/alias", alias_get, ON(READ_METADATA), "getModelVersionByAlias", NA),
	M2("POST", "/model-versions/create", mv_create, ON(WRITE_DATA), "createModelVersion", 0),
	M2("GET", "/model-versions/get", mv_get, ON(READ_METADATA), "getModelVersion", NA),
	M2("PATCH", "/model-versions/update", mv_update, ON(WRITE_DATA), "updateModelVersion", 0),
	M2("DELETE", "/model-versions/delete", ml_write_empty, ON(DELETE), "deleteModelVersion", 0),
	M2("GET", "/model-versions/search", mv_search, RULE_AUTHENTICATED, "searchModelVersions", NA),
	M2("POST", "/model-versions/transition-stage", mv_transition, ON(WRITE_DATA), "transitionModelVersionStage", 0),
	M2("POST", "/model-versions/set-tag", ml_write_empty, ON(WRITE_DATA), "setModelVersionTag", 0),
	M2("DELETE", "/model-versions/delete-tag", ml_write_empty, ON(WRITE_DATA), "deleteModelVersionTag", 0),
	M2("GET", "/databricks/registered-models/get", rm_get, ON(READ_METADATA), "getRegisteredModelDatabricks", NA),
	M2("POST", "/databricks/model-versions/transition-stage", mv_transition, ON(WRITE_DATA),
	   "transitionModelVersionStageDatabricks", 0),
	M2("GET", "/model-versions/get-download-uri", mv_download_uri, ON(READ_DATA), "getModelVersionDownloadUri", NA),
	M2("POST", "/webhooks", wh_create, RULE_ADMIN, "createWebhook", 0),
	M2("GET", "/webhooks", wh_list, RULE_ADMIN, "listWebhooks", NA),
	M2("GET", "/webhooks/{webhook_id}", wh_get, RULE_ADMIN, "getWebhook", NA),
	M2("PATCH", "/webhooks/{webhook_id}", wh_update, RULE_ADMIN, "updateWebhook", 0),
	M2("DELETE", "/webhooks/{webhook_id}", wh_delete, RULE_ADMIN, "deleteWebhook", 0),
	M2("POST", "/webhooks/{webhook_id}/test", wh_test, RULE_ADMIN, "testWebhook", 0),
	M2("GET", "/webhooks/{webhook_id}/deliveries", wh_deliveries, RULE_ADMIN, "listWebhookDeliveries", NA),

	U("POST", "/models", ucm_create, CREATE_MODEL, "createRegisteredModel", 0),
	U("GET", "/models", ucm_list, LIST_CHILDREN, "listRegisteredModels", NA),
	U("POST", "/models/versions", ucv_create, WRITE_DATA, "createModelVersion", 0),
	U("GET", "/models/{full_name}", ucm_get, READ_METADATA, "getRegisteredModel", NA),
	U("PATCH", "/models/{full_name}", ucm_update, UPDATE, "updateRegisteredModel", 0),
	U("DELETE", "/models/{full_name}", ml_write_empty, DELETE, "deleteRegisteredModel", 0),
	U("GET", "/models/{full_name}/versions", ucv_list, READ_METADATA, "listModelVersions", NA),
	U("GET", "/models/{full_name}/versions/{version}", ucv_get, READ_METADATA, "getModelVersion", NA),
	U("PATCH", "/models/{full_name}/versions/{version}", ucv_update, WRITE_DATA, "updateModelVersion", 0),
	U("DELETE", "/models/{full_name}/versions/{version}", ml_write_empty, DELETE, "deleteModelVersion", 0),
	U("PATCH", "/models/{full_name}/versions/{version}/finalize", ucv_finalize, WRITE_DATA, "finalizeModelVersion",
	  0),
	U("POST", "/temporary-model-version-credentials", ucv_credentials, READ_DATA,
	  "generateTemporaryModelVersionCredentials", 0),
	U("PUT", "/models/{full_name}/aliases/{alias}", uca_set, WRITE_DATA, "setRegisteredModelAlias", 0),
	U("DELETE", "/models/{full_name}/aliases/{alias}", ml_write_empty, WRITE_DATA, "deleteRegisteredModelAlias", 0),
	U("GET", "/models/{full_name}/aliases/{alias}", uca_get, READ_METADATA, "getModelVersionByAlias", NA),
	{0},
};
