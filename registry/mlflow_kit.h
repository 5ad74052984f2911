/* MLflow's search kit, one for the model registry (registry.c, registry_store.c) and tracking
 * (tracking.c, tracking_store.c): the filter grammar (tokens, comparators, clauses joined by
 * AND, values, IN lists), LIKE patterns as SQLite GLOB patterns within SQLite's
 * pattern-length limit, the run-time SQL of a search (comparisons, lists, bound values;
 * mlflow_kit_store.c), and MLflow's argument errors. What each side allows (entities, keys,
 * comparators per key, how version numbers read) and the words of every error stay with
 * that side, through weir_mlflow_grammar: clients match the messages byte for byte, and the
 * two sides' messages differ, as MLflow's own search utilities differ per entity. */
#ifndef WEIR_REGISTRY_MLFLOW_KIT_H
#define WEIR_REGISTRY_MLFLOW_KIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"
#include "core/json.h"
#include "core/util.h"

/* Bytes of a LIKE / ILIKE pattern in a filter. SQLite refuses patterns over 50,000 bytes and
 * a LIKE pattern grows up to three times as a GLOB, so a longer one is refused up front (a
 * 400 naming the filter) instead of failing its statement (a 500; found by fuzz/). */
#define WEIR_MLFLOW_MAX_PATTERN 10000

/* Every comparator of MLflow's filter grammar; each side refuses those it does not take.
 * The order matters: EQ..GE are the numeric comparators (weir_mlflow_op_numeric). */
typedef enum {
	WEIR_MLFLOW_OP_EQ,
	WEIR_MLFLOW_OP_NE,
	WEIR_MLFLOW_OP_LT,
	WEIR_MLFLOW_OP_LE,
	WEIR_MLFLOW_OP_GT,
	WEIR_MLFLOW_OP_GE,
	WEIR_MLFLOW_OP_LIKE, /* case-sensitive: a GLOB in SQL (weir_mlflow_like_to_glob) */
	WEIR_MLFLOW_OP_ILIKE,
	WEIR_MLFLOW_OP_IN,
	WEIR_MLFLOW_OP_NOT_IN,
	WEIR_MLFLOW_OP_IS_NULL,
	WEIR_MLFLOW_OP_IS_NOT_NULL,
} weir_mlflow_op;

/* = != <> < <= > >= */
bool weir_mlflow_op_numeric(weir_mlflow_op op);
/* LIKE or ILIKE */
bool weir_mlflow_op_like(weir_mlflow_op op);

/* Moves *p past ASCII whitespace. */
void weir_mlflow_skip_ws(const char **p);

/* Skips whitespace, then consumes keyword `w` (ASCII, any case) when it stands as a whole
 * word at *p (not followed by a letter, digit or '_'); false leaves *p past the whitespace. */
bool weir_mlflow_lex_word(const char **p, const char *w);

/* A run quoted by the character at **p (', " or `), without escapes, as MLflow's own
 * tokenizer reads it: its content as an arena copy, *p past the closing quote. NULL when
 * the quote is not closed (*p is then at the string's end). */
const char *weir_mlflow_lex_quoted(weir_arena *a, const char **p);

/* After an item of a parenthesised list: skips whitespace, then a ',' (1: another item
 * follows) or the closing ')' (0); -1, *p past the whitespace, when neither is there. */
int weir_mlflow_lex_list_sep(const char **p);

/* Skips whitespace, then reads one comparator: = != <> < <= > >=, LIKE, ILIKE, IN, NOT IN,
 * IS NULL, IS NOT NULL (keywords in any case). 0 and *op on success; -1 and *why, a short
 * reason in tracking's words ("expected IN after NOT", ...), when there is none. */
int weir_mlflow_lex_cmp(const char **p, weir_mlflow_op *op, const char **why);

/* A LIKE pattern (% and _) as a GLOB pattern matching the same strings case-sensitively:
 * GLOB's own wildcards * ? [ are bracketed. The caller has checked
 * weir_mlflow_pattern_fits. */
const char *weir_mlflow_like_to_glob(weir_arena *a, const char *like);

/* Whether a LIKE / ILIKE pattern is within WEIR_MLFLOW_MAX_PATTERN bytes. */
bool weir_mlflow_pattern_fits(const char *pattern);

/* ---------------------------------------------------------------- the filter grammar */

/* One clause of a filter, `<entity>.<key> <comparator> <value>`, as both sides parse it. */
typedef struct weir_mlflow_cond {
	int ent; /* the side's entity or attribute code (trk_entity, reg_key) */
	const char *key; /* the key as written: a tag, param or metric key, or an attribute */
	const char *column; /* tracking's attributes: the attribute's canonical name */
	weir_mlflow_op op;
	bool numeric; /* the value is a number (set by the side's check) */
	bool integral; /* ... an integer, in i64 (else a double, in num) */
	double num;
	int64_t i64;
	const char *str; /* a string value as written (a LIKE pattern is not yet a GLOB) */
	const char **list; /* IN and NOT IN: the quoted values */
	int nlist;
} weir_mlflow_cond;

/* Why the shared grammar refuses a filter; each side words it (clients match the messages
 * byte for byte, and the two sides' messages differ). weir_mlflow_bad_text: tracking's
 * words. */
typedef enum {
	WEIR_MLFLOW_BAD_COMPARATOR, /* no comparator where one must stand (detail: which) */
	WEIR_MLFLOW_BAD_UNTERMINATED, /* a quote that is not closed */
	WEIR_MLFLOW_BAD_LIST_OPEN, /* IN without its '(' */
	WEIR_MLFLOW_BAD_LIST_EMPTY, /* IN () */
	WEIR_MLFLOW_BAD_LIST_ITEM, /* ',' or ')' where an item must stand */
	WEIR_MLFLOW_BAD_LIST_END, /* the filter ends inside a list */
	WEIR_MLFLOW_BAD_LIST_TYPE, /* an item that is not quoted */
	WEIR_MLFLOW_BAD_LIST_LONG, /* more items than the grammar's max_list */
	WEIR_MLFLOW_BAD_LIST_SEP, /* neither ',' nor ')' after an item */
	WEIR_MLFLOW_BAD_NUMBER, /* a numeric value that is not a number */
	WEIR_MLFLOW_BAD_UNQUOTED, /* a string value that is not quoted */
	WEIR_MLFLOW_BAD_PATTERN, /* a LIKE pattern over WEIR_MLFLOW_MAX_PATTERN bytes */
	WEIR_MLFLOW_BAD_TOO_MANY, /* more clauses than the grammar's max_conds */
	WEIR_MLFLOW_BAD_MULTIPLE, /* a ';' between clauses */
	WEIR_MLFLOW_BAD_AND, /* something other than AND between clauses */
} weir_mlflow_bad;

/* Tracking's words for a refusal ("unterminated quote", ...); `detail` for the comparator. */
const char *weir_mlflow_bad_text(weir_mlflow_bad why, const char *detail);

struct weir_mlflow_grammar;

/* The text being read, and who reads it. */
typedef struct weir_mlflow_lexer {
	weir_arena *a;
	const char *s; /* the whole text: messages quote it */
	const char *p; /* where reading stands */
	const char *what; /* the parameter read: "filter" or "order_by" */
	const struct weir_mlflow_grammar *g;
	void *ctx; /* the side's state (the registry's query) */
	weir_error *err;
} weir_mlflow_lexer;

/* What a side adds to the shared grammar (as MLflow's own search utilities subclass one
 * parser per entity): which entities and keys exist, which comparators each key takes, how a
 * number is read, and the words of every refusal. A clause is read as: whitespace, the
 * side's `ident`, a comparator (weir_mlflow_lex_cmp), the side's `check`, then the value:
 * none for IS [NOT] NULL, a list of quoted strings for [NOT] IN, a number when `check` set
 * c->numeric, else a quoted string. Clauses are joined by AND. */
typedef struct weir_mlflow_grammar {
	int max_conds; /* clauses at most (WEIR_MLFLOW_BAD_TOO_MANY) */
	int max_list; /* items of an IN list at most (WEIR_MLFLOW_BAD_LIST_LONG); 0: no limit */
	/* Reads `entity.key` at l->p into c (ent, key, column); -1 with l->err set. */
	int (*ident)(weir_mlflow_lexer *l, weir_mlflow_cond *c);
	/* After the comparator: refuses one the key does not take, sets c->numeric. */
	int (*check)(weir_mlflow_lexer *l, weir_mlflow_cond *c);
	/* A numeric value at l->p; NULL: weir_mlflow_lex_number. */
	int (*number)(weir_mlflow_lexer *l, weir_mlflow_cond *c);
	/* Words a refusal of the shared grammar into l->err; returns -1. */
	int (*fail)(weir_mlflow_lexer *l, weir_mlflow_bad why, const char *detail);
} weir_mlflow_grammar;

/* Parses an AND-joined filter in grammar g: *out (arena) and *n, none for an empty or
 * blank filter; -1 with err set (by g->fail for the shared grammar's refusals). */
int weir_mlflow_filter_parse(weir_arena *a, const char *filter, const weir_mlflow_grammar *g, void *ctx,
			     weir_mlflow_cond **out, int *n, weir_error *err);

/* A double at l->p, quoted or not, into c->num (WEIR_MLFLOW_BAD_NUMBER otherwise). */
int weir_mlflow_lex_number(weir_mlflow_lexer *l, weir_mlflow_cond *c);

/* ---------------------------------------------------------------- SQL of a search */

/* A search statement built at run time (registry/mlflow_kit_store.c): its text, written from
 * the stores' whitelisted fragments, and its values, every one bound. */
typedef struct weir_mlflow_bind {
	enum { WEIR_MLFLOW_BIND_TEXT, WEIR_MLFLOW_BIND_REAL, WEIR_MLFLOW_BIND_I64 } kind;
	const char *s;
	double d;
	int64_t i;
} weir_mlflow_bind;

/* How a side's statements compare patterns (each side's SQL text stays its own). */
typedef struct weir_mlflow_sql_style {
	const char *like; /* after the expression: " GLOB ?" */
	const char *ilike; /* a format of the expression: "lower(%s) LIKE lower(?)" */
} weir_mlflow_sql_style;

typedef struct weir_mlflow_sql {
	weir_arena *a;
	const weir_mlflow_sql_style *style;
	weir_buf sql;
	weir_mlflow_bind *binds;
	int nbinds;
	int cap;
	bool bad; /* a name the side's map lacks (a programming error): refused, never SQL */
} weir_mlflow_sql;

/* An empty statement of that style (style NULL: no pattern comparisons). */
void weir_mlflow_sql_init(weir_mlflow_sql *q, weir_arena *a, const weir_mlflow_sql_style *style);
void weir_mlflow_sql_release(weir_mlflow_sql *q);
void weir_mlflow_sql_text(weir_mlflow_sql *q, const char *s);
void weir_mlflow_bind_text(weir_mlflow_sql *q, const char *s);
void weir_mlflow_bind_real(weir_mlflow_sql *q, double d);
void weir_mlflow_bind_i64(weir_mlflow_sql *q, int64_t i);
/* "<expr> IN (?, ...)" or NOT IN, each value bound; "(NULL)" for no value. */
void weir_mlflow_sql_in(weir_mlflow_sql *q, const char *expr, bool not_in, const char *const *list, int n);
/* "<expr> <comparator> <value>" for condition c, its value bound (a LIKE pattern as a GLOB). */
void weir_mlflow_sql_cmp(weir_mlflow_sql *q, const char *expr, const weir_mlflow_cond *c);
/* Binds every value, in order, to st (a statement of q's text). */
void weir_mlflow_sql_bind_all(const weir_mlflow_sql *q, weir_stmt *st);

/* A string member `key` of a request message into *out (borrowed from obj): absent or null
 * leaves *out, and is MLflow's missing-parameter error when `required`, as is "" then; any
 * other JSON type is its type error. */
int weir_mlflow_json_str(const json_t *obj, const char *key, bool required, const char **out, weir_error *err);

/* One page of an MLflow list: one(ctx, i) for each of the first `max` of the n items fetched
 * (max + 1 were asked for: an extra one shows that more follow), under `key` (left out when
 * there are none, as MLflow does), and then next_page_token for offset + max
 * (weir_page_token_offset, url-safe or not as `url_token` says). NULL when one() fails. */
json_t *weir_mlflow_page(weir_arena *a, int n, int64_t max, int64_t offset, bool url_token, const char *key,
			 json_t *(*one)(void *ctx, int i, weir_error *err), void *ctx, weir_error *err);

/* Argument errors in MLflow's words, as its server words them (clients match them). */
/* 400 naming `key`: "Missing value for required parameter '<key>'. See the API docs ...". -1. */
int weir_mlflow_arg_missing(const char *key, weir_error *err);
/* 400 naming `key`: the value `v` (not JSON null) is not of the parameter's type, with
 * MLflow's Python type name for it (dict, list, str, int, float, bool). -1. */
int weir_mlflow_arg_type_error(const char *key, const json_t *v, weir_error *err);

#endif
