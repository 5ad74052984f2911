/* jansson helpers shared by every surface: strict body parsing and typed field access whose
 * errors name the field. All getters leave *out untouched when the key is absent and
 * `required` is false; a JSON null counts as absent. */
#ifndef WEIR_CORE_JSON_H
#define WEIR_CORE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/error.h"
#include "core/util.h"

/* Parses a request body. An empty body parses as an empty object when `empty_ok`. The
 * result must be a JSON object; duplicate keys and invalid UTF-8 are refused. The root is
 * deferred onto the arena (caller must not decref). */
json_t *weir_json_parse_body(weir_arena *a, const char *body, size_t len, bool empty_ok, weir_error *err);

int weir_json_get_str(json_t *obj, const char *key, bool required, const char **out, weir_error *err);
int weir_json_get_bool(json_t *obj, const char *key, bool required, bool *out, weir_error *err);
int weir_json_get_i64(json_t *obj, const char *key, bool required, int64_t *out, weir_error *err);
int weir_json_get_obj(json_t *obj, const char *key, bool required, json_t **out, weir_error *err);
int weir_json_get_arr(json_t *obj, const char *key, bool required, json_t **out, weir_error *err);
/* An object whose values are all strings (properties maps). */
int weir_json_get_str_map(json_t *obj, const char *key, json_t **out, weir_error *err);

/* json_string that yields JSON null for NULL input. */
json_t *weir_json_str_or_null(const char *s);
/* v as an audit row records a request member: an array as "[N items]", an object as "{...}",
 * a string over 512 bytes as "[long text]", anything else itself. A new reference. */
json_t *weir_json_summary(json_t *v);
/* Serializes compactly; returns malloc'd text. */
char *weir_json_dump(const json_t *j);
/* json_dumps(j, flags) copied into the arena; NULL when j is NULL. */
const char *weir_json_text(weir_arena *a, const json_t *j, size_t flags);
/* -- streaming writer --
 * Hot read paths write their reply straight into text instead of building a jansson tree:
 * no node, hashtable or string copy per field. Commas are placed by the writer; a value
 * inside an object must follow weir_jw_key. Output is byte-identical to weir_json_dump of
 * the same tree. weir_jw_take hands over the malloc'd text. */
typedef struct weir_jw {
	weir_buf b;
	uint64_t need_comma; /* bit d: the container at depth d already has a member */
	int depth;
	bool after_key;
} weir_jw;
void weir_jw_init(weir_jw *w);
void weir_jw_free(weir_jw *w);
char *weir_jw_take(weir_jw *w, size_t *len);
void weir_jw_obj(weir_jw *w);
void weir_jw_end_obj(weir_jw *w);
void weir_jw_arr(weir_jw *w);
void weir_jw_end_arr(weir_jw *w);
void weir_jw_key(weir_jw *w, const char *key);
void weir_jw_str(weir_jw *w, const char *s); /* NULL writes null */
void weir_jw_strn(weir_jw *w, const char *s, size_t n);
void weir_jw_int(weir_jw *w, int64_t v);
void weir_jw_bool(weir_jw *w, bool v);
void weir_jw_real(weir_jw *w, double v); /* finite; written as weir_json_dump writes a real */
void weir_jw_null(weir_jw *w);
void weir_jw_value(weir_jw *w, const json_t *j); /* a jansson value, serialised */
void weir_jw_raw(weir_jw *w, const char *json, size_t n); /* text that is already one JSON value */
/* The jansson view of text a renderer wrote, for callers that want a tree: takes `text`
 * (malloc'd, may be NULL when the renderer failed and set err) and frees it. */
json_t *weir_json_from_text(char *text, size_t len, weir_error *err);
/* The same from a writer: rc is the renderer's result (0: w holds one whole value). */
json_t *weir_jw_tree(weir_jw *w, int rc, weir_error *err);
/* Shorthands for one member. */
void weir_jw_kstr(weir_jw *w, const char *key, const char *s);
void weir_jw_kstrn(weir_jw *w, const char *key, const char *s, size_t n);
void weir_jw_kint(weir_jw *w, const char *key, int64_t v);

/* The same, with the length of the text (malloc'd, NUL-terminated). */
char *weir_json_dump_len(const json_t *j, size_t *len);

/* Defers json_decref(j) onto the arena and returns j. */
json_t *weir_json_own(weir_arena *a, json_t *j);

#endif
