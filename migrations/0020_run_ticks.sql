-- The schedule tick a cron or periodic run was started for (epoch ms; NULL for other runs).
-- Unique per job: with several replicas on one store (the engine's role moving between them),
-- one tick starts one run; the engine claims the tick in job_schedule_state first
-- (workflows/engine.c, sched_fire) and this index refuses what would slip past.
ALTER TABLE job_runs ADD COLUMN scheduled_time INTEGER;
CREATE UNIQUE INDEX job_runs_tick ON job_runs (job_id, scheduled_time) WHERE scheduled_time IS NOT NULL;
