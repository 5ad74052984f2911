/* The SQL of COPY INTO (copy_engine.c): the files loaded into each table. */
#include "warehouse/copy.h"

static const char SQL_LOADED[] = "SELECT count(*) FROM wh_copy_loaded WHERE table_id = ?1 AND path = ?2 AND size = ?3 "
				 "AND mtime_ms = ?4";
static const char SQL_MARK[] =
	"INSERT INTO wh_copy_loaded (table_id, path, size, mtime_ms, loaded_at, statement_id) VALUES (?1, ?2, ?3, ?4, "
	"?5, ?6) ON CONFLICT (table_id, path, size, mtime_ms) DO UPDATE SET loaded_at = excluded.loaded_at, "
	"statement_id = excluded.statement_id";

int weir_whc_store_loaded(weir_db *db, const char *table_id, const char *path, int64_t size, int64_t mtime_ms,
			  weir_error *err)
{
	int64_t n = 0;
	if (weir_db_query_i64(db, SQL_LOADED, &n, err, WEIR_TEXT(table_id), WEIR_TEXT(path), WEIR_I64(size),
			      WEIR_I64(mtime_ms)) < 0)
		return -1;
	return n > 0;
}

int weir_whc_store_mark(weir_db *db, const char *table_id, const char *path, int64_t size, int64_t mtime_ms,
			int64_t now, const char *statement_id, weir_error *err)
{
	return weir_db_exec(db, SQL_MARK, err, WEIR_TEXT(table_id), WEIR_TEXT(path), WEIR_I64(size), WEIR_I64(mtime_ms),
			    WEIR_I64(now), WEIR_TEXT(statement_id));
}
