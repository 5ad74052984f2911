/* The request as handlers see it, the route table's row type, and the reply functions.
 * Handlers never include microhttpd.h: they read the request through these accessors and
 * set the reply with weir_reply_*; api/server.c turns that into an MHD response.
 *
 * Every route declares an authorization rule. WEIR_RULE_PUBLIC and WEIR_RULE_AUTHENTICATED
 * and WEIR_RULE_ADMIN are enforced before the handler runs. WEIR_RULE_SECURABLE routes name
 * an operation on a securable; the handler resolves the securable and calls
 * weir_req_authorize(), and a handler that answers 2xx without having done so is turned
 * into a 500 by the dispatcher (fail closed). A route with no rule stops the server from
 * starting (weir_routes_validate). */
#ifndef WEIR_API_HTTP_H
#define WEIR_API_HTTP_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"
#include "governance/governance.h"

typedef struct weir_app weir_app;
typedef struct weir_req weir_req;
typedef int (*weir_handler)(weir_req *r);

typedef enum {
	WEIR_RULE_NONE = 0, /* invalid: refused at start */
	WEIR_RULE_PUBLIC, /* no token (health, OAuth token endpoint, discovery) */
	WEIR_RULE_AUTHENTICATED, /* any valid token; the handler scopes to the caller */
	WEIR_RULE_ADMIN, /* metastore admins (members of group `admins`) */
	WEIR_RULE_SECURABLE, /* handler resolves a securable; weir_req_authorize(op) */
	/* an object with its own ACL (a job): the handler checks rule.level through its domain
	 * module, then calls weir_req_mark_authorized; a 2xx without it is a 500 */
	WEIR_RULE_OBJECT,
} weir_rule_kind;

typedef struct weir_rule {
	weir_rule_kind kind;
	weir_op op;
	int level; /* WEIR_RULE_OBJECT: the permission level required (the module's enum) */
} weir_rule;

#define RULE_PUBLIC                               \
	{                                         \
		WEIR_RULE_PUBLIC, WEIR_OP_NONE, 0 \
	}
#define RULE_AUTHENTICATED                               \
	{                                                \
		WEIR_RULE_AUTHENTICATED, WEIR_OP_NONE, 0 \
	}
#define RULE_ADMIN                               \
	{                                        \
		WEIR_RULE_ADMIN, WEIR_OP_NONE, 0 \
	}
#define RULE_ON(o)                          \
	{                                   \
		WEIR_RULE_SECURABLE, (o), 0 \
	}

#define RULE_OBJECT(lv)                              \
	{                                            \
		WEIR_RULE_OBJECT, WEIR_OP_NONE, (lv) \
	}

/* How errors are rendered on a route. */
typedef enum {
	WEIR_DIALECT_DATABRICKS = 0, /* {error_code, message, details:[{@type, reason, metadata}]} */
	WEIR_DIALECT_MLFLOW, /* {error_code, message} */
	WEIR_DIALECT_SCIM, /* {schemas, status, scimType?, detail} */
	WEIR_DIALECT_OAUTH, /* {error, error_description} */
} weir_dialect;

enum weir_route_flags {
	WEIR_ROUTE_STREAM_UPLOAD = 1 << 0, /* body goes to a temp file (r->upload_path), larger limit */
	WEIR_ROUTE_NO_AUDIT = 1 << 1, /* reads that are not audited */
	/* The handler is also called on the request head (r->in_head), after authentication and
	 * before any body byte is read: there it may only check and refuse (a reply it sets is
	 * sent at once and the body is never read). It runs again, as usual, with the body. */
	WEIR_ROUTE_HEAD_CHECK = 1 << 2,
};

typedef struct weir_route {
	const char *method;
	const char *pattern; /* "/api/2.1/unity-catalog/catalogs/{name}"; "{path*}" takes the rest */
	weir_handler handler;
	weir_rule rule;
	weir_dialect dialect;
	const char *service; /* audit service_name, e.g. "unityCatalog" */
	const char *action; /* audit action_name, e.g. "createCatalog" */
	unsigned flags;
} weir_route;

#define WEIR_MAX_PATH_PARAMS 8
#define WEIR_MAX_RESP_HEADERS 12

struct weir_req {
	weir_arena *arena;
	weir_app *app;
	const weir_route *route;
	void *conn; /* struct MHD_Connection *: for api/server.c only */
	const char *method;
	const char *path; /* decoded path without the query */
	char request_id[40];
	const char *source_ip;
	const char *user_agent;
	int64_t start_us;

	/* body: in memory, or in a temp file for WEIR_ROUTE_STREAM_UPLOAD routes */
	char *body; /* malloc'd, counted against the server's body memory budget */
	size_t body_len;
	size_t body_cap;
	size_t body_reserved; /* bytes of the budget this request holds */
	bool body_too_large;
	bool body_refused; /* the budget was exhausted mid-body: 503 at the end */
	bool head_checked; /* authenticated (and limits checked) on the request head */
	bool in_head; /* WEIR_ROUTE_HEAD_CHECK: the handler's call on the head */
	/* --sync full: the commit the reply waits for (weir_req_commit does not block on the
	 * fsync; api/server.c suspends the connection until the syncer says it is on disk) */
	uint64_t durable_seq;
	atomic_int durable_state; /* 0 not waiting, 1 waiting, 2 durable, 3 cannot be made durable */
	void (*after_commit)(void *); /* weir_req_after_commit: run once the commit is visible and durable */
	void *after_commit_arg;
	/* weir_req_defer: the reply waits, off any server thread, for weir_req_resume */
	void (*defer_arm)(weir_req *r, void *arg);
	void (*defer_finish)(weir_req *r, void *arg);
	void *defer_arg;
	atomic_int defer_state; /* 0 none, 1 suspended, 2 resumed */
	int upload_fd;
	char *upload_path;
	uint64_t upload_len;

	const char *param_names[WEIR_MAX_PATH_PARAMS];
	const char *param_values[WEIR_MAX_PATH_PARAMS];
	int nparams;

	weir_principal *principal; /* NULL on public routes */
	/* authenticated by the web UI's session cookie (no Authorization header): its id (the
	 * cookie value), its CSRF token (every mutation must send it in X-CSRF-Token; api/server.c
	 * checks it) and its end, epoch ms */
	const char *session_id;
	const char *session_csrf;
	int64_t session_expires;
	weir_db *db; /* borrowed on first weir_req_db(); released with the arena */
	bool authorized;

	/* reply */
	int status;
	char *resp_body; /* arena or malloc (resp_owned) */
	size_t resp_len;
	bool resp_malloced;
	bool resp_static; /* resp_body is process-lifetime data (weir_reply_static): sent without a copy */
	const char *content_type;
	int resp_fd; /* >= 0: send this file */
	uint64_t resp_fd_offset; /* from this byte (a Range read) */
	uint64_t resp_fd_size;
	const char *resp_headers[WEIR_MAX_RESP_HEADERS][2];
	int nresp_headers;
	const char *audit_error; /* error code of the reply, for the audit row */
	json_t *audit_params; /* request_params for the audit row (secrets removed) */
	json_t *json; /* parsed body, once weir_req_json succeeded */
	bool audited; /* the audit row was written with the change */
	const char *audit_securable; /* full name of the securable acted on */
};

/* -- request accessors -- */
const char *weir_req_param(weir_req *r, const char *name);
/* First value of a query argument, or NULL. */
const char *weir_req_query(weir_req *r, const char *key);
/* All values of a repeated query argument; returns the count (<= max). */
int weir_req_query_all(weir_req *r, const char *key, const char **out, int max);
/* Query argument parsed as int64 / bool; absent leaves *out unchanged. 400 naming the key on junk. */
int weir_req_query_i64(weir_req *r, const char *key, int64_t *out, weir_error *err);
int weir_req_query_bool(weir_req *r, const char *key, bool *out, weir_error *err);
const char *weir_req_header(weir_req *r, const char *name);
/* The value of cookie `name` in the Cookie header, or NULL. */
const char *weir_req_cookie(weir_req *r, const char *name);
/* The body as a JSON object (an empty body is {} when empty_ok). Errors set, NULL returned. */
json_t *weir_req_json(weir_req *r, bool empty_ok, weir_error *err);
/* The request's database connection, borrowed from the pool on first use. */
weir_db *weir_req_db(weir_req *r);

/* Evaluates the route's rule on `s` for the caller. On refusal fills err with 403
 * PERMISSION_DENIED and returns -1. Marks the request as authorized on success. */
int weir_req_authorize(weir_req *r, const weir_securable *s, weir_error *err);
/* Same, for an explicit operation, without marking (per-item checks, secondary checks). */
bool weir_req_can(weir_req *r, weir_op op, const weir_securable *s);
/* For handlers that scope their answer to the caller themselves (lists, own tokens). */
void weir_req_mark_authorized(weir_req *r);

/* A write transaction on the request's connection (write lock + BEGIN IMMEDIATE). */
int weir_req_begin(weir_req *r, weir_error *err);
/* Writes the request's audit row in the same transaction, then commits; 0 once the change
 * is durable (--sync full: group commit, core/db.h). */
int weir_req_commit(weir_req *r, weir_error *err);
/* The same with the audit row's status_code (weir_req_commit: 200). */
int weir_req_commit_status(weir_req *r, int status, weir_error *err);
/* Runs fn(arg) once the request's commit is committed and durable (before the reply goes out),
 * or at once when the request has nothing waiting. For work another thread does on what
 * was committed (waking the workflow engine): weir_req_commit leaves the change in the
 * shared transaction, which other connections do not see yet. Not run when the commit
 * fails. One per request. arg must live as long as the request (r->arena's, or static). */
void weir_req_after_commit(weir_req *r, void (*fn)(void *arg), void *arg);
/* Defers the reply without holding a server thread (a statement's wait_timeout): the
 * handler answers as usual (the reply it sets is what goes out if nothing changes it),
 * then calls this. After the handler, api/server.c suspends the connection and calls
 * arm(r, arg), which hands r to whatever will call weir_req_resume(r) exactly once, from
 * any thread (arm may call it itself). On resume, finish(r, arg) runs on a server thread
 * and may replace the reply (weir_reply_json). No database connection is held meanwhile. */
void weir_req_defer(weir_req *r, void (*arm)(weir_req *r, void *arg), void (*finish)(weir_req *r, void *arg),
		    void *arg);
void weir_req_resume(weir_req *r);
/* Set once at start by a module whose deferred replies must end before the server stops:
 * called when the server starts draining (it resumes every waiting reply soon). */
extern void (*weir_req_drain_hook)(void);
/* Rolls back if a transaction is open (safe to call always). */
void weir_req_rollback(weir_req *r);
/* Sets the securable named in the audit row. */
void weir_req_audit_securable(weir_req *r, const char *full_name);
/* For a handler that serves several routes, each its own operation: the index of the route's
 * audit action among the n `actions`. A route naming none is a route table error (assert). */
size_t weir_req_action(const weir_req *r, const char *const *actions, size_t n);

/* -- replies (each returns 0) -- */
int weir_reply_json(weir_req *r, int status, json_t *body); /* steals body */
/* A body that is already JSON text (malloc'd; the reply takes it over). */
int weir_reply_json_text(weir_req *r, int status, char *text, size_t len);
int weir_reply_error(weir_req *r, const weir_error *err);
/* The end of a write whose answer `out` (stolen) was rendered inside it: commits
 * (weir_req_commit) and answers 200 with out; when out is NULL (the write failed, err set)
 * or the commit fails, rolls back and answers the error. */
int weir_reply_committed(weir_req *r, json_t *out, weir_error *err);
/* The end of a read whose audit row must commit with its answer (temporary credentials: an
 * answer is access to data): `out` (stolen) was read in the request's snapshot; a write
 * transaction is begun for the audit row alone, then as weir_reply_committed. */
int weir_reply_audited(weir_req *r, json_t *out, weir_error *err);
/* The same for a write that made an object: the audit row names it by out's "id". */
int weir_reply_created(weir_req *r, json_t *out, weir_error *err);
int weir_reply_text(weir_req *r, int status, const char *content_type, const char *text);
/* `len` bytes of static data (lives as long as the process: embedded files), sent without a copy. */
int weir_reply_static(weir_req *r, int status, const char *content_type, const void *data, size_t len);
/* Sends `size` bytes of the open file `fd` (closed by the server). */
int weir_reply_fd(weir_req *r, int status, const char *content_type, int fd, uint64_t size);
/* The same, `size` bytes from byte `offset` (a 206 answer to a Range read). */
int weir_reply_fd_at(weir_req *r, int status, const char *content_type, int fd, uint64_t offset, uint64_t size);
void weir_reply_header(weir_req *r, const char *name, const char *value);
/* The UC/Databricks DELETE answer: 200 with an empty JSON object. */
int weir_reply_ok_empty(weir_req *r);
/* A DELETE of the object that the path parameter `param` names: the audit row names it, then
 * del(db, its name) in a write transaction, committed; then {}. */
int weir_reply_deleted(weir_req *r, const char *param, int (*del)(weir_db *db, const char *name, weir_error *err));
/* The end of a change made outside the database (a file written or removed): its audit row
 * in a write transaction of its own (weir_req_begin, weir_req_commit), then {}; or the error. */
int weir_reply_audited_empty(weir_req *r);
/* 200 with {key: list} (stolen), the member left out when the list is empty (MLflow's JSON
 * omits an empty repeated field); when list is NULL, the error err. */
int weir_reply_list(weir_req *r, const char *key, json_t *list, const weir_error *err);

/* Handlers of one surface. Each handlers/<surface>.c defines its table; the module list in
 * api/modules.c names it in its module's entry. */
extern const weir_route weir_routes_system[];
extern const weir_route weir_routes_tokens[];
extern const weir_route weir_routes_uc[];
extern const weir_route weir_routes_identity[];
extern const weir_route weir_routes_grants[];
extern const weir_route weir_routes_workspaces[];
extern const weir_route weir_routes_tags[];
extern const weir_route weir_routes_policies[];
extern const weir_route weir_routes_mlflow[];
extern const weir_route weir_routes_tracking[];
extern const weir_route weir_routes_lineage[];
extern const weir_route weir_routes_notifications[];
extern const weir_route weir_routes_jobs[];
extern const weir_route weir_routes_warehouse[];
extern const weir_route weir_routes_files[];
extern const weir_route weir_routes_ui[];

/* The tables above, in match order; NULL-terminated. Derived from the module list
 * (api/modules.c), where it is defined. */
extern const weir_route *const weir_route_tables[];

/* Route matching: returns the route for method+path and fills r's path params, or NULL.
 * *method_mismatch is set when the path exists under another method. */
const weir_route *weir_route_match(weir_req *r, const char *method, const char *path, bool *method_mismatch);
/* Checks every route has a rule, a handler and a well-formed pattern; -1 with err otherwise. */
int weir_routes_validate(weir_error *err);

#endif
