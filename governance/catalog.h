/* The Unity Catalog objects: catalogs, schemas, tables (MANAGED, EXTERNAL, VIEW), volumes,
 * functions, and beside the catalogs storage credentials and external locations (their own
 * fields in storage.c). Each function takes the parsed request object (the UC wire shape),
 * checks it, does its SQL inside the caller's transaction and returns the UC `*Info` object
 * (caller owns the json_t). Authorization is the caller's job (api layer, through the route
 * rule) except per-item list filtering, which is done here with weir_gov_allowed. */
#ifndef WEIR_GOVERNANCE_CATALOG_H
#define WEIR_GOVERNANCE_CATALOG_H

#include <jansson.h>

#include "governance/governance.h"

/* Where managed data lives: file://<data dir>/warehouse/<id>, .../volumes/<id>. Set once
 * at start (absolute path). */
void weir_catalog_set_data_dir(const char *abs_data_dir);
const char *weir_catalog_data_dir(void);

typedef struct weir_page_req {
	int64_t max_results; /* 0: default */
	const char *page_token;
} weir_page_req;

/* Validates max_results (negative: 400 naming it) and clamps to 1..1000 (default 100). */
int weir_catalog_page_size(const weir_page_req *pg, int *size, weir_error *err);

/* GET table-summaries: {tables: [{full_name, table_type}], next_page_token?} of the tables
 * of `catalog` (resolved for p) whose schema and table names match the SQL LIKE patterns
 * (NULL or empty: all), leaving out every schema and table p may not browse. Pages in
 * (schema, table) name order; max_results 0 is 10000, negative is refused naming it; the
 * token ("<schema>.<table>", the last one answered) is given only while more remain. */
char *weir_catalog_table_summaries_text(weir_db *db, weir_arena *a, const weir_principal *p,
					const weir_securable *catalog, const char *schema_like, const char *table_like,
					const weir_page_req *pg, size_t *len, weir_error *err);

/* Creates a securable of type t under `parent` (the metastore for catalogs). */
json_t *weir_catalog_create(weir_db *db, weir_arena *a, const weir_principal *p, weir_sec_type t,
			    const weir_securable *parent, json_t *body, weir_error *err);
/* The same, its Info as JSON text (malloc'd) for the reply path; *full_name (arena) is the
 * new securable's full name. */
char *weir_catalog_create_text(weir_db *db, weir_arena *a, const weir_principal *p, weir_sec_type t,
			       const weir_securable *parent, json_t *body, const char **full_name, size_t *len,
			       weir_error *err);
/* The Info object of a resolved securable. */
json_t *weir_catalog_get(weir_db *db, weir_arena *a, const weir_securable *s, bool omit_columns, bool omit_properties,
			 weir_error *err);
/* The same Info as JSON text (malloc'd), for the reply path. */
char *weir_catalog_get_text(weir_db *db, weir_arena *a, const weir_securable *s, bool omit_columns,
			    bool omit_properties, size_t *len, weir_error *err);
/* Lists the children of type t under `parent` that p may browse, one page, into
 * {"<key>": [...], "next_page_token": "..."} (the token only while more remain). With
 * include_browse, also those p sees only through BROWSE, marked "browse_only": true. */
json_t *weir_catalog_list(weir_db *db, weir_arena *a, const weir_principal *p, weir_sec_type t,
			  const weir_securable *parent, const weir_page_req *pg, const char *key, bool omit_columns,
			  bool omit_properties, bool include_browse, weir_error *err);
/* The same page as JSON text (malloc'd), written without a jansson tree: the reply path. */
char *weir_catalog_list_text(weir_db *db, weir_arena *a, const weir_principal *p, weir_sec_type t,
			     const weir_securable *parent, const weir_page_req *pg, const char *key, bool omit_columns,
			     bool omit_properties, bool include_browse, size_t *len, weir_error *err);
/* PATCH: comment, properties, new_name, owner, isolation_mode (catalogs); empty = no-op. */
json_t *weir_catalog_update(weir_db *db, weir_arena *a, const weir_principal *p, weir_securable *s, json_t *body,
			    weir_error *err);
/* The warehouse's ALTER TABLE / COMMENT ON (SQL): as weir_catalog_update, and a table's
 * comment, properties (the whole map) and name may change too; add_columns (ColumnInfo[],
 * appended after the last position) and column_comment ({name, comment}) change columns;
 * view_definition with replace_columns (ColumnInfo[]) replace a view's query in place;
 * row_filter (UC's TableRowFilter {function_name, input_column_names}, or null to drop it) and
 * column_mask ({column, mask: UC's ColumnMask {function_name, using_column_names} or null})
 * are kept in the table's spec and shown in its Info (row_filter, columns[].mask). */
json_t *weir_catalog_update_sql(weir_db *db, weir_arena *a, const weir_principal *p, weir_securable *s, json_t *body,
				weir_error *err);
/* DELETE: a non-empty catalog or schema without force is 400 FAILED_PRECONDITION. */
int weir_catalog_delete(weir_db *db, weir_arena *a, const weir_securable *s, bool force, weir_error *err);

/* Temporary credentials (UC's temporary-table-credentials and temporary-volume-credentials).
 * weir_catalog_credential_operation reads `operation` for a table (READ, READ_WRITE), a
 * volume (READ_VOLUME, WRITE_VOLUME) or a model version (READ_MODEL_VERSION,
 * READ_WRITE_MODEL_VERSION): *write is whether it writes; anything else, UNKNOWN_*
 * included, is 400 naming the field. weir_catalog_temporary_credentials answers for table
 * or volume s, the caller authorized: {"url"} for an EXTERNAL one on file:// storage (no
 * cloud credential: the engine reads the path itself, as Unity Catalog OSS answers for
 * local storage); 400 FAILED_PRECONDITION for a view, a MANAGED table or volume (its data
 * is Weir's: the SQL warehouse and the Files API serve it) and cloud storage (Weir holds no
 * storage credentials to vend). */
int weir_catalog_credential_operation(weir_sec_type t, const char *operation, bool *write, weir_error *err);
/* What a temporary credential answers for the storage at loc of `what` `name` (a table, a
 * volume, a model version): {"url"} for file:// storage outside Weir's managed storage; 400
 * FAILED_PRECONDITION for cloud storage (no credentials to vend) and for Weir's own storage
 * (its APIs serve those files). The one rule of every temporary-*-credentials answer. */
json_t *weir_catalog_vend(const char *what, const char *name, const char *loc, weir_error *err);
json_t *weir_catalog_temporary_credentials(weir_db *db, weir_arena *a, const weir_securable *s, weir_error *err);
/* temporary-path-credentials for p: `operation` PATH_READ, PATH_READ_WRITE or
 * PATH_CREATE_TABLE; `url` normalized as a table's location (400 naming it when malformed, a
 * bucket root, or in Weir's managed storage); then the path's governance: metastore admins
 * pass, anyone else needs an external location covering the url and its privilege for the
 * operation (READ FILES; READ FILES and WRITE FILES; CREATE EXTERNAL TABLE), else 403; then
 * {"url"} for file://, 400 FAILED_PRECONDITION for cloud storage. */
json_t *weir_catalog_path_credentials(weir_db *db, weir_arena *a, const weir_principal *p, const char *url,
				      const char *operation, weir_error *err);

/* Normalizes a storage URL as UC does (file:///..., no trailing or double slashes); 400
 * naming `field` for an unsupported scheme or a bucket root. Arena result. */
const char *weir_catalog_normalize_url(weir_arena *a, const char *field, const char *url, weir_error *err);

/* Hook for modules that keep history about securables (lineage): called inside the
 * deleting or renaming transaction. */
typedef void (*weir_catalog_hook)(weir_db *db, const char *securable_id, const char *old_full_name,
				  const char *new_full_name /* NULL on delete */);
void weir_catalog_set_hook(weir_catalog_hook hook);

#endif
