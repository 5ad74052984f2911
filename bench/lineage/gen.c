/* Lineage graph generator for the bench: N tables, E table edges and C column edges in a
 * migrated Weir database, written straight into the lineage tables in primary-key order
 * (the producer interface would take minutes for the full size; the rows are the same shape:
 * one aggregate edge plus one producer observation each).
 *
 * Shape (as shared/reference/perf-limits.md §4): a DAG with src < dst; 85 % of parents are
 * drawn from the previous 2,000 ids (pipeline locality), 15 % uniformly from all earlier ids,
 * so high ids have a wide ancestry. Each table has COLS columns; each table edge carries
 * C/E column edges from random source columns to random target columns.
 *
 * Every table is also a securable (catalog `bench`, schema `s` for even ids, `h` for odd
 * ids) so that reads as a non-admin go through weir_gov_resolve_id like production: the
 * driver's reader may browse `bench.s` only, so half of every path is masked.
 *
 * usage: lineage-gen DB N E C   (e.g. 100000 1000000 5000000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/db.h"
#include "core/db_sqlite.h"
#include "governance/governance.h"

#define COLS 10

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void check(sqlite3 *db, int rc, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
		exit(1);
	}
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s DB N E C\n", argv[0]);
		return 2;
	}
	int64_t n = atoll(argv[2]), e = atoll(argv[3]), c = atoll(argv[4]);
	weir_error err = WEIR_ERROR_INIT;
	weir_db_pool *pool = weir_db_pool_open(argv[1], 1, WEIR_SYNC_NORMAL, &err);
	if (pool == NULL) {
		fprintf(stderr, "open: %s\n", err.message);
		return 1;
	}
	weir_db *wdb = weir_db_acquire(pool);
	char tok[1100];
	snprintf(tok, sizeof(tok), "%s.admin-token", argv[1]);
	if (weir_gov_bootstrap(wdb, tok, &err) != 0) {
		fprintf(stderr, "bootstrap: %s\n", err.message);
		return 1;
	}
	sqlite3 *db = weir_db_handle(wdb);
	/* catalog bench with schemas s (browsable by the reader) and h (hidden) */
	check(db,
	      sqlite3_exec(db,
			   "INSERT INTO securables(id, type, parent_id, name, owner_id, created_at, created_by, "
			   "updated_at, updated_by) "
			   "SELECT 'cat-bench', 'catalog', id, 'bench', owner_id, 0, 'gen', 0, 'gen' FROM securables "
			   "WHERE type = 'metastore';"
			   "INSERT INTO securables(id, type, parent_id, name, owner_id, created_at, created_by, "
			   "updated_at, updated_by) "
			   "SELECT 'sch-s', 'schema', 'cat-bench', 's', owner_id, 0, 'gen', 0, 'gen' FROM securables "
			   "WHERE id = 'cat-bench';"
			   "INSERT INTO securables(id, type, parent_id, name, owner_id, created_at, created_by, "
			   "updated_at, updated_by) "
			   "SELECT 'sch-h', 'schema', 'cat-bench', 'h', owner_id, 0, 'gen', 0, 'gen' FROM securables "
			   "WHERE id = 'cat-bench';",
			   NULL, NULL, NULL),
	      "securables");
	sqlite3_exec(db,
		     "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA foreign_keys=OFF; "
		     "PRAGMA cache_size=-200000; BEGIN",
		     NULL, NULL, NULL);
	sqlite3_stmt *node, *col, *prod, *edge, *obs, *cedge, *cobs, *sec;
	check(db,
	      sqlite3_prepare_v2(db,
				 "INSERT INTO lineage_nodes(id, kind, key, name, securable_id, first_seen, last_seen) "
				 "VALUES (?1, 'TABLE', 'tbl-' || ?1, 'bench.' || iif(?1 % 2, 'h', 's') || '.t' || ?1, "
				 "'tbl-' || ?1, ?2, ?2)",
				 -1, &node, NULL),
	      "p");
	check(db,
	      sqlite3_prepare_v2(db,
				 "INSERT INTO securables(id, type, parent_id, name, owner_id, subtype, created_at, "
				 "created_by, updated_at, updated_by) SELECT 'tbl-' || ?1, 'table', "
				 "iif(?1 % 2, 'sch-h', 'sch-s'), 't' || ?1, owner_id, 'MANAGED', 0, 'gen', 0, 'gen' "
				 "FROM securables WHERE id = 'cat-bench'",
				 -1, &sec, NULL),
	      "p");
	check(db,
	      sqlite3_prepare_v2(db, "INSERT INTO lineage_columns(id, node_id, name) VALUES (?1, ?2, 'c' || ?3)", -1,
				 &col, NULL),
	      "p");
	check(db,
	      sqlite3_prepare_v2(db,
				 "INSERT INTO lineage_producers(id, entity_type, entity_id) "
				 "VALUES (?1, 'job_run', 'run-' || ?1)",
				 -1, &prod, NULL),
	      "p");
	check(db,
	      sqlite3_prepare_v2(db,
				 "INSERT OR IGNORE INTO lineage_edges(dst, src, first_seen, last_seen) "
				 "VALUES (?1, ?2, ?3, ?3)",
				 -1, &edge, NULL),
	      "p");
	check(db,
	      sqlite3_prepare_v2(db,
				 "INSERT OR IGNORE INTO lineage_edge_obs(producer_id, dst, src, origin, "
				 "first_seen, last_seen) VALUES (?1, ?1, ?2, 'CAPTURED', ?3, ?3)",
				 -1, &obs, NULL),
	      "p");
	check(db,
	      sqlite3_prepare_v2(db,
				 "INSERT OR IGNORE INTO lineage_column_edges(dst, src, transformation, subtype, "
				 "first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
				 -1, &cedge, NULL),
	      "p");
	check(db,
	      sqlite3_prepare_v2(db,
				 "INSERT OR IGNORE INTO lineage_column_edge_obs(producer_id, dst, src, "
				 "transformation, subtype, origin, first_seen, last_seen) "
				 "VALUES (?1, ?2, ?3, ?4, ?5, 'CAPTURED', ?6, ?6)",
				 -1, &cobs, NULL),
	      "p");
	int64_t t0 = 1767225600000LL;
	for (int64_t i = 1; i <= n; i++) {
		sqlite3_bind_int64(node, 1, i);
		sqlite3_bind_int64(node, 2, t0 + i);
		check(db, sqlite3_step(node), "node");
		sqlite3_reset(node);
		sqlite3_bind_int64(sec, 1, i);
		check(db, sqlite3_step(sec), "securable");
		sqlite3_reset(sec);
		for (int j = 0; j < COLS; j++) {
			sqlite3_bind_int64(col, 1, i * COLS + j);
			sqlite3_bind_int64(col, 2, i);
			sqlite3_bind_int(col, 3, j);
			check(db, sqlite3_step(col), "col");
			sqlite3_reset(col);
		}
		sqlite3_bind_int64(prod, 1, i);
		check(db, sqlite3_step(prod), "prod");
		sqlite3_reset(prod);
	}
	/* parents per dst: e/n on average (dst 1 has none) */
	double per = (double)e / (double)(n - 1);
	int64_t per_col = c / (e ? e : 1);
	int64_t made = 0, cmade = 0;
	int64_t parents[4096];
	for (int64_t d = 2; d <= n && made < e; d++) {
		int64_t k = (int64_t)per + ((double)(next() % 1000) / 1000.0 < per - (int64_t)per ? 1 : 0);
		if (k > d - 1)
			k = d - 1;
		if (k > 4096)
			k = 4096;
		for (int64_t p = 0; p < k; p++) {
			if (next() % 100 < 85) {
				int64_t w = d - 1 < 2000 ? d - 1 : 2000;
				parents[p] = d - 1 - (int64_t)(next() % (uint64_t)w);
			} else {
				parents[p] = 1 + (int64_t)(next() % (uint64_t)(d - 1));
			}
		}
		qsort(parents, (size_t)k, sizeof(int64_t), cmp64);
		for (int64_t p = 0; p < k; p++) {
			if (p > 0 && parents[p] == parents[p - 1])
				continue;
			int64_t s = parents[p], ts = t0 + d * 1000;
			sqlite3_bind_int64(edge, 1, d);
			sqlite3_bind_int64(edge, 2, s);
			sqlite3_bind_int64(edge, 3, ts);
			check(db, sqlite3_step(edge), "edge");
			sqlite3_reset(edge);
			sqlite3_bind_int64(obs, 1, d);
			sqlite3_bind_int64(obs, 2, s);
			sqlite3_bind_int64(obs, 3, ts);
			check(db, sqlite3_step(obs), "obs");
			sqlite3_reset(obs);
			made++;
			for (int64_t q = 0; q < per_col; q++) {
				int64_t dc = d * COLS + (int64_t)(next() % COLS),
					sc = s * COLS + (int64_t)(next() % COLS);
				const char *t = next() % 4 ? "DIRECT" : "INDIRECT";
				const char *sub = t[0] == 'D' ? "IDENTITY" : "FILTER";
				sqlite3_bind_int64(cedge, 1, dc);
				sqlite3_bind_int64(cedge, 2, sc);
				sqlite3_bind_text(cedge, 3, t, -1, SQLITE_STATIC);
				sqlite3_bind_text(cedge, 4, sub, -1, SQLITE_STATIC);
				sqlite3_bind_int64(cedge, 5, ts);
				check(db, sqlite3_step(cedge), "cedge");
				sqlite3_reset(cedge);
				sqlite3_bind_int64(cobs, 1, d);
				sqlite3_bind_int64(cobs, 2, dc);
				sqlite3_bind_int64(cobs, 3, sc);
				sqlite3_bind_text(cobs, 4, t, -1, SQLITE_STATIC);
				sqlite3_bind_text(cobs, 5, sub, -1, SQLITE_STATIC);
				sqlite3_bind_int64(cobs, 6, ts);
				check(db, sqlite3_step(cobs), "cobs");
				sqlite3_reset(cobs);
				cmade++;
			}
		}
		if (d % 10000 == 0) {
			sqlite3_exec(db, "COMMIT; BEGIN", NULL, NULL, NULL);
			fprintf(stderr, "\r%lld tables, %lld edges, %lld column edges", (long long)d, (long long)made,
				(long long)cmade);
		}
	}
	check(db, sqlite3_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL), "commit");
	fprintf(stderr, "\n");
	printf("tables=%lld edges=%lld column_edges=%lld\n", (long long)n, (long long)made, (long long)cmade);
	sqlite3_stmt *st;
	sqlite3_finalize(node);
	sqlite3_finalize(col);
	sqlite3_finalize(prod);
	sqlite3_finalize(edge);
	sqlite3_finalize(obs);
	sqlite3_finalize(cedge);
	sqlite3_finalize(cobs);
	sqlite3_finalize(sec);
	sqlite3_prepare_v2(db, "SELECT count(*) FROM lineage_column_edges", -1, &st, NULL);
	sqlite3_step(st);
	printf("distinct column edges=%lld\n", (long long)sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	weir_db_release(wdb);
	weir_db_pool_close(pool);
	return 0;
}
