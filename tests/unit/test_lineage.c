/* Unit tests of lineage/: the producer interface, OpenLineage ingest (the reference
 * examples and a generated stream of runs), table and column edges, runs, drops and
 * renames, as-of and per-run traversals, cycles, bounds, column impact, and masking of
 * what the caller may not browse, on a real migrated database. */
#include "testutil.h"

#include "core/json.h"
#include "core/util.h"
#include "governance/grants.h"
#include "lineage/lineage.h"
#include "lineage/lineage_read.h"
#include "lineage/openlineage.h"

#define SPECS "/work/shared/reference/specs/"

typedef struct fx {
	test_env *t;
	weir_principal *admin;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	f->t = test_env_new();
	f->admin = test_admin(f->t);
	weir_lineage_start();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	test_env_free(f->t);
	free(f);
	return 0;
}

static int64_t count(fx *f, const char *sql)
{
	weir_stmt *st;
	assert_int_equal(weir_db_prepare(f->t->db, sql, &st), SQLITE_OK);
	assert_int_equal(weir_db_step(st), SQLITE_ROW);
	int64_t n = weir_db_col_i64(st, 0);
	weir_db_finalize(st);
	return n;
}

static void exec(fx *f, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(weir_db_handle(f->t->db), sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fprintf(stderr, "sql: %s\n", msg);
	assert_int_equal(rc, SQLITE_OK);
}

static void mk(fx *f, weir_sec_type t, const char *parent_full, const char *json)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable parent;
	if (t == WEIR_SEC_CATALOG)
		assert_int_equal(weir_gov_metastore_securable(f->t->db, f->t->a, &parent, &e), 0);
	else
		assert_int_equal(weir_gov_resolve(f->t->db, f->t->a, f->admin,
						  t == WEIR_SEC_SCHEMA ? WEIR_SEC_CATALOG : WEIR_SEC_SCHEMA,
						  parent_full, &parent, &e),
				 0);
	json_t *body = json_loads(json, 0, NULL);
	assert_non_null(body);
	assert_int_equal(weir_db_begin_write(f->t->db, &e), 0);
	json_t *info = weir_catalog_create(f->t->db, f->t->a, f->admin, t, &parent, body, &e);
	if (info == NULL)
		fprintf(stderr, "create failed: %s\n", e.message);
	assert_non_null(info);
	assert_int_equal(weir_db_commit(f->t->db, &e), 0);
	json_decref(info);
	json_decref(body);
}

static void mk_table(fx *f, const char *schema_full, const char *name)
{
	char cat[64], sch[64], json[512];
	assert_int_equal(sscanf(schema_full, "%63[^.].%63s", cat, sch), 2);
	snprintf(json, sizeof(json),
		 "{\"name\":\"%s\",\"catalog_name\":\"%s\",\"schema_name\":\"%s\",\"table_type\":\"MANAGED\","
		 "\"data_source_format\":\"DELTA\",\"columns\":[{\"name\":\"id\",\"type_name\":\"INT\",\"type_text\":"
		 "\"int\","
		 "\"position\":0}]}",
		 name, cat, sch);
	mk(f, WEIR_SEC_TABLE, schema_full, json);
}

static void world(fx *f)
{
	mk(f, WEIR_SEC_CATALOG, NULL, "{\"name\":\"c\"}");
	mk(f, WEIR_SEC_SCHEMA, "c", "{\"name\":\"s\",\"catalog_name\":\"c\"}");
}

static const char *sec_id(fx *f, const char *full)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	assert_int_equal(weir_gov_resolve(f->t->db, f->t->a, f->admin, WEIR_SEC_TABLE, full, &s, &e), 0);
	return s.id;
}

static weir_securable resolve(fx *f, const char *full)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	assert_int_equal(weir_gov_resolve(f->t->db, f->t->a, f->admin, WEIR_SEC_TABLE, full, &s, &e), 0);
	return s;
}

/* Ingests one event (JSON text) in its own transaction; returns 0 or -1 with e set. */
static int ingest(fx *f, const char *json, weir_error *e)
{
	json_error_t jerr;
	json_t *ev = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
	if (ev == NULL)
		fprintf(stderr, "bad test json: %s\n", jerr.text);
	assert_non_null(ev);
	assert_int_equal(weir_db_begin_write(f->t->db, e), 0);
	int rc = weir_openlineage_ingest(f->t->db, f->t->a, ev, "", weir_now_ms(), e);
	if (rc == 0)
		assert_int_equal(weir_db_commit(f->t->db, e), 0);
	else
		weir_db_rollback(f->t->db);
	json_decref(ev);
	return rc;
}

static const char *run_event(fx *f, const char *type, const char *run_id, const char *time, const char *job,
			     const char *inputs, const char *outputs)
{
	return weir_arena_printf(
		f->t->a,
		"{\"eventType\":\"%s\",\"eventTime\":\"%s\",\"run\":{\"runId\":\"%s\",\"facets\":{}},"
		"\"job\":{\"namespace\":\"etl\",\"name\":\"%s\",\"facets\":{\"sql\":{\"_producer\":\"x\","
		"\"_schemaURL\":\"y\",\"query\":\"INSERT INTO secret_target SELECT * FROM secret_source\"}}},"
		"\"inputs\":[%s],\"outputs\":[%s],\"producer\":\"https://github.com/weir/test\","
		"\"schemaURL\":\"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent\"}",
		type, time, run_id, job, inputs, outputs);
}

static json_t *graph(fx *f, const weir_principal *p, const char *node, weir_lineage_dir dir, int64_t depth,
		     int64_t as_of, const char *run, int64_t max_nodes, weir_error *e)
{
	weir_lineage_query q = {node, dir, depth, as_of, run, max_nodes, 0};
	if (weir_lineage_query_check(&q, e) != 0)
		return NULL;
	return weir_lineage_graph(f->t->db, f->t->a, p, &q, e);
}

static size_t nnodes(json_t *g) { return json_array_size(json_object_get(g, "nodes")); }
static size_t nedges(json_t *g) { return json_array_size(json_object_get(g, "edges")); }

static bool has_name(json_t *g, const char *name)
{
	size_t i;
	json_t *n;
	json_array_foreach (json_object_get(g, "nodes"), i, n) {
		const char *s = json_string_value(json_object_get(n, "name"));
		if (s && strcmp(s, name) == 0)
			return true;
	}
	return false;
}

static char *load_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	size_t got = fread(buf, 1, (size_t)n, fp);
	buf[got] = '\0';
	fclose(fp);
	return buf;
}

/* ---------------------------------------------------------------- tests */

/* Proves both OpenLineage columnLineage reference examples ingest as RunEvents: one table
 * edge per input/output pair, one column edge per inputField transformation (DIRECT and
 * INDIRECT with subtypes), the run and job stored, and the event kept verbatim. */
static void test_reference_examples(void **state)
{
	fx *f = *state;
	weir_error e = WEIR_ERROR_INIT;
	const char *files[] = {SPECS "ol_ColumnLineageDatasetFacet_example1.json",
			       SPECS "ol_ColumnLineageDatasetFacet_example2.json"};
	for (int i = 0; i < 2; i++) {
		char *text = load_file(files[i]);
		if (text == NULL) {
			skip();
			return;
		}
		json_t *facets = json_loads(text, 0, NULL);
		free(text);
		assert_non_null(facets);
		/* the output and inputs named by the example itself */
		json_t *cl = json_object_get(facets, "columnLineage");
		const char *k;
		json_t *v;
		json_t *inputs = json_array();
		json_object_foreach (json_object_get(cl, "fields"), k, v) {
			size_t j;
			json_t *in;
			json_array_foreach (json_object_get(v, "inputFields"), j, in) {
				json_t *ds = json_pack("{s:O, s:O}", "namespace", json_object_get(in, "namespace"),
						       "name", json_object_get(in, "name"));
				bool dup = false;
				size_t x;
				json_t *y;
				json_array_foreach (inputs, x, y)
					dup = dup || json_equal(y, ds);
				if (!dup)
					json_array_append(inputs, ds);
				json_decref(ds);
			}
		}
		json_t *ev = json_pack(
			"{s:s, s:s, s:{s:s}, s:{s:s, s:s}, s:O, s:[{s:s, s:s, s:O}], s:s, s:s}", "eventType",
			"COMPLETE", "eventTime", "2026-03-01T10:00:00.000Z", "run", "runId",
			i == 0 ? "0190c5f5-0000-7000-8000-000000000001" : "0190c5f5-0000-7000-8000-000000000002", "job",
			"namespace", "examples", "name", i == 0 ? "snowflake_job" : "spark_job", "inputs", inputs,
			"outputs", "namespace", "examples", "name", i == 0 ? "OUT1" : "OUT2", "facets", facets,
			"producer", "https://github.com/OpenLineage/OpenLineage", "schemaURL",
			"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent");
		char *s = json_dumps(ev, 0);
		assert_int_equal(ingest(f, s, &e), 0);
		free(s);
		json_decref(ev);
		json_decref(inputs);
		json_decref(facets);
	}
	/* example 1: CUSTOMERS, DISCOUNTS -> OUT1; 4 fields x 3 input fields, one transformation each */
	assert_int_equal(count(f, "SELECT count(*) FROM lineage_column_edges e JOIN lineage_columns d ON d.id = e.dst "
				  "JOIN lineage_nodes n ON n.id = d.node_id WHERE n.name = 'OUT1'"),
			 12);
	assert_int_equal(count(f,
			       "SELECT count(*) FROM lineage_column_edges e JOIN lineage_columns d ON d.id = e.dst "
			       "JOIN lineage_nodes n ON n.id = d.node_id WHERE n.name = 'OUT1' AND e.transformation = "
			       "'INDIRECT' AND e.subtype = 'JOIN'"),
			 8);
	assert_int_equal(count(f, "SELECT count(*) FROM lineage_edges e JOIN lineage_nodes n ON n.id = e.dst "
				  "WHERE n.name = 'OUT1'"),
			 2);
	assert_true(count(f, "SELECT count(*) FROM lineage_edges e JOIN lineage_nodes n ON n.id = e.dst "
			     "WHERE n.name = 'OUT2'") >= 1);
	assert_int_equal(count(f, "SELECT count(*) FROM ol_runs WHERE state = 'COMPLETE'"), 2);
	assert_int_equal(count(f, "SELECT count(*) FROM ol_events"), 2);
	assert_int_equal(count(f, "SELECT count(*) FROM ol_jobs"), 2);
	/* the unknown parts of the event are kept verbatim */
	assert_int_equal(count(f, "SELECT count(*) FROM ol_events WHERE json_extract(body, "
				  "'$.outputs[0].facets.columnLineage._producer') IS NOT NULL"),
			 2);
	/* the system view shape: Databricks columns, one row per observation */
	assert_int_equal(count(f, "SELECT count(*) FROM system_access_table_lineage WHERE source_type = 'PATH' "
				  "AND entity_type = 'JOB' AND entity_run_id IS NOT NULL"),
			 count(f, "SELECT count(*) FROM lineage_edge_obs"));
	assert_int_equal(count(f, "SELECT count(*) FROM system_access_column_lineage WHERE target_path LIKE '%OUT1'"),
			 12);
}

/* Proves invalid events are refused with the violated field named and change nothing. */
static void test_validation(void **state)
{
	fx *f = *state;
	weir_error e = WEIR_ERROR_INIT;
	const char *ok = run_event(f, "START", "3b452093-782c-4ef2-9c0c-aafe2aa6f34d", "2026-01-01T00:00:00Z", "j",
				   "{\"namespace\":\"n\",\"name\":\"a\"}", "{\"namespace\":\"n\",\"name\":\"b\"}");
	struct {
		const char *from, *to, *field;
	} cases[] = {
		{"\"eventTime\":\"2026-01-01T00:00:00Z\"", "\"eventTime\":\"yesterday\"", "eventTime"},
		{"\"eventTime\":\"2026-01-01T00:00:00Z\",", "", "eventTime"},
		{"\"producer\":\"https://github.com/weir/test\",", "", "producer"},
		{"\"schemaURL\":\"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent\"",
		 "\"schemaURL\":\"\"", "schemaURL"},
		{"3b452093-782c-4ef2-9c0c-aafe2aa6f34d", "not-a-uuid", "run.runId"},
		{"\"name\":\"j\"", "\"name\":7", "job.name"},
		{"\"namespace\":\"etl\",", "", "job.namespace"},
		{"\"eventType\":\"START\"", "\"eventType\":\"DONE\"", "eventType"},
		{"{\"namespace\":\"n\",\"name\":\"a\"}", "{\"namespace\":\"n\"}", "inputs[0].name"},
		{"\"outputs\":[", "\"dataset\":{\"namespace\":\"n\",\"name\":\"d\"},\"outputs\":[", "dataset"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *at = strstr(ok, cases[i].from);
		assert_non_null(at);
		const char *bad = weir_arena_printf(f->t->a, "%.*s%s%s", (int)(at - ok), ok, cases[i].to,
						    at + strlen(cases[i].from));
		weir_error_clear(&e);
		assert_int_equal(ingest(f, bad, &e), -1);
		assert_int_equal(e.status, 400);
		if (strcmp(e.field, cases[i].field) != 0)
			fprintf(stderr, "case %zu: field '%s' message '%s'\n", i, e.field, e.message);
		assert_string_equal(e.field, cases[i].field);
	}
	assert_int_equal(count(f, "SELECT count(*) FROM ol_events"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM lineage_nodes"), 0);
	/* RFC 3339 with an offset and fractions */
	int64_t ms;
	assert_int_equal(weir_openlineage_parse_time("2026-01-01T01:00:00.5+01:00", &ms), 0);
	assert_int_equal(ms, 1767225600500LL);
	assert_int_equal(ingest(f, ok, &e), 0);
	/* DatasetEvent and JobEvent */
	assert_int_equal(
		ingest(f,
		       "{\"eventTime\":\"2026-01-02T00:00:00Z\",\"producer\":\"https://x\",\"schemaURL\":"
		       "\"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent\",\"dataset\":"
		       "{\"namespace\":\"n\",\"name\":\"v\",\"facets\":{\"columnLineage\":{\"fields\":{\"x\":"
		       "{\"inputFields\":[{\"namespace\":\"n\",\"name\":\"a\",\"field\":\"x\"}]}}}}}}",
		       &e),
		0);
	assert_int_equal(
		ingest(f,
		       "{\"eventTime\":\"2026-01-02T00:00:00Z\",\"producer\":\"https://x\",\"schemaURL\":"
		       "\"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent\",\"job\":"
		       "{\"namespace\":\"etl\",\"name\":\"static\"},\"inputs\":[{\"namespace\":\"n\",\"name\":\"b\"}],"
		       "\"outputs\":[{\"namespace\":\"n\",\"name\":\"c\"}]}",
		       &e),
		0);
	assert_int_equal(count(f, "SELECT count(*) FROM ol_events"), 3);
	assert_int_equal(count(f, "SELECT count(*) FROM lineage_column_edges"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM lineage_edges"), 3); /* a->b, a->v, b->c */
}

/* Proves the producer interface records nodes, producers and per-producer observations
 * with first_seen/last_seen widening, and refuses malformed input. */
static void test_producer_interface(void **state)
{
	fx *f = *state;
	weir_error e = WEIR_ERROR_INIT;
	world(f);
	mk(f, WEIR_SEC_TABLE, "c.s",
	   "{\"name\":\"train\",\"catalog_name\":\"c\",\"schema_name\":\"s\",\"table_type\":"
	   "\"MANAGED\",\"data_source_format\":\"DELTA\",\"columns\":[]}");
	const char *tid = sec_id(f, "c.s.train");
	weir_lineage_node tbl = {WEIR_LIN_TABLE, tid, NULL};
	weir_lineage_node run = {WEIR_LIN_MLFLOW_RUN, "run-1", "my run"};
	weir_lineage_node mv = {WEIR_LIN_MODEL_VERSION, "model-id/3", "m/3"};
	weir_lineage_producer by = {WEIR_LIN_CAPTURED, "mlflow_run", "run-1"};
	assert_int_equal(weir_db_begin_write(f->t->db, &e), 0);
	assert_int_equal(weir_lineage_record_edge(f->t->db, &tbl, &run, &by, 2000, &e), 0);
	assert_int_equal(weir_lineage_record_edge(f->t->db, &run, &mv, &by, 3000, &e), 0);
	assert_int_equal(weir_lineage_record_edge(f->t->db, &tbl, &run, &by, 1000, &e), 0);
	assert_int_equal(weir_lineage_record_edge(f->t->db, &tbl, &run, &by, 5000, &e), 0);
	weir_lineage_node bad = {WEIR_LIN_TABLE, "", NULL};
	assert_int_equal(weir_lineage_record_edge(f->t->db, &bad, &run, &by, 1, &e), -1);
	weir_lineage_producer nobody = {WEIR_LIN_CAPTURED, "mlflow_run", NULL};
	assert_int_equal(weir_lineage_record_edge(f->t->db, &tbl, &run, &nobody, 1, &e), -1);
	assert_int_equal(weir_lineage_record_column_edge(f->t->db, &tbl, "id", &run, "x", "SIDEWAYS", NULL, &by, 1, &e),
			 -1);
	assert_int_equal(weir_db_commit(f->t->db, &e), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM lineage_edges"), 2);
	assert_int_equal(count(f, "SELECT min(first_seen) FROM lineage_edges"), 1000);
	assert_int_equal(count(f, "SELECT max(last_seen) FROM lineage_edge_obs"), 5000);
	assert_int_equal(count(f, "SELECT count(*) FROM lineage_nodes WHERE kind = 'TABLE' AND name = 'c.s.train' "
				  "AND securable_id IS NOT NULL"),
			 1);
	assert_int_equal(
		count(f,
		      "SELECT count(*) FROM lineage_nodes WHERE kind = 'MODEL_VERSION' AND securable_id = 'model-id'"),
		1);
	/* downstream of the table: run, then model version */
	json_t *g = graph(f, f->admin, "c.s.train", WEIR_LIN_DOWN, 5, 0, NULL, 0, &e);
	assert_non_null(g);
	assert_int_equal(nnodes(g), 3);
	assert_int_equal(nedges(g), 2);
	json_decref(g);
}

/* Proves a generated stream of runs over a chain builds one edge per hop with per-run
 * observations, that run states follow the run cycle (terminal states stick), and that
 * as-of and per-run traversals see only what existed then / what that run produced. */
static void test_run_stream(void **state)
{
	fx *f = *state;
	weir_error e = WEIR_ERROR_INIT;
	char rid[40];
	/* 20 hops t0 -> t1 -> ... -> t20, each produced at hour i by run i, re-run at hour 100 + i */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < 20; i++) {
			snprintf(rid, sizeof(rid), "00000000-0000-4000-8000-%012d", pass * 100 + i);
			const char *in = weir_arena_printf(f->t->a, "{\"namespace\":\"pg://h\",\"name\":\"t%d\"}", i);
			const char *out = weir_arena_printf(f->t->a, "{\"namespace\":\"pg://h\",\"name\":\"t%d\"}",
							    i + 1);
			const char *t0 = weir_arena_printf(f->t->a, "2026-01-%02dT%02d:00:00Z", 1 + pass * 4 + i / 24,
							   i % 24);
			const char *t1 = weir_arena_printf(f->t->a, "2026-01-%02dT%02d:30:00Z", 1 + pass * 4 + i / 24,
							   i % 24);
			assert_int_equal(ingest(f, run_event(f, "START", rid, t0, "step", in, ""), &e), 0);
			assert_int_equal(
				ingest(f, run_event(f, i % 5 == 4 ? "FAIL" : "COMPLETE", rid, t1, "step", in, out), &e),
				0);
			/* a late RUNNING does not reopen a finished run */
			assert_int_equal(ingest(f, run_event(f, "RUNNING", rid, t1, "step", "", ""), &e), 0);
		}
	assert_int_equal(count(f, "SELECT count(*) FROM ol_runs"), 40);
	assert_int_equal(count(f, "SELECT count(*) FROM ol_runs WHERE state = 'FAIL'"), 8);
	assert_int_equal(count(f, "SELECT count(*) FROM ol_runs WHERE state = 'COMPLETE' AND end_time > start_time"),
			 32);
	assert_int_equal(count(f,
			       "SELECT count(*) FROM lineage_edges e JOIN lineage_nodes a ON a.id = e.src "
			       "JOIN lineage_nodes b ON b.id = e.dst WHERE a.kind = 'DATASET' AND b.kind = 'DATASET'"),
			 20);
	assert_int_equal(count(f,
			       "SELECT count(*) FROM lineage_edge_obs o JOIN lineage_nodes a ON a.id = o.src "
			       "JOIN lineage_nodes b ON b.id = o.dst WHERE a.kind = 'DATASET' AND b.kind = 'DATASET'"),
			 40);
	/* cumulative: the whole chain upstream of t20 */
	json_t *g = graph(f, f->admin, "dataset:pg://h:t20", WEIR_LIN_UP, 50, 0, NULL, 0, &e);
	assert_non_null(g);
	assert_int_equal(nnodes(g), 21);
	json_decref(g);
	/* depth bound */
	g = graph(f, f->admin, "dataset:pg://h:t20", WEIR_LIN_UP, 5, 0, NULL, 0, &e);
	assert_int_equal(nnodes(g), 6);
	assert_int_equal(nedges(g), 5);
	json_decref(g);
	/* as of 2026-01-01T10:45Z: only hops 0..10 existed */
	int64_t t;
	assert_int_equal(weir_openlineage_parse_time("2026-01-01T10:45:00Z", &t), 0);
	g = graph(f, f->admin, "dataset:pg://h:t0", WEIR_LIN_DOWN, 50, t, NULL, 0, &e);
	assert_non_null(g);
	assert_int_equal(nnodes(g), 12);
	json_decref(g);
	/* one run: its single edge */
	g = graph(f, f->admin, "dataset:pg://h:t7", WEIR_LIN_BOTH, 50, 0, "00000000-0000-4000-8000-000000000107", 0,
		  &e);
	assert_non_null(g);
	assert_int_equal(nnodes(g), 2);
	assert_int_equal(nedges(g), 1);
	json_decref(g);
	/* an unknown run */
	assert_null(graph(f, f->admin, "dataset:pg://h:t7", WEIR_LIN_BOTH, 5, 0, "00000000-0000-4000-8000-999999999999",
			  0, &e));
	assert_int_equal(e.status, 404);
	/* Marquez shape: datasets and the job between them */
	weir_lineage_query q = {"dataset:pg://h:t3", WEIR_LIN_BOTH, 1, 0, NULL, 0, 0};
	assert_int_equal(weir_lineage_query_check(&q, &e), 0);
	json_t *mq = weir_lineage_marquez(f->t->db, f->t->a, f->admin, &q, &e);
	assert_non_null(mq);
	char *s = json_dumps(mq, 0);
	assert_non_null(strstr(s, "\"job:etl:step\""));
	assert_non_null(strstr(s, "\"dataset:pg://h:t2\""));
	assert_non_null(strstr(s, "\"type\": \"JOB\""));
	free(s);
	json_decref(mq);
}

/* Proves a cyclic graph terminates at any depth and reports each node once. */
static void test_cycles(void **state)
{
	fx *f = *state;
	weir_error e = WEIR_ERROR_INIT;
	weir_lineage_producer by = {WEIR_LIN_CAPTURED, "statement", "q1"};
	weir_lineage_node n[4] = {{WEIR_LIN_DATASET, "x\na", NULL},
				  {WEIR_LIN_DATASET, "x\nb", NULL},
				  {WEIR_LIN_DATASET, "x\nc", NULL},
				  {WEIR_LIN_DATASET, "x\nd", NULL}};
	assert_int_equal(weir_db_begin_write(f->t->db, &e), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(weir_lineage_record_edge(f->t->db, &n[i], &n[(i + 1) % 3], &by, 10, &e), 0);
	assert_int_equal(weir_lineage_record_edge(f->t->db, &n[2], &n[3], &by, 10, &e), 0);
	assert_int_equal(weir_lineage_record_edge(f->t->db, &n[3], &n[3], &by, 10, &e), 0); /* self loop */
	assert_int_equal(weir_db_commit(f->t->db, &e), 0);
	for (int dir = 1; dir <= 3; dir++) {
		json_t *g = graph(f, f->admin, "dataset:x:a", (weir_lineage_dir)dir, 100, 0, NULL, 0, &e);
		assert_non_null(g);
		size_t want = dir == WEIR_LIN_UP ? 3 : 4;
		assert_int_equal(nnodes(g), want);
		/* each id once */
		json_t *seen = json_object();
		size_t i;
		json_t *node;
		json_array_foreach (json_object_get(g, "nodes"), i, node) {
			const char *id = json_string_value(json_object_get(node, "id"));
			assert_null(json_object_get(seen, id));
			json_object_set_new(seen, id, json_true());
		}
		json_decref(seen);
		json_decref(g);
	}
	/* depth 0: the node alone; out of range depths refused */
	json_t *g = graph(f, f->admin, "dataset:x:a", WEIR_LIN_BOTH, 0, 0, NULL, 0, &e);
	assert_int_equal(nnodes(g), 1);
	assert_int_equal(nedges(g), 0);
	json_decref(g);
	assert_null(graph(f, f->admin, "dataset:x:a", WEIR_LIN_BOTH, -1, 0, NULL, 0, &e));
	assert_string_equal(e.field, "depth");
	assert_null(graph(f, f->admin, "dataset:x:a", WEIR_LIN_BOTH, WEIR_LIN_MAX_DEPTH + 1, 0, NULL, 0, &e));
	assert_int_equal(e.status, 400);
	assert_null(graph(f, f->admin, "dataset:x:nope", WEIR_LIN_BOTH, 1, 0, NULL, 0, &e));
	assert_int_equal(e.status, 404);
}

/* Proves node and edge caps cut the answer to the nearest nodes with truncated: true. */
static void test_truncation(void **state)
{
	fx *f = *state;
	weir_error e = WEIR_ERROR_INIT;
	weir_lineage_producer by = {WEIR_LIN_CAPTURED, "statement", "fan"};
	weir_lineage_node hub = {WEIR_LIN_DATASET, "x\nhub", NULL};
	assert_int_equal(weir_db_begin_write(f->t->db, &e), 0);
	for (int i = 0; i < 50; i++) {
		weir_lineage_node s = {WEIR_LIN_DATASET, weir_arena_printf(f->t->a, "x\ns%d", i), NULL};
		assert_int_equal(weir_lineage_record_edge(f->t->db, &s, &hub, &by, 1, &e), 0);
	}
	assert_int_equal(weir_db_commit(f->t->db, &e), 0);
	json_t *g = graph(f, f->admin, "dataset:x:hub", WEIR_LIN_UP, 3, 0, NULL, 10, &e);
	assert_non_null(g);
	assert_int_equal(nnodes(g), 10);
	assert_true(json_is_true(json_object_get(g, "truncated")));
	json_decref(g);
	g = graph(f, f->admin, "dataset:x:hub", WEIR_LIN_UP, 3, 0, NULL, 0, &e);
	assert_int_equal(nnodes(g), 51);
	assert_false(json_is_true(json_object_get(g, "truncated")));
	json_decref(g);
}

/* Proves a renamed table keeps its node and history under its new name, a dropped table
 * shows as deleted and is not traversed through, and a new table reusing the old name is a
 * new node that does not inherit the dropped table's edges. */
static void test_drop_and_rename(void **state)
{
	fx *f = *state;
	weir_error e = WEIR_ERROR_INIT;
	world(f);
	mk_table(f, "c.s", "a");
	mk_table(f, "c.s", "b");
	mk_table(f, "c.s", "z");
	const char *ev = run_event(f, "COMPLETE", "11111111-1111-4111-8111-111111111111", "2026-02-01T00:00:00Z", "j1",
				   "{\"namespace\":\"weir\",\"name\":\"c.s.a\"}",
				   "{\"namespace\":\"weir\",\"name\":\"c.s.b\"}");
	assert_int_equal(ingest(f, ev, &e), 0);
	ev = run_event(f, "COMPLETE", "22222222-2222-4222-8222-222222222222", "2026-02-02T00:00:00Z", "j2",
		       "{\"namespace\":\"unity-catalog\",\"name\":\"c.s.b\"}",
		       "{\"namespace\":\"weir\",\"name\":\"c.s.z\"}");
	assert_int_equal(ingest(f, ev, &e), 0);
	/* datasets in the Weir namespace became table nodes */
	assert_int_equal(count(f, "SELECT count(*) FROM lineage_nodes WHERE kind = 'TABLE'"), 3);
	assert_int_equal(count(f, "SELECT count(*) FROM lineage_nodes WHERE kind = 'DATASET'"), 0);
	/* tables cannot be renamed (UC); a schema rename renames every table node under it and
	 * keeps its history */
	weir_securable sch;
	assert_int_equal(weir_gov_resolve(f->t->db, f->t->a, f->admin, WEIR_SEC_SCHEMA, "c.s", &sch, &e), 0);
	json_t *body = json_pack("{s:s}", "new_name", "s2");
	assert_int_equal(weir_db_begin_write(f->t->db, &e), 0);
	json_t *info = weir_catalog_update(f->t->db, f->t->a, f->admin, &sch, body, &e);
	if (info == NULL)
		fprintf(stderr, "rename: %s\n", e.message);
	assert_non_null(info);
	assert_int_equal(weir_db_commit(f->t->db, &e), 0);
	json_decref(info);
	json_decref(body);
	assert_int_equal(count(f, "SELECT count(*) FROM lineage_nodes WHERE name LIKE 'c.s2.%'"), 3);
	json_t *g = graph(f, f->admin, "c.s2.z", WEIR_LIN_UP, 5, 0, NULL, 0, &e);
	assert_non_null(g);
	assert_int_equal(nnodes(g), 3);
	assert_true(has_name(g, "c.s2.b"));
	char *s = json_dumps(g, 0);
	assert_non_null(strstr(s, "\"renamed_from\": \"c.s.b\""));
	free(s);
	json_decref(g);
	/* drop b */
	weir_securable b2 = resolve(f, "c.s2.b");
	assert_int_equal(weir_db_begin_write(f->t->db, &e), 0);
	assert_int_equal(weir_catalog_delete(f->t->db, f->t->a, &b2, false, &e), 0);
	assert_int_equal(weir_db_commit(f->t->db, &e), 0);
	g = graph(f, f->admin, "c.s2.z", WEIR_LIN_UP, 5, 0, NULL, 0, &e);
	assert_non_null(g);
	assert_int_equal(nnodes(g), 2); /* z and the dropped b; a is not reached through it */
	s = json_dumps(g, 0);
	assert_non_null(strstr(s, "\"deleted\": true"));
	free(s);
	json_decref(g);
	/* as of before the drop the walk goes through */
	g = graph(f, f->admin, "c.s2.z", WEIR_LIN_UP, 5, weir_now_ms() - 1000, NULL, 0, &e);
	assert_int_equal(nnodes(g), 3);
	json_decref(g);
	/* a new table named b is unrelated */
	mk_table(f, "c.s2", "b");
	g = graph(f, f->admin, "c.s2.b", WEIR_LIN_BOTH, 5, 0, NULL, 0, &e);
	assert_non_null(g);
	assert_int_equal(nnodes(g), 1);
	json_decref(g);
}

/* Proves column impact follows column edges transitively to the depth asked, marks
 * dataset-wide dependencies, and that the Databricks column-lineage answer lists neighbours. */
static void test_column_impact(void **state)
{
	fx *f = *state;
	weir_error e = WEIR_ERROR_INIT;
	world(f);
	const char *names[] = {"t0", "t1", "t2", "t3", "t4"};
	for (int i = 0; i < 5; i++)
		mk_table(f, "c.s", names[i]);
	weir_lineage_producer by = {WEIR_LIN_CAPTURED, "statement", "etl"};
	assert_int_equal(weir_db_begin_write(f->t->db, &e), 0);
	for (int i = 0; i < 4; i++) {
		weir_lineage_node s = {WEIR_LIN_TABLE, sec_id(f, weir_arena_printf(f->t->a, "c.s.%s", names[i])), NULL};
		weir_lineage_node d = {WEIR_LIN_TABLE, sec_id(f, weir_arena_printf(f->t->a, "c.s.%s", names[i + 1])),
				       NULL};
		assert_int_equal(
			weir_lineage_record_column_edge(f->t->db, &s, "id", &d, "id", "DIRECT", "IDENTITY", &by, 5, &e),
			0);
		assert_int_equal(
			weir_lineage_record_column_edge(f->t->db, &s, "id", &d, "", "INDIRECT", "FILTER", &by, 5, &e),
			0);
	}
	assert_int_equal(weir_db_commit(f->t->db, &e), 0);
	weir_securable t0 = resolve(f, "c.s.t0");
	json_t *imp = weir_lineage_column_impact(f->t->db, f->t->a, f->admin, &t0, "id", 3, 0, &e);
	assert_non_null(imp);
	json_t *arr = json_object_get(imp, "impacted");
	size_t direct = 0, whole = 0, i;
	json_t *x;
	json_array_foreach (arr, i, x) {
		if (json_is_true(json_object_get(x, "whole_dataset")))
			whole++;
		else
			direct++;
		assert_true(json_integer_value(json_object_get(x, "depth")) <= 3);
	}
	assert_int_equal(direct, 3); /* t1.id, t2.id, t3.id */
	assert_int_equal(whole, 3);
	json_decref(imp);
	assert_null(weir_lineage_column_impact(f->t->db, f->t->a, f->admin, &t0, "id", -2, 0, &e));
	weir_securable t2 = resolve(f, "c.s.t2");
	json_t *cl = weir_lineage_column_lineage(f->t->db, f->t->a, f->admin, &t2, "id", &e);
	assert_non_null(cl);
	assert_int_equal(json_array_size(json_object_get(cl, "upstream_cols")), 1);
	assert_int_equal(json_array_size(json_object_get(cl, "downstream_cols")), 2);
	json_decref(cl);
	json_t *tl = weir_lineage_table_lineage(f->t->db, f->t->a, f->admin, &t2, true, &e);
	assert_non_null(tl);
	assert_int_equal(json_array_size(json_object_get(tl, "upstreams")), 1);
	json_t *up = json_array_get(json_object_get(tl, "upstreams"), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(up, "tableInfo"), "name")), "t1");
	assert_non_null(json_object_get(up, "queryInfos"));
	json_decref(tl);
}

/* Proves Marquez's column lineage walks the column graph with the shared traversal: a cycle
 * ends (each field once), the dataset form starts from every named field of the dataset at
 * once, whole-dataset dependencies (column '') are never field nodes, and a nodeId of
 * neither form is 400 naming nodeId. */
static void test_marquez_columns(void **state)
{
	fx *f = *state;
	weir_error e = WEIR_ERROR_INIT;
	weir_lineage_producer by = {WEIR_LIN_CAPTURED, "statement", "cols"};
	weir_lineage_node a = {WEIR_LIN_DATASET, "x\na", NULL}, b = {WEIR_LIN_DATASET, "x\nb", NULL},
			  c = {WEIR_LIN_DATASET, "x\nc", NULL};
	assert_int_equal(weir_db_begin_write(f->t->db, &e), 0);
	assert_int_equal(weir_lineage_record_column_edge(f->t->db, &a, "x", &b, "y", "DIRECT", "IDENTITY", &by, 1, &e),
			 0);
	assert_int_equal(
		weir_lineage_record_column_edge(f->t->db, &a, "w", &b, "y", "DIRECT", "AGGREGATION", &by, 1, &e), 0);
	assert_int_equal(weir_lineage_record_column_edge(f->t->db, &b, "y", &c, "z", "DIRECT", "IDENTITY", &by, 1, &e),
			 0);
	assert_int_equal(weir_lineage_record_column_edge(f->t->db, &c, "z", &a, "x", "DIRECT", "IDENTITY", &by, 1, &e),
			 0);
	assert_int_equal(weir_lineage_record_column_edge(f->t->db, &a, "w", &b, "", "INDIRECT", "FILTER", &by, 1, &e),
			 0);
	assert_int_equal(weir_db_commit(f->t->db, &e), 0);
	weir_lineage_query q = {.node = "datasetField:x:c:z", .dir = WEIR_LIN_UP, .depth = 100};
	assert_int_equal(weir_lineage_query_check(&q, &e), 0);
	json_t *g = weir_lineage_marquez_columns(f->t->db, f->t->a, f->admin, &q, &e);
	assert_non_null(g);
	json_t *arr = json_object_get(g, "graph");
	assert_int_equal(json_array_size(arr), 4); /* c.z, b.y, a.x, a.w: the cycle back to c.z ends */
	size_t in_edges = 0, i;
	json_t *n;
	json_array_foreach (arr, i, n) {
		assert_string_equal(json_string_value(json_object_get(n, "type")), "DATASET_FIELD");
		in_edges += json_array_size(json_object_get(n, "inEdges"));
	}
	assert_int_equal(in_edges, 4); /* a.x->b.y, a.w->b.y, b.y->c.z, c.z->a.x */
	json_t *root = json_array_get(arr, 0);
	assert_string_equal(json_string_value(json_object_get(root, "id")), "datasetField:x:c:z");
	json_decref(g);

	/* every named field of b, both ways: b.y, a.x, a.w (up), c.z (down); b's '' is no node */
	q = (weir_lineage_query){.node = "dataset:x:b", .dir = WEIR_LIN_BOTH, .depth = 1};
	assert_int_equal(weir_lineage_query_check(&q, &e), 0);
	g = weir_lineage_marquez_columns(f->t->db, f->t->a, f->admin, &q, &e);
	assert_non_null(g);
	arr = json_object_get(g, "graph");
	assert_int_equal(json_array_size(arr), 4);
	json_array_foreach (arr, i, n) {
		const char *id = json_string_value(json_object_get(n, "id"));
		assert_true(id[strlen(id) - 1] != ':');
	}
	json_decref(g);
	/* downstream from a.w: b.y and c.z, never b's whole-dataset column */
	q = (weir_lineage_query){.node = "datasetField:x:a:w", .dir = WEIR_LIN_BOTH, .depth = 2};
	assert_int_equal(weir_lineage_query_check(&q, &e), 0);
	g = weir_lineage_marquez_columns(f->t->db, f->t->a, f->admin, &q, &e);
	assert_non_null(g);
	assert_int_equal(json_array_size(json_object_get(g, "graph")), 3);
	json_decref(g);

	const char *bad[] = {"job:x:a", "datasetField:x:c", "datasetField:x:c:", "dataset:x", "x.c.z", NULL};
	for (int k = 0; bad[k]; k++) {
		q = (weir_lineage_query){.node = bad[k], .dir = WEIR_LIN_UP, .depth = 1};
		assert_int_equal(weir_lineage_query_check(&q, &e), 0);
		weir_error_clear(&e);
		assert_null(weir_lineage_marquez_columns(f->t->db, f->t->a, f->admin, &q, &e));
		assert_int_equal(e.status, 400);
		assert_string_equal(e.field, "nodeId");
	}
	q = (weir_lineage_query){.node = "datasetField:x:c:nope", .dir = WEIR_LIN_UP, .depth = 1};
	assert_int_equal(weir_lineage_query_check(&q, &e), 0);
	assert_null(weir_lineage_marquez_columns(f->t->db, f->t->a, f->admin, &q, &e));
	assert_int_equal(e.status, 404);
}

/* Proves masking: a caller who may browse only the middle table sees the others as masked
 * nodes with stable opaque ids, and no name, SQL text or job name of what it may not browse
 * appears anywhere in any read; what it cannot browse is "not found" as a start node. */
static void test_masking(void **state)
{
	fx *f = *state;
	weir_error e = WEIR_ERROR_INIT;
	world(f);
	mk(f, WEIR_SEC_CATALOG, NULL, "{\"name\":\"hidden\"}");
	mk(f, WEIR_SEC_SCHEMA, "hidden", "{\"name\":\"vault\",\"catalog_name\":\"hidden\"}");
	mk_table(f, "hidden.vault", "secret_source");
	mk_table(f, "c.s", "middle");
	mk_table(f, "hidden.vault", "secret_target");
	const char *ev = run_event(
		f, "COMPLETE", "33333333-3333-4333-8333-333333333333", "2026-02-01T00:00:00Z", "classified_job",
		"{\"namespace\":\"weir\",\"name\":\"hidden.vault.secret_source\"}",
		"{\"namespace\":\"weir\",\"name\":\"c.s.middle\",\"facets\":{\"columnLineage\":{\"fields\":"
		"{\"id\":{\"inputFields\":[{\"namespace\":\"weir\",\"name\":\"hidden.vault.secret_source\","
		"\"field\":\"ssn_column\"}]}}}}}");
	assert_int_equal(ingest(f, ev, &e), 0);
	ev = run_event(f, "COMPLETE", "44444444-4444-4444-8444-444444444444", "2026-02-02T00:00:00Z", "classified_job",
		       "{\"namespace\":\"weir\",\"name\":\"c.s.middle\"}",
		       "{\"namespace\":\"weir\",\"name\":\"hidden.vault.secret_target\"}");
	assert_int_equal(ingest(f, ev, &e), 0);
	/* user bob: USE CATALOG c, USE SCHEMA c.s, SELECT c.s.middle; nothing in `hidden` */
	exec(f, "INSERT INTO principals (kind, name, created_at, updated_at) VALUES ('user', 'bob', 0, 0)");
	int64_t bob_id = weir_db_last_insert_id(f->t->db);
	weir_securable cat, sch, mid = resolve(f, "c.s.middle");
	assert_int_equal(weir_gov_resolve(f->t->db, f->t->a, f->admin, WEIR_SEC_CATALOG, "c", &cat, &e), 0);
	assert_int_equal(weir_gov_resolve(f->t->db, f->t->a, f->admin, WEIR_SEC_SCHEMA, "c.s", &sch, &e), 0);
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO grants VALUES ('%s', %lld, 'USE_CATALOG'), ('%s', %lld, 'USE_SCHEMA'), ('%s', %lld, "
		 "'SELECT')",
		 cat.id, (long long)bob_id, sch.id, (long long)bob_id, mid.id, (long long)bob_id);
	exec(f, sql);
	/* a token for bob, as the HTTP layer would authenticate him */
	char *tok = NULL;
	weir_token_info ti;
	assert_int_equal(weir_db_begin_write(f->t->db, &e), 0);
	assert_int_equal(
		weir_gov_token_create(f->t->db, f->t->a, bob_id, WEIR_DEFAULT_WORKSPACE_ID, 0, "t", &tok, &ti, &e), 0);
	assert_int_equal(weir_db_commit(f->t->db, &e), 0);
	weir_principal *bob = weir_gov_token_authenticate(f->t->db, f->t->a, tok, &e);
	assert_non_null(bob);
	assert_false(bob->is_admin);

	const char *forbidden[] = {"secret_source",  "secret_target", "hidden",     "vault",
				   "classified_job", "INSERT INTO",   "ssn_column", NULL};
	json_t *answers[8];
	int na = 0;
	json_t *g = graph(f, bob, "c.s.middle", WEIR_LIN_BOTH, 5, 0, NULL, 0, &e);
	assert_non_null(g);
	assert_int_equal(nnodes(g), 3);
	assert_int_equal(json_integer_value(json_object_get(g, "masked_nodes")), 2);
	assert_true(has_name(g, "c.s.middle"));
	answers[na++] = g;
	json_t *g2 = graph(f, bob, "c.s.middle", WEIR_LIN_BOTH, 5, 0, NULL, 0, &e);
	/* masked ids are stable */
	char *s1 = json_dumps(json_object_get(g, "nodes"), JSON_SORT_KEYS),
	     *s2 = json_dumps(json_object_get(g2, "nodes"), JSON_SORT_KEYS);
	assert_string_equal(s1, s2);
	assert_non_null(strstr(s1, "masked:"));
	free(s1);
	free(s2);
	json_decref(g2);
	weir_lineage_query q = {"c.s.middle", WEIR_LIN_BOTH, 5, 0, NULL, 0, 0};
	assert_int_equal(weir_lineage_query_check(&q, &e), 0);
	answers[na++] = weir_lineage_marquez(f->t->db, f->t->a, bob, &q, &e);
	answers[na++] = weir_lineage_table_lineage(f->t->db, f->t->a, bob, &mid, true, &e);
	answers[na++] = weir_lineage_column_lineage(f->t->db, f->t->a, bob, &mid, "id", &e);
	answers[na++] = weir_lineage_column_impact(f->t->db, f->t->a, bob, &mid, "id", 3, 0, &e);
	for (int i = 0; i < na; i++) {
		assert_non_null(answers[i]);
		char *s = json_dumps(answers[i], 0);
		for (int k = 0; forbidden[k]; k++)
			if (strstr(s, forbidden[k])) {
				fprintf(stderr, "answer %d leaks '%s': %s\n", i, forbidden[k], s);
				fail();
			}
		free(s);
		json_decref(answers[i]);
	}
	/* the job is masked for bob but shown to the admin (with its name) */
	g = graph(f, f->admin, "c.s.middle", WEIR_LIN_BOTH, 5, 0, NULL, 0, &e);
	assert_true(has_name(g, "hidden.vault.secret_source"));
	assert_int_equal(json_integer_value(json_object_get(g, "masked_nodes")), 0);
	json_decref(g);
	json_t *tl = weir_lineage_table_lineage(f->t->db, f->t->a, f->admin, &mid, true, &e);
	char *s = json_dumps(tl, 0);
	assert_non_null(strstr(s, "classified_job"));
	free(s);
	json_decref(tl);
	/* unbrowsable start nodes do not exist for bob, whichever way they are named */
	const char *refs[] = {"hidden.vault.secret_source",
			      "table:hidden.vault.secret_source",
			      "dataset:weir:hidden.vault.secret_source",
			      "job:etl:classified_job",
			      "run:33333333-3333-4333-8333-333333333333",
			      NULL};
	for (int i = 0; refs[i]; i++) {
		weir_error_clear(&e);
		assert_null(graph(f, bob, refs[i], WEIR_LIN_BOTH, 1, 0, NULL, 0, &e));
		assert_int_equal(e.status, 404);
	}
	/* siblings: a table next to middle without a grant of its own is masked (the shared
	 * visibility of plain siblings never borrows middle's direct grant) until bob gets
	 * SELECT on the schema */
	mk_table(f, "c.s", "sibling");
	weir_lineage_node sib = {WEIR_LIN_TABLE, sec_id(f, "c.s.sibling"), NULL}, mn = {WEIR_LIN_TABLE, mid.id, NULL};
	weir_lineage_node sib2 = {WEIR_LIN_TABLE, NULL, NULL};
	mk_table(f, "c.s", "sibling2");
	sib2.key = sec_id(f, "c.s.sibling2");
	weir_lineage_producer sby = {WEIR_LIN_CAPTURED, "statement", "s1"};
	assert_int_equal(weir_db_begin_write(f->t->db, &e), 0);
	assert_int_equal(weir_lineage_record_edge(f->t->db, &sib, &mn, &sby, 10, &e), 0);
	assert_int_equal(weir_lineage_record_edge(f->t->db, &sib2, &mn, &sby, 10, &e), 0);
	assert_int_equal(weir_db_commit(f->t->db, &e), 0);
	g = graph(f, bob, "c.s.middle", WEIR_LIN_UP, 1, 0, NULL, 0, &e);
	assert_non_null(g);
	assert_false(has_name(g, "c.s.sibling"));
	assert_false(has_name(g, "c.s.sibling2"));
	assert_int_equal(json_integer_value(json_object_get(g, "masked_nodes")), 3);
	json_decref(g);
	snprintf(sql, sizeof(sql), "INSERT INTO grants VALUES ('%s', %lld, 'SELECT')", sch.id, (long long)bob_id);
	exec(f, sql);
	g = graph(f, bob, "c.s.middle", WEIR_LIN_UP, 1, 0, NULL, 0, &e);
	assert_true(has_name(g, "c.s.sibling"));
	assert_true(has_name(g, "c.s.sibling2"));
	assert_int_equal(json_integer_value(json_object_get(g, "masked_nodes")), 1);
	json_decref(g);

	/* nor can bob filter on the hidden run */
	assert_null(graph(f, bob, "c.s.middle", WEIR_LIN_BOTH, 1, 0, "33333333-3333-4333-8333-333333333333", 0, &e));
	assert_int_equal(e.status, 404);
	/* manual edges: bob cannot write lineage into middle (no MODIFY): authz is the route's,
	 * the rule itself refuses */
	assert_false(weir_gov_allowed(f->t->db, bob, WEIR_OP_LINEAGE_WRITE, &mid));
}

/* Proves manual edges are recorded with origin MANUAL and the user as producer, coexist with
 * observed edges, and deleting them leaves the observed edge alive. */
static void test_manual_edges(void **state)
{
	fx *f = *state;
	weir_error e = WEIR_ERROR_INIT;
	world(f);
	mk_table(f, "c.s", "a");
	mk_table(f, "c.s", "b");
	weir_securable b = resolve(f, "c.s.b");
	json_t *cols = json_loads("[{\"source\":\"id\",\"target\":\"id\"}]", 0, NULL);
	assert_int_equal(weir_db_begin_write(f->t->db, &e), 0);
	json_t *out = weir_lineage_manual_add(f->t->db, f->t->a, f->admin, "c.s.a", &b, cols, &e);
	assert_non_null(out);
	assert_int_equal(weir_db_commit(f->t->db, &e), 0);
	json_decref(out);
	json_decref(cols);
	assert_int_equal(
		count(f, "SELECT count(*) FROM lineage_edge_obs WHERE origin = 'MANUAL' AND created_by = 'admin'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM lineage_column_edge_obs WHERE origin = 'MANUAL'"), 1);
	/* the same edge observed by a run */
	const char *ev = run_event(f, "COMPLETE", "55555555-5555-4555-8555-555555555555", "2026-02-01T00:00:00Z", "j",
				   "{\"namespace\":\"weir\",\"name\":\"c.s.a\"}",
				   "{\"namespace\":\"weir\",\"name\":\"c.s.b\"}");
	assert_int_equal(ingest(f, ev, &e), 0);
	assert_int_equal(weir_db_begin_write(f->t->db, &e), 0);
	assert_int_equal(weir_lineage_manual_delete(f->t->db, f->t->a, f->admin, "c.s.a", &b, &e), 0);
	assert_int_equal(weir_db_commit(f->t->db, &e), 0);
	json_t *g = graph(f, f->admin, "c.s.b", WEIR_LIN_UP, 1, 0, NULL, 0, &e);
	assert_int_equal(nedges(g), 1);
	json_decref(g);
	/* deleting again: nothing left to delete */
	assert_int_equal(weir_db_begin_write(f->t->db, &e), 0);
	assert_int_equal(weir_lineage_manual_delete(f->t->db, f->t->a, f->admin, "c.s.a", &b, &e), -1);
	assert_int_equal(e.status, 404);
	weir_db_rollback(f->t->db);
	/* a manual-only edge disappears once deleted (but stays visible as of before) */
	mk_table(f, "c.s", "m");
	weir_securable m = resolve(f, "c.s.m");
	assert_int_equal(weir_db_begin_write(f->t->db, &e), 0);
	assert_non_null(out = weir_lineage_manual_add(f->t->db, f->t->a, f->admin, "c.s.b", &m, NULL, &e));
	json_decref(out);
	assert_int_equal(weir_db_commit(f->t->db, &e), 0);
	int64_t between = weir_now_ms();
	exec(f, "UPDATE lineage_edges SET first_seen = first_seen - 10000; UPDATE lineage_edge_obs SET first_seen = "
		"first_seen - 10000");
	assert_int_equal(weir_db_begin_write(f->t->db, &e), 0);
	assert_int_equal(weir_lineage_manual_delete(f->t->db, f->t->a, f->admin, "c.s.b", &m, &e), 0);
	assert_int_equal(weir_db_commit(f->t->db, &e), 0);
	exec(f, "UPDATE lineage_edges SET deleted_at = deleted_at + 5000 WHERE deleted_at IS NOT NULL");
	g = graph(f, f->admin, "c.s.m", WEIR_LIN_UP, 1, 0, NULL, 0, &e);
	assert_int_equal(nedges(g), 0);
	json_decref(g);
	g = graph(f, f->admin, "c.s.m", WEIR_LIN_UP, 1, between, NULL, 0, &e);
	assert_int_equal(nedges(g), 1);
	json_decref(g);
}

/* Proves a dataset named by a table's storage location (OpenLineage `file` or `file://...`
 * namespaces) is linked to the table's node, like the Weir namespace is. */
static void test_storage_location_link(void **state)
{
	fx *f = *state;
	weir_error e = WEIR_ERROR_INIT;
	world(f);
	mk_table(f, "c.s", "located");
	const char *id = sec_id(f, "c.s.located");
	weir_stmt *st;
	assert_int_equal(weir_db_prepare(f->t->db, "SELECT storage_location FROM securables WHERE id = ?1", &st),
			 SQLITE_OK);
	weir_db_bind_text(st, 1, id);
	assert_int_equal(weir_db_step(st), SQLITE_ROW);
	const char *loc = weir_arena_strdup(f->t->a, weir_db_col_text(st, 0));
	weir_db_finalize(st);
	assert_true(strncmp(loc, "file://", 7) == 0);
	weir_lineage_node n;
	assert_int_equal(weir_lineage_dataset_node(f->t->db, f->t->a, "file", loc + 7, &n, &e), 0);
	assert_int_equal(n.kind, WEIR_LIN_TABLE);
	assert_string_equal(n.key, id);
	assert_string_equal(n.name, "c.s.located");
	/* trailing slash, and the same path in a non-storage namespace is just a dataset */
	assert_int_equal(weir_lineage_dataset_node(f->t->db, f->t->a, "file",
						   weir_arena_printf(f->t->a, "%s/", loc + 7), &n, &e),
			 0);
	assert_int_equal(n.kind, WEIR_LIN_TABLE);
	assert_int_equal(weir_lineage_dataset_node(f->t->db, f->t->a, "postgres://db", loc + 7, &n, &e), 0);
	assert_int_equal(n.kind, WEIR_LIN_DATASET);
	/* through an event */
	const char *ev = run_event(f, "COMPLETE", "66666666-6666-4666-8666-666666666666", "2026-02-01T00:00:00Z", "loc",
				   weir_arena_printf(f->t->a, "{\"namespace\":\"file\",\"name\":\"%s\"}", loc + 7),
				   "{\"namespace\":\"kafka://k\",\"name\":\"out\"}");
	assert_int_equal(ingest(f, ev, &e), 0);
	json_t *g = graph(f, f->admin, "c.s.located", WEIR_LIN_DOWN, 1, 0, NULL, 0, &e);
	assert_non_null(g);
	assert_int_equal(nnodes(g), 2);
	json_decref(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reference_examples, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_producer_interface, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cycles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_and_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_column_impact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_marquez_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_masking, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manual_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_storage_location_link, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
