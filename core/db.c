/* The connection pool, statement cache, write lock, group commit and migration runner of
 * core/db.h. */
#include "core/db.h"
#include "core/db_sqlite.h"
#include "core/db_pg.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/db_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct weir_db {
	weir_db_pool *pool;
	/* The connection statements go to: this one, or during a write transaction the pool's
	 * writer (weir_db_begin_write). Every function below that touches SQLite starts here. */
	weir_db *active;
	sqlite3 *db;
	weir_stmt_cache stmts; /* sqlite3_stmt * by SQL text */
	bool in_write;
	bool in_read;
	weir_db_memo memo;
	bool dirty; /* a watched table changed in the current transaction */
	bool committing; /* inside a batch's COMMIT: its requests wait for durability */
	int commit_weight; /* the requests that COMMIT commits (on_wal_commit numbers them) */
	uint64_t commit_seq; /* set by on_wal_commit: the number of this connection's last commit */
	uint64_t read_gen; /* the pool's generation when the read transaction began */
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

/* The change counters (weir_db_counter): registered once each, never removed; readers scan
 * [0, ncounters) without a lock (an entry is complete before ncounters covers it). */
static struct weir_db_counter_def {
	char table[48];
	char sql[96]; /* SELECT n FROM table WHERE id = 1: a stable address, the statement cache's key */
} counters[WEIR_DB_MAX_COUNTERS];
static const char *counter_tables[WEIR_DB_MAX_COUNTERS]; /* counters[i].table */
static _Atomic int ncounters;
static pthread_mutex_t counters_mu = PTHREAD_MUTEX_INITIALIZER;

static bool counter_name_ok(const char *table)
{
	size_t n = strlen(table);
	if (n == 0 || n >= sizeof(counters[0].table))
		return false;
	for (const char *p = table; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

static void counter_sql(char *buf, size_t n, const char *table)
{
	snprintf(buf, n, "SELECT n FROM %s WHERE id = 1", table);
}

static int counter_find(const char *table)
{
	int n = atomic_load(&ncounters);
	for (int i = 0; i < n; i++)
		if (strcmp(counters[i].table, table) == 0)
			return i;
	return -1;
}

static void counter_register(const char *table)
{
	pthread_mutex_lock(&counters_mu);
	int n = atomic_load(&ncounters);
	if (counter_find(table) < 0 && n < WEIR_DB_MAX_COUNTERS) {
		snprintf(counters[n].table, sizeof(counters[n].table), "%s", table);
		counter_sql(counters[n].sql, sizeof(counters[n].sql), table);
		counter_tables[n] = counters[n].table;
		atomic_store(&ncounters, n + 1);
	} else if (n == WEIR_DB_MAX_COUNTERS) {
		static bool said;
		if (!said)
			weir_log_error("change counter %s: more than %d counters; read by a statement each time", table,
				       WEIR_DB_MAX_COUNTERS);
		said = true;
	}
	pthread_mutex_unlock(&counters_mu);
}

const char *const *weir_db__counter_tables(int *n)
{
	*n = atomic_load(&ncounters);
	return counter_tables;
}

int64_t weir_db_counter(weir_db *c, const char *table)
{
	int64_t v;
	int i = counter_find(table);
	if (i >= 0) {
		if (weir_db__pg && weir_pg_counter(c, i, &v))
			return v;
		weir_stmt *st = weir_db_stmt(c, counters[i].sql, NULL);
		return st != NULL && weir_db_step_i64(c, st, &v, NULL) == 0 ? v : -1;
	}
	/* the first read is a statement of its own; the table is registered once it answered,
	 * so that a name that is no counter never enters a BEGIN */
	if (!counter_name_ok(table)) {
		weir_log_error("change counter %.60s: not a table name", table);
		return -1;
	}
	char sql[sizeof(counters[0].sql)];
	counter_sql(sql, sizeof(sql), table);
	weir_stmt *st = NULL;
	if (weir_db_prepare(c, sql, &st) != WEIR_DB_OK) {
		if (st != NULL)
			weir_db_finalize(st);
		return -1;
	}
	int rc = weir_db_step(st);
	v = rc == WEIR_DB_ROW ? weir_db_col_i64(st, 0) : -1;
	weir_db_finalize(st);
	if (rc == WEIR_DB_ROW)
		counter_register(table);
	return v;
}

struct weir_db_pool {
	_Atomic uint64_t generation;
	pthread_mutex_t write_mu; /* the process-wide write lock */
	/* The one connection every write transaction runs on, whoever holds write_mu: its page
	 * cache stays valid from one write to the next (a connection that sees another's commit
	 * drops its whole cache on its next read, and re-reads every B-tree page it touches),
	 * and its statement cache holds the write statements once. */
	weir_db writer;
	/* Shared write transactions (weir_db_commit): under write_mu unless noted. */
	_Atomic int write_waiters; /* threads waiting for write_mu */
	_Atomic int writers_busy; /* requests that may write, in their handlers (weir_db_writer_busy) */
	bool batch_open; /* the writer's transaction is open */
	bool holder_sp; /* the lock holder's changes are in savepoint weir_w */
	int batch_size; /* requests released into it so far */
	int64_t batch_start_us;
	struct batch_member *batch_head; /* those waiting for its end */
	uint64_t batch_id; /* the open (or last) transaction's number: tickets name it */
	int batch_deferred; /* its members that left without waiting: the syncer ends it */
	pthread_mutex_t batch_mu; /* members' outcomes are published under it */
	pthread_cond_t batch_cv;
	uint64_t txns, txn_requests, txn_hist[8]; /* transactions, their requests, sizes */
	weir_db *conns;
	int size;
	weir_db_idle idle;
	int schema_version;
	/* the checkpointer: its own connection and thread (see on_wal_commit) */
	sqlite3 *ckpt_db;
	pthread_t ckpt_thread;
	bool ckpt_running;
	bool ckpt_wanted;
	bool ckpt_stop;
	pthread_mutex_t ckpt_mu;
	pthread_cond_t ckpt_cv;
	/* group commit (--sync full): see wal_sync_wait */
	char *wal_path;
	int wal_fd; /* our own descriptor of the WAL, opened once, closed last */
	bool group_sync; /* --sync full */
	_Atomic uint64_t commit_seq; /* commits that wrote WAL frames, numbered by on_wal_commit */
	pthread_mutex_t sync_mu;
	pthread_cond_t sync_cv;
	uint64_t synced_seq; /* every commit up to this one is on disk */
	bool syncing; /* a thread is in fdatasync for the others */
	bool sync_failed; /* an fdatasync failed: no write is acknowledged any more */
	uint64_t syncs, synced_commits, batch_hist[8]; /* requests per fsync: 1, 2, 3-4, ..., 65+ */
	/* outcomes of ended write transactions, for tickets (weir_db_commit_deferred): every
	 * transaction up to ended_batch has ended; the last OUTCOMES are kept by number */
	uint64_t ended_batch, ended_seq_max, last_failed_batch;
	struct batch_outcome {
		uint64_t id, seq;
		int rc;
	} outcomes[256];
	/* waiters for durability that hold no thread (weir_db_durable_async): a syncer thread
	 * runs the fsyncs for them and calls them back; under sync_mu */
	struct durable_waiter *waiters;
	pthread_t syncer;
	bool syncer_running, syncer_stop;
};

typedef struct durable_waiter {
	struct durable_waiter *next;
	uint64_t seq; /* a commit number, or a ticket */
	bool durable;
	void (*done)(void *arg, bool durable);
	void *arg;
} durable_waiter;

/* A request whose savepoint is released into the open write transaction, waiting (on its
 * stack) for the transaction's end. */
typedef struct batch_member {
	struct batch_member *next;
	bool done;
	int rc; /* SQLITE_OK, or why the transaction did not commit */
	uint64_t seq; /* its commit number for wal_sync_wait (0: nothing was written) */
} batch_member;

/* Test hook: replaces fdatasync on the WAL (fault injection in tests/unit/test_core.c). */
int (*weir_db__wal_sync_hook)(int fd);

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

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

bool weir_migration_other_store(const weir_migration *m, bool postgresql)
{
	const char *mark = postgresql ? "-- weir: sqlite only\n" : "-- weir: postgresql only\n";
	return strncmp(m->sql, mark, strlen(mark)) == 0;
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
				      "database schema version %d is newer than this binary (%d)", current, latest);
	for (const weir_migration *m = weir_migrations; m->sql != NULL; m++) {
		if (m->version <= current)
			continue;
		if (exec_simple(db, "BEGIN IMMEDIATE", err) != 0)
			return -1;
		char *msg = NULL;
		/* a migration for PostgreSQL alone says so on its first line: recorded, not run */
		int rc = weir_migration_other_store(m, false) ? SQLITE_OK : sqlite3_exec(db, m->sql, NULL, NULL, &msg);
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

/* Group commit. With --sync full every connection still runs synchronous=NORMAL, so a
 * COMMIT writes its WAL frames without an fsync, and the commit is made durable here,
 * outside the write lock: the first committer to arrive runs one fdatasync on the WAL for
 * every commit numbered so far, the others wait for it, and whoever arrives during that
 * fsync is covered by the next one. The next write transaction runs while the disk
 * flushes the previous ones, so concurrent writes share one fsync and durable throughput
 * grows with concurrency instead of being one fsync per request.
 *
 * Why this is as durable as synchronous=FULL: FULL differs from NORMAL in WAL mode only by
 * the WAL fsync at each commit (checkpoints and the WAL header sync the same in both).
 * fdatasync of the WAL file, through any descriptor of it, flushes every frame written
 * before it, so a commit counted before the fsync started is on disk when it returns. A
 * crash before that loses only commits nobody acknowledged; later frames are not valid
 * without the earlier ones (WAL checksums chain), so recovery stops at the last synced
 * commit or a later complete one. Our descriptor is never closed while SQLite holds the
 * file (closing any descriptor of a file drops the process's POSIX locks on it).
 *
 * Visibility: other connections see a commit once COMMIT returns, up to one fsync before
 * it is durable (a reader may see a row that a power cut then takes away; its writer was
 * not answered yet). Whatever a later write builds on it comes after it in the WAL, so it
 * is durable only if the earlier commit is.
 *
 * A failed fdatasync fails every commit it covered and every later one: after an fsync
 * error the kernel may have dropped the dirty pages, and retrying can report success for
 * data that is gone (PostgreSQL's "fsyncgate"). Writes answer 500 until a restart. */
static int wal_sync(weir_db_pool *p)
{
	/* Another process that closes the database last (a CLI, a backup) checkpoints and
	 * deletes the WAL; our connections then create a new one. Syncing the old file would
	 * sync nothing we need, so the descriptor follows the name (SQLite holds no lock on
	 * the WAL file itself, so closing ours drops none). No file: the commits counted went
	 * to the deleted WAL, which its remover checkpointed into the synced database. */
	struct stat fd_st, path_st;
	if (stat(p->wal_path, &path_st) != 0) {
		if (errno == ENOENT)
			return 0;
		weir_log_error("cannot stat the WAL for group commit: %s", strerror(errno));
		return -1;
	}
	if (p->wal_fd >= 0 &&
	    (fstat(p->wal_fd, &fd_st) != 0 || fd_st.st_ino != path_st.st_ino || fd_st.st_dev != path_st.st_dev)) {
		weir_log_warn("the WAL was replaced by another process: following it");
		close(p->wal_fd);
		p->wal_fd = -1;
	}
	if (p->wal_fd < 0) {
		p->wal_fd = open(p->wal_path, O_RDWR | O_CLOEXEC);
		if (p->wal_fd < 0) {
			weir_log_error("cannot open the WAL for group commit: %s", strerror(errno));
			return -1;
		}
	}
	if (weir_db__wal_sync_hook)
		return weir_db__wal_sync_hook(p->wal_fd);
	return fdatasync(p->wal_fd);
}

static int hist_bucket(uint64_t n)
{
	int b = 0;
	while (b < 7 && (1ull << b) < n)
		b++;
	return b;
}

static void note_batch(weir_db_pool *p, uint64_t n)
{
	p->batch_hist[hist_bucket(n)]++;
	p->syncs++;
	p->synced_commits += n;
}

/* Returns once commit `seq` is on disk (0), or -1 if it cannot be made durable. */
static int wal_sync_wait(weir_db_pool *p, uint64_t seq)
{
	pthread_mutex_lock(&p->sync_mu);
	while (p->synced_seq < seq && !p->sync_failed) {
		if (p->syncing) {
			pthread_cond_wait(&p->sync_cv, &p->sync_mu);
			continue;
		}
		p->syncing = true;
		uint64_t target = atomic_load(&p->commit_seq); /* all of these wrote their frames */
		pthread_mutex_unlock(&p->sync_mu);
		int64_t t0 = mono_us();
		int rc = wal_sync(p);
		int64_t dt = mono_us() - t0;
		pthread_mutex_lock(&p->sync_mu);
		p->syncing = false;
		if (rc != 0) {
			p->sync_failed = true;
			weir_log_error("fdatasync of the WAL failed (%s): writes are refused until a restart",
				       strerror(errno));
		} else {
			weir_metrics_commit((int)(target - p->synced_seq), dt);
			note_batch(p, target - p->synced_seq);
			p->synced_seq = target;
		}
		pthread_cond_broadcast(&p->sync_cv);
	}
	int rc = p->synced_seq >= seq ? 0 : -1;
	pthread_mutex_unlock(&p->sync_mu);
	return rc;
}

/* Tickets (weir_db_commit_deferred) name a write transaction that may still be open:
 * TICKET | its number. Anything else given to weir_db_durable_async is a commit number. */
#define TICKET (1ull << 63)
#define NOUTCOMES 256

/* Under sync_mu: what a durability token stands for. 1: committed, *seq the commit to wait
 * for (0: nothing to sync); 0: its transaction is still open; -1: it did not commit. */
static int token_seq(weir_db_pool *p, uint64_t token, uint64_t *seq)
{
	*seq = token;
	if (!(token & TICKET))
		return 1;
	uint64_t id = token & ~TICKET;
	if (id > p->ended_batch)
		return 0;
	const struct batch_outcome *o = &p->outcomes[id % NOUTCOMES];
	if (o->id == id) {
		*seq = o->seq;
		return o->rc == SQLITE_OK ? 1 : -1;
	}
	/* NOUTCOMES transactions ended since (never seen: its request registers right after its
	 * commit): a later commit covers it, unless one failed since, which it may have been. */
	*seq = p->ended_seq_max;
	return p->last_failed_batch >= id ? -1 : 1;
}

static void batch_end_open(weir_db_pool *p, uint64_t id);

int64_t weir_db__linger_us = 1000;

void weir_db_writer_busy(weir_db_pool *p, int delta)
{
	if (!weir_db__pg)
		atomic_fetch_add(&p->writers_busy, delta);
}

/* Under sync_mu, before the syncer ends the open transaction: while requests that may join
 * it are still in their handlers, wait for them (their commit registers a waiter, which
 * signals sync_cv), at most weir_db__linger_us. A transaction ended as soon as its first
 * member asks held what arrived during one fsync: 3.3 requests at 32 connections once the
 * fsync was fast, each transaction writing the same dozen WAL frames (table, indexes, audit)
 * and paying a COMMIT, an fdatasync and a round of resumes. A request alone (nobody else in
 * a handler) does not wait at all. */
static void linger(weir_db_pool *p)
{
	if (weir_db__linger_us <= 0 || atomic_load(&p->writers_busy) <= 0)
		return;
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += (long)(weir_db__linger_us % 1000000) * 1000;
	until.tv_sec += weir_db__linger_us / 1000000 + until.tv_nsec / 1000000000;
	until.tv_nsec %= 1000000000;
	while (atomic_load(&p->writers_busy) > 0 && !p->syncer_stop)
		if (pthread_cond_timedwait(&p->sync_cv, &p->sync_mu, &until) != 0)
			break;
}

/* The syncer thread: ends the open write transaction that a waiter's ticket names (its
 * members left without waiting, weir_db_commit_deferred), runs wal_sync_wait for the
 * highest commit a waiter needs (sharing the fsync with any thread that waits
 * synchronously), then calls back every waiter it covered (or all of them, failed, once an
 * fsync failed). Under load the next transaction fills while this one's fsync runs, so a
 * transaction holds about everything that arrived during one fsync. Callbacks run on this
 * thread, outside sync_mu, and must be quick (the server only resumes a connection). */
static void *syncer_main(void *arg)
{
	weir_db_pool *p = arg;
	pthread_mutex_lock(&p->sync_mu);
	for (;;) {
		while (p->waiters == NULL && !p->syncer_stop)
			pthread_cond_wait(&p->sync_cv, &p->sync_mu);
		if (p->waiters == NULL && p->syncer_stop)
			break;
		uint64_t open_id = 0;
		for (durable_waiter *w = p->waiters; w; w = w->next)
			if ((w->seq & TICKET) && (w->seq & ~TICKET) > p->ended_batch)
				open_id = w->seq & ~TICKET;
		if (open_id != 0) {
			linger(p);
			pthread_mutex_unlock(&p->sync_mu);
			batch_end_open(p, open_id);
			pthread_mutex_lock(&p->sync_mu);
		}
		uint64_t need = 0, seq;
		for (durable_waiter *w = p->waiters; w; w = w->next)
			if (token_seq(p, w->seq, &seq) > 0 && seq > need)
				need = seq;
		if (need > p->synced_seq && p->group_sync) {
			pthread_mutex_unlock(&p->sync_mu);
			wal_sync_wait(p, need);
			pthread_mutex_lock(&p->sync_mu);
		}
		durable_waiter *ready = NULL, **link = &p->waiters;
		while (*link) {
			durable_waiter *w = *link;
			int st = token_seq(p, w->seq, &seq);
			if (p->sync_failed || st < 0 || (st > 0 && seq <= p->synced_seq)) {
				*link = w->next;
				w->next = ready;
				w->durable = !p->sync_failed && st > 0;
				ready = w;
			} else {
				link = &w->next;
			}
		}
		pthread_mutex_unlock(&p->sync_mu);
		while (ready) {
			durable_waiter *w = ready;
			ready = w->next;
			w->done(w->arg, w->durable);
			free(w);
		}
		pthread_mutex_lock(&p->sync_mu);
	}
	pthread_mutex_unlock(&p->sync_mu);
	return NULL;
}

int weir_db_durable_async(weir_db_pool *p, uint64_t token, void (*done)(void *arg, bool durable), void *arg)
{
	if (weir_db__pg)
		return 1; /* PostgreSQL's COMMIT returned: durable (synchronous_commit on) */
	uint64_t seq;
	pthread_mutex_lock(&p->sync_mu);
	int st = token_seq(p, token, &seq);
	if (p->sync_failed || st < 0) {
		pthread_mutex_unlock(&p->sync_mu);
		return -1;
	}
	if (st > 0 && (seq == 0 || p->synced_seq >= seq)) {
		pthread_mutex_unlock(&p->sync_mu);
		return 1;
	}
	if (!p->syncer_running) { /* no syncer (tests): wait here; no ticket is open then */
		pthread_mutex_unlock(&p->sync_mu);
		return st > 0 && wal_sync_wait(p, seq) == 0 ? 1 : -1;
	}
	if (done == NULL) { /* a probe: not decided yet */
		pthread_mutex_unlock(&p->sync_mu);
		return 0;
	}
	durable_waiter *w = weir_xmalloc(sizeof(*w));
	w->seq = token;
	w->done = done;
	w->arg = arg;
	w->next = p->waiters;
	/* the syncer waits for a first waiter, or lingers until no writer is busy (linger): a
	 * waiter that changes neither need not wake it (a wake-up and a switch per request) */
	bool wake = p->waiters == NULL || atomic_load(&p->writers_busy) <= 0;
	p->waiters = w;
	if (wake)
		pthread_cond_broadcast(&p->sync_cv);
	pthread_mutex_unlock(&p->sync_mu);
	return 0;
}

int weir_db_durable_wait(weir_db_pool *p, uint64_t token)
{
	if (weir_db__pg)
		return 0;
	uint64_t seq;
	pthread_mutex_lock(&p->sync_mu);
	int st = token_seq(p, token, &seq);
	pthread_mutex_unlock(&p->sync_mu);
	if (st == 0) { /* its transaction is open: end it here */
		batch_end_open(p, token & ~TICKET);
		pthread_mutex_lock(&p->sync_mu);
		st = token_seq(p, token, &seq);
		pthread_mutex_unlock(&p->sync_mu);
	}
	if (st < 0)
		return -1;
	if (seq == 0 || !p->group_sync)
		return p->sync_failed ? -1 : 0;
	return wal_sync_wait(p, seq);
}

void weir_db_pool_stats(weir_db_pool *p, weir_db_commit_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (weir_db__pg)
		return;
	pthread_mutex_lock(&p->sync_mu);
	out->syncs = p->syncs;
	out->commits = p->synced_commits;
	memcpy(out->batch_hist, p->batch_hist, sizeof(out->batch_hist));
	pthread_mutex_unlock(&p->sync_mu);
	pthread_mutex_lock(&p->write_mu);
	out->txns = p->txns;
	out->txn_requests = p->txn_requests;
	memcpy(out->txn_hist, p->txn_hist, sizeof(out->txn_hist));
	pthread_mutex_unlock(&p->write_mu);
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
	weir_db_pool *p = c->pool;
	bump_if_dirty(c);
	if (p->group_sync) {
		uint64_t n = c->committing && c->commit_weight > 0 ? (uint64_t)c->commit_weight : 1;
		c->commit_seq = atomic_fetch_add(&p->commit_seq, n) + n;
		/* A commit outside weir_db_commit (an autocommit statement, a raw handle) is
		 * made durable before its statement returns, as synchronous=FULL would. */
		if (!c->committing && wal_sync_wait(p, c->commit_seq) != 0) {
			/* the statement reports the error (SQLite: the commit itself stands) */
			weir_log_error("a commit outside a write transaction could not be made durable");
			return SQLITE_IOERR_FSYNC;
		}
	}
	if (pages < CKPT_PAGES)
		return SQLITE_OK;
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
	if (weir_db__pg)
		return weir_pg_generation(c);
	if (c->in_write)
		return 0;
	if (c->in_read)
		return c->read_gen;
	return atomic_load(&c->pool->generation);
}

static int conn_open(weir_db *c, const char *path, weir_sync sync, weir_error *err)
{
	int rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		weir_log_error("cannot open database: %s", c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot open the database");
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_update_hook(c->db, on_update, c);
	sqlite3_wal_hook(c->db, on_wal_commit, c);
	sqlite3_busy_timeout(c->db, 5000);
	/* --sync full is synchronous=NORMAL plus the group commit's WAL fsync (wal_sync_wait);
	 * until the WAL descriptor exists (migrations on the first connection), FULL itself. */
	const char *setup = c->pool->wal_fd < 0 && sync == WEIR_SYNC_FULL
				    ? "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL; PRAGMA temp_store=MEMORY;"
				      "PRAGMA cache_size=-16000; PRAGMA mmap_size=0;"
				    : "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
				      "PRAGMA cache_size=-16000; PRAGMA mmap_size=0;";
	if (exec_simple(c->db, setup, err) != 0)
		return -1;
	weir_stmt_cache_init(&c->stmts);
	c->active = c;
	return 0;
}

static void conn_close(weir_db *c)
{
	weir_db_memo_free(&c->memo);
	if (c->db == NULL)
		return;
	for (size_t i = 0; i < c->stmts.nslots; i++)
		if (c->stmts.slots[i].st)
			sqlite3_finalize(c->stmts.slots[i].st);
	weir_stmt_cache_free(&c->stmts);
	sqlite3_close(c->db);
	c->db = NULL;
}

/* --sync full: our descriptor of the WAL (it exists once the first connection is in WAL
 * mode and has written), the directory synced once so that the WAL's name is durable too,
 * then the first connection drops to synchronous=NORMAL like the ones opened after it. */
static int group_commit_start(weir_db_pool *p, weir_db *c, const char *path, weir_error *err)
{
	size_t n = strlen(path);
	p->wal_path = weir_xmalloc(n + 5);
	memcpy(p->wal_path, path, n);
	memcpy(p->wal_path + n, "-wal", 5);
	p->wal_fd = open(p->wal_path, O_RDWR | O_CLOEXEC);
	if (p->wal_fd < 0) {
		weir_log_error("cannot open %s: %s", p->wal_path, strerror(errno));
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot open the database's write-ahead log");
	}
	char *dir = weir_xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (dfd < 0 || fsync(dfd) != 0 || fdatasync(p->wal_fd) != 0) {
		weir_log_error("cannot sync the database directory or WAL: %s", strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot sync the database files");
	}
	close(dfd);
	if (exec_simple(c->db, "PRAGMA synchronous=NORMAL", err) != 0)
		return -1;
	p->group_sync = true;
	return 0;
}

weir_db_pool *weir_db_pool_open(const char *path, int size, weir_sync sync, weir_error *err)
{
	if (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0)
		return weir_pg_pool_open(path, size, err);
	/* SQLite's memory statistics take one global mutex on every allocation of every
	 * connection; nothing reads them, so they go (measured: a contended lock per query).
	 * Must precede initialisation; a later call is refused harmlessly. */
	static bool configured = false;
	if (!configured) {
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		/* one pwrite per commit for the WAL instead of two per page (core/db_vfs.c) */
		if (weir_db_vfs_register() != SQLITE_OK)
			weir_log_warn("cannot register the WAL-gathering VFS: SQLite's own is used");
		configured = true;
	}
	if (size < 1)
		size = 1;
	weir_db_pool *p = weir_xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->ckpt_mu, NULL);
	pthread_cond_init(&p->ckpt_cv, NULL);
	weir_db_idle_init(&p->idle, size);
	pthread_mutex_init(&p->write_mu, NULL);
	pthread_mutex_init(&p->sync_mu, NULL);
	pthread_condattr_t ca; /* the linger's deadline is on the monotonic clock */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->sync_cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&p->batch_mu, NULL);
	pthread_cond_init(&p->batch_cv, NULL);
	p->wal_fd = -1;
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
			if (sync == WEIR_SYNC_FULL && group_commit_start(p, c, path, err) != 0)
				goto out_fail;
		}
		weir_db_idle_push(&p->idle, c);
	}
	p->writer.pool = p;
	if (conn_open(&p->writer, path, sync, err) != 0)
		goto out_fail;
	/* 4 MB of page cache for the writer, not the readers' 16: what it revisits from write
	 * to write is the B-trees' interior pages and the tables' last leaves (a few hundred
	 * pages); the random leaves of the id indexes miss at any size once the database is
	 * large. Measured under POST table load: peak RSS 29-31 -> 20-21 MB, 2.9 -> 3.2 preads
	 * per request, CPU per request the same within noise. */
	if (exec_simple(p->writer.db, "PRAGMA cache_size=-4000", err) != 0)
		goto out_fail;
	/* the checkpointer, with --sync normal (a failure here only leaves checkpoints inline) */
	if (sync == WEIR_SYNC_NORMAL &&
	    sqlite3_open_v2(path, &p->ckpt_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(p->ckpt_db, 5000);
		sqlite3_exec(p->ckpt_db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
		p->ckpt_running = pthread_create(&p->ckpt_thread, NULL, checkpointer, p) == 0;
	}
	/* the syncer: ends deferred transactions (weir_db_commit_deferred) and, with --sync
	 * full, runs the fsyncs of requests that wait for durability without a thread */
	p->syncer_running = pthread_create(&p->syncer, NULL, syncer_main, p) == 0;
	return p;

out_fail:
	weir_db_pool_close(p);
	return NULL;
}

/* One exit log line of a counter and its histogram (buckets 1, 2, 3-4, ..., 65+: hist_bucket). */
static void log_hist(const char *what, const char *unit, uint64_t n, const char *per, uint64_t m, const char *label,
		     const uint64_t hist[8])
{
	weir_log_info("%s: %llu %s in %llu %s; %s 1:%llu 2:%llu 3-4:%llu 5-8:%llu 9-16:%llu 17-32:%llu 33-64:%llu "
		      "65+:%llu",
		      what, (unsigned long long)n, unit, (unsigned long long)m, per, label, (unsigned long long)hist[0],
		      (unsigned long long)hist[1], (unsigned long long)hist[2], (unsigned long long)hist[3],
		      (unsigned long long)hist[4], (unsigned long long)hist[5], (unsigned long long)hist[6],
		      (unsigned long long)hist[7]);
}

/* Stops a pool's thread, if *running, that waits on cv under mu until *stop: sets it, wakes
 * every waiter and joins the thread. */
static void thread_stop(pthread_t t, pthread_mutex_t *mu, pthread_cond_t *cv, bool *stop, bool *running)
{
	if (!*running)
		return;
	pthread_mutex_lock(mu);
	*stop = true;
	pthread_cond_broadcast(cv);
	pthread_mutex_unlock(mu);
	pthread_join(t, NULL);
	*running = false;
}

void weir_db_pool_close(weir_db_pool *p)
{
	if (weir_db__pg) {
		weir_pg_pool_close(p);
		return;
	}
	if (p == NULL)
		return;
	if (p->batch_open) /* members that left without waiting (weir_db_commit_deferred) */
		batch_end_open(p, p->batch_id);
	/* the syncer answers every waiter before it stops */
	thread_stop(p->syncer, &p->sync_mu, &p->sync_cv, &p->syncer_stop, &p->syncer_running);
	thread_stop(p->ckpt_thread, &p->ckpt_mu, &p->ckpt_cv, &p->ckpt_stop, &p->ckpt_running);
	sqlite3_close(p->ckpt_db);
	for (int i = 0; i < p->size; i++) {
		if (i == 0 && p->conns[0].db)
			sqlite3_exec(p->conns[0].db, "PRAGMA optimize", NULL, NULL, NULL);
		conn_close(&p->conns[i]);
	}
	conn_close(&p->writer);
	free(p->conns);
	if (p->txns > 0)
		log_hist("write transactions", "requests", p->txn_requests, "transactions", p->txns,
			 "requests per transaction", p->txn_hist);
	if (p->syncs > 0)
		log_hist("group commit", "commits", p->synced_commits, "fsyncs", p->syncs, "batch sizes",
			 p->batch_hist);
	if (p->wal_fd >= 0) /* after every connection: see wal_sync_wait */
		close(p->wal_fd);
	free(p->wal_path);
	pthread_mutex_destroy(&p->sync_mu);
	pthread_cond_destroy(&p->sync_cv);
	pthread_mutex_destroy(&p->batch_mu);
	pthread_cond_destroy(&p->batch_cv);
	weir_db_idle_destroy(&p->idle);
	pthread_mutex_destroy(&p->write_mu);
	pthread_mutex_destroy(&p->ckpt_mu);
	pthread_cond_destroy(&p->ckpt_cv);
	free(p);
}

int weir_db_pool_schema_version(weir_db_pool *p)
{
	return weir_db__pg ? weir_pg_pool_schema_version(p) : p->schema_version;
}

bool weir_db_pool_ready(weir_db_pool *p) { return weir_db__pg ? weir_pg_pool_ready(p) : true; }

const char *weir_db_store_kind(void) { return weir_db__pg ? "postgresql" : "sqlite"; }

bool weir_db_leader(weir_db_pool *p, int role) { return weir_db__pg ? weir_pg_leader(p, role) : true; }

bool weir_db_lost(weir_db *c) { return weir_db__pg && c != NULL && weir_pg_lost(c); }

void weir_db_notify(weir_db *c, const char *channel, int64_t arg)
{
	if (weir_db__pg && c != NULL)
		weir_pg_notify(c, channel, arg);
}

int weir_db_listen(weir_db_pool *p, const char *channel) { return weir_db__pg ? weir_pg_listen(p, channel) : -1; }

int weir_db_notifications(weir_db_pool *p, void (*fn)(void *ctx, int64_t arg), void *ctx)
{
	return weir_db__pg ? weir_pg_notifications(p, fn, ctx) : 0;
}

weir_db *weir_db_acquire(weir_db_pool *p)
{
	if (weir_db__pg)
		return weir_pg_acquire(p);
	int64_t waited_us;
	weir_db *c = weir_db_idle_pop(&p->idle, &waited_us);
	if (waited_us >= 0)
		weir_metrics_pool_wait(waited_us);
	return c;
}

/* Resets every statement of db still stepping: as a connection is returned, and before its
 * transaction ends. */
static void reset_busy(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	while ((st = sqlite3_next_stmt(db, st)) != NULL)
		if (sqlite3_stmt_busy(st))
			sqlite3_reset(st);
}

void weir_db_release(weir_db *c)
{
	if (c == NULL)
		return;
	if (!weir_db__pg) {
		reset_busy(c->db); /* safety net: a statement left stepping would hold a read snapshot open */
	}
	if (weir_db_in_write(c)) {
		weir_log_warn("connection returned with an open write transaction: rolled back");
		weir_db_rollback(c);
	}
	weir_db_end_read(c); /* nothing outside a read, for either store */
	if (weir_db__pg) {
		weir_pg_release(c);
		return;
	}
	weir_db_idle_push(&c->pool->idle, c);
}

sqlite3 *weir_db_handle(weir_db *c) { return weir_db__pg ? NULL : c->active->db; }

const char *weir_db_memo_get(weir_db *c, const char *key)
{
	if (weir_db__pg)
		return weir_pg_memo_get(c, key);
	return weir_db_memo_find(&c->memo, key);
}

void weir_db_memo_set(weir_db *c, const char *key, const char *value)
{
	if (weir_db__pg) {
		weir_pg_memo_set(c, key, value);
		return;
	}
	weir_db_memo_put(&c->memo, key, value);
}

weir_stmt *weir_db_stmt(weir_db *c, const char *sql, weir_error *err)
{
	if (weir_db__pg)
		return weir_pg_stmt(c, sql, err);
	c = c->active;
	sqlite3_stmt *st = weir_stmt_cache_get(&c->stmts, sql);
	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return (weir_stmt *)(void *)st;
	}
	int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		weir_log_error("prepare failed: %s in: %.200s", sqlite3_errmsg(c->db), sql);
		weir_error_set(err, WEIR_E_INTERNAL_ERROR, "internal error");
		return NULL;
	}
	weir_stmt_cache_put(&c->stmts, sql, st);
	return (weir_stmt *)(void *)st;
}

void weir_db_done(weir_stmt *st)
{
	if (weir_db__pg) {
		weir_pg_done(st);
		return;
	}
	if (st)
		sqlite3_reset(weir_db_sqlite_stmt(st));
}

/* Transaction control through cached statements: sqlite3_exec would compile the SQL text
 * on every request (measured: ~5% of a GET). */
static const char SQL_BEGIN[] = "BEGIN";
static const char SQL_BEGIN_IMMEDIATE[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";

static int run_control(weir_db *c, const char *sql)
{
	sqlite3_stmt *st = weir_db_sqlite_stmt(weir_db_stmt(c, sql, NULL));
	if (st == NULL)
		return SQLITE_ERROR;
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The three below are built on the calls that pick the store (weir_db_step, weir_db_done,
 * weir_db_col_*), so that either store runs the same logic. */
int weir_db_step_done(weir_db *c, weir_stmt *st, weir_error *err)
{
	int rc = weir_db_step(st);
	weir_db_done(st);
	return rc == WEIR_DB_ROW || rc == WEIR_DB_DONE ? 0 : weir_db_fail(c, rc, err);
}

void weir_db_jw_col(weir_jw *w, const char *key, weir_stmt *st, int col)
{
	const char *v = weir_db_col_text(st, col);
	if (v == NULL)
		return;
	/* PostgreSQL's length is strlen (weir_pg_col_bytes): taken here, not by finding the cell again */
	weir_jw_kstrn(w, key, v, weir_db__pg ? strlen(v) : (size_t)sqlite3_column_bytes(weir_db_sqlite_stmt(st), col));
}

/* No row fails as WEIR_DB_DONE does in weir_db_fail: an internal error, for either store. */
int weir_db_step_i64(weir_db *c, weir_stmt *st, int64_t *out, weir_error *err)
{
	int rc = weir_db_step(st);
	if (rc == WEIR_DB_ROW)
		*out = weir_db_col_i64(st, 0);
	weir_db_done(st);
	return rc == WEIR_DB_ROW ? 0 : weir_db_fail(c, rc, err);
}

static int durability_lost(weir_error *err)
{
	return weir_error_set(err, WEIR_E_INTERNAL_ERROR,
			      "the database cannot make writes durable; the server needs a restart");
}

/* Shared write transactions. Every write runs on the pool's writer connection, in its own
 * savepoint inside the writer's transaction. A request that commits while others wait for
 * the write lock releases its savepoint into the open transaction and hands the lock over;
 * the holder that finds nobody waiting (or the batch full, or old) COMMITs everyone's
 * changes at once and tells each member the outcome. So concurrent writes share the
 * transaction's page writes and COMMIT as well as the fsync (wal_sync_wait), and a failing
 * request rolls back only its savepoint.
 *
 * Liveness: whoever holds write_mu ends with weir_db_commit or weir_db_rollback, and both
 * either pass the open transaction to a thread already counted in write_waiters (which
 * will hold write_mu next) or end it. A member never holds write_mu while it waits.
 *
 * Failure: a COMMIT that fails fails every member (none was answered). A statement error
 * after which SQLite dropped the whole transaction (SQLITE_FULL, IOERR, NOMEM: the writer is
 * back in autocommit) fails the members released before it too. Requests see the changes
 * of the members before them (they come first in the commit order); those cannot be undone
 * alone. */
#define BATCH_MAX 32 /* requests per transaction */
int64_t weir_db__batch_max_us = 4000; /* nor is a transaction held open longer (tests set it) */

static const char SQL_SAVEPOINT[] = "SAVEPOINT weir_w";
static const char SQL_RELEASE[] = "RELEASE weir_w";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO weir_w";

/* The write lock first, then (if no transaction is open) BEGIN IMMEDIATE on the pool's
 * writer connection, then the request's savepoint; c uses the writer until commit or
 * rollback (c->active). c's own read transaction ends first: the write reads the latest
 * data, and c holds no snapshot meanwhile. */
int weir_db_begin_write(weir_db *c, weir_error *err)
{
	if (weir_db__pg)
		return weir_pg_begin_write(c, err);
	weir_db_pool *p = c->pool;
	weir_db *w = &p->writer;
	if (c->in_read)
		weir_db_end_read(c);
	if (p->sync_failed) /* read without the lock: a stale false only delays the refusal */
		return durability_lost(err);
	if (pthread_mutex_trylock(&p->write_mu) != 0) {
		atomic_fetch_add(&p->write_waiters, 1);
		weir_metrics_write_queue_add(1);
		pthread_mutex_lock(&p->write_mu);
		weir_metrics_write_queue_add(-1);
		atomic_fetch_sub(&p->write_waiters, 1);
	}
	c->active = w;
	c->in_write = true;
	/* The first request of a transaction needs no savepoint: should it fail, nothing else
	 * is in the transaction (~40,000 instructions spared when writes do not overlap). */
	int rc;
	p->holder_sp = p->batch_open;
	if (!p->batch_open) {
		rc = run_control(w, SQL_BEGIN_IMMEDIATE);
		if (rc == SQLITE_OK) {
			p->batch_open = true;
			p->batch_size = 0;
			p->batch_deferred = 0;
			p->batch_id++;
			p->batch_start_us = mono_us();
		}
	} else {
		rc = run_control(w, SQL_SAVEPOINT);
		if (rc != SQLITE_OK)
			p->holder_sp = false; /* no savepoint to undo: the rollback below ends it all */
	}
	if (rc != SQLITE_OK) {
		weir_db_fail(w, rc, err);
		weir_db_rollback(c); /* ends or passes the transaction, releases the lock */
		return -1;
	}
	return 0;
}

/* Ends the open transaction (under write_mu): COMMIT (commit) or ROLLBACK, every member
 * told the outcome. Returns the SQLite result; *seq the commit's number. */
static int batch_end(weir_db_pool *p, bool commit, int lost_rc, uint64_t *seq)
{
	weir_db *w = &p->writer;
	int rc = lost_rc;
	int n = p->batch_size;
	*seq = 0;
	if (commit) {
		w->commit_seq = 0;
		w->commit_weight = n;
		w->committing = true;
		int64_t t0 = mono_us();
		rc = run_control(w, SQL_COMMIT);
		w->committing = false;
		if (rc == SQLITE_OK) {
			*seq = w->commit_seq;
			p->txns++;
			p->txn_requests += (uint64_t)n;
			p->txn_hist[hist_bucket((uint64_t)(n > 0 ? n : 1))]++;
			if (!p->group_sync)
				weir_metrics_commit(n, mono_us() - t0);
		} else {
			weir_db_fail(w, rc, NULL);
		}
	}
	if (rc != SQLITE_OK) {
		reset_busy(w->db);
		if (!sqlite3_get_autocommit(w->db))
			run_control(w, SQL_ROLLBACK);
		w->dirty = false; /* nothing was committed */
	}
	pthread_mutex_lock(&p->sync_mu); /* for tickets: token_seq */
	struct batch_outcome *o = &p->outcomes[p->batch_id % NOUTCOMES];
	o->id = p->batch_id;
	o->seq = *seq;
	o->rc = rc;
	p->ended_batch = p->batch_id;
	if (*seq > p->ended_seq_max)
		p->ended_seq_max = *seq;
	if (rc != SQLITE_OK)
		p->last_failed_batch = p->batch_id;
	pthread_mutex_unlock(&p->sync_mu);
	pthread_mutex_lock(&p->batch_mu);
	for (batch_member *m = p->batch_head; m; m = m->next) {
		m->rc = rc;
		m->seq = *seq;
		m->done = true;
	}
	if (p->batch_head)
		pthread_cond_broadcast(&p->batch_cv);
	pthread_mutex_unlock(&p->batch_mu);
	p->batch_head = NULL;
	p->batch_size = 0;
	p->batch_deferred = 0;
	p->batch_open = false;
	return rc;
}

/* Whether the transaction may take more requests (not full, not old). */
static bool batch_room(weir_db_pool *p)
{
	return p->batch_size < BATCH_MAX && mono_us() - p->batch_start_us < weir_db__batch_max_us;
}

/* Whether the holder of the lock may leave the transaction open for the next one: someone
 * will end it (a thread waiting for the lock, or the syncer for a deferred member). */
static bool batch_pass(weir_db_pool *p)
{
	return (atomic_load(&p->write_waiters) > 0 || p->batch_deferred > 0) && batch_room(p);
}

/* Ends transaction `id` if it is still the open one (the syncer, or a thread that waits
 * for a ticket): takes the write lock, so the request holding it finishes first. */
static void batch_end_open(weir_db_pool *p, uint64_t id)
{
	pthread_mutex_lock(&p->write_mu);
	if (p->batch_open && p->batch_id == id) {
		uint64_t seq;
		batch_end(p, true, SQLITE_OK, &seq);
	}
	pthread_mutex_unlock(&p->write_mu);
}

static void writer_release(weir_db *c)
{
	c->active = c;
	c->in_write = false;
	pthread_mutex_unlock(&c->pool->write_mu);
}

/* Releases the request's savepoint into the open transaction and counts the request into
 * the batch: -1 with err set, and rolled back, when SQLite had dropped the transaction. */
static int savepoint_release(weir_db *c, weir_error *err)
{
	weir_db_pool *p = c->pool;
	weir_db *w = c->active;
	int rc = p->holder_sp ? run_control(w, SQL_RELEASE) : SQLITE_OK;
	p->holder_sp = false;
	if (rc != SQLITE_OK || sqlite3_get_autocommit(w->db)) {
		weir_db_fail(w, rc != SQLITE_OK ? rc : SQLITE_ABORT, err);
		weir_db_rollback(c);
		return -1;
	}
	p->batch_size++;
	return 0;
}

/* The answer to a request whose batch's COMMIT failed with rc (batch_end). */
static int batch_failed(int rc, weir_error *err)
{
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return weir_error_set(err, WEIR_E_TEMPORARILY_UNAVAILABLE, "the database is busy; retry");
	return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "internal error");
}

/* Releases the request's savepoint into the transaction; then either waits (lock handed
 * over) for the transaction's end or ends it; then (--sync full) waits outside the lock
 * until the commit is on disk, sharing the fsync with every commit made meanwhile
 * (wal_sync_wait). 0 once the change is committed (and durable with --sync full). */
int weir_db_commit(weir_db *c, weir_error *err)
{
	if (weir_db__pg)
		return weir_pg_commit(c, err);
	uint64_t seq = 0;
	if (weir_db_commit_nowait(c, &seq, err) != 0)
		return -1;
	if (seq != 0 && wal_sync_wait(c->pool, seq) != 0)
		return durability_lost(err);
	return 0;
}

int weir_db_commit_nowait(weir_db *c, uint64_t *durable_seq, weir_error *err)
{
	if (weir_db__pg) {
		*durable_seq = 0;
		return weir_pg_commit(c, err);
	}
	weir_db_pool *p = c->pool;
	*durable_seq = 0;
	if (savepoint_release(c, err) != 0)
		return -1;
	int rc;
	uint64_t seq = 0;
	if (batch_pass(p)) {
		batch_member me = {p->batch_head, false, SQLITE_OK, 0};
		p->batch_head = &me;
		writer_release(c);
		pthread_mutex_lock(&p->batch_mu);
		while (!me.done)
			pthread_cond_wait(&p->batch_cv, &p->batch_mu);
		pthread_mutex_unlock(&p->batch_mu);
		rc = me.rc;
		seq = me.seq;
	} else {
		rc = batch_end(p, true, SQLITE_OK, &seq);
		writer_release(c);
	}
	if (rc != SQLITE_OK)
		return batch_failed(rc, err);
	if (p->group_sync)
		*durable_seq = seq;
	return 0;
}

/* weir_db_commit_nowait that does not wait for the transaction's end either: the request's
 * savepoint is released into the open transaction, which stays open for the next requests
 * until the syncer ends it just before its next fsync (or a holder ends it full or old).
 * *token is a ticket naming that transaction (or the commit number when it ended here, or
 * with no syncer), for weir_db_durable_async / weir_db_durable_wait: the change is neither
 * visible nor durable before they say so. So concurrent requests share the transaction's
 * page writes however few threads serve them (measured: 2 requests per transaction with
 * 2 server threads, since each waited in its thread for its COMMIT). */
int weir_db_commit_deferred(weir_db *c, uint64_t *token, weir_error *err)
{
	if (weir_db__pg) {
		*token = 0;
		return weir_pg_commit(c, err);
	}
	weir_db_pool *p = c->pool;
	if (!p->syncer_running)
		return weir_db_commit_nowait(c, token, err);
	*token = 0;
	if (savepoint_release(c, err) != 0)
		return -1;
	if (batch_room(p)) {
		p->batch_deferred++;
		*token = TICKET | p->batch_id;
		writer_release(c);
		return 0;
	}
	uint64_t seq = 0;
	int rc = batch_end(p, true, SQLITE_OK, &seq);
	writer_release(c);
	if (rc != SQLITE_OK)
		return batch_failed(rc, err);
	*token = p->group_sync ? seq : 0;
	return 0;
}

/* Undoes the request's savepoint; the transaction goes on for the members before it (to
 * the next holder, or committed now), or, if it held nothing else, is rolled back. If
 * SQLite had already dropped the transaction, the members before fail with it. */
void weir_db_rollback(weir_db *c)
{
	if (weir_db__pg) {
		weir_pg_rollback(c);
		return;
	}
	if (!c->in_write)
		return;
	weir_db_pool *p = c->pool;
	weir_db *w = c->active;
	int lost = SQLITE_OK;
	if (p->batch_open) {
		reset_busy(w->db);
		/* without a savepoint the holder is the transaction's first: batch_size is 0 */
		if (sqlite3_get_autocommit(w->db) ||
		    (p->holder_sp && (run_control(w, SQL_ROLLBACK_TO) != SQLITE_OK ||
				      run_control(w, SQL_RELEASE) != SQLITE_OK || sqlite3_get_autocommit(w->db))))
			lost = SQLITE_ABORT;
		p->holder_sp = false;
		uint64_t seq;
		if (lost != SQLITE_OK) {
			if (p->batch_size > 0)
				weir_log_error(
					"the write transaction was lost: %d request(s) before this one fail with it",
					p->batch_size);
			batch_end(p, false, lost, &seq);
		} else if (p->batch_size == 0) {
			batch_end(p, false, SQLITE_ABORT, &seq); /* nothing else in it */
		} else if (!batch_pass(p)) {
			batch_end(p, true, SQLITE_OK, &seq); /* its members wait for durability themselves */
		}
	}
	writer_release(c);
}

bool weir_db_in_write(const weir_db *c) { return weir_db__pg ? weir_pg_in_write(c) : c->in_write; }

int weir_db_begin_read(weir_db *c, weir_error *err)
{
	if (weir_db__pg)
		return weir_pg_begin_read(c, err);
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
	if (weir_db__pg) {
		weir_pg_end_read(c);
		return;
	}
	if (!c->in_read)
		return;
	if (!sqlite3_get_autocommit(c->db))
		run_control(c, SQL_COMMIT);
	c->in_read = false;
}

int weir_db_fail(weir_db *c, int rc, weir_error *err)
{
	if (weir_db__pg)
		return weir_pg_fail(c, rc, err);
	int primary = rc & 0xff;
	if (c)
		c = c->active;
	weir_log_error("sqlite error %d: %s", rc, c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
	if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
		return weir_error_set(err, WEIR_E_TEMPORARILY_UNAVAILABLE, "the database is busy; retry");
	if (primary == SQLITE_CONSTRAINT)
		return weir_error_set(err, WEIR_E_RESOURCE_CONFLICT, "the change conflicts with existing data");
	return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "internal error");
}

void weir_db_bind_text(weir_stmt *st, int i, const char *s)
{
	if (weir_db__pg) {
		weir_pg_bind(st, i, s);
		return;
	}
	if (s == NULL)
		sqlite3_bind_null(weir_db_sqlite_stmt(st), i);
	else
		sqlite3_bind_text(weir_db_sqlite_stmt(st), i, s, -1, SQLITE_TRANSIENT);
}

void weir_db_bind_i64(weir_stmt *st, int i, int64_t v)
{
	if (weir_db__pg)
		weir_pg_bind_i64(st, i, v);
	else
		sqlite3_bind_int64(weir_db_sqlite_stmt(st), i, v);
}

void weir_db_bind_int(weir_stmt *st, int i, int v) { weir_db_bind_i64(st, i, v); }
void weir_db_bind_double(weir_stmt *st, int i, double v)
{
	if (weir_db__pg)
		weir_pg_bind_double(st, i, v);
	else
		sqlite3_bind_double(weir_db_sqlite_stmt(st), i, v);
}
void weir_db_bind_null(weir_stmt *st, int i)
{
	if (weir_db__pg)
		weir_pg_bind(st, i, NULL);
	else
		sqlite3_bind_null(weir_db_sqlite_stmt(st), i);
}

/* -- the opaque statement interface (core/db.h) -- */
int weir_db_prepare(weir_db *c, const char *sql, weir_stmt **out)
{
	if (weir_db__pg)
		return weir_pg_prepare(c, sql, out);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(weir_db_handle(c), sql, -1, &st, NULL);
	*out = (weir_stmt *)(void *)st;
	if (rc != SQLITE_OK)
		weir_log_error("prepare failed: %s in: %.200s", sqlite3_errmsg(weir_db_handle(c)), sql);
	return rc;
}
void weir_db_finalize(weir_stmt *st)
{
	if (weir_db__pg)
		weir_pg_finalize(st);
	else
		sqlite3_finalize(weir_db_sqlite_stmt(st));
}
int weir_db_step(weir_stmt *st) { return weir_db__pg ? weir_pg_step(st) : sqlite3_step(weir_db_sqlite_stmt(st)); }
int64_t weir_db_col_i64(weir_stmt *st, int col)
{
	return weir_db__pg ? weir_pg_col_i64(st, col) : sqlite3_column_int64(weir_db_sqlite_stmt(st), col);
}
int weir_db_col_int(weir_stmt *st, int col)
{
	return weir_db__pg ? (int)weir_pg_col_i64(st, col) : sqlite3_column_int(weir_db_sqlite_stmt(st), col);
}
double weir_db_col_double(weir_stmt *st, int col)
{
	return weir_db__pg ? weir_pg_col_double(st, col) : sqlite3_column_double(weir_db_sqlite_stmt(st), col);
}
const char *weir_db_col_text(weir_stmt *st, int col)
{
	if (weir_db__pg)
		return weir_pg_col_text(st, col);
	return (const char *)sqlite3_column_text(weir_db_sqlite_stmt(st), col);
}
const char *weir_db_col_dup(weir_arena *a, weir_stmt *st, int col)
{
	if (weir_db__pg) {
		const char *v = weir_pg_col_text(st, col);
		return v ? weir_arena_strndup(a, v, strlen(v)) : NULL;
	}
	const unsigned char *t = sqlite3_column_text(weir_db_sqlite_stmt(st), col);
	return t ? weir_arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(weir_db_sqlite_stmt(st), col))
		 : NULL;
}
int weir_db_col_bytes(weir_stmt *st, int col)
{
	return weir_db__pg ? weir_pg_col_bytes(st, col) : sqlite3_column_bytes(weir_db_sqlite_stmt(st), col);
}
int weir_db_col_type(weir_stmt *st, int col)
{
	return weir_db__pg ? weir_pg_col_type(st, col) : sqlite3_column_type(weir_db_sqlite_stmt(st), col);
}
int64_t weir_db_changes(weir_db *c) { return weir_db__pg ? weir_pg_changes(c) : sqlite3_changes(weir_db_handle(c)); }
int64_t weir_db_last_insert_id(weir_db *c)
{
	return weir_db__pg ? weir_pg_last_insert_id(c) : sqlite3_last_insert_rowid(weir_db_handle(c));
}

/* The values of core/db.h's codes are SQLite's own, so no mapping is needed here. */
_Static_assert(WEIR_DB_OK == SQLITE_OK && WEIR_DB_ERROR == SQLITE_ERROR && WEIR_DB_ROW == SQLITE_ROW &&
		       WEIR_DB_DONE == SQLITE_DONE,
	       "weir_db_step codes");
_Static_assert(WEIR_DB_INTEGER == SQLITE_INTEGER && WEIR_DB_FLOAT == SQLITE_FLOAT && WEIR_DB_TEXT == SQLITE_TEXT &&
		       WEIR_DB_BLOB == SQLITE_BLOB && WEIR_DB_NULL == SQLITE_NULL,
	       "weir_db_col_type codes");

int weir_db_backup(const char *src, const char *dst, weir_error *err)
{
	sqlite3 *from = NULL, *to = NULL;
	int rc = sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_open(dst, &to);
	if (rc == SQLITE_OK) {
		sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
		if (b) {
			while ((rc = sqlite3_backup_step(b, 256)) == SQLITE_OK || rc == SQLITE_BUSY ||
			       rc == SQLITE_LOCKED)
				sqlite3_sleep(10);
			sqlite3_backup_finish(b);
		}
		rc = sqlite3_errcode(to);
	}
	if (rc != SQLITE_OK)
		weir_error_set(err, WEIR_E_INTERNAL_ERROR, "%s", to ? sqlite3_errmsg(to) : sqlite3_errstr(rc));
	sqlite3_close(from);
	sqlite3_close(to);
	return rc == SQLITE_OK ? 0 : -1;
}
