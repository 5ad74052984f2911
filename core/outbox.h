/* The outbox: deliveries to the outside world (webhooks today, job notifications next),
 * queued in the transaction of the event that caused them and sent by one background
 * worker, so a delivery never blocks nor fails the request that caused it and is never sent
 * for an event that was rolled back.
 *
 * Each kind of entry keeps its own table and its SQL in its module's *_store.c (the rows
 * carry what the kind's API shows, such as a webhook's delivery log): a module queues an
 * entry by inserting its row inside the caller's write transaction, and registers the kind
 * here with three store callbacks (due entries, the outcome of an attempt, the pending
 * count) and its retry policy. core/ owns no table and holds no SQL for the outbox.
 *
 * The worker (one thread for every registered kind) polls each kind about every 200 ms,
 * borrows a pooled connection to read up to 8 due entries, delivers them with no
 * connection and no write lock held, then records each outcome in its own short write
 * transaction. An attempt succeeds on 2xx/3xx; 429, 5xx and no answer are retried with
 * exponential backoff (backoff_ms doubling, capped at backoff_cap_ms) until max_attempts;
 * anything else fails at once. Delivery is by default a signed HTTP POST
 * (weir_outbox_post): https with the certificate verified, plain http only to loopback. */
#ifndef WEIR_CORE_OUTBOX_H
#define WEIR_CORE_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/db.h"
#include "core/error.h"
#include "core/json.h"
#include "core/util.h"

/* A due entry as the kind's due() reads it. Every string is heap-allocated (the worker frees
 * each field after the attempt), since it outlives the pooled connection it was read from. */
typedef struct weir_outbox_entry {
	char *id; /* the delivery id (sent in the id header, signed) */
	char *url; /* the target */
	char *secret; /* NULL: not signed */
	char *payload; /* the body, JSON text */
	int attempts; /* attempts made before this one */
	/* NULL, or the value of an Authorization header to send (e.g. "Basic <base64>"); a
	 * value with a CR or LF is not sent (the attempt fails). The worker zeroes each entry
	 * before due() fills it, so a kind that never sets this field sends none. */
	char *authorization;
} weir_outbox_entry;

/* What one attempt got back. */
typedef struct weir_outbox_result {
	int status; /* the HTTP status; 0: no HTTP answer */
	char error[200]; /* why there was no answer */
	char body[1024]; /* the start of the answer's body (empty unless valid UTF-8) */
} weir_outbox_result;

/* The outcome of one attempt, decided by the worker from the result and the kind's policy;
 * the kind's record() writes it to the entry's row. */
typedef struct weir_outbox_outcome {
	const char *id;
	const char *status; /* PENDING (to retry), DELIVERED or FAILED */
	int attempts; /* including this one */
	int64_t next_attempt_at; /* ms since the epoch: now + the backoff */
	int64_t last_status_code;
	bool has_last_status_code;
	const char *last_error; /* "HTTP 500" or why there was no answer; NULL when delivered */
	int64_t delivered_at; /* the time of the attempt */
	bool has_delivered_at; /* delivered */
} weir_outbox_outcome;

/* The headers of a signed POST: the delivery id, the time (seconds since the epoch) and,
 * when the entry has a secret, the signature "v1,<base64 HMAC-SHA256(secret,
 * "<id>.<timestamp>.<body>")>" (MLflow 3.3's webhook signature). */
typedef struct weir_outbox_http {
	const char *user_agent;
	const char *id_header;
	const char *timestamp_header;
	const char *signature_header;
} weir_outbox_http;

typedef struct weir_outbox_kind weir_outbox_kind;
struct weir_outbox_kind {
	const char *name; /* in log lines: "<name> delivery <id>: attempt ..." */
	int max_attempts;
	int backoff_ms; /* before the second attempt; doubles after each */
	int backoff_cap_ms;
	/* Store callbacks (SQL in the kind's *_store.c), each on a borrowed connection. */
	/* Up to `max` (at most 8) entries due at `now`, earliest first, into out; returns how
	 * many, or -1 with err set. */
	int (*due)(weir_db *db, int64_t now, weir_outbox_entry *out, int max, weir_error *err);
	/* Writes an outcome inside the worker's write transaction: 0 when written, 1 when the
	 * write failed (rolled back), -1 with err set when it could not be prepared. */
	int (*record)(weir_db *db, const weir_outbox_outcome *o, weir_error *err);
	/* Entries still to deliver (the outbox depth for /metrics), 0 or -1. */
	int (*pending)(weir_db *db, int64_t *n, weir_error *err);
	/* The delivery; NULL posts the entry with weir_outbox_post_auth and `http` (its
	 * authorization header included). Must not touch the database (no connection is held
	 * meanwhile). */
	void (*deliver)(const weir_outbox_kind *kind, const weir_outbox_entry *e, weir_outbox_result *res);
	weir_outbox_http http;
};

/* Registers a kind (static storage; at most 8) and starts the worker if it is not running.
 * The kind's entries are read with connections borrowed from `pool`. Starting a registered
 * kind again does nothing. Start and stop are called from one thread (module start/stop). */
int weir_outbox_start(weir_db_pool *pool, const weir_outbox_kind *kind, weir_error *err);
/* Unregisters a kind; returns once the worker no longer delivers its entries (an attempt in
 * flight is finished and recorded; entries not yet attempted stay queued for the next
 * start). The worker stops with the last kind. */
void weir_outbox_stop(const weir_outbox_kind *kind);

/* One POST of `body` to `url` now, with the headers of `h` and signed when `secret` is
 * non-empty; 5 s socket timeouts. Used by the worker and for synchronous test sends. */
void weir_outbox_post(const weir_outbox_http *h, const char *url, const char *secret, const char *id, const char *body,
		      weir_outbox_result *res);
/* The same with an Authorization header when `authorization` is non-NULL (refused, with
 * res->error set and nothing sent, when it holds a CR or LF). */
void weir_outbox_post_auth(const weir_outbox_http *h, const char *url, const char *secret, const char *id,
			   const char *body, const char *authorization, weir_outbox_result *res);

/* One POST of `body` (of `content_type`) to `url` now, for an answer the caller reads (the
 * web UI's exchange of an authorization code at the identity provider's token endpoint): the
 * same targets as weir_outbox_post (https with the certificate verified, plain http to
 * loopback only), an Authorization header when `authorization` is non-NULL (refused when it
 * holds a CR or LF), Accept: application/json, 5 s socket timeouts. Appends up to `max`
 * bytes of the answer's body (de-chunked) to *out, which the caller releases; res->status is
 * the HTTP status, 0 with res->error set when there was no answer (res->body stays empty). */
void weir_outbox_post_read(const char *url, const char *content_type, const char *body, const char *authorization,
			   const char *user_agent, size_t max, weir_buf *out, weir_outbox_result *res);

/* Whether a target URL may be delivered to: http(s)://host[:port]/path, with plain http to
 * loopback hosts only (local receivers, tests); a URL with a space or a control character
 * (which would end up in the request line) is invalid. */
typedef enum {
	WEIR_OUTBOX_URL_OK = 0,
	WEIR_OUTBOX_URL_INVALID, /* not http(s)://host[:port]/path */
	WEIR_OUTBOX_URL_PLAIN_HTTP, /* http:// to a host that is not loopback */
} weir_outbox_url;
weir_outbox_url weir_outbox_url_check(const char *url);

/* The signature header's value for an entry (see weir_outbox_http) into out (>= 64 bytes). */
void weir_outbox_signature(const char *secret, const char *id, const char *ts, const char *body, char *out, size_t cap);

/* ---- the delivery log (core/outbox_log.c): what every kind's table keeps of an entry and
 * its attempts, as the kind's delivery-log API shows it ---- */

/* An entry's state; strings borrowed from the row being read. */
typedef struct weir_outbox_log {
	const char *status; /* PENDING, DELIVERED, FAILED (or the kind's own, e.g. RECORDED) */
	int64_t attempts;
	int64_t last_status_code;
	bool has_last_status_code;
	const char *last_error; /* NULL when none */
	int64_t created_at;
	int64_t delivered_at;
	bool has_delivered_at;
} weir_outbox_log;

/* Reads the six columns status, attempts, last_status_code, last_error, created_at,
 * delivered_at of the row st stands on, from column `col` on. */
void weir_outbox_log_read(weir_stmt *st, int col, weir_outbox_log *out);
/* Sets o's optional members of a log row: last_status_code, last_error, and the delivery
 * time as `delivered_key`, each when there is one. */
void weir_outbox_log_json(json_t *o, const weir_outbox_log *l, const char *delivered_key);
/* A kind's record(): runs `sql` (an UPDATE of the entry's row taking ?1 id, ?2 status,
 * ?3 attempts, ?4 next_attempt_at, ?5 last_status_code, ?6 last_error, ?7 delivered_at) with
 * the outcome's values: 0 when written, 1 when the UPDATE failed, -1 with err set when it
 * could not be prepared. */
int weir_outbox_record_sql(weir_db *db, const char *sql, const weir_outbox_outcome *o, weir_error *err);

#endif
