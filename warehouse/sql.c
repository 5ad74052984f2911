/* The warehouse's reading of statement text (warehouse/sql.h): tokens, table references
 * and their rewriting, CREATE/DROP TABLE, and the Databricks column types. Pure functions
 * over text; no database here. */
#include "warehouse/sql.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"

static int bad(weir_error *err, const char *what)
{
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "statement", "Invalid statement: %s", what);
}

static bool ident_start(unsigned char c) { return isalpha(c) || c == '_' || c >= 0x80; }
static bool ident_char(unsigned char c) { return isalnum(c) || c == '_' || c == '$' || c >= 0x80; }

/* Where the next token starts at or after i: past white space and comments (-- to the end
 * of the line, slash-star to star-slash). len for the end; (size_t)-1 for an unterminated
 * block comment. The one reading of what separates tokens (weir_wh_tokenize,
 * weir_wh_first_word). */
static size_t skip_blank(const char *sql, size_t len, size_t i)
{
	while (i < len) {
		unsigned char c = (unsigned char)sql[i];
		if (isspace(c)) {
			i++;
		} else if (c == '-' && sql[i + 1] == '-') {
			while (i < len && sql[i] != '\n')
				i++;
		} else if (c == '/' && sql[i + 1] == '*') {
			const char *end = strstr(sql + i + 2, "*/");
			if (end == NULL)
				return (size_t)-1;
			i = (size_t)(end - sql) + 2;
		} else {
			break;
		}
	}
	return i;
}

bool weir_wh_first_word(const char *sql, const char *kw)
{
	size_t len = strlen(sql), i = skip_blank(sql, len, 0), n = strlen(kw);
	return i != (size_t)-1 && i + n <= len && strncasecmp(sql + i, kw, n) == 0 &&
	       !ident_char((unsigned char)sql[i + n]);
}

int weir_wh_tokenize(weir_arena *a, const char *sql, weir_wh_tok **out, int *n, weir_error *err)
{
	size_t len = strlen(sql), cap = 64;
	int cnt = 0;
	weir_wh_tok *v = weir_arena_alloc(a, cap * sizeof(*v));
	size_t i = 0;
	for (;;) {
		i = skip_blank(sql, len, i);
		if (i == (size_t)-1)
			return bad(err, "unterminated comment");
		if (i >= len)
			break;
		unsigned char c = (unsigned char)sql[i];
		if ((size_t)cnt == cap) {
			weir_wh_tok *nv = weir_arena_alloc(a, cap * 2 * sizeof(*v));
			memcpy(nv, v, cap * sizeof(*v));
			v = nv;
			cap *= 2;
		}
		weir_wh_tok *t = &v[cnt++];
		t->start = i;
		t->value = NULL;
		if (c == '\'' || c == '"' || c == '`' || c == '[') {
			char close = c == '[' ? ']' : (char)c;
			size_t j = i + 1;
			weir_buf b = {0};
			for (;;) {
				if (j >= len) {
					weir_buf_release(&b);
					return bad(err, c == '\'' ? "unterminated string"
								  : "unterminated quoted identifier");
				}
				if (sql[j] == close) {
					if (close != ']' && sql[j + 1] == close) { /* doubled: one quote */
						weir_buf_append(&b, &close, 1);
						j += 2;
						continue;
					}
					break;
				}
				weir_buf_append(&b, sql + j, 1);
				j++;
			}
			t->kind = c == '\'' ? WEIR_TK_STRING : WEIR_TK_QIDENT;
			t->len = j + 1 - i;
			t->value = weir_arena_strndup(a, b.data ? b.data : "", b.len);
			weir_buf_release(&b);
			i = j + 1;
		} else if (ident_start(c)) {
			size_t j = i;
			while (j < len && ident_char((unsigned char)sql[j]))
				j++;
			t->kind = WEIR_TK_IDENT;
			t->len = j - i;
			t->value = weir_arena_strndup(a, sql + i, j - i);
			i = j;
		} else if (isdigit(c) || (c == '.' && isdigit((unsigned char)sql[i + 1]))) {
			size_t j = i;
			while (j < len &&
			       (isalnum((unsigned char)sql[j]) || sql[j] == '.' ||
				((sql[j] == '+' || sql[j] == '-') && (sql[j - 1] == 'e' || sql[j - 1] == 'E'))))
				j++;
			t->kind = WEIR_TK_NUMBER;
			t->len = j - i;
			i = j;
		} else {
			t->kind = WEIR_TK_PUNCT;
			t->len = 1;
			i++;
		}
	}
	*out = v;
	*n = cnt;
	return 0;
}

bool weir_wh_tok_is(const weir_wh_tok *t, const char *kw)
{
	return t && t->kind == WEIR_TK_IDENT && strcasecmp(t->value, kw) == 0;
}

static bool punct(const char *sql, const weir_wh_tok *t, char c)
{
	return t && t->kind == WEIR_TK_PUNCT && sql[t->start] == c;
}

static bool is_name(const weir_wh_tok *t) { return t && (t->kind == WEIR_TK_IDENT || t->kind == WEIR_TK_QIDENT); }

/* Words that may follow a table reference and so are not its alias. */
static const char *const not_alias[] = {
	"WHERE",  "JOIN",   "INNER",   "LEFT",  "RIGHT",     "FULL",    "CROSS", "NATURAL",   "OUTER",  "ON",
	"USING",  "GROUP",  "ORDER",   "LIMIT", "HAVING",    "WINDOW",  "UNION", "INTERSECT", "EXCEPT", "SET",
	"VALUES", "SELECT", "DEFAULT", "WITH",  "RETURNING", "INDEXED", "NOT",   "AS",        "FROM",   "OFFSET",
	"DO",     "WHEN",   "THEN",    "ELSE",  "END",       "AND",     "OR",    NULL};

/* Words that end a FROM list at their depth (not ON: a join's ON expression has no comma at
 * its own depth, so `FROM a JOIN b ON x, c` lists c). */
static const char *const list_end[] = {"WHERE",     "GROUP",  "ORDER",     "LIMIT", "HAVING", "WINDOW", "UNION",
				       "INTERSECT", "EXCEPT", "RETURNING", "SET",   "VALUES", "SELECT", NULL};

static bool in_words(const weir_wh_tok *t, const char *const *words)
{
	if (t == NULL || t->kind != WEIR_TK_IDENT)
		return false;
	for (int i = 0; words[i]; i++)
		if (strcasecmp(t->value, words[i]) == 0)
			return true;
	return false;
}

/* Index of the token after the parenthesis group that opens at i (or n). */
static int skip_parens(const char *sql, const weir_wh_tok *t, int n, int i)
{
	int depth = 0;
	for (; i < n; i++) {
		if (punct(sql, &t[i], '('))
			depth++;
		else if (punct(sql, &t[i], ')') && --depth == 0)
			return i + 1;
	}
	return n;
}

/* CTE names: NAME [ (cols) ] AS [NOT] [MATERIALIZED] ( */
static bool is_cte_name(const char *sql, const weir_wh_tok *t, int n, int i)
{
	if (!is_name(&t[i]))
		return false;
	int j = i + 1;
	if (j < n && punct(sql, &t[j], '('))
		j = skip_parens(sql, t, n, j);
	if (j >= n || !weir_wh_tok_is(&t[j], "AS"))
		return false;
	j++;
	if (j < n && weir_wh_tok_is(&t[j], "NOT"))
		j++;
	if (j < n && weir_wh_tok_is(&t[j], "MATERIALIZED"))
		j++;
	return j < n && punct(sql, &t[j], '(');
}

#define MAX_DEPTH 64

int weir_wh_scan_refs(weir_arena *a, const char *sql, weir_wh_scan *out, weir_error *err)
{
	weir_wh_tok *t;
	int n;
	memset(out, 0, sizeof(*out));
	if (weir_wh_tokenize(a, sql, &t, &n, err) != 0)
		return -1;
	while (n > 0 && punct(sql, &t[n - 1], ';')) /* trailing semicolons */
		n--;
	for (int i = 0; i < n; i++)
		if (punct(sql, &t[i], ';'))
			return bad(err, "one statement at a time");
	if (n == 0)
		return bad(err, "the statement is empty");

	/* kind: the first word, and after a WITH clause the word that follows it */
	int k = 0;
	while (k < n && punct(sql, &t[k], '('))
		k++;
	out->kind = WEIR_WH_KIND_OTHER;
	out->first_word = k < n && t[k].kind == WEIR_TK_IDENT ? weir_arena_strdup(a, t[k].value) : "";
	for (char *p = (char *)out->first_word; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	if (k < n && weir_wh_tok_is(&t[k], "WITH")) {
		/* skip the CTE list to the main statement */
		int j = k + 1;
		if (j < n && weir_wh_tok_is(&t[j], "RECURSIVE"))
			j++;
		while (j < n) {
			if (!is_name(&t[j]))
				break;
			j++;
			if (j < n && punct(sql, &t[j], '('))
				j = skip_parens(sql, t, n, j);
			while (j < n && !punct(sql, &t[j], '('))
				j++;
			j = skip_parens(sql, t, n, j);
			if (j < n && punct(sql, &t[j], ','))
				j++;
			else
				break;
		}
		k = j;
	}
	if (k < n) {
		if (weir_wh_tok_is(&t[k], "SELECT") || weir_wh_tok_is(&t[k], "VALUES"))
			out->kind = WEIR_WH_KIND_QUERY;
		else if (weir_wh_tok_is(&t[k], "INSERT") || weir_wh_tok_is(&t[k], "REPLACE") ||
			 weir_wh_tok_is(&t[k], "UPDATE") || weir_wh_tok_is(&t[k], "DELETE"))
			out->kind = WEIR_WH_KIND_DML;
		else if (weir_wh_tok_is(&t[k], "CREATE") && k + 1 < n && weir_wh_tok_is(&t[k + 1], "TABLE"))
			out->kind = WEIR_WH_KIND_CREATE_TABLE;
		else if (weir_wh_tok_is(&t[k], "DROP") && k + 1 < n && weir_wh_tok_is(&t[k + 1], "TABLE"))
			out->kind = WEIR_WH_KIND_DROP_TABLE;
	}
	if (out->kind == WEIR_WH_KIND_CREATE_TABLE || out->kind == WEIR_WH_KIND_DROP_TABLE ||
	    out->kind == WEIR_WH_KIND_OTHER)
		return 0; /* no rewriting: the engine answers these itself (or refuses) */

	/* CTE names, which are not tables */
	const char **ctes = weir_arena_alloc(a, (size_t)n * sizeof(*ctes) + 1);
	int nctes = 0;
	for (int i = 0; i < n; i++)
		if (is_cte_name(sql, t, n, i))
			ctes[nctes++] = t[i].value;

	int cap = 8;
	out->refs = weir_arena_alloc(a, (size_t)cap * sizeof(*out->refs));
	bool from_list[MAX_DEPTH] = {false};
	int depth = 0;
	for (int i = 0; i < n; i++) {
		const weir_wh_tok *tk = &t[i];
		if (punct(sql, tk, '(')) {
			if (++depth >= MAX_DEPTH)
				return bad(err, "too deeply nested");
			from_list[depth] = false;
			continue;
		}
		if (punct(sql, tk, ')')) {
			if (depth > 0)
				depth--;
			continue;
		}
		if (in_words(tk, list_end)) /* (an ON expression has no comma at its own depth) */
			from_list[depth] = false;
		bool starts = false;
		weir_wh_ref_role role = WEIR_WH_REF_READ;
		if (weir_wh_tok_is(tk, "FROM")) {
			if (i > 0 && weir_wh_tok_is(&t[i - 1], "DISTINCT")) /* IS [NOT] DISTINCT FROM */
				continue;
			starts = true;
			if (i > 0 && weir_wh_tok_is(&t[i - 1], "DELETE"))
				role = WEIR_WH_REF_WRITE;
			else
				from_list[depth] = true;
		} else if (weir_wh_tok_is(tk, "JOIN")) {
			starts = true;
		} else if (weir_wh_tok_is(tk, "INTO") || weir_wh_tok_is(tk, "UPDATE")) {
			/* UPDATE after ON CONFLICT DO is not a table */
			if (weir_wh_tok_is(tk, "UPDATE") && i > 0 && weir_wh_tok_is(&t[i - 1], "DO"))
				continue;
			starts = true;
			role = WEIR_WH_REF_WRITE;
		} else if (punct(sql, tk, ',') && from_list[depth]) {
			starts = true;
		}
		if (!starts || i + 1 >= n || !is_name(&t[i + 1]))
			continue;
		/* UPDATE OR REPLACE / INSERT OR ... INTO: the name follows the conflict clause */
		if (weir_wh_tok_is(tk, "UPDATE") && weir_wh_tok_is(&t[i + 1], "OR") && i + 3 < n) {
			i += 2;
			if (!is_name(&t[i + 1]))
				continue;
		}
		int j = i + 1, np = 0;
		const char *parts[4] = {NULL, NULL, NULL, NULL};
		for (;;) {
			if (np == 4)
				return bad(err, "a table name has at most three parts");
			parts[np++] = t[j].value;
			if (j + 2 < n && punct(sql, &t[j + 1], '.') && is_name(&t[j + 2]) &&
			    t[j + 1].start == t[j].start + t[j].len && t[j + 2].start == t[j + 1].start + 1) {
				j += 2;
				continue;
			}
			break;
		}
		if (np == 4)
			return bad(err, "a table name has at most three parts");
		if (j + 1 < n && punct(sql, &t[j + 1], '(') && role == WEIR_WH_REF_READ) {
			i = j; /* a table-valued function: not a table */
			continue;
		}
		if (np == 1 && role == WEIR_WH_REF_READ) {
			bool cte = false;
			for (int c = 0; c < nctes && !cte; c++)
				cte = strcasecmp(ctes[c], parts[0]) == 0;
			if (cte) {
				i = j;
				continue;
			}
		}
		if (out->nrefs == cap) {
			weir_wh_ref *nr = weir_arena_alloc(a, (size_t)cap * 2 * sizeof(*nr));
			memcpy(nr, out->refs, (size_t)cap * sizeof(*nr));
			out->refs = nr;
			cap *= 2;
		}
		weir_wh_ref *r = &out->refs[out->nrefs++];
		memset(r, 0, sizeof(*r));
		for (int p = 0; p < np; p++)
			r->parts[p] = parts[p];
		r->nparts = np;
		r->start = t[i + 1].start;
		r->end = t[j].start + t[j].len;
		r->role = role;
		const weir_wh_tok *nx = j + 1 < n ? &t[j + 1] : NULL;
		r->has_alias = nx && (weir_wh_tok_is(nx, "AS") || nx->kind == WEIR_TK_QIDENT ||
				      (nx->kind == WEIR_TK_IDENT && !in_words(nx, not_alias)));
		i = j;
	}
	return 0;
}

void weir_wh_append_ident(weir_buf *b, const char *s)
{
	weir_buf_append(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"')
			weir_buf_append(b, "\"", 1);
		weir_buf_append(b, s, 1);
	}
	weir_buf_append(b, "\"", 1);
}

char *weir_wh_rewrite_with(weir_arena *a, const char *sql, const weir_wh_ref *refs, int nrefs, const char *const *repl)
{
	weir_buf b = {0};
	size_t at = 0;
	for (int i = 0; i < nrefs; i++) {
		weir_buf_append(&b, sql + at, refs[i].start - at);
		weir_buf_append(&b, repl[i], strlen(repl[i]));
		if (!refs[i].has_alias) {
			weir_buf_append(&b, " AS ", 4);
			weir_wh_append_ident(&b, refs[i].parts[refs[i].nparts - 1]);
		}
		at = refs[i].end;
	}
	weir_buf_append(&b, sql + at, strlen(sql + at));
	char *s = weir_arena_strndup(a, b.data ? b.data : "", b.len);
	weir_buf_release(&b);
	return s;
}

char *weir_wh_rewrite(weir_arena *a, const char *sql, const weir_wh_ref *refs, int nrefs, const char *const *aliases)
{
	const char **repl = weir_arena_alloc(a, (size_t)(nrefs + 1) * sizeof(*repl));
	for (int i = 0; i < nrefs; i++) {
		weir_buf b = {0};
		weir_wh_append_ident(&b, aliases[i]);
		weir_buf_append(&b, "." WEIR_WH_FILE_TABLE, 2);
		repl[i] = weir_arena_strndup(a, b.data, b.len);
		weir_buf_release(&b);
	}
	return weir_wh_rewrite_with(a, sql, refs, nrefs, repl);
}

int weir_wh_subst_params(weir_arena *a, const char *body, const char *const *names, const char *const *repl, int n,
			 const char **out, weir_error *err)
{
	weir_wh_tok *t;
	int nt;
	if (weir_wh_tokenize(a, body, &t, &nt, err) != 0)
		return -1;
	weir_buf b = {0};
	size_t at = 0;
	for (int i = 0; i < nt; i++) {
		if (!is_name(&t[i]) || (i > 0 && punct(body, &t[i - 1], '.')) ||
		    (i + 1 < nt && (punct(body, &t[i + 1], '(') || punct(body, &t[i + 1], '.'))))
			continue;
		for (int k = 0; k < n; k++)
			if (strcasecmp(t[i].value, names[k]) == 0) {
				weir_buf_append(&b, body + at, t[i].start - at);
				weir_buf_append(&b, repl[k], strlen(repl[k]));
				at = t[i].start + t[i].len;
				break;
			}
	}
	weir_buf_append(&b, body + at, strlen(body + at));
	*out = weir_arena_strndup(a, b.data ? b.data : "", b.len);
	weir_buf_release(&b);
	return 0;
}

const char *weir_wh_quote_name(weir_arena *a, const char *name)
{
	weir_buf b = {0};
	weir_buf_append(&b, "`", 1);
	for (const char *c = name; *c; c++) {
		if (*c == '`')
			weir_buf_append(&b, "`", 1);
		weir_buf_append(&b, c, 1);
	}
	weir_buf_append(&b, "`", 1);
	const char *s = weir_arena_strndup(a, b.data, b.len);
	weir_buf_release(&b);
	return s;
}

/* ---------------------------------------------------------------- types */

static void set_type(weir_wh_type *o, const char *type_name, const char *text, const char *json, const char *decl)
{
	memset(o, 0, sizeof(*o));
	o->type_name = type_name;
	snprintf(o->type_text, sizeof(o->type_text), "%s", text);
	snprintf(o->json_type, sizeof(o->json_type), "%s", json);
	snprintf(o->decl, sizeof(o->decl), "%s", decl);
}

static void set_decimal(weir_wh_type *o, int p, int s)
{
	char text[40];
	snprintf(text, sizeof(text), "decimal(%d,%d)", p, s);
	char decl[48];
	snprintf(decl, sizeof(decl), "DECIMAL(%d,%d)", p, s);
	set_type(o, "DECIMAL", text, text, decl);
	o->precision = p;
	o->scale = s;
}

/* name, UC type_name, type_text, Spark json type, declared type in the file (its first word
 * is the key back; the rest gives SQLite the right affinity) */
static const struct {
	const char *word, *type_name, *text, *json, *decl;
} types[] = {
	{"INT", "INT", "int", "integer", "INT"},
	{"INTEGER", "INT", "int", "integer", "INT"},
	{"BIGINT", "LONG", "bigint", "long", "BIGINT"},
	{"LONG", "LONG", "bigint", "long", "BIGINT"},
	{"SMALLINT", "SHORT", "smallint", "short", "SMALLINT"},
	{"SHORT", "SHORT", "smallint", "short", "SMALLINT"},
	{"TINYINT", "BYTE", "tinyint", "byte", "TINYINT"},
	{"BYTE", "BYTE", "tinyint", "byte", "TINYINT"},
	{"DOUBLE", "DOUBLE", "double", "double", "DOUBLE"},
	{"FLOAT", "FLOAT", "float", "float", "FLOAT"},
	{"REAL", "FLOAT", "float", "float", "FLOAT"},
	{"STRING", "STRING", "string", "string", "STRING TEXT"},
	{"BOOLEAN", "BOOLEAN", "boolean", "boolean", "BOOLEAN"},
	{"DATE", "DATE", "date", "date", "DATE TEXT"},
	{"TIMESTAMP", "TIMESTAMP", "timestamp", "timestamp", "TIMESTAMP TEXT"},
	/* nested types are JSON text; these rows give a result column's type from its declared
	 * type (the element types are the catalog's) and a file's declaration */
	{"ARRAY", "ARRAY", "array", "array", "ARRAY TEXT"},
	{"MAP", "MAP", "map", "map", "MAP TEXT"},
	{"STRUCT", "STRUCT", "struct", "struct", "STRUCT TEXT"},
};

bool weir_wh_type_is_complex(const char *type_name)
{
	return type_name &&
	       (strcmp(type_name, "ARRAY") == 0 || strcmp(type_name, "MAP") == 0 || strcmp(type_name, "STRUCT") == 0);
}

json_t *weir_wh_type_json(const weir_wh_type *t)
{
	if (t->json_type[0] == '{') {
		json_t *o = json_loads(t->json_type, 0, NULL);
		if (o)
			return o;
	}
	return json_string(t->json_type);
}

void weir_wh_append_coldef(weir_buf *b, const char *name, const weir_wh_type *t, bool not_null)
{
	weir_wh_append_ident(b, name);
	weir_buf_appendf(b, " %s", t->decl);
	if (not_null)
		weir_buf_append(b, " NOT NULL", 9);
	/* a nested type's value is JSON text of its shape: an array, or an object (MAP, STRUCT).
	 * The check is by its first character: SQLite's JSON functions are not innocuous, and a
	 * file's schema may only use innocuous ones (the engine turns trusted_schema off) */
	if (weir_wh_type_is_complex(t->type_name)) {
		weir_buf_append(b, " CHECK (", 8);
		weir_wh_append_ident(b, name);
		weir_buf_append(b, " IS NULL OR substr(ltrim(", 25);
		weir_wh_append_ident(b, name);
		weir_buf_appendf(b, "), 1, 1) = '%s')", strcmp(t->type_name, "ARRAY") == 0 ? "[" : "{");
	}
}

static bool type_word(const char *w, weir_wh_type *out)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(w, types[i].word) == 0) {
			set_type(out, types[i].type_name, types[i].text, types[i].json, types[i].decl);
			return true;
		}
	return false;
}

static bool small_int(const char *sql, const weir_wh_tok *t, int *v)
{
	if (t == NULL || t->kind != WEIR_TK_NUMBER || t->len > 3)
		return false;
	*v = 0;
	for (size_t i = 0; i < t->len; i++) {
		if (!isdigit((unsigned char)sql[t->start + i]))
			return false;
		*v = *v * 10 + (sql[t->start + i] - '0');
	}
	return true;
}

#define NESTED_DEPTH 16

static int nested(const char *sql, const weir_wh_tok *t, int n, int *i, int depth, weir_buf *text, json_t **json,
		  weir_error *err);

/* The '>' closing a nested type; ">>" is two tokens here (the tokenizer's punctuation is one
 * character each). */
static int close_angle(const char *sql, const weir_wh_tok *t, int n, int *i, weir_error *err)
{
	if (*i >= n || !punct(sql, &t[*i], '>'))
		return bad(err, "a nested type is missing '>'");
	(*i)++;
	return 0;
}

/* ARRAY<t>, MAP<k, v>, STRUCT<name[:] t, ...> after the word at t[*i - 1]: its text (Databricks'
 * lowercase form) into text and its Spark JSON type object into *json. */
static int complex_type(const char *sql, const weir_wh_tok *t, int n, int *i, const char *word, int depth,
			weir_buf *text, json_t **json, weir_error *err)
{
	if (depth > NESTED_DEPTH)
		return bad(err, "types are nested more than 16 deep");
	if (*i >= n || !punct(sql, &t[*i], '<'))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
					"Invalid statement: %s needs its element types: %s<...>", word, word);
	(*i)++;
	json_t *a = NULL, *b = NULL;
	if (strcasecmp(word, "ARRAY") == 0) {
		weir_buf_append(text, "array<", 6);
		if (nested(sql, t, n, i, depth + 1, text, &a, err) != 0 || close_angle(sql, t, n, i, err) != 0)
			goto fail;
		weir_buf_append(text, ">", 1);
		*json = json_pack("{s:s, s:o, s:b}", "type", "array", "elementType", a, "containsNull", 1);
		return 0;
	}
	if (strcasecmp(word, "MAP") == 0) {
		weir_buf_append(text, "map<", 4);
		if (nested(sql, t, n, i, depth + 1, text, &a, err) != 0)
			goto fail;
		if (*i >= n || !punct(sql, &t[*i], ',')) {
			bad(err, "MAP<k, v> needs a key type and a value type");
			goto fail;
		}
		(*i)++;
		weir_buf_append(text, ",", 1);
		if (nested(sql, t, n, i, depth + 1, text, &b, err) != 0 || close_angle(sql, t, n, i, err) != 0)
			goto fail;
		weir_buf_append(text, ">", 1);
		*json = json_pack("{s:s, s:o, s:o, s:b}", "type", "map", "keyType", a, "valueType", b,
				  "valueContainsNull", 1);
		return 0;
	}
	/* STRUCT */
	weir_buf_append(text, "struct<", 7);
	json_t *fields = json_array();
	for (int k = 0;; k++) {
		if (*i >= n || (t[*i].kind != WEIR_TK_IDENT && t[*i].kind != WEIR_TK_QIDENT)) {
			json_decref(fields);
			return bad(err, "STRUCT<name type, ...> needs a field name");
		}
		const char *name = t[*i].value;
		for (size_t f = 0; f < json_array_size(fields); f++)
			if (strcasecmp(json_string_value(json_object_get(json_array_get(fields, f), "name")), name) ==
			    0) {
				json_decref(fields);
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
							"Invalid statement: STRUCT has two fields named '%.64s'", name);
			}
		(*i)++;
		if (*i < n && punct(sql, &t[*i], ':'))
			(*i)++;
		weir_buf_appendf(text, "%s%s:", k ? "," : "", name);
		json_t *ft = NULL;
		if (nested(sql, t, n, i, depth + 1, text, &ft, err) != 0) {
			json_decref(fields);
			return -1;
		}
		json_array_append_new(fields, json_pack("{s:s, s:o, s:b, s:{}}", "name", name, "type", ft, "nullable",
							1, "metadata"));
		if (*i < n && punct(sql, &t[*i], ',')) {
			(*i)++;
			continue;
		}
		break;
	}
	if (close_angle(sql, t, n, i, err) != 0) {
		json_decref(fields);
		return -1;
	}
	weir_buf_append(text, ">", 1);
	*json = json_pack("{s:s, s:o}", "type", "struct", "fields", fields);
	return 0;
fail:
	json_decref(a);
	json_decref(b);
	return -1;
}

static bool is_complex_word(const char *w)
{
	return strcasecmp(w, "ARRAY") == 0 || strcasecmp(w, "MAP") == 0 || strcasecmp(w, "STRUCT") == 0;
}

/* One type inside a nested type: a complex one, or a simple one through weir_wh_type_parse. */
static int nested(const char *sql, const weir_wh_tok *t, int n, int *i, int depth, weir_buf *text, json_t **json,
		  weir_error *err)
{
	if (*i < n && t[*i].kind == WEIR_TK_IDENT && is_complex_word(t[*i].value)) {
		const char *w = t[*i].value;
		(*i)++;
		return complex_type(sql, t, n, i, w, depth, text, json, err);
	}
	weir_wh_type simple;
	if (weir_wh_type_parse(sql, t, n, i, &simple, err) != 0)
		return -1;
	weir_buf_appendf(text, "%s", simple.type_text);
	*json = json_string(simple.json_type);
	return 0;
}

int weir_wh_type_parse(const char *sql, const weir_wh_tok *t, int n, int *i, weir_wh_type *out, weir_error *err)
{
	if (*i >= n || t[*i].kind != WEIR_TK_IDENT)
		return bad(err, "a column needs a type");
	const char *w = t[*i].value;
	(*i)++;
	if (is_complex_word(w)) {
		weir_buf text = {0};
		json_t *json = NULL;
		if (complex_type(sql, t, n, i, w, 0, &text, &json, err) != 0) {
			weir_buf_release(&text);
			return -1;
		}
		type_word(w, out); /* type_name and decl */
		char *js = json_dumps(json, JSON_COMPACT);
		json_decref(json);
		bool fits = text.len < sizeof(out->type_text) && js && strlen(js) < sizeof(out->json_type);
		if (fits) {
			snprintf(out->type_text, sizeof(out->type_text), "%.*s", (int)text.len, text.data);
			snprintf(out->json_type, sizeof(out->json_type), "%s", js);
		}
		free(js);
		weir_buf_release(&text);
		if (!fits)
			return bad(err,
				   "a nested type this long is not available (its text is at most 127 characters)");
		return 0;
	}
	if (strcasecmp(w, "DECIMAL") == 0 || strcasecmp(w, "DEC") == 0 || strcasecmp(w, "NUMERIC") == 0) {
		int p = 10, s = 0;
		if (*i < n && punct(sql, &t[*i], '(')) {
			if (!small_int(sql, *i + 1 < n ? &t[*i + 1] : NULL, &p))
				return bad(err, "DECIMAL(p,s) needs a precision");
			*i += 2;
			if (*i < n && punct(sql, &t[*i], ',')) {
				if (!small_int(sql, *i + 1 < n ? &t[*i + 1] : NULL, &s))
					return bad(err, "DECIMAL(p,s) needs a scale");
				*i += 2;
			}
			if (*i >= n || !punct(sql, &t[*i], ')'))
				return bad(err, "DECIMAL(p,s) is missing ')'");
			(*i)++;
		}
		if (p < 1 || p > 38 || s < 0 || s > p)
			return bad(err, "DECIMAL precision is 1..38 and its scale 0..precision");
		set_decimal(out, p, s);
		return 0;
	}
	if (strcasecmp(w, "VARCHAR") == 0 || strcasecmp(w, "CHAR") == 0) {
		int len;
		if (*i + 2 >= n || !punct(sql, &t[*i], '(') || !small_int(sql, &t[*i + 1], &len) ||
		    !punct(sql, &t[*i + 2], ')'))
			return bad(err, "VARCHAR and CHAR need a length");
		*i += 3;
		type_word("STRING", out);
		return 0;
	}
	if (!type_word(w, out)) {
		return weir_error_field(
			err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
			"Invalid statement: unsupported column type '%.64s' (this warehouse has INT, "
			"BIGINT, SMALLINT, TINYINT, DOUBLE, FLOAT, DECIMAL(p,s), STRING, BOOLEAN, DATE, "
			"TIMESTAMP, ARRAY<t>, MAP<k,v>, STRUCT<name t, ...>)",
			w);
	}
	return 0;
}

bool weir_wh_type_from_uc(const char *type_name, int precision, int scale, weir_wh_type *out)
{
	if (type_name == NULL)
		return false;
	if (strcmp(type_name, "DECIMAL") == 0) {
		set_decimal(out, precision > 0 && precision <= 38 ? precision : 10,
			    scale >= 0 && scale <= precision ? scale : 0);
		return true;
	}
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type_name, types[i].type_name) == 0) {
			set_type(out, types[i].type_name, types[i].text, types[i].json, types[i].decl);
			return true;
		}
	return false;
}

void weir_wh_type_from_decl(const char *decl, int storage_class, weir_wh_type *out)
{
	if (decl && *decl) {
		char w[24];
		size_t k = 0;
		while (decl[k] && decl[k] != ' ' && decl[k] != '(' && k + 1 < sizeof(w)) {
			w[k] = decl[k];
			k++;
		}
		w[k] = '\0';
		if (strcasecmp(w, "DECIMAL") == 0) {
			int p = 10, s = 0;
			if (decl[k] == '(' && sscanf(decl + k, "(%d,%d)", &p, &s) < 1)
				p = 10;
			set_decimal(out, p, s);
			return;
		}
		if (type_word(w, out))
			return;
		if (strcasecmp(w, "TEXT") == 0) {
			type_word("STRING", out);
			return;
		}
	}
	switch (storage_class) {
	case 1: type_word("BIGINT", out); return;
	case 2: type_word("DOUBLE", out); return;
	default: type_word("STRING", out); return;
	}
}

/* ---------------------------------------------------------------- CREATE / DROP TABLE */

static int ddl_name(weir_arena *a, const char *sql, const weir_wh_tok *t, int n, int *i, weir_wh_ddl *out,
		    weir_error *err)
{
	(void)a;
	out->nparts = 0;
	for (;;) {
		if (*i >= n || !is_name(&t[*i]))
			return bad(err, "a table name is expected");
		if (out->nparts == 3)
			return bad(err, "a table name has at most three parts");
		out->parts[out->nparts++] = t[*i].value;
		(*i)++;
		if (*i < n && punct(sql, &t[*i], '.')) {
			(*i)++;
			continue;
		}
		return 0;
	}
}

int weir_wh_parse_ddl(weir_arena *a, const char *sql, weir_wh_kind kind, weir_wh_ddl *out, weir_error *err)
{
	weir_wh_tok *t;
	int n;
	memset(out, 0, sizeof(*out));
	if (weir_wh_tokenize(a, sql, &t, &n, err) != 0)
		return -1;
	while (n > 0 && punct(sql, &t[n - 1], ';'))
		n--;
	int i = 2; /* CREATE TABLE / DROP TABLE */
	if (n < 3)
		return bad(err, "a table name is expected");
	if (kind == WEIR_WH_KIND_DROP_TABLE) {
		if (weir_wh_tok_is(&t[i], "IF") && i + 1 < n && weir_wh_tok_is(&t[i + 1], "EXISTS")) {
			out->if_exists = true;
			i += 2;
		}
		if (ddl_name(a, sql, t, n, &i, out, err) != 0)
			return -1;
		return i == n ? 0 : bad(err, "unexpected text after DROP TABLE <name>");
	}
	if (weir_wh_tok_is(&t[i], "IF") && i + 2 < n && weir_wh_tok_is(&t[i + 1], "NOT") &&
	    weir_wh_tok_is(&t[i + 2], "EXISTS")) {
		out->if_exists = true;
		i += 3;
	}
	if (ddl_name(a, sql, t, n, &i, out, err) != 0)
		return -1;
	if (i < n && punct(sql, &t[i], '(')) {
		i++;
		int cap = 8;
		out->cols = weir_arena_alloc(a, (size_t)cap * sizeof(*out->cols));
		for (;;) {
			if (i >= n || !is_name(&t[i]))
				return bad(err, "a column name is expected");
			if (out->ncols == cap) {
				weir_wh_coldef *nc = weir_arena_alloc(a, (size_t)cap * 2 * sizeof(*nc));
				memcpy(nc, out->cols, (size_t)cap * sizeof(*nc));
				out->cols = nc;
				cap *= 2;
			}
			weir_wh_coldef *c = &out->cols[out->ncols++];
			memset(c, 0, sizeof(*c));
			c->name = t[i].value;
			c->nullable = true;
			if (*c->name == '\0' || strlen(c->name) > 255)
				return bad(err, "a column name has 1 to 255 characters");
			for (int k = 0; k < out->ncols - 1; k++)
				if (strcasecmp(out->cols[k].name, c->name) == 0)
					return bad(err, "duplicate column name");
			i++;
			if (weir_wh_type_parse(sql, t, n, &i, &c->type, err) != 0)
				return -1;
			for (;;) {
				if (i + 1 < n && weir_wh_tok_is(&t[i], "NOT") && weir_wh_tok_is(&t[i + 1], "NULL")) {
					c->nullable = false;
					i += 2;
				} else if (i + 1 < n && weir_wh_tok_is(&t[i], "COMMENT") &&
					   t[i + 1].kind == WEIR_TK_STRING) {
					c->comment = t[i + 1].value;
					i += 2;
				} else {
					break;
				}
			}
			if (i < n && punct(sql, &t[i], ',')) {
				i++;
				continue;
			}
			if (i < n && punct(sql, &t[i], ')')) {
				i++;
				break;
			}
			return bad(err, "expected ',' or ')' after a column definition");
		}
	}
	for (;;) {
		if (i + 1 < n && weir_wh_tok_is(&t[i], "USING") && weir_wh_tok_is(&t[i + 1], "DELTA")) {
			i += 2;
		} else if (i + 1 < n && weir_wh_tok_is(&t[i], "COMMENT") && t[i + 1].kind == WEIR_TK_STRING) {
			out->comment = t[i + 1].value;
			i += 2;
		} else {
			break;
		}
	}
	if (i < n && weir_wh_tok_is(&t[i], "AS")) {
		if (out->ncols > 0)
			return bad(err, "CREATE TABLE ... AS takes its columns from the query");
		if (i + 1 >= n)
			return bad(err, "CREATE TABLE ... AS needs a query");
		out->as_query = t[i + 1].start;
		return 0;
	}
	if (i != n)
		return bad(err, "unexpected text in CREATE TABLE (this warehouse takes columns, USING DELTA, "
				"COMMENT and AS <query>)");
	if (out->ncols == 0)
		return bad(err, "CREATE TABLE needs columns or AS <query>");
	return 0;
}
