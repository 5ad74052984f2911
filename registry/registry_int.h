/* Private to the registry: the store's interface (registry_store.c: SQL only, plain values
 * in, rows out), the parsed search query handed from registry.c (grammar) to the store,
 * and small shared helpers. The domain files (registry.c, models.c) decide every rule and
 * call these; nothing outside registry/ does. */
#ifndef WEIR_REGISTRY_INT_H
#define WEIR_REGISTRY_INT_H

#include "core/json.h"
#include "registry/mlflow_kit.h"
#include "registry/registry.h"

#define REG_MAX_CONDS 32
#define REG_MAX_IN 64
#define REG_MAX_ORDER 8

typedef enum { REG_ATTR_NAME, REG_ATTR_SOURCE, REG_ATTR_RUN_ID, REG_ATTR_VERSION, REG_TAG } reg_key;

/* A clause of a filter (registry/mlflow_kit.h): ent is a reg_key; key the tag key or the
 * attribute; str a string value, i64 version_number's; list run_id IN's values (at most
 * REG_MAX_IN, none with an upper-case letter). */
typedef weir_mlflow_cond reg_cond;

typedef enum { REG_ORD_NAME, REG_ORD_UPDATED, REG_ORD_CREATED, REG_ORD_VERSION } reg_ord_key;

typedef struct reg_order {
	reg_ord_key key;
	bool desc;
} reg_order;

typedef struct reg_query {
	weir_registry_search_kind kind;
	reg_cond *conds;
	int nconds;
	reg_order order[REG_MAX_ORDER];
	int norder;
	bool include_prompts;
	/* resolved by the domain before the store builds SQL */
	const char *metastore_id;
	const char *default_schema; /* main.default's id (NULL: absent) */
	const char **name_ids; /* per name equality, in order: its model's id, "" if none */
} reg_query;

/* One row of a search, valid during the visit only. */
typedef struct reg_hit {
	const char *model_id;
	int64_t version; /* versions search: the version */
	const char *mlflow_name; /* the model's MLflow name */
	const char *comment; /* models search: the model's comment (NULL: none) */
	int64_t created_at; /* models search: the model's timestamps */
	int64_t updated_at;
} reg_hit;

/* Visitor over matching rows in order; return 1 to stop. */
typedef int (*reg_visit_fn)(void *ctx, const reg_hit *hit);
int weir_reg_store_search(weir_db *db, weir_arena *a, const reg_query *q, int64_t offset, int64_t limit,
			  reg_visit_fn fn, void *ctx, weir_error *err);

/* The MLflow name of a model securable (arena), or NULL if it is not a model. */
const char *weir_reg_store_mlflow_name(weir_db *db, weir_arena *a, const char *model_id);

/* MLflow RegisteredModel of a search hit: weir_registry_model_mlflow without reading the
 * model's row again (the search row carries its name, comment and timestamps). */
json_t *weir_reg_model_mlflow_hit(weir_db *db, weir_arena *a, const reg_hit *h, weir_error *err);
/* The same object written into w (the tree version parses this text). */
int weir_reg_model_mlflow_hit_jw(weir_db *db, weir_arena *a, const reg_hit *h, weir_jw *w, weir_error *err);

/* MLflow ModelVersion of a model whose MLflow name is known (NULL: looked up). */
json_t *weir_reg_version_mlflow_named(weir_db *db, weir_arena *a, const char *model_id, int64_t version,
				      const char *name, bool with_aliases, weir_error *err);
int weir_reg_version_mlflow_named_jw(weir_db *db, weir_arena *a, const char *model_id, int64_t version,
				     const char *name, bool with_aliases, weir_jw *w, weir_error *err);

/* ---------------------------------------------------------------- the store's rows */

/* The id of the child of `parent` with that type and name (arena), NULL when absent. */
const char *weir_reg_store_child(weir_db *db, weir_arena *a, const char *parent, const char *type, const char *name);
/* Creates catalog main and schema main.default under the metastore when absent. */
int weir_reg_store_ensure_default(weir_db *db, weir_arena *a, const char *metastore_id, weir_error *err);

/* Models: the securable row and its registry row (version counter). */
int weir_reg_store_model_insert(weir_db *db, const char *id, const char *schema_id, const char *name, int64_t owner_id,
				const char *by, const char *comment, const char *location, weir_error *err);
const char *weir_reg_store_model_parent(weir_db *db, weir_arena *a, const char *model_id);
/* Renames and bumps updated_at of the model and its versions. */
int weir_reg_store_model_rename(weir_db *db, const char *model_id, const char *new_name, const char *by,
				weir_error *err);
int weir_reg_store_model_set_comment(weir_db *db, const char *model_id, const char *comment, const char *by,
				     weir_error *err);
int weir_reg_store_model_set_owner(weir_db *db, const char *model_id, int64_t owner_id, const char *by,
				   weir_error *err);
/* Bumps updated_at (and updated_by unless NULL). */
int weir_reg_store_model_touch(weir_db *db, const char *model_id, int64_t now, const char *by, weir_error *err);
int weir_reg_store_model_delete(weir_db *db, const char *model_id, weir_error *err);
int64_t weir_reg_store_version_count(weir_db *db, const char *model_id);
int weir_reg_store_model_tag_set(weir_db *db, const char *model_id, const char *key, const char *value,
				 weir_error *err);
int weir_reg_store_model_tag_delete(weir_db *db, const char *model_id, const char *key, weir_error *err);
json_t *weir_reg_store_model_mlflow(weir_db *db, weir_arena *a, const char *model_id, weir_error *err);
/* UC RegisteredModelInfo without owner and aliases; *owner_id: the owner's principal id. */
json_t *weir_reg_store_model_uc(weir_db *db, weir_arena *a, const char *model_id, int64_t *owner_id, weir_error *err);
/* UC aliases [{alias_name, version_num}] of a model (one_version: of that version only). */
json_t *weir_reg_store_aliases_uc(weir_db *db, const char *model_id, int64_t version, bool one_version,
				  weir_error *err);
/* Visitor over model ids in key order: 0 goes on, 1 stops, -1 stops with an error set. */
typedef int (*reg_model_fn)(void *ctx, const char *model_id);
/* Models of a schema after name `after` by name, or (schema_id NULL) all after id `after` by id. */
int weir_reg_store_models_walk(weir_db *db, weir_arena *a, const char *schema_id, const char *after, reg_model_fn fn,
			       void *ctx, weir_error *err);
/* A securable's name (arena; `id` itself when absent). */
const char *weir_reg_store_name_of(weir_db *db, weir_arena *a, const char *id, weir_error *err);

/* Versions. The insert takes the next number (max ever + 1) into *version. */
int weir_reg_store_version_insert(weir_db *db, const char *model_id, const weir_registry_version_in *in, const char *id,
				  const char *location, int64_t now, const char *by, int64_t *version, weir_error *err);
/* 1 when the version exists, 0 when not, -1 on error. */
int weir_reg_store_version_exists(weir_db *db, const char *model_id, int64_t version, weir_error *err);
int weir_reg_store_version_set_description(weir_db *db, const char *model_id, int64_t version, const char *desc,
					   const char *by, weir_error *err);
/* Sets the stage (archive_existing: the other versions in it go to Archived) and touches the model. */
int weir_reg_store_version_transition(weir_db *db, const char *model_id, int64_t version, const char *stage,
				      bool archive_existing, const char *by, weir_error *err);
/* The version's status (arena; "" when absent), NULL on error. */
const char *weir_reg_store_version_status(weir_db *db, weir_arena *a, const char *model_id, int64_t version,
					  weir_error *err);
int weir_reg_store_version_set_ready(weir_db *db, const char *model_id, int64_t version, const char *by,
				     weir_error *err);
/* Deletes the version and touches the model. */
int weir_reg_store_version_delete(weir_db *db, const char *model_id, int64_t version, const char *by, weir_error *err);
int weir_reg_store_version_tag_set(weir_db *db, const char *model_id, int64_t version, const char *key,
				   const char *value, weir_error *err);
int weir_reg_store_version_tag_delete(weir_db *db, const char *model_id, int64_t version, const char *key,
				      weir_error *err);
json_t *weir_reg_store_version_uc(weir_db *db, weir_arena *a, const char *model_id, int64_t version, weir_error *err);
/* storage_location if set, else source (arena); 404 when absent. */
const char *weir_reg_store_version_uri(weir_db *db, weir_arena *a, const char *model_id, int64_t version,
				       weir_error *err);
/* The highest version in `stage`: 1 found, 0 none, -1 error. */
int weir_reg_store_latest_in_stage(weir_db *db, const char *model_id, const char *stage, int64_t *version,
				   weir_error *err);
json_t *weir_reg_store_versions_uc(weir_db *db, weir_arena *a, const char *model_id, int64_t after, int limit,
				   weir_error *err);

/* Aliases. delete answers the number of rows removed (0 or 1) or -1; get 1/0/-1. */
int weir_reg_store_alias_set(weir_db *db, const char *model_id, const char *alias, int64_t version, weir_error *err);
int weir_reg_store_alias_delete(weir_db *db, const char *model_id, const char *alias, weir_error *err);
int weir_reg_store_model_activity(weir_db *db, weir_arena *a, const char *model_id, int64_t *max_version,
				  int64_t *max_ready, const char **aliases_json, weir_error *err);
int weir_reg_store_alias_get(weir_db *db, const char *model_id, const char *alias, int64_t *version, weir_error *err);

#endif
