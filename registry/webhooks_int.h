/* Private interface between registry/webhooks.c (validation, the wire JSON, event matching,
 * the webhooks' kind of outbox entry) and registry/webhooks_store.c (all of the
 * webhooks' SQL: the webhooks table and the webhook_deliveries outbox). Not for other
 * modules. */
#ifndef WEIR_REGISTRY_WEBHOOKS_INT_H
#define WEIR_REGISTRY_WEBHOOKS_INT_H

#include "core/outbox.h"
#include "registry/webhooks.h"

/* A webhook row (not deleted); strings in the arena. The secret is never read here. */
typedef struct wh_hook {
	const char *id;
	const char *name;
	const char *description; /* NULL when none */
	const char *url;
	const char *events; /* canonical JSON text: [{entity, action}, ...] */
	const char *status;
	int64_t creation_timestamp;
	int64_t last_updated_timestamp;
} wh_hook;

/* Column values of an insert or update, all borrowed. In an update a NULL keeps the
 * current value; in an insert it stores SQL NULL (description, secret). */
typedef struct wh_fields {
	const char *name;
	const char *description;
	const char *url;
	const char *events;
	const char *secret;
	const char *status;
} wh_fields;

/* One row of a webhook's delivery log; strings borrowed for the duration of the visit. */
typedef struct wh_delivery {
	const char *id;
	const char *entity;
	const char *action;
	weir_outbox_log log;
	int64_t next_attempt_at;
} wh_delivery;

/* Visitors: return 1 to stop, 0 to go on. */
typedef int (*wh_active_fn)(void *ctx, const char *webhook_id, const char *events);
typedef int (*wh_delivery_fn)(void *ctx, const wh_delivery *d);

/* webhooks */
/* *found is false when no live webhook has this id; a failed step also reads as not
 * found. */
int weir_wh_store_get(weir_db *db, weir_arena *a, const char *id, wh_hook *out, bool *found, weir_error *err);
int weir_wh_store_insert(weir_db *db, const char *id, const wh_fields *f, int64_t now, weir_error *err);
int weir_wh_store_update(weir_db *db, const char *id, const wh_fields *f, int64_t now, weir_error *err);
/* Soft delete; *deleted is false when no live webhook had this id. */
int weir_wh_store_delete(weir_db *db, const char *id, int64_t now, bool *deleted, weir_error *err);
/* Up to `cap` ids (arena) of live webhooks, newest first, from `offset`; a failed step ends
 * the page early. */
int weir_wh_store_list_ids(weir_db *db, weir_arena *a, int64_t offset, const char **ids, int cap, int *n,
			   weir_error *err);
/* The delivery target: url and secret (NULL when none) and the events JSON text, in the
 * arena. *found as in weir_wh_store_get. */
int weir_wh_store_target(weir_db *db, weir_arena *a, const char *id, const char **url, const char **secret,
			 const char **events, bool *found, weir_error *err);

/* outbox */
/* Visits every live ACTIVE webhook with its events JSON text. */
int weir_wh_store_active(weir_db *db, wh_active_fn fn, void *ctx, weir_error *err);
/* Queues a PENDING delivery due at `now`. */
int weir_wh_store_delivery_insert(weir_db *db, const char *delivery_id, const char *webhook_id, const char *entity,
				  const char *action, const char *payload, int64_t now, weir_error *err);
/* Visits a webhook's last 100 deliveries, newest first. */
int weir_wh_store_deliveries(weir_db *db, const char *webhook_id, wh_delivery_fn fn, void *ctx, weir_error *err);

/* worker: the store callbacks of the webhooks' outbox kind (core/outbox.h) */
/* Up to `max` (at most 8) PENDING deliveries due at `now` of live webhooks, earliest first,
 * with their webhook's url and secret; every string heap-allocated (the worker frees them).
 * Returns how many were read into out, or -1 with err set. */
int weir_wh_store_due(weir_db *db, int64_t now, weir_outbox_entry *out, int max, weir_error *err);
/* PENDING deliveries of live webhooks into *n (the outbox depth for /metrics). 0 or -1. */
int weir_wh_store_pending_count(weir_db *db, int64_t *n, weir_error *err);
/* Records an attempt's outcome, inside the caller's write transaction (a NULL last_error
 * stores SQL NULL). Returns 0 when written, 1 when the UPDATE failed (the caller rolls back;
 * nothing is reported), -1 with err set when the statement could not be prepared. */
int weir_wh_store_delivery_result(weir_db *db, const weir_outbox_outcome *r, weir_error *err);

#endif
