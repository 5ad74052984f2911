/* The SQL of saved queries (queries.c). */
#include "warehouse/queries_int.h"

#include "core/db_row.h"

static const char SQL_Q_INSERT[] =
	"INSERT INTO sql_queries (id, display_name, description, query_text, warehouse_id, catalog, schema_name, "
	"owner_id, create_time, update_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)";
static const char SQL_Q_GET[] = "SELECT id, display_name, description, query_text, warehouse_id, catalog, schema_name, "
				"owner_id, create_time, update_time FROM sql_queries WHERE id = ?1 AND trashed = 0";
static const char SQL_Q_UPDATE[] =
	"UPDATE sql_queries SET display_name = ?2, description = ?3, query_text = ?4, warehouse_id = ?5, catalog = ?6, "
	"schema_name = ?7, update_time = ?8 WHERE id = ?1 AND trashed = 0";
static const char SQL_Q_TRASH[] = "UPDATE sql_queries SET trashed = 1, update_time = ?2 WHERE id = ?1 AND trashed = 0";
static const char SQL_Q_LIST[] =
	"SELECT id, display_name, description, query_text, warehouse_id, catalog, schema_name, owner_id, "
	"create_time, update_time FROM sql_queries WHERE trashed = 0 AND (?1 OR owner_id = ?2) "
	"ORDER BY create_time, id LIMIT ?3 OFFSET ?4";

/* The columns of SQL_Q_GET and SQL_Q_LIST, in order. */
static const weir_db_field Q_ROW[] = {WEIR_FIELD(weir_wh_query, id),           WEIR_FIELD(weir_wh_query, display_name),
				      WEIR_FIELD(weir_wh_query, description),  WEIR_FIELD(weir_wh_query, query_text),
				      WEIR_FIELD(weir_wh_query, warehouse_id), WEIR_FIELD(weir_wh_query, catalog),
				      WEIR_FIELD(weir_wh_query, schema),       WEIR_FIELD(weir_wh_query, owner_id),
				      WEIR_FIELD(weir_wh_query, create_time),  WEIR_FIELD(weir_wh_query, update_time)};

int weir_whq_store_insert(weir_db *db, const weir_wh_query *q, weir_error *err)
{
	return weir_db_exec(db, SQL_Q_INSERT, err, WEIR_TEXT(q->id), WEIR_TEXT(q->display_name),
			    WEIR_TEXT(q->description), WEIR_TEXT(q->query_text), WEIR_TEXT(q->warehouse_id),
			    WEIR_TEXT(q->catalog), WEIR_TEXT(q->schema), WEIR_I64(q->owner_id),
			    WEIR_I64(q->create_time));
}

int weir_whq_store_get(weir_db *db, weir_arena *a, const char *id, weir_wh_query *out, weir_error *err)
{
	return WEIR_DB_ROW_ONE(db, weir_db_query(db, SQL_Q_GET, err, WEIR_TEXT(id)), a, out, Q_ROW, err);
}

int weir_whq_store_update(weir_db *db, const weir_wh_query *q, weir_error *err)
{
	return weir_db_exec(db, SQL_Q_UPDATE, err, WEIR_TEXT(q->id), WEIR_TEXT(q->display_name),
			    WEIR_TEXT(q->description), WEIR_TEXT(q->query_text), WEIR_TEXT(q->warehouse_id),
			    WEIR_TEXT(q->catalog), WEIR_TEXT(q->schema), WEIR_I64(q->update_time));
}

int weir_whq_store_trash(weir_db *db, const char *id, int64_t now, weir_error *err)
{
	int64_t n = weir_db_exec_count(db, SQL_Q_TRASH, err, WEIR_TEXT(id), WEIR_I64(now));
	return n < 0 ? -1 : n > 0;
}

int weir_whq_store_list(weir_db *db, weir_arena *a, bool all, int64_t owner_id, int64_t offset, int64_t limit,
			weir_wh_query *out, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_Q_LIST, err, WEIR_I64(all ? 1 : 0), WEIR_I64(owner_id), WEIR_I64(limit),
				      WEIR_I64(offset));
	if (st == NULL)
		return -1;
	int n = 0, rc = WEIR_DB_DONE;
	while (n < limit && (rc = weir_db_step(st)) == WEIR_DB_ROW)
		WEIR_DB_ROW_READ(st, a, &out[n++], Q_ROW);
	weir_db_done(st);
	return rc == WEIR_DB_ROW || rc == WEIR_DB_DONE ? n : weir_db_fail(db, rc, err);
}
