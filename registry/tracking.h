/* MLflow experiment tracking: experiments, runs, params, metrics, tags, run inputs and
 * outputs, and MLflow 3's logged models.
 *
 * Every operation takes the request message in MLflow's JSON wire shape (a GET's query
 * arguments are turned into the same object by the api layer) and returns the response
 * message (a new reference the caller owns), or NULL with err set. Writes run inside the
 * caller's write transaction; reads need none. Errors use MLflow's codes and statuses
 * (RESOURCE_DOES_NOT_EXIST 404, RESOURCE_ALREADY_EXISTS 400, INVALID_PARAMETER_VALUE 400).
 *
 * Authorization: experiments and runs are not Unity Catalog securables. Any authenticated
 * principal may use them (route rule RULE_AUTHENTICATED); the creating principal's name is
 * recorded as `owner` on experiments and runs (see registry/tracking.c). */
#ifndef WEIR_REGISTRY_TRACKING_H
#define WEIR_REGISTRY_TRACKING_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"
#include "governance/governance.h"

typedef struct weir_tracking_ctx {
	weir_db *db; /* borrowed */
	weir_arena *arena; /* borrowed: per-request memory */
	const weir_principal *principal; /* borrowed: the caller (owner of what it creates) */
} weir_tracking_ctx;

typedef json_t *(*weir_tracking_op)(weir_tracking_ctx *c, json_t *req, weir_error *err);

/* experiments */
json_t *weir_tracking_experiment_create(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_experiment_get(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_experiment_get_by_name(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_experiment_search(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_experiment_update(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_experiment_delete(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_experiment_restore(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_experiment_set_tag(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_experiment_delete_tag(weir_tracking_ctx *c, json_t *req, weir_error *err);

/* runs */
json_t *weir_tracking_run_create(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_run_get(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_run_update(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_run_delete(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_run_restore(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_run_search(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_log_metric(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_log_param(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_log_batch(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_log_inputs(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_set_tag(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_delete_tag(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_metric_history(weir_tracking_ctx *c, json_t *req, weir_error *err);
/* The same answer as JSON text (malloc'd), written without a jansson tree: the reply path. */
char *weir_tracking_metric_history_text(weir_tracking_ctx *c, json_t *req, size_t *len, weir_error *err);
json_t *weir_tracking_metric_history_bulk_interval(weir_tracking_ctx *c, json_t *req, weir_error *err);
/* GET artifacts/list (run_id, path): the run's artifacts under its mlflow-artifacts root. */
json_t *weir_tracking_artifacts_list(weir_tracking_ctx *c, json_t *req, weir_error *err);

/* runs/outputs {run_id, models: [{model_id, step}]}: the models the run produced (runs/get
 * shows them as outputs.model_outputs; runs/log-inputs `models` as inputs.model_inputs). */
json_t *weir_tracking_log_outputs(weir_tracking_ctx *c, json_t *req, weir_error *err);

/* MLflow 3 logged models (/mlflow/logged-models...). `model_id` (and `tag_key`) come from the
 * path; the api layer puts them into req. A deleted model answers as a missing one: 404
 * RESOURCE_DOES_NOT_EXIST "Logged model with ID '<id>' not found.". Governed as runs are
 * (any authenticated principal). */
json_t *weir_tracking_logged_model_create(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_logged_model_get(weir_tracking_ctx *c, json_t *req, weir_error *err);
/* PATCH: status LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED; answers {model}. */
json_t *weir_tracking_logged_model_finalize(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_logged_model_delete(weir_tracking_ctx *c, json_t *req, weir_error *err);
/* experiment_ids, filter (MLflow's logged-model grammar), datasets, order_by
 * [{field_name, ascending, dataset_name, dataset_digest}], max_results (100, at most 1000),
 * page_token (bound to the first page's query). {} when nothing matches. */
json_t *weir_tracking_logged_model_search(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_logged_model_set_tags(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_logged_model_delete_tag(weir_tracking_ctx *c, json_t *req, weir_error *err);
json_t *weir_tracking_logged_model_log_params(weir_tracking_ctx *c, json_t *req, weir_error *err);

/* MLflow's batch limits (log-batch). */
#define WEIR_TRACKING_MAX_METRICS 1000
#define WEIR_TRACKING_MAX_PARAMS 100
#define WEIR_TRACKING_MAX_TAGS 100

/* ------------------------------------------------------------ for other modules */

/* One dataset a run used (log-inputs), for the lineage reader. Arena memory. */
typedef struct weir_tracking_input {
	const char *name;
	const char *digest;
	const char *source_type;
	const char *source;
	const char *context; /* the "mlflow.data.context" input tag ("training", ...), or NULL */
	const char *table_name; /* three-part UC table name the dataset names (source_type delta_table /
				 * uc_table, a source JSON `table_name`, or a three-part dataset name),
				 * or NULL; not resolved: the reader decides what the caller may see */
} weir_tracking_input;

/* The datasets of run `run_id` (32 hex): *out is an arena array of *n entries. 404
 * RESOURCE_DOES_NOT_EXIST when the run does not exist. */
int weir_tracking_run_inputs(weir_db *db, weir_arena *a, const char *run_id, weir_tracking_input **out, int *n,
			     weir_error *err);

/* Whether run `run_id` exists (any lifecycle stage); fills its experiment id when found. */
bool weir_tracking_run_exists(weir_db *db, const char *run_id, int64_t *experiment_id);

/* "m-" and 32 lowercase hex digits: the form of a logged model's id. */
bool weir_tracking_logged_model_id_valid(const char *s);

/* A logged model as the registry needs it (a version registered from models:/<model_id>).
 * Arena strings. */
typedef struct weir_tracking_logged_model_ref {
	const char *model_id;
	int64_t experiment_id;
	const char *artifact_uri; /* mlflow-artifacts:/<exp>/models/<model_id>/artifacts by default */
	const char *source_run_id; /* "" when none */
} weir_tracking_logged_model_ref;

/* The active logged model `model_id`; 404 RESOURCE_DOES_NOT_EXIST when absent or deleted. */
int weir_tracking_logged_model_ref_get(weir_db *db, weir_arena *a, const char *model_id,
				       weir_tracking_logged_model_ref *out, weir_error *err);
/* Appends {"name": name, "version": version} to the model's mlflow.modelVersions tag, as
 * MLflow's server does when a version is registered from the model. In a write. */
int weir_tracking_logged_model_add_version(weir_db *db, weir_arena *a, const char *model_id, const char *name,
					   int64_t version, weir_error *err);

/* Validates a model version `source` as MLflow's server does (handlers.py, see
 * shared/reference/mlflow-api.md §2.4): after repeated percent/plus decoding no `..`
 * segment, no NUL; local paths and file:// are refused unless they lie inside the artifact
 * store; mlflow-artifacts:/..., runs:/<run_id>/..., models:/..., s3://, gs://, dbfs:/,
 * http(s)://, ... are accepted. `run_id` (may be NULL or "") is the version's run.
 * On success sets *exists (may be NULL) to whether the source is known to be in place:
 * mlflow-artifacts: and runs: sources are checked on disk / in the run table; remote
 * schemes and models:/ count as present (the registry cannot see them). 400
 * INVALID_PARAMETER_VALUE `Invalid model version source: '...'` otherwise. */
int weir_tracking_source_check(weir_db *db, weir_arena *a, const char *source, const char *run_id, bool *exists,
			       weir_error *err);

#endif
