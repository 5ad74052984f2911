/* The module list (api/modules.c): the route table list is exactly its modules' tables in
 * order, each table belongs to one module, and the modules start, stop and start again. */
#include "testutil.h"

#include "api/app.h"
#include "api/modules.h"

static int setup(void **state)
{
	*state = test_env_new();
	return 0;
}

static int teardown(void **state)
{
	test_env_free(*state);
	return 0;
}

/* weir_route_tables (what the router, `weir routes` and the metrics read) is the
 * concatenation of the modules' route tables in module order, with no table named twice
 * and no module named twice. */
static void test_route_tables_from_modules(void **state)
{
	(void)state;
	int t = 0, m = 0;
	for (; weir_modules[m].name; m++) {
		for (int o = 0; o < m; o++)
			assert_string_not_equal(weir_modules[o].name, weir_modules[m].name);
		assert_non_null(weir_modules[m].routes);
		for (int i = 0; weir_modules[m].routes[i]; i++, t++) {
			assert_ptr_equal(weir_route_tables[t], weir_modules[m].routes[i]);
			for (int u = 0; u < t; u++)
				assert_ptr_not_equal(weir_route_tables[u], weir_route_tables[t]);
		}
	}
	assert_null(weir_route_tables[t]);
	assert_true(m >= 5);
	assert_true(t >= 10);
}

/* Every module starts on a database, stops, and starts again (the workers restart). */
static void test_start_stop_start(void **state)
{
	test_env *env = *state;
	weir_app app = {0};
	app.cfg.data_dir = env->dir;
	app.pool = env->pool;
	weir_error err = WEIR_ERROR_INIT;
	assert_int_equal(weir_modules_start(&app, &err), 0);
	weir_modules_stop(&app);
	assert_int_equal(weir_modules_start(&app, &err), 0);
	weir_modules_stop(&app);
	weir_modules_stop(&app); /* nothing left to stop */
}

/* A start that fails (here the first module's hook: an issuer without --jwks) answers -1
 * with the hook's error, and a stop after it has nothing to undo. */
static void test_failed_start(void **state)
{
	test_env *env = *state;
	weir_app app = {0};
	app.cfg.data_dir = env->dir;
	app.cfg.jwt_issuer = "https://issuer.example";
	app.pool = env->pool;
	weir_error err = WEIR_ERROR_INIT;
	assert_int_equal(weir_modules_start(&app, &err), -1);
	assert_int_equal(err.code, WEIR_E_INVALID_ARGUMENT);
	weir_modules_stop(&app);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_tables_from_modules),
		cmocka_unit_test_setup_teardown(test_start_stop_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_start, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
