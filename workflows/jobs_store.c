/* All SQL of jobs, job permissions, runs, task runs, repairs and schedule state. Rules and
 * JSON shapes stay in jobs.c, runs.c and engine.c. */
#include "workflows/jobs_store.h"

#include <pthread.h>
#include <string.h>

#include "core/db_row.h"
#include "core/util.h"

static const char *dup(weir_arena *a, weir_stmt *st, int i) { return weir_db_col_dup(a, st, i); }

/* ---------------------------------------------------------------- ids */

static pthread_mutex_t id_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t last_id;

int64_t weir_wf_next_id(void)
{
	int64_t t = weir_now_ms() * 1024;
	pthread_mutex_lock(&id_mu);
	int64_t id = t > last_id ? t : last_id + 1;
	last_id = id;
	pthread_mutex_unlock(&id_mu);
	return id;
}

/* ---------------------------------------------------------------- jobs */

static const char SQL_JOB_INSERT[] = "INSERT INTO jobs (job_id, name, settings, creator_id, run_as_id, created_time, "
				     "api_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_JOB_GET[] = "SELECT job_id, name, settings, creator_id, run_as_id, created_time, api_version "
				  "FROM jobs WHERE job_id = ?1";
static const char SQL_JOB_SET[] = "UPDATE jobs SET name = ?2, settings = ?3, run_as_id = ?4 WHERE job_id = ?1";
static const char SQL_JOB_DELETE[] = "DELETE FROM jobs WHERE job_id = ?1";
static const char SQL_JOB_LIST[] =
	"SELECT job_id, name, settings, creator_id, run_as_id, created_time, api_version FROM jobs j "
	"WHERE (?1 IS NULL OR j.name = ?1 COLLATE NOCASE) AND (?2 OR EXISTS (SELECT 1 FROM job_acl a "
	"WHERE a.job_id = j.job_id AND a.principal_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?3)))) "
	"ORDER BY job_id LIMIT ?4 OFFSET ?5";
static const char SQL_JOBS_SCHEDULED[] =
	"SELECT job_id, settings, run_as_id FROM jobs WHERE json_extract(settings, '$.schedule') IS NOT NULL "
	"OR json_extract(settings, '$.trigger') IS NOT NULL OR json_extract(settings, '$.continuous') IS NOT NULL";
static const char SQL_SCHED_GET[] = "SELECT last_fired FROM job_schedule_state WHERE job_id = ?1";
/* a tick is claimed once: never one at or before the last one fired */
static const char SQL_SCHED_CLAIM[] = "INSERT INTO job_schedule_state (job_id, last_fired) VALUES (?1, ?2) "
				      "ON CONFLICT (job_id) DO UPDATE SET last_fired = excluded.last_fired "
				      "WHERE last_fired < excluded.last_fired";
static const char SQL_RUN_TICK[] = "UPDATE job_runs SET scheduled_time = ?2 WHERE run_id = ?1";

static const weir_db_field JOB_ROW_FIELDS[] = {
	WEIR_FIELD(weir_wf_job, job_id),     WEIR_FIELD(weir_wf_job, name),      WEIR_FIELD(weir_wf_job, settings),
	WEIR_FIELD(weir_wf_job, creator_id), WEIR_FIELD(weir_wf_job, run_as_id), WEIR_FIELD(weir_wf_job, created_time),
	WEIR_FIELD(weir_wf_job, api_version)};

static void job_row(weir_arena *a, weir_stmt *st, weir_wf_job *j) { WEIR_DB_ROW_READ(st, a, j, JOB_ROW_FIELDS); }

int weir_wf_job_insert(weir_db *db, const weir_wf_job *j, weir_error *err)
{
	return weir_db_exec(db, SQL_JOB_INSERT, err, WEIR_I64(j->job_id), WEIR_TEXT(j->name), WEIR_TEXT(j->settings),
			    WEIR_I64(j->creator_id), WEIR_I64(j->run_as_id), WEIR_I64(j->created_time),
			    WEIR_TEXT(j->api_version));
}

int weir_wf_job_get(weir_db *db, weir_arena *a, int64_t job_id, weir_wf_job *out, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_JOB_GET, err, WEIR_I64(job_id));
	if (st == NULL)
		return -1;
	int found = weir_db_step(st) == WEIR_DB_ROW;
	if (found)
		job_row(a, st, out);
	weir_db_done(st);
	return found;
}

int weir_wf_job_set(weir_db *db, int64_t job_id, const char *name, const char *settings, int64_t run_as_id,
		    weir_error *err)
{
	return weir_db_exec(db, SQL_JOB_SET, err, WEIR_I64(job_id), WEIR_TEXT(name), WEIR_TEXT(settings),
			    WEIR_I64(run_as_id));
}

int weir_wf_job_delete(weir_db *db, int64_t job_id, weir_error *err)
{
	int64_t n = weir_db_exec_count(db, SQL_JOB_DELETE, err, WEIR_I64(job_id));
	return n < 0 ? -1 : n > 0;
}

int weir_wf_job_list(weir_db *db, weir_arena *a, bool admin, const char *closure_json, const char *name, int64_t offset,
		     int64_t limit, weir_wf_job *out, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_JOB_LIST, err, WEIR_TEXT(name), WEIR_I64(admin ? 1 : 0),
				      WEIR_TEXT(closure_json ? closure_json : "[]"), WEIR_I64(limit), WEIR_I64(offset));
	if (st == NULL)
		return -1;
	int n = 0;
	while (n < limit && weir_db_step(st) == WEIR_DB_ROW)
		job_row(a, st, &out[n++]);
	weir_db_done(st);
	return n;
}

json_t *weir_wf_jobs_scheduled(weir_db *db, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_JOBS_SCHEDULED, err);
	if (st == NULL)
		return NULL;
	json_t *out = json_array();
	while (weir_db_step(st) == WEIR_DB_ROW)
		json_array_append_new(out, json_pack("[IsI]", (json_int_t)weir_db_col_i64(st, 0),
						     weir_db_col_text(st, 1), (json_int_t)weir_db_col_i64(st, 2)));
	weir_db_done(st);
	return out;
}

int weir_wf_schedule_last(weir_db *db, int64_t job_id, int64_t *last_fired)
{
	weir_error e = WEIR_ERROR_INIT;
	return weir_db_query_i64(db, SQL_SCHED_GET, last_fired, &e, WEIR_I64(job_id));
}

int weir_wf_schedule_claim(weir_db *db, int64_t job_id, int64_t tick, weir_error *err)
{
	if (weir_db_exec(db, SQL_SCHED_CLAIM, err, WEIR_I64(job_id), WEIR_I64(tick)) != 0)
		return -1;
	return weir_db_changes(db) > 0;
}

int weir_wf_run_set_tick(weir_db *db, int64_t run_id, int64_t tick, weir_error *err)
{
	return weir_db_exec(db, SQL_RUN_TICK, err, WEIR_I64(run_id), WEIR_I64(tick));
}

/* ---------------------------------------------------------------- permissions */

static const char SQL_ACL_LEVELS[] = "SELECT level FROM job_acl WHERE job_id = ?1 AND principal_id IN "
				     "(SELECT CAST(value AS INTEGER) FROM json_each(?2))";
static const char SQL_ACL_LIST[] = "SELECT principal_id, level FROM job_acl WHERE job_id = ?1 ORDER BY principal_id";
static const char SQL_ACL_PUT[] = "INSERT INTO job_acl (job_id, principal_id, level) VALUES (?1, ?2, ?3) "
				  "ON CONFLICT (job_id, principal_id) DO UPDATE SET level = excluded.level";
static const char SQL_ACL_CLEAR[] = "DELETE FROM job_acl WHERE job_id = ?1 AND (?2 = 0 OR level <> 'IS_OWNER')";
static const char SQL_ACL_OWNER[] = "SELECT principal_id FROM job_acl WHERE job_id = ?1 AND level = 'IS_OWNER'";

int weir_wf_acl_levels(weir_db *db, weir_arena *a, int64_t job_id, const char *closure_json, const char **levels,
		       int max)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_stmt *st = weir_db_query(db, SQL_ACL_LEVELS, &e, WEIR_I64(job_id), WEIR_TEXT(closure_json));
	if (st == NULL)
		return 0;
	int n = 0;
	while (n < max && weir_db_step(st) == WEIR_DB_ROW)
		levels[n++] = dup(a, st, 0);
	weir_db_done(st);
	return n;
}

json_t *weir_wf_acl_list(weir_db *db, int64_t job_id, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_ACL_LIST, err, WEIR_I64(job_id));
	if (st == NULL)
		return NULL;
	json_t *out = json_array();
	while (weir_db_step(st) == WEIR_DB_ROW)
		json_array_append_new(out,
				      json_pack("[Is]", (json_int_t)weir_db_col_i64(st, 0), weir_db_col_text(st, 1)));
	weir_db_done(st);
	return out;
}

int weir_wf_acl_put(weir_db *db, int64_t job_id, int64_t principal_id, const char *level, weir_error *err)
{
	return weir_db_exec(db, SQL_ACL_PUT, err, WEIR_I64(job_id), WEIR_I64(principal_id), WEIR_TEXT(level));
}

int weir_wf_acl_clear(weir_db *db, int64_t job_id, bool keep_owner, weir_error *err)
{
	return weir_db_exec(db, SQL_ACL_CLEAR, err, WEIR_I64(job_id), WEIR_I64(keep_owner ? 1 : 0));
}

int64_t weir_wf_acl_owner(weir_db *db, int64_t job_id)
{
	weir_error e = WEIR_ERROR_INIT;
	int64_t id;
	return weir_db_query_i64(db, SQL_ACL_OWNER, &id, &e, WEIR_I64(job_id)) == 1 ? id : -1;
}

/* ---------------------------------------------------------------- runs */

#define RUN_COLS                                                                                              \
	"run_id, job_id, run_type, trigger_type, run_name, creator_id, run_as_id, settings, job_parameters, " \
	"overriding, only_tasks, life_cycle, result_state, state_message, user_cancelled, cancel_requested, " \
	"queue_reason, created_time, start_time, end_time, queue_duration, idempotency_token, "               \
	"parent_task_run, latest_repair_id, acl"

static const char SQL_RUN_INSERT[] = "INSERT INTO job_runs (" RUN_COLS
				     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
				     "?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)";
static const char SQL_RUN_GET[] = "SELECT " RUN_COLS " FROM job_runs WHERE run_id = ?1";
static const char SQL_RUN_BY_TOKEN[] = "SELECT run_id FROM job_runs WHERE ifnull(job_id, -1) = ?1 AND "
				       "creator_id = ?2 AND idempotency_token = ?3";
static const char SQL_RUN_SAVE[] =
	"UPDATE job_runs SET life_cycle = ?2, result_state = ?3, state_message = ?4, user_cancelled = ?5, "
	"cancel_requested = ?6, queue_reason = ?7, start_time = ?8, end_time = ?9, queue_duration = ?10, "
	"latest_repair_id = ?11, settings = ?12, job_parameters = ?13 WHERE run_id = ?1";
static const char SQL_RUN_CANCEL[] = "UPDATE job_runs SET cancel_requested = 1 WHERE run_id = ?1";
static const char SQL_TASK_CANCEL[] = "UPDATE task_runs SET cancel_requested = 1 WHERE task_run_id = ?1";
static const char SQL_TASKS_CANCEL_REQ[] =
	"SELECT task_run_id FROM task_runs WHERE cancel_requested = 1 AND life_cycle NOT IN ('TERMINATED', "
	"'SKIPPED', 'INTERNAL_ERROR')";
static const char SQL_RUNS_CANCEL_REQ[] =
	"SELECT run_id FROM job_runs WHERE cancel_requested = 1 AND life_cycle IN ('PENDING', 'QUEUED', "
	"'RUNNING', 'TERMINATING')";
static const char SQL_RUN_DELETE[] = "DELETE FROM job_runs WHERE run_id = ?1";
static const char SQL_RUNS_ACTIVE[] =
	"SELECT run_id FROM job_runs WHERE life_cycle IN ('PENDING', 'QUEUED', 'RUNNING', 'TERMINATING') "
	"AND (?1 = 0 OR job_id = ?1) AND (?2 = 0 OR life_cycle = 'QUEUED') ORDER BY run_id";
static const char SQL_RUNS_PENDING[] = "SELECT run_id FROM job_runs WHERE life_cycle = 'PENDING' ORDER BY run_id";
static const char SQL_RUNS_LIST[] =
	"SELECT run_id FROM job_runs r WHERE (?1 = 0 OR r.job_id = ?1) "
	"AND (?2 = 0 OR r.life_cycle IN ('PENDING', 'QUEUED', 'RUNNING', 'TERMINATING')) "
	"AND (?3 = 0 OR r.life_cycle NOT IN ('PENDING', 'QUEUED', 'RUNNING', 'TERMINATING')) "
	"AND (?4 IS NULL OR r.run_type = ?4) AND (?5 = 0 OR r.start_time >= ?5) AND (?6 = 0 OR r.start_time <= ?6) "
	"AND r.parent_task_run IS NULL "
	"AND (?7 OR (r.job_id IS NULL AND r.creator_id = ?8) OR (r.job_id IS NOT NULL AND EXISTS (SELECT 1 FROM "
	"job_acl a WHERE "
	"a.job_id = r.job_id AND a.principal_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?9)))) OR (r.acl IS "
	"NOT NULL AND "
	"EXISTS (SELECT 1 FROM json_each(r.acl) e WHERE json_extract(e.value, '$[0]') IN (SELECT value FROM "
	"json_each(?9))))) "
	"ORDER BY CASE WHEN r.end_time > 0 THEN r.end_time WHEN r.start_time > 0 THEN r.start_time "
	"ELSE r.created_time END DESC, r.run_id DESC LIMIT ?10 OFFSET ?11";

static const weir_db_field RUN_ROW_FIELDS[] = {WEIR_FIELD(weir_wf_run, run_id),
					       WEIR_FIELD(weir_wf_run, job_id),
					       WEIR_FIELD(weir_wf_run, run_type),
					       WEIR_FIELD(weir_wf_run, trigger_type),
					       WEIR_FIELD(weir_wf_run, run_name),
					       WEIR_FIELD(weir_wf_run, creator_id),
					       WEIR_FIELD(weir_wf_run, run_as_id),
					       WEIR_FIELD(weir_wf_run, settings),
					       WEIR_FIELD(weir_wf_run, job_parameters),
					       WEIR_FIELD(weir_wf_run, overriding),
					       WEIR_FIELD(weir_wf_run, only_tasks),
					       WEIR_FIELD(weir_wf_run, life_cycle),
					       WEIR_FIELD(weir_wf_run, result_state),
					       WEIR_FIELD(weir_wf_run, state_message),
					       WEIR_FIELD(weir_wf_run, user_cancelled),
					       WEIR_FIELD(weir_wf_run, cancel_requested),
					       WEIR_FIELD(weir_wf_run, queue_reason),
					       WEIR_FIELD(weir_wf_run, created_time),
					       WEIR_FIELD(weir_wf_run, start_time),
					       WEIR_FIELD(weir_wf_run, end_time),
					       WEIR_FIELD(weir_wf_run, queue_duration),
					       WEIR_FIELD(weir_wf_run, idempotency_token),
					       WEIR_FIELD(weir_wf_run, parent_task_run),
					       WEIR_FIELD(weir_wf_run, latest_repair_id),
					       WEIR_FIELD(weir_wf_run, acl)};

static void run_row(weir_arena *a, weir_stmt *st, weir_wf_run *r) { WEIR_DB_ROW_READ(st, a, r, RUN_ROW_FIELDS); }

int weir_wf_run_insert(weir_db *db, const weir_wf_run *r, weir_error *err)
{
	return weir_db_exec(
		db, SQL_RUN_INSERT, err, WEIR_I64(r->run_id), WEIR_I64_OR_NULL(r->job_id, r->job_id == 0),
		WEIR_TEXT(r->run_type), WEIR_TEXT(r->trigger_type), WEIR_TEXT(r->run_name), WEIR_I64(r->creator_id),
		WEIR_I64(r->run_as_id), WEIR_TEXT(r->settings), WEIR_TEXT(r->job_parameters), WEIR_TEXT(r->overriding),
		WEIR_TEXT(r->only_tasks), WEIR_TEXT(r->life_cycle), WEIR_TEXT(r->result_state),
		WEIR_TEXT(r->state_message ? r->state_message : ""), WEIR_I64(r->user_cancelled),
		WEIR_I64(r->cancel_requested), WEIR_TEXT(r->queue_reason), WEIR_I64(r->created_time),
		WEIR_I64(r->start_time), WEIR_I64(r->end_time), WEIR_I64(r->queue_duration),
		WEIR_TEXT(r->idempotency_token), WEIR_I64_OR_NULL(r->parent_task_run, r->parent_task_run == 0),
		WEIR_I64_OR_NULL(r->latest_repair_id, r->latest_repair_id == 0), WEIR_TEXT(r->acl));
}

int weir_wf_run_get(weir_db *db, weir_arena *a, int64_t run_id, weir_wf_run *out, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_RUN_GET, err, WEIR_I64(run_id));
	if (st == NULL)
		return -1;
	int found = weir_db_step(st) == WEIR_DB_ROW;
	if (found)
		run_row(a, st, out);
	weir_db_done(st);
	return found;
}

int64_t weir_wf_run_by_token(weir_db *db, int64_t job_id, int64_t creator_id, const char *token)
{
	weir_error e = WEIR_ERROR_INIT;
	int64_t id;
	return weir_db_query_i64(db, SQL_RUN_BY_TOKEN, &id, &e, WEIR_I64(job_id ? job_id : -1), WEIR_I64(creator_id),
				 WEIR_TEXT(token)) == 1
		       ? id
		       : 0;
}

int weir_wf_run_save(weir_db *db, const weir_wf_run *r, weir_error *err)
{
	return weir_db_exec(db, SQL_RUN_SAVE, err, WEIR_I64(r->run_id), WEIR_TEXT(r->life_cycle),
			    WEIR_TEXT(r->result_state), WEIR_TEXT(r->state_message ? r->state_message : ""),
			    WEIR_I64(r->user_cancelled), WEIR_I64(r->cancel_requested), WEIR_TEXT(r->queue_reason),
			    WEIR_I64(r->start_time), WEIR_I64(r->end_time), WEIR_I64(r->queue_duration),
			    WEIR_I64_OR_NULL(r->latest_repair_id, r->latest_repair_id == 0), WEIR_TEXT(r->settings),
			    WEIR_TEXT(r->job_parameters));
}

int weir_wf_run_request_cancel(weir_db *db, int64_t run_id, weir_error *err)
{
	return weir_db_exec(db, SQL_RUN_CANCEL, err, WEIR_I64(run_id));
}

int weir_wf_task_request_cancel(weir_db *db, int64_t task_run_id, weir_error *err)
{
	return weir_db_exec(db, SQL_TASK_CANCEL, err, WEIR_I64(task_run_id));
}

int weir_wf_run_delete(weir_db *db, int64_t run_id, weir_error *err)
{
	return weir_db_exec(db, SQL_RUN_DELETE, err, WEIR_I64(run_id));
}

static json_t *id_list(weir_stmt *st)
{
	json_t *out = json_array();
	while (weir_db_step(st) == WEIR_DB_ROW)
		json_array_append_new(out, json_integer(weir_db_col_i64(st, 0)));
	weir_db_done(st);
	return out;
}

json_t *weir_wf_runs_active(weir_db *db, int64_t job_id, bool queued_only, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_RUNS_ACTIVE, err, WEIR_I64(job_id), WEIR_I64(queued_only ? 1 : 0));
	return st ? id_list(st) : NULL;
}

json_t *weir_wf_runs_pending(weir_db *db, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_RUNS_PENDING, err);
	return st ? id_list(st) : NULL;
}

json_t *weir_wf_tasks_cancel_requested(weir_db *db, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_TASKS_CANCEL_REQ, err);
	return st ? id_list(st) : NULL;
}

json_t *weir_wf_runs_cancel_requested(weir_db *db, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_RUNS_CANCEL_REQ, err);
	return st ? id_list(st) : NULL;
}

json_t *weir_wf_runs_list(weir_db *db, const weir_wf_run_query *q, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_RUNS_LIST, err, WEIR_I64(q->job_id), WEIR_I64(q->active_only),
				      WEIR_I64(q->completed_only), WEIR_TEXT(q->run_type), WEIR_I64(q->start_from),
				      WEIR_I64(q->start_to), WEIR_I64(q->admin ? 1 : 0), WEIR_I64(q->creator_id),
				      WEIR_TEXT(q->closure_json ? q->closure_json : "[]"), WEIR_I64(q->limit),
				      WEIR_I64(q->offset));
	return st ? id_list(st) : NULL;
}

/* ---------------------------------------------------------------- task runs */

#define TASK_COLS                                                                                                \
	"task_run_id, run_id, task_key, attempt, repair_id, iteration_of, iteration, life_cycle, result_state, " \
	"state_message, start_time, end_time, retry_at, task, outcome, task_values, resolved, error, "           \
	"error_trace, logs_truncated, child_run_id, input, stats"

static const char SQL_TASK_INSERT[] = "INSERT INTO task_runs (" TASK_COLS
				      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
				      "?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)";
static const char SQL_TASK_SAVE[] =
	"UPDATE task_runs SET life_cycle = ?2, result_state = ?3, state_message = ?4, start_time = ?5, "
	"end_time = ?6, retry_at = ?7, outcome = ?8, task_values = ?9, resolved = ?10, error = ?11, "
	"error_trace = ?12, logs_truncated = ?13, child_run_id = ?14, stats = ?15 WHERE task_run_id = ?1";
static const char SQL_TASK_GET[] = "SELECT " TASK_COLS " FROM task_runs WHERE task_run_id = ?1";
static const char SQL_TASKS_OF_RUN[] = "SELECT " TASK_COLS " FROM task_runs WHERE run_id = ?1 ORDER BY task_run_id";

static const weir_db_field TASK_ROW_FIELDS[] = {
	WEIR_FIELD(weir_wf_task_run, task_run_id),  WEIR_FIELD(weir_wf_task_run, run_id),
	WEIR_FIELD(weir_wf_task_run, task_key),     WEIR_FIELD(weir_wf_task_run, attempt),
	WEIR_FIELD(weir_wf_task_run, repair_id),    WEIR_FIELD(weir_wf_task_run, iteration_of),
	WEIR_FIELD(weir_wf_task_run, iteration),    WEIR_FIELD(weir_wf_task_run, life_cycle),
	WEIR_FIELD(weir_wf_task_run, result_state), WEIR_FIELD(weir_wf_task_run, state_message),
	WEIR_FIELD(weir_wf_task_run, start_time),   WEIR_FIELD(weir_wf_task_run, end_time),
	WEIR_FIELD(weir_wf_task_run, retry_at),     WEIR_FIELD(weir_wf_task_run, task),
	WEIR_FIELD(weir_wf_task_run, outcome),      WEIR_FIELD(weir_wf_task_run, task_values),
	WEIR_FIELD(weir_wf_task_run, resolved),     WEIR_FIELD(weir_wf_task_run, error),
	WEIR_FIELD(weir_wf_task_run, error_trace),  WEIR_FIELD(weir_wf_task_run, logs_truncated),
	WEIR_FIELD(weir_wf_task_run, child_run_id), WEIR_FIELD(weir_wf_task_run, input),
	WEIR_FIELD(weir_wf_task_run, stats)};

static void task_row(weir_arena *a, weir_stmt *st, weir_wf_task_run *t) { WEIR_DB_ROW_READ(st, a, t, TASK_ROW_FIELDS); }

int weir_wf_task_insert(weir_db *db, const weir_wf_task_run *t, weir_error *err)
{
	return weir_db_exec(
		db, SQL_TASK_INSERT, err, WEIR_I64(t->task_run_id), WEIR_I64(t->run_id), WEIR_TEXT(t->task_key),
		WEIR_I64(t->attempt), WEIR_I64_OR_NULL(t->repair_id, t->repair_id == 0),
		WEIR_I64_OR_NULL(t->iteration_of, t->iteration_of == 0),
		WEIR_I64_OR_NULL(t->iteration, t->iteration_of == 0), WEIR_TEXT(t->life_cycle),
		WEIR_TEXT(t->result_state), WEIR_TEXT(t->state_message ? t->state_message : ""),
		WEIR_I64(t->start_time), WEIR_I64(t->end_time), WEIR_I64(t->retry_at), WEIR_TEXT(t->task),
		WEIR_TEXT(t->outcome), WEIR_TEXT(t->task_values), WEIR_TEXT(t->resolved), WEIR_TEXT(t->error),
		WEIR_TEXT(t->error_trace), WEIR_I64(t->logs_truncated),
		WEIR_I64_OR_NULL(t->child_run_id, t->child_run_id == 0), WEIR_TEXT(t->input), WEIR_TEXT(t->stats));
}

int weir_wf_task_save(weir_db *db, const weir_wf_task_run *t, weir_error *err)
{
	return weir_db_exec(db, SQL_TASK_SAVE, err, WEIR_I64(t->task_run_id), WEIR_TEXT(t->life_cycle),
			    WEIR_TEXT(t->result_state), WEIR_TEXT(t->state_message ? t->state_message : ""),
			    WEIR_I64(t->start_time), WEIR_I64(t->end_time), WEIR_I64(t->retry_at),
			    WEIR_TEXT(t->outcome), WEIR_TEXT(t->task_values), WEIR_TEXT(t->resolved),
			    WEIR_TEXT(t->error), WEIR_TEXT(t->error_trace), WEIR_I64(t->logs_truncated),
			    WEIR_I64_OR_NULL(t->child_run_id, t->child_run_id == 0), WEIR_TEXT(t->stats));
}

int weir_wf_task_get(weir_db *db, weir_arena *a, int64_t task_run_id, weir_wf_task_run *out, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_TASK_GET, err, WEIR_I64(task_run_id));
	if (st == NULL)
		return -1;
	int found = weir_db_step(st) == WEIR_DB_ROW;
	if (found)
		task_row(a, st, out);
	weir_db_done(st);
	return found;
}

weir_wf_task_run *weir_wf_tasks_of_run(weir_db *db, weir_arena *a, int64_t run_id, int *n, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_TASKS_OF_RUN, err, WEIR_I64(run_id));
	*n = 0;
	if (st == NULL)
		return NULL;
	int cap = 16;
	weir_wf_task_run *out = weir_arena_alloc(a, (size_t)cap * sizeof *out);
	while (weir_db_step(st) == WEIR_DB_ROW) {
		if (*n == cap) {
			weir_wf_task_run *bigger = weir_arena_alloc(a, (size_t)cap * 2 * sizeof *out);
			memcpy(bigger, out, (size_t)cap * sizeof *out);
			out = bigger;
			cap *= 2;
		}
		task_row(a, st, &out[(*n)++]);
	}
	weir_db_done(st);
	return out;
}

/* ---------------------------------------------------------------- repairs */

static const char SQL_REPAIR_INSERT[] = "INSERT INTO run_repairs (repair_id, run_id, request, start_time, life_cycle) "
					"VALUES (?1, ?2, ?3, ?4, 'PENDING')";
static const char SQL_REPAIRS_OF_RUN[] =
	"SELECT json_group_array(json_object('repair_id', repair_id, 'request', json(request), 'applied', applied, "
	"'start_time', start_time, 'end_time', end_time, 'life_cycle', life_cycle, 'result_state', result_state)) "
	"FROM (SELECT * FROM run_repairs WHERE run_id = ?1 ORDER BY repair_id)";
static const char SQL_REPAIR_SAVE[] = "UPDATE run_repairs SET applied = ?2, end_time = ?3, life_cycle = ?4, "
				      "result_state = ?5 WHERE repair_id = ?1";

int weir_wf_repair_insert(weir_db *db, int64_t repair_id, int64_t run_id, const char *request, int64_t now,
			  weir_error *err)
{
	return weir_db_exec(db, SQL_REPAIR_INSERT, err, WEIR_I64(repair_id), WEIR_I64(run_id), WEIR_TEXT(request),
			    WEIR_I64(now));
}

json_t *weir_wf_repairs_of_run(weir_db *db, int64_t run_id, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_REPAIRS_OF_RUN, err, WEIR_I64(run_id));
	if (st == NULL)
		return NULL;
	json_t *out = NULL;
	if (weir_db_step(st) == WEIR_DB_ROW && weir_db_col_text(st, 0))
		out = json_loads(weir_db_col_text(st, 0), 0, NULL);
	weir_db_done(st);
	return out ? out : json_array();
}

int weir_wf_repair_save(weir_db *db, int64_t repair_id, bool applied, int64_t end_time, const char *life_cycle,
			const char *result_state, weir_error *err)
{
	return weir_db_exec(db, SQL_REPAIR_SAVE, err, WEIR_I64(repair_id), WEIR_I64(applied ? 1 : 0),
			    WEIR_I64(end_time), WEIR_TEXT(life_cycle), WEIR_TEXT(result_state));
}
