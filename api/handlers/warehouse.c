/* The SQL warehouse's surface: the Statement Execution API (/api/2.0/sql/statements) and
 * the warehouses list (/api/2.0/sql/warehouses). Every route is RULE_AUTHENTICATED: a
 * statement runs as its caller and the engine enforces the caller's grants on each table
 * it names (warehouse/wh_engine.c); a statement is visible to its submitter and admins. */
#include "api/http.h"

#include "core/json.h"
#include "warehouse/warehouse.h"
#include "workflows/workflows.h"

static int execute(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	if (body == NULL)
		return weir_reply_error(r, &e);
	weir_req_mark_authorized(r);
	/* a command task calling with its run_as token: the edges it writes carry its job run */
	int64_t run_id = 0;
	const char *job_run = r->principal->token_id && weir_engine_job_run_of_token(r->principal->token_id, &run_id)
				      ? weir_arena_printf(r->arena, "%lld", (long long)run_id)
				      : NULL;
	json_t *resp = weir_wh_statement_execute(r->principal, body, job_run, &e);
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

/* Saved queries: the owner's and the admins' (the domain answers not-found to others). */
static int q_create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	if (body == NULL || weir_req_begin(r, &e) != 0)
		return weir_reply_error(r, &e);
	weir_req_mark_authorized(r);
	json_t *out = weir_wh_query_create(weir_req_db(r), r->arena, r->principal, body, &e);
	if (out == NULL)
		return weir_reply_error(r, &e);
	weir_req_audit_securable(r, json_string_value(json_object_get(out, "id")));
	if (weir_req_commit(r, &e) != 0) {
		json_decref(out);
		return weir_reply_error(r, &e);
	}
	return weir_reply_json(r, 200, out);
}

static int q_list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	int64_t size = 0;
	weir_req_mark_authorized(r);
	if (weir_req_query_i64(r, "page_size", &size, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *out = weir_wh_query_list(weir_req_db(r), r->arena, r->principal, size, weir_req_query(r, "page_token"),
					 &e);
	return out ? weir_reply_json(r, 200, out) : weir_reply_error(r, &e);
}

static int q_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_req_mark_authorized(r);
	json_t *out = weir_wh_query_get(weir_req_db(r), r->arena, r->principal, weir_req_param(r, "id"), &e);
	return out ? weir_reply_json(r, 200, out) : weir_reply_error(r, &e);
}

static int q_update(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	if (body == NULL || weir_req_begin(r, &e) != 0)
		return weir_reply_error(r, &e);
	weir_req_mark_authorized(r);
	weir_req_audit_securable(r, weir_req_param(r, "id"));
	json_t *out = weir_wh_query_update(weir_req_db(r), r->arena, r->principal, weir_req_param(r, "id"), body, &e);
	if (out == NULL)
		return weir_reply_error(r, &e);
	if (weir_req_commit(r, &e) != 0) {
		json_decref(out);
		return weir_reply_error(r, &e);
	}
	return weir_reply_json(r, 200, out);
}

static int q_delete(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_req_mark_authorized(r);
	weir_req_audit_securable(r, weir_req_param(r, "id"));
	if (weir_req_begin(r, &e) != 0 ||
	    weir_wh_query_delete(weir_req_db(r), r->arena, r->principal, weir_req_param(r, "id"), &e) != 0 ||
	    weir_req_commit(r, &e) != 0)
		return weir_reply_error(r, &e);
	return weir_reply_ok_empty(r);
}

#define ST "/api/2.0/sql/statements"
#define QS "/api/2.0/sql/queries"
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
	{"POST", QS, q_create, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "databrickssql", "createQuery", 0},
	{"GET", QS, q_list, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "databrickssql", "listQueries",
	 WEIR_ROUTE_NO_AUDIT},
	{"GET", QS "/{id}", q_get, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "databrickssql", "getQuery",
	 WEIR_ROUTE_NO_AUDIT},
	{"PATCH", QS "/{id}", q_update, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "databrickssql", "updateQuery", 0},
	{"DELETE", QS "/{id}", q_delete, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "databrickssql", "trashQuery", 0},
	{"GET", "/api/2.0/sql/warehouses/{id}", warehouses_get, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS,
	 "databrickssql", "getWarehouse", WEIR_ROUTE_NO_AUDIT},
	{0},
};
