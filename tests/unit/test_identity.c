/* Unit tests of governance/identity.c and identity_store.c on a real, migrated database:
 * SCIM filters, create/replace/patch/delete and their refusals, nested membership and the
 * closure the authorizer uses, deactivation, and service principal secrets. */
#include "testutil.h"

#include "core/json.h"
#include "core/util.h"
#include "governance/gov_store.h" /* the store functions too (weir_id__by_name) */
#include "governance/identity.h"

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	if (j == NULL) {
		fprintf(stderr, "bad test json: %s\n", e.text);
		abort();
	}
	return j;
}

static int64_t create(test_env *t, weir_principal_kind kind, const char *body)
{
	weir_error err = WEIR_ERROR_INIT;
	json_t *b = J(body);
	assert_int_equal(weir_db_begin_write(t->db, &err), 0);
	int64_t id = weir_id_create(t->db, t->a, kind, b, &err);
	if (id < 0)
		weir_db_rollback(t->db);
	else
		assert_int_equal(weir_db_commit(t->db, &err), 0);
	json_decref(b);
	return id;
}

/* A PATCH in its own transaction, rolled back on failure the way the server does. */
static int patch(test_env *t, weir_principal_kind kind, int64_t id, int64_t caller, const char *body, weir_error *err)
{
	json_t *b = J(body);
	assert_int_equal(weir_db_begin_write(t->db, err), 0);
	int rc = weir_id_patch(t->db, t->a, kind, id, caller, b, err);
	if (rc != 0)
		weir_db_rollback(t->db);
	else
		assert_int_equal(weir_db_commit(t->db, err), 0);
	json_decref(b);
	return rc;
}

static int64_t admin_id(test_env *t) { return weir_gov_principal_id(t->db, "admin", NULL, NULL); }

/* Proves the filter grammar: one clause, the kind's attributes only, quoted strings with
 * escapes, booleans only for active; everything else is 400 "Invalid filter". */
static void test_filter_parse(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	weir_scim_filter f;
	weir_error err = WEIR_ERROR_INIT;
	assert_int_equal(weir_scim_filter_parse(t->a, WEIR_PRINCIPAL_USER, "username EQ \"a\\\"b@c\"", &f, &err), 0);
	assert_true(f.present);
	assert_string_equal(f.attr, "userName");
	assert_int_equal(f.op, WEIR_SCIM_EQ);
	assert_string_equal(f.value, "a\"b@c");
	assert_int_equal(weir_scim_filter_parse(t->a, WEIR_PRINCIPAL_SP, "active eq false", &f, &err), 0);
	assert_false(f.bool_value);
	assert_int_equal(weir_scim_filter_parse(t->a, WEIR_PRINCIPAL_USER, "", &f, &err), 0);
	assert_false(f.present);
	const char *bad[] = {"userName",
			     "userName eq",
			     "userName eq a",
			     "userName eq \"a",
			     "userName eq \"a\" and x eq \"b\"",
			     "applicationId eq \"x\"",
			     "active eq \"true\"",
			     "userName gt \"a\"",
			     "userName eq true",
			     NULL};
	for (int i = 0; bad[i]; i++) {
		weir_error_clear(&err);
		assert_int_equal(weir_scim_filter_parse(t->a, WEIR_PRINCIPAL_USER, bad[i], &f, &err), -1);
		assert_int_equal(err.status, 400);
		assert_non_null(strstr(err.message, "Invalid filter"));
	}
	assert_int_equal(weir_scim_filter_parse(t->a, WEIR_PRINCIPAL_GROUP, "userName eq \"x\"", &f, &err), -1);
	test_env_free(t);
}

/* Proves create, list with a filter and paging, duplicate refusal (409) and that a refused
 * create leaves nothing behind. */
static void test_users_create_list(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	weir_error err = WEIR_ERROR_INIT;
	int64_t a = create(t, WEIR_PRINCIPAL_USER, "{\"userName\":\"a@x.io\",\"displayName\":\"A\"}");
	int64_t b = create(t, WEIR_PRINCIPAL_USER, "{\"userName\":\"b@x.io\"}");
	assert_true(a > 0 && b > a);
	int64_t c = create(t, WEIR_PRINCIPAL_USER, "{\"userName\":\"c@x.io\"}");
	assert_int_equal(create(t, WEIR_PRINCIPAL_USER, "{\"userName\":\"A@X.io\"}"), -1); /* userName ignores case */
	assert_true(c > b);
	json_t *dup = J("{\"userName\":\"a@x.io\"}");
	assert_int_equal(weir_id_create(t->db, t->a, WEIR_PRINCIPAL_USER, dup, &err), -1);
	assert_int_equal(err.status, 409);
	json_decref(dup);
	/* a group with an unknown member is refused and not created */
	assert_int_equal(create(t, WEIR_PRINCIPAL_GROUP, "{\"displayName\":\"g\",\"members\":[{\"value\":\"9999\"}]}"),
			 -1);
	assert_int_equal(weir_id__by_name(t->db, "g"), -1);

	weir_scim_filter f;
	assert_int_equal(weir_scim_filter_parse(t->a, WEIR_PRINCIPAL_USER, "userName ew \"@x.io\"", &f, &err), 0);
	json_t *l = weir_id_list(t->db, t->a, WEIR_PRINCIPAL_USER, &f, 2, 1, &err);
	assert_int_equal(json_integer_value(json_object_get(l, "totalResults")), 3);
	json_t *res = json_object_get(l, "Resources");
	assert_int_equal(json_array_size(res), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(res, 0), "userName")), "b@x.io");
	json_decref(l);
	assert_int_equal(weir_scim_filter_parse(t->a, WEIR_PRINCIPAL_USER, "userName eq \"A@X.IO\"", &f, &err), 0);
	l = weir_id_list(t->db, t->a, WEIR_PRINCIPAL_USER, &f, 1, 100, &err);
	assert_int_equal(json_integer_value(json_object_get(l, "totalResults")), 1); /* userName is caseExact false */
	json_decref(l);
	test_env_free(t);
}

/* Proves nested groups: the closure loaded for authorization contains every ancestor, a
 * group nested into `admins` makes its members admins, and a cycle is refused. */
static void test_nested_groups_and_admins(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	weir_error err = WEIR_ERROR_INIT;
	int64_t u = create(t, WEIR_PRINCIPAL_USER, "{\"userName\":\"n@x.io\"}");
	char body[256];
	snprintf(body, sizeof(body), "{\"displayName\":\"g1\",\"members\":[{\"value\":\"%lld\"}]}", (long long)u);
	int64_t g1 = create(t, WEIR_PRINCIPAL_GROUP, body);
	snprintf(body, sizeof(body), "{\"displayName\":\"g2\",\"members\":[{\"value\":\"%lld\"}]}", (long long)g1);
	int64_t g2 = create(t, WEIR_PRINCIPAL_GROUP, body);
	assert_true(g1 > 0 && g2 > 0);
	weir_principal *p = weir_gov_principal_load(t->db, t->a, u, WEIR_DEFAULT_WORKSPACE_ID, &err);
	assert_non_null(p);
	assert_int_equal(p->nclosure, 3);
	assert_false(p->is_admin);

	snprintf(body, sizeof(body),
		 "{\"Operations\":[{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"%lld\"}]}]}",
		 (long long)g2);
	assert_int_equal(patch(t, WEIR_PRINCIPAL_GROUP, g1, admin_id(t), body, &err), -1); /* cycle */
	assert_int_equal(err.status, 400);

	int64_t admins = weir_gov_principal_id(t->db, "admins", NULL, NULL);
	assert_int_equal(patch(t, WEIR_PRINCIPAL_GROUP, admins, admin_id(t), body, &err), 0);
	p = weir_gov_principal_load(t->db, t->a, u, WEIR_DEFAULT_WORKSPACE_ID, &err);
	assert_true(p->is_admin);

	json_t *r = weir_id_resource(t->db, t->a, WEIR_PRINCIPAL_USER, u, &err);
	json_t *groups = json_object_get(r, "groups");
	assert_int_equal(json_array_size(groups), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(groups, 0), "type")), "direct");
	assert_string_equal(json_string_value(json_object_get(json_array_get(groups, 2), "type")), "indirect");
	json_decref(r);

	/* admins: no rename, no delete */
	assert_int_equal(patch(t, WEIR_PRINCIPAL_GROUP, admins, admin_id(t),
			       "{\"Operations\":[{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"x\"}]}",
			       &err),
			 -1);
	assert_int_equal(weir_id_delete(t->db, WEIR_PRINCIPAL_GROUP, admins, admin_id(t), NULL, &err), -1);
	test_env_free(t);
}

/* Proves deactivation: the principal can no longer be loaded (so every token stops at
 * once), a caller cannot deactivate itself, and an all-or-nothing PATCH changes nothing
 * when one operation fails. */
static void test_deactivate(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	weir_error err = WEIR_ERROR_INIT;
	int64_t u = create(t, WEIR_PRINCIPAL_USER, "{\"userName\":\"d@x.io\",\"displayName\":\"D\"}");
	assert_int_equal(patch(t, WEIR_PRINCIPAL_USER, u, admin_id(t),
			       "{\"Operations\":[{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"E\"},"
			       "{\"op\":\"replace\",\"path\":\"active\",\"value\":\"nope\"}]}",
			       &err),
			 -1);
	json_t *r = weir_id_resource(t->db, t->a, WEIR_PRINCIPAL_USER, u, &err);
	assert_string_equal(json_string_value(json_object_get(r, "displayName")), "D");
	json_decref(r);
	assert_int_equal(patch(t, WEIR_PRINCIPAL_USER, u, admin_id(t),
			       "{\"Operations\":[{\"op\":\"Replace\",\"path\":\"active\",\"value\":\"False\"}]}", &err),
			 0);
	assert_false(weir_id_active(t->db, u));
	weir_error_clear(&err);
	assert_null(weir_gov_principal_load(t->db, t->a, u, WEIR_DEFAULT_WORKSPACE_ID, &err));
	assert_int_equal(err.status, 401);
	assert_int_equal(patch(t, WEIR_PRINCIPAL_USER, admin_id(t), admin_id(t),
			       "{\"Operations\":[{\"op\":\"replace\",\"value\":{\"active\":false}}]}", &err),
			 -1);
	assert_true(weir_id_active(t->db, admin_id(t)));
	/* an empty PATCH (the JS SDK drops bodies) changes nothing */
	assert_int_equal(patch(t, WEIR_PRINCIPAL_USER, u, admin_id(t), "{}", &err), 0);
	test_env_free(t);
}

/* Proves delete refusals: the caller itself, an owner of securables (count in the message),
 * a principal of another kind (404). */
static void test_delete(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	weir_error err = WEIR_ERROR_INIT;
	int64_t owned = -1;
	/* admin owns the metastore */
	int64_t other = create(t, WEIR_PRINCIPAL_USER, "{\"userName\":\"o@x.io\"}");
	assert_int_equal(weir_id_delete(t->db, WEIR_PRINCIPAL_USER, admin_id(t), other, &owned, &err), -1);
	assert_int_equal(err.status, 409);
	assert_int_equal(owned, 1);
	assert_non_null(strstr(err.message, "owns 1 securable"));
	assert_int_equal(weir_id_delete(t->db, WEIR_PRINCIPAL_USER, other, other, NULL, &err), -1);
	assert_int_equal(weir_id_delete(t->db, WEIR_PRINCIPAL_GROUP, other, admin_id(t), NULL, &err), -1);
	assert_int_equal(err.status, 404);
	assert_int_equal(weir_id_delete(t->db, WEIR_PRINCIPAL_USER, other, admin_id(t), NULL, &err), 0);
	assert_int_equal(weir_id__by_name(t->db, "o@x.io"), -1);
	test_env_free(t);
}

/* Proves SP secrets: the value is returned once, only its hash is stored, the right secret
 * authenticates, a wrong, deleted or expired one or an inactive SP does not. */
static int64_t fake_now = 0;
static int64_t fake_clock(void) { return fake_now; }

static void test_sp_secrets(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	weir_error err = WEIR_ERROR_INIT;
	int64_t sp = create(t, WEIR_PRINCIPAL_SP, "{\"applicationId\":\"app-1\",\"displayName\":\"bot\"}");
	assert_int_equal(weir_id_sp_find(t->db, "app-1", &err), sp);
	char ref[32];
	snprintf(ref, sizeof(ref), "%lld", (long long)sp);
	assert_int_equal(weir_id_sp_find(t->db, ref, &err), sp);
	assert_int_equal(weir_id_sp_find(t->db, "admin", &err), -1);

	json_t *s = weir_id_secret_create(t->db, sp, 0, &err);
	const char *secret = json_string_value(json_object_get(s, "secret"));
	assert_non_null(secret);
	assert_int_equal(strncmp(secret, WEIR_SP_SECRET_PREFIX, 4), 0);
	assert_int_equal(weir_id_sp_authenticate(t->db, "app-1", secret, &err), sp);
	assert_int_equal(weir_id_sp_authenticate(t->db, "app-1", "dose0000", &err), -1);
	assert_int_equal(err.status, 401);
	assert_int_equal(weir_id_sp_authenticate(t->db, "admin", secret, &err), -1);
	json_t *l = weir_id_secret_list(t->db, sp, &err);
	char *text = json_dumps(l, 0);
	assert_null(strstr(text, secret));
	free(text);
	json_decref(l);
	/* stored as a hash only */
	weir_stmt *st;
	assert_int_equal(weir_db_prepare(t->db, "SELECT hash FROM sp_secrets", &st), SQLITE_OK);
	assert_int_equal(weir_db_step(st), SQLITE_ROW);
	char want[65];
	weir_sha256_hex(secret, strlen(secret), want);
	assert_string_equal(weir_db_col_text(st, 0), want);
	weir_db_finalize(st);

	assert_int_equal(weir_id_secret_delete(t->db, sp, json_string_value(json_object_get(s, "id")), &err), 0);
	assert_int_equal(weir_id_sp_authenticate(t->db, "app-1", secret, &err), -1);
	json_decref(s);

	/* expiry, with the clock injected */
	fake_now = weir_now_ms();
	weir_clock_set(fake_clock);
	s = weir_id_secret_create(t->db, sp, 60, &err);
	secret = json_string_value(json_object_get(s, "secret"));
	assert_int_equal(weir_id_sp_authenticate(t->db, "app-1", secret, &err), sp);
	fake_now += 61000;
	assert_int_equal(weir_id_sp_authenticate(t->db, "app-1", secret, &err), -1);
	fake_now -= 61000;
	weir_clock_set(NULL);
	/* inactive SPs cannot log in */
	assert_int_equal(patch(t, WEIR_PRINCIPAL_SP, sp, admin_id(t),
			       "{\"Operations\":[{\"op\":\"replace\",\"path\":\"active\",\"value\":false}]}", &err),
			 0);
	assert_int_equal(weir_id_sp_authenticate(t->db, "app-1", secret, &err), -1);
	json_decref(s);
	test_env_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_parse),
		cmocka_unit_test(test_users_create_list),
		cmocka_unit_test(test_nested_groups_and_admins),
		cmocka_unit_test(test_deactivate),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_sp_secrets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
