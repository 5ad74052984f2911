/* Unit tests of governance/tags*.c and governance/audit*.c on a real, migrated database:
 * key and value rules, entity resolution (columns included), the store, paging, the
 * per-entity limit, cascades, search filtered by what the caller may browse, the APPLY TAG
 * rule, and the audit log's filters, paging and transactionality. */
#include "testutil.h"

#include "core/json.h"
#include "governance/audit.h"
#include "governance/policies.h"
#include "governance/tags.h"

/* ---------------------------------------------------------------- helpers */

static void exec_sql(test_env *t, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(weir_db_handle(t->db), sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "sql: %s: %s\n", sql, msg ? msg : "?");
		sqlite3_free(msg);
		fail();
	}
}

static json_t *create(test_env *t, weir_principal *p, weir_sec_type type, weir_sec_type ptype, const char *parent,
		      const char *json)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable par;
	if (type == WEIR_SEC_CATALOG)
		assert_int_equal(weir_gov_metastore_securable(t->db, t->a, &par, &e), 0);
	else
		assert_int_equal(weir_gov_resolve(t->db, t->a, p, ptype, parent, &par, &e), 0);
	json_t *body = json_loads(json, 0, NULL);
	assert_non_null(body);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	json_t *info = weir_catalog_create(t->db, t->a, p, type, &par, body, &e);
	if (info == NULL)
		fprintf(stderr, "create: %s\n", e.message);
	assert_non_null(info);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	json_decref(body);
	return info;
}

/* catalog `cat` > schema s > external table t (columns id, Email) and managed volume v. */
static void mk_tree(test_env *t, const char *cat)
{
	weir_principal *admin = test_admin(t);
	char buf[1024];
	snprintf(buf, sizeof(buf), "{\"name\":\"%s\"}", cat);
	json_decref(create(t, admin, WEIR_SEC_CATALOG, WEIR_SEC_METASTORE, NULL, buf));
	snprintf(buf, sizeof(buf), "{\"catalog_name\":\"%s\",\"name\":\"s\"}", cat);
	json_decref(create(t, admin, WEIR_SEC_SCHEMA, WEIR_SEC_CATALOG, cat, buf));
	char sch[300];
	snprintf(sch, sizeof(sch), "%s.s", cat);
	snprintf(buf, sizeof(buf),
		 "{\"catalog_name\":\"%s\",\"schema_name\":\"s\",\"name\":\"t\",\"table_type\":\"EXTERNAL\","
		 "\"data_source_format\":\"DELTA\",\"storage_location\":\"%s-ext/%s/t\",\"columns\":["
		 "{\"name\":\"id\",\"type_text\":\"INT\",\"type_name\":\"INT\",\"position\":0},"
		 "{\"name\":\"Email\",\"type_text\":\"STRING\",\"type_name\":\"STRING\",\"position\":1}]}",
		 cat, t->dir, cat);
	json_decref(create(t, admin, WEIR_SEC_TABLE, WEIR_SEC_SCHEMA, sch, buf));
	snprintf(buf, sizeof(buf),
		 "{\"catalog_name\":\"%s\",\"schema_name\":\"s\",\"name\":\"v\",\"volume_type\":\"MANAGED\"}", cat);
	json_decref(create(t, admin, WEIR_SEC_VOLUME, WEIR_SEC_SCHEMA, sch, buf));
}

static json_t *tag_put(test_env *t, const char *type, const char *name, const char *key, const char *value)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_tag_entity ent;
	assert_int_equal(weir_tags_resolve(t->db, t->a, NULL, type, name, &ent, &e), 0);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	json_t *out = weir_tags_create(t->db, &ent, key, value, "admin", &e);
	if (out == NULL) {
		weir_db_rollback(t->db);
		fprintf(stderr, "tag_put: %s\n", e.message);
		fail();
	}
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	return out;
}

static void grant(test_env *t, weir_sec_type type, const char *full, const weir_principal *p, const char *priv)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	assert_int_equal(weir_gov_resolve(t->db, t->a, NULL, type, full, &s, &e), 0);
	char sql[400];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO grants (securable_id, principal_id, privilege) VALUES ('%s', %lld, '%s')", s.id,
		 (long long)p->id, priv);
	exec_sql(t, sql);
}

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* ---------------------------------------------------------------- rules */

/* Proves the key rules (1..255 characters, counted as code points; no C0, DEL or C1
 * control characters; no '/') and the value rule (at most 1000 characters), each refusal
 * naming the field. */
static void test_key_value_rules(void **state)
{
	(void)state;
	weir_error e = WEIR_ERROR_INIT;
	char k[600];
	assert_int_equal(weir_tags_key_check("tag_key", "pii", &e), 0);
	assert_int_equal(weir_tags_key_check("tag_key", "with space-and_dots.ok", &e), 0);
	assert_int_equal(weir_tags_key_check("tag_key", "", &e), -1);
	assert_string_equal(e.field, "tag_key");
	assert_int_equal(e.status, 400);
	assert_int_equal(weir_tags_key_check("tag_key", NULL, &e), -1);
	memset(k, 'k', 255);
	k[255] = '\0';
	assert_int_equal(weir_tags_key_check("tag_key", k, &e), 0);
	k[255] = 'k';
	k[256] = '\0';
	assert_int_equal(weir_tags_key_check("tag_key", k, &e), -1);
	/* 255 two-byte characters are 510 bytes and still fine */
	for (int i = 0; i < 255; i++)
		memcpy(k + 2 * i, "\xc3\xa9", 2);
	k[510] = '\0';
	assert_int_equal(weir_tags_key_check("tag_key", k, &e), 0);
	assert_int_equal(weir_tags_key_check("tag_key",
					     "a\x01"
					     "b",
					     &e),
			 -1);
	assert_int_equal(weir_tags_key_check("tag_key", "a\tb", &e), -1);
	assert_int_equal(weir_tags_key_check("tag_key",
					     "a\x7f"
					     "b",
					     &e),
			 -1);
	assert_int_equal(weir_tags_key_check("tag_key",
					     "a\xc2\x85"
					     "b",
					     &e),
			 -1); /* U+0085 */
	assert_int_equal(weir_tags_key_check("tag_key", "a\xc3\x28", &e), -1); /* not UTF-8 */
	assert_int_equal(weir_tags_key_check("key", "a/b", &e), -1);
	assert_string_equal(e.field, "key");

	assert_int_equal(weir_tags_value_check("tag_value", NULL, &e), 0);
	assert_int_equal(weir_tags_value_check("tag_value", "", &e), 0);
	char *v = malloc(2 * 1001 + 1);
	for (int i = 0; i < 1000; i++)
		memcpy(v + 2 * i, "\xc3\xa9", 2);
	v[2000] = '\0';
	assert_int_equal(weir_tags_value_check("tag_value", v, &e), 0);
	memcpy(v + 2000, "x", 2);
	assert_int_equal(weir_tags_value_check("tag_value", v, &e), -1);
	assert_string_equal(e.field, "tag_value");
	free(v);
}

/* Proves the wire entity types map to securable types both ways, and that anything else
 * (functions, singular forms, empty) is 400 naming the field. */
static void test_entity_types(void **state)
{
	(void)state;
	weir_error e = WEIR_ERROR_INIT;
	weir_sec_type st;
	bool col;
	assert_int_equal(weir_tags_entity_type_parse("entity_type", "columns", &st, &col, &e), 0);
	assert_int_equal(st, WEIR_SEC_TABLE);
	assert_true(col);
	assert_int_equal(weir_tags_entity_type_parse("entity_type", "registered_models", &st, &col, &e), 0);
	assert_int_equal(st, WEIR_SEC_MODEL);
	assert_false(col);
	assert_int_equal(weir_tags_entity_type_parse("entity_type", "functions", &st, &col, &e), -1);
	assert_string_equal(e.field, "entity_type");
	assert_int_equal(weir_tags_entity_type_parse("entity_type", "table", &st, &col, &e), -1);
	assert_int_equal(weir_tags_entity_type_parse("entity_type", "", &st, &col, &e), -1);
	assert_string_equal(weir_tags_entity_type_name(WEIR_SEC_VOLUME, false), "volumes");
	assert_string_equal(weir_tags_entity_type_name(WEIR_SEC_TABLE, true), "columns");
	assert_null(weir_tags_entity_type_name(WEIR_SEC_FUNCTION, false));
}

/* ---------------------------------------------------------------- store */

/* Proves entity resolution: every type, a column matched case-insensitively and named as
 * stored, a missing column 404 naming entity_name, malformed names 400, and the type's
 * not-found code for absent securables. */
static void test_resolve(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	mk_tree(t, "c");
	weir_error e = WEIR_ERROR_INIT;
	weir_tag_entity ent;
	assert_int_equal(weir_tags_resolve(t->db, t->a, NULL, "catalogs", "c", &ent, &e), 0);
	assert_int_equal(ent.sec.type, WEIR_SEC_CATALOG);
	assert_string_equal(ent.column_name, "");
	assert_int_equal(weir_tags_resolve(t->db, t->a, NULL, "volumes", "c.s.v", &ent, &e), 0);
	assert_string_equal(ent.entity_type, "volumes");
	assert_int_equal(weir_tags_resolve(t->db, t->a, NULL, "columns", "c.s.t.EMAIL", &ent, &e), 0);
	assert_string_equal(ent.column_name, "Email");
	assert_string_equal(ent.entity_name, "c.s.t.Email");
	assert_int_equal(ent.sec.type, WEIR_SEC_TABLE);

	assert_int_equal(weir_tags_resolve(t->db, t->a, NULL, "columns", "c.s.t.nope", &ent, &e), -1);
	assert_int_equal(e.status, 404);
	assert_string_equal(e.field, "entity_name");
	assert_int_equal(weir_tags_resolve(t->db, t->a, NULL, "columns", "c.s.t", &ent, &e), -1);
	assert_int_equal(e.status, 400);
	assert_int_equal(weir_tags_resolve(t->db, t->a, NULL, "tables", "c.s", &ent, &e), -1);
	assert_int_equal(e.status, 400);
	assert_string_equal(e.field, "entity_name");
	assert_int_equal(weir_tags_resolve(t->db, t->a, NULL, "tables", "c.s.none", &ent, &e), -1);
	assert_string_equal(uc_code(e), "TABLE_NOT_FOUND");
	assert_int_equal(weir_tags_resolve(t->db, t->a, NULL, "schemas", "zz.s", &ent, &e), -1);
	assert_string_equal(uc_code(e), "CATALOG_NOT_FOUND");
	assert_int_equal(weir_tags_resolve(t->db, t->a, NULL, "widgets", "c", &ent, &e), -1);
	assert_string_equal(e.field, "entity_type");
	test_env_free(t);
}

/* Proves create, get, update (value set and cleared), delete and their errors: duplicate
 * 409, absent 404, and that a column's tags are apart from its table's. */
static void test_crud(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	mk_tree(t, "c");
	weir_error e = WEIR_ERROR_INIT;
	json_t *a = tag_put(t, "tables", "c.s.t", "class", "secret");
	assert_string_equal(str(a, "entity_type"), "tables");
	assert_string_equal(str(a, "entity_name"), "c.s.t");
	assert_string_equal(str(a, "tag_value"), "secret");
	assert_string_equal(str(a, "updated_by"), "admin");
	json_decref(a);
	json_decref(tag_put(t, "columns", "c.s.t.id", "class", "public"));

	weir_tag_entity tbl, col;
	assert_int_equal(weir_tags_resolve(t->db, t->a, NULL, "tables", "c.s.t", &tbl, &e), 0);
	assert_int_equal(weir_tags_resolve(t->db, t->a, NULL, "columns", "c.s.t.id", &col, &e), 0);
	json_t *g = weir_tags_get(t->db, &col, "class", &e);
	assert_string_equal(str(g, "tag_value"), "public");
	json_decref(g);

	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_null(weir_tags_create(t->db, &tbl, "class", "other", "admin", &e));
	assert_int_equal(e.status, 409);
	assert_string_equal(uc_code(e), "ALREADY_EXISTS");
	json_t *u = weir_tags_update(t->db, &tbl, "class", "internal", "bob", &e);
	assert_string_equal(str(u, "tag_value"), "internal");
	assert_string_equal(str(u, "updated_by"), "bob");
	json_decref(u);
	u = weir_tags_update(t->db, &tbl, "class", NULL, "bob", &e);
	assert_null(json_object_get(u, "tag_value"));
	json_decref(u);
	assert_null(weir_tags_update(t->db, &tbl, "absent", "x", "bob", &e));
	assert_int_equal(e.status, 404);
	assert_int_equal(weir_tags_delete(t->db, &tbl, "absent", &e), -1);
	assert_int_equal(e.status, 404);
	assert_int_equal(weir_tags_delete(t->db, &tbl, "class", &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);

	assert_null(weir_tags_get(t->db, &tbl, "class", &e));
	assert_int_equal(e.status, 404);
	g = weir_tags_get(t->db, &col, "class", &e); /* the column's tag is untouched */
	assert_non_null(g);
	json_decref(g);
	test_env_free(t);
}

/* Proves the per-entity limit of 50 tags, and that paging lists every tag once in key
 * order with a token only while more remain; a bad token is 400. */
static void test_limit_and_paging(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	mk_tree(t, "c");
	weir_error e = WEIR_ERROR_INIT;
	char key[16];
	for (int i = 0; i < WEIR_TAGS_MAX_PER_ENTITY; i++) {
		snprintf(key, sizeof(key), "k%02d", i);
		json_decref(tag_put(t, "schemas", "c.s", key, NULL));
	}
	weir_tag_entity ent;
	assert_int_equal(weir_tags_resolve(t->db, t->a, NULL, "schemas", "c.s", &ent, &e), 0);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_null(weir_tags_create(t->db, &ent, "one_more", NULL, "admin", &e));
	assert_int_equal(e.status, 400);
	weir_db_rollback(t->db);

	int seen = 0, pages = 0;
	const char *token = NULL;
	do {
		weir_page_req pg = {20, token};
		json_t *page = weir_tags_list(t->db, t->a, &ent, &pg, &e);
		assert_non_null(page);
		json_t *items = json_object_get(page, "tag_assignments");
		for (size_t i = 0; i < json_array_size(items); i++) {
			snprintf(key, sizeof(key), "k%02d", seen++);
			assert_string_equal(str(json_array_get(items, i), "tag_key"), key);
		}
		token = str(page, "next_page_token");
		token = token ? weir_arena_strdup(t->a, token) : NULL;
		json_decref(page);
		pages++;
	} while (token);
	assert_int_equal(seen, 50);
	assert_int_equal(pages, 3);

	weir_page_req bad = {0, "xyz"};
	assert_null(weir_tags_list(t->db, t->a, &ent, &bad, &e));
	assert_string_equal(e.field, "page_token");
	weir_page_req neg = {-1, NULL};
	assert_null(weir_tags_list(t->db, t->a, &ent, &neg, &e));
	assert_string_equal(e.field, "max_results");
	test_env_free(t);
}

/* Proves tags go away with their securable: deleting a table drops its own and its
 * columns' tags, a forced catalog delete drops everything below it. */
static void test_cascade(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	mk_tree(t, "c");
	json_decref(tag_put(t, "tables", "c.s.t", "k", "v"));
	json_decref(tag_put(t, "columns", "c.s.t.id", "k", "v"));
	json_decref(tag_put(t, "volumes", "c.s.v", "k", "v"));
	json_decref(tag_put(t, "catalogs", "c", "k", "v"));
	weir_error e = WEIR_ERROR_INIT;
	weir_page_req pg = {0, NULL};
	json_t *r = weir_tags_search(t->db, t->a, NULL, "k", NULL, &pg, &e);
	assert_int_equal(json_array_size(json_object_get(r, "tag_assignments")), 4);
	json_decref(r);

	weir_securable s;
	assert_int_equal(weir_gov_resolve(t->db, t->a, NULL, WEIR_SEC_TABLE, "c.s.t", &s, &e), 0);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_catalog_delete(t->db, t->a, &s, false, &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	r = weir_tags_search(t->db, t->a, NULL, "k", NULL, &pg, &e);
	assert_int_equal(json_array_size(json_object_get(r, "tag_assignments")), 2);
	json_decref(r);

	assert_int_equal(weir_gov_resolve(t->db, t->a, NULL, WEIR_SEC_CATALOG, "c", &s, &e), 0);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_catalog_delete(t->db, t->a, &s, true, &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	weir_stmt *st;
	assert_int_equal(weir_db_prepare(t->db, "SELECT count(*) FROM tags", &st), SQLITE_OK);
	assert_int_equal(weir_db_step(st), SQLITE_ROW);
	assert_int_equal(weir_db_col_int(st, 0), 0);
	weir_db_finalize(st);
	test_env_free(t);
}

/* Proves search returns only what the caller may browse, with value filtering, and that
 * neither the page size nor the token reveals hidden hits: a user who sees one of three
 * tagged tables gets exactly that one and no token, even with max_results=1. */
static void test_search_visibility(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	mk_tree(t, "a");
	mk_tree(t, "b");
	mk_tree(t, "z");
	json_decref(tag_put(t, "tables", "a.s.t", "class", "secret"));
	json_decref(tag_put(t, "tables", "b.s.t", "class", "secret"));
	json_decref(tag_put(t, "columns", "b.s.t.Email", "class", "public"));
	json_decref(tag_put(t, "tables", "z.s.t", "class", "secret"));
	weir_principal *bob = test_user(t, "bob");
	weir_error e = WEIR_ERROR_INIT;

	weir_page_req pg = {0, NULL};
	json_t *r = weir_tags_search(t->db, t->a, bob, "class", NULL, &pg, &e);
	assert_int_equal(json_array_size(json_object_get(r, "tag_assignments")), 0);
	assert_null(json_object_get(r, "next_page_token"));
	json_decref(r);

	grant(t, WEIR_SEC_CATALOG, "b", bob, "USE_CATALOG");
	grant(t, WEIR_SEC_SCHEMA, "b.s", bob, "USE_SCHEMA");
	grant(t, WEIR_SEC_TABLE, "b.s.t", bob, "SELECT");
	bob = weir_gov_principal_load(t->db, t->a, bob->id, WEIR_DEFAULT_WORKSPACE_ID, &e);
	weir_page_req one = {1, NULL};
	r = weir_tags_search(t->db, t->a, bob, "class", "secret", &one, &e);
	json_t *items = json_object_get(r, "tag_assignments");
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(str(json_array_get(items, 0), "entity_name"), "b.s.t");
	assert_null(json_object_get(r, "next_page_token"));
	json_decref(r);
	r = weir_tags_search(t->db, t->a, bob, "class", NULL, &one, &e);
	items = json_object_get(r, "tag_assignments");
	assert_int_equal(json_array_size(items), 1);
	const char *tok = str(r, "next_page_token");
	assert_non_null(tok); /* the column hit is visible too */
	weir_page_req next = {1, weir_arena_strdup(t->a, tok)};
	json_decref(r);
	r = weir_tags_search(t->db, t->a, bob, "class", NULL, &next, &e);
	items = json_object_get(r, "tag_assignments");
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(str(json_array_get(items, 0), "entity_type"), "columns");
	assert_string_equal(str(json_array_get(items, 0), "entity_name"), "b.s.t.Email");
	assert_null(json_object_get(r, "next_page_token"));
	json_decref(r);

	/* the admin sees all four */
	r = weir_tags_search(t->db, t->a, test_admin(t), "class", NULL, &pg, &e);
	assert_int_equal(json_array_size(json_object_get(r, "tag_assignments")), 4);
	json_decref(r);
	assert_null(weir_tags_search(t->db, t->a, bob, "", NULL, &pg, &e));
	assert_string_equal(e.field, "key");
	weir_page_req bad = {0, "nodot"};
	assert_null(weir_tags_search(t->db, t->a, bob, "class", NULL, &bad, &e));
	assert_string_equal(e.field, "page_token");
	test_env_free(t);
}

/* Proves the APPLY TAG rule: browsing (SELECT) is not enough, APPLY TAG with USE on the
 * parents is, and so is ownership; APPLY TAG on a table does not reach its schema. */
static void test_apply_tag_rule(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	mk_tree(t, "c");
	weir_principal *bob = test_user(t, "bob");
	grant(t, WEIR_SEC_CATALOG, "c", bob, "USE_CATALOG");
	grant(t, WEIR_SEC_SCHEMA, "c.s", bob, "USE_SCHEMA");
	grant(t, WEIR_SEC_TABLE, "c.s.t", bob, "SELECT");
	weir_error e = WEIR_ERROR_INIT;
	weir_tag_entity ent;
	assert_int_equal(weir_tags_resolve(t->db, t->a, bob, "columns", "c.s.t.id", &ent, &e), 0);
	assert_true(weir_gov_allowed(t->db, bob, WEIR_OP_READ_METADATA, &ent.sec));
	assert_false(weir_gov_allowed(t->db, bob, WEIR_OP_APPLY_TAG, &ent.sec));
	grant(t, WEIR_SEC_TABLE, "c.s.t", bob, "APPLY_TAG");
	assert_int_equal(weir_tags_resolve(t->db, t->a, bob, "tables", "c.s.t", &ent, &e), 0);
	assert_true(weir_gov_allowed(t->db, bob, WEIR_OP_APPLY_TAG, &ent.sec));
	assert_int_equal(weir_tags_resolve(t->db, t->a, bob, "schemas", "c.s", &ent, &e), 0);
	assert_false(weir_gov_allowed(t->db, bob, WEIR_OP_APPLY_TAG, &ent.sec));
	/* a stranger cannot even find the volume */
	weir_principal *eve = test_user(t, "eve");
	assert_int_equal(weir_tags_resolve(t->db, t->a, eve, "volumes", "c.s.v", &ent, &e), -1);
	assert_string_equal(uc_code(e), "CATALOG_NOT_FOUND");
	test_env_free(t);
}

/* Proves tags on a registered model (a securable the registry creates: inserted directly
 * here) and on a column whose name holds a dot (the column is everything after the
 * table's full name). */
static void test_models_and_dotted_columns(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	mk_tree(t, "c");
	weir_error e = WEIR_ERROR_INIT;
	weir_securable sch, tbl;
	assert_int_equal(weir_gov_resolve(t->db, t->a, NULL, WEIR_SEC_SCHEMA, "c.s", &sch, &e), 0);
	assert_int_equal(weir_gov_resolve(t->db, t->a, NULL, WEIR_SEC_TABLE, "c.s.t", &tbl, &e), 0);
	char sql[600];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO securables (id, type, parent_id, name, owner_id, created_at, created_by, updated_at, "
		 "updated_by) "
		 "VALUES ('rm-1', 'registered_model', '%s', 'm', %lld, 0, 'admin', 0, 'admin')",
		 sch.id, (long long)test_admin(t)->id);
	exec_sql(t, sql);
	snprintf(sql, sizeof(sql), "INSERT INTO table_columns (table_id, position, name) VALUES ('%s', 9, 'a.b')",
		 tbl.id);
	exec_sql(t, sql);

	json_t *m = tag_put(t, "registered_models", "c.s.m", "stage", "prod");
	assert_string_equal(str(m, "entity_type"), "registered_models");
	json_decref(m);
	json_t *d = tag_put(t, "columns", "c.s.t.a.b", "pii", NULL);
	assert_string_equal(str(d, "entity_name"), "c.s.t.a.b");
	json_decref(d);
	weir_page_req pg = {0, NULL};
	json_t *r = weir_tags_search(t->db, t->a, test_admin(t), "stage", NULL, &pg, &e);
	json_t *items = json_object_get(r, "tag_assignments");
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(str(json_array_get(items, 0), "entity_name"), "c.s.m");
	json_decref(r);
	r = weir_tags_search(t->db, t->a, test_admin(t), "pii", NULL, &pg, &e);
	items = json_object_get(r, "tag_assignments");
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(str(json_array_get(items, 0), "entity_name"), "c.s.t.a.b");
	json_decref(r);
	test_env_free(t);
}

/* ---------------------------------------------------------------- audit */

static void audit_row(test_env *t, int64_t when, const char *who, const char *action, int status, const char *sec)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *params = json_pack("{s:s}", "name", sec ? sec : "");
	weir_audit_event ev = {
		.event_time = when,
		.principal_name = who,
		.workspace_id = 1,
		.service_name = "unityCatalog",
		.action_name = action,
		.request_id = "rid",
		.request_params = params,
		.status_code = status,
		.error_code = status >= 400 ? "PERMISSION_DENIED" : NULL,
		.securable = sec,
		.source_ip = "10.0.0.1",
		.user_agent = "ua",
	};
	assert_int_equal(weir_gov_audit(t->db, &ev, &e), 0);
	json_decref(params);
}

static size_t count_events(test_env *t, const weir_audit_filter *f)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_page_req pg = {1000, NULL};
	json_t *r = weir_audit_query(t->db, t->a, f, &pg, &e);
	assert_non_null(r);
	size_t n = json_array_size(json_object_get(r, "events"));
	json_decref(r);
	return n;
}

/* Proves the audit query: every filter narrows as documented (start inclusive, end
 * exclusive), events come in (event_time, id) order in system.access.audit's shape, and
 * keyset paging gives each event once even when several share one event_time. */
static void test_audit_query(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	audit_row(t, 1000, "alice", "createCatalog", 200, "c1");
	audit_row(t, 2000, "bob", "createCatalog", 403, "c2");
	audit_row(t, 2000, "alice", "deleteCatalog", 200, "c1");
	audit_row(t, 2000, "alice", "createSchema", 200, "c1.s");
	audit_row(t, 3000, "", "getCatalog", 401, NULL);

	weir_audit_filter f;
	memset(&f, 0, sizeof(f));
	assert_int_equal(count_events(t, &f), 5);
	f.principal = "alice";
	assert_int_equal(count_events(t, &f), 3);
	f.action_name = "createCatalog";
	assert_int_equal(count_events(t, &f), 1);
	memset(&f, 0, sizeof(f));
	f.securable = "c1";
	assert_int_equal(count_events(t, &f), 2);
	memset(&f, 0, sizeof(f));
	f.has_status = true;
	f.status_code = 401;
	assert_int_equal(count_events(t, &f), 1);
	memset(&f, 0, sizeof(f));
	f.has_start = f.has_end = true;
	f.start_time = 2000;
	f.end_time = 3000;
	assert_int_equal(count_events(t, &f), 3);
	f.service_name = "accounts";
	assert_int_equal(count_events(t, &f), 0);

	memset(&f, 0, sizeof(f));
	weir_error e = WEIR_ERROR_INIT;
	weir_page_req all = {0, NULL};
	json_t *r = weir_audit_query(t->db, t->a, &f, &all, &e);
	json_t *ev = json_array_get(json_object_get(r, "events"), 1);
	assert_int_equal(json_integer_value(json_object_get(ev, "event_time")), 2000);
	assert_string_equal(json_string_value(json_object_get(json_object_get(ev, "user_identity"), "email")), "bob");
	json_t *resp = json_object_get(ev, "response");
	assert_int_equal(json_integer_value(json_object_get(resp, "status_code")), 403);
	assert_string_equal(json_string_value(json_object_get(resp, "error_code")), "PERMISSION_DENIED");
	assert_string_equal(json_string_value(json_object_get(json_object_get(ev, "request_params"), "name")), "c2");
	assert_string_equal(str(ev, "source_ip_address"), "10.0.0.1");
	assert_string_equal(str(ev, "event_date"), "1970-01-01");
	json_decref(r);

	/* pages of two over five events, three of them at the same time */
	const char *ids[5];
	int n = 0, pages = 0;
	const char *tok = NULL;
	do {
		weir_page_req pg = {2, tok};
		r = weir_audit_query(t->db, t->a, &f, &pg, &e);
		assert_non_null(r);
		json_t *evs = json_object_get(r, "events");
		for (size_t i = 0; i < json_array_size(evs); i++) {
			assert_true(n < 5);
			ids[n++] = weir_arena_strdup(t->a, str(json_array_get(evs, i), "event_id"));
		}
		tok = str(r, "next_page_token");
		tok = tok ? weir_arena_strdup(t->a, tok) : NULL;
		json_decref(r);
		pages++;
	} while (tok);
	assert_int_equal(n, 5);
	assert_int_equal(pages, 3);
	for (int i = 0; i < 5; i++)
		for (int j = i + 1; j < 5; j++)
			assert_string_not_equal(ids[i], ids[j]);

	weir_page_req bad = {0, "not-a-token"};
	assert_null(weir_audit_query(t->db, t->a, &f, &bad, &e));
	assert_string_equal(e.field, "page_token");
	weir_page_req neg = {-5, NULL};
	assert_null(weir_audit_query(t->db, t->a, &f, &neg, &e));
	assert_string_equal(e.field, "max_results");
	test_env_free(t);
}

/* Proves an audit row written inside a transaction goes with it: rolled back, it is gone;
 * committed, it stays (the property weir_req_commit relies on). */
static void test_audit_transactional(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	weir_error e = WEIR_ERROR_INIT;
	weir_audit_filter f;
	memset(&f, 0, sizeof(f));
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	audit_row(t, 5, "alice", "createCatalog", 200, "x");
	weir_db_rollback(t->db);
	assert_int_equal(count_events(t, &f), 0);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	audit_row(t, 5, "alice", "createCatalog", 200, "x");
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	assert_int_equal(count_events(t, &f), 1);
	test_env_free(t);
}

/* ---------------------------------------------------------------- ABAC policies */

/* A policy write in its own transaction: the answer (NULL with *e on refusal, rolled back). */
static json_t *policy_write(test_env *t, weir_principal *p, weir_securable *on, const char *update, const char *json,
			    weir_error *e)
{
	json_t *body = json_loads(json, 0, NULL);
	assert_non_null(body);
	assert_int_equal(weir_db_begin_write(t->db, e), 0);
	json_t *out = update ? weir_policies_update(t->db, t->a, p, on, update, body, e)
			     : weir_policies_create(t->db, t->a, p, on, body, e);
	if (out)
		assert_int_equal(weir_db_commit(t->db, e), 0);
	else
		weir_db_rollback(t->db);
	json_decref(body);
	return out;
}

static int uses_on(test_env *t, const char *table, weir_principal *p, weir_policy_use **uses)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable tbl;
	assert_int_equal(weir_gov_resolve(t->db, t->a, NULL, WEIR_SEC_TABLE, table, &tbl, &e), 0);
	json_t *info = weir_catalog_get(t->db, t->a, &tbl, false, true, &e);
	assert_non_null(info);
	weir_json_own(t->a, info);
	int n = -1;
	assert_int_equal(weir_policies_for_table(t->db, t->a, p, &tbl, json_object_get(info, "columns"), uses, &n, &e),
			 0);
	return n;
}

static int uses_for(test_env *t, weir_principal *p, weir_policy_use **uses) { return uses_on(t, "pc.s.t", p, uses); }

static void test_policies(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	mk_tree(t, "pc");
	weir_principal *admin = test_admin(t), *u = test_user(t, "analyst");
	json_decref(create(t, admin, WEIR_SEC_FUNCTION, WEIR_SEC_SCHEMA, "pc.s",
			   "{\"function_info\":{\"name\":\"redact\",\"catalog_name\":\"pc\",\"schema_name\":\"s\","
			   "\"data_type\":\"STRING\",\"full_data_type\":\"string\",\"routine_body\":\"SQL\","
			   "\"routine_definition\":\"'***'\",\"parameter_style\":\"S\",\"is_deterministic\":true,"
			   "\"sql_data_access\":\"NO_SQL\",\"is_null_call\":false,\"security_type\":\"DEFINER\","
			   "\"specific_name\":\"redact\",\"input_params\":{\"parameters\":[{\"name\":\"x\","
			   "\"type_text\":\"string\",\"type_name\":\"STRING\",\"position\":0}]}}}"));
	weir_error e = WEIR_ERROR_INIT;
	weir_securable sch;
	assert_int_equal(weir_gov_resolve(t->db, t->a, NULL, WEIR_SEC_SCHEMA, "pc.s", &sch, &e), 0);
	static const char MASK[] =
		"{\"name\":\"m\",\"for_securable_type\":\"table\",\"policy_type\":\"POLICY_TYPE_COLUMN_MASK\","
		"\"to_principals\":[\"analyst\"],\"when_condition\":\"%s\","
		"\"match_columns\":[{\"condition\":\"hasTagValue('pii', 'email')\",\"alias\":\"e\"}],"
		"\"column_mask\":{\"function_name\":\"pc.s.redact\",\"on_column\":\"e\"}}";
	char buf[1024];
	/* conditions that do not parse: 400 naming the field, nothing stored */
	static const char *const bad[] = {"hasTag('x'", "hasTag()",         "hasTag('x') OR",         "NOT",
					  "x = 1",      "hasTagValue('k')", "hasTag('x') hasTag('y')"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof buf, MASK, bad[i]);
		weir_error_clear(&e);
		assert_null(policy_write(t, admin, &sch, NULL, buf, &e));
		assert_string_equal(e.field, "when_condition");
		assert_string_equal(uc_code(e), "INVALID_PARAMETER_VALUE");
	}
	weir_page_req pg = {0, NULL};
	json_t *l = weir_policies_list(t->db, t->a, &sch, false, &pg, &e);
	assert_int_equal(json_array_size(json_object_get(l, "policies")), 0);
	json_decref(l);
	/* a mask where the table (through its catalog) is tagged sensitive */
	snprintf(buf, sizeof buf, MASK, "NOT has_tag('public') AND (hasTag('sens') OR hasTagValue('k', 'it''s'))");
	json_t *p = policy_write(t, admin, &sch, NULL, buf, &e);
	assert_non_null(p);
	assert_string_equal(json_string_value(json_object_get(p, "for_securable_type")), "TABLE");
	assert_string_equal(json_string_value(json_object_get(p, "on_securable_fullname")), "pc.s");
	json_decref(p);
	weir_policy_use *uses = NULL;
	assert_int_equal(uses_for(t, u, &uses), 0); /* no tags yet */
	json_decref(tag_put(t, "columns", "pc.s.t.Email", "pii", "email"));
	assert_int_equal(uses_for(t, u, &uses), 0); /* the column matches, the condition does not hold */
	json_decref(tag_put(t, "catalogs", "pc", "k", "it's"));
	assert_int_equal(uses_for(t, u, &uses), 1);
	assert_string_equal(uses[0].column, "Email");
	assert_string_equal(uses[0].function_name, "pc.s.redact");
	assert_int_equal(uses[0].nargs, 0);
	assert_int_equal(uses_for(t, admin, &uses), 0); /* not named */
	json_decref(tag_put(t, "tables", "pc.s.t", "public", NULL));
	assert_int_equal(uses_for(t, u, &uses), 0); /* NOT hasTag('public') */
	/* the reader excepted; a rename onto itself is a no-op, onto another policy refused */
	assert_non_null(p = policy_write(t, admin, &sch, "m",
					 "{\"when_condition\":\"hasTag('k')\",\"except_principals\":[\"analyst\"]}",
					 &e));
	json_decref(p);
	assert_int_equal(uses_for(t, u, &uses), 0);
	assert_non_null(p = policy_write(t, admin, &sch, "m", "{\"except_principals\":[]}", &e));
	json_decref(p);
	assert_int_equal(uses_for(t, u, &uses), 1);
	snprintf(buf, sizeof buf, MASK, "hasTag('k')");
	char *second = strdup(buf);
	memcpy(strstr(second, "\"m\""), "\"n\"", 3);
	assert_non_null(p = policy_write(t, admin, &sch, NULL, second, &e));
	json_decref(p);
	free(second);
	weir_error_clear(&e);
	assert_null(policy_write(t, admin, &sch, "n", "{\"name\":\"m\"}", &e));
	assert_string_equal(uc_code(e), "RESOURCE_ALREADY_EXISTS");
	/* two masks for the reader on one column: both are answered (the warehouse refuses) */
	assert_int_equal(uses_for(t, u, &uses), 2);
	/* a user without EXECUTE on the function cannot name it */
	weir_error_clear(&e);
	snprintf(buf, sizeof buf, MASK, "hasTag('k')");
	memcpy(strstr(buf, "\"m\""), "\"o\"", 3);
	assert_null(policy_write(t, u, &sch, NULL, buf, &e));
	assert_int_equal(e.code, WEIR_E_NOT_FOUND);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_policies_delete(t->db, t->a, &sch, "n", &e), 0);
	assert_int_equal(weir_policies_delete(t->db, t->a, &sch, "n", &e), -1);
	assert_string_equal(uc_code(e), "RESOURCE_DOES_NOT_EXIST");
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	/* at most 100 on one securable ('m' is there: 99 more, then a refusal naming the field) */
	snprintf(buf, sizeof buf, MASK, "hasTag('k')");
	json_t *tmpl = json_loads(buf, 0, NULL);
	for (int i = 0; i <= 99; i++) {
		char nm[16];
		snprintf(nm, sizeof nm, "q%02d", i);
		json_object_set_new(tmpl, "name", json_string(nm));
		char *text = json_dumps(tmpl, JSON_COMPACT);
		weir_error_clear(&e);
		p = policy_write(t, admin, &sch, NULL, text, &e);
		free(text);
		if (i < 99) {
			assert_non_null(p);
			json_decref(p);
		} else {
			assert_null(p);
			assert_string_equal(e.field, "on_securable_fullname");
		}
	}
	json_decref(tmpl);
	/* a mask masks every column its alias matches, however many (40 here) */
	char cols[4096] = "";
	for (int i = 0; i < 40; i++)
		snprintf(cols + strlen(cols), sizeof cols - strlen(cols),
			 "%s{\"name\":\"c%d\",\"type_text\":\"STRING\",\"type_name\":\"STRING\",\"position\":%d}",
			 i ? "," : "", i, i);
	char tbl[5000];
	snprintf(tbl, sizeof tbl,
		 "{\"catalog_name\":\"pc\",\"schema_name\":\"s\",\"name\":\"wide\",\"table_type\":\"EXTERNAL\","
		 "\"data_source_format\":\"DELTA\",\"storage_location\":\"%s-ext/wide\",\"columns\":[%s]}",
		 t->dir, cols);
	json_decref(create(t, admin, WEIR_SEC_TABLE, WEIR_SEC_SCHEMA, "pc.s", tbl));
	for (int i = 0; i < 40; i++) {
		char col[64];
		snprintf(col, sizeof col, "pc.s.wide.c%d", i);
		json_decref(tag_put(t, "columns", col, "pii", "email"));
	}
	weir_securable wide;
	assert_int_equal(weir_gov_resolve(t->db, t->a, NULL, WEIR_SEC_TABLE, "pc.s.wide", &wide, &e), 0);
	snprintf(buf, sizeof buf, MASK, "hasTag('nowhere') OR NOT hasTag('nowhere')");
	memcpy(strstr(buf, "\"m\""), "\"w\"", 3);
	assert_non_null(p = policy_write(t, admin, &wide, NULL, buf, &e));
	json_decref(p);
	int masked = 0;
	int n = uses_on(t, "pc.s.wide", u, &uses);
	for (int i = 0; i < n; i++)
		masked += uses[i].column != NULL && strcmp(uses[i].policy, "w") == 0;
	assert_int_equal(masked, 40);
	test_env_free(t);
}

/* Governed tags: a policy's values bound the assignments of its key; only its creator or an
 * admin changes it; bad input names the field and writes nothing. */
static void test_tag_policies(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	mk_tree(t, "gt");
	weir_principal *admin = test_admin(t), *u = test_user(t, "someone");
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = json_loads("{\"tag_key\":\"tier\",\"values\":[{\"name\":\"gold\"},{\"name\":\"silver\"}]}", 0,
				  NULL);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	json_t *p = weir_tag_policy_create(t->db, t->a, admin, body, &e);
	assert_non_null(p);
	json_decref(p);
	assert_null(weir_tag_policy_create(t->db, t->a, admin, body, &e));
	assert_string_equal(uc_code(e), "RESOURCE_ALREADY_EXISTS");
	json_decref(body);
	weir_error_clear(&e);
	body = json_loads("{\"tag_key\":\"k\",\"values\":[{\"name\":\"a\"},{\"name\":\"a\"}]}", 0, NULL);
	assert_null(weir_tag_policy_create(t->db, t->a, admin, body, &e));
	assert_string_equal(e.field, "values[1].name");
	json_decref(body);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	weir_tag_entity ent;
	assert_int_equal(weir_tags_resolve(t->db, t->a, NULL, "catalogs", "gt", &ent, &e), 0);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	weir_error_clear(&e);
	assert_null(weir_tags_create(t->db, &ent, "tier", "bronze", "admin", &e));
	assert_string_equal(e.field, "tag_value");
	weir_error_clear(&e);
	assert_null(weir_tags_create(t->db, &ent, "tier", NULL, "admin", &e));
	assert_string_equal(e.field, "tag_value");
	json_t *a = weir_tags_create(t->db, &ent, "tier", "gold", "admin", &e);
	assert_non_null(a);
	json_decref(a);
	weir_error_clear(&e);
	assert_null(weir_tags_update(t->db, &ent, "tier", "tin", "admin", &e));
	assert_string_equal(e.field, "tag_value");
	/* someone else may not change or delete it; the admin may */
	weir_error_clear(&e);
	body = json_loads("{\"values\":[]}", 0, NULL);
	assert_null(weir_tag_policy_update(t->db, t->a, u, "tier", body, NULL, &e));
	assert_int_equal(e.code, WEIR_E_PERMISSION_DENIED);
	weir_error_clear(&e);
	assert_int_equal(weir_tag_policy_delete(t->db, t->a, u, "tier", &e), -1);
	assert_int_equal(e.code, WEIR_E_PERMISSION_DENIED);
	weir_error_clear(&e);
	assert_null(weir_tag_policy_update(t->db, t->a, admin, "tier", body, "tag_key", &e));
	assert_string_equal(e.field, "update_mask");
	p = weir_tag_policy_update(t->db, t->a, admin, "tier", body, "values", &e);
	assert_non_null(p);
	assert_int_equal(json_array_size(json_object_get(p, "values")), 0);
	json_decref(p);
	json_decref(body);
	a = weir_tags_update(t->db, &ent, "tier", "tin", "admin", &e); /* no values listed: any */
	assert_non_null(a);
	json_decref(a);
	assert_int_equal(weir_tag_policy_delete(t->db, t->a, admin, "tier", &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	assert_null(weir_tag_policy_get(t->db, t->a, "tier", &e));
	assert_string_equal(uc_code(e), "RESOURCE_DOES_NOT_EXIST");
	test_env_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_value_rules),
		cmocka_unit_test(test_entity_types),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_crud),
		cmocka_unit_test(test_limit_and_paging),
		cmocka_unit_test(test_cascade),
		cmocka_unit_test(test_search_visibility),
		cmocka_unit_test(test_apply_tag_rule),
		cmocka_unit_test(test_models_and_dotted_columns),
		cmocka_unit_test(test_audit_query),
		cmocka_unit_test(test_audit_transactional),
		cmocka_unit_test(test_policies),
		cmocka_unit_test(test_tag_policies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
