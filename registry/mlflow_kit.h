/* The parts of MLflow's search-filter grammar that the model registry (registry.c,
 * registry_store.c) and tracking (tracking.c, tracking_store.c) read the same way: the
 * comparator table, quoted runs, whitespace and keywords, and LIKE patterns turned into
 * SQLite GLOB patterns within SQLite's pattern-length limit. What each side allows (keys,
 * entities, comparators per key) and every error message stay with that side: clients
 * match the messages byte for byte, and the two sides' messages differ. */
#ifndef WEIR_REGISTRY_MLFLOW_KIT_H
#define WEIR_REGISTRY_MLFLOW_KIT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/error.h"
#include "core/json.h"

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

/* Argument errors in MLflow's words, as its server words them (clients match them). */
/* 400 naming `key`: "Missing value for required parameter '<key>'. See the API docs ...". -1. */
int weir_mlflow_arg_missing(const char *key, weir_error *err);
/* 400 naming `key`: the value `v` (not JSON null) is not of the parameter's type, with
 * MLflow's Python type name for it (dict, list, str, int, float, bool). -1. */
int weir_mlflow_arg_type_error(const char *key, const json_t *v, weir_error *err);

#endif
