/* All of tracking's SQL (registry/tracking_int.h). Fixed statements are static strings
 * prepared once per connection; the two searches build their WHERE and ORDER BY from
 * whitelisted fragments chosen by the parsed filter (registry/tracking.c), with every value
 * bound, and are prepared per call. */
#include "registry/tracking_int.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db_row.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"

/* ------------------------------------------------------------------ experiments */

static const char SQL_EXP_NAME_TAKEN[] = "SELECT 1 FROM trk_experiments WHERE name = ?1";
static const char SQL_EXP_INSERT[] =
	"INSERT INTO trk_experiments(name, artifact_location, lifecycle_stage, creation_time, last_update_time, owner) "
	"VALUES (?1, COALESCE(?2, ''), 'active', ?3, ?3, ?4)";
static const char SQL_EXP_SET_LOCATION[] =
	"UPDATE trk_experiments SET artifact_location = 'mlflow-artifacts:/' || experiment_id "
	"WHERE experiment_id = ?1 AND artifact_location = ''";
#define EXP_COLS "experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time, owner"
static const char SQL_EXP_GET[] = "SELECT " EXP_COLS " FROM trk_experiments WHERE experiment_id = ?1";
static const char SQL_EXP_GET_BY_NAME[] = "SELECT " EXP_COLS " FROM trk_experiments WHERE name = ?1";
static const char SQL_EXP_RENAME[] =
	"UPDATE trk_experiments SET name = ?2, last_update_time = ?3 WHERE experiment_id = ?1";
static const char SQL_EXP_SET_STAGE[] =
	"UPDATE trk_experiments SET lifecycle_stage = ?2, last_update_time = ?3 WHERE experiment_id = ?1";
static const char SQL_EXP_RUNS_SET_STAGE[] =
	"UPDATE trk_runs SET lifecycle_stage = ?2, deleted_time = CASE WHEN ?2 = 'deleted' THEN ?3 ELSE NULL END "
	"WHERE experiment_id = ?1 AND lifecycle_stage != ?2";
static const char SQL_EXP_TAG_SET[] = "INSERT INTO trk_experiment_tags(experiment_id, key, value) VALUES (?1, ?2, ?3) "
				      "ON CONFLICT(experiment_id, key) DO UPDATE SET value = excluded.value";
static const char SQL_EXP_TAG_DELETE[] = "DELETE FROM trk_experiment_tags WHERE experiment_id = ?1 AND key = ?2";
static const char SQL_EXP_TAGS[] = "SELECT key, value FROM trk_experiment_tags WHERE experiment_id = ?1 ORDER BY key";

int weir_trk_store_exp_name_taken(weir_db *db, const char *name, bool *taken, weir_error *err)
{
	int yes = weir_db_exists(db, SQL_EXP_NAME_TAKEN, err, WEIR_TEXT(name));
	if (yes < 0)
		return -1;
	*taken = yes;
	return 0;
}

int weir_trk_store_exp_insert(weir_db *db, const char *name, const char *artifact_location, const char *owner,
			      int64_t now, int64_t *id, weir_error *err)
{
	if ((*id = weir_db_exec_id(db, SQL_EXP_INSERT, err, WEIR_TEXT(name), WEIR_TEXT(artifact_location),
				   WEIR_I64(now), WEIR_TEXT(owner))) < 0)
		return -1;
	return weir_db_exec(db, SQL_EXP_SET_LOCATION, err, WEIR_I64(*id));
}

static const weir_db_field EXP_ROW[] = {WEIR_FIELD(trk_exp, id),
					WEIR_FIELD(trk_exp, name),
					WEIR_FIELD(trk_exp, artifact_location),
					WEIR_FIELD(trk_exp, lifecycle_stage),
					WEIR_FIELD(trk_exp, creation_time),
					WEIR_FIELD(trk_exp, last_update_time),
					WEIR_FIELD(trk_exp, owner)};

int weir_trk_store_exp_get(weir_db *db, weir_arena *a, int64_t id, trk_exp *out, weir_error *err)
{
	return WEIR_DB_ROW_GET(db, weir_db_query(db, SQL_EXP_GET, err, WEIR_I64(id)), a, out, EXP_ROW,
			       weir_arena_printf(a, "No Experiment with id=%lld exists", (long long)id), err);
}

int weir_trk_store_exp_get_by_name(weir_db *db, weir_arena *a, const char *name, trk_exp *out, weir_error *err)
{
	return WEIR_DB_ROW_GET(db, weir_db_query(db, SQL_EXP_GET_BY_NAME, err, WEIR_TEXT(name)), a, out, EXP_ROW,
			       weir_arena_printf(a, "Could not find experiment with name '%.300s'", name), err);
}

/* A scan of trk_experiments (artifact_location has no index): only for artifact paths in
 * no run and outside the default <experiment_id>/ layout. */
static const char SQL_EXP_BY_LOCATION[] =
	"SELECT experiment_id FROM trk_experiments WHERE artifact_location IN (SELECT value FROM json_each(?1)) "
	"ORDER BY length(artifact_location) DESC, experiment_id LIMIT 1";

int weir_tracking_store_exp_by_location(weir_db *db, const char *locations, int64_t *id, bool *found, weir_error *err)
{
	int got = weir_db_query_i64(db, SQL_EXP_BY_LOCATION, id, err, WEIR_TEXT(locations));
	*found = got == 1;
	return got < 0 ? -1 : 0;
}

int weir_trk_store_exp_rename(weir_db *db, int64_t id, const char *name, int64_t now, weir_error *err)
{
	return weir_db_exec(db, SQL_EXP_RENAME, err, WEIR_I64(id), WEIR_TEXT(name), WEIR_I64(now));
}

int weir_trk_store_exp_set_stage(weir_db *db, int64_t id, const char *stage, int64_t now, weir_error *err)
{
	if (weir_db_exec(db, SQL_EXP_SET_STAGE, err, WEIR_I64(id), WEIR_TEXT(stage), WEIR_I64(now)) != 0)
		return -1;
	return weir_db_exec(db, SQL_EXP_RUNS_SET_STAGE, err, WEIR_I64(id), WEIR_TEXT(stage), WEIR_I64(now));
}

/* The (owner id, key[, value]) writes of tags and params: value NULL for a delete, which
 * reports whether a row went. */
static int kv_write(weir_db *db, const char *sql, int64_t id, const char *key, const char *value, bool *existed,
		    weir_error *err)
{
	if (value)
		return weir_db_exec(db, sql, err, WEIR_I64(id), WEIR_TEXT(key), WEIR_TEXT(value));
	int64_t n = weir_db_exec_count(db, sql, err, WEIR_I64(id), WEIR_TEXT(key));
	if (n < 0)
		return -1;
	if (existed)
		*existed = n > 0;
	return 0;
}

int weir_trk_store_exp_set_tag(weir_db *db, int64_t id, const char *key, const char *value, weir_error *err)
{
	return kv_write(db, SQL_EXP_TAG_SET, id, key, value, NULL, err);
}

int weir_trk_store_exp_delete_tag(weir_db *db, int64_t id, const char *key, bool *existed, weir_error *err)
{
	return kv_write(db, SQL_EXP_TAG_DELETE, id, key, NULL, existed, err);
}

static json_t *kv_json(weir_stmt *st)
{
	json_t *k = json_string(weir_db_col_text(st, 0));
	json_t *v = json_string(weir_db_col_text(st, 1));
	return json_pack("{s:o?, s:o?}", "key", k, "value", v);
}

/* [{key, value}] of a (key, value) query (NULL: its prepare failed), or NULL with err set. */
static json_t *kv_list(weir_db *db, weir_stmt *st, weir_error *err) { return weir_db_json_rows(db, st, kv_json, err); }

static void set_list(json_t *obj, const char *key, json_t *arr)
{
	if (arr && json_array_size(arr) > 0)
		json_object_set_new(obj, key, arr);
	else
		json_decref(arr);
}

json_t *weir_trk_store_exp_json(weir_db *db, const trk_exp *e, weir_error *err)
{
	char id[24];
	snprintf(id, sizeof(id), "%lld", (long long)e->id);
	json_t *o = json_pack("{s:s, s:s?, s:s?, s:s?, s:I, s:I}", "experiment_id", id, "name", e->name,
			      "artifact_location", e->artifact_location, "lifecycle_stage", e->lifecycle_stage,
			      "last_update_time", (json_int_t)e->last_update_time, "creation_time",
			      (json_int_t)e->creation_time);
	if (o == NULL) {
		weir_error_set(err, WEIR_E_INTERNAL_ERROR, "internal error");
		return NULL;
	}
	json_t *tags = kv_list(db, weir_db_query(db, SQL_EXP_TAGS, err, WEIR_I64(e->id)), err);
	if (tags == NULL) {
		json_decref(o);
		return NULL;
	}
	set_list(o, "tags", tags);
	return o;
}

/* ------------------------------------------------------------------ dynamic search SQL */

/* Tracking's statements are prepared for one request, so a pattern is bound as a plain `?`
 * (SQLite may then use its LIKE optimization), and ILIKE folds both sides. */
static const weir_mlflow_sql_style TRK_SQL = {.like = " GLOB ?", .ilike = "lower(%s) LIKE lower(?)"};

typedef weir_mlflow_sql qbuild;

static qbuild *qnew(weir_arena *a)
{
	qbuild *q = weir_arena_alloc(a, sizeof(*q));
	weir_mlflow_sql_init(q, a, &TRK_SQL);
	return q;
}

/* Attribute names (checked by the parser in registry/tracking.c) to column expressions. */
typedef struct attr_col {
	const char *name;
	const char *sql;
} attr_col;

static const attr_col RUN_COLS_MAP[] = {
	{"run_id", "r.run_id"},
	{"run_name", "r.run_name"},
	{"status", "r.status"},
	{"user_id", "r.user_id"},
	{"artifact_uri", "r.artifact_uri"},
	{"lifecycle_stage", "r.lifecycle_stage"},
	{"start_time", "r.start_time"},
	{"end_time", "r.end_time"},
	{"created", "r.start_time"},
	{"Created", "r.start_time"},
	{"experiment_id", "CAST(r.experiment_id AS TEXT)"},
	{NULL, NULL},
};
static const attr_col EXP_COLS_MAP[] = {
	{"name", "e.name"},
	{"creation_time", "e.creation_time"},
	{"last_update_time", "e.last_update_time"},
	{"experiment_id", "e.experiment_id"},
	{NULL, NULL},
};
static const attr_col DATASET_COLS_MAP[] = {
	{"name", "d.name"},
	{"digest", "d.digest"},
	{"context", "(SELECT t.value FROM trk_input_tags t WHERE t.input = i.id AND t.key = 'mlflow.data.context')"},
	{NULL, NULL},
};

/* The column of attribute `name`; a name the parser let through but the map lacks is a
 * programming error, answered as an invalid filter rather than SQL text. */
static const char *col_of(qbuild *q, const attr_col *map, const char *name)
{
	for (int i = 0; map[i].name; i++)
		if (strcmp(map[i].name, name) == 0)
			return map[i].sql;
	q->bad = true;
	return "NULL";
}

/* A key-value child table condition: EXISTS (... key = ? AND value <op> ?); IS NULL and
 * IS NOT NULL test the key's presence. `owner` is the parent's key column expression. */
static void kv_cond(qbuild *q, const char *table, const char *fk, const char *owner, const trk_cond *c,
		    const char *extra)
{
	if (c->op == WEIR_MLFLOW_OP_IS_NULL || c->op == WEIR_MLFLOW_OP_IS_NOT_NULL) {
		weir_buf_appendf(&q->sql, "%sEXISTS (SELECT 1 FROM %s x WHERE x.%s = %s AND x.key = ?)",
				 c->op == WEIR_MLFLOW_OP_IS_NULL ? "NOT " : "", table, fk, owner);
		weir_mlflow_bind_text(q, c->key);
		return;
	}
	weir_buf_appendf(&q->sql, "EXISTS (SELECT 1 FROM %s x WHERE x.%s = %s AND x.key = ?%s AND ", table, fk, owner,
			 extra);
	weir_mlflow_bind_text(q, c->key);
	weir_mlflow_sql_cmp(q, "x.value", c);
	weir_buf_appendf(&q->sql, ")");
}

static void order_sql(qbuild *q, const attr_col *cols, const char *kv_table, const char *fk, const char *owner,
		      const trk_order *o)
{
	if (o->ent == TRK_ENT_ATTR) {
		const char *col = col_of(q, cols, o->column);
		weir_buf_appendf(&q->sql, "(%s IS NULL), %s %s, ", col, col, o->desc ? "DESC" : "ASC");
		return;
	}
	const char *table = o->ent == TRK_ENT_METRIC  ? "trk_latest_metrics"
			    : o->ent == TRK_ENT_PARAM ? "trk_params"
						      : kv_table;
	weir_buf_appendf(&q->sql, "((SELECT x.value FROM %s x WHERE x.%s = %s AND x.key = ?) IS NULL), ", table, fk,
			 owner);
	weir_mlflow_bind_text(q, o->key);
	weir_buf_appendf(&q->sql, "(SELECT x.value FROM %s x WHERE x.%s = %s AND x.key = ?) %s, ", table, fk, owner,
			 o->desc ? "DESC" : "ASC");
	weir_mlflow_bind_text(q, o->key);
}

static int run_query(weir_db *db, weir_arena *a, qbuild *q, int64_t **ids, int *n, weir_error *err)
{
	int rc = 0;
	/* at most 512 values, as SQLite's default limit on parameters allowed once */
	if (q->bad || q->nbinds > 512) {
		weir_mlflow_sql_release(q);
		return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE, "Search filter is too long");
	}
	weir_stmt *st = NULL;
	rc = weir_db_prepare(db, q->sql.data, &st);
	weir_mlflow_sql_release(q);
	if (rc != WEIR_DB_OK)
		return weir_db_fail(db, rc, err);
	weir_mlflow_sql_bind_all(q, st);
	size_t cap = 64;
	int64_t *out = weir_arena_alloc(a, cap * sizeof(*out));
	int cnt = 0;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
		if ((size_t)cnt == cap) {
			int64_t *nb = weir_arena_alloc(a, cap * 2 * sizeof(*out));
			memcpy(nb, out, cap * sizeof(*out));
			out = nb;
			cap *= 2;
		}
		out[cnt++] = weir_db_col_i64(st, 0);
	}
	weir_db_finalize(st);
	if (rc != WEIR_DB_DONE)
		return weir_db_fail(db, rc, err);
	*ids = out;
	*n = cnt;
	return 0;
}

static const char *stage_sql(int view)
{
	return view == 2   ? "lifecycle_stage = 'deleted'"
	       : view == 3 ? "lifecycle_stage IS NOT NULL"
			   : "lifecycle_stage = 'active'";
}

int weir_trk_store_exp_search(weir_db *db, weir_arena *a, const trk_query *qq, int64_t **ids, int *n, weir_error *err)
{
	qbuild *q = qnew(a);
	weir_buf_appendf(&q->sql, "SELECT e.experiment_id FROM trk_experiments e WHERE e.%s", stage_sql(qq->view));
	for (int i = 0; i < qq->nconds; i++) {
		const trk_cond *c = &qq->conds[i];
		weir_buf_appendf(&q->sql, " AND ");
		if (c->ent == TRK_ENT_TAG)
			kv_cond(q, "trk_experiment_tags", "experiment_id", "e.experiment_id", c, "");
		else
			weir_mlflow_sql_cmp(q, col_of(q, EXP_COLS_MAP, c->column), c);
	}
	weir_buf_appendf(&q->sql, " ORDER BY ");
	for (int i = 0; i < qq->norders; i++)
		order_sql(q, EXP_COLS_MAP, "trk_experiment_tags", "experiment_id", "e.experiment_id", &qq->orders[i]);
	weir_buf_appendf(&q->sql, "e.experiment_id ASC LIMIT ? OFFSET ?");
	weir_mlflow_bind_i64(q, qq->limit);
	weir_mlflow_bind_i64(q, qq->offset);
	return run_query(db, a, q, ids, n, err);
}

int weir_trk_store_run_ids(weir_db *db, weir_arena *a, const trk_query *qq, int64_t **ids, int *n, weir_error *err)
{
	qbuild *q = qnew(a);
	weir_buf_appendf(&q->sql, "SELECT r.id FROM trk_runs r WHERE r.%s AND r.experiment_id IN (",
			 stage_sql(qq->view));
	for (int i = 0; i < qq->nexperiments; i++) {
		weir_buf_appendf(&q->sql, "%s?", i ? ", " : "");
		weir_mlflow_bind_i64(q, qq->experiment_ids[i]);
	}
	weir_buf_appendf(&q->sql, ")");
	for (int i = 0; i < qq->nconds; i++) {
		const trk_cond *c = &qq->conds[i];
		weir_buf_appendf(&q->sql, " AND ");
		switch (c->ent) {
		case TRK_ENT_METRIC: kv_cond(q, "trk_latest_metrics", "run", "r.id", c, " AND x.is_nan = 0"); break;
		case TRK_ENT_PARAM: kv_cond(q, "trk_params", "run", "r.id", c, ""); break;
		case TRK_ENT_TAG: kv_cond(q, "trk_run_tags", "run", "r.id", c, ""); break;
		case TRK_ENT_DATASET:
			weir_buf_appendf(&q->sql,
					 "EXISTS (SELECT 1 FROM trk_inputs i JOIN trk_datasets d ON d.id = i.dataset "
					 "WHERE i.run = r.id AND ");
			weir_mlflow_sql_cmp(q, col_of(q, DATASET_COLS_MAP, c->column), c);
			weir_buf_appendf(&q->sql, ")");
			break;
		default: weir_mlflow_sql_cmp(q, col_of(q, RUN_COLS_MAP, c->column), c);
		}
	}
	weir_buf_appendf(&q->sql, " ORDER BY ");
	for (int i = 0; i < qq->norders; i++)
		order_sql(q, RUN_COLS_MAP, "trk_run_tags", "run", "r.id", &qq->orders[i]);
	weir_buf_appendf(&q->sql, "r.start_time DESC, r.run_id ASC LIMIT ? OFFSET ?");
	weir_mlflow_bind_i64(q, qq->limit);
	weir_mlflow_bind_i64(q, qq->offset);
	return run_query(db, a, q, ids, n, err);
}

/* ------------------------------------------------------------------ runs */

static const char SQL_RUN_INSERT[] =
	"INSERT INTO trk_runs(run_id, experiment_id, run_name, user_id, owner, status, start_time, end_time, "
	"artifact_uri, lifecycle_stage) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'active')";
#define RUN_COLS                                                                                     \
	"id, run_id, experiment_id, run_name, user_id, status, start_time, end_time, artifact_uri, " \
	"lifecycle_stage"
static const char SQL_RUN_GET[] = "SELECT " RUN_COLS " FROM trk_runs WHERE run_id = ?1";
static const char SQL_RUN_GET_ID[] = "SELECT " RUN_COLS " FROM trk_runs WHERE id = ?1";
static const char SQL_RUN_UPDATE[] = "UPDATE trk_runs SET run_name = ?2, status = ?3, end_time = ?4 WHERE id = ?1";
static const char SQL_RUN_SET_STAGE[] =
	"UPDATE trk_runs SET lifecycle_stage = ?2, deleted_time = CASE WHEN ?2 = 'deleted' THEN ?3 ELSE NULL END "
	"WHERE id = ?1";
static const char SQL_RUN_PARAMS[] = "SELECT key, value FROM trk_params WHERE run = ?1 ORDER BY key";
static const char SQL_RUN_TAGS[] = "SELECT key, value FROM trk_run_tags WHERE run = ?1 ORDER BY key";
static const char SQL_RUN_LATEST[] =
	"SELECT key, value, is_nan, timestamp, step FROM trk_latest_metrics WHERE run = ?1 ORDER BY key";

int weir_trk_store_run_insert(weir_db *db, const trk_run *run, const char *owner, int64_t *id, weir_error *err)
{
	*id = weir_db_exec_id(db, SQL_RUN_INSERT, err, WEIR_TEXT(run->run_id), WEIR_I64(run->experiment_id),
			      WEIR_TEXT(run->run_name ? run->run_name : ""),
			      WEIR_TEXT(run->user_id ? run->user_id : ""), WEIR_TEXT(owner), WEIR_TEXT(run->status),
			      WEIR_I64_OR_NULL(run->start_time, !run->has_start),
			      WEIR_I64_OR_NULL(run->end_time, !run->has_end), WEIR_TEXT(run->artifact_uri));
	return *id < 0 ? -1 : 0;
}

static const weir_db_field RUN_ROW[] = {WEIR_FIELD(trk_run, id),
					WEIR_FIELD(trk_run, run_id),
					WEIR_FIELD(trk_run, experiment_id),
					WEIR_FIELD(trk_run, run_name),
					WEIR_FIELD(trk_run, user_id),
					WEIR_FIELD(trk_run, status),
					WEIR_FIELD_OPT(trk_run, start_time, has_start),
					WEIR_FIELD_OPT(trk_run, end_time, has_end),
					WEIR_FIELD(trk_run, artifact_uri),
					WEIR_FIELD(trk_run, lifecycle_stage)};

int weir_trk_store_run_get(weir_db *db, weir_arena *a, const char *run_id, trk_run *out, weir_error *err)
{
	return WEIR_DB_ROW_GET(db, weir_db_query(db, SQL_RUN_GET, err, WEIR_TEXT(run_id)), a, out, RUN_ROW,
			       weir_arena_printf(a, "Run with id=%.100s not found", run_id), err);
}

int weir_trk_store_run_get_id(weir_db *db, weir_arena *a, int64_t id, trk_run *out, weir_error *err)
{
	return WEIR_DB_ROW_GET(db, weir_db_query(db, SQL_RUN_GET_ID, err, WEIR_I64(id)), a, out, RUN_ROW,
			       "Run not found", err);
}

int weir_trk_store_run_update(weir_db *db, const trk_run *run, weir_error *err)
{
	return weir_db_exec(db, SQL_RUN_UPDATE, err, WEIR_I64(run->id), WEIR_TEXT(run->run_name),
			    WEIR_TEXT(run->status), WEIR_I64_OR_NULL(run->end_time, !run->has_end));
}

int weir_trk_store_run_set_stage(weir_db *db, int64_t id, const char *stage, int64_t now, weir_error *err)
{
	return weir_db_exec(db, SQL_RUN_SET_STAGE, err, WEIR_I64(id), WEIR_TEXT(stage), WEIR_I64(now));
}

json_t *weir_trk_store_run_info_json(const trk_run *run)
{
	char exp[24];
	snprintf(exp, sizeof(exp), "%lld", (long long)run->experiment_id);
	json_t *o = json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s, s:s?, s:s?}", "run_id", run->run_id, "run_uuid",
			      run->run_id, "run_name", run->run_name, "experiment_id", exp, "user_id", run->user_id,
			      "status", run->status, "artifact_uri", run->artifact_uri, "lifecycle_stage",
			      run->lifecycle_stage);
	if (o == NULL)
		return NULL;
	if (run->has_start)
		json_object_set_new(o, "start_time", json_integer(run->start_time));
	if (run->has_end)
		json_object_set_new(o, "end_time", json_integer(run->end_time));
	return o;
}

/* A metric value as MLflow writes it: a number, or "NaN" / "Infinity" / "-Infinity". */
static json_t *metric_value(double v, bool is_nan)
{
	if (is_nan || isnan(v))
		return json_string("NaN");
	if (isinf(v))
		return json_string(v > 0 ? "Infinity" : "-Infinity");
	return json_real(v);
}

static const char SQL_RUN_INPUTS[] =
	"SELECT i.id, d.name, d.digest, d.source_type, d.source, d.schema, d.profile FROM trk_inputs i "
	"JOIN trk_datasets d ON d.id = i.dataset WHERE i.run = ?1 ORDER BY i.id";
static const char SQL_INPUT_TAGS[] = "SELECT key, value FROM trk_input_tags WHERE input = ?1 ORDER BY key";

static json_t *inputs_json(weir_db *db, weir_arena *a, int64_t run, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_RUN_INPUTS, err, WEIR_I64(run));
	if (st == NULL)
		return NULL;
	int64_t ids[256];
	json_t *list = json_array();
	int rc, n = 0;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW && n < 256) {
		ids[n++] = weir_db_col_i64(st, 0);
		json_t *ds = json_pack("{s:s?, s:s?, s:s?, s:s?}", "name", weir_db_col_dup(a, st, 1), "digest",
				       weir_db_col_dup(a, st, 2), "source_type", weir_db_col_dup(a, st, 3), "source",
				       weir_db_col_dup(a, st, 4));
		if (ds == NULL)
			ds = json_object();
		if (weir_db_col_type(st, 5) != WEIR_DB_NULL)
			json_object_set_new(ds, "schema", weir_json_str_or_null(weir_db_col_dup(a, st, 5)));
		if (weir_db_col_type(st, 6) != WEIR_DB_NULL)
			json_object_set_new(ds, "profile", weir_json_str_or_null(weir_db_col_dup(a, st, 6)));
		json_array_append_new(list, json_pack("{s:o}", "dataset", ds));
	}
	weir_db_done(st);
	if (rc != WEIR_DB_DONE && rc != WEIR_DB_ROW) {
		json_decref(list);
		weir_db_fail(db, rc, err);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		json_t *tags = kv_list(db, weir_db_query(db, SQL_INPUT_TAGS, err, WEIR_I64(ids[i])), err);
		if (tags == NULL) {
			json_decref(list);
			return NULL;
		}
		set_list(json_array_get(list, (size_t)i), "tags", tags);
	}
	json_t *inputs = json_object();
	set_list(inputs, "dataset_inputs", list);
	return inputs;
}

static int run_models_add(weir_db *db, int64_t run, json_t *inputs, json_t *run_o, weir_error *err);

/* One latest metric {key, value, timestamp, step} of SQL_RUN_LATEST. */
static json_t *latest_json(weir_stmt *st)
{
	json_t *k = json_string(weir_db_col_text(st, 0));
	return json_pack("{s:o?, s:o, s:I, s:I}", "key", k, "value",
			 metric_value(weir_db_col_double(st, 1), weir_db_col_int(st, 2) != 0), "timestamp",
			 (json_int_t)weir_db_col_i64(st, 3), "step", (json_int_t)weir_db_col_i64(st, 4));
}

json_t *weir_trk_store_run_json(weir_db *db, weir_arena *a, const trk_run *run, weir_error *err)
{
	json_t *info = weir_trk_store_run_info_json(run);
	if (info == NULL) {
		weir_error_set(err, WEIR_E_INTERNAL_ERROR, "internal error");
		return NULL;
	}
	json_t *data = json_object();
	json_t *run_o = json_pack("{s:o, s:o}", "info", info, "data", data);
	json_t *metrics = weir_db_json_rows(db, weir_db_query(db, SQL_RUN_LATEST, err, WEIR_I64(run->id)), latest_json,
					    err);
	if (metrics == NULL)
		goto fail;
	set_list(data, "metrics", metrics);
	json_t *params = kv_list(db, weir_db_query(db, SQL_RUN_PARAMS, err, WEIR_I64(run->id)), err);
	if (params == NULL)
		goto fail;
	set_list(data, "params", params);
	json_t *tags = kv_list(db, weir_db_query(db, SQL_RUN_TAGS, err, WEIR_I64(run->id)), err);
	if (tags == NULL)
		goto fail;
	set_list(data, "tags", tags);
	json_t *inputs = inputs_json(db, a, run->id, err);
	if (inputs == NULL)
		goto fail;
	json_object_set_new(run_o, "inputs", inputs);
	if (run_models_add(db, run->id, inputs, run_o, err) != 0)
		goto fail;
	return run_o;
fail:
	json_decref(run_o);
	return NULL;
}

/* ------------------------------------------------------------------ params, tags */

static const char SQL_PARAM_GET[] = "SELECT value FROM trk_params WHERE run = ?1 AND key = ?2";
static const char SQL_PARAM_PUT[] = "INSERT OR IGNORE INTO trk_params(run, key, value) VALUES (?1, ?2, ?3)";
static const char SQL_TAG_SET[] = "INSERT INTO trk_run_tags(run, key, value) VALUES (?1, ?2, ?3) "
				  "ON CONFLICT(run, key) DO UPDATE SET value = excluded.value";
static const char SQL_TAG_DELETE[] = "DELETE FROM trk_run_tags WHERE run = ?1 AND key = ?2";

/* The text of a (id, key) row's value: *value NULL when there is none. */
static int text_of(weir_db *db, weir_arena *a, const char *sql, int64_t id, const char *key, const char **value,
		   weir_error *err)
{
	*value = NULL;
	return weir_db_query_dup(db, a, sql, value, err, WEIR_I64(id), WEIR_TEXT(key)) < 0 ? -1 : 0;
}

int weir_trk_store_param_get(weir_db *db, weir_arena *a, int64_t run, const char *key, const char **value,
			     weir_error *err)
{
	return text_of(db, a, SQL_PARAM_GET, run, key, value, err);
}

int weir_trk_store_param_put(weir_db *db, int64_t run, const char *key, const char *value, weir_error *err)
{
	return kv_write(db, SQL_PARAM_PUT, run, key, value, NULL, err);
}

int weir_trk_store_tag_set(weir_db *db, int64_t run, const char *key, const char *value, weir_error *err)
{
	return kv_write(db, SQL_TAG_SET, run, key, value, NULL, err);
}

int weir_trk_store_tag_delete(weir_db *db, int64_t run, const char *key, bool *existed, weir_error *err)
{
	return kv_write(db, SQL_TAG_DELETE, run, key, NULL, existed, err);
}

/* ------------------------------------------------------------------ metrics */

/* Points live in two tables with the same columns and primary key (migrations/0009):
 * trk_metrics_hot receives new points and is kept near hot_target() rows; trk_metrics
 * (cold) holds the rest. A batch of 1,000 distinct keys then dirties the hot table's few
 * pages instead of one cold leaf page per key, and a merge writes each cold leaf page once
 * for all the points its key collected while waiting in the hot table. A key with at least
 * TRK_DIRECT_POINTS points in one batch skips the hot table (registry/tracking.c): its cold
 * page is already written once for many points, and the points are not written twice.
 *
 * Readers take the UNION ALL of both tables, ordered by the primary key's remaining
 * columns: SQLite runs it as a merge of two primary-key range scans (no sort, no temp
 * b-tree), stepped only as far as the page needs. A point can be in both tables at once
 * (INSERT OR IGNORE sees only its own table: a point logged again while already stored
 * in the other; the merge's INSERT OR IGNORE then drops the copy), and the two copies are
 * adjacent in that order: the reader skips a row equal to the one before it (points(),
 * weir_trk_store_metric_steps), so every point is read once. The skip is done in C rather
 * than with UNION, whose per-row comparison made a 1,000-point page ~25% dearer; a SQL
 * LIMIT would count the skipped copies, so the reader stops stepping instead. */
static const char SQL_METRIC_PUT[] = "INSERT OR IGNORE INTO trk_metrics_hot(run, key, step, timestamp, value, is_nan) "
				     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_METRIC_PUT_COLD[] =
	"INSERT OR IGNORE INTO trk_metrics(run, key, step, timestamp, value, is_nan) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
/* The latest point is the maximum by (step, timestamp, value) (MLflow's rule). */
static const char SQL_LATEST_PUT[] =
	"INSERT INTO trk_latest_metrics(run, key, step, timestamp, value, is_nan) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
	"ON CONFLICT(run, key) DO UPDATE SET step = excluded.step, timestamp = excluded.timestamp, "
	"value = excluded.value, is_nan = excluded.is_nan "
	"WHERE (excluded.step, excluded.timestamp, excluded.value) > (step, timestamp, value)";
#define POINT_COLS "key, step, timestamp, value, is_nan"
static const char SQL_METRIC_FIRST[] = "SELECT " POINT_COLS " FROM trk_metrics WHERE run = ?1 AND key = ?2 "
				       "UNION ALL SELECT " POINT_COLS
				       " FROM trk_metrics_hot WHERE run = ?1 AND key = ?2 "
				       "ORDER BY step, timestamp, value, is_nan";
static const char SQL_METRIC_AFTER[] = "SELECT " POINT_COLS " FROM trk_metrics WHERE run = ?1 AND key = ?2 "
				       "AND (step, timestamp, value, is_nan) > (?3, ?4, ?5, ?6) "
				       "UNION ALL SELECT " POINT_COLS
				       " FROM trk_metrics_hot WHERE run = ?1 AND key = ?2 "
				       "AND (step, timestamp, value, is_nan) > (?3, ?4, ?5, ?6) "
				       "ORDER BY step, timestamp, value, is_nan";
static const char SQL_METRIC_STEPS_ALL[] =
	"SELECT step FROM trk_metrics WHERE run = ?1 AND key = ?2 "
	"UNION ALL SELECT step FROM trk_metrics_hot WHERE run = ?1 AND key = ?2 ORDER BY step";
static const char SQL_METRIC_STEPS_RANGE[] =
	"SELECT step FROM trk_metrics WHERE run = ?1 AND key = ?2 AND step BETWEEN ?3 AND ?4 "
	"UNION ALL SELECT step FROM trk_metrics_hot WHERE run = ?1 AND key = ?2 AND step BETWEEN ?3 AND ?4 "
	"ORDER BY step";
static const char SQL_METRIC_AT_STEP[] = "SELECT " POINT_COLS
					 " FROM trk_metrics WHERE run = ?1 AND key = ?2 AND step = ?3 "
					 "UNION ALL SELECT " POINT_COLS
					 " FROM trk_metrics_hot WHERE run = ?1 AND key = ?2 AND step = ?3 "
					 "ORDER BY timestamp, value, is_nan";

/* The merge: one slice of the hot table, the rows after the cursor in primary-key order,
 * copied into trk_metrics (in that order, so consecutive rows land on the same cold leaf)
 * and deleted from the hot table (a contiguous key range: few hot pages). Row-value
 * bounds on the whole primary key make every statement a primary-key range scan. */
#define PK_COLS "run, key, step, timestamp, value, is_nan"
static const char SQL_HOT_COUNT[] = "SELECT count(*) FROM trk_metrics_hot";
static const char SQL_MERGE_CURSOR[] = "SELECT " PK_COLS " FROM trk_metrics_merge WHERE id = 1";
static const char SQL_MERGE_SET[] =
	"UPDATE trk_metrics_merge SET run = ?1, key = ?2, step = ?3, timestamp = ?4, value = ?5, is_nan = ?6 "
	"WHERE id = 1";
static const char SQL_MERGE_END[] = "SELECT " PK_COLS " FROM trk_metrics_hot WHERE (" PK_COLS
				    ") > (?1, ?2, ?3, ?4, ?5, ?6) "
				    "ORDER BY " PK_COLS " LIMIT 1 OFFSET ?7";
static const char SQL_MERGE_COPY[] = "INSERT OR IGNORE INTO trk_metrics(" PK_COLS ") SELECT " PK_COLS
				     " FROM trk_metrics_hot "
				     "WHERE (" PK_COLS ") > (?1, ?2, ?3, ?4, ?5, ?6) AND (" PK_COLS
				     ") <= (?7, ?8, ?9, ?10, ?11, ?12) "
				     "ORDER BY " PK_COLS;
static const char SQL_MERGE_DROP[] = "DELETE FROM trk_metrics_hot "
				     "WHERE (" PK_COLS ") > (?1, ?2, ?3, ?4, ?5, ?6) AND (" PK_COLS
				     ") <= (?7, ?8, ?9, ?10, ?11, ?12)";

/* Hot table sizing (see weir_trk_store_metric_settle). With batches of 1,000 distinct keys a
 * batch dirties every hot page, about target/135 (4 KiB pages, short keys), and its merge
 * of ~1,000 points dirties one cold leaf per key in the slice, about 1,000 / (target /
 * 1,000) since each key waits with target/1,000 points: the sum is smallest near a target
 * of 10,000 and flat around it. Measured (bench/mlflow/hotsim.c, bench/mlflow/RESULTS.md
 * "hot table"): WAL frames per commit over 200 calls 131 / 124 / 156 / 245 for targets
 * 4k / 8k / 16k / 32k; in steady state (600 calls) 187 / 196 / 234 for 8k / 16k / 24k,
 * against ~1,000 without the hot table; latency equal within noise from 8k to 16k. The
 * smaller keeps less waiting and a cheaper count. WEIR_TRK_HOT_ROWS (read once, 1 to
 * 10,000,000) overrides it: tests use a small value to force merges. */
#define HOT_TARGET_DEFAULT 8000
/* A merge moves at most this many points: twice a log-batch's maximum, so a stream of
 * full batches drains the excess, and no request pays for more than ~2 batches of cold
 * pages. */
#define HOT_SLICE_MAX (2 * WEIR_TRACKING_MAX_METRICS)
/* ... and at least this many (target/8, capped): single-point log-metric calls then merge
 * every few hundred calls instead of one point per call. */
#define HOT_SLICE_MIN_CAP 256

static pthread_once_t hot_once = PTHREAD_ONCE_INIT;
static int hot_target_rows = HOT_TARGET_DEFAULT;

static void hot_init(void)
{
	const char *s = getenv("WEIR_TRK_HOT_ROWS");
	if (s == NULL || *s == '\0')
		return;
	char *end;
	long v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > 10000000) {
		weir_log_warn("WEIR_TRK_HOT_ROWS=%.40s ignored: not an integer in 1..10000000", s);
		return;
	}
	hot_target_rows = (int)v;
}

static int hot_target(void)
{
	pthread_once(&hot_once, hot_init);
	return hot_target_rows;
}

void weir_trk_store_metric_hot_target_set(int rows)
{
	pthread_once(&hot_once, hot_init);
	hot_target_rows = rows > 0 ? rows : HOT_TARGET_DEFAULT;
}

static int metric_stmt(weir_db *db, const char *sql, int64_t run, const trk_point *p, weir_error *err)
{
	return weir_db_exec(db, sql, err, WEIR_I64(run), WEIR_TEXT(p->key), WEIR_I64(p->step), WEIR_I64(p->timestamp),
			    WEIR_REAL(p->is_nan ? 0.0 : p->value), WEIR_I64(p->is_nan ? 1 : 0));
}

int weir_trk_store_metric_insert(weir_db *db, int64_t run, const trk_point *p, bool direct, weir_error *err)
{
	return metric_stmt(db, direct ? SQL_METRIC_PUT_COLD : SQL_METRIC_PUT, run, p, err);
}

int weir_trk_store_metric_latest(weir_db *db, int64_t run, const trk_point *p, weir_error *err)
{
	return metric_stmt(db, SQL_LATEST_PUT, run, p, err);
}

int weir_trk_store_metric_put(weir_db *db, int64_t run, const trk_point *p, weir_error *err)
{
	if (weir_trk_store_metric_insert(db, run, p, false, err) != 0)
		return -1;
	return weir_trk_store_metric_latest(db, run, p, err);
}

int weir_trk_store_metric_hot_count(weir_db *db, int64_t *n, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_HOT_COUNT, err);
	if (st == NULL)
		return -1;
	*n = 0;
	return weir_db_step_i64(db, st, n, err);
}

/* A primary key of the metric tables. key is owned (malloc'ed) or NULL; hot_pos_release
 * frees it. */
typedef struct hot_pos {
	int64_t run;
	char *key;
	int64_t step;
	int64_t timestamp;
	double value;
	int64_t is_nan;
} hot_pos;

static void hot_pos_release(hot_pos *p)
{
	free(p->key);
	*p = (hot_pos){0};
}

/* Sets *p (released first) below every point (`end` false: run ids are positive) or above
 * every point (`end` true). */
static void hot_pos_edge(hot_pos *p, bool end)
{
	hot_pos_release(p);
	p->run = end ? INT64_MAX : -1;
	p->key = weir_xstrdup("");
}

static void hot_pos_read(weir_stmt *st, hot_pos *p)
{
	const char *k = weir_db_col_text(st, 1);
	p->run = weir_db_col_i64(st, 0);
	p->key = weir_xstrdup(k ? (const char *)k : "");
	p->step = weir_db_col_i64(st, 2);
	p->timestamp = weir_db_col_i64(st, 3);
	p->value = weir_db_col_double(st, 4);
	p->is_nan = weir_db_col_i64(st, 5);
}

static void hot_pos_bind(weir_stmt *st, int first, const hot_pos *p)
{
	weir_db_bind_i64(st, first, p->run);
	weir_db_bind_text(st, first + 1, p->key);
	weir_db_bind_i64(st, first + 2, p->step);
	weir_db_bind_i64(st, first + 3, p->timestamp);
	weir_db_bind_double(st, first + 4, p->value);
	weir_db_bind_i64(st, first + 5, p->is_nan);
}

/* Reads one row of `st` (a statement already bound) into *p; *found false when none. */
static int hot_pos_step(weir_db *db, weir_stmt *st, hot_pos *p, bool *found, weir_error *err)
{
	int rc = weir_db_step(st);
	*found = rc == WEIR_DB_ROW;
	if (*found)
		hot_pos_read(st, p);
	weir_db_done(st);
	if (rc != WEIR_DB_ROW && rc != WEIR_DB_DONE)
		return weir_db_fail(db, rc, err);
	return 0;
}

/* Moves the points in (from, to] from the hot table to trk_metrics; *moved: how many left
 * the hot table. */
static int merge_range(weir_db *db, const hot_pos *from, const hot_pos *to, int64_t *moved, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_MERGE_COPY, err);
	if (st == NULL)
		return -1;
	hot_pos_bind(st, 1, from);
	hot_pos_bind(st, 7, to);
	if (weir_db_step_done(db, st, err) != 0)
		return -1;
	if ((st = weir_db_stmt(db, SQL_MERGE_DROP, err)) == NULL)
		return -1;
	hot_pos_bind(st, 1, from);
	hot_pos_bind(st, 7, to);
	if (weir_db_step_done(db, st, err) != 0)
		return -1;
	*moved += weir_db_changes(db);
	return 0;
}

int weir_trk_store_metric_merge(weir_db *db, int64_t max_rows, int64_t *moved, weir_error *err)
{
	*moved = 0;
	if (max_rows < 1)
		return 0;
	hot_pos cur = {0}, end = {0};
	bool found;
	int rc = -1;
	weir_stmt *st = weir_db_stmt(db, SQL_MERGE_CURSOR, err);
	if (st == NULL || hot_pos_step(db, st, &cur, &found, err) != 0)
		return -1;
	if (!found)
		hot_pos_edge(&cur, false); /* the cursor row is gone: only a hint, start over */
	/* At most two passes: from the cursor to the end of the table, then, if that was less
	 * than a slice, from the start (the cursor wraps). */
	for (int pass = 0; pass < 2 && *moved < max_rows; pass++) {
		if ((st = weir_db_stmt(db, SQL_MERGE_END, err)) == NULL)
			goto out;
		hot_pos_bind(st, 1, &cur);
		weir_db_bind_i64(st, 7, max_rows - *moved - 1);
		if (hot_pos_step(db, st, &end, &found, err) != 0)
			goto out;
		if (!found) /* fewer than a slice left: up to the end */
			hot_pos_edge(&end, true);
		if (merge_range(db, &cur, &end, moved, err) != 0)
			goto out;
		hot_pos_release(&cur);
		if (found) { /* a full slice: the next one starts after it */
			cur = end;
			end = (hot_pos){0};
			break;
		}
		hot_pos_release(&end);
		hot_pos_edge(&cur, false);
	}
	if ((st = weir_db_stmt(db, SQL_MERGE_SET, err)) == NULL)
		goto out;
	hot_pos_bind(st, 1, &cur);
	rc = weir_db_step_done(db, st, err);
out:
	hot_pos_release(&cur);
	hot_pos_release(&end);
	return rc;
}

/* Called after each write of points, inside its transaction: when the hot table is above
 * its target, one slice of the excess (at least target/8 points, capped at
 * HOT_SLICE_MIN_CAP; at most HOT_SLICE_MAX) moves to trk_metrics. A request thus pays
 * for about as many points as it wrote, never for the whole hot table; the hot table
 * stays within about a batch of its target. */
int weir_trk_store_metric_settle(weir_db *db, weir_error *err)
{
	int64_t n, moved;
	if (weir_trk_store_metric_hot_count(db, &n, err) != 0)
		return -1;
	int64_t target = hot_target();
	if (n <= target)
		return 0;
	int64_t lo = target / 8 + 1, slice = n - target;
	if (lo > HOT_SLICE_MIN_CAP)
		lo = HOT_SLICE_MIN_CAP;
	if (slice < lo)
		slice = lo;
	if (slice > HOT_SLICE_MAX)
		slice = HOT_SLICE_MAX;
	return weir_trk_store_metric_merge(db, slice, &moved, err);
}

/* Reads up to cap points from `st`, a UNION ALL of both tables for one key in (step,
 * timestamp, value, is_nan) order, skipping a row equal to the one before it (the second
 * copy of a point stored in both tables). Stops stepping at cap. */
static int points(weir_db *db, weir_arena *a, weir_stmt *st, int cap, trk_point **out, int *n, weir_error *err)
{
	trk_point *pts = weir_arena_alloc(a, (size_t)(cap > 0 ? cap : 1) * sizeof(*pts));
	int cnt = 0, rc = WEIR_DB_DONE;
	while (cnt < cap && (rc = weir_db_step(st)) == WEIR_DB_ROW) {
		trk_point p = {
			.step = weir_db_col_i64(st, 1),
			.timestamp = weir_db_col_i64(st, 2),
			.value = weir_db_col_double(st, 3),
			.is_nan = weir_db_col_int(st, 4) != 0,
		};
		const trk_point *prev = cnt ? &pts[cnt - 1] : NULL;
		/* == on the value is SQLite's comparison, the one the primary key uses */
		if (prev && prev->step == p.step && prev->timestamp == p.timestamp && prev->value == p.value &&
		    prev->is_nan == p.is_nan)
			continue;
		p.key = weir_db_col_dup(a, st, 0);
		pts[cnt++] = p;
	}
	weir_db_done(st);
	if (rc != WEIR_DB_DONE && rc != WEIR_DB_ROW)
		return weir_db_fail(db, rc, err);
	*out = pts;
	*n = cnt;
	return 0;
}

int weir_trk_store_metric_page(weir_db *db, weir_arena *a, int64_t run, const char *key, const trk_point *after,
			       int limit, trk_point **out, int *n, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, after ? SQL_METRIC_AFTER : SQL_METRIC_FIRST, err);
	if (st == NULL)
		return -1;
	weir_db_bind_i64(st, 1, run);
	weir_db_bind_text(st, 2, key);
	if (after) {
		weir_db_bind_i64(st, 3, after->step);
		weir_db_bind_i64(st, 4, after->timestamp);
		weir_db_bind_double(st, 5, after->is_nan ? 0.0 : after->value);
		weir_db_bind_i64(st, 6, after->is_nan ? 1 : 0);
	}
	return points(db, a, st, limit, out, n, err);
}

int weir_trk_store_metric_steps(weir_db *db, weir_arena *a, int64_t run, const char *key, bool ranged, int64_t start,
				int64_t end, int64_t **steps, int *n, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, ranged ? SQL_METRIC_STEPS_RANGE : SQL_METRIC_STEPS_ALL, err);
	if (st == NULL)
		return -1;
	weir_db_bind_i64(st, 1, run);
	weir_db_bind_text(st, 2, key);
	if (ranged) {
		weir_db_bind_i64(st, 3, start);
		weir_db_bind_i64(st, 4, end);
	}
	size_t cap = 256;
	int64_t *out = malloc(cap * sizeof(*out));
	int cnt = 0, rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
		int64_t step = weir_db_col_i64(st, 0);
		if (cnt > 0 && out[cnt - 1] == step)
			continue; /* ascending: every repeat of a step is adjacent */
		if ((size_t)cnt == cap) {
			cap *= 2;
			out = realloc(out, cap * sizeof(*out));
		}
		out[cnt++] = step;
	}
	weir_db_done(st);
	if (rc != WEIR_DB_DONE) {
		free(out);
		return weir_db_fail(db, rc, err);
	}
	*steps = weir_arena_alloc(a, (size_t)(cnt ? cnt : 1) * sizeof(int64_t));
	memcpy(*steps, out, (size_t)cnt * sizeof(int64_t));
	free(out);
	*n = cnt;
	return 0;
}

int weir_trk_store_metric_at_step(weir_db *db, weir_arena *a, int64_t run, const char *key, int64_t step,
				  trk_point **out, int *n, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_METRIC_AT_STEP, err, WEIR_I64(run), WEIR_TEXT(key), WEIR_I64(step));
	if (st == NULL)
		return -1;
	return points(db, a, st, 1000, out, n, err);
}

/* ------------------------------------------------------------------ datasets, inputs */

static const char SQL_DATASET_FIND[] =
	"SELECT id FROM trk_datasets WHERE experiment_id = ?1 AND name = ?2 AND digest = ?3";
static const char SQL_DATASET_INSERT[] =
	"INSERT INTO trk_datasets(experiment_id, name, digest, source_type, source, schema, profile) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_INPUT_FIND[] = "SELECT id FROM trk_inputs WHERE run = ?1 AND dataset = ?2";
static const char SQL_INPUT_INSERT[] = "INSERT INTO trk_inputs(dataset, run) VALUES (?1, ?2)";
static const char SQL_INPUT_TAG_SET[] = "INSERT INTO trk_input_tags(input, key, value) VALUES (?1, ?2, ?3) "
					"ON CONFLICT(input, key) DO UPDATE SET value = excluded.value";
static const char SQL_INPUTS_OF_RUN[] =
	"SELECT d.name, d.digest, d.source_type, d.source, "
	"(SELECT value FROM trk_input_tags t WHERE t.input = i.id AND t.key = 'mlflow.data.context') "
	"FROM trk_inputs i JOIN trk_datasets d ON d.id = i.dataset WHERE i.run = ?1 ORDER BY i.id";

int weir_trk_store_dataset_upsert(weir_db *db, int64_t experiment_id, const char *name, const char *digest,
				  const char *source_type, const char *source, const char *schema, const char *profile,
				  int64_t *id, weir_error *err)
{
	int found = weir_db_query_i64(db, SQL_DATASET_FIND, id, err, WEIR_I64(experiment_id), WEIR_TEXT(name),
				      WEIR_TEXT(digest));
	if (found != 0)
		return found < 0 ? -1 : 0;
	*id = weir_db_exec_id(db, SQL_DATASET_INSERT, err, WEIR_I64(experiment_id), WEIR_TEXT(name), WEIR_TEXT(digest),
			      WEIR_TEXT(source_type), WEIR_TEXT(source), WEIR_TEXT(schema), WEIR_TEXT(profile));
	return *id < 0 ? -1 : 0;
}

int weir_trk_store_input_upsert(weir_db *db, int64_t dataset, int64_t run, int64_t *input, weir_error *err)
{
	int found = weir_db_query_i64(db, SQL_INPUT_FIND, input, err, WEIR_I64(run), WEIR_I64(dataset));
	if (found != 0)
		return found < 0 ? -1 : 0;
	*input = weir_db_exec_id(db, SQL_INPUT_INSERT, err, WEIR_I64(dataset), WEIR_I64(run));
	return *input < 0 ? -1 : 0;
}

int weir_trk_store_input_tag_set(weir_db *db, int64_t input, const char *key, const char *value, weir_error *err)
{
	return weir_db_exec(db, SQL_INPUT_TAG_SET, err, WEIR_I64(input), WEIR_TEXT(key), WEIR_TEXT(value));
}

/* The other members (table_name, ...) stay zero: the reader fills them. */
static const weir_db_field INPUT_FIELDS[] = {
	WEIR_FIELD(weir_tracking_input, name), WEIR_FIELD(weir_tracking_input, digest),
	WEIR_FIELD(weir_tracking_input, source_type), WEIR_FIELD(weir_tracking_input, source),
	WEIR_FIELD(weir_tracking_input, context)};

int weir_trk_store_run_inputs(weir_db *db, weir_arena *a, int64_t run, weir_tracking_input **out, int *n,
			      weir_error *err)
{
	size_t k = 0;
	*out = WEIR_DB_ROWS(db, weir_db_query(db, SQL_INPUTS_OF_RUN, err, WEIR_I64(run)), a, weir_tracking_input,
			    INPUT_FIELDS, NULL, &k, err);
	*n = (int)k;
	return *out == NULL ? -1 : 0;
}

/* ------------------------------------------------------------------ logged models */

static const char SQL_LM_INSERT[] =
	"INSERT INTO trk_logged_models(model_id, experiment_id, name, artifact_location, creation_time, "
	"last_updated_time, status, model_type, source_run_id, lifecycle_stage, owner) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, 'active', ?9)";
#define LM_COLS                                                                                            \
	"id, model_id, experiment_id, name, artifact_location, creation_time, last_updated_time, status, " \
	"model_type, source_run_id, lifecycle_stage"
static const char SQL_LM_GET[] = "SELECT " LM_COLS " FROM trk_logged_models WHERE model_id = ?1";
static const char SQL_LM_GET_ID[] = "SELECT " LM_COLS " FROM trk_logged_models WHERE id = ?1";
static const char SQL_LM_UPDATE[] =
	"UPDATE trk_logged_models SET status = COALESCE(?2, status), lifecycle_stage = COALESCE(?3, lifecycle_stage), "
	"last_updated_time = ?4 WHERE id = ?1";
static const char SQL_LM_PARAM_GET[] = "SELECT value FROM trk_logged_model_params WHERE model = ?1 AND key = ?2";
static const char SQL_LM_PARAM_PUT[] =
	"INSERT OR IGNORE INTO trk_logged_model_params(model, key, value) VALUES (?1, ?2, ?3)";
static const char SQL_LM_TAG_GET[] = "SELECT value FROM trk_logged_model_tags WHERE model = ?1 AND key = ?2";
static const char SQL_LM_TAG_SET[] = "INSERT INTO trk_logged_model_tags(model, key, value) VALUES (?1, ?2, ?3) "
				     "ON CONFLICT(model, key) DO UPDATE SET value = excluded.value";
static const char SQL_LM_TAG_DELETE[] = "DELETE FROM trk_logged_model_tags WHERE model = ?1 AND key = ?2";
static const char SQL_LM_PARAMS[] = "SELECT key, value FROM trk_logged_model_params WHERE model = ?1 ORDER BY key";
static const char SQL_LM_TAGS[] = "SELECT key, value FROM trk_logged_model_tags WHERE model = ?1 ORDER BY key";
static const char SQL_LM_METRIC_PUT[] =
	"INSERT INTO trk_logged_model_metrics(model, key, timestamp, step, run_id, dataset_name, dataset_digest, "
	"value, is_nan) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
	"ON CONFLICT(model, key, timestamp, step, run_id, dataset_name, dataset_digest) DO UPDATE SET "
	"value = excluded.value, is_nan = excluded.is_nan";
static const char SQL_LM_METRICS[] =
	"SELECT key, value, is_nan, timestamp, step, run_id, dataset_name, dataset_digest "
	"FROM trk_logged_model_metrics WHERE model = ?1 ORDER BY key, timestamp, step, run_id, dataset_name, "
	"dataset_digest";
static const char SQL_RUN_MODEL_LINK[] =
	"INSERT OR IGNORE INTO trk_run_models(run, direction, model, step) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_RUN_MODELS[] = "SELECT m.model_id, l.step FROM trk_run_models l "
				     "JOIN trk_logged_models m ON m.id = l.model "
				     "WHERE l.run = ?1 AND l.direction = ?2 ORDER BY m.model_id, l.step";

int weir_trk_store_lm_insert(weir_db *db, const trk_lmodel *m, const char *owner, int64_t *id, weir_error *err)
{
	*id = weir_db_exec_id(db, SQL_LM_INSERT, err, WEIR_TEXT(m->model_id), WEIR_I64(m->experiment_id),
			      WEIR_TEXT(m->name), WEIR_TEXT(m->artifact_location), WEIR_I64(m->creation_time),
			      WEIR_TEXT(m->status), WEIR_TEXT(m->model_type ? m->model_type : ""),
			      WEIR_TEXT(m->source_run_id ? m->source_run_id : ""), WEIR_TEXT(owner));
	return *id < 0 ? -1 : 0;
}

static const weir_db_field LM_ROW[] = {WEIR_FIELD(trk_lmodel, id),
				       WEIR_FIELD(trk_lmodel, model_id),
				       WEIR_FIELD(trk_lmodel, experiment_id),
				       WEIR_FIELD(trk_lmodel, name),
				       WEIR_FIELD(trk_lmodel, artifact_location),
				       WEIR_FIELD(trk_lmodel, creation_time),
				       WEIR_FIELD(trk_lmodel, last_updated_time),
				       WEIR_FIELD(trk_lmodel, status),
				       WEIR_FIELD(trk_lmodel, model_type),
				       WEIR_FIELD(trk_lmodel, source_run_id),
				       WEIR_FIELD(trk_lmodel, lifecycle_stage)};

int weir_trk_store_lm_get(weir_db *db, weir_arena *a, const char *model_id, trk_lmodel *out, weir_error *err)
{
	return WEIR_DB_ROW_GET(db, weir_db_query(db, SQL_LM_GET, err, WEIR_TEXT(model_id)), a, out, LM_ROW,
			       weir_arena_printf(a, "Logged model with ID '%.100s' not found.", model_id), err);
}

int weir_trk_store_lm_get_id(weir_db *db, weir_arena *a, int64_t id, trk_lmodel *out, weir_error *err)
{
	return WEIR_DB_ROW_GET(db, weir_db_query(db, SQL_LM_GET_ID, err, WEIR_I64(id)), a, out, LM_ROW,
			       "Logged model not found.", err);
}

int weir_trk_store_lm_update(weir_db *db, int64_t id, const char *status, const char *stage, int64_t now,
			     weir_error *err)
{
	return weir_db_exec(db, SQL_LM_UPDATE, err, WEIR_I64(id), WEIR_TEXT(status), WEIR_TEXT(stage), WEIR_I64(now));
}

int weir_trk_store_lm_param_get(weir_db *db, weir_arena *a, int64_t model, const char *key, const char **value,
				weir_error *err)
{
	return text_of(db, a, SQL_LM_PARAM_GET, model, key, value, err);
}

int weir_trk_store_lm_param_put(weir_db *db, int64_t model, const char *key, const char *value, weir_error *err)
{
	return kv_write(db, SQL_LM_PARAM_PUT, model, key, value, NULL, err);
}

int weir_trk_store_lm_tag_get(weir_db *db, weir_arena *a, int64_t model, const char *key, const char **value,
			      weir_error *err)
{
	return text_of(db, a, SQL_LM_TAG_GET, model, key, value, err);
}

int weir_trk_store_lm_tag_set(weir_db *db, int64_t model, const char *key, const char *value, weir_error *err)
{
	return kv_write(db, SQL_LM_TAG_SET, model, key, value, NULL, err);
}

int weir_trk_store_lm_tag_delete(weir_db *db, int64_t model, const char *key, bool *existed, weir_error *err)
{
	return kv_write(db, SQL_LM_TAG_DELETE, model, key, NULL, existed, err);
}

int weir_trk_store_lm_metric_put(weir_db *db, int64_t model, const trk_point *p, const char *run_id,
				 const char *dataset_name, const char *dataset_digest, weir_error *err)
{
	return weir_db_exec(db, SQL_LM_METRIC_PUT, err, WEIR_I64(model), WEIR_TEXT(p->key), WEIR_I64(p->timestamp),
			    WEIR_I64(p->step), WEIR_TEXT(run_id ? run_id : ""),
			    WEIR_TEXT(dataset_name ? dataset_name : ""),
			    WEIR_TEXT(dataset_digest ? dataset_digest : ""), WEIR_REAL(p->is_nan ? 0.0 : p->value),
			    WEIR_I64(p->is_nan ? 1 : 0));
}

int weir_trk_store_run_model_link(weir_db *db, int64_t run, const char *direction, int64_t model, int64_t step,
				  weir_error *err)
{
	return weir_db_exec(db, SQL_RUN_MODEL_LINK, err, WEIR_I64(run), WEIR_TEXT(direction), WEIR_I64(model),
			    WEIR_I64(step));
}

/* The models linked to a run in `direction`: [{model_id}] for inputs, [{model_id, step}]
 * for outputs. New reference, NULL on failure. */
static json_t *run_models_json(weir_db *db, int64_t run, const char *direction, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_RUN_MODELS, err, WEIR_I64(run), WEIR_TEXT(direction));
	if (st == NULL)
		return NULL;
	json_t *arr = json_array();
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
		json_t *o = json_pack("{s:s}", "model_id", weir_db_col_text(st, 0));
		if (o && strcmp(direction, "output") == 0)
			json_object_set_new(o, "step", json_integer(weir_db_col_i64(st, 1)));
		if (o)
			json_array_append_new(arr, o);
	}
	return weir_db_end_json(db, st, rc, arr, err);
}

/* Adds the run's model inputs to `inputs` and its model outputs as run_o's "outputs". */
static int run_models_add(weir_db *db, int64_t run, json_t *inputs, json_t *run_o, weir_error *err)
{
	json_t *in = run_models_json(db, run, "input", err);
	if (in == NULL)
		return -1;
	set_list(inputs, "model_inputs", in);
	json_t *out = run_models_json(db, run, "output", err);
	if (out == NULL)
		return -1;
	json_t *outputs = json_object();
	set_list(outputs, "model_outputs", out);
	json_object_set_new(run_o, "outputs", outputs);
	return 0;
}

json_t *weir_trk_store_lm_json(weir_db *db, weir_arena *a, const trk_lmodel *m, weir_error *err)
{
	(void)a;
	char exp[24];
	snprintf(exp, sizeof(exp), "%lld", (long long)m->experiment_id);
	json_t *info = json_pack("{s:s, s:s, s:s?, s:I, s:I, s:s?, s:s, s:s?}", "model_id", m->model_id,
				 "experiment_id", exp, "name", m->name, "creation_timestamp_ms",
				 (json_int_t)m->creation_time, "last_updated_timestamp_ms",
				 (json_int_t)m->last_updated_time, "artifact_uri", m->artifact_location, "status",
				 m->status, "model_type", m->model_type ? m->model_type : "");
	if (info == NULL) {
		weir_error_set(err, WEIR_E_INTERNAL_ERROR, "internal error");
		return NULL;
	}
	if (m->source_run_id && *m->source_run_id)
		json_object_set_new(info, "source_run_id", json_string(m->source_run_id));
	json_t *data = json_object();
	json_t *out = json_pack("{s:o, s:o}", "info", info, "data", data);
	weir_stmt *st = weir_db_query(db, SQL_LM_TAGS, err, WEIR_I64(m->id));
	json_t *list;
	if (st == NULL || (list = kv_list(db, st, err)) == NULL)
		goto fail;
	set_list(info, "tags", list);
	if ((st = weir_db_query(db, SQL_LM_PARAMS, err, WEIR_I64(m->id))) == NULL ||
	    (list = kv_list(db, st, err)) == NULL)
		goto fail;
	set_list(data, "params", list);
	if ((st = weir_db_query(db, SQL_LM_METRICS, err, WEIR_I64(m->id))) == NULL)
		goto fail;
	list = json_array();
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
		json_t *pt = json_pack("{s:o?, s:o, s:I, s:I, s:s}", "key", json_string(weir_db_col_text(st, 0)),
				       "value", metric_value(weir_db_col_double(st, 1), weir_db_col_int(st, 2) != 0),
				       "timestamp", (json_int_t)weir_db_col_i64(st, 3), "step",
				       (json_int_t)weir_db_col_i64(st, 4), "model_id", m->model_id);
		if (pt == NULL)
			continue;
		static const char *const opt[] = {"run_id", "dataset_name", "dataset_digest"};
		for (int k = 0; k < 3; k++) {
			const char *v = weir_db_col_text(st, 5 + k);
			if (v && *v)
				json_object_set_new(pt, opt[k], json_string(v));
		}
		json_array_append_new(list, pt);
	}
	if ((list = weir_db_end_json(db, st, rc, list, err)) == NULL)
		goto fail;
	set_list(data, "metrics", list);
	return out;
fail:
	json_decref(out);
	return NULL;
}

static const attr_col LM_COLS_MAP[] = {
	{"name", "m.name"},
	{"model_id", "m.model_id"},
	{"model_type", "m.model_type"},
	{"status", "m.status"},
	{"source_run_id", "m.source_run_id"},
	{"creation_timestamp", "m.creation_time"},
	{"creation_time", "m.creation_time"},
	{"last_updated_timestamp", "m.last_updated_time"},
	{"last_updated_time", "m.last_updated_time"},
	{NULL, NULL},
};

/* "(x.dataset_name = ? [AND x.dataset_digest = ?]) OR ..." over q's datasets. */
static void lm_datasets_sql(qbuild *q, const trk_query *qq)
{
	weir_buf_appendf(&q->sql, "(");
	for (int i = 0; i < qq->ndatasets; i++) {
		weir_buf_appendf(&q->sql, "%s(x.dataset_name = ?", i ? " OR " : "");
		weir_mlflow_bind_text(q, qq->ds_names[i]);
		if (qq->ds_digests[i]) {
			weir_buf_appendf(&q->sql, " AND x.dataset_digest = ?");
			weir_mlflow_bind_text(q, qq->ds_digests[i]);
		}
		weir_buf_appendf(&q->sql, ")");
	}
	weir_buf_appendf(&q->sql, ")");
}

/* The latest value (by timestamp, then step) of metric o->key on the model, on o's dataset
 * when it names one: MLflow's order by a model metric. */
static void lm_metric_order_expr(qbuild *q, const trk_order *o)
{
	weir_buf_appendf(&q->sql, "(SELECT x.value FROM trk_logged_model_metrics x WHERE x.model = m.id AND x.key = ?");
	weir_mlflow_bind_text(q, o->key);
	if (o->dataset_name) {
		weir_buf_appendf(&q->sql, " AND x.dataset_name = ?");
		weir_mlflow_bind_text(q, o->dataset_name);
	}
	if (o->dataset_digest) {
		weir_buf_appendf(&q->sql, " AND x.dataset_digest = ?");
		weir_mlflow_bind_text(q, o->dataset_digest);
	}
	weir_buf_appendf(&q->sql, " ORDER BY x.timestamp DESC, x.step DESC LIMIT 1)");
}

int weir_trk_store_lm_search(weir_db *db, weir_arena *a, const trk_query *qq, int64_t **ids, int *n, weir_error *err)
{
	qbuild *q = qnew(a);
	weir_buf_appendf(
		&q->sql,
		"SELECT m.id FROM trk_logged_models m WHERE m.lifecycle_stage = 'active' AND m.experiment_id IN (");
	for (int i = 0; i < qq->nexperiments; i++) {
		weir_buf_appendf(&q->sql, "%s?", i ? ", " : "");
		weir_mlflow_bind_i64(q, qq->experiment_ids[i]);
	}
	weir_buf_appendf(&q->sql, ")");
	bool metric_cond = false;
	for (int i = 0; i < qq->nconds; i++) {
		const trk_cond *c = &qq->conds[i];
		weir_buf_appendf(&q->sql, " AND ");
		switch (c->ent) {
		case TRK_ENT_METRIC:
			/* any point of the key (on one of the datasets) satisfies it, as MLflow's join */
			metric_cond = true;
			weir_buf_appendf(&q->sql,
					 "EXISTS (SELECT 1 FROM trk_logged_model_metrics x WHERE x.model = m.id AND "
					 "x.key = ? AND x.is_nan = 0 AND ");
			weir_mlflow_bind_text(q, c->key);
			weir_mlflow_sql_cmp(q, "x.value", c);
			if (qq->ndatasets) {
				weir_buf_appendf(&q->sql, " AND ");
				lm_datasets_sql(q, qq);
			}
			weir_buf_appendf(&q->sql, ")");
			break;
		case TRK_ENT_PARAM: kv_cond(q, "trk_logged_model_params", "model", "m.id", c, ""); break;
		case TRK_ENT_TAG: kv_cond(q, "trk_logged_model_tags", "model", "m.id", c, ""); break;
		default: weir_mlflow_sql_cmp(q, col_of(q, LM_COLS_MAP, c->column), c);
		}
	}
	if (qq->ndatasets && !metric_cond) {
		weir_buf_appendf(&q->sql,
				 " AND EXISTS (SELECT 1 FROM trk_logged_model_metrics x WHERE x.model = m.id AND ");
		lm_datasets_sql(q, qq);
		weir_buf_appendf(&q->sql, ")");
	}
	weir_buf_appendf(&q->sql, " ORDER BY ");
	bool by_creation = false;
	for (int i = 0; i < qq->norders; i++) {
		const trk_order *o = &qq->orders[i];
		if (o->ent == TRK_ENT_ATTR) {
			const char *col = col_of(q, LM_COLS_MAP, o->column);
			by_creation |= strcmp(col, "m.creation_time") == 0;
			weir_buf_appendf(&q->sql, "(%s IS NULL), %s %s, ", col, col, o->desc ? "DESC" : "ASC");
			continue;
		}
		/* nulls last in both directions */
		lm_metric_order_expr(q, o);
		weir_buf_appendf(&q->sql, " IS NULL, ");
		lm_metric_order_expr(q, o);
		weir_buf_appendf(&q->sql, " %s, ", o->desc ? "DESC" : "ASC");
	}
	if (!by_creation)
		weir_buf_appendf(&q->sql, "m.creation_time DESC, ");
	weir_buf_appendf(&q->sql, "m.model_id ASC LIMIT ? OFFSET ?");
	weir_mlflow_bind_i64(q, qq->limit);
	weir_mlflow_bind_i64(q, qq->offset);
	return run_query(db, a, q, ids, n, err);
}
