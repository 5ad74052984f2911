/* weir_db_query and weir_db_exec (core/db.h): a store's statement with its values in one
 * line, through the public statement API. */
#include "core/db.h"
#include "core/db_row.h"

weir_stmt *weir_db_query_vals(weir_db *c, const char *sql, const weir_db_val *vals, int n, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(c, sql, err);
	if (st == NULL)
		return NULL;
	for (int i = 0; i < n; i++) {
		switch (vals[i].kind) {
		case 1: weir_db_bind_text(st, i + 1, vals[i].s); break;
		case 2: weir_db_bind_i64(st, i + 1, vals[i].i); break;
		case 3: weir_db_bind_double(st, i + 1, vals[i].d); break;
		default: weir_db_bind_null(st, i + 1); break;
		}
	}
	return st;
}

int weir_db_exec_vals(weir_db *c, const char *sql, const weir_db_val *vals, int n, weir_error *err)
{
	weir_stmt *st = weir_db_query_vals(c, sql, vals, n, err);
	return st == NULL ? -1 : weir_db_step_done(c, st, err);
}

int weir_db_query_dup_vals(weir_db *c, weir_arena *a, const char *sql, const char **out, weir_error *err,
			   const weir_db_val *vals, int n)
{
	weir_stmt *st = weir_db_query_vals(c, sql, vals, n, err);
	int found = weir_db_row_first(c, st, err);
	if (found == 1) {
		*out = weir_db_col_dup(a, st, 0);
		weir_db_done(st);
	}
	return found;
}

const char *weir_db_query_text_vals(weir_db *c, weir_arena *a, const char *sql, const weir_db_val *vals, int n)
{
	const char *out = NULL;
	weir_db_query_dup_vals(c, a, sql, &out, NULL, vals, n);
	return out;
}

int weir_db_query_i64_vals(weir_db *c, const char *sql, int64_t *out, weir_error *err, const weir_db_val *vals, int n)
{
	weir_stmt *st = weir_db_query_vals(c, sql, vals, n, err);
	int found = weir_db_row_first(c, st, err);
	if (found == 1) {
		*out = weir_db_col_i64(st, 0);
		weir_db_done(st);
	}
	return found;
}

int64_t weir_db_exec_count_vals(weir_db *c, const char *sql, const weir_db_val *vals, int n, weir_error *err)
{
	return weir_db_exec_vals(c, sql, vals, n, err) != 0 ? -1 : weir_db_changes(c);
}

int64_t weir_db_exec_id_vals(weir_db *c, const char *sql, const weir_db_val *vals, int n, weir_error *err)
{
	return weir_db_exec_vals(c, sql, vals, n, err) != 0 ? -1 : weir_db_last_insert_id(c);
}

int64_t weir_db_count_vals(weir_db *c, const char *sql, const weir_db_val *vals, int n, weir_error *err)
{
	weir_stmt *st = weir_db_query_vals(c, sql, vals, n, err);
	int64_t v;
	return st == NULL || weir_db_step_i64(c, st, &v, err) != 0 ? -1 : v;
}

int weir_db_exists_vals(weir_db *c, const char *sql, const weir_db_val *vals, int n, weir_error *err)
{
	weir_stmt *st = weir_db_query_vals(c, sql, vals, n, err);
	int found = weir_db_row_first(c, st, err);
	if (found == 1)
		weir_db_done(st);
	return found;
}

int weir_db_end(weir_db *c, weir_stmt *st, int rc, weir_error *err)
{
	weir_db_done(st);
	return rc == WEIR_DB_DONE ? 0 : weir_db_fail(c, rc, err);
}

json_t *weir_db_end_json(weir_db *c, weir_stmt *st, int rc, json_t *j, weir_error *err)
{
	if (weir_db_end(c, st, rc, err) == 0)
		return j;
	json_decref(j);
	return NULL;
}

json_t *weir_db_json_rows(weir_db *c, weir_stmt *st, json_t *(*row)(weir_stmt *st), weir_error *err)
{
	if (st == NULL)
		return NULL;
	json_t *arr = json_array();
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
		json_t *o = row(st);
		if (o)
			json_array_append_new(arr, o);
	}
	return weir_db_end_json(c, st, rc, arr, err);
}
