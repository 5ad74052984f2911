/* All SQL of identity management: principals rows, group membership edges and their
 * closure, ownership counts, and service principal OAuth secrets (hashes only). */
#include "governance/identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void row_read(weir_arena *a, weir_stmt *st, weir_id_row *out)
{
	out->id = weir_db_col_i64(st, 0);
	out->kind = kind_of(weir_db_col_text(st, 1));
	out->name = weir_db_col_dup(a, st, 2);
	out->display_name = weir_db_col_dup(a, st, 3);
	out->external_id = weir_db_col_dup(a, st, 4);
	out->active = weir_db_col_int(st, 5) != 0;
	out->attrs = weir_db_col_dup(a, st, 6);
	out->created_at = weir_db_col_i64(st, 7);
	out->updated_at = weir_db_col_i64(st, 8);
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
	weir_stmt *st = weir_db_stmt(db, SQL_ALL, err);
	if (st == NULL)
		return NULL;
	weir_db_bind_text(st, 1, kind_text(kind));
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
	weir_stmt *st = weir_db_stmt(db, SQL_INSERT, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, kind_text(row->kind));
	weir_db_bind_text(st, 2, row->name);
	weir_db_bind_text(st, 3, row->display_name);
	weir_db_bind_text(st, 4, row->external_id);
	weir_db_bind_int(st, 5, row->active ? 1 : 0);
	weir_db_bind_text(st, 6, row->attrs ? row->attrs : "{}");
	weir_db_bind_i64(st, 7, weir_now_ms());
	if (weir_db_step_done(db, st, err) != 0)
		return -1;
	return weir_db_last_insert_id(db);
}

static const char SQL_UPDATE[] =
	"UPDATE principals SET name = ?2, display_name = ?3, external_id = ?4, active = ?5, attrs = ?6, "
	"updated_at = ?7 WHERE id = ?1";

int weir_id__update(weir_db *db, const weir_id_row *row, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_UPDATE, err);
	if (st == NULL)
		return -1;
	weir_db_bind_i64(st, 1, row->id);
	weir_db_bind_text(st, 2, row->name);
	weir_db_bind_text(st, 3, row->display_name);
	weir_db_bind_text(st, 4, row->external_id);
	weir_db_bind_int(st, 5, row->active ? 1 : 0);
	weir_db_bind_text(st, 6, row->attrs ? row->attrs : "{}");
	weir_db_bind_i64(st, 7, weir_now_ms());
	return weir_db_step_done(db, st, err);
}

static const char SQL_DELETE[] = "DELETE FROM principals WHERE id = ?1";

int weir_id__delete(weir_db *db, int64_t id, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_DELETE, err);
	if (st == NULL)
		return -1;
	weir_db_bind_i64(st, 1, id);
	return weir_db_step_done(db, st, err);
}

static const char SQL_MEMBER_ADD[] = "INSERT OR IGNORE INTO group_members (group_id, member_id) VALUES (?1, ?2)";
static const char SQL_MEMBER_REMOVE[] = "DELETE FROM group_members WHERE group_id = ?1 AND member_id = ?2";
static const char SQL_MEMBERS_CLEAR[] = "DELETE FROM group_members WHERE group_id = ?1";
static const char SQL_GROUPS_CLEAR[] = "DELETE FROM group_members WHERE member_id = ?1";

static int edge(weir_db *db, const char *sql, int64_t a, int64_t b, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, sql, err);
	if (st == NULL)
		return -1;
	weir_db_bind_i64(st, 1, a);
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

static const char SQL_MEMBERS[] =
	"SELECT p.id, COALESCE(p.display_name, p.name), p.kind FROM group_members gm "
	"JOIN principals p ON p.id = gm.member_id WHERE gm.group_id = ?1 ORDER BY p.id";

static const char *ref_kind(const char *kind)
{
	return strcmp(kind, "group") == 0 ? "Groups" : strcmp(kind, "service_principal") == 0 ? "ServicePrincipals"
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

static const char SQL_REACHES[] =
	"WITH RECURSIVE up(id) AS (SELECT ?1 UNION SELECT gm.group_id FROM group_members gm JOIN up ON gm.member_id = up.id) "
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

int64_t weir_id_sp_find(weir_db *db, const char *ref, weir_error *err)
{
	int64_t num = weir_id_parse(ref);
	weir_stmt *st = weir_db_stmt(db, num > 0 ? SQL_SP_BY_ID : SQL_SP_BY_APP, err);
	if (st == NULL)
		return -1;
	if (num > 0)
		weir_db_bind_i64(st, 1, num);
	else
		weir_db_bind_text(st, 1, ref);
	int64_t id = weir_db_step(st) == WEIR_DB_ROW ? weir_db_col_i64(st, 0) : -1;
	weir_db_done(st);
	if (id < 0 && num > 0) { /* a numeric applicationId */
		if ((st = weir_db_stmt(db, SQL_SP_BY_APP, err)) == NULL)
			return -1;
		weir_db_bind_text(st, 1, ref);
		id = weir_db_step(st) == WEIR_DB_ROW ? weir_db_col_i64(st, 0) : -1;
		weir_db_done(st);
	}
	if (id < 0)
		weir_error_set(err, WEIR_E_NOT_FOUND, "Service principal '%.100s' does not exist.", ref ? ref : "");
	return id;
}

static const char SQL_ACTIVE[] = "SELECT active FROM principals WHERE id = ?1";

bool weir_id_active(weir_db *db, int64_t id)
{
	weir_stmt *st = weir_db_stmt(db, SQL_ACTIVE, NULL);
	if (st == NULL)
		return false;
	weir_db_bind_i64(st, 1, id);
	bool on = weir_db_step(st) == WEIR_DB_ROW && weir_db_col_int(st, 0) == 1;
	weir_db_done(st);
	return on;
}

static const char SQL_SECRET_INSERT[] =
	"INSERT INTO sp_secrets (id, principal_id, hash, secret_hint, created_at, expire_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

int weir_id__secret_insert(weir_db *db, const char *id, int64_t sp_id, const char *hash, const char *hint,
			   int64_t now, int64_t expire, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_SECRET_INSERT, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, id);
	weir_db_bind_i64(st, 2, sp_id);
	weir_db_bind_text(st, 3, hash);
	weir_db_bind_text(st, 4, hint);
	weir_db_bind_i64(st, 5, now);
	weir_db_bind_i64(st, 6, expire);
	return weir_db_step_done(db, st, err);
}

static json_t *secret_json(const char *id, const char *hint, int64_t created, int64_t expire, int64_t now)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "secret_hint", json_string(hint));
	json_object_set_new(o, "status", json_string(expire >= 0 && expire <= now ? "EXPIRED" : "ACTIVE"));
	json_object_set_new(o, "create_time", json_integer(created));
	json_object_set_new(o, "update_time", json_integer(created));
	if (expire >= 0)
		json_object_set_new(o, "expire_time", json_integer(expire));
	return o;
}

json_t *weir_id_secret_create(weir_db *db, int64_t sp_id, int64_t lifetime_s, weir_error *err)
{
	char raw[65], id[33], hash[65];
	weir_random_hex(raw, 32);
	weir_random_hex(id, 16);
	char secret[80];
	snprintf(secret, sizeof(secret), WEIR_SP_SECRET_PREFIX "%s", raw);
	weir_sha256_hex(secret, strlen(secret), hash);
	const char *hint = secret + strlen(secret) - 4;
	int64_t now = weir_now_ms();
	int64_t expire = lifetime_s > 0 ? now + lifetime_s * 1000 : -1;
	if (weir_id__secret_insert(db, id, sp_id, hash, hint, now, expire, err) != 0)
		return NULL;
	json_t *o = secret_json(id, hint, now, expire, now);
	json_object_set_new(o, "secret", json_string(secret));
	return o;
}

static const char SQL_SECRET_LIST[] =
	"SELECT id, secret_hint, created_at, expire_time FROM sp_secrets WHERE principal_id = ?1 ORDER BY created_at, id";

json_t *weir_id_secret_list(weir_db *db, int64_t sp_id, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_SECRET_LIST, err);
	if (st == NULL)
		return NULL;
	weir_db_bind_i64(st, 1, sp_id);
	int64_t now = weir_now_ms();
	json_t *arr = json_array();
	while (weir_db_step(st) == WEIR_DB_ROW)
		json_array_append_new(arr, secret_json(weir_db_col_text(st, 0),
						       weir_db_col_text(st, 1), weir_db_col_i64(st, 2),
						       weir_db_col_i64(st, 3), now));
	weir_db_done(st);
	return json_pack("{s:o}", "secrets", arr);
}

static const char SQL_SECRET_DELETE[] = "DELETE FROM sp_secrets WHERE id = ?1 AND principal_id = ?2";

int weir_id_secret_delete(weir_db *db, int64_t sp_id, const char *secret_id, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_SECRET_DELETE, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, secret_id);
	weir_db_bind_i64(st, 2, sp_id);
	if (weir_db_step_done(db, st, err) != 0)
		return -1;
	if (weir_db_changes(db) == 0)
		return weir_error_set(err, WEIR_E_RESOURCE_DOES_NOT_EXIST, "Secret '%.100s' does not exist.", secret_id);
	return 0;
}

static const char SQL_SECRET_HASHES[] =
	"SELECT s.hash, s.expire_time, p.id, p.active FROM principals p JOIN sp_secrets s ON s.principal_id = p.id "
	"WHERE p.kind = 'service_principal' AND p.name = ?1";

int64_t weir_id_sp_authenticate(weir_db *db, const char *client_id, const char *secret, weir_error *err)
{
	int64_t expire_ms;
	return weir_id_sp_authenticate_until(db, client_id, secret, &expire_ms, err);
}

int64_t weir_id_sp_authenticate_until(weir_db *db, const char *client_id, const char *secret, int64_t *expire_ms,
				      weir_error *err)
{
	int64_t found = -1;
	*expire_ms = 0;
	if (client_id == NULL || secret == NULL || strlen(secret) > 256)
		goto out;
	char hash[65];
	weir_sha256_hex(secret, strlen(secret), hash);
	weir_stmt *st = weir_db_stmt(db, SQL_SECRET_HASHES, NULL);
	if (st == NULL)
		goto out;
	weir_db_bind_text(st, 1, client_id);
	int64_t now = weir_now_ms();
	while (weir_db_step(st) == WEIR_DB_ROW) {
		const char *h = weir_db_col_text(st, 0);
		int64_t exp = weir_db_col_i64(st, 1);
		bool match = h && strlen(h) == 64 && weir_ct_equal(h, hash, 64);
		if (match && (exp < 0 || exp > now) && weir_db_col_int(st, 3) == 1) {
			found = weir_db_col_i64(st, 2);
			*expire_ms = exp < 0 ? 0 : exp;
		}
	}
	weir_db_done(st);
out:
	if (found < 0)
		weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid client credentials.");
	return found;
}
