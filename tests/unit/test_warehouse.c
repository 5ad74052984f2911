/* Unit tests of the warehouse (warehouse/sql.c, warehouse/wh_engine.c) on a real database:
 * the tokenizer and the three-level-name rewriting, the Databricks type mapping, the
 * CREATE/DROP TABLE parser, and the engine's authorizer decisions for an owner, a reader,
 * a writer and a nobody, with the forbidden constructs; the Files API path reader and the
 * volume resolver (warehouse/files.c); the catalog statements' reader (sql_catalog.c) and
 * their rules in the engine (wh_catalog.c), column lineage, row filters and masks, system
 * tables (wh_system.c). */
#include "testutil.h"

#include "core/json.h"
#include "governance/grants.h"
#include "warehouse/copy.h"
#include "warehouse/files.h"
#include "warehouse/sql.h"
#include "warehouse/warehouse.h"
#include "warehouse/wh_internal.h"

typedef struct world {
	test_env *t;
	weir_principal *admin;
	int64_t admin_id, reader, writer, nobody;
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
	assert_non_null(out);
	assert_int_equal(weir_db_commit(w->t->db, &e), 0);
	json_decref(out);
	json_decref(changes);
}

static void mk(world *w, weir_sec_type t, const char *parent_full, const char *json)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable parent;
	if (t == WEIR_SEC_CATALOG)
		assert_int_equal(weir_gov_metastore_securable(w->t->db, w->t->a, &parent, &e), 0);
	else
		assert_int_equal(
			weir_gov_resolve(w->t->db, w->t->a, w->admin, WEIR_SEC_CATALOG, parent_full, &parent, &e), 0);
	json_t *body = json_loads(json, 0, NULL);
	assert_int_equal(weir_db_begin_write(w->t->db, &e), 0);
	json_t *info = weir_catalog_create(w->t->db, w->t->a, w->admin, t, &parent, body, &e);
	assert_non_null(info);
	assert_int_equal(weir_db_commit(w->t->db, &e), 0);
	json_decref(body);
	json_decref(info);
}

/* Runs sql as `who` with catalog c, schema s; answers the outcome (caller clears it). */
static void run(world *w, int64_t who, const char *sql, weir_wh_outcome *o)
{
	weir_wh_exec x = {.principal_id = who,
			  .workspace_id = WEIR_DEFAULT_WORKSPACE_ID,
			  .statement = sql,
			  .catalog = "c",
			  .schema = "s",
			  .statement_id = "unit-stmt"};
	weir_wh_execute(w->t->pool, &x, o);
}

static void expect(world *w, int64_t who, const char *sql, weir_wh_state state, const char *code)
{
	weir_wh_outcome o;
	run(w, who, sql, &o);
	if (o.state != state || (code && strcmp(o.error_code, code) != 0))
		fprintf(stderr, "%s: %s %s %s\n", sql, weir_wh_state_name(o.state), o.error_code, o.message);
	assert_int_equal(o.state, state);
	if (code)
		assert_string_equal(o.error_code, code);
	weir_wh_outcome_clear(&o);
}

static int setup(void **state)
{
	world *w = calloc(1, sizeof(*w));
	w->t = test_env_new();
	w->admin = test_admin(w->t);
	w->admin_id = w->admin->id;
	w->reader = add_principal(w->t, "user", "reader@x.com");
	w->writer = add_principal(w->t, "user", "writer@x.com");
	w->nobody = add_principal(w->t, "user", "nobody@x.com");
	mk(w, WEIR_SEC_CATALOG, NULL, "{\"name\":\"c\"}");
	mk(w, WEIR_SEC_SCHEMA, "c", "{\"name\":\"s\"}");
	expect(w, w->admin_id, "CREATE TABLE c.s.t (id INT, name STRING, amount DECIMAL(10,2))", WEIR_WH_SUCCEEDED,
	       NULL);
	expect(w, w->admin_id, "INSERT INTO t VALUES (1, 'a', 1.5), (2, 'b', 2)", WEIR_WH_SUCCEEDED, NULL);
	for (int i = 0; i < 2; i++) {
		const char *who = i ? "writer@x.com" : "reader@x.com";
		grant(w, WEIR_SEC_CATALOG, "c", who, "USE_CATALOG");
		grant(w, WEIR_SEC_SCHEMA, "c.s", who, "USE_SCHEMA");
		grant(w, WEIR_SEC_TABLE, "c.s.t", who, "SELECT");
	}
	grant(w, WEIR_SEC_TABLE, "c.s.t", "writer@x.com", "MODIFY");
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

/* Table names are found after FROM, JOIN, INTO, UPDATE and in FROM lists, never inside
 * strings, quoted identifiers or comments, and not CTE names or table functions. */
static void test_scan_refs(void **state)
{
	world *w = *state;
	weir_error e = WEIR_ERROR_INIT;
	weir_wh_scan sc;
	const char *sql =
		"WITH x AS (SELECT 1 FROM a.b.c) SELECT 'FROM no', \"FROM\" FROM x, c.s.t /* FROM no */ "
		"-- JOIN no\n JOIN s.u AS u ON u.id = t.id, v v2, json_each('[1]') WHERE 1 IS DISTINCT FROM z";
	assert_int_equal(weir_wh_scan_refs(w->t->a, sql, &sc, &e), 0);
	assert_int_equal(sc.kind, WEIR_WH_KIND_QUERY);
	assert_int_equal(sc.nrefs, 4);
	assert_int_equal(sc.refs[0].nparts, 3);
	assert_string_equal(sc.refs[0].parts[2], "c");
	assert_string_equal(sc.refs[1].parts[0], "c");
	assert_false(sc.refs[1].has_alias);
	assert_string_equal(sc.refs[2].parts[1], "u");
	assert_true(sc.refs[2].has_alias);
	assert_string_equal(sc.refs[3].parts[0], "v");
	assert_true(sc.refs[3].has_alias);

	assert_int_equal(weir_wh_scan_refs(w->t->a, "INSERT INTO g SELECT * FROM \"we\"\"ird\".t", &sc, &e), 0);
	assert_int_equal(sc.kind, WEIR_WH_KIND_DML);
	assert_int_equal(sc.nrefs, 2);
	assert_int_equal(sc.refs[0].role, WEIR_WH_REF_WRITE);
	assert_int_equal(sc.refs[1].role, WEIR_WH_REF_READ);
	assert_string_equal(sc.refs[1].parts[0], "we\"ird");

	assert_int_equal(weir_wh_scan_refs(w->t->a, "DELETE FROM t WHERE x IN (SELECT y FROM u)", &sc, &e), 0);
	assert_int_equal(sc.refs[0].role, WEIR_WH_REF_WRITE);
	assert_int_equal(sc.refs[1].role, WEIR_WH_REF_READ);

	assert_int_equal(weir_wh_scan_refs(w->t->a, "SELECT * FROM a.b.c.d", &sc, &e), -1);
	assert_int_equal(e.code, WEIR_E_INVALID_PARAMETER_VALUE);
	assert_int_equal(weir_wh_scan_refs(w->t->a, "SELECT 1; SELECT 2", &sc, &e), -1);
	assert_int_equal(weir_wh_scan_refs(w->t->a, "SELECT 'open", &sc, &e), -1);
	assert_int_equal(weir_wh_scan_refs(w->t->a, "SELECT 1 /* open", &sc, &e), -1);
	assert_int_equal(weir_wh_scan_refs(w->t->a, "SELECT 1;;", &sc, &e), 0);
}

/* Each reference becomes "alias"."t", with AS <its last part> when it had no alias. */
static void test_rewrite(void **state)
{
	world *w = *state;
	weir_error e = WEIR_ERROR_INIT;
	weir_wh_scan sc;
	const char *sql = "SELECT t.id FROM c.s.t JOIN u x ON x.id = t.id";
	assert_int_equal(weir_wh_scan_refs(w->t->a, sql, &sc, &e), 0);
	const char *aliases[] = {"w1", "w2"};
	assert_string_equal(weir_wh_rewrite(w->t->a, sql, sc.refs, sc.nrefs, aliases),
			    "SELECT t.id FROM \"w1\".t AS \"t\" JOIN \"w2\".t x ON x.id = t.id");
}

/* Databricks types map to UC's type_name/type_text/type_json and to a declared type that
 * gives them back. */
static void test_types(void **state)
{
	world *w = *state;
	weir_error e = WEIR_ERROR_INIT;
	weir_wh_tok *t;
	int n, i = 0;
	const char *sql = "DECIMAL(12, 3)";
	assert_int_equal(weir_wh_tokenize(w->t->a, sql, &t, &n, &e), 0);
	weir_wh_type ty, back;
	assert_int_equal(weir_wh_type_parse(sql, t, n, &i, &ty, &e), 0);
	assert_int_equal(i, n);
	assert_string_equal(ty.type_name, "DECIMAL");
	assert_string_equal(ty.type_text, "decimal(12,3)");
	assert_int_equal(ty.precision, 12);
	weir_wh_type_from_decl(ty.decl, 0, &back);
	assert_string_equal(back.type_text, "decimal(12,3)");
	const char *names[] = {"INT", "BIGINT", "DOUBLE", "STRING", "BOOLEAN", "DATE", "TIMESTAMP"};
	const char *uc[] = {"INT", "LONG", "DOUBLE", "STRING", "BOOLEAN", "DATE", "TIMESTAMP"};
	const char *json[] = {"integer", "long", "double", "string", "boolean", "date", "timestamp"};
	for (int k = 0; k < 7; k++) {
		i = 0;
		assert_int_equal(weir_wh_tokenize(w->t->a, names[k], &t, &n, &e), 0);
		assert_int_equal(weir_wh_type_parse(names[k], t, n, &i, &ty, &e), 0);
		assert_string_equal(ty.type_name, uc[k]);
		assert_string_equal(ty.json_type, json[k]);
		weir_wh_type_from_decl(ty.decl, 0, &back);
		assert_string_equal(back.type_name, uc[k]);
		assert_true(weir_wh_type_from_uc(uc[k], 0, 0, &back));
		assert_string_equal(back.decl, ty.decl);
	}
	/* nested types: Databricks' text, Spark's JSON type object, JSON text in the file */
	const char *nested = "MAP<STRING, ARRAY<STRUCT<a: INT, `b c` DECIMAL(5,2)>>>";
	i = 0;
	assert_int_equal(weir_wh_tokenize(w->t->a, nested, &t, &n, &e), 0);
	assert_int_equal(weir_wh_type_parse(nested, t, n, &i, &ty, &e), 0);
	assert_int_equal(i, n);
	assert_string_equal(ty.type_name, "MAP");
	assert_string_equal(ty.type_text, "map<string,array<struct<a:int,b c:decimal(5,2)>>>");
	assert_string_equal(ty.json_type,
			    "{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":{\"type\":\"array\","
			    "\"elementType\":{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"integer\","
			    "\"nullable\":true,\"metadata\":{}},{\"name\":\"b c\",\"type\":\"decimal(5,2)\","
			    "\"nullable\":true,\"metadata\":{}}]},\"containsNull\":true},\"valueContainsNull\":true}");
	assert_true(weir_wh_type_from_uc("ARRAY", 0, 0, &back));
	weir_wh_type_from_decl(back.decl, 0, &back);
	assert_string_equal(back.type_name, "ARRAY");
	/* still not storable, or not a type: refused */
	assert_false(weir_wh_type_from_uc("VARIANT", 0, 0, &ty));
	const char *bad[] = {"ARRAY", "ARRAY<>", "MAP<INT>", "STRUCT<a INT a INT>", "VARIANT", NULL};
	for (int k = 0; bad[k]; k++) {
		i = 0;
		weir_error_clear(&e);
		assert_int_equal(weir_wh_tokenize(w->t->a, bad[k], &t, &n, &e), 0);
		assert_int_equal(weir_wh_type_parse(bad[k], t, n, &i, &ty, &e), -1);
		assert_string_equal(e.field, "statement");
	}
	weir_wh_type_from_decl(NULL, 1, &ty); /* an expression's integer: BIGINT */
	assert_string_equal(ty.type_name, "LONG");
	weir_wh_type_from_decl(NULL, 2, &ty);
	assert_string_equal(ty.type_name, "DOUBLE");
}

/* CREATE TABLE with columns or AS, and DROP TABLE, parse into names, types and options. */
static void test_ddl(void **state)
{
	world *w = *state;
	weir_error e = WEIR_ERROR_INIT;
	weir_wh_ddl d;
	assert_int_equal(weir_wh_parse_ddl(w->t->a,
					   "CREATE TABLE IF NOT EXISTS c.s.x (a INT NOT NULL, b STRING COMMENT 'hi') "
					   "USING DELTA COMMENT 'tbl'",
					   WEIR_WH_KIND_CREATE_TABLE, &d, &e),
			 0);
	assert_true(d.if_exists);
	assert_int_equal(d.nparts, 3);
	assert_int_equal(d.ncols, 2);
	assert_false(d.cols[0].nullable);
	assert_string_equal(d.cols[1].comment, "hi");
	assert_string_equal(d.comment, "tbl");
	const char *ctas = "CREATE TABLE x AS SELECT 1 AS one";
	assert_int_equal(weir_wh_parse_ddl(w->t->a, ctas, WEIR_WH_KIND_CREATE_TABLE, &d, &e), 0);
	assert_string_equal(ctas + d.as_query, "SELECT 1 AS one");
	assert_int_equal(weir_wh_parse_ddl(w->t->a, "CREATE TABLE x (a INT, a INT)", WEIR_WH_KIND_CREATE_TABLE, &d, &e),
			 -1);
	assert_int_equal(weir_wh_parse_ddl(w->t->a, "CREATE TABLE x", WEIR_WH_KIND_CREATE_TABLE, &d, &e), -1);
	assert_int_equal(weir_wh_parse_ddl(w->t->a, "DROP TABLE IF EXISTS s.x", WEIR_WH_KIND_DROP_TABLE, &d, &e), 0);
	assert_true(d.if_exists);
	assert_int_equal(d.nparts, 2);
}

/* The authorizer: reads need SELECT, writes MODIFY; a hidden table is missing; ATTACH,
 * writable PRAGMAs, extension loading and internals are refused, read-only PRAGMAs not. */
static void test_authorizer(void **state)
{
	world *w = *state;
	expect(w, w->reader, "SELECT id FROM c.s.t", WEIR_WH_SUCCEEDED, NULL);
	expect(w, w->reader, "INSERT INTO t VALUES (3, 'c', 3)", WEIR_WH_FAILED, "PERMISSION_DENIED");
	expect(w, w->reader, "DELETE FROM t", WEIR_WH_FAILED, "PERMISSION_DENIED");
	expect(w, w->writer, "UPDATE t SET name = 'B' WHERE id = 2", WEIR_WH_SUCCEEDED, NULL);
	expect(w, w->nobody, "SELECT * FROM c.s.t", WEIR_WH_FAILED, "CATALOG_NOT_FOUND");
	expect(w, w->nobody, "SELECT * FROM c.s.missing", WEIR_WH_FAILED, "CATALOG_NOT_FOUND");
	expect(w, w->admin_id, "SELECT * FROM c.s.missing", WEIR_WH_FAILED, "TABLE_NOT_FOUND");
	expect(w, w->admin_id, "ATTACH 'x.db' AS y", WEIR_WH_FAILED, "PERMISSION_DENIED");
	expect(w, w->admin_id, "DETACH w1", WEIR_WH_FAILED, "PERMISSION_DENIED");
	expect(w, w->admin_id, "PRAGMA journal_mode = DELETE", WEIR_WH_FAILED, "PERMISSION_DENIED");
	expect(w, w->admin_id, "PRAGMA encoding", WEIR_WH_SUCCEEDED, NULL);
	expect(w, w->admin_id, "SELECT load_extension('x')", WEIR_WH_FAILED, "PERMISSION_DENIED");
	expect(w, w->admin_id, "SELECT * FROM sqlite_master", WEIR_WH_FAILED, "PERMISSION_DENIED");
	expect(w, w->admin_id, "SELECT * FROM pragma_table_info('t')", WEIR_WH_FAILED, "PERMISSION_DENIED");
	expect(w, w->admin_id, "CREATE TEMP VIEW v AS SELECT 1", WEIR_WH_FAILED, "PERMISSION_DENIED");
	expect(w, w->admin_id, "VACUUM INTO '/tmp/x.db'", WEIR_WH_FAILED, "PERMISSION_DENIED");
	expect(w, w->admin_id, "BEGIN", WEIR_WH_FAILED, "PERMISSION_DENIED");
	expect(w, w->admin_id, "SELEC 1", WEIR_WH_FAILED, "BAD_REQUEST");
	assert_true(weir_wh__pragma_allowed("encoding", NULL));
	assert_false(weir_wh__pragma_allowed("encoding", "UTF-16"));
	assert_false(weir_wh__pragma_allowed("writable_schema", NULL));
}

/* A query answers its rows as strings with UC types; CTAS registers a MANAGED table with
 * UC columns and records a lineage edge from its source; DROP TABLE removes its file. */
static void test_rows_ctas_lineage(void **state)
{
	world *w = *state;
	weir_wh_outcome o;
	run(w, w->admin_id, "SELECT id, name, amount, id * 2.5 AS x FROM t ORDER BY id", &o);
	assert_int_equal(o.state, WEIR_WH_SUCCEEDED);
	assert_int_equal(json_array_size(o.rows), 2);
	assert_string_equal(json_string_value(json_array_get(json_array_get(o.rows, 0), 2)), "1.50");
	assert_string_equal(json_string_value(json_object_get(json_array_get(o.columns, 2), "type_text")),
			    "decimal(10,2)");
	assert_string_equal(json_string_value(json_object_get(json_array_get(o.columns, 3), "type_name")), "DOUBLE");
	weir_wh_outcome_clear(&o);

	expect(w, w->admin_id, "CREATE TABLE c.s.t2 AS SELECT id, upper(name) AS n FROM t", WEIR_WH_SUCCEEDED, NULL);
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	assert_int_equal(weir_gov_resolve(w->t->db, w->t->a, w->admin, WEIR_SEC_TABLE, "c.s.t2", &s, &e), 0);
	json_t *info = weir_catalog_get(w->t->db, w->t->a, &s, false, true, &e);
	assert_string_equal(json_string_value(json_object_get(info, "table_type")), "MANAGED");
	json_t *c1 = json_array_get(json_object_get(info, "columns"), 1);
	assert_string_equal(json_string_value(json_object_get(c1, "type_name")), "STRING");
	json_decref(info);
	int64_t edges = 0;
	weir_error e2 = WEIR_ERROR_INIT;
	assert_int_equal(
		weir_db_query_i64(w->t->db, "SELECT count(*) FROM lineage_edges WHERE ?1", &edges, &e2, WEIR_I64(1)),
		1);
	assert_true(edges >= 1);
	const char *path = weir_wh__table_path(w->t->a, s.id);
	assert_int_equal(access(path, F_OK), 0);
	expect(w, w->admin_id, "DROP TABLE c.s.t2", WEIR_WH_SUCCEEDED, NULL);
	assert_int_not_equal(access(path, F_OK), 0);
	expect(w, w->admin_id, "DROP TABLE IF EXISTS c.s.t2", WEIR_WH_SUCCEEDED, NULL);
	/* a failing CTAS leaves no table */
	expect(w, w->admin_id, "CREATE TABLE c.s.t3 AS SELECT abs(-9223372036854775807 - 1) FROM t", WEIR_WH_FAILED,
	       "BAD_REQUEST");
	assert_int_equal(weir_gov_resolve(w->t->db, w->t->a, w->admin, WEIR_SEC_TABLE, "c.s.t3", &s, &e), -1);
}

/* A MANAGED table made through the catalog (as the REST API does) gets its file on first use. */
static void test_rest_table_file(void **state)
{
	world *w = *state;
	weir_error e = WEIR_ERROR_INIT;
	weir_securable schema;
	assert_int_equal(weir_gov_resolve(w->t->db, w->t->a, w->admin, WEIR_SEC_SCHEMA, "c.s", &schema, &e), 0);
	json_t *body = json_loads("{\"name\":\"r\",\"catalog_name\":\"c\",\"schema_name\":\"s\",\"table_type\":"
				  "\"MANAGED\",\"columns\":[{\"name\":\"k\",\"type_name\":\"LONG\",\"type_text\":"
				  "\"bigint\",\"position\":0}]}",
				  0, NULL);
	assert_int_equal(weir_db_begin_write(w->t->db, &e), 0);
	json_t *info = weir_catalog_create(w->t->db, w->t->a, w->admin, WEIR_SEC_TABLE, &schema, body, &e);
	assert_non_null(info);
	assert_int_equal(weir_db_commit(w->t->db, &e), 0);
	json_decref(body);
	json_decref(info);
	expect(w, w->admin_id, "INSERT INTO r VALUES (42)", WEIR_WH_SUCCEEDED, NULL);
	weir_wh_outcome o;
	run(w, w->admin_id, "SELECT k FROM r", &o);
	assert_string_equal(json_string_value(json_array_get(json_array_get(o.rows, 0), 0)), "42");
	weir_wh_outcome_clear(&o);
}

/* Saved queries are their owner's and the admins'; sql_task runs one as its run_as
 * principal, with that principal's grants, and names nothing it may not see. */
static void test_saved_queries_and_sql_task(void **state)
{
	world *w = *state;
	weir_error e = WEIR_ERROR_INIT;
	weir_principal *reader = weir_gov_principal_load(w->t->db, w->t->a, w->reader, 1, &e);
	weir_principal *nobody = weir_gov_principal_load(w->t->db, w->t->a, w->nobody, 1, &e);
	assert_non_null(reader);
	assert_non_null(nobody);
	json_t *body = json_pack("{s:{s:s, s:s, s:s, s:s}}", "query", "display_name", "sum", "query_text",
				 "SELECT sum(amount) AS total, count(*) AS n FROM t", "catalog", "c", "schema", "s");
	json_t *q = weir_wh_query_create(w->t->db, w->t->a, reader, body, &e);
	assert_non_null(q);
	const char *id = json_string_value(json_object_get(q, "id"));
	json_t *got = weir_wh_query_get(w->t->db, w->t->a, w->admin, id, &e);
	assert_non_null(got);
	json_decref(got);
	assert_null(weir_wh_query_get(w->t->db, w->t->a, nobody, id, &e));
	assert_int_equal(e.code, WEIR_E_NOT_FOUND);
	/* the reader may read t: the task succeeds, its values are the first row's columns */
	json_t *task = json_pack("{s:s, s:{s:s}}", "warehouse_id", WEIR_WH_DEFAULT_ID, "query", "query_id", id);
	weir_wh_task_result r = {0};
	assert_int_equal(weir_wh_sql_task_run(w->t->pool, task, w->reader, 1, 7, 8, &r), 0);
	assert_true(r.ok);
	assert_string_equal(json_string_value(json_object_get(r.values, "total")), "3.5");
	assert_string_equal(json_string_value(json_object_get(r.values, "n")), "2");
	json_decref(r.values);
	/* nobody cannot see the query: the task fails without naming anything of it */
	weir_wh_task_result r2 = {0};
	assert_int_equal(weir_wh_sql_task_run(w->t->pool, task, w->nobody, 1, 7, 9, &r2), -1);
	assert_false(r2.ok);
	assert_non_null(strstr(r2.message, "does not exist"));
	assert_null(strstr(r2.message, "sum(amount)"));
	/* a file outside the volumes is refused, saying what a path must be */
	json_t *file = json_pack("{s:s, s:{s:s}}", "warehouse_id", WEIR_WH_DEFAULT_ID, "file", "path", "/x.sql");
	weir_wh_task_result r3 = {0};
	assert_int_equal(weir_wh_sql_task_run(w->t->pool, file, w->reader, 1, 7, 10, &r3), -1);
	assert_non_null(strstr(r3.message, "sql_task.file.path must name a file in a volume"));
	json_decref(file);
	json_decref(task);
	json_decref(q);
	json_decref(body);
}

/* The Files API path reader keeps every accepted path inside its volume: it takes
 * /Volumes/<c>/<s>/<v>[/rel] apart, allows one trailing '/' on directories only, and refuses
 * '.', '..', empty segments, backslashes, control characters (the %00 the server decodes to
 * 0x01 included), invalid UTF-8, over-long names and paths, other roots and bare volumes
 * as files, naming `path`. */
static void test_files_path(void **state)
{
	world *w = *state;
	weir_error e = WEIR_ERROR_INIT;
	weir_files_path fp;
	assert_int_equal(weir_files_path_parse(w->t->a, "/Volumes/c/s/v/a/b.csv", false, &fp, &e), 0);
	assert_string_equal(fp.catalog, "c");
	assert_string_equal(fp.schema, "s");
	assert_string_equal(fp.volume, "v");
	assert_string_equal(fp.volume_full, "c.s.v");
	assert_string_equal(fp.rel, "a/b.csv");
	assert_string_equal(fp.path, "/Volumes/c/s/v/a/b.csv");
	assert_int_equal(weir_files_path_parse(w->t->a, "/Volumes/c/s/v/dir/", true, &fp, &e), 0);
	assert_string_equal(fp.rel, "dir");
	assert_string_equal(fp.path, "/Volumes/c/s/v/dir");
	assert_int_equal(weir_files_path_parse(w->t->a, "/Volumes/c/s/v", true, &fp, &e), 0);
	assert_string_equal(fp.rel, "");
	assert_int_equal(weir_files_path_parse(w->t->a, "/Volumes/c/s/v/", true, &fp, &e), 0);
	assert_string_equal(fp.rel, "");
	assert_int_equal(weir_files_path_parse(w->t->a, "/Volumes/c/s/v/..a/a..b/...", false, &fp, &e), 0);
	assert_string_equal(fp.rel, "..a/a..b/...");
	assert_int_equal(weir_files_path_parse(w->t->a, "/Volumes/c/s/v/caf\xc3\xa9 2024.csv", false, &fp, &e), 0);

	char long_name[300], long_path[WEIR_FILES_MAX_PATH + 40];
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	char *too_long_name = weir_arena_printf(w->t->a, "/Volumes/c/s/v/%s", long_name);
	strcpy(long_path, "/Volumes/c/s/v");
	while (strlen(long_path) < WEIR_FILES_MAX_PATH + 1)
		strcat(long_path, "/abcdefghij");
	const char *bad_files[] = {
		"/Volumes/c/s/v",
		"/Volumes/c/s/v/",
		"/Volumes/c/s/v/a/",
		"/Volumes/c/s/v/../w/x",
		"/Volumes/c/s/v/a/../../x",
		"/Volumes/c/s/v/./x",
		"/Volumes/c/s/v/a/.",
		"/Volumes/c/s/v//x",
		"/Volumes/c/s//v/x",
		"/Volumes/c/../s/v/x",
		"/Volumes/c/s/v/a\\..\\x",
		"/Volumes/c/s/v/a\x01z",
		"/Volumes/c/s/v/a\nb",
		"/Volumes/c/s/v/\x7f",
		"/Volumes/c/s/v/\xff\xfe",
		"/Volumes/c/s",
		"/Volumes/",
		"/Volumes",
		"Volumes/c/s/v/x",
		"//Volumes/c/s/v/x",
		"/volumes/c/s/v/x",
		"/etc/passwd",
		"",
		too_long_name,
		long_path,
	};
	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		weir_error_clear(&e);
		if (weir_files_path_parse(w->t->a, bad_files[i], false, &fp, &e) == 0)
			fail_msg("accepted file path '%s'", bad_files[i]);
		assert_int_equal(e.code, WEIR_E_INVALID_PARAMETER_VALUE);
		assert_string_equal(e.field, "path");
	}
	const char *bad_dirs[] = {"/Volumes/c/s/v//",   "/Volumes/c/s/v/a//", "/Volumes/c/s/v/..",
				  "/Volumes/c/s/v/../", "/Volumes/c/s/",      "/Volumes/c/s/v/a/./"};
	for (size_t i = 0; i < sizeof(bad_dirs) / sizeof(bad_dirs[0]); i++) {
		weir_error_clear(&e);
		if (weir_files_path_parse(w->t->a, bad_dirs[i], true, &fp, &e) == 0)
			fail_msg("accepted directory path '%s'", bad_dirs[i]);
		assert_int_equal(e.code, WEIR_E_INVALID_PARAMETER_VALUE);
	}
	assert_int_equal(weir_files_path_parse(w->t->a, NULL, true, &fp, &e), -1);
}

/* weir_files_volume_dir, the resolver other modules use, answers the volume's directory by
 * id for whoever may read it (READ VOLUME with USE CATALOG and USE SCHEMA), and for writing
 * only with WRITE VOLUME; a caller who may not browse the volume gets the same 404 as for a
 * missing one, and EXTERNAL volumes are refused. */
static void test_files_volume_dir(void **state)
{
	world *w = *state;
	weir_error e = WEIR_ERROR_INIT;
	weir_securable schema;
	assert_int_equal(weir_gov_resolve(w->t->db, w->t->a, w->admin, WEIR_SEC_SCHEMA, "c.s", &schema, &e), 0);
	json_t *body = json_pack("{s:s, s:s}", "name", "landing", "volume_type", "MANAGED");
	assert_int_equal(weir_db_begin_write(w->t->db, &e), 0);
	json_t *info = weir_catalog_create(w->t->db, w->t->a, w->admin, WEIR_SEC_VOLUME, &schema, body, &e);
	assert_non_null(info);
	assert_int_equal(weir_db_commit(w->t->db, &e), 0);
	const char *id = weir_arena_strdup(w->t->a, json_string_value(json_object_get(info, "volume_id")));
	json_decref(info);
	json_decref(body);
	grant(w, WEIR_SEC_VOLUME, "c.s.landing", "reader@x.com", "READ_VOLUME");
	grant(w, WEIR_SEC_VOLUME, "c.s.landing", "writer@x.com", "WRITE_VOLUME");

	weir_principal *reader = weir_gov_principal_load(w->t->db, w->t->a, w->reader, WEIR_DEFAULT_WORKSPACE_ID, &e);
	weir_principal *writer = weir_gov_principal_load(w->t->db, w->t->a, w->writer, WEIR_DEFAULT_WORKSPACE_ID, &e);
	weir_principal *nobody = weir_gov_principal_load(w->t->db, w->t->a, w->nobody, WEIR_DEFAULT_WORKSPACE_ID, &e);
	assert_non_null(reader);
	assert_non_null(writer);
	assert_non_null(nobody);
	const char *dir = NULL;
	const char *want = weir_arena_printf(w->t->a, "%s/volumes/%s/in/2024", w->t->dir, id);
	assert_int_equal(
		weir_files_volume_dir(w->t->db, w->t->a, reader, "/Volumes/c/s/landing/in/2024/", false, &dir, &e), 0);
	assert_string_equal(dir, want);
	assert_int_equal(weir_files_volume_dir(w->t->db, w->t->a, w->admin, "/Volumes/c/s/landing", true, &dir, &e), 0);
	assert_string_equal(dir, weir_arena_printf(w->t->a, "%s/volumes/%s", w->t->dir, id));
	weir_error_clear(&e);
	assert_int_equal(weir_files_volume_dir(w->t->db, w->t->a, reader, "/Volumes/c/s/landing/in", true, &dir, &e),
			 -1);
	assert_int_equal(e.code, WEIR_E_PERMISSION_DENIED);
	assert_int_equal(weir_files_volume_dir(w->t->db, w->t->a, writer, "/Volumes/c/s/landing/in", true, &dir, &e),
			 0);
	weir_error_clear(&e);
	assert_int_equal(weir_files_volume_dir(w->t->db, w->t->a, writer, "/Volumes/c/s/landing/in", false, &dir, &e),
			 -1);
	assert_int_equal(e.code, WEIR_E_PERMISSION_DENIED);
	/* hidden is missing: the same code and message but for the name */
	weir_error hidden = WEIR_ERROR_INIT, missing = WEIR_ERROR_INIT;
	assert_int_equal(weir_files_volume_dir(w->t->db, w->t->a, nobody, "/Volumes/c/s/landing", false, &dir, &hidden),
			 -1);
	assert_int_equal(
		weir_files_volume_dir(w->t->db, w->t->a, nobody, "/Volumes/zz/s/landing", false, &dir, &missing), -1);
	assert_int_equal(hidden.status, 404);
	assert_string_equal(uc_code(hidden), uc_code(missing));
	weir_error_clear(&e);
	assert_int_equal(weir_files_volume_dir(w->t->db, w->t->a, reader, "/Volumes/c/s/landing/../t", false, &dir, &e),
			 -1);
	assert_int_equal(e.code, WEIR_E_INVALID_PARAMETER_VALUE);

	/* an EXTERNAL volume's files are not served */
	body = json_pack("{s:s, s:s, s:s}", "name", "ext", "volume_type", "EXTERNAL", "storage_location",
			 "s3://bucket/ext");
	assert_int_equal(weir_db_begin_write(w->t->db, &e), 0);
	info = weir_catalog_create(w->t->db, w->t->a, w->admin, WEIR_SEC_VOLUME, &schema, body, &e);
	assert_non_null(info);
	assert_int_equal(weir_db_commit(w->t->db, &e), 0);
	json_decref(info);
	json_decref(body);
	weir_error_clear(&e);
	assert_int_equal(weir_files_volume_dir(w->t->db, w->t->a, w->admin, "/Volumes/c/s/ext", false, &dir, &e), -1);
	assert_int_equal(e.code, WEIR_E_INVALID_PARAMETER_VALUE);
}

/* The catalog statements' reader: each kind with its parts; malformed ones are 400 naming
 * `statement`; what is not one of them is 0 (left to the engine). */
static void test_parse_catalog(void **state)
{
	world *w = *state;
	weir_error e = WEIR_ERROR_INIT;
	weir_wh_cstmt c;
	assert_int_equal(weir_wh_parse_catalog(w->t->a, "CREATE SCHEMA IF NOT EXISTS c.s2 COMMENT 'x';", &c, &e), 1);
	assert_int_equal(c.kind, WEIR_WH_C_CREATE_SCHEMA);
	assert_true(c.if_not_exists);
	assert_int_equal(c.nparts, 2);
	assert_string_equal(c.comment, "x");
	assert_int_equal(weir_wh_parse_catalog(w->t->a, "drop database s cascade", &c, &e), 1);
	assert_int_equal(c.kind, WEIR_WH_C_DROP_SCHEMA);
	assert_true(c.cascade);
	const char *v = "CREATE OR REPLACE VIEW `a`.b.c COMMENT 'v' AS SELECT 1";
	assert_int_equal(weir_wh_parse_catalog(w->t->a, v, &c, &e), 1);
	assert_int_equal(c.kind, WEIR_WH_C_CREATE_VIEW);
	assert_true(c.or_replace);
	assert_string_equal(c.parts[0], "a");
	assert_string_equal(v + c.body, "SELECT 1");
	assert_int_equal(
		weir_wh_parse_catalog(w->t->a, "ALTER TABLE t ADD COLUMNS (a INT COMMENT 'x', b DECIMAL(5,2))", &c, &e),
		1);
	assert_int_equal(c.kind, WEIR_WH_C_ADD_COLUMNS);
	assert_int_equal(c.ncols, 2);
	assert_string_equal(c.cols[1].type.type_text, "decimal(5,2)");
	assert_int_equal(weir_wh_parse_catalog(w->t->a, "ALTER TABLE t SET TBLPROPERTIES ('a' = 'b', k = 1)", &c, &e),
			 1);
	assert_int_equal(c.nprops, 2);
	assert_string_equal(c.values[1], "1");
	assert_int_equal(
		weir_wh_parse_catalog(w->t->a, "ALTER TABLE t ALTER COLUMN x SET MASK m USING COLUMNS (y, z)", &c, &e),
		1);
	assert_int_equal(c.kind, WEIR_WH_C_SET_MASK);
	assert_string_equal(c.column, "x");
	assert_int_equal(c.nusing, 2);
	assert_int_equal(weir_wh_parse_catalog(w->t->a, "ALTER TABLE t SET ROW FILTER c.s.f ON (r)", &c, &e), 1);
	assert_int_equal(c.kind, WEIR_WH_C_SET_ROW_FILTER);
	assert_int_equal(c.nfn, 3);
	assert_int_equal(weir_wh_parse_catalog(w->t->a, "GRANT USE CATALOG, select ON CATALOG c TO `a b`", &c, &e), 1);
	assert_int_equal(c.nprivs, 2);
	assert_string_equal(c.privs[0], "USE CATALOG");
	assert_string_equal(c.privs[1], "SELECT");
	assert_string_equal(c.principal, "a b");
	assert_string_equal(c.sec_type, "CATALOG");
	assert_int_equal(weir_wh_parse_catalog(w->t->a, "REVOKE ALL PRIVILEGES ON t FROM x", &c, &e), 1);
	assert_int_equal(c.kind, WEIR_WH_C_REVOKE);
	assert_string_equal(c.sec_type, "TABLE");
	assert_int_equal(weir_wh_parse_catalog(w->t->a, "SHOW GRANTS `p` ON METASTORE", &c, &e), 1);
	assert_int_equal(c.nparts, 0);
	assert_int_equal(weir_wh_parse_catalog(w->t->a, "DESC EXTENDED c.s.t", &c, &e), 1);
	assert_true(c.extended);
	const char *f = "CREATE FUNCTION f(x STRING, y INT) RETURNS BOOLEAN RETURN x = 'a' AND y > 1";
	assert_int_equal(weir_wh_parse_catalog(w->t->a, f, &c, &e), 1);
	assert_int_equal(c.kind, WEIR_WH_C_CREATE_FUNCTION);
	assert_int_equal(c.ncols, 2);
	assert_string_equal(c.returns.type_name, "BOOLEAN");
	assert_string_equal(f + c.body, "x = 'a' AND y > 1");
	assert_int_equal(weir_wh_parse_catalog(w->t->a, "CREATE CATALOG IF NOT EXISTS k COMMENT 'c'", &c, &e), 1);
	assert_int_equal(c.kind, WEIR_WH_C_CREATE_CATALOG);
	assert_true(c.if_not_exists);
	assert_int_equal(weir_wh_parse_catalog(w->t->a, "DROP CATALOG k CASCADE", &c, &e), 1);
	assert_int_equal(c.kind, WEIR_WH_C_DROP_CATALOG);
	assert_true(c.cascade);
	assert_int_equal(weir_wh_parse_catalog(w->t->a, "ALTER VIEW v SET OWNER TO `g`", &c, &e), 1);
	assert_int_equal(c.kind, WEIR_WH_C_SET_OWNER);
	assert_string_equal(c.principal, "g");
	/* not catalog statements */
	assert_int_equal(weir_wh_parse_catalog(w->t->a, "SELECT 1", &c, &e), 0);
	assert_int_equal(weir_wh_parse_catalog(w->t->a, "CREATE TEMP VIEW v AS SELECT 1", &c, &e), 0);
	assert_int_equal(weir_wh_parse_catalog(w->t->a, "ALTER INDEX i", &c, &e), 0);
	/* malformed */
	const char *bad[] = {"CREATE SCHEMA",
			     "CREATE SCHEMA a.b.c",
			     "CREATE CATALOG a.b",
			     "DROP CATALOG a.b",
			     "ALTER TABLE t OWNER TO",
			     "DROP VIEW",
			     "ALTER TABLE t RENAME",
			     "ALTER TABLE t ADD COLUMNS (a BLOB)",
			     "ALTER TABLE t SET TBLPROPERTIES ('a')",
			     "ALTER TABLE t ALTER COLUMN c",
			     "GRANT ON t TO x",
			     "GRANT SELECT ON t",
			     "GRANT A B C D ON t TO x",
			     "SHOW STUFF",
			     "SHOW TABLES IN a.b.c",
			     "DESCRIBE",
			     "COMMENT ON TABLE t IS 3",
			     "CREATE VIEW v",
			     "CREATE FUNCTION f(x INT) RETURNS INT",
			     "CREATE FUNCTION f(x INT, x INT) RETURNS INT RETURN x",
			     "CREATE SCHEMA s 'unterminated",
			     NULL};
	for (int i = 0; bad[i]; i++) {
		weir_error_clear(&e);
		if (weir_wh_parse_catalog(w->t->a, bad[i], &c, &e) != -1)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		assert_int_equal(weir_wh_parse_catalog(w->t->a, bad[i], &c, &e), -1);
		assert_int_equal(e.code, WEIR_E_INVALID_PARAMETER_VALUE);
		assert_string_equal(e.field, "statement");
	}
}

/* A function body's parameters are replaced where they are names, never inside strings,
 * after a dot or as a function called. */
static void test_subst_params(void **state)
{
	world *w = *state;
	weir_error e = WEIR_ERROR_INIT;
	const char *names[] = {"r", "x"};
	const char *repl[] = {"\"__b\".\"region\"", "\"__b\".\"v\""};
	const char *out;
	assert_int_equal(
		weir_wh_subst_params(w->t->a, "R = 'r' AND t.r = x AND r(1) AND \"x\" > 0", names, repl, 2, &out, &e),
		0);
	assert_string_equal(out, "\"__b\".\"region\" = 'r' AND t.r = \"__b\".\"v\" AND r(1) AND \"__b\".\"v\" > 0");
	assert_int_equal(weir_wh_subst_params(w->t->a, "'open", names, repl, 2, &out, &e), -1);
	/* rewrite_with: each reference replaced verbatim, an alias added where there was none */
	weir_wh_scan sc;
	assert_int_equal(weir_wh_scan_refs(w->t->a, "SELECT * FROM a.b.c JOIN d x ON 1", &sc, &e), 0);
	const char *rr[] = {"(SELECT 1)", "`q`"};
	assert_string_equal(weir_wh_rewrite_with(w->t->a, "SELECT * FROM a.b.c JOIN d x ON 1", sc.refs, sc.nrefs, rr),
			    "SELECT * FROM (SELECT 1) AS \"c\" JOIN `q` x ON 1");
	assert_string_equal(weir_wh_quote_name(w->t->a, "a`b"), "`a``b`");
}

static int64_t count_of(world *w, const char *sql, const char *arg)
{
	int64_t n = -1;
	weir_error e = WEIR_ERROR_INIT;
	weir_stmt *st;
	assert_int_equal(weir_db_prepare(w->t->db, sql, &st), 0);
	weir_db_bind_text(st, 1, arg);
	if (weir_db_step(st) == WEIR_DB_ROW)
		n = weir_db_col_i64(st, 0);
	weir_db_finalize(st);
	(void)e;
	return n;
}

/* Catalog statements through the engine: the same rules as the REST API for owner, reader,
 * writer and nobody; SHOW/DESCRIBE answers; column lineage of CTAS and views recorded with
 * the statement as producer. */
static void test_catalog_statements_and_column_lineage(void **state)
{
	world *w = *state;
	expect(w, w->admin_id, "CREATE SCHEMA c.u", WEIR_WH_SUCCEEDED, NULL);
	expect(w, w->reader, "CREATE SCHEMA c.r", WEIR_WH_FAILED, "PERMISSION_DENIED");
	expect(w, w->nobody, "CREATE SCHEMA c.r", WEIR_WH_FAILED, "CATALOG_NOT_FOUND");
	expect(w, w->writer, "ALTER TABLE t ADD COLUMN z INT", WEIR_WH_FAILED, "PERMISSION_DENIED");
	expect(w, w->nobody, "DESCRIBE t", WEIR_WH_FAILED, "TABLE_OR_VIEW_NOT_FOUND");
	expect(w, w->reader, "GRANT SELECT ON t TO `nobody@x.com`", WEIR_WH_FAILED, "PERMISSION_DENIED");
	expect(w, w->admin_id, "GRANT SELEKT ON t TO `nobody@x.com`", WEIR_WH_FAILED, "INVALID_PARAMETER_VALUE");
	weir_wh_outcome o;
	run(w, w->reader, "DESCRIBE TABLE c.s.t", &o);
	assert_int_equal(o.state, WEIR_WH_SUCCEEDED);
	assert_string_equal(json_string_value(json_object_get(json_array_get(o.columns, 1), "name")), "data_type");
	assert_string_equal(json_string_value(json_array_get(json_array_get(o.rows, 2), 1)), "decimal(10,2)");
	weir_wh_outcome_clear(&o);
	run(w, w->reader, "SHOW TABLES", &o);
	assert_int_equal(o.state, WEIR_WH_SUCCEEDED);
	assert_int_equal(json_array_size(o.rows), 1); /* t only: the reader browses nothing else */
	weir_wh_outcome_clear(&o);

	expect(w, w->admin_id, "CREATE TABLE c.s.cl AS SELECT id, amount * 2 AS twice, upper(name) || id AS tag FROM t",
	       WEIR_WH_SUCCEEDED, NULL);
	static const char q[] =
		"SELECT count(*) FROM lineage_column_edge_obs o JOIN lineage_columns s ON s.id = o.src "
		"JOIN lineage_columns d ON d.id = o.dst JOIN lineage_producers p ON p.id = o.producer_id "
		"JOIN lineage_nodes n ON n.id = d.node_id WHERE p.entity_type = 'statement' "
		"AND n.name || '.' || d.name || '<-' || s.name || ':' || o.subtype = ?1";
	assert_int_equal(count_of(w, q, "c.s.cl.id<-id:IDENTITY"), 1);
	assert_int_equal(count_of(w, q, "c.s.cl.twice<-amount:TRANSFORMATION"), 1);
	assert_int_equal(count_of(w, q, "c.s.cl.tag<-name:TRANSFORMATION"), 1);
	assert_int_equal(count_of(w, q, "c.s.cl.tag<-id:TRANSFORMATION"), 1);
	assert_int_equal(count_of(w, q, "c.s.cl.twice<-id:TRANSFORMATION"), 0);
	expect(w, w->admin_id, "CREATE VIEW c.s.v AS SELECT twice + 1 AS t1 FROM cl WHERE tag <> ''", WEIR_WH_SUCCEEDED,
	       NULL);
	assert_int_equal(count_of(w, q, "c.s.v.t1<-twice:TRANSFORMATION"), 1);
	assert_int_equal(count_of(w, q, "c.s.v.t1<-tag:TRANSFORMATION"), 0); /* the WHERE is not an edge */
	/* an INSERT ... SELECT with a column list maps by that list */
	expect(w, w->admin_id, "INSERT INTO cl (tag, id) SELECT name, id FROM t", WEIR_WH_SUCCEEDED, NULL);
	assert_int_equal(count_of(w, q, "c.s.cl.tag<-name:IDENTITY"), 1);
	/* a WITH clause before the INSERT is part of the query the columns come from */
	expect(w, w->admin_id, "WITH src AS (SELECT id * 10 AS big FROM t) INSERT INTO cl (id) SELECT big FROM src",
	       WEIR_WH_SUCCEEDED, NULL);
	assert_int_equal(count_of(w, q, "c.s.cl.id<-id:TRANSFORMATION"), 1);
	/* the reader reads the view with the owner's rights: SELECT on the view only */
	grant(w, WEIR_SEC_TABLE, "c.s.v", "reader@x.com", "SELECT");
	expect(w, w->reader, "SELECT * FROM cl", WEIR_WH_FAILED, "TABLE_NOT_FOUND");
	run(w, w->reader, "SELECT count(*) FROM v", &o);
	assert_int_equal(o.state, WEIR_WH_SUCCEEDED);
	assert_string_equal(json_string_value(json_array_get(json_array_get(o.rows, 0), 0)), "4");
	weir_wh_outcome_clear(&o);
}

/* Row filters and masks apply to every reader, the admin owner included; the functions see
 * the caller through current_user() and is_account_group_member(). */
static void test_row_filter_and_mask(void **state)
{
	world *w = *state;
	expect(w, w->admin_id,
	       "CREATE FUNCTION c.s.mine(n STRING) RETURNS BOOLEAN RETURN n = 'a' OR current_user() = 'reader@x.com'",
	       WEIR_WH_SUCCEEDED, NULL);
	expect(w, w->admin_id,
	       "CREATE FUNCTION c.s.hide(x DECIMAL(10,2)) RETURNS DECIMAL(10,2) RETURN CASE WHEN "
	       "is_account_group_member('admins') THEN x END",
	       WEIR_WH_SUCCEEDED, NULL);
	expect(w, w->admin_id, "ALTER TABLE t SET ROW FILTER mine ON (name)", WEIR_WH_SUCCEEDED, NULL);
	expect(w, w->admin_id, "ALTER TABLE t ALTER COLUMN amount SET MASK hide", WEIR_WH_SUCCEEDED, NULL);
	weir_wh_outcome o;
	run(w, w->admin_id, "SELECT count(*), sum(amount) FROM t", &o);
	assert_int_equal(o.state, WEIR_WH_SUCCEEDED);
	assert_string_equal(json_string_value(json_array_get(json_array_get(o.rows, 0), 0)), "1");
	weir_wh_outcome_clear(&o);
	run(w, w->reader, "SELECT count(*), max(amount) FROM t", &o);
	assert_int_equal(o.state, WEIR_WH_SUCCEEDED);
	assert_string_equal(json_string_value(json_array_get(json_array_get(o.rows, 0), 0)), "2");
	assert_true(json_is_null(json_array_get(json_array_get(o.rows, 0), 1)));
	weir_wh_outcome_clear(&o);
	expect(w, w->writer, "DELETE FROM t", WEIR_WH_FAILED, "PERMISSION_DENIED");
	expect(w, w->admin_id, "ALTER TABLE t DROP ROW FILTER", WEIR_WH_SUCCEEDED, NULL);
	expect(w, w->admin_id, "ALTER TABLE t ALTER COLUMN amount DROP MASK", WEIR_WH_SUCCEEDED, NULL);
	run(w, w->admin_id, "SELECT count(*) FROM t", &o);
	assert_string_equal(json_string_value(json_array_get(json_array_get(o.rows, 0), 0)), "2");
	weir_wh_outcome_clear(&o);
}

/* System tables: refused to principals without a grant on catalog system; admins read them. */
static void test_system_tables(void **state)
{
	world *w = *state;
	expect(w, w->reader, "SELECT * FROM system.information_schema.tables", WEIR_WH_FAILED, "PERMISSION_DENIED");
	expect(w, w->admin_id, "DELETE FROM system.access.audit", WEIR_WH_FAILED, "PERMISSION_DENIED");
	weir_wh_outcome o;
	run(w, w->admin_id,
	    "SELECT table_name FROM system.information_schema.tables WHERE table_catalog = 'c' AND table_name = 't'",
	    &o);
	assert_int_equal(o.state, WEIR_WH_SUCCEEDED);
	assert_int_equal(json_array_size(o.rows), 1);
	weir_wh_outcome_clear(&o);
	run(w, w->admin_id, "SELECT count(*) FROM system.access.audit WHERE service_name = 'databrickssql'", &o);
	assert_int_equal(o.state, WEIR_WH_SUCCEEDED);
	assert_true(atoi(json_string_value(json_array_get(json_array_get(o.rows, 0), 0))) > 0);
	weir_wh_outcome_clear(&o);
}

/* COPY INTO's parser reads every clause with its defaults, and refuses a statement that is
 * not one, naming the statement, with nothing half-filled that a caller would use. */
static void test_copy_parse(void **state)
{
	(void)state;
	weir_arena *a = weir_arena_new(4096);
	weir_error e = WEIR_ERROR_INIT;
	weir_wh_copy cp;
	assert_true(weir_wh_copy_is("  copy INTO t"));
	assert_false(weir_wh_copy_is("COPYRIGHT"));
	assert_int_equal(
		weir_wh_copy_parse(a,
				   "COPY INTO c.s.t FROM '/Volumes/c/s/v/d' FILEFORMAT = CSV FILES = ('a.csv', "
				   "'b/c.csv') FORMAT_OPTIONS ('header' = 'true', 'sep' = ';', 'mode' = "
				   "'DROPMALFORMED', 'nullValue' = 'NA') COPY_OPTIONS ('force' = true)",
				   &cp, &e),
		0);
	assert_int_equal(cp.nparts, 3);
	assert_string_equal(cp.parts[2], "t");
	assert_string_equal(cp.source, "/Volumes/c/s/v/d");
	assert_false(cp.json);
	assert_int_equal(cp.nfiles, 2);
	assert_string_equal(cp.files[1], "b/c.csv");
	assert_true(cp.header);
	assert_int_equal(cp.delimiter, ';');
	assert_int_equal(cp.quote, '"');
	assert_int_equal(cp.mode, WEIR_COPY_DROPMALFORMED);
	assert_string_equal(cp.null_value, "NA");
	assert_true(cp.force);
	assert_false(cp.merge_schema);
	assert_int_equal(weir_wh_copy_parse(a, "copy into t from '/Volumes/c/s/v' fileformat = json pattern = '*.json'",
					    &cp, &e),
			 0);
	assert_true(cp.json);
	assert_int_equal(cp.nparts, 1);
	assert_string_equal(cp.pattern, "*.json");
	assert_int_equal(cp.delimiter, ',');
	assert_false(cp.header);
	static const char *const bad[] = {
		"COPY INTO t FROM '/V' ",
		"COPY INTO t FROM '/V' FILEFORMAT = PARQUET",
		"COPY INTO t FROM /V FILEFORMAT = CSV",
		"COPY INTO a.b.c.d FROM '/V' FILEFORMAT = CSV",
		"COPY INTO t FROM '/V' FILEFORMAT = CSV FILEFORMAT = JSON",
		"COPY INTO t FROM '/V' FILEFORMAT = CSV FILES = ('a') PATTERN = 'b'",
		"COPY INTO t FROM '/V' FILEFORMAT = CSV FILES = ('')",
		"COPY INTO t FROM '/V' FILEFORMAT = CSV FORMAT_OPTIONS ('header' = 'maybe')",
		"COPY INTO t FROM '/V' FILEFORMAT = CSV FORMAT_OPTIONS ('delimiter' = ',,')",
		"COPY INTO t FROM '/V' FILEFORMAT = CSV FORMAT_OPTIONS ('quote' = ',')",
		"COPY INTO t FROM '/V' FILEFORMAT = JSON FORMAT_OPTIONS ('header' = 'true')",
		"COPY INTO t FROM '/V' FILEFORMAT = CSV FORMAT_OPTIONS ('multiLine' = 'true')",
		"COPY INTO t FROM '/V' FILEFORMAT = CSV COPY_OPTIONS ('overwrite' = 'true')",
		"COPY INTO t FROM '/V' FILEFORMAT = CSV; SELECT 1",
		"COPY INTO t FROM '/V' FILEFORMAT = CSV FORMAT_OPTIONS ('header' = 'true'",
		"COPY t FROM '/V' FILEFORMAT = CSV",
		NULL};
	for (int i = 0; bad[i]; i++) {
		weir_error_clear(&e);
		assert_int_equal(weir_wh_copy_parse(a, bad[i], &cp, &e), -1);
		assert_int_equal(e.code, WEIR_E_INVALID_PARAMETER_VALUE);
		assert_string_equal(e.field, "statement");
	}
	weir_arena_free(a);
}

/* The CSV reader: quoted fields with doubled quotes, delimiters and line ends inside quotes,
 * CRLF and LF, an empty quoted field apart from an empty one, a last line without its end,
 * and an unterminated quote reported as malformed. */
static void test_csv_reader(void **state)
{
	(void)state;
	weir_wh_csv r;
	weir_wh_csv_init(&r, ',', '"');
	const char *text = "a,\"b,\"\"c\"\"\",\r\n\"x\ny\",\"\",z\nlast\n\"open,";
	const char *s = text, *end = text + strlen(text);
	int nf;
#define FIELD(i) (r.scratch.data + r.offs[i])
	assert_int_equal(weir_wh_csv_record(&r, &s, end, &nf), 0);
	assert_int_equal(nf, 3);
	assert_string_equal(FIELD(0), "a");
	assert_string_equal(FIELD(1), "b,\"c\"");
	assert_true(r.quoted[1]);
	assert_string_equal(FIELD(2), "");
	assert_false(r.quoted[2]);
	assert_int_equal(weir_wh_csv_record(&r, &s, end, &nf), 0);
	assert_int_equal(nf, 3);
	assert_string_equal(FIELD(0), "x\ny");
	assert_string_equal(FIELD(1), "");
	assert_true(r.quoted[1]);
	assert_string_equal(FIELD(2), "z");
	assert_int_equal(weir_wh_csv_record(&r, &s, end, &nf), 0);
	assert_int_equal(nf, 1);
	assert_string_equal(FIELD(0), "last");
	assert_int_equal(weir_wh_csv_record(&r, &s, end, &nf), 1); /* unterminated */
	assert_int_equal(weir_wh_csv_record(&r, &s, end, &nf), -1);
#undef FIELD
	weir_wh_csv_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_refs),
		cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_ddl),
		cmocka_unit_test(test_authorizer),
		cmocka_unit_test(test_rows_ctas_lineage),
		cmocka_unit_test(test_rest_table_file),
		cmocka_unit_test(test_saved_queries_and_sql_task),
		cmocka_unit_test(test_files_path),
		cmocka_unit_test(test_files_volume_dir),
		cmocka_unit_test(test_parse_catalog),
		cmocka_unit_test(test_subst_params),
		cmocka_unit_test(test_catalog_statements_and_column_lineage),
		cmocka_unit_test(test_row_filter_and_mask),
		cmocka_unit_test(test_system_tables),
		cmocka_unit_test(test_copy_parse),
		cmocka_unit_test(test_csv_reader),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
