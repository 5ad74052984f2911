/* The SQL of warehouses and their permissions (warehouses.c). */
#include <stdlib.h>
#include <string.h>

#include "core/db_row.h"
#include "core/json.h"

#include "warehouse/warehouses_int.h"

#define COLS "id, workspace_id, name, creator_id, creator_name, settings, create_time, update_time"

static const char SQL_W_INSERT[] = "INSERT INTO sql_warehouses (" COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)";
static const char SQL_W_GET[] = "SELECT " COLS " FROM sql_warehouses WHERE id = ?1";
/* what a statement's submission needs (weir_wh_warehouse_usable), without parsing the settings */
static const char SQL_W_USABLE[] = "SELECT id, workspace_id, creator_id, json_extract(settings, '$.max_num_clusters'), "
				   "json_extract(settings, '$.auto_stop_mins') FROM sql_warehouses WHERE id = ?1";
static const char SQL_W_UPDATE[] = "UPDATE sql_warehouses SET name = ?2, settings = ?3, update_time = ?4 WHERE id = ?1";
static const char SQL_W_DELETE[] = "DELETE FROM sql_warehouses WHERE id = ?1";
static const char SQL_W_LIST[] = "SELECT " COLS " FROM sql_warehouses WHERE workspace_id IS NULL OR workspace_id = ?1 "
				 "ORDER BY name, id LIMIT 1000";
static const char SQL_W_NAME_TAKEN[] = "SELECT count(*) FROM sql_warehouses WHERE (workspace_id IS NULL OR "
				       "workspace_id = ?1) AND name = ?2 AND id <> ?3";
static const char SQL_ACL_RANK[] =
	"SELECT coalesce(max(CASE level WHEN 'IS_OWNER' THEN 4 WHEN 'CAN_MANAGE' THEN 3 WHEN 'CAN_MONITOR' THEN 2 "
	"WHEN 'CAN_USE' THEN 1 ELSE 0 END), 0) FROM sql_warehouse_acl WHERE warehouse_id = ?1 "
	"AND principal_id IN (SELECT value FROM json_each(?2))";
static const char SQL_ACL_LIST[] = "SELECT a.principal_id, p.kind, p.name, a.level FROM sql_warehouse_acl a "
				   "JOIN principals p ON p.id = a.principal_id WHERE a.warehouse_id = ?1 "
				   "ORDER BY p.name LIMIT 1000";
static const char SQL_ACL_CLEAR[] = "DELETE FROM sql_warehouse_acl WHERE warehouse_id = ?1";
static const char SQL_ACL_PUT[] =
	"INSERT INTO sql_warehouse_acl (warehouse_id, principal_id, level) VALUES (?1, ?2, ?3) "
	"ON CONFLICT (warehouse_id, principal_id) DO UPDATE SET level = excluded.level";

static void row(weir_arena *a, weir_stmt *st, weir_wh_row *w)
{
	w->id = weir_db_col_dup(a, st, 0);
	w->workspace_id = weir_db_col_i64(st, 1);
	w->name = weir_db_col_dup(a, st, 2);
	w->creator_id = weir_db_col_i64(st, 3);
	w->creator_name = weir_db_col_dup(a, st, 4);
	const char *s = weir_db_col_text(st, 5);
	w->settings = s ? json_loads(s, 0, NULL) : NULL;
	if (w->settings == NULL)
		w->settings = json_object();
	weir_json_own(a, w->settings);
	w->create_time = weir_db_col_i64(st, 6);
	w->update_time = weir_db_col_i64(st, 7);
}

int weir_whw_store_insert(weir_db *db, const weir_wh_row *w, weir_error *err)
{
	char *settings = json_dumps(w->settings, JSON_COMPACT | JSON_SORT_KEYS);
	int rc = weir_db_exec(db, SQL_W_INSERT, err, WEIR_TEXT(w->id),
			      WEIR_I64_OR_NULL(w->workspace_id, !w->workspace_id), WEIR_TEXT(w->name),
			      WEIR_I64_OR_NULL(w->creator_id, !w->creator_id), WEIR_TEXT(w->creator_name),
			      WEIR_TEXT(settings), WEIR_I64(w->create_time));
	free(settings);
	return rc;
}

int weir_whw_store_get(weir_db *db, weir_arena *a, const char *id, weir_wh_row *out, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_W_GET, err, WEIR_TEXT(id));
	int found = weir_db_row_first(db, st, err); /* the settings' JSON is parsed: no field table */
	if (found == 1) {
		row(a, st, out);
		weir_db_done(st);
	}
	return found;
}

int weir_whw_store_usable(weir_db *db, weir_arena *a, const char *id, weir_wh_row *out, int64_t *max_num_clusters,
			  int64_t *auto_stop_mins, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_W_USABLE, err, WEIR_TEXT(id));
	if (st == NULL)
		return -1;
	int found = weir_db_step(st) == WEIR_DB_ROW;
	if (found) {
		*out = (weir_wh_row){.id = weir_db_col_dup(a, st, 0),
				     .workspace_id = weir_db_col_i64(st, 1),
				     .creator_id = weir_db_col_i64(st, 2)};
		*max_num_clusters = weir_db_col_i64(st, 3);
		*auto_stop_mins = weir_db_col_i64(st, 4);
	}
	weir_db_done(st);
	return found;
}

int weir_whw_store_update(weir_db *db, const weir_wh_row *w, weir_error *err)
{
	char *settings = json_dumps(w->settings, JSON_COMPACT | JSON_SORT_KEYS);
	int64_t n = weir_db_exec_count(db, SQL_W_UPDATE, err, WEIR_TEXT(w->id), WEIR_TEXT(w->name), WEIR_TEXT(settings),
				       WEIR_I64(w->update_time));
	free(settings);
	return n < 0 ? -1 : n > 0;
}

int weir_whw_store_delete(weir_db *db, const char *id, weir_error *err)
{
	int64_t n = weir_db_exec_count(db, SQL_W_DELETE, err, WEIR_TEXT(id));
	return n < 0 ? -1 : n > 0;
}

int weir_whw_store_list(weir_db *db, weir_arena *a, int64_t workspace_id, weir_wh_row **out, int *n, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_W_LIST, err, WEIR_I64(workspace_id));
	if (st == NULL)
		return -1;
	int cap = 8;
	*n = 0;
	*out = weir_arena_alloc(a, (size_t)cap * sizeof(**out));
	while (weir_db_step(st) == WEIR_DB_ROW) {
		if (*n == cap) {
			weir_wh_row *bigger = weir_arena_alloc(a, (size_t)cap * 2 * sizeof(*bigger));
			memcpy(bigger, *out, (size_t)cap * sizeof(*bigger));
			*out = bigger;
			cap *= 2;
		}
		row(a, st, &(*out)[(*n)++]);
	}
	weir_db_done(st);
	return 0;
}

int weir_whw_store_name_taken(weir_db *db, int64_t workspace_id, const char *name, const char *except_id,
			      weir_error *err)
{
	int64_t n = 0;
	if (weir_db_query_i64(db, SQL_W_NAME_TAKEN, &n, err, WEIR_I64(workspace_id), WEIR_TEXT(name),
			      WEIR_TEXT(except_id ? except_id : "")) < 0)
		return -1;
	return n > 0;
}

int weir_whw_store_acl_rank(weir_db *db, const char *warehouse_id, const char *closure_json, weir_error *err)
{
	int64_t n = 0;
	if (weir_db_query_i64(db, SQL_ACL_RANK, &n, err, WEIR_TEXT(warehouse_id), WEIR_TEXT(closure_json)) < 0)
		return -1;
	return (int)n;
}

int weir_whw_store_acl_list(weir_db *db, weir_arena *a, const char *warehouse_id, weir_wh_acl_row **out, int *n,
			    weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_ACL_LIST, err, WEIR_TEXT(warehouse_id));
	if (st == NULL)
		return -1;
	int cap = 8;
	*n = 0;
	*out = weir_arena_alloc(a, (size_t)cap * sizeof(**out));
	while (weir_db_step(st) == WEIR_DB_ROW) {
		if (*n == cap) {
			weir_wh_acl_row *bigger = weir_arena_alloc(a, (size_t)cap * 2 * sizeof(*bigger));
			memcpy(bigger, *out, (size_t)cap * sizeof(*bigger));
			*out = bigger;
			cap *= 2;
		}
		weir_wh_acl_row *r = &(*out)[(*n)++];
		r->principal_id = weir_db_col_i64(st, 0);
		r->kind = weir_db_col_dup(a, st, 1);
		r->name = weir_db_col_dup(a, st, 2);
		r->level = weir_db_col_dup(a, st, 3);
	}
	weir_db_done(st);
	return 0;
}

int weir_whw_store_acl_clear(weir_db *db, const char *warehouse_id, weir_error *err)
{
	return weir_db_exec(db, SQL_ACL_CLEAR, err, WEIR_TEXT(warehouse_id));
}

int weir_whw_store_acl_put(weir_db *db, const char *warehouse_id, int64_t principal_id, const char *level,
			   weir_error *err)
{
	return weir_db_exec(db, SQL_ACL_PUT, err, WEIR_TEXT(warehouse_id), WEIR_I64(principal_id), WEIR_TEXT(level));
}
