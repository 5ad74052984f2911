/* The web UI: the app shell (index.html) for `/` and every UI deep link, the bundled files
 * under /assets/, and the sign-in session. The files are built into the binary
 * (api/ui_assets.h); the UI itself calls the same public REST APIs as any client, with the
 * caller's own rights (web/README.md).
 *
 * Sessions: POST /api/2.0/weir/ui/session, authenticated with a personal access token in the
 * Authorization header, answers a session cookie (HttpOnly, SameSite=Strict, Path=/, Max-Age:
 * at most the token's own lifetime; Secure behind TLS or with --ui-secure-cookies) and the
 * session's CSRF token. api/auth.c accepts the cookie on every authenticated route as the
 * token's principal and workspace; api/server.c refuses a cookie mutation without the CSRF
 * token (403 CSRF_TOKEN_INVALID). DELETE ends the session on the server. Where an identity
 * provider is configured, the browser may instead sign in through it (api/handlers/ui_oauth.c:
 * GET .../ui/oauth/login and .../callback), which ends in the same cookie; GET
 * .../ui/session then says "sso": true so that the sign-in page offers it. */
#include "api/app.h"
#include "api/auth.h"
#include "api/http.h"
#include "api/ui_assets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/util.h"
#include "governance/sessions.h"

/* No inline script anywhere; styles only from our own files; nothing from another origin;
 * never framed. */
static const char CSP[] = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
			  "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
			  "form-action 'self'; frame-ancestors 'none'";

static const weir_ui_asset *find_asset(const char *path)
{
	for (const weir_ui_asset *a = weir_ui_assets; a->path; a++)
		if (strcmp(a->path, path) == 0)
			return a;
	return NULL;
}

/* Whether the client takes gzip: Accept-Encoding lists gzip (or *) with a q above 0. */
static bool accepts_gzip(weir_req *r)
{
	const char *ae = weir_req_header(r, "Accept-Encoding");
	for (const char *p = ae; p && *p;) {
		p += strspn(p, " \t,");
		size_t n = strcspn(p, ";, \t");
		bool named = (n == 4 && strncasecmp(p, "gzip", 4) == 0) || (n == 1 && *p == '*');
		const char *end = p + strcspn(p, ",");
		double q = 1.0;
		const char *qp = strstr(p, "q=");
		if (qp && qp < end)
			q = strtod(qp + 2, NULL);
		if (named && q > 0)
			return true;
		p = end;
	}
	return false;
}

static void security_headers(weir_req *r)
{
	weir_reply_header(r, "Content-Security-Policy", CSP);
	weir_reply_header(r, "X-Content-Type-Options", "nosniff");
	weir_reply_header(r, "X-Frame-Options", "DENY");
	weir_reply_header(r, "Referrer-Policy", "same-origin");
	weir_reply_header(r, "Cross-Origin-Opener-Policy", "same-origin");
}

static int serve_asset(weir_req *r, const weir_ui_asset *a)
{
	security_headers(r);
	weir_reply_header(r, "ETag", a->etag);
	weir_reply_header(r, "Cache-Control", a->immutable ? "public, max-age=31536000, immutable" : "no-cache");
	weir_reply_header(r, "Vary", "Accept-Encoding");
	const char *inm = weir_req_header(r, "If-None-Match");
	if (inm && (strstr(inm, a->etag) != NULL || strcmp(inm, "*") == 0))
		return weir_reply_static(r, 304, NULL, "", 0);
	if (a->gz && accepts_gzip(r)) {
		weir_reply_header(r, "Content-Encoding", "gzip");
		return weir_reply_static(r, 200, a->content_type, a->gz, a->gz_len);
	}
	return weir_reply_static(r, 200, a->content_type, a->data, a->len);
}

/* `/` and every UI deep link: the app shell; the client-side router shows the view. */
static int shell(weir_req *r)
{
	const weir_ui_asset *a = find_asset("/index.html");
	if (a == NULL) {
		weir_error e;
		weir_error_set(&e, WEIR_E_NOT_FOUND, "This build has no web UI.");
		return weir_reply_error(r, &e);
	}
	return serve_asset(r, a);
}

static int asset(weir_req *r)
{
	const char *rest = weir_req_param(r, "path");
	const char *path = weir_arena_printf(r->arena, "/assets/%s", rest ? rest : "");
	const weir_ui_asset *a = find_asset(path);
	if (a == NULL) {
		weir_error e;
		weir_error_set(&e, WEIR_E_NOT_FOUND, "No such file: %.200s", path);
		return weir_reply_error(r, &e);
	}
	return serve_asset(r, a);
}

/* -- the session -- */

/* api/handlers/ui_oauth.c shares these two, and has the sign-in through an identity provider */
bool weir_ui_secure_request(weir_req *r);
void weir_ui_session_cookie(weir_req *r, const char *value, int64_t max_age_s);
int weir_ui_oauth_login(weir_req *r);
int weir_ui_oauth_callback(weir_req *r);

bool weir_ui_secure_request(weir_req *r)
{
	if (r->app->cfg.ui_secure_cookies)
		return true;
	/* TLS ended by a proxy in front of Weir (a forged header only makes the cookie stricter) */
	const char *proto = weir_req_header(r, "X-Forwarded-Proto");
	return proto && strcasecmp(proto, "https") == 0;
}

void weir_ui_session_cookie(weir_req *r, const char *value, int64_t max_age_s)
{
	char *c = weir_arena_printf(r->arena, "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
				    WEIR_UI_SESSION_COOKIE, value, (long long)max_age_s,
				    weir_ui_secure_request(r) ? "; Secure" : "");
	weir_reply_header(r, "Set-Cookie", c);
	weir_reply_header(r, "Cache-Control", "no-store");
}

/* Who the caller is, as the UI shows it. */
static json_t *whoami(weir_req *r, const char *csrf, int64_t expires_at)
{
	const weir_principal *p = r->principal;
	json_t *o = json_pack("{s:b, s:s, s:s, s:b, s:s}", "signed_in", true, "user_name", p->name, "display_name",
			      p->display_name ? p->display_name : p->name, "is_admin", p->is_admin, "workspace",
			      p->workspace_name ? p->workspace_name : "");
	if (expires_at > 0)
		json_object_set_new(o, "expires_at", json_integer(expires_at));
	if (csrf)
		json_object_set_new(o, "csrf_token", json_string(csrf));
	if (r->app->oauth_enabled)
		json_object_set_new(o, "sso", json_true());
	return o;
}

static int session_create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, true, &e);
	int64_t lifetime = 0;
	if (body == NULL || weir_json_get_i64(body, "lifetime_seconds", false, &lifetime, &e) != 0)
		return weir_reply_error(r, &e);
	if (r->session_id) { /* a session does not make another: sign in with the token */
		weir_error_set(&e, WEIR_E_INVALID_STATE,
			       "Sign in with a personal access token in the Authorization header.");
		return weir_reply_error(r, &e);
	}
	weir_ui_session s;
	int64_t now = weir_now_ms();
	if (weir_req_begin(r, &e) != 0 ||
	    weir_gov_ui_session_create(weir_req_db(r), r->arena, r->principal, now, lifetime, &s, &e) != 0 ||
	    weir_req_commit(r, &e) != 0)
		return weir_reply_error(r, &e);
	weir_ui_session_cookie(r, s.id, (s.expires_at - now) / 1000);
	return weir_reply_json(r, 200, whoami(r, s.csrf_token, s.expires_at));
}

/* The page's first question on load, so public: who is signed in, or {"signed_in": false}
 * (never a 401, which the browser would log as an error on every visit before sign-in). */
static int session_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	r->principal = weir_auth_request(r, &e);
	if (r->principal == NULL) { /* sso: the sign-in page offers "Sign in with SSO" */
		json_t *o = json_pack("{s:b}", "signed_in", false);
		if (r->app->oauth_enabled)
			json_object_set_new(o, "sso", json_true());
		return weir_reply_json(r, 200, o);
	}
	return weir_reply_json(r, 200, whoami(r, r->session_csrf, r->session_id ? r->session_expires : 0));
}

static int session_delete(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	if (r->session_id == NULL) {
		weir_error_set(&e, WEIR_E_INVALID_STATE,
			       "No session to end: this request did not send the session cookie.");
		return weir_reply_error(r, &e);
	}
	if (weir_req_begin(r, &e) != 0 || weir_gov_ui_session_delete(weir_req_db(r), r->session_id, &e) != 0 ||
	    weir_req_commit(r, &e) != 0)
		return weir_reply_error(r, &e);
	weir_ui_session_cookie(r, "", 0);
	return weir_reply_ok_empty(r);
}

#define SHELL(p)                                                                                               \
	{                                                                                                      \
		"GET", p, shell, RULE_PUBLIC, WEIR_DIALECT_DATABRICKS, "webUi", "getPage", WEIR_ROUTE_NO_AUDIT \
	}

/* Last in the module list: the shell's patterns start with a parameter-free segment but are
 * shorter than the router's index key, so they are tried after every API route. */
const weir_route weir_routes_ui[] = {
	{"POST", "/api/2.0/weir/ui/session", session_create, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "webUi",
	 "signIn", 0},
	{"GET", "/api/2.0/weir/ui/session", session_get, RULE_PUBLIC, WEIR_DIALECT_DATABRICKS, "webUi", "getSession",
	 WEIR_ROUTE_NO_AUDIT},
	{"DELETE", "/api/2.0/weir/ui/session", session_delete, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "webUi",
	 "signOut", 0},
	{"GET", "/api/2.0/weir/ui/oauth/login", weir_ui_oauth_login, RULE_PUBLIC, WEIR_DIALECT_DATABRICKS, "webUi",
	 "oauthSignInStart", 0},
	{"GET", "/api/2.0/weir/ui/oauth/callback", weir_ui_oauth_callback, RULE_PUBLIC, WEIR_DIALECT_DATABRICKS,
	 "webUi", "oauthSignIn", 0},
	{"GET", "/assets/{path*}", asset, RULE_PUBLIC, WEIR_DIALECT_DATABRICKS, "webUi", "getAsset",
	 WEIR_ROUTE_NO_AUDIT},
	SHELL("/"),
	SHELL("/signin"),
	SHELL("/explore"),
	SHELL("/explore/{path*}"),
	SHELL("/external"),
	SHELL("/external/{path*}"),
	SHELL("/lineage"),
	SHELL("/lineage/{path*}"),
	SHELL("/jobs"),
	SHELL("/jobs/{path*}"),
	SHELL("/sql"),
	SHELL("/models"),
	SHELL("/models/{path*}"),
	SHELL("/experiments"),
	SHELL("/experiments/{path*}"),
	SHELL("/compare"),
	SHELL("/admin"),
	SHELL("/admin/{path*}"),
	{0},
};
