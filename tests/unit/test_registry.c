/* Unit tests of the model registry (registry/registry.c, models.c, registry_store.c,
 * webhooks.c) on a real migrated database: name mapping, alias, stage, tag, version-number
 * and rename rules, page tokens, the search grammar, version numbering, forced deletes,
 * pending registrations, events, list visibility, lineage source, cascades, and the webhook
 * outbox's transactionality. */
#include "testutil.h"

#include <stdint.h>

#include "core/json.h"
#include "core/util.h"
#include "governance/identity.h"
#include "registry/registry.h"
#include "registry/registry_int.h"
#include "registry/webhooks.h"

static int64_t count(test_env *t, const char *sql)
{
	weir_stmt *st;
	assert_int_equal(weir_db_prepare(t->db, sql, &st), SQLITE_OK);
	assert_int_equal(weir_db_step(st), SQLITE_ROW);
	int64_t n = weir_db_col_i64(st, 0);
	weir_db_finalize(st);
	return n;
}

/* Creates main.default and model `name` in it; returns the model id (arena). */
static const char *mk_model(test_env *t, const weir_principal *p, const char *name)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable schema;
	const char *id = NULL;
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_registry_ensure_default(t->db, t->a, &e), 0);
	assert_int_equal(weir_gov_resolve(t->db, t->a, p, WEIR_SEC_SCHEMA, "main.default", &schema, &e), 0);
	assert_int_equal(weir_registry_model_create(t->db, t->a, p, &schema, name, NULL, &id, &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	return id;
}

static int64_t mk_version(test_env *t, const char *model_id, const char *run_id)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_registry_version_in in = {.source = "s3://b/m", .run_id = run_id};
	int64_t v = 0;
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_registry_version_create(t->db, t->a, model_id, &in, "admin", &v, &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	return v;
}

static void test_names(void **state)
{
	/* Flat MLflow names map to main.default.<n>, three-level names to themselves, and
	 * names UC cannot hold are refused naming the field. */
	(void)state;
	weir_arena *a = weir_arena_new(1024);
	weir_error e = WEIR_ERROR_INIT;
	assert_string_equal(weir_registry_full_name(a, "name", "fraud", &e), "main.default.fraud");
	assert_string_equal(weir_registry_full_name(a, "name", "c.s.m", &e), "c.s.m");
	assert_null(weir_registry_full_name(a, "name", "has space", &e));
	assert_int_equal(e.code, WEIR_E_INVALID_PARAMETER_VALUE);
	assert_string_equal(e.field, "name");
	assert_null(weir_registry_full_name(a, "new_name", "a.b", &e));
	assert_string_equal(e.field, "new_name");
	assert_null(weir_registry_full_name(a, "name", "", &e));
	assert_non_null(strstr(e.message, "Missing value"));
	assert_string_equal(weir_registry_mlflow_name(a, "main", "default", "x"), "x");
	assert_string_equal(weir_registry_mlflow_name(a, "c", "s", "x"), "c.s.x");
	weir_arena_free(a);
}

static void test_alias_and_stage_rules(void **state)
{
	/* Reserved aliases (latest in any case, v<digits>) and malformed ones are refused;
	 * stages are matched case-insensitively to their canonical spelling. */
	(void)state;
	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(weir_registry_alias_check("champion", &e), 0);
	assert_int_equal(weir_registry_alias_check("v1beta", &e), 0);
	assert_int_equal(weir_registry_alias_check("latest", &e), -1);
	assert_int_equal(weir_registry_alias_check("LaTeSt", &e), -1);
	assert_int_equal(weir_registry_alias_check("v12", &e), -1);
	assert_int_equal(weir_registry_alias_check("V3", &e), -1);
	assert_int_equal(weir_registry_alias_check("a b", &e), -1);
	assert_int_equal(weir_registry_alias_check("", &e), -1);
	assert_string_equal(weir_registry_stage_canonical("StAgInG"), "Staging");
	assert_string_equal(weir_registry_stage_canonical("none"), "None");
	assert_null(weir_registry_stage_canonical("Deleted_Internal"));
}

static void test_page_tokens(void **state)
{
	/* Tokens are base64 of {"offset": N} (MLflow's own form) and junk is a 400. */
	(void)state;
	weir_arena *a = weir_arena_new(1024);
	weir_error e = WEIR_ERROR_INIT;
	assert_string_equal(weir_registry_page_token(a, 100), "eyJvZmZzZXQiOiAxMDB9");
	assert_string_equal(weir_registry_page_token(a, 1), "eyJvZmZzZXQiOiAxfQ==");
	int64_t off = -1;
	assert_int_equal(weir_registry_page_offset(a, "eyJvZmZzZXQiOiAxMDB9", &off, &e), 0);
	assert_int_equal(off, 100);
	assert_int_equal(weir_registry_page_offset(a, "", &off, &e), 0);
	assert_int_equal(off, 0);
	assert_int_equal(weir_registry_page_offset(a, "%%%", &off, &e), -1);
	assert_non_null(strstr(e.message, "could not base64-decode"));
	assert_int_equal(weir_registry_page_offset(a, "eyJub3BlIjogMX0=", &off, &e), -1); /* {"nope": 1} */
	assert_int_equal(e.code, WEIR_E_INVALID_PARAMETER_VALUE);
	weir_arena_free(a);
}

static void test_versions_never_reused(void **state)
{
	/* Version numbers are max ever + 1: deleting the highest does not free its number, and
	 * a rolled-back create leaves neither a row nor a consumed number. */
	(void)state;
	test_env *t = test_env_new();
	weir_principal *p = test_admin(t);
	weir_error e = WEIR_ERROR_INIT;
	const char *m = mk_model(t, p, "num");
	assert_int_equal(mk_version(t, m, NULL), 1);
	assert_int_equal(mk_version(t, m, NULL), 2);
	assert_int_equal(mk_version(t, m, NULL), 3);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_registry_version_delete(t->db, m, 3, "admin", &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	weir_registry_version_in in = {.source = "s3://x"};
	int64_t v = 0;
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_registry_version_create(t->db, t->a, m, &in, "admin", &v, &e), 0);
	assert_int_equal(v, 4);
	weir_db_rollback(t->db);
	assert_int_equal(mk_version(t, m, NULL), 4);
	assert_int_equal(weir_registry_version_exists(t->db, m, "num", 3, &e), -1);
	assert_int_equal(e.code, WEIR_E_NOT_FOUND);
	assert_non_null(strstr(e.message, "Model Version (name=num, version=3) not found"));
	test_env_free(t);
}

static void test_version_source_and_json(void **state)
{
	/* A version records its source run and renders the MLflow shape: version as a string,
	 * READY, current_stage always present, run_id. */
	(void)state;
	test_env *t = test_env_new();
	weir_principal *p = test_admin(t);
	weir_error e = WEIR_ERROR_INIT;
	const char *m = mk_model(t, p, "src");
	int64_t v = mk_version(t, m, "0123456789abcdef");
	weir_error missing = WEIR_ERROR_INIT;
	assert_null(weir_registry_version_mlflow(t->db, t->a, m, 99, true, &missing));
	assert_int_equal(missing.code, WEIR_E_NOT_FOUND);
	json_t *j = weir_registry_version_mlflow(t->db, t->a, m, v, true, &e);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "run_id")), "0123456789abcdef");
	assert_string_equal(json_string_value(json_object_get(j, "version")), "1");
	assert_string_equal(json_string_value(json_object_get(j, "status")), "READY");
	assert_string_equal(json_string_value(json_object_get(j, "current_stage")), "None");
	assert_true(json_is_integer(json_object_get(j, "creation_timestamp")));
	assert_null(json_object_get(j, "aliases"));
	json_decref(j);
	test_env_free(t);
}

static void test_transition_archives(void **state)
{
	/* archive_existing_versions moves the other versions of the target stage to Archived. */
	(void)state;
	test_env *t = test_env_new();
	weir_principal *p = test_admin(t);
	weir_error e = WEIR_ERROR_INIT;
	const char *m = mk_model(t, p, "stg");
	mk_version(t, m, NULL);
	mk_version(t, m, NULL);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_registry_version_transition(t->db, m, 1, "Production", false, "admin", &e), 0);
	assert_int_equal(weir_registry_version_transition(t->db, m, 2, "Production", true, "admin", &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM model_versions WHERE stage = 'Archived' AND version = 1"), 1);
	const char *stages[] = {"production"};
	json_t *lv = weir_registry_latest_versions(t->db, t->a, m, stages, 1, &e);
	assert_int_equal(json_array_size(lv), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(lv, 0), "version")), "2");
	json_decref(lv);
	const char *bad[] = {"Bogus"};
	assert_null(weir_registry_latest_versions(t->db, t->a, m, bad, 1, &e));
	assert_int_equal(e.code, WEIR_E_INVALID_PARAMETER_VALUE);
	test_env_free(t);
}

static json_t *search(test_env *t, weir_principal *p, weir_registry_search_kind k, const char *filter, weir_error *e)
{
	weir_registry_search q = {.kind = k, .filter = filter, .max_results = INT64_MIN};
	return weir_registry_search_run(t->db, t->a, p, &q, e);
}

static size_t hits(json_t *j, const char *key)
{
	size_t n = json_array_size(json_object_get(j, key));
	json_decref(j);
	return n;
}

static void test_search_grammar(void **state)
{
	/* The filter grammar: case-sensitive LIKE, ILIKE, tags with backticks, IN on run_id
	 * dropping uppercase values, numeric version_number, and the grammar's 400s. */
	(void)state;
	test_env *t = test_env_new();
	weir_principal *p = test_admin(t);
	weir_error e = WEIR_ERROR_INIT;
	const char *m1 = mk_model(t, p, "Alpha");
	const char *m2 = mk_model(t, p, "beta");
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_registry_model_tag_set(t->db, m1, "team", "risk", &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	mk_version(t, m1, "run1");
	mk_version(t, m2, "run2");
	mk_version(t, m2, "run3");
	const char *models = "registered_models", *mvs = "model_versions";
	assert_int_equal(hits(search(t, p, WEIR_REG_SEARCH_MODELS, "name LIKE 'alp%'", &e), models), 0);
	assert_int_equal(hits(search(t, p, WEIR_REG_SEARCH_MODELS, "name ILIKE 'alp%'", &e), models), 1);
	assert_int_equal(hits(search(t, p, WEIR_REG_SEARCH_MODELS, "tags.`team` = 'risk'", &e), models), 1);
	assert_int_equal(hits(search(t, p, WEIR_REG_SEARCH_MODELS, "tag.team != 'x'", &e), models), 1);
	assert_int_equal(hits(search(t, p, WEIR_REG_SEARCH_MODELS, "name != 'beta' and name = 'Alpha'", &e), models),
			 1);
	assert_int_equal(hits(search(t, p, WEIR_REG_SEARCH_MODELS, "", &e), models), 2);
	assert_int_equal(hits(search(t, p, WEIR_REG_SEARCH_VERSIONS, "run_id IN ('run1', 'RUN2', \"run3\")", &e), mvs),
			 2);
	assert_int_equal(hits(search(t, p, WEIR_REG_SEARCH_VERSIONS, "name = 'beta' AND version_number > 1", &e), mvs),
			 1);
	static const char *const bad[] = {
		"name = 'a' OR name = 'b'",
		"name = a",
		"x.name = 'a'",
		"run_id = 'a'",
		"name IN ('a')",
		"name = 'a';",
		"name",
		"name LIKE",
		"tags.t IN ('a')",
		"name = 'a' AND",
		"name = 'unterminated",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		weir_error e2 = WEIR_ERROR_INIT;
		assert_null(search(t, p, WEIR_REG_SEARCH_MODELS, bad[i], &e2));
		assert_int_equal(e2.code, WEIR_E_INVALID_PARAMETER_VALUE);
		assert_string_equal(e2.field, "filter");
	}
	static const char *const badv[] = {"run_id IN ()", "run_id IN (1)", "run_id IN (,)", "version_number LIKE '1'",
					   "source_path < 'a'"};
	for (size_t i = 0; i < sizeof(badv) / sizeof(badv[0]); i++) {
		weir_error e2 = WEIR_ERROR_INIT;
		assert_null(search(t, p, WEIR_REG_SEARCH_VERSIONS, badv[i], &e2));
		assert_int_equal(e2.code, WEIR_E_INVALID_PARAMETER_VALUE);
	}
	/* order_by and max_results limits */
	const char *ob[] = {"creation_timestamp"};
	weir_registry_search q = {
		.kind = WEIR_REG_SEARCH_MODELS, .order_by = ob, .norder_by = 1, .max_results = INT64_MIN};
	assert_null(weir_registry_search_run(t->db, t->a, p, &q, &e));
	q.norder_by = 0;
	q.max_results = 1001;
	assert_null(weir_registry_search_run(t->db, t->a, p, &q, &e));
	q.max_results = 1;
	json_t *page = weir_registry_search_run(t->db, t->a, p, &q, &e);
	assert_string_equal(json_string_value(json_object_get(page, "next_page_token")), "eyJvZmZzZXQiOiAxfQ==");
	json_decref(page);
	test_env_free(t);
}

static void test_forced_delete_cascades(void **state)
{
	/* Deleting the schema securable removes models, versions, tags and aliases with it
	 * (foreign keys to securables ON DELETE CASCADE). */
	(void)state;
	test_env *t = test_env_new();
	weir_principal *p = test_admin(t);
	weir_error e = WEIR_ERROR_INIT;
	const char *m = mk_model(t, p, "casc");
	mk_version(t, m, NULL);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_registry_alias_set(t->db, t->a, m, "casc", "champ", 1, &e), 0);
	assert_int_equal(weir_registry_version_tag_set(t->db, t->a, m, 1, "k", "v", &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM registered_model_aliases"), 1);
	assert_int_equal(sqlite3_exec(weir_db_handle(t->db),
				      "DELETE FROM securables WHERE type = 'schema' AND name = 'default'", NULL, NULL,
				      NULL),
			 SQLITE_OK);
	assert_int_equal(count(t, "SELECT count(*) FROM securables WHERE type = 'registered_model'"), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM model_versions"), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM model_version_tags"), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM registered_model_aliases"), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM registered_models"), 0);
	test_env_free(t);
}

static void test_webhook_outbox_is_transactional(void **state)
{
	/* A delivery is queued in the event's transaction: a rolled-back event leaves none, a
	 * committed one leaves exactly one per subscribed ACTIVE webhook; the secret is never
	 * rendered. */
	(void)state;
	test_env *t = test_env_new();
	weir_principal *p = test_admin(t);
	weir_error e = WEIR_ERROR_INIT;
	json_error_t je;
	json_t *body = json_loads("{\"name\":\"h1\",\"url\":\"http://127.0.0.1:9/x\",\"secret\":\"topsecret\","
				  "\"events\":[{\"entity\":\"MODEL_VERSION\",\"action\":\"CREATED\"}]}",
				  0, &je);
	json_t *off = json_loads("{\"name\":\"h2\",\"url\":\"http://127.0.0.1:9/y\",\"status\":\"DISABLED\","
				 "\"events\":[{\"entity\":\"MODEL_VERSION\",\"action\":\"CREATED\"}]}",
				 0, &je);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	json_t *h = weir_webhook_create(t->db, t->a, body, &e);
	assert_non_null(h);
	char *text = json_dumps(h, 0);
	assert_null(strstr(text, "topsecret"));
	free(text);
	json_decref(h);
	json_decref(weir_webhook_create(t->db, t->a, off, &e));
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	const char *m = mk_model(t, p, "hooked");
	weir_registry_version_in in = {.source = "s3://x"};
	int64_t v;
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_registry_version_create(t->db, t->a, m, &in, "admin", &v, &e), 0);
	weir_db_rollback(t->db);
	assert_int_equal(count(t, "SELECT count(*) FROM webhook_deliveries"), 0);
	mk_version(t, m, NULL);
	assert_int_equal(count(t, "SELECT count(*) FROM webhook_deliveries WHERE status = 'PENDING'"), 1);
	/* invalid webhooks */
	json_t *bad = json_loads(
		"{\"name\":\"h3\",\"url\":\"http://10.0.0.1/x\",\"events\":[{\"entity\":\"MODEL_VERSION\","
		"\"action\":\"CREATED\"}]}",
		0, &je);
	assert_null(weir_webhook_create(t->db, t->a, bad, &e));
	assert_string_equal(e.field, "url");
	json_decref(bad);
	json_decref(body);
	json_decref(off);
	test_env_free(t);
}

static void test_tag_rules(void **state)
{
	/* Registry tag keys are 1..250 characters of letters, digits, _ - . space : / (or any
	 * non-ASCII byte), without '..' or a leading '/'; values are at most 100000 bytes; each
	 * refusal is a 400 naming its field, and the setters apply the same rules. */
	(void)state;
	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(weir_registry_tag_check("team", "risk", &e), 0);
	assert_int_equal(weir_registry_tag_check("a/b.c-d e:f_9", NULL, &e), 0);
	assert_int_equal(weir_registry_tag_check("\xc3\xa9t\xc3\xa9", "", &e), 0);
	char key[252];
	memset(key, 'k', 250);
	key[250] = '\0';
	assert_int_equal(weir_registry_tag_check(key, "v", &e), 0);
	key[250] = 'k';
	key[251] = '\0';
	static const char *const bad[] = {"", "/lead", "a..b", "semi;colon", "dollar$"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		weir_error e2 = WEIR_ERROR_INIT;
		assert_int_equal(weir_registry_tag_check(bad[i], "v", &e2), -1);
		assert_int_equal(e2.code, WEIR_E_INVALID_PARAMETER_VALUE);
		assert_string_equal(e2.field, "key");
	}
	weir_error e3 = WEIR_ERROR_INIT;
	assert_int_equal(weir_registry_tag_check(key, "v", &e3), -1);
	assert_string_equal(e3.field, "key");
	char *big = malloc(100002);
	memset(big, 'v', 100001);
	big[100001] = '\0';
	weir_error e4 = WEIR_ERROR_INIT;
	assert_int_equal(weir_registry_tag_check("k", big, &e4), -1);
	assert_string_equal(e4.field, "value");
	big[100000] = '\0';
	assert_int_equal(weir_registry_tag_check("k", big, &e), 0);
	free(big);

	test_env *t = test_env_new();
	weir_principal *p = test_admin(t);
	const char *m = mk_model(t, p, "tagged");
	mk_version(t, m, NULL);
	weir_error e5 = WEIR_ERROR_INIT;
	assert_int_equal(weir_db_begin_write(t->db, &e5), 0);
	assert_int_equal(weir_registry_model_tag_set(t->db, m, "a..b", "v", &e5), -1);
	assert_string_equal(e5.field, "key");
	assert_int_equal(weir_registry_version_tag_set(t->db, t->a, m, 1, "/x", "v", &e5), -1);
	assert_string_equal(e5.field, "key");
	weir_db_rollback(t->db);
	assert_int_equal(count(t, "SELECT count(*) FROM registered_model_tags"), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM model_version_tags"), 0);
	test_env_free(t);
}

static void test_version_numbers(void **state)
{
	/* MLflow's version argument is any integer in a string (400 naming version, quoting the
	 * input); UC's path segment must be a positive integer. */
	(void)state;
	weir_error e = WEIR_ERROR_INIT;
	int64_t v = 0;
	assert_int_equal(weir_registry_version_parse("12", &v, &e), 0);
	assert_int_equal(v, 12);
	static const char *const bad[] = {"", "1.5", "abc", " 1", "+1", "99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		weir_error e2 = WEIR_ERROR_INIT;
		assert_int_equal(weir_registry_version_parse(bad[i], &v, &e2), -1);
		assert_int_equal(e2.code, WEIR_E_INVALID_PARAMETER_VALUE);
		assert_string_equal(e2.field, "version");
		assert_non_null(strstr(e2.message, "must be an integer"));
	}
	assert_int_equal(weir_registry_version_parse_uc("3", &v, &e), 0);
	assert_int_equal(v, 3);
	static const char *const bad_uc[] = {"0", "-1", "x", ""};
	for (size_t i = 0; i < sizeof(bad_uc) / sizeof(bad_uc[0]); i++) {
		weir_error e2 = WEIR_ERROR_INIT;
		assert_int_equal(weir_registry_version_parse_uc(bad_uc[i], &v, &e2), -1);
		assert_string_equal(e2.field, "version");
		assert_non_null(strstr(e2.message, "positive integer"));
	}
	weir_error e3 = WEIR_ERROR_INIT;
	assert_int_equal(weir_registry_version_parse_uc(NULL, &v, &e3), -1);
}

static void test_stage_transition_rules(void **state)
{
	/* A transition names a stage in any case; archive_existing_versions is only allowed
	 * towards an active stage (Staging, Production); the transition itself refuses what the
	 * check refuses and changes nothing then. */
	(void)state;
	weir_error e = WEIR_ERROR_INIT;
	const char *canon = NULL;
	assert_int_equal(weir_registry_stage_check("production", true, &canon, &e), 0);
	assert_string_equal(canon, "Production");
	assert_int_equal(weir_registry_stage_check("STAGING", true, &canon, &e), 0);
	assert_string_equal(canon, "Staging");
	assert_int_equal(weir_registry_stage_check("archived", false, &canon, &e), 0);
	assert_string_equal(canon, "Archived");
	weir_error e2 = WEIR_ERROR_INIT;
	assert_int_equal(weir_registry_stage_check("Bogus", false, &canon, &e2), -1);
	assert_string_equal(e2.field, "stage");
	assert_non_null(strstr(e2.message, "Invalid Model Version stage: Bogus"));
	static const char *const passive[] = {"None", "archived"};
	for (size_t i = 0; i < 2; i++) {
		weir_error e3 = WEIR_ERROR_INIT;
		assert_int_equal(weir_registry_stage_check(passive[i], true, &canon, &e3), -1);
		assert_string_equal(e3.field, "archive_existing_versions");
		assert_non_null(strstr(e3.message, "is not an Active stage"));
	}

	test_env *t = test_env_new();
	weir_principal *p = test_admin(t);
	const char *m = mk_model(t, p, "stages");
	mk_version(t, m, NULL);
	mk_version(t, m, NULL);
	weir_error e4 = WEIR_ERROR_INIT;
	assert_int_equal(weir_db_begin_write(t->db, &e4), 0);
	assert_int_equal(weir_registry_version_transition(t->db, m, 1, "staging", false, "admin", &e4), 0);
	assert_int_equal(weir_registry_version_transition(t->db, m, 2, "Deleted", false, "admin", &e4), -1);
	assert_string_equal(e4.field, "stage");
	assert_int_equal(weir_registry_version_transition(t->db, m, 2, "Archived", true, "admin", &e4), -1);
	assert_string_equal(e4.field, "archive_existing_versions");
	assert_int_equal(weir_db_commit(t->db, &e4), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM model_versions WHERE stage = 'Staging' AND version = 1"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM model_versions WHERE stage = 'None' AND version = 2"), 1);
	test_env_free(t);
}

static void test_rename_rules(void **state)
{
	/* An MLflow rename maps new_name like any name and stays in the model's catalog and
	 * schema; a name another model of the schema has is RESOURCE_ALREADY_EXISTS; a model may
	 * be "renamed" to its own name. */
	(void)state;
	test_env *t = test_env_new();
	weir_principal *p = test_admin(t);
	weir_error e = WEIR_ERROR_INIT;
	const char *m = mk_model(t, p, "old");
	mk_model(t, p, "taken");
	weir_securable s;
	assert_int_equal(weir_gov_resolve(t->db, t->a, p, WEIR_SEC_MODEL, "main.default.old", &s, &e), 0);
	assert_string_equal(weir_registry_rename_leaf(t->a, &s, "new", &e), "new");
	assert_string_equal(weir_registry_rename_leaf(t->a, &s, "main.default.new", &e), "new");
	static const char *const bad[] = {"other.default.x", "main.other.x", "has space", "a.b", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		weir_error e2 = WEIR_ERROR_INIT;
		assert_null(weir_registry_rename_leaf(t->a, &s, bad[i], &e2));
		assert_int_equal(e2.code, WEIR_E_INVALID_PARAMETER_VALUE);
		assert_string_equal(e2.field, "new_name");
	}
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	weir_error e3 = WEIR_ERROR_INIT;
	assert_int_equal(weir_registry_model_rename(t->db, m, "taken", "admin", &e3), -1);
	assert_int_equal(e3.code, WEIR_E_ALREADY_EXISTS);
	assert_string_equal(e3.field, "new_name");
	assert_int_equal(weir_registry_model_rename(t->db, m, "old", "admin", &e), 0);
	assert_int_equal(weir_registry_model_rename(t->db, m, "fresh", "admin", &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM securables WHERE name = 'fresh' AND type = 'registered_model'"),
			 1);
	test_env_free(t);
}

static void test_delete_needs_force_with_versions(void **state)
{
	/* Without force, a model that has versions is refused (ABORTED naming it) and stays;
	 * with force, or without versions, it goes. */
	(void)state;
	test_env *t = test_env_new();
	weir_principal *p = test_admin(t);
	weir_error e = WEIR_ERROR_INIT;
	const char *m = mk_model(t, p, "kept");
	const char *empty = mk_model(t, p, "empty");
	mk_version(t, m, NULL);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	weir_error e2 = WEIR_ERROR_INIT;
	assert_int_equal(weir_registry_model_delete(t->db, m, "main.default.kept", false, &e2), -1);
	assert_int_equal(e2.code, WEIR_E_ABORTED);
	assert_non_null(strstr(e2.message, "main.default.kept"));
	assert_int_equal(weir_registry_model_delete(t->db, empty, "main.default.empty", false, &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM securables WHERE type = 'registered_model'"), 1);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_registry_model_delete(t->db, m, "main.default.kept", true, &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM securables WHERE type = 'registered_model'"), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM model_versions"), 0);
	test_env_free(t);
}

static void test_finalize_only_pending(void **state)
{
	/* A UC version starts PENDING_REGISTRATION with a storage location under the data
	 * directory and finalizes once to READY; finalizing a READY version is INVALID_ARGUMENT. */
	(void)state;
	test_env *t = test_env_new();
	weir_principal *p = test_admin(t);
	weir_error e = WEIR_ERROR_INIT;
	const char *m = mk_model(t, p, "pend");
	weir_registry_version_in in = {.source = "s3://b/p", .pending = true};
	int64_t v = 0;
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_registry_version_create(t->db, t->a, m, &in, "admin", &v, &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	json_t *j = weir_registry_version_uc(t->db, t->a, m, v, &e);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "PENDING_REGISTRATION");
	const char *loc = json_string_value(json_object_get(j, "storage_location"));
	assert_non_null(loc);
	assert_non_null(strstr(loc, t->dir));
	assert_string_equal(weir_registry_version_download_uri(t->db, t->a, m, v, &e), loc);
	json_decref(j);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_registry_version_finalize(t->db, t->a, m, v, "admin", &e), 0);
	weir_error e2 = WEIR_ERROR_INIT;
	assert_int_equal(weir_registry_version_finalize(t->db, t->a, m, v, "admin", &e2), -1);
	assert_int_equal(e2.code, WEIR_E_INVALID_ARGUMENT);
	weir_error e3 = WEIR_ERROR_INIT;
	assert_int_equal(weir_registry_version_finalize(t->db, t->a, m, 42, "admin", &e3), -1);
	assert_int_equal(e3.code, WEIR_E_INVALID_ARGUMENT);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM model_versions WHERE status = 'READY'"), 1);
	test_env_free(t);
}

static void test_alias_domain_rules(void **state)
{
	/* An alias is set only on an existing version (404 naming the model as the caller
	 * spelled it) and never to a reserved name; `latest` reads the highest version of any
	 * stage, or 404 when there is none; an unknown alias is a 400 naming alias. */
	(void)state;
	test_env *t = test_env_new();
	weir_principal *p = test_admin(t);
	weir_error e = WEIR_ERROR_INIT;
	const char *m = mk_model(t, p, "al");
	const char *none = mk_model(t, p, "nov");
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	weir_error e2 = WEIR_ERROR_INIT;
	assert_int_equal(weir_registry_alias_set(t->db, t->a, m, "al", "champ", 1, &e2), -1);
	assert_int_equal(e2.code, WEIR_E_NOT_FOUND);
	assert_non_null(strstr(e2.message, "name=al, version=1"));
	weir_db_rollback(t->db);
	mk_version(t, m, NULL);
	mk_version(t, m, NULL);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	weir_error e3 = WEIR_ERROR_INIT;
	assert_int_equal(weir_registry_alias_set(t->db, t->a, m, "al", "latest", 1, &e3), -1);
	assert_string_equal(e3.field, "alias");
	assert_int_equal(weir_registry_alias_set(t->db, t->a, m, "al", "champ", 1, &e), 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);

	json_t *j = weir_registry_alias_version_mlflow(t->db, t->a, m, "al", "champ", &e);
	assert_string_equal(json_string_value(json_object_get(j, "version")), "1");
	json_decref(j);
	j = weir_registry_alias_version_mlflow(t->db, t->a, m, "al", "LATEST", &e);
	assert_string_equal(json_string_value(json_object_get(j, "version")), "2");
	json_decref(j);
	weir_error e4 = WEIR_ERROR_INIT;
	assert_null(weir_registry_alias_version_mlflow(t->db, t->a, none, "nov", "latest", &e4));
	assert_int_equal(e4.code, WEIR_E_NOT_FOUND);
	assert_non_null(strstr(e4.message, "model nov"));
	weir_error e5 = WEIR_ERROR_INIT;
	assert_null(weir_registry_alias_version_mlflow(t->db, t->a, m, "al", "nope", &e5));
	assert_int_equal(e5.code, WEIR_E_INVALID_PARAMETER_VALUE);
	assert_string_equal(e5.field, "alias");
	test_env_free(t);
}

static void test_register_queues_event(void **state)
{
	/* Registering a model sets its tags and queues one registered_model.created delivery
	 * per subscribed webhook in the same transaction, carrying the name as the caller
	 * spelled it, the tags and the description; a refused name queues nothing. */
	(void)state;
	test_env *t = test_env_new();
	weir_principal *p = test_admin(t);
	weir_error e = WEIR_ERROR_INIT;
	json_error_t je;
	json_t *hook = json_loads("{\"name\":\"rm\",\"url\":\"http://127.0.0.1:9/x\","
				  "\"events\":[{\"entity\":\"REGISTERED_MODEL\",\"action\":\"CREATED\"}]}",
				  0, &je);
	json_t *tags = json_loads("[{\"key\":\"team\",\"value\":\"risk\"},{\"key\":\"empty\"}]", 0, &je);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	json_decref(weir_webhook_create(t->db, t->a, hook, &e));
	assert_int_equal(weir_registry_ensure_default(t->db, t->a, &e), 0);
	weir_securable schema;
	assert_int_equal(weir_registry_model_schema(t->db, t->a, p, "main", "default", &schema, &e), 0);
	weir_registry_model_in in = {.name = "evt", .comment = "about", .tags = tags, .event_name = "main.default.evt"};
	const char *id = NULL;
	assert_int_equal(weir_registry_model_register(t->db, t->a, p, &schema, &in, &id, &e), 0);
	weir_registry_model_in bad = {.name = "bad name"};
	weir_error e2 = WEIR_ERROR_INIT;
	assert_int_equal(weir_registry_model_register(t->db, t->a, p, &schema, &bad, &id, &e2), -1);
	assert_string_equal(e2.field, "name");
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	assert_int_equal(count(t, "SELECT count(*) FROM registered_model_tags"), 2);
	assert_int_equal(count(t, "SELECT count(*) FROM webhook_deliveries WHERE entity = 'REGISTERED_MODEL'"), 1);
	assert_int_equal(count(t, "SELECT count(*) FROM webhook_deliveries WHERE "
				  "json_extract(payload, '$.data.name') = 'main.default.evt' AND "
				  "json_extract(payload, '$.data.tags.team') = 'risk' AND "
				  "json_extract(payload, '$.data.tags.empty') = '' AND "
				  "json_extract(payload, '$.data.description') = 'about'"),
			 1);
	json_decref(hook);
	json_decref(tags);
	test_env_free(t);
}

static void test_default_schema_and_list_visibility(void **state)
{
	/* A caller who cannot see main.default is refused (403) rather than told it is missing;
	 * the UC model list shows a caller only the models they may browse, pages over those
	 * alone, and shows an admin every model. */
	(void)state;
	test_env *t = test_env_new();
	weir_principal *admin = test_admin(t);
	weir_principal *u = test_user(t, "lister");
	weir_error e = WEIR_ERROR_INIT;
	weir_securable schema;
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	weir_error e2 = WEIR_ERROR_INIT;
	assert_int_equal(weir_registry_model_schema(t->db, t->a, u, "main", "default", &schema, &e2), -1);
	assert_int_equal(e2.code, WEIR_E_PERMISSION_DENIED);
	weir_db_rollback(t->db);
	mk_model(t, admin, "a_hidden");
	assert_int_equal(weir_gov_resolve(t->db, t->a, admin, WEIR_SEC_SCHEMA, "main.default", &schema, &e), 0);
	const char *ids[3];
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	assert_int_equal(weir_registry_model_create(t->db, t->a, u, &schema, "b_mine", NULL, &ids[0], &e), 0);
	assert_int_equal(weir_registry_model_create(t->db, t->a, u, &schema, "c_mine", NULL, &ids[1], &e), 0);
	assert_int_equal(weir_registry_model_create(t->db, t->a, admin, &schema, "d_hidden", NULL, &ids[2], &e), 0);
	weir_stmt *st;
	assert_int_equal(
		weir_db_prepare(t->db,
				"INSERT INTO grants (securable_id, principal_id, privilege) SELECT id, ?1, "
				"CASE type WHEN 'catalog' THEN 'USE_CATALOG' ELSE 'USE_SCHEMA' END FROM securables "
				"WHERE id IN (?2, (SELECT parent_id FROM securables WHERE id = ?2))",
				&st),
		SQLITE_OK);
	weir_db_bind_i64(st, 1, u->id);
	weir_db_bind_text(st, 2, schema.id);
	assert_int_equal(weir_db_step(st), SQLITE_DONE);
	weir_db_finalize(st);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	u = weir_gov_principal_load(t->db, t->a, u->id, WEIR_DEFAULT_WORKSPACE_ID, &e);

	json_t *all = weir_registry_models_uc_list(t->db, t->a, admin, schema.id, 0, NULL, &e);
	assert_int_equal(json_array_size(json_object_get(all, "registered_models")), 4);
	json_decref(all);
	json_t *page = weir_registry_models_uc_list(t->db, t->a, u, schema.id, 1, NULL, &e);
	json_t *arr = json_object_get(page, "registered_models");
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "name")), "b_mine");
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "owner")), "lister");
	const char *tok = weir_arena_strdup(t->a, json_string_value(json_object_get(page, "next_page_token")));
	assert_string_equal(tok, "b_mine");
	json_decref(page);
	page = weir_registry_models_uc_list(t->db, t->a, u, schema.id, 1, tok, &e);
	arr = json_object_get(page, "registered_models");
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "name")), "c_mine");
	assert_null(json_object_get(page, "next_page_token"));
	json_decref(page);
	test_env_free(t);
}

static void test_shared_base64_and_page_tokens(void **state)
{
	/* core's one base64 (RFC 4648 vectors): the registry's tokens stay padded standard
	 * base64 and tracking's unpadded base64url; decoding takes either alphabet, padding or
	 * none, and ' ' for '+'; junk, a dangling sixth of a byte and embedded NULs are refused. */
	(void)state;
	weir_arena *a = weir_arena_new(1024);
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const std[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	static const char *const url[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
	for (size_t i = 0; i < 7; i++) {
		size_t n = 99;
		assert_string_equal(weir_b64_encode(a, plain[i], strlen(plain[i])), std[i]);
		assert_string_equal(weir_b64url_encode(a, plain[i], strlen(plain[i])), url[i]);
		assert_string_equal(weir_b64_decode(a, std[i], &n), plain[i]);
		assert_int_equal(n, strlen(plain[i]));
		assert_string_equal(weir_b64_decode(a, url[i], &n), plain[i]);
	}
	assert_string_equal(weir_b64_encode(a, "\xfb\xff", 2), "+/8=");
	assert_string_equal(weir_b64url_encode(a, "\xfb\xff", 2), "-_8");
	assert_string_equal(weir_b64_decode(a, " /8", NULL), "\xfb\xff");
	assert_string_equal(weir_b64_decode(a, "-_8=", NULL), "\xfb\xff");
	assert_null(weir_b64_decode(a, "Zm9v!", NULL));
	assert_null(weir_b64_decode(a, "Zm9vY", NULL));
	assert_null(weir_b64_decode(a, "Zg=g", NULL));

	assert_string_equal(weir_page_token_offset(a, 1, false), "eyJvZmZzZXQiOiAxfQ==");
	assert_string_equal(weir_page_token_offset(a, 1, true), "eyJvZmZzZXQiOiAxfQ");
	int64_t off = -1;
	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(weir_page_token_offset_parse(a, "eyJvZmZzZXQiOiAxfQ", &off, &e), 0);
	assert_int_equal(off, 1);
	assert_int_equal(weir_page_token_offset_parse(a, NULL, &off, &e), 0);
	assert_int_equal(off, 0);
	const char *nul = weir_b64_encode(a, "{\"offset\": 1}\0x", 15);
	weir_error e2 = WEIR_ERROR_INIT;
	assert_int_equal(weir_page_token_offset_parse(a, nul, &off, &e2), -1);
	assert_non_null(strstr(e2.message, "could not base64-decode"));
	weir_error e3 = WEIR_ERROR_INIT;
	assert_int_equal(weir_page_token_offset_parse(a, weir_b64_encode(a, "{\"offset\": -1}", 14), &off, &e3), -1);
	assert_string_equal(e3.field, "page_token");
	assert_non_null(strstr(e3.message, "decoded value={\"offset\": -1}"));
	weir_error e4 = WEIR_ERROR_INIT;
	assert_null(weir_page_token_json(a, weir_b64url_encode(a, "[1]", 3), &e4));
	assert_int_equal(e4.code, WEIR_E_INVALID_PARAMETER_VALUE);
	char *longtok = weir_arena_alloc(a, 4102);
	memset(longtok, 'A', 4100);
	longtok[4100] = '\0';
	weir_error e5 = WEIR_ERROR_INIT;
	assert_null(weir_page_token_json(a, longtok, &e5));
	assert_non_null(strstr(e5.message, "could not base64-decode"));
	weir_arena_free(a);
}

static void test_kit_like_to_glob(void **state)
{
	/* The kit turns LIKE's % and _ into GLOB's * and ?, brackets GLOB's own wildcards so they
	 * match themselves, and bounds a pattern at WEIR_MLFLOW_MAX_PATTERN bytes. */
	(void)state;
	weir_arena *a = weir_arena_new(1024);
	assert_string_equal(weir_mlflow_like_to_glob(a, "a%b_c*?["), "a*b?c[*][?][[]");
	assert_string_equal(weir_mlflow_like_to_glob(a, ""), "");
	char *pat = weir_arena_alloc(a, WEIR_MLFLOW_MAX_PATTERN + 2);
	memset(pat, '%', WEIR_MLFLOW_MAX_PATTERN);
	pat[WEIR_MLFLOW_MAX_PATTERN] = '\0';
	assert_true(weir_mlflow_pattern_fits(pat));
	pat[WEIR_MLFLOW_MAX_PATTERN] = 'x';
	pat[WEIR_MLFLOW_MAX_PATTERN + 1] = '\0';
	assert_false(weir_mlflow_pattern_fits(pat));
	assert_true(weir_mlflow_op_like(WEIR_MLFLOW_OP_ILIKE));
	assert_false(weir_mlflow_op_like(WEIR_MLFLOW_OP_EQ));
	weir_arena_free(a);
}

static void test_kit_tokens(void **state)
{
	/* Quoted runs end at the same quote with no escapes (unterminated: NULL), a keyword is
	 * consumed only as a whole word, in any case, after whitespace, and a list item is
	 * followed by ',' (more), ')' (the end) or is ill-formed. */
	(void)state;
	weir_arena *a = weir_arena_new(1024);
	const char *p = "'a\"b' rest";
	assert_string_equal(weir_mlflow_lex_quoted(a, &p), "a\"b");
	assert_string_equal(p, " rest");
	p = "`x y`=";
	assert_string_equal(weir_mlflow_lex_quoted(a, &p), "x y");
	assert_string_equal(p, "=");
	p = "\"open";
	assert_null(weir_mlflow_lex_quoted(a, &p));
	p = "  and x";
	assert_true(weir_mlflow_lex_word(&p, "AND"));
	assert_string_equal(p, " x");
	p = " ANDx";
	assert_false(weir_mlflow_lex_word(&p, "AND"));
	assert_string_equal(p, "ANDx");
	p = "AND_";
	assert_false(weir_mlflow_lex_word(&p, "AND"));
	p = "AND'";
	assert_true(weir_mlflow_lex_word(&p, "AND"));
	p = " , 'b')";
	assert_int_equal(weir_mlflow_lex_list_sep(&p), 1);
	assert_string_equal(p, " 'b')");
	p = "\t) AND";
	assert_int_equal(weir_mlflow_lex_list_sep(&p), 0);
	assert_string_equal(p, " AND");
	p = "  'c'";
	assert_int_equal(weir_mlflow_lex_list_sep(&p), -1);
	assert_string_equal(p, "'c'");
	weir_arena_free(a);
}

static void test_kit_comparators(void **state)
{
	/* Every comparator of the grammar is read, two-character symbols before their prefixes
	 * and keywords only as whole words; what is none says why in tracking's words. */
	(void)state;
	static const struct {
		const char *in;
		weir_mlflow_op op;
		const char *rest;
	} ok[] = {
		{" != 'a'", WEIR_MLFLOW_OP_NE, " 'a'"},
		{"<>1", WEIR_MLFLOW_OP_NE, "1"},
		{"<=1", WEIR_MLFLOW_OP_LE, "1"},
		{">=1", WEIR_MLFLOW_OP_GE, "1"},
		{"=1", WEIR_MLFLOW_OP_EQ, "1"},
		{"<1", WEIR_MLFLOW_OP_LT, "1"},
		{">1", WEIR_MLFLOW_OP_GT, "1"},
		{"like 'a'", WEIR_MLFLOW_OP_LIKE, " 'a'"},
		{"ILike'a'", WEIR_MLFLOW_OP_ILIKE, "'a'"},
		{"in ('a')", WEIR_MLFLOW_OP_IN, " ('a')"},
		{"not  in ('a')", WEIR_MLFLOW_OP_NOT_IN, " ('a')"},
		{"IS NULL", WEIR_MLFLOW_OP_IS_NULL, ""},
		{"is not null and", WEIR_MLFLOW_OP_IS_NOT_NULL, " and"},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		const char *p = ok[i].in, *why = NULL;
		weir_mlflow_op op = WEIR_MLFLOW_OP_EQ;
		assert_int_equal(weir_mlflow_lex_cmp(&p, &op, &why), 0);
		assert_int_equal(op, ok[i].op);
		assert_string_equal(p, ok[i].rest);
	}
	static const struct {
		const char *in, *why;
	} no[] = {
		{"LIKEx 'a'", "invalid comparison clause: expected a comparator"},
		{"NOT 'a'", "expected IN after NOT"},
		{"IS NOT 'a'", "expected NULL after IS"},
		{"", "invalid comparison clause: expected a comparator"},
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		const char *p = no[i].in, *why = NULL;
		weir_mlflow_op op;
		assert_int_equal(weir_mlflow_lex_cmp(&p, &op, &why), -1);
		assert_string_equal(why, no[i].why);
	}
	assert_true(weir_mlflow_op_numeric(WEIR_MLFLOW_OP_GE));
	assert_false(weir_mlflow_op_numeric(WEIR_MLFLOW_OP_LIKE));
}

/* A grammar for the kit's tests: bare keys, "n" numeric, every refusal recorded. */
static weir_mlflow_bad test_why;

static int tg_ident(weir_mlflow_lexer *l, weir_mlflow_cond *c)
{
	const char *start = l->p;
	while (*l->p >= 'a' && *l->p <= 'z')
		l->p++;
	if (l->p == start)
		return weir_error_set(l->err, WEIR_E_INVALID_PARAMETER_VALUE, "no key");
	c->key = weir_arena_strndup(l->a, start, (size_t)(l->p - start));
	return 0;
}

static int tg_check(weir_mlflow_lexer *l, weir_mlflow_cond *c)
{
	(void)l;
	c->numeric = strcmp(c->key, "n") == 0;
	return 0;
}

static int tg_fail(weir_mlflow_lexer *l, weir_mlflow_bad why, const char *detail)
{
	test_why = why;
	return weir_error_field(l->err, WEIR_E_INVALID_PARAMETER_VALUE, l->what, "%s",
				weir_mlflow_bad_text(why, detail));
}

static const weir_mlflow_grammar TEST_GRAMMAR = {
	.max_conds = 3, .max_list = 2, .ident = tg_ident, .check = tg_check, .fail = tg_fail};

static void test_kit_filter_grammar(void **state)
{
	/* The grammar both searches share reads AND-joined clauses with no value for IS NULL, a
	 * list for IN, a number where the side's check says so (quoted or not) and a quoted
	 * string otherwise (a LIKE pattern kept as written); every malformed filter is refused
	 * with the reason the side then words, and a blank filter is no clause. */
	(void)state;
	weir_arena *a = weir_arena_new(4096);
	weir_mlflow_cond *c;
	int n = -1;
	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(weir_mlflow_filter_parse(a, "  ", &TEST_GRAMMAR, NULL, &c, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_null(c);
	assert_int_equal(weir_mlflow_filter_parse(a, NULL, &TEST_GRAMMAR, NULL, &c, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(weir_mlflow_filter_parse(a, " k LIKE 'a%' and n >= '2.5'AND x IN ('p', \"q\")", &TEST_GRAMMAR,
						  NULL, &c, &n, &e),
			 0);
	assert_int_equal(n, 3);
	assert_string_equal(c[0].key, "k");
	assert_int_equal(c[0].op, WEIR_MLFLOW_OP_LIKE);
	assert_string_equal(c[0].str, "a%");
	assert_true(c[1].numeric);
	assert_true(c[1].num == 2.5);
	assert_int_equal(c[2].op, WEIR_MLFLOW_OP_IN);
	assert_int_equal(c[2].nlist, 2);
	assert_string_equal(c[2].list[1], "q");
	assert_int_equal(weir_mlflow_filter_parse(a, "k IS NOT NULL AND n < -1e3", &TEST_GRAMMAR, NULL, &c, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].op, WEIR_MLFLOW_OP_IS_NOT_NULL);
	assert_null(c[0].str);
	assert_true(c[1].num == -1000.0);

	static const struct {
		const char *filter;
		weir_mlflow_bad why;
	} no[] = {
		{"k ~ 'a'", WEIR_MLFLOW_BAD_COMPARATOR},
		{"k = 'a", WEIR_MLFLOW_BAD_UNTERMINATED},
		{"k IN 'a'", WEIR_MLFLOW_BAD_LIST_OPEN},
		{"k IN ( )", WEIR_MLFLOW_BAD_LIST_EMPTY},
		{"k IN ('a', )", WEIR_MLFLOW_BAD_LIST_ITEM},
		{"k IN ('a',", WEIR_MLFLOW_BAD_LIST_END},
		{"k IN (1)", WEIR_MLFLOW_BAD_LIST_TYPE},
		{"k IN ('a', 'b', 'c')", WEIR_MLFLOW_BAD_LIST_LONG},
		{"k IN ('a' 'b')", WEIR_MLFLOW_BAD_LIST_SEP},
		{"n = 'x'", WEIR_MLFLOW_BAD_NUMBER},
		{"n = x", WEIR_MLFLOW_BAD_NUMBER},
		{"k = a", WEIR_MLFLOW_BAD_UNQUOTED},
		{"k = 'a' AND k = 'b' AND k = 'c' AND k = 'd'", WEIR_MLFLOW_BAD_TOO_MANY},
		{"k = 'a'; k = 'b'", WEIR_MLFLOW_BAD_MULTIPLE},
		{"k = 'a' OR k = 'b'", WEIR_MLFLOW_BAD_AND},
		{"k = 'a' ANDk = 'b'", WEIR_MLFLOW_BAD_AND},
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		weir_error e2 = WEIR_ERROR_INIT;
		test_why = (weir_mlflow_bad)-1;
		assert_int_equal(weir_mlflow_filter_parse(a, no[i].filter, &TEST_GRAMMAR, NULL, &c, &n, &e2), -1);
		assert_int_equal(test_why, no[i].why);
		assert_string_equal(e2.field, "filter");
	}
	char *pat = weir_arena_alloc(a, WEIR_MLFLOW_MAX_PATTERN + 16);
	strcpy(pat, "k LIKE '");
	memset(pat + 8, '%', WEIR_MLFLOW_MAX_PATTERN + 1);
	strcpy(pat + 8 + WEIR_MLFLOW_MAX_PATTERN + 1, "'");
	weir_error e3 = WEIR_ERROR_INIT;
	assert_int_equal(weir_mlflow_filter_parse(a, pat, &TEST_GRAMMAR, NULL, &c, &n, &e3), -1);
	assert_int_equal(test_why, WEIR_MLFLOW_BAD_PATTERN);
	assert_string_equal(e3.message, "a LIKE pattern may have at most 10000 characters");
	weir_arena_free(a);
}

static void test_kit_search_sql(void **state)
{
	/* The kit writes a condition's comparison in the side's style (a LIKE pattern bound as a
	 * GLOB), lists with one bound value per item and "(NULL)" for none, numbers as integers or
	 * doubles, and binds every value in order, so the statement answers what the filter says. */
	(void)state;
	test_env *t = test_env_new();
	weir_arena *a = weir_arena_new(4096);
	static const weir_mlflow_sql_style style = {.like = " GLOB (? || '')", .ilike = "%s LIKE ?"};
	weir_mlflow_sql q;
	weir_mlflow_sql_init(&q, a, &style);
	weir_mlflow_sql_text(&q, "SELECT count(*) FROM (SELECT 'Ab*c' AS s, 3 AS v) WHERE ");
	weir_mlflow_cond like = {.op = WEIR_MLFLOW_OP_LIKE, .str = "A_*%"};
	weir_mlflow_sql_cmp(&q, "s", &like);
	weir_mlflow_sql_text(&q, " AND ");
	weir_mlflow_cond ilike = {.op = WEIR_MLFLOW_OP_ILIKE, .str = "ab%"};
	weir_mlflow_sql_cmp(&q, "s", &ilike);
	weir_mlflow_sql_text(&q, " AND ");
	weir_mlflow_cond ge = {.op = WEIR_MLFLOW_OP_GE, .numeric = true, .integral = true, .i64 = 3};
	weir_mlflow_sql_cmp(&q, "v", &ge);
	weir_mlflow_sql_text(&q, " AND ");
	weir_mlflow_cond lt = {.op = WEIR_MLFLOW_OP_LT, .numeric = true, .num = 3.5};
	weir_mlflow_sql_cmp(&q, "v", &lt);
	weir_mlflow_sql_text(&q, " AND ");
	const char *vals[] = {"x", "Ab*c"};
	weir_mlflow_cond in = {.op = WEIR_MLFLOW_OP_IN, .list = vals, .nlist = 2};
	weir_mlflow_sql_cmp(&q, "s", &in);
	weir_mlflow_sql_text(&q, " AND ");
	weir_mlflow_sql_in(&q, "s", true, NULL, 0);
	weir_mlflow_sql_text(&q, " AND ");
	weir_mlflow_cond nn = {.op = WEIR_MLFLOW_OP_IS_NOT_NULL};
	weir_mlflow_sql_cmp(&q, "s", &nn);
	assert_string_equal(q.sql.data,
			    "SELECT count(*) FROM (SELECT 'Ab*c' AS s, 3 AS v) WHERE s GLOB (? || '') AND s "
			    "LIKE ? AND v >= ? AND v < ? AND s IN (?, ?) AND s NOT IN (NULL) AND s IS NOT "
			    "NULL");
	assert_int_equal(q.nbinds, 6);
	assert_string_equal(q.binds[0].s, "A?[*]*");
	assert_int_equal(q.binds[2].kind, WEIR_MLFLOW_BIND_I64);
	assert_int_equal(q.binds[3].kind, WEIR_MLFLOW_BIND_REAL);
	weir_stmt *st;
	assert_int_equal(weir_db_prepare(t->db, q.sql.data, &st), SQLITE_OK);
	weir_mlflow_sql_bind_all(&q, st);
	assert_int_equal(weir_db_step(st), SQLITE_ROW);
	/* NOT IN (NULL) is never true: no row, which shows every other value was bound */
	assert_int_equal(weir_db_col_i64(st, 0), 0);
	weir_db_finalize(st);
	weir_mlflow_sql_release(&q);

	/* the same without the NOT IN: the row matches every bound comparison */
	weir_mlflow_sql_init(&q, a, &style);
	weir_mlflow_sql_text(&q, "SELECT count(*) FROM (SELECT 'Ab*c' AS s, 3 AS v) WHERE ");
	weir_mlflow_sql_cmp(&q, "s", &like);
	weir_mlflow_sql_text(&q, " AND ");
	weir_mlflow_sql_cmp(&q, "s", &ilike);
	weir_mlflow_sql_text(&q, " AND ");
	weir_mlflow_sql_cmp(&q, "v", &ge);
	weir_mlflow_sql_text(&q, " AND ");
	weir_mlflow_sql_cmp(&q, "v", &lt);
	weir_mlflow_sql_text(&q, " AND ");
	weir_mlflow_sql_cmp(&q, "s", &in);
	assert_int_equal(weir_db_prepare(t->db, q.sql.data, &st), SQLITE_OK);
	weir_mlflow_sql_bind_all(&q, st);
	assert_int_equal(weir_db_step(st), SQLITE_ROW);
	assert_int_equal(weir_db_col_i64(st, 0), 1);
	weir_db_finalize(st);
	weir_mlflow_sql_release(&q);
	weir_arena_free(a);
	test_env_free(t);
}

static void test_kit_arg_errors(void **state)
{
	/* The kit's argument errors carry MLflow's exact wording, the offending field and Python's
	 * name for the JSON type, and a registry name that is missing gets the same message. */
	(void)state;
	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(weir_mlflow_arg_missing("name", &e), -1);
	assert_int_equal(e.code, WEIR_E_INVALID_PARAMETER_VALUE);
	assert_string_equal(e.field, "name");
	assert_string_equal(e.message, "Missing value for required parameter 'name'. See the API docs for more "
				       "information about request parameters.");
	weir_arena *a = weir_arena_new(1024);
	weir_error e2 = WEIR_ERROR_INIT;
	assert_null(weir_registry_full_name(a, "name", "", &e2));
	assert_string_equal(e2.message, e.message);
	weir_arena_free(a);

	/* a string member as both sides read one: absent or null keeps *out (missing when
	 * required, as "" is then), another type is the type error naming Python's type */
	json_t *req = json_pack("{s:s, s:s, s:n, s:i}", "a", "x", "empty", "", "nul", "num", 3);
	const char *out = "kept";
	weir_error es = WEIR_ERROR_INIT;
	assert_int_equal(weir_mlflow_json_str(req, "a", true, &out, &es), 0);
	assert_string_equal(out, "x");
	out = "kept";
	assert_int_equal(weir_mlflow_json_str(req, "nul", false, &out, &es), 0);
	assert_int_equal(weir_mlflow_json_str(req, "absent", false, &out, &es), 0);
	assert_string_equal(out, "kept");
	assert_int_equal(weir_mlflow_json_str(req, "empty", false, &out, &es), 0);
	assert_string_equal(out, "");
	assert_int_equal(weir_mlflow_json_str(req, "empty", true, &out, &es), -1);
	assert_string_equal(es.field, "empty");
	assert_non_null(strstr(es.message, "Missing value for required parameter 'empty'"));
	weir_error et = WEIR_ERROR_INIT;
	assert_int_equal(weir_mlflow_json_str(req, "num", false, &out, &et), -1);
	assert_non_null(strstr(et.message, "Hint: Value was of type 'int'"));
	json_decref(req);
	static const struct {
		const char *json, *type;
	} cases[] = {{"{\"a\":1}", "dict"}, {"[1]", "list"},  {"\"s\"", "str"},
		     {"5", "int"},          {"1.5", "float"}, {"true", "bool"}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
		weir_error e3 = WEIR_ERROR_INIT;
		assert_int_equal(weir_mlflow_arg_type_error("max_results", v, &e3), -1);
		char want[256];
		snprintf(want, sizeof(want),
			 "Invalid value %s for parameter 'max_results' supplied. Hint: Value was of type '%s'. See "
			 "the API docs for more information about request parameters.",
			 cases[i].json, cases[i].type);
		assert_string_equal(e3.message, want);
		assert_string_equal(e3.field, "max_results");
		json_decref(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_alias_and_stage_rules),
		cmocka_unit_test(test_page_tokens),
		cmocka_unit_test(test_versions_never_reused),
		cmocka_unit_test(test_version_source_and_json),
		cmocka_unit_test(test_transition_archives),
		cmocka_unit_test(test_search_grammar),
		cmocka_unit_test(test_forced_delete_cascades),
		cmocka_unit_test(test_webhook_outbox_is_transactional),
		cmocka_unit_test(test_tag_rules),
		cmocka_unit_test(test_version_numbers),
		cmocka_unit_test(test_stage_transition_rules),
		cmocka_unit_test(test_rename_rules),
		cmocka_unit_test(test_delete_needs_force_with_versions),
		cmocka_unit_test(test_finalize_only_pending),
		cmocka_unit_test(test_alias_domain_rules),
		cmocka_unit_test(test_register_queues_event),
		cmocka_unit_test(test_default_schema_and_list_visibility),
		cmocka_unit_test(test_shared_base64_and_page_tokens),
		cmocka_unit_test(test_kit_like_to_glob),
		cmocka_unit_test(test_kit_tokens),
		cmocka_unit_test(test_kit_comparators),
		cmocka_unit_test(test_kit_arg_errors),
		cmocka_unit_test(test_kit_filter_grammar),
		cmocka_unit_test(test_kit_search_sql),
	};
	return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
