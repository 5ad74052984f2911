/* workflows/cron.c: Quartz cron expressions in IANA time zones. Every field form against
 * fire times known in advance (each expected time is written as the local time with its
 * UTC offset, as python3's zoneinfo prints it, and was checked there), the DST rules of
 * workflows/cron.h in zones with 1 h, 30 min and historical offset changes in both
 * hemispheres, the POSIX TZ rule forms of TZif footers and the TZif reader on crafted
 * bytes, refusals that name the field, and the cost of weir_cron_next. */
#include "testutil.h"

#include <pthread.h>
#include <time.h>

/* The .c itself, as h2o's tests do (and fuzz/fuzz_router.c with api/server.c): the POSIX
 * rule forms Jn and n, explicit times like /-1 or /50, and the TZif reader's refusals are
 * reached directly, since no zone of today's tzdata uses some of them. */
#include "workflows/cron.c"

/* ------------------------------------------------------------------------------- helpers */

/* "2024-03-10 03:30:00-04:00" (local time and its offset) to ms since the epoch. */
static int64_t ms_at(const char *s)
{
	int y, mo, d, h, mi, se, oh, om;
	char sign;
	if (sscanf(s, "%d-%d-%d %d:%d:%d%c%d:%d", &y, &mo, &d, &h, &mi, &se, &sign, &oh, &om) != 9)
		fail_msg("bad time literal '%s'", s);
	int64_t off = (int64_t)(oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
	return (days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60 + se - off) * 1000;
}

static void utc_text(int64_t ms, char *buf, size_t n)
{
	if (ms < 0) {
		snprintf(buf, n, "%lld (none)", (long long)ms);
		return;
	}
	int64_t s = ms / 1000, days = floor_div(s, DAY), y;
	int m, d, sod = (int)(s - days * DAY);
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, n, "%04lld-%02d-%02d %02d:%02d:%02d UTC", (long long)y, m, d, sod / 3600, sod / 60 % 60,
		 sod % 60);
}

static weir_cron *parse_ok(const char *expr, const char *tz)
{
	weir_error err = WEIR_ERROR_INIT;
	weir_cron *c = NULL;
	if (weir_cron_parse(expr, tz, &c, &err) != 0)
		fail_msg("'%s' in %s refused: %s", expr, tz, err.message);
	return c;
}

/* The fire times after `after`, in order; "-1" for "no more". */
static void check_fires(const char *expr, const char *tz, const char *after, const char *const *want)
{
	weir_cron *c = parse_ok(expr, tz);
	int64_t t = ms_at(after);
	for (int i = 0; want[i] != NULL; i++) {
		int64_t exp = strcmp(want[i], "-1") == 0 ? -1 : ms_at(want[i]);
		int64_t got = weir_cron_next(c, t);
		if (got != exp) {
			char g[64], e[64];
			utc_text(got, g, sizeof(g));
			utc_text(exp, e, sizeof(e));
			fail_msg("'%s' in %s after %s, fire %d: got %s, want %s (%s)", expr, tz, after, i + 1, g, e,
				 want[i]);
		}
		t = got;
	}
	weir_cron_free(c);
}

#define FIRES(expr, tz, after, ...) check_fires(expr, tz, after, (const char *const[]){__VA_ARGS__, NULL})

/* ---------------------------------------------------------------------------- field forms */

/* Lists, ranges, steps (a/n, a-b/n, * /n), names in any case, ranges that wrap around the
 * field as Quartz's do (22-2 hours, FRI-MON, 28-3 days), and the optional year field `*`. */
static void test_field_forms(void **state)
{
	(void)state;
	FIRES("0 15,45 9-11/2 ? * MON-FRI", "UTC", "2024-06-07 10:00:00+00:00", "2024-06-07 11:15:00+00:00",
	      "2024-06-07 11:45:00+00:00", "2024-06-10 09:15:00+00:00", "2024-06-10 09:45:00+00:00",
	      "2024-06-10 11:15:00+00:00");
	FIRES("30 */20 * * JAN,JUL ?", "UTC", "2024-06-30 23:50:00+00:00", "2024-07-01 00:00:30+00:00",
	      "2024-07-01 00:20:30+00:00");
	FIRES("0 0 22-2 * * ?", "UTC", "2024-06-01 20:00:00+00:00", "2024-06-01 22:00:00+00:00",
	      "2024-06-01 23:00:00+00:00", "2024-06-02 00:00:00+00:00", "2024-06-02 01:00:00+00:00",
	      "2024-06-02 02:00:00+00:00", "2024-06-02 22:00:00+00:00");
	FIRES("0 0 12 ? * fri-Mon", "UTC", "2024-06-05 00:00:00+00:00", "2024-06-07 12:00:00+00:00",
	      "2024-06-08 12:00:00+00:00", "2024-06-09 12:00:00+00:00", "2024-06-10 12:00:00+00:00",
	      "2024-06-14 12:00:00+00:00");
	FIRES("0 0 12 28-3 * ?", "UTC", "2024-02-27 00:00:00+00:00", "2024-02-28 12:00:00+00:00",
	      "2024-02-29 12:00:00+00:00", "2024-03-01 12:00:00+00:00", "2024-03-02 12:00:00+00:00",
	      "2024-03-03 12:00:00+00:00", "2024-03-28 12:00:00+00:00", "2024-03-29 12:00:00+00:00");
	FIRES("5/20 10 8 1 nov-feb ?", "UTC", "2024-06-01 00:00:00+00:00", "2024-11-01 08:10:05+00:00",
	      "2024-11-01 08:10:25+00:00", "2024-11-01 08:10:45+00:00", "2024-12-01 08:10:05+00:00");
	FIRES("0 0 12 ? * 1,7 *", "UTC", "2024-06-05 00:00:00+00:00", "2024-06-08 12:00:00+00:00",
	      "2024-06-09 12:00:00+00:00", "2024-06-15 12:00:00+00:00");
	/* Tabs and repeated blanks separate fields too. */
	FIRES("\t0  0\t12 * * ? ", "UTC", "2024-06-05 12:00:00+00:00", "2024-06-06 12:00:00+00:00");
}

/* Day-of-month L, L-n, nW (incl. the month edges: 1W on a Saturday is Monday the 3rd, 31W
 * on a Sunday is Friday the 29th, no day n means no fire that month) and LW. */
static void test_day_of_month_specials(void **state)
{
	(void)state;
	FIRES("0 0 0 L * ?", "UTC", "2024-01-15 00:00:00+00:00", "2024-01-31 00:00:00+00:00",
	      "2024-02-29 00:00:00+00:00", "2024-03-31 00:00:00+00:00");
	FIRES("0 0 0 L-3 * ?", "UTC", "2024-01-29 00:00:00+00:00", "2024-02-26 00:00:00+00:00",
	      "2024-03-28 00:00:00+00:00", "2024-04-27 00:00:00+00:00");
	FIRES("0 0 0 L-3 2 ?", "UTC", "2023-01-01 00:00:00+00:00", "2023-02-25 00:00:00+00:00",
	      "2024-02-26 00:00:00+00:00");
	FIRES("0 0 0 L-30 * ?", "UTC", "2024-01-01 00:00:00+00:00", "2024-03-01 00:00:00+00:00",
	      "2024-05-01 00:00:00+00:00", "2024-07-01 00:00:00+00:00");
	/* 2024-06-15 is a Saturday (Friday 14th), 2024-09-15 a Sunday (Monday 16th). */
	FIRES("0 0 0 15W * ?", "UTC", "2024-06-01 00:00:00+00:00", "2024-06-14 00:00:00+00:00",
	      "2024-07-15 00:00:00+00:00", "2024-08-15 00:00:00+00:00", "2024-09-16 00:00:00+00:00");
	/* 2024-06-01 is a Saturday: not Friday May 31st (another month) but Monday the 3rd. */
	FIRES("0 0 0 1W * ?", "UTC", "2024-05-31 00:00:00+00:00", "2024-06-03 00:00:00+00:00",
	      "2024-07-01 00:00:00+00:00");
	/* 2024-03-31 is a Sunday: not Monday April 1st but Friday the 29th; April has no 31st. */
	FIRES("0 0 0 31W * ?", "UTC", "2024-03-01 00:00:00+00:00", "2024-03-29 00:00:00+00:00",
	      "2024-05-31 00:00:00+00:00", "2024-07-31 00:00:00+00:00");
	FIRES("0 0 0 30W * ?", "UTC", "2024-01-31 00:00:00+00:00", "2024-03-29 00:00:00+00:00",
	      "2024-04-30 00:00:00+00:00");
	/* 2024-03-31 Sunday -> 29th, 2024-08-31 Saturday -> 30th. */
	FIRES("0 0 0 LW * ?", "UTC", "2024-02-01 00:00:00+00:00", "2024-02-29 00:00:00+00:00",
	      "2024-03-29 00:00:00+00:00", "2024-04-30 00:00:00+00:00", "2024-05-31 00:00:00+00:00");
	FIRES("0 0 0 LW 8 ?", "UTC", "2024-01-01 00:00:00+00:00", "2024-08-30 00:00:00+00:00");
}

/* Day-of-week nL and n#k (by number and by name); 6#5 skips months without a 5th Friday. */
static void test_day_of_week_specials(void **state)
{
	(void)state;
	FIRES("0 0 0 ? * 6L", "UTC", "2024-01-01 00:00:00+00:00", "2024-01-26 00:00:00+00:00",
	      "2024-02-23 00:00:00+00:00", "2024-03-29 00:00:00+00:00");
	FIRES("0 0 0 ? * SUNL", "UTC", "2024-01-01 00:00:00+00:00", "2024-01-28 00:00:00+00:00",
	      "2024-02-25 00:00:00+00:00");
	FIRES("0 0 0 ? * 2#1", "UTC", "2024-01-01 00:00:00+00:00", "2024-02-05 00:00:00+00:00",
	      "2024-03-04 00:00:00+00:00", "2024-04-01 00:00:00+00:00");
	FIRES("0 0 0 ? * fri#2", "UTC", "2024-01-01 00:00:00+00:00", "2024-01-12 00:00:00+00:00",
	      "2024-02-09 00:00:00+00:00");
	FIRES("0 0 0 ? * 6#5", "UTC", "2024-01-01 00:00:00+00:00", "2024-03-29 00:00:00+00:00",
	      "2024-05-31 00:00:00+00:00", "2024-08-30 00:00:00+00:00", "2024-11-29 00:00:00+00:00");
	/* February has a 5th Friday only in a leap year whose February 1st is a Friday. */
	FIRES("0 0 0 ? 2 6#5", "UTC", "2000-01-01 00:00:00+00:00", "2008-02-29 00:00:00+00:00",
	      "2036-02-29 00:00:00+00:00");
}

/* The year field limits the search; a schedule past its last year, or in a year before the
 * instant asked, has no next fire (-1). Feb 29 jumps leap years, and 2100 is not one. */
static void test_year_field(void **state)
{
	(void)state;
	FIRES("0 30 9 1 1 ? 2030-2032", "UTC", "2024-01-01 00:00:00+00:00", "2030-01-01 09:30:00+00:00",
	      "2031-01-01 09:30:00+00:00", "2032-01-01 09:30:00+00:00", "-1");
	FIRES("0 0 0 1 1 ? 2100/50", "UTC", "2024-01-01 00:00:00+00:00", "2100-01-01 00:00:00+00:00",
	      "2150-01-01 00:00:00+00:00", "-1");
	FIRES("0 0 0 1 1 ? 1999", "UTC", "2024-01-01 00:00:00+00:00", "-1");
	FIRES("0 0 0 29 2 ?", "UTC", "2024-03-01 00:00:00+00:00", "2028-02-29 00:00:00+00:00",
	      "2032-02-29 00:00:00+00:00");
	FIRES("0 0 0 29 2 ? *", "UTC", "2096-03-01 00:00:00+00:00", "2104-02-29 00:00:00+00:00");
	FIRES("0 0 0 29 2 ? *", "UTC", "2196-03-01 00:00:00+00:00", "-1");
	FIRES("59 59 23 31 12 ?", "UTC", "2199-12-31 23:59:58+00:00", "2199-12-31 23:59:59+00:00", "-1");
	FIRES("0 0 0 31 2 ?", "UTC", "2024-01-01 00:00:00+00:00", "-1");
	FIRES("0 0 0 30 2 ?", "America/New_York", "2024-01-01 00:00:00+00:00", "-1");
}

/* "Strictly after", to the millisecond, and instants before 1970 or past 2199. */
static void test_after_boundaries(void **state)
{
	(void)state;
	weir_cron *c = parse_ok("0 0 12 * * ?", "UTC");
	int64_t noon = ms_at("2024-06-01 12:00:00+00:00");
	assert_int_equal(weir_cron_next(c, noon - 1), noon);
	assert_int_equal(weir_cron_next(c, noon), noon + DAY * 1000);
	assert_int_equal(weir_cron_next(c, noon - 1000), noon);
	assert_int_equal(weir_cron_next(c, -5000000000000LL), ms_at("1970-01-01 12:00:00+00:00"));
	assert_int_equal(weir_cron_next(c, INT64_MIN), ms_at("1970-01-01 12:00:00+00:00"));
	assert_int_equal(weir_cron_next(c, INT64_MAX), -1);
	assert_int_equal(weir_cron_next(c, ms_at("2199-12-31 12:00:00+00:00")), -1);
	assert_int_equal(weir_cron_next(NULL, 0), -1);
	weir_cron_free(c);
	weir_cron_free(NULL);
	/* A local time before 1970 does not exist for a schedule: the first fire of New York
	 * is 1970-01-01 00:00 local, five hours after the epoch. */
	FIRES("0 0 0 * * ?", "America/New_York", "1969-06-01 00:00:00+00:00", "1970-01-01 00:00:00-05:00");
	/* East of Greenwich 1970 starts before the epoch: those instants are not answered (a
	 * negative answer means none), so Tokyo's first fire is at the epoch, 09:00 local. */
	c = parse_ok("* * * * * ?", "Asia/Tokyo");
	assert_int_equal(weir_cron_next(c, INT64_MIN), 0);
	assert_int_equal(weir_cron_next(c, -32399500), 0);
	weir_cron_free(c);
	FIRES("0 30 * * * ?", "Europe/Berlin", "1969-12-31 00:00:00+00:00", "1970-01-01 01:30:00+01:00");
	/* "Strictly after" a negative instant with milliseconds rounds down: -0.5 s is followed
	 * by 0 s. */
	c = parse_ok("* * * * * ?", "UTC");
	assert_int_equal(weir_cron_next(c, -500), 0);
	assert_int_equal(weir_cron_next(c, -1), 0);
	assert_int_equal(weir_cron_next(c, 0), 1000);
	weir_cron_free(c);
}

/* ---------------------------------------------------------------------------------- DST */

/* America/New_York, 2024 (transition table) and 2040 (the footer's rule): 02:30 in the
 * spring gap fires at 03:30 EDT, once even for an hourly schedule whose own 03:30 is the
 * same instant; in the fall-back overlap 01:30 fires at 01:30 EDT only. */
static void test_dst_new_york(void **state)
{
	(void)state;
	const char *ny = "America/New_York";
	FIRES("0 30 2 * * ?", ny, "2024-03-09 12:00:00-05:00", "2024-03-10 03:30:00-04:00", "2024-03-11 02:30:00-04:00",
	      "2024-03-12 02:30:00-04:00");
	FIRES("0 30 * * * ?", ny, "2024-03-10 00:00:00-05:00", "2024-03-10 00:30:00-05:00", "2024-03-10 01:30:00-05:00",
	      "2024-03-10 03:30:00-04:00", "2024-03-10 04:30:00-04:00");
	FIRES("*/15 * * * * ?", ny, "2024-03-10 01:59:30-05:00", "2024-03-10 01:59:45-05:00",
	      "2024-03-10 03:00:00-04:00", "2024-03-10 03:00:15-04:00", "2024-03-10 03:00:30-04:00");
	FIRES("0 30 1 * * ?", ny, "2024-11-02 12:00:00-04:00", "2024-11-03 01:30:00-04:00", "2024-11-04 01:30:00-05:00",
	      "2024-11-05 01:30:00-05:00");
	FIRES("0 30 * * * ?", ny, "2024-11-03 00:00:00-04:00", "2024-11-03 00:30:00-04:00", "2024-11-03 01:30:00-04:00",
	      "2024-11-03 02:30:00-05:00", "2024-11-03 03:30:00-05:00");
	/* Every 15 s: the repeated hour 01:00-01:59 EST is not fired again. */
	FIRES("*/15 * * * * ?", ny, "2024-11-03 01:59:30-04:00", "2024-11-03 01:59:45-04:00",
	      "2024-11-03 02:00:00-05:00", "2024-11-03 02:00:15-05:00", "2024-11-03 02:00:30-05:00");
	FIRES("*/15 * * * * ?", ny, "2024-11-03 01:10:00-05:00", "2024-11-03 02:00:00-05:00",
	      "2024-11-03 02:00:15-05:00");
	/* Past the table's end (2037): the footer EST5EDT,M3.2.0,M11.1.0. */
	FIRES("0 0 2 * * ?", ny, "2040-03-10 00:00:00-05:00", "2040-03-10 02:00:00-05:00", "2040-03-11 03:00:00-04:00",
	      "2040-03-12 02:00:00-04:00");
	FIRES("0 0 * * * ?", ny, "2040-03-11 00:30:00-05:00", "2040-03-11 01:00:00-05:00", "2040-03-11 03:00:00-04:00",
	      "2040-03-11 04:00:00-04:00");
	FIRES("0 30 1 * * ?", ny, "2040-11-04 00:00:00-04:00", "2040-11-04 01:30:00-04:00",
	      "2040-11-05 01:30:00-05:00");
}

/* Europe/Berlin: the same two rules at 02:00 -> 03:00 (March) and 03:00 -> 02:00 (October). */
static void test_dst_berlin(void **state)
{
	(void)state;
	const char *be = "Europe/Berlin";
	FIRES("0 30 2 * * ?", be, "2024-03-30 12:00:00+01:00", "2024-03-31 03:30:00+02:00",
	      "2024-04-01 02:30:00+02:00");
	FIRES("0 0 * * * ?", be, "2024-03-31 00:30:00+01:00", "2024-03-31 01:00:00+01:00", "2024-03-31 03:00:00+02:00",
	      "2024-03-31 04:00:00+02:00");
	FIRES("0 30 2 * * ?", be, "2024-10-26 12:00:00+02:00", "2024-10-27 02:30:00+02:00",
	      "2024-10-28 02:30:00+01:00");
	FIRES("0 0 * * * ?", be, "2024-10-27 00:30:00+02:00", "2024-10-27 01:00:00+02:00", "2024-10-27 02:00:00+02:00",
	      "2024-10-27 03:00:00+01:00", "2024-10-27 04:00:00+01:00");
	FIRES("0 */20 * * * ?", be, "2024-10-27 02:30:00+02:00", "2024-10-27 02:40:00+02:00",
	      "2024-10-27 03:00:00+01:00", "2024-10-27 03:20:00+01:00");
	/* A gap in the footer's years (2050: last Sunday of March is the 27th). */
	FIRES("0 30 2 * * ?", be, "2050-03-26 12:00:00+01:00", "2050-03-27 03:30:00+02:00");
}

/* Australia/Lord_Howe moves by 30 minutes: 02:15 in the 02:00 -> 02:30 gap fires at 02:45,
 * and 01:45 in the 02:00 -> 01:30 overlap fires once, at +11:00. */
static void test_dst_lord_howe(void **state)
{
	(void)state;
	const char *lh = "Australia/Lord_Howe";
	FIRES("0 15 2 * * ?", lh, "2024-10-05 12:00:00+10:30", "2024-10-06 02:45:00+11:00",
	      "2024-10-07 02:15:00+11:00");
	FIRES("0 45 1 * * ?", lh, "2024-04-06 12:00:00+11:00", "2024-04-07 01:45:00+11:00",
	      "2024-04-08 01:45:00+10:30");
	FIRES("0 */20 * * * ?", lh, "2024-04-07 01:15:00+11:00", "2024-04-07 01:20:00+11:00",
	      "2024-04-07 01:40:00+11:00", "2024-04-07 02:00:00+10:30", "2024-04-07 02:20:00+10:30",
	      "2024-04-07 02:40:00+10:30", "2024-04-07 03:00:00+10:30");
}

/* Australia/Sydney, southern hemisphere: the gap is in October, the overlap in April. */
static void test_dst_sydney(void **state)
{
	(void)state;
	const char *sy = "Australia/Sydney";
	FIRES("0 30 2 * * ?", sy, "2024-10-05 12:00:00+10:00", "2024-10-06 03:30:00+11:00",
	      "2024-10-07 02:30:00+11:00");
	FIRES("*/15 * * * * ?", sy, "2024-10-06 01:59:30+10:00", "2024-10-06 01:59:45+10:00",
	      "2024-10-06 03:00:00+11:00", "2024-10-06 03:00:15+11:00");
	FIRES("0 30 2 * * ?", sy, "2024-04-06 12:00:00+11:00", "2024-04-07 02:30:00+11:00",
	      "2024-04-08 02:30:00+10:00");
	FIRES("0 0 * * * ?", sy, "2024-04-07 01:30:00+11:00", "2024-04-07 02:00:00+11:00", "2024-04-07 03:00:00+10:00",
	      "2024-04-07 04:00:00+10:00");
	FIRES("0 0 9 ? * MON-FRI", sy, "2024-04-05 12:00:00+11:00", "2024-04-08 09:00:00+10:00",
	      "2024-04-09 09:00:00+10:00");
}

/* Offsets that changed for good: Samoa skipped 2011-12-30 entirely (-10 -> +14: noon that
 * day fires at noon on the 31st, once); Moscow went from +4 to +3 in 2014 (overlap);
 * Caracas went to -4:30 in 2007 (overlap) and back to -4 in 2016 (30 min gap). */
static void test_historical_offsets(void **state)
{
	(void)state;
	FIRES("0 0 12 * * ?", "Pacific/Apia", "2011-12-29 00:00:00-10:00", "2011-12-29 12:00:00-10:00",
	      "2011-12-31 12:00:00+14:00", "2012-01-01 12:00:00+14:00");
	FIRES("0 30 1 * * ?", "Europe/Moscow", "2014-10-25 12:00:00+04:00", "2014-10-26 01:30:00+04:00",
	      "2014-10-27 01:30:00+03:00");
	FIRES("0 40 2 * * ?", "America/Caracas", "2007-12-08 12:00:00-04:00", "2007-12-09 02:40:00-04:00",
	      "2007-12-10 02:40:00-04:30");
	FIRES("0 40 2 * * ?", "America/Caracas", "2016-04-30 12:00:00-04:30", "2016-05-01 03:10:00-04:00",
	      "2016-05-02 02:40:00-04:00");
}

/* UTC and its aliases need no file; a fixed-offset zone from a file works. */
static void test_fixed_zones(void **state)
{
	(void)state;
	const char *utc[] = {"UTC", "GMT", "Etc/UTC", "Etc/GMT"};
	for (size_t i = 0; i < sizeof(utc) / sizeof(utc[0]); i++) {
		weir_cron *c = parse_ok("0 0 12 * * ?", utc[i]);
		assert_int_equal(c->tz.n, 0);
		assert_false(c->tz.rule.present);
		assert_int_equal(weir_cron_next(c, ms_at("2024-06-01 00:00:00+00:00")),
				 ms_at("2024-06-01 12:00:00+00:00"));
		weir_cron_free(c);
	}
	FIRES("0 30 2 * * ?", "Etc/GMT+5", "2024-03-09 00:00:00-05:00", "2024-03-09 02:30:00-05:00",
	      "2024-03-10 02:30:00-05:00");
}

/* ------------------------------------------------------------------ POSIX TZ footer rules */

static int32_t rule_offset(const char *rule, const char *utc)
{
	tz_zone z = {0};
	if (tz_rule_parse(rule, &z.rule) != 0)
		fail_msg("rule '%s' refused", rule);
	tz_seg g;
	zone_segment(&z, ms_at(utc) / 1000, &g);
	return g.off;
}

#define OFF_AT(rule, utc, hours, minutes) assert_int_equal(rule_offset(rule, utc), (hours)*3600 + (minutes)*60)

/* Every rule form: Mm.w.d (week 5 = last), Jn (Feb 29 never counted), n (zero-based,
 * counted), times /-1, /24, /26, /50, a 2:45 time, negative DST (Dublin), DST all year
 * (RFC 8536's example), the default rule when none is given, and an offset in minutes. */
static void test_posix_rules(void **state)
{
	(void)state;
	const char *ny = "EST5EDT,M3.2.0,M11.1.0";
	OFF_AT(ny, "2030-03-10 06:59:59+00:00", -5, 0);
	OFF_AT(ny, "2030-03-10 07:00:00+00:00", -4, 0);
	OFF_AT(ny, "2030-11-03 05:59:59+00:00", -4, 0);
	OFF_AT(ny, "2030-11-03 06:00:00+00:00", -5, 0);
	/* No rule given: the US one, DST one hour ahead. */
	OFF_AT("EST5EDT", "2030-03-10 07:00:00+00:00", -4, 0);
	OFF_AT("EST5EDT", "2030-11-03 06:00:00+00:00", -5, 0);
	/* Jn: J79 is March 20 and J263 September 20 in any year; /24 is the next midnight. */
	const char *ir = "<+0330>-3:30<+0430>,J79/24,J263/24";
	OFF_AT(ir, "2021-03-20 20:29:59+00:00", 3, 30);
	OFF_AT(ir, "2021-03-20 20:30:00+00:00", 4, 30);
	OFF_AT(ir, "2024-03-20 20:29:59+00:00", 3, 30);
	OFF_AT(ir, "2024-03-20 20:30:00+00:00", 4, 30);
	OFF_AT(ir, "2024-09-20 19:29:59+00:00", 4, 30);
	OFF_AT(ir, "2024-09-20 19:30:00+00:00", 3, 30);
	/* n: day 59 counted from 0 is Feb 29 in a leap year, March 1 otherwise. */
	const char *zb = "XXX-1YYY,59/2,300/3";
	OFF_AT(zb, "2024-02-29 00:59:59+00:00", 1, 0);
	OFF_AT(zb, "2024-02-29 01:00:00+00:00", 2, 0);
	OFF_AT(zb, "2023-02-28 12:00:00+00:00", 1, 0);
	OFF_AT(zb, "2023-03-01 00:59:59+00:00", 1, 0);
	OFF_AT(zb, "2023-03-01 01:00:00+00:00", 2, 0);
	OFF_AT(zb, "2024-10-27 00:59:59+00:00", 2, 0);
	OFF_AT(zb, "2024-10-27 01:00:00+00:00", 1, 0);
	OFF_AT(zb, "2023-10-28 01:00:00+00:00", 1, 0);
	/* America/Nuuk: /-1 is 23:00 the day before. */
	const char *nuuk = "<-02>2<-01>,M3.5.0/-1,M10.5.0/0";
	OFF_AT(nuuk, "2024-03-31 00:59:59+00:00", -2, 0);
	OFF_AT(nuuk, "2024-03-31 01:00:00+00:00", -1, 0);
	OFF_AT(nuuk, "2024-10-27 00:59:59+00:00", -1, 0);
	OFF_AT(nuuk, "2024-10-27 01:00:00+00:00", -2, 0);
	/* Asia/Jerusalem: the Thursday before the last Sunday at 26:00, i.e. Friday 02:00. */
	const char *il = "IST-2IDT,M3.4.4/26,M10.5.0";
	OFF_AT(il, "2024-03-28 23:59:59+00:00", 2, 0);
	OFF_AT(il, "2024-03-29 00:00:00+00:00", 3, 0);
	/* Asia/Gaza: Thursday + 50 h = Saturday 02:00. */
	const char *gz = "EET-2EEST,M3.4.4/50,M10.4.4/50";
	OFF_AT(gz, "2024-03-29 23:59:59+00:00", 2, 0);
	OFF_AT(gz, "2024-03-30 00:00:00+00:00", 3, 0);
	OFF_AT(gz, "2024-10-25 22:59:59+00:00", 3, 0);
	OFF_AT(gz, "2024-10-25 23:00:00+00:00", 2, 0);
	/* Pacific/Chatham: 2:45 and 3:45. */
	const char *ch = "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45";
	OFF_AT(ch, "2024-09-28 13:59:59+00:00", 12, 45);
	OFF_AT(ch, "2024-09-28 14:00:00+00:00", 13, 45);
	OFF_AT(ch, "2024-04-06 13:59:59+00:00", 13, 45);
	OFF_AT(ch, "2024-04-06 14:00:00+00:00", 12, 45);
	/* Europe/Dublin: "standard" is summer (IST), winter is the negative "DST" (GMT). */
	const char *ie = "IST-1GMT0,M10.5.0,M3.5.0/1";
	OFF_AT(ie, "2030-01-15 12:00:00+00:00", 0, 0);
	OFF_AT(ie, "2030-03-31 00:59:59+00:00", 0, 0);
	OFF_AT(ie, "2030-03-31 01:00:00+00:00", 1, 0);
	OFF_AT(ie, "2030-07-01 12:00:00+00:00", 1, 0);
	/* DST all year: the end (Dec 31 25:00 EDT) meets next year's start (Jan 1 00:00 EST). */
	const char *all = "EST5EDT4,0/0,J365/25";
	OFF_AT(all, "2030-01-01 04:59:59+00:00", -4, 0);
	OFF_AT(all, "2030-01-01 05:00:00+00:00", -4, 0);
	OFF_AT(all, "2030-06-01 00:00:00+00:00", -4, 0);
	OFF_AT(all, "2030-12-31 23:59:59+00:00", -4, 0);
	OFF_AT("<+0545>-5:45", "2030-06-01 00:00:00+00:00", 5, 45);

	/* A schedule in the all-year-DST zone: noon is always 16:00 UTC, across New Year. */
	weir_cron *c = parse_ok("0 0 12 * * ?", "UTC");
	assert_int_equal(tz_rule_parse(all, &c->tz.rule), 0);
	c->tz.off_max = c->tz.rule.dst;
	assert_int_equal(weir_cron_next(c, ms_at("2030-12-31 13:00:00+00:00")), ms_at("2030-12-31 16:00:00+00:00"));
	assert_int_equal(weir_cron_next(c, ms_at("2030-12-31 16:00:00+00:00")), ms_at("2031-01-01 16:00:00+00:00"));
	weir_cron_free(c);
}

/* Footers that are not POSIX TZ strings are refused (the zone is then unknown). */
static void test_posix_rules_refused(void **state)
{
	(void)state;
	const char *bad[] = {"EST",
			     "E5",
			     "5",
			     "<AB>5",
			     "<EST5",
			     "EST5EDT,M3.2.0",
			     "EST5EDT,M13.2.0,M11.1.0",
			     "EST5EDT,M3.6.0,M11.1.0",
			     "EST5EDT,M3.2.7,M11.1.0",
			     "EST5EDT,J0,J365",
			     "EST5EDT,366,J1",
			     "EST5EDT,M3.2.0/168,M11.1.0",
			     "EST5EDT,M3.2.0/2:60,M11.1.0",
			     "EST5EDT,M3.2.0,M11.1.0x",
			     "EST5EDT;M3.2.0,M11.1.0",
			     "EST25",
			     "EST5EDT-30,M3.2.0,M11.1.0",
			     "EST1234"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tz_rule r;
		if (tz_rule_parse(bad[i], &r) == 0)
			fail_msg("rule '%s' accepted", bad[i]);
	}
	tz_rule r;
	assert_int_equal(tz_rule_parse("", &r), 0);
	assert_false(r.present);
}

/* ----------------------------------------------------------------------------- TZif bytes */

typedef struct tzif_spec {
	char version;
	int nt;
	const int64_t *times;
	const uint8_t *idx;
	int ntypes;
	const int32_t *offs;
	int leap;
	const char *footer;
} tzif_spec;

static void put32(unsigned char **p, uint32_t v)
{
	(*p)[0] = (unsigned char)(v >> 24);
	(*p)[1] = (unsigned char)(v >> 16);
	(*p)[2] = (unsigned char)(v >> 8);
	(*p)[3] = (unsigned char)v;
	*p += 4;
}

static void put_header(unsigned char **p, char version, uint32_t leap, uint32_t nt, uint32_t ntypes, uint32_t nchars)
{
	memcpy(*p, "TZif", 4);
	(*p)[4] = (unsigned char)version;
	memset(*p + 5, 0, 15);
	*p += 20;
	put32(p, 0); /* isutcnt */
	put32(p, 0); /* isstdcnt */
	put32(p, leap);
	put32(p, nt);
	put32(p, ntypes);
	put32(p, nchars);
}

/* A TZif file: an empty version 1 block, then the 64-bit block and the footer. */
static size_t tzif_build(unsigned char *buf, const tzif_spec *s)
{
	unsigned char *p = buf;
	put_header(&p, s->version, 0, 0, 0, 0);
	put_header(&p, s->version, (uint32_t)s->leap, (uint32_t)s->nt, (uint32_t)s->ntypes, 4);
	for (int i = 0; i < s->nt; i++) {
		put32(&p, (uint32_t)((uint64_t)s->times[i] >> 32));
		put32(&p, (uint32_t)s->times[i]);
	}
	for (int i = 0; i < s->nt; i++)
		*p++ = s->idx[i];
	for (int i = 0; i < s->ntypes; i++) {
		put32(&p, (uint32_t)s->offs[i]);
		*p++ = (unsigned char)(i > 0);
		*p++ = 0;
	}
	memcpy(p, "XST", 4);
	p += 4;
	for (int i = 0; i < s->leap; i++) {
		memset(p, 0, 12);
		p += 12;
	}
	size_t n = strlen(s->footer);
	*p++ = '\n';
	memcpy(p, s->footer, n);
	p += n;
	*p++ = '\n';
	return (size_t)(p - buf);
}

static void zone_release(tz_zone *z)
{
	free(z->at);
	free(z->hw);
	free(z->off);
	memset(z, 0, sizeof(*z));
}

static tzif_status tzif_try(const unsigned char *buf, size_t len, tz_zone *z)
{
	memset(z, 0, sizeof(*z));
	return tzif_parse(buf, len, z);
}

/* The reader takes a well-formed file (a -2^59 "big bang" entry included) and answers from
 * the table, then from the footer; it refuses every truncation of it, version 1, leap
 * seconds, a type index out of range, times out of order, no types, an offset beyond
 * 26 h, and a bad footer, without reading outside the buffer (ASan checks that). */
static void test_tzif_reader(void **state)
{
	(void)state;
	const int64_t times[] = {-(INT64_C(1) << 59), ms_at("2024-03-10 07:00:00+00:00") / 1000,
				 ms_at("2024-11-03 06:00:00+00:00") / 1000};
	const uint8_t idx[] = {1, 2, 1};
	const int32_t offs[] = {-17762, -5 * 3600, -4 * 3600};
	tzif_spec s = {'2', 3, times, idx, 3, offs, 0, "EST5EDT,M3.2.0,M11.1.0"};
	unsigned char buf[1024];
	size_t len = tzif_build(buf, &s);
	tz_zone z;
	assert_int_equal(tzif_try(buf, len, &z), TZIF_OK);
	assert_int_equal(z.off0, -5 * 3600); /* the big-bang entry only moved the start */
	assert_int_equal(z.n, 2);
	assert_int_equal(z.off_max, -4 * 3600);
	tz_seg g;
	zone_segment(&z, ms_at("2024-06-01 00:00:00+00:00") / 1000, &g);
	assert_int_equal(g.off, -4 * 3600);
	assert_int_equal(g.prev_off, -5 * 3600);
	zone_segment(&z, ms_at("2025-06-01 00:00:00+00:00") / 1000, &g);
	assert_int_equal(g.off, -4 * 3600);
	assert_int_equal(g.start, ms_at("2025-03-09 07:00:00+00:00") / 1000);
	assert_int_equal(g.end, ms_at("2025-11-02 06:00:00+00:00") / 1000);
	zone_segment(&z, ms_at("2025-01-01 00:00:00+00:00") / 1000, &g);
	assert_int_equal(g.off, -5 * 3600);
	assert_int_equal(g.start, ms_at("2024-11-03 06:00:00+00:00") / 1000);

	/* The same file behind a schedule: the gap of 2025 comes from the footer. */
	weir_cron *c = parse_ok("0 30 2 * * ?", "UTC");
	c->tz = z;
	assert_int_equal(weir_cron_next(c, ms_at("2025-03-08 12:00:00-05:00")), ms_at("2025-03-09 03:30:00-04:00"));
	assert_int_equal(weir_cron_next(c, ms_at("2024-03-09 12:00:00-05:00")), ms_at("2024-03-10 03:30:00-04:00"));
	weir_cron_free(c); /* frees z's arrays */

	for (size_t k = 0; k < len; k++) {
		unsigned char *cut = malloc(k ? k : 1); /* exactly k bytes: ASan sees any overread */
		memcpy(cut, buf, k);
		if (tzif_try(cut, k, &z) == TZIF_OK)
			fail_msg("a TZif file cut to %zu of %zu bytes was accepted", k, len);
		zone_release(&z);
		free(cut);
	}

	tzif_spec v = s;
	v.version = 0;
	len = tzif_build(buf, &v);
	assert_int_equal(tzif_try(buf, len, &z), TZIF_BAD);
	zone_release(&z);
	v = s;
	v.leap = 1;
	len = tzif_build(buf, &v);
	assert_int_equal(tzif_try(buf, len, &z), TZIF_LEAP);
	zone_release(&z);
	const uint8_t bad_idx[] = {1, 3, 1};
	v = s;
	v.idx = bad_idx;
	len = tzif_build(buf, &v);
	assert_int_equal(tzif_try(buf, len, &z), TZIF_BAD);
	zone_release(&z);
	const int64_t backwards[] = {0, 100, 100};
	v = s;
	v.times = backwards;
	len = tzif_build(buf, &v);
	assert_int_equal(tzif_try(buf, len, &z), TZIF_BAD);
	zone_release(&z);
	v = s;
	v.nt = 0;
	v.ntypes = 0;
	len = tzif_build(buf, &v);
	assert_int_equal(tzif_try(buf, len, &z), TZIF_BAD);
	zone_release(&z);
	const int32_t far[] = {0, 27 * 3600, 0};
	v = s;
	v.offs = far;
	len = tzif_build(buf, &v);
	assert_int_equal(tzif_try(buf, len, &z), TZIF_BAD);
	zone_release(&z);
	v = s;
	v.footer = "EST5EDT,M3.2.0";
	len = tzif_build(buf, &v);
	assert_int_equal(tzif_try(buf, len, &z), TZIF_BAD);
	zone_release(&z);
	/* Version 3 and an empty footer (the last offset holds forever) are fine. */
	v = s;
	v.version = '3';
	v.footer = "";
	len = tzif_build(buf, &v);
	assert_int_equal(tzif_try(buf, len, &z), TZIF_OK);
	zone_segment(&z, ms_at("2030-06-01 00:00:00+00:00") / 1000, &g);
	assert_int_equal(g.off, -5 * 3600);
	assert_int_equal(g.end, INT64_MAX);
	zone_release(&z);
}

/* ------------------------------------------------------------------------------ refusals */

static void expect_refused(const char *expr, const char *tz, const char *field, const char *needle)
{
	weir_error err = WEIR_ERROR_INIT;
	weir_cron *c = (weir_cron *)&err; /* must be reset to NULL */
	if (weir_cron_parse(expr, tz, &c, &err) == 0)
		fail_msg("'%s' in '%s' was accepted", expr ? expr : "(null)", tz ? tz : "(null)");
	assert_null(c);
	assert_int_equal(err.code, WEIR_E_INVALID_PARAMETER_VALUE);
	assert_int_equal(err.status, 400);
	assert_string_equal(err.field, field);
	if (strstr(err.message, needle) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", expr ? expr : "(null)", err.message, needle);
}

/* Each unsupported or malformed expression is refused with 400 INVALID_PARAMETER_VALUE on
 * schedule.quartz_cron_expression and a message naming the field and what is wrong. */
static void test_invalid_expressions(void **state)
{
	(void)state;
	static const struct {
		const char *expr, *msg;
	} cases[] = {
		{NULL, "quartz_cron_expression is required"},
		{"", "quartz_cron_expression is required"},
		{"   ", "expected 6 or 7 fields"},
		{"0 0 12 * *", "expected 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]), "
			       "found 5"},
		{"0 0 12 * * ? 2024 x", "found more than 7"},
		{"60 0 12 * * ?", "field 1 (seconds): 60 is out of range 0-59"},
		{"0 60 12 * * ?", "field 2 (minutes): 60 is out of range 0-59"},
		{"0 0 25 * * ?", "field 3 (hours): 25 is out of range 0-23"},
		{"0 0 12 0 * ?", "field 4 (day-of-month): 0 is out of range 1-31"},
		{"0 0 12 32 * ?", "field 4 (day-of-month): 32 is out of range 1-31"},
		{"0 0 12 * 13 ?", "field 5 (month): 13 is out of range 1-12"},
		{"0 0 12 * 0 ?", "field 5 (month): 0 is out of range 1-12"},
		{"0 0 12 * FOO ?", "field 5 (month): 'FOO' is not a month name (JAN-DEC)"},
		{"0 0 12 * JAN-FOO ?", "field 5 (month): 'FOO' is not a month name"},
		{"0 0 12 * JANUARY ?", "field 5 (month): unexpected 'U' in 'JANUARY'"},
		{"0 0 12 ? * 8", "field 6 (day-of-week): 8 is out of range 1-7"},
		{"0 0 12 ? * 0", "field 6 (day-of-week): 0 is out of range 1-7"},
		{"0 0 12 ? * Monday", "field 6 (day-of-week): unexpected 'd' in 'Monday'"},
		{"0 0 12 ? * XYZ", "field 6 (day-of-week): 'XYZ' is not a day name (SUN-SAT)"},
		{"0 0 12 ? * MON#6", "field 6 (day-of-week): #6 is out of range #1-#5"},
		{"0 0 12 ? * 2#0", "field 6 (day-of-week): #0 is out of range #1-#5"},
		{"0 0 12 ? * 6#", "field 6 (day-of-week): expected a number"},
		{"0 0 12 ? * L", "field 6 (day-of-week): 'L' alone is not supported"},
		{"0 0 12 ? * 8L", "field 6 (day-of-week): 8 is out of range 1-7"},
		{"0 0 12 ? * 2L,3", "field 6 (day-of-week): 'L' and '#' cannot be combined"},
		{"0 0 12 ? * 2#1,3#1", "field 6 (day-of-week): 'L' and '#' cannot be combined"},
		{"0 0 12 ? * MON-FRI#2", "field 6 (day-of-week): 'MON-FRI#2' is not a day-of-week"},
		{"0 0 12 L,15 * ?", "field 4 (day-of-month): 'L' and 'W' cannot be combined"},
		{"0 0 12 L-31 * ?", "field 4 (day-of-month): L-31 is out of range (L-0 to L-30)"},
		{"0 0 12 L-3W * ?", "field 4 (day-of-month): unexpected 'W'"},
		{"0 0 12 LX * ?", "field 4 (day-of-month): unexpected 'X'"},
		{"0 0 12 32W * ?", "field 4 (day-of-month): 32 is out of range 1-31"},
		{"0 0 12 W * ?", "field 4 (day-of-month): expected a number"},
		{"0 0 12 1-5W * ?", "field 4 (day-of-month): '1-5W' is not a day-of-month"},
		{"0 0 12 15WW * ?", "field 4 (day-of-month): unexpected 'W'"},
		{"0 0 12 * * *", "day-of-month and day-of-week: exactly one must be '?'"},
		{"0 0 12 ? * ?", "day-of-month and day-of-week: exactly one must be '?'"},
		{"0 0 12 15 * MON", "day-of-month and day-of-week: exactly one must be '?'"},
		{"? 0 12 * * ?", "field 1 (seconds): '?' is only allowed in day-of-month or day-of-week"},
		{"0 0 12 * ? ?", "field 5 (month): '?' is only allowed"},
		{"0 0 12 * * ?,1", "field 6 (day-of-week): '?' must be the whole field"},
		{"0 0 12 * * ? 1969", "field 7 (year): 1969 is out of range 1970-2199"},
		{"0 0 12 * * ? 2200", "field 7 (year): 2200 is out of range 1970-2199"},
		{"0 0 12 * * ? 2030-2020", "field 7 (year): range 2030-2020 goes backwards"},
		{"0 0 12 * * ? 2024/0", "field 7 (year): step 0 is out of range 1-229"},
		{"0/0 0 12 * * ?", "field 1 (seconds): step 0 is out of range 1-59"},
		{"0/60 * * * * ?", "field 1 (seconds): step 60 is out of range 1-59"},
		{"0 0 */24 * * ?", "field 3 (hours): step 24 is out of range 1-23"},
		{"0 0 12 1,,2 * ?", "field 4 (day-of-month): empty value in list '1,,2'"},
		{"0 0 12 1, * ?", "field 4 (day-of-month): empty value in list"},
		{"0 0 12 5- * ?", "field 4 (day-of-month): expected a number in '5-'"},
		{"0 0 12 -5 * ?", "field 4 (day-of-month): expected a number in '-5'"},
		{"0 0 12 */ * ?", "field 4 (day-of-month): expected a number in '*/'"},
		{"0 0 12 /5 * ?", "field 4 (day-of-month): expected a number in '/5'"},
		{"0 0 12 1-2-3 * ?", "field 4 (day-of-month): unexpected '-' in '1-2-3'"},
		{"0 0 12 *5 * ?", "field 4 (day-of-month): unexpected '5' in '*5'"},
		{"0 0 1.5 * * ?", "field 3 (hours): unexpected '.' in '1.5'"},
		{"0 0 1234567 * * ?", "field 3 (hours): number too large"},
		{"0 0 12 * * ?\x01", "unexpected character at position 13"},
		{"0 0 12 * * \xc3\xa9", "unexpected character at position 12"},
		{"0 0 12\n* * ?", "unexpected character at position 7"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_refused(cases[i].expr, "UTC", "schedule.quartz_cron_expression", cases[i].msg);
	char long_expr[600];
	memset(long_expr, '1', sizeof(long_expr) - 1);
	long_expr[sizeof(long_expr) - 1] = '\0';
	expect_refused(long_expr, "UTC", "schedule.quartz_cron_expression", "longer than 512 characters");
}

/* Zone ids that are not plain relative names below the zoneinfo directory are refused
 * before any file is opened; unknown zones, directories, non-TZif files and zones that
 * count leap seconds are refused after; all name schedule.timezone_id. */
static void test_invalid_zones(void **state)
{
	(void)state;
	const char *f = "schedule.timezone_id";
	expect_refused("0 0 12 * * ?", NULL, f, "timezone_id is required");
	expect_refused("0 0 12 * * ?", "", f, "timezone_id is required");
	const char *shape[] = {"../../etc/passwd",
			       "/etc/localtime",
			       "America/../America/New_York",
			       "America//New_York",
			       "America/New_York/",
			       "America/New York",
			       "Europe/Berlin\n",
			       "./UTC",
			       "zone.tab",
			       "America/New_York%00",
			       "Europe\\Berlin",
			       "Europe/Berlin;rm",
			       "America/Nëw_York"};
	for (size_t i = 0; i < sizeof(shape) / sizeof(shape[0]); i++)
		expect_refused("0 0 12 * * ?", shape[i], f, "timezone_id must be an IANA zone name");
	char long_id[200];
	memset(long_id, 'A', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	expect_refused("0 0 12 * * ?", long_id, f, "at most 128 characters");
	expect_refused("0 0 12 * * ?", "Mars/Olympus", f, "unknown time zone 'Mars/Olympus'");
	expect_refused("0 0 12 * * ?", "America", f, "unknown time zone 'America'");
	expect_refused("0 0 12 * * ?", "utc", f, "unknown time zone 'utc'");
	expect_refused("0 0 12 * * ?", "localtime", f, "unknown time zone 'localtime'");
	expect_refused("0 0 12 * * ?", "zone1970", f, "unknown time zone 'zone1970'");
	expect_refused("0 0 12 * * ?", "leapseconds", f, "unknown time zone 'leapseconds'");
	if (access(ZONEINFO_DIR "/right/UTC", R_OK) == 0)
		expect_refused("0 0 12 * * ?", "right/UTC", f, "counts leap seconds");
	/* The expression is checked first: its error wins over the zone's. */
	expect_refused("0 0 25 * * ?", "Mars/Olympus", "schedule.quartz_cron_expression", "field 3 (hours)");
}

/* -------------------------------------------------------------------------- cost, threads */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* 10,000 consecutive calls per schedule (the worst cases named in the brief among them):
 * each answer is strictly later than the previous one, and the average stays in
 * microseconds (a second-by-second search would take seconds for Feb 29). A schedule that
 * runs out (year 2199) starts again from 2024. */
static void test_next_monotone_and_fast(void **state)
{
	(void)state;
	static const char *const sched[][2] = {
		{"*/15 * * * * ?", "America/New_York"},
		{"0 0 0 29 2 ? *", "America/New_York"},
		{"0 0 0 ? * 6#5", "Europe/Berlin"},
		{"0 30 2 * * ?", "Australia/Lord_Howe"},
		{"0 0 * * * ?", "Australia/Sydney"},
		{"0 0 0 LW * ?", "Pacific/Apia"},
		{"0 0 0 31 2 ?", "UTC"},
		{"0 0 0 1 1 ? 1999", "Europe/Berlin"},
		{"0 15 10 ? * 6L 2030-2040", "Asia/Kolkata"},
	};
	const int64_t start = ms_at("2024-01-01 00:00:00+00:00");
	double worst = 0;
	for (size_t i = 0; i < sizeof(sched) / sizeof(sched[0]); i++) {
		weir_cron *c = parse_ok(sched[i][0], sched[i][1]);
		int64_t t = start;
		int fires = 0;
		double t0 = now_s();
		for (int k = 0; k < 10000; k++) {
			int64_t u = weir_cron_next(c, t);
			if (u < 0) {
				t = start;
				continue;
			}
			if (u <= t)
				fail_msg("'%s': %lld after %lld", sched[i][0], (long long)u, (long long)t);
			fires++;
			t = u;
		}
		double us = (now_s() - t0) * 1e6 / 10000;
		if (us > worst)
			worst = us;
		print_message("  %-26s %-20s %7.3f us per call, %d fire times\n", sched[i][0], sched[i][1], us, fires);
		/* Loose enough for ASan and a busy machine; a real regression is 1000x. */
		assert_true(us < 100.0);
		weir_cron_free(c);
	}
	print_message("  worst: %.3f us per call\n", worst);
}

typedef struct thread_arg {
	const weir_cron *c;
	const int64_t *want;
	int n;
	int bad;
} thread_arg;

static void *thread_main(void *p)
{
	thread_arg *a = p;
	for (int round = 0; round < 5; round++) {
		int64_t t = ms_at("2024-01-01 00:00:00+00:00");
		for (int i = 0; i < a->n; i++) {
			t = weir_cron_next(a->c, t);
			if (t != a->want[i])
				a->bad++;
		}
	}
	return NULL;
}

/* One parsed schedule answers the same from several threads at once (read only, no TZ). */
static void test_threads(void **state)
{
	(void)state;
	weir_cron *c = parse_ok("0 */30 1-3 * * ?", "Europe/Berlin");
	enum { N = 2000, T = 4 };
	int64_t *want = malloc(N * sizeof(*want));
	int64_t t = ms_at("2024-01-01 00:00:00+00:00");
	for (int i = 0; i < N; i++)
		want[i] = t = weir_cron_next(c, t);
	pthread_t th[T];
	thread_arg args[T];
	for (int i = 0; i < T; i++) {
		args[i] = (thread_arg){c, want, N, 0};
		assert_int_equal(pthread_create(&th[i], NULL, thread_main, &args[i]), 0);
	}
	for (int i = 0; i < T; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(args[i].bad, 0);
	}
	free(want);
	weir_cron_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_forms),
		cmocka_unit_test(test_day_of_month_specials),
		cmocka_unit_test(test_day_of_week_specials),
		cmocka_unit_test(test_year_field),
		cmocka_unit_test(test_after_boundaries),
		cmocka_unit_test(test_dst_new_york),
		cmocka_unit_test(test_dst_berlin),
		cmocka_unit_test(test_dst_lord_howe),
		cmocka_unit_test(test_dst_sydney),
		cmocka_unit_test(test_historical_offsets),
		cmocka_unit_test(test_fixed_zones),
		cmocka_unit_test(test_posix_rules),
		cmocka_unit_test(test_posix_rules_refused),
		cmocka_unit_test(test_tzif_reader),
		cmocka_unit_test(test_invalid_expressions),
		cmocka_unit_test(test_invalid_zones),
		cmocka_unit_test(test_next_monotone_and_fast),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
