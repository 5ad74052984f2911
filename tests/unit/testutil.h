/* Helpers for cmocka unit tests: a fresh database file in a temp dir with every migration
 * applied (real SQLite, never a mock), a pool over it, and the bootstrap done. Included by
 * each test program; everything here is static. */
#ifndef WEIR_TESTUTIL_H
#define WEIR_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/dialect.h"
#include "core/db.h"
#include "core/db_sqlite.h" /* tests may look at the database directly */
#include "core/log.h"
#include "governance/catalog.h"
#include "governance/governance.h"
#include "governance/identity.h"

typedef struct test_env {
	char dir[256];
	char db_path[300];
	char token_path[300];
	weir_db_pool *pool;
	weir_db *db; /* one borrowed connection */
	weir_arena *a;
} test_env;

static inline test_env *test_env_new(void)
{
	test_env *t = calloc(1, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/tmp/weir-unit-XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		abort();
	snprintf(t->db_path, sizeof(t->db_path), "%s/weir.db", t->dir);
	snprintf(t->token_path, sizeof(t->token_path), "%s/admin.token", t->dir);
	weir_log_set_level(WEIR_LOG_WARN);
	weir_error err = WEIR_ERROR_INIT;
	t->pool = weir_db_pool_open(t->db_path, 3, WEIR_SYNC_NORMAL, &err);
	if (t->pool == NULL) {
		fprintf(stderr, "pool: %s\n", err.message);
		abort();
	}
	t->db = weir_db_acquire(t->pool);
	if (weir_gov_bootstrap(t->db, t->token_path, &err) != 0) {
		fprintf(stderr, "bootstrap: %s\n", err.message);
		abort();
	}
	weir_catalog_set_data_dir(t->dir);
	t->a = weir_arena_new(4096);
	return t;
}

static inline void test_env_free(test_env *t)
{
	if (t == NULL)
		return;
	weir_arena_free(t->a);
	weir_db_release(t->db);
	weir_db_pool_close(t->pool);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", t->dir);
	free(t);
}

/* The admin principal (id of user `admin`) loaded as a caller. */
static inline weir_principal *test_admin(test_env *t)
{
	weir_error err = WEIR_ERROR_INIT;
	int64_t id = weir_gov_principal_id(t->db, "admin", NULL, &err);
	return weir_gov_principal_load(t->db, t->a, id, WEIR_DEFAULT_WORKSPACE_ID, &err);
}

/* A new user `name` with no privileges, loaded as a caller. */
static inline weir_principal *test_user(test_env *t, const char *name)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *u = json_pack("{s:s}", "userName", name);
	assert_int_equal(weir_db_begin_write(t->db, &e), 0);
	int64_t uid = weir_id_create(t->db, t->a, WEIR_PRINCIPAL_USER, u, &e);
	assert_true(uid > 0);
	assert_int_equal(weir_db_commit(t->db, &e), 0);
	json_decref(u);
	weir_principal *p = weir_gov_principal_load(t->db, t->a, uid, WEIR_DEFAULT_WORKSPACE_ID, &e);
	assert_non_null(p);
	return p;
}

/* The code Unity Catalog's routes answer for e: the domain's neutral code as the Databricks
 * dialect names it (api/dialect.c). */
static inline const char *uc_code(weir_error e)
{
	weir_dialect_translate(WEIR_DIALECT_DATABRICKS, &e);
	return weir_code_name(e.code);
}

#endif
