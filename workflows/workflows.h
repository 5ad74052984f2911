/* Workflows: Databricks jobs (Jobs API 2.1/2.2), their permissions and runs, and the
 * in-process engine that runs them. This is the public interface; SQL lives in
 * workflows/jobs_store.c (declared in jobs_store.h), the DAG rules in dag.h, references in
 * refs.h, cron in cron.h, notifications in notify.h.
 *
 * Visibility: a caller without CAN_VIEW on a job gets exactly the answer for a job that
 * does not exist (400 INVALID_PARAMETER_VALUE "Job <id> does not exist.", the Jobs API's
 * quirk) and never sees the job or its runs in a list. Admins (group `admins`) have
 * every permission on every job. */
#ifndef WEIR_WORKFLOWS_H
#define WEIR_WORKFLOWS_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"
#include "governance/governance.h"

/* ---------------------------------------------------------------- configuration */

typedef struct weir_engine_cfg {
	const char *data_dir; /* DATA: task run directories go to DATA/runs/<task_run_id>/ */
	bool allow_command_tasks; /* --allow-command-tasks */
	int executors; /* in-process executor threads (sql_task); default 2 */
	int task_slots; /* leased command tasks this replica runs at once (PostgreSQL store); default 16 */
	int64_t log_limit; /* bytes of each task's output kept (the tail); default 5 MiB */
	const char *host; /* the server's address for DATABRICKS_HOST of command tasks */
	const _Atomic unsigned *port; /* its port, known once serving (read at each dispatch); NULL: none */
} weir_engine_cfg;

/* Starts the scheduler thread and the executor pool; recovers runs a crash interrupted
 * (their running task runs end as INTERNAL_ERROR "server restarted", and are retried if
 * retries remain). The pool is borrowed for the engine's own connections. */
int weir_engine_start(weir_db_pool *pool, const weir_engine_cfg *cfg, weir_error *err);
/* Stops scheduling, kills running child processes (their task runs end as INTERNAL_ERROR at
 * the next start, which retries them), and joins the threads. */
void weir_engine_stop(void);
/* Tells the engine that runs changed (after the change committed). Cheap. */
void weir_engine_wake(void);
/* The same after job `job_id` was created, changed or deleted: its schedule (only its) is
 * read again. */
void weir_engine_job_changed(int64_t job_id);
/* Inside the transaction that changes runs (job_id 0) or job `job_id`: the engine of another
 * replica of the store hears of it when the transaction commits, and wakes at once instead
 * of at its next poll (PostgreSQL NOTIFY; nothing with SQLite). weir_engine_wake or
 * weir_engine_job_changed after the commit still wake this process's engine. */
void weir_engine_notify(weir_db *db, int64_t job_id);
/* The job run whose command task holds the token `token_id` (the run_as token the engine
 * gave it, alive while the task runs): true with *run_id set. Any thread. */
bool weir_engine_job_run_of_token(const char *token_id, int64_t *run_id);
/* Whether command tasks are allowed on this server (set by weir_engine_start). */
bool weir_engine_command_tasks_allowed(void);

/* In-process task kinds (sql_task once the warehouse lands): a function run on one of the
 * executor threads, with its own pooled connections, never on the scheduler or an HTTP
 * worker. It fills res (ok, message, values) and returns 0, or -1 on failure. A canceled
 * task's result is dropped when it arrives (the function is not interrupted). */
typedef struct weir_engine_task {
	int64_t job_id, run_id, task_run_id;
	int64_t run_as_id; /* the principal the work runs as */
	int64_t workspace_id;
	const json_t *task; /* the task type's object, references resolved */
} weir_engine_task;
typedef struct weir_engine_result {
	bool ok;
	char message[512];
	json_t *values; /* task values (an object), or NULL; the engine takes it */
	json_t *output; /* reserved (sql_output); the engine frees it */
} weir_engine_result;
void weir_engine_register(int task_type /* weir_task_type (dag.h) */,
			  int (*run)(weir_db_pool *pool, const weir_engine_task *t, weir_engine_result *res));

/* ---------------------------------------------------------------- permissions */

typedef enum {
	WEIR_JOB_NONE = 0,
	WEIR_JOB_CAN_VIEW,
	WEIR_JOB_CAN_MANAGE_RUN,
	WEIR_JOB_CAN_MANAGE,
	WEIR_JOB_IS_OWNER,
} weir_job_level;

const char *weir_job_level_name(weir_job_level l);
/* The caller's level on a job (admins: IS_OWNER), NONE when the job does not exist. */
weir_job_level weir_jobs_level(weir_db *db, const weir_principal *p, int64_t job_id);
/* Requires `level` on job_id: 400 "Job <id> does not exist." without CAN_VIEW (or no such
 * job), 403 PERMISSION_DENIED with CAN_VIEW but less than `level`. */
int weir_jobs_authorize(weir_db *db, const weir_principal *p, int64_t job_id, weir_job_level level, weir_error *err);
/* Requires `level` on the job of a run (runs/submit runs: their creator, admins and their
 * access_control_list); 400 "Run <id> does not exist." when hidden. */
int weir_runs_authorize(weir_db *db, const weir_principal *p, int64_t run_id, weir_job_level level, weir_error *err);

/* GET /permissions/jobs/{id}: {object_id, object_type, access_control_list[]}. */
json_t *weir_jobs_perms_get(weir_db *db, weir_arena *a, int64_t job_id, weir_error *err);
/* PUT (replace = true) or PATCH an ACL; IS_OWNER may be given to one user or service
 * principal only, by an admin or the current owner. Returns the new permissions. */
json_t *weir_jobs_perms_set(weir_db *db, weir_arena *a, const weir_principal *p, int64_t job_id, const json_t *body,
			    bool replace, weir_error *err);
json_t *weir_jobs_perm_levels(void);

/* ---------------------------------------------------------------- jobs */

/* Jobs API version of the route ("2.1" or "2.2"): the queue default and get pagination. */
typedef enum { WEIR_JOBS_API_21 = 0, WEIR_JOBS_API_22 } weir_jobs_api;

/* POST jobs/create: validates the whole body (JobSettings + access_control_list) and
 * stores the job with the caller as IS_OWNER. Returns the job id, or -1. */
int64_t weir_jobs_create(weir_db *db, weir_arena *a, const weir_principal *p, json_t *body, weir_jobs_api api,
			 weir_error *err);
/* GET jobs/get (the caller's CAN_VIEW was checked). */
json_t *weir_jobs_get(weir_db *db, weir_arena *a, int64_t job_id, weir_error *err);
/* GET jobs/list: jobs the caller may view, by job id; name is an exact, case-insensitive
 * filter; page_token or offset; limit 1..100 (default 20). */
json_t *weir_jobs_list(weir_db *db, weir_arena *a, const weir_principal *p, const char *name, bool expand_tasks,
		       int64_t limit, int64_t offset, const char *page_token, weir_error *err);
/* POST jobs/update (arrays merged by key, fields_to_remove) and jobs/reset. */
int weir_jobs_update(weir_db *db, weir_arena *a, const weir_principal *p, int64_t job_id, json_t *new_settings,
		     json_t *fields_to_remove, weir_error *err);
int weir_jobs_reset(weir_db *db, weir_arena *a, const weir_principal *p, int64_t job_id, json_t *new_settings,
		    weir_error *err);
/* POST jobs/delete: the job goes; its active runs are canceled by the engine. */
int weir_jobs_delete(weir_db *db, int64_t job_id, weir_error *err);

/* ---------------------------------------------------------------- runs */

/* POST jobs/run-now (CAN_MANAGE_RUN checked): {run_id, number_in_job}. */
json_t *weir_runs_run_now(weir_db *db, weir_arena *a, const weir_principal *p, json_t *body, weir_error *err);
/* POST jobs/runs/submit: {run_id}. */
json_t *weir_runs_submit(weir_db *db, weir_arena *a, const weir_principal *p, json_t *body, weir_jobs_api api,
			 weir_error *err);
/* GET jobs/runs/get (CAN_VIEW checked). */
json_t *weir_runs_get(weir_db *db, weir_arena *a, int64_t run_id, bool include_history, weir_error *err);
typedef struct weir_runs_filter {
	int64_t job_id; /* 0: all jobs the caller may view */
	bool active_only, completed_only, expand_tasks;
	const char *run_type;
	int64_t start_time_from, start_time_to; /* 0: unbounded */
	int64_t limit, offset;
	const char *page_token;
} weir_runs_filter;
json_t *weir_runs_list(weir_db *db, weir_arena *a, const weir_principal *p, const weir_runs_filter *f, weir_error *err);
/* POST jobs/runs/cancel on a job run or a task run (asynchronous). */
int weir_runs_cancel(weir_db *db, int64_t run_id, weir_error *err);
/* POST jobs/runs/cancel-all: job_id > 0 every active run of the job; else (all_queued) every
 * queued run the caller may manage. */
int weir_runs_cancel_all(weir_db *db, const weir_principal *p, int64_t job_id, bool all_queued, weir_error *err);
/* POST jobs/runs/delete: refused while the run is active. */
int weir_runs_delete(weir_db *db, int64_t run_id, weir_error *err);
/* GET jobs/runs/get-output of a task run. */
json_t *weir_runs_get_output(weir_db *db, weir_arena *a, int64_t run_id, weir_error *err);
/* POST jobs/runs/repair: {repair_id}. */
json_t *weir_runs_repair(weir_db *db, weir_arena *a, const weir_principal *p, json_t *body, weir_error *err);
/* The job run a task run belongs to (itself for a job run), or -1 when there is none. */
int64_t weir_runs_job_run_of(weir_db *db, int64_t run_id);

#endif
