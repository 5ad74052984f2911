/* The lineage surface: OpenLineage ingest (single and batch, admins only: metastore admins
 * are the ingest privilege until a dedicated one exists), Marquez's graph and column-lineage
 * reads, Databricks' lineage-tracking reads, Weir's graph, column impact, and manual edges. Reads are scoped to
 * the caller by lineage/lineage_read.c (masked nodes); catalog objects named in a request
 * are resolved with weir_gov_resolve, so what the caller cannot browse is "not found". */
#include "api/http.h"

#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "lineage/lineage_read.h"
#include "lineage/openlineage.h"

static int fail(weir_req *r, weir_error *e) { return weir_reply_error(r, e); }

/* ---------------------------------------------------------------- ingest */

/* request_params of the audit row: the event's scalar fields, objects and arrays summarised. */
static json_t *ingest_params(weir_req *r, json_t *ev)
{
	json_t *o = weir_json_own(r->arena, json_object());
	const char *k;
	json_t *v;
	json_object_foreach (ev, k, v)
		json_object_set_new(o, k, weir_json_summary(v));
	return o;
}

/* One event per request. Validated before the write lock is taken; concurrent events
 * share the fsync through core/db.c's group commit, and the reply waits for it. */
static int ingest(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *ev = weir_req_json(r, false, &e);
	if (ev == NULL)
		return fail(r, &e);
	if (weir_openlineage_validate(ev, "", &e) != 0)
		return fail(r, &e);
	r->audit_params = ingest_params(r, ev);
	int64_t received = weir_now_ms();
	if (weir_req_begin(r, &e) != 0 ||
	    weir_openlineage_ingest(weir_req_db(r), r->arena, ev, "", received, &e) != 0 ||
	    weir_req_commit_status(r, 201, &e) != 0)
		return fail(r, &e);
	return weir_reply_json(r, 201, json_object());
}

/* A JSON array of events; all or nothing: every event is validated before any is written,
 * and all are written in one transaction. */
static int ingest_batch(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	if (r->body_len == 0 || !weir_utf8_valid(r->body ? r->body : "", r->body_len)) {
		weir_error_set(&e, WEIR_E_MALFORMED_REQUEST, "Request body must be a JSON array of OpenLineage events");
		return fail(r, &e);
	}
	json_error_t jerr;
	json_t *arr = weir_json_own(r->arena, json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr));
	if (arr == NULL) {
		weir_error_set(&e, WEIR_E_MALFORMED_REQUEST, "Malformed JSON at line %d column %d: %.200s", jerr.line,
			       jerr.column, jerr.text);
		return fail(r, &e);
	}
	if (!json_is_array(arr)) {
		weir_error_set(&e, WEIR_E_MALFORMED_REQUEST, "Request body must be a JSON array of OpenLineage events");
		return fail(r, &e);
	}
	size_t n = json_array_size(arr);
	if (n > WEIR_OL_MAX_BATCH) {
		weir_error_field(&e, WEIR_E_INVALID_PARAMETER_VALUE, "events",
				 "A batch holds at most %d events (got %zu)", WEIR_OL_MAX_BATCH, n);
		return fail(r, &e);
	}
	size_t i;
	json_t *ev;
	json_array_foreach (arr, i, ev) {
		char prefix[32];
		snprintf(prefix, sizeof(prefix), "[%zu].", i);
		if (weir_openlineage_validate(ev, prefix, &e) != 0)
			return fail(r, &e);
	}
	r->audit_params = weir_json_own(r->arena, json_pack("{s:I}", "events", (json_int_t)n));
	int64_t now = weir_now_ms();
	if (weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	json_array_foreach (arr, i, ev) {
		char prefix[32];
		snprintf(prefix, sizeof(prefix), "[%zu].", i);
		if (weir_openlineage_ingest(weir_req_db(r), r->arena, ev, prefix, now, &e) != 0)
			return fail(r, &e);
	}
	if (weir_req_commit(r, &e) != 0)
		return fail(r, &e);
	return weir_reply_json(r, 200,
			       json_pack("{s:s, s:{s:I, s:I, s:i, s:i, s:i}}", "status", "success", "summary",
					 "received", (json_int_t)n, "successful", (json_int_t)n, "failed", 0,
					 "retriable", 0, "non_retriable", 0));
}

/* ---------------------------------------------------------------- graph reads */

static int query_common(weir_req *r, weir_lineage_query *q, int64_t default_depth, weir_error *e)
{
	memset(q, 0, sizeof(*q));
	q->depth = default_depth;
	const char *dir = weir_req_query(r, "direction");
	if (dir == NULL || strcmp(dir, "both") == 0 || dir[0] == '\0')
		q->dir = WEIR_LIN_BOTH;
	else if (strcmp(dir, "upstream") == 0)
		q->dir = WEIR_LIN_UP;
	else if (strcmp(dir, "downstream") == 0)
		q->dir = WEIR_LIN_DOWN;
	else
		return weir_error_field(e, WEIR_E_INVALID_PARAMETER_VALUE, "direction",
					"Invalid value for 'direction': expected upstream, downstream or both");
	if (weir_req_query_i64(r, "depth", &q->depth, e) != 0 || weir_req_query_i64(r, "as_of", &q->as_of, e) != 0 ||
	    weir_req_query_i64(r, "max_nodes", &q->max_nodes, e) != 0 ||
	    weir_req_query_i64(r, "max_edges", &q->max_edges, e) != 0)
		return -1;
	q->run = weir_req_query(r, "run");
	return weir_lineage_query_check(q, e);
}

typedef json_t *(*graph_read)(weir_db *db, weir_arena *a, const weir_principal *p, const weir_lineage_query *q,
			      weir_error *err);

/* The end of a graph read: its start node (the query's node_key; Marquez's nodeId is
 * required), the read, its answer. */
static int graph_reply(weir_req *r, weir_lineage_query *q, const char *node_key, bool required, graph_read read,
		       weir_error *e)
{
	q->node = weir_req_query(r, node_key);
	if (required && (q->node == NULL || q->node[0] == '\0')) {
		weir_error_field(e, WEIR_E_INVALID_PARAMETER_VALUE, node_key, "Missing required parameter: %s",
				 node_key);
		return fail(r, e);
	}
	json_t *out = read(weir_req_db(r), r->arena, r->principal, q, e);
	return out ? weir_reply_json(r, 200, out) : fail(r, e);
}

/* Weir's graph (node, depth 3 by default) or Marquez's (nodeId, depth 20 by default, as
 * Marquez): the same query. */
static int node_graph(weir_req *r, bool marquez)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_lineage_query q;
	if (query_common(r, &q, marquez ? 20 : 3, &e) != 0)
		return fail(r, &e);
	return graph_reply(r, &q, marquez ? "nodeId" : "node", marquez,
			   marquez ? weir_lineage_marquez : weir_lineage_graph, &e);
}

static int graph(weir_req *r) { return node_graph(r, false); }
static int marquez(weir_req *r) { return node_graph(r, true); }

/* Marquez's column lineage: nodeId (a datasetField: or dataset: id), depth (default 20, as
 * Marquez), withDownstream (default false: upstream only), and Weir's caps max_nodes and
 * max_edges. */
static int marquez_columns(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_lineage_query q;
	memset(&q, 0, sizeof(q));
	q.depth = 20;
	bool down = false;
	if (weir_req_query_i64(r, "depth", &q.depth, &e) != 0 ||
	    weir_req_query_i64(r, "max_nodes", &q.max_nodes, &e) != 0 ||
	    weir_req_query_i64(r, "max_edges", &q.max_edges, &e) != 0 ||
	    weir_req_query_bool(r, "withDownstream", &down, &e) != 0 || weir_lineage_query_check(&q, &e) != 0)
		return fail(r, &e);
	q.dir = down ? WEIR_LIN_BOTH : WEIR_LIN_UP;
	return graph_reply(r, &q, "nodeId", true, weir_lineage_marquez_columns, &e);
}

/* ---------------------------------------------------------------- Databricks */

/* A parameter from the query string, or from a JSON body on the GET (Databricks clients
 * send either). */
static int param(weir_req *r, const char *key, bool required, const char **out, weir_error *e)
{
	const char *v = weir_req_query(r, key);
	if (v && v[0]) {
		*out = v;
		return 0;
	}
	if (r->body_len > 0) {
		json_t *body = weir_req_json(r, true, e);
		if (body == NULL)
			return -1;
		return weir_json_get_str(body, key, required, out, e);
	}
	if (required)
		return weir_error_field(e, WEIR_E_INVALID_PARAMETER_VALUE, key, "Missing required field: %s", key);
	return 0;
}

static int resolve_table(weir_req *r, const char *key, weir_securable *s, weir_error *e)
{
	const char *name = NULL;
	if (param(r, key, true, &name, e) != 0 ||
	    weir_gov_resolve(weir_req_db(r), r->arena, r->principal, WEIR_SEC_TABLE, name, s, e) != 0 ||
	    weir_req_authorize(r, s, e) != 0)
		return -1;
	return 0;
}

static int table_lineage(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	bool ent = false;
	const char *inc = NULL;
	if (resolve_table(r, "table_name", &s, &e) != 0 ||
	    weir_req_query_bool(r, "include_entity_lineage", &ent, &e) != 0)
		return fail(r, &e);
	if (!ent && param(r, "include_entity_lineage", false, &inc, &e) == 0 && inc)
		ent = strcmp(inc, "true") == 0;
	weir_error_clear(&e);
	json_t *out = weir_lineage_table_lineage(weir_req_db(r), r->arena, r->principal, &s, ent, &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

/* The table (resolved, the route's rule checked) and the column that a column read names. */
static int table_column(weir_req *r, const char *table_key, const char *column_key, weir_securable *s, const char **col,
			weir_error *e)
{
	*col = NULL;
	if (resolve_table(r, table_key, s, e) != 0)
		return -1;
	return param(r, column_key, true, col, e);
}

static int column_lineage(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	const char *col;
	if (table_column(r, "table_name", "column_name", &s, &col, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_lineage_column_lineage(weir_req_db(r), r->arena, r->principal, &s, col, &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

static int column_impact(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	const char *col;
	int64_t depth = 3, max_nodes = 0;
	if (table_column(r, "table", "column", &s, &col, &e) != 0 || weir_req_query_i64(r, "depth", &depth, &e) != 0 ||
	    weir_req_query_i64(r, "max_nodes", &max_nodes, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_lineage_column_impact(weir_req_db(r), r->arena, r->principal, &s, col, depth, max_nodes, &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

/* ---------------------------------------------------------------- manual edges */

/* The target table from the body (POST) or the query/body (DELETE), resolved and
 * authorized by the route's rule (MODIFY for adding, ownership or MANAGE for deleting). */
static int edge_target(weir_req *r, json_t *body, const char **source, weir_securable *t, weir_error *e)
{
	const char *target = NULL;
	*source = weir_req_query(r, "source");
	target = weir_req_query(r, "target");
	if (body) {
		if ((*source == NULL && weir_json_get_str(body, "source", true, source, e) != 0) ||
		    (target == NULL && weir_json_get_str(body, "target", true, &target, e) != 0))
			return -1;
	}
	if (*source == NULL || (*source)[0] == '\0')
		return weir_error_field(e, WEIR_E_INVALID_PARAMETER_VALUE, "source", "Missing required field: source");
	if (target == NULL || target[0] == '\0')
		return weir_error_field(e, WEIR_E_INVALID_PARAMETER_VALUE, "target", "Missing required field: target");
	if (strncmp(target, "table:", 6) == 0)
		target += 6;
	if (weir_gov_resolve(weir_req_db(r), r->arena, r->principal, WEIR_SEC_TABLE, target, t, e) != 0)
		return -1;
	return weir_req_authorize(r, t, e);
}

static int edge_add(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	const char *source;
	weir_securable t;
	json_t *cols = NULL;
	if (body == NULL || edge_target(r, body, &source, &t, &e) != 0 ||
	    weir_json_get_arr(body, "columns", false, &cols, &e) != 0)
		return fail(r, &e);
	if (weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_lineage_manual_add(weir_req_db(r), r->arena, r->principal, source, &t, cols, &e);
	if (out == NULL)
		return fail(r, &e);
	weir_json_own(r->arena, out);
	if (weir_req_commit(r, &e) != 0)
		return fail(r, &e);
	return weir_reply_json(r, 201, json_incref(out));
}

static int edge_delete(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = r->body_len ? weir_req_json(r, true, &e) : NULL;
	if (r->body_len && body == NULL)
		return fail(r, &e);
	const char *source;
	weir_securable t;
	if (edge_target(r, body, &source, &t, &e) != 0)
		return fail(r, &e);
	if (weir_req_begin(r, &e) != 0 ||
	    weir_lineage_manual_delete(weir_req_db(r), r->arena, r->principal, source, &t, &e) != 0 ||
	    weir_req_commit(r, &e) != 0)
		return fail(r, &e);
	return weir_reply_ok_empty(r);
}

#define LT "/api/2.0/lineage-tracking"
#define WL "/api/2.0/weir/lineage"

const weir_route weir_routes_lineage[] = {
	{"POST", "/api/v1/lineage", ingest, RULE_ADMIN, WEIR_DIALECT_DATABRICKS, "lineage", "ingestOpenLineageEvent",
	 0},
	{"POST", "/api/v1/lineage/batch", ingest_batch, RULE_ADMIN, WEIR_DIALECT_DATABRICKS, "lineage",
	 "ingestOpenLineageBatch", 0},
	{"GET", "/api/v1/lineage", marquez, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "lineage", "getMarquezLineage",
	 WEIR_ROUTE_NO_AUDIT},
	{"GET", "/api/v1/column-lineage", marquez_columns, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "lineage",
	 "getMarquezColumnLineage", WEIR_ROUTE_NO_AUDIT},
	{"GET", LT "/table-lineage", table_lineage, RULE_ON(WEIR_OP_READ_METADATA), WEIR_DIALECT_DATABRICKS, "lineage",
	 "getTableLineage", WEIR_ROUTE_NO_AUDIT},
	{"GET", LT "/column-lineage", column_lineage, RULE_ON(WEIR_OP_READ_METADATA), WEIR_DIALECT_DATABRICKS,
	 "lineage", "getColumnLineage", WEIR_ROUTE_NO_AUDIT},
	{"GET", WL "/graph", graph, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "lineage", "getLineageGraph",
	 WEIR_ROUTE_NO_AUDIT},
	{"GET", WL "/column-impact", column_impact, RULE_ON(WEIR_OP_READ_METADATA), WEIR_DIALECT_DATABRICKS, "lineage",
	 "getColumnImpact", WEIR_ROUTE_NO_AUDIT},
	{"POST", WL "/edges", edge_add, RULE_ON(WEIR_OP_LINEAGE_WRITE), WEIR_DIALECT_DATABRICKS, "lineage",
	 "createLineageEdge", 0},
	{"DELETE", WL "/edges", edge_delete, RULE_ON(WEIR_OP_UPDATE), WEIR_DIALECT_DATABRICKS, "lineage",
	 "deleteLineageEdge", 0},
	{0},
};
