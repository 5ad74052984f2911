/* Routes of ABAC policies, Databricks' policies API under /api/2.1/unity-catalog (the rules
 * are in governance/policies.c). The securable a policy is on is resolved for the caller (404
 * for what it cannot browse) and checked against the route's rule: ownership or MANAGE to
 * create, change or delete (and EXECUTE on the function, checked in the domain), READ
 * METADATA to read. Changes are written in a transaction whose audit row commits with them. */
#include "api/http.h"
#include "api/handlers/uc_routes.h"

#include "core/json.h"
#include "governance/policies.h"

static int fail(weir_req *r, weir_error *e) { return weir_reply_error(r, e); }

static int resolve_on(weir_req *r, const char *type, const char *name, weir_securable *s, weir_error *e)
{
	weir_sec_type t;
	weir_req_audit_securable(r, name);
	if (weir_policies_on_type_parse("on_securable_type", type, &t, e) != 0)
		return -1;
	if (name == NULL || *name == '\0')
		return weir_error_field(e, WEIR_E_INVALID_PARAMETER_VALUE, "on_securable_fullname",
					"Missing required field: on_securable_fullname");
	if (weir_gov_resolve(weir_req_db(r), r->arena, r->principal, t, name, s, e) != 0)
		return -1;
	return weir_req_authorize(r, s, e);
}

static int path_on(weir_req *r, weir_securable *s, weir_error *e)
{
	return resolve_on(r, weir_req_param(r, "on_securable_type"), weir_req_param(r, "on_securable_fullname"), s, e);
}

static int policy_create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	const char *type = NULL, *name = NULL;
	weir_securable s;
	if (body == NULL || weir_json_get_str(body, "on_securable_type", true, &type, &e) != 0 ||
	    weir_json_get_str(body, "on_securable_fullname", true, &name, &e) != 0 ||
	    resolve_on(r, type, name, &s, &e) != 0 || weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_policies_create(weir_req_db(r), r->arena, r->principal, &s, body, &e);
	return weir_reply_committed(r, out, &e);
}

static int policy_list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_page_req pg = {0, weir_req_query(r, "page_token")};
	bool inherited = false;
	weir_securable s;
	if (weir_req_query_i64(r, "max_results", &pg.max_results, &e) != 0 ||
	    weir_req_query_bool(r, "include_inherited", &inherited, &e) != 0 || path_on(r, &s, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_policies_list(weir_req_db(r), r->arena, &s, inherited, &pg, &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

static int policy_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	if (path_on(r, &s, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_policies_get(weir_req_db(r), r->arena, &s, weir_req_param(r, "name"), &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

static int policy_update(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, true, &e);
	weir_securable s;
	if ((body == NULL && e.code != WEIR_OK) || path_on(r, &s, &e) != 0)
		return fail(r, &e);
	const char *name = weir_req_param(r, "name");
	if (body == NULL || json_object_size(body) == 0) { /* the SDK's PATCH without a body */
		json_t *out = weir_policies_get(weir_req_db(r), r->arena, &s, name, &e);
		return out ? weir_reply_json(r, 200, out) : fail(r, &e);
	}
	if (weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_policies_update(weir_req_db(r), r->arena, r->principal, &s, name, body, &e);
	return weir_reply_committed(r, out, &e);
}

static int policy_delete(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	if (path_on(r, &s, &e) != 0 || weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	int rc = weir_policies_delete(weir_req_db(r), r->arena, &s, weir_req_param(r, "name"), &e);
	return weir_reply_committed(r, rc == 0 ? json_object() : NULL, &e);
}

#define WEIR_UC_BASE WEIR_UC_PREFIX "/policies"
#define ON "/{on_securable_type}/{on_securable_fullname}"

const weir_route weir_routes_policies[] = {
	R("POST", "", policy_create, WEIR_OP_MANAGE_GRANTS, "createPolicy"),
	RN("GET", ON, policy_list, WEIR_OP_READ_METADATA, "listPolicies"),
	RN("GET", ON "/{name}", policy_get, WEIR_OP_READ_METADATA, "getPolicy"),
	R("PATCH", ON "/{name}", policy_update, WEIR_OP_MANAGE_GRANTS, "updatePolicy"),
	R("DELETE", ON "/{name}", policy_delete, WEIR_OP_MANAGE_GRANTS, "deletePolicy"),
	{0},
};
