/* In-process cost of one GET table request's governance and catalog work, for two callers,
 * without HTTP or a load generator sharing the cores: token authentication, resolution with
 * visibility, the route's rule, the Info object and its JSON text. Alternates the callers in
 * rounds and reports the median of the per-round means.
 * usage: gov_probe DATA ADMIN_TOKEN OTHER_TOKEN FULL_NAME [ITERATIONS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/db.h"
#include "core/json.h"
#include "core/log.h"
#include "governance/catalog.h"
#include "governance/governance.h"

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double round_us(weir_db_pool *pool, const char *token, const char *full, int n)
{
	double t0 = now_us();
	for (int i = 0; i < n; i++) {
		weir_arena *a = weir_arena_new(8192);
		weir_db *db = weir_db_acquire(pool);
		weir_error e = WEIR_ERROR_INIT;
		weir_db_begin_read(db, &e);
		weir_principal *p = weir_gov_token_authenticate(db, a, token, &e);
		weir_securable s;
		if (p == NULL || weir_gov_resolve(db, a, p, WEIR_SEC_TABLE, full, &s, &e) != 0 ||
		    !weir_gov_allowed(db, p, WEIR_OP_READ_METADATA, &s)) {
			fprintf(stderr, "gov_probe: %s\n", e.message);
			exit(1);
		}
		size_t len;
		char *text = weir_catalog_get_text(db, a, &s, false, false, &len, &e); /* as the GET route does */
		if (text == NULL) {
			fprintf(stderr, "gov_probe: %s\n", e.message);
			exit(1);
		}
		free(text);
		weir_db_release(db);
		weir_arena_free(a);
	}
	return (now_us() - t0) / n;
}

static int cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: gov_probe DATA ADMIN_TOKEN OTHER_TOKEN FULL_NAME [ITERATIONS]\n");
		return 2;
	}
	weir_cache_install(); /* as weir serve does */
	int n = argc > 5 ? atoi(argv[5]) : 20000;
	char path[4096];
	snprintf(path, sizeof(path), "%s/weir.db", argv[1]);
	weir_log_set_level(WEIR_LOG_WARN);
	weir_error e = WEIR_ERROR_INIT;
	weir_db_pool *pool = weir_db_pool_open(path, 2, WEIR_SYNC_NORMAL, &e);
	if (pool == NULL) {
		fprintf(stderr, "gov_probe: %s\n", e.message);
		return 1;
	}
	enum { ROUNDS = 9 };
	double a[ROUNDS], o[ROUNDS];
	round_us(pool, argv[2], argv[4], n / 10); /* warm-up */
	round_us(pool, argv[3], argv[4], n / 10);
	for (int r = 0; r < ROUNDS; r++) {
		a[r] = round_us(pool, argv[2], argv[4], n / ROUNDS);
		o[r] = round_us(pool, argv[3], argv[4], n / ROUNDS);
	}
	qsort(a, ROUNDS, sizeof(double), cmp);
	qsort(o, ROUNDS, sizeof(double), cmp);
	printf("admin %.2f us/request, other %.2f us/request, admin/other %.3f (median of %d rounds)\n", a[ROUNDS / 2],
	       o[ROUNDS / 2], a[ROUNDS / 2] / o[ROUNDS / 2], ROUNDS);
	weir_db_pool_close(pool);
	return 0;
}
