/* The SQL warehouse's query history (Databricks' Query History API, GET
 * /api/2.0/sql/history/queries): a row per statement once it has ended, written by
 * warehouse/statements.c before the statement shows its final state, kept 30 days; read by
 * the statement's user, or by an admin for the whole workspace. SQL in history_store.c. */
#ifndef WEIR_WAREHOUSE_HISTORY_H
#define WEIR_WAREHOUSE_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"
#include "core/json.h"
#include "governance/governance.h"

#define WEIR_WH_HISTORY_KEEP_MS ((int64_t)30 * 24 * 3600 * 1000)
#define WEIR_WH_HISTORY_TEXT_MAX 100000

/* One ended statement. */
typedef struct weir_wh_history_entry {
	const char *query_id, *warehouse_id, *query_text;
	int64_t workspace_id, user_id;
	const char *status; /* FINISHED, FAILED, CANCELED */
	const char *error_message; /* NULL when none */
	int64_t rows_produced; /* -1: none (no result) */
	int64_t start_ms, end_ms;
} weir_wh_history_entry;

/* FINISHED, FAILED or CANCELED: the history's name of a statement's final weir_wh_state. */
const char *weir_wh_history_status(int state);

struct weir_wh_outcome;
/* The row of a statement that ended with o at end_ms (strings borrowed). */
weir_wh_history_entry weir_wh_history_entry_of(const char *id, const char *warehouse_id, const char *sql,
					       int64_t workspace_id, int64_t user_id, int64_t start_ms,
					       const struct weir_wh_outcome *o, int64_t end_ms);

/* Writes h in its own write transaction on a connection of `pool` (and drops rows older than
 * WEIR_WH_HISTORY_KEEP_MS); a failure is logged, never returned: the history is a record of
 * the statement, not part of it. Called with no lock held. */
void weir_wh_history_record(weir_db_pool *pool, const weir_wh_history_entry *h);

/* Writes the row of statement x, which ended with o at now_ms, in the caller's write
 * transaction (the statement's audit write: warehouse/wh_engine.c), dropping rows older than
 * WEIR_WH_HISTORY_KEEP_MS; 0 or -1. */
struct weir_wh_exec;
int weir_wh_history_write(weir_db *db, const struct weir_wh_exec *x, const struct weir_wh_outcome *o, int64_t now_ms,
			  weir_error *err);

/* What GET /api/2.0/sql/history/queries asks: filter_by.statuses, .user_ids, .warehouse_ids
 * (each repeated, JSON arrays built by the handler; NULL: any), the start-time range
 * (has_* false: open), max_results (0: 100; at most 1000) and page_token. */
typedef struct weir_wh_history_filter {
	const char *statuses_json, *user_ids_json, *warehouse_ids_json;
	int64_t start_from_ms, start_to_ms;
	bool has_start_from, has_start_to;
	int64_t max_results;
	const char *page_token;
} weir_wh_history_filter;

/* {"res": [QueryInfo...], "has_next_page": bool[, "next_page_token"]}, most recently started
 * first: the caller's own statements, or every statement of the workspace for an admin
 * (p->is_admin); 400 INVALID_PARAMETER_VALUE for a bad max_results, status or page_token. */
json_t *weir_wh_history_list(weir_db *db, weir_arena *a, const weir_principal *p, const weir_wh_history_filter *f,
			     weir_error *err);

/* A statement that is no longer in memory (a restart, or its result's hours have passed), as
 * GET /api/2.0/sql/statements/{id} answers it from its history row: {statement_id, status:
 * {state: CLOSED (it succeeded: its result is gone) | FAILED | CANCELED [, error]}}; the
 * caller's own statements only, as in memory. NULL (err untouched) when there is no such
 * row of the caller's. */
json_t *weir_wh_history_statement(weir_db *db, weir_arena *a, const weir_principal *p, const char *id);

/* ---- history_store.c ---- */
int weir_wh_store_history_insert(weir_db *db, const weir_wh_history_entry *h, weir_error *err);
int weir_wh_store_history_purge(weir_db *db, int64_t before_ms, weir_error *err);
/* The status and error message of statement id of user in workspace: 1, 0 (none), -1. */
int weir_wh_store_history_get(weir_db *db, weir_arena *a, const char *id, int64_t workspace_id, int64_t user_id,
			      const char **status, const char **error_message, weir_error *err);
/* Calls fn for each row of the page (at most limit), newest first; 0 or -1. */
typedef void (*weir_wh_history_row_fn)(void *ctx, const weir_wh_history_entry *h, const char *user_name);
int weir_wh_store_history_list(weir_db *db, int64_t workspace_id, int64_t only_user, bool has_only_user,
			       const weir_wh_history_filter *f, int64_t after_ms, const char *after_id, bool has_after,
			       int64_t limit, weir_wh_history_row_fn fn, void *ctx, weir_error *err);

#endif
