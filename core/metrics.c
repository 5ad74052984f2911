/* Process-wide metrics behind core/metrics.h, and their Prometheus text rendering (exposition
 * format 0.0.4). The request path only does relaxed atomic adds on fixed slots: no lock, no
 * allocation, no clock. Every label value comes from a bounded, static set: a route pattern
 * registered once at start (never the concrete path), the route's method, an HTTP status code
 * from a few per-route slots (then "other"), and static strings for close reasons and cache
 * names (a fixed number of slots, then "other"). Nothing a client sends ever becomes a label.
 *
 * The rendering reads each counter once, without a lock: a scrape taken during traffic may
 * show one request in the status counter and not yet in the histogram, never a histogram
 * whose buckets disagree with its _count (the count is the sum of the buckets it rendered). */
#include "core/metrics.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* ---------------------------------------------------------------- histograms */

#define MAX_BUCKETS 16

/* Fixed bucket bounds: value (in the unit the caller passes) and the text of `le`. */
typedef struct bounds {
	int n;
	const int64_t *le;
	const char *const *le_text;
	bool micro; /* observations in microseconds, rendered in seconds */
} bounds;

static const int64_t SECONDS_LE[] = {500,    1000,   2500,   5000,    10000,   25000,   50000,
				     100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};
static const char *const SECONDS_LE_TEXT[] = {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
					      "0.1",    "0.25",  "0.5",    "1",     "2.5",  "5",     "10"};
static const bounds SECONDS = {14, SECONDS_LE, SECONDS_LE_TEXT, true};

static const int64_t BATCH_LE[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};
static const char *const BATCH_LE_TEXT[] = {"1", "2", "4", "8", "16", "32", "64", "128", "256"};
static const bounds BATCH = {9, BATCH_LE, BATCH_LE_TEXT, false};

/* bucket[i] counts observations in (le[i-1], le[i]]; bucket[n] those above the last bound.
 * The rendering makes them cumulative. */
typedef struct histo {
	_Atomic uint64_t bucket[MAX_BUCKETS + 1];
	_Atomic uint64_t sum;
} histo;

static void histo_observe(histo *h, const bounds *b, int64_t v)
{
	if (v < 0)
		v = 0;
	int i = 0;
	while (i < b->n && v > b->le[i])
		i++;
	atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum, (uint64_t)v, memory_order_relaxed);
}

/* ---------------------------------------------------------------- state */

/* A route's counters. Status codes take the first free slot (a CAS from 0); a route that
 * answers more distinct codes than slots counts the rest under code="other". */
#define STATUS_SLOTS 8
typedef struct route_stats {
	_Alignas(64) _Atomic(const char *) method; /* one route never shares a cache line with the next */
	_Atomic(const char *) pattern;
	_Atomic int code[STATUS_SLOTS]; /* 0 = free */
	_Atomic uint64_t by_code[STATUS_SLOTS];
	_Atomic uint64_t other;
	histo latency;
} route_stats;

/* A counter keyed by a static string (a cache name, a close reason): the first free slot is
 * claimed with a CAS; past the last slot, "other". */
#define NAMED_SLOTS 16
typedef struct named_counter {
	_Atomic(const char *) name[NAMED_SLOTS];
	_Atomic uint64_t a[NAMED_SLOTS];
	_Atomic uint64_t b[NAMED_SLOTS];
	_Atomic uint64_t other_a, other_b;
} named_counter;

static struct metrics_state {
	/* routes[WEIR_METRICS_MAX_ROUTES] is "no route matched" (index -1). */
	route_stats routes[WEIR_METRICS_MAX_ROUTES + 1];
	/* the gauges every request moves, each on its own cache line */
	_Alignas(64) _Atomic int64_t inflight;
	_Alignas(64) _Atomic int64_t connections;
	_Alignas(64) _Atomic int64_t body_bytes;
	_Atomic uint64_t bodies_refused;
	named_counter closed; /* a = connections closed */
	_Alignas(64) _Atomic int64_t write_queue;
	histo batch, commit;
	_Atomic uint64_t pool_waits, pool_wait_us;
	named_counter cache; /* a = hits, b = misses */
	_Atomic int64_t outbox_depth;
	_Atomic uint64_t outbox_delivered, outbox_failed;
} M;

static inline void add_u(_Atomic uint64_t *c, uint64_t n) { atomic_fetch_add_explicit(c, n, memory_order_relaxed); }
static inline void add_i(_Atomic int64_t *c, int64_t n) { atomic_fetch_add_explicit(c, n, memory_order_relaxed); }
static inline uint64_t get_u(_Atomic uint64_t *c) { return atomic_load_explicit(c, memory_order_relaxed); }
static inline int64_t get_i(_Atomic int64_t *c) { return atomic_load_explicit(c, memory_order_relaxed); }

/* The slot of `name`, claiming a free one; -1 when all are taken by other names. Slots fill in
 * order and a thread claims slot k only after seeing 0..k-1 hold other names, so a name never
 * occupies two slots. */
static int named_slot(named_counter *c, const char *name)
{
	for (int i = 0; i < NAMED_SLOTS; i++) {
		const char *cur = atomic_load_explicit(&c->name[i], memory_order_acquire);
		if (cur == NULL) {
			const char *expected = NULL;
			if (atomic_compare_exchange_strong_explicit(&c->name[i], &expected, name, memory_order_acq_rel,
								    memory_order_acquire))
				return i;
			cur = expected;
		}
		if (cur == name || strcmp(cur, name) == 0)
			return i;
	}
	return -1;
}

/* ---------------------------------------------------------------- writers */

void weir_metrics_set_route_name(int index, const char *method, const char *pattern)
{
	if (index < 0 || index >= WEIR_METRICS_MAX_ROUTES || method == NULL || pattern == NULL)
		return;
	atomic_store_explicit(&M.routes[index].method, method, memory_order_release);
	atomic_store_explicit(&M.routes[index].pattern, pattern, memory_order_release);
}

void weir_metrics_request_done(int route_index, int status, int64_t duration_us)
{
	if (route_index < -1 || route_index >= WEIR_METRICS_MAX_ROUTES)
		return; /* not a route of the table: there is no bounded label for it */
	route_stats *s = &M.routes[route_index < 0 ? WEIR_METRICS_MAX_ROUTES : route_index];
	histo_observe(&s->latency, &SECONDS, duration_us);
	if (status < 100 || status > 599) {
		add_u(&s->other, 1);
		return;
	}
	for (int i = 0; i < STATUS_SLOTS; i++) {
		int cur = atomic_load_explicit(&s->code[i], memory_order_relaxed);
		if (cur == 0) {
			int expected = 0;
			if (!atomic_compare_exchange_strong_explicit(&s->code[i], &expected, status,
								     memory_order_relaxed, memory_order_relaxed))
				cur = expected;
			else
				cur = status;
		}
		if (cur == status) {
			add_u(&s->by_code[i], 1);
			return;
		}
	}
	add_u(&s->other, 1);
}

void weir_metrics_inflight_add(int delta) { add_i(&M.inflight, delta); }
void weir_metrics_connections_add(int delta) { add_i(&M.connections, delta); }
void weir_metrics_body_bytes_add(int64_t delta) { add_i(&M.body_bytes, delta); }
void weir_metrics_body_refused(void) { add_u(&M.bodies_refused, 1); }

void weir_metrics_conn_closed_add(const char *reason)
{
	int i = reason ? named_slot(&M.closed, reason) : -1;
	add_u(i < 0 ? &M.closed.other_a : &M.closed.a[i], 1);
}

void weir_metrics_write_queue_add(int delta) { add_i(&M.write_queue, delta); }

void weir_metrics_commit(int batch_size, int64_t commit_us)
{
	histo_observe(&M.batch, &BATCH, batch_size);
	histo_observe(&M.commit, &SECONDS, commit_us);
}

void weir_metrics_pool_wait(int64_t wait_us)
{
	add_u(&M.pool_waits, 1);
	add_u(&M.pool_wait_us, wait_us > 0 ? (uint64_t)wait_us : 0);
}

void weir_metrics_cache(const char *name, int hit)
{
	int i = name ? named_slot(&M.cache, name) : -1;
	if (i < 0)
		add_u(hit ? &M.cache.other_a : &M.cache.other_b, 1);
	else
		add_u(hit ? &M.cache.a[i] : &M.cache.b[i], 1);
}

void weir_metrics_outbox_depth_set(int64_t depth)
{
	atomic_store_explicit(&M.outbox_depth, depth, memory_order_relaxed);
}
void weir_metrics_outbox_failure(void) { add_u(&M.outbox_failed, 1); }
void weir_metrics_outbox_delivered(void) { add_u(&M.outbox_delivered, 1); }

void weir_metrics_reset(void)
{
	for (int i = 0; i <= WEIR_METRICS_MAX_ROUTES; i++) {
		route_stats *s = &M.routes[i];
		const char *method = atomic_load(&s->method), *pattern = atomic_load(&s->pattern);
		memset(s, 0, sizeof(*s));
		atomic_store(&s->method, method);
		atomic_store(&s->pattern, pattern);
	}
	/* the rest holds no registration: zero it whole */
	memset((char *)&M + offsetof(struct metrics_state, inflight), 0,
	       sizeof(M) - offsetof(struct metrics_state, inflight));
}

/* ---------------------------------------------------------------- rendering */

static void family(weir_buf *out, const char *name, const char *type, const char *help)
{
	weir_buf_appendf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with \, " and newline escaped as the format requires. */
static void label_value(weir_buf *out, const char *v)
{
	for (const char *p = v; *p; p++) {
		if (*p == '\\')
			weir_buf_append(out, "\\\\", 2);
		else if (*p == '"')
			weir_buf_append(out, "\\\"", 2);
		else if (*p == '\n')
			weir_buf_append(out, "\\n", 2);
		else
			weir_buf_append(out, p, 1);
	}
}

/* Labels of a route's series, without braces: method="GET",route="/x/{name}". */
static void route_labels(weir_buf *out, int i)
{
	if (i == WEIR_METRICS_MAX_ROUTES) {
		weir_buf_appendf(out, "method=\"\",route=\"unmatched\"");
		return;
	}
	weir_buf_appendf(out, "method=\"");
	label_value(out, atomic_load_explicit(&M.routes[i].method, memory_order_acquire));
	weir_buf_appendf(out, "\",route=\"");
	label_value(out, atomic_load_explicit(&M.routes[i].pattern, memory_order_acquire));
	weir_buf_append(out, "\"", 1);
}

/* A route is rendered once it is registered (or is the unmatched slot) and has answered. */
static bool route_shown(int i)
{
	route_stats *s = &M.routes[i];
	if (i < WEIR_METRICS_MAX_ROUTES && atomic_load_explicit(&s->pattern, memory_order_acquire) == NULL)
		return false;
	if (get_u(&s->other))
		return true;
	for (int k = 0; k < STATUS_SLOTS; k++)
		if (get_u(&s->by_code[k]))
			return true;
	return false;
}

/* A raw sum: microseconds rendered exactly as seconds ("1.250000"), or a plain count. */
static void seconds_or_count(weir_buf *out, uint64_t v, bool micro)
{
	if (micro)
		weir_buf_appendf(out, "%llu.%06llu", (unsigned long long)(v / 1000000),
				 (unsigned long long)(v % 1000000));
	else
		weir_buf_appendf(out, "%llu", (unsigned long long)v);
}

/* The samples of one histogram series; `labels` is NULL or "k=\"v\",..." without braces. */
static void histo_render(weir_buf *out, const char *name, weir_buf *labels, histo *h, const bounds *b)
{
	const char *l = labels ? labels->data : "";
	const char *sep = labels ? "," : "";
	uint64_t cum = 0;
	for (int i = 0; i <= b->n; i++) {
		cum += get_u(&h->bucket[i]);
		weir_buf_appendf(out, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, l, sep,
				 i < b->n ? b->le_text[i] : "+Inf", (unsigned long long)cum);
	}
	weir_buf_appendf(out, "%s_sum%s%s%s ", name, labels ? "{" : "", l, labels ? "}" : "");
	seconds_or_count(out, get_u(&h->sum), b->micro);
	weir_buf_appendf(out, "\n%s_count%s%s%s %llu\n", name, labels ? "{" : "", l, labels ? "}" : "",
			 (unsigned long long)cum);
}

static void render_requests(weir_buf *out)
{
	family(out, "weir_http_requests_total", "counter",
	       "Requests answered, by route pattern, method and status code (\"other\" past a route's first 8 codes).");
	weir_buf l = {0};
	for (int i = 0; i <= WEIR_METRICS_MAX_ROUTES; i++) {
		if (!route_shown(i))
			continue;
		route_stats *s = &M.routes[i];
		l.len = 0;
		route_labels(&l, i);
		for (int k = 0; k < STATUS_SLOTS; k++) {
			int code = atomic_load_explicit(&s->code[k], memory_order_relaxed);
			uint64_t n = get_u(&s->by_code[k]);
			if (code != 0 && n != 0)
				weir_buf_appendf(out, "weir_http_requests_total{%s,code=\"%d\"} %llu\n", l.data, code,
						 (unsigned long long)n);
		}
		if (get_u(&s->other))
			weir_buf_appendf(out, "weir_http_requests_total{%s,code=\"other\"} %llu\n", l.data,
					 (unsigned long long)get_u(&s->other));
	}
	family(out, "weir_http_request_duration_seconds", "histogram",
	       "Time from the request head until its response was sent, by route pattern and method.");
	for (int i = 0; i <= WEIR_METRICS_MAX_ROUTES; i++) {
		if (!route_shown(i))
			continue;
		l.len = 0;
		route_labels(&l, i);
		histo_render(out, "weir_http_request_duration_seconds", &l, &M.routes[i].latency, &SECONDS);
	}
	weir_buf_release(&l);
}

static void gauge(weir_buf *out, const char *name, const char *help, int64_t v)
{
	family(out, name, "gauge", help);
	weir_buf_appendf(out, "%s %lld\n", name, (long long)v);
}

static void counter(weir_buf *out, const char *name, const char *help, uint64_t v)
{
	family(out, name, "counter", help);
	weir_buf_appendf(out, "%s %llu\n", name, (unsigned long long)v);
}

/* One sample per claimed slot of `c` (its a or b side), then "other" when it is not 0. */
static void named_render(weir_buf *out, const char *name, const char *label, named_counter *c, bool side_a)
{
	for (int i = 0; i < NAMED_SLOTS; i++) {
		const char *n = atomic_load_explicit(&c->name[i], memory_order_acquire);
		if (n == NULL)
			break;
		weir_buf_appendf(out, "%s{%s=\"", name, label);
		label_value(out, n);
		weir_buf_appendf(out, "\"} %llu\n", (unsigned long long)get_u(side_a ? &c->a[i] : &c->b[i]));
	}
	uint64_t other = get_u(side_a ? &c->other_a : &c->other_b);
	if (other)
		weir_buf_appendf(out, "%s{%s=\"other\"} %llu\n", name, label, (unsigned long long)other);
}

/* Process start in seconds since the epoch: boot time (/proc/stat btime) plus the process's
 * start in clock ticks after boot (/proc/self/stat, field 22). Read once. */
static double start_time;
static pthread_once_t start_once = PTHREAD_ONCE_INIT;

static void read_start_time(void)
{
	char buf[1024];
	unsigned long long ticks = 0, btime = 0;
	FILE *f = fopen("/proc/self/stat", "r");
	if (f) {
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = 0;
		char *p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
		/* after ')': field 3 (state) onwards; starttime is field 22, the 20th token */
		for (int field = 3; p && field <= 22; field++) {
			p = strchr(p + 1, ' ');
			if (p && field == 22)
				ticks = strtoull(p + 1, NULL, 10);
		}
	}
	if ((f = fopen("/proc/stat", "r")) != NULL) {
		while (fgets(buf, sizeof(buf), f))
			if (sscanf(buf, "btime %llu", &btime) == 1)
				break;
		fclose(f);
	}
	long hz = sysconf(_SC_CLK_TCK);
	if (btime && hz > 0)
		start_time = (double)btime + (double)ticks / (double)hz;
	else
		start_time = (double)weir_now_ms() / 1000.0; /* no /proc: first scrape, close enough */
}

static void render_process(weir_buf *out)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned long long vsize = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%llu %llu", &vsize, &rss) != 2)
			vsize = rss = 0;
		fclose(f);
	}
	gauge(out, "process_resident_memory_bytes", "Resident memory size in bytes.",
	      (int64_t)(rss * (unsigned long long)page));
	gauge(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
	      (int64_t)(vsize * (unsigned long long)page));

	struct rusage ru;
	double cpu = 0;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
		      ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
	family(out, "process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds.");
	weir_buf_appendf(out, "process_cpu_seconds_total %.6f\n", cpu);

	int64_t fds = 0;
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.')
				fds++;
		closedir(d);
		fds--; /* the directory's own descriptor */
	}
	gauge(out, "process_open_fds", "Number of open file descriptors.", fds);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		gauge(out, "process_max_fds", "Maximum number of open file descriptors.", (int64_t)rl.rlim_cur);

	pthread_once(&start_once, read_start_time);
	family(out, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
	weir_buf_appendf(out, "process_start_time_seconds %.2f\n", start_time);
}

void weir_metrics_render(weir_buf *out)
{
	render_requests(out);
	gauge(out, "weir_http_requests_in_flight", "Requests between their head and their completion.",
	      get_i(&M.inflight));
	gauge(out, "weir_http_connections_open", "Open client connections.", get_i(&M.connections));
	gauge(out, "weir_http_request_body_bytes", "Bytes of request bodies held in memory.", get_i(&M.body_bytes));
	family(out, "weir_http_connections_closed_total", "counter",
	       "Connections the server closed itself, by reason (head deadline, pressure, ...).");
	named_render(out, "weir_http_connections_closed_total", "reason", &M.closed, true);
	counter(out, "weir_http_request_bodies_refused_total",
		"Requests answered 503 because the server-wide body memory budget was exhausted.",
		get_u(&M.bodies_refused));

	gauge(out, "weir_db_write_queue_depth", "Requests waiting for the write lock (or a place in a group commit).",
	      get_i(&M.write_queue));
	family(out, "weir_db_commit_batch_size", "histogram", "Requests sharing one commit (group commit).");
	histo_render(out, "weir_db_commit_batch_size", NULL, &M.batch, &BATCH);
	family(out, "weir_db_commit_duration_seconds", "histogram", "Time of one commit, its fsync included.");
	histo_render(out, "weir_db_commit_duration_seconds", NULL, &M.commit, &SECONDS);
	counter(out, "weir_db_pool_waits_total", "Connection borrows that had to wait for a free connection.",
		get_u(&M.pool_waits));
	family(out, "weir_db_pool_wait_seconds_total", "counter", "Time spent waiting for a pooled connection.");
	weir_buf_appendf(out, "weir_db_pool_wait_seconds_total ");
	seconds_or_count(out, get_u(&M.pool_wait_us), true);
	weir_buf_append(out, "\n", 1);

	family(out, "weir_cache_hits_total", "counter", "Lookups answered by an in-memory cache, by cache.");
	named_render(out, "weir_cache_hits_total", "cache", &M.cache, true);
	family(out, "weir_cache_misses_total", "counter", "Lookups an in-memory cache could not answer, by cache.");
	named_render(out, "weir_cache_misses_total", "cache", &M.cache, false);

	gauge(out, "weir_outbox_depth", "Deliveries waiting in the outbox (webhooks).", get_i(&M.outbox_depth));
	counter(out, "weir_outbox_deliveries_total", "Outbox deliveries acknowledged by their target.",
		get_u(&M.outbox_delivered));
	counter(out, "weir_outbox_delivery_failures_total", "Failed outbox delivery attempts (retried or final).",
		get_u(&M.outbox_failed));

	/* Engine metrics (queue depth, task runs by state, statements by state) go here as the
	 * warehouse and workflows engines land: gauges and counters keyed by static state names. */

	render_process(out);
}
