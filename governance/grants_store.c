/* All SQL of grants (direct grants, the privileges of a caller on a chain, the change
 * counter of authorization data) and catalog bindings. */
#include "governance/gov_store.h"

#include <string.h>

#include "core/log.h"
#include "core/util.h"

static const char SQL_DIRECT[] =
	"SELECT p.name, p.id, g.privilege FROM grants g JOIN principals p ON p.id = g.principal_id "
	"WHERE g.securable_id = ?1 ORDER BY p.name, g.privilege";

int weir_gov_store_grants_direct(weir_db *db, const char *securable_id, weir_gov_grant_fn fn, void *ctx,
				 weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_DIRECT, err, WEIR_TEXT(securable_id));
	if (st == NULL)
		return -1;
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW)
		fn(ctx, weir_db_col_text(st, 0), weir_db_col_i64(st, 1), weir_db_col_text(st, 2));
	return weir_db_end(db, st, rc, err);
}

static const char SQL_GRANT_ADD[] =
	"INSERT INTO grants (securable_id, principal_id, privilege) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";
static const char SQL_GRANT_REMOVE[] =
	"DELETE FROM grants WHERE securable_id = ?1 AND principal_id = ?2 AND privilege = ?3";

int weir_gov_store_grant_set(weir_db *db, const char *securable_id, int64_t principal_id, const char *privilege,
			     bool add, weir_error *err)
{
	return weir_db_exec(db, add ? SQL_GRANT_ADD : SQL_GRANT_REMOVE, err, WEIR_TEXT(securable_id),
			    WEIR_I64(principal_id), WEIR_TEXT(privilege));
}

/* ------------------------------------------------------------------ bindings */

static const char SQL_BINDINGS[] =
	"SELECT workspace_id, binding_type FROM catalog_bindings WHERE catalog_id = ?1 ORDER BY workspace_id";
static const char SQL_BINDING_SET[] =
	"INSERT INTO catalog_bindings (catalog_id, workspace_id, binding_type) VALUES (?1, ?2, ?3) "
	"ON CONFLICT (catalog_id, workspace_id) DO UPDATE SET binding_type = excluded.binding_type";
static const char SQL_BINDING_DEL[] = "DELETE FROM catalog_bindings WHERE catalog_id = ?1 AND workspace_id = ?2";

static json_t *binding_json(weir_stmt *st)
{
	return json_pack("{s:I, s:s}", "workspace_id", (json_int_t)weir_db_col_i64(st, 0), "binding_type",
			 weir_db_col_text(st, 1));
}

json_t *weir_gov_store_bindings(weir_db *db, const char *catalog_id, weir_error *err)
{
	return weir_db_json_rows(db, weir_db_query(db, SQL_BINDINGS, err, WEIR_TEXT(catalog_id)), binding_json, err);
}

int weir_gov_store_binding_set(weir_db *db, const char *catalog_id, int64_t ws, const char *type, weir_error *err)
{
	if (type == NULL)
		return weir_db_exec(db, SQL_BINDING_DEL, err, WEIR_TEXT(catalog_id), WEIR_I64(ws));
	return weir_db_exec(db, SQL_BINDING_SET, err, WEIR_TEXT(catalog_id), WEIR_I64(ws), WEIR_TEXT(type));
}

/* The id of the securable at depth i of s's chain, NULL (no row) past its end: the values of
 * ?1, ?2, ?3 below. */
static const char *chain_id(const weir_securable *s, int i) { return i < s->depth ? s->chain[i].id : NULL; }

static const char SQL_CHAIN_ALL[] =
	"SELECT g.securable_id, p.name, p.id, g.privilege FROM grants g JOIN principals p ON p.id = g.principal_id "
	"WHERE g.securable_id IN (?1, ?2, ?3) ORDER BY p.name, g.privilege";

int weir_gov_store_grants_chain(weir_db *db, const weir_securable *s, weir_gov_chain_grant_fn fn, void *ctx,
				weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_CHAIN_ALL, err, WEIR_TEXT(chain_id(s, 0)), WEIR_TEXT(chain_id(s, 1)),
				      WEIR_TEXT(chain_id(s, 2)));
	if (st == NULL)
		return -1;
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW)
		fn(ctx, weir_db_col_text(st, 0), weir_db_col_text(st, 1), weir_db_col_i64(st, 2),
		   weir_db_col_text(st, 3));
	return weir_db_end(db, st, rc, err);
}

/* ------------------------------------------------------------------ privileges of a caller */

static const char SQL_CHAIN_GRANTS[] =
	"SELECT securable_id, privilege FROM grants "
	"WHERE securable_id IN (?1, ?2, ?3) AND principal_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?4))";

int weir_gov_store_chain_privs(weir_db *db, const weir_securable *s, const char *closure_json, uint64_t direct[3],
			       weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_CHAIN_GRANTS, err, WEIR_TEXT(chain_id(s, 0)), WEIR_TEXT(chain_id(s, 1)),
				      WEIR_TEXT(chain_id(s, 2)), WEIR_TEXT(closure_json));
	if (st == NULL)
		return -1;
	direct[0] = direct[1] = direct[2] = 0;
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
		const char *sid = weir_db_col_text(st, 0);
		int priv = weir_priv_parse(weir_db_col_text(st, 1));
		if (priv < 0)
			continue;
		for (int i = 0; i < s->depth; i++)
			if (strcmp(sid, s->chain[i].id) == 0)
				direct[i] |= WEIR_PRIV_BIT(priv);
	}
	return weir_db_end(db, st, rc, err);
}

static const char SQL_METASTORE_GRANTS[] =
	"SELECT privilege FROM grants g JOIN securables s ON s.id = g.securable_id AND s.type = 'metastore' "
	"WHERE g.principal_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?1))";

uint64_t weir_gov_store_metastore_privs(weir_db *db, const char *closure_json)
{
	weir_stmt *st = weir_db_query(db, SQL_METASTORE_GRANTS, NULL, WEIR_TEXT(closure_json));
	if (st == NULL)
		return 0;
	uint64_t bits = 0;
	while (weir_db_step(st) == WEIR_DB_ROW) {
		int priv = weir_priv_parse(weir_db_col_text(st, 0));
		if (priv >= 0)
			bits |= WEIR_PRIV_BIT(priv);
	}
	weir_db_done(st);
	return bits;
}

/* One row (id 1): a primary key lookup on SQLite, read once per cache check (authz_cache.c);
 * on PostgreSQL it comes with the request's BEGIN (weir_db_counter). */
int64_t weir_gov_store_authz_changes(weir_db *db) { return weir_db_counter(db, "authz_changes"); }
