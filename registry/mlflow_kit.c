/* MLflow's search-filter grammar as the registry and tracking both read it: the tokens
 * (whitespace, keywords, quoted runs, comparators), clauses and their values, and LIKE
 * patterns as SQLite GLOB patterns (registry/mlflow_kit.h says what stays with each side). */
#include "registry/mlflow_kit.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"

bool weir_mlflow_op_numeric(weir_mlflow_op op) { return op <= WEIR_MLFLOW_OP_GE; }

bool weir_mlflow_op_like(weir_mlflow_op op) { return op == WEIR_MLFLOW_OP_LIKE || op == WEIR_MLFLOW_OP_ILIKE; }

void weir_mlflow_skip_ws(const char **p)
{
	while (**p && isspace((unsigned char)**p))
		(*p)++;
}

bool weir_mlflow_lex_word(const char **p, const char *w)
{
	weir_mlflow_skip_ws(p);
	size_t n = strlen(w);
	if (strncasecmp(*p, w, n) != 0 || isalnum((unsigned char)(*p)[n]) || (*p)[n] == '_')
		return false;
	*p += n;
	return true;
}

const char *weir_mlflow_lex_quoted(weir_arena *a, const char **p)
{
	char q = **p;
	const char *start = ++*p;
	while (**p && **p != q)
		(*p)++;
	if (**p != q)
		return NULL;
	const char *v = weir_arena_strndup(a, start, (size_t)(*p - start));
	(*p)++;
	return v;
}

json_t *weir_mlflow_page(weir_arena *a, int n, int64_t max, int64_t offset, bool url_token, const char *key,
			 json_t *(*one)(void *ctx, int i, weir_error *err), void *ctx, weir_error *err)
{
	json_t *list = json_array();
	for (int i = 0; i < n && i < max; i++) {
		json_t *o = one(ctx, i, err);
		if (o == NULL) {
			json_decref(list);
			return NULL;
		}
		json_array_append_new(list, o);
	}
	json_t *out = json_object();
	if (json_array_size(list))
		json_object_set_new(out, key, list);
	else
		json_decref(list);
	if (n > max)
		json_object_set_new(out, "next_page_token",
				    json_string(weir_page_token_offset(a, offset + max, url_token)));
	return out;
}

int weir_mlflow_lex_list_sep(const char **p)
{
	weir_mlflow_skip_ws(p);
	if (**p != ',' && **p != ')')
		return -1;
	return *(*p)++ == ',';
}

int weir_mlflow_lex_cmp(const char **p, weir_mlflow_op *op, const char **why)
{
	/* two-character symbols before their one-character prefixes */
	static const struct {
		const char *s;
		weir_mlflow_op op;
	} sym[] = {
		{"!=", WEIR_MLFLOW_OP_NE}, {"<>", WEIR_MLFLOW_OP_NE}, {"<=", WEIR_MLFLOW_OP_LE},
		{">=", WEIR_MLFLOW_OP_GE}, {"=", WEIR_MLFLOW_OP_EQ},  {"<", WEIR_MLFLOW_OP_LT},
		{">", WEIR_MLFLOW_OP_GT},
	};
	static const struct {
		const char *w;
		weir_mlflow_op op;
	} word[] = {{"LIKE", WEIR_MLFLOW_OP_LIKE}, {"ILIKE", WEIR_MLFLOW_OP_ILIKE}, {"IN", WEIR_MLFLOW_OP_IN}};
	weir_mlflow_skip_ws(p);
	for (size_t i = 0; i < sizeof(sym) / sizeof(sym[0]); i++)
		if (strncmp(*p, sym[i].s, strlen(sym[i].s)) == 0) {
			*p += strlen(sym[i].s);
			*op = sym[i].op;
			return 0;
		}
	for (size_t i = 0; i < sizeof(word) / sizeof(word[0]); i++)
		if (weir_mlflow_lex_word(p, word[i].w)) {
			*op = word[i].op;
			return 0;
		}
	if (weir_mlflow_lex_word(p, "NOT")) {
		if (weir_mlflow_lex_word(p, "IN")) {
			*op = WEIR_MLFLOW_OP_NOT_IN;
			return 0;
		}
		*why = "expected IN after NOT";
		return -1;
	}
	if (weir_mlflow_lex_word(p, "IS")) {
		bool neg = weir_mlflow_lex_word(p, "NOT");
		if (!weir_mlflow_lex_word(p, "NULL")) {
			*why = "expected NULL after IS";
			return -1;
		}
		*op = neg ? WEIR_MLFLOW_OP_IS_NOT_NULL : WEIR_MLFLOW_OP_IS_NULL;
		return 0;
	}
	*why = "invalid comparison clause: expected a comparator";
	return -1;
}

const char *weir_mlflow_like_to_glob(weir_arena *a, const char *like)
{
	weir_buf b = {0};
	for (const char *c = like; *c; c++) {
		switch (*c) {
		case '%': weir_buf_append(&b, "*", 1); break;
		case '_': weir_buf_append(&b, "?", 1); break;
		case '*': weir_buf_append(&b, "[*]", 3); break;
		case '?': weir_buf_append(&b, "[?]", 3); break;
		case '[': weir_buf_append(&b, "[[]", 3); break;
		default: weir_buf_append(&b, c, 1); break;
		}
	}
	const char *out = weir_arena_strdup(a, b.data ? b.data : "");
	weir_buf_release(&b);
	return out;
}

bool weir_mlflow_pattern_fits(const char *pattern) { return strlen(pattern) <= WEIR_MLFLOW_MAX_PATTERN; }

int weir_mlflow_json_str(const json_t *obj, const char *key, bool required, const char **out, weir_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v))
		return required ? weir_mlflow_arg_missing(key, err) : 0;
	if (!json_is_string(v))
		return weir_mlflow_arg_type_error(key, v, err);
	if (required && json_string_length(v) == 0)
		return weir_mlflow_arg_missing(key, err);
	*out = json_string_value(v);
	return 0;
}

int weir_mlflow_arg_missing(const char *key, weir_error *err)
{
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key,
				"Missing value for required parameter '%s'. See the API docs for more information "
				"about request parameters.",
				key);
}

static const char *python_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "dict";
	case JSON_ARRAY: return "list";
	case JSON_STRING: return "str";
	case JSON_INTEGER: return "int";
	case JSON_REAL: return "float";
	case JSON_TRUE:
	case JSON_FALSE: return "bool";
	default: return "NoneType";
	}
}

int weir_mlflow_arg_type_error(const char *key, const json_t *v, weir_error *err)
{
	char *txt = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key,
			 "Invalid value %.100s for parameter '%s' supplied. Hint: Value was of type '%s'. See the "
			 "API docs for more information about request parameters.",
			 txt ? txt : "?", key, python_type(v));
	free(txt);
	return -1;
}

/* ---------------------------------------------------------------- the filter grammar */

const char *weir_mlflow_bad_text(weir_mlflow_bad why, const char *detail)
{
	switch (why) {
	case WEIR_MLFLOW_BAD_COMPARATOR: return detail;
	case WEIR_MLFLOW_BAD_UNTERMINATED: return "unterminated quote";
	case WEIR_MLFLOW_BAD_LIST_OPEN: return "expected a parenthesised list after IN";
	case WEIR_MLFLOW_BAD_LIST_EMPTY:
	case WEIR_MLFLOW_BAD_LIST_ITEM:
	case WEIR_MLFLOW_BAD_LIST_END:
	case WEIR_MLFLOW_BAD_LIST_TYPE: return "expected a non-empty list of quoted string values";
	case WEIR_MLFLOW_BAD_LIST_LONG: return "too many values in the list";
	case WEIR_MLFLOW_BAD_LIST_SEP: return "ill-formed list";
	case WEIR_MLFLOW_BAD_NUMBER: return "expected a numeric value";
	case WEIR_MLFLOW_BAD_UNQUOTED:
		return "Parameter value is either not quoted or unidentified quote types used for string value";
	case WEIR_MLFLOW_BAD_PATTERN: return "a LIKE pattern may have at most 10000 characters";
	case WEIR_MLFLOW_BAD_TOO_MANY: return "too many clauses";
	case WEIR_MLFLOW_BAD_MULTIPLE: return "multiple expressions";
	case WEIR_MLFLOW_BAD_AND: return "expected AND between clauses";
	}
	return "invalid filter";
}

static int bad(weir_mlflow_lexer *l, weir_mlflow_bad why) { return l->g->fail(l, why, NULL); }

static bool at_quote(const weir_mlflow_lexer *l) { return *l->p == '\'' || *l->p == '"'; }

/* ( 'a', "b", ... ) */
static int lex_list(weir_mlflow_lexer *l, weir_mlflow_cond *c)
{
	if (*l->p != '(')
		return bad(l, WEIR_MLFLOW_BAD_LIST_OPEN);
	l->p++;
	weir_mlflow_skip_ws(&l->p);
	if (*l->p == ')')
		return bad(l, WEIR_MLFLOW_BAD_LIST_EMPTY);
	int cap = 8, n = 0;
	const char **items = weir_arena_alloc(l->a, (size_t)cap * sizeof(*items));
	for (;;) {
		weir_mlflow_skip_ws(&l->p);
		if (!at_quote(l))
			return bad(l, *l->p == ',' || *l->p == ')' ? WEIR_MLFLOW_BAD_LIST_ITEM
				      : *l->p == '\0'              ? WEIR_MLFLOW_BAD_LIST_END
								   : WEIR_MLFLOW_BAD_LIST_TYPE);
		if (l->g->max_list && n == l->g->max_list)
			return bad(l, WEIR_MLFLOW_BAD_LIST_LONG);
		if (n == cap) {
			const char **more = weir_arena_alloc(l->a, (size_t)cap * 2 * sizeof(*items));
			memcpy(more, items, (size_t)cap * sizeof(*items));
			items = more;
			cap *= 2;
		}
		if ((items[n++] = weir_mlflow_lex_quoted(l->a, &l->p)) == NULL)
			return bad(l, WEIR_MLFLOW_BAD_UNTERMINATED);
		int more = weir_mlflow_lex_list_sep(&l->p);
		if (more < 0)
			return bad(l, WEIR_MLFLOW_BAD_LIST_SEP);
		if (more == 0)
			break;
	}
	c->list = items;
	c->nlist = n;
	return 0;
}

int weir_mlflow_lex_number(weir_mlflow_lexer *l, weir_mlflow_cond *c)
{
	char *end;
	if (at_quote(l)) {
		const char *q = weir_mlflow_lex_quoted(l->a, &l->p);
		if (q == NULL)
			return bad(l, WEIR_MLFLOW_BAD_UNTERMINATED);
		c->num = strtod(q, &end);
		return *q == '\0' || *end != '\0' ? bad(l, WEIR_MLFLOW_BAD_NUMBER) : 0;
	}
	c->num = strtod(l->p, &end);
	if (end == l->p)
		return bad(l, WEIR_MLFLOW_BAD_NUMBER);
	l->p = end;
	return 0;
}

static int lex_value(weir_mlflow_lexer *l, weir_mlflow_cond *c)
{
	weir_mlflow_skip_ws(&l->p);
	if (c->op == WEIR_MLFLOW_OP_IS_NULL || c->op == WEIR_MLFLOW_OP_IS_NOT_NULL)
		return 0;
	if (c->op == WEIR_MLFLOW_OP_IN || c->op == WEIR_MLFLOW_OP_NOT_IN)
		return lex_list(l, c);
	if (c->numeric)
		return l->g->number ? l->g->number(l, c) : weir_mlflow_lex_number(l, c);
	if (!at_quote(l))
		return bad(l, WEIR_MLFLOW_BAD_UNQUOTED);
	if ((c->str = weir_mlflow_lex_quoted(l->a, &l->p)) == NULL)
		return bad(l, WEIR_MLFLOW_BAD_UNTERMINATED);
	if (weir_mlflow_op_like(c->op) && !weir_mlflow_pattern_fits(c->str))
		return bad(l, WEIR_MLFLOW_BAD_PATTERN);
	return 0;
}

int weir_mlflow_filter_parse(weir_arena *a, const char *filter, const weir_mlflow_grammar *g, void *ctx,
			     weir_mlflow_cond **out, int *n, weir_error *err)
{
	*out = NULL;
	*n = 0;
	if (filter == NULL)
		return 0;
	weir_mlflow_lexer l = {a, filter, filter, "filter", g, ctx, err};
	weir_mlflow_skip_ws(&l.p);
	if (*l.p == '\0')
		return 0;
	int cap = 8;
	weir_mlflow_cond *conds = weir_arena_calloc(a, (size_t)cap * sizeof(*conds));
	for (;;) {
		if (*n == g->max_conds)
			return bad(&l, WEIR_MLFLOW_BAD_TOO_MANY);
		if (*n == cap) {
			weir_mlflow_cond *more = weir_arena_calloc(a, (size_t)cap * 2 * sizeof(*conds));
			memcpy(more, conds, (size_t)cap * sizeof(*conds));
			conds = more;
			cap *= 2;
		}
		weir_mlflow_cond *c = &conds[*n];
		const char *why = NULL;
		weir_mlflow_skip_ws(&l.p);
		if (g->ident(&l, c) != 0)
			return -1;
		if (weir_mlflow_lex_cmp(&l.p, &c->op, &why) != 0)
			return g->fail(&l, WEIR_MLFLOW_BAD_COMPARATOR, why);
		if (g->check(&l, c) != 0 || lex_value(&l, c) != 0)
			return -1;
		(*n)++;
		weir_mlflow_skip_ws(&l.p);
		if (*l.p == '\0')
			break;
		if (*l.p == ';')
			return bad(&l, WEIR_MLFLOW_BAD_MULTIPLE);
		if (!weir_mlflow_lex_word(&l.p, "AND"))
			return bad(&l, WEIR_MLFLOW_BAD_AND);
	}
	*out = conds;
	return 0;
}
