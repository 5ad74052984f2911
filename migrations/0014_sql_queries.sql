-- Saved SQL queries (Databricks /api/2.0/sql/queries), what a job's sql_task runs by id.
-- Visible to their owner and admins; a deleted query is kept as TRASHED.
CREATE TABLE sql_queries (
    id            TEXT PRIMARY KEY,           -- a server-chosen UUID
    display_name  TEXT NOT NULL,
    description   TEXT,
    query_text    TEXT NOT NULL,
    warehouse_id  TEXT,
    catalog       TEXT,
    schema_name   TEXT,
    owner_id      INTEGER NOT NULL,
    create_time   INTEGER NOT NULL,
    update_time   INTEGER NOT NULL,
    trashed       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sql_queries_owner ON sql_queries (owner_id, create_time);
