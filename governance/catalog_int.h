/* Private to the catalog: the row written by create, and the store functions. */
#ifndef WEIR_GOVERNANCE_CATALOG_INT_H
#define WEIR_GOVERNANCE_CATALOG_INT_H

#include "core/json.h"
#include "governance/catalog.h"

typedef struct cat_row {
	const char *id;
	weir_sec_type type;
	const char *parent_id;
	const char *name;
	int64_t owner_id;
	const char *comment;
	const char *properties; /* JSON text */
	const char *storage_root;
	const char *storage_location;
	const char *subtype;
	const char *data_source_format;
	const char *view_definition;
	const char *spec; /* JSON text */
	const char *isolation_mode;
	int64_t now;
	const char *by;
} cat_row;

/* Names of the parents, for full names in Info objects. */
typedef struct cat_names {
	const char *catalog;
	const char *schema;
} cat_names;

int weir_cat_store_insert(weir_db *db, const cat_row *row, weir_error *err);
/* col's fields, but type_text the one given (the caller's lowercase form, or NULL) */
int weir_cat_store_insert_column(weir_db *db, const char *table_id, int position, json_t *col, const char *type_text,
				 weir_error *err);
/* The position after a table's last column (0 for none), or -1. */
int64_t weir_cat_store_next_position(weir_db *db, const char *table_id, weir_error *err);
int weir_cat_store_delete_columns(weir_db *db, const char *table_id, weir_error *err);
bool weir_cat_store_column_exists(weir_db *db, const char *table_id, const char *name);
/* Sets a column's comment (and the table's updated_at): rows changed (0: no such column), or -1. */
int weir_cat_store_column_comment(weir_db *db, const char *table_id, const char *name, const char *comment, int64_t now,
				  const char *by, weir_error *err);
bool weir_cat_store_name_taken(weir_db *db, const char *parent_id, weir_sec_type t, const char *name);
/* Children of `id` (of any type when t < 0); -1 with err set when the count fails. */
int64_t weir_cat_store_count_children(weir_db *db, const char *id, int t, weir_error *err);
/* Writes the Info object into w; browse_only marks what the caller sees only through BROWSE. */
int weir_cat_store_info_jw(weir_db *db, weir_arena *a, const char *id, const cat_names *names, bool omit_columns,
			   bool omit_properties, bool browse_only, weir_jw *w, weir_error *err);
json_t *weir_cat_store_info(weir_db *db, weir_arena *a, const char *id, const cat_names *names, bool omit_columns,
			    bool omit_properties, weir_error *err);

typedef int (*cat_visit_fn)(void *ctx, const char *id, const char *name, int64_t owner_id);
/* Children of parent_id of type t with name > after, in name order, at most `limit`. */
int weir_cat_store_children(weir_db *db, const char *parent_id, weir_sec_type t, const char *after, int limit,
			    cat_visit_fn fn, void *ctx, weir_error *err);

/* A table of a catalog with its schema, for table summaries. */
typedef struct cat_summary_row {
	const char *schema_id, *schema_name;
	int64_t schema_owner;
	const char *id, *name;
	int64_t owner;
	const char *table_type;
} cat_summary_row;
typedef int (*cat_summary_fn)(void *ctx, const cat_summary_row *row);
/* The tables of catalog_id whose schema name and table name match the SQL LIKE patterns
 * (NULL: any), after (after_schema, after_table) in (schema, table) name order, at most
 * `limit`. Returns the rows read (-1 on failure, -2 when fn stopped the walk). */
int weir_cat_store_table_summaries(weir_db *db, const char *catalog_id, const char *schema_like, const char *table_like,
				   const char *after_schema, const char *after_table, int limit, cat_summary_fn fn,
				   void *ctx, weir_error *err);

int weir_cat_store_set_text(weir_db *db, const char *id, const char *column, const char *value, int64_t now,
			    const char *by, weir_error *err);
int weir_cat_store_set_owner(weir_db *db, const char *id, int64_t owner_id, int64_t now, const char *by,
			     weir_error *err);
/* A text column of securable `id` ("spec": JSON text; "storage_location"), an arena copy, or
 * NULL when it has none. */
const char *weir_cat_store_text(weir_db *db, weir_arena *a, const char *id, const char *column);
int weir_cat_store_delete(weir_db *db, const char *id, weir_error *err);
/* A table's or volume's type (subtype) and storage location, arena copies (NULL for SQL
 * NULL): 1, 0 when there is no such securable, -1 with err on failure. */
int weir_cat_store_storage(weir_db *db, weir_arena *a, const char *id, const char **subtype, const char **location,
			   weir_error *err);

#endif
