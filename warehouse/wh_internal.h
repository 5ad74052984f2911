/* Declarations inside the warehouse module, shared with its unit tests. */
#ifndef WEIR_WAREHOUSE_INTERNAL_H
#define WEIR_WAREHOUSE_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"
#include "governance/governance.h"

/* Whether the user's SQL may run PRAGMA name (value: NULL when it only reads). */
bool weir_wh__pragma_allowed(const char *name, const char *value);
/* DATA/warehouse/<table id>.db */
const char *weir_wh__table_path(weir_arena *a, const char *table_id);
/* The CREATE TABLE of a table's file from its UC columns. */
int weir_wh__file_ddl(weir_arena *a, json_t *columns, const char **out, weir_error *err);

/* read_files(...) in a statement (read_files_engine.c): materialises each call as a temp
 * table weir_rfN on conn (the statement's sqlite3 connection) reading the files as p, and
 * answers the text with each call replaced by temp."weir_rfN" (*n calls; the text itself
 * when there is none). NULL with err set. */
const char *weir_wh__read_files(weir_db_pool *pool, weir_arena *a, const weir_principal *p, void *conn,
				const char *text, int *n, weir_error *err);

#endif
