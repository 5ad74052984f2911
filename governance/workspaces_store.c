/* All SQL of workspaces: names and ids, whether a caller is assigned to one, the default
 * workspace of the first start, and the workspace API's rows (create, list, get, delete,
 * assignments). */
#include "governance/gov_store.h"

#include "core/db_row.h"
#include "core/util.h"

static const char SQL_WORKSPACE_NAME[] = "SELECT name FROM workspaces WHERE id = ?1";
static const char SQL_WORKSPACE_BY_NAME[] = "SELECT id FROM workspaces WHERE name = ?1";
static const char SQL_WORKSPACE_MEMBER[] =
	"SELECT 1 FROM workspace_assignments WHERE workspace_id = ?1 "
	"AND principal_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?2)) LIMIT 1";
static const char SQL_INSERT_WORKSPACE[] = "INSERT INTO workspaces (id, name, created_at) VALUES (?1, ?2, ?3)";

int weir_gov_store_workspace_name(weir_db *db, weir_arena *a, int64_t id, const char **name, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_WORKSPACE_NAME, err, WEIR_I64(id));
	int found = weir_db_row_first(db, st, err);
	if (found == 1) {
		*name = weir_db_col_dup(a, st, 0);
		found = *name != NULL;
		weir_db_done(st);
	}
	return found;
}

int weir_gov_store_workspace_by_name(weir_db *db, const char *name, int64_t *id, weir_error *err)
{
	return weir_db_query_i64(db, SQL_WORKSPACE_BY_NAME, id, err, WEIR_TEXT(name));
}

bool weir_gov_store_workspace_assigned(weir_db *db, int64_t workspace_id, const char *closure_json)
{
	return weir_db_exists(db, SQL_WORKSPACE_MEMBER, NULL, WEIR_I64(workspace_id), WEIR_TEXT(closure_json)) == 1;
}

int weir_gov_store_workspace_insert(weir_db *db, int64_t id, const char *name, int64_t now, weir_error *err)
{
	return weir_db_exec(db, SQL_INSERT_WORKSPACE, err, WEIR_I64(id), WEIR_TEXT(name), WEIR_I64(now));
}

/* ------------------------------------------------------------------ the workspace API (grants.c) */

static const char SQL_WS_INSERT[] = "INSERT INTO workspaces (name, created_at) VALUES (?1, ?2)";
static const char SQL_WS_LIST[] =
	"SELECT w.id, w.name, w.created_at FROM workspaces w "
	"WHERE ?1 OR w.id = 1 OR EXISTS (SELECT 1 FROM workspace_assignments a WHERE a.workspace_id = w.id "
	"  AND a.principal_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?2))) ORDER BY w.id";
static const char SQL_WS_GET[] = "SELECT id, name, created_at FROM workspaces WHERE name = ?1";
static const char SQL_WS_DELETE[] = "DELETE FROM workspaces WHERE id = ?1";
static const char SQL_WS_ASSIGN[] =
	"INSERT INTO workspace_assignments (workspace_id, principal_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
static const char SQL_WS_UNASSIGN[] = "DELETE FROM workspace_assignments WHERE workspace_id = ?1 AND principal_id = ?2";
static const char SQL_WS_EXISTS[] = "SELECT 1 FROM workspaces WHERE id = ?1";
static const char SQL_WS_ASSIGNMENTS[] =
	"SELECT p.name, p.kind FROM workspace_assignments a JOIN principals p ON p.id = a.principal_id "
	"WHERE a.workspace_id = ?1 ORDER BY p.name";

static json_t *ws_row(weir_stmt *st)
{
	return json_pack("{s:I, s:s, s:I}", "workspace_id", (json_int_t)weir_db_col_i64(st, 0), "name",
			 weir_db_col_text(st, 1), "created_at", (json_int_t)weir_db_col_i64(st, 2));
}

int64_t weir_gov_store_ws_insert(weir_db *db, const char *name, weir_error *err)
{
	return weir_db_exec_id(db, SQL_WS_INSERT, err, WEIR_TEXT(name), WEIR_I64(weir_now_ms()));
}

json_t *weir_gov_store_ws_list(weir_db *db, bool all, const char *closure_json, weir_error *err)
{
	return weir_db_json_rows(db, weir_db_query(db, SQL_WS_LIST, err, WEIR_I64(all), WEIR_TEXT(closure_json)),
				 ws_row, err);
}

int weir_gov_store_ws_get(weir_db *db, const char *name, json_t **out, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_WS_GET, err, WEIR_TEXT(name));
	if (st == NULL)
		return -1;
	*out = weir_db_step(st) == WEIR_DB_ROW ? ws_row(st) : NULL;
	weir_db_done(st);
	return *out != NULL;
}

int weir_gov_store_ws_delete(weir_db *db, int64_t id, weir_error *err)
{
	return weir_db_exec(db, SQL_WS_DELETE, err, WEIR_I64(id));
}

int weir_gov_store_ws_assign(weir_db *db, int64_t ws, int64_t principal_id, bool assign, weir_error *err)
{
	return weir_db_exec(db, assign ? SQL_WS_ASSIGN : SQL_WS_UNASSIGN, err, WEIR_I64(ws), WEIR_I64(principal_id));
}

static json_t *assignment_json(weir_stmt *st)
{
	return json_pack("{s:s, s:s}", "principal", weir_db_col_text(st, 0), "principal_type", weir_db_col_text(st, 1));
}

json_t *weir_gov_store_ws_assignments(weir_db *db, int64_t ws, weir_error *err)
{
	return weir_db_json_rows(db, weir_db_query(db, SQL_WS_ASSIGNMENTS, err, WEIR_I64(ws)), assignment_json, err);
}

bool weir_gov_store_ws_exists(weir_db *db, int64_t ws)
{
	return weir_db_exists(db, SQL_WS_EXISTS, NULL, WEIR_I64(ws)) == 1;
}
