/* Jobs: the JobSettings rules (one check for create, update, reset and runs/submit), the
 * update merge, job permissions, and create/get/list/update/reset/delete. SQL in
 * jobs_store.c. */
#include "workflows/jobs_int.h"

#include <inttypes.h>
#include <string.h>

#include "core/util.h"
#include "workflows/cron.h"
#include "workflows/dag.h"
#include "warehouse/files.h"
#include "workflows/notify.h"

/* ---------------------------------------------------------------- permissions */

static const char *const LEVELS[] = {"", "CAN_VIEW", "CAN_MANAGE_RUN", "CAN_MANAGE", "IS_OWNER"};

const char *weir_job_level_name(weir_job_level l) { return l <= WEIR_JOB_IS_OWNER ? LEVELS[l] : ""; }

static weir_job_level level_parse(const char *s)
{
	for (int i = 1; s && i <= WEIR_JOB_IS_OWNER; i++)
		if (strcmp(s, LEVELS[i]) == 0)
			return (weir_job_level)i;
	return WEIR_JOB_NONE;
}

weir_job_level weir_jobs_level(weir_db *db, const weir_principal *p, int64_t job_id)
{
	weir_arena *a = weir_arena_new(512);
	weir_wf_job j;
	weir_error e = WEIR_ERROR_INIT;
	weir_job_level best = WEIR_JOB_NONE;
	if (weir_wf_job_get(db, a, job_id, &j, &e) == 1) {
		if (p->is_admin) {
			best = WEIR_JOB_IS_OWNER;
		} else {
			const char *lv[64];
			int n = weir_wf_acl_levels(db, a, job_id, p->closure_json, lv, 64);
			for (int i = 0; i < n; i++) {
				weir_job_level l = level_parse(lv[i]);
				if (l > best)
					best = l;
			}
		}
	}
	weir_arena_free(a);
	return best;
}

int weir_jobs_job_missing(weir_error *err, int64_t job_id)
{
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "job_id", "Job %" PRId64 " does not exist.",
				job_id);
}

int weir_jobs_authorize(weir_db *db, const weir_principal *p, int64_t job_id, weir_job_level level, weir_error *err)
{
	weir_job_level have = weir_jobs_level(db, p, job_id);
	if (have < WEIR_JOB_CAN_VIEW)
		return weir_jobs_job_missing(err, job_id);
	if (have < level)
		return weir_error_set(err, WEIR_E_PERMISSION_DENIED,
				      "%s does not have %s permissions on Job %" PRId64 ".", p->name,
				      weir_job_level_name(level), job_id);
	return 0;
}

static int acl_principal(weir_db *db, const json_t *entry, const char *field, int64_t *id, weir_principal_kind *kind,
			 weir_error *err)
{
	static const struct {
		const char *key;
		weir_principal_kind kind;
	} KEYS[] = {{"user_name", WEIR_PRINCIPAL_USER},
		    {"group_name", WEIR_PRINCIPAL_GROUP},
		    {"service_principal_name", WEIR_PRINCIPAL_SP}};
	const char *name = NULL;
	weir_principal_kind want = WEIR_PRINCIPAL_USER;
	for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
		json_t *v = json_object_get(entry, KEYS[i].key);
		if (v == NULL || json_is_null(v))
			continue;
		if (!json_is_string(v) || name != NULL)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
						"%s: each entry names exactly one of user_name, group_name, "
						"service_principal_name",
						field);
		name = json_string_value(v);
		want = KEYS[i].kind;
	}
	if (name == NULL)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"%s: each entry names one of user_name, group_name, service_principal_name",
					field);
	weir_principal_kind k;
	weir_error e2 = WEIR_ERROR_INIT;
	*id = weir_gov_principal_id(db, name, &k, &e2);
	if (*id < 0 || k != want)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"%s: principal '%.200s' does not exist", field, name);
	*kind = k;
	return 0;
}

/* Applies an access_control_list (create, PUT, PATCH). Owner changes: by admins or the
 * current owner, to a user or service principal. */
static int acl_apply(weir_db *db, const weir_principal *p, int64_t job_id, const json_t *acl, const char *field,
		     bool replace, weir_error *err)
{
	if (acl != NULL && !json_is_null(acl) && !json_is_array(acl))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field, "%s must be an array", field);
	int64_t owner = weir_wf_acl_owner(db, job_id);
	int64_t new_owner = -1;
	size_t i;
	json_t *e;
	/* check everything before changing anything */
	json_array_foreach (acl, i, e) {
		if (!json_is_object(e))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field, "%s[%zu] must be an object",
						field, i);
		int64_t pid;
		weir_principal_kind kind;
		if (acl_principal(db, e, field, &pid, &kind, err) != 0)
			return -1;
		json_t *lv = json_object_get(e, "permission_level");
		weir_job_level l = json_is_string(lv) ? level_parse(json_string_value(lv)) : WEIR_JOB_NONE;
		if (l == WEIR_JOB_NONE)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "permission_level",
						"%s[%zu].permission_level must be one of CAN_VIEW, CAN_MANAGE_RUN, "
						"CAN_MANAGE, IS_OWNER",
						field, i);
		if (l == WEIR_JOB_IS_OWNER) {
			if (kind == WEIR_PRINCIPAL_GROUP)
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "permission_level",
							"IS_OWNER can only be given to a user or a service principal");
			if (new_owner >= 0 && new_owner != pid)
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "permission_level",
							"A job has exactly one owner");
			new_owner = pid;
		}
	}
	if (new_owner >= 0 && owner >= 0 && new_owner != owner && !p->is_admin && p->id != owner)
		return weir_error_set(err, WEIR_E_PERMISSION_DENIED,
				      "Only an admin or the job's owner may change the owner of Job %" PRId64 ".",
				      job_id);
	if (replace && weir_wf_acl_clear(db, job_id, new_owner < 0, err) != 0)
		return -1;
	if (new_owner >= 0 && owner >= 0 && new_owner != owner &&
	    weir_wf_acl_put(db, job_id, owner, "CAN_MANAGE", err) != 0)
		return -1;
	json_array_foreach (acl, i, e) {
		int64_t pid;
		weir_principal_kind kind;
		acl_principal(db, e, field, &pid, &kind, err);
		const char *lv = json_string_value(json_object_get(e, "permission_level"));
		/* the owner stays the owner until another one is named */
		if (pid == owner && new_owner < 0)
			continue;
		if (pid == new_owner && strcmp(lv, "IS_OWNER") != 0)
			continue;
		if (weir_wf_acl_put(db, job_id, pid, lv, err) != 0)
			return -1;
	}
	return 0;
}

json_t *weir_jobs_perms_get(weir_db *db, weir_arena *a, int64_t job_id, weir_error *err)
{
	json_t *rows = weir_wf_acl_list(db, job_id, err);
	if (rows == NULL)
		return NULL;
	json_t *acl = json_array();
	size_t i;
	json_t *row;
	json_array_foreach (rows, i, row) {
		int64_t pid = json_integer_value(json_array_get(row, 0));
		weir_principal_kind kind = WEIR_PRINCIPAL_USER;
		const char *name = weir_gov_principal_name(db, a, pid);
		if (name == NULL)
			continue;
		weir_error e2 = WEIR_ERROR_INIT;
		weir_gov_principal_id(db, name, &kind, &e2);
		const char *key = kind == WEIR_PRINCIPAL_GROUP ? "group_name"
				  : kind == WEIR_PRINCIPAL_SP  ? "service_principal_name"
							       : "user_name";
		json_array_append_new(acl, json_pack("{s:s, s:[{s:s, s:b}]}", key, name, "all_permissions",
						     "permission_level", json_string_value(json_array_get(row, 1)),
						     "inherited", 0));
	}
	json_decref(rows);
	/* admins manage every job, as on Databricks (inherited from the workspace's jobs root) */
	json_array_append_new(acl, json_pack("{s:s, s:[{s:s, s:b, s:[s]}]}", "group_name", WEIR_ADMINS_GROUP,
					     "all_permissions", "permission_level", "CAN_MANAGE", "inherited", 1,
					     "inherited_from_object", "/jobs/"));
	return json_pack("{s:s, s:s, s:o}", "object_id", weir_arena_printf(a, "/jobs/%" PRId64, job_id), "object_type",
			 "job", "access_control_list", acl);
}

json_t *weir_jobs_perms_set(weir_db *db, weir_arena *a, const weir_principal *p, int64_t job_id, const json_t *body,
			    bool replace, weir_error *err)
{
	json_t *acl = json_object_get(body, "access_control_list");
	if (acl == NULL)
		acl = json_array();
	else
		json_incref(acl);
	json_t *tmp = acl;
	int rc = acl_apply(db, p, job_id, acl, "access_control_list", replace, err);
	json_decref(tmp);
	return rc == 0 ? weir_jobs_perms_get(db, a, job_id, err) : NULL;
}

json_t *weir_jobs_perm_levels(void)
{
	return json_pack("{s:[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]}", "permission_levels", "permission_level",
			 "CAN_VIEW", "description", "Can view the job and its runs", "permission_level",
			 "CAN_MANAGE_RUN", "description", "Can view, run, cancel and repair runs", "permission_level",
			 "CAN_MANAGE", "description", "Can edit, delete and manage permissions", "permission_level",
			 "IS_OWNER", "description", "Owns the job");
}

/* ---------------------------------------------------------------- settings */

static int bad(weir_error *err, const char *field, const char *fmt, const char *arg)
{
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field, fmt, arg);
}

static int want_type(const json_t *obj, const char *key, json_type t, const char *what, weir_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v))
		return 0;
	bool ok = json_typeof(v) == t || (t == JSON_TRUE && json_is_boolean(v));
	if (!ok)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key,
					"Invalid value for field '%s': expected %s", key, what);
	return 1;
}

static int int_range(const json_t *obj, const char *key, int64_t lo, int64_t hi, const char *ctx, weir_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key,
					"%s%s must be an integer from %" PRId64 " to %" PRId64, ctx, key, lo, hi);
	return 0;
}

static int string_field(const json_t *obj, const char *key, bool required, const char *ctx, weir_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v)) {
		if (required)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key, "%s%s is required", ctx, key);
		return 0;
	}
	if (!json_is_string(v))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key, "%s%s must be a string", ctx, key);
	return 0;
}

static int string_array(const json_t *obj, const char *key, const char *ctx, weir_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v))
		return 0;
	bool ok = json_is_array(v);
	size_t i;
	json_t *e;
	json_array_foreach (v, i, e)
		ok = ok && json_is_string(e);
	if (!ok)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key, "%s%s must be an array of strings",
					ctx, key);
	return 0;
}

static int string_map(const json_t *obj, const char *key, const char *ctx, weir_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v))
		return 0;
	bool ok = json_is_object(v);
	const char *k;
	json_t *e;
	if (ok)
		json_object_foreach (v, k, e)
			ok = ok && json_is_string(e);
	if (!ok)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key,
					"%s%s must be an object of string values", ctx, key);
	return 0;
}

static int pause_status(const json_t *obj, const char *where, weir_error *err)
{
	json_t *v = json_object_get(obj, "pause_status");
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) ||
	    (strcmp(json_string_value(v), "PAUSED") != 0 && strcmp(json_string_value(v), "UNPAUSED") != 0))
		return bad(err, "pause_status", "%s.pause_status must be PAUSED or UNPAUSED", where);
	return 0;
}

static int notifications(weir_db *db, const json_t *s, const char *ctx, weir_error *err)
{
	static const char *const KEYS[] = {"on_start", "on_success", "on_failure",
					   "on_duration_warning_threshold_exceeded", "on_streaming_backlog_exceeded"};
	json_t *em = json_object_get(s, "email_notifications");
	if (want_type(s, "email_notifications", JSON_OBJECT, "an object", err) < 0)
		return -1;
	for (size_t k = 0; em && json_is_object(em) && k < sizeof KEYS / sizeof KEYS[0]; k++) {
		if (string_array(em, KEYS[k], ctx, err) != 0)
			return -1;
		size_t i;
		json_t *a;
		json_array_foreach (json_object_get(em, KEYS[k]), i, a)
			if (strchr(json_string_value(a), '@') == NULL)
				return bad(err, "email_notifications",
					   "email_notifications: '%.200s' is not an email address",
					   json_string_value(a));
	}
	json_t *wh = json_object_get(s, "webhook_notifications");
	if (want_type(s, "webhook_notifications", JSON_OBJECT, "an object", err) < 0)
		return -1;
	for (size_t k = 0; wh && json_is_object(wh) && k < sizeof KEYS / sizeof KEYS[0]; k++) {
		json_t *arr = json_object_get(wh, KEYS[k]);
		if (arr == NULL || json_is_null(arr))
			continue;
		if (!json_is_array(arr) || json_array_size(arr) > 3)
			return bad(err, "webhook_notifications",
				   "webhook_notifications.%s must be an array of at most 3 {id} objects", KEYS[k]);
		size_t i;
		json_t *d;
		json_array_foreach (arr, i, d) {
			json_t *id = json_is_object(d) ? json_object_get(d, "id") : NULL;
			if (!json_is_string(id))
				return bad(err, "webhook_notifications",
					   "webhook_notifications.%s: each entry needs an id (a string)", KEYS[k]);
			if (!weir_notify_dest_exists(db, json_string_value(id)))
				return bad(err, "webhook_notifications",
					   "webhook_notifications: notification destination '%.100s' does not exist",
					   json_string_value(id));
		}
	}
	return 0;
}

/* One task (or a for_each's nested task). */
static int task_check(weir_db *db, const weir_principal *p, json_t *t, weir_task_type type, const char *key,
		      bool nested, weir_error *err)
{
	char ctx[160];
	snprintf(ctx, sizeof ctx, "Task %.100s: ", key);
	json_t *body = json_object_get(t, weir_task_type_field(type));
	if (string_field(t, "description", false, ctx, err) != 0 || string_field(t, "run_if", false, ctx, err) != 0 ||
	    int_range(t, "timeout_seconds", 0, INT32_MAX, ctx, err) != 0 ||
	    int_range(t, "max_retries", -1, INT32_MAX, ctx, err) != 0 ||
	    int_range(t, "min_retry_interval_millis", 0, INT32_MAX, ctx, err) != 0 ||
	    want_type(t, "retry_on_timeout", JSON_TRUE, "a boolean", err) < 0 ||
	    want_type(t, "disabled", JSON_TRUE, "a boolean", err) < 0 || notifications(db, t, ctx, err) != 0)
		return -1;
	json_t *ri = json_object_get(t, "run_if");
	if (ri && json_is_string(ri) && weir_run_if_parse(json_string_value(ri)) < 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "run_if",
					"%srun_if must be one of ALL_SUCCESS, AT_LEAST_ONE_SUCCESS, NONE_FAILED, "
					"ALL_DONE, AT_LEAST_ONE_FAILED, ALL_FAILED",
					ctx);
	switch (type) {
	case WEIR_TT_CONDITION: {
		if (string_field(body, "left", true, ctx, err) != 0 ||
		    string_field(body, "right", true, ctx, err) != 0 || string_field(body, "op", true, ctx, err) != 0)
			return -1;
		if (!weir_condition_op_valid(json_string_value(json_object_get(body, "op"))))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "condition_task.op",
						"%scondition_task.op must be one of EQUAL_TO, NOT_EQUAL, "
						"GREATER_THAN, GREATER_THAN_OR_EQUAL, LESS_THAN, LESS_THAN_OR_EQUAL",
						ctx);
		json_t *mr = json_object_get(t, "max_retries");
		if (mr && json_is_integer(mr) && json_integer_value(mr) != 0)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "max_retries",
						"%sa condition_task supports no retries", ctx);
		break;
	}
	case WEIR_TT_RUN_JOB: {
		json_t *jid = json_object_get(body, "job_id");
		if (!json_is_integer(jid) || json_integer_value(jid) <= 0)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "run_job_task.job_id",
						"%srun_job_task.job_id is required (a job id)", ctx);
		if (string_map(body, "job_parameters", ctx, err) != 0)
			return -1;
		break;
	}
	case WEIR_TT_FOR_EACH: {
		if (nested)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "for_each_task",
						"%sa for_each_task cannot contain another for_each_task", ctx);
		if (string_field(body, "inputs", true, ctx, err) != 0 ||
		    int_range(body, "concurrency", 1, 100, ctx, err) != 0)
			return -1;
		json_t *inner = json_object_get(body, "task");
		if (!json_is_object(inner))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "for_each_task.task",
						"%sfor_each_task.task is required (a task)", ctx);
		json_t *ik = json_object_get(inner, "task_key");
		if (!json_is_string(ik))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "for_each_task.task",
						"%sfor_each_task.task needs a task_key", ctx);
		weir_task_type it;
		if (weir_task_type_of(inner, json_string_value(ik), &it, err) != 0 ||
		    task_check(db, p, inner, it, json_string_value(ik), true, err) != 0)
			return -1;
		break;
	}
	case WEIR_TT_SPARK_PYTHON:
	case WEIR_TT_PYTHON_WHEEL: {
		if (!weir_engine_command_tasks_allowed())
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, weir_task_type_field(type),
						"%scommand tasks are disabled on this server (start it with "
						"--allow-command-tasks)",
						ctx);
		if (!p->is_admin)
			return weir_error_set(err, WEIR_E_PERMISSION_DENIED,
					      "%sonly admins may create jobs with command tasks (%s)", ctx,
					      weir_task_type_field(type));
		if (type == WEIR_TT_SPARK_PYTHON) {
			if (string_field(body, "python_file", true, ctx, err) != 0 ||
			    string_array(body, "parameters", ctx, err) != 0)
				return -1;
		} else {
			if (string_field(body, "package_name", true, ctx, err) != 0 ||
			    string_field(body, "entry_point", true, ctx, err) != 0 ||
			    string_array(body, "parameters", ctx, err) != 0 ||
			    string_map(body, "named_parameters", ctx, err) != 0)
				return -1;
			if (json_object_get(body, "parameters") && json_object_get(body, "named_parameters"))
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "python_wheel_task",
							"%spython_wheel_task takes parameters or named_parameters, "
							"not both",
							ctx);
		}
		break;
	}
	case WEIR_TT_SQL: {
		if (string_field(body, "warehouse_id", true, ctx, err) != 0 ||
		    string_map(body, "parameters", ctx, err) != 0)
			return -1;
		int kinds = 0;
		static const char *const SQLK[] = {"query", "file", "alert", "dashboard"};
		for (size_t i = 0; i < 4; i++)
			kinds += json_is_object(json_object_get(body, SQLK[i]));
		if (kinds != 1)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "sql_task",
						"%ssql_task needs exactly one of query, file, alert, dashboard", ctx);
		break;
	}
	default: break; /* accepted; fails at run time with a clear message */
	}
	return 0;
}

/* trigger.model: {condition, securable_name, aliases[], min_time_between_triggers_seconds,
 * wait_after_last_change_seconds}; the model must be one the caller can see. */
static int model_trigger_check(weir_db *db, weir_arena *a, const weir_principal *p, json_t *m, weir_error *err)
{
	const char *ctx = "trigger.model.";
	json_t *cond = json_object_get(m, "condition");
	const char *c = json_is_string(cond) ? json_string_value(cond) : "";
	if (strcmp(c, "MODEL_CREATED") != 0 && strcmp(c, "MODEL_VERSION_READY") != 0 &&
	    strcmp(c, "MODEL_ALIAS_SET") != 0)
		return bad(err, "trigger.model.condition",
			   "trigger.model.condition must be MODEL_CREATED, MODEL_VERSION_READY or MODEL_ALIAS_SET%s",
			   "");
	if (string_field(m, "securable_name", true, ctx, err) != 0 || string_array(m, "aliases", ctx, err) != 0 ||
	    int_range(m, "min_time_between_triggers_seconds", 0, 86400 * 366, ctx, err) != 0 ||
	    int_range(m, "wait_after_last_change_seconds", 0, 86400, ctx, err) != 0)
		return -1;
	weir_securable sec;
	weir_error e2 = WEIR_ERROR_INIT;
	if (weir_gov_resolve(db, a, p, WEIR_SEC_MODEL, json_string_value(json_object_get(m, "securable_name")), &sec,
			     &e2) != 0)
		return bad(err, "trigger.model.securable_name",
			   "trigger.model.securable_name: registered model '%.200s' does not exist",
			   json_string_value(json_object_get(m, "securable_name")));
	return 0;
}

/* trigger.file_arrival: {url ("/Volumes/c/s/v/dir/", a directory of a volume the caller may
 * read), min_time_between_triggers_seconds, wait_after_last_change_seconds}. */
static int file_trigger_check(weir_db *db, weir_arena *a, const weir_principal *p, json_t *f, weir_error *err)
{
	const char *ctx = "trigger.file_arrival.";
	if (string_field(f, "url", true, ctx, err) != 0 ||
	    int_range(f, "min_time_between_triggers_seconds", 0, 86400 * 366, ctx, err) != 0 ||
	    int_range(f, "wait_after_last_change_seconds", 0, 86400, ctx, err) != 0)
		return -1;
	const char *url = json_string_value(json_object_get(f, "url"));
	const char *dir;
	weir_error e2 = WEIR_ERROR_INIT;
	if (strncmp(url, "/Volumes/", 9) != 0 || weir_files_volume_dir(db, a, p, url, false, &dir, &e2) != 0)
		return bad(err, "trigger.file_arrival.url",
			   "trigger.file_arrival.url: '%.200s' is not a directory of a volume you may read "
			   "(/Volumes/<catalog>/<schema>/<volume>/<path>)",
			   url);
	return 0;
}

/* trigger.table_update: {table_names (1..10 tables the caller can see), condition
 * ANY_UPDATED | ALL_UPDATED, min_time_between_triggers_seconds,
 * wait_after_last_change_seconds}. */
static int table_trigger_check(weir_db *db, weir_arena *a, const weir_principal *p, json_t *t, weir_error *err)
{
	const char *ctx = "trigger.table_update.";
	json_t *names = json_object_get(t, "table_names");
	if (!json_is_array(names) || json_array_size(names) == 0 || json_array_size(names) > 10)
		return bad(err, "trigger.table_update.table_names",
			   "trigger.table_update.table_names must list 1 to 10 tables%s", "");
	if (string_array(t, "table_names", ctx, err) != 0 ||
	    int_range(t, "min_time_between_triggers_seconds", 0, 86400 * 366, ctx, err) != 0 ||
	    int_range(t, "wait_after_last_change_seconds", 0, 86400, ctx, err) != 0)
		return -1;
	json_t *cond = json_object_get(t, "condition");
	if (cond && !json_is_null(cond) &&
	    (!json_is_string(cond) || (strcmp(json_string_value(cond), "ANY_UPDATED") != 0 &&
				       strcmp(json_string_value(cond), "ALL_UPDATED") != 0)))
		return bad(err, "trigger.table_update.condition",
			   "trigger.table_update.condition must be ANY_UPDATED or ALL_UPDATED%s", "");
	size_t i;
	json_t *n;
	json_array_foreach (names, i, n) {
		weir_securable sec;
		weir_error e2 = WEIR_ERROR_INIT;
		if (weir_gov_resolve(db, a, p, WEIR_SEC_TABLE, json_string_value(n), &sec, &e2) != 0)
			return bad(err, "trigger.table_update.table_names",
				   "trigger.table_update.table_names: table '%.200s' does not exist",
				   json_string_value(n));
	}
	return 0;
}

int weir_jobs_settings_check(weir_db *db, weir_arena *a, const weir_principal *p, json_t *s, weir_jobs_api api,
			     bool submit, weir_error *err)
{
	if (!json_is_object(s))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "settings",
					"job settings must be an object");
	if (string_field(s, submit ? "run_name" : "name", false, "", err) != 0 ||
	    string_field(s, "description", false, "", err) != 0 ||
	    int_range(s, "timeout_seconds", 0, INT32_MAX, "", err) != 0 ||
	    int_range(s, "max_concurrent_runs", 0, 1000, "", err) != 0 || notifications(db, s, "", err) != 0)
		return -1;
	json_t *name = json_object_get(s, "name");
	if (name && json_is_string(name) && strlen(json_string_value(name)) > 4096)
		return bad(err, "name", "name is longer than %s bytes", "4096");
	weir_dag g;
	if (weir_dag_build(a, json_object_get(s, "tasks"), "tasks", &g, err) != 0)
		return -1;
	for (int i = 0; i < g.n; i++)
		if (task_check(db, p, g.tasks[i], g.type[i], g.keys[i], false, err) != 0)
			return -1;
	/* job clusters: keys unique */
	json_t *jc = json_object_get(s, "job_clusters");
	if (jc && !json_is_null(jc)) {
		if (!json_is_array(jc))
			return bad(err, "job_clusters", "job_clusters must be an array%s", "");
		size_t i, j;
		json_t *c, *d;
		json_array_foreach (jc, i, c) {
			json_t *k = json_is_object(c) ? json_object_get(c, "job_cluster_key") : NULL;
			if (!json_is_string(k))
				return bad(err, "job_clusters", "job_clusters: each needs a job_cluster_key%s", "");
			json_array_foreach (jc, j, d)
				if (j < i && json_equal(json_object_get(d, "job_cluster_key"), k))
					return bad(err, "job_clusters",
						   "job_clusters: job_cluster_key '%.100s' is not unique",
						   json_string_value(k));
		}
	}
	/* parameters */
	json_t *params = json_object_get(s, "parameters");
	if (params && !json_is_null(params)) {
		if (!json_is_array(params))
			return bad(err, "parameters", "parameters must be an array of {name, default}%s", "");
		size_t i, j;
		json_t *pm, *q;
		json_array_foreach (params, i, pm) {
			json_t *n = json_is_object(pm) ? json_object_get(pm, "name") : NULL;
			json_t *d = json_is_object(pm) ? json_object_get(pm, "default") : NULL;
			if (!json_is_string(n) || !json_is_string(d))
				return bad(err, "parameters", "parameters[]: name and default are required strings%s",
					   "");
			const char *nm = json_string_value(n);
			bool ok = *nm != '\0' && strlen(nm) <= 255;
			for (const char *c = nm; *c && ok; c++)
				ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
				     *c == '_' || *c == '-' || *c == '.';
			if (!ok)
				return bad(err, "parameters",
					   "parameter name '%.100s' is invalid: letters, digits, '_', '-' and '.'", nm);
			json_array_foreach (params, j, q)
				if (j < i && json_equal(json_object_get(q, "name"), n))
					return bad(err, "parameters", "parameter '%.100s' is defined twice", nm);
		}
	}
	/* schedule, continuous, trigger: at most one */
	json_t *sched = json_object_get(s, "schedule"), *cont = json_object_get(s, "continuous"),
	       *trig = json_object_get(s, "trigger");
	int nsched = (sched && !json_is_null(sched)) + (cont && !json_is_null(cont)) + (trig && !json_is_null(trig));
	if (nsched > 1)
		return bad(err, "schedule", "only one of schedule, continuous and trigger may be set%s", "");
	if (json_object_get(s, "triggers"))
		return bad(err, "triggers", "triggers (several triggers) is not supported by this server%s", "");
	if (sched && !json_is_null(sched)) {
		if (!json_is_object(sched))
			return bad(err, "schedule", "schedule must be an object%s", "");
		json_t *ce = json_object_get(sched, "quartz_cron_expression"),
		       *tz = json_object_get(sched, "timezone_id");
		if (!json_is_string(ce))
			return bad(err, "schedule.quartz_cron_expression",
				   "schedule.quartz_cron_expression is required%s", "");
		if (!json_is_string(tz))
			return bad(err, "schedule.timezone_id", "schedule.timezone_id is required%s", "");
		weir_cron *c;
		if (weir_cron_parse(json_string_value(ce), json_string_value(tz), &c, err) != 0)
			return -1;
		weir_cron_free(c);
		if (pause_status(sched, "schedule", err) != 0)
			return -1;
	}
	if (cont && !json_is_null(cont)) {
		if (!json_is_object(cont) || pause_status(cont, "continuous", err) != 0)
			return json_is_object(cont) ? -1 : bad(err, "continuous", "continuous must be an object%s", "");
	}
	if (trig && !json_is_null(trig)) {
		if (!json_is_object(trig) || pause_status(trig, "trigger", err) != 0)
			return json_is_object(trig) ? -1 : bad(err, "trigger", "trigger must be an object%s", "");
		static const char *const UNSUPPORTED[] = {"sql_condition"};
		for (size_t i = 0; i < sizeof UNSUPPORTED / sizeof UNSUPPORTED[0]; i++)
			if (json_object_get(trig, UNSUPPORTED[i]))
				return bad(err, "trigger", "trigger.%s is not supported by this server yet",
					   UNSUPPORTED[i]);
		json_t *per = json_object_get(trig, "periodic"), *model = json_object_get(trig, "model"),
		       *tu = json_object_get(trig, "table_update"), *fa = json_object_get(trig, "file_arrival");
		if ((per != NULL) + (model != NULL) + (tu != NULL) + (fa != NULL) > 1)
			return bad(err, "trigger",
				   "trigger takes one of periodic, model, table_update and file_arrival%s", "");
		if (json_is_object(fa)) {
			if (file_trigger_check(db, a, p, fa, err) != 0)
				return -1;
		} else if (json_is_object(model)) {
			if (model_trigger_check(db, a, p, model, err) != 0)
				return -1;
		} else if (json_is_object(tu)) {
			if (table_trigger_check(db, a, p, tu, err) != 0)
				return -1;
		} else {
			if (!json_is_object(per))
				return bad(err, "trigger", "trigger needs periodic {interval, unit} or model {...}%s",
					   "");
			if (int_range(per, "interval", 1, 1000000, "trigger.periodic.", err) != 0)
				return -1;
			json_t *unit = json_object_get(per, "unit");
			const char *u = json_is_string(unit) ? json_string_value(unit) : "";
			if (!json_is_integer(json_object_get(per, "interval")) ||
			    (strcmp(u, "MINUTES") != 0 && strcmp(u, "HOURS") != 0 && strcmp(u, "DAYS") != 0 &&
			     strcmp(u, "WEEKS") != 0))
				return bad(err, "trigger.periodic",
					   "trigger.periodic needs interval (>= 1) and unit (MINUTES, HOURS, DAYS, "
					   "WEEKS)%s",
					   "");
		}
	}
	/* queue */
	json_t *queue = json_object_get(s, "queue");
	if (queue && !json_is_null(queue) &&
	    (!json_is_object(queue) || !json_is_boolean(json_object_get(queue, "enabled"))))
		return bad(err, "queue", "queue must be {\"enabled\": true|false}%s", "");
	/* tags */
	json_t *tags = json_object_get(s, "tags");
	if (string_map(s, "tags", "", err) != 0)
		return -1;
	if (tags && json_is_object(tags) && json_object_size(tags) > 25)
		return bad(err, "tags", "a job has at most 25 tags%s", "");
	/* defaults, as jobs/get answers them */
	if (!submit) {
		if (name == NULL || json_is_null(name))
			json_object_set_new(s, "name", json_string("Untitled"));
		if (json_object_get(s, "max_concurrent_runs") == NULL)
			json_object_set_new(s, "max_concurrent_runs", json_integer(1));
		if (json_object_get(s, "timeout_seconds") == NULL)
			json_object_set_new(s, "timeout_seconds", json_integer(0));
		if (json_object_get(s, "email_notifications") == NULL)
			json_object_set_new(s, "email_notifications", json_object());
		if (json_object_get(s, "webhook_notifications") == NULL)
			json_object_set_new(s, "webhook_notifications", json_object());
		if (queue == NULL || json_is_null(queue))
			json_object_set_new(s, "queue", json_pack("{s:b}", "enabled", api == WEIR_JOBS_API_22));
		json_object_set_new(s, "format", json_string("MULTI_TASK"));
		if (sched && json_is_object(sched) && json_object_get(sched, "pause_status") == NULL)
			json_object_set_new(sched, "pause_status", json_string("UNPAUSED"));
	}
	for (int i = 0; i < g.n; i++) {
		if (json_object_get(g.tasks[i], "run_if") == NULL && g.ndeps[i] > 0)
			json_object_set_new(g.tasks[i], "run_if", json_string("ALL_SUCCESS"));
		if (json_object_get(g.tasks[i], "timeout_seconds") == NULL)
			json_object_set_new(g.tasks[i], "timeout_seconds", json_integer(0));
		if (json_object_get(g.tasks[i], "email_notifications") == NULL)
			json_object_set_new(g.tasks[i], "email_notifications", json_object());
	}
	return 0;
}

/* run_as: whom the job's work runs as. Not named: the job's creator (as Databricks
 * documents it), so an edit never hands the job the editor's identity. Named: the caller
 * itself, the principal the job already runs as (an edit by a CAN_MANAGE caller keeps what
 * an admin set), or any user or service principal an admin names. */
static int run_as_resolve(weir_db *db, const weir_principal *p, const json_t *s, int64_t creator, int64_t current,
			  int64_t *out, weir_error *err)
{
	json_t *ra = json_object_get(s, "run_as");
	*out = creator;
	if (ra == NULL || json_is_null(ra))
		return 0;
	if (!json_is_object(ra))
		return bad(err, "run_as", "run_as must be an object%s", "");
	if (json_object_get(ra, "group_name"))
		return bad(err, "run_as", "run_as cannot be a group%s", "");
	json_t *copy = json_deep_copy(ra);
	int64_t pid;
	weir_principal_kind kind;
	int rc = acl_principal(db, copy, "run_as", &pid, &kind, err);
	json_decref(copy);
	if (rc != 0)
		return -1;
	if (pid != p->id && pid != current && !p->is_admin)
		return weir_error_set(err, WEIR_E_PERMISSION_DENIED,
				      "run_as: only an admin may run a job as another principal");
	*out = pid;
	return 0;
}

/* ---------------------------------------------------------------- jobs */

int64_t weir_jobs_create(weir_db *db, weir_arena *a, const weir_principal *p, json_t *body, weir_jobs_api api,
			 weir_error *err)
{
	json_t *s = json_deep_copy(body);
	weir_json_own(a, s);
	json_t *acl = json_incref(json_object_get(s, "access_control_list"));
	weir_json_own(a, acl);
	json_object_del(s, "access_control_list");
	int64_t run_as;
	if (weir_jobs_settings_check(db, a, p, s, api, false, err) != 0 ||
	    run_as_resolve(db, p, s, p->id, p->id, &run_as, err) != 0)
		return -1;
	weir_wf_job j = {
		.job_id = weir_wf_next_id(),
		.name = json_string_value(json_object_get(s, "name")),
		.creator_id = p->id,
		.run_as_id = run_as,
		.created_time = weir_now_ms(),
		.api_version = api == WEIR_JOBS_API_22 ? "2.2" : "2.1",
	};
	char *text = json_dumps(s, JSON_COMPACT);
	j.settings = weir_arena_strdup(a, text);
	free(text);
	if (weir_wf_job_insert(db, &j, err) != 0 || weir_wf_acl_put(db, j.job_id, p->id, "IS_OWNER", err) != 0)
		return -1;
	if (acl && acl_apply(db, p, j.job_id, acl, "access_control_list", false, err) != 0)
		return -1;
	return j.job_id;
}

static json_t *job_json(weir_db *db, weir_arena *a, const weir_wf_job *j, bool with_tasks)
{
	json_t *settings = json_loads(j->settings, 0, NULL);
	if (settings == NULL)
		settings = json_object();
	if (!with_tasks)
		json_object_del(settings, "tasks");
	json_t *out = json_pack("{s:I, s:I, s:o}", "job_id", (json_int_t)j->job_id, "created_time",
				(json_int_t)j->created_time, "settings", settings);
	const char *creator = weir_gov_principal_name(db, a, j->creator_id);
	if (creator)
		json_object_set_new(out, "creator_user_name", json_string(creator));
	const char *run_as = weir_gov_principal_name(db, a, j->run_as_id);
	if (run_as)
		json_object_set_new(out, "run_as_user_name", json_string(run_as));
	return out;
}

json_t *weir_jobs_get(weir_db *db, weir_arena *a, int64_t job_id, weir_error *err)
{
	weir_wf_job j;
	int rc = weir_wf_job_get(db, a, job_id, &j, err);
	if (rc <= 0) {
		if (rc == 0)
			weir_jobs_job_missing(err, job_id);
		return NULL;
	}
	return job_json(db, a, &j, true);
}

json_t *weir_jobs_list(weir_db *db, weir_arena *a, const weir_principal *p, const char *name, bool expand_tasks,
		       int64_t limit, int64_t offset, const char *page_token, weir_error *err)
{
	if (limit == 0)
		limit = 20;
	if (limit < 1 || limit > 100)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "limit", "limit must be from 1 to 100"),
		       NULL;
	if (offset < 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "offset", "offset must not be negative"),
		       NULL;
	if (page_token && *page_token && weir_page_token_offset_parse(a, page_token, &offset, err) != 0)
		return NULL;
	weir_wf_job *rows = weir_arena_alloc(a, (size_t)(limit + 1) * sizeof *rows);
	int n = weir_wf_job_list(db, a, p->is_admin, p->closure_json, name, offset, limit + 1, rows, err);
	if (n < 0)
		return NULL;
	json_t *out = json_object();
	bool more = n > limit;
	if (more)
		n = (int)limit;
	if (n > 0) {
		json_t *jobs = json_array();
		for (int i = 0; i < n; i++)
			json_array_append_new(jobs, job_json(db, a, &rows[i], expand_tasks));
		json_object_set_new(out, "jobs", jobs);
	}
	weir_jobs_page_links(a, out, offset, limit, more);
	return out;
}

void weir_jobs_page_links(weir_arena *a, json_t *out, int64_t offset, int64_t limit, bool more)
{
	json_object_set_new(out, "has_more", json_boolean(more));
	if (more)
		json_object_set_new(out, "next_page_token",
				    json_string(weir_page_token_offset(a, offset + limit, true)));
	if (offset > 0)
		json_object_set_new(out, "prev_page_token",
				    json_string(weir_page_token_offset(a, offset > limit ? offset - limit : 0, true)));
}

static int save_settings(weir_db *db, weir_arena *a, const weir_principal *p, const weir_wf_job *j, json_t *s,
			 weir_jobs_api api, weir_error *err)
{
	int64_t run_as;
	if (weir_jobs_settings_check(db, a, p, s, api, false, err) != 0 ||
	    run_as_resolve(db, p, s, j->creator_id, j->run_as_id, &run_as, err) != 0)
		return -1;
	char *text = json_dumps(s, JSON_COMPACT);
	int rc = weir_wf_job_set(db, j->job_id, json_string_value(json_object_get(s, "name")), text, run_as, err);
	free(text);
	return rc;
}

static int load_job(weir_db *db, weir_arena *a, int64_t job_id, weir_wf_job *j, weir_error *err)
{
	int rc = weir_wf_job_get(db, a, job_id, j, err);
	if (rc == 0)
		return weir_jobs_job_missing(err, job_id);
	return rc < 0 ? -1 : 0;
}

static weir_jobs_api job_api(const weir_wf_job *j)
{
	return strcmp(j->api_version, "2.2") == 0 ? WEIR_JOBS_API_22 : WEIR_JOBS_API_21;
}

/* Replaces entries of `arr` (by `key`) with those of `with`, appending new ones. */
static void merge_by_key(json_t *arr, const json_t *with, const char *key)
{
	size_t i, j;
	json_t *w, *e;
	json_array_foreach (with, i, w) {
		json_t *wk = json_object_get(w, key);
		bool replaced = false;
		json_array_foreach (arr, j, e)
			if (!replaced && wk && json_equal(json_object_get(e, key), wk)) {
				json_array_set(arr, j, w);
				replaced = true;
			}
		if (!replaced)
			json_array_append(arr, w);
	}
}

int weir_jobs_update(weir_db *db, weir_arena *a, const weir_principal *p, int64_t job_id, json_t *new_settings,
		     json_t *fields_to_remove, weir_error *err)
{
	weir_wf_job j;
	if (load_job(db, a, job_id, &j, err) != 0)
		return -1;
	json_t *s = json_loads(j.settings, 0, NULL);
	if (s == NULL)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "stored settings of job %" PRId64 " are unreadable",
				      job_id);
	weir_json_own(a, s);
	if (new_settings && !json_is_null(new_settings)) {
		if (!json_is_object(new_settings))
			return bad(err, "new_settings", "new_settings must be an object%s", "");
		const char *k;
		json_t *v;
		json_object_foreach (new_settings, k, v) {
			json_t *cur = json_object_get(s, k);
			if (strcmp(k, "tasks") == 0 && json_is_array(v) && json_is_array(cur))
				merge_by_key(cur, v, "task_key");
			else if (strcmp(k, "job_clusters") == 0 && json_is_array(v) && json_is_array(cur))
				merge_by_key(cur, v, "job_cluster_key");
			else
				json_object_set(s, k, v);
		}
		/* merged entries are shared with new_settings: make them ours before defaults */
		json_t *copy = json_deep_copy(s);
		weir_json_own(a, copy);
		s = copy;
	}
	if (fields_to_remove && !json_is_null(fields_to_remove)) {
		if (!json_is_array(fields_to_remove))
			return bad(err, "fields_to_remove", "fields_to_remove must be an array of strings%s", "");
		size_t i;
		json_t *f;
		json_array_foreach (fields_to_remove, i, f) {
			if (!json_is_string(f))
				return bad(err, "fields_to_remove", "fields_to_remove must be an array of strings%s",
					   "");
			const char *name = json_string_value(f);
			const char *slash = strchr(name, '/');
			if (slash == NULL) {
				json_object_del(s, name);
				continue;
			}
			char top[32];
			size_t tl = (size_t)(slash - name);
			if (tl >= sizeof top)
				return bad(err, "fields_to_remove", "fields_to_remove: '%.100s' is not a field", name);
			memcpy(top, name, tl);
			top[tl] = '\0';
			const char *key = strcmp(top, "tasks") == 0          ? "task_key"
					  : strcmp(top, "job_clusters") == 0 ? "job_cluster_key"
									     : NULL;
			json_t *arr = json_object_get(s, top);
			if (key == NULL)
				return bad(err, "fields_to_remove",
					   "fields_to_remove: '%.100s': only tasks/<key> and job_clusters/<key> name "
					   "array entries",
					   name);
			bool found = false;
			for (size_t x = 0; arr && x < json_array_size(arr); x++)
				if (json_is_string(json_object_get(json_array_get(arr, x), key)) &&
				    strcmp(json_string_value(json_object_get(json_array_get(arr, x), key)),
					   slash + 1) == 0) {
					json_array_remove(arr, x);
					found = true;
					break;
				}
			if (!found)
				return bad(err, "fields_to_remove", "fields_to_remove: '%.100s' does not exist", name);
		}
	}
	return save_settings(db, a, p, &j, s, job_api(&j), err);
}

int weir_jobs_reset(weir_db *db, weir_arena *a, const weir_principal *p, int64_t job_id, json_t *new_settings,
		    weir_error *err)
{
	weir_wf_job j;
	if (load_job(db, a, job_id, &j, err) != 0)
		return -1;
	if (!json_is_object(new_settings))
		return bad(err, "new_settings", "new_settings is required (an object)%s", "");
	json_t *s = json_deep_copy(new_settings);
	weir_json_own(a, s);
	return save_settings(db, a, p, &j, s, job_api(&j), err);
}

int weir_jobs_delete(weir_db *db, int64_t job_id, weir_error *err)
{
	json_t *active = weir_wf_runs_active(db, job_id, false, err);
	if (active == NULL)
		return -1;
	size_t i;
	json_t *id;
	int rc = 0;
	json_array_foreach (active, i, id)
		if (rc == 0)
			rc = weir_wf_run_request_cancel(db, json_integer_value(id), err);
	json_decref(active);
	if (rc != 0)
		return -1;
	int d = weir_wf_job_delete(db, job_id, err);
	if (d == 0)
		return weir_jobs_job_missing(err, job_id);
	return d < 0 ? -1 : 0;
}
