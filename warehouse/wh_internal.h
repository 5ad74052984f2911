/* Declarations inside the warehouse module, shared with its unit tests. */
#ifndef WEIR_WAREHOUSE_INTERNAL_H
#define WEIR_WAREHOUSE_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "core/arena.h"
#include "core/error.h"

/* Whether the user's SQL may run PRAGMA name (value: NULL when it only reads). */
bool weir_wh__pragma_allowed(const char *name, const char *value);
/* DATA/warehouse/<table id>.db */
const char *weir_wh__table_path(weir_arena *a, const char *table_id);
/* The CREATE TABLE of a table's file from its UC columns. */
int weir_wh__file_ddl(weir_arena *a, json_t *columns, const char **out, weir_error *err);

#endif
