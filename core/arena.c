/* The request arena: chunks of growing size, 16-byte aligned allocations, LIFO cleanups. */
#include "core/arena.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define ALIGN 16u

struct chunk {
	struct chunk *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	_Alignas(16) unsigned char data[];
};

struct cleanup {
	struct cleanup *next;
	weir_cleanup_fn fn;
	void *p;
};

struct weir_arena {
	struct chunk *head;
	struct cleanup *cleanups;
	size_t next_size;
	size_t total;
};

static void oom(void)
{
	fputs("weir: out of memory\n", stderr);
	abort();
}

void *weir_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

void *weir_xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (p == NULL)
		oom();
	return p;
}

void *weir_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		oom();
	return q;
}

char *weir_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = weir_xmalloc(n);
	memcpy(d, s, n);
	return d;
}

/* Each worker thread keeps a few freed chunks of the common sizes for its next request, so a
 * request does not malloc and free (and consolidate) a fresh 8 KB chunk every time. The cache is
 * freed by a thread-exit destructor. */
#define SPARE_MAX 4
#define SPARE_LIMIT ((size_t)64 * 1024)

struct spares {
	int n;
	struct chunk *c[SPARE_MAX];
};

static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

static void spares_free(void *p)
{
	struct spares *sp = p;
	for (int i = 0; i < sp->n; i++)
		free(sp->c[i]);
	free(sp);
}

static void spare_init(void)
{
	if (pthread_key_create(&spare_key, spares_free) != 0)
		abort();
}

static struct spares *spares_get(bool create)
{
	pthread_once(&spare_once, spare_init);
	struct spares *sp = pthread_getspecific(spare_key);
	if (sp == NULL && create) {
		sp = calloc(1, sizeof(*sp));
		if (sp != NULL && pthread_setspecific(spare_key, sp) != 0) {
			free(sp);
			sp = NULL;
		}
	}
	return sp;
}

void weir_arena_thread_release(void)
{
	struct spares *sp = spares_get(false);
	if (sp != NULL) {
		pthread_setspecific(spare_key, NULL);
		spares_free(sp);
	}
}

static void chunk_free(struct chunk *c)
{
	if (c->size <= SPARE_LIMIT) {
		struct spares *sp = spares_get(true);
		if (sp != NULL && sp->n < SPARE_MAX) {
			POISON(c->data, c->size);
			sp->c[sp->n++] = c;
			return;
		}
	}
	free(c);
}

static struct chunk *chunk_new(size_t size)
{
	if (size <= SPARE_LIMIT) {
		struct spares *sp = spares_get(false);
		for (int i = 0; sp != NULL && i < sp->n; i++) {
			if (sp->c[i]->size == size) {
				struct chunk *c = sp->c[i];
				sp->c[i] = sp->c[--sp->n];
				c->next = NULL;
				c->used = 0;
				return c; /* still poisoned */
			}
		}
	}
	struct chunk *c = weir_xmalloc(sizeof(*c) + size);
	c->next = NULL;
	c->size = size;
	c->used = 0;
	POISON(c->data, size);
	return c;
}

weir_arena *weir_arena_new(size_t first_chunk)
{
	weir_arena *a = weir_xcalloc(1, sizeof(*a));
	a->next_size = first_chunk < 256 ? 256 : first_chunk;
	a->head = chunk_new(a->next_size);
	return a;
}

void weir_arena_free(weir_arena *a)
{
	if (a == NULL)
		return;
	/* Cleanups first: they may read memory that lives in the chunks. */
	struct cleanup *cl = a->cleanups;
	while (cl != NULL) {
		struct cleanup *next = cl->next;
		cl->fn(cl->p);
		cl = next;
	}
	struct chunk *c = a->head;
	while (c != NULL) {
		struct chunk *next = c->next;
		UNPOISON(c->data, c->size);
		chunk_free(c);
		c = next;
	}
	free(a);
}

void *weir_arena_alloc(weir_arena *a, size_t n)
{
	size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (need == 0)
		need = ALIGN;
	struct chunk *c = a->head;
	if (c->size - c->used < need) {
		size_t size = a->next_size * 2;
		if (size < need)
			size = need;
		if (size > 1u << 20 && need <= 1u << 20)
			size = 1u << 20;
		a->next_size = size;
		c = chunk_new(size);
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += need;
	a->total += need;
	UNPOISON(p, n ? n : 1);
	return p;
}

void *weir_arena_calloc(weir_arena *a, size_t n)
{
	void *p = weir_arena_alloc(a, n);
	memset(p, 0, n);
	return p;
}

void *weir_arena_grow(weir_arena *a, void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	size_t ncap = *cap ? *cap * 2 : 8;
	char *nv = weir_arena_alloc(a, ncap * size);
	if (n)
		memcpy(nv, v, n * size);
	memset(nv + n * size, 0, (ncap - n) * size);
	*cap = ncap;
	return nv;
}

char *weir_arena_strndup(weir_arena *a, const char *s, size_t n)
{
	char *d = weir_arena_alloc(a, n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *weir_arena_strdup(weir_arena *a, const char *s)
{
	if (s == NULL)
		return NULL;
	return weir_arena_strndup(a, s, strlen(s));
}

char *weir_arena_vprintf(weir_arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	char *d = weir_arena_alloc(a, (size_t)n + 1);
	vsnprintf(d, (size_t)n + 1, fmt, ap);
	return d;
}

char *weir_arena_printf(weir_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *d = weir_arena_vprintf(a, fmt, ap);
	va_end(ap);
	return d;
}

void weir_arena_defer(weir_arena *a, weir_cleanup_fn fn, void *p)
{
	struct cleanup *cl = weir_arena_alloc(a, sizeof(*cl));
	cl->fn = fn;
	cl->p = p;
	cl->next = a->cleanups;
	a->cleanups = cl;
}

size_t weir_arena_used(const weir_arena *a) { return a->total; }
