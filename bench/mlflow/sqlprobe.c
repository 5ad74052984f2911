/* Times the SQL of registered-models/search outside the server, on a stopped server's
 * weir.db, to split the fixed per-request cost: prepare (the search SQL is built per
 * request and prepared with sqlite3_prepare_v2, never cached), re-prepare on bind (a bound
 * GLOB pattern is part of the plan), and step. The SQL text is the one weir_reg_store_search
 * (registry/registry_store.c) builds for filter name LIKE 'P%', admin caller, LIMIT 101.
 * Build: cc -O2 -o sqlprobe sqlprobe.c -lsqlite3   Usage: sqlprobe weir.db PREFIX [N] */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *PROMPT = " AND NOT EXISTS (SELECT 1 FROM registered_model_tags pt WHERE pt.model_id = m.id "
			    "AND pt.key = 'mlflow.prompt.is_prompt' AND lower(pt.value) = 'true')";
static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}
static char ms[64], def[64];
static void one(sqlite3 *db, const char *sql, const char *q, char *out)
{
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, q, -1, &st, NULL);
	if (sql)
		sqlite3_bind_text(st, 1, sql, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, 64, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}
static int bind_all(sqlite3_stmt *st, const char *glob)
{
	sqlite3_bind_text(st, 1, def, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, glob, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ms, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, def, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, glob, -1, SQLITE_STATIC);
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW)
		n++;
	return n;
}
int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	int N = argc > 3 ? atoi(argv[3]) : 2000;
	char glob[128];
	snprintf(glob, sizeof glob, "%s*", argv[2]);
	sqlite3 *db;
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return 1;
	one(db, NULL, "SELECT id FROM securables WHERE type='metastore' LIMIT 1", ms);
	one(db, ms,
	    "SELECT s.id FROM securables s JOIN securables c ON c.id=s.parent_id WHERE s.type='schema' "
	    "AND c.parent_id=?1 AND EXISTS (SELECT 1 FROM securables m WHERE m.parent_id=s.id AND "
	    "m.type='registered_model') LIMIT 1",
	    def);
	char sql[4096];
	const char *full = "(c.name || '.' || s.name || '.' || m.name)";
	snprintf(sql, sizeof sql,
		 "SELECT m.id AS id, 0 AS ver, m.name AS mname, m.updated_at AS upd, m.created_at AS cre FROM "
		 "securables m "
		 "WHERE m.parent_id = ? AND m.type = 'registered_model' AND m.name GLOB ?%s"
		 " UNION ALL SELECT m.id, 0 AS ver, %s AS mname, m.updated_at AS upd, m.created_at AS cre FROM "
		 "securables c "
		 "JOIN securables s ON s.parent_id = c.id AND s.type = 'schema' JOIN securables m ON m.parent_id = "
		 "s.id AND "
		 "m.type = 'registered_model' WHERE c.parent_id = ? AND c.type = 'catalog' AND s.id IS NOT ? AND %s "
		 "GLOB ?%s"
		 " ORDER BY mname ASC LIMIT 101 OFFSET 0",
		 PROMPT, full, full, PROMPT);
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL); /* one read snapshot, as a request has */
	int rows = 0;
	double t0 = now_us();
	for (int i = 0; i < N; i++) {
		sqlite3_stmt *st;
		sqlite3_prepare_v2(db, sql, -1, &st, NULL);
		sqlite3_finalize(st);
	}
	double t1 = now_us();
	int reprep = 0;
	for (int i = 0; i < N; i++) { /* what the server does: prepare, bind, step, finalize */
		sqlite3_stmt *st;
		sqlite3_prepare_v2(db, sql, -1, &st, NULL);
		rows = bind_all(st, glob);
		reprep += sqlite3_stmt_status(st, SQLITE_STMTSTATUS_REPREPARE, 0);
		sqlite3_finalize(st);
	}
	double t2 = now_us();
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	for (int i = 0; i < N; i++) { /* prepared once, reset per use (what weir_db_stmt caching gives) */
		bind_all(st, glob);
		sqlite3_reset(st);
	}
	double t3 = now_us();
	int reprep_cached = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_REPREPARE, 0);
	sqlite3_finalize(st);
	/* The shape weir_reg_store_search builds since 2026-11-21 (RESULTS.md, "after"): the prefix as
	 * a range bound from C, the pattern kept only in the other-schemas arm and bound as
	 * (? || ''), LIMIT/OFFSET bound; one cached statement, rebound per use. */
	char sql2[4096], hi[128];
	snprintf(hi, sizeof hi, "%s", argv[2]);
	hi[strlen(hi) - 1]++;
	snprintf(sql2, sizeof sql2,
		 "SELECT m.id AS id, 0 AS ver, m.name AS mname, m.updated_at AS upd, m.created_at AS cre, m.comment AS "
		 "cmt "
		 "FROM securables m WHERE m.parent_id = ? AND m.type = 'registered_model' AND m.name >= ? AND m.name < "
		 "?%s"
		 " UNION ALL SELECT m.id, 0 AS ver, %s AS mname, m.updated_at AS upd, m.created_at AS cre, m.comment "
		 "AS cmt "
		 "FROM securables c JOIN securables s ON s.parent_id = c.id AND s.type = 'schema' JOIN securables m ON "
		 "m.parent_id = s.id AND m.type = 'registered_model' WHERE c.parent_id = ? AND c.type = 'catalog' AND "
		 "s.id IS NOT ? AND %s GLOB (? || '')%s ORDER BY mname ASC LIMIT ? OFFSET ?",
		 PROMPT, full, full, PROMPT);
	sqlite3_prepare_v2(db, sql2, -1, &st, NULL);
	int rows2 = 0;
	double t4 = now_us();
	for (int i = 0; i < N; i++) {
		sqlite3_bind_text(st, 1, def, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, argv[2], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, hi, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, ms, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, def, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, glob, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 7, 101);
		sqlite3_bind_int(st, 8, 0);
		rows2 = 0;
		while (sqlite3_step(st) == SQLITE_ROW)
			rows2++;
		sqlite3_reset(st);
	}
	double t5 = now_us();
	int reprep_range = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_REPREPARE, 0);
	sqlite3_finalize(st);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	printf("{\"prefix\":\"%s\",\"rows\":%d,\"n\":%d,\"prepare_only_us\":%.1f,\"prepare_bind_step_finalize_us\":%."
	       "1f,"
	       "\"reprepares_per_call\":%.2f,\"cached_bind_step_reset_us\":%.1f,\"reprepares_cached_total\":%d,"
	       "\"range_rows\":%d,\"range_cached_bind_step_reset_us\":%.1f,\"range_reprepares_total\":%d}\n",
	       argv[2], rows, N, (t1 - t0) / N, (t2 - t1) / N, (double)reprep / N, (t3 - t2) / N, reprep_cached, rows2,
	       (t5 - t4) / N, reprep_range);
	sqlite3_close(db);
	return 0;
}
