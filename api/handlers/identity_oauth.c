/* OAuth machine-to-machine login for service principals, as the Databricks SDKs' `oauth-m2m`
 * auth type expects it: the discovery document at /oidc/.well-known/oauth-authorization-server
 * and the client_credentials grant at /oidc/v1/token (RFC 6749 §4.4), with the client
 * authenticated by HTTP Basic or by client_id/client_secret in the form body (not both).
 * The answer is an internal HS256 JWT (api/jwt.c) valid for an hour, or less when
 * --token-max-lifetime is shorter or the client secret expires sooner. Each successful login
 * writes an audit row in its own transaction; failed ones are audited by the server. Secrets
 * never reach the log or the audit row (request_params are built here, without them). */
#include "api/auth.h"
#include "api/http.h"
#include "core/util.h"
#include "api/app.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "governance/identity.h"

#define OAUTH_TTL_S 3600
#define OAUTH_MAX_PARAMS 16

/* declared in identity.c's table */
int weir_identity_oauth_token(weir_req *r);
int weir_identity_oauth_discovery(weir_req *r);
int weir_identity_host_metadata(weir_req *r);

/* An OAuth error with its RFC 6749 `error` code (the dialect maps only 400/401). */
static int oauth_error(weir_req *r, int status, const char *code, const char *desc)
{
	weir_error e;
	weir_error_set_status(&e, status, status == 401 ? WEIR_E_UNAUTHENTICATED : WEIR_E_INVALID_PARAMETER_VALUE, "%s",
			      desc);
	weir_reply_error(r, &e);
	weir_reply_json(r, status, json_pack("{s:s, s:s}", "error", code, "error_description", desc));
	if (status == 401)
		weir_reply_header(r, "WWW-Authenticate", "Basic realm=\"weir\"");
	return 0;
}

/* application/x-www-form-urlencoded decoding into the arena; NULL on a bad escape or NUL. */
static char *form_decode(weir_arena *a, const char *s, size_t n)
{
	char *out = weir_arena_alloc(a, n + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= n)
				return NULL;
			int h = weir_hexval(s[i + 1]), l = weir_hexval(s[i + 2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0))
				return NULL;
			out[o++] = (char)(h * 16 + l);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

struct form {
	int n;
	const char *k[OAUTH_MAX_PARAMS], *v[OAUTH_MAX_PARAMS];
};

static int form_parse(weir_arena *a, const char *body, size_t len, struct form *f)
{
	f->n = 0;
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && body[j] != '&')
			j++;
		if (j > i) {
			const char *eq = memchr(body + i, '=', j - i);
			size_t kl = eq ? (size_t)(eq - (body + i)) : j - i;
			if (f->n == OAUTH_MAX_PARAMS)
				return -1;
			const char *k = form_decode(a, body + i, kl);
			const char *v = eq ? form_decode(a, eq + 1, (size_t)(body + j - eq - 1)) : "";
			if (k == NULL || v == NULL)
				return -1;
			for (int d = 0; d < f->n; d++)
				if (strcmp(f->k[d], k) == 0)
					return -1; /* RFC 6749 §3.2: no parameter twice */
			f->k[f->n] = k;
			f->v[f->n] = v;
			f->n++;
		}
		i = j + 1;
	}
	return 0;
}

static const char *form_get(const struct form *f, const char *k)
{
	for (int i = 0; i < f->n; i++)
		if (strcmp(f->k[i], k) == 0)
			return f->v[i];
	return NULL;
}

/* "Basic base64(id:secret)" → id and secret (arena); -1 if malformed. */
static int basic_creds(weir_arena *a, const char *h, const char **id, const char **secret)
{
	if (strncasecmp(h, "Basic ", 6) != 0)
		return -1;
	const char *b = h + 6;
	while (*b == ' ')
		b++;
	size_t n = strlen(b);
	if (n == 0 || n % 4 != 0 || n > 2048)
		return -1;
	unsigned char *out = weir_arena_alloc(a, n / 4 * 3 + 1);
	int len = EVP_DecodeBlock(out, (const unsigned char *)b, (int)n);
	if (len < 0)
		return -1;
	while (len > 0 && n > 0 && b[n - 1] == '=') { /* EVP_DecodeBlock counts the padding */
		len--;
		n--;
	}
	out[len] = '\0';
	if (memchr(out, '\0', (size_t)len))
		return -1;
	char *colon = strchr((char *)out, ':');
	if (colon == NULL)
		return -1;
	*colon = '\0';
	*id = (const char *)out;
	*secret = colon + 1;
	return 0;
}

int weir_identity_oauth_token(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *ct = weir_req_header(r, "Content-Type");
	struct form f;
	if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
		return oauth_error(r, 400, "invalid_request", "The body must be application/x-www-form-urlencoded.");
	if (form_parse(r->arena, r->body ? r->body : "", r->body_len, &f) != 0)
		return oauth_error(r, 400, "invalid_request", "Malformed form body.");
	const char *grant = form_get(&f, "grant_type"), *scope = form_get(&f, "scope");
	const char *client_id = form_get(&f, "client_id"), *secret = form_get(&f, "client_secret");
	const char *workspace = form_get(&f, "workspace");
	const char *authz = weir_req_header(r, "Authorization");
	const char *method = "client_secret_post";
	if (authz && *authz) {
		const char *bid = NULL, *bsecret = NULL;
		if (secret != NULL || basic_creds(r->arena, authz, &bid, &bsecret) != 0 ||
		    (client_id && strcmp(client_id, bid) != 0))
			return oauth_error(r, 401, "invalid_client", "Invalid client credentials.");
		client_id = bid;
		secret = bsecret;
		method = "client_secret_basic";
	}
	/* request_params of the audit row: never the secret */
	json_t *params = weir_json_own(r->arena, json_object());
	json_object_set_new(params, "grant_type", weir_json_str_or_null(grant));
	json_object_set_new(params, "client_id", weir_json_str_or_null(client_id));
	json_object_set_new(params, "scope", weir_json_str_or_null(scope));
	json_object_set_new(params, "auth_method", json_string(method));
	if (workspace)
		json_object_set_new(params, "workspace", weir_json_str_or_null(workspace));
	r->audit_params = params;

	if (grant == NULL)
		return oauth_error(r, 400, "invalid_request", "grant_type is required.");
	if (strcmp(grant, "client_credentials") != 0)
		return oauth_error(r, 400, "unsupported_grant_type",
				   "Only grant_type=client_credentials is supported.");
	if (scope) {
		for (const char *s = scope; *s;) {
			while (*s == ' ')
				s++;
			size_t n = strcspn(s, " ");
			if (n && !(n == 8 && strncmp(s, "all-apis", 8) == 0))
				return oauth_error(r, 400, "invalid_scope", "Only the scope all-apis is supported.");
			s += n;
		}
	}
	if (client_id == NULL || secret == NULL)
		return oauth_error(r, 401, "invalid_client", "Invalid client credentials.");
	weir_db *db = weir_req_db(r);
	int64_t secret_expiry;
	int64_t sp = weir_id_sp_authenticate_until(db, client_id, secret, &secret_expiry, &e);
	if (sp < 0)
		return oauth_error(r, 401, "invalid_client", "Invalid client credentials.");
	int64_t ws = workspace ? weir_gov_workspace_id(db, workspace, &e) : WEIR_DEFAULT_WORKSPACE_ID;
	weir_principal *p = ws < 0 ? NULL : weir_gov_principal_load(db, r->arena, sp, ws, &e);
	if (p == NULL || !weir_gov_workspace_member(db, ws, p))
		return oauth_error(r, 400, "invalid_request", "The client is not assigned to that workspace.");
	r->principal = p; /* the audit row names who logged in */
	p->auth_method = "oauth";
	/* an hour, or less: the server's cap, and never past the secret's own expiry */
	p->credential_expiry_ms = secret_expiry;
	int64_t now_ms = weir_now_ms(), exp_ms;
	if (weir_auth_mint_expiry(r, OAUTH_TTL_S, "lifetime", now_ms, &exp_ms, &e) != 0)
		return oauth_error(r, 401, "invalid_client", "Invalid client credentials.");
	int64_t now = now_ms / 1000, exp = exp_ms / 1000; /* JWT times are whole seconds: round down */
	if (exp <= now)
		return oauth_error(r, 401, "invalid_client", "Invalid client credentials.");
	char *tok = weir_jwt_issue(r->app, r->arena, p->name, p->workspace_name, now, exp, &e);
	if (tok == NULL)
		return weir_reply_error(r, &e);
	if (weir_req_begin(r, &e) != 0 || weir_req_commit(r, &e) != 0)
		return weir_reply_error(r, &e);
	weir_reply_header(r, "Cache-Control", "no-store");
	weir_reply_header(r, "Pragma", "no-cache");
	return weir_reply_json(r, 200,
			       json_pack("{s:s, s:s, s:I, s:s}", "access_token", tok, "token_type", "Bearer",
					 "expires_in", (json_int_t)(exp - now), "scope", "all-apis"));
}

/* The Host header if it is a plain host[:port], else the address we listen on. */
static const char *base_url(weir_req *r)
{
	const char *host = weir_req_header(r, "Host");
	bool ok = host && *host && strlen(host) < 256;
	for (const char *c = host; ok && *c; c++)
		ok = isalnum((unsigned char)*c) || strchr(".-:[]", *c) != NULL;
	const char *proto = weir_req_header(r, "X-Forwarded-Proto");
	const char *scheme = proto && strcasecmp(proto, "https") == 0 ? "https" : "http";
	if (ok)
		return weir_arena_printf(r->arena, "%s://%s", scheme, host);
	return weir_arena_printf(r->arena, "%s://%s:%u", scheme, r->app->cfg.listen_host, r->app->bound_port);
}

int weir_identity_oauth_discovery(weir_req *r)
{
	const char *b = base_url(r);
	json_t *doc = json_pack("{s:s, s:s, s:s, s:[s], s:[s,s], s:[s], s:[s], s:[s]}", "issuer",
				weir_arena_printf(r->arena, "%s/oidc", b), "authorization_endpoint",
				weir_arena_printf(r->arena, "%s/oidc/v1/authorize", b), "token_endpoint",
				weir_arena_printf(r->arena, "%s/oidc/v1/token", b), "grant_types_supported",
				"client_credentials", "token_endpoint_auth_methods_supported", "client_secret_basic",
				"client_secret_post", "scopes_supported", "all-apis", "response_types_supported",
				"code", "token_endpoint_auth_signing_alg_values_supported", "HS256");
	return weir_reply_json(r, 200, doc);
}

/* GET /.well-known/databricks-config: the host metadata the Databricks SDKs read on every
 * client creation (Python: config.py's host metadata; Go: HostMetadata). A workspace answers
 * its OIDC endpoint (the SDK's discovery_url: OAuth M2M finds /oidc/v1/token through it), its
 * workspace id and host_type "workspace". Weir's host is its default workspace; it has no
 * account and no cloud, so account_id and cloud are left out (both optional). */
int weir_identity_host_metadata(weir_req *r)
{
	const char *b = base_url(r);
	json_t *doc = json_pack("{s:s, s:s, s:s}", "oidc_endpoint", weir_arena_printf(r->arena, "%s/oidc", b),
				"workspace_id", weir_arena_printf(r->arena, "%d", WEIR_DEFAULT_WORKSPACE_ID),
				"host_type", "workspace");
	return weir_reply_json(r, 200, doc);
}
