/* Statements and warehouses' executor pools (warehouse/warehouse.h): each warehouse runs
 * its statements on a pool of executor threads with its own concurrency limit and queue
 * (warehouse/warehouses.c: max_num_clusters x WEIR_WH_SLOTS_PER_CLUSTER); the statements in
 * memory (each visible to its submitter only); the Statement Execution API's shapes:
 * StatementResponse, ResultManifest, ResultData, EXTERNAL_LINKS.
 *
 * One mutex guards the statements, the pools' queues and the states. Each pool's executors
 * sleep on the pool's own condition variable, signalled once per queued statement (a
 * broadcast woke every executor and the waiter at each submission and each end: 24 futex
 * calls and most of a primary-key lookup's CPU went to threads waking to find nothing); the
 * waiter thread sleeps on wh.cv. A statement on a STOPPED warehouse starts it (as Databricks
 * does); a warehouse with auto_stop_mins stops after that long idle.
 *
 * Waiting (wait_timeout) holds no thread: the HTTP layer suspends the connection
 * (weir_req_defer). The executor that ends a statement resumes its call itself (one hop
 * back, not two through the waiter); the waiter thread wakes calls whose wait passes
 * (on_wait_timeout CANCEL cancels it first, and waits up to 5 s for the cancel) and those of
 * statements canceled while queued.
 *
 * A statement's result stays in memory for KEEP_MS after it ends; then the statement is
 * CLOSED (its result dropped) for KEEP_MS more, then it is gone (404) (checked at most once a
 * second: expire). At most MAX_STATEMENTS in all: the oldest ended ones make room. A
 * statement is found by its id through a hash table (byid), not a walk of all of them, and
 * the waiter walks only the statements a call waits for (waiting): with the table full, the
 * walks were a sixth of a primary-key lookup's instructions.
 *
 * EXTERNAL_LINKS: each chunk's URL is a Weir route that needs no Authorization header,
 * signed (HMAC-SHA256 with a key drawn at start, so links die with the process) over the
 * statement, the chunk and the expiry (LINK_TTL_MS), as Databricks' presigned URLs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "warehouse/copy.h"
#include "warehouse/files.h"
#include "warehouse/history.h"
#include "warehouse/warehouse.h"
#include "warehouse/warehouses_int.h"
#include "warehouse/wh_internal.h"

#define MAX_STATEMENTS 1000
#define MAX_QUEUED 200
#define KEEP_MS (3600 * 1000)
#define ROWS_PER_CHUNK 2000
#define LINK_TTL_MS (15 * 60 * 1000)
#define STATEMENT_TIMEOUT_MS ((int64_t)2 * 3600 * 1000)
#define CANCEL_GRACE_MS 5000
#define ID_BUCKETS 1024 /* a power of two */
#define EXPIRE_EVERY_MS 1000

typedef struct wh_pool {
	char id[40];
	int limit; /* statements at once */
	int64_t auto_stop_mins;
	int gen; /* a stop ends the generation: its threads exit once their statement is done */
	int nthreads; /* of the current generation */
	bool running;
	pthread_cond_t work; /* its executors sleep here: a statement queued, a slot freed, a stop */
	struct wh_stmt *qhead, *qtail;
	int nqueued, active;
	int64_t last_used_ms;
	struct wh_pool *next;
} wh_pool;

typedef struct wh_stmt {
	char id[37];
	int64_t owner_id, workspace_id;
	wh_pool *pool;
	char *sql, *catalog, *schema;
	char *job_run_id;
	json_t *params;
	int64_t row_limit, byte_limit;
	bool csv, links;
	weir_wh_state state;
	weir_wh_outcome out;
	int64_t created_ms, ended_ms;
	weir_wh_cancel cancel;
	struct wh_stmt *qnext;
	struct wh_stmt *hnext; /* in wh.byid */
	/* a call waiting for it (then in wh.waiting) */
	void (*wake)(void *);
	void *wake_arg;
	int64_t wait_until_ms;
	bool cancel_on_timeout, canceling;
} wh_stmt;

static struct {
	pthread_mutex_t mu;
	pthread_mutex_t ctl; /* pool starts and stops, one at a time */
	pthread_cond_t cv;
	weir_db_pool *pool;
	wh_stmt **all;
	int nall, cap, nqueued;
	wh_stmt *byid[ID_BUCKETS]; /* every statement of all, by id */
	wh_stmt **waiting; /* those with a wake */
	int nwaiting, capwaiting;
	int64_t expired_ms; /* expire's last pass */
	wh_pool *pools;
	bool started, stopping, draining;
	int live; /* executor threads, every generation (detached: weir_wh_stop waits for 0) */
	pthread_t waiter;
	bool waiter_running;
	int64_t waiter_until_ms; /* when the sleeping waiter wakes by itself (0: awake) */
	unsigned char link_key[32];
	struct hist_item *hist; /* ended while queued: history rows the waiter writes */
} wh = {.mu = PTHREAD_MUTEX_INITIALIZER, .ctl = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

const char *weir_wh_state_name(weir_wh_state s)
{
	static const char *const names[] = {"PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED", "CLOSED"};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "FAILED";
}

static bool terminal(weir_wh_state s) { return s >= WEIR_WH_SUCCEEDED; }

/* ---------------------------------------------------------------- statements by id (under wh.mu) */

static unsigned id_bucket(const char *id)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h & (ID_BUCKETS - 1);
}

static wh_stmt *by_id(const char *id)
{
	for (wh_stmt *s = wh.byid[id_bucket(id)]; s; s = s->hnext)
		if (strcmp(s->id, id) == 0)
			return s;
	return NULL;
}

static void id_add(wh_stmt *s)
{
	unsigned b = id_bucket(s->id);
	s->hnext = wh.byid[b];
	wh.byid[b] = s;
}

static void id_del(wh_stmt *s)
{
	for (wh_stmt **pp = &wh.byid[id_bucket(s->id)]; *pp; pp = &(*pp)->hnext)
		if (*pp == s) {
			*pp = s->hnext;
			return;
		}
}

/* ---------------------------------------------------------------- the query history */

/* A history row of a statement that ended without running (canceled while queued), written
 * by the waiter thread outside wh.mu. */
typedef struct hist_item {
	weir_wh_history_entry e;
	char *id, *warehouse_id, *sql, *error;
	struct hist_item *next;
} hist_item;

/* The history row of s, which ended with `out` at end_ms; strings borrowed from s and out. */
static weir_wh_history_entry hist_entry(const struct wh_stmt *s, const weir_wh_outcome *out, int64_t end_ms);

/* Writes the row of a statement that ran, before it shows its final state (so a client that
 * saw the state finds the row), unless the statement's own audit write already did. No lock
 * held. */
static void hist_record(const struct wh_stmt *s, const weir_wh_outcome *out)
{
	weir_wh_history_entry e = hist_entry(s, out, weir_now_ms());
	weir_wh_history_record(wh.pool, &e);
}

/* Under wh.mu: queues the row of s, which just ended without running. */
static void hist_queue(const struct wh_stmt *s)
{
	hist_item *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return;
	h->e = hist_entry(s, NULL, weir_now_ms());
	h->id = strdup(h->e.query_id);
	h->warehouse_id = strdup(h->e.warehouse_id);
	h->sql = strdup(h->e.query_text);
	h->error = h->e.error_message ? strdup(h->e.error_message) : NULL;
	h->e.query_id = h->id;
	h->e.warehouse_id = h->warehouse_id;
	h->e.query_text = h->sql;
	h->e.error_message = h->error;
	h->next = wh.hist;
	wh.hist = h;
}

static void hist_free(hist_item *h)
{
	while (h) {
		hist_item *n = h->next;
		free(h->id);
		free(h->warehouse_id);
		free(h->sql);
		free(h->error);
		free(h);
		h = n;
	}
}

/* Writes the queued rows. Called with wh.mu held; releases it meanwhile. */
static void hist_flush(bool write)
{
	hist_item *h = wh.hist;
	wh.hist = NULL;
	if (h == NULL)
		return;
	pthread_mutex_unlock(&wh.mu);
	for (hist_item *i = h; write && i; i = i->next)
		weir_wh_history_record(wh.pool, &i->e);
	hist_free(h);
	pthread_mutex_lock(&wh.mu);
}

static void stmt_free(wh_stmt *s)
{
	weir_wh_outcome_clear(&s->out);
	weir_wh_cancel_destroy(&s->cancel);
	json_decref(s->params);
	free(s->sql);
	free(s->job_run_id);
	free(s->catalog);
	free(s->schema);
	free(s);
}

/* Under wh.mu: the statement ends in state st (its outcome already in s->out). */
static void end(wh_stmt *s, weir_wh_state st)
{
	s->state = st;
	s->ended_ms = weir_now_ms();
}

/* Under wh.mu: a statement still queued is canceled (it never ran). */
static void end_canceled(wh_stmt *s, const char *why)
{
	snprintf(s->out.error_code, sizeof(s->out.error_code), "CANCELLED");
	snprintf(s->out.message, sizeof(s->out.message), "%s", why);
	end(s, WEIR_WH_CANCELED);
	pthread_cond_broadcast(&wh.cv); /* the waiter resumes its call, writes its history row */
	s->out.state = WEIR_WH_CANCELED;
	hist_queue(s);
}

/* Under wh.mu: s no longer has a call waiting for it. */
static void unwait(wh_stmt *s)
{
	s->wake = NULL;
	for (int i = 0; i < wh.nwaiting; i++)
		if (wh.waiting[i] == s) {
			wh.waiting[i] = wh.waiting[--wh.nwaiting];
			break;
		}
}

static weir_wh_history_entry hist_entry(const wh_stmt *s, const weir_wh_outcome *out, int64_t end_ms)
{
	return weir_wh_history_entry_of(s->id, s->pool ? s->pool->id : NULL, s->sql, s->workspace_id, s->owner_id,
					s->created_ms, out ? out : &s->out, end_ms);
}

/* The result past byte_limit bytes of values is cut (truncated). */
static void apply_byte_limit(wh_stmt *s)
{
	if (s->byte_limit <= 0 || s->out.rows == NULL)
		return;
	int64_t bytes = 0;
	size_t n = json_array_size(s->out.rows);
	for (size_t i = 0; i < n; i++) {
		json_t *row = json_array_get(s->out.rows, i);
		for (size_t k = 0; k < json_array_size(row); k++) {
			const char *v = json_string_value(json_array_get(row, k));
			bytes += v ? (int64_t)strlen(v) : 4;
		}
		if (bytes > s->byte_limit) {
			while (json_array_size(s->out.rows) > i)
				json_array_remove(s->out.rows, json_array_size(s->out.rows) - 1);
			s->out.truncated = true;
			return;
		}
	}
}

/* ---------------------------------------------------------------- pools */

/* An executor of one generation of a pool. A stop never waits for executors (a request
 * stopping a warehouse holds a metadata connection that their statements' last write may
 * need): they see the generation change and exit after their statement. */
typedef struct exec_arg {
	wh_pool *pl;
	int gen;
} exec_arg;

static void *executor(void *arg)
{
	exec_arg ea = *(exec_arg *)arg;
	free(arg);
	wh_pool *pl = ea.pl;
	int gen = ea.gen;
	pthread_mutex_lock(&wh.mu);
	for (;;) {
		while (pl->gen == gen && !wh.stopping && (pl->qhead == NULL || pl->active >= pl->limit))
			pthread_cond_wait(&pl->work, &wh.mu);
		if (pl->gen != gen || wh.stopping)
			break;
		wh_stmt *s = pl->qhead;
		pl->qhead = s->qnext;
		if (pl->qhead == NULL)
			pl->qtail = NULL;
		pl->nqueued--;
		wh.nqueued--;
		if (s->state != WEIR_WH_PENDING) /* canceled while queued */
			continue;
		s->state = WEIR_WH_RUNNING;
		pl->active++;
		pl->last_used_ms = weir_now_ms();
		if (pl->qhead && pl->active < pl->limit)
			pthread_cond_signal(&pl->work);
		bool history_written = false;
		weir_wh_exec x = {.principal_id = s->owner_id,
				  .workspace_id = s->workspace_id,
				  .statement = s->sql,
				  .catalog = s->catalog,
				  .schema = s->schema,
				  .statement_id = s->id,
				  .producer_type = s->job_run_id ? "job_run" : NULL,
				  .producer_id = s->job_run_id,
				  .row_limit = s->row_limit,
				  .params = s->params,
				  .deadline_ms = weir_now_ms() + STATEMENT_TIMEOUT_MS,
				  .cancel = &s->cancel,
				  .warehouse_id = pl->id,
				  .submitted_ms = s->created_ms,
				  .history_written = &history_written};
		pthread_mutex_unlock(&wh.mu);
		weir_wh_outcome out;
		if (weir_wh_copy_is(s->sql)) /* COPY INTO: warehouse/copy_engine.c */
			weir_wh_copy_execute(wh.pool, &x, &out);
		else
			weir_wh_execute(wh.pool, &x, &out);
		if (!history_written)
			hist_record(s, &out);
		pthread_mutex_lock(&wh.mu);
		pl->active--;
		pl->last_used_ms = weir_now_ms();
		s->out = out;
		if (out.state == WEIR_WH_SUCCEEDED)
			apply_byte_limit(s);
		end(s, out.state);
		if (s->wake) { /* its call waits: resume it from here */
			void (*fn)(void *) = s->wake;
			void *fa = s->wake_arg;
			unwait(s);
			pthread_mutex_unlock(&wh.mu);
			fn(fa);
			pthread_mutex_lock(&wh.mu);
		}
	}
	if (pl->gen == gen)
		pl->nthreads--;
	pthread_mutex_unlock(&wh.mu);
	/* A detached thread: what it holds goes before it counts itself gone, so that nothing of
	 * it runs (its thread's destructors: a kept connection, caches, OpenSSL's thread state)
	 * while the stop that waited for it closes the store and the process exits. */
	weir_wh__kept_release();
	weir_thread_end();
	pthread_mutex_lock(&wh.mu);
	wh.live--;
	pthread_cond_broadcast(&wh.cv);
	pthread_mutex_unlock(&wh.mu);
	return NULL;
}

/* Under wh.mu. */
static wh_pool *pool_find(const char *id)
{
	for (wh_pool *p = wh.pools; p; p = p->next)
		if (strcmp(p->id, id) == 0)
			return p;
	return NULL;
}

static wh_pool *pool_get(const char *id)
{
	wh_pool *p = pool_find(id);
	if (p == NULL) {
		p = calloc(1, sizeof(*p));
		pthread_cond_init(&p->work, NULL);
		snprintf(p->id, sizeof(p->id), "%s", id);
		p->next = wh.pools;
		wh.pools = p;
	}
	return p;
}

/* Under wh.ctl: spawns threads up to the limit of a running pool (detached, each told its
 * generation). */
static void pool_grow(wh_pool *pl)
{
	pthread_mutex_lock(&wh.mu);
	int want = pl->running && !wh.stopping ? pl->limit : 0;
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	while (pl->nthreads < want) {
		pthread_t t;
		exec_arg *ea = malloc(sizeof(*ea));
		ea->pl = pl;
		ea->gen = pl->gen;
		if (pthread_create(&t, &at, executor, ea) != 0) {
			free(ea);
			weir_log_error("warehouse %s: an executor thread cannot start", pl->id);
			break;
		}
		pl->nthreads++;
		wh.live++;
	}
	pthread_attr_destroy(&at);
	pthread_mutex_unlock(&wh.mu);
}

/* A pool's size (clamped to 1..WEIR_WH_MAX_SLOTS) and auto-stop; start: it runs from now
 * (else a stopped pool keeps them for its start). */
static void pool_set(const char *id, int slots, int64_t auto_stop_mins, bool start)
{
	pthread_mutex_lock(&wh.ctl);
	pthread_mutex_lock(&wh.mu);
	wh_pool *pl = pool_get(id);
	pl->limit = slots < 1 ? 1 : slots > WEIR_WH_MAX_SLOTS ? WEIR_WH_MAX_SLOTS : slots;
	pl->auto_stop_mins = auto_stop_mins;
	if (start) {
		pl->last_used_ms = weir_now_ms();
		pl->running = !wh.stopping;
	}
	pthread_cond_broadcast(&pl->work);
	pthread_mutex_unlock(&wh.mu);
	pool_grow(pl);
	pthread_mutex_unlock(&wh.ctl);
}

void weir_wh__pool_start(const char *id, int slots, int64_t auto_stop_mins)
{
	pool_set(id, slots, auto_stop_mins, true);
}

void weir_wh__pool_resize(const char *id, int slots, int64_t auto_stop_mins)
{
	pool_set(id, slots, auto_stop_mins, false);
}

/* Under wh.ctl: queued statements end CANCELED, running ones are canceled, the pool's
 * threads exit once their statement has ended. */
static void pool_halt(wh_pool *pl, const char *why)
{
	pthread_mutex_lock(&wh.mu);
	pl->running = false;
	pl->gen++;
	pl->nthreads = 0;
	for (wh_stmt *s = pl->qhead; s; s = s->qnext)
		if (s->state == WEIR_WH_PENDING)
			end_canceled(s, why);
	for (int i = 0; i < wh.nall; i++)
		if (wh.all[i]->pool == pl && wh.all[i]->state == WEIR_WH_RUNNING)
			weir_wh_cancel_fire(&wh.all[i]->cancel);
	wh.nqueued -= pl->nqueued;
	pl->qhead = pl->qtail = NULL;
	pl->nqueued = 0;
	pthread_cond_broadcast(&pl->work);
	pthread_cond_broadcast(&wh.cv); /* the waiter: calls of the canceled statements */
	pthread_mutex_unlock(&wh.mu);
}

void weir_wh__pool_stop(const char *id)
{
	pthread_mutex_lock(&wh.ctl);
	pthread_mutex_lock(&wh.mu);
	wh_pool *pl = pool_find(id);
	pthread_mutex_unlock(&wh.mu);
	if (pl)
		pool_halt(pl, "The statement was canceled: its warehouse was stopped");
	pthread_mutex_unlock(&wh.ctl);
}

void weir_wh__pool_status(const char *id, const char **state, int *active, int *queued, int *clusters)
{
	pthread_mutex_lock(&wh.mu);
	wh_pool *pl = pool_find(id);
	bool up = pl && pl->running && !wh.stopping;
	*state = up ? "RUNNING" : "STOPPED";
	*active = pl ? pl->active : 0;
	*queued = pl ? pl->nqueued : 0;
	/* clusters in use: enough for what runs and waits, at least one while running */
	int busy = pl ? pl->active + pl->nqueued : 0;
	int c = (busy + WEIR_WH_SLOTS_PER_CLUSTER - 1) / WEIR_WH_SLOTS_PER_CLUSTER;
	int maxc = pl ? (pl->limit + WEIR_WH_SLOTS_PER_CLUSTER - 1) / WEIR_WH_SLOTS_PER_CLUSTER : 0;
	*clusters = up ? (c < 1 ? 1 : c > maxc ? maxc : c) : 0;
	pthread_mutex_unlock(&wh.mu);
}

/* ---------------------------------------------------------------- the waiter thread */

/* Under wh.mu: drops ended statements past their time (CLOSED first). A walk of every
 * statement: at most once every EXPIRE_EVERY_MS (the times are an hour). */
static void expire(int64_t now)
{
	if (now - wh.expired_ms < EXPIRE_EVERY_MS && now >= wh.expired_ms)
		return;
	wh.expired_ms = now;
	int w = 0;
	for (int i = 0; i < wh.nall; i++) {
		wh_stmt *s = wh.all[i];
		if (terminal(s->state) && s->wake == NULL && now - s->ended_ms > 2 * KEEP_MS) {
			id_del(s);
			stmt_free(s);
			continue;
		}
		if (terminal(s->state) && s->state != WEIR_WH_CLOSED && now - s->ended_ms > KEEP_MS) {
			weir_wh_outcome_clear(&s->out);
			s->state = WEIR_WH_CLOSED;
		}
		wh.all[w++] = s;
	}
	wh.nall = w;
}

/* Under wh.mu: the oldest ended statements go while the table is full (a submission). */
static void make_room(void)
{
	while (wh.nall >= MAX_STATEMENTS) {
		int oldest = -1;
		for (int i = 0; i < wh.nall; i++)
			if (terminal(wh.all[i]->state) && wh.all[i]->wake == NULL &&
			    (oldest < 0 || wh.all[i]->ended_ms < wh.all[oldest]->ended_ms))
				oldest = i;
		if (oldest < 0)
			return;
		id_del(wh.all[oldest]);
		stmt_free(wh.all[oldest]);
		/* all stays in submission order (the list answers newest first) */
		memmove(&wh.all[oldest], &wh.all[oldest + 1], (size_t)(wh.nall - oldest - 1) * sizeof(*wh.all));
		wh.nall--;
	}
}

#define MAX_WAKES 64

static void *waiter_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wh.mu);
	for (;;) {
		struct {
			void (*fn)(void *);
			void *arg;
		} wakes[MAX_WAKES];
		int nw = 0;
		char idle[8][40];
		int nidle = 0;
		int64_t now = weir_now_ms(), next = now + 1000;
		for (int i = 0; i < wh.nwaiting && nw < MAX_WAKES;) {
			wh_stmt *s = wh.waiting[i];
			bool due = terminal(s->state) || wh.draining || wh.stopping;
			if (!due && now >= s->wait_until_ms) {
				if (s->cancel_on_timeout && !s->canceling && s->state == WEIR_WH_PENDING) {
					end_canceled(s,
						     "The statement was canceled: it did not end within wait_timeout");
					due = true;
				} else if (s->cancel_on_timeout && !s->canceling) {
					weir_wh_cancel_fire(&s->cancel);
					s->canceling = true;
					s->wait_until_ms = now + CANCEL_GRACE_MS;
				} else {
					due = true;
				}
			}
			if (due) {
				wakes[nw].fn = s->wake;
				wakes[nw].arg = s->wake_arg;
				nw++;
				s->wake = NULL;
				wh.waiting[i] = wh.waiting[--wh.nwaiting];
				continue;
			}
			if (s->wait_until_ms < next)
				next = s->wait_until_ms;
			i++;
		}
		for (wh_pool *pl = wh.pools; pl && nidle < 8; pl = pl->next)
			if (pl->running && pl->auto_stop_mins > 0 && pl->active == 0 && pl->nqueued == 0 &&
			    now - pl->last_used_ms > pl->auto_stop_mins * 60000)
				snprintf(idle[nidle++], sizeof(idle[0]), "%s", pl->id);
		if (wh.hist) {
			hist_flush(true);
			continue;
		}
		if (nw > 0 || nidle > 0) {
			pthread_mutex_unlock(&wh.mu);
			for (int i = 0; i < nw; i++)
				wakes[i].fn(wakes[i].arg);
			for (int i = 0; i < nidle; i++)
				weir_wh__pool_stop(idle[i]);
			pthread_mutex_lock(&wh.mu);
			continue;
		}
		if (wh.stopping)
			break;
		expire(now);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		int64_t ms = next - now;
		until.tv_sec += ms / 1000;
		until.tv_nsec += (ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		wh.waiter_until_ms = next;
		pthread_cond_timedwait(&wh.cv, &wh.mu, &until);
		wh.waiter_until_ms = 0;
	}
	pthread_mutex_unlock(&wh.mu);
	return NULL;
}

int weir_wh_start(weir_db_pool *pool, weir_error *err)
{
	pthread_mutex_lock(&wh.mu);
	wh.pool = pool;
	wh.stopping = false;
	wh.draining = false;
	weir_random_bytes(wh.link_key, sizeof(wh.link_key));
	pthread_mutex_unlock(&wh.mu);
	if (pthread_create(&wh.waiter, NULL, waiter_main, NULL) != 0)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "The warehouse's waiter thread cannot start");
	wh.waiter_running = true;
	/* the files of volumes deleted while the server was down (or crashed before their
	 * removal) go; later deletes remove theirs after their commit */
	weir_files_set_pool(pool);
	weir_files_sweep(pool);
	/* the default warehouse runs from the start: 1 cluster */
	weir_wh__pool_start(WEIR_WH_DEFAULT_ID, WEIR_WH_SLOTS_PER_CLUSTER, 0);
	wh.started = true;
	return 0;
}

void weir_wh_drain(void)
{
	pthread_mutex_lock(&wh.mu);
	wh.draining = true;
	pthread_cond_broadcast(&wh.cv);
	pthread_mutex_unlock(&wh.mu);
}

void weir_wh_stop(void)
{
	pthread_mutex_lock(&wh.ctl);
	pthread_mutex_lock(&wh.mu);
	wh.stopping = true;
	wh_pool *pools = wh.pools;
	pthread_cond_broadcast(&wh.cv);
	pthread_mutex_unlock(&wh.mu);
	for (wh_pool *pl = pools; pl; pl = pl->next)
		pool_halt(pl, "The statement was canceled: the server is stopping");
	pthread_mutex_unlock(&wh.ctl);
	pthread_mutex_lock(&wh.mu);
	while (wh.live > 0)
		pthread_cond_wait(&wh.cv, &wh.mu);
	pthread_mutex_unlock(&wh.mu);
	if (wh.waiter_running) {
		pthread_join(wh.waiter, NULL);
		wh.waiter_running = false;
	}
	pthread_mutex_lock(&wh.mu);
	hist_flush(wh.pool != NULL); /* canceled by the stop itself */
	for (int i = 0; i < wh.nall; i++)
		stmt_free(wh.all[i]);
	free(wh.all);
	wh.all = NULL;
	wh.nall = wh.cap = 0;
	memset(wh.byid, 0, sizeof(wh.byid));
	free(wh.waiting);
	wh.waiting = NULL;
	wh.nwaiting = wh.capwaiting = 0;
	wh.nqueued = 0;
	while (wh.pools) {
		wh_pool *n = wh.pools->next;
		pthread_cond_destroy(&wh.pools->work);
		free(wh.pools);
		wh.pools = n;
	}
	wh.started = false;
	pthread_mutex_unlock(&wh.mu);
	weir_files_set_pool(NULL);
	weir_wh__anchor_drop(NULL);
}

/* Under wh.mu: the caller's own statement (hidden from everyone else, admins too). */
static wh_stmt *find(const weir_principal *p, const char *id, weir_error *err)
{
	wh_stmt *s = id ? by_id(id) : NULL;
	if (s && s->owner_id == p->id)
		return s;
	weir_error_set(err, WEIR_E_RESOURCE_DOES_NOT_EXIST, "Statement '%.64s' does not exist", id ? id : "");
	return NULL;
}

/* ---------------------------------------------------------------- rendering */

static int64_t chunk_count(const wh_stmt *s)
{
	int64_t n = (int64_t)json_array_size(s->out.rows);
	return n == 0 ? 1 : (n + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK;
}

static int64_t chunk_rows(const wh_stmt *s, int64_t idx)
{
	int64_t n = (int64_t)json_array_size(s->out.rows), off = idx * ROWS_PER_CHUNK;
	int64_t cnt = n - off < ROWS_PER_CHUNK ? n - off : ROWS_PER_CHUNK;
	return cnt < 0 ? 0 : cnt;
}

static void csv_field(weir_buf *b, const char *v)
{
	if (v == NULL)
		return; /* NULL: an empty field */
	if (strpbrk(v, ",\"\r\n") == NULL && *v != '\0') {
		weir_buf_append(b, v, strlen(v));
		return;
	}
	weir_buf_append(b, "\"", 1);
	for (; *v; v++) {
		if (*v == '"')
			weir_buf_append(b, "\"", 1);
		weir_buf_append(b, v, 1);
	}
	weir_buf_append(b, "\"", 1);
}

/* A chunk's body as a download: CSV (RFC 4180, a header row of the column names first in
 * chunk 0) or a JSON array of rows. malloc'd. */
static char *chunk_body(const wh_stmt *s, int64_t idx, size_t *len)
{
	int64_t off = idx * ROWS_PER_CHUNK, cnt = chunk_rows(s, idx);
	weir_buf b = {0};
	if (s->csv) {
		if (idx == 0) {
			for (size_t k = 0; k < json_array_size(s->out.columns); k++) {
				if (k)
					weir_buf_append(&b, ",", 1);
				csv_field(&b, json_string_value(
						      json_object_get(json_array_get(s->out.columns, k), "name")));
			}
			weir_buf_append(&b, "\r\n", 2);
		}
		for (int64_t i = 0; i < cnt; i++) {
			json_t *row = json_array_get(s->out.rows, (size_t)(off + i));
			for (size_t k = 0; k < json_array_size(row); k++) {
				if (k)
					weir_buf_append(&b, ",", 1);
				csv_field(&b, json_string_value(json_array_get(row, k)));
			}
			weir_buf_append(&b, "\r\n", 2);
		}
	} else {
		json_t *arr = json_array();
		for (int64_t i = 0; i < cnt; i++)
			json_array_append(arr, json_array_get(s->out.rows, (size_t)(off + i)));
		size_t n;
		char *t = weir_json_dump_len(arr, &n);
		json_decref(arr);
		weir_buf_append(&b, t, n);
		free(t);
	}
	weir_buf_append(&b, "", 1); /* NUL */
	*len = b.len - 1;
	return b.data;
}

static void link_sig(const char *id, int64_t idx, int64_t exp, char out[65])
{
	char msg[128];
	int n = snprintf(msg, sizeof(msg), "%s|%lld|%lld", id, (long long)idx, (long long)exp);
	weir_hmac_sha256_hex(wh.link_key, sizeof(wh.link_key), msg, (size_t)n, out);
}

/* {"chunk_index": idx, "row_offset": off, "row_count": cnt} (built member by member: json_pack
 * parses its format at every call, a few thousand instructions for each of a statement's
 * objects, at every answer). */
static json_t *chunk_info(int64_t idx, int64_t off, int64_t cnt)
{
	json_t *r = json_object();
	json_object_set_new(r, "chunk_index", json_integer((json_int_t)idx));
	json_object_set_new(r, "row_offset", json_integer((json_int_t)off));
	json_object_set_new(r, "row_count", json_integer((json_int_t)cnt));
	return r;
}

/* The chunk's description: INLINE rows (data_array) or one external link. */
static json_t *chunk_json(const wh_stmt *s, int64_t idx, const char *link_base)
{
	int64_t off = idx * ROWS_PER_CHUNK, cnt = chunk_rows(s, idx), n = chunk_count(s);
	json_t *r = chunk_info(idx, off, cnt);
	if (idx + 1 < n) {
		json_object_set_new(r, "next_chunk_index", json_integer(idx + 1));
		char link[160];
		snprintf(link, sizeof(link), "/api/2.0/sql/statements/%s/result/chunks/%lld", s->id,
			 (long long)(idx + 1));
		json_object_set_new(r, "next_chunk_internal_link", json_string(link));
	}
	if (s->links) {
		int64_t exp = weir_now_ms() + LINK_TTL_MS;
		char sig[65], when[32];
		link_sig(s->id, idx, exp, sig);
		weir_time_iso_ms(exp, when);
		size_t len;
		free(chunk_body(s, idx, &len));
		json_object_set_new(r, "byte_count", json_integer((json_int_t)len));
		json_object_set_new(r, "expiration", json_string(when));
		char *url = NULL;
		if (asprintf(&url, "%s/api/2.0/sql/statements/%s/result/chunks/%lld/download?token=%lld.%s",
			     link_base ? link_base : "", s->id, (long long)idx, (long long)exp, sig) < 0)
			abort();
		json_object_set_new(r, "external_link", json_string(url));
		free(url);
		return json_pack("{s:[o]}", "external_links", r);
	}
	json_t *data = json_array();
	for (int64_t i = 0; i < cnt; i++)
		json_array_append(data, json_array_get(s->out.rows, (size_t)(off + i)));
	json_object_set_new(r, "data_array", data);
	return r;
}

/* StatementResponse, built member by member (see chunk_info). */
static json_t *render(const wh_stmt *s, const char *link_base)
{
	json_t *status = json_object();
	json_object_set_new(status, "state", json_string(weir_wh_state_name(s->state)));
	json_t *msg = s->state == WEIR_WH_FAILED || (s->state == WEIR_WH_CANCELED && s->out.message[0])
			      ? json_string(s->out.message)
			      : NULL;
	if (msg) { /* a message that is not UTF-8 (never: SQLite's text of our UTF-8) leaves it out */
		json_t *e = json_object();
		json_object_set_new(e, "error_code", json_string(s->out.error_code[0] ? s->out.error_code : "UNKNOWN"));
		json_object_set_new(e, "message", msg);
		json_object_set_new(status, "error", e);
	}
	json_t *r = json_object();
	json_object_set_new(r, "statement_id", json_string(s->id));
	json_object_set_new(r, "status", status);
	if (s->state != WEIR_WH_SUCCEEDED)
		return r;
	int64_t n = (int64_t)json_array_size(s->out.rows), nchunks = chunk_count(s);
	json_t *chunks = json_array();
	for (int64_t i = 0; i < nchunks; i++)
		json_array_append_new(chunks, chunk_info(i, i * ROWS_PER_CHUNK, chunk_rows(s, i)));
	json_t *schema = json_object();
	json_object_set_new(schema, "column_count", json_integer((json_int_t)json_array_size(s->out.columns)));
	json_object_set_new(schema, "columns", s->out.columns ? json_incref(s->out.columns) : json_array());
	json_t *m = json_object();
	json_object_set_new(m, "format", json_string(s->csv ? "CSV" : "JSON_ARRAY"));
	json_object_set_new(m, "schema", schema);
	json_object_set_new(m, "total_chunk_count", json_integer((json_int_t)nchunks));
	json_object_set_new(m, "chunks", chunks);
	json_object_set_new(m, "total_row_count", json_integer((json_int_t)n));
	json_object_set_new(m, "truncated", json_boolean(s->out.truncated));
	json_object_set_new(r, "manifest", m);
	json_object_set_new(r, "result", chunk_json(s, 0, link_base));
	return r;
}

/* ---------------------------------------------------------------- checking the request */

/* "0s", or "5s" to "50s"; -1 otherwise */
static int64_t wait_seconds(const char *w)
{
	if (w == NULL)
		return 10;
	size_t n = strlen(w);
	if (n < 2 || n > 3 || w[n - 1] != 's')
		return -1;
	int64_t v = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		if (w[i] < '0' || w[i] > '9')
			return -1;
		v = v * 10 + (w[i] - '0');
	}
	return v == 0 || (v >= 5 && v <= 50) ? v : -1;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static bool is_int_text(const char *v)
{
	if (*v == '+' || *v == '-')
		v++;
	if (*v == '\0')
		return false;
	for (; *v; v++)
		if (*v < '0' || *v > '9')
			return false;
	return true;
}

static bool is_real_text(const char *v)
{
	char *end = NULL;
	errno = 0;
	strtod(v, &end);
	return *v != '\0' && end && *end == '\0' && errno == 0;
}

static bool is_date_text(const char *v)
{
	int y, m, d;
	char tail;
	return strlen(v) == 10 && sscanf(v, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= 31;
}

/* parameters: [{name, value, type}] -> [{name, value, kind}] with kind int|real|bool|text;
 * each value checked against its type. */
static json_t *check_params(json_t *params, weir_error *err)
{
	if (params == NULL || json_is_null(params))
		return NULL;
	if (!json_is_array(params) || json_array_size(params) > 256)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "parameters",
					"Invalid value for 'parameters': an array of at most 256 {name, value, type}"),
		       NULL;
	json_t *out = json_array();
	size_t i;
	json_t *e;
	json_array_foreach (params, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		json_t *vj = json_object_get(e, "value"), *tj = json_object_get(e, "type");
		const char *k;
		json_t *x;
		bool ok = json_is_object(e) && name && *name && strlen(name) <= 128 &&
			  (vj == NULL || json_is_null(vj) || json_is_string(vj)) &&
			  (tj == NULL || json_is_null(tj) || json_is_string(tj));
		json_object_foreach (json_is_object(e) ? e : NULL, k, x)
			if (strcmp(k, "name") && strcmp(k, "value") && strcmp(k, "type"))
				ok = false;
		for (const char *c = name; ok && *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' ||
			      (c != name && *c >= '0' && *c <= '9')))
				ok = false;
		if (!ok) {
			json_decref(out);
			return weir_error_field(
				       err, WEIR_E_INVALID_PARAMETER_VALUE, "parameters",
				       "Invalid value for 'parameters[%zu]': {name, value, type} with a name of "
				       "letters, digits and _ (value a string, type a type name)",
				       i),
			       NULL;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(json_string_value(json_object_get(json_array_get(out, j), "name")), name) == 0) {
				json_decref(out);
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "parameters",
							"Invalid value for 'parameters': '%s' is given twice", name),
				       NULL;
			}
		const char *type = json_string_value(tj) ? json_string_value(tj) : "STRING";
		const char *v = json_string_value(vj);
		const char *kind;
		bool valid = true;
		if (!strcasecmp(type, "INT") || !strcasecmp(type, "INTEGER") || !strcasecmp(type, "BIGINT") ||
		    !strcasecmp(type, "LONG") || !strcasecmp(type, "SMALLINT") || !strcasecmp(type, "SHORT") ||
		    !strcasecmp(type, "TINYINT") || !strcasecmp(type, "BYTE")) {
			kind = "int";
			valid = v == NULL || is_int_text(v);
		} else if (!strcasecmp(type, "DOUBLE") || !strcasecmp(type, "FLOAT") || !strcasecmp(type, "REAL") ||
			   !strncasecmp(type, "DECIMAL", 7) || !strncasecmp(type, "NUMERIC", 7)) {
			kind = "real";
			valid = v == NULL || is_real_text(v);
		} else if (!strcasecmp(type, "BOOLEAN")) {
			kind = "bool";
			valid = v == NULL || !strcasecmp(v, "true") || !strcasecmp(v, "false");
		} else if (!strcasecmp(type, "DATE")) {
			kind = "text";
			valid = v == NULL || is_date_text(v);
		} else if (!strcasecmp(type, "STRING") || !strncasecmp(type, "VARCHAR", 7) ||
			   !strncasecmp(type, "CHAR", 4) || !strcasecmp(type, "TIMESTAMP") ||
			   !strcasecmp(type, "TIMESTAMP_NTZ") || !strcasecmp(type, "VOID")) {
			kind = "text";
		} else {
			json_decref(out);
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "parameters",
						"Invalid value for 'parameters[%zu].type': '%.32s' is not a type this "
						"warehouse binds (STRING, INT, BIGINT, DOUBLE, DECIMAL, BOOLEAN, DATE, "
						"TIMESTAMP, ...)",
						i, type),
			       NULL;
		}
		if (!valid) {
			json_decref(out);
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "parameters",
						"Invalid value for 'parameters[%zu].value': '%.64s' is not a %.32s", i,
						v, type),
			       NULL;
		}
		json_t *o = json_pack("{s:s, s:s}", "name", name, "kind", kind);
		json_object_set_new(o, "value", v ? json_string(v) : json_null());
		json_array_append_new(out, o);
	}
	return out;
}

/* ---------------------------------------------------------------- the API */

json_t *weir_wh_statement_execute(weir_db *db, weir_arena *a, const weir_principal *p, json_t *body,
				  const char *job_run_id, const char *link_base, weir_wh_submitted *sub,
				  weir_error *err)
{
	memset(sub, 0, sizeof(*sub));
	if (weir_wh_refused(err) != 0)
		return NULL;
	const char *sql = NULL, *wid = NULL, *cat = NULL, *sch = NULL, *wait = NULL, *onw = NULL, *fmt = NULL,
		   *disp = NULL;
	int64_t row_limit = 0, byte_limit = 0;
	if (weir_json_get_str(body, "statement", true, &sql, err) != 0 ||
	    weir_json_get_str(body, "warehouse_id", true, &wid, err) != 0 ||
	    weir_json_get_str(body, "catalog", false, &cat, err) != 0 ||
	    weir_json_get_str(body, "schema", false, &sch, err) != 0 ||
	    weir_json_get_str(body, "wait_timeout", false, &wait, err) != 0 ||
	    weir_json_get_str(body, "on_wait_timeout", false, &onw, err) != 0 ||
	    weir_json_get_str(body, "format", false, &fmt, err) != 0 ||
	    weir_json_get_str(body, "disposition", false, &disp, err) != 0 ||
	    weir_json_get_i64(body, "row_limit", false, &row_limit, err) != 0 ||
	    weir_json_get_i64(body, "byte_limit", false, &byte_limit, err) != 0)
		return NULL;
	int64_t wait_s = wait_seconds(wait);
	if (wait_s < 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "wait_timeout",
					"Invalid value for 'wait_timeout': 0s, or 5s to 50s"),
		       NULL;
	if (onw && strcmp(onw, "CONTINUE") != 0 && strcmp(onw, "CANCEL") != 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "on_wait_timeout",
					"Invalid value for 'on_wait_timeout': CONTINUE or CANCEL"),
		       NULL;
	if (fmt && strcmp(fmt, "JSON_ARRAY") != 0 && strcmp(fmt, "CSV") != 0)
		return weir_error_field(
			       err, WEIR_E_INVALID_PARAMETER_VALUE, "format",
			       "Invalid value for 'format': JSON_ARRAY or CSV (ARROW_STREAM is not available)"),
		       NULL;
	if (disp && strcmp(disp, "INLINE") != 0 && strcmp(disp, "EXTERNAL_LINKS") != 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "disposition",
					"Invalid value for 'disposition': INLINE or EXTERNAL_LINKS"),
		       NULL;
	bool links = disp && strcmp(disp, "EXTERNAL_LINKS") == 0, csv = fmt && strcmp(fmt, "CSV") == 0;
	if (csv && !links)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "format",
					"Invalid value for 'format': CSV needs disposition EXTERNAL_LINKS (INLINE "
					"answers JSON_ARRAY)"),
		       NULL;
	if (row_limit < 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "row_limit",
					"Invalid value for 'row_limit': must be 0 or more"),
		       NULL;
	if (byte_limit < 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "byte_limit",
					"Invalid value for 'byte_limit': must be 0 or more"),
		       NULL;
	if (strlen(sql) > (1 << 20))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
					"Invalid value for 'statement': at most 1 MiB of text"),
		       NULL;
	weir_error perr = WEIR_ERROR_INIT;
	json_t *params = check_params(json_object_get(body, "parameters"), &perr);
	if (params == NULL && perr.code != 0) {
		*err = perr;
		return NULL;
	}
	int slots;
	int64_t auto_stop;
	if (weir_wh_warehouse_usable(db, a, p, wid, &slots, &auto_stop, err) != 0) {
		json_decref(params);
		return NULL;
	}

	wh_stmt *s = calloc(1, sizeof(*s));
	weir_uuid4(s->id);
	s->owner_id = p->id;
	s->workspace_id = p->workspace_id;
	s->sql = strdup(sql);
	s->job_run_id = dup_or_null(job_run_id);
	s->catalog = dup_or_null(cat);
	s->schema = dup_or_null(sch);
	s->params = params;
	s->row_limit = row_limit;
	s->byte_limit = byte_limit;
	s->csv = csv;
	s->links = links;
	s->created_ms = weir_now_ms();
	weir_wh_cancel_init(&s->cancel);

	pthread_mutex_lock(&wh.mu);
	wh_pool *pl = pool_find(wid);
	bool stopped = pl == NULL || !pl->running;
	pthread_mutex_unlock(&wh.mu);
	if (stopped && !wh.stopping) /* a statement starts its warehouse, as on Databricks */
		weir_wh__pool_start(wid, slots, auto_stop);
	pthread_mutex_lock(&wh.mu);
	expire(s->created_ms);
	make_room();
	pl = pool_find(wid);
	if (wh.stopping || !wh.started || pl == NULL || !pl->running || wh.nall >= MAX_STATEMENTS ||
	    pl->nqueued >= MAX_QUEUED) {
		pthread_mutex_unlock(&wh.mu);
		stmt_free(s);
		return weir_error_set(err, WEIR_E_RESOURCE_EXHAUSTED,
				      "The warehouse is busy: too many statements are queued"),
		       NULL;
	}
	s->pool = pl;
	if (wh.nall == wh.cap) {
		wh.cap = wh.cap ? 2 * wh.cap : 64;
		wh.all = realloc(wh.all, (size_t)wh.cap * sizeof(*wh.all));
	}
	wh.all[wh.nall++] = s;
	id_add(s);
	if (pl->qtail)
		pl->qtail->qnext = s;
	else
		pl->qhead = s;
	pl->qtail = s;
	pl->nqueued++;
	wh.nqueued++;
	pl->last_used_ms = s->created_ms;
	pthread_cond_signal(&pl->work);
	snprintf(sub->id, sizeof(sub->id), "%s", s->id);
	sub->wait_ms = wait_s * 1000;
	sub->cancel_on_timeout = onw && strcmp(onw, "CANCEL") == 0;
	json_t *r = render(s, link_base);
	pthread_mutex_unlock(&wh.mu);
	return r;
}

int weir_wh_statement_wait(const weir_wh_submitted *sub, void (*wake)(void *), void *arg)
{
	pthread_mutex_lock(&wh.mu);
	wh_stmt *s = by_id(sub->id);
	int rc = 1;
	if (s && !terminal(s->state) && sub->wait_ms > 0 && !wh.draining && !wh.stopping && s->wake == NULL) {
		if (wh.nwaiting == wh.capwaiting) {
			wh.capwaiting = wh.capwaiting ? 2 * wh.capwaiting : 16;
			wh.waiting = realloc(wh.waiting, (size_t)wh.capwaiting * sizeof(*wh.waiting));
		}
		wh.waiting[wh.nwaiting++] = s;
		s->wake = wake;
		s->wake_arg = arg;
		s->wait_until_ms = weir_now_ms() + sub->wait_ms;
		s->cancel_on_timeout = sub->cancel_on_timeout;
		if (wh.waiter_until_ms == 0 || s->wait_until_ms < wh.waiter_until_ms)
			pthread_cond_broadcast(&wh.cv); /* the waiter sleeps past this wait's end */
		rc = 0;
	}
	pthread_mutex_unlock(&wh.mu);
	return rc;
}

json_t *weir_wh_statement_get(const weir_principal *p, const char *id, const char *link_base, weir_error *err)
{
	pthread_mutex_lock(&wh.mu);
	wh_stmt *s = find(p, id, err);
	json_t *r = s ? render(s, link_base) : NULL;
	pthread_mutex_unlock(&wh.mu);
	return r;
}

/* Under wh.mu: the chunk index of a SUCCEEDED statement's result, or -1 with err set. */
static int64_t chunk_index(const wh_stmt *s, const char *index, weir_error *err)
{
	int64_t idx;
	if (!weir_parse_i64(index, &idx) || idx < 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "chunk_index",
					"Invalid value for 'chunk_index': a number from 0");
	if (s->state != WEIR_WH_SUCCEEDED)
		return weir_error_set(err, WEIR_E_BAD_REQUEST,
				      "Statement '%s' is %s: only a SUCCEEDED statement has results", s->id,
				      weir_wh_state_name(s->state));
	if (idx >= chunk_count(s))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "chunk_index",
					"Invalid value for 'chunk_index': the result has %lld chunk(s)",
					(long long)chunk_count(s));
	return idx;
}

json_t *weir_wh_statement_chunk(const weir_principal *p, const char *id, const char *index, const char *link_base,
				weir_error *err)
{
	pthread_mutex_lock(&wh.mu);
	json_t *r = NULL;
	wh_stmt *s = find(p, id, err);
	int64_t idx = s ? chunk_index(s, index, err) : -1;
	if (idx >= 0)
		r = chunk_json(s, idx, link_base);
	pthread_mutex_unlock(&wh.mu);
	return r;
}

int weir_wh_statement_link(const char *id, const char *index, const char *token, char **body, size_t *len,
			   const char **content_type, weir_error *err)
{
	/* token: "<expiry ms>.<signature>" */
	const char *dot = token ? strchr(token, '.') : NULL;
	int64_t exp = 0, idx = 0;
	char sig[65];
	bool ok = dot && dot - token < 20 && strlen(dot + 1) == 64 && weir_parse_i64(index, &idx) && idx >= 0 && id &&
		  strlen(id) == 36;
	if (ok) {
		char num[24];
		snprintf(num, sizeof(num), "%.*s", (int)(dot - token), token);
		ok = weir_parse_i64(num, &exp) && exp > weir_now_ms();
	}
	if (ok) {
		link_sig(id, idx, exp, sig);
		ok = weir_ct_equal(sig, dot + 1, 64);
	}
	pthread_mutex_lock(&wh.mu);
	wh_stmt *s = NULL;
	if (ok)
		s = by_id(id);
	if (s && s->state == WEIR_WH_SUCCEEDED && s->links && idx < chunk_count(s)) {
		*body = chunk_body(s, idx, len);
		*content_type = s->csv ? "text/csv" : "application/json";
		pthread_mutex_unlock(&wh.mu);
		return 0;
	}
	pthread_mutex_unlock(&wh.mu);
	return weir_error_set(err, WEIR_E_RESOURCE_DOES_NOT_EXIST,
			      "The link is invalid or has expired: fetch the chunk again for a new one");
}

int weir_wh_statement_cancel(const weir_principal *p, const char *id, weir_error *err)
{
	pthread_mutex_lock(&wh.mu);
	wh_stmt *s = find(p, id, err);
	if (s && s->state == WEIR_WH_PENDING)
		end_canceled(s, "The statement was canceled");
	else if (s && s->state == WEIR_WH_RUNNING)
		weir_wh_cancel_fire(&s->cancel);
	pthread_mutex_unlock(&wh.mu);
	return s ? 0 : -1;
}

json_t *weir_wh_statement_list(const weir_principal *p, weir_error *err)
{
	(void)err;
	json_t *arr = json_array();
	pthread_mutex_lock(&wh.mu);
	for (int i = wh.nall - 1; i >= 0; i--) {
		const wh_stmt *s = wh.all[i];
		if (s->owner_id != p->id)
			continue;
		char when[32];
		weir_time_iso_ms(s->created_ms, when);
		json_t *e = json_pack("{s:s, s:{s:s}, s:s, s:s, s:I}", "statement_id", s->id, "status", "state",
				      weir_wh_state_name(s->state), "warehouse_id", s->pool ? s->pool->id : "",
				      "created_time", when, "created_time_ms", (json_int_t)s->created_ms);
		size_t n = strlen(s->sql);
		if (n > 1000) /* cut at a character's start */
			for (n = 1000; n > 0 && ((unsigned char)s->sql[n] & 0xC0) == 0x80; n--)
				;
		json_object_set_new(e, "statement", json_stringn(s->sql, n));
		if (terminal(s->state) && s->ended_ms)
			json_object_set_new(e, "ended_time_ms", json_integer(s->ended_ms));
		json_array_append_new(arr, e);
	}
	pthread_mutex_unlock(&wh.mu);
	return json_pack("{s:o}", "statements", arr);
}
