/* MLflow experiment tracking: experiments, runs, params, metrics, tags and run inputs.
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
