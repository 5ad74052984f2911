/* The warehouse and the store the server keeps its state in (weir_wh_refused). */
#include <string.h>

#include "core/db.h"
#include "warehouse/warehouse.h"

/* With the PostgreSQL store (--store) the warehouse is refused, never half there: its tables'
 * rows live in SQLite files of one server's --data, which replicas sharing one store cannot
 * keep consistent (running statements on PostgreSQL is a later issue). */
int weir_wh_refused(weir_error *err)
{
	if (strcmp(weir_db_store_kind(), "postgresql") != 0)
		return 0;
	return weir_error_set(err, WEIR_E_NOT_SUPPORTED_WITH_POSTGRESQL_STORE,
			      "The SQL warehouse is not available on a server with the PostgreSQL store (--store "
			      "postgresql://...): statements run on the SQLite store only");
}
