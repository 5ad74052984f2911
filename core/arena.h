/* A per-request bump allocator with cleanup handlers (nginx's pool). Everything a request
 * allocates comes from its arena, and everything that is not memory (a json_t, a borrowed
 * database connection, a jwt_t) is deferred onto it; weir_arena_free runs the cleanups in
 * reverse order, then frees the chunks. Allocation never fails: out of memory aborts the
 * process (as Redis' zmalloc does), so callers need no NULL checks. Under AddressSanitizer
 * the unused part of each chunk is poisoned, so an overrun past an allocation is caught. */
#ifndef WEIR_CORE_ARENA_H
#define WEIR_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct weir_arena weir_arena;
typedef void (*weir_cleanup_fn)(void *);

weir_arena *weir_arena_new(size_t first_chunk);
void weir_arena_free(weir_arena *a);

void *weir_arena_alloc(weir_arena *a, size_t n);
void *weir_arena_calloc(weir_arena *a, size_t n);
char *weir_arena_strdup(weir_arena *a, const char *s);
char *weir_arena_strndup(weir_arena *a, const char *s, size_t n);
char *weir_arena_printf(weir_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *weir_arena_vprintf(weir_arena *a, const char *fmt, va_list ap);

/* An arena array with room for one more element: v itself while n < *cap, else a copy of
 * its n elements (of `size` bytes) in a new block twice as large (8 when *cap is 0), the new
 * part zeroed, *cap updated. The old block stays in the arena until it is freed:
 *     v = weir_arena_grow(a, v, n, &cap, sizeof(*v));
 *     v[n++] = ...;  */
void *weir_arena_grow(weir_arena *a, void *v, size_t n, size_t *cap, size_t size);

/* Runs fn(p) when the arena is freed; handlers run last-registered first. */
void weir_arena_defer(weir_arena *a, weir_cleanup_fn fn, void *p);

/* Frees the calling thread's cache of spare chunks (a thread-exit destructor does it too). */
void weir_arena_thread_release(void);

/* Bytes handed out so far (for tests and the access log). */
size_t weir_arena_used(const weir_arena *a);

/* malloc/realloc/strdup that abort on failure, for process-lifetime objects. */
void *weir_xmalloc(size_t n);
void *weir_xcalloc(size_t n, size_t m);
void *weir_xrealloc(void *p, size_t n);
char *weir_xstrdup(const char *s);

#endif
