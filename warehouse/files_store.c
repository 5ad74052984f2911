/* The SQL of the Files API (files.c): whether a volume or a table still exists. */
#include "warehouse/files.h"

static const char SQL_EXISTS[] = "SELECT count(*) FROM securables WHERE id = ?1 AND type = ?2";

int weir_files_store_exists(weir_db *db, const char *type, const char *id, weir_error *err)
{
	int64_t n = 0;
	if (weir_db_query_i64(db, SQL_EXISTS, &n, err, WEIR_TEXT(id), WEIR_TEXT(type)) < 0)
		return -1;
	return n > 0;
}
