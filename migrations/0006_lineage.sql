-- Lineage: one graph of catalog objects (tables, views, volumes, models, model versions),
-- external datasets, jobs, runs, queries and notebooks, with table-level and column-level
-- edges. Each edge is kept twice: once aggregated per (dst, src) for traversals (WITHOUT
-- ROWID, covering in both directions), and once per producing entity (job run, statement,
-- OpenLineage run, user) with its origin, first_seen and last_seen, for per-run and as-of
-- questions. Nodes of catalog objects reference their securable by id but are not foreign
-- keys to it: a dropped table keeps its history (deleted_at) and a renamed one keeps its
-- node (renamed_from). A new table with an old name is a new node, so history never joins
-- unrelated parts of the graph.
CREATE TABLE lineage_nodes (
  id            INTEGER PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('TABLE', 'VOLUME', 'MODEL', 'MODEL_VERSION', 'DATASET',
                                              'MLFLOW_RUN', 'JOB', 'JOB_RUN', 'QUERY', 'NOTEBOOK',
                                              'OL_JOB', 'OL_RUN')),
  key           TEXT NOT NULL,   -- stable per kind (lineage/lineage.h)
  name          TEXT,            -- last known display name (full name of catalog objects)
  namespace     TEXT,            -- DATASET and OL_JOB: OpenLineage namespace
  securable_id  TEXT,            -- catalog object, if any (no FK: history outlives it)
  facets        TEXT NOT NULL DEFAULT '{}',  -- OpenLineage dataset facets, merged by name
  deleted_at    INTEGER,         -- the catalog object was dropped
  renamed_from  TEXT,            -- previous full name after the last rename
  renamed_at    INTEGER,
  first_seen    INTEGER NOT NULL,
  last_seen     INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX lineage_nodes_key ON lineage_nodes(kind, key);
CREATE INDEX lineage_nodes_securable ON lineage_nodes(securable_id) WHERE securable_id IS NOT NULL;
CREATE INDEX lineage_nodes_ns ON lineage_nodes(namespace, name) WHERE namespace IS NOT NULL;

-- The entity that produced an observation: ("openlineage_run", runId), ("job_run", id),
-- ("statement", id), ("mlflow_run", id), ("user", principal name).
CREATE TABLE lineage_producers (
  id           INTEGER PRIMARY KEY,
  entity_type  TEXT NOT NULL,
  entity_id    TEXT NOT NULL,
  UNIQUE (entity_type, entity_id)
) STRICT;

-- Table-level edges, aggregated over producers. deleted_at is set when every observation
-- was deleted (manual edges); as-of queries keep edges alive before it. origins is the set
-- of origins of the live observations (1 CAPTURED, 2 OPENLINEAGE, 4 MANUAL).
CREATE TABLE lineage_edges (
  dst         INTEGER NOT NULL REFERENCES lineage_nodes(id),
  src         INTEGER NOT NULL REFERENCES lineage_nodes(id),
  first_seen  INTEGER NOT NULL,
  last_seen   INTEGER NOT NULL,
  deleted_at  INTEGER,
  origins     INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (dst, src)
) STRICT, WITHOUT ROWID;
CREATE INDEX lineage_edges_down ON lineage_edges(src, dst, first_seen, last_seen, deleted_at, origins);

CREATE TABLE lineage_edge_obs (
  producer_id  INTEGER NOT NULL REFERENCES lineage_producers(id),
  dst          INTEGER NOT NULL,
  src          INTEGER NOT NULL,
  origin       TEXT NOT NULL CHECK (origin IN ('CAPTURED', 'OPENLINEAGE', 'MANUAL')),
  created_by   TEXT,
  first_seen   INTEGER NOT NULL,
  last_seen    INTEGER NOT NULL,
  deleted_at   INTEGER,
  PRIMARY KEY (producer_id, dst, src, origin),
  FOREIGN KEY (dst, src) REFERENCES lineage_edges(dst, src)
) STRICT, WITHOUT ROWID;
CREATE INDEX lineage_edge_obs_edge ON lineage_edge_obs(dst, src, producer_id, origin, last_seen);
CREATE INDEX lineage_edge_obs_down ON lineage_edge_obs(producer_id, src, dst);

-- Columns of nodes, interned so that column edges are four integers wide. name '' stands
-- for "the whole dataset" (OpenLineage columnLineage.dataset: filters, joins, sorts).
CREATE TABLE lineage_columns (
  id       INTEGER PRIMARY KEY,
  node_id  INTEGER NOT NULL REFERENCES lineage_nodes(id),
  name     TEXT NOT NULL,
  UNIQUE (node_id, name)
) STRICT;

CREATE TABLE lineage_column_edges (
  dst             INTEGER NOT NULL REFERENCES lineage_columns(id),
  src             INTEGER NOT NULL REFERENCES lineage_columns(id),
  transformation  TEXT NOT NULL CHECK (transformation IN ('DIRECT', 'INDIRECT')),
  subtype         TEXT NOT NULL DEFAULT '',
  first_seen      INTEGER NOT NULL,
  last_seen       INTEGER NOT NULL,
  deleted_at      INTEGER,
  PRIMARY KEY (dst, src, transformation, subtype)
) STRICT, WITHOUT ROWID;
CREATE INDEX lineage_column_edges_down ON lineage_column_edges(src, dst, transformation, subtype, first_seen, deleted_at);

CREATE TABLE lineage_column_edge_obs (
  producer_id     INTEGER NOT NULL REFERENCES lineage_producers(id),
  dst             INTEGER NOT NULL,
  src             INTEGER NOT NULL,
  transformation  TEXT NOT NULL,
  subtype         TEXT NOT NULL DEFAULT '',
  origin          TEXT NOT NULL CHECK (origin IN ('CAPTURED', 'OPENLINEAGE', 'MANUAL')),
  created_by      TEXT,
  first_seen      INTEGER NOT NULL,
  last_seen       INTEGER NOT NULL,
  deleted_at      INTEGER,
  PRIMARY KEY (producer_id, dst, src, transformation, subtype, origin)
) STRICT, WITHOUT ROWID;
CREATE INDEX lineage_column_edge_obs_edge ON lineage_column_edge_obs(dst, src, transformation, subtype);
CREATE INDEX lineage_column_edge_obs_down ON lineage_column_edge_obs(producer_id, src, dst);

-- OpenLineage: every accepted event verbatim (unknown facets included), jobs and runs with
-- their merged facets (a facet replaces the previous one of the same name; _deleted drops it).
CREATE TABLE ol_events (
  id             INTEGER PRIMARY KEY,
  received_at    INTEGER NOT NULL,
  event_time     INTEGER NOT NULL,   -- epoch ms
  event_kind     TEXT NOT NULL CHECK (event_kind IN ('RUN', 'DATASET', 'JOB')),
  event_type     TEXT,               -- RunEvent eventType
  run_id         TEXT,
  job_namespace  TEXT,
  job_name       TEXT,
  producer       TEXT NOT NULL,
  schema_url     TEXT NOT NULL,
  body           TEXT NOT NULL
) STRICT;
CREATE INDEX ol_events_run ON ol_events(run_id, event_time) WHERE run_id IS NOT NULL;
CREATE INDEX ol_events_time ON ol_events(event_time);

CREATE TABLE ol_jobs (
  node_id     INTEGER PRIMARY KEY REFERENCES lineage_nodes(id),
  namespace   TEXT NOT NULL,
  name        TEXT NOT NULL,
  facets      TEXT NOT NULL DEFAULT '{}',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  UNIQUE (namespace, name)
) STRICT;

CREATE TABLE ol_runs (
  run_id          TEXT PRIMARY KEY,
  node_id         INTEGER NOT NULL REFERENCES lineage_nodes(id),
  job_node_id     INTEGER NOT NULL REFERENCES lineage_nodes(id),
  state           TEXT NOT NULL,     -- last eventType by eventTime (terminal states stick)
  start_time      INTEGER,
  end_time        INTEGER,
  parent_run_id   TEXT,
  parent_job_namespace TEXT,
  parent_job_name TEXT,
  facets          TEXT NOT NULL DEFAULT '{}',
  inputs          TEXT NOT NULL DEFAULT '[]',   -- every input of the run so far: [{namespace, name}]
  outputs         TEXT NOT NULL DEFAULT '[]',   -- events are accumulative (OpenLineage run cycle)
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX ol_runs_job ON ol_runs(job_node_id, created_at);
CREATE INDEX ol_runs_parent ON ol_runs(parent_run_id) WHERE parent_run_id IS NOT NULL;

-- The shape the warehouse exposes as system.access.table_lineage and column_lineage
-- (Databricks' columns; one row per producer observation of an edge between data nodes).
CREATE VIEW system_access_table_lineage AS
WITH n AS (
  SELECT id, kind, name, namespace, securable_id,
         CASE WHEN kind = 'TABLE' AND instr(name, '.') > 0 THEN substr(name, 1, instr(name, '.') - 1) END AS cat,
         CASE WHEN kind = 'TABLE' AND instr(name, '.') > 0 THEN substr(name, instr(name, '.') + 1) END AS rest
  FROM lineage_nodes WHERE kind IN ('TABLE', 'VOLUME', 'DATASET')
), n3 AS (
  SELECT n.*, substr(rest, 1, instr(rest, '.') - 1) AS sch, substr(rest, instr(rest, '.') + 1) AS tbl FROM n
)
SELECT '' AS account_id,
       (SELECT id FROM securables WHERE type = 'metastore' LIMIT 1) AS metastore_id,
       '1' AS workspace_id,
       CASE p.entity_type WHEN 'job_run' THEN 'JOB' WHEN 'statement' THEN 'DBSQL_QUERY'
                          WHEN 'notebook' THEN 'NOTEBOOK' WHEN 'openlineage_run' THEN 'JOB' END AS entity_type,
       CASE WHEN p.entity_type = 'openlineage_run' THEN
              (SELECT j.namespace || '/' || j.name FROM ol_runs r JOIN ol_jobs j ON j.node_id = r.job_node_id
               WHERE r.run_id = p.entity_id)
            ELSE p.entity_id END AS entity_id,
       p.entity_id AS entity_run_id,
       CASE WHEN s.kind = 'TABLE' THEN s.name END AS source_table_full_name,
       s.cat AS source_table_catalog, s.sch AS source_table_schema, s.tbl AS source_table_name,
       CASE WHEN s.kind <> 'TABLE' THEN coalesce(s.namespace || '/', '') || s.name END AS source_path,
       CASE WHEN s.kind = 'TABLE' THEN 'TABLE' ELSE 'PATH' END AS source_type,
       CASE WHEN t.kind = 'TABLE' THEN t.name END AS target_table_full_name,
       t.cat AS target_table_catalog, t.sch AS target_table_schema, t.tbl AS target_table_name,
       CASE WHEN t.kind <> 'TABLE' THEN coalesce(t.namespace || '/', '') || t.name END AS target_path,
       CASE WHEN t.kind = 'TABLE' THEN 'TABLE' ELSE 'PATH' END AS target_type,
       o.created_by AS created_by,
       o.last_seen AS event_time,
       date(o.last_seen / 1000, 'unixepoch') AS event_date,
       o.producer_id || ':' || o.src || ':' || o.dst || ':' || o.origin AS record_id,
       o.origin AS origin
FROM lineage_edge_obs o
JOIN lineage_producers p ON p.id = o.producer_id
JOIN n3 s ON s.id = o.src
JOIN n3 t ON t.id = o.dst
WHERE o.deleted_at IS NULL;

CREATE VIEW system_access_column_lineage AS
SELECT tl.account_id, tl.metastore_id, tl.workspace_id, tl.entity_type, tl.entity_id, tl.entity_run_id,
       tl.source_table_full_name, tl.source_table_catalog, tl.source_table_schema, tl.source_table_name,
       tl.source_path, tl.source_type, sc.name AS source_column_name,
       tl.target_table_full_name, tl.target_table_catalog, tl.target_table_schema, tl.target_table_name,
       tl.target_path, tl.target_type, dc.name AS target_column_name,
       tl.created_by, o.last_seen AS event_time, date(o.last_seen / 1000, 'unixepoch') AS event_date,
       o.producer_id || ':' || o.src || ':' || o.dst || ':' || o.transformation || ':' || o.subtype AS record_id,
       o.transformation AS transformation_type, nullif(o.subtype, '') AS transformation_subtype
FROM lineage_column_edge_obs o
JOIN lineage_columns sc ON sc.id = o.src
JOIN lineage_columns dc ON dc.id = o.dst
JOIN system_access_table_lineage tl
  ON tl.record_id = o.producer_id || ':' || sc.node_id || ':' || dc.node_id || ':' || o.origin
WHERE o.deleted_at IS NULL AND dc.name <> '';
