/* The MLflow artifact store on local disk: DATA/artifacts/<relative path>, served by the
 * mlflow-artifacts proxy routes. Paths given to these functions are relative, '/'
 * separated, and checked with weir_artifacts_path_check (no '..', '.', empty segments,
 * absolute paths, backslashes or control characters), so nothing can escape the store.
 * Uploads are written to a temp file by the server, fsynced, then renamed into place, so
 * a failed upload never leaves a half file visible. Who may read or change a path is
 * decided by the objects that own it (weir_artifacts_authorize, below). */
#ifndef WEIR_REGISTRY_ARTIFACTS_H
#define WEIR_REGISTRY_ARTIFACTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"
#include "governance/governance.h"

/* 400 INVALID_PARAMETER_VALUE when `path` is not a safe relative path. An empty or NULL
 * path (the store root) is accepted only when allow_root. */
int weir_artifacts_path_check(const char *path, bool allow_root, weir_error *err);

/* Absolute directory of the store (DATA/artifacts); arena string. */
const char *weir_artifacts_root(weir_arena *a);

/* Moves the finished upload `tmp_path` (open as tmp_fd, which is fsynced here; -1 and NULL
 * for an empty body) to `rel`, creating parent directories. On success the temp file no
 * longer exists under its old name. */
int weir_artifacts_put(weir_arena *a, const char *rel, const char *tmp_path, int tmp_fd, weir_error *err);

/* Opens the file `rel` for reading: *fd (caller closes) and *size. 404 when absent, 400
 * for a directory. */
int weir_artifacts_open(weir_arena *a, const char *rel, int *fd, uint64_t *size, weir_error *err);

/* Deletes the file or directory tree `rel`. 404 when absent. */
int weir_artifacts_delete(weir_arena *a, const char *rel, weir_error *err);

/* The entries directly under `rel` (the root when NULL or ""), sorted by name, as a JSON
 * array of {path, is_dir, file_size?}; `path` is `prefix` + "/" + name (just the name when
 * prefix is NULL or ""). A missing directory gives an empty array. New reference. */
json_t *weir_artifacts_list(weir_arena *a, const char *rel, const char *prefix, weir_error *err);

/* Whether `rel` exists (file or directory). An unsafe path does not exist. */
bool weir_artifacts_exists(weir_arena *a, const char *rel);

/* ---------------------------------------------------------------- who owns a path
 *
 * Artifacts follow the rules of the object they belong to (README "MLflow: registry,
 * tracking, artifacts"). The store's layout:
 *
 *   <experiment rel>/                       an experiment (artifact_location
 *                                           mlflow-artifacts:/<experiment_id> by default)
 *   <experiment rel>/<run_id>/artifacts/... a run (its artifact_uri)
 *   <experiment rel>/models/<model_id>/...  an MLflow 3 logged model (its artifact_uri,
 *                                           <experiment location>/models/<id>/artifacts)
 *   anything a model version's source names (mlflow-artifacts:/..., runs:/<run_id>/...,
 *   models:/<logged model id>, an http(s) URL of this proxy, file: inside the store): that
 *   version's files
 *
 * A path has at most one container (the deepest run or logged model whose directory holds
 * it, else the experiment whose directory holds it) and any number of model versions whose files hold
 * it. A path with neither lies in no object. */

typedef enum weir_artifacts_op {
	WEIR_ARTIFACTS_READ, /* download, list */
	WEIR_ARTIFACTS_WRITE, /* upload (create or overwrite), delete */
} weir_artifacts_op;

typedef enum weir_artifact_owner_kind {
	WEIR_ARTIFACT_OWNER_NONE = 0, /* no object: admins only */
	WEIR_ARTIFACT_OWNER_EXPERIMENT, /* experiment_id */
	WEIR_ARTIFACT_OWNER_RUN, /* run_id, experiment_id */
	WEIR_ARTIFACT_OWNER_MODEL_VERSION, /* model_id (the registered model's securable), version */
	WEIR_ARTIFACT_OWNER_LOGGED_MODEL, /* run_id: the logged model's id ("m-..."), experiment_id */
} weir_artifact_owner_kind;

typedef struct weir_artifact_owner {
	weir_artifact_owner_kind kind;
	int64_t experiment_id;
	const char *run_id; /* arena */
	const char *model_id; /* arena */
	int64_t version;
} weir_artifact_owner;

/* The store-relative path an artifact URI names, or NULL when it names nothing in this
 * store: mlflow-artifacts:[//host]/p, http(s)://host/.../mlflow-artifacts/artifacts/p,
 * file: or an absolute path under DATA/artifacts. The URI is percent/plus-decoded until it
 * no longer changes (as clients and MLflow's source check read it); empty and '.' segments
 * are dropped and '..' removes the segment before it. "" is the store root. Arena string. */
const char *weir_artifacts_uri_rel(weir_arena *a, const char *uri);

/* The owners of `path` for `op` (an arena array in *out, *n entries, at least 1): first its
 * container (NONE when no experiment or run holds it), then every model version whose
 * files hold it and, for WRITE, every version whose files lie below it (deleting or
 * overwriting a directory changes them). A path no object holds resolves to one NONE
 * entry. 400 INVALID_PARAMETER_VALUE for a path weir_artifacts_path_check refuses ("" is
 * the root and allowed). */
int weir_artifacts_resolve(weir_db *db, weir_arena *a, const char *path, weir_artifacts_op op,
			   weir_artifact_owner **out, size_t *n, weir_error *err);

/* Process state of the owner lookup (called by api/modules.c): start registers the table
 * whose changes invalidate the cached model-version claims (before serving); stop frees
 * the cache. */
void weir_artifacts_start(void);
void weir_artifacts_stop(void);

/* Whether principal p may perform op on `path`, by the rules of every owner:
 *   NONE (and no model version holds the path)  admins only;
 *   EXPERIMENT, RUN, LOGGED_MODEL  any authenticated principal, as the tracking API
 *                    (registry/tracking.h);
 *   MODEL_VERSION    READ needs what reading the model's data needs (EXECUTE with USE
 *                    CATALOG and USE SCHEMA, or ownership; WEIR_OP_READ_DATA), WRITE what
 *                    creating a version needs (ownership; WEIR_OP_WRITE_DATA).
 * What p may not see answers exactly as a missing file: 404 RESOURCE_DOES_NOT_EXIST
 * "Artifact '<path>' not found" (a model p cannot browse, a path in no object for a
 * non-admin); what p sees but may not do is 403 PERMISSION_DENIED. Hidden wins over
 * denied when several owners refuse. */
int weir_artifacts_authorize(weir_db *db, weir_arena *a, const weir_principal *p, weir_artifacts_op op,
			     const char *path, weir_error *err);

/* The same for `sub` (NULL or "" for the root itself) under the artifact URI `root_uri` (a
 * run's artifact_uri, as GET /mlflow/artifacts/list names a run's files). Allowed when the
 * URI names nothing in this store or the joined path is not a valid one (the caller
 * refuses those itself). */
int weir_artifacts_authorize_under(weir_db *db, weir_arena *a, const weir_principal *p, weir_artifacts_op op,
				   const char *root_uri, const char *sub, weir_error *err);

/* A model version may be registered from files in this store only by a caller who may read
 * them (else anyone with CREATE MODEL could claim others' files and lock them out): for each
 * store path `source` names (as weir_artifacts_resolve reads sources), the caller must be
 * allowed to READ by every owner of the path and of everything below it (the store root:
 * admins only). Sources outside the store (s3://, models:/, ...) pass.
 * 403 PERMISSION_DENIED naming `source` otherwise, the same whether the files are hidden,
 * refused or absent. */
int weir_artifacts_source_readable(weir_db *db, weir_arena *a, const weir_principal *p, const char *source,
				   weir_error *err);

#endif
