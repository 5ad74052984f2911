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
/* Serializes compactly; returns malloc'd text. */
char *weir_json_dump(const json_t *j);
/* Per-thread free lists for jansson's small allocations: call first thing in main, before
 * any jansson value exists (a no-op under the sanitizers). */
void weir_json_init_allocator(void);
/* Gives the calling thread's cached chunks back (a thread-exit destructor does it too). */
void weir_json_thread_release(void);
/* The same, with the length of the text (malloc'd, NUL-terminated). */
char *weir_json_dump_len(const json_t *j, size_t *len);

/* Defers json_decref(j) onto the arena and returns j. */
json_t *weir_json_own(weir_arena *a, json_t *j);

#endif
