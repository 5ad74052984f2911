/* libmicrohttpd glue: the access handler's three phases (headers, body chunks, final call),
 * request arena lifetime, authentication per route rule, the fail-closed authorization
 * backstop, X-Request-Id, and the access log; and the defences that keep one server serving
 * under hostile clients:
 *
 * - The head decides before any body byte is read: framing (two Content-Lengths, or one
 *   with chunked encoding: 400), the route, the size limit (413), the caller's credentials
 *   (401/403) and the body memory budget (503 with Retry-After). An unauthenticated client
 *   can make the server hold no body at all.
 * - Bodies are held in one malloc'd buffer sized from Content-Length (doubling only for
 *   chunked bodies), counted against a server-wide budget (--body-memory); large buffers are
 *   mmap'd (a fixed M_MMAP_THRESHOLD) and freed pages are trimmed after a burst, so memory
 *   goes back to the system when the burst ends.
 * - Connections: as many as the descriptor limit allows; each must deliver a complete request
 *   head within --head-timeout of its accept or of its previous reply (a trickle of header
 *   bytes does not extend it: MHD's own timeout counts inactivity only), enforced by a
 *   watchdog thread that shuts the socket down; near the connection limit, connections
 *   waiting for a head (idle keep-alive first in age order) are closed first.
 * - SIGTERM drains: stop accepting, answer every request already started (replies then carry
 *   `Connection: close`), wait up to --drain seconds, then close.
 *
 * libmicrohttpd 0.9.75 answers `Connection: close` to any response queued on the first
 * access-handler call, so every ordinary reply is queued on a later call (the final one);
 * refusals decided on the head are queued at once, and the connection closes after them. */
#include "api/server.h"
#include "api/auth.h"
#include "api/http.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/util.h"
#include "governance/catalog.h"

void weir_req__audit_failure(weir_req *r);
void weir_req__release_db(weir_req *r);

static int64_t now_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One per accepted connection (MHD's socket context), linked in srv.conns. `busy` is set
 * when a request's head has arrived and cleared when its reply is complete; `since_us` is
 * the accept or the end of the previous reply: the start of the head deadline. */
typedef struct conn_slot {
	struct conn_slot *prev, *next;
	int fd;
	atomic_int busy;
	_Atomic int64_t since_us;
	bool closing;
} conn_slot;

/* Process state of the one server (weir serves one daemon per process). */
static struct {
	pthread_mutex_t mu; /* guards conns, nconns, the slots' links and `closing` */
	conn_slot conns; /* sentinel of the list, oldest first */
	int nconns;
	unsigned conn_limit;
	pthread_t watchdog;
	bool watchdog_running;
	atomic_bool stop_watchdog;
	atomic_int inflight; /* requests from their head to their completed reply */
	atomic_int suspended; /* of those, connections suspended until their commit is durable */
	atomic_int deferred; /* of those, connections suspended by weir_req_defer */
	atomic_bool draining;
	atomic_llong body_bytes; /* reserved by requests' bodies, all connections */
	atomic_llong body_peak; /* bytes reserved since the last trim */
	struct MHD_Daemon *metrics_daemon;
	const weir_route *route_base[32]; /* metrics: route tables and their first index */
	int route_first[32];
	int ntables;
} srv = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int route_index(const weir_route *rt)
{
	if (rt == NULL)
		return -1;
	for (int t = 0; t < srv.ntables; t++) {
		const weir_route *base = srv.route_base[t];
		int n = (t + 1 < srv.ntables ? srv.route_first[t + 1] : WEIR_METRICS_MAX_ROUTES) - srv.route_first[t];
		if (rt >= base && rt < base + n)
			return srv.route_first[t] + (int)(rt - base);
	}
	return -1;
}

/* -- the body memory budget -- */
static bool body_reserve(weir_req *r, size_t n)
{
	long long limit = (long long)r->app->cfg.body_memory_limit;
	long long now = atomic_fetch_add(&srv.body_bytes, (long long)n) + (long long)n;
	if (now > limit) {
		atomic_fetch_sub(&srv.body_bytes, (long long)n);
		return false;
	}
	r->body_reserved += n;
	atomic_fetch_add(&srv.body_peak, (long long)n);
	weir_metrics_body_bytes_add((int64_t)n);
	return true;
}

static void free_body(void *p)
{
	weir_req *r = p;
	free(r->body);
	r->body = NULL;
	if (r->body_reserved) {
		atomic_fetch_sub(&srv.body_bytes, (long long)r->body_reserved);
		weir_metrics_body_bytes_add(-(int64_t)r->body_reserved);
		r->body_reserved = 0;
	}
}

/* Closes a streamed body's temp file and removes it: a body the handler did not keep, one
 * past its limit, whatever is left when the request ends. */
static void drop_upload(weir_req *r)
{
	if (r->upload_fd >= 0) {
		close(r->upload_fd);
		r->upload_fd = -1;
	}
	if (r->upload_path) {
		unlink(r->upload_path);
		r->upload_path = NULL;
	}
}

static void close_upload(void *p) { drop_upload(p); }

static void free_resp(void *p)
{
	weir_req *r = p;
	if (r->resp_malloced)
		free(r->resp_body);
	if (r->resp_fd >= 0)
		close(r->resp_fd);
}

static bool safe_request_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 36)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

static char request_prefix[9];

static weir_req *req_new(weir_app *app, struct MHD_Connection *c, const char *url, const char *method)
{
	weir_arena *a = weir_arena_new(8192);
	weir_req *r = weir_arena_calloc(a, sizeof(*r));
	r->arena = a;
	r->app = app;
	r->conn = c;
	r->method = weir_arena_strdup(a, method);
	r->path = weir_arena_strdup(a, url);
	r->start_us = now_us();
	r->upload_fd = -1;
	r->resp_fd = -1;
	weir_arena_defer(a, free_resp, r);
	weir_arena_defer(a, close_upload, r);
	weir_arena_defer(a, free_body, r);
	atomic_fetch_add(&srv.inflight, 1);
	weir_metrics_inflight_add(1);
	const char *rid = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
	if (safe_request_id(rid)) {
		snprintf(r->request_id, sizeof(r->request_id), "%s", rid);
	} else {
		/* a random prefix per server start and a counter: unique, and no RNG call per request */
		unsigned long long seq = atomic_fetch_add(&app->request_seq, 1);
		snprintf(r->request_id, sizeof(r->request_id), "%s-%llx", request_prefix, seq);
	}
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		char buf[INET6_ADDRSTRLEN] = "";
		if (ci->client_addr->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, buf, sizeof(buf));
		else if (ci->client_addr->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, buf,
				  sizeof(buf));
		r->source_ip = weir_arena_strdup(a, buf);
	}
	const char *ua = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
	r->user_agent = ua ? weir_arena_strndup(a, ua, strlen(ua) > 256 ? 256 : strlen(ua)) : NULL;
	return r;
}

static size_t limit_of(weir_req *r)
{
	if (r->route && (r->route->flags & WEIR_ROUTE_STREAM_UPLOAD))
		return r->app->cfg.upload_limit;
	return r->app->cfg.body_limit;
}

/* Streamed bodies go to DATA/tmp/upload-XXXXXX, a name the server picks (mkstemp): never
 * anything the client sent (two uploads retried with one X-Request-Id once shared a file).
 * DATA/tmp is on the same file system as the artifacts and volumes, so keeping an upload is
 * one rename; startup empties it (weir_server_clean_tmp), so a crash leaves nothing behind. */
static int open_upload(weir_req *r)
{
	char *dir = weir_arena_printf(r->arena, "%s/tmp", r->app->cfg.data_dir);
	mkdir(dir, 0700);
	r->upload_path = weir_arena_printf(r->arena, "%s/upload-XXXXXX", dir);
	r->upload_fd = mkostemp(r->upload_path, O_CLOEXEC);
	if (r->upload_fd < 0) {
		weir_log_error("rid=%s: cannot open upload file: %s", r->request_id, strerror(errno));
		r->upload_path = NULL;
		return -1;
	}
	return 0;
}

static int body_append(weir_req *r, const char *data, size_t n)
{
	if (r->body_too_large)
		return 0;
	size_t have = r->route && (r->route->flags & WEIR_ROUTE_STREAM_UPLOAD) ? r->upload_len : r->body_len;
	if (have + n > limit_of(r)) {
		r->body_too_large = true;
		return 0;
	}
	if (r->route && (r->route->flags & WEIR_ROUTE_STREAM_UPLOAD)) {
		if (r->upload_fd < 0 && open_upload(r) != 0)
			return -1;
		size_t off = 0;
		while (off < n) {
			ssize_t w = write(r->upload_fd, data + off, n - off);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			off += (size_t)w;
		}
		r->upload_len += n;
		return 0;
	}
	if (r->route == NULL || r->body_refused)
		return 0; /* answered 404/405 or 503 at the end: nothing to keep */
	if (r->body_len + n + 1 > r->body_cap) {
		/* sized from Content-Length on the head; doubling only for chunked bodies */
		size_t cap = r->body_cap ? r->body_cap * 2 : 4096;
		while (cap < r->body_len + n + 1)
			cap *= 2;
		if (cap > limit_of(r) + 1)
			cap = limit_of(r) + 1;
		if (cap > r->body_reserved && !body_reserve(r, cap - r->body_reserved)) {
			r->body_refused = true;
			return 0;
		}
		r->body = weir_xrealloc(r->body, cap);
		r->body_cap = cap;
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return 0;
}

static void reply_code(weir_req *r, weir_code code, const char *fmt, const char *arg)
{
	weir_error e;
	weir_error_set(&e, code, fmt, arg);
	weir_reply_error(r, &e);
}

/* 503 when request bodies already hold the server's body memory budget. */
static void reply_busy(weir_req *r)
{
	weir_metrics_body_refused();
	weir_reply_header(r, "Retry-After", "1");
	reply_code(r, WEIR_E_TEMPORARILY_UNAVAILABLE, "%s",
		   "The server is holding too many request bodies; retry shortly");
}

/* A mutation (any method but GET and HEAD) authenticated by the web UI's session cookie
 * carries the session's CSRF token in X-CSRF-Token: a page of another site can make the
 * browser send the cookie (SameSite=Strict aside) but cannot read the token. */
static bool csrf_ok(weir_req *r)
{
	if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)
		return true;
	const char *sent = weir_req_header(r, "X-CSRF-Token");
	const char *want = r->session_csrf;
	if (sent == NULL || want == NULL || strlen(sent) != strlen(want))
		return false;
	return weir_ct_equal(sent, want, strlen(want));
}

/* Authentication by the route's rule: fills r->principal or replies 401/403 (403
 * CSRF_TOKEN_INVALID: a session-cookie mutation without its CSRF token). */
static int authenticate(weir_req *r)
{
	weir_rule_kind kind = r->route->rule.kind;
	if (kind == WEIR_RULE_PUBLIC)
		return 0;
	weir_error e = WEIR_ERROR_INIT;
	r->principal = weir_auth_request(r, &e);
	if (r->principal == NULL) {
		weir_reply_error(r, &e);
		return -1;
	}
	if (r->session_id && !csrf_ok(r)) {
		reply_code(r, WEIR_E_CSRF_TOKEN_INVALID, "%s",
			   "A request made with the session cookie that changes something must send the "
			   "session's CSRF token in the X-CSRF-Token header.");
		return -1;
	}
	if (kind == WEIR_RULE_ADMIN) {
		if (!r->principal->is_admin) {
			reply_code(r, WEIR_E_PERMISSION_DENIED, "%s", "Only metastore admins may call this API.");
			return -1;
		}
		r->authorized = true;
	}
	if (kind == WEIR_RULE_AUTHENTICATED)
		r->authorized = true;
	return 0;
}

static void dispatch(weir_req *r)
{
	if (r->route == NULL) {
		bool mismatch = false;
		r->route = weir_route_match(r, r->method, r->path, &mismatch);
		if (r->route == NULL) {
			reply_code(r, mismatch ? WEIR_E_METHOD_NOT_ALLOWED : WEIR_E_ENDPOINT_NOT_FOUND,
				   mismatch ? "Method not allowed for %.200s" : "No API found for '%.200s'", r->path);
			return;
		}
	}
	if (r->body_too_large) {
		weir_error e;
		weir_error_set(&e, WEIR_E_REQUEST_TOO_LARGE, "Request body exceeds the limit of %zu bytes",
			       limit_of(r));
		weir_reply_error(r, &e);
		return;
	}
	if (r->body_refused) {
		reply_busy(r);
		return;
	}
	if (!r->head_checked && authenticate(r) != 0) {
		weir_req__audit_failure(r); /* every 401/403 is a denial to audit */
		weir_req__release_db(r);
		return;
	}
	r->route->handler(r);
	if (r->status == 0 && r->resp_fd < 0) {
		weir_log_error("rid=%s: handler for %s %s gave no reply", r->request_id, r->method, r->route->pattern);
		reply_code(r, WEIR_E_INTERNAL_ERROR, "%s", "internal error");
	}
	/* Fail closed: a securable route whose handler never evaluated the rule answers 500. */
	if ((r->route->rule.kind == WEIR_RULE_SECURABLE || r->route->rule.kind == WEIR_RULE_OBJECT) &&
	    r->status < 300 && !r->authorized) {
		weir_log_error("rid=%s: %s %s answered without an authorization check", r->request_id, r->method,
			       r->route->pattern);
		reply_code(r, WEIR_E_INTERNAL_ERROR, "%s", "internal error");
	}
	weir_req_rollback(r);
	weir_req__audit_failure(r);
	weir_req__release_db(r);
	/* A streamed body the handler did not keep goes now, before the reply is queued: a
	 * client that reads the answer finds no temp file left (not after the connection ends). */
	if (r->upload_path)
		drop_upload(r);
}

static enum MHD_Result queue(weir_req *r)
{
	struct MHD_Response *resp;
	if (r->resp_fd >= 0) {
		resp = MHD_create_response_from_fd_at_offset64(r->resp_fd_size, r->resp_fd, r->resp_fd_offset);
		r->resp_fd = -1; /* MHD closes it */
	} else if (r->resp_static) {
		resp = MHD_create_response_from_buffer(r->resp_len, r->resp_body, MHD_RESPMEM_PERSISTENT);
	} else if (r->resp_malloced) {
		resp = MHD_create_response_from_buffer(r->resp_len, r->resp_body, MHD_RESPMEM_MUST_FREE);
		r->resp_malloced = false;
	} else {
		resp = MHD_create_response_from_buffer(r->resp_len, r->resp_body ? r->resp_body : (char *)"",
						       MHD_RESPMEM_MUST_COPY);
	}
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "X-Request-Id", r->request_id);
	if (r->content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	for (int i = 0; i < r->nresp_headers; i++)
		MHD_add_response_header(resp, r->resp_headers[i][0], r->resp_headers[i][1]);
	if (atomic_load(&srv.draining)) /* stopping: the client must not send another request here */
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* -- durability: a write is acknowledged only once its shared transaction is committed
 * and (--sync full) on disk, but no server thread waits for either: the connection is
 * suspended and the pool's syncer, which commits the transaction and shares one fsync
 * among every commit made meanwhile, resumes it. Measured with the thread blocked in the
 * fsync instead: 2 threads could share an fsync at most 2 ways. */

static enum MHD_Result reply_durable(weir_req *r);

static void on_durable(void *arg, bool durable)
{
	weir_req *r = arg;
	atomic_store(&r->durable_state, durable ? 2 : 3);
	atomic_fetch_sub(&srv.suspended, 1);
	MHD_resume_connection(r->conn);
}

/* True when the connection was suspended (the reply goes out on resume); else the outcome
 * is known (durable_state 2 or 3) and the caller replies. */
static bool wait_durable(weir_req *r, struct MHD_Connection *c)
{
	int now = weir_db_durable_async(r->app->pool, r->durable_seq, NULL, NULL);
	if (now != 0) {
		atomic_store(&r->durable_state, now > 0 ? 2 : 3);
		return false;
	}
	atomic_store(&r->durable_state, 1);
	atomic_fetch_add(&srv.suspended, 1);
	MHD_suspend_connection(c);
	now = weir_db_durable_async(r->app->pool, r->durable_seq, on_durable, r);
	if (now != 0) { /* decided meanwhile: nothing registered, resume at once */
		atomic_store(&r->durable_state, now > 0 ? 2 : 3);
		atomic_fetch_sub(&srv.suspended, 1);
		MHD_resume_connection(c);
	}
	return true;
}

/* Queues the reply whose commit is durable, or the error when it cannot be made durable
 * (nothing was acknowledged: the client learns the write may be lost). */
/* The request's after-commit work, once its commit is visible and durable. */
static void after_commit(weir_req *r)
{
	if (r->after_commit && r->status < 300)
		r->after_commit(r->after_commit_arg);
	r->after_commit = NULL;
}

static enum MHD_Result reply_durable(weir_req *r)
{
	if (atomic_load(&r->durable_state) == 2)
		after_commit(r);
	if (atomic_load(&r->durable_state) == 3 && r->status < 500) {
		r->nresp_headers = 0;
		r->resp_fd_size = 0;
		if (r->resp_fd >= 0) {
			close(r->resp_fd);
			r->resp_fd = -1;
		}
		weir_error e;
		weir_error_set(&e, WEIR_E_INTERNAL_ERROR,
			       "the database cannot make writes durable; the server needs a restart");
		weir_reply_error(r, &e);
	}
	atomic_store(&r->durable_state, 4);
	return queue(r);
}

/* -- deferred replies (weir_req_defer): the connection is suspended after the handler and
 * resumed by whoever the handler armed; the reply is finished on resume. */

void (*weir_req_drain_hook)(void);

void weir_req_resume(weir_req *r)
{
	atomic_store(&r->defer_state, 2);
	atomic_fetch_sub(&srv.deferred, 1);
	MHD_resume_connection(r->conn);
}

static void defer_reply(weir_req *r, struct MHD_Connection *c)
{
	atomic_store(&r->defer_state, 1);
	atomic_fetch_add(&srv.deferred, 1);
	MHD_suspend_connection(c);
	r->defer_arm(r, r->defer_arg);
}

/* Framing the head must settle before a body is read: two Content-Length headers, or one
 * beside Transfer-Encoding, are how requests are smuggled past a proxy (RFC 9112 §6.3). */
struct framing {
	int content_lengths;
	bool transfer_encoding;
};

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	(void)value;
	struct framing *f = cls;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		f->content_lengths++;
	else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
		f->transfer_encoding = true;
	return MHD_YES;
}

/* Everything decided on the head (see the file comment). Returns true when the request was
 * answered here: the reply is queued at once and MHD closes the connection after it, so the
 * body is never read. */
static bool check_head(weir_req *r, struct MHD_Connection *c)
{
	struct framing f = {0, false};
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, &f);
	if (f.content_lengths > 1 || (f.content_lengths == 1 && f.transfer_encoding)) {
		reply_code(r, WEIR_E_MALFORMED_REQUEST, "%s",
			   f.content_lengths > 1 ? "More than one Content-Length header"
						 : "Content-Length together with Transfer-Encoding");
		return true;
	}
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	int64_t n = 0;
	bool has_length = cl && weir_parse_i64(cl, &n) && n >= 0;
	bool has_body = f.transfer_encoding || (has_length && n > 0);
	if (has_length && (uint64_t)n > limit_of(r)) {
		r->body_too_large = true;
		dispatch(r);
		return true;
	}
	if (r->route == NULL)
		return false; /* 404/405 at the end; the body is discarded as it arrives */
	if (authenticate(r) != 0) {
		weir_req__audit_failure(r);
		weir_req__release_db(r);
		return true;
	}
	r->head_checked = true;
	if (r->route->flags & WEIR_ROUTE_HEAD_CHECK) {
		r->in_head = true;
		r->route->handler(r);
		r->in_head = false;
		if (r->status != 0) {
			weir_req__audit_failure(r);
			weir_req__release_db(r);
			return true;
		}
		if (r->route->rule.kind == WEIR_RULE_SECURABLE)
			r->authorized = false; /* the handler decides again once the body is in */
	}
	if (has_body) {
		/* No pooled connection or read snapshot held while a body trickles in. */
		weir_req__release_db(r);
		if (has_length && !(r->route->flags & WEIR_ROUTE_STREAM_UPLOAD)) {
			if (!body_reserve(r, (size_t)n + 1)) {
				reply_busy(r);
				return true;
			}
			r->body = weir_xmalloc((size_t)n + 1);
			r->body_cap = (size_t)n + 1;
		}
	}
	return false;
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				      const char *version, const char *data, size_t *data_size, void **con_cls)
{
	(void)version;
	weir_app *app = cls;
	weir_req *r = *con_cls;
	if (r == NULL) {
		const union MHD_ConnectionInfo *si = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		conn_slot *slot = si ? si->socket_context : NULL;
		if (slot)
			atomic_store(&slot->busy, 1);
		r = req_new(app, c, url, method);
		*con_cls = r;
		bool mismatch = false;
		r->route = weir_route_match(r, method, r->path, &mismatch);
		if (check_head(r, c))
			return queue(r);
		return MHD_YES; /* reply on a later call: keeps keep-alive (see the file comment) */
	}
	if (*data_size != 0) {
		if (r->status != 0) { /* answered on the head; MHD closes after the reply */
			*data_size = 0;
			return MHD_YES;
		}
		if (body_append(r, data, *data_size) != 0)
			return MHD_NO;
		if (r->body_too_large) {
			/* A body without a length ran past the limit. Its temp file goes at once; the
			 * rest is read and dropped so the client can read its 413, but never more than
			 * the limit again (or 64 MiB): past that the connection is closed. */
			if (r->upload_fd >= 0)
				drop_upload(r);
			r->upload_len += *data_size;
			uint64_t slack = limit_of(r) < ((uint64_t)64 << 20) ? limit_of(r) : ((uint64_t)64 << 20);
			if (r->upload_len > (uint64_t)limit_of(r) + slack)
				return MHD_NO;
		}
		*data_size = 0;
		return MHD_YES;
	}
	int ds = atomic_load(&r->durable_state);
	if (ds == 2 || ds == 3) /* resumed: the reply's commit is on disk, or cannot be */
		return reply_durable(r);
	if (atomic_load(&r->defer_state) == 2) { /* resumed: the deferred reply is ready */
		atomic_store(&r->defer_state, 0);
		r->defer_arm = NULL;
		r->defer_finish(r, r->defer_arg);
		return queue(r);
	}
	if (r->status != 0) /* already answered on the head */
		return MHD_YES;
	/* a request that may write tells the syncer it is coming (weir_db_writer_busy); a
	 * plain read sent as a POST (searches: no audit row) does not */
	bool writes = strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0 &&
		      !(r->route && (r->route->flags & WEIR_ROUTE_NO_AUDIT));
	if (writes)
		weir_db_writer_busy(r->app->pool, 1);
	dispatch(r);
	if (writes)
		weir_db_writer_busy(r->app->pool, -1);
	if (r->defer_arm && r->status < 300 && r->durable_seq == 0) {
		defer_reply(r, c);
		return MHD_YES; /* suspended until weir_req_resume */
	}
	if (r->durable_seq != 0 && wait_durable(r, c))
		return MHD_YES; /* suspended until the syncer calls back */
	ds = atomic_load(&r->durable_state);
	if (ds == 2 || ds == 3) /* durable already, or known never to be */
		return reply_durable(r);
	after_commit(r); /* nothing to wait for */
	return queue(r);
}

/* The access log quotes what a client chose (the path, the principal's name as stored):
 * control characters, quotes and backslashes are escaped, so a %0a in a path cannot forge
 * a line, and long values are cut. */
static const char *log_escape(char *buf, size_t cap, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)(s ? s : "-"); *p; p++) {
		if (w + 5 >= cap) {
			if (w + 4 <= cap) {
				memcpy(buf + w, "...", 3);
				w += 3;
			}
			break;
		}
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\') {
			buf[w++] = '\\';
			buf[w++] = 'x';
			buf[w++] = hex[*p >> 4];
			buf[w++] = hex[*p & 15];
		} else {
			buf[w++] = (char)*p;
		}
	}
	buf[w] = '\0';
	return buf;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	weir_req *r = *con_cls;
	if (r == NULL)
		return;
	const union MHD_ConnectionInfo *si = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	conn_slot *slot = si ? si->socket_context : NULL;
	if (slot) {
		atomic_store(&slot->since_us, mono_us());
		atomic_store(&slot->busy, 0);
	}
	int64_t took = now_us() - r->start_us;
	weir_metrics_request_done(route_index(r->route), r->status ? r->status : 499, took);
	if (!r->app->cfg.quiet_access_log) {
		char path[512], who[128];
		weir_log_info("access rid=%s %s %s %d %zu %lldus principal=%s%s", r->request_id, r->method,
			      log_escape(path, sizeof(path), r->path), r->status,
			      r->resp_fd >= 0 ? (size_t)r->resp_fd_size : r->resp_len, (long long)took,
			      log_escape(who, sizeof(who), r->principal ? r->principal->name : "-"),
			      toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
	}
	weir_arena_free(r->arena);
	*con_cls = NULL;
	atomic_fetch_sub(&srv.inflight, 1);
	weir_metrics_inflight_add(-1);
}

/* -- connections: the head deadline and pressure -- */

static void notify_conn(void *cls, struct MHD_Connection *c, void **socket_context,
			enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		conn_slot *slot = weir_xmalloc(sizeof(*slot));
		memset(slot, 0, sizeof(*slot));
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		slot->fd = ci ? ci->connect_fd : -1;
		atomic_store(&slot->since_us, mono_us());
		pthread_mutex_lock(&srv.mu);
		slot->prev = srv.conns.prev;
		slot->next = &srv.conns;
		srv.conns.prev->next = slot;
		srv.conns.prev = slot;
		srv.nconns++;
		pthread_mutex_unlock(&srv.mu);
		*socket_context = slot;
		weir_metrics_connections_add(1);
		return;
	}
	conn_slot *slot = *socket_context;
	if (slot == NULL)
		return;
	/* MHD reports the close before it closes the socket, and the watchdog shuts sockets down
	 * only under srv.mu: it can never touch a descriptor that was closed and reused. */
	pthread_mutex_lock(&srv.mu);
	slot->prev->next = slot->next;
	slot->next->prev = slot->prev;
	srv.nconns--;
	pthread_mutex_unlock(&srv.mu);
	free(slot);
	*socket_context = NULL;
	weir_metrics_connections_add(-1);
}

/* Pressure starts at 90 % of the connection limit and is relieved down to 80 %, closing
 * connections that are waiting for a head and have been for a second (idle keep-alive ones
 * and trickling heads alike; none is in the middle of a request), oldest first. */
#define WATCHDOG_TICK_US 200000
#define PRESSURE_MIN_AGE_US 1000000

static void *watchdog_main(void *arg)
{
	weir_app *app = arg;
	int64_t deadline_us = (int64_t)app->cfg.head_timeout_s * 1000000;
	while (!atomic_load(&srv.stop_watchdog)) {
		struct timespec ts = {0, WATCHDOG_TICK_US * 1000L};
		nanosleep(&ts, NULL);
		int64_t now = mono_us();
		pthread_mutex_lock(&srv.mu);
		int excess = 0;
		if ((unsigned)srv.nconns * 10 > srv.conn_limit * 9)
			excess = srv.nconns - (int)(srv.conn_limit * 8 / 10);
		for (conn_slot *s = srv.conns.next; s != &srv.conns; s = s->next) {
			if (s->closing || atomic_load(&s->busy) || s->fd < 0)
				continue;
			int64_t age = now - atomic_load(&s->since_us);
			const char *why = NULL;
			if (age > deadline_us)
				why = "head_deadline";
			else if (excess > 0 && age > PRESSURE_MIN_AGE_US)
				why = "pressure";
			if (why == NULL)
				continue;
			shutdown(s->fd, SHUT_RDWR); /* MHD sees the end of the stream and closes it */
			s->closing = true;
			if (excess > 0)
				excess--;
			weir_metrics_conn_closed_add(why);
		}
		pthread_mutex_unlock(&srv.mu);
		/* Give a burst's memory back: once no body is held, trim what the bodies left. */
		if (atomic_load(&srv.body_bytes) == 0 && atomic_load(&srv.body_peak) > ((long long)32 << 20)) {
			atomic_store(&srv.body_peak, 0);
			malloc_trim(0);
		}
	}
	return NULL;
}

/* Removes the upload temp files a crash left in DATA/tmp (only names the server made). */
void weir_server_clean_tmp(const char *data_dir)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/tmp", data_dir);
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	int removed = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "upload-", 7) != 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	if (removed)
		weir_log_info("removed %d upload temp file(s) left by an earlier run", removed);
}

/* Percent-decoding of paths and query values. A %00 would cut the string short in C (a PUT
 * to "a%00b" would write "a"), so it decodes to 0x01 instead: a control character that no
 * name, path or identifier accepts. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	char *w = s;
	for (char *p = s; *p; p++) {
		int hi, lo;
		if (*p == '%' && (hi = weir_hexval(p[1])) >= 0 && (lo = weir_hexval(p[2])) >= 0) {
			char ch = (char)(hi * 16 + lo);
			*w++ = ch == '\0' ? '\x01' : ch;
			p += 2;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char buf[512];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t n = strlen(buf);
	while (n && (buf[n - 1] == '\n'))
		buf[--n] = '\0';
	weir_log_debug("mhd: %s", buf);
}

/* The second listener of --metrics-listen: GET /metrics without a token, nothing else. */
static enum MHD_Result metrics_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				      const char *version, const char *data, size_t *data_size, void **con_cls)
{
	(void)cls;
	(void)version;
	(void)data;
	if (*con_cls == NULL) {
		*con_cls = (void *)1;
		return MHD_YES;
	}
	if (*data_size != 0) {
		*data_size = 0;
		return MHD_YES;
	}
	bool ok = strcmp(url, "/metrics") == 0 && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0);
	weir_buf b = {0};
	if (ok)
		weir_metrics_render(&b);
	else
		weir_buf_append(&b, "not found\n", 10);
	struct MHD_Response *resp = MHD_create_response_from_buffer(b.len, b.data ? b.data : (char *)"",
								    MHD_RESPMEM_MUST_COPY);
	weir_buf_release(&b);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				ok ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8");
	enum MHD_Result ret = MHD_queue_response(c, ok ? 200 : 404, resp);
	MHD_destroy_response(resp);
	return ret;
}

static int parse_addr(const char *host, unsigned port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static int start_metrics_listener(weir_app *app, weir_error *err)
{
	const char *host = app->cfg.metrics_host;
	struct sockaddr_in sa;
	if (parse_addr(host, app->cfg.metrics_port, &sa) != 0)
		return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE,
				      "--metrics-listen: '%s' is not an IPv4 address", host);
	srv.metrics_daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0,
					      NULL, NULL, metrics_access, app, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, app,
					      MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
					      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
					      MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64, MHD_OPTION_END);
	if (srv.metrics_daemon == NULL)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot listen on %s:%u for metrics", host,
				      app->cfg.metrics_port);
	return 0;
}

/* As many connections as the descriptor limit allows: the soft limit is raised to the hard
 * one, and half of what is left after a reserve (database, files being served or uploaded:
 * a connection may hold a second descriptor) is the connection limit, at most 16,384 (each
 * holds a 32 KiB MHD memory pool). An explicit limit is kept. */
static unsigned connection_capacity(unsigned configured)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	unsigned long nofile = rl.rlim_cur == RLIM_INFINITY ? 65536 : (unsigned long)rl.rlim_cur;
	unsigned long cap = nofile > 512 ? (nofile - 256) / 2 : 128;
	if (cap > 16384)
		cap = 16384;
	if (configured && configured < cap)
		cap = configured;
	return (unsigned)cap;
}

int weir_server_start(weir_app *app, weir_error *err)
{
	if (weir_routes_validate(err) != 0)
		return -1;
	weir_random_hex(request_prefix, 4);
	srv.conns.prev = srv.conns.next = &srv.conns;
	srv.nconns = 0;
	atomic_store(&srv.inflight, 0);
	atomic_store(&srv.draining, false);
	atomic_store(&srv.stop_watchdog, false);
	/* Large bodies and replies always mmap'd, and so given back when freed: glibc's
	 * adaptive threshold otherwise grows to 32 MiB after the first large free and keeps a
	 * burst of 10 MiB bodies in the heap for good (measured: 10.8 GB kept after a burst). */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	srv.ntables = 0;
	int idx = 0;
	for (int t = 0; weir_route_tables[t] && srv.ntables < 32; t++) {
		srv.route_base[srv.ntables] = weir_route_tables[t];
		srv.route_first[srv.ntables++] = idx;
		for (const weir_route *rt = weir_route_tables[t]; rt->method; rt++, idx++)
			if (idx < WEIR_METRICS_MAX_ROUTES)
				weir_metrics_set_route_name(idx, rt->method, rt->pattern);
	}
	srv.conn_limit = connection_capacity(app->cfg.conn_limit);
	weir_server_clean_tmp(app->cfg.data_dir);
	struct sockaddr_in sa;
	if (parse_addr(app->cfg.listen_host, app->cfg.listen_port, &sa) != 0)
		return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE, "--listen: '%s' is not an IPv4 address",
				      app->cfg.listen_host);
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME, 0, NULL,
		NULL, access_handler, app, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, app, MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)app->cfg.threads,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)app->cfg.conn_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
		srv.conn_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)app->cfg.per_ip_limit,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32 * 1024, MHD_OPTION_NOTIFY_COMPLETED, completed, app,
		MHD_OPTION_NOTIFY_CONNECTION, notify_conn, app, MHD_OPTION_UNESCAPE_CALLBACK, unescape, app,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1, MHD_OPTION_END);
	if (d == NULL)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot listen on %s:%u", app->cfg.listen_host,
				      app->cfg.listen_port);
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	app->bound_port = info ? info->port : app->cfg.listen_port;
	app->daemon = d;
	if (pthread_create(&srv.watchdog, NULL, watchdog_main, app) == 0)
		srv.watchdog_running = true;
	if (app->cfg.metrics_host && start_metrics_listener(app, err) != 0) {
		weir_server_stop(app);
		return -1;
	}
	weir_log_info("connections: at most %u; a request head within %u s; drain on stop %u s", srv.conn_limit,
		      app->cfg.head_timeout_s, app->cfg.drain_s);
	return 0;
}

/* Graceful stop: the accept queue is taken in, then no new connections; every request
 * already started is answered (its reply says Connection: close), for at most --drain
 * seconds; then the daemon and its connections close. Idle keep-alive connections are not
 * waited for. */
void weir_server_stop(weir_app *app)
{
	if (app->daemon == NULL)
		return;
	atomic_store(&srv.draining, true);
	/* Connections the kernel completed but MHD has not accepted yet hold requests their
	 * clients consider sent: closing the listening socket would reset them. Accept what
	 * the queue holds first (Linux reports a listening socket's accept queue length in
	 * tcpi_unacked), for at most 2 s so a steady stream of new clients cannot hold the stop. */
	const union MHD_DaemonInfo *li = MHD_get_daemon_info(app->daemon, MHD_DAEMON_INFO_LISTEN_FD);
	if (li && li->listen_fd != MHD_INVALID_SOCKET) {
		int64_t until = mono_us() + 2000000;
		while (mono_us() < until) {
			struct tcp_info ti;
			socklen_t tl = sizeof(ti);
			if (getsockopt(li->listen_fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) != 0 || ti.tcpi_unacked == 0)
				break;
			struct timespec ts = {0, 2 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
	if (weir_req_drain_hook) /* deferred replies end now, with what they have */
		weir_req_drain_hook();
	MHD_socket lfd = MHD_quiesce_daemon(app->daemon);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	int64_t deadline = mono_us() + (int64_t)app->cfg.drain_s * 1000000;
	while (atomic_load(&srv.inflight) > 0 && mono_us() < deadline) {
		struct timespec ts = {0, 5 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	int left = atomic_load(&srv.inflight);
	if (left > 0)
		weir_log_warn("drain time (%u s) over: %d request(s) still in flight are cut off", app->cfg.drain_s,
			      left);
	if (atomic_load(&srv.suspended) > 0) {
		/* Writes still waiting for the disk after the whole drain time: the disk hangs.
		 * Their requests hold suspended connections that the syncer would resume after
		 * the daemon freed them, and closing the database would wait for the same disk:
		 * nothing was acknowledged, so leave at once. */
		weir_log_error("%d write(s) still waiting for the disk after the drain time: exiting without closing",
			       atomic_load(&srv.suspended));
		_exit(1);
	}
	if (srv.watchdog_running) {
		atomic_store(&srv.stop_watchdog, true);
		pthread_join(srv.watchdog, NULL);
		srv.watchdog_running = false;
	}
	if (srv.metrics_daemon) {
		MHD_stop_daemon(srv.metrics_daemon);
		srv.metrics_daemon = NULL;
	}
	MHD_stop_daemon(app->daemon);
	app->daemon = NULL;
}
