/* The SQLite side of the storage interface (core/db.h): for core/, unit tests, and the
 * warehouse engine, which runs user SQL on SQLite files by design. No other module
 * includes this header (scripts/house-rules.sh). */
#ifndef WEIR_CORE_DB_SQLITE_H
#define WEIR_CORE_DB_SQLITE_H

#include <sqlite3.h>

#include "core/db.h"

/* The connection's SQLite handle (the writer's while a write is open on it). */
sqlite3 *weir_db_handle(weir_db *c);
/* Applies migrations to an open handle (used by the pool and by unit tests). */
int weir_db_migrate(sqlite3 *db, weir_error *err);

/* Makes core/db_vfs.c's VFS (a WAL file's writes gathered into one per commit) the default. */
int weir_db_vfs_register(void);

static inline sqlite3_stmt *weir_db_sqlite_stmt(weir_stmt *st) { return (sqlite3_stmt *)(void *)st; }

#endif
