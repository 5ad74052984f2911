/* All SQL of reading the audit log. Absent filters bind NULL and match everything; the
 * keyset condition uses a row value so that the (event_time) index, whose entries end with
 * the rowid, serves both the range and the order. */
#include "governance/audit.h"

#include <string.h>

static const char SQL_QUERY[] =
	"SELECT id, event_time, user_identity, workspace_id, service_name, action_name, request_id, "
	"request_params, status_code, error_code, securable, source_ip, user_agent FROM audit "
	"WHERE (?1 IS NULL OR event_time >= ?1) AND (?2 IS NULL OR event_time < ?2) "
	"AND (?3 IS NULL OR user_identity = ?3) AND (?4 IS NULL OR action_name = ?4) "
	"AND (?5 IS NULL OR service_name = ?5) AND (?6 IS NULL OR securable = ?6) "
	"AND (?7 IS NULL OR status_code = ?7) AND (?8 IS NULL OR workspace_id = ?8) "
	"AND (?9 IS NULL OR (event_time, id) > (?9, ?10)) "
	"AND (?12 = 0 OR (?12 = 1 AND status_code < 400) OR (?12 = 2 AND status_code >= 400)) "
	"ORDER BY event_time, id LIMIT ?11";

int weir_audit__store_query(weir_db *db, weir_arena *a, const weir_audit_filter *f, bool has_after, int64_t after_time,
			    int64_t after_id, int limit, weir_audit_row **out, int *n, weir_error *err)
{
	weir_stmt *st = weir_db_query(
		db, SQL_QUERY, err, WEIR_I64_OR_NULL(f->start_time, !f->has_start),
		WEIR_I64_OR_NULL(f->end_time, !f->has_end), WEIR_TEXT(f->principal), WEIR_TEXT(f->action_name),
		WEIR_TEXT(f->service_name), WEIR_TEXT(f->securable), WEIR_I64_OR_NULL(f->status_code, !f->has_status),
		WEIR_I64_OR_NULL(f->workspace_id, !f->has_workspace), WEIR_I64_OR_NULL(after_time, !has_after),
		WEIR_I64_OR_NULL(after_id, !has_after), WEIR_I64(limit), WEIR_I64(f->outcome));
	if (st == NULL)
		return -1;
	weir_audit_row *rows = weir_arena_calloc(a, sizeof(*rows) * (size_t)(limit > 0 ? limit : 1));
	int k = 0, rc = WEIR_DB_DONE;
	while (k < limit && (rc = weir_db_step(st)) == WEIR_DB_ROW) {
		weir_audit_row *r = &rows[k++];
		r->id = weir_db_col_i64(st, 0);
		r->event_time = weir_db_col_i64(st, 1);
		r->user_identity = weir_db_col_dup(a, st, 2);
		r->workspace_id = weir_db_col_i64(st, 3);
		r->service_name = weir_db_col_dup(a, st, 4);
		r->action_name = weir_db_col_dup(a, st, 5);
		r->request_id = weir_db_col_dup(a, st, 6);
		r->request_params = weir_db_col_dup(a, st, 7);
		r->status_code = weir_db_col_int(st, 8);
		r->error_code = weir_db_col_dup(a, st, 9);
		r->securable = weir_db_col_dup(a, st, 10);
		r->source_ip = weir_db_col_dup(a, st, 11);
		r->user_agent = weir_db_col_dup(a, st, 12);
	}
	weir_db_done(st);
	if (k < limit && rc != WEIR_DB_DONE)
		return weir_db_fail(db, rc, err);
	*out = rows;
	*n = k;
	return 0;
}
