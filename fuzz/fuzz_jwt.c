/* Fuzz target: bearer token verification, what api/auth.c does with the text after
 * "Bearer ": a `dapi` personal access token goes to weir_gov_token_authenticate, anything
 * else to weir_jwt_authenticate (api/jwt.c: header decoding, key choice by kid/alg, libjwt's
 * signature check, algorithm pinning, the claim checks, the subject and workspace lookups).
 * The key set is fixed for the process: the internal HS256 secret and a JWKS file (loaded by
 * weir_jwks_load) with one P-256 key `ec1` (ES256) and one RSA-2048 key `rsa1` (RS256).
 *
 * Input: one flags byte, then
 *   bits 0-1 = 0: the token text itself;
 *   bits 0-1 = 1, 2, 3: two NUL-separated fields, a JOSE header and a claims set (any bytes),
 *     which the target encodes and signs with the internal secret (HS256), the EC key (ES256)
 *     or the RSA key (RS256), so that the claim checks behind a valid signature are reached
 *     too. Bit 2 then corrupts one signature byte.
 *
 * Oracles: a refusal is exactly 401 UNAUTHENTICATED; a token accepted has a header naming
 * HS256 without kid, or the kid of a loaded key with that key's algorithm (never `none`, never
 * HS256 with a kid), no `crit` and no duplicate member; a corrupted signature is never
 * accepted; an accepted signed token's claims have no duplicate member, an integer exp and the
 * principal's own name as sub. */
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/auth.h"
#include "api/http.h"
#include "core/util.h"
#include "fuzz/fuzz_env.h"

#define ISSUER "https://idp.fuzz.example"
#define AUDIENCE "weir-fuzz"

static weir_app app;
static EVP_PKEY *ec_key, *rsa_key;

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_jwt: %s\n", what);
		abort();
	}
}

/* base64url without padding of n bytes (arena). */
static char *b64url(weir_arena *a, const unsigned char *in, size_t n)
{
	char *out = weir_arena_alloc(a, 4 * ((n + 2) / 3) + 1);
	int m = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	while (m > 0 && out[m - 1] == '=')
		m--;
	out[m] = '\0';
	for (char *p = out; *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	return out;
}

/* Decodes base64url (arena, NUL-terminated); NULL when it is not base64url. */
static char *unb64url(weir_arena *a, const char *in, size_t n)
{
	char *tmp = weir_arena_alloc(a, n + 4);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		if (c == '=')
			break;
		tmp[k++] = c == '-' ? '+' : c == '_' ? '/' : c;
	}
	if (k % 4 == 1)
		return NULL;
	while (k % 4)
		tmp[k++] = '=';
	unsigned char *out = weir_arena_alloc(a, k / 4 * 3 + 1);
	int m = EVP_DecodeBlock(out, (const unsigned char *)tmp, (int)k);
	if (m < 0)
		return NULL;
	out[m] = '\0';
	return (char *)out;
}

static const char *bn_b64url(weir_arena *a, EVP_PKEY *pk, const char *param)
{
	BIGNUM *bn = NULL;
	if (EVP_PKEY_get_bn_param(pk, param, &bn) != 1)
		fuzz_die("rsa param", NULL);
	unsigned char buf[512];
	int n = BN_bn2bin(bn, buf);
	BN_free(bn);
	return b64url(a, buf, (size_t)n);
}

/* Keys, the JWKS file and the app, once. */
static void setup(fuzz_env *t)
{
	if (app.pool != NULL)
		return;
	ec_key = EVP_EC_gen("P-256");
	rsa_key = EVP_RSA_gen(2048);
	unsigned char pub[65];
	size_t publen = 0;
	if (ec_key == NULL || rsa_key == NULL ||
	    EVP_PKEY_get_octet_string_param(ec_key, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &publen) != 1 ||
	    publen != 65)
		fuzz_die("key generation", NULL);
	char path[400];
	snprintf(path, sizeof(path), "%s/jwks.json", t->dir);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		fuzz_die("jwks file", NULL);
	fprintf(f,
		"{\"keys\": [{\"kty\": \"EC\", \"kid\": \"ec1\", \"use\": \"sig\", \"alg\": \"ES256\", \"crv\": "
		"\"P-256\", "
		"\"x\": \"%s\", \"y\": \"%s\"}, {\"kty\": \"RSA\", \"kid\": \"rsa1\", \"alg\": \"RS256\", \"n\": "
		"\"%s\", "
		"\"e\": \"%s\"}]}\n",
		b64url(t->a, pub + 1, 32), b64url(t->a, pub + 33, 32), bn_b64url(t->a, rsa_key, OSSL_PKEY_PARAM_RSA_N),
		bn_b64url(t->a, rsa_key, OSSL_PKEY_PARAM_RSA_E));
	fclose(f);
	memcpy(app.hs_secret, "fuzz-fixed-internal-hs256-secret", sizeof(app.hs_secret));
	app.cfg.data_dir = t->dir;
	app.cfg.jwks_file = weir_arena_strdup(t->a, path);
	app.cfg.jwt_issuer = ISSUER;
	app.cfg.jwt_audience = AUDIENCE;
	weir_error e = WEIR_ERROR_INIT;
	if (weir_jwks_load(&app, &e) != 0)
		fuzz_die("jwks load", &e);
	app.pool = t->pool;
}

/* header.claims.signature, signed as mode says (1 HS256, 2 ES256, 3 RS256). */
static char *sign(weir_arena *a, int mode, const char *hdr, const char *claims, bool corrupt)
{
	char *h = b64url(a, (const unsigned char *)hdr, strlen(hdr));
	char *c = b64url(a, (const unsigned char *)claims, strlen(claims));
	char *input = weir_arena_printf(a, "%s.%s", h, c);
	unsigned char sig[512];
	size_t siglen = sizeof(sig);
	if (mode == 1) {
		unsigned int n = 0;
		HMAC(EVP_sha256(), app.hs_secret, (int)sizeof(app.hs_secret), (const unsigned char *)input,
		     strlen(input), sig, &n);
		siglen = n;
	} else {
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		unsigned char der[512];
		size_t derlen = sizeof(der);
		if (md == NULL || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, mode == 2 ? ec_key : rsa_key) != 1 ||
		    EVP_DigestSign(md, der, &derlen, (const unsigned char *)input, strlen(input)) != 1)
			fuzz_die("sign", NULL);
		EVP_MD_CTX_free(md);
		if (mode == 3) {
			memcpy(sig, der, derlen);
			siglen = derlen;
		} else { /* JWS ES256 is r || s, 32 bytes each, not DER */
			const unsigned char *p = der;
			ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
			if (es == NULL)
				fuzz_die("ecdsa sig", NULL);
			BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32);
			BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32);
			ECDSA_SIG_free(es);
			siglen = 64;
		}
	}
	if (corrupt)
		sig[siglen / 2] ^= 0x20;
	return weir_arena_printf(a, "%s.%s", input, b64url(a, sig, siglen));
}

/* An accepted token's header names an algorithm pinned to its key. */
static void check_header(weir_arena *a, const char *token)
{
	const char *dot = strchr(token, '.');
	check(dot != NULL, "accepted a token without a dot");
	char *hdr = unb64url(a, token, (size_t)(dot - token));
	check(hdr != NULL, "accepted a token whose header is not base64url");
	json_t *h = json_loads(hdr, JSON_REJECT_DUPLICATES, NULL);
	check(json_is_object(h), "accepted a token whose header has duplicate members");
	check(json_object_get(h, "crit") == NULL, "accepted a token with a crit header");
	const char *alg = json_string_value(json_object_get(h, "alg"));
	const char *kid = json_string_value(json_object_get(h, "kid"));
	check(alg != NULL, "accepted a token without alg");
	if (kid == NULL)
		check(strcmp(alg, "HS256") == 0 && json_object_get(h, "kid") == NULL,
		      "accepted a keyless non-HS256 token");
	else
		check((strcmp(kid, "ec1") == 0 && strcmp(alg, "ES256") == 0) ||
			      (strcmp(kid, "rsa1") == 0 && strcmp(alg, "RS256") == 0),
		      "accepted a token whose alg is not its key's");
	json_decref(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	fuzz_env *t = fuzz_env_get();
	setup(t);
	weir_arena *a = weir_arena_new(4096);
	weir_req *r = weir_arena_calloc(a, sizeof(*r));
	r->arena = a;
	r->app = &app;
	r->method = "GET";
	r->path = "/api/2.1/unity-catalog/catalogs";
	snprintf(r->request_id, sizeof(r->request_id), "fuzz");
	r->upload_fd = -1;
	r->resp_fd = -1;

	int mode = data[0] & 3;
	bool corrupt = (data[0] & 4) != 0;
	const char *f[2];
	int nf = fuzz_fields(a, data + 1, size - 1, f, 2);
	const char *claims = nf > 1 ? f[1] : "";
	const char *token = mode == 0 ? f[0] : sign(a, mode, f[0], claims, corrupt);

	weir_error e = WEIR_ERROR_INIT;
	weir_principal *p;
	if (strncmp(token, WEIR_TOKEN_PREFIX, strlen(WEIR_TOKEN_PREFIX)) == 0)
		p = weir_gov_token_authenticate(weir_req_db(r), a, token, &e);
	else
		p = weir_jwt_authenticate(r, token, &e);
	if (p == NULL) {
		check(e.code == WEIR_E_UNAUTHENTICATED && weir_code_status(e.code) == 401 && e.status == 401,
		      "refusal is not 401 UNAUTHENTICATED");
	} else if (strncmp(token, WEIR_TOKEN_PREFIX, strlen(WEIR_TOKEN_PREFIX)) != 0) {
		check(p->name != NULL && p->auth_method != NULL, "principal without name or auth method");
		check(mode == 0 || !corrupt, "accepted a corrupted signature");
		check_header(a, token);
		if (mode != 0) {
			json_t *c = json_loads(claims, JSON_REJECT_DUPLICATES, NULL);
			check(json_is_object(c), "accepted claims with duplicate members");
			check(json_is_integer(json_object_get(c, "exp")), "accepted claims without an integer exp");
			const char *sub = json_string_value(json_object_get(c, "sub"));
			check(sub != NULL && strcmp(sub, p->name) == 0, "principal is not the token's sub");
			json_decref(c);
		}
	}
	weir_arena_free(a);
	return 0;
}
