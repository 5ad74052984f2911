/* Service principals as OAuth clients: finding one by SCIM id or applicationId, minting
 * its secrets (random, with the WEIR_SP_SECRET_PREFIX, stored only as a SHA-256 hash and a
 * four-character hint; the value is returned once), listing and deleting them, and the
 * client_credentials check (constant-time hash comparison; an expired secret or an
 * inactive principal fails like a wrong one). SQL in identity_store.c. */
#include "governance/gov_store.h"
#include "governance/identity.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"

int64_t weir_id_sp_find(weir_db *db, const char *ref, weir_error *err)
{
	int64_t num = weir_id_parse(ref), id = -1;
	int found = num > 0 ? weir_id__sp_by_id(db, num, &id, err) : weir_id__sp_by_app(db, ref, &id, err);
	if (found == 0 && num > 0) /* a numeric applicationId */
		found = weir_id__sp_by_app(db, ref, &id, err);
	if (found < 0)
		return -1;
	if (found == 0)
		weir_error_set(err, WEIR_E_NOT_FOUND, "Service principal '%.100s' does not exist.", ref ? ref : "");
	return found ? id : -1;
}

bool weir_id_active(weir_db *db, int64_t id) { return weir_id__active(db, id); }

static json_t *secret_json(const char *id, const char *hint, int64_t created, int64_t expire, int64_t now)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "secret_hint", json_string(hint));
	json_object_set_new(o, "status", json_string(expire >= 0 && expire <= now ? "EXPIRED" : "ACTIVE"));
	json_object_set_new(o, "create_time", json_integer(created));
	json_object_set_new(o, "update_time", json_integer(created));
	if (expire >= 0)
		json_object_set_new(o, "expire_time", json_integer(expire));
	return o;
}

json_t *weir_id_secret_create(weir_db *db, int64_t sp_id, int64_t lifetime_s, weir_error *err)
{
	char raw[65], id[33], hash[65];
	weir_random_hex(raw, 32);
	weir_random_hex(id, 16);
	char secret[80];
	snprintf(secret, sizeof(secret), WEIR_SP_SECRET_PREFIX "%s", raw);
	weir_sha256_hex(secret, strlen(secret), hash);
	const char *hint = secret + strlen(secret) - 4;
	int64_t now = weir_now_ms();
	int64_t expire = lifetime_s > 0 ? now + lifetime_s * 1000 : -1;
	if (weir_id__secret_insert(db, id, sp_id, hash, hint, now, expire, err) != 0)
		return NULL;
	json_t *o = secret_json(id, hint, now, expire, now);
	json_object_set_new(o, "secret", json_string(secret));
	return o;
}

json_t *weir_id_secret_list(weir_db *db, int64_t sp_id, weir_error *err)
{
	weir_arena *a = weir_arena_new(1024);
	int n = 0;
	weir_id_secret_row *rows = weir_id__secrets(db, a, sp_id, &n, err);
	if (rows == NULL) {
		weir_arena_free(a);
		return NULL;
	}
	int64_t now = weir_now_ms();
	json_t *arr = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(
			arr, secret_json(rows[i].id, rows[i].hint, rows[i].created_at, rows[i].expire_time, now));
	weir_arena_free(a);
	return json_pack("{s:o}", "secrets", arr);
}

int weir_id_secret_delete(weir_db *db, int64_t sp_id, const char *secret_id, weir_error *err)
{
	int64_t n = weir_id__secret_delete(db, sp_id, secret_id, err);
	if (n < 0)
		return -1;
	if (n == 0)
		return weir_error_obj(err, WEIR_E_NOT_FOUND, WEIR_OBJ_SECRET, NULL, "Secret '%.100s' does not exist.",
				      secret_id);
	return 0;
}

int64_t weir_id_sp_authenticate(weir_db *db, const char *client_id, const char *secret, weir_error *err)
{
	int64_t expire_ms;
	return weir_id_sp_authenticate_until(db, client_id, secret, &expire_ms, err);
}

typedef struct secret_match {
	char hash[65];
	int64_t now;
	int64_t found;
	int64_t expire_ms;
} secret_match;

static void secret_check(void *ctx, const char *h, int64_t exp, int64_t principal_id, bool active)
{
	secret_match *m = ctx;
	bool match = h && strlen(h) == 64 && weir_ct_equal(h, m->hash, 64);
	if (match && (exp < 0 || exp > m->now) && active) {
		m->found = principal_id;
		m->expire_ms = exp < 0 ? 0 : exp;
	}
}

int64_t weir_id_sp_authenticate_until(weir_db *db, const char *client_id, const char *secret, int64_t *expire_ms,
				      weir_error *err)
{
	secret_match m = {.found = -1, .expire_ms = 0};
	*expire_ms = 0;
	if (client_id == NULL || secret == NULL || strlen(secret) > 256)
		goto out;
	weir_sha256_hex(secret, strlen(secret), m.hash);
	m.now = weir_now_ms();
	if (weir_id__secret_hashes(db, client_id, secret_check, &m) == 0 && m.found >= 0)
		*expire_ms = m.expire_ms;
out:
	if (m.found < 0)
		weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid client credentials.");
	return m.found;
}
