/* Databricks personal access tokens for oneself: create, list, delete. The token value is
 * returned once, at creation, and stored only as a SHA-256 hash. Every token expires: at
 * most --token-max-lifetime after creation, and never after the caller's own credential. */
#include "api/auth.h"
#include "api/http.h"

#include <string.h>

#include "core/json.h"
#include "core/util.h"

static int token_create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, true, &e);
	/* never a token without expiry: 0 or absent is the server's cap (--token-max-lifetime),
	 * more is capped, and nothing outlives the credential that asks */
	weir_mint_args m;
	if (body == NULL || weir_auth_mint_args(r, body, &m, &e) != 0)
		return weir_reply_error(r, &e);
	const char *comment = m.comment, *workspace = m.workspace;
	int64_t now = m.now_ms, expiry = m.expiry_ms;
	weir_db *db = weir_req_db(r);
	int64_t ws = r->principal->workspace_id;
	if (workspace) {
		if ((ws = weir_gov_workspace_id(db, workspace, &e)) < 0)
			return weir_reply_error(r, &e);
		if (!weir_gov_workspace_member(db, ws, r->principal)) {
			weir_error_field(&e, WEIR_E_PERMISSION_DENIED, "workspace",
					 "You are not assigned to workspace '%.100s'.", workspace);
			return weir_reply_error(r, &e);
		}
	}
	char *value = NULL;
	weir_token_info info;
	if (weir_req_begin(r, &e) != 0 ||
	    weir_gov_token_create_until(db, r->arena, r->principal->id, ws, now, expiry, comment, &value, &info, &e) !=
		    0 ||
	    weir_req_commit(r, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *ti = json_pack("{s:s, s:I, s:I}", "token_id", info.token_id, "creation_time",
			       (json_int_t)info.creation_time, "expiry_time", (json_int_t)info.expiry_time);
	if (info.comment)
		json_object_set_new(ti, "comment", json_string(info.comment));
	return weir_reply_json(r, 200, json_pack("{s:s, s:o}", "token_value", value, "token_info", ti));
}

static int token_list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *list = weir_gov_token_list(weir_req_db(r), r->principal->id, &e);
	if (list == NULL)
		return weir_reply_error(r, &e);
	return weir_reply_json(r, 200, json_pack("{s:o}", "token_infos", list));
}

static int token_delete(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	const char *id = NULL;
	if (body == NULL || weir_json_get_str(body, "token_id", true, &id, &e) != 0)
		return weir_reply_error(r, &e);
	if (weir_req_begin(r, &e) != 0 || weir_gov_token_delete(weir_req_db(r), id, r->principal->id, &e) != 0 ||
	    weir_req_commit(r, &e) != 0)
		return weir_reply_error(r, &e);
	return weir_reply_ok_empty(r);
}

/* Token management (admins): every principal's tokens, and revoking any of them. A revoked
 * token stops working at once, and so do the web UI sessions signed in with it. */
static int tm_list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *list = weir_gov_token_list(weir_req_db(r), -1, &e);
	if (list == NULL)
		return weir_reply_error(r, &e);
	return weir_reply_json(r, 200, json_pack("{s:o}", "token_infos", list));
}

static int tm_delete(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *id = weir_req_param(r, "token_id");
	if (weir_req_begin(r, &e) != 0 || weir_gov_token_delete(weir_req_db(r), id, -1, &e) != 0 ||
	    weir_req_commit(r, &e) != 0)
		return weir_reply_error(r, &e);
	return weir_reply_ok_empty(r);
}

const weir_route weir_routes_tokens[] = {
	{"POST", "/api/2.0/token/create", token_create, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "accounts",
	 "createToken", 0},
	{"GET", "/api/2.0/token/list", token_list, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "accounts",
	 "listTokens", WEIR_ROUTE_NO_AUDIT},
	{"POST", "/api/2.0/token/delete", token_delete, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "accounts",
	 "revokeToken", 0},
	{"GET", "/api/2.0/token-management/tokens", tm_list, RULE_ADMIN, WEIR_DIALECT_DATABRICKS, "accounts",
	 "listAllTokens", WEIR_ROUTE_NO_AUDIT},
	{"DELETE", "/api/2.0/token-management/tokens/{token_id}", tm_delete, RULE_ADMIN, WEIR_DIALECT_DATABRICKS,
	 "accounts", "revokeAnyToken", 0},
	{0},
};
