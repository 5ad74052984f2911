/* Private interface between workflows/notify.c (validation, the Databricks JSON shapes, the
 * notifications' kind of outbox entry) and workflows/notify_store.c (all of their SQL: the
 * notification_destinations table and the notification_deliveries outbox). Not for other
 * modules. */
#ifndef WEIR_WORKFLOWS_NOTIFY_INT_H
#define WEIR_WORKFLOWS_NOTIFY_INT_H

#include "core/outbox.h"
#include "workflows/notify.h"

/* A destination row; strings in the arena (or borrowed, for an insert). `config` is the
 * JSON object text of the kind's fields, secrets included. */
typedef struct notify_dest {
	const char *id;
	const char *display_name;
	const char *type; /* EMAIL, SLACK, WEBHOOK, MICROSOFT_TEAMS, PAGERDUTY */
	const char *config;
	const char *signing_secret; /* insert only: never read back by the CRUD reads */
	const char *created_by; /* insert only; NULL when none */
	int64_t created_at;
} notify_dest;

/* A delivery row to insert (all borrowed). Exactly one of destination_id and address. */
typedef struct notify_delivery_new {
	const char *id;
	const char *destination_id;
	const char *address;
	const char *event;
	const char *payload;
	const char *status; /* PENDING or RECORDED */
	int64_t now;
} notify_delivery_new;

/* One row of a destination's delivery log; strings borrowed for the duration of the visit. */
typedef struct notify_delivery {
	const char *id;
	const char *event;
	weir_outbox_log log;
} notify_delivery;

/* A due delivery with its destination, as the worker reads it: every string
 * heap-allocated (notify.c turns it into a weir_outbox_entry and frees the rest). */
typedef struct notify_due {
	char *id;
	char *payload;
	char *event;
	char *type;
	char *config;
	char *signing_secret;
	int attempts;
} notify_due;

/* Visitor: return 1 to stop, 0 to go on. */
typedef int (*notify_delivery_fn)(void *ctx, const notify_delivery *d);

/* destinations */
int weir_notify_store_dest_insert(weir_db *db, const notify_dest *d, weir_error *err);
/* *found is false when no destination has this id. */
int weir_notify_store_dest_get(weir_db *db, weir_arena *a, const char *id, notify_dest *out, bool *found,
			       weir_error *err);
/* NULL display_name or config keeps the current value; *found as above. */
int weir_notify_store_dest_update(weir_db *db, const char *id, const char *display_name, const char *config,
				  bool *found, weir_error *err);
/* Deletes the destination and its deliveries; *deleted is false when none had this id. */
int weir_notify_store_dest_delete(weir_db *db, const char *id, bool *deleted, weir_error *err);
/* Up to `cap` destinations in (created_at, id) order after the key (after_id NULL: from
 * the start), into rows (arena strings); *n how many. */
int weir_notify_store_dest_page(weir_db *db, weir_arena *a, int64_t after_created_at, const char *after_id,
				notify_dest *rows, int cap, int *n, weir_error *err);

/* deliveries */
int weir_notify_store_delivery_insert(weir_db *db, const notify_delivery_new *d, weir_error *err);
/* Visits a destination's last 100 deliveries, newest first. */
int weir_notify_store_deliveries(weir_db *db, const char *destination_id, notify_delivery_fn fn, void *ctx,
				 weir_error *err);

/* worker: the store side of the notifications' outbox kind (core/outbox.h) */
/* Up to `max` PENDING deliveries due at `now`, earliest first, with their destination.
 * Returns how many were read into out, or -1 with err set. */
int weir_notify_store_due(weir_db *db, int64_t now, notify_due *out, int max, weir_error *err);
/* PENDING deliveries into *n (the outbox depth for /metrics). 0 or -1. */
int weir_notify_store_pending_count(weir_db *db, int64_t *n, weir_error *err);
/* Records an attempt's outcome inside the worker's write transaction: 0 when written, 1
 * when the UPDATE failed (the worker rolls back), -1 with err set when it could not be
 * prepared. */
int weir_notify_store_record(weir_db *db, const weir_outbox_outcome *o, weir_error *err);

#endif
