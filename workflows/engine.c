/* The execution engine: one scheduler thread owns every active run in memory and makes
 * every state change; an executor pool runs in-process task kinds (sql_task, once the
 * warehouse registers it). HTTP handlers only write requests (a PENDING run, a cancel flag,
 * a repair row) and wake the scheduler.
 *
 * The scheduler sleeps in epoll on: its wake eventfd, the pidfd and output pipe of every
 * child process, and a timeout for the earliest deadline (task and job timeouts, retries,
 * schedules). Each wake is a pass: read what changed in the database, reap children, fire
 * timers and schedules, admit runs, then push every task that became ready through the DAG
 * until nothing moves. All state changes of one pass go into one write transaction on one
 * pooled connection (each change is a single row update in it), committed at the end of the
 * pass: a 1,000-task run of condition tasks completes in one transaction.
 *
 * Crash safety: a child process is started before the transaction that records it RUNNING
 * commits; if the server dies first, the child dies with it (PR_SET_PDEATHSIG, group kill)
 * and the next start finds the task not started and runs it. A task run found RUNNING at
 * start was interrupted: it ends as INTERNAL_ERROR "server restarted" and is retried if
 * retries remain; its job run goes on.
 *
 * With a store several replicas share (PostgreSQL), the replica holding the engine's role runs
 * all of the above but command tasks' processes: those it offers as leases, which any
 * replica's scheduler thread claims and runs (section "leases"). */
#include "workflows/jobs_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "workflows/cron.h"
#include "workflows/dag.h"
#include "workflows/exec.h"
#include "workflows/notify.h"
#include "workflows/refs.h"
#include "registry/registry.h"
#include "warehouse/files.h"
#include "warehouse/warehouse.h"

#define MAX_VALUES_BYTES (1 << 20)

typedef enum { U_BLOCKED = 0, U_RUNNING, U_WAITING, U_DONE } ustate;

typedef struct eng_run eng_run;
typedef struct eng_unit eng_unit;
typedef struct eng_proc eng_proc;
typedef struct eng_lease eng_lease;

/* A child process; outlives its unit when the unit is canceled (reaped later). */
struct eng_proc {
	weir_proc p;
	eng_unit *unit; /* NULL once detached */
	eng_lease *lease; /* a leased task run's process (this replica's lease worker) */
	int logfd;
	int64_t logsize;
	bool truncated;
	bool out_closed, exited;
	int status;
	eng_proc *next;
};

/* One attempt of a task, or of a for_each iteration. */
struct eng_unit {
	eng_run *run;
	int task; /* index in run->g */
	eng_unit *parent; /* for_each iteration: the for_each unit */
	weir_wf_task_run row;
	ustate st;
	json_t *task_json; /* the task's settings (an iteration's: the nested task) */
	int64_t deadline; /* timeout, 0: none */
	bool timed_out;
	eng_proc *proc;
	json_t *values;
	bool inproc; /* queued to or running in the executor pool */
	bool leased; /* a command task offered to the replicas' lease workers (task_leases) */
	const char *token_id; /* the run_as token a command task was given (deleted at its end) */
	/* for_each */
	json_t *inputs;
	eng_unit **iters;
	int niters, next_iter, active, done, ok, failed;
	eng_unit *next_ready;
	bool queued; /* on the ready stack */
	bool stopping; /* its work is being stopped: a child run's end no longer ends it */
	char **spawn_argv, **spawn_envp; /* a command task waiting for spawn_pending */
	const char *spawn_dir;
};

struct eng_run {
	eng_run *next;
	weir_arena *a;
	weir_wf_run row;
	json_t *settings;
	weir_dag g;
	bool *sel;
	int nsel;
	eng_unit **cur; /* the latest attempt of each task (NULL: not selected) */
	int *remaining;
	int ndone;
	json_t *params; /* name -> value */
	int64_t deadline;
	bool started, canceling, timed_out, finished;
	int64_t repair_id; /* an applied repair the run is finishing */
	int64_t workspace_id;
};

/* When a trigger that watches something (a model, tables, a directory) fires: once a change
 * was seen (pending), no further change for wait_after_ms, and min_between_ms since it last
 * fired (trigger.*.wait_after_last_change_seconds, min_time_between_triggers_seconds). */
typedef struct trig_gate {
	int64_t min_between_ms, wait_after_ms;
	bool pending;
	int64_t last_change, last_fired;
} trig_gate;

static void gate_init(trig_gate *g, const json_t *cfg)
{
	json_t *mb = json_object_get(cfg, "min_time_between_triggers_seconds");
	json_t *wa = json_object_get(cfg, "wait_after_last_change_seconds");
	g->min_between_ms = json_is_integer(mb) ? json_integer_value(mb) * 1000 : 0;
	g->wait_after_ms = json_is_integer(wa) ? json_integer_value(wa) * 1000 : 0;
}

/* A reload keeps what the trigger saw and when it fired. */
static void gate_carry(trig_gate *g, const trig_gate *old)
{
	g->pending = old->pending;
	g->last_change = old->last_change;
	g->last_fired = old->last_fired;
}

/* Whether it fires now (then it is marked fired). */
static bool gate_due(trig_gate *g, int64_t now)
{
	if (!g->pending || now - g->last_change < g->wait_after_ms ||
	    (g->last_fired != 0 && now - g->last_fired < g->min_between_ms))
		return false;
	g->pending = false;
	g->last_fired = now;
	return true;
}

/* A model trigger's view of its model: what it saw last, and a change waiting to fire. */
typedef struct model_watch {
	char *securable_name;
	char *condition;
	json_t *aliases; /* the aliases watched (empty: any) */
	trig_gate g;
	bool have_base;
	int64_t max_version, max_ready;
	json_t *alias_map; /* {alias: version} */
} model_watch;

/* A table_update trigger's view of its tables: when each was last written (through the
 * warehouse), and which were written since the trigger last fired (ALL_UPDATED). */
typedef struct table_watch {
	json_t *names; /* full names */
	bool all; /* ALL_UPDATED */
	trig_gate g;
	bool have_base;
	int n;
	int64_t *last; /* per table: the last write seen */
	bool *updated; /* per table: written since the last fire */
} table_watch;

/* A file_arrival trigger's view of its volume directory: how many files it held and the
 * newest modification time, at the last look. */
typedef struct file_watch {
	char *url;
	trig_gate g;
	bool have_base;
	int64_t count, newest;
} file_watch;

typedef struct sched {
	int64_t job_id;
	int kind; /* 0 cron, 1 periodic, 2 continuous, 3 model, 4 table_update, 5 file_arrival */
	weir_cron *cron;
	int64_t interval_ms;
	int64_t next_fire;
	int64_t backoff_ms;
	bool paused;
	int64_t run_as_id;
	model_watch *mw;
	table_watch *tw;
	file_watch *fw;
} sched;

/* int64 -> int64 map (open addressing, linear probing, backward-shift deletion): the
 * active runs by run id and the started runs per job, so a pass costs O(changes), not
 * O(runs) per lookup, with thousands of runs queued. */
typedef struct idmap {
	int64_t *keys; /* 0: empty (ids are positive) */
	int64_t *vals;
	size_t cap, n;
} idmap;

static size_t idmap_slot(const idmap *m, int64_t k)
{
	uint64_t h = (uint64_t)k * 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 16) & (m->cap - 1);
}

static void idmap_put(idmap *m, int64_t k, int64_t v);

static void idmap_grow(idmap *m)
{
	idmap old = *m;
	m->cap = old.cap ? old.cap * 2 : 64;
	m->keys = calloc(m->cap, sizeof *m->keys);
	m->vals = calloc(m->cap, sizeof *m->vals);
	if (m->keys == NULL || m->vals == NULL)
		abort();
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.keys[i])
			idmap_put(m, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

static void idmap_put(idmap *m, int64_t k, int64_t v)
{
	if ((m->n + 1) * 2 > m->cap)
		idmap_grow(m);
	size_t i = idmap_slot(m, k);
	while (m->keys[i] && m->keys[i] != k)
		i = (i + 1) & (m->cap - 1);
	if (m->keys[i] == 0)
		m->n++;
	m->keys[i] = k;
	m->vals[i] = v;
}

static bool idmap_get(const idmap *m, int64_t k, int64_t *v)
{
	if (m->cap == 0)
		return false;
	for (size_t i = idmap_slot(m, k); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == k) {
			*v = m->vals[i];
			return true;
		}
	return false;
}

static void idmap_del(idmap *m, int64_t k)
{
	if (m->cap == 0)
		return;
	size_t i = idmap_slot(m, k);
	while (m->keys[i] && m->keys[i] != k)
		i = (i + 1) & (m->cap - 1);
	if (m->keys[i] == 0)
		return;
	m->keys[i] = 0;
	m->n--;
	/* shift back the entries that probed past the hole */
	for (size_t j = (i + 1) & (m->cap - 1); m->keys[j]; j = (j + 1) & (m->cap - 1)) {
		size_t home = idmap_slot(m, m->keys[j]);
		bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!between) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			m->keys[j] = 0;
			i = j;
		}
	}
}

static void idmap_free(idmap *m)
{
	free(m->keys);
	free(m->vals);
	*m = (idmap){0};
}

/* A task run this replica's lease worker claimed (PostgreSQL store): its process runs here,
 * its outcome goes to its task_leases row for the leader's pass. */
struct eng_lease {
	int64_t task_run_id, run_id, run_as_id;
	weir_arena *a; /* argv, envp, dir, token_id */
	char **argv, **envp;
	const char *dir;
	const char *token_id; /* the run_as token made at the claim, deleted at the end */
	char failed[512]; /* a claim that could not be prepared: its outcome */
	eng_proc *proc;
	bool canceled; /* the leader canceled it: the row is deleted at the end */
	bool fenced; /* no heartbeat reached the store for a lease's life: killed, reports nothing */
	eng_lease *next;
};

typedef struct inproc_job {
	int64_t task_run_id;
	weir_task_type type;
	weir_engine_task t;
	char *task_text;
	weir_engine_result res;
	struct inproc_job *next;
} inproc_job;

static struct {
	weir_db_pool *pool;
	weir_engine_cfg cfg;
	char *runs_dir;
	pthread_t thread;
	bool started;
	atomic_bool stop;
	atomic_bool woken;
	int64_t *changed_jobs; /* jobs whose schedule is to be read again (under mu) */
	int nchanged, capchanged;
	int wake_fd, ep;
	eng_run *runs;
	idmap run_index; /* run id -> eng_run * */
	idmap job_running; /* job id -> runs started and not finished */
	eng_proc *procs;
	eng_unit **to_spawn; /* command tasks to start after the pass's commit */
	int nspawn, capspawn;
	sched *sch;
	int nsch, capsch;
	bool sched_loaded;
	bool loaded_all; /* every active run of the database was loaded once */
	eng_unit *ready; /* stack of units to dispatch */
	/* the pass */
	weir_db *db;
	bool in_tx;
	bool moved;
	/* executor pool */
	pthread_t *exec_threads;
	int nexec;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	inproc_job *queue, *done;
	int (*kinds[WEIR_TT__COUNT])(weir_db_pool *pool, const weir_engine_task *t, weir_engine_result *res);
	/* leases (PostgreSQL store) */
	bool shared; /* a store other processes share: command tasks are leased */
	char replica[96]; /* this replica's id in task_leases.owner: host/pid */
	int slots; /* leased task runs this replica runs at once */
	eng_lease *leases;
	int nleases;
	bool lease_poll; /* a lease may be ready: claim before the next poll */
	bool leading; /* this process holds the engine's role (the scheduler thread's view) */
	int64_t lease_polled, lease_beat, lease_beat_ok;
} E = {.wake_fd = -1, .ep = -1, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static atomic_bool command_tasks_allowed;
static atomic_llong log_limit = 5 << 20;
static char log_root[512];

bool weir_engine_command_tasks_allowed(void) { return atomic_load(&command_tasks_allowed); }

/* The run_as tokens of running command tasks and their job runs (written by the scheduler,
 * read by HTTP threads: weir_engine_job_run_of_token). */
static pthread_mutex_t token_mu = PTHREAD_MUTEX_INITIALIZER;
static struct task_token {
	char id[48];
	int64_t run_id;
} * task_tokens;
static int ntokens, captokens;

static void token_map_put(const char *id, int64_t run_id)
{
	pthread_mutex_lock(&token_mu);
	if (ntokens == captokens) {
		captokens = captokens ? captokens * 2 : 32;
		task_tokens = realloc(task_tokens, (size_t)captokens * sizeof *task_tokens);
		if (task_tokens == NULL)
			abort();
	}
	snprintf(task_tokens[ntokens].id, sizeof task_tokens[ntokens].id, "%s", id);
	task_tokens[ntokens++].run_id = run_id;
	pthread_mutex_unlock(&token_mu);
}

static void token_map_del(const char *id)
{
	pthread_mutex_lock(&token_mu);
	for (int i = 0; i < ntokens; i++)
		if (strcmp(task_tokens[i].id, id) == 0) {
			task_tokens[i] = task_tokens[--ntokens];
			break;
		}
	pthread_mutex_unlock(&token_mu);
}

bool weir_engine_job_run_of_token(const char *token_id, int64_t *run_id)
{
	bool found = false;
	pthread_mutex_lock(&token_mu);
	for (int i = 0; i < ntokens && !found; i++)
		if (strcmp(task_tokens[i].id, token_id) == 0) {
			*run_id = task_tokens[i].run_id;
			found = true;
		}
	pthread_mutex_unlock(&token_mu);
	return found;
}
int64_t weir_engine_log_limit(void) { return atomic_load(&log_limit); }

void weir_engine_log_path(int64_t task_run_id, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%" PRId64 "/output.log", log_root, task_run_id);
}

void weir_engine_job_changed(int64_t job_id)
{
	pthread_mutex_lock(&E.mu);
	if (E.nchanged == E.capchanged) {
		E.capchanged = E.capchanged ? E.capchanged * 2 : 16;
		E.changed_jobs = realloc(E.changed_jobs, (size_t)E.capchanged * sizeof *E.changed_jobs);
		if (E.changed_jobs == NULL)
			abort();
	}
	E.changed_jobs[E.nchanged++] = job_id;
	pthread_mutex_unlock(&E.mu);
	weir_engine_wake();
}

void weir_engine_wake(void)
{
	atomic_store(&E.woken, true);
	if (E.wake_fd >= 0) {
		uint64_t one = 1;
		ssize_t w = write(E.wake_fd, &one, sizeof one);
		(void)w;
	}
}

#define WEIR_ENGINE_CHANNEL "weir_engine" /* of weir_db_notify: runs or a job changed elsewhere */

void weir_engine_notify(weir_db *db, int64_t job_id) { weir_db_notify(db, WEIR_ENGINE_CHANNEL, job_id); }

void weir_engine_register(int type, int (*run)(weir_db_pool *pool, const weir_engine_task *t, weir_engine_result *res))
{
	if (type >= 0 && type < WEIR_TT__COUNT)
		E.kinds[type] = run;
}

/* ---------------------------------------------------------------- the pass's transaction */

static weir_db *tx(void)
{
	if (!E.in_tx) {
		weir_error e = WEIR_ERROR_INIT;
		if (weir_db_begin_write(E.db, &e) != 0) {
			weir_log_error("engine: cannot begin a write: %s", e.message);
			return E.db; /* the statements fail and are logged; the pass retries later */
		}
		E.in_tx = true;
	}
	E.moved = true;
	return E.db;
}

static const char *adup(eng_run *r, const char *s) { return s ? weir_arena_strdup(r->a, s) : NULL; }

static char *sdup(eng_run *r, const char *s) { return weir_arena_strdup(r->a, s ? s : ""); }

/* jdump of a new value, which it frees. */
static const char *jdump_new(eng_run *r, json_t *j);

static const char *jdump(eng_run *r, const json_t *j)
{
	if (j == NULL)
		return NULL;
	char *t = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	const char *out = adup(r, t);
	free(t);
	return out;
}

static const char *jdump_new(eng_run *r, json_t *j)
{
	const char *out = jdump(r, j);
	json_decref(j);
	return out;
}

static void save_unit(eng_unit *u)
{
	weir_error e = WEIR_ERROR_INIT;
	if (weir_wf_task_save(tx(), &u->row, &e) != 0)
		weir_log_error("engine: task run %" PRId64 ": %s", u->row.task_run_id, e.message);
}

static void insert_unit(eng_unit *u)
{
	weir_error e = WEIR_ERROR_INIT;
	if (weir_wf_task_insert(tx(), &u->row, &e) != 0)
		weir_log_error("engine: task run %" PRId64 ": %s", u->row.task_run_id, e.message);
}

static void save_run(eng_run *r)
{
	weir_error e = WEIR_ERROR_INIT;
	if (weir_wf_run_save(tx(), &r->row, &e) != 0)
		weir_log_error("engine: run %" PRId64 ": %s", r->row.run_id, e.message);
}

/* ---------------------------------------------------------------- notifications */

/* Queues the notifications of `event` ("jobs.on_start", "jobs.on_success", "jobs.on_failure")
 * that the job's settings ask for, or a task's when u is set, in the pass's transaction. */
static void notify_of(eng_run *r, eng_unit *u, const char *event)
{
	static const char *const KEYS[] = {"on_start", "on_success", "on_failure"};
	const char *key = strcmp(event, "jobs.on_start") == 0     ? KEYS[0]
			  : strcmp(event, "jobs.on_success") == 0 ? KEYS[1]
								  : KEYS[2];
	const json_t *holder = u ? u->task_json : r->settings;
	json_t *wh = json_object_get(json_object_get(holder, "webhook_notifications"), key);
	json_t *em = json_object_get(json_object_get(holder, "email_notifications"), key);
	if (json_array_size(wh) == 0 && json_array_size(em) == 0)
		return;
	json_t *payload = json_pack("{s:s, s:I, s:{s:I, s:s, s:s}}", "event_type", event, "workspace_id",
				    (json_int_t)r->workspace_id, "run", "run_id", (json_int_t)r->row.run_id,
				    "result_state", r->row.result_state ? r->row.result_state : "", "life_cycle_state",
				    r->row.life_cycle);
	if (r->row.job_id)
		json_object_set_new(payload, "job",
				    json_pack("{s:I, s:s}", "job_id", (json_int_t)r->row.job_id, "name",
					      r->row.run_name ? r->row.run_name : ""));
	if (u)
		json_object_set_new(payload, "task",
				    json_pack("{s:s, s:I, s:s, s:s}", "task_key", u->row.task_key, "run_id",
					      (json_int_t)u->row.task_run_id, "result_state",
					      u->row.result_state ? u->row.result_state : "", "life_cycle_state",
					      u->row.life_cycle));
	char *text = json_dumps(payload, JSON_COMPACT);
	json_decref(payload);
	size_t i;
	json_t *d;
	weir_error e = WEIR_ERROR_INIT;
	json_array_foreach (wh, i, d) {
		const char *id = json_string_value(json_object_get(d, "id"));
		if (id && weir_notify_queue(tx(), id, event, text, &e) != 0)
			weir_log_warn("engine: run %" PRId64 ": notification to %s: %s", r->row.run_id, id, e.message);
	}
	json_array_foreach (em, i, d)
		if (json_is_string(d))
			weir_notify_record_email(tx(), json_string_value(d), event, text, &e);
	free(text);
}

static void notify(eng_run *r, const char *event) { notify_of(r, NULL, event); }

/* ---------------------------------------------------------------- units */

static eng_unit *unit_new(eng_run *r, int task, eng_unit *parent, json_t *task_json)
{
	eng_unit *u = weir_arena_calloc(r->a, sizeof *u);
	u->run = r;
	u->task = task;
	u->parent = parent;
	u->task_json = task_json;
	u->row.run_id = r->row.run_id;
	u->row.task_key = parent ? adup(r, json_string_value(json_object_get(task_json, "task_key"))) : r->g.keys[task];
	u->row.task = jdump(r, task_json);
	u->row.repair_id = r->repair_id;
	u->row.life_cycle = "BLOCKED";
	u->row.state_message = "";
	return u;
}

static void ready_push(eng_unit *u)
{
	if (u->queued)
		return;
	u->queued = true;
	u->next_ready = E.ready;
	E.ready = u;
}

/* A command task's run_as token ends with the attempt. */
static void unit_drop_token(eng_unit *u)
{
	if (u->token_id) {
		weir_error te = WEIR_ERROR_INIT;
		token_map_del(u->token_id);
		weir_gov_token_delete(tx(), u->token_id, u->run->row.run_as_id, &te);
		u->token_id = NULL;
	}
}

static bool retryable(eng_unit *u, const char *result)
{
	if (u->run->canceling || strcmp(result, "CANCELED") == 0)
		return false;
	bool failed = strcmp(result, "FAILED") == 0 || strcmp(result, "INTERNAL_ERROR") == 0 ||
		      (strcmp(result, "TIMEDOUT") == 0 &&
		       json_is_true(json_object_get(u->task_json, "retry_on_timeout")));
	if (!failed)
		return false;
	json_t *mr = json_object_get(u->task_json, "max_retries");
	int64_t max = json_is_integer(mr) ? json_integer_value(mr) : 0;
	return max < 0 || u->row.attempt < max;
}

static void unit_finished(eng_unit *u);

/* Ends an attempt with `result` (a result_state; "INTERNAL_ERROR" ends the life cycle as
 * INTERNAL_ERROR), retrying it when its task allows. */
static void unit_end(eng_unit *u, const char *result, const char *message)
{
	eng_run *r = u->run;
	int64_t now = weir_now_ms();
	bool internal = strcmp(result, "INTERNAL_ERROR") == 0;
	u->row.life_cycle = internal ? "INTERNAL_ERROR" : "TERMINATED";
	u->row.result_state = internal ? "FAILED" : result;
	u->row.state_message = adup(r, message ? message : "");
	if (u->row.start_time == 0)
		u->row.start_time = now;
	u->row.end_time = now;
	if (message && *message && strcmp(result, "SUCCESS") != 0 && u->row.error == NULL)
		u->row.error = u->row.state_message;
	if (u->values)
		u->row.task_values = jdump(r, u->values);
	u->st = U_DONE;
	save_unit(u);
	unit_drop_token(u);
	if (retryable(u, result)) {
		eng_unit *n = weir_arena_calloc(r->a, sizeof *n);
		*n = (eng_unit){.run = r, .task = u->task, .parent = u->parent, .task_json = u->task_json};
		n->row = (weir_wf_task_run){
			.task_run_id = weir_wf_next_id(),
			.run_id = r->row.run_id,
			.task_key = u->row.task_key,
			.attempt = u->row.attempt + 1,
			.repair_id = r->repair_id,
			.iteration_of = u->row.iteration_of,
			.iteration = u->row.iteration,
			.life_cycle = "WAITING_FOR_RETRY",
			.state_message = "",
			.task = u->row.task,
			.input = u->row.input,
		};
		json_t *iv = json_object_get(u->task_json, "min_retry_interval_millis");
		n->row.retry_at = u->row.start_time + (json_is_integer(iv) ? json_integer_value(iv) : 0);
		n->st = U_WAITING;
		insert_unit(n);
		if (u->parent) {
			for (int i = 0; i < u->parent->niters; i++)
				if (u->parent->iters[i] == u)
					u->parent->iters[i] = n;
		} else {
			r->cur[u->task] = n;
		}
		return;
	}
	/* a task's own notifications: once, on its final attempt (a condition task has none) */
	if (u->parent == NULL && strcmp(result, "SUCCESS") != 0 && strcmp(result, "EXCLUDED") != 0 &&
	    strcmp(result, "DISABLED") != 0 && strcmp(result, "UPSTREAM_FAILED") != 0 &&
	    strcmp(result, "UPSTREAM_CANCELED") != 0)
		notify_of(r, u, "jobs.on_failure");
	else if (u->parent == NULL && strcmp(result, "SUCCESS") == 0)
		notify_of(r, u, "jobs.on_success");
	unit_finished(u);
}

/* ---------------------------------------------------------------- references */

static bool ref_task(void *arg, const char *key, int64_t *run_id, const char **result_state, const json_t **values)
{
	eng_run *r = arg;
	int i = weir_dag_find(&r->g, key);
	if (i < 0 || r->cur[i] == NULL)
		return false;
	eng_unit *u = r->cur[i];
	*run_id = u->row.task_run_id;
	*result_state = u->st == U_DONE ? u->row.result_state : NULL;
	*values = u->values;
	return true;
}

static void ref_ctx(eng_unit *u, weir_ref_ctx *c)
{
	eng_run *r = u->run;
	*c = (weir_ref_ctx){
		.job_id = r->row.job_id,
		.job_name = r->row.run_name,
		.run_id = r->row.run_id,
		.repair_count = r->row.latest_repair_id ? 1 : 0,
		.trigger_type = r->row.trigger_type,
		.start_time_ms = r->row.start_time,
		.parameters = r->params,
		.task_key = u->row.task_key,
		.task_run_id = u->row.task_run_id,
		.execution_count = u->row.attempt + 1,
		.workspace_id = r->workspace_id,
		.input = u->row.input,
		.task = ref_task,
		.arg = r,
	};
}

/* ---------------------------------------------------------------- command tasks */

static void proc_close(eng_proc *p)
{
	if (p->p.outfd >= 0) {
		epoll_ctl(E.ep, EPOLL_CTL_DEL, p->p.outfd, NULL);
		close(p->p.outfd);
		p->p.outfd = -1;
	}
	if (p->p.pidfd >= 0) {
		epoll_ctl(E.ep, EPOLL_CTL_DEL, p->p.pidfd, NULL);
		close(p->p.pidfd);
		p->p.pidfd = -1;
	}
	if (p->logfd >= 0) {
		close(p->logfd);
		p->logfd = -1;
	}
}

/* Keeps the last log_limit bytes once the file reaches twice that. */
static void log_write(eng_proc *p, const char *buf, size_t n)
{
	if (p->logfd < 0)
		return;
	ssize_t w = write(p->logfd, buf, n);
	if (w > 0)
		p->logsize += w;
	int64_t limit = weir_engine_log_limit();
	if (p->logsize <= 2 * limit)
		return;
	char *tail = malloc((size_t)limit);
	if (tail == NULL)
		return;
	ssize_t got = pread(p->logfd, tail, (size_t)limit, p->logsize - limit);
	if (got > 0 && ftruncate(p->logfd, 0) == 0 && pwrite(p->logfd, tail, (size_t)got, 0) == got) {
		lseek(p->logfd, got, SEEK_SET);
		p->logsize = got;
		p->truncated = true;
	}
	free(tail);
}

static void proc_drain(eng_proc *p)
{
	char buf[65536];
	while (p->p.outfd >= 0) {
		ssize_t n = read(p->p.outfd, buf, sizeof buf);
		if (n > 0) {
			log_write(p, buf, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		/* EOF or error: the output is complete */
		epoll_ctl(E.ep, EPOLL_CTL_DEL, p->p.outfd, NULL);
		close(p->p.outfd);
		p->p.outfd = -1;
		p->out_closed = true;
	}
}

static char *task_dir(eng_unit *u)
{
	return weir_arena_printf(u->run->a, "%s/%" PRId64, E.runs_dir, u->row.task_run_id);
}

static const char *WHEEL_BOOT = "import sys\n"
				"from importlib import metadata\n"
				"pkg, ep = sys.argv[1], sys.argv[2]\n"
				"sys.argv = [ep] + sys.argv[3:]\n"
				"def norm(s): return s.replace('-', '_').lower()\n"
				"for d in metadata.distributions():\n"
				"    if norm(d.metadata['Name'] or '') == norm(pkg):\n"
				"        for e in d.entry_points:\n"
				"            if e.name == ep:\n"
				"                sys.exit(e.load()())\n"
				"sys.stderr.write('entry point %s not found in package %s\\n' % (ep, pkg))\n"
				"sys.exit(1)\n";

/* Gives a command task a token of its run's run_as principal (lifetime `life` seconds) and
 * the address of this server: DATABRICKS_HOST and DATABRICKS_TOKEN appended to envp (at
 * *ec), *token_id set (in a). Nothing without a port (not serving). -1 with msg on failure. */
static int task_token(weir_db *db, weir_arena *a, int64_t run_as_id, int64_t workspace_id, int64_t life,
		      const char *comment, int64_t run_id, char **envp, int *ec, const char **token_id, char *msg,
		      size_t cap)
{
	unsigned port = E.cfg.port ? atomic_load(E.cfg.port) : 0;
	if (!port)
		return 0;
	char *value = NULL;
	weir_token_info info;
	weir_error te = WEIR_ERROR_INIT;
	if (weir_gov_token_create(db, a, run_as_id, workspace_id, life, comment, &value, &info, &te) != 0) {
		snprintf(msg, cap, "cannot give the task a token of its run_as principal: %s", te.message);
		return -1;
	}
	*token_id = weir_arena_strdup(a, info.token_id);
	token_map_put(*token_id, run_id);
	const char *host = E.cfg.host && strcmp(E.cfg.host, "0.0.0.0") != 0 && strcmp(E.cfg.host, "::") != 0
				   ? E.cfg.host
				   : "127.0.0.1";
	envp[(*ec)++] = weir_arena_printf(a, "DATABRICKS_HOST=http://%s%s%s:%u", strchr(host, ':') ? "[" : "", host,
					  strchr(host, ':') ? "]" : "", port);
	envp[(*ec)++] = weir_arena_printf(a, "DATABRICKS_TOKEN=%s", value);
	return 0;
}

static int lease_offer(eng_unit *u, char **argv, char **envp, const char *dir, int64_t life, const char *comment,
		       char *msg, size_t cap);

/* Starts a command task's process; returns -1 with a message on failure. With a shared store
 * the process is not started here: the task run is offered to every replica (lease_offer). */
static int start_command(eng_unit *u, weir_task_type type, json_t *body, char *msg, size_t cap)
{
	eng_run *r = u->run;
	if (!weir_engine_command_tasks_allowed()) {
		snprintf(msg, cap, "%s: command tasks are disabled on this server (--allow-command-tasks)",
			 weir_task_type_field(type));
		return -1;
	}
	char *dir = task_dir(u);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(msg, cap, "cannot create the task's working directory: %s", strerror(errno));
		return -1;
	}
	/* argv */
	json_t *ov = r->row.overriding ? json_loads(r->row.overriding, 0, NULL) : NULL;
	json_t *params = json_object_get(body, "parameters");
	if (ov && json_is_array(json_object_get(ov, "python_params")))
		params = json_object_get(ov, "python_params");
	json_t *named = json_object_get(body, "named_parameters");
	if (ov && json_is_object(json_object_get(ov, "python_named_params")))
		named = json_object_get(ov, "python_named_params");
	size_t np = json_array_size(params) + json_object_size(named);
	char **argv = weir_arena_calloc(r->a, (np + 8) * sizeof(char *));
	int ac = 0;
	argv[ac++] = sdup(r, "python3");
	if (type == WEIR_TT_SPARK_PYTHON) {
		argv[ac++] = sdup(r, json_string_value(json_object_get(body, "python_file")));
	} else {
		argv[ac++] = sdup(r, "-c");
		argv[ac++] = sdup(r, WHEEL_BOOT);
		argv[ac++] = sdup(r, json_string_value(json_object_get(body, "package_name")));
		argv[ac++] = sdup(r, json_string_value(json_object_get(body, "entry_point")));
	}
	size_t i;
	json_t *v;
	json_array_foreach (params, i, v)
		if (json_is_string(v))
			argv[ac++] = sdup(r, json_string_value(v));
	const char *k;
	json_object_foreach (named, k, v)
		if (json_is_string(v))
			argv[ac++] = weir_arena_printf(r->a, "--%s=%s", k, json_string_value(v));
	argv[ac] = NULL;
	json_decref(ov);
	/* a clean environment with the run's context */
	char *envp[20];
	int ec = 0;
	envp[ec++] = sdup(r, "PATH=/usr/local/bin:/usr/bin:/bin");
	envp[ec++] = sdup(r, "LANG=C.UTF-8");
	envp[ec++] = sdup(r, "PYTHONUNBUFFERED=1");
	/* the task calls Weir as the run's principal, with a token that ends with the task (or
	 * expires: the task's timeout, else the job's, else a day); a leased task gets it from
	 * the replica that claims it, whose address it calls */
	json_t *to = json_object_get(u->task_json, "timeout_seconds");
	json_t *jto = json_object_get(r->settings, "timeout_seconds");
	int64_t life = json_integer_value(to) > 0    ? json_integer_value(to) + 60
		       : json_integer_value(jto) > 0 ? json_integer_value(jto) + 60
						     : 86400;
	const char *comment = weir_arena_printf(r->a, "job run %" PRId64 " task run %" PRId64, r->row.run_id,
						u->row.task_run_id);
	if (!E.shared && task_token(tx(), r->a, r->row.run_as_id, r->workspace_id, life, comment, r->row.run_id, envp,
				    &ec, &u->token_id, msg, cap) != 0)
		return -1;
	envp[ec++] = weir_arena_printf(r->a, "HOME=%s", dir);
	envp[ec++] = weir_arena_printf(r->a, "WEIR_JOB_ID=%" PRId64, r->row.job_id);
	envp[ec++] = weir_arena_printf(r->a, "WEIR_RUN_ID=%" PRId64, r->row.run_id);
	envp[ec++] = weir_arena_printf(r->a, "WEIR_TASK_RUN_ID=%" PRId64, u->row.task_run_id);
	envp[ec++] = weir_arena_printf(r->a, "WEIR_TASK_KEY=%s", u->row.task_key);
	envp[ec++] = weir_arena_printf(r->a, "WEIR_ATTEMPT=%d", u->row.attempt);
	envp[ec++] = weir_arena_printf(r->a, "WEIR_TASK_VALUES_FILE=%s/task_values.json", dir);
	envp[ec] = NULL;
	if (E.shared)
		return lease_offer(u, argv, envp, dir, life, comment, msg, cap);
	/* started once the pass has committed (spawn_pending): a process start never happens
	 * inside the write transaction, which would hold the write lock through it */
	u->spawn_argv = argv;
	u->spawn_envp = weir_arena_alloc(r->a, sizeof envp); /* envp is this function's */
	memcpy(u->spawn_envp, envp, sizeof envp);
	u->spawn_dir = dir;
	if (E.nspawn == E.capspawn) {
		E.capspawn = E.capspawn ? E.capspawn * 2 : 32;
		E.to_spawn = realloc(E.to_spawn, (size_t)E.capspawn * sizeof *E.to_spawn);
		if (E.to_spawn == NULL)
			abort();
	}
	E.to_spawn[E.nspawn++] = u;
	return 0;
}

/* Starts a command task's process in dir, its output to dir/output.log, watched by the
 * scheduler's epoll (its pidfd, and its output pipe tagged with the low bit); NULL with err. */
static eng_proc *proc_spawn(const char *dir, char **argv, char **envp, weir_error *err)
{
	eng_proc *p = calloc(1, sizeof *p);
	if (p == NULL)
		abort();
	if (weir_exec_spawn(dir, argv, envp, &p->p, err) != 0) {
		free(p);
		return NULL;
	}
	char path[600];
	snprintf(path, sizeof path, "%s/output.log", dir);
	p->logfd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	p->next = E.procs;
	E.procs = p;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = p};
	epoll_ctl(E.ep, EPOLL_CTL_ADD, p->p.pidfd, &ev);
	struct epoll_event ev2 = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = (char *)p + 1};
	epoll_ctl(E.ep, EPOLL_CTL_ADD, p->p.outfd, &ev2);
	return p;
}

/* Starts the command tasks the pass prepared, after its commit; their RUNNING rows are
 * written in a transaction of their own (if the server dies before it commits, the task is
 * found not started and runs again; the child dies with the server). */
static void spawn_pending(void)
{
	for (int i = 0; i < E.nspawn; i++) {
		eng_unit *u = E.to_spawn[i];
		if (u->st != U_RUNNING || u->stopping || u->proc)
			continue; /* canceled or timed out meanwhile */
		weir_error e = WEIR_ERROR_INIT;
		eng_proc *p = proc_spawn(u->spawn_dir, u->spawn_argv, u->spawn_envp, &e);
		if (p == NULL) {
			unit_end(u, "FAILED", e.message);
			continue;
		}
		p->unit = u;
		u->proc = p;
		save_unit(u);
	}
	E.nspawn = 0;
}

/* The task values a command task wrote in its directory (a JSON object), or NULL with msg set. */
static json_t *read_values(const char *dir, char *msg, size_t cap)
{
	char path[600];
	snprintf(path, sizeof path, "%s/task_values.json", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return json_object();
	struct stat sb;
	json_t *v = NULL;
	if (fstat(fd, &sb) == 0 && sb.st_size <= MAX_VALUES_BYTES) {
		char *buf = malloc((size_t)sb.st_size + 1);
		ssize_t got = buf ? read(fd, buf, (size_t)sb.st_size) : -1;
		if (got >= 0) {
			json_error_t je;
			v = json_loadb(buf, (size_t)got, JSON_REJECT_DUPLICATES, &je);
		}
		free(buf);
		if (!json_is_object(v)) {
			json_decref(v);
			v = NULL;
			snprintf(msg, cap, "WEIR_TASK_VALUES_FILE must hold a JSON object");
		}
	} else {
		snprintf(msg, cap, "WEIR_TASK_VALUES_FILE is larger than %d bytes", MAX_VALUES_BYTES);
	}
	close(fd);
	return v;
}

static const char *log_tail(eng_proc *p, weir_arena *a)
{
	if (p->logfd < 0 || p->logsize == 0)
		return NULL;
	int64_t n = p->logsize < 2048 ? p->logsize : 2048;
	char *buf = weir_arena_alloc(a, (size_t)n + 1);
	ssize_t got = pread(p->logfd, buf, (size_t)n, p->logsize - n);
	if (got <= 0)
		return NULL;
	size_t s = 0;
	while (s < (size_t)got && ((unsigned char)buf[s] & 0xC0) == 0x80)
		s++;
	for (ssize_t i = (ssize_t)s; i < got; i++)
		if ((unsigned char)buf[i] >= 0x80 || (buf[i] < 0x20 && buf[i] != '\n' && buf[i] != '\t'))
			buf[i] = '?';
	buf[got] = '\0';
	return buf + s;
}

/* What a command task's exited process (its output read) came to: SUCCESS with *values (the
 * caller's), or FAILED with msg and, for a failed exit, *trace (the output's tail, in a). */
static const char *proc_outcome(eng_proc *p, const char *dir, weir_arena *a, char *msg, size_t cap, json_t **values,
				const char **trace)
{
	*values = NULL;
	*trace = NULL;
	msg[0] = '\0';
	if (WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0) {
		*values = read_values(dir, msg, cap);
		return *values ? "SUCCESS" : "FAILED";
	}
	if (WIFEXITED(p->status))
		snprintf(msg, cap, "The process exited with status %d", WEXITSTATUS(p->status));
	else if (WIFSIGNALED(p->status))
		snprintf(msg, cap, "The process was killed by signal %d", WTERMSIG(p->status));
	else
		snprintf(msg, cap, "The process ended");
	*trace = log_tail(p, a);
	return "FAILED";
}

static void lease_proc_end(eng_proc *p);

/* A child exited and its output is read: end its attempt (a leased one's: lease_proc_end). */
static void proc_finish(eng_proc *p)
{
	eng_unit *u = p->unit;
	if (p->lease) {
		lease_proc_end(p);
	} else if (u != NULL && u->st == U_RUNNING) {
		eng_run *r = u->run;
		u->proc = NULL;
		u->row.logs_truncated = p->truncated;
		char msg[512] = "";
		if (u->timed_out) {
			unit_end(u, "TIMEDOUT", "Task timed out");
		} else {
			json_t *v;
			const char *result = proc_outcome(p, task_dir(u), r->a, msg, sizeof msg, &v,
							  &u->row.error_trace);
			if (v) {
				json_decref(u->values);
				u->values = weir_json_own(r->a, v);
			}
			unit_end(u, result, msg);
		}
	}
	proc_close(p);
	for (eng_proc **pp = &E.procs; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	free(p);
}

/* Stops a unit's work now (its process group is killed; in-process work is abandoned). */
static eng_run *run_find(int64_t run_id);
static void run_cancel(eng_run *r, bool user, const char *message);

/* Stops a unit's work now: its process group is killed, in-process work is abandoned, a
 * for_each's running iterations end as CANCELED, a run_job_task's child run is canceled.
 * The caller then ends the unit itself. */
static void unit_stop(eng_unit *u)
{
	u->stopping = true;
	if (u->leased) { /* its owner kills the process on its next heartbeat */
		weir_error e = WEIR_ERROR_INIT;
		if (weir_wf_lease_cancel(tx(), u->row.task_run_id, &e) != 0)
			weir_log_error("engine: task run %" PRId64 ": %s", u->row.task_run_id, e.message);
		weir_engine_notify(tx(), 0);
		E.lease_poll = true;
		u->leased = false;
	}
	if (u->proc) {
		weir_exec_kill(u->proc->p.pid);
		u->row.logs_truncated = u->proc->truncated;
		u->proc->unit = NULL; /* reaped later */
		u->proc = NULL;
	}
	u->inproc = false;
	for (int k = 0; k < u->niters; k++) {
		eng_unit *it = u->iters[k];
		if (it == NULL || it->st == U_DONE)
			continue;
		unit_stop(it);
		/* ended here, without the for_each's bookkeeping: the for_each itself is ending */
		int64_t now = weir_now_ms();
		it->st = U_DONE;
		it->row.life_cycle = "TERMINATED";
		it->row.result_state = "CANCELED";
		it->row.state_message = "The for_each task was stopped";
		if (it->row.start_time == 0)
			it->row.start_time = now;
		it->row.end_time = now;
		save_unit(it);
		unit_drop_token(it);
	}
	if (u->row.child_run_id) {
		eng_run *child = run_find(u->row.child_run_id);
		if (child)
			run_cancel(child, false, "The run_job_task that started this run was stopped");
	}
}

/* ---------------------------------------------------------------- dispatch */

static eng_run *run_find(int64_t run_id)
{
	int64_t v;
	return idmap_get(&E.run_index, run_id, &v) ? (eng_run *)(intptr_t)v : NULL;
}

/* A run is admitted (started) or leaves the started set (finished): the per-job counts
 * max_concurrent_runs is checked against. */
static void job_running_add(eng_run *r, int delta)
{
	if (r->row.job_id == 0)
		return;
	int64_t n = 0;
	idmap_get(&E.job_running, r->row.job_id, &n);
	n += delta;
	if (n > 0)
		idmap_put(&E.job_running, r->row.job_id, n);
	else
		idmap_del(&E.job_running, r->row.job_id);
}

static eng_run *load_run(int64_t run_id);

static void foreach_pump(eng_unit *fe);

/* Starts run_job_task's child run; -1 with msg on failure. */
static int start_run_job(eng_unit *u, json_t *body, char *msg, size_t cap)
{
	eng_run *r = u->run;
	int64_t target = json_integer_value(json_object_get(body, "job_id"));
	/* a cycle of jobs: the target is already running in this chain */
	for (eng_run *x = r; x;) {
		if (x->row.job_id == target) {
			snprintf(msg, cap,
				 "run_job_task: job %" PRId64 " is already running in this chain of runs "
				 "(a cycle of jobs)",
				 target);
			return -1;
		}
		eng_run *up = NULL;
		for (eng_run *y = E.runs; y && x->row.parent_task_run; y = y->next)
			for (int i = 0; i < y->g.n; i++)
				if (y->cur[i] && y->cur[i]->row.task_run_id == x->row.parent_task_run)
					up = y;
		x = up;
	}
	weir_error e = WEIR_ERROR_INIT;
	weir_wf_job j;
	weir_arena *a = weir_arena_new(4096);
	int rc = -1;
	if (weir_wf_job_get(E.db, a, target, &j, &e) != 1) {
		snprintf(msg, cap, "run_job_task: job %" PRId64 " does not exist", target);
		goto out;
	}
	weir_principal *pr = weir_gov_principal_load(E.db, a, r->row.run_as_id, r->workspace_id, &e);
	if (pr == NULL || weir_jobs_authorize(E.db, pr, target, WEIR_JOB_CAN_MANAGE_RUN, &e) != 0) {
		snprintf(msg, cap, "run_job_task: the run's principal may not run job %" PRId64, target);
		goto out;
	}
	weir_wf_start o = {.trigger = "RUN_JOB_TASK",
			   .creator_id = r->row.run_as_id,
			   .job_parameters = json_object_get(body, "job_parameters"),
			   .parent_task_run = u->row.task_run_id};
	int64_t child = weir_wf_run_start(tx(), a, &j, &o, &e);
	if (child < 0) {
		snprintf(msg, cap, "run_job_task: %s", e.message);
		goto out;
	}
	u->row.child_run_id = child;
	rc = 0;
out:
	weir_arena_free(a);
	if (rc == 0)
		load_run(u->row.child_run_id);
	return rc;
}

static void *executor(void *arg);

static void unit_start(eng_unit *u)
{
	eng_run *r = u->run;
	int64_t now = weir_now_ms();
	u->row.life_cycle = "RUNNING";
	u->row.start_time = now;
	u->st = U_RUNNING;
	if (u->parent == NULL && u->row.attempt == 0)
		notify_of(r, u, "jobs.on_start");
	json_t *tt = json_object_get(u->task_json, "timeout_seconds");
	u->deadline = json_is_integer(tt) && json_integer_value(tt) > 0 ? now + json_integer_value(tt) * 1000 : 0;
	weir_task_type type;
	weir_error e = WEIR_ERROR_INIT;
	if (weir_task_type_of(u->task_json, u->row.task_key, &type, &e) != 0) {
		unit_end(u, "FAILED", e.message);
		return;
	}
	/* references are resolved now, in a copy of the task's type object */
	json_t *body = json_deep_copy(json_object_get(u->task_json, weir_task_type_field(type)));
	weir_json_own(r->a, body);
	weir_ref_ctx ctx;
	ref_ctx(u, &ctx);
	if (type != WEIR_TT_FOR_EACH && weir_refs_resolve_json(r->a, body, &ctx, &e) != 0) {
		unit_end(u, "FAILED", e.message);
		return;
	}
	if (type != WEIR_TT_FOR_EACH)
		u->row.resolved = jdump_new(r, json_pack("{s:O}", weir_task_type_field(type), body));
	char msg[512] = "";
	switch (type) {
	case WEIR_TT_CONDITION: {
		bool outcome;
		const char *l = json_string_value(json_object_get(body, "left"));
		const char *rr = json_string_value(json_object_get(body, "right"));
		const char *op = json_string_value(json_object_get(body, "op"));
		if (weir_condition_eval(l ? l : "", op, rr ? rr : "", &outcome, &e) != 0) {
			unit_end(u, "FAILED", e.message);
			return;
		}
		u->row.outcome = outcome ? "true" : "false";
		unit_end(u, "SUCCESS", "");
		return;
	}
	case WEIR_TT_SPARK_PYTHON:
	case WEIR_TT_PYTHON_WHEEL:
		if (start_command(u, type, body, msg, sizeof msg) != 0)
			unit_end(u, "FAILED", msg);
		return; /* saved RUNNING once started, after the pass's commit */
	case WEIR_TT_RUN_JOB:
		if (start_run_job(u, body, msg, sizeof msg) != 0) {
			unit_end(u, "FAILED", msg);
			return;
		}
		save_unit(u);
		return;
	case WEIR_TT_FOR_EACH: {
		json_t *in = json_object_get(body, "inputs");
		const char *text = weir_refs_resolve(r->a, json_string_value(in), &ctx, &e);
		if (text == NULL) {
			unit_end(u, "FAILED", e.message);
			return;
		}
		json_t *arr = json_loads(text, JSON_DECODE_ANY, NULL);
		if (!json_is_array(arr)) {
			json_decref(arr);
			unit_end(u, "FAILED", "for_each_task.inputs must be a JSON array");
			return;
		}
		u->inputs = weir_json_own(r->a, arr);
		u->niters = (int)json_array_size(arr);
		u->iters = weir_arena_calloc(r->a, ((size_t)u->niters + 1) * sizeof *u->iters);
		u->row.resolved = jdump_new(r, json_pack("{s:{s:s}}", "for_each_task", "inputs", text));
		save_unit(u);
		foreach_pump(u);
		return;
	}
	default: break;
	}
	if (E.kinds[type] != NULL) {
		inproc_job *job = calloc(1, sizeof *job);
		if (job == NULL)
			abort();
		job->task_run_id = u->row.task_run_id;
		job->type = type;
		job->task_text = json_dumps(body, JSON_COMPACT);
		job->t = (weir_engine_task){.job_id = r->row.job_id,
					    .run_id = r->row.run_id,
					    .task_run_id = u->row.task_run_id,
					    .run_as_id = r->row.run_as_id,
					    .workspace_id = r->workspace_id};
		u->inproc = true;
		save_unit(u);
		pthread_mutex_lock(&E.mu);
		job->next = E.queue;
		E.queue = job;
		pthread_cond_signal(&E.cv);
		pthread_mutex_unlock(&E.mu);
		return;
	}
	if (type == WEIR_TT_SQL)
		snprintf(msg, sizeof msg, "sql_task needs the SQL warehouse, which this server does not have yet");
	else
		snprintf(msg, sizeof msg,
			 "%s is not supported by Weir: its runtime (Databricks compute) does not exist "
			 "here; use spark_python_task, python_wheel_task, condition_task, run_job_task or "
			 "for_each_task",
			 weir_task_type_field(type));
	unit_end(u, "FAILED", msg);
}

/* Starts for_each iterations up to `concurrency`; ends the for_each unit when all are done. */
static void foreach_pump(eng_unit *fe)
{
	eng_run *r = fe->run;
	json_t *body = json_object_get(fe->task_json, "for_each_task");
	json_t *cc = json_object_get(body, "concurrency");
	int conc = json_is_integer(cc) ? (int)json_integer_value(cc) : 1;
	while (!r->canceling && fe->next_iter < fe->niters && fe->active < conc) {
		int i = fe->next_iter++;
		eng_unit *it = unit_new(r, fe->task, fe, json_object_get(body, "task"));
		it->row.task_run_id = weir_wf_next_id();
		it->row.iteration_of = fe->row.task_run_id;
		it->row.iteration = i;
		it->row.input = jdump(r, json_array_get(fe->inputs, (size_t)i));
		fe->iters[i] = it;
		fe->active++;
		insert_unit(it);
		unit_start(it);
	}
	json_t *stats = json_pack("{s:{s:i, s:i, s:i, s:i, s:i, s:i}}", "task_run_stats", "total_iterations",
				  fe->niters, "scheduled_iterations", fe->next_iter, "active_iterations", fe->active,
				  "completed_iterations", fe->done, "succeeded_iterations", fe->ok, "failed_iterations",
				  fe->failed);
	fe->row.stats = jdump(r, stats);
	json_decref(stats);
	if (fe->st != U_RUNNING)
		return;
	if (fe->done == fe->niters || (r->canceling && fe->active == 0)) {
		char msg[128];
		snprintf(msg, sizeof msg, "%d of %d iterations failed", fe->failed, fe->niters);
		unit_end(fe,
			 fe->failed == 0 && !r->canceling ? "SUCCESS"
			 : r->canceling                   ? "CANCELED"
							  : "FAILED",
			 fe->failed ? msg : "");
	} else {
		save_unit(fe);
	}
}

/* Whether a task may run now that its dependencies are done, and if not, why. */
static void task_gate(eng_run *r, int i)
{
	eng_unit *u = r->cur[i];
	int n[4] = {0, 0, 0, 0};
	for (int d = 0; d < r->g.ndeps[i]; d++) {
		int j = r->g.deps[i][d];
		eng_unit *du = r->cur[j];
		if (du == NULL)
			continue; /* not selected (run-now `only`) */
		weir_up up = weir_result_up(du->row.result_state);
		if (strcmp(du->row.life_cycle, "INTERNAL_ERROR") == 0)
			up = WEIR_UP_FAILED;
		const char *want = r->g.dep_outcome[i][d];
		if (want && up == WEIR_UP_SUCCESS && (du->row.outcome == NULL || strcmp(du->row.outcome, want) != 0))
			up = WEIR_UP_EXCLUDED;
		n[up]++;
	}
	json_t *ri = json_object_get(r->g.tasks[i], "run_if");
	int run_if = weir_run_if_parse(json_is_string(ri) ? json_string_value(ri) : NULL);
	weir_gate gate = weir_run_if_eval(run_if < 0 ? WEIR_RUN_IF_ALL_SUCCESS : (weir_run_if)run_if,
					  n[WEIR_UP_SUCCESS], n[WEIR_UP_FAILED], n[WEIR_UP_EXCLUDED],
					  n[WEIR_UP_CANCELED]);
	if (r->canceling) {
		unit_end(u, "CANCELED", r->timed_out ? "The run timed out" : "The run was canceled");
		return;
	}
	switch (gate) {
	case WEIR_GATE_RUN:
		if (json_is_true(json_object_get(r->g.tasks[i], "disabled")))
			unit_end(u, "DISABLED", "The task is disabled");
		else
			ready_push(u);
		return;
	case WEIR_GATE_UPSTREAM_FAILED: unit_end(u, "UPSTREAM_FAILED", "An upstream task failed"); return;
	case WEIR_GATE_EXCLUDED: unit_end(u, "EXCLUDED", "The task's run_if or condition excluded it"); return;
	case WEIR_GATE_UPSTREAM_CANCELED: unit_end(u, "UPSTREAM_CANCELED", "An upstream task was canceled"); return;
	}
}

static void run_finish(eng_run *r);

/* An attempt is final: tell its dependents, its for_each, or its run. */
static void unit_finished(eng_unit *u)
{
	eng_run *r = u->run;
	if (u->parent) {
		eng_unit *fe = u->parent;
		fe->active--;
		fe->done++;
		if (weir_result_up(u->row.result_state) == WEIR_UP_SUCCESS &&
		    strcmp(u->row.life_cycle, "INTERNAL_ERROR") != 0)
			fe->ok++;
		else
			fe->failed++;
		foreach_pump(fe);
		return;
	}
	r->ndone++;
	for (int c = 0; c < r->g.nchildren[u->task]; c++) {
		int k = r->g.children[u->task][c];
		if (r->cur[k] && r->cur[k]->st == U_BLOCKED && --r->remaining[k] == 0)
			task_gate(r, k);
	}
	if (r->ndone == r->nsel)
		run_finish(r);
}

/* ---------------------------------------------------------------- runs */

static void run_free(eng_run *r)
{
	for (eng_run **pp = &E.runs; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	if (r->started && !r->finished)
		job_running_add(r, -1);
	idmap_del(&E.run_index, r->row.run_id);
	for (int i = 0; i < E.nspawn; i++)
		if (E.to_spawn[i]->run == r)
			E.to_spawn[i--] = E.to_spawn[--E.nspawn];
	weir_arena_free(r->a);
}

static eng_unit *unit_of_task_run(int64_t task_run_id)
{
	for (eng_run *r = E.runs; r; r = r->next)
		for (int i = 0; i < r->g.n; i++) {
			eng_unit *u = r->cur[i];
			if (u == NULL)
				continue;
			if (u->row.task_run_id == task_run_id)
				return u;
			for (int k = 0; k < u->niters; k++)
				if (u->iters[k] && u->iters[k]->row.task_run_id == task_run_id)
					return u->iters[k];
		}
	return NULL;
}

static void run_finish(eng_run *r)
{
	if (r->finished)
		return;
	r->finished = true;
	if (r->started)
		job_running_add(r, -1);
	int64_t now = weir_now_ms();
	const char **results = weir_arena_calloc(r->a, ((size_t)r->g.n + 1) * sizeof(char *));
	for (int i = 0; i < r->g.n; i++)
		if (r->cur[i])
			results[i] = strcmp(r->cur[i]->row.life_cycle, "INTERNAL_ERROR") == 0
					     ? "FAILED"
					     : r->cur[i]->row.result_state;
	const char *result = r->timed_out ? "TIMEDOUT" : r->canceling ? "CANCELED" : weir_dag_result(&r->g, results);
	r->row.life_cycle = "TERMINATED";
	r->row.result_state = result;
	if (!r->canceling)
		r->row.state_message = strcmp(result, "SUCCESS") == 0 ? "" : "One or more tasks failed";
	r->row.end_time = now;
	if (r->row.start_time == 0)
		r->row.start_time = now;
	save_run(r);
	if (r->repair_id) {
		weir_error e = WEIR_ERROR_INIT;
		weir_wf_repair_save(tx(), r->repair_id, true, now, "TERMINATED", result, &e);
	}
	notify(r, strcmp(result, "SUCCESS") == 0 || strcmp(result, "SUCCESS_WITH_FAILURES") == 0 ? "jobs.on_success"
												 : "jobs.on_failure");
	/* a run_job_task waits for this run */
	if (r->row.parent_task_run) {
		eng_unit *pu = unit_of_task_run(r->row.parent_task_run);
		if (pu && pu->st == U_RUNNING && !pu->stopping) {
			bool ok = strcmp(result, "SUCCESS") == 0 || strcmp(result, "SUCCESS_WITH_FAILURES") == 0;
			char msg[200];
			snprintf(msg, sizeof msg, "The run of job %" PRId64 " ended with %s", r->row.job_id, result);
			unit_end(pu,
				 ok                                ? "SUCCESS"
				 : strcmp(result, "CANCELED") == 0 ? "CANCELED"
								   : "FAILED",
				 ok ? "" : msg);
		}
	}
}

/* Counts the admitted (started, unfinished) runs of a job. */
static int running_of_job(int64_t job_id)
{
	int64_t n = 0;
	idmap_get(&E.job_running, job_id, &n);
	return (int)n;
}

/* A new or queued run: start it, queue it, or skip it (max_concurrent_runs). */
static void run_admit(eng_run *r)
{
	int64_t now = weir_now_ms();
	if (r->row.job_id && r->row.parent_task_run == 0 && r->repair_id == 0) {
		json_t *mc = json_object_get(r->settings, "max_concurrent_runs");
		int64_t max = json_is_integer(mc) ? json_integer_value(mc) : 1;
		if (running_of_job(r->row.job_id) >= max || max == 0) {
			bool queue = json_is_true(json_object_get(json_object_get(r->settings, "queue"), "enabled"));
			if (queue && max > 0) {
				if (strcmp(r->row.life_cycle, "QUEUED") != 0) {
					r->row.life_cycle = "QUEUED";
					r->row.queue_reason = weir_arena_printf(
						r->a, "Queued due to reaching maximum concurrent runs of %" PRId64 ".",
						max);
					save_run(r);
				}
				return;
			}
			r->row.life_cycle = "SKIPPED";
			r->row.result_state = "MAXIMUM_CONCURRENT_RUNS_REACHED";
			r->row.state_message = weir_arena_printf(r->a,
								 "Skipping this run because the limit of %" PRId64
								 " maximum concurrent runs has been "
								 "reached.",
								 max);
			r->row.start_time = now;
			r->row.end_time = now;
			r->finished = true;
			save_run(r);
			return;
		}
	}
	if (strcmp(r->row.life_cycle, "QUEUED") == 0)
		r->row.queue_duration = now - r->row.created_time;
	r->row.life_cycle = "RUNNING";
	r->row.queue_reason = NULL;
	if (r->repair_id == 0 || r->row.start_time == 0)
		r->row.start_time = now;
	r->started = true;
	job_running_add(r, 1);
	json_t *to = json_object_get(r->settings, "timeout_seconds");
	r->deadline = json_is_integer(to) && json_integer_value(to) > 0 ? now + json_integer_value(to) * 1000 : 0;
	save_run(r);
	if (r->repair_id == 0)
		notify(r, "jobs.on_start");
	/* task runs for the selected tasks that have none yet */
	for (int i = 0; i < r->g.n; i++) {
		eng_unit *u = r->cur[i];
		if (u == NULL || u->row.task_run_id != 0)
			continue;
		u->row.task_run_id = weir_wf_next_id();
		insert_unit(u);
	}
	if (r->nsel == 0) {
		run_finish(r);
		return;
	}
	for (int i = 0; i < r->g.n; i++)
		if (r->cur[i] && r->cur[i]->st == U_BLOCKED && r->remaining[i] == 0)
			task_gate(r, i);
}

static void run_cancel(eng_run *r, bool user, const char *message)
{
	if (r->finished)
		return;
	r->canceling = true;
	r->row.user_cancelled = user;
	r->row.state_message = adup(r, message);
	r->row.cancel_requested = false;
	if (!r->started) {
		r->row.life_cycle = "TERMINATED";
		r->row.result_state = "CANCELED";
		r->row.end_time = weir_now_ms();
		r->finished = true;
		save_run(r);
		if (r->row.parent_task_run) {
			eng_unit *pu = unit_of_task_run(r->row.parent_task_run);
			if (pu && pu->st == U_RUNNING && !pu->stopping)
				unit_end(pu, "CANCELED", "The child run was canceled");
		}
		return;
	}
	for (int i = 0; i < r->g.n; i++) {
		eng_unit *u = r->cur[i];
		if (u == NULL || u->st == U_DONE)
			continue;
		for (int k = 0; k < u->niters; k++) {
			eng_unit *it = u->iters[k];
			if (it && (it->st == U_RUNNING || it->st == U_WAITING)) {
				unit_stop(it);
				if (it->row.child_run_id) {
					eng_run *child = run_find(it->row.child_run_id);
					if (child)
						run_cancel(child, user, message);
				}
				if (it->st != U_DONE)
					unit_end(it, "CANCELED", message);
			}
		}
		if (u->st == U_DONE)
			continue;
		unit_stop(u);
		if (u->row.child_run_id) {
			eng_run *child = run_find(u->row.child_run_id);
			if (child)
				run_cancel(child, user, message);
		}
		if (u->st != U_DONE)
			unit_end(u, r->timed_out && u->st == U_RUNNING ? "TIMEDOUT" : "CANCELED", message);
	}
	if (!r->finished && r->ndone == r->nsel)
		run_finish(r);
}

/* Loads an active run from the database into memory (new, queued, repaired, or found at
 * start after a crash). */
static eng_run *load_run(int64_t run_id)
{
	eng_run *have = run_find(run_id);
	if (have)
		return have;
	weir_arena *a = weir_arena_new(16384);
	eng_run *r = weir_arena_calloc(a, sizeof *r);
	r->a = a;
	weir_error e = WEIR_ERROR_INIT;
	if (weir_wf_run_get(E.db, a, run_id, &r->row, &e) != 1) {
		weir_arena_free(a);
		return NULL;
	}
	r->workspace_id = 1;
	r->settings = weir_json_own(a, json_loads(r->row.settings, 0, NULL));
	if (r->settings == NULL || weir_dag_build(a, json_object_get(r->settings, "tasks"), "tasks", &r->g, &e) != 0) {
		r->row.life_cycle = "INTERNAL_ERROR";
		r->row.state_message = "The run's settings are unreadable";
		r->row.end_time = weir_now_ms();
		save_run(r);
		weir_arena_free(a);
		return NULL;
	}
	int n = r->g.n;
	r->sel = weir_arena_calloc(a, (size_t)n + 1);
	r->cur = weir_arena_calloc(a, ((size_t)n + 1) * sizeof *r->cur);
	r->remaining = weir_arena_calloc(a, ((size_t)n + 1) * sizeof(int));
	json_t *only = r->row.only_tasks ? weir_json_own(a, json_loads(r->row.only_tasks, 0, NULL)) : NULL;
	weir_dag_select_only(&r->g, only, r->sel, &e);
	r->params = weir_json_own(a, json_object());
	json_t *plist = weir_json_own(a, r->row.job_parameters ? json_loads(r->row.job_parameters, 0, NULL) : NULL);
	size_t pi;
	json_t *pv;
	json_array_foreach (plist, pi, pv)
		json_object_set(r->params, json_string_value(json_object_get(pv, "name")),
				json_object_get(pv, "value"));
	r->next = E.runs;
	E.runs = r;
	idmap_put(&E.run_index, run_id, (int64_t)(intptr_t)r);

	/* what exists already: the latest attempt of each task (iterations aside) */
	int nt;
	weir_wf_task_run *rows = weir_wf_tasks_of_run(E.db, a, run_id, &nt, &e);
	eng_unit **latest = weir_arena_calloc(a, ((size_t)n + 1) * sizeof *latest);
	for (int t = 0; t < nt; t++) {
		if (rows[t].iteration_of) {
			/* an iteration a crash interrupted: its for_each is ended below and retried whole */
			const char *lc = rows[t].life_cycle;
			if (strcmp(lc, "TERMINATED") != 0 && strcmp(lc, "SKIPPED") != 0 &&
			    strcmp(lc, "INTERNAL_ERROR") != 0) {
				rows[t].life_cycle = "INTERNAL_ERROR";
				rows[t].result_state = "FAILED";
				rows[t].state_message = "server restarted";
				rows[t].end_time = weir_now_ms();
				if (weir_wf_task_save(tx(), &rows[t], &e) != 0 ||
				    (E.shared && weir_wf_lease_cancel(tx(), rows[t].task_run_id, &e) != 0))
					weir_log_error("engine: task run %" PRId64 ": %s", rows[t].task_run_id,
						       e.message);
			}
			continue;
		}
		int i = weir_dag_find(&r->g, rows[t].task_key);
		if (i < 0)
			continue;
		/* rows come in creation order: the last one of a task is its latest attempt */
		eng_unit *u = weir_arena_calloc(a, sizeof *u);
		u->run = r;
		u->task = i;
		u->task_json = json_deep_copy(r->g.tasks[i]);
		weir_json_own(a, u->task_json);
		u->row = rows[t];
		if (rows[t].task_values)
			u->values = weir_json_own(a, json_loads(rows[t].task_values, 0, NULL));
		latest[i] = u;
	}

	/* a repair not applied yet: the tasks it re-runs get new attempts */
	json_t *reps = weir_json_own(a, weir_wf_repairs_of_run(E.db, run_id, &e));
	json_t *pending = NULL;
	size_t ri;
	json_t *rep;
	json_array_foreach (reps, ri, rep)
		if (!json_is_true(json_object_get(rep, "applied")) &&
		    json_integer_value(json_object_get(rep, "applied")) == 0)
			pending = rep;
	bool *rerun = weir_arena_calloc(a, (size_t)n + 1);
	bool *interrupted = weir_arena_calloc(a, (size_t)n + 1);
	if (pending) {
		r->repair_id = json_integer_value(json_object_get(pending, "repair_id"));
		json_t *req = json_object_get(pending, "request");
		json_t *keys = json_object_get(req, "rerun_tasks");
		if (json_is_array(keys)) {
			size_t k;
			json_t *kv;
			json_array_foreach (keys, k, kv) {
				int i = weir_dag_find(&r->g, json_string_value(kv));
				if (i >= 0)
					rerun[i] = true;
			}
		} else {
			for (int i = 0; i < n; i++)
				if (latest[i] && (weir_result_up(latest[i]->row.result_state) == WEIR_UP_FAILED ||
						  weir_result_up(latest[i]->row.result_state) == WEIR_UP_CANCELED ||
						  strcmp(latest[i]->row.life_cycle, "INTERNAL_ERROR") == 0))
					rerun[i] = true;
		}
		if (json_is_true(json_object_get(req, "rerun_dependent_tasks")))
			weir_dag_mark_downstream(&r->g, rerun);
		weir_wf_repair_save(tx(), r->repair_id, true, 0, "RUNNING", NULL, &e);
		r->started = false;
	} else if (r->row.latest_repair_id) {
		r->repair_id = r->row.latest_repair_id; /* a repair interrupted by a restart */
	}

	for (int i = 0; i < n; i++) {
		eng_unit *u = latest[i];
		if (rerun[i] || (u == NULL && (pending ? rerun[i] : r->sel[i]))) {
			int attempt = u ? u->row.attempt + 1 : 0;
			u = unit_new(r, i, NULL, weir_json_own(a, json_deep_copy(r->g.tasks[i])));
			u->row.attempt = attempt;
			u->row.repair_id = r->repair_id;
			if (strcmp(r->row.life_cycle, "PENDING") != 0 && strcmp(r->row.life_cycle, "QUEUED") != 0) {
				u->row.task_run_id = weir_wf_next_id();
				insert_unit(u);
			}
		} else if (u == NULL) {
			continue;
		}
		r->cur[i] = u;
		r->nsel++;
		const char *lc = u->row.life_cycle;
		if (strcmp(lc, "TERMINATED") == 0 || strcmp(lc, "SKIPPED") == 0 || strcmp(lc, "INTERNAL_ERROR") == 0) {
			u->st = U_DONE;
			r->ndone++;
		} else if (strcmp(lc, "WAITING_FOR_RETRY") == 0) {
			u->st = U_WAITING;
		} else if (strcmp(lc, "RUNNING") == 0 || strcmp(lc, "PENDING") == 0) {
			/* interrupted: ended below, once the run is whole (a child run it started goes on
			 * and is waited for) */
			u->st = U_RUNNING;
			/* a leased one runs on a replica (maybe a dead one: its lease expires) */
			if (u->row.child_run_id == 0 && E.shared &&
			    weir_wf_lease_exists(E.db, u->row.task_run_id, &e) == 1) {
				u->leased = true;
				json_t *tt = json_object_get(u->task_json, "timeout_seconds");
				if (json_integer_value(tt) > 0)
					u->deadline = u->row.start_time + json_integer_value(tt) * 1000;
			} else if (u->row.child_run_id == 0) {
				interrupted[i] = true;
			}
		} else {
			u->st = U_BLOCKED;
		}
	}
	/* remaining dependencies of the blocked tasks */
	for (int i = 0; i < n; i++) {
		if (r->cur[i] == NULL || r->cur[i]->st != U_BLOCKED)
			continue;
		for (int d = 0; d < r->g.ndeps[i]; d++) {
			eng_unit *du = r->cur[r->g.deps[i][d]];
			if (du && du->st != U_DONE)
				r->remaining[i]++;
		}
	}
	const char *lc = r->row.life_cycle;
	if (strcmp(lc, "RUNNING") == 0 || strcmp(lc, "TERMINATING") == 0) {
		r->started = true;
		job_running_add(r, 1);
		json_t *to = json_object_get(r->settings, "timeout_seconds");
		r->deadline = json_is_integer(to) && json_integer_value(to) > 0
				      ? r->row.start_time + json_integer_value(to) * 1000
				      : 0;
		/* attempts a crash interrupted end now, as any failure does: retried if retries
		 * remain, else their dependents see a failed task */
		for (int i = 0; i < n; i++)
			if (interrupted[i] && r->cur[i] && r->cur[i]->st == U_RUNNING)
				unit_end(r->cur[i], "INTERNAL_ERROR", "server restarted");
		/* children of run_job tasks that ended while we were down */
		for (int i = 0; i < n; i++) {
			eng_unit *u = r->cur[i];
			if (u && u->st == U_RUNNING && u->row.child_run_id) {
				weir_wf_run child;
				if (weir_wf_run_get(E.db, a, u->row.child_run_id, &child, &e) == 1 &&
				    strcmp(child.life_cycle, "TERMINATED") == 0) {
					bool ok = child.result_state &&
						  (strcmp(child.result_state, "SUCCESS") == 0 ||
						   strcmp(child.result_state, "SUCCESS_WITH_FAILURES") == 0);
					unit_end(u, ok ? "SUCCESS" : "FAILED", ok ? "" : "The child run failed");
				}
			}
		}
		for (int i = 0; i < n; i++)
			if (r->cur[i] && r->cur[i]->st == U_BLOCKED && r->remaining[i] == 0)
				task_gate(r, i);
		if (r->ndone == r->nsel && !r->finished)
			run_finish(r);
	}
	if (r->row.cancel_requested)
		run_cancel(r, true, "The run was canceled");
	return r;
}

/* ---------------------------------------------------------------- schedules */

static void watch_free(model_watch *w)
{
	if (w == NULL)
		return;
	free(w->securable_name);
	free(w->condition);
	json_decref(w->aliases);
	json_decref(w->alias_map);
	free(w);
}

static void table_watch_free(table_watch *w)
{
	if (w == NULL)
		return;
	json_decref(w->names);
	free(w->last);
	free(w->updated);
	free(w);
}

/* Looks at the tables' last writes, as the run_as principal sees the tables: a write since
 * the last look sets pending (ANY_UPDATED), or marks the table and sets pending once every
 * table was written since the last fire (ALL_UPDATED). */
static void table_poll(sched *x, int64_t now)
{
	table_watch *w = x->tw;
	weir_arena *a = weir_arena_new(2048);
	weir_error e = WEIR_ERROR_INIT;
	weir_principal *p = weir_gov_principal_load(E.db, a, x->run_as_id, 1, &e);
	for (int i = 0; p && i < w->n; i++) {
		weir_securable sec;
		int64_t at = 0;
		if (weir_gov_resolve(E.db, a, p, WEIR_SEC_TABLE, json_string_value(json_array_get(w->names, (size_t)i)),
				     &sec, &e) != 0 ||
		    weir_wh_table_last_write(E.db, sec.id, &at) != 0)
			continue; /* a table the principal no longer sees is never "updated" */
		if (w->have_base && at > w->last[i]) {
			w->updated[i] = true;
			w->g.last_change = now;
			if (!w->all)
				w->g.pending = true;
		}
		w->last[i] = at;
	}
	if (p && w->have_base && w->all) {
		bool every = true;
		for (int i = 0; i < w->n; i++)
			every = every && w->updated[i];
		if (every)
			w->g.pending = true;
	}
	if (p)
		w->have_base = true;
	weir_arena_free(a);
}

static void file_watch_free(file_watch *w)
{
	if (w == NULL)
		return;
	free(w->url);
	free(w);
}

/* Counts the regular files below dir (symlinks are not followed; at most 10,000 entries and
 * 8 levels: a trigger's directory, not a data lake) and their newest modification time. */
static void scan_dir(int dfd, int depth, int64_t *count, int64_t *newest, int *budget)
{
	DIR *d = fdopendir(dfd);
	if (d == NULL) {
		close(dfd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL && (*budget)-- > 0) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		struct stat sb;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISREG(sb.st_mode)) {
			(*count)++;
			int64_t m = (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
			if (m > *newest)
				*newest = m;
		} else if (S_ISDIR(sb.st_mode) && depth < 8) {
			int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				scan_dir(sub, depth + 1, count, newest, budget);
		}
	}
	closedir(d);
}

/* Looks at the directory as the run_as principal may (READ VOLUME): a new file, or a newer
 * one, since the last look sets pending. */
static void file_poll(sched *x, int64_t now)
{
	file_watch *w = x->fw;
	weir_arena *a = weir_arena_new(2048);
	weir_error e = WEIR_ERROR_INIT;
	weir_principal *p = weir_gov_principal_load(E.db, a, x->run_as_id, 1, &e);
	const char *dir;
	if (p != NULL && weir_files_volume_dir(E.db, a, p, w->url, false, &dir, &e) == 0) {
		int64_t count = 0, newest = 0;
		int budget = 10000;
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			scan_dir(fd, 0, &count, &newest, &budget);
		if (w->have_base && (count > w->count || newest > w->newest)) {
			w->g.pending = true;
			w->g.last_change = now;
		}
		w->count = count;
		w->newest = newest;
		w->have_base = true;
	}
	weir_arena_free(a);
}

static void sched_clear(void)
{
	for (int i = 0; i < E.nsch; i++) {
		weir_cron_free(E.sch[i].cron);
		watch_free(E.sch[i].mw);
		table_watch_free(E.sch[i].tw);
		file_watch_free(E.sch[i].fw);
	}
	E.nsch = 0;
}

/* The model's current state into w's base (first look) or compared with it: a change the
 * trigger's condition cares about sets pending. */
static void watch_poll(sched *x, int64_t now)
{
	model_watch *w = x->mw;
	weir_arena *a = weir_arena_new(2048);
	weir_error e = WEIR_ERROR_INIT;
	/* the model as the run_as principal sees it: a trigger never watches what it may not */
	weir_principal *p = weir_gov_principal_load(E.db, a, x->run_as_id, 1, &e);
	weir_securable sec;
	int64_t maxv = 0, maxr = 0;
	const char *aliases = NULL;
	if (p == NULL || weir_gov_resolve(E.db, a, p, WEIR_SEC_MODEL, w->securable_name, &sec, &e) != 0 ||
	    weir_registry_model_activity(E.db, a, sec.id, &maxv, &maxr, &aliases, &e) != 1) {
		weir_arena_free(a);
		return;
	}
	json_t *amap = aliases ? json_loads(aliases, 0, NULL) : NULL;
	if (amap == NULL)
		amap = json_object();
	if (!w->have_base) {
		w->have_base = true;
	} else {
		bool changed = false;
		if (strcmp(w->condition, "MODEL_CREATED") == 0)
			changed = maxv > w->max_version;
		else if (strcmp(w->condition, "MODEL_VERSION_READY") == 0)
			changed = maxr > w->max_ready;
		else {
			const char *k;
			json_t *v;
			json_object_foreach (amap, k, v) {
				bool watched = json_array_size(w->aliases) == 0;
				for (size_t i = 0; !watched && i < json_array_size(w->aliases); i++)
					watched = strcmp(json_string_value(json_array_get(w->aliases, i)), k) == 0;
				if (watched && !json_equal(v, json_object_get(w->alias_map, k)))
					changed = true;
			}
		}
		if (changed) {
			w->g.pending = true;
			w->g.last_change = now;
		}
	}
	w->max_version = maxv;
	w->max_ready = maxr;
	json_decref(w->alias_map);
	w->alias_map = amap;
	weir_arena_free(a);
}

static void sched_push(const sched *x)
{
	if (E.nsch == E.capsch) {
		E.capsch = E.capsch ? E.capsch * 2 : 64;
		E.sch = realloc(E.sch, (size_t)E.capsch * sizeof *E.sch);
		if (E.sch == NULL)
			abort();
	}
	E.sch[E.nsch++] = *x;
}

/* A cron tick late by less than this fires as it was (a busy engine, the engine's role
 * moving to another replica: each tick fires once); later ones (downtime) fire once, now. */
#define WEIR_CRON_MISFIRE_MS 10000

/* The cron's next fire time after `tick`, given the time now. */
static int64_t cron_after(const weir_cron *c, int64_t tick, int64_t now)
{
	int64_t next = weir_cron_next(c, tick);
	return next >= 0 && next < now - WEIR_CRON_MISFIRE_MS ? now : next;
}

/* Reads the schedules again: of every job (only NULL), or of the jobs in only[] (a job
 * changed: the others' entries are kept as they are, so one change among 10,000 scheduled
 * jobs reads one job). */
static void sched_load(const int64_t *only, int nonly)
{
	/* model watches carry over a reload (their base is what they saw, not what is now) */
	sched *old = E.sch;
	int nold = E.nsch;
	E.sch = NULL;
	E.nsch = E.capsch = 0;
	weir_error e = WEIR_ERROR_INIT;
	json_t *rows;
	if (only == NULL) {
		rows = weir_wf_jobs_scheduled(E.db, &e);
	} else {
		rows = json_array();
		weir_arena *ja = weir_arena_new(4096);
		for (int k = 0; k < nonly; k++) {
			weir_wf_job j;
			if (weir_wf_job_get(E.db, ja, only[k], &j, &e) == 1)
				json_array_append_new(rows, json_pack("[IsI]", (json_int_t)only[k], j.settings,
								      (json_int_t)j.run_as_id));
		}
		weir_arena_free(ja);
		/* the other jobs' entries move over unchanged */
		for (int k = 0; k < nold; k++) {
			bool changed = false;
			for (int c = 0; c < nonly && !changed; c++)
				changed = old[k].job_id == only[c];
			if (changed)
				continue;
			sched_push(&old[k]);
			old[k].cron = NULL;
			old[k].mw = NULL;
			old[k].tw = NULL;
			old[k].fw = NULL;
		}
	}
	size_t i;
	json_t *row;
	int64_t now = weir_now_ms();
	json_array_foreach (rows, i, row) {
		int64_t job_id = json_integer_value(json_array_get(row, 0));
		json_t *s = json_loads(json_string_value(json_array_get(row, 1)), 0, NULL);
		if (s == NULL)
			continue;
		sched x = {.job_id = job_id, .run_as_id = json_integer_value(json_array_get(row, 2))};
		json_t *sc = json_object_get(s, "schedule"), *tr = json_object_get(s, "trigger"),
		       *co = json_object_get(s, "continuous");
		if (sc == NULL && tr == NULL && co == NULL) {
			json_decref(s); /* a changed job that no longer has a schedule */
			continue;
		}
		json_t *holder = sc ? sc : tr ? tr : co;
		x.paused = json_is_string(json_object_get(holder, "pause_status")) &&
			   strcmp(json_string_value(json_object_get(holder, "pause_status")), "PAUSED") == 0;
		int64_t last = 0;
		bool have_last = weir_wf_schedule_last(E.db, job_id, &last) == 1;
		if (sc) {
			x.kind = 0;
			if (weir_cron_parse(json_string_value(json_object_get(sc, "quartz_cron_expression")),
					    json_string_value(json_object_get(sc, "timezone_id")), &x.cron, &e) != 0) {
				json_decref(s);
				continue;
			}
			x.next_fire = have_last ? cron_after(x.cron, last, now) : weir_cron_next(x.cron, now);
		} else if (tr && json_is_object(json_object_get(tr, "model"))) {
			json_t *m = json_object_get(tr, "model");
			x.kind = 3;
			model_watch *w = calloc(1, sizeof *w);
			if (w == NULL)
				abort();
			w->securable_name = strdup(json_string_value(json_object_get(m, "securable_name")));
			w->condition = strdup(json_string_value(json_object_get(m, "condition")));
			w->aliases = json_incref(json_object_get(m, "aliases"));
			gate_init(&w->g, m);
			for (int k = 0; k < nold; k++) {
				model_watch *ow = old[k].mw;
				if (old[k].job_id == job_id && ow &&
				    strcmp(ow->securable_name, w->securable_name) == 0) {
					w->have_base = ow->have_base;
					w->max_version = ow->max_version;
					w->max_ready = ow->max_ready;
					w->alias_map = json_incref(ow->alias_map);
					gate_carry(&w->g, &ow->g);
				}
			}
			x.mw = w;
			x.next_fire = now;
		} else if (tr && json_is_object(json_object_get(tr, "file_arrival"))) {
			json_t *fa = json_object_get(tr, "file_arrival");
			x.kind = 5;
			file_watch *w = calloc(1, sizeof *w);
			if (w == NULL)
				abort();
			w->url = strdup(json_string_value(json_object_get(fa, "url")));
			gate_init(&w->g, fa);
			for (int k = 0; k < nold; k++) {
				file_watch *ow = old[k].fw;
				if (old[k].job_id == job_id && ow && strcmp(ow->url, w->url) == 0) {
					w->have_base = ow->have_base;
					w->count = ow->count;
					w->newest = ow->newest;
					gate_carry(&w->g, &ow->g);
				}
			}
			x.fw = w;
			x.next_fire = now;
		} else if (tr && json_is_object(json_object_get(tr, "table_update"))) {
			json_t *tu = json_object_get(tr, "table_update");
			x.kind = 4;
			table_watch *w = calloc(1, sizeof *w);
			if (w == NULL)
				abort();
			w->names = json_incref(json_object_get(tu, "table_names"));
			w->n = (int)json_array_size(w->names);
			w->last = calloc((size_t)w->n + 1, sizeof *w->last);
			w->updated = calloc((size_t)w->n + 1, sizeof *w->updated);
			if (w->last == NULL || w->updated == NULL)
				abort();
			w->all = json_is_string(json_object_get(tu, "condition")) &&
				 strcmp(json_string_value(json_object_get(tu, "condition")), "ALL_UPDATED") == 0;
			gate_init(&w->g, tu);
			for (int k = 0; k < nold; k++) {
				table_watch *ow = old[k].tw;
				if (old[k].job_id == job_id && ow && json_equal(ow->names, w->names)) {
					w->have_base = ow->have_base;
					memcpy(w->last, ow->last, (size_t)w->n * sizeof *w->last);
					memcpy(w->updated, ow->updated, (size_t)w->n * sizeof *w->updated);
					gate_carry(&w->g, &ow->g);
				}
			}
			x.tw = w;
			x.next_fire = now;
		} else if (tr) {
			json_t *per = json_object_get(tr, "periodic");
			const char *unit = json_string_value(json_object_get(per, "unit"));
			int64_t mult = strcmp(unit, "MINUTES") == 0 ? 60000
				       : strcmp(unit, "HOURS") == 0 ? 3600000
				       : strcmp(unit, "DAYS") == 0  ? 86400000
								    : 7 * 86400000LL;
			x.kind = 1;
			x.interval_ms = json_integer_value(json_object_get(per, "interval")) * mult;
			int64_t base = have_last ? last : now;
			x.next_fire = base + x.interval_ms < now ? now : base + x.interval_ms;
		} else {
			x.kind = 2;
			x.next_fire = now;
		}
		json_decref(s);
		sched_push(&x);
	}
	json_decref(rows);
	for (int k = 0; k < nold; k++) {
		weir_cron_free(old[k].cron);
		watch_free(old[k].mw);
		table_watch_free(old[k].tw);
		file_watch_free(old[k].fw);
	}
	free(old);
	E.sched_loaded = true;
}

static bool job_active(int64_t job_id)
{
	for (eng_run *r = E.runs; r; r = r->next)
		if (r->row.job_id == job_id && !r->finished && r->row.parent_task_run == 0)
			return true;
	return false;
}

/* Starts the job's run for the schedule's `tick` (now for triggers). A cron or periodic
 * tick is claimed first (under the cluster-wide write lock of the pass's transaction): a
 * tick another replica's engine already fired (the role moved, two replicas believed they
 * held it) is not fired again, and job_runs_tick refuses a second run of one tick. */
static void sched_fire(sched *x, int64_t tick)
{
	weir_arena *a = weir_arena_new(4096);
	weir_error e = WEIR_ERROR_INIT;
	weir_wf_job j;
	int claimed = weir_wf_schedule_claim(tx(), x->job_id, tick, &e);
	if (claimed == 0)
		weir_log_info("engine: job %" PRId64 ": tick %" PRId64 " was fired already", x->job_id, tick);
	if (claimed == 1 && weir_wf_job_get(E.db, a, x->job_id, &j, &e) == 1) {
		weir_wf_start o = {.trigger = x->kind == 2   ? "CONTINUOUS"
					      : x->kind == 3 ? "MODEL"
					      : x->kind == 4 ? "TABLE"
					      : x->kind == 5 ? "FILE_ARRIVAL"
							     : "PERIODIC",
				   .creator_id = j.run_as_id};
		int64_t id = weir_wf_run_start(tx(), a, &j, &o, &e);
		if (id > 0 && x->kind <= 1 && weir_wf_run_set_tick(tx(), id, tick, &e) != 0)
			weir_log_error("engine: job %" PRId64 ": %s", x->job_id, e.message);
		if (id > 0) {
			weir_audit_event ev = {.event_time = weir_now_ms(),
					       .principal_name = "weir-scheduler",
					       .workspace_id = 1,
					       .service_name = "jobs",
					       .action_name = x->kind == 2   ? "continuousRunStart"
							      : x->kind >= 3 ? "triggeredRunStart"
									     : "scheduledRunStart",
					       .request_id = "",
					       .status_code = 200,
					       .securable = weir_arena_printf(a, "/jobs/%" PRId64, x->job_id)};
			weir_gov_audit(tx(), &ev, &e);
			load_run(id);
		} else {
			weir_log_warn("engine: job %" PRId64 ": scheduled run not started: %s", x->job_id, e.message);
		}
	}
	weir_arena_free(a);
}

/* Fires what is due; returns the earliest next fire time (or INT64_MAX). */
static int64_t sched_tick(int64_t now)
{
	int64_t earliest = INT64_MAX;
	for (int i = 0; i < E.nsch; i++) {
		sched *x = &E.sch[i];
		if (x->paused)
			continue;
		if (x->kind == 5) {
			file_watch *w = x->fw;
			if (x->next_fire <= now) {
				file_poll(x, now);
				x->next_fire = now + 1000; /* directories are looked at once a second */
			}
			if (gate_due(&w->g, now)) {
				sched_fire(x, now);
			}
			if (x->next_fire < earliest)
				earliest = x->next_fire;
			continue;
		}
		if (x->kind == 4) {
			table_watch *w = x->tw;
			if (x->next_fire <= now) {
				table_poll(x, now);
				x->next_fire = now + 1000; /* tables are looked at once a second */
			}
			if (gate_due(&w->g, now)) {
				sched_fire(x, now);
				memset(w->updated, 0, (size_t)w->n * sizeof *w->updated);
			}
			if (x->next_fire < earliest)
				earliest = x->next_fire;
			continue;
		}
		if (x->kind == 3) {
			model_watch *w = x->mw;
			if (x->next_fire <= now) {
				watch_poll(x, now);
				x->next_fire = now + 1000; /* models are looked at once a second */
			}
			if (gate_due(&w->g, now)) {
				sched_fire(x, now);
			}
			int64_t due = x->next_fire;
			if (w->g.pending) {
				int64_t t = w->g.last_change + w->g.wait_after_ms;
				if (w->g.last_fired && w->g.last_fired + w->g.min_between_ms > t)
					t = w->g.last_fired + w->g.min_between_ms;
				if (t < due)
					due = t;
			}
			if (due < earliest)
				earliest = due;
			continue;
		}
		if (x->kind == 2) {
			if (!job_active(x->job_id) && x->next_fire <= now) {
				sched_fire(x, now);
				x->next_fire = now + 1000; /* at most one start a second */
			}
			if (!job_active(x->job_id) && x->next_fire < earliest)
				earliest = x->next_fire;
			continue;
		}
		if (x->next_fire >= 0 && x->next_fire <= now) {
			int64_t tick = x->next_fire;
			sched_fire(x, tick);
			x->next_fire = x->kind == 0 ? cron_after(x->cron, tick, now) : now + x->interval_ms;
		}
		if (x->next_fire >= 0 && x->next_fire < earliest)
			earliest = x->next_fire;
	}
	return earliest;
}

/* ---------------------------------------------------------------- the executor pool */

static void *executor(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&E.mu);
	while (!atomic_load(&E.stop)) {
		inproc_job *job = E.queue;
		if (job == NULL) {
			pthread_cond_wait(&E.cv, &E.mu);
			continue;
		}
		E.queue = job->next;
		pthread_mutex_unlock(&E.mu);
		json_t *task = json_loads(job->task_text, 0, NULL);
		job->t.task = task;
		if (E.kinds[job->type](E.pool, &job->t, &job->res) != 0 && job->res.message[0] == '\0')
			snprintf(job->res.message, sizeof job->res.message, "The task failed");
		json_decref(task);
		job->t.task = NULL;
		pthread_mutex_lock(&E.mu);
		job->next = E.done;
		E.done = job;
		pthread_mutex_unlock(&E.mu);
		weir_engine_wake();
		pthread_mutex_lock(&E.mu);
	}
	pthread_mutex_unlock(&E.mu);
	return NULL;
}

static void inproc_collect(void)
{
	pthread_mutex_lock(&E.mu);
	inproc_job *done = E.done;
	E.done = NULL;
	pthread_mutex_unlock(&E.mu);
	while (done) {
		inproc_job *j = done;
		done = j->next;
		eng_unit *u = unit_of_task_run(j->task_run_id);
		if (u && u->inproc && u->st == U_RUNNING) {
			u->inproc = false;
			if (j->res.values) {
				u->values = weir_json_own(u->run->a, j->res.values);
				j->res.values = NULL;
			}
			unit_end(u, j->res.ok ? "SUCCESS" : "FAILED", j->res.message);
		}
		json_decref(j->res.values);
		json_decref(j->res.output);
		free(j->task_text);
		free(j);
	}
}

/* ---------------------------------------------------------------- leases
 *
 * With a store several replicas share (PostgreSQL), command tasks run on any replica. The
 * leader's pass does not start a ready command task's process: it offers it (a READY row in
 * task_leases, in the pass's transaction, with the argv and environment it built) and the
 * task run is RUNNING. Every replica, the leader too, runs a lease worker on its scheduler
 * thread (scheduler(), lease_work): it claims ready rows (FOR UPDATE SKIP LOCKED, up to its
 * free slots, --task-slots), gives each a run_as token of its own (the task calls this
 * replica), starts the processes with the same code as the leader's (weir_exec_spawn, the
 * eng_proc output and exit handling, proc_outcome), moves expires_at forward every
 * LEASE_BEAT_MS, and writes the outcome to the row (DONE), with a NOTIFY that wakes the
 * leader. The leader's pass (lease_collect) ends the task runs of DONE rows as it ends local
 * ones (unit_end: retries per policy) and those whose lease expired (LEASE_MS without a
 * heartbeat: the replica died or lost the store) as INTERNAL_ERROR "replica lost". To stop
 * one (cancel, timeout) the leader marks its row CANCELED (unit_stop); its owner sees it at
 * its next heartbeat, kills the process group and deletes the row. A replica whose
 * heartbeats fail for LEASE_MS kills its processes (the leader has given them up). The
 * leader keeps DAG progression, admission (queues, max_concurrent_runs), timeouts, cron and
 * in-process kinds (sql_task, which the PostgreSQL store refuses) to itself. */
#define LEASE_BEAT_MS 2000
#define LEASE_MS (3 * LEASE_BEAT_MS)
#define LEASE_POLL_MS 1000 /* a claim without a notification (one lost with a connection) */

static json_t *str_array(char **v)
{
	json_t *a = json_array();
	for (int i = 0; v[i]; i++)
		if (json_array_append_new(a, json_string(v[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* The leader offers a command task (start_command built its argv and environment, but for
 * the token, which the claiming replica makes). */
static int lease_offer(eng_unit *u, char **argv, char **envp, const char *dir, int64_t life, const char *comment,
		       char *msg, size_t cap)
{
	eng_run *r = u->run;
	json_t *spec = json_pack("{s:o?, s:o?, s:s, s:I, s:I, s:I, s:I, s:s}", "argv", str_array(argv), "env",
				 str_array(envp), "dir", dir, "run_id", (json_int_t)r->row.run_id, "run_as_id",
				 (json_int_t)r->row.run_as_id, "workspace_id", (json_int_t)r->workspace_id,
				 "token_life", (json_int_t)life, "comment", comment);
	if (spec == NULL || !json_is_array(json_object_get(spec, "argv")) ||
	    !json_is_array(json_object_get(spec, "env"))) {
		json_decref(spec);
		snprintf(msg, cap, "the task's parameters are not valid UTF-8");
		return -1;
	}
	char *text = json_dumps(spec, JSON_COMPACT);
	json_decref(spec);
	weir_error e = WEIR_ERROR_INIT;
	int rc = text ? weir_wf_lease_offer(tx(), u->row.task_run_id, text, &e) : -1;
	free(text);
	if (rc != 0) {
		snprintf(msg, cap, "cannot offer the task to the replicas: %s", e.message);
		return -1;
	}
	weir_engine_notify(tx(), 0); /* the other replicas' workers claim at once */
	u->leased = true;
	save_unit(u);
	E.lease_poll = true;
	return 0;
}

/* The leader's pass: task runs whose lease ended (DONE) or expired end now. */
static void lease_collect(void)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_arena *a = weir_arena_new(4096);
	int n = 0;
	int64_t now = weir_now_ms();
	weir_wf_lease *ls = weir_wf_leases_ended(E.db, a, now, &n, &e);
	for (int i = 0; i < n; i++) {
		weir_wf_lease *l = &ls[i];
		bool done = strcmp(l->state, "DONE") == 0;
		/* an expiry read before the write lock: a heartbeat may have come since */
		if (!done && weir_wf_lease_expire(tx(), l->task_run_id, now, &e) != 1)
			continue;
		eng_unit *u = unit_of_task_run(l->task_run_id);
		bool ours = u && u->leased && u->st == U_RUNNING;
		if (ours)
			u->leased = false;
		if (done) {
			if (ours) {
				eng_run *r = u->run;
				u->row.logs_truncated = l->logs_truncated != 0;
				u->row.error_trace = adup(r, l->error_trace);
				json_t *v = l->task_values ? json_loads(l->task_values, 0, NULL) : NULL;
				if (v) {
					json_decref(u->values);
					u->values = weir_json_own(r->a, v);
				}
				/* unit_end keeps the result's pointer: a static string, not the row's */
				unit_end(u, l->result && strcmp(l->result, "SUCCESS") == 0 ? "SUCCESS" : "FAILED",
					 l->message);
			}
		} else {
			weir_log_warn("engine: task run %" PRId64
				      ": the lease of replica %s expired without a heartbeat",
				      l->task_run_id, l->owner ? l->owner : "?");
			if (u && l->token_id) /* its owner did not end it */
				weir_gov_token_delete(tx(), l->token_id, u->run->row.run_as_id, &e);
			if (ours)
				unit_end(u, "INTERNAL_ERROR", "replica lost");
		}
		if (done && weir_wf_lease_delete(tx(), l->task_run_id, &e) != 0)
			weir_log_error("engine: task run %" PRId64 ": %s", l->task_run_id, e.message);
	}
	weir_arena_free(a);
}

static void lease_free(eng_lease *l)
{
	for (eng_lease **pp = &E.leases; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			E.nleases--;
			break;
		}
	weir_arena_free(l->a);
	free(l);
}

/* The worker writes a lease's end in a transaction of its own: the outcome (DONE), or, for one
 * the leader canceled, the row's deletion; its token goes. Then the lease is freed. */
static void lease_report(eng_lease *l, const char *result, const char *message, const char *trace, json_t *values,
			 bool truncated)
{
	if (l->token_id)
		token_map_del(l->token_id);
	if (l->fenced) { /* the leader ended it already, or will ("replica lost") */
		lease_free(l);
		return;
	}
	weir_db *db = weir_db_acquire(E.pool);
	weir_error e = WEIR_ERROR_INIT;
	char *vtext = values ? json_dumps(values, JSON_COMPACT) : NULL;
	weir_wf_lease o = {.task_run_id = l->task_run_id,
			   .result = result,
			   .message = message ? message : "",
			   .error_trace = trace,
			   .task_values = vtext,
			   .logs_truncated = truncated};
	int rc = weir_db_begin_write(db, &e);
	if (rc == 0 && l->token_id) {
		weir_error te = WEIR_ERROR_INIT;
		weir_gov_token_delete(db, l->token_id, l->run_as_id, &te);
	}
	if (rc == 0)
		rc = l->canceled ? weir_wf_lease_delete(db, l->task_run_id, &e)
				 : weir_wf_lease_done(db, E.replica, &o, &e);
	if (rc == 0) {
		weir_engine_notify(db, 0);
		rc = weir_db_commit(db, &e);
	} else {
		weir_db_rollback(db);
	}
	if (rc != 0)
		weir_log_error("engine: task run %" PRId64 ": cannot write the lease's end: %s", l->task_run_id,
			       e.message);
	weir_db_release(db);
	free(vtext);
	lease_free(l);
	weir_engine_wake(); /* this process's engine, when it leads (its own NOTIFY is skipped) */
}

/* A leased task's process exited and its output is read. */
static void lease_proc_end(eng_proc *p)
{
	eng_lease *l = p->lease;
	p->lease = NULL;
	l->proc = NULL;
	char msg[512];
	json_t *values;
	const char *trace;
	const char *result = proc_outcome(p, l->dir, l->a, msg, sizeof msg, &values, &trace);
	lease_report(l, result, msg, trace, values, p->truncated);
	json_decref(values);
}

/* Prepares a claimed lease from its spec, in the claim's transaction: its token. -1 with
 * l->failed set. */
static int lease_prepare(weir_db *db, eng_lease *l, const char *spec_text)
{
	json_t *spec = json_loads(spec_text, 0, NULL);
	json_t *argv = json_object_get(spec, "argv"), *env = json_object_get(spec, "env");
	const char *dir = json_string_value(json_object_get(spec, "dir"));
	if (!json_is_array(argv) || json_array_size(argv) == 0 || !json_is_array(env) || dir == NULL) {
		json_decref(spec);
		snprintf(l->failed, sizeof l->failed, "the task's lease is unreadable");
		return -1;
	}
	l->run_id = json_integer_value(json_object_get(spec, "run_id"));
	l->run_as_id = json_integer_value(json_object_get(spec, "run_as_id"));
	l->dir = weir_arena_strdup(l->a, dir);
	size_t na = json_array_size(argv), ne = json_array_size(env);
	l->argv = weir_arena_calloc(l->a, (na + 1) * sizeof(char *));
	l->envp = weir_arena_calloc(l->a, (ne + 3) * sizeof(char *));
	for (size_t i = 0; i < na; i++)
		l->argv[i] = weir_arena_strdup(l->a, json_string_value(json_array_get(argv, i)));
	int ec = 0;
	for (size_t i = 0; i < ne; i++)
		l->envp[ec++] = weir_arena_strdup(l->a, json_string_value(json_array_get(env, i)));
	int rc = task_token(db, l->a, l->run_as_id, json_integer_value(json_object_get(spec, "workspace_id")),
			    json_integer_value(json_object_get(spec, "token_life")),
			    json_string_value(json_object_get(spec, "comment")), l->run_id, l->envp, &ec, &l->token_id,
			    l->failed, sizeof l->failed);
	l->envp[ec] = NULL;
	json_decref(spec);
	weir_error e = WEIR_ERROR_INIT;
	if (rc == 0 && l->token_id && weir_wf_lease_set_token(db, l->task_run_id, l->token_id, &e) != 0) {
		snprintf(l->failed, sizeof l->failed, "cannot record the task's token: %s", e.message);
		rc = -1;
	}
	return rc;
}

/* Starts a prepared lease's process (after the claim committed), as spawn_pending does. */
static void lease_spawn(eng_lease *l)
{
	if (l->failed[0] != '\0') {
		lease_report(l, "FAILED", l->failed, NULL, NULL, false);
		return;
	}
	if (mkdir(l->dir, 0700) != 0 && errno != EEXIST) {
		char msg[300];
		snprintf(msg, sizeof msg, "cannot create the task's working directory: %s", strerror(errno));
		lease_report(l, "FAILED", msg, NULL, NULL, false);
		return;
	}
	weir_error e = WEIR_ERROR_INIT;
	eng_proc *p = proc_spawn(l->dir, l->argv, l->envp, &e);
	if (p == NULL) {
		lease_report(l, "FAILED", e.message, NULL, NULL, false);
		return;
	}
	p->lease = l;
	l->proc = p;
}

/* Claims ready leases up to the free slots, in one write transaction, and starts them. */
static void lease_claim(int64_t now)
{
	int room = E.slots - E.nleases;
	if (room <= 0 || !weir_engine_command_tasks_allowed())
		return;
	weir_db *db = weir_db_acquire(E.pool);
	weir_error e = WEIR_ERROR_INIT;
	if (weir_wf_lease_ready(db, &e) <= 0) { /* a read: most polls find nothing */
		weir_db_release(db);
		return;
	}
	weir_arena *a = weir_arena_new(8192);
	weir_wf_lease *rows = weir_arena_calloc(a, (size_t)room * sizeof *rows);
	eng_lease *got = NULL;
	int n = -1;
	if (weir_db_begin_write(db, &e) == 0)
		n = weir_wf_lease_claim(db, a, E.replica, now + LEASE_MS, room, rows, &e);
	for (int i = 0; i < n; i++) {
		eng_lease *l = calloc(1, sizeof *l);
		if (l == NULL)
			abort();
		l->a = weir_arena_new(4096);
		l->task_run_id = rows[i].task_run_id;
		lease_prepare(db, l, rows[i].spec);
		l->next = got;
		got = l;
	}
	if (n < 0 || weir_db_commit(db, &e) != 0) {
		weir_log_error("engine: cannot claim task runs: %s", e.message);
		weir_db_rollback(db);
		for (eng_lease *l = got, *nx; l; l = nx) { /* not ours: another replica claims them */
			nx = l->next;
			if (l->token_id)
				token_map_del(l->token_id);
			weir_arena_free(l->a);
			free(l);
		}
		got = NULL;
	}
	weir_db_release(db);
	weir_arena_free(a);
	for (eng_lease *l = got, *nx; l; l = nx) {
		nx = l->next;
		l->next = E.leases;
		E.leases = l;
		E.nleases++;
		weir_log_info("engine: task run %" PRId64 " claimed by this replica (%s)", l->task_run_id, E.replica);
		lease_spawn(l);
	}
}

static void lease_fence(eng_lease *l, const char *why)
{
	if (l->fenced)
		return;
	weir_log_warn("engine: task run %" PRId64 ": %s: its process is killed", l->task_run_id, why);
	l->fenced = true;
	if (l->proc)
		weir_exec_kill(l->proc->p.pid);
}

/* The heartbeat: this replica's leases live LEASE_MS longer. The ones the leader canceled are
 * killed (their row goes when the process is reaped); one whose row is gone was given up by
 * the leader (it expired): killed too, and reports nothing. */
static void lease_beat(int64_t now)
{
	weir_db *db = weir_db_acquire(E.pool);
	weir_error e = WEIR_ERROR_INIT;
	json_t *held = NULL;
	if (weir_db_begin_write(db, &e) == 0 && weir_wf_lease_beat(db, E.replica, now + LEASE_MS, &e) == 0 &&
	    (held = weir_wf_lease_held(db, E.replica, &e)) != NULL && weir_db_commit(db, &e) == 0) {
		E.lease_beat_ok = now;
	} else {
		weir_db_rollback(db);
		json_decref(held);
		held = NULL;
		weir_log_warn("engine: the heartbeat of this replica's task runs failed: %s", e.message);
	}
	weir_db_release(db);
	for (eng_lease *l = E.leases; l && held; l = l->next) {
		char key[24];
		snprintf(key, sizeof key, "%" PRId64, l->task_run_id);
		const char *state = json_string_value(json_object_get(held, key));
		if (state == NULL) {
			lease_fence(l, "its lease expired");
		} else if (strcmp(state, "CANCELED") == 0 && !l->canceled) {
			l->canceled = true;
			if (l->proc)
				weir_exec_kill(l->proc->p.pid);
		}
	}
	json_decref(held);
	/* no heartbeat reached the store for two beats: the leader gives them up at the third */
	if (now - E.lease_beat_ok >= LEASE_MS - LEASE_BEAT_MS)
		for (eng_lease *l = E.leases; l; l = l->next)
			lease_fence(l, "no heartbeat reached the store");
}

/* The lease worker's turn on the scheduler thread: claim, heartbeat. Returns when it wants
 * its next turn. */
static int64_t lease_work(void)
{
	int64_t now = weir_now_ms();
	bool woken = E.lease_poll; /* a notification: maybe an offer, maybe a cancel */
	if (E.lease_poll || now - E.lease_polled >= LEASE_POLL_MS) {
		int had = E.nleases;
		E.lease_poll = false;
		E.lease_polled = now;
		lease_claim(now);
		if (E.nleases > had)
			woken = false; /* an offer it took: no cancel to look for (the poll catches one) */
	}
	if (E.nleases == 0) {
		E.lease_beat = E.lease_beat_ok = now;
	} else if (woken || now - E.lease_beat >= LEASE_BEAT_MS) {
		E.lease_beat = now;
		lease_beat(now);
	}
	int64_t next = E.lease_polled + LEASE_POLL_MS;
	if (E.nleases > 0 && E.lease_beat + LEASE_BEAT_MS < next)
		next = E.lease_beat + LEASE_BEAT_MS;
	return next;
}

/* ---------------------------------------------------------------- the pass */

static void sync_from_db(void)
{
	weir_error e = WEIR_ERROR_INIT;
	/* at start every active run; after that only PENDING ones are new to the engine (every
	 * new or repaired run is PENDING until the engine admits it, in the pass that loads it) */
	json_t *ids = E.loaded_all ? weir_wf_runs_pending(E.db, &e) : weir_wf_runs_active(E.db, 0, false, &e);
	E.loaded_all = ids != NULL;
	size_t i;
	json_t *id;
	json_array_foreach (ids, i, id)
		if (run_find(json_integer_value(id)) == NULL)
			load_run(json_integer_value(id));
	json_decref(ids);
	ids = weir_wf_runs_cancel_requested(E.db, &e);
	json_array_foreach (ids, i, id) {
		eng_run *r = run_find(json_integer_value(id));
		if (r)
			run_cancel(r, true, "The run was canceled");
	}
	json_decref(ids);
	ids = weir_wf_tasks_cancel_requested(E.db, &e);
	json_array_foreach (ids, i, id) {
		eng_unit *u = unit_of_task_run(json_integer_value(id));
		if (u && u->st != U_DONE) {
			unit_stop(u);
			if (u->row.child_run_id) {
				eng_run *child = run_find(u->row.child_run_id);
				if (child)
					run_cancel(child, true, "The task was canceled");
			}
			if (u->st != U_DONE)
				unit_end(u, "CANCELED", "The task was canceled");
		}
	}
	json_decref(ids);
	/* schedules: all at start, then only the jobs that changed */
	pthread_mutex_lock(&E.mu);
	int64_t *changed = E.changed_jobs;
	int nchanged = E.nchanged;
	E.changed_jobs = NULL;
	E.nchanged = E.capchanged = 0;
	pthread_mutex_unlock(&E.mu);
	if (!E.sched_loaded)
		sched_load(NULL, 0);
	else if (nchanged > 0)
		sched_load(changed, nchanged);
	free(changed);
}

/* Timers: task timeouts, job timeouts, retries. Returns the earliest future deadline. */
static int64_t timers(int64_t now)
{
	int64_t earliest = INT64_MAX;
	for (eng_run *r = E.runs; r; r = r->next) {
		if (r->finished || !r->started)
			continue;
		if (r->deadline && r->deadline <= now && !r->canceling) {
			r->timed_out = true;
			run_cancel(r, false, "The run timed out");
			continue;
		}
		if (r->deadline && r->deadline < earliest)
			earliest = r->deadline;
		for (int i = 0; i < r->g.n; i++) {
			eng_unit *u = r->cur[i];
			if (u == NULL)
				continue;
			for (int k = -1; k < u->niters; k++) {
				eng_unit *x = k < 0 ? u : u->iters[k];
				if (x == NULL)
					continue;
				if (x->st == U_WAITING) {
					if (x->row.retry_at <= now)
						unit_start(x);
					else if (x->row.retry_at < earliest)
						earliest = x->row.retry_at;
				} else if (x->st == U_RUNNING && x->deadline) {
					if (x->deadline <= now) {
						x->timed_out = true;
						if (x->proc) {
							weir_exec_kill(x->proc->p.pid);
						} else {
							unit_stop(x);
							unit_end(x, "TIMEDOUT", "Task timed out");
						}
					} else if (x->deadline < earliest) {
						earliest = x->deadline;
					}
				}
			}
		}
	}
	return earliest;
}

static void commit_pass(void)
{
	if (E.in_tx) {
		weir_error e = WEIR_ERROR_INIT;
		if (weir_db_commit(E.db, &e) != 0) {
			weir_log_error("engine: commit failed: %s", e.message);
			E.sched_loaded = false; /* ticks it fired are not recorded: read from the store again */
		}
		E.in_tx = false;
	}
}

static int64_t pass(bool sync)
{
	E.db = weir_db_acquire(E.pool);
	E.in_tx = false;
	int64_t now = weir_now_ms();
	int64_t next = INT64_MAX;
	if (sync || !E.sched_loaded)
		sync_from_db();
	if (E.shared)
		lease_collect();
	inproc_collect();
	do {
		E.moved = false;
		now = weir_now_ms();
		int64_t t = timers(now);
		int64_t s = sched_tick(now);
		next = t < s ? t : s;
		/* admit new and queued runs, oldest first (E.runs is newest first) */
		int no = 0;
		for (eng_run *r = E.runs; r; r = r->next)
			no += !r->started && !r->finished;
		if (no > 0) {
			eng_run **order = malloc((size_t)no * sizeof *order);
			if (order == NULL)
				abort();
			int k = 0;
			for (eng_run *r = E.runs; r; r = r->next)
				if (!r->started && !r->finished)
					order[k++] = r;
			for (int i = no - 1; i >= 0; i--)
				if (!order[i]->started && !order[i]->finished && !order[i]->canceling)
					run_admit(order[i]);
			free(order);
		}
		while (E.ready) {
			eng_unit *u = E.ready;
			E.ready = u->next_ready;
			u->queued = false;
			if (u->st == U_BLOCKED)
				unit_start(u);
		}
		/* drop finished runs */
		for (eng_run *r = E.runs, *nx; r; r = nx) {
			nx = r->next;
			if (r->finished)
				run_free(r);
		}
	} while (E.moved && !atomic_load(&E.stop));
	commit_pass();
	if (E.nspawn > 0) {
		spawn_pending();
		commit_pass();
		if (E.ready)
			next = 0; /* a start that failed moved the DAG: another pass at once */
	}
	weir_db_release(E.db);
	E.db = NULL;
	return next;
}

/* With several replicas on one PostgreSQL store, one of them runs the engine: the one
 * holding WEIR_ENGINE_ROLE (weir_db_leader; with SQLite always this process). The others
 * wait and take over when it dies. Runs and job changes submitted through the others reach
 * it through the database: their transactions NOTIFY (weir_engine_notify), which wakes it at
 * once; as a fallback it re-reads new runs and cancellations every second and the schedules
 * every 5 seconds. */
#define WEIR_ENGINE_ROLE 1

/* A notification from another replica (weir_engine_notify): a job changed, or runs. */
static void on_notify(void *ctx, int64_t job_id)
{
	(void)ctx;
	E.lease_poll = true; /* a task run may have been offered */
	if (job_id > 0 && E.leading)
		weir_engine_job_changed(job_id); /* its schedule is read again in the next pass */
}

static void ignore_notify(void *ctx, int64_t job_id)
{
	(void)ctx;
	(void)job_id;
}

static char listen_mark; /* the epoll data of the store's notification socket */

/* The leader listens for other replicas' notifications on the connection that holds its role
 * (weir_db_listen): its socket wakes epoll_wait, and the pass after it reads what changed. The
 * 1-s poll stays, for a notification lost with a connection. */
static bool listen_notifications(void)
{
	int fd = weir_db_listen(E.pool, WEIR_ENGINE_CHANNEL);
	if (fd >= 0) { /* once per connection: a new one (reconnected) may reuse a closed one's number */
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listen_mark};
		if (epoll_ctl(E.ep, EPOLL_CTL_ADD, fd, &ev) != 0 && errno != EEXIST)
			weir_log_warn("engine: cannot poll the store's notifications: %s", strerror(errno));
	}
	return weir_db_notifications(E.pool, on_notify, NULL) > 0;
}

static void *scheduler(void *arg)
{
	(void)arg;
	struct epoll_event evs[64];
	bool sync = true;
	bool shared = E.shared;
	bool lead = false;
	int64_t sched_at = 0, lead_at = 0;
	while (!atomic_load(&E.stop)) {
		/* the role: kept while held; another replica's checked for once a second */
		if (!shared) {
			lead = true;
		} else if (lead || weir_now_ms() - lead_at >= 1000) {
			lead_at = weir_now_ms();
			bool was = lead;
			lead = weir_db_leader(E.pool, WEIR_ENGINE_ROLE);
			if (was && !lead) /* a role lost with its connection alive: what it hears is not ours */
				weir_db_notifications(E.pool, ignore_notify, NULL);
		}
		E.leading = lead;
		/* every replica listens: the leader for runs and jobs, all for offered task runs */
		if (shared && listen_notifications())
			sync = true;
		int64_t next = INT64_MAX;
		if (lead) {
			if (shared && weir_now_ms() - sched_at >= 5000) {
				E.sched_loaded = false;
				sched_at = weir_now_ms();
			}
			next = pass(sync || shared);
			sync = false;
		} else {
			sync = true;
			E.sched_loaded = false;
		}
		if (shared) {
			int64_t l = lease_work();
			if (l < next)
				next = l;
		}
		int64_t now = weir_now_ms();
		int64_t cap = shared ? 1000 : 60000;
		int timeout = next == INT64_MAX ? (int)cap
			      : next <= now     ? 0
						: (int)(next - now < cap ? next - now : cap);
		int n = epoll_wait(E.ep, evs, 64, timeout);
		for (int i = 0; i < n; i++) {
			void *ptr = evs[i].data.ptr;
			if (ptr == &listen_mark) {
				sync = weir_db_notifications(E.pool, on_notify, NULL) > 0 || sync;
				continue;
			}
			if (ptr == NULL) {
				uint64_t v;
				ssize_t rd = read(E.wake_fd, &v, sizeof v);
				(void)rd;
				sync = atomic_exchange(&E.woken, false) || sync;
				continue;
			}
			if ((uintptr_t)ptr & 1) {
				proc_drain((eng_proc *)((char *)ptr - 1));
				continue;
			}
			eng_proc *p = ptr;
			p->status = weir_exec_reap(&p->p);
			p->exited = true;
		}
		if (n <= 0)
			continue;
		/* exited children whose output is complete: leased ones report in transactions of
		 * their own, then the engine's own ones end in one */
		for (eng_proc *p = E.procs, *nx; p; p = nx) {
			nx = p->next;
			if (p->exited && p->lease) {
				proc_drain(p);
				proc_finish(p);
			}
		}
		E.db = weir_db_acquire(E.pool);
		E.in_tx = false;
		for (eng_proc *p = E.procs, *nx; p; p = nx) {
			nx = p->next;
			if (p->exited) {
				proc_drain(p);
				proc_finish(p);
			}
		}
		if (E.in_tx) {
			weir_error e = WEIR_ERROR_INIT;
			if (weir_db_commit(E.db, &e) != 0)
				weir_log_error("engine: commit failed: %s", e.message);
			E.in_tx = false;
		}
		weir_db_release(E.db);
		E.db = NULL;
	}
	return NULL;
}

/* ---------------------------------------------------------------- start, stop */

int weir_engine_start(weir_db_pool *pool, const weir_engine_cfg *cfg, weir_error *err)
{
	E.pool = pool;
	E.cfg = *cfg;
	E.shared = strcmp(weir_db_store_kind(), "sqlite") != 0;
	E.slots = cfg->task_slots > 0 ? cfg->task_slots : 16;
	char host[64] = "localhost";
	gethostname(host, sizeof host - 1);
	snprintf(E.replica, sizeof E.replica, "%s/%d", host, (int)getpid());
	E.lease_beat = E.lease_beat_ok = E.lease_polled = weir_now_ms();
	atomic_store(&command_tasks_allowed, cfg->allow_command_tasks);
	if (cfg->log_limit > 0)
		atomic_store(&log_limit, cfg->log_limit);
	free(E.runs_dir);
	E.runs_dir = NULL;
	if (asprintf(&E.runs_dir, "%s/runs", cfg->data_dir) < 0)
		abort();
	snprintf(log_root, sizeof log_root, "%s", E.runs_dir);
	if (mkdir(E.runs_dir, 0700) != 0 && errno != EEXIST)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot create the runs directory: %s",
				      strerror(errno));
	E.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	E.ep = epoll_create1(EPOLL_CLOEXEC);
	if (E.wake_fd < 0 || E.ep < 0)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "engine: %s", strerror(errno));
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	epoll_ctl(E.ep, EPOLL_CTL_ADD, E.wake_fd, &ev);
	atomic_store(&E.stop, false);
	E.nexec = cfg->executors > 0 ? cfg->executors : 2;
	E.exec_threads = calloc((size_t)E.nexec, sizeof *E.exec_threads);
	for (int i = 0; i < E.nexec; i++)
		if (pthread_create(&E.exec_threads[i], NULL, executor, NULL) != 0)
			abort();
	if (pthread_create(&E.thread, NULL, scheduler, NULL) != 0)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "engine: cannot start the scheduler");
	E.started = true;
	return 0;
}

void weir_engine_stop(void)
{
	if (!E.started)
		return;
	atomic_store(&E.stop, true);
	weir_engine_wake();
	pthread_join(E.thread, NULL);
	pthread_mutex_lock(&E.mu);
	pthread_cond_broadcast(&E.cv);
	pthread_mutex_unlock(&E.mu);
	for (int i = 0; i < E.nexec; i++)
		pthread_join(E.exec_threads[i], NULL);
	free(E.exec_threads);
	E.exec_threads = NULL;
	/* children die with their runs interrupted; the next start retries them */
	for (eng_proc *p = E.procs, *nx; p; p = nx) {
		nx = p->next;
		weir_exec_kill(p->p.pid);
		waitpid(p->p.pid, NULL, 0);
		proc_close(p);
		free(p);
	}
	E.procs = NULL;
	/* leased ones too: their leases expire now, and the leader ends them ("replica lost") */
	if (E.nleases > 0) {
		weir_db *db = weir_db_acquire(E.pool);
		weir_error e = WEIR_ERROR_INIT;
		if (weir_db_begin_write(db, &e) != 0 || weir_wf_lease_beat(db, E.replica, 0, &e) != 0 ||
		    weir_db_commit(db, &e) != 0)
			weir_db_rollback(db);
		weir_db_release(db);
	}
	while (E.leases) {
		if (E.leases->token_id)
			token_map_del(E.leases->token_id);
		lease_free(E.leases);
	}
	E.lease_poll = false;
	pthread_mutex_lock(&token_mu);
	free(task_tokens);
	task_tokens = NULL;
	ntokens = captokens = 0;
	pthread_mutex_unlock(&token_mu);
	while (E.runs)
		run_free(E.runs);
	idmap_free(&E.run_index);
	idmap_free(&E.job_running);
	while (E.queue) {
		inproc_job *j = E.queue;
		E.queue = j->next;
		free(j->task_text);
		free(j);
	}
	inproc_collect();
	sched_clear();
	free(E.sch);
	E.sch = NULL;
	E.capsch = 0;
	E.sched_loaded = false;
	E.loaded_all = false;
	pthread_mutex_lock(&E.mu);
	free(E.changed_jobs);
	E.changed_jobs = NULL;
	E.nchanged = E.capchanged = 0;
	pthread_mutex_unlock(&E.mu);
	close(E.wake_fd);
	close(E.ep);
	E.wake_fd = E.ep = -1;
	free(E.runs_dir);
	E.runs_dir = NULL;
	free(E.to_spawn);
	E.to_spawn = NULL;
	E.nspawn = E.capspawn = 0;
	E.started = false;
}
