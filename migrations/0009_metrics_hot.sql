-- Metric points: a small "hot" table in front of trk_metrics (registry/tracking_store.c).
--
-- trk_metrics is clustered by (run, key, step, ...), which makes get-history one index
-- range scan, but a log-batch of 1,000 distinct keys then writes one scattered leaf page
-- per key: about 1,000 WAL frames per commit once a run has history, and a checkpoint on
-- almost every commit. New points go to trk_metrics_hot instead: same columns, same
-- primary key, kept to a few thousand rows, so a batch dirties only the hot table's few
-- pages (a key with many points in one batch still goes straight to trk_metrics). Each
-- write that leaves the hot table above its target moves one bounded slice of it, in
-- primary-key order, into trk_metrics; a key then has several points waiting and its
-- cold leaf page is written once for all of them.
--
-- Invariants: a point is in trk_metrics, in trk_metrics_hot, or (briefly, when it was
-- logged again while already stored) in both; every reader takes the UNION of both tables
-- (a merge of two primary-key range scans that drops identical rows), so no point is
-- read twice and none is missed while it moves.
CREATE TABLE trk_metrics_hot (
  run                INTEGER NOT NULL REFERENCES trk_runs(id) ON DELETE CASCADE,
  key                TEXT NOT NULL,
  step               INTEGER NOT NULL,
  timestamp          INTEGER NOT NULL,
  value              REAL NOT NULL,
  is_nan             INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run, key, step, timestamp, value, is_nan)
) STRICT, WITHOUT ROWID;

-- Where the next slice starts: the primary key of the last point moved (the slices go
-- round the hot table in key order, so every key waits about as long and collects about
-- as many points before its cold page is written). Run -1 (run ids are positive) is the
-- start.
-- A hint only: any value is correct, a wrong one only makes one merge less efficient.
CREATE TABLE trk_metrics_merge (
  id                 INTEGER PRIMARY KEY CHECK (id = 1),
  run                INTEGER NOT NULL,
  key                TEXT NOT NULL,
  step               INTEGER NOT NULL,
  timestamp          INTEGER NOT NULL,
  value              REAL NOT NULL,
  is_nan             INTEGER NOT NULL
) STRICT;
INSERT INTO trk_metrics_merge(id, run, key, step, timestamp, value, is_nan) VALUES (1, -1, '', 0, 0, 0.0, 0);

-- trk_latest_metrics(key, value) served no query: run search reaches the latest values only
-- through correlated look-ups by (run, key), the primary key (EXPLAIN QUERY PLAN of the
-- filter and order_by shapes in bench/mlflow/RESULTS.md). It cost every log-batch one
-- entry move per key, in an index ordered by key across all runs: with 300 runs logging
-- the same 1,000 keys, a batch of one run dirtied ~1,000 of its pages (1,128 WAL frames
-- per commit against 129 without it, 21 ms of CPU against 6; bench/mlflow/hotsim.c).
DROP INDEX trk_latest_metrics_key;
