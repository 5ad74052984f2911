/* Small process-wide helpers: the clock (injectable for tests), ids, hashing and randomness
 * (OpenSSL), UTF-8 validation, a growable byte buffer, the one base64 codec and the page
 * tokens built on it. */
#ifndef WEIR_CORE_UTIL_H
#define WEIR_CORE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Milliseconds since the epoch. Tests may replace the source with weir_clock_set(). */
int64_t weir_now_ms(void);
/* ms since the epoch as RFC 3339 UTC with milliseconds, "2026-12-02T15:04:05.123Z", into out
 * (WEIR_ISO_MS_LEN bytes); the wire's timestamp format everywhere (audit, lineage, tags,
 * webhooks, statements, the log). */
#define WEIR_ISO_MS_LEN 32
void weir_time_iso_ms(int64_t ms, char *out);
void weir_clock_set(int64_t (*fn)(void));

/* 36-character UUID v4 plus NUL. */
void weir_uuid4(char out[37]);
/* A time-ordered uuid (version 7): for keys of tables that grow by inserts. */
void weir_uuid7(char out[37]);
/* 2*nbytes lowercase hex characters of cryptographic randomness, NUL-terminated. */
void weir_random_hex(char *out, size_t nbytes);
/* Fills buf with cryptographic randomness; aborts if the RNG fails. */
void weir_random_bytes(void *buf, size_t n);
/* What the calling thread holds (its arena spares, its allocation cache, OpenSSL's thread
 * state), released now: a thread that ends unjoined calls it before it says it has ended. */
void weir_thread_end(void);

void weir_sha256_hex(const void *data, size_t len, char out[65]);
void weir_hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t len, char out[65]);
/* Constant-time comparison of two equal-length buffers. */
bool weir_ct_equal(const void *a, const void *b, size_t n);

bool weir_utf8_valid(const char *s, size_t n);

/* Growable buffer; data is always NUL-terminated. */
typedef struct weir_buf {
	char *data;
	size_t len;
	size_t cap;
} weir_buf;
void weir_buf_append(weir_buf *b, const void *p, size_t n);
void weir_buf_appendf(weir_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void weir_buf_release(weir_buf *b);

/* Parses a base-10 int64 that must span the whole string. */
bool weir_parse_i64(const char *s, int64_t *out);
/* The value of a hex digit, or -1. */
int weir_hexval(char c);
/* One round of URL form decoding (Python's unquote_plus): '+' is a space, %XX a byte (which
 * may be NUL). Writes at most n bytes and a terminating NUL to out (n + 1 bytes); returns
 * the decoded length. */
size_t weir_unquote_plus(char *out, const char *s, size_t n);

/* ------------------------------------------------------------------ base64, page tokens */

struct weir_arena;
struct weir_error;

/* Base64 (RFC 4648) into the arena, NUL-terminated: weir_b64_encode with the standard
 * alphabet and padding, weir_b64url_encode with the URL-safe alphabet and no padding. */
char *weir_b64_encode(struct weir_arena *a, const void *data, size_t n);
char *weir_b64url_encode(struct weir_arena *a, const void *data, size_t n);
/* Decodes either alphabet ('+' '/' or '-' '_', mixed too), with or without the trailing
 * padding, and ' ' as '+' (a form decoder's reading of an unescaped '+'). NULL when `in`
 * is not base64; else the bytes (arena, NUL-terminated; they may hold NULs), *len their
 * number. */
char *weir_b64_decode(struct weir_arena *a, const char *in, size_t *len);

/* Page tokens: opaque to clients, a small JSON object in base64 (either form decodes).
 * The object a token holds (arena-owned): NULL with 400 INVALID_PARAMETER_VALUE naming
 * page_token when it is not base64 of a JSON object of UTF-8 text (at most 4096
 * characters; no token Weir issues comes near). */
json_t *weir_page_token_json(struct weir_arena *a, const char *token, struct weir_error *err);
/* The token of {"offset": N}: padded standard base64 (url false) or unpadded base64url (url
 * true), as each route has always answered. */
char *weir_page_token_offset(struct weir_arena *a, int64_t offset, bool url);
/* The offset such a token holds (0 for NULL or ""); a non-negative integer, or 400 as above. */
int weir_page_token_offset_parse(struct weir_arena *a, const char *token, int64_t *offset, struct weir_error *err);

#endif
