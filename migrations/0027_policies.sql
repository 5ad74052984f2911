-- ABAC policies (Unity Catalog's row-filter and column-mask policies): each on a catalog,
-- schema or table, applying to the tables at or below it, deleted with it. `spec` holds the
-- definition as the API shows it (JSON: for_securable_type, to_principals, except_principals,
-- when_condition, match_columns, row_filter or column_mask, comment); to_ids and except_ids
-- are the principals those names resolved to when it was written (JSON arrays of ids), which
-- is what a read checks the reader's groups against.
CREATE TABLE policies (
  id            TEXT PRIMARY KEY,
  securable_id  TEXT NOT NULL REFERENCES securables(id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  policy_type   TEXT NOT NULL CHECK (policy_type IN ('POLICY_TYPE_ROW_FILTER', 'POLICY_TYPE_COLUMN_MASK')),
  spec          TEXT NOT NULL,
  to_ids        TEXT NOT NULL,
  except_ids    TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  created_by    TEXT NOT NULL,
  updated_at    INTEGER NOT NULL,
  updated_by    TEXT NOT NULL,
  UNIQUE (securable_id, name)
) STRICT;
