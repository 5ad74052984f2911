-- A one-row rowid table touched by triggers whenever group memberships or grants change.
-- The server caches group closures and evaluated privileges and invalidates them through
-- sqlite3_update_hook (core/db change generations), which is not invoked for WITHOUT ROWID
-- tables such as group_members and grants; a trigger's write to this table is.
CREATE TABLE authz_changes (
  id  INTEGER PRIMARY KEY CHECK (id = 1),
  n   INTEGER NOT NULL
) STRICT;
INSERT INTO authz_changes (id, n) VALUES (1, 0);

CREATE TRIGGER group_members_changed_ins AFTER INSERT ON group_members
BEGIN UPDATE authz_changes SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER group_members_changed_del AFTER DELETE ON group_members
BEGIN UPDATE authz_changes SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER group_members_changed_upd AFTER UPDATE ON group_members
BEGIN UPDATE authz_changes SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER grants_changed_ins AFTER INSERT ON grants
BEGIN UPDATE authz_changes SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER grants_changed_del AFTER DELETE ON grants
BEGIN UPDATE authz_changes SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER grants_changed_upd AFTER UPDATE ON grants
BEGIN UPDATE authz_changes SET n = n + 1 WHERE id = 1; END;
