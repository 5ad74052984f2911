/* The model registry's domain operations over models, versions, tags and aliases: the rules
 * that decide (names, tag keys and values, version numbers, stages and their transitions,
 * aliases, pending registrations, forced deletes, the source a version may name), the events
 * each change queues (webhooks, in the caller's transaction), the lineage edge from a run to
 * its version, and who may see a model in a list. The SQL is in registry_store.c, which gets
 * plain values from here; the handlers (api/handlers/mlflow.c) call only these functions and
 * do the wire work around them. */
#include "registry/registry_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "governance/catalog.h"
#include "lineage/lineage.h"
#include "registry/artifacts.h"
#include "registry/tracking.h"
#include "registry/webhooks.h"

/* ---------------------------------------------------------------- rules without a database */

/* MLflow tag key rule (registry): <= 250 chars of [/\w.\- :], no '..' segments, no leading '/'. */
int weir_registry_tag_check(const char *key, const char *value, weir_error *err)
{
	size_t n = key ? strlen(key) : 0;
	bool ok = n > 0 && n <= 250 && key[0] != '/' && strstr(key, "..") == NULL;
	for (const unsigned char *c = (const unsigned char *)key; ok && *c; c++)
		ok = (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' ||
		     *c == '/' || *c == '.' || *c == '-' || *c == ' ' || *c == ':' || *c >= 0x80;
	if (!ok)
		return weir_error_field(
			err, WEIR_E_INVALID_PARAMETER_VALUE, "key",
			"Invalid value \"%.250s\" for parameter 'key' supplied: tag keys are 1..250 "
			"characters of letters, digits, '_', '-', '.', ' ', ':' and '/' and may not contain "
			"'..' or start with '/'.",
			key ? key : "");
	if (value && strlen(value) > 100000)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "value",
					"Tag value exceeds the maximum length of 100000 characters.");
	return 0;
}

int weir_registry_version_parse(const char *s, int64_t *v, weir_error *err)
{
	if (s == NULL || !weir_parse_i64(s, v))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "version",
					"Parameter 'version' must be an integer, got '%.100s'.", s ? s : "");
	return 0;
}

int weir_registry_version_parse_uc(const char *s, int64_t *v, weir_error *err)
{
	if (s == NULL || !weir_parse_i64(s, v) || *v < 1)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "version",
					"Invalid value for 'version': expected a positive integer");
	return 0;
}

int weir_registry_stage_check(const char *stage, bool archive_existing, const char **canonical, weir_error *err)
{
	const char *canon = weir_registry_stage_canonical(stage);
	if (canon == NULL)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "stage",
					"Invalid Model Version stage: %.100s. Value must be one of None, Staging, "
					"Production, Archived.",
					stage ? stage : "");
	if (archive_existing && (strcmp(canon, "None") == 0 || strcmp(canon, "Archived") == 0))
		return weir_error_field(
			err, WEIR_E_INVALID_PARAMETER_VALUE, "archive_existing_versions",
			"Model version transition cannot archive existing model versions because '%s' is "
			"not an Active stage. Valid stages are Staging, Production.",
			canon);
	*canonical = canon;
	return 0;
}

const char *weir_registry_rename_leaf(weir_arena *a, const weir_securable *model, const char *new_name, weir_error *err)
{
	const char *nfull = weir_registry_full_name(a, "new_name", new_name, err);
	const char *parts[3];
	if (nfull == NULL || weir_gov_split_full_name(a, "new_name", nfull, 3, parts, err) != 0)
		return NULL;
	if (strcmp(parts[0], model->chain[2].name) != 0 || strcmp(parts[1], model->chain[1].name) != 0) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "new_name",
				 "Renaming a registered model cannot move it to another catalog or schema.");
		return NULL;
	}
	return parts[2];
}

/* ---------------------------------------------------------------- the default schema */

int weir_registry_ensure_default(weir_db *db, weir_arena *a, weir_error *err)
{
	const char *ms = weir_gov_metastore_id(db, a, err);
	if (ms == NULL)
		return -1;
	return weir_reg_store_ensure_default(db, a, ms, err);
}

int weir_registry_model_schema(weir_db *db, weir_arena *a, const weir_principal *p, const char *catalog,
			       const char *schema, weir_securable *out, weir_error *err)
{
	bool is_default = strcmp(catalog, WEIR_REGISTRY_DEFAULT_CATALOG) == 0 &&
			  strcmp(schema, WEIR_REGISTRY_DEFAULT_SCHEMA) == 0;
	if (is_default && weir_registry_ensure_default(db, a, err) != 0)
		return -1;
	if (weir_gov_resolve(db, a, p, WEIR_SEC_SCHEMA, weir_arena_printf(a, "%s.%s", catalog, schema), out, err) !=
	    0) {
		/* main.default is a documented, fixed place: not being able to see it is a refusal */
		if (is_default && err->status == 404)
			weir_error_set(err, WEIR_E_PERMISSION_DENIED,
				       "User does not have permission to create a model in schema '%s.%s'.", catalog,
				       schema);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- models */

int weir_registry_model_create(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *schema,
			       const char *name, const char *comment, const char **id_out, weir_error *err)
{
	if (weir_gov_name_check("name", name, err) != 0)
		return -1;
	if (weir_reg_store_child(db, a, schema->id, "registered_model", name) != NULL)
		return weir_error_field(
			err, WEIR_E_ALREADY_EXISTS, "name", "Registered Model (name=%.300s) already exists.",
			weir_registry_mlflow_name(a, schema->chain[1].name, schema->chain[0].name, name));
	char id[37];
	weir_uuid7(id);
	const char *root = weir_catalog_data_dir();
	const char *loc = root ? weir_arena_printf(a, "file://%s/models/%s", root, id) : NULL;
	if (weir_reg_store_model_insert(db, id, schema->id, name, p->id, p->name, comment, loc, err) != 0)
		return -1;
	*id_out = weir_arena_strdup(a, id);
	return 0;
}

int weir_registry_model_register(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *schema,
				 const weir_registry_model_in *in, const char **id_out, weir_error *err)
{
	const char *id;
	if (weir_registry_model_create(db, a, p, schema, in->name, in->comment, &id, err) != 0)
		return -1;
	json_t *tagmap = json_object();
	size_t i;
	json_t *t;
	json_array_foreach (in->tags, i, t) {
		const char *k = json_string_value(json_object_get(t, "key"));
		const char *v = json_string_value(json_object_get(t, "value"));
		if (weir_registry_model_tag_set(db, id, k, v, err) != 0) {
			json_decref(tagmap);
			return -1;
		}
		json_object_set_new(tagmap, k, json_string(v ? v : ""));
	}
	const char *ev_name = in->event_name ? in->event_name
					     : weir_registry_mlflow_name(a, schema->chain[1].name,
									 schema->chain[0].name, in->name);
	json_t *data = json_pack("{s:s?, s:o, s:o}", "name", ev_name, "tags", tagmap, "description",
				 in->comment ? json_string(in->comment) : json_null());
	int rc = weir_webhooks_emit(db, a, "REGISTERED_MODEL", "CREATED", data, err);
	json_decref(data);
	if (rc != 0)
		return -1;
	*id_out = id;
	return 0;
}

int weir_registry_model_rename(weir_db *db, const char *model_id, const char *new_name, const char *by, weir_error *err)
{
	if (weir_gov_name_check("new_name", new_name, err) != 0)
		return -1;
	weir_arena *a = weir_arena_new(512);
	const char *parent = weir_reg_store_model_parent(db, a, model_id);
	const char *other = parent ? weir_reg_store_child(db, a, parent, "registered_model", new_name) : NULL;
	int rc;
	if (other && strcmp(other, model_id) != 0)
		rc = weir_error_field(err, WEIR_E_ALREADY_EXISTS, "new_name",
				      "Registered Model (name=%.300s) already exists.", new_name);
	else
		rc = weir_reg_store_model_rename(db, model_id, new_name, by, err);
	weir_arena_free(a);
	return rc;
}

int weir_registry_model_set_comment(weir_db *db, const char *model_id, const char *comment, const char *by,
				    weir_error *err)
{
	return weir_reg_store_model_set_comment(db, model_id, comment, by, err);
}

int weir_registry_model_set_owner(weir_db *db, const char *model_id, const char *owner, const char *by, weir_error *err)
{
	int64_t pid = weir_gov_principal_id(db, owner, NULL, err);
	if (pid < 0) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "owner", "Principal '%.200s' does not exist.",
				 owner);
		return -1;
	}
	return weir_reg_store_model_set_owner(db, model_id, pid, by, err);
}

int weir_registry_model_delete(weir_db *db, const char *model_id, const char *full_name, bool force, weir_error *err)
{
	if (!force && weir_reg_store_version_count(db, model_id) > 0)
		return weir_error_set(err, WEIR_E_ABORTED,
				      "Unable to delete a registered model with existing model versions: %.300s. Use "
				      "force=true.",
				      full_name ? full_name : "");
	return weir_reg_store_model_delete(db, model_id, err);
}

int weir_registry_model_tag_set(weir_db *db, const char *model_id, const char *key, const char *value, weir_error *err)
{
	if (weir_registry_tag_check(key, value, err) != 0)
		return -1;
	return weir_reg_store_model_tag_set(db, model_id, key, value, err);
}

int weir_registry_model_tag_delete(weir_db *db, const char *model_id, const char *key, weir_error *err)
{
	return weir_reg_store_model_tag_delete(db, model_id, key, err);
}

json_t *weir_registry_model_mlflow(weir_db *db, weir_arena *a, const char *model_id, weir_error *err)
{
	return weir_reg_store_model_mlflow(db, a, model_id, err);
}

json_t *weir_registry_model_uc(weir_db *db, weir_arena *a, const char *model_id, weir_error *err)
{
	int64_t owner_id = 0;
	json_t *o = weir_reg_store_model_uc(db, a, model_id, &owner_id, err);
	if (o == NULL)
		return NULL;
	const char *owner = weir_gov_principal_name(db, a, owner_id);
	json_object_set_new(o, "owner", json_string(owner ? owner : ""));
	json_t *al = weir_reg_store_aliases_uc(db, model_id, 0, false, err);
	if (al == NULL) {
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "aliases", al);
	return o;
}

/* ---------------------------------------------------------------- UC list */

typedef struct uc_list_ctx {
	weir_db *db;
	weir_arena *a;
	const weir_principal *p;
	int limit;
	json_t *arr;
	const char *last;
	bool more;
	weir_error *err;
} uc_list_ctx;

/* Keeps the models p may browse until one more than a page is found. */
static int uc_list_visit(void *vctx, const char *id)
{
	uc_list_ctx *c = vctx;
	weir_securable s;
	weir_error e2 = WEIR_ERROR_INIT;
	if (!c->p->is_admin && (weir_gov_resolve_id(c->db, c->a, c->p, id, &s, &e2) != 0 ||
				!weir_gov_allowed(c->db, c->p, WEIR_OP_READ_METADATA, &s)))
		return 0;
	if ((int)json_array_size(c->arr) == c->limit) {
		c->more = true;
		return 1;
	}
	json_t *info = weir_registry_model_uc(c->db, c->a, id, c->err);
	if (info == NULL)
		return -1;
	json_array_append_new(c->arr, info);
	c->last = id;
	return 0;
}

json_t *weir_registry_models_uc_list(weir_db *db, weir_arena *a, const weir_principal *p, const char *schema_id,
				     int64_t max_results, const char *page_token, weir_error *err)
{
	uc_list_ctx c = {.db = db,
			 .a = a,
			 .p = p,
			 .limit = max_results <= 0 || max_results > 1000 ? 100 : (int)max_results,
			 .arr = json_array(),
			 .err = err};
	if (weir_reg_store_models_walk(db, a, schema_id, page_token, uc_list_visit, &c, err) != 0) {
		json_decref(c.arr);
		return NULL;
	}
	json_t *out = json_pack("{s:o}", "registered_models", c.arr);
	if (c.more && c.last) {
		const char *tok = c.last;
		if (schema_id && (tok = weir_reg_store_name_of(db, a, c.last, err)) == NULL) {
			json_decref(out);
			return NULL;
		}
		json_object_set_new(out, "next_page_token", json_string(tok));
	}
	return out;
}

/* ---------------------------------------------------------------- versions */

int weir_registry_version_source_check(weir_db *db, weir_arena *a, const weir_principal *p, const char *source,
				       const char *run_id, weir_error *err)
{
	if (weir_tracking_source_check(db, a, source, run_id, NULL, err) != 0)
		return -1;
	return weir_artifacts_source_readable(db, a, p, source, err);
}

int weir_registry_version_logged_model(weir_db *db, weir_arena *a, weir_registry_version_in *in, const char *model_id,
				       weir_error *err)
{
	const char *from_source = NULL;
	if (in->source && strncasecmp(in->source, "models:/", 8) == 0) {
		const char *p = in->source + 8;
		while (*p == '/')
			p++;
		const char *id = weir_arena_strndup(a, p, strcspn(p, "/"));
		if (weir_tracking_logged_model_id_valid(id))
			from_source = id;
	}
	const char *lm = model_id && *model_id ? model_id : from_source;
	if (lm == NULL)
		return 0;
	weir_tracking_logged_model_ref ref;
	if (weir_tracking_logged_model_ref_get(db, a, lm, &ref, err) != 0)
		return -1;
	in->logged_model_id = ref.model_id;
	if (from_source && strcmp(from_source, ref.model_id) == 0) {
		const char *rest = in->source + 8;
		while (*rest == '/')
			rest++;
		rest += strlen(from_source);
		in->storage_location = *rest && rest[1] ? weir_arena_printf(a, "%s%s", ref.artifact_uri, rest)
							: ref.artifact_uri;
	}
	if ((in->run_id == NULL || *in->run_id == '\0') && *ref.source_run_id)
		in->run_id = ref.source_run_id;
	return 0;
}

int weir_registry_version_create(weir_db *db, weir_arena *a, const char *model_id, const weir_registry_version_in *in,
				 const char *by, int64_t *version, weir_error *err)
{
	char id[37];
	weir_uuid7(id);
	int64_t now = weir_now_ms();
	const char *root = weir_catalog_data_dir();
	const char *loc = root ? weir_arena_printf(a, "file://%s/models/%s/versions/%s", root, model_id, id) : NULL;
	int64_t v;
	if (weir_reg_store_version_insert(db, model_id, in, id, loc, now, by, &v, err) != 0)
		return -1;
	size_t i;
	json_t *t;
	json_t *tagmap = json_object();
	json_array_foreach (in->tags, i, t) {
		const char *k = json_string_value(json_object_get(t, "key"));
		const char *val = json_string_value(json_object_get(t, "value"));
		if (weir_reg_store_version_tag_set(db, model_id, v, k, val, err) != 0) {
			json_decref(tagmap);
			return -1;
		}
		json_object_set_new(tagmap, k, json_string(val ? val : ""));
	}
	if (weir_reg_store_model_touch(db, model_id, now, NULL, err) != 0) {
		json_decref(tagmap);
		return -1;
	}
	const char *mname = weir_reg_store_mlflow_name(db, a, model_id);
	if (in->logged_model_id &&
	    weir_tracking_logged_model_add_version(db, a, in->logged_model_id, mname ? mname : "", v, err) != 0) {
		json_decref(tagmap);
		return -1;
	}
	if (in->run_id && *in->run_id) {
		weir_lineage_node src = {WEIR_LIN_MLFLOW_RUN, in->run_id, NULL};
		weir_lineage_node dst = {WEIR_LIN_MODEL_VERSION,
					 weir_arena_printf(a, "%s/%lld", model_id, (long long)v),
					 weir_arena_printf(a, "%s/%lld", mname ? mname : "", (long long)v)};
		weir_lineage_producer byp = {WEIR_LIN_CAPTURED, "mlflow_run", in->run_id};
		if (weir_lineage_record_edge(db, &src, &dst, &byp, now, err) != 0) {
			json_decref(tagmap);
			return -1;
		}
	}
	json_t *data = json_pack("{s:s?, s:s, s:s?, s:o, s:o, s:o}", "name", mname, "version",
				 weir_arena_printf(a, "%lld", (long long)v), "source", in->source, "run_id",
				 in->run_id && *in->run_id ? json_string(in->run_id) : json_null(), "tags", tagmap,
				 "description", in->description ? json_string(in->description) : json_null());
	int erc = weir_webhooks_emit(db, a, "MODEL_VERSION", "CREATED", data, err);
	json_decref(data);
	if (erc != 0)
		return -1;
	*version = v;
	return 0;
}

int weir_registry_version_exists(weir_db *db, const char *model_id, const char *mlflow_name, int64_t version,
				 weir_error *err)
{
	int rc = weir_reg_store_version_exists(db, model_id, version, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return weir_error_set(err, WEIR_E_NOT_FOUND, "Model Version (name=%.300s, version=%lld) not found",
				      mlflow_name ? mlflow_name : "", (long long)version);
	return 0;
}

int weir_registry_version_set_description(weir_db *db, const char *model_id, int64_t version, const char *desc,
					  const char *by, weir_error *err)
{
	return weir_reg_store_version_set_description(db, model_id, version, desc, by, err);
}

int weir_registry_version_transition(weir_db *db, const char *model_id, int64_t version, const char *stage,
				     bool archive_existing, const char *by, weir_error *err)
{
	const char *canon;
	if (weir_registry_stage_check(stage, archive_existing, &canon, err) != 0)
		return -1;
	return weir_reg_store_version_transition(db, model_id, version, canon, archive_existing, by, err);
}

int weir_registry_version_finalize(weir_db *db, weir_arena *a, const char *model_id, int64_t version, const char *by,
				   weir_error *err)
{
	const char *status = weir_reg_store_version_status(db, a, model_id, version, err);
	if (status == NULL)
		return -1;
	if (strcmp(status, "PENDING_REGISTRATION") != 0)
		return weir_error_set(err, WEIR_E_INVALID_ARGUMENT,
				      "Model version not in a pending registration state");
	return weir_reg_store_version_set_ready(db, model_id, version, by, err);
}

int weir_registry_version_delete(weir_db *db, const char *model_id, int64_t version, const char *by, weir_error *err)
{
	return weir_reg_store_version_delete(db, model_id, version, by, err);
}

int weir_registry_version_tag_set(weir_db *db, weir_arena *a, const char *model_id, int64_t version, const char *key,
				  const char *value, weir_error *err)
{
	if (weir_registry_tag_check(key, value, err) != 0 ||
	    weir_reg_store_version_tag_set(db, model_id, version, key, value, err) != 0)
		return -1;
	json_t *data = json_pack("{s:s?, s:s, s:s, s:s}", "name", weir_reg_store_mlflow_name(db, a, model_id),
				 "version", weir_arena_printf(a, "%lld", (long long)version), "key", key, "value",
				 value ? value : "");
	int rc = data ? weir_webhooks_emit(db, a, "MODEL_VERSION_TAG", "SET", data, err) : 0;
	json_decref(data);
	return rc;
}

int weir_registry_version_tag_delete(weir_db *db, weir_arena *a, const char *model_id, int64_t version, const char *key,
				     weir_error *err)
{
	if (weir_reg_store_version_tag_delete(db, model_id, version, key, err) != 0)
		return -1;
	json_t *data = json_pack("{s:s?, s:s, s:s}", "name", weir_reg_store_mlflow_name(db, a, model_id), "version",
				 weir_arena_printf(a, "%lld", (long long)version), "key", key);
	int rc = data ? weir_webhooks_emit(db, a, "MODEL_VERSION_TAG", "DELETED", data, err) : 0;
	json_decref(data);
	return rc;
}

json_t *weir_registry_version_mlflow(weir_db *db, weir_arena *a, const char *model_id, int64_t version,
				     bool with_aliases, weir_error *err)
{
	return weir_reg_version_mlflow_named(db, a, model_id, version, NULL, with_aliases, err);
}

json_t *weir_registry_version_uc(weir_db *db, weir_arena *a, const char *model_id, int64_t version, weir_error *err)
{
	return weir_reg_store_version_uc(db, a, model_id, version, err);
}

json_t *weir_registry_version_credentials(weir_db *db, weir_arena *a, const weir_securable *model, int64_t version,
					  bool write, weir_error *err)
{
	json_t *v = weir_registry_version_uc(db, a, model->id, version, err);
	if (v == NULL)
		return NULL;
	const char *status = json_string_value(json_object_get(v, "status"));
	const char *name = weir_arena_printf(a, "%s/%lld", model->full_name, (long long)version);
	json_t *out = NULL;
	if (status == NULL || strcmp(status, "FAILED_REGISTRATION") == 0)
		weir_error_set(err, WEIR_E_FAILED_PRECONDITION,
			       "Model version %.300s failed registration: it has no files to vend credentials for.",
			       name);
	else if (write && strcmp(status, "PENDING_REGISTRATION") != 0)
		weir_error_set(err, WEIR_E_FAILED_PRECONDITION,
			       "Model version %.300s is %s: a finalized version's files are read-only "
			       "(READ_WRITE_MODEL_VERSION needs PENDING_REGISTRATION).",
			       name, status);
	else
		out = weir_catalog_vend("model version", name,
					json_string_value(json_object_get(v, "storage_location")), err);
	json_decref(v);
	return out;
}

const char *weir_registry_version_download_uri(weir_db *db, weir_arena *a, const char *model_id, int64_t version,
					       weir_error *err)
{
	return weir_reg_store_version_uri(db, a, model_id, version, err);
}

json_t *weir_registry_latest_versions(weir_db *db, weir_arena *a, const char *model_id, const char **stages,
				      int nstages, weir_error *err)
{
	static const char *const all[] = {"None", "Staging", "Production", "Archived"};
	const char *want[8];
	int n = 0;
	if (nstages == 0) {
		for (int i = 0; i < 4; i++)
			want[n++] = all[i];
	} else {
		for (int i = 0; i < nstages; i++) {
			const char *c = weir_registry_stage_canonical(stages[i]);
			if (c == NULL) {
				weir_error_field(
					err, WEIR_E_INVALID_PARAMETER_VALUE, "stages",
					"Invalid Model Version stage: %.100s. Value must be one of None, Staging, "
					"Production, Archived.",
					stages[i]);
				return NULL;
			}
			bool dup = false;
			for (int j = 0; j < n; j++)
				dup = dup || strcmp(want[j], c) == 0;
			if (!dup && n < 8)
				want[n++] = c;
		}
	}
	json_t *arr = json_array();
	for (int i = 0; i < n; i++) {
		int64_t v;
		int has = weir_reg_store_latest_in_stage(db, model_id, want[i], &v, err);
		if (has < 0) {
			json_decref(arr);
			return NULL;
		}
		if (has == 0)
			continue;
		json_t *mv = weir_registry_version_mlflow(db, a, model_id, v, true, err);
		if (mv == NULL) {
			json_decref(arr);
			return NULL;
		}
		json_array_append_new(arr, mv);
	}
	return arr;
}

json_t *weir_registry_versions_uc(weir_db *db, weir_arena *a, const char *model_id, int64_t after, int64_t max_results,
				  weir_error *err)
{
	int limit = max_results <= 0 || max_results > 1000 ? 100 : (int)max_results;
	return weir_reg_store_versions_uc(db, a, model_id, after, limit, err);
}

/* ---------------------------------------------------------------- aliases */

int weir_registry_alias_set(weir_db *db, weir_arena *a, const char *model_id, const char *mlflow_name,
			    const char *alias, int64_t version, weir_error *err)
{
	if (weir_registry_alias_check(alias, err) != 0 ||
	    weir_registry_version_exists(db, model_id, mlflow_name, version, err) != 0 ||
	    weir_reg_store_alias_set(db, model_id, alias, version, err) != 0)
		return -1;
	json_t *data = json_pack("{s:s?, s:s, s:s}", "name", weir_reg_store_mlflow_name(db, a, model_id), "alias",
				 alias, "version", weir_arena_printf(a, "%lld", (long long)version));
	int rc = data ? weir_webhooks_emit(db, a, "MODEL_VERSION_ALIAS", "CREATED", data, err) : 0;
	json_decref(data);
	return rc;
}

int weir_registry_alias_delete(weir_db *db, weir_arena *a, const char *model_id, const char *alias, weir_error *err)
{
	int changed = weir_reg_store_alias_delete(db, model_id, alias, err);
	if (changed <= 0)
		return changed;
	json_t *data = json_pack("{s:s?, s:s}", "name", weir_reg_store_mlflow_name(db, a, model_id), "alias", alias);
	int erc = data ? weir_webhooks_emit(db, a, "MODEL_VERSION_ALIAS", "DELETED", data, err) : 0;
	json_decref(data);
	return erc;
}

int weir_registry_model_activity(weir_db *db, weir_arena *a, const char *model_id, int64_t *max_version,
				 int64_t *max_ready, const char **aliases_json, weir_error *err)
{
	return weir_reg_store_model_activity(db, a, model_id, max_version, max_ready, aliases_json, err);
}

int weir_registry_alias_get(weir_db *db, const char *model_id, const char *alias, int64_t *version, weir_error *err)
{
	int found = weir_reg_store_alias_get(db, model_id, alias, version, err);
	if (found < 0)
		return -1;
	if (found == 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "alias",
					"Registered model alias %.255s not found.", alias);
	return 0;
}

json_t *weir_registry_alias_version_mlflow(weir_db *db, weir_arena *a, const char *model_id, const char *mlflow_name,
					   const char *alias, weir_error *err)
{
	if (strcasecmp(alias, "latest") == 0) {
		json_t *arr = weir_registry_latest_versions(db, a, model_id, NULL, 0, err);
		if (arr == NULL)
			return NULL;
		json_t *first = json_incref(json_array_get(arr, 0));
		json_decref(arr);
		if (first == NULL)
			weir_error_set(err, WEIR_E_NOT_FOUND, "Latest version not found for model %.300s.",
				       mlflow_name ? mlflow_name : "");
		return first;
	}
	int64_t v = 0;
	if (weir_registry_alias_get(db, model_id, alias, &v, err) != 0)
		return NULL;
	return weir_registry_version_mlflow(db, a, model_id, v, true, err);
}
