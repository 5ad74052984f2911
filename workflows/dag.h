/* The rules of a job's DAG, pure (no database, no clock): the task graph with its checks,
 * run_if, the job run's result from its leaves, `only` selection, the tasks a repair
 * re-runs, and condition_task. Each is unit-tested exhaustively in tests/unit/test_dag.c.
 * The rules are Databricks' (shared/reference/jobs-api.md §2b, §3d, §3f). */
#ifndef WEIR_WORKFLOWS_DAG_H
#define WEIR_WORKFLOWS_DAG_H

#include <jansson.h>
#include <stdbool.h>

#include "core/arena.h"
#include "core/error.h"

#define WEIR_DAG_MAX_TASKS 1000

/* ---------------------------------------------------------------- task types */

/* Every Databricks task type; a task has exactly one of these fields. */
typedef enum {
	WEIR_TT_CONDITION = 0,
	WEIR_TT_RUN_JOB,
	WEIR_TT_FOR_EACH,
	WEIR_TT_SQL,
	WEIR_TT_SPARK_PYTHON, /* command task: python3 <python_file> <parameters...> */
	WEIR_TT_PYTHON_WHEEL, /* command task: an installed entry point */
	WEIR_TT_NOTEBOOK,
	WEIR_TT_SPARK_JAR,
	WEIR_TT_SPARK_SUBMIT,
	WEIR_TT_PIPELINE,
	WEIR_TT_DBT,
	WEIR_TT_DBT_PLATFORM,
	WEIR_TT_DBT_CLOUD,
	WEIR_TT_DASHBOARD,
	WEIR_TT_ALERT,
	WEIR_TT_POWER_BI,
	WEIR_TT_CLEAN_ROOMS_NOTEBOOK,
	WEIR_TT_GEN_AI_COMPUTE,
	WEIR_TT_AI_RUNTIME,
	WEIR_TT_PYTHON_OPERATOR,
	WEIR_TT__COUNT
} weir_task_type;

/* The field name of a type ("condition_task"). */
const char *weir_task_type_field(weir_task_type t);
/* The type of a task object: exactly one type field, else -1 with err naming the task. */
int weir_task_type_of(const json_t *task, const char *task_key, weir_task_type *out, weir_error *err);

/* ---------------------------------------------------------------- the graph */

typedef struct weir_dag {
	int n;
	const char **keys; /* task_key of each task, in the settings' order */
	json_t **tasks; /* borrowed from the settings */
	weir_task_type *type;
	int *ndeps;
	int **deps; /* indices of the tasks each depends on */
	const char ***dep_outcome; /* per edge: "true" / "false" on an edge from a condition task, or NULL */
	int *nchildren;
	int **children; /* indices of the tasks that depend on each */
	int *order; /* a topological order of the tasks */
} weir_dag;

/* Builds and checks the graph of a `tasks` array (NULL or empty: no tasks): each task an
 * object with a task_key (1..100 of [A-Za-z0-9_-]) unique in the job, exactly one task
 * type, depends_on naming known keys, no cycle, an `outcome` ("true"/"false") only on an
 * edge from a condition_task (optional there), at most 1,000 tasks.
 * `field` prefixes the field named in errors ("tasks", "new_settings.tasks"). Every
 * failure is 400 INVALID_PARAMETER_VALUE naming the task. Arena memory. */
int weir_dag_build(weir_arena *a, const json_t *tasks, const char *field, weir_dag *out, weir_error *err);
/* The index of a task key, or -1. */
int weir_dag_find(const weir_dag *g, const char *key);

/* ---------------------------------------------------------------- run_if */

typedef enum {
	WEIR_RUN_IF_ALL_SUCCESS = 0,
	WEIR_RUN_IF_AT_LEAST_ONE_SUCCESS,
	WEIR_RUN_IF_NONE_FAILED,
	WEIR_RUN_IF_ALL_DONE,
	WEIR_RUN_IF_AT_LEAST_ONE_FAILED,
	WEIR_RUN_IF_ALL_FAILED,
	WEIR_RUN_IF__COUNT
} weir_run_if;

/* "ALL_SUCCESS" ... ; -1 for anything else. NULL is ALL_SUCCESS (the default). */
int weir_run_if_parse(const char *s);
const char *weir_run_if_name(weir_run_if r);

/* How an upstream task ended, as its dependents see it (the edge's outcome applied). */
typedef enum {
	WEIR_UP_SUCCESS = 0, /* SUCCESS (and DISABLED, whose result counts as success) */
	WEIR_UP_FAILED, /* FAILED, TIMEDOUT, INTERNAL_ERROR, UPSTREAM_FAILED */
	WEIR_UP_EXCLUDED, /* EXCLUDED, or an edge whose condition outcome did not match */
	WEIR_UP_CANCELED, /* CANCELED, UPSTREAM_CANCELED */
} weir_up;

/* What a task whose dependencies have all finished does. */
typedef enum {
	WEIR_GATE_RUN = 0,
	WEIR_GATE_UPSTREAM_FAILED,
	WEIR_GATE_EXCLUDED,
	WEIR_GATE_UPSTREAM_CANCELED,
} weir_gate;

/* The run_if rule, given how many dependencies ended each way:
 * - all dependencies EXCLUDED: EXCLUDED whatever run_if says; otherwise EXCLUDED counts as
 *   success;
 * - ALL_SUCCESS: all succeeded; AT_LEAST_ONE_SUCCESS: one did; NONE_FAILED: none failed nor
 *   was canceled (and one ran); when not met: UPSTREAM_CANCELED if a dependency was
 *   canceled, else UPSTREAM_FAILED;
 * - ALL_DONE: always runs;
 * - AT_LEAST_ONE_FAILED / ALL_FAILED: a canceled dependency counts as failed (clean-up tasks
 *   still run after a cancel); when not met: EXCLUDED.
 * A task with no dependencies runs. */
weir_gate weir_run_if_eval(weir_run_if r, int success, int failed, int excluded, int canceled);

/* ---------------------------------------------------------------- results */

/* The final result of a task as its dependents and the leaf rule see it; `result` is a
 * result_state name. */
weir_up weir_result_up(const char *result);

/* The job run's result from its tasks' final results (result_state names, NULL for a task
 * that did not run: not counted): SUCCESS when every task succeeded (EXCLUDED and DISABLED
 * count as success), SUCCESS_WITH_FAILURES when some task failed but every leaf (a task no
 * other task depends on) succeeded, FAILED when a leaf failed. */
const char *weir_dag_result(const weir_dag *g, const char *const *results);

/* ---------------------------------------------------------------- selection */

/* run-now `only`: marks sel[i] for the tasks to run. Each entry is "t", "+t" (t and
 * everything upstream), "t+" (t and everything downstream) or "+t+". NULL or empty: all.
 * 400 naming `only` for an unknown key. */
int weir_dag_select_only(const weir_dag *g, const json_t *only, bool *sel, weir_error *err);
/* Marks in sel every task downstream of the tasks already marked (repair's
 * rerun_dependent_tasks). */
void weir_dag_mark_downstream(const weir_dag *g, bool *sel);

/* ---------------------------------------------------------------- condition_task */

/* condition_task {left, op, right}: EQUAL_TO / NOT_EQUAL compare strings, the ordering ops
 * compare numbers (both sides must parse as numbers, else -1 with err). *outcome is set. */
int weir_condition_eval(const char *left, const char *op, const char *right, bool *outcome, weir_error *err);
/* Whether op is one of the six operators. */
bool weir_condition_op_valid(const char *op);

#endif
