/* Dynamic value references ("{{job.parameters.x}}"), resolved when a task is dispatched.
 * Pure: what a reference means comes from the context the engine fills in.
 *
 * Supported (Databricks' names): {{job.id}}, {{job.name}}, {{job.run_id}},
 * {{job.repair_count}}, {{job.trigger.type}}, {{job.parameters.<name>}},
 * {{job.start_time.<arg>}} with arg iso_date, iso_datetime, year, month, day, hour, minute,
 * second, timestamp_ms, day_of_week (1 = Monday), is_weekday (UTC), {{task.name}},
 * {{task.run_id}}, {{task.execution_count}}, {{tasks.<key>.run_id}},
 * {{tasks.<key>.result_state}}, {{tasks.<key>.values.<name>}}, {{workspace.id}},
 * {{input}} and {{input.<field>}} in a for_each iteration. Spaces inside the braces are
 * allowed. An unknown reference, a parameter that does not exist or a value an upstream
 * task did not set fails the resolution with a message naming it (the task then fails). */
#ifndef WEIR_WORKFLOWS_REFS_H
#define WEIR_WORKFLOWS_REFS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/error.h"

typedef struct weir_ref_ctx {
	int64_t job_id; /* 0 for runs/submit */
	const char *job_name;
	int64_t run_id;
	int64_t repair_count;
	const char *trigger_type;
	int64_t start_time_ms;
	const json_t *parameters; /* object: name -> value (strings) */
	const char *task_key;
	int64_t task_run_id;
	int64_t execution_count; /* attempt + 1 */
	int64_t workspace_id;
	const char *input; /* for_each iteration's input as JSON text, or NULL */
	/* Another task of the run: its run id, result_state, and its values (object), or
	 * false when the run has no such task. */
	bool (*task)(void *arg, const char *key, int64_t *run_id, const char **result_state, const json_t **values);
	void *arg;
} weir_ref_ctx;

/* `text` with every reference replaced, in arena memory; NULL with err (400
 * INVALID_PARAMETER_VALUE naming the reference) on failure. */
char *weir_refs_resolve(weir_arena *a, const char *text, const weir_ref_ctx *ctx, weir_error *err);
/* Resolves every string inside a JSON value (objects and arrays, recursively), in place. */
int weir_refs_resolve_json(weir_arena *a, json_t *v, const weir_ref_ctx *ctx, weir_error *err);

#endif
