-- SQL warehouses (Databricks /api/2.0/sql/warehouses): each is an executor pool of the
-- statement engine (warehouse/statements.c). settings holds the editable fields as JSON
-- (cluster_size, min/max_num_clusters, auto_stop_mins, ...). workspace_id NULL: every
-- workspace's (the default warehouse). Whether a warehouse runs is not stored: the default
-- one starts with the server, the others on their first statement or POST .../start.
CREATE TABLE sql_warehouses (
    id            TEXT PRIMARY KEY,           -- 16 hex characters, server-chosen
    workspace_id  INTEGER,
    name          TEXT NOT NULL,
    creator_id    INTEGER,
    creator_name  TEXT NOT NULL,
    settings      TEXT NOT NULL,
    create_time   INTEGER NOT NULL,
    update_time   INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX sql_warehouses_name ON sql_warehouses (coalesce(workspace_id, 0), name);

-- Who may use or manage a warehouse besides admins and its creator
-- (/api/2.0/permissions/warehouses/{id}): CAN_USE, CAN_MONITOR, CAN_MANAGE, IS_OWNER.
CREATE TABLE sql_warehouse_acl (
    warehouse_id  TEXT NOT NULL REFERENCES sql_warehouses (id) ON DELETE CASCADE,
    principal_id  INTEGER NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    level         TEXT NOT NULL,
    PRIMARY KEY (warehouse_id, principal_id)
) STRICT;

INSERT INTO sql_warehouses (id, workspace_id, name, creator_id, creator_name, settings, create_time, update_time)
VALUES ('weir0000default0', NULL, 'Weir default warehouse', NULL, 'admin',
        '{"cluster_size":"X-Small","min_num_clusters":1,"max_num_clusters":1,"auto_stop_mins":0,"enable_photon":false,"enable_serverless_compute":false,"warehouse_type":"PRO","channel":{"name":"CHANNEL_NAME_CURRENT"},"spot_instance_policy":"COST_OPTIMIZED","tags":{"custom_tags":[]}}',
        0, 0);

-- COPY INTO's ledger: the files loaded into each table, known by their Files API path, size
-- and modification time (a file changed since is loaded again). Goes with its table.
CREATE TABLE wh_copy_loaded (
    table_id      TEXT NOT NULL REFERENCES securables (id) ON DELETE CASCADE,
    path          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    mtime_ms      INTEGER NOT NULL,
    loaded_at     INTEGER NOT NULL,
    statement_id  TEXT,
    PRIMARY KEY (table_id, path, size, mtime_ms)
) STRICT;
