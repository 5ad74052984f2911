/* Clock, ids, OpenSSL hashing and randomness, UTF-8 checks, growable buffer. */
#include "core/util.h"
#include "core/alloc.h"
#include "core/arena.h"
#include "core/error.h"
#include "core/json.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t real_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t (*clock_fn)(void) = real_now;

int64_t weir_now_ms(void) { return clock_fn(); }
void weir_clock_set(int64_t (*fn)(void)) { clock_fn = fn ? fn : real_now; }

void weir_thread_end(void)
{
	weir_arena_thread_release();
	weir_cache_thread_release();
	OPENSSL_thread_stop();
}

void weir_random_bytes(void *buf, size_t n)
{
	if (RAND_bytes(buf, (int)n) != 1) {
		fputs("weir: RAND_bytes failed\n", stderr);
		abort();
	}
}

static const char hexdig[] = "0123456789abcdef";

static void to_hex(const unsigned char *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdig[in[i] >> 4];
		out[2 * i + 1] = hexdig[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void weir_random_hex(char *out, size_t nbytes)
{
	unsigned char buf[64];
	while (nbytes > 0) {
		size_t k = nbytes > sizeof(buf) ? sizeof(buf) : nbytes;
		weir_random_bytes(buf, k);
		to_hex(buf, k, out);
		out += 2 * k;
		nbytes -= k;
	}
}

/* Ids are not secrets, but still come from the CSPRNG: 32 at a time per thread (each byte
 * used once), since every RAND_bytes call costs ~6,700 instructions and a getpid system
 * call (OpenSSL's fork check; this process never forks). */
static unsigned char *uuid_bytes(void)
{
	static _Thread_local unsigned char pool[512];
	static _Thread_local size_t used = sizeof(pool);
	if (used == sizeof(pool)) {
		weir_random_bytes(pool, sizeof(pool));
		used = 0;
	}
	unsigned char *b = pool + used;
	used += 16;
	return b;
}

static void uuid_text(unsigned char *b, int version, char out[37])
{
	b[6] = (unsigned char)((b[6] & 0x0f) | version << 4);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	static const unsigned char dash_after[16] = {[3] = 1, [5] = 1, [7] = 1, [9] = 1};
	char *o = out;
	for (int i = 0; i < 16; i++) {
		*o++ = hexdig[b[i] >> 4];
		*o++ = hexdig[b[i] & 15];
		if (dash_after[i])
			*o++ = '-';
	}
	*o = '\0';
	memset(b, 0, 16);
}

void weir_uuid4(char out[37]) { uuid_text(uuid_bytes(), 4, out); }

/* RFC 9562 version 7: the first 48 bits are the Unix time in ms, the other 74 are random.
 * Keys made of these land at the right end of their B-tree indexes, so the rows created in
 * one write transaction share index pages (a v4 key puts each row on a random leaf: a page
 * of WAL, of checkpoint and of writeback per row and index). */
void weir_uuid7(char out[37])
{
	unsigned char *b = uuid_bytes();
	uint64_t ms = (uint64_t)weir_now_ms();
	for (int i = 5; i >= 0; i--, ms >>= 8)
		b[i] = (unsigned char)(ms & 0xff);
	uuid_text(b, 7, out);
}

/* OpenSSL 3 looks an implicit EVP_sha256() up in its provider table on every use; fetch it
 * once (every token check hashes). */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static void sha256_fetch(void) { sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL); }

void weir_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	pthread_once(&sha256_once, sha256_fetch);
	EVP_Digest(data, len, md, &mdlen, sha256_md ? sha256_md : EVP_sha256(), NULL);
	to_hex(md, 32, out);
}

void weir_hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	HMAC(EVP_sha256(), key, (int)keylen, data, len, md, &mdlen);
	to_hex(md, 32, out);
}

bool weir_ct_equal(const void *a, const void *b, size_t n) { return CRYPTO_memcmp(a, b, n) == 0; }

bool weir_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		size_t k;
		unsigned min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			k = 1;
			min = 0x80;
			c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2;
			min = 0x800;
			c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3;
			min = 0x10000;
			c &= 0x07;
		} else {
			return false;
		}
		if (i + k >= n)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			c = (c << 6) | (s[i + j] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

void weir_buf_append(weir_buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = weir_xrealloc(b->data, cap);
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void weir_buf_appendf(weir_buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		weir_buf_append(b, tmp, (size_t)n);
		return;
	}
	char *big = weir_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	weir_buf_append(b, big, (size_t)n);
	free(big);
}

void weir_buf_release(weir_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

bool weir_parse_i64(const char *s, int64_t *out)
{
	/* digits with an optional '-': strtoll alone would also take leading blanks and '+' */
	if (s == NULL || !((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')))
		return false;
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return false;
	*out = (int64_t)v;
	return true;
}

/* ------------------------------------------------------------------ base64, page tokens */

static const char B64_STD[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char B64_URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static char *b64_encode(weir_arena *a, const unsigned char *in, size_t n, const char *abc, bool pad)
{
	char *out = weir_arena_alloc(a, (n + 2) / 3 * 4 + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = abc[(v >> 18) & 63];
		out[o++] = abc[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = abc[(v >> 6) & 63];
		else if (pad)
			out[o++] = '=';
		if (i + 2 < n)
			out[o++] = abc[v & 63];
		else if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

char *weir_b64_encode(weir_arena *a, const void *data, size_t n) { return b64_encode(a, data, n, B64_STD, true); }

char *weir_b64url_encode(weir_arena *a, const void *data, size_t n) { return b64_encode(a, data, n, B64_URL, false); }

static int b64_digit(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-' || c == ' ')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

char *weir_b64_decode(weir_arena *a, const char *in, size_t *len)
{
	size_t n = strlen(in);
	while (n && in[n - 1] == '=')
		n--;
	if (n % 4 == 1)
		return NULL;
	char *out = weir_arena_alloc(a, n / 4 * 3 + 3);
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64_digit((unsigned char)in[i]);
		if (v < 0)
			return NULL;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	if (len)
		*len = o;
	return out;
}

#define PAGE_TOKEN_MAX 4096

/* The decoded text and object of a token (see weir_page_token_json). */
static json_t *page_token_decode(weir_arena *a, const char *token, const char **text, weir_error *err)
{
	size_t n = 0;
	char *txt = strlen(token) <= PAGE_TOKEN_MAX ? weir_b64_decode(a, token, &n) : NULL;
	if (txt == NULL || n == 0 || strlen(txt) != n) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "page_token",
				 "Invalid page token, could not base64-decode");
		return NULL;
	}
	bool utf8 = weir_utf8_valid(txt, n);
	json_t *j = utf8 ? json_loads(txt, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (!json_is_object(j)) {
		json_decref(j);
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "page_token",
				 "Invalid page token, decoded value=%.100s", utf8 ? txt : "?");
		return NULL;
	}
	*text = txt;
	return weir_json_own(a, j);
}

json_t *weir_page_token_json(weir_arena *a, const char *token, weir_error *err)
{
	const char *text;
	return page_token_decode(a, token ? token : "", &text, err);
}

char *weir_page_token_offset(weir_arena *a, int64_t offset, bool url)
{
	char j[48];
	int n = snprintf(j, sizeof(j), "{\"offset\": %lld}", (long long)offset);
	return url ? weir_b64url_encode(a, j, (size_t)n) : weir_b64_encode(a, j, (size_t)n);
}

int weir_page_token_offset_parse(weir_arena *a, const char *token, int64_t *offset, weir_error *err)
{
	*offset = 0;
	if (token == NULL || *token == '\0')
		return 0;
	const char *text;
	json_t *j = page_token_decode(a, token, &text, err);
	if (j == NULL)
		return -1;
	json_t *off = json_object_get(j, "offset");
	if (!json_is_integer(off) || json_integer_value(off) < 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "page_token",
					"Invalid page token, decoded value=%.100s", text);
	*offset = (int64_t)json_integer_value(off);
	return 0;
}

int weir_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t weir_unquote_plus(char *out, const char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%' && i + 2 < n && weir_hexval(s[i + 1]) >= 0 && weir_hexval(s[i + 2]) >= 0) {
			out[o++] = (char)(weir_hexval(s[i + 1]) * 16 + weir_hexval(s[i + 2]));
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return o;
}

void weir_time_iso_ms(int64_t ms, char *out)
{
	int64_t sec = ms / 1000, frac = ms % 1000;
	if (frac < 0) { /* before 1970: the second below, and the milliseconds after it */
		frac += 1000;
		sec--;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(out, WEIR_ISO_MS_LEN, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(out, WEIR_ISO_MS_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
}
