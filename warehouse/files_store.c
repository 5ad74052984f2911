/* The SQL of the Files API (files.c): whether a volume still exists. */
#include "warehouse/files.h"

static const char SQL_VOLUME_EXISTS[] = "SELECT count(*) FROM securables WHERE id = ?1 AND type = 'volume'";

int weir_files_store_volume_exists(weir_db *db, const char *id, weir_error *err)
{
	int64_t n = 0;
	if (weir_db_query_i64(db, SQL_VOLUME_EXISTS, &n, err, WEIR_TEXT(id)) < 0)
		return -1;
	return n > 0;
}
