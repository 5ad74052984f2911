-- The SQL warehouse's query history (GET /api/2.0/sql/history/queries, Databricks' Query
-- History API): one row per statement once it has ended (warehouse/statements.c writes it
-- before the statement shows its final state), kept 30 days. Each user reads their own rows;
-- admins read every row of their workspace. Deleting the principal deletes its rows.
CREATE TABLE sql_query_history (
  query_id            TEXT PRIMARY KEY,           -- the statement_id
  workspace_id        INTEGER NOT NULL,
  user_id             INTEGER NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
  warehouse_id        TEXT NOT NULL,
  query_text          TEXT NOT NULL,              -- at most 100,000 bytes (cut at a character)
  status              TEXT NOT NULL,              -- FINISHED, FAILED or CANCELED
  error_message       TEXT,
  rows_produced       INTEGER,
  query_start_time_ms INTEGER NOT NULL,           -- submitted
  query_end_time_ms   INTEGER NOT NULL
) STRICT;
CREATE INDEX sql_query_history_user ON sql_query_history(workspace_id, user_id, query_start_time_ms);
CREATE INDEX sql_query_history_time ON sql_query_history(workspace_id, query_start_time_ms);
CREATE INDEX sql_query_history_age ON sql_query_history(query_start_time_ms);
