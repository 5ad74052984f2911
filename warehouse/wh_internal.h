/* Declarations inside the warehouse module, shared with its unit tests. */
#ifndef WEIR_WAREHOUSE_INTERNAL_H
#define WEIR_WAREHOUSE_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"
#include "warehouse/sql.h"
#include "warehouse/warehouse.h"
#include "governance/governance.h"
#include "lineage/lineage.h"

/* Whether the user's SQL may run PRAGMA name (value: NULL when it only reads). */
bool weir_wh__pragma_allowed(const char *name, const char *value);
/* DATA/warehouse/<table id>.db */
const char *weir_wh__table_path(weir_arena *a, const char *table_id);
/* Closes the anchor connection of a table's file (wh_engine.c), before the file goes; NULL:
 * all of them, and the tables' cached Info trees (the warehouse stopping). */
void weir_wh__anchor_drop(const char *table_id);
/* The calling executor's kept connection, closed now (an executor ending: not later, in its
 * thread's destructors, after the stop counted it gone). */
void weir_wh__kept_release(void);
/* A dropped table's data file and its WAL and shared-memory companions go (its kept
 * connection first). */
void weir_wh__table_remove(weir_arena *a, const char *table_id);
/* The CREATE TABLE of a table's file from its UC columns. */
int weir_wh__file_ddl(weir_arena *a, json_t *columns, const char **out, weir_error *err);

/* A statement's failure: code and message (printf). */
void weir_wh__fail(weir_wh_outcome *o, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A domain error as the statement's failure (not-found codes as the REST API names them). */
void weir_wh__fail_err(weir_wh_outcome *o, const weir_error *e);
/* The end of a statement's record, in the write md holds (ok: its writes went in): the
 * statement's audit row (databrickssql / executeStatement, status from the outcome,
 * statement_type or NULL in its request_params) and the commit; or, not ok, the rollback. A
 * failure is logged: a record never fails its statement. md is released. */
void weir_wh__record_end(weir_db *md, bool ok, const weir_principal *p, const weir_wh_exec *x, const weir_wh_outcome *o,
			 const char *securable, const char *statement_type, int64_t now, weir_error *e);
/* Who a statement's lineage names as its producer: the job's task that ran it, else itself. */
weir_lineage_producer weir_wh__producer(const weir_wh_exec *x);
/* UC ColumnInfo[] of column definitions (positions from `first`). New reference. */
json_t *weir_wh__uc_columns(const weir_wh_coldef *cols, int n, int first);
/* ALTER TABLE t ADD COLUMN on a table's file, if it has one (else it is made from the
 * catalog on first use). */
int weir_wh__file_add_columns(weir_arena *a, const char *table_id, const weir_wh_coldef *cols, int n, weir_error *err);
/* ALTER TABLE ... ADD COLUMN of each of cols on conn (a table file's sqlite3 connection), in
 * the caller's transaction: SQLite's result code (SQLITE_OK, 0, when all were added). */
int weir_wh__file_alter_add(void *conn, weir_arena *a, const weir_wh_coldef *cols, int n);

/* Checks a SQL function's body (CREATE FUNCTION): an expression over its parameters that
 * SQLite compiles, with current_user() and is_account_group_member() available; no queries. */
int weir_wh__check_function_body(weir_arena *a, const char *body, const weir_wh_coldef *params, int n, weir_error *err);

/* A system table for p: Databricks' column names and its rows (arrays of text or null; owned). */
typedef struct weir_wh_systab {
	const char *const *cols;
	int ncols;
	json_t *rows;
} weir_wh_systab;
/* system.<schema>.<table> for p (what p may browse, for information_schema); an unknown
 * one is TABLE_OR_VIEW_NOT_FOUND. */
int weir_wh__system_table(weir_db *md, weir_arena *a, const weir_principal *p, const char *schema, const char *table,
			  weir_wh_systab *out, weir_error *err);
/* Whether p may read system tables: admins, the owner of a catalog named `system`, or a
 * principal with USE CATALOG and SELECT on it (to p, or to one of its groups). */
bool weir_wh__system_allowed(weir_db *md, weir_arena *a, const weir_principal *p, const char *const *groups,
			     int ngroups);

/* Runs a catalog statement (warehouse/wh_catalog.c) as p: fills o; *target is the securable
 * named, for the statement's audit row. Mutations go through the catalog and grants domain
 * in one metadata write with the REST API's audit row (service unityCatalog). */
void weir_wh__catalog_run(weir_db_pool *pool, weir_arena *a, const weir_principal *p, const weir_wh_exec *x,
			  const weir_wh_cstmt *s, weir_wh_outcome *o, const char **target);
/* read_files(...) in a statement (read_files_engine.c): materialises each call as a temp
 * table weir_rfN on conn (the statement's sqlite3 connection) reading the files as p, and
 * answers the text with each call replaced by temp."weir_rfN" (*n calls; the text itself
 * when there is none); vols[i] is the volume call i read (the statement's lineage source),
 * room for WEIR_WH_RF_MAX_CALLS. NULL with err set. */
#define WEIR_WH_RF_MAX_CALLS 8
const char *weir_wh__read_files(weir_db_pool *pool, weir_arena *a, const weir_principal *p, void *conn,
				const char *text, int *n, weir_securable *vols, weir_error *err);

#endif
