/* Bearer token (or the web UI's session cookie) → principal. One error message for every failure, so that a caller cannot
 * tell an unknown token from an expired or revoked one. */
#include "api/auth.h"
#include "api/app.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/util.h"
#include "governance/sessions.h"

/* When no cap is configured (an app not built by main): Databricks' default maximum. */
#define MINT_CAP_DEFAULT_S (90LL * 24 * 3600)

int weir_auth_mint_expiry(const weir_req *r, int64_t asked_s, const char *field, int64_t now_ms, int64_t *expiry_ms,
			  weir_error *err)
{
	int64_t cap = r->app->cfg.token_max_lifetime_s > 0 ? r->app->cfg.token_max_lifetime_s : MINT_CAP_DEFAULT_S;
	if (asked_s < 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s': seconds, 0 for the maximum (%lld)", field,
					(long long)cap);
	int64_t life = asked_s == 0 || asked_s > cap ? cap : asked_s;
	if (life > (INT64_MAX - now_ms) / 1000) /* a cap set near INT64_MAX seconds; now_ms >= 0 */
		life = (INT64_MAX - now_ms) / 1000;
	int64_t exp = now_ms + life * 1000;
	/* a credential cannot mint one that outlives it */
	int64_t own = r->principal ? r->principal->credential_expiry_ms : 0;
	if (own > 0 && own < exp)
		exp = own;
	if (exp <= now_ms) /* a JWT within its leeway past exp: nothing left to give */
		return weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid access token.");
	*expiry_ms = exp;
	return 0;
}

int weir_auth_mint_args(const weir_req *r, json_t *body, weir_mint_args *out, weir_error *err)
{
	int64_t lifetime = 0;
	out->comment = out->workspace = NULL;
	if (weir_json_get_i64(body, "lifetime_seconds", false, &lifetime, err) != 0 ||
	    weir_json_get_str(body, "comment", false, &out->comment, err) != 0 ||
	    weir_json_get_str(body, "workspace", false, &out->workspace, err) != 0)
		return -1;
	out->now_ms = weir_now_ms();
	if (weir_auth_mint_expiry(r, lifetime, "lifetime_seconds", out->now_ms, &out->expiry_ms, err) != 0)
		return -1;
	if (out->comment && strlen(out->comment) > 1024)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "comment",
					"Invalid value for 'comment': at most 1024 characters");
	return 0;
}

weir_principal *weir_auth_request(weir_req *r, weir_error *err)
{
	const char *h = weir_req_header(r, "Authorization");
	const char *sid = (h == NULL || *h == '\0') ? weir_req_cookie(r, WEIR_UI_SESSION_COOKIE) : NULL;
	if (sid != NULL && *sid != '\0') {
		/* the web UI's session cookie; an Authorization header, when sent, wins */
		const char *csrf = NULL;
		int64_t expires = 0;
		weir_principal *p = weir_gov_ui_session_authenticate(weir_req_db(r), r->arena, sid, weir_now_ms(),
								     &csrf, &expires, err);
		if (p != NULL) {
			r->session_id = weir_arena_strdup(r->arena, sid);
			r->session_csrf = csrf;
			r->session_expires = expires;
		}
		return p;
	}
	if (h == NULL || *h == '\0') {
		weir_error_set(err, WEIR_E_UNAUTHENTICATED,
			       "No authorization found: send 'Authorization: Bearer <token>'.");
		return NULL;
	}
	if (strlen(h) > WEIR_AUTH_HEADER_MAX || strncasecmp(h, "Bearer ", 7) != 0) {
		weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid access token.");
		return NULL;
	}
	const char *tok = h + 7;
	while (*tok == ' ')
		tok++;
	if (*tok == '\0') {
		weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid access token.");
		return NULL;
	}
	if (strncmp(tok, WEIR_TOKEN_PREFIX, strlen(WEIR_TOKEN_PREFIX)) == 0)
		return weir_gov_token_authenticate(weir_req_db(r), r->arena, tok, err);
	return weir_jwt_authenticate(r, tok, err);
}
