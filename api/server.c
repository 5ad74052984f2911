/* libmicrohttpd glue: the access handler's three phases (headers, body chunks, final call),
 * body limits with 413, request arena lifetime, authentication per route rule, the
 * fail-closed authorization backstop, X-Request-Id, and the access log.
 *
 * libmicrohttpd 0.9.75 answers `Connection: close` to any response queued on the first
 * access-handler call, so every reply is queued on a later call (the final one). */
#include "api/server.h"
#include "api/auth.h"
#include "api/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/log.h"
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

static void close_upload(void *p)
{
	weir_req *r = p;
	if (r->upload_fd >= 0)
		close(r->upload_fd);
	if (r->upload_path)
		unlink(r->upload_path);
}

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
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, buf, sizeof(buf));
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

static int open_upload(weir_req *r)
{
	char *dir = weir_arena_printf(r->arena, "%s/tmp", r->app->cfg.data_dir);
	mkdir(dir, 0700);
	r->upload_path = weir_arena_printf(r->arena, "%s/upload-%s", dir, r->request_id);
	r->upload_fd = open(r->upload_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
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
	if (r->body_len + n + 1 > r->body_cap) {
		size_t cap = r->body_cap ? r->body_cap * 2 : 4096;
		while (cap < r->body_len + n + 1)
			cap *= 2;
		char *nb = weir_arena_alloc(r->arena, cap);
		if (r->body_len)
			memcpy(nb, r->body, r->body_len);
		r->body = nb;
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

/* Authentication by the route's rule: fills r->principal or replies 401/403. */
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
		weir_error_set(&e, WEIR_E_REQUEST_TOO_LARGE, "Request body exceeds the limit of %zu bytes", limit_of(r));
		weir_reply_error(r, &e);
		return;
	}
	if (authenticate(r) != 0) {
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
	if (r->route->rule.kind == WEIR_RULE_SECURABLE && r->status < 300 && !r->authorized) {
		weir_log_error("rid=%s: %s %s answered without an authorization check", r->request_id, r->method,
			       r->route->pattern);
		reply_code(r, WEIR_E_INTERNAL_ERROR, "%s", "internal error");
	}
	weir_req_rollback(r);
	weir_req__audit_failure(r);
	weir_req__release_db(r);
}

static enum MHD_Result queue(weir_req *r)
{
	struct MHD_Response *resp;
	if (r->resp_fd >= 0) {
		resp = MHD_create_response_from_fd64(r->resp_fd_size, r->resp_fd);
		r->resp_fd = -1; /* MHD closes it */
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
	enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				      const char *version, const char *data, size_t *data_size, void **con_cls)
{
	(void)version;
	weir_app *app = cls;
	weir_req *r = *con_cls;
	if (r == NULL) {
		r = req_new(app, c, url, method);
		*con_cls = r;
		bool mismatch = false;
		r->route = weir_route_match(r, method, r->path, &mismatch);
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		int64_t n = 0;
		if (cl && weir_parse_i64(cl, &n) && (uint64_t)n > limit_of(r)) {
			/* Refuse before reading the body; MHD closes the connection after it. */
			r->body_too_large = true;
			dispatch(r);
			return queue(r);
		}
		return MHD_YES; /* reply on a later call: keeps keep-alive (see the file comment) */
	}
	if (*data_size != 0) {
		if (body_append(r, data, *data_size) != 0)
			return MHD_NO;
		if (r->body_too_large) {
			/* chunked body over the limit: discard up to 4x the limit, then drop */
			r->upload_len += *data_size;
			if (r->upload_len > 4 * (uint64_t)limit_of(r))
				return MHD_NO;
		}
		*data_size = 0;
		return MHD_YES;
	}
	if (r->status != 0) /* already answered (413 on the first call) */
		return MHD_YES;
	dispatch(r);
	return queue(r);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	weir_req *r = *con_cls;
	if (r == NULL)
		return;
	if (!r->app->cfg.quiet_access_log)
		weir_log_info("access rid=%s %s %s %d %zu %lldus principal=%s%s", r->request_id, r->method, r->path,
			      r->status, r->resp_fd >= 0 ? (size_t)r->resp_fd_size : r->resp_len,
			      (long long)(now_us() - r->start_us), r->principal ? r->principal->name : "-",
			      toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
	weir_arena_free(r->arena);
	*con_cls = NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
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
		if (*p == '%' && (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0) {
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

int weir_server_start(weir_app *app, weir_error *err)
{
	if (weir_routes_validate(err) != 0)
		return -1;
	weir_random_hex(request_prefix, 4);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)app->cfg.listen_port);
	if (inet_pton(AF_INET, app->cfg.listen_host, &sa.sin_addr) != 1)
		return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE, "--listen: '%s' is not an IPv4 address",
				      app->cfg.listen_host);
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, access_handler, app,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, app, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)app->cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)app->cfg.conn_timeout_s, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)app->cfg.conn_limit,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)app->cfg.per_ip_limit,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32 * 1024, MHD_OPTION_NOTIFY_COMPLETED, completed, app,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape, app,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1, MHD_OPTION_END);
	if (d == NULL)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot listen on %s:%u", app->cfg.listen_host,
				      app->cfg.listen_port);
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	app->bound_port = info ? info->port : app->cfg.listen_port;
	app->daemon = d;
	return 0;
}

void weir_server_stop(weir_app *app)
{
	if (app->daemon == NULL)
		return;
	MHD_quiesce_daemon(app->daemon);
	MHD_stop_daemon(app->daemon);
	app->daemon = NULL;
}
