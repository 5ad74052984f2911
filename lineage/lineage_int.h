/* Private to lineage/: the store (lineage_store.c, all SQL) and the helpers shared by the
 * producer interface, OpenLineage ingest and the reads. */
#ifndef WEIR_LINEAGE_INT_H
#define WEIR_LINEAGE_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "lineage/lineage.h"

const char *weir_lin__kind_name(weir_lineage_kind k);
int weir_lin__kind_parse(const char *s, weir_lineage_kind *out);
const char *weir_lin__origin_name(weir_lineage_origin o);
bool weir_lin__kind_is_catalog(weir_lineage_kind k);
/* An arena array of n elements of `size` bytes with room for one more: v itself while
 * n < *cap, else a copy into twice the room (`first` elements the first time). */
void *weir_lin__grow(weir_arena *a, void *v, size_t n, size_t *cap, size_t size, size_t first);

/* The producer interface's steps, for callers that cache ids (OpenLineage ingest). */
int weir_lin__node_id(weir_db *db, const weir_lineage_node *n, int64_t at_ms, int64_t *id, weir_error *err);
int weir_lin__producer_id(weir_db *db, const weir_lineage_producer *by, int64_t *pid, weir_error *err);

/* ---- store: nodes */
typedef struct lin_node_row {
	int64_t id;
	weir_lineage_kind kind;
	const char *key;
	const char *name;
	const char *namespace_;
	const char *securable_id;
	const char *facets;
	int64_t deleted_at; /* 0: live */
	const char *renamed_from;
	int64_t renamed_at;
	int64_t first_seen, last_seen;
} lin_node_row;

/* Inserts or refreshes (last_seen, name when given) a node; *id receives its row id. */
int weir_lin_store_node_upsert(weir_db *db, weir_lineage_kind kind, const char *key, const char *name, const char *ns,
			       const char *securable_id, int64_t at_ms, int64_t *id, weir_error *err);
/* 0 found, 1 absent, -1 error. Strings in the arena. */
int weir_lin_store_node_get(weir_db *db, weir_arena *a, int64_t id, lin_node_row *out, weir_error *err);
int weir_lin_store_node_find(weir_db *db, weir_arena *a, weir_lineage_kind kind, const char *key, lin_node_row *out,
			     weir_error *err);
int weir_lin_store_node_set_facets(weir_db *db, int64_t id, const char *facets, weir_error *err);
/* Full name of a securable derived from its parent chain (arena), or NULL. */
const char *weir_lin_store_securable_full_name(weir_db *db, weir_arena *a, const char *securable_id);
/* The table, volume or registered model catalog.schema.name: its id (and *type), or NULL. */
const char *weir_lin_store_leaf_by_name(weir_db *db, weir_arena *a, const char *catalog, const char *schema,
					const char *name, const char **type);
/* What decides whether a leaf's visibility can be shared with its siblings: its parent, its
 * type, and whether the caller (closure_json: "[ids]") owns it or holds a direct grant on it.
 * 0 found, 1 absent, -1 error. */
int weir_lin_store_leaf_facts(weir_db *db, weir_arena *a, const char *securable_id, const char *closure_json,
			      const char **parent_id, const char **type, bool *personal, weir_error *err);
/* Batch forms for a whole answer: the nodes of ids (a JSON array text), and the leaf facts
 * of securable ids (same). Rows in no particular order. */
int weir_lin_store_nodes_many(weir_db *db, weir_arena *a, const char *ids_json, lin_node_row **rows, size_t *n,
			      weir_error *err);
typedef struct lin_leaf_facts {
	const char *securable_id, *parent_id, *type;
	bool personal;
} lin_leaf_facts;
int weir_lin_store_leaf_facts_many(weir_db *db, weir_arena *a, const char *sids_json, const char *closure_json,
				   lin_leaf_facts **rows, size_t *n, weir_error *err);
/* A securable's type ("table", "volume", ...) or NULL. */
const char *weir_lin_store_sec_type(weir_db *db, weir_arena *a, const char *securable_id);
/* Table whose storage_location equals url, or NULL (arena id). */
const char *weir_lin_store_table_by_location(weir_db *db, weir_arena *a, const char *url);
/* Hook support: nodes of securable id and all its descendants. */
int weir_lin_store_mark_deleted(weir_db *db, const char *securable_id, int64_t at_ms, weir_error *err);
int weir_lin_store_mark_renamed(weir_db *db, const char *securable_id, int64_t at_ms, weir_error *err);

/* ---- store: producers and edges */
int weir_lin_store_producer(weir_db *db, const char *type, const char *id, int64_t *pid, weir_error *err);
int weir_lin_store_producer_find(weir_db *db, const char *type, const char *id, int64_t *pid, weir_error *err);
int weir_lin_store_edge(weir_db *db, int64_t src, int64_t dst, int64_t pid, const char *origin, const char *created_by,
			int64_t at_ms, weir_error *err);
int weir_lin_store_column(weir_db *db, int64_t node, const char *name, int64_t *cid, weir_error *err);
int weir_lin_store_column_find(weir_db *db, int64_t node, const char *name, int64_t *cid, weir_error *err);
int weir_lin_store_column_edge(weir_db *db, int64_t src_col, int64_t dst_col, const char *transformation,
			       const char *subtype, int64_t pid, const char *origin, const char *created_by,
			       int64_t at_ms, weir_error *err);
/* Soft-deletes the MANUAL observations of src -> dst (and of their columns); the aggregate
 * edge is marked deleted when no live observation remains. 0 done, 1 nothing to delete. */
int weir_lin_store_manual_delete(weir_db *db, int64_t src, int64_t dst, int64_t at_ms, weir_error *err);

/* Savepoints inside the caller's write transaction: op "SAVEPOINT", "RELEASE" or
 * "ROLLBACK TO" (savepoint name fixed: one level). */
int weir_lin_store_savepoint(weir_db *db, const char *op, weir_error *err);

/* ---- store: OpenLineage */
int weir_lin_store_ol_event(weir_db *db, int64_t received, int64_t event_time, const char *kind, const char *type,
			    const char *run_id, const char *job_ns, const char *job_name, const char *producer,
			    const char *schema_url, const char *body, weir_error *err);
int weir_lin_store_ol_job(weir_db *db, int64_t node_id, const char *ns, const char *name, const char *facets,
			  int64_t at_ms, weir_error *err);
const char *weir_lin_store_ol_job_facets(weir_db *db, weir_arena *a, int64_t node_id);
typedef struct lin_run_row {
	const char *run_id;
	int64_t node_id, job_node_id;
	const char *state;
	int64_t start_time, end_time;
	const char *parent_run_id, *parent_job_namespace, *parent_job_name;
	const char *facets;
	const char *inputs, *outputs; /* JSON arrays of {namespace, name} */
} lin_run_row;
int weir_lin_store_ol_run_get(weir_db *db, weir_arena *a, const char *run_id, lin_run_row *out, weir_error *err);
int weir_lin_store_ol_run_put(weir_db *db, const lin_run_row *r, int64_t at_ms, weir_error *err);

/* ---- masking */
/* Opaque stable id of a node ("masked:" + 24 hex of an HMAC of kind and key under a
 * per-process secret). Arena string. */
const char *weir_lin__masked_id(weir_arena *a, weir_lineage_kind kind, const char *key);

/* Catalog hook registered by weir_lineage_start(). */
void weir_lin__catalog_hook(weir_db *db, const char *securable_id, const char *old_full_name,
			    const char *new_full_name);

#endif

/* ---- store: reads (traversals are bounded by depth and by a row limit) */
typedef struct lin_vec {
	int64_t *v;
	size_t n, cap;
} lin_vec;
void weir_lin_vec_push(weir_arena *a, lin_vec *x, int64_t v);

typedef struct lin_edge {
	int64_t src, dst, first_seen, last_seen;
	int origins; /* LIN_ORIGIN_* bits */
	const char *transformation, *subtype; /* column edges */
} lin_edge;
#define LIN_ORIGIN_CAPTURED 1
#define LIN_ORIGIN_OPENLINEAGE 2
#define LIN_ORIGIN_MANUAL 4
typedef struct lin_edges {
	lin_edge *e;
	size_t n, cap;
} lin_edges;

/* Breadth-first walk from start (up: towards sources) to `depth` hops, in C over one cached
 * index lookup per expanded node (a recursive CTE keeps (node, depth) pairs apart and costs
 * 5-10x more on wide graphs). Each node is visited once, at its smallest depth, so cycles
 * end; deleted nodes (as of as_of, 0: now) are reported but not expanded; only edges alive
 * as of as_of count, and only those observed by producer pid when pid != 0. Appends nodes
 * (start first) with their depths, and the edges walked, to the outputs; stops with
 * *truncated once more than max_nodes nodes or max_edges edges were found. */
int weir_lin_store_bfs(weir_db *db, weir_arena *a, int64_t start, bool up, int64_t depth, int64_t as_of, int64_t pid,
		       int64_t max_nodes, int64_t max_edges, lin_vec *nodes, lin_vec *depths, lin_edges *edges,
		       bool *truncated, weir_error *err);
/* Immediate neighbours: up = sources of edges into node, else targets. */
int weir_lin_store_neighbours(weir_db *db, weir_arena *a, int64_t node, bool up, int64_t limit, lin_edges *out,
			      weir_error *err);
/* Catalog-relevant endpoints (src and dst of observations) of a producer / of an OL job. */
int weir_lin_store_producer_endpoints(weir_db *db, weir_arena *a, int64_t pid, int64_t limit, lin_vec *out,
				      weir_error *err);
int weir_lin_store_job_endpoints(weir_db *db, weir_arena *a, int64_t job_node, const char *job_key, int64_t limit,
				 lin_vec *out, weir_error *err);
/* Producers that observed src -> dst (live observations). */
typedef struct lin_prod {
	int64_t id;
	const char *entity_type, *entity_id, *origin;
	int64_t first_seen, last_seen;
	int64_t job_node; /* OpenLineage run: its job node, else 0 */
} lin_prod;
int weir_lin_store_edge_producers(weir_db *db, weir_arena *a, int64_t src, int64_t dst, lin_prod **out, size_t *n,
				  weir_error *err);
/* The same walk over column edges (edges src/dst are column ids), up or down from every
 * column of starts at once (depth 0 each): one column, or all of a dataset's. */
int weir_lin_store_col_bfs(weir_db *db, weir_arena *a, const int64_t *starts, size_t nstarts, bool up, int64_t depth,
			   int64_t max_nodes, int64_t max_edges, lin_vec *cols, lin_vec *depths, lin_edges *edges,
			   bool *truncated, weir_error *err);
/* The named columns of a node (the whole-dataset column '' left out), by name, at most limit. */
int weir_lin_store_node_columns(weir_db *db, weir_arena *a, int64_t node, int64_t limit, lin_vec *out, weir_error *err);
/* A catalog table column's type name (type_text when it has none), or NULL. */
const char *weir_lin_store_table_col_type(weir_db *db, weir_arena *a, const char *securable_id, const char *column);
/* Node and name of every column of ids (JSON array text), in no particular order. */
int weir_lin_store_cols_many(weir_db *db, weir_arena *a, const char *ids_json, int64_t **cols, int64_t **nodes,
			     const char ***names, size_t *n, weir_error *err);
int weir_lin_store_col_info(weir_db *db, weir_arena *a, int64_t col, int64_t *node, const char **name, weir_error *err);
/* Column neighbours of node.col: up = sources. Edge src/dst are column ids. */
int weir_lin_store_col_neighbours(weir_db *db, weir_arena *a, int64_t col, bool up, int64_t limit, lin_edges *out,
				  weir_error *err);
const char *weir_lin_store_sec_subtype(weir_db *db, weir_arena *a, const char *securable_id);
