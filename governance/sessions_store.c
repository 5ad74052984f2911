/* All SQL of web UI sessions and of identity-provider sign-ins in flight (governance/sessions.c
 * has the rules): stored by the hash of their secret, looked up with an expiry check by the
 * caller, deleted on sign-out (or once used), purged once expired. */
#include "core/db_row.h"
#include "governance/gov_store.h"

static const char SQL_UI_SESSION_INSERT[] =
	"INSERT INTO ui_sessions (id_hash, principal_id, workspace_id, token_id, csrf_token, created_at, expires_at) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_UI_SESSION_GET[] =
	"SELECT principal_id, workspace_id, token_id, csrf_token, expires_at FROM ui_sessions WHERE id_hash = ?1";

int weir_gov_store_ui_session_insert(weir_db *db, const char *id_hash, int64_t principal_id, int64_t workspace_id,
				     const char *token_id, const char *csrf, int64_t now, int64_t expires,
				     weir_error *err)
{
	return weir_db_exec(db, SQL_UI_SESSION_INSERT, err, WEIR_TEXT(id_hash), WEIR_I64(principal_id),
			    WEIR_I64(workspace_id), WEIR_TEXT(token_id), WEIR_TEXT(csrf), WEIR_I64(now),
			    WEIR_I64(expires));
}

static const weir_db_field SESSION_FIELDS[] = {
	WEIR_FIELD(weir_gov_ui_session_row, principal_id), WEIR_FIELD(weir_gov_ui_session_row, workspace_id),
	WEIR_FIELD(weir_gov_ui_session_row, token_id), WEIR_FIELD(weir_gov_ui_session_row, csrf_token),
	WEIR_FIELD(weir_gov_ui_session_row, expires_at)};

int weir_gov_store_ui_session_get(weir_db *db, weir_arena *a, const char *id_hash, weir_gov_ui_session_row *out,
				  weir_error *err)
{
	return WEIR_DB_ROW_ONE(db, weir_db_query(db, SQL_UI_SESSION_GET, err, WEIR_TEXT(id_hash)), a, out,
			       SESSION_FIELDS, err);
}

static const char SQL_UI_OAUTH_INSERT[] =
	"INSERT INTO ui_oauth_states (state_hash, code_verifier, redirect_uri, next_path, created_at, expires_at) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_UI_OAUTH_GET[] =
	"SELECT code_verifier, redirect_uri, next_path, expires_at FROM ui_oauth_states WHERE state_hash = ?1";
static const char SQL_UI_OAUTH_COUNT[] = "SELECT count(*) FROM ui_oauth_states WHERE expires_at > ?1";

int64_t weir_gov_store_ui_oauth_count(weir_db *db, int64_t now, weir_error *err)
{
	return weir_db_count(db, SQL_UI_OAUTH_COUNT, err, WEIR_I64(now));
}

int weir_gov_store_ui_oauth_insert(weir_db *db, const char *state_hash, const char *code_verifier,
				   const char *redirect_uri, const char *next_path, int64_t now, int64_t expires,
				   weir_error *err)
{
	return weir_db_exec(db, SQL_UI_OAUTH_INSERT, err, WEIR_TEXT(state_hash), WEIR_TEXT(code_verifier),
			    WEIR_TEXT(redirect_uri), WEIR_TEXT(next_path), WEIR_I64(now), WEIR_I64(expires));
}

int weir_gov_store_ui_oauth_get(weir_db *db, weir_arena *a, const char *state_hash, weir_gov_ui_oauth_row *out,
				weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_UI_OAUTH_GET, err, WEIR_TEXT(state_hash));
	if (st == NULL)
		return -1;
	if (weir_db_step(st) != WEIR_DB_ROW) {
		weir_db_done(st);
		return 0;
	}
	out->code_verifier = weir_db_col_dup(a, st, 0);
	out->redirect_uri = weir_db_col_dup(a, st, 1);
	out->next_path = weir_db_col_dup(a, st, 2);
	out->expires_at = weir_db_col_i64(st, 3);
	weir_db_done(st);
	return 1;
}

/* ------------------------------------------------------------------ both kinds */

static const char SQL_UI_SESSION_DELETE[] = "DELETE FROM ui_sessions WHERE id_hash = ?1";
static const char SQL_UI_OAUTH_DELETE[] = "DELETE FROM ui_oauth_states WHERE state_hash = ?1";
static const char SQL_UI_SESSION_PURGE[] = "DELETE FROM ui_sessions WHERE expires_at <= ?1";
static const char SQL_UI_OAUTH_PURGE[] = "DELETE FROM ui_oauth_states WHERE expires_at <= ?1";

/* By weir_gov_ui_kind. */
static const char *const UI_DELETE[] = {SQL_UI_SESSION_DELETE, SQL_UI_OAUTH_DELETE};
static const char *const UI_PURGE[] = {SQL_UI_SESSION_PURGE, SQL_UI_OAUTH_PURGE};

int64_t weir_gov_store_ui_delete(weir_db *db, weir_gov_ui_kind kind, const char *hash, weir_error *err)
{
	return weir_db_exec_count(db, UI_DELETE[kind], err, WEIR_TEXT(hash));
}

int weir_gov_store_ui_purge(weir_db *db, weir_gov_ui_kind kind, int64_t now, weir_error *err)
{
	return weir_db_exec(db, UI_PURGE[kind], err, WEIR_I64(now));
}
