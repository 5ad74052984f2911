/* Registry webhooks: validation and CRUD of webhook rows, the delivery outbox (one row per
 * subscribed webhook, queued in the transaction of the event), and the worker thread that
 * POSTs due deliveries (plain sockets for http:// targets on loopback, OpenSSL with the
 * system trust store and host name verification for https://), signs them like
 * MLflow 3.3 (X-MLflow-Signature: v1,base64(HMAC-SHA256(secret, "<id>.<ts>.<body>"))) and
 * retries 429/5xx/connection failures with exponential backoff (0.5 s doubling, capped at
 * 60 s, 6 attempts). The worker borrows a pooled connection per round and never holds the
 * write lock while talking to the network. The SQL is in webhooks_store.c. */
#include "registry/webhooks_int.h"

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/json.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/util.h"
#include "registry/registry.h"

#define HOOK_MAX_ATTEMPTS 6
#define HOOK_BACKOFF_MS 500
#define HOOK_BACKOFF_CAP_MS 60000

/* ---------------------------------------------------------------- validation */

static const char *const ENTITIES[][3] = {
	{"REGISTERED_MODEL", "CREATED", NULL},     {"MODEL_VERSION", "CREATED", NULL},
	{"MODEL_VERSION_TAG", "SET", "DELETED"},   {"MODEL_VERSION_ALIAS", "CREATED", "DELETED"},
	{"PROMPT", "CREATED", NULL},               {"PROMPT_VERSION", "CREATED", NULL},
	{"PROMPT_TAG", "SET", "DELETED"},          {"PROMPT_VERSION_TAG", "SET", "DELETED"},
	{"PROMPT_ALIAS", "CREATED", "DELETED"},
};

static bool event_valid(const char *entity, const char *action)
{
	for (size_t i = 0; i < sizeof(ENTITIES) / sizeof(ENTITIES[0]); i++)
		if (strcmp(ENTITIES[i][0], entity) == 0)
			return strcmp(ENTITIES[i][1], action) == 0 || (ENTITIES[i][2] && strcmp(ENTITIES[i][2], action) == 0);
	return false;
}

static int check_name(const char *name, weir_error *err)
{
	size_t n = strlen(name);
	bool ok = n >= 1 && n <= 63 && isalnum((unsigned char)name[0]) && isalnum((unsigned char)name[n - 1]);
	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)name[i]) || name[i] == '.' || name[i] == '_' || name[i] == '-';
	if (!ok)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "name",
					"Invalid webhook name '%.100s'. Name must be 1-63 characters of letters, digits, "
					"'.', '_' or '-', starting and ending with a letter or digit.",
					name);
	return 0;
}

typedef struct url_parts {
	char host[256];
	char port[8];
	const char *path;
	bool https;
} url_parts;

static bool parse_url(const char *url, url_parts *u)
{
	const char *p;
	memset(u, 0, sizeof(*u));
	if (strncasecmp(url, "http://", 7) == 0) {
		p = url + 7;
		strcpy(u->port, "80");
	} else if (strncasecmp(url, "https://", 8) == 0) {
		p = url + 8;
		u->https = true;
		strcpy(u->port, "443");
	} else {
		return false;
	}
	const char *end = p + strcspn(p, "/?#");
	const char *hs = p, *he = end;
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (close == NULL)
			return false;
		hs = p + 1;
		he = close;
		p = close + 1;
	} else {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		he = colon ? colon : end;
		p = he;
	}
	if (*p == ':') {
		size_t pl = (size_t)(end - p - 1);
		if (pl == 0 || pl >= sizeof(u->port))
			return false;
		memcpy(u->port, p + 1, pl);
		u->port[pl] = '\0';
		for (size_t i = 0; i < pl; i++)
			if (!isdigit((unsigned char)u->port[i]))
				return false;
	}
	size_t hl = (size_t)(he - hs);
	if (hl == 0 || hl >= sizeof(u->host) || memchr(hs, '@', hl))
		return false;
	memcpy(u->host, hs, hl);
	u->host[hl] = '\0';
	u->path = *end ? end : "/";
	return true;
}

static bool loopback_host(const char *h)
{
	return strcmp(h, "127.0.0.1") == 0 || strcasecmp(h, "localhost") == 0 || strcmp(h, "::1") == 0 ||
	       strncmp(h, "127.", 4) == 0;
}

/* https anywhere (MLflow's default); plain http only to loopback (local receivers, tests). */
static int check_url(const char *url, weir_error *err)
{
	url_parts u;
	if (!parse_url(url, &u))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "url",
					"Invalid webhook URL '%.200s': expected http(s)://host[:port]/path", url);
	if (!u.https && !loopback_host(u.host))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "url",
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
	json_array_foreach(events, i, ev) {
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
	return weir_error_set(err, WEIR_E_RESOURCE_DOES_NOT_EXIST, "Webhook with ID %.100s not found.", id);
}

json_t *weir_webhook_get(weir_db *db, weir_arena *a, const char *id, weir_error *err)
{
	wh_hook h;
	bool found;
	if (wh_store_get(db, a, id, &h, &found, err) != 0)
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
	wh_fields f = {.name = name, .description = desc, .url = url, .events = events,
		       .secret = secret && *secret ? secret : NULL, .status = status};
	if (wh_store_insert(db, id, &f, weir_now_ms(), err) != 0)
		return NULL;
	return weir_webhook_get(db, a, id, err);
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
	if (wh_store_list_ids(db, a, offset, ids, (int)max_results + 1, &n, err) != 0)
		return NULL;
	json_t *arr = json_array();
	for (int i = 0; i < n && i < max_results; i++) {
		json_t *h = weir_webhook_get(db, a, ids[i], err);
		if (h == NULL) {
			json_decref(arr);
			return NULL;
		}
		json_array_append_new(arr, h);
	}
	json_t *out = json_object();
	if (json_array_size(arr))
		json_object_set_new(out, "webhooks", arr);
	else
		json_decref(arr);
	if (n > max_results)
		json_object_set_new(out, "next_page_token",
				    json_string(weir_registry_page_token(a, offset + max_results)));
	return out;
}

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

json_t *weir_webhook_update(weir_db *db, weir_arena *a, const char *id, json_t *body, weir_error *err)
{
	const char *name = NULL, *url = NULL, *desc = NULL, *secret = NULL, *status = NULL, *events = NULL;
	json_t *ev = NULL;
	if (weir_json_get_str(body, "name", false, &name, err) != 0 ||
	    (nonempty(name) && check_name(name, err) != 0) || weir_json_get_str(body, "url", false, &url, err) != 0 ||
	    (nonempty(url) && check_url(url, err) != 0) ||
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
	wh_fields f = {.name = nonempty(name), .description = nonempty(desc), .url = nonempty(url), .events = events,
		       .secret = nonempty(secret), .status = nonempty(status)};
	if (wh_store_update(db, id, &f, weir_now_ms(), err) != 0)
		return NULL;
	return weir_webhook_get(db, a, id, err);
}

int weir_webhook_delete(weir_db *db, const char *id, weir_error *err)
{
	bool deleted;
	if (wh_store_delete(db, id, weir_now_ms(), &deleted, err) != 0)
		return -1;
	return deleted ? 0 : not_found(id, err);
}

/* Appends one delivery log row to the array `ctx`. */
static int delivery_json(void *ctx, const wh_delivery *d)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "delivery_id", d->id, "entity", d->entity, "action",
			      d->action, "status", d->status, "attempts", (json_int_t)d->attempts, "created_timestamp",
			      (json_int_t)d->created_at);
	if (d->has_last_status_code)
		json_object_set_new(o, "last_status_code", json_integer(d->last_status_code));
	if (d->last_error)
		json_object_set_new(o, "last_error", json_string(d->last_error));
	if (d->has_delivered_at)
		json_object_set_new(o, "delivered_timestamp", json_integer(d->delivered_at));
	if (strcmp(d->status, "PENDING") == 0)
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
	if (wh_store_deliveries(db, id, delivery_json, arr, err) != 0) {
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
	time_t secs = (time_t)(now / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char ts[40];
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(now % 1000));
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
	json_array_foreach(evs, i, ev) {
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
	if (wh_store_active(db, emit_match, &c, err) != 0)
		return -1;
	if (c.n == 0)
		return 0;
	int64_t now = weir_now_ms();
	char *payload = payload_text(a, entity, action, data, now);
	for (int i = 0; i < c.n; i++) {
		char did[37];
		weir_uuid4(did);
		if (wh_store_delivery_insert(db, did, c.ids[i], entity, action, payload, now, err) != 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- HTTP client */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* v1,base64(HMAC-SHA256(secret, "<id>.<ts>.<body>")) into out (>= 64 bytes). */
static void signature(const char *secret, const char *id, const char *ts, const char *body, char *out, size_t cap)
{
	weir_buf msg = {0};
	weir_buf_appendf(&msg, "%s.%s.", id, ts);
	weir_buf_append(&msg, body, strlen(body));
	char hex[65];
	weir_hmac_sha256_hex(secret, strlen(secret), msg.data, msg.len, hex);
	weir_buf_release(&msg);
	unsigned char raw[32];
	for (int i = 0; i < 32; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		raw[i] = (unsigned char)v;
	}
	size_t o = (size_t)snprintf(out, cap, "v1,");
	for (int i = 0; i < 32 && o + 5 < cap; i += 3) {
		unsigned v = raw[i] << 16;
		if (i + 1 < 32)
			v |= raw[i + 1] << 8;
		if (i + 2 < 32)
			v |= raw[i + 2];
		out[o++] = B64[(v >> 18) & 63];
		out[o++] = B64[(v >> 12) & 63];
		out[o++] = i + 1 < 32 ? B64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < 32 ? B64[v & 63] : '=';
	}
	out[o] = '\0';
}

typedef struct post_result {
	int status;           /* 0: no HTTP answer */
	char error[200];
	char body[1024];
} post_result;

/* A connection: a socket, wrapped in TLS for https targets. */
typedef struct conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
} conn;

static void conn_close(conn *c)
{
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	if (c->ctx)
		SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->ssl = NULL;
	c->ctx = NULL;
}

static ssize_t conn_write(conn *c, const char *p, size_t n)
{
	if (c->ssl)
		return SSL_write(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
	return send(c->fd, p, n, MSG_NOSIGNAL);
}

static ssize_t conn_read(conn *c, char *p, size_t n)
{
	if (c->ssl)
		return SSL_read(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
	return recv(c->fd, p, n, 0);
}

/* TLS with the default trust store (SSL_CERT_FILE / SSL_CERT_DIR honoured), SNI, and the
 * certificate checked against the host name or IP address of the URL. */
static int tls_open(conn *c, const char *host, post_result *res)
{
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (c->ctx == NULL || SSL_CTX_set_default_verify_paths(c->ctx) != 1) {
		snprintf(res->error, sizeof(res->error), "TLS unavailable");
		return -1;
	}
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	c->ssl = SSL_new(c->ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
		snprintf(res->error, sizeof(res->error), "TLS unavailable");
		return -1;
	}
	bool is_ip = strchr(host, ':') != NULL || strspn(host, "0123456789.") == strlen(host);
	if (is_ip) {
		X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
		X509_VERIFY_PARAM_set1_ip_asc(vp, host);
	} else {
		SSL_set_tlsext_host_name(c->ssl, host);
		SSL_set1_host(c->ssl, host);
	}
	if (SSL_connect(c->ssl) != 1) {
		long vr = SSL_get_verify_result(c->ssl);
		snprintf(res->error, sizeof(res->error), "TLS handshake failed%s%s", vr != X509_V_OK ? ": " : "",
			 vr != X509_V_OK ? X509_verify_cert_error_string(vr) : "");
		return -1;
	}
	return 0;
}

static void http_post(const char *url, const char *secret, const char *delivery_id, const char *body,
		      post_result *res)
{
	memset(res, 0, sizeof(*res));
	url_parts u;
	if (!parse_url(url, &u)) {
		snprintf(res->error, sizeof(res->error), "invalid URL");
		return;
	}
	if (!u.https && !loopback_host(u.host)) {
		snprintf(res->error, sizeof(res->error), "plain http deliveries go to loopback only");
		return;
	}
	struct addrinfo hints = {0}, *ai = NULL;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(u.host, u.port, &hints, &ai) != 0 || ai == NULL) {
		snprintf(res->error, sizeof(res->error), "could not resolve host");
		return;
	}
	int fd = -1;
	for (struct addrinfo *p = ai; p; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype, p->ai_protocol);
		if (fd < 0)
			continue;
		struct timeval tv = {5, 0};
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, p->ai_addr, p->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		snprintf(res->error, sizeof(res->error), "connection failed: %s", strerror(errno));
		return;
	}
	conn c = {fd, NULL, NULL};
	if (u.https && tls_open(&c, u.host, res) != 0) {
		conn_close(&c);
		return;
	}
	char ts[24];
	snprintf(ts, sizeof(ts), "%lld", (long long)(weir_now_ms() / 1000));
	weir_buf req = {0};
	weir_buf_appendf(&req,
			 "POST %s HTTP/1.1\r\nHost: %s%s%s:%s\r\nUser-Agent: weir-webhooks\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\nX-MLflow-Delivery-Id: %s\r\nX-MLflow-Timestamp: %s\r\n",
			 u.path, strchr(u.host, ':') ? "[" : "", u.host, strchr(u.host, ':') ? "]" : "", u.port, strlen(body),
			 delivery_id, ts);
	if (secret && *secret) {
		char sig[80];
		signature(secret, delivery_id, ts, body, sig, sizeof(sig));
		weir_buf_appendf(&req, "X-MLflow-Signature: %s\r\n", sig);
	}
	weir_buf_appendf(&req, "\r\n%s", body);
	size_t off = 0;
	while (off < req.len) {
		ssize_t w = conn_write(&c, req.data + off, req.len - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	bool sent = off == req.len;
	weir_buf_release(&req);
	if (!sent) {
		conn_close(&c);
		snprintf(res->error, sizeof(res->error), "send failed");
		return;
	}
	char buf[4096];
	size_t got = 0;
	for (;;) {
		ssize_t rd = conn_read(&c, buf + got, sizeof(buf) - 1 - got);
		if (rd <= 0)
			break;
		got += (size_t)rd;
		if (got == sizeof(buf) - 1)
			break;
	}
	conn_close(&c);
	buf[got] = '\0';
	int status = 0;
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1 || status < 100) {
		snprintf(res->error, sizeof(res->error), "no HTTP response");
		return;
	}
	res->status = status;
	const char *b = strstr(buf, "\r\n\r\n");
	if (b && strcasestr(buf, "\r\ntransfer-encoding: chunked") && strcasestr(buf, "\r\ntransfer-encoding: chunked") < b) {
		/* de-chunk what was read (the body is only reported, never parsed) */
		const char *p = b + 4;
		size_t o = 0;
		for (;;) {
			char *end;
			unsigned long n = strtoul(p, &end, 16);
			if (end == p || n == 0 || strncmp(end, "\r\n", 2) != 0)
				break;
			p = end + 2;
			size_t have = strnlen(p, n);
			size_t take = have < sizeof(res->body) - 1 - o ? have : sizeof(res->body) - 1 - o;
			memcpy(res->body + o, p, take);
			o += take;
			if (have < n)
				break;
			p += n;
			if (strncmp(p, "\r\n", 2) != 0)
				break;
			p += 2;
		}
		res->body[o] = '\0';
		if (!weir_utf8_valid(res->body, strlen(res->body)))
			res->body[0] = '\0';
	} else if (b) {
		snprintf(res->body, sizeof(res->body), "%s", b + 4);
		if (!weir_utf8_valid(res->body, strlen(res->body)))
			res->body[0] = '\0';
	}
}

/* ---------------------------------------------------------------- test endpoint */

int weir_webhook_target_get(weir_db *db, weir_arena *a, const char *id, json_t *event, weir_webhook_target *out,
			    weir_error *err)
{
	const char *events;
	bool found;
	if (wh_store_target(db, a, id, &out->url, &out->secret, &events, &found, err) != 0)
		return -1;
	if (!found)
		return not_found(id, err);
	json_t *evs = json_loads(events, 0, NULL);
	json_t *first = json_array_get(evs, 0);
	out->entity = weir_arena_strdup(a, first ? json_string_value(json_object_get(first, "entity")) : "MODEL_VERSION");
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
	post_result res;
	http_post(t->url, t->secret, did, payload, &res);
	json_t *r = json_pack("{s:b}", "success", res.status >= 200 && res.status < 400);
	if (res.status)
		json_object_set_new(r, "response_status", json_integer(res.status));
	if (res.body[0])
		json_object_set_new(r, "response_body", json_string(res.body));
	if (res.error[0])
		json_object_set_new(r, "error_message", json_string(res.error));
	return json_pack("{s:o}", "result", r);
}

/* ---------------------------------------------------------------- worker */

static struct {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool running;
	bool stop;
	weir_db_pool *pool;
} worker = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static int load_due(weir_db *db, wh_due *out, int max)
{
	weir_error e = WEIR_ERROR_INIT;
	int n = wh_store_due(db, weir_now_ms(), out, max, &e);
	return n < 0 ? 0 : n;
}

static void record(weir_db *db, const wh_due *d, const post_result *res)
{
	int attempts = d->attempts + 1;
	int64_t now = weir_now_ms();
	bool ok = res->status >= 200 && res->status < 400;
	bool retry = !ok && (res->status == 0 || res->status == 429 || res->status >= 500) &&
		     attempts < HOOK_MAX_ATTEMPTS;
	int64_t backoff = HOOK_BACKOFF_MS;
	for (int i = 1; i < attempts && backoff < HOOK_BACKOFF_CAP_MS; i++)
		backoff *= 2;
	if (backoff > HOOK_BACKOFF_CAP_MS)
		backoff = HOOK_BACKOFF_CAP_MS;
	const char *status = ok ? "DELIVERED" : retry ? "PENDING" : "FAILED";
	char errbuf[240];
	if (!ok && res->status)
		snprintf(errbuf, sizeof(errbuf), "HTTP %d", res->status);
	else
		snprintf(errbuf, sizeof(errbuf), "%s", res->error);
	weir_error e = WEIR_ERROR_INIT;
	if (weir_db_begin_write(db, &e) != 0)
		return;
	wh_result r = {.id = d->id,
		       .status = status,
		       .attempts = attempts,
		       .next_attempt_at = now + backoff,
		       .last_status_code = res->status,
		       .has_last_status_code = res->status != 0,
		       .last_error = ok ? NULL : errbuf,
		       .delivered_at = now,
		       .has_delivered_at = ok};
	int rc = wh_store_delivery_result(db, &r, &e);
	if (rc < 0) {
		weir_db_rollback(db);
		return;
	}
	if (rc != 0 || weir_db_commit(db, &e) != 0)
		weir_db_rollback(db);
	if (ok) {
		weir_metrics_outbox_delivered();
		return;
	}
	weir_metrics_outbox_failure();
	weir_log_info("webhook delivery %s: attempt %d %s (%s)", d->id, attempts, status, errbuf);
}

/* Publishes the number of PENDING deliveries as the outbox depth gauge. */
static void report_depth(weir_db *db)
{
	int64_t depth;
	weir_error e = WEIR_ERROR_INIT;
	if (wh_store_pending_count(db, &depth, &e) == 0)
		weir_metrics_outbox_depth_set(depth);
}

static void *worker_main(void *arg)
{
	(void)arg;
	unsigned polls = 0;
	bool depth_stale = true;
	for (;;) {
		pthread_mutex_lock(&worker.mu);
		if (!worker.stop) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 200 * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&worker.cv, &worker.mu, &ts);
		}
		bool stop = worker.stop;
		pthread_mutex_unlock(&worker.mu);
		if (stop)
			break;
		wh_due d[8];
		weir_db *db = weir_db_acquire(worker.pool);
		int n = load_due(db, d, 8);
		/* the outbox depth for /metrics: about once a second, and after each batch sent */
		if (depth_stale || ++polls % 5 == 0)
			report_depth(db);
		depth_stale = n > 0;
		weir_db_release(db);
		for (int i = 0; i < n; i++) {
			post_result res;
			http_post(d[i].url, d[i].secret, d[i].id, d[i].payload, &res);
			db = weir_db_acquire(worker.pool);
			record(db, &d[i], &res);
			weir_db_release(db);
			free(d[i].id);
			free(d[i].payload);
			free(d[i].url);
			free(d[i].secret);
		}
	}
	return NULL;
}

int weir_webhooks_worker_start(weir_db_pool *pool, weir_error *err)
{
	if (worker.running)
		return 0;
	worker.pool = pool;
	worker.stop = false;
	if (pthread_create(&worker.thread, NULL, worker_main, NULL) != 0)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "could not start the webhook worker");
	worker.running = true;
	return 0;
}

void weir_webhooks_worker_stop(void)
{
	if (!worker.running)
		return;
	pthread_mutex_lock(&worker.mu);
	worker.stop = true;
	pthread_cond_signal(&worker.cv);
	pthread_mutex_unlock(&worker.mu);
	pthread_join(worker.thread, NULL);
	worker.running = false;
}
