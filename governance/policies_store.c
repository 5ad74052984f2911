/* All SQL of ABAC policies: table `policies` (migrations/0027_policies.sql). */
#include "governance/policies.h"

#include <string.h>

#include "core/db_row.h"

#define ROW_COLS                                                                                              \
	"id, securable_id, name, policy_type, spec, to_ids, except_ids, created_at, created_by, updated_at, " \
	"updated_by"

static const weir_db_field ROW_FIELDS[] = {
	WEIR_FIELD(weir_policy_row, id),         WEIR_FIELD(weir_policy_row, securable_id),
	WEIR_FIELD(weir_policy_row, name),       WEIR_FIELD(weir_policy_row, policy_type),
	WEIR_FIELD(weir_policy_row, spec),       WEIR_FIELD(weir_policy_row, to_ids),
	WEIR_FIELD(weir_policy_row, except_ids), WEIR_FIELD(weir_policy_row, created_at),
	WEIR_FIELD(weir_policy_row, created_by), WEIR_FIELD(weir_policy_row, updated_at),
	WEIR_FIELD(weir_policy_row, updated_by)};

static const char SQL_GET[] = "SELECT " ROW_COLS " FROM policies WHERE securable_id = ?1 AND name = ?2";

int weir_policies__store_get(weir_db *db, weir_arena *a, const char *sid, const char *name, weir_policy_row *row,
			     weir_error *err)
{
	return WEIR_DB_ROW_ONE(db, weir_db_query(db, SQL_GET, err, WEIR_TEXT(sid), WEIR_TEXT(name)), a, row, ROW_FIELDS,
			       err);
}

/* Steps st to its end, reading each row into an arena array of elements of `size` bytes. */
static int collect(weir_db *db, weir_arena *a, weir_stmt *st, size_t size, const weir_db_field *fields, int nfields,
		   void **out, int *n, weir_error *err)
{
	if (st == NULL)
		return -1;
	int cap = 0, k = 0, rc;
	char *rows = NULL;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
		if (k == cap) {
			cap = cap ? cap * 2 : 8;
			char *grown = weir_arena_calloc(a, size * (size_t)cap);
			if (k)
				memcpy(grown, rows, size * (size_t)k);
			rows = grown;
		}
		weir_db_row_read(st, a, rows + size * (size_t)k++, fields, nfields);
	}
	weir_db_done(st);
	if (rc != WEIR_DB_DONE)
		return weir_db_fail(db, rc, err);
	*out = rows;
	*n = k;
	return 0;
}
#define COLLECT(db, a, st, T, fields, out, n, err)                                                                 \
	collect((db), (a), (st), sizeof(T), (fields), (int)(sizeof(fields) / sizeof((fields)[0])), (void **)(out), \
		(n), (err))

/* The policies on up to three securables (a table, its schema, its catalog; a NULL id matches
 * nothing), by name. */
static const char SQL_ON[] = "SELECT " ROW_COLS " FROM policies WHERE securable_id IN (?1, ?2, ?3) ORDER BY name";

int weir_policies__store_on(weir_db *db, weir_arena *a, const char *ids[3], weir_policy_row **out, int *n,
			    weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_ON, err, WEIR_TEXT(ids[0]), WEIR_TEXT(ids[1]), WEIR_TEXT(ids[2]));
	return COLLECT(db, a, st, weir_policy_row, ROW_FIELDS, out, n, err);
}

static const char SQL_ANY[] = "SELECT EXISTS (SELECT 1 FROM policies)";

int weir_policies__store_any(weir_db *db, weir_error *err)
{
	return (int)weir_db_count_vals(db, SQL_ANY, NULL, 0, err);
}

static const char SQL_COUNT[] = "SELECT count(*) FROM policies WHERE securable_id = ?1";

int64_t weir_policies__store_count(weir_db *db, const char *sid, weir_error *err)
{
	return weir_db_count(db, SQL_COUNT, err, WEIR_TEXT(sid));
}

static const char SQL_INSERT[] = "INSERT INTO policies (" ROW_COLS
				 ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

int weir_policies__store_insert(weir_db *db, const weir_policy_row *r, weir_error *err)
{
	return weir_db_exec(db, SQL_INSERT, err, WEIR_TEXT(r->id), WEIR_TEXT(r->securable_id), WEIR_TEXT(r->name),
			    WEIR_TEXT(r->policy_type), WEIR_TEXT(r->spec), WEIR_TEXT(r->to_ids),
			    WEIR_TEXT(r->except_ids), WEIR_I64(r->created_at), WEIR_TEXT(r->created_by),
			    WEIR_I64(r->updated_at), WEIR_TEXT(r->updated_by));
}

static const char SQL_UPDATE[] = "UPDATE policies SET name = ?2, policy_type = ?3, spec = ?4, to_ids = ?5, "
				 "except_ids = ?6, updated_at = ?7, updated_by = ?8 WHERE id = ?1";

int weir_policies__store_update(weir_db *db, const weir_policy_row *r, weir_error *err)
{
	return weir_db_exec(db, SQL_UPDATE, err, WEIR_TEXT(r->id), WEIR_TEXT(r->name), WEIR_TEXT(r->policy_type),
			    WEIR_TEXT(r->spec), WEIR_TEXT(r->to_ids), WEIR_TEXT(r->except_ids), WEIR_I64(r->updated_at),
			    WEIR_TEXT(r->updated_by));
}

static const char SQL_DELETE[] = "DELETE FROM policies WHERE id = ?1";

int weir_policies__store_delete(weir_db *db, const char *id, weir_error *err)
{
	return weir_db_exec(db, SQL_DELETE, err, WEIR_TEXT(id));
}

/* The tags of a table, its schema and its catalog (column_name '' for each securable) and of
 * the table's columns. */
static const char SQL_TAGS[] = "SELECT securable_id, column_name, tag_key, tag_value FROM tags "
			       "WHERE securable_id IN (?1, ?2, ?3)";

static const weir_db_field TAG_FIELDS[] = {WEIR_FIELD(weir_policy_tag, securable_id),
					   WEIR_FIELD(weir_policy_tag, column), WEIR_FIELD(weir_policy_tag, key),
					   WEIR_FIELD(weir_policy_tag, value)};

int weir_policies__store_tags(weir_db *db, weir_arena *a, const char *ids[3], weir_policy_tag **out, int *n,
			      weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_TAGS, err, WEIR_TEXT(ids[0]), WEIR_TEXT(ids[1]), WEIR_TEXT(ids[2]));
	return COLLECT(db, a, st, weir_policy_tag, TAG_FIELDS, out, n, err);
}
