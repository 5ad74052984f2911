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
 * progress handler that enforces the deadline and cancel. CREATE TABLE, CTAS, DROP TABLE
 * and CREATE VIEW go through the catalog domain (the same securable the REST API makes); the
 * other catalog statements are warehouse/wh_catalog.c's. At the end, one write transaction on
 * the metadata store: table and column lineage edges and the audit row.
 *
 * What a reference becomes: a table, "wN".t; a table with a row filter or column masks, a
 * subquery applying them (guard()); a view, its definition in parentheses with its own
 * references resolved as the view's owner (ref_text(): the reader needs SELECT on the view
 * only); a system table (system.<schema>.<table>), an in-memory database of rows built by
 * warehouse/wh_system.c and loaded when the connection opens. Column lineage comes from a
 * probe over empty stand-ins (column_lineage(), which says its method and limits). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
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
#include "governance/policies.h"
#include "lineage/lineage.h"
#include "warehouse/sql.h"
#include "warehouse/history.h"
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
	int64_t as_id; /* whose rights it is read with: the caller, or a view's owner */
	const char *guarded; /* a row filter or column masks: what a read of it becomes; else NULL */
	weir_wh_systab sys; /* a system table (sec.id is NULL): its columns and rows */
	int view; /* the view (index in wh_ctx.v) it is read through; -1: named by the statement */
	bool can_read, can_write;
	bool read, written; /* what the statement did (the authorizer saw) */
} wh_table;

/* A view the statement reads: replaced by its definition, run with its owner's rights. */
typedef struct wh_view {
	weir_securable sec;
	json_t *columns; /* UC columns */
	bool top; /* named by the statement itself (a lineage source), not by another view */
} wh_view;

#define MAX_VIEW_DEPTH 8

/* One column edge: source node (a table or view) and column -> the target column. */
typedef struct wh_coledge {
	const char *src_id, *src_name, *src_col, *dst_col, *subtype;
} wh_coledge;

typedef struct wh_ctx {
	weir_arena *a;
	const weir_wh_exec *x;
	weir_principal *p;
	wh_table t[MAX_TABLES];
	int nt;
	wh_view v[MAX_TABLES];
	int nv;
	const weir_securable *dst_view; /* CREATE VIEW: the view, the target of lineage edges */
	const char **groups; /* the caller's groups (names), for is_account_group_member() */
	int ngroups;
	const char *first_word; /* INSERT, UPDATE, ... */
	int sys_ok; /* may the caller read system tables: -1 not asked yet, 0, 1 */
	bool ask_groups; /* a view read calls is_account_group_member() or is_member() */
	struct wh_coledge *ce; /* column lineage found by the probe (column_lineage) */
	int nce, cap_ce;
	/* the probe's reads (authorizer SQLITE_READ): alias and column, in order */
	const char **rd_db, **rd_col;
	int nrd, cap_rd;
	bool probing;
	bool user_sql; /* the authorizer applies (false while the engine runs its own SQL) */
	char deny_code[48];
	char deny[400];
	bool timed_out;
	const char *target_full_name; /* for the audit row */
	int nrf; /* read_files(...) calls materialised as temp.weir_rfN (read_files_engine.c) */
	weir_securable rfv[WEIR_WH_RF_MAX_CALLS]; /* the volume each call read: lineage sources */
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
	else if (code == WEIR_E_ALREADY_EXISTS && e->obj == WEIR_OBJ_CATALOG)
		code = WEIR_E_CATALOG_ALREADY_EXISTS;
	else if (code == WEIR_E_ALREADY_EXISTS && e->obj == WEIR_OBJ_SCHEMA)
		code = WEIR_E_SCHEMA_ALREADY_EXISTS;
	else if (code == WEIR_E_ALREADY_EXISTS && e->obj == WEIR_OBJ_TABLE)
		code = WEIR_E_TABLE_ALREADY_EXISTS;
	else if (code == WEIR_E_ALREADY_EXISTS && e->obj == WEIR_OBJ_POLICY)
		code = WEIR_E_POLICY_ALREADY_EXISTS;
	else if (code == WEIR_E_NOT_FOUND && e->obj == WEIR_OBJ_POLICY)
		code = WEIR_E_POLICY_NOT_FOUND;
	fail(o, weir_code_name(code), "%s", e->message);
}

void weir_wh__fail(weir_wh_outcome *o, const char *code, const char *fmt, ...)
{
	o->state = WEIR_WH_FAILED;
	snprintf(o->error_code, sizeof(o->error_code), "%s", code);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->message, sizeof(o->message), fmt, ap);
	va_end(ap);
}

void weir_wh__fail_err(weir_wh_outcome *o, const weir_error *e) { fail_err(o, e); }

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

/* The column-lineage probe (column_lineage below): the statement's query prepared (never
 * run) over empty stand-in tables; each column a result expression reads is one SQLITE_READ. */
static int probe_authorizer(wh_ctx *c, int action, const char *a1, const char *a2, const char *db)
{
	(void)a1;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_RECURSIVE:
	case SQLITE_FUNCTION: return SQLITE_OK;
	case SQLITE_READ:
		if (db && a2 && *a2 && (db[0] == 'w' || db[0] == 'v')) {
			if (c->nrd == c->cap_rd) {
				int cap = c->cap_rd ? c->cap_rd * 2 : 32;
				const char **nd = weir_arena_alloc(c->a, (size_t)cap * sizeof(*nd));
				const char **nc = weir_arena_alloc(c->a, (size_t)cap * sizeof(*nc));
				if (c->nrd) {
					memcpy(nd, c->rd_db, (size_t)c->nrd * sizeof(*nd));
					memcpy(nc, c->rd_col, (size_t)c->nrd * sizeof(*nc));
				}
				c->rd_db = nd;
				c->rd_col = nc;
				c->cap_rd = cap;
			}
			c->rd_db[c->nrd] = weir_arena_strdup(c->a, db);
			c->rd_col[c->nrd++] = weir_arena_strdup(c->a, a2);
		}
		return SQLITE_OK;
	default: return SQLITE_DENY;
	}
}

static int authorizer(void *arg, int action, const char *a1, const char *a2, const char *db, const char *trigger)
{
	(void)trigger;
	wh_ctx *c = arg;
	if (c->probing)
		return probe_authorizer(c, action, a1, a2, db);
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
			if (t->view >= 0)
				deny(c, "PERMISSION_DENIED",
				     "The owner of View '%s' does not have SELECT on one of the tables it reads",
				     c->v[t->view].sec.full_name);
			else
				deny(c, "PERMISSION_DENIED", "User does not have SELECT on Table '%s'",
				     t->sec.full_name);
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
		/* ARRAY, MAP and STRUCT (from SQL or the REST API): JSON text of that shape */
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
		weir_wh_append_coldef(&b, name, &ty, json_is_false(json_object_get(col, "nullable")));
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

static void kept_invalidate(bool close_all);

int weir_wh__file_alter_add(void *conn, weir_arena *a, const weir_wh_coldef *cols, int n)
{
	/* a kept connection would prepare over the file's old schema (SQLite re-reads a changed
	 * schema when a statement steps, not when it is prepared) */
	kept_invalidate(false);
	int rc = SQLITE_OK;
	for (int i = 0; i < n && rc == SQLITE_OK; i++) {
		weir_buf b = {0};
		weir_buf_appendf(&b, "ALTER TABLE %s ADD COLUMN ", WEIR_WH_FILE_TABLE);
		weir_wh_append_coldef(&b, cols[i].name, &cols[i].type, false);
		char *sql = weir_arena_strndup(a, b.data, b.len);
		weir_buf_release(&b);
		rc = sqlite3_exec(conn, sql, NULL, NULL, NULL);
	}
	return rc;
}

int weir_wh__file_add_columns(weir_arena *a, const char *table_id, const weir_wh_coldef *cols, int n, weir_error *err)
{
	const char *path = weir_wh__table_path(a, table_id);
	if (access(path, F_OK) != 0)
		return 0; /* made from the catalog's columns on first use */
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db, 10000);
		rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		rc = weir_wh__file_alter_add(db, a, cols, n);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		weir_log_error("warehouse: adding columns to the file of table %s: %s", table_id,
			       db ? sqlite3_errmsg(db) : "cannot open");
	sqlite3_close(db); /* an open transaction rolls back */
	if (rc != SQLITE_OK)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "The table's data file cannot be changed");
	return 0;
}

/* ---------------------------------------------------------------- anchors
 *
 * A statement opens its tables' files on a connection of its own and closes them at its end.
 * When the last connection to a WAL file closes, SQLite checkpoints it, deletes the -wal and
 * unmaps the -shm, and the next statement creates and maps them again: measured, 2 ms of
 * server CPU per primary-key lookup, a quarter of it in ext4 inode creation and the TLB
 * shootdowns of munmap (perf, 2026-12-02). An anchor is one read-only connection per
 * recently used table file, kept open with its WAL and shared memory mapped; SQLite shares
 * both between the connections of one process (one inode, one shm node), so a statement's
 * ATTACH finds them open. LRU over WH_ANCHORS files; dropped with the table's file. */
#define WH_ANCHORS 64

static struct {
	char id[64];
	sqlite3 *db;
	uint64_t used;
} anchors[WH_ANCHORS];
static pthread_mutex_t anchors_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t anchors_clock;

static void anchor(const char *table_id, const char *path)
{
	if (strlen(table_id) >= sizeof(anchors[0].id))
		return;
	pthread_mutex_lock(&anchors_mu);
	int slot = 0;
	for (int i = 0; i < WH_ANCHORS; i++) {
		if (anchors[i].db && strcmp(anchors[i].id, table_id) == 0) {
			anchors[i].used = ++anchors_clock;
			pthread_mutex_unlock(&anchors_mu);
			return;
		}
		if (anchors[i].used < anchors[slot].used)
			slot = i;
	}
	sqlite3_close_v2(anchors[slot].db); /* the least recently used, or an empty slot */
	anchors[slot].db = NULL;
	anchors[slot].used = 0;
	sqlite3 *db = NULL;
	/* a read opens the WAL and maps the shared memory; the connection keeps both */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK &&
	    sqlite3_exec(db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL) == SQLITE_OK) {
		snprintf(anchors[slot].id, sizeof(anchors[slot].id), "%s", table_id);
		anchors[slot].db = db;
		anchors[slot].used = ++anchors_clock;
	} else {
		sqlite3_close_v2(db);
	}
	pthread_mutex_unlock(&anchors_mu);
}

/* ---------------------------------------------------------------- tables' Info objects */

/* The parsed TableInfo of recently read tables, keyed by the Info's own text: a statement
 * still writes the Info from the catalog in its snapshot (weir_catalog_get_text, as before),
 * and reuses the parsed tree when that text is byte for byte the one parsed last time for the
 * same table (so a change of columns, masks, row filter, type or anything else in the Info is
 * a different text and is parsed again: no invalidation to forget). Parsing the text was a
 * fifth of a primary-key lookup's instructions. The trees are shared read-only between
 * executor threads (jansson's reference counts are atomic here: JSON_HAVE_ATOMIC_BUILTINS);
 * each holder owns one reference. LRU over WH_INFOS tables; emptied when the warehouse
 * stops. */
#define WH_INFOS 64

static struct {
	char id[64];
	char *text; /* malloc'd */
	size_t len;
	json_t *info; /* one reference */
	uint64_t used;
} infos[WH_INFOS];
static pthread_mutex_t infos_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t infos_clock;

/* The Info of table s (columns included, properties omitted) as weir_catalog_get answers it;
 * a new reference to a tree that must not be changed. */
static json_t *table_info(weir_db *md, weir_arena *a, const weir_securable *s, weir_error *err)
{
	size_t len = 0;
	char *text = weir_catalog_get_text(md, a, s, false, true, &len, err);
	if (text == NULL)
		return NULL;
	if (strlen(s->id) >= sizeof(infos[0].id))
		return weir_json_from_text(text, len, err);
	pthread_mutex_lock(&infos_mu);
	for (int i = 0; i < WH_INFOS; i++) {
		if (infos[i].info && strcmp(infos[i].id, s->id) == 0 && infos[i].len == len &&
		    memcmp(infos[i].text, text, len) == 0) {
			json_t *j = json_incref(infos[i].info);
			infos[i].used = ++infos_clock;
			pthread_mutex_unlock(&infos_mu);
			free(text);
			return j;
		}
	}
	pthread_mutex_unlock(&infos_mu);
	json_t *j = json_loadb(text, len, 0, NULL);
	if (j == NULL) { /* our own writer's text: never happens */
		free(text);
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "internal error"), NULL;
	}
	pthread_mutex_lock(&infos_mu);
	int slot = 0;
	for (int i = 0; i < WH_INFOS; i++) {
		if (infos[i].info && strcmp(infos[i].id, s->id) == 0) { /* its older text */
			slot = i;
			break;
		}
		if (infos[i].used < infos[slot].used)
			slot = i; /* the least recently used, or an empty slot */
	}
	json_decref(infos[slot].info);
	free(infos[slot].text);
	snprintf(infos[slot].id, sizeof(infos[slot].id), "%s", s->id);
	infos[slot].text = text;
	infos[slot].len = len;
	infos[slot].info = json_incref(j);
	infos[slot].used = ++infos_clock;
	pthread_mutex_unlock(&infos_mu);
	return j;
}

static void infos_clear(void)
{
	pthread_mutex_lock(&infos_mu);
	for (int i = 0; i < WH_INFOS; i++) {
		json_decref(infos[i].info);
		free(infos[i].text);
		infos[i].info = NULL;
		infos[i].text = NULL;
		infos[i].len = 0;
		infos[i].used = 0;
	}
	pthread_mutex_unlock(&infos_mu);
}

void weir_wh__anchor_drop(const char *table_id)
{
	kept_invalidate(table_id == NULL);
	if (table_id == NULL)
		infos_clear();
	pthread_mutex_lock(&anchors_mu);
	for (int i = 0; i < WH_ANCHORS; i++) {
		if (anchors[i].db && (table_id == NULL || strcmp(anchors[i].id, table_id) == 0)) {
			sqlite3_close_v2(anchors[i].db);
			anchors[i].db = NULL;
			anchors[i].used = 0;
		}
	}
	pthread_mutex_unlock(&anchors_mu);
}

void weir_wh__table_remove(weir_arena *a, const char *table_id)
{
	weir_wh__anchor_drop(table_id);
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

/* A row filter's or mask's function applied to arguments (SQL text each: a column of the
 * table read, alias "__b", or a literal): its SQL body with its parameters replaced. The
 * function is found whoever reads (it runs as its definer: the reader needs no EXECUTE); a
 * missing or unusable one fails the read (closed). */
static const char *guard_fn(wh_ctx *c, weir_db *md, const char *table, const char *fname, const char **args,
			    size_t nargs, weir_error *err)
{
	weir_securable fs;
	json_t *fi = NULL;
	if (fname == NULL ||
	    weir_gov_resolve_ex(md, c->a, c->p, WEIR_SEC_FUNCTION, fname,
				WEIR_RESOLVE_NO_VISIBILITY | WEIR_RESOLVE_IGNORE_ISOLATION, &fs, err) != 0 ||
	    (fi = weir_catalog_get(md, c->a, &fs, true, true, err)) == NULL) {
		weir_error_clear(err);
		return weir_error_set(
			       err, WEIR_E_PERMISSION_DENIED,
			       "The row filter or column mask of Table '%s' names a function that no longer exists",
			       table),
		       NULL;
	}
	weir_json_own(c->a, fi);
	const char *body = json_string_value(json_object_get(fi, "routine_definition"));
	json_t *params = json_object_get(json_object_get(fi, "input_params"), "parameters");
	size_t np = json_array_size(params);
	const char *rb = json_string_value(json_object_get(fi, "routine_body"));
	if (body == NULL || rb == NULL || strcmp(rb, "SQL") != 0 || np != nargs)
		return weir_error_set(err, WEIR_E_PERMISSION_DENIED,
				      "The row filter or column mask of Table '%s' cannot be applied (its function "
				      "changed)",
				      table),
		       NULL;
	const char **names = weir_arena_alloc(c->a, (np + 1) * sizeof(*names));
	for (size_t i = 0; i < np; i++) {
		names[i] = json_string_value(json_object_get(json_array_get(params, i), "name"));
		if (names[i] == NULL)
			names[i] = "";
	}
	const char *out;
	if (weir_wh_subst_params(c->a, body, names, args, (int)np, &out, err) != 0)
		return NULL;
	return weir_arena_printf(c->a, "(%s)", out);
}

/* A column of the table read, as a function argument. */
static const char *guard_col(wh_ctx *c, const char *col)
{
	weir_buf b = {0};
	weir_buf_append(&b, "\"__b\".", 6);
	weir_wh_append_ident(&b, col ? col : "");
	const char *out = weir_arena_strndup(c->a, b.data, b.len);
	weir_buf_release(&b);
	return out;
}

/* The table's own row filter (first_col NULL) or a column's own mask: its spec's columns. */
static const char *guard_call(wh_ctx *c, weir_db *md, const char *table, json_t *spec, const char *first_col,
			      weir_error *err)
{
	json_t *cols = json_object_get(spec, first_col ? "using_column_names" : "input_column_names");
	size_t n = json_array_size(cols) + (first_col ? 1 : 0);
	const char **args = weir_arena_alloc(c->a, (n + 1) * sizeof(*args));
	for (size_t i = 0; i < n; i++)
		args[i] = guard_col(c, first_col && i == 0
					       ? first_col
					       : json_string_value(json_array_get(cols, first_col ? i - 1 : i)));
	return guard_fn(c, md, table, json_string_value(json_object_get(spec, "function_name")), args, n, err);
}

/* An ABAC policy's row filter or mask: its arguments, columns or constants (a number as
 * such, anything else a string literal). */
static const char *guard_policy(wh_ctx *c, weir_db *md, const char *table, const weir_policy_use *u, weir_error *err)
{
	size_t n = (size_t)u->nargs + (u->column ? 1 : 0), k = 0;
	const char **args = weir_arena_alloc(c->a, (n + 1) * sizeof(*args));
	if (u->column)
		args[k++] = guard_col(c, u->column);
	for (int i = 0; i < u->nargs; i++) {
		const weir_policy_arg *a = &u->args[i];
		if (a->column) {
			args[k++] = guard_col(c, a->column);
			continue;
		}
		const char *v = a->constant ? a->constant : "";
		size_t digits = strspn(v + (*v == '-'), "0123456789");
		bool number = digits > 0 && digits < 19 && v[(*v == '-') + digits] == '\0';
		weir_buf b = {0};
		if (number) {
			weir_buf_append(&b, v, strlen(v));
		} else {
			weir_buf_append(&b, "'", 1);
			for (const char *p = v; *p; p++) /* a quote doubled */
				weir_buf_append(&b, *p == '\'' ? "''" : p, *p == '\'' ? 2 : 1);
			weir_buf_append(&b, "'", 1);
		}
		args[k++] = weir_arena_strndup(c->a, b.data, b.len);
		weir_buf_release(&b);
	}
	return guard_fn(c, md, table, u->function_name, args, n, err);
}

/* What a read of table t becomes when it has a row filter or column masks, its own (Unity
 * Catalog's: every reader, its owner and admins included; the functions decide who is
 * exempt) or those of the ABAC policies that apply to the statement's caller (governance/policies.c;
 * the caller's, also through a view another principal owns, as current_user() is the caller's):
 * (SELECT <columns, masked> FROM "wN".t AS "__b" WHERE <filter>). At most one row filter and
 * one mask per column may apply: more fails the read, naming them. NULL (no error) when none
 * applies. */
static const char *guard(wh_ctx *c, weir_db *md, wh_table *t, json_t *info, weir_error *err)
{
	weir_policy_use *uses = NULL;
	int nuses = 0;
	if (weir_policies_for_table(md, c->a, c->p, &t->sec, t->columns, &uses, &nuses, err) != 0)
		return NULL;
	json_t *rf = json_object_get(info, "row_filter");
	const weir_policy_use *prf = NULL;
	for (int k = 0; k < nuses; k++) {
		if (uses[k].column)
			continue;
		if (rf || prf)
			return weir_error_set(err, WEIR_E_PERMISSION_DENIED,
					      "More than one row filter applies to Table '%s' for this reader (%s%s "
					      "and policy '%s'): at most one may",
					      t->sec.full_name, prf ? "policy '" : "its own row filter",
					      prf ? weir_arena_printf(c->a, "%s'", prf->policy) : "", uses[k].policy),
			       NULL;
		prf = &uses[k];
	}
	bool masked = nuses > (prf ? 1 : 0);
	size_t i;
	json_t *col;
	json_array_foreach (t->columns, i, col)
		masked |= json_object_get(col, "mask") != NULL;
	if (rf == NULL && prf == NULL && !masked)
		return NULL;
	weir_buf b = {0};
	weir_buf_append(&b, "(SELECT ", 8);
	json_array_foreach (t->columns, i, col) {
		const char *name = json_string_value(json_object_get(col, "name"));
		json_t *mask = json_object_get(col, "mask");
		const weir_policy_use *pm = NULL;
		for (int k = 0; k < nuses; k++) {
			if (uses[k].column == NULL || name == NULL || strcasecmp(uses[k].column, name) != 0)
				continue;
			if (mask || pm) {
				weir_buf_release(&b);
				return weir_error_set(
					       err, WEIR_E_PERMISSION_DENIED,
					       "More than one mask applies to column '%s' of Table '%s' for this "
					       "reader (%s%s and policy '%s'): at most one may",
					       name, t->sec.full_name, pm ? "policy '" : "its own mask",
					       pm ? weir_arena_printf(c->a, "%s'", pm->policy) : "", uses[k].policy),
				       NULL;
			}
			pm = &uses[k];
		}
		if (i)
			weir_buf_append(&b, ", ", 2);
		if (mask || pm) {
			const char *call = pm ? guard_policy(c, md, t->sec.full_name, pm, err)
					      : guard_call(c, md, t->sec.full_name, mask, name, err);
			if (call == NULL) {
				weir_buf_release(&b);
				return NULL;
			}
			weir_buf_append(&b, call, strlen(call));
			weir_buf_append(&b, " AS ", 4);
		} else {
			weir_buf_append(&b, "\"__b\".", 6);
		}
		weir_wh_append_ident(&b, name ? name : "");
	}
	weir_buf_appendf(&b, " FROM \"%s\".%s AS \"__b\"", t->alias, WEIR_WH_FILE_TABLE);
	if (rf || prf) {
		const char *call = prf ? guard_policy(c, md, t->sec.full_name, prf, err)
				       : guard_call(c, md, t->sec.full_name, rf, NULL, err);
		if (call == NULL) {
			weir_buf_release(&b);
			return NULL;
		}
		weir_buf_appendf(&b, " WHERE coalesce(%s, 0)", call);
	}
	weir_buf_append(&b, ")", 1);
	const char *text = weir_arena_strndup(c->a, b.data, b.len);
	weir_buf_release(&b);
	return text;
}

/* Resolves a table for principal `as` (the caller, or a view's owner); adds it (once per
 * principal) to the statement's tables. A view is answered in *view (and not added). */
static wh_table *add_table_as(wh_ctx *c, weir_db *md, const weir_principal *as, const char *full, int via,
			      json_t **view_info, weir_securable *view, weir_error *err)
{
	weir_securable s;
	if (view_info)
		*view_info = NULL;
	if (weir_gov_resolve(md, c->a, as, WEIR_SEC_TABLE, full, &s, err) != 0)
		return NULL;
	/* once per principal, and apart for what the statement names itself (a lineage source,
	 * writable) and what a view reads */
	for (int i = 0; i < c->nt; i++)
		if (c->t[i].sec.id && strcmp(c->t[i].sec.id, s.id) == 0 && c->t[i].as_id == as->id &&
		    (c->t[i].view < 0) == (via < 0))
			return &c->t[i];
	if (c->nt == MAX_TABLES) {
		weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE, "A statement may name at most %d tables",
			       MAX_TABLES);
		return NULL;
	}
	json_t *info = table_info(md, c->a, &s, err); /* shared: read only */
	if (info == NULL)
		return NULL;
	weir_json_own(c->a, info);
	const char *type = json_string_value(json_object_get(info, "table_type"));
	if (type && strcmp(type, "VIEW") == 0 && view_info) {
		*view_info = info;
		*view = s;
		return NULL;
	}
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
	t->as_id = as->id;
	t->view = via;
	t->can_read = weir_gov_allowed(md, as, WEIR_OP_READ_DATA, &t->sec);
	t->can_write = via < 0 && weir_gov_allowed(md, as, WEIR_OP_WRITE_DATA, &t->sec);
	c->nt++;
	weir_error_clear(err);
	t->guarded = guard(c, md, t, info, err);
	if (t->guarded == NULL && err->code != WEIR_OK)
		return NULL;
	return t;
}

static wh_table *add_table(wh_ctx *c, weir_db *md, const char *full, weir_error *err)
{
	return add_table_as(c, md, c->p, full, -1, NULL, NULL, err);
}

static const char *quoted_alias(wh_ctx *c, const wh_table *t)
{
	return weir_arena_printf(c->a, "\"%s\".%s", t->alias, WEIR_WH_FILE_TABLE);
}

/* The caller's groups by name, for is_account_group_member() and the system tables' rule:
 * read once per statement, and only when something may ask (a principal's closure can be long). */
static void load_groups(wh_ctx *c, weir_db *md)
{
	if (c->groups)
		return;
	c->groups = weir_arena_alloc(c->a, (size_t)(c->p->nclosure + 1) * sizeof(*c->groups));
	for (int i = 0; i < c->p->nclosure; i++)
		if (c->p->closure[i] != c->p->id) {
			const char *g = weir_gov_principal_name(md, c->a, c->p->closure[i]);
			if (g)
				c->groups[c->ngroups++] = g;
		}
}

/* A system table (wh_system.c): its rows are loaded into an in-memory database attached
 * under its alias when the connection opens; read-only. */
static const char *system_ref(wh_ctx *c, weir_db *md, const weir_principal *as, const char *full, bool write, int via,
			      weir_error *err)
{
	const char *p3[3];
	if (weir_gov_split_full_name(c->a, "statement", full, 3, p3, err) != 0)
		return NULL;
	bool ok;
	if (as == c->p) {
		load_groups(c, md);
		if (c->sys_ok < 0)
			c->sys_ok = weir_wh__system_allowed(md, c->a, c->p, c->groups, c->ngroups);
		ok = c->sys_ok == 1;
	} else {
		ok = weir_wh__system_allowed(md, c->a, as, NULL, 0);
	}
	if (!ok)
		return weir_error_set(
			       err, WEIR_E_PERMISSION_DENIED,
			       "System tables are readable by admins and by those granted USE CATALOG and SELECT "
			       "on catalog 'system'"),
		       NULL;
	if (write)
		return weir_error_set(err, WEIR_E_PERMISSION_DENIED, "System tables are read-only"), NULL;
	const char *canon = weir_arena_printf(c->a, "system.%s.%s", p3[1], p3[2]);
	for (char *q = (char *)canon; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	for (int i = 0; i < c->nt; i++)
		if (c->t[i].sec.id == NULL && strcmp(c->t[i].sec.full_name, canon) == 0)
			return quoted_alias(c, &c->t[i]);
	if (c->nt == MAX_TABLES)
		return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE, "A statement may name at most %d tables",
				      MAX_TABLES),
		       NULL;
	wh_table *t = &c->t[c->nt];
	memset(t, 0, sizeof(*t));
	if (weir_wh__system_table(md, c->a, as, p3[1], p3[2], &t->sys, err) != 0)
		return NULL;
	weir_json_own(c->a, t->sys.rows);
	t->sec.full_name = canon;
	t->alias = weir_arena_printf(c->a, "w%d", c->nt + 1);
	t->as_id = as->id;
	t->view = via;
	t->can_read = true;
	c->nt++;
	return quoted_alias(c, t);
}

/* Whether the statement is a plain INSERT INTO (no OR REPLACE/IGNORE, no ON CONFLICT upsert):
 * the only write a table with a row filter or masks takes, since every other one reads or
 * removes rows the filter hides. */
static bool plain_insert(wh_ctx *c)
{
	weir_wh_tok *t;
	int n;
	weir_error e = WEIR_ERROR_INIT;
	if (weir_wh_tokenize(c->a, c->x->statement, &t, &n, &e) != 0 || n < 2 || !weir_wh_tok_is(&t[0], "INSERT") ||
	    !weir_wh_tok_is(&t[1], "INTO"))
		return false;
	for (int i = 2; i < n; i++)
		if (weir_wh_tok_is(&t[i], "CONFLICT"))
			return false;
	return true;
}

/* The text a reference becomes: "wN".t for a table; for a view, its definition in
 * parentheses with its own references resolved as the view's owner (a view runs with its
 * owner's rights: the reader needs SELECT on the view only). */
static const char *ref_text(wh_ctx *c, weir_db *md, const weir_principal *as, const char *full, bool write, int via,
			    int depth, weir_error *err)
{
	if (strncasecmp(full, "system.", 7) == 0)
		return system_ref(c, md, as, full, write, via, err);
	json_t *vinfo = NULL;
	weir_securable vs;
	wh_table *t = add_table_as(c, md, as, full, via, &vinfo, &vs, err);
	if (t && t->guarded && write && !plain_insert(c))
		return weir_error_set(err, WEIR_E_PERMISSION_DENIED,
				      "Table '%s' has a row filter or column masks: it can be read and inserted into "
				      "(INSERT INTO, no upsert), not updated or deleted from here",
				      t->sec.full_name),
		       NULL;
	if (t)
		return t->guarded && !write ? t->guarded : quoted_alias(c, t);
	if (vinfo == NULL)
		return NULL;
	if (write)
		return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE,
				      "[EXPECT_TABLE_NOT_VIEW] '%.300s' is a view: a view cannot be written",
				      vs.full_name),
		       NULL;
	if (depth >= MAX_VIEW_DEPTH)
		return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE, "Views nest more than %d deep",
				      MAX_VIEW_DEPTH),
		       NULL;
	if (!weir_gov_allowed(md, as, WEIR_OP_READ_DATA, &vs)) {
		if (via >= 0)
			return weir_error_set(
				       err, WEIR_E_PERMISSION_DENIED,
				       "The owner of View '%s' does not have SELECT on one of the views it reads",
				       c->v[via].sec.full_name),
			       NULL;
		return weir_error_set(err, WEIR_E_PERMISSION_DENIED, "User does not have SELECT on View '%s'",
				      vs.full_name),
		       NULL;
	}
	if (c->nv == MAX_TABLES)
		return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE, "A statement may read at most %d views",
				      MAX_TABLES),
		       NULL;
	int vi = c->nv++;
	c->v[vi].sec = vs;
	c->v[vi].columns = json_object_get(vinfo, "columns");
	c->v[vi].top = via < 0;
	const char *def = json_string_value(json_object_get(vinfo, "view_definition"));
	if (def && strcasestr(def, "member"))
		c->ask_groups = true;
	weir_principal *owner = weir_gov_principal_load(md, c->a, vs.chain[0].owner_id, c->x->workspace_id, err);
	if (owner == NULL)
		return weir_error_set(err, WEIR_E_PERMISSION_DENIED,
				      "The owner of View '%s' cannot run it (the principal is inactive)", vs.full_name),
		       NULL;
	weir_wh_scan sc;
	if (def == NULL || weir_wh_scan_refs(c->a, def, &sc, err) != 0 || sc.kind != WEIR_WH_KIND_QUERY)
		return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE,
				      "View '%s' has a definition this warehouse cannot run", vs.full_name),
		       NULL;
	const char **repl = weir_arena_alloc(c->a, (size_t)(sc.nrefs + 1) * sizeof(*repl));
	for (int i = 0; i < sc.nrefs; i++) {
		const weir_wh_ref *r = &sc.refs[i];
		/* the stored definition names everything in three parts; else the view's schema */
		const char *f = r->nparts == 3
					? weir_arena_printf(c->a, "%s.%s.%s", r->parts[0], r->parts[1], r->parts[2])
				: r->nparts == 2 ? weir_arena_printf(c->a, "%s.%s.%s", vs.chain[2].name, r->parts[0],
								     r->parts[1])
						 : weir_arena_printf(c->a, "%s.%s.%s", vs.chain[2].name,
								     vs.chain[1].name, r->parts[0]);
		if (strncasecmp(r->parts[r->nparts - 1], "sqlite_", 7) == 0 ||
		    (repl[i] = ref_text(c, md, owner, f, false, vi, depth + 1, err)) == NULL) {
			if (err->status == 404 || err->code == WEIR_OK)
				weir_error_set(err, WEIR_E_PERMISSION_DENIED,
					       "The owner of View '%s' cannot read a table or view it names (gone, or "
					       "not visible to the owner)",
					       vs.full_name);
			return NULL;
		}
	}
	return weir_arena_printf(c->a, "(%s)", weir_wh_rewrite_with(c->a, def, sc.refs, sc.nrefs, repl));
}

/* ---------------------------------------------------------------- the private connection */

/* current_user(): the caller's name (its userName / application id), also inside a view. */
static void fn_current_user(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	wh_ctx *c = sqlite3_user_data(ctx);
	sqlite3_result_text(ctx, c->p->name, -1, SQLITE_TRANSIENT);
}

/* is_account_group_member('g'): whether the caller belongs to group g (directly or not). */
static void fn_group_member(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	wh_ctx *c = sqlite3_user_data(ctx);
	const char *g = (const char *)sqlite3_value_text(argv[0]);
	int yes = 0;
	for (int i = 0; g && i < c->ngroups && !yes; i++)
		yes = strcasecmp(c->groups[i], g) == 0;
	sqlite3_result_int(ctx, yes);
}

static void register_functions(wh_ctx *c, sqlite3 *db)
{
	sqlite3_create_function_v2(db, "current_user", 0, SQLITE_UTF8 | SQLITE_DETERMINISTIC, c, fn_current_user, NULL,
				   NULL, NULL);
	sqlite3_create_function_v2(db, "is_account_group_member", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, c,
				   fn_group_member, NULL, NULL, NULL);
	sqlite3_create_function_v2(db, "is_member", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, c, fn_group_member, NULL,
				   NULL, NULL);
}

int weir_wh__check_function_body(weir_arena *a, const char *body, const weir_wh_coldef *params, int n, weir_error *err)
{
	static const char *const words[] = {"SELECT", "FROM", "WITH", "VALUES", NULL};
	weir_wh_tok *t;
	int nt;
	if (weir_wh_tokenize(a, body, &t, &nt, err) != 0)
		return -1;
	for (int i = 0; i < nt; i++) {
		for (int k = 0; words[k]; k++)
			if (weir_wh_tok_is(&t[i], words[k]))
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
							"A SQL function's body is an expression over its parameters "
							"(no queries in this warehouse)");
		if (t[i].kind == WEIR_TK_PUNCT && body[t[i].start] == ';')
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
						"Invalid statement: one statement at a time");
	}
	/* the body compiles over a row of its parameters, with only functions to call */
	const char **names = weir_arena_alloc(a, (size_t)(n + 1) * sizeof(*names));
	const char **repl = weir_arena_alloc(a, (size_t)(n + 1) * sizeof(*repl));
	weir_buf b = {0};
	weir_buf_appendf(&b, "CREATE TABLE p (\"__row\"");
	for (int i = 0; i < n; i++) {
		names[i] = params[i].name;
		weir_buf ib = {0};
		weir_buf_append(&ib, "p.", 2);
		weir_wh_append_ident(&ib, params[i].name);
		repl[i] = weir_arena_strndup(a, ib.data, ib.len);
		weir_buf_release(&ib);
		weir_buf_append(&b, ", ", 2);
		weir_wh_append_ident(&b, params[i].name);
		weir_buf_appendf(&b, " %s", params[i].type.decl);
	}
	weir_buf_append(&b, ")", 1);
	const char *ddl = weir_arena_strndup(a, b.data, b.len);
	weir_buf_release(&b);
	const char *expr;
	if (weir_wh_subst_params(a, body, names, repl, n, &expr, err) != 0)
		return -1;
	sqlite3 *db = NULL;
	wh_ctx dummy;
	memset(&dummy, 0, sizeof(dummy));
	weir_principal nobody = {.name = ""};
	dummy.p = &nobody;
	int rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, ddl, NULL, NULL, NULL);
	char msg[300] = "";
	if (rc == SQLITE_OK) {
		register_functions(&dummy, db);
		sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
		sqlite3_stmt *st = NULL;
		rc = sqlite3_prepare_v2(db, weir_arena_printf(a, "SELECT (%s) FROM p", expr), -1, &st, NULL);
		if (rc != SQLITE_OK)
			snprintf(msg, sizeof(msg), "%s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	if (rc != SQLITE_OK)
		return weir_error_field(err, WEIR_E_BAD_REQUEST, "statement", "%s",
					msg[0] ? msg : "The function's body cannot be checked");
	return 0;
}

/* A system table's rows in an in-memory database attached under its alias (before the
 * authorizer is set: this is the engine's own SQL). Numbers stay numbers. */
static int load_system(wh_ctx *c, sqlite3 *db, const wh_table *t)
{
	static const char *const numeric[] = {"workspace_id", "ordinal_position", "numeric_precision", "numeric_scale",
					      NULL};
	weir_buf b = {0};
	weir_buf_appendf(&b, "ATTACH ':memory:' AS \"%s\"; CREATE TABLE \"%s\".%s (", t->alias, t->alias,
			 WEIR_WH_FILE_TABLE);
	weir_buf ins = {0};
	weir_buf_appendf(&ins, "INSERT INTO \"%s\".%s VALUES (", t->alias, WEIR_WH_FILE_TABLE);
	for (int i = 0; i < t->sys.ncols; i++) {
		bool num = false;
		for (int k = 0; numeric[k]; k++)
			num |= strcmp(t->sys.cols[i], numeric[k]) == 0;
		if (i) {
			weir_buf_append(&b, ", ", 2);
			weir_buf_append(&ins, ", ", 2);
		}
		weir_wh_append_ident(&b, t->sys.cols[i]);
		weir_buf_appendf(&b, " %s", num ? "BIGINT" : "STRING TEXT");
		weir_buf_appendf(&ins, "?%d", i + 1);
	}
	weir_buf_append(&b, ")", 1);
	weir_buf_append(&ins, ")", 1);
	char *ddl = weir_arena_strndup(c->a, b.data, b.len), *isql = weir_arena_strndup(c->a, ins.data, ins.len);
	weir_buf_release(&b);
	weir_buf_release(&ins);
	int rc = sqlite3_exec(db, ddl, NULL, NULL, NULL);
	sqlite3_stmt *st = NULL;
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, isql, -1, &st, NULL);
	size_t r;
	json_t *row;
	json_array_foreach (t->sys.rows, r, row) {
		if (rc != SQLITE_OK)
			break;
		for (int i = 0; i < t->sys.ncols; i++) {
			const char *v = json_string_value(json_array_get(row, (size_t)i));
			if (v)
				sqlite3_bind_text(st, i + 1, v, -1, SQLITE_STATIC);
			else
				sqlite3_bind_null(st, i + 1);
		}
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		weir_log_error("warehouse: loading system table %s: %s", t->sec.full_name, sqlite3_errmsg(db));
	return rc == SQLITE_OK ? 0 : -1;
}

/* Binds a connection to the statement: its functions, authorizer, progress handler, cancel. */
static void setup_conn(wh_ctx *c, sqlite3 *db)
{
	register_functions(c, db);
	sqlite3_set_authorizer(db, authorizer, c);
	sqlite3_progress_handler(db, 1000, progress, c);
	if (c->x->cancel) {
		pthread_mutex_lock(&c->x->cancel->mu);
		c->x->cancel->conn = db;
		pthread_mutex_unlock(&c->x->cancel->mu);
	}
}

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
		if (t->sec.id == NULL) {
			if (load_system(c, db, t) != 0) {
				sqlite3_close(db);
				weir_error_set(err, WEIR_E_INTERNAL_ERROR, "A system table cannot be loaded");
				return NULL;
			}
			continue;
		}
		const char *path = weir_wh__table_path(c->a, t->sec.id);
		anchor(t->sec.id, path);
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
	setup_conn(c, db);
	return db;
}

/* Ends the statement's use of db: a cancel no longer reaches it. */
static void release_conn(wh_ctx *c)
{
	if (c->x->cancel) {
		pthread_mutex_lock(&c->x->cancel->mu);
		c->x->cancel->conn = NULL;
		pthread_mutex_unlock(&c->x->cancel->mu);
	}
}

static void close_conn(wh_ctx *c, sqlite3 *db)
{
	if (db == NULL)
		return;
	release_conn(c);
	sqlite3_close_v2(db);
}

/* ---------------------------------------------------------------- kept connections
 *
 * What a statement's new connection costs after the anchors: attaching the file and parsing
 * its schema, a fifth of a primary-key lookup's CPU (perf, 2026-12-02). A statement over one
 * table file (no view over others, no system table, no read_files) instead reuses the
 * connection its thread kept from the previous such statement when it has the same file
 * attached under the same alias in the same mode (read-only unless the caller may write).
 * Nothing of a caller stays on it: the authorizer refuses PRAGMA settings, temp objects,
 * ATTACH and transactions, and the functions, authorizer, progress handler and cancel are
 * bound again to each statement (setup_conn). A table file going (weir_wh__anchor_drop) or
 * changing shape (weir_wh__file_alter_add: the only schema changes, as user DDL is refused)
 * moves kept_gen, and every kept connection is closed at its next use. One slot per thread
 * (WH_KEPT of them), freed when the thread ends and all closed when the warehouse stops. */
#define WH_KEPT 64

typedef struct kept_conn {
	sqlite3 *db;
	char id[64];
	bool rw, in_use;
	unsigned gen;
} kept_conn;

static kept_conn kept[WH_KEPT]; /* slots: in_use under anchors_mu; the rest the owner's */
static atomic_uint kept_gen;
static pthread_key_t kept_key;
static pthread_once_t kept_once = PTHREAD_ONCE_INIT;

static void kept_free(void *arg)
{
	kept_conn *k = arg;
	pthread_mutex_lock(&anchors_mu);
	sqlite3_close_v2(k->db);
	k->db = NULL;
	k->in_use = false;
	pthread_mutex_unlock(&anchors_mu);
}

static void kept_init(void) { pthread_key_create(&kept_key, kept_free); }

void weir_wh__kept_release(void)
{
	pthread_once(&kept_once, kept_init);
	kept_conn *k = pthread_getspecific(kept_key);
	if (k) {
		pthread_setspecific(kept_key, NULL);
		kept_free(k);
	}
}

static kept_conn *kept_mine(void)
{
	pthread_once(&kept_once, kept_init);
	kept_conn *k = pthread_getspecific(kept_key);
	if (k)
		return k;
	pthread_mutex_lock(&anchors_mu);
	for (int i = 0; i < WH_KEPT && k == NULL; i++)
		if (!kept[i].in_use) {
			k = &kept[i];
			k->in_use = true;
		}
	pthread_mutex_unlock(&anchors_mu);
	if (k)
		pthread_setspecific(kept_key, k);
	return k;
}

/* A table file goes: every kept connection is closed at its next use; all: closed now (the
 * warehouse stopping: no statement runs). */
static void kept_invalidate(bool close_all)
{
	atomic_fetch_add(&kept_gen, 1);
	if (!close_all)
		return;
	pthread_mutex_lock(&anchors_mu);
	for (int i = 0; i < WH_KEPT; i++) {
		sqlite3_close_v2(kept[i].db);
		kept[i].db = NULL;
	}
	pthread_mutex_unlock(&anchors_mu);
}

static bool keepable(const wh_ctx *c, const char *text)
{
	return c->nt == 1 && c->t[0].sec.id != NULL && strlen(c->t[0].sec.id) < sizeof(kept[0].id) &&
	       strcmp(c->t[0].alias, "w1") == 0 && strcasestr(text, "read_files") == NULL;
}

/* The statement's connection: the thread's kept one when it fits, else a new one (kept). */
static sqlite3 *take_conn(wh_ctx *c, const char *text, weir_error *err)
{
	kept_conn *k = keepable(c, text) ? kept_mine() : NULL;
	if (k == NULL)
		return open_conn(c, err);
	const wh_table *t = &c->t[0];
	unsigned gen = atomic_load(&kept_gen);
	if (k->db && k->gen == gen && k->rw == t->can_write && strcmp(k->id, t->sec.id) == 0) {
		anchor(t->sec.id, weir_wh__table_path(c->a, t->sec.id)); /* keep its anchor recent */
		setup_conn(c, k->db);
		return k->db;
	}
	sqlite3_close_v2(k->db);
	k->db = open_conn(c, err);
	if (k->db) {
		snprintf(k->id, sizeof(k->id), "%s", t->sec.id);
		k->rw = t->can_write;
		k->gen = gen;
	}
	return k->db;
}

/* Ends the statement's use of its connection: a kept one stays open unless a transaction is
 * somehow still open on it. */
static void put_conn(wh_ctx *c, sqlite3 *db)
{
	pthread_once(&kept_once, kept_init);
	kept_conn *k = pthread_getspecific(kept_key);
	if (k == NULL || k->db != db) {
		close_conn(c, db);
		return;
	}
	release_conn(c);
	if (!sqlite3_get_autocommit(db)) {
		sqlite3_close_v2(db);
		k->db = NULL;
	}
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
/* Result column i's type: its declared type in the file (or, for an expression, the storage
 * class of its first value); a column of a nested type read straight from a table gets the
 * element types of that table's UC column (the declared type says only ARRAY, MAP, STRUCT). */
static void column_type(wh_ctx *c, sqlite3_stmt *st, int i, bool have_row, weir_wh_type *out)
{
	weir_wh_type_from_decl(sqlite3_column_decltype(st, i), have_row ? sqlite3_column_type(st, i) : 0, out);
	if (!weir_wh_type_is_complex(out->type_name))
		return;
	const char *db = sqlite3_column_database_name(st, i), *org = sqlite3_column_origin_name(st, i);
	wh_table *t = db && org ? table_of_alias(c, db) : NULL;
	size_t k;
	json_t *col;
	json_array_foreach (t ? t->columns : NULL, k, col) {
		const char *name = json_string_value(json_object_get(col, "name"));
		if (name == NULL || strcasecmp(name, org) != 0)
			continue;
		const char *text = json_string_value(json_object_get(col, "type_text"));
		const char *tjs = json_string_value(json_object_get(col, "type_json"));
		json_t *tj = tjs ? json_loads(tjs, 0, NULL) : NULL;
		json_t *type = json_object_get(tj, "type");
		char *js = json_is_object(type) ? json_dumps(type, JSON_COMPACT) : NULL;
		if (text && js && strlen(text) < sizeof(out->type_text) && strlen(js) < sizeof(out->json_type)) {
			snprintf(out->type_text, sizeof(out->type_text), "%s", text);
			snprintf(out->json_type, sizeof(out->json_type), "%s", js);
		}
		free(js);
		json_decref(tj);
		break;
	}
}

static json_t *result_columns(wh_ctx *c, sqlite3_stmt *st, bool have_row, weir_wh_type *types)
{
	json_t *cols = json_array();
	int n = sqlite3_column_count(st);
	for (int i = 0; i < n; i++) {
		column_type(c, st, i, have_row, &types[i]);
		const char *name = sqlite3_column_name(st, i);
		/* member by member: json_pack parses its format at every call (a third of this) */
		json_t *nm = json_string(name ? name : ""), *tt = json_string(types[i].type_text),
		       *tn = types[i].type_name ? json_string(types[i].type_name) : NULL;
		if (nm == NULL || tt == NULL || tn == NULL) { /* not UTF-8: left out, as json_pack did */
			json_decref(nm);
			json_decref(tt);
			json_decref(tn);
			continue;
		}
		json_t *col = json_object();
		json_object_set_new(col, "name", nm);
		json_object_set_new(col, "type_text", tt);
		json_object_set_new(col, "type_name", tn);
		json_object_set_new(col, "position", json_integer(i));
		json_array_append_new(cols, col);
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
			o->columns = result_columns(c, st, true, types);
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
		o->columns = result_columns(c, st, false, types);
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

/* The statement's audit row (databrickssql / executeStatement), its status from the outcome;
 * statement_type (or NULL) goes into its request_params. */
static int audit_statement(weir_db *md, const weir_principal *p, const weir_wh_exec *x, const weir_wh_outcome *o,
			   const char *securable, const char *statement_type, int64_t now, weir_error *err)
{
	const char *sid = x->statement_id ? x->statement_id : "";
	json_t *params = statement_type ? json_pack("{s:s, s:s}", "statement_id", sid, "statement_type", statement_type)
					: json_pack("{s:s}", "statement_id", sid);
	int status = o->state == WEIR_WH_SUCCEEDED                     ? 200
		     : o->state == WEIR_WH_CANCELED                    ? 499
		     : strcmp(o->error_code, "PERMISSION_DENIED") == 0 ? 403
		     : strstr(o->error_code, "NOT_FOUND")              ? 404
		     : strcmp(o->error_code, "INTERNAL_ERROR") == 0    ? 500
								       : 400;
	weir_audit_event ev = {.event_time = now,
			       .principal = p,
			       .principal_name = p ? p->name : NULL,
			       .workspace_id = x->workspace_id,
			       .service_name = "databrickssql",
			       .action_name = "executeStatement",
			       .request_id = x->statement_id,
			       .request_params = params,
			       .status_code = status,
			       .error_code = o->state == WEIR_WH_SUCCEEDED ? NULL : o->error_code,
			       .securable = securable};
	int rc = weir_gov_audit(md, &ev, err);
	json_decref(params);
	if (rc == 0 && x->warehouse_id && x->history_written) { /* the query history's row, in the same write */
		if (weir_wh_history_write(md, x, o, now, err) != 0)
			return -1;
		*x->history_written = true;
	}
	return rc;
}

void weir_wh__record_end(weir_db *md, bool ok, const weir_principal *p, const weir_wh_exec *x, const weir_wh_outcome *o,
			 const char *securable, const char *statement_type, int64_t now, weir_error *e)
{
	const char *what = statement_type ? statement_type : "statement";
	if (ok && audit_statement(md, p, x, o, securable, statement_type, now, e) == 0) {
		if (weir_db_commit(md, e) != 0)
			weir_log_error("warehouse: recording %s %s: %s", what, x->statement_id, e->message);
	} else {
		weir_log_error("warehouse: recording %s %s: %s", what, x->statement_id, e->message);
		weir_db_rollback(md);
	}
	weir_db_release(md);
}

weir_lineage_producer weir_wh__producer(const weir_wh_exec *x)
{
	return (weir_lineage_producer){WEIR_LIN_CAPTURED, x->producer_type ? x->producer_type : "statement",
				       x->producer_id ? x->producer_id : x->statement_id};
}

static int record_columns(wh_ctx *c, weir_db *md, const weir_securable *dst, const weir_lineage_producer *by,
			  int64_t now, weir_error *err);

/* Lineage edges (every table read -> the table written) and the audit row, in one write. */
static void record(wh_ctx *c, weir_db_pool *pool, const weir_wh_outcome *o)
{
	weir_db *md = weir_db_acquire(pool);
	weir_error e = WEIR_ERROR_INIT;
	if (weir_db_begin_write(md, &e) != 0) {
		weir_db_release(md);
		return;
	}
	int64_t now = weir_now_ms();
	const weir_securable *dst = c->dst_view;
	for (int i = 0; i < c->nt; i++)
		if (c->t[i].written)
			dst = &c->t[i].sec;
	if (o->state == WEIR_WH_SUCCEEDED && dst) {
		/* what trigger.table_update watches */
		if (dst != c->dst_view && weir_wh_store_table_written(md, dst->id, now, &e) != 0)
			goto rollback;
		weir_lineage_producer by = weir_wh__producer(c->x);
		weir_lineage_node dn = {WEIR_LIN_TABLE, dst->id, dst->full_name};
		/* sources: the tables the statement named and read, and the views it named (not
		 * what a view reads: the view is the source, as Databricks records it) */
		for (int i = 0; i < c->nt; i++) {
			if (&c->t[i].sec == dst || !c->t[i].read || c->t[i].view >= 0 || c->t[i].sec.id == NULL)
				continue;
			weir_lineage_node sn = {WEIR_LIN_TABLE, c->t[i].sec.id, c->t[i].sec.full_name};
			if (weir_lineage_record_edge(md, &sn, &dn, &by, now, &e) != 0)
				goto rollback;
		}
		for (int i = 0; i < c->nv; i++) {
			if (!c->v[i].top)
				continue;
			weir_lineage_node sn = {WEIR_LIN_TABLE, c->v[i].sec.id, c->v[i].sec.full_name};
			if (weir_lineage_record_edge(md, &sn, &dn, &by, now, &e) != 0)
				goto rollback;
		}
		/* the volumes read_files(...) read, as COPY INTO records its source */
		for (int i = 0; i < c->nrf; i++) {
			bool seen = false;
			for (int k = 0; k < i && !seen; k++)
				seen = strcmp(c->rfv[k].id, c->rfv[i].id) == 0;
			weir_lineage_node sn = {WEIR_LIN_VOLUME, c->rfv[i].id, c->rfv[i].full_name};
			if (!seen && weir_lineage_record_edge(md, &sn, &dn, &by, now, &e) != 0)
				goto rollback;
		}
		if (record_columns(c, md, dst, &by, now, &e) != 0)
			goto rollback;
	}
	weir_wh__record_end(md, true, c->p, c->x, o, c->target_full_name, NULL, now, &e);
	return;
rollback:
	weir_wh__record_end(md, false, c->p, c->x, o, c->target_full_name, NULL, now, &e);
}

/* ---------------------------------------------------------------- statements the engine answers */

json_t *weir_wh__uc_columns(const weir_wh_coldef *cols, int n, int first)
{
	json_t *arr = json_array();
	for (int i = 0; i < n; i++) {
		const weir_wh_coldef *d = &cols[i];
		json_t *tj = json_pack("{s:s, s:o, s:b, s:{}}", "name", d->name, "type", weir_wh_type_json(&d->type),
				       "nullable", d->nullable, "metadata");
		char *tjs = json_dumps(tj, JSON_COMPACT);
		json_decref(tj);
		json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:i, s:b}", "name", d->name, "type_text", d->type.type_text,
				      "type_name", d->type.type_name, "type_json", tjs, "position", first + i,
				      "nullable", d->nullable);
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

/* A table or view p3 (= full) made in schema through the catalog domain, in the metadata
 * write md holds, by the REST API's rule (CREATE_TABLE on the schema): body (taken) gets the
 * name's parts and the comment, and *out the new securable resolved for the caller. */
static int create_in_schema(wh_ctx *c, weir_db *md, const char *const p3[3], const char *full, weir_securable *schema,
			    json_t *body, const char *comment, weir_securable *out, weir_error *err)
{
	if (weir_gov_check(md, c->p, WEIR_OP_CREATE_TABLE, schema, err) != 0) {
		json_decref(body);
		return -1;
	}
	json_object_set_new(body, "name", json_string(p3[2]));
	json_object_set_new(body, "catalog_name", json_string(p3[0]));
	json_object_set_new(body, "schema_name", json_string(p3[1]));
	if (comment)
		json_object_set_new(body, "comment", json_string(comment));
	json_t *info = weir_catalog_create(md, c->a, c->p, WEIR_SEC_TABLE, schema, body, err);
	json_decref(body);
	if (info == NULL)
		return -1;
	json_decref(info);
	return weir_gov_resolve(md, c->a, c->p, WEIR_SEC_TABLE, full, out, err);
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
	json_t *body = json_pack("{s:s, s:s, s:o}", "table_type", "MANAGED", "data_source_format", "DELTA", "columns",
				 weir_wh__uc_columns(cols, ncols, 0));
	if (create_in_schema(c, md, p3, full, &schema, body, d->comment, table, err) != 0)
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
	json_t *info = weir_catalog_get(md, c->a, &s, true, true, err);
	if (info == NULL)
		goto rollback;
	const char *type = json_string_value(json_object_get(info, "table_type"));
	bool view = type && strcmp(type, "VIEW") == 0;
	json_decref(info);
	if (view) {
		weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE,
			       "[WRONG_COMMAND_FOR_OBJECT_TYPE] '%s' is a view: use DROP VIEW", s.full_name);
		goto rollback;
	}
	if (weir_gov_check(md, c->p, WEIR_OP_DELETE, &s, err) != 0 ||
	    weir_catalog_delete(md, c->a, &s, false, err) != 0)
		goto rollback;
	if (weir_db_commit(md, err) != 0)
		goto out;
	weir_wh__table_remove(c->a, s.id);
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
	weir_wh__table_remove(c->a, s->id);
}

/* Resolves the references (views expanded), makes sure the files exist, rewrites the text. */
static const char *prepare_refs(wh_ctx *c, weir_db_pool *pool, const char *sql, const weir_wh_scan *sc, weir_error *err)
{
	const char **repl = weir_arena_alloc(c->a, (size_t)(sc->nrefs + 1) * sizeof(*repl));
	weir_db *md = weir_db_acquire(pool);
	int rc = 0;
	for (int i = 0; i < sc->nrefs && rc == 0; i++) {
		if (strncasecmp(sc->refs[i].parts[sc->refs[i].nparts - 1], "sqlite_", 7) == 0) {
			weir_error_set(err, WEIR_E_PERMISSION_DENIED, "SQLite's internal tables are not readable");
			rc = -1;
			break;
		}
		const char *full = full_name(c, sc->refs[i].parts, sc->refs[i].nparts, err);
		bool write = sc->refs[i].role == WEIR_WH_REF_WRITE;
		repl[i] = full ? ref_text(c, md, c->p, full, write, -1, 0, err) : NULL;
		if (repl[i] == NULL) {
			rc = -1;
			break;
		}
		if (write)
			c->target_full_name = full;
	}
	bool ask = c->ask_groups || strcasestr(sql, "member") != NULL; /* is_account_group_member(), is_member() */
	for (int i = 0; i < c->nt && !ask; i++)
		ask = c->t[i].guarded != NULL;
	if (rc == 0 && ask)
		load_groups(c, md);
	weir_db_release(md);
	for (int i = 0; i < c->nt && rc == 0; i++)
		if (c->t[i].sec.id) /* (not a system table) */
			rc = ensure_file(c->a, c->t[i].sec.id, c->t[i].columns, err);
	if (rc != 0)
		return NULL;
	return weir_wh_rewrite_with(c->a, sql, sc->refs, sc->nrefs, repl);
}

/* ---------------------------------------------------------------- column lineage */

/* The method (DESIGN.md §7): the query whose rows a statement writes (INSERT ... SELECT, CTAS,
 * CREATE VIEW) is prepared, never run, on a probe connection where each table and view it
 * names is an empty stand-in with the catalog's columns (a view is its own node: what it
 * reads stays behind it). A result column that is a plain column of a stand-in has SQLite's
 * origin (sqlite3_column_origin_name, ENABLE_COLUMN_METADATA in Debian's libsqlite3): an
 * IDENTITY edge. An expression's sources are the columns it reads: the top-level select list
 * is split at its commas, and each item prepared alone with the same FROM ... tail; the
 * authorizer's SQLITE_READ callbacks of the item's probe minus those of the tail's own probe
 * (as multisets) are the item's columns: TRANSFORMATION edges. Limits: an expression over two
 * columns maps to both; the columns a WHERE, JOIN or GROUP BY reads are not edges; a compound
 * query (UNION, ...), an item whose probe fails (e.g. ORDER BY naming an output alias) and a
 * column computed inside a CTE or subquery (its reads are the tail's too) fall back to every
 * column the whole query reads; VALUES, and a query the probe cannot prepare, record table
 * edges only. */

static const char *probe_alias(wh_ctx *c, const char *full, json_t **columns, const char **id, const char **name)
{
	for (int i = 0; i < c->nt; i++)
		if (c->t[i].view < 0 && c->t[i].sec.id && strcasecmp(c->t[i].sec.full_name, full) == 0) {
			*columns = c->t[i].columns;
			*id = c->t[i].sec.id;
			*name = c->t[i].sec.full_name;
			return c->t[i].alias;
		}
	for (int i = 0; i < c->nv; i++)
		if (c->v[i].top && strcasecmp(c->v[i].sec.full_name, full) == 0) {
			*columns = c->v[i].columns;
			*id = c->v[i].sec.id;
			*name = c->v[i].sec.full_name;
			return weir_arena_printf(c->a, "v%d", i + 1);
		}
	return NULL;
}

typedef struct probe_node {
	const char *alias, *id, *name;
} probe_node;

static void add_edge(wh_ctx *c, const probe_node *nodes, int nn, const char *alias, const char *col, const char *dst,
		     const char *subtype)
{
	const probe_node *pn = NULL;
	for (int i = 0; i < nn && pn == NULL; i++)
		if (strcmp(nodes[i].alias, alias) == 0)
			pn = &nodes[i];
	if (pn == NULL)
		return;
	for (int i = 0; i < c->nce; i++)
		if (strcmp(c->ce[i].src_id, pn->id) == 0 && strcasecmp(c->ce[i].src_col, col) == 0 &&
		    strcasecmp(c->ce[i].dst_col, dst) == 0)
			return;
	if (c->nce == c->cap_ce) {
		int cap = c->cap_ce ? c->cap_ce * 2 : 16;
		wh_coledge *n = weir_arena_alloc(c->a, (size_t)cap * sizeof(*n));
		if (c->nce)
			memcpy(n, c->ce, (size_t)c->nce * sizeof(*n));
		c->ce = n;
		c->cap_ce = cap;
	}
	c->ce[c->nce++] = (wh_coledge){pn->id, pn->name, weir_arena_strdup(c->a, col), dst, subtype};
}

/* The top-level select list of q: [prefix_end] is where its SELECT starts (after a WITH
 * clause), items[i] the text of each item, *tail where FROM (or whatever ends the list)
 * starts. -1 for a compound query or anything this reading does not follow. */
static int select_items(wh_ctx *c, const char *q, size_t *prefix_end, const char ***items, int *nitems, size_t *tail)
{
	weir_wh_tok *t;
	int n;
	weir_error e = WEIR_ERROR_INIT;
	if (weir_wh_tokenize(c->a, q, &t, &n, &e) != 0)
		return -1;
#define P(k, ch) ((k) < n && t[k].kind == WEIR_TK_PUNCT && q[t[k].start] == (ch))
	int k = 0;
	if (weir_wh_tok_is(&t[0], "WITH")) {
		k = 1;
		if (k < n && weir_wh_tok_is(&t[k], "RECURSIVE"))
			k++;
		for (;;) {
			while (k < n && !P(k, '('))
				k++; /* name [(cols)] AS [NOT] [MATERIALIZED] ( */
			if (k < n && k + 1 < n && !weir_wh_tok_is(&t[k - 1], "AS") &&
			    !weir_wh_tok_is(&t[k - 1], "MATERIALIZED")) {
				int d = 0; /* the column list */
				do {
					d += P(k, '(') - P(k, ')');
					k++;
				} while (k < n && d > 0);
				while (k < n && !P(k, '('))
					k++;
			}
			int d = 0;
			do {
				d += P(k, '(') - P(k, ')');
				k++;
			} while (k < n && d > 0);
			if (P(k, ','))
				k++;
			else
				break;
		}
	}
	if (k >= n || !weir_wh_tok_is(&t[k], "SELECT"))
		return -1;
	*prefix_end = t[k].start;
	k++;
	if (k < n && (weir_wh_tok_is(&t[k], "DISTINCT") || weir_wh_tok_is(&t[k], "ALL")))
		k++;
	const char **v = weir_arena_alloc(c->a, (size_t)(n + 1) * sizeof(*v));
	int nv = 0, depth = 0;
	size_t item_start = k < n ? t[k].start : strlen(q);
	*tail = strlen(q);
	static const char *const stops[] = {"FROM",      "WHERE",  "GROUP",  "ORDER",  "LIMIT", "UNION",
					    "INTERSECT", "EXCEPT", "WINDOW", "HAVING", NULL};
	bool ended = false;
	for (; k < n; k++) {
		if (P(k, '('))
			depth++;
		else if (P(k, ')'))
			depth--;
		bool stop = false;
		for (int s = 0; depth == 0 && !ended && stops[s]; s++)
			stop |= weir_wh_tok_is(&t[k], stops[s]);
		if (depth == 0 && ended &&
		    (weir_wh_tok_is(&t[k], "UNION") || weir_wh_tok_is(&t[k], "INTERSECT") ||
		     weir_wh_tok_is(&t[k], "EXCEPT")))
			return -1; /* compound */
		if (ended)
			continue;
		if (stop || (depth == 0 && P(k, ','))) {
			v[nv++] = weir_arena_strndup(c->a, q + item_start, t[k].start - item_start);
			if (stop) {
				if (weir_wh_tok_is(&t[k], "UNION") || weir_wh_tok_is(&t[k], "INTERSECT") ||
				    weir_wh_tok_is(&t[k], "EXCEPT"))
					return -1;
				*tail = t[k].start;
				ended = true;
			} else {
				item_start = k + 1 < n ? t[k + 1].start : strlen(q);
			}
		}
	}
	if (!ended)
		v[nv++] = weir_arena_strdup(c->a, q + item_start);
#undef P
	*items = v;
	*nitems = nv;
	return 0;
}

/* Whether a select item names a column (an identifier neither called nor a keyword of an
 * expression), as opposed to literals and calls like count(*). */
static bool names_a_column(wh_ctx *c, const char *item)
{
	static const char *const words[] = {"CASE", "WHEN", "THEN", "ELSE", "END",  "AND",  "OR",    "NOT",      "NULL",
					    "IS",   "IN",   "LIKE", "AS",   "CAST", "TRUE", "FALSE", "DISTINCT", NULL};
	weir_wh_tok *t;
	int n;
	weir_error e = WEIR_ERROR_INIT;
	if (weir_wh_tokenize(c->a, item, &t, &n, &e) != 0)
		return true;
	for (int i = 0; i < n; i++) {
		if (t[i].kind == WEIR_TK_QIDENT)
			return true;
		if (t[i].kind != WEIR_TK_IDENT ||
		    (i + 1 < n && t[i + 1].kind == WEIR_TK_PUNCT && item[t[i + 1].start] == '('))
			continue;
		if (i > 0 && weir_wh_tok_is(&t[i - 1], "AS"))
			continue; /* an alias, or CAST(x AS type) */
		bool kw = false;
		for (int k = 0; words[k] && !kw; k++)
			kw = weir_wh_tok_is(&t[i], words[k]);
		if (!kw)
			return true;
	}
	return false;
}

/* Prepares text on the probe; the reads it made from *from (the count before) on. */
static sqlite3_stmt *probe_prepare(wh_ctx *c, sqlite3 *db, const char *text, int *from)
{
	sqlite3_stmt *st = NULL;
	*from = c->nrd;
	c->probing = true;
	if (sqlite3_prepare_v2(db, text, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		st = NULL;
	}
	c->probing = false;
	return st;
}

/* The column edges of `query` (the original text) whose columns feed targets[0..n). */
static void column_lineage(wh_ctx *c, const char *query, const char *const *targets, int ntargets)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_wh_scan sc;
	if (weir_wh_scan_refs(c->a, query, &sc, &e) != 0 || sc.kind != WEIR_WH_KIND_QUERY)
		return;
	const char **repl = weir_arena_alloc(c->a, (size_t)(sc.nrefs + 1) * sizeof(*repl));
	probe_node *nodes = weir_arena_alloc(c->a, (size_t)(sc.nrefs + 1) * sizeof(*nodes));
	json_t **cols = weir_arena_alloc(c->a, (size_t)(sc.nrefs + 1) * sizeof(*cols));
	int nn = 0;
	for (int i = 0; i < sc.nrefs; i++) {
		const char *full = full_name(c, sc.refs[i].parts, sc.refs[i].nparts, &e);
		json_t *cj;
		const char *id, *name;
		const char *alias = full ? probe_alias(c, full, &cj, &id, &name) : NULL;
		if (alias == NULL)
			return;
		repl[i] = weir_arena_printf(c->a, "\"%s\".%s", alias, WEIR_WH_FILE_TABLE);
		bool seen = false;
		for (int k = 0; k < nn; k++)
			seen |= strcmp(nodes[k].alias, alias) == 0;
		if (!seen) {
			nodes[nn] = (probe_node){alias, id, name};
			cols[nn++] = cj;
		}
	}
	const char *text = weir_wh_rewrite_with(c->a, query, sc.refs, sc.nrefs, repl);
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return;
	}
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	for (int i = 0; i < nn; i++) {
		const char *ddl;
		if (weir_wh__file_ddl(c->a, cols[i], &ddl, &e) != 0)
			goto out;
		/* "CREATE TABLE t (...)" as the stand-in "alias".t */
		const char *setup = weir_arena_printf(c->a, "ATTACH ':memory:' AS \"%s\"; CREATE TABLE \"%s\".%s",
						      nodes[i].alias, nodes[i].alias, ddl + strlen("CREATE TABLE "));
		if (sqlite3_exec(db, setup, NULL, NULL, NULL) != SQLITE_OK)
			goto out;
	}
	sqlite3_set_authorizer(db, authorizer, c);
	int all_from;
	sqlite3_stmt *st = probe_prepare(c, db, text, &all_from);
	if (st == NULL)
		goto out;
	int ncol = sqlite3_column_count(st);
	int all_to = c->nrd;
	bool *need = weir_arena_calloc(c->a, (size_t)(ncol + 1) * sizeof(*need));
	bool any = false;
	if (ncol == ntargets) {
		for (int i = 0; i < ncol; i++) {
			const char *dbn = sqlite3_column_database_name(st, i);
			const char *org = sqlite3_column_origin_name(st, i);
			if (dbn && org)
				add_edge(c, nodes, nn, dbn, org, targets[i], "IDENTITY");
			else
				any = need[i] = true;
		}
	}
	sqlite3_finalize(st);
	if (!any)
		goto out;
	/* expressions: each select item alone, minus what the tail reads */
	size_t prefix_end, tail;
	const char **items;
	int nitems;
	bool mapped = false;
	if (select_items(c, text, &prefix_end, &items, &nitems, &tail) == 0) {
		const char *prefix = weir_arena_strndup(c->a, text, prefix_end);
		int base_from;
		st = probe_prepare(c, db, weir_arena_printf(c->a, "%sSELECT 1 %s", prefix, text + tail), &base_from);
		int base_to = c->nrd;
		sqlite3_finalize(st);
		int pos = 0;
		mapped = st != NULL;
		for (int it = 0; it < nitems && mapped; it++) {
			int from;
			st = probe_prepare(c, db,
					   weir_arena_printf(c->a, "%sSELECT %s %s", prefix, items[it], text + tail),
					   &from);
			int to = c->nrd;
			int k = st ? sqlite3_column_count(st) : 1;
			sqlite3_finalize(st);
			if (st == NULL && strchr(items[it], '*')) {
				mapped = false; /* a star whose width is unknown */
				break;
			}
			for (int col = pos; col < pos + k && col < ncol; col++) {
				if (!need[col])
					continue;
				if (st == NULL) { /* this item: every column the query reads */
					for (int r = all_from; r < all_to; r++)
						add_edge(c, nodes, nn, c->rd_db[r], c->rd_col[r], targets[col],
							 "TRANSFORMATION");
					continue;
				}
				/* the item's reads minus the tail's, as multisets */
				bool *used = weir_arena_calloc(c->a, (size_t)(base_to - base_from + 1) * sizeof(*used));
				int found = 0;
				for (int r = from; r < to; r++) {
					bool in_base = false;
					for (int b = base_from; b < base_to && !in_base; b++)
						if (!used[b - base_from] && strcmp(c->rd_db[b], c->rd_db[r]) == 0 &&
						    strcmp(c->rd_col[b], c->rd_col[r]) == 0)
							in_base = used[b - base_from] = true;
					if (!in_base) {
						add_edge(c, nodes, nn, c->rd_db[r], c->rd_col[r], targets[col],
							 "TRANSFORMATION");
						found++;
					}
				}
				/* a column of a CTE or subquery computed there: its reads happen in the tail's
				 * probe too; every column the query reads stands for them */
				if (found == 0 && names_a_column(c, items[it]))
					for (int r = all_from; r < all_to; r++)
						add_edge(c, nodes, nn, c->rd_db[r], c->rd_col[r], targets[col],
							 "TRANSFORMATION");
			}
			pos += k;
		}
		mapped = mapped && pos == ncol;
	}
	if (!mapped)
		for (int col = 0; col < ncol; col++)
			if (need[col])
				for (int r = all_from; r < all_to; r++)
					add_edge(c, nodes, nn, c->rd_db[r], c->rd_col[r], targets[col],
						 "TRANSFORMATION");
out:
	sqlite3_close(db);
}

/* The column edges found, in the statement's metadata write. */
static int record_columns(wh_ctx *c, weir_db *md, const weir_securable *dst, const weir_lineage_producer *by,
			  int64_t now, weir_error *err)
{
	weir_lineage_node dn = {WEIR_LIN_TABLE, dst->id, dst->full_name};
	for (int i = 0; i < c->nce; i++) {
		weir_lineage_node sn = {WEIR_LIN_TABLE, c->ce[i].src_id, c->ce[i].src_name};
		if (weir_lineage_record_column_edge(md, &sn, c->ce[i].src_col, &dn, c->ce[i].dst_col, "DIRECT",
						    c->ce[i].subtype, by, now, err) != 0)
			return -1;
	}
	return 0;
}

/* The target columns of an INSERT ... SELECT and where its query starts: (cols) after the
 * table name, or the table's columns in order. false when it has no query (VALUES). */
static bool insert_query(wh_ctx *c, const char *sql, const weir_wh_scan *sc, const char ***targets, int *ntargets,
			 const char **query)
{
	const weir_wh_ref *w = NULL;
	for (int i = 0; i < sc->nrefs && w == NULL; i++)
		if (sc->refs[i].role == WEIR_WH_REF_WRITE)
			w = &sc->refs[i];
	if (w == NULL)
		return false;
	const char *rest = sql + w->end;
	weir_wh_tok *t;
	int n;
	weir_error e = WEIR_ERROR_INIT;
	if (weir_wh_tokenize(c->a, rest, &t, &n, &e) != 0)
		return false;
	int k = 0;
	if (k < n && weir_wh_tok_is(&t[k], "AS"))
		k += 2;
	const char **v = weir_arena_alloc(c->a, (size_t)(n + 1) * sizeof(*v));
	int nv = 0;
	if (k < n && t[k].kind == WEIR_TK_PUNCT && rest[t[k].start] == '(') {
		for (k++; k < n && !(t[k].kind == WEIR_TK_PUNCT && rest[t[k].start] == ')'); k++)
			if (t[k].kind == WEIR_TK_IDENT || t[k].kind == WEIR_TK_QIDENT)
				v[nv++] = t[k].value;
		k++;
	}
	if (k >= n || !(weir_wh_tok_is(&t[k], "SELECT") || weir_wh_tok_is(&t[k], "WITH")))
		return false;
	if (nv == 0) { /* the table's columns (the catalog answers them by position) */
		const wh_table *dt = NULL;
		for (int i = 0; i < c->nt; i++)
			if (c->t[i].written)
				dt = &c->t[i];
		if (dt == NULL)
			return false;
		v = weir_arena_alloc(c->a, (json_array_size(dt->columns) + 1) * sizeof(*v));
		size_t i;
		json_t *col;
		json_array_foreach (dt->columns, i, col)
			v[nv++] = json_string_value(json_object_get(col, "name"));
	}
	*targets = v;
	*ntargets = nv;
	*query = rest + t[k].start;
	/* WITH x AS (...) INSERT INTO t SELECT ... FROM x: the query keeps the WITH clause */
	weir_wh_tok *st;
	int sn;
	if (weir_wh_tokenize(c->a, sql, &st, &sn, &e) == 0 && sn > 0 && weir_wh_tok_is(&st[0], "WITH")) {
		int depth = 0;
		for (int i = 0; i < sn; i++) {
			if (st[i].kind == WEIR_TK_PUNCT && sql[st[i].start] == '(')
				depth++;
			else if (st[i].kind == WEIR_TK_PUNCT && sql[st[i].start] == ')')
				depth--;
			else if (depth == 0 &&
				 (weir_wh_tok_is(&st[i], "INSERT") || weir_wh_tok_is(&st[i], "REPLACE"))) {
				*query = weir_arena_printf(c->a, "%.*s%s", (int)st[i].start, sql, *query);
				break;
			}
		}
	}
	return true;
}

/* Whether the statement inserts: INSERT / REPLACE, also after a WITH clause. */
static bool is_insert(wh_ctx *c, const char *sql, const weir_wh_scan *sc)
{
	if (strcasecmp(sc->first_word, "INSERT") == 0 || strcasecmp(sc->first_word, "REPLACE") == 0)
		return true;
	if (sc->kind != WEIR_WH_KIND_DML || strcasecmp(sc->first_word, "WITH") != 0)
		return false;
	weir_wh_tok *t;
	int n, depth = 0;
	weir_error e = WEIR_ERROR_INIT;
	if (weir_wh_tokenize(c->a, sql, &t, &n, &e) != 0)
		return false;
	for (int i = 0; i < n; i++) {
		if (t[i].kind == WEIR_TK_PUNCT && sql[t[i].start] == '(')
			depth++;
		else if (t[i].kind == WEIR_TK_PUNCT && sql[t[i].start] == ')')
			depth--;
		else if (depth == 0 && (weir_wh_tok_is(&t[i], "UPDATE") || weir_wh_tok_is(&t[i], "DELETE")))
			return false;
		else if (depth == 0 && (weir_wh_tok_is(&t[i], "INSERT") || weir_wh_tok_is(&t[i], "REPLACE")))
			return true;
	}
	return false;
}

static void run_sql(wh_ctx *c, weir_db_pool *pool, const char *sql, const weir_wh_scan *sc, weir_wh_outcome *o)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *text = prepare_refs(c, pool, sql, sc, &e);
	if (text == NULL) {
		fail_err(o, &e);
		return;
	}
	sqlite3 *db = take_conn(c, text, &e);
	if (db == NULL) {
		fail_err(o, &e);
		return;
	}
	if ((text = weir_wh__read_files(pool, c->a, c->p, db, text, &c->nrf, c->rfv, &e)) == NULL) {
		fail_err(o, &e);
		put_conn(c, db);
		return;
	}
	sqlite3_stmt *st = prepare_user(c, db, text, o);
	bool insert = is_insert(c, sql, sc);
	if (st) {
		if (sc->kind == WEIR_WH_KIND_DML || !sqlite3_stmt_readonly(st))
			run_dml(c, db, st, insert, o);
		else
			run_query(c, db, st, o);
	}
	sqlite3_finalize(st);
	put_conn(c, db);
	const char **targets, *query;
	int ntargets;
	if (o->state == WEIR_WH_SUCCEEDED && insert && insert_query(c, sql, sc, &targets, &ntargets, &query))
		column_lineage(c, query, targets, ntargets);
}

/* The columns a query answers (CTAS, a view): names, nullable, types from the declared type
 * (and, with a first row, its storage class). Two columns of one name: FAILED, NULL. */
static weir_wh_coldef *query_columns(wh_ctx *c, sqlite3_stmt *st, bool have_row, int *ncol, weir_wh_outcome *o)
{
	int n = sqlite3_column_count(st);
	weir_wh_coldef *cols = weir_arena_calloc(c->a, (size_t)(n > 0 ? n : 1) * sizeof(*cols));
	for (int i = 0; i < n; i++) {
		const char *name = sqlite3_column_name(st, i);
		cols[i].name = weir_arena_strdup(c->a, name ? name : "");
		cols[i].nullable = true;
		column_type(c, st, i, have_row, &cols[i].type);
		for (int k = 0; k < i; k++)
			if (strcasecmp(cols[k].name, cols[i].name) == 0) {
				fail(o, "BAD_REQUEST", "The query has two columns named '%.128s': give them aliases",
				     cols[i].name);
				return NULL;
			}
	}
	*ncol = n;
	return cols;
}

/* The query after AS of CREATE TABLE or CREATE VIEW (what names which), scanned for the
 * names it reads (sc) and made ready to run for the caller (prepare_refs): its text, or NULL
 * with o set. Text that is no statement at all fails with SQLite's parser's words; another
 * statement (DELETE ...) with "needs a query". */
static const char *as_query(wh_ctx *c, weir_db_pool *pool, const char *query, const char *what, weir_wh_scan *sc,
			    weir_wh_outcome *o)
{
	weir_error e = WEIR_ERROR_INIT;
	if (weir_wh_scan_refs(c->a, query, sc, &e) != 0) {
		fail_err(o, &e);
		return NULL;
	}
	if (sc->kind != WEIR_WH_KIND_QUERY) {
		sqlite3 *db = sc->kind == WEIR_WH_KIND_OTHER ? open_conn(c, &e) : NULL;
		sqlite3_stmt *st = db ? prepare_user(c, db, query, o) : NULL;
		if (st || db == NULL || o->state != WEIR_WH_FAILED || o->message[0] == '\0')
			fail(o, "BAD_REQUEST", "%s ... AS needs a query (SELECT, WITH or VALUES)", what);
		sqlite3_finalize(st);
		close_conn(c, db);
		return NULL;
	}
	const char *text = prepare_refs(c, pool, query, sc, &e);
	if (text == NULL)
		fail_err(o, &e);
	return text;
}

/* The columns of a query's rows, from the query prepared on a connection of its own: CREATE
 * TABLE ... AS reads the files of what it names and takes a first step (a column's type then
 * comes from a value where the declaration gives none); CREATE VIEW only prepares. NULL with
 * o set when the query does not prepare or run. */
static weir_wh_coldef *query_columns_of(wh_ctx *c, weir_db_pool *pool, const char *text, bool step, int *ncol,
					weir_wh_outcome *o)
{
	weir_error e = WEIR_ERROR_INIT;
	sqlite3 *db = open_conn(c, &e);
	if (db == NULL) {
		fail_err(o, &e);
		return NULL;
	}
	if (step && (text = weir_wh__read_files(pool, c->a, c->p, db, text, &c->nrf, c->rfv, &e)) == NULL) {
		fail_err(o, &e);
		close_conn(c, db);
		return NULL;
	}
	weir_wh_coldef *cols = NULL;
	sqlite3_stmt *st = prepare_user(c, db, text, o);
	int rc = st && step ? sqlite3_step(st) : SQLITE_DONE;
	if (st && rc != SQLITE_ROW && rc != SQLITE_DONE)
		step_failed(c, db, rc, o);
	else if (st)
		cols = query_columns(c, st, rc == SQLITE_ROW, ncol, o);
	sqlite3_finalize(st);
	close_conn(c, db);
	return cols;
}

/* Column lineage from the query's columns to the new table's or view's, which are named as
 * the query's are. */
static void lineage_to(wh_ctx *c, const char *query, const weir_wh_coldef *cols, int ncol)
{
	const char **targets = weir_arena_alloc(c->a, (size_t)(ncol + 1) * sizeof(*targets));
	for (int i = 0; i < ncol; i++)
		targets[i] = cols[i].name;
	column_lineage(c, query, targets, ncol);
}

/* CREATE TABLE ... AS <query>: the query's columns give the table's; the table is
 * registered, its file made, and the rows inserted; if the insert fails the table goes. */
static void run_ctas(wh_ctx *c, weir_db_pool *pool, const char *sql, const weir_wh_ddl *d, weir_wh_outcome *o)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *query = sql + d->as_query;
	weir_wh_scan sc;
	const char *text = as_query(c, pool, query, "CREATE TABLE", &sc, o);
	if (text == NULL)
		return;
	int ncol = 0;
	weir_wh_coldef *cols = query_columns_of(c, pool, text, true, &ncol, o);
	if (cols == NULL)
		return;

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
	sqlite3 *db = open_conn(c, &e);
	if (db == NULL || (ins = weir_wh__read_files(pool, c->a, c->p, db, ins, &c->nrf, c->rfv, &e)) == NULL) {
		fail_err(o, &e);
		close_conn(c, db);
		unregister_table(c, pool, &table);
		return;
	}
	sqlite3_stmt *st = prepare_user(c, db, ins, o);
	if (st)
		run_dml(c, db, st, true, o);
	sqlite3_finalize(st);
	close_conn(c, db);
	if (o->state != WEIR_WH_SUCCEEDED) {
		unregister_table(c, pool, &table);
		return;
	}
	/* Databricks answers CTAS with num_affected_rows and num_inserted_rows too */
	lineage_to(c, query, cols, ncol);
}

/* The REST route's audit row for a catalog change made by a statement (service unityCatalog). */
static void uc_audit(wh_ctx *c, weir_db *md, const char *action, const char *securable, const weir_error *e)
{
	weir_error ae = WEIR_ERROR_INIT;
	json_t *params = json_pack("{s:s}", "statement_id", c->x->statement_id ? c->x->statement_id : "");
	weir_wh_outcome tmp = {0};
	if (e)
		fail_err(&tmp, e);
	weir_audit_event ev = {.event_time = weir_now_ms(),
			       .principal = c->p,
			       .principal_name = c->p->name,
			       .workspace_id = c->x->workspace_id,
			       .service_name = "unityCatalog",
			       .action_name = action,
			       .request_id = c->x->statement_id,
			       .request_params = params,
			       .status_code = e ? (e->status ? e->status : 400) : 200,
			       .error_code = e ? tmp.error_code : NULL,
			       .securable = securable};
	if (weir_gov_audit(md, &ev, &ae) != 0)
		weir_log_warn("warehouse: audit row of statement %s not written: %s", c->x->statement_id, ae.message);
	json_decref(params);
}

/* Registers a view (CREATE [OR REPLACE] VIEW) through the catalog domain, with the REST
 * route's audit row. 1: it existed and IF NOT EXISTS was given. */
static int register_view(wh_ctx *c, weir_db_pool *pool, const weir_wh_cstmt *cs, const char *def,
			 const weir_wh_coldef *cols, int ncols, json_t *deps, weir_securable *view, weir_error *err)
{
	const char *full = full_name(c, cs->parts, cs->nparts, err);
	const char *p3[3];
	if (full == NULL || weir_gov_split_full_name(c->a, "statement", full, 3, p3, err) != 0)
		return -1;
	weir_db *md = weir_db_acquire(pool);
	int rc = -1;
	if (weir_db_begin_write(md, err) != 0)
		goto out;
	weir_securable schema, old;
	if (weir_gov_resolve(md, c->a, c->p, WEIR_SEC_SCHEMA, weir_arena_printf(c->a, "%s.%s", p3[0], p3[1]), &schema,
			     err) != 0)
		goto rollback;
	weir_error e2 = WEIR_ERROR_INIT;
	if (weir_gov_resolve(md, c->a, c->p, WEIR_SEC_TABLE, full, &old, &e2) == 0) {
		if (cs->if_not_exists) {
			*view = old;
			rc = 1;
			goto rollback;
		}
		if (cs->or_replace) {
			json_t *info = weir_catalog_get(md, c->a, &old, true, true, err);
			if (info == NULL)
				goto rollback;
			const char *type = json_string_value(json_object_get(info, "table_type"));
			bool is_view = type && strcmp(type, "VIEW") == 0;
			json_decref(info);
			if (!is_view) {
				weir_error_set(
					err, WEIR_E_INVALID_PARAMETER_VALUE,
					"[EXPECT_VIEW_NOT_TABLE] '%s' is a table: CREATE OR REPLACE VIEW replaces "
					"views only",
					old.full_name);
				goto rollback;
			}
			/* replacing in place (grants and lineage stay): the owner's or a manager's,
			 * as the REST API's DELETE rule */
			if (weir_gov_check(md, c->p, WEIR_OP_DELETE, &old, err) != 0)
				goto rollback;
			json_t *ch = json_pack("{s:s, s:o}", "view_definition", def, "replace_columns",
					       weir_wh__uc_columns(cols, ncols, 0));
			json_t *done = weir_catalog_update_sql(md, c->a, c->p, &old, ch, err);
			json_decref(ch);
			if (done == NULL)
				goto rollback;
			json_decref(done);
			*view = old;
			uc_audit(c, md, "updateTable", view->full_name, NULL);
			if (weir_db_commit(md, err) != 0)
				goto out;
			rc = 0;
			goto out;
		}
	}
	json_t *body = json_pack("{s:s, s:s, s:o, s:{s:O}}", "table_type", "VIEW", "view_definition", def, "columns",
				 weir_wh__uc_columns(cols, ncols, 0), "view_dependencies", "dependencies", deps);
	if (create_in_schema(c, md, p3, full, &schema, body, cs->comment, view, err) != 0)
		goto rollback;
	uc_audit(c, md, "createTable", view->full_name, NULL);
	if (weir_db_commit(md, err) != 0)
		goto out;
	rc = 0;
	goto out;
rollback:
	weir_db_rollback(md);
	if (rc < 0 && weir_db_begin_write(md, &e2) == 0) {
		uc_audit(c, md, "createTable", full, err);
		if (weir_db_commit(md, &e2) != 0)
			weir_log_warn("warehouse: audit row of statement %s not written", c->x->statement_id);
	}
out:
	weir_db_release(md);
	return rc;
}

/* CREATE [OR REPLACE] VIEW v AS <query>: the query must run for the caller (SELECT on what
 * it reads); the view keeps it with every name in three parts (so it means the same from
 * any default catalog and schema), its columns from the query's, and column lineage. */
static void run_create_view(wh_ctx *c, weir_db_pool *pool, const char *sql, const weir_wh_cstmt *cs, weir_wh_outcome *o)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *query = sql + cs->body;
	weir_wh_scan sc;
	const char *text = as_query(c, pool, query, "CREATE VIEW", &sc, o);
	if (text == NULL)
		return;
	/* the definition as kept: names in three parts; the dependencies */
	const char **q = weir_arena_alloc(c->a, (size_t)(sc.nrefs + 1) * sizeof(*q));
	json_t *deps = weir_json_own(c->a, json_array());
	for (int i = 0; i < sc.nrefs; i++) {
		const char *full = full_name(c, sc.refs[i].parts, sc.refs[i].nparts, &e);
		const char *p3[3];
		if (full == NULL || weir_gov_split_full_name(c->a, "statement", full, 3, p3, &e) != 0) {
			fail_err(o, &e);
			return;
		}
		q[i] = weir_arena_printf(c->a, "%s.%s.%s", weir_wh_quote_name(c->a, p3[0]),
					 weir_wh_quote_name(c->a, p3[1]), weir_wh_quote_name(c->a, p3[2]));
		json_array_append_new(deps, json_pack("{s:{s:s}}", "table", "table_full_name", full));
	}
	const char *def = weir_wh_rewrite_with(c->a, query, sc.refs, sc.nrefs, q);
	int ncol = 0;
	weir_wh_coldef *cols = query_columns_of(c, pool, text, false, &ncol, o);
	if (cols == NULL)
		return;
	weir_securable *view = weir_arena_alloc(c->a, sizeof(*view));
	int reg = register_view(c, pool, cs, def, cols, ncol, deps, view, &e);
	if (reg < 0) {
		fail_err(o, &e);
		return;
	}
	c->target_full_name = view->full_name;
	o->state = WEIR_WH_SUCCEEDED;
	if (reg == 1)
		return;
	/* every table the query named was read: lineage sources (the authorizer saw them at prepare) */
	c->dst_view = view;
	lineage_to(c, query, cols, ncol);
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
	c->first_word = "";
	c->sys_ok = -1;
	weir_wh_scan sc;
	if (weir_wh_scan_refs(c->a, x->statement, &sc, &e) != 0) {
		fail_err(o, &e);
		goto record;
	}
	c->first_word = sc.first_word;
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
				json_t *cols = weir_wh__uc_columns(d.cols, d.ncols, 0);
				if (reg == 0 && ensure_file(c->a, table.id, cols, &e) != 0)
					fail_err(o, &e);
				else
					o->state = WEIR_WH_SUCCEEDED;
				json_decref(cols);
			}
		}
		break;
	}
	default: {
		weir_wh_cstmt cs;
		int is = weir_wh_parse_catalog(c->a, x->statement, &cs, &e);
		if (is < 0) {
			fail_err(o, &e);
			break;
		}
		if (is == 1) {
			if (cs.kind == WEIR_WH_C_CREATE_VIEW)
				run_create_view(c, pool, x->statement, &cs, o);
			else
				weir_wh__catalog_run(pool, c->a, c->p, x, &cs, o, &c->target_full_name);
			break;
		}
	}
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
