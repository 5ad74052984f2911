/* Lineage reads: bounded traversals (upstream, downstream, both; as of a time; for one
 * producing run) rendered for a caller. A caller sees a catalog node in full only if
 * weir_gov_resolve_id succeeds for it; every other catalog node on a path is a masked node
 * ({id: "masked:<hmac>", type, masked: true}) with no name. Entity nodes (jobs, runs,
 * queries, notebooks) and producers show names and SQL only when every catalog node they
 * touch is visible to the caller; otherwise they are masked too. Admins see everything,
 * including dropped tables (which other callers see masked: their grants are gone). */
#ifndef WEIR_LINEAGE_READ_H
#define WEIR_LINEAGE_READ_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "governance/governance.h"

#define WEIR_LIN_MAX_DEPTH 100 /* larger depths are refused (400) */
#define WEIR_LIN_DEFAULT_MAX_NODES 1000
#define WEIR_LIN_LIMIT_MAX_NODES 10000
#define WEIR_LIN_DEFAULT_MAX_EDGES 5000
#define WEIR_LIN_LIMIT_MAX_EDGES 50000

typedef enum { WEIR_LIN_UP = 1, WEIR_LIN_DOWN = 2, WEIR_LIN_BOTH = 3 } weir_lineage_dir;

/* A node reference, resolved for the caller into a node (lineage_read.c resolve_ref):
 *   "table:<catalog.schema.table>" or a bare "catalog.schema.table"; "volume:", "model:" alike
 *   "table:<securable id>" (also for a dropped table: admins only)
 *   "dataset:<namespace>:<name>" (Marquez; a Weir namespace maps onto the catalog table)
 *   "job:<namespace>:<name>", "run:<runId>", "<kind>:<key>" for other kinds
 * Unknown or not visible: 404 (the table's not-found error for catalog names). */
typedef struct weir_lineage_query {
	const char *node; /* a node reference (above) */
	weir_lineage_dir dir;
	int64_t depth; /* 0: the node alone; 1..WEIR_LIN_MAX_DEPTH */
	int64_t as_of; /* epoch ms, 0: now */
	const char *run; /* only edges observed by this producer: an OpenLineage runId, or
			       * "<entity_type>:<entity_id>" (job_run:42, statement:abc) */
	int64_t max_nodes; /* 0: default */
	int64_t max_edges; /* 0: default */
} weir_lineage_query;

/* system.access.table_lineage (column: false) and system.access.column_lineage (true):
 * Databricks' column names (*names, *n), and the newest `limit` rows as arrays of text or
 * null (migration 0006's views). Who may read them, and which rows, is the caller's business
 * (the warehouse's system tables). */
const char *const *weir_lineage_system_columns(bool column, int *n);
json_t *weir_lineage_system_rows(weir_db *db, bool column, int64_t limit, weir_error *err);

/* Checks depth/max_nodes/max_edges: 400 naming the field when out of range; applies defaults. */
int weir_lineage_query_check(weir_lineage_query *q, weir_error *err);

/* The UI graph: {nodes:[...], edges:[...], truncated, masked_nodes}. */
json_t *weir_lineage_graph(weir_db *db, weir_arena *a, const weir_principal *p, const weir_lineage_query *q,
			   weir_error *err);
/* Marquez's LineageGraph: {graph:[{id, type: DATASET|JOB, data, inEdges, outEdges}]}. */
json_t *weir_lineage_marquez(weir_db *db, weir_arena *a, const weir_principal *p, const weir_lineage_query *q,
			     weir_error *err);
/* Marquez's column lineage: {graph:[{id, type: DATASET_FIELD, data, inEdges, outEdges}],
 * truncated}. q->node is "datasetField:<ns>:<name>:<field>" or "dataset:<ns>:<name>" (every
 * field of the dataset); q->dir WEIR_LIN_UP, or WEIR_LIN_BOTH for withDownstream. Masked
 * fields get an opaque id and no names; a root the caller cannot see is 404 as missing. */
json_t *weir_lineage_marquez_columns(weir_db *db, weir_arena *a, const weir_principal *p, const weir_lineage_query *q,
				     weir_error *err);
/* Databricks lineage-tracking: immediate upstreams/downstreams of a resolved table. */
json_t *weir_lineage_table_lineage(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *t,
				   bool include_entities, weir_error *err);
json_t *weir_lineage_column_lineage(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *t,
				    const char *column, weir_error *err);
/* Every column that reads table.column, transitively to depth (downstream). */
json_t *weir_lineage_column_impact(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *t,
				   const char *column, int64_t depth, int64_t max_nodes, weir_error *err);

/* Manual edges (origin MANUAL, producer ("user", caller name)). `source` is a node
 * reference the caller can see; target a resolved table. columns: optional array of
 * {source, target, transformation?, subtype?}. */
json_t *weir_lineage_manual_add(weir_db *db, weir_arena *a, const weir_principal *p, const char *source,
				const weir_securable *target, json_t *columns, weir_error *err);
int weir_lineage_manual_delete(weir_db *db, weir_arena *a, const weir_principal *p, const char *source,
			       const weir_securable *target, weir_error *err);

#endif
