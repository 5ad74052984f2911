-- weir: sqlite only
-- CHECK constraints whose IN list has more than two values, rewritten as chains of
-- equalities. SQLite codes such an IN list as an ephemeral table that it builds again on
-- every run of the statement (OP_OpenEphemeral under OP_Once, re-armed per run): measured
-- with callgrind, an INSERT into securables cost 66,800 instructions with its `type IN`
-- list and 31,100 without it. Chains of equalities cost a few comparisons, and they accept
-- and refuse exactly the same values.
--
-- The constraints are edited in place, as SQLite documents for changes that every stored
-- row already satisfies (https://sqlite.org/lang_altertable.html, "Making Other Kinds Of
-- Table Schema Changes"): PRAGMA writable_schema, an UPDATE of the table's text, then
-- RESET, which reloads this connection's schema. No row changes. The schema cookie is not
-- moved: migrations run on the first connection, before any other opens (core/db.c), and
-- a connection elsewhere that kept the old text enforces the same rule.
--
-- PostgreSQL keeps its IN lists (no such cost there): the first line above makes its
-- migrator record this migration without running it (core/db_pg.c). A new CHECK lists
-- more than two values as `(x = 'a' OR x = 'b' OR ...)`; tests/unit/test_core.c fails on
-- an IN list of more than two values in the migrated schema.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'kind IN (''user'', ''group'', ''service_principal'')',
  '(kind = ''user'' OR kind = ''group'' OR kind = ''service_principal'')')
WHERE type = 'table' AND name = 'principals';
UPDATE sqlite_schema SET sql = replace(sql, 'type IN (''metastore'', ''catalog'', ''schema'', ''table'',
                                                    ''volume'', ''function'', ''registered_model'')',
  '(type = ''metastore'' OR type = ''catalog'' OR type = ''schema'' OR type = ''table'' OR
                                                    type = ''volume'' OR type = ''function'' OR type = ''registered_model'')')
WHERE type = 'table' AND name = 'securables';
UPDATE sqlite_schema SET sql = replace(sql, 'stage IN (''None'', ''Staging'', ''Production'', ''Archived'')',
  '(stage = ''None'' OR stage = ''Staging'' OR stage = ''Production'' OR stage = ''Archived'')')
WHERE type = 'table' AND name = 'model_versions';
UPDATE sqlite_schema SET sql = replace(sql, 'status IN (''PENDING_REGISTRATION'', ''FAILED_REGISTRATION'', ''READY'')',
  '(status = ''PENDING_REGISTRATION'' OR status = ''FAILED_REGISTRATION'' OR status = ''READY'')')
WHERE type = 'table' AND name = 'model_versions';
UPDATE sqlite_schema SET sql = replace(sql, 'status IN (''PENDING'', ''DELIVERED'', ''FAILED'')',
  '(status = ''PENDING'' OR status = ''DELIVERED'' OR status = ''FAILED'')')
WHERE type = 'table' AND name = 'webhook_deliveries';
UPDATE sqlite_schema SET sql = replace(sql, 'status IN (''RUNNING'', ''SCHEDULED'', ''FINISHED'', ''FAILED'', ''KILLED'')',
  '(status = ''RUNNING'' OR status = ''SCHEDULED'' OR status = ''FINISHED'' OR status = ''FAILED'' OR status = ''KILLED'')')
WHERE type = 'table' AND name = 'trk_runs';
UPDATE sqlite_schema SET sql = replace(sql, 'kind IN (''TABLE'', ''VOLUME'', ''MODEL'', ''MODEL_VERSION'', ''DATASET'',
                                              ''MLFLOW_RUN'', ''JOB'', ''JOB_RUN'', ''QUERY'', ''NOTEBOOK'',
                                              ''OL_JOB'', ''OL_RUN'')',
  '(kind = ''TABLE'' OR kind = ''VOLUME'' OR kind = ''MODEL'' OR kind = ''MODEL_VERSION'' OR kind = ''DATASET'' OR
                                              kind = ''MLFLOW_RUN'' OR kind = ''JOB'' OR kind = ''JOB_RUN'' OR kind = ''QUERY'' OR kind = ''NOTEBOOK'' OR
                                              kind = ''OL_JOB'' OR kind = ''OL_RUN'')')
WHERE type = 'table' AND name = 'lineage_nodes';
UPDATE sqlite_schema SET sql = replace(sql, 'origin IN (''CAPTURED'', ''OPENLINEAGE'', ''MANUAL'')',
  '(origin = ''CAPTURED'' OR origin = ''OPENLINEAGE'' OR origin = ''MANUAL'')')
WHERE type = 'table' AND name = 'lineage_edge_obs';
UPDATE sqlite_schema SET sql = replace(sql, 'origin IN (''CAPTURED'', ''OPENLINEAGE'', ''MANUAL'')',
  '(origin = ''CAPTURED'' OR origin = ''OPENLINEAGE'' OR origin = ''MANUAL'')')
WHERE type = 'table' AND name = 'lineage_column_edge_obs';
UPDATE sqlite_schema SET sql = replace(sql, 'event_kind IN (''RUN'', ''DATASET'', ''JOB'')',
  '(event_kind = ''RUN'' OR event_kind = ''DATASET'' OR event_kind = ''JOB'')')
WHERE type = 'table' AND name = 'ol_events';
UPDATE sqlite_schema SET sql = replace(sql, 'destination_type IN (''EMAIL'', ''SLACK'', ''WEBHOOK'', ''MICROSOFT_TEAMS'', ''PAGERDUTY'')',
  '(destination_type = ''EMAIL'' OR destination_type = ''SLACK'' OR destination_type = ''WEBHOOK'' OR destination_type = ''MICROSOFT_TEAMS'' OR destination_type = ''PAGERDUTY'')')
WHERE type = 'table' AND name = 'notification_destinations';
UPDATE sqlite_schema SET sql = replace(sql, 'status IN (''PENDING'', ''DELIVERED'', ''FAILED'', ''RECORDED'')',
  '(status = ''PENDING'' OR status = ''DELIVERED'' OR status = ''FAILED'' OR status = ''RECORDED'')')
WHERE type = 'table' AND name = 'notification_deliveries';
UPDATE sqlite_schema SET sql = replace(sql, 'status IN (''LOGGED_MODEL_PENDING'', ''LOGGED_MODEL_READY'',
                                                     ''LOGGED_MODEL_UPLOAD_FAILED'')',
  '(status = ''LOGGED_MODEL_PENDING'' OR status = ''LOGGED_MODEL_READY'' OR
                                                     status = ''LOGGED_MODEL_UPLOAD_FAILED'')')
WHERE type = 'table' AND name = 'trk_logged_models';
PRAGMA writable_schema = RESET;
