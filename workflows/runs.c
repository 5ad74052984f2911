/* Runs as the Jobs API sees them: run-now, runs/submit, get, list, cancel, cancel-all,
 * delete, get-output and repair. These calls only write requests (a new PENDING run, a
 * cancel flag, a repair row) in the caller's transaction; the engine (engine.c) makes every
 * state change after that. Runs are rendered here from their rows. */
#include "workflows/jobs_int.h"

#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "workflows/dag.h"

int weir_runs_run_missing(weir_error *err, int64_t run_id)
{
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "run_id", "Run %" PRId64 " does not exist.",
				run_id);
}

static bool active(const char *life_cycle)
{
	return strcmp(life_cycle, "PENDING") == 0 || strcmp(life_cycle, "QUEUED") == 0 ||
	       strcmp(life_cycle, "RUNNING") == 0 || strcmp(life_cycle, "TERMINATING") == 0;
}

int64_t weir_runs_job_run_of(weir_db *db, int64_t run_id)
{
	weir_arena *a = weir_arena_new(1024);
	weir_error e = WEIR_ERROR_INIT;
	weir_wf_run r;
	weir_wf_task_run t;
	int64_t out = -1;
	if (weir_wf_run_get(db, a, run_id, &r, &e) == 1)
		out = run_id;
	else if (weir_wf_task_get(db, a, run_id, &t, &e) == 1)
		out = t.run_id;
	weir_arena_free(a);
	return out;
}

int weir_runs_authorize(weir_db *db, const weir_principal *p, int64_t run_id, weir_job_level level, weir_error *err)
{
	int64_t jr = weir_runs_job_run_of(db, run_id);
	if (jr < 0)
		return weir_runs_run_missing(err, run_id);
	weir_arena *a = weir_arena_new(1024);
	weir_wf_run r;
	int rc = -1;
	if (weir_wf_run_get(db, a, jr, &r, err) != 1) {
		weir_runs_run_missing(err, run_id);
		goto out;
	}
	if (r.job_id != 0) {
		/* a run of a job: the job's permissions; a deleted job's runs stay with admins */
		if (weir_jobs_level(db, p, r.job_id) >= WEIR_JOB_CAN_VIEW) {
			rc = weir_jobs_authorize(db, p, r.job_id, level, err);
			goto out;
		}
		if (p->is_admin) {
			rc = 0;
			goto out;
		}
		weir_runs_run_missing(err, run_id);
		goto out;
	}
	/* runs/submit: its creator, admins, and its access_control_list */
	weir_job_level have = p->is_admin || r.creator_id == p->id ? WEIR_JOB_IS_OWNER : WEIR_JOB_NONE;
	json_t *acl = r.acl ? json_loads(r.acl, 0, NULL) : NULL;
	size_t i;
	json_t *e;
	json_array_foreach (acl, i, e) {
		int64_t pid = json_integer_value(json_array_get(e, 0));
		const char *lv = json_string_value(json_array_get(e, 1));
		for (int c = 0; c < p->nclosure; c++)
			if (p->closure[c] == pid)
				for (int l = WEIR_JOB_IS_OWNER; l > (int)have; l--)
					if (lv && strcmp(lv, weir_job_level_name((weir_job_level)l)) == 0)
						have = (weir_job_level)l;
	}
	json_decref(acl);
	if (have < WEIR_JOB_CAN_VIEW)
		weir_runs_run_missing(err, run_id);
	else if (have < level)
		weir_error_set(err, WEIR_E_PERMISSION_DENIED, "%s does not have %s permissions on Run %" PRId64 ".",
			       p->name, weir_job_level_name(level), run_id);
	else
		rc = 0;
out:
	weir_arena_free(a);
	return rc;
}

/* ---------------------------------------------------------------- states */

/* The legacy `state` and the new `status` of a run or task run. */
static void add_state(json_t *o, const char *life, const char *result, const char *message, bool user_cancelled,
		      const char *queue_reason)
{
	json_t *st = json_pack("{s:s, s:s, s:b}", "life_cycle_state", life, "state_message", message ? message : "",
			       "user_cancelled_or_timedout",
			       user_cancelled || (result && strcmp(result, "TIMEDOUT") == 0));
	if (result)
		json_object_set_new(st, "result_state", json_string(result));
	if (queue_reason)
		json_object_set_new(st, "queue_reason", json_string(queue_reason));
	json_object_set_new(o, "state", st);

	const char *sstate = life, *code = NULL, *type = "SUCCESS";
	if (strcmp(life, "WAITING_FOR_RETRY") == 0) {
		sstate = "WAITING";
	} else if (strcmp(life, "SKIPPED") == 0) {
		sstate = "TERMINATED";
		code = "MAX_CONCURRENT_RUNS_EXCEEDED";
		type = "CLIENT_ERROR";
	} else if (strcmp(life, "INTERNAL_ERROR") == 0) {
		sstate = "TERMINATED";
		code = "INTERNAL_ERROR";
		type = "INTERNAL_ERROR";
	} else if (strcmp(life, "TERMINATED") == 0) {
		const char *r = result ? result : "";
		if (strcmp(r, "SUCCESS") == 0 || strcmp(r, "SUCCESS_WITH_FAILURES") == 0) {
			code = r;
		} else if (strcmp(r, "CANCELED") == 0) {
			code = user_cancelled ? "USER_CANCELED" : "CANCELED";
		} else if (strcmp(r, "TIMEDOUT") == 0) {
			code = "CANCELED";
		} else if (strcmp(r, "UPSTREAM_FAILED") == 0 || strcmp(r, "EXCLUDED") == 0 ||
			   strcmp(r, "UPSTREAM_CANCELED") == 0) {
			code = "SKIPPED";
		} else if (strcmp(r, "DISABLED") == 0) {
			code = "DISABLED";
		} else if (strcmp(r, "MAXIMUM_CONCURRENT_RUNS_REACHED") == 0) {
			code = "MAX_CONCURRENT_RUNS_EXCEEDED";
			type = "CLIENT_ERROR";
		} else {
			code = "RUN_EXECUTION_ERROR";
			type = "CLIENT_ERROR";
		}
	}
	json_t *status = json_pack("{s:s}", "state", sstate);
	if (code)
		json_object_set_new(
			status, "termination_details",
			json_pack("{s:s, s:s, s:s}", "code", code, "type", type, "message", message ? message : ""));
	if (strcmp(life, "QUEUED") == 0)
		json_object_set_new(status, "queue_details",
				    json_pack("{s:s, s:s}", "code", "MAX_CONCURRENT_RUNS_REACHED", "message",
					      queue_reason ? queue_reason : ""));
	json_object_set_new(o, "status", status);
}

static void add_times(json_t *o, int64_t start, int64_t end)
{
	int64_t now = weir_now_ms();
	int64_t dur = start > 0 ? (end > 0 ? end : now) - start : 0;
	json_object_set_new(o, "start_time", json_integer(start));
	json_object_set_new(o, "end_time", json_integer(end));
	json_object_set_new(o, "setup_duration", json_integer(0));
	json_object_set_new(o, "execution_duration", json_integer(dur));
	json_object_set_new(o, "cleanup_duration", json_integer(0));
	json_object_set_new(o, "run_duration", json_integer(dur));
}

/* A task run as RunTask: the task's settings, then its run's fields. */
static json_t *task_json(const weir_wf_task_run *t)
{
	json_t *o = t->task ? json_loads(t->task, 0, NULL) : NULL;
	if (o == NULL)
		o = json_object();
	json_object_set_new(o, "task_key", json_string(t->task_key));
	json_object_set_new(o, "run_id", json_integer(t->task_run_id));
	json_object_set_new(o, "attempt_number", json_integer(t->attempt));
	add_times(o, t->start_time, t->end_time);
	add_state(o, t->life_cycle, t->result_state, t->state_message,
		  t->result_state && strcmp(t->result_state, "CANCELED") == 0, NULL);
	if (t->outcome) {
		json_t *ct = json_object_get(o, "condition_task");
		if (json_is_object(ct))
			json_object_set_new(ct, "outcome", json_string(t->outcome));
	}
	if (t->child_run_id) {
		json_t *rj = json_object_get(o, "run_job_task");
		if (json_is_object(rj))
			json_object_set_new(o, "run_job_output",
					    json_pack("{s:I}", "run_id", (json_int_t)t->child_run_id));
	}
	if (t->stats) {
		json_t *fe = json_object_get(o, "for_each_task");
		json_t *stats = json_loads(t->stats, 0, NULL);
		if (json_is_object(fe) && stats)
			json_object_set_new(fe, "stats", stats);
		else
			json_decref(stats);
	}
	if (t->resolved) {
		json_t *rv = json_loads(t->resolved, 0, NULL);
		if (rv)
			json_object_set_new(o, "resolved_values", rv);
	}
	if (t->iteration_of)
		json_object_set_new(o, "iteration", json_integer(t->iteration));
	return o;
}

static json_t *params_json(const char *text)
{
	json_t *p = text ? json_loads(text, 0, NULL) : NULL;
	return p ? p : json_array();
}

/* A job run as Run, with its task runs (not the for_each iterations). */
static json_t *run_json(weir_db *db, weir_arena *a, const weir_wf_run *r, bool with_tasks, bool include_history,
			weir_error *err)
{
	json_t *o = json_object();
	if (r->job_id)
		json_object_set_new(o, "job_id", json_integer(r->job_id));
	json_object_set_new(o, "run_id", json_integer(r->run_id));
	json_object_set_new(o, "number_in_job", json_integer(r->run_id));
	json_object_set_new(o, "original_attempt_run_id", json_integer(r->run_id));
	json_object_set_new(o, "attempt_number", json_integer(0));
	const char *creator = weir_gov_principal_name(db, a, r->creator_id);
	if (creator)
		json_object_set_new(o, "creator_user_name", json_string(creator));
	json_object_set_new(o, "run_name", json_string(r->run_name ? r->run_name : "Untitled"));
	json_object_set_new(o, "run_type", json_string(r->run_type));
	json_object_set_new(o, "trigger", json_string(r->trigger_type));
	json_object_set_new(o, "format", json_string("MULTI_TASK"));
	json_object_set_new(o, "run_page_url", json_string(weir_arena_printf(a, "/jobs/runs/%" PRId64, r->run_id)));
	add_times(o, r->start_time, r->end_time);
	json_object_set_new(o, "queue_duration", json_integer(r->queue_duration));
	add_state(o, r->life_cycle, r->result_state, r->state_message, r->user_cancelled, r->queue_reason);
	json_object_set_new(o, "job_parameters", params_json(r->job_parameters));
	if (r->overriding) {
		json_t *ov = json_loads(r->overriding, 0, NULL);
		if (ov)
			json_object_set_new(o, "overriding_parameters", ov);
	}
	if (r->parent_task_run)
		json_object_set_new(o, "trigger_info", json_pack("{s:I}", "run_id", (json_int_t)r->parent_task_run));
	if (with_tasks) {
		int n;
		weir_wf_task_run *ts = weir_wf_tasks_of_run(db, a, r->run_id, &n, err);
		if (ts == NULL && n == 0 && err->code != WEIR_OK) {
			json_decref(o);
			return NULL;
		}
		json_t *tasks = json_array();
		for (int i = 0; i < n; i++)
			if (ts[i].iteration_of == 0)
				json_array_append_new(tasks, task_json(&ts[i]));
		json_object_set_new(o, "tasks", tasks);
		if (include_history) {
			json_t *reps = weir_wf_repairs_of_run(db, r->run_id, err);
			json_t *hist = json_array();
			json_t *orig = json_pack("{s:s, s:I, s:I, s:[]}", "type", "ORIGINAL", "start_time",
						 (json_int_t)r->start_time, "end_time", (json_int_t)r->end_time,
						 "task_run_ids");
			json_array_append_new(hist, orig);
			size_t i;
			json_t *rep;
			json_array_foreach (reps, i, rep) {
				json_t *h = json_pack("{s:s, s:O, s:O, s:O, s:[]}", "type", "REPAIR", "id",
						      json_object_get(rep, "repair_id"), "start_time",
						      json_object_get(rep, "start_time"), "end_time",
						      json_object_get(rep, "end_time"), "task_run_ids");
				const char *rl = json_string_value(json_object_get(rep, "life_cycle"));
				const char *rr = json_string_value(json_object_get(rep, "result_state"));
				add_state(h, rl ? rl : "PENDING", rr, "", false, NULL);
				json_array_append_new(hist, h);
			}
			/* each task run goes to the item that made it */
			for (int t = 0; t < n; t++) {
				json_t *item = orig;
				json_array_foreach (reps, i, rep)
					if (json_integer_value(json_object_get(rep, "repair_id")) == ts[t].repair_id)
						item = json_array_get(hist, i + 1);
				json_array_append_new(json_object_get(item, "task_run_ids"),
						      json_integer(ts[t].task_run_id));
			}
			json_decref(reps);
			json_object_set_new(o, "repair_history", hist);
		}
	}
	return o;
}

json_t *weir_runs_get(weir_db *db, weir_arena *a, int64_t run_id, bool include_history, weir_error *err)
{
	weir_wf_run r;
	int rc = weir_wf_run_get(db, a, run_id, &r, err);
	if (rc < 0)
		return NULL;
	if (rc == 1)
		return run_json(db, a, &r, true, include_history, err);
	/* a task run: its job run's fields, that task only, and a for_each's iterations */
	weir_wf_task_run t;
	if (weir_wf_task_get(db, a, run_id, &t, err) != 1 || weir_wf_run_get(db, a, t.run_id, &r, err) != 1) {
		weir_runs_run_missing(err, run_id);
		return NULL;
	}
	json_t *o = run_json(db, a, &r, false, false, err);
	json_object_set_new(o, "run_id", json_integer(t.task_run_id));
	json_object_set_new(o, "job_run_id", json_integer(r.run_id));
	add_times(o, t.start_time, t.end_time);
	add_state(o, t.life_cycle, t.result_state, t.state_message, false, NULL);
	json_object_set_new(o, "tasks", json_pack("[o]", task_json(&t)));
	int n;
	weir_wf_task_run *ts = weir_wf_tasks_of_run(db, a, r.run_id, &n, err);
	json_t *iters = NULL;
	for (int i = 0; i < n; i++)
		if (ts[i].iteration_of == t.task_run_id) {
			if (iters == NULL)
				iters = json_array();
			json_array_append_new(iters, task_json(&ts[i]));
		}
	if (iters)
		json_object_set_new(o, "iterations", iters);
	return o;
}

json_t *weir_runs_list(weir_db *db, weir_arena *a, const weir_principal *p, const weir_runs_filter *f, weir_error *err)
{
	if (f->active_only && f->completed_only)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "active_only",
					"active_only and completed_only cannot both be true"),
		       NULL;
	int64_t limit = f->limit == 0 ? 25 : f->limit;
	if (limit < 1 || limit > 25)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "limit", "limit must be from 1 to 25"),
		       NULL;
	if (f->run_type && strcmp(f->run_type, "JOB_RUN") != 0 && strcmp(f->run_type, "SUBMIT_RUN") != 0 &&
	    strcmp(f->run_type, "WORKFLOW_RUN") != 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "run_type",
					"run_type must be JOB_RUN, SUBMIT_RUN or WORKFLOW_RUN"),
		       NULL;
	int64_t offset = f->offset;
	if (offset < 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "offset", "offset must not be negative"),
		       NULL;
	if (f->page_token && *f->page_token && weir_page_token_offset_parse(a, f->page_token, &offset, err) != 0)
		return NULL;
	weir_wf_run_query q = {
		.job_id = f->job_id,
		.active_only = f->active_only,
		.completed_only = f->completed_only,
		.run_type = f->run_type,
		.start_from = f->start_time_from,
		.start_to = f->start_time_to,
		.admin = p->is_admin,
		.closure_json = p->closure_json,
		.creator_id = p->id,
		.offset = offset,
		.limit = limit + 1,
	};
	json_t *ids = weir_wf_runs_list(db, &q, err);
	if (ids == NULL)
		return NULL;
	weir_json_own(a, ids);
	json_t *out = json_object();
	bool more = (int64_t)json_array_size(ids) > limit;
	json_t *runs = json_array();
	for (size_t i = 0; i < json_array_size(ids) && (int64_t)i < limit; i++) {
		weir_wf_run r;
		if (weir_wf_run_get(db, a, json_integer_value(json_array_get(ids, i)), &r, err) != 1)
			continue;
		json_t *rj = run_json(db, a, &r, f->expand_tasks, false, err);
		if (rj)
			json_array_append_new(runs, rj);
	}
	if (json_array_size(runs) > 0)
		json_object_set_new(out, "runs", runs);
	else
		json_decref(runs);
	weir_jobs_page_links(a, out, offset, limit, more);
	return out;
}

/* ---------------------------------------------------------------- starting runs */

/* [{name, default, value}] from the job's parameters and run-now's job_parameters. */
static int resolve_params(weir_arena *a, const json_t *settings, const json_t *given, const char **out, weir_error *err)
{
	json_t *defs = json_object_get(settings, "parameters");
	if (given && !json_is_null(given)) {
		if (!json_is_object(given))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "job_parameters",
						"job_parameters must be an object of strings");
		const char *k;
		json_t *v;
		json_object_foreach ((json_t *)given, k, v) {
			if (!json_is_string(v))
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "job_parameters",
							"job_parameters.%.100s must be a string", k);
			bool known = false;
			size_t i;
			json_t *d;
			json_array_foreach (defs, i, d)
				known = known || strcmp(json_string_value(json_object_get(d, "name")), k) == 0;
			if (!known)
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "job_parameters",
							"job_parameters: '%.100s' is not a parameter of the job", k);
		}
	}
	json_t *list = json_array();
	size_t i;
	json_t *d;
	json_array_foreach (defs, i, d) {
		const char *name = json_string_value(json_object_get(d, "name"));
		json_t *v = given ? json_object_get(given, name) : NULL;
		json_array_append_new(list, json_pack("{s:s, s:O, s:O}", "name", name, "default",
						      json_object_get(d, "default"), "value",
						      v ? v : json_object_get(d, "default")));
	}
	char *text = json_dumps(list, JSON_COMPACT);
	*out = weir_arena_strdup(a, text);
	free(text);
	json_decref(list);
	return 0;
}

static int idempotency(const json_t *body, const char **token, weir_error *err)
{
	*token = NULL;
	json_t *t = json_object_get(body, "idempotency_token");
	if (t == NULL || json_is_null(t))
		return 0;
	if (!json_is_string(t) || strlen(json_string_value(t)) == 0 || strlen(json_string_value(t)) > 64)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "idempotency_token",
					"idempotency_token must be a string of 1 to 64 characters");
	*token = json_string_value(t);
	return 0;
}

int64_t weir_wf_run_start(weir_db *db, weir_arena *a, const weir_wf_job *j, const weir_wf_start *o, weir_error *err)
{
	json_t *settings = json_loads(j->settings, 0, NULL);
	if (settings == NULL)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "stored settings are unreadable");
	weir_json_own(a, settings);
	weir_dag g;
	if (weir_dag_build(a, json_object_get(settings, "tasks"), "tasks", &g, err) != 0)
		return -1;
	bool *sel = weir_arena_calloc(a, (size_t)g.n + 1);
	if (weir_dag_select_only(&g, o->only, sel, err) != 0)
		return -1;
	if (o->queue && !json_is_null(o->queue)) {
		if (!json_is_object(o->queue) || !json_is_boolean(json_object_get(o->queue, "enabled")))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "queue",
						"queue must be {\"enabled\": true|false}");
		json_object_set(settings, "queue", (json_t *)o->queue);
	}
	weir_wf_run r = {
		.run_id = weir_wf_next_id(),
		.job_id = j->job_id,
		.run_type = "JOB_RUN",
		.trigger_type = o->trigger,
		.run_name = j->name,
		.creator_id = o->creator_id,
		.run_as_id = j->run_as_id,
		.settings = weir_json_text(a, settings, JSON_COMPACT | JSON_ENCODE_ANY),
		.overriding = weir_json_text(a, o->overriding, JSON_COMPACT | JSON_ENCODE_ANY),
		.only_tasks = o->only && json_is_array(o->only) && json_array_size(o->only)
				      ? weir_json_text(a, o->only, JSON_COMPACT | JSON_ENCODE_ANY)
				      : NULL,
		.life_cycle = "PENDING",
		.created_time = weir_now_ms(),
		.idempotency_token = o->token,
		.parent_task_run = o->parent_task_run,
	};
	if (resolve_params(a, settings, o->job_parameters, &r.job_parameters, err) != 0 ||
	    weir_wf_run_insert(db, &r, err) != 0)
		return -1;
	return r.run_id;
}

json_t *weir_runs_run_now(weir_db *db, weir_arena *a, const weir_principal *p, json_t *body, weir_error *err)
{
	int64_t job_id = 0;
	if (weir_json_get_i64(body, "job_id", true, &job_id, err) != 0)
		return NULL;
	weir_wf_job j;
	int rc = weir_wf_job_get(db, a, job_id, &j, err);
	if (rc <= 0)
		return rc == 0 ? (weir_jobs_job_missing(err, job_id), NULL) : NULL;
	const char *token;
	if (idempotency(body, &token, err) != 0)
		return NULL;
	if (token) {
		int64_t existing = weir_wf_run_by_token(db, job_id, p->id, token);
		if (existing)
			return json_pack("{s:I, s:I}", "run_id", (json_int_t)existing, "number_in_job",
					 (json_int_t)existing);
	}
	/* legacy per-type parameters, kept as overriding_parameters and applied at dispatch */
	static const char *const LEGACY[] = {"notebook_params", "python_params",       "python_named_params",
					     "jar_params",      "spark_submit_params", "sql_params",
					     "dbt_commands",    "pipeline_params"};
	json_t *overriding = NULL;
	for (size_t i = 0; i < sizeof LEGACY / sizeof LEGACY[0]; i++) {
		json_t *v = json_object_get(body, LEGACY[i]);
		if (v == NULL || json_is_null(v))
			continue;
		if (overriding == NULL)
			overriding = weir_json_own(a, json_object());
		json_object_set(overriding, LEGACY[i], v);
	}
	weir_wf_start o = {
		.trigger = "ONE_TIME",
		.creator_id = p->id,
		.queue = json_object_get(body, "queue"),
		.job_parameters = json_object_get(body, "job_parameters"),
		.overriding = overriding,
		.only = json_object_get(body, "only"),
		.token = token,
	};
	int64_t run_id = weir_wf_run_start(db, a, &j, &o, err);
	if (run_id < 0)
		return NULL;
	return json_pack("{s:I, s:I}", "run_id", (json_int_t)run_id, "number_in_job", (json_int_t)run_id);
}

json_t *weir_runs_submit(weir_db *db, weir_arena *a, const weir_principal *p, json_t *body, weir_jobs_api api,
			 weir_error *err)
{
	json_t *s = weir_json_own(a, json_deep_copy(body));
	const char *token;
	if (idempotency(s, &token, err) != 0)
		return NULL;
	if (token) {
		int64_t existing = weir_wf_run_by_token(db, 0, p->id, token);
		if (existing)
			return json_pack("{s:I}", "run_id", (json_int_t)existing);
	}
	json_t *acl = json_object_get(s, "access_control_list");
	json_t *resolved_acl = NULL;
	if (acl && !json_is_null(acl)) {
		if (!json_is_array(acl))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "access_control_list",
						"access_control_list must be an array"),
			       NULL;
		resolved_acl = weir_json_own(a, json_array());
		size_t i;
		json_t *e;
		json_array_foreach (acl, i, e) {
			const char *name = NULL;
			static const char *const KEYS[] = {"user_name", "group_name", "service_principal_name"};
			for (size_t k = 0; json_is_object(e) && k < 3; k++)
				if (json_is_string(json_object_get(e, KEYS[k])))
					name = json_string_value(json_object_get(e, KEYS[k]));
			json_t *lv = json_is_object(e) ? json_object_get(e, "permission_level") : NULL;
			weir_principal_kind kind = WEIR_PRINCIPAL_USER;
			weir_error e2 = WEIR_ERROR_INIT;
			int64_t pid = name ? weir_gov_principal_id(db, name, &kind, &e2) : -1;
			/* a level of the job levels; IS_OWNER to a user or service principal only */
			weir_job_level level = WEIR_JOB_NONE;
			for (int l = WEIR_JOB_CAN_VIEW; json_is_string(lv) && l <= WEIR_JOB_IS_OWNER; l++)
				if (strcmp(json_string_value(lv), weir_job_level_name((weir_job_level)l)) == 0)
					level = (weir_job_level)l;
			if (pid < 0 || level == WEIR_JOB_NONE ||
			    (level == WEIR_JOB_IS_OWNER && kind == WEIR_PRINCIPAL_GROUP))
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "access_control_list",
							"access_control_list[%zu]: a known principal and a "
							"permission_level (CAN_VIEW, CAN_MANAGE_RUN, CAN_MANAGE, or "
							"IS_OWNER for a user or service principal) are required",
							i),
				       NULL;
			json_array_append_new(resolved_acl, json_pack("[Is]", (json_int_t)pid, json_string_value(lv)));
		}
	}
	json_object_del(s, "access_control_list");
	if (weir_jobs_settings_check(db, a, p, s, api, true, err) != 0)
		return NULL;
	json_t *tasks = json_object_get(s, "tasks");
	if (!json_is_array(tasks) || json_array_size(tasks) == 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "tasks",
					"tasks is required (at least one)"),
		       NULL;
	json_t *rn = json_object_get(s, "run_name");
	weir_wf_run r = {
		.run_id = weir_wf_next_id(),
		.run_type = "SUBMIT_RUN",
		.trigger_type = "ONE_TIME",
		.run_name = json_is_string(rn) ? json_string_value(rn) : "Untitled",
		.creator_id = p->id,
		.run_as_id = p->id,
		.settings = weir_json_text(a, s, JSON_COMPACT | JSON_ENCODE_ANY),
		.job_parameters = "[]",
		.life_cycle = "PENDING",
		.created_time = weir_now_ms(),
		.idempotency_token = token,
		.acl = weir_json_text(a, resolved_acl, JSON_COMPACT | JSON_ENCODE_ANY),
	};
	if (weir_wf_run_insert(db, &r, err) != 0)
		return NULL;
	return json_pack("{s:I}", "run_id", (json_int_t)r.run_id);
}

/* ---------------------------------------------------------------- cancel, delete */

int weir_runs_cancel(weir_db *db, int64_t run_id, weir_error *err)
{
	weir_arena *a = weir_arena_new(1024);
	weir_wf_run r;
	weir_wf_task_run t;
	int rc = -1;
	if (weir_wf_run_get(db, a, run_id, &r, err) == 1)
		rc = active(r.life_cycle) ? weir_wf_run_request_cancel(db, run_id, err) : 0;
	else if (weir_wf_task_get(db, a, run_id, &t, err) == 1)
		rc = weir_wf_task_request_cancel(db, run_id, err);
	else
		weir_runs_run_missing(err, run_id);
	weir_arena_free(a);
	return rc;
}

int weir_runs_cancel_all(weir_db *db, const weir_principal *p, int64_t job_id, bool all_queued, weir_error *err)
{
	if (job_id <= 0 && !all_queued)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "job_id",
					"job_id or all_queued_runs is required");
	json_t *ids = weir_wf_runs_active(db, job_id > 0 ? job_id : 0, all_queued, err);
	if (ids == NULL)
		return -1;
	size_t i;
	json_t *id;
	int rc = 0;
	json_array_foreach (ids, i, id) {
		int64_t rid = json_integer_value(id);
		weir_error e2 = WEIR_ERROR_INIT;
		/* across jobs: only the runs the caller may manage */
		if (job_id <= 0 && weir_runs_authorize(db, p, rid, WEIR_JOB_CAN_MANAGE_RUN, &e2) != 0)
			continue;
		if (rc == 0)
			rc = weir_wf_run_request_cancel(db, rid, err);
	}
	json_decref(ids);
	return rc;
}

int weir_runs_delete(weir_db *db, int64_t run_id, weir_error *err)
{
	weir_arena *a = weir_arena_new(1024);
	weir_wf_run r;
	int rc = weir_wf_run_get(db, a, run_id, &r, err);
	if (rc == 0)
		rc = weir_runs_run_missing(err, run_id);
	else if (rc == 1 && active(r.life_cycle))
		rc = weir_error_field(err, WEIR_E_INVALID_STATE, "run_id",
				      "Run %" PRId64 " is active; cancel it before deleting it.", run_id);
	else if (rc == 1)
		rc = weir_wf_run_delete(db, run_id, err);
	weir_arena_free(a);
	return rc;
}

/* ---------------------------------------------------------------- output */

/* The last `limit` bytes of a task run's output, and whether more was written. */
static json_t *read_logs(weir_arena *a, int64_t task_run_id, bool *truncated)
{
	char path[512];
	weir_engine_log_path(task_run_id, path, sizeof path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat sb;
	json_t *out = NULL;
	int64_t limit = weir_engine_log_limit();
	if (fstat(fd, &sb) == 0) {
		int64_t size = sb.st_size, from = size > limit ? size - limit : 0;
		if (from > 0)
			*truncated = true;
		char *buf = weir_arena_alloc(a, (size_t)(size - from) + 1);
		ssize_t got = pread(fd, buf, (size_t)(size - from), from);
		if (got >= 0) {
			/* cut to whole UTF-8: start past continuation bytes, replace what is invalid */
			size_t s = 0;
			while (s < (size_t)got && ((unsigned char)buf[s] & 0xC0) == 0x80)
				s++;
			out = json_stringn_nocheck(buf + s, (size_t)got - s);
			if (!weir_utf8_valid(buf + s, (size_t)got - s)) {
				json_decref(out);
				for (size_t i = s; i < (size_t)got; i++)
					if ((unsigned char)buf[i] >= 0x80)
						buf[i] = '?';
				out = json_stringn(buf + s, (size_t)got - s);
			}
		}
	}
	close(fd);
	return out;
}

json_t *weir_runs_get_output(weir_db *db, weir_arena *a, int64_t run_id, weir_error *err)
{
	weir_wf_task_run t;
	weir_wf_run r;
	int rc = weir_wf_task_get(db, a, run_id, &t, err);
	if (rc < 0)
		return NULL;
	if (rc == 0) {
		if (weir_wf_run_get(db, a, run_id, &r, err) != 1)
			return weir_runs_run_missing(err, run_id), NULL;
		int n;
		weir_wf_task_run *ts = weir_wf_tasks_of_run(db, a, run_id, &n, err);
		/* one task, however many attempts (retries, repairs): its newest attempt (by id) */
		int last = -1;
		bool one_task = true;
		for (int i = 0; i < n; i++)
			if (ts[i].iteration_of == 0) {
				if (last >= 0 && strcmp(ts[i].task_key, ts[last].task_key) != 0)
					one_task = false;
				last = i;
			}
		if (last < 0 || !one_task)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "run_id",
						"Retrieving the output of runs with multiple tasks is not supported. "
						"Please retrieve the output of each individual task run instead."),
			       NULL;
		t = ts[last];
	}
	json_t *meta = weir_runs_get(db, a, t.task_run_id, false, err);
	if (meta == NULL)
		return NULL;
	json_t *out = json_pack("{s:o}", "metadata", meta);
	bool truncated = t.logs_truncated;
	json_t *logs = read_logs(a, t.task_run_id, &truncated);
	if (logs) {
		json_object_set_new(out, "logs", logs);
		json_object_set_new(out, "logs_truncated", json_boolean(truncated));
	}
	if (t.error)
		json_object_set_new(out, "error", json_string(t.error));
	if (t.error_trace)
		json_object_set_new(out, "error_trace", json_string(t.error_trace));
	if (t.child_run_id)
		json_object_set_new(out, "run_job_output", json_pack("{s:I}", "run_id", (json_int_t)t.child_run_id));
	if (t.task_values) {
		json_t *v = json_loads(t.task_values, 0, NULL);
		if (v)
			json_object_set_new(out, "task_values", v); /* a Weir extension: what the task set */
	}
	return out;
}

/* ---------------------------------------------------------------- repair */

json_t *weir_runs_repair(weir_db *db, weir_arena *a, const weir_principal *p, json_t *body, weir_error *err)
{
	(void)p;
	int64_t run_id = 0;
	if (weir_json_get_i64(body, "run_id", true, &run_id, err) != 0)
		return NULL;
	weir_wf_run r;
	int rc = weir_wf_run_get(db, a, run_id, &r, err);
	if (rc <= 0)
		return rc == 0 ? (weir_runs_run_missing(err, run_id), NULL) : NULL;
	if (active(r.life_cycle))
		return weir_error_field(err, WEIR_E_INVALID_STATE, "run_id",
					"Run %" PRId64 " is still in progress and cannot be repaired.", run_id),
		       NULL;
	json_t *rerun = json_object_get(body, "rerun_tasks");
	bool all_failed = false, dependents = false;
	if (weir_json_get_bool(body, "rerun_all_failed_tasks", false, &all_failed, err) != 0 ||
	    weir_json_get_bool(body, "rerun_dependent_tasks", false, &dependents, err) != 0)
		return NULL;
	bool have_tasks = rerun && !json_is_null(rerun) && json_array_size(rerun) > 0;
	if (have_tasks == all_failed)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "rerun_tasks",
					"Exactly one of rerun_tasks and rerun_all_failed_tasks must be given."),
		       NULL;
	/* repair uses the job's current settings (runs/submit runs keep theirs) */
	const char *settings_text = r.settings;
	if (r.job_id) {
		weir_wf_job j;
		if (weir_wf_job_get(db, a, r.job_id, &j, err) != 1)
			return weir_jobs_job_missing(err, r.job_id), NULL;
		settings_text = j.settings;
	}
	json_t *settings = weir_json_own(a, json_loads(settings_text, 0, NULL));
	weir_dag g;
	if (settings == NULL || weir_dag_build(a, json_object_get(settings, "tasks"), "tasks", &g, err) != 0)
		return NULL;
	if (have_tasks) {
		if (!json_is_array(rerun))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "rerun_tasks",
						"rerun_tasks must be an array of task keys"),
			       NULL;
		size_t i, k;
		json_t *v, *w;
		json_array_foreach (rerun, i, v) {
			if (!json_is_string(v) || weir_dag_find(&g, json_string_value(v)) < 0)
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "rerun_tasks",
							"rerun_tasks: '%.100s' is not a task of the job",
							json_is_string(v) ? json_string_value(v) : "?"),
				       NULL;
			json_array_foreach (rerun, k, w)
				if (k < i && json_equal(v, w))
					return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "rerun_tasks",
								"rerun_tasks cannot contain duplicate task keys."),
					       NULL;
		}
	}
	int64_t latest = 0;
	json_t *lr = json_object_get(body, "latest_repair_id");
	if (lr && !json_is_null(lr) && !json_is_integer(lr))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "latest_repair_id",
					"latest_repair_id must be an integer"),
		       NULL;
	latest = lr ? json_integer_value(lr) : 0;
	if (r.latest_repair_id && latest == 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "latest_repair_id",
					"The latest repair ID needs to be provided in order to create a new repair."),
		       NULL;
	if (r.latest_repair_id && latest != r.latest_repair_id)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "latest_repair_id",
					"latest_repair_id %" PRId64 " is not the latest repair of run %" PRId64 ".",
					latest, run_id),
		       NULL;
	if (json_object_get(body, "job_parameters") &&
	    resolve_params(a, settings, json_object_get(body, "job_parameters"), &r.job_parameters, err) != 0)
		return NULL;
	json_t *req = json_pack("{s:O, s:b, s:b}", "rerun_tasks", have_tasks ? rerun : json_null(),
				"rerun_all_failed_tasks", all_failed, "rerun_dependent_tasks", dependents);
	const char *req_text = weir_json_text(a, req, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(req);
	int64_t repair_id = weir_wf_next_id();
	r.settings = weir_json_text(a, settings, JSON_COMPACT | JSON_ENCODE_ANY);
	r.life_cycle = "PENDING";
	r.result_state = NULL;
	r.state_message = "";
	r.end_time = 0;
	r.user_cancelled = false;
	r.cancel_requested = false;
	r.latest_repair_id = repair_id;
	if (weir_wf_repair_insert(db, repair_id, run_id, req_text, weir_now_ms(), err) != 0 ||
	    weir_wf_run_save(db, &r, err) != 0)
		return NULL;
	return json_pack("{s:I}", "repair_id", (json_int_t)repair_id);
}
