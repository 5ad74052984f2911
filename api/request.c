/* Request accessors, replies, authorization against the route's rule, and the write
 * transaction helpers that put the audit row in the same transaction as the change. */
#include "api/http.h"
#include "api/app.h"
#include "api/dialect.h"

#include <assert.h>
#include <microhttpd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/json.h"
#include "core/log.h"
#include "core/util.h"

const char *weir_req_param(weir_req *r, const char *name)
{
	for (int i = 0; i < r->nparams; i++)
		if (strcmp(r->param_names[i], name) == 0)
			return r->param_values[i];
	return NULL;
}

const char *weir_req_query(weir_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

struct query_all {
	const char *key;
	const char **out;
	int max, n;
};

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	struct query_all *q = cls;
	if (strcmp(key, q->key) == 0 && q->n < q->max)
		q->out[q->n++] = value ? value : "";
	return MHD_YES;
}

int weir_req_query_all(weir_req *r, const char *key, const char **out, int max)
{
	struct query_all q = {key, out, max, 0};
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect, &q);
	return q.n;
}

int weir_req_query_i64(weir_req *r, const char *key, int64_t *out, weir_error *err)
{
	const char *v = weir_req_query(r, key);
	if (v == NULL || *v == '\0')
		return 0;
	if (!weir_parse_i64(v, out))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key,
					"Invalid value for '%s': expected an integer", key);
	return 0;
}

int weir_req_query_bool(weir_req *r, const char *key, bool *out, weir_error *err)
{
	const char *v = weir_req_query(r, key);
	if (v == NULL || *v == '\0')
		return 0;
	if (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*out = true;
	else if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*out = false;
	else
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key,
					"Invalid value for '%s': expected true or false", key);
	return 0;
}

const char *weir_req_header(weir_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *weir_req_cookie(weir_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

json_t *weir_req_json(weir_req *r, bool empty_ok, weir_error *err)
{
	if (r->json)
		return r->json;
	r->json = weir_json_parse_body(r->arena, r->body ? r->body : "", r->body_len, empty_ok, err);
	return r->json;
}

/* Idempotent: the dispatcher releases the connection as soon as the handler is done (a
 * streamed response may take long to send and must not hold a pooled connection or a read
 * snapshot); the arena cleanup covers every other path. */
static void release_db(void *p)
{
	weir_req *r = p;
	if (r->db) {
		weir_db_release(r->db);
		r->db = NULL;
	}
}

void weir_req__release_db(weir_req *r);
void weir_req__release_db(weir_req *r) { release_db(r); }

weir_db *weir_req_db(weir_req *r)
{
	if (r->db == NULL) {
		r->db = weir_db_acquire(r->app->pool);
		weir_arena_defer(r->arena, release_db, r);
		/* One read transaction for the whole request: one snapshot, and one WAL read lock
		 * instead of an fcntl lock/unlock pair per statement (measured: the biggest cost of
		 * a GET). A write begins with weir_db_begin_write, which ends it first. */
		weir_error ignore = WEIR_ERROR_INIT;
		weir_db_begin_read(r->db, &ignore);
	}
	return r->db;
}

int weir_req_authorize(weir_req *r, const weir_securable *s, weir_error *err)
{
	if (r->route->rule.kind != WEIR_RULE_SECURABLE) {
		if (r->route->rule.kind == WEIR_RULE_OBJECT)
			return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "internal error"); /* not a securable */
		r->authorized = true;
		return 0;
	}
	if (s->full_name && r->audit_securable == NULL)
		r->audit_securable = s->full_name;
	if (weir_gov_check(weir_req_db(r), r->principal, r->route->rule.op, (weir_securable *)s, err) != 0)
		return -1;
	r->authorized = true;
	return 0;
}

bool weir_req_can(weir_req *r, weir_op op, const weir_securable *s)
{
	return weir_gov_allowed(weir_req_db(r), r->principal, op, (weir_securable *)s);
}

void weir_req_mark_authorized(weir_req *r) { r->authorized = true; }

size_t weir_req_action(const weir_req *r, const char *const *actions, size_t n)
{
	size_t i = 0;
	while (i < n && strcmp(actions[i], r->route->action) != 0)
		i++;
	assert(i < n);
	return i;
}

void weir_req_audit_securable(weir_req *r, const char *full_name)
{
	r->audit_securable = full_name ? weir_arena_strdup(r->arena, full_name) : NULL;
}

/* ------------------------------------------------------------------ audit */

/* Lower-cases the key once and searches the patterns with strstr: strcasestr over seven
 * patterns per key was 11,000 instructions of a POST table (six keys). */
static bool secret_key(const char *k)
{
	static const char *const bad[] = {"secret",        "password",         "token_value",   "access_token",
					  "refresh_token", "client_assertion", "authorization", NULL};
	char low[128];
	size_t n = strlen(k);
	if (n >= sizeof(low)) { /* rare: no copy */
		for (int i = 0; bad[i]; i++)
			if (strcasestr(k, bad[i]))
				return true;
		return false;
	}
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)((k[i] >= 'A' && k[i] <= 'Z') ? k[i] + ('a' - 'A') : k[i]);
	if (strcmp(low, "token") == 0 || strcmp(low, "value") == 0)
		return true;
	for (int i = 0; bad[i]; i++)
		if (strstr(low, bad[i]))
			return true;
	return false;
}

static enum MHD_Result add_query(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	json_t *o = cls;
	if (!secret_key(key) && json_object_size(o) < 32)
		json_object_set_new(o, key, value ? weir_json_str_or_null(value) : json_null());
	return MHD_YES;
}

/* Path parameters, query arguments and the body's scalar fields (arrays as counts, objects
 * as their scalar members), with every secret-looking key removed. */
static json_t *audit_params(weir_req *r)
{
	if (r->audit_params)
		return r->audit_params;
	json_t *o = weir_json_own(r->arena, json_object());
	for (int i = 0; i < r->nparams; i++)
		json_object_set_new(o, r->param_names[i], weir_json_str_or_null(r->param_values[i]));
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_query, o);
	if (r->json) {
		const char *k;
		json_t *v;
		json_object_foreach (r->json, k, v) {
			if (!secret_key(k))
				json_object_set_new(o, k, weir_json_summary(v));
		}
	}
	r->audit_params = o;
	return o;
}

static int write_audit(weir_req *r, int status, const char *error_code, weir_error *err)
{
	weir_audit_event ev = {
		.event_time = weir_now_ms(),
		.principal = r->principal,
		.workspace_id = r->principal ? r->principal->workspace_id : 0,
		.service_name = r->route ? r->route->service : "weir",
		.action_name = r->route ? r->route->action : "unknownRoute",
		.request_id = r->request_id,
		.request_params = audit_params(r),
		.status_code = status,
		.error_code = error_code,
		.securable = r->audit_securable,
		.source_ip = r->source_ip,
		.user_agent = r->user_agent,
	};
	return weir_gov_audit(weir_req_db(r), &ev, err);
}

/* A request that writes again after a commit waits for that commit first (rare: its token
 * would otherwise be replaced by the next one's, which does not imply it). */
int weir_req_begin(weir_req *r, weir_error *err)
{
	if (r->durable_seq != 0) {
		if (weir_db_durable_wait(r->app->pool, r->durable_seq) != 0)
			return weir_error_set(err, WEIR_E_INTERNAL_ERROR,
					      "the database cannot make writes durable; the server needs a restart");
		r->durable_seq = 0;
	}
	return weir_db_begin_write(weir_req_db(r), err);
}

int weir_req_commit(weir_req *r, weir_error *err) { return weir_req_commit_status(r, 200, err); }

int weir_reply_committed(weir_req *r, json_t *out, weir_error *err)
{
	if (out == NULL || weir_req_commit(r, err) != 0) {
		json_decref(out);
		return weir_reply_error(r, err);
	}
	return weir_reply_json(r, 200, out);
}

int weir_reply_audited(weir_req *r, json_t *out, weir_error *err)
{
	if (out && weir_req_begin(r, err) != 0) {
		json_decref(out);
		return weir_reply_error(r, err);
	}
	return weir_reply_committed(r, out, err);
}

int weir_reply_created(weir_req *r, json_t *out, weir_error *err)
{
	if (out)
		weir_req_audit_securable(r, json_string_value(json_object_get(out, "id")));
	return weir_reply_committed(r, out, err);
}

void weir_req_after_commit(weir_req *r, void (*fn)(void *arg), void *arg)
{
	r->after_commit = fn;
	r->after_commit_arg = arg;
}

void weir_req_defer(weir_req *r, void (*arm)(weir_req *r, void *arg), void (*finish)(weir_req *r, void *arg), void *arg)
{
	r->defer_arm = arm;
	r->defer_finish = finish;
	r->defer_arg = arg;
}

int weir_req_commit_status(weir_req *r, int status, weir_error *err)
{
	weir_db *db = weir_req_db(r);
	if (write_audit(r, status, NULL, err) != 0) {
		weir_db_rollback(db);
		return -1;
	}
	/* In the shared transaction now; the reply waits for its commit and durability without
	 * holding this thread (api/server.c, weir_db_durable_async), so concurrent requests
	 * share the transaction's page writes and the fsync. */
	uint64_t token = 0;
	if (weir_db_commit_deferred(db, &token, err) != 0)
		return -1;
	r->durable_seq = token;
	r->audited = true;
	return 0;
}

void weir_req_rollback(weir_req *r)
{
	if (r->db)
		weir_db_rollback(r->db);
}

/* Called by the server after the handler: failed mutations and every denial get their own
 * audit row (the change itself was rolled back, so nothing else records it). */
void weir_req__audit_failure(weir_req *r);
void weir_req__audit_failure(weir_req *r)
{
	if (r->audited || r->status < 400)
		return;
	bool mutation = strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0;
	bool denial = r->status == 401 || r->status == 403;
	if (!mutation && !denial)
		return;
	if (r->route && (r->route->flags & WEIR_ROUTE_NO_AUDIT) && !denial)
		return;
	weir_error err = WEIR_ERROR_INIT;
	weir_db *db = weir_req_db(r);
	if (weir_db_in_write(db))
		weir_db_rollback(db);
	if (weir_db_begin_write(db, &err) != 0)
		return;
	if (write_audit(r, r->status, r->audit_error, &err) != 0 || weir_db_commit(db, &err) != 0) {
		weir_db_rollback(db);
		weir_log_warn("rid=%s: audit row not written: %s", r->request_id, err.message);
		return;
	}
	r->audited = true;
}

/* ------------------------------------------------------------------ replies */

static void set_body(weir_req *r, int status, const char *ctype, char *body, size_t len, bool malloced)
{
	if (r->resp_malloced)
		free(r->resp_body);
	r->status = status;
	r->content_type = ctype;
	r->resp_body = body;
	r->resp_len = len;
	r->resp_malloced = malloced;
	r->resp_static = false;
}

/* A store that could not be reached (PostgreSQL: the connection lost) answers "no row" to a
 * read that did not happen: whatever the handler made of it, the request answers 503. */
static bool store_lost(weir_req *r, int status) { return status < 500 && r->db != NULL && weir_db_lost(r->db); }

static int reply_store_lost(weir_req *r)
{
	weir_error e;
	weir_error_set(&e, WEIR_E_TEMPORARILY_UNAVAILABLE, "the database is unreachable; retry");
	return weir_reply_error(r, &e);
}

int weir_reply_json(weir_req *r, int status, json_t *body)
{
	if (store_lost(r, status)) {
		json_decref(body);
		return reply_store_lost(r);
	}
	if (body == NULL) { /* a value that could not be built (jansson refused it): never "null" */
		weir_error e;
		weir_error_set(&e, WEIR_E_INTERNAL_ERROR, "internal error");
		return weir_reply_error(r, &e);
	}
	size_t len;
	char *text = weir_json_dump_len(body, &len);
	json_decref(body);
	set_body(r, status, "application/json", text, len, true);
	return 0;
}

int weir_reply_json_text(weir_req *r, int status, char *text, size_t len)
{
	if (store_lost(r, status)) {
		free(text);
		return reply_store_lost(r);
	}
	set_body(r, status, "application/json", text, len, true);
	return 0;
}

int weir_reply_ok_empty(weir_req *r) { return weir_reply_json(r, 200, json_object()); }

int weir_reply_deleted(weir_req *r, const char *param, int (*del)(weir_db *db, const char *name, weir_error *err))
{
	weir_error e = WEIR_ERROR_INIT;
	const char *name = weir_req_param(r, param);
	weir_req_audit_securable(r, name);
	if (weir_req_begin(r, &e) != 0 || del(weir_req_db(r), name, &e) != 0 || weir_req_commit(r, &e) != 0)
		return weir_reply_error(r, &e);
	return weir_reply_ok_empty(r);
}

int weir_reply_audited_empty(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	if (weir_req_begin(r, &e) != 0 || weir_req_commit(r, &e) != 0)
		return weir_reply_error(r, &e);
	return weir_reply_ok_empty(r);
}

int weir_reply_list(weir_req *r, const char *key, json_t *list, const weir_error *err)
{
	if (list == NULL)
		return weir_reply_error(r, err);
	json_t *out = json_object();
	if (json_array_size(list))
		json_object_set_new(out, key, list);
	else
		json_decref(list);
	return weir_reply_json(r, 200, out);
}

int weir_reply_text(weir_req *r, int status, const char *content_type, const char *text)
{
	size_t n = strlen(text);
	set_body(r, status, content_type, weir_arena_strndup(r->arena, text, n), n, false);
	return 0;
}

int weir_reply_static(weir_req *r, int status, const char *content_type, const void *data, size_t len)
{
	set_body(r, status, content_type, (char *)(uintptr_t)data, len, false);
	r->resp_static = true;
	return 0;
}

int weir_reply_fd(weir_req *r, int status, const char *content_type, int fd, uint64_t size)
{
	set_body(r, status, content_type, NULL, 0, false);
	r->resp_fd = fd;
	r->resp_fd_offset = 0;
	r->resp_fd_size = size;
	return 0;
}

int weir_reply_fd_at(weir_req *r, int status, const char *content_type, int fd, uint64_t offset, uint64_t size)
{
	weir_reply_fd(r, status, content_type, fd, size);
	r->resp_fd_offset = offset;
	return 0;
}

void weir_reply_header(weir_req *r, const char *name, const char *value)
{
	if (r->nresp_headers < WEIR_MAX_RESP_HEADERS) {
		r->resp_headers[r->nresp_headers][0] = weir_arena_strdup(r->arena, name);
		r->resp_headers[r->nresp_headers][1] = weir_arena_strdup(r->arena, value);
		r->nresp_headers++;
	}
}

/* RFC 7644 section 3.12's scimType of a SCIM error: clients print it before the detail (the
 * Databricks SDK prints "None" when it is absent). 404 is noTarget (the request's target
 * yields nothing to operate on), 409 uniqueness or mutability, a 400 by its kind; NULL where none applies
 * (401, 403, 5xx). */
static const char *scim_type(const weir_error *e, int status, const char *msg)
{
	if (status == 404)
		return "noTarget";
	if (status == 409) /* a duplicate, or a conflict with the target's state (an owner of securables) */
		return e->code == WEIR_E_RESOURCE_CONFLICT ? "mutability" : "uniqueness";
	if (status != 400)
		return NULL;
	if (strcmp(e->field, "filter") == 0 || (e->code == WEIR_E_INVALID_PARAMETER_VALUE && strstr(msg, "filter")))
		return "invalidFilter";
	if (e->code == WEIR_E_MALFORMED_REQUEST)
		return "invalidSyntax";
	if (strcmp(e->field, "Operations") == 0) /* PATCH: the path, the shape of an operation, or a value */
		return strstr(msg, " path") ? "invalidPath" : strstr(msg, " takes ") ? "invalidValue" : "invalidSyntax";
	return "invalidValue";
}

int weir_reply_error(weir_req *r, const weir_error *raised)
{
	weir_req_rollback(r);
	weir_dialect d = r->route ? r->route->dialect : WEIR_DIALECT_DATABRICKS;
	/* unrouted paths (404/405) answer in the dialect of their prefix */
	if (r->route == NULL && r->path) {
		if (strncmp(r->path, "/api/2.0/mlflow", 15) == 0 || strncmp(r->path, "/ajax-api/2.0/mlflow", 20) == 0)
			d = WEIR_DIALECT_MLFLOW;
		else if (strncmp(r->path, "/api/2.0/preview/scim/", 22) == 0)
			d = WEIR_DIALECT_SCIM;
	}
	weir_error translated = *raised, *e = &translated;
	if (store_lost(r, weir_code_status(raised->code)))
		weir_error_set(e, WEIR_E_TEMPORARILY_UNAVAILABLE, "the database is unreachable; retry");
	weir_dialect_translate(d, e); /* the dialect's name for the domain's code (api/dialect.c) */
	int status = e->status ? e->status : weir_code_status(e->code);
	const char *code = weir_code_name(e->code);
	const char *msg = e->message[0] ? e->message : code;
	r->audit_error = code;
	json_t *body;
	switch (d) {
	case WEIR_DIALECT_MLFLOW: body = json_pack("{s:s, s:s}", "error_code", code, "message", msg); break;
	case WEIR_DIALECT_SCIM: {
		char st[8];
		snprintf(st, sizeof(st), "%d", status);
		body = json_pack("{s:[s], s:s, s:s}", "schemas", "urn:ietf:params:scim:api:messages:2.0:Error",
				 "status", st, "detail", msg);
		const char *type = scim_type(e, status, msg);
		if (type)
			json_object_set_new(body, "scimType", json_string(type));
		break;
	}
	case WEIR_DIALECT_OAUTH:
		body = json_pack("{s:s, s:s}", "error",
				 status == 401   ? "invalid_client"
				 : status == 400 ? "invalid_request"
						 : "server_error",
				 "error_description", msg);
		break;
	default: {
		json_t *meta = json_object();
		if (e->field[0])
			json_object_set_new(meta, "field", json_string(e->field));
		body = json_pack("{s:s, s:s, s:[{s:s, s:s, s:s, s:o}]}", "error_code", code, "message", msg, "details",
				 "@type", "type.googleapis.com/google.rpc.ErrorInfo", "reason", code, "domain", "weir",
				 "metadata", meta);
		break;
	}
	}
	if (body == NULL) /* message was not valid UTF-8: never echo it */
		body = json_pack("{s:s, s:s}", "error_code", code, "message", code);
	size_t len;
	char *text = weir_json_dump_len(body, &len);
	json_decref(body);
	set_body(r, status, d == WEIR_DIALECT_SCIM ? "application/scim+json" : "application/json", text, len, true);
	return 0;
}
