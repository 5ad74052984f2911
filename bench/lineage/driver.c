/* Lineage bench driver: on a database made by lineage-gen, times through the real read code
 * (lineage/lineage_read.c, as the HTTP handlers call it, JSON rendering included):
 *   - 5-hop upstream traversals from nodes with a wide ancestry (the top 10 % of ids),
 *     with the default caps (max_nodes 1000, max_edges 5000) and with max_nodes 10000;
 *   - depth-3 column impact from columns of random tables in the lower half of ids;
 * and, on a fresh database with synchronous=FULL (durable), OpenLineage ingest through
 * weir_openlineage_ingest: one transaction per event, then batches of 100 per transaction.
 *
 * The reads run as the admin and as `reader`, a user with USE CATALOG on `bench`, USE SCHEMA
 * and SELECT on `bench.s` (half the tables; the other half, in `bench.h`, are masked for it):
 * every node then costs a weir_gov_resolve_id, as in production.
 *
 * usage: lineage-driver GRAPH_DB N_TABLES ITERATIONS INGEST_EVENTS */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/db.h"
#include "core/db_sqlite.h"
#include "core/log.h"
#include "core/util.h"
#include "governance/governance.h"
#include "lineage/lineage_read.h"
#include "lineage/openlineage.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, int n, double extra, const char *extra_name)
{
	qsort(v, (size_t)n, sizeof(double), cmpd);
	double sum = 0;
	for (int i = 0; i < n; i++)
		sum += v[i];
	printf("| %s | %d | %.2f | %.2f | %.2f | %.2f | %.1f %s |\n", what, n, v[n / 2], v[(int)(n * 0.99)], v[n - 1],
	       sum / n, extra, extra_name);
}

static weir_principal *admin(weir_db *db, weir_arena *a, const char *dir)
{
	weir_error e = WEIR_ERROR_INIT;
	char tok[512];
	snprintf(tok, sizeof(tok), "%s/bench-admin.token", dir);
	if (weir_gov_bootstrap(db, tok, &e) != 0) {
		fprintf(stderr, "bootstrap: %s\n", e.message);
		exit(1);
	}
	int64_t id = weir_gov_principal_id(db, "admin", NULL, &e);
	return weir_gov_principal_load(db, a, id, WEIR_DEFAULT_WORKSPACE_ID, &e);
}

static weir_principal *reader(weir_db *db, weir_arena *a)
{
	weir_error e = WEIR_ERROR_INIT;
	sqlite3 *h = weir_db_handle(db);
	sqlite3_exec(
		h,
		"INSERT OR IGNORE INTO principals (kind, name, created_at, updated_at) VALUES ('user', 'reader', 0, 0);"
		"INSERT OR IGNORE INTO grants SELECT 'cat-bench', id, 'USE_CATALOG' FROM principals WHERE name = "
		"'reader';"
		"INSERT OR IGNORE INTO grants SELECT 'sch-s', id, 'USE_SCHEMA' FROM principals WHERE name = 'reader';"
		"INSERT OR IGNORE INTO grants SELECT 'sch-s', id, 'SELECT' FROM principals WHERE name = 'reader';",
		NULL, NULL, NULL);
	int64_t id = weir_gov_principal_id(db, "reader", NULL, &e);
	weir_principal *p = weir_gov_principal_load(db, a, id, WEIR_DEFAULT_WORKSPACE_ID, &e);
	if (p == NULL) {
		fprintf(stderr, "reader: %s\n", e.message);
		exit(1);
	}
	return p;
}

static void traversals_ex(weir_db *db, weir_principal *p, int64_t n, int iters, int64_t max_nodes, weir_lineage_dir dir,
			  int64_t depth, bool marquez);

static void traversals(weir_db *db, weir_principal *p, int64_t n, int iters, int64_t max_nodes)
{
	traversals_ex(db, p, n, iters, max_nodes, WEIR_LIN_UP, 5, false);
}

static void traversals_ex(weir_db *db, weir_principal *p, int64_t n, int iters, int64_t max_nodes, weir_lineage_dir dir,
			  int64_t depth, bool marquez)
{
	double *v = calloc((size_t)iters, sizeof(double));
	double nodes = 0;
	int truncated = 0;
	for (int i = 0; i < iters; i++) {
		weir_arena *a = weir_arena_new(65536);
		int64_t id = n - (int64_t)(rand() % (int)(n / 10 + 1));
		if (!p->is_admin && id % 2)
			id--; /* the reader starts from a table it may browse */
		char ref[64];
		snprintf(ref, sizeof(ref), "table:tbl-%lld", (long long)id);
		weir_lineage_query q = {ref, dir, depth, 0, NULL, max_nodes, 0};
		weir_error e = WEIR_ERROR_INIT;
		double t = now_ms();
		json_t *g = NULL;
		if (weir_lineage_query_check(&q, &e) == 0)
			g = marquez ? weir_lineage_marquez(db, a, p, &q, &e) : weir_lineage_graph(db, a, p, &q, &e);
		char *s = g ? json_dumps(g, JSON_COMPACT) : NULL;
		v[i] = now_ms() - t;
		if (g == NULL) {
			fprintf(stderr, "graph %s: %s\n", ref, e.message);
			exit(1);
		}
		nodes += (double)json_array_size(json_object_get(g, marquez ? "graph" : "nodes"));
		truncated += json_is_true(json_object_get(g, "truncated"));
		free(s);
		json_decref(g);
		weir_arena_free(a);
	}
	char what[96];
	snprintf(what, sizeof(what), "%s: %s%lld-hop %s, max_nodes %lld (%d%% truncated)",
		 p->is_admin ? "admin" : "reader", marquez ? "Marquez /api/v1/lineage, " : "", (long long)depth,
		 dir == WEIR_LIN_UP     ? "upstream"
		 : dir == WEIR_LIN_DOWN ? "downstream"
					: "both ways",
		 (long long)max_nodes, 100 * truncated / iters);
	report(what, v, iters, nodes / iters, "nodes");
	free(v);
}

static void impacts(weir_db *db, weir_principal *p, int64_t n, int iters)
{
	double *v = calloc((size_t)iters, sizeof(double));
	double cols = 0;
	for (int i = 0; i < iters; i++) {
		weir_arena *a = weir_arena_new(65536);
		int64_t id = 1 + (int64_t)(rand() % (int)(n / 2));
		if (!p->is_admin && id % 2)
			id++;
		weir_securable t;
		memset(&t, 0, sizeof(t));
		t.type = WEIR_SEC_TABLE;
		t.id = weir_arena_printf(a, "tbl-%lld", (long long)id);
		t.full_name = weir_arena_printf(a, "bench.%s.t%lld", id % 2 ? "h" : "s", (long long)id);
		char col[8];
		snprintf(col, sizeof(col), "c%d", rand() % 10);
		weir_error e = WEIR_ERROR_INIT;
		double t0 = now_ms();
		json_t *out = weir_lineage_column_impact(db, a, p, &t, col, 3, 0, &e);
		char *s = out ? json_dumps(out, JSON_COMPACT) : NULL;
		v[i] = now_ms() - t0;
		if (out == NULL) {
			fprintf(stderr, "impact: %s\n", e.message);
			exit(1);
		}
		cols += (double)json_array_size(json_object_get(out, "impacted"));
		free(s);
		json_decref(out);
		weir_arena_free(a);
	}
	report(p->is_admin ? "admin: column impact, depth 3" : "reader: column impact, depth 3", v, iters, cols / iters,
	       "columns");
	free(v);
}

static json_t *event(int i)
{
	char rid[40], in1[32], in2[32], out[32];
	snprintf(rid, sizeof(rid), "0190c5f5-0000-7000-8000-%012d", i);
	snprintf(in1, sizeof(in1), "t%d", i % 5000);
	snprintf(in2, sizeof(in2), "t%d", (i * 7 + 1) % 5000);
	snprintf(out, sizeof(out), "t%d", (i + 1) % 5000);
	json_t *fields = json_object();
	for (int f = 0; f < 3; f++) {
		char name[8];
		snprintf(name, sizeof(name), "c%d", f);
		json_object_set_new(fields, name,
				    json_pack("{s:[{s:s, s:s, s:s, s:[{s:s, s:s}]}]}", "inputFields", "namespace",
					      "pg://db", "name", in1, "field", name, "transformations", "type",
					      "DIRECT", "subtype", "IDENTITY"));
	}
	return json_pack(
		"{s:s, s:s, s:{s:s}, s:{s:s, s:s}, s:[{s:s, s:s}, {s:s, s:s}], s:[{s:s, s:s, s:{s:{s:s, s:s, s:o}}}], "
		"s:s, s:s}",
		"eventType", "COMPLETE", "eventTime", "2026-05-01T12:00:00.000Z", "run", "runId", rid, "job",
		"namespace", "bench", "name", in1, "inputs", "namespace", "pg://db", "name", in1, "namespace",
		"pg://db", "name", in2, "outputs", "namespace", "pg://db", "name", out, "facets", "columnLineage",
		"_producer", "https://x", "_schemaURL",
		"https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json", "fields", fields, "producer",
		"https://github.com/weir/bench", "schemaURL",
		"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent");
}

static void ingest(const char *dir, int events, int batch)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/ingest-%d.db", dir, batch);
	unlink(path);
	weir_error e = WEIR_ERROR_INIT;
	weir_db_pool *pool = weir_db_pool_open(path, 2, WEIR_SYNC_FULL, &e);
	if (pool == NULL) {
		fprintf(stderr, "pool: %s\n", e.message);
		exit(1);
	}
	weir_db *db = weir_db_acquire(pool);
	json_t **ev = calloc((size_t)events, sizeof(json_t *));
	for (int i = 0; i < events; i++)
		ev[i] = event(i);
	double t0 = now_ms();
	for (int i = 0; i < events; i += batch) {
		weir_arena *a = weir_arena_new(16384);
		if (weir_db_begin_write(db, &e) != 0)
			exit(1);
		for (int k = i; k < i + batch && k < events; k++)
			if (weir_openlineage_ingest(db, a, ev[k], "", 0, &e) != 0) {
				fprintf(stderr, "ingest: %s\n", e.message);
				exit(1);
			}
		if (weir_db_commit(db, &e) != 0)
			exit(1);
		weir_arena_free(a);
	}
	double ms = now_ms() - t0;
	printf("| ingest, %d event(s) per transaction, synchronous=FULL | %d events | %.0f ms | %.0f events/s |\n",
	       batch, events, ms, events / (ms / 1000.0));
	for (int i = 0; i < events; i++)
		json_decref(ev[i]);
	free(ev);
	weir_db_release(db);
	weir_db_pool_close(pool);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s GRAPH_DB N_TABLES ITERATIONS INGEST_EVENTS\n", argv[0]);
		return 2;
	}
	weir_log_set_level(WEIR_LOG_WARN);
	srand(42);
	int64_t n = atoll(argv[2]);
	int iters = atoi(argv[3]), events = atoi(argv[4]);
	char dir[400];
	snprintf(dir, sizeof(dir), "%s", argv[1]);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	weir_error e = WEIR_ERROR_INIT;
	weir_db_pool *pool = weir_db_pool_open(argv[1], 2, WEIR_SYNC_NORMAL, &e);
	if (pool == NULL) {
		fprintf(stderr, "pool: %s\n", e.message);
		return 1;
	}
	weir_db *db = weir_db_acquire(pool);
	weir_arena *pa = weir_arena_new(4096);
	weir_principal *p = admin(db, pa, dir);
	printf("| query | runs | p50 ms | p99 ms | max ms | mean ms | mean size |\n|---|---|---|---|---|---|---|\n");
	traversals(db, p, n, iters / 10 > 5 ? iters / 10 : 5, 1000); /* warm-up, reported too */
	traversals(db, p, n, iters, 1000);
	traversals(db, p, n, iters, 10000);
	traversals_ex(db, p, n, iters, 1000, WEIR_LIN_BOTH, 3, false);
	traversals_ex(db, p, n, iters, 1000, WEIR_LIN_BOTH, 3, true);
	impacts(db, p, n, iters);
	weir_principal *rd = reader(db, pa);
	traversals(db, rd, n, iters, 1000);
	impacts(db, rd, n, iters);
	weir_arena_free(pa);
	weir_db_release(db);
	weir_db_pool_close(pool);
	if (events > 0) {
		printf("\n| ingest | events | time | rate |\n|---|---|---|---|\n");
		ingest(dir, events, 1);
		ingest(dir, events * 4, 100);
	}
	return 0;
}
