/* All SQL of tags: one row per (securable, column or '', key) in table `tags`
 * (migrations/0003_governance.sql). created_at/created_by hold the time and author of the
 * last write (the API calls them update_time/updated_by). */
#include "governance/tags.h"

#include <string.h>

#include "core/db_row.h"

static const char SQL_COLUMN[] =
	"SELECT name FROM table_columns WHERE table_id = ?1 AND name = ?2 COLLATE NOCASE ORDER BY position LIMIT 1";

const char *weir_tags__store_column(weir_db *db, weir_arena *a, const char *table_id, const char *name, weir_error *err)
{
	const char *out = NULL;
	return weir_db_query_dup(db, a, SQL_COLUMN, &out, err, WEIR_TEXT(table_id), WEIR_TEXT(name)) < 0 ? NULL : out;
}

#define ROW_COLS "securable_id, column_name, tag_key, tag_value, created_at, created_by"

static const weir_db_field ROW_READ_FIELDS[] = {
	WEIR_FIELD(weir_tag_row, securable_id), WEIR_FIELD(weir_tag_row, column_name),
	WEIR_FIELD(weir_tag_row, key),          WEIR_FIELD(weir_tag_row, value),
	WEIR_FIELD(weir_tag_row, updated_at),   WEIR_FIELD(weir_tag_row, updated_by)};

static void row_read(weir_arena *a, weir_stmt *st, weir_tag_row *row) { WEIR_DB_ROW_READ(st, a, row, ROW_READ_FIELDS); }

static const char SQL_GET[] = "SELECT " ROW_COLS
			      " FROM tags WHERE securable_id = ?1 AND column_name = ?2 AND tag_key = ?3";

int weir_tags__store_get(weir_db *db, weir_arena *a, const char *sid, const char *column, const char *key,
			 weir_tag_row *row, weir_error *err)
{
	return WEIR_DB_ROW_ONE(db, weir_db_query(db, SQL_GET, err, WEIR_TEXT(sid), WEIR_TEXT(column), WEIR_TEXT(key)),
			       a, row, ROW_READ_FIELDS, err);
}

static const char SQL_COUNT[] = "SELECT count(*) FROM tags WHERE securable_id = ?1 AND column_name = ?2";

int64_t weir_tags__store_count(weir_db *db, const char *sid, const char *column, weir_error *err)
{
	return weir_db_count(db, SQL_COUNT, err, WEIR_TEXT(sid), WEIR_TEXT(column));
}

static const char SQL_INSERT[] =
	"INSERT INTO tags (securable_id, column_name, tag_key, tag_value, created_at, created_by) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

int weir_tags__store_insert(weir_db *db, const weir_tag_row *row, weir_error *err)
{
	return weir_db_exec(db, SQL_INSERT, err, WEIR_TEXT(row->securable_id), WEIR_TEXT(row->column_name),
			    WEIR_TEXT(row->key), WEIR_TEXT(row->value), WEIR_I64(row->updated_at),
			    WEIR_TEXT(row->updated_by));
}

static const char SQL_UPDATE[] = "UPDATE tags SET tag_value = ?4, created_at = ?5, created_by = ?6 "
				 "WHERE securable_id = ?1 AND column_name = ?2 AND tag_key = ?3";

int weir_tags__store_update(weir_db *db, const weir_tag_row *row, weir_error *err)
{
	int64_t n = weir_db_exec_count(db, SQL_UPDATE, err, WEIR_TEXT(row->securable_id), WEIR_TEXT(row->column_name),
				       WEIR_TEXT(row->key), WEIR_TEXT(row->value), WEIR_I64(row->updated_at),
				       WEIR_TEXT(row->updated_by));
	return n < 0 ? -1 : n == 0 ? 1 : 0;
}

static const char SQL_DELETE[] = "DELETE FROM tags WHERE securable_id = ?1 AND column_name = ?2 AND tag_key = ?3";

int weir_tags__store_delete(weir_db *db, const char *sid, const char *column, const char *key, weir_error *err)
{
	int64_t n = weir_db_exec_count(db, SQL_DELETE, err, WEIR_TEXT(sid), WEIR_TEXT(column), WEIR_TEXT(key));
	return n < 0 ? -1 : n == 0 ? 1 : 0;
}

/* Steps st to the end, collecting at most limit rows. */
static int collect(weir_db *db, weir_arena *a, weir_stmt *st, int limit, weir_tag_row **out, int *n, weir_error *err)
{
	weir_tag_row *rows = weir_arena_calloc(a, sizeof(*rows) * (size_t)(limit > 0 ? limit : 1));
	int k = 0, rc;
	while (k < limit && (rc = weir_db_step(st)) == WEIR_DB_ROW)
		row_read(a, st, &rows[k++]);
	if (k < limit && rc != WEIR_DB_DONE) {
		weir_db_done(st);
		return weir_db_fail(db, rc, err);
	}
	weir_db_done(st);
	*out = rows;
	*n = k;
	return 0;
}

static const char SQL_LIST[] = "SELECT " ROW_COLS
			       " FROM tags WHERE securable_id = ?1 AND column_name = ?2 AND tag_key > ?3 "
			       "ORDER BY tag_key LIMIT ?4";

int weir_tags__store_list(weir_db *db, weir_arena *a, const char *sid, const char *column, const char *after, int limit,
			  weir_tag_row **out, int *n, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_LIST, err, WEIR_TEXT(sid), WEIR_TEXT(column),
				      WEIR_TEXT(after ? after : ""), WEIR_I64(limit));
	if (st == NULL)
		return -1;
	return collect(db, a, st, limit, out, n, err);
}

static const char SQL_SEARCH[] =
	"SELECT " ROW_COLS " FROM tags WHERE tag_key = ?1 AND (?2 IS NULL OR tag_value = ?2) "
	"AND (securable_id, column_name) > (?3, ?4) ORDER BY securable_id, column_name LIMIT ?5";

int weir_tags__store_search(weir_db *db, weir_arena *a, const char *key, const char *value, const char *after_sid,
			    const char *after_col, int limit, weir_tag_row **out, int *n, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_SEARCH, err, WEIR_TEXT(key), WEIR_TEXT(value),
				      WEIR_TEXT(after_sid ? after_sid : ""), WEIR_TEXT(after_col ? after_col : ""),
				      WEIR_I64(limit));
	if (st == NULL)
		return -1;
	return collect(db, a, st, limit, out, n, err);
}

/* ---------------------------------------------------------------- tag policies */

#define TP_COLS "id, tag_key, description, vals, created_at, created_by_id, updated_at"

static const weir_db_field TP_FIELDS[] = {
	WEIR_FIELD(weir_tag_policy_row, id),          WEIR_FIELD(weir_tag_policy_row, key),
	WEIR_FIELD(weir_tag_policy_row, description), WEIR_FIELD(weir_tag_policy_row, vals),
	WEIR_FIELD(weir_tag_policy_row, created_at),  WEIR_FIELD(weir_tag_policy_row, created_by_id),
	WEIR_FIELD(weir_tag_policy_row, updated_at)};

static const char SQL_TP_GET[] = "SELECT " TP_COLS " FROM tag_policies WHERE tag_key = ?1";

int weir_tags__store_policy_get(weir_db *db, weir_arena *a, const char *key, weir_tag_policy_row *row, weir_error *err)
{
	return WEIR_DB_ROW_ONE(db, weir_db_query(db, SQL_TP_GET, err, WEIR_TEXT(key)), a, row, TP_FIELDS, err);
}

static const char SQL_TP_LIST[] = "SELECT " TP_COLS " FROM tag_policies WHERE tag_key > ?1 ORDER BY tag_key LIMIT ?2";

int weir_tags__store_policy_list(weir_db *db, weir_arena *a, const char *after, int limit, weir_tag_policy_row *out,
				 int *n, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_TP_LIST, err, WEIR_TEXT(after), WEIR_I64(limit));
	if (st == NULL)
		return -1;
	int k = 0, rc;
	while (k < limit && (rc = weir_db_step(st)) == WEIR_DB_ROW)
		WEIR_DB_ROW_READ(st, a, &out[k++], TP_FIELDS);
	weir_db_done(st);
	if (k < limit && rc != WEIR_DB_DONE)
		return weir_db_fail(db, rc, err);
	*n = k;
	return 0;
}

static const char SQL_TP_INSERT[] = "INSERT INTO tag_policies (" TP_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

int weir_tags__store_policy_insert(weir_db *db, const weir_tag_policy_row *r, weir_error *err)
{
	return weir_db_exec(db, SQL_TP_INSERT, err, WEIR_TEXT(r->id), WEIR_TEXT(r->key), WEIR_TEXT(r->description),
			    WEIR_TEXT(r->vals), WEIR_I64(r->created_at), WEIR_I64(r->created_by_id),
			    WEIR_I64(r->updated_at));
}

static const char SQL_TP_UPDATE[] =
	"UPDATE tag_policies SET description = ?2, vals = ?3, updated_at = ?4 WHERE id = ?1";

int weir_tags__store_policy_update(weir_db *db, const weir_tag_policy_row *r, weir_error *err)
{
	return weir_db_exec(db, SQL_TP_UPDATE, err, WEIR_TEXT(r->id), WEIR_TEXT(r->description), WEIR_TEXT(r->vals),
			    WEIR_I64(r->updated_at));
}

static const char SQL_TP_DELETE[] = "DELETE FROM tag_policies WHERE id = ?1";

int weir_tags__store_policy_delete(weir_db *db, const char *id, weir_error *err)
{
	return weir_db_exec(db, SQL_TP_DELETE, err, WEIR_TEXT(id));
}
