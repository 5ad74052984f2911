/* Private to the registry: the parsed search query handed from registry.c (grammar) to
 * registry_store.c (SQL), and small shared helpers. */
#ifndef WEIR_REGISTRY_INT_H
#define WEIR_REGISTRY_INT_H

#include "core/json.h"
#include "registry/registry.h"

#define REG_MAX_CONDS 32
#define REG_MAX_IN 64
#define REG_MAX_ORDER 8
#define REG_MAX_PATTERN 10000 /* bytes of a LIKE / ILIKE pattern */

typedef enum { REG_ATTR_NAME, REG_ATTR_SOURCE, REG_ATTR_RUN_ID, REG_ATTR_VERSION, REG_TAG } reg_key;
typedef enum { REG_OP_EQ, REG_OP_NE, REG_OP_LIKE, REG_OP_ILIKE, REG_OP_IN, REG_OP_LT, REG_OP_LE, REG_OP_GT,
	       REG_OP_GE } reg_op;

typedef struct reg_cond {
	reg_key key;
	const char *tag;           /* REG_TAG: the tag key */
	reg_op op;
	const char *value;         /* string comparisons */
	int64_t num;               /* REG_ATTR_VERSION */
	const char *in[REG_MAX_IN];
	int nin;
} reg_cond;

typedef enum { REG_ORD_NAME, REG_ORD_UPDATED, REG_ORD_CREATED, REG_ORD_VERSION } reg_ord_key;

typedef struct reg_order {
	reg_ord_key key;
	bool desc;
} reg_order;

typedef struct reg_query {
	weir_registry_search_kind kind;
	reg_cond conds[REG_MAX_CONDS];
	int nconds;
	reg_order order[REG_MAX_ORDER];
	int norder;
	bool include_prompts;
} reg_query;

/* One row of a search, valid during the visit only. */
typedef struct reg_hit {
	const char *model_id;
	int64_t version;            /* versions search: the version */
	const char *mlflow_name;    /* the model's MLflow name */
	const char *comment;        /* models search: the model's comment (NULL: none) */
	int64_t created_at;         /* models search: the model's timestamps */
	int64_t updated_at;
} reg_hit;

/* Visitor over matching rows in order; return 1 to stop. */
typedef int (*reg_visit_fn)(void *ctx, const reg_hit *hit);
int reg_store_search(weir_db *db, weir_arena *a, const reg_query *q, int64_t offset, int64_t limit,
		     reg_visit_fn fn, void *ctx, weir_error *err);

/* The MLflow name of a model securable (arena), or NULL if it is not a model. */
const char *reg_store_mlflow_name(weir_db *db, weir_arena *a, const char *model_id);

/* MLflow RegisteredModel of a search hit: weir_registry_model_mlflow without reading the
 * model's row again (the search row carries its name, comment and timestamps). */
json_t *reg_model_mlflow_hit(weir_db *db, weir_arena *a, const reg_hit *h, weir_error *err);
/* The same object written into w (the tree version parses this text). */
int reg_model_mlflow_hit_jw(weir_db *db, weir_arena *a, const reg_hit *h, weir_jw *w, weir_error *err);

/* MLflow ModelVersion of a model whose MLflow name is known (NULL: looked up). */
json_t *reg_version_mlflow_named(weir_db *db, weir_arena *a, const char *model_id, int64_t version,
				 const char *name, bool with_aliases, weir_error *err);
int reg_version_mlflow_named_jw(weir_db *db, weir_arena *a, const char *model_id, int64_t version, const char *name,
				bool with_aliases, weir_jw *w, weir_error *err);

/* Converts a LIKE pattern (% and _) into a GLOB pattern (case-sensitive LIKE). */
char *reg_like_to_glob(weir_arena *a, const char *like);

#endif
