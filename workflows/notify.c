/* Notification destinations (workflows/notify.h): validation of the Databricks request
 * shapes (a display name and a config wrapping exactly one of generic_webhook, email,
 * slack, microsoft_teams, pagerduty), the NotificationDestination answers with their
 * secrets masked (url_set, username_set, password_set, integration_key_set), keyset pages,
 * and the job notifications' kind of outbox entry (core/outbox.h): rows of
 * notification_deliveries posted to the destination, signed with its signing secret
 * (X-Weir-Signature: v1,base64(HMAC-SHA256(secret, "<id>.<ts>.<body>"))), with basic auth
 * for a webhook with a username or password, retried 6 times from 0.5 s doubling (capped at
 * 60 s). Email destinations are recorded, never sent. The SQL is in notify_store.c. */
#include "workflows/notify_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/util.h"

#define NOTIFY_MAX_ATTEMPTS 6
#define NOTIFY_BACKOFF_MS 500
#define NOTIFY_BACKOFF_CAP_MS 60000
#define NOTIFY_DUE_MAX 8

#define PAGE_SIZE_DEFAULT 20
#define PAGE_SIZE_MAX 100
#define DISPLAY_NAME_MAX 256 /* characters */
#define SECRET_MAX 256 /* bytes of a username, password or integration key */
#define URL_MAX 2048
#define ADDRESSES_MAX 100

/* PagerDuty has no URL of its own in the config: its Events API v2. */
static const char PAGERDUTY_EVENTS_URL[] = "https://events.pagerduty.com/v2/enqueue";

/* ---------------------------------------------------------------- kinds */

typedef enum { F_URL, F_USERNAME, F_PASSWORD, F_ADDRESSES, F_KEY } field_kind;

typedef struct kind_field {
	const char *name;
	field_kind kind;
	bool required; /* at create */
} kind_field;

/* A kind of destination: its key in `config`, its destination_type, and its input fields.
 * Reads answer `addresses` as they are and every other field as `<name>_set`. */
typedef struct dest_kind {
	const char *config_key;
	const char *type;
	kind_field fields[3];
	int nfields;
} dest_kind;

static const dest_kind KINDS[] = {
	{"generic_webhook",
	 "WEBHOOK",
	 {{"url", F_URL, true}, {"username", F_USERNAME, false}, {"password", F_PASSWORD, false}},
	 3},
	{"email", "EMAIL", {{"addresses", F_ADDRESSES, true}}, 1},
	{"slack", "SLACK", {{"url", F_URL, true}}, 1},
	{"microsoft_teams", "MICROSOFT_TEAMS", {{"url", F_URL, true}}, 1},
	{"pagerduty", "PAGERDUTY", {{"integration_key", F_KEY, true}}, 1},
};
#define NKINDS (sizeof(KINDS) / sizeof(KINDS[0]))

static const dest_kind *kind_by_type(const char *type)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (strcmp(KINDS[i].type, type) == 0)
			return &KINDS[i];
	return NULL;
}

static const dest_kind *kind_by_key(const char *key)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (strcmp(KINDS[i].config_key, key) == 0)
			return &KINDS[i];
	return NULL;
}

static const kind_field *field_of(const dest_kind *k, const char *name)
{
	for (int i = 0; i < k->nfields; i++)
		if (strcmp(k->fields[i].name, name) == 0)
			return &k->fields[i];
	return NULL;
}

/* Whether `name` is "<field>_set" for a field of k: an output-only flag a client may send
 * back (read, modify, write); ignored. */
static bool output_flag(const dest_kind *k, const char *name)
{
	size_t n = strlen(name);
	if (n < 5 || strcmp(name + n - 4, "_set") != 0)
		return false;
	for (int i = 0; i < k->nfields; i++)
		if (strlen(k->fields[i].name) == n - 4 && strncmp(k->fields[i].name, name, n - 4) == 0)
			return true;
	return false;
}

/* ---------------------------------------------------------------- validation */

static bool has_control(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return true;
	return false;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		n += (*c & 0xc0) != 0x80;
	return n;
}

static int bad(weir_error *err, const char *field, const char *why)
{
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field, "Invalid value for '%s': %s", field, why);
}

static int check_display_name(json_t *v, const char **out, weir_error *err)
{
	if (!json_is_string(v))
		return bad(err, "display_name", "expected a string");
	const char *s = json_string_value(v);
	if (*s == '\0' || utf8_chars(s) > DISPLAY_NAME_MAX || has_control(s))
		return bad(err, "display_name", "expected 1 to 256 characters, without control characters");
	*out = s;
	return 0;
}

/* An address as a mail transport would take it: local@domain, no spaces, controls or
 * list separators. */
static bool email_valid(const char *s)
{
	size_t n = strlen(s);
	const char *at = strchr(s, '@');
	if (n < 3 || n > 320 || at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') || at - s > 64)
		return false;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c <= 0x20 || *c == 0x7f || strchr(",;<>()[]\\\"", *c))
			return false;
	return true;
}

static int check_addresses(json_t *v, const char *field, json_t **out, weir_error *err)
{
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > ADDRESSES_MAX)
		return bad(err, field, "expected a list of 1 to 100 email addresses");
	json_t *canon = json_array();
	size_t i;
	json_t *a;
	json_array_foreach (v, i, a) {
		if (!json_is_string(a) || !email_valid(json_string_value(a))) {
			json_decref(canon);
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
						"Invalid value for '%s': item %zu is not an email address", field, i);
		}
		json_array_append(canon, a);
	}
	*out = canon;
	return 0;
}

/* A target URL: https anywhere, plain http to loopback only (core/outbox.h). The URL is a
 * secret (Slack and Teams URLs carry their token): never echoed. */
static int check_url(const char *s, const char *field, weir_error *err)
{
	if (strlen(s) > URL_MAX)
		return bad(err, field, "the URL is longer than 2048 characters");
	weir_outbox_url u = weir_outbox_url_check(s);
	if (u == WEIR_OUTBOX_URL_INVALID)
		return bad(err, field, "expected https://host[:port]/path");
	if (u == WEIR_OUTBOX_URL_PLAIN_HTTP)
		return bad(err, field, "plain http is allowed only for loopback hosts; use https");
	return 0;
}

/* One input field of a kind, validated, set in (or, for an optional field given as "",
 * removed from) `out`. */
static int check_field(const kind_field *f, json_t *v, const char *path, json_t *out, weir_error *err)
{
	if (f->kind == F_ADDRESSES) {
		json_t *canon = NULL;
		if (check_addresses(v, path, &canon, err) != 0)
			return -1;
		json_object_set_new(out, f->name, canon);
		return 0;
	}
	if (!json_is_string(v))
		return bad(err, path, "expected a string");
	const char *s = json_string_value(v);
	switch (f->kind) {
	case F_URL:
		if (check_url(s, path, err) != 0)
			return -1;
		break;
	case F_USERNAME:
		if (strlen(s) > SECRET_MAX || has_control(s) || strchr(s, ':'))
			return bad(err, path, "expected at most 256 bytes, without ':' or control characters");
		break;
	case F_PASSWORD:
		if (strlen(s) > SECRET_MAX || has_control(s))
			return bad(err, path, "expected at most 256 bytes, without control characters");
		break;
	case F_KEY:
		if (*s == '\0' || strlen(s) > SECRET_MAX || has_control(s))
			return bad(err, path, "expected 1 to 256 bytes, without control characters");
		break;
	case F_ADDRESSES: break;
	}
	if (*s == '\0' && !f->required)
		json_object_del(out, f->name);
	else
		json_object_set(out, f->name, v);
	return 0;
}

/* The kind `config` wraps: an object with exactly one member, a known kind whose value is
 * an object (a JSON null member counts as absent). */
static int config_kind(json_t *config, const dest_kind **kind, json_t **obj, weir_error *err)
{
	static const char EXPECTED[] =
		"expected an object wrapping exactly one of generic_webhook, email, slack, microsoft_teams, pagerduty";
	if (!json_is_object(config))
		return bad(err, "config", EXPECTED);
	const char *key;
	json_t *v;
	*kind = NULL;
	json_object_foreach (config, key, v) {
		if (json_is_null(v))
			continue;
		const dest_kind *k = kind_by_key(key);
		char path[96];
		snprintf(path, sizeof(path), "config.%.60s", key);
		if (k == NULL)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, path,
						"Invalid value for 'config': unknown destination kind '%.60s'", key);
		if (*kind)
			return bad(err, "config", EXPECTED);
		if (!json_is_object(v))
			return bad(err, path, "expected an object");
		*kind = k;
		*obj = v;
	}
	if (*kind == NULL)
		return bad(err, "config", EXPECTED);
	return 0;
}

/* Validates the fields of a kind's object `in` onto `out` (empty at create; the current
 * fields at update, so that what is not given is kept). At create the required fields must
 * be given. */
static int kind_fields(const dest_kind *k, json_t *in, json_t *out, bool create, weir_error *err)
{
	const char *key;
	json_t *v;
	char path[96];
	json_object_foreach (in, key, v) {
		snprintf(path, sizeof(path), "config.%s.%.40s", k->config_key, key);
		const kind_field *f = field_of(k, key);
		if (f == NULL && output_flag(k, key))
			continue;
		if (f == NULL)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, path,
						"Invalid value for '%s': not a field Weir supports", path);
		if (json_is_null(v))
			continue;
		if (check_field(f, v, path, out, err) != 0)
			return -1;
	}
	for (int i = 0; create && i < k->nfields; i++) {
		if (k->fields[i].required && json_object_get(out, k->fields[i].name) == NULL) {
			snprintf(path, sizeof(path), "config.%s.%s", k->config_key, k->fields[i].name);
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, path,
						"Missing required field '%s'.", path);
		}
	}
	return 0;
}

/* An optional `destination_type` in a body must name the config's kind (output-only in
 * Databricks' model, but some clients send it). */
static int check_type(json_t *body, const dest_kind *k, weir_error *err)
{
	json_t *t = json_object_get(body, "destination_type");
	if (t == NULL || json_is_null(t))
		return 0;
	if (!json_is_string(t) || strcasecmp(json_string_value(t), k->type) != 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "destination_type",
					"Invalid value for 'destination_type': the config is of type %s", k->type);
	return 0;
}

/* ---------------------------------------------------------------- answers */

static int not_found(const char *id, weir_error *err)
{
	return weir_error_set(err, WEIR_E_RESOURCE_DOES_NOT_EXIST, "Notification destination '%.100s' does not exist.",
			      id);
}

/* NotificationDestination: the config masked (addresses answered, every other field as
 * `<name>_set`). */
static json_t *dest_json(const notify_dest *d)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "id", d->id, "display_name", d->display_name, "destination_type",
			      d->type);
	const dest_kind *k = kind_by_type(d->type);
	if (k == NULL)
		return o;
	json_t *cfg = json_loads(d->config, 0, NULL);
	json_t *masked = json_object();
	for (int i = 0; i < k->nfields; i++) {
		const kind_field *f = &k->fields[i];
		json_t *v = json_object_get(cfg, f->name);
		if (f->kind == F_ADDRESSES) {
			json_object_set_new(masked, f->name, json_is_array(v) ? json_copy(v) : json_array());
		} else {
			char key[64];
			snprintf(key, sizeof(key), "%s_set", f->name);
			json_object_set_new(masked, key, json_boolean(json_is_string(v) && *json_string_value(v)));
		}
	}
	json_decref(cfg);
	json_object_set_new(o, "config", json_pack("{s:o}", k->config_key, masked));
	return o;
}

/* ---------------------------------------------------------------- CRUD */

json_t *weir_notify_dest_create_by(weir_db *db, const json_t *body_, const char *created_by, weir_error *err)
{
	json_t *body = (json_t *)body_; /* read only; jansson's getters are not const */
	const char *name = NULL;
	json_t *in = NULL;
	const dest_kind *k = NULL;
	if (!json_is_object(body)) {
		weir_error_set(err, WEIR_E_MALFORMED_REQUEST, "The request body must be a JSON object.");
		return NULL;
	}
	json_t *dn = json_object_get(body, "display_name");
	if (dn == NULL || json_is_null(dn)) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "display_name",
				 "Missing required field 'display_name'.");
		return NULL;
	}
	json_t *config = json_object_get(body, "config");
	if (config == NULL || json_is_null(config)) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "config", "Missing required field 'config'.");
		return NULL;
	}
	if (check_display_name(dn, &name, err) != 0 || config_kind(config, &k, &in, err) != 0 ||
	    check_type(body, k, err) != 0)
		return NULL;
	json_t *fields = json_object();
	if (kind_fields(k, in, fields, true, err) != 0) {
		json_decref(fields);
		return NULL;
	}
	char *cfg = json_dumps(fields, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(fields);
	char id[37], secret[65];
	weir_uuid4(id);
	weir_random_hex(secret, 32);
	notify_dest d = {.id = id,
			 .display_name = name,
			 .type = k->type,
			 .config = cfg,
			 .signing_secret = secret,
			 .created_by = created_by,
			 .created_at = weir_now_ms()};
	json_t *out = NULL;
	if (weir_notify_store_dest_insert(db, &d, err) == 0) {
		out = dest_json(&d);
		json_object_set_new(out, "signing_secret", json_string(secret));
	}
	free(cfg);
	return out;
}

json_t *weir_notify_dest_get(weir_db *db, const char *id, weir_error *err)
{
	weir_arena *a = weir_arena_new(1024);
	notify_dest d;
	bool found = false;
	json_t *out = NULL;
	if (weir_notify_store_dest_get(db, a, id, &d, &found, err) == 0) {
		if (found)
			out = dest_json(&d);
		else
			not_found(id, err);
	}
	weir_arena_free(a);
	return out;
}

json_t *weir_notify_dest_update(weir_db *db, const char *id, const json_t *body_, weir_error *err)
{
	json_t *body = (json_t *)body_;
	if (!json_is_object(body)) {
		weir_error_set(err, WEIR_E_MALFORMED_REQUEST, "The request body must be a JSON object.");
		return NULL;
	}
	const char *name = NULL;
	json_t *dn = json_object_get(body, "display_name");
	if (dn && !json_is_null(dn) && check_display_name(dn, &name, err) != 0)
		return NULL;
	weir_arena *a = weir_arena_new(1024);
	json_t *out = NULL, *fields = NULL;
	char *cfg = NULL;
	notify_dest cur;
	bool found = false;
	if (weir_notify_store_dest_get(db, a, id, &cur, &found, err) != 0)
		goto out_free;
	if (!found) {
		not_found(id, err);
		goto out_free;
	}
	json_t *config = json_object_get(body, "config");
	if (config && !json_is_null(config)) {
		const dest_kind *k = NULL;
		json_t *in = NULL;
		if (config_kind(config, &k, &in, err) != 0 || check_type(body, k, err) != 0)
			goto out_free;
		if (strcmp(k->type, cur.type) != 0) {
			weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "config",
					 "Invalid value for 'config': the destination is of type %s, which cannot be "
					 "changed (the config given is of type %s)",
					 cur.type, k->type);
			goto out_free;
		}
		fields = json_loads(cur.config, 0, NULL);
		if (!json_is_object(fields)) {
			json_decref(fields);
			fields = json_object();
		}
		if (kind_fields(k, in, fields, false, err) != 0)
			goto out_free;
		cfg = json_dumps(fields, JSON_COMPACT | JSON_SORT_KEYS);
	}
	if ((name || cfg) && weir_notify_store_dest_update(db, id, name, cfg, &found, err) != 0)
		goto out_free;
	out = weir_notify_dest_get(db, id, err);
out_free:
	free(cfg);
	json_decref(fields);
	weir_arena_free(a);
	return out;
}

int weir_notify_dest_delete(weir_db *db, const char *id, weir_error *err)
{
	bool deleted;
	if (weir_notify_store_dest_delete(db, id, &deleted, err) != 0)
		return -1;
	return deleted ? 0 : not_found(id, err);
}

/* The page token: base64url of {"c": created_at, "id": id} of the last destination
 * answered. */
static int token_parse(weir_arena *a, const char *token, int64_t *created_at, const char **id, weir_error *err)
{
	json_t *j = weir_page_token_json(a, token, err);
	if (j == NULL)
		return -1;
	json_t *c = json_object_get(j, "c"), *i = json_object_get(j, "id");
	if (!json_is_integer(c) || !json_is_string(i))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "page_token",
					"Invalid value for 'page_token'");
	*created_at = (int64_t)json_integer_value(c);
	*id = json_string_value(i);
	return 0;
}

json_t *weir_notify_dest_list(weir_db *db, const char *page_token, int64_t page_size, weir_error *err)
{
	if (page_size == 0)
		page_size = PAGE_SIZE_DEFAULT;
	if (page_size < 1 || page_size > PAGE_SIZE_MAX) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "page_size",
				 "Invalid value for 'page_size': %lld is not between 1 and 100", (long long)page_size);
		return NULL;
	}
	weir_arena *a = weir_arena_new(4096);
	int64_t after_c = 0;
	const char *after_id = NULL;
	notify_dest rows[PAGE_SIZE_MAX + 1];
	int n = 0;
	json_t *out = NULL;
	if ((page_token && *page_token && token_parse(a, page_token, &after_c, &after_id, err) != 0) ||
	    weir_notify_store_dest_page(db, a, after_c, after_id, rows, (int)page_size + 1, &n, err) != 0)
		goto out_free;
	json_t *results = json_array();
	for (int i = 0; i < n && i < page_size; i++)
		json_array_append_new(results, dest_json(&rows[i]));
	out = json_pack("{s:o}", "results", results);
	if (n > page_size) {
		const notify_dest *last = &rows[page_size - 1];
		json_t *t = json_pack("{s:I, s:s}", "c", (json_int_t)last->created_at, "id", last->id);
		size_t len;
		char *text = weir_json_dump_len(t, &len);
		json_decref(t);
		json_object_set_new(out, "next_page_token", json_string(weir_b64url_encode(a, text, len)));
		free(text);
	}
out_free:
	weir_arena_free(a);
	return out;
}

bool weir_notify_dest_exists(weir_db *db, const char *id)
{
	weir_arena *a = weir_arena_new(512);
	notify_dest d;
	bool found = false;
	weir_error e = WEIR_ERROR_INIT;
	if (weir_notify_store_dest_get(db, a, id, &d, &found, &e) != 0)
		found = false;
	weir_arena_free(a);
	return found;
}

/* Appends one delivery row to the array `ctx`. */
static int delivery_json(void *ctx, const notify_delivery *d)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I}", "id", d->id, "event", d->event, "status", d->log.status,
			      "attempts", (json_int_t)d->log.attempts, "created_at", (json_int_t)d->log.created_at);
	weir_outbox_log_json(o, &d->log, "delivered_at");
	json_array_append_new((json_t *)ctx, o);
	return 0;
}

json_t *weir_notify_dest_deliveries(weir_db *db, const char *id, weir_error *err)
{
	if (!weir_notify_dest_exists(db, id)) {
		not_found(id, err);
		return NULL;
	}
	json_t *arr = json_array();
	if (weir_notify_store_deliveries(db, id, delivery_json, arr, err) != 0) {
		json_decref(arr);
		return NULL;
	}
	return json_pack("{s:o}", "deliveries", arr);
}

/* ---------------------------------------------------------------- queueing */

/* Event names: "jobs.on_failure" and the like. */
static int check_event(const char *event, weir_error *err)
{
	size_t n = event ? strlen(event) : 0;
	bool ok = n >= 1 && n <= 100;
	for (size_t i = 0; ok && i < n; i++)
		ok = (event[i] >= 'a' && event[i] <= 'z') || (event[i] >= 'A' && event[i] <= 'Z') ||
		     (event[i] >= '0' && event[i] <= '9') || strchr("._-", event[i]);
	return ok ? 0 : bad(err, "event", "expected 1 to 100 letters, digits, '.', '_' or '-'");
}

static int check_payload(const char *payload, weir_error *err)
{
	json_t *p = payload ? json_loads(payload, JSON_REJECT_DUPLICATES, NULL) : NULL;
	bool ok = json_is_object(p);
	json_decref(p);
	return ok ? 0 : bad(err, "payload", "expected the text of a JSON object");
}

int weir_notify_queue(weir_db *db, const char *dest_id, const char *event, const char *payload, weir_error *err)
{
	if (check_event(event, err) != 0 || check_payload(payload, err) != 0)
		return -1;
	weir_arena *a = weir_arena_new(1024);
	notify_dest d;
	bool found = false;
	int rc = -1;
	if (weir_notify_store_dest_get(db, a, dest_id ? dest_id : "", &d, &found, err) != 0)
		goto out_free;
	if (!found) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "webhook_notifications",
				 "Notification destination '%.100s' does not exist.", dest_id ? dest_id : "");
		goto out_free;
	}
	char id[37];
	weir_uuid4(id);
	notify_delivery_new row = {.id = id,
				   .destination_id = d.id,
				   .event = event,
				   .payload = payload,
				   .status = strcmp(d.type, "EMAIL") == 0 ? "RECORDED" : "PENDING",
				   .now = weir_now_ms()};
	rc = weir_notify_store_delivery_insert(db, &row, err);
out_free:
	weir_arena_free(a);
	return rc;
}

int weir_notify_record_email(weir_db *db, const char *address, const char *event, const char *payload, weir_error *err)
{
	if (address == NULL || !email_valid(address))
		return bad(err, "email_notifications", "expected an email address");
	if (check_event(event, err) != 0 || check_payload(payload, err) != 0)
		return -1;
	char id[37];
	weir_uuid4(id);
	notify_delivery_new row = {.id = id,
				   .address = address,
				   .event = event,
				   .payload = payload,
				   .status = "RECORDED",
				   .now = weir_now_ms()};
	return weir_notify_store_delivery_insert(db, &row, err);
}

/* ---------------------------------------------------------------- worker */

/* The one-line summary of an event: "[Weir] <event>", then the payload's `summary` string
 * when it has one. */
static char *summary_dup(const char *event, json_t *payload)
{
	const char *s = json_string_value(json_object_get(payload, "summary"));
	char buf[1024];
	snprintf(buf, sizeof(buf), "[Weir] %s%s%s", event, s ? ": " : "", s ? s : "");
	return weir_xstrdup(buf);
}

/* The body sent to a destination of `type`: the payload as queued for a webhook; with a
 * `text` member added (when it has none) for Slack and Teams, whose incoming webhooks show
 * that; for PagerDuty an Events API v2 trigger carrying the payload as custom_details. */
static char *body_for(const char *type, const char *event, const char *payload, json_t *cfg)
{
	json_t *p = json_loads(payload, 0, NULL);
	if (!json_is_object(p) || strcmp(type, "WEBHOOK") == 0) {
		json_decref(p);
		return weir_xstrdup(payload);
	}
	char *summary = summary_dup(event, p);
	json_t *b;
	if (strcmp(type, "PAGERDUTY") == 0) {
		const char *key = json_string_value(json_object_get(cfg, "integration_key"));
		const char *sev = strstr(event, "failure") ? "error" : strstr(event, "warning") ? "warning" : "info";
		b = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:O}}", "routing_key", key ? key : "", "event_action",
			      "trigger", "payload", "summary", summary, "source", "weir", "severity", sev,
			      "custom_details", p);
	} else {
		b = json_incref(p);
		if (json_object_get(b, "text") == NULL)
			json_object_set_new(b, "text", json_string(summary));
	}
	char *out = b ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	json_decref(p);
	free(summary);
	return out ? out : weir_xstrdup(payload);
}

/* "Basic base64(username:password)" for a webhook with either set, else NULL. */
static char *authorization_dup(json_t *cfg)
{
	const char *u = json_string_value(json_object_get(cfg, "username"));
	const char *p = json_string_value(json_object_get(cfg, "password"));
	if (u == NULL && p == NULL)
		return NULL;
	weir_buf cred = {0};
	weir_buf_appendf(&cred, "%s:%s", u ? u : "", p ? p : "");
	weir_arena *a = weir_arena_new(256);
	weir_buf h = {0};
	weir_buf_appendf(&h, "Basic %s", weir_b64_encode(a, cred.data, cred.len));
	weir_arena_free(a);
	weir_buf_release(&cred);
	return h.data;
}

/* The kind's due(): due rows with their destination, turned into outbox entries (target
 * URL, body and authorization by destination type). */
static int notify_due_entries(weir_db *db, int64_t now, weir_outbox_entry *out, int max, weir_error *err)
{
	notify_due rows[NOTIFY_DUE_MAX];
	if (max > NOTIFY_DUE_MAX)
		max = NOTIFY_DUE_MAX;
	int n = weir_notify_store_due(db, now, rows, max, err);
	for (int i = 0; i < n; i++) {
		notify_due *r = &rows[i];
		json_t *cfg = json_loads(r->config, 0, NULL);
		const char *url = json_string_value(json_object_get(cfg, "url"));
		bool pd = strcmp(r->type, "PAGERDUTY") == 0;
		out[i] = (weir_outbox_entry){
			.id = r->id,
			.url = weir_xstrdup(pd    ? PAGERDUTY_EVENTS_URL
					    : url ? url
						  : ""),
			.secret = r->signing_secret,
			.payload = body_for(r->type, r->event, r->payload, cfg),
			.attempts = r->attempts,
			.authorization = strcmp(r->type, "WEBHOOK") == 0 ? authorization_dup(cfg) : NULL,
		};
		json_decref(cfg);
		free(r->payload);
		free(r->event);
		free(r->type);
		free(r->config);
	}
	return n;
}

/* The job notifications' kind of outbox entry (core/outbox.h). */
static const weir_outbox_kind NOTIFICATIONS = {
	.name = "notification",
	.max_attempts = NOTIFY_MAX_ATTEMPTS,
	.backoff_ms = NOTIFY_BACKOFF_MS,
	.backoff_cap_ms = NOTIFY_BACKOFF_CAP_MS,
	.due = notify_due_entries,
	.record = weir_notify_store_record,
	.pending = weir_notify_store_pending_count,
	.http = {.user_agent = "weir-notifications",
		 .id_header = "X-Weir-Delivery-Id",
		 .timestamp_header = "X-Weir-Timestamp",
		 .signature_header = "X-Weir-Signature"},
};

int weir_notify_worker_start(weir_db_pool *pool, weir_error *err)
{
	return weir_outbox_start(pool, &NOTIFICATIONS, err);
}

void weir_notify_worker_stop(void) { weir_outbox_stop(&NOTIFICATIONS); }
