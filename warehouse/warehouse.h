/* The SQL warehouse: a governed SQL engine over managed tables, and the Databricks
 * Statement Execution and warehouses APIs over it.
 *
 * Data: each MANAGED table's rows are in one SQLite file, DATA/warehouse/<table id>.db
 * (named by the securable's id, so renames never move data), holding one table named
 * "t" (warehouse/sql.h). A table created through the REST API gets its file on first use.
 *
 * Engine (warehouse/wh_engine.c, the one place besides core/ that calls SQLite directly):
 * a statement runs on a connection of its own (an in-memory database, never the metadata
 * pool) as its caller. Each table named in it (`catalog.schema.table`, or two and one
 * parts against the statement's catalog and schema) is resolved through governance
 * (what the caller may not browse is missing, with the REST API's not-found error),
 * attached under an alias the engine chooses, and the name rewritten. An authorizer
 * allows reads with SELECT (+ USE CATALOG + USE SCHEMA), writes with MODIFY, and denies
 * ATTACH, DETACH, PRAGMAs but a read-only few, extension loading, sqlite_* internals and
 * any table that is not an attached securable. A statement that writes a table records
 * lineage edges from the tables it read; every statement writes one audit row.
 *
 * Statements (warehouse/statements.c) are queued on a warehouse's executor threads (a
 * pool with a concurrency limit: warehouses.c), never run on an HTTP worker; only their
 * submitter sees them. Results are kept in memory, in chunks, for an hour after they end,
 * then the statement is CLOSED. COPY INTO runs in copy_engine.c, read_files(...) is
 * materialised by read_files_engine.c. */
#ifndef WEIR_WAREHOUSE_H
#define WEIR_WAREHOUSE_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/db.h"
#include "core/error.h"
#include "governance/governance.h"

typedef enum {
	WEIR_WH_PENDING = 0,
	WEIR_WH_RUNNING,
	WEIR_WH_SUCCEEDED,
	WEIR_WH_FAILED,
	WEIR_WH_CANCELED,
	WEIR_WH_CLOSED,
} weir_wh_state;

const char *weir_wh_state_name(weir_wh_state s);

/* ---------------------------------------------------------------- engine */

/* How a running statement is stopped from another thread: weir_wh_cancel_fire sets the
 * flag and interrupts the statement's connection (sqlite3_interrupt) if it has one. */
typedef struct weir_wh_cancel {
	pthread_mutex_t mu;
	void *conn; /* the running statement's connection, set by the engine under mu */
	atomic_bool canceled;
} weir_wh_cancel;
void weir_wh_cancel_init(weir_wh_cancel *c);
void weir_wh_cancel_destroy(weir_wh_cancel *c);
void weir_wh_cancel_fire(weir_wh_cancel *c);

typedef struct weir_wh_exec {
	int64_t principal_id, workspace_id; /* who runs it */
	const char *statement;
	const char *catalog, *schema; /* defaults for two- and one-part names; may be NULL */
	const char *statement_id; /* for lineage and the audit row */
	/* who produced the lineage edges it writes: NULL is ("statement", statement_id); a job's
	 * sql_task says ("job_run", "<run id>") so the edges carry the job run */
	const char *producer_type, *producer_id;
	int64_t row_limit; /* 0: all rows (up to the engine's cap) */
	/* named parameters, bound to the :name markers: [{name, value, type}] checked by
	 * statements.c (value a string or null, type a Databricks type name); may be NULL */
	const json_t *params;
	int64_t deadline_ms; /* wall clock; 0: none */
	weir_wh_cancel *cancel; /* may be NULL */
	/* the query history (warehouse/history.h): the warehouse and submission time of the row
	 * the statement's audit write adds in its own transaction, which then sets
	 * *history_written (the executor writes the row itself otherwise); NULL: no row */
	const char *warehouse_id;
	int64_t submitted_ms;
	bool *history_written;
} weir_wh_exec;

typedef struct weir_wh_outcome {
	weir_wh_state state; /* SUCCEEDED, FAILED or CANCELED */
	char error_code[48];
	char message[512];
	json_t *columns; /* [{name, type_text, type_name, position}] (owned) */
	json_t *rows; /* [[string | null, ...], ...] (owned) */
	bool truncated;
} weir_wh_outcome;

/* Runs one statement to its end on the calling thread (an executor: never an HTTP worker),
 * borrowing pool connections only to resolve names and to record the outcome. Always fills
 * out (state and, on failure, error_code and message); the caller frees columns and rows
 * with weir_wh_outcome_clear. */
void weir_wh_execute(weir_db_pool *pool, const weir_wh_exec *x, weir_wh_outcome *out);
void weir_wh_outcome_clear(weir_wh_outcome *o);

/* ---------------------------------------------------------------- statements and warehouses */

/* Starts the statement engine (the default warehouse's pool and the waiter thread); stops
 * every pool (running statements are canceled, queued ones end CANCELED). */
int weir_wh_start(weir_db_pool *pool, weir_error *err);
/* 0, or -1 with err NOT_SUPPORTED_WITH_POSTGRESQL_STORE when the server keeps its state in
 * PostgreSQL (--store): the statement API and sql_task refuse to run then. */
int weir_wh_refused(weir_error *err);
void weir_wh_stop(void);
/* The server is stopping: every waiting call answers now with what its statement has. */
void weir_wh_drain(void);

#define WEIR_WH_DEFAULT_ID "weir0000default0"

/* What a call waits for after POST /api/2.0/sql/statements (weir_wh_statement_wait). */
typedef struct weir_wh_submitted {
	char id[37];
	int64_t wait_ms; /* 0: the answer is the reply already made */
	bool cancel_on_timeout;
} weir_wh_submitted;

/* POST /api/2.0/sql/statements: checks the body (statement, warehouse_id the caller may use,
 * catalog, schema, parameters [{name, value, type}], wait_timeout "0s" or "5s".."50s",
 * on_wait_timeout CONTINUE|CANCEL, row_limit, byte_limit, format JSON_ARRAY|CSV, disposition
 * INLINE|EXTERNAL_LINKS), queues the statement as p on the warehouse's pool (a STOPPED
 * warehouse starts, as Databricks' does) and answers its StatementResponse now. When
 * sub->wait_ms > 0 the caller should wait (without holding a thread) with
 * weir_wh_statement_wait and answer weir_wh_statement_get afterwards. job_run_id: the
 * statement comes from a job's command task; its lineage edges have that job run as their
 * producer. NULL otherwise. link_base: "https://host" for EXTERNAL_LINKS' URLs. */
json_t *weir_wh_statement_execute(weir_db *db, weir_arena *a, const weir_principal *p, json_t *body,
				  const char *job_run_id, const char *link_base, weir_wh_submitted *sub,
				  weir_error *err);
/* Calls wake(arg) once, from another thread, when the statement ends or sub->wait_ms
 * passes (on_wait_timeout CANCEL: the statement is canceled first). 1 when there is
 * nothing to wait for (wake is not called), 0 when armed. */
int weir_wh_statement_wait(const weir_wh_submitted *sub, void (*wake)(void *), void *arg);
/* GET .../statements/{id}: the StatementResponse (first chunk when SUCCEEDED). Another
 * caller's statement (unless p is an admin) is 404 like a missing one. */
json_t *weir_wh_statement_get(const weir_principal *p, const char *id, const char *link_base, weir_error *err);
/* GET .../statements/{id}/result/chunks/{index}: one ResultData. */
json_t *weir_wh_statement_chunk(const weir_principal *p, const char *id, const char *index, const char *link_base,
				weir_error *err);
/* POST .../statements/{id}/cancel. */
int weir_wh_statement_cancel(const weir_principal *p, const char *id, weir_error *err);
/* GET /api/2.0/sql/statements: the caller's statements still kept, newest first. */
json_t *weir_wh_statement_list(const weir_principal *p, weir_error *err);
/* GET of an EXTERNAL_LINKS chunk (no Authorization: the token signs statement, chunk and
 * expiry). Fills the CSV or JSON text (malloc'd) and its content type; -1 with err set
 * (an invalid or expired token, or a statement gone, is RESOURCE_DOES_NOT_EXIST). */
int weir_wh_statement_link(const char *id, const char *index, const char *token, char **body, size_t *len,
			   const char **content_type, weir_error *err);

/* ---------------------------------------------------------------- warehouses */

typedef enum { WEIR_WH_POOL_NONE = 0, WEIR_WH_POOL_START, WEIR_WH_POOL_STOP, WEIR_WH_POOL_RESIZE } weir_wh_pool_op;
/* What happens to a warehouse's executor pool once its change is committed. */
typedef struct weir_wh_pool_cmd {
	weir_wh_pool_op op;
	char id[40];
	int slots;
	int64_t auto_stop_mins;
} weir_wh_pool_cmd;
void weir_wh_pool_apply(const weir_wh_pool_cmd *cmd);

/* /api/2.0/sql/warehouses (warehouse/warehouses.c says who may): create ({id}; admins),
 * get, list (those the caller may use), edit, delete, start, stop. host: the request's
 * Host, for odbc_params. The pool changes are applied with weir_wh_pool_apply after the
 * commit. */
json_t *weir_wh_warehouse_create(weir_db *db, weir_arena *a, const weir_principal *p, json_t *body,
				 weir_wh_pool_cmd *cmd, weir_error *err);
json_t *weir_wh_warehouse_get(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, const char *host,
			      weir_error *err);
json_t *weir_wh_warehouses_list(weir_db *db, weir_arena *a, const weir_principal *p, const char *host, weir_error *err);
int weir_wh_warehouse_edit(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, json_t *body,
			   weir_wh_pool_cmd *cmd, weir_error *err);
int weir_wh_warehouse_delete(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, weir_wh_pool_cmd *cmd,
			     weir_error *err);
int weir_wh_warehouse_start_stop(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, bool start,
				 weir_wh_pool_cmd *cmd, weir_error *err);
/* CAN_USE on the warehouse (missing otherwise), with its pool's size. */
int weir_wh_warehouse_usable(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, int *slots,
			     int64_t *auto_stop_mins, weir_error *err);
/* /api/2.0/permissions/warehouses/{id} (CAN_MANAGE): get, set (PUT: replace) and update (PATCH). */
json_t *weir_wh_perms_get(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, weir_error *err);
json_t *weir_wh_perms_set(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, json_t *body,
			  bool replace, weir_error *err);

/* ---------------------------------------------------------------- saved queries */

/* /api/2.0/sql/queries: create ({query: {display_name, query_text, warehouse_id, catalog,
 * schema, description}}), get, update ({update_mask, query}), delete (to the trash), list
 * ({results, next_page_token}; page_size 1..100). A query is its owner's and the admins';
 * anyone else gets the not-found answer. Errors name the field. */
json_t *weir_wh_query_create(weir_db *db, weir_arena *a, const weir_principal *p, const json_t *body, weir_error *err);
json_t *weir_wh_query_get(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, weir_error *err);
json_t *weir_wh_query_update(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, const json_t *body,
			     weir_error *err);
int weir_wh_query_delete(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, weir_error *err);
json_t *weir_wh_query_list(weir_db *db, weir_arena *a, const weir_principal *p, int64_t page_size,
			   const char *page_token, weir_error *err);

/* A job's sql_task (its type object, references resolved): runs the saved query
 * sql_task.query.query_id as run_as_id (who must be able to see the query), on the calling
 * thread (an engine executor). The statement id names the job run and task run, and the
 * lineage edges it writes have the job run as their producer. 0 with res->ok set, or -1 with res->message saying why. */
typedef struct weir_wh_task_result {
	bool ok;
	char message[512];
	json_t *values; /* row_count and the first row's columns, or NULL (the caller takes it) */
} weir_wh_task_result;
int weir_wh_sql_task_run(weir_db_pool *pool, const json_t *task, int64_t run_as_id, int64_t workspace_id,
			 int64_t run_id, int64_t task_run_id, weir_wh_task_result *res);

/* ---------------------------------------------------------------- table writes */

/* When table `table_id` (a securable id) was last written through the warehouse, ms since
 * the epoch (0: never), for workflows' trigger.table_update. 0, or -1 on a database error. */
int weir_wh_table_last_write(weir_db *db, const char *table_id, int64_t *at_ms);
/* Records a write (wh_engine.c, in the statement's metadata write). */
int weir_wh_store_table_written(weir_db *db, const char *table_id, int64_t at_ms, weir_error *err);

#endif
