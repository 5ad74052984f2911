/* The rules of a job's DAG (dag.h): pure functions over the tasks array. */
#include "workflows/dag.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const TYPE_FIELDS[WEIR_TT__COUNT] = {
	[WEIR_TT_CONDITION] = "condition_task",
	[WEIR_TT_RUN_JOB] = "run_job_task",
	[WEIR_TT_FOR_EACH] = "for_each_task",
	[WEIR_TT_SQL] = "sql_task",
	[WEIR_TT_SPARK_PYTHON] = "spark_python_task",
	[WEIR_TT_PYTHON_WHEEL] = "python_wheel_task",
	[WEIR_TT_NOTEBOOK] = "notebook_task",
	[WEIR_TT_SPARK_JAR] = "spark_jar_task",
	[WEIR_TT_SPARK_SUBMIT] = "spark_submit_task",
	[WEIR_TT_PIPELINE] = "pipeline_task",
	[WEIR_TT_DBT] = "dbt_task",
	[WEIR_TT_DBT_PLATFORM] = "dbt_platform_task",
	[WEIR_TT_DBT_CLOUD] = "dbt_cloud_task",
	[WEIR_TT_DASHBOARD] = "dashboard_task",
	[WEIR_TT_ALERT] = "alert_task",
	[WEIR_TT_POWER_BI] = "power_bi_task",
	[WEIR_TT_CLEAN_ROOMS_NOTEBOOK] = "clean_rooms_notebook_task",
	[WEIR_TT_GEN_AI_COMPUTE] = "gen_ai_compute_task",
	[WEIR_TT_AI_RUNTIME] = "ai_runtime_task",
	[WEIR_TT_PYTHON_OPERATOR] = "python_operator_task",
};

const char *weir_task_type_field(weir_task_type t) { return t < WEIR_TT__COUNT ? TYPE_FIELDS[t] : "?"; }

int weir_task_type_of(const json_t *task, const char *task_key, weir_task_type *out, weir_error *err)
{
	int found = -1;
	for (int t = 0; t < WEIR_TT__COUNT; t++) {
		json_t *v = json_object_get(task, TYPE_FIELDS[t]);
		if (v == NULL || json_is_null(v))
			continue;
		if (!json_is_object(v))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, TYPE_FIELDS[t],
						"Task %.100s: %s must be an object", task_key, TYPE_FIELDS[t]);
		if (found >= 0)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "tasks",
						"Task %.100s: exactly one task type may be set, found %s and %s",
						task_key, TYPE_FIELDS[found], TYPE_FIELDS[t]);
		found = t;
	}
	if (found < 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "tasks",
					"Task %.100s: one task type (condition_task, spark_python_task, "
					"run_job_task, for_each_task, sql_task, ...) must be set",
					task_key);
	*out = (weir_task_type)found;
	return 0;
}

/* ---------------------------------------------------------------- the graph */

static bool key_valid(const char *k)
{
	size_t n = strlen(k);
	if (n == 0 || n > 100)
		return false;
	for (const char *p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '-'))
			return false;
	return true;
}

/* Open addressing over the keys: n <= 1000, so a table of 2048 slots. */
static unsigned hash_key(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

#define SLOTS 2048

typedef struct {
	int slot[SLOTS]; /* index + 1, 0 empty */
} keymap;

static int map_find(const keymap *m, const char *const *keys, const char *k)
{
	for (unsigned h = hash_key(k) & (SLOTS - 1);; h = (h + 1) & (SLOTS - 1)) {
		if (m->slot[h] == 0)
			return -1;
		if (strcmp(keys[m->slot[h] - 1], k) == 0)
			return m->slot[h] - 1;
	}
}

static void map_put(keymap *m, const char *k, int idx)
{
	unsigned h = hash_key(k) & (SLOTS - 1);
	while (m->slot[h] != 0)
		h = (h + 1) & (SLOTS - 1);
	m->slot[h] = idx + 1;
}

int weir_dag_find(const weir_dag *g, const char *key)
{
	for (int i = 0; i < g->n; i++)
		if (strcmp(g->keys[i], key) == 0)
			return i;
	return -1;
}

static int task_err(weir_error *err, const char *field, const char *key, const char *msg)
{
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field, "Task %.100s: %s", key, msg);
}

int weir_dag_build(weir_arena *a, const json_t *tasks, const char *field, weir_dag *g, weir_error *err)
{
	memset(g, 0, sizeof *g);
	if (tasks == NULL || json_is_null(tasks))
		return 0;
	if (!json_is_array(tasks))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field, "%s must be an array", field);
	size_t n = json_array_size(tasks);
	if (n > WEIR_DAG_MAX_TASKS)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"A job may have at most %d tasks; %zu were given", WEIR_DAG_MAX_TASKS, n);
	g->n = (int)n;
	g->keys = weir_arena_calloc(a, (n + 1) * sizeof *g->keys);
	g->tasks = weir_arena_calloc(a, (n + 1) * sizeof *g->tasks);
	g->type = weir_arena_calloc(a, (n + 1) * sizeof *g->type);
	g->ndeps = weir_arena_calloc(a, (n + 1) * sizeof *g->ndeps);
	g->deps = weir_arena_calloc(a, (n + 1) * sizeof *g->deps);
	g->dep_outcome = weir_arena_calloc(a, (n + 1) * sizeof *g->dep_outcome);
	g->nchildren = weir_arena_calloc(a, (n + 1) * sizeof *g->nchildren);
	g->children = weir_arena_calloc(a, (n + 1) * sizeof *g->children);
	g->order = weir_arena_calloc(a, (n + 1) * sizeof *g->order);
	keymap *m = weir_arena_calloc(a, sizeof *m);

	for (size_t i = 0; i < n; i++) {
		json_t *t = json_array_get(tasks, i);
		if (!json_is_object(t))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field, "%s[%zu] must be an object",
						field, i);
		json_t *k = json_object_get(t, "task_key");
		if (!json_is_string(k))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "task_key",
						"%s[%zu]: task_key is required (a string)", field, i);
		const char *key = json_string_value(k);
		if (!key_valid(key))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "task_key",
						"Task key '%.100s' is invalid: 1 to 100 characters of letters, "
						"digits, '_' and '-'",
						key);
		if (map_find(m, g->keys, key) >= 0)
			return task_err(err, "task_key", key, "task_key is not unique in the job");
		g->keys[i] = key;
		g->tasks[i] = t;
		map_put(m, key, (int)i);
		if (weir_task_type_of(t, key, &g->type[i], err) != 0)
			return -1;
	}
	/* edges */
	for (int i = 0; i < g->n; i++) {
		json_t *deps = json_object_get(g->tasks[i], "depends_on");
		if (deps == NULL || json_is_null(deps))
			continue;
		if (!json_is_array(deps))
			return task_err(err, "depends_on", g->keys[i], "depends_on must be an array");
		size_t nd = json_array_size(deps);
		g->deps[i] = weir_arena_calloc(a, (nd + 1) * sizeof(int));
		g->dep_outcome[i] = weir_arena_calloc(a, (nd + 1) * sizeof(char *));
		for (size_t d = 0; d < nd; d++) {
			json_t *e = json_array_get(deps, d);
			json_t *dk = json_is_object(e) ? json_object_get(e, "task_key") : NULL;
			if (!json_is_string(dk))
				return task_err(err, "depends_on", g->keys[i],
						"each depends_on entry needs a task_key (a string)");
			int j = map_find(m, g->keys, json_string_value(dk));
			if (j < 0)
				return weir_error_field(
					err, WEIR_E_INVALID_PARAMETER_VALUE, "depends_on",
					"Task %.100s depends on '%.100s', which is not a task of the job", g->keys[i],
					json_string_value(dk));
			if (j == i)
				return task_err(err, "depends_on", g->keys[i], "a task cannot depend on itself");
			for (int p = 0; p < g->ndeps[i]; p++)
				if (g->deps[i][p] == j)
					return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "depends_on",
								"Task %.100s depends on '%.100s' twice", g->keys[i],
								g->keys[j]);
			json_t *oc = json_object_get(e, "outcome");
			const char *outcome = NULL;
			if (oc != NULL && !json_is_null(oc)) {
				if (g->type[j] != WEIR_TT_CONDITION)
					return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "depends_on",
								"Task %.100s: an outcome may only be set on a "
								"dependency on a condition_task ('%.100s' is not one)",
								g->keys[i], g->keys[j]);
				if (!json_is_string(oc) || (strcmp(json_string_value(oc), "true") != 0 &&
							    strcmp(json_string_value(oc), "false") != 0))
					return task_err(err, "depends_on", g->keys[i],
							"outcome must be \"true\" or \"false\"");
				outcome = json_string_value(oc);
			}
			g->dep_outcome[i][g->ndeps[i]] = outcome;
			g->deps[i][g->ndeps[i]++] = j;
			g->nchildren[j]++;
		}
	}
	for (int i = 0; i < g->n; i++) {
		g->children[i] = weir_arena_calloc(a, ((size_t)g->nchildren[i] + 1) * sizeof(int));
		g->nchildren[i] = 0;
	}
	for (int i = 0; i < g->n; i++)
		for (int d = 0; d < g->ndeps[i]; d++) {
			int j = g->deps[i][d];
			g->children[j][g->nchildren[j]++] = i;
		}
	/* Kahn's algorithm: what is left once no task is free lies on a cycle */
	int *indeg = weir_arena_calloc(a, ((size_t)g->n + 1) * sizeof(int));
	int head = 0, tail = 0;
	for (int i = 0; i < g->n; i++)
		if ((indeg[i] = g->ndeps[i]) == 0)
			g->order[tail++] = i;
	while (head < tail) {
		int i = g->order[head++];
		for (int c = 0; c < g->nchildren[i]; c++)
			if (--indeg[g->children[i][c]] == 0)
				g->order[tail++] = g->children[i][c];
	}
	if (tail < g->n) {
		for (int i = 0; i < g->n; i++)
			if (indeg[i] > 0)
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "depends_on",
							"Task %.100s is part of a dependency cycle", g->keys[i]);
	}
	return 0;
}

/* ---------------------------------------------------------------- run_if */

static const char *const RUN_IF_NAMES[WEIR_RUN_IF__COUNT] = {
	"ALL_SUCCESS", "AT_LEAST_ONE_SUCCESS", "NONE_FAILED", "ALL_DONE", "AT_LEAST_ONE_FAILED", "ALL_FAILED",
};

int weir_run_if_parse(const char *s)
{
	if (s == NULL)
		return WEIR_RUN_IF_ALL_SUCCESS;
	for (int i = 0; i < WEIR_RUN_IF__COUNT; i++)
		if (strcmp(s, RUN_IF_NAMES[i]) == 0)
			return i;
	return -1;
}

const char *weir_run_if_name(weir_run_if r) { return r < WEIR_RUN_IF__COUNT ? RUN_IF_NAMES[r] : "?"; }

weir_gate weir_run_if_eval(weir_run_if r, int success, int failed, int excluded, int canceled)
{
	int total = success + failed + excluded + canceled;
	if (total == 0)
		return WEIR_GATE_RUN;
	if (excluded == total)
		return WEIR_GATE_EXCLUDED;
	int ok = success + excluded; /* EXCLUDED counts as success */
	weir_gate not_met = canceled > 0 ? WEIR_GATE_UPSTREAM_CANCELED : WEIR_GATE_UPSTREAM_FAILED;
	switch (r) {
	case WEIR_RUN_IF_ALL_SUCCESS: return ok == total ? WEIR_GATE_RUN : not_met;
	case WEIR_RUN_IF_AT_LEAST_ONE_SUCCESS: return success > 0 ? WEIR_GATE_RUN : not_met;
	case WEIR_RUN_IF_NONE_FAILED: return failed == 0 && canceled == 0 && success > 0 ? WEIR_GATE_RUN : not_met;
	case WEIR_RUN_IF_ALL_DONE: return WEIR_GATE_RUN;
	case WEIR_RUN_IF_AT_LEAST_ONE_FAILED: return failed + canceled > 0 ? WEIR_GATE_RUN : WEIR_GATE_EXCLUDED;
	case WEIR_RUN_IF_ALL_FAILED: return failed + canceled == total ? WEIR_GATE_RUN : WEIR_GATE_EXCLUDED;
	default: return not_met;
	}
}

/* ---------------------------------------------------------------- results */

weir_up weir_result_up(const char *r)
{
	if (r == NULL)
		return WEIR_UP_FAILED;
	if (strcmp(r, "SUCCESS") == 0 || strcmp(r, "DISABLED") == 0 || strcmp(r, "SUCCESS_WITH_FAILURES") == 0)
		return WEIR_UP_SUCCESS;
	if (strcmp(r, "EXCLUDED") == 0)
		return WEIR_UP_EXCLUDED;
	if (strcmp(r, "CANCELED") == 0 || strcmp(r, "UPSTREAM_CANCELED") == 0)
		return WEIR_UP_CANCELED;
	return WEIR_UP_FAILED;
}

const char *weir_dag_result(const weir_dag *g, const char *const *results)
{
	bool any_failed = false, leaf_failed = false;
	for (int i = 0; i < g->n; i++) {
		if (results[i] == NULL)
			continue;
		weir_up u = weir_result_up(results[i]);
		if (u == WEIR_UP_SUCCESS || u == WEIR_UP_EXCLUDED)
			continue;
		any_failed = true;
		/* a leaf among the tasks that ran: no dependent of it ran either */
		bool leaf = true;
		for (int c = 0; c < g->nchildren[i] && leaf; c++)
			if (results[g->children[i][c]] != NULL)
				leaf = false;
		if (leaf)
			leaf_failed = true;
	}
	if (!any_failed)
		return "SUCCESS";
	return leaf_failed ? "FAILED" : "SUCCESS_WITH_FAILURES";
}

/* ---------------------------------------------------------------- selection */

static void mark_up(const weir_dag *g, int i, bool *sel)
{
	for (int d = 0; d < g->ndeps[i]; d++)
		if (!sel[g->deps[i][d]]) {
			sel[g->deps[i][d]] = true;
			mark_up(g, g->deps[i][d], sel);
		}
}

static void mark_down(const weir_dag *g, int i, bool *sel)
{
	for (int c = 0; c < g->nchildren[i]; c++)
		if (!sel[g->children[i][c]]) {
			sel[g->children[i][c]] = true;
			mark_down(g, g->children[i][c], sel);
		}
}

int weir_dag_select_only(const weir_dag *g, const json_t *only, bool *sel, weir_error *err)
{
	if (only == NULL || json_is_null(only) || (json_is_array(only) && json_array_size(only) == 0)) {
		for (int i = 0; i < g->n; i++)
			sel[i] = true;
		return 0;
	}
	if (!json_is_array(only))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "only",
					"only must be an array of strings");
	for (int i = 0; i < g->n; i++)
		sel[i] = false;
	size_t idx;
	json_t *v;
	json_array_foreach (only, idx, v) {
		if (!json_is_string(v))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "only",
						"only must be an array of strings");
		const char *s = json_string_value(v);
		size_t len = strlen(s);
		bool up = len > 0 && s[0] == '+';
		bool down = len > (size_t)up && s[len - 1] == '+';
		size_t klen = len - (up ? 1 : 0) - (down ? 1 : 0);
		char key[128];
		if (klen == 0 || klen >= sizeof key)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "only",
						"only: '%.100s' does not name a task", s);
		memcpy(key, s + (up ? 1 : 0), klen);
		key[klen] = '\0';
		int i = weir_dag_find(g, key);
		if (i < 0)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "only",
						"only: task '%.100s' is not a task of the job", key);
		sel[i] = true;
		if (up)
			mark_up(g, i, sel);
		if (down)
			mark_down(g, i, sel);
	}
	return 0;
}

void weir_dag_mark_downstream(const weir_dag *g, bool *sel)
{
	bool *seed = calloc((size_t)g->n + 1, 1);
	if (seed == NULL)
		abort();
	memcpy(seed, sel, (size_t)g->n);
	for (int i = 0; i < g->n; i++)
		if (seed[i])
			mark_down(g, i, sel);
	free(seed);
}

/* ---------------------------------------------------------------- condition_task */

static const char *const OPS[] = {"EQUAL_TO",  "NOT_EQUAL",         "GREATER_THAN", "GREATER_THAN_OR_EQUAL",
				  "LESS_THAN", "LESS_THAN_OR_EQUAL"};

bool weir_condition_op_valid(const char *op)
{
	for (size_t i = 0; op && i < sizeof OPS / sizeof OPS[0]; i++)
		if (strcmp(op, OPS[i]) == 0)
			return true;
	return false;
}

static bool parse_number(const char *s, double *out)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return false;
	char *end;
	errno = 0;
	double d = strtod(s, &end);
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '\0' || errno == ERANGE || isnan(d) || isinf(d))
		return false;
	*out = d;
	return true;
}

int weir_condition_eval(const char *left, const char *op, const char *right, bool *outcome, weir_error *err)
{
	if (!weir_condition_op_valid(op))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "condition_task.op",
					"condition_task.op must be one of EQUAL_TO, NOT_EQUAL, GREATER_THAN, "
					"GREATER_THAN_OR_EQUAL, LESS_THAN, LESS_THAN_OR_EQUAL");
	if (strcmp(op, "EQUAL_TO") == 0) {
		*outcome = strcmp(left, right) == 0;
		return 0;
	}
	if (strcmp(op, "NOT_EQUAL") == 0) {
		*outcome = strcmp(left, right) != 0;
		return 0;
	}
	double l, r;
	if (!parse_number(left, &l) || !parse_number(right, &r))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "condition_task",
					"condition_task %s compares numbers: '%.100s' and '%.100s' must both be "
					"numbers",
					op, left, right);
	if (strcmp(op, "GREATER_THAN") == 0)
		*outcome = l > r;
	else if (strcmp(op, "GREATER_THAN_OR_EQUAL") == 0)
		*outcome = l >= r;
	else if (strcmp(op, "LESS_THAN") == 0)
		*outcome = l < r;
	else
		*outcome = l <= r;
	return 0;
}
