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
	const char *credential_id; /* an external location's storage credential */
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

/* ---------------------------------------------------------------- storage_store.c */

/* An external location as storage.c's rules need it (arena strings). */
typedef struct cat_location {
	const char *id, *name;
	int64_t owner_id;
	const char *spec;
	const char *isolation; /* "OPEN" | "ISOLATED" */
	const char *binding; /* its binding to the caller's workspace, or NULL */
} cat_location;

/* The external location whose url is loc or a parent of it, with its binding to
 * workspace_id: 1, 0 none, -1 error. */
int weir_cat_store_covering_location(weir_db *db, weir_arena *a, const char *metastore_id, const char *loc,
				     int64_t workspace_id, cat_location *out, weir_error *err);
/* The name of another location (not except_id, NULL: none) whose url equals, contains or lies
 * inside loc: 1, 0, -1. */
int weir_cat_store_overlapping_location(weir_db *db, weir_arena *a, const char *metastore_id, const char *loc,
					const char *except_id, const char **name, weir_error *err);
/* The type ("table", "volume") of something stored at loc or under it, and not at or under
 * except_under (NULL: none): 1, 0, -1. */
int weir_cat_store_data_under(weir_db *db, weir_arena *a, const char *loc, const char *except_under, const char **type,
			      weir_error *err);
/* The type of a table or volume stored at loc, under it or above it: 1, 0, -1. */
int weir_cat_store_data_overlapping(weir_db *db, weir_arena *a, const char *loc, const char **type, weir_error *err);
/* The name of an external location that uses the credential: 1, 0, -1. */
int weir_cat_store_location_using(weir_db *db, weir_arena *a, const char *credential_id, const char **name,
				  weir_error *err);
/* The credential of an external location (its id and name): 1, 0 none (deleted with force), -1. */
int weir_cat_store_location_credential(weir_db *db, weir_arena *a, const char *location_id, const char **id,
				       const char **name, weir_error *err);

/* ---------------------------------------------------------------- storage.c */

/* The storage_location of an EXTERNAL table or volume, or an external location's url, in
 * `field`: *loc normalized (weir_catalog_normalize_url), and not overlapping Weir's managed
 * storage (catalog.c). */
int weir_cat_external_url(weir_arena *a, const char *field, const char **loc, weir_error *err);
/* The create of a credential or external location: its own fields of body into row (spec,
 * subtype, storage_location, credential_id), then the insert. */
int weir_storage_create(weir_db *db, weir_arena *a, const weir_principal *p, cat_row *row, json_t *body,
			weir_error *err);
/* The PATCH fields of a credential or external location besides comment, new_name and owner
 * (read_only, isolation_mode, an identity; url, credential_name, fallback, force), checked
 * and written. */
int weir_storage_update(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *s, json_t *body,
			int64_t now, weir_error *err);
/* Refuses, without force, to delete a credential that a location uses or a location that
 * data lies under (400 FAILED_PRECONDITION). */
int weir_storage_delete_check(weir_db *db, weir_arena *a, const weir_securable *s, bool force, weir_error *err);
/* An EXTERNAL table or volume (t) at loc, or the storage_root of a catalog or schema (t):
 * when an external location covers loc, p needs its ownership or CREATE EXTERNAL TABLE
 * (VOLUME; CREATE MANAGED STORAGE for a storage root) on it; admins pass. 403 otherwise. */
int weir_storage_external_check(weir_db *db, weir_arena *a, const weir_principal *p, weir_sec_type t, const char *loc,
				weir_error *err);
/* temporary-path-credentials for p at url (normalized): admins pass (but for writes under a
 * location bound READ_ONLY to their workspace); others need an external location covering
 * url that they may see, with READ FILES (and WRITE FILES to write, and a location that is
 * not read_only), or CREATE EXTERNAL TABLE for create_table, and a url that overlaps no table
 * or volume (their data is governed by their own privileges). 403 otherwise. An ISOLATED
 * location covers nothing in a workspace it is not bound to. */
int weir_storage_path_check(weir_db *db, weir_arena *a, const weir_principal *p, const char *url, bool write,
			    bool create_table, weir_error *err);
/* The Info members of a credential or external location after the common ones
 * (catalog_store.c's renderer): spec is the row's JSON, location its storage_location,
 * isolation its isolation_mode column. */
int weir_storage_info_members(weir_db *db, weir_arena *a, weir_sec_type t, const char *id, const char *subtype,
			      const char *location, const char *spec, const char *isolation, weir_jw *w,
			      weir_error *err);

#endif
