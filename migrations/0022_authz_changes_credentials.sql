-- The change counter of authorization data (authz_changes, migration 0007) also moves when
-- what a personal access token authenticates as can change: a token deleted (or changed), a
-- workspace assignment added or removed, a workspace deleted or renamed, a principal's
-- display name changed (its name and active flag already count, migration 0010). The
-- per-thread credential cache (governance/authz_cache.c) keeps an authenticated token's
-- principal while the counter, read in the request's snapshot, stands; so a token deleted by
-- any process sharing the store is refused on its very next use. Creating a token changes
-- nothing cached.
CREATE TRIGGER tokens_changed_del AFTER DELETE ON tokens
BEGIN UPDATE authz_changes SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER tokens_changed_upd AFTER UPDATE ON tokens
BEGIN UPDATE authz_changes SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER workspace_assignments_changed_ins AFTER INSERT ON workspace_assignments
BEGIN UPDATE authz_changes SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER workspace_assignments_changed_del AFTER DELETE ON workspace_assignments
BEGIN UPDATE authz_changes SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER workspace_assignments_changed_upd AFTER UPDATE ON workspace_assignments
BEGIN UPDATE authz_changes SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER workspaces_changed_del AFTER DELETE ON workspaces
BEGIN UPDATE authz_changes SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER workspaces_changed_upd AFTER UPDATE ON workspaces
BEGIN UPDATE authz_changes SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER principals_display_changed AFTER UPDATE OF display_name ON principals
WHEN old.display_name IS NOT new.display_name
BEGIN UPDATE authz_changes SET n = n + 1 WHERE id = 1; END;
