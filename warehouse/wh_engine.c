/* The warehouse's engine: runs one statement as its caller on a private SQLite connection
 * over the managed tables' files (warehouse/warehouse.h says the model). This file and
 * core/ are the only code that calls SQLite directly (scripts/house-rules.sh): user SQL
 * runs on SQLite by design, under an authorizer that is the enforcement point of the
 * caller's grants inside the engine.
 *
 * A statement's steps: scan its text for table references (warehouse/sql.c); resolve each
 * through governance on a pooled metadata connection (released before the SQL runs);
 * make sure each table's file exists (created from the catalog's columns on first use);
 * open an in-memory database, ATTACH each file under an alias wN (read-only when the
 * caller may not write it), rewrite the names, prepare under the authorizer, step with a
 * progress handler that enforces the deadline and cancel. CREATE TABLE, CTAS and DROP TABLE
 * go through the catalog domain (the same securable the REST API makes). At the end, one
 * write transaction on the metadata store: lineage edges and the audit row. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/log.h"
#include "core/util.h"
#include "governance/catalog.h"
#include "lineage/lineage.h"
#include "warehouse/sql.h"
#include "warehouse/warehouse.h"
#include "warehouse/wh_internal.h"

#define MAX_TABLES 16
#define MAX_ROWS 1000000
#define MAX_BYTES ((size_t)64 << 20)

void weir_wh_cancel_init(weir_wh_cancel *c)
{
	pthread_mutex_init(&c->mu, NULL);
	c->conn = NULL;
	atomic_store(&c->canceled, false);
}

void weir_wh_cancel_destroy(weir_wh_cancel *c) { pthread_mutex_destroy(&c->mu); }

void weir_wh_cancel_fire(weir_wh_cancel *c)
{
	pthread_mutex_lock(&c->mu);
	atomic_store(&c->canceled, true);
	if (c->conn)
		sqlite3_interrupt(c->conn);
	pthread_mutex_unlock(&c->mu);
}

void weir_wh_outcome_clear(weir_wh_outcome *o)
{
	json_decref(o->columns);
	json_decref(o->rows);
	o->columns = o->rows = NULL;
}

/* ---------------------------------------------------------------- the statement's state */

typedef struct wh_table {
	weir_securable sec;
	const char *alias; /* w1, w2, ... */
	json_t *columns; /* UC columns (borrowed from info) */
	bool can_read, can_write;
	bool read, written; /* what the statement did (the authorizer saw) */
} wh_table;

typedef struct wh_ctx {
	weir_arena *a;
	const weir_wh_exec *x;
	weir_principal *p;
	wh_table t[MAX_TABLES];
	int nt;
	bool user_sql; /* the authorizer applies (false while the engine runs its own SQL) */
	char deny_code[48];
	char deny[400];
	bool timed_out;
	const char *target_full_name; /* for the audit row */
	int nrf; /* read_files(...) calls materialised as temp.weir_rfN (read_files_engine.c) */
} wh_ctx;

static void fail(weir_wh_outcome *o, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(weir_wh_outcome *o, const char *code, const char *fmt, ...)
{
	o->state = WEIR_WH_FAILED;
	snprintf(o->error_code, sizeof(o->error_code), "%s", code);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->message, sizeof(o->message), fmt, ap);
	va_end(ap);
}

/* A domain error as the statement's error: not-found codes as the REST API (Unity
 * Catalog's dialect) names them, so a hidden table looks exactly like a missing one. */
static void fail_err(weir_wh_outcome *o, const weir_error *e)
{
	weir_code code = e->code;
	if (code == WEIR_E_NOT_FOUND && e->obj == WEIR_OBJ_CATALOG)
		code = WEIR_E_CATALOG_NOT_FOUND;
	else if (code == WEIR_E_NOT_FOUND && e->obj == WEIR_OBJ_SCHEMA)
		code = WEIR_E_SCHEMA_NOT_FOUND;
	else if (code == WEIR_E_NOT_FOUND && e->obj == WEIR_OBJ_TABLE)
		code = WEIR_E_TABLE_NOT_FOUND;
	fail(o, weir_code_name(code), "%s", e->message);
}

static wh_table *table_of_alias(wh_ctx *c, const char *db)
{
	if (db == NULL)
		return NULL;
	for (int i = 0; i < c->nt; i++)
		if (strcmp(c->t[i].alias, db) == 0)
			return &c->t[i];
	return NULL;
}

static void deny(wh_ctx *c, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void deny(wh_ctx *c, const char *code, const char *fmt, ...)
{
	if (c->deny[0])
		return; /* the first reason is the one reported */
	snprintf(c->deny_code, sizeof(c->deny_code), "%s", code);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->deny, sizeof(c->deny), fmt, ap);
	va_end(ap);
}

/* PRAGMAs the user's SQL may run: read-only ones that show nothing about files. */
static const char *const readonly_pragmas[] = {"collation_list", "compile_options", "encoding",
					       "function_list",  "pragma_list",     NULL};

/* Functions that reach outside the statement. */
static const char *const denied_functions[] = {"load_extension", "readfile",       "writefile",
					       "edit",           "fts3_tokenizer", NULL};

bool weir_wh__pragma_allowed(const char *name, const char *value)
{
	if (name == NULL || value != NULL)
		return false; /* setting a value is never allowed */
	for (int i = 0; readonly_pragmas[i]; i++)
		if (strcasecmp(name, readonly_pragmas[i]) == 0)
			return true;
	return false;
}

static int authorizer(void *arg, int action, const char *a1, const char *a2, const char *db, const char *trigger)
{
	(void)trigger;
	wh_ctx *c = arg;
	if (!c->user_sql)
		return SQLITE_OK;
	wh_table *t;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_RECURSIVE: return SQLITE_OK;
	case SQLITE_FUNCTION:
		for (int i = 0; denied_functions[i]; i++)
			if (a2 && strcasecmp(a2, denied_functions[i]) == 0) {
				deny(c, "PERMISSION_DENIED", "The function %s is not allowed", denied_functions[i]);
				return SQLITE_DENY;
			}
		return SQLITE_OK;
	case SQLITE_READ:
		if (db == NULL) /* a CTE or subquery (count(*) over one): no table of any database */
			return SQLITE_OK;
		if (c->nrf > 0 && strcmp(db, "temp") == 0 && a1 && strncmp(a1, "weir_rf", 7) == 0)
			return SQLITE_OK; /* what read_files(...) read, as the caller */
		t = table_of_alias(c, db);
		if (t == NULL || a1 == NULL || strcmp(a1, WEIR_WH_FILE_TABLE) != 0) {
			if (a1 && strncasecmp(a1, "sqlite_", 7) == 0)
				deny(c, "PERMISSION_DENIED", "SQLite's internal tables are not readable");
			else
				deny(c, "PERMISSION_DENIED", "Only tables of the catalog can be read");
			return SQLITE_DENY;
		}
		if (!t->can_read) {
			deny(c, "PERMISSION_DENIED", "User does not have SELECT on Table '%s'", t->sec.full_name);
			return SQLITE_DENY;
		}
		t->read = true;
		return SQLITE_OK;
	case SQLITE_INSERT:
	case SQLITE_UPDATE:
	case SQLITE_DELETE:
		t = table_of_alias(c, db);
		if (t == NULL || a1 == NULL || strcmp(a1, WEIR_WH_FILE_TABLE) != 0) {
			deny(c, "PERMISSION_DENIED", "Only tables of the catalog can be written");
			return SQLITE_DENY;
		}
		if (!t->can_write) {
			deny(c, "PERMISSION_DENIED", "User does not have MODIFY on Table '%s'", t->sec.full_name);
			return SQLITE_DENY;
		}
		t->written = true;
		return SQLITE_OK;
	case SQLITE_PRAGMA:
		if (weir_wh__pragma_allowed(a1, a2))
			return SQLITE_OK;
		deny(c, "PERMISSION_DENIED", "PRAGMA %.64s is not allowed", a1 ? a1 : "");
		return SQLITE_DENY;
	case SQLITE_ATTACH: deny(c, "PERMISSION_DENIED", "ATTACH is not allowed"); return SQLITE_DENY;
	case SQLITE_DETACH: deny(c, "PERMISSION_DENIED", "DETACH is not allowed"); return SQLITE_DENY;
	case SQLITE_TRANSACTION:
	case SQLITE_SAVEPOINT:
		deny(c, "PERMISSION_DENIED",
		     "Transactions are managed by the warehouse: one statement is one transaction");
		return SQLITE_DENY;
	default:
		deny(c, "PERMISSION_DENIED",
		     "This statement is not allowed here (tables are created and dropped with CREATE TABLE and "
		     "DROP TABLE; indexes, views, triggers and schema changes are not available)");
		return SQLITE_DENY;
	}
}

static int progress(void *arg)
{
	wh_ctx *c = arg;
	if (c->x->cancel && atomic_load(&c->x->cancel->canceled))
		return 1;
	if (c->x->deadline_ms > 0 && weir_now_ms() > c->x->deadline_ms) {
		c->timed_out = true;
		return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- files */

const char *weir_wh__table_path(weir_arena *a, const char *table_id)
{
	return weir_arena_printf(a, "%s/warehouse/%s.db", weir_catalog_data_dir(), table_id);
}

static void append_ident(weir_buf *b, const char *s)
{
	weir_buf_append(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"')
			weir_buf_append(b, "\"", 1);
		weir_buf_append(b, s, 1);
	}
	weir_buf_append(b, "\"", 1);
}

/* CREATE TABLE t (...) from UC columns (sorted by position). */
int weir_wh__file_ddl(weir_arena *a, json_t *columns, const char **out, weir_error *err)
{
	size_t n = json_array_size(columns);
	if (n == 0)
		return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE, "The table has no columns");
	json_t **sorted = weir_arena_alloc(a, n * sizeof(*sorted));
	for (size_t i = 0; i < n; i++)
		sorted[i] = json_array_get(columns, i);
	for (size_t i = 1; i < n; i++) /* insertion sort by position */
		for (size_t k = i; k > 0 && json_integer_value(json_object_get(sorted[k - 1], "position")) >
						    json_integer_value(json_object_get(sorted[k], "position"));
		     k--) {
			json_t *tmp = sorted[k];
			sorted[k] = sorted[k - 1];
			sorted[k - 1] = tmp;
		}
	weir_buf b = {0};
	weir_buf_appendf(&b, "CREATE TABLE %s (", WEIR_WH_FILE_TABLE);
	for (size_t i = 0; i < n; i++) {
		json_t *col = sorted[i];
		const char *name = json_string_value(json_object_get(col, "name"));
		const char *tn = json_string_value(json_object_get(col, "type_name"));
		weir_wh_type ty;
		if (name == NULL ||
		    !weir_wh_type_from_uc(tn, (int)json_integer_value(json_object_get(col, "type_precision")),
					  (int)json_integer_value(json_object_get(col, "type_scale")), &ty)) {
			weir_buf_release(&b);
			return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE,
					      "Column '%.128s' has type %.32s, which this warehouse cannot store yet",
					      name ? name : "?", tn ? tn : "(none)");
		}
		if (i)
			weir_buf_append(&b, ", ", 2);
		append_ident(&b, name);
		weir_buf_appendf(&b, " %s", ty.decl);
		if (json_is_false(json_object_get(col, "nullable")))
			weir_buf_append(&b, " NOT NULL", 9);
	}
	weir_buf_append(&b, ")", 1);
	*out = weir_arena_strndup(a, b.data, b.len);
	weir_buf_release(&b);
	return 0;
}

/* Creates the table's file if it does not exist: built under a temporary name, in WAL mode,
 * then linked into place (link fails if another statement made it meanwhile: theirs stays). */
static int ensure_file(weir_arena *a, const char *table_id, json_t *columns, weir_error *err)
{
	const char *path = weir_wh__table_path(a, table_id);
	if (access(path, F_OK) == 0)
		return 0;
	const char *dir = weir_arena_printf(a, "%s/warehouse", weir_catalog_data_dir());
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "The warehouse's data directory cannot be created");
	const char *ddl;
	if (weir_wh__file_ddl(a, columns, &ddl, err) != 0)
		return -1;
	char rnd[17];
	weir_random_hex(rnd, 8);
	const char *tmp = weir_arena_printf(a, "%s.new-%s", path, rnd);
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, ddl, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		weir_log_error("warehouse: creating the file of table %s: %s", table_id, sqlite3_errmsg(db));
	sqlite3_close(db);
	if (rc == SQLITE_OK && link(tmp, path) != 0 && errno != EEXIST)
		rc = SQLITE_ERROR;
	unlink(tmp);
	if (rc != SQLITE_OK)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "The table's data file cannot be created");
	return 0;
}

static void remove_file(weir_arena *a, const char *table_id)
{
	const char *path = weir_wh__table_path(a, table_id);
	unlink(path);
	unlink(weir_arena_printf(a, "%s-wal", path));
	unlink(weir_arena_printf(a, "%s-shm", path));
}

/* ---------------------------------------------------------------- names */

/* The full name of a reference, completed with the statement's defaults. */
static const char *full_name(wh_ctx *c, const char *const *parts, int n, weir_error *err)
{
	const char *cat = c->x->catalog, *sch = c->x->schema;
	if (n == 3)
		return weir_arena_printf(c->a, "%s.%s.%s", parts[0], parts[1], parts[2]);
	if (n == 2) {
		if (cat == NULL || *cat == '\0')
			goto missing;
		return weir_arena_printf(c->a, "%s.%s.%s", cat, parts[0], parts[1]);
	}
	if (cat == NULL || *cat == '\0' || sch == NULL || *sch == '\0')
		goto missing;
	return weir_arena_printf(c->a, "%s.%s.%s", cat, sch, parts[0]);
missing:
	weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE,
		       "The table name '%.200s' needs a catalog and schema: use catalog.schema.table, or set the "
		       "statement's catalog and schema",
		       parts[n - 1]);
	return NULL;
}

/* Resolves a table for the caller; adds it (once) to the statement's tables. */
static wh_table *add_table(wh_ctx *c, weir_db *md, const char *full, weir_error *err)
{
	weir_securable s;
	if (weir_gov_resolve(md, c->a, c->p, WEIR_SEC_TABLE, full, &s, err) != 0)
		return NULL;
	for (int i = 0; i < c->nt; i++)
		if (strcmp(c->t[i].sec.id, s.id) == 0)
			return &c->t[i];
	if (c->nt == MAX_TABLES) {
		weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE, "A statement may name at most %d tables",
			       MAX_TABLES);
		return NULL;
	}
	json_t *info = weir_catalog_get(md, c->a, &s, false, true, err);
	if (info == NULL)
		return NULL;
	weir_json_own(c->a, info);
	const char *type = json_string_value(json_object_get(info, "table_type"));
	if (type == NULL || strcmp(type, "MANAGED") != 0) {
		weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE,
			       "Table '%.300s' is %.32s: this warehouse holds the data of MANAGED tables only",
			       s.full_name, type ? type : "not a table");
		return NULL;
	}
	wh_table *t = &c->t[c->nt];
	memset(t, 0, sizeof(*t));
	t->sec = s;
	t->alias = weir_arena_printf(c->a, "w%d", c->nt + 1);
	t->columns = json_object_get(info, "columns");
	t->can_read = weir_gov_allowed(md, c->p, WEIR_OP_READ_DATA, &t->sec);
	t->can_write = weir_gov_allowed(md, c->p, WEIR_OP_WRITE_DATA, &t->sec);
	c->nt++;
	return t;
}

/* ---------------------------------------------------------------- the private connection */

static sqlite3 *open_conn(wh_ctx *c, weir_error *err)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(db);
		weir_error_set(err, WEIR_E_INTERNAL_ERROR, "The warehouse cannot open a connection");
		return NULL;
	}
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
	sqlite3_busy_timeout(db, 10000);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 16 << 20);
	sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 1 << 20);
	for (int i = 0; i < c->nt; i++) {
		wh_table *t = &c->t[i];
		const char *path = weir_wh__table_path(c->a, t->sec.id);
		/* a file URI: the path is ours (data dir + id), escaped for the URI anyway */
		weir_buf u = {0};
		weir_buf_append(&u, "file:", 5);
		for (const char *p = path; *p; p++) {
			if (*p == '%' || *p == '?' || *p == '#')
				weir_buf_appendf(&u, "%%%02X", (unsigned char)*p);
			else
				weir_buf_append(&u, p, 1);
		}
		weir_buf_appendf(&u, "?mode=%s", t->can_write ? "rw" : "ro");
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(db, "ATTACH ?1 AS ?2", -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_text(st, 1, u.data, (int)u.len, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 2, t->alias, -1, SQLITE_STATIC);
			rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		}
		weir_buf_release(&u);
		if (rc != SQLITE_OK)
			weir_log_error("warehouse: attaching table %s: %s", t->sec.id, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		if (rc != SQLITE_OK) {
			sqlite3_close(db);
			weir_error_set(err, WEIR_E_INTERNAL_ERROR, "The table's data file cannot be opened");
			return NULL;
		}
	}
	sqlite3_set_authorizer(db, authorizer, c);
	sqlite3_progress_handler(db, 1000, progress, c);
	if (c->x->cancel) {
		pthread_mutex_lock(&c->x->cancel->mu);
		c->x->cancel->conn = db;
		pthread_mutex_unlock(&c->x->cancel->mu);
	}
	return db;
}

static void close_conn(wh_ctx *c, sqlite3 *db)
{
	if (db == NULL)
		return;
	if (c->x->cancel) {
		pthread_mutex_lock(&c->x->cancel->mu);
		c->x->cancel->conn = NULL;
		pthread_mutex_unlock(&c->x->cancel->mu);
	}
	sqlite3_close_v2(db);
}

/* Binds the statement's named parameters (weir_wh_exec.params, checked by statements.c)
 * to its :name markers; a marker without a parameter fails the statement. */
static bool bind_params(wh_ctx *c, sqlite3_stmt *st, weir_wh_outcome *o)
{
	int n = sqlite3_bind_parameter_count(st);
	for (int i = 1; i <= n; i++) {
		const char *nm = sqlite3_bind_parameter_name(st, i);
		if (nm == NULL || nm[0] != ':') {
			fail(o, "BAD_REQUEST",
			     "[UNSUPPORTED_PARAMETER_MARKER] Only named parameter markers (:name) are supported, not "
			     "'%.64s'",
			     nm ? nm : "?");
			return false;
		}
		const json_t *pv = NULL;
		for (size_t k = 0; k < json_array_size(c->x->params); k++) {
			const json_t *e = json_array_get(c->x->params, k);
			const char *pn = json_string_value(json_object_get(e, "name"));
			if (pn && strcmp(pn, nm + 1) == 0)
				pv = e;
		}
		if (pv == NULL) {
			fail(o, "BAD_REQUEST", "[UNBOUND_SQL_PARAMETER] Found the unbound parameter: %.128s", nm + 1);
			return false;
		}
		const char *kind = json_string_value(json_object_get(pv, "kind"));
		const char *v = json_string_value(json_object_get(pv, "value"));
		if (v == NULL)
			sqlite3_bind_null(st, i);
		else if (kind && strcmp(kind, "int") == 0)
			sqlite3_bind_int64(st, i, strtoll(v, NULL, 10));
		else if (kind && strcmp(kind, "real") == 0)
			sqlite3_bind_double(st, i, strtod(v, NULL));
		else if (kind && strcmp(kind, "bool") == 0)
			sqlite3_bind_int(st, i, strcasecmp(v, "true") == 0);
		else
			sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	}
	return true;
}

/* Prepares the user's (rewritten) SQL under the authorizer. */
static sqlite3_stmt *prepare_user(wh_ctx *c, sqlite3 *db, const char *sql, weir_wh_outcome *o)
{
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	c->user_sql = true;
	c->deny[0] = '\0';
	int rc = sqlite3_prepare_v3(db, sql, -1, 0, &st, &tail);
	c->user_sql = false;
	if (rc != SQLITE_OK) {
		if (c->deny[0])
			fail(o, c->deny_code, "%s", c->deny);
		else
			fail(o, "BAD_REQUEST", "%s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return NULL;
	}
	if (st == NULL) {
		fail(o, "BAD_REQUEST", "The statement is empty");
		return NULL;
	}
	if (!bind_params(c, st, o)) {
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* The outcome of a failed step. */
static void step_failed(wh_ctx *c, sqlite3 *db, int rc, weir_wh_outcome *o)
{
	if (rc == SQLITE_INTERRUPT) {
		if (c->timed_out)
			fail(o, "DEADLINE_EXCEEDED", "The statement ran past its timeout and was stopped");
		else {
			o->state = WEIR_WH_CANCELED;
			snprintf(o->error_code, sizeof(o->error_code), "CANCELLED");
			snprintf(o->message, sizeof(o->message), "The statement was canceled");
		}
		return;
	}
	if (c->deny[0]) {
		fail(o, c->deny_code, "%s", c->deny);
		return;
	}
	fail(o, "BAD_REQUEST", "%s", sqlite3_errmsg(db));
}

/* The result columns' types: the declared type in the file, else the first value's class. */
static json_t *result_columns(sqlite3_stmt *st, bool have_row, weir_wh_type *types)
{
	json_t *cols = json_array();
	int n = sqlite3_column_count(st);
	for (int i = 0; i < n; i++) {
		weir_wh_type_from_decl(sqlite3_column_decltype(st, i), have_row ? sqlite3_column_type(st, i) : 0,
				       &types[i]);
		const char *name = sqlite3_column_name(st, i);
		json_array_append_new(cols,
				      json_pack("{s:s, s:s, s:s, s:i}", "name", name ? name : "", "type_text",
						types[i].type_text, "type_name", types[i].type_name, "position", i));
	}
	return cols;
}

static json_t *value_of(sqlite3_stmt *st, int i, const weir_wh_type *ty, size_t *bytes)
{
	int ct = sqlite3_column_type(st, i);
	if (ct == SQLITE_NULL)
		return json_null();
	if (strcmp(ty->type_name, "BOOLEAN") == 0 && ct == SQLITE_INTEGER)
		return json_string(sqlite3_column_int64(st, i) ? "true" : "false");
	if (strcmp(ty->type_name, "DECIMAL") == 0 && (ct == SQLITE_INTEGER || ct == SQLITE_FLOAT)) {
		char buf[64];
		snprintf(buf, sizeof(buf), "%.*f", ty->scale, sqlite3_column_double(st, i));
		*bytes += strlen(buf);
		return json_string(buf);
	}
	const char *s = (const char *)sqlite3_column_text(st, i);
	int len = sqlite3_column_bytes(st, i);
	*bytes += (size_t)len;
	json_t *v = json_stringn(s ? s : "", (size_t)len);
	return v ? v : json_string("\xEF\xBF\xBD"); /* not UTF-8 (a blob): the replacement character */
}

/* Steps a query, collecting rows (up to the row limit and the engine's caps). */
static void run_query(wh_ctx *c, sqlite3 *db, sqlite3_stmt *st, weir_wh_outcome *o)
{
	int ncol = sqlite3_column_count(st);
	weir_wh_type *types = weir_arena_calloc(c->a, (size_t)(ncol > 0 ? ncol : 1) * sizeof(*types));
	json_t *rows = json_array();
	int64_t limit = c->x->row_limit > 0 && c->x->row_limit < MAX_ROWS ? c->x->row_limit : MAX_ROWS;
	size_t bytes = 0;
	int rc;
	bool first = true;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (first) {
			o->columns = result_columns(st, true, types);
			first = false;
		}
		if ((int64_t)json_array_size(rows) >= limit || bytes > MAX_BYTES) {
			o->truncated = true;
			break;
		}
		json_t *row = json_array();
		for (int i = 0; i < ncol; i++)
			json_array_append_new(row, value_of(st, i, &types[i], &bytes));
		json_array_append_new(rows, row);
	}
	if (first)
		o->columns = result_columns(st, false, types);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		json_decref(rows);
		json_decref(o->columns);
		o->columns = NULL;
		step_failed(c, db, rc, o);
		return;
	}
	o->rows = rows;
	o->state = WEIR_WH_SUCCEEDED;
}

/* DML: one row {num_affected_rows[, num_inserted_rows]}, as Databricks answers. */
static void run_dml(wh_ctx *c, sqlite3 *db, sqlite3_stmt *st, bool insert, weir_wh_outcome *o)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) /* RETURNING rows are not answered */
		;
	if (rc != SQLITE_DONE) {
		step_failed(c, db, rc, o);
		return;
	}
	char n[32];
	snprintf(n, sizeof(n), "%lld", (long long)sqlite3_changes64(db));
	o->columns = json_pack("[{s:s, s:s, s:s, s:i}]", "name", "num_affected_rows", "type_text", "bigint",
			       "type_name", "LONG", "position", 0);
	o->rows = json_pack("[[s]]", n);
	if (insert) {
		json_array_append_new(o->columns, json_pack("{s:s, s:s, s:s, s:i}", "name", "num_inserted_rows",
							    "type_text", "bigint", "type_name", "LONG", "position", 1));
		json_array_append_new(json_array_get(o->rows, 0), json_string(n));
	}
	o->state = WEIR_WH_SUCCEEDED;
}

/* ---------------------------------------------------------------- metadata writes */

/* Lineage edges (every table read -> the table written) and the audit row, in one write. */
static void record(wh_ctx *c, weir_db_pool *pool, const weir_wh_outcome *o)
{
	weir_db *md = weir_db_acquire(pool);
	weir_error e = WEIR_ERROR_INIT;
	if (weir_db_begin_write(md, &e) != 0)
		goto out;
	int64_t now = weir_now_ms();
	const wh_table *dst = NULL;
	for (int i = 0; i < c->nt; i++)
		if (c->t[i].written)
			dst = &c->t[i];
	if (o->state == WEIR_WH_SUCCEEDED && dst) {
		/* what trigger.table_update watches */
		if (weir_wh_store_table_written(md, dst->sec.id, now, &e) != 0)
			goto rollback;
		weir_lineage_producer by = {WEIR_LIN_CAPTURED, c->x->producer_type ? c->x->producer_type : "statement",
					    c->x->producer_id ? c->x->producer_id : c->x->statement_id};
		weir_lineage_node dn = {WEIR_LIN_TABLE, dst->sec.id, dst->sec.full_name};
		for (int i = 0; i < c->nt; i++) {
			if (&c->t[i] == dst || !c->t[i].read)
				continue;
			weir_lineage_node sn = {WEIR_LIN_TABLE, c->t[i].sec.id, c->t[i].sec.full_name};
			if (weir_lineage_record_edge(md, &sn, &dn, &by, now, &e) != 0)
				goto rollback;
		}
	}
	json_t *params = json_pack("{s:s}", "statement_id", c->x->statement_id ? c->x->statement_id : "");
	int status = o->state == WEIR_WH_SUCCEEDED                     ? 200
		     : o->state == WEIR_WH_CANCELED                    ? 499
		     : strcmp(o->error_code, "PERMISSION_DENIED") == 0 ? 403
		     : strstr(o->error_code, "NOT_FOUND")              ? 404
		     : strcmp(o->error_code, "INTERNAL_ERROR") == 0    ? 500
								       : 400;
	weir_audit_event ev = {.event_time = now,
			       .principal = c->p,
			       .principal_name = c->p ? c->p->name : NULL,
			       .workspace_id = c->x->workspace_id,
			       .service_name = "databrickssql",
			       .action_name = "executeStatement",
			       .request_id = c->x->statement_id,
			       .request_params = params,
			       .status_code = status,
			       .error_code = o->state == WEIR_WH_SUCCEEDED ? NULL : o->error_code,
			       .securable = c->target_full_name};
	int rc = weir_gov_audit(md, &ev, &e);
	json_decref(params);
	if (rc != 0)
		goto rollback;
	if (weir_db_commit(md, &e) != 0)
		weir_log_error("warehouse: recording statement %s: %s", c->x->statement_id, e.message);
	goto out;
rollback:
	weir_log_error("warehouse: recording statement %s: %s", c->x->statement_id, e.message);
	weir_db_rollback(md);
out:
	weir_db_release(md);
}

/* ---------------------------------------------------------------- statements the engine answers */

static json_t *uc_columns(const weir_wh_coldef *cols, int n)
{
	json_t *arr = json_array();
	for (int i = 0; i < n; i++) {
		const weir_wh_coldef *d = &cols[i];
		json_t *tj = json_pack("{s:s, s:s, s:b, s:{}}", "name", d->name, "type", d->type.json_type, "nullable",
				       d->nullable, "metadata");
		char *tjs = json_dumps(tj, JSON_COMPACT);
		json_decref(tj);
		json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:i, s:b}", "name", d->name, "type_text", d->type.type_text,
				      "type_name", d->type.type_name, "type_json", tjs, "position", i, "nullable",
				      d->nullable);
		free(tjs);
		if (strcmp(d->type.type_name, "DECIMAL") == 0) {
			json_object_set_new(c, "type_precision", json_integer(d->type.precision));
			json_object_set_new(c, "type_scale", json_integer(d->type.scale));
		}
		if (d->comment)
			json_object_set_new(c, "comment", json_string(d->comment));
		json_array_append_new(arr, c);
	}
	return arr;
}

/* Registers a MANAGED table through the catalog domain (CREATE TABLE on the schema), in one
 * metadata write with the audit row. Sets *table (resolved for the caller). 1: it existed
 * and IF NOT EXISTS was given. */
static int register_table(wh_ctx *c, weir_db_pool *pool, const weir_wh_ddl *d, const weir_wh_coldef *cols, int ncols,
			  weir_securable *table, weir_error *err)
{
	const char *full = full_name(c, d->parts, d->nparts, err);
	if (full == NULL)
		return -1;
	const char *p3[3];
	if (weir_gov_split_full_name(c->a, "statement", full, 3, p3, err) != 0)
		return -1;
	weir_db *md = weir_db_acquire(pool);
	int rc = -1;
	if (weir_db_begin_write(md, err) != 0)
		goto out;
	weir_securable schema;
	const char *sname = weir_arena_printf(c->a, "%s.%s", p3[0], p3[1]);
	if (weir_gov_resolve(md, c->a, c->p, WEIR_SEC_SCHEMA, sname, &schema, err) != 0)
		goto rollback;
	if (d->if_exists) {
		weir_error e2 = WEIR_ERROR_INIT;
		if (weir_gov_resolve(md, c->a, c->p, WEIR_SEC_TABLE, full, table, &e2) == 0) {
			rc = 1;
			goto rollback;
		}
	}
	if (weir_gov_check(md, c->p, WEIR_OP_CREATE_TABLE, &schema, err) != 0)
		goto rollback;
	json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "name", p3[2], "catalog_name", p3[0], "schema_name",
				 p3[1], "table_type", "MANAGED", "data_source_format", "DELTA", "columns",
				 uc_columns(cols, ncols));
	if (d->comment)
		json_object_set_new(body, "comment", json_string(d->comment));
	json_t *info = weir_catalog_create(md, c->a, c->p, WEIR_SEC_TABLE, &schema, body, err);
	json_decref(body);
	if (info == NULL)
		goto rollback;
	json_decref(info);
	if (weir_gov_resolve(md, c->a, c->p, WEIR_SEC_TABLE, full, table, err) != 0)
		goto rollback;
	if (weir_db_commit(md, err) != 0)
		goto out;
	rc = 0;
	goto out;
rollback:
	weir_db_rollback(md);
out:
	weir_db_release(md);
	return rc;
}

/* Drops a table through the catalog domain (the REST API's DELETE rule: owner or manager). */
static int drop_table(wh_ctx *c, weir_db_pool *pool, const weir_wh_ddl *d, weir_error *err)
{
	const char *full = full_name(c, d->parts, d->nparts, err);
	if (full == NULL)
		return -1;
	weir_db *md = weir_db_acquire(pool);
	int rc = -1;
	weir_securable s;
	if (weir_db_begin_write(md, err) != 0)
		goto out;
	if (weir_gov_resolve(md, c->a, c->p, WEIR_SEC_TABLE, full, &s, err) != 0) {
		if (d->if_exists && (err->code == WEIR_E_TABLE_NOT_FOUND || err->code == WEIR_E_SCHEMA_NOT_FOUND ||
				     err->code == WEIR_E_CATALOG_NOT_FOUND || err->code == WEIR_E_NOT_FOUND)) {
			weir_error_clear(err);
			rc = 0;
		}
		goto rollback;
	}
	c->target_full_name = s.full_name;
	if (weir_gov_check(md, c->p, WEIR_OP_DELETE, &s, err) != 0 ||
	    weir_catalog_delete(md, c->a, &s, false, err) != 0)
		goto rollback;
	if (weir_db_commit(md, err) != 0)
		goto out;
	remove_file(c->a, s.id);
	rc = 0;
	goto out;
rollback:
	weir_db_rollback(md);
out:
	weir_db_release(md);
	return rc;
}

/* Deletes a table this statement registered (CTAS whose query failed). */
static void unregister_table(wh_ctx *c, weir_db_pool *pool, const weir_securable *s)
{
	weir_db *md = weir_db_acquire(pool);
	weir_error e = WEIR_ERROR_INIT;
	if (weir_db_begin_write(md, &e) == 0) {
		if (weir_catalog_delete(md, c->a, s, true, &e) == 0)
			weir_db_commit(md, &e);
		else
			weir_db_rollback(md);
	}
	weir_db_release(md);
	remove_file(c->a, s->id);
}

/* Resolves the references, makes sure their files exist, rewrites the text. */
static const char *prepare_refs(wh_ctx *c, weir_db_pool *pool, const char *sql, const weir_wh_scan *sc, weir_error *err)
{
	const char **aliases = weir_arena_alloc(c->a, (size_t)(sc->nrefs + 1) * sizeof(*aliases));
	weir_db *md = weir_db_acquire(pool);
	int rc = 0;
	for (int i = 0; i < sc->nrefs && rc == 0; i++) {
		if (strncasecmp(sc->refs[i].parts[sc->refs[i].nparts - 1], "sqlite_", 7) == 0) {
			weir_error_set(err, WEIR_E_PERMISSION_DENIED, "SQLite's internal tables are not readable");
			rc = -1;
			break;
		}
		const char *full = full_name(c, sc->refs[i].parts, sc->refs[i].nparts, err);
		wh_table *t = full ? add_table(c, md, full, err) : NULL;
		if (t == NULL) {
			rc = -1;
			break;
		}
		aliases[i] = t->alias;
		if (sc->refs[i].role == WEIR_WH_REF_WRITE)
			c->target_full_name = t->sec.full_name;
	}
	weir_db_release(md);
	for (int i = 0; i < c->nt && rc == 0; i++)
		rc = ensure_file(c->a, c->t[i].sec.id, c->t[i].columns, err);
	if (rc != 0)
		return NULL;
	return weir_wh_rewrite(c->a, sql, sc->refs, sc->nrefs, aliases);
}

static void run_sql(wh_ctx *c, weir_db_pool *pool, const char *sql, const weir_wh_scan *sc, weir_wh_outcome *o)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *text = prepare_refs(c, pool, sql, sc, &e);
	if (text == NULL) {
		fail_err(o, &e);
		return;
	}
	sqlite3 *db = open_conn(c, &e);
	if (db == NULL) {
		fail_err(o, &e);
		return;
	}
	if ((text = weir_wh__read_files(pool, c->a, c->p, db, text, &c->nrf, &e)) == NULL) {
		fail_err(o, &e);
		close_conn(c, db);
		return;
	}
	sqlite3_stmt *st = prepare_user(c, db, text, o);
	if (st) {
		if (sc->kind == WEIR_WH_KIND_DML || !sqlite3_stmt_readonly(st))
			run_dml(c, db, st,
				strcasecmp(sc->first_word, "INSERT") == 0 || strcasecmp(sc->first_word, "REPLACE") == 0,
				o);
		else
			run_query(c, db, st, o);
	}
	sqlite3_finalize(st);
	close_conn(c, db);
}

/* CREATE TABLE ... AS <query>: the query's columns give the table's; the table is
 * registered, its file made, and the rows inserted; if the insert fails the table goes. */
static void run_ctas(wh_ctx *c, weir_db_pool *pool, const char *sql, const weir_wh_ddl *d, weir_wh_outcome *o)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *query = sql + d->as_query;
	weir_wh_scan sc;
	if (weir_wh_scan_refs(c->a, query, &sc, &e) != 0) {
		fail_err(o, &e);
		return;
	}
	if (sc.kind != WEIR_WH_KIND_QUERY) {
		fail(o, "BAD_REQUEST", "CREATE TABLE ... AS needs a query (SELECT, WITH or VALUES)");
		return;
	}
	const char *text = prepare_refs(c, pool, query, &sc, &e);
	if (text == NULL) {
		fail_err(o, &e);
		return;
	}
	/* the query's columns, from a first step */
	sqlite3 *db = open_conn(c, &e);
	if (db == NULL) {
		fail_err(o, &e);
		return;
	}
	const char *qtext = weir_wh__read_files(pool, c->a, c->p, db, text, &c->nrf, &e);
	if (qtext == NULL) {
		fail_err(o, &e);
		close_conn(c, db);
		return;
	}
	sqlite3_stmt *st = prepare_user(c, db, qtext, o);
	if (st == NULL) {
		close_conn(c, db);
		return;
	}
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		step_failed(c, db, rc, o);
		sqlite3_finalize(st);
		close_conn(c, db);
		return;
	}
	int ncol = sqlite3_column_count(st);
	weir_wh_coldef *cols = weir_arena_calloc(c->a, (size_t)(ncol > 0 ? ncol : 1) * sizeof(*cols));
	for (int i = 0; i < ncol; i++) {
		const char *name = sqlite3_column_name(st, i);
		cols[i].name = weir_arena_strdup(c->a, name ? name : "");
		cols[i].nullable = true;
		weir_wh_type_from_decl(sqlite3_column_decltype(st, i),
				       rc == SQLITE_ROW ? sqlite3_column_type(st, i) : 0, &cols[i].type);
		for (int k = 0; k < i; k++)
			if (strcasecmp(cols[k].name, cols[i].name) == 0) {
				fail(o, "BAD_REQUEST", "The query has two columns named '%.128s': give them aliases",
				     cols[i].name);
				sqlite3_finalize(st);
				close_conn(c, db);
				return;
			}
	}
	sqlite3_finalize(st);
	close_conn(c, db);

	weir_securable table;
	int reg = register_table(c, pool, d, cols, ncol, &table, &e);
	if (reg < 0) {
		fail_err(o, &e);
		return;
	}
	if (reg == 1) { /* IF NOT EXISTS, and it exists */
		o->state = WEIR_WH_SUCCEEDED;
		return;
	}
	c->target_full_name = table.full_name;
	/* INSERT INTO the new table SELECT the query, as one more reference */
	weir_db *md = weir_db_acquire(pool);
	wh_table *t = add_table(c, md, table.full_name, &e);
	weir_db_release(md);
	if (t == NULL || ensure_file(c->a, t->sec.id, t->columns, &e) != 0) {
		fail_err(o, &e);
		unregister_table(c, pool, &table);
		return;
	}
	const char *ins = weir_arena_printf(c->a, "INSERT INTO \"%s\".%s %s", t->alias, WEIR_WH_FILE_TABLE, text);
	db = open_conn(c, &e);
	if (db == NULL || (ins = weir_wh__read_files(pool, c->a, c->p, db, ins, &c->nrf, &e)) == NULL) {
		fail_err(o, &e);
		close_conn(c, db);
		unregister_table(c, pool, &table);
		return;
	}
	st = prepare_user(c, db, ins, o);
	if (st)
		run_dml(c, db, st, true, o);
	sqlite3_finalize(st);
	close_conn(c, db);
	if (o->state != WEIR_WH_SUCCEEDED) {
		unregister_table(c, pool, &table);
		return;
	}
	/* Databricks answers CTAS with num_affected_rows and num_inserted_rows too */
}

void weir_wh_execute(weir_db_pool *pool, const weir_wh_exec *x, weir_wh_outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->state = WEIR_WH_FAILED;
	wh_ctx *c = calloc(1, sizeof(*c));
	c->a = weir_arena_new(8192);
	c->x = x;
	weir_error e = WEIR_ERROR_INIT;
	weir_db *md = weir_db_acquire(pool);
	c->p = weir_gov_principal_load(md, c->a, x->principal_id, x->workspace_id, &e);
	weir_db_release(md);
	if (c->p == NULL) {
		fail_err(o, &e);
		goto out;
	}
	weir_wh_scan sc;
	if (weir_wh_scan_refs(c->a, x->statement, &sc, &e) != 0) {
		fail_err(o, &e);
		goto record;
	}
	switch (sc.kind) {
	case WEIR_WH_KIND_QUERY:
	case WEIR_WH_KIND_DML: run_sql(c, pool, x->statement, &sc, o); break;
	case WEIR_WH_KIND_CREATE_TABLE:
	case WEIR_WH_KIND_DROP_TABLE: {
		weir_wh_ddl d;
		if (weir_wh_parse_ddl(c->a, x->statement, sc.kind, &d, &e) != 0) {
			fail_err(o, &e);
			break;
		}
		if (sc.kind == WEIR_WH_KIND_DROP_TABLE) {
			if (drop_table(c, pool, &d, &e) != 0)
				fail_err(o, &e);
			else
				o->state = WEIR_WH_SUCCEEDED;
		} else if (d.as_query) {
			run_ctas(c, pool, x->statement, &d, o);
		} else {
			weir_securable table;
			int reg = register_table(c, pool, &d, d.cols, d.ncols, &table, &e);
			if (reg < 0) {
				fail_err(o, &e);
			} else {
				c->target_full_name = table.full_name;
				json_t *cols = uc_columns(d.cols, d.ncols);
				if (reg == 0 && ensure_file(c->a, table.id, cols, &e) != 0)
					fail_err(o, &e);
				else
					o->state = WEIR_WH_SUCCEEDED;
				json_decref(cols);
			}
		}
		break;
	}
	default:
		/* VACUUM has no authorizer action (and VACUUM INTO writes a file): refused here.
		 * Everything else goes to SQLite with no table attached: its parser reports bad SQL,
		 * the authorizer refuses ATTACH, PRAGMA, CREATE INDEX/VIEW/TRIGGER, ... */
		if (strcmp(sc.first_word, "VACUUM") == 0)
			fail(o, "PERMISSION_DENIED", "VACUUM is not allowed");
		else
			run_sql(c, pool, x->statement, &sc, o);
	}
	if (o->state == WEIR_WH_SUCCEEDED && o->columns == NULL) {
		o->columns = json_array();
		o->rows = json_array();
	}
record:
	record(c, pool, o);
out:
	weir_arena_free(c->a);
	free(c);
}
