/* Registry webhooks (MLflow 3.3 style): CRUD of webhooks, an outbox of deliveries queued in
 * the transaction of the event that caused them, and a background worker that POSTs them
 * (HMAC-SHA256 signed when the webhook has a secret) with exponential backoff. A delivery
 * never blocks nor fails the request that caused it. Secrets are never returned nor logged. */
#ifndef WEIR_REGISTRY_WEBHOOKS_H
#define WEIR_REGISTRY_WEBHOOKS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"

/* Queues one delivery per ACTIVE webhook subscribed to entity/action (MLflow names,
 * e.g. "MODEL_VERSION", "CREATED"). `data` is borrowed. Inside the caller's transaction. */
int weir_webhooks_emit(weir_db *db, weir_arena *a, const char *entity, const char *action, json_t *data,
		       weir_error *err);

/* CRUD: the MLflow wire shapes ({webhook}, {webhooks, next_page_token}). */
json_t *weir_webhook_create(weir_db *db, weir_arena *a, json_t *body, weir_error *err);
json_t *weir_webhook_get(weir_db *db, weir_arena *a, const char *id, weir_error *err);
json_t *weir_webhook_list(weir_db *db, weir_arena *a, int64_t max_results, const char *page_token, weir_error *err);
json_t *weir_webhook_update(weir_db *db, weir_arena *a, const char *id, json_t *body, weir_error *err);
int weir_webhook_delete(weir_db *db, const char *id, weir_error *err);
/* {deliveries: [...]} newest first (status, attempts, last_status_code, last_error, ...). */
json_t *weir_webhook_deliveries(weir_db *db, weir_arena *a, const char *id, weir_error *err);

/* Sends an example payload synchronously (no transaction held): {result:{...}}. The caller
 * reads the target with weir_webhook_target first, outside any write transaction. */
typedef struct weir_webhook_target {
	const char *url;
	const char *secret; /* NULL when none */
	const char *entity;
	const char *action;
} weir_webhook_target;
int weir_webhook_target_get(weir_db *db, weir_arena *a, const char *id, json_t *event, weir_webhook_target *out,
			    weir_error *err);
json_t *weir_webhook_test_send(weir_arena *a, const weir_webhook_target *t);

/* The delivery worker: its own connections borrowed from `pool` per round. */
int weir_webhooks_worker_start(weir_db_pool *pool, weir_error *err);
void weir_webhooks_worker_stop(void);

#endif
