/* Weir's workspaces: /api/2.0/weir/workspaces. Admins create and delete them and assign
 * principals; every principal is in `default`. A token belongs to one workspace. */
#include "api/http.h"

#include "core/json.h"
#include "governance/grants.h"

#define WS "/api/2.0/weir/workspaces"

static int fail(weir_req *r, weir_error *e) { return weir_reply_error(r, e); }

static int ws_create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	const char *name = NULL;
	if (body == NULL || weir_json_get_str(body, "name", true, &name, &e) != 0 || weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	weir_req_audit_securable(r, name);
	json_t *out = weir_workspace_create(weir_req_db(r), name, &e);
	return weir_reply_committed(r, out, &e);
}

static int ws_list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *out = weir_workspace_list(weir_req_db(r), r->principal, &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

static int ws_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_db *db = weir_req_db(r);
	const char *name = weir_req_param(r, "name");
	int64_t id = weir_gov_workspace_id(db, name, &e);
	/* a workspace the caller is not in does not exist for it */
	if (id < 0 || (!r->principal->is_admin && !weir_gov_workspace_member(db, id, r->principal))) {
		weir_error_set(&e, WEIR_E_RESOURCE_DOES_NOT_EXIST, "Workspace '%.200s' does not exist.", name);
		return fail(r, &e);
	}
	json_t *out = weir_workspace_get(db, name, &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

static int ws_delete(weir_req *r) { return weir_reply_deleted(r, "name", weir_workspace_delete); }

static int ws_assignments(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *out = weir_workspace_assignments(weir_req_db(r), weir_req_param(r, "name"), &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

static int ws_assign(weir_req *r, bool assign)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_req_audit_securable(r, weir_req_param(r, "name"));
	if (weir_req_begin(r, &e) != 0 ||
	    weir_workspace_assign(weir_req_db(r), weir_req_param(r, "name"), weir_req_param(r, "principal"), assign,
				  &e) != 0 ||
	    weir_req_commit(r, &e) != 0)
		return fail(r, &e);
	return weir_reply_ok_empty(r);
}

static int ws_assign_put(weir_req *r) { return ws_assign(r, true); }
static int ws_assign_delete(weir_req *r) { return ws_assign(r, false); }

#define D WEIR_DIALECT_DATABRICKS
const weir_route weir_routes_workspaces[] = {
	{"POST", WS, ws_create, RULE_ADMIN, D, "weir", "createWorkspace", 0},
	{"GET", WS, ws_list, RULE_AUTHENTICATED, D, "weir", "listWorkspaces", WEIR_ROUTE_NO_AUDIT},
	{"GET", WS "/{name}", ws_get, RULE_AUTHENTICATED, D, "weir", "getWorkspace", WEIR_ROUTE_NO_AUDIT},
	{"DELETE", WS "/{name}", ws_delete, RULE_ADMIN, D, "weir", "deleteWorkspace", 0},
	{"GET", WS "/{name}/assignments", ws_assignments, RULE_ADMIN, D, "weir", "listWorkspaceAssignments",
	 WEIR_ROUTE_NO_AUDIT},
	{"PUT", WS "/{name}/assignments/{principal}", ws_assign_put, RULE_ADMIN, D, "weir", "assignWorkspace", 0},
	{"DELETE", WS "/{name}/assignments/{principal}", ws_assign_delete, RULE_ADMIN, D, "weir", "unassignWorkspace",
	 0},
	{0},
};
