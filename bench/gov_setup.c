/* Bench setup for the governance figure: 1,000 groups nested up to depth 5 and 10,000
 * grants, a user whose access to bench.r.target comes only through the deepest group, and a
 * PAT for that user written to OUT. Runs on DATA/weir.db before the server starts.
 * usage: gov_setup DATA OUT_TOKEN_FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "core/db_sqlite.h"
#include "core/log.h"
#include "governance/catalog.h"
#include "governance/governance.h"

static void must(int rc, const char *what)
{
	if (rc != 0) {
		fprintf(stderr, "gov_setup: %s failed\n", what);
		exit(1);
	}
}

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "gov_setup: %s: %s\n", sql, msg);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: gov_setup DATA OUT_TOKEN_FILE\n");
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/weir.db", argv[1]);
	weir_error e = WEIR_ERROR_INIT;
	weir_log_set_level(WEIR_LOG_WARN);
	weir_db_pool *pool = weir_db_pool_open(path, 1, WEIR_SYNC_NORMAL, &e);
	if (pool == NULL) {
		fprintf(stderr, "gov_setup: %s\n", e.message);
		return 1;
	}
	weir_db *db = weir_db_acquire(pool);
	weir_arena *a = weir_arena_new(4096);
	must(weir_db_begin_write(db, &e), "begin");
	sqlite3 *h = weir_db_handle(db); /* the writer's, inside the write */
	/* 1,000 groups: 200 chains of depth 5 (g_c_0 contains g_c_1 contains ... g_c_4). */
	exec(h, "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999) "
		"INSERT INTO principals (kind, name, created_at, updated_at) "
		"SELECT 'group', printf('g_%d_%d', i / 5, i % 5), 0, 0 FROM n");
	exec(h, "INSERT INTO group_members (group_id, member_id) "
		"SELECT p.id, c.id FROM principals p JOIN principals c ON c.kind = 'group' AND p.kind = 'group' "
		"AND c.name = printf('g_%s_%d', substr(p.name, 3, instr(substr(p.name, 3), '_') - 1), "
		"CAST(substr(p.name, 3 + instr(substr(p.name, 3), '_')) AS INTEGER) + 1)");
	exec(h, "INSERT INTO principals (kind, name, created_at, updated_at) VALUES ('user', 'deep@bench', 0, 0)");
	exec(h, "INSERT INTO group_members (group_id, member_id) SELECT g.id, u.id FROM principals g, principals u "
		"WHERE g.name = 'g_7_4' AND u.name = 'deep@bench'");
	/* 10,000 grants: USE/SELECT of every group on 3,333 tables of schema bench.noise. */
	const char *ms = weir_gov_metastore_id(db, a, &e);
	char sql[1024];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO securables (id, type, parent_id, name, owner_id, created_at, created_by, updated_at, "
		 "updated_by) "
		 "VALUES ('cat-bench', 'catalog', '%s', 'bench', 2, 0, 'admin', 0, 'admin'), "
		 "('sch-r', 'schema', 'cat-bench', 'r', 2, 0, 'admin', 0, 'admin'), "
		 "('sch-noise', 'schema', 'cat-bench', 'noise', 2, 0, 'admin', 0, 'admin'), "
		 "('sch-w', 'schema', 'cat-bench', 'w', 2, 0, 'admin', 0, 'admin'), "
		 "('tbl-target', 'table', 'sch-r', 'target', 2, 0, 'admin', 0, 'admin')",
		 ms);
	exec(h, sql);
	exec(h, "UPDATE securables SET subtype = 'EXTERNAL', storage_location = 's3://bench/target' WHERE id = "
		"'tbl-target'");
	exec(h, "INSERT INTO table_columns (table_id, position, name, type_text, type_name) VALUES "
		"('tbl-target', 0, 'id', 'bigint', 'LONG'), ('tbl-target', 1, 'v', 'string', 'STRING')");
	exec(h,
	     "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 3332) "
	     "INSERT INTO securables (id, type, parent_id, name, owner_id, created_at, created_by, updated_at, "
	     "updated_by) "
	     "SELECT printf('noise-%d', i), 'table', 'sch-noise', printf('n%d', i), 2, 0, 'admin', 0, 'admin' FROM n");
	exec(h, "INSERT INTO grants (securable_id, principal_id, privilege) "
		"SELECT s.id, g.id, 'SELECT' FROM securables s JOIN principals g ON g.kind = 'group' "
		"AND g.id % 333 = CAST(substr(s.id, 7) AS INTEGER) % 333 WHERE s.parent_id = 'sch-noise' LIMIT 9997");
	/* the path that matters: the top of chain 7 may use catalog and schema and select the target */
	exec(h, "INSERT INTO grants (securable_id, principal_id, privilege) SELECT 'cat-bench', id, 'USE_CATALOG' FROM "
		"principals WHERE name = 'g_7_0'");
	exec(h, "INSERT INTO grants (securable_id, principal_id, privilege) SELECT 'sch-r', id, 'USE_SCHEMA' FROM "
		"principals WHERE name = 'g_7_0'");
	exec(h, "INSERT INTO grants (securable_id, principal_id, privilege) SELECT 'tbl-target', id, 'SELECT' FROM "
		"principals WHERE name = 'g_7_0'");
	int64_t uid = weir_gov_principal_id(db, "deep@bench", NULL, &e);
	char *tok = NULL;
	must(weir_gov_token_create(db, a, uid, WEIR_DEFAULT_WORKSPACE_ID, 0, "bench", &tok, NULL, &e), "token");
	must(weir_db_commit(db, &e), "commit");
	FILE *f = fopen(argv[2], "w");
	if (f == NULL)
		return 1;
	fprintf(f, "%s\n", tok);
	fclose(f);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(
		h,
		"SELECT (SELECT count(*) FROM principals WHERE kind = 'group'), (SELECT count(*) FROM grants), "
		"(SELECT count(*) FROM group_members)",
		-1, &st, NULL);
	sqlite3_step(st);
	printf("groups=%d grants=%d memberships=%d\n", sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
	       sqlite3_column_int(st, 2));
	sqlite3_finalize(st);
	weir_arena_free(a);
	weir_db_release(db);
	weir_db_pool_close(pool);
	return 0;
}
