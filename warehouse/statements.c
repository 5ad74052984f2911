/* Statements and warehouses (warehouse/warehouse.h): the default warehouse, its executor
 * threads and queue, the statements in memory (each visible to its submitter and admins),
 * and the Statement Execution API's shapes: StatementResponse, ResultManifest, ResultData.
 *
 * One mutex guards the statements, the queue and the states; one condition variable is
 * broadcast on every change of state (executors wait on it for work, submitters for ends).
 * A statement stays in memory for an hour after it ends (at most MAX_STATEMENTS in all,
 * the oldest ended ones make room). Waiting for a statement (wait_timeout) happens on the
 * calling thread; at most `waiters` calls wait at once (fewer than the HTTP workers), the
 * others answer at once with the statement's state, as with wait_timeout 0s. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"
#include "core/util.h"
#include "warehouse/warehouse.h"

#define MAX_STATEMENTS 1000
#define MAX_QUEUED 200
#define KEEP_MS (3600 * 1000)
#define ROWS_PER_CHUNK 2000
#define STATEMENT_TIMEOUT_MS ((int64_t)2 * 3600 * 1000) /* the default warehouse's statement timeout */
#define CONCURRENCY 4

typedef struct wh_stmt {
	char id[37];
	int64_t owner_id, workspace_id;
	char *sql, *catalog, *schema;
	char *job_run_id; /* submitted by a job's command task: its edges' producer, or NULL */
	int64_t row_limit;
	weir_wh_state state;
	weir_wh_outcome out;
	int64_t created_ms, ended_ms;
	weir_wh_cancel cancel;
	struct wh_stmt *qnext;
} wh_stmt;

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	weir_db_pool *pool;
	wh_stmt **all;
	int nall;
	wh_stmt *qhead, *qtail;
	int nqueued;
	int running;
	pthread_t threads[CONCURRENCY];
	int nthreads;
	bool stopping;
	int waiting, max_waiters;
	int64_t started_ms;
} wh = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .max_waiters = 1};

const char *weir_wh_state_name(weir_wh_state s)
{
	static const char *const names[] = {"PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED", "CLOSED"};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "FAILED";
}

static bool terminal(weir_wh_state s) { return s >= WEIR_WH_SUCCEEDED; }

static void stmt_free(wh_stmt *s)
{
	weir_wh_outcome_clear(&s->out);
	weir_wh_cancel_destroy(&s->cancel);
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
	pthread_cond_broadcast(&wh.cv);
}

static void *executor(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wh.mu);
	for (;;) {
		while (!wh.stopping && wh.qhead == NULL)
			pthread_cond_wait(&wh.cv, &wh.mu);
		if (wh.stopping)
			break;
		wh_stmt *s = wh.qhead;
		wh.qhead = s->qnext;
		if (wh.qhead == NULL)
			wh.qtail = NULL;
		wh.nqueued--;
		if (s->state != WEIR_WH_PENDING) /* canceled while queued */
			continue;
		s->state = WEIR_WH_RUNNING;
		wh.running++;
		pthread_cond_broadcast(&wh.cv);
		weir_wh_exec x = {.principal_id = s->owner_id,
				  .workspace_id = s->workspace_id,
				  .statement = s->sql,
				  .catalog = s->catalog,
				  .schema = s->schema,
				  .statement_id = s->id,
				  .producer_type = s->job_run_id ? "job_run" : NULL,
				  .producer_id = s->job_run_id,
				  .row_limit = s->row_limit,
				  .deadline_ms = weir_now_ms() + STATEMENT_TIMEOUT_MS,
				  .cancel = &s->cancel};
		pthread_mutex_unlock(&wh.mu);
		weir_wh_outcome out;
		weir_wh_execute(wh.pool, &x, &out);
		pthread_mutex_lock(&wh.mu);
		wh.running--;
		s->out = out;
		end(s, out.state);
	}
	pthread_mutex_unlock(&wh.mu);
	return NULL;
}

int weir_wh_start(weir_db_pool *pool, weir_error *err)
{
	pthread_mutex_lock(&wh.mu);
	wh.pool = pool;
	wh.stopping = false;
	wh.started_ms = weir_now_ms();
	pthread_mutex_unlock(&wh.mu);
	for (int i = 0; i < CONCURRENCY; i++) {
		if (pthread_create(&wh.threads[i], NULL, executor, NULL) != 0) {
			weir_wh_stop();
			return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "The warehouse's executors cannot start");
		}
		wh.nthreads++;
	}
	return 0;
}

void weir_wh_set_waiters(int n)
{
	pthread_mutex_lock(&wh.mu);
	wh.max_waiters = n > 0 ? n : 1;
	pthread_mutex_unlock(&wh.mu);
}

void weir_wh_stop(void)
{
	pthread_mutex_lock(&wh.mu);
	wh.stopping = true;
	for (int i = 0; i < wh.nall; i++)
		if (wh.all[i]->state == WEIR_WH_RUNNING)
			weir_wh_cancel_fire(&wh.all[i]->cancel);
	pthread_cond_broadcast(&wh.cv);
	pthread_mutex_unlock(&wh.mu);
	for (int i = 0; i < wh.nthreads; i++)
		pthread_join(wh.threads[i], NULL);
	wh.nthreads = 0;
	pthread_mutex_lock(&wh.mu);
	for (int i = 0; i < wh.nall; i++)
		stmt_free(wh.all[i]);
	free(wh.all);
	wh.all = NULL;
	wh.nall = 0;
	wh.qhead = wh.qtail = NULL;
	wh.nqueued = 0;
	pthread_mutex_unlock(&wh.mu);
}

/* Under wh.mu: drops ended statements past their time, and the oldest ended ones while
 * the table is full. */
static void purge(int64_t now)
{
	int w = 0;
	for (int i = 0; i < wh.nall; i++) {
		wh_stmt *s = wh.all[i];
		if (terminal(s->state) && now - s->ended_ms > KEEP_MS)
			stmt_free(s);
		else
			wh.all[w++] = s;
	}
	wh.nall = w;
	while (wh.nall >= MAX_STATEMENTS) {
		int oldest = -1;
		for (int i = 0; i < wh.nall; i++)
			if (terminal(wh.all[i]->state) &&
			    (oldest < 0 || wh.all[i]->ended_ms < wh.all[oldest]->ended_ms))
				oldest = i;
		if (oldest < 0)
			return;
		stmt_free(wh.all[oldest]);
		wh.all[oldest] = wh.all[--wh.nall];
	}
}

static wh_stmt *find(const weir_principal *p, const char *id, weir_error *err)
{
	for (int i = 0; id && i < wh.nall; i++)
		if (strcmp(wh.all[i]->id, id) == 0 && (wh.all[i]->owner_id == p->id || p->is_admin))
			return wh.all[i];
	weir_error_set(err, WEIR_E_RESOURCE_DOES_NOT_EXIST, "Statement '%.64s' does not exist", id ? id : "");
	return NULL;
}

/* ---------------------------------------------------------------- rendering */

static json_t *chunk_json(const wh_stmt *s, int64_t idx)
{
	int64_t n = (int64_t)json_array_size(s->out.rows);
	int64_t off = idx * ROWS_PER_CHUNK;
	int64_t cnt = n - off < ROWS_PER_CHUNK ? n - off : ROWS_PER_CHUNK;
	if (cnt < 0)
		cnt = 0;
	json_t *r = json_pack("{s:I, s:I, s:I}", "chunk_index", (json_int_t)idx, "row_offset", (json_int_t)off,
			      "row_count", (json_int_t)cnt);
	if (cnt > 0) {
		json_t *data = json_array();
		for (int64_t i = off; i < off + cnt; i++)
			json_array_append(data, json_array_get(s->out.rows, (size_t)i));
		json_object_set_new(r, "data_array", data);
	}
	if (off + cnt < n) {
		json_object_set_new(r, "next_chunk_index", json_integer(idx + 1));
		char link[160];
		snprintf(link, sizeof(link), "/api/2.0/sql/statements/%s/result/chunks/%lld", s->id,
			 (long long)idx + 1);
		json_object_set_new(r, "next_chunk_internal_link", json_string(link));
	}
	return r;
}

static int64_t chunk_count(const wh_stmt *s)
{
	int64_t n = (int64_t)json_array_size(s->out.rows);
	return n == 0 ? 1 : (n + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK;
}

static json_t *render(const wh_stmt *s)
{
	json_t *status = json_pack("{s:s}", "state", weir_wh_state_name(s->state));
	if (s->state == WEIR_WH_FAILED || (s->state == WEIR_WH_CANCELED && s->out.message[0]))
		json_object_set_new(status, "error",
				    json_pack("{s:s, s:s}", "error_code",
					      s->out.error_code[0] ? s->out.error_code : "UNKNOWN", "message",
					      s->out.message));
	json_t *r = json_pack("{s:s, s:o}", "statement_id", s->id, "status", status);
	if (s->state != WEIR_WH_SUCCEEDED)
		return r;
	int64_t n = (int64_t)json_array_size(s->out.rows), nchunks = chunk_count(s);
	json_t *chunks = json_array();
	for (int64_t i = 0; i < nchunks; i++) {
		int64_t off = i * ROWS_PER_CHUNK;
		json_array_append_new(chunks,
				      json_pack("{s:I, s:I, s:I}", "chunk_index", (json_int_t)i, "row_offset",
						(json_int_t)off, "row_count",
						(json_int_t)(n - off < ROWS_PER_CHUNK ? n - off : ROWS_PER_CHUNK)));
	}
	json_t *cols = s->out.columns ? s->out.columns : json_array();
	json_object_set_new(r, "manifest",
			    json_pack("{s:s, s:{s:I, s:O}, s:I, s:o, s:I, s:b}", "format", "JSON_ARRAY", "schema",
				      "column_count", (json_int_t)json_array_size(cols), "columns", cols,
				      "total_chunk_count", (json_int_t)nchunks, "chunks", chunks, "total_row_count",
				      (json_int_t)n, "truncated", s->out.truncated));
	if (s->out.columns == NULL)
		json_decref(cols);
	json_object_set_new(r, "result", chunk_json(s, 0));
	return r;
}

/* ---------------------------------------------------------------- the API */

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

json_t *weir_wh_statement_execute(const weir_principal *p, json_t *body, const char *job_run_id, weir_error *err)
{
	if (weir_wh_refused(err) != 0)
		return NULL;
	const char *sql = NULL, *wid = NULL, *cat = NULL, *sch = NULL, *wait = NULL, *onw = NULL, *fmt = NULL,
		   *disp = NULL;
	int64_t row_limit = 0, byte_limit = 0;
	json_t *params = NULL;
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
	params = json_object_get(body, "parameters");
	int64_t wait_s = wait_seconds(wait);
	if (wait_s < 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "wait_timeout",
					"Invalid value for 'wait_timeout': 0s, or 5s to 50s"),
		       NULL;
	if (onw && strcmp(onw, "CONTINUE") != 0 && strcmp(onw, "CANCEL") != 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "on_wait_timeout",
					"Invalid value for 'on_wait_timeout': CONTINUE or CANCEL"),
		       NULL;
	if (fmt && strcmp(fmt, "JSON_ARRAY") != 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "format",
					"Invalid value for 'format': this warehouse answers JSON_ARRAY only (CSV and "
					"ARROW_STREAM are not available yet)"),
		       NULL;
	if (disp && strcmp(disp, "INLINE") != 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "disposition",
					"Invalid value for 'disposition': this warehouse answers INLINE only "
					"(EXTERNAL_LINKS is not available yet)"),
		       NULL;
	if (row_limit < 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "row_limit",
					"Invalid value for 'row_limit': must be 0 or more"),
		       NULL;
	if (params && json_array_size(params) > 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "parameters",
					"Invalid value for 'parameters': named parameters are not available yet"),
		       NULL;
	if (strcmp(wid, WEIR_WH_DEFAULT_ID) != 0)
		return weir_error_set(err, WEIR_E_RESOURCE_DOES_NOT_EXIST, "Warehouse '%.64s' does not exist", wid),
		       NULL;
	if (strlen(sql) > (1 << 20))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
					"Invalid value for 'statement': at most 1 MiB of text"),
		       NULL;

	wh_stmt *s = calloc(1, sizeof(*s));
	weir_uuid4(s->id);
	s->owner_id = p->id;
	s->workspace_id = p->workspace_id;
	s->sql = strdup(sql);
	s->job_run_id = dup_or_null(job_run_id);
	s->catalog = dup_or_null(cat);
	s->schema = dup_or_null(sch);
	s->row_limit = row_limit;
	s->created_ms = weir_now_ms();
	weir_wh_cancel_init(&s->cancel);

	pthread_mutex_lock(&wh.mu);
	purge(s->created_ms);
	if (wh.stopping || wh.nthreads == 0 || wh.nall >= MAX_STATEMENTS || wh.nqueued >= MAX_QUEUED) {
		pthread_mutex_unlock(&wh.mu);
		stmt_free(s);
		return weir_error_set(err, WEIR_E_RESOURCE_EXHAUSTED,
				      "The warehouse is busy: too many statements are queued"),
		       NULL;
	}
	wh.all = realloc(wh.all, (size_t)(wh.nall + 1) * sizeof(*wh.all));
	wh.all[wh.nall++] = s;
	if (wh.qtail)
		wh.qtail->qnext = s;
	else
		wh.qhead = s;
	wh.qtail = s;
	wh.nqueued++;
	pthread_cond_broadcast(&wh.cv);

	if (wait_s > 0 && wh.waiting < wh.max_waiters) {
		wh.waiting++;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += wait_s;
		while (!terminal(s->state) && !wh.stopping)
			if (pthread_cond_timedwait(&wh.cv, &wh.mu, &until) == ETIMEDOUT)
				break;
		wh.waiting--;
		if (!terminal(s->state) && onw && strcmp(onw, "CANCEL") == 0) {
			if (s->state == WEIR_WH_PENDING) {
				snprintf(s->out.message, sizeof(s->out.message),
					 "The statement was canceled: it did "
					 "not end within wait_timeout");
				snprintf(s->out.error_code, sizeof(s->out.error_code), "CANCELLED");
				end(s, WEIR_WH_CANCELED);
			} else {
				weir_wh_cancel_fire(&s->cancel);
				clock_gettime(CLOCK_REALTIME, &until);
				until.tv_sec += 5;
				while (!terminal(s->state))
					if (pthread_cond_timedwait(&wh.cv, &wh.mu, &until) == ETIMEDOUT)
						break;
			}
		}
	}
	json_t *r = render(s);
	pthread_mutex_unlock(&wh.mu);
	return r;
}

json_t *weir_wh_statement_get(const weir_principal *p, const char *id, weir_error *err)
{
	pthread_mutex_lock(&wh.mu);
	wh_stmt *s = find(p, id, err);
	json_t *r = s ? render(s) : NULL;
	pthread_mutex_unlock(&wh.mu);
	return r;
}

json_t *weir_wh_statement_chunk(const weir_principal *p, const char *id, const char *index, weir_error *err)
{
	int64_t idx;
	if (!weir_parse_i64(index, &idx) || idx < 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "chunk_index",
					"Invalid value for 'chunk_index': a number from 0"),
		       NULL;
	pthread_mutex_lock(&wh.mu);
	json_t *r = NULL;
	wh_stmt *s = find(p, id, err);
	if (s && s->state != WEIR_WH_SUCCEEDED)
		weir_error_set(err, WEIR_E_BAD_REQUEST, "Statement '%s' is %s: only a SUCCEEDED statement has results",
			       s->id, weir_wh_state_name(s->state));
	else if (s && idx >= chunk_count(s))
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "chunk_index",
				 "Invalid value for 'chunk_index': the result has %lld chunk(s)",
				 (long long)chunk_count(s));
	else if (s)
		r = chunk_json(s, idx);
	pthread_mutex_unlock(&wh.mu);
	return r;
}

int weir_wh_statement_cancel(const weir_principal *p, const char *id, weir_error *err)
{
	pthread_mutex_lock(&wh.mu);
	wh_stmt *s = find(p, id, err);
	if (s && s->state == WEIR_WH_PENDING) {
		snprintf(s->out.error_code, sizeof(s->out.error_code), "CANCELLED");
		snprintf(s->out.message, sizeof(s->out.message), "The statement was canceled");
		end(s, WEIR_WH_CANCELED);
	} else if (s && s->state == WEIR_WH_RUNNING) {
		weir_wh_cancel_fire(&s->cancel);
	}
	pthread_mutex_unlock(&wh.mu);
	return s ? 0 : -1;
}

/* ---------------------------------------------------------------- warehouses */

static json_t *default_warehouse(void)
{
	pthread_mutex_lock(&wh.mu);
	int running = wh.running, queued = wh.nqueued;
	bool up = wh.nthreads > 0 && !wh.stopping;
	pthread_mutex_unlock(&wh.mu);
	return json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:s, s:s, s:b, s:b, s:s, s:i, s:i, s:{s:s}}", "id",
			 WEIR_WH_DEFAULT_ID, "name", "Weir default warehouse", "cluster_size", "X-Small",
			 "min_num_clusters", 1, "max_num_clusters", 1, "auto_stop_mins", 0, "num_clusters", 1, "state",
			 up ? "RUNNING" : "STOPPED", "warehouse_type", "PRO", "enable_serverless_compute", false,
			 "enable_photon", false, "creator_name", "admin", "num_active_sessions", running,
			 "num_queued_queries", queued, "channel", "name", "CHANNEL_NAME_CURRENT");
}

json_t *weir_wh_warehouses_list(void) { return json_pack("{s:[o]}", "warehouses", default_warehouse()); }

json_t *weir_wh_warehouse_get(const char *id, weir_error *err)
{
	if (id == NULL || strcmp(id, WEIR_WH_DEFAULT_ID) != 0)
		return weir_error_set(err, WEIR_E_RESOURCE_DOES_NOT_EXIST, "Warehouse '%.64s' does not exist",
				      id ? id : ""),
		       NULL;
	return default_warehouse();
}
