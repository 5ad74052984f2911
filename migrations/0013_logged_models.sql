-- MLflow 3 logged models (registry/tracking.c, "logged models"): a model an experiment's run
-- logged, with its own artifact location (<experiment location>/models/<model_id>/artifacts),
-- params, tags and the metrics logged against it, and the links between runs and models
-- (runs/log-inputs `models`, runs/outputs). Not UC securables, as experiments and runs are
-- not: `owner` records the creating principal's name. The public id is "m-" and 32 hex
-- digits; `id` is the compact key the child tables use. Deletes are soft (lifecycle_stage),
-- as MLflow's: a deleted model answers 404 but its rows and files stay.
CREATE TABLE trk_logged_models (
  id                 INTEGER PRIMARY KEY,
  model_id           TEXT NOT NULL UNIQUE CHECK (length(model_id) = 34 AND substr(model_id, 1, 2) = 'm-'),
  experiment_id      INTEGER NOT NULL REFERENCES trk_experiments(experiment_id),
  name               TEXT NOT NULL,
  artifact_location  TEXT NOT NULL,
  creation_time      INTEGER NOT NULL,
  last_updated_time  INTEGER NOT NULL,
  status             TEXT NOT NULL CHECK (status IN ('LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY',
                                                     'LOGGED_MODEL_UPLOAD_FAILED')),
  model_type         TEXT NOT NULL DEFAULT '',
  source_run_id      TEXT NOT NULL DEFAULT '',
  lifecycle_stage    TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
  owner              TEXT NOT NULL
) STRICT;
-- search: experiment ids, active models, newest first (MLflow's default order)
CREATE INDEX trk_logged_models_experiment ON trk_logged_models(experiment_id, lifecycle_stage, creation_time);

CREATE TABLE trk_logged_model_params (
  model              INTEGER NOT NULL REFERENCES trk_logged_models(id) ON DELETE CASCADE,
  key                TEXT NOT NULL,
  value              TEXT NOT NULL,
  PRIMARY KEY (model, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE trk_logged_model_tags (
  model              INTEGER NOT NULL REFERENCES trk_logged_models(id) ON DELETE CASCADE,
  key                TEXT NOT NULL,
  value              TEXT NOT NULL,
  PRIMARY KEY (model, key)
) STRICT, WITHOUT ROWID;

-- Every point logged with a model_id (runs/log-metric, runs/log-batch): MLflow keeps them
-- all on the model, with the run and the dataset they were computed on. One point per
-- (key, timestamp, step, run, dataset); logging it again keeps the last value. NaN is
-- value 0 with is_nan = 1, as in trk_metrics.
CREATE TABLE trk_logged_model_metrics (
  model              INTEGER NOT NULL REFERENCES trk_logged_models(id) ON DELETE CASCADE,
  key                TEXT NOT NULL,
  timestamp          INTEGER NOT NULL,
  step               INTEGER NOT NULL,
  run_id             TEXT NOT NULL DEFAULT '',
  dataset_name       TEXT NOT NULL DEFAULT '',
  dataset_digest     TEXT NOT NULL DEFAULT '',
  value              REAL NOT NULL,
  is_nan             INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (model, key, timestamp, step, run_id, dataset_name, dataset_digest)
) STRICT, WITHOUT ROWID;

-- Runs and models: `output` a model the run produced (runs/outputs, with its step),
-- `input` a model the run used (runs/log-inputs `models`; step 0).
CREATE TABLE trk_run_models (
  run                INTEGER NOT NULL REFERENCES trk_runs(id) ON DELETE CASCADE,
  direction          TEXT NOT NULL CHECK (direction IN ('input', 'output')),
  model              INTEGER NOT NULL REFERENCES trk_logged_models(id) ON DELETE CASCADE,
  step               INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run, direction, model, step)
) STRICT, WITHOUT ROWID;
CREATE INDEX trk_run_models_model ON trk_run_models(model);
