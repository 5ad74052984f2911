/* Web UI sessions: a browser that signed in with a personal access token holds a session
 * cookie instead of the token. A session is the token's principal and workspace, for at most
 * the token's own lifetime; it ends when it expires, when it is signed out (deleted), or when
 * its token or principal is deleted (the row cascades). Only the SHA-256 hash of the session
 * id (the cookie value) is stored. Each session carries a CSRF token that every mutation made
 * with the cookie must send back (api/server.c checks it). A browser may also sign in through
 * an identity provider (api/handlers/ui_oauth.c): that session has no token and ends no later
 * than the provider's id_token. SQL in sessions_store.c. */
#ifndef WEIR_GOVERNANCE_SESSIONS_H
#define WEIR_GOVERNANCE_SESSIONS_H

#include <stdint.h>

#include "governance/governance.h"

#define WEIR_UI_SESSION_COOKIE "weir_session"
#define WEIR_UI_SESSION_PREFIX "wses_" /* the cookie value: prefix + 64 hex characters */
#define WEIR_UI_SESSION_DEFAULT_S (12LL * 3600) /* lifetime when none is asked */
#define WEIR_UI_SESSION_MAX_S (7LL * 24 * 3600)
#define WEIR_UI_OAUTH_STATE_S 600 /* an identity-provider sign-in must come back within this */
/* Sign-ins in flight at once: anyone may start one (no credentials yet), so their rows are
 * bounded; past it a start is 503 TEMPORARILY_UNAVAILABLE until some end or expire. */
#define WEIR_UI_OAUTH_MAX_PENDING 10000

typedef struct weir_ui_session {
	const char *id; /* the cookie value; only known at creation (NULL afterwards) */
	const char *csrf_token;
	int64_t created_at, expires_at; /* epoch ms */
} weir_ui_session;

/* Creates a session for p, who authenticated with a personal access token (p->token_id);
 * any other credential: 400 INVALID_STATE. lifetime_s 0 means WEIR_UI_SESSION_DEFAULT_S;
 * negative or above WEIR_UI_SESSION_MAX_S: 400 naming lifetime_seconds. The session ends no
 * later than p's credential (p->credential_expiry_ms). Removes expired sessions on the way.
 * Runs in the caller's write transaction; out's strings are arena memory. */
int weir_gov_ui_session_create(weir_db *db, weir_arena *a, const weir_principal *p, int64_t now_ms, int64_t lifetime_s,
			       weir_ui_session *out, weir_error *err);

/* The principal of session `id` (a cookie value), loaded as weir_gov_token_authenticate
 * loads a token's: unknown, malformed, expired, or a principal deactivated or no longer in
 * the session's workspace: NULL with 401 UNAUTHENTICATED (one message for all). Sets
 * p->auth_method "session", p->token_id (the token the session came from) and
 * p->credential_expiry_ms (the session's end); *csrf_token (arena) for the CSRF check. */
weir_principal *weir_gov_ui_session_authenticate(weir_db *db, weir_arena *a, const char *id, int64_t now_ms,
						 const char **csrf_token, int64_t *expires_at, weir_error *err);

/* Creates a session for p, who proved who they are to the identity provider (an id_token
 * verified by api/jwt.c): no personal access token; it ends at until_ms (the id_token's exp;
 * 0: none) or after WEIR_UI_SESSION_DEFAULT_S, whichever is first. Runs in the caller's write
 * transaction; out's strings are arena memory. */
int weir_gov_ui_session_create_idp(weir_db *db, weir_arena *a, const weir_principal *p, int64_t now_ms,
				   int64_t until_ms, weir_ui_session *out, weir_error *err);

/* An identity-provider sign-in in flight: `state` (64 hex characters) and the PKCE
 * code_verifier, both arena memory; the database keeps the verifier, the redirect_uri and
 * the path to return to under the hash of state for WEIR_UI_OAUTH_STATE_S. */
typedef struct weir_ui_oauth_start {
	const char *state, *code_verifier;
} weir_ui_oauth_start;
int weir_gov_ui_oauth_begin(weir_db *db, weir_arena *a, const char *redirect_uri, const char *next_path, int64_t now_ms,
			    weir_ui_oauth_start *out, weir_error *err);

/* The sign-in started with `state`: 1 (into out, arena strings), 0 for an unknown, malformed,
 * expired or already consumed state, -1 when the database failed. */
typedef struct weir_ui_oauth_pending {
	const char *code_verifier, *redirect_uri, *next_path;
} weir_ui_oauth_pending;
int weir_gov_ui_oauth_find(weir_db *db, weir_arena *a, const char *state, int64_t now_ms, weir_ui_oauth_pending *out,
			   weir_error *err);
/* Consumes it, in the caller's write transaction: 1 once, 0 afterwards (or for a malformed
 * state), -1 when the database failed. So a callback signs in at most once. */
int weir_gov_ui_oauth_consume(weir_db *db, const char *state, weir_error *err);

/* Ends session `id` (sign-out); 404 when there is none. Runs in the caller's write transaction. */
int weir_gov_ui_session_delete(weir_db *db, const char *id, weir_error *err);

#endif
