/* Unit tests of the Unity Catalog objects (governance/catalog.c, catalog_store.c) on a real
 * migrated database, driven through governance/catalog.h with the admin principal: name
 * rules, URL normalization, create/get/list/update/delete of every type, pagination,
 * renames, cascades, and that a failed call inside a write transaction leaves nothing. */
#include "testutil.h"

#include "core/json.h"
#include "core/util.h"
#include "governance/catalog_int.h"
#include "governance/grants.h"

/* ---------------------------------------------------------------- fixtures */

typedef struct fx {
	test_env *t;
	weir_principal *admin;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	f->t = test_env_new();
	f->admin = test_admin(f->t);
	assert_non_null(f->admin);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	weir_clock_set(NULL);
	weir_catalog_set_hook(NULL);
	test_env_free(f->t);
	free(f);
	return 0;
}

/* The parent a create of type t hangs under: the metastore, a catalog or a schema. */
static void parent_of(fx *f, weir_sec_type t, const char *parent_full, weir_securable *parent)
{
	weir_error e = WEIR_ERROR_INIT;
	if (t == WEIR_SEC_CATALOG || t == WEIR_SEC_CREDENTIAL || t == WEIR_SEC_EXTERNAL_LOCATION)
		assert_int_equal(weir_gov_metastore_securable(f->t->db, f->t->a, parent, &e), 0);
	else
		assert_int_equal(weir_gov_resolve(f->t->db, f->t->a, f->admin,
						  t == WEIR_SEC_SCHEMA ? WEIR_SEC_CATALOG : WEIR_SEC_SCHEMA,
						  parent_full, parent, &e),
				 0);
}

/* Creates in its own transaction, as the HTTP layer does: commit on success, rollback on
 * failure. Returns the info (caller decrefs) or NULL with *e filled. */
static json_t *try_create_as(fx *f, const weir_principal *p, weir_sec_type t, const char *parent_full, const char *json,
			     weir_error *e)
{
	weir_securable parent;
	parent_of(f, t, parent_full, &parent);
	json_error_t jerr;
	json_t *body = json_loads(json, 0, &jerr);
	if (body == NULL)
		fail_msg("bad test JSON: %s", jerr.text);
	assert_int_equal(weir_db_begin_write(f->t->db, e), 0);
	json_t *info = weir_catalog_create(f->t->db, f->t->a, p, t, &parent, body, e);
	if (info)
		assert_int_equal(weir_db_commit(f->t->db, e), 0);
	else
		weir_db_rollback(f->t->db);
	json_decref(body);
	return info;
}

static json_t *try_create(fx *f, weir_sec_type t, const char *parent_full, const char *json, weir_error *e)
{
	return try_create_as(f, f->admin, t, parent_full, json, e);
}

static json_t *create(fx *f, weir_sec_type t, const char *parent_full, const char *json)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *info = try_create(f, t, parent_full, json, &e);
	if (info == NULL)
		fail_msg("create failed: %s (%s)", e.message, e.field);
	return info;
}

static void mk(fx *f, weir_sec_type t, const char *parent_full, const char *json)
{
	json_decref(create(f, t, parent_full, json));
}

static int resolve(fx *f, weir_sec_type t, const char *full, weir_securable *s)
{
	weir_error e = WEIR_ERROR_INIT;
	return weir_gov_resolve(f->t->db, f->t->a, f->admin, t, full, s, &e);
}

static json_t *get(fx *f, weir_sec_type t, const char *full)
{
	weir_securable s;
	if (resolve(f, t, full, &s) != 0)
		return NULL;
	weir_error e = WEIR_ERROR_INIT;
	return weir_catalog_get(f->t->db, f->t->a, &s, false, false, &e);
}

static json_t *try_update(fx *f, weir_sec_type t, const char *full, const char *json, weir_error *e)
{
	weir_securable s;
	assert_int_equal(resolve(f, t, full, &s), 0);
	json_t *body = json_loads(json, 0, NULL);
	assert_non_null(body);
	assert_int_equal(weir_db_begin_write(f->t->db, e), 0);
	json_t *info = weir_catalog_update(f->t->db, f->t->a, f->admin, &s, body, e);
	if (info)
		assert_int_equal(weir_db_commit(f->t->db, e), 0);
	else
		weir_db_rollback(f->t->db);
	json_decref(body);
	return info;
}

static int try_delete(fx *f, weir_sec_type t, const char *full, bool force, weir_error *e)
{
	weir_securable s;
	assert_int_equal(resolve(f, t, full, &s), 0);
	assert_int_equal(weir_db_begin_write(f->t->db, e), 0);
	int rc = weir_catalog_delete(f->t->db, f->t->a, &s, force, e);
	if (rc == 0)
		assert_int_equal(weir_db_commit(f->t->db, e), 0);
	else
		weir_db_rollback(f->t->db);
	return rc;
}

static json_t *list(fx *f, weir_sec_type t, const char *parent_full, int64_t max, const char *token, weir_error *e)
{
	weir_securable parent;
	parent_of(f, t, parent_full, &parent);
	weir_page_req pg = {max, token};
	return weir_catalog_list(f->t->db, f->t->a, f->admin, t, &parent, &pg, "items", false, false, false, e);
}

static const char *str(json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }

static int64_t count_rows(fx *f, const char *sql)
{
	weir_stmt *st;
	assert_int_equal(weir_db_prepare(f->t->db, sql, &st), SQLITE_OK);
	assert_int_equal(weir_db_step(st), SQLITE_ROW);
	int64_t n = weir_db_col_i64(st, 0);
	weir_db_finalize(st);
	return n;
}

static int64_t fixed_now = 1700000000000;
static int64_t fixed_clock(void) { return fixed_now; }

/* e as UC's routes answer it (code and status), then its code and field checked. */
#define EXPECT_ERR(e, code_, field_)                                   \
	do {                                                           \
		weir_dialect_translate(WEIR_DIALECT_DATABRICKS, &(e)); \
		assert_string_equal(weir_code_name((e).code), #code_); \
		assert_string_equal((e).field, (field_));              \
	} while (0)

/* ---------------------------------------------------------------- names and URLs */

/* Proves the UC name rule: 1..255 of [A-Za-z0-9_@-], nothing else, errors naming the field. */
static void test_name_check(void **state)
{
	(void)state;
	weir_error e = WEIR_ERROR_INIT;
	char n255[256], n256[257];
	memset(n255, 'a', 255);
	n255[255] = '\0';
	memset(n256, 'a', 256);
	n256[256] = '\0';
	assert_int_equal(weir_gov_name_check("name", "ok_Name-1@x", &e), 0);
	assert_int_equal(weir_gov_name_check("name", n255, &e), 0);
	static const char *const bad[] = {"", "a.b", "a b", "a/b", "tab\t", "caf\xc3\xa9", "a\\b", "a'b", NULL};
	for (int i = 0; bad[i]; i++) {
		weir_error_clear(&e);
		assert_int_equal(weir_gov_name_check("new_name", bad[i], &e), -1);
		EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "new_name");
		assert_int_equal(e.status, 400);
	}
	assert_int_equal(weir_gov_name_check("name", n256, &e), -1);
	assert_int_equal(weir_gov_name_check("name", NULL, &e), -1);
}

/* Proves full names split into exactly the asked number of valid parts, and nothing else. */
static void test_split_full_name(void **state)
{
	fx *f = *state;
	weir_error e = WEIR_ERROR_INIT;
	const char *p[3] = {NULL, NULL, NULL};
	assert_int_equal(weir_gov_split_full_name(f->t->a, "full_name", "a.b.c", 3, p, &e), 0);
	assert_string_equal(p[0], "a");
	assert_string_equal(p[1], "b");
	assert_string_equal(p[2], "c");
	assert_int_equal(weir_gov_split_full_name(f->t->a, "full_name", "cat.sch", 2, p, &e), 0);
	assert_string_equal(p[1], "sch");
	static const struct {
		const char *s;
		int parts;
	} bad[] = {
		{"a.b", 3},  {"a.b.c.d", 3}, {"a.b.c", 2}, {"a", 2},     {"a..c", 3},
		{".b.c", 3}, {"a.b.", 3},    {"", 2},      {"a.b c", 2}, {"a.b", 1},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		weir_error_clear(&e);
		assert_int_equal(weir_gov_split_full_name(f->t->a, "full_name", bad[i].s, bad[i].parts, p, &e), -1);
		EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "full_name");
	}
	assert_int_equal(weir_gov_split_full_name(f->t->a, "full_name", NULL, 2, p, &e), -1);
}

/* Proves storage URLs normalize as UC does and unsafe or unsupported ones are refused. */
static void test_normalize_url(void **state)
{
	fx *f = *state;
	weir_arena *a = f->t->a;
	weir_error e = WEIR_ERROR_INIT;
	static const struct {
		const char *in, *out;
	} good[] = {
		{"/x//y/", "file:///x/y"},
		{"file:/x", "file:///x"},
		{"file:///x/y//", "file:///x/y"},
		{"/a/b.c/d..e", "file:///a/b.c/d..e"},
		{"s3://bucket/p", "s3://bucket/p"},
		{"S3://bucket//p/q/", "s3://bucket/p/q"},
		{"gs://b/x", "gs://b/x"},
		{"abfss://c@acct.dfs.core.windows.net/x", "abfss://c@acct.dfs.core.windows.net/x"},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const char *n = weir_catalog_normalize_url(a, "storage_location", good[i].in, &e);
		if (n == NULL)
			fail_msg("%s refused: %s", good[i].in, e.message);
		assert_string_equal(n, good[i].out);
	}
	static const char *const bad[] = {
		"s3://bucket",   "s3://bucket/", "s3:///x",     "ftp://h/x", "http://h/x",  "/x/../y",       "/x/..",
		"/x/./y",        "/x/.",         "s3://b/../c", "s3://../x", "/x/%2e%2e/y", "relative/path", "file:rel",
		"file://host/x", "file:///",     "/",           "",          "://x",        "/x\ny",         NULL,
	};
	for (int i = 0; bad[i]; i++) {
		weir_error_clear(&e);
		if (weir_catalog_normalize_url(a, "storage_root", bad[i], &e) != NULL)
			fail_msg("'%s' was accepted", bad[i]);
		EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "storage_root");
	}
	assert_null(weir_catalog_normalize_url(a, "storage_root", NULL, &e));
}

/* Proves page sizes default to 100, clamp to 1000, and a negative max_results is a 400. */
static void test_page_size(void **state)
{
	(void)state;
	weir_error e = WEIR_ERROR_INIT;
	int size = 0;
	weir_page_req pg = {0, NULL};
	assert_int_equal(weir_catalog_page_size(&pg, &size, &e), 0);
	assert_int_equal(size, 100);
	pg.max_results = 7;
	assert_int_equal(weir_catalog_page_size(&pg, &size, &e), 0);
	assert_int_equal(size, 7);
	pg.max_results = 1000000;
	assert_int_equal(weir_catalog_page_size(&pg, &size, &e), 0);
	assert_int_equal(size, 1000);
	pg.max_results = -1;
	assert_int_equal(weir_catalog_page_size(&pg, &size, &e), -1);
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "max_results");
}

/* ---------------------------------------------------------------- CRUD per type */

/* Proves a catalog round-trips: create fills ids, owner and times; get equals create; list,
 * comment/properties update and delete work; a duplicate is CATALOG_ALREADY_EXISTS. */
static void test_catalog_crud(void **state)
{
	fx *f = *state;
	weir_clock_set(fixed_clock);
	json_t *c = create(f, WEIR_SEC_CATALOG, NULL,
			   "{\"name\":\"main\",\"comment\":\"c\",\"properties\":{\"k\":\"v\"}}");
	assert_string_equal(str(c, "name"), "main");
	assert_string_equal(str(c, "full_name"), "main");
	assert_string_equal(str(c, "owner"), "admin");
	assert_string_equal(str(c, "comment"), "c");
	assert_string_equal(str(json_object_get(c, "properties"), "k"), "v");
	assert_int_equal(json_integer_value(json_object_get(c, "created_at")), fixed_now);
	assert_int_equal(strlen(str(c, "id")), 36);
	json_t *g = get(f, WEIR_SEC_CATALOG, "main");
	assert_true(json_equal(c, g));
	json_decref(g);

	weir_error e = WEIR_ERROR_INIT;
	assert_null(try_create(f, WEIR_SEC_CATALOG, NULL, "{\"name\":\"main\"}", &e));
	EXPECT_ERR(e, CATALOG_ALREADY_EXISTS, "");
	assert_int_equal(e.status, 400);

	fixed_now += 1000;
	json_t *u = try_update(f, WEIR_SEC_CATALOG, "main", "{\"comment\":\"c2\",\"properties\":{\"z\":\"1\"}}", &e);
	assert_non_null(u);
	assert_string_equal(str(u, "comment"), "c2");
	assert_null(json_object_get(json_object_get(u, "properties"), "k"));
	assert_string_equal(str(json_object_get(u, "properties"), "z"), "1");
	assert_int_equal(json_integer_value(json_object_get(u, "updated_at")), fixed_now);
	assert_string_equal(str(u, "id"), str(c, "id"));
	json_decref(u);

	json_t *l = list(f, WEIR_SEC_CATALOG, NULL, 0, NULL, &e);
	assert_int_equal(json_array_size(json_object_get(l, "items")), 1);
	assert_null(json_object_get(l, "next_page_token"));
	json_decref(l);

	assert_int_equal(try_delete(f, WEIR_SEC_CATALOG, "main", false, &e), 0);
	weir_securable s;
	assert_int_equal(resolve(f, WEIR_SEC_CATALOG, "main", &s), -1);
	json_decref(c);
}

/* Proves schemas, tables, volumes and functions create, read back with their full names,
 * list in name order and delete, each with its own duplicate and not-found codes. */
static void test_children_crud(void **state)
{
	fx *f = *state;
	mk(f, WEIR_SEC_CATALOG, NULL, "{\"name\":\"c\"}");
	json_t *s = create(f, WEIR_SEC_SCHEMA, "c", "{\"name\":\"s\",\"catalog_name\":\"c\",\"comment\":\"sc\"}");
	assert_string_equal(str(s, "full_name"), "c.s");
	assert_string_equal(str(s, "catalog_name"), "c");
	assert_non_null(str(s, "schema_id"));

	json_t *t = create(f, WEIR_SEC_TABLE, "c.s",
			   "{\"name\":\"t\",\"table_type\":\"EXTERNAL\",\"data_source_format\":\"DELTA\","
			   "\"storage_location\":\"/tmp/weir-unit-ext/t/\",\"columns\":["
			   "{\"name\":\"id\",\"type_text\":\"BIGINT\",\"type_name\":\"LONG\",\"nullable\":false,"
			   "\"type_json\":\"{\\\"name\\\":\\\"id\\\",\\\"type\\\":\\\"long\\\",\\\"nullable\\\":false,"
			   "\\\"metadata\\\":{}}\"}]}");
	assert_string_equal(str(t, "full_name"), "c.s.t");
	assert_string_equal(str(t, "table_type"), "EXTERNAL");
	assert_string_equal(str(t, "storage_location"), "file:///tmp/weir-unit-ext/t");
	json_t *col = json_array_get(json_object_get(t, "columns"), 0);
	assert_string_equal(str(col, "type_text"), "bigint");
	assert_true(json_is_false(json_object_get(col, "nullable")));
	json_t *g = get(f, WEIR_SEC_TABLE, "c.s.t");
	assert_true(json_equal(t, g));
	json_decref(g);

	json_t *v = create(f, WEIR_SEC_VOLUME, "c.s",
			   "{\"name\":\"v\",\"volume_type\":\"MANAGED\",\"properties\":{\"x\":1}}");
	assert_int_equal(json_object_size(json_object_get(v, "properties")), 0);
	assert_string_equal(str(v, "full_name"), "c.s.v");
	char *want = weir_arena_printf(f->t->a, "file://%s/volumes/%s", f->t->dir, str(v, "volume_id"));
	assert_string_equal(str(v, "storage_location"), want);

	json_t *fn = create(f, WEIR_SEC_FUNCTION, "c.s",
			    "{\"function_info\":{\"name\":\"fn\",\"catalog_name\":\"c\",\"schema_name\":\"s\","
			    "\"data_type\":\"INT\",\"full_data_type\":\"int\",\"routine_body\":\"SQL\","
			    "\"routine_definition\":\"1\",\"properties\":\"{\\\"a\\\":\\\"b\\\"}\","
			    "\"input_params\":{\"parameters\":[]}}}");
	assert_string_equal(str(fn, "properties"), "{\"a\":\"b\"}");
	assert_string_equal(str(fn, "full_name"), "c.s.fn");
	assert_string_equal(str(fn, "routine_definition"), "1");
	assert_string_equal(str(fn, "specific_name"), "fn");
	assert_string_equal(str(fn, "security_type"), "DEFINER");

	weir_error e = WEIR_ERROR_INIT;
	assert_null(try_create(f, WEIR_SEC_SCHEMA, "c", "{\"name\":\"s\"}", &e));
	EXPECT_ERR(e, SCHEMA_ALREADY_EXISTS, "");
	assert_null(try_create(f, WEIR_SEC_TABLE, "c.s",
			       "{\"name\":\"t\",\"table_type\":\"VIEW\",\"view_definition\":\"x\"}", &e));
	EXPECT_ERR(e, TABLE_ALREADY_EXISTS, "");
	assert_null(try_create(f, WEIR_SEC_VOLUME, "c.s", "{\"name\":\"v\",\"volume_type\":\"MANAGED\"}", &e));
	EXPECT_ERR(e, RESOURCE_ALREADY_EXISTS, "");
	assert_int_equal(e.status, 400);
	assert_null(try_create(f, WEIR_SEC_FUNCTION, "c.s",
			       "{\"function_info\":{\"name\":\"fn\",\"data_type\":\"INT\",\"full_data_type\":\"int\","
			       "\"routine_body\":\"SQL\"}}",
			       &e));
	EXPECT_ERR(e, RESOURCE_ALREADY_EXISTS, "");

	weir_securable x;
	weir_error ne = WEIR_ERROR_INIT;
	assert_int_equal(weir_gov_resolve(f->t->db, f->t->a, f->admin, WEIR_SEC_TABLE, "c.s.nope", &x, &ne), -1);
	EXPECT_ERR(ne, TABLE_NOT_FOUND, "");
	assert_int_equal(weir_gov_resolve(f->t->db, f->t->a, f->admin, WEIR_SEC_VOLUME, "c.s.nope", &x, &ne), -1);
	EXPECT_ERR(ne, NOT_FOUND, "");
	assert_int_equal(weir_gov_resolve(f->t->db, f->t->a, f->admin, WEIR_SEC_TABLE, "c.nope.t", &x, &ne), -1);
	EXPECT_ERR(ne, SCHEMA_NOT_FOUND, "");

	assert_int_equal(try_delete(f, WEIR_SEC_TABLE, "c.s.t", false, &e), 0);
	assert_int_equal(try_delete(f, WEIR_SEC_VOLUME, "c.s.v", false, &e), 0);
	assert_int_equal(try_delete(f, WEIR_SEC_FUNCTION, "c.s.fn", false, &e), 0);
	assert_int_equal(try_delete(f, WEIR_SEC_SCHEMA, "c.s", false, &e), 0);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM table_columns"), 0);
	json_decref(s);
	json_decref(t);
	json_decref(v);
	json_decref(fn);
}

/* Proves the table rules: EXTERNAL needs a location, MANAGED gets the data dir or the
 * schema/catalog managed storage, views need a definition and no location, and bad columns
 * are refused naming columns[i].<field>. */
static void test_table_rules(void **state)
{
	fx *f = *state;
	mk(f, WEIR_SEC_CATALOG, NULL, "{\"name\":\"c\",\"storage_root\":\"/tmp/weir-unit-root\"}");
	mk(f, WEIR_SEC_SCHEMA, "c", "{\"name\":\"s\"}");
	weir_error e = WEIR_ERROR_INIT;
	static const struct {
		const char *json, *code, *field;
	} bad[] = {
		{"{\"name\":\"x\",\"table_type\":\"EXTERNAL\"}", "INVALID_PARAMETER_VALUE", "storage_location"},
		{"{\"name\":\"x\",\"table_type\":\"EXTERNAL\",\"storage_location\":\"s3://b\"}",
		 "INVALID_PARAMETER_VALUE", "storage_location"},
		{"{\"name\":\"x\",\"table_type\":\"EXTERNAL\",\"storage_location\":\"/tmp/weir-unit-root/"
		 "__unitystorage/x\"}",
		 "INVALID_PARAMETER_VALUE", "storage_location"},
		{"{\"name\":\"x\",\"table_type\":\"MANAGED\",\"storage_location\":\"/tmp/x\"}",
		 "INVALID_PARAMETER_VALUE", "storage_location"},
		{"{\"name\":\"x\",\"table_type\":\"MANAGED\",\"data_source_format\":\"CSV\"}",
		 "INVALID_PARAMETER_VALUE", "data_source_format"},
		{"{\"name\":\"x\",\"table_type\":\"VIEW\"}", "INVALID_PARAMETER_VALUE", "view_definition"},
		{"{\"name\":\"x\",\"table_type\":\"VIEW\",\"view_definition\":\"v\",\"storage_location\":\"/tmp/x\"}",
		 "INVALID_PARAMETER_VALUE", "storage_location"},
		{"{\"name\":\"x\",\"table_type\":\"EXTERNAL\",\"storage_location\":\"/tmp/"
		 "x\",\"view_definition\":\"v\"}",
		 "INVALID_PARAMETER_VALUE", "view_definition"},
		{"{\"name\":\"x\",\"table_type\":\"STREAMING_TABLE\"}", "INVALID_PARAMETER_VALUE", "table_type"},
		{"{\"name\":\"x\",\"table_type\":\"VIEW\",\"view_definition\":\"v\",\"view_dependencies\":{"
		 "\"dependencies\":[{\"table\":{\"table_full_name\":\"c.s.missing\"}}]}}",
		 "TABLE_NOT_FOUND", ""},
		{"{\"name\":\"x\",\"table_type\":\"VIEW\",\"view_definition\":\"v\",\"view_dependencies\":{"
		 "\"dependencies\":[{\"function\":{\"function_full_name\":\"c.s.missing\"}}]}}",
		 "NOT_FOUND", ""},
		{"{\"name\":\"x\",\"table_type\":\"METRIC_VIEW\",\"view_definition\":\"v\"}", "INVALID_PARAMETER_VALUE",
		 "view_dependencies"},
		{"{\"name\":\"x\",\"table_type\":\"VIEW\",\"view_definition\":\"v\",\"columns\":\"x\"}",
		 "INVALID_PARAMETER_VALUE", "columns"},
		{"{\"name\":\"x\",\"table_type\":\"VIEW\",\"view_definition\":\"v\",\"columns\":[{\"name\":\"a\","
		 "\"type_json\":\"{}\"}]}",
		 "INVALID_PARAMETER_VALUE", "columns[0].type_json"},
		{"{\"name\":\"x\",\"table_type\":\"VIEW\",\"view_definition\":\"v\",\"columns\":[{\"name\":\"a\"},{"
		 "\"name\":\"a\"}]}",
		 "INVALID_PARAMETER_VALUE", "columns[1].name"},
		{"{\"name\":\"x\",\"table_type\":\"VIEW\",\"view_definition\":\"v\",\"columns\":[{\"name\":\"a\","
		 "\"type_precision\":\"p\"}]}",
		 "INVALID_PARAMETER_VALUE", "columns[0].type_precision"},
		{"{\"name\":\"x.y\",\"table_type\":\"VIEW\",\"view_definition\":\"v\"}", "INVALID_PARAMETER_VALUE",
		 "name"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		weir_error_clear(&e);
		json_t *info = try_create(f, WEIR_SEC_TABLE, "c.s", bad[i].json, &e);
		if (info != NULL)
			fail_msg("accepted: %s", bad[i].json);
		if (strcmp(uc_code(e), bad[i].code) != 0 || strcmp(e.field, bad[i].field) != 0)
			fail_msg("%s: got %s field '%s' (%s)", bad[i].json, uc_code(e), e.field, e.message);
	}
	assert_int_equal(count_rows(f, "SELECT count(*) FROM securables WHERE type = 'table'"), 0);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM table_columns"), 0);

	json_t *cat = get(f, WEIR_SEC_CATALOG, "c");
	json_t *m = create(f, WEIR_SEC_TABLE, "c.s", "{\"name\":\"m\",\"table_type\":\"MANAGED\"}");
	char *want = weir_arena_printf(f->t->a, "%s/tables/%s", str(cat, "storage_location"), str(m, "table_id"));
	assert_string_equal(str(m, "storage_location"), want);
	assert_string_equal(str(m, "data_source_format"), "DELTA");
	json_t *v = create(f, WEIR_SEC_TABLE, "c.s",
			   "{\"name\":\"v\",\"table_type\":\"VIEW\",\"view_definition\":\"select * from c.s.m\","
			   "\"view_dependencies\":{\"dependencies\":[{\"table\":{\"table_full_name\":\"c.s.m\"}}]}}");
	assert_null(json_object_get(v, "storage_location"));
	assert_string_equal(str(v, "view_definition"), "select * from c.s.m");
	assert_non_null(json_object_get(v, "view_dependencies"));
	json_decref(cat);
	json_decref(m);
	json_decref(v);
}

/* Grants privs (a JSON array) on securable full of type t to p, as PATCH permissions does. */
static void grant(fx *f, weir_sec_type t, const char *full, const weir_principal *p, const char *privs)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	assert_int_equal(resolve(f, t, full, &s), 0);
	json_t *changes = json_pack("[{s:s, s:o}]", "principal", p->name, "add", json_loads(privs, 0, NULL));
	assert_int_equal(weir_db_begin_write(f->t->db, &e), 0);
	json_t *out = weir_grants_update(f->t->db, f->t->a, f->admin, &s, changes, &e);
	if (out == NULL)
		fail_msg("grant %s on %s: %s", privs, full, e.message);
	assert_int_equal(weir_db_commit(f->t->db, &e), 0);
	json_decref(out);
	json_decref(changes);
}

/* Storage credentials and external locations: a credential's identity (one, its required
 * members, secrets never kept), a location's url (no overlap) and credential, what blocks a
 * delete, and what a location governs (EXTERNAL tables under it, path credentials). Every
 * refusal writes nothing. */
static void test_storage_locations(void **state)
{
	fx *f = *state;
	struct {
		const char *json, *field;
	} bad_creds[] = {
		{"{\"name\":\"c1\"}", "aws_iam_role"},
		{"{\"name\":\"c1\",\"aws_iam_role\":{}}", "aws_iam_role.role_arn"},
		{"{\"name\":\"c1\",\"aws_iam_role\":{\"role_arn\":\"\"}}", "aws_iam_role.role_arn"},
		{"{\"name\":\"c1\",\"aws_iam_role\":{\"role_arn\":\"r\"},\"azure_managed_identity\":"
		 "{\"access_connector_id\":\"x\"}}",
		 "azure_managed_identity"},
		{"{\"name\":\"c1\",\"azure_service_principal\":{\"directory_id\":\"d\",\"application_id\":\"a\"}}",
		 "azure_service_principal.client_secret"},
		{"{\"name\":\"c1\",\"purpose\":\"SERVICE\",\"aws_iam_role\":{\"role_arn\":\"r\"}}", "purpose"},
		{"{\"name\":\"c1\",\"read_only\":\"yes\",\"aws_iam_role\":{\"role_arn\":\"r\"}}", "read_only"},
		{"{\"name\":\"c.1\",\"aws_iam_role\":{\"role_arn\":\"r\"}}", "name"},
	};
	for (size_t i = 0; i < sizeof(bad_creds) / sizeof(bad_creds[0]); i++) {
		weir_error e = WEIR_ERROR_INIT;
		if (try_create(f, WEIR_SEC_CREDENTIAL, NULL, bad_creds[i].json, &e) != NULL)
			fail_msg("accepted: %s", bad_creds[i].json);
		if (strcmp(uc_code(e), "INVALID_PARAMETER_VALUE") != 0 || strcmp(e.field, bad_creds[i].field) != 0)
			fail_msg("%s: got %s field '%s' (%s)", bad_creds[i].json, uc_code(e), e.field, e.message);
	}
	assert_int_equal(count_rows(f, "SELECT count(*) FROM securables WHERE type = 'storage_credential'"), 0);

	json_t *c = create(f, WEIR_SEC_CREDENTIAL, NULL,
			   "{\"name\":\"c1\",\"azure_service_principal\":{\"directory_id\":\"d\",\"application_id\":"
			   "\"a\",\"client_secret\":\"S3CR3T\"}}");
	assert_string_equal(str(c, "purpose"), "STORAGE");
	assert_string_equal(str(json_object_get(c, "azure_service_principal"), "directory_id"), "d");
	assert_null(json_object_get(json_object_get(c, "azure_service_principal"), "client_secret"));
	json_decref(c);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM securables WHERE spec LIKE '%S3CR3T%'"), 0);
	c = create(f, WEIR_SEC_CREDENTIAL, NULL, "{\"name\":\"c2\",\"aws_iam_role\":{\"role_arn\":\"arn:r\"}}");
	assert_int_equal(strlen(str(json_object_get(c, "aws_iam_role"), "external_id")), 36);
	json_decref(c);
	weir_error e = WEIR_ERROR_INIT;
	assert_null(try_create(f, WEIR_SEC_CREDENTIAL, NULL, "{\"name\":\"c2\",\"aws_iam_role\":{\"role_arn\":\"r\"}}",
			       &e));
	assert_string_equal(uc_code(e), "STORAGE_CREDENTIAL_ALREADY_EXISTS");

	json_t *l = create(f, WEIR_SEC_EXTERNAL_LOCATION, NULL,
			   "{\"name\":\"l1\",\"url\":\"file:///lake//l1/\",\"credential_name\":\"c1\"}");
	assert_string_equal(str(l, "url"), "file:///lake/l1");
	assert_string_equal(str(l, "credential_name"), "c1");
	json_decref(l);
	struct {
		const char *json, *code, *field;
	} bad_locs[] = {
		{"{\"name\":\"l2\",\"url\":\"file:///lake/l1\",\"credential_name\":\"c1\"}", "INVALID_PARAMETER_VALUE",
		 "url"},
		{"{\"name\":\"l2\",\"url\":\"file:///lake/l1/in\",\"credential_name\":\"c1\"}",
		 "INVALID_PARAMETER_VALUE", "url"},
		{"{\"name\":\"l2\",\"url\":\"file:///lake\",\"credential_name\":\"c1\"}", "INVALID_PARAMETER_VALUE",
		 "url"},
		{"{\"name\":\"l2\",\"url\":\"file:///lake/l2\",\"credential_name\":\"nope\"}", "NOT_FOUND", ""},
		{"{\"name\":\"l2\",\"url\":\"file:///lake/l2\"}", "INVALID_PARAMETER_VALUE", "credential_name"},
		{"{\"name\":\"l1\",\"url\":\"file:///lake/l2\",\"credential_name\":\"c1\"}",
		 "EXTERNAL_LOCATION_ALREADY_EXISTS", ""},
	};
	for (size_t i = 0; i < sizeof(bad_locs) / sizeof(bad_locs[0]); i++) {
		weir_error_clear(&e);
		if (try_create(f, WEIR_SEC_EXTERNAL_LOCATION, NULL, bad_locs[i].json, &e) != NULL)
			fail_msg("accepted: %s", bad_locs[i].json);
		if (strcmp(uc_code(e), bad_locs[i].code) != 0 || strcmp(e.field, bad_locs[i].field) != 0)
			fail_msg("%s: got %s field '%s' (%s)", bad_locs[i].json, uc_code(e), e.field, e.message);
	}
	assert_int_equal(count_rows(f, "SELECT count(*) FROM securables WHERE type = 'external_location'"), 1);

	/* a user who may create tables in c.s, but holds nothing on the location */
	weir_principal *u = test_user(f->t, "builder");
	mk(f, WEIR_SEC_CATALOG, NULL, "{\"name\":\"c\"}");
	mk(f, WEIR_SEC_SCHEMA, "c", "{\"name\":\"s\",\"catalog_name\":\"c\"}");
	grant(f, WEIR_SEC_CATALOG, "c", u, "[\"USE_CATALOG\"]");
	grant(f, WEIR_SEC_SCHEMA, "c.s", u, "[\"USE_SCHEMA\", \"CREATE_TABLE\"]");
	const char *under = "{\"name\":\"t\",\"table_type\":\"EXTERNAL\",\"data_source_format\":\"DELTA\","
			    "\"storage_location\":\"file:///lake/l1/t\"}";
	weir_error_clear(&e);
	assert_null(try_create_as(f, u, WEIR_SEC_TABLE, "c.s", under, &e));
	assert_int_equal(e.code, WEIR_E_PERMISSION_DENIED);
	assert_null(strstr(e.message, "l1'")); /* a location the caller cannot see is not named */
	/* a schema's managed storage under the location needs CREATE MANAGED STORAGE on it */
	grant(f, WEIR_SEC_CATALOG, "c", u, "[\"CREATE_SCHEMA\"]");
	const char *rooted = "{\"name\":\"r\",\"catalog_name\":\"c\",\"storage_root\":\"file:///lake/l1/r\"}";
	weir_error_clear(&e);
	assert_null(try_create_as(f, u, WEIR_SEC_SCHEMA, "c", rooted, &e));
	assert_int_equal(e.code, WEIR_E_PERMISSION_DENIED);
	assert_non_null(strstr(e.message, "CREATE MANAGED STORAGE"));
	grant(f, WEIR_SEC_EXTERNAL_LOCATION, "l1", u, "[\"CREATE_MANAGED_STORAGE\"]");
	weir_error_clear(&e);
	json_t *schema = try_create_as(f, u, WEIR_SEC_SCHEMA, "c", rooted, &e);
	if (schema == NULL)
		fail_msg("refused with CREATE MANAGED STORAGE: %s", e.message);
	json_decref(schema);
	weir_error_clear(&e);
	json_t *outside = try_create_as(f, u, WEIR_SEC_TABLE, "c.s", /* under no location: as before */
					"{\"name\":\"o\",\"table_type\":\"EXTERNAL\",\"data_source_format\":\"DELTA\","
					"\"storage_location\":\"file:///other/o\"}",
					&e);
	assert_non_null(outside);
	json_decref(outside);
	weir_securable loc;
	assert_int_equal(resolve(f, WEIR_SEC_EXTERNAL_LOCATION, "l1", &loc), 0);
	/* path credentials: nothing on the location, then READ FILES, then WRITE FILES too */
	weir_error_clear(&e);
	assert_int_equal(weir_storage_path_check(f->t->db, f->t->a, u, "file:///lake/l1/x", false, false, &e), -1);
	assert_int_equal(e.code, WEIR_E_PERMISSION_DENIED);
	grant(f, WEIR_SEC_EXTERNAL_LOCATION, "l1", u, "[\"READ_FILES\", \"CREATE_EXTERNAL_TABLE\"]");
	weir_error_clear(&e);
	assert_int_equal(weir_storage_path_check(f->t->db, f->t->a, u, "file:///lake/l1/x", false, false, &e), 0);
	assert_int_equal(weir_storage_path_check(f->t->db, f->t->a, u, "file:///lake/l1/x", true, false, &e), -1);
	assert_int_equal(e.code, WEIR_E_PERMISSION_DENIED);
	weir_error_clear(&e);
	assert_int_equal(weir_storage_path_check(f->t->db, f->t->a, u, "file:///lake/l1", false, true, &e), 0);
	assert_int_equal(weir_storage_path_check(f->t->db, f->t->a, u, "file:///lake/l10", false, false, &e), -1);
	weir_error_clear(&e);
	json_t *t = try_create_as(f, u, WEIR_SEC_TABLE, "c.s", under, &e);
	if (t == NULL)
		fail_msg("refused with CREATE EXTERNAL TABLE: %s", e.message);
	json_decref(t);
	/* the table's files are its own privileges' business, at, inside or above its path */
	const char *overlaps[] = {"file:///lake/l1/t", "file:///lake/l1/t/part", "file:///lake/l1"};
	for (size_t i = 0; i < 3; i++) {
		weir_error_clear(&e);
		assert_int_equal(weir_storage_path_check(f->t->db, f->t->a, u, overlaps[i], false, false, &e), -1);
		assert_non_null(strstr(e.message, "overlaps the storage of a table"));
	}
	assert_int_equal(weir_storage_path_check(f->t->db, f->t->a, u, "file:///lake/l1/tx", false, false, &e), 0);

	/* deletes: the credential is used, the location has a table under it */
	weir_securable cred;
	assert_int_equal(resolve(f, WEIR_SEC_CREDENTIAL, "c1", &cred), 0);
	weir_error_clear(&e);
	assert_int_equal(weir_catalog_delete(f->t->db, f->t->a, &cred, false, &e), -1);
	assert_int_equal(e.code, WEIR_E_FAILED_PRECONDITION);
	weir_error_clear(&e);
	assert_int_equal(weir_catalog_delete(f->t->db, f->t->a, &loc, false, &e), -1);
	assert_int_equal(e.code, WEIR_E_FAILED_PRECONDITION);
	weir_error_clear(&e);
	assert_int_equal(weir_db_begin_write(f->t->db, &e), 0);
	assert_int_equal(weir_catalog_delete(f->t->db, f->t->a, &cred, true, &e), 0);
	assert_int_equal(weir_db_commit(f->t->db, &e), 0);
	json_t *after = get(f, WEIR_SEC_EXTERNAL_LOCATION, "l1");
	assert_null(json_object_get(after, "credential_name")); /* force: the location keeps no credential */
	json_decref(after);
}

/* Proves volume rules: MANAGED refuses a location and gets one, EXTERNAL needs a valid one. */
/* Temporary credentials: the operation's words per kind, and what each kind of table and
 * volume answers (url for EXTERNAL file://, FAILED_PRECONDITION otherwise). */
static void test_temporary_credentials(void **state)
{
	fx *f = *state;
	weir_error e = WEIR_ERROR_INIT;
	bool write = true;
	assert_int_equal(weir_catalog_credential_operation(WEIR_SEC_TABLE, "READ", &write, &e), 0);
	assert_false(write);
	assert_int_equal(weir_catalog_credential_operation(WEIR_SEC_TABLE, "READ_WRITE", &write, &e), 0);
	assert_true(write);
	assert_int_equal(weir_catalog_credential_operation(WEIR_SEC_VOLUME, "WRITE_VOLUME", &write, &e), 0);
	const char *bad[][2] = {{"t", "UNKNOWN_TABLE_OPERATION"}, {"t", "READ_VOLUME"}, {"v", "READ"}, {"v", NULL}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		weir_error b = WEIR_ERROR_INIT;
		assert_int_equal(weir_catalog_credential_operation(
					 bad[i][0][0] == 'v' ? WEIR_SEC_VOLUME : WEIR_SEC_TABLE, bad[i][1], &write, &b),
				 -1);
		assert_int_equal(b.code, WEIR_E_INVALID_PARAMETER_VALUE);
		assert_string_equal(b.field, "operation");
	}
	/* the one answer of every temporary credential: file:// outside Weir's storage, else 400 */
	json_t *vend = weir_catalog_vend("model version", "c.s.m/1", "file:///lake/m", &e);
	assert_string_equal(json_string_value(json_object_get(vend, "url")), "file:///lake/m");
	json_decref(vend);
	const char *refused[] = {weir_arena_printf(f->t->a, "file://%s/models/x", weir_catalog_data_dir()),
				 weir_arena_printf(f->t->a, "file://%s", weir_catalog_data_dir()), "s3://b/m", NULL};
	for (int i = 0; i < 4; i++) {
		weir_error ve = WEIR_ERROR_INIT;
		assert_null(weir_catalog_vend("model version", "c.s.m/1", refused[i], &ve));
		assert_int_equal(ve.code, WEIR_E_FAILED_PRECONDITION);
	}
	vend = weir_catalog_vend("path", "p", weir_arena_printf(f->t->a, "file://%sx/y", weir_catalog_data_dir()), &e);
	assert_non_null(vend); /* a sibling of the data directory is not inside it */
	json_decref(vend);
	assert_int_equal(weir_catalog_credential_operation(WEIR_SEC_MODEL, "READ_WRITE_MODEL_VERSION", &write, &e), 0);
	assert_true(write);
	json_t *path = weir_catalog_path_credentials(f->t->db, f->t->a, f->admin, "file:///lake//p/",
						     "PATH_CREATE_TABLE", &e);
	assert_non_null(path);
	assert_string_equal(json_string_value(json_object_get(path, "url")), "file:///lake/p");
	json_decref(path);
	weir_error pe = WEIR_ERROR_INIT;
	assert_null(weir_catalog_path_credentials(f->t->db, f->t->a, f->admin, "gs://b/p", "PATH_READ", &pe));
	assert_int_equal(pe.code, WEIR_E_FAILED_PRECONDITION);
	weir_error_clear(&pe);
	assert_null(weir_catalog_path_credentials(f->t->db, f->t->a, f->admin, "file:///lake", "UNKNOWN_PATH_OPERATION",
						  &pe));
	assert_string_equal(pe.field, "operation");
	mk(f, WEIR_SEC_CATALOG, NULL, "{\"name\":\"c\"}");
	mk(f, WEIR_SEC_SCHEMA, "c", "{\"name\":\"s\",\"catalog_name\":\"c\"}");
	mk(f, WEIR_SEC_TABLE, "c.s",
	   "{\"name\":\"ext\",\"table_type\":\"EXTERNAL\",\"data_source_format\":\"DELTA\","
	   "\"storage_location\":\"file:///lake//t/\"}");
	mk(f, WEIR_SEC_TABLE, "c.s",
	   "{\"name\":\"cloud\",\"table_type\":\"EXTERNAL\",\"data_source_format\":\"DELTA\","
	   "\"storage_location\":\"abfss://c@acct.dfs.core.windows.net/t\"}");
	mk(f, WEIR_SEC_TABLE, "c.s", "{\"name\":\"m\",\"table_type\":\"MANAGED\",\"data_source_format\":\"DELTA\"}");
	mk(f, WEIR_SEC_VOLUME, "c.s",
	   "{\"name\":\"v\",\"volume_type\":\"EXTERNAL\",\"storage_location\":\"file:///lake/v\"}");
	struct {
		weir_sec_type t;
		const char *name, *url, *why;
	} cases[] = {
		{WEIR_SEC_TABLE, "c.s.ext", "file:///lake/t", NULL},
		{WEIR_SEC_VOLUME, "c.s.v", "file:///lake/v", NULL},
		{WEIR_SEC_TABLE, "c.s.cloud", NULL, "not for abfss storage"},
		{WEIR_SEC_TABLE, "c.s.m", NULL, "is MANAGED"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		weir_securable s;
		assert_int_equal(resolve(f, cases[i].t, cases[i].name, &s), 0);
		weir_error ce = WEIR_ERROR_INIT;
		json_t *out = weir_catalog_temporary_credentials(f->t->db, f->t->a, &s, &ce);
		if (cases[i].url) {
			assert_non_null(out);
			assert_string_equal(json_string_value(json_object_get(out, "url")), cases[i].url);
			assert_int_equal(json_object_size(out), 1); /* no cloud credential, no expiry */
			json_decref(out);
		} else {
			assert_null(out);
			assert_int_equal(ce.code, WEIR_E_FAILED_PRECONDITION);
			assert_non_null(strstr(ce.message, cases[i].why));
		}
	}
}

static void test_volume_rules(void **state)
{
	fx *f = *state;
	mk(f, WEIR_SEC_CATALOG, NULL, "{\"name\":\"c\"}");
	json_t *s = create(f, WEIR_SEC_SCHEMA, "c", "{\"name\":\"s\",\"storage_root\":\"s3://bucket/root\"}");
	weir_error e = WEIR_ERROR_INIT;
	assert_null(try_create(f, WEIR_SEC_VOLUME, "c.s",
			       "{\"name\":\"v\",\"volume_type\":\"MANAGED\",\"storage_location\":\"/x\"}", &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "storage_location");
	assert_null(try_create(f, WEIR_SEC_VOLUME, "c.s", "{\"name\":\"v\",\"volume_type\":\"EXTERNAL\"}", &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "storage_location");
	assert_null(try_create(f, WEIR_SEC_VOLUME, "c.s",
			       "{\"name\":\"v\",\"volume_type\":\"EXTERNAL\",\"storage_location\":\"gs://b\"}", &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "storage_location");
	assert_null(try_create(f, WEIR_SEC_VOLUME, "c.s", "{\"name\":\"v\"}", &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "volume_type");
	json_t *m = create(f, WEIR_SEC_VOLUME, "c.s", "{\"name\":\"m\",\"volume_type\":\"MANAGED\"}");
	char *want = weir_arena_printf(f->t->a, "%s/volumes/%s", str(s, "storage_location"), str(m, "volume_id"));
	assert_string_equal(str(m, "storage_location"), want);
	assert_true(strncmp(want, "s3://bucket/root/__unitystorage/schemas/", 40) == 0);
	json_t *x = create(f, WEIR_SEC_VOLUME, "c.s",
			   "{\"name\":\"x\",\"volume_type\":\"EXTERNAL\",\"storage_location\":\"gs://b/p//q/\"}");
	assert_string_equal(str(x, "storage_location"), "gs://b/p/q");
	json_decref(s);
	json_decref(m);
	json_decref(x);
}

/* ---------------------------------------------------------------- lists */

static void expect_page(json_t *page, const char *const *names, const char *token)
{
	json_t *items = json_object_get(page, "items");
	size_t n = 0;
	while (names[n])
		n++;
	assert_int_equal(json_array_size(items), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(str(json_array_get(items, i), "name"), names[i]);
	if (token)
		assert_string_equal(str(page, "next_page_token"), token);
	else
		assert_null(json_object_get(page, "next_page_token"));
}

/* Proves keyset pagination: name order whatever the creation order, a token only while more
 * remain (none after an exactly-full last page), and unknown tokens mean "after this name". */
static void test_pagination(void **state)
{
	fx *f = *state;
	mk(f, WEIR_SEC_CATALOG, NULL, "{\"name\":\"c\"}");
	static const char *const order[] = {"e", "b", "d", "a", "c", "f"};
	for (int i = 0; i < 6; i++)
		mk(f, WEIR_SEC_SCHEMA, "c", weir_arena_printf(f->t->a, "{\"name\":\"%s\"}", order[i]));
	weir_error e = WEIR_ERROR_INIT;
	json_t *p;
	p = list(f, WEIR_SEC_SCHEMA, "c", 4, NULL, &e);
	expect_page(p, (const char *[]){"a", "b", "c", "d", NULL}, "d");
	json_decref(p);
	p = list(f, WEIR_SEC_SCHEMA, "c", 4, "d", &e);
	expect_page(p, (const char *[]){"e", "f", NULL}, NULL);
	json_decref(p);
	p = list(f, WEIR_SEC_SCHEMA, "c", 3, "c", &e);
	expect_page(p, (const char *[]){"d", "e", "f", NULL}, NULL); /* exactly full, last */
	json_decref(p);
	p = list(f, WEIR_SEC_SCHEMA, "c", 6, NULL, &e);
	expect_page(p, (const char *[]){"a", "b", "c", "d", "e", "f", NULL}, NULL);
	json_decref(p);
	p = list(f, WEIR_SEC_SCHEMA, "c", 0, "bb", &e);
	expect_page(p, (const char *[]){"c", "d", "e", "f", NULL}, NULL);
	json_decref(p);
	p = list(f, WEIR_SEC_SCHEMA, "c", 1, "f", &e);
	expect_page(p, (const char *[]){NULL}, NULL);
	json_decref(p);
	assert_null(list(f, WEIR_SEC_SCHEMA, "c", -1, NULL, &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "max_results");

	/* more children than one scan batch (64): pages stay exact */
	mk(f, WEIR_SEC_SCHEMA, "c", "{\"name\":\"big\"}");
	for (int i = 0; i < 150; i++)
		mk(f, WEIR_SEC_TABLE, "c.big",
		   weir_arena_printf(f->t->a, "{\"name\":\"t%03d\",\"table_type\":\"VIEW\",\"view_definition\":\"v\"}",
				     i));
	int seen = 0, pages = 0;
	const char *token = NULL;
	do {
		p = list(f, WEIR_SEC_TABLE, "c.big", 70, token, &e);
		assert_non_null(p);
		json_t *items = json_object_get(p, "items");
		for (size_t i = 0; i < json_array_size(items); i++, seen++)
			assert_string_equal(str(json_array_get(items, i), "name"),
					    weir_arena_printf(f->t->a, "t%03d", seen));
		token = str(p, "next_page_token") ? weir_arena_strdup(f->t->a, str(p, "next_page_token")) : NULL;
		pages++;
		json_decref(p);
	} while (token);
	assert_int_equal(seen, 150);
	assert_int_equal(pages, 3);
}

/* ---------------------------------------------------------------- updates */

/* Proves an empty update (and an empty properties map) changes nothing, updated_at included. */
static void test_empty_update_is_noop(void **state)
{
	fx *f = *state;
	weir_clock_set(fixed_clock);
	json_t *c = create(f, WEIR_SEC_CATALOG, NULL,
			   "{\"name\":\"c\",\"comment\":\"keep\",\"properties\":{\"a\":\"1\"}}");
	fixed_now += 5000;
	weir_error e = WEIR_ERROR_INIT;
	json_t *u = try_update(f, WEIR_SEC_CATALOG, "c", "{}", &e);
	assert_true(json_equal(c, u));
	json_decref(u);
	u = try_update(f, WEIR_SEC_CATALOG, "c", "{\"properties\":{},\"new_name\":\"c\"}", &e);
	assert_true(json_equal(c, u));
	json_decref(u);
	json_decref(c);
}

/* Proves a failing update (unknown owner, rename collision, wrong field) changes nothing. */
static void test_failed_update_changes_nothing(void **state)
{
	fx *f = *state;
	json_t *c = create(f, WEIR_SEC_CATALOG, NULL, "{\"name\":\"c\",\"comment\":\"keep\"}");
	mk(f, WEIR_SEC_CATALOG, NULL, "{\"name\":\"other\"}");
	mk(f, WEIR_SEC_SCHEMA, "c", "{\"name\":\"s\"}");
	mk(f, WEIR_SEC_TABLE, "c.s", "{\"name\":\"t\",\"table_type\":\"VIEW\",\"view_definition\":\"v\"}");
	weir_error e = WEIR_ERROR_INIT;
	assert_null(try_update(f, WEIR_SEC_CATALOG, "c", "{\"comment\":\"x\",\"owner\":\"ghost@example.com\"}", &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "owner");
	assert_int_equal(e.status, 400);
	assert_null(try_update(f, WEIR_SEC_CATALOG, "c", "{\"comment\":\"x\",\"new_name\":\"other\"}", &e));
	EXPECT_ERR(e, CATALOG_ALREADY_EXISTS, "");
	assert_null(try_update(f, WEIR_SEC_CATALOG, "c", "{\"comment\":\"x\",\"new_name\":\"a.b\"}", &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "new_name");
	assert_null(try_update(f, WEIR_SEC_CATALOG, "c", "{\"comment\":\"x\",\"isolation_mode\":\"NONE\"}", &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "isolation_mode");
	assert_null(try_update(f, WEIR_SEC_SCHEMA, "c.s", "{\"isolation_mode\":\"OPEN\"}", &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "isolation_mode");
	assert_null(try_update(f, WEIR_SEC_TABLE, "c.s.t", "{\"comment\":\"x\"}", &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "comment");
	assert_null(try_update(f, WEIR_SEC_TABLE, "c.s.t", "{\"new_name\":\"u\"}", &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "new_name");
	json_t *now = get(f, WEIR_SEC_CATALOG, "c");
	assert_true(json_equal(c, now));
	json_decref(now);
	/* a known principal (a group) can own it */
	json_t *u = try_update(f, WEIR_SEC_CATALOG, "c", "{\"owner\":\"admins\"}", &e);
	assert_non_null(u);
	assert_string_equal(str(u, "owner"), "admins");
	json_decref(u);
	json_decref(c);
}

struct hook_log {
	int calls;
	char old_full[64], new_full[64];
};
static struct hook_log hook_log;
static void record_hook(weir_db *db, const char *id, const char *old_full, const char *new_full)
{
	(void)db;
	(void)id;
	hook_log.calls++;
	snprintf(hook_log.old_full, sizeof(hook_log.old_full), "%s", old_full);
	snprintf(hook_log.new_full, sizeof(hook_log.new_full), "%s", new_full ? new_full : "(deleted)");
}

/* Proves a rename keeps the id, children's full names follow, and the hook sees old and new. */
static void test_rename(void **state)
{
	fx *f = *state;
	weir_catalog_set_hook(record_hook);
	json_t *c = create(f, WEIR_SEC_CATALOG, NULL, "{\"name\":\"c\"}");
	json_t *s = create(f, WEIR_SEC_SCHEMA, "c", "{\"name\":\"s\"}");
	json_t *t = create(f, WEIR_SEC_TABLE, "c.s",
			   "{\"name\":\"t\",\"table_type\":\"VIEW\",\"view_definition\":\"v\"}");
	weir_error e = WEIR_ERROR_INIT;
	json_t *u = try_update(f, WEIR_SEC_CATALOG, "c", "{\"new_name\":\"c2\"}", &e);
	assert_string_equal(str(u, "id"), str(c, "id"));
	assert_string_equal(str(u, "name"), "c2");
	assert_int_equal(hook_log.calls, 1);
	assert_string_equal(hook_log.old_full, "c");
	assert_string_equal(hook_log.new_full, "c2");
	json_decref(u);
	json_t *s2 = get(f, WEIR_SEC_SCHEMA, "c2.s");
	assert_string_equal(str(s2, "schema_id"), str(s, "schema_id"));
	assert_string_equal(str(s2, "full_name"), "c2.s");
	json_decref(s2);
	u = try_update(f, WEIR_SEC_SCHEMA, "c2.s", "{\"new_name\":\"s2\"}", &e);
	assert_string_equal(str(u, "full_name"), "c2.s2");
	assert_string_equal(hook_log.old_full, "c2.s");
	json_decref(u);
	json_t *t2 = get(f, WEIR_SEC_TABLE, "c2.s2.t");
	assert_non_null(t2);
	assert_string_equal(str(t2, "table_id"), str(t, "table_id"));
	assert_string_equal(str(t2, "full_name"), "c2.s2.t");
	json_decref(t2);
	weir_securable x;
	assert_int_equal(resolve(f, WEIR_SEC_TABLE, "c.s.t", &x), -1);
	assert_int_equal(try_delete(f, WEIR_SEC_TABLE, "c2.s2.t", false, &e), 0);
	assert_string_equal(hook_log.new_full, "(deleted)");
	json_decref(c);
	json_decref(s);
	json_decref(t);
}

/* ---------------------------------------------------------------- deletes */

/* Proves a non-empty catalog or schema is not deleted without force (FAILED_PRECONDITION,
 * nothing changes) and force removes the whole subtree with columns and grants at once. */
static void test_cascade(void **state)
{
	fx *f = *state;
	mk(f, WEIR_SEC_CATALOG, NULL, "{\"name\":\"c\"}");
	mk(f, WEIR_SEC_CATALOG, NULL, "{\"name\":\"keep\"}");
	mk(f, WEIR_SEC_SCHEMA, "c", "{\"name\":\"s\"}");
	mk(f, WEIR_SEC_TABLE, "c.s",
	   "{\"name\":\"t\",\"table_type\":\"VIEW\",\"view_definition\":\"v\",\"columns\":[{\"name\":\"a\"}]}");
	mk(f, WEIR_SEC_VOLUME, "c.s", "{\"name\":\"v\",\"volume_type\":\"MANAGED\"}");
	weir_securable s;
	assert_int_equal(resolve(f, WEIR_SEC_TABLE, "c.s.t", &s), 0);
	weir_stmt *st;
	assert_int_equal(
		weir_db_prepare(f->t->db,
				"INSERT INTO grants (securable_id, principal_id, privilege) VALUES (?1, ?2, 'SELECT')",
				&st),
		SQLITE_OK);
	weir_db_bind_text(st, 1, s.id);
	weir_db_bind_i64(st, 2, f->admin->id);
	assert_int_equal(weir_db_step(st), SQLITE_DONE);
	weir_db_finalize(st);
	int64_t before = count_rows(f, "SELECT count(*) FROM securables");

	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(try_delete(f, WEIR_SEC_CATALOG, "c", false, &e), -1);
	EXPECT_ERR(e, FAILED_PRECONDITION, "");
	assert_int_equal(e.status, 400);
	assert_int_equal(try_delete(f, WEIR_SEC_SCHEMA, "c.s", false, &e), -1);
	EXPECT_ERR(e, FAILED_PRECONDITION, "");
	assert_int_equal(count_rows(f, "SELECT count(*) FROM securables"), before);

	assert_int_equal(try_delete(f, WEIR_SEC_CATALOG, "c", true, &e), 0);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM securables"), before - 4);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM table_columns"), 0);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM grants WHERE privilege = 'SELECT'"), 0);
	assert_int_equal(resolve(f, WEIR_SEC_CATALOG, "keep", &s), 0);
}

/* Proves a create that fails after its first row was written leaves nothing once the
 * transaction is rolled back, and a rolled-back delete leaves the object in place. */
static void test_failure_rolls_back(void **state)
{
	fx *f = *state;
	mk(f, WEIR_SEC_CATALOG, NULL, "{\"name\":\"c\"}");
	mk(f, WEIR_SEC_SCHEMA, "c", "{\"name\":\"s\"}");
	weir_error e = WEIR_ERROR_INIT;
	/* the table row is inserted before column 1 is found to be bad */
	assert_null(try_create(f, WEIR_SEC_TABLE, "c.s",
			       "{\"name\":\"t\",\"table_type\":\"VIEW\",\"view_definition\":\"v\","
			       "\"columns\":[{\"name\":\"a\",\"position\":0},{\"name\":\"b\",\"position\":0}]}",
			       &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "columns[1].position");
	weir_securable s;
	assert_int_equal(resolve(f, WEIR_SEC_TABLE, "c.s.t", &s), -1);
	assert_int_equal(count_rows(f, "SELECT count(*) FROM table_columns"), 0);
	/* the same create succeeds afterwards: no half-written row blocks the name */
	mk(f, WEIR_SEC_TABLE, "c.s", "{\"name\":\"t\",\"table_type\":\"VIEW\",\"view_definition\":\"v\"}");

	/* a delete done and then rolled back (the caller's commit failed) changes nothing */
	assert_int_equal(resolve(f, WEIR_SEC_SCHEMA, "c.s", &s), 0);
	assert_int_equal(weir_db_begin_write(f->t->db, &e), 0);
	assert_int_equal(weir_catalog_delete(f->t->db, f->t->a, &s, true, &e), 0);
	weir_db_rollback(f->t->db);
	assert_int_equal(resolve(f, WEIR_SEC_TABLE, "c.s.t", &s), 0);
}

/* Proves wrong JSON types are refused naming the field, for each object type. */
static void test_wrong_types(void **state)
{
	fx *f = *state;
	mk(f, WEIR_SEC_CATALOG, NULL, "{\"name\":\"c\"}");
	mk(f, WEIR_SEC_SCHEMA, "c", "{\"name\":\"s\"}");
	weir_error e = WEIR_ERROR_INIT;
	assert_null(try_create(f, WEIR_SEC_CATALOG, NULL, "{\"name\":5}", &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "name");
	assert_null(try_create(f, WEIR_SEC_CATALOG, NULL, "{\"name\":\"x\",\"properties\":{\"a\":1}}", &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "properties");
	assert_null(try_create(f, WEIR_SEC_CATALOG, NULL, "{}", &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "name");
	assert_null(try_create(f, WEIR_SEC_CATALOG, NULL, "{\"name\":\"x\",\"storage_root\":\"ftp://h/x\"}", &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "storage_root");
	assert_null(try_create(f, WEIR_SEC_TABLE, "c.s",
			       "{\"name\":\"t\",\"table_type\":\"VIEW\",\"view_definition\":\"v\",\"columns\":\"x\"}",
			       &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "columns");
	assert_null(try_create(f, WEIR_SEC_FUNCTION, "c.s",
			       "{\"function_info\":{\"name\":\"f\",\"data_type\":\"INT\",\"full_data_type\":\"int\","
			       "\"routine_body\":\"SQL\",\"is_deterministic\":\"yes\"}}",
			       &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "function_info.is_deterministic");
	assert_null(try_create(
		f, WEIR_SEC_FUNCTION, "c.s",
		"{\"function_info\":{\"name\":\"f\",\"full_data_type\":\"int\",\"routine_body\":\"SQL\"}}", &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "function_info.data_type");
	assert_null(try_create(f, WEIR_SEC_FUNCTION, "c.s", "{\"name\":\"f\"}", &e));
	EXPECT_ERR(e, INVALID_PARAMETER_VALUE, "function_info");
	assert_int_equal(count_rows(f, "SELECT count(*) FROM securables WHERE type IN ('table','function')"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_check),
		cmocka_unit_test_setup_teardown(test_split_full_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_normalize_url, setup, teardown),
		cmocka_unit_test(test_page_size),
		cmocka_unit_test_setup_teardown(test_catalog_crud, setup, teardown),
		cmocka_unit_test_setup_teardown(test_children_crud, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_volume_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_temporary_credentials, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pagination, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_update_is_noop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_update_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cascade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_storage_locations, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
