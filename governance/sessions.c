/* Web UI sessions: the rules (who may get one, how long it lives, what it authenticates as).
 * See governance/sessions.h; SQL in sessions_store.c. */
#include "governance/sessions.h"
#include "governance/gov_store.h"
#include "governance/gov_int.h"

#include <string.h>

#include "core/util.h"

/* The cookie value: the prefix and 64 lower-case hex characters; anything else is not a
 * session id and is refused before a lookup. */
static bool well_formed(const char *id)
{
	size_t plen = strlen(WEIR_UI_SESSION_PREFIX);
	if (id == NULL || strncmp(id, WEIR_UI_SESSION_PREFIX, plen) != 0 || strlen(id) != plen + 64)
		return false;
	for (const char *c = id + plen; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
			return false;
	return true;
}

static int session_insert(weir_db *db, weir_arena *a, const weir_principal *p, const char *token_id, int64_t now_ms,
			  int64_t expires, weir_ui_session *out, weir_error *err);

int weir_gov_ui_session_create(weir_db *db, weir_arena *a, const weir_principal *p, int64_t now_ms, int64_t lifetime_s,
			       weir_ui_session *out, weir_error *err)
{
	if (p->token_id == NULL || p->auth_method == NULL || strcmp(p->auth_method, "pat") != 0)
		return weir_error_set(err, WEIR_E_INVALID_STATE,
				      "Sign in with a personal access token in the Authorization header.");
	if (lifetime_s < 0 || lifetime_s > WEIR_UI_SESSION_MAX_S)
		return weir_error_field(
			err, WEIR_E_INVALID_PARAMETER_VALUE, "lifetime_seconds",
			"Invalid value for 'lifetime_seconds': 1 to %lld seconds, 0 for the default (%lld)",
			(long long)WEIR_UI_SESSION_MAX_S, (long long)WEIR_UI_SESSION_DEFAULT_S);
	int64_t life_ms = (lifetime_s ? lifetime_s : WEIR_UI_SESSION_DEFAULT_S) * 1000;
	int64_t expires = now_ms + life_ms;
	if (p->credential_expiry_ms > 0 && p->credential_expiry_ms < expires)
		expires = p->credential_expiry_ms; /* never outlives the token it came from */
	if (expires <= now_ms)
		return weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid access token.");
	return session_insert(db, a, p, p->token_id, now_ms, expires, out, err);
}

/* A new session row for p (token_id NULL: none) ending at `expires`; the caller checked it. */
static int session_insert(weir_db *db, weir_arena *a, const weir_principal *p, const char *token_id, int64_t now_ms,
			  int64_t expires, weir_ui_session *out, weir_error *err)
{
	char secret[65], csrf[65];
	weir_random_hex(secret, 32);
	weir_random_hex(csrf, 32);
	char *id = weir_arena_printf(a, WEIR_UI_SESSION_PREFIX "%s", secret);
	if (weir_gov_store_ui_purge(db, WEIR_GOV_UI_SESSION, now_ms, err) != 0 ||
	    weir_gov_store_ui_session_insert(db, weir_gov__secret_hash(a, id), p->id, p->workspace_id, token_id, csrf,
					     now_ms, expires, err) != 0)
		return -1;
	out->id = id;
	out->csrf_token = weir_arena_strdup(a, csrf);
	out->created_at = now_ms;
	out->expires_at = expires;
	return 0;
}

int weir_gov_ui_session_create_idp(weir_db *db, weir_arena *a, const weir_principal *p, int64_t now_ms,
				   int64_t until_ms, weir_ui_session *out, weir_error *err)
{
	int64_t expires = now_ms + WEIR_UI_SESSION_DEFAULT_S * 1000;
	if (until_ms > 0 && until_ms < expires)
		expires = until_ms; /* never outlives the id_token it came from */
	if (expires <= now_ms)
		return weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid access token.");
	return session_insert(db, a, p, NULL, now_ms, expires, out, err);
}

int weir_gov_ui_oauth_begin(weir_db *db, weir_arena *a, const char *redirect_uri, const char *next_path, int64_t now_ms,
			    weir_ui_oauth_start *out, weir_error *err)
{
	char state[65], verifier[65];
	weir_random_hex(state, 32);
	weir_random_hex(verifier, 32); /* 64 characters of [0-9a-f]: RFC 7636 §4.1 allows 43 to 128 */
	if (weir_gov_store_ui_purge(db, WEIR_GOV_UI_OAUTH, now_ms, err) != 0)
		return -1;
	int64_t pending = weir_gov_store_ui_oauth_count(db, now_ms, err);
	if (pending < 0)
		return -1;
	if (pending >= WEIR_UI_OAUTH_MAX_PENDING)
		return weir_error_set(err, WEIR_E_TEMPORARILY_UNAVAILABLE,
				      "Too many sign-ins are in progress; try again in a minute.");
	if (weir_gov_store_ui_oauth_insert(db, weir_gov__secret_hash(a, state), verifier, redirect_uri, next_path,
					   now_ms, now_ms + WEIR_UI_OAUTH_STATE_S * 1000, err) != 0)
		return -1;
	out->state = weir_arena_strdup(a, state);
	out->code_verifier = weir_arena_strdup(a, verifier);
	return 0;
}

static bool state_ok(const char *state)
{
	return state && strlen(state) == 64 && strspn(state, "0123456789abcdef") == 64;
}

int weir_gov_ui_oauth_find(weir_db *db, weir_arena *a, const char *state, int64_t now_ms, weir_ui_oauth_pending *out,
			   weir_error *err)
{
	if (!state_ok(state))
		return 0;
	weir_gov_ui_oauth_row row;
	int found = weir_gov_store_ui_oauth_get(db, a, weir_gov__secret_hash(a, state), &row, err);
	if (found <= 0)
		return found;
	if (row.expires_at <= now_ms)
		return 0;
	out->code_verifier = row.code_verifier;
	out->redirect_uri = row.redirect_uri;
	out->next_path = row.next_path;
	return 1;
}

/* Deletes the record of `kind` kept for `secret`: rows deleted (0 or 1), or -1. */
static int64_t delete_by_secret(weir_db *db, weir_gov_ui_kind kind, const char *secret, weir_error *err)
{
	char hash[65];
	weir_sha256_hex(secret, strlen(secret), hash);
	return weir_gov_store_ui_delete(db, kind, hash, err);
}

int weir_gov_ui_oauth_consume(weir_db *db, const char *state, weir_error *err)
{
	if (!state_ok(state))
		return 0;
	int64_t n = delete_by_secret(db, WEIR_GOV_UI_OAUTH, state, err);
	return n < 0 ? -1 : n > 0;
}

weir_principal *weir_gov_ui_session_authenticate(weir_db *db, weir_arena *a, const char *id, int64_t now_ms,
						 const char **csrf_token, int64_t *expires_at, weir_error *err)
{
	if (!well_formed(id)) {
		weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid session: sign in again.");
		return NULL;
	}
	weir_gov_ui_session_row row = {0};
	int found = weir_gov_store_ui_session_get(db, a, weir_gov__secret_hash(a, id), &row, err);
	weir_gov_credential cred = {
		.found = found,
		.expired = row.expires_at <= now_ms,
		.principal_id = row.principal_id,
		.workspace_id = row.workspace_id,
		.invalid = "Invalid session: sign in again.",
	};
	weir_principal *p = weir_gov__credential_principal(db, a, &cred, err);
	if (p == NULL)
		return NULL;
	p->token_id = row.token_id;
	p->credential_expiry_ms = row.expires_at;
	p->auth_method = "session";
	*csrf_token = row.csrf_token;
	if (expires_at)
		*expires_at = row.expires_at;
	return p;
}

int weir_gov_ui_session_delete(weir_db *db, const char *id, weir_error *err)
{
	if (!well_formed(id))
		return weir_error_set(err, WEIR_E_NOT_FOUND, "Session not found.");
	int64_t n = delete_by_secret(db, WEIR_GOV_UI_SESSION, id, err);
	if (n < 0)
		return -1;
	if (n == 0)
		return weir_error_set(err, WEIR_E_NOT_FOUND, "Session not found.");
	return 0;
}
