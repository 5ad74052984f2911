/* The PostgreSQL store behind core/db.h (weir serve --store postgresql://...): a pool of
 * libpq connections, a per-connection cache of named prepared statements (SQL translated
 * from the stores' SQLite text, core/db_pgsql.c), transactions, migrations under an
 * advisory lock, and reconnection.
 *
 * Invariants:
 * - A connection is used by one thread at a time; it goes back to the pool with its
 *   transaction ended.
 * - Writes: BEGIN ... COMMIT on the request's own connection, under the process-wide write
 *   lock and a transaction-level advisory lock shared by all replicas (weir_pg_begin_write):
 *   write transactions are serialised across replicas as SQLite's are in one process, so
 *   every store rule that reads then writes holds unchanged. COMMIT returns once
 *   PostgreSQL has made the transaction durable (synchronous_commit on, checked at start):
 *   weir_db_commit_deferred commits at once and its token is always "durable".
 * - A lost connection fails the statements in flight (503 TEMPORARILY_UNAVAILABLE, "the
 *   database is unreachable") and is reconnected when it is next borrowed.
 * - Migrations: weir_migrations (migrations/NNNN_*.sql) translated at start
 *   (weir_pg_translate_script), applied in one transaction each while holding
 *   pg_advisory_lock(WEIR_PG_LOCK), so replicas starting together apply each once. */
#include "core/db_pg.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/db_int.h"
#include "core/arena.h"
#include "core/util.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

bool weir_db__pg;

#define WEIR_PG_LOCK 0x57656972 /* advisory lock key of the migrations: "Weir" */
#define WEIR_PG_WRITE_LOCK "1466263925" /* of write transactions: "Weiu" */

/* step results beyond ROW/DONE (SQLite's numbers, so weir_db_fail maps them alike) */
enum { PG_ERROR = 1, PG_BUSY = 5, PG_IOERR = 10, PG_CONSTRAINT = 19 };

/* type oids of pg_type.h */
enum { OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_OID = 26 };
enum { OID_FLOAT4 = 700, OID_FLOAT8 = 701, OID_NUMERIC = 1700 };

typedef struct pg_pool pg_pool;
typedef struct pg_conn pg_conn;

typedef struct pg_stmt {
	pg_conn *conn;
	const char *key; /* the static SQL (cache key); NULL for a one-off */
	char *sql; /* translated */
	/* prepared forms, one per shape of the values bound (which are integers, reals, NULL) */
	struct pg_variant {
		char name[24];
		char *shape; /* s->kinds when it was prepared */
		bool prepared;
	} var[4];
	int nvar;
	int nparams;
	char **vals;
	char *kinds; /* per parameter: 'i' integer, 'd' real, 't' text, 'n' NULL */
	PGresult *res;
	int row, nrows;
	char boolbuf[2];
} pg_stmt;

struct pg_conn {
	pg_pool *pool;
	PGconn *pc;
	weir_stmt_cache stmts; /* pg_stmt * by SQL text */
	unsigned next_name;
	bool in_write, in_read, wrote;
	/* weir_pg_begin_read was called and its BEGIN is not sent yet: it goes with the first
	 * statement (open_read), so a request that writes first, or reads nothing, spends no
	 * round trip on an empty read transaction */
	bool read_wanted;
	/* a read's ROLLBACK was sent and its answer not read yet: read at the connection's next
	 * use (drain, from conn_ok), so no request waits for the end of its own read */
	bool end_pending;
	bool lost; /* a statement failed for want of the server since the connection was borrowed */
	unsigned epoch; /* the pool's lost_epoch when this connection was last (re)connected */
	int64_t changes;
	uint64_t read_gen;
	int ncounters; /* the change counters read with the read transaction's BEGIN */
	int64_t counters[WEIR_DB_MAX_COUNTERS];
	char sqlstate[6];
	weir_db_memo memo;
	char *notify; /* NOTIFY commands sent with the transaction's COMMIT (weir_pg_notify) */
};

struct pg_pool {
	char *url;
	pg_conn *conns;
	int size;
	weir_db_idle idle;
	pthread_mutex_t write_mu;
	int schema_version;
	/* moves when a connection is found lost: the others reconnect before their next use
	 * instead of failing a request each on a dead socket */
	_Atomic unsigned lost_epoch;
	/* weir_pg_leader: its own session, holding the roles' advisory locks */
	pthread_mutex_t leader_mu;
	PGconn *leader_pc;
	uint32_t held; /* bit r: role r's lock is held on leader_pc */
	unsigned leader_conns; /* connections made for leader_pc so far */
	unsigned listen_on; /* the one of them on which LISTEN listen_ch was run (0: none) */
	char listen_ch[64];
};

static _Atomic uint64_t pg_generation_seq;

/* This process among the store's: the first word of its notifications' payload, so that a
 * listener skips its own (the process woke itself already). Set when the pool opens. */
static char pg_instance[48];

#define CONN(c) ((pg_conn *)(void *)(c))
#define STMT(s) ((pg_stmt *)(void *)(s))

static PGconn *connect_url(const char *url)
{
	const char *keys[] = {"dbname", "connect_timeout", "application_name", "keepalives_idle", NULL};
	const char *vals[] = {url, "5", "weir", "10", NULL};
	PGconn *pc = PQconnectdbParams(keys, vals, 1);
	if (pc && PQstatus(pc) == CONNECTION_OK) {
		/* identical text results whatever the server's defaults */
		PGresult *r = PQexec(pc, "SET client_encoding = 'UTF8'; SET extra_float_digits = 1; "
					 "SET synchronous_commit = on; SET TIME ZONE 'UTC'");
		PQclear(r);
	}
	return pc;
}

static void forget_prepared(pg_conn *c)
{
	for (size_t i = 0; i < c->stmts.nslots; i++) {
		pg_stmt *s = c->stmts.slots[i].st;
		if (s)
			for (int k = 0; k < s->nvar; k++)
				s->var[k].prepared = false;
	}
}

/* Reads the answer of a ROLLBACK sent without waiting (weir_pg_end_read); the connection is
 * free for a new command after. */
static void drain(pg_conn *c)
{
	if (!c->end_pending)
		return;
	c->end_pending = false;
	PGresult *r;
	while ((r = PQgetResult(c->pc)) != NULL)
		PQclear(r);
}

/* A connection lost (server restarted, network): try once to reconnect. Every command sent
 * outside a transaction passes here first, so a pending ROLLBACK's answer is read first. */
static bool conn_ok(pg_conn *c)
{
	drain(c);
	/* never inside a transaction: a new session would run the rest of it as autocommit
	 * statements; the transaction fails instead (weir_pg_commit refuses after a loss) */
	if (c->in_read || c->in_write)
		return c->pc && PQstatus(c->pc) == CONNECTION_OK;
	unsigned epoch = atomic_load(&c->pool->lost_epoch);
	if (c->pc && PQstatus(c->pc) == CONNECTION_OK && c->epoch == epoch)
		return true;
	c->epoch = epoch;
	if (c->pc)
		PQreset(c->pc);
	else
		c->pc = connect_url(c->pool->url);
	if (PQstatus(c->pc) != CONNECTION_OK)
		return false;
	PGresult *r = PQexec(c->pc, "SET client_encoding = 'UTF8'; SET extra_float_digits = 1; "
				    "SET synchronous_commit = on; SET TIME ZONE 'UTC'");
	PQclear(r);
	forget_prepared(c);
	weir_log_info("reconnected to the PostgreSQL store");
	return true;
}

/* The result code of a failed command: its SQLSTATE class decides. */
static int result_rc(pg_conn *c, PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", state ? state : "08006");
	if (PQstatus(c->pc) != CONNECTION_OK || state == NULL || strncmp(state, "08", 2) == 0 ||
	    strncmp(state, "57P", 3) == 0) {
		if (!c->lost)
			atomic_fetch_add(&c->pool->lost_epoch, 1);
		c->lost = true;
		return PG_IOERR;
	}
	if (strncmp(state, "23", 2) == 0)
		return PG_CONSTRAINT;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
		return PG_BUSY;
	return PG_ERROR;
}

static int exec_simple(pg_conn *c, const char *sql, weir_error *err)
{
	PGresult *r = PQexec(c->pc, sql);
	ExecStatusType s = PQresultStatus(r);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		int rc = result_rc(c, r);
		weir_log_error("postgresql: %s: %.300s", PQresultErrorMessage(r), sql);
		PQclear(r);
		return weir_pg_fail((weir_db *)(void *)c, rc, err);
	}
	PQclear(r);
	return 0;
}

/* -- migrations -- */

/* SQLite's functions and operators that the stores use and PostgreSQL lacks under the same
 * name (core/db_pgsql.c renames the others). Re-applied at every start (idempotent). */
static const char PG_COMPAT[] =
	"DO $c$ BEGIN "
	"IF NOT EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'nocase') THEN "
	"  CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false); "
	"END IF; END $c$;\n"
	"CREATE OR REPLACE FUNCTION json(text) RETURNS json LANGUAGE sql IMMUTABLE AS $f$SELECT $1::json$f$;\n"
	"CREATE OR REPLACE FUNCTION weir_json_path(text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $f$"
	"SELECT coalesce(array_agg(coalesce(m[1], m[2]) ORDER BY o), '{}') FROM "
	"regexp_matches($1, '\\.([^.\\[]+)|\\[(\\d+)\\]', 'g') WITH ORDINALITY AS t(m, o)$f$;\n"
	"CREATE OR REPLACE FUNCTION json_extract(text, text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$"
	"SELECT CASE jsonb_typeof(v) WHEN 'boolean' THEN (CASE WHEN v::text = 'true' THEN '1' ELSE '0' END) "
	"ELSE $1::jsonb #>> weir_json_path($2) END FROM (SELECT $1::jsonb #> weir_json_path($2) AS v) s$f$;\n"
	"CREATE OR REPLACE FUNCTION weir_json_each(text) RETURNS TABLE(value text) LANGUAGE sql IMMUTABLE AS $f$"
	"SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof($1::jsonb) = 'array' THEN $1::jsonb "
	"ELSE '[]'::jsonb END)$f$;\n"
	"CREATE OR REPLACE FUNCTION unixepoch(text) RETURNS bigint LANGUAGE sql STABLE AS $f$"
	"SELECT extract(epoch FROM now())::bigint$f$;\n"
	"CREATE OR REPLACE FUNCTION date(bigint, text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$"
	"SELECT to_char(to_timestamp($1) AT TIME ZONE 'UTC', 'YYYY-MM-DD')$f$;\n"
	"CREATE OR REPLACE FUNCTION weir_limit(bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS $f$"
	"SELECT CASE WHEN $1 < 0 THEN NULL ELSE $1 END$f$;\n"
	"CREATE OR REPLACE FUNCTION weir_bool_max(integer, boolean) RETURNS integer LANGUAGE sql IMMUTABLE AS $f$"
	"SELECT greatest($1, $2::int)$f$;\n"
	"CREATE OR REPLACE AGGREGATE max(boolean) (SFUNC = weir_bool_max, STYPE = integer);\n"
	"CREATE OR REPLACE FUNCTION weir_glob(s text, pat text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE STRICT "
	"AS $f$ DECLARE re text := '^'; i int := 1; n int := length(pat); c text; j int; "
	"BEGIN WHILE i <= n LOOP c := substr(pat, i, 1); "
	"IF c = '*' THEN re := re || '.*'; ELSIF c = '?' THEN re := re || '.'; "
	"ELSIF c = '[' AND strpos(substr(pat, i + 2), ']') > 0 THEN "
	"  j := i + 1 + strpos(substr(pat, i + 2), ']'); "
	"  re := re || '[' || replace(regexp_replace(substr(pat, i + 1, j - i - 1), '^\\^', '^'), '\\', '\\\\') "
	"|| ']'; i := j; "
	"ELSIF c ~ '[\\\\.^$|()\\[\\]{}+*?]' THEN re := re || '\\' || c; ELSE re := re || c; END IF; "
	"i := i + 1; END LOOP; RETURN s ~ (re || '$'); END $f$;\n"
	"DO $c$ BEGIN "
	"IF NOT EXISTS (SELECT 1 FROM pg_operator WHERE oprname = '#~#') THEN "
	"  CREATE OPERATOR #~# (LEFTARG = text, RIGHTARG = text, FUNCTION = weir_glob); "
	"END IF; END $c$;\n"
	"CREATE TABLE IF NOT EXISTS weir_schema (version integer PRIMARY KEY, name text NOT NULL, "
	"applied_at timestamptz NOT NULL DEFAULT now());\n"
	/* the store's change counter: one more per write transaction (the generations) */
	"CREATE TABLE IF NOT EXISTS weir_changes (id integer PRIMARY KEY CHECK (id = 1), n bigint NOT NULL);\n"
	"INSERT INTO weir_changes VALUES (1, 0) ON CONFLICT DO NOTHING;\n";

static const char PG_SYNC_IDENTITIES[] =
	"DO $s$ DECLARE r record; BEGIN FOR r IN SELECT table_name, column_name FROM information_schema.columns "
	"WHERE table_schema = current_schema() AND is_identity = 'YES' AND column_name <> 'rowid' LOOP "
	"EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L), greatest(coalesce((SELECT max(%I) FROM %I), "
	"0), 1), (SELECT max(%I) FROM %I) IS NOT NULL)', r.table_name, r.column_name, r.column_name, r.table_name, "
	"r.column_name, r.table_name); "
	/* SQLite gives a new row max(id) + 1 even after rows with explicit ids (bootstrap's
	 * workspace 1): the sequence follows explicit ids */
	"EXECUTE format('CREATE OR REPLACE FUNCTION %I() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN "
	"IF NEW.%I > (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM %s) THEN "
	"PERFORM setval(%L, NEW.%I); END IF; RETURN NEW; END $f$', "
	"'weir_idf_' || r.table_name, r.column_name, pg_get_serial_sequence(r.table_name, r.column_name), "
	"pg_get_serial_sequence(r.table_name, r.column_name), r.column_name); "
	"EXECUTE format('CREATE OR REPLACE TRIGGER %I BEFORE INSERT ON %I FOR EACH ROW EXECUTE FUNCTION %I()', "
	"'weir_idt_' || r.table_name, r.table_name, 'weir_idf_' || r.table_name); "
	"END LOOP; END $s$";

static int migrate(pg_conn *c, int *version, weir_error *err)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_lock(%d)", WEIR_PG_LOCK);
	if (exec_simple(c, sql, err) != 0)
		return -1;
	int rc = -1;
	int current = 0;
	PGresult *r = NULL;
	if (exec_simple(c, "BEGIN", err) != 0 || exec_simple(c, PG_COMPAT, err) != 0 ||
	    exec_simple(c, "COMMIT", err) != 0)
		goto out;
	r = PQexec(c->pc, "SELECT coalesce(max(version), 0) FROM weir_schema");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		weir_log_error("postgresql: %s", PQresultErrorMessage(r));
		weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot read the schema version");
		goto out;
	}
	current = atoi(PQgetvalue(r, 0, 0));
	int latest = weir_db_latest_version();
	if (current > latest) {
		weir_error_set(err, WEIR_E_INTERNAL_ERROR, "database schema version %d is newer than this binary (%d)",
			       current, latest);
		goto out;
	}
	for (const weir_migration *m = weir_migrations; m->sql != NULL; m++) {
		if (m->version <= current)
			continue;
		/* a migration for SQLite alone says so on its first line: recorded, not run */
		char *text = weir_migration_other_store(m, true) ? weir_xstrdup("SELECT 1")
								 : weir_pg_translate_script(m->sql);
		if (text == NULL) {
			weir_error_set(err, WEIR_E_INTERNAL_ERROR, "migration %s cannot be translated", m->name);
			goto out;
		}
		char ins[300];
		snprintf(ins, sizeof(ins), "INSERT INTO weir_schema (version, name) VALUES (%d, '%s')", m->version,
			 m->name);
		if (exec_simple(c, "BEGIN", err) != 0) {
			free(text);
			goto out;
		}
		if (exec_simple(c, text, err) != 0 || exec_simple(c, ins, err) != 0 ||
		    exec_simple(c, "COMMIT", err) != 0) {
			free(text);
			PQclear(PQexec(c->pc, "ROLLBACK"));
			weir_error_set(err, WEIR_E_INTERNAL_ERROR, "migration %s failed", m->name);
			goto out;
		}
		free(text);
		weir_log_info("applied migration %s (postgresql)", m->name);
	}
	/* rows inserted with explicit ids (migrations' seed rows) do not move identity sequences.
	 * Under the write lock: max(id) read while another replica's bootstrap has inserted but
	 * not committed would set a sequence back under that replica's next insert (seen:
	 * duplicate principals_pkey with three replicas starting on an empty database). */
	if (exec_simple(c, "BEGIN", err) != 0 ||
	    exec_simple(c, "SELECT pg_advisory_xact_lock(" WEIR_PG_WRITE_LOCK ")", err) != 0 ||
	    exec_simple(c, PG_SYNC_IDENTITIES, err) != 0 || exec_simple(c, "COMMIT", err) != 0) {
		PQclear(PQexec(c->pc, "ROLLBACK"));
		goto out;
	}
	*version = latest;
	rc = 0;
out:
	PQclear(r);
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_unlock(%d)", WEIR_PG_LOCK);
	PQclear(PQexec(c->pc, sql));
	return rc;
}

/* -- the pool -- */

weir_db_pool *weir_pg_pool_open(const char *url, int size, weir_error *err)
{
	weir_db__pg = true;
	snprintf(pg_instance, sizeof(pg_instance), "%d.%lld", (int)getpid(), (long long)weir_now_ms());
	if (size < 1)
		size = 1;
	pg_pool *p = weir_xcalloc(1, sizeof(*p));
	p->url = weir_xstrdup(url);
	weir_db_idle_init(&p->idle, size);
	pthread_mutex_init(&p->write_mu, NULL);
	pthread_mutex_init(&p->leader_mu, NULL);
	p->conns = weir_xcalloc((size_t)size, sizeof(pg_conn));
	p->size = size;
	for (int i = 0; i < size; i++) {
		pg_conn *c = &p->conns[i];
		c->pool = p;
		weir_stmt_cache_init(&c->stmts);
		c->pc = connect_url(url);
		if (PQstatus(c->pc) != CONNECTION_OK) {
			/* the message may name the host, never the password (libpq's own text) */
			weir_log_error("cannot connect to the PostgreSQL store: %s", PQerrorMessage(c->pc));
			weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot connect to the PostgreSQL store");
			goto fail;
		}
		if (i == 0) {
			PGresult *r = PQexec(c->pc, "SELECT current_setting('lc_collate')");
			if (PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), "C") != 0 &&
			    strcmp(PQgetvalue(r, 0, 0), "POSIX") != 0)
				weir_log_warn("the PostgreSQL database's collation is %s, not C: names sort "
					      "differently from SQLite (create it with --locale=C)",
					      PQgetvalue(r, 0, 0));
			PQclear(r);
			if (migrate(c, &p->schema_version, err) != 0)
				goto fail;
		}
		weir_db_idle_push(&p->idle, c);
	}
	return (weir_db_pool *)(void *)p;
fail:
	weir_pg_pool_close((weir_db_pool *)(void *)p);
	return NULL;
}

static void stmt_free(pg_stmt *s)
{
	if (s == NULL)
		return;
	PQclear(s->res);
	for (int i = 0; i < s->nparams; i++)
		free(s->vals[i]);
	for (int i = 0; i < s->nvar; i++)
		free(s->var[i].shape);
	free(s->vals);
	free(s->kinds);
	free(s->sql);
	free(s);
}

void weir_pg_pool_close(weir_db_pool *pool)
{
	pg_pool *p = (pg_pool *)(void *)pool;
	if (p == NULL)
		return;
	for (int i = 0; i < p->size; i++) {
		pg_conn *c = &p->conns[i];
		for (size_t j = 0; j < c->stmts.nslots; j++)
			stmt_free(c->stmts.slots ? c->stmts.slots[j].st : NULL);
		weir_stmt_cache_free(&c->stmts);
		weir_db_memo_free(&c->memo);
		if (c->pc)
			PQfinish(c->pc);
	}
	free(p->conns);
	if (p->leader_pc)
		PQfinish(p->leader_pc); /* its locks go with the session */
	pthread_mutex_destroy(&p->leader_mu);
	free(p->url);
	weir_db_idle_destroy(&p->idle);
	pthread_mutex_destroy(&p->write_mu);
	free(p);
}

int weir_pg_pool_schema_version(weir_db_pool *pool) { return ((pg_pool *)(void *)pool)->schema_version; }

bool weir_pg_pool_ready(weir_db_pool *pool)
{
	weir_db *db = weir_pg_acquire(pool);
	pg_conn *c = CONN(db);
	bool ok = false;
	if (conn_ok(c)) {
		PGresult *r = PQexec(c->pc, "SELECT 1");
		ok = PQresultStatus(r) == PGRES_TUPLES_OK;
		PQclear(r);
	}
	weir_pg_release(db);
	return ok;
}

bool weir_pg_leader(weir_db_pool *pool, int role)
{
	pg_pool *p = (pg_pool *)(void *)pool;
	if (role < 0 || role > 31)
		return false;
	pthread_mutex_lock(&p->leader_mu);
	uint32_t bit = 1u << role;
	if (p->leader_pc == NULL || PQstatus(p->leader_pc) != CONNECTION_OK) {
		if (p->held)
			weir_log_warn("lost the connection holding this replica's roles: released to other replicas");
		p->held = 0;
		if (p->leader_pc)
			PQfinish(p->leader_pc);
		p->leader_pc = connect_url(p->url);
		p->leader_conns++;
	}
	bool ok = false;
	if (PQstatus(p->leader_pc) == CONNECTION_OK) {
		char sql[96];
		if (p->held & bit)
			snprintf(sql, sizeof(sql), "SELECT true"); /* still connected: still held */
		else
			snprintf(sql, sizeof(sql), "SELECT pg_try_advisory_lock(%d, %d)", WEIR_PG_LOCK, role);
		PGresult *r = PQexec(p->leader_pc, sql);
		ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQgetvalue(r, 0, 0)[0] == 't';
		PQclear(r);
		if (!ok && (p->held & bit)) {
			weir_log_warn("lost the connection holding this replica's roles: released to other replicas");
			p->held = 0;
		}
		if (ok && !(p->held & bit))
			weir_log_info("this replica now holds role %d (only one replica of the store does)", role);
	}
	p->held = ok ? p->held | bit : p->held & ~bit;
	pthread_mutex_unlock(&p->leader_mu);
	return ok;
}

bool weir_pg_lost(weir_db *db) { return CONN(db)->lost; }

/* -- notifications across replicas (LISTEN/NOTIFY) -- */

void weir_pg_notify(weir_db *db, const char *channel, int64_t arg)
{
	pg_conn *c = CONN(db);
	char *next = NULL;
	if (asprintf(&next, "%sNOTIFY %s, '%s %lld'; ", c->notify ? c->notify : "", channel, pg_instance,
		     (long long)arg) < 0)
		abort();
	free(c->notify);
	c->notify = next;
}

int weir_pg_listen(weir_db_pool *pool, const char *channel)
{
	pg_pool *p = (pg_pool *)(void *)pool;
	int fd = -1;
	pthread_mutex_lock(&p->leader_mu);
	if (p->leader_pc && PQstatus(p->leader_pc) == CONNECTION_OK) {
		if (p->listen_on != p->leader_conns || strcmp(p->listen_ch, channel) != 0) {
			char sql[96];
			snprintf(sql, sizeof(sql), "LISTEN %s", channel);
			PGresult *r = PQexec(p->leader_pc, sql);
			if (PQresultStatus(r) == PGRES_COMMAND_OK) {
				p->listen_on = p->leader_conns;
				snprintf(p->listen_ch, sizeof(p->listen_ch), "%s", channel);
			}
			PQclear(r);
		}
		if (p->listen_on == p->leader_conns)
			fd = PQsocket(p->leader_pc);
	}
	pthread_mutex_unlock(&p->leader_mu);
	return fd;
}

int weir_pg_notifications(weir_db_pool *pool, void (*fn)(void *ctx, int64_t arg), void *ctx)
{
	pg_pool *p = (pg_pool *)(void *)pool;
	int n = 0;
	pthread_mutex_lock(&p->leader_mu);
	if (p->leader_pc && p->listen_on == p->leader_conns && PQconsumeInput(p->leader_pc)) {
		PGnotify *m;
		while ((m = PQnotifies(p->leader_pc)) != NULL) {
			const char *sp = m->extra ? strchr(m->extra, ' ') : NULL;
			size_t len = sp ? (size_t)(sp - m->extra) : 0;
			if (sp && strcmp(m->relname, p->listen_ch) == 0 &&
			    (len != strlen(pg_instance) || strncmp(m->extra, pg_instance, len) != 0)) {
				n++;
				fn(ctx, strtoll(sp + 1, NULL, 10));
			}
			PQfreemem(m);
		}
	}
	pthread_mutex_unlock(&p->leader_mu);
	return n;
}

weir_db *weir_pg_acquire(weir_db_pool *pool)
{
	pg_pool *p = (pg_pool *)(void *)pool;
	int64_t waited_us; /* not counted in the metrics for this store */
	pg_conn *c = weir_db_idle_pop(&p->idle, &waited_us);
	c->lost = false;
	conn_ok(c); /* a failure shows in the first statement: 503 */
	return (weir_db *)(void *)c;
}

void weir_pg_release(weir_db *db)
{
	pg_conn *c = CONN(db);
	if (c == NULL)
		return;
	free(c->notify); /* queued outside a write transaction: nothing committed announces it */
	c->notify = NULL;
	weir_db_idle_push(&c->pool->idle, c);
}

const char *weir_pg_memo_get(weir_db *db, const char *key) { return weir_db_memo_find(&CONN(db)->memo, key); }

void weir_pg_memo_set(weir_db *db, const char *key, const char *value)
{
	weir_db_memo_put(&CONN(db)->memo, key, value);
}

static int open_read(pg_conn *c);

uint64_t weir_pg_generation(weir_db *db)
{
	pg_conn *c = CONN(db);
	if (c->in_write)
		return 0;
	if (c->read_wanted)
		open_read(c);
	if (c->in_read)
		return c->read_gen;
	/* outside a read transaction nothing says what the store holds: a value no cache
	 * entry can have (above every counter value) */
	return (1ull << 62) + atomic_fetch_add(&pg_generation_seq, 1);
}

/* -- statements -- */

static void stmt_reset(pg_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
	s->nrows = 0;
}

/* Drops the results every cached statement of c holds, as a transaction ends (no read of
 * one may outlive it). */
static void stmts_reset(pg_conn *c)
{
	for (size_t i = 0; i < c->stmts.nslots; i++)
		if (c->stmts.slots[i].st)
			stmt_reset(c->stmts.slots[i].st);
}

static pg_stmt *stmt_new(pg_conn *c, const char *key, const char *sql)
{
	pg_stmt *s = weir_xcalloc(1, sizeof(*s));
	s->conn = c;
	s->key = key;
	s->sql = weir_pg_translate(sql, &s->nparams);
	s->vals = weir_xcalloc((size_t)(s->nparams > 0 ? s->nparams : 1), sizeof(char *));
	s->kinds = weir_xcalloc((size_t)s->nparams + 1, 1);
	memset(s->kinds, 'n', (size_t)s->nparams);
	s->row = -1;
	return s;
}

weir_stmt *weir_pg_stmt(weir_db *db, const char *sql, weir_error *err)
{
	(void)err;
	pg_conn *c = CONN(db);
	pg_stmt *s = weir_stmt_cache_get(&c->stmts, sql);
	if (s != NULL) {
		stmt_reset(s);
		for (int k = 0; k < s->nparams; k++) {
			free(s->vals[k]);
			s->vals[k] = NULL;
			s->kinds[k] = 'n';
		}
		return (weir_stmt *)(void *)s;
	}
	s = stmt_new(c, sql, sql);
	weir_stmt_cache_put(&c->stmts, sql, s);
	return (weir_stmt *)(void *)s;
}

void weir_pg_done(weir_stmt *st)
{
	if (st)
		stmt_reset(STMT(st));
}

int weir_pg_prepare(weir_db *db, const char *sql, weir_stmt **out)
{
	*out = (weir_stmt *)(void *)stmt_new(CONN(db), NULL, sql);
	return WEIR_DB_OK;
}

void weir_pg_finalize(weir_stmt *st) { stmt_free(STMT(st)); }

static void set_val(pg_stmt *s, int i, char *v, char kind)
{
	if (i < 1 || i > s->nparams) {
		free(v);
		return;
	}
	free(s->vals[i - 1]);
	s->vals[i - 1] = v;
	s->kinds[i - 1] = v ? kind : 'n';
}

void weir_pg_bind(weir_stmt *st, int i, const char *text)
{
	set_val(STMT(st), i, text ? weir_xstrdup(text) : NULL, 't');
}

void weir_pg_bind_i64(weir_stmt *st, int i, int64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	set_val(STMT(st), i, weir_xstrdup(buf), 'i');
}

void weir_pg_bind_double(weir_stmt *st, int i, double v)
{
	char buf[40];
	snprintf(buf, sizeof(buf), "%.17g", v);
	set_val(STMT(st), i, weir_xstrdup(buf), 'd');
}

/* The parameter named by "could not determine data type of parameter $N" (0: none). */
static int untyped_param(PGresult *r)
{
	const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	const char *d = m ? strchr(m, '$') : NULL;
	return d ? atoi(d + 1) : 0;
}

static Oid type_named(const char *t, size_t n)
{
	static const struct {
		const char *name;
		Oid oid;
	} k[] = {{"bigint", OID_INT8},  {"integer", OID_INT4},   {"text", 25}, {"double precision", OID_FLOAT8},
		 {"boolean", OID_BOOL}, {"numeric", OID_NUMERIC}};
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (strlen(k[i].name) == n && strncmp(t, k[i].name, n) == 0)
			return k[i].oid;
	return 0;
}

/* "operator does not exist: bigint >= text" at the operator before `$N` (or after it): $N
 * takes the other operand's type. Returns whether a parameter got a type. */
static bool type_from_operator(const pg_stmt *s, PGresult *r, Oid *t, bool *fixed)
{
	const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
	const char *pre = "operator does not exist: ";
	if (m == NULL || pos == NULL || strncmp(m, pre, strlen(pre)) != 0)
		return false;
	const char *left = m + strlen(pre), *sp = strchr(left, ' ');
	const char *right = sp ? strchr(sp + 1, ' ') : NULL;
	if (sp == NULL || right == NULL)
		return false;
	right++;
	size_t at = (size_t)atoi(pos) - 1, len = strlen(s->sql);
	if (at >= len)
		return false;
	/* after the operator: $N is the right operand, typed as the left */
	const char *q = s->sql + at;
	while (*q && strchr("<>=!~#+-*/|&%", *q))
		q++;
	while (*q == ' ')
		q++;
	int n = 0;
	Oid want = 0;
	if (*q == '(') { /* a row comparison: its untyped parameters take the left type */
		Oid lt = type_named(left, (size_t)(sp - left));
		bool any = false;
		for (const char *e = q + 1; *e && *e != ')' && lt; e++) {
			int k = *e == '$' ? atoi(e + 1) : 0;
			if (k >= 1 && k <= s->nparams && t[k - 1] != lt) {
				t[k - 1] = lt;
				fixed[k - 1] = true;
				any = true;
			}
		}
		return any;
	}
	if (*q == '$') {
		n = atoi(q + 1);
		want = type_named(left, (size_t)(sp - left));
	} else { /* before it: the left operand, typed as the right */
		const char *b = s->sql + at;
		while (b > s->sql && b[-1] == ' ')
			b--;
		const char *d = b;
		while (d > s->sql && d[-1] >= '0' && d[-1] <= '9')
			d--;
		if (d > s->sql && d[-1] == '$' && d < b) {
			n = atoi(d);
			want = type_named(right, strlen(right));
		}
	}
	if (n < 1 || n > s->nparams || want == 0 || t[n - 1] == want || fixed[n - 1])
		return false;
	t[n - 1] = want;
	fixed[n - 1] = true;
	return true;
}

/* Errors of a parse that more parameter types may fix: indeterminate or mismatched types,
 * a missing or ambiguous operator or function (`bigint = text` after `SELECT $1`). */
static bool retry_typed(PGresult *r)
{
	const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	return st && (strcmp(st, "42P18") == 0 || strcmp(st, "42725") == 0 || strcmp(st, "42P08") == 0 ||
		      strcmp(st, "42883") == 0 || strcmp(st, "42804") == 0);
}

/* Parses s->sql with the parameter types `t` (one-off: runs it too). */
static PGresult *parse(pg_stmt *s, const char *name, const Oid *t)
{
	pg_conn *c = s->conn;
	if (name)
		return PQprepare(c->pc, name, s->sql, s->nparams, t);
	return PQexecParams(c->pc, s->sql, s->nparams, t, (const char *const *)s->vals, NULL, NULL, 0);
}

/* Statements are parsed with the types of the values bound (integer: bigint, real: double
 * precision), text and NULL untyped (PostgreSQL types them from their use, as it would a
 * literal). When that fails for a type: a parameter PostgreSQL names as untypable gets a
 * type alone; else NULLs are tried as bigint, then as text, then digit-only text as bigint.
 * A failed parse inside a transaction is undone by a savepoint. The form that worked is
 * kept per shape of the values (run()). */
static PGresult *prepare_typed(pg_stmt *s, const char *name)
{
	pg_conn *c = s->conn;
	bool in_tx = c->in_write || c->in_read;
	int n = s->nparams;
	Oid *t = weir_xcalloc((size_t)(n > 0 ? n : 1), sizeof(Oid));
	bool *fixed = weir_xcalloc((size_t)(n > 0 ? n : 1), sizeof(bool)); /* typed by an error: kept */
	for (int i = 0; i < n; i++)
		t[i] = s->kinds[i] == 'i' ? OID_INT8 : s->kinds[i] == 'd' ? OID_FLOAT8 : 0;
	if (in_tx)
		PQclear(PQexec(c->pc, "SAVEPOINT weir_parse"));
	PGresult *r = parse(s, name, t);
	int stage = 0;
	for (int tries = 0; PQresultStatus(r) == PGRES_FATAL_ERROR && retry_typed(r) && tries < 2 * n + 4; tries++) {
		int one = untyped_param(r);
		if (one >= 1 && one <= n && t[one - 1] == 0) {
			t[one - 1] = s->kinds[one - 1] == 'i' ? OID_INT8 : 25;
		} else if (type_from_operator(s, r, t, fixed)) {
			/* retried with that operand's type */
		} else if (stage < 3) {
			stage++;
			for (int i = 0; i < n; i++) {
				const char *v = s->vals[i];
				if (fixed[i])
					continue;
				if (stage == 1 && s->kinds[i] == 'n')
					t[i] = OID_INT8;
				else if (stage == 2 && s->kinds[i] == 'n')
					t[i] = 25;
				else if (stage == 3 && s->kinds[i] == 't' && v && *v &&
					 strspn(v + (*v == '-'), "0123456789") == strlen(v + (*v == '-')))
					t[i] = OID_INT8;
			}
		} else {
			break;
		}
		PQclear(r);
		if (in_tx)
			PQclear(PQexec(c->pc, "ROLLBACK TO SAVEPOINT weir_parse"));
		r = parse(s, name, t);
	}
	free(t);
	free(fixed);
	if (in_tx && PQstatus(c->pc) == CONNECTION_OK) {
		if (PQresultStatus(r) == PGRES_FATAL_ERROR) /* the failed statement is undone alone, as in SQLite */
			PQclear(PQexec(c->pc, "ROLLBACK TO SAVEPOINT weir_parse"));
		PQclear(PQexec(c->pc, "RELEASE SAVEPOINT weir_parse"));
	}
	return r;
}

static PGresult *run(pg_stmt *s)
{
	pg_conn *c = s->conn;
	if (s->key == NULL)
		return prepare_typed(s, NULL);
	struct pg_variant *v = NULL;
	for (int i = 0; i < s->nvar && v == NULL; i++)
		if (strcmp(s->var[i].shape, s->kinds) == 0)
			v = &s->var[i];
	if (v == NULL) {
		if (s->nvar == 4) { /* forms for four shapes: the last one goes */
			v = &s->var[3];
			char sql[48];
			snprintf(sql, sizeof(sql), "DEALLOCATE %s", v->name);
			if (v->prepared)
				PQclear(PQexec(c->pc, sql));
			free(v->shape);
		} else {
			v = &s->var[s->nvar++];
		}
		snprintf(v->name, sizeof(v->name), "w%u", c->next_name++);
		v->shape = weir_xstrdup(s->kinds);
		v->prepared = false;
	}
	if (!v->prepared) {
		PGresult *r = prepare_typed(s, v->name);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			weir_log_error("postgresql prepare failed: %s in: %.300s", PQresultErrorMessage(r), s->sql);
			return r;
		}
		PQclear(r);
		v->prepared = true;
	}
	return PQexecPrepared(c->pc, v->name, s->nparams, (const char *const *)s->vals, NULL, NULL, 0);
}

int weir_pg_step(weir_stmt *st)
{
	pg_stmt *s = STMT(st);
	pg_conn *c = s->conn;
	if (s->res == NULL) {
		int begun = c->read_wanted ? open_read(c) : 0;
		if (begun != 0)
			return begun;
		if (!conn_ok(c)) {
			snprintf(c->sqlstate, sizeof(c->sqlstate), "08006");
			c->lost = true;
			return PG_IOERR;
		}
		PGresult *r = run(s);
		ExecStatusType status = PQresultStatus(r);
		if (status == PGRES_TUPLES_OK) {
			s->res = r;
			s->nrows = PQntuples(r);
			s->row = -1;
			c->changes = 0;
			const char *n = PQcmdTuples(r);
			if (n && *n && strncmp(PQcmdStatus(r), "SELECT", 6) != 0) {
				c->changes = atoll(n);
				c->wrote = c->wrote || c->changes > 0;
			}
		} else if (status == PGRES_COMMAND_OK) {
			s->res = r;
			s->nrows = 0;
			const char *n = PQcmdTuples(r);
			c->changes = n && *n ? atoll(n) : 0;
			c->wrote = c->wrote || c->changes > 0;
		} else {
			int rc = result_rc(c, r);
			weir_log_error("postgresql: %s in: %.300s", PQresultErrorMessage(r), s->sql);
			PQclear(r);
			return rc;
		}
	}
	if (s->row + 1 < s->nrows) {
		s->row++;
		return WEIR_DB_ROW;
	}
	s->row = s->nrows;
	return WEIR_DB_DONE;
}

static const char *cell(pg_stmt *s, int col)
{
	if (s->res == NULL || s->row < 0 || s->row >= s->nrows || col < 0 || col >= PQnfields(s->res) ||
	    PQgetisnull(s->res, s->row, col))
		return NULL;
	const char *v = PQgetvalue(s->res, s->row, col);
	if (PQftype(s->res, col) == OID_BOOL) {
		s->boolbuf[0] = v[0] == 't' ? '1' : '0';
		s->boolbuf[1] = '\0';
		return s->boolbuf;
	}
	return v;
}

int64_t weir_pg_col_i64(weir_stmt *st, int col)
{
	const char *v = cell(STMT(st), col);
	if (v == NULL)
		return 0;
	Oid t = PQftype(STMT(st)->res, col);
	if (t == OID_FLOAT4 || t == OID_FLOAT8 || t == OID_NUMERIC)
		return (int64_t)strtod(v, NULL);
	return strtoll(v, NULL, 10);
}

double weir_pg_col_double(weir_stmt *st, int col)
{
	const char *v = cell(STMT(st), col);
	return v ? strtod(v, NULL) : 0.0;
}

const char *weir_pg_col_text(weir_stmt *st, int col) { return cell(STMT(st), col); }

int weir_pg_col_bytes(weir_stmt *st, int col)
{
	const char *v = cell(STMT(st), col);
	return v ? (int)strlen(v) : 0;
}

int weir_pg_col_type(weir_stmt *st, int col)
{
	pg_stmt *s = STMT(st);
	const char *v = cell(s, col);
	if (v == NULL)
		return WEIR_DB_NULL;
	switch (PQftype(s->res, col)) {
	case OID_BOOL:
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_OID: return WEIR_DB_INTEGER;
	case OID_FLOAT4:
	case OID_FLOAT8: return WEIR_DB_FLOAT;
	case OID_NUMERIC: return strpbrk(v, ".eEN") ? WEIR_DB_FLOAT : WEIR_DB_INTEGER;
	case OID_BYTEA: return WEIR_DB_BLOB;
	default: return WEIR_DB_TEXT;
	}
}

int64_t weir_pg_changes(weir_db *db) { return CONN(db)->changes; }

int64_t weir_pg_last_insert_id(weir_db *db)
{
	pg_conn *c = CONN(db);
	PGresult *r = PQexec(c->pc, "SELECT lastval()");
	int64_t id = PQresultStatus(r) == PGRES_TUPLES_OK ? atoll(PQgetvalue(r, 0, 0)) : 0;
	PQclear(r);
	return id;
}

/* -- transactions -- */

int weir_pg_fail(weir_db *db, int rc, weir_error *err)
{
	pg_conn *c = CONN(db);
	if (rc == PG_IOERR) {
		weir_log_error("the PostgreSQL store is unreachable: %s", c && c->pc ? PQerrorMessage(c->pc) : "");
		return weir_error_set(err, WEIR_E_TEMPORARILY_UNAVAILABLE, "the database is unreachable; retry");
	}
	if (rc == PG_BUSY)
		return weir_error_set(err, WEIR_E_TEMPORARILY_UNAVAILABLE, "the database is busy; retry");
	if (rc == PG_CONSTRAINT)
		return weir_error_set(err, WEIR_E_RESOURCE_CONFLICT, "the change conflicts with existing data");
	return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "internal error");
}

static int control(pg_conn *c, const char *sql, weir_error *err)
{
	if (!conn_ok(c) && (c->lost = true))
		return weir_pg_fail((weir_db *)(void *)c, PG_IOERR, err);
	return exec_simple(c, sql, err);
}

int weir_pg_begin_write(weir_db *db, weir_error *err)
{
	pg_conn *c = CONN(db);
	weir_pg_end_read(db);
	if (pthread_mutex_trylock(&c->pool->write_mu) != 0) {
		weir_metrics_write_queue_add(1);
		pthread_mutex_lock(&c->pool->write_mu);
		weir_metrics_write_queue_add(-1);
	}
	/* the cluster-wide write lock (a transaction-level advisory lock, released by COMMIT or
	 * ROLLBACK): write transactions of all replicas are serialised as SQLite's are, so every
	 * store rule that reads then writes (next version numbers, name checks, the first
	 * start's bootstrap) holds across replicas; each statement reads the latest commits */
	if (control(c, "BEGIN; SELECT pg_advisory_xact_lock(" WEIR_PG_WRITE_LOCK ")", err) != 0) {
		if (PQstatus(c->pc) == CONNECTION_OK)
			PQclear(PQexec(c->pc, "ROLLBACK"));
		pthread_mutex_unlock(&c->pool->write_mu);
		return -1;
	}
	c->in_write = true;
	c->wrote = false;
	return 0;
}

int weir_pg_commit(weir_db *db, weir_error *err)
{
	pg_conn *c = CONN(db);
	if (!c->in_write)
		return 0;
	if (c->lost) { /* a statement of this transaction met a lost connection: it is gone */
		if (PQstatus(c->pc) == CONNECTION_OK)
			PQclear(PQexec(c->pc, "ROLLBACK"));
		c->in_write = false;
		c->wrote = false;
		pthread_mutex_unlock(&c->pool->write_mu);
		return weir_pg_fail(db, PG_IOERR, err);
	}
	/* a write moves the store's change counter in its own transaction (generations) */
	const char *end = c->wrote ? "UPDATE weir_changes SET n = n + 1 WHERE id = 1; COMMIT" : "COMMIT";
	char *with_notify = NULL;
	if (c->notify && asprintf(&with_notify, "%s%s", c->notify, end) < 0)
		abort();
	PGresult *r = PQexec(c->pc, with_notify ? with_notify : end);
	free(with_notify);
	free(c->notify);
	c->notify = NULL;
	ExecStatusType s = PQresultStatus(r);
	/* COMMIT of an aborted transaction answers ROLLBACK: not a commit */
	bool ok = s == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), "COMMIT") == 0;
	int rc = ok ? 0 : result_rc(c, r);
	if (!ok)
		weir_log_error("postgresql COMMIT failed: %s", PQresultErrorMessage(r));
	PQclear(r);
	c->in_write = false;
	c->wrote = false;
	pthread_mutex_unlock(&c->pool->write_mu);
	if (!ok) {
		if (rc == PG_ERROR)
			return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "internal error");
		return weir_pg_fail(db, rc, err);
	}
	weir_metrics_commit(1, 0);
	return 0;
}

/* Ends c's transaction: the statements' results first (no read of one may outlive it), then
 * sql (COMMIT or ROLLBACK) with its result in *r, if the connection is up; false when it is
 * down (the server ended the transaction). */
static bool txn_end(pg_conn *c, const char *sql, PGresult **r)
{
	stmts_reset(c);
	if (PQstatus(c->pc) != CONNECTION_OK)
		return false;
	*r = PQexec(c->pc, sql);
	return true;
}

void weir_pg_rollback(weir_db *db)
{
	pg_conn *c = CONN(db);
	if (!c->in_write)
		return;
	PGresult *r;
	if (txn_end(c, "ROLLBACK", &r))
		PQclear(r);
	c->in_write = false;
	c->wrote = false;
	free(c->notify);
	c->notify = NULL;
	pthread_mutex_unlock(&c->pool->write_mu);
}

bool weir_pg_in_write(const weir_db *db) { return ((const pg_conn *)(const void *)db)->in_write; }

/* The read transaction's BEGIN with the store's change counter and the first n registered
 * counters (weir_db_counter), one round trip: built once per n, kept for the process. */
static const char *begin_read_sql(int n)
{
	static _Atomic(char *) sql[WEIR_DB_MAX_COUNTERS + 1];
	char *s = atomic_load(&sql[n]);
	if (s != NULL)
		return s;
	int m;
	const char *const *tables = weir_db__counter_tables(&m);
	weir_buf b = {0};
	weir_buf_appendf(&b, "%s",
			 "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT (SELECT n FROM weir_changes WHERE id = 1)");
	for (int i = 0; i < n && i < m; i++)
		weir_buf_appendf(&b, ", (SELECT n FROM %s WHERE id = 1)", tables[i]);
	char *expected = NULL;
	if (!atomic_compare_exchange_strong(&sql[n], &expected, b.data)) {
		weir_buf_release(&b);
		return expected;
	}
	return b.data; /* kept for the process */
}

bool weir_pg_counter(weir_db *db, int i, int64_t *out)
{
	pg_conn *c = CONN(db);
	if (c->read_wanted)
		open_read(c);
	if (!c->in_read || c->in_write || i >= c->ncounters)
		return false;
	*out = c->counters[i];
	return true;
}

int weir_pg_begin_read(weir_db *db, weir_error *err)
{
	(void)err; /* a failure to begin is the first statement's */
	pg_conn *c = CONN(db);
	if (!c->in_write && !c->in_read)
		c->read_wanted = true;
	return 0;
}

/* Sends the read transaction's BEGIN that weir_pg_begin_read deferred: 0, or the PG_ code
 * of the failure (logged; the statements run outside a transaction then). */
static int open_read(pg_conn *c)
{
	c->read_wanted = false;
	if (!conn_ok(c)) {
		snprintf(c->sqlstate, sizeof(c->sqlstate), "08006");
		c->lost = true;
		return PG_IOERR;
	}
	/* the generation is the store's change counter read in the request's snapshot: it moves
	 * with every write transaction of any replica (weir_pg_commit), so a cache stamped with it
	 * never serves what another replica changed */
	int ncounters;
	weir_db__counter_tables(&ncounters);
	const char *begin = begin_read_sql(ncounters);
	PGresult *r = PQexec(c->pc, begin);
	if (PQresultStatus(r) != PGRES_TUPLES_OK && PQstatus(c->pc) != CONNECTION_OK) {
		/* the request's first statement found the socket dead (the server restarted while
		 * the connection idled): nothing was done yet, so once more on a new connection */
		PQclear(r);
		atomic_fetch_add(&c->pool->lost_epoch, 1);
		r = conn_ok(c) ? PQexec(c->pc, begin) : NULL;
	}
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		int rc = result_rc(c, r);
		weir_log_error("postgresql: cannot begin a read: %s", PQresultErrorMessage(r));
		PQclear(r);
		if (PQstatus(c->pc) == CONNECTION_OK)
			PQclear(PQexec(c->pc, "ROLLBACK"));
		return rc;
	}
	c->read_gen = (uint64_t)atoll(PQgetvalue(r, 0, 0)) + 1;
	/* a counter table without its row reads as a failed read (-1), as on SQLite */
	for (int i = 0; i < ncounters; i++)
		c->counters[i] = PQgetisnull(r, 0, i + 1) ? -1 : atoll(PQgetvalue(r, 0, i + 1));
	c->ncounters = ncounters;
	PQclear(r);
	c->in_read = true;
	return 0;
}

void weir_pg_end_read(weir_db *db)
{
	pg_conn *c = CONN(db);
	c->read_wanted = false; /* never begun: nothing to end */
	if (!c->in_read)
		return;
	if (!c->wrote) {
		/* nothing to keep: the ROLLBACK is sent, and its answer read at the next use */
		stmts_reset(c);
		if (PQstatus(c->pc) == CONNECTION_OK && PQsendQuery(c->pc, "ROLLBACK") == 1)
			c->end_pending = true;
		c->in_read = false;
		c->ncounters = 0;
		return;
	}
	/* a write made inside a read (outside weir_db_begin_write) is kept, and counted */
	PGresult *r;
	if (txn_end(c, "COMMIT", &r)) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK || strcmp(PQcmdStatus(r), "COMMIT") != 0)
			weir_log_error("postgresql: a write outside a write transaction was lost: %s",
				       PQresultErrorMessage(r));
		PQclear(r);
		/* after the snapshot: an update of its own, never a serialisation failure */
		PQclear(PQexec(c->pc, "UPDATE weir_changes SET n = n + 1 WHERE id = 1"));
	}
	c->wrote = false;
	c->in_read = false;
	c->ncounters = 0;
}
