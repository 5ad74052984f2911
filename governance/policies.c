/* The rules of ABAC policies: what a PolicyInfo may hold, the tag conditions, who a policy
 * applies to, and what it does to a reader's view of a table. See policies.h; the SQL is in
 * policies_store.c. */
#include "governance/policies.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/util.h"
#include "governance/gov_int.h"

#define NAME_MAX_CHARS 255
#define COND_MAX_CHARS 4096
#define MAX_MATCH_COLUMNS 32
#define MAX_PRINCIPALS 100
/* Every read of a table asks for the policies on it and its two parents: a bound on each. */
#define MAX_PER_SECURABLE 100

static const char ROW_FILTER[] = "POLICY_TYPE_ROW_FILTER";
static const char COLUMN_MASK[] = "POLICY_TYPE_COLUMN_MASK";

int weir_policies_on_type_parse(const char *field, const char *s, weir_sec_type *t, weir_error *err)
{
	static const struct {
		const char *upper, *plural;
		weir_sec_type t;
	} types[] = {{"CATALOG", "catalogs", WEIR_SEC_CATALOG},
		     {"SCHEMA", "schemas", WEIR_SEC_SCHEMA},
		     {"TABLE", "tables", WEIR_SEC_TABLE}};
	for (size_t i = 0; s && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(s, types[i].upper) == 0 || strcasecmp(s, types[i].plural) == 0) {
			*t = types[i].t;
			return 0;
		}
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
				"Invalid value for '%s': a policy is on a CATALOG, SCHEMA or TABLE", field);
}

static const char *on_type_wire(weir_sec_type t)
{
	return t == WEIR_SEC_CATALOG ? "CATALOG" : t == WEIR_SEC_SCHEMA ? "SCHEMA" : "TABLE";
}

/* ---------------------------------------------------------------- conditions */

/* A condition over a set of tags: hasTag('k'), hasTagValue('k', 'v'), AND, OR, NOT,
 * parentheses. Parsed and evaluated in one pass; with tags == NULL it is only checked. */
typedef struct cond {
	const char *p;
	const weir_policy_tag *tags;
	int ntags;
	const char *sid[3]; /* securables whose own tags count ('' column); NULL ends */
	const char *column; /* a column's tags instead (of sid[0]) */
	const char *bad; /* what is wrong, for the message */
} cond;

static void skip_ws(cond *c)
{
	while (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')
		c->p++;
}

static bool word(cond *c, const char *w)
{
	skip_ws(c);
	size_t n = strlen(w);
	if (strncasecmp(c->p, w, n) != 0 || isalnum((unsigned char)c->p[n]) || c->p[n] == '_')
		return false;
	c->p += n;
	return true;
}

static bool punct(cond *c, char ch)
{
	skip_ws(c);
	if (*c->p != ch)
		return false;
	c->p++;
	return true;
}

/* A quoted string ('...' with '' for a quote, or "..."); its text in buf. */
static bool quoted(cond *c, char *buf, size_t cap)
{
	skip_ws(c);
	char q = *c->p;
	if (q != '\'' && q != '"')
		return false;
	size_t n = 0;
	for (c->p++;; c->p++) {
		if (*c->p == '\0')
			return false;
		if (*c->p == q) {
			if (c->p[1] != q)
				break;
			c->p++;
		}
		if (n + 1 >= cap)
			return false;
		buf[n++] = *c->p;
	}
	c->p++;
	buf[n] = '\0';
	return n > 0;
}

static bool has_tag(const cond *c, const char *key, const char *value)
{
	for (int i = 0; i < c->ntags; i++) {
		const weir_policy_tag *t = &c->tags[i];
		bool here = false;
		if (c->column)
			here = strcmp(t->securable_id, c->sid[0]) == 0 && strcasecmp(t->column, c->column) == 0;
		else
			for (int k = 0; k < 3 && c->sid[k]; k++)
				here |= strcmp(t->securable_id, c->sid[k]) == 0 && t->column[0] == '\0';
		if (here && strcmp(t->key, key) == 0 && (value == NULL || (t->value && strcmp(t->value, value) == 0)))
			return true;
	}
	return false;
}

static int cond_or(cond *c, bool *v);

static int cond_atom(cond *c, bool *v)
{
	char key[256], value[1001];
	if (word(c, "NOT")) {
		if (cond_atom(c, v) != 0)
			return -1;
		*v = !*v;
		return 0;
	}
	if (punct(c, '(')) {
		if (cond_or(c, v) != 0)
			return -1;
		if (!punct(c, ')'))
			return c->bad = "a ')' is missing", -1;
		return 0;
	}
	bool with_value = word(c, "hasTagValue") || word(c, "has_tag_value");
	if (!with_value && !word(c, "hasTag") && !word(c, "has_tag"))
		return c->bad = "expected hasTag('key'), hasTagValue('key', 'value'), NOT or '('", -1;
	if (!punct(c, '(') || !quoted(c, key, sizeof key))
		return c->bad = "a tag key is a quoted, non-empty string of at most 255 characters", -1;
	if (with_value && (!punct(c, ',') || !quoted(c, value, sizeof value)))
		return c->bad = "hasTagValue takes a key and a value, each a quoted, non-empty string", -1;
	if (!punct(c, ')'))
		return c->bad = "a ')' is missing after the tag", -1;
	*v = c->tags ? has_tag(c, key, with_value ? value : NULL) : true;
	return 0;
}

/* OR of ANDs: level 0 reads terms joined by OR, level 1 atoms joined by AND. */
static int cond_bin(cond *c, bool *v, int level)
{
	const char *op = level == 0 ? "OR" : "AND";
	if ((level == 0 ? cond_bin(c, v, 1) : cond_atom(c, v)) != 0)
		return -1;
	while (word(c, op)) {
		bool r;
		if ((level == 0 ? cond_bin(c, &r, 1) : cond_atom(c, &r)) != 0)
			return -1;
		*v = level == 0 ? *v || r : *v && r;
	}
	return 0;
}

static int cond_or(cond *c, bool *v) { return cond_bin(c, v, 0); }

/* Whether text holds on c's tags; -1 (c->bad set) when it does not parse. */
static int cond_eval(cond *c, const char *text, bool *v)
{
	c->p = text;
	c->bad = NULL;
	if (cond_or(c, v) != 0)
		return -1;
	skip_ws(c);
	if (*c->p != '\0')
		return c->bad = "unexpected text after the condition", -1;
	return 0;
}

static int cond_check(const char *field, const char *text, weir_error *err)
{
	cond c = {0};
	bool v;
	if (strlen(text) > COND_MAX_CHARS)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s': at most %d characters", field, COND_MAX_CHARS);
	if (cond_eval(&c, text, &v) != 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s': %s (at character %d)", field, c.bad,
					(int)(c.p - text) + 1);
	return 0;
}

/* ---------------------------------------------------------------- the definition */

/* An array of principal names (required: at least one): their ids, as JSON text. */
static int principals(weir_db *db, weir_arena *a, json_t *spec, const char *key, bool required, const char **ids,
		      weir_error *err)
{
	json_t *arr = json_object_get(spec, key);
	if (arr == NULL || json_is_null(arr)) {
		if (required)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key, "Missing required field: %s",
						key);
		json_object_del(spec, key);
		*ids = "[]";
		return 0;
	}
	size_t n = json_array_size(arr);
	if (!json_is_array(arr) || (required && n == 0) || n > MAX_PRINCIPALS)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key,
					"Invalid value for '%s': an array of %d to %d principal names", key,
					required ? 1 : 0, MAX_PRINCIPALS);
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++) {
		const char *name = json_string_value(json_array_get(arr, i));
		char field[64];
		snprintf(field, sizeof field, "%s[%zu]", key, i);
		weir_error e = WEIR_ERROR_INIT;
		int64_t id = name && *name ? weir_gov_principal_id(db, name, NULL, &e) : -1;
		if (id < 0) {
			json_decref(out);
			return weir_error_field(
				err, WEIR_E_INVALID_PARAMETER_VALUE, field, "Invalid value for '%s': %s%.200s%s", field,
				name && *name ? "no user, service principal or group is named '" : "a name",
				name && *name ? name : "", name && *name ? "'" : "");
		}
		json_array_append_new(out, json_integer(id));
	}
	*ids = weir_json_text(a, out, JSON_COMPACT);
	json_decref(out);
	return 0;
}

static bool alias_ok(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > NAME_MAX_CHARS)
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return true;
}

static bool is_alias(json_t *match, const char *s)
{
	size_t i;
	json_t *m;
	json_array_foreach (match, i, m)
		if (s && strcmp(json_string_value(json_object_get(m, "alias")), s) == 0)
			return true;
	return false;
}

/* The function a policy calls: visible to p, EXECUTE or ownership, a SQL function taking
 * `nparams` arguments. */
static int function_check(weir_db *db, weir_arena *a, const weir_principal *p, const char *field, const char *name,
			  size_t nparams, weir_error *err)
{
	weir_securable fs;
	if (weir_gov_resolve(db, a, p, WEIR_SEC_FUNCTION, name, &fs, err) != 0 ||
	    weir_gov_check(db, p, WEIR_OP_READ_DATA, &fs, err) != 0)
		return -1;
	json_t *fi = weir_catalog_get(db, a, &fs, true, true, err);
	if (fi == NULL)
		return -1;
	weir_json_own(a, fi);
	const char *rb = json_string_value(json_object_get(fi, "routine_body"));
	size_t np = json_array_size(json_object_get(json_object_get(fi, "input_params"), "parameters"));
	if (rb == NULL || strcmp(rb, "SQL") != 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s': '%.200s' is not a SQL function", field, name);
	if (np != nparams)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s': '%.200s' takes %zu argument(s), the policy passes %zu",
					field, name, np, nparams);
	return 0;
}

/* The `using` arguments of a row filter or mask: each exactly one of alias (of match_columns)
 * or constant. */
static int using_check(json_t *opts, const char *what, json_t *match, size_t *n, weir_error *err)
{
	json_t *u = json_object_get(opts, "using");
	char field[64];
	snprintf(field, sizeof field, "%s.using", what);
	if (u == NULL || json_is_null(u)) {
		*n = 0;
		return 0;
	}
	if (!json_is_array(u) || json_array_size(u) > 64)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s': an array of at most 64 arguments", field);
	size_t i;
	json_t *arg;
	json_array_foreach (u, i, arg) {
		snprintf(field, sizeof field, "%s.using[%zu]", what, i);
		json_t *al = json_object_get(arg, "alias"), *co = json_object_get(arg, "constant");
		if (!json_is_object(arg) || (al != NULL) == (co != NULL) || (al && !json_is_string(al)) ||
		    (co && !json_is_string(co)))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
						"Invalid value for '%s': exactly one of alias or constant, a string",
						field);
		if (al && !is_alias(match, json_string_value(al)))
			return weir_error_field(
				err, WEIR_E_INVALID_PARAMETER_VALUE, field,
				"Invalid value for '%s.alias': '%.100s' is not an alias of match_columns", field,
				json_string_value(al));
	}
	*n = json_array_size(u);
	return 0;
}

/* Checks a whole definition (spec: the PolicyInfo fields, owned by the caller) and keeps only
 * what it stores; the principals' ids in *to, *except. */
static int spec_check(weir_db *db, weir_arena *a, const weir_principal *p, json_t *spec, const char **to,
		      const char **except, weir_error *err)
{
	const char *name = NULL, *type = NULL, *fst = NULL, *when = NULL, *comment = NULL;
	if (weir_json_get_str(spec, "name", true, &name, err) != 0 ||
	    weir_json_get_str(spec, "policy_type", true, &type, err) != 0 ||
	    weir_json_get_str(spec, "for_securable_type", true, &fst, err) != 0 ||
	    weir_json_get_str(spec, "when_condition", false, &when, err) != 0 ||
	    weir_json_get_str(spec, "comment", false, &comment, err) != 0)
		return -1;
	if (*name == '\0' || strlen(name) > NAME_MAX_CHARS || strchr(name, '/') || strchr(name, '.'))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "name",
					"Invalid value for 'name': 1 to %d characters, no '.' or '/'", NAME_MAX_CHARS);
	bool filter = strcmp(type, ROW_FILTER) == 0;
	if (!filter && strcmp(type, COLUMN_MASK) != 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "policy_type",
					"Invalid value for 'policy_type': POLICY_TYPE_ROW_FILTER or "
					"POLICY_TYPE_COLUMN_MASK");
	if (strcasecmp(fst, "TABLE") != 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "for_securable_type",
					"Invalid value for 'for_securable_type': policies take effect on TABLE only");
	json_object_set_new(spec, "for_securable_type", json_string("TABLE"));
	if (comment && strlen(comment) > 4096)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "comment",
					"Invalid value for 'comment': at most 4096 characters");
	if (when && *when && cond_check("when_condition", when, err) != 0)
		return -1;
	if (when && *when == '\0')
		json_object_del(spec, "when_condition");
	if (principals(db, a, spec, "to_principals", true, to, err) != 0 ||
	    principals(db, a, spec, "except_principals", false, except, err) != 0)
		return -1;
	/* match_columns: {condition, alias}, aliases distinct */
	json_t *match = json_object_get(spec, "match_columns");
	if (match == NULL || json_is_null(match)) {
		json_object_del(spec, "match_columns");
		match = NULL;
	} else if (!json_is_array(match) || json_array_size(match) > MAX_MATCH_COLUMNS) {
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "match_columns",
					"Invalid value for 'match_columns': an array of at most %d", MAX_MATCH_COLUMNS);
	}
	size_t i;
	json_t *m;
	json_array_foreach (match, i, m) {
		char field[64];
		const char *c = NULL, *al = NULL;
		snprintf(field, sizeof field, "match_columns[%zu].condition", i);
		c = json_string_value(json_object_get(m, "condition"));
		if (c == NULL || *c == '\0')
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
						"Missing required field: %s", field);
		if (cond_check(field, c, err) != 0)
			return -1;
		snprintf(field, sizeof field, "match_columns[%zu].alias", i);
		al = json_string_value(json_object_get(m, "alias"));
		if (!alias_ok(al))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
						"Invalid value for '%s': letters, digits and '_', 1 to %d characters",
						field, NAME_MAX_CHARS);
		for (size_t k = 0; k < i; k++)
			if (strcmp(json_string_value(json_object_get(json_array_get(match, k), "alias")), al) == 0)
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
							"Invalid value for '%s': '%s' is already an alias", field, al);
	}
	/* the function: row_filter or column_mask, as the type says, never both */
	const char *what = filter ? "row_filter" : "column_mask", *other = filter ? "column_mask" : "row_filter";
	json_t *opts = json_object_get(spec, what), *oth = json_object_get(spec, other);
	if (oth && !json_is_null(oth))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, other,
					"Invalid value for '%s': a %s policy has %s only", other, type, what);
	json_object_del(spec, other);
	if (!json_is_object(opts))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, what, "Missing required field: %s", what);
	char field[64];
	snprintf(field, sizeof field, "%s.function_name", what);
	const char *fname = json_string_value(json_object_get(opts, "function_name"));
	if (fname == NULL || *fname == '\0')
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field, "Missing required field: %s",
					field);
	size_t nargs = 0;
	if (using_check(opts, what, match, &nargs, err) != 0)
		return -1;
	if (!filter) {
		const char *on = json_string_value(json_object_get(opts, "on_column"));
		if (!is_alias(match, on))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "column_mask.on_column",
						"Invalid value for 'column_mask.on_column': an alias of match_columns");
		nargs++;
	}
	return function_check(db, a, p, field, fname, nargs, err);
}

/* The fields of a PolicyInfo a client may set. */
static const char *const SPEC_FIELDS[] = {"name",          "comment",           "policy_type",    "for_securable_type",
					  "to_principals", "except_principals", "when_condition", "match_columns",
					  "row_filter",    "column_mask"};

static json_t *spec_of(json_t *body)
{
	json_t *spec = json_object();
	for (size_t i = 0; i < sizeof(SPEC_FIELDS) / sizeof(SPEC_FIELDS[0]); i++) {
		json_t *v = json_object_get(body, SPEC_FIELDS[i]);
		if (v)
			json_object_set(spec, SPEC_FIELDS[i], v);
	}
	return spec;
}

/* A JSON text this module stored, as a tree the arena owns. */
static json_t *stored(weir_arena *a, const char *text, weir_error *err)
{
	json_t *j = json_loads(text, 0, NULL);
	if (j == NULL)
		weir_error_set(err, WEIR_E_INTERNAL_ERROR, "internal error: a stored policy does not parse");
	return weir_json_own(a, j);
}

/* The full name of level i of s's chain (the chain runs self, parent, catalog). */
static const char *level_name(weir_arena *a, const weir_securable *s, int i)
{
	const char *out = s->chain[s->depth - 1].name;
	for (int k = s->depth - 2; k >= i; k--)
		out = weir_arena_printf(a, "%s.%s", out, s->chain[k].name);
	return out;
}

/* The PolicyInfo of a stored row on level `lvl` of s's chain. */
static json_t *info(weir_arena *a, const weir_securable *s, int lvl, const weir_policy_row *r, weir_error *err)
{
	json_t *out = stored(a, r->spec, err);
	if (out == NULL)
		return NULL;
	json_incref(out); /* the caller owns the answer */
	json_object_set_new(out, "id", json_string(r->id));
	json_object_set_new(out, "name", json_string(r->name));
	json_object_set_new(out, "on_securable_type", json_string(on_type_wire(s->chain[lvl].type)));
	json_object_set_new(out, "on_securable_fullname", json_string(level_name(a, s, lvl)));
	json_object_set_new(out, "policy_type", json_string(r->policy_type));
	json_object_set_new(out, "created_at", json_integer(r->created_at));
	json_object_set_new(out, "created_by", json_string(r->created_by));
	json_object_set_new(out, "updated_at", json_integer(r->updated_at));
	json_object_set_new(out, "updated_by", json_string(r->updated_by));
	return out;
}

static int not_found(const weir_securable *on, const char *name, weir_error *err)
{
	return weir_error_obj(err, WEIR_E_NOT_FOUND, WEIR_OBJ_POLICY, NULL,
			      "Policy '%.200s' does not exist on %s '%.300s'", name, weir_sec_type_label(on->type),
			      on->full_name);
}

static int exists(const weir_securable *on, const char *name, weir_error *err)
{
	return weir_error_obj(err, WEIR_E_ALREADY_EXISTS, WEIR_OBJ_POLICY, "name",
			      "Policy '%.200s' already exists on %s '%.300s'", name, weir_sec_type_label(on->type),
			      on->full_name);
}

/* Stores spec (checked) as row r (id, securable and creation filled by the caller). */
static json_t *store_spec(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *on, json_t *spec,
			  weir_policy_row *r, bool insert, weir_error *err)
{
	const char *to = NULL, *except = NULL;
	if (spec_check(db, a, p, spec, &to, &except, err) != 0)
		return NULL;
	r->name = weir_arena_strdup(a, json_string_value(json_object_get(spec, "name")));
	r->policy_type = weir_arena_strdup(a, json_string_value(json_object_get(spec, "policy_type")));
	json_object_del(spec, "name");
	json_object_del(spec, "policy_type");
	r->spec = weir_json_text(a, spec, JSON_COMPACT | JSON_SORT_KEYS);
	r->to_ids = to;
	r->except_ids = except;
	r->updated_at = weir_now_ms();
	r->updated_by = p->name;
	if (insert) {
		r->created_at = r->updated_at;
		r->created_by = p->name;
	}
	if ((insert ? weir_policies__store_insert : weir_policies__store_update)(db, r, err) != 0)
		return NULL;
	return info(a, on, 0, r, err);
}

json_t *weir_policies_create(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *on,
			     json_t *body, weir_error *err)
{
	json_t *spec = weir_json_own(a, spec_of(body));
	const char *name = json_string_value(json_object_get(spec, "name"));
	weir_policy_row r = {0};
	if (name) {
		int got = weir_policies__store_get(db, a, on->id, name, &r, err);
		if (got != 0)
			return got < 0 ? NULL : (exists(on, name, err), NULL);
	}
	int64_t have = weir_policies__store_count(db, on->id, err);
	if (have < 0)
		return NULL;
	if (have >= MAX_PER_SECURABLE)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "on_securable_fullname",
					"%s '%.300s' has %d policies, the most one securable may have",
					weir_sec_type_label(on->type), on->full_name, MAX_PER_SECURABLE),
		       NULL;
	char id[37];
	weir_uuid4(id);
	r.id = weir_arena_strdup(a, id);
	r.securable_id = on->id;
	return store_spec(db, a, p, on, spec, &r, true, err);
}

json_t *weir_policies_get(weir_db *db, weir_arena *a, const weir_securable *on, const char *name, weir_error *err)
{
	weir_policy_row r;
	int got = weir_policies__store_get(db, a, on->id, name, &r, err);
	if (got <= 0)
		return got < 0 ? NULL : (not_found(on, name, err), NULL);
	return info(a, on, 0, &r, err);
}

json_t *weir_policies_update(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *on,
			     const char *name, json_t *body, weir_error *err)
{
	weir_policy_row r;
	int got = weir_policies__store_get(db, a, on->id, name, &r, err);
	if (got <= 0)
		return got < 0 ? NULL : (not_found(on, name, err), NULL);
	json_t *spec = stored(a, r.spec, err);
	if (spec == NULL)
		return NULL;
	json_object_set_new(spec, "name", json_string(r.name));
	json_object_set_new(spec, "policy_type", json_string(r.policy_type));
	json_t *given = weir_json_own(a, spec_of(body));
	json_object_update(spec, given);
	/* a change of type drops the other type's function unless the body gives it */
	const char *type = json_string_value(json_object_get(spec, "policy_type"));
	if (type && json_object_get(given, "policy_type")) {
		const char *other = strcmp(type, ROW_FILTER) == 0 ? "column_mask" : "row_filter";
		if (json_object_get(given, other) == NULL)
			json_object_del(spec, other);
	}
	const char *to = json_string_value(json_object_get(spec, "name"));
	if (to && strcmp(to, r.name) != 0) {
		weir_policy_row clash;
		int c = weir_policies__store_get(db, a, on->id, to, &clash, err);
		if (c != 0)
			return c < 0 ? NULL : (exists(on, to, err), NULL);
	}
	return store_spec(db, a, p, on, spec, &r, false, err);
}

int weir_policies_delete(weir_db *db, weir_arena *a, const weir_securable *on, const char *name, weir_error *err)
{
	weir_policy_row r;
	int got = weir_policies__store_get(db, a, on->id, name, &r, err);
	if (got <= 0)
		return got < 0 ? -1 : not_found(on, name, err);
	return weir_policies__store_delete(db, r.id, err);
}

/* The ids of on's chain, self first; NULL past its depth. */
static void chain_ids(const weir_securable *s, const char *ids[3])
{
	for (int i = 0; i < 3; i++)
		ids[i] = i < s->depth ? s->chain[i].id : NULL;
}

static int level_of(const weir_securable *s, const char *sid)
{
	for (int i = 0; i < s->depth; i++)
		if (strcmp(s->chain[i].id, sid) == 0)
			return i;
	return 0;
}

json_t *weir_policies_list(weir_db *db, weir_arena *a, const weir_securable *on, bool inherited,
			   const weir_page_req *pg, weir_error *err)
{
	int size = 0;
	int64_t offset = 0;
	if (weir_catalog_page_size(pg, &size, err) != 0 ||
	    (pg->page_token && *pg->page_token && weir_page_token_offset_parse(a, pg->page_token, &offset, err) != 0))
		return NULL;
	const char *ids[3] = {on->id, NULL, NULL};
	if (inherited)
		chain_ids(on, ids);
	weir_policy_row *rows = NULL;
	int n = 0;
	if (weir_policies__store_on(db, a, ids, &rows, &n, err) != 0)
		return NULL;
	/* the catalog's first, then the schema's, then the table's; by name within each (a stable
	 * insertion sort of a short list) */
	for (int i = 1; i < n; i++)
		for (int k = i; k > 0 && level_of(on, rows[k - 1].securable_id) < level_of(on, rows[k].securable_id);
		     k--) {
			weir_policy_row tmp = rows[k];
			rows[k] = rows[k - 1];
			rows[k - 1] = tmp;
		}
	json_t *out = json_object(), *arr = json_array();
	json_object_set_new(out, "policies", arr);
	for (int64_t i = offset; i < n && i < offset + size; i++) {
		json_t *pi = info(a, on, level_of(on, rows[i].securable_id), &rows[i], err);
		if (pi == NULL) {
			json_decref(out);
			return NULL;
		}
		json_array_append_new(arr, pi);
	}
	if (offset + size < n)
		json_object_set_new(out, "next_page_token",
				    json_string(weir_page_token_offset(a, offset + size, false)));
	return out;
}

/* ---------------------------------------------------------------- at read time */

static bool in_ids(const weir_principal *p, const char *ids)
{
	json_t *arr = json_loads(ids, 0, NULL);
	bool in = false;
	size_t i;
	json_t *v;
	json_array_foreach (arr, i, v)
		in |= weir_gov__in_closure(p, json_integer_value(v));
	json_decref(arr);
	return in;
}

/* The table's columns whose tags satisfy condition text. */
static int matching(cond *c, json_t *columns, const char *text, const char **out, int cap)
{
	int n = 0;
	size_t i;
	json_t *col;
	json_array_foreach (columns, i, col) {
		bool v = false;
		c->column = json_string_value(json_object_get(col, "name"));
		if (c->column && cond_eval(c, text, &v) == 0 && v && n < cap)
			out[n++] = c->column;
	}
	c->column = NULL;
	return n;
}

/* The column an alias stands for in a function's arguments: exactly one must match. */
static int one_column(const char *policy, const char *alias, json_t *match, const char **cols, size_t stride,
		      const int *ncols, const char **col, const char *table, weir_error *err)
{
	size_t i;
	json_t *m;
	json_array_foreach (match, i, m)
		if (strcmp(json_string_value(json_object_get(m, "alias")), alias) == 0) {
			if (ncols[i] != 1)
				return weir_error_set(err, WEIR_E_PERMISSION_DENIED,
						      "Policy '%s' cannot be applied to Table '%s': its alias '%s' "
						      "matches %d columns, and a function argument takes one",
						      policy, table, alias, ncols[i]);
			*col = cols[i * stride];
			return 0;
		}
	return weir_error_set(err, WEIR_E_PERMISSION_DENIED, "Policy '%s' names an unknown alias '%s'", policy, alias);
}

static int args_of(weir_arena *a, const char *policy, json_t *opts, json_t *match, const char **cols, size_t stride,
		   const int *ncols, weir_policy_use *u, const char *table, weir_error *err)
{
	json_t *using = json_object_get(opts, "using");
	u->nargs = (int)json_array_size(using);
	u->args = weir_arena_calloc(a, sizeof(*u->args) * (size_t)(u->nargs ? u->nargs : 1));
	for (int k = 0; k < u->nargs; k++) {
		json_t *arg = json_array_get(using, (size_t)k);
		const char *al = json_string_value(json_object_get(arg, "alias"));
		if (al == NULL)
			u->args[k].constant = json_string_value(json_object_get(arg, "constant"));
		else if (one_column(policy, al, match, cols, stride, ncols, &u->args[k].column, table, err) != 0)
			return -1;
	}
	return 0;
}

/* Whether any policy exists: the common case is none, and then a read asks nothing more.
 * Remembered per thread by the authorization change counter, which every policy write moves
 * (migration 0027's triggers): one primary-key read per statement instead of a search of the
 * policies (bench/warehouse/callgrind_pk.sh: the search alone was +7% of a primary-key
 * lookup). */
static bool any_policy(weir_db *db, weir_error *err)
{
	static _Thread_local struct {
		weir_gov_stamp stamp;
		bool valid, any;
	} memo;
	weir_gov_stamp now;
	bool cacheable = weir_gov__stamp(db, &now);
	if (cacheable && memo.valid && memo.stamp.gen == now.gen && memo.stamp.changes == now.changes)
		return memo.any;
	int any = weir_policies__store_any(db, err);
	if (any < 0)
		return true; /* err set: the caller fails the read (closed) */
	memo.valid = cacheable;
	memo.stamp = now;
	memo.any = any > 0;
	return memo.any;
}

int weir_policies_for_table(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *t,
			    json_t *columns, weir_policy_use **out, int *n, weir_error *err)
{
	*out = NULL;
	*n = 0;
	if (!any_policy(db, err))
		return err->code == WEIR_OK ? 0 : -1;
	const char *ids[3];
	chain_ids(t, ids);
	weir_policy_row *rows = NULL;
	int nrows = 0;
	if (weir_policies__store_on(db, a, ids, &rows, &nrows, err) != 0)
		return -1;
	if (nrows == 0)
		return 0;
	cond c = {0};
	c.sid[0] = ids[0];
	c.sid[1] = ids[1];
	c.sid[2] = ids[2];
	if (weir_policies__store_tags(db, a, ids, (weir_policy_tag **)&c.tags, &c.ntags, err) != 0)
		return -1;
	size_t ncol = json_array_size(columns);
	weir_policy_use *uses = weir_arena_calloc(a, sizeof(*uses) * (size_t)nrows * (ncol + 1));
	int nu = 0;
	for (int i = 0; i < nrows; i++) {
		const weir_policy_row *r = &rows[i];
		if (!in_ids(p, r->to_ids) || in_ids(p, r->except_ids))
			continue;
		json_t *spec = stored(a, r->spec, err);
		if (spec == NULL)
			return -1;
		const char *when = json_string_value(json_object_get(spec, "when_condition"));
		bool v = true;
		if (when && (cond_eval(&c, when, &v) != 0 || !v))
			continue;
		/* each alias: the columns it matches (every one: a mask leaves none of them out) */
		json_t *match = json_object_get(spec, "match_columns");
		size_t nm = json_array_size(match);
		size_t stride = ncol ? ncol : 1;
		const char **cols = weir_arena_calloc(a, sizeof(*cols) * (nm ? nm : 1) * stride);
		int *ncols = weir_arena_calloc(a, sizeof(*ncols) * (nm ? nm : 1));
		bool all = true;
		for (size_t k = 0; k < nm; k++) {
			const char *text = json_string_value(json_object_get(json_array_get(match, k), "condition"));
			ncols[k] = matching(&c, columns, text, &cols[k * stride], (int)stride);
			all &= ncols[k] > 0;
		}
		if (!all)
			continue;
		bool filter = strcmp(r->policy_type, ROW_FILTER) == 0;
		json_t *opts = json_object_get(spec, filter ? "row_filter" : "column_mask");
		const char *fname = json_string_value(json_object_get(opts, "function_name"));
		if (filter) {
			weir_policy_use *u = &uses[nu++];
			u->policy = r->name;
			u->function_name = fname;
			if (args_of(a, r->name, opts, match, cols, stride, ncols, u, t->full_name, err) != 0)
				return -1;
			continue;
		}
		/* a mask: every column its on_column alias matches */
		const char *on = json_string_value(json_object_get(opts, "on_column"));
		for (size_t k = 0; k < nm; k++) {
			if (strcmp(json_string_value(json_object_get(json_array_get(match, k), "alias")), on) != 0)
				continue;
			for (int j = 0; j < ncols[k]; j++) {
				weir_policy_use *u = &uses[nu++];
				u->policy = r->name;
				u->function_name = fname;
				u->column = cols[k * stride + (size_t)j];
				if (args_of(a, r->name, opts, match, cols, stride, ncols, u, t->full_name, err) != 0)
					return -1;
			}
		}
	}
	*out = uses;
	*n = nu;
	return 0;
}
