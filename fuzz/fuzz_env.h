/* Shared by the fuzz targets: a process-wide database made once (a temp directory with every
 * migration applied and the first-start bootstrap done, as tests/unit/testutil.h does, plus a
 * few models, versions, an experiment and a run so that searches have rows to visit), a
 * non-admin user, the splitting of one input into NUL-separated string fields, and the oracle
 * every target applies to a refusal: an error caused by input is never 5xx (DEVELOPING.md,
 * "A deterministic error is never 5xx"). Everything here is static; the directory is removed
 * at exit. */
#ifndef WEIR_FUZZ_ENV_H
#define WEIR_FUZZ_ENV_H

#include <ftw.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"
#include "core/log.h"
#include "governance/catalog.h"
#include "governance/governance.h"
#include "governance/identity.h"
#include "registry/registry.h"
#include "registry/tracking.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fuzz_env {
	char dir[256];
	char db_path[300];
	char token_path[300];
	weir_db_pool *pool;
	weir_db *db; /* one borrowed connection, held for the process */
	weir_arena *a; /* process lifetime: principals, ids */
	weir_principal *admin;
	weir_principal *user; /* `fuzz-user`: no grants, owns nothing */
	const char *run_id; /* 32 hex: a run of experiment `fuzz` */
	int64_t experiment_id;
} fuzz_env;

static fuzz_env *fuzz_env_the;

/* Aborts with a message: a setup step failed (not a finding). */
static inline void fuzz_die(const char *what, const weir_error *e)
{
	fprintf(stderr, "fuzz setup: %s: %s\n", what, e ? e->message : "");
	abort();
}

/* The oracle on every refusal: input errors are 4xx. A 5xx here means the input reached a
 * state the code did not expect (bad SQL built from a filter, a store failure). */
static inline void fuzz_expect_4xx(const char *what, const weir_error *e)
{
	int st = e->status ? e->status : weir_code_status(e->code);
	if (e->code == WEIR_OK || st < 400 || st >= 500) {
		fprintf(stderr, "%s: refused with status %d (%s): %s\n", what, st, weir_code_name(e->code), e->message);
		abort();
	}
}

/* With FUZZ_VERBOSE set (fuzz/driver.c honours it too), prints an answer or a refusal: for
 * checking what a seed reaches. */
static inline void fuzz_show(const char *what, const json_t *answer, const weir_error *e)
{
	static int verbose = -1;
	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (!verbose)
		return;
	if (answer == NULL) {
		fprintf(stderr, "  %s: refused %s: %.300s\n", what, weir_code_name(e->code), e->message);
		return;
	}
	char *s = json_dumps(answer, JSON_COMPACT | JSON_ENCODE_ANY);
	fprintf(stderr, "  %s: %.300s\n", what, s ? s : "?");
	free(s);
}

static inline int fuzz_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void fuzz_env_free(void)
{
	fuzz_env *t = fuzz_env_the;
	if (t == NULL)
		return;
	fuzz_env_the = NULL;
	weir_arena_free(t->a);
	weir_db_release(t->db);
	weir_db_pool_close(t->pool);
	nftw(t->dir, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(t);
}

static inline json_t *fuzz_json(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	if (j == NULL) {
		fprintf(stderr, "fuzz setup: bad json %s: %s\n", text, je.text);
		abort();
	}
	return j;
}

/* Runs a tracking write op on `req` in its own transaction; returns the answer (caller
 * decrefs). */
static inline json_t *fuzz_track(fuzz_env *t, weir_tracking_op op, const char *req)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_tracking_ctx c = {t->db, t->a, t->admin};
	json_t *j = fuzz_json(req);
	if (weir_db_begin_write(t->db, &e) != 0)
		fuzz_die("begin", &e);
	json_t *out = op(&c, j, &e);
	json_decref(j);
	if (out == NULL)
		fuzz_die(req, &e);
	if (weir_db_commit(t->db, &e) != 0)
		fuzz_die("commit", &e);
	return out;
}

/* Models `m1` (two versions, a tag, an alias) and `Model_2` in main.default; a user. */
static inline void fuzz_env_seed_registry(fuzz_env *t)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable schema;
	const char *m1 = NULL, *m2 = NULL;
	int64_t v = 0;
	json_t *tags = fuzz_json("[{\"key\": \"team\", \"value\": \"fraud\"}]");
	weir_registry_version_in in1 = {.source = "s3://bucket/m1/1", .tags = tags};
	weir_registry_version_in in2 = {.source = "mlflow-artifacts:/m1/2", .description = "second"};
	if (weir_db_begin_write(t->db, &e) != 0 || weir_registry_ensure_default(t->db, t->a, &e) != 0 ||
	    weir_gov_resolve(t->db, t->a, t->admin, WEIR_SEC_SCHEMA, "main.default", &schema, &e) != 0 ||
	    weir_registry_model_create(t->db, t->a, t->admin, &schema, "m1", "first model", &m1, &e) != 0 ||
	    weir_registry_model_create(t->db, t->a, t->admin, &schema, "Model_2", NULL, &m2, &e) != 0 ||
	    weir_registry_model_tag_set(t->db, m1, "stage", "prod", &e) != 0 ||
	    weir_registry_version_create(t->db, t->a, m1, &in1, "admin", &v, &e) != 0 ||
	    weir_registry_version_create(t->db, t->a, m1, &in2, "admin", &v, &e) != 0 ||
	    weir_registry_alias_set(t->db, t->a, m1, "m1", "champion", v, &e) != 0 || weir_db_commit(t->db, &e) != 0)
		fuzz_die("registry seed", &e);
	json_decref(tags);

	json_t *u = fuzz_json(
		"{\"userName\": \"fuzz-user\", \"displayName\": \"Fuzz User\", \"externalId\": \"ext-1\"}");
	int64_t uid = -1;
	if (weir_db_begin_write(t->db, &e) != 0 ||
	    (uid = weir_id_create(t->db, t->a, WEIR_PRINCIPAL_USER, u, &e)) < 0 || weir_db_commit(t->db, &e) != 0)
		fuzz_die("user", &e);
	json_decref(u);
	t->user = weir_gov_principal_load(t->db, t->a, uid, WEIR_DEFAULT_WORKSPACE_ID, &e);
	if (t->user == NULL)
		fuzz_die("user load", &e);
}

/* Experiment `fuzz` with a tag, one run with a metric, a param, a tag and an input. */
static inline void fuzz_env_seed_tracking(fuzz_env *t)
{
	json_t *r = fuzz_track(t, weir_tracking_experiment_create,
			       "{\"name\": \"fuzz\", \"tags\": [{\"key\": \"k\", \"value\": \"v\"}]}");
	const char *eid = json_string_value(json_object_get(r, "experiment_id"));
	if (eid == NULL)
		fuzz_die("experiment id", NULL);
	t->experiment_id = strtoll(eid, NULL, 10);
	char buf[512];
	snprintf(buf, sizeof(buf), "{\"experiment_id\": \"%s\", \"run_name\": \"r1\", \"start_time\": 1000}", eid);
	json_decref(r);
	r = fuzz_track(t, weir_tracking_run_create, buf);
	const char *rid = json_string_value(
		json_object_get(json_object_get(json_object_get(r, "run"), "info"), "run_id"));
	if (rid == NULL || strlen(rid) != 32)
		fuzz_die("run id", NULL);
	t->run_id = weir_arena_strdup(t->a, rid);
	json_decref(r);
	snprintf(
		buf, sizeof(buf),
		"{\"run_id\": \"%s\", \"metrics\": [{\"key\": \"acc\", \"value\": 0.5, \"timestamp\": 1, \"step\": 0}],"
		" \"params\": [{\"key\": \"lr\", \"value\": \"0.1\"}], \"tags\": [{\"key\": \"t\", \"value\": \"x\"}]}",
		t->run_id);
	json_decref(fuzz_track(t, weir_tracking_log_batch, buf));
	snprintf(buf, sizeof(buf),
		 "{\"run_id\": \"%s\", \"datasets\": [{\"dataset\": {\"name\": \"d\", \"digest\": \"abc\", "
		 "\"source_type\": \"local\", \"source\": \"{}\"}, \"tags\": [{\"key\": \"mlflow.data.context\", "
		 "\"value\": \"training\"}]}]}",
		 t->run_id);
	json_decref(fuzz_track(t, weir_tracking_log_inputs, buf));
}

/* The environment, made on first use. */
static inline fuzz_env *fuzz_env_get(void)
{
	if (fuzz_env_the != NULL)
		return fuzz_env_the;
	fuzz_env *t = calloc(1, sizeof(*t));
	const char *tmp = getenv("TMPDIR");
	snprintf(t->dir, sizeof(t->dir), "%s/weir-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(t->dir) == NULL)
		fuzz_die("mkdtemp", NULL);
	snprintf(t->db_path, sizeof(t->db_path), "%s/weir.db", t->dir);
	snprintf(t->token_path, sizeof(t->token_path), "%s/admin.token", t->dir);
	weir_log_set_level(getenv("WEIR_FUZZ_LOG") ? WEIR_LOG_DEBUG : WEIR_LOG_OFF);
	weir_error e = WEIR_ERROR_INIT;
	t->pool = weir_db_pool_open(t->db_path, 2, WEIR_SYNC_NORMAL, &e);
	if (t->pool == NULL)
		fuzz_die("pool", &e);
	t->db = weir_db_acquire(t->pool);
	if (weir_gov_bootstrap(t->db, t->token_path, &e) != 0)
		fuzz_die("bootstrap", &e);
	weir_catalog_set_data_dir(t->dir);
	t->a = weir_arena_new(4096);
	int64_t id = weir_gov_principal_id(t->db, WEIR_ADMIN_USER, NULL, &e);
	t->admin = id < 0 ? NULL : weir_gov_principal_load(t->db, t->a, id, WEIR_DEFAULT_WORKSPACE_ID, &e);
	if (t->admin == NULL)
		fuzz_die("admin", &e);
	fuzz_env_the = t;
	fuzz_env_seed_registry(t);
	fuzz_env_seed_tracking(t);
	atexit(fuzz_env_free);
	return t;
}

/* Splits data into at most max NUL-terminated fields at each 0 byte (C string APIs cannot
 * see past a NUL anyway); the fields point into one arena copy. Returns the count (>= 1). */
static inline int fuzz_fields(weir_arena *a, const uint8_t *data, size_t size, const char **out, int max)
{
	char *s = weir_arena_alloc(a, size + 1);
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	int n = 0;
	out[n++] = s;
	for (size_t i = 0; i < size && n < max; i++)
		if (s[i] == '\0')
			out[n++] = s + i + 1;
	return n;
}

#endif
