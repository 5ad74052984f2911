/* Per-thread caches of small heap blocks (core/alloc.h).
 *
 * A reply is a tree of small jansson nodes (an object, its hashtable, a pair per key, a node
 * and a copy per string), and a write runs a few hundred small SQLite allocations (cursors,
 * records, values, bound text: Debian builds SQLite with SQLITE_OMIT_LOOKASIDE, so none of
 * them is served from a connection's lookaside): more than glibc's per-thread cache holds (7
 * per size), so most went through the shared bins (_int_malloc, _int_free, consolidation).
 * Here each thread keeps its own free lists of small blocks (16-byte classes up to CLASS_MAX
 * x 16 bytes, at most CACHE_BYTES of each class; the rest goes back to free()). Blocks are
 * plain malloc blocks filed by malloc_usable_size, so anything handed out may still be
 * released with free(), and a block freed by another thread (a pooled SQLite connection
 * moves between threads) simply joins that thread's lists. */
#include "core/alloc.h"

#include <malloc.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define CLASS_MAX 64 /* classes of 16..1024 bytes */
#define CACHE_BYTES (32 * 1024) /* per class and thread */
#define CACHE_MIN 16 /* blocks kept of a class however large */

typedef struct free_block {
	struct free_block *next;
} free_block;

typedef struct block_cache {
	free_block *head[CLASS_MAX];
	unsigned n[CLASS_MAX];
} block_cache;

static pthread_key_t cache_key;
static bool key_ready;
static _Thread_local block_cache *thread_cache;

static unsigned class_cap(size_t cls)
{
	size_t by_bytes = CACHE_BYTES / ((cls + 1) * 16);
	return by_bytes < CACHE_MIN ? CACHE_MIN : (unsigned)by_bytes;
}

/* The thread-exit destructor (and weir_cache_thread_release). Other destructors that run
 * after it on the exiting thread may still free blocks: those go to free(), never into the
 * cache being destroyed (a block filed into freed memory corrupted glibc's own per-thread
 * cache at thread exit), and no new cache is made for the thread. */
static _Thread_local bool thread_exiting;

static void cache_destroy(void *p)
{
	block_cache *c = p;
	if (thread_cache == c)
		thread_cache = NULL;
	thread_exiting = true;
	for (int i = 0; i < CLASS_MAX; i++)
		while (c->head[i]) {
			free_block *f = c->head[i];
			c->head[i] = f->next;
			free(f);
		}
	free(c);
}

static block_cache *cache_get(void)
{
	if (thread_cache == NULL && key_ready && !thread_exiting) {
		block_cache *c = calloc(1, sizeof(*c));
		if (c == NULL || pthread_setspecific(cache_key, c) != 0) {
			free(c);
			return NULL;
		}
		thread_cache = c;
	}
	return thread_cache;
}

/* Class k holds blocks of at least (k + 1) * 16 usable bytes. */
void *weir_cache_malloc(size_t n)
{
	size_t cls = n == 0 ? 0 : (n - 1) / 16;
	if (cls >= CLASS_MAX)
		return malloc(n);
	block_cache *c = cache_get();
	if (c && c->head[cls]) {
		free_block *f = c->head[cls];
		c->head[cls] = f->next;
		c->n[cls]--;
		return f;
	}
	return malloc((cls + 1) * 16);
}

void weir_cache_free(void *p)
{
	if (p == NULL)
		return;
	size_t u = malloc_usable_size(p);
	block_cache *c;
	if (u >= 16 && u / 16 - 1 < CLASS_MAX && (c = cache_get()) != NULL) {
		size_t cls = u / 16 - 1;
		if (c->n[cls] < class_cap(cls)) {
			free_block *f = p;
			f->next = c->head[cls];
			c->head[cls] = f;
			c->n[cls]++;
			return;
		}
	}
	free(p);
}

size_t weir_cache_roundup(size_t n)
{
	size_t cls = n == 0 ? 0 : (n - 1) / 16;
	return cls < CLASS_MAX ? (cls + 1) * 16 : (n + 7) & ~(size_t)7;
}

void weir_cache_thread_release(void)
{
	block_cache *c = thread_cache;
	if (c != NULL) {
		thread_cache = NULL;
		pthread_setspecific(cache_key, NULL);
		cache_destroy(c);
		thread_exiting = false; /* a thread that goes on may cache again */
	}
}

bool weir_cache__thread_cached(void) { return thread_cache != NULL; }

/* -- SQLite's allocator (SQLITE_CONFIG_MALLOC) -- */
static void *sq_malloc(int n) { return n <= 0 ? NULL : weir_cache_malloc((size_t)n); }
static void sq_free(void *p) { weir_cache_free(p); }
static int sq_size(void *p) { return p ? (int)malloc_usable_size(p) : 0; }
static int sq_roundup(int n) { return n <= 0 ? 0 : (int)weir_cache_roundup((size_t)n); }
static int sq_init(void *app)
{
	(void)app;
	return SQLITE_OK;
}
static void sq_shutdown(void *app) { (void)app; }

/* A block of another class is copied; one that already holds n bytes stays. */
static void *sq_realloc(void *p, int n)
{
	if (n <= 0)
		return NULL;
	if (p == NULL)
		return sq_malloc(n);
	size_t have = malloc_usable_size(p);
	if ((size_t)n <= have && (size_t)n > have / 2)
		return p;
	void *q = weir_cache_malloc((size_t)n);
	if (q == NULL)
		return NULL;
	memcpy(q, p, have < (size_t)n ? have : (size_t)n);
	weir_cache_free(p);
	return q;
}

void weir_cache_install(void)
{
	static const sqlite3_mem_methods methods = {sq_malloc,  sq_free, sq_realloc,  sq_size,
						    sq_roundup, sq_init, sq_shutdown, NULL};
#if defined(__SANITIZE_ADDRESS__)
	(void)methods; /* compiled, not installed */
	return;
#else
	if (key_ready) /* called once, from main, before any other thread */
		return;
	if (pthread_key_create(&cache_key, cache_destroy) != 0)
		return;
	key_ready = true;
	json_set_alloc_funcs(weir_cache_malloc, weir_cache_free);
	sqlite3_config(SQLITE_CONFIG_MALLOC, &methods); /* refused harmlessly after SQLite's first use */
#endif
}
