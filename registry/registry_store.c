/* All SQL of the model registry: model securables and their registry rows, versions,
 * tags, aliases, the default catalog/schema, the row -> JSON mapping of both wire views,
 * and the search query builder (dynamic WHERE/ORDER BY over bound values only). SQL only:
 * every rule (names, stages, events, lineage, who may see what) is decided in the domain
 * files (registry.c, models.c), which hand this file plain values (ids, names, the
 * metastore id, locations) and get rows back; it calls nothing outside core/ and registry/. */
#include "registry/registry_int.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db_row.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"

/* Text from our own tables was checked as UTF-8 when it came in: no second check going out. */
static json_t *jstr(weir_stmt *st, int i)
{
	const char *t = weir_db_col_text(st, i);
	return json_stringn_nocheck(t ? (const char *)t : "", t ? (size_t)weir_db_col_bytes(st, i) : 0);
}

/* ---------------------------------------------------------------- default catalog */

static const char SQL_FIND_CHILD[] = "SELECT id FROM securables WHERE parent_id = ?1 AND type = ?2 AND name = ?3";
static const char SQL_ADMIN_ID[] = "SELECT id FROM principals WHERE name = 'admin' ORDER BY id LIMIT 1";
static const char SQL_INSERT_SEC[] =
	"INSERT INTO securables (id, type, parent_id, name, owner_id, comment, properties, storage_location, "
	"isolation_mode, created_at, created_by, updated_at, updated_by) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, '{}', ?7, ?8, ?9, ?10, ?9, ?10)";

const char *weir_reg_store_child(weir_db *db, weir_arena *a, const char *parent, const char *type, const char *name)
{
	return weir_db_query_text(db, a, SQL_FIND_CHILD, WEIR_TEXT(parent), WEIR_TEXT(type), WEIR_TEXT(name));
}

static int insert_sec(weir_db *db, const char *id, const char *type, const char *parent, const char *name,
		      int64_t owner, const char *comment, const char *location, const char *by, weir_error *err)
{
	return weir_db_exec(db, SQL_INSERT_SEC, err, WEIR_TEXT(id), WEIR_TEXT(type), WEIR_TEXT(parent), WEIR_TEXT(name),
			    WEIR_I64(owner), WEIR_TEXT(comment), WEIR_TEXT(location),
			    WEIR_TEXT(strcmp(type, "catalog") == 0 ? "OPEN" : NULL), WEIR_I64(weir_now_ms()),
			    WEIR_TEXT(by));
}

int weir_reg_store_ensure_default(weir_db *db, weir_arena *a, const char *ms, weir_error *err)
{
	const char *cat = weir_reg_store_child(db, a, ms, "catalog", WEIR_REGISTRY_DEFAULT_CATALOG);
	const char *sch = cat ? weir_reg_store_child(db, a, cat, "schema", WEIR_REGISTRY_DEFAULT_SCHEMA) : NULL;
	if (cat && sch)
		return 0;
	weir_stmt *st = weir_db_stmt(db, SQL_ADMIN_ID, err);
	if (st == NULL)
		return -1;
	int64_t admin = 0; /* none yet: 0 */
	if (weir_db_row_first(db, st, err) == 1) {
		admin = weir_db_col_i64(st, 0);
		weir_db_done(st);
	}
	if (cat == NULL) {
		char id[37];
		weir_uuid4(id);
		if (insert_sec(db, id, "catalog", ms, WEIR_REGISTRY_DEFAULT_CATALOG, admin,
			       "Default catalog of flat MLflow model names", NULL, WEIR_ADMIN_USER, err) != 0)
			return -1;
		cat = weir_arena_strdup(a, id);
	}
	char sid[37];
	weir_uuid4(sid);
	return insert_sec(db, sid, "schema", cat, WEIR_REGISTRY_DEFAULT_SCHEMA, admin,
			  "Default schema of flat MLflow model names", NULL, WEIR_ADMIN_USER, err);
}

/* ---------------------------------------------------------------- models */

static const char SQL_RM_INSERT[] = "INSERT INTO registered_models (id, max_version) VALUES (?1, 0)";

int weir_reg_store_model_insert(weir_db *db, const char *id, const char *schema_id, const char *name, int64_t owner_id,
				const char *by, const char *comment, const char *location, weir_error *err)
{
	if (insert_sec(db, id, "registered_model", schema_id, name, owner_id, comment, location, by, err) != 0)
		return -1;
	return weir_db_exec(db, SQL_RM_INSERT, err, WEIR_TEXT(id));
}

static const char SQL_MODEL_PARENT[] = "SELECT parent_id FROM securables WHERE id = ?1";
static const char SQL_MODEL_RENAME[] =
	"UPDATE securables SET name = ?2, updated_at = ?3, updated_by = ?4 WHERE id = ?1";
static const char SQL_VERSIONS_TOUCH[] = "UPDATE model_versions SET updated_at = ?2 WHERE model_id = ?1";

const char *weir_reg_store_model_parent(weir_db *db, weir_arena *a, const char *model_id)
{
	return weir_db_query_text(db, a, SQL_MODEL_PARENT, WEIR_TEXT(model_id));
}

int weir_reg_store_model_rename(weir_db *db, const char *model_id, const char *new_name, const char *by,
				weir_error *err)
{
	int64_t now = weir_now_ms();
	if (weir_db_exec(db, SQL_MODEL_RENAME, err, WEIR_TEXT(model_id), WEIR_TEXT(new_name), WEIR_I64(now),
			 WEIR_TEXT(by)) != 0)
		return -1;
	return weir_db_exec(db, SQL_VERSIONS_TOUCH, err, WEIR_TEXT(model_id), WEIR_I64(now));
}

static const char SQL_MODEL_COMMENT[] =
	"UPDATE securables SET comment = ?2, updated_at = ?3, updated_by = ?4 WHERE id = ?1";
static const char SQL_MODEL_TOUCH[] =
	"UPDATE securables SET updated_at = ?2, updated_by = COALESCE(?3, updated_by) WHERE id = ?1";

int weir_reg_store_model_set_comment(weir_db *db, const char *model_id, const char *comment, const char *by,
				     weir_error *err)
{
	return weir_db_exec(db, SQL_MODEL_COMMENT, err, WEIR_TEXT(model_id), WEIR_TEXT(comment),
			    WEIR_I64(weir_now_ms()), WEIR_TEXT(by));
}

int weir_reg_store_model_touch(weir_db *db, const char *model_id, int64_t now, const char *by, weir_error *err)
{
	return weir_db_exec(db, SQL_MODEL_TOUCH, err, WEIR_TEXT(model_id), WEIR_I64(now), WEIR_TEXT(by));
}

static const char SQL_MODEL_OWNER[] =
	"UPDATE securables SET owner_id = ?2, updated_at = ?3, updated_by = ?4 WHERE id = ?1";

int weir_reg_store_model_set_owner(weir_db *db, const char *model_id, int64_t pid, const char *by, weir_error *err)
{
	return weir_db_exec(db, SQL_MODEL_OWNER, err, WEIR_TEXT(model_id), WEIR_I64(pid), WEIR_I64(weir_now_ms()),
			    WEIR_TEXT(by));
}

static const char SQL_MODEL_DELETE[] = "DELETE FROM securables WHERE id = ?1 AND type = 'registered_model'";

int weir_reg_store_model_delete(weir_db *db, const char *model_id, weir_error *err)
{
	return weir_db_exec(db, SQL_MODEL_DELETE, err, WEIR_TEXT(model_id));
}

static const char SQL_VERSION_COUNT[] = "SELECT count(*) FROM model_versions WHERE model_id = ?1";

int64_t weir_reg_store_version_count(weir_db *db, const char *model_id)
{
	int64_t n = weir_db_count(db, SQL_VERSION_COUNT, NULL, WEIR_TEXT(model_id));
	return n < 0 ? 0 : n;
}

static const char SQL_RM_TAG_SET[] = "INSERT INTO registered_model_tags (model_id, key, value) VALUES (?1, ?2, ?3) "
				     "ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value";
static const char SQL_RM_TAG_DEL[] = "DELETE FROM registered_model_tags WHERE model_id = ?1 AND key = ?2";

int weir_reg_store_model_tag_set(weir_db *db, const char *model_id, const char *key, const char *value, weir_error *err)
{
	return weir_db_exec(db, SQL_RM_TAG_SET, err, WEIR_TEXT(model_id), WEIR_TEXT(key),
			    WEIR_TEXT(value ? value : ""));
}

int weir_reg_store_model_tag_delete(weir_db *db, const char *model_id, const char *key, weir_error *err)
{
	return weir_db_exec(db, SQL_RM_TAG_DEL, err, WEIR_TEXT(model_id), WEIR_TEXT(key));
}

static const char SQL_MODEL_ROW[] =
	"SELECT m.name, s.name, c.name, m.comment, m.created_at, m.updated_at, m.created_by, m.updated_by, "
	"       m.owner_id, m.storage_location, c.parent_id, m.id "
	"FROM securables m JOIN securables s ON s.id = m.parent_id JOIN securables c ON c.id = s.parent_id "
	"WHERE m.id = ?1 AND m.type = 'registered_model'";

const char *weir_reg_store_mlflow_name(weir_db *db, weir_arena *a, const char *model_id)
{
	weir_stmt *st = weir_db_query(db, SQL_MODEL_ROW, NULL, WEIR_TEXT(model_id));
	if (weir_db_row_first(db, st, NULL) != 1)
		return NULL;
	const char *n = weir_registry_mlflow_name(a, weir_db_col_text(st, 2), weir_db_col_text(st, 1),
						  weir_db_col_text(st, 0));
	weir_db_done(st);
	return n;
}

/* A model's tags (kind 0) then its aliases (kind 1), each by name: one statement per hit
 * instead of two. Each arm is read in its primary key's order (no sort), and UNION ALL
 * yields its arms one after the other. */
static const char SQL_RM_TAGS_ALIASES[] =
	"SELECT * FROM (SELECT 0, key, value FROM registered_model_tags WHERE model_id = ?1 ORDER BY key) "
	"UNION ALL SELECT * FROM (SELECT 1, alias, CAST(version AS TEXT) FROM registered_model_aliases WHERE model_id "
	"= ?1 "
	"ORDER BY alias)";
static const char SQL_RM_ALIASES[] =
	"SELECT alias, version FROM registered_model_aliases WHERE model_id = ?1 ORDER BY alias";
/* The latest version of each stage, in the order None, Staging, Production, Archived (NULL
 * for a stage without versions): four min/max look-ups on model_versions_stage (0008), so the
 * cost does not grow with the model's versions, instead of a scan of them grouped and sorted
 * in two temp b-trees. (Measured: one UNION ALL statement returning the version rows too is
 * slower than this plus one primary-key statement per version.) */
static const char SQL_LATEST[] =
	"SELECT (SELECT max(version) FROM model_versions WHERE model_id = ?1 AND stage = 'None'), "
	"(SELECT max(version) FROM model_versions WHERE model_id = ?1 AND stage = 'Staging'), "
	"(SELECT max(version) FROM model_versions WHERE model_id = ?1 AND stage = 'Production'), "
	"(SELECT max(version) FROM model_versions WHERE model_id = ?1 AND stage = 'Archived')";

static int mv_jw(weir_db *db, weir_stmt *st, const char *model_id, int64_t version, const char *name, bool with_aliases,
		 weir_jw *w, weir_error *err);

json_t *weir_reg_store_model_mlflow(weir_db *db, weir_arena *a, const char *model_id, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_MODEL_ROW, err, WEIR_TEXT(model_id));
	if (weir_db_row_need(db, st, "Registered Model not found", err) != 0)
		return NULL;
	reg_hit h = {.model_id = model_id,
		     .mlflow_name = weir_registry_mlflow_name(a, weir_db_col_text(st, 2), weir_db_col_text(st, 1),
							      weir_db_col_text(st, 0)),
		     .comment = weir_db_col_dup(a, st, 3),
		     .created_at = weir_db_col_i64(st, 4),
		     .updated_at = weir_db_col_i64(st, 5)};
	weir_db_done(st);
	return weir_reg_model_mlflow_hit(db, a, &h, err);
}

int weir_reg_model_mlflow_hit_jw(weir_db *db, weir_arena *a, const reg_hit *h, weir_jw *w, weir_error *err)
{
	const char *model_id = h->model_id;
	const char *name = h->mlflow_name;
	weir_stmt *st;
	weir_jw_obj(w);
	if (name)
		weir_jw_kstr(w, "name", name);
	weir_jw_kint(w, "creation_timestamp", h->created_at);
	weir_jw_kint(w, "last_updated_timestamp", h->updated_at);
	if (h->comment)
		weir_jw_kstr(w, "description", h->comment);

	if ((st = weir_db_query(db, SQL_RM_TAGS_ALIASES, err, WEIR_TEXT(model_id))) == NULL)
		return -1;
	int kind = -1; /* the list being written: 0 tags, 1 aliases */
	while (weir_db_step(st) == WEIR_DB_ROW) {
		int k = weir_db_col_int(st, 0);
		if (k != kind) {
			if (kind >= 0)
				weir_jw_end_arr(w);
			weir_jw_key(w, k == 0 ? "tags" : "aliases");
			weir_jw_arr(w);
			kind = k;
		}
		weir_jw_obj(w);
		if (k == 0) {
			weir_db_jw_col(w, "key", st, 1);
			weir_db_jw_col(w, "value", st, 2);
		} else {
			char v[24];
			int n = snprintf(v, sizeof(v), "%lld", (long long)weir_db_col_i64(st, 2));
			weir_db_jw_col(w, "alias", st, 1);
			weir_jw_kstrn(w, "version", v, (size_t)n);
		}
		weir_jw_end_obj(w);
	}
	if (kind >= 0)
		weir_jw_end_arr(w);
	weir_db_done(st);

	if ((st = weir_db_query(db, SQL_LATEST, err, WEIR_TEXT(model_id))) == NULL)
		return -1;
	int64_t vers[4];
	int nv = 0;
	if (weir_db_step(st) == WEIR_DB_ROW)
		for (int i = 0; i < 4; i++)
			if (weir_db_col_type(st, i) != WEIR_DB_NULL)
				vers[nv++] = weir_db_col_i64(st, i);
	weir_db_done(st);
	if (nv) {
		weir_jw_key(w, "latest_versions");
		weir_jw_arr(w);
		for (int i = 0; i < nv; i++)
			if (weir_reg_version_mlflow_named_jw(db, a, model_id, vers[i], name, false, w, err) != 0)
				return -1;
		weir_jw_end_arr(w);
	}
	weir_jw_end_obj(w);
	return 0;
}

json_t *weir_reg_model_mlflow_hit(weir_db *db, weir_arena *a, const reg_hit *h, weir_error *err)
{
	weir_jw w;
	weir_jw_init(&w);
	return weir_jw_tree(&w, weir_reg_model_mlflow_hit_jw(db, a, h, &w, err), err);
}

json_t *weir_reg_store_aliases_uc(weir_db *db, const char *model_id, int64_t version, bool one_version, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_RM_ALIASES, err, WEIR_TEXT(model_id));
	if (st == NULL)
		return NULL;
	json_t *arr = json_array();
	while (weir_db_step(st) == WEIR_DB_ROW) {
		if (one_version && weir_db_col_i64(st, 1) != version)
			continue;
		json_array_append_new(arr, json_pack("{s:o, s:I}", "alias_name", jstr(st, 0), "version_num",
						     (json_int_t)weir_db_col_i64(st, 1)));
	}
	weir_db_done(st);
	return arr;
}

json_t *weir_reg_store_model_uc(weir_db *db, weir_arena *a, const char *model_id, int64_t *owner_id_out,
				weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_MODEL_ROW, err, WEIR_TEXT(model_id));
	if (weir_db_row_need(db, st, "Registered model does not exist.", err) != 0)
		return NULL;
	const char *n = weir_db_col_text(st, 0);
	const char *s = weir_db_col_text(st, 1);
	const char *c = weir_db_col_text(st, 2);
	int64_t owner_id = weir_db_col_i64(st, 8);
	json_t *o = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:I, s:o, s:o}", "id", model_id, "name", n, "catalog_name", c,
		"schema_name", s, "full_name", weir_arena_printf(a, "%s.%s.%s", c, s, n), "created_at",
		(json_int_t)weir_db_col_i64(st, 4), "created_by", jstr(st, 6), "updated_at",
		(json_int_t)weir_db_col_i64(st, 5), "updated_by", jstr(st, 7), "metastore_id", jstr(st, 10));
	if (weir_db_col_type(st, 3) != WEIR_DB_NULL)
		json_object_set_new(o, "comment", jstr(st, 3));
	if (weir_db_col_type(st, 9) != WEIR_DB_NULL)
		json_object_set_new(o, "storage_location", jstr(st, 9));
	weir_db_done(st);
	*owner_id_out = owner_id;
	return o;
}

/* ---------------------------------------------------------------- versions */

static const char SQL_NEXT_VERSION[] =
	"UPDATE registered_models SET max_version = max_version + 1 WHERE id = ?1 RETURNING max_version";
static const char SQL_VERSION_INSERT[] =
	"INSERT INTO model_versions (model_id, version, id, source, run_id, run_link, description, status, "
	"storage_location, created_at, created_by, updated_at, updated_by) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?10, ?11)";
static const char SQL_MV_TAG_SET[] =
	"INSERT INTO model_version_tags (model_id, version, key, value) VALUES (?1, ?2, ?3, ?4) "
	"ON CONFLICT (model_id, version, key) DO UPDATE SET value = excluded.value";
static const char SQL_MV_TAG_DEL[] = "DELETE FROM model_version_tags WHERE model_id = ?1 AND version = ?2 AND key = ?3";

static int mv_tag_set(weir_db *db, const char *model_id, int64_t version, const char *key, const char *value,
		      weir_error *err)
{
	return weir_db_exec(db, SQL_MV_TAG_SET, err, WEIR_TEXT(model_id), WEIR_I64(version), WEIR_TEXT(key),
			    WEIR_TEXT(value ? value : ""));
}

int weir_reg_store_version_tag_set(weir_db *db, const char *model_id, int64_t version, const char *key,
				   const char *value, weir_error *err)
{
	return mv_tag_set(db, model_id, version, key, value, err);
}

int weir_reg_store_version_insert(weir_db *db, const char *model_id, const weir_registry_version_in *in, const char *id,
				  const char *location, int64_t now, const char *by, int64_t *version, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_NEXT_VERSION, err, WEIR_TEXT(model_id));
	if (st == NULL)
		return -1;
	int rc = weir_db_step(st);
	int64_t v = rc == WEIR_DB_ROW ? weir_db_col_i64(st, 0) : 0;
	weir_db_done(st);
	if (rc != WEIR_DB_ROW) {
		if (rc != WEIR_DB_DONE)
			return weir_db_fail(db, rc, err);
		/* a model created before this module (or through catalog.c): start its counter */
		if (weir_db_exec(db, SQL_RM_INSERT, err, WEIR_TEXT(model_id)) != 0)
			return -1;
		return weir_reg_store_version_insert(db, model_id, in, id, location, now, by, version, err);
	}
	if (weir_db_exec(db, SQL_VERSION_INSERT, err, WEIR_TEXT(model_id), WEIR_I64(v), WEIR_TEXT(id),
			 WEIR_TEXT(in->source), WEIR_TEXT(in->run_id ? in->run_id : ""),
			 WEIR_TEXT(in->run_link ? in->run_link : ""), WEIR_TEXT(in->description ? in->description : ""),
			 WEIR_TEXT(in->pending ? "PENDING_REGISTRATION" : "READY"),
			 WEIR_TEXT(in->pending ? location : in->storage_location), WEIR_I64(now), WEIR_TEXT(by)) != 0)
		return -1;
	*version = v;
	return 0;
}

static const char SQL_VERSION_EXISTS[] = "SELECT 1 FROM model_versions WHERE model_id = ?1 AND version = ?2";

int weir_reg_store_version_exists(weir_db *db, const char *model_id, int64_t version, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_VERSION_EXISTS, err, WEIR_TEXT(model_id), WEIR_I64(version));
	if (st == NULL)
		return -1;
	bool ok = weir_db_step(st) == WEIR_DB_ROW;
	weir_db_done(st);
	return ok ? 1 : 0;
}

static const char SQL_MV_DESC[] = "UPDATE model_versions SET description = ?3, updated_at = ?4, updated_by = ?5 WHERE "
				  "model_id = ?1 AND version = ?2";

int weir_reg_store_version_set_description(weir_db *db, const char *model_id, int64_t version, const char *desc,
					   const char *by, weir_error *err)
{
	return weir_db_exec(db, SQL_MV_DESC, err, WEIR_TEXT(model_id), WEIR_I64(version), WEIR_TEXT(desc),
			    WEIR_I64(weir_now_ms()), WEIR_TEXT(by));
}

static const char SQL_MV_STAGE[] =
	"UPDATE model_versions SET stage = ?3, updated_at = ?4, updated_by = ?5 WHERE model_id = ?1 AND version = ?2";
static const char SQL_MV_ARCHIVE[] = "UPDATE model_versions SET stage = 'Archived', updated_at = ?4, updated_by = ?5 "
				     "WHERE model_id = ?1 AND version != ?2 AND stage = ?3";

int weir_reg_store_version_transition(weir_db *db, const char *model_id, int64_t version, const char *stage,
				      bool archive_existing, const char *by, weir_error *err)
{
	int64_t now = weir_now_ms();
	if (archive_existing) {
		if (weir_db_exec(db, SQL_MV_ARCHIVE, err, WEIR_TEXT(model_id), WEIR_I64(version), WEIR_TEXT(stage),
				 WEIR_I64(now), WEIR_TEXT(by)) != 0)
			return -1;
	}
	if (weir_db_exec(db, SQL_MV_STAGE, err, WEIR_TEXT(model_id), WEIR_I64(version), WEIR_TEXT(stage), WEIR_I64(now),
			 WEIR_TEXT(by)) != 0)
		return -1;
	return weir_reg_store_model_touch(db, model_id, now, NULL, err);
}

static const char SQL_MV_STATUS[] = "SELECT status FROM model_versions WHERE model_id = ?1 AND version = ?2";
static const char SQL_MV_FINALIZE[] = "UPDATE model_versions SET status = 'READY', updated_at = ?3, updated_by = ?4 "
				      "WHERE model_id = ?1 AND version = ?2";

const char *weir_reg_store_version_status(weir_db *db, weir_arena *a, const char *model_id, int64_t version,
					  weir_error *err)
{
	const char *status = ""; /* no such version */
	return weir_db_query_dup(db, a, SQL_MV_STATUS, &status, err, WEIR_TEXT(model_id), WEIR_I64(version)) < 0
		       ? NULL
		       : status;
}

int weir_reg_store_version_set_ready(weir_db *db, const char *model_id, int64_t version, const char *by,
				     weir_error *err)
{
	return weir_db_exec(db, SQL_MV_FINALIZE, err, WEIR_TEXT(model_id), WEIR_I64(version), WEIR_I64(weir_now_ms()),
			    WEIR_TEXT(by));
}

static const char SQL_MV_DELETE[] = "DELETE FROM model_versions WHERE model_id = ?1 AND version = ?2";

int weir_reg_store_version_delete(weir_db *db, const char *model_id, int64_t version, const char *by, weir_error *err)
{
	if (weir_db_exec(db, SQL_MV_DELETE, err, WEIR_TEXT(model_id), WEIR_I64(version)) != 0)
		return -1;
	return weir_reg_store_model_touch(db, model_id, weir_now_ms(), by, err);
}

int weir_reg_store_version_tag_delete(weir_db *db, const char *model_id, int64_t version, const char *key,
				      weir_error *err)
{
	return weir_db_exec(db, SQL_MV_TAG_DEL, err, WEIR_TEXT(model_id), WEIR_I64(version), WEIR_TEXT(key));
}

/* The columns mv_jw reads (0 to 8), first in both statements below. */
#define MV_COLS \
	"v.version, v.created_at, v.updated_at, v.stage, v.description, v.source, v.run_id, v.status, v.run_link"
static const char SQL_MV_ROW[] =
	"SELECT " MV_COLS ", v.storage_location, v.id, v.created_by, v.updated_by, m.name, s.name, c.name "
	"FROM model_versions v JOIN securables m ON m.id = v.model_id JOIN securables s ON s.id = m.parent_id "
	"JOIN securables c ON c.id = s.parent_id WHERE v.model_id = ?1 AND v.version = ?2";
/* Same columns without the names, for callers that know the model's MLflow name. */
static const char SQL_MV_ROW_PLAIN[] = "SELECT " MV_COLS
				       " FROM model_versions v WHERE v.model_id = ?1 AND v.version = ?2";
static const char SQL_MV_TAGS[] =
	"SELECT key, value FROM model_version_tags WHERE model_id = ?1 AND version = ?2 ORDER BY key";
static const char SQL_MV_ALIASES[] =
	"SELECT alias FROM registered_model_aliases WHERE model_id = ?1 AND version = ?2 ORDER BY alias";

int weir_reg_version_mlflow_named_jw(weir_db *db, weir_arena *a, const char *model_id, int64_t version,
				     const char *name, bool with_aliases, weir_jw *w, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, name ? SQL_MV_ROW_PLAIN : SQL_MV_ROW, err, WEIR_TEXT(model_id),
				      WEIR_I64(version));
	int found = weir_db_row_first(db, st, err);
	if (found <= 0)
		return found < 0 ? -1
				 : weir_error_set(err, WEIR_E_NOT_FOUND, "Model Version (version=%lld) not found",
						  (long long)version);
	if (name == NULL)
		name = weir_registry_mlflow_name(a, weir_db_col_text(st, 15), weir_db_col_text(st, 14),
						 weir_db_col_text(st, 13));
	int rc = mv_jw(db, st, model_id, version, name, with_aliases, w, err);
	weir_db_done(st);
	return rc;
}

json_t *weir_reg_version_mlflow_named(weir_db *db, weir_arena *a, const char *model_id, int64_t version,
				      const char *name, bool with_aliases, weir_error *err)
{
	weir_jw w;
	weir_jw_init(&w);
	return weir_jw_tree(&w, weir_reg_version_mlflow_named_jw(db, a, model_id, version, name, with_aliases, &w, err),
			    err);
}

/* The ModelVersion of the current row of `st`, whose first columns are MV_COLS; the model's
 * MLflow name is known. Runs other statements (tags, aliases) while `st` stays on its row. */
static int mv_jw(weir_db *db, weir_stmt *st, const char *model_id, int64_t version, const char *name, bool with_aliases,
		 weir_jw *w, weir_error *err)
{
	char v[24];
	int n = snprintf(v, sizeof(v), "%lld", (long long)version);
	weir_jw_obj(w);
	weir_jw_kstr(w, "name", name);
	weir_jw_kstrn(w, "version", v, (size_t)n);
	weir_jw_kint(w, "creation_timestamp", weir_db_col_i64(st, 1));
	weir_jw_kint(w, "last_updated_timestamp", weir_db_col_i64(st, 2));
	weir_db_jw_col(w, "current_stage", st, 3);
	weir_db_jw_col(w, "source", st, 5);
	weir_db_jw_col(w, "run_id", st, 6);
	weir_db_jw_col(w, "status", st, 7);
	weir_db_jw_col(w, "run_link", st, 8);
	if (weir_db_col_type(st, 4) != WEIR_DB_NULL)
		weir_db_jw_col(w, "description", st, 4);
	weir_stmt *t = weir_db_query(db, SQL_MV_TAGS, err, WEIR_TEXT(model_id), WEIR_I64(version));
	if (t == NULL)
		return -1;
	bool any = false;
	while (weir_db_step(t) == WEIR_DB_ROW) {
		if (!any) {
			weir_jw_key(w, "tags");
			weir_jw_arr(w);
			any = true;
		}
		weir_jw_obj(w);
		weir_db_jw_col(w, "key", t, 0);
		weir_db_jw_col(w, "value", t, 1);
		weir_jw_end_obj(w);
	}
	weir_db_done(t);
	if (any)
		weir_jw_end_arr(w);
	if (with_aliases) {
		weir_stmt *al_st = weir_db_query(db, SQL_MV_ALIASES, err, WEIR_TEXT(model_id), WEIR_I64(version));
		if (al_st == NULL)
			return -1;
		any = false;
		while (weir_db_step(al_st) == WEIR_DB_ROW) {
			if (!any) {
				weir_jw_key(w, "aliases");
				weir_jw_arr(w);
				any = true;
			}
			const char *al = weir_db_col_text(al_st, 0);
			weir_jw_strn(w, al ? al : "", al ? (size_t)weir_db_col_bytes(al_st, 0) : 0);
		}
		weir_db_done(al_st);
		if (any)
			weir_jw_end_arr(w);
	}
	weir_jw_end_obj(w);
	return 0;
}

json_t *weir_reg_store_version_uc(weir_db *db, weir_arena *a, const char *model_id, int64_t version, weir_error *err)
{
	(void)a;
	weir_stmt *st = weir_db_query(db, SQL_MV_ROW, err, WEIR_TEXT(model_id), WEIR_I64(version));
	int found = weir_db_row_first(db, st, err);
	if (found <= 0) {
		if (found == 0)
			weir_error_set(err, WEIR_E_NOT_FOUND, "Model version %lld does not exist.", (long long)version);
		return NULL;
	}
	json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:I, s:o, s:I, s:o, s:s}", "id", jstr(st, 10),
			      "model_name", jstr(st, 13), "catalog_name", jstr(st, 15), "schema_name", jstr(st, 14),
			      "version", (json_int_t)version, "source", jstr(st, 5), "run_id", jstr(st, 6), "status",
			      jstr(st, 7), "created_at", (json_int_t)weir_db_col_i64(st, 1), "created_by", jstr(st, 11),
			      "updated_at", (json_int_t)weir_db_col_i64(st, 2), "updated_by", jstr(st, 12), "model_id",
			      model_id);
	if (weir_db_col_type(st, 4) != WEIR_DB_NULL)
		json_object_set_new(o, "comment", jstr(st, 4));
	if (weir_db_col_type(st, 9) != WEIR_DB_NULL)
		json_object_set_new(o, "storage_location", jstr(st, 9));
	weir_db_done(st);
	json_t *al = weir_reg_store_aliases_uc(db, model_id, version, true, err);
	if (al == NULL) {
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "aliases", al);
	return o;
}

static const char SQL_MV_URI[] =
	"SELECT COALESCE(storage_location, source), run_id FROM model_versions WHERE model_id = ?1 AND version = ?2";

const char *weir_reg_store_version_uri(weir_db *db, weir_arena *a, const char *model_id, int64_t version,
				       weir_error *err)
{
	const char *uri = NULL;
	if (weir_db_query_dup(db, a, SQL_MV_URI, &uri, err, WEIR_TEXT(model_id), WEIR_I64(version)) < 0)
		return NULL;
	if (uri == NULL)
		weir_error_set(err, WEIR_E_NOT_FOUND, "Model Version (version=%lld) not found", (long long)version);
	return uri;
}

/* A full scan of model_versions (no index on source): LIKE is case-insensitive, as URI
 * schemes are. models: names files here when it names a logged model (models:/<model_id>;
 * registry/artifacts.c decides); whatever else a source is (s3:, dbfs:, ...) names none. */
static const char SQL_MV_IN_STORE[] =
	"SELECT model_id, version, source FROM model_versions WHERE source LIKE 'mlflow-artifacts:%' "
	"OR source LIKE 'runs:%' OR source LIKE 'http%' OR source LIKE 'file:%' OR source LIKE '/%' "
	"OR source LIKE 'models:%'";

static const weir_db_field VERSION_REF_FIELDS[] = {WEIR_FIELD(weir_registry_version_ref, model_id),
						   WEIR_FIELD(weir_registry_version_ref, version),
						   WEIR_FIELD(weir_registry_version_ref, source)};

int weir_registry_versions_in_store(weir_db *db, weir_arena *a, weir_registry_version_ref **out, size_t *n,
				    weir_error *err)
{
	*n = 0;
	*out = WEIR_DB_ROWS(db, weir_db_stmt(db, SQL_MV_IN_STORE, err), a, weir_registry_version_ref,
			    VERSION_REF_FIELDS, NULL, n, err);
	return *out == NULL ? -1 : 0;
}

static const char SQL_LATEST_STAGE[] = "SELECT max(version) FROM model_versions WHERE model_id = ?1 AND stage = ?2";

int weir_reg_store_latest_in_stage(weir_db *db, const char *model_id, const char *stage, int64_t *version,
				   weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_LATEST_STAGE, err, WEIR_TEXT(model_id), WEIR_TEXT(stage));
	if (st == NULL)
		return -1;
	bool has = weir_db_step(st) == WEIR_DB_ROW && weir_db_col_type(st, 0) != WEIR_DB_NULL;
	*version = has ? weir_db_col_i64(st, 0) : 0;
	weir_db_done(st);
	return has ? 1 : 0;
}

static const char SQL_MV_LIST[] =
	"SELECT version FROM model_versions WHERE model_id = ?1 AND version > ?2 ORDER BY version LIMIT ?3";

json_t *weir_reg_store_versions_uc(weir_db *db, weir_arena *a, const char *model_id, int64_t after, int limit,
				   weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_MV_LIST, err, WEIR_TEXT(model_id), WEIR_I64(after), WEIR_I64(limit + 1));
	if (st == NULL)
		return NULL;
	int64_t *vs = weir_arena_alloc(a, sizeof(int64_t) * (size_t)(limit + 1));
	int n = 0;
	while (n < limit + 1 && weir_db_step(st) == WEIR_DB_ROW)
		vs[n++] = weir_db_col_i64(st, 0);
	weir_db_done(st);
	json_t *arr = json_array();
	for (int i = 0; i < n && i < limit; i++) {
		json_t *v = weir_reg_store_version_uc(db, a, model_id, vs[i], err);
		if (v == NULL) {
			json_decref(arr);
			return NULL;
		}
		json_array_append_new(arr, v);
	}
	json_t *out = json_pack("{s:o}", "model_versions", arr);
	if (n > limit)
		json_object_set_new(out, "next_page_token", json_sprintf("%lld", (long long)vs[limit - 1]));
	return out;
}

/* ---------------------------------------------------------------- aliases */

static const char SQL_ALIAS_SET[] =
	"INSERT INTO registered_model_aliases (model_id, alias, version) VALUES (?1, ?2, ?3) "
	"ON CONFLICT (model_id, alias) DO UPDATE SET version = excluded.version";
static const char SQL_ALIAS_DEL[] = "DELETE FROM registered_model_aliases WHERE model_id = ?1 AND alias = ?2";
static const char SQL_MODEL_ACTIVITY[] =
	"SELECT r.max_version, (SELECT ifnull(max(version), 0) FROM model_versions WHERE model_id = ?1 AND "
	"status = 'READY'), (SELECT json_group_object(alias, version) FROM registered_model_aliases WHERE "
	"model_id = ?1) FROM registered_models r WHERE r.id = ?1";
static const char SQL_ALIAS_GET[] = "SELECT version FROM registered_model_aliases WHERE model_id = ?1 AND alias = ?2";

int weir_reg_store_alias_set(weir_db *db, const char *model_id, const char *alias, int64_t version, weir_error *err)
{
	return weir_db_exec(db, SQL_ALIAS_SET, err, WEIR_TEXT(model_id), WEIR_TEXT(alias), WEIR_I64(version));
}

int weir_reg_store_alias_delete(weir_db *db, const char *model_id, const char *alias, weir_error *err)
{
	return (int)weir_db_exec_count(db, SQL_ALIAS_DEL, err, WEIR_TEXT(model_id), WEIR_TEXT(alias));
}

int weir_reg_store_model_activity(weir_db *db, weir_arena *a, const char *model_id, int64_t *max_version,
				  int64_t *max_ready, const char **aliases_json, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_MODEL_ACTIVITY, err, WEIR_TEXT(model_id));
	if (st == NULL)
		return -1;
	int found = weir_db_step(st) == WEIR_DB_ROW;
	if (found) {
		*max_version = weir_db_col_i64(st, 0);
		*max_ready = weir_db_col_i64(st, 1);
		*aliases_json = weir_db_col_dup(a, st, 2);
	}
	weir_db_done(st);
	return found;
}

int weir_reg_store_alias_get(weir_db *db, const char *model_id, const char *alias, int64_t *version, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_ALIAS_GET, err, WEIR_TEXT(model_id), WEIR_TEXT(alias));
	if (st == NULL)
		return -1;
	bool found = weir_db_step(st) == WEIR_DB_ROW;
	if (found)
		*version = weir_db_col_i64(st, 0);
	weir_db_done(st);
	return found ? 1 : 0;
}

/* ---------------------------------------------------------------- search */

/* The registry's statements are interned and prepared once per connection: a pattern is bound
 * as `(? || '')`, not `?`: SQLite plans LIKE/GLOB against a bound pattern's value, so every
 * new binding of a plain `?` expires the statement and it is compiled again on its next step
 * (~60 us). The prefix range below does what that optimization did, computed here. ILIKE is
 * SQLite's LIKE (ASCII case folded). */
static const weir_mlflow_sql_style REG_SQL = {.like = " GLOB (? || '')", .ilike = "%s LIKE (? || '')"};

/* The literal prefix of a LIKE (or, nocase, ILIKE) pattern that every match starts with, byte
 * for byte, so that it can be an index range on a BINARY column: the bytes before the first
 * wildcard (% or _), cut at the first non-ASCII byte (GLOB and LIKE compare decoded
 * characters, and an ASCII character only decodes from its own byte) and, for ILIKE, at the
 * first ASCII letter (LIKE folds ASCII case). *exact: the pattern is that prefix and one
 * trailing %, which matches exactly the names in the range. */
static size_t like_prefix(const char *pat, bool nocase, bool *exact)
{
	size_t n = 0;
	while (pat[n] && pat[n] != '%' && pat[n] != '_' && (unsigned char)pat[n] < 0x80 &&
	       !(nocase && isalpha((unsigned char)pat[n])))
		n++;
	*exact = pat[n] == '%' && pat[n + 1] == '\0';
	return n;
}

/* The least string greater than every string that starts with p[0..n) (memcmp order): p with
 * its last byte incremented, after dropping trailing 0xFF bytes; NULL when there is none
 * (n == 0 or all 0xFF: no upper bound). */
static const char *prefix_upper(weir_arena *a, const char *p, size_t n)
{
	while (n > 0 && (unsigned char)p[n - 1] == 0xFF)
		n--;
	if (n == 0)
		return NULL;
	char *hi = weir_arena_strndup(a, p, n);
	hi[n - 1] = (char)((unsigned char)hi[n - 1] + 1);
	return hi;
}

/* Search SQL texts are built per request, but they come in a few shapes (the filter's
 * fields and operators, the order): each distinct text is interned once for the process, so
 * that its address keys weir_db_stmt's per-connection cache like a static SQL_X string.
 * Beyond SQL_INTERN_MAX shapes, NULL: the caller prepares and finalizes (the old path). */
#define SQL_INTERN_MAX 256
#define SQL_INTERN_SLOTS 512
static pthread_mutex_t intern_mu = PTHREAD_MUTEX_INITIALIZER;
static char *interned[SQL_INTERN_SLOTS];
static int ninterned;

static const char *intern_sql(const char *sql)
{
	uint64_t h = 1469598103934665603ULL;
	for (const unsigned char *c = (const unsigned char *)sql; *c; c++)
		h = (h ^ *c) * 1099511628211ULL;
	pthread_mutex_lock(&intern_mu);
	size_t i = (size_t)(h & (SQL_INTERN_SLOTS - 1));
	const char *out = NULL;
	while (interned[i] && strcmp(interned[i], sql) != 0)
		i = (i + 1) & (SQL_INTERN_SLOTS - 1);
	if (interned[i]) {
		out = interned[i];
	} else if (ninterned < SQL_INTERN_MAX) {
		size_t n = strlen(sql) + 1;
		interned[i] = weir_xmalloc(n);
		memcpy(interned[i], sql, n);
		ninterned++;
		out = interned[i];
	}
	pthread_mutex_unlock(&intern_mu);
	return out;
}

/* Appends the filter's conditions for one arm of the search, `name` being that arm's SQL
 * expression of the MLflow name (`name_is_column`: the indexed column m.name itself); `ids`
 * are the model ids that name equalities resolved to. */
static void append_conds(weir_mlflow_sql *q, const reg_query *rq, bool mv, const char *name, bool name_is_column,
			 const char *const *ids)
{
	int ni = 0;
	for (int i = 0; i < rq->nconds; i++) {
		const reg_cond *c = &rq->conds[i];
		switch (c->ent) {
		case REG_ATTR_NAME:
			if (c->op == WEIR_MLFLOW_OP_EQ) { /* resolved to one model (or none) up front */
				weir_mlflow_sql_text(q, " AND m.id = ?");
				weir_mlflow_bind_text(q, ids[ni++]);
				break;
			}
			if (name_is_column && weir_mlflow_op_like(c->op)) {
				/* the pattern's literal prefix as a range of securables_name; the
				 * pattern itself stays as a filter unless the range is exact */
				bool exact;
				size_t n = like_prefix(c->str, c->op == WEIR_MLFLOW_OP_ILIKE, &exact);
				if (n > 0) {
					weir_buf_appendf(&q->sql, " AND %s >= ?", name);
					weir_mlflow_bind_text(q, weir_arena_strndup(q->a, c->str, n));
					const char *hi = prefix_upper(q->a, c->str, n);
					if (hi) {
						weir_buf_appendf(&q->sql, " AND %s < ?", name);
						weir_mlflow_bind_text(q, hi);
					}
				}
				if (exact)
					break;
			}
			/* fall through */
		case REG_ATTR_SOURCE:
		case REG_ATTR_RUN_ID:
		case REG_ATTR_VERSION:
			weir_mlflow_sql_text(q, " AND ");
			weir_mlflow_sql_cmp(q,
					    c->ent == REG_ATTR_NAME     ? name
					    : c->ent == REG_ATTR_SOURCE ? "v.source"
					    : c->ent == REG_ATTR_RUN_ID ? "v.run_id"
									: "v.version",
					    c);
			break;
		case REG_TAG:
			if (strcmp(c->key, "mlflow.prompt.is_prompt") == 0 && !mv) {
				/* a missing prompt tag counts as "false" */
				weir_mlflow_sql_text(q, " AND ");
				weir_mlflow_bind_text(q, c->key);
				weir_mlflow_sql_cmp(q,
						    "COALESCE((SELECT t.value FROM registered_model_tags t WHERE "
						    "t.model_id = m.id AND t.key = ?), 'false')",
						    c);
				break;
			}
			weir_mlflow_sql_text(q,
					     mv ? " AND EXISTS (SELECT 1 FROM model_version_tags t WHERE t.model_id = "
						  "v.model_id AND t.version = v.version AND t.key = ? AND "
						: " AND EXISTS (SELECT 1 FROM registered_model_tags t WHERE "
						  "t.model_id = m.id AND t.key = ? AND ");
			weir_mlflow_bind_text(q, c->key);
			weir_mlflow_sql_cmp(q, "t.value", c);
			weir_mlflow_sql_text(q, ")");
			break;
		}
	}
	/* last, so that it runs only on rows that matched everything else */
	if (!rq->include_prompts)
		weir_mlflow_sql_text(q, " AND NOT EXISTS (SELECT 1 FROM registered_model_tags pt WHERE pt.model_id = "
					"m.id AND pt.key = 'mlflow.prompt.is_prompt' AND lower(pt.value) = 'true')");
}

/* The search is two arms, UNION ALL: models of main.default, whose MLflow name is their
 * own name (so a name prefix is a range of the securables_name index), and models of
 * every other schema, reached catalog -> schema -> model through the same index, named
 * catalog.schema.model. Equalities on the name were resolved to a model id first, by the
 * caller (q->name_ids). */
int weir_reg_store_search(weir_db *db, weir_arena *a, const reg_query *q, int64_t offset, int64_t limit,
			  reg_visit_fn fn, void *ctx, weir_error *err)
{
	bool mv = q->kind == WEIR_REG_SEARCH_VERSIONS;
	const char *ms = q->metastore_id;
	const char *def = q->default_schema;
	const char *const *ids = q->name_ids;

	weir_mlflow_sql b;
	weir_mlflow_sql_init(&b, a, &REG_SQL);
	const char *cols = mv ? "v.version AS ver, %s AS mname, v.updated_at AS upd, v.created_at AS cre, NULL AS cmt"
			      : "0 AS ver, %s AS mname, m.updated_at AS upd, m.created_at AS cre, m.comment AS cmt";
	const char *joinv = mv ? " JOIN model_versions v ON v.model_id = m.id" : "";
	/* An unfiltered version search in the default order (last updated first), the shape of
	 * "every version" pages: read versions from model_versions_updated newest first, so the
	 * page streams out after LIMIT rows instead of sorting every version (measured on 20,000
	 * versions: 60 ms → under 2 ms). With any condition the models come first (a name or a
	 * run id picks a few models), where this order would scan every version. */
	bool newest_first = mv && q->nconds == 0 && q->norder >= 1 && q->order[0].key == REG_ORD_UPDATED &&
			    q->order[0].desc;
	weir_buf_appendf(&b.sql, "SELECT m.id AS id, ");
	weir_buf_appendf(&b.sql, cols, "m.name");
	if (newest_first)
		weir_buf_appendf(&b.sql, " FROM model_versions v CROSS JOIN securables m ON m.id = v.model_id "
					 "WHERE m.parent_id = ? AND m.type = 'registered_model'");
	else
		weir_buf_appendf(&b.sql, " FROM securables m%s WHERE m.parent_id = ? AND m.type = 'registered_model'",
				 joinv);
	weir_mlflow_bind_text(&b, def);
	append_conds(&b, q, mv, "m.name", true, ids);
	const char *full = "(c.name || '.' || s.name || '.' || m.name)";
	weir_buf_appendf(&b.sql, " UNION ALL SELECT m.id, ");
	weir_buf_appendf(&b.sql, cols, full);
	weir_buf_appendf(&b.sql,
			 " FROM securables c JOIN securables s ON s.parent_id = c.id AND s.type = 'schema' "
			 "JOIN securables m ON m.parent_id = s.id AND m.type = 'registered_model'%s "
			 "WHERE c.parent_id = ? AND c.type = 'catalog' AND s.id IS NOT ?",
			 joinv);
	weir_mlflow_bind_text(&b, ms);
	weir_mlflow_bind_text(&b, def);
	append_conds(&b, q, mv, full, false, ids);

	weir_buf_appendf(&b.sql, " ORDER BY ");
	bool has_name = false, has_version = false;
	for (int i = 0; i < q->norder; i++) {
		const reg_order *o = &q->order[i];
		const char *col = o->key == REG_ORD_NAME      ? "mname"
				  : o->key == REG_ORD_VERSION ? "ver"
				  : o->key == REG_ORD_CREATED ? "cre"
							      : "upd";
		has_name = has_name || o->key == REG_ORD_NAME;
		has_version = has_version || o->key == REG_ORD_VERSION;
		weir_buf_appendf(&b.sql, "%s%s %s", i ? ", " : "", col, o->desc ? "DESC" : "ASC");
	}
	if (!has_name)
		weir_buf_appendf(&b.sql, "%smname ASC", q->norder ? ", " : "");
	if (mv && !has_version)
		weir_buf_appendf(&b.sql, ", ver DESC");
	/* bound, so that pages share one statement (a negative LIMIT is no limit) */
	weir_buf_appendf(&b.sql, " LIMIT ? OFFSET ?");
	weir_mlflow_bind_i64(&b, limit >= 0 ? limit : -1);
	weir_mlflow_bind_i64(&b, limit >= 0 ? offset : 0);

	const char *shared = intern_sql(b.sql.data);
	weir_stmt *st = NULL;
	int rc;
	if (shared) {
		weir_mlflow_sql_release(&b);
		if ((st = weir_db_stmt(db, shared, err)) == NULL)
			return -1;
	} else {
		rc = weir_db_prepare(db, b.sql.data, &st);
		weir_mlflow_sql_release(&b);
		if (rc != WEIR_DB_OK)
			return weir_db_fail(db, rc, err);
	}
	weir_mlflow_sql_bind_all(&b, st);
	int ret = 0;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
		reg_hit h = {.model_id = weir_db_col_text(st, 0),
			     .version = weir_db_col_i64(st, 1),
			     .mlflow_name = weir_db_col_text(st, 2),
			     .updated_at = weir_db_col_i64(st, 3),
			     .created_at = weir_db_col_i64(st, 4),
			     .comment = weir_db_col_text(st, 5)};
		if (fn(ctx, &h))
			break;
	}
	if (rc != WEIR_DB_ROW && rc != WEIR_DB_DONE)
		ret = weir_db_fail(db, rc, err);
	if (shared)
		weir_db_done(st);
	else
		weir_db_finalize(st);
	return ret;
}

/* ---------------------------------------------------------------- UC list */

static const char SQL_UC_LIST_SCHEMA[] =
	"SELECT id FROM securables WHERE parent_id = ?1 AND type = 'registered_model' AND name > ?2 ORDER BY name";
static const char SQL_UC_LIST_ALL[] =
	"SELECT id FROM securables WHERE type = 'registered_model' AND id > ?1 ORDER BY id";
static const char SQL_NAME_OF[] = "SELECT name FROM securables WHERE id = ?1";

int weir_reg_store_models_walk(weir_db *db, weir_arena *a, const char *schema_id, const char *after, reg_model_fn fn,
			       void *ctx, weir_error *err)
{
	weir_stmt *st = schema_id ? weir_db_query(db, SQL_UC_LIST_SCHEMA, err, WEIR_TEXT(schema_id),
						  WEIR_TEXT(after ? after : ""))
				  : weir_db_query(db, SQL_UC_LIST_ALL, err, WEIR_TEXT(after ? after : ""));
	if (st == NULL)
		return -1;
	/* Walks the children in key order (other statements run on this connection meanwhile,
	 * in the visitor: they are distinct prepared statements, so the walk is not disturbed). */
	int rc = WEIR_DB_DONE, stop = 0;
	while (stop == 0 && (rc = weir_db_step(st)) == WEIR_DB_ROW)
		stop = fn(ctx, weir_db_col_dup(a, st, 0));
	weir_db_done(st);
	if (stop < 0)
		return -1;
	if (stop == 0 && rc != WEIR_DB_DONE)
		return weir_db_fail(db, rc, err);
	return 0;
}

const char *weir_reg_store_name_of(weir_db *db, weir_arena *a, const char *id, weir_error *err)
{
	const char *name = id; /* gone meanwhile: its id */
	return weir_db_query_dup(db, a, SQL_NAME_OF, &name, err, WEIR_TEXT(id)) < 0 ? NULL : name;
}
