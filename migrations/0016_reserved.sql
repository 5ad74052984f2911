-- Placeholder: version 16 belongs to another branch (whsql) being merged at the same time.
-- Delete this file at merge when that branch's 0016 lands (migrations must be contiguous).
SELECT 1;
