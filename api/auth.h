/* Authentication: turns the Authorization header into a principal. Personal access tokens
 * (dapi...) are looked up by hash on every request, so a revocation takes effect at once.
 * JWTs are verified in api/jwt.c (internal HS256, external RS256/ES256 via a JWKS file). */
#ifndef WEIR_API_AUTH_H
#define WEIR_API_AUTH_H

#include "api/app.h"
#include "api/http.h"

#define WEIR_AUTH_HEADER_MAX 8192

/* The caller of r, or NULL with 401 UNAUTHENTICATED in err: the Authorization header's
 * bearer token, or without one the web UI's session cookie (then r->session_id,
 * r->session_csrf and r->session_expires are set; the CSRF check is the caller's). */
weir_principal *weir_auth_request(weir_req *r, weir_error *err);

/* JWT verification (api/jwt.c): returns the principal of a valid token or NULL (401). */
weir_principal *weir_jwt_authenticate(weir_req *r, const char *token, weir_error *err);

/* The principal of an id_token the identity provider answered to the web UI's sign-in
 * (api/handlers/ui_oauth.c), verified exactly as an external bearer JWT (a --jwks key, the
 * algorithm pinned, exp/nbf/iat, --jwt-issuer, --jwt-audience) and mapped the same way (`sub`
 * is a user's userName, `workspace` or the default one); internal tokens are refused. NULL
 * when refused, with *unknown_user set when the token was valid but names no active user of
 * the workspace. p->credential_expiry_ms is the token's exp. */
weir_principal *weir_jwt_verify_id_token(weir_req *r, const char *token, bool *unknown_user);

/* The web UI's sign-in through an identity provider (--oauth-authorize-url, --oauth-token-url,
 * --oauth-client-id, optional --oauth-client-secret-file; all or none, and it needs --jwks):
 * refuses to start on a partial or invalid configuration; no-op when none is given
 * (api/handlers/ui_oauth.c). */
int weir_ui_oauth_load(weir_app *app, weir_error *err);

/* Loads --jwks FILE (RSA and P-256 EC keys, algorithm pinned per key); refuses to start on a
 * file without a usable key or without --jwt-issuer/--jwt-audience. No-op without --jwks. */
int weir_jwks_load(weir_app *app, weir_error *err);
/* Issues an internal HS256 token (iss/aud "weir") for `sub`, issued at `now` and expiring at
 * `exp` (seconds since the epoch). Arena memory. */
char *weir_jwt_issue(const weir_app *app, weir_arena *a, const char *sub, const char *workspace, int64_t now,
		     int64_t exp, weir_error *err);

/* The expiry (ms since the epoch) of a credential minted at now_ms for the caller of r, who
 * asked for asked_s seconds in request member `field`: 0 (or absent) means the server's cap
 * (--token-max-lifetime), more than the cap is the cap, negative is 400
 * INVALID_PARAMETER_VALUE naming the field. Never later than the caller's own credential
 * ends (r->principal->credential_expiry_ms): a token cannot mint one that outlives it. */
int weir_auth_mint_expiry(const weir_req *r, int64_t asked_s, const char *field, int64_t now_ms, int64_t *expiry_ms,
			  weir_error *err);

/* What a request to mint a token says besides whom it is for (POST /token/create and the
 * on-behalf-of route): lifetime_seconds made an expiry by weir_auth_mint_expiry, a comment of
 * at most 1024 characters, the workspace named (NULL: none). Borrowed from body. */
typedef struct weir_mint_args {
	int64_t now_ms, expiry_ms;
	const char *comment, *workspace;
} weir_mint_args;
int weir_auth_mint_args(const weir_req *r, json_t *body, weir_mint_args *out, weir_error *err);

#endif
