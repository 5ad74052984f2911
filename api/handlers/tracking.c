/* Routes of the MLflow tracking surface: experiments, runs, metrics, MLflow 3's logged
 * models and the artifact proxy,
 * at /api/2.0/mlflow/... and identically at /ajax-api/2.0/mlflow/... (the MLflow UI's
 * prefix). Handlers turn the request into MLflow's request message (a GET's query string,
 * with repeated keys for lists; a POST's JSON body), call registry/tracking.h inside a
 * write transaction for mutations, and answer in the MLflow error dialect.
 *
 * Authorization: RULE_AUTHENTICATED for experiments and runs (they are not UC securables;
 * see registry/tracking.c); the artifact proxy follows the owner of each path
 * (registry/artifacts.h). */
#include "api/http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "registry/artifacts.h"
#include "registry/tracking.h"

/* Query keys read from a GET (the union of the GET messages' fields); `list` keys are
 * repeated fields and always become arrays. */
static const struct {
	const char *key;
	bool list;
} GET_KEYS[] = {
	{"experiment_id", false}, {"experiment_name", false}, {"run_id", false},        {"run_uuid", false},
	{"metric_key", false},    {"max_results", false},     {"page_token", false},    {"filter", false},
	{"view_type", false},     {"run_view_type", false},   {"path", false},          {"start_step", false},
	{"end_step", false},      {"order_by", true},         {"experiment_ids", true}, {"run_ids", true},
};

/* The request message: GET query arguments (or the JSON body when the query has none of
 * the message's keys, as MLflow does), else the JSON body ({} when empty). */
static json_t *request_message(weir_req *r, weir_error *e)
{
	if (strcmp(r->method, "GET") == 0) {
		json_t *o = weir_json_own(r->arena, json_object());
		bool any = false;
		for (size_t i = 0; i < sizeof(GET_KEYS) / sizeof(GET_KEYS[0]); i++) {
			const char *vals[64];
			int n = weir_req_query_all(r, GET_KEYS[i].key, vals, 64);
			if (n == 0)
				continue;
			any = true;
			if (GET_KEYS[i].list) {
				json_t *arr = json_array();
				for (int k = 0; k < n; k++) {
					json_t *s = json_string(vals[k]);
					if (s == NULL) {
						json_decref(arr);
						weir_error_field(e, WEIR_E_INVALID_PARAMETER_VALUE, GET_KEYS[i].key,
								 "Invalid value for '%s': not UTF-8", GET_KEYS[i].key);
						return NULL;
					}
					json_array_append_new(arr, s);
				}
				json_object_set_new(o, GET_KEYS[i].key, arr);
			} else {
				json_t *s = json_string(vals[0]);
				if (s == NULL) {
					weir_error_field(e, WEIR_E_INVALID_PARAMETER_VALUE, GET_KEYS[i].key,
							 "Invalid value for '%s': not UTF-8", GET_KEYS[i].key);
					return NULL;
				}
				json_object_set_new(o, GET_KEYS[i].key, s);
			}
		}
		if (any || r->body_len == 0)
			return o;
	} else if (strcmp(r->method, "POST") == 0 && r->body_len > 0) {
		const char *ct = weir_req_header(r, "Content-Type");
		if (ct == NULL) {
			weir_error_set(e, WEIR_E_INVALID_PARAMETER_VALUE,
				       "Bad Request. Content-Type header is missing.");
			return NULL;
		}
		size_t n = strcspn(ct, "; ");
		if (!(n == strlen("application/json") && strncasecmp(ct, "application/json", n) == 0)) {
			weir_error_set(e, WEIR_E_INVALID_PARAMETER_VALUE,
				       "Bad Request. Content-Type must be one of ['application/json']");
			return NULL;
		}
	}
	json_t *body = weir_req_json(r, true, e);
	if (body)
		return body;
	/* a double-encoded body (a JSON string holding the object) is decoded once more */
	json_t *s = weir_json_own(r->arena, json_loadb(r->body ? r->body : "", r->body_len, JSON_DECODE_ANY, NULL));
	if (json_is_string(s)) {
		weir_error_clear(e);
		return weir_json_parse_body(r->arena, json_string_value(s), json_string_length(s), true, e);
	}
	return NULL;
}

/* The path's parameters (logged-models/{model_id}/tags/{tag_key}) go into the request
 * message, over any of the body's: the path names the object. */
static int path_params(weir_req *r, json_t *req, weir_error *e)
{
	static const char *const names[] = {"model_id", "tag_key"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = weir_req_param(r, names[i]);
		if (v == NULL)
			continue;
		json_t *s = json_string(v);
		if (s == NULL)
			return weir_error_field(e, WEIR_E_INVALID_PARAMETER_VALUE, names[i],
						"Invalid value for '%s': not UTF-8", names[i]);
		json_object_set_new(req, names[i], s);
		if (strcmp(names[i], "model_id") == 0)
			weir_req_audit_securable(r, v); /* the audit row names the model */
	}
	return 0;
}

/* The request message with the path's parameters, and the caller's tracking context; NULL
 * after answering the error. */
static json_t *message_or_reply(weir_req *r, weir_tracking_ctx *c)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *req = request_message(r, &e);
	if (req == NULL || path_params(r, req, &e) != 0) {
		weir_reply_error(r, &e);
		return NULL;
	}
	*c = (weir_tracking_ctx){weir_req_db(r), r->arena, r->principal};
	return req;
}

static int run_op(weir_req *r, weir_tracking_op op, bool write)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_tracking_ctx c;
	json_t *req = message_or_reply(r, &c);
	if (req == NULL)
		return 0;
	if (write && weir_req_begin(r, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *out = op(&c, req, &e);
	if (out == NULL)
		return weir_reply_error(r, &e);
	if (write && weir_req_commit(r, &e) != 0) {
		json_decref(out);
		return weir_reply_error(r, &e);
	}
	return weir_reply_json(r, 200, out);
}

#define READ_OP(name, fn) \
	static int name(weir_req *r) { return run_op(r, fn, false); }
#define WRITE_OP(name, fn) \
	static int name(weir_req *r) { return run_op(r, fn, true); }

WRITE_OP(h_exp_create, weir_tracking_experiment_create)
READ_OP(h_exp_get, weir_tracking_experiment_get)
READ_OP(h_exp_get_by_name, weir_tracking_experiment_get_by_name)
READ_OP(h_exp_search, weir_tracking_experiment_search)
WRITE_OP(h_exp_update, weir_tracking_experiment_update)
WRITE_OP(h_exp_delete, weir_tracking_experiment_delete)
WRITE_OP(h_exp_restore, weir_tracking_experiment_restore)
WRITE_OP(h_exp_set_tag, weir_tracking_experiment_set_tag)
WRITE_OP(h_exp_delete_tag, weir_tracking_experiment_delete_tag)
WRITE_OP(h_run_create, weir_tracking_run_create)
READ_OP(h_run_get, weir_tracking_run_get)
WRITE_OP(h_run_update, weir_tracking_run_update)
WRITE_OP(h_run_delete, weir_tracking_run_delete)
WRITE_OP(h_run_restore, weir_tracking_run_restore)
READ_OP(h_run_search, weir_tracking_run_search)
WRITE_OP(h_log_metric, weir_tracking_log_metric)
WRITE_OP(h_log_param, weir_tracking_log_param)
WRITE_OP(h_log_batch, weir_tracking_log_batch)
WRITE_OP(h_log_inputs, weir_tracking_log_inputs)
WRITE_OP(h_set_tag, weir_tracking_set_tag)
WRITE_OP(h_delete_tag, weir_tracking_delete_tag)
WRITE_OP(h_log_outputs, weir_tracking_log_outputs)
WRITE_OP(h_lm_create, weir_tracking_logged_model_create)
READ_OP(h_lm_get, weir_tracking_logged_model_get)
WRITE_OP(h_lm_finalize, weir_tracking_logged_model_finalize)
WRITE_OP(h_lm_delete, weir_tracking_logged_model_delete)
READ_OP(h_lm_search, weir_tracking_logged_model_search)
WRITE_OP(h_lm_set_tags, weir_tracking_logged_model_set_tags)
WRITE_OP(h_lm_delete_tag, weir_tracking_logged_model_delete_tag)
WRITE_OP(h_lm_log_params, weir_tracking_logged_model_log_params)
/* get-history answers up to 25,000 points: written as text, not as a tree */
static int h_history(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_tracking_ctx c;
	json_t *req = message_or_reply(r, &c);
	if (req == NULL)
		return 0;
	size_t len;
	char *out = weir_tracking_metric_history_text(&c, req, &len, &e);
	return out ? weir_reply_json_text(r, 200, out, len) : weir_reply_error(r, &e);
}
READ_OP(h_history_bulk, weir_tracking_metric_history_bulk_interval)
/* A run's files by run_id: those of a model version follow the model, as on the proxy
 * (art_list); a directory the caller may not see lists as one that does not exist. */
static json_t *run_artifacts_list(weir_tracking_ctx *c, json_t *req, weir_error *e)
{
	json_t *out = weir_tracking_artifacts_list(c, req, e);
	if (out == NULL)
		return NULL;
	if (weir_artifacts_authorize_under(c->db, c->arena, c->principal, WEIR_ARTIFACTS_READ,
					   json_string_value(json_object_get(out, "root_uri")),
					   json_string_value(json_object_get(req, "path")), e) != 0) {
		if (e->code != WEIR_E_NOT_FOUND) {
			json_decref(out);
			return NULL;
		}
		weir_error_clear(e);
		json_object_del(out, "files");
		json_object_del(out, "next_page_token");
	}
	return out;
}
READ_OP(h_run_artifacts, run_artifacts_list)

/* ------------------------------------------------------------------ artifact proxy */

/* The route's artifact path ({path*}), named in the audit row and authorized for op, or NULL
 * after answering the refusal. Artifacts follow the rules of the object they belong to
 * (registry/artifacts.h, weir_artifacts_authorize): the routes are RULE_ON(READ_DATA /
 * WRITE_DATA), so a handler that answered without this check would be turned into a 500.
 * The dispatcher audits a refusal (every 403, and every failed PUT or DELETE). */
static const char *art_path_or_reply(weir_req *r, weir_artifacts_op op)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *path = weir_req_param(r, "path");
	weir_req_audit_securable(r, path); /* named in the audit row of a denial too */
	if (weir_artifacts_authorize(weir_req_db(r), r->arena, r->principal, op, path, &e) != 0) {
		weir_reply_error(r, &e);
		return NULL;
	}
	weir_req_mark_authorized(r);
	return path;
}

static int art_put(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *path = art_path_or_reply(r, WEIR_ARTIFACTS_WRITE);
	if (path == NULL)
		return 0; /* the temp file is removed by the server */
	if (r->in_head)
		return 0; /* WEIR_ROUTE_HEAD_CHECK: may write; the body comes next */
	if (weir_artifacts_put(r->arena, path, r->upload_path, r->upload_fd, &e) != 0)
		return weir_reply_error(r, &e);
	if (r->upload_path)
		r->upload_path = NULL; /* renamed into place: the server must not unlink it */
	return weir_reply_audited_empty(r);
}

static int art_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	int fd;
	uint64_t size;
	const char *path = art_path_or_reply(r, WEIR_ARTIFACTS_READ);
	if (path == NULL)
		return 0;
	if (weir_artifacts_open(r->arena, path, &fd, &size, &e) != 0)
		return weir_reply_error(r, &e);
	return weir_reply_fd(r, 200, "application/octet-stream", fd, size);
}

static int art_delete(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *path = art_path_or_reply(r, WEIR_ARTIFACTS_WRITE);
	if (path == NULL)
		return 0;
	if (weir_artifacts_delete(r->arena, path, &e) != 0)
		return weir_reply_error(r, &e);
	return weir_reply_audited_empty(r);
}

static int art_list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *path = weir_req_query(r, "path");
	weir_req_audit_securable(r, path);
	if (weir_artifacts_authorize(weir_req_db(r), r->arena, r->principal, WEIR_ARTIFACTS_READ, path, &e) != 0) {
		if (e.code != WEIR_E_NOT_FOUND)
			return weir_reply_error(r, &e);
		/* hidden: the answer for a directory that does not exist */
		weir_req_mark_authorized(r);
		return weir_reply_json(r, 200, json_object());
	}
	weir_req_mark_authorized(r);
	return weir_reply_list(r, "files", weir_artifacts_list(r->arena, path, NULL, &e), &e);
}

/* ------------------------------------------------------------------ routes */

#define TRK(method, path, fn, action, flags)                                                                           \
	{method, "/api/2.0/mlflow/" path, fn, RULE_AUTHENTICATED, WEIR_DIALECT_MLFLOW, "mlflowExperiment", action,     \
	 flags},                                                                                                       \
	{                                                                                                              \
		method, "/ajax-api/2.0/mlflow/" path, fn, RULE_AUTHENTICATED, WEIR_DIALECT_MLFLOW, "mlflowExperiment", \
			action, flags                                                                                  \
	}
/* op: READ_DATA (download, list) or WRITE_DATA (upload, delete); the handler decides by
 * the path's owner (art_path_or_reply). */
#define ART(method, path, fn, op, action, flags)                                                                \
	{method,                                                                                                \
	 "/api/2.0/mlflow-artifacts/" path,                                                                     \
	 fn,                                                                                                    \
	 RULE_ON(WEIR_OP_##op),                                                                                 \
	 WEIR_DIALECT_MLFLOW,                                                                                   \
	 "mlflowArtifacts",                                                                                     \
	 action,                                                                                                \
	 flags},                                                                                                \
	{                                                                                                       \
		method, "/ajax-api/2.0/mlflow-artifacts/" path, fn, RULE_ON(WEIR_OP_##op), WEIR_DIALECT_MLFLOW, \
			"mlflowArtifacts", action, flags                                                        \
	}

#define RO WEIR_ROUTE_NO_AUDIT

const weir_route weir_routes_tracking[] = {
	TRK("POST", "experiments/create", h_exp_create, "createExperiment", 0),
	TRK("GET", "experiments/get", h_exp_get, "getExperiment", RO),
	TRK("GET", "experiments/get-by-name", h_exp_get_by_name, "getExperimentByName", RO),
	TRK("POST", "experiments/search", h_exp_search, "searchExperiments", RO),
	TRK("GET", "experiments/search", h_exp_search, "searchExperiments", RO),
	/* removed from MLflow 2.0 but still sent by the Databricks SDKs and npm `mlflow` */
	TRK("GET", "experiments/list", h_exp_search, "listExperiments", RO),
	TRK("POST", "experiments/update", h_exp_update, "updateExperiment", 0),
	TRK("POST", "experiments/delete", h_exp_delete, "deleteExperiment", 0),
	TRK("POST", "experiments/restore", h_exp_restore, "restoreExperiment", 0),
	TRK("POST", "experiments/set-experiment-tag", h_exp_set_tag, "setExperimentTag", 0),
	TRK("POST", "experiments/delete-experiment-tag", h_exp_delete_tag, "deleteExperimentTag", 0),
	TRK("POST", "runs/create", h_run_create, "createRun", 0),
	TRK("GET", "runs/get", h_run_get, "getRun", RO),
	TRK("POST", "runs/update", h_run_update, "updateRun", 0),
	TRK("POST", "runs/delete", h_run_delete, "deleteRun", 0),
	TRK("POST", "runs/restore", h_run_restore, "restoreRun", 0),
	TRK("POST", "runs/search", h_run_search, "searchRuns", RO),
	TRK("POST", "runs/log-metric", h_log_metric, "logMetric", 0),
	TRK("POST", "runs/log-parameter", h_log_param, "logParam", 0),
	TRK("POST", "runs/log-batch", h_log_batch, "logBatch", 0),
	TRK("POST", "runs/log-inputs", h_log_inputs, "logInputs", 0),
	TRK("POST", "runs/outputs", h_log_outputs, "logOutputs", 0),
	TRK("POST", "runs/set-tag", h_set_tag, "setTag", 0),
	TRK("POST", "runs/delete-tag", h_delete_tag, "deleteTag", 0),
	/* MLflow 3 logged models; search before {model_id} */
	TRK("POST", "logged-models", h_lm_create, "createLoggedModel", 0),
	TRK("POST", "logged-models/search", h_lm_search, "searchLoggedModels", RO),
	TRK("GET", "logged-models/{model_id}", h_lm_get, "getLoggedModel", RO),
	TRK("PATCH", "logged-models/{model_id}", h_lm_finalize, "finalizeLoggedModel", 0),
	TRK("DELETE", "logged-models/{model_id}", h_lm_delete, "deleteLoggedModel", 0),
	TRK("PATCH", "logged-models/{model_id}/tags", h_lm_set_tags, "setLoggedModelTags", 0),
	TRK("DELETE", "logged-models/{model_id}/tags/{tag_key*}", h_lm_delete_tag, "deleteLoggedModelTag", 0),
	TRK("POST", "logged-models/{model_id}/params", h_lm_log_params, "logLoggedModelParams", 0),
	TRK("GET", "metrics/get-history", h_history, "getMetricHistory", RO),
	TRK("GET", "metrics/get-history-bulk-interval", h_history_bulk, "getMetricHistoryBulkInterval", RO),
	TRK("GET", "artifacts/list", h_run_artifacts, "listArtifacts", RO),
	ART("PUT", "artifacts/{path*}", art_put, WRITE_DATA, "uploadArtifact",
	    WEIR_ROUTE_STREAM_UPLOAD | WEIR_ROUTE_HEAD_CHECK),
	ART("GET", "artifacts/{path*}", art_get, READ_DATA, "downloadArtifact", RO),
	ART("DELETE", "artifacts/{path*}", art_delete, WRITE_DATA, "deleteArtifact", 0),
	ART("GET", "artifacts", art_list, READ_DATA, "listArtifacts", RO),
	{0},
};
