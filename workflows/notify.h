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
 * accepted and their deliveries recorded as RECORDED, never sent (no mail transport).
 *
 * What is sent (workflows/notify.c): a POST with User-Agent weir-notifications and the
 * headers X-Weir-Delivery-Id, X-Weir-Timestamp and X-Weir-Signature ("v1," base64 of
 * HMAC-SHA256(signing_secret, "<delivery id>.<timestamp>.<body>"), core/outbox.h), plus
 * `Authorization: Basic ...` for a webhook with a username or password. The body is the
 * queued payload for a generic webhook; for Slack and Teams the payload with a `text`
 * member added when it has none ("[Weir] <event>", then ": <payload.summary>" when the
 * payload has a `summary` string); for PagerDuty an Events API v2 trigger
 * ({routing_key, event_action, payload: {summary, source, severity, custom_details}}) posted
 * to https://events.pagerduty.com/v2/enqueue. 429, 5xx and no answer are retried 6 times
 * from 0.5 s doubling (capped at 60 s); any other answer below 200 or from 400 fails. */
#ifndef WEIR_WORKFLOWS_NOTIFY_H
#define WEIR_WORKFLOWS_NOTIFY_H

#include <jansson.h>
#include <stdbool.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"

/* CRUD, for api/handlers/notifications.c. Bodies and answers are the Databricks shapes
 * (CreateNotificationDestinationRequest, NotificationDestination). Errors name the field
 * (400 INVALID_PARAMETER_VALUE; `config.<kind>.<field>` for a field of a config); a missing
 * id is 404 RESOURCE_DOES_NOT_EXIST. Every answer is a new reference for the caller.
 *
 * Create answers the new destination with `signing_secret` (the only time it is shown) and
 * records who created it (a principal name, or NULL).
 * Update takes {display_name?, config?}: a config must be of the destination's kind (the
 * type cannot change); its fields given replace the current ones, those not given are kept,
 * and an optional field (username, password) given as "" is removed. Fields of a kind Weir
 * does not support (Slack's oauth_token, Teams' app fields) are refused; the output-only
 * `<field>_set` flags are ignored in bodies. */
json_t *weir_notify_dest_create_by(weir_db *db, const json_t *body, const char *created_by, weir_error *err);
json_t *weir_notify_dest_get(weir_db *db, const char *id, weir_error *err);
json_t *weir_notify_dest_update(weir_db *db, const char *id, const json_t *body, weir_error *err);
int weir_notify_dest_delete(weir_db *db, const char *id, weir_error *err);
/* {results: [...], next_page_token?}; page_size 1..100 (default 20; 0 means the default,
 * others are 400 naming page_size). Destinations in creation order, each a whole
 * NotificationDestination (masked config); the token is a keyset on (creation time, id). */
json_t *weir_notify_dest_list(weir_db *db, const char *page_token, int64_t page_size, weir_error *err);
/* {deliveries: [{id, event, status, attempts, last_status_code?, last_error?, created_at,
 * delivered_at?}]}: the destination's last 100 deliveries, newest first (a Weir extension
 * for operators). */
json_t *weir_notify_dest_deliveries(weir_db *db, const char *id, weir_error *err);
/* Whether destination `id` exists (jobs validate webhook_notifications ids at create). */
bool weir_notify_dest_exists(weir_db *db, const char *id);

/* Queues `payload` (JSON object text) for destination `dest_id`, inside the caller's write
 * transaction. `event` names the event ("jobs.on_failure", ...: 1 to 100 letters, digits,
 * '.', '_', '-'), kept on the row; an event containing "failure" is a PagerDuty `error`,
 * one containing "warning" a `warning`, others `info`. An unknown destination is an error
 * (400 naming `webhook_notifications`). A delivery to an email destination is RECORDED. */
int weir_notify_queue(weir_db *db, const char *dest_id, const char *event, const char *payload, weir_error *err);
/* Records that email addresses were notified of `event` (no mail is sent), inside the
 * caller's write transaction. */
int weir_notify_record_email(weir_db *db, const char *address, const char *event, const char *payload, weir_error *err);

/* The outbox kind (module worker). */
int weir_notify_worker_start(weir_db_pool *pool, weir_error *err);
void weir_notify_worker_stop(void);

#endif
