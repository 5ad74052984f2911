/* Jobs API 2.1 and 2.2 (/api/2.{1,2}/jobs/...: the same handlers; 2.2 defaults new jobs'
 * queue to on and pages the arrays of jobs/get and runs/get by 100) and job permissions
 * (/api/2.0/permissions/jobs/{job_id}). Routes on one job or run declare the level they
 * need (RULE_OBJECT); the handler checks it against the job's ACL through workflows/ and
 * a caller without CAN_VIEW gets the Jobs API's answer for a job that does not exist. */
#include "api/http.h"

#include <inttypes.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"
#include "workflows/workflows.h"

static int fail(weir_req *r, weir_error *e) { return weir_reply_error(r, e); }

static weir_jobs_api api_of(weir_req *r)
{
	return strncmp(r->path, "/api/2.2/", 9) == 0 ? WEIR_JOBS_API_22 : WEIR_JOBS_API_21;
}

/* The route's level on a job (or, run, a job run), checked; the request is then authorized
 * and audited on it. */
static int level_auth(weir_req *r, bool run, int64_t id, weir_error *e)
{
	weir_db *db = weir_req_db(r);
	weir_job_level level = (weir_job_level)r->route->rule.level;
	if ((run ? weir_runs_authorize(db, r->principal, id, level, e)
		 : weir_jobs_authorize(db, r->principal, id, level, e)) != 0)
		return -1;
	weir_req_mark_authorized(r);
	weir_req_audit_securable(r, weir_arena_printf(r->arena, run ? "/jobs/runs/%" PRId64 : "/jobs/%" PRId64, id));
	return 0;
}

/* A required id from the query (GET) or the body (POST). */
static int id_arg(weir_req *r, json_t *body, const char *key, int64_t *out, weir_error *e)
{
	*out = 0;
	if (body != NULL)
		return weir_json_get_i64(body, key, true, out, e);
	if (weir_req_query_i64(r, key, out, e) != 0)
		return -1;
	if (weir_req_query(r, key) == NULL)
		return weir_error_field(e, WEIR_E_INVALID_PARAMETER_VALUE, key, "Missing required field: %s", key);
	return 0;
}

/* The job (or, run, the run) a read names in its query, with the route's level checked. */
static int read_named(weir_req *r, bool run, int64_t *id, weir_error *e)
{
	if (id_arg(r, NULL, run ? "run_id" : "job_id", id, e) != 0)
		return -1;
	return level_auth(r, run, *id, e);
}

static void wake(void *unused)
{
	(void)unused;
	weir_engine_wake();
}

static void job_changed(void *job_id) { weir_engine_job_changed(*(const int64_t *)job_id); }

/* Commits, has the engine woken once the commit is visible (the engine reads what was
 * committed; a job whose settings changed has its schedule read again), on whichever replica
 * of the store runs it, and answers. */
static int commit_reply(weir_req *r, json_t *out, int64_t changed_job, weir_error *e)
{
	weir_engine_notify(weir_req_db(r), changed_job > 0 ? changed_job : 0); /* other replicas' */
	if (weir_req_commit(r, e) != 0) {
		json_decref(out);
		return fail(r, e);
	}
	if (changed_job > 0) {
		int64_t *id = weir_arena_alloc(r->arena, sizeof(*id));
		*id = changed_job;
		weir_req_after_commit(r, job_changed, id);
	} else {
		weir_req_after_commit(r, wake, NULL);
	}
	return out ? weir_reply_json(r, 200, out) : weir_reply_ok_empty(r);
}

/* 200 with a job or run (out, stolen; NULL answers e). 2.2: its arrays `keys` (those of its
 * object `member`, or its own) come 100 to a page; page_token is the page number. Arrays
 * with nothing more on a later page come back empty. */
static int reply_paged(weir_req *r, json_t *out, const char *member, const char *const *keys, weir_error *e)
{
	if (out == NULL)
		return fail(r, e);
	if (api_of(r) != WEIR_JOBS_API_22)
		return weir_reply_json(r, 200, out);
	json_t *obj = member ? json_object_get(out, member) : out;
	int64_t page = 0;
	const char *tok = weir_req_query(r, "page_token");
	if (tok && *tok && (weir_page_token_offset_parse(r->arena, tok, &page, e) != 0 || page < 0)) {
		json_decref(out);
		return fail(r, e);
	}
	bool more = false;
	for (int k = 0; keys[k]; k++) {
		json_t *arr = json_object_get(obj, keys[k]);
		if (!json_is_array(arr))
			continue;
		size_t n = json_array_size(arr), from = (size_t)page * 100;
		json_t *slice = json_array();
		for (size_t i = from; i < n && i < from + 100; i++)
			json_array_append(slice, json_array_get(arr, i));
		if (n > from + 100)
			more = true;
		json_object_set_new(obj, keys[k], slice);
	}
	if (more) {
		json_object_set_new(out, "has_more", json_true());
		json_object_set_new(out, "next_page_token",
				    json_string(weir_page_token_offset(r->arena, page + 1, true)));
	}
	return weir_reply_json(r, 200, out);
}

/* ---------------------------------------------------------------- writes on one job or run */

/* The writes on the job or run their body names (job_id, run_id): each is one call of
 * workflows/. A route names its write by its audit action (the 2.1 and 2.2 routes share it). */
typedef enum {
	W_JOB_UPDATE,
	W_JOB_RESET,
	W_JOB_DELETE,
	W_RUN_NOW,
	W_RUN_CANCEL,
	W_RUN_DELETE,
	W_RUN_REPAIR,
} job_write;
#define JOB_NWRITES (W_RUN_REPAIR + 1)

static const char *const JOB_WRITE_ACTIONS[JOB_NWRITES] = {
	[W_JOB_UPDATE] = "update", [W_JOB_RESET] = "reset",      [W_JOB_DELETE] = "delete",    [W_RUN_NOW] = "runNow",
	[W_RUN_CANCEL] = "cancel", [W_RUN_DELETE] = "deleteRun", [W_RUN_REPAIR] = "repairRun",
};

/* The call; *out is the answer of those that have one (run-now, repair), NULL for {}. */
static int job_write_apply(weir_req *r, job_write w, int64_t id, json_t *body, json_t **out, weir_error *e)
{
	weir_db *db = weir_req_db(r);
	*out = NULL;
	switch (w) {
	case W_JOB_UPDATE:
		return weir_jobs_update(db, r->arena, r->principal, id, json_object_get(body, "new_settings"),
					json_object_get(body, "fields_to_remove"), e);
	case W_JOB_RESET:
		return weir_jobs_reset(db, r->arena, r->principal, id, json_object_get(body, "new_settings"), e);
	case W_JOB_DELETE: return weir_jobs_delete(db, id, e);
	case W_RUN_NOW: *out = weir_runs_run_now(db, r->arena, r->principal, body, e); return *out ? 0 : -1;
	case W_RUN_CANCEL: return weir_runs_cancel(db, id, e);
	case W_RUN_DELETE: return weir_runs_delete(db, id, e);
	case W_RUN_REPAIR: *out = weir_runs_repair(db, r->arena, r->principal, body, e); return *out ? 0 : -1;
	}
	return weir_error_set(e, WEIR_E_INTERNAL_ERROR, "internal error");
}

/* The route's write (by its audit action): the body, its id, the write transaction, the
 * route's level checked on the job or run (in the transaction), the call, the commit; a
 * change of a job's settings has the engine read its schedule again. */
static int job_write_reply(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	job_write w = (job_write)weir_req_action(r, JOB_WRITE_ACTIONS, JOB_NWRITES);
	bool run = w == W_RUN_CANCEL || w == W_RUN_DELETE || w == W_RUN_REPAIR;
	bool settings = w == W_JOB_UPDATE || w == W_JOB_RESET || w == W_JOB_DELETE;
	json_t *body = weir_req_json(r, false, &e), *out;
	int64_t id;
	if (body == NULL || id_arg(r, body, run ? "run_id" : "job_id", &id, &e) != 0 || weir_req_begin(r, &e) != 0 ||
	    level_auth(r, run, id, &e) != 0 || job_write_apply(r, w, id, body, &out, &e) != 0)
		return fail(r, &e);
	return commit_reply(r, out, settings ? id : 0, &e);
}

/* ---------------------------------------------------------------- jobs */

static int create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	if (body == NULL || weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	int64_t id = weir_jobs_create(weir_req_db(r), r->arena, r->principal, body, api_of(r), &e);
	if (id < 0)
		return fail(r, &e);
	weir_req_audit_securable(r, weir_arena_printf(r->arena, "/jobs/%" PRId64, id));
	return commit_reply(r, json_pack("{s:I}", "job_id", (json_int_t)id), id, &e);
}

static int get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	int64_t id;
	if (read_named(r, false, &id, &e) != 0)
		return fail(r, &e);
	static const char *const KEYS[] = {"tasks", "job_clusters", "parameters", "environments", NULL};
	return reply_paged(r, weir_jobs_get(weir_req_db(r), r->arena, id, &e), "settings", KEYS, &e);
}

static int list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	int64_t limit = 0, offset = 0;
	bool expand = false;
	if (weir_req_query_i64(r, "limit", &limit, &e) != 0 || weir_req_query_i64(r, "offset", &offset, &e) != 0 ||
	    weir_req_query_bool(r, "expand_tasks", &expand, &e) != 0)
		return fail(r, &e);
	if (weir_req_query(r, "limit") && limit == 0)
		limit = -1; /* an explicit 0 is out of range here */
	json_t *out = weir_jobs_list(weir_req_db(r), r->arena, r->principal, weir_req_query(r, "name"), expand, limit,
				     offset, weir_req_query(r, "page_token"), &e);
	weir_req_mark_authorized(r);
	if (out == NULL)
		return fail(r, &e);
	/* 2.2: an expanded item carries at most 100 of each array, has_more when it has more
	 * (the client fetches the rest with jobs/get) */
	if (expand && api_of(r) == WEIR_JOBS_API_22) {
		static const char *const KEYS[] = {"tasks", "job_clusters", "parameters", "environments"};
		size_t i;
		json_t *job;
		json_array_foreach (json_object_get(out, "jobs"), i, job) {
			json_t *settings = json_object_get(job, "settings");
			for (size_t k = 0; k < sizeof KEYS / sizeof KEYS[0]; k++) {
				json_t *arr = json_object_get(settings, KEYS[k]);
				if (json_array_size(arr) <= 100)
					continue;
				while (json_array_size(arr) > 100)
					json_array_remove(arr, json_array_size(arr) - 1);
				json_object_set_new(job, "has_more", json_true());
			}
		}
	}
	return weir_reply_json(r, 200, out);
}

/* ---------------------------------------------------------------- runs */

static int submit(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	if (body == NULL || weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_runs_submit(weir_req_db(r), r->arena, r->principal, body, api_of(r), &e);
	if (out == NULL)
		return fail(r, &e);
	weir_req_audit_securable(r, weir_arena_printf(r->arena, "/jobs/runs/%" PRId64,
						      (int64_t)json_integer_value(json_object_get(out, "run_id"))));
	return commit_reply(r, out, 0, &e);
}

static int runs_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	int64_t id;
	bool history = false;
	if (id_arg(r, NULL, "run_id", &id, &e) != 0 || weir_req_query_bool(r, "include_history", &history, &e) != 0 ||
	    level_auth(r, true, id, &e) != 0)
		return fail(r, &e);
	static const char *const KEYS[] = {"tasks",          "job_clusters", "job_parameters",
					   "repair_history", "iterations",   NULL};
	return reply_paged(r, weir_runs_get(weir_req_db(r), r->arena, id, history, &e), NULL, KEYS, &e);
}

static int runs_list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_runs_filter f = {0};
	if (weir_req_query_i64(r, "job_id", &f.job_id, &e) != 0 ||
	    weir_req_query_bool(r, "active_only", &f.active_only, &e) != 0 ||
	    weir_req_query_bool(r, "completed_only", &f.completed_only, &e) != 0 ||
	    weir_req_query_bool(r, "expand_tasks", &f.expand_tasks, &e) != 0 ||
	    weir_req_query_i64(r, "start_time_from", &f.start_time_from, &e) != 0 ||
	    weir_req_query_i64(r, "start_time_to", &f.start_time_to, &e) != 0 ||
	    weir_req_query_i64(r, "limit", &f.limit, &e) != 0 || weir_req_query_i64(r, "offset", &f.offset, &e) != 0)
		return fail(r, &e);
	f.run_type = weir_req_query(r, "run_type");
	f.page_token = weir_req_query(r, "page_token");
	weir_req_mark_authorized(r); /* the list holds only runs the caller may view */
	if (f.job_id != 0 && weir_jobs_authorize(weir_req_db(r), r->principal, f.job_id, WEIR_JOB_CAN_VIEW, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_runs_list(weir_req_db(r), r->arena, r->principal, &f, &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

static int runs_cancel_all(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	int64_t job_id = 0;
	bool all_queued = false;
	if (body == NULL || weir_json_get_i64(body, "job_id", false, &job_id, &e) != 0 ||
	    weir_json_get_bool(body, "all_queued_runs", false, &all_queued, &e) != 0 || weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	weir_req_mark_authorized(r); /* without a job: only runs the caller may manage */
	if (job_id != 0 && weir_jobs_authorize(weir_req_db(r), r->principal, job_id, WEIR_JOB_CAN_MANAGE_RUN, &e) != 0)
		return fail(r, &e);
	if (weir_runs_cancel_all(weir_req_db(r), r->principal, job_id, all_queued, &e) != 0)
		return fail(r, &e);
	return commit_reply(r, NULL, 0, &e);
}

static int runs_output(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	int64_t id;
	if (read_named(r, true, &id, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_runs_get_output(weir_req_db(r), r->arena, id, &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

/* ---------------------------------------------------------------- permissions */

static int perm_job_id(weir_req *r, int64_t *id, weir_error *e)
{
	if (!weir_parse_i64(weir_req_param(r, "job_id"), id) || *id <= 0)
		return weir_error_field(e, WEIR_E_INVALID_PARAMETER_VALUE, "job_id", "job_id must be a job id");
	return level_auth(r, false, *id, e);
}

static int perms_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	int64_t id;
	if (perm_job_id(r, &id, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_jobs_perms_get(weir_req_db(r), r->arena, id, &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

static int perms_set(weir_req *r, bool replace)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, true, &e);
	int64_t id;
	if (body == NULL || weir_req_begin(r, &e) != 0 || perm_job_id(r, &id, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_jobs_perms_set(weir_req_db(r), r->arena, r->principal, id, body, replace, &e);
	return out ? commit_reply(r, out, 0, &e) : fail(r, &e);
}

static int perms_put(weir_req *r) { return perms_set(r, true); }
static int perms_patch(weir_req *r) { return perms_set(r, false); }

static int perm_levels(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	int64_t id;
	if (perm_job_id(r, &id, &e) != 0)
		return fail(r, &e);
	return weir_reply_json(r, 200, weir_jobs_perm_levels());
}

#define D WEIR_DIALECT_DATABRICKS
#define NA WEIR_ROUTE_NO_AUDIT
#define VIEW RULE_OBJECT(WEIR_JOB_CAN_VIEW)
#define RUN RULE_OBJECT(WEIR_JOB_CAN_MANAGE_RUN)
#define MANAGE RULE_OBJECT(WEIR_JOB_CAN_MANAGE)
/* One set of routes per API version: the same handlers. */
#define JOBS_ROUTES(V)                                                                                          \
	{"POST", "/api/" V "/jobs/create", create, RULE_AUTHENTICATED, D, "jobs", "create", 0},                 \
		{"GET", "/api/" V "/jobs/get", get, VIEW, D, "jobs", "get", NA},                                \
		{"GET", "/api/" V "/jobs/list", list, RULE_AUTHENTICATED, D, "jobs", "list", NA},               \
		{"POST", "/api/" V "/jobs/update", job_write_reply, MANAGE, D, "jobs", "update", 0},            \
		{"POST", "/api/" V "/jobs/reset", job_write_reply, MANAGE, D, "jobs", "reset", 0},              \
		{"POST", "/api/" V "/jobs/delete", job_write_reply, MANAGE, D, "jobs", "delete", 0},            \
		{"POST", "/api/" V "/jobs/run-now", job_write_reply, RUN, D, "jobs", "runNow", 0},              \
		{"POST", "/api/" V "/jobs/runs/submit", submit, RULE_AUTHENTICATED, D, "jobs", "submitRun", 0}, \
		{"GET", "/api/" V "/jobs/runs/get", runs_get, VIEW, D, "jobs", "getRun", NA},                   \
		{"GET", "/api/" V "/jobs/runs/list", runs_list, RULE_AUTHENTICATED, D, "jobs", "listRuns", NA}, \
		{"POST", "/api/" V "/jobs/runs/cancel", job_write_reply, RUN, D, "jobs", "cancel", 0},          \
		{"POST",                                                                                        \
		 "/api/" V "/jobs/runs/cancel-all",                                                             \
		 runs_cancel_all,                                                                               \
		 RULE_AUTHENTICATED,                                                                            \
		 D,                                                                                             \
		 "jobs",                                                                                        \
		 "cancelAllRuns",                                                                               \
		 0},                                                                                            \
		{"POST", "/api/" V "/jobs/runs/delete", job_write_reply, MANAGE, D, "jobs", "deleteRun", 0},    \
		{"GET", "/api/" V "/jobs/runs/get-output", runs_output, VIEW, D, "jobs", "getRunOutput", NA},   \
	{                                                                                                       \
		"POST", "/api/" V "/jobs/runs/repair", job_write_reply, RUN, D, "jobs", "repairRun", 0          \
	}

const weir_route weir_routes_jobs[] = {
	JOBS_ROUTES("2.1"),
	JOBS_ROUTES("2.2"),
	{"GET", "/api/2.0/permissions/jobs/{job_id}", perms_get, MANAGE, D, "jobs", "getPermissions", NA},
	{"PUT", "/api/2.0/permissions/jobs/{job_id}", perms_put, MANAGE, D, "jobs", "setPermissions", 0},
	{"PATCH", "/api/2.0/permissions/jobs/{job_id}", perms_patch, MANAGE, D, "jobs", "updatePermissions", 0},
	{"GET", "/api/2.0/permissions/jobs/{job_id}/permissionLevels", perm_levels, VIEW, D, "jobs",
	 "getPermissionLevels", NA},
	{0},
};
