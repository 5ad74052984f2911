-- Command task runs offered to every replica's lease worker (PostgreSQL store only; SQLite
-- never writes here). The engine's leader inserts a READY row in the pass that starts the
-- task run; a replica claims it (FOR UPDATE SKIP LOCKED: CLAIMED, owner, expires_at), runs
-- the process, moves expires_at forward every heartbeat and writes the outcome (DONE); the
-- leader's next pass ends the task run with it and deletes the row. A CLAIMED row whose
-- expires_at passed lost its replica: the leader ends its task run INTERNAL_ERROR. The leader
-- marks a row CANCELED to stop it; its owner kills the process and deletes the row.
-- (workflows/engine.c, "leases")
CREATE TABLE task_leases (
    task_run_id    INTEGER PRIMARY KEY REFERENCES task_runs (task_run_id) ON DELETE CASCADE,
    state          TEXT NOT NULL DEFAULT 'READY', -- READY | CLAIMED | DONE | CANCELED
    spec           TEXT NOT NULL,                 -- what to run (JSON: argv, env, dir, token)
    owner          TEXT,                          -- the replica that claimed it
    expires_at     INTEGER NOT NULL DEFAULT 0,    -- epoch ms; moved by each heartbeat
    token_id       TEXT,                          -- the run_as token its owner gave the process
    result         TEXT,                          -- DONE: a result_state (SUCCESS | FAILED)
    message        TEXT,
    error_trace    TEXT,
    task_values    TEXT,                          -- DONE: the values the task set (JSON object)
    logs_truncated INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX task_leases_state ON task_leases (state, expires_at);
