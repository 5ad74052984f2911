/* All SQL of the lineage module: nodes, producers, table and column edges with their
 * per-producer observations, the OpenLineage events, jobs and runs, and the bounded
 * traversals the reads use. Every statement is cached per connection, every value bound.
 * Writes run inside the caller's transaction. */
#include "lineage/lineage_int.h"
#include "lineage/lineage_read.h"

#include <string.h>

#include "core/db_row.h"
#include "core/log.h"

/* ------------------------------------------------------------------ nodes */

/* The id a statement answers in its one row (an INSERT ... RETURNING id, a lookup): 0 with
 * *out set; 1 when there is no row and absent_ok; else -1 with err set. st (NULL: its
 * weir_db_query failed, err set) is done after. */
static int one_id(weir_db *db, weir_stmt *st, int64_t *out, bool absent_ok, weir_error *err)
{
	if (st == NULL)
		return -1;
	int rc = weir_db_step(st);
	if (rc == WEIR_DB_ROW) {
		*out = weir_db_col_i64(st, 0);
		rc = weir_db_step(st);
		weir_db_done(st);
		return rc == WEIR_DB_DONE || rc == WEIR_DB_ROW ? 0 : weir_db_fail(db, rc, err);
	}
	weir_db_done(st);
	if (rc == WEIR_DB_DONE && absent_ok)
		return 1;
	return weir_db_fail(db, rc == WEIR_DB_DONE ? WEIR_DB_ERROR : rc, err);
}

static const char SQL_NODE_UPSERT[] =
	"INSERT INTO lineage_nodes(kind, key, name, namespace, securable_id, first_seen, last_seen) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) "
	"ON CONFLICT(kind, key) DO UPDATE SET "
	"  name = coalesce(excluded.name, name), namespace = coalesce(excluded.namespace, namespace), "
	"  securable_id = coalesce(excluded.securable_id, securable_id), "
	"  first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen) "
	"RETURNING id";

int weir_lin_store_node_upsert(weir_db *db, weir_lineage_kind kind, const char *key, const char *name, const char *ns,
			       const char *securable_id, int64_t at_ms, int64_t *id, weir_error *err)
{
	return one_id(db,
		      weir_db_query(db, SQL_NODE_UPSERT, err, WEIR_TEXT(weir_lin__kind_name(kind)), WEIR_TEXT(key),
				    WEIR_TEXT(name), WEIR_TEXT(ns), WEIR_TEXT(securable_id), WEIR_I64(at_ms)),
		      id, false, err);
}

#define NODE_COLS                                                                                      \
	"id, kind, key, name, namespace, securable_id, facets, deleted_at, renamed_from, renamed_at, " \
	"first_seen, last_seen"
static const char SQL_NODE_GET[] = "SELECT " NODE_COLS " FROM lineage_nodes WHERE id = ?1";
static const char SQL_NODE_FIND[] = "SELECT " NODE_COLS " FROM lineage_nodes WHERE kind = ?1 AND key = ?2";

static const weir_db_field NODE_FIELDS[] = {
	WEIR_FIELD(lin_node_row, id),           WEIR_FIELD_SKIPPED, /* kind */
	WEIR_FIELD(lin_node_row, key),          WEIR_FIELD(lin_node_row, name),
	WEIR_FIELD(lin_node_row, namespace_),   WEIR_FIELD(lin_node_row, securable_id),
	WEIR_FIELD(lin_node_row, facets),       WEIR_FIELD(lin_node_row, deleted_at),
	WEIR_FIELD(lin_node_row, renamed_from), WEIR_FIELD(lin_node_row, renamed_at),
	WEIR_FIELD(lin_node_row, first_seen),   WEIR_FIELD(lin_node_row, last_seen)};

/* The kind, after NODE_FIELDS (a weir_db_fill_fn). */
static void node_kind(weir_arena *a, weir_stmt *st, void *o)
{
	(void)a;
	weir_lin__kind_parse(weir_db_col_text(st, 1), &((lin_node_row *)o)->kind);
}

static void fill_node(weir_arena *a, weir_stmt *st, lin_node_row *o)
{
	memset(o, 0, sizeof(*o));
	WEIR_DB_ROW_READ(st, a, o, NODE_FIELDS);
	node_kind(a, st, o);
}

/* The node row of query st (NULL: its prepare failed): 0 read, 1 none, -1 failed. */
static int node_row(weir_db *db, weir_arena *a, weir_stmt *st, lin_node_row *o, weir_error *err)
{
	int found = weir_db_row_first(db, st, err);
	if (found <= 0)
		return found < 0 ? -1 : 1;
	fill_node(a, st, o);
	weir_db_done(st);
	return 0;
}

int weir_lin_store_node_get(weir_db *db, weir_arena *a, int64_t id, lin_node_row *out, weir_error *err)
{
	return node_row(db, a, weir_db_query(db, SQL_NODE_GET, err, WEIR_I64(id)), out, err);
}

int weir_lin_store_node_find(weir_db *db, weir_arena *a, weir_lineage_kind kind, const char *key, lin_node_row *out,
			     weir_error *err)
{
	return node_row(db, a,
			weir_db_query(db, SQL_NODE_FIND, err, WEIR_TEXT(weir_lin__kind_name(kind)), WEIR_TEXT(key)),
			out, err);
}

static const char SQL_NODE_SET_FACETS[] = "UPDATE lineage_nodes SET facets = ?2 WHERE id = ?1";

int weir_lin_store_node_set_facets(weir_db *db, int64_t id, const char *facets, weir_error *err)
{
	return weir_db_exec(db, SQL_NODE_SET_FACETS, err, WEIR_I64(id), WEIR_TEXT(facets));
}

/* The full names (catalog.schema.name: the parent chain up to, not including, the metastore,
 * at most five parts) of the securables whose ids the subquery `ids` gives, as the CTE
 * names(id, fullname) (after WITH RECURSIVE); for a lineage node's name, and again after a
 * rename. */
#define SEC_FULL_NAMES(ids)                                                                  \
	"f(id, sid, fullname, d) AS ("                                                       \
	"  SELECT id, id, name, 0 FROM securables WHERE id IN (" ids ") "                    \
	"  UNION ALL SELECT f.id, s.parent_id, p.name || '.' || f.fullname, f.d + 1 FROM f " \
	"  JOIN securables s ON s.id = f.sid JOIN securables p ON p.id = s.parent_id "       \
	"  WHERE p.type <> 'metastore' AND f.d < 4), "                                       \
	"names(id, fullname) AS (SELECT id, fullname FROM f WHERE (id, d) IN (SELECT id, max(d) FROM f GROUP BY id)) "

static const char SQL_SEC_FULL_NAME[] = "WITH RECURSIVE " SEC_FULL_NAMES("?1") "SELECT fullname FROM names";

const char *weir_lin_store_securable_full_name(weir_db *db, weir_arena *a, const char *securable_id)
{
	return weir_db_query_text(db, a, SQL_SEC_FULL_NAME, WEIR_TEXT(securable_id));
}

/* Down from the metastore, each step a lookup on securables_name (parent_id, type, name).
 * Without the metastore and the schema's type, SQLite scanned every securable for the
 * table (measured with 1,000 tables: 589,000 instructions a lookup; now 66,500, however
 * many there are). */
static const char SQL_LEAF_BY_NAME[] =
	"SELECT t.id, t.type FROM securables m "
	"CROSS JOIN securables c ON c.parent_id = m.id AND c.type = 'catalog' AND c.name = ?1 "
	"CROSS JOIN securables s ON s.parent_id = c.id AND s.type = 'schema' AND s.name = ?2 "
	"CROSS JOIN securables t ON t.parent_id = s.id AND t.type IN ('table', 'volume', 'registered_model') "
	"AND t.name = ?3 "
	"WHERE m.parent_id IS NULL AND m.type = 'metastore' AND m.name = 'metastore'";

const char *weir_lin_store_leaf_by_name(weir_db *db, weir_arena *a, const char *catalog, const char *schema,
					const char *name, const char **type)
{
	weir_stmt *st = weir_db_query(db, SQL_LEAF_BY_NAME, NULL, WEIR_TEXT(catalog), WEIR_TEXT(schema),
				      WEIR_TEXT(name));
	if (weir_db_row_first(db, st, NULL) != 1)
		return NULL;
	const char *id = weir_db_col_dup(a, st, 0);
	*type = weir_db_col_dup(a, st, 1);
	weir_db_done(st);
	return id;
}

static const char SQL_LEAF_FACTS[] =
	"SELECT s.parent_id, s.type, s.owner_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?2)) OR EXISTS "
	"(SELECT 1 FROM grants g WHERE g.securable_id = s.id AND g.principal_id IN (SELECT CAST(value AS INTEGER) FROM "
	"json_each(?2))) "
	"FROM securables s WHERE s.id = ?1";

int weir_lin_store_leaf_facts(weir_db *db, weir_arena *a, const char *securable_id, const char *closure_json,
			      const char **parent_id, const char **type, bool *personal, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_LEAF_FACTS, err, WEIR_TEXT(securable_id),
				      WEIR_TEXT(closure_json ? closure_json : "[]"));
	int found = weir_db_row_first(db, st, err);
	if (found <= 0)
		return found < 0 ? -1 : 1;
	*parent_id = weir_db_col_dup(a, st, 0);
	*type = weir_db_col_dup(a, st, 1);
	*personal = weir_db_col_int(st, 2) != 0;
	weir_db_done(st);
	return 0;
}

static const char SQL_NODES_MANY[] =
	"SELECT " NODE_COLS " FROM lineage_nodes WHERE id IN (SELECT CAST(value AS INTEGER) FROM json_each(?1))";

int weir_lin_store_nodes_many(weir_db *db, weir_arena *a, const char *ids_json, lin_node_row **rows, size_t *n,
			      weir_error *err)
{
	*n = 0;
	*rows = WEIR_DB_ROWS(db, weir_db_query(db, SQL_NODES_MANY, err, WEIR_TEXT(ids_json)), a, lin_node_row,
			     NODE_FIELDS, node_kind, n, err);
	return *rows == NULL ? -1 : 0;
}

static const char SQL_LEAF_FACTS_MANY[] =
	"SELECT s.id, s.parent_id, s.type, s.owner_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?2)) OR EXISTS "
	"(SELECT 1 FROM grants g WHERE g.securable_id = s.id AND g.principal_id IN (SELECT CAST(value AS INTEGER) FROM "
	"json_each(?2))) "
	"FROM securables s WHERE s.id IN (SELECT value FROM json_each(?1))";

static const weir_db_field LEAF_FACTS_FIELDS[] = {
	WEIR_FIELD(lin_leaf_facts, securable_id), WEIR_FIELD(lin_leaf_facts, parent_id),
	WEIR_FIELD(lin_leaf_facts, type), WEIR_FIELD(lin_leaf_facts, personal)};

int weir_lin_store_leaf_facts_many(weir_db *db, weir_arena *a, const char *sids_json, const char *closure_json,
				   lin_leaf_facts **rows, size_t *n, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_LEAF_FACTS_MANY, err, WEIR_TEXT(sids_json),
				      WEIR_TEXT(closure_json ? closure_json : "[]"));
	*n = 0;
	*rows = WEIR_DB_ROWS(db, st, a, lin_leaf_facts, LEAF_FACTS_FIELDS, NULL, n, err);
	return *rows == NULL ? -1 : 0;
}

static const char SQL_SEC_TYPE[] = "SELECT type FROM securables WHERE id = ?1";

const char *weir_lin_store_sec_type(weir_db *db, weir_arena *a, const char *securable_id)
{
	return weir_db_query_text(db, a, SQL_SEC_TYPE, WEIR_TEXT(securable_id));
}

static const char SQL_TABLE_BY_LOCATION[] =
	"SELECT id FROM securables WHERE storage_location = ?1 AND type IN ('table', 'volume') LIMIT 1";

const char *weir_lin_store_table_by_location(weir_db *db, weir_arena *a, const char *url)
{
	return weir_db_query_text(db, a, SQL_TABLE_BY_LOCATION, WEIR_TEXT(url));
}

/* Descendants of a securable (itself included), for drops and renames of catalogs/schemas. */
#define SEC_TREE "WITH RECURSIVE d(id) AS (SELECT ?1 UNION SELECT s.id FROM securables s JOIN d ON s.parent_id = d.id) "

static const char SQL_MARK_DELETED[] = SEC_TREE "UPDATE lineage_nodes SET deleted_at = ?2 "
						"WHERE securable_id IN (SELECT id FROM d) AND deleted_at IS NULL";

int weir_lin_store_mark_deleted(weir_db *db, const char *securable_id, int64_t at_ms, weir_error *err)
{
	return weir_db_exec(db, SQL_MARK_DELETED, err, WEIR_TEXT(securable_id), WEIR_I64(at_ms));
}

/* The full name is recomputed from the (already renamed) parent chain; MODEL_VERSION nodes
 * keep their "/<version>" suffix. */
#define SEC_TREE_NAMES SEC_TREE ", " SEC_FULL_NAMES("SELECT id FROM d")
static const char SQL_MARK_RENAMED[] = SEC_TREE_NAMES
	"UPDATE lineage_nodes SET renamed_from = name, renamed_at = ?2, "
	"  name = (SELECT fullname FROM names WHERE names.id = lineage_nodes.securable_id) || "
	"         CASE WHEN kind = 'MODEL_VERSION' THEN substr(key, instr(key, '/')) ELSE '' END "
	"WHERE securable_id IN (SELECT id FROM d) AND deleted_at IS NULL";

int weir_lin_store_mark_renamed(weir_db *db, const char *securable_id, int64_t at_ms, weir_error *err)
{
	return weir_db_exec(db, SQL_MARK_RENAMED, err, WEIR_TEXT(securable_id), WEIR_I64(at_ms));
}

/* ------------------------------------------------------------------ producers, edges */

static const char SQL_PRODUCER[] =
	"INSERT INTO lineage_producers(entity_type, entity_id) VALUES (?1, ?2) "
	"ON CONFLICT(entity_type, entity_id) DO UPDATE SET entity_id = excluded.entity_id RETURNING id";
static const char SQL_PRODUCER_FIND[] = "SELECT id FROM lineage_producers WHERE entity_type = ?1 AND entity_id = ?2";

int weir_lin_store_producer(weir_db *db, const char *type, const char *id, int64_t *pid, weir_error *err)
{
	return one_id(db, weir_db_query(db, SQL_PRODUCER, err, WEIR_TEXT(type), WEIR_TEXT(id)), pid, false, err);
}

int weir_lin_store_producer_find(weir_db *db, const char *type, const char *id, int64_t *pid, weir_error *err)
{
	return one_id(db, weir_db_query(db, SQL_PRODUCER_FIND, err, WEIR_TEXT(type), WEIR_TEXT(id)), pid, true, err);
}

static const char SQL_EDGE_UPSERT[] =
	"INSERT INTO lineage_edges(dst, src, first_seen, last_seen, origins) VALUES (?1, ?2, ?3, ?3, ?4) "
	"ON CONFLICT(dst, src) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen), "
	"  last_seen = max(last_seen, excluded.last_seen), deleted_at = NULL, origins = origins | excluded.origins";

static int origin_bit(const char *origin)
{
	return strcmp(origin, "MANUAL") == 0        ? LIN_ORIGIN_MANUAL
	       : strcmp(origin, "OPENLINEAGE") == 0 ? LIN_ORIGIN_OPENLINEAGE
						    : LIN_ORIGIN_CAPTURED;
}
static const char SQL_EDGE_OBS_UPSERT[] =
	"INSERT INTO lineage_edge_obs(producer_id, dst, src, origin, created_by, first_seen, last_seen) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) "
	"ON CONFLICT(producer_id, dst, src, origin) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen), "
	"  last_seen = max(last_seen, excluded.last_seen), deleted_at = NULL";

int weir_lin_store_edge(weir_db *db, int64_t src, int64_t dst, int64_t pid, const char *origin, const char *created_by,
			int64_t at_ms, weir_error *err)
{
	if (weir_db_exec(db, SQL_EDGE_UPSERT, err, WEIR_I64(dst), WEIR_I64(src), WEIR_I64(at_ms),
			 WEIR_I64(origin_bit(origin))) != 0)
		return -1;
	return weir_db_exec(db, SQL_EDGE_OBS_UPSERT, err, WEIR_I64(pid), WEIR_I64(dst), WEIR_I64(src),
			    WEIR_TEXT(origin), WEIR_TEXT(created_by), WEIR_I64(at_ms));
}

static const char SQL_COLUMN[] = "INSERT INTO lineage_columns(node_id, name) VALUES (?1, ?2) "
				 "ON CONFLICT(node_id, name) DO UPDATE SET name = excluded.name RETURNING id";
static const char SQL_COLUMN_FIND[] = "SELECT id FROM lineage_columns WHERE node_id = ?1 AND name = ?2";

int weir_lin_store_column(weir_db *db, int64_t node, const char *name, int64_t *cid, weir_error *err)
{
	int rc = weir_lin_store_column_find(db, node, name, cid, err);
	if (rc <= 0)
		return rc;
	return one_id(db, weir_db_query(db, SQL_COLUMN, err, WEIR_I64(node), WEIR_TEXT(name)), cid, false, err);
}

int weir_lin_store_column_find(weir_db *db, int64_t node, const char *name, int64_t *cid, weir_error *err)
{
	return one_id(db, weir_db_query(db, SQL_COLUMN_FIND, err, WEIR_I64(node), WEIR_TEXT(name)), cid, true, err);
}

static const char SQL_COL_EDGE_UPSERT[] =
	"INSERT INTO lineage_column_edges(dst, src, transformation, subtype, first_seen, last_seen) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?5) "
	"ON CONFLICT(dst, src, transformation, subtype) DO UPDATE SET first_seen = min(first_seen, "
	"excluded.first_seen), "
	"  last_seen = max(last_seen, excluded.last_seen), deleted_at = NULL";
static const char SQL_COL_EDGE_OBS_UPSERT[] =
	"INSERT INTO lineage_column_edge_obs(producer_id, dst, src, transformation, subtype, origin, created_by, "
	"  first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) "
	"ON CONFLICT(producer_id, dst, src, transformation, subtype, origin) DO UPDATE SET "
	"  first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen), "
	"  deleted_at = NULL";

int weir_lin_store_column_edge(weir_db *db, int64_t src_col, int64_t dst_col, const char *transformation,
			       const char *subtype, int64_t pid, const char *origin, const char *created_by,
			       int64_t at_ms, weir_error *err)
{
	if (weir_db_exec(db, SQL_COL_EDGE_UPSERT, err, WEIR_I64(dst_col), WEIR_I64(src_col), WEIR_TEXT(transformation),
			 WEIR_TEXT(subtype ? subtype : ""), WEIR_I64(at_ms)) != 0)
		return -1;
	return weir_db_exec(db, SQL_COL_EDGE_OBS_UPSERT, err, WEIR_I64(pid), WEIR_I64(dst_col), WEIR_I64(src_col),
			    WEIR_TEXT(transformation), WEIR_TEXT(subtype ? subtype : ""), WEIR_TEXT(origin),
			    WEIR_TEXT(created_by), WEIR_I64(at_ms));
}

static const char SQL_MANUAL_DEL_OBS[] =
	"UPDATE lineage_edge_obs SET deleted_at = ?3 WHERE dst = ?1 AND src = ?2 AND origin = 'MANUAL' "
	"AND deleted_at IS NULL";
static const char SQL_MANUAL_DEL_COL_OBS[] =
	"UPDATE lineage_column_edge_obs SET deleted_at = ?3 WHERE origin = 'MANUAL' AND deleted_at IS NULL "
	"AND dst IN (SELECT id FROM lineage_columns WHERE node_id = ?1) "
	"AND src IN (SELECT id FROM lineage_columns WHERE node_id = ?2)";
static const char SQL_MANUAL_DEL_EDGE[] =
	"UPDATE lineage_edges SET origins = coalesce((SELECT max(origin = 'CAPTURED') + 2 * max(origin = "
	"'OPENLINEAGE') "
	"  + 4 * max(origin = 'MANUAL') FROM lineage_edge_obs o WHERE o.dst = ?1 AND o.src = ?2 AND o.deleted_at IS "
	"NULL), 0), "
	"  deleted_at = CASE WHEN EXISTS (SELECT 1 FROM lineage_edge_obs o WHERE o.dst = ?1 AND o.src = ?2 "
	"    AND o.deleted_at IS NULL) THEN NULL ELSE ?3 END "
	"WHERE dst = ?1 AND src = ?2";
static const char SQL_MANUAL_DEL_COL_EDGE[] =
	"UPDATE lineage_column_edges SET deleted_at = ?3 WHERE deleted_at IS NULL "
	"AND dst IN (SELECT id FROM lineage_columns WHERE node_id = ?1) "
	"AND src IN (SELECT id FROM lineage_columns WHERE node_id = ?2) AND NOT EXISTS "
	"(SELECT 1 FROM lineage_column_edge_obs o WHERE o.dst = lineage_column_edges.dst "
	" AND o.src = lineage_column_edges.src AND o.transformation = lineage_column_edges.transformation "
	" AND o.subtype = lineage_column_edges.subtype AND o.deleted_at IS NULL)";

int weir_lin_store_manual_delete(weir_db *db, int64_t src, int64_t dst, int64_t at_ms, weir_error *err)
{
	const char *sqls[] = {SQL_MANUAL_DEL_OBS, SQL_MANUAL_DEL_COL_OBS, SQL_MANUAL_DEL_EDGE, SQL_MANUAL_DEL_COL_EDGE};
	for (int i = 0; i < 4; i++) {
		int64_t changed = weir_db_exec_count(db, sqls[i], err, WEIR_I64(dst), WEIR_I64(src), WEIR_I64(at_ms));
		if (changed < 0)
			return -1;
		if (i == 0 && changed == 0)
			return 1; /* no live manual edge: nothing else changes */
	}
	return 0;
}

static const char SQL_SP_BEGIN[] = "SAVEPOINT lineage_event";
static const char SQL_SP_RELEASE[] = "RELEASE lineage_event";
static const char SQL_SP_ROLLBACK[] = "ROLLBACK TO lineage_event";

int weir_lin_store_savepoint(weir_db *db, const char *op, weir_error *err)
{
	const char *sql = strcmp(op, "SAVEPOINT") == 0 ? SQL_SP_BEGIN
			  : strcmp(op, "RELEASE") == 0 ? SQL_SP_RELEASE
						       : SQL_SP_ROLLBACK;
	weir_stmt *st = weir_db_stmt(db, sql, err);
	if (st == NULL)
		return -1;
	return weir_db_step_done(db, st, err);
}

/* ------------------------------------------------------------------ OpenLineage */

static const char SQL_OL_EVENT[] =
	"INSERT INTO ol_events(received_at, event_time, event_kind, event_type, run_id, job_namespace, job_name, "
	"  producer, schema_url, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

int weir_lin_store_ol_event(weir_db *db, int64_t received, int64_t event_time, const char *kind, const char *type,
			    const char *run_id, const char *job_ns, const char *job_name, const char *producer,
			    const char *schema_url, const char *body, weir_error *err)
{
	return weir_db_exec(db, SQL_OL_EVENT, err, WEIR_I64(received), WEIR_I64(event_time), WEIR_TEXT(kind),
			    WEIR_TEXT(type), WEIR_TEXT(run_id), WEIR_TEXT(job_ns), WEIR_TEXT(job_name),
			    WEIR_TEXT(producer), WEIR_TEXT(schema_url), WEIR_TEXT(body));
}

static const char SQL_OL_JOB[] =
	"INSERT INTO ol_jobs(node_id, namespace, name, facets, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5) "
	"ON CONFLICT(node_id) DO UPDATE SET facets = excluded.facets, updated_at = max(updated_at, "
	"excluded.updated_at)";
static const char SQL_OL_JOB_FACETS[] = "SELECT facets FROM ol_jobs WHERE node_id = ?1";

int weir_lin_store_ol_job(weir_db *db, int64_t node_id, const char *ns, const char *name, const char *facets,
			  int64_t at_ms, weir_error *err)
{
	return weir_db_exec(db, SQL_OL_JOB, err, WEIR_I64(node_id), WEIR_TEXT(ns), WEIR_TEXT(name),
			    WEIR_TEXT(facets ? facets : "{}"), WEIR_I64(at_ms));
}

const char *weir_lin_store_ol_job_facets(weir_db *db, weir_arena *a, int64_t node_id)
{
	return weir_db_query_text(db, a, SQL_OL_JOB_FACETS, WEIR_I64(node_id));
}

static const char SQL_OL_RUN_GET[] =
	"SELECT run_id, node_id, job_node_id, state, start_time, end_time, parent_run_id, parent_job_namespace, "
	"parent_job_name, facets, inputs, outputs FROM ol_runs WHERE run_id = ?1";
static const char SQL_OL_RUN_PUT[] =
	"INSERT INTO ol_runs(run_id, node_id, job_node_id, state, start_time, end_time, parent_run_id, "
	"  parent_job_namespace, parent_job_name, facets, inputs, outputs, created_at, updated_at) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?12, ?13, ?11, ?11) "
	"ON CONFLICT(run_id) DO UPDATE SET state = excluded.state, start_time = excluded.start_time, "
	"  end_time = excluded.end_time, parent_run_id = excluded.parent_run_id, "
	"  parent_job_namespace = excluded.parent_job_namespace, parent_job_name = excluded.parent_job_name, "
	"  facets = excluded.facets, inputs = excluded.inputs, outputs = excluded.outputs, "
	"  updated_at = excluded.updated_at";

static const weir_db_field OL_RUN_FIELDS[] = {
	WEIR_FIELD(lin_run_row, run_id),          WEIR_FIELD(lin_run_row, node_id),
	WEIR_FIELD(lin_run_row, job_node_id),     WEIR_FIELD(lin_run_row, state),
	WEIR_FIELD(lin_run_row, start_time),      WEIR_FIELD(lin_run_row, end_time),
	WEIR_FIELD(lin_run_row, parent_run_id),   WEIR_FIELD(lin_run_row, parent_job_namespace),
	WEIR_FIELD(lin_run_row, parent_job_name), WEIR_FIELD(lin_run_row, facets),
	WEIR_FIELD(lin_run_row, inputs),          WEIR_FIELD(lin_run_row, outputs)};

int weir_lin_store_ol_run_get(weir_db *db, weir_arena *a, const char *run_id, lin_run_row *o, weir_error *err)
{
	int found = WEIR_DB_ROW_ONE(db, weir_db_query(db, SQL_OL_RUN_GET, err, WEIR_TEXT(run_id)), a, o, OL_RUN_FIELDS,
				    err);
	return found < 0 ? -1 : !found;
}

int weir_lin_store_ol_run_put(weir_db *db, const lin_run_row *r, int64_t at_ms, weir_error *err)
{
	return weir_db_exec(db, SQL_OL_RUN_PUT, err, WEIR_TEXT(r->run_id), WEIR_I64(r->node_id),
			    WEIR_I64(r->job_node_id), WEIR_TEXT(r->state),
			    WEIR_I64_OR_NULL(r->start_time, r->start_time == 0),
			    WEIR_I64_OR_NULL(r->end_time, r->end_time == 0), WEIR_TEXT(r->parent_run_id),
			    WEIR_TEXT(r->parent_job_namespace), WEIR_TEXT(r->parent_job_name),
			    WEIR_TEXT(r->facets ? r->facets : "{}"), WEIR_I64(at_ms),
			    WEIR_TEXT(r->inputs ? r->inputs : "[]"), WEIR_TEXT(r->outputs ? r->outputs : "[]"));
}

/* ------------------------------------------------------------------ reads */

void weir_lin_vec_push(weir_arena *a, lin_vec *x, int64_t v)
{
	x->v = weir_arena_grow(a, x->v, x->n, &x->cap, sizeof(*x->v));
	x->v[x->n++] = v;
}

static lin_edge *edge_push(weir_arena *a, lin_edges *x)
{
	x->e = weir_arena_grow(a, x->e, x->n, &x->cap, sizeof(*x->e));
	lin_edge *e = &x->e[x->n++];
	memset(e, 0, sizeof(*e));
	return e;
}

/* One BFS step: the neighbours of ?1 over edges alive as of ?3 (NULL: now). */
#define EDGE_ALIVE                                                                                              \
	"(CASE WHEN ?3 IS NULL THEN e.deleted_at IS NULL ELSE e.first_seen <= ?3 AND (e.deleted_at IS NULL OR " \
	"e.deleted_at > ?3) END)"
static const char SQL_STEP_UP[] = "SELECT e.src, e.first_seen, e.last_seen, e.origins FROM lineage_edges e WHERE e.dst "
				  "= ?1 AND ?2 = 0 AND " EDGE_ALIVE;
static const char SQL_STEP_DOWN[] = "SELECT e.dst, e.first_seen, e.last_seen, e.origins FROM lineage_edges e WHERE "
				    "e.src = ?1 AND ?2 = 0 AND " EDGE_ALIVE;
#define OBS_BITS "max(e.origin = 'CAPTURED') + 2 * max(e.origin = 'OPENLINEAGE') + 4 * max(e.origin = 'MANUAL')"
static const char SQL_STEP_UP_RUN[] = "SELECT e.src, min(e.first_seen), max(e.last_seen), " OBS_BITS
				      " FROM lineage_edge_obs e "
				      "WHERE e.producer_id = ?2 AND e.dst = ?1 AND " EDGE_ALIVE " GROUP BY e.src";
static const char SQL_STEP_DOWN_RUN[] = "SELECT e.dst, min(e.first_seen), max(e.last_seen), " OBS_BITS
					" FROM lineage_edge_obs e "
					"WHERE e.producer_id = ?2 AND e.src = ?1 AND " EDGE_ALIVE " GROUP BY e.dst";
static const char SQL_NODE_ALIVE[] =
	"SELECT deleted_at IS NULL OR deleted_at > coalesce(?2, 9223372036854775807) FROM lineage_nodes WHERE id = ?1";

/* An open-addressing set of ids (any value but INT64_MAX: the stored key is id + 1, 0 empty). */
typedef struct idset {
	uint64_t *v;
	size_t cap, n;
} idset;

static bool idset_add(weir_arena *a, idset *s, int64_t id)
{
	uint64_t key = (uint64_t)id + 1;
	if ((s->n + 1) * 2 > s->cap) {
		idset o = *s;
		s->cap = o.cap ? o.cap * 2 : 256;
		s->v = weir_arena_calloc(a, s->cap * sizeof(uint64_t));
		s->n = 0;
		for (size_t i = 0; i < o.cap; i++)
			if (o.v[i])
				idset_add(a, s, (int64_t)(o.v[i] - 1));
	}
	size_t h = (size_t)(key * 0x9E3779B97F4A7C15ull) & (s->cap - 1);
	while (s->v[h]) {
		if (s->v[h] == key)
			return false;
		h = (h + 1) & (s->cap - 1);
	}
	s->v[h] = key;
	s->n++;
	return true;
}

static bool node_alive(weir_db *db, int64_t id, int64_t as_of)
{
	int64_t alive;
	return weir_db_query_i64(db, SQL_NODE_ALIVE, &alive, NULL, WEIR_I64(id), WEIR_I64_OR_NULL(as_of, as_of == 0)) ==
		       1 &&
	       alive != 0;
}

/* The starts are all at depth 0 (a dataset's columns walked together); each is reported even
 * when there are more of them than max_nodes. */
static int bfs(weir_db *db, weir_arena *a, const char *step_sql, bool check_alive, const int64_t *starts,
	       size_t nstarts, bool up, int64_t depth, int64_t as_of, int64_t pid, int64_t max_nodes, int64_t max_edges,
	       lin_vec *nodes, lin_vec *depths, lin_edges *edges, bool *truncated, weir_error *err)
{
	idset seen = {0};
	size_t head = nodes->n;
	int64_t found = 0, nedges = 0;
	for (size_t i = 0; i < nstarts; i++)
		if (idset_add(a, &seen, starts[i])) {
			weir_lin_vec_push(a, nodes, starts[i]);
			weir_lin_vec_push(a, depths, 0);
			found++;
		}
	*truncated = false;
	for (size_t q = head; q < nodes->n && !*truncated; q++) {
		int64_t n = nodes->v[q], d = depths->v[q];
		if (d >= depth)
			break; /* BFS order: every later node is at least as deep */
		if (check_alive && d > 0 && !node_alive(db, n, as_of))
			continue; /* a dropped table is reported, never walked through */
		weir_stmt *st = weir_db_query(db, step_sql, err, WEIR_I64(n), WEIR_I64(pid),
					      WEIR_I64_OR_NULL(as_of, as_of == 0));
		if (st == NULL)
			return -1;
		int rc;
		while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
			int64_t m = weir_db_col_i64(st, 0);
			if (idset_add(a, &seen, m)) {
				if (found >= max_nodes) {
					*truncated = true;
					break;
				}
				found++;
				weir_lin_vec_push(a, nodes, m);
				weir_lin_vec_push(a, depths, d + 1);
			}
			if (nedges >= max_edges) {
				*truncated = true;
				break;
			}
			lin_edge *e = edge_push(a, edges);
			e->src = up ? m : n;
			e->dst = up ? n : m;
			e->first_seen = weir_db_col_i64(st, 1);
			e->last_seen = weir_db_col_i64(st, 2);
			e->origins = weir_db_col_int(st, 3);
			nedges++;
		}
		weir_db_done(st);
		if (rc != WEIR_DB_ROW && rc != WEIR_DB_DONE)
			return weir_db_fail(db, rc, err);
	}
	return 0;
}

int weir_lin_store_bfs(weir_db *db, weir_arena *a, int64_t start, bool up, int64_t depth, int64_t as_of, int64_t pid,
		       int64_t max_nodes, int64_t max_edges, lin_vec *nodes, lin_vec *depths, lin_edges *edges,
		       bool *truncated, weir_error *err)
{
	const char *sql = pid ? (up ? SQL_STEP_UP_RUN : SQL_STEP_DOWN_RUN) : (up ? SQL_STEP_UP : SQL_STEP_DOWN);
	return bfs(db, a, sql, true, &start, 1, up, depth, as_of, pid, max_nodes, max_edges, nodes, depths, edges,
		   truncated, err);
}

/* Column edges: one row per (dst, src) pair, its first transformation (DIRECT before INDIRECT). */
static const char SQL_COL_STEP_DOWN[] =
	"SELECT e.dst, min(e.first_seen), max(e.last_seen), 0 FROM lineage_column_edges e "
	"WHERE e.src = ?1 AND ?2 = 0 AND ?3 IS NULL AND e.deleted_at IS NULL GROUP BY e.dst";
static const char SQL_COL_STEP_UP[] =
	"SELECT e.src, min(e.first_seen), max(e.last_seen), 0 FROM lineage_column_edges e "
	"WHERE e.dst = ?1 AND ?2 = 0 AND ?3 IS NULL AND e.deleted_at IS NULL GROUP BY e.src";
static const char SQL_COL_KIND[] =
	"SELECT transformation, subtype FROM lineage_column_edges WHERE dst = ?1 AND src = ?2 AND deleted_at IS NULL "
	"ORDER BY transformation LIMIT 1";

int weir_lin_store_col_bfs(weir_db *db, weir_arena *a, const int64_t *starts, size_t nstarts, bool up, int64_t depth,
			   int64_t max_nodes, int64_t max_edges, lin_vec *cols, lin_vec *depths, lin_edges *edges,
			   bool *truncated, weir_error *err)
{
	size_t before = edges->n;
	if (bfs(db, a, up ? SQL_COL_STEP_UP : SQL_COL_STEP_DOWN, false, starts, nstarts, up, depth, 0, 0, max_nodes,
		max_edges, cols, depths, edges, truncated, err) != 0)
		return -1;
	for (size_t i = before; i < edges->n; i++) {
		weir_stmt *st = weir_db_query(db, SQL_COL_KIND, err, WEIR_I64(edges->e[i].dst),
					      WEIR_I64(edges->e[i].src));
		if (st == NULL)
			return -1;
		if (weir_db_step(st) == WEIR_DB_ROW) {
			edges->e[i].transformation = weir_db_col_dup(a, st, 0);
			edges->e[i].subtype = weir_db_col_dup(a, st, 1);
		}
		weir_db_done(st);
	}
	return 0;
}

static int edge_rows(weir_db *db, weir_arena *a, weir_stmt *st, lin_edges *out, bool col, weir_error *err)
{
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
		lin_edge *e = edge_push(a, out);
		e->src = weir_db_col_i64(st, 0);
		e->dst = weir_db_col_i64(st, 1);
		e->first_seen = weir_db_col_i64(st, 2);
		e->last_seen = weir_db_col_i64(st, 3);
		e->origins = weir_db_col_int(st, 4);
		if (col) {
			e->transformation = weir_db_col_dup(a, st, 5);
			e->subtype = weir_db_col_dup(a, st, 6);
		}
	}
	weir_db_done(st);
	return rc == WEIR_DB_DONE ? 0 : weir_db_fail(db, rc, err);
}

static const char SQL_NEIGH_UP[] = "SELECT e.src, e.dst, e.first_seen, e.last_seen, e.origins FROM lineage_edges e "
				   "WHERE e.dst = ?1 AND e.deleted_at IS NULL LIMIT ?2";
static const char SQL_NEIGH_DOWN[] = "SELECT e.src, e.dst, e.first_seen, e.last_seen, e.origins FROM lineage_edges e "
				     "WHERE e.src = ?1 AND e.deleted_at IS NULL LIMIT ?2";
static const char SQL_COL_NEIGH_UP[] =
	"SELECT e.src, e.dst, e.first_seen, e.last_seen, 0, e.transformation, e.subtype FROM lineage_column_edges e "
	"WHERE e.dst = ?1 AND e.deleted_at IS NULL LIMIT ?2";
static const char SQL_COL_NEIGH_DOWN[] =
	"SELECT e.src, e.dst, e.first_seen, e.last_seen, 0, e.transformation, e.subtype FROM lineage_column_edges e "
	"WHERE e.src = ?1 AND e.deleted_at IS NULL LIMIT ?2";

/* The live edges into (up) or out of a node, or of a column with `col`. */
static int neighbours(weir_db *db, weir_arena *a, int64_t id, bool col, bool up, int64_t limit, lin_edges *out,
		      weir_error *err)
{
	const char *sql = col ? (up ? SQL_COL_NEIGH_UP : SQL_COL_NEIGH_DOWN) : (up ? SQL_NEIGH_UP : SQL_NEIGH_DOWN);
	weir_stmt *st = weir_db_query(db, sql, err, WEIR_I64(id), WEIR_I64(limit));
	if (st == NULL)
		return -1;
	return edge_rows(db, a, st, out, col, err);
}

int weir_lin_store_neighbours(weir_db *db, weir_arena *a, int64_t node, bool up, int64_t limit, lin_edges *out,
			      weir_error *err)
{
	return neighbours(db, a, node, false, up, limit, out, err);
}

static int id_pairs(weir_db *db, weir_arena *a, weir_stmt *st, lin_vec *out, weir_error *err)
{
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
		weir_lin_vec_push(a, out, weir_db_col_i64(st, 0));
		weir_lin_vec_push(a, out, weir_db_col_i64(st, 1));
	}
	weir_db_done(st);
	return rc == WEIR_DB_DONE ? 0 : weir_db_fail(db, rc, err);
}

static const char SQL_PRODUCER_ENDPOINTS[] =
	"SELECT src, dst FROM lineage_edge_obs WHERE producer_id = ?1 AND deleted_at IS NULL LIMIT ?2";
static const char SQL_JOB_ENDPOINTS[] =
	"SELECT o.src, o.dst FROM ol_runs r JOIN lineage_producers p ON p.entity_type = 'openlineage_run' "
	"AND p.entity_id = r.run_id JOIN lineage_edge_obs o ON o.producer_id = p.id WHERE r.job_node_id = ?1 "
	"UNION SELECT o.src, o.dst FROM lineage_producers p JOIN lineage_edge_obs o ON o.producer_id = p.id "
	"WHERE p.entity_type = 'openlineage_job' AND p.entity_id = ?3 LIMIT ?2";

int weir_lin_store_producer_endpoints(weir_db *db, weir_arena *a, int64_t pid, int64_t limit, lin_vec *out,
				      weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_PRODUCER_ENDPOINTS, err, WEIR_I64(pid), WEIR_I64(limit));
	if (st == NULL)
		return -1;
	return id_pairs(db, a, st, out, err);
}

int weir_lin_store_job_endpoints(weir_db *db, weir_arena *a, int64_t job_node, const char *job_key, int64_t limit,
				 lin_vec *out, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_JOB_ENDPOINTS, err, WEIR_I64(job_node), WEIR_I64(limit),
				      WEIR_TEXT(job_key));
	if (st == NULL)
		return -1;
	return id_pairs(db, a, st, out, err);
}

static const char SQL_EDGE_PRODUCERS[] =
	"SELECT p.id, p.entity_type, p.entity_id, o.origin, o.first_seen, o.last_seen, "
	"  (SELECT r.job_node_id FROM ol_runs r WHERE p.entity_type = 'openlineage_run' AND r.run_id = p.entity_id) "
	"FROM lineage_edge_obs o JOIN lineage_producers p ON p.id = o.producer_id "
	"WHERE o.dst = ?1 AND o.src = ?2 AND o.deleted_at IS NULL ORDER BY o.last_seen DESC LIMIT 100";

static const weir_db_field PROD_FIELDS[] = {WEIR_FIELD(lin_prod, id),         WEIR_FIELD(lin_prod, entity_type),
					    WEIR_FIELD(lin_prod, entity_id),  WEIR_FIELD(lin_prod, origin),
					    WEIR_FIELD(lin_prod, first_seen), WEIR_FIELD(lin_prod, last_seen),
					    WEIR_FIELD(lin_prod, job_node)};

int weir_lin_store_edge_producers(weir_db *db, weir_arena *a, int64_t src, int64_t dst, lin_prod **out, size_t *n,
				  weir_error *err)
{
	/* grown as rows come (most edges have one producer; the SELECT answers 100 at most) */
	*n = 0;
	*out = WEIR_DB_ROWS(db, weir_db_query(db, SQL_EDGE_PRODUCERS, err, WEIR_I64(dst), WEIR_I64(src)), a, lin_prod,
			    PROD_FIELDS, NULL, n, err);
	return *out == NULL ? -1 : 0;
}

static const char SQL_COLS_MANY[] =
	"SELECT id, node_id, name FROM lineage_columns WHERE id IN (SELECT CAST(value AS INTEGER) FROM json_each(?1))";

int weir_lin_store_cols_many(weir_db *db, weir_arena *a, const char *ids_json, int64_t **cols, int64_t **nodes,
			     const char ***names, size_t *n, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_COLS_MANY, err, WEIR_TEXT(ids_json));
	if (st == NULL)
		return -1;
	lin_vec c = {0}, nd = {0};
	size_t cap = 0, k = 0;
	const char **nm = NULL;
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
		weir_lin_vec_push(a, &c, weir_db_col_i64(st, 0));
		weir_lin_vec_push(a, &nd, weir_db_col_i64(st, 1));
		nm = weir_arena_grow(a, nm, k, &cap, sizeof(*nm));
		nm[k++] = weir_db_col_dup(a, st, 2);
	}
	*cols = c.v;
	*nodes = nd.v;
	*names = nm;
	*n = k;
	return weir_db_end(db, st, rc, err);
}

static const char SQL_COL_INFO[] = "SELECT node_id, name FROM lineage_columns WHERE id = ?1";

int weir_lin_store_col_info(weir_db *db, weir_arena *a, int64_t col, int64_t *node, const char **name, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_COL_INFO, err, WEIR_I64(col));
	int found = weir_db_row_first(db, st, err);
	if (found <= 0)
		return found < 0 ? -1 : 1;
	*node = weir_db_col_i64(st, 0);
	*name = weir_db_col_dup(a, st, 1);
	weir_db_done(st);
	return 0;
}

int weir_lin_store_col_neighbours(weir_db *db, weir_arena *a, int64_t col, bool up, int64_t limit, lin_edges *out,
				  weir_error *err)
{
	return neighbours(db, a, col, true, up, limit, out, err);
}

static const char SQL_SEC_SUBTYPE[] = "SELECT subtype FROM securables WHERE id = ?1";

const char *weir_lin_store_sec_subtype(weir_db *db, weir_arena *a, const char *securable_id)
{
	return weir_db_query_text(db, a, SQL_SEC_SUBTYPE, WEIR_TEXT(securable_id));
}

static const char SQL_NODE_COLUMNS[] =
	"SELECT id FROM lineage_columns WHERE node_id = ?1 AND name <> '' ORDER BY name LIMIT ?2";

int weir_lin_store_node_columns(weir_db *db, weir_arena *a, int64_t node, int64_t limit, lin_vec *out, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_NODE_COLUMNS, err, WEIR_I64(node), WEIR_I64(limit));
	if (st == NULL)
		return -1;
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW)
		weir_lin_vec_push(a, out, weir_db_col_i64(st, 0));
	weir_db_done(st);
	return rc == WEIR_DB_DONE ? 0 : weir_db_fail(db, rc, err);
}

static const char SQL_TABLE_COL_TYPE[] = "SELECT coalesce(type_name, type_text) FROM table_columns "
					 "WHERE table_id = ?1 AND name = ?2 COLLATE NOCASE ORDER BY position LIMIT 1";

const char *weir_lin_store_table_col_type(weir_db *db, weir_arena *a, const char *securable_id, const char *column)
{
	return weir_db_query_text(db, a, SQL_TABLE_COL_TYPE, WEIR_TEXT(securable_id), WEIR_TEXT(column));
}

/* ---------------------------------------------------------------- system tables */

/* The columns of the two system lineage views, each named once: the names reported to the
 * reader and the SELECT lists are built from the same lists, so they cannot drift apart.
 * A column view has a source and a target column name besides a table view's columns. */
#define LIN_COLS_HEAD(X) X(account_id) X(metastore_id) X(workspace_id) X(entity_type) X(entity_id) X(entity_run_id)
#define LIN_COLS_SOURCE(X)        \
	X(source_table_full_name) \
	X(source_table_catalog) X(source_table_schema) X(source_table_name) X(source_path) X(source_type)
#define LIN_COLS_TARGET(X)        \
	X(target_table_full_name) \
	X(target_table_catalog) X(target_table_schema) X(target_table_name) X(target_path) X(target_type)
#define LIN_COLS_TAIL(X) X(created_by) X(event_time) X(event_date) /* then record_id, the last */
#define LIN_NAME(c) #c,
#define LIN_SELECT(c) #c ", "

static const char *const TABLE_LINEAGE_COLUMNS[] = {LIN_COLS_HEAD(LIN_NAME) LIN_COLS_SOURCE(LIN_NAME) LIN_COLS_TARGET(
	LIN_NAME) LIN_COLS_TAIL(LIN_NAME) "record_id"};
static const char *const COLUMN_LINEAGE_COLUMNS[] = {LIN_COLS_HEAD(LIN_NAME) LIN_COLS_SOURCE(LIN_NAME) LIN_NAME(
	source_column_name) LIN_COLS_TARGET(LIN_NAME) LIN_NAME(target_column_name) LIN_COLS_TAIL(LIN_NAME) "record_id"};

static const char SQL_SYSTEM_TABLE_LINEAGE[] = "SELECT " LIN_COLS_HEAD(LIN_SELECT) LIN_COLS_SOURCE(LIN_SELECT)
	LIN_COLS_TARGET(LIN_SELECT) LIN_COLS_TAIL(
		LIN_SELECT) "record_id FROM system_access_table_lineage ORDER BY event_time DESC LIMIT ?1";
static const char SQL_SYSTEM_COLUMN_LINEAGE[] = "SELECT " LIN_COLS_HEAD(LIN_SELECT) LIN_COLS_SOURCE(LIN_SELECT)
	LIN_SELECT(source_column_name) LIN_COLS_TARGET(LIN_SELECT) LIN_SELECT(target_column_name) LIN_COLS_TAIL(
		LIN_SELECT) "record_id FROM system_access_column_lineage ORDER BY event_time DESC LIMIT ?1";

const char *const *weir_lineage_system_columns(bool column, int *n)
{
	*n = column ? (int)(sizeof(COLUMN_LINEAGE_COLUMNS) / sizeof(COLUMN_LINEAGE_COLUMNS[0]))
		    : (int)(sizeof(TABLE_LINEAGE_COLUMNS) / sizeof(TABLE_LINEAGE_COLUMNS[0]));
	return column ? COLUMN_LINEAGE_COLUMNS : TABLE_LINEAGE_COLUMNS;
}

json_t *weir_lineage_system_rows(weir_db *db, bool column, int64_t limit, weir_error *err)
{
	int n;
	weir_lineage_system_columns(column, &n);
	weir_stmt *st = weir_db_query(db, column ? SQL_SYSTEM_COLUMN_LINEAGE : SQL_SYSTEM_TABLE_LINEAGE, err,
				      WEIR_I64(limit));
	if (st == NULL)
		return NULL;
	json_t *rows = json_array();
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
		json_t *row = json_array();
		for (int i = 0; i < n; i++)
			json_array_append_new(row, weir_db_col_type(st, i) == WEIR_DB_NULL
							   ? json_null()
							   : json_string(weir_db_col_text(st, i)));
		json_array_append_new(rows, row);
	}
	return weir_db_end_json(db, st, rc, rows, err);
}
