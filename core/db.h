/* The storage interface of every module: a pool of connections (one per HTTP worker plus spares),
 * each with its own cache of prepared statements keyed by the address of the static SQL
 * string, the process-wide write lock, and the migration runner.
 *
 * Invariants:
 * - A connection is used by one thread at a time (SQLITE_OPEN_NOMUTEX); it goes back to
 *   the pool with every statement reset, so no read transaction outlives a request.
 * - Every transaction that may write starts with weir_db_begin_write(): the process-wide
 *   mutex first, then BEGIN IMMEDIATE. Without the mutex, writers sleep in SQLite's busy
 *   handler and p99 grows to seconds (bench/perf notes).
 * - Group commit (--sync full): weir_db_commit returns 0 only once the commit is on disk;
 *   the fsync happens after the write lock is released and covers every commit made
 *   meanwhile, so concurrent writes share one (core/db.c, wal_sync_wait). Any other commit
 *   (an autocommit statement) is made durable before its statement returns.
 * - Migrations run once, on the first connection, before the others open.
 *
 * The interface is opaque: no module outside core/ names a SQLite type or function
 * (scripts/house-rules.sh checks it). Statements are `weir_stmt`, stepped with
 * weir_db_step (WEIR_DB_ROW, WEIR_DB_DONE, or a failure code for weir_db_fail) and read
 * with weir_db_col_*. core/db_sqlite.h is the SQLite side, for core/, unit tests and the
 * warehouse engine (which runs user SQL on SQLite files by design). */
#ifndef WEIR_CORE_DB_H
#define WEIR_CORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/error.h"
#include "core/json.h"

typedef struct weir_migration {
	int version;
	const char *name;
	const char *sql;
} weir_migration;

/* Generated from migrations/NNNN_*.sql files; terminated by {0, NULL, NULL}. */
extern const weir_migration weir_migrations[];
/* A migration whose first line is `-- weir: sqlite only` changes what only SQLite needs
 * (migrations/0023_check_lists.sql), one that says `-- weir: postgresql only` what only
 * PostgreSQL needs (0026): the other store records it without running it. True when m is for
 * the other store than the one asking (postgresql: whether PostgreSQL asks). */
bool weir_migration_other_store(const weir_migration *m, bool postgresql);

typedef enum { WEIR_SYNC_FULL, WEIR_SYNC_NORMAL } weir_sync;

typedef struct weir_db_pool weir_db_pool;
typedef struct weir_db weir_db;
typedef struct weir_stmt weir_stmt; /* a prepared statement, cached per connection */

/* Results of weir_db_step; any other value is a failure to hand to weir_db_fail. */
enum { WEIR_DB_OK = 0, WEIR_DB_ERROR = 1, WEIR_DB_ROW = 100, WEIR_DB_DONE = 101 };
/* Column types (weir_db_col_type). */
enum { WEIR_DB_INTEGER = 1, WEIR_DB_FLOAT = 2, WEIR_DB_TEXT = 3, WEIR_DB_BLOB = 4, WEIR_DB_NULL = 5 };

/* Opens `path` (created if absent), applies pending migrations, and opens `size`
 * connections. Returns NULL with err set on failure. A `postgresql://` (or `postgres://`)
 * URL instead of a path opens the PostgreSQL store (core/db_pg.c; `sync` is PostgreSQL's
 * own then): one store kind per process. */
weir_db_pool *weir_db_pool_open(const char *path, int size, weir_sync sync, weir_error *err);
/* Whether the store answers now (PostgreSQL: a round trip, reconnecting if needed; SQLite:
 * always). For /readyz. */
bool weir_db_pool_ready(weir_db_pool *p);
/* "sqlite" or "postgresql": the process's store (for messages and error codes). */
const char *weir_db_store_kind(void);
/* Whether this process is the one of its store's processes that holds `role` (a small
 * number naming a duty only one process may carry out: the workflow engine). SQLite: always
 * (one server per data directory). PostgreSQL: a session advisory lock on a connection of
 * its own, taken if free; it passes to another replica when this one dies or loses its
 * connection. Called again to keep checking (a round trip). */
bool weir_db_leader(weir_db_pool *p, int role);
/* Wake-ups across the store's processes (PostgreSQL LISTEN/NOTIFY; with SQLite there is one
 * process and these do nothing). weir_db_notify queues a notification on `channel` (an SQL
 * identifier) carrying `arg` that is sent with the connection's next commit, in its
 * transaction: a listener hears of it only once what it announces is committed. */
void weir_db_notify(weir_db *c, const char *channel, int64_t arg);
/* Listens on `channel` on the connection that holds this process's roles (weir_db_leader);
 * returns that connection's socket to poll for readability, or -1 (SQLite, no connection).
 * Called again after a reconnection to listen on the new one (cheap when listening). */
int weir_db_listen(weir_db_pool *p, const char *channel);
/* The notifications other processes sent since the last call, without waiting: fn(ctx, arg)
 * for each; returns how many. */
int weir_db_notifications(weir_db_pool *p, void (*fn)(void *ctx, int64_t arg), void *ctx);
/* Whether a statement on this connection failed since it was borrowed because the store
 * could not be reached (PostgreSQL's connection lost; never with SQLite). A store that read
 * "no row" then did not look: the request answers 503 (api/request.c). */
bool weir_db_lost(weir_db *c);
void weir_db_pool_close(weir_db_pool *p);
int weir_db_pool_schema_version(weir_db_pool *p);

/* Group commit so far (--sync full): fsyncs, the commits they made durable, and how many
 * fsyncs covered 1, 2, 3-4, 5-8, 9-16, 17-32, 33-64 and 65+ commits. */
typedef struct weir_db_commit_stats {
	uint64_t syncs;
	uint64_t commits; /* requests made durable by those fsyncs */
	uint64_t batch_hist[8]; /* requests per fsync */
	uint64_t txns; /* write transactions committed (both modes) */
	uint64_t txn_requests; /* requests they held */
	uint64_t txn_hist[8]; /* requests per transaction, same buckets */
} weir_db_commit_stats;
void weir_db_pool_stats(weir_db_pool *p, weir_db_commit_stats *out);
/* Tests only: when set, called instead of fdatasync(fd) on the WAL (fault injection). */
extern int (*weir_db__wal_sync_hook)(int fd);
/* Tests only: how long a shared write transaction may stay open (default 4 ms). */
extern int64_t weir_db__batch_max_us;

/* Borrows a connection (blocks while all are in use). Never NULL. */
weir_db *weir_db_acquire(weir_db_pool *p);
/* Returns it; resets every statement and rolls back a transaction left open. */
void weir_db_release(weir_db *c);

/* The cached prepared statement for `sql`, which must be a string with static storage
 * (its address is the cache key). The statement is reset and its bindings cleared.
 * Returns NULL with err set if preparing fails (a programming error: logged). */
weir_stmt *weir_db_stmt(weir_db *c, const char *sql, weir_error *err);
/* Resets a statement after use so it holds no read lock. */
void weir_db_done(weir_stmt *st);
/* Steps a write statement to completion and resets it; a failure is mapped with
 * weir_db_fail. Returns 0 or -1. */
int weir_db_step_done(weir_db *c, weir_stmt *st, weir_error *err);
/* Steps a statement that answers one integer row (a count) into *out and resets it; no
 * row or a failure is mapped with weir_db_fail. Returns 0 or -1. */
int weir_db_step_i64(weir_db *c, weir_stmt *st, int64_t *out, weir_error *err);
/* Writes column `col` of the current row as the member `key` of w's open object; nothing
 * for NULL. The text is ours (checked as UTF-8 when it came in). */
void weir_db_jw_col(weir_jw *w, const char *key, weir_stmt *st, int col);

/* Per-connection memo for values that never change for a database (the metastore id):
 * `key` is a static string (compared by address); the value is copied. NULL if unset. */
const char *weir_db_memo_get(weir_db *c, const char *key);
void weir_db_memo_set(weir_db *c, const char *key, const char *value);

/* Change generations: every row change (by any connection of the pool) to a table named
 * with weir_db_watch() moves the pool's generation to a new, process-wide unique value.
 * Caches of derived data (group closures) stamp entries with it; a mismatch is a miss, so a
 * change is seen by the very next request. weir_db_watch is called before serving. */
void weir_db_watch(const char *table);
uint64_t weir_db_generation(weir_db *c);

/* Change counters kept in the database: a one-row table `table` (id 1, n) that the store's
 * own triggers move with the changes a cache depends on, so that a commit of any process
 * sharing the store is seen. Its n in c's snapshot, -1 when it cannot be read. `table` is a
 * name the code chooses (lower-case letters, digits, '_'), never a client's; the first call
 * for it registers it. On PostgreSQL, where each statement is a round trip, the registered
 * counters are read with the read transaction's BEGIN (no statement of their own). */
int64_t weir_db_counter(weir_db *c, const char *table);

/* Write transactions: process write lock + BEGIN IMMEDIATE; commit or rollback releases it.
 * weir_db_commit answers 0 once the change is durable (--sync full) or committed (normal);
 * -1 means it was rolled back, or (full) that it could not be made durable, after which
 * every write is refused until a restart. */
int weir_db_begin_write(weir_db *c, weir_error *err);
int weir_db_commit(weir_db *c, weir_error *err);
/* weir_db_commit without the wait for durability: 0 once committed (visible), with
 * *durable_seq the commit to wait for (0: nothing to wait for: --sync normal, or nothing
 * was written). Pair it with weir_db_durable_async before acknowledging anything. */
int weir_db_commit_nowait(weir_db *c, uint64_t *durable_seq, weir_error *err);
/* weir_db_commit_nowait that does not wait for the shared transaction's end either (in
 * either sync mode; without the pool's syncer thread it is weir_db_commit_nowait): 0 once
 * the change is in the open transaction, which the syncer commits when it next runs (with
 * --sync full: just before its next fsync). The change is
 * neither visible to other connections nor durable until the token says so: pass *token
 * to weir_db_durable_async (or weir_db_durable_wait) before acknowledging anything, and
 * always pass it (the transaction may wait for that). A failure of the shared COMMIT is
 * reported there, as not durable. */
int weir_db_commit_deferred(weir_db *c, uint64_t *token, weir_error *err);
/* A request that may write enters (+1) or leaves (-1) its handler: the syncer holds the
 * open shared transaction for those still in theirs (at most weir_db__linger_us), so they
 * share its COMMIT and fsync. */
void weir_db_writer_busy(weir_db_pool *p, int delta);
/* How long the syncer may hold a transaction open for busy writers (default 1 ms; 0: never). */
extern int64_t weir_db__linger_us;
/* Whether commit `token` (a commit number from weir_db_commit_nowait, or a token from
 * weir_db_commit_deferred) is committed and on disk: 1 yes (now), -1 never (its
 * transaction failed, or an fsync did), 0 not yet, in which case done(arg, durable) is
 * called once it is (or cannot be), from the pool's syncer thread, which shares one fsync
 * among all waiters. With done NULL it only tells. */
int weir_db_durable_async(weir_db_pool *p, uint64_t token, void (*done)(void *arg, bool durable), void *arg);
/* The same, waiting in this thread (which must not be inside a write transaction): 0 once
 * committed and durable, -1 never. */
int weir_db_durable_wait(weir_db_pool *p, uint64_t token);
void weir_db_rollback(weir_db *c);
bool weir_db_in_write(const weir_db *c);
/* A read transaction, for consistent multi-statement reads. */
int weir_db_begin_read(weir_db *c, weir_error *err);
void weir_db_end_read(weir_db *c);

/* Maps a failed SQLite result code to an error: busy → 503 TEMPORARILY_UNAVAILABLE,
 * constraint → 409 RESOURCE_CONFLICT, anything else → 500 INTERNAL_ERROR. The SQLite
 * message goes to the log, never into err. Returns -1. */
int weir_db_fail(weir_db *c, int rc, weir_error *err);

/* A one-off statement for SQL built at run time (search filters): not cached; finalize it
 * after use. Returns WEIR_DB_OK or a failure code for weir_db_fail. */
int weir_db_prepare(weir_db *c, const char *sql, weir_stmt **out);
void weir_db_finalize(weir_stmt *st);
/* One step: WEIR_DB_ROW (a row to read), WEIR_DB_DONE, or a failure code (weir_db_fail). */
int weir_db_step(weir_stmt *st);
/* Columns of the current row (0-based). Text is UTF-8, NUL-terminated, valid until the next
 * step or reset; NULL for SQL NULL. */
int64_t weir_db_col_i64(weir_stmt *st, int col);
int weir_db_col_int(weir_stmt *st, int col);
double weir_db_col_double(weir_stmt *st, int col);
const char *weir_db_col_text(weir_stmt *st, int col);
int weir_db_col_bytes(weir_stmt *st, int col);
int weir_db_col_type(weir_stmt *st, int col);
/* The text of column `col` copied into `a`, or NULL for SQL NULL. */
const char *weir_db_col_dup(weir_arena *a, weir_stmt *st, int col);
/* Rows changed by the connection's last statement, and the id of its last inserted row. */
int64_t weir_db_changes(weir_db *c);
int64_t weir_db_last_insert_id(weir_db *c);
/* Online copy of the database file `src` to `dst` (weir backup). */
int weir_db_backup(const char *src, const char *dst, weir_error *err);

/* One statement run to completion with its values bound in order (?1, ?2, ...): the
 * common shape of a store's write, in one line:
 *     return weir_db_exec(db, SQL_X, err, WEIR_TEXT(name), WEIR_I64(now));
 * Failures are mapped with weir_db_fail. Returns 0 or -1. */
typedef struct weir_db_val {
	int kind; /* 0 NULL, 1 text (NULL pointer: NULL), 2 integer, 3 real */
	const char *s;
	int64_t i;
	double d;
} weir_db_val;
#define WEIR_TEXT(x) ((weir_db_val){1, (x), 0, 0})
#define WEIR_I64(x) ((weir_db_val){2, NULL, (int64_t)(x), 0})
#define WEIR_I64_OR_NULL(x, is_null) ((weir_db_val){(is_null) ? 0 : 2, NULL, (int64_t)(x), 0})
#define WEIR_REAL(x) ((weir_db_val){3, NULL, 0, (double)(x)})
/* The values of a macro's `...` as the (array, count) pair its _vals function takes. */
#define WEIR_DB_VALS(...) \
	(const weir_db_val[]){__VA_ARGS__}, (int)(sizeof((const weir_db_val[]){__VA_ARGS__}) / sizeof(weir_db_val))
int weir_db_exec_vals(weir_db *c, const char *sql, const weir_db_val *vals, int n, weir_error *err);
#define weir_db_exec(c, sql, err, ...) weir_db_exec_vals((c), (sql), WEIR_DB_VALS(__VA_ARGS__), (err))

/* weir_db_exec, answering the number of rows the statement changed (-1 on failure). */
int64_t weir_db_exec_count_vals(weir_db *c, const char *sql, const weir_db_val *vals, int n, weir_error *err);
#define weir_db_exec_count(c, sql, err, ...) weir_db_exec_count_vals((c), (sql), WEIR_DB_VALS(__VA_ARGS__), (err))

/* The cached statement for `sql` with its values bound in order, ready to step (a query):
 *     weir_stmt *st = weir_db_query(db, SQL_X, err, WEIR_TEXT(id));
 * NULL with err set when preparing fails. */
weir_stmt *weir_db_query_vals(weir_db *c, const char *sql, const weir_db_val *vals, int n, weir_error *err);
#define weir_db_query(c, sql, err, ...) weir_db_query_vals((c), (sql), WEIR_DB_VALS(__VA_ARGS__), (err))

/* The first column of the first row of a query as an integer: 1 with *out set, 0 when
 * there is no row, -1 with err set when the query fails (err may be NULL: logged). */
int weir_db_query_i64_vals(weir_db *c, const char *sql, int64_t *out, weir_error *err, const weir_db_val *vals, int n);
#define weir_db_query_i64(c, sql, out, err, ...) \
	weir_db_query_i64_vals((c), (sql), (out), (err), WEIR_DB_VALS(__VA_ARGS__))

/* The first column of the first row of a query, copied into `a`: NULL when there is no
 * row, the value is SQL NULL, or the query fails (a failure is logged by weir_db_stmt).
 *     return weir_db_query_text(db, a, SQL_X, WEIR_TEXT(id));  */
const char *weir_db_query_text_vals(weir_db *c, weir_arena *a, const char *sql, const weir_db_val *vals, int n);
#define weir_db_query_text(c, a, sql, ...) weir_db_query_text_vals((c), (a), (sql), WEIR_DB_VALS(__VA_ARGS__))

/* weir_db_exec of an INSERT, answering the id of the row it inserted (-1 on failure). */
int64_t weir_db_exec_id_vals(weir_db *c, const char *sql, const weir_db_val *vals, int n, weir_error *err);
#define weir_db_exec_id(c, sql, err, ...) weir_db_exec_id_vals((c), (sql), WEIR_DB_VALS(__VA_ARGS__), (err))

/* A query that always answers one integer row (a count): the value (>= 0 for a count), or -1
 * with err set when preparing or stepping fails (no row is a failure too). */
int64_t weir_db_count_vals(weir_db *c, const char *sql, const weir_db_val *vals, int n, weir_error *err);
#define weir_db_count(c, sql, err, ...) weir_db_count_vals((c), (sql), WEIR_DB_VALS(__VA_ARGS__), (err))

/* Whether a query answers a row: 1 yes, 0 no, -1 with err set when it fails (err may be
 * NULL: the failure is logged). The statement is done after. */
int weir_db_exists_vals(weir_db *c, const char *sql, const weir_db_val *vals, int n, weir_error *err);
#define weir_db_exists(c, sql, err, ...) weir_db_exists_vals((c), (sql), WEIR_DB_VALS(__VA_ARGS__), (err))

/* The end of a loop over a query's rows, `while ((rc = weir_db_step(st)) == WEIR_DB_ROW)`:
 * the statement is done, and rc, what the last step answered, is mapped: 0 for
 * WEIR_DB_DONE, else -1 with err set by weir_db_fail. */
int weir_db_end(weir_db *c, weir_stmt *st, int rc, weir_error *err);
/* weir_db_end for a loop that built j: j when the rows were all read, else NULL with err set
 * and j released. */
json_t *weir_db_end_json(weir_db *c, weir_stmt *st, int rc, json_t *j, weir_error *err);

/* A JSON array of a query's rows, one element per row made by row(st) (a row for which it
 * answers NULL is left out): the array, or NULL with err set when a step failed. st may be
 * the NULL of a failed weir_db_query: NULL. The statement is done after.
 *     return weir_db_json_rows(db, weir_db_query(db, SQL_X, err, WEIR_TEXT(id)), x_json, err);  */
json_t *weir_db_json_rows(weir_db *c, weir_stmt *st, json_t *(*row)(weir_stmt *st), weir_error *err);

/* The first column of the first row of a query, copied into `a` (NULL for SQL NULL): 1 with
 * *out set, 0 when there is no row (*out untouched), -1 with err set when the query fails.
 * weir_db_query_i64's twin for text. */
int weir_db_query_dup_vals(weir_db *c, weir_arena *a, const char *sql, const char **out, weir_error *err,
			   const weir_db_val *vals, int n);
#define weir_db_query_dup(c, a, sql, out, err, ...) \
	weir_db_query_dup_vals((c), (a), (sql), (out), (err), WEIR_DB_VALS(__VA_ARGS__))

/* Binding helpers: NULL pointers bind SQL NULL. Text is copied. */
void weir_db_bind_text(weir_stmt *st, int i, const char *s);
void weir_db_bind_i64(weir_stmt *st, int i, int64_t v);
void weir_db_bind_int(weir_stmt *st, int i, int v);
void weir_db_bind_double(weir_stmt *st, int i, double v);
void weir_db_bind_null(weir_stmt *st, int i);

/* Highest version among the embedded migrations. */
int weir_db_latest_version(void);

#endif
