/* Notification destinations and the job notifications' outbox kind (workflows/notify.c):
 * weir_notify_queue writes its row inside the caller's write transaction (PENDING for a
 * webhook, RECORDED for email, nothing once rolled back, 400 for an unknown destination);
 * the kind's due() turns due rows into entries (target, body by destination type, basic
 * auth, signing secret) and skips what is not due; its record() writes an attempt's
 * outcome; and the worker delivers to a loopback receiver, signed and with basic auth.
 * notify.c is included (as h2o's tests include the .c under test) to reach the kind's
 * static due(). */
#include "testutil.h"

#include "workflows/notify.c"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

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

/* ---------------------------------------------------------------- helpers */

/* Creates a destination from JSON text in its own committed write; returns the create
 * answer (the caller decrefs). */
static json_t *dest_create(test_env *t, const char *body_text)
{
	weir_error err = WEIR_ERROR_INIT;
	json_t *body = json_loads(body_text, 0, NULL);
	assert_non_null(body);
	assert_int_equal(weir_db_begin_write(t->db, &err), 0);
	json_t *d = weir_notify_dest_create_by(t->db, body, "admin", &err);
	if (d == NULL)
		fail_msg("create: %s", err.message);
	assert_int_equal(weir_db_commit(t->db, &err), 0);
	json_decref(body);
	return d;
}

static const char *id_of(json_t *d) { return json_string_value(json_object_get(d, "id")); }

/* Queues in one write transaction, committed. */
static void queue_committed(test_env *t, const char *dest_id, const char *event, const char *payload)
{
	weir_error err = WEIR_ERROR_INIT;
	assert_int_equal(weir_db_begin_write(t->db, &err), 0);
	assert_int_equal(weir_notify_queue(t->db, dest_id, event, payload, &err), 0);
	assert_int_equal(weir_db_commit(t->db, &err), 0);
}

/* A delivery row as stored. */
typedef struct row {
	char id[40];
	char destination_id[40];
	char address[64];
	char event[64];
	char payload[256];
	char status[16];
	int attempts;
	int64_t next_attempt_at;
	int64_t last_status_code; /* -1: NULL */
	char last_error[64];
	int64_t delivered_at; /* -1: NULL */
	int n; /* rows matched */
} row;

static void col_copy(sqlite3_stmt *st, int i, char *out, size_t cap)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	snprintf(out, cap, "%s", s ? (const char *)s : "");
}

/* The newest row matching `where` (SQL over notification_deliveries; a constant test
 * string, not input). */
static row row_where(test_env *t, const char *where)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "SELECT id, destination_id, address, event, payload, status, attempts, next_attempt_at, "
		 "last_status_code, last_error, delivered_at, (SELECT count(*) FROM notification_deliveries WHERE %s) "
		 "FROM notification_deliveries WHERE %s ORDER BY created_at DESC, rowid DESC LIMIT 1",
		 where, where);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(weir_db_handle(t->db), sql, -1, &st, NULL), SQLITE_OK);
	row r = {.n = 0};
	if (sqlite3_step(st) == SQLITE_ROW) {
		col_copy(st, 0, r.id, sizeof(r.id));
		col_copy(st, 1, r.destination_id, sizeof(r.destination_id));
		col_copy(st, 2, r.address, sizeof(r.address));
		col_copy(st, 3, r.event, sizeof(r.event));
		col_copy(st, 4, r.payload, sizeof(r.payload));
		col_copy(st, 5, r.status, sizeof(r.status));
		r.attempts = sqlite3_column_int(st, 6);
		r.next_attempt_at = sqlite3_column_int64(st, 7);
		r.last_status_code = sqlite3_column_type(st, 8) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 8);
		col_copy(st, 9, r.last_error, sizeof(r.last_error));
		r.delivered_at = sqlite3_column_type(st, 10) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 10);
		r.n = sqlite3_column_int(st, 11);
	}
	sqlite3_finalize(st);
	return r;
}

static row row_of_dest(test_env *t, const char *dest_id)
{
	char where[128];
	snprintf(where, sizeof(where), "destination_id = '%s'", dest_id); /* a UUID we made */
	return row_where(t, where);
}

static void entries_free(weir_outbox_entry *e, int n)
{
	for (int i = 0; i < n; i++) {
		free(e[i].id);
		free(e[i].url);
		free(e[i].secret);
		free(e[i].payload);
		free(e[i].authorization);
	}
}

/* ---------------------------------------------------------------- queueing */

/* weir_notify_queue writes one row in the caller's transaction: PENDING and due now for a
 * webhook destination, RECORDED for an email destination, with the event and payload as
 * given; a rolled-back transaction leaves no row; an unknown destination is 400 naming
 * webhook_notifications; weir_notify_record_email records an address with no destination. */
static void test_queue_in_write_transaction(void **state)
{
	test_env *t = *state;
	json_t *hook = dest_create(t, "{\"display_name\": \"hook\", \"config\": {\"generic_webhook\": "
				      "{\"url\": \"https://example.com/hook\"}}}");
	json_t *mail = dest_create(t, "{\"display_name\": \"mail\", \"config\": {\"email\": "
				      "{\"addresses\": [\"ops@example.com\"]}}}");
	weir_error err = WEIR_ERROR_INIT;
	int64_t before = weir_now_ms();

	queue_committed(t, id_of(hook), "jobs.on_failure", "{\"run_id\": 7}");
	row r = row_of_dest(t, id_of(hook));
	assert_int_equal(r.n, 1);
	assert_string_equal(r.status, "PENDING");
	assert_int_equal(r.attempts, 0);
	assert_string_equal(r.event, "jobs.on_failure");
	assert_string_equal(r.payload, "{\"run_id\": 7}");
	assert_true(r.next_attempt_at >= before && r.next_attempt_at <= weir_now_ms());
	assert_int_equal(r.last_status_code, -1);
	assert_int_equal(r.delivered_at, -1);

	queue_committed(t, id_of(mail), "jobs.on_success", "{\"run_id\": 8}");
	r = row_of_dest(t, id_of(mail));
	assert_int_equal(r.n, 1);
	assert_string_equal(r.status, "RECORDED");
	assert_int_equal(r.attempts, 0);

	/* rolled back: nothing stays */
	assert_int_equal(weir_db_begin_write(t->db, &err), 0);
	assert_int_equal(weir_notify_queue(t->db, id_of(hook), "jobs.on_start", "{}", &err), 0);
	weir_db_rollback(t->db);
	assert_int_equal(row_where(t, "event = 'jobs.on_start'").n, 0);

	/* unknown destination, bad event, bad payload: refused, naming the field */
	assert_int_equal(weir_db_begin_write(t->db, &err), 0);
	assert_int_equal(weir_notify_queue(t->db, "no-such-id", "jobs.on_failure", "{}", &err), -1);
	assert_int_equal(err.code, WEIR_E_INVALID_PARAMETER_VALUE);
	assert_int_equal(err.status, 400);
	assert_string_equal(err.field, "webhook_notifications");
	assert_int_equal(weir_notify_queue(t->db, id_of(hook), "jobs on failure", "{}", &err), -1);
	assert_string_equal(err.field, "event");
	assert_int_equal(weir_notify_queue(t->db, id_of(hook), "jobs.on_failure", "[1]", &err), -1);
	assert_string_equal(err.field, "payload");
	assert_int_equal(weir_notify_record_email(t->db, "not an address", "jobs.on_failure", "{}", &err), -1);
	assert_string_equal(err.field, "email_notifications");
	assert_int_equal(weir_notify_record_email(t->db, "dev@example.com", "jobs.on_failure", "{\"a\": 1}", &err), 0);
	assert_int_equal(weir_db_commit(t->db, &err), 0);
	r = row_where(t, "address = 'dev@example.com'");
	assert_int_equal(r.n, 1);
	assert_string_equal(r.status, "RECORDED");
	assert_string_equal(r.destination_id, "");

	assert_true(weir_notify_dest_exists(t->db, id_of(hook)));
	assert_false(weir_notify_dest_exists(t->db, "no-such-id"));
	json_decref(hook);
	json_decref(mail);
}

/* Deleting a destination deletes its deliveries (none is sent afterwards). */
static void test_delete_takes_deliveries(void **state)
{
	test_env *t = *state;
	json_t *hook = dest_create(t, "{\"display_name\": \"hook\", \"config\": {\"slack\": "
				      "{\"url\": \"https://hooks.example.com/T/B/x\"}}}");
	queue_committed(t, id_of(hook), "jobs.on_failure", "{}");
	assert_int_equal(row_of_dest(t, id_of(hook)).n, 1);
	weir_error err = WEIR_ERROR_INIT;
	assert_int_equal(weir_db_begin_write(t->db, &err), 0);
	assert_int_equal(weir_notify_dest_delete(t->db, id_of(hook), &err), 0);
	assert_int_equal(weir_db_commit(t->db, &err), 0);
	assert_int_equal(row_of_dest(t, id_of(hook)).n, 0);
	assert_int_equal(weir_notify_dest_delete(t->db, id_of(hook), &err), -1);
	assert_int_equal(err.code, WEIR_E_RESOURCE_DOES_NOT_EXIST);
	json_decref(hook);
}

/* ---------------------------------------------------------------- the kind's callbacks */

/* due() answers the PENDING rows due now, each with its destination's target and signing
 * secret: a webhook's URL, payload unchanged and basic auth; Slack's URL with a `text`
 * added; PagerDuty's Events API with a trigger around the payload; it skips RECORDED rows
 * and rows not due yet. record() writes an outcome onto the row, and only onto a PENDING
 * row; pending() counts what is left to send. */
static void test_due_and_record(void **state)
{
	test_env *t = *state;
	json_t *hook = dest_create(t, "{\"display_name\": \"hook\", \"config\": {\"generic_webhook\": {\"url\": "
				      "\"https://example.com/hook\", \"username\": \"u\", \"password\": \"p\"}}}");
	json_t *slack = dest_create(t, "{\"display_name\": \"slack\", \"config\": {\"slack\": "
				       "{\"url\": \"https://hooks.example.com/T/B/x\"}}}");
	json_t *pd = dest_create(t, "{\"display_name\": \"pd\", \"config\": {\"pagerduty\": "
				    "{\"integration_key\": \"pd-key\"}}}");
	json_t *mail = dest_create(t, "{\"display_name\": \"mail\", \"config\": {\"email\": "
				      "{\"addresses\": [\"ops@example.com\"]}}}");
	queue_committed(t, id_of(hook), "jobs.on_failure", "{\"run_id\":1}");
	queue_committed(t, id_of(slack), "jobs.on_failure", "{\"run_id\":2,\"summary\":\"nightly failed\"}");
	queue_committed(t, id_of(pd), "jobs.on_failure", "{\"run_id\":3}");
	queue_committed(t, id_of(mail), "jobs.on_failure", "{\"run_id\":4}");

	weir_error err = WEIR_ERROR_INIT;
	weir_outbox_entry e[8];
	memset(e, 0, sizeof(e));
	int n = NOTIFICATIONS.due(t->db, weir_now_ms(), e, 8, &err);
	assert_int_equal(n, 3); /* not the email one */
	int64_t pending = -1;
	assert_int_equal(NOTIFICATIONS.pending(t->db, &pending, &err), 0);
	assert_int_equal(pending, 3);
	const char *sec_hook = json_string_value(json_object_get(hook, "signing_secret"));
	bool seen[3] = {false, false, false};
	for (int i = 0; i < n; i++) {
		assert_int_equal(e[i].attempts, 0);
		json_t *body = json_loads(e[i].payload, 0, NULL);
		assert_non_null(body);
		if (strcmp(e[i].url, "https://example.com/hook") == 0) {
			seen[0] = true;
			assert_string_equal(e[i].secret, sec_hook);
			assert_string_equal(e[i].payload, "{\"run_id\":1}");
			assert_non_null(e[i].authorization);
			assert_string_equal(e[i].authorization, "Basic dTpw"); /* base64("u:p") */
			assert_string_equal(e[i].id, row_of_dest(t, id_of(hook)).id);
		} else if (strcmp(e[i].url, "https://hooks.example.com/T/B/x") == 0) {
			seen[1] = true;
			assert_string_equal(e[i].secret, json_string_value(json_object_get(slack, "signing_secret")));
			assert_null(e[i].authorization);
			assert_string_equal(json_string_value(json_object_get(body, "text")),
					    "[Weir] jobs.on_failure: nightly failed");
			assert_int_equal(json_integer_value(json_object_get(body, "run_id")), 2);
		} else {
			seen[2] = true;
			assert_string_equal(e[i].url, "https://events.pagerduty.com/v2/enqueue");
			assert_null(e[i].authorization);
			assert_string_equal(json_string_value(json_object_get(body, "routing_key")), "pd-key");
			assert_string_equal(json_string_value(json_object_get(body, "event_action")), "trigger");
			json_t *p = json_object_get(body, "payload");
			assert_string_equal(json_string_value(json_object_get(p, "severity")), "error");
			assert_string_equal(json_string_value(json_object_get(p, "source")), "weir");
			assert_string_equal(json_string_value(json_object_get(p, "summary")), "[Weir] jobs.on_failure");
			assert_int_equal(
				json_integer_value(json_object_get(json_object_get(p, "custom_details"), "run_id")), 3);
		}
		json_decref(body);
	}
	assert_true(seen[0] && seen[1] && seen[2]);

	/* an outcome written by record(): a retry of the webhook's delivery in 10 s */
	row before = row_of_dest(t, id_of(hook));
	int64_t now = weir_now_ms();
	weir_outbox_outcome o = {.id = before.id,
				 .status = "PENDING",
				 .attempts = 1,
				 .next_attempt_at = now + 10000,
				 .last_status_code = 503,
				 .has_last_status_code = true,
				 .last_error = "HTTP 503",
				 .delivered_at = now};
	assert_int_equal(weir_db_begin_write(t->db, &err), 0);
	assert_int_equal(NOTIFICATIONS.record(t->db, &o, &err), 0);
	assert_int_equal(weir_db_commit(t->db, &err), 0);
	row after = row_of_dest(t, id_of(hook));
	assert_string_equal(after.status, "PENDING");
	assert_int_equal(after.attempts, 1);
	assert_int_equal(after.next_attempt_at, now + 10000);
	assert_int_equal(after.last_status_code, 503);
	assert_string_equal(after.last_error, "HTTP 503");
	assert_int_equal(after.delivered_at, -1);

	/* not due before its time; due after it */
	entries_free(e, n);
	memset(e, 0, sizeof(e));
	n = NOTIFICATIONS.due(t->db, now + 1000, e, 8, &err);
	assert_int_equal(n, 2);
	for (int i = 0; i < n; i++)
		assert_string_not_equal(e[i].id, after.id);
	entries_free(e, n);
	memset(e, 0, sizeof(e));
	n = NOTIFICATIONS.due(t->db, now + 10000, e, 8, &err);
	assert_int_equal(n, 3);
	entries_free(e, n);

	/* record() touches PENDING rows only: the RECORDED email row stays as it is */
	row m = row_of_dest(t, id_of(mail));
	o.id = m.id;
	o.status = "DELIVERED";
	assert_int_equal(weir_db_begin_write(t->db, &err), 0);
	assert_int_equal(NOTIFICATIONS.record(t->db, &o, &err), 0);
	assert_int_equal(weir_db_commit(t->db, &err), 0);
	m = row_of_dest(t, id_of(mail));
	assert_string_equal(m.status, "RECORDED");
	assert_int_equal(m.attempts, 0);

	json_decref(hook);
	json_decref(slack);
	json_decref(pd);
	json_decref(mail);
}

/* ---------------------------------------------------------------- the worker */

typedef struct receiver {
	int fd;
	int port;
	int status; /* what to answer */
	pthread_t thread;
	char req[8192];
	volatile int got;
} receiver;

/* Accepts one connection, reads one request (head and Content-Length body), answers. */
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
	char answer[128];
	int len = snprintf(answer, sizeof(answer), "HTTP/1.1 %d X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
			   rv->status);
	if (send(c, answer, (size_t)len, MSG_NOSIGNAL) < 0)
		n = 0;
	close(c);
	rv->got = 1;
	return NULL;
}

static void receiver_open(receiver *rv, int status)
{
	memset(rv, 0, sizeof(*rv));
	rv->status = status;
	rv->fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(rv->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(rv->fd, 4), 0);
	socklen_t len = sizeof(sa);
	getsockname(rv->fd, (struct sockaddr *)&sa, &len);
	rv->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&rv->thread, NULL, receiver_main, rv), 0);
}

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

/* Waits until the destination's newest delivery has left PENDING with `attempts`. */
static row wait_recorded(test_env *t, const char *dest_id, int attempts)
{
	row r = {0};
	for (int i = 0; i < 250; i++) {
		r = row_of_dest(t, dest_id);
		if (r.attempts >= attempts)
			break;
		sleep_ms(20);
	}
	return r;
}

/* The worker posts a committed notification to the webhook once: POST to its path, the
 * payload as body, basic auth from the destination's username and password, the delivery
 * id and a signature that checks out against the destination's signing secret; the row is
 * then DELIVERED after one attempt with the 200. The email destination's row stays
 * RECORDED, never attempted. */
static void test_worker_delivers_signed_with_basic_auth(void **state)
{
	test_env *t = *state;
	receiver rv;
	receiver_open(&rv, 200);
	char body[256];
	snprintf(body, sizeof(body),
		 "{\"display_name\": \"hook\", \"config\": {\"generic_webhook\": {\"url\": "
		 "\"http://127.0.0.1:%d/notify\", \"username\": \"ops\", \"password\": \"s3cret\"}}}",
		 rv.port);
	json_t *hook = dest_create(t, body);
	json_t *mail = dest_create(t, "{\"display_name\": \"mail\", \"config\": {\"email\": "
				      "{\"addresses\": [\"ops@example.com\"]}}}");
	queue_committed(t, id_of(hook), "jobs.on_failure", "{\"run_id\":42}");
	queue_committed(t, id_of(mail), "jobs.on_failure", "{\"run_id\":42}");

	weir_error err = WEIR_ERROR_INIT;
	assert_int_equal(weir_notify_worker_start(t->pool, &err), 0);
	row r = wait_recorded(t, id_of(hook), 1);
	sleep_ms(300); /* a round or more after: the email row is still not attempted */
	weir_notify_worker_stop();
	pthread_join(rv.thread, NULL);
	close(rv.fd);

	assert_true(rv.got);
	assert_string_equal(r.status, "DELIVERED");
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.last_status_code, 200);
	assert_true(r.delivered_at > 0);
	assert_string_equal(r.last_error, "");
	row m = row_of_dest(t, id_of(mail));
	assert_string_equal(m.status, "RECORDED");
	assert_int_equal(m.attempts, 0);

	assert_true(strncmp(rv.req, "POST /notify HTTP/1.1\r\n", 23) == 0);
	char id[64], ts[32], sig[128], auth[128], ua[64];
	assert_true(header(&rv, "X-Weir-Delivery-Id", id, sizeof(id)));
	assert_string_equal(id, r.id);
	assert_true(header(&rv, "Authorization", auth, sizeof(auth)));
	assert_string_equal(auth, "Basic b3BzOnMzY3JldA=="); /* base64("ops:s3cret") */
	assert_true(header(&rv, "User-Agent", ua, sizeof(ua)));
	assert_string_equal(ua, "weir-notifications");
	assert_true(header(&rv, "X-Weir-Timestamp", ts, sizeof(ts)));
	assert_true(header(&rv, "X-Weir-Signature", sig, sizeof(sig)));
	const char *sent = strstr(rv.req, "\r\n\r\n") + 4;
	assert_string_equal(sent, "{\"run_id\":42}");
	char want[80];
	weir_outbox_signature(json_string_value(json_object_get(hook, "signing_secret")), id, ts, sent, want,
			      sizeof(want));
	assert_string_equal(sig, want);
	json_decref(hook);
	json_decref(mail);
}

/* A 4xx answer fails the delivery at once: FAILED after one attempt, with the status and
 * "HTTP 400" recorded, and no retry. */
static void test_worker_fails_on_4xx(void **state)
{
	test_env *t = *state;
	receiver rv;
	receiver_open(&rv, 400);
	char body[200];
	snprintf(body, sizeof(body),
		 "{\"display_name\": \"teams\", \"config\": {\"microsoft_teams\": {\"url\": "
		 "\"http://127.0.0.1:%d/teams\"}}}",
		 rv.port);
	json_t *teams = dest_create(t, body);
	queue_committed(t, id_of(teams), "jobs.on_success", "{\"run_id\":1}");
	weir_error err = WEIR_ERROR_INIT;
	assert_int_equal(weir_notify_worker_start(t->pool, &err), 0);
	row r = wait_recorded(t, id_of(teams), 1);
	sleep_ms(300);
	weir_notify_worker_stop();
	pthread_join(rv.thread, NULL);
	close(rv.fd);
	r = row_of_dest(t, id_of(teams));
	assert_string_equal(r.status, "FAILED");
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.last_status_code, 400);
	assert_string_equal(r.last_error, "HTTP 400");
	assert_int_equal(r.delivered_at, -1);
	/* Teams got the payload with a text to show */
	const char *sent = strstr(rv.req, "\r\n\r\n") + 4;
	assert_non_null(strstr(sent, "\"text\":\"[Weir] jobs.on_success\""));
	json_decref(teams);
}

/* ---------------------------------------------------------------- CRUD */

/* Create answers the masked config and the signing secret; the stored config keeps the
 * secrets; an update merges fields (a password given as "" goes, the URL stays) and
 * refuses a config of another kind, naming `config`; a missing id is 404. */
static void test_create_update_masks_and_merges(void **state)
{
	test_env *t = *state;
	json_t *hook = dest_create(t, "{\"display_name\": \"hook\", \"config\": {\"generic_webhook\": {\"url\": "
				      "\"https://example.com/h\", \"username\": \"u\", \"password\": \"p\"}}}");
	json_t *gw = json_object_get(json_object_get(hook, "config"), "generic_webhook");
	assert_true(json_is_true(json_object_get(gw, "url_set")));
	assert_true(json_is_true(json_object_get(gw, "password_set")));
	assert_null(json_object_get(gw, "url"));
	assert_null(json_object_get(gw, "password"));
	assert_int_equal(strlen(json_string_value(json_object_get(hook, "signing_secret"))), 64);

	weir_error err = WEIR_ERROR_INIT;
	json_t *upd = json_loads("{\"display_name\": \"renamed\", \"config\": {\"generic_webhook\": "
				 "{\"password\": \"\", \"url_set\": true}}}",
				 0, NULL);
	assert_int_equal(weir_db_begin_write(t->db, &err), 0);
	json_t *after = weir_notify_dest_update(t->db, id_of(hook), upd, &err);
	assert_non_null(after);
	assert_int_equal(weir_db_commit(t->db, &err), 0);
	assert_string_equal(json_string_value(json_object_get(after, "display_name")), "renamed");
	gw = json_object_get(json_object_get(after, "config"), "generic_webhook");
	assert_true(json_is_true(json_object_get(gw, "url_set")));
	assert_true(json_is_true(json_object_get(gw, "username_set")));
	assert_true(json_is_false(json_object_get(gw, "password_set")));
	assert_null(json_object_get(after, "signing_secret"));
	json_decref(after);
	json_decref(upd);

	weir_arena *a = weir_arena_new(512);
	notify_dest d;
	bool found = false;
	assert_int_equal(weir_notify_store_dest_get(t->db, a, id_of(hook), &d, &found, &err), 0);
	assert_true(found);
	assert_string_equal(d.config, "{\"url\":\"https://example.com/h\",\"username\":\"u\"}");
	weir_arena_free(a);

	upd = json_loads("{\"config\": {\"slack\": {\"url\": \"https://example.com/s\"}}}", 0, NULL);
	assert_null(weir_notify_dest_update(t->db, id_of(hook), upd, &err));
	assert_int_equal(err.status, 400);
	assert_string_equal(err.field, "config");
	assert_null(weir_notify_dest_update(t->db, "missing", upd, &err));
	assert_int_equal(err.code, WEIR_E_RESOURCE_DOES_NOT_EXIST);
	assert_int_equal(err.status, 404);
	json_decref(upd);
	json_decref(hook);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queue_in_write_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_takes_deliveries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_due_and_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_worker_delivers_signed_with_basic_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_worker_fails_on_4xx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_update_masks_and_merges, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
