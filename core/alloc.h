/* Per-thread caches of small heap blocks, shared by jansson's and SQLite's allocations. */
#ifndef WEIR_CORE_ALLOC_H
#define WEIR_CORE_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

/* A block of at least n bytes: from the calling thread's cache when it has one of n's class,
 * else malloc. Always a plain malloc block: free() may release it too. */
void *weir_cache_malloc(size_t n);
/* Files p in the calling thread's cache (or free()s it when the class is full or too big). */
void weir_cache_free(void *p);
/* What weir_cache_malloc(n) gives at least: n rounded up to its class. */
size_t weir_cache_roundup(size_t n);
/* Installs the caches as jansson's and SQLite's allocators (before any jansson value exists
 * and before SQLite's first use; a later call changes nothing). Never under the sanitizers,
 * whose allocator must see every block. */
void weir_cache_install(void);
/* Releases the calling thread's cache (a thread's exit does it by itself). */
void weir_cache_thread_release(void);
/* For tests: whether the calling thread has a cache now. */
bool weir_cache__thread_cached(void);

#endif
