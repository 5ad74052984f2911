/* Personal access tokens: minting (a random secret with the WEIR_TOKEN_PREFIX, stored only
 * as its SHA-256 hash), authentication of a bearer token (unknown, expired, a deactivated
 * principal or one no longer in the token's workspace: one 401 for all), listing and
 * deleting. SQL in tokens_store.c. */
#include "governance/gov_store.h"
#include "governance/gov_int.h"

#include <string.h>

#include "core/util.h"

const char *weir_gov__secret_hash(weir_arena *a, const char *secret)
{
	char *hash = weir_arena_alloc(a, 65);
	weir_sha256_hex(secret, strlen(secret), hash);
	return hash;
}

weir_principal *weir_gov__credential_principal(weir_db *db, weir_arena *a, const weir_gov_credential *c,
					       weir_error *err)
{
	if (c->found < 0)
		return NULL;
	if (c->found > 0 && !c->expired) {
		weir_principal *p = weir_gov_principal_load(db, a, c->principal_id, c->workspace_id, err);
		if (p == NULL && c->keep_load_error)
			return NULL;
		if (p != NULL && weir_gov_workspace_member(db, c->workspace_id, p))
			return p;
	}
	weir_error_set(err, WEIR_E_UNAUTHENTICATED, "%s", c->invalid);
	return NULL;
}

/* The principal of a bearer token: from the per-thread credential cache while nothing it was
 * derived from has changed (authz_cache.c; the stamp is read before the rows it stamps),
 * else from the token's row. An expired token is refused either way. */
weir_principal *weir_gov_token_authenticate(weir_db *db, weir_arena *a, const char *token, weir_error *err)
{
	const char *hash = weir_gov__secret_hash(a, token);
	weir_gov_stamp stamp;
	bool cacheable = weir_gov__stamp(db, &stamp);
	int64_t expiry = -1;
	weir_principal *p = cacheable ? weir_gov__cred_cache_get(&stamp, hash, a, &expiry) : NULL;
	if (p != NULL) {
		if (expiry >= 0 && expiry <= weir_now_ms()) {
			weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid access token.");
			return NULL;
		}
	} else {
		weir_gov_token_row row = {0};
		int found = weir_gov_store_token_by_hash(db, a, hash, &row, err);
		weir_gov_credential cred = {
			.found = found,
			.expired = found > 0 && row.expiry_time >= 0 && row.expiry_time <= weir_now_ms(),
			.principal_id = row.principal_id,
			.workspace_id = row.workspace_id,
			.invalid = "Invalid access token.",
			.keep_load_error = true,
		};
		p = weir_gov__credential_principal(db, a, &cred, err);
		if (p == NULL)
			return NULL;
		p->token_id = row.id;
		expiry = row.expiry_time;
		if (cacheable)
			weir_gov__cred_cache_put(&stamp, hash, p, expiry);
	}
	p->credential_expiry_ms = expiry >= 0 ? expiry : 0;
	p->auth_method = "pat";
	return p;
}

int weir_gov_token_create(weir_db *db, weir_arena *a, int64_t principal_id, int64_t workspace_id, int64_t lifetime_s,
			  const char *comment, char **value, weir_token_info *info, weir_error *err)
{
	int64_t now = weir_now_ms();
	if (lifetime_s > (INT64_MAX - now) / 1000)
		lifetime_s = (INT64_MAX - now) / 1000;
	return weir_gov_token_create_until(db, a, principal_id, workspace_id, now,
					   lifetime_s > 0 ? now + lifetime_s * 1000 : -1, comment, value, info, err);
}

int weir_gov_token_create_until(weir_db *db, weir_arena *a, int64_t principal_id, int64_t workspace_id, int64_t now,
				int64_t expiry, const char *comment, char **value, weir_token_info *info,
				weir_error *err)
{
	char secret[33], id[33];
	weir_random_hex(secret, 16);
	weir_random_hex(id, 16);
	char *tok = weir_arena_printf(a, WEIR_TOKEN_PREFIX "%s", secret);
	if (weir_gov_store_token_insert(db, id, principal_id, weir_gov__secret_hash(a, tok), comment, now, expiry,
					workspace_id, err) != 0)
		return -1;
	*value = tok;
	if (info) {
		info->token_id = weir_arena_strdup(a, id);
		info->comment = comment ? weir_arena_strdup(a, comment) : NULL;
		info->creation_time = now;
		info->expiry_time = expiry;
		info->principal_id = principal_id;
		info->workspace_id = workspace_id;
	}
	return 0;
}

json_t *weir_gov_token_list(weir_db *db, int64_t principal_id, weir_error *err)
{
	return weir_gov_store_token_list(db, principal_id, err);
}

int weir_gov_token_delete(weir_db *db, const char *token_id, int64_t principal_id, weir_error *err)
{
	int64_t n = weir_gov_store_token_delete(db, token_id, principal_id, err);
	if (n < 0)
		return -1;
	if (n == 0)
		return weir_error_obj(err, WEIR_E_NOT_FOUND, WEIR_OBJ_TOKEN, "token_id", "Token not found: %.100s",
				      token_id);
	return 0;
}
