/* The SQL of table writes: when each managed table was last written through the warehouse
 * (wh_engine.c records it with the statement's lineage; workflows' table_update triggers
 * read it). */
#include "warehouse/warehouse.h"

static const char SQL_WRITTEN[] =
	"INSERT INTO table_writes (table_id, last_write) VALUES (?1, ?2) "
	"ON CONFLICT (table_id) DO UPDATE SET last_write = max(last_write, excluded.last_write), "
	"writes = writes + 1";
static const char SQL_LAST[] = "SELECT last_write FROM table_writes WHERE table_id = ?1";

int weir_wh_store_table_written(weir_db *db, const char *table_id, int64_t at_ms, weir_error *err)
{
	return weir_db_exec(db, SQL_WRITTEN, err, WEIR_TEXT(table_id), WEIR_I64(at_ms));
}

int weir_wh_table_last_write(weir_db *db, const char *table_id, int64_t *at_ms)
{
	weir_error e = WEIR_ERROR_INIT;
	*at_ms = 0;
	return weir_db_query_i64(db, SQL_LAST, at_ms, &e, WEIR_TEXT(table_id)) < 0 ? -1 : 0;
}
