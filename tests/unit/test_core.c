/* Unit tests of core/: arena, error, utf-8, ids, db pool, statement cache, write lock and
 * migrations, on a real SQLite file. */
#include "testutil.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdatomic.h>

#include <pthread.h>

#include "core/arena.h"
#include "core/db_row.h"
#include "core/db_pg.h"
#include "core/error.h"
#include "core/alloc.h"
#include "core/json.h"
#include "core/metrics.h"
#include "core/util.h"

/* Proves the arena hands out aligned, independent blocks, grows past its first chunk, and
 * runs cleanups in reverse order of registration. */
static int order[4];
static int norder;
static void mark(void *p) { order[norder++] = (int)(intptr_t)p; }

static void test_arena(void **state)
{
	(void)state;
	weir_arena *a = weir_arena_new(256);
	char *s = weir_arena_strdup(a, "hello");
	void *big = weir_arena_alloc(a, 100000);
	memset(big, 1, 100000);
	assert_string_equal(s, "hello");
	assert_int_equal((uintptr_t)big % 16, 0);
	char *f = weir_arena_printf(a, "%s-%d", "x", 42);
	assert_string_equal(f, "x-42");
	norder = 0;
	weir_arena_defer(a, mark, (void *)1);
	weir_arena_defer(a, mark, (void *)2);
	assert_true(weir_arena_used(a) >= 100000);
	weir_arena_free(a);
	assert_int_equal(norder, 2);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[1], 1);
}

/* Proves errors carry the code's default status, an override, the field to blame and the
 * kind of object. */
static void test_error(void **state)
{
	(void)state;
	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(weir_error_set(&e, WEIR_E_CATALOG_ALREADY_EXISTS, "x %d", 1), -1);
	assert_int_equal(e.status, 400);
	assert_string_equal(weir_code_name(e.code), "CATALOG_ALREADY_EXISTS");
	assert_string_equal(e.message, "x 1");
	weir_error_field(&e, WEIR_E_INVALID_PARAMETER_VALUE, "name", "bad");
	assert_string_equal(e.field, "name");
	weir_error_set_status(&e, 409, WEIR_E_RESOURCE_ALREADY_EXISTS, "y");
	assert_int_equal(e.status, 409);
	assert_int_equal(weir_code_status(WEIR_E_CATALOG_NOT_FOUND), 404);
	assert_int_equal(weir_code_status(WEIR_E_ALREADY_EXISTS), 409);
	/* the kind of object rides with a neutral code, and the next error forgets it */
	assert_int_equal(weir_error_obj(&e, WEIR_E_NOT_FOUND, WEIR_OBJ_TOKEN, "token_id", "t %s", "1"), -1);
	assert_int_equal(e.obj, WEIR_OBJ_TOKEN);
	assert_int_equal(e.status, 404);
	assert_string_equal(e.field, "token_id");
	weir_error_set(&e, WEIR_E_NOT_FOUND, "z");
	assert_int_equal(e.obj, WEIR_OBJ_ANY);
}

/* Proves the UTF-8 validator refuses overlongs, surrogates, truncation and stray bytes. */
static void test_utf8(void **state)
{
	(void)state;
	assert_true(weir_utf8_valid("plain", 5));
	assert_true(weir_utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
	assert_false(weir_utf8_valid("\xc3\x28", 2));
	assert_false(weir_utf8_valid("\xc0\xaf", 2)); /* overlong '/' */
	assert_false(weir_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
	assert_false(weir_utf8_valid("\xe2\x82", 2)); /* truncated */
	assert_false(weir_utf8_valid("\xff", 1));
}

/* Proves ids are well-formed v4 UUIDs and random hex of the asked length. */
static void test_ids(void **state)
{
	(void)state;
	char u[37], v[37], h[33];
	weir_uuid4(u);
	weir_uuid4(v);
	assert_int_equal(strlen(u), 36);
	assert_int_equal(u[14], '4');
	assert_string_not_equal(u, v);
	/* across several refills of the per-thread pool: the layout, and no repeats */
	static char many[100][37];
	for (int i = 0; i < 100; i++) {
		weir_uuid4(many[i]);
		assert_int_equal(strlen(many[i]), 36);
		for (int k = 0; k < 36; k++) {
			if (k == 8 || k == 13 || k == 18 || k == 23)
				assert_int_equal(many[i][k], '-');
			else
				assert_non_null(strchr("0123456789abcdef", many[i][k]));
		}
		assert_int_equal(many[i][14], '4');
		assert_non_null(strchr("89ab", many[i][19]));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(many[i], many[j]);
	}
	/* version 7: the first 48 bits are the time in ms (so they sort by creation), the
	 * version and variant bits as RFC 9562 sets them, the rest random */
	char a7[37], b7[37];
	int64_t t0 = weir_now_ms();
	weir_uuid7(a7);
	weir_uuid7(b7);
	int64_t t1 = weir_now_ms();
	assert_int_equal(strlen(a7), 36);
	assert_int_equal(a7[14], '7');
	assert_non_null(strchr("89ab", a7[19]));
	assert_string_not_equal(a7, b7);
	char hexms[13];
	memcpy(hexms, a7, 8);
	memcpy(hexms + 8, a7 + 9, 4);
	hexms[12] = '\0';
	int64_t ms = (int64_t)strtoll(hexms, NULL, 16);
	assert_true(ms >= t0 && ms <= t1);
	usleep(2000);
	char c7[37];
	weir_uuid7(c7);
	assert_true(strcmp(c7, a7) > 0 && strcmp(c7, b7) > 0); /* a later ms sorts after */
	weir_random_hex(h, 16);
	assert_int_equal(strlen(h), 32);
	char sha[65];
	weir_sha256_hex("abc", 3, sha);
	assert_string_equal(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* Proves strict body parsing: empty body allowed only when asked, duplicates refused,
 * typed getters name the field. */
static void test_json(void **state)
{
	(void)state;
	weir_arena *a = weir_arena_new(1024);
	weir_error e = WEIR_ERROR_INIT;
	assert_non_null(weir_json_parse_body(a, "", 0, true, &e));
	assert_null(weir_json_parse_body(a, "", 0, false, &e));
	assert_null(weir_json_parse_body(a, "{\"a\":1,\"a\":2}", 13, false, &e));
	assert_int_equal(e.code, WEIR_E_MALFORMED_REQUEST);
	const char *txt = "{\"n\":\"x\",\"i\":\"12\",\"b\":3}";
	json_t *o = weir_json_parse_body(a, txt, strlen(txt), false, &e);
	assert_non_null(o);
	const char *s = NULL;
	int64_t i = 0;
	bool b = false;
	assert_int_equal(weir_json_get_str(o, "n", true, &s, &e), 0);
	assert_string_equal(s, "x");
	assert_int_equal(weir_json_get_i64(o, "i", true, &i, &e), 0);
	assert_int_equal(i, 12);
	assert_int_equal(weir_json_get_bool(o, "b", true, &b, &e), -1);
	assert_string_equal(e.field, "b");
	assert_int_equal(weir_json_get_str(o, "missing", true, &s, &e), -1);
	assert_string_equal(e.field, "missing");
	/* the body parser (core/json.c parse_strict) accepts what json_loadb accepts, into equal
	 * trees, and refuses what it refuses (fuzz/fuzz_json.c checks this on every input) */
	static const char *const bodies[] = {
		"{}",
		" {\"a\" : [1, -0, 2.5e3, -1E-2, true, false, null, {}, []]}\n",
		"{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\u20AC\"}",
		"{\"big\":9223372036854775807}",
		"{\"neg\":-9223372036854775808}",
		"{\"tiny\":1e-400}",
		"{\"k\":\"caf\xc3\xa9\"}",
		"{\"a\":1,\"a\":2}",
		"{\"a\":1,}",
		"[1,]",
		"{\"a\":01}",
		"{\"a\":1.}",
		"{\"a\":.5}",
		"{\"a\":1e}",
		"{\"a\":+1}",
		"{\"a\":-}",
		"{\"a\":9223372036854775808}",
		"{\"a\":-9223372036854775809}",
		"{\"a\":1e400}",
		"{\"a\":truex}",
		"{\"a\":nul}",
		"{\"a\":\"\\u0000\"}",
		"{\"a\":\"\\ud800\"}",
		"{\"a\":\"\\udc00\"}",
		"{\"a\":\"\\x\"}",
		"{\"a\":\"\t\"}",
		"{\"a\":\"x}",
		"{\"a\" 1}",
		"{a:1}",
		"{} {}",
		"{}x",
		"123",
		"\"s\"",
		"[]",
		"[{\"a\":{\"a\":[[]]}}]",
		"{\"a\":[1 2]}",
	};
	for (size_t k = 0; k < sizeof(bodies) / sizeof(bodies[0]); k++) {
		const char *t = bodies[k];
		json_t *ref = json_loadb(t, strlen(t), JSON_REJECT_DUPLICATES, NULL);
		json_t *mine = weir_json_parse_body(a, t, strlen(t), false, &e);
		bool want = ref != NULL && json_is_object(ref);
		if ((mine != NULL) != want || (mine && !json_equal(mine, ref)))
			fail_msg("body %zu (%s): parser %s, json_loadb %s", k, t, mine ? "accepts" : "refuses",
				 want ? "accepts" : "refuses");
		if (mine == NULL)
			assert_int_equal(e.code, WEIR_E_MALFORMED_REQUEST);
		json_decref(ref);
	}
	/* 2,048 levels parse, 2,049 do not (jansson's limit) */
	for (int depth = 2048; depth <= 2049; depth++) {
		char *t = malloc((size_t)depth * 2 + 16);
		size_t n = 0;
		t[n++] = '{';
		t[n++] = '"';
		t[n++] = 'a';
		t[n++] = '"';
		t[n++] = ':';
		for (int d = 1; d < depth; d++)
			t[n++] = '[';
		for (int d = 1; d < depth; d++)
			t[n++] = ']';
		t[n++] = '}';
		json_t *mine = weir_json_parse_body(a, t, n, false, &e);
		if (depth == 2048)
			assert_non_null(mine);
		else
			assert_null(mine);
		free(t);
	}
	weir_arena_free(a);
}

/* Proves migrations run to the latest version, STRICT tables and foreign keys are on, and
 * a second open does not re-apply anything. */
static void test_migrations(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	sqlite3 *db = weir_db_handle(t->db);
	weir_stmt *st;
	assert_int_equal(weir_db_prepare(t->db, "PRAGMA user_version", &st), SQLITE_OK);
	assert_int_equal(weir_db_step(st), SQLITE_ROW);
	assert_int_equal(weir_db_col_int(st, 0), weir_db_latest_version());
	weir_db_finalize(st);
	assert_int_equal(weir_db_prepare(t->db, "PRAGMA foreign_keys", &st), SQLITE_OK);
	assert_int_equal(weir_db_step(st), SQLITE_ROW);
	assert_int_equal(weir_db_col_int(st, 0), 1);
	weir_db_finalize(st);
	/* STRICT: a text id in an INTEGER column is refused */
	assert_int_not_equal(sqlite3_exec(db, "INSERT INTO workspaces (id, name, created_at) VALUES (9, 'w', 'x')",
					  NULL, NULL, NULL),
			     SQLITE_OK);
	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(weir_db_migrate(db, &e), 0); /* idempotent */
	test_env_free(t);
}

/* Proves the migrated schema has no CHECK with an IN list of more than two values (SQLite
 * builds such a list as an ephemeral table on every run of an INSERT: migration 0023), and
 * that the rewritten constraints still refuse what the lists refused. */
static void test_check_lists(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	sqlite3 *db = weir_db_handle(t->db);
	sqlite3_stmt *st;
	assert_int_equal(
		sqlite3_prepare_v2(db, "SELECT name, sql FROM sqlite_schema WHERE type = 'table'", -1, &st, NULL),
		SQLITE_OK);
	int tables = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		const char *sql = (const char *)sqlite3_column_text(st, 1);
		tables++;
		for (const char *p = sql ? strstr(sql, " IN (") : NULL; p; p = strstr(p + 1, " IN (")) {
			int commas = 0;
			for (const char *q = p + 5; *q && *q != ')'; q++)
				commas += *q == ',';
			if (commas > 1)
				fail_msg("table %s: an IN list of %d values: %.60s", name, commas + 1, p);
		}
	}
	sqlite3_finalize(st);
	assert_true(tables > 40);
	/* the same values are refused: a type, a principal's kind, a run's status */
	const char *bad[] = {
		"INSERT INTO securables (id, type, parent_id, name, owner_id, created_at, created_by, updated_at, "
		"updated_by) VALUES ('x', 'view', NULL, 'n', 1, 0, 'a', 0, 'a')",
		"INSERT INTO principals (kind, name, display_name, created_at, updated_at) VALUES ('robot', 'r', 'r', "
		"0, 0)",
		"UPDATE trk_runs SET status = 'PAUSED'",
	};
	assert_int_equal(sqlite3_exec(db,
				      "INSERT INTO trk_experiments (experiment_id, name, artifact_location, "
				      "creation_time, last_update_time, owner) VALUES (900, 'e', 'x', 0, 0, 'o'); "
				      "INSERT INTO trk_runs (run_id, experiment_id, owner, status, artifact_uri) "
				      "VALUES ('0123456789abcdef0123456789abcdef', 900, 'o', 'RUNNING', 'x')",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sqlite3_exec(db, bad[i], NULL, NULL, NULL), SQLITE_CONSTRAINT_CHECK);
	}
	assert_int_equal(
		sqlite3_exec(db,
			     "INSERT INTO principals (kind, name, display_name, created_at, updated_at) "
			     "VALUES ('service_principal', 'sp9', 'sp9', 0, 0); UPDATE trk_runs SET status = 'KILLED'",
			     NULL, NULL, NULL),
		SQLITE_OK);
	test_env_free(t);
}

/* Proves a failing migration rolls back completely and leaves user_version unchanged. */
static void test_migration_failure_rolls_back(void **state)
{
	(void)state;
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	/* a table that the first migration also creates makes it fail halfway */
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE workspaces (x)", NULL, NULL, NULL), SQLITE_OK);
	weir_log_set_level(WEIR_LOG_OFF);
	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(weir_db_migrate(db, &e), -1);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db,
			   "SELECT (SELECT user_version FROM pragma_user_version), "
			   "(SELECT count(*) FROM sqlite_master WHERE name = 'principals')",
			   -1, &st, NULL);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	assert_int_equal(sqlite3_column_int(st, 1), 0);
	assert_true(sqlite3_get_autocommit(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	weir_log_set_level(WEIR_LOG_WARN);
}

/* Proves the statement cache returns the same prepared statement for the same SQL string,
 * reset and with bindings cleared. */
static const char SQL_ECHO[] = "SELECT ?1";
static void test_stmt_cache(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	weir_error e = WEIR_ERROR_INIT;
	weir_stmt *a = weir_db_stmt(t->db, SQL_ECHO, &e);
	weir_db_bind_int(a, 1, 5);
	assert_int_equal(weir_db_step(a), SQLITE_ROW);
	weir_stmt *b = weir_db_stmt(t->db, SQL_ECHO, &e);
	assert_ptr_equal(a, b);
	assert_int_equal(weir_db_step(b), SQLITE_ROW);
	assert_int_equal(weir_db_col_type(b, 0), SQLITE_NULL);
	weir_db_done(b);
	static const char bad[] = "SELEC nonsense";
	weir_log_set_level(WEIR_LOG_OFF);
	assert_null(weir_db_stmt(t->db, bad, &e));
	weir_log_set_level(WEIR_LOG_WARN);
	assert_int_equal(e.code, WEIR_E_INTERNAL_ERROR);
	test_env_free(t);
}

/* weir_db_counter: a counter table's n in the caller's snapshot, a commit of another
 * connection (another process's) seen by the next read, a name that is not a table's
 * refused without SQL. */
static void test_counter(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	sqlite3 *db = weir_db_handle(t->db);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE probe_changes (id INTEGER PRIMARY KEY, n INTEGER NOT NULL); "
				      "INSERT INTO probe_changes VALUES (1, 7)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(weir_db_begin_read(t->db, &e), 0);
	assert_int_equal(weir_db_counter(t->db, "probe_changes"), 7);
	sqlite3 *other;
	assert_int_equal(sqlite3_open_v2(t->db_path, &other, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "UPDATE probe_changes SET n = n + 1", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(weir_db_counter(t->db, "probe_changes"), 7); /* the same snapshot */
	weir_db_end_read(t->db);
	assert_int_equal(weir_db_begin_read(t->db, &e), 0);
	assert_int_equal(weir_db_counter(t->db, "probe_changes"), 8);
	weir_db_end_read(t->db);
	sqlite3_close(other);
	weir_log_set_level(WEIR_LOG_OFF);
	assert_int_equal(weir_db_counter(t->db, "probe_changes; DROP TABLE x"), -1);
	assert_int_equal(weir_db_counter(t->db, ""), -1);
	int registered;
	weir_db__counter_tables(&registered);
	assert_int_equal(weir_db_counter(t->db, "no_such_counter"), -1);
	int now;
	const char *const *tables = weir_db__counter_tables(&now);
	assert_int_equal(now, registered); /* what answered nothing never enters a BEGIN */
	assert_string_equal(tables[now - 1], "probe_changes");
	weir_log_set_level(WEIR_LOG_WARN);
	assert_int_equal(weir_db_counter(t->db, "probe_changes"), 8);
	test_env_free(t);
}

typedef struct row_probe {
	const char *name;
	int64_t big;
	int small;
	bool flag;
	double real;
	int64_t opt;
	bool has_opt;
} row_probe;

static const weir_db_field PROBE_ROW[] = {WEIR_FIELD(row_probe, name),  WEIR_FIELD(row_probe, big),
					  WEIR_FIELD(row_probe, small), WEIR_FIELD(row_probe, flag),
					  WEIR_FIELD(row_probe, real),  WEIR_FIELD_OPT(row_probe, opt, has_opt)};

static void test_db_row(void **state)
{
	/* A row is read into a struct by its table of fields: text copied into the arena, each
	 * number in its type, an optional column's presence; a query without a row answers 0
	 * (or NOT_FOUND with the caller's message), and a failed prepare -1 with its error. */
	(void)state;
	test_env *t = test_env_new();
	weir_arena *a = weir_arena_new(1024);
	weir_error e = WEIR_ERROR_INIT;
	static const char sql[] = "SELECT ?1, 9000000000, 7, 2, 1.5, ?2";
	row_probe r;
	memset(&r, 0xAB, sizeof(r));
	assert_int_equal(WEIR_DB_ROW_ONE(t->db, weir_db_query(t->db, sql, &e, WEIR_TEXT("x"), WEIR_I64(3)), a, &r,
					 PROBE_ROW, &e),
			 1);
	assert_string_equal(r.name, "x");
	assert_int_equal(r.big, 9000000000LL);
	assert_int_equal(r.small, 7);
	assert_true(r.flag);
	assert_true(r.real == 1.5);
	assert_true(r.has_opt);
	assert_int_equal(r.opt, 3);
	assert_int_equal(WEIR_DB_ROW_ONE(t->db, weir_db_query(t->db, sql, &e, WEIR_TEXT(NULL), WEIR_TEXT(NULL)), a, &r,
					 PROBE_ROW, &e),
			 1);
	assert_null(r.name);
	assert_false(r.has_opt);
	assert_int_equal(r.opt, 0);
	static const char none[] = "SELECT 'a', 1, 1, 0, 0.0, NULL WHERE 0";
	assert_int_equal(WEIR_DB_ROW_ONE(t->db, weir_db_stmt(t->db, none, &e), a, &r, PROBE_ROW, &e), 0);
	assert_int_equal(
		WEIR_DB_ROW_GET(t->db, weir_db_stmt(t->db, none, &e), a, &r, PROBE_ROW, "Probe 7 does not exist.", &e),
		-1);
	assert_int_equal(e.code, WEIR_E_NOT_FOUND);
	assert_string_equal(e.message, "Probe 7 does not exist.");
	/* a caller reading the row itself: on the row, then none, then the failed prepare */
	weir_stmt *st = weir_db_query(t->db, sql, &e, WEIR_TEXT("y"), WEIR_I64(1));
	assert_int_equal(weir_db_row_first(t->db, st, &e), 1);
	assert_string_equal(weir_db_col_text(st, 0), "y");
	weir_db_done(st);
	assert_int_equal(weir_db_row_first(t->db, weir_db_stmt(t->db, none, &e), &e), 0);
	assert_int_equal(weir_db_row_first(t->db, NULL, &e), -1);
	static const char bad[] = "SELEC nonsense";
	weir_error e2 = WEIR_ERROR_INIT;
	weir_log_set_level(WEIR_LOG_OFF);
	assert_int_equal(WEIR_DB_ROW_GET(t->db, weir_db_stmt(t->db, bad, &e2), a, &r, PROBE_ROW, "no", &e2), -1);
	weir_log_set_level(WEIR_LOG_WARN);
	assert_int_equal(e2.code, WEIR_E_INTERNAL_ERROR);
	weir_arena_free(a);
	test_env_free(t);
}

/* Proves concurrent writers through the write lock all commit (no SQLITE_BUSY surfaces). */
struct writer_arg {
	weir_db_pool *pool;
	int n;
	int failures;
};
static const char SQL_INS[] = "INSERT INTO workspaces (name, created_at) VALUES (?1, 0)";
static void *writer(void *p)
{
	struct writer_arg *w = p;
	for (int i = 0; i < 200; i++) {
		weir_db *c = weir_db_acquire(w->pool);
		weir_error e = WEIR_ERROR_INIT;
		char name[32];
		snprintf(name, sizeof(name), "w%d-%d", w->n, i);
		if (weir_db_begin_write(c, &e) != 0) {
			w->failures++;
			weir_db_release(c);
			continue;
		}
		weir_stmt *st = weir_db_stmt(c, SQL_INS, &e);
		weir_db_bind_text(st, 1, name);
		if (weir_db_step(st) != SQLITE_DONE)
			w->failures++;
		weir_db_done(st);
		if (weir_db_commit(c, &e) != 0)
			w->failures++;
		weir_db_release(c);
	}
	return NULL;
}

static void test_write_lock(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	weir_db_release(t->db);
	pthread_t th[3];
	struct writer_arg args[3];
	for (int i = 0; i < 3; i++) {
		args[i] = (struct writer_arg){t->pool, i, 0};
		pthread_create(&th[i], NULL, writer, &args[i]);
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(args[i].failures, 0);
	}
	t->db = weir_db_acquire(t->pool);
	weir_stmt *st;
	weir_db_prepare(t->db, "SELECT count(*) FROM workspaces", &st);
	weir_db_step(st);
	assert_int_equal(weir_db_col_int(st, 0), 601);
	weir_db_finalize(st);
	test_env_free(t);
}

/* Proves a connection returned with an open write transaction is rolled back and the lock freed. */
static void test_release_rolls_back(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	sqlite3_exec(weir_db_handle(t->db), "INSERT INTO workspaces (name, created_at) VALUES ('gone', 0)", NULL, NULL,
		     NULL);
	weir_log_set_level(WEIR_LOG_OFF);
	weir_db_release(t->db);
	weir_log_set_level(WEIR_LOG_WARN);
	t->db = weir_db_acquire(t->pool);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0); /* lock was released */
	weir_db_rollback(t->db);
	weir_stmt *st;
	weir_db_prepare(t->db, "SELECT count(*) FROM workspaces WHERE name = 'gone'", &st);
	weir_db_step(st);
	assert_int_equal(weir_db_col_int(st, 0), 0);
	weir_db_finalize(st);
	test_env_free(t);
}

/* weir_json_dump writes what json_dumps(JSON_COMPACT) writes, except shorter reals. */
static void test_json_dump(void **state)
{
	(void)state;
	const char *docs[] = {
		"{}",
		"[]",
		"{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
		"{\"z\":1,\"a\":2,\"m\":3}", /* insertion order, not sorted */
		"[\"quote \\\" back \\\\ slash / nl \\n tab \\t cr \\r bs \\b ff \\f\"]",
		"[\"\\u0001\\u001f ctl\",\"caf\u00e9 \u65e5\u672c \U0001F600\"]",
		"[-9223372036854775808,9223372036854775807,0,-1]",
		"[[[[[[]]]]]]",
		"\"\"",
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		json_error_t je;
		json_t *j = json_loads(docs[i], JSON_DECODE_ANY, &je);
		assert_non_null(j);
		char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		size_t len = 0;
		char *got = weir_json_dump_len(j, &len);
		assert_string_equal(got, want);
		assert_int_equal(len, strlen(want));
		free(want);
		free(got);
		json_decref(j);
	}
	/* reals: the shortest text that reads back to the same double, and always a real */
	const double reals[] = {0.1, 1.0, -2.5, 1e300, 3.141592653589793, 0.30000000000000004, 5e-324, 123456789.0};
	const char *texts[] = {"0.1",
			       "1.0",
			       "-2.5",
			       "1e+300",
			       "3.141592653589793",
			       "0.30000000000000004",
			       "4.94065645841247e-324",
			       "123456789.0"};
	for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
		json_t *j = json_real(reals[i]);
		char *got = weir_json_dump(j);
		assert_string_equal(got, texts[i]);
		assert_true(strtod(got, NULL) == reals[i]);
		free(got);
		json_decref(j);
	}
	/* strings with escapes at every offset (the writer skips 8 clean bytes at a time) */
	const char *alphabet[] = {"a", "\"", "\\", "\n", "\x01", "\x1f", " ", "\xc3\xa9", "/", "\x7f"};
	unsigned seed = 7;
	for (int round = 0; round < 2000; round++) {
		char str[256] = "";
		size_t len = 0;
		int parts = (int)(rand_r(&seed) % 40);
		for (int k = 0; k < parts; k++) {
			const char *piece = alphabet[rand_r(&seed) % 10];
			memcpy(str + len, piece, strlen(piece));
			len += strlen(piece);
		}
		str[len] = '\0';
		json_t *j = json_stringn(str, len);
		assert_non_null(j);
		char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		char *got = weir_json_dump(j);
		assert_string_equal(got, want);
		free(want);
		free(got);
		json_decref(j);
	}
	/* a large document grows the buffer */
	json_t *arr = json_array();
	for (int i = 0; i < 5000; i++)
		json_array_append_new(arr, json_string("0123456789"));
	size_t len = 0;
	char *got = weir_json_dump_len(arr, &len);
	assert_int_equal(len, 2 + 5000 * 12 + 4999 * 1 - 0);
	assert_int_equal(got[len], '\0');
	free(got);
	json_decref(arr);
}

/* The streaming writer places commas and nests like the serialiser of the same tree. */
static void test_json_writer(void **state)
{
	(void)state;
	weir_jw w;
	weir_jw_init(&w);
	weir_jw_obj(&w);
	weir_jw_kstr(&w, "name", "m\"1");
	weir_jw_kint(&w, "n", -42);
	weir_jw_key(&w, "empty");
	weir_jw_arr(&w);
	weir_jw_end_arr(&w);
	weir_jw_key(&w, "list");
	weir_jw_arr(&w);
	for (int i = 0; i < 3; i++) {
		weir_jw_obj(&w);
		weir_jw_kint(&w, "i", i);
		weir_jw_key(&w, "inner");
		weir_jw_arr(&w);
		weir_jw_str(&w, "x");
		weir_jw_bool(&w, i == 1);
		weir_jw_null(&w);
		weir_jw_end_arr(&w);
		weir_jw_end_obj(&w);
	}
	weir_jw_end_arr(&w);
	json_t *sub = json_pack("{s:[i,i], s:s}", "a", 1, 1, "b", "c");
	weir_jw_key(&w, "tree");
	weir_jw_value(&w, sub);
	weir_jw_key(&w, "raw");
	weir_jw_raw(&w, "{\"r\":1}", 7);
	weir_jw_kstr(&w, "nothing", NULL);
	weir_jw_key(&w, "reals");
	weir_jw_arr(&w);
	weir_jw_real(&w, 0.1);
	weir_jw_real(&w, 2.0);
	weir_jw_real(&w, -1e-300);
	weir_jw_end_arr(&w);
	weir_jw_end_obj(&w);
	size_t len;
	char *got = weir_jw_take(&w, &len);
	json_t *j = json_loads("{\"name\":\"m\\\"1\",\"n\":-42,\"empty\":[],\"list\":["
			       "{\"i\":0,\"inner\":[\"x\",false,null]},{\"i\":1,\"inner\":[\"x\",true,null]},"
			       "{\"i\":2,\"inner\":[\"x\",false,null]}],\"tree\":{\"a\":[1,1],\"b\":\"c\"},"
			       "\"raw\":{\"r\":1},\"nothing\":null,\"reals\":[0.1,2.0,-1e-300]}",
			       0, NULL);
	assert_non_null(j);
	char *want = weir_json_dump(j);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	free(got);
	free(want);
	json_decref(j);
	json_decref(sub);
	weir_jw_free(&w); /* after take: a no-op */
}

/* Checkpoints still happen, now from the checkpointer thread: 8 MB written in 40 commits
 * leave a WAL that was reset along the way (not 8 MB) and the data in the database file. */
static void test_background_checkpoint(void **state)
{
	(void)state;
	test_env *t = test_env_new();
	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(sqlite3_exec(weir_db_handle(t->db), "CREATE TABLE ck(b BLOB)", NULL, NULL, NULL), SQLITE_OK);
	for (int i = 0; i < 40; i++) {
		assert_int_equal(weir_db_begin_write(t->db, &e), 0);
		assert_int_equal(
			sqlite3_exec(weir_db_handle(t->db),
				     "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) "
				     "INSERT INTO ck SELECT randomblob(4000) FROM n",
				     NULL, NULL, NULL),
			SQLITE_OK);
		assert_int_equal(weir_db_commit(t->db, &e), 0);
		usleep(20000); /* a client's think time: the checkpointer runs meanwhile */
	}
	char wal[400];
	snprintf(wal, sizeof(wal), "%s-wal", t->db_path);
	struct stat sw, sd;
	assert_int_equal(stat(wal, &sw), 0);
	assert_int_equal(stat(t->db_path, &sd), 0);
	assert_true(sw.st_size < 6 * 1024 * 1024);
	assert_true(sd.st_size > 4 * 1024 * 1024);
	test_env_free(t);
}

/* jansson through the per-thread free lists (installed at the start of main, as weir serve
 * does; a no-op under the sanitizers): values built in one thread and released in another,
 * json_dumps text released with free(), and the lists bounded. */
struct json_hand {
	json_t *vals[500];
};

static void *json_builder(void *arg)
{
	struct json_hand *h = arg;
	for (int i = 0; i < 500; i++)
		h->vals[i] = json_pack("{s:i, s:s, s:[s,s], s:{s:f}}", "i", i, "name", "model-name-with-some-length",
				       "tags", "a", "bb", "nested", "x", 0.5 * i);
	return NULL;
}

static void *json_releaser(void *arg)
{
	struct json_hand *h = arg;
	for (int i = 0; i < 500; i++) {
		char *text = json_dumps(h->vals[i], JSON_COMPACT);
		assert_non_null(text);
		free(text); /* plain malloc blocks: free() is right for them */
		json_decref(h->vals[i]);
	}
	return NULL;
}

static void test_json_allocator(void **state)
{
	(void)state;
	for (int round = 0; round < 20; round++) {
		struct json_hand h;
		pthread_t a, b;
		assert_int_equal(pthread_create(&a, NULL, json_builder, &h), 0);
		pthread_join(a, NULL);
		assert_int_equal(pthread_create(&b, NULL, json_releaser, &h), 0);
		pthread_join(b, NULL);
		/* and some in this thread, reusing what the lists hold */
		json_t *o = json_pack("{s:s}", "k", "v");
		char *t = weir_json_dump(o);
		assert_string_equal(t, "{\"k\":\"v\"}");
		free(t);
		json_decref(o);
	}
	weir_cache_thread_release();
}

/* A thread's exit: its cache is destroyed by a key destructor, and destructors that run after
 * it (another library's, freeing a block it kept) must not file blocks into the destroyed
 * cache (that wrote into freed memory and broke glibc's own cache at thread exit). */
static pthread_key_t late_key;
static bool late_cached = true;

static void late_release(void *p)
{
	weir_cache_free(p); /* after the cache's destructor: goes to free() */
	void *q = weir_cache_malloc(48);
	weir_cache_free(q);
	late_cached = weir_cache__thread_cached();
}

static void *cache_user(void *arg)
{
	(void)arg;
	void *a = weir_cache_malloc(40), *b = weir_cache_malloc(40);
	weir_cache_free(a); /* the thread has a cache now */
	assert_true(weir_cache__thread_cached());
	pthread_setspecific(late_key, b);
	return NULL;
}

static void test_cache_thread_exit(void **state)
{
	(void)state;
#if defined(__SANITIZE_ADDRESS__)
	skip(); /* not installed under the sanitizers */
#endif
	/* created after the cache's key: glibc runs its destructor later */
	assert_int_equal(pthread_key_create(&late_key, late_release), 0);
	for (int i = 0; i < 50; i++) {
		pthread_t t;
		late_cached = true;
		assert_int_equal(pthread_create(&t, NULL, cache_user, NULL), 0);
		pthread_join(t, NULL);
		assert_false(late_cached);
	}
	pthread_key_delete(late_key);
}

/* Proves the Prometheus rendering: a registered route's counter by status code (past eight
 * codes "other"), its cumulative latency histogram with the sum in exact seconds, the
 * unmatched slot, an unregistered route left out, escaped label values and a cache by name. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static void test_metrics_render(void **state)
{
	(void)state;
	weir_metrics_reset();
	weir_metrics_set_route_name(3, "GET", "/x/{name}");
	weir_metrics_set_route_name(6, "POST", "/q/\"a\"\\b");
	weir_metrics_request_done(3, 200, 300);
	weir_metrics_request_done(3, 200, 300);
	weir_metrics_request_done(3, 404, 2000);
	weir_metrics_request_done(3, 700, 20000000); /* not an HTTP status: "other"; past 10 s: +Inf */
	weir_metrics_request_done(5, 200, 100); /* never registered: not rendered */
	weir_metrics_request_done(-1, 404, 100);
	weir_metrics_request_done(6, 201, 100);
	for (int code = 201; code <= 209; code++)
		weir_metrics_request_done(7, code, 100);
	weir_metrics_set_route_name(7, "PUT", "/many");
	weir_metrics_cache("closure", 1);
	weir_metrics_cache("closure", 0);
	weir_metrics_cache("closure", 1);
	weir_metrics_commit(3, 1500);
	weir_buf b = {0};
	weir_metrics_render(&b);
	const char *t = b.data;
	assert_true(has_line(t, "# TYPE weir_http_requests_total counter"));
	assert_true(has_line(t, "weir_http_requests_total{method=\"GET\",route=\"/x/{name}\",code=\"200\"} 2"));
	assert_true(has_line(t, "weir_http_requests_total{method=\"GET\",route=\"/x/{name}\",code=\"404\"} 1"));
	assert_true(has_line(t, "weir_http_requests_total{method=\"GET\",route=\"/x/{name}\",code=\"other\"} 1"));
	assert_true(has_line(t, "weir_http_requests_total{method=\"\",route=\"unmatched\",code=\"404\"} 1"));
	assert_true(
		has_line(t, "weir_http_requests_total{method=\"POST\",route=\"/q/\\\"a\\\"\\\\b\",code=\"201\"} 1"));
	assert_true(has_line(t, "weir_http_requests_total{method=\"PUT\",route=\"/many\",code=\"208\"} 1"));
	assert_true(has_line(t, "weir_http_requests_total{method=\"PUT\",route=\"/many\",code=\"other\"} 1"));
	assert_null(strstr(t, "code=\"209\""));
	assert_null(strstr(t, "route=\"\""));
	assert_true(has_line(t, "# TYPE weir_http_request_duration_seconds histogram"));
	const char *h = "weir_http_request_duration_seconds";
	const char *l = "{method=\"GET\",route=\"/x/{name}\"";
	char line[256];
	static const char *const expect[][2] = {{"0.0005", "2"}, {"0.001", "2"}, {"0.0025", "3"},
						{"5", "3"},      {"10", "3"},    {"+Inf", "4"}};
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		snprintf(line, sizeof(line), "%s_bucket%s,le=\"%s\"} %s", h, l, expect[i][0], expect[i][1]);
		assert_true(has_line(t, line));
	}
	snprintf(line, sizeof(line), "%s_sum%s} 20.002600", h, l);
	assert_true(has_line(t, line));
	snprintf(line, sizeof(line), "%s_count%s} 4", h, l);
	assert_true(has_line(t, line));
	assert_true(has_line(t, "weir_db_commit_batch_size_bucket{le=\"2\"} 0"));
	assert_true(has_line(t, "weir_db_commit_batch_size_bucket{le=\"4\"} 1"));
	assert_true(has_line(t, "weir_db_commit_batch_size_sum 3"));
	assert_true(has_line(t, "weir_db_commit_duration_seconds_sum 0.001500"));
	assert_true(has_line(t, "weir_cache_hits_total{cache=\"closure\"} 2"));
	assert_true(has_line(t, "weir_cache_misses_total{cache=\"closure\"} 1"));
	assert_true(has_line(t, "# TYPE process_cpu_seconds_total counter"));
	weir_buf_release(&b);
	weir_metrics_reset();
}

/* ------------------------------------------------------------------ group commit */

/* A pool with --sync full (group commit) on a fresh file in its own directory. */
struct gc_env {
	char dir[64];
	char path[96];
	weir_db_pool *pool;
};

static void gc_open(struct gc_env *g, int size)
{
	snprintf(g->dir, sizeof(g->dir), "/tmp/weir-gc-XXXXXX");
	assert_non_null(mkdtemp(g->dir));
	snprintf(g->path, sizeof(g->path), "%s/weir.db", g->dir);
	weir_error e = WEIR_ERROR_INIT;
	g->pool = weir_db_pool_open(g->path, size, WEIR_SYNC_FULL, &e);
	assert_non_null(g->pool);
}

static void gc_reopen(struct gc_env *g, int size)
{
	weir_db_pool_close(g->pool);
	weir_error e = WEIR_ERROR_INIT;
	g->pool = weir_db_pool_open(g->path, size, WEIR_SYNC_FULL, &e);
	assert_non_null(g->pool);
}

static void gc_close(struct gc_env *g)
{
	weir_db_pool_close(g->pool);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g->dir);
	assert_int_equal(system(cmd), 0);
}

static int64_t gc_count(weir_db_pool *p, const char *where)
{
	weir_db *c = weir_db_acquire(p);
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM workspaces WHERE %s", where);
	weir_stmt *st = NULL;
	assert_int_equal(weir_db_prepare(c, sql, &st), SQLITE_OK);
	assert_int_equal(weir_db_step(st), SQLITE_ROW);
	int64_t n = weir_db_col_i64(st, 0);
	weir_db_finalize(st);
	weir_db_release(c);
	return n;
}

/* One write inserting workspace `name`, holding the write lock hold_us longer (so that
 * others queue behind it): 0, or -1 with *code set. */
static int gc_insert_hold(weir_db_pool *p, const char *name, int hold_us, weir_code *code)
{
	weir_db *c = weir_db_acquire(p);
	weir_error e = WEIR_ERROR_INIT;
	int rc = -1;
	if (weir_db_begin_write(c, &e) != 0)
		goto out;
	weir_stmt *st = weir_db_stmt(c, SQL_INS, &e);
	weir_db_bind_text(st, 1, name);
	if (weir_db_step_done(c, st, &e) != 0) {
		weir_db_rollback(c);
		goto out;
	}
	if (hold_us > 0)
		usleep((useconds_t)hold_us);
	rc = weir_db_commit(c, &e);
out:
	if (code)
		*code = e.code;
	weir_db_release(c);
	return rc;
}

static int gc_insert(weir_db_pool *p, const char *name, weir_code *code) { return gc_insert_hold(p, name, 0, code); }

/* The WAL fsync, slowed down (so that commits pile up behind it, as on a real disk) and
 * made to fail on demand. */
static _Atomic int gc_sync_calls;
static _Atomic int gc_sync_fail_at; /* fail the Nth call from now on (0: never) */
static int gc_slow_sync(int fd)
{
	int n = atomic_fetch_add(&gc_sync_calls, 1) + 1;
	usleep(2000);
	int at = atomic_load(&gc_sync_fail_at);
	if (at != 0 && n >= at) {
		errno = EIO;
		return -1;
	}
	return fdatasync(fd);
}

struct gc_writer {
	weir_db_pool *pool;
	int id;
	int n;
	int ok;
	int failed;
	int conflicts;
};

static void *gc_writer_main(void *arg)
{
	struct gc_writer *w = arg;
	for (int i = 0; i < w->n; i++) {
		char name[48];
		/* every writer also tries a name another one took: a conflict, rolled back alone */
		if (i % 5 == 4)
			snprintf(name, sizeof(name), "gc-shared-%d", i);
		else
			snprintf(name, sizeof(name), "gc-%d-%d", w->id, i);
		weir_code code = WEIR_OK;
		if (gc_insert_hold(w->pool, name, i % 2 ? 300 : 0, &code) == 0)
			w->ok++;
		else if (code == WEIR_E_RESOURCE_CONFLICT)
			w->conflicts++;
		else
			w->failed++;
	}
	return NULL;
}

/* Proves group commit under concurrency: 8 threads writing at once all get their commits
 * (each counted, each durable: the rows are there after a reopen), requests share write
 * transactions and fsyncs (fewer of each than requests, sizes of 2 or more recorded), and
 * a writer's constraint violation inside a shared transaction rolls back only its own
 * insert (the others of its transaction commit). */
static void test_group_commit_concurrent(void **state)
{
	(void)state;
	struct gc_env g;
	weir_db__wal_sync_hook = gc_slow_sync;
	atomic_store(&gc_sync_fail_at, 0);
	gc_open(&g, 9);
	weir_db_commit_stats before;
	weir_db_pool_stats(g.pool, &before);
	pthread_t th[8];
	struct gc_writer w[8];
	weir_log_set_level(WEIR_LOG_OFF); /* the conflicts are logged */
	for (int i = 0; i < 8; i++) {
		w[i] = (struct gc_writer){g.pool, i, 40, 0, 0, 0};
		pthread_create(&th[i], NULL, gc_writer_main, &w[i]);
	}
	int ok = 0, conflicts = 0;
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].failed, 0);
		ok += w[i].ok;
		conflicts += w[i].conflicts;
	}
	weir_log_set_level(WEIR_LOG_WARN);
	/* 8 x 32 own names, and each of the 8 shared names once */
	assert_int_equal(ok, 8 * 32 + 8);
	assert_int_equal(conflicts, 8 * 8 - 8);
	weir_db_commit_stats s;
	weir_db_pool_stats(g.pool, &s);
	uint64_t commits = s.commits - before.commits, syncs = s.syncs - before.syncs;
	assert_true(commits >= (uint64_t)ok);
	assert_true(syncs < commits);
	uint64_t multi = 0, multi_txn = 0;
	for (int b = 1; b < 8; b++) {
		multi += s.batch_hist[b] - before.batch_hist[b];
		multi_txn += s.txn_hist[b] - before.txn_hist[b];
	}
	assert_true(multi > 0);
	assert_true(multi_txn > 0);
	assert_true(s.txns - before.txns < (uint64_t)ok);
	weir_db__wal_sync_hook = NULL;
	gc_reopen(&g, 2);
	assert_int_equal(gc_count(g.pool, "name LIKE 'gc-%'"), ok);
	gc_close(&g);
}

/* Proves a failed WAL fsync is never acknowledged: the commits it covered answer an
 * error, every later write is refused (no success reported after an fsync error, not even
 * for an autocommit statement, which is otherwise synced before it returns), reads go on,
 * and after a restart writes work again. */
static void test_group_commit_fsync_failure(void **state)
{
	(void)state;
	struct gc_env g;
	weir_db__wal_sync_hook = gc_slow_sync;
	atomic_store(&gc_sync_fail_at, 0);
	gc_open(&g, 3);
	weir_code code = WEIR_OK;
	assert_int_equal(gc_insert(g.pool, "before", &code), 0);
	/* an autocommit write (no weir_db_begin_write) is synced before its statement returns */
	weir_db *c = weir_db_acquire(g.pool);
	int calls = atomic_load(&gc_sync_calls);
	assert_int_equal(sqlite3_exec(weir_db_handle(c), "INSERT INTO workspaces (name, created_at) VALUES ('auto', 0)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(atomic_load(&gc_sync_calls), calls + 1);
	atomic_store(&gc_sync_fail_at, atomic_load(&gc_sync_calls) + 1);
	weir_log_set_level(WEIR_LOG_OFF);
	assert_int_equal(gc_insert(g.pool, "lost", &code), -1);
	assert_int_equal(code, WEIR_E_INTERNAL_ERROR);
	assert_int_equal(gc_insert(g.pool, "refused", &code), -1);
	assert_int_equal(code, WEIR_E_INTERNAL_ERROR);
	/* and after the failure it reports an error instead of success */
	assert_int_not_equal(sqlite3_exec(weir_db_handle(c),
					  "INSERT INTO workspaces (name, created_at) VALUES ('auto2', 0)", NULL, NULL,
					  NULL),
			     SQLITE_OK);
	weir_db_release(c);
	weir_log_set_level(WEIR_LOG_WARN);
	assert_int_equal(gc_count(g.pool, "name = 'before'"), 1);
	assert_int_equal(gc_count(g.pool, "name = 'refused'"), 0);
	weir_db__wal_sync_hook = NULL;
	atomic_store(&gc_sync_fail_at, 0);
	gc_reopen(&g, 3);
	assert_int_equal(gc_insert(g.pool, "after", &code), 0);
	assert_int_equal(gc_count(g.pool, "name IN ('before', 'after')"), 2);
	gc_close(&g);
}

/* Two writes sharing a transaction, the second losing it (SQLite rolls the whole
 * transaction back on some errors; here a raw ROLLBACK does the same): the first request,
 * released into the transaction and waiting for its end, fails too instead of reporting a
 * commit that never happened; nothing of either is visible; writes go on. */
struct gc_lost {
	weir_db_pool *pool;
	_Atomic int rc;
	weir_code code;
}; /* rc 99 until it returns */

static void *gc_lost_first(void *arg)
{
	struct gc_lost *l = arg;
	weir_code code = WEIR_OK;
	int rc = gc_insert_hold(l->pool, "lost-first", 200000, &code); /* the second queues meanwhile */
	l->code = code;
	atomic_store(&l->rc, rc);
	return NULL;
}

static void test_group_commit_lost_transaction(void **state)
{
	(void)state;
	struct gc_env g;
	gc_open(&g, 4);
	struct gc_lost l = {g.pool, 99, WEIR_OK};
	int64_t max_us = weir_db__batch_max_us;
	weir_db__batch_max_us = 10 * 1000 * 1000; /* the first holds the transaction 200 ms */
	pthread_t th;
	pthread_create(&th, NULL, gc_lost_first, &l);
	usleep(50000);
	weir_db *c = weir_db_acquire(g.pool);
	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(weir_db_begin_write(c, &e), 0); /* after the first released into the transaction */
	assert_int_equal(sqlite3_exec(weir_db_handle(c),
				      "INSERT INTO workspaces (name, created_at) VALUES ('lost-second', 0)", NULL, NULL,
				      NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_exec(weir_db_handle(c), "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	weir_log_set_level(WEIR_LOG_OFF);
	weir_db_rollback(c);
	pthread_join(th, NULL);
	weir_log_set_level(WEIR_LOG_WARN);
	weir_db_release(c);
	weir_db__batch_max_us = max_us;
	assert_int_equal(l.rc, -1);
	assert_int_equal(l.code, WEIR_E_INTERNAL_ERROR);
	assert_int_equal(gc_count(g.pool, "name LIKE 'lost-%'"), 0);
	weir_code code = WEIR_OK;
	assert_int_equal(gc_insert(g.pool, "after-lost", &code), 0);
	assert_int_equal(gc_count(g.pool, "name = 'after-lost'"), 1);
	gc_close(&g);
}

/* Inside a shared transaction, a later request's failure (a constraint violation) rolls
 * back only its own savepoint: the request released before it still commits, and the
 * failing one's other change is gone. */
static void test_group_commit_member_failure(void **state)
{
	(void)state;
	struct gc_env g;
	gc_open(&g, 4);
	weir_code code = WEIR_OK;
	assert_int_equal(gc_insert(g.pool, "taken", &code), 0);
	struct gc_lost l = {g.pool, 99, WEIR_OK};
	int64_t max_us = weir_db__batch_max_us;
	weir_db__batch_max_us = 10 * 1000 * 1000;
	weir_db_commit_stats before, after;
	weir_db_pool_stats(g.pool, &before);
	pthread_t th;
	pthread_create(&th, NULL, gc_lost_first, &l); /* inserts 'lost-first', holds 200 ms */
	usleep(50000);
	weir_db *c = weir_db_acquire(g.pool);
	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(weir_db_begin_write(c, &e), 0);
	weir_stmt *st = weir_db_stmt(c, SQL_INS, &e);
	weir_db_bind_text(st, 1, "second-own");
	assert_int_equal(weir_db_step_done(c, st, &e), 0);
	st = weir_db_stmt(c, SQL_INS, &e);
	weir_db_bind_text(st, 1, "taken");
	weir_log_set_level(WEIR_LOG_OFF);
	assert_int_equal(weir_db_step_done(c, st, &e), -1);
	weir_log_set_level(WEIR_LOG_WARN);
	assert_int_equal(e.code, WEIR_E_RESOURCE_CONFLICT);
	assert_int_equal(gc_count(g.pool, "name = 'lost-first'"), 0); /* not committed yet... */
	assert_int_equal(atomic_load(&l.rc), 99); /* ...and its writer waits */
	weir_db_rollback(c); /* nobody waits: commits the first */
	pthread_join(th, NULL);
	weir_db_release(c);
	weir_db__batch_max_us = max_us;
	assert_int_equal(l.rc, 0);
	assert_int_equal(gc_count(g.pool, "name = 'lost-first'"), 1);
	assert_int_equal(gc_count(g.pool, "name = 'second-own'"), 0);
	weir_db_pool_stats(g.pool, &after);
	assert_int_equal(after.txns - before.txns, 1);
	gc_close(&g);
}

/* A VFS over the default one whose WAL writes fail on demand (SQLITE_IOERR_WRITE, or
 * SQLITE_FULL as a full disk gives), to fail a COMMIT itself. */
static sqlite3_vfs *fault_base;
static sqlite3_vfs fault_vfs;
static _Atomic int fault_wal_write; /* 0, or the SQLite error the next WAL writes return */
struct fault_file {
	sqlite3_file base;
	bool wal;
	sqlite3_file *real; /* follows this struct */
};

static int ff_close(sqlite3_file *f)
{
	struct fault_file *x = (void *)f;
	return x->real->pMethods->xClose(x->real);
}
static int ff_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
	struct fault_file *x = (void *)f;
	return x->real->pMethods->xRead(x->real, b, n, o);
}
static int ff_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
	struct fault_file *x = (void *)f;
	int rc = atomic_load(&fault_wal_write);
	if (x->wal && rc != 0)
		return rc;
	return x->real->pMethods->xWrite(x->real, b, n, o);
}
static int ff_truncate(sqlite3_file *f, sqlite3_int64 s)
{
	struct fault_file *x = (void *)f;
	return x->real->pMethods->xTruncate(x->real, s);
}
static int ff_sync(sqlite3_file *f, int fl)
{
	struct fault_file *x = (void *)f;
	return x->real->pMethods->xSync(x->real, fl);
}
static int ff_size(sqlite3_file *f, sqlite3_int64 *s)
{
	struct fault_file *x = (void *)f;
	return x->real->pMethods->xFileSize(x->real, s);
}
static int ff_lock(sqlite3_file *f, int l)
{
	struct fault_file *x = (void *)f;
	return x->real->pMethods->xLock(x->real, l);
}
static int ff_unlock(sqlite3_file *f, int l)
{
	struct fault_file *x = (void *)f;
	return x->real->pMethods->xUnlock(x->real, l);
}
static int ff_reserved(sqlite3_file *f, int *r)
{
	struct fault_file *x = (void *)f;
	return x->real->pMethods->xCheckReservedLock(x->real, r);
}
static int ff_fcntl(sqlite3_file *f, int op, void *a)
{
	struct fault_file *x = (void *)f;
	return x->real->pMethods->xFileControl(x->real, op, a);
}
static int ff_sector(sqlite3_file *f)
{
	struct fault_file *x = (void *)f;
	return x->real->pMethods->xSectorSize(x->real);
}
static int ff_caps(sqlite3_file *f)
{
	struct fault_file *x = (void *)f;
	return x->real->pMethods->xDeviceCharacteristics(x->real);
}
static int ff_shmmap(sqlite3_file *f, int i, int sz, int ext, void volatile **pp)
{
	struct fault_file *x = (void *)f;
	return x->real->pMethods->xShmMap(x->real, i, sz, ext, pp);
}
static int ff_shmlock(sqlite3_file *f, int o, int n, int fl)
{
	struct fault_file *x = (void *)f;
	return x->real->pMethods->xShmLock(x->real, o, n, fl);
}
static void ff_shmbarrier(sqlite3_file *f)
{
	struct fault_file *x = (void *)f;
	x->real->pMethods->xShmBarrier(x->real);
}
static int ff_shmunmap(sqlite3_file *f, int d)
{
	struct fault_file *x = (void *)f;
	return x->real->pMethods->xShmUnmap(x->real, d);
}
static int ff_fetch(sqlite3_file *f, sqlite3_int64 o, int n, void **pp)
{
	struct fault_file *x = (void *)f;
	return x->real->pMethods->xFetch(x->real, o, n, pp);
}
static int ff_unfetch(sqlite3_file *f, sqlite3_int64 o, void *p)
{
	struct fault_file *x = (void *)f;
	return x->real->pMethods->xUnfetch(x->real, o, p);
}

static const sqlite3_io_methods ff_methods = {
	3,          ff_close,      ff_read,     ff_write, ff_truncate, ff_sync, ff_size,
	ff_lock,    ff_unlock,     ff_reserved, ff_fcntl, ff_sector,   ff_caps, ff_shmmap,
	ff_shmlock, ff_shmbarrier, ff_shmunmap, ff_fetch, ff_unfetch,
};

static int ff_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out)
{
	(void)v;
	struct fault_file *x = (void *)f;
	x->real = (sqlite3_file *)(x + 1);
	x->wal = (flags & SQLITE_OPEN_WAL) != 0;
	int rc = fault_base->xOpen(fault_base, name, x->real, flags, out);
	f->pMethods = rc == SQLITE_OK ? &ff_methods : NULL;
	return rc;
}

static void fault_vfs_install(void)
{
	fault_base = sqlite3_vfs_find(NULL);
	fault_vfs = *fault_base;
	fault_vfs.zName = "weir-fault";
	fault_vfs.szOsFile = (int)sizeof(struct fault_file) + fault_base->szOsFile;
	fault_vfs.xOpen = ff_open;
	assert_int_equal(sqlite3_vfs_register(&fault_vfs, 1), SQLITE_OK);
}

static void fault_vfs_remove(void)
{
	sqlite3_vfs_unregister(&fault_vfs);
	sqlite3_vfs_register(fault_base, 1);
}

/* Proves a COMMIT that fails in SQLite (an I/O error, a full disk while writing the WAL)
 * fails its request cleanly: an error, the write lock released, no half-written row visible
 * to anyone, and the next write works once the disk does. */
static void test_group_commit_io_error(void **state)
{
	(void)state;
	fault_vfs_install();
	struct gc_env g;
	gc_open(&g, 3);
	static const int faults[] = {SQLITE_IOERR_WRITE, SQLITE_FULL};
	for (int i = 0; i < 2; i++) {
		weir_code code = WEIR_OK;
		atomic_store(&fault_wal_write, faults[i]);
		weir_log_set_level(WEIR_LOG_OFF);
		assert_int_equal(gc_insert(g.pool, "torn", &code), -1);
		weir_log_set_level(WEIR_LOG_WARN);
		assert_int_equal(code, WEIR_E_INTERNAL_ERROR);
		atomic_store(&fault_wal_write, 0);
		assert_int_equal(gc_count(g.pool, "name = 'torn'"), 0);
		char name[16];
		snprintf(name, sizeof(name), "next%d", i);
		assert_int_equal(gc_insert(g.pool, name, &code), 0); /* the lock was released */
		assert_int_equal(gc_count(g.pool, "name LIKE 'next%'"), i + 1);
	}
	gc_reopen(&g, 2);
	assert_int_equal(gc_count(g.pool, "name = 'torn'"), 0);
	assert_int_equal(gc_count(g.pool, "name LIKE 'next%'"), 2);
	gc_close(&g);
	fault_vfs_remove();
}

/* Proves a full database (PRAGMA max_page_count reached mid-statement) fails only the
 * write that hit it: the writes before and after it commit, nothing of the big insert is
 * visible, and the lock is free again. */
static void test_group_commit_db_full(void **state)
{
	(void)state;
	struct gc_env g;
	gc_open(&g, 3);
	weir_code code = WEIR_OK;
	assert_int_equal(gc_insert(g.pool, "small-1", &code), 0);
	weir_db *c = weir_db_acquire(g.pool);
	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(sqlite3_exec(weir_db_handle(c), "CREATE TABLE big(b BLOB)", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(weir_db_begin_write(c, &e), 0);
	/* inside the write: the handle is the writer's (a per-connection limit) */
	assert_int_equal(sqlite3_exec(weir_db_handle(c), "PRAGMA max_page_count = 400", NULL, NULL, NULL), SQLITE_OK);
	weir_stmt *st = NULL;
	assert_int_equal(weir_db_prepare(c, "INSERT INTO big SELECT randomblob(4000000)", &st), SQLITE_OK);
	weir_log_set_level(WEIR_LOG_OFF);
	int rc = weir_db_step_done(c, st, &e);
	weir_log_set_level(WEIR_LOG_WARN);
	weir_db_finalize(st);
	assert_int_equal(rc, -1);
	assert_int_equal(e.code, WEIR_E_INTERNAL_ERROR);
	weir_db_rollback(c);
	weir_db_release(c);
	assert_int_equal(gc_insert(g.pool, "small-2", &code), 0);
	assert_int_equal(gc_count(g.pool, "name LIKE 'small-%'"), 2);
	c = weir_db_acquire(g.pool);
	assert_int_equal(weir_db_prepare(c, "SELECT count(*) FROM big", &st), SQLITE_OK);
	assert_int_equal(weir_db_step(st), SQLITE_ROW);
	assert_int_equal(weir_db_col_int(st, 0), 0);
	weir_db_finalize(st);
	weir_db_release(c);
	gc_close(&g);
}

/* Proves the asynchronous durability wait: a commit made without waiting (weir_db_commit_
 * nowait) is reported durable by the syncer's callback only after an fsync, a probe
 * (done NULL) registers nothing, many waiters share fsyncs, and a failed fsync reports
 * every waiter as not durable. */
struct dur_wait {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int called, durable;
};
static void dur_done(void *arg, bool durable)
{
	struct dur_wait *d = arg;
	pthread_mutex_lock(&d->mu);
	d->called++;
	d->durable += durable;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
}
static uint64_t dur_commit(weir_db_pool *p, const char *name)
{
	weir_db *c = weir_db_acquire(p);
	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(weir_db_begin_write(c, &e), 0);
	assert_int_equal(weir_db_exec(c, SQL_INS, &e, WEIR_TEXT(name)), 0);
	uint64_t seq = 0;
	assert_int_equal(weir_db_commit_nowait(c, &seq, &e), 0);
	weir_db_release(c);
	return seq;
}
static void test_durable_async(void **state)
{
	(void)state;
	struct gc_env g;
	weir_db__wal_sync_hook = gc_slow_sync;
	atomic_store(&gc_sync_fail_at, 0);
	atomic_store(&gc_sync_calls, 0);
	gc_open(&g, 4);
	struct dur_wait d = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
	uint64_t seqs[20];
	for (int i = 0; i < 20; i++) {
		char name[16];
		snprintf(name, sizeof(name), "dur-%d", i);
		seqs[i] = dur_commit(g.pool, name);
		assert_true(seqs[i] > 0);
	}
	assert_int_equal(gc_count(g.pool, "name LIKE 'dur-%'"), 20); /* visible before durable */
	int calls_before = atomic_load(&gc_sync_calls);
	int now = weir_db_durable_async(g.pool, seqs[19], NULL, NULL); /* a probe */
	assert_true(now == 0 || now == 1);
	int registered = 0;
	for (int i = 0; i < 20; i++)
		if (weir_db_durable_async(g.pool, seqs[i], dur_done, &d) == 0)
			registered++;
	pthread_mutex_lock(&d.mu);
	while (d.called < registered)
		pthread_cond_wait(&d.cv, &d.mu);
	pthread_mutex_unlock(&d.mu);
	assert_int_equal(d.durable, registered);
	assert_int_equal(weir_db_durable_async(g.pool, seqs[19], NULL, NULL), 1);
	assert_true(atomic_load(&gc_sync_calls) - calls_before <= 2); /* shared, not one per commit */
	/* a failing fsync: every waiter hears "not durable", and so does a probe after it */
	atomic_store(&gc_sync_fail_at, atomic_load(&gc_sync_calls) + 1);
	uint64_t bad = dur_commit(g.pool, "dur-bad");
	struct dur_wait f = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
	weir_log_set_level(WEIR_LOG_OFF);
	int r = weir_db_durable_async(g.pool, bad, dur_done, &f);
	if (r == 0) {
		pthread_mutex_lock(&f.mu);
		while (f.called < 1)
			pthread_cond_wait(&f.cv, &f.mu);
		pthread_mutex_unlock(&f.mu);
		assert_int_equal(f.durable, 0);
	} else {
		assert_int_equal(r, -1);
	}
	assert_int_equal(weir_db_durable_async(g.pool, bad, NULL, NULL), -1);
	weir_log_set_level(WEIR_LOG_WARN);
	weir_db__wal_sync_hook = NULL;
	gc_close(&g);
}

/* Proves the deferred commit (weir_db_commit_deferred): released changes are not visible
 * to other connections before the syncer commits their transaction, requests released
 * without waiting share one transaction (one commit for all of them), a request whose
 * savepoint is rolled back inside it leaves the others' changes in, every token is
 * reported durable once its transaction is committed and synced (by the callback, or by
 * weir_db_durable_wait), and the changes survive a reopen. */
static uint64_t dur_defer(weir_db_pool *p, const char *name, bool fail)
{
	weir_db *c = weir_db_acquire(p);
	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(weir_db_begin_write(c, &e), 0);
	assert_int_equal(weir_db_exec(c, SQL_INS, &e, WEIR_TEXT(name)), 0);
	uint64_t token = 0;
	if (fail) {
		weir_db_rollback(c);
	} else {
		assert_int_equal(weir_db_commit_deferred(c, &token, &e), 0);
		assert_true(token != 0);
	}
	weir_db_release(c);
	return token;
}
static void test_commit_deferred(void **state)
{
	(void)state;
	struct gc_env g;
	weir_db__wal_sync_hook = gc_slow_sync;
	atomic_store(&gc_sync_fail_at, 0);
	gc_open(&g, 4);
	int64_t max_us = weir_db__batch_max_us;
	weir_db__batch_max_us = 10 * 1000 * 1000; /* a slow machine does not end it early */
	weir_db_commit_stats before, after;
	weir_db_pool_stats(g.pool, &before);
	uint64_t tokens[10];
	for (int i = 0; i < 10; i++) {
		char name[16];
		snprintf(name, sizeof(name), "def-%d", i);
		tokens[i] = dur_defer(g.pool, name, false);
		if (i == 4)
			dur_defer(g.pool, "def-rolled-back", true);
	}
	assert_int_equal(gc_count(g.pool, "name LIKE 'def-%'"), 0); /* not committed yet */
	assert_int_equal(weir_db_durable_async(g.pool, tokens[9], NULL, NULL), 0); /* a probe */
	struct dur_wait d = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
	for (int i = 0; i < 9; i++)
		assert_int_equal(weir_db_durable_async(g.pool, tokens[i], dur_done, &d), 0);
	pthread_mutex_lock(&d.mu);
	while (d.called < 9)
		pthread_cond_wait(&d.cv, &d.mu);
	pthread_mutex_unlock(&d.mu);
	assert_int_equal(d.durable, 9);
	assert_int_equal(weir_db_durable_wait(g.pool, tokens[9]), 0);
	assert_int_equal(weir_db_durable_async(g.pool, tokens[9], NULL, NULL), 1);
	assert_int_equal(gc_count(g.pool, "name LIKE 'def-%'"), 10);
	weir_db_pool_stats(g.pool, &after);
	assert_int_equal(after.txns - before.txns, 1); /* one transaction for the ten */
	assert_int_equal(after.txn_requests - before.txn_requests, 10);
	/* a ticket waited for in its own thread ends its transaction there */
	uint64_t t = dur_defer(g.pool, "def-alone", false);
	assert_int_equal(weir_db_durable_wait(g.pool, t), 0);
	assert_int_equal(gc_count(g.pool, "name = 'def-alone'"), 1);
	gc_reopen(&g, 2);
	assert_int_equal(gc_count(g.pool, "name LIKE 'def-%'"), 11);
	weir_db__batch_max_us = max_us;
	weir_db__wal_sync_hook = NULL;
	gc_close(&g);
}

/* Proves the syncer's linger (weir_db_writer_busy): while a request that may write is in
 * its handler, the syncer holds the open transaction for it instead of ending it at the
 * first member's call, so both share one COMMIT; with nobody busy it does not wait. */
static void test_commit_linger(void **state)
{
	(void)state;
	struct gc_env g;
	weir_db__wal_sync_hook = NULL;
	gc_open(&g, 4);
	int64_t max_us = weir_db__batch_max_us, linger_us = weir_db__linger_us;
	weir_db__batch_max_us = 30 * 1000 * 1000;
	weir_db__linger_us = 20 * 1000 * 1000; /* a failure would show as a 20-s wait */
	weir_db_commit_stats before, after;
	weir_db_pool_stats(g.pool, &before);
	weir_db_writer_busy(g.pool, 1); /* a second request is in its handler */
	uint64_t t1 = dur_defer(g.pool, "lg-1", false);
	struct dur_wait d = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
	assert_int_equal(weir_db_durable_async(g.pool, t1, dur_done, &d), 0);
	usleep(100 * 1000);
	pthread_mutex_lock(&d.mu);
	assert_int_equal(d.called, 0); /* held open for the busy one */
	pthread_mutex_unlock(&d.mu);
	assert_int_equal(gc_count(g.pool, "name LIKE 'lg-%'"), 0);
	uint64_t t2 = dur_defer(g.pool, "lg-2", false);
	weir_db_writer_busy(g.pool, -1); /* it leaves its handler, then asks (below) */
	int64_t w0 = weir_now_ms();
	assert_int_equal(weir_db_durable_async(g.pool, t2, dur_done, &d), 0);
	pthread_mutex_lock(&d.mu);
	while (d.called < 2)
		pthread_cond_wait(&d.cv, &d.mu);
	pthread_mutex_unlock(&d.mu);
	assert_true(weir_now_ms() - w0 < 10 * 1000); /* not the linger's limit */
	assert_int_equal(d.durable, 2);
	weir_db_pool_stats(g.pool, &after);
	assert_int_equal(after.txns - before.txns, 1); /* one COMMIT for both */
	assert_int_equal(after.txn_requests - before.txn_requests, 2);
	/* nobody busy: a lone request's transaction ends at once */
	uint64_t t3 = dur_defer(g.pool, "lg-3", false);
	w0 = weir_now_ms();
	assert_int_equal(weir_db_durable_wait(g.pool, t3), 0);
	struct dur_wait d3 = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
	uint64_t t4 = dur_defer(g.pool, "lg-4", false);
	if (weir_db_durable_async(g.pool, t4, dur_done, &d3) == 0) {
		pthread_mutex_lock(&d3.mu);
		while (d3.called < 1)
			pthread_cond_wait(&d3.cv, &d3.mu);
		pthread_mutex_unlock(&d3.mu);
	}
	assert_true(weir_now_ms() - w0 < 10 * 1000);
	assert_int_equal(gc_count(g.pool, "name LIKE 'lg-%'"), 4);
	weir_db__batch_max_us = max_us;
	weir_db__linger_us = linger_us;
	gc_close(&g);
}

static int wal_pages_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	(void)db;
	(void)name;
	*(int *)arg = pages;
	return SQLITE_OK;
}

static long file_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fclose(f);
	return n;
}

/* Proves the WAL-gathering VFS (core/db_vfs.c) hands a commit's frames to the kernel before
 * the commit returns: right after each COMMIT, the -wal file read with plain stdio holds
 * exactly the frames SQLite reports, and another connection sees the rows. Transactions
 * bigger than the buffer and frames rewritten within one transaction (a page changed again
 * after a cache spill) come out intact: integrity_check ok and every row read back. */
static void test_wal_gather(void **state)
{
	(void)state;
	assert_int_equal(weir_db_vfs_register(), SQLITE_OK);
	assert_string_equal(sqlite3_vfs_find(NULL)->zName, "weir");
	char dir[] = "/tmp/weir-vfs-XXXXXX", path[64], wal[70];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/v.db", dir);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	sqlite3 *w = NULL, *r = NULL;
	assert_int_equal(sqlite3_open(path, &w), SQLITE_OK);
	assert_int_equal(sqlite3_exec(w,
				      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=20;"
				      "PRAGMA wal_autocheckpoint=0; CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	int pages = 0;
	sqlite3_wal_hook(w, wal_pages_hook, &pages);
	assert_int_equal(sqlite3_open(path, &r), SQLITE_OK);
	int64_t want = 0;
	for (int i = 0; i < 40; i++) {
		/* small commits, then big ones (5 MB: past the buffer, and past a cache of 20 pages,
		 * so pages spill and are written again in the same transaction) */
		int rows = i < 30 ? 3 : 1200;
		char sql[200];
		snprintf(sql, sizeof(sql),
			 "BEGIN; WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<%d) "
			 "INSERT INTO t(v) SELECT randomblob(%d) FROM c; UPDATE t SET v = v || x'00' WHERE k %% 7 = 0; "
			 "COMMIT",
			 rows, i < 30 ? 100 : 4000);
		assert_int_equal(sqlite3_exec(w, sql, NULL, NULL, NULL), SQLITE_OK);
		want += rows;
		assert_int_equal(file_size(wal), 32 + (long)pages * (24 + 4096));
		sqlite3_stmt *st = NULL;
		assert_int_equal(sqlite3_prepare_v2(r, "SELECT count(*) FROM t", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int64(st, 0), want);
		sqlite3_finalize(st);
	}
	/* a restarted WAL (checkpoint, then a write from the header again) */
	assert_int_equal(sqlite3_wal_checkpoint_v2(w, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(w, "INSERT INTO t(v) VALUES (x'01')", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(file_size(wal), 32 + (long)pages * (24 + 4096));
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(r, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	sqlite3_close(r);
	sqlite3_close(w);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	weir_cache_install(); /* before any jansson value, as in weir serve */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_db_row),
		cmocka_unit_test(test_error),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_dump),
		cmocka_unit_test(test_json_writer),
		cmocka_unit_test(test_json_allocator),
		cmocka_unit_test(test_cache_thread_exit),
		cmocka_unit_test(test_migrations),
		cmocka_unit_test(test_check_lists),
		cmocka_unit_test(test_migration_failure_rolls_back),
		cmocka_unit_test(test_stmt_cache),
		cmocka_unit_test(test_counter),
		cmocka_unit_test(test_write_lock),
		cmocka_unit_test(test_background_checkpoint),
		cmocka_unit_test(test_release_rolls_back),
		cmocka_unit_test(test_metrics_render),
		cmocka_unit_test(test_group_commit_concurrent),
		cmocka_unit_test(test_durable_async),
		cmocka_unit_test(test_commit_deferred),
		cmocka_unit_test(test_commit_linger),
		cmocka_unit_test(test_group_commit_fsync_failure),
		cmocka_unit_test(test_group_commit_io_error),
		cmocka_unit_test(test_group_commit_db_full),
		cmocka_unit_test(test_group_commit_lost_transaction),
		cmocka_unit_test(test_group_commit_member_failure),
		cmocka_unit_test(test_wal_gather),
	};
	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
