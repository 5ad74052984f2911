/* Notification destinations (Databricks `/api/2.0/notification-destinations`) and the job
 * notifications sent to them through the shared outbox (core/outbox.h).
 *
 * A destination is a generic webhook (url, optional basic-auth username/password), a
 * Slack/Teams/PagerDuty webhook URL, or a list of email addresses. Secrets (url, password)
 * are never answered back: a read shows `url_set` / `password_set` instead, as Databricks
 * does. Only admins create, update and delete destinations; any authenticated caller may
 * list and get them (to pick an id for a job's webhook_notifications).
 *
 * Delivery: weir_notify_queue() inserts one delivery row per destination in the caller's
 * write transaction (the job run's state change), so a notification is sent exactly when
 * the change committed. The outbox worker POSTs the payload, signed with the destination's
 * signing secret (the `signing_secret` answered once, by create: a Weir extension), with
 * basic auth when the destination has a username/password. Email destinations are
 * accepted and their deliveries recorded as RECORDED, never sent (no mail transport). */
#ifndef WEIR_WORKFLOWS_NOTIFY_H
#define WEIR_WORKFLOWS_NOTIFY_H

#include <jansson.h>
#include <stdbool.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"

/* CRUD, for api/handlers/notifications.c. Bodies and answers are the Databricks shapes
 * (CreateNotificationDestinationRequest, NotificationDestination). Errors name the field. */
json_t *weir_notify_dest_create(weir_db *db, const json_t *body, weir_error *err);
json_t *weir_notify_dest_get(weir_db *db, const char *id, weir_error *err);
json_t *weir_notify_dest_update(weir_db *db, const char *id, const json_t *body, weir_error *err);
int weir_notify_dest_delete(weir_db *db, const char *id, weir_error *err);
/* {results: [...], next_page_token?}; page_size 1..100 (default 20). */
json_t *weir_notify_dest_list(weir_db *db, const char *page_token, int64_t page_size, weir_error *err);
/* Whether destination `id` exists (jobs validate webhook_notifications ids at create). */
bool weir_notify_dest_exists(weir_db *db, const char *id);

/* Queues `payload` (JSON object text) for destination `dest_id`, inside the caller's write
 * transaction. `event` names the event ("jobs.on_failure", ...), kept on the row. An
 * unknown destination is an error (400 naming `webhook_notifications`). */
int weir_notify_queue(weir_db *db, const char *dest_id, const char *event, const char *payload, weir_error *err);
/* Records that email addresses were notified of `event` (no mail is sent), inside the
 * caller's write transaction. */
int weir_notify_record_email(weir_db *db, const char *address, const char *event, const char *payload, weir_error *err);

/* The outbox kind (module worker). */
int weir_notify_worker_start(weir_db_pool *pool, weir_error *err);
void weir_notify_worker_stop(void);

#endif
