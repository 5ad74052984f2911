/* MLflow's search-filter grammar as the registry and tracking both read it: the tokens
 * (whitespace, keywords, quoted runs, comparators) and LIKE patterns as SQLite GLOB
 * patterns (registry/mlflow_kit.h says what stays with each side). */
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
