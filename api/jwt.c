/* JWT verification and issuance on libjwt 1.10.2, which checks no claim, takes the
 * algorithm from the token and skips verification when given an empty key
 * (reference/c-anchors.md §5). So, here:
 * - the key is chosen before decoding: a token without `kid` whose header says HS256 is an
 *   internal token (issued by /oidc/v1/token, HMAC with the 32-byte server secret); any
 *   other token must name a `kid` of the JWKS file given with --jwks (RS256 or ES256);
 * - the algorithm is pinned after decoding: jwt_get_alg() must equal the key's algorithm,
 *   which stops `alg: none` and HS256 tokens keyed with an RSA public key's PEM text;
 * - header and payload are decoded here, not taken from libjwt, with duplicate members
 *   refused (two `sub` are no subject), and a header with `crit` is refused: RFC 7515
 *   §4.1.11, Weir understands no extension;
 * - every claim is checked here through jansson (exp required, nbf, iat, leeway 60 s, iss
 *   exact, aud string or array containing ours), then `sub` is looked up: a user's userName
 *   for external tokens, any user or service principal name for internal ones, refused when
 *   inactive, and the `workspace` claim (default `default`) must be one it is assigned to;
 * - every failure is the same 401 "Invalid access token." and no token is ever logged. */
#include "api/app.h"
#include "api/auth.h"

#include <jwt.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"
#include "core/util.h"

#define JWT_LEEWAY_S 60
#define JWT_MAX_LEN 8192
#define JWKS_MAX_KEYS 32
#define INTERNAL_ISS "weir"
#define INTERNAL_AUD "weir"

struct weir_jwk {
	char kid[128];
	jwt_alg_t alg; /* JWT_ALG_RS256 or JWT_ALG_ES256: pinned */
	char *pem; /* SubjectPublicKeyInfo PEM, malloc'd */
};

struct weir_jwks {
	int n;
	struct weir_jwk keys[JWKS_MAX_KEYS];
};

/* Process lifetime; also referenced from here so that leak checkers see it reachable. */
static struct weir_jwks *loaded_jwks;

/* ------------------------------------------------------------------ base64url */

/* Decodes unpadded base64url into out (at most cap bytes); returns the length or -1. */
static long b64url_decode(const char *in, size_t n, unsigned char *out, size_t cap)
{
	while (n > 0 && in[n - 1] == '=')
		n--;
	if (n % 4 == 1 || n > 16384)
		return -1;
	size_t padded = (n + 3) / 4 * 4;
	if (padded / 4 * 3 > cap)
		return -1;
	char *tmp = weir_xmalloc(padded + 1);
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
			free(tmp);
			return -1;
		}
		tmp[i] = c;
	}
	for (size_t i = n; i < padded; i++)
		tmp[i] = '=';
	tmp[padded] = '\0';
	int len = padded ? EVP_DecodeBlock(out, (const unsigned char *)tmp, (int)padded) : 0;
	free(tmp);
	if (len < 0)
		return -1;
	return (long)len - (long)(padded - n);
}

/* ------------------------------------------------------------------ JWKS */

static char *pem_of(EVP_PKEY *pk)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL;
	if (b && PEM_write_bio_PUBKEY(b, pk) == 1) {
		char *data = NULL;
		long n = BIO_get_mem_data(b, &data);
		if (n > 0) {
			out = weir_xmalloc((size_t)n + 1);
			memcpy(out, data, (size_t)n);
			out[n] = '\0';
		}
	}
	BIO_free(b);
	return out;
}

static EVP_PKEY *pkey_from(const char *type, OSSL_PARAM_BLD *bld)
{
	EVP_PKEY *pk = NULL;
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (params && ctx && EVP_PKEY_fromdata_init(ctx) > 0)
		if (EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
			pk = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	if (pk) {
		EVP_PKEY_CTX *chk = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
		if (chk == NULL || EVP_PKEY_public_check(chk) != 1) {
			EVP_PKEY_free(pk);
			pk = NULL;
		}
		EVP_PKEY_CTX_free(chk);
	}
	return pk;
}

static char *rsa_pem(json_t *k)
{
	const char *n = json_string_value(json_object_get(k, "n"));
	const char *e = json_string_value(json_object_get(k, "e"));
	unsigned char nb[1024], eb[16];
	long nl = n ? b64url_decode(n, strlen(n), nb, sizeof(nb)) : -1;
	long el = e ? b64url_decode(e, strlen(e), eb, sizeof(eb)) : -1;
	if (nl < 256 || el < 1) /* RSA below 2048 bits is refused */
		return NULL;
	BIGNUM *bn = BN_bin2bn(nb, (int)nl, NULL), *be = BN_bin2bn(eb, (int)el, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	char *pem = NULL;
	if (bn && be && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be)) {
		EVP_PKEY *pk = pkey_from("RSA", bld);
		if (pk && EVP_PKEY_get_bits(pk) >= 2048)
			pem = pem_of(pk);
		EVP_PKEY_free(pk);
	}
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return pem;
}

static char *ec_pem(json_t *k)
{
	const char *crv = json_string_value(json_object_get(k, "crv"));
	const char *x = json_string_value(json_object_get(k, "x"));
	const char *y = json_string_value(json_object_get(k, "y"));
	unsigned char pt[65], xb[48], yb[48];
	if (crv == NULL || strcmp(crv, "P-256") != 0 || x == NULL || y == NULL)
		return NULL;
	if (b64url_decode(x, strlen(x), xb, sizeof(xb)) != 32 || b64url_decode(y, strlen(y), yb, sizeof(yb)) != 32)
		return NULL;
	pt[0] = 0x04; /* uncompressed point */
	memcpy(pt + 1, xb, 32);
	memcpy(pt + 33, yb, 32);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	char *pem = NULL;
	if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt))) {
		EVP_PKEY *pk = pkey_from("EC", bld);
		if (pk)
			pem = pem_of(pk);
		EVP_PKEY_free(pk);
	}
	OSSL_PARAM_BLD_free(bld);
	return pem;
}

static void jwks_free(struct weir_jwks *j)
{
	if (j == NULL)
		return;
	for (int i = 0; i < j->n; i++)
		free(j->keys[i].pem);
	free(j);
}

/* Loads --jwks FILE into app->jwks. Without --jwks, external tokens are refused; with it,
 * --jwt-issuer and --jwt-audience are required and the file must hold at least one usable
 * key, or the server does not start (an empty key set would be a silent misconfiguration). */
int weir_jwks_load(weir_app *app, weir_error *err)
{
	const weir_config *cfg = &app->cfg;
	if (cfg->jwks_file == NULL) {
		if (cfg->jwt_issuer || cfg->jwt_audience)
			return weir_error_set(err, WEIR_E_INVALID_ARGUMENT,
					      "--jwt-issuer and --jwt-audience need --jwks FILE");
		return 0;
	}
	if (cfg->jwt_issuer == NULL || cfg->jwt_issuer[0] == '\0' || cfg->jwt_audience == NULL ||
	    cfg->jwt_audience[0] == '\0')
		return weir_error_set(err, WEIR_E_INVALID_ARGUMENT, "--jwks needs --jwt-issuer and --jwt-audience");
	json_error_t jerr;
	json_t *root = json_load_file(cfg->jwks_file, JSON_REJECT_DUPLICATES, &jerr);
	json_t *keys = json_object_get(root, "keys");
	if (!json_is_array(keys)) {
		json_decref(root);
		return weir_error_set(err, WEIR_E_INVALID_ARGUMENT,
				      "--jwks %s: not a JWKS document ({\"keys\": [...]})", cfg->jwks_file);
	}
	struct weir_jwks *j = weir_xcalloc(1, sizeof(*j));
	size_t i;
	json_t *k;
	json_array_foreach (keys, i, k) {
		const char *kty = json_string_value(json_object_get(k, "kty"));
		const char *kid = json_string_value(json_object_get(k, "kid"));
		const char *alg = json_string_value(json_object_get(k, "alg"));
		const char *use = json_string_value(json_object_get(k, "use"));
		if (kty == NULL || kid == NULL || kid[0] == '\0' || strlen(kid) >= sizeof(j->keys[0].kid) ||
		    (use && strcmp(use, "sig") != 0)) {
			weir_log_warn("jwks: key %zu skipped (needs kty, kid, use=sig)", i);
			continue;
		}
		jwt_alg_t want;
		char *pem = NULL;
		if (strcmp(kty, "RSA") == 0 && (alg == NULL || strcmp(alg, "RS256") == 0)) {
			want = JWT_ALG_RS256;
			pem = rsa_pem(k);
		} else if (strcmp(kty, "EC") == 0 && (alg == NULL || strcmp(alg, "ES256") == 0)) {
			want = JWT_ALG_ES256;
			pem = ec_pem(k);
		} else {
			weir_log_warn("jwks: key '%s' skipped (only RSA RS256 and EC P-256 ES256 are accepted)", kid);
			continue;
		}
		if (pem == NULL) {
			weir_log_warn("jwks: key '%s' skipped (malformed or too weak)", kid);
			continue;
		}
		for (int d = 0; d < j->n; d++) {
			if (strcmp(j->keys[d].kid, kid) == 0) {
				free(pem);
				json_decref(root);
				jwks_free(j);
				return weir_error_set(err, WEIR_E_INVALID_ARGUMENT, "--jwks: kid '%s' appears twice",
						      kid);
			}
		}
		if (j->n == JWKS_MAX_KEYS) {
			free(pem);
			weir_log_warn("jwks: more than %d keys; the rest are ignored", JWKS_MAX_KEYS);
			break;
		}
		snprintf(j->keys[j->n].kid, sizeof(j->keys[0].kid), "%s", kid);
		j->keys[j->n].alg = want;
		j->keys[j->n].pem = pem;
		j->n++;
	}
	json_decref(root);
	if (j->n == 0) {
		jwks_free(j);
		return weir_error_set(err, WEIR_E_INVALID_ARGUMENT, "--jwks %s: no usable key", cfg->jwks_file);
	}
	jwks_free(loaded_jwks);
	loaded_jwks = j;
	app->jwks = j;
	weir_log_info("jwks: %d key(s) loaded; issuer %s, audience %s", j->n, cfg->jwt_issuer, cfg->jwt_audience);
	return 0;
}

/* ------------------------------------------------------------------ issuing */

char *weir_jwt_issue(const weir_app *app, weir_arena *a, const char *sub, const char *workspace, int64_t now,
		     int64_t exp, weir_error *err)
{
	jwt_t *jwt = NULL;
	char *out = NULL, jti[33];
	weir_random_hex(jti, 16);
	if (jwt_new(&jwt) != 0)
		goto fail;
	if (jwt_add_grant(jwt, "iss", INTERNAL_ISS) || jwt_add_grant(jwt, "aud", INTERNAL_AUD) ||
	    jwt_add_grant(jwt, "sub", sub) || jwt_add_grant(jwt, "jti", jti) ||
	    jwt_add_grant(jwt, "workspace", workspace ? workspace : WEIR_DEFAULT_WORKSPACE) ||
	    jwt_add_grant_int(jwt, "iat", (long)now) || jwt_add_grant_int(jwt, "exp", (long)exp) ||
	    jwt_add_grant(jwt, "scope", "all-apis"))
		goto fail;
	/* sizeof(hs_secret) is 32: never an empty key */
	if (jwt_set_alg(jwt, JWT_ALG_HS256, app->hs_secret, (int)sizeof(app->hs_secret)) != 0)
		goto fail;
	char *s = jwt_encode_str(jwt);
	if (s == NULL)
		goto fail;
	out = weir_arena_strdup(a, s);
	free(s);
	jwt_free(jwt);
	return out;
fail:
	jwt_free(jwt);
	weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot issue a token");
	return NULL;
}

/* ------------------------------------------------------------------ verification */

static void jwt_free_cb(void *p) { jwt_free(p); }

static bool aud_ok(json_t *aud, const char *want)
{
	if (json_is_string(aud))
		return strcmp(json_string_value(aud), want) == 0;
	size_t i;
	json_t *v;
	if (json_is_array(aud))
		json_array_foreach (aud, i, v)
			if (json_is_string(v) && strcmp(json_string_value(v), want) == 0)
				return true;
	return false;
}

/* The principal of a valid token, or NULL with the reason (never the token) in *why;
 * idp_only refuses internal (HS256) tokens: only the identity provider's keys count. */
static weir_principal *verify(weir_req *r, const char *token, bool idp_only, const char **why)
{
	weir_app *app = r->app;
	size_t len = strlen(token);
	const char *dot = strchr(token, '.');
	const char *dot2 = dot ? strchr(dot + 1, '.') : NULL;
	if (len > JWT_MAX_LEN || dot == NULL || dot2 == NULL) {
		*why = "not a JWT";
		return NULL;
	}
	unsigned char hbuf[1024];
	long hl = b64url_decode(token, (size_t)(dot - token), hbuf, sizeof(hbuf));
	json_t *hdr = hl > 0 ? json_loadb((const char *)hbuf, (size_t)hl, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (!json_is_object(hdr)) {
		json_decref(hdr);
		*why = "bad header";
		return NULL;
	}
	weir_json_own(r->arena, hdr);
	const char *alg = json_string_value(json_object_get(hdr, "alg"));
	json_t *kidj = json_object_get(hdr, "kid");
	const char *kid = json_string_value(kidj);
	if (alg == NULL || (kidj && kid == NULL)) {
		*why = "bad header";
		return NULL;
	}
	/* RFC 7515 §4.1.11: a recipient must refuse a `crit` naming an extension it does not
	 * understand; Weir understands none (b64: false, for one, would change what is signed),
	 * so any crit, well-formed or not, is refused */
	if (json_object_get(hdr, "crit") != NULL) {
		*why = "crit header";
		return NULL;
	}
	/* The claims are read from the payload as sent, with duplicate members refused at any
	 * depth: libjwt parses it keeping the last of two `sub`, and what another JWT library in
	 * front of Weir took from the same token could be the first. The payload is the
	 * signed one: libjwt verifies these very bytes below, before any claim is used. */
	size_t plen = (size_t)(dot2 - dot - 1);
	size_t pcap = (plen + 3) / 4 * 3 + 1;
	unsigned char *pbuf = weir_arena_alloc(r->arena, pcap);
	long pl = b64url_decode(dot + 1, plen, pbuf, pcap);
	json_t *claims = pl > 0 ? json_loadb((const char *)pbuf, (size_t)pl, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (!json_is_object(claims)) {
		json_decref(claims);
		*why = "bad claims";
		return NULL;
	}
	weir_json_own(r->arena, claims);

	const unsigned char *key;
	int key_len;
	jwt_alg_t want;
	const char *iss_want, *aud_want;
	bool internal = kid == NULL && strcmp(alg, "HS256") == 0;
	if (internal && idp_only) {
		*why = "not signed by the identity provider";
		return NULL;
	}
	if (internal) {
		key = app->hs_secret;
		key_len = (int)sizeof(app->hs_secret);
		want = JWT_ALG_HS256;
		iss_want = INTERNAL_ISS;
		aud_want = INTERNAL_AUD;
	} else {
		const struct weir_jwk *k = NULL;
		for (int i = 0; app->jwks && kid && i < app->jwks->n; i++)
			if (strcmp(app->jwks->keys[i].kid, kid) == 0)
				k = &app->jwks->keys[i];
		if (k == NULL) {
			*why = "unknown kid";
			return NULL;
		}
		key = (const unsigned char *)k->pem;
		key_len = (int)strlen(k->pem);
		want = k->alg;
		iss_want = app->cfg.jwt_issuer;
		aud_want = app->cfg.jwt_audience;
	}
	if (key_len <= 0) { /* an empty key turns verification off in libjwt */
		*why = "no key";
		return NULL;
	}
	jwt_t *jwt = NULL;
	if (jwt_decode(&jwt, token, key, key_len) != 0 || jwt == NULL) {
		*why = "bad signature or encoding";
		return NULL;
	}
	weir_arena_defer(r->arena, jwt_free_cb, jwt);
	/* blocks alg none and HS256 keyed with a public key; libjwt reads the name ignoring case,
	 * but RFC 7515 names are case-sensitive, so "Rs256" is no algorithm (found by fuzz/) */
	if (jwt_get_alg(jwt) != want || strcmp(alg, jwt_alg_str(want)) != 0) {
		*why = "algorithm not pinned for this key";
		return NULL;
	}
	json_int_t exp = 0, nbf = INT64_MIN, iat = INT64_MIN;
	const char *iss = NULL, *sub = NULL, *ws = NULL;
	json_t *aud = NULL;
	if (json_unpack(claims, "{s:I, s?I, s?I, s:s, s:o, s:s, s?s}", "exp", &exp, "nbf", &nbf, "iat", &iat, "iss",
			&iss, "aud", &aud, "sub", &sub, "workspace", &ws) != 0) {
		*why = "claims missing or mistyped";
		return NULL;
	}
	int64_t now = weir_now_ms() / 1000;
	if (now - JWT_LEEWAY_S >= exp) {
		*why = "expired";
		return NULL;
	}
	if (nbf != INT64_MIN && now + JWT_LEEWAY_S < nbf) {
		*why = "not yet valid";
		return NULL;
	}
	if (iat != INT64_MIN && iat > now + JWT_LEEWAY_S) {
		*why = "issued in the future";
		return NULL;
	}
	if (strcmp(iss, iss_want) != 0 || !aud_ok(aud, aud_want)) {
		*why = "wrong issuer or audience";
		return NULL;
	}
	weir_db *db = weir_req_db(r);
	weir_principal_kind kind;
	int64_t pid = weir_gov_principal_id(db, sub, &kind, NULL);
	if (pid < 0 || kind == WEIR_PRINCIPAL_GROUP || (!internal && kind != WEIR_PRINCIPAL_USER)) {
		*why = "unknown subject";
		return NULL;
	}
	int64_t wsid = ws ? weir_gov_workspace_id(db, ws, NULL) : WEIR_DEFAULT_WORKSPACE_ID;
	if (wsid < 0) {
		*why = "unknown workspace";
		return NULL;
	}
	weir_principal *p = weir_gov_principal_load(db, r->arena, pid, wsid, NULL);
	if (p == NULL) {
		*why = "inactive subject";
		return NULL;
	}
	if (!weir_gov_workspace_member(db, wsid, p)) {
		*why = "not assigned to the workspace";
		return NULL;
	}
	p->auth_method = internal ? "oauth" : "jwt";
	/* what this token mints may not outlive it (exp is past now - leeway, so positive) */
	p->credential_expiry_ms = exp > INT64_MAX / 1000 ? INT64_MAX : exp * 1000;
	return p;
}

/* verify, with the reason of a refusal logged: at info for an identity provider's id_token
 * (a sign-in), at debug for a bearer token. */
static weir_principal *verify_logged(weir_req *r, const char *token, bool idp_only, const char **why)
{
	*why = "invalid";
	weir_principal *p = verify(r, token, idp_only, why);
	if (p != NULL)
		return p;
	if (idp_only)
		weir_log_info("rid=%s: id_token refused: %s", r->request_id, *why);
	else
		weir_log_debug("rid=%s: jwt refused: %s", r->request_id, *why);
	return NULL;
}

weir_principal *weir_jwt_authenticate(weir_req *r, const char *token, weir_error *err)
{
	const char *why;
	weir_principal *p = verify_logged(r, token, false, &why);
	if (p == NULL)
		weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid access token.");
	return p;
}

weir_principal *weir_jwt_verify_id_token(weir_req *r, const char *token, bool *unknown_user)
{
	const char *why;
	weir_principal *p = verify_logged(r, token, true, &why);
	*unknown_user = p == NULL &&
			(strcmp(why, "unknown subject") == 0 || strcmp(why, "inactive subject") == 0 ||
			 strcmp(why, "not assigned to the workspace") == 0 || strcmp(why, "unknown workspace") == 0);
	return p;
}
