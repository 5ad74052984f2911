/* All SQL of personal access tokens: stored only as SHA-256 hashes, looked up by hash,
 * listed and deleted. Minting and the expiry rules are in governance/tokens.c. */
#include "core/db_row.h"
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

static const weir_db_field TOKEN_FIELDS[] = {
	WEIR_FIELD(weir_gov_token_row, id), WEIR_FIELD(weir_gov_token_row, principal_id),
	WEIR_FIELD(weir_gov_token_row, expiry_time), WEIR_FIELD(weir_gov_token_row, workspace_id)};

int weir_gov_store_token_by_hash(weir_db *db, weir_arena *a, const char *hash, weir_gov_token_row *out, weir_error *err)
{
	return WEIR_DB_ROW_ONE(db, weir_db_query(db, SQL_TOKEN_BY_HASH, err, WEIR_TEXT(hash)), a, out, TOKEN_FIELDS,
			       err);
}

int weir_gov_store_token_insert(weir_db *db, const char *id, int64_t principal_id, const char *hash,
				const char *comment, int64_t now, int64_t expiry, int64_t workspace_id, weir_error *err)
{
	return weir_db_exec(db, SQL_TOKEN_INSERT, err, WEIR_TEXT(id), WEIR_I64(principal_id), WEIR_TEXT(hash),
			    WEIR_TEXT(comment), WEIR_I64(now), WEIR_I64(expiry), WEIR_I64(workspace_id));
}

static json_t *token_json(weir_stmt *st)
{
	json_t *o = json_object();
	json_object_set_new(o, "token_id", json_string(weir_db_col_text(st, 0)));
	if (weir_db_col_type(st, 1) != WEIR_DB_NULL)
		json_object_set_new(o, "comment", json_string(weir_db_col_text(st, 1)));
	json_object_set_new(o, "creation_time", json_integer(weir_db_col_i64(st, 2)));
	json_object_set_new(o, "expiry_time", json_integer(weir_db_col_i64(st, 3)));
	json_object_set_new(o, "created_by_username", json_string(weir_db_col_text(st, 4)));
	json_object_set_new(o, "owner_id", json_integer(weir_db_col_i64(st, 5)));
	json_object_set_new(o, "workspace", json_string(weir_db_col_text(st, 6)));
	return o;
}

json_t *weir_gov_store_token_list(weir_db *db, int64_t principal_id, weir_error *err)
{
	return weir_db_json_rows(db, weir_db_query(db, SQL_TOKEN_LIST, err, WEIR_I64(principal_id)), token_json, err);
}

int64_t weir_gov_store_token_delete(weir_db *db, const char *token_id, int64_t principal_id, weir_error *err)
{
	return weir_db_exec_count(db, SQL_TOKEN_DELETE, err, WEIR_TEXT(token_id), WEIR_I64(principal_id));
}
