/* What a connection of either store keeps the same way (core/db.c for SQLite, core/db_pg.c
 * for PostgreSQL): the cache of prepared statements and the memo. Private to core/; inline
 * because weir_db_stmt looks a statement up on every call. */
#ifndef WEIR_CORE_DB_INT_H
#define WEIR_CORE_DB_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "core/arena.h"

/* Prepared statements by SQL text: every statement's SQL is a static string, so its address
 * is the key. Open addressing, power-of-two capacity, at most half full. */
typedef struct weir_stmt_cache {
	struct weir_stmt_cache_slot {
		const char *key;
		void *st; /* owned by the store, which frees it (weir_stmt_cache_free says when) */
	} * slots;
	size_t nslots;
	size_t used;
} weir_stmt_cache;

static inline void weir_stmt_cache_init(weir_stmt_cache *m)
{
	m->nslots = 128;
	m->slots = weir_xcalloc(m->nslots, sizeof(*m->slots));
	m->used = 0;
}

/* Frees the table only: the caller has freed every slot's statement before. */
static inline void weir_stmt_cache_free(weir_stmt_cache *m)
{
	free(m->slots);
	m->slots = NULL;
	m->nslots = 0;
	m->used = 0;
}

static inline size_t weir_stmt_cache__index(const char *key, size_t n)
{
	uintptr_t h = (uintptr_t)key;
	h ^= h >> 17;
	h *= (uintptr_t)0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 7) & (n - 1);
}

/* The statement cached for key, or NULL. */
static inline void *weir_stmt_cache_get(const weir_stmt_cache *m, const char *key)
{
	size_t i = weir_stmt_cache__index(key, m->nslots);
	while (m->slots[i].key) {
		if (m->slots[i].key == key)
			return m->slots[i].st;
		i = (i + 1) & (m->nslots - 1);
	}
	return NULL;
}

/* Caches st under key (not cached yet), doubling the table first if it would be over half
 * full. */
static inline void weir_stmt_cache_put(weir_stmt_cache *m, const char *key, void *st)
{
	if ((m->used + 1) * 2 > m->nslots) {
		size_t n = m->nslots * 2;
		struct weir_stmt_cache_slot *slots = weir_xcalloc(n, sizeof(*slots));
		for (size_t k = 0; k < m->nslots; k++) {
			if (!m->slots[k].key)
				continue;
			size_t j = weir_stmt_cache__index(m->slots[k].key, n);
			while (slots[j].key)
				j = (j + 1) & (n - 1);
			slots[j] = m->slots[k];
		}
		free(m->slots);
		m->slots = slots;
		m->nslots = n;
	}
	size_t i = weir_stmt_cache__index(key, m->nslots);
	while (m->slots[i].key)
		i = (i + 1) & (m->nslots - 1);
	m->slots[i].key = key;
	m->slots[i].st = st;
	m->used++;
}

/* A pool's idle connections: a stack, so that the one returned last (its caches warm) goes
 * out first. */
typedef struct weir_db_idle {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	void **conn; /* [the pool's size] */
	int n;
} weir_db_idle;

static inline void weir_db_idle_init(weir_db_idle *q, int size)
{
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->conn = weir_xcalloc((size_t)size, sizeof(*q->conn));
	q->n = 0;
}

static inline void weir_db_idle_destroy(weir_db_idle *q)
{
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	free(q->conn);
}

static inline void weir_db_idle_push(weir_db_idle *q, void *c)
{
	pthread_mutex_lock(&q->mu);
	q->conn[q->n++] = c;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

/* An idle connection, waiting for one when there is none; *waited_us says for how long (in
 * microseconds), or -1 when one was there. */
static inline void *weir_db_idle_pop(weir_db_idle *q, int64_t *waited_us)
{
	*waited_us = -1;
	pthread_mutex_lock(&q->mu);
	if (q->n == 0) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (q->n == 0)
			pthread_cond_wait(&q->cv, &q->mu);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		*waited_us = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000;
	}
	void *c = q->conn[--q->n];
	pthread_mutex_unlock(&q->mu);
	return c;
}

/* A few strings a connection keeps until it closes (weir_db_memo_get), keyed by the address
 * of a static string. */
typedef struct weir_db_memo {
	struct {
		const char *key;
		char *value;
	} slot[4];
} weir_db_memo;

static inline const char *weir_db_memo_find(const weir_db_memo *m, const char *key)
{
	for (int i = 0; i < 4; i++)
		if (m->slot[i].key == key)
			return m->slot[i].value;
	return NULL;
}

/* Keeps a copy of value under key; when all four are taken by other keys, nothing. */
static inline void weir_db_memo_put(weir_db_memo *m, const char *key, const char *value)
{
	for (int i = 0; i < 4; i++) {
		if (m->slot[i].key == NULL || m->slot[i].key == key) {
			free(m->slot[i].value);
			m->slot[i].key = key;
			m->slot[i].value = weir_xstrdup(value);
			return;
		}
	}
}

static inline void weir_db_memo_free(weir_db_memo *m)
{
	for (int i = 0; i < 4; i++)
		free(m->slot[i].value);
}

#endif
