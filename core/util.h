/* Small process-wide helpers: the clock (injectable for tests), ids, hashing and randomness
 * (OpenSSL), UTF-8 validation, and a growable byte buffer. */
#ifndef WEIR_CORE_UTIL_H
#define WEIR_CORE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Milliseconds since the epoch. Tests may replace the source with weir_clock_set(). */
int64_t weir_now_ms(void);
void weir_clock_set(int64_t (*fn)(void));

/* 36-character UUID v4 plus NUL. */
void weir_uuid4(char out[37]);
/* 2*nbytes lowercase hex characters of cryptographic randomness, NUL-terminated. */
void weir_random_hex(char *out, size_t nbytes);
/* Fills buf with cryptographic randomness; aborts if the RNG fails. */
void weir_random_bytes(void *buf, size_t n);

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

#endif
