/* All SQL of identity, tokens, workspaces, securable resolution, grants lookup and audit. */
#include "governance/gov_int.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/json.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/util.h"

/* parent_id IS NULL makes this an index lookup on securables_name. */
static const char SQL_METASTORE_ID[] =
	"SELECT id FROM securables WHERE parent_id IS NULL AND type = 'metastore' AND name = 'metastore'";

/* The metastore never changes for a database: memoised on the connection. */
const char *weir_gov_metastore_id(weir_db *db, weir_arena *a, weir_error *err)
{
	const char *memo = weir_db_memo_get(db, SQL_METASTORE_ID);
	if (memo)
		return weir_arena_strdup(a, memo);
	weir_stmt *st = weir_db_stmt(db, SQL_METASTORE_ID, err);
	if (st == NULL)
		return NULL;
	const char *id = weir_db_step(st) == WEIR_DB_ROW ? weir_db_col_dup(a, st, 0) : NULL;
	weir_db_done(st);
	if (id == NULL) {
		weir_error_set(err, WEIR_E_NOT_FOUND, "No metastore is initialised");
		return NULL;
	}
	weir_db_memo_set(db, SQL_METASTORE_ID, id);
	return id;
}

/* ------------------------------------------------------------------ principals */

static const char SQL_PRINCIPAL[] =
	"SELECT kind, name, display_name, active FROM principals WHERE id = ?1";
/* The groups one principal is a direct member of. The closure is walked in C: a recursive
 * CTE costs about 100 us per call here (materialisation, temp b-trees), a point lookup 5. */
static const char SQL_PARENT_GROUPS[] =
	"SELECT gm.group_id, p.name = 'admins' FROM group_members gm JOIN principals p ON p.id = gm.group_id "
	"WHERE gm.member_id = ?1 AND p.active = 1";
static const char SQL_WORKSPACE_NAME[] = "SELECT name FROM workspaces WHERE id = ?1";

static weir_principal_kind kind_parse(const char *k)
{
	if (strcmp(k, "group") == 0)
		return WEIR_PRINCIPAL_GROUP;
	if (strcmp(k, "service_principal") == 0)
		return WEIR_PRINCIPAL_SP;
	return WEIR_PRINCIPAL_USER;
}

/* Group closures by principal, stamped with the pool's change generation of `principals`
 * and `group_members` (weir_db_watch): an entry from an older generation is a miss, so a
 * membership change or deactivation applies to the very next request. */
#define CLOSURE_SLOTS 256
#define CLOSURE_MAX 16
/* One cache per worker thread: no lock on the request path (a shared cache's mutex was the
 * measurable cost of a nested-group caller under concurrency). */
static _Thread_local struct closure_entry {
	uint64_t gen;
	int64_t principal_id;
	int n;
	bool is_admin;
	int64_t ids[CLOSURE_MAX];
} closure_cache[CLOSURE_SLOTS];
static pthread_once_t watch_once = PTHREAD_ONCE_INIT;
static void watch_tables(void)
{
	weir_db_watch("principals");
	weir_db_watch("authz_changes"); /* touched by triggers on group_members and grants */
}

static bool closure_cache_get(int64_t principal_id, uint64_t gen, weir_arena *a, int64_t **ids, int *n,
			      bool *is_admin)
{
	struct closure_entry *e = &closure_cache[(uint64_t)principal_id % CLOSURE_SLOTS];
	if (gen == 0) /* inside a write transaction: the cache is not consulted, no hit nor miss */
		return false;
	bool hit = e->gen == gen && e->principal_id == principal_id;
	weir_metrics_cache("closure", hit);
	if (!hit)
		return false;
	*ids = weir_arena_alloc(a, sizeof(int64_t) * (size_t)e->n);
	memcpy(*ids, e->ids, sizeof(int64_t) * (size_t)e->n);
	*n = e->n;
	*is_admin = e->is_admin;
	return true;
}

static void closure_cache_put(int64_t principal_id, uint64_t gen, const int64_t *ids, int n, bool is_admin)
{
	if (n > CLOSURE_MAX || gen == 0)
		return;
	struct closure_entry *e = &closure_cache[(uint64_t)principal_id % CLOSURE_SLOTS];
	e->gen = gen;
	e->principal_id = principal_id;
	e->n = n;
	e->is_admin = is_admin;
	memcpy(e->ids, ids, sizeof(int64_t) * (size_t)n);
}

weir_principal *weir_gov_principal_load(weir_db *db, weir_arena *a, int64_t principal_id,
					int64_t workspace_id, weir_error *err)
{
	pthread_once(&watch_once, watch_tables);
	weir_stmt *st = weir_db_stmt(db, SQL_PRINCIPAL, err);
	if (st == NULL)
		return NULL;
	weir_db_bind_i64(st, 1, principal_id);
	if (weir_db_step(st) != WEIR_DB_ROW || weir_db_col_int(st, 3) == 0) {
		weir_db_done(st);
		weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid access token.");
		return NULL;
	}
	weir_principal *p = weir_arena_calloc(a, sizeof(*p));
	p->id = principal_id;
	p->kind = kind_parse(weir_db_col_text(st, 0));
	p->name = weir_db_col_dup(a, st, 1);
	p->display_name = weir_db_col_dup(a, st, 2);
	weir_db_done(st);

	/* Breadth-first over group memberships; `ids` doubles as the queue and the visited set
	 * (nesting is shallow and groups few per principal, so the linear check is cheap). A
	 * cached closure is used while no principal or membership has changed since. */
	int cap = 8, n = 0;
	int64_t *ids = weir_arena_alloc(a, sizeof(int64_t) * (size_t)cap);
	uint64_t gen = weir_db_generation(db);
	if (closure_cache_get(principal_id, gen, a, &ids, &n, &p->is_admin))
		goto have_closure;
	ids[n++] = principal_id;
	for (int head = 0; head < n; head++) {
		if ((st = weir_db_stmt(db, SQL_PARENT_GROUPS, err)) == NULL)
			return NULL;
		weir_db_bind_i64(st, 1, ids[head]);
		while (weir_db_step(st) == WEIR_DB_ROW) {
			int64_t g = weir_db_col_i64(st, 0);
			bool seen = false;
			for (int i = 0; i < n && !seen; i++)
				seen = ids[i] == g;
			if (seen)
				continue;
			if (n == cap) {
				int64_t *bigger = weir_arena_alloc(a, sizeof(int64_t) * (size_t)cap * 2);
				memcpy(bigger, ids, sizeof(int64_t) * (size_t)cap);
				ids = bigger;
				cap *= 2;
			}
			ids[n++] = g;
			if (weir_db_col_int(st, 1))
				p->is_admin = true;
		}
		weir_db_done(st);
	}
	closure_cache_put(principal_id, gen, ids, n, p->is_admin);
have_closure:;
	weir_buf b = {0};
	weir_buf_append(&b, "[", 1);
	for (int i = 0; i < n; i++)
		weir_buf_appendf(&b, "%s%lld", i ? "," : "", (long long)ids[i]);
	weir_buf_append(&b, "]", 1);
	p->closure_json = weir_arena_strndup(a, b.data, b.len);
	weir_buf_release(&b);
	p->closure = ids;
	p->nclosure = n;

	p->workspace_id = workspace_id;
	st = weir_db_stmt(db, SQL_WORKSPACE_NAME, err);
	if (st == NULL)
		return NULL;
	weir_db_bind_i64(st, 1, workspace_id);
	if (weir_db_step(st) == WEIR_DB_ROW)
		p->workspace_name = weir_db_col_dup(a, st, 0);
	weir_db_done(st);
	if (p->workspace_name == NULL) {
		weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid access token.");
		return NULL;
	}
	return p;
}

bool weir_gov__in_closure(const weir_principal *p, int64_t principal_id)
{
	for (int i = 0; i < p->nclosure; i++)
		if (p->closure[i] == principal_id)
			return true;
	return false;
}

static const char SQL_PRINCIPAL_BY_NAME[] = "SELECT id, kind FROM principals WHERE name = ?1";

int64_t weir_gov_principal_id(weir_db *db, const char *name, weir_principal_kind *kind, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_PRINCIPAL_BY_NAME, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, name);
	int64_t id = -1;
	if (weir_db_step(st) == WEIR_DB_ROW) {
		id = weir_db_col_i64(st, 0);
		if (kind)
			*kind = kind_parse(weir_db_col_text(st, 1));
	}
	weir_db_done(st);
	if (id < 0)
		weir_error_set(err, WEIR_E_NOT_FOUND, "Principal not found: %.200s", name ? name : "");
	return id;
}

static const char SQL_PRINCIPAL_NAME[] = "SELECT name FROM principals WHERE id = ?1";

const char *weir_gov_principal_name(weir_db *db, weir_arena *a, int64_t id)
{
	weir_stmt *st = weir_db_stmt(db, SQL_PRINCIPAL_NAME, NULL);
	if (st == NULL)
		return NULL;
	weir_db_bind_i64(st, 1, id);
	const char *name = weir_db_step(st) == WEIR_DB_ROW ? weir_db_col_dup(a, st, 0) : NULL;
	weir_db_done(st);
	return name;
}

/* ------------------------------------------------------------------ workspaces */

static const char SQL_WORKSPACE_BY_NAME[] = "SELECT id FROM workspaces WHERE name = ?1";

int64_t weir_gov_workspace_id(weir_db *db, const char *name, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_WORKSPACE_BY_NAME, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, name);
	int64_t id = weir_db_step(st) == WEIR_DB_ROW ? weir_db_col_i64(st, 0) : -1;
	weir_db_done(st);
	if (id < 0)
		weir_error_field(err, WEIR_E_RESOURCE_DOES_NOT_EXIST, "workspace", "Workspace not found: %.200s", name);
	return id;
}

static const char SQL_WORKSPACE_MEMBER[] =
	"SELECT 1 FROM workspace_assignments WHERE workspace_id = ?1 "
	"AND principal_id IN (SELECT value FROM json_each(?2)) LIMIT 1";

bool weir_gov_workspace_member(weir_db *db, int64_t workspace_id, const weir_principal *p)
{
	if (workspace_id == WEIR_DEFAULT_WORKSPACE_ID)
		return true;
	weir_stmt *st = weir_db_stmt(db, SQL_WORKSPACE_MEMBER, NULL);
	if (st == NULL)
		return false;
	weir_db_bind_i64(st, 1, workspace_id);
	weir_db_bind_text(st, 2, p->closure_json);
	bool ok = weir_db_step(st) == WEIR_DB_ROW;
	weir_db_done(st);
	return ok;
}

/* ------------------------------------------------------------------ tokens */

static const char SQL_TOKEN_BY_HASH[] =
	"SELECT id, principal_id, expiry_time, workspace_id FROM tokens WHERE hash = ?1";

weir_principal *weir_gov_token_authenticate(weir_db *db, weir_arena *a, const char *token, weir_error *err)
{
	char hash[65];
	weir_sha256_hex(token, strlen(token), hash);
	weir_stmt *st = weir_db_stmt(db, SQL_TOKEN_BY_HASH, err);
	if (st == NULL)
		return NULL;
	weir_db_bind_text(st, 1, hash);
	if (weir_db_step(st) != WEIR_DB_ROW) {
		weir_db_done(st);
		weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid access token.");
		return NULL;
	}
	const char *token_id = weir_db_col_dup(a, st, 0);
	int64_t pid = weir_db_col_i64(st, 1);
	int64_t expiry = weir_db_col_i64(st, 2);
	int64_t ws = weir_db_col_i64(st, 3);
	weir_db_done(st);
	if (expiry >= 0 && expiry <= weir_now_ms()) {
		weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid access token.");
		return NULL;
	}
	weir_principal *p = weir_gov_principal_load(db, a, pid, ws, err);
	if (p == NULL)
		return NULL;
	if (!weir_gov_workspace_member(db, ws, p)) {
		weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid access token.");
		return NULL;
	}
	p->token_id = token_id;
	p->credential_expiry_ms = expiry >= 0 ? expiry : 0;
	p->auth_method = "pat";
	return p;
}

static const char SQL_TOKEN_INSERT[] =
	"INSERT INTO tokens (id, principal_id, hash, comment, created_at, expiry_time, workspace_id, created_by) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?2)";

int weir_gov_token_create(weir_db *db, weir_arena *a, int64_t principal_id, int64_t workspace_id,
			  int64_t lifetime_s, const char *comment, char **value, weir_token_info *info,
			  weir_error *err)
{
	int64_t now = weir_now_ms();
	if (lifetime_s > (INT64_MAX - now) / 1000)
		lifetime_s = (INT64_MAX - now) / 1000;
	return weir_gov_token_create_until(db, a, principal_id, workspace_id, now,
					   lifetime_s > 0 ? now + lifetime_s * 1000 : -1, comment, value, info, err);
}

int weir_gov_token_create_until(weir_db *db, weir_arena *a, int64_t principal_id, int64_t workspace_id,
				int64_t now, int64_t expiry, const char *comment, char **value,
				weir_token_info *info, weir_error *err)
{
	char secret[33], id[33], hash[65];
	weir_random_hex(secret, 16);
	weir_random_hex(id, 16);
	char *tok = weir_arena_printf(a, WEIR_TOKEN_PREFIX "%s", secret);
	weir_sha256_hex(tok, strlen(tok), hash);
	weir_stmt *st = weir_db_stmt(db, SQL_TOKEN_INSERT, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, id);
	weir_db_bind_i64(st, 2, principal_id);
	weir_db_bind_text(st, 3, hash);
	weir_db_bind_text(st, 4, comment);
	weir_db_bind_i64(st, 5, now);
	weir_db_bind_i64(st, 6, expiry);
	weir_db_bind_i64(st, 7, workspace_id);
	int rc = weir_db_step(st);
	weir_db_done(st);
	if (rc != WEIR_DB_DONE)
		return weir_db_fail(db, rc, err);
	*value = tok;
	if (info) {
		info->token_id = weir_arena_strdup(a, id);
		info->comment = comment ? weir_arena_strdup(a, comment) : NULL;
		info->creation_time = now;
		info->expiry_time = expiry;
		info->principal_id = principal_id;
		info->workspace_id = workspace_id;
	}
	return 0;
}

static const char SQL_TOKEN_LIST[] =
	"SELECT t.id, t.comment, t.created_at, t.expiry_time, p.name, t.principal_id, w.name "
	"FROM tokens t JOIN principals p ON p.id = t.principal_id JOIN workspaces w ON w.id = t.workspace_id "
	"WHERE ?1 < 0 OR t.principal_id = ?1 ORDER BY t.created_at, t.id";

json_t *weir_gov_token_list(weir_db *db, int64_t principal_id, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_TOKEN_LIST, err);
	if (st == NULL)
		return NULL;
	weir_db_bind_i64(st, 1, principal_id);
	json_t *arr = json_array();
	while (weir_db_step(st) == WEIR_DB_ROW) {
		json_t *o = json_object();
		json_object_set_new(o, "token_id", json_string(weir_db_col_text(st, 0)));
		if (weir_db_col_type(st, 1) != WEIR_DB_NULL)
			json_object_set_new(o, "comment", json_string(weir_db_col_text(st, 1)));
		json_object_set_new(o, "creation_time", json_integer(weir_db_col_i64(st, 2)));
		json_object_set_new(o, "expiry_time", json_integer(weir_db_col_i64(st, 3)));
		json_object_set_new(o, "created_by_username", json_string(weir_db_col_text(st, 4)));
		json_object_set_new(o, "owner_id", json_integer(weir_db_col_i64(st, 5)));
		json_object_set_new(o, "workspace", json_string(weir_db_col_text(st, 6)));
		json_array_append_new(arr, o);
	}
	weir_db_done(st);
	return arr;
}

static const char SQL_TOKEN_DELETE[] = "DELETE FROM tokens WHERE id = ?1 AND (?2 < 0 OR principal_id = ?2)";

int weir_gov_token_delete(weir_db *db, const char *token_id, int64_t principal_id, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_TOKEN_DELETE, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, token_id);
	weir_db_bind_i64(st, 2, principal_id);
	int rc = weir_db_step(st);
	weir_db_done(st);
	if (rc != WEIR_DB_DONE)
		return weir_db_fail(db, rc, err);
	if (weir_db_changes(db) == 0)
		return weir_error_field(err, WEIR_E_RESOURCE_DOES_NOT_EXIST, "token_id",
					"Token not found: %.100s", token_id);
	return 0;
}

/* ------------------------------------------------------------------ bootstrap */

static const char SQL_INSERT_PRINCIPAL[] =
	"INSERT INTO principals (kind, name, display_name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)";
static const char SQL_INSERT_MEMBER[] = "INSERT INTO group_members (group_id, member_id) VALUES (?1, ?2)";
static const char SQL_INSERT_WORKSPACE[] = "INSERT INTO workspaces (id, name, created_at) VALUES (?1, ?2, ?3)";
static const char SQL_INSERT_METASTORE[] =
	"INSERT INTO securables (id, type, parent_id, name, owner_id, created_at, created_by, updated_at, updated_by) "
	"VALUES (?1, 'metastore', NULL, 'metastore', ?2, ?3, 'admin', ?3, 'admin')";

static int64_t insert_principal(weir_db *db, const char *kind, const char *name, const char *display, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_INSERT_PRINCIPAL, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, kind);
	weir_db_bind_text(st, 2, name);
	weir_db_bind_text(st, 3, display);
	weir_db_bind_i64(st, 4, weir_now_ms());
	if (weir_db_step_done(db, st, err) != 0)
		return -1;
	return weir_db_last_insert_id(db);
}

int weir_gov_bootstrap(weir_db *db, const char *token_path, weir_error *err)
{
	int ret = -1;
	char *tmp = NULL;
	weir_arena *a = weir_arena_new(1024);
	if (weir_db_begin_write(db, err) != 0)
		goto out;
	weir_stmt *st = weir_db_stmt(db, SQL_METASTORE_ID, err);
	if (st == NULL)
		goto out_rollback;
	bool exists = weir_db_step(st) == WEIR_DB_ROW;
	weir_db_done(st);
	if (exists) {
		weir_db_rollback(db);
		ret = 0;
		goto out;
	}
	int64_t now = weir_now_ms();
	int64_t admins = insert_principal(db, "group", WEIR_ADMINS_GROUP, "admins", err);
	int64_t admin = admins < 0 ? -1 : insert_principal(db, "user", WEIR_ADMIN_USER, "Admin", err);
	if (admin < 0)
		goto out_rollback;
	if ((st = weir_db_stmt(db, SQL_INSERT_MEMBER, err)) == NULL)
		goto out_rollback;
	weir_db_bind_i64(st, 1, admins);
	weir_db_bind_i64(st, 2, admin);
	if (weir_db_step_done(db, st, err) != 0)
		goto out_rollback;
	if ((st = weir_db_stmt(db, SQL_INSERT_WORKSPACE, err)) == NULL)
		goto out_rollback;
	weir_db_bind_i64(st, 1, WEIR_DEFAULT_WORKSPACE_ID);
	weir_db_bind_text(st, 2, WEIR_DEFAULT_WORKSPACE);
	weir_db_bind_i64(st, 3, now);
	if (weir_db_step_done(db, st, err) != 0)
		goto out_rollback;
	char msid[37];
	weir_uuid4(msid);
	if ((st = weir_db_stmt(db, SQL_INSERT_METASTORE, err)) == NULL)
		goto out_rollback;
	weir_db_bind_text(st, 1, msid);
	weir_db_bind_i64(st, 2, admin);
	weir_db_bind_i64(st, 3, now);
	if (weir_db_step_done(db, st, err) != 0)
		goto out_rollback;
	char *value = NULL;
	if (weir_gov_token_create(db, a, admin, WEIR_DEFAULT_WORKSPACE_ID, 0, "admin token (first start)",
				  &value, NULL, err) != 0)
		goto out_rollback;
	/* The token file is written before the commit and renamed after it: a failed commit
	 * leaves no token that does not work, a failed write leaves no metastore without one. */
	tmp = weir_arena_printf(a, "%s.tmp", token_path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		weir_log_error("cannot write the admin token file: %s", strerror(errno));
		weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot write the admin token file");
		goto out_rollback;
	}
	size_t len = strlen(value);
	bool ok = write(fd, value, len) == (ssize_t)len && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
	close(fd);
	if (!ok) {
		unlink(tmp);
		weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot write the admin token file");
		goto out_rollback;
	}
	if (weir_db_commit(db, err) != 0) {
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, token_path) != 0) {
		weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot write the admin token file");
		goto out;
	}
	weir_log_info("first start: metastore %s created; admin token written to %s", msid, token_path);
	ret = 0;
	goto out;

out_rollback:
	weir_db_rollback(db);
out:
	weir_arena_free(a);
	return ret;
}

/* ------------------------------------------------------------------ resolution */

static const char SQL_RESOLVE[] =
	"SELECT c.id, c.owner_id, COALESCE(c.isolation_mode, 'OPEN'), b.binding_type, "
	"       s.id, s.owner_id, o.id, o.owner_id "
	"FROM securables c "
	"LEFT JOIN catalog_bindings b ON b.catalog_id = c.id AND b.workspace_id = ?6 "
	"LEFT JOIN securables s ON ?2 IS NOT NULL AND s.parent_id = c.id AND s.type = 'schema' AND s.name = ?2 "
	"LEFT JOIN securables o ON ?3 IS NOT NULL AND o.parent_id = s.id AND o.type = ?4 AND o.name = ?3 "
	"WHERE c.parent_id = ?5 AND c.type = 'catalog' AND c.name = ?1";

static const char SQL_RESOLVE_ID[] =
	"WITH RECURSIVE up(id, type, parent_id, name, depth) AS ("
	"  SELECT id, type, parent_id, name, 0 FROM securables WHERE id = ?1 "
	"  UNION ALL SELECT s.id, s.type, s.parent_id, s.name, up.depth + 1 FROM securables s JOIN up ON s.id = up.parent_id "
	"  WHERE up.type != 'catalog') "
	"SELECT type, name FROM up WHERE type != 'metastore' ORDER BY depth DESC";

int weir_gov_not_found(weir_sec_type t, const char *full_name, weir_error *err)
{
	switch (t) {
	case WEIR_SEC_CATALOG:
		return weir_error_set(err, WEIR_E_CATALOG_NOT_FOUND, "Catalog '%.300s' does not exist.", full_name);
	case WEIR_SEC_SCHEMA:
		return weir_error_set(err, WEIR_E_SCHEMA_NOT_FOUND, "Schema '%.300s' does not exist.", full_name);
	case WEIR_SEC_TABLE:
		return weir_error_set(err, WEIR_E_TABLE_NOT_FOUND, "Table '%.300s' does not exist.", full_name);
	case WEIR_SEC_VOLUME:
		return weir_error_set(err, WEIR_E_NOT_FOUND, "Volume '%.300s' does not exist.", full_name);
	case WEIR_SEC_FUNCTION:
		return weir_error_set(err, WEIR_E_NOT_FOUND, "Function '%.300s' does not exist.", full_name);
	case WEIR_SEC_MODEL:
		return weir_error_set(err, WEIR_E_NOT_FOUND, "Registered model '%.300s' does not exist.", full_name);
	default:
		return weir_error_set(err, WEIR_E_NOT_FOUND, "'%.300s' does not exist.", full_name);
	}
}

int weir_gov_metastore_securable(weir_db *db, weir_arena *a, weir_securable *out, weir_error *err)
{
	const char *ms = weir_gov_metastore_id(db, a, err);
	if (ms == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	out->type = WEIR_SEC_METASTORE;
	out->id = ms;
	out->full_name = "metastore";
	out->depth = 1;
	out->chain[0].id = ms;
	out->chain[0].type = WEIR_SEC_METASTORE;
	out->chain[0].name = "metastore";
	out->catalog_isolation = "OPEN";
	static const char SQL_MS_OWNER[] = "SELECT owner_id FROM securables WHERE id = ?1";
	weir_stmt *st = weir_db_stmt(db, SQL_MS_OWNER, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, ms);
	if (weir_db_step(st) == WEIR_DB_ROW)
		out->chain[0].owner_id = weir_db_col_i64(st, 0);
	weir_db_done(st);
	return 0;
}

int weir_gov_resolve(weir_db *db, weir_arena *a, const weir_principal *p, weir_sec_type t,
		     const char *full_name, weir_securable *out, weir_error *err)
{
	return weir_gov_resolve_ex(db, a, p, t, full_name, 0, out, err);
}

int weir_gov_resolve_ex(weir_db *db, weir_arena *a, const weir_principal *p, weir_sec_type t,
			const char *full_name, unsigned flags, weir_securable *out, weir_error *err)
{
	if (t == WEIR_SEC_METASTORE)
		return weir_gov_metastore_securable(db, a, out, err);
	out->browse_only = false;
	int parts = t == WEIR_SEC_CATALOG ? 1 : t == WEIR_SEC_SCHEMA ? 2 : 3;
	const char *names[3] = {NULL, NULL, NULL};
	if (weir_gov_split_full_name(a, "full_name", full_name, parts, names, err) != 0)
		return -1;
	const char *ms = weir_gov_metastore_id(db, a, err);
	if (ms == NULL)
		return -1;
	weir_stmt *st = weir_db_stmt(db, SQL_RESOLVE, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, names[0]);
	weir_db_bind_text(st, 2, names[1]);
	weir_db_bind_text(st, 3, names[2]);
	weir_db_bind_text(st, 4, weir_sec_type_name(t));
	weir_db_bind_text(st, 5, ms);
	weir_db_bind_i64(st, 6, p ? p->workspace_id : WEIR_DEFAULT_WORKSPACE_ID);
	memset(out, 0, sizeof(*out));
	out->type = t;
	out->full_name = weir_arena_strdup(a, full_name);
	int rc = weir_db_step(st);
	if (rc != WEIR_DB_ROW) {
		weir_db_done(st);
		if (rc != WEIR_DB_DONE)
			return weir_db_fail(db, rc, err);
		return weir_gov_not_found(WEIR_SEC_CATALOG, names[0], err);
	}
	/* chain: [self, parent, catalog] filled from the top down */
	weir_sec_level cat = {weir_db_col_dup(a, st, 0), WEIR_SEC_CATALOG, names[0], weir_db_col_i64(st, 1)};
	out->catalog_isolation = weir_db_col_dup(a, st, 2);
	const char *binding = weir_db_col_text(st, 3);
	bool bound = binding != NULL;
	out->read_only = bound && strcmp(binding, "BINDING_TYPE_READ_ONLY") == 0;
	bool have_schema = weir_db_col_type(st, 4) != WEIR_DB_NULL;
	weir_sec_level sch = {have_schema ? weir_db_col_dup(a, st, 4) : NULL, WEIR_SEC_SCHEMA, names[1],
			      weir_db_col_i64(st, 5)};
	bool have_obj = weir_db_col_type(st, 6) != WEIR_DB_NULL;
	weir_sec_level obj = {have_obj ? weir_db_col_dup(a, st, 6) : NULL, t, names[2], weir_db_col_i64(st, 7)};
	weir_db_done(st);

	/* A catalog isolated from the caller's workspace does not exist for it. */
	if (strcmp(out->catalog_isolation, "ISOLATED") == 0 && !bound && !(flags & WEIR_RESOLVE_IGNORE_ISOLATION))
		return weir_gov_not_found(WEIR_SEC_CATALOG, names[0], err);
	if (flags & WEIR_RESOLVE_NO_VISIBILITY)
		p = NULL;

	/* The deepest existing chain, with its grants loaded in one query; then walk down from
	 * the catalog: each level must exist and be browsable, else it is "not found". A view
	 * of an upper level is the chain's tail (inheritance flows down, so the effective
	 * privileges of a level do not depend on the levels below it). */
	weir_sec_level full[3];
	int depth = 0;
	if (parts == 3 && have_schema && have_obj)
		full[depth++] = obj;
	if (parts >= 2 && have_schema)
		full[depth++] = sch;
	full[depth++] = cat;
	memcpy(out->chain, full, sizeof(full[0]) * (size_t)depth);
	out->depth = depth;
	out->privs_loaded = false;
	if (p && !p->is_admin && weir_gov__load_privs(db, p, out, err) != 0)
		return -1;
	weir_securable all = *out;
	for (int level = depth - 1; level >= 0; level--) {
		weir_securable *v = out;
		*v = all;
		v->depth = depth - level;
		memmove(v->chain, all.chain + level, sizeof(v->chain[0]) * (size_t)v->depth);
		memmove(v->privs, all.privs + level, sizeof(v->privs[0]) * (size_t)v->depth);
		v->type = v->chain[0].type;
		v->id = v->chain[0].id;
		v->browse_only = false;
		if (p && !weir_gov__browsable(db, p, v) &&
		    ((flags & WEIR_RESOLVE_INCLUDE_BROWSE) == 0 || !(v->browse_only = weir_gov_browse_only(db, p, v)))) {
			const char *shown = v->depth == 1 ? names[0]
					  : v->depth == 2 ? weir_arena_printf(a, "%s.%s", names[0], names[1])
							  : full_name;
			return weir_gov_not_found(v->type, shown, err);
		}
	}
	if (parts >= 2 && !have_schema)
		return weir_gov_not_found(WEIR_SEC_SCHEMA, weir_arena_printf(a, "%s.%s", names[0], names[1]), err);
	if (parts == 3 && !have_obj)
		return weir_gov_not_found(t, full_name, err);
	return 0;
}

int weir_gov_resolve_id(weir_db *db, weir_arena *a, const weir_principal *p, const char *id,
			weir_securable *out, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_RESOLVE_ID, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, id);
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
	if (n == 0) {
		weir_buf_release(&b);
		return weir_error_set(err, WEIR_E_NOT_FOUND, "No securable with id '%.100s'.", id);
	}
	char *full = weir_arena_strndup(a, b.data, b.len);
	weir_buf_release(&b);
	if (weir_gov_resolve(db, a, p, t, full, out, err) != 0) {
		weir_error_clear(err);
		return weir_error_set(err, WEIR_E_NOT_FOUND, "No securable with id '%.100s'.", id);
	}
	return 0;
}

/* ------------------------------------------------------------------ grants */

static const char SQL_CHAIN_GRANTS[] =
	"SELECT securable_id, privilege FROM grants "
	"WHERE securable_id IN (?1, ?2, ?3) AND principal_id IN (SELECT value FROM json_each(?4))";

/* Evaluated privileges of one principal on one chain, stamped with the change generation
 * (grants, memberships and principals are watched): a grant or revoke applies to the very
 * next request. Keyed by principal and the chain's ids. */
#define PRIVS_SLOTS 1024
static _Thread_local struct privs_entry {
	uint64_t gen;
	int64_t principal_id;
	int depth;
	char ids[3][40];
	uint64_t privs[3];
} privs_cache[PRIVS_SLOTS]; /* per worker thread, like the closure cache */

static size_t privs_slot(int64_t principal_id, const weir_securable *s)
{
	uint64_t h = (uint64_t)principal_id * 0x9E3779B97F4A7C15ull;
	for (const char *c = s->chain[0].id; c && *c; c++)
		h = (h ^ (unsigned char)*c) * 0x100000001B3ull;
	return (size_t)(h % PRIVS_SLOTS);
}

static bool privs_match(const struct privs_entry *e, int64_t principal_id, const weir_securable *s)
{
	if (e->principal_id != principal_id || e->depth != s->depth)
		return false;
	for (int i = 0; i < s->depth; i++)
		if (strcmp(e->ids[i], s->chain[i].id) != 0)
			return false;
	return true;
}

static bool privs_cache_get(uint64_t gen, int64_t principal_id, weir_securable *s)
{
	if (gen == 0)
		return false;
	struct privs_entry *e = &privs_cache[privs_slot(principal_id, s)];
	bool hit = e->gen == gen && privs_match(e, principal_id, s);
	weir_metrics_cache("privileges", hit);
	if (!hit)
		return false;
	memcpy(s->privs, e->privs, sizeof(s->privs));
	return true;
}

static void privs_cache_put(uint64_t gen, int64_t principal_id, const weir_securable *s)
{
	if (gen == 0)
		return;
	for (int i = 0; i < s->depth; i++)
		if (strlen(s->chain[i].id) >= sizeof(privs_cache[0].ids[0]))
			return;
	struct privs_entry *e = &privs_cache[privs_slot(principal_id, s)];
	e->gen = gen;
	e->principal_id = principal_id;
	e->depth = s->depth;
	for (int i = 0; i < s->depth; i++)
		snprintf(e->ids[i], sizeof(e->ids[i]), "%s", s->chain[i].id);
	memcpy(e->privs, s->privs, sizeof(e->privs));
}

int weir_gov__load_privs(weir_db *db, const weir_principal *p, weir_securable *s, weir_error *err)
{
	if (s->privs_loaded)
		return 0;
	uint64_t gen = weir_db_generation(db);
	if (privs_cache_get(gen, p->id, s)) {
		s->privs_loaded = true;
		return 0;
	}
	memset(s->privs, 0, sizeof(s->privs));
	weir_stmt *st = weir_db_stmt(db, SQL_CHAIN_GRANTS, err);
	if (st == NULL)
		return -1;
	for (int i = 0; i < 3; i++)
		weir_db_bind_text(st, i + 1, i < s->depth ? s->chain[i].id : NULL);
	weir_db_bind_text(st, 4, p->closure_json);
	uint64_t direct[3] = {0, 0, 0};
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
	/* Inheritance: what is granted on a level applies to every level below it. The
	 * metastore is never in the chain: its grants are not inherited. */
	uint64_t acc = 0;
	for (int i = s->depth - 1; i >= 0; i--) {
		acc |= direct[i];
		s->privs[i] = acc;
	}
	s->privs_loaded = true;
	privs_cache_put(gen, p->id, s);
	return 0;
}

static const char SQL_METASTORE_GRANTS[] =
	"SELECT privilege FROM grants g JOIN securables s ON s.id = g.securable_id AND s.type = 'metastore' "
	"WHERE g.principal_id IN (SELECT value FROM json_each(?1))";

uint64_t weir_gov__metastore_privs(weir_db *db, const weir_principal *p)
{
	weir_stmt *st = weir_db_stmt(db, SQL_METASTORE_GRANTS, NULL);
	if (st == NULL)
		return 0;
	weir_db_bind_text(st, 1, p->closure_json);
	uint64_t bits = 0;
	while (weir_db_step(st) == WEIR_DB_ROW) {
		int priv = weir_priv_parse(weir_db_col_text(st, 0));
		if (priv >= 0)
			bits |= WEIR_PRIV_BIT(priv);
	}
	weir_db_done(st);
	return bits;
}

/* ------------------------------------------------------------------ audit */

static const char SQL_AUDIT_INSERT[] =
	"INSERT INTO audit (event_time, principal_id, user_identity, workspace_id, service_name, action_name, "
	"request_id, request_params, status_code, error_code, securable, source_ip, user_agent) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

int weir_gov_audit(weir_db *db, const weir_audit_event *ev, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_AUDIT_INSERT, err);
	if (st == NULL)
		return -1;
	char *params = ev->request_params ? weir_json_dump(ev->request_params) : NULL;
	weir_db_bind_i64(st, 1, ev->event_time ? ev->event_time : weir_now_ms());
	weir_db_bind_i64_or_null(st, 2, ev->principal ? ev->principal->id : 0, ev->principal == NULL);
	weir_db_bind_text(st, 3, ev->principal ? ev->principal->name : ev->principal_name ? ev->principal_name : "");
	weir_db_bind_i64(st, 4, ev->workspace_id);
	weir_db_bind_text(st, 5, ev->service_name ? ev->service_name : "weir");
	weir_db_bind_text(st, 6, ev->action_name ? ev->action_name : "unknown");
	weir_db_bind_text(st, 7, ev->request_id ? ev->request_id : "");
	weir_db_bind_text(st, 8, params ? params : "{}");
	weir_db_bind_int(st, 9, ev->status_code);
	weir_db_bind_text(st, 10, ev->error_code);
	weir_db_bind_text(st, 11, ev->securable);
	weir_db_bind_text(st, 12, ev->source_ip);
	weir_db_bind_text(st, 13, ev->user_agent);
	free(params);
	return weir_db_step_done(db, st, err);
}
