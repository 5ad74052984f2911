/* Process-wide counters for GET /metrics (Prometheus text format). Every function here is
 * cheap enough for the request path: relaxed atomics on per-slot counters, no lock, no
 * allocation. Labels are bounded by construction: a route is named by its index in the route
 * table (its pattern, never the concrete path), a status by its class and code; nothing a
 * client chooses (a token, a name, an id) ever becomes a label.
 *
 * Writers: api/server.c (requests, connections, body bytes), core/db.c (write queue, group
 * commit batches, fsync time, pool waits), caches (hits/misses), background workers (outbox).
 * Reader: weir_metrics_render, called by the /metrics handler. */
#ifndef WEIR_CORE_METRICS_H
#define WEIR_CORE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

/* Routes: api/ registers the route patterns once at start (index = position in its table,
 * up to WEIR_METRICS_MAX_ROUTES; index -1 means "no route matched"). */
#define WEIR_METRICS_MAX_ROUTES 512
void weir_metrics_set_route_name(int index, const char *method, const char *pattern);
/* One finished request: route index (or -1), HTTP status, wall time in microseconds. */
void weir_metrics_request_done(int route_index, int status, int64_t duration_us);

/* Gauges moved by the server. */
void weir_metrics_inflight_add(int delta); /* requests between head and completion */
void weir_metrics_connections_add(int delta); /* open client connections */
void weir_metrics_body_bytes_add(int64_t delta); /* bytes of request bodies held in memory */
void weir_metrics_conn_closed_add(const char *reason); /* "head_deadline", "pressure" (static strings) */
void weir_metrics_body_refused(void); /* 503: body memory budget exhausted */

/* The database (core/db.c). */
void weir_metrics_write_queue_add(int delta); /* requests waiting for the write lock */
void weir_metrics_commit(int batch_size, int64_t commit_us); /* one commit: its requests, its time (fsync) */
void weir_metrics_pool_wait(int64_t wait_us); /* a borrow that had to wait */

/* Caches: name is a static string ("closure", "privileges", ...). */
void weir_metrics_cache(const char *name, int hit);

/* Background outbox (webhooks, notifications). */
void weir_metrics_outbox_depth_set(int64_t depth);
void weir_metrics_outbox_failure(void);
void weir_metrics_outbox_delivered(void);

/* Appends the whole exposition text to out. */
void weir_metrics_render(weir_buf *out);
/* The Content-Type of that text (Prometheus text exposition format 0.0.4). */
#define WEIR_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Tests only: zeroes every counter, gauge and histogram and forgets cache names and close
 * reasons; registered route names stay. Not safe while other threads record. */
void weir_metrics_reset(void);

#endif
