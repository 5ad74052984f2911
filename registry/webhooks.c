/* Registry webhooks: validation and CRUD of webhook rows, the delivery outbox (one row per
 * subscribed webhook, queued in the transaction of the event), and the webhooks' kind of
 * outbox entry: the core outbox worker (core/outbox.c) POSTs due deliveries, signs them like
 * MLflow 3.3 (X-MLflow-Signature: v1,base64(HMAC-SHA256(secret, "<id>.<ts>.<body>"))) and
 * retries 429/5xx/connection failures with exponential backoff (0.5 s doubling, capped at
 * 60 s, 6 attempts). The SQL is in webhooks_store.c. */
#include "registry/webhooks_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "core/outbox.h"
#include "core/util.h"
#include "registry/mlflow_kit.h"
#include "registry/registry.h"

#define HOOK_MAX_ATTEMPTS 6
#define HOOK_BACKOFF_MS 500
#define HOOK_BACKOFF_CAP_MS 60000

/* ---------------------------------------------------------------- validation */

static const char *const ENTITIES[][3] = {
	{"REGISTERED_MODEL", "CREATED", NULL},
	{"MODEL_VERSION", "CREATED", NULL},
	{"MODEL_VERSION_TAG", "SET", "DELETED"},
	{"MODEL_VERSION_ALIAS", "CREATED", "DELETED"},
	{"PROMPT", "CREATED", NULL},
	{"PROMPT_VERSION", "CREATED", NULL},
	{"PROMPT_TAG", "SET", "DELETED"},
	{"PROMPT_VERSION_TAG", "SET", "DELETED"},
	{"PROMPT_ALIAS", "CREATED", "DELETED"},
};

static bool event_valid(const char *entity, const char *action)
{
	for (size_t i = 0; i < sizeof(ENTITIES) / sizeof(ENTITIES[0]); i++)
		if (strcmp(ENTITIES[i][0], entity) == 0)
			return strcmp(ENTITIES[i][1], action) == 0 ||
			       (ENTITIES[i][2] && strcmp(ENTITIES[i][2], action) == 0);
	return false;
}

static int check_name(const char *name, weir_error *err)
{
	size_t n = strlen(name);
	bool ok = n >= 1 && n <= 63 && isalnum((unsigned char)name[0]) && isalnum((unsigned char)name[n - 1]);
	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)name[i]) || name[i] == '.' || name[i] == '_' || name[i] == '-';
	if (!ok)
		return weir_error_field(
			err, WEIR_E_INVALID_PARAMETER_VALUE, "name",
			"Invalid webhook name '%.100s'. Name must be 1-63 characters of letters, digits, "
			"'.', '_' or '-', starting and ending with a letter or digit.",
			name);
	return 0;
}

/* https anywhere (MLflow's default); plain http only to loopback (local receivers, tests). */
static int check_url(const char *url, weir_error *err)
{
	weir_outbox_url ok = weir_outbox_url_check(url);
	if (ok == WEIR_OUTBOX_URL_INVALID)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "url",
					"Invalid webhook URL '%.200s': expected http(s)://host[:port]/path", url);
	if (ok == WEIR_OUTBOX_URL_PLAIN_HTTP)
		return weir_error_field(
			err, WEIR_E_INVALID_PARAMETER_VALUE, "url",
			"Invalid webhook URL scheme: plain http is allowed only for loopback hosts; use "
			"https.");
	return 0;
}

/* Validates events: a non-empty array of {entity, action}; returns canonical JSON text. */
static const char *check_events(weir_arena *a, json_t *events, weir_error *err)
{
	if (!json_is_array(events) || json_array_size(events) == 0) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "events",
				 "Webhook events must be a non-empty list of {entity, action}.");
		return NULL;
	}
	json_t *canon = json_array();
	size_t i;
	json_t *ev;
	json_array_foreach (events, i, ev) {
		const char *en = json_string_value(json_object_get(ev, "entity"));
		const char *ac = json_string_value(json_object_get(ev, "action"));
		char ent[64] = "", act[32] = "";
		for (size_t k = 0; en && en[k] && k < sizeof(ent) - 1; k++)
			ent[k] = (char)toupper((unsigned char)en[k]);
		for (size_t k = 0; ac && ac[k] && k < sizeof(act) - 1; k++)
			act[k] = (char)toupper((unsigned char)ac[k]);
		if (!json_is_object(ev) || !event_valid(ent, act)) {
			json_decref(canon);
			weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "events",
					 "Invalid webhook event {entity: %.64s, action: %.32s}.", en ? en : "null",
					 ac ? ac : "null");
			return NULL;
		}
		json_array_append_new(canon, json_pack("{s:s, s:s}", "entity", ent, "action", act));
	}
	char *t = json_dumps(canon, JSON_COMPACT);
	json_decref(canon);
	const char *out = weir_arena_strdup(a, t);
	free(t);
	return out;
}

static int check_status(const char *s, weir_error *err)
{
	if (strcmp(s, "ACTIVE") != 0 && strcmp(s, "DISABLED") != 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "status",
					"Invalid webhook status '%.50s': expected ACTIVE or DISABLED.", s);
	return 0;
}

/* ---------------------------------------------------------------- CRUD */

static int not_found(const char *id, weir_error *err)
{
	return weir_error_set(err, WEIR_E_NOT_FOUND, "Webhook with ID %.100s not found.", id);
}

json_t *weir_webhook_get(weir_db *db, weir_arena *a, const char *id, weir_error *err)
{
	wh_hook h;
	bool found;
	if (weir_wh_store_get(db, a, id, &h, &found, err) != 0)
		return NULL;
	if (!found) {
		not_found(id, err);
		return NULL;
	}
	json_t *events = json_loads(h.events, 0, NULL);
	json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:I, s:I}", "webhook_id", h.id, "name", h.name, "url", h.url,
			      "events", events ? events : json_array(), "status", h.status, "creation_timestamp",
			      (json_int_t)h.creation_timestamp, "last_updated_timestamp",
			      (json_int_t)h.last_updated_timestamp);
	if (h.description)
		json_object_set_new(o, "description", json_string(h.description));
	return o;
}

static int body_str(json_t *body, const char *key, bool required, const char **out, weir_error *err)
{
	if (weir_json_get_str(body, key, required, out, err) != 0)
		return -1;
	if (required && **out == '\0')
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key,
					"Missing value for required parameter '%s'.", key);
	return 0;
}

json_t *weir_webhook_create(weir_db *db, weir_arena *a, json_t *body, weir_error *err)
{
	const char *name = NULL, *url = NULL, *desc = NULL, *secret = NULL, *status = "ACTIVE", *events;
	json_t *ev = NULL;
	if (body_str(body, "name", true, &name, err) != 0 || check_name(name, err) != 0 ||
	    body_str(body, "url", true, &url, err) != 0 || check_url(url, err) != 0 ||
	    weir_json_get_str(body, "description", false, &desc, err) != 0 ||
	    weir_json_get_str(body, "secret", false, &secret, err) != 0 ||
	    weir_json_get_str(body, "status", false, &status, err) != 0 || check_status(status, err) != 0 ||
	    weir_json_get_arr(body, "events", true, &ev, err) != 0 || (events = check_events(a, ev, err)) == NULL)
		return NULL;
	char id[37];
	weir_uuid4(id);
	wh_fields f = {.name = name,
		       .description = desc,
		       .url = url,
		       .events = events,
		       .secret = secret && *secret ? secret : NULL,
		       .status = status};
	if (weir_wh_store_insert(db, id, &f, weir_now_ms(), err) != 0)
		return NULL;
	return weir_webhook_get(db, a, id, err);
}

typedef struct hook_item {
	weir_db *db;
	weir_arena *a;
	const char *const *ids;
} hook_item;

static json_t *hook_item_json(void *ctx, int i, weir_error *err)
{
	hook_item *it = ctx;
	return weir_webhook_get(it->db, it->a, it->ids[i], err);
}

json_t *weir_webhook_list(weir_db *db, weir_arena *a, int64_t max_results, const char *page_token, weir_error *err)
{
	if (max_results == 0)
		max_results = 100;
	if (max_results < 1 || max_results > 1000) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "max_results",
				 "Invalid value %lld for parameter 'max_results': must be between 1 and 1000.",
				 (long long)max_results);
		return NULL;
	}
	int64_t offset = 0;
	if (weir_registry_page_offset(a, page_token, &offset, err) != 0)
		return NULL;
	const char *ids[1001];
	int n = 0;
	if (weir_wh_store_list_ids(db, a, offset, ids, (int)max_results + 1, &n, err) != 0)
		return NULL;
	hook_item it = {db, a, ids};
	return weir_mlflow_page(a, n, max_results, offset, false, "webhooks", hook_item_json, &it, err);
}

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

json_t *weir_webhook_update(weir_db *db, weir_arena *a, const char *id, json_t *body, weir_error *err)
{
	const char *name = NULL, *url = NULL, *desc = NULL, *secret = NULL, *status = NULL, *events = NULL;
	json_t *ev = NULL;
	if (weir_json_get_str(body, "name", false, &name, err) != 0 || (nonempty(name) && check_name(name, err) != 0) ||
	    weir_json_get_str(body, "url", false, &url, err) != 0 || (nonempty(url) && check_url(url, err) != 0) ||
	    weir_json_get_str(body, "description", false, &desc, err) != 0 ||
	    weir_json_get_str(body, "secret", false, &secret, err) != 0 ||
	    weir_json_get_str(body, "status", false, &status, err) != 0 ||
	    (nonempty(status) && check_status(status, err) != 0) ||
	    weir_json_get_arr(body, "events", false, &ev, err) != 0 ||
	    (ev && json_array_size(ev) && (events = check_events(a, ev, err)) == NULL))
		return NULL;
	json_t *cur = weir_webhook_get(db, a, id, err);
	if (cur == NULL)
		return NULL;
	json_decref(cur);
	wh_fields f = {.name = nonempty(name),
		       .description = nonempty(desc),
		       .url = nonempty(url),
		       .events = events,
		       .secret = nonempty(secret),
		       .status = nonempty(status)};
	if (weir_wh_store_update(db, id, &f, weir_now_ms(), err) != 0)
		return NULL;
	return weir_webhook_get(db, a, id, err);
}

int weir_webhook_delete(weir_db *db, const char *id, weir_error *err)
{
	bool deleted;
	if (weir_wh_store_delete(db, id, weir_now_ms(), &deleted, err) != 0)
		return -1;
	return deleted ? 0 : not_found(id, err);
}

/* Appends one delivery log row to the array `ctx`. */
static int delivery_json(void *ctx, const wh_delivery *d)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "delivery_id", d->id, "entity", d->entity, "action",
			      d->action, "status", d->log.status, "attempts", (json_int_t)d->log.attempts,
			      "created_timestamp", (json_int_t)d->log.created_at);
	weir_outbox_log_json(o, &d->log, "delivered_timestamp");
	if (strcmp(d->log.status, "PENDING") == 0)
		json_object_set_new(o, "next_attempt_timestamp", json_integer(d->next_attempt_at));
	json_array_append_new((json_t *)ctx, o);
	return 0;
}

json_t *weir_webhook_deliveries(weir_db *db, weir_arena *a, const char *id, weir_error *err)
{
	json_t *cur = weir_webhook_get(db, a, id, err);
	if (cur == NULL)
		return NULL;
	json_decref(cur);
	json_t *arr = json_array();
	if (weir_wh_store_deliveries(db, id, delivery_json, arr, err) != 0) {
		json_decref(arr);
		return NULL;
	}
	return json_pack("{s:o}", "deliveries", arr);
}

/* ---------------------------------------------------------------- outbox */

static char *lower_dup(weir_arena *a, const char *s)
{
	char *d = weir_arena_strdup(a, s);
	for (char *c = d; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return d;
}

static char *payload_text(weir_arena *a, const char *entity, const char *action, json_t *data, int64_t now)
{
	char ts[WEIR_ISO_MS_LEN];
	weir_time_iso_ms(now, ts);
	json_t *p = json_pack("{s:s, s:s, s:s, s:O}", "entity", lower_dup(a, entity), "action", lower_dup(a, action),
			      "timestamp", ts, "data", data);
	char *t = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	char *out = weir_arena_strdup(a, t ? t : "{}");
	free(t);
	return out;
}

/* The ACTIVE webhooks subscribed to one event, collected while the store visits them. */
typedef struct emit_ctx {
	weir_arena *a;
	const char *entity, *action;
	const char *ids[64];
	int n;
} emit_ctx;

static int emit_match(void *ctx, const char *webhook_id, const char *events)
{
	emit_ctx *c = ctx;
	json_t *evs = json_loads(events, 0, NULL);
	size_t i;
	json_t *ev;
	bool match = false;
	json_array_foreach (evs, i, ev) {
		const char *e = json_string_value(json_object_get(ev, "entity"));
		const char *ac = json_string_value(json_object_get(ev, "action"));
		if (e && ac && strcmp(e, c->entity) == 0 && strcmp(ac, c->action) == 0)
			match = true;
	}
	json_decref(evs);
	if (match)
		c->ids[c->n++] = weir_arena_strdup(c->a, webhook_id);
	return c->n == 64;
}

int weir_webhooks_emit(weir_db *db, weir_arena *a, const char *entity, const char *action, json_t *data,
		       weir_error *err)
{
	emit_ctx c = {.a = a, .entity = entity, .action = action};
	if (weir_wh_store_active(db, emit_match, &c, err) != 0)
		return -1;
	if (c.n == 0)
		return 0;
	int64_t now = weir_now_ms();
	char *payload = payload_text(a, entity, action, data, now);
	for (int i = 0; i < c.n; i++) {
		char did[37];
		weir_uuid4(did);
		if (weir_wh_store_delivery_insert(db, did, c.ids[i], entity, action, payload, now, err) != 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- worker */

/* The webhooks' kind of outbox entry (core/outbox.h): rows of webhook_deliveries, posted
 * with MLflow's headers and signature, retried 6 times from 0.5 s doubling (capped at
 * 60 s). */
static const weir_outbox_kind WEBHOOKS = {
	.name = "webhook",
	.max_attempts = HOOK_MAX_ATTEMPTS,
	.backoff_ms = HOOK_BACKOFF_MS,
	.backoff_cap_ms = HOOK_BACKOFF_CAP_MS,
	.due = weir_wh_store_due,
	.record = weir_wh_store_delivery_result,
	.pending = weir_wh_store_pending_count,
	.http = {.user_agent = "weir-webhooks",
		 .id_header = "X-MLflow-Delivery-Id",
		 .timestamp_header = "X-MLflow-Timestamp",
		 .signature_header = "X-MLflow-Signature"},
};

int weir_webhooks_worker_start(weir_db_pool *pool, weir_error *err) { return weir_outbox_start(pool, &WEBHOOKS, err); }

void weir_webhooks_worker_stop(void) { weir_outbox_stop(&WEBHOOKS); }

/* ---------------------------------------------------------------- test endpoint */

int weir_webhook_target_get(weir_db *db, weir_arena *a, const char *id, json_t *event, weir_webhook_target *out,
			    weir_error *err)
{
	const char *events;
	bool found;
	if (weir_wh_store_target(db, a, id, &out->url, &out->secret, &events, &found, err) != 0)
		return -1;
	if (!found)
		return not_found(id, err);
	json_t *evs = json_loads(events, 0, NULL);
	json_t *first = json_array_get(evs, 0);
	out->entity = weir_arena_strdup(a,
					first ? json_string_value(json_object_get(first, "entity")) : "MODEL_VERSION");
	out->action = weir_arena_strdup(a, first ? json_string_value(json_object_get(first, "action")) : "CREATED");
	json_decref(evs);
	if (json_is_object(event)) {
		const char *en = json_string_value(json_object_get(event, "entity"));
		const char *ac = json_string_value(json_object_get(event, "action"));
		if (!en || !ac || !event_valid(en, ac))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "event",
						"Invalid webhook event for test.");
		out->entity = weir_arena_strdup(a, en);
		out->action = weir_arena_strdup(a, ac);
	}
	return 0;
}

json_t *weir_webhook_test_send(weir_arena *a, const weir_webhook_target *t)
{
	json_t *data = json_pack("{s:s, s:s, s:s, s:n, s:{}, s:n}", "name", "example_model", "version", "1", "source",
				 "models:/123", "run_id", "tags", "description");
	char *payload = payload_text(a, t->entity, t->action, data, weir_now_ms());
	json_decref(data);
	char did[37];
	weir_uuid4(did);
	weir_outbox_result res;
	weir_outbox_post(&WEBHOOKS.http, t->url, t->secret, did, payload, &res);
	json_t *r = json_pack("{s:b}", "success", res.status >= 200 && res.status < 400);
	if (res.status)
		json_object_set_new(r, "response_status", json_integer(res.status));
	if (res.body[0])
		json_object_set_new(r, "response_body", json_string(res.body));
	if (res.error[0])
		json_object_set_new(r, "error_message", json_string(res.error));
	return json_pack("{s:o}", "result", r);
}
