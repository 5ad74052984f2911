/* MLflow experiment tracking (registry/tracking.h): the request messages' checks with
 * MLflow's error codes and messages, the run-search filter grammar, opaque page tokens,
 * log-batch, run inputs with their lineage edges, and model-version source validation.
 * All SQL is in registry/tracking_store.c.
 *
 * Authorization, kept deliberately simple: experiments and runs are not Unity Catalog
 * securables. Every tracking route has the rule RULE_AUTHENTICATED: any authenticated
 * principal may create, read and change any experiment or run, as on an MLflow server
 * without its auth app. The creating principal's name is stored as `owner` on
 * trk_experiments and trk_runs (the run's `user_id` is what the client says, as in MLflow),
 * so a later issue can add MLflow-style experiment permissions without a migration of
 * existing data. Lineage edges from log-inputs use the caller's view of the catalog: a
 * table the caller cannot browse is recorded as an external DATASET, never revealed.
 *
 * Wire conventions (shared/reference/mlflow-api.md §1): int64 fields accept JSON numbers
 * and digit strings, enums are accepted by name (and number), unknown fields are ignored,
 * empty lists are omitted from answers, and every deterministic error is a 4xx. */
#include "registry/tracking_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/util.h"
#include "lineage/lineage.h"
#include "registry/artifacts.h"

/* ------------------------------------------------------------------ request fields */

/* An int64 field: a JSON integer or a digit string (protobuf JSON). *present tells. */
static int f_i64(json_t *req, const char *key, bool required, int64_t *out, bool *present, weir_error *err)
{
	json_t *v = json_object_get(req, key);
	if (present)
		*present = false;
	if (v == NULL || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
		return required ? weir_mlflow_arg_missing(key, err) : 0;
	if (json_is_integer(v))
		*out = (int64_t)json_integer_value(v);
	else if (!(json_is_string(v) && weir_parse_i64(json_string_value(v), out)))
		return weir_mlflow_arg_type_error(key, v, err);
	if (present)
		*present = true;
	return 0;
}

static int f_arr(json_t *req, const char *key, json_t **out, weir_error *err)
{
	json_t *v = json_object_get(req, key);
	if (v == NULL || json_is_null(v)) {
		*out = NULL;
		return 0;
	}
	if (!json_is_array(v))
		return weir_mlflow_arg_type_error(key, v, err);
	*out = v;
	return 0;
}

/* run_id, or its alias run_uuid. */
static int f_run_id(json_t *req, const char **out, weir_error *err)
{
	const char *id = NULL, *uuid = NULL;
	if (weir_mlflow_json_str(req, "run_id", false, &id, err) != 0 ||
	    weir_mlflow_json_str(req, "run_uuid", false, &uuid, err) != 0)
		return -1;
	*out = id && *id ? id : uuid;
	if (*out == NULL || **out == '\0')
		return weir_mlflow_arg_missing("run_id", err);
	return 0;
}

/* An experiment id: an int64 field (f_i64) whose digit string must name an id (not negative),
 * else MLflow's "Invalid experiment id". */
static int f_experiment_id(json_t *req, const char *key, bool required, int64_t *out, bool *present, weir_error *err)
{
	json_t *v = json_object_get(req, key);
	int64_t id;
	if (json_string_length(v) > 0 && (!weir_parse_i64(json_string_value(v), &id) || id < 0)) {
		if (present)
			*present = false;
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key, "Invalid experiment id: '%.100s'",
					json_string_value(v));
	}
	return f_i64(req, key, required, out, present, err);
}

/* ------------------------------------------------------------------ validation */

/* MLflow's key rule: ^[/\w.\- :]*$ (non-ASCII bytes count as \w), at most 250 chars, and
 * it must survive posixpath.normpath unchanged (no '..', '.', empty segments, no leading
 * or trailing '/'). */
static int check_key(const char *what, const char *key, weir_error *err)
{
	size_t n = strlen(key);
	if (n == 0)
		return weir_mlflow_arg_missing("key", err);
	if (n > 250)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "key",
					"%s name '%.60s...' had length %zu, which exceeded length limit of 250", what,
					key, n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)key[i];
		if (!(isalnum(c) || c == '_' || c == '/' || c == '.' || c == '-' || c == ' ' || c == ':' || c >= 0x80))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "key",
						"Invalid %s name: '%.250s'. Names may only contain alphanumerics, "
						"underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and "
						"slashes (/).",
						what, key);
	}
	if (weir_artifacts_path_check(key, false, NULL) != 0)
		return weir_error_field(
			err, WEIR_E_INVALID_PARAMETER_VALUE, "key",
			"Invalid value \"%.250s\" for parameter 'key' supplied: Names may be treated as "
			"files in certain cases, and must not resolve to other names when treated as "
			"such.",
			key);
	return 0;
}

/* Cuts s to at most max bytes on a UTF-8 boundary (MLflow truncates long param and tag
 * values by default). Arena copy when cut. */
static const char *truncate_utf8(weir_arena *a, const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return s;
	size_t cut = max;
	while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	return weir_arena_strndup(a, s, cut);
}

#define PARAM_VALUE_MAX 6000
#define TAG_VALUE_MAX 8000
#define EXP_TAG_VALUE_MAX 5000
#define EXP_NAME_MAX 500

static const char *const RUN_STATUSES[] = {"RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED", NULL};

/* An enum by name or number (RunStatus numbers start at 1). */
static int f_enum(json_t *req, const char *key, const char *const *names, int first, const char **out, weir_error *err)
{
	json_t *v = json_object_get(req, key);
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		/* compare, never subtract: the value is the client's, INT64_MIN - first overflows */
		json_int_t i = json_integer_value(v);
		for (int k = 0; names[k]; k++)
			if (i == (json_int_t)k + first) {
				*out = names[k];
				return 0;
			}
	} else if (json_is_string(v)) {
		for (int k = 0; names[k]; k++)
			if (strcmp(names[k], json_string_value(v)) == 0) {
				*out = names[k];
				return 0;
			}
	}
	char *txt = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key, "Invalid value %.100s for parameter '%s' supplied.",
			 txt ? txt : "?", key);
	free(txt);
	return -1;
}

/* view_type / run_view_type: ACTIVE_ONLY (1), DELETED_ONLY (2), ALL (3). */
static int f_view(json_t *req, const char *key, int *view, weir_error *err)
{
	static const char *const names[] = {"ACTIVE_ONLY", "DELETED_ONLY", "ALL", NULL};
	const char *v = NULL;
	if (f_enum(req, key, names, 1, &v, err) != 0)
		return -1;
	*view = v == NULL ? 1 : strcmp(v, "ACTIVE_ONLY") == 0 ? 1 : strcmp(v, "DELETED_ONLY") == 0 ? 2 : 3;
	return 0;
}

/* ------------------------------------------------------------------ page tokens */

/* Opaque tokens: base64url (no padding) of a small JSON object, e.g. {"offset": N} as
 * MLflow's (core/util.h, weir_page_token_*). URL-safe, so a client that forgets to escape
 * the query still round-trips; decoding also accepts standard base64 with padding, and ' '
 * for a '+' that a form decoder turned into a space. */

/* ------------------------------------------------------------------ filter grammar */

/* The attributes a filter or order_by may name, with their type; the store maps each
 * name onto its column (registry/tracking_store.c). */
typedef struct attr_def {
	const char *name;
	bool numeric;
	bool in_ok;
} attr_def;

static const attr_def RUN_ATTRS[] = {
	{"run_id", false, true},     {"run_name", false, false},      {"status", false, false},
	{"user_id", false, false},   {"artifact_uri", false, false},  {"lifecycle_stage", false, false},
	{"start_time", true, false}, {"end_time", true, false},       {"created", true, false},
	{"Created", true, false},    {"experiment_id", false, false}, {NULL, false, false},
};
static const attr_def EXP_ATTRS[] = {
	{"name", false, false},         {"creation_time", true, false}, {"last_update_time", true, false},
	{"experiment_id", true, false}, {NULL, false, false},
};
/* MLflow's SearchLoggedModelsUtils: string attributes (IN allowed), and the timestamps under
 * both of their names. */
static const attr_def LM_ATTRS[] = {
	{"name", false, true},
	{"model_id", false, true},
	{"model_type", false, true},
	{"status", false, true},
	{"source_run_id", false, true},
	{"creation_timestamp", true, false},
	{"creation_time", true, false},
	{"last_updated_timestamp", true, false},
	{"last_updated_time", true, false},
	{NULL, false, false},
};
static const attr_def DATASET_ATTRS[] = {
	{"name", false, true},
	{"digest", false, true},
	{"context", false, true},
	{NULL, false, false},
};

typedef weir_mlflow_lexer lexer;

static int lex_fail(lexer *l, const char *why)
{
	return weir_error_field(l->err, WEIR_E_INVALID_PARAMETER_VALUE, l->what, "Invalid %s '%.300s': %s", l->what,
				l->s, why);
}

/* Tracking's words for a refusal of the shared grammar (registry/mlflow_kit.h). */
static int filter_fail(lexer *l, weir_mlflow_bad why, const char *detail)
{
	if (why == WEIR_MLFLOW_BAD_MULTIPLE)
		return weir_error_field(l->err, WEIR_E_INVALID_PARAMETER_VALUE, "filter",
					"Search filter contained multiple expression '%.300s'", l->s);
	if (why == WEIR_MLFLOW_BAD_AND)
		return weir_error_field(l->err, WEIR_E_INVALID_PARAMETER_VALUE, "filter",
					"Invalid clause(s) in filter string: '%.300s'", l->s);
	return lex_fail(l, weir_mlflow_bad_text(why, detail));
}

/* A quoted string ('..', "..", or `..` for identifiers); *out is an arena copy. */
static int lex_quoted(lexer *l, const char **out)
{
	*out = weir_mlflow_lex_quoted(l->a, &l->p);
	return *out ? 0 : lex_fail(l, "unterminated quote");
}

static bool ident_char(char c) { return c && !isspace((unsigned char)c) && !strchr("=!<>(),'\"", c); }

static int entity_of(const char *w, int *e)
{
	static const struct {
		const char *w;
		trk_entity e;
	} map[] = {
		{"metric", TRK_ENT_METRIC},   {"metrics", TRK_ENT_METRIC},   {"param", TRK_ENT_PARAM},
		{"params", TRK_ENT_PARAM},    {"parameter", TRK_ENT_PARAM},  {"parameters", TRK_ENT_PARAM},
		{"tag", TRK_ENT_TAG},         {"tags", TRK_ENT_TAG},         {"attribute", TRK_ENT_ATTR},
		{"attributes", TRK_ENT_ATTR}, {"attr", TRK_ENT_ATTR},        {"run", TRK_ENT_ATTR},
		{"dataset", TRK_ENT_DATASET}, {"datasets", TRK_ENT_DATASET},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].w, w) == 0) {
			*e = map[i].e;
			return 0;
		}
	return -1;
}

/* entity.key | key | `key`: fills *ent and *key. */
static int lex_ident(lexer *l, int *ent, const char **key)
{
	weir_mlflow_skip_ws(&l->p);
	if (*l->p == '`' || *l->p == '"') {
		*ent = TRK_ENT_ATTR;
		return lex_quoted(l, key);
	}
	const char *start = l->p;
	while (ident_char(*l->p) && *l->p != '.' && *l->p != '`')
		l->p++;
	if (l->p == start)
		return lex_fail(l, "expected an identifier");
	const char *word = weir_arena_strndup(l->a, start, (size_t)(l->p - start));
	if (*l->p != '.') {
		*ent = TRK_ENT_ATTR;
		*key = word;
		return 0;
	}
	l->p++;
	char lw[32];
	snprintf(lw, sizeof(lw), "%s", word);
	for (char *c = lw; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (entity_of(lw, ent) != 0)
		return weir_error_field(l->err, WEIR_E_INVALID_PARAMETER_VALUE, l->what,
					"Invalid entity type '%.50s'. Valid values are ['metric', 'parameter', 'tag', "
					"'attribute', 'dataset']",
					word);
	if (*l->p == '`' || *l->p == '"' || *l->p == '\'')
		return lex_quoted(l, key);
	start = l->p;
	while (ident_char(*l->p))
		l->p++;
	if (l->p == start)
		return lex_fail(l, "expected a key after the entity type");
	*key = weir_arena_strndup(l->a, start, (size_t)(l->p - start));
	return 0;
}

static int filter_ident(lexer *l, trk_cond *c) { return lex_ident(l, &c->ent, &c->key); }

static const attr_def *find_attr(const attr_def *defs, const char *key)
{
	for (int i = 0; defs[i].name; i++)
		if (strcmp(defs[i].name, key) == 0)
			return &defs[i];
	return NULL;
}

static bool op_string(weir_mlflow_op op, bool in_ok)
{
	return op == WEIR_MLFLOW_OP_EQ || op == WEIR_MLFLOW_OP_NE || op == WEIR_MLFLOW_OP_LIKE ||
	       op == WEIR_MLFLOW_OP_ILIKE || (in_ok && (op == WEIR_MLFLOW_OP_IN || op == WEIR_MLFLOW_OP_NOT_IN));
}

/* The three filter grammars: experiments (attributes and tags), runs (metrics, params, tags,
 * attributes, datasets) and logged models (metrics, params, tags, attributes). */
typedef enum { GRAM_EXPERIMENTS, GRAM_RUNS, GRAM_LOGGED_MODELS } grammar;

/* The entities grammar g takes, the attribute's column and type, and the comparators each
 * takes. */
static int filter_check(lexer *l, trk_cond *c)
{
	grammar g = *(const grammar *)l->ctx;
	const char *key = c->key;
	if (g == GRAM_EXPERIMENTS && c->ent != TRK_ENT_ATTR && c->ent != TRK_ENT_TAG)
		return weir_error_field(l->err, WEIR_E_INVALID_PARAMETER_VALUE, "filter",
					"Invalid entity type in filter '%.300s'. Valid values are ['attribute', "
					"'tag']",
					l->s);
	if (g == GRAM_LOGGED_MODELS && c->ent == TRK_ENT_DATASET)
		return weir_error_field(l->err, WEIR_E_INVALID_PARAMETER_VALUE, "filter",
					"Invalid entity type in filter '%.300s'. Valid values are ['metric', "
					"'parameter', 'tag', 'attribute']",
					l->s);
	switch (c->ent) {
	case TRK_ENT_ATTR:
	case TRK_ENT_DATASET: {
		const attr_def *defs = c->ent == TRK_ENT_DATASET ? DATASET_ATTRS
				       : g == GRAM_RUNS          ? RUN_ATTRS
				       : g == GRAM_LOGGED_MODELS ? LM_ATTRS
								 : EXP_ATTRS;
		const attr_def *d = find_attr(defs, key);
		if (d == NULL)
			return weir_error_field(l->err, WEIR_E_INVALID_PARAMETER_VALUE, "filter",
						"Invalid attribute key '%.100s' specified.", key);
		c->column = d->name;
		c->key = NULL;
		c->numeric = d->numeric;
		if (d->numeric ? !weir_mlflow_op_numeric(c->op) : !op_string(c->op, d->in_ok))
			return weir_error_field(l->err, WEIR_E_INVALID_PARAMETER_VALUE, "filter",
						"Invalid comparator for attribute '%.100s' in filter '%.300s'", key,
						l->s);
		return 0;
	}
	case TRK_ENT_METRIC:
		c->numeric = true;
		if (!weir_mlflow_op_numeric(c->op))
			return weir_error_field(l->err, WEIR_E_INVALID_PARAMETER_VALUE, "filter",
						"Invalid comparator for metric '%.100s': expected one of =, !=, "
						"<, <=, >, >=",
						key);
		return 0;
	default:
		if (!(op_string(c->op, false) || c->op == WEIR_MLFLOW_OP_IS_NULL ||
		      c->op == WEIR_MLFLOW_OP_IS_NOT_NULL))
			return weir_error_field(l->err, WEIR_E_INVALID_PARAMETER_VALUE, "filter",
						"Invalid comparator for '%.100s': expected one of =, !=, LIKE, "
						"ILIKE, IS NULL, IS NOT NULL",
						key);
		return 0;
	}
}

static const weir_mlflow_grammar TRK_FILTER = {
	.max_conds = 64,
	.max_list = 128,
	.ident = filter_ident,
	.check = filter_check,
	.fail = filter_fail,
};

/* Parses an AND-joined filter in grammar g. */
static int parse_filter(weir_arena *a, const char *filter, grammar g, trk_cond **out, int *n, weir_error *err)
{
	return weir_mlflow_filter_parse(a, filter, &TRK_FILTER, &g, out, n, err);
}

/* order_by: an array of "<key> [ASC|DESC]". */
static int parse_order(weir_arena *a, json_t *arr, bool runs, trk_order **out, int *n, weir_error *err)
{
	*n = 0;
	*out = NULL;
	if (arr == NULL || json_array_size(arr) == 0)
		return 0;
	if (json_array_size(arr) > 16)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "order_by", "Too many order_by clauses");
	trk_order *o = weir_arena_calloc(a, json_array_size(arr) * sizeof(*o));
	size_t i;
	json_t *v;
	json_array_foreach (arr, i, v) {
		if (!json_is_string(v))
			return weir_mlflow_arg_type_error("order_by", v, err);
		const char *s = json_string_value(v);
		lexer l = {.a = a, .s = s, .p = s, .what = "order_by", .err = err};
		trk_order *ord = &o[*n];
		const char *key;
		if (lex_ident(&l, &ord->ent, &key) != 0)
			return -1;
		if (weir_mlflow_lex_word(&l.p, "DESC"))
			ord->desc = true;
		else
			(void)weir_mlflow_lex_word(&l.p, "ASC");
		weir_mlflow_skip_ws(&l.p);
		if (*l.p != '\0')
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "order_by",
						"Invalid order_by clause '%.200s'", s);
		if (ord->ent == TRK_ENT_DATASET || (!runs && ord->ent != TRK_ENT_ATTR))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "order_by",
						"Invalid order_by clause '%.200s'", s);
		if (ord->ent == TRK_ENT_ATTR) {
			const attr_def *d = find_attr(runs ? RUN_ATTRS : EXP_ATTRS, key);
			if (d == NULL)
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "order_by",
							"Invalid order by key '%.100s' specified.", key);
			ord->column = d->name;
			ord->key = d->name;
		} else {
			ord->key = key;
		}
		for (int k = 0; k < *n; k++)
			if (o[k].ent == ord->ent && strcmp(o[k].key, ord->key) == 0)
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "order_by",
							"`order_by` contains duplicate fields: %.200s", s);
		(*n)++;
	}
	*out = o;
	return 0;
}

/* ------------------------------------------------------------------ experiments */

static const char *caller(const weir_tracking_ctx *c)
{
	return c->principal && c->principal->name ? c->principal->name : "unknown";
}

static json_t *exp_answer(weir_tracking_ctx *c, const trk_exp *e, weir_error *err)
{
	json_t *o = weir_trk_store_exp_json(c->db, e, err);
	return o ? json_pack("{s:o}", "experiment", o) : NULL;
}

/* [{key, value}] tags of a request: checked, values as strings. */
static int check_tags(json_t *tags, const char *what, size_t max_value, weir_error *err)
{
	size_t i;
	json_t *t;
	json_array_foreach (tags, i, t) {
		if (!json_is_object(t))
			return weir_mlflow_arg_type_error("tags", t, err);
		const char *k = NULL, *v = "";
		if (weir_mlflow_json_str(t, "key", true, &k, err) != 0 ||
		    weir_mlflow_json_str(t, "value", false, &v, err) != 0)
			return -1;
		if (check_key(what, k, err) != 0)
			return -1;
		if (max_value && strlen(v) > max_value)
			return weir_error_field(
				err, WEIR_E_INVALID_PARAMETER_VALUE, "value",
				"Tag value '%.40s...' had length %zu, which exceeded length limit of %zu", v, strlen(v),
				max_value);
	}
	return 0;
}

/* A tag setter of the store: the experiment's, run's, logged model's or dataset input's. */
typedef int (*tag_set_fn)(weir_db *db, int64_t id, const char *key, const char *value, weir_error *err);

/* Stores each {key, value} of a checked tags array (NULL: none) on object `id` through set,
 * a missing value as ""; values cut to max bytes on a UTF-8 boundary (0: as they are). */
static int put_tags(weir_tracking_ctx *c, tag_set_fn set, int64_t id, json_t *tags, size_t max, weir_error *err)
{
	size_t i;
	json_t *t;
	json_array_foreach (tags, i, t) {
		const char *v = json_string_value(json_object_get(t, "value"));
		if (v == NULL)
			v = "";
		if (max)
			v = truncate_utf8(c->arena, v, max);
		if (set(c->db, id, json_string_value(json_object_get(t, "key")), v, err) != 0)
			return -1;
	}
	return 0;
}

static bool has_scheme(const char *s, size_t *len)
{
	size_t i = 0;
	if (!isalpha((unsigned char)s[0]))
		return false;
	while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '.' || s[i] == '-')
		i++;
	if (s[i] != ':' || i < 2) /* "C:" is a drive letter, not a scheme */
		return false;
	if (len)
		*len = i;
	return true;
}

/* No experiment (in any stage) is named `name`, else ALREADY_EXISTS. */
static int exp_name_free(weir_tracking_ctx *c, const char *name, weir_error *err)
{
	bool taken;
	if (weir_trk_store_exp_name_taken(c->db, name, &taken, err) != 0)
		return -1;
	if (taken)
		return weir_error_set(err, WEIR_E_ALREADY_EXISTS, "Experiment(name=%.300s) already exists.", name);
	return 0;
}

json_t *weir_tracking_experiment_create(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	const char *name = NULL, *loc = NULL;
	json_t *tags = NULL;
	if (weir_mlflow_json_str(req, "name", true, &name, err) != 0 ||
	    weir_mlflow_json_str(req, "artifact_location", false, &loc, err) != 0 ||
	    f_arr(req, "tags", &tags, err) != 0)
		return NULL;
	if (strlen(name) > EXP_NAME_MAX) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "name",
				 "Experiment name exceeds the maximum length of %d characters", EXP_NAME_MAX);
		return NULL;
	}
	if (loc && *loc == '\0')
		loc = NULL;
	if (loc) {
		size_t sl;
		if (!has_scheme(loc, &sl) || strncasecmp(loc, "file:", 5) == 0) {
			/* the server's disk is not the client's: say so, and what works instead */
			weir_error_field(
				err, WEIR_E_INVALID_PARAMETER_VALUE, "artifact_location",
				"Invalid artifact_location '%.200s': local paths (file:// or a bare path) are "
				"not accepted as artifact locations, since the server's files are not the "
				"client's. Leave artifact_location out to use the server's artifact store "
				"(mlflow-artifacts:/<experiment id>, uploaded through this server), or give an "
				"object store URI (s3://, gs://, abfss://, dbfs:/).",
				loc);
			return NULL;
		}
		if (strncasecmp(loc, "runs:", 5) == 0 || strchr(loc, '#') || strchr(loc, '?')) {
			weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "artifact_location",
					 "Invalid artifact_location '%.200s': a URI without fragment or query is "
					 "required, and runs:/ names a run's artifacts, not a location",
					 loc);
			return NULL;
		}
	}
	if (tags && check_tags(tags, "tag", EXP_TAG_VALUE_MAX, err) != 0)
		return NULL;
	if (exp_name_free(c, name, err) != 0)
		return NULL;
	int64_t id;
	if (weir_trk_store_exp_insert(c->db, name, loc, caller(c), weir_now_ms(), &id, err) != 0 ||
	    put_tags(c, weir_trk_store_exp_set_tag, id, tags, 0, err) != 0)
		return NULL;
	return json_pack("{s:s}", "experiment_id", weir_arena_printf(c->arena, "%lld", (long long)id));
}

static int load_exp(weir_tracking_ctx *c, json_t *req, trk_exp *e, weir_error *err)
{
	int64_t id;
	if (f_experiment_id(req, "experiment_id", true, &id, NULL, err) != 0)
		return -1;
	return weir_trk_store_exp_get(c->db, c->arena, id, e, err);
}

json_t *weir_tracking_experiment_get(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	trk_exp e;
	if (load_exp(c, req, &e, err) != 0)
		return NULL;
	return exp_answer(c, &e, err);
}

json_t *weir_tracking_experiment_get_by_name(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	const char *name = NULL;
	trk_exp e;
	if (weir_mlflow_json_str(req, "experiment_name", true, &name, err) != 0 ||
	    weir_trk_store_exp_get_by_name(c->db, c->arena, name, &e, err) != 0)
		return NULL;
	return exp_answer(c, &e, err);
}

typedef int (*trk_search_fn)(weir_db *db, weir_arena *a, const trk_query *q, int64_t **ids, int *n, weir_error *err);

typedef struct search_item {
	weir_tracking_ctx *c;
	const int64_t *ids;
	json_t *(*one)(weir_tracking_ctx *, int64_t, weir_error *);
} search_item;

static json_t *search_item_json(void *ctx, int i, weir_error *err)
{
	search_item *it = ctx;
	return it->one(it->c, it->ids[i], err);
}

/* One page of a search: q run by `search` for max + 1 ids, the objects of the first `max`
 * under `key` (omitted when empty, as MLflow does), and a next_page_token when the extra id
 * shows that more follow. */
static json_t *search_page(weir_tracking_ctx *c, trk_query *q, int64_t max, trk_search_fn search, const char *key,
			   json_t *(*one)(weir_tracking_ctx *, int64_t, weir_error *), weir_error *err)
{
	q->limit = max + 1;
	int64_t *ids;
	int n;
	if (search(c->db, c->arena, q, &ids, &n, err) != 0)
		return NULL;
	search_item it = {c, ids, one};
	return weir_mlflow_page(c->arena, n, max, q->offset, true, key, search_item_json, &it, err);
}

/* max_results of a run or logged model search: 1 to `limit`. */
static int search_max_ok(int64_t max, int limit, weir_error *err)
{
	if (max < 1 || max > limit)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "max_results",
					"Invalid value %lld for parameter 'max_results' supplied. It must be at most "
					"%d, and positive",
					(long long)max, limit);
	return 0;
}

static json_t *exp_of_id(weir_tracking_ctx *c, int64_t id, weir_error *err)
{
	trk_exp e;
	return weir_trk_store_exp_get(c->db, c->arena, id, &e, err) == 0 ? weir_trk_store_exp_json(c->db, &e, err)
									 : NULL;
}

static json_t *run_of_id(weir_tracking_ctx *c, int64_t id, weir_error *err)
{
	trk_run run;
	return weir_trk_store_run_get_id(c->db, c->arena, id, &run, err) == 0
		       ? weir_trk_store_run_json(c->db, c->arena, &run, err)
		       : NULL;
}

#define EXP_SEARCH_MAX 50000
#define RUN_SEARCH_MAX 50000

/* Experiment `id`, which must be active: runs and logged models are created only in one. */
static int active_exp(weir_tracking_ctx *c, int64_t id, trk_exp *e, weir_error *err)
{
	if (weir_trk_store_exp_get(c->db, c->arena, id, e, err) != 0)
		return -1;
	if (strcmp(e->lifecycle_stage, "active") != 0)
		return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE,
				      "The experiment %lld must be in the 'active' state. Current state is %s.",
				      (long long)e->id, e->lifecycle_stage);
	return 0;
}

/* The `ne` ids of a search's experiment_ids array (ids or digit strings) into q. */
static int experiment_ids(weir_tracking_ctx *c, json_t *exps, size_t ne, trk_query *q, weir_error *err)
{
	int64_t *eids = weir_arena_alloc(c->arena, (ne ? ne : 1) * sizeof(int64_t));
	for (size_t i = 0; i < ne; i++) {
		json_t *wrap = json_pack("{s:O}", "experiment_ids", json_array_get(exps, i));
		int rc = f_experiment_id(wrap, "experiment_ids", true, &eids[i], NULL, err);
		json_decref(wrap);
		if (rc != 0)
			return -1;
	}
	q->experiment_ids = eids;
	q->nexperiments = (int)ne;
	return 0;
}

json_t *weir_tracking_experiment_search(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	int64_t max = 1000;
	bool present;
	const char *filter = NULL, *tok = NULL;
	json_t *order = NULL;
	trk_query q = {0};
	if (f_i64(req, "max_results", false, &max, &present, err) != 0 ||
	    weir_mlflow_json_str(req, "filter", false, &filter, err) != 0 ||
	    weir_mlflow_json_str(req, "page_token", false, &tok, err) != 0 ||
	    f_arr(req, "order_by", &order, err) != 0 || f_view(req, "view_type", &q.view, err) != 0)
		return NULL;
	if (max < 1 || max > EXP_SEARCH_MAX) {
		weir_error_field(
			err, WEIR_E_INVALID_PARAMETER_VALUE, "max_results",
			"Invalid value %lld for parameter 'max_results' supplied. It must be a positive integer "
			"at most %d",
			(long long)max, EXP_SEARCH_MAX);
		return NULL;
	}
	if (parse_filter(c->arena, filter, GRAM_EXPERIMENTS, &q.conds, &q.nconds, err) != 0 ||
	    parse_order(c->arena, order, false, &q.orders, &q.norders, err) != 0 ||
	    weir_page_token_offset_parse(c->arena, tok, &q.offset, err) != 0)
		return NULL;
	if (q.norders == 0) { /* MLflow's default: newest first */
		static trk_order def = {TRK_ENT_ATTR, "creation_time", "creation_time", true, NULL, NULL};
		q.orders = &def;
		q.norders = 1;
	}
	return search_page(c, &q, max, weir_trk_store_exp_search, "experiments", exp_of_id, err);
}

json_t *weir_tracking_experiment_update(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	trk_exp e;
	const char *name = NULL;
	if (load_exp(c, req, &e, err) != 0 || weir_mlflow_json_str(req, "new_name", true, &name, err) != 0)
		return NULL;
	if (strcmp(e.lifecycle_stage, "active") != 0) {
		weir_error_set(err, WEIR_E_INVALID_STATE, "Cannot rename a non-active experiment.");
		return NULL;
	}
	if (strlen(name) > EXP_NAME_MAX) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "new_name",
				 "Experiment name exceeds the maximum length of %d characters", EXP_NAME_MAX);
		return NULL;
	}
	if (strcmp(name, e.name) != 0 && exp_name_free(c, name, err) != 0)
		return NULL;
	if (weir_trk_store_exp_rename(c->db, e.id, name, weir_now_ms(), err) != 0)
		return NULL;
	return json_object();
}

static int load_run(weir_tracking_ctx *c, json_t *req, trk_run *run, weir_error *err);

/* Delete and restore of experiments and runs: the experiment or run of req moved to
 * lifecycle `stage` ("deleted" or "active"); nothing to write when it is there already. */
static json_t *lifecycle_set(weir_tracking_ctx *c, json_t *req, bool run, const char *stage, weir_error *err)
{
	trk_exp e;
	trk_run rn;
	if (run ? load_run(c, req, &rn, err) != 0 : load_exp(c, req, &e, err) != 0)
		return NULL;
	const char *now_at = run ? rn.lifecycle_stage : e.lifecycle_stage;
	int64_t id = run ? rn.id : e.id;
	if (strcmp(now_at, stage) == 0)
		return json_object();
	int rc = run ? weir_trk_store_run_set_stage(c->db, id, stage, weir_now_ms(), err)
		     : weir_trk_store_exp_set_stage(c->db, id, stage, weir_now_ms(), err);
	return rc == 0 ? json_object() : NULL;
}

json_t *weir_tracking_experiment_delete(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	return lifecycle_set(c, req, false, "deleted", err);
}

json_t *weir_tracking_experiment_restore(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	return lifecycle_set(c, req, false, "active", err);
}

json_t *weir_tracking_experiment_set_tag(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	trk_exp e;
	const char *key = NULL, *value = "";
	if (load_exp(c, req, &e, err) != 0 || weir_mlflow_json_str(req, "key", true, &key, err) != 0 ||
	    weir_mlflow_json_str(req, "value", false, &value, err) != 0 || check_key("tag", key, err) != 0)
		return NULL;
	if (strcmp(e.lifecycle_stage, "active") != 0) {
		weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE,
			       "The experiment %lld must be in the 'active' state. Current state is %s.",
			       (long long)e.id, e.lifecycle_stage);
		return NULL;
	}
	if (strlen(value) > EXP_TAG_VALUE_MAX) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "value",
				 "Tag value had length %zu, which exceeded length limit of %d", strlen(value),
				 EXP_TAG_VALUE_MAX);
		return NULL;
	}
	if (weir_trk_store_exp_set_tag(c->db, e.id, key, value, err) != 0)
		return NULL;
	return json_object();
}

json_t *weir_tracking_experiment_delete_tag(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	trk_exp e;
	const char *key = NULL;
	bool existed;
	if (load_exp(c, req, &e, err) != 0 || weir_mlflow_json_str(req, "key", true, &key, err) != 0 ||
	    weir_trk_store_exp_delete_tag(c->db, e.id, key, &existed, err) != 0)
		return NULL;
	if (!existed) {
		weir_error_set(err, WEIR_E_NOT_FOUND, "No tag with name: %.250s in experiment with id %lld", key,
			       (long long)e.id);
		return NULL;
	}
	return json_object();
}

/* ------------------------------------------------------------------ runs */

static bool is_run_id(const char *s)
{
	size_t n = strlen(s);
	if (n != 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

static int load_run(weir_tracking_ctx *c, json_t *req, trk_run *run, weir_error *err)
{
	const char *id;
	if (f_run_id(req, &id, err) != 0)
		return -1;
	return weir_trk_store_run_get(c->db, c->arena, id, run, err);
}

static int active_run(weir_tracking_ctx *c, json_t *req, trk_run *run, weir_error *err)
{
	if (load_run(c, req, run, err) != 0)
		return -1;
	if (strcmp(run->lifecycle_stage, "active") != 0)
		return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE,
				      "The run %s must be in the 'active' state. Current state is %s.", run->run_id,
				      run->lifecycle_stage);
	return 0;
}

/* The logged model named by `model_id`, active: a deleted model answers as a missing one, as
 * MLflow's GET does (404 "Logged model with ID '...' not found."). */
static int active_lm(weir_tracking_ctx *c, const char *model_id, trk_lmodel *m, weir_error *err)
{
	if (weir_trk_store_lm_get(c->db, c->arena, model_id, m, err) != 0)
		return -1;
	if (strcmp(m->lifecycle_stage, "active") != 0)
		return weir_error_set(err, WEIR_E_NOT_FOUND, "Logged model with ID '%.100s' not found.", model_id);
	return 0;
}

/* The model a metric is logged against (runs/log-metric and log-batch items: model_id,
 * dataset_name, dataset_digest); model_id NULL when it names none. */
typedef struct model_ref {
	const char *model_id;
	const char *dataset_name;
	const char *dataset_digest;
} model_ref;

static int point_model(json_t *m, model_ref *ref, weir_error *err)
{
	*ref = (model_ref){NULL, "", ""};
	if (weir_mlflow_json_str(m, "model_id", false, &ref->model_id, err) != 0 ||
	    weir_mlflow_json_str(m, "dataset_name", false, &ref->dataset_name, err) != 0 ||
	    weir_mlflow_json_str(m, "dataset_digest", false, &ref->dataset_digest, err) != 0)
		return -1;
	if (ref->model_id && *ref->model_id == '\0')
		ref->model_id = NULL;
	return 0;
}

/* A point logged with a model_id is also the model's (its data.metrics, with the run). */
static int log_model_point(weir_tracking_ctx *c, const trk_run *run, const trk_point *p, const model_ref *ref,
			   weir_error *err)
{
	if (ref->model_id == NULL)
		return 0;
	trk_lmodel m;
	if (active_lm(c, ref->model_id, &m, err) != 0)
		return -1;
	return weir_trk_store_lm_metric_put(c->db, m.id, p, run->run_id, ref->dataset_name, ref->dataset_digest, err);
}

static const char *random_run_name(weir_arena *a)
{
	static const char *const adj[] = {"amazing", "bold",     "calm",   "clever",   "dapper", "eager",   "gentle",
					  "honest",  "keen",     "lucky",  "merciful", "nimble", "quiet",   "rare",
					  "sincere", "tasteful", "unique", "valuable", "wise",   "youthful"};
	static const char *const noun[] = {"ant", "bass", "bee",  "cat",   "colt",  "crow", "deer",
					   "doe", "fox",  "gull", "hawk",  "hen",   "lark", "mole",
					   "owl", "ram",  "seal", "shrew", "snail", "wolf"};
	unsigned char r[3];
	weir_random_bytes(r, sizeof(r));
	return weir_arena_printf(a, "%s-%s-%d", adj[r[0] % 20], noun[r[1] % 20], r[2] % 1000);
}

json_t *weir_tracking_run_create(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	int64_t exp_id = 0;
	trk_run run = {0};
	json_t *tags = NULL;
	if (f_experiment_id(req, "experiment_id", false, &exp_id, NULL, err) != 0 ||
	    weir_mlflow_json_str(req, "user_id", false, &run.user_id, err) != 0 ||
	    weir_mlflow_json_str(req, "run_name", false, &run.run_name, err) != 0 ||
	    f_i64(req, "start_time", false, &run.start_time, &run.has_start, err) != 0 ||
	    f_arr(req, "tags", &tags, err) != 0)
		return NULL;
	if (tags && check_tags(tags, "tag", 0, err) != 0)
		return NULL;
	trk_exp e;
	if (active_exp(c, exp_id, &e, err) != 0)
		return NULL;
	const char *tag_name = NULL;
	size_t i;
	json_t *t;
	json_array_foreach (tags, i, t)
		if (strcmp(json_string_value(json_object_get(t, "key")), "mlflow.runName") == 0)
			tag_name = json_string_value(json_object_get(t, "value"));
	if (run.run_name && *run.run_name && tag_name && strcmp(run.run_name, tag_name) != 0) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "run_name",
				 "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different "
				 "values (run_name='%.200s', mlflow.runName='%.200s').",
				 run.run_name, tag_name);
		return NULL;
	}
	if (run.run_name == NULL || *run.run_name == '\0')
		run.run_name = tag_name && *tag_name ? tag_name : random_run_name(c->arena);
	char id[33];
	weir_random_hex(id, 16);
	run.run_id = weir_arena_strdup(c->arena, id);
	run.experiment_id = e.id;
	run.status = "RUNNING";
	if (!run.has_start) {
		run.start_time = weir_now_ms();
		run.has_start = true;
	}
	if (run.user_id == NULL)
		run.user_id = caller(c);
	run.artifact_uri = weir_arena_printf(c->arena, "%s/%s/artifacts", e.artifact_location, id);
	run.lifecycle_stage = "active";
	if (weir_trk_store_run_insert(c->db, &run, caller(c), &run.id, err) != 0 ||
	    put_tags(c, weir_trk_store_tag_set, run.id, tags, TAG_VALUE_MAX, err) != 0)
		return NULL;
	if (tag_name == NULL && weir_trk_store_tag_set(c->db, run.id, "mlflow.runName", run.run_name, err) != 0)
		return NULL;
	json_t *o = weir_trk_store_run_json(c->db, c->arena, &run, err);
	return o ? json_pack("{s:o}", "run", o) : NULL;
}

json_t *weir_tracking_run_get(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	trk_run run;
	if (load_run(c, req, &run, err) != 0)
		return NULL;
	json_t *o = weir_trk_store_run_json(c->db, c->arena, &run, err);
	return o ? json_pack("{s:o}", "run", o) : NULL;
}

json_t *weir_tracking_run_update(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	trk_run run;
	const char *status = NULL, *name = NULL;
	int64_t end = 0;
	bool has_end;
	if (active_run(c, req, &run, err) != 0 || f_enum(req, "status", RUN_STATUSES, 1, &status, err) != 0 ||
	    f_i64(req, "end_time", false, &end, &has_end, err) != 0 ||
	    weir_mlflow_json_str(req, "run_name", false, &name, err) != 0)
		return NULL;
	if (status)
		run.status = status;
	if (has_end) {
		run.end_time = end;
		run.has_end = true;
	}
	if (name && *name) {
		run.run_name = name;
		if (weir_trk_store_tag_set(c->db, run.id, "mlflow.runName", name, err) != 0)
			return NULL;
	}
	if (weir_trk_store_run_update(c->db, &run, err) != 0)
		return NULL;
	return json_pack("{s:o}", "run_info", weir_trk_store_run_info_json(&run));
}

json_t *weir_tracking_run_delete(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	return lifecycle_set(c, req, true, "deleted", err);
}

json_t *weir_tracking_run_restore(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	return lifecycle_set(c, req, true, "active", err);
}

json_t *weir_tracking_run_search(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	int64_t max = 1000;
	const char *filter = NULL, *tok = NULL;
	json_t *order = NULL, *exps = NULL;
	trk_query q = {0};
	if (f_arr(req, "experiment_ids", &exps, err) != 0 || f_i64(req, "max_results", false, &max, NULL, err) != 0 ||
	    weir_mlflow_json_str(req, "filter", false, &filter, err) != 0 ||
	    weir_mlflow_json_str(req, "page_token", false, &tok, err) != 0 ||
	    f_arr(req, "order_by", &order, err) != 0 || f_view(req, "run_view_type", &q.view, err) != 0)
		return NULL;
	if (search_max_ok(max, RUN_SEARCH_MAX, err) != 0)
		return NULL;
	size_t ne = exps ? json_array_size(exps) : 0;
	if (ne > 200) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "experiment_ids", "At most 200 experiment ids");
		return NULL;
	}
	if (experiment_ids(c, exps, ne, &q, err) != 0)
		return NULL;
	if (parse_filter(c->arena, filter, GRAM_RUNS, &q.conds, &q.nconds, err) != 0 ||
	    parse_order(c->arena, order, true, &q.orders, &q.norders, err) != 0 ||
	    weir_page_token_offset_parse(c->arena, tok, &q.offset, err) != 0)
		return NULL;
	if (ne == 0)
		return json_object();
	return search_page(c, &q, max, weir_trk_store_run_ids, "runs", run_of_id, err);
}

/* ------------------------------------------------------------------ logging */

/* A metric from its JSON message: key, value (number or "NaN"/"Infinity"/"-Infinity"),
 * timestamp (required), step (default 0). */
static int parse_point(weir_arena *a, json_t *m, trk_point *p, weir_error *err)
{
	(void)a;
	if (!json_is_object(m))
		return weir_mlflow_arg_type_error("metrics", m, err);
	if (weir_mlflow_json_str(m, "key", true, &p->key, err) != 0 || check_key("metric", p->key, err) != 0)
		return -1;
	json_t *v = json_object_get(m, "value");
	p->is_nan = false;
	if (v == NULL || json_is_null(v))
		return weir_mlflow_arg_missing("value", err);
	if (json_is_number(v)) {
		p->value = json_number_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (strcmp(s, "NaN") == 0 || strcasecmp(s, "nan") == 0) {
			p->is_nan = true;
			p->value = 0;
		} else if (strcmp(s, "Infinity") == 0 || strcasecmp(s, "inf") == 0) {
			p->value = INFINITY;
		} else if (strcmp(s, "-Infinity") == 0 || strcasecmp(s, "-inf") == 0) {
			p->value = -INFINITY;
		} else {
			char *end;
			p->value = strtod(s, &end);
			if (*s == '\0' || *end != '\0')
				return weir_mlflow_arg_type_error("value", v, err);
		}
	} else {
		return weir_mlflow_arg_type_error("value", v, err);
	}
	p->step = 0;
	if (f_i64(m, "timestamp", true, &p->timestamp, NULL, err) != 0 ||
	    f_i64(m, "step", false, &p->step, NULL, err) != 0)
		return -1;
	if (p->timestamp < 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "timestamp",
					"Invalid value %lld for parameter 'timestamp' supplied: must be >= 0",
					(long long)p->timestamp);
	return 0;
}

json_t *weir_tracking_log_metric(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	trk_run run;
	trk_point p;
	model_ref ref;
	if (parse_point(c->arena, req, &p, err) != 0 || point_model(req, &ref, err) != 0 ||
	    active_run(c, req, &run, err) != 0 || weir_trk_store_metric_put(c->db, run.id, &p, err) != 0 ||
	    weir_trk_store_metric_settle(c->db, err) != 0 || log_model_point(c, &run, &p, &ref, err) != 0)
		return NULL;
	return json_object();
}

/* Logs one param; refuses a changed value (params are immutable). */
static int put_param(weir_tracking_ctx *c, int64_t run, const char *run_id, const char *key, const char *value,
		     weir_error *err)
{
	value = truncate_utf8(c->arena, value, PARAM_VALUE_MAX);
	const char *old;
	if (weir_trk_store_param_get(c->db, c->arena, run, key, &old, err) != 0)
		return -1;
	if (old && strcmp(old, value) != 0)
		return weir_error_field(
			err, WEIR_E_INVALID_PARAMETER_VALUE, "value",
			"Changing param values is not allowed. Param with key='%.250s' was already logged "
			"with value='%.200s' for run ID='%s'. Attempted logging new value '%.200s'.",
			key, old, run_id, value);
	if (old)
		return 0;
	return weir_trk_store_param_put(c->db, run, key, value, err);
}

/* A param or tag (`what`; in a batch, an entry of list `list`): {key, value}, the key checked,
 * the value "" when absent. */
static int kv_fields(json_t *o, const char *list, const char *what, const char **key, const char **value,
		     weir_error *err)
{
	if (!json_is_object(o))
		return weir_mlflow_arg_type_error(list, o, err);
	*value = "";
	if (weir_mlflow_json_str(o, "key", true, key, err) != 0 ||
	    weir_mlflow_json_str(o, "value", false, value, err) != 0)
		return -1;
	return check_key(what, *key, err);
}

json_t *weir_tracking_log_param(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	trk_run run;
	const char *key, *value;
	if (kv_fields(req, "params", "param", &key, &value, err) != 0 || active_run(c, req, &run, err) != 0 ||
	    put_param(c, run.id, run.run_id, key, value, err) != 0)
		return NULL;
	return json_object();
}

/* Sets a run tag; mlflow.runName also renames the run. */
static int put_tag(weir_tracking_ctx *c, trk_run *run, const char *key, const char *value, weir_error *err)
{
	value = truncate_utf8(c->arena, value, TAG_VALUE_MAX);
	if (weir_trk_store_tag_set(c->db, run->id, key, value, err) != 0)
		return -1;
	if (strcmp(key, "mlflow.runName") == 0) {
		run->run_name = value;
		return weir_trk_store_run_update(c->db, run, err);
	}
	return 0;
}

json_t *weir_tracking_set_tag(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	trk_run run;
	const char *key, *value;
	if (kv_fields(req, "tags", "tag", &key, &value, err) != 0 || active_run(c, req, &run, err) != 0 ||
	    put_tag(c, &run, key, value, err) != 0)
		return NULL;
	return json_object();
}

json_t *weir_tracking_delete_tag(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	trk_run run;
	const char *key = NULL;
	bool existed;
	if (weir_mlflow_json_str(req, "key", true, &key, err) != 0 || active_run(c, req, &run, err) != 0 ||
	    weir_trk_store_tag_delete(c->db, run.id, key, &existed, err) != 0)
		return NULL;
	if (!existed) {
		weir_error_set(err, WEIR_E_NOT_FOUND, "No tag with name: %.250s in run with id %s", key, run.run_id);
		return NULL;
	}
	return json_object();
}

/* MLflow's "latest": the larger (step, timestamp, value); NaN compares as 0 (as stored). */
static bool point_newer(const trk_point *a, const trk_point *b)
{
	if (a->step != b->step)
		return a->step > b->step;
	if (a->timestamp != b->timestamp)
		return a->timestamp > b->timestamp;
	return (a->is_nan ? 0.0 : a->value) > (b->is_nan ? 0.0 : b->value);
}

typedef struct key_ref {
	const char *key;
	int i;
} key_ref;

/* By key, then by position in the batch (qsort is not stable; the position makes it so). */
static int key_ref_cmp(const void *x, const void *y)
{
	const key_ref *a = x, *b = y;
	int c = strcmp(a->key, b->key);
	return c ? c : (a->i > b->i) - (a->i < b->i);
}

/* log-batch: every item is checked before anything is written; the caller's transaction
 * makes the batch atomic (1,000 metrics are 2,000 cached-statement steps). */
json_t *weir_tracking_log_batch(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	json_t *metrics = NULL, *params = NULL, *tags = NULL;
	const char *rid;
	if (f_run_id(req, &rid, err) != 0 || f_arr(req, "metrics", &metrics, err) != 0 ||
	    f_arr(req, "params", &params, err) != 0 || f_arr(req, "tags", &tags, err) != 0)
		return NULL;
	size_t nm = metrics ? json_array_size(metrics) : 0, np = params ? json_array_size(params) : 0,
	       nt = tags ? json_array_size(tags) : 0;
	if (nm > WEIR_TRACKING_MAX_METRICS || np > WEIR_TRACKING_MAX_PARAMS || nt > WEIR_TRACKING_MAX_TAGS ||
	    nm + np + nt > 1000) {
		weir_error_set(
			err, WEIR_E_INVALID_PARAMETER_VALUE,
			"A batch logging request can contain at most %d metrics, %d params, and %d tags, with at "
			"most 1000 entities in total. Got %zu metrics, %zu params, and %zu tags.",
			WEIR_TRACKING_MAX_METRICS, WEIR_TRACKING_MAX_PARAMS, WEIR_TRACKING_MAX_TAGS, nm, np, nt);
		return NULL;
	}
	trk_point *pts = weir_arena_alloc(c->arena, (nm ? nm : 1) * sizeof(*pts));
	model_ref *refs = weir_arena_alloc(c->arena, (nm ? nm : 1) * sizeof(*refs));
	for (size_t i = 0; i < nm; i++)
		if (parse_point(c->arena, json_array_get(metrics, i), &pts[i], err) != 0 ||
		    point_model(json_array_get(metrics, i), &refs[i], err) != 0)
			return NULL;
	const char **pk = weir_arena_alloc(c->arena, (np ? np : 1) * sizeof(*pk));
	const char **pv = weir_arena_alloc(c->arena, (np ? np : 1) * sizeof(*pv));
	for (size_t i = 0; i < np; i++) {
		if (kv_fields(json_array_get(params, i), "params", "param", &pk[i], &pv[i], err) != 0)
			return NULL;
		for (size_t k = 0; k < i; k++)
			if (strcmp(pk[k], pk[i]) == 0) {
				weir_error_field(
					err, WEIR_E_INVALID_PARAMETER_VALUE, "params",
					"Duplicate parameter keys have been submitted: ['%.250s']. Please ensure "
					"the request contains only one param value per param key.",
					pk[i]);
				return NULL;
			}
	}
	const char **tk = weir_arena_alloc(c->arena, (nt ? nt : 1) * sizeof(*tk));
	const char **tv = weir_arena_alloc(c->arena, (nt ? nt : 1) * sizeof(*tv));
	for (size_t i = 0; i < nt; i++)
		if (kv_fields(json_array_get(tags, i), "tags", "tag", &tk[i], &tv[i], err) != 0)
			return NULL;
	trk_run run;
	if (active_run(c, req, &run, err) != 0)
		return NULL;
	for (size_t i = 0; i < np; i++)
		if (put_param(c, run.id, run.run_id, pk[i], pv[i], err) != 0)
			return NULL;
	/* every point, then the latest value once per key: the batch's maximum by (step,
	 * timestamp, value) (the first of equals), merged by the upsert with what is stored.
	 * Points are grouped by sorting on (key, position), and both writes go in key order,
	 * the order of both primary keys, so that consecutive writes land on neighbouring
	 * pages. (The insert ignores duplicates and each key's upsert is independent: the order
	 * does not change what is stored.) */
	key_ref *ord = weir_arena_alloc(c->arena, (nm ? nm : 1) * sizeof(*ord));
	for (size_t i = 0; i < nm; i++)
		ord[i] = (key_ref){pts[i].key, (int)i};
	qsort(ord, nm, sizeof(*ord), key_ref_cmp);
	/* Where the points go (registry/tracking_store.c, "metrics"): a key with many points in
	 * this batch writes them straight to trk_metrics, whose leaf page for the key is then
	 * written once for all of them; a key with few goes through the hot table, which
	 * collects its points over several batches first. Only the cost differs: every read
	 * sees both tables. */
	bool any_hot = false;
	for (size_t i = 0; i < nm;) {
		size_t j = i + 1;
		while (j < nm && strcmp(ord[j].key, ord[i].key) == 0)
			j++;
		bool direct = j - i >= TRK_DIRECT_POINTS;
		any_hot |= !direct;
		for (; i < j; i++)
			if (weir_trk_store_metric_insert(c->db, run.id, &pts[ord[i].i], direct, err) != 0)
				return NULL;
	}
	for (size_t i = 0; i < nm;) {
		int best = ord[i].i;
		size_t j = i + 1;
		for (; j < nm && strcmp(ord[j].key, ord[i].key) == 0; j++)
			if (point_newer(&pts[ord[j].i], &pts[best]))
				best = ord[j].i;
		if (weir_trk_store_metric_latest(c->db, run.id, &pts[best], err) != 0)
			return NULL;
		i = j;
	}
	/* when the hot table is above its target, one slice of it (about as many points as a
	 * batch, never more than two) moves to trk_metrics */
	if (any_hot && weir_trk_store_metric_settle(c->db, err) != 0)
		return NULL;
	for (size_t i = 0; i < nm; i++)
		if (log_model_point(c, &run, &pts[i], &refs[i], err) != 0)
			return NULL;
	for (size_t i = 0; i < nt; i++)
		if (put_tag(c, &run, tk[i], tv[i], err) != 0)
			return NULL;
	return json_object();
}

/* ------------------------------------------------------------------ inputs and lineage */

static bool three_part(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 767)
		return false;
	int dots = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '.') {
			if (p == s || p[1] == '\0' || p[1] == '.')
				return false;
			dots++;
		} else if (isspace((unsigned char)*p) || *p == '/' || *p == ':') {
			return false;
		}
	}
	return dots == 2;
}

/* The UC table a dataset names, if any (not resolved). Arena string or NULL. */
static const char *dataset_table(weir_arena *a, const char *name, const char *source_type, const char *source)
{
	json_t *src = source && *source == '{' ? json_loads(source, 0, NULL) : NULL;
	const char *found = NULL;
	if (json_is_object(src)) {
		static const char *const keys[] = {"table_name", "delta_table_name", "uc_table_name", "name", NULL};
		for (int i = 0; keys[i] && !found; i++) {
			const char *v = json_string_value(json_object_get(src, keys[i]));
			if (three_part(v))
				found = weir_arena_strdup(a, v);
		}
	}
	json_decref(src);
	if (found)
		return found;
	bool table_type = source_type &&
			  (strcmp(source_type, "delta_table") == 0 || strcmp(source_type, "uc_table") == 0);
	if (table_type && three_part(source))
		return weir_arena_strdup(a, source);
	if (three_part(name))
		return weir_arena_strdup(a, name);
	return NULL;
}

/* A location the dataset's source JSON names (uri, url, path), or NULL. Arena string. */
static const char *dataset_location(weir_arena *a, const char *source)
{
	json_t *src = source && *source == '{' ? json_loads(source, 0, NULL) : NULL;
	const char *found = NULL;
	static const char *const keys[] = {"uri", "url", "path", NULL};
	for (int i = 0; json_is_object(src) && keys[i] && !found; i++) {
		const char *v = json_string_value(json_object_get(src, keys[i]));
		if (v && *v)
			found = weir_arena_strdup(a, v);
	}
	json_decref(src);
	return found;
}

/* The edge dataset -> run: a TABLE node when the dataset names a UC table the caller can
 * browse (weir_gov_resolve), else what lineage maps the dataset's location onto (a table or
 * volume whose storage location it is), else a DATASET node keyed
 * "<source_type>\n<location or name>". */
static int record_lineage(weir_tracking_ctx *c, const trk_run *run, const char *name, const char *source_type,
			  const char *source, weir_error *err)
{
	weir_lineage_node src = {WEIR_LIN_DATASET, NULL, name};
	const char *table = dataset_table(c->arena, name, source_type, source);
	if (table) {
		weir_securable s;
		weir_error ignore = WEIR_ERROR_INIT;
		if (weir_gov_resolve(c->db, c->arena, c->principal, WEIR_SEC_TABLE, table, &s, &ignore) == 0) {
			src.kind = WEIR_LIN_TABLE;
			src.key = s.id;
			src.name = s.full_name ? s.full_name : table;
		}
	}
	if (src.key == NULL) {
		const char *loc = dataset_location(c->arena, source);
		if (weir_lineage_dataset_node(c->db, c->arena, source_type, loc ? loc : name, &src, err) != 0)
			return -1;
	}
	weir_lineage_node dst = {WEIR_LIN_MLFLOW_RUN, run->run_id, run->run_name};
	weir_lineage_producer by = {WEIR_LIN_CAPTURED, "mlflow_run", run->run_id};
	return weir_lineage_record_edge(c->db, &src, &dst, &by, weir_now_ms(), err);
}

/* The `models` of runs/log-inputs ([{model_id}]) and runs/outputs ([{model_id, step}]):
 * checked before anything is written. */
static int check_model_links(json_t *models, bool with_step, weir_error *err)
{
	if (json_array_size(models) > 1000)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "models", "At most 1000 models per call");
	size_t i;
	json_t *m;
	json_array_foreach (models, i, m) {
		const char *id = NULL;
		int64_t step = 0;
		if (!json_is_object(m))
			return weir_mlflow_arg_type_error("models", m, err);
		if (weir_mlflow_json_str(m, "model_id", true, &id, err) != 0 ||
		    (with_step && f_i64(m, "step", false, &step, NULL, err) != 0))
			return -1;
	}
	return 0;
}

/* Links run and each model of `models` (each must exist and not be deleted). */
static int link_models(weir_tracking_ctx *c, const trk_run *run, json_t *models, const char *direction, weir_error *err)
{
	size_t i;
	json_t *m;
	json_array_foreach (models, i, m) {
		trk_lmodel lm;
		int64_t step = 0;
		if (strcmp(direction, "output") == 0 && f_i64(m, "step", false, &step, NULL, err) != 0)
			return -1;
		if (active_lm(c, json_string_value(json_object_get(m, "model_id")), &lm, err) != 0 ||
		    weir_trk_store_run_model_link(c->db, run->id, direction, lm.id, step, err) != 0)
			return -1;
	}
	return 0;
}

json_t *weir_tracking_log_inputs(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	json_t *inputs = NULL, *models = NULL;
	const char *rid;
	if (f_run_id(req, &rid, err) != 0 || f_arr(req, "datasets", &inputs, err) != 0 ||
	    f_arr(req, "models", &models, err) != 0 || check_model_links(models, false, err) != 0)
		return NULL;
	size_t n = inputs ? json_array_size(inputs) : 0;
	if (n > 1000) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "datasets",
				 "At most 1000 dataset inputs per call");
		return NULL;
	}
	/* check everything first: nothing is written for a bad request */
	for (size_t i = 0; i < n; i++) {
		json_t *in = json_array_get(inputs, i), *ds = NULL, *tags = NULL;
		const char *s = NULL;
		if (!json_is_object(in))
			return weir_mlflow_arg_type_error("datasets", in, err), NULL;
		if (weir_json_get_obj(in, "dataset", false, &ds, err) != 0 || f_arr(in, "tags", &tags, err) != 0)
			return NULL;
		if (ds == NULL)
			return weir_mlflow_arg_missing("dataset", err), NULL;
		if (weir_mlflow_json_str(ds, "name", true, &s, err) != 0 ||
		    weir_mlflow_json_str(ds, "digest", true, &s, err) != 0 ||
		    weir_mlflow_json_str(ds, "source_type", true, &s, err) != 0 ||
		    weir_mlflow_json_str(ds, "source", true, &s, err) != 0 ||
		    weir_mlflow_json_str(ds, "schema", false, &s, err) != 0 ||
		    weir_mlflow_json_str(ds, "profile", false, &s, err) != 0)
			return NULL;
		if (tags && check_tags(tags, "input tag", 0, err) != 0)
			return NULL;
	}
	trk_run run;
	if (active_run(c, req, &run, err) != 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		json_t *in = json_array_get(inputs, i), *ds = json_object_get(in, "dataset");
		json_t *tags = json_object_get(in, "tags");
		const char *name = json_string_value(json_object_get(ds, "name"));
		const char *st = json_string_value(json_object_get(ds, "source_type"));
		const char *src = json_string_value(json_object_get(ds, "source"));
		int64_t dsid, inid;
		if (weir_trk_store_dataset_upsert(c->db, run.experiment_id, name,
						  json_string_value(json_object_get(ds, "digest")), st, src,
						  json_string_value(json_object_get(ds, "schema")),
						  json_string_value(json_object_get(ds, "profile")), &dsid, err) != 0 ||
		    weir_trk_store_input_upsert(c->db, dsid, run.id, &inid, err) != 0 ||
		    put_tags(c, weir_trk_store_input_tag_set, inid, tags, 0, err) != 0 ||
		    record_lineage(c, &run, name, st, src, err) != 0)
			return NULL;
	}
	if (link_models(c, &run, models, "input", err) != 0)
		return NULL;
	return json_object();
}

json_t *weir_tracking_log_outputs(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	json_t *models = NULL;
	const char *rid;
	trk_run run;
	if (f_run_id(req, &rid, err) != 0 || f_arr(req, "models", &models, err) != 0 ||
	    check_model_links(models, true, err) != 0 || active_run(c, req, &run, err) != 0 ||
	    link_models(c, &run, models, "output", err) != 0)
		return NULL;
	return json_object();
}

int weir_tracking_run_inputs(weir_db *db, weir_arena *a, const char *run_id, weir_tracking_input **out, int *n,
			     weir_error *err)
{
	trk_run run;
	if (weir_trk_store_run_get(db, a, run_id, &run, err) != 0 ||
	    weir_trk_store_run_inputs(db, a, run.id, out, n, err) != 0)
		return -1;
	for (int i = 0; i < *n; i++)
		(*out)[i].table_name = dataset_table(a, (*out)[i].name, (*out)[i].source_type, (*out)[i].source);
	return 0;
}

bool weir_tracking_run_exists(weir_db *db, const char *run_id, int64_t *experiment_id)
{
	if (run_id == NULL || !is_run_id(run_id))
		return false;
	weir_arena *a = weir_arena_new(1024);
	weir_error e = WEIR_ERROR_INIT;
	trk_run run;
	bool ok = weir_trk_store_run_get(db, a, run_id, &run, &e) == 0;
	if (ok && experiment_id)
		*experiment_id = run.experiment_id;
	weir_arena_free(a);
	return ok;
}

/* ------------------------------------------------------------------ metric history */

#define HISTORY_PAGE_MAX 25000

static const char *history_token(weir_arena *a, const trk_point *p)
{
	const char *j = weir_arena_printf(a, "{\"s\": %lld, \"t\": %lld, \"v\": \"%.17g\", \"n\": %d}",
					  (long long)p->step, (long long)p->timestamp, p->value, p->is_nan ? 1 : 0);
	return weir_b64url_encode(a, j, strlen(j));
}

static int history_cursor(weir_arena *a, const char *tok, trk_point *p, weir_error *err)
{
	json_t *j = weir_page_token_json(a, tok, err);
	if (j == NULL)
		return -1;
	json_t *s = json_object_get(j, "s"), *t = json_object_get(j, "t"), *v = json_object_get(j, "v"),
	       *n = json_object_get(j, "n");
	char *end = NULL;
	if (!json_is_integer(s) || !json_is_integer(t) || !json_is_string(v) || !json_is_integer(n))
		goto bad;
	p->value = strtod(json_string_value(v), &end);
	if (*end != '\0')
		goto bad;
	p->step = (int64_t)json_integer_value(s);
	p->timestamp = (int64_t)json_integer_value(t);
	p->is_nan = json_integer_value(n) != 0;
	return 0;
bad:
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "page_token",
				"Invalid page token, parsed value=%.100s", tok);
}

static json_t *point_json(const trk_point *p, const char *run_id)
{
	json_t *v = p->is_nan         ? json_string("NaN")
		    : isinf(p->value) ? json_string(p->value > 0 ? "Infinity" : "-Infinity")
				      : json_real(p->value);
	json_t *o = json_pack("{s:s, s:o, s:I, s:I}", "key", p->key, "value", v, "timestamp", (json_int_t)p->timestamp,
			      "step", (json_int_t)p->step);
	if (o && run_id)
		json_object_set_new(o, "run_id", json_string(run_id));
	return o;
}

/* A point as MLflow writes it: NaN and the infinities as strings. */
static void point_jw(weir_jw *w, const trk_point *p)
{
	weir_jw_obj(w);
	weir_jw_kstr(w, "key", p->key);
	weir_jw_key(w, "value");
	if (p->is_nan)
		weir_jw_str(w, "NaN");
	else if (isinf(p->value))
		weir_jw_str(w, p->value > 0 ? "Infinity" : "-Infinity");
	else
		weir_jw_real(w, p->value);
	weir_jw_kint(w, "timestamp", p->timestamp);
	weir_jw_kint(w, "step", p->step);
	weir_jw_end_obj(w);
}

json_t *weir_tracking_metric_history(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	size_t len = 0;
	char *text = weir_tracking_metric_history_text(c, req, &len, err);
	return weir_json_from_text(text, len, err);
}

/* The reply path: up to 25,000 points written straight into text. */
char *weir_tracking_metric_history_text(weir_tracking_ctx *c, json_t *req, size_t *len, weir_error *err)
{
	trk_run run;
	const char *key = NULL, *tok = NULL;
	int64_t max = HISTORY_PAGE_MAX;
	bool has_max;
	if (load_run(c, req, &run, err) != 0 || weir_mlflow_json_str(req, "metric_key", true, &key, err) != 0 ||
	    f_i64(req, "max_results", false, &max, &has_max, err) != 0 ||
	    weir_mlflow_json_str(req, "page_token", false, &tok, err) != 0)
		return NULL;
	if (max < 1) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "max_results",
				 "Invalid value %lld for parameter 'max_results' supplied: must be positive",
				 (long long)max);
		return NULL;
	}
	if (max > HISTORY_PAGE_MAX)
		max = HISTORY_PAGE_MAX;
	trk_point after, *pts;
	bool has_after = tok && *tok;
	if (has_after && history_cursor(c->arena, tok, &after, err) != 0)
		return NULL;
	int n;
	if (weir_trk_store_metric_page(c->db, c->arena, run.id, key, has_after ? &after : NULL, (int)max + 1, &pts, &n,
				       err) != 0)
		return NULL;
	weir_jw w;
	weir_jw_init(&w);
	weir_jw_obj(&w);
	if (n > 0) {
		weir_jw_key(&w, "metrics");
		weir_jw_arr(&w);
		for (int i = 0; i < n && i < max; i++)
			point_jw(&w, &pts[i]);
		weir_jw_end_arr(&w);
	}
	if (n > max)
		weir_jw_kstr(&w, "next_page_token", history_token(c->arena, &pts[max - 1]));
	weir_jw_end_obj(&w);
	return weir_jw_take(&w, len);
}

/* get-history-bulk-interval: for each run (<= 100), up to max_results (default 100, max
 * 1000) steps of the key in [start_step, end_step], sampled evenly with the first and last
 * step kept, and every point at those steps. */
json_t *weir_tracking_metric_history_bulk_interval(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	json_t *ids = NULL;
	const char *key = NULL;
	int64_t start = 0, end = 0, max = 100;
	bool has_start, has_end;
	if (f_arr(req, "run_ids", &ids, err) != 0 || weir_mlflow_json_str(req, "metric_key", true, &key, err) != 0 ||
	    f_i64(req, "start_step", false, &start, &has_start, err) != 0 ||
	    f_i64(req, "end_step", false, &end, &has_end, err) != 0 ||
	    f_i64(req, "max_results", false, &max, NULL, err) != 0)
		return NULL;
	size_t nr = ids ? json_array_size(ids) : 0;
	if (nr == 0 || nr > 100) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "run_ids",
				 "GetMetricHistoryBulkInterval request must specify between 1 and 100 run_ids");
		return NULL;
	}
	if (has_start != has_end || (has_start && start > end)) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "start_step",
				 "start_step and end_step must both be given, with start_step <= end_step");
		return NULL;
	}
	if (max < 1 || max > 1000) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "max_results",
				 "max_results must be between 1 and 1000");
		return NULL;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < nr; i++) {
		json_t *v = json_array_get(ids, i);
		trk_run run;
		if (!json_is_string(v)) {
			json_decref(list);
			return weir_mlflow_arg_type_error("run_ids", v, err), NULL;
		}
		int64_t *steps;
		int ns;
		if (weir_trk_store_run_get(c->db, c->arena, json_string_value(v), &run, err) != 0 ||
		    weir_trk_store_metric_steps(c->db, c->arena, run.id, key, has_start, start, end, &steps, &ns,
						err) != 0) {
			json_decref(list);
			return NULL;
		}
		int take = ns < max ? ns : (int)max;
		int64_t prev = INT64_MIN;
		for (int k = 0; k < take; k++) {
			int idx = take == 1 ? 0 : (int)((int64_t)k * (ns - 1) / (take - 1));
			if (steps[idx] == prev)
				continue;
			prev = steps[idx];
			trk_point *pts;
			int np;
			if (weir_trk_store_metric_at_step(c->db, c->arena, run.id, key, steps[idx], &pts, &np, err) !=
			    0) {
				json_decref(list);
				return NULL;
			}
			for (int m = 0; m < np; m++)
				json_array_append_new(list, point_json(&pts[m], run.run_id));
		}
	}
	json_t *out = json_object();
	if (json_array_size(list))
		json_object_set_new(out, "metrics", list);
	else
		json_decref(list);
	return out;
}

/* ------------------------------------------------------------------ artifacts of a run */

/* The store-relative directory of an mlflow-artifacts: URI, or NULL for another scheme. */
static const char *artifacts_rel(weir_arena *a, const char *uri)
{
	if (strncmp(uri, "mlflow-artifacts:", 17) != 0)
		return NULL;
	const char *p = uri + 17;
	if (strncmp(p, "//", 2) == 0) { /* mlflow-artifacts://host:port/path */
		p = strchr(p + 2, '/');
		if (p == NULL)
			return "";
	}
	while (*p == '/')
		p++;
	size_t n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	return weir_arena_strndup(a, p, n);
}

json_t *weir_tracking_artifacts_list(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	trk_run run;
	const char *path = NULL;
	if (load_run(c, req, &run, err) != 0 || weir_mlflow_json_str(req, "path", false, &path, err) != 0)
		return NULL;
	if (path && *path == '\0')
		path = NULL;
	if (path && weir_artifacts_path_check(path, false, err) != 0)
		return NULL;
	json_t *out = json_pack("{s:s}", "root_uri", run.artifact_uri);
	const char *rel = artifacts_rel(c->arena, run.artifact_uri);
	if (rel == NULL || weir_artifacts_path_check(rel, true, NULL) != 0)
		return out;
	const char *dir = path ? (*rel ? weir_arena_printf(c->arena, "%s/%s", rel, path) : path) : rel;
	json_t *files = weir_artifacts_list(c->arena, dir, path, err);
	if (files == NULL) {
		json_decref(out);
		return NULL;
	}
	if (json_array_size(files))
		json_object_set_new(out, "files", files);
	else
		json_decref(files);
	return out;
}

/* ------------------------------------------------------------------ model version sources */

/* One round of unquote_plus; *len gets the decoded length (may hold NUL bytes). */
static char *unquote_plus(weir_arena *a, const char *s, size_t n, size_t *len)
{
	char *out = weir_arena_alloc(a, n + 1);
	*len = weir_unquote_plus(out, s, n);
	return out;
}

static int bad_source(const char *source, weir_error *err)
{
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "source",
				"Invalid model version source: '%.300s'. If supplying a source as an http, https, "
				"local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be "
				"provided without relative path references present. Please provide an absolute path.",
				source);
}

/* Whether a '/'-separated path has a '..' segment. */
static bool has_dotdot(const char *s, size_t n)
{
	size_t seg = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '/' || s[i] == '\\') {
			if (i - seg == 2 && s[seg] == '.' && s[seg + 1] == '.')
				return true;
			seg = i + 1;
		}
	}
	return false;
}

int weir_tracking_source_check(weir_db *db, weir_arena *a, const char *source, const char *run_id, bool *exists,
			       weir_error *err)
{
	if (exists)
		*exists = false;
	if (source == NULL || *source == '\0')
		return weir_mlflow_arg_missing("source", err);
	/* decode until nothing changes, as MLflow does, so %2e%2e and %252f hide nothing however
	 * deep (found by fuzz/: a cap of 8 rounds let a ninefold encoding through). Every round
	 * that changes something shortens the text, except the first turning '+' into ' ':
	 * at most n + 1 rounds. */
	size_t n = strlen(source);
	const char *dec = source;
	for (size_t round = 0; round <= strlen(source) + 1; round++) {
		size_t m;
		char *next = unquote_plus(a, dec, n, &m);
		if (memchr(next, '\0', m))
			return bad_source(source, err);
		bool same = m == n && memcmp(next, dec, n) == 0;
		dec = next;
		n = m;
		if (same)
			break;
	}
	if (has_dotdot(dec, n))
		return bad_source(source, err);
	size_t sl = 0;
	bool scheme = has_scheme(dec, &sl);
	if (!scheme || strncasecmp(dec, "file:", 5) == 0) {
		/* A local path: only inside the run's directory of the artifact store. */
		const char *path = dec;
		if (scheme) {
			path = dec + 5;
			if (strncmp(path, "//", 2) == 0)
				path += 2;
		}
		int64_t exp;
		if (run_id && *run_id && weir_tracking_run_exists(db, run_id, &exp)) {
			const char *root = weir_arena_printf(a, "%s/%lld/%s/artifacts/", weir_artifacts_root(a),
							     (long long)exp, run_id);
			if (strncmp(path, root, strlen(root)) == 0 && path[strlen(root)] != '\0') {
				const char *rel = path + strlen(weir_artifacts_root(a)) + 1;
				if (weir_artifacts_path_check(rel, false, NULL) == 0) {
					if (exists)
						*exists = weir_artifacts_exists(a, rel);
					return 0;
				}
			}
		}
		return weir_error_field(
			err, WEIR_E_INVALID_PARAMETER_VALUE, "source",
			"Invalid model version source: '%.300s'. To use a local path as a model version "
			"source, the run_id request parameter has to be specified and the local path has "
			"to be contained within the artifact directory of the run specified by the "
			"run_id.",
			source);
	}
	if (strncmp(dec, "mlflow-artifacts:", 17) == 0) {
		const char *rel = artifacts_rel(a, dec);
		/* collapse duplicate slashes ("mlflow-artifacts:/models///" is valid) */
		weir_buf b = {0};
		for (const char *p = rel; *p; p++)
			if (!(*p == '/' && (p[1] == '/' || p[1] == '\0' || b.len == 0)))
				weir_buf_append(&b, p, 1);
		const char *clean = weir_arena_strdup(a, b.data ? b.data : "");
		weir_buf_release(&b);
		if (*clean && weir_artifacts_path_check(clean, false, NULL) != 0)
			return bad_source(source, err);
		if (exists)
			*exists = *clean && weir_artifacts_exists(a, clean);
		return 0;
	}
	if (strncmp(dec, "runs:/", 6) == 0) {
		const char *p = dec + 6;
		while (*p == '/')
			p++;
		const char *slash = strchr(p, '/');
		char rid[33] = "";
		size_t idl = slash ? (size_t)(slash - p) : strlen(p);
		if (idl == 32)
			memcpy(rid, p, 32);
		int64_t exp;
		if (exists && idl == 32 && weir_tracking_run_exists(db, rid, &exp)) {
			trk_run run;
			weir_error ignore = WEIR_ERROR_INIT;
			if (weir_trk_store_run_get(db, a, rid, &run, &ignore) == 0) {
				const char *rel = artifacts_rel(a, run.artifact_uri);
				const char *sub = slash ? slash + 1 : "";
				if (rel == NULL)
					*exists = true; /* stored elsewhere: cannot check */
				else
					*exists = weir_artifacts_exists(
						a, *sub ? weir_arena_printf(a, "%s/%s", rel, sub) : rel);
			}
		}
		return 0;
	}
	if (exists)
		*exists = true; /* models:/, s3://, gs://, dbfs:/, http(s)://...: not visible from here */
	return 0;
}

/* ------------------------------------------------------------------ logged models
 *
 * MLflow 3's LoggedModel (service.proto: CreateLoggedModel ... SearchLoggedModels), as the
 * real server answers the MLflow 3 client (shared/reference/clients/mlflow3-logged-models.md):
 * ids "m-" + 32 hex, artifacts under <experiment location>/models/<id>/artifacts, status
 * LOGGED_MODEL_PENDING until finalized READY or UPLOAD_FAILED, soft deletes (a deleted model
 * answers 404 everywhere), tags and params sorted by key, and the points logged with a
 * model_id on the model. Governed as the experiment's runs: any authenticated principal
 * (registry/tracking.h); the model's files follow registry/artifacts.h. */

static const char *const LM_STATUSES[] = {"LOGGED_MODEL_STATUS_UNSPECIFIED", "LOGGED_MODEL_PENDING",
					  "LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED", NULL};

#define LM_NAME_MAX 500
#define LM_SEARCH_DEFAULT 100
#define LM_SEARCH_MAX 1000

bool weir_tracking_logged_model_id_valid(const char *s)
{
	if (s == NULL || strncmp(s, "m-", 2) != 0 || strlen(s) != 34)
		return false;
	for (const char *p = s + 2; *p; p++)
		if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
			return false;
	return true;
}

/* The request's model (model_id, from the path), active. */
static int load_lm(weir_tracking_ctx *c, json_t *req, trk_lmodel *m, weir_error *err)
{
	const char *id = NULL;
	if (weir_mlflow_json_str(req, "model_id", true, &id, err) != 0)
		return -1;
	return active_lm(c, id, m, err);
}

static json_t *lm_answer(weir_tracking_ctx *c, const trk_lmodel *m, weir_error *err)
{
	json_t *o = weir_trk_store_lm_json(c->db, c->arena, m, err);
	return o ? json_pack("{s:o}", "model", o) : NULL;
}

/* params of a request ([{key, value}]): keys checked as run params', no key twice. */
static int check_lm_params(weir_tracking_ctx *c, json_t *params, const char ***keys, const char ***values,
			   weir_error *err)
{
	size_t np = json_array_size(params);
	if (np > WEIR_TRACKING_MAX_PARAMS * 10)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "params", "At most %d params per call",
					WEIR_TRACKING_MAX_PARAMS * 10);
	*keys = weir_arena_alloc(c->arena, (np ? np : 1) * sizeof(**keys));
	*values = weir_arena_alloc(c->arena, (np ? np : 1) * sizeof(**values));
	for (size_t i = 0; i < np; i++) {
		if (kv_fields(json_array_get(params, i), "params", "param", &(*keys)[i], &(*values)[i], err) != 0)
			return -1;
		(*values)[i] = truncate_utf8(c->arena, (*values)[i], PARAM_VALUE_MAX);
		for (size_t k = 0; k < i; k++)
			if (strcmp((*keys)[k], (*keys)[i]) == 0)
				return weir_error_field(
					err, WEIR_E_INVALID_PARAMETER_VALUE, "params",
					"Duplicate parameter keys have been submitted: ['%.250s']. Please ensure "
					"the request contains only one param value per param key.",
					(*keys)[i]);
	}
	return 0;
}

/* Params are immutable, as a run's: the same value again is a no-op, another is refused. */
static int put_lm_params(weir_tracking_ctx *c, const trk_lmodel *m, const char **keys, const char **values, size_t n,
			 weir_error *err)
{
	for (size_t i = 0; i < n; i++) {
		const char *old;
		if (weir_trk_store_lm_param_get(c->db, c->arena, m->id, keys[i], &old, err) != 0)
			return -1;
		if (old && strcmp(old, values[i]) != 0)
			return weir_error_field(
				err, WEIR_E_INVALID_PARAMETER_VALUE, "value",
				"Changing param values is not allowed. Param with key='%.250s' was already logged "
				"with value='%.200s' for model ID='%s'. Attempted logging new value '%.200s'.",
				keys[i], old, m->model_id, values[i]);
		if (old == NULL && weir_trk_store_lm_param_put(c->db, m->id, keys[i], values[i], err) != 0)
			return -1;
	}
	return 0;
}

json_t *weir_tracking_logged_model_create(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	int64_t exp_id;
	trk_lmodel m = {0};
	json_t *params = NULL, *tags = NULL;
	const char **pk, **pv;
	if (f_experiment_id(req, "experiment_id", true, &exp_id, NULL, err) != 0 ||
	    weir_mlflow_json_str(req, "name", false, &m.name, err) != 0 ||
	    weir_mlflow_json_str(req, "model_type", false, &m.model_type, err) != 0 ||
	    weir_mlflow_json_str(req, "source_run_id", false, &m.source_run_id, err) != 0 ||
	    f_arr(req, "params", &params, err) != 0 || f_arr(req, "tags", &tags, err) != 0)
		return NULL;
	/* the name is not part of any path (the id is), but list_artifacts(run_id, "a/b") looks a
	 * model up by the first segment: a name never holds '/' */
	if (m.name && (strlen(m.name) > LM_NAME_MAX || strchr(m.name, '/'))) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "name",
				 "Invalid model name '%.100s': at most %d characters and no '/'", m.name, LM_NAME_MAX);
		return NULL;
	}
	if (check_lm_params(c, params, &pk, &pv, err) != 0 || (tags && check_tags(tags, "tag", 0, err) != 0))
		return NULL;
	trk_exp e;
	if (active_exp(c, exp_id, &e, err) != 0)
		return NULL;
	if (m.source_run_id && *m.source_run_id) {
		trk_run run;
		if (weir_trk_store_run_get(c->db, c->arena, m.source_run_id, &run, err) != 0)
			return NULL;
	}
	char hex[33];
	weir_random_hex(hex, 16);
	m.model_id = weir_arena_printf(c->arena, "m-%s", hex);
	m.experiment_id = e.id;
	if (m.name == NULL || *m.name == '\0')
		m.name = random_run_name(c->arena);
	size_t ll = strlen(e.artifact_location);
	while (ll > 0 && e.artifact_location[ll - 1] == '/')
		ll--;
	m.artifact_location = weir_arena_printf(c->arena, "%.*s/models/%s/artifacts", (int)ll, e.artifact_location,
						m.model_id);
	m.creation_time = m.last_updated_time = weir_now_ms();
	m.status = "LOGGED_MODEL_PENDING";
	m.lifecycle_stage = "active";
	if (weir_trk_store_lm_insert(c->db, &m, caller(c), &m.id, err) != 0 ||
	    put_lm_params(c, &m, pk, pv, json_array_size(params), err) != 0 ||
	    put_tags(c, weir_trk_store_lm_tag_set, m.id, tags, TAG_VALUE_MAX, err) != 0)
		return NULL;
	return lm_answer(c, &m, err);
}

json_t *weir_tracking_logged_model_get(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	trk_lmodel m;
	return load_lm(c, req, &m, err) == 0 ? lm_answer(c, &m, err) : NULL;
}

json_t *weir_tracking_logged_model_finalize(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	trk_lmodel m;
	const char *status = NULL;
	if (f_enum(req, "status", LM_STATUSES, 0, &status, err) != 0)
		return NULL;
	if (status == NULL) {
		weir_mlflow_arg_missing("status", err);
		return NULL;
	}
	if (strcmp(status, "LOGGED_MODEL_READY") != 0 && strcmp(status, "LOGGED_MODEL_UPLOAD_FAILED") != 0) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "status",
				 "Invalid value '%s' for parameter 'status' supplied: a model is finalized as "
				 "LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED",
				 status);
		return NULL;
	}
	if (load_lm(c, req, &m, err) != 0)
		return NULL;
	m.status = status;
	m.last_updated_time = weir_now_ms();
	if (weir_trk_store_lm_update(c->db, m.id, status, NULL, m.last_updated_time, err) != 0)
		return NULL;
	return lm_answer(c, &m, err);
}

json_t *weir_tracking_logged_model_delete(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	trk_lmodel m;
	if (load_lm(c, req, &m, err) != 0 ||
	    weir_trk_store_lm_update(c->db, m.id, NULL, "deleted", weir_now_ms(), err) != 0)
		return NULL;
	return json_object();
}

json_t *weir_tracking_logged_model_set_tags(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	trk_lmodel m;
	json_t *tags = NULL;
	if (f_arr(req, "tags", &tags, err) != 0 || (tags && check_tags(tags, "tag", 0, err) != 0) ||
	    load_lm(c, req, &m, err) != 0 ||
	    put_tags(c, weir_trk_store_lm_tag_set, m.id, tags, TAG_VALUE_MAX, err) != 0)
		return NULL;
	return json_object();
}

json_t *weir_tracking_logged_model_delete_tag(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	trk_lmodel m;
	const char *key = NULL;
	bool existed;
	if (weir_mlflow_json_str(req, "tag_key", true, &key, err) != 0 || load_lm(c, req, &m, err) != 0 ||
	    weir_trk_store_lm_tag_delete(c->db, m.id, key, &existed, err) != 0)
		return NULL;
	if (!existed) {
		weir_error_set(err, WEIR_E_NOT_FOUND, "No tag with key '%.250s' found for model with ID '%s'.", key,
			       m.model_id);
		return NULL;
	}
	return json_object();
}

json_t *weir_tracking_logged_model_log_params(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	trk_lmodel m;
	json_t *params = NULL;
	const char **pk, **pv;
	if (f_arr(req, "params", &params, err) != 0 || check_lm_params(c, params, &pk, &pv, err) != 0 ||
	    load_lm(c, req, &m, err) != 0 || put_lm_params(c, &m, pk, pv, json_array_size(params), err) != 0)
		return NULL;
	return json_object();
}

/* order_by of a logged-model search: [{field_name, ascending, dataset_name, dataset_digest}],
 * field_name an attribute or metrics.<key> (SearchLoggedModelsUtils). */
static int parse_lm_order(weir_arena *a, json_t *arr, trk_order **out, int *n, weir_error *err)
{
	*n = 0;
	*out = NULL;
	size_t na = json_array_size(arr);
	if (na == 0)
		return 0;
	if (na > 16)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "order_by", "Too many order_by clauses");
	trk_order *o = weir_arena_calloc(a, na * sizeof(*o));
	for (size_t i = 0; i < na; i++) {
		json_t *v = json_array_get(arr, i), *asc;
		const char *field = NULL;
		trk_order *ord = &o[i];
		if (!json_is_object(v))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "order_by",
						"`order_by` must be a list of dictionaries.");
		if (weir_mlflow_json_str(v, "field_name", false, &field, err) != 0 ||
		    weir_mlflow_json_str(v, "dataset_name", false, &ord->dataset_name, err) != 0 ||
		    weir_mlflow_json_str(v, "dataset_digest", false, &ord->dataset_digest, err) != 0)
			return -1;
		if (field == NULL || *field == '\0')
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "order_by",
						"`field_name` in the `order_by` clause must be specified.");
		asc = json_object_get(v, "ascending");
		if (asc && !json_is_null(asc) && !json_is_boolean(asc))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "order_by",
						"Value of `ascending` in the `order_by` clause must be a boolean, for "
						"field %.100s.",
						field);
		ord->desc = json_is_false(asc);
		if (ord->dataset_name && *ord->dataset_name == '\0')
			ord->dataset_name = NULL;
		if (ord->dataset_digest && *ord->dataset_digest == '\0')
			ord->dataset_digest = NULL;
		if (ord->dataset_digest && ord->dataset_name == NULL)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "order_by",
						"`dataset_digest` can only be specified if `dataset_name` is also "
						"specified.");
		const char *dot = strchr(field, '.');
		if (dot) {
			if (strncmp(field, "metrics.", 8) != 0 || dot[1] == '\0')
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "order_by",
							"Invalid order by field name: %.100s, only `metrics.<name>` is "
							"allowed.",
							field);
			ord->ent = TRK_ENT_METRIC;
			ord->key = dot + 1;
			continue;
		}
		const attr_def *d = find_attr(LM_ATTRS, field);
		if (d == NULL)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "order_by",
						"Invalid order by field name: %.100s.", field);
		ord->ent = TRK_ENT_ATTR;
		ord->column = ord->key = d->name;
	}
	*out = o;
	*n = (int)na;
	return 0;
}

/* The page token of a logged-model search: the offset and a digest of what the first page
 * asked (experiment ids, filter, order_by, datasets), which later pages must ask again, as
 * MLflow's SearchLoggedModelsPaginationToken.validate requires. */
static const char *lm_query_digest(weir_arena *a, json_t *req)
{
	json_t *q = json_pack("{s:O?, s:O?, s:O?, s:O?}", "experiment_ids", json_object_get(req, "experiment_ids"),
			      "filter", json_object_get(req, "filter"), "order_by", json_object_get(req, "order_by"),
			      "datasets", json_object_get(req, "datasets"));
	char *text = q ? json_dumps(q, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(q);
	char hex[65];
	weir_sha256_hex(text ? text : "", text ? strlen(text) : 0, hex);
	free(text);
	return weir_arena_strndup(a, hex, 16);
}

static int lm_token_parse(weir_arena *a, const char *tok, const char *digest, int64_t *offset, weir_error *err)
{
	*offset = 0;
	if (tok == NULL || *tok == '\0')
		return 0;
	json_t *j = weir_page_token_json(a, tok, err);
	if (j == NULL)
		return -1;
	json_t *off = json_object_get(j, "offset"), *q = json_object_get(j, "query");
	if (!json_is_integer(off) || json_integer_value(off) < 0 || !json_is_string(q))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "page_token",
					"Invalid page token, parsed value=%.100s", tok);
	if (strcmp(json_string_value(q), digest) != 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "page_token",
					"The page token does not match the request: experiment_ids, filter, order_by "
					"and datasets must be those of the first page.");
	*offset = (int64_t)json_integer_value(off);
	return 0;
}

/* status = 'READY' names LOGGED_MODEL_READY: filters may use either spelling. */
static void lm_status_values(weir_arena *a, trk_cond *conds, int n)
{
	for (int i = 0; i < n; i++) {
		trk_cond *c = &conds[i];
		if (c->ent != TRK_ENT_ATTR || strcmp(c->column, "status") != 0)
			continue;
		if (c->str && strncmp(c->str, "LOGGED_MODEL_", 13) != 0 && c->op != WEIR_MLFLOW_OP_LIKE &&
		    c->op != WEIR_MLFLOW_OP_ILIKE)
			c->str = weir_arena_printf(a, "LOGGED_MODEL_%s", c->str);
		for (int k = 0; k < c->nlist; k++)
			if (strncmp(c->list[k], "LOGGED_MODEL_", 13) != 0)
				c->list[k] = weir_arena_printf(a, "LOGGED_MODEL_%s", c->list[k]);
	}
}

static json_t *lm_of_id(weir_tracking_ctx *c, int64_t id, weir_error *err)
{
	trk_lmodel m;
	return weir_trk_store_lm_get_id(c->db, c->arena, id, &m, err) == 0
		       ? weir_trk_store_lm_json(c->db, c->arena, &m, err)
		       : NULL;
}

json_t *weir_tracking_logged_model_search(weir_tracking_ctx *c, json_t *req, weir_error *err)
{
	int64_t max = LM_SEARCH_DEFAULT;
	const char *filter = NULL, *tok = NULL;
	json_t *order = NULL, *exps = NULL, *datasets = NULL;
	trk_query q = {0};
	if (f_arr(req, "experiment_ids", &exps, err) != 0 || f_i64(req, "max_results", false, &max, NULL, err) != 0 ||
	    weir_mlflow_json_str(req, "filter", false, &filter, err) != 0 ||
	    weir_mlflow_json_str(req, "page_token", false, &tok, err) != 0 ||
	    f_arr(req, "order_by", &order, err) != 0 || f_arr(req, "datasets", &datasets, err) != 0)
		return NULL;
	if (search_max_ok(max, LM_SEARCH_MAX, err) != 0)
		return NULL;
	size_t ne = json_array_size(exps), nd = json_array_size(datasets);
	if (ne > 200 || nd > 100) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, ne > 200 ? "experiment_ids" : "datasets",
				 "At most 200 experiment ids and 100 datasets");
		return NULL;
	}
	if (experiment_ids(c, exps, ne, &q, err) != 0)
		return NULL;
	q.ds_names = weir_arena_alloc(c->arena, (nd ? nd : 1) * sizeof(char *));
	q.ds_digests = weir_arena_alloc(c->arena, (nd ? nd : 1) * sizeof(char *));
	for (size_t i = 0; i < nd; i++) {
		json_t *d = json_array_get(datasets, i);
		const char *name = NULL, *digest = NULL;
		if (!json_is_object(d)) {
			weir_mlflow_arg_type_error("datasets", d, err);
			return NULL;
		}
		if (weir_mlflow_json_str(d, "dataset_name", false, &name, err) != 0 ||
		    weir_mlflow_json_str(d, "dataset_digest", false, &digest, err) != 0)
			return NULL;
		if (name == NULL || *name == '\0') {
			weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "datasets",
					 "`dataset_name` in the `datasets` clause must be specified.");
			return NULL;
		}
		q.ds_names[i] = name;
		q.ds_digests[i] = digest && *digest ? digest : NULL;
	}
	q.ndatasets = (int)nd;
	if (parse_filter(c->arena, filter, GRAM_LOGGED_MODELS, &q.conds, &q.nconds, err) != 0 ||
	    parse_lm_order(c->arena, order, &q.orders, &q.norders, err) != 0)
		return NULL;
	lm_status_values(c->arena, q.conds, q.nconds);
	const char *digest = lm_query_digest(c->arena, req);
	if (lm_token_parse(c->arena, tok, digest, &q.offset, err) != 0)
		return NULL;
	if (ne == 0)
		return json_object();
	json_t *out = search_page(c, &q, max, weir_trk_store_lm_search, "models", lm_of_id, err);
	if (out && json_object_get(out, "next_page_token")) { /* this token also names the query */
		const char *j = weir_arena_printf(c->arena, "{\"offset\": %lld, \"query\": \"%s\"}",
						  (long long)(q.offset + max), digest);
		json_object_set_new(out, "next_page_token", json_string(weir_b64url_encode(c->arena, j, strlen(j))));
	}
	return out;
}

/* ---- for the registry: versions registered from models:/<model_id> */

int weir_tracking_logged_model_ref_get(weir_db *db, weir_arena *a, const char *model_id,
				       weir_tracking_logged_model_ref *out, weir_error *err)
{
	trk_lmodel m;
	weir_tracking_ctx c = {db, a, NULL};
	if (active_lm(&c, model_id, &m, err) != 0)
		return -1;
	out->model_id = m.model_id;
	out->experiment_id = m.experiment_id;
	out->artifact_uri = m.artifact_location;
	out->source_run_id = m.source_run_id;
	return 0;
}

/* MLflow's server records a version registered from a logged model on the model, in the tag
 * mlflow.modelVersions: a JSON list of {"name", "version"} (the version a number), written
 * as Python's json.dumps writes it; the client then appends its own entry. */
int weir_tracking_logged_model_add_version(weir_db *db, weir_arena *a, const char *model_id, const char *name,
					   int64_t version, weir_error *err)
{
	trk_lmodel m;
	weir_tracking_ctx c = {db, a, NULL};
	const char *old;
	if (active_lm(&c, model_id, &m, err) != 0 ||
	    weir_trk_store_lm_tag_get(db, a, m.id, "mlflow.modelVersions", &old, err) != 0)
		return -1;
	json_t *list = old ? json_loads(old, 0, NULL) : NULL;
	if (!json_is_array(list)) {
		json_decref(list);
		list = json_array();
	}
	json_array_append_new(list, json_pack("{s:s, s:I}", "name", name ? name : "", "version", (json_int_t)version));
	char *text = json_dumps(list, JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(list);
	int rc = weir_trk_store_lm_tag_set(db, m.id, "mlflow.modelVersions",
					   truncate_utf8(a, text ? text : "[]", TAG_VALUE_MAX), err);
	free(text);
	return rc;
}
