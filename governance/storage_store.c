/* All SQL of storage credentials and external locations beyond the securables rows that
 * catalog_store.c writes and reads: which external location covers a path, which overlaps a
 * url, what data lies under one, which location uses a credential. Locations are children of
 * the metastore, so each lookup of them walks the (parent_id, type, name) index. The rules
 * over these answers are in governance/storage.c. */
#include "governance/catalog_int.h"

#include "core/db_row.h"

/* The location whose url is loc or a parent of it (no two locations overlap: one at most),
 * with its isolation and its binding to workspace ?3. */
static const char SQL_COVERING[] =
	"SELECT l.id, l.name, l.owner_id, l.spec, COALESCE(l.isolation_mode, 'OPEN'), b.binding_type "
	"FROM securables l LEFT JOIN catalog_bindings b ON b.catalog_id = l.id AND b.workspace_id = ?3 "
	"WHERE l.parent_id = ?1 AND l.type = 'external_location' AND (l.storage_location = ?2 OR "
	"substr(?2, 1, length(l.storage_location) + 1) = l.storage_location || '/') LIMIT 1";

/* Another location (not ?3) whose url equals loc, contains it or lies inside it. */
static const char SQL_OVERLAPPING[] = "SELECT name FROM securables "
				      "WHERE parent_id = ?1 AND type = 'external_location' AND id <> ?3 AND "
				      "(storage_location = ?2 OR "
				      "substr(?2, 1, length(storage_location) + 1) = storage_location || '/' OR "
				      "substr(storage_location, 1, length(?2) + 1) = ?2 || '/') LIMIT 1";

/* A table or volume stored at loc or under it, and not at or under ?2 ('': no exception). */
static const char SQL_DATA_UNDER[] =
	"SELECT type FROM securables WHERE (type = 'table' OR type = 'volume') AND "
	"(storage_location = ?1 OR substr(storage_location, 1, length(?1) + 1) = ?1 || '/') AND "
	"(?2 = '' OR NOT (storage_location = ?2 OR substr(storage_location, 1, length(?2) + 1) = ?2 || '/')) LIMIT 1";

/* A table or volume stored at loc, under it or above it. A scan of the securables: only a
 * caller who is not an admin asking for a path's credentials comes here. */
static const char SQL_DATA_OVERLAPPING[] =
	"SELECT type FROM securables WHERE (type = 'table' OR type = 'volume') AND (storage_location = ?1 OR "
	"substr(storage_location, 1, length(?1) + 1) = ?1 || '/' OR "
	"substr(?1, 1, length(storage_location) + 1) = storage_location || '/') LIMIT 1";

static const char SQL_LOCATION_USING[] = "SELECT name FROM securables WHERE credential_id = ?1 LIMIT 1";

static const char SQL_LOCATION_CREDENTIAL[] =
	"SELECT c.id, c.name FROM securables l JOIN securables c ON c.id = l.credential_id WHERE l.id = ?1";

static const weir_db_field COVERING_FIELDS[] = {WEIR_FIELD(cat_location, id),        WEIR_FIELD(cat_location, name),
						WEIR_FIELD(cat_location, owner_id),  WEIR_FIELD(cat_location, spec),
						WEIR_FIELD(cat_location, isolation), WEIR_FIELD(cat_location, binding)};

int weir_cat_store_covering_location(weir_db *db, weir_arena *a, const char *metastore_id, const char *loc,
				     int64_t workspace_id, cat_location *out, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_COVERING, err, WEIR_TEXT(metastore_id), WEIR_TEXT(loc),
				      WEIR_I64(workspace_id));
	return WEIR_DB_ROW_ONE(db, st, a, out, COVERING_FIELDS, err);
}

int weir_cat_store_overlapping_location(weir_db *db, weir_arena *a, const char *metastore_id, const char *loc,
					const char *except_id, const char **name, weir_error *err)
{
	return weir_db_query_dup(db, a, SQL_OVERLAPPING, name, err, WEIR_TEXT(metastore_id), WEIR_TEXT(loc),
				 WEIR_TEXT(except_id ? except_id : ""));
}

int weir_cat_store_data_under(weir_db *db, weir_arena *a, const char *loc, const char *except_under, const char **type,
			      weir_error *err)
{
	return weir_db_query_dup(db, a, SQL_DATA_UNDER, type, err, WEIR_TEXT(loc),
				 WEIR_TEXT(except_under ? except_under : ""));
}

int weir_cat_store_data_overlapping(weir_db *db, weir_arena *a, const char *loc, const char **type, weir_error *err)
{
	return weir_db_query_dup(db, a, SQL_DATA_OVERLAPPING, type, err, WEIR_TEXT(loc));
}

int weir_cat_store_location_using(weir_db *db, weir_arena *a, const char *credential_id, const char **name,
				  weir_error *err)
{
	return weir_db_query_dup(db, a, SQL_LOCATION_USING, name, err, WEIR_TEXT(credential_id));
}

int weir_cat_store_location_credential(weir_db *db, weir_arena *a, const char *location_id, const char **id,
				       const char **name, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_LOCATION_CREDENTIAL, err, WEIR_TEXT(location_id));
	int found = weir_db_row_first(db, st, err);
	if (found == 1) {
		*id = weir_db_col_dup(a, st, 0);
		*name = weir_db_col_dup(a, st, 1);
		weir_db_done(st);
	}
	return found;
}
