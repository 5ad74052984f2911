#!/usr/bin/env bash
# EXPLAIN QUERY PLAN (and timings) for the SQL behind the measured requests, on a weir.db
# whose server is stopped. The search SQL is rebuilt by hand exactly as reg_store_search
# (registry/registry_store.c) assembles it for filter "name LIKE 'm0123%'", admin caller,
# no order_by, max_results 100 (LIMIT 101). Usage: bench/mlflow/plans.sh DATA/weir.db RUN_ID
set -euo pipefail
DB=$1; RUN=${2:-}
MS=$(sqlite3 -readonly "$DB" "SELECT id FROM securables WHERE type='metastore' LIMIT 1")
DEF=$(sqlite3 -readonly "$DB" "SELECT s.id FROM securables s JOIN securables c ON c.id=s.parent_id WHERE s.type='schema' AND c.type='catalog' AND c.parent_id='$MS' AND EXISTS (SELECT 1 FROM securables m WHERE m.parent_id=s.id AND m.type='registered_model') LIMIT 1")
MID=$(sqlite3 -readonly "$DB" "SELECT id FROM securables WHERE parent_id='$DEF' AND name='m01234'")
PROMPT="NOT EXISTS (SELECT 1 FROM registered_model_tags pt WHERE pt.model_id = m.id AND pt.key = 'mlflow.prompt.is_prompt' AND lower(pt.value) = 'true')"
FULL="(c.name || '.' || s.name || '.' || m.name)"
SEARCH="SELECT m.id AS id, 0 AS ver, m.name AS mname, m.updated_at AS upd, m.created_at AS cre FROM securables m WHERE m.parent_id = '$DEF' AND m.type = 'registered_model' AND m.name GLOB 'm0123*' AND $PROMPT UNION ALL SELECT m.id, 0 AS ver, $FULL AS mname, m.updated_at AS upd, m.created_at AS cre FROM securables c JOIN securables s ON s.parent_id = c.id AND s.type = 'schema' JOIN securables m ON m.parent_id = s.id AND m.type = 'registered_model' WHERE c.parent_id = '$MS' AND c.type = 'catalog' AND s.id IS NOT '$DEF' AND $FULL GLOB 'm0123*' AND $PROMPT ORDER BY mname ASC LIMIT 101 OFFSET 0"
# Since 2026-11-21 (after) (RESULTS.md, "after"): the LIKE prefix is a range computed in C, the
# pattern stays only where the range is not exact (here: the other-schemas arm) and is bound as
# (? || '') so that a new pattern does not re-prepare the statement; LIMIT/OFFSET are bound.
SEARCH_NEW="SELECT m.id AS id, 0 AS ver, m.name AS mname, m.updated_at AS upd, m.created_at AS cre, m.comment AS cmt FROM securables m WHERE m.parent_id = '$DEF' AND m.type = 'registered_model' AND m.name >= 'm0123' AND m.name < 'm0124' AND $PROMPT UNION ALL SELECT m.id, 0 AS ver, $FULL AS mname, m.updated_at AS upd, m.created_at AS cre, m.comment AS cmt FROM securables c JOIN securables s ON s.parent_id = c.id AND s.type = 'schema' JOIN securables m ON m.parent_id = s.id AND m.type = 'registered_model' WHERE c.parent_id = '$MS' AND c.type = 'catalog' AND s.id IS NOT '$DEF' AND $FULL GLOB ('m0123*' || '') AND $PROMPT ORDER BY mname ASC LIMIT 101 OFFSET 0"
LATEST_NEW="SELECT (SELECT max(version) FROM model_versions WHERE model_id = '$MID' AND stage = 'None'), (SELECT max(version) FROM model_versions WHERE model_id = '$MID' AND stage = 'Staging'), (SELECT max(version) FROM model_versions WHERE model_id = '$MID' AND stage = 'Production'), (SELECT max(version) FROM model_versions WHERE model_id = '$MID' AND stage = 'Archived')"
LATEST="SELECT max(version) FROM model_versions WHERE model_id = '$MID' GROUP BY stage ORDER BY CASE stage WHEN 'None' THEN 0 WHEN 'Staging' THEN 1 WHEN 'Production' THEN 2 ELSE 3 END"
echo "rows: securables $(sqlite3 -readonly "$DB" 'SELECT count(*) FROM securables'), registered_models $(sqlite3 -readonly "$DB" 'SELECT count(*) FROM registered_models'), model_versions $(sqlite3 -readonly "$DB" 'SELECT count(*) FROM model_versions'), trk_metrics $(sqlite3 -readonly "$DB" 'SELECT count(*) FROM trk_metrics'), sqlite_stat1 rows $(sqlite3 -readonly "$DB" "SELECT count(*) FROM sqlite_master WHERE name='sqlite_stat1'" )"
for q in "$SEARCH" "$LATEST" "$SEARCH_NEW" "$LATEST_NEW"; do
  echo "--- $q" | cut -c1-200
  sqlite3 -readonly "$DB" "EXPLAIN QUERY PLAN $q"
  sqlite3 -readonly "$DB" ".timer on" "$q" | tail -1
done
if [ -n "$RUN" ]; then
  R=$(sqlite3 -readonly "$DB" "SELECT id FROM trk_runs WHERE run_id='$RUN'")
  H="SELECT key, step, timestamp, value, is_nan FROM trk_metrics WHERE run = $R AND key = 'loss' AND (step, timestamp, value, is_nan) > (500000, 1700000500000, 0.5, 0) ORDER BY step, timestamp, value, is_nan LIMIT 1001"
  echo "--- get-history page: SQL_METRIC_AFTER of registry/tracking_store.c with literal values (before 0009)"
  sqlite3 -readonly "$DB" "EXPLAIN QUERY PLAN $H"
  # Since migrations/0009_metrics_hot.sql: the page is the UNION of trk_metrics and
  # trk_metrics_hot, run as a merge of two primary-key range scans (no temp b-tree).
  if [ "$(sqlite3 -readonly "$DB" "SELECT count(*) FROM sqlite_master WHERE name='trk_metrics_hot'")" = 1 ]; then
    C="run = $R AND key = 'loss' AND (step, timestamp, value, is_nan) > (500000, 1700000500000, 0.5, 0)"
    H2="SELECT key, step, timestamp, value, is_nan FROM trk_metrics WHERE $C UNION SELECT key, step, timestamp, value, is_nan FROM trk_metrics_hot WHERE $C ORDER BY step, timestamp, value, is_nan LIMIT 1001"
    echo "--- get-history page since 0009: SQL_METRIC_AFTER (both tables); hot rows $(sqlite3 -readonly "$DB" 'SELECT count(*) FROM trk_metrics_hot')"
    sqlite3 -readonly "$DB" "EXPLAIN QUERY PLAN $H2"
  fi
fi
