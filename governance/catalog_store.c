/* All SQL of the catalog objects, and the mapping of their rows to UC Info objects. */
#include "governance/catalog_int.h"

#include <string.h>

#include "core/db_row.h"
#include "core/json.h"
#include "core/log.h"

static const char SQL_INSERT[] =
	"INSERT INTO securables (id, type, parent_id, name, owner_id, comment, properties, storage_root, "
	"storage_location, subtype, data_source_format, view_definition, spec, isolation_mode, credential_id, "
	"created_at, created_by, updated_at, updated_by) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, COALESCE(?7, '{}'), ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?17, ?15, ?16, ?15, "
	"?16)";

int weir_cat_store_insert(weir_db *db, const cat_row *r, weir_error *err)
{
	return weir_db_exec(db, SQL_INSERT, err, WEIR_TEXT(r->id), WEIR_TEXT(weir_sec_type_name(r->type)),
			    WEIR_TEXT(r->parent_id), WEIR_TEXT(r->name), WEIR_I64(r->owner_id), WEIR_TEXT(r->comment),
			    WEIR_TEXT(r->properties), WEIR_TEXT(r->storage_root), WEIR_TEXT(r->storage_location),
			    WEIR_TEXT(r->subtype), WEIR_TEXT(r->data_source_format), WEIR_TEXT(r->view_definition),
			    WEIR_TEXT(r->spec), WEIR_TEXT(r->isolation_mode), WEIR_I64(r->now), WEIR_TEXT(r->by),
			    WEIR_TEXT(r->credential_id));
}

static const char SQL_INSERT_COLUMN[] =
	"INSERT INTO table_columns (table_id, position, name, type_text, type_json, type_name, type_precision, "
	"type_scale, type_interval_type, comment, nullable, partition_index) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

static void bind_opt_int(weir_stmt *st, int i, json_t *v)
{
	if (json_is_integer(v))
		weir_db_bind_i64(st, i, json_integer_value(v));
	else
		weir_db_bind_null(st, i);
}

int weir_cat_store_insert_column(weir_db *db, const char *table_id, int position, json_t *c, const char *type_text,
				 weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_INSERT_COLUMN, err, WEIR_TEXT(table_id), WEIR_I64(position),
				      WEIR_TEXT(json_string_value(json_object_get(c, "name"))), WEIR_TEXT(type_text),
				      WEIR_TEXT(json_string_value(json_object_get(c, "type_json"))),
				      WEIR_TEXT(json_string_value(json_object_get(c, "type_name"))));
	if (st == NULL)
		return -1;
	bind_opt_int(st, 7, json_object_get(c, "type_precision"));
	bind_opt_int(st, 8, json_object_get(c, "type_scale"));
	weir_db_bind_text(st, 9, json_string_value(json_object_get(c, "type_interval_type")));
	weir_db_bind_text(st, 10, json_string_value(json_object_get(c, "comment")));
	json_t *nullable = json_object_get(c, "nullable");
	weir_db_bind_int(st, 11, nullable == NULL || json_is_true(nullable));
	bind_opt_int(st, 12, json_object_get(c, "partition_index"));
	return weir_db_step_done(db, st, err);
}

static const char SQL_NEXT_POSITION[] = "SELECT COALESCE(MAX(position) + 1, 0) FROM table_columns WHERE table_id = ?1";

int64_t weir_cat_store_next_position(weir_db *db, const char *table_id, weir_error *err)
{
	int64_t n = -1;
	if (weir_db_query_i64(db, SQL_NEXT_POSITION, &n, err, WEIR_TEXT(table_id)) != 1)
		return -1;
	return n;
}

static const char SQL_COLUMN_EXISTS[] = "SELECT 1 FROM table_columns WHERE table_id = ?1 AND name = ?2 COLLATE NOCASE";

bool weir_cat_store_column_exists(weir_db *db, const char *table_id, const char *name)
{
	weir_stmt *st = weir_db_query(db, SQL_COLUMN_EXISTS, NULL, WEIR_TEXT(table_id), WEIR_TEXT(name));
	if (st == NULL)
		return false;
	bool found = weir_db_step(st) == WEIR_DB_ROW;
	weir_db_done(st);
	return found;
}

static const char SQL_COLUMN_COMMENT[] =
	"UPDATE table_columns SET comment = NULLIF(?3, '') WHERE table_id = ?1 AND name = ?2 COLLATE NOCASE";
static const char SQL_TOUCH[] = "UPDATE securables SET updated_at = ?2, updated_by = ?3 WHERE id = ?1";

int weir_cat_store_column_comment(weir_db *db, const char *table_id, const char *name, const char *comment, int64_t now,
				  const char *by, weir_error *err)
{
	int64_t changed = weir_db_exec_count(db, SQL_COLUMN_COMMENT, err, WEIR_TEXT(table_id), WEIR_TEXT(name),
					     WEIR_TEXT(comment));
	if (changed < 0)
		return -1;
	if (changed && weir_db_exec(db, SQL_TOUCH, err, WEIR_TEXT(table_id), WEIR_I64(now), WEIR_TEXT(by)) != 0)
		return -1;
	return (int)changed;
}

static const char SQL_DELETE_COLUMNS[] = "DELETE FROM table_columns WHERE table_id = ?1";

int weir_cat_store_delete_columns(weir_db *db, const char *table_id, weir_error *err)
{
	return weir_db_exec(db, SQL_DELETE_COLUMNS, err, WEIR_TEXT(table_id));
}

static const char SQL_NAME_TAKEN[] = "SELECT 1 FROM securables WHERE parent_id = ?1 AND type = ?2 AND name = ?3";

bool weir_cat_store_name_taken(weir_db *db, const char *parent_id, weir_sec_type t, const char *name)
{
	return weir_db_exists(db, SQL_NAME_TAKEN, NULL, WEIR_TEXT(parent_id), WEIR_TEXT(weir_sec_type_name(t)),
			      WEIR_TEXT(name)) == 1;
}

static const char SQL_COUNT_CHILDREN[] =
	"SELECT count(*) FROM securables WHERE parent_id = ?1 AND (?2 IS NULL OR type = ?2)";

int64_t weir_cat_store_count_children(weir_db *db, const char *id, int t, weir_error *err)
{
	return weir_db_count(db, SQL_COUNT_CHILDREN, err, WEIR_TEXT(id),
			     WEIR_TEXT(t < 0 ? NULL : weir_sec_type_name((weir_sec_type)t)));
}

static const char SQL_INFO[] =
	"SELECT s.id, s.type, s.name, o.name, s.comment, s.properties, s.storage_root, s.storage_location, "
	"s.subtype, s.data_source_format, s.view_definition, s.spec, s.isolation_mode, s.created_at, "
	"s.created_by, s.updated_at, s.updated_by "
	"FROM securables s JOIN principals o ON o.id = s.owner_id WHERE s.id = ?1";

static const char SQL_COLUMNS[] =
	"SELECT name, type_text, type_json, type_name, type_precision, type_scale, type_interval_type, "
	"comment, nullable, partition_index, position FROM table_columns WHERE table_id = ?1 ORDER BY position";

/* masks: the table's column masks ({"<column>": ColumnMask}, from its spec), or NULL. */
static int columns_jw(weir_db *db, const char *table_id, json_t *masks, weir_jw *w, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_COLUMNS, err, WEIR_TEXT(table_id));
	if (st == NULL)
		return -1;
	weir_jw_key(w, "columns");
	weir_jw_arr(w);
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
		weir_jw_obj(w);
		weir_db_jw_col(w, "name", st, 0);
		weir_db_jw_col(w, "type_text", st, 1);
		weir_db_jw_col(w, "type_json", st, 2);
		weir_db_jw_col(w, "type_name", st, 3);
		if (weir_db_col_type(st, 4) != WEIR_DB_NULL)
			weir_jw_kint(w, "type_precision", weir_db_col_i64(st, 4));
		if (weir_db_col_type(st, 5) != WEIR_DB_NULL)
			weir_jw_kint(w, "type_scale", weir_db_col_i64(st, 5));
		weir_db_jw_col(w, "type_interval_type", st, 6);
		weir_db_jw_col(w, "comment", st, 7);
		weir_jw_key(w, "nullable");
		weir_jw_bool(w, weir_db_col_int(st, 8) != 0);
		if (weir_db_col_type(st, 9) != WEIR_DB_NULL)
			weir_jw_kint(w, "partition_index", weir_db_col_i64(st, 9));
		weir_jw_kint(w, "position", weir_db_col_i64(st, 10));
		json_t *mask = masks ? json_object_get(masks, weir_db_col_text(st, 0)) : NULL;
		if (mask) {
			weir_jw_key(w, "mask");
			weir_jw_value(w, mask);
		}
		weir_jw_end_obj(w);
	}
	weir_jw_end_arr(w);
	weir_db_done(st);
	if (rc != WEIR_DB_DONE) /* never answer a partial column list: the caller drops the text */
		return weir_db_fail(db, rc, err);
	return 0;
}

/* "full_name": "a.b[.c]" without a formatted copy (names are at most 255 bytes each). */
static void full_name_member(weir_jw *w, const char *a, const char *b, const char *c)
{
	char buf[3 * 256 + 3];
	const char *parts[3] = {a, b, c};
	size_t n = 0;
	for (int i = 0; i < 3; i++) {
		if (parts[i] == NULL)
			continue;
		size_t k = strlen(parts[i]);
		if (k > 255 || n + k + 1 > sizeof(buf)) /* never from our tables; stay safe */
			k = 0;
		if (n)
			buf[n++] = '.';
		memcpy(buf + n, parts[i], k);
		n += k;
	}
	weir_jw_kstrn(w, "full_name", buf, n);
}

/* A stored JSON object (properties) written as it is: it was serialised by us. */
static void stored_object(weir_jw *w, const char *key, weir_stmt *st, int i)
{
	const char *v = weir_db_col_text(st, i);
	weir_jw_key(w, key);
	if (v == NULL || *v == '\0')
		weir_jw_raw(w, "{}", 2);
	else
		weir_jw_raw(w, v, (size_t)weir_db_col_bytes(st, i));
}

/* The Info object of securable `id`, written into w (the one renderer: weir_cat_store_info
 * parses this text for the callers that want a jansson value). browse_only is added by
 * the caller. */
int weir_cat_store_info_jw(weir_db *db, weir_arena *a, const char *id, const cat_names *names, bool omit_columns,
			   bool omit_properties, bool browse_only, weir_jw *w, weir_error *err)
{
	const char *ms = weir_gov_metastore_id(db, a, err);
	json_t *masks = NULL; /* a table's column masks, from its spec */
	weir_stmt *st = weir_db_query(db, SQL_INFO, err, WEIR_TEXT(id));
	if (weir_db_row_need(db, st, "Securable not found.", err) != 0)
		return -1;
	weir_sec_type t = WEIR_SEC_CATALOG;
	weir_sec_type_parse(weir_db_col_text(st, 1), &t);
	const char *name = weir_db_col_text(st, 2);
	weir_jw_obj(w);
	weir_db_jw_col(w, "name", st, 2);
	weir_db_jw_col(w, "owner", st, 3);
	weir_db_jw_col(w, "comment", st, 4);
	bool beside = t == WEIR_SEC_CREDENTIAL || t == WEIR_SEC_EXTERNAL_LOCATION; /* no properties */
	if (!omit_properties && t != WEIR_SEC_FUNCTION && !beside) /* a function's are a JSON string, in spec */
		stored_object(w, "properties", st, 5);
	weir_jw_kint(w, "created_at", weir_db_col_i64(st, 13));
	weir_db_jw_col(w, "created_by", st, 14);
	weir_jw_kint(w, "updated_at", weir_db_col_i64(st, 15));
	weir_db_jw_col(w, "updated_by", st, 16);
	if (ms)
		weir_jw_kstr(w, "metastore_id", ms);
	int rc = 0;
	const char *storage[4] = {NULL, NULL, NULL, NULL}; /* subtype, storage_location, spec, isolation */
	switch (t) {
	case WEIR_SEC_CATALOG:
		weir_jw_kstr(w, "id", id);
		weir_jw_kstr(w, "full_name", name);
		weir_db_jw_col(w, "storage_root", st, 6);
		weir_db_jw_col(w, "storage_location", st, 7);
		weir_jw_kstr(w, "catalog_type", "MANAGED_CATALOG");
		weir_jw_kstr(w, "isolation_mode",
			     weir_db_col_type(st, 12) != WEIR_DB_NULL ? weir_db_col_text(st, 12) : "OPEN");
		weir_jw_key(w, "browse_only");
		weir_jw_bool(w, browse_only);
		break;
	case WEIR_SEC_CREDENTIAL:
	case WEIR_SEC_EXTERNAL_LOCATION:
		if (t == WEIR_SEC_CREDENTIAL)
			weir_jw_kstr(w, "full_name", name);
		/* after this statement is done (storage.c may read more) */
		storage[0] = weir_db_col_dup(a, st, 8);
		storage[1] = weir_db_col_dup(a, st, 7);
		storage[2] = weir_db_col_dup(a, st, 11);
		storage[3] = weir_db_col_dup(a, st, 12);
		break;
	case WEIR_SEC_SCHEMA:
		weir_jw_kstr(w, "schema_id", id);
		weir_jw_kstr(w, "catalog_name", names->catalog);
		full_name_member(w, names->catalog, NULL, name);
		weir_db_jw_col(w, "storage_root", st, 6);
		weir_db_jw_col(w, "storage_location", st, 7);
		break;
	case WEIR_SEC_TABLE:
	case WEIR_SEC_VOLUME:
	case WEIR_SEC_FUNCTION:
	case WEIR_SEC_MODEL: {
		weir_jw_kstr(w, "catalog_name", names->catalog);
		weir_jw_kstr(w, "schema_name", names->schema);
		full_name_member(w, names->catalog, names->schema, name);
		weir_db_jw_col(w, "storage_location", st, 7);
		if (t == WEIR_SEC_TABLE) {
			weir_jw_kstr(w, "table_id", id);
			weir_db_jw_col(w, "table_type", st, 8);
			weir_db_jw_col(w, "data_source_format", st, 9);
			weir_db_jw_col(w, "view_definition", st, 10);
			if (weir_db_col_type(st, 11) != WEIR_DB_NULL) {
				json_t *spec = json_loads(weir_db_col_text(st, 11), 0, NULL);
				json_t *deps = spec ? json_object_get(spec, "view_dependencies") : NULL;
				if (deps) {
					weir_jw_key(w, "view_dependencies");
					weir_jw_value(w, deps);
				}
				/* the warehouse's ALTER TABLE ... SET ROW FILTER / SET MASK */
				json_t *filter = spec ? json_object_get(spec, "row_filter") : NULL;
				if (filter) {
					weir_jw_key(w, "row_filter");
					weir_jw_value(w, filter);
				}
				masks = json_incref(spec ? json_object_get(spec, "column_masks") : NULL);
				json_decref(spec);
			}
		} else if (t == WEIR_SEC_VOLUME) {
			weir_jw_kstr(w, "volume_id", id);
			weir_db_jw_col(w, "volume_type", st, 8);
		} else if (t == WEIR_SEC_FUNCTION) {
			weir_jw_kstr(w, "function_id", id);
			/* the function's own fields, after those above (which win) */
			/* the members written above: always (-1), when the metastore id is known (-2), or
			 * when column n is not NULL */
			static const struct {
				const char *key;
				int col;
			} written[] = {
				{"name", 2},          {"owner", 3},        {"comment", 4},     {"created_at", -1},
				{"created_by", 14},   {"updated_at", -1},  {"updated_by", 16}, {"metastore_id", -2},
				{"catalog_name", -1}, {"schema_name", -1}, {"full_name", -1},  {"storage_location", 7},
				{"function_id", -1},
			};
			json_t *spec = json_loads(weir_db_col_text(st, 11), 0, NULL);
			const char *k;
			json_t *v;
			json_object_foreach (spec, k, v) {
				bool dup = false;
				for (size_t i = 0; i < sizeof(written) / sizeof(written[0]) && !dup; i++)
					dup = strcmp(k, written[i].key) == 0 &&
					      (written[i].col == -1 || (written[i].col == -2 && ms != NULL) ||
					       (written[i].col >= 0 &&
						weir_db_col_type(st, written[i].col) != WEIR_DB_NULL));
				if (!dup) {
					weir_jw_key(w, k);
					weir_jw_value(w, v);
				}
			}
			json_decref(spec);
		} else {
			weir_jw_kstr(w, "id", id);
		}
		break;
	}
	default: break;
	}
	weir_db_done(st);
	if (t == WEIR_SEC_TABLE && !omit_columns)
		rc = columns_jw(db, id, masks, w, err);
	if (beside)
		rc = weir_storage_info_members(db, a, t, id, storage[0], storage[1], storage[2], storage[3], w, err);
	json_decref(masks);
	if (browse_only && t != WEIR_SEC_CATALOG) {
		weir_jw_key(w, "browse_only");
		weir_jw_bool(w, true);
	}
	weir_jw_end_obj(w);
	return rc;
}

json_t *weir_cat_store_info(weir_db *db, weir_arena *a, const char *id, const cat_names *names, bool omit_columns,
			    bool omit_properties, weir_error *err)
{
	weir_jw w;
	weir_jw_init(&w);
	return weir_jw_tree(&w, weir_cat_store_info_jw(db, a, id, names, omit_columns, omit_properties, false, &w, err),
			    err);
}

static const char SQL_CHILDREN[] =
	"SELECT id, name, owner_id FROM securables WHERE parent_id = ?1 AND type = ?2 AND name > ?3 "
	"ORDER BY name LIMIT ?4";

int weir_cat_store_children(weir_db *db, const char *parent_id, weir_sec_type t, const char *after, int limit,
			    cat_visit_fn fn, void *ctx, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_CHILDREN, err, WEIR_TEXT(parent_id), WEIR_TEXT(weir_sec_type_name(t)),
				      WEIR_TEXT(after ? after : ""), WEIR_I64(limit));
	if (st == NULL)
		return -1;
	int n = 0, rc;
	/* Rows are copied out before the callback, which may use other statements. */
	struct kid {
		char id[40];
		char *name;
		int64_t owner;
	} *kids = weir_xcalloc((size_t)limit + 1, sizeof(*kids));
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
		snprintf(kids[n].id, sizeof(kids[n].id), "%s", weir_db_col_text(st, 0));
		kids[n].name = weir_xstrdup(weir_db_col_text(st, 1));
		kids[n].owner = weir_db_col_i64(st, 2);
		n++;
	}
	weir_db_done(st);
	int ret = rc == WEIR_DB_DONE ? n : weir_db_fail(db, rc, err);
	for (int i = 0; i < n; i++) {
		if (ret >= 0 && fn(ctx, kids[i].id, kids[i].name, kids[i].owner) != 0)
			ret = -2;
		free(kids[i].name);
	}
	free(kids);
	return ret;
}

static const char SQL_TABLE_SUMMARIES[] =
	"SELECT sc.id, sc.name, sc.owner_id, t.id, t.name, t.owner_id, t.subtype "
	"FROM securables sc JOIN securables t ON t.parent_id = sc.id AND t.type = 'table' "
	"WHERE sc.parent_id = ?1 AND sc.type = 'schema' AND (?2 IS NULL OR sc.name LIKE ?2) "
	"AND (?3 IS NULL OR t.name LIKE ?3) AND (sc.name > ?4 OR (sc.name = ?4 AND t.name > ?5)) "
	"ORDER BY sc.name, t.name LIMIT ?6";

int weir_cat_store_table_summaries(weir_db *db, const char *catalog_id, const char *schema_like, const char *table_like,
				   const char *after_schema, const char *after_table, int limit, cat_summary_fn fn,
				   void *ctx, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_TABLE_SUMMARIES, err, WEIR_TEXT(catalog_id), WEIR_TEXT(schema_like),
				      WEIR_TEXT(table_like), WEIR_TEXT(after_schema ? after_schema : ""),
				      WEIR_TEXT(after_table ? after_table : ""), WEIR_I64(limit));
	if (st == NULL)
		return -1;
	/* Rows are copied out before the callback, which may use other statements. */
	cat_summary_row *rows = weir_xcalloc((size_t)limit + 1, sizeof(*rows));
	int n = 0, rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
		cat_summary_row *r = &rows[n++];
		r->schema_id = weir_xstrdup(weir_db_col_text(st, 0));
		r->schema_name = weir_xstrdup(weir_db_col_text(st, 1));
		r->schema_owner = weir_db_col_i64(st, 2);
		r->id = weir_xstrdup(weir_db_col_text(st, 3));
		r->name = weir_xstrdup(weir_db_col_text(st, 4));
		r->owner = weir_db_col_i64(st, 5);
		const char *tt = weir_db_col_text(st, 6);
		r->table_type = tt ? weir_xstrdup(tt) : NULL;
	}
	weir_db_done(st);
	int ret = rc == WEIR_DB_DONE ? n : weir_db_fail(db, rc, err);
	for (int i = 0; i < n; i++) {
		if (ret >= 0 && fn(ctx, &rows[i]) != 0)
			ret = -2;
		free((char *)rows[i].schema_id);
		free((char *)rows[i].schema_name);
		free((char *)rows[i].id);
		free((char *)rows[i].name);
		free((char *)rows[i].table_type);
	}
	free(rows);
	return ret;
}

/* One prepared statement per updatable column, all of one text: column names are never
 * formatted into SQL at run time. */
#define SQL_SET(column) "UPDATE securables SET " column " = ?2, updated_at = ?3, updated_by = ?4 WHERE id = ?1"
static const char SQL_SET_COMMENT[] = SQL_SET("comment");
static const char SQL_SET_PROPERTIES[] = SQL_SET("properties");
static const char SQL_SET_NAME[] = SQL_SET("name");
static const char SQL_SET_ISOLATION[] = SQL_SET("isolation_mode");
static const char SQL_SET_SPEC[] = SQL_SET("spec");
static const char SQL_SET_VIEW_DEFINITION[] = SQL_SET("view_definition");
static const char SQL_SET_LOCATION[] = SQL_SET("storage_location");
static const char SQL_SET_CREDENTIAL[] = SQL_SET("credential_id");
static const char SQL_SET_OWNER[] = SQL_SET("owner_id");

int weir_cat_store_set_text(weir_db *db, const char *id, const char *column, const char *value, int64_t now,
			    const char *by, weir_error *err)
{
	const char *sql = strcmp(column, "comment") == 0            ? SQL_SET_COMMENT
			  : strcmp(column, "properties") == 0       ? SQL_SET_PROPERTIES
			  : strcmp(column, "name") == 0             ? SQL_SET_NAME
			  : strcmp(column, "isolation_mode") == 0   ? SQL_SET_ISOLATION
			  : strcmp(column, "spec") == 0             ? SQL_SET_SPEC
			  : strcmp(column, "view_definition") == 0  ? SQL_SET_VIEW_DEFINITION
			  : strcmp(column, "storage_location") == 0 ? SQL_SET_LOCATION
			  : strcmp(column, "credential_id") == 0    ? SQL_SET_CREDENTIAL
								    : NULL;
	if (sql == NULL)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "internal error");
	return weir_db_exec(db, sql, err, WEIR_TEXT(id), WEIR_TEXT(value), WEIR_I64(now), WEIR_TEXT(by));
}

/* The readable columns, as the updatable ones above. */
static const char SQL_SPEC[] = "SELECT spec FROM securables WHERE id = ?1";
static const char SQL_STORAGE_LOCATION[] = "SELECT storage_location FROM securables WHERE id = ?1";
static const char SQL_STORAGE[] = "SELECT subtype, storage_location FROM securables WHERE id = ?1";

int weir_cat_store_storage(weir_db *db, weir_arena *a, const char *id, const char **subtype, const char **location,
			   weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_STORAGE, err, WEIR_TEXT(id));
	int found = weir_db_row_first(db, st, err);
	if (found == 1) {
		*subtype = weir_db_col_dup(a, st, 0);
		*location = weir_db_col_dup(a, st, 1);
		weir_db_done(st);
	}
	return found;
}

const char *weir_cat_store_text(weir_db *db, weir_arena *a, const char *id, const char *column)
{
	const char *sql = strcmp(column, "spec") == 0               ? SQL_SPEC
			  : strcmp(column, "storage_location") == 0 ? SQL_STORAGE_LOCATION
								    : NULL;
	return sql ? weir_db_query_text(db, a, sql, WEIR_TEXT(id)) : NULL;
}

int weir_cat_store_set_owner(weir_db *db, const char *id, int64_t owner_id, int64_t now, const char *by,
			     weir_error *err)
{
	return weir_db_exec(db, SQL_SET_OWNER, err, WEIR_TEXT(id), WEIR_I64(owner_id), WEIR_I64(now), WEIR_TEXT(by));
}

static const char SQL_DELETE[] = "DELETE FROM securables WHERE id = ?1";

int weir_cat_store_delete(weir_db *db, const char *id, weir_error *err)
{
	return weir_db_exec(db, SQL_DELETE, err, WEIR_TEXT(id));
}
