/* All SQL of identity management: principals rows, group membership edges and their
 * closure, ownership counts, and service principal OAuth secrets (hashes only). */
#include "governance/gov_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db_row.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"

static const char *kind_text(weir_principal_kind k)
{
	return k == WEIR_PRINCIPAL_GROUP ? "group" : k == WEIR_PRINCIPAL_SP ? "service_principal" : "user";
}

static weir_principal_kind kind_of(const char *k)
{
	if (k && strcmp(k, "group") == 0)
		return WEIR_PRINCIPAL_GROUP;
	if (k && strcmp(k, "service_principal") == 0)
		return WEIR_PRINCIPAL_SP;
	return WEIR_PRINCIPAL_USER;
}

#define ROW_COLS "id, kind, name, display_name, external_id, active, attrs, created_at, updated_at"

static const weir_db_field ID_FIELDS[] = {WEIR_FIELD(weir_id_row, id),          WEIR_FIELD_SKIPPED, /* kind */
					  WEIR_FIELD(weir_id_row, name),        WEIR_FIELD(weir_id_row, display_name),
					  WEIR_FIELD(weir_id_row, external_id), WEIR_FIELD(weir_id_row, active),
					  WEIR_FIELD(weir_id_row, attrs),       WEIR_FIELD(weir_id_row, created_at),
					  WEIR_FIELD(weir_id_row, updated_at)};

/* The kind, after ID_FIELDS (a weir_db_fill_fn). */
static void kind_read(weir_arena *a, weir_stmt *st, void *out)
{
	(void)a;
	((weir_id_row *)out)->kind = kind_of(weir_db_col_text(st, 1));
}

static const char SQL_GET[] = "SELECT " ROW_COLS " FROM principals WHERE id = ?1";

int weir_id__get(weir_db *db, weir_arena *a, int64_t id, weir_id_row *out)
{
	weir_stmt *st = weir_db_query(db, SQL_GET, NULL, WEIR_I64(id));
	if (weir_db_row_first(db, st, NULL) != 1)
		return -1;
	WEIR_DB_ROW_READ(st, a, out, ID_FIELDS);
	kind_read(a, st, out);
	weir_db_done(st);
	return 0;
}

static const char SQL_ALL[] = "SELECT " ROW_COLS " FROM principals WHERE kind = ?1 ORDER BY id";

weir_id_row *weir_id__all(weir_db *db, weir_arena *a, weir_principal_kind kind, int *n, weir_error *err)
{
	size_t k = 0;
	weir_id_row *rows = WEIR_DB_ROWS(db, weir_db_query(db, SQL_ALL, err, WEIR_TEXT(kind_text(kind))), a,
					 weir_id_row, ID_FIELDS, kind_read, &k, err);
	*n = (int)k;
	return rows;
}

static const char SQL_BY_NAME[] = "SELECT id FROM principals WHERE name = ?1";

int64_t weir_id__by_name(weir_db *db, const char *name)
{
	int64_t id;
	return weir_db_query_i64(db, SQL_BY_NAME, &id, NULL, WEIR_TEXT(name)) == 1 ? id : -1;
}

static const char SQL_BY_NAME_NOCASE[] = "SELECT id FROM principals WHERE name = ?1 COLLATE NOCASE";

int64_t weir_id__by_name_nocase(weir_db *db, const char *name, int64_t except)
{
	weir_stmt *st = weir_db_query(db, SQL_BY_NAME_NOCASE, NULL, WEIR_TEXT(name));
	if (st == NULL)
		return -1;
	int64_t id = -1;
	while (id < 0 && weir_db_step(st) == WEIR_DB_ROW)
		if (weir_db_col_i64(st, 0) != except)
			id = weir_db_col_i64(st, 0);
	weir_db_done(st);
	return id;
}

static const char SQL_INSERT[] =
	"INSERT INTO principals (kind, name, display_name, external_id, active, attrs, created_at, updated_at) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)";

int64_t weir_id__insert(weir_db *db, const weir_id_row *row, weir_error *err)
{
	return weir_db_exec_id(db, SQL_INSERT, err, WEIR_TEXT(kind_text(row->kind)), WEIR_TEXT(row->name),
			       WEIR_TEXT(row->display_name), WEIR_TEXT(row->external_id), WEIR_I64(row->active ? 1 : 0),
			       WEIR_TEXT(row->attrs ? row->attrs : "{}"), WEIR_I64(weir_now_ms()));
}

static const char SQL_UPDATE[] =
	"UPDATE principals SET name = ?2, display_name = ?3, external_id = ?4, active = ?5, attrs = ?6, "
	"updated_at = ?7 WHERE id = ?1";

int weir_id__update(weir_db *db, const weir_id_row *row, weir_error *err)
{
	return weir_db_exec(db, SQL_UPDATE, err, WEIR_I64(row->id), WEIR_TEXT(row->name), WEIR_TEXT(row->display_name),
			    WEIR_TEXT(row->external_id), WEIR_I64(row->active ? 1 : 0),
			    WEIR_TEXT(row->attrs ? row->attrs : "{}"), WEIR_I64(weir_now_ms()));
}

static const char SQL_DELETE[] = "DELETE FROM principals WHERE id = ?1";

int weir_id__delete(weir_db *db, int64_t id, weir_error *err)
{
	return weir_db_exec(db, SQL_DELETE, err, WEIR_I64(id));
}

static const char SQL_MEMBER_ADD[] = "INSERT OR IGNORE INTO group_members (group_id, member_id) VALUES (?1, ?2)";
static const char SQL_MEMBER_REMOVE[] = "DELETE FROM group_members WHERE group_id = ?1 AND member_id = ?2";
static const char SQL_MEMBERS_CLEAR[] = "DELETE FROM group_members WHERE group_id = ?1";
static const char SQL_GROUPS_CLEAR[] = "DELETE FROM group_members WHERE member_id = ?1";

int weir_id__member_add(weir_db *db, int64_t group_id, int64_t member_id, weir_error *err)
{
	return weir_db_exec(db, SQL_MEMBER_ADD, err, WEIR_I64(group_id), WEIR_I64(member_id));
}

int weir_id__member_remove(weir_db *db, int64_t group_id, int64_t member_id, weir_error *err)
{
	return weir_db_exec(db, SQL_MEMBER_REMOVE, err, WEIR_I64(group_id), WEIR_I64(member_id));
}

int weir_id__members_clear(weir_db *db, int64_t group_id, weir_error *err)
{
	return weir_db_exec(db, SQL_MEMBERS_CLEAR, err, WEIR_I64(group_id));
}

int weir_id__groups_clear(weir_db *db, int64_t member_id, weir_error *err)
{
	return weir_db_exec(db, SQL_GROUPS_CLEAR, err, WEIR_I64(member_id));
}

static const char SQL_MEMBERS[] = "SELECT p.id, COALESCE(p.display_name, p.name), p.kind FROM group_members gm "
				  "JOIN principals p ON p.id = gm.member_id WHERE gm.group_id = ?1 ORDER BY p.id";

static const char *ref_kind(const char *kind)
{
	return strcmp(kind, "group") == 0               ? "Groups"
	       : strcmp(kind, "service_principal") == 0 ? "ServicePrincipals"
							: "Users";
}

static json_t *member_json(weir_stmt *st)
{
	int64_t id = weir_db_col_i64(st, 0);
	json_t *m = json_object();
	json_object_set_new(m, "value", json_sprintf("%lld", (long long)id));
	json_object_set_new(m, "display", weir_json_str_or_null(weir_db_col_text(st, 1)));
	json_object_set_new(m, "$ref", json_sprintf("%s/%lld", ref_kind(weir_db_col_text(st, 2)), (long long)id));
	return m;
}

/* An empty array when the query fails: a SCIM resource is answered without its members. */
json_t *weir_id__members_json(weir_db *db, int64_t group_id)
{
	json_t *arr = weir_db_json_rows(db, weir_db_query(db, SQL_MEMBERS, NULL, WEIR_I64(group_id)), member_json,
					NULL);
	return arr ? arr : json_array();
}

/* Depth 0 rows are the member itself; depth 1 the direct groups; deeper ones indirect. */
static const char SQL_GROUPS[] =
	"WITH RECURSIVE up(id, depth) AS (SELECT ?1, 0 UNION SELECT gm.group_id, up.depth + 1 "
	"  FROM group_members gm JOIN up ON gm.member_id = up.id WHERE up.depth < 64) "
	"SELECT p.id, COALESCE(p.display_name, p.name), MIN(up.depth) FROM up JOIN principals p ON p.id = up.id "
	"WHERE up.depth > 0 GROUP BY p.id ORDER BY MIN(up.depth), p.id";

static json_t *group_json(weir_stmt *st)
{
	int64_t id = weir_db_col_i64(st, 0);
	json_t *m = json_object();
	json_object_set_new(m, "value", json_sprintf("%lld", (long long)id));
	json_object_set_new(m, "display", weir_json_str_or_null(weir_db_col_text(st, 1)));
	json_object_set_new(m, "type", json_string(weir_db_col_int(st, 2) == 1 ? "direct" : "indirect"));
	json_object_set_new(m, "$ref", json_sprintf("Groups/%lld", (long long)id));
	return m;
}

json_t *weir_id__groups_json(weir_db *db, int64_t member_id)
{
	json_t *arr = weir_db_json_rows(db, weir_db_query(db, SQL_GROUPS, NULL, WEIR_I64(member_id)), group_json, NULL);
	return arr ? arr : json_array();
}

static const char SQL_REACHES[] = "WITH RECURSIVE up(id) AS (SELECT ?1 UNION SELECT gm.group_id FROM group_members gm "
				  "JOIN up ON gm.member_id = up.id) "
				  "SELECT 1 FROM up WHERE id = ?2 LIMIT 1";

bool weir_id__reaches(weir_db *db, int64_t start, int64_t target)
{
	/* fail closed: a failure is treated as a cycle */
	return weir_db_exists(db, SQL_REACHES, NULL, WEIR_I64(start), WEIR_I64(target)) != 0;
}

static const char SQL_OWNED[] = "SELECT count(*) FROM securables WHERE owner_id = ?1";

int64_t weir_id__owned_count(weir_db *db, int64_t id)
{
	int64_t n = weir_db_count(db, SQL_OWNED, NULL, WEIR_I64(id));
	return n < 0 ? 1 : n; /* fail closed: refuse the delete */
}

/* ------------------------------------------------------------------ service principals */

static const char SQL_SP_BY_APP[] = "SELECT id FROM principals WHERE kind = 'service_principal' AND name = ?1";
static const char SQL_SP_BY_ID[] = "SELECT id FROM principals WHERE kind = 'service_principal' AND id = ?1";

int weir_id__sp_by_app(weir_db *db, const char *app_id, int64_t *id, weir_error *err)
{
	return weir_db_query_i64(db, SQL_SP_BY_APP, id, err, WEIR_TEXT(app_id));
}

int weir_id__sp_by_id(weir_db *db, int64_t num, int64_t *id, weir_error *err)
{
	return weir_db_query_i64(db, SQL_SP_BY_ID, id, err, WEIR_I64(num));
}

static const char SQL_ACTIVE[] = "SELECT active FROM principals WHERE id = ?1";

bool weir_id__active(weir_db *db, int64_t id)
{
	int64_t on;
	return weir_db_query_i64(db, SQL_ACTIVE, &on, NULL, WEIR_I64(id)) == 1 && on == 1;
}

static const char SQL_SECRET_INSERT[] = "INSERT INTO sp_secrets (id, principal_id, hash, secret_hint, created_at, "
					"expire_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

int weir_id__secret_insert(weir_db *db, const char *id, int64_t sp_id, const char *hash, const char *hint, int64_t now,
			   int64_t expire, weir_error *err)
{
	return weir_db_exec(db, SQL_SECRET_INSERT, err, WEIR_TEXT(id), WEIR_I64(sp_id), WEIR_TEXT(hash),
			    WEIR_TEXT(hint), WEIR_I64(now), WEIR_I64(expire));
}

static const char SQL_SECRET_LIST[] = "SELECT id, secret_hint, created_at, expire_time FROM sp_secrets WHERE "
				      "principal_id = ?1 ORDER BY created_at, id";

static const weir_db_field SECRET_FIELDS[] = {WEIR_FIELD(weir_id_secret_row, id), WEIR_FIELD(weir_id_secret_row, hint),
					      WEIR_FIELD(weir_id_secret_row, created_at),
					      WEIR_FIELD(weir_id_secret_row, expire_time)};

weir_id_secret_row *weir_id__secrets(weir_db *db, weir_arena *a, int64_t sp_id, int *n, weir_error *err)
{
	size_t k = 0;
	weir_id_secret_row *rows = WEIR_DB_ROWS(db, weir_db_query(db, SQL_SECRET_LIST, err, WEIR_I64(sp_id)), a,
						weir_id_secret_row, SECRET_FIELDS, NULL, &k, err);
	*n = (int)k;
	return rows;
}

static const char SQL_SECRET_DELETE[] = "DELETE FROM sp_secrets WHERE id = ?1 AND principal_id = ?2";

int64_t weir_id__secret_delete(weir_db *db, int64_t sp_id, const char *secret_id, weir_error *err)
{
	return weir_db_exec_count(db, SQL_SECRET_DELETE, err, WEIR_TEXT(secret_id), WEIR_I64(sp_id));
}

static const char SQL_SECRET_HASHES[] =
	"SELECT s.hash, s.expire_time, p.id, p.active FROM principals p JOIN sp_secrets s ON s.principal_id = p.id "
	"WHERE p.kind = 'service_principal' AND p.name = ?1";

int weir_id__secret_hashes(weir_db *db, const char *client_id, weir_id_secret_hash_fn fn, void *ctx)
{
	weir_stmt *st = weir_db_query(db, SQL_SECRET_HASHES, NULL, WEIR_TEXT(client_id));
	if (st == NULL)
		return -1;
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW)
		fn(ctx, weir_db_col_text(st, 0), weir_db_col_i64(st, 1), weir_db_col_i64(st, 2),
		   weir_db_col_int(st, 3) == 1);
	return weir_db_end(db, st, rc, NULL);
}
