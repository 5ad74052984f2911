/* Workflows rules without HTTP: the run_if table over every mix of upstream outcomes, the leaf
 * rule, the graph checks, `only` selection, condition_task and dynamic value references. */
#include "testutil.h"

#include <jansson.h>

#include "workflows/dag.h"
#include "workflows/refs.h"

/* ---------------------------------------------------------------- run_if */

/* The oracle, written per dependency from the table in the Databricks docs ("Configure task
 * dependencies"), independently of the counting in dag.c. */
static weir_gate oracle(weir_run_if r, const weir_up *ups, int n)
{
	if (n == 0)
		return WEIR_GATE_RUN;
	bool all_excluded = true, all_ok = true, any_success = false, any_failed = false, any_canceled = false,
	     all_failed_or_canceled = true;
	for (int i = 0; i < n; i++) {
		all_excluded &= ups[i] == WEIR_UP_EXCLUDED;
		all_ok &= ups[i] == WEIR_UP_SUCCESS || ups[i] == WEIR_UP_EXCLUDED;
		any_success |= ups[i] == WEIR_UP_SUCCESS;
		any_failed |= ups[i] == WEIR_UP_FAILED;
		any_canceled |= ups[i] == WEIR_UP_CANCELED;
		all_failed_or_canceled &= ups[i] == WEIR_UP_FAILED || ups[i] == WEIR_UP_CANCELED;
	}
	if (all_excluded)
		return WEIR_GATE_EXCLUDED;
	weir_gate no = any_canceled ? WEIR_GATE_UPSTREAM_CANCELED : WEIR_GATE_UPSTREAM_FAILED;
	switch (r) {
	case WEIR_RUN_IF_ALL_SUCCESS: return all_ok ? WEIR_GATE_RUN : no;
	case WEIR_RUN_IF_AT_LEAST_ONE_SUCCESS: return any_success ? WEIR_GATE_RUN : no;
	case WEIR_RUN_IF_NONE_FAILED: return !any_failed && !any_canceled && any_success ? WEIR_GATE_RUN : no;
	case WEIR_RUN_IF_ALL_DONE: return WEIR_GATE_RUN;
	case WEIR_RUN_IF_AT_LEAST_ONE_FAILED: return any_failed || any_canceled ? WEIR_GATE_RUN : WEIR_GATE_EXCLUDED;
	case WEIR_RUN_IF_ALL_FAILED: return all_failed_or_canceled ? WEIR_GATE_RUN : WEIR_GATE_EXCLUDED;
	default: return no;
	}
}

/* Every run_if against every sequence of up to four upstream outcomes (4^0 + ... + 4^4). */
static void test_run_if_exhaustive(void **state)
{
	(void)state;
	int checked = 0;
	for (int r = 0; r < WEIR_RUN_IF__COUNT; r++) {
		for (int n = 0; n <= 4; n++) {
			int combos = 1;
			for (int i = 0; i < n; i++)
				combos *= 4;
			for (int c = 0; c < combos; c++) {
				weir_up ups[4];
				int cnt[4] = {0, 0, 0, 0}, x = c;
				for (int i = 0; i < n; i++) {
					ups[i] = (weir_up)(x % 4);
					cnt[ups[i]]++;
					x /= 4;
				}
				weir_gate got = weir_run_if_eval((weir_run_if)r, cnt[WEIR_UP_SUCCESS],
								 cnt[WEIR_UP_FAILED], cnt[WEIR_UP_EXCLUDED],
								 cnt[WEIR_UP_CANCELED]);
				weir_gate want = oracle((weir_run_if)r, ups, n);
				if (got != want)
					fail_msg("run_if %s, outcomes s%d f%d e%d c%d: got %d, want %d",
						 weir_run_if_name((weir_run_if)r), cnt[0], cnt[1], cnt[2], cnt[3], got,
						 want);
				checked++;
			}
		}
	}
	assert_int_equal(checked, 6 * (1 + 4 + 16 + 64 + 256));
}

/* The rows of the docs' table, spelled out. */
static void test_run_if_table(void **state)
{
	(void)state;
	/* ALL_SUCCESS */
	assert_int_equal(weir_run_if_eval(WEIR_RUN_IF_ALL_SUCCESS, 2, 0, 0, 0), WEIR_GATE_RUN);
	assert_int_equal(weir_run_if_eval(WEIR_RUN_IF_ALL_SUCCESS, 1, 1, 0, 0), WEIR_GATE_UPSTREAM_FAILED);
	assert_int_equal(weir_run_if_eval(WEIR_RUN_IF_ALL_SUCCESS, 1, 0, 1, 0), WEIR_GATE_RUN); /* EXCLUDED = ok */
	assert_int_equal(weir_run_if_eval(WEIR_RUN_IF_ALL_SUCCESS, 1, 0, 0, 1), WEIR_GATE_UPSTREAM_CANCELED);
	/* every dependency EXCLUDED: EXCLUDED whatever run_if */
	for (int r = 0; r < WEIR_RUN_IF__COUNT; r++)
		assert_int_equal(weir_run_if_eval((weir_run_if)r, 0, 0, 2, 0), WEIR_GATE_EXCLUDED);
	/* AT_LEAST_ONE_SUCCESS */
	assert_int_equal(weir_run_if_eval(WEIR_RUN_IF_AT_LEAST_ONE_SUCCESS, 1, 2, 0, 0), WEIR_GATE_RUN);
	assert_int_equal(weir_run_if_eval(WEIR_RUN_IF_AT_LEAST_ONE_SUCCESS, 0, 2, 0, 0), WEIR_GATE_UPSTREAM_FAILED);
	/* NONE_FAILED: none failed and at least one ran */
	assert_int_equal(weir_run_if_eval(WEIR_RUN_IF_NONE_FAILED, 1, 0, 1, 0), WEIR_GATE_RUN);
	assert_int_equal(weir_run_if_eval(WEIR_RUN_IF_NONE_FAILED, 3, 1, 0, 0), WEIR_GATE_UPSTREAM_FAILED);
	/* ALL_DONE runs after failures and cancels: clean-up tasks */
	assert_int_equal(weir_run_if_eval(WEIR_RUN_IF_ALL_DONE, 0, 1, 0, 1), WEIR_GATE_RUN);
	/* AT_LEAST_ONE_FAILED / ALL_FAILED: EXCLUDED when not met */
	assert_int_equal(weir_run_if_eval(WEIR_RUN_IF_AT_LEAST_ONE_FAILED, 2, 0, 0, 0), WEIR_GATE_EXCLUDED);
	assert_int_equal(weir_run_if_eval(WEIR_RUN_IF_AT_LEAST_ONE_FAILED, 2, 1, 0, 0), WEIR_GATE_RUN);
	assert_int_equal(weir_run_if_eval(WEIR_RUN_IF_ALL_FAILED, 0, 2, 0, 0), WEIR_GATE_RUN);
	assert_int_equal(weir_run_if_eval(WEIR_RUN_IF_ALL_FAILED, 1, 2, 0, 0), WEIR_GATE_EXCLUDED);
	/* no dependency: runs */
	assert_int_equal(weir_run_if_eval(WEIR_RUN_IF_ALL_FAILED, 0, 0, 0, 0), WEIR_GATE_RUN);
	assert_int_equal(weir_run_if_parse(NULL), WEIR_RUN_IF_ALL_SUCCESS);
	assert_int_equal(weir_run_if_parse("ALL_DONE"), WEIR_RUN_IF_ALL_DONE);
	assert_int_equal(weir_run_if_parse("all_done"), -1);
}

/* ---------------------------------------------------------------- graphs */

static json_t *tasks_of(const char *text)
{
	json_error_t je;
	json_t *t = json_loads(text, 0, &je);
	if (t == NULL)
		fail_msg("bad test JSON: %s", je.text);
	return t;
}

static void expect_build_error(weir_arena *a, const char *text, const char *needle)
{
	json_t *t = tasks_of(text);
	weir_dag g;
	weir_error e = WEIR_ERROR_INIT;
	if (weir_dag_build(a, t, "tasks", &g, &e) == 0)
		fail_msg("accepted: %s", text);
	assert_int_equal(e.code, WEIR_E_INVALID_PARAMETER_VALUE);
	assert_int_equal(e.status, 400);
	if (strstr(e.message, needle) == NULL)
		fail_msg("message '%s' lacks '%s'", e.message, needle);
	json_decref(t);
}

#define C(k) "{\"task_key\":\"" k "\",\"condition_task\":{\"left\":\"1\",\"op\":\"EQUAL_TO\",\"right\":\"1\"}"

static void test_dag_checks(void **state)
{
	(void)state;
	weir_arena *a = weir_arena_new(4096);
	expect_build_error(a, "[" C("a") "}," C("a") "}]", "Task a: task_key is not unique");
	expect_build_error(a, "[" C("a") ",\"depends_on\":[{\"task_key\":\"zz\"}]}]", "'zz', which is not a task");
	expect_build_error(
		a,
		"[" C("a") ",\"depends_on\":[{\"task_key\":\"b\"}]}," C("b") ",\"depends_on\":[{\"task_key\":\"a\"}]}]",
		"dependency cycle");
	expect_build_error(a, "[{\"task_key\":\"a\"}]", "Task a: one task type");
	expect_build_error(a, "[{\"task_key\":\"a\",\"condition_task\":{},\"notebook_task\":{}}]",
			   "exactly one task type");
	expect_build_error(a,
			   "[{\"task_key\":\"a\",\"notebook_task\":{\"notebook_path\":\"/x\"}}," C(
				   "b") ",\"depends_on\":[{\"task_key\":\"a\",\"outcome\":\"true\"}]}]",
			   "only be set on a dependency on a condition_task");
	expect_build_error(a, "[" C("a") "}," C("b") ",\"depends_on\":[{\"task_key\":\"a\",\"outcome\":\"yes\"}]}]",
			   "outcome must be");
	expect_build_error(a, "[{\"task_key\":\"a b\",\"condition_task\":{}}]", "Task key 'a b' is invalid");
	/* more than 1,000 tasks */
	json_t *many = json_array();
	for (int i = 0; i < 1001; i++) {
		char k[16];
		snprintf(k, sizeof k, "t%d", i);
		json_array_append_new(many, json_pack("{s:s, s:{}}", "task_key", k, "condition_task"));
	}
	weir_dag g;
	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(weir_dag_build(a, many, "tasks", &g, &e), -1);
	assert_non_null(strstr(e.message, "at most 1000 tasks"));
	json_array_remove(many, 0);
	assert_int_equal(weir_dag_build(a, many, "tasks", &g, &e), 0);
	assert_int_equal(g.n, 1000);
	json_decref(many);
	weir_arena_free(a);
}

static void test_dag_order_and_leaves(void **state)
{
	(void)state;
	weir_arena *a = weir_arena_new(4096);
	/* a -> b -> d, a -> c -> d, e alone */
	json_t *t = tasks_of("[" C("d") ",\"depends_on\":[{\"task_key\":\"b\"},{\"task_key\":\"c\"}]}," C(
		"b") ",\"depends_on\":[{\"task_key\":\"a\"}]}," C("c") ",\"depends_on\":[{\"task_key\":\"a\"}]}"
								       "," C("a") "}," C("e") "}]");
	weir_dag g;
	weir_error e = WEIR_ERROR_INIT;
	assert_int_equal(weir_dag_build(a, t, "tasks", &g, &e), 0);
	int pos[5];
	for (int i = 0; i < g.n; i++)
		pos[g.order[i]] = i;
	for (int i = 0; i < g.n; i++)
		for (int d = 0; d < g.ndeps[i]; d++)
			assert_true(pos[g.deps[i][d]] < pos[i]);
	int A = weir_dag_find(&g, "a"), B = weir_dag_find(&g, "b"), Cc = weir_dag_find(&g, "c"),
	    D = weir_dag_find(&g, "d"), E = weir_dag_find(&g, "e");
	const char *res[5];
	res[A] = res[B] = res[Cc] = res[D] = res[E] = "SUCCESS";
	assert_string_equal(weir_dag_result(&g, res), "SUCCESS");
	res[B] = "FAILED";
	res[D] = "SUCCESS"; /* d ran anyway (ALL_DONE): b failed but every leaf succeeded */
	assert_string_equal(weir_dag_result(&g, res), "SUCCESS_WITH_FAILURES");
	res[D] = "UPSTREAM_FAILED";
	assert_string_equal(weir_dag_result(&g, res), "FAILED");
	res[B] = "SUCCESS";
	res[D] = "EXCLUDED";
	res[E] = "DISABLED"; /* both count as success */
	assert_string_equal(weir_dag_result(&g, res), "SUCCESS");
	res[E] = "TIMEDOUT";
	assert_string_equal(weir_dag_result(&g, res), "FAILED");

	/* only: "+d" is d and everything upstream; "a+" a and everything downstream */
	bool sel[5];
	json_t *only = json_pack("[s]", "+d");
	assert_int_equal(weir_dag_select_only(&g, only, sel, &e), 0);
	assert_true(sel[A] && sel[B] && sel[Cc] && sel[D] && !sel[E]);
	json_decref(only);
	only = json_pack("[s]", "b+");
	assert_int_equal(weir_dag_select_only(&g, only, sel, &e), 0);
	assert_true(!sel[A] && sel[B] && !sel[Cc] && sel[D] && !sel[E]);
	json_decref(only);
	only = json_pack("[s,s]", "e", "+b+");
	assert_int_equal(weir_dag_select_only(&g, only, sel, &e), 0);
	assert_true(sel[A] && sel[B] && !sel[Cc] && sel[D] && sel[E]);
	json_decref(only);
	only = json_pack("[s]", "nope");
	assert_int_equal(weir_dag_select_only(&g, only, sel, &e), -1);
	assert_string_equal(e.field, "only");
	json_decref(only);
	/* repair's dependents */
	memset(sel, 0, sizeof sel);
	sel[Cc] = true;
	weir_dag_mark_downstream(&g, sel);
	assert_true(!sel[A] && !sel[B] && sel[Cc] && sel[D] && !sel[E]);
	json_decref(t);
	weir_arena_free(a);
}

/* ---------------------------------------------------------------- condition_task */

static void test_condition(void **state)
{
	(void)state;
	bool o;
	weir_error e = WEIR_ERROR_INIT;
	/* EQUAL_TO compares strings: "12.0" is not "12" */
	assert_int_equal(weir_condition_eval("12.0", "EQUAL_TO", "12", &o, &e), 0);
	assert_false(o);
	assert_int_equal(weir_condition_eval("true", "EQUAL_TO", "true", &o, &e), 0);
	assert_true(o);
	assert_int_equal(weir_condition_eval("a", "NOT_EQUAL", "b", &o, &e), 0);
	assert_true(o);
	/* ordering compares numbers: "12.0" >= "12" */
	assert_int_equal(weir_condition_eval("12.0", "GREATER_THAN_OR_EQUAL", "12", &o, &e), 0);
	assert_true(o);
	assert_int_equal(weir_condition_eval("9", "GREATER_THAN", "10", &o, &e), 0);
	assert_false(o); /* as strings "9" > "10"; as numbers not */
	assert_int_equal(weir_condition_eval("-1e3", "LESS_THAN", "0", &o, &e), 0);
	assert_true(o);
	assert_int_equal(weir_condition_eval(" 5 ", "LESS_THAN_OR_EQUAL", "5", &o, &e), 0);
	assert_true(o);
	assert_int_equal(weir_condition_eval("abc", "GREATER_THAN", "1", &o, &e), -1);
	assert_non_null(strstr(e.message, "must both be numbers"));
	assert_int_equal(weir_condition_eval("nan", "GREATER_THAN", "1", &o, &e), -1);
	assert_int_equal(weir_condition_eval("1", "LIKE", "1", &o, &e), -1);
	assert_string_equal(e.field, "condition_task.op");
}

/* ---------------------------------------------------------------- references */

static bool fake_task(void *arg, const char *key, int64_t *run_id, const char **result_state, const json_t **values)
{
	json_t *vals = arg;
	if (strcmp(key, "up") != 0)
		return false;
	*run_id = 77;
	*result_state = "SUCCESS";
	*values = vals;
	return true;
}

static void test_refs(void **state)
{
	(void)state;
	weir_arena *a = weir_arena_new(4096);
	json_t *params = json_pack("{s:s}", "env", "dev");
	json_t *vals = json_pack("{s:i, s:s}", "count", 42, "name", "x y");
	weir_ref_ctx c = {.job_id = 5,
			  .job_name = "nightly",
			  .run_id = 9,
			  .trigger_type = "ONE_TIME",
			  .start_time_ms = 1700000000123LL, /* 2023-11-14T22:13:20Z, a Tuesday */
			  .parameters = params,
			  .task_key = "t1",
			  .task_run_id = 11,
			  .execution_count = 2,
			  .workspace_id = 1,
			  .task = fake_task,
			  .arg = vals};
	weir_error e = WEIR_ERROR_INIT;
	assert_string_equal(weir_refs_resolve(a, "{{job.id}}/{{ job.run_id }}/{{task.name}}/{{task.run_id}}", &c, &e),
			    "5/9/t1/11");
	assert_string_equal(weir_refs_resolve(a, "{{job.parameters.env}}-{{job.name}}", &c, &e), "dev-nightly");
	assert_string_equal(weir_refs_resolve(a, "{{job.start_time.iso_date}}", &c, &e), "2023-11-14");
	assert_string_equal(weir_refs_resolve(a, "{{job.start_time.iso_datetime}}", &c, &e), "2023-11-14T22:13:20");
	assert_string_equal(weir_refs_resolve(a, "{{job.start_time.day_of_week}}{{job.start_time.is_weekday}}", &c, &e),
			    "2true");
	assert_string_equal(weir_refs_resolve(a, "{{tasks.up.values.count}} {{tasks.up.values.name}}", &c, &e),
			    "42 x y");
	assert_string_equal(weir_refs_resolve(a, "{{tasks.up.run_id}}:{{tasks.up.result_state}}", &c, &e),
			    "77:SUCCESS");
	assert_string_equal(weir_refs_resolve(a, "no refs {{ unterminated", &c, &e), "no refs {{ unterminated");
	/* failures name the reference */
	assert_null(weir_refs_resolve(a, "{{job.parameters.missing}}", &c, &e));
	assert_non_null(strstr(e.message, "{{job.parameters.missing}}"));
	assert_null(weir_refs_resolve(a, "{{tasks.up.values.nothing}}", &c, &e));
	assert_non_null(strstr(e.message, "did not set"));
	assert_null(weir_refs_resolve(a, "{{tasks.other.run_id}}", &c, &e));
	assert_null(weir_refs_resolve(a, "{{bogus}}", &c, &e));
	assert_non_null(strstr(e.message, "unknown reference"));
	assert_null(weir_refs_resolve(a, "{{input}}", &c, &e)); /* not a for_each iteration */
	c.input = "{\"day\":\"mon\",\"n\":3}";
	assert_string_equal(weir_refs_resolve(a, "{{input.day}}#{{input.n}}", &c, &e), "mon#3");
	c.input = "\"plain\"";
	assert_string_equal(weir_refs_resolve(a, "[{{input}}]", &c, &e), "[plain]");
	/* inside JSON, in place */
	json_t *body = json_pack("{s:[s,s], s:{s:s}}", "parameters", "--env={{job.parameters.env}}", "{{job.id}}", "m",
				 "k", "{{task.execution_count}}");
	assert_int_equal(weir_refs_resolve_json(a, body, &c, &e), 0);
	assert_string_equal(json_string_value(json_array_get(json_object_get(body, "parameters"), 0)), "--env=dev");
	assert_string_equal(json_string_value(json_object_get(json_object_get(body, "m"), "k")), "2");
	json_decref(body);
	json_decref(params);
	json_decref(vals);
	weir_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_if_exhaustive), cmocka_unit_test(test_run_if_table),
		cmocka_unit_test(test_dag_checks),        cmocka_unit_test(test_dag_order_and_leaves),
		cmocka_unit_test(test_condition),         cmocka_unit_test(test_refs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
