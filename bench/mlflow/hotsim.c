/* In-process log-batch probe: runs the real weir_tracking_log_batch (JSON already parsed,
 * no HTTP) on a fresh database, CALLS sequential batches of 1,000 metrics over KEYS keys
 * (the shapes of driver.js logbatch-lat), one write transaction each, and reports per-call
 * latency, WAL frames per commit and the checkpoints, which core/db.c runs from the WAL
 * hook once the WAL holds >= 1000 frames (this probe installs the same policy in its own
 * hook, to count frames). Used to choose the hot table's target (migrations/0009): the
 * figures are deterministic in frames and far less noisy than HTTP on a shared box.
 *
 * Build against a build dir's library, e.g. B=build/hot:
 *   cc -O2 -std=c11 -D_GNU_SOURCE -I. -I$B/gen -o /tmp/hotsim bench/mlflow/hotsim.c \
 *      $B/libweir.a $(pkg-config --libs libmicrohttpd jansson sqlite3 libjwt openssl) -lpthread -lm
 * Usage: hotsim DIR CALLS KEYS [HOT_TARGET]   (DIR: an empty scratch directory)
 * Environment: HOTSIM_VERBOSE=1 prints every call; HOTSIM_SQL runs SQL after the setup;
 * HOTSIM_RUNS=N logs one batch of the same keys in N-1 other runs first.
 * HOT_TARGET is ignored when linked against a library without the hot table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/db.h"
#include "core/db_sqlite.h"
#include "core/log.h"
#include "core/util.h"
#include "governance/catalog.h"
#include "governance/governance.h"
#include "registry/tracking.h"

void weir_trk_store_metric_hot_target_set(int rows) __attribute__((weak));

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static double cpu_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int last_frames, commit_frames, ckpts;
static double ckpt_us, this_ckpt_us;

static int hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	(void)arg;
	commit_frames = pages >= last_frames ? pages - last_frames : pages;
	last_frames = pages;
	if (pages >= 1000) {
		double t0 = now_us();
		int logn = 0, done = 0;
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, &logn, &done);
		this_ckpt_us = now_us() - t0;
		ckpt_us += this_ckpt_us;
		ckpts++;
		if (logn == done)
			last_frames = 0; /* the next commit restarts the WAL */
	}
	return SQLITE_OK;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double pct(const double *v, int n, double p) { return v[(int)(p * (n - 1) + 0.5)]; }

/* A log-batch request: 1,000 metrics over `keys` keys, call number k. */
static json_t *batch_req(const char *rid, int keys, int k)
{
	int spk = (1000 + keys - 1) / keys;
	json_t *ms = json_array();
	for (int j = 0; j < 1000; j++) {
		char key[32];
		snprintf(key, sizeof(key), "k%d", j % keys);
		json_array_append_new(ms, json_pack("{s:s, s:f, s:I, s:I}", "key", key, "value", j * 0.5 + k,
						    "timestamp", (json_int_t)(1700000000000LL + k), "step",
						    (json_int_t)(k * spk + j / keys)));
	}
	return json_pack("{s:s, s:o}", "run_id", rid, "metrics", ms);
}

static json_t *new_run(weir_tracking_ctx *c, weir_error *err)
{
	json_t *req = json_pack("{s:s}", "experiment_id", "0");
	weir_db_begin_write(c->db, err);
	json_t *run = weir_tracking_run_create(c, req, err);
	weir_db_commit(c->db, err);
	json_decref(req);
	return run;
}

static const char *run_id_of(json_t *run)
{
	return json_string_value(json_object_get(json_object_get(json_object_get(run, "run"), "info"), "run_id"));
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: hotsim DIR CALLS KEYS [HOT_TARGET]\n");
		return 2;
	}
	const char *dir = argv[1];
	int calls = atoi(argv[2]), keys = atoi(argv[3]);
	if (argc > 4 && weir_trk_store_metric_hot_target_set)
		weir_trk_store_metric_hot_target_set(atoi(argv[4]));
	char path[512], tok[512];
	snprintf(path, sizeof(path), "%s/weir.db", dir);
	snprintf(tok, sizeof(tok), "%s/admin.token", dir);
	weir_log_set_level(WEIR_LOG_WARN);
	weir_error err = WEIR_ERROR_INIT;
	weir_db_pool *pool = weir_db_pool_open(path, 2, WEIR_SYNC_NORMAL, &err);
	if (pool == NULL)
		return fprintf(stderr, "pool: %s\n", err.message), 1;
	weir_db *db = weir_db_acquire(pool);
	if (weir_gov_bootstrap(db, tok, &err) != 0)
		return fprintf(stderr, "bootstrap: %s\n", err.message), 1;
	weir_catalog_set_data_dir(dir);
	weir_arena *a = weir_arena_new(1 << 16);
	int64_t admin = weir_gov_principal_id(db, "admin", NULL, &err);
	weir_tracking_ctx c = {db, a, weir_gov_principal_load(db, a, admin, WEIR_DEFAULT_WORKSPACE_ID, &err)};
	/* HOTSIM_RUNS=N: N-1 other runs first log one batch of the same keys each, as runs of
	 * one experiment would (trk_latest_metrics then holds N x KEYS rows) */
	int others = getenv("HOTSIM_RUNS") ? atoi(getenv("HOTSIM_RUNS")) - 1 : 0;
	json_t *req;
	for (int r = 0; r < others; r++) {
		json_t *o = new_run(&c, &err);
		req = batch_req(run_id_of(o), keys, 0);
		weir_db_begin_write(db, &err);
		json_decref(weir_tracking_log_batch(&c, req, &err));
		weir_db_commit(db, &err);
		json_decref(req);
		json_decref(o);
	}
	json_t *run = new_run(&c, &err);
	const char *rid = run_id_of(run);
	if (getenv("HOTSIM_SQL")) /* e.g. "DROP INDEX trk_latest_metrics_key", to price one structure */
		sqlite3_exec(weir_db_handle(db), getenv("HOTSIM_SQL"), NULL, NULL, NULL);
	sqlite3_wal_hook(weir_db_handle(db), hook, NULL);

	double *lat = calloc((size_t)calls, sizeof(double));
	long frames = 0;
	double cpu_total = 0;
	for (int k = 0; k < calls; k++) {
		req = batch_req(rid, keys, k);
		c.arena = weir_arena_new(1 << 16);
		double t0 = now_us(), c0 = cpu_us();
		if (weir_db_begin_write(db, &err) != 0)
			return fprintf(stderr, "begin: %s\n", err.message), 1;
		json_t *out = weir_tracking_log_batch(&c, req, &err);
		if (out == NULL)
			return fprintf(stderr, "log-batch: %s\n", err.message), 1;
		if (weir_db_commit(db, &err) != 0)
			return fprintf(stderr, "commit: %s\n", err.message), 1;
		lat[k] = now_us() - t0;
		if (k >= 5)
			cpu_total += cpu_us() - c0;
		frames += commit_frames;
		if (getenv("HOTSIM_VERBOSE"))
			fprintf(stderr, "call %d: %.2f ms, %d frames, checkpoint %.2f ms\n", k, lat[k] / 1e3,
				commit_frames, this_ckpt_us / 1e3);
		this_ckpt_us = 0;
		json_decref(out);
		json_decref(req);
		weir_arena_free(c.arena);
		c.arena = a;
	}
	int w = calls > 10 ? 5 : 0, n = calls - w, third = n / 3;
	double *v = lat + w;
	double first = 0, last = 0;
	qsort(v, (size_t)third, sizeof(double), cmp_d);
	first = pct(v, third, 0.5);
	qsort(v + n - third, (size_t)third, sizeof(double), cmp_d);
	last = pct(v + n - third, third, 0.5);
	qsort(v, (size_t)n, sizeof(double), cmp_d);
	printf("calls %d keys %d target %s: p50 %.2f p90 %.2f p99 %.2f max %.2f ms; first third p50 %.2f, last third "
	       "p50 %.2f ms; thread CPU %.2f ms/call; WAL frames/commit %.0f; checkpoints %d (%.2f ms each)\n",
	       calls, keys, argc > 4 && weir_trk_store_metric_hot_target_set ? argv[4] : "-", pct(v, n, 0.5) / 1e3,
	       pct(v, n, 0.9) / 1e3, pct(v, n, 0.99) / 1e3, v[n - 1] / 1e3, first / 1e3, last / 1e3,
	       cpu_total / n / 1e3, (double)frames / calls, ckpts, ckpts ? ckpt_us / ckpts / 1e3 : 0.0);
	free(lat);
	json_decref(run);
	weir_arena_free(a);
	weir_db_release(db);
	weir_db_pool_close(pool);
	return 0;
}
