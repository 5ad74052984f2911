/* The delivery log every outbox kind keeps (core/outbox.h): reading an entry's state from its
 * row, its optional JSON members, and recording an attempt's outcome with the kind's SQL. */
#include "core/outbox.h"

void weir_outbox_log_read(weir_stmt *st, int col, weir_outbox_log *out)
{
	out->status = weir_db_col_text(st, col);
	out->attempts = weir_db_col_i64(st, col + 1);
	out->has_last_status_code = weir_db_col_type(st, col + 2) != WEIR_DB_NULL;
	out->last_status_code = out->has_last_status_code ? weir_db_col_i64(st, col + 2) : 0;
	out->last_error = weir_db_col_type(st, col + 3) == WEIR_DB_NULL ? NULL : weir_db_col_text(st, col + 3);
	out->created_at = weir_db_col_i64(st, col + 4);
	out->has_delivered_at = weir_db_col_type(st, col + 5) != WEIR_DB_NULL;
	out->delivered_at = out->has_delivered_at ? weir_db_col_i64(st, col + 5) : 0;
}

void weir_outbox_log_json(json_t *o, const weir_outbox_log *l, const char *delivered_key)
{
	if (l->has_last_status_code)
		json_object_set_new(o, "last_status_code", json_integer(l->last_status_code));
	if (l->last_error)
		json_object_set_new(o, "last_error", json_string(l->last_error));
	if (l->has_delivered_at)
		json_object_set_new(o, delivered_key, json_integer(l->delivered_at));
}

int weir_outbox_record_sql(weir_db *db, const char *sql, const weir_outbox_outcome *o, weir_error *err)
{
	weir_stmt *st = weir_db_query(
		db, sql, err, WEIR_TEXT(o->id), WEIR_TEXT(o->status), WEIR_I64(o->attempts),
		WEIR_I64(o->next_attempt_at), WEIR_I64_OR_NULL(o->last_status_code, !o->has_last_status_code),
		WEIR_TEXT(o->last_error), WEIR_I64_OR_NULL(o->delivered_at, !o->has_delivered_at));
	if (st == NULL)
		return -1;
	int rc = weir_db_step(st);
	weir_db_done(st);
	return rc == WEIR_DB_DONE ? 0 : 1;
}
