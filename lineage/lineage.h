/* Lineage: the graph of tables, columns, runs and models. This header is the producer
 * interface every module inside Weir uses to record edges (registry: dataset -> run ->
 * model version; warehouse: statement edges; workflows: job runs), inside the caller's
 * write transaction. Reads and OpenLineage ingest are in lineage/ too (lineage_read.h).
 *
 * Node keys are stable strings per kind:
 *   TABLE, VOLUME, MODEL     securable id (survives renames)
 *   MODEL_VERSION            "<model securable id>/<version>"
 *   DATASET                  "<namespace>\n<name>" of an external dataset
 *   MLFLOW_RUN               MLflow run id
 *   JOB, JOB_RUN, QUERY, NOTEBOOK, OL_JOB, OL_RUN   their ids
 */
#ifndef WEIR_LINEAGE_H
#define WEIR_LINEAGE_H

#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"

typedef enum {
	WEIR_LIN_TABLE = 0,
	WEIR_LIN_VOLUME,
	WEIR_LIN_MODEL,
	WEIR_LIN_MODEL_VERSION,
	WEIR_LIN_DATASET,
	WEIR_LIN_MLFLOW_RUN,
	WEIR_LIN_JOB,
	WEIR_LIN_JOB_RUN,
	WEIR_LIN_QUERY,
	WEIR_LIN_NOTEBOOK,
	WEIR_LIN_OL_JOB,
	WEIR_LIN_OL_RUN,
	WEIR_LIN__COUNT
} weir_lineage_kind;

typedef enum {
	WEIR_LIN_CAPTURED = 0, /* observed by Weir itself (warehouse, registry, workflows) */
	WEIR_LIN_OPENLINEAGE, /* ingested from an OpenLineage event */
	WEIR_LIN_MANUAL, /* declared by hand through the API */
} weir_lineage_origin;

typedef struct weir_lineage_node {
	weir_lineage_kind kind;
	const char *key; /* see the file comment */
	const char *name; /* display name at the time (full name, run name), may be NULL */
} weir_lineage_node;

typedef struct weir_lineage_producer {
	weir_lineage_origin origin;
	const char *entity_type; /* "mlflow_run", "job_run", "statement", "openlineage_run", "user" */
	const char *entity_id;
} weir_lineage_producer;

/* Records (or refreshes last_seen of) a table-level edge src -> dst produced by `by` at
 * `at_ms`. Must be called inside the caller's write transaction. */
int weir_lineage_record_edge(weir_db *db, const weir_lineage_node *src, const weir_lineage_node *dst,
			     const weir_lineage_producer *by, int64_t at_ms, weir_error *err);

/* Records a column-level edge src.src_col -> dst.dst_col; transformation is "DIRECT" or
 * "INDIRECT" (OpenLineage), subtype e.g. "IDENTITY", "TRANSFORMATION", "FILTER", may be NULL. */
int weir_lineage_record_column_edge(weir_db *db, const weir_lineage_node *src, const char *src_col,
				    const weir_lineage_node *dst, const char *dst_col, const char *transformation,
				    const char *subtype, const weir_lineage_producer *by, int64_t at_ms,
				    weir_error *err);

/* Registers the catalog hook that marks nodes of dropped securables deleted and records
 * renames (called once from weir_modules_start). */
void weir_lineage_start(void);

/* Maps an external dataset (namespace, name) onto the node it stands for: a catalog table
 * when namespace is "weir", "unity-catalog" or "unitycatalog[://...]" and name is
 * "catalog.schema.table" of an existing table, or when namespace + name (or name alone) is
 * the storage location of a table or volume; otherwise a DATASET node keyed
 * "<namespace>\n<name>". key and name are arena strings. */
int weir_lineage_dataset_node(weir_db *db, weir_arena *a, const char *ns, const char *name, weir_lineage_node *out,
			      weir_error *err);

#endif
