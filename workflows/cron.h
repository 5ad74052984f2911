/* Quartz cron expressions in an IANA time zone: the `schedule` of a job
 * ({quartz_cron_expression, timezone_id}), parsed once and asked for the next fire time.
 *
 * Syntax (Quartz CronExpression): 6 or 7 fields, seconds first:
 *   seconds minutes hours day-of-month month day-of-week [year]
 * Each field takes `*`, a value, a range `a-b`, a step `a/n` or `a-b/n` or `* /n`, and
 * comma lists of those; months JAN-DEC and days SUN-SAT by name (any case), day-of-week
 * 1-7 with 1 = Sunday. Exactly one of day-of-month and day-of-week is `?`. Day-of-month
 * also takes `L` (last day), `L-n` (n days before the last), `nW` (the weekday nearest
 * day n, within the month), `LW` (the last weekday); day-of-week takes `nL` (the last
 * such day of the month) and `n#k` (the k-th such day, k 1..5). Year 1970-2199.
 * As in Quartz: a backwards range wraps around the field (hours `22-2`, `FRI-MON`, days
 * `28-3`; not years); a step is at most the field's largest value (59, 23, 31, 12, 7; 229
 * for years); names also work with `L` and `#` (`FRIL`, `FRI#2`). Two choices of ours:
 * `nW` does not fire in a month without day n (`31W` skips April), and a bare `L` in
 * day-of-week (Quartz: Saturday) is refused in favour of `7` or `SAT`.
 * Anything else is refused: 400 INVALID_PARAMETER_VALUE naming
 * `schedule.quartz_cron_expression` (or `schedule.timezone_id` for an unknown zone), with
 * a message that says what is wrong and where.
 *
 * Time zones are read from the system's TZif files (/usr/share/zoneinfo, version 2+
 * 64-bit data, and the footer's POSIX TZ rule beyond the last transition), with no use
 * of the process-wide TZ environment: safe from any thread. "UTC", "GMT", "Etc/UTC" and
 * "Etc/GMT" need no file.
 * A zone id is a path below the zoneinfo directory with no "." or ".." component: only
 * letters, digits, '_', '+', '-' and '/', relative, no empty component, case as in the
 * database. Zones that count leap seconds ("right/...") and "localtime" (the host's own
 * zone, which would make a schedule depend on the machine) are refused. A zone file that
 * exists but cannot be read (I/O error, no descriptors left) is a 500, not a 400.
 *
 * Daylight saving time, as Quartz on a lenient java.util.Calendar does it:
 * - a local time that does not exist (in a spring-forward gap) fires at the same wall time
 *   moved forward by the gap (02:30 in a 02:00 -> 03:00 gap fires at 03:30 local), unless
 *   that instant is also a fire time of its own, in which case it fires once;
 * - a local time that exists twice (in a fall-back overlap) fires once, at the first of the
 *   two instants. So a schedule firing every 15 s or every hour is silent during the
 *   repeated hour (01:59:45 EDT is followed by 02:00:00 EST), and both rules also hold for
 *   offset changes that are not DST (a zone moving to another offset for good). */
#ifndef WEIR_WORKFLOWS_CRON_H
#define WEIR_WORKFLOWS_CRON_H

#include <stdint.h>

#include "core/error.h"

typedef struct weir_cron weir_cron; /* a parsed expression with its zone (heap; free it) */

/* Parses `expr` in zone `tz`. Returns 0 with *out set, or -1 with err set (400). */
int weir_cron_parse(const char *expr, const char *tz, weir_cron **out, weir_error *err);
/* The first fire time strictly after `after_ms` (ms since the epoch, UTC), in ms; -1 when
 * there is none (the year field is exhausted). Pure: safe from any thread. Fire times are
 * whole seconds, never before the epoch (east of Greenwich, 1970's first local hours are
 * skipped), so any negative answer means "none". */
int64_t weir_cron_next(const weir_cron *c, int64_t after_ms);
void weir_cron_free(weir_cron *c);

#endif
