/* Inside the workflows module: what jobs.c, runs.c and engine.c share. */
#ifndef WEIR_WORKFLOWS_JOBS_INT_H
#define WEIR_WORKFLOWS_JOBS_INT_H

#include "workflows/jobs_store.h"
#include "workflows/workflows.h"

/* Checks JobSettings (or a runs/submit body when `submit`) and fills the defaults jobs/get
 * answers with; every failure is a 400 naming the field. */
int weir_jobs_settings_check(weir_db *db, weir_arena *a, const weir_principal *p, json_t *s, weir_jobs_api api,
			     bool submit, weir_error *err);
/* The paging members of jobs/list and runs/list: has_more, next_page_token when there is
 * more, prev_page_token after the first page (tokens are offsets). */
void weir_jobs_page_links(weir_arena *a, json_t *out, int64_t offset, int64_t limit, bool more);
/* 400 INVALID_PARAMETER_VALUE "Job <id> does not exist." */
int weir_jobs_job_missing(weir_error *err, int64_t job_id);
/* 400 INVALID_PARAMETER_VALUE "Run <id> does not exist." */
int weir_runs_run_missing(weir_error *err, int64_t run_id);

/* Starts a run of a job (a PENDING row the engine picks up): run-now, schedules, triggers
 * and run_job_task. Returns the run id or -1. */
typedef struct weir_wf_start {
	const char *trigger; /* ONE_TIME, PERIODIC, CONTINUOUS, RUN_JOB_TASK */
	int64_t creator_id;
	const json_t *queue; /* run-now queue override, or NULL */
	const json_t *job_parameters; /* overrides of the job's parameters, or NULL */
	const json_t *overriding; /* legacy *_params, or NULL */
	const json_t *only;
	const char *token;
	int64_t parent_task_run; /* run_job_task */
} weir_wf_start;
int64_t weir_wf_run_start(weir_db *db, weir_arena *a, const weir_wf_job *j, const weir_wf_start *o, weir_error *err);

/* The output file of a task run (DATA/runs/<task_run_id>/output.log) and how many of its
 * last bytes are kept (--task-log-limit). */
void weir_engine_log_path(int64_t task_run_id, char *out, size_t cap);
int64_t weir_engine_log_limit(void);

#endif
