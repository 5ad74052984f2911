/* The SQL warehouse's surface: the Statement Execution API (/api/2.0/sql/statements) and
 * the warehouses list (/api/2.0/sql/warehouses). Every route is RULE_AUTHENTICATED: a
 * statement runs as its caller and the engine enforces the caller's grants on each table
 * it names (warehouse/wh_engine.c); a statement is visible to its submitter and admins. */
#include "api/http.h"

#include "warehouse/warehouse.h"

static int execute(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	if (body == NULL)
		return weir_reply_error(r, &e);
	weir_req_mark_authorized(r);
	json_t *resp = weir_wh_statement_execute(r->principal, body, &e);
	return resp ? weir_reply_json(r, 200, resp) : weir_reply_error(r, &e);
}

static int get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_req_mark_authorized(r);
	json_t *resp = weir_wh_statement_get(r->principal, weir_req_param(r, "statement_id"), &e);
	return resp ? weir_reply_json(r, 200, resp) : weir_reply_error(r, &e);
}

static int chunk(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_req_mark_authorized(r);
	json_t *resp = weir_wh_statement_chunk(r->principal, weir_req_param(r, "statement_id"),
					       weir_req_param(r, "chunk_index"), &e);
	return resp ? weir_reply_json(r, 200, resp) : weir_reply_error(r, &e);
}

static int cancel(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_req_mark_authorized(r);
	if (weir_wh_statement_cancel(r->principal, weir_req_param(r, "statement_id"), &e) != 0)
		return weir_reply_error(r, &e);
	return weir_reply_ok_empty(r);
}

static int warehouses_list(weir_req *r)
{
	weir_req_mark_authorized(r);
	return weir_reply_json(r, 200, weir_wh_warehouses_list());
}

static int warehouses_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_req_mark_authorized(r);
	json_t *resp = weir_wh_warehouse_get(weir_req_param(r, "id"), &e);
	return resp ? weir_reply_json(r, 200, resp) : weir_reply_error(r, &e);
}

#define ST "/api/2.0/sql/statements"
const weir_route weir_routes_warehouse[] = {
	{"POST", ST, execute, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "databrickssql", "executeStatement", 0},
	{"GET", ST "/{statement_id}", get, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "databrickssql", "getStatement",
	 WEIR_ROUTE_NO_AUDIT},
	{"GET", ST "/{statement_id}/result/chunks/{chunk_index}", chunk, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS,
	 "databrickssql", "getStatementResultChunkN", WEIR_ROUTE_NO_AUDIT},
	{"POST", ST "/{statement_id}/cancel", cancel, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "databrickssql",
	 "cancelStatement", 0},
	{"GET", "/api/2.0/sql/warehouses", warehouses_list, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS,
	 "databrickssql", "listWarehouses", WEIR_ROUTE_NO_AUDIT},
	{"GET", "/api/2.0/sql/warehouses/{id}", warehouses_get, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS,
	 "databrickssql", "getWarehouse", WEIR_ROUTE_NO_AUDIT},
	{0},
};
