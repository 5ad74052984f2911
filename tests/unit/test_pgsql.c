/* Unit tests of the PostgreSQL store's SQL translator (core/db_pgsql.c): the stores' SQLite
 * text and the migrations made PostgreSQL text. No server is needed. */
#include "testutil.h"

#include "core/db_pg.h"

static void check(const char *in, const char *want, int want_params)
{
	int n = -1;
	char *out = weir_pg_translate(in, &n);
	assert_string_equal(out, want);
	assert_int_equal(n, want_params);
	free(out);
}

/* Proves numbered and bare parameters become $N by SQLite's numbering rule, and that text in
 * quotes, quoted identifiers and comments is left alone. */
static void test_params(void **state)
{
	(void)state;
	check("SELECT a FROM t WHERE b = ?1 AND c = ?2", "SELECT a FROM t WHERE b = $1 AND c = $2", 2);
	check("INSERT INTO t VALUES (?, ?, ?)", "INSERT INTO t VALUES ($1, $2, $3)", 3);
	check("SELECT ?3, ?, ?1", "SELECT $3, $4, $1", 4);
	check("SELECT 'a?1 LIKE ''?''' FROM \"x?\" -- ?5\n WHERE a = ?1",
	      "SELECT 'a?1 LIKE ''?''' FROM \"x?\" \n WHERE a = $1", 1);
	check("SELECT 1;  ", "SELECT 1", 0);
}

/* Proves INSERT OR IGNORE becomes ON CONFLICT DO NOTHING, placed before a top-level RETURNING. */
static void test_or_ignore(void **state)
{
	(void)state;
	check("INSERT OR IGNORE INTO g (a, b) VALUES (?1, ?2)",
	      "INSERT INTO g (a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING", 2);
	check("insert or ignore into g (a) values (?1) RETURNING a",
	      "INSERT into g (a) values ($1) ON CONFLICT DO NOTHING RETURNING a", 1);
	check("INSERT INTO s (j, t) VALUES (?1, ?2) ON CONFLICT (j) DO UPDATE SET t = excluded.t WHERE t < excluded.t",
	      "INSERT INTO s (j, t) VALUES ($1, $2) ON CONFLICT (j) DO UPDATE SET t = excluded.t WHERE s.t < "
	      "excluded.t",
	      2);
	check("INSERT INTO g (a) VALUES (?1) ON CONFLICT (a) DO UPDATE SET n = max(n, excluded.n), m = "
	      "coalesce(excluded.m, m) "
	      "WHERE (excluded.n, excluded.m) > (n, m) RETURNING id",
	      "INSERT INTO g (a) VALUES ($1) ON CONFLICT (a) DO UPDATE SET n = greatest(g.n, excluded.n), m = "
	      "coalesce(excluded.m, g.m) WHERE (excluded.n, excluded.m) > (g.n, g.m) RETURNING id",
	      1);
}

/* Proves SQLite's functions get PostgreSQL's names, that only the scalar (several-argument)
 * max/min become greatest/least, and that a column named like a function is not renamed. */
static void test_functions(void **state)
{
	(void)state;
	check("SELECT ifnull(max(v), 0), instr(k, '/'), group_concat(n, '.'), min(a, b) FROM t",
	      "SELECT coalesce(max(v), 0), strpos(k, '/'), string_agg(n, '.'), least(a, b) FROM t", 0);
	check("SELECT json_object('a', json(x), 'b', json_array(1, 2)), json_group_array(y) FROM t",
	      "SELECT json_build_object('a', json(x), 'b', json_build_array(1, 2)), json_agg(y) FROM t", 0);
	check("SELECT printf('%s.%s', a, b), t.max FROM t", "SELECT format('%s.%s', a, b), t.max FROM t", 0);
	check("SELECT value FROM json_each(?1)", "SELECT value FROM weir_json_each($1)", 1);
}

/* Proves GLOB, LIKE, IS [NOT] between values, boolean parameters and unaliased subqueries in
 * FROM take their PostgreSQL forms, and IS NULL / IS NOT NULL stay. */
static void test_operators(void **state)
{
	(void)state;
	check("SELECT 1 FROM t WHERE a GLOB ?1 AND b LIKE ?2", "SELECT 1 FROM t WHERE a #~# $1 AND b ILIKE $2", 2);
	check("SELECT 1 FROM t WHERE a IS NOT b AND c IS ?1 AND d IS NOT NULL AND e IS NULL",
	      "SELECT 1 FROM t WHERE a IS DISTINCT FROM b AND c IS NOT DISTINCT FROM $1 AND d IS NOT NULL AND e IS "
	      "NULL",
	      1);
	check("SELECT CASE WHEN ?1 THEN 1 END FROM t WHERE (?2 OR a = ?3)",
	      "SELECT CASE WHEN ($1 <> 0) THEN 1 END FROM t WHERE (($2 <> 0) OR a = $3)", 3);
	check("SELECT * FROM (SELECT a FROM t) WHERE a = 1 UNION SELECT * FROM (SELECT b FROM u)",
	      "SELECT * FROM (SELECT a FROM t) AS weir_q1 WHERE a = 1 UNION SELECT * FROM (SELECT b FROM u) AS weir_q2",
	      0);
	check("SELECT * FROM (SELECT a FROM t) x", "SELECT * FROM (SELECT a FROM t) x", 0);
	check("SELECT a FROM t WHERE a IN (?1, ?2)", "SELECT a FROM t WHERE a IN ($1, $2)", 2);
	check("SELECT a FROM t CROSS JOIN u x ON x.a = t.a CROSS JOIN v LIMIT ?1",
	      "SELECT a FROM t JOIN u x ON x.a = t.a CROSS JOIN v LIMIT weir_limit($1)", 1);
	check("SELECT a FROM t LIMIT -1 OFFSET ?2", "SELECT a FROM t LIMIT ALL OFFSET $2", 2);
	check("SELECT a FROM t WHERE b BETWEEN ?1 AND ?2 AND ?3",
	      "SELECT a FROM t WHERE b BETWEEN $1 AND $2 AND ($3 <> 0)", 3);
}

/* Proves a migration's DDL loses SQLite's table options, gets PostgreSQL's types (INTEGER
 * PRIMARY KEY an identity), and a SQLite trigger becomes a PL/pgSQL function and a row trigger. */
static void test_script(void **state)
{
	(void)state;
	char *out = weir_pg_translate_script(
		"-- a comment\nCREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  v REAL NOT NULL, b BLOB\n) STRICT, "
		"WITHOUT ROWID;\n"
		"CREATE TRIGGER t_upd AFTER UPDATE OF v ON t\nWHEN old.v IS NOT new.v\n"
		"BEGIN UPDATE c SET n = n + 1 WHERE id = 1; END;\nINSERT INTO c VALUES (1, 0);\n");
	assert_non_null(out);
	assert_non_null(strstr(out, "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"));
	assert_non_null(strstr(out, "v DOUBLE PRECISION NOT NULL, b BYTEA\n);"));
	assert_null(strstr(out, "STRICT"));
	assert_null(strstr(out, "ROWID"));
	assert_non_null(strstr(out, "CREATE FUNCTION weir_trg_t_upd() RETURNS trigger LANGUAGE plpgsql AS $weir$ BEGIN "
				    "UPDATE c SET n = n + 1 WHERE id = 1; RETURN NULL; END $weir$;"));
	assert_non_null(strstr(out, "CREATE TRIGGER t_upd AFTER UPDATE OF v ON t FOR EACH ROW WHEN ("));
	assert_non_null(strstr(out, "old.v IS DISTINCT FROM new.v"));
	assert_non_null(strstr(out, "EXECUTE FUNCTION weir_trg_t_upd();"));
	assert_non_null(strstr(out, "INSERT INTO c VALUES (1, 0);"));
	free(out);
	/* a table with SQLite's hidden rowid gets it as a column; the others do not */
	out = weir_pg_translate_script("CREATE TABLE d (id TEXT PRIMARY KEY, v TEXT) STRICT;\n"
				       "CREATE TABLE e (a TEXT, b TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;");
	assert_non_null(strstr(out, "CREATE TABLE d (rowid BIGINT GENERATED ALWAYS AS IDENTITY, id TEXT PRIMARY KEY"));
	assert_non_null(strstr(out, "CREATE TABLE e (a TEXT"));
	free(out);
}

/* Proves every embedded migration translates (what `weir serve --store` applies). */
static void test_all_migrations(void **state)
{
	(void)state;
	int sqlite_only = 0, pg_only = 0;
	for (const weir_migration *m = weir_migrations; m->sql != NULL; m++) {
		sqlite_only += weir_migration_other_store(m, true);
		pg_only += weir_migration_other_store(m, false);
		assert_false(weir_migration_other_store(m, true) && weir_migration_other_store(m, false));
		char *out = weir_pg_translate_script(m->sql);
		assert_non_null(out);
		assert_null(strstr(out, " STRICT"));
		free(out);
	}
	assert_int_equal(sqlite_only, 2); /* 0023, 0025: SQLite's CHECK lists */
	assert_true(weir_migration_other_store(&weir_migrations[22], true));
	assert_true(weir_migration_other_store(&weir_migrations[24], true));
	assert_int_equal(pg_only, 1); /* 0026: PostgreSQL's securables type CHECK */
	assert_true(weir_migration_other_store(&weir_migrations[25], false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params),    cmocka_unit_test(test_or_ignore),
		cmocka_unit_test(test_functions), cmocka_unit_test(test_operators),
		cmocka_unit_test(test_script),    cmocka_unit_test(test_all_migrations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
