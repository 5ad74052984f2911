/* All SQL of task leases (migrations/0021_task_leases.sql): command task runs the engine's
 * leader offers to the lease workers of every replica of a PostgreSQL store. The rules (who
 * claims, heartbeats, ends) are in engine.c, section "leases". The claim uses FOR UPDATE
 * SKIP LOCKED, which SQLite does not parse: these run only with the PostgreSQL store. */
#include "workflows/jobs_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"

static const char SQL_LEASE_OFFER[] = "INSERT INTO task_leases (task_run_id, spec) VALUES (?1, ?2)";
static const char SQL_LEASE_READY[] = "SELECT count(*) FROM task_leases WHERE state = ?1";
/* the oldest ready ones, skipping rows another replica's claim holds: one statement */
static const char SQL_LEASE_CLAIM[] =
	"UPDATE task_leases SET state = 'CLAIMED', owner = ?1, expires_at = ?2 WHERE task_run_id IN "
	"(SELECT task_run_id FROM task_leases WHERE state = 'READY' ORDER BY task_run_id LIMIT ?3 "
	"FOR UPDATE SKIP LOCKED) RETURNING task_run_id, spec";
static const char SQL_LEASE_TOKEN[] = "UPDATE task_leases SET token_id = ?2 WHERE task_run_id = ?1";
static const char SQL_LEASE_BEAT[] =
	"UPDATE task_leases SET expires_at = ?2 WHERE owner = ?1 AND state IN ('CLAIMED', 'CANCELED')";
static const char SQL_LEASE_HELD[] = "SELECT task_run_id, state FROM task_leases WHERE owner = ?1 ORDER BY task_run_id";
static const char SQL_LEASE_DONE[] =
	"UPDATE task_leases SET state = 'DONE', result = ?3, message = ?4, error_trace = ?5, task_values = ?6, "
	"logs_truncated = ?7 WHERE task_run_id = ?1 AND owner = ?2 AND state = 'CLAIMED'";
static const char SQL_LEASE_CANCEL[] =
	"UPDATE task_leases SET state = 'CANCELED' WHERE task_run_id = ?1 AND state = 'CLAIMED'";
static const char SQL_LEASE_DELETE[] = "DELETE FROM task_leases WHERE task_run_id = ?1";
/* under the write lock: a heartbeat committed meanwhile keeps the lease */
static const char SQL_LEASE_EXPIRE[] = "DELETE FROM task_leases WHERE task_run_id = ?1 AND state IN ('CLAIMED', "
				       "'CANCELED') AND expires_at < ?2";
static const char SQL_LEASE_DELETE_UNCLAIMED[] =
	"DELETE FROM task_leases WHERE task_run_id = ?1 AND state IN ('READY', 'DONE')";
static const char SQL_LEASE_EXISTS[] = "SELECT 1 FROM task_leases WHERE task_run_id = ?1";
/* finished, or lost with their replica (no heartbeat since expires_at) */
static const char SQL_LEASE_ENDED[] =
	"SELECT task_run_id, state, result, message, error_trace, task_values, logs_truncated, token_id, owner "
	"FROM task_leases WHERE state = 'DONE' OR (state IN ('CLAIMED', 'CANCELED') AND expires_at < ?1) "
	"ORDER BY task_run_id";

int weir_wf_lease_offer(weir_db *db, int64_t task_run_id, const char *spec, weir_error *err)
{
	return weir_db_exec(db, SQL_LEASE_OFFER, err, WEIR_I64(task_run_id), WEIR_TEXT(spec));
}

int64_t weir_wf_lease_ready(weir_db *db, weir_error *err)
{
	return weir_db_count(db, SQL_LEASE_READY, err, WEIR_TEXT("READY"));
}

int weir_wf_lease_claim(weir_db *db, weir_arena *a, const char *owner, int64_t expires_at, int limit,
			weir_wf_lease *out, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_LEASE_CLAIM, err, WEIR_TEXT(owner), WEIR_I64(expires_at),
				      WEIR_I64(limit));
	if (st == NULL)
		return -1;
	int n = 0;
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW && n < limit) {
		out[n] = (weir_wf_lease){
			.task_run_id = weir_db_col_i64(st, 0), .state = "CLAIMED", .spec = weir_db_col_dup(a, st, 1)};
		n++;
	}
	weir_db_done(st);
	if (rc != WEIR_DB_ROW && rc != WEIR_DB_DONE)
		return weir_error_set(err, WEIR_E_TEMPORARILY_UNAVAILABLE, "cannot claim task runs");
	return n;
}

int weir_wf_lease_set_token(weir_db *db, int64_t task_run_id, const char *token_id, weir_error *err)
{
	return weir_db_exec(db, SQL_LEASE_TOKEN, err, WEIR_I64(task_run_id), WEIR_TEXT(token_id));
}

int weir_wf_lease_beat(weir_db *db, const char *owner, int64_t expires_at, weir_error *err)
{
	return weir_db_exec(db, SQL_LEASE_BEAT, err, WEIR_TEXT(owner), WEIR_I64(expires_at));
}

json_t *weir_wf_lease_held(weir_db *db, const char *owner, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_LEASE_HELD, err, WEIR_TEXT(owner));
	if (st == NULL)
		return NULL;
	json_t *out = json_object();
	char key[24];
	while (weir_db_step(st) == WEIR_DB_ROW) {
		snprintf(key, sizeof key, "%" PRId64, weir_db_col_i64(st, 0));
		const char *state = weir_db_col_text(st, 1);
		json_object_set_new(out, key, json_string(state ? state : ""));
	}
	weir_db_done(st);
	return out;
}

int weir_wf_lease_done(weir_db *db, const char *owner, const weir_wf_lease *l, weir_error *err)
{
	return weir_db_exec(db, SQL_LEASE_DONE, err, WEIR_I64(l->task_run_id), WEIR_TEXT(owner), WEIR_TEXT(l->result),
			    WEIR_TEXT(l->message), WEIR_TEXT(l->error_trace), WEIR_TEXT(l->task_values),
			    WEIR_I64(l->logs_truncated));
}

int weir_wf_lease_cancel(weir_db *db, int64_t task_run_id, weir_error *err)
{
	if (weir_db_exec(db, SQL_LEASE_CANCEL, err, WEIR_I64(task_run_id)) != 0)
		return -1;
	return weir_db_exec(db, SQL_LEASE_DELETE_UNCLAIMED, err, WEIR_I64(task_run_id));
}

int weir_wf_lease_delete(weir_db *db, int64_t task_run_id, weir_error *err)
{
	return weir_db_exec(db, SQL_LEASE_DELETE, err, WEIR_I64(task_run_id));
}

int64_t weir_wf_lease_expire(weir_db *db, int64_t task_run_id, int64_t now, weir_error *err)
{
	return weir_db_exec_count(db, SQL_LEASE_EXPIRE, err, WEIR_I64(task_run_id), WEIR_I64(now));
}

int weir_wf_lease_exists(weir_db *db, int64_t task_run_id, weir_error *err)
{
	return weir_db_exists(db, SQL_LEASE_EXISTS, err, WEIR_I64(task_run_id));
}

weir_wf_lease *weir_wf_leases_ended(weir_db *db, weir_arena *a, int64_t now, int *n, weir_error *err)
{
	*n = 0;
	weir_stmt *st = weir_db_query(db, SQL_LEASE_ENDED, err, WEIR_I64(now));
	if (st == NULL)
		return NULL;
	size_t cap = 0;
	weir_wf_lease *out = weir_arena_grow(a, NULL, 0, &cap, sizeof *out);
	while (weir_db_step(st) == WEIR_DB_ROW) {
		out = weir_arena_grow(a, out, (size_t)*n, &cap, sizeof *out);
		out[(*n)++] = (weir_wf_lease){.task_run_id = weir_db_col_i64(st, 0),
					      .state = weir_db_col_dup(a, st, 1),
					      .result = weir_db_col_dup(a, st, 2),
					      .message = weir_db_col_dup(a, st, 3),
					      .error_trace = weir_db_col_dup(a, st, 4),
					      .task_values = weir_db_col_dup(a, st, 5),
					      .logs_truncated = weir_db_col_i64(st, 6),
					      .token_id = weir_db_col_dup(a, st, 7),
					      .owner = weir_db_col_dup(a, st, 8)};
	}
	weir_db_done(st);
	return out;
}
