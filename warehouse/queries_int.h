/* Saved queries inside the warehouse module: the row and its store (queries_store.c). */
#ifndef WEIR_WAREHOUSE_QUERIES_INT_H
#define WEIR_WAREHOUSE_QUERIES_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"

typedef struct weir_wh_query {
	const char *id, *display_name, *description, *query_text, *warehouse_id, *catalog, *schema;
	int64_t owner_id, create_time, update_time;
} weir_wh_query;

int weir_whq_store_insert(weir_db *db, const weir_wh_query *q, weir_error *err);
/* 1 found, 0 not, -1 error. */
int weir_whq_store_get(weir_db *db, weir_arena *a, const char *id, weir_wh_query *out, weir_error *err);
int weir_whq_store_update(weir_db *db, const weir_wh_query *q, weir_error *err);
/* 1 trashed, 0 not found, -1 error. */
int weir_whq_store_trash(weir_db *db, const char *id, int64_t now, weir_error *err);
int weir_whq_store_list(weir_db *db, weir_arena *a, bool all, int64_t owner_id, int64_t offset, int64_t limit,
			weir_wh_query *out, weir_error *err);

#endif
