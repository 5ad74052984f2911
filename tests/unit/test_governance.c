/* Unit tests of the governance rules (governance/authz.c, grants.c) on a real database:
 * visibility, inheritance through the hierarchy and through nested groups, ownership,
 * MANAGE vs ALL PRIVILEGES, grants validation, workspace isolation and read-only bindings. */
#include "testutil.h"

#include "core/json.h"
#include "governance/grants.h"
#include "governance/gov_int.h"
#include "governance/sessions.h"

typedef struct world {
	test_env *t;
	weir_principal *admin;
	int64_t u_nothing, u_member, u_nested, u_owner, g1, g2, g_admins;
	int64_t ws_dev;
} world;

static int64_t add_principal(test_env *t, const char *kind, const char *name)
{
	weir_stmt *st;
	weir_db_prepare(t->db, "INSERT INTO principals (kind, name, created_at, updated_at) VALUES (?1, ?2, 0, 0)",
			&st);
	weir_db_bind_text(st, 1, kind);
	weir_db_bind_text(st, 2, name);
	assert_int_equal(weir_db_step(st), SQLITE_DONE);
	weir_db_finalize(st);
	return weir_db_last_insert_id(t->db);
}

static void add_member(test_env *t, int64_t group, int64_t member)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "INSERT INTO group_members VALUES (%lld, %lld)", (long long)group,
		 (long long)member);
	assert_int_equal(sqlite3_exec(weir_db_handle(t->db), sql, NULL, NULL, NULL), SQLITE_OK);
}

static weir_principal *load(world *w, int64_t id, int64_t ws)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_principal *p = weir_gov_principal_load(w->t->db, w->t->a, id, ws, &e);
	assert_non_null(p);
	return p;
}

static json_t *mk(world *w, weir_principal *p, weir_sec_type t, const char *parent_full, const char *json)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable parent;
	if (t == WEIR_SEC_CATALOG)
		assert_int_equal(weir_gov_metastore_securable(w->t->db, w->t->a, &parent, &e), 0);
	else
		assert_int_equal(weir_gov_resolve(w->t->db, w->t->a, p,
						  t == WEIR_SEC_SCHEMA ? WEIR_SEC_CATALOG : WEIR_SEC_SCHEMA,
						  parent_full, &parent, &e),
				 0);
	json_t *body = json_loads(json, 0, NULL);
	assert_int_equal(weir_db_begin_write(w->t->db, &e), 0);
	json_t *info = weir_catalog_create(w->t->db, w->t->a, p, t, &parent, body, &e);
	if (info == NULL)
		fprintf(stderr, "create failed: %s\n", e.message);
	assert_non_null(info);
	assert_int_equal(weir_db_commit(w->t->db, &e), 0);
	json_decref(body);
	return info;
}

static void grant(world *w, weir_sec_type t, const char *full, const char *principal, const char *priv)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	assert_int_equal(weir_gov_resolve(w->t->db, w->t->a, w->admin, t, full, &s, &e), 0);
	char buf[256];
	snprintf(buf, sizeof(buf), "[{\"principal\":\"%s\",\"add\":[\"%s\"]}]", principal, priv);
	json_t *changes = json_loads(buf, 0, NULL);
	assert_int_equal(weir_db_begin_write(w->t->db, &e), 0);
	json_t *out = weir_grants_update(w->t->db, w->t->a, w->admin, &s, changes, &e);
	if (out == NULL)
		fprintf(stderr, "grant failed: %s\n", e.message);
	assert_non_null(out);
	assert_int_equal(weir_db_commit(w->t->db, &e), 0);
	json_decref(out);
	json_decref(changes);
}

static int setup(void **state)
{
	world *w = calloc(1, sizeof(*w));
	w->t = test_env_new();
	w->admin = test_admin(w->t);
	w->u_nothing = add_principal(w->t, "user", "nobody@x.com");
	w->u_member = add_principal(w->t, "user", "member@x.com");
	w->u_nested = add_principal(w->t, "user", "nested@x.com");
	w->u_owner = add_principal(w->t, "user", "owner@x.com");
	w->g1 = add_principal(w->t, "group", "analysts");
	w->g2 = add_principal(w->t, "group", "juniors");
	add_member(w->t, w->g1, w->u_member);
	add_member(w->t, w->g1, w->g2); /* juniors are analysts */
	add_member(w->t, w->g2, w->u_nested);
	json_decref(mk(w, w->admin, WEIR_SEC_CATALOG, NULL, "{\"name\":\"c\"}"));
	json_decref(mk(w, w->admin, WEIR_SEC_SCHEMA, "c", "{\"name\":\"s\"}"));
	json_decref(mk(w, w->admin, WEIR_SEC_TABLE, "c.s",
		       "{\"name\":\"t\",\"table_type\":\"EXTERNAL\",\"storage_location\":\"s3://b/t\"}"));
	json_decref(mk(w, w->admin, WEIR_SEC_TABLE, "c.s",
		       "{\"name\":\"secret\",\"table_type\":\"EXTERNAL\",\"storage_location\":\"s3://b/secret\"}"));
	grant(w, WEIR_SEC_CATALOG, "c", "analysts", "USE_CATALOG");
	grant(w, WEIR_SEC_SCHEMA, "c.s", "analysts", "USE SCHEMA");
	grant(w, WEIR_SEC_TABLE, "c.s.t", "analysts", "SELECT");
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	world *w = *state;
	test_env_free(w->t);
	free(w);
	return 0;
}

static bool can(world *w, int64_t who, weir_op op, weir_sec_type t, const char *full)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	weir_principal *p = load(w, who, WEIR_DEFAULT_WORKSPACE_ID);
	if (weir_gov_resolve(w->t->db, w->t->a, p, t, full, &s, &e) != 0)
		return false;
	return weir_gov_allowed(w->t->db, p, op, &s);
}

/* Proves grants to a group reach its direct and nested members, and nobody else. */
static void test_group_inheritance(void **state)
{
	world *w = *state;
	assert_true(can(w, w->u_member, WEIR_OP_READ_DATA, WEIR_SEC_TABLE, "c.s.t"));
	assert_true(can(w, w->u_nested, WEIR_OP_READ_DATA, WEIR_SEC_TABLE, "c.s.t"));
	assert_false(can(w, w->u_nothing, WEIR_OP_READ_METADATA, WEIR_SEC_TABLE, "c.s.t"));
	assert_false(can(w, w->u_nested, WEIR_OP_WRITE_DATA, WEIR_SEC_TABLE, "c.s.t"));
	assert_false(can(w, w->u_nested, WEIR_OP_DELETE, WEIR_SEC_TABLE, "c.s.t"));
}

/* Proves an unbrowsable object is "not found" with the same error as a missing one, at the
 * topmost hidden level. */
static void test_hidden_is_not_found(void **state)
{
	world *w = *state;
	weir_principal *p = load(w, w->u_nothing, WEIR_DEFAULT_WORKSPACE_ID);
	weir_error e1 = WEIR_ERROR_INIT, e2 = WEIR_ERROR_INIT;
	weir_securable s;
	assert_int_equal(weir_gov_resolve(w->t->db, w->t->a, p, WEIR_SEC_TABLE, "c.s.t", &s, &e1), -1);
	assert_int_equal(weir_gov_resolve(w->t->db, w->t->a, w->admin, WEIR_SEC_TABLE, "nope.s.t", &s, &e2), -1);
	assert_int_equal(e1.code, WEIR_E_NOT_FOUND);
	assert_int_equal(e1.obj, WEIR_OBJ_CATALOG);
	assert_int_equal(e2.code, WEIR_E_NOT_FOUND);
	assert_int_equal(e2.obj, WEIR_OBJ_CATALOG);
	/* a member sees c.s.t but not c.s.secret: a missing table, as if absent */
	weir_principal *m = load(w, w->u_member, WEIR_DEFAULT_WORKSPACE_ID);
	assert_int_equal(weir_gov_resolve(w->t->db, w->t->a, m, WEIR_SEC_TABLE, "c.s.secret", &s, &e1), -1);
	assert_int_equal(weir_gov_resolve(w->t->db, w->t->a, m, WEIR_SEC_TABLE, "c.s.absent", &s, &e2), -1);
	assert_int_equal(e1.code, WEIR_E_NOT_FOUND);
	assert_int_equal(e1.obj, WEIR_OBJ_TABLE);
	assert_int_equal(e2.code, WEIR_E_NOT_FOUND);
	assert_int_equal(e2.obj, WEIR_OBJ_TABLE);
}

/* Proves lists are filtered item by item and the page token never points past a hidden item
 * that was the only one left. */
static void test_list_filtering(void **state)
{
	world *w = *state;
	weir_principal *m = load(w, w->u_member, WEIR_DEFAULT_WORKSPACE_ID);
	weir_error e = WEIR_ERROR_INIT;
	weir_securable sch;
	assert_int_equal(weir_gov_resolve(w->t->db, w->t->a, m, WEIR_SEC_SCHEMA, "c.s", &sch, &e), 0);
	weir_page_req pg = {1, NULL};
	/* "secret" sorts before "t": a page of one must skip it and have no token after t */
	json_t *out = weir_catalog_list(w->t->db, w->t->a, m, WEIR_SEC_TABLE, &sch, &pg, "tables", true, true, false,
					&e);
	assert_non_null(out);
	json_t *tables = json_object_get(out, "tables");
	assert_int_equal(json_array_size(tables), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(tables, 0), "name")), "t");
	assert_null(json_object_get(out, "next_page_token"));
	char *dump = json_dumps(out, 0);
	assert_null(strstr(dump, "secret"));
	free(dump);
	json_decref(out);
}

/* Proves a privilege granted on the catalog applies to a table created afterwards. */
static void test_future_children(void **state)
{
	world *w = *state;
	int64_t u = add_principal(w->t, "user", "late@x.com");
	grant(w, WEIR_SEC_CATALOG, "c", "late@x.com", "USE_CATALOG");
	grant(w, WEIR_SEC_CATALOG, "c", "late@x.com", "USE_SCHEMA");
	grant(w, WEIR_SEC_CATALOG, "c", "late@x.com", "SELECT");
	json_decref(mk(w, w->admin, WEIR_SEC_TABLE, "c.s",
		       "{\"name\":\"later\",\"table_type\":\"EXTERNAL\",\"storage_location\":\"s3://b/later\"}"));
	assert_true(can(w, u, WEIR_OP_READ_DATA, WEIR_SEC_TABLE, "c.s.later"));
	assert_false(can(w, u, WEIR_OP_WRITE_DATA, WEIR_SEC_TABLE, "c.s.later"));
}

/* Proves ALL PRIVILEGES does not include MANAGE, and MANAGE allows managing grants but not
 * reading data. */
static void test_all_privileges_excludes_manage(void **state)
{
	world *w = *state;
	int64_t a = add_principal(w->t, "user", "all@x.com");
	int64_t m = add_principal(w->t, "user", "mgr@x.com");
	grant(w, WEIR_SEC_CATALOG, "c", "all@x.com", "ALL_PRIVILEGES");
	grant(w, WEIR_SEC_CATALOG, "c", "mgr@x.com", "USE_CATALOG");
	grant(w, WEIR_SEC_SCHEMA, "c.s", "mgr@x.com", "USE_SCHEMA");
	grant(w, WEIR_SEC_TABLE, "c.s.t", "mgr@x.com", "MANAGE");
	assert_true(can(w, a, WEIR_OP_READ_DATA, WEIR_SEC_TABLE, "c.s.t"));
	assert_true(can(w, a, WEIR_OP_WRITE_DATA, WEIR_SEC_TABLE, "c.s.t"));
	assert_false(can(w, a, WEIR_OP_MANAGE_GRANTS, WEIR_SEC_TABLE, "c.s.t"));
	assert_true(can(w, m, WEIR_OP_MANAGE_GRANTS, WEIR_SEC_TABLE, "c.s.t"));
	assert_true(can(w, m, WEIR_OP_DELETE, WEIR_SEC_TABLE, "c.s.t"));
	assert_false(can(w, m, WEIR_OP_READ_DATA, WEIR_SEC_TABLE, "c.s.t"));
}

/* Proves creation needs USE on the parents plus the CREATE privilege, and an owner of the
 * parent may create. */
static void test_create_rules(void **state)
{
	world *w = *state;
	int64_t u = add_principal(w->t, "user", "maker@x.com");
	assert_false(can(w, u, WEIR_OP_CREATE_TABLE, WEIR_SEC_SCHEMA, "c.s"));
	grant(w, WEIR_SEC_CATALOG, "c", "maker@x.com", "USE_CATALOG");
	grant(w, WEIR_SEC_SCHEMA, "c.s", "maker@x.com", "CREATE_TABLE");
	assert_false(can(w, u, WEIR_OP_CREATE_TABLE, WEIR_SEC_SCHEMA, "c.s")); /* no USE SCHEMA yet */
	grant(w, WEIR_SEC_SCHEMA, "c.s", "maker@x.com", "USE_SCHEMA");
	assert_true(can(w, u, WEIR_OP_CREATE_TABLE, WEIR_SEC_SCHEMA, "c.s"));
	assert_false(can(w, u, WEIR_OP_CREATE_VOLUME, WEIR_SEC_SCHEMA, "c.s"));
}

/* Proves invalid grants (unknown principal, unknown privilege, privilege not applicable to
 * the type) change nothing at all, even when other changes in the same call were valid. */
static void test_grant_validation_is_atomic(void **state)
{
	world *w = *state;
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	assert_int_equal(weir_gov_resolve(w->t->db, w->t->a, w->admin, WEIR_SEC_TABLE, "c.s.t", &s, &e), 0);
	static const char *const bad[] = {
		"[{\"principal\":\"owner@x.com\",\"add\":[\"SELECT\"]},{\"principal\":\"ghost\",\"add\":[\"SELECT\"]}]",
		"[{\"principal\":\"owner@x.com\",\"add\":[\"SELECT\",\"FLY\"]}]",
		"[{\"principal\":\"owner@x.com\",\"add\":[\"SELECT\",\"CREATE_SCHEMA\"]}]",
		"[{\"principal\":\"owner@x.com\",\"add\":[1]}]",
	};
	static const weir_code codes[] = {WEIR_E_NOT_FOUND, WEIR_E_INVALID_PARAMETER_VALUE,
					  WEIR_E_INVALID_PARAMETER_VALUE, WEIR_E_INVALID_PARAMETER_VALUE};
	for (int i = 0; i < 4; i++) {
		json_t *ch = json_loads(bad[i], 0, NULL);
		assert_int_equal(weir_db_begin_write(w->t->db, &e), 0);
		assert_null(weir_grants_update(w->t->db, w->t->a, w->admin, &s, ch, &e));
		assert_int_equal(e.code, codes[i]);
		weir_db_rollback(w->t->db);
		json_decref(ch);
	}
	json_t *out = weir_grants_get(w->t->db, w->t->a, w->admin, &s, "owner@x.com", &e);
	assert_int_equal(json_array_size(json_object_get(out, "privilege_assignments")), 0);
	json_decref(out);
}

/* Proves effective permissions name where each inherited privilege comes from. */
static void test_effective(void **state)
{
	world *w = *state;
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	assert_int_equal(weir_gov_resolve(w->t->db, w->t->a, w->admin, WEIR_SEC_TABLE, "c.s.t", &s, &e), 0);
	json_t *out = weir_grants_effective(w->t->db, w->t->a, w->admin, &s, "nested@x.com", &e);
	assert_non_null(out);
	char *dump = json_dumps(out, JSON_SORT_KEYS);
	assert_non_null(strstr(dump, "\"inherited_from_name\": \"c\""));
	assert_non_null(strstr(dump, "\"inherited_from_name\": \"c.s\""));
	assert_non_null(strstr(dump, "\"principal\": \"analysts\""));
	free(dump);
	json_decref(out);
}

/* Proves an ISOLATED catalog does not exist from an unbound workspace (even for admins), and
 * a READ_ONLY binding refuses every write while reads work. */
static void test_isolation_and_read_only(void **state)
{
	world *w = *state;
	weir_error e = WEIR_ERROR_INIT;
	sqlite3_exec(weir_db_handle(w->t->db), "INSERT INTO workspaces (id, name, created_at) VALUES (7, 'dev', 0)",
		     NULL, NULL, NULL);
	weir_securable cat;
	assert_int_equal(weir_gov_resolve(w->t->db, w->t->a, w->admin, WEIR_SEC_CATALOG, "c", &cat, &e), 0);
	weir_stmt *st;
	weir_db_prepare(w->t->db, "UPDATE securables SET isolation_mode = 'ISOLATED' WHERE id = ?1", &st);
	weir_db_bind_text(st, 1, cat.id);
	assert_int_equal(weir_db_step(st), SQLITE_DONE);
	weir_db_finalize(st);
	weir_principal *admin_dev = weir_gov_principal_load(w->t->db, w->t->a, w->admin->id, 7, &e);
	weir_securable s;
	assert_int_equal(weir_gov_resolve(w->t->db, w->t->a, admin_dev, WEIR_SEC_TABLE, "c.s.t", &s, &e), -1);
	assert_int_equal(e.code, WEIR_E_NOT_FOUND);
	assert_int_equal(e.obj, WEIR_OBJ_CATALOG);
	json_t *add = json_loads("[{\"workspace_id\":7,\"binding_type\":\"BINDING_TYPE_READ_ONLY\"}]", 0, NULL);
	assert_int_equal(weir_db_begin_write(w->t->db, &e), 0);
	json_t *b = weir_bindings_update(w->t->db, &cat, add, NULL, NULL, &e);
	assert_non_null(b);
	assert_int_equal(weir_db_commit(w->t->db, &e), 0);
	json_decref(b);
	json_decref(add);
	assert_int_equal(weir_gov_resolve(w->t->db, w->t->a, admin_dev, WEIR_SEC_TABLE, "c.s.t", &s, &e), 0);
	assert_true(weir_gov_allowed(w->t->db, admin_dev, WEIR_OP_READ_DATA, &s));
	assert_false(weir_gov_allowed(w->t->db, admin_dev, WEIR_OP_WRITE_DATA, &s));
	assert_false(weir_gov_allowed(w->t->db, admin_dev, WEIR_OP_DELETE, &s));
	assert_int_equal(weir_gov_check(w->t->db, admin_dev, WEIR_OP_UPDATE, &s, &e), -1);
	assert_int_equal(e.code, WEIR_E_PERMISSION_DENIED);
	/* the default workspace, not bound, does not see the catalog any more */
	assert_int_equal(weir_gov_resolve(w->t->db, w->t->a, w->admin, WEIR_SEC_CATALOG, "c", &s, &e), -1);
}

/* Proves a deactivated principal can no longer be loaded (its tokens stop at once). */
static void test_deactivation(void **state)
{
	world *w = *state;
	int64_t u = add_principal(w->t, "user", "leaver@x.com");
	weir_error e = WEIR_ERROR_INIT;
	char *tok = NULL;
	assert_int_equal(weir_db_begin_write(w->t->db, &e), 0);
	assert_int_equal(weir_gov_token_create(w->t->db, w->t->a, u, 1, 0, NULL, &tok, NULL, &e), 0);
	assert_int_equal(weir_db_commit(w->t->db, &e), 0);
	assert_non_null(weir_gov_token_authenticate(w->t->db, w->t->a, tok, &e));
	char sql[96];
	snprintf(sql, sizeof(sql), "UPDATE principals SET active = 0 WHERE id = %lld", (long long)u);
	sqlite3_exec(weir_db_handle(w->t->db), sql, NULL, NULL, NULL);
	assert_null(weir_gov_token_authenticate(w->t->db, w->t->a, tok, &e));
	assert_int_equal(e.code, WEIR_E_UNAUTHENTICATED);
}

/* Proves the cached group closure is never stale: a membership added and committed (or
 * rolled back) is reflected by the very next load, and nothing uncommitted is cached. */
static const char SQL_ADD_MEMBER[] = "INSERT INTO group_members (group_id, member_id) VALUES (?1, ?2)";
static void test_closure_cache_invalidation(void **state)
{
	world *w = *state;
	int64_t u = add_principal(w->t, "user", "cached@x.com");
	weir_principal *p = load(w, u, WEIR_DEFAULT_WORKSPACE_ID);
	assert_int_equal(p->nclosure, 1);
	p = load(w, u, WEIR_DEFAULT_WORKSPACE_ID); /* now from the cache */
	assert_int_equal(p->nclosure, 1);
	weir_error e = WEIR_ERROR_INIT;
	/* rolled back: no change */
	assert_int_equal(weir_db_begin_write(w->t->db, &e), 0);
	weir_stmt *st = weir_db_stmt(w->t->db, SQL_ADD_MEMBER, &e);
	weir_db_bind_i64(st, 1, w->g2);
	weir_db_bind_i64(st, 2, u);
	assert_int_equal(weir_db_step_done(w->t->db, st, &e), 0);
	p = load(w, u, WEIR_DEFAULT_WORKSPACE_ID); /* inside the write: sees its own change, caches nothing */
	assert_int_equal(p->nclosure, 3);
	weir_db_rollback(w->t->db);
	assert_int_equal(load(w, u, WEIR_DEFAULT_WORKSPACE_ID)->nclosure, 1);
	/* committed: juniors and, through it, analysts */
	assert_int_equal(weir_db_begin_write(w->t->db, &e), 0);
	st = weir_db_stmt(w->t->db, SQL_ADD_MEMBER, &e);
	weir_db_bind_i64(st, 1, w->g2);
	weir_db_bind_i64(st, 2, u);
	assert_int_equal(weir_db_step_done(w->t->db, st, &e), 0);
	assert_int_equal(weir_db_commit(w->t->db, &e), 0);
	p = load(w, u, WEIR_DEFAULT_WORKSPACE_ID);
	assert_int_equal(p->nclosure, 3);
	assert_true(can(w, u, WEIR_OP_READ_DATA, WEIR_SEC_TABLE, "c.s.t"));
}

/* A statement committed by a second SQLite connection on the same file, opened the way
 * another process would open it: none of the pool's hooks see it. */
static void other_process_exec(world *w, const char *sql)
{
	sqlite3 *other = NULL;
	assert_int_equal(sqlite3_open_v2(w->t->db_path, &other, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(other, 5000);
	assert_int_equal(sqlite3_exec(other, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
}

/* One check as a request makes it: in one read transaction. */
static bool can_in_request(world *w, int64_t who, weir_op op, weir_sec_type t, const char *full)
{
	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(weir_db_begin_read(w->t->db, &e), 0);
	bool ok = can(w, who, op, t, full);
	weir_db_end_read(w->t->db);
	return ok;
}

/* Proves the cached privileges follow the database, not this process's hooks: a revoke
 * committed by another process (its own connection) is refused on the very next check,
 * though the pool's in-process generation did not move. */
static void test_cache_sees_other_process_revoke(void **state)
{
	world *w = *state;
	assert_true(can_in_request(w, w->u_member, WEIR_OP_READ_DATA, WEIR_SEC_TABLE, "c.s.t"));
	assert_true(can_in_request(w, w->u_member, WEIR_OP_READ_DATA, WEIR_SEC_TABLE, "c.s.t")); /* cached */
	uint64_t gen = weir_db_generation(w->t->db);
	other_process_exec(w, "DELETE FROM grants WHERE privilege = 'SELECT'");
	assert_int_equal(weir_db_generation(w->t->db), gen); /* no in-process hook saw it */
	assert_false(can_in_request(w, w->u_member, WEIR_OP_READ_DATA, WEIR_SEC_TABLE, "c.s.t"));
	assert_false(can_in_request(w, w->u_nested, WEIR_OP_READ_DATA, WEIR_SEC_TABLE, "c.s.t"));
}

/* Proves the cached group closures follow the database: a membership removed, a membership
 * added and a group deactivated by another process apply to the very next check. */
static void test_cache_sees_other_process_membership(void **state)
{
	world *w = *state;
	char sql[160];
	assert_true(can_in_request(w, w->u_member, WEIR_OP_READ_DATA, WEIR_SEC_TABLE, "c.s.t"));
	assert_true(can_in_request(w, w->u_member, WEIR_OP_READ_DATA, WEIR_SEC_TABLE, "c.s.t")); /* cached */
	assert_false(can_in_request(w, w->u_nothing, WEIR_OP_READ_DATA, WEIR_SEC_TABLE, "c.s.t"));
	assert_false(can_in_request(w, w->u_nothing, WEIR_OP_READ_DATA, WEIR_SEC_TABLE, "c.s.t")); /* cached */
	uint64_t gen = weir_db_generation(w->t->db);

	snprintf(sql, sizeof(sql), "DELETE FROM group_members WHERE group_id = %lld AND member_id = %lld",
		 (long long)w->g1, (long long)w->u_member);
	other_process_exec(w, sql);
	assert_false(can_in_request(w, w->u_member, WEIR_OP_READ_DATA, WEIR_SEC_TABLE, "c.s.t"));

	snprintf(sql, sizeof(sql), "INSERT INTO group_members (group_id, member_id) VALUES (%lld, %lld)",
		 (long long)w->g2, (long long)w->u_nothing);
	other_process_exec(w, sql);
	assert_true(can_in_request(w, w->u_nothing, WEIR_OP_READ_DATA, WEIR_SEC_TABLE, "c.s.t"));
	assert_int_equal(load(w, w->u_nothing, WEIR_DEFAULT_WORKSPACE_ID)->nclosure, 3);

	/* juniors deactivated: its members no longer inherit analysts' grants */
	assert_true(can_in_request(w, w->u_nested, WEIR_OP_READ_DATA, WEIR_SEC_TABLE, "c.s.t")); /* cached */
	snprintf(sql, sizeof(sql), "UPDATE principals SET active = 0 WHERE id = %lld", (long long)w->g2);
	other_process_exec(w, sql);
	assert_false(can_in_request(w, w->u_nested, WEIR_OP_READ_DATA, WEIR_SEC_TABLE, "c.s.t"));
	assert_int_equal(load(w, w->u_nested, WEIR_DEFAULT_WORKSPACE_ID)->nclosure, 1);
	assert_int_equal(weir_db_generation(w->t->db), gen); /* none of it through the hooks */
}

/* Authenticates tok as a request does: in one read transaction. */
static weir_principal *auth_in_request(world *w, const char *tok, weir_error *e)
{
	assert_int_equal(weir_db_begin_read(w->t->db, e), 0);
	weir_principal *p = weir_gov_token_authenticate(w->t->db, w->t->a, tok, e);
	weir_db_end_read(w->t->db);
	return p;
}

static char *mint(world *w, int64_t who, int64_t ws, int64_t expiry)
{
	weir_error e = WEIR_ERROR_INIT;
	char *tok = NULL;
	assert_int_equal(weir_db_begin_write(w->t->db, &e), 0);
	assert_int_equal(
		weir_gov_token_create_until(w->t->db, w->t->a, who, ws, weir_now_ms(), expiry, NULL, &tok, NULL, &e),
		0);
	assert_int_equal(weir_db_commit(w->t->db, &e), 0);
	return tok;
}

/* Proves the credential cache follows the database, not this process's hooks: a token
 * deleted, a workspace assignment removed, a display name changed and a principal
 * deactivated by another process apply to the token's very next use, and a cached token
 * still expires on time. */
static void test_token_cache_sees_other_process(void **state)
{
	world *w = *state;
	weir_error e = WEIR_ERROR_INIT;
	char sql[200];
	int64_t u = add_principal(w->t, "user", "cached@x.com");
	sqlite3_exec(weir_db_handle(w->t->db), "INSERT INTO workspaces (id, name, created_at) VALUES (9, 'ops', 0)",
		     NULL, NULL, NULL);
	snprintf(sql, sizeof(sql), "INSERT INTO workspace_assignments VALUES (9, %lld)", (long long)u);
	assert_int_equal(sqlite3_exec(weir_db_handle(w->t->db), sql, NULL, NULL, NULL), SQLITE_OK);
	char *t1 = mint(w, u, 1, -1), *t2 = mint(w, u, 9, -1), *t3 = mint(w, u, 1, -1);
	for (int i = 0; i < 2; i++) { /* the second time from the cache */
		weir_principal *p = auth_in_request(w, t1, &e);
		assert_non_null(p);
		assert_int_equal(p->id, u);
		assert_string_equal(p->name, "cached@x.com");
		assert_null(p->display_name);
		assert_string_equal(p->workspace_name, "default");
		assert_string_equal(p->auth_method, "pat");
		assert_int_equal(p->credential_expiry_ms, 0);
		assert_non_null(p->token_id);
		p = auth_in_request(w, t2, &e);
		assert_non_null(p);
		assert_string_equal(p->workspace_name, "ops");
		assert_non_null(auth_in_request(w, t3, &e));
	}
	uint64_t gen = weir_db_generation(w->t->db);

	snprintf(sql, sizeof(sql), "DELETE FROM tokens WHERE hash = '%s'", weir_gov__secret_hash(w->t->a, t1));
	other_process_exec(w, sql);
	assert_null(auth_in_request(w, t1, &e));
	assert_int_equal(e.code, WEIR_E_UNAUTHENTICATED);
	weir_error_clear(&e);

	snprintf(sql, sizeof(sql), "DELETE FROM workspace_assignments WHERE principal_id = %lld", (long long)u);
	other_process_exec(w, sql);
	assert_null(auth_in_request(w, t2, &e));
	assert_int_equal(e.code, WEIR_E_UNAUTHENTICATED);
	weir_error_clear(&e);

	assert_non_null(auth_in_request(w, t3, &e));
	snprintf(sql, sizeof(sql), "UPDATE principals SET display_name = 'Cached' WHERE id = %lld", (long long)u);
	other_process_exec(w, sql);
	weir_principal *p = auth_in_request(w, t3, &e);
	assert_non_null(p);
	assert_string_equal(p->display_name, "Cached");
	snprintf(sql, sizeof(sql), "UPDATE principals SET active = 0 WHERE id = %lld", (long long)u);
	other_process_exec(w, sql);
	assert_null(auth_in_request(w, t3, &e));
	assert_int_equal(e.code, WEIR_E_UNAUTHENTICATED);
	weir_error_clear(&e);
	assert_int_equal(weir_db_generation(w->t->db), gen); /* none of it through the hooks */

	/* a cached token expires on time */
	char *t4 = mint(w, w->u_member, 1, weir_now_ms() + 300);
	assert_non_null(auth_in_request(w, t4, &e));
	assert_non_null(auth_in_request(w, t4, &e)); /* cached */
	usleep(350 * 1000);
	assert_null(auth_in_request(w, t4, &e));
	assert_int_equal(e.code, WEIR_E_UNAUTHENTICATED);
}

/* Proves the web UI session rules: a session is made only from a personal access token,
 * authenticates as that token's principal and workspace with its CSRF token, never outlives
 * the token, refuses lifetimes out of range, expires, ends on sign-out and when its token is
 * deleted or its principal deactivated, and only the hash of its id is stored. */
/* Sign-ins through the identity provider start without credentials: at most
 * WEIR_UI_OAUTH_MAX_PENDING are in flight; past it a start is refused (503) and writes
 * nothing; expired ones make room again. */
static void test_ui_oauth_pending_bounded(void **state)
{
	world *w = *state;
	test_env *t = w->t;
	weir_error e = WEIR_ERROR_INIT;
	weir_ui_oauth_start st;
	int64_t now = weir_now_ms();
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	for (int i = 0; i < WEIR_UI_OAUTH_MAX_PENDING; i++)
		assert_int_equal(weir_gov_ui_oauth_begin(t->db, t->a, "https://weir/cb", "/", now, &st, &e), 0);
	assert_int_equal(weir_gov_ui_oauth_begin(t->db, t->a, "https://weir/cb", "/", now, &st, &e), -1);
	assert_int_equal(e.status, 503);
	weir_error_clear(&e);
	/* ten minutes on, the old ones are gone and a start succeeds */
	assert_int_equal(weir_gov_ui_oauth_begin(t->db, t->a, "https://weir/cb", "/",
						 now + WEIR_UI_OAUTH_STATE_S * 1000 + 1, &st, &e),
			 0);
	weir_db_rollback(t->db);
}

static void test_ui_sessions(void **state)
{
	world *w = *state;
	test_env *t = w->t;
	int64_t u = add_principal(t, "user", "browser@x.com");
	weir_error e = WEIR_ERROR_INIT;
	char *tok = NULL;
	weir_token_info info;
	int64_t now = weir_now_ms();
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_gov_token_create_until(t->db, t->a, u, 1, now, now + 3600 * 1000, NULL, &tok, &info, &e),
			 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	weir_principal *p = weir_gov_token_authenticate(t->db, t->a, tok, &e);
	assert_non_null(p);

	/* lifetimes: negative and beyond the maximum are refused naming the field */
	weir_ui_session s;
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_gov_ui_session_create(t->db, t->a, p, now, -1, &s, &e), -1);
	assert_int_equal(e.code, WEIR_E_INVALID_PARAMETER_VALUE);
	assert_string_equal(e.field, "lifetime_seconds");
	assert_int_equal(weir_gov_ui_session_create(t->db, t->a, p, now, WEIR_UI_SESSION_MAX_S + 1, &s, &e), -1);
	/* the default (12 h) is capped by the token's own hour */
	assert_int_equal(weir_gov_ui_session_create(t->db, t->a, p, now, 0, &s, &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	assert_int_equal(s.expires_at, now + 3600 * 1000);
	assert_int_equal(strncmp(s.id, WEIR_UI_SESSION_PREFIX, strlen(WEIR_UI_SESSION_PREFIX)), 0);
	assert_int_equal(strlen(s.csrf_token), 64);

	/* only the hash is stored: the id itself is nowhere in the table */
	weir_stmt *st;
	assert_int_equal(weir_db_prepare(t->db, "SELECT count(*) FROM ui_sessions WHERE id_hash = ?1", &st), 0);
	weir_db_bind_text(st, 1, s.id);
	assert_int_equal(weir_db_step(st), SQLITE_ROW);
	assert_int_equal(weir_db_col_i64(st, 0), 0);
	weir_db_finalize(st);

	const char *csrf = NULL;
	int64_t exp = 0;
	weir_principal *sp = weir_gov_ui_session_authenticate(t->db, t->a, s.id, now + 1000, &csrf, &exp, &e);
	assert_non_null(sp);
	assert_int_equal(sp->id, u);
	assert_int_equal(sp->workspace_id, 1);
	assert_string_equal(sp->auth_method, "session");
	assert_string_equal(sp->token_id, info.token_id);
	assert_int_equal(sp->credential_expiry_ms, s.expires_at);
	assert_string_equal(csrf, s.csrf_token);
	assert_int_equal(exp, s.expires_at);
	/* a session cannot start another session */
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_gov_ui_session_create(t->db, t->a, sp, now, 0, &s, &e), -1);
	assert_int_equal(e.code, WEIR_E_INVALID_STATE);
	weir_db_rollback(t->db);

	/* expired, malformed, unknown: one 401 */
	assert_null(weir_gov_ui_session_authenticate(t->db, t->a, s.id, s.expires_at, &csrf, NULL, &e));
	assert_int_equal(e.code, WEIR_E_UNAUTHENTICATED);
	assert_null(weir_gov_ui_session_authenticate(t->db, t->a, "wses_zz", now, &csrf, NULL, &e));
	assert_null(weir_gov_ui_session_authenticate(t->db, t->a, tok, now, &csrf, NULL, &e));
	char other[80];
	snprintf(other, sizeof(other), "%s%064d", WEIR_UI_SESSION_PREFIX, 0);
	assert_null(weir_gov_ui_session_authenticate(t->db, t->a, other, now, &csrf, NULL, &e));

	/* sign-out ends it; a second sign-out finds nothing */
	const char *id = s.id;
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_gov_ui_session_delete(t->db, id, &e), 0);
	assert_int_equal(weir_gov_ui_session_delete(t->db, id, &e), -1);
	assert_int_equal(e.code, WEIR_E_NOT_FOUND);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	assert_null(weir_gov_ui_session_authenticate(t->db, t->a, id, now, &csrf, NULL, &e));

	/* deleting the token ends its sessions */
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_gov_ui_session_create(t->db, t->a, p, now, 60, &s, &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	assert_non_null(weir_gov_ui_session_authenticate(t->db, t->a, s.id, now, &csrf, NULL, &e));
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_gov_token_delete(t->db, info.token_id, u, &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	assert_null(weir_gov_ui_session_authenticate(t->db, t->a, s.id, now, &csrf, NULL, &e));

	/* a deactivated principal's session stops at once */
	tok = NULL;
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_gov_token_create(t->db, t->a, u, 1, 0, NULL, &tok, NULL, &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	p = weir_gov_token_authenticate(t->db, t->a, tok, &e);
	assert_non_null(p);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_gov_ui_session_create(t->db, t->a, p, now, 0, &s, &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	assert_int_equal(s.expires_at, now + WEIR_UI_SESSION_DEFAULT_S * 1000); /* a token without expiry */
	char sql[96];
	snprintf(sql, sizeof(sql), "UPDATE principals SET active = 0 WHERE id = %lld", (long long)u);
	sqlite3_exec(weir_db_handle(t->db), sql, NULL, NULL, NULL);
	assert_null(weir_gov_ui_session_authenticate(t->db, t->a, s.id, now, &csrf, NULL, &e));
	assert_int_equal(e.code, WEIR_E_UNAUTHENTICATED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_group_inheritance, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hidden_is_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_filtering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_future_children, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_privileges_excludes_manage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_validation_is_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_effective, setup, teardown),
		cmocka_unit_test_setup_teardown(test_isolation_and_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deactivation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ui_oauth_pending_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ui_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closure_cache_invalidation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_sees_other_process_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_sees_other_process_membership, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_cache_sees_other_process, setup, teardown),
	};
	return cmocka_run_group_tests_name("governance", tests, NULL, NULL);
}
