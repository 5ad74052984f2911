/* Private interface between registry/tracking.c (wire parsing, validation, the filter
 * grammar) and registry/tracking_store.c (all of tracking's SQL). Not for other modules. */
#ifndef WEIR_REGISTRY_TRACKING_INT_H
#define WEIR_REGISTRY_TRACKING_INT_H

#include "registry/mlflow_kit.h"
#include "registry/tracking.h"

typedef struct trk_exp {
	int64_t id;
	const char *name;
	const char *artifact_location;
	const char *lifecycle_stage;
	int64_t creation_time;
	int64_t last_update_time;
	const char *owner;
} trk_exp;

typedef struct trk_run {
	int64_t id; /* internal key */
	const char *run_id; /* 32 hex */
	int64_t experiment_id;
	const char *run_name;
	const char *user_id;
	const char *status;
	int64_t start_time;
	bool has_start;
	int64_t end_time;
	bool has_end;
	const char *artifact_uri;
	const char *lifecycle_stage;
} trk_run;

typedef struct trk_point {
	const char *key;
	double value;
	bool is_nan;
	int64_t timestamp;
	int64_t step;
} trk_point;

/* -- search (dynamic SQL built from whitelisted fragments; every value bound) -- */
typedef enum { TRK_ENT_ATTR, TRK_ENT_METRIC, TRK_ENT_PARAM, TRK_ENT_TAG, TRK_ENT_DATASET } trk_entity;

/* A clause of a filter (registry/mlflow_kit.h): ent is a trk_entity; ATTR and DATASET
 * clauses name their attribute in `column` (the store maps it to SQL), METRIC, PARAM and TAG
 * clauses their key in `key` (bound). */
typedef weir_mlflow_cond trk_cond;

typedef struct trk_order {
	int ent; /* trk_entity */
	const char *column; /* ATTR: the attribute's name */
	const char *key;
	bool desc;
	const char *dataset_name; /* logged models' METRIC order: only points on this dataset (or NULL) */
	const char *dataset_digest;
} trk_order;

typedef struct trk_query {
	const int64_t *experiment_ids; /* runs only */
	int nexperiments;
	int view; /* 1 active, 2 deleted, 3 all */
	trk_cond *conds;
	int nconds;
	trk_order *orders;
	int norders;
	int64_t offset;
	int64_t limit; /* rows to fetch (max_results + 1) */
	/* logged models: the `datasets` filter, (name, digest or NULL) pairs; a model qualifies
	 * through its metrics on any of them */
	const char **ds_names;
	const char **ds_digests;
	int ndatasets;
} trk_query;

/* experiments */
int weir_trk_store_exp_name_taken(weir_db *db, const char *name, bool *taken, weir_error *err);
int weir_trk_store_exp_insert(weir_db *db, const char *name, const char *artifact_location, const char *owner,
			      int64_t now, int64_t *id, weir_error *err);
int weir_trk_store_exp_get(weir_db *db, weir_arena *a, int64_t id, trk_exp *out, weir_error *err);
int weir_trk_store_exp_get_by_name(weir_db *db, weir_arena *a, const char *name, trk_exp *out, weir_error *err);
/* The experiment whose artifact_location is one of `locations` (a JSON array text), the
 * longest such location first; *found false when none (the artifact owner lookup). */
int weir_tracking_store_exp_by_location(weir_db *db, const char *locations, int64_t *id, bool *found, weir_error *err);
int weir_trk_store_exp_rename(weir_db *db, int64_t id, const char *name, int64_t now, weir_error *err);
/* Sets the experiment's stage and that of all its runs. */
int weir_trk_store_exp_set_stage(weir_db *db, int64_t id, const char *stage, int64_t now, weir_error *err);
int weir_trk_store_exp_set_tag(weir_db *db, int64_t id, const char *key, const char *value, weir_error *err);
int weir_trk_store_exp_delete_tag(weir_db *db, int64_t id, const char *key, bool *existed, weir_error *err);
json_t *weir_trk_store_exp_json(weir_db *db, const trk_exp *e, weir_error *err);
/* Experiment ids matching q, in order; *n entries in an arena array. */
int weir_trk_store_exp_search(weir_db *db, weir_arena *a, const trk_query *q, int64_t **ids, int *n, weir_error *err);

/* runs */
int weir_trk_store_run_insert(weir_db *db, const trk_run *run, const char *owner, int64_t *id, weir_error *err);
int weir_trk_store_run_get(weir_db *db, weir_arena *a, const char *run_id, trk_run *out, weir_error *err);
int weir_trk_store_run_get_id(weir_db *db, weir_arena *a, int64_t id, trk_run *out, weir_error *err);
int weir_trk_store_run_update(weir_db *db, const trk_run *run, weir_error *err);
int weir_trk_store_run_set_stage(weir_db *db, int64_t id, const char *stage, int64_t now, weir_error *err);
int weir_trk_store_run_ids(weir_db *db, weir_arena *a, const trk_query *q, int64_t **ids, int *n, weir_error *err);
json_t *weir_trk_store_run_info_json(const trk_run *run);
json_t *weir_trk_store_run_json(weir_db *db, weir_arena *a, const trk_run *run, weir_error *err);

/* params and tags: *value NULL when absent */
int weir_trk_store_param_get(weir_db *db, weir_arena *a, int64_t run, const char *key, const char **value,
			     weir_error *err);
int weir_trk_store_param_put(weir_db *db, int64_t run, const char *key, const char *value, weir_error *err);
int weir_trk_store_tag_set(weir_db *db, int64_t run, const char *key, const char *value, weir_error *err);
int weir_trk_store_tag_delete(weir_db *db, int64_t run, const char *key, bool *existed, weir_error *err);

/* A key with at least this many points in one log-batch writes them straight to
 * trk_metrics: as many as a key collects in the hot table before its merge at the default
 * target (8,000 points over a batch's 1,000 keys), so the cold page costs the same, and
 * few-key batches (10 keys x 100 steps) do not write every point twice. */
#define TRK_DIRECT_POINTS 8

/* metrics: points are written to a small hot table and moved to trk_metrics in key-ordered
 * slices; every read below sees both (migrations/0009_metrics_hot.sql). */
/* A point and the latest-value upsert; insert and latest separately (log-batch updates the
 * latest value once per key). A point already stored is not stored twice. */
int weir_trk_store_metric_put(weir_db *db, int64_t run, const trk_point *p, weir_error *err);
/* `direct`: into trk_metrics rather than the hot table, for a key with at least
 * TRK_DIRECT_POINTS points in one batch (its cold leaf page is written once for all). */
int weir_trk_store_metric_insert(weir_db *db, int64_t run, const trk_point *p, bool direct, weir_error *err);
int weir_trk_store_metric_latest(weir_db *db, int64_t run, const trk_point *p, weir_error *err);
/* After a request's points are written, in its write transaction: when the hot table is
 * above its target, moves one bounded slice of it to trk_metrics. */
int weir_trk_store_metric_settle(weir_db *db, weir_error *err);
/* Moves up to max_rows points of the hot table to trk_metrics, continuing in primary-key
 * order from where the previous merge stopped (wrapping at the end); *moved: how many
 * left the hot table. In a write transaction. */
int weir_trk_store_metric_merge(weir_db *db, int64_t max_rows, int64_t *moved, weir_error *err);
/* Points currently in the hot table. */
int weir_trk_store_metric_hot_count(weir_db *db, int64_t *n, weir_error *err);
/* For tests: sets the hot table's target size in points (<= 0: the default), overriding
 * the environment variable WEIR_TRK_HOT_ROWS. Not thread-safe: call before serving. */
void weir_trk_store_metric_hot_target_set(int rows);
/* One page of a key's history after cursor `after` (NULL: from the start), in (step,
 * timestamp, value) order; *n points in an arena array. */
int weir_trk_store_metric_page(weir_db *db, weir_arena *a, int64_t run, const char *key, const trk_point *after,
			       int limit, trk_point **out, int *n, weir_error *err);
/* Distinct steps of a key in [start, end] (all when !ranged), ascending. */
int weir_trk_store_metric_steps(weir_db *db, weir_arena *a, int64_t run, const char *key, bool ranged, int64_t start,
				int64_t end, int64_t **steps, int *n, weir_error *err);
int weir_trk_store_metric_at_step(weir_db *db, weir_arena *a, int64_t run, const char *key, int64_t step,
				  trk_point **out, int *n, weir_error *err);

/* logged models (migrations/0013_logged_models.sql) */
typedef struct trk_lmodel {
	int64_t id; /* internal key */
	const char *model_id; /* "m-" + 32 hex */
	int64_t experiment_id;
	const char *name;
	const char *artifact_location;
	int64_t creation_time;
	int64_t last_updated_time;
	const char *status; /* LOGGED_MODEL_PENDING | _READY | _UPLOAD_FAILED */
	const char *model_type; /* "" when none */
	const char *source_run_id; /* "" when none */
	const char *lifecycle_stage;
} trk_lmodel;

int weir_trk_store_lm_insert(weir_db *db, const trk_lmodel *m, const char *owner, int64_t *id, weir_error *err);
/* Any lifecycle stage; 404 "Logged model with ID '<id>' not found." when absent. */
int weir_trk_store_lm_get(weir_db *db, weir_arena *a, const char *model_id, trk_lmodel *out, weir_error *err);
int weir_trk_store_lm_get_id(weir_db *db, weir_arena *a, int64_t id, trk_lmodel *out, weir_error *err);
/* Sets status (NULL: unchanged) and lifecycle stage (NULL: unchanged), and the update time. */
int weir_trk_store_lm_update(weir_db *db, int64_t id, const char *status, const char *stage, int64_t now,
			     weir_error *err);
int weir_trk_store_lm_param_get(weir_db *db, weir_arena *a, int64_t model, const char *key, const char **value,
				weir_error *err);
int weir_trk_store_lm_param_put(weir_db *db, int64_t model, const char *key, const char *value, weir_error *err);
/* *value NULL when absent. */
int weir_trk_store_lm_tag_get(weir_db *db, weir_arena *a, int64_t model, const char *key, const char **value,
			      weir_error *err);
int weir_trk_store_lm_tag_set(weir_db *db, int64_t model, const char *key, const char *value, weir_error *err);
int weir_trk_store_lm_tag_delete(weir_db *db, int64_t model, const char *key, bool *existed, weir_error *err);
/* A point logged with model_id: dataset name and digest "" when none. */
int weir_trk_store_lm_metric_put(weir_db *db, int64_t model, const trk_point *p, const char *run_id,
				 const char *dataset_name, const char *dataset_digest, weir_error *err);
/* The wire LoggedModel {info, data}. New reference. */
json_t *weir_trk_store_lm_json(weir_db *db, weir_arena *a, const trk_lmodel *m, weir_error *err);
/* Internal ids of the active models of q's experiments matching q, in q's order. */
int weir_trk_store_lm_search(weir_db *db, weir_arena *a, const trk_query *q, int64_t **ids, int *n, weir_error *err);
/* Links run and model ("input" or "output", with the step); a link already there stays one. */
int weir_trk_store_run_model_link(weir_db *db, int64_t run, const char *direction, int64_t model, int64_t step,
				  weir_error *err);

/* datasets and inputs */
int weir_trk_store_dataset_upsert(weir_db *db, int64_t experiment_id, const char *name, const char *digest,
				  const char *source_type, const char *source, const char *schema, const char *profile,
				  int64_t *id, weir_error *err);
int weir_trk_store_input_upsert(weir_db *db, int64_t dataset, int64_t run, int64_t *input, weir_error *err);
int weir_trk_store_input_tag_set(weir_db *db, int64_t input, const char *key, const char *value, weir_error *err);
int weir_trk_store_run_inputs(weir_db *db, weir_arena *a, int64_t run, weir_tracking_input **out, int *n,
			      weir_error *err);

#endif
