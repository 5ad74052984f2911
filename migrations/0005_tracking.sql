-- MLflow experiment tracking: experiments, runs, params, metrics (every point plus the
-- latest per key), run tags, datasets and run inputs. Experiments are not UC securables:
-- `owner` records the creating principal's name (see registry/tracking.c). Runs carry an
-- integer surrogate key `id` so that the high-volume child tables (metrics) stay compact;
-- the public 32-hex `run_id` is unique. Soft deletes keep rows (lifecycle_stage).
CREATE TABLE trk_experiments (
  experiment_id      INTEGER PRIMARY KEY,
  name               TEXT NOT NULL UNIQUE,
  artifact_location  TEXT NOT NULL,
  lifecycle_stage    TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
  creation_time      INTEGER NOT NULL,
  last_update_time   INTEGER NOT NULL,
  owner              TEXT NOT NULL
) STRICT;
CREATE INDEX trk_experiments_stage ON trk_experiments(lifecycle_stage, name);

CREATE TABLE trk_experiment_tags (
  experiment_id      INTEGER NOT NULL REFERENCES trk_experiments(experiment_id) ON DELETE CASCADE,
  key                TEXT NOT NULL,
  value              TEXT NOT NULL,
  PRIMARY KEY (experiment_id, key)
) STRICT, WITHOUT ROWID;

INSERT INTO trk_experiments(experiment_id, name, artifact_location, lifecycle_stage, creation_time,
                            last_update_time, owner)
VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active',
        CAST(unixepoch('now') AS INTEGER) * 1000, CAST(unixepoch('now') AS INTEGER) * 1000, 'system');

CREATE TABLE trk_runs (
  id                 INTEGER PRIMARY KEY,
  run_id             TEXT NOT NULL UNIQUE CHECK (length(run_id) = 32),
  experiment_id      INTEGER NOT NULL REFERENCES trk_experiments(experiment_id),
  run_name           TEXT NOT NULL DEFAULT '',
  user_id            TEXT NOT NULL DEFAULT '',
  owner              TEXT NOT NULL,
  status             TEXT NOT NULL CHECK (status IN ('RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED')),
  start_time         INTEGER,
  end_time           INTEGER,
  artifact_uri       TEXT NOT NULL,
  lifecycle_stage    TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
  deleted_time       INTEGER
) STRICT;
CREATE INDEX trk_runs_experiment ON trk_runs(experiment_id, lifecycle_stage, start_time);

CREATE TABLE trk_params (
  run                INTEGER NOT NULL REFERENCES trk_runs(id) ON DELETE CASCADE,
  key                TEXT NOT NULL,
  value              TEXT NOT NULL,
  PRIMARY KEY (run, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE trk_run_tags (
  run                INTEGER NOT NULL REFERENCES trk_runs(id) ON DELETE CASCADE,
  key                TEXT NOT NULL,
  value              TEXT NOT NULL,
  PRIMARY KEY (run, key)
) STRICT, WITHOUT ROWID;

-- Every logged point. The primary key is the get-history order, so a page is one index
-- range scan from the keyset cursor (step, timestamp, value, is_nan): flat latency however
-- many points a run holds. NaN is stored as value 0 with is_nan = 1; +-Inf as REAL inf.
CREATE TABLE trk_metrics (
  run                INTEGER NOT NULL REFERENCES trk_runs(id) ON DELETE CASCADE,
  key                TEXT NOT NULL,
  step               INTEGER NOT NULL,
  timestamp          INTEGER NOT NULL,
  value              REAL NOT NULL,
  is_nan             INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run, key, step, timestamp, value, is_nan)
) STRICT, WITHOUT ROWID;

-- The latest point per key: the maximum by (step, timestamp, value), as MLflow defines it.
CREATE TABLE trk_latest_metrics (
  run                INTEGER NOT NULL REFERENCES trk_runs(id) ON DELETE CASCADE,
  key                TEXT NOT NULL,
  step               INTEGER NOT NULL,
  timestamp          INTEGER NOT NULL,
  value              REAL NOT NULL,
  is_nan             INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX trk_latest_metrics_key ON trk_latest_metrics(key, value);

CREATE TABLE trk_datasets (
  id                 INTEGER PRIMARY KEY,
  experiment_id      INTEGER NOT NULL REFERENCES trk_experiments(experiment_id),
  name               TEXT NOT NULL,
  digest             TEXT NOT NULL,
  source_type        TEXT NOT NULL,
  source             TEXT NOT NULL,
  schema             TEXT,
  profile            TEXT,
  UNIQUE (experiment_id, name, digest)
) STRICT;

CREATE TABLE trk_inputs (
  id                 INTEGER PRIMARY KEY,
  dataset            INTEGER NOT NULL REFERENCES trk_datasets(id) ON DELETE CASCADE,
  run                INTEGER NOT NULL REFERENCES trk_runs(id) ON DELETE CASCADE,
  UNIQUE (run, dataset)
) STRICT;
CREATE INDEX trk_inputs_dataset ON trk_inputs(dataset);

CREATE TABLE trk_input_tags (
  input              INTEGER NOT NULL REFERENCES trk_inputs(id) ON DELETE CASCADE,
  key                TEXT NOT NULL,
  value              TEXT NOT NULL,
  PRIMARY KEY (input, key)
) STRICT, WITHOUT ROWID;
