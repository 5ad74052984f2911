/* The connection pool, statement cache, write lock and migration runner of core/db.h. */
#include "core/db.h"
#include "core/arena.h"
#include "core/log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct stmt_slot {
	const char *sql;
	sqlite3_stmt *st;
};

struct weir_db {
	weir_db_pool *pool;
	sqlite3 *db;
	struct stmt_slot *slots; /* open addressing, power-of-two capacity */
	size_t nslots;
	size_t used;
	bool in_write;
	bool in_read;
	struct { const char *key; char *value; } memo[4];
	bool dirty;         /* a watched table changed in the current transaction */
	uint64_t read_gen;  /* the pool's generation when the read transaction began */
	weir_db *next_free;
};

static _Atomic uint64_t global_generation;
static const char *watched[8];
static int nwatched;

void weir_db_watch(const char *table)
{
	for (int i = 0; i < nwatched; i++)
		if (strcmp(watched[i], table) == 0)
			return;
	if (nwatched < 8)
		watched[nwatched++] = table;
}

struct weir_db_pool {
	_Atomic uint64_t generation;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_mutex_t write_mu; /* the process-wide write lock */
	weir_db *conns;
	int size;
	weir_db *free_list;
	int schema_version;
	/* the checkpointer: its own connection and thread (see on_wal_commit) */
	sqlite3 *ckpt_db;
	pthread_t ckpt_thread;
	bool ckpt_running;
	bool ckpt_wanted;
	bool ckpt_stop;
	pthread_mutex_t ckpt_mu;
	pthread_cond_t ckpt_cv;
};

static int exec_simple(sqlite3 *db, const char *sql, weir_error *err)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		weir_log_error("sqlite: %s: %s", sql, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "database setup failed");
	}
	return 0;
}

int weir_db_latest_version(void)
{
	int v = 0;
	for (const weir_migration *m = weir_migrations; m->sql != NULL; m++)
		v = m->version;
	return v;
}

int weir_db_migrate(sqlite3 *db, weir_error *err)
{
	sqlite3_stmt *st = NULL;
	int current = 0;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot read schema version");
	if (sqlite3_step(st) == SQLITE_ROW)
		current = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	int latest = weir_db_latest_version();
	if (current > latest)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR,
				      "database schema version %d is newer than this binary (%d)",
				      current, latest);
	for (const weir_migration *m = weir_migrations; m->sql != NULL; m++) {
		if (m->version <= current)
			continue;
		if (exec_simple(db, "BEGIN IMMEDIATE", err) != 0)
			return -1;
		char *msg = NULL;
		int rc = sqlite3_exec(db, m->sql, NULL, NULL, &msg);
		if (rc == SQLITE_OK) {
			char pragma[64];
			snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", m->version);
			rc = sqlite3_exec(db, pragma, NULL, NULL, &msg);
		}
		if (rc != SQLITE_OK) {
			weir_log_error("migration %s failed: %s", m->name, msg ? msg : sqlite3_errstr(rc));
			sqlite3_free(msg);
			/* sqlite3_exec leaves the transaction open after a failing statement. */
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "migration %s failed", m->name);
		}
		if (exec_simple(db, "COMMIT", err) != 0) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		weir_log_info("applied migration %s", m->name);
	}
	return 0;
}

/* The hook only marks the connection: the generation moves once the change is committed
 * (on_wal_commit), so no reader can stamp pre-commit data with a post-commit generation. */
static void on_update(void *arg, int op, const char *dbname, const char *table, sqlite3_int64 rowid)
{
	(void)op;
	(void)dbname;
	(void)rowid;
	weir_db *c = arg;
	for (int i = 0; i < nwatched; i++)
		if (strcmp(watched[i], table) == 0)
			c->dirty = true;
}

static void bump_if_dirty(weir_db *c)
{
	if (!c->dirty)
		return;
	c->dirty = false;
	atomic_store(&c->pool->generation, atomic_fetch_add(&global_generation, 1) + 1);
}

/* Checkpoints. SQLite's automatic checkpoint runs inside the commit that pushed the WAL
 * past 1,000 pages, so one request in a few paid for copying the WAL into the database
 * and its two fsyncs (measured: +7 ms on a 1,000-metric log-batch, its p99). Here that
 * commit only wakes the checkpointer thread, which runs the same PASSIVE checkpoint on its
 * own connection while requests go on (readers and the next writer are not blocked by a
 * passive checkpoint). Should the checkpointer fall behind a steady stream of writes, a
 * commit that finds the WAL past CKPT_INLINE_PAGES checkpoints inline as before, which
 * bounds the WAL at about 64 MB.
 * Only with --sync normal: there commits never fsync, and the thread took POST table from
 * ~3,250 to ~4,200/s. With --sync full every commit fsyncs the WAL, and the checkpointer's
 * fsyncs in parallel queued in front of them: ~15 % fewer writes per second (~2,100 against
 * ~1,790/s), so full keeps the checkpoint in the commit (bench/RESULTS.md). */
#define CKPT_PAGES 1000
#define CKPT_INLINE_PAGES 16000

static void *checkpointer(void *arg)
{
	weir_db_pool *p = arg;
	pthread_mutex_lock(&p->ckpt_mu);
	while (!p->ckpt_stop) {
		if (!p->ckpt_wanted) {
			pthread_cond_wait(&p->ckpt_cv, &p->ckpt_mu);
			continue;
		}
		p->ckpt_wanted = false;
		pthread_mutex_unlock(&p->ckpt_mu);
		sqlite3_wal_checkpoint_v2(p->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&p->ckpt_mu);
	}
	pthread_mutex_unlock(&p->ckpt_mu);
	return NULL;
}

/* Called by SQLite after every commit (explicit or autocommit), once it is complete: the
 * one place where a committed change becomes visible, so the generation moves here. It
 * replaces SQLite's default WAL hook, so it also decides the checkpoints (above). */
static int on_wal_commit(void *arg, sqlite3 *db, const char *dbname, int pages)
{
	weir_db *c = arg;
	bump_if_dirty(c);
	if (pages < CKPT_PAGES)
		return SQLITE_OK;
	weir_db_pool *p = c->pool;
	if (!p->ckpt_running || pages >= CKPT_INLINE_PAGES) {
		sqlite3_wal_checkpoint_v2(db, dbname, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		return SQLITE_OK;
	}
	pthread_mutex_lock(&p->ckpt_mu);
	p->ckpt_wanted = true;
	pthread_cond_signal(&p->ckpt_cv);
	pthread_mutex_unlock(&p->ckpt_mu);
	return SQLITE_OK;
}

/* 0 inside a write transaction (uncommitted data must not be cached); in a read transaction
 * the value taken before its snapshot; otherwise the current one. */
uint64_t weir_db_generation(weir_db *c)
{
	if (c->in_write)
		return 0;
	if (c->in_read)
		return c->read_gen;
	return atomic_load(&c->pool->generation);
}

static int conn_open(weir_db *c, const char *path, weir_sync sync, weir_error *err)
{
	int rc = sqlite3_open_v2(path, &c->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		weir_log_error("cannot open database: %s", c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot open the database");
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_update_hook(c->db, on_update, c);
	sqlite3_wal_hook(c->db, on_wal_commit, c);
	sqlite3_busy_timeout(c->db, 5000);
	const char *setup = sync == WEIR_SYNC_FULL
		? "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL; PRAGMA temp_store=MEMORY;"
		  "PRAGMA cache_size=-16000; PRAGMA mmap_size=0;"
		: "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
		  "PRAGMA cache_size=-16000; PRAGMA mmap_size=0;";
	if (exec_simple(c->db, setup, err) != 0)
		return -1;
	c->nslots = 128;
	c->slots = weir_xcalloc(c->nslots, sizeof(*c->slots));
	return 0;
}

static void conn_close(weir_db *c)
{
	for (int i = 0; i < 4; i++)
		free(c->memo[i].value);
	if (c->db == NULL)
		return;
	for (size_t i = 0; i < c->nslots; i++)
		if (c->slots[i].st)
			sqlite3_finalize(c->slots[i].st);
	free(c->slots);
	c->slots = NULL;
	sqlite3_close(c->db);
	c->db = NULL;
}

weir_db_pool *weir_db_pool_open(const char *path, int size, weir_sync sync, weir_error *err)
{
	/* SQLite's memory statistics take one global mutex on every allocation of every
	 * connection; nothing reads them, so they go (measured: a contended lock per query).
	 * Must precede initialisation; a later call is refused harmlessly. */
	static bool configured = false;
	if (!configured) {
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		configured = true;
	}
	if (size < 1)
		size = 1;
	weir_db_pool *p = weir_xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->ckpt_mu, NULL);
	pthread_cond_init(&p->ckpt_cv, NULL);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	pthread_mutex_init(&p->write_mu, NULL);
	atomic_store(&p->generation, atomic_fetch_add(&global_generation, 1) + 1);
	p->conns = weir_xcalloc((size_t)size, sizeof(weir_db));
	p->size = size;
	for (int i = 0; i < size; i++) {
		weir_db *c = &p->conns[i];
		c->pool = p;
		if (conn_open(c, path, sync, err) != 0)
			goto out_fail;
		if (i == 0) {
			/* WAL is persistent in the file; set it once, before any other connection. */
			sqlite3_stmt *st = NULL;
			bool wal = false;
			if (sqlite3_prepare_v2(c->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) == SQLITE_OK &&
			    sqlite3_step(st) == SQLITE_ROW)
				wal = strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
			sqlite3_finalize(st);
			if (!wal) {
				weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot switch the database to WAL mode");
				goto out_fail;
			}
			if (weir_db_migrate(c->db, err) != 0)
				goto out_fail;
			p->schema_version = weir_db_latest_version();
		}
		c->next_free = p->free_list;
		p->free_list = c;
	}
	/* the checkpointer, with --sync normal (a failure here only leaves checkpoints inline) */
	if (sync == WEIR_SYNC_NORMAL &&
	    sqlite3_open_v2(path, &p->ckpt_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(p->ckpt_db, 5000);
		sqlite3_exec(p->ckpt_db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
		p->ckpt_running = pthread_create(&p->ckpt_thread, NULL, checkpointer, p) == 0;
	}
	return p;

out_fail:
	weir_db_pool_close(p);
	return NULL;
}

void weir_db_pool_close(weir_db_pool *p)
{
	if (p == NULL)
		return;
	if (p->ckpt_running) {
		pthread_mutex_lock(&p->ckpt_mu);
		p->ckpt_stop = true;
		pthread_cond_signal(&p->ckpt_cv);
		pthread_mutex_unlock(&p->ckpt_mu);
		pthread_join(p->ckpt_thread, NULL);
		p->ckpt_running = false;
	}
	sqlite3_close(p->ckpt_db);
	for (int i = 0; i < p->size; i++) {
		if (i == 0 && p->conns[0].db)
			sqlite3_exec(p->conns[0].db, "PRAGMA optimize", NULL, NULL, NULL);
		conn_close(&p->conns[i]);
	}
	free(p->conns);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->write_mu);
	pthread_mutex_destroy(&p->ckpt_mu);
	pthread_cond_destroy(&p->ckpt_cv);
	free(p);
}

int weir_db_pool_schema_version(weir_db_pool *p) { return p->schema_version; }

weir_db *weir_db_acquire(weir_db_pool *p)
{
	pthread_mutex_lock(&p->mu);
	while (p->free_list == NULL)
		pthread_cond_wait(&p->cv, &p->mu);
	weir_db *c = p->free_list;
	p->free_list = c->next_free;
	pthread_mutex_unlock(&p->mu);
	return c;
}

void weir_db_release(weir_db *c)
{
	if (c == NULL)
		return;
	/* Safety net: a statement left stepping would hold a read snapshot open. */
	sqlite3_stmt *st = NULL;
	while ((st = sqlite3_next_stmt(c->db, st)) != NULL)
		if (sqlite3_stmt_busy(st))
			sqlite3_reset(st);
	if (c->in_write) {
		weir_log_warn("connection returned with an open write transaction: rolled back");
		weir_db_rollback(c);
	}
	if (c->in_read)
		weir_db_end_read(c);
	weir_db_pool *p = c->pool;
	pthread_mutex_lock(&p->mu);
	c->next_free = p->free_list;
	p->free_list = c;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

sqlite3 *weir_db_handle(weir_db *c) { return c->db; }

const char *weir_db_memo_get(weir_db *c, const char *key)
{
	for (int i = 0; i < 4; i++)
		if (c->memo[i].key == key)
			return c->memo[i].value;
	return NULL;
}

void weir_db_memo_set(weir_db *c, const char *key, const char *value)
{
	for (int i = 0; i < 4; i++) {
		if (c->memo[i].key == NULL || c->memo[i].key == key) {
			free(c->memo[i].value);
			c->memo[i].key = key;
			c->memo[i].value = weir_xstrdup(value);
			return;
		}
	}
}

static size_t slot_index(const char *sql, size_t n)
{
	uintptr_t h = (uintptr_t)sql;
	h ^= h >> 17;
	h *= (uintptr_t)0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 7) & (n - 1);
}

static void cache_grow(weir_db *c)
{
	size_t n = c->nslots * 2;
	struct stmt_slot *slots = weir_xcalloc(n, sizeof(*slots));
	for (size_t i = 0; i < c->nslots; i++) {
		if (!c->slots[i].sql)
			continue;
		size_t j = slot_index(c->slots[i].sql, n);
		while (slots[j].sql)
			j = (j + 1) & (n - 1);
		slots[j] = c->slots[i];
	}
	free(c->slots);
	c->slots = slots;
	c->nslots = n;
}

sqlite3_stmt *weir_db_stmt(weir_db *c, const char *sql, weir_error *err)
{
	size_t i = slot_index(sql, c->nslots);
	while (c->slots[i].sql) {
		if (c->slots[i].sql == sql) {
			sqlite3_stmt *st = c->slots[i].st;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
		i = (i + 1) & (c->nslots - 1);
	}
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		weir_log_error("prepare failed: %s in: %.200s", sqlite3_errmsg(c->db), sql);
		weir_error_set(err, WEIR_E_INTERNAL_ERROR, "internal error");
		return NULL;
	}
	if ((c->used + 1) * 2 > c->nslots) {
		cache_grow(c);
		i = slot_index(sql, c->nslots);
		while (c->slots[i].sql)
			i = (i + 1) & (c->nslots - 1);
	}
	c->slots[i].sql = sql;
	c->slots[i].st = st;
	c->used++;
	return st;
}

void weir_db_done(sqlite3_stmt *st)
{
	if (st)
		sqlite3_reset(st);
}

/* Transaction control through cached statements: sqlite3_exec would compile the SQL text
 * on every request (measured: ~5% of a GET). */
static const char SQL_BEGIN[] = "BEGIN";
static const char SQL_BEGIN_IMMEDIATE[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";

static int run_control(weir_db *c, const char *sql)
{
	sqlite3_stmt *st = weir_db_stmt(c, sql, NULL);
	if (st == NULL)
		return SQLITE_ERROR;
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int weir_db_step_done(weir_db *c, sqlite3_stmt *st, weir_error *err)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return weir_db_fail(c, rc, err);
	return 0;
}

void weir_db_jw_col(weir_jw *w, const char *key, sqlite3_stmt *st, int col)
{
	const char *v = (const char *)sqlite3_column_text(st, col);
	if (v != NULL)
		weir_jw_kstrn(w, key, v, (size_t)sqlite3_column_bytes(st, col));
}

int weir_db_step_i64(weir_db *c, sqlite3_stmt *st, int64_t *out, weir_error *err)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : weir_db_fail(c, rc, err);
}

int weir_db_begin_write(weir_db *c, weir_error *err)
{
	if (c->in_read)
		weir_db_end_read(c);
	pthread_mutex_lock(&c->pool->write_mu);
	int rc = run_control(c, SQL_BEGIN_IMMEDIATE);
	if (rc != SQLITE_OK) {
		pthread_mutex_unlock(&c->pool->write_mu);
		return weir_db_fail(c, rc, err);
	}
	c->in_write = true;
	return 0;
}

int weir_db_commit(weir_db *c, weir_error *err)
{
	int rc = run_control(c, SQL_COMMIT);
	if (rc != SQLITE_OK) {
		weir_db_fail(c, rc, err);
		weir_db_rollback(c);
		return -1;
	}
	c->in_write = false;
	pthread_mutex_unlock(&c->pool->write_mu);
	return 0;
}

void weir_db_rollback(weir_db *c)
{
	if (!c->in_write)
		return;
	if (!sqlite3_get_autocommit(c->db))
		run_control(c, SQL_ROLLBACK);
	c->dirty = false; /* nothing was committed */
	c->in_write = false;
	pthread_mutex_unlock(&c->pool->write_mu);
}

bool weir_db_in_write(const weir_db *c) { return c->in_write; }

int weir_db_begin_read(weir_db *c, weir_error *err)
{
	if (c->in_write || c->in_read)
		return 0;
	c->read_gen = atomic_load(&c->pool->generation); /* before the snapshot is taken */
	int rc = run_control(c, SQL_BEGIN);
	if (rc != SQLITE_OK)
		return weir_db_fail(c, rc, err);
	c->in_read = true;
	return 0;
}

void weir_db_end_read(weir_db *c)
{
	if (!c->in_read)
		return;
	if (!sqlite3_get_autocommit(c->db))
		run_control(c, SQL_COMMIT);
	c->in_read = false;
}

int weir_db_fail(weir_db *c, int rc, weir_error *err)
{
	int primary = rc & 0xff;
	weir_log_error("sqlite error %d: %s", rc, c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
	if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
		return weir_error_set(err, WEIR_E_TEMPORARILY_UNAVAILABLE, "the database is busy; retry");
	if (primary == SQLITE_CONSTRAINT)
		return weir_error_set(err, WEIR_E_RESOURCE_CONFLICT, "the change conflicts with existing data");
	return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "internal error");
}

void weir_db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

void weir_db_bind_i64(sqlite3_stmt *st, int i, int64_t v) { sqlite3_bind_int64(st, i, v); }

void weir_db_bind_i64_or_null(sqlite3_stmt *st, int i, int64_t v, bool is_null)
{
	if (is_null)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}
