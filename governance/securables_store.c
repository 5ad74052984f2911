/* All SQL of finding securables for governance's core: the metastore, the owner of one
 * securable, a catalog.schema.object path in one query (with the catalog's isolation and its
 * binding to the caller's workspace), and the path of a securable by id. The visibility
 * walk over what these return is in governance/visibility.c. */
#include "governance/gov_store.h"

#include <string.h>

#include "core/db_row.h"
#include "core/util.h"

/* parent_id IS NULL makes this an index lookup on securables_name. */
static const char SQL_METASTORE_ID[] =
	"SELECT id FROM securables WHERE parent_id IS NULL AND type = 'metastore' AND name = 'metastore'";
static const char SQL_INSERT_METASTORE[] =
	"INSERT INTO securables (id, type, parent_id, name, owner_id, created_at, created_by, updated_at, updated_by) "
	"VALUES (?1, 'metastore', NULL, 'metastore', ?2, ?3, 'admin', ?3, 'admin')";
static const char SQL_OWNER[] = "SELECT owner_id FROM securables WHERE id = ?1";

/* ?7: also the change counter of authorization data, in the same snapshot, for the
 * privilege cache's stamp (CASE: admins, who need no privileges, do not read it). */
static const char SQL_RESOLVE[] =
	"SELECT c.id, c.owner_id, COALESCE(c.isolation_mode, 'OPEN'), b.binding_type, "
	"       s.id, s.owner_id, o.id, o.owner_id, "
	"       CASE WHEN ?7 THEN (SELECT n FROM authz_changes WHERE id = 1) END "
	"FROM securables c "
	"LEFT JOIN catalog_bindings b ON b.catalog_id = c.id AND b.workspace_id = ?6 "
	"LEFT JOIN securables s ON ?2 IS NOT NULL AND s.parent_id = c.id AND s.type = 'schema' AND s.name = ?2 "
	"LEFT JOIN securables o ON ?3 IS NOT NULL AND o.parent_id = s.id AND o.type = ?4 AND o.name = ?3 "
	"WHERE c.parent_id = ?5 AND c.type = 'catalog' AND c.name = ?1";

/* A credential or external location: a child of the metastore by type and name, with its
 * isolation and its binding to workspace ?4. */
static const char SQL_RESOLVE_TOP[] =
	"SELECT s.id, s.owner_id, COALESCE(s.isolation_mode, 'OPEN'), b.binding_type FROM securables s "
	"LEFT JOIN catalog_bindings b ON b.catalog_id = s.id AND b.workspace_id = ?4 "
	"WHERE s.parent_id = ?1 AND s.type = ?2 AND s.name = ?3";

static const char SQL_RESOLVE_ID[] = "WITH RECURSIVE up(id, type, parent_id, name, depth) AS ("
				     "  SELECT id, type, parent_id, name, 0 FROM securables WHERE id = ?1 "
				     "  UNION ALL SELECT s.id, s.type, s.parent_id, s.name, up.depth + 1 FROM "
				     "securables s JOIN up ON s.id = up.parent_id "
				     "  WHERE up.type != 'catalog') "
				     "SELECT type, name FROM up WHERE type != 'metastore' ORDER BY depth DESC";

int weir_gov_store_metastore_id(weir_db *db, weir_arena *a, const char **id, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_METASTORE_ID, err);
	int found = weir_db_row_first(db, st, err);
	if (found == 1) {
		*id = weir_db_col_dup(a, st, 0);
		weir_db_done(st);
	}
	return found;
}

int weir_gov_store_metastore_insert(weir_db *db, const char *id, int64_t owner_id, int64_t now, weir_error *err)
{
	return weir_db_exec(db, SQL_INSERT_METASTORE, err, WEIR_TEXT(id), WEIR_I64(owner_id), WEIR_I64(now));
}

int weir_gov_store_owner(weir_db *db, const char *id, int64_t *owner, weir_error *err)
{
	return weir_db_query_i64(db, SQL_OWNER, owner, err, WEIR_TEXT(id));
}

static const weir_db_field RESOLVE_FIELDS[] = {
	WEIR_FIELD(weir_gov_resolve_row, catalog_id),          WEIR_FIELD(weir_gov_resolve_row, catalog_owner),
	WEIR_FIELD(weir_gov_resolve_row, isolation),           WEIR_FIELD(weir_gov_resolve_row, binding),
	WEIR_FIELD(weir_gov_resolve_row, schema_id),           WEIR_FIELD(weir_gov_resolve_row, schema_owner),
	WEIR_FIELD(weir_gov_resolve_row, object_id),           WEIR_FIELD(weir_gov_resolve_row, object_owner),
	WEIR_FIELD_OR_NEG(weir_gov_resolve_row, authz_changes)};

int weir_gov_store_resolve(weir_db *db, weir_arena *a, const char *metastore_id, const char *const names[3],
			   const char *obj_type, int64_t workspace_id, bool want_changes, weir_gov_resolve_row *out,
			   weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_RESOLVE, err, WEIR_TEXT(names[0]), WEIR_TEXT(names[1]),
				      WEIR_TEXT(names[2]), WEIR_TEXT(obj_type), WEIR_TEXT(metastore_id),
				      WEIR_I64(workspace_id), WEIR_I64(want_changes));
	return WEIR_DB_ROW_ONE(db, st, a, out, RESOLVE_FIELDS, err);
}

static const weir_db_field TOP_FIELDS[] = {
	WEIR_FIELD(weir_gov_resolve_row, object_id), WEIR_FIELD(weir_gov_resolve_row, object_owner),
	WEIR_FIELD(weir_gov_resolve_row, isolation), WEIR_FIELD(weir_gov_resolve_row, binding)};

int weir_gov_store_resolve_top(weir_db *db, weir_arena *a, const char *metastore_id, const char *type, const char *name,
			       int64_t workspace_id, weir_gov_resolve_row *out, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_RESOLVE_TOP, err, WEIR_TEXT(metastore_id), WEIR_TEXT(type),
				      WEIR_TEXT(name), WEIR_I64(workspace_id));
	return WEIR_DB_ROW_ONE(db, st, a, out, TOP_FIELDS, err);
}

int weir_gov_store_securable_path(weir_db *db, weir_arena *a, const char *id, weir_sec_type *type,
				  const char **full_name, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_RESOLVE_ID, err, WEIR_TEXT(id));
	if (st == NULL)
		return -1;
	weir_buf b = {0};
	weir_sec_type t = WEIR_SEC_METASTORE;
	int n = 0;
	while (weir_db_step(st) == WEIR_DB_ROW) {
		if (weir_sec_type_parse(weir_db_col_text(st, 0), &t) != 0)
			break;
		weir_buf_appendf(&b, "%s%s", n ? "." : "", weir_db_col_text(st, 1));
		n++;
	}
	weir_db_done(st);
	if (n > 0) {
		*type = t;
		*full_name = weir_arena_strndup(a, b.data, b.len);
	}
	weir_buf_release(&b);
	return n > 0;
}
