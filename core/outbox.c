/* The outbox worker and its HTTP client (core/outbox.h): one thread delivers the due entries
 * of every registered kind, retries with exponential backoff and records each outcome
 * through the kind's store callbacks; deliveries are HTTP POSTs (plain sockets for http://
 * targets on loopback, OpenSSL with the system trust store and host name verification for
 * https://), signed like MLflow 3.3 (v1,base64(HMAC-SHA256(secret, "<id>.<ts>.<body>"))).
 * The worker borrows a pooled connection per round and never holds the write lock while
 * talking to the network. Moved here from registry/webhooks.c, its first user. */
#include "core/outbox.h"

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

#include "core/arena.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/util.h"

/* ---------------------------------------------------------------- targets */

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
	/* the path goes into the request line as it is: no space, CR, LF or other control */
	for (const unsigned char *c = (const unsigned char *)url; *c; c++)
		if (*c <= 0x20 || *c == 0x7f)
			return false;
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

weir_outbox_url weir_outbox_url_check(const char *url)
{
	url_parts u;
	if (!parse_url(url, &u))
		return WEIR_OUTBOX_URL_INVALID;
	if (!u.https && !loopback_host(u.host))
		return WEIR_OUTBOX_URL_PLAIN_HTTP;
	return WEIR_OUTBOX_URL_OK;
}

/* ---------------------------------------------------------------- HTTP client */

/* v1,base64(HMAC-SHA256(secret, "<id>.<ts>.<body>")) into out (>= 64 bytes). */
void weir_outbox_signature(const char *secret, const char *id, const char *ts, const char *body, char *out, size_t cap)
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
	weir_arena *a = weir_arena_new(256);
	snprintf(out, cap, "v1,%s", weir_b64_encode(a, raw, sizeof(raw)));
	weir_arena_free(a);
}

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
static int tls_open(conn *c, const char *host, weir_outbox_result *res)
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

/* A connected socket to u (5 s timeouts), or -1 with res->error set. */
static int dial(const url_parts *u, weir_outbox_result *res)
{
	struct addrinfo hints = {0}, *ai = NULL;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(u->host, u->port, &hints, &ai) != 0 || ai == NULL) {
		snprintf(res->error, sizeof(res->error), "could not resolve host");
		return -1;
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
	if (fd < 0)
		snprintf(res->error, sizeof(res->error), "connection failed: %s", strerror(errno));
	return fd;
}

/* The connection a POST goes on: the URL parsed (https anywhere, plain http to loopback only),
 * dialled, TLS opened; false with res->error set. */
static bool post_open(const char *url, conn *c, url_parts *u, weir_outbox_result *res)
{
	if (!parse_url(url, u)) {
		snprintf(res->error, sizeof(res->error), "invalid URL");
		return false;
	}
	if (!u->https && !loopback_host(u->host)) {
		snprintf(res->error, sizeof(res->error), "plain http goes to loopback only");
		return false;
	}
	int fd = dial(u, res);
	if (fd < 0)
		return false;
	*c = (conn){fd, NULL, NULL};
	if (u->https && tls_open(c, u->host, res) != 0) {
		conn_close(c);
		return false;
	}
	return true;
}

/* Writes the whole request (released); false with res->error set and the connection closed. */
static bool post_send(conn *c, weir_buf *req, weir_outbox_result *res)
{
	size_t off = 0;
	while (off < req->len) {
		ssize_t w = conn_write(c, req->data + off, req->len - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	bool sent = off == req->len;
	weir_buf_release(req);
	if (!sent) {
		conn_close(c);
		snprintf(res->error, sizeof(res->error), "send failed");
	}
	return sent;
}

void weir_outbox_post(const weir_outbox_http *h, const char *url, const char *secret, const char *delivery_id,
		      const char *body, weir_outbox_result *res)
{
	weir_outbox_post_auth(h, url, secret, delivery_id, body, NULL, res);
}

void weir_outbox_post_auth(const weir_outbox_http *h, const char *url, const char *secret, const char *delivery_id,
			   const char *body, const char *authorization, weir_outbox_result *res)
{
	memset(res, 0, sizeof(*res));
	if (authorization && strpbrk(authorization, "\r\n")) {
		snprintf(res->error, sizeof(res->error), "invalid authorization header");
		return;
	}
	url_parts u;
	conn c;
	if (!post_open(url, &c, &u, res))
		return;
	char ts[24];
	snprintf(ts, sizeof(ts), "%lld", (long long)(weir_now_ms() / 1000));
	weir_buf req = {0};
	weir_buf_appendf(&req,
			 "POST %s HTTP/1.1\r\nHost: %s%s%s:%s\r\nUser-Agent: %s\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n%s: %s\r\n%s: %s\r\n",
			 u.path, strchr(u.host, ':') ? "[" : "", u.host, strchr(u.host, ':') ? "]" : "", u.port,
			 h->user_agent, strlen(body), h->id_header, delivery_id, h->timestamp_header, ts);
	if (authorization)
		weir_buf_appendf(&req, "Authorization: %s\r\n", authorization);
	if (secret && *secret) {
		char sig[80];
		weir_outbox_signature(secret, delivery_id, ts, body, sig, sizeof(sig));
		weir_buf_appendf(&req, "%s: %s\r\n", h->signature_header, sig);
	}
	weir_buf_appendf(&req, "\r\n%s", body);
	if (!post_send(&c, &req, res))
		return;
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
	if (b && strcasestr(buf, "\r\ntransfer-encoding: chunked") &&
	    strcasestr(buf, "\r\ntransfer-encoding: chunked") < b) {
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

/* ---------------------------------------------------------------- worker */

#define MAX_KINDS 8
#define BATCH 8

typedef struct slot {
	const weir_outbox_kind *kind;
	weir_db_pool *pool;
} slot;

/* The registered kinds and the one thread that serves them. `round_mu` is held by the
 * worker while it delivers (one round), so that weir_outbox_stop can wait for an attempt
 * in flight to be recorded before the kind, or its pool, goes away. */
static struct {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_mutex_t round_mu;
	bool running;
	bool stop;
	slot slots[MAX_KINDS];
	int n;
} worker = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .round_mu = PTHREAD_MUTEX_INITIALIZER};

/* Whether the worker should go on delivering the kind's entries. */
static bool still_wanted(const weir_outbox_kind *kind)
{
	pthread_mutex_lock(&worker.mu);
	bool yes = !worker.stop;
	bool found = false;
	for (int i = 0; yes && i < worker.n && !found; i++)
		found = worker.slots[i].kind == kind;
	pthread_mutex_unlock(&worker.mu);
	return yes && found;
}

static void entry_free(weir_outbox_entry *e)
{
	free(e->id);
	free(e->payload);
	free(e->url);
	free(e->secret);
	free(e->authorization);
}

static void record(weir_db *db, const weir_outbox_kind *k, const weir_outbox_entry *d, const weir_outbox_result *res)
{
	int attempts = d->attempts + 1;
	int64_t now = weir_now_ms();
	bool ok = res->status >= 200 && res->status < 400;
	bool retry = !ok && (res->status == 0 || res->status == 429 || res->status >= 500) &&
		     attempts < k->max_attempts;
	int64_t backoff = k->backoff_ms;
	for (int i = 1; i < attempts && backoff < k->backoff_cap_ms; i++)
		backoff *= 2;
	if (backoff > k->backoff_cap_ms)
		backoff = k->backoff_cap_ms;
	const char *status = ok ? "DELIVERED" : retry ? "PENDING" : "FAILED";
	char errbuf[240];
	if (!ok && res->status)
		snprintf(errbuf, sizeof(errbuf), "HTTP %d", res->status);
	else
		snprintf(errbuf, sizeof(errbuf), "%s", res->error);
	weir_error e = WEIR_ERROR_INIT;
	if (weir_db_begin_write(db, &e) != 0)
		return;
	weir_outbox_outcome r = {.id = d->id,
				 .status = status,
				 .attempts = attempts,
				 .next_attempt_at = now + backoff,
				 .last_status_code = res->status,
				 .has_last_status_code = res->status != 0,
				 .last_error = ok ? NULL : errbuf,
				 .delivered_at = now,
				 .has_delivered_at = ok};
	int rc = k->record(db, &r, &e);
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
	weir_log_info("%s delivery %s: attempt %d %s (%s)", k->name, d->id, attempts, status, errbuf);
}

/* One kind's round: its due entries, delivered one by one. Adds its pending count to
 * *depth when `count` (then *counted is set). */
static void round_kind(const slot *s, bool count, int64_t *depth, bool *counted, bool *sent)
{
	const weir_outbox_kind *k = s->kind;
	weir_outbox_entry d[BATCH];
	memset(d, 0, sizeof(d)); /* fields a kind does not fill stay NULL (authorization) */
	weir_error e = WEIR_ERROR_INIT;
	weir_db *db = weir_db_acquire(s->pool);
	int n = k->due(db, weir_now_ms(), d, BATCH, &e);
	if (n < 0)
		n = 0;
	int64_t pending;
	if (count && k->pending(db, &pending, &e) == 0) {
		*depth += pending;
		*counted = true;
	}
	weir_db_release(db);
	*sent = *sent || n > 0;
	for (int i = 0; i < n; i++) {
		/* on stop, what is not attempted yet stays queued for the next start */
		if (still_wanted(k)) {
			weir_outbox_result res;
			if (k->deliver)
				k->deliver(k, &d[i], &res);
			else
				weir_outbox_post_auth(&k->http, d[i].url, d[i].secret, d[i].id, d[i].payload,
						      d[i].authorization, &res);
			db = weir_db_acquire(s->pool);
			record(db, k, &d[i], &res);
			weir_db_release(db);
		}
		entry_free(&d[i]);
	}
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
		slot slots[MAX_KINDS];
		int n = worker.n;
		memcpy(slots, worker.slots, sizeof(slots));
		pthread_mutex_unlock(&worker.mu);
		if (stop)
			break;
		/* the outbox depth for /metrics: about once a second, and after each batch sent */
		bool count = depth_stale || ++polls % 5 == 0;
		int64_t depth = 0;
		bool counted = false, sent = false;
		pthread_mutex_lock(&worker.round_mu);
		for (int i = 0; i < n; i++)
			if (still_wanted(slots[i].kind))
				round_kind(&slots[i], count, &depth, &counted, &sent);
		pthread_mutex_unlock(&worker.round_mu);
		if (counted)
			weir_metrics_outbox_depth_set(depth);
		depth_stale = sent;
	}
	return NULL;
}

int weir_outbox_start(weir_db_pool *pool, const weir_outbox_kind *kind, weir_error *err)
{
	pthread_mutex_lock(&worker.mu);
	for (int i = 0; i < worker.n; i++) {
		if (worker.slots[i].kind == kind) {
			pthread_mutex_unlock(&worker.mu);
			return 0;
		}
	}
	if (worker.n == MAX_KINDS) {
		pthread_mutex_unlock(&worker.mu);
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "too many outbox kinds");
	}
	worker.slots[worker.n++] = (slot){kind, pool};
	if (!worker.running) {
		worker.stop = false;
		if (pthread_create(&worker.thread, NULL, worker_main, NULL) != 0) {
			worker.n--;
			pthread_mutex_unlock(&worker.mu);
			return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "could not start the outbox worker (%s)",
					      kind->name);
		}
		worker.running = true;
	}
	pthread_mutex_unlock(&worker.mu);
	return 0;
}

void weir_outbox_stop(const weir_outbox_kind *kind)
{
	pthread_mutex_lock(&worker.mu);
	bool found = false;
	for (int i = 0; i < worker.n; i++) {
		if (worker.slots[i].kind == kind) {
			worker.slots[i] = worker.slots[--worker.n];
			found = true;
			break;
		}
	}
	bool last = found && worker.n == 0 && worker.running;
	if (last) {
		worker.stop = true;
		pthread_cond_signal(&worker.cv);
	}
	pthread_mutex_unlock(&worker.mu);
	if (!found)
		return;
	if (last) {
		pthread_join(worker.thread, NULL);
		pthread_mutex_lock(&worker.mu);
		worker.running = false;
		pthread_mutex_unlock(&worker.mu);
		return;
	}
	/* other kinds go on: wait for the round in flight, which may still use this kind */
	pthread_mutex_lock(&worker.round_mu);
	pthread_mutex_unlock(&worker.round_mu);
}

/* ---------------------------------------------------------------- a POST whose answer is read */

/* Appends the de-chunked body of a chunked answer (p..end) to out, at most max bytes. */
static void dechunk(const char *p, const char *end, size_t max, weir_buf *out)
{
	while (p < end) {
		char *e;
		unsigned long n = strtoul(p, &e, 16);
		if (e == p || n == 0)
			return;
		const char *crlf = memchr(e, '\n', (size_t)(end - e));
		if (crlf == NULL)
			return;
		p = crlf + 1;
		size_t have = (size_t)(end - p) < n ? (size_t)(end - p) : n;
		if (out->len + have > max)
			have = max > out->len ? max - out->len : 0;
		weir_buf_append(out, p, have);
		if (have < n)
			return;
		p += n;
		if (p + 2 <= end && p[0] == '\r' && p[1] == '\n')
			p += 2;
	}
}

void weir_outbox_post_read(const char *url, const char *content_type, const char *body, const char *authorization,
			   const char *user_agent, size_t max, weir_buf *out, weir_outbox_result *res)
{
	memset(res, 0, sizeof(*res));
	url_parts u;
	if ((authorization && strpbrk(authorization, "\r\n")) || strpbrk(content_type, "\r\n") ||
	    strpbrk(user_agent, "\r\n")) {
		snprintf(res->error, sizeof(res->error), "invalid header");
		return;
	}
	conn c;
	if (!post_open(url, &c, &u, res))
		return;
	weir_buf req = {0};
	weir_buf_appendf(&req,
			 "POST %s HTTP/1.1\r\nHost: %s%s%s:%s\r\nUser-Agent: %s\r\nContent-Type: %s\r\n"
			 "Accept: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n",
			 u.path, strchr(u.host, ':') ? "[" : "", u.host, strchr(u.host, ':') ? "]" : "", u.port,
			 user_agent, content_type, strlen(body));
	if (authorization)
		weir_buf_appendf(&req, "Authorization: %s\r\n", authorization);
	weir_buf_appendf(&req, "\r\n%s", body);
	if (!post_send(&c, &req, res))
		return;
	/* the whole answer, head and body, up to the head's 16 KiB and max bytes of body */
	weir_buf in = {0};
	size_t cap = max + 16384;
	char chunk[4096];
	while (in.len < cap) {
		ssize_t rd = conn_read(&c, chunk, sizeof(chunk) < cap - in.len ? sizeof(chunk) : cap - in.len);
		if (rd <= 0)
			break;
		weir_buf_append(&in, chunk, (size_t)rd);
	}
	conn_close(&c);
	int status = 0;
	const char *b = in.data ? strstr(in.data, "\r\n\r\n") : NULL;
	if (in.data == NULL || sscanf(in.data, "HTTP/1.%*d %d", &status) != 1 || status < 100 || b == NULL) {
		weir_buf_release(&in);
		snprintf(res->error, sizeof(res->error), "no HTTP response");
		return;
	}
	res->status = status;
	const char *te = strcasestr(in.data, "\r\ntransfer-encoding: chunked");
	const char *end = in.data + in.len; /* weir_buf keeps a NUL after it */
	if (te && te < b) {
		dechunk(b + 4, end, max, out);
	} else {
		size_t n = (size_t)(end - (b + 4));
		weir_buf_append(out, b + 4, n < max ? n : max);
	}
	weir_buf_release(&in);
}
