/* Routes of the identity surface: Databricks SCIM 2.0 (/api/2.0/preview/scim/v2: Users,
 * Groups, ServicePrincipals, Me), on-behalf-of tokens for service principals, service
 * principal OAuth secrets, and (handlers in identity_oauth.c) the OAuth M2M token endpoint
 * and its discovery document.
 *
 * Choices written down here:
 * - SCIM ids are principals.id as decimal strings. Creates answer 201, PUT and PATCH 200
 *   with the resource, DELETE 200 `{}` (the JS SDK cannot parse a non-JSON 2xx body).
 * - A PATCH without Operations (the JS SDK drops PATCH bodies) changes nothing and answers
 *   the current resource.
 * - Deleting a principal that owns securables is refused with 409 scimType `mutability`
 *   naming how many it owns; ownership is never moved silently (transfer it first with the
 *   catalog API's `owner` field). Grants, memberships, tokens and secrets of a deleted
 *   principal go with it.
 * - Lists are readable by every authenticated caller (Databricks lets users list users);
 *   changes need a metastore admin. */
#include "api/auth.h"
#include "api/http.h"
#include "api/app.h"

#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"
#include "governance/identity.h"

/* identity_oauth.c */
int weir_identity_oauth_token(weir_req *r);
int weir_identity_oauth_discovery(weir_req *r);
int weir_identity_host_metadata(weir_req *r);

#define SCIM_ERROR "urn:ietf:params:scim:api:messages:2.0:Error"
#define SCIM_PREFIX "/api/2.0/preview/scim/v2"
#define SCIM_DEFAULT_COUNT 100
#define SCIM_MAX_COUNT 10000

/* weir_reply_error: the SCIM dialect (api/request.c) gives each 4xx its scimType, `mutability`
 * for conflicts that are not duplicates. */
static int scim_error(weir_req *r, weir_error *e) { return weir_reply_error(r, e); }

static weir_principal_kind route_kind(weir_req *r)
{
	const char *p = r->route->pattern;
	if (strstr(p, "/Groups"))
		return WEIR_PRINCIPAL_GROUP;
	if (strstr(p, "/ServicePrincipals"))
		return WEIR_PRINCIPAL_SP;
	return WEIR_PRINCIPAL_USER;
}

static int64_t path_id(weir_req *r) { return weir_id_parse(weir_req_param(r, "id")); }

static int scim_list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_principal_kind kind = route_kind(r);
	int64_t start = 1, count = SCIM_DEFAULT_COUNT;
	weir_scim_filter f;
	if (weir_req_query_i64(r, "startIndex", &start, &e) != 0 || weir_req_query_i64(r, "count", &count, &e) != 0 ||
	    weir_scim_filter_parse(r->arena, kind, weir_req_query(r, "filter"), &f, &e) != 0)
		return scim_error(r, &e);
	if (count > SCIM_MAX_COUNT)
		count = SCIM_MAX_COUNT;
	json_t *list = weir_id_list(weir_req_db(r), r->arena, kind, &f, start, count, &e);
	if (list == NULL)
		return scim_error(r, &e);
	return weir_reply_json(r, 200, list);
}

static int scim_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *res = weir_id_resource(weir_req_db(r), r->arena, route_kind(r), path_id(r), &e);
	if (res == NULL)
		return scim_error(r, &e);
	return weir_reply_json(r, 200, res);
}

static int scim_me(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *res = weir_id_resource(weir_req_db(r), r->arena, r->principal->kind, r->principal->id, &e);
	if (res == NULL)
		return scim_error(r, &e);
	if (r->principal->kind == WEIR_PRINCIPAL_SP) /* clients read userName from Me */
		json_object_set_new(res, "userName", json_string(r->principal->name));
	return weir_reply_json(r, 200, res);
}

static int scim_create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_principal_kind kind = route_kind(r);
	json_t *body = weir_req_json(r, false, &e);
	if (body == NULL || weir_req_begin(r, &e) != 0)
		return scim_error(r, &e);
	weir_db *db = weir_req_db(r);
	int64_t id = weir_id_create(db, r->arena, kind, body, &e);
	json_t *res = id < 0 ? NULL : weir_id_resource(db, r->arena, kind, id, &e);
	if (res == NULL)
		return scim_error(r, &e);
	weir_json_own(r->arena, res);
	weir_req_audit_securable(r, json_string_value(json_object_get(res, "id")));
	if (weir_req_commit(r, &e) != 0)
		return scim_error(r, &e);
	return weir_reply_json(r, 201, json_incref(res));
}

/* PUT and PATCH: the change, then the resource as it now is. */
static int scim_change(weir_req *r, bool patch)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_principal_kind kind = route_kind(r);
	int64_t id = path_id(r);
	json_t *body = weir_req_json(r, patch, &e);
	if (body == NULL || weir_req_begin(r, &e) != 0)
		return scim_error(r, &e);
	weir_db *db = weir_req_db(r);
	weir_req_audit_securable(r, weir_req_param(r, "id"));
	int rc = patch ? weir_id_patch(db, r->arena, kind, id, r->principal->id, body, &e)
		       : weir_id_replace(db, r->arena, kind, id, r->principal->id, body, &e);
	return weir_reply_committed(r, rc != 0 ? NULL : weir_id_resource(db, r->arena, kind, id, &e), &e);
}

static int scim_put(weir_req *r) { return scim_change(r, false); }
static int scim_patch(weir_req *r) { return scim_change(r, true); }

static int scim_delete(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_req_audit_securable(r, weir_req_param(r, "id"));
	if (weir_req_begin(r, &e) != 0 ||
	    weir_id_delete(weir_req_db(r), route_kind(r), path_id(r), r->principal->id, NULL, &e) != 0 ||
	    weir_req_commit(r, &e) != 0)
		return scim_error(r, &e);
	return weir_reply_ok_empty(r);
}

/* ------------------------------------------------------------------ tokens for SPs */

static int obo_create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	const char *app_id = NULL;
	weir_mint_args m; /* as /token/create: capped, never beyond the admin's own credential */
	if (body == NULL || weir_json_get_str(body, "application_id", true, &app_id, &e) != 0 ||
	    weir_auth_mint_args(r, body, &m, &e) != 0)
		return weir_reply_error(r, &e);
	const char *comment = m.comment, *workspace = m.workspace;
	int64_t now = m.now_ms, expiry = m.expiry_ms;
	weir_db *db = weir_req_db(r);
	int64_t sp = weir_id_sp_find(db, app_id, &e);
	if (sp < 0) {
		weir_error_field(&e, WEIR_E_RESOURCE_DOES_NOT_EXIST, "application_id",
				 "Service principal '%.100s' does not exist.", app_id);
		return weir_reply_error(r, &e);
	}
	if (!weir_id_active(db, sp)) {
		weir_error_field(&e, WEIR_E_INVALID_PARAMETER_VALUE, "application_id",
				 "Service principal '%.100s' is not active.", app_id);
		return weir_reply_error(r, &e);
	}
	int64_t ws = workspace ? weir_gov_workspace_id(db, workspace, &e) : WEIR_DEFAULT_WORKSPACE_ID;
	if (ws < 0)
		return weir_reply_error(r, &e);
	weir_principal *spp = weir_gov_principal_load(db, r->arena, sp, ws, &e);
	if (spp == NULL || !weir_gov_workspace_member(db, ws, spp)) {
		weir_error_clear(&e);
		weir_error_field(&e, WEIR_E_INVALID_PARAMETER_VALUE, "workspace",
				 "Service principal '%.100s' is not assigned to workspace '%.100s'.", app_id,
				 workspace ? workspace : WEIR_DEFAULT_WORKSPACE);
		return weir_reply_error(r, &e);
	}
	weir_req_audit_securable(r, spp->name);
	char *value = NULL;
	weir_token_info info;
	if (weir_req_begin(r, &e) != 0 ||
	    weir_gov_token_create_until(db, r->arena, sp, ws, now, expiry, comment, &value, &info, &e) != 0 ||
	    weir_req_commit(r, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *ti = json_pack("{s:s, s:I, s:I, s:I, s:I, s:s, s:s}", "token_id", info.token_id, "creation_time",
			       (json_int_t)info.creation_time, "expiry_time", (json_int_t)info.expiry_time, "owner_id",
			       (json_int_t)sp, "created_by_id", (json_int_t)r->principal->id, "created_by_username",
			       r->principal->name, "workspace", spp->workspace_name);
	if (info.comment)
		json_object_set_new(ti, "comment", json_string(info.comment));
	return weir_reply_json(r, 200, json_pack("{s:s, s:o}", "token_value", value, "token_info", ti));
}

/* ------------------------------------------------------------------ SP OAuth secrets */

static int64_t secret_sp_or_reply(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	int64_t sp = weir_id_sp_find(weir_req_db(r), weir_req_param(r, "id"), &e);
	if (sp < 0) {
		weir_error_set(&e, WEIR_E_RESOURCE_DOES_NOT_EXIST, "Service principal '%.100s' does not exist.",
			       weir_req_param(r, "id"));
		weir_reply_error(r, &e);
	}
	return sp;
}

static int secret_create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, true, &e);
	const char *lifetime = NULL;
	int64_t secs = 0;
	if (body == NULL || weir_json_get_str(body, "lifetime", false, &lifetime, &e) != 0)
		return weir_reply_error(r, &e);
	if (lifetime) { /* Databricks: a duration such as "3600s" */
		size_t n = strlen(lifetime);
		char buf[32];
		if (n < 2 || n >= sizeof(buf) || lifetime[n - 1] != 's' ||
		    (snprintf(buf, sizeof(buf), "%.*s", (int)(n - 1), lifetime), !weir_parse_i64(buf, &secs)) ||
		    secs <= 0 || secs > 100LL * 365 * 24 * 3600) {
			weir_error_field(&e, WEIR_E_INVALID_PARAMETER_VALUE, "lifetime",
					 "Invalid value for 'lifetime': a duration in seconds such as \"3600s\"");
			return weir_reply_error(r, &e);
		}
	}
	int64_t sp = secret_sp_or_reply(r);
	if (sp < 0)
		return 0;
	weir_req_audit_securable(r, weir_req_param(r, "id"));
	if (weir_req_begin(r, &e) != 0)
		return weir_reply_error(r, &e);
	return weir_reply_committed(r, weir_id_secret_create(weir_req_db(r), sp, secs, &e), &e);
}

static int secret_list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	int64_t sp = secret_sp_or_reply(r);
	if (sp < 0)
		return 0;
	json_t *res = weir_id_secret_list(weir_req_db(r), sp, &e);
	if (res == NULL)
		return weir_reply_error(r, &e);
	return weir_reply_json(r, 200, res);
}

static int secret_delete(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	int64_t sp = secret_sp_or_reply(r);
	if (sp < 0)
		return 0;
	weir_req_audit_securable(r, weir_req_param(r, "id"));
	if (weir_req_begin(r, &e) != 0 ||
	    weir_id_secret_delete(weir_req_db(r), sp, weir_req_param(r, "secret_id"), &e) != 0 ||
	    weir_req_commit(r, &e) != 0)
		return weir_reply_error(r, &e);
	return weir_reply_ok_empty(r);
}

#define SCIM(res, kind)                                                                                                  \
	{"GET",      SCIM_PREFIX "/" res, scim_list,          RULE_AUTHENTICATED, WEIR_DIALECT_SCIM,                     \
	 "accounts", "list" kind "s",     WEIR_ROUTE_NO_AUDIT},                                                          \
		{"POST", SCIM_PREFIX "/" res, scim_create, RULE_ADMIN, WEIR_DIALECT_SCIM, "accounts", "create" kind, 0}, \
		{"GET",      SCIM_PREFIX "/" res "/{id}", scim_get, RULE_AUTHENTICATED, WEIR_DIALECT_SCIM, "accounts",   \
		 "get" kind, WEIR_ROUTE_NO_AUDIT},                                                                       \
		{"PUT", SCIM_PREFIX "/" res "/{id}", scim_put, RULE_ADMIN, WEIR_DIALECT_SCIM, "accounts", "update" kind, \
		 0},                                                                                                     \
		{"PATCH",           SCIM_PREFIX "/" res "/{id}",                                                         \
		 scim_patch,        RULE_ADMIN,                                                                          \
		 WEIR_DIALECT_SCIM, "accounts",                                                                          \
		 "patch" kind,      0},                                                                                  \
	{                                                                                                                \
		"DELETE", SCIM_PREFIX "/" res "/{id}", scim_delete, RULE_ADMIN, WEIR_DIALECT_SCIM, "accounts",           \
			"delete" kind, 0                                                                                 \
	}

#define SECRETS "/api/2.0/accounts/servicePrincipals/{id}/credentials/secrets"

const weir_route weir_routes_identity[] = {
	SCIM("Users", "User"),
	SCIM("Groups", "Group"),
	SCIM("ServicePrincipals", "ServicePrincipal"),
	{"GET", SCIM_PREFIX "/Me", scim_me, RULE_AUTHENTICATED, WEIR_DIALECT_SCIM, "accounts", "getMe",
	 WEIR_ROUTE_NO_AUDIT},
	{"POST", "/api/2.0/token-management/on-behalf-of/tokens", obo_create, RULE_ADMIN, WEIR_DIALECT_DATABRICKS,
	 "accounts", "createOboToken", 0},
	{"POST", SECRETS, secret_create, RULE_ADMIN, WEIR_DIALECT_DATABRICKS, "accounts",
	 "createServicePrincipalSecret", 0},
	{"GET", SECRETS, secret_list, RULE_ADMIN, WEIR_DIALECT_DATABRICKS, "accounts", "listServicePrincipalSecrets",
	 WEIR_ROUTE_NO_AUDIT},
	{"DELETE", SECRETS "/{secret_id}", secret_delete, RULE_ADMIN, WEIR_DIALECT_DATABRICKS, "accounts",
	 "deleteServicePrincipalSecret", 0},
	{"POST", "/oidc/v1/token", weir_identity_oauth_token, RULE_PUBLIC, WEIR_DIALECT_OAUTH, "oauth2", "tokenLogin",
	 0},
	{"GET", "/oidc/.well-known/oauth-authorization-server", weir_identity_oauth_discovery, RULE_PUBLIC,
	 WEIR_DIALECT_OAUTH, "oauth2", "discovery", WEIR_ROUTE_NO_AUDIT},
	{"GET", "/.well-known/databricks-config", weir_identity_host_metadata, RULE_PUBLIC, WEIR_DIALECT_DATABRICKS,
	 "oauth2", "hostMetadata", WEIR_ROUTE_NO_AUDIT},
	{0},
};
