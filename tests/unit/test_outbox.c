/* The outbox (core/outbox.c): entries queued in the caller's write transaction are delivered
 * by the background worker, signed; failures are retried with exponential backoff up to the
 * kind's cap; a rolled-back transaction delivers nothing; stopping leaves what was not
 * attempted for the next start. The webhooks (registry/webhooks.c) are the real kind used
 * here over HTTP; a test kind with its own table and a scripted delivery covers the policy
 * without the network. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

#include "core/outbox.h"
#include "core/util.h"
#include "registry/webhooks.h"

static int setup(void **state)
{
	*state = test_env_new();
	return 0;
}

static int teardown(void **state)
{
	test_env_free(*state);
	return 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* ---------------------------------------------------------------- a loopback receiver */

typedef struct receiver {
	int fd;
	int port;
	pthread_t thread;
	char req[8192]; /* the one request received */
	volatile int got;
} receiver;

/* Accepts one connection, reads one request (head and Content-Length body), answers 200. */
static void *receiver_main(void *arg)
{
	receiver *rv = arg;
	int c = accept(rv->fd, NULL, NULL);
	if (c < 0)
		return NULL;
	size_t n = 0;
	for (;;) {
		ssize_t r = recv(c, rv->req + n, sizeof(rv->req) - 1 - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
		rv->req[n] = '\0';
		const char *end = strstr(rv->req, "\r\n\r\n");
		const char *cl = strcasestr(rv->req, "\r\nContent-Length: ");
		if (end && cl && n >= (size_t)(end + 4 - rv->req) + strtoul(cl + 18, NULL, 10))
			break;
	}
	const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
	if (send(c, ok, sizeof(ok) - 1, MSG_NOSIGNAL) < 0)
		n = 0;
	close(c);
	rv->got = 1;
	return NULL;
}

static void receiver_open(receiver *rv, bool serve)
{
	memset(rv, 0, sizeof(*rv));
	rv->fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(rv->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(rv->fd, 4), 0);
	socklen_t len = sizeof(sa);
	getsockname(rv->fd, (struct sockaddr *)&sa, &len);
	rv->port = ntohs(sa.sin_port);
	if (serve)
		assert_int_equal(pthread_create(&rv->thread, NULL, receiver_main, rv), 0);
}

/* The header's value in the received request, copied into out. */
static bool header(const receiver *rv, const char *name, char *out, size_t cap)
{
	char key[80];
	snprintf(key, sizeof(key), "\r\n%s: ", name);
	const char *h = strcasestr(rv->req, key);
	if (h == NULL)
		return false;
	h += strlen(key);
	size_t n = strcspn(h, "\r");
	snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), h);
	return true;
}

/* A webhook on the receiver subscribed to MODEL_VERSION CREATED, committed. */
static void webhook_create(test_env *t, int port, const char *secret)
{
	weir_error err = WEIR_ERROR_INIT;
	char url[80];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", port);
	json_t *body = json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}]}", "name", "h1", "url", url, "secret", secret,
				 "events", "entity", "MODEL_VERSION", "action", "CREATED");
	assert_int_equal(weir_db_begin_write(t->db, &err), 0);
	json_t *h = weir_webhook_create(t->db, t->a, body, &err);
	assert_non_null(h);
	assert_int_equal(weir_db_commit(t->db, &err), 0);
	json_decref(body);
	json_decref(h);
}

/* The deliveries of the only webhook (from the list), as {deliveries: [...]}. */
static json_t *deliveries(test_env *t)
{
	weir_error err = WEIR_ERROR_INIT;
	json_t *list = weir_webhook_list(t->db, t->a, 10, NULL, &err);
	assert_non_null(list);
	const char *id = json_string_value(
		json_object_get(json_array_get(json_object_get(list, "webhooks"), 0), "webhook_id"));
	assert_non_null(id);
	json_t *d = weir_webhook_deliveries(t->db, t->a, id, &err);
	json_decref(list);
	assert_non_null(d);
	return d;
}

static void emit(test_env *t, bool commit)
{
	weir_error err = WEIR_ERROR_INIT;
	json_t *data = json_pack("{s:s, s:s}", "name", "m", "version", "1");
	assert_int_equal(weir_db_begin_write(t->db, &err), 0);
	assert_int_equal(weir_webhooks_emit(t->db, t->a, "MODEL_VERSION", "CREATED", data, &err), 0);
	if (commit)
		assert_int_equal(weir_db_commit(t->db, &err), 0);
	else
		weir_db_rollback(t->db);
	json_decref(data);
}

/* An event committed with its webhook delivery reaches the target once, as a POST with
 * MLflow's headers and a signature that checks out against the secret
 * (v1,base64(HMAC-SHA256(secret, "<id>.<ts>.<body>")), computed here independently), and
 * the delivery is recorded as DELIVERED after one attempt. */
static void test_queued_and_delivered_signed(void **state)
{
	test_env *t = *state;
	receiver rv;
	receiver_open(&rv, true);
	webhook_create(t, rv.port, "s3cret");
	emit(t, true);
	weir_error err = WEIR_ERROR_INIT;
	assert_int_equal(weir_webhooks_worker_start(t->pool, &err), 0);
	for (int i = 0; i < 100 && !rv.got; i++)
		sleep_ms(50);
	pthread_join(rv.thread, NULL);
	/* the outcome is recorded right after the answer */
	json_t *d = NULL;
	for (int i = 0; i < 100; i++) {
		d = deliveries(t);
		if (strcmp(json_string_value(
				   json_object_get(json_array_get(json_object_get(d, "deliveries"), 0), "status")),
			   "DELIVERED") == 0)
			break;
		json_decref(d);
		d = NULL;
		sleep_ms(20);
	}
	weir_webhooks_worker_stop();
	close(rv.fd);
	assert_true(rv.got);
	assert_non_null(d);
	json_t *one = json_array_get(json_object_get(d, "deliveries"), 0);
	assert_int_equal(json_array_size(json_object_get(d, "deliveries")), 1);
	assert_int_equal(json_integer_value(json_object_get(one, "attempts")), 1);

	assert_true(strncmp(rv.req, "POST /hook HTTP/1.1\r\n", 21) == 0);
	char id[64], ts[32], sig[128], ua[64];
	assert_true(header(&rv, "X-MLflow-Delivery-Id", id, sizeof(id)));
	assert_string_equal(id, json_string_value(json_object_get(one, "delivery_id")));
	assert_true(header(&rv, "X-MLflow-Timestamp", ts, sizeof(ts)));
	assert_true(header(&rv, "X-MLflow-Signature", sig, sizeof(sig)));
	assert_true(header(&rv, "User-Agent", ua, sizeof(ua)));
	assert_string_equal(ua, "weir-webhooks");
	const char *body = strstr(rv.req, "\r\n\r\n") + 4;
	assert_non_null(strstr(body, "\"entity\":\"model_version\""));

	weir_buf msg = {0};
	weir_buf_appendf(&msg, "%s.%s.%s", id, ts, body);
	char hex[65];
	weir_hmac_sha256_hex("s3cret", 6, msg.data, msg.len, hex);
	weir_buf_release(&msg);
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char raw[33] = {0};
	for (int i = 0; i < 32; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		raw[i] = (unsigned char)v;
	}
	char want[64] = "v1,";
	size_t o = 3;
	for (int i = 0; i < 33; i += 3) {
		unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | (i + 2 < 33 ? raw[i + 2] : 0);
		want[o++] = b64[v >> 18 & 63];
		want[o++] = b64[v >> 12 & 63];
		want[o++] = i + 1 < 32 ? b64[v >> 6 & 63] : '=';
		want[o++] = i + 2 < 32 ? b64[v & 63] : '=';
	}
	want[o] = '\0';
	assert_string_equal(sig, want);
	json_decref(d);
}

/* An event whose transaction is rolled back queues nothing: the worker, running for a
 * while, never connects to the target and the webhook has no delivery. */
static void test_rolled_back_delivers_nothing(void **state)
{
	test_env *t = *state;
	receiver rv;
	receiver_open(&rv, false);
	webhook_create(t, rv.port, "s3cret");
	emit(t, false);
	weir_error err = WEIR_ERROR_INIT;
	assert_int_equal(weir_webhooks_worker_start(t->pool, &err), 0);
	struct pollfd p = {.fd = rv.fd, .events = POLLIN};
	int ready = poll(&p, 1, 700); /* three rounds and more */
	weir_webhooks_worker_stop();
	close(rv.fd);
	assert_int_equal(ready, 0);
	json_t *d = deliveries(t);
	assert_int_equal(json_array_size(json_object_get(d, "deliveries")), 0);
	json_decref(d);
}

/* ---------------------------------------------------------------- a test kind */

static const char SQL_CREATE[] =
	"CREATE TABLE test_outbox (id TEXT PRIMARY KEY, payload TEXT NOT NULL, status TEXT NOT NULL, "
	"attempts INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, last_error TEXT) STRICT";
static const char SQL_INSERT[] =
	"INSERT INTO test_outbox (id, payload, status, attempts, next_attempt_at) VALUES (?1, ?2, 'PENDING', 0, ?3)";
static const char SQL_DUE[] = "SELECT id, payload, attempts FROM test_outbox WHERE status = 'PENDING' AND "
			      "next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT 8";
static const char SQL_RECORD[] =
	"UPDATE test_outbox SET status = ?2, attempts = ?3, next_attempt_at = ?4, last_error = ?5 WHERE id = ?1";
static const char SQL_PENDING[] = "SELECT count(*) FROM test_outbox WHERE status = 'PENDING'";
static const char SQL_COUNT[] = "SELECT count(*) FROM test_outbox WHERE status = ?1 AND attempts = ?2";

static int t_due(weir_db *db, int64_t now, weir_outbox_entry *out, int max, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_DUE, err);
	if (st == NULL)
		return -1;
	weir_db_bind_i64(st, 1, now);
	int n = 0;
	while (n < max && weir_db_step(st) == WEIR_DB_ROW) {
		out[n].id = weir_xstrdup(weir_db_col_text(st, 0));
		out[n].payload = weir_xstrdup(weir_db_col_text(st, 1));
		out[n].attempts = weir_db_col_int(st, 2);
		out[n].url = weir_xstrdup("test:");
		out[n].secret = NULL;
		n++;
	}
	weir_db_done(st);
	return n;
}

/* Every outcome the worker recorded, in order. */
static struct {
	pthread_mutex_t mu;
	weir_outbox_outcome o[16];
	char ids[16][16];
	char errors[16][64];
	int n;
	int64_t called_at[16]; /* when deliver() ran */
	int calls;
	volatile int in_flight; /* the slow delivery has begun */
} seen = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int t_record(weir_db *db, const weir_outbox_outcome *o, weir_error *err)
{
	pthread_mutex_lock(&seen.mu);
	if (seen.n < 16) {
		seen.o[seen.n] = *o;
		snprintf(seen.ids[seen.n], sizeof(seen.ids[0]), "%s", o->id);
		snprintf(seen.errors[seen.n], sizeof(seen.errors[0]), "%s", o->last_error ? o->last_error : "");
		seen.n++;
	}
	pthread_mutex_unlock(&seen.mu);
	weir_stmt *st = weir_db_stmt(db, SQL_RECORD, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, o->id);
	weir_db_bind_text(st, 2, o->status);
	weir_db_bind_int(st, 3, o->attempts);
	weir_db_bind_i64(st, 4, o->next_attempt_at);
	weir_db_bind_text(st, 5, o->last_error);
	return weir_db_step_done(db, st, err) == 0 ? 0 : 1;
}

static int t_pending(weir_db *db, int64_t *n, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_PENDING, err);
	return st ? weir_db_step_i64(db, st, n, err) : -1;
}

/* "bad" answers 400; the payload "slow" takes 300 ms and answers 200; others 503 or 200 as
 * the payload says. */
static void t_deliver(const weir_outbox_kind *k, const weir_outbox_entry *e, weir_outbox_result *res)
{
	(void)k;
	memset(res, 0, sizeof(*res));
	pthread_mutex_lock(&seen.mu);
	if (seen.calls < 16)
		seen.called_at[seen.calls] = weir_now_ms();
	seen.calls++;
	pthread_mutex_unlock(&seen.mu);
	if (strcmp(e->payload, "slow") == 0) {
		seen.in_flight = 1;
		sleep_ms(300);
	}
	res->status = strcmp(e->id, "bad") == 0 ? 400 : strcmp(e->payload, "fail") == 0 ? 503 : 200;
}

static const weir_outbox_kind TEST_KIND = {
	.name = "test",
	.max_attempts = 4,
	.backoff_ms = 20,
	.backoff_cap_ms = 50,
	.due = t_due,
	.record = t_record,
	.pending = t_pending,
	.deliver = t_deliver,
};

static void kind_setup(test_env *t)
{
	weir_error err = WEIR_ERROR_INIT;
	assert_int_equal(weir_db_begin_write(t->db, &err), 0);
	assert_int_equal(sqlite3_exec(weir_db_handle(t->db), SQL_CREATE, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(weir_db_commit(t->db, &err), 0);
	pthread_mutex_lock(&seen.mu);
	seen.n = seen.calls = 0;
	seen.in_flight = 0;
	pthread_mutex_unlock(&seen.mu);
}

/* Queues entries (id, payload) in one committed write transaction. */
static void queue(test_env *t, const char *const *ids, const char *const *payloads, int n)
{
	weir_error err = WEIR_ERROR_INIT;
	assert_int_equal(weir_db_begin_write(t->db, &err), 0);
	for (int i = 0; i < n; i++) {
		weir_stmt *st = weir_db_stmt(t->db, SQL_INSERT, &err);
		assert_non_null(st);
		weir_db_bind_text(st, 1, ids[i]);
		weir_db_bind_text(st, 2, payloads[i]);
		weir_db_bind_i64(st, 3, weir_now_ms());
		assert_int_equal(weir_db_step_done(t->db, st, &err), 0);
	}
	assert_int_equal(weir_db_commit(t->db, &err), 0);
}

static int64_t count(test_env *t, const char *status, int attempts)
{
	weir_error err = WEIR_ERROR_INIT;
	weir_stmt *st = weir_db_stmt(t->db, SQL_COUNT, &err);
	assert_non_null(st);
	weir_db_bind_text(st, 1, status);
	weir_db_bind_int(st, 2, attempts);
	int64_t n = -1;
	assert_int_equal(weir_db_step_i64(t->db, st, &n, &err), 0);
	return n;
}

/* A target that keeps answering 503 is attempted exactly max_attempts times, each retry
 * scheduled after the backoff (20 ms, doubling, capped at 50 ms) and not before, then the
 * entry is FAILED with its last answer; a 4xx answer fails at once, with no retry. */
static void test_retried_with_backoff_then_given_up(void **state)
{
	test_env *t = *state;
	kind_setup(t);
	const char *ids[] = {"bad", "e1"};
	const char *payloads[] = {"x", "fail"};
	queue(t, ids, payloads, 2);
	weir_error err = WEIR_ERROR_INIT;
	assert_int_equal(weir_outbox_start(t->pool, &TEST_KIND, &err), 0);
	for (int i = 0; i < 200 && count(t, "FAILED", 4) == 0; i++)
		sleep_ms(20);
	sleep_ms(300); /* no attempt after the last */
	weir_outbox_stop(&TEST_KIND);

	assert_int_equal(count(t, "FAILED", 1), 1); /* bad: one attempt */
	assert_int_equal(count(t, "FAILED", 4), 1); /* e1: the cap */
	assert_int_equal(seen.n, 5);
	assert_string_equal(seen.ids[0], "bad");
	assert_string_equal(seen.o[0].status, "FAILED");
	assert_string_equal(seen.errors[0], "HTTP 400");
	static const int64_t backoff[] = {20, 40, 50};
	for (int i = 1; i <= 4; i++) {
		assert_string_equal(seen.ids[i], "e1");
		assert_int_equal(seen.o[i].attempts, i);
		assert_string_equal(seen.o[i].status, i < 4 ? "PENDING" : "FAILED");
		assert_string_equal(seen.errors[i], "HTTP 503");
		assert_int_equal(seen.o[i].last_status_code, 503);
		assert_false(seen.o[i].has_delivered_at);
		if (i < 4) {
			assert_int_equal(seen.o[i].next_attempt_at - seen.o[i].delivered_at, backoff[i - 1]);
			/* the next attempt came no earlier than scheduled */
			assert_true(seen.called_at[i + 1] >= seen.o[i].next_attempt_at);
		}
	}
	assert_int_equal(seen.calls, 5);
}

/* Stopping while entries are queued finishes and records the attempt in flight, attempts
 * nothing else, and leaves the rest PENDING; the next start delivers them. */
static void test_stop_leaves_pending_for_next_start(void **state)
{
	test_env *t = *state;
	kind_setup(t);
	const char *ids[] = {"a", "b", "c"};
	const char *payloads[] = {"slow", "ok", "ok"};
	queue(t, ids, payloads, 3);
	weir_error err = WEIR_ERROR_INIT;
	assert_int_equal(weir_outbox_start(t->pool, &TEST_KIND, &err), 0);
	for (int i = 0; i < 200 && !seen.in_flight; i++)
		sleep_ms(10);
	assert_true(seen.in_flight);
	weir_outbox_stop(&TEST_KIND);
	assert_int_equal(count(t, "DELIVERED", 1), 1);
	assert_int_equal(count(t, "PENDING", 0), 2);
	assert_int_equal(seen.calls, 1);
	sleep_ms(300); /* nothing runs after stop */
	assert_int_equal(seen.calls, 1);

	assert_int_equal(weir_outbox_start(t->pool, &TEST_KIND, &err), 0);
	for (int i = 0; i < 200 && count(t, "DELIVERED", 1) < 3; i++)
		sleep_ms(10);
	weir_outbox_stop(&TEST_KIND);
	assert_int_equal(count(t, "DELIVERED", 1), 3);
	assert_int_equal(seen.calls, 3);
}

static void test_delivery_log_row(void **state)
{
	/* The log helpers every kind shares: an outcome is written with the kind's UPDATE (a
	 * retry leaves no delivery time, a delivery no error), read back from six columns with
	 * SQL NULLs as absent, and rendered with only the members that are there. */
	test_env *t = *state;
	weir_error e = WEIR_ERROR_INIT;
	weir_stmt *st;
	assert_int_equal(weir_db_prepare(t->db,
					 "CREATE TEMP TABLE log_t (id TEXT, status TEXT, attempts INTEGER, next_at "
					 "INTEGER, code INTEGER, error TEXT, created_at INTEGER, delivered_at INTEGER)",
					 &st),
			 SQLITE_OK);
	assert_int_equal(weir_db_step(st), SQLITE_DONE);
	weir_db_finalize(st);
	assert_int_equal(
		weir_db_prepare(t->db, "INSERT INTO log_t VALUES ('d1', 'PENDING', 0, 5, NULL, NULL, 7, NULL)", &st),
		SQLITE_OK);
	assert_int_equal(weir_db_step(st), SQLITE_DONE);
	weir_db_finalize(st);
	static const char upd[] = "UPDATE log_t SET status = ?2, attempts = ?3, next_at = ?4, code = ?5, error = ?6, "
				  "delivered_at = ?7 WHERE id = ?1";
	static const char sel[] = "SELECT status, attempts, code, error, created_at, delivered_at FROM log_t";
	weir_outbox_outcome retry = {.id = "d1",
				     .status = "PENDING",
				     .attempts = 1,
				     .next_attempt_at = 9,
				     .last_status_code = 503,
				     .has_last_status_code = true,
				     .last_error = "HTTP 503"};
	assert_int_equal(weir_outbox_record_sql(t->db, upd, &retry, &e), 0);
	weir_outbox_log l;
	assert_non_null(st = weir_db_stmt(t->db, sel, &e));
	assert_int_equal(weir_db_step(st), SQLITE_ROW);
	weir_outbox_log_read(st, 0, &l);
	assert_string_equal(l.status, "PENDING");
	assert_int_equal(l.attempts, 1);
	assert_true(l.has_last_status_code);
	assert_int_equal(l.last_status_code, 503);
	assert_string_equal(l.last_error, "HTTP 503");
	assert_int_equal(l.created_at, 7);
	assert_false(l.has_delivered_at);
	json_t *o = json_object();
	weir_outbox_log_json(o, &l, "delivered_at");
	assert_int_equal(json_object_size(o), 2);
	assert_null(json_object_get(o, "delivered_at"));
	json_decref(o);
	weir_db_done(st);

	weir_outbox_outcome done = {.id = "d1",
				    .status = "DELIVERED",
				    .attempts = 2,
				    .last_status_code = 200,
				    .has_last_status_code = true,
				    .delivered_at = 11,
				    .has_delivered_at = true};
	assert_int_equal(weir_outbox_record_sql(t->db, upd, &done, &e), 0);
	assert_non_null(st = weir_db_stmt(t->db, sel, &e));
	assert_int_equal(weir_db_step(st), SQLITE_ROW);
	weir_outbox_log_read(st, 0, &l);
	assert_null(l.last_error);
	assert_true(l.has_delivered_at);
	o = json_object();
	weir_outbox_log_json(o, &l, "delivered_timestamp");
	assert_int_equal(json_integer_value(json_object_get(o, "delivered_timestamp")), 11);
	assert_int_equal(json_integer_value(json_object_get(o, "last_status_code")), 200);
	assert_null(json_object_get(o, "last_error"));
	json_decref(o);
	weir_db_done(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queued_and_delivered_signed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rolled_back_delivers_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retried_with_backoff_then_given_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_leaves_pending_for_next_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delivery_log_row, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
