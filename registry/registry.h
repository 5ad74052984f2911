/* The model registry: registered models (securables of type registered_model inside a
 * schema), their versions, tags, aliases and stages, the MLflow search grammar, and the
 * lineage hook from a model version to its source run. One store serves both wire views:
 * MLflow's flat names (/api/2.0/mlflow) and Unity Catalog's three-level names
 * (/api/2.1/unity-catalog/models). No HTTP here; every write runs inside the caller's
 * write transaction, every read on the caller's connection. JSON results are new
 * references the caller owns. These are the domain functions (registry.c, models.c): they
 * decide the rules and queue the events; the SQL behind them is registry_store.c's, which
 * nothing outside registry/ calls.
 *
 * Name mapping (see registry/registry.c for the why): an MLflow name without dots `n` is
 * the securable `main.default.n`; an MLflow name `c.s.n` (three valid UC names) is that
 * securable; anything else is refused with 400 INVALID_PARAMETER_VALUE naming the field.
 * A model shows in MLflow answers under the reverse mapping. */
#ifndef WEIR_REGISTRY_H
#define WEIR_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"
#include "governance/governance.h"

#define WEIR_REGISTRY_DEFAULT_CATALOG "main"
#define WEIR_REGISTRY_DEFAULT_SCHEMA "default"

/* ---------------------------------------------------------------- names */

/* MLflow name -> securable full name (arena). 400 naming `field` when it cannot map. */
const char *weir_registry_full_name(weir_arena *a, const char *field, const char *mlflow_name, weir_error *err);
/* Full name parts -> the MLflow name (arena). */
const char *weir_registry_mlflow_name(weir_arena *a, const char *catalog, const char *schema, const char *name);
/* Creates catalog `main` and schema `main.default` (owned by admin) when absent. Inside the
 * caller's write transaction. */
int weir_registry_ensure_default(weir_db *db, weir_arena *a, weir_error *err);
/* The schema a new MLflow model goes into, resolved for p (*out): main.default is created
 * first when it is the one named, and not being able to see it is 403 (it is a documented,
 * fixed place), not 404. Inside the caller's write transaction. */
int weir_registry_model_schema(weir_db *db, weir_arena *a, const weir_principal *p, const char *catalog,
			       const char *schema, weir_securable *out, weir_error *err);
/* The leaf name a model is renamed to, from an MLflow `new_name` (arena): 400 naming
 * new_name when it does not map or names another catalog or schema than the model's. */
const char *weir_registry_rename_leaf(weir_arena *a, const weir_securable *model, const char *new_name,
				      weir_error *err);

/* ---------------------------------------------------------------- rules */

/* Registry tag rules: keys 1..250 characters of letters, digits, _ - . space : / (and any
 * non-ASCII byte), no '..', not starting with '/' (400 naming key); values (NULL: none) at
 * most 100000 bytes (400 naming value). */
int weir_registry_tag_check(const char *key, const char *value, weir_error *err);
/* A version number from the wire: MLflow's string holding an integer (400 naming version),
 * and UC's path segment, a positive integer. */
int weir_registry_version_parse(const char *s, int64_t *v, weir_error *err);
int weir_registry_version_parse_uc(const char *s, int64_t *v, weir_error *err);
/* A stage transition's arguments: the stage in any case (*canonical: its spelling), and
 * archive_existing only towards an active stage (Staging, Production). 400 naming the field. */
int weir_registry_stage_check(const char *stage, bool archive_existing, const char **canonical, weir_error *err);

/* ---------------------------------------------------------------- models */

/* Inserts the model securable (type registered_model) under `schema` owned by p, checking
 * the UC name rule; 400 RESOURCE_ALREADY_EXISTS (MLflow) when taken. *id_out: arena. */
int weir_registry_model_create(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *schema,
			       const char *name, const char *comment, const char **id_out, weir_error *err);

typedef struct weir_registry_model_in {
	const char *name; /* the leaf (UC) name */
	const char *comment; /* may be NULL */
	json_t *tags; /* MLflow [{key, value}] or NULL (borrowed) */
	const char *event_name; /* the name the caller used, carried by the event (NULL: the MLflow name) */
} weir_registry_model_in;

/* weir_registry_model_create, then its tags, then the registered_model.created webhooks. */
int weir_registry_model_register(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *schema,
				 const weir_registry_model_in *in, const char **id_out, weir_error *err);
/* Renames inside its schema (new_name a UC name). 400 RESOURCE_ALREADY_EXISTS when taken. */
int weir_registry_model_rename(weir_db *db, const char *model_id, const char *new_name, const char *by,
			       weir_error *err);
/* Sets the description (comment); NULL clears. Bumps last_updated. */
int weir_registry_model_set_comment(weir_db *db, const char *model_id, const char *comment, const char *by,
				    weir_error *err);
/* Transfers ownership to principal `owner` (a user, group or service principal name). */
int weir_registry_model_set_owner(weir_db *db, const char *model_id, const char *owner, const char *by,
				  weir_error *err);
/* Deletes the model with its versions; without force, a model that has versions is refused
 * (ABORTED naming full_name). */
int weir_registry_model_delete(weir_db *db, const char *model_id, const char *full_name, bool force, weir_error *err);
/* Sets a tag (weir_registry_tag_check's rules; value NULL: ""). */
int weir_registry_model_tag_set(weir_db *db, const char *model_id, const char *key, const char *value, weir_error *err);
int weir_registry_model_tag_delete(weir_db *db, const char *model_id, const char *key, weir_error *err);

/* MLflow RegisteredModel (tags, aliases, latest_versions). */
json_t *weir_registry_model_mlflow(weir_db *db, weir_arena *a, const char *model_id, weir_error *err);
/* UC RegisteredModelInfo (with aliases). */
json_t *weir_registry_model_uc(weir_db *db, weir_arena *a, const char *model_id, weir_error *err);

/* ---------------------------------------------------------------- versions */

typedef struct weir_registry_version_in {
	const char *source;
	const char *run_id; /* may be NULL */
	const char *run_link; /* may be NULL */
	const char *description; /* may be NULL */
	bool pending; /* UC: PENDING_REGISTRATION until finalize; MLflow: READY */
	json_t *tags; /* MLflow [{key, value}] or NULL (validated by the caller) */
	const char *storage_location; /* MLflow: where the files are when not at source (NULL) */
	const char *logged_model_id; /* MLflow 3: the logged model the version is registered from */
} weir_registry_version_in;

/* MLflow 3: a version registered from a logged model (the request's model_id, or a source
 * models:/<model_id> naming one). Sets in->logged_model_id, in->storage_location to the
 * model's artifact location when the source is models:/<model_id> (what get-download-uri
 * answers), and in->run_id to the model's source run when the request names none, as
 * MLflow's server does. 404 RESOURCE_DOES_NOT_EXIST when the model is absent or deleted. */
int weir_registry_version_logged_model(weir_db *db, weir_arena *a, weir_registry_version_in *in, const char *model_id,
				       weir_error *err);

/* The source a new version may name: the tracking rule (registry/tracking.c) and only files
 * of the artifact store p may read (registry/artifacts.c). */
int weir_registry_version_source_check(weir_db *db, weir_arena *a, const weir_principal *p, const char *source,
				       const char *run_id, weir_error *err);
/* Creates the next version (max ever + 1), records the lineage edge MLFLOW_RUN ->
 * MODEL_VERSION when run_id is set, adds the version to its logged model's
 * mlflow.modelVersions tag (in->logged_model_id), and queues the model_version.created
 * webhooks. */
int weir_registry_version_create(weir_db *db, weir_arena *a, const char *model_id, const weir_registry_version_in *in,
				 const char *by, int64_t *version, weir_error *err);
/* 404 RESOURCE_DOES_NOT_EXIST "Model Version (name=X, version=N) not found" when absent. */
int weir_registry_version_exists(weir_db *db, const char *model_id, const char *mlflow_name, int64_t version,
				 weir_error *err);
int weir_registry_version_set_description(weir_db *db, const char *model_id, int64_t version, const char *desc,
					  const char *by, weir_error *err);
/* stage: any case (weir_registry_stage_check); archive_existing moves the other versions
 * of that stage to Archived. */
int weir_registry_version_transition(weir_db *db, const char *model_id, int64_t version, const char *stage,
				     bool archive_existing, const char *by, weir_error *err);
/* PENDING_REGISTRATION -> READY; any other status is 400 INVALID_ARGUMENT. */
int weir_registry_version_finalize(weir_db *db, weir_arena *a, const char *model_id, int64_t version, const char *by,
				   weir_error *err);
int weir_registry_version_delete(weir_db *db, const char *model_id, int64_t version, const char *by, weir_error *err);
int weir_registry_version_tag_set(weir_db *db, weir_arena *a, const char *model_id, int64_t version, const char *key,
				  const char *value, weir_error *err);
int weir_registry_version_tag_delete(weir_db *db, weir_arena *a, const char *model_id, int64_t version, const char *key,
				     weir_error *err);
/* MLflow ModelVersion (with aliases when with_aliases). */
json_t *weir_registry_version_mlflow(weir_db *db, weir_arena *a, const char *model_id, int64_t version,
				     bool with_aliases, weir_error *err);
/* UC ModelVersionInfo. */
json_t *weir_registry_version_uc(weir_db *db, weir_arena *a, const char *model_id, int64_t version, weir_error *err);
/* temporary-model-version-credentials for a version of model (the caller authorized):
 * 400 FAILED_PRECONDITION for a FAILED_REGISTRATION version, and for a write to one that is
 * no longer PENDING_REGISTRATION; then its storage's answer (weir_catalog_vend: Weir keeps
 * a UC model version's files in its managed storage, served by the artifacts API). */
json_t *weir_registry_version_credentials(weir_db *db, weir_arena *a, const weir_securable *model, int64_t version,
					  bool write, weir_error *err);
/* The download URI (storage_location if set, else source), arena. */
const char *weir_registry_version_download_uri(weir_db *db, weir_arena *a, const char *model_id, int64_t version,
					       weir_error *err);
/* The latest version per stage (stages NULL/empty: all four). Validates stage names. */
json_t *weir_registry_latest_versions(weir_db *db, weir_arena *a, const char *model_id, const char **stages,
				      int nstages, weir_error *err);
/* UC list of versions, ascending, after version `after`; pages of max_results (0 or over
 * 1000: 100). */
json_t *weir_registry_versions_uc(weir_db *db, weir_arena *a, const char *model_id, int64_t after, int64_t max_results,
				  weir_error *err);

/* A version whose source may name files of the artifact store, for the artifact proxy's
 * owner lookup (registry/artifacts.c). Arena strings. */
typedef struct weir_registry_version_ref {
	const char *model_id; /* the registered model's securable id */
	int64_t version;
	const char *source; /* as registered */
} weir_registry_version_ref;

/* Every version whose source is mlflow-artifacts:, runs:, http(s):, file: or an absolute
 * path (any case): *out is an arena array of *n entries. */
int weir_registry_versions_in_store(weir_db *db, weir_arena *a, weir_registry_version_ref **out, size_t *n,
				    weir_error *err);

/* ---------------------------------------------------------------- aliases */

/* 400 for reserved (latest, v<N>) or malformed aliases. */
int weir_registry_alias_check(const char *alias, weir_error *err);
/* Points alias at an existing version (404 RESOURCE_DOES_NOT_EXIST naming mlflow_name when
 * it is absent) and queues the alias event. */
int weir_registry_alias_set(weir_db *db, weir_arena *a, const char *model_id, const char *mlflow_name,
			    const char *alias, int64_t version, weir_error *err);
int weir_registry_alias_delete(weir_db *db, weir_arena *a, const char *model_id, const char *alias, weir_error *err);
/* The version an alias points to; 400 INVALID_PARAMETER_VALUE when unknown (MLflow). */
int weir_registry_alias_get(weir_db *db, const char *model_id, const char *alias, int64_t *version, weir_error *err);
/* What a job's model trigger watches (workflows/): the highest version number, the highest
 * READY version (0: none) and the aliases as JSON text {"alias": version, ...} (arena).
 * 1 with the values, 0 when there is no such model, -1 with err set. */
int weir_registry_model_activity(weir_db *db, weir_arena *a, const char *model_id, int64_t *max_version,
				 int64_t *max_ready, const char **aliases_json, weir_error *err);
/* MLflow ModelVersion an alias points to; `latest` (any case) is the highest version of
 * any stage (404 naming mlflow_name when the model has none). */
json_t *weir_registry_alias_version_mlflow(weir_db *db, weir_arena *a, const char *model_id, const char *mlflow_name,
					   const char *alias, weir_error *err);

/* ---------------------------------------------------------------- search */

typedef enum { WEIR_REG_SEARCH_MODELS, WEIR_REG_SEARCH_VERSIONS } weir_registry_search_kind;

typedef struct weir_registry_search {
	weir_registry_search_kind kind;
	const char *filter;
	const char **order_by;
	int norder_by;
	int64_t max_results; /* INT64_MIN: the default (100 models, 200000 versions) */
	const char *page_token;
} weir_registry_search;

/* Runs an MLflow search for caller p (only models p may browse), returning
 * {registered_models|model_versions: [...], next_page_token?}; lists omitted when empty. */
json_t *weir_registry_search_run(weir_db *db, weir_arena *a, const weir_principal *p, const weir_registry_search *q,
				 weir_error *err);
/* The same answer as JSON text, written without a jansson tree (malloc'd; the reply path). */
char *weir_registry_search_text(weir_db *db, weir_arena *a, const weir_principal *p, const weir_registry_search *q,
				size_t *len, weir_error *err);
/* UC list of models under a schema (schema_id non-NULL) or everywhere, visible to p; pages
 * of max_results (0, negative or over 1000: 100). */
json_t *weir_registry_models_uc_list(weir_db *db, weir_arena *a, const weir_principal *p, const char *schema_id,
				     int64_t max_results, const char *page_token, weir_error *err);

/* Page tokens: base64 of {"offset": N}. */
char *weir_registry_page_token(weir_arena *a, int64_t offset);
int weir_registry_page_offset(weir_arena *a, const char *token, int64_t *offset, weir_error *err);

/* Stage names: case-insensitive input to the canonical spelling, or NULL. */
const char *weir_registry_stage_canonical(const char *s);

#endif
