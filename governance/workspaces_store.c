/* All SQL of workspaces as governance's core sees them: names and ids, whether a caller is
 * assigned to one, and the default workspace of the first start. The workspace API's own
 * SQL (create, list, assignments) is in grants_store.c. */
#include "governance/gov_store.h"

static const char SQL_WORKSPACE_NAME[] = "SELECT name FROM workspaces WHERE id = ?1";
static const char SQL_WORKSPACE_BY_NAME[] = "SELECT id FROM workspaces WHERE name = ?1";
static const char SQL_WORKSPACE_MEMBER[] =
	"SELECT 1 FROM workspace_assignments WHERE workspace_id = ?1 "
	"AND principal_id IN (SELECT value FROM json_each(?2)) LIMIT 1";
static const char SQL_INSERT_WORKSPACE[] = "INSERT INTO workspaces (id, name, created_at) VALUES (?1, ?2, ?3)";

int weir_gov_store_workspace_name(weir_db *db, weir_arena *a, int64_t id, const char **name, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_WORKSPACE_NAME, err);
	if (st == NULL)
		return -1;
	weir_db_bind_i64(st, 1, id);
	int found = 0;
	if (weir_db_step(st) == WEIR_DB_ROW && weir_db_col_type(st, 0) != WEIR_DB_NULL) {
		*name = weir_db_col_dup(a, st, 0);
		found = 1;
	}
	weir_db_done(st);
	return found;
}

int weir_gov_store_workspace_by_name(weir_db *db, const char *name, int64_t *id, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_WORKSPACE_BY_NAME, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, name);
	int found = 0;
	if (weir_db_step(st) == WEIR_DB_ROW) {
		*id = weir_db_col_i64(st, 0);
		found = 1;
	}
	weir_db_done(st);
	return found;
}

bool weir_gov_store_workspace_assigned(weir_db *db, int64_t workspace_id, const char *closure_json)
{
	weir_stmt *st = weir_db_stmt(db, SQL_WORKSPACE_MEMBER, NULL);
	if (st == NULL)
		return false;
	weir_db_bind_i64(st, 1, workspace_id);
	weir_db_bind_text(st, 2, closure_json);
	bool ok = weir_db_step(st) == WEIR_DB_ROW;
	weir_db_done(st);
	return ok;
}

int weir_gov_store_workspace_insert(weir_db *db, int64_t id, const char *name, int64_t now, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_INSERT_WORKSPACE, err);
	if (st == NULL)
		return -1;
	weir_db_bind_i64(st, 1, id);
	weir_db_bind_text(st, 2, name);
	weir_db_bind_i64(st, 3, now);
	return weir_db_step_done(db, st, err);
}
