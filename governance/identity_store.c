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

static void row_read(weir_arena *a, weir_stmt *st, weir_id_row *out)
{
	WEIR_DB_ROW_READ(st, a, out, ID_FIELDS);
	out->kind = kind_of(weir_db_col_text(st, 1));
}

static const char SQL_GET[] = "SELECT " ROW_COLS " FROM principals WHERE id = ?1";

int weir_id__get(weir_db *db, weir_arena *a, int64_t id, weir_id_row *out)
{
	weir_stmt *st = weir_db_stmt(db, SQL_GET, NULL);
	if (st == NULL)
		return -1;
	weir_db_bind_i64(st, 1, id);
	int ret = -1;
	if (weir_db_step(st) == WEIR_DB_ROW) {
		row_read(a, st, out);
		ret = 0;
	}
	weir_db_done(st);
	return ret;
}

static const char SQL_ALL[] = "SELECT " ROW_COLS " FROM principals WHERE kind = ?1 ORDER BY id";

weir_id_row *weir_id__all(weir_db *db, weir_arena *a, weir_principal_kind kind, int *n, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_ALL, err, WEIR_TEXT(kind_text(kind)));
	if (st == NULL)
		return NULL;
	int cap = 16, cnt = 0;
	weir_id_row *rows = weir_arena_alloc(a, sizeof(*rows) * (size_t)cap);
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
		if (cnt == cap) {
			weir_id_row *bigger = weir_arena_alloc(a, sizeof(*rows) * (size_t)cap * 2);
			memcpy(bigger, rows, sizeof(*rows) * (size_t)cap);
			rows = bigger;
			cap *= 2;
		}
		row_read(a, st, &rows[cnt++]);
	}
	weir_db_done(st);
	if (rc != WEIR_DB_DONE) {
		weir_db_fail(db, rc, err);
		return NULL;
	}
	*n = cnt;
	return rows;
}

static const char SQL_BY_NAME[] = "SELECT id FROM principals WHERE name = ?1";

int64_t weir_id__by_name(weir_db *db, const char *name)
{
	weir_stmt *st = weir_db_stmt(db, SQL_BY_NAME, NULL);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, name);
	int64_t id = weir_db_step(st) == WEIR_DB_ROW ? weir_db_col_i64(st, 0) : -1;
	weir_db_done(st);
	return id;
}

static const char SQL_BY_NAME_NOCASE[] = "SELECT id FROM principals WHERE name = ?1 COLLATE NOCASE";

int64_t weir_id__by_name_nocase(weir_db *db, const char *name, int64_t except)
{
	weir_stmt *st = weir_db_stmt(db, SQL_BY_NAME_NOCASE, NULL);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, name);
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
	weir_stmt *st = weir_db_query(db, SQL_INSERT, err, WEIR_TEXT(kind_text(row->kind)), WEIR_TEXT(row->name),
				      WEIR_TEXT(row->display_name), WEIR_TEXT(row->external_id),
				      WEIR_I64(row->active ? 1 : 0), WEIR_TEXT(row->attrs ? row->attrs : "{}"),
				      WEIR_I64(weir_now_ms()));
	if (st == NULL)
		return -1;
	if (weir_db_step_done(db, st, err) != 0)
		return -1;
	return weir_db_last_insert_id(db);
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

static int edge(weir_db *db, const char *sql, int64_t a, int64_t b, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, sql, err, WEIR_I64(a));
	if (st == NULL)
		return -1;
	if (b >= 0)
		weir_db_bind_i64(st, 2, b);
	return weir_db_step_done(db, st, err);
}

int weir_id__member_add(weir_db *db, int64_t group_id, int64_t member_id, weir_error *err)
{
	return edge(db, SQL_MEMBER_ADD, group_id, member_id, err);
}

int weir_id__member_remove(weir_db *db, int64_t group_id, int64_t member_id, weir_error *err)
{
	return edge(db, SQL_MEMBER_REMOVE, group_id, member_id, err);
}

int weir_id__members_clear(weir_db *db, int64_t group_id, weir_error *err)
{
	return edge(db, SQL_MEMBERS_CLEAR, group_id, -1, err);
}

int weir_id__groups_clear(weir_db *db, int64_t member_id, weir_error *err)
{
	return edge(db, SQL_GROUPS_CLEAR, member_id, -1, err);
}

static const char SQL_MEMBERS[] = "SELECT p.id, COALESCE(p.display_name, p.name), p.kind FROM group_members gm "
				  "JOIN principals p ON p.id = gm.member_id WHERE gm.group_id = ?1 ORDER BY p.id";

static const char *ref_kind(const char *kind)
{
	return strcmp(kind, "group") == 0               ? "Groups"
	       : strcmp(kind, "service_principal") == 0 ? "ServicePrincipals"
							: "Users";
}

json_t *weir_id__members_json(weir_db *db, int64_t group_id)
{
	json_t *arr = json_array();
	weir_stmt *st = weir_db_stmt(db, SQL_MEMBERS, NULL);
	if (st == NULL)
		return arr;
	weir_db_bind_i64(st, 1, group_id);
	while (weir_db_step(st) == WEIR_DB_ROW) {
		int64_t id = weir_db_col_i64(st, 0);
		const char *kind = weir_db_col_text(st, 2);
		json_t *m = json_object();
		json_object_set_new(m, "value", json_sprintf("%lld", (long long)id));
		json_object_set_new(m, "display", weir_json_str_or_null(weir_db_col_text(st, 1)));
		json_object_set_new(m, "$ref", json_sprintf("%s/%lld", ref_kind(kind), (long long)id));
		json_array_append_new(arr, m);
	}
	weir_db_done(st);
	return arr;
}

/* Depth 0 rows are the member itself; depth 1 the direct groups; deeper ones indirect. */
static const char SQL_GROUPS[] =
	"WITH RECURSIVE up(id, depth) AS (SELECT ?1, 0 UNION SELECT gm.group_id, up.depth + 1 "
	"  FROM group_members gm JOIN up ON gm.member_id = up.id WHERE up.depth < 64) "
	"SELECT p.id, COALESCE(p.display_name, p.name), MIN(up.depth) FROM up JOIN principals p ON p.id = up.id "
	"WHERE up.depth > 0 GROUP BY p.id ORDER BY MIN(up.depth), p.id";

json_t *weir_id__groups_json(weir_db *db, int64_t member_id)
{
	json_t *arr = json_array();
	weir_stmt *st = weir_db_stmt(db, SQL_GROUPS, NULL);
	if (st == NULL)
		return arr;
	weir_db_bind_i64(st, 1, member_id);
	while (weir_db_step(st) == WEIR_DB_ROW) {
		int64_t id = weir_db_col_i64(st, 0);
		json_t *m = json_object();
		json_object_set_new(m, "value", json_sprintf("%lld", (long long)id));
		json_object_set_new(m, "display", weir_json_str_or_null(weir_db_col_text(st, 1)));
		json_object_set_new(m, "type", json_string(weir_db_col_int(st, 2) == 1 ? "direct" : "indirect"));
		json_object_set_new(m, "$ref", json_sprintf("Groups/%lld", (long long)id));
		json_array_append_new(arr, m);
	}
	weir_db_done(st);
	return arr;
}

static const char SQL_REACHES[] = "WITH RECURSIVE up(id) AS (SELECT ?1 UNION SELECT gm.group_id FROM group_members gm "
				  "JOIN up ON gm.member_id = up.id) "
				  "SELECT 1 FROM up WHERE id = ?2 LIMIT 1";

bool weir_id__reaches(weir_db *db, int64_t start, int64_t target)
{
	weir_stmt *st = weir_db_stmt(db, SQL_REACHES, NULL);
	if (st == NULL)
		return true; /* fail closed: treated as a cycle */
	weir_db_bind_i64(st, 1, start);
	weir_db_bind_i64(st, 2, target);
	bool yes = weir_db_step(st) == WEIR_DB_ROW;
	weir_db_done(st);
	return yes;
}

static const char SQL_OWNED[] = "SELECT count(*) FROM securables WHERE owner_id = ?1";

int64_t weir_id__owned_count(weir_db *db, int64_t id)
{
	weir_stmt *st = weir_db_stmt(db, SQL_OWNED, NULL);
	if (st == NULL)
		return 1; /* fail closed: refuse the delete */
	weir_db_bind_i64(st, 1, id);
	int64_t n = weir_db_step(st) == WEIR_DB_ROW ? weir_db_col_i64(st, 0) : 1;
	weir_db_done(st);
	return n;
}

/* ------------------------------------------------------------------ service principals */

static const char SQL_SP_BY_APP[] = "SELECT id FROM principals WHERE kind = 'service_principal' AND name = ?1";
static const char SQL_SP_BY_ID[] = "SELECT id FROM principals WHERE kind = 'service_principal' AND id = ?1";

static int sp_lookup(weir_db *db, const char *sql, const char *app_id, int64_t num, int64_t *id, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, sql, err);
	if (st == NULL)
		return -1;
	if (app_id)
		weir_db_bind_text(st, 1, app_id);
	else
		weir_db_bind_i64(st, 1, num);
	int found = 0;
	if (weir_db_step(st) == WEIR_DB_ROW) {
		*id = weir_db_col_i64(st, 0);
		found = 1;
	}
	weir_db_done(st);
	return found;
}

int weir_id__sp_by_app(weir_db *db, const char *app_id, int64_t *id, weir_error *err)
{
	return sp_lookup(db, SQL_SP_BY_APP, app_id, 0, id, err);
}

int weir_id__sp_by_id(weir_db *db, int64_t num, int64_t *id, weir_error *err)
{
	return sp_lookup(db, SQL_SP_BY_ID, NULL, num, id, err);
}

static const char SQL_ACTIVE[] = "SELECT active FROM principals WHERE id = ?1";

bool weir_id__active(weir_db *db, int64_t id)
{
	weir_stmt *st = weir_db_stmt(db, SQL_ACTIVE, NULL);
	if (st == NULL)
		return false;
	weir_db_bind_i64(st, 1, id);
	bool on = weir_db_step(st) == WEIR_DB_ROW && weir_db_col_int(st, 0) == 1;
	weir_db_done(st);
	return on;
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

weir_id_secret_row *weir_id__secrets(weir_db *db, weir_arena *a, int64_t sp_id, int *n, weir_error *err)
{
	*n = 0;
	weir_stmt *st = weir_db_query(db, SQL_SECRET_LIST, err, WEIR_I64(sp_id));
	if (st == NULL)
		return NULL;
	int cap = 4;
	weir_id_secret_row *rows = weir_arena_alloc(a, sizeof(*rows) * (size_t)cap);
	while (weir_db_step(st) == WEIR_DB_ROW) {
		if (*n == cap) {
			weir_id_secret_row *bigger = weir_arena_alloc(a, sizeof(*rows) * (size_t)cap * 2);
			memcpy(bigger, rows, sizeof(*rows) * (size_t)cap);
			rows = bigger;
			cap *= 2;
		}
		weir_id_secret_row *r = &rows[(*n)++];
		r->id = weir_db_col_dup(a, st, 0);
		r->hint = weir_db_col_dup(a, st, 1);
		r->created_at = weir_db_col_i64(st, 2);
		r->expire_time = weir_db_col_i64(st, 3);
	}
	weir_db_done(st);
	return rows;
}

static const char SQL_SECRET_DELETE[] = "DELETE FROM sp_secrets WHERE id = ?1 AND principal_id = ?2";

int64_t weir_id__secret_delete(weir_db *db, int64_t sp_id, const char *secret_id, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_SECRET_DELETE, err, WEIR_TEXT(secret_id), WEIR_I64(sp_id));
	if (st == NULL)
		return -1;
	if (weir_db_step_done(db, st, err) != 0)
		return -1;
	return weir_db_changes(db);
}

static const char SQL_SECRET_HASHES[] =
	"SELECT s.hash, s.expire_time, p.id, p.active FROM principals p JOIN sp_secrets s ON s.principal_id = p.id "
	"WHERE p.kind = 'service_principal' AND p.name = ?1";

int weir_id__secret_hashes(weir_db *db, const char *client_id, weir_id_secret_hash_fn fn, void *ctx)
{
	weir_stmt *st = weir_db_stmt(db, SQL_SECRET_HASHES, NULL);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, client_id);
	while (weir_db_step(st) == WEIR_DB_ROW)
		fn(ctx, weir_db_col_text(st, 0), weir_db_col_i64(st, 1), weir_db_col_i64(st, 2),
		   weir_db_col_int(st, 3) == 1);
	weir_db_done(st);
	return 0;
}
