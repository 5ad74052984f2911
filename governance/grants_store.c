/* All SQL of grants (direct grants, the privileges of a caller on a chain, the change
 * counter of authorization data), workspaces, workspace assignments and catalog bindings. */
#include "governance/grants_int.h"
#include "governance/gov_store.h"

#include <string.h>

#include "core/log.h"
#include "core/util.h"

static const char SQL_DIRECT[] =
	"SELECT p.name, p.id, g.privilege FROM grants g JOIN principals p ON p.id = g.principal_id "
	"WHERE g.securable_id = ?1 ORDER BY p.name, g.privilege";

int grants_store_direct(weir_db *db, const char *securable_id, grant_visit_fn fn, void *ctx, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_DIRECT, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, securable_id);
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW)
		fn(ctx, weir_db_col_text(st, 0), weir_db_col_i64(st, 1),
		   weir_db_col_text(st, 2));
	weir_db_done(st);
	return rc == WEIR_DB_DONE ? 0 : weir_db_fail(db, rc, err);
}

static const char SQL_GRANT_ADD[] =
	"INSERT INTO grants (securable_id, principal_id, privilege) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";
static const char SQL_GRANT_REMOVE[] =
	"DELETE FROM grants WHERE securable_id = ?1 AND principal_id = ?2 AND privilege = ?3";

int grants_store_set(weir_db *db, const char *securable_id, int64_t principal_id, const char *privilege, bool add,
		     weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, add ? SQL_GRANT_ADD : SQL_GRANT_REMOVE, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, securable_id);
	weir_db_bind_i64(st, 2, principal_id);
	weir_db_bind_text(st, 3, privilege);
	return weir_db_step_done(db, st, err);
}

/* ------------------------------------------------------------------ workspaces */

static const char SQL_WS_INSERT[] = "INSERT INTO workspaces (name, created_at) VALUES (?1, ?2)";
static const char SQL_WS_LIST[] =
	"SELECT w.id, w.name, w.created_at FROM workspaces w "
	"WHERE ?1 OR w.id = 1 OR EXISTS (SELECT 1 FROM workspace_assignments a WHERE a.workspace_id = w.id "
	"  AND a.principal_id IN (SELECT value FROM json_each(?2))) ORDER BY w.id";
static const char SQL_WS_GET[] = "SELECT id, name, created_at FROM workspaces WHERE name = ?1";
static const char SQL_WS_DELETE[] = "DELETE FROM workspaces WHERE id = ?1";
static const char SQL_WS_ASSIGN[] =
	"INSERT INTO workspace_assignments (workspace_id, principal_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
static const char SQL_WS_UNASSIGN[] = "DELETE FROM workspace_assignments WHERE workspace_id = ?1 AND principal_id = ?2";
static const char SQL_WS_ASSIGNMENTS[] =
	"SELECT p.name, p.kind FROM workspace_assignments a JOIN principals p ON p.id = a.principal_id "
	"WHERE a.workspace_id = ?1 ORDER BY p.name";

static json_t *ws_row(weir_stmt *st)
{
	return json_pack("{s:I, s:s, s:I}", "workspace_id", (json_int_t)weir_db_col_i64(st, 0), "name",
			 weir_db_col_text(st, 1), "created_at", (json_int_t)weir_db_col_i64(st, 2));
}

int64_t ws_store_insert(weir_db *db, const char *name, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_WS_INSERT, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, name);
	weir_db_bind_i64(st, 2, weir_now_ms());
	if (weir_db_step_done(db, st, err) != 0)
		return -1;
	return weir_db_last_insert_id(db);
}

json_t *ws_store_list(weir_db *db, bool all, const char *closure_json, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_WS_LIST, err);
	if (st == NULL)
		return NULL;
	weir_db_bind_int(st, 1, all);
	weir_db_bind_text(st, 2, closure_json);
	json_t *arr = json_array();
	while (weir_db_step(st) == WEIR_DB_ROW)
		json_array_append_new(arr, ws_row(st));
	weir_db_done(st);
	return arr;
}

json_t *ws_store_get(weir_db *db, const char *name, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_WS_GET, err);
	if (st == NULL)
		return NULL;
	weir_db_bind_text(st, 1, name);
	json_t *o = weir_db_step(st) == WEIR_DB_ROW ? ws_row(st) : NULL;
	weir_db_done(st);
	if (o == NULL)
		weir_error_set(err, WEIR_E_RESOURCE_DOES_NOT_EXIST, "Workspace '%.200s' does not exist.", name);
	return o;
}

int ws_store_delete(weir_db *db, int64_t id, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_WS_DELETE, err);
	if (st == NULL)
		return -1;
	weir_db_bind_i64(st, 1, id);
	return weir_db_step_done(db, st, err);
}

int ws_store_assign(weir_db *db, int64_t ws, int64_t principal_id, bool assign, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, assign ? SQL_WS_ASSIGN : SQL_WS_UNASSIGN, err);
	if (st == NULL)
		return -1;
	weir_db_bind_i64(st, 1, ws);
	weir_db_bind_i64(st, 2, principal_id);
	return weir_db_step_done(db, st, err);
}

json_t *ws_store_assignments(weir_db *db, int64_t ws, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_WS_ASSIGNMENTS, err);
	if (st == NULL)
		return NULL;
	weir_db_bind_i64(st, 1, ws);
	json_t *arr = json_array();
	while (weir_db_step(st) == WEIR_DB_ROW)
		json_array_append_new(arr, json_pack("{s:s, s:s}", "principal", weir_db_col_text(st, 0),
						     "principal_type", weir_db_col_text(st, 1)));
	weir_db_done(st);
	return arr;
}

/* ------------------------------------------------------------------ bindings */

static const char SQL_BINDINGS[] =
	"SELECT workspace_id, binding_type FROM catalog_bindings WHERE catalog_id = ?1 ORDER BY workspace_id";
static const char SQL_BINDING_SET[] =
	"INSERT INTO catalog_bindings (catalog_id, workspace_id, binding_type) VALUES (?1, ?2, ?3) "
	"ON CONFLICT (catalog_id, workspace_id) DO UPDATE SET binding_type = excluded.binding_type";
static const char SQL_BINDING_DEL[] = "DELETE FROM catalog_bindings WHERE catalog_id = ?1 AND workspace_id = ?2";
static const char SQL_WS_EXISTS[] = "SELECT 1 FROM workspaces WHERE id = ?1";

json_t *bind_store_list(weir_db *db, const char *catalog_id, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_BINDINGS, err);
	if (st == NULL)
		return NULL;
	weir_db_bind_text(st, 1, catalog_id);
	json_t *arr = json_array();
	while (weir_db_step(st) == WEIR_DB_ROW)
		json_array_append_new(arr, json_pack("{s:I, s:s}", "workspace_id", (json_int_t)weir_db_col_i64(st, 0),
						     "binding_type", weir_db_col_text(st, 1)));
	weir_db_done(st);
	return arr;
}

int bind_store_set(weir_db *db, const char *catalog_id, int64_t ws, const char *type, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, type ? SQL_BINDING_SET : SQL_BINDING_DEL, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, catalog_id);
	weir_db_bind_i64(st, 2, ws);
	if (type)
		weir_db_bind_text(st, 3, type);
	return weir_db_step_done(db, st, err);
}

bool ws_store_exists(weir_db *db, int64_t ws)
{
	weir_stmt *st = weir_db_stmt(db, SQL_WS_EXISTS, NULL);
	if (st == NULL)
		return false;
	weir_db_bind_i64(st, 1, ws);
	bool ok = weir_db_step(st) == WEIR_DB_ROW;
	weir_db_done(st);
	return ok;
}

static const char SQL_CHAIN_ALL[] =
	"SELECT g.securable_id, p.name, p.id, g.privilege FROM grants g JOIN principals p ON p.id = g.principal_id "
	"WHERE g.securable_id IN (?1, ?2, ?3) ORDER BY p.name, g.privilege";

int grants_store_chain(weir_db *db, const weir_securable *s, chain_visit_fn fn, void *ctx, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_CHAIN_ALL, err);
	if (st == NULL)
		return -1;
	for (int i = 0; i < 3; i++)
		weir_db_bind_text(st, i + 1, i < s->depth ? s->chain[i].id : NULL);
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW)
		fn(ctx, weir_db_col_text(st, 0), weir_db_col_text(st, 1),
		   weir_db_col_i64(st, 2), weir_db_col_text(st, 3));
	weir_db_done(st);
	return rc == WEIR_DB_DONE ? 0 : weir_db_fail(db, rc, err);
}

/* ------------------------------------------------------------------ privileges of a caller */

static const char SQL_CHAIN_GRANTS[] =
	"SELECT securable_id, privilege FROM grants "
	"WHERE securable_id IN (?1, ?2, ?3) AND principal_id IN (SELECT value FROM json_each(?4))";

int weir_gov_store_chain_privs(weir_db *db, const weir_securable *s, const char *closure_json, uint64_t direct[3],
			       weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_CHAIN_GRANTS, err);
	if (st == NULL)
		return -1;
	for (int i = 0; i < 3; i++)
		weir_db_bind_text(st, i + 1, i < s->depth ? s->chain[i].id : NULL);
	weir_db_bind_text(st, 4, closure_json);
	direct[0] = direct[1] = direct[2] = 0;
	while (weir_db_step(st) == WEIR_DB_ROW) {
		const char *sid = weir_db_col_text(st, 0);
		int priv = weir_priv_parse(weir_db_col_text(st, 1));
		if (priv < 0)
			continue;
		for (int i = 0; i < s->depth; i++)
			if (strcmp(sid, s->chain[i].id) == 0)
				direct[i] |= WEIR_PRIV_BIT(priv);
	}
	weir_db_done(st);
	return 0;
}

static const char SQL_METASTORE_GRANTS[] =
	"SELECT privilege FROM grants g JOIN securables s ON s.id = g.securable_id AND s.type = 'metastore' "
	"WHERE g.principal_id IN (SELECT value FROM json_each(?1))";

uint64_t weir_gov_store_metastore_privs(weir_db *db, const char *closure_json)
{
	weir_stmt *st = weir_db_stmt(db, SQL_METASTORE_GRANTS, NULL);
	if (st == NULL)
		return 0;
	weir_db_bind_text(st, 1, closure_json);
	uint64_t bits = 0;
	while (weir_db_step(st) == WEIR_DB_ROW) {
		int priv = weir_priv_parse(weir_db_col_text(st, 0));
		if (priv >= 0)
			bits |= WEIR_PRIV_BIT(priv);
	}
	weir_db_done(st);
	return bits;
}

/* One row (id 1), so a primary key lookup: read once per cache check (authz_cache.c). */
static const char SQL_AUTHZ_CHANGES[] = "SELECT n FROM authz_changes WHERE id = 1";

int64_t weir_gov_store_authz_changes(weir_db *db)
{
	weir_stmt *st = weir_db_stmt(db, SQL_AUTHZ_CHANGES, NULL);
	if (st == NULL)
		return -1;
	int64_t n = weir_db_step(st) == WEIR_DB_ROW ? weir_db_col_i64(st, 0) : -1;
	weir_db_done(st);
	return n;
}
