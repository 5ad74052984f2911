-- Workflows: jobs (Databricks Jobs API 2.1/2.2), their permissions, runs, task runs and
-- repairs. The engine (workflows/engine.c) moves runs through their states; every change of
-- state is made in a write transaction, so a restart finds each run where it was.
-- Ids are random positive integers below 2^53 (JavaScript clients parse them exactly).

CREATE TABLE jobs (
    job_id        INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,              -- settings.name, for the list's name filter
    settings      TEXT NOT NULL,              -- JobSettings as stored (JSON)
    creator_id    INTEGER NOT NULL,
    run_as_id     INTEGER NOT NULL,           -- the principal runs execute as
    created_time  INTEGER NOT NULL,
    api_version   TEXT NOT NULL               -- '2.1' or '2.2': the queue default differs
);
CREATE INDEX jobs_name ON jobs (name COLLATE NOCASE, job_id);

-- Job permissions (CAN_VIEW, CAN_MANAGE_RUN, CAN_MANAGE, IS_OWNER), to users, groups and
-- service principals. Exactly one IS_OWNER row per job.
CREATE TABLE job_acl (
    job_id        INTEGER NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    principal_id  INTEGER NOT NULL,
    level         TEXT NOT NULL,
    PRIMARY KEY (job_id, principal_id)
) WITHOUT ROWID;

CREATE TABLE job_runs (
    run_id            INTEGER PRIMARY KEY,
    job_id            INTEGER,                -- NULL for runs/submit
    run_type          TEXT NOT NULL,          -- JOB_RUN | SUBMIT_RUN | WORKFLOW_RUN
    trigger_type      TEXT NOT NULL,          -- ONE_TIME | PERIODIC | RUN_JOB_TASK | CONTINUOUS | RETRY
    run_name          TEXT,
    creator_id        INTEGER NOT NULL,
    run_as_id         INTEGER NOT NULL,
    settings          TEXT NOT NULL,          -- the settings the run uses (repair: the job's current ones)
    job_parameters    TEXT,                   -- [{name, default, value}]
    overriding        TEXT,                   -- overriding_parameters as given to run-now
    only_tasks        TEXT,                   -- run-now `only`: JSON array of task keys
    life_cycle        TEXT NOT NULL,          -- PENDING | QUEUED | RUNNING | TERMINATING | TERMINATED | SKIPPED | INTERNAL_ERROR
    result_state      TEXT,
    state_message     TEXT NOT NULL DEFAULT '',
    user_cancelled    INTEGER NOT NULL DEFAULT 0,
    cancel_requested  INTEGER NOT NULL DEFAULT 0,
    queue_reason      TEXT,
    created_time      INTEGER NOT NULL,
    start_time        INTEGER NOT NULL DEFAULT 0,
    end_time          INTEGER NOT NULL DEFAULT 0,
    queue_duration    INTEGER NOT NULL DEFAULT 0,
    idempotency_token TEXT,
    parent_task_run   INTEGER,                -- run_job_task: the task run that started this run
    latest_repair_id  INTEGER,
    acl               TEXT                    -- runs/submit access_control_list, resolved: [[principal_id, level]]
);
CREATE INDEX job_runs_job ON job_runs (job_id, run_id);
CREATE INDEX job_runs_active ON job_runs (life_cycle) WHERE life_cycle IN ('PENDING', 'QUEUED', 'RUNNING', 'TERMINATING');
CREATE UNIQUE INDEX job_runs_idem ON job_runs (ifnull(job_id, -1), creator_id, idempotency_token)
    WHERE idempotency_token IS NOT NULL;

-- One row per attempt of a task (and per attempt of each for_each iteration).
CREATE TABLE task_runs (
    task_run_id    INTEGER PRIMARY KEY,
    run_id         INTEGER NOT NULL REFERENCES job_runs (run_id) ON DELETE CASCADE,
    task_key       TEXT NOT NULL,
    attempt        INTEGER NOT NULL DEFAULT 0,
    repair_id      INTEGER,                   -- NULL: made by the original run
    iteration_of   INTEGER,                   -- for_each: the for_each task run this iterates for
    iteration      INTEGER,                   -- for_each: the index of the input
    life_cycle     TEXT NOT NULL,             -- BLOCKED | PENDING | RUNNING | WAITING_FOR_RETRY | TERMINATED | SKIPPED | INTERNAL_ERROR
    result_state   TEXT,
    state_message  TEXT NOT NULL DEFAULT '',
    start_time     INTEGER NOT NULL DEFAULT 0,
    end_time       INTEGER NOT NULL DEFAULT 0,
    retry_at       INTEGER NOT NULL DEFAULT 0,  -- WAITING_FOR_RETRY: when the attempt may start
    cancel_requested INTEGER NOT NULL DEFAULT 0, -- runs/cancel on this task run
    task           TEXT NOT NULL,             -- the task's settings (JSON)
    outcome        TEXT,                      -- condition_task: 'true' | 'false'
    task_values    TEXT,                      -- values the task set (JSON object)
    resolved       TEXT,                      -- resolved_values (JSON object)
    error          TEXT,
    error_trace    TEXT,
    logs_truncated INTEGER NOT NULL DEFAULT 0,
    child_run_id   INTEGER,                   -- run_job_task: the run it started
    input          TEXT,                      -- for_each iteration: its input (JSON text)
    stats          TEXT                       -- for_each: task_run_stats (JSON)
);
CREATE INDEX task_runs_run ON task_runs (run_id, task_key, attempt);
CREATE INDEX task_runs_iter ON task_runs (iteration_of) WHERE iteration_of IS NOT NULL;

CREATE TABLE run_repairs (
    repair_id      INTEGER PRIMARY KEY,
    run_id         INTEGER NOT NULL REFERENCES job_runs (run_id) ON DELETE CASCADE,
    request        TEXT NOT NULL,             -- rerun_tasks, rerun_all_failed_tasks, rerun_dependent_tasks
    applied        INTEGER NOT NULL DEFAULT 0,-- the engine has created its task runs
    start_time     INTEGER NOT NULL,
    end_time       INTEGER NOT NULL DEFAULT 0,
    life_cycle     TEXT NOT NULL,
    result_state   TEXT
);
CREATE INDEX run_repairs_run ON run_repairs (run_id, repair_id);

-- Schedules: the last time each job's schedule or periodic trigger fired, so that after
-- downtime a missed fire time fires once, not once per missed time.
CREATE TABLE job_schedule_state (
    job_id      INTEGER PRIMARY KEY REFERENCES jobs (job_id) ON DELETE CASCADE,
    last_fired  INTEGER NOT NULL
);
