-- The securable hierarchy: metastore > catalog > schema > table | volume | function |
-- registered_model, in one table so that inheritance, renames and cascades are uniform.
-- Full names are never stored: they are derived from the parent chain, so a rename of a
-- catalog or schema is one UPDATE and every child follows.
CREATE TABLE securables (
  id                  TEXT PRIMARY KEY,
  type                TEXT NOT NULL CHECK (type IN ('metastore', 'catalog', 'schema', 'table',
                                                    'volume', 'function', 'registered_model')),
  parent_id           TEXT REFERENCES securables(id) ON DELETE CASCADE,
  name                TEXT NOT NULL,
  owner_id            INTEGER NOT NULL REFERENCES principals(id),
  comment             TEXT,
  properties          TEXT NOT NULL DEFAULT '{}',  -- JSON object of strings
  storage_root        TEXT,
  storage_location    TEXT,
  subtype             TEXT,      -- table_type (MANAGED, EXTERNAL, VIEW, ...) or volume_type
  data_source_format  TEXT,
  view_definition     TEXT,
  spec                TEXT,      -- JSON: type-specific fields (function_info, view_dependencies)
  isolation_mode      TEXT CHECK (isolation_mode IS NULL OR isolation_mode IN ('OPEN', 'ISOLATED')),
  created_at          INTEGER NOT NULL,
  created_by          TEXT NOT NULL,
  updated_at          INTEGER NOT NULL,
  updated_by          TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX securables_name ON securables(parent_id, type, name);
CREATE INDEX securables_owner ON securables(owner_id);
CREATE INDEX securables_location ON securables(storage_location) WHERE storage_location IS NOT NULL;

CREATE TABLE table_columns (
  table_id            TEXT NOT NULL REFERENCES securables(id) ON DELETE CASCADE,
  position            INTEGER NOT NULL,
  name                TEXT NOT NULL,
  type_text           TEXT,
  type_json           TEXT,
  type_name           TEXT,
  type_precision      INTEGER,
  type_scale          INTEGER,
  type_interval_type  TEXT,
  comment             TEXT,
  nullable            INTEGER NOT NULL DEFAULT 1,
  partition_index     INTEGER,
  PRIMARY KEY (table_id, position)
) STRICT, WITHOUT ROWID;
