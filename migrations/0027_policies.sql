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

-- A policy written moves the authorization change counter (migration 0007), so that what a
-- reader's statement may skip ("no policy exists", cached per thread by that counter) is
-- known again at the next statement, in any process sharing the store.
CREATE TRIGGER policies_changed_ins AFTER INSERT ON policies
BEGIN UPDATE authz_changes SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER policies_changed_del AFTER DELETE ON policies
BEGIN UPDATE authz_changes SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER policies_changed_upd AFTER UPDATE ON policies
BEGIN UPDATE authz_changes SET n = n + 1 WHERE id = 1; END;
