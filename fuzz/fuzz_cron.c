/* Fuzz target: job schedules (workflows/cron.c): weir_cron_parse on an untrusted Quartz
 * expression and zone id, then weir_cron_next from instants near the places where the
 * search is delicate (the epoch, DST changes in the transition table and in the footer's
 * years, Samoa's skipped day, the end of year 2199).
 *
 * Input: a flags byte, then the expression (up to a NUL), then, when bit 7 of the flags is
 * set, the zone id (up to the next NUL); otherwise bits 0-2 pick a zone from a fixed list.
 * Bits 3-6 pick the instant to start from.
 *
 * Oracles: a refusal is 400 INVALID_PARAMETER_VALUE naming schedule.quartz_cron_expression
 * or schedule.timezone_id (the latter never for a zone of the fixed list); an accepted zone
 * id is relative, of letters, digits, '_', '+', '-' and '/' without empty components; each
 * answer of weir_cron_next is -1 or later than the instant asked, not before the epoch and
 * before 2200-01-04 UTC,
 * -1 stays -1, a fire time t is also the answer for t - 1 ms, and a second parse of the
 * same input answers the same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_env.h"
#include "workflows/cron.h"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_cron: %s\n", what);
		abort();
	}
}

static const char *const ZONES[8] = {"UTC",          "America/New_York", "Europe/Berlin", "Australia/Lord_Howe",
				     "Pacific/Apia", "Australia/Sydney", "Asia/Kolkata",  "America/Caracas"};

/* Seconds since the epoch. */
static const int64_t STARTS[16] = {
	INT64_MIN / 1000, -86400,     0,          1710050400, /* 2024-03-10 06:00 UTC, NY gap */
	1730609000,       1711846800, 1729990800, 1728142200, /* NY overlap, Berlin gap/overlap, Lord Howe */
	1325239200,       2215220000, 2235700000, 4102444800, /* Apia 2011-12-30, 2040 (footer), 2100 */
	7258031999,       7258118399, 1700000000, INT64_MAX / 1000,
};

static bool zone_id_shape_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || id[0] == '/' || id[n - 1] == '/' || strstr(id, "//") != NULL)
		return false;
	for (const char *p = id; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '+' || c == '-' || c == '/'))
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	weir_arena *a = weir_arena_new(1024);
	const char *f[3] = {NULL, NULL, NULL};
	int nf = fuzz_fields(a, data + 1, size - 1, f, 3);
	uint8_t flags = data[0];
	bool own_zone = (flags & 0x80) != 0;
	const char *expr = f[0];
	const char *tz = own_zone ? (nf > 1 ? f[1] : "") : ZONES[flags & 7];
	int64_t after = STARTS[(flags >> 3) & 15] * 1000;

	weir_error e = WEIR_ERROR_INIT;
	weir_cron *c = NULL;
	if (weir_cron_parse(expr, tz, &c, &e) != 0) {
		check(c == NULL, "a refusal left a schedule");
		fuzz_expect_4xx("weir_cron_parse", &e);
		check(e.code == WEIR_E_INVALID_PARAMETER_VALUE, "refusal is not INVALID_PARAMETER_VALUE");
		bool on_tz = strcmp(e.field, "schedule.timezone_id") == 0;
		check(on_tz || strcmp(e.field, "schedule.quartz_cron_expression") == 0,
		      "refusal names no schedule field");
		check(!on_tz || own_zone, "a zone of the fixed list was refused");
		weir_arena_free(a);
		return 0;
	}
	check(c != NULL, "accepted without a schedule");
	check(zone_id_shape_ok(tz), "an accepted zone id has a forbidden shape");

	weir_cron *again = NULL;
	weir_error e2 = WEIR_ERROR_INIT;
	check(weir_cron_parse(expr, tz, &again, &e2) == 0, "a second parse of the same input failed");

	const int64_t end_ms = (INT64_C(7258118400) + 3 * 86400) * 1000;
	int64_t t = after;
	for (int i = 0; i < 16; i++) {
		int64_t u = weir_cron_next(c, t);
		check(u == weir_cron_next(again, t), "two parses of the same input answer differently");
		if (u < 0) {
			check(u == -1, "negative answer other than -1");
			check(weir_cron_next(c, t == INT64_MAX ? t : t + 1) == -1, "-1 was followed by a fire time");
			break;
		}
		check(u > t, "answer not after the instant asked");
		check(u >= 0, "answer before the epoch");
		check(u < end_ms, "answer past 2199");
		check(u % 1000 == 0, "answer not on a whole second");
		check(weir_cron_next(c, u - 1) == u, "a fire time t is not the answer for t - 1 ms");
		t = u;
	}
	weir_cron_free(again);
	weir_cron_free(c);
	weir_arena_free(a);
	return 0;
}
