/* The SQL warehouse's surface: the Statement Execution API (/api/2.0/sql/statements), the
 * warehouses (/api/2.0/sql/warehouses) and their permissions, saved queries. A statement
 * runs as its caller and the engine enforces the caller's grants on each table it names
 * (warehouse/wh_engine.c); a statement is visible to its submitter only. Warehouse routes
 * check CAN_USE / CAN_MANAGE in the domain (warehouse/warehouses.c); creating one is for
 * admins. A statement's wait_timeout holds no server thread: the reply is deferred
 * (weir_req_defer) until the statement ends or the wait passes. */
#include <stdlib.h>
#include <string.h>

#include "api/http.h"

#include "core/json.h"
#include "warehouse/history.h"
#include "warehouse/warehouse.h"
#include "workflows/workflows.h"

/* "http://host" of the request, for EXTERNAL_LINKS' URLs (served by Weir itself). */
static const char *link_base(weir_req *r)
{
	const char *host = weir_req_header(r, "Host");
	return weir_arena_printf(r->arena, "http://%s", host && *host && !strpbrk(host, "/\\ \"") ? host : "localhost");
}

typedef struct exec_wait {
	weir_wh_submitted sub;
	const char *link_base;
	json_t *submitted; /* the answer at submission (the arena's): the reply if the statement is gone */
} exec_wait;

static void wake(void *arg) { weir_req_resume(arg); }

static void arm(weir_req *r, void *arg)
{
	exec_wait *w = arg;
	if (weir_wh_statement_wait(&w->sub, wake, r) != 0)
		weir_req_resume(r); /* ended meanwhile */
}

/* The statement's state once it ended or the wait passed (the answer made at submission if
 * the statement is gone). */
static void finish(weir_req *r, void *arg)
{
	exec_wait *w = arg;
	weir_error e = WEIR_ERROR_INIT;
	json_t *resp = weir_wh_statement_get(r->principal, w->sub.id, w->link_base, &e);
	weir_reply_json(r, 200, resp ? resp : json_incref(w->submitted));
}

/* The answer of a call that the domain scopes to the caller itself (a statement's submitter,
 * a warehouse's CAN_USE or CAN_MANAGE, a query's owner): 200 with out, or the error. */
static int scoped_reply(weir_req *r, json_t *out, const weir_error *e)
{
	weir_req_mark_authorized(r);
	return out ? weir_reply_json(r, 200, out) : weir_reply_error(r, e);
}

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
	exec_wait *w = weir_arena_calloc(r->arena, sizeof(*w));
	w->link_base = link_base(r);
	json_t *resp = weir_wh_statement_execute(weir_req_db(r), r->arena, r->principal, body, job_run, w->link_base,
						 &w->sub, &e);
	if (resp == NULL)
		return weir_reply_error(r, &e);
	if (w->sub.wait_ms == 0)
		return weir_reply_json(r, 200, resp);
	/* a waiting call is always answered by finish (on resume): the submission's answer is
	 * written out only if the statement is gone by then */
	w->submitted = weir_json_own(r->arena, resp);
	weir_reply_json_text(r, 200, strdup("{}"), 2);
	weir_req_defer(r, arm, finish, w);
	return 0;
}

static int list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	return scoped_reply(r, weir_wh_statement_list(r->principal, &e), &e);
}

/* repeated query parameters (filter_by.statuses=A&filter_by.statuses=B, or one A,B) as a
 * JSON array of strings, NULL when absent. */
static const char *query_array(weir_req *r, const char *key)
{
	const char *vals[64];
	int n = weir_req_query_all(r, key, vals, 64);
	if (n <= 0)
		return NULL;
	json_t *a = json_array();
	for (int i = 0; i < n; i++) {
		const char *p = vals[i];
		while (p && *p) {
			size_t len = strcspn(p, ",");
			if (len > 0)
				json_array_append_new(a, json_stringn(p, len));
			p += len;
			if (*p == ',')
				p++;
		}
	}
	char *text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	const char *out = weir_arena_strdup(r->arena, text ? text : "[]");
	free(text);
	return out;
}

/* Databricks' Query History API: the caller's statements (an admin: everyone's). */
static int history(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_req_mark_authorized(r);
	weir_wh_history_filter f = {0};
	const char *from = weir_req_query(r, "filter_by.query_start_time_range.start_time_ms");
	const char *to = weir_req_query(r, "filter_by.query_start_time_range.end_time_ms");
	if (weir_req_query_i64(r, "max_results", &f.max_results, &e) != 0 ||
	    weir_req_query_i64(r, "filter_by.query_start_time_range.start_time_ms", &f.start_from_ms, &e) != 0 ||
	    weir_req_query_i64(r, "filter_by.query_start_time_range.end_time_ms", &f.start_to_ms, &e) != 0)
		return weir_reply_error(r, &e);
	if (weir_req_query(r, "max_results") && f.max_results == 0)
		f.max_results = -1; /* 0 asked is not "the default": refused */
	f.has_start_from = from != NULL;
	f.has_start_to = to != NULL;
	f.statuses_json = query_array(r, "filter_by.statuses");
	f.user_ids_json = query_array(r, "filter_by.user_ids");
	f.warehouse_ids_json = query_array(r, "filter_by.warehouse_ids");
	f.page_token = weir_req_query(r, "page_token");
	if (weir_wh_refused(&e) != 0)
		return weir_reply_error(r, &e);
	json_t *out = weir_wh_history_list(weir_req_db(r), r->arena, r->principal, &f, &e);
	return out ? weir_reply_json(r, 200, out) : weir_reply_error(r, &e);
}

static int get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *id = weir_req_param(r, "statement_id");
	json_t *out = weir_wh_statement_get(r->principal, id, link_base(r), &e);
	/* no longer in memory (a restart, or its result's hours have passed): its final state
	 * from the query history; not there either, the 404 stands */
	if (out == NULL && e.status == 404)
		out = weir_wh_history_statement(weir_req_db(r), r->arena, r->principal, id);
	if (out)
		weir_error_clear(&e);
	return scoped_reply(r, out, &e);
}

static int chunk(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	return scoped_reply(r,
			    weir_wh_statement_chunk(r->principal, weir_req_param(r, "statement_id"),
						    weir_req_param(r, "chunk_index"), link_base(r), &e),
			    &e);
}

/* An EXTERNAL_LINKS URL: no Authorization, the token in the query signs it. */
static int download(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	char *body = NULL;
	size_t len = 0;
	const char *ctype = NULL;
	if (weir_wh_statement_link(weir_req_param(r, "statement_id"), weir_req_param(r, "chunk_index"),
				   weir_req_query(r, "token"), &body, &len, &ctype, &e) != 0)
		return weir_reply_error(r, &e);
	if (strcmp(ctype, "application/json") == 0)
		return weir_reply_json_text(r, 200, body, len);
	int rc = weir_reply_text(r, 200, ctype, body);
	free(body);
	return rc;
}

static int cancel(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_req_mark_authorized(r);
	if (weir_wh_statement_cancel(r->principal, weir_req_param(r, "statement_id"), &e) != 0)
		return weir_reply_error(r, &e);
	return weir_reply_ok_empty(r);
}

/* ---------------------------------------------------------------- warehouses */

static int wh_create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	if (body == NULL || weir_req_begin(r, &e) != 0)
		return weir_reply_error(r, &e);
	weir_wh_pool_cmd cmd = {0};
	json_t *out = weir_wh_warehouse_create(weir_req_db(r), r->arena, r->principal, body, &cmd, &e);
	if (out == NULL)
		return weir_reply_error(r, &e);
	weir_req_audit_securable(r, json_string_value(json_object_get(out, "id")));
	if (weir_req_commit(r, &e) != 0) {
		json_decref(out);
		return weir_reply_error(r, &e);
	}
	weir_wh_pool_apply(&cmd);
	return weir_reply_json(r, 200, out);
}

static int wh_list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	return scoped_reply(
		r, weir_wh_warehouses_list(weir_req_db(r), r->arena, r->principal, weir_req_header(r, "Host"), &e), &e);
}

static int wh_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	return scoped_reply(r,
			    weir_wh_warehouse_get(weir_req_db(r), r->arena, r->principal, weir_req_param(r, "id"),
						  weir_req_header(r, "Host"), &e),
			    &e);
}

/* The start of a write that the domain authorizes itself (CAN_MANAGE, a query's owner): the
 * body when the route takes one (body not NULL; an empty one as {} when empty_ok), the audit
 * row naming the object of the path ({id}, none for a create), the write transaction. -1
 * after answering the error. */
static int write_begin_or_reply(weir_req *r, json_t **body, bool empty_ok)
{
	weir_error e = WEIR_ERROR_INIT;
	if (body && (*body = weir_req_json(r, empty_ok, &e)) == NULL)
		goto out_reply;
	weir_req_mark_authorized(r);
	if (weir_req_param(r, "id"))
		weir_req_audit_securable(r, weir_req_param(r, "id"));
	if (weir_req_begin(r, &e) != 0)
		goto out_reply;
	return 0;
out_reply:
	weir_reply_error(r, &e);
	return -1;
}

/* edit, delete, start, stop: a write with the pool's change applied after the commit. */
static int wh_change(weir_req *r, int what)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = NULL;
	if (write_begin_or_reply(r, what == 0 ? &body : NULL, true) != 0)
		return 0;
	const char *id = weir_req_param(r, "id");
	weir_wh_pool_cmd cmd = {0};
	weir_db *db = weir_req_db(r);
	int rc = what == 0   ? weir_wh_warehouse_edit(db, r->arena, r->principal, id, body, &cmd, &e)
		 : what == 1 ? weir_wh_warehouse_delete(db, r->arena, r->principal, id, &cmd, &e)
			     : weir_wh_warehouse_start_stop(db, r->arena, r->principal, id, what == 2, &cmd, &e);
	if (rc != 0 || weir_req_commit(r, &e) != 0)
		return weir_reply_error(r, &e);
	weir_wh_pool_apply(&cmd);
	return weir_reply_ok_empty(r);
}

static int wh_edit(weir_req *r) { return wh_change(r, 0); }
static int wh_delete(weir_req *r) { return wh_change(r, 1); }
static int wh_start(weir_req *r) { return wh_change(r, 2); }
static int wh_stop(weir_req *r) { return wh_change(r, 3); }

static int perms_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	return scoped_reply(r, weir_wh_perms_get(weir_req_db(r), r->arena, r->principal, weir_req_param(r, "id"), &e),
			    &e);
}

static int perms_set(weir_req *r, bool replace)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body;
	if (write_begin_or_reply(r, &body, true) != 0)
		return 0;
	json_t *out = weir_wh_perms_set(weir_req_db(r), r->arena, r->principal, weir_req_param(r, "id"), body, replace,
					&e);
	return weir_reply_committed(r, out, &e);
}

static int perms_put(weir_req *r) { return perms_set(r, true); }
static int perms_patch(weir_req *r) { return perms_set(r, false); }

/* Saved queries: the owner's and the admins' (the domain answers not-found to others). */
static int q_create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body;
	if (write_begin_or_reply(r, &body, false) != 0)
		return 0;
	return weir_reply_created(r, weir_wh_query_create(weir_req_db(r), r->arena, r->principal, body, &e), &e);
}

static int q_list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	int64_t size = 0;
	if (weir_req_query_i64(r, "page_size", &size, &e) != 0)
		return weir_reply_error(r, &e);
	return scoped_reply(
		r,
		weir_wh_query_list(weir_req_db(r), r->arena, r->principal, size, weir_req_query(r, "page_token"), &e),
		&e);
}

static int q_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	return scoped_reply(r, weir_wh_query_get(weir_req_db(r), r->arena, r->principal, weir_req_param(r, "id"), &e),
			    &e);
}

static int q_update(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body;
	if (write_begin_or_reply(r, &body, false) != 0)
		return 0;
	json_t *out = weir_wh_query_update(weir_req_db(r), r->arena, r->principal, weir_req_param(r, "id"), body, &e);
	return weir_reply_committed(r, out, &e);
}

static int q_delete(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	if (write_begin_or_reply(r, NULL, false) != 0)
		return 0;
	if (weir_wh_query_delete(weir_req_db(r), r->arena, r->principal, weir_req_param(r, "id"), &e) != 0 ||
	    weir_req_commit(r, &e) != 0)
		return weir_reply_error(r, &e);
	return weir_reply_ok_empty(r);
}

#define ST "/api/2.0/sql/statements"
#define QS "/api/2.0/sql/queries"
#define WH "/api/2.0/sql/warehouses"
#define D WEIR_DIALECT_DATABRICKS
#define NA WEIR_ROUTE_NO_AUDIT
const weir_route weir_routes_warehouse[] = {
	{"POST", ST, execute, RULE_AUTHENTICATED, D, "databrickssql", "executeStatement", 0},
	{"GET", ST, list, RULE_AUTHENTICATED, D, "databrickssql", "listStatements", NA},
	{"GET", "/api/2.0/sql/history/queries", history, RULE_AUTHENTICATED, D, "databrickssql", "listQueryHistory",
	 NA},
	{"GET", ST "/{statement_id}", get, RULE_AUTHENTICATED, D, "databrickssql", "getStatement", NA},
	{"GET", ST "/{statement_id}/result/chunks/{chunk_index}", chunk, RULE_AUTHENTICATED, D, "databrickssql",
	 "getStatementResultChunkN", NA},
	{"GET", ST "/{statement_id}/result/chunks/{chunk_index}/download", download, RULE_PUBLIC, D, "databrickssql",
	 "downloadStatementResultChunk", NA},
	{"POST", ST "/{statement_id}/cancel", cancel, RULE_AUTHENTICATED, D, "databrickssql", "cancelStatement", 0},
	{"POST", WH, wh_create, RULE_ADMIN, D, "databrickssql", "createWarehouse", 0},
	{"GET", WH, wh_list, RULE_AUTHENTICATED, D, "databrickssql", "listWarehouses", NA},
	{"GET", WH "/{id}", wh_get, RULE_AUTHENTICATED, D, "databrickssql", "getWarehouse", NA},
	{"POST", WH "/{id}/edit", wh_edit, RULE_AUTHENTICATED, D, "databrickssql", "editWarehouse", 0},
	{"DELETE", WH "/{id}", wh_delete, RULE_AUTHENTICATED, D, "databrickssql", "deleteWarehouse", 0},
	{"POST", WH "/{id}/start", wh_start, RULE_AUTHENTICATED, D, "databrickssql", "startWarehouse", 0},
	{"POST", WH "/{id}/stop", wh_stop, RULE_AUTHENTICATED, D, "databrickssql", "stopWarehouse", 0},
	{"GET", "/api/2.0/permissions/warehouses/{id}", perms_get, RULE_AUTHENTICATED, D, "databrickssql",
	 "getWarehousePermissions", NA},
	{"PUT", "/api/2.0/permissions/warehouses/{id}", perms_put, RULE_AUTHENTICATED, D, "databrickssql",
	 "setWarehousePermissions", 0},
	{"PATCH", "/api/2.0/permissions/warehouses/{id}", perms_patch, RULE_AUTHENTICATED, D, "databrickssql",
	 "updateWarehousePermissions", 0},
	{"POST", QS, q_create, RULE_AUTHENTICATED, D, "databrickssql", "createQuery", 0},
	{"GET", QS, q_list, RULE_AUTHENTICATED, D, "databrickssql", "listQueries", NA},
	{"GET", QS "/{id}", q_get, RULE_AUTHENTICATED, D, "databrickssql", "getQuery", NA},
	{"PATCH", QS "/{id}", q_update, RULE_AUTHENTICATED, D, "databrickssql", "updateQuery", 0},
	{"DELETE", QS "/{id}", q_delete, RULE_AUTHENTICATED, D, "databrickssql", "trashQuery", 0},
	{0},
};
