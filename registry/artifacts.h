/* The MLflow artifact store on local disk: DATA/artifacts/<relative path>, served by the
 * mlflow-artifacts proxy routes. Paths given to these functions are relative, '/'
 * separated, and checked with weir_artifacts_path_check (no '..', '.', empty segments,
 * absolute paths, backslashes or control characters), so nothing can escape the store.
 * Uploads are written to a temp file by the server, fsynced, then renamed into place, so
 * a failed upload never leaves a half file visible. */
#ifndef WEIR_REGISTRY_ARTIFACTS_H
#define WEIR_REGISTRY_ARTIFACTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/error.h"

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

#endif
