/* The SQL of the workflows module (jobs_store.c), for workflows/ only. */
#ifndef WEIR_WORKFLOWS_JOBS_STORE_H
#define WEIR_WORKFLOWS_JOBS_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"

/* A new id (job, run, task run, repair): increasing, unique in the process, below 2^53:
 * milliseconds since the epoch times 1024 plus a counter, never less than last + 1. */
int64_t weir_wf_next_id(void);

/* ---------------------------------------------------------------- jobs */

typedef struct weir_wf_job {
	int64_t job_id;
	const char *name;
	const char *settings; /* JSON text */
	int64_t creator_id;
	int64_t run_as_id;
	int64_t created_time;
	const char *api_version;
} weir_wf_job;

int weir_wf_job_insert(weir_db *db, const weir_wf_job *j, weir_error *err);
/* 1 found, 0 not found, -1 error. Strings in `a`. */
int weir_wf_job_get(weir_db *db, weir_arena *a, int64_t job_id, weir_wf_job *out, weir_error *err);
int weir_wf_job_set(weir_db *db, int64_t job_id, const char *name, const char *settings, int64_t run_as_id,
		    weir_error *err);
/* 1 deleted, 0 not found, -1 error. */
int weir_wf_job_delete(weir_db *db, int64_t job_id, weir_error *err);
/* Jobs after `after_id` the principal may view (admin: all), by job id, at most `limit`
 * (+1 to know whether there are more). name NULL: any. */
int weir_wf_job_list(weir_db *db, weir_arena *a, bool admin, const char *closure_json, const char *name, int64_t offset,
		     int64_t limit, weir_wf_job *out, weir_error *err);
/* Every job with a schedule, trigger or continuous setting: [job_id, settings, run_as_id]. */
json_t *weir_wf_jobs_scheduled(weir_db *db, weir_error *err);
int weir_wf_schedule_last(weir_db *db, int64_t job_id, int64_t *last_fired);
/* Records `tick` as the job's last fire time unless a tick at or after it was recorded (by
 * this replica or another): 1 claimed (start the run), 0 already fired, -1 error. */
int weir_wf_schedule_claim(weir_db *db, int64_t job_id, int64_t tick, weir_error *err);
/* The schedule tick a run was started for (job_runs.scheduled_time, unique per job). */
int weir_wf_run_set_tick(weir_db *db, int64_t run_id, int64_t tick, weir_error *err);

/* ---------------------------------------------------------------- permissions */

/* The highest level among the principal ids of `closure_json` on the job (text, or NULL). */
int weir_wf_acl_levels(weir_db *db, weir_arena *a, int64_t job_id, const char *closure_json, const char **levels,
		       int max);
/* [[principal_id, level], ...] of a job. */
json_t *weir_wf_acl_list(weir_db *db, int64_t job_id, weir_error *err);
int weir_wf_acl_put(weir_db *db, int64_t job_id, int64_t principal_id, const char *level, weir_error *err);
int weir_wf_acl_clear(weir_db *db, int64_t job_id, bool keep_owner, weir_error *err);
/* The owner (IS_OWNER) of a job, or -1. */
int64_t weir_wf_acl_owner(weir_db *db, int64_t job_id);

/* ---------------------------------------------------------------- runs */

/* A job run row (text in the arena). */
typedef struct weir_wf_run {
	int64_t run_id, job_id; /* job_id 0: runs/submit */
	const char *run_type, *trigger_type, *run_name;
	int64_t creator_id, run_as_id;
	const char *settings, *job_parameters, *overriding, *only_tasks;
	const char *life_cycle, *result_state, *state_message;
	bool user_cancelled, cancel_requested;
	const char *queue_reason;
	int64_t created_time, start_time, end_time, queue_duration;
	const char *idempotency_token;
	int64_t parent_task_run, latest_repair_id;
	const char *acl;
} weir_wf_run;

int weir_wf_run_insert(weir_db *db, const weir_wf_run *r, weir_error *err);
int weir_wf_run_get(weir_db *db, weir_arena *a, int64_t run_id, weir_wf_run *out, weir_error *err);
/* The run made with an idempotency token, or 0. */
int64_t weir_wf_run_by_token(weir_db *db, int64_t job_id, int64_t creator_id, const char *token);
/* Writes the run's state columns (life_cycle .. queue_duration, latest_repair_id, settings). */
int weir_wf_run_save(weir_db *db, const weir_wf_run *r, weir_error *err);
int weir_wf_run_request_cancel(weir_db *db, int64_t run_id, weir_error *err);
int weir_wf_task_request_cancel(weir_db *db, int64_t task_run_id, weir_error *err);
/* Task runs whose cancel was requested and that are not finished. */
json_t *weir_wf_tasks_cancel_requested(weir_db *db, weir_error *err);
/* Job runs whose cancel was requested and that are active. */
json_t *weir_wf_runs_cancel_requested(weir_db *db, weir_error *err);
int weir_wf_run_delete(weir_db *db, int64_t run_id, weir_error *err);
/* Runs ids of active runs (PENDING, QUEUED, RUNNING, TERMINATING), all or of one job. */
json_t *weir_wf_runs_active(weir_db *db, int64_t job_id, bool queued_only, weir_error *err);
/* Runs waiting for the engine to pick them up (new, or repaired): PENDING. */
json_t *weir_wf_runs_pending(weir_db *db, weir_error *err);
/* runs/list: run ids in the list's order, filtered; the caller filters visibility. */
typedef struct weir_wf_run_query {
	int64_t job_id;
	bool active_only, completed_only;
	const char *run_type;
	int64_t start_from, start_to;
	bool admin;
	const char *closure_json;
	int64_t creator_id;
	int64_t offset, limit;
} weir_wf_run_query;
json_t *weir_wf_runs_list(weir_db *db, const weir_wf_run_query *q, weir_error *err);

/* ---------------------------------------------------------------- task runs */

typedef struct weir_wf_task_run {
	int64_t task_run_id, run_id;
	const char *task_key;
	int attempt;
	int64_t repair_id; /* 0: none */
	int64_t iteration_of; /* 0: none */
	int iteration;
	const char *life_cycle, *result_state, *state_message;
	int64_t start_time, end_time, retry_at;
	const char *task; /* JSON */
	const char *outcome, *task_values, *resolved, *error, *error_trace;
	bool logs_truncated;
	int64_t child_run_id;
	const char *input, *stats;
} weir_wf_task_run;

int weir_wf_task_insert(weir_db *db, const weir_wf_task_run *t, weir_error *err);
/* Writes the state columns (life_cycle .. stats). */
int weir_wf_task_save(weir_db *db, const weir_wf_task_run *t, weir_error *err);
int weir_wf_task_get(weir_db *db, weir_arena *a, int64_t task_run_id, weir_wf_task_run *out, weir_error *err);
/* Every task run of a job run (iterations too), by task_run_id; *n set. */
weir_wf_task_run *weir_wf_tasks_of_run(weir_db *db, weir_arena *a, int64_t run_id, int *n, weir_error *err);

/* ---------------------------------------------------------------- repairs */

int weir_wf_repair_insert(weir_db *db, int64_t repair_id, int64_t run_id, const char *request, int64_t now,
			  weir_error *err);
/* Repairs of a run: [{repair_id, request, applied, start_time, end_time, life_cycle, result_state}] */
json_t *weir_wf_repairs_of_run(weir_db *db, int64_t run_id, weir_error *err);
int weir_wf_repair_save(weir_db *db, int64_t repair_id, bool applied, int64_t end_time, const char *life_cycle,
			const char *result_state, weir_error *err);

/* ---------------------------------------------------------------- task leases (lease_store.c) */

/* A command task run offered to the replicas of a PostgreSQL store (engine.c, "leases"). */
typedef struct weir_wf_lease {
	int64_t task_run_id;
	const char *state; /* READY | CLAIMED | DONE | CANCELED */
	const char *spec; /* what to run (JSON) */
	const char *owner; /* the replica that claimed it */
	const char *token_id; /* the run_as token its owner made */
	const char *result, *message, *error_trace, *task_values; /* DONE: the outcome */
	int64_t logs_truncated;
} weir_wf_lease;

int weir_wf_lease_offer(weir_db *db, int64_t task_run_id, const char *spec, weir_error *err);
/* How many wait for a replica (a read, to skip the claim's write transaction): -1 on failure. */
int64_t weir_wf_lease_ready(weir_db *db, weir_error *err);
/* Claims up to `limit` ready ones for `owner` (FOR UPDATE SKIP LOCKED, in the caller's write
 * transaction) into out (task_run_id, spec in a): how many, or -1. */
int weir_wf_lease_claim(weir_db *db, weir_arena *a, const char *owner, int64_t expires_at, int limit,
			weir_wf_lease *out, weir_error *err);
int weir_wf_lease_set_token(weir_db *db, int64_t task_run_id, const char *token_id, weir_error *err);
/* The heartbeat: every lease `owner` holds now expires at expires_at. */
int weir_wf_lease_beat(weir_db *db, const char *owner, int64_t expires_at, weir_error *err);
/* `owner`'s leases as the store has them: a JSON object, task run id (text) -> state. */
json_t *weir_wf_lease_held(weir_db *db, const char *owner, weir_error *err);
/* The outcome of `owner`'s claimed lease l (result .. logs_truncated). */
int weir_wf_lease_done(weir_db *db, const char *owner, const weir_wf_lease *l, weir_error *err);
/* The leader stops a lease: a claimed one is marked CANCELED (its owner kills the process and
 * deletes it), an unclaimed or finished one is deleted. */
int weir_wf_lease_cancel(weir_db *db, int64_t task_run_id, weir_error *err);
int weir_wf_lease_delete(weir_db *db, int64_t task_run_id, weir_error *err);
/* Deletes a claimed or canceled lease if it is still expired at `now` (in the leader's write
 * transaction, after any heartbeat that committed first): 1 if it was, 0 if not, -1. */
int64_t weir_wf_lease_expire(weir_db *db, int64_t task_run_id, int64_t now, weir_error *err);
/* 1 if the task run has a lease, 0 if not, -1 on failure. */
int weir_wf_lease_exists(weir_db *db, int64_t task_run_id, weir_error *err);
/* Leases the leader ends now: DONE ones, and claimed or canceled ones whose expires_at is
 * before `now` (their replica stopped beating); *n set. */
weir_wf_lease *weir_wf_leases_ended(weir_db *db, weir_arena *a, int64_t now, int *n, weir_error *err);

#endif
