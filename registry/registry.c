/* The model registry's rules that are not SQL: how MLflow names map into the catalog,
 * alias and stage rules, opaque page tokens, and MLflow's search grammar (filter and
 * order_by) parsed into a reg_query that registry_store.c turns into bound SQL, with each
 * hit's visibility decided here. (Models, versions, tags and aliases: models.c.)
 *
 * Name mapping decision. A registered model is a Unity Catalog securable, and UC names
 * allow only [A-Za-z0-9_@-] (weir_gov_name_check), while MLflow allows almost anything
 * (spaces, dots). Keeping one name per securable keeps both views trivially in agreement
 * and keeps grants, renames and cascades uniform, so Weir refuses, with 400
 * INVALID_PARAMETER_VALUE naming `name`, any MLflow name that is not either
 *   - a UC name `n`, which is the securable `main.default.n` (catalog `main` and schema
 *     `main.default` are created, owned by admin, on the first MLflow create), or
 *   - a three-level `catalog.schema.model` of UC names, which is that securable (as
 *     Databricks' UC-backed MLflow registry spells names).
 * Answers map back the same way: a model in main.default is `n`, any other is its full
 * name. A model created through /api/2.1/unity-catalog/models in main.default is thus
 * visible to MLflow clients by its short name, and vice versa. */
#include "registry/registry_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/util.h"

/* ---------------------------------------------------------------- names */

const char *weir_registry_full_name(weir_arena *a, const char *field, const char *mlflow_name, weir_error *err)
{
	if (mlflow_name == NULL || *mlflow_name == '\0') {
		weir_mlflow_arg_missing(field, err);
		return NULL;
	}
	int dots = 0;
	for (const char *c = mlflow_name; *c; c++)
		dots += *c == '.';
	weir_error e2 = WEIR_ERROR_INIT;
	if (dots == 0 && weir_gov_name_check(field, mlflow_name, &e2) == 0)
		return weir_arena_printf(a, "%s.%s.%s", WEIR_REGISTRY_DEFAULT_CATALOG, WEIR_REGISTRY_DEFAULT_SCHEMA,
					 mlflow_name);
	const char *parts[3];
	if (dots == 2 && weir_gov_split_full_name(a, field, mlflow_name, 3, parts, &e2) == 0 &&
	    weir_gov_name_check(field, parts[0], &e2) == 0 && weir_gov_name_check(field, parts[1], &e2) == 0 &&
	    weir_gov_name_check(field, parts[2], &e2) == 0)
		return weir_arena_strdup(a, mlflow_name);
	weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
			 "Invalid value '%.255s' for parameter '%s': a registered model name is a Unity Catalog name "
			 "(1..255 characters of A-Z a-z 0-9 _ @ -) or catalog.schema.model of such names.",
			 mlflow_name, field);
	return NULL;
}

const char *weir_registry_mlflow_name(weir_arena *a, const char *catalog, const char *schema, const char *name)
{
	if (catalog == NULL || schema == NULL || name == NULL)
		return NULL;
	if (strcmp(catalog, WEIR_REGISTRY_DEFAULT_CATALOG) == 0 && strcmp(schema, WEIR_REGISTRY_DEFAULT_SCHEMA) == 0)
		return weir_arena_strdup(a, name);
	return weir_arena_printf(a, "%s.%s.%s", catalog, schema, name);
}

/* ---------------------------------------------------------------- aliases, stages */

int weir_registry_alias_check(const char *alias, weir_error *err)
{
	if (alias == NULL || *alias == '\0')
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "alias",
					"Missing value for required parameter 'alias'.");
	size_t n = strlen(alias);
	if (n > 255)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "alias",
					"Registered model alias name exceeds the maximum length of 255 characters.");
	for (const unsigned char *c = (const unsigned char *)alias; *c; c++)
		if (!(isalnum(*c) || *c == '_' || *c == '-' || *c >= 0x80))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "alias",
						"Invalid alias name: '%.255s'. Names may only contain alphanumerics, "
						"underscores (_) and dashes (-).",
						alias);
	bool vnum = (alias[0] == 'v' || alias[0] == 'V') && alias[1] != '\0';
	for (const char *c = alias + 1; vnum && *c; c++)
		vnum = isdigit((unsigned char)*c) != 0;
	if (strcasecmp(alias, "latest") == 0 || vnum)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "alias",
					"Invalid alias name: '%.255s'. Aliases cannot be 'latest' or of the form "
					"'v<number>' (reserved).",
					alias);
	return 0;
}

const char *weir_registry_stage_canonical(const char *s)
{
	static const char *const stages[] = {"None", "Staging", "Production", "Archived"};
	for (int i = 0; s && i < 4; i++)
		if (strcasecmp(s, stages[i]) == 0)
			return stages[i];
	return NULL;
}

/* ---------------------------------------------------------------- page tokens */

/* Base64 (padded, standard alphabet) of {"offset": N}, as this route has always answered
 * (core/util.h); any base64 form decodes. */
char *weir_registry_page_token(weir_arena *a, int64_t offset) { return weir_page_token_offset(a, offset, false); }

int weir_registry_page_offset(weir_arena *a, const char *token, int64_t *offset, weir_error *err)
{
	return weir_page_token_offset_parse(a, token, offset, err);
}

/* ---------------------------------------------------------------- filter grammar */

typedef weir_mlflow_lexer lexer;

static int bad(lexer *l, const char *fmt)
{
	return weir_error_field(l->err, WEIR_E_INVALID_PARAMETER_VALUE, "filter", fmt, l->s);
}

#define BAD_CLAUSE "Invalid clause(s) in filter string: %.300s"
#define BAD_COMPARISON "Invalid comparison clause in filter string: %.300s"

/* The registry's words for a refusal of the shared grammar (registry/mlflow_kit.h), as
 * MLflow's SearchModelUtils / SearchModelVersionUtils word them; any other is an invalid
 * clause. */
static const char *const REG_BAD[] = {
	[WEIR_MLFLOW_BAD_COMPARATOR] = BAD_COMPARISON,
	[WEIR_MLFLOW_BAD_LIST_EMPTY] = "While parsing a list in the query, expected a non-empty list of string values, "
				       "but got empty list: %.300s",
	[WEIR_MLFLOW_BAD_LIST_ITEM] = "While parsing a list in the query, expected a non-empty list of string values, "
				      "but got ill-formed list: %.300s",
	[WEIR_MLFLOW_BAD_LIST_TYPE] = "While parsing a list in the query, expected string value, but got different "
				      "type in list: %.300s",
	[WEIR_MLFLOW_BAD_UNQUOTED] = "Parameter value is either not quoted or unidentified quote types used for "
				     "string value in filter: %.300s",
	[WEIR_MLFLOW_BAD_PATTERN] = "Invalid filter string: a LIKE pattern may have at most 10000 characters: %.300s",
	[WEIR_MLFLOW_BAD_TOO_MANY] = "Too many clauses in filter string: %.300s",
	[WEIR_MLFLOW_BAD_MULTIPLE] = "Search filter contained multiple expression: %.300s",
};

static int filter_fail(lexer *l, weir_mlflow_bad why, const char *detail)
{
	(void)detail;
	const char *fmt = (size_t)why < sizeof(REG_BAD) / sizeof(REG_BAD[0]) ? REG_BAD[why] : NULL;
	return bad(l, fmt ? fmt : BAD_CLAUSE);
}

static bool ident_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

static int filter_ident(lexer *l, reg_cond *c)
{
	reg_query *q = l->ctx;
	const char *start = l->p;
	while (ident_char(*l->p))
		l->p++;
	if (l->p == start)
		return bad(l, BAD_CLAUSE);
	const char *word = weir_arena_strndup(l->a, start, (size_t)(l->p - start));
	const char *key = word;
	bool tag = false;
	if (*l->p == '.') {
		l->p++;
		if (strcmp(word, "tag") == 0 || strcmp(word, "tags") == 0)
			tag = true;
		else if (strcmp(word, "attribute") != 0 && strcmp(word, "attributes") != 0)
			return weir_error_field(
				l->err, WEIR_E_INVALID_PARAMETER_VALUE, "filter",
				"Invalid entity type '%.100s'. Valid entity types are ('attribute', 'tag', "
				"'tags')",
				word);
		if (*l->p == '`' || *l->p == '"') {
			key = weir_mlflow_lex_quoted(l->a, &l->p);
			if (key == NULL)
				return bad(l, BAD_CLAUSE);
		} else {
			const char *ks = l->p;
			while (*l->p && !isspace((unsigned char)*l->p) && !strchr("=!<>", *l->p))
				l->p++;
			if (l->p == ks)
				return bad(l, BAD_CLAUSE);
			key = weir_arena_strndup(l->a, ks, (size_t)(l->p - ks));
		}
	}
	c->key = key;
	if (tag) {
		c->ent = REG_TAG;
		if (strcmp(key, "mlflow.prompt.is_prompt") == 0)
			q->include_prompts = true;
		return 0;
	}
	bool mv = q->kind == WEIR_REG_SEARCH_VERSIONS;
	if (strcmp(key, "name") == 0)
		c->ent = REG_ATTR_NAME;
	else if (mv && strcmp(key, "source_path") == 0)
		c->ent = REG_ATTR_SOURCE;
	else if (mv && strcmp(key, "run_id") == 0)
		c->ent = REG_ATTR_RUN_ID;
	else if (mv && strcmp(key, "version_number") == 0)
		c->ent = REG_ATTR_VERSION;
	else
		return weir_error_field(l->err, WEIR_E_INVALID_PARAMETER_VALUE, "filter",
					"Invalid attribute key '%.100s' specified. Valid keys are '%s'", key,
					mv ? "{'name', 'source_path', 'run_id', 'version_number'}" : "{'name'}");
	return 0;
}

/* The comparators each key takes: NOT IN, IS NULL and IS NOT NULL none; version_number the
 * numeric ones; the strings =, !=, LIKE, ILIKE, and run_id also IN. */
static int filter_check(lexer *l, reg_cond *c)
{
	if (c->op == WEIR_MLFLOW_OP_NOT_IN || c->op == WEIR_MLFLOW_OP_IS_NULL || c->op == WEIR_MLFLOW_OP_IS_NOT_NULL)
		return bad(l, BAD_COMPARISON);
	if (c->ent == REG_ATTR_VERSION) {
		if (weir_mlflow_op_like(c->op) || c->op == WEIR_MLFLOW_OP_IN)
			return bad(l, "Invalid comparator for attribute 'version_number' in filter: %.300s");
		c->numeric = c->integral = true;
		return 0;
	}
	if (c->op == WEIR_MLFLOW_OP_LT || c->op == WEIR_MLFLOW_OP_LE || c->op == WEIR_MLFLOW_OP_GT ||
	    c->op == WEIR_MLFLOW_OP_GE)
		return bad(l, "Invalid comparator for a string attribute in filter string: %.300s");
	if (c->op == WEIR_MLFLOW_OP_IN && c->ent != REG_ATTR_RUN_ID)
		return bad(l, "Invalid comparator 'IN' in filter string: %.300s (IN is only supported on run_id)");
	return 0;
}

/* version_number's value: an integer, quoted or not. */
static int filter_number(lexer *l, reg_cond *c)
{
	const char *v;
	if (*l->p == '\'' || *l->p == '"') {
		v = weir_mlflow_lex_quoted(l->a, &l->p);
	} else {
		const char *start = l->p;
		while (*l->p && (isdigit((unsigned char)*l->p) || *l->p == '-'))
			l->p++;
		v = weir_arena_strndup(l->a, start, (size_t)(l->p - start));
	}
	if (v == NULL || !weir_parse_i64(v, &c->i64))
		return bad(l, "Invalid value for 'version_number' in filter string: %.300s");
	return 0;
}

static const weir_mlflow_grammar REG_FILTER = {
	.max_conds = REG_MAX_CONDS,
	.ident = filter_ident,
	.check = filter_check,
	.number = filter_number,
	.fail = filter_fail,
};

static bool has_upper(const char *s)
{
	for (; *s; s++)
		if (isupper((unsigned char)*s))
			return true;
	return false;
}

static int parse_filter(weir_arena *a, const char *filter, reg_query *q, weir_error *err)
{
	const char *p = filter;
	weir_mlflow_skip_ws(&p);
	if (*p != '\0' && strchr(filter, ';'))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "filter",
					"Search filter contained multiple expression: %.300s", filter);
	if (weir_mlflow_filter_parse(a, filter, &REG_FILTER, q, &q->conds, &q->nconds, err) != 0)
		return -1;
	/* run ids are lowercase hex: a value with an upper-case letter matches none */
	for (int i = 0; i < q->nconds; i++) {
		reg_cond *c = &q->conds[i];
		int n = 0;
		for (int k = 0; k < c->nlist; k++)
			if (!has_upper(c->list[k]) && n < REG_MAX_IN)
				c->list[n++] = c->list[k];
		c->nlist = n;
	}
	return 0;
}

static int parse_order(weir_arena *a, const weir_registry_search *in, reg_query *q, weir_error *err)
{
	bool mv = q->kind == WEIR_REG_SEARCH_VERSIONS;
	for (int i = 0; i < in->norder_by; i++) {
		const char *ob = in->order_by[i];
		char *copy = weir_arena_strdup(a, ob);
		char *tok[4];
		int nt = 0;
		for (char *sp, *t = strtok_r(copy, " \t\r\n", &sp); t; t = strtok_r(NULL, " \t\r\n", &sp))
			if (nt < 4)
				tok[nt++] = t;
			else
				nt++;
		if (nt < 1 || nt > 2 || (nt == 2 && strcasecmp(tok[1], "asc") != 0 && strcasecmp(tok[1], "desc") != 0))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "order_by",
						"Invalid order_by clause '%.200s'. Could not be parsed.", ob);
		const char *key = tok[0];
		if (strncmp(key, "attribute.", 10) == 0)
			key += 10;
		reg_ord_key k;
		if (strcmp(key, "name") == 0)
			k = REG_ORD_NAME;
		else if (strcmp(key, "last_updated_timestamp") == 0 || strcmp(key, "timestamp") == 0)
			k = REG_ORD_UPDATED;
		else if (mv && strcmp(key, "creation_timestamp") == 0)
			k = REG_ORD_CREATED;
		else if (mv && strcmp(key, "version_number") == 0)
			k = REG_ORD_VERSION;
		else
			return weir_error_field(
				err, WEIR_E_INVALID_PARAMETER_VALUE, "order_by",
				"Invalid order by key '%.100s' specified. Valid keys are %s", key,
				mv ? "'name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'"
				   : "'name', 'last_updated_timestamp', 'timestamp'");
		for (int j = 0; j < q->norder; j++)
			if (q->order[j].key == k)
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "order_by",
							"`order_by` contains duplicate fields: %.200s", ob);
		if (q->norder == REG_MAX_ORDER)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "order_by",
						"Too many order_by clauses");
		q->order[q->norder].key = k;
		q->order[q->norder].desc = nt == 2 && strcasecmp(tok[1], "desc") == 0;
		q->norder++;
	}
	if (mv && q->norder == 0) {
		q->order[0] = (reg_order){REG_ORD_UPDATED, true};
		q->norder = 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- search */

typedef struct search_ctx {
	weir_db *db;
	weir_arena *a;
	const weir_principal *p;
	bool mv;
	bool check; /* per-item visibility (non-admins) */
	int64_t skip; /* visible rows still to skip */
	int64_t want; /* rows to return */
	int64_t count; /* rows written */
	weir_jw *w; /* the reply, written as hits come */
	bool more;
	/* each model's visibility, decided once per search (versions of many models interleave
	 * in most orders): open addressing over arena memory, grown at half full */
	struct seen_model {
		const char *id;
		bool ok;
	} * seen;
	size_t nseen, capseen;
	weir_error *err;
	bool failed;
} search_ctx;

static uint64_t id_hash(const char *s)
{
	uint64_t h = 1469598103934665603u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static struct seen_model *seen_slot(struct seen_model *t, size_t cap, const char *id)
{
	for (size_t i = id_hash(id) & (cap - 1);; i = (i + 1) & (cap - 1))
		if (t[i].id == NULL || strcmp(t[i].id, id) == 0)
			return &t[i];
}

/* Whether the caller may see model `id` (resolved once per search). */
static bool model_visible(search_ctx *c, const char *id)
{
	if (c->nseen * 2 >= c->capseen) {
		size_t cap = c->capseen ? c->capseen * 2 : 64;
		struct seen_model *t = weir_arena_calloc(c->a, cap * sizeof(*t));
		for (size_t i = 0; i < c->capseen; i++)
			if (c->seen[i].id)
				*seen_slot(t, cap, c->seen[i].id) = c->seen[i];
		c->seen = t;
		c->capseen = cap;
	}
	struct seen_model *e = seen_slot(c->seen, c->capseen, id);
	if (e->id == NULL) {
		weir_securable s;
		weir_error e2 = WEIR_ERROR_INIT;
		e->id = weir_arena_strdup(c->a, id);
		e->ok = weir_gov_resolve_id(c->db, c->a, c->p, id, &s, &e2) == 0 &&
			weir_gov_allowed(c->db, c->p, WEIR_OP_READ_METADATA, &s);
		c->nseen++;
	}
	return e->ok;
}

static int visit(void *vctx, const reg_hit *hit)
{
	search_ctx *c = vctx;
	const char *model_id = hit->model_id;
	if (c->check) {
		if (!model_visible(c, model_id))
			return 0;
		if (c->skip > 0) {
			c->skip--;
			return 0;
		}
	}
	if (c->count == c->want) {
		c->more = true;
		return 1;
	}
	if (c->count++ == 0) {
		weir_jw_key(c->w, c->mv ? "model_versions" : "registered_models");
		weir_jw_arr(c->w);
	}
	int rc;
	if (c->mv) {
		rc = weir_reg_version_mlflow_named_jw(c->db, c->a, model_id, hit->version,
						      weir_arena_strdup(c->a, hit->mlflow_name), true, c->w, c->err);
	} else {
		/* the row's strings, copied: rendering runs other statements meanwhile */
		reg_hit h = *hit;
		h.model_id = weir_arena_strdup(c->a, hit->model_id);
		h.mlflow_name = weir_arena_strdup(c->a, hit->mlflow_name);
		h.comment = hit->comment ? weir_arena_strdup(c->a, hit->comment) : NULL;
		rc = weir_reg_model_mlflow_hit_jw(c->db, c->a, &h, c->w, c->err);
	}
	if (rc != 0) {
		c->failed = true;
		return 1;
	}
	return 0;
}

/* What the store needs besides the grammar: the metastore, main.default, and the model each
 * name equality names ("" when none: the search then matches nothing for it). */
static int resolve_names(weir_db *db, weir_arena *a, reg_query *q, weir_error *err)
{
	const char *ms = weir_gov_metastore_id(db, a, err);
	if (ms == NULL)
		return -1;
	const char *cat = weir_reg_store_child(db, a, ms, "catalog", WEIR_REGISTRY_DEFAULT_CATALOG);
	q->metastore_id = ms;
	q->default_schema = cat ? weir_reg_store_child(db, a, cat, "schema", WEIR_REGISTRY_DEFAULT_SCHEMA) : NULL;
	q->name_ids = weir_arena_calloc(a, sizeof(char *) * (size_t)(q->nconds + 1));
	int nids = 0;
	weir_error e2 = WEIR_ERROR_INIT;
	for (int i = 0; i < q->nconds; i++) {
		const reg_cond *c = &q->conds[i];
		if (c->ent != REG_ATTR_NAME || c->op != WEIR_MLFLOW_OP_EQ)
			continue;
		const char *full = weir_registry_full_name(a, "filter", c->str, &e2);
		const char *parts[3] = {NULL, NULL, NULL};
		const char *id = NULL;
		if (full && weir_gov_split_full_name(a, "filter", full, 3, parts, &e2) == 0) {
			const char *pc = weir_reg_store_child(db, a, ms, "catalog", parts[0]);
			const char *ps = pc ? weir_reg_store_child(db, a, pc, "schema", parts[1]) : NULL;
			id = ps ? weir_reg_store_child(db, a, ps, "registered_model", parts[2]) : NULL;
		}
		q->name_ids[nids++] = id ? id : "";
	}
	return 0;
}

char *weir_registry_search_text(weir_db *db, weir_arena *a, const weir_principal *p, const weir_registry_search *in,
				size_t *len, weir_error *err)
{
	reg_query *q = weir_arena_calloc(a, sizeof(*q));
	q->kind = in->kind;
	bool mv = in->kind == WEIR_REG_SEARCH_VERSIONS;
	int64_t maxr = in->max_results;
	int64_t cap = mv ? 200000 : 1000;
	if (maxr == INT64_MIN)
		maxr = mv ? 200000 : 100;
	if (maxr < 1 || maxr > cap) {
		weir_error_field(
			err, WEIR_E_INVALID_PARAMETER_VALUE, "max_results",
			"Invalid value %lld for parameter 'max_results' supplied. It must be at most %lld and at "
			"least 1.",
			(long long)maxr, (long long)cap);
		return NULL;
	}
	int64_t offset = 0;
	if (weir_registry_page_offset(a, in->page_token, &offset, err) != 0 ||
	    parse_filter(a, in->filter ? in->filter : "", q, err) != 0 || parse_order(a, in, q, err) != 0 ||
	    resolve_names(db, a, q, err) != 0)
		return NULL;
	weir_jw w;
	weir_jw_init(&w);
	weir_jw_obj(&w);
	search_ctx c = {
		.db = db, .a = a, .p = p, .mv = mv, .check = p && !p->is_admin, .want = maxr, .w = &w, .err = err};
	int rc;
	if (c.check) {
		c.skip = offset;
		rc = weir_reg_store_search(db, a, q, 0, -1, visit, &c, err);
	} else {
		rc = weir_reg_store_search(db, a, q, offset, maxr + 1, visit, &c, err);
	}
	if (rc != 0 || c.failed) {
		weir_jw_free(&w);
		return NULL;
	}
	if (c.count)
		weir_jw_end_arr(&w);
	if (c.more)
		weir_jw_kstr(&w, "next_page_token", weir_registry_page_token(a, offset + maxr));
	weir_jw_end_obj(&w);
	return weir_jw_take(&w, len);
}

json_t *weir_registry_search_run(weir_db *db, weir_arena *a, const weir_principal *p, const weir_registry_search *in,
				 weir_error *err)
{
	size_t len = 0;
	char *text = weir_registry_search_text(db, a, p, in, &len, err);
	return weir_json_from_text(text, len, err);
}
