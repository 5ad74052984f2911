/* Grants: GET/PATCH permissions and GET effective-permissions on any securable, and the
 * workspace bindings of catalogs, storage credentials and external locations (the generic
 * `bindings` API; catalogs also through the older `workspace-bindings/catalogs` one). */
#include "api/http.h"
#include "api/handlers/uc_routes.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "governance/grants.h"

#define UC WEIR_UC_PREFIX

static int fail(weir_req *r, weir_error *e) { return weir_reply_error(r, e); }

/* The securable of /{securable_type}/{full_name}; the metastore ignores the name. */
static int resolve_typed(weir_req *r, const char *type_param, const char *name_param, weir_securable *s, weir_error *e)
{
	weir_sec_type t;
	const char *ts = weir_req_param(r, type_param);
	if (weir_sec_type_parse(ts, &t) != 0)
		return weir_error_field(e, WEIR_E_INVALID_PARAMETER_VALUE, "securable_type",
					"Invalid value for 'securable_type': '%.50s' is not a securable type", ts);
	return weir_gov_resolve(weir_req_db(r), r->arena, r->principal, t, weir_req_param(r, name_param), s, e);
}

static int permissions_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	if (resolve_typed(r, "securable_type", "full_name", &s, &e) != 0 || weir_req_authorize(r, &s, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_grants_get(weir_req_db(r), r->arena, r->principal, &s, weir_req_query(r, "principal"), &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

static int permissions_update(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	json_t *body = weir_req_json(r, true, &e);
	if (body == NULL || resolve_typed(r, "securable_type", "full_name", &s, &e) != 0 ||
	    weir_req_authorize(r, &s, &e) != 0)
		return fail(r, &e);
	json_t *changes = json_object_get(body, "changes");
	if (changes == NULL || json_is_null(changes)) {
		/* the SDK sends PATCH without a body: nothing to change */
		json_t *out = weir_grants_get(weir_req_db(r), r->arena, r->principal, &s, NULL, &e);
		return out ? weir_reply_json(r, 200, out) : fail(r, &e);
	}
	if (weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_grants_update(weir_req_db(r), r->arena, r->principal, &s, changes, &e);
	return weir_reply_committed(r, out, &e);
}

static int effective_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	if (resolve_typed(r, "securable_type", "full_name", &s, &e) != 0 || weir_req_authorize(r, &s, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_grants_effective(weir_req_db(r), r->arena, r->principal, &s, weir_req_query(r, "principal"),
					    &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

/* The paginated forms (grants.list and grants.list_effective in the SDKs): the same
 * assignments as GET permissions / effective-permissions, page_size and page_token. */
static int assignments_list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	int64_t page_size = 0;
	bool include_deleted = false; /* a deleted principal's grants go with it: nothing more to show */
	bool effective = strstr(r->route->pattern, "/effective-") != NULL;
	if (weir_req_query_i64(r, "page_size", &page_size, &e) != 0 ||
	    weir_req_query_bool(r, "include_deleted_principals", &include_deleted, &e) != 0 ||
	    resolve_typed(r, "securable_type", "full_name", &s, &e) != 0 || weir_req_authorize(r, &s, &e) != 0)
		return fail(r, &e);
	const char *who = weir_req_query(r, "principal");
	json_t *all = effective ? weir_grants_effective(weir_req_db(r), r->arena, r->principal, &s, who, &e)
				: weir_grants_get(weir_req_db(r), r->arena, r->principal, &s, who, &e);
	json_t *out = weir_grants_page(all, effective ? "effective_privilege_assignments" : "privilege_assignments",
				       page_size, weir_req_query(r, "page_token"), &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

/* A securable for binding management (a catalog, a storage credential or an external
 * location): admins and owners reach ISOLATED ones from any workspace (they are the ones who
 * bind them); for others it must be visible. */
static int resolve_for_bindings(weir_req *r, weir_sec_type t, const char *name, weir_securable *s, weir_error *e)
{
	weir_db *db = weir_req_db(r);
	if (weir_gov_resolve_ex(db, r->arena, r->principal, t, name, WEIR_RESOLVE_IGNORE_ISOLATION, s, e) != 0)
		return -1;
	s->read_only = false; /* managing bindings is not a write to the securable's contents */
	weir_securable probe;
	weir_error ignore = WEIR_ERROR_INIT;
	bool owner = false;
	for (int i = 0; i < r->principal->nclosure; i++)
		owner |= r->principal->closure[i] == s->chain[0].owner_id;
	if (!r->principal->is_admin && !owner &&
	    weir_gov_resolve(db, r->arena, r->principal, t, name, &probe, &ignore) != 0)
		return weir_gov_not_found(t, name, e);
	return 0;
}

/* The securable of /bindings/{securable_type}/{securable_name}: catalog(s),
 * storage_credential (credential) or external_location; anything else 400 naming the type. */
static int bindings_target(weir_req *r, weir_securable *s, weir_error *e)
{
	const char *ts = weir_req_param(r, "securable_type");
	weir_sec_type t = WEIR_SEC_METASTORE;
	if (strcasecmp(ts, "catalogs") == 0)
		t = WEIR_SEC_CATALOG;
	else if (weir_sec_type_parse(ts, &t) != 0)
		t = WEIR_SEC_METASTORE;
	if (t != WEIR_SEC_CATALOG && t != WEIR_SEC_CREDENTIAL && t != WEIR_SEC_EXTERNAL_LOCATION)
		return weir_error_field(e, WEIR_E_INVALID_PARAMETER_VALUE, "securable_type",
					"Invalid value for 'securable_type': only catalogs, storage credentials and "
					"external locations can be bound to workspaces");
	return resolve_for_bindings(r, t, weir_req_param(r, "securable_name"), s, e);
}

static int bindings_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	if (bindings_target(r, &s, &e) != 0 || weir_req_authorize(r, &s, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_bindings_get(weir_req_db(r), &s, &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

static int bindings_update(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	json_t *body = weir_req_json(r, true, &e);
	if (body == NULL || bindings_target(r, &s, &e) != 0 || weir_req_authorize(r, &s, &e) != 0 ||
	    weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_bindings_update(weir_req_db(r), &s, json_object_get(body, "add"),
					   json_object_get(body, "remove"), NULL, &e);
	return weir_reply_committed(r, out, &e);
}

/* The older API: {workspaces: [ids]}, PATCH {assign_workspaces, unassign_workspaces}. */
static json_t *legacy_shape(json_t *bindings)
{
	json_t *ids = json_array();
	size_t i;
	json_t *b;
	json_array_foreach (json_object_get(bindings, "bindings"), i, b)
		json_array_append(ids, json_object_get(b, "workspace_id"));
	json_decref(bindings);
	return json_pack("{s:o}", "workspaces", ids);
}

static int legacy_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	if (resolve_for_bindings(r, WEIR_SEC_CATALOG, weir_req_param(r, "name"), &s, &e) != 0 ||
	    weir_req_authorize(r, &s, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_bindings_get(weir_req_db(r), &s, &e);
	return out ? weir_reply_json(r, 200, legacy_shape(out)) : fail(r, &e);
}

static json_t *ids_to_bindings(json_t *ids)
{
	if (ids == NULL || json_is_null(ids))
		return NULL;
	if (!json_is_array(ids))
		return json_incref(ids); /* rejected by the validator with the field named */
	json_t *arr = json_array();
	size_t i;
	json_t *v;
	json_array_foreach (ids, i, v)
		json_array_append_new(
			arr, json_pack("{s:O, s:s}", "workspace_id", v, "binding_type", "BINDING_TYPE_READ_WRITE"));
	return arr;
}

static int legacy_update(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	json_t *body = weir_req_json(r, true, &e);
	if (body == NULL || resolve_for_bindings(r, WEIR_SEC_CATALOG, weir_req_param(r, "name"), &s, &e) != 0 ||
	    weir_req_authorize(r, &s, &e) != 0 || weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	static const char *const names[2] = {"assign_workspaces", "unassign_workspaces"};
	for (int l = 0; l < 2; l++) { /* ids only: an error names the element as the caller sent it */
		json_t *ids = json_object_get(body, names[l]);
		size_t i;
		json_t *v;
		if (ids && !json_is_null(ids) && !json_is_array(ids)) {
			weir_error_field(&e, WEIR_E_INVALID_PARAMETER_VALUE, names[l],
					 "Invalid value for '%s': expected an array of workspace ids", names[l]);
			return fail(r, &e);
		}
		json_array_foreach (ids, i, v) {
			if (!json_is_integer(v)) {
				char field[64];
				snprintf(field, sizeof(field), "%s[%zu]", names[l], i);
				weir_error_field(&e, WEIR_E_INVALID_PARAMETER_VALUE, field,
						 "Invalid value for '%s': expected a workspace id (an integer)", field);
				return fail(r, &e);
			}
		}
	}
	json_t *add = weir_json_own(r->arena, ids_to_bindings(json_object_get(body, names[0])));
	json_t *rem = weir_json_own(r->arena, ids_to_bindings(json_object_get(body, names[1])));
	json_t *out = weir_bindings_update(weir_req_db(r), &s, add, rem, names, &e);
	if (out == NULL || weir_req_commit(r, &e) != 0) {
		json_decref(out);
		return fail(r, &e);
	}
	return weir_reply_json(r, 200, legacy_shape(out));
}

#define WEIR_UC_BASE UC

const weir_route weir_routes_grants[] = {
	RN("GET", "/permissions/{securable_type}/{full_name}", permissions_get, WEIR_OP_READ_GRANTS, "getPermissions"),
	R("PATCH", "/permissions/{securable_type}/{full_name}", permissions_update, WEIR_OP_MANAGE_GRANTS,
	  "updatePermissions"),
	RN("GET", "/effective-permissions/{securable_type}/{full_name}", effective_get, WEIR_OP_READ_GRANTS,
	   "getEffectivePermissions"),
	RN("GET", "/privilege-assignments/{securable_type}/{full_name}", assignments_list, WEIR_OP_READ_GRANTS,
	   "listPrivilegeAssignments"),
	RN("GET", "/effective-privilege-assignments/{securable_type}/{full_name}", assignments_list,
	   WEIR_OP_READ_GRANTS, "listEffectivePrivilegeAssignments"),
	RN("GET", "/bindings/{securable_type}/{securable_name}", bindings_get, WEIR_OP_READ_METADATA, "getBindings"),
	R("PATCH", "/bindings/{securable_type}/{securable_name}", bindings_update, WEIR_OP_MANAGE_GRANTS,
	  "updateBindings"),
	RN("GET", "/workspace-bindings/catalogs/{name}", legacy_get, WEIR_OP_READ_METADATA, "getWorkspaceBindings"),
	R("PATCH", "/workspace-bindings/catalogs/{name}", legacy_update, WEIR_OP_MANAGE_GRANTS,
	  "updateWorkspaceBindings"),
	{0},
};
