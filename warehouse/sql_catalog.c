/* The warehouse's reading of the statements it answers from the catalog (warehouse/sql.h,
 * weir_wh_parse_catalog): a recursive reading over the tokens of warehouse/sql.c. Pure
 * functions over text; no database here. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/util.h"
#include "warehouse/sql.h"

typedef struct cp {
	weir_arena *a;
	const char *sql;
	weir_wh_tok *t;
	int n, i;
	weir_error *err;
} cp;

static int bad(cp *c, const char *what)
{
	return weir_error_field(c->err, WEIR_E_INVALID_PARAMETER_VALUE, "statement", "Invalid statement: %s", what);
}

static const weir_wh_tok *at(cp *c, int k) { return c->i + k < c->n ? &c->t[c->i + k] : NULL; }
static bool kw(cp *c, int k, const char *w) { return weir_wh_tok_is(at(c, k), w); }
static bool eat(cp *c, const char *w)
{
	if (!kw(c, 0, w))
		return false;
	c->i++;
	return true;
}
static bool is_p(cp *c, int k, char ch)
{
	const weir_wh_tok *t = at(c, k);
	return t && t->kind == WEIR_TK_PUNCT && c->sql[t->start] == ch;
}
static bool eat_p(cp *c, char ch)
{
	if (!is_p(c, 0, ch))
		return false;
	c->i++;
	return true;
}
static bool is_name(const weir_wh_tok *t) { return t && (t->kind == WEIR_TK_IDENT || t->kind == WEIR_TK_QIDENT); }

static const char *upper(weir_arena *a, const char *s)
{
	char *u = weir_arena_strdup(a, s);
	for (char *p = u; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return u;
}

/* A dotted name of 1..3 parts. */
static int name(cp *c, const char **parts, int *np, const char *what)
{
	*np = 0;
	for (;;) {
		if (!is_name(at(c, 0)))
			return bad(c, what);
		if (*np == 3)
			return bad(c, "a name has at most three parts");
		parts[(*np)++] = at(c, 0)->value;
		c->i++;
		if (!eat_p(c, '.'))
			return 0;
	}
}

static int string(cp *c, const char **out, const char *what)
{
	const weir_wh_tok *t = at(c, 0);
	if (t == NULL || t->kind != WEIR_TK_STRING)
		return bad(c, what);
	*out = t->value;
	c->i++;
	return 0;
}

static int end(cp *c, const char *after)
{
	if (c->i == c->n)
		return 0;
	return weir_error_field(c->err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
				"Invalid statement: unexpected text after %s", after);
}

/* IF EXISTS / IF NOT EXISTS */
static bool if_exists(cp *c)
{
	if (kw(c, 0, "IF") && kw(c, 1, "EXISTS")) {
		c->i += 2;
		return true;
	}
	return false;
}
static bool if_not_exists(cp *c)
{
	if (kw(c, 0, "IF") && kw(c, 1, "NOT") && kw(c, 2, "EXISTS")) {
		c->i += 3;
		return true;
	}
	return false;
}

/* (a, b, ...) of plain names */
static int name_list(cp *c, const char ***out, int *n, const char *what)
{
	if (!eat_p(c, '('))
		return bad(c, what);
	const char **v = weir_arena_alloc(c->a, (size_t)(c->n + 1) * sizeof(*v));
	*n = 0;
	if (eat_p(c, ')')) {
		*out = v;
		return 0;
	}
	for (;;) {
		if (!is_name(at(c, 0)))
			return bad(c, what);
		v[(*n)++] = at(c, 0)->value;
		c->i++;
		if (eat_p(c, ','))
			continue;
		if (eat_p(c, ')'))
			break;
		return bad(c, what);
	}
	*out = v;
	return 0;
}

/* col type [NOT NULL] [COMMENT '...'] */
static int coldef(cp *c, weir_wh_coldef *d, bool params)
{
	memset(d, 0, sizeof(*d));
	if (!is_name(at(c, 0)))
		return bad(c, params ? "a parameter name is expected" : "a column name is expected");
	d->name = at(c, 0)->value;
	d->nullable = true;
	if (*d->name == '\0' || strlen(d->name) > 255)
		return bad(c, "a column name has 1 to 255 characters");
	c->i++;
	int i = c->i;
	if (weir_wh_type_parse(c->sql, c->t, c->n, &i, &d->type, c->err) != 0)
		return -1;
	c->i = i;
	for (;;) {
		if (!params && kw(c, 0, "NOT") && kw(c, 1, "NULL")) {
			d->nullable = false;
			c->i += 2;
		} else if (kw(c, 0, "COMMENT") && at(c, 1) && at(c, 1)->kind == WEIR_TK_STRING) {
			d->comment = at(c, 1)->value;
			c->i += 2;
		} else {
			return 0;
		}
	}
}

static int coldefs(cp *c, weir_wh_cstmt *o, bool parens, bool params)
{
	o->cols = weir_arena_alloc(c->a, (size_t)(c->n + 1) * sizeof(*o->cols));
	o->ncols = 0;
	if (parens && params && eat_p(c, ')'))
		return 0;
	for (;;) {
		weir_wh_coldef *d = &o->cols[o->ncols];
		if (coldef(c, d, params) != 0)
			return -1;
		for (int k = 0; k < o->ncols; k++)
			if (strcasecmp(o->cols[k].name, d->name) == 0)
				return bad(c, params ? "duplicate parameter name" : "duplicate column name");
		o->ncols++;
		if (eat_p(c, ','))
			continue;
		if (parens && !eat_p(c, ')'))
			return bad(c, "expected ',' or ')' after a column definition");
		return 0;
	}
}

/* A securable kind: CATALOG, SCHEMA / DATABASE, TABLE / VIEW, VOLUME, FUNCTION, METASTORE,
 * EXTERNAL LOCATION, STORAGE CREDENTIAL. */
static const char *sec_kind(cp *c)
{
	static const char *const kinds[] = {"CATALOG", "SCHEMA",   "DATABASE",  "TABLE", "VIEW",
					    "VOLUME",  "FUNCTION", "METASTORE", NULL};
	static const char *const pairs[][3] = {{"EXTERNAL", "LOCATION", "EXTERNAL LOCATION"},
					       {"STORAGE", "CREDENTIAL", "STORAGE CREDENTIAL"}};
	for (int k = 0; k < 2; k++)
		if (kw(c, 0, pairs[k][0]) && kw(c, 1, pairs[k][1])) {
			c->i += 2;
			return pairs[k][2];
		}
	for (int k = 0; kinds[k]; k++)
		if (eat(c, kinds[k]))
			return strcmp(kinds[k], "DATABASE") == 0 ? "SCHEMA" : kinds[k];
	return NULL;
}

/* ON <kind> <name> (METASTORE has no name; a bare name is a TABLE, as in Databricks) */
static int on_securable(cp *c, weir_wh_cstmt *o)
{
	if (!eat(c, "ON"))
		return bad(c, "ON <securable> is expected");
	o->sec_type = sec_kind(c);
	if (o->sec_type == NULL)
		o->sec_type = "TABLE";
	if (strcmp(o->sec_type, "METASTORE") == 0)
		return 0;
	return name(c, o->parts, &o->nparts, "a securable name is expected");
}

/* A principal: a quoted or bare name. */
static int principal(cp *c, weir_wh_cstmt *o)
{
	const weir_wh_tok *t = at(c, 0);
	if (t == NULL || !(is_name(t) || t->kind == WEIR_TK_STRING))
		return bad(c, "a principal is expected");
	o->principal = t->value;
	c->i++;
	return 0;
}

static int privileges(cp *c, weir_wh_cstmt *o)
{
	o->privs = weir_arena_alloc(c->a, (size_t)(c->n + 1) * sizeof(*o->privs));
	o->nprivs = 0;
	for (;;) {
		/* words up to ',' or ON */
		weir_buf b = {0};
		int words = 0;
		while (at(c, 0) && at(c, 0)->kind == WEIR_TK_IDENT && !kw(c, 0, "ON")) {
			if (words++)
				weir_buf_append(&b, " ", 1);
			const char *w = upper(c->a, at(c, 0)->value);
			weir_buf_append(&b, w, strlen(w));
			c->i++;
		}
		if (words == 0 || words > 3) {
			weir_buf_release(&b);
			return bad(c, "a privilege is expected (e.g. SELECT, USE CATALOG, ALL PRIVILEGES)");
		}
		o->privs[o->nprivs++] = weir_arena_strndup(c->a, b.data, b.len);
		weir_buf_release(&b);
		if (!eat_p(c, ','))
			return 0;
	}
}

static int alter(cp *c, weir_wh_cstmt *o)
{
	o->sec_type = eat(c, "VIEW") ? "VIEW" : (eat(c, "TABLE"), "TABLE");
	if (name(c, o->parts, &o->nparts, "a table name is expected") != 0)
		return -1;
	if (eat(c, "RENAME")) {
		if (!eat(c, "TO"))
			return bad(c, "RENAME TO <name> is expected");
		o->kind = WEIR_WH_C_RENAME;
		if (name(c, o->to, &o->nto, "a new name is expected") != 0)
			return -1;
		return end(c, "RENAME TO <name>");
	}
	if (eat(c, "ADD")) {
		if (!eat(c, "COLUMNS"))
			eat(c, "COLUMN");
		o->kind = WEIR_WH_C_ADD_COLUMNS;
		bool parens = eat_p(c, '(');
		if (coldefs(c, o, parens, false) != 0)
			return -1;
		return end(c, "ADD COLUMNS");
	}
	if (kw(c, 0, "SET") && kw(c, 1, "TBLPROPERTIES")) {
		c->i += 2;
		o->kind = WEIR_WH_C_SET_PROPERTIES;
		if (!eat_p(c, '('))
			return bad(c, "SET TBLPROPERTIES ('key' = 'value', ...) is expected");
		o->keys = weir_arena_alloc(c->a, (size_t)(c->n + 1) * sizeof(*o->keys));
		o->values = weir_arena_alloc(c->a, (size_t)(c->n + 1) * sizeof(*o->values));
		for (;;) {
			const weir_wh_tok *k = at(c, 0);
			if (k == NULL || !(k->kind == WEIR_TK_STRING || is_name(k)))
				return bad(c, "a property key is expected");
			c->i++;
			if (!eat_p(c, '='))
				return bad(c, "'=' is expected after a property key");
			const char *v;
			const weir_wh_tok *vt = at(c, 0);
			if (vt &&
			    (vt->kind == WEIR_TK_NUMBER || weir_wh_tok_is(vt, "TRUE") || weir_wh_tok_is(vt, "FALSE"))) {
				v = weir_arena_strndup(c->a, c->sql + vt->start, vt->len);
				c->i++;
			} else if (string(c, &v, "a property value (a string) is expected") != 0) {
				return -1;
			}
			o->keys[o->nprops] = k->value;
			o->values[o->nprops++] = v;
			if (eat_p(c, ','))
				continue;
			if (eat_p(c, ')'))
				break;
			return bad(c, "expected ',' or ')' in TBLPROPERTIES");
		}
		return end(c, "SET TBLPROPERTIES (...)");
	}
	if ((kw(c, 0, "OWNER") && kw(c, 1, "TO")) || (kw(c, 0, "SET") && kw(c, 1, "OWNER") && kw(c, 2, "TO"))) {
		c->i += kw(c, 0, "SET") ? 3 : 2;
		o->kind = WEIR_WH_C_SET_OWNER;
		if (principal(c, o) != 0)
			return -1;
		return end(c, "OWNER TO <principal>");
	}
	if (kw(c, 0, "SET") && kw(c, 1, "ROW") && kw(c, 2, "FILTER")) {
		c->i += 3;
		o->kind = WEIR_WH_C_SET_ROW_FILTER;
		if (name(c, o->fn, &o->nfn, "a function name is expected") != 0)
			return -1;
		if (!eat(c, "ON"))
			return bad(c, "SET ROW FILTER f ON (column, ...) is expected");
		if (name_list(c, &o->using_cols, &o->nusing, "a list of columns is expected") != 0)
			return -1;
		return end(c, "SET ROW FILTER");
	}
	if (kw(c, 0, "DROP") && kw(c, 1, "ROW") && kw(c, 2, "FILTER")) {
		c->i += 3;
		o->kind = WEIR_WH_C_DROP_ROW_FILTER;
		return end(c, "DROP ROW FILTER");
	}
	if (eat(c, "ALTER") || eat(c, "CHANGE")) {
		eat(c, "COLUMN");
		if (!is_name(at(c, 0)))
			return bad(c, "a column name is expected");
		o->column = at(c, 0)->value;
		c->i++;
		if (eat(c, "COMMENT")) {
			o->kind = WEIR_WH_C_COLUMN_COMMENT;
			if (string(c, &o->comment, "a comment (a string) is expected") != 0)
				return -1;
			return end(c, "ALTER COLUMN c COMMENT '...'");
		}
		if (kw(c, 0, "SET") && kw(c, 1, "MASK")) {
			c->i += 2;
			o->kind = WEIR_WH_C_SET_MASK;
			if (name(c, o->fn, &o->nfn, "a function name is expected") != 0)
				return -1;
			if (kw(c, 0, "USING") && kw(c, 1, "COLUMNS")) {
				c->i += 2;
				if (name_list(c, &o->using_cols, &o->nusing, "a list of columns is expected") != 0)
					return -1;
			}
			return end(c, "SET MASK");
		}
		if (kw(c, 0, "DROP") && kw(c, 1, "MASK")) {
			c->i += 2;
			o->kind = WEIR_WH_C_DROP_MASK;
			return end(c, "DROP MASK");
		}
		return bad(c, "ALTER COLUMN takes COMMENT, SET MASK or DROP MASK here");
	}
	return bad(c, "ALTER TABLE takes RENAME TO, ADD COLUMNS, SET TBLPROPERTIES, ALTER COLUMN, SET ROW FILTER "
		      "and DROP ROW FILTER here");
}

static int policy_on(cp *c, weir_wh_cstmt *o);

static int show(cp *c, weir_wh_cstmt *o)
{
	if (eat(c, "CATALOGS")) {
		o->kind = WEIR_WH_C_SHOW_CATALOGS;
		return end(c, "SHOW CATALOGS");
	}
	if (eat(c, "SCHEMAS") || eat(c, "DATABASES")) {
		o->kind = WEIR_WH_C_SHOW_SCHEMAS;
		if ((eat(c, "IN") || eat(c, "FROM")) &&
		    name(c, o->parts, &o->nparts, "a catalog name is expected") != 0)
			return -1;
		if (o->nparts > 1)
			return bad(c, "SHOW SCHEMAS IN takes a catalog name");
		return end(c, "SHOW SCHEMAS");
	}
	if (eat(c, "TABLES")) {
		o->kind = WEIR_WH_C_SHOW_TABLES;
		if ((eat(c, "IN") || eat(c, "FROM")) && name(c, o->parts, &o->nparts, "a schema name is expected") != 0)
			return -1;
		if (o->nparts > 2)
			return bad(c, "SHOW TABLES IN takes [catalog.]schema");
		return end(c, "SHOW TABLES");
	}
	if (eat(c, "GRANTS") || eat(c, "GRANT")) {
		o->kind = WEIR_WH_C_SHOW_GRANTS;
		if (!kw(c, 0, "ON") && principal(c, o) != 0)
			return -1;
		if (on_securable(c, o) != 0)
			return -1;
		return end(c, "SHOW GRANTS ... ON <securable>");
	}
	if (eat(c, "POLICIES")) {
		o->kind = WEIR_WH_C_SHOW_POLICIES;
		if (policy_on(c, o) != 0)
			return -1;
		return end(c, "SHOW POLICIES ON <securable>");
	}
	if (eat(c, "COLUMNS")) {
		o->kind = WEIR_WH_C_SHOW_COLUMNS;
		if (!eat(c, "IN") && !eat(c, "FROM"))
			return bad(c, "SHOW COLUMNS IN <table> is expected");
		if (name(c, o->parts, &o->nparts, "a table name is expected") != 0)
			return -1;
		return end(c, "SHOW COLUMNS IN <table>");
	}
	return bad(c, "SHOW takes CATALOGS, SCHEMAS, TABLES, GRANTS, POLICIES and COLUMNS here");
}

static int create_function(cp *c, weir_wh_cstmt *o)
{
	o->kind = WEIR_WH_C_CREATE_FUNCTION;
	o->sec_type = "FUNCTION";
	if (if_not_exists(c))
		o->if_not_exists = true;
	if (name(c, o->parts, &o->nparts, "a function name is expected") != 0)
		return -1;
	if (!eat_p(c, '('))
		return bad(c, "a function's parameters in parentheses are expected");
	if (coldefs(c, o, true, true) != 0)
		return -1;
	if (!eat(c, "RETURNS"))
		return bad(c, "RETURNS <type> is expected");
	int i = c->i;
	if (weir_wh_type_parse(c->sql, c->t, c->n, &i, &o->returns, c->err) != 0)
		return -1;
	c->i = i;
	for (;;) {
		if (eat(c, "COMMENT")) {
			if (string(c, &o->comment, "a comment (a string) is expected") != 0)
				return -1;
		} else if (kw(c, 0, "LANGUAGE") && kw(c, 1, "SQL")) {
			c->i += 2;
		} else if (eat(c, "DETERMINISTIC") || (kw(c, 0, "NOT") && kw(c, 1, "DETERMINISTIC") && (c->i += 2))) {
			/* accepted, as Databricks does */
		} else {
			break;
		}
	}
	if (!eat(c, "RETURN"))
		return bad(c, "RETURN <expression> is expected (SQL functions only)");
	if (at(c, 0) == NULL)
		return bad(c, "RETURN needs an expression");
	o->body = at(c, 0)->start;
	return 0;
}

/* ---------------------------------------------------------------- policies */

/* The text of tokens [from, to) as written. */
static const char *span(cp *c, int from, int to)
{
	size_t b = c->t[from].start, e = c->t[to - 1].start + c->t[to - 1].len;
	return weir_arena_strndup(c->a, c->sql + b, e - b);
}

/* Whether token k starts a clause of CREATE POLICY after its conditions. */
static bool policy_clause(cp *c, int k)
{
	return (kw(c, k, "MATCH") && kw(c, k + 1, "COLUMNS")) || (kw(c, k, "ON") && kw(c, k + 1, "COLUMN")) ||
	       (kw(c, k, "USING") && kw(c, k + 1, "COLUMNS"));
}

/* Tokens from c->i up to a clause keyword or the end, outside parentheses, and (with
 * comma) a ',' too: the index after the last. */
static int policy_run(cp *c, bool comma)
{
	int depth = 0, k = c->i;
	for (; k < c->n; k++) {
		char ch = c->t[k].kind == WEIR_TK_PUNCT ? c->sql[c->t[k].start] : 0;
		if (depth == 0 && (policy_clause(c, k - c->i) || (comma && ch == ',')))
			break;
		depth += ch == '(' ? 1 : ch == ')' ? -1 : 0;
	}
	return k;
}

/* principal [, ...]: names or strings, into a JSON array */
static int principal_list(cp *c, json_t *arr)
{
	for (;;) {
		const weir_wh_tok *t = at(c, 0);
		if (t == NULL || !(is_name(t) || t->kind == WEIR_TK_STRING))
			return bad(c, "a principal is expected");
		json_array_append_new(arr, json_string(t->value));
		c->i++;
		if (!eat_p(c, ','))
			return 0;
	}
}

/* ON { CATALOG | SCHEMA | TABLE } name */
static int policy_on(cp *c, weir_wh_cstmt *o)
{
	if (!eat(c, "ON"))
		return bad(c, "ON { CATALOG | SCHEMA | TABLE } <name> is expected");
	o->sec_type = eat(c, "CATALOG")                        ? "CATALOG"
		      : eat(c, "SCHEMA") || eat(c, "DATABASE") ? "SCHEMA"
		      : eat(c, "TABLE")                        ? "TABLE"
							       : NULL;
	if (o->sec_type == NULL)
		return bad(c, "a policy is on a CATALOG, SCHEMA or TABLE");
	return name(c, o->parts, &o->nparts, "a securable name is expected");
}

/* <name> ON <securable>, and the end: DROP POLICY and DESCRIBE POLICY */
static int policy_named(cp *c, weir_wh_cstmt *o, const char *after)
{
	if (!is_name(at(c, 0)))
		return bad(c, "a policy name is expected");
	o->policy = at(c, 0)->value;
	c->i++;
	if (policy_on(c, o) != 0)
		return -1;
	return end(c, after);
}

/* CREATE [OR REPLACE] POLICY name ON <securable> [COMMENT '...']
 *   { ROW FILTER fn | COLUMN MASK fn } TO principal [, ...] [EXCEPT principal [, ...]]
 *   FOR TABLES [WHEN condition] [MATCH COLUMNS condition [AS] alias [, ...]]
 *   [ON COLUMN alias] [USING COLUMNS (alias | literal [, ...])]
 * The conditions are kept as written; governance/policies.c reads them. */
static int create_policy(cp *c, weir_wh_cstmt *o)
{
	o->kind = WEIR_WH_C_CREATE_POLICY;
	if (!is_name(at(c, 0)))
		return bad(c, "a policy name is expected");
	o->policy = at(c, 0)->value;
	c->i++;
	if (policy_on(c, o) != 0)
		return -1;
	json_t *pi = weir_json_own(c->a, json_object());
	o->policy_info = pi;
	json_object_set_new(pi, "name", json_string(o->policy));
	const char *comment = NULL;
	if (eat(c, "COMMENT")) {
		if (string(c, &comment, "a comment (a string) is expected") != 0)
			return -1;
		json_object_set_new(pi, "comment", json_string(comment));
	}
	bool filter = kw(c, 0, "ROW") && kw(c, 1, "FILTER"), mask = kw(c, 0, "COLUMN") && kw(c, 1, "MASK");
	if (!filter && !mask)
		return bad(c, "ROW FILTER <function> or COLUMN MASK <function> is expected");
	c->i += 2;
	if (name(c, o->fn, &o->nfn, "a function name is expected") != 0) /* its full name: the run's */
		return -1;
	json_object_set_new(pi, "policy_type",
			    json_string(filter ? "POLICY_TYPE_ROW_FILTER" : "POLICY_TYPE_COLUMN_MASK"));
	json_t *opts = json_object();
	json_object_set_new(pi, filter ? "row_filter" : "column_mask", opts);
	if (!eat(c, "TO"))
		return bad(c, "TO <principal> [, ...] is expected");
	json_t *to = json_array();
	json_object_set_new(pi, "to_principals", to);
	if (principal_list(c, to) != 0)
		return -1;
	if (eat(c, "EXCEPT")) {
		json_t *ex = json_array();
		json_object_set_new(pi, "except_principals", ex);
		if (principal_list(c, ex) != 0)
			return -1;
	}
	if (!eat(c, "FOR") || !eat(c, "TABLES"))
		return bad(c, "FOR TABLES is expected");
	json_object_set_new(pi, "for_securable_type", json_string("TABLE"));
	if (eat(c, "WHEN")) {
		int e = policy_run(c, false);
		if (e == c->i)
			return bad(c, "WHEN needs a condition");
		json_object_set_new(pi, "when_condition", json_string(span(c, c->i, e)));
		c->i = e;
	}
	if (kw(c, 0, "MATCH") && kw(c, 1, "COLUMNS")) {
		c->i += 2;
		json_t *match = json_array();
		json_object_set_new(pi, "match_columns", match);
		for (;;) {
			int e = policy_run(c, true);
			/* condition [AS] alias: the alias is the last name of the run */
			if (e - c->i < 2 || !is_name(&c->t[e - 1]))
				return bad(c, "MATCH COLUMNS <condition> [AS] <alias> is expected");
			int ce = e - 1 - (weir_wh_tok_is(&c->t[e - 2], "AS") ? 1 : 0);
			if (ce <= c->i)
				return bad(c, "MATCH COLUMNS <condition> [AS] <alias> is expected");
			json_array_append_new(match, json_pack("{s:s, s:s}", "condition", span(c, c->i, ce), "alias",
							       c->t[e - 1].value));
			c->i = e;
			if (!eat_p(c, ','))
				break;
		}
	}
	if (kw(c, 0, "ON") && kw(c, 1, "COLUMN")) {
		c->i += 2;
		if (!is_name(at(c, 0)))
			return bad(c, "ON COLUMN <alias> is expected");
		json_object_set_new(opts, "on_column", json_string(at(c, 0)->value));
		c->i++;
	}
	if (kw(c, 0, "USING") && kw(c, 1, "COLUMNS")) {
		c->i += 2;
		json_t *using = json_array();
		json_object_set_new(opts, "using", using);
		if (!eat_p(c, '('))
			return bad(c, "USING COLUMNS ( <alias or literal> [, ...] ) is expected");
		while (!eat_p(c, ')')) {
			const weir_wh_tok *t = at(c, 0);
			if (t == NULL)
				return bad(c, "USING COLUMNS ( ... ) is not closed");
			if (t->kind == WEIR_TK_IDENT || t->kind == WEIR_TK_QIDENT)
				json_array_append_new(using, json_pack("{s:s}", "alias", t->value));
			else if (t->kind == WEIR_TK_STRING || t->kind == WEIR_TK_NUMBER)
				json_array_append_new(using, json_pack("{s:s}", "constant",
								       t->value ? t->value : span(c, c->i, c->i + 1)));
			else
				return bad(c, "USING COLUMNS takes aliases and literals");
			c->i++;
			if (!is_p(c, 0, ')') && !eat_p(c, ','))
				return bad(c, "USING COLUMNS ( <alias or literal> [, ...] ) is expected");
		}
	}
	return end(c, "CREATE POLICY");
}

int weir_wh_parse_catalog(weir_arena *a, const char *sql, weir_wh_cstmt *o, weir_error *err)
{
	memset(o, 0, sizeof(*o));
	weir_wh_tok *t;
	int n;
	if (weir_wh_tokenize(a, sql, &t, &n, err) != 0)
		return -1;
	while (n > 0 && t[n - 1].kind == WEIR_TK_PUNCT && sql[t[n - 1].start] == ';')
		n--;
	cp c = {a, sql, t, n, 0, err};
	int rc;
	if (eat(&c, "CREATE")) {
		bool replace = false;
		if (kw(&c, 0, "OR") && kw(&c, 1, "REPLACE")) {
			c.i += 2;
			replace = true;
		}
		if (eat(&c, "CATALOG")) {
			if (replace)
				return bad(&c, "CREATE OR REPLACE CATALOG is not supported");
			o->kind = WEIR_WH_C_CREATE_CATALOG;
			o->sec_type = "CATALOG";
			o->if_not_exists = if_not_exists(&c);
			if (name(&c, o->parts, &o->nparts, "a catalog name is expected") != 0)
				return -1;
			if (o->nparts > 1)
				return bad(&c, "a catalog name has one part");
			if (eat(&c, "COMMENT") && string(&c, &o->comment, "a comment (a string) is expected") != 0)
				return -1;
			return end(&c, "CREATE CATALOG <name> [COMMENT '...']") == 0 ? 1 : -1;
		}
		if (eat(&c, "SCHEMA") || eat(&c, "DATABASE")) {
			if (replace)
				return bad(&c, "CREATE OR REPLACE SCHEMA is not supported");
			o->kind = WEIR_WH_C_CREATE_SCHEMA;
			o->sec_type = "SCHEMA";
			o->if_not_exists = if_not_exists(&c);
			if (name(&c, o->parts, &o->nparts, "a schema name is expected") != 0)
				return -1;
			if (o->nparts > 2)
				return bad(&c, "a schema name has at most two parts");
			if (eat(&c, "COMMENT") && string(&c, &o->comment, "a comment (a string) is expected") != 0)
				return -1;
			return end(&c, "CREATE SCHEMA <name> [COMMENT '...']") == 0 ? 1 : -1;
		}
		if (eat(&c, "VIEW")) {
			o->kind = WEIR_WH_C_CREATE_VIEW;
			o->sec_type = "VIEW";
			o->or_replace = replace;
			o->if_not_exists = if_not_exists(&c);
			if (replace && o->if_not_exists)
				return bad(&c, "CREATE OR REPLACE VIEW cannot have IF NOT EXISTS");
			if (name(&c, o->parts, &o->nparts, "a view name is expected") != 0)
				return -1;
			if (eat(&c, "COMMENT") && string(&c, &o->comment, "a comment (a string) is expected") != 0)
				return -1;
			if (!eat(&c, "AS") || at(&c, 0) == NULL)
				return bad(&c, "CREATE VIEW <name> AS <query> is expected");
			o->body = at(&c, 0)->start;
			return 1;
		}
		if (eat(&c, "FUNCTION")) {
			o->or_replace = replace;
			return create_function(&c, o) == 0 ? 1 : -1;
		}
		if (eat(&c, "POLICY")) {
			o->or_replace = replace;
			return create_policy(&c, o) == 0 ? 1 : -1;
		}
		return 0;
	}
	if (eat(&c, "DROP")) {
		if (eat(&c, "POLICY")) {
			o->kind = WEIR_WH_C_DROP_POLICY;
			o->if_exists = if_exists(&c);
			return policy_named(&c, o, "DROP POLICY <name> ON <securable>") == 0 ? 1 : -1;
		}
		if (eat(&c, "CATALOG")) {
			o->kind = WEIR_WH_C_DROP_CATALOG;
			o->sec_type = "CATALOG";
		} else if (eat(&c, "SCHEMA") || eat(&c, "DATABASE")) {
			o->kind = WEIR_WH_C_DROP_SCHEMA;
			o->sec_type = "SCHEMA";
		} else if (eat(&c, "VIEW")) {
			o->kind = WEIR_WH_C_DROP_VIEW;
			o->sec_type = "VIEW";
		} else {
			return 0;
		}
		o->if_exists = if_exists(&c);
		if (name(&c, o->parts, &o->nparts, "a name is expected") != 0)
			return -1;
		if (o->kind == WEIR_WH_C_DROP_SCHEMA || o->kind == WEIR_WH_C_DROP_CATALOG) {
			if (o->nparts > (o->kind == WEIR_WH_C_DROP_CATALOG ? 1 : 2))
				return bad(&c, o->kind == WEIR_WH_C_DROP_CATALOG
						       ? "a catalog name has one part"
						       : "a schema name has at most two parts");
			if (eat(&c, "CASCADE"))
				o->cascade = true;
			else
				eat(&c, "RESTRICT");
		}
		return end(&c, "DROP <name>") == 0 ? 1 : -1;
	}
	if (eat(&c, "ALTER")) {
		if (!kw(&c, 0, "TABLE") && !kw(&c, 0, "VIEW"))
			return 0;
		return alter(&c, o) == 0 ? 1 : -1;
	}
	if (eat(&c, "COMMENT")) {
		if (!eat(&c, "ON"))
			return 0;
		o->kind = WEIR_WH_C_COMMENT_ON;
		o->sec_type = sec_kind(&c);
		if (o->sec_type == NULL || strcmp(o->sec_type, "METASTORE") == 0 ||
		    strcmp(o->sec_type, "FUNCTION") == 0 || strcmp(o->sec_type, "VOLUME") == 0)
			return bad(&c, "COMMENT ON takes CATALOG, SCHEMA, TABLE or VIEW");
		if (name(&c, o->parts, &o->nparts, "a name is expected") != 0)
			return -1;
		if (!eat(&c, "IS"))
			return bad(&c, "COMMENT ON ... IS '...' is expected");
		if (!eat(&c, "NULL") && string(&c, &o->comment, "a comment (a string or NULL) is expected") != 0)
			return -1;
		if (o->comment == NULL)
			o->comment = "";
		return end(&c, "COMMENT ON ... IS '...'") == 0 ? 1 : -1;
	}
	if (eat(&c, "GRANT") || eat(&c, "REVOKE")) {
		bool grant = weir_wh_tok_is(&t[0], "GRANT");
		o->kind = grant ? WEIR_WH_C_GRANT : WEIR_WH_C_REVOKE;
		if (privileges(&c, o) != 0 || on_securable(&c, o) != 0)
			return -1;
		if (!eat(&c, grant ? "TO" : "FROM"))
			return bad(&c, grant ? "GRANT ... TO <principal> is expected"
					     : "REVOKE ... FROM <principal> is expected");
		if (principal(&c, o) != 0)
			return -1;
		return end(&c, "the principal") == 0 ? 1 : -1;
	}
	if (eat(&c, "SHOW"))
		return show(&c, o) == 0 ? 1 : -1;
	if (eat(&c, "DESCRIBE") || eat(&c, "DESC")) {
		if (eat(&c, "POLICY")) {
			o->kind = WEIR_WH_C_DESCRIBE_POLICY;
			return policy_named(&c, o, "DESCRIBE POLICY <name> ON <securable>") == 0 ? 1 : -1;
		}
		if (kw(&c, 0, "SCHEMA") || kw(&c, 0, "DATABASE") || kw(&c, 0, "CATALOG") || kw(&c, 0, "FUNCTION") ||
		    kw(&c, 0, "QUERY") || kw(&c, 0, "HISTORY"))
			return bad(&c, "DESCRIBE takes a table or view here");
		o->kind = WEIR_WH_C_DESCRIBE;
		eat(&c, "TABLE");
		o->extended = eat(&c, "EXTENDED") || eat(&c, "FORMATTED");
		rc = name(&c, o->parts, &o->nparts, "a table name is expected");
		if (rc != 0)
			return -1;
		return end(&c, "DESCRIBE <table>") == 0 ? 1 : -1;
	}
	return 0;
}
