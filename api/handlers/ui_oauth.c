/* The web UI's sign-in through an identity provider: the OAuth 2.0 authorization code flow
 * with PKCE (RFC 7636, S256) and `state`, for an OpenID Connect provider configured with
 * --oauth-authorize-url, --oauth-token-url, --oauth-client-id [--oauth-client-secret-file]
 * (all or none), whose id_tokens are verified with --jwks/--jwt-issuer/--jwt-audience.
 *
 * GET /api/2.0/weir/ui/oauth/login?next=/path stores a sign-in in flight (the PKCE verifier,
 * the redirect_uri, the path to return to) under the hash of a fresh `state`, gives the
 * browser `state` in a 10-minute cookie (HttpOnly, SameSite=Lax so that the provider's
 * top-level redirect back carries it, Path limited to these routes) and redirects to the
 * provider. GET .../oauth/callback?code&state checks the state against the cookie and the
 * stored row, exchanges the code at the token endpoint from the server (core/outbox.c's
 * client: https, plain http to loopback only), verifies the id_token exactly as an external
 * bearer JWT and maps its subject to the same principal (api/jwt.c), consumes the row (a
 * callback is good once), and ends in the same session cookie as the token sign-in (no
 * token behind it; it ends no later than the id_token), audited as webUi/oauthSignIn. Every
 * failure goes back to /signin?error=<message> (and is audited as a 401), never to an error
 * page. */
#include "api/app.h"
#include "api/auth.h"
#include "api/http.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/log.h"
#include "core/outbox.h"
#include "core/util.h"
#include "governance/sessions.h"

#define STATE_COOKIE "weir_oauth_state"
#define OAUTH_PATH "/api/2.0/weir/ui/oauth"
#define TOKEN_ANSWER_MAX (64 * 1024)
#define NEXT_MAX 2048
#define SERVER_FAILED "The server could not complete the sign-in; try again."

/* in ui.c's route table */
int weir_ui_oauth_login(weir_req *r);
int weir_ui_oauth_callback(weir_req *r);
/* api/handlers/ui.c: the session cookie exactly as the token sign-in sets it */
void weir_ui_session_cookie(weir_req *r, const char *value, int64_t max_age_s);
bool weir_ui_secure_request(weir_req *r);
/* api/request.c: gives the pooled connection back (the next weir_req_db takes another) */
void weir_req__release_db(weir_req *r);

/* ------------------------------------------------------------------ configuration */

static bool printable(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c <= 0x20 || *c == 0x7f)
			return false;
	return true;
}

int weir_ui_oauth_load(weir_app *app, weir_error *err)
{
	const weir_config *c = &app->cfg;
	int n = (c->oauth_authorize_url != NULL) + (c->oauth_token_url != NULL) + (c->oauth_client_id != NULL);
	app->oauth_enabled = false;
	app->oauth_client_secret[0] = '\0';
	if (n == 0 && c->oauth_client_secret_file == NULL)
		return 0;
	if (n != 3)
		return weir_error_set(err, WEIR_E_INVALID_ARGUMENT,
				      "--oauth-authorize-url, --oauth-token-url and --oauth-client-id go together "
				      "(--oauth-client-secret-file needs them too): give all three or none");
	if (app->jwks == NULL)
		return weir_error_set(err, WEIR_E_INVALID_ARGUMENT,
				      "--oauth-authorize-url needs --jwks FILE --jwt-issuer ISS --jwt-audience AUD to "
				      "verify the identity provider's id_token");
	if (weir_outbox_url_check(c->oauth_authorize_url) != WEIR_OUTBOX_URL_OK || strchr(c->oauth_authorize_url, '#'))
		return weir_error_set(
			err, WEIR_E_INVALID_ARGUMENT,
			"--oauth-authorize-url: expected https://host/path (plain http only to loopback), "
			"without a fragment");
	if (weir_outbox_url_check(c->oauth_token_url) != WEIR_OUTBOX_URL_OK)
		return weir_error_set(err, WEIR_E_INVALID_ARGUMENT,
				      "--oauth-token-url: expected https://host/path (plain http only to loopback)");
	if (!printable(c->oauth_client_id, 256))
		return weir_error_set(err, WEIR_E_INVALID_ARGUMENT,
				      "--oauth-client-id: 1 to 256 printable characters without spaces");
	if (c->oauth_client_secret_file) {
		FILE *f = fopen(c->oauth_client_secret_file, "r");
		if (f == NULL)
			return weir_error_set(err, WEIR_E_INVALID_ARGUMENT,
					      "--oauth-client-secret-file %s: cannot read it",
					      c->oauth_client_secret_file);
		size_t got = fread(app->oauth_client_secret, 1, sizeof(app->oauth_client_secret) - 1, f);
		bool more = fgetc(f) != EOF;
		fclose(f);
		app->oauth_client_secret[got] = '\0';
		while (got > 0 && strchr(" \t\r\n", app->oauth_client_secret[got - 1]))
			app->oauth_client_secret[--got] = '\0';
		if (more || got == 0 || strpbrk(app->oauth_client_secret, "\r\n")) {
			app->oauth_client_secret[0] = '\0';
			return weir_error_set(err, WEIR_E_INVALID_ARGUMENT,
					      "--oauth-client-secret-file %s: one line of 1 to 500 characters",
					      c->oauth_client_secret_file);
		}
	}
	app->oauth_enabled = true;
	weir_log_info("web UI sign-in through %s (client %s)", c->oauth_authorize_url, c->oauth_client_id);
	return 0;
}

/* ------------------------------------------------------------------ helpers */

/* RFC 3986 percent-encoding of everything but the unreserved characters (also right for
 * application/x-www-form-urlencoded values and RFC 6749 §2.3.1's client credentials). */
static void pct(weir_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		    strchr("-._~", *c)) {
			weir_buf_append(b, c, 1);
		} else {
			char e[3] = {'%', hex[*c >> 4], hex[*c & 15]};
			weir_buf_append(b, e, 3);
		}
	}
}

static char *arena_buf(weir_req *r, weir_buf *b)
{
	char *s = weir_arena_strdup(r->arena, b->data ? b->data : "");
	weir_buf_release(b);
	return s;
}

/* Only a path of this site: "/x", never "//host", "/\host", a scheme or a control character. */
static bool safe_next(const char *next)
{
	if (next == NULL || next[0] != '/' || next[1] == '/' || strlen(next) > NEXT_MAX || strchr(next, '\\'))
		return false;
	for (const unsigned char *c = (const unsigned char *)next; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return false;
	return true;
}

static void state_cookie(weir_req *r, const char *value, int max_age_s)
{
	weir_reply_header(r, "Set-Cookie",
			  weir_arena_printf(r->arena,
					    STATE_COOKIE "=%s; Path=" OAUTH_PATH "; Max-Age=%d; HttpOnly; "
							 "SameSite=Lax%s",
					    value, max_age_s, weir_ui_secure_request(r) ? "; Secure" : ""));
}

static int redirect(weir_req *r, const char *location)
{
	weir_reply_header(r, "Location", location);
	weir_reply_header(r, "Cache-Control", "no-store");
	weir_reply_header(r, "Referrer-Policy", "no-referrer");
	return weir_reply_static(r, 302, "text/plain; charset=utf-8", "", 0);
}

/* Back to the sign-in page with `message` (shown there as text) and the path to return to. */
static int fail(weir_req *r, const char *message, const char *next, bool audit)
{
	weir_req_rollback(r);
	if (audit) { /* a refused sign-in, as a refused token's 401 is */
		weir_error e = WEIR_ERROR_INIT;
		r->audit_params = weir_json_own(r->arena, json_object());
		if (weir_req_begin(r, &e) != 0 || weir_req_commit_status(r, 401, &e) != 0) {
			weir_req_rollback(r);
			weir_log_warn("rid=%s: audit row not written: %s", r->request_id, e.message);
		}
		r->audited = true;
	}
	weir_log_info("rid=%s: web UI sign-in through the identity provider refused: %s", r->request_id, message);
	state_cookie(r, "", 0);
	weir_buf b = {0};
	weir_buf_append(&b, "/signin?error=", 14);
	pct(&b, message);
	if (next && strcmp(next, "/") != 0) {
		weir_buf_append(&b, "&next=", 6);
		pct(&b, next);
	}
	return redirect(r, arena_buf(r, &b));
}

static int not_configured(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_error_set(&e, WEIR_E_NOT_FOUND, "Sign-in through an identity provider is not configured on this server.");
	return weir_reply_error(r, &e);
}

/* ------------------------------------------------------------------ the routes */

int weir_ui_oauth_login(weir_req *r)
{
	const weir_config *c = &r->app->cfg;
	if (!r->app->oauth_enabled)
		return not_configured(r);
	const char *next = weir_req_query(r, "next");
	if (next == NULL || *next == '\0')
		next = "/";
	if (!safe_next(next))
		return fail(r, "The page to return to must be a path of this site.", NULL, false);
	/* where the provider sends the browser back: this server as the browser reached it (the
	 * provider only accepts the redirect URIs registered for the client) */
	const char *host = weir_req_header(r, "Host");
	if (host == NULL || !printable(host, 255) || strpbrk(host, "/\\@?#")) {
		weir_error e = WEIR_ERROR_INIT;
		weir_error_set(&e, WEIR_E_INVALID_PARAMETER_VALUE, "The request has no valid Host header.");
		return weir_reply_error(r, &e);
	}
	const char *redirect_uri = weir_arena_printf(r->arena, "%s://%s" OAUTH_PATH "/callback",
						     weir_ui_secure_request(r) ? "https" : "http", host);
	weir_error e = WEIR_ERROR_INIT;
	weir_ui_oauth_start s;
	r->audit_params = weir_json_own(r->arena, json_pack("{s:s}", "next", next));
	if (weir_req_begin(r, &e) != 0 ||
	    weir_gov_ui_oauth_begin(weir_req_db(r), r->arena, redirect_uri, next, weir_now_ms(), &s, &e) != 0 ||
	    weir_req_commit(r, &e) != 0) {
		if (e.status == 503) /* too many in flight: the sign-in page says so */
			return fail(r, e.message, next, false);
		return weir_reply_error(r, &e);
	}
	unsigned char digest[32];
	unsigned dlen = 0;
	EVP_Digest(s.code_verifier, strlen(s.code_verifier), digest, &dlen, EVP_sha256(), NULL);
	const char *challenge = weir_b64url_encode(r->arena, digest, sizeof(digest));
	weir_buf b = {0};
	weir_buf_appendf(&b, "%s%sresponse_type=code&client_id=", c->oauth_authorize_url,
			 strchr(c->oauth_authorize_url, '?') ? "&" : "?");
	pct(&b, c->oauth_client_id);
	weir_buf_append(&b, "&redirect_uri=", 14);
	pct(&b, redirect_uri);
	weir_buf_appendf(&b, "&scope=openid&state=%s&code_challenge=%s&code_challenge_method=S256", s.state, challenge);
	state_cookie(r, s.state, (int)WEIR_UI_OAUTH_STATE_S);
	return redirect(r, arena_buf(r, &b));
}

/* The token endpoint's answer: the id_token, or NULL with *why set (a message for the user). */
static const char *exchange(weir_req *r, const char *code, const weir_ui_oauth_pending *p, const char **why)
{
	const weir_config *c = &r->app->cfg;
	weir_buf form = {0};
	weir_buf_append(&form, "grant_type=authorization_code&code=", 35);
	pct(&form, code);
	weir_buf_append(&form, "&redirect_uri=", 14);
	pct(&form, p->redirect_uri);
	weir_buf_append(&form, "&code_verifier=", 15);
	pct(&form, p->code_verifier);
	weir_buf_append(&form, "&client_id=", 11);
	pct(&form, c->oauth_client_id);
	const char *auth = NULL;
	if (r->app->oauth_client_secret[0]) { /* client_secret_basic (RFC 6749 §2.3.1) */
		weir_buf cred = {0};
		pct(&cred, c->oauth_client_id);
		weir_buf_append(&cred, ":", 1);
		pct(&cred, r->app->oauth_client_secret);
		auth = weir_arena_printf(r->arena, "Basic %s", weir_b64_encode(r->arena, cred.data, cred.len));
		weir_buf_release(&cred);
	}
	weir_buf answer = {0};
	weir_outbox_result res;
	weir_outbox_post_read(c->oauth_token_url, "application/x-www-form-urlencoded", form.data, auth, "weir-ui-oauth",
			      TOKEN_ANSWER_MAX, &answer, &res);
	weir_buf_release(&form);
	json_t *j = answer.data ? json_loadb(answer.data, answer.len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	weir_buf_release(&answer);
	if (j)
		weir_json_own(r->arena, j);
	if (res.status == 0) {
		weir_log_warn("rid=%s: identity provider token endpoint: %s", r->request_id, res.error);
		*why = "The identity provider could not be reached; try again.";
		return NULL;
	}
	const char *idp_error = json_string_value(json_object_get(j, "error"));
	if (res.status != 200 || idp_error) {
		const char *d = json_string_value(json_object_get(j, "error_description"));
		*why = weir_arena_printf(r->arena, "The identity provider refused the sign-in (%.64s%s%.200s).",
					 idp_error ? idp_error : weir_arena_printf(r->arena, "HTTP %d", res.status),
					 d ? ": " : "", d ? d : "");
		return NULL;
	}
	const char *id_token = json_string_value(json_object_get(j, "id_token"));
	if (id_token == NULL || *id_token == '\0') {
		*why = "The identity provider answered no id_token (is the openid scope allowed for this client?).";
		return NULL;
	}
	return id_token;
}

int weir_ui_oauth_callback(weir_req *r)
{
	if (!r->app->oauth_enabled)
		return not_configured(r);
	r->audit_params = weir_json_own(r->arena, json_object()); /* never the code or the state */
	const char *state = weir_req_query(r, "state");
	const char *cookie = weir_req_cookie(r, STATE_COOKIE);
	if (state == NULL || cookie == NULL || strlen(state) != 64 || strcmp(state, cookie) != 0)
		return fail(r, "The sign-in could not be matched to this browser (state mismatch); start again.", NULL,
			    true);
	weir_error e = WEIR_ERROR_INIT;
	weir_ui_oauth_pending p;
	int64_t now = weir_now_ms();
	int found = weir_gov_ui_oauth_find(weir_req_db(r), r->arena, state, now, &p, &e);
	if (found < 0)
		return fail(r, SERVER_FAILED, NULL, false);
	if (found == 0)
		return fail(r, "This sign-in has expired or was already used; start again.", NULL, true);
	const char *next = p.next_path;
	const char *idp_error = weir_req_query(r, "error");
	if (idp_error) {
		const char *d = weir_req_query(r, "error_description");
		return fail(r,
			    weir_arena_printf(r->arena, "The identity provider refused the sign-in (%.64s%s%.200s).",
					      idp_error, d ? ": " : "", d ? d : ""),
			    next, true);
	}
	const char *code = weir_req_query(r, "code");
	if (code == NULL || *code == '\0' || strlen(code) > 4096)
		return fail(r, "The identity provider sent no authorization code.", next, true);
	/* no pooled connection or snapshot is held while the provider answers (up to 5 s) */
	weir_req__release_db(r);
	const char *why = NULL;
	const char *id_token = exchange(r, code, &p, &why);
	if (id_token == NULL)
		return fail(r, why, next, true);
	bool unknown_user = false;
	weir_principal *who = weir_jwt_verify_id_token(r, id_token, &unknown_user);
	if (who == NULL)
		return fail(r,
			    unknown_user
				    ? "Your identity provider account is not an active user of this Weir workspace."
				    : "The identity provider's id_token could not be verified.",
			    next, true);
	r->principal = who;
	r->audit_params = weir_json_own(r->arena, json_pack("{s:s}", "next", next));
	weir_ui_session s;
	if (weir_req_begin(r, &e) != 0)
		return fail(r, SERVER_FAILED, next, false);
	int taken = weir_gov_ui_oauth_consume(weir_req_db(r), state, &e);
	if (taken < 0)
		return fail(r, SERVER_FAILED, next, false);
	if (taken == 0) /* another callback with this state got there first */
		return fail(r, "This sign-in has expired or was already used; start again.", next, true);
	if (weir_gov_ui_session_create_idp(weir_req_db(r), r->arena, who, now, who->credential_expiry_ms, &s, &e) !=
		    0 ||
	    weir_req_commit(r, &e) != 0) {
		weir_log_warn("rid=%s: web UI sign-in not recorded: %s", r->request_id, e.message);
		return fail(r, SERVER_FAILED, next, false);
	}
	state_cookie(r, "", 0);
	weir_ui_session_cookie(r, s.id, (s.expires_at - now) / 1000);
	return redirect(r, next);
}
