/* Quartz cron expressions evaluated in an IANA time zone (the contract is workflows/cron.h).
 *
 * Two halves. The expression becomes one bit set per field plus the day-of-month and
 * day-of-week specials, and `local_next` finds the first matching local wall time at or
 * after a given one by jumping field by field (year, month, day, hour, minute, second), so
 * its cost is a few steps per field whatever the schedule. The zone becomes a sorted table
 * of UTC offset changes (from the TZif file) continued by the footer's POSIX rule, cut into
 * "segments" of constant offset. weir_cron_next walks segments forward from the instant
 * asked: inside a segment wall time and UTC differ by a constant, so one local search
 * answers for the whole segment; a local time repeated by a fall-back overlap counts only
 * in the segment where it first occurs, and a local time skipped by a spring-forward gap
 * fires at its wall time read with the offset from before the gap (java.util.Calendar's
 * lenient reading, which Quartz inherits). When a segment has no fire time, the local
 * search's answer says how far ahead the next can be, so the walk jumps there instead of
 * visiting every segment in between.
 *
 * Nothing here reads the TZ environment or calls localtime: after weir_cron_parse, a
 * weir_cron is read only, and weir_cron_next is a pure function of it. */
#include "workflows/cron.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"

#define FIELD_EXPR "schedule.quartz_cron_expression"
#define FIELD_TZ "schedule.timezone_id"
#define ZONEINFO_DIR "/usr/share/zoneinfo"

#define YEAR_MIN 1970
#define YEAR_MAX 2199
#define EXPR_MAX 512
#define ZONE_ID_MAX 128
/* A TZif file of the real database is under 4 KiB; anything near this bound is not one. */
#define TZIF_MAX (256 * 1024)
/* No transition table comes near this many entries; the bound keeps size arithmetic exact. */
#define TZIF_COUNT_MAX 65536
/* UTC offsets RFC 8536 allows (-25 h < off < 26 h): also bounds every instant computation. */
#define OFF_MIN (-89999)
#define OFF_MAX 93599

#define NONE INT64_MAX
#define DAY 86400

enum { F_SEC, F_MIN, F_HOUR, F_DOM, F_MONTH, F_DOW, F_YEAR, F_COUNT };

enum dom_kind { DOM_ANY, DOM_SET, DOM_LAST, DOM_WEEKDAY, DOM_LAST_WEEKDAY };
enum dow_kind { DOW_ANY, DOW_SET, DOW_LAST, DOW_NTH };

/* One POSIX TZ rule date: Jn (1-365, February 29 never counted), n (0-365, counted) or
 * Mm.w.d (day d of week w of month m, w = 5 the last), and the local time of the change. */
typedef struct tz_date {
	char kind; /* 'J', 'N' or 'M' */
	int a, b, c;
	int32_t time; /* seconds after local midnight, -167 h to 167 h */
} tz_date;

typedef struct tz_rule {
	bool present; /* a non-empty footer (else the last table offset holds forever) */
	bool has_dst;
	int32_t std, dst; /* UTC offsets in seconds east */
	tz_date start, end; /* start: std -> dst, given in std time; end: dst -> std, in dst time */
} tz_rule;

/* A zone: offset `off0` before at[0], off[i] from at[i] until at[i + 1], the rule after the
 * last entry (or from the beginning of time when the table is empty). hw[i] is the latest
 * wall time reached before at[i]: a wall time below it at or after at[i] is a repeat. */
typedef struct tz_zone {
	size_t n;
	int64_t *at;
	int64_t *hw;
	int32_t *off;
	int32_t off0;
	int32_t off_max; /* the largest offset anywhere in the zone */
	tz_rule rule;
} tz_zone;

struct weir_cron {
	uint64_t set[F_COUNT][4]; /* bit (value - field minimum) */
	int dom_kind, dom_n; /* L-n: n; nW: n */
	int dow_kind, dow_day, dow_nth; /* dow_day 0 = Sunday */
	tz_zone tz;
};

/* A stretch of constant offset: [start, end) in UTC seconds. */
typedef struct tz_seg {
	int64_t start, end;
	int32_t off, prev_off;
	int64_t hw;
} tz_seg;

/* ------------------------------------------------------------------------------ civil time */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if (a % b != 0 && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int64_t y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static int weekday(int64_t days) { return (int)((days % 7 + 11) % 7); }

/* ------------------------------------------------------------------- matching local times */

typedef struct field_spec {
	const char *name;
	int min, max;
	int step_max; /* Quartz's limits on an increment */
	int wrap; /* a backwards range a-b wraps modulo this (0: refused) */
	const char *const *names;
} field_spec;

static const char *const MONTH_NAMES[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL",
					  "AUG", "SEP", "OCT", "NOV", "DEC", NULL};
static const char *const DAY_NAMES[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL};

static const field_spec FIELDS[F_COUNT] = {
	{"seconds", 0, 59, 59, 60, NULL},
	{"minutes", 0, 59, 59, 60, NULL},
	{"hours", 0, 23, 23, 24, NULL},
	{"day-of-month", 1, 31, 31, 31, NULL},
	{"month", 1, 12, 12, 12, MONTH_NAMES},
	{"day-of-week", 1, 7, 7, 7, DAY_NAMES},
	{"year", YEAR_MIN, YEAR_MAX, YEAR_MAX - YEAR_MIN, 0, NULL},
};

static void set_add(uint64_t *set, int i) { set[i >> 6] |= UINT64_C(1) << (i & 63); }

/* The smallest value >= v in field f's set, or -1. */
static int field_next(const weir_cron *c, int f, int v)
{
	int lo = FIELDS[f].min, span = FIELDS[f].max - lo;
	int i = v < lo ? 0 : v - lo;
	while (i <= span) {
		uint64_t m = c->set[f][i >> 6] >> (i & 63);
		if (m != 0)
			return lo + i + __builtin_ctzll(m);
		i = ((i >> 6) + 1) << 6;
	}
	return -1;
}

/* The days of month m of year y that match, as bits 1-31. */
static uint64_t day_mask(const weir_cron *c, int64_t y, int m)
{
	int dim = days_in_month(y, m);
	int w1 = weekday(days_from_civil(y, m, 1));
	int wlast = (w1 + dim - 1) % 7;
	int d;
	if (c->dom_kind == DOM_SET)
		return (c->set[F_DOM][0] << 1) & ((UINT64_C(1) << (dim + 1)) - 2);
	if (c->dom_kind == DOM_LAST) {
		d = dim - c->dom_n;
		return d >= 1 ? UINT64_C(1) << d : 0;
	}
	if (c->dom_kind == DOM_WEEKDAY) {
		d = c->dom_n;
		if (d > dim)
			return 0; /* no day n this month, so no weekday nearest it "within the month" */
		int w = (w1 + d - 1) % 7;
		if (w == 6) /* Saturday: the Friday before, or Monday the 3rd for the 1st */
			d = d == 1 ? 3 : d - 1;
		else if (w == 0) /* Sunday: the Monday after, or the Friday before for the last day */
			d = d == dim ? d - 2 : d + 1;
		return UINT64_C(1) << d;
	}
	if (c->dom_kind == DOM_LAST_WEEKDAY) {
		d = wlast == 6 ? dim - 1 : wlast == 0 ? dim - 2 : dim;
		return UINT64_C(1) << d;
	}
	if (c->dow_kind == DOW_LAST)
		return UINT64_C(1) << (dim - (wlast - c->dow_day + 7) % 7);
	if (c->dow_kind == DOW_NTH) {
		d = 1 + (c->dow_day - w1 + 7) % 7 + 7 * (c->dow_nth - 1);
		return d <= dim ? UINT64_C(1) << d : 0;
	}
	uint64_t mask = 0; /* DOW_SET */
	for (int w = 0; w < 7; w++) {
		if (!(c->set[F_DOW][0] >> w & 1))
			continue;
		for (d = 1 + (w - w1 + 7) % 7; d <= dim; d += 7)
			mask |= UINT64_C(1) << d;
	}
	return mask;
}

/* The first matching local wall time (seconds since 1970-01-01 00:00 of the wall clock) at
 * or after `from` and before `limit`, or NONE. Each step moves one field to its next
 * allowed value and resets the smaller ones, so a schedule that fires once in years costs
 * a few steps per year crossed, and the year field's end (2199) bounds every search. */
static int64_t local_next(const weir_cron *c, int64_t from, int64_t limit)
{
	if (from < 0)
		from = 0;
	int64_t days = floor_div(from, DAY);
	int sod = (int)(from - days * DAY);
	int64_t y;
	int mo, d, h = sod / 3600, mi = sod / 60 % 60, s = sod % 60;
	civil_from_days(days, &y, &mo, &d);
	for (;;) {
		if (y > YEAR_MAX)
			return NONE;
		int v = field_next(c, F_YEAR, (int)y);
		if (v < 0)
			return NONE;
		if (v != y) {
			y = v;
			mo = d = 1;
			h = mi = s = 0;
		}
		v = field_next(c, F_MONTH, mo);
		if (v < 0) {
			y++;
			mo = d = 1;
			h = mi = s = 0;
			continue;
		}
		if (v != mo) {
			mo = v;
			d = 1;
			h = mi = s = 0;
		}
		if (days_from_civil(y, mo, 1) * DAY >= limit)
			return NONE;
		uint64_t dm = d <= 32 ? day_mask(c, y, mo) & ~((UINT64_C(1) << d) - 1) : 0;
		if (dm == 0) {
			if (++mo > 12) {
				y++;
				mo = 1;
			}
			d = 1;
			h = mi = s = 0;
			continue;
		}
		v = __builtin_ctzll(dm);
		if (v != d) {
			d = v;
			h = mi = s = 0;
		}
		v = field_next(c, F_HOUR, h);
		if (v < 0) {
			d++; /* the next day; past the month's end the day mask is empty, so the month moves on */
			h = mi = s = 0;
			continue;
		}
		if (v != h) {
			h = v;
			mi = s = 0;
		}
		v = field_next(c, F_MIN, mi);
		if (v < 0) {
			h++;
			mi = s = 0;
			continue;
		}
		if (v != mi) {
			mi = v;
			s = 0;
		}
		v = field_next(c, F_SEC, s);
		if (v < 0) {
			mi++;
			s = 0;
			continue;
		}
		int64_t t = days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60 + v;
		return t < limit ? t : NONE;
	}
}

/* ------------------------------------------------------------------------ time zone data */

static int64_t tz_date_days(const tz_date *r, int64_t y)
{
	int64_t jan1 = days_from_civil(y, 1, 1);
	if (r->kind == 'J')
		return jan1 + r->a - 1 + (is_leap(y) && r->a >= 60);
	if (r->kind == 'N')
		return jan1 + r->a;
	int64_t first = days_from_civil(y, r->a, 1);
	int dim = days_in_month(y, r->a);
	int d = 1 + (r->c - weekday(first) + 7) % 7 + 7 * (r->b - 1);
	while (d > dim)
		d -= 7;
	return first + d - 1;
}

typedef struct tz_change {
	int64_t at;
	int32_t off; /* from `at` on */
	int order; /* at equal instants the end of DST sorts first, so all-year DST stays DST */
} tz_change;

/* The rule's changes in years y0..y0+4, sorted: 10 entries. */
static void rule_changes(const tz_rule *r, int64_t y0, tz_change out[10])
{
	int n = 0;
	for (int64_t y = y0; y < y0 + 5; y++) {
		out[n++] = (tz_change){tz_date_days(&r->start, y) * DAY + r->start.time - r->std, r->dst, 1};
		out[n++] = (tz_change){tz_date_days(&r->end, y) * DAY + r->end.time - r->dst, r->std, 0};
	}
	for (int i = 1; i < n; i++) {
		tz_change x = out[i];
		int j = i;
		while (j > 0 && (out[j - 1].at > x.at || (out[j - 1].at == x.at && out[j - 1].order > x.order))) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = x;
	}
}

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* The segment holding t, for t past the table (or in a zone without one), from the rule.
 * Rule changes at or before the table's last entry are the table's business: the segment
 * state starts from that entry. */
static void rule_segment(const tz_zone *z, int64_t t, tz_seg *g)
{
	const tz_rule *r = &z->rule;
	bool clipped = z->n > 0;
	int64_t clip = clipped ? z->at[z->n - 1] : INT64_MIN;
	int32_t cur = clipped ? z->off[z->n - 1] : r->std;
	int32_t prev = clipped && z->n > 1 ? z->off[z->n - 2] : clipped ? z->off0 : cur;
	int64_t hw = clipped ? z->hw[z->n - 1] : INT64_MIN;
	*g = (tz_seg){clip, INT64_MAX, cur, prev, hw};
	if (!r->has_dst)
		return;
	/* Changes of t's year and two on each side: at least two lie before t and two after,
	 * even with rule times of +-167 h. */
	int64_t y;
	int m, d;
	civil_from_days(floor_div(t + r->std, DAY), &y, &m, &d);
	tz_change ch[10];
	rule_changes(r, y - 2, ch);
	if (!clipped) {
		/* The state before the window's first change is the other one. */
		cur = ch[0].off == r->dst ? r->std : r->dst;
		*g = (tz_seg){INT64_MIN, INT64_MAX, cur, cur, INT64_MIN};
	}
	for (int i = 0; i < 10; i++) {
		if (ch[i].at <= clip)
			continue;
		if (ch[i].at > t) {
			g->end = ch[i].at;
			break;
		}
		hw = max64(hw, ch[i].at + cur);
		*g = (tz_seg){ch[i].at, INT64_MAX, ch[i].off, cur, hw};
		cur = ch[i].off;
	}
}

static void zone_segment(const tz_zone *z, int64_t t, tz_seg *g)
{
	if (z->n == 0) {
		if (z->rule.present)
			rule_segment(z, t, g);
		else
			*g = (tz_seg){INT64_MIN, INT64_MAX, z->off0, z->off0, INT64_MIN};
		return;
	}
	if (t < z->at[0]) {
		*g = (tz_seg){INT64_MIN, z->at[0], z->off0, z->off0, INT64_MIN};
		return;
	}
	size_t lo = 0, hi = z->n; /* at[lo] <= t < at[hi] */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	if (lo == z->n - 1 && z->rule.present) {
		rule_segment(z, t, g);
		return;
	}
	*g = (tz_seg){z->at[lo], lo + 1 < z->n ? z->at[lo + 1] : INT64_MAX, z->off[lo],
		      lo > 0 ? z->off[lo - 1] : z->off0, z->hw[lo]};
}

/* --------------------------------------------------------------------- POSIX TZ strings */

/* A zone abbreviation: three or more letters, or <...> of letters, digits, '+' and '-'. */
static const char *tz_name(const char *p)
{
	const char *s = p;
	if (*p == '<') {
		for (p++; isalnum((unsigned char)*p) || *p == '+' || *p == '-'; p++)
			;
		return *p == '>' && p - s >= 4 ? p + 1 : NULL;
	}
	while (isalpha((unsigned char)*p))
		p++;
	return p - s >= 3 ? p : NULL;
}

/* [+-]h[h[h]][:mm[:ss]] with hours up to max_h; *out in seconds. */
static const char *tz_hms(const char *p, int max_h, int32_t *out)
{
	int sign = 1;
	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	int v[3] = {0, 0, 0};
	for (int part = 0; part < 3; part++) {
		if (part > 0) {
			if (*p != ':')
				break;
			p++;
		}
		int nd = 0;
		while (isdigit((unsigned char)*p) && nd < 3) {
			v[part] = v[part] * 10 + (*p++ - '0');
			nd++;
		}
		if (nd == 0 || (part > 0 && (nd > 2 || v[part] > 59)) || isdigit((unsigned char)*p))
			return NULL;
	}
	if (v[0] > max_h)
		return NULL;
	*out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
	return p;
}

static const char *tz_num(const char *p, int lo, int hi, int *out)
{
	int v = 0, nd = 0;
	while (isdigit((unsigned char)*p) && nd < 4) {
		v = v * 10 + (*p++ - '0');
		nd++;
	}
	if (nd == 0 || v < lo || v > hi)
		return NULL;
	*out = v;
	return p;
}

/* Jn, n or Mm.w.d, then an optional /time (default 02:00). */
static const char *tz_date_parse(const char *p, tz_date *r)
{
	*r = (tz_date){0};
	if (*p == 'J') {
		r->kind = 'J';
		p = tz_num(p + 1, 1, 365, &r->a);
	} else if (*p == 'M') {
		r->kind = 'M';
		p = tz_num(p + 1, 1, 12, &r->a);
		if (p == NULL || *p != '.' || (p = tz_num(p + 1, 1, 5, &r->b)) == NULL || *p != '.')
			return NULL;
		p = tz_num(p + 1, 0, 6, &r->c);
	} else {
		r->kind = 'N';
		p = tz_num(p, 0, 365, &r->a);
	}
	if (p == NULL)
		return NULL;
	r->time = 7200;
	if (*p == '/')
		p = tz_hms(p + 1, 167, &r->time);
	return p;
}

static bool off_ok(int32_t off) { return off >= OFF_MIN && off <= OFF_MAX; }

/* A TZif footer: std offset [dst [offset] [,start[/time],end[/time]]]. POSIX offsets count
 * west of Greenwich; r holds them east, as TZif does. */
static int tz_rule_parse(const char *s, tz_rule *r)
{
	*r = (tz_rule){0};
	if (*s == '\0')
		return 0;
	int32_t o;
	const char *p = tz_name(s);
	if (p == NULL || (p = tz_hms(p, 167, &o)) == NULL)
		return -1;
	r->present = true;
	r->std = -o;
	r->dst = r->std;
	if (*p == '\0')
		return off_ok(r->std) ? 0 : -1;
	if ((p = tz_name(p)) == NULL)
		return -1;
	r->has_dst = true;
	r->dst = r->std + 3600;
	if (*p != ',' && *p != '\0') {
		if ((p = tz_hms(p, 167, &o)) == NULL)
			return -1;
		r->dst = -o;
	}
	if (*p == '\0') {
		/* No rule given: POSIX leaves it to the implementation; this is the US rule
		 * that glibc's and tzcode's "posixrules" default to. */
		r->start = (tz_date){'M', 3, 2, 0, 7200};
		r->end = (tz_date){'M', 11, 1, 0, 7200};
	} else {
		if (*p != ',' || (p = tz_date_parse(p + 1, &r->start)) == NULL || *p != ',' ||
		    (p = tz_date_parse(p + 1, &r->end)) == NULL || *p != '\0')
			return -1;
	}
	return off_ok(r->std) && off_ok(r->dst) ? 0 : -1;
}

/* ------------------------------------------------------------------------------ TZif files */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	uint64_t v = (uint64_t)be32(p) << 32 | be32(p + 4);
	int64_t s;
	memcpy(&s, &v, sizeof(s));
	return s;
}

typedef struct tzif_counts {
	uint32_t isut, isstd, leap, time, type, chars;
} tzif_counts;

static int tzif_header(const unsigned char *buf, size_t len, size_t at, tzif_counts *n)
{
	if (len < 44 || at > len - 44 || memcmp(buf + at, "TZif", 4) != 0)
		return -1;
	const unsigned char *p = buf + at + 20;
	*n = (tzif_counts){be32(p), be32(p + 4), be32(p + 8), be32(p + 12), be32(p + 16), be32(p + 20)};
	if (n->isut > TZIF_COUNT_MAX || n->isstd > TZIF_COUNT_MAX || n->leap > TZIF_COUNT_MAX ||
	    n->time > TZIF_COUNT_MAX || n->type > 256 || n->chars > TZIF_COUNT_MAX)
		return -1;
	return 0;
}

typedef enum { TZIF_OK, TZIF_BAD, TZIF_LEAP } tzif_status;

/* Reads TZif version 2+ data (RFC 8536): the 64-bit block and the footer. Transitions that
 * do not change the UTC offset are dropped (only offsets matter here). */
static tzif_status tzif_parse(const unsigned char *buf, size_t len, tz_zone *z)
{
	tzif_counts n;
	if (tzif_header(buf, len, 0, &n) != 0 || buf[4] < '2')
		return TZIF_BAD;
	size_t v1 = (size_t)n.time * 5 + (size_t)n.type * 6 + n.chars + (size_t)n.leap * 8 + n.isstd + n.isut;
	size_t h2 = 44 + v1;
	if (tzif_header(buf, len, h2, &n) != 0 || n.type == 0)
		return TZIF_BAD;
	if (n.leap > 0)
		return TZIF_LEAP;
	const unsigned char *times = buf + h2 + 44;
	const unsigned char *idx = times + (size_t)n.time * 8;
	const unsigned char *types = idx + n.time;
	size_t footer = h2 + 44 + (size_t)n.time * 9 + (size_t)n.type * 6 + n.chars + n.isstd + n.isut;
	if (footer >= len || buf[footer] != '\n')
		return TZIF_BAD;
	const unsigned char *fend = memchr(buf + footer + 1, '\n', len - footer - 1);
	if (fend == NULL || fend - (buf + footer + 1) > 255)
		return TZIF_BAD;
	char tzs[256];
	size_t flen = (size_t)(fend - (buf + footer + 1));
	memcpy(tzs, buf + footer + 1, flen);
	tzs[flen] = '\0';
	if (tz_rule_parse(tzs, &z->rule) != 0)
		return TZIF_BAD;

	int32_t offs[256];
	for (uint32_t i = 0; i < n.type; i++) {
		offs[i] = (int32_t)be32(types + i * 6);
		if (!off_ok(offs[i]))
			return TZIF_BAD;
	}
	z->off0 = offs[0];
	z->at = weir_xmalloc(((size_t)n.time + 1) * sizeof(*z->at));
	z->hw = weir_xmalloc(((size_t)n.time + 1) * sizeof(*z->hw));
	z->off = weir_xmalloc(((size_t)n.time + 1) * sizeof(*z->off));
	int32_t prev = z->off0;
	int64_t last = INT64_MIN, hw = INT64_MIN;
	for (uint32_t i = 0; i < n.time; i++) {
		int64_t at = be64(times + (size_t)i * 8);
		if (idx[i] >= n.type || (i > 0 && at <= last))
			return TZIF_BAD;
		last = at;
		int32_t off = offs[idx[i]];
		/* zic writes -2^59 for "the beginning of time": a change that long before 1970
		 * only says which offset holds from then on. Keeping such instants out also
		 * keeps at + offset far from overflow. */
		if (at < -(INT64_C(1) << 40)) {
			z->off0 = prev = off;
			continue;
		}
		if (at > (INT64_C(1) << 40)) {
			/* Past any year a schedule can name: the offset before it holds for them all,
			 * and the footer (after the last change) is never reached. */
			z->rule.present = false;
			break;
		}
		if (off == prev)
			continue;
		hw = max64(hw, at + prev);
		z->at[z->n] = at;
		z->hw[z->n] = hw;
		z->off[z->n] = off;
		z->n++;
		prev = off;
	}
	z->off_max = z->off0;
	for (size_t i = 0; i < z->n; i++) {
		if (z->off[i] > z->off_max)
			z->off_max = z->off[i];
	}
	if (z->rule.present) {
		if (z->rule.std > z->off_max)
			z->off_max = z->rule.std;
		if (z->rule.dst > z->off_max)
			z->off_max = z->rule.dst;
	}
	return TZIF_OK;
}

/* Letters, digits, '_', '+', '-' and '/', relative, no empty component: so never "." or
 * "..", never outside the zoneinfo directory. */
static bool zone_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > ZONE_ID_MAX || id[0] == '/' || id[n - 1] == '/' || strstr(id, "//") != NULL)
		return false;
	for (const char *p = id; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '+' && *p != '-' && *p != '/')
			return false;
	}
	return true;
}

static int zone_load(const char *id, tz_zone *z, weir_error *err)
{
	if (id == NULL || *id == '\0')
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, FIELD_TZ, "timezone_id is required");
	if (!zone_id_ok(id))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, FIELD_TZ,
					"timezone_id must be an IANA zone name such as 'Europe/Berlin' (letters, "
					"digits, '_', '+', '-' and '/', at most %d characters)",
					ZONE_ID_MAX);
	/* UTC needs no file: it must work on a machine without tzdata. */
	if (strcmp(id, "UTC") == 0 || strcmp(id, "GMT") == 0 || strcmp(id, "Etc/UTC") == 0 ||
	    strcmp(id, "Etc/GMT") == 0)
		return 0;
	/* The host's configured zone (a link to /etc/localtime), not an IANA name: a schedule
	 * must not change meaning with the machine it runs on. */
	if (strcmp(id, "localtime") == 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, FIELD_TZ, "unknown time zone '%s'", id);
	char path[sizeof(ZONEINFO_DIR) + ZONE_ID_MAX + 2];
	snprintf(path, sizeof(path), "%s/%s", ZONEINFO_DIR, id);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == EACCES)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, FIELD_TZ, "unknown time zone '%s'",
						id);
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "time zone data could not be read");
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "time zone data could not be read");
	}
	unsigned char *buf = NULL;
	size_t len = 0;
	bool io_error = false;
	if (S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size <= TZIF_MAX) {
		buf = weir_xmalloc((size_t)st.st_size);
		while (len < (size_t)st.st_size) {
			ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				io_error = true;
			if (r <= 0)
				break;
			len += (size_t)r;
		}
	}
	close(fd);
	tzif_status s = buf != NULL && !io_error ? tzif_parse(buf, len, z) : TZIF_BAD;
	free(buf);
	if (io_error)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "time zone data could not be read");
	if (s == TZIF_LEAP)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, FIELD_TZ,
					"time zone '%s' counts leap seconds, which schedules do not support", id);
	if (s != TZIF_OK)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, FIELD_TZ, "unknown time zone '%s'", id);
	return 0;
}

/* ------------------------------------------------------------------------------- parsing */

typedef struct pctx {
	weir_cron *c;
	int f;
	const char *up; /* the field, upper case (parsed) */
	const char *orig; /* the field as written (quoted in messages) */
	int len;
	weir_error *err;
} pctx;

static int perr(const pctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(const pctx *x, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return weir_error_field(x->err, WEIR_E_INVALID_PARAMETER_VALUE, FIELD_EXPR, "field %d (%s): %s", x->f + 1,
				FIELDS[x->f].name, msg);
}

/* The field as written, for messages (printable ASCII: checked before splitting). */
#define QUOTE(x) ((x)->len > 40 ? 40 : (x)->len), (x)->orig

static int read_number(const pctx *x, const char **p, const char *end, int *out)
{
	const char *s = *p;
	int v = 0, nd = 0;
	while (s < end && isdigit((unsigned char)*s)) {
		if (++nd > 6)
			return perr(x, "number too large in '%.*s'", QUOTE(x));
		v = v * 10 + (*s++ - '0');
	}
	if (nd == 0)
		return perr(x, "expected a number in '%.*s'", QUOTE(x));
	*out = v;
	*p = s;
	return 0;
}

/* A number, or a month or day name, checked against the field's range. */
static int read_value(const pctx *x, const char **p, const char *end, int *out)
{
	const field_spec *fs = &FIELDS[x->f];
	if (fs->names != NULL && *p < end && isalpha((unsigned char)**p)) {
		for (int i = 0; fs->names[i] != NULL; i++) {
			if (end - *p >= 3 && memcmp(*p, fs->names[i], 3) == 0) {
				*out = fs->min + i;
				*p += 3;
				return 0;
			}
		}
		return perr(x, "'%.*s' is not a %s name (%s-%s)", (int)(end - *p), x->orig + (*p - x->up),
			    x->f == F_MONTH ? "month" : "day", fs->names[0], x->f == F_MONTH ? "DEC" : "SAT");
	}
	if (read_number(x, p, end, out) != 0)
		return -1;
	if (*out < fs->min || *out > fs->max)
		return perr(x, "%d is out of range %d-%d", *out, fs->min, fs->max);
	return 0;
}

static int unexpected(const pctx *x, const char *p)
{
	return perr(x, "unexpected '%c' in '%.*s'", x->orig[p - x->up], QUOTE(x));
}

/* `*`, a, a-b, each with an optional /step, into the field's set. */
static int parse_item(const pctx *x, const char *p, const char *end)
{
	const field_spec *fs = &FIELDS[x->f];
	int a = fs->min, b = fs->max, step = 1;
	bool single = false;
	if (p < end && *p == '*') {
		p++;
	} else {
		if (read_value(x, &p, end, &a) != 0)
			return -1;
		b = a;
		single = true;
		if (p < end && *p == '-') {
			p++;
			if (read_value(x, &p, end, &b) != 0)
				return -1;
			single = false;
		}
	}
	if (p < end && *p == '/') {
		p++;
		if (read_number(x, &p, end, &step) != 0)
			return -1;
		if (step < 1 || step > fs->step_max)
			return perr(x, "step %d is out of range 1-%d", step, fs->step_max);
		if (single)
			b = fs->max; /* a/n: from a to the end of the range */
	}
	if (p != end)
		return unexpected(x, p);
	uint64_t *set = x->c->set[x->f];
	if (a <= b) {
		for (int v = a; v <= b; v += step)
			set_add(set, v - fs->min);
		return 0;
	}
	if (fs->wrap == 0)
		return perr(x, "range %d-%d goes backwards", a, b);
	/* Quartz: a backwards range wraps around the field (22-2 hours, FRI-MON). */
	for (int i = a; i <= b + fs->wrap; i += step) {
		int v = i % fs->wrap;
		if (v == 0 && fs->min == 1)
			v = fs->wrap;
		set_add(set, v - fs->min);
	}
	return 0;
}

/* L, L-n, LW, nW: alone in the field. */
static int parse_dom_special(const pctx *x)
{
	weir_cron *c = x->c;
	const char *p = x->up, *end = x->up + x->len;
	if (memchr(p, ',', (size_t)x->len) != NULL)
		return perr(x, "'L' and 'W' cannot be combined with other values in '%.*s'", QUOTE(x));
	if (*p == 'L') {
		p++;
		if (p == end) {
			c->dom_kind = DOM_LAST;
			return 0;
		}
		if (*p == 'W' && p + 1 == end) {
			c->dom_kind = DOM_LAST_WEEKDAY;
			return 0;
		}
		if (*p != '-')
			return unexpected(x, p);
		p++;
		if (read_number(x, &p, end, &c->dom_n) != 0)
			return -1;
		if (p != end)
			return unexpected(x, p);
		if (c->dom_n > 30)
			return perr(x, "L-%d is out of range (L-0 to L-30)", c->dom_n);
		c->dom_kind = DOM_LAST;
		return 0;
	}
	if (read_value(x, &p, end, &c->dom_n) != 0)
		return -1;
	if (p == end || *p != 'W')
		return perr(x, "'%.*s' is not a day-of-month (n, a-b, a/n, *, L, L-n, nW or LW)", QUOTE(x));
	if (p + 1 != end)
		return unexpected(x, p + 1);
	c->dom_kind = DOM_WEEKDAY;
	return 0;
}

/* nL, n#k: alone in the field. */
static int parse_dow_special(const pctx *x)
{
	weir_cron *c = x->c;
	const char *p = x->up, *end = x->up + x->len;
	if (memchr(p, ',', (size_t)x->len) != NULL)
		return perr(x, "'L' and '#' cannot be combined with other values in '%.*s'", QUOTE(x));
	if (*p == 'L' && x->len == 1)
		return perr(x, "'L' alone is not supported (write 7 or SAT, or nL for the last day n)");
	int day;
	if (read_value(x, &p, end, &day) != 0)
		return -1;
	c->dow_day = day - 1;
	if (p < end && *p == 'L' && p + 1 == end) {
		c->dow_kind = DOW_LAST;
		return 0;
	}
	if (p < end && *p == '#') {
		p++;
		if (read_number(x, &p, end, &c->dow_nth) != 0)
			return -1;
		if (p != end)
			return unexpected(x, p);
		if (c->dow_nth < 1 || c->dow_nth > 5)
			return perr(x, "#%d is out of range #1-#5", c->dow_nth);
		c->dow_kind = DOW_NTH;
		return 0;
	}
	return perr(x, "'%.*s' is not a day-of-week (n, a-b, a/n, *, nL or n#k)", QUOTE(x));
}

static int parse_field(pctx *x)
{
	weir_cron *c = x->c;
	if (x->len == 1 && x->up[0] == '?') {
		if (x->f != F_DOM && x->f != F_DOW)
			return perr(x, "'?' is only allowed in day-of-month or day-of-week");
		return 0; /* *_ANY */
	}
	if (memchr(x->up, '?', (size_t)x->len) != NULL)
		return perr(x, "'?' must be the whole field, in '%.*s'", QUOTE(x));
	if (x->f == F_DOM && (memchr(x->up, 'L', (size_t)x->len) || memchr(x->up, 'W', (size_t)x->len)))
		return parse_dom_special(x);
	if (x->f == F_DOW && (memchr(x->up, 'L', (size_t)x->len) || memchr(x->up, '#', (size_t)x->len)))
		return parse_dow_special(x);
	const char *p = x->up, *end = x->up + x->len;
	for (;;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;
		if (e == p)
			return perr(x, "empty value in list '%.*s'", QUOTE(x));
		if (parse_item(x, p, e) != 0)
			return -1;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	if (x->f == F_DOM)
		c->dom_kind = DOM_SET;
	else if (x->f == F_DOW)
		c->dow_kind = DOW_SET;
	return 0;
}

void weir_cron_free(weir_cron *c)
{
	if (c == NULL)
		return;
	free(c->tz.at);
	free(c->tz.hw);
	free(c->tz.off);
	free(c);
}

int weir_cron_parse(const char *expr, const char *tz, weir_cron **out, weir_error *err)
{
	*out = NULL;
	if (expr == NULL || *expr == '\0')
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, FIELD_EXPR,
					"quartz_cron_expression is required");
	size_t n = strlen(expr);
	if (n > EXPR_MAX)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, FIELD_EXPR,
					"quartz_cron_expression is longer than %d characters", EXPR_MAX);
	char up[EXPR_MAX + 1];
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)expr[i];
		if (ch != ' ' && ch != '\t' && (ch < 0x21 || ch > 0x7e))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, FIELD_EXPR,
						"unexpected character at position %zu", i + 1);
		up[i] = (char)toupper(ch);
	}
	up[n] = '\0';
	int start[8], len[8], nf = 0;
	for (size_t i = 0; i < n;) {
		if (up[i] == ' ' || up[i] == '\t') {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && up[j] != ' ' && up[j] != '\t')
			j++;
		if (nf == 8)
			break;
		start[nf] = (int)i;
		len[nf++] = (int)(j - i);
		i = j;
	}
	if (nf < 6 || nf > 7)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, FIELD_EXPR,
					"expected 6 or 7 fields (seconds minutes hours day-of-month month "
					"day-of-week [year]), found %s%d",
					nf > 7 ? "more than " : "", nf > 7 ? 7 : nf);
	weir_cron *c = weir_xcalloc(1, sizeof(*c));
	for (int f = 0; f < nf; f++) {
		pctx x = {c, f, up + start[f], expr + start[f], len[f], err};
		if (parse_field(&x) != 0)
			goto out_free;
	}
	if (nf == 6) {
		for (int y = YEAR_MIN; y <= YEAR_MAX; y++)
			set_add(c->set[F_YEAR], y - YEAR_MIN);
	}
	if ((c->dom_kind == DOM_ANY) == (c->dow_kind == DOW_ANY)) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, FIELD_EXPR,
				 "day-of-month and day-of-week: exactly one must be '?'");
		goto out_free;
	}
	if (zone_load(tz, &c->tz, err) != 0)
		goto out_free;
	*out = c;
	return 0;
out_free:
	weir_cron_free(c);
	return -1;
}

/* ----------------------------------------------------------------------- the next instant */

/* Local wall times run 1970-01-01 to 2199-12-31; their instants lie within a day of those
 * (|offset| < 26 h), which bounds every instant considered. Instants before the epoch (1970
 * begins earlier east of Greenwich) are not answered, so that a negative answer can only
 * mean "none". */
#define INSTANT_MAX (INT64_C(7258118400) + 3 * DAY) /* 2200-01-01 + 3 days */

int64_t weir_cron_next(const weir_cron *c, int64_t after_ms)
{
	if (c == NULL)
		return -1;
	int64_t lo = floor_div(after_ms, 1000) + 1; /* the first whole second strictly after */
	if (lo > INSTANT_MAX)
		return -1;
	if (lo < 0)
		lo = 0;
	const tz_zone *z = &c->tz;
	int64_t best = NONE;
	for (;;) {
		tz_seg g;
		zone_segment(z, lo, &g);
		/* Wall times a spring-forward gap at g.start skipped: each fires at its wall time
		 * read with the offset from before the gap. */
		int64_t from = max64(g.hw, lo + g.prev_off);
		if (g.off > g.prev_off && from < g.start + g.off) {
			int64_t wall = local_next(c, from, g.start + g.off);
			if (wall != NONE && wall - g.prev_off < best)
				best = wall - g.prev_off;
		}
		/* Wall times of this segment, except repeats of ones an overlap already showed. */
		int64_t wall = local_next(c, max64(g.hw, lo + g.off), NONE);
		if (wall == NONE)
			return best == NONE ? -1 : best * 1000;
		if (g.end == INT64_MAX || wall - g.off < g.end) {
			if (wall - g.off < best)
				best = wall - g.off;
			return best * 1000;
		}
		if (best < g.end)
			return best * 1000;
		/* Nothing here. Every later candidate has a wall time >= `wall`, so an instant
		 * >= wall - off_max: go straight to that segment. */
		lo = max64(g.end, wall - z->off_max);
	}
}
