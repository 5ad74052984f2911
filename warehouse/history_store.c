/* The SQL of the warehouse's query history (warehouse/history.h). */
#include "warehouse/history.h"

static const char SQL_H_INSERT[] =
	"INSERT OR IGNORE INTO sql_query_history (query_id, workspace_id, user_id, warehouse_id, query_text, status, "
	"error_message, rows_produced, query_start_time_ms, query_end_time_ms) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char SQL_H_PURGE[] = "DELETE FROM sql_query_history WHERE query_start_time_ms < ?1";
/* Newest first; ?2 a user (non-admins: themselves), ?3/?4/?5 JSON arrays or NULL, ?6/?7 the
 * start-time range, ?8/?9 the last row of the previous page. */
static const char SQL_H_LIST[] =
	"SELECT h.query_id, h.warehouse_id, h.query_text, h.workspace_id, h.user_id, h.status, h.error_message, "
	"h.rows_produced, h.query_start_time_ms, h.query_end_time_ms, p.name "
	"FROM sql_query_history h JOIN principals p ON p.id = h.user_id "
	"WHERE h.workspace_id = ?1 AND (?2 IS NULL OR h.user_id = ?2) "
	"AND (?3 IS NULL OR h.status IN (SELECT value FROM json_each(?3))) "
	"AND (?4 IS NULL OR h.user_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?4))) "
	"AND (?5 IS NULL OR h.warehouse_id IN (SELECT value FROM json_each(?5))) "
	"AND (?6 IS NULL OR h.query_start_time_ms >= ?6) AND (?7 IS NULL OR h.query_start_time_ms < ?7) "
	"AND (?8 IS NULL OR h.query_start_time_ms < ?8 OR (h.query_start_time_ms = ?8 AND h.query_id < ?9)) "
	"ORDER BY h.query_start_time_ms DESC, h.query_id DESC LIMIT ?10";

int weir_wh_store_history_insert(weir_db *db, const weir_wh_history_entry *h, weir_error *err)
{
	return weir_db_exec(
		db, SQL_H_INSERT, err, WEIR_TEXT(h->query_id), WEIR_I64(h->workspace_id), WEIR_I64(h->user_id),
		WEIR_TEXT(h->warehouse_id), WEIR_TEXT(h->query_text), WEIR_TEXT(h->status), WEIR_TEXT(h->error_message),
		WEIR_I64_OR_NULL(h->rows_produced, h->rows_produced < 0), WEIR_I64(h->start_ms), WEIR_I64(h->end_ms));
}

static const char SQL_H_GET[] = "SELECT status, error_message FROM sql_query_history "
				"WHERE query_id = ?1 AND workspace_id = ?2 AND user_id = ?3";

int weir_wh_store_history_get(weir_db *db, weir_arena *a, const char *id, int64_t workspace_id, int64_t user_id,
			      const char **status, const char **error_message, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_H_GET, err, WEIR_TEXT(id), WEIR_I64(workspace_id), WEIR_I64(user_id));
	if (st == NULL)
		return -1;
	int rc = weir_db_step(st);
	if (rc == WEIR_DB_ROW) {
		*status = weir_db_col_dup(a, st, 0);
		*error_message = weir_db_col_dup(a, st, 1);
		weir_db_done(st);
		return 1;
	}
	return weir_db_end(db, st, rc, err);
}

int weir_wh_store_history_purge(weir_db *db, int64_t before_ms, weir_error *err)
{
	return weir_db_exec(db, SQL_H_PURGE, err, WEIR_I64(before_ms));
}

int weir_wh_store_history_list(weir_db *db, int64_t workspace_id, int64_t only_user, bool has_only_user,
			       const weir_wh_history_filter *f, int64_t after_ms, const char *after_id, bool has_after,
			       int64_t limit, weir_wh_history_row_fn fn, void *ctx, weir_error *err)
{
	weir_stmt *st = weir_db_query(
		db, SQL_H_LIST, err, WEIR_I64(workspace_id), WEIR_I64_OR_NULL(only_user, !has_only_user),
		WEIR_TEXT(f->statuses_json), WEIR_TEXT(f->user_ids_json), WEIR_TEXT(f->warehouse_ids_json),
		WEIR_I64_OR_NULL(f->start_from_ms, !f->has_start_from),
		WEIR_I64_OR_NULL(f->start_to_ms, !f->has_start_to), WEIR_I64_OR_NULL(after_ms, !has_after),
		WEIR_TEXT(has_after ? after_id : NULL), WEIR_I64(limit));
	if (st == NULL)
		return -1;
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
		weir_wh_history_entry h = {
			.query_id = weir_db_col_text(st, 0),
			.warehouse_id = weir_db_col_text(st, 1),
			.query_text = weir_db_col_text(st, 2),
			.workspace_id = weir_db_col_i64(st, 3),
			.user_id = weir_db_col_i64(st, 4),
			.status = weir_db_col_text(st, 5),
			.error_message = weir_db_col_text(st, 6),
			.rows_produced = weir_db_col_type(st, 7) == WEIR_DB_NULL ? -1 : weir_db_col_i64(st, 7),
			.start_ms = weir_db_col_i64(st, 8),
			.end_ms = weir_db_col_i64(st, 9),
		};
		fn(ctx, &h, weir_db_col_text(st, 10));
	}
	if (rc != WEIR_DB_DONE) {
		weir_db_fail(db, rc, err);
		weir_db_done(st);
		return -1;
	}
	weir_db_done(st);
	return 0;
}
