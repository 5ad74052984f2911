-- The change counter of authorization data (authz_changes, migration 0007) also moves when a
-- principal is deleted or its name or active flag changes: cached group closures depend on
-- them (an inactive group no longer counts, and `admins` is found by name). The caches
-- (governance/authz_cache.c) compare the counter read in the request's snapshot, so a
-- commit by any process sharing the store reaches them; until now principals were seen
-- only through this process's update hook.
CREATE TRIGGER principals_changed_upd AFTER UPDATE OF name, active ON principals
WHEN old.name IS NOT new.name OR old.active IS NOT new.active
BEGIN UPDATE authz_changes SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER principals_changed_del AFTER DELETE ON principals
BEGIN UPDATE authz_changes SET n = n + 1 WHERE id = 1; END;
