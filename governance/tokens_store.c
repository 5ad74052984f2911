/* All SQL of personal access tokens: stored only as SHA-256 hashes, looked up by hash,
 * listed and deleted. Minting and the expiry rules are in governance/tokens.c. */
#include "governance/gov_store.h"

static const char SQL_TOKEN_BY_HASH[] =
	"SELECT id, principal_id, expiry_time, workspace_id FROM tokens WHERE hash = ?1";
static const char SQL_TOKEN_INSERT[] =
	"INSERT INTO tokens (id, principal_id, hash, comment, created_at, expiry_time, workspace_id, created_by) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?2)";
static const char SQL_TOKEN_LIST[] =
	"SELECT t.id, t.comment, t.created_at, t.expiry_time, p.name, t.principal_id, w.name "
	"FROM tokens t JOIN principals p ON p.id = t.principal_id JOIN workspaces w ON w.id = t.workspace_id "
	"WHERE ?1 < 0 OR t.principal_id = ?1 ORDER BY t.created_at, t.id";
static const char SQL_TOKEN_DELETE[] = "DELETE FROM tokens WHERE id = ?1 AND (?2 < 0 OR principal_id = ?2)";

int weir_gov_store_token_by_hash(weir_db *db, weir_arena *a, const char *hash, weir_gov_token_row *out, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_TOKEN_BY_HASH, err, WEIR_TEXT(hash));
	if (st == NULL)
		return -1;
	if (weir_db_step(st) != WEIR_DB_ROW) {
		weir_db_done(st);
		return 0;
	}
	out->id = weir_db_col_dup(a, st, 0);
	out->principal_id = weir_db_col_i64(st, 1);
	out->expiry_time = weir_db_col_i64(st, 2);
	out->workspace_id = weir_db_col_i64(st, 3);
	weir_db_done(st);
	return 1;
}

int weir_gov_store_token_insert(weir_db *db, const char *id, int64_t principal_id, const char *hash,
				const char *comment, int64_t now, int64_t expiry, int64_t workspace_id, weir_error *err)
{
	return weir_db_exec(db, SQL_TOKEN_INSERT, err, WEIR_TEXT(id), WEIR_I64(principal_id), WEIR_TEXT(hash),
			    WEIR_TEXT(comment), WEIR_I64(now), WEIR_I64(expiry), WEIR_I64(workspace_id));
}

json_t *weir_gov_store_token_list(weir_db *db, int64_t principal_id, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_TOKEN_LIST, err, WEIR_I64(principal_id));
	if (st == NULL)
		return NULL;
	json_t *arr = json_array();
	while (weir_db_step(st) == WEIR_DB_ROW) {
		json_t *o = json_object();
		json_object_set_new(o, "token_id", json_string(weir_db_col_text(st, 0)));
		if (weir_db_col_type(st, 1) != WEIR_DB_NULL)
			json_object_set_new(o, "comment", json_string(weir_db_col_text(st, 1)));
		json_object_set_new(o, "creation_time", json_integer(weir_db_col_i64(st, 2)));
		json_object_set_new(o, "expiry_time", json_integer(weir_db_col_i64(st, 3)));
		json_object_set_new(o, "created_by_username", json_string(weir_db_col_text(st, 4)));
		json_object_set_new(o, "owner_id", json_integer(weir_db_col_i64(st, 5)));
		json_object_set_new(o, "workspace", json_string(weir_db_col_text(st, 6)));
		json_array_append_new(arr, o);
	}
	weir_db_done(st);
	return arr;
}

int64_t weir_gov_store_token_delete(weir_db *db, const char *token_id, int64_t principal_id, weir_error *err)
{
	return weir_db_exec_count(db, SQL_TOKEN_DELETE, err, WEIR_TEXT(token_id), WEIR_I64(principal_id));
}
