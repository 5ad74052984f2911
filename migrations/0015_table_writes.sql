-- When each managed table was last written through the warehouse (what a job's
-- trigger.table_update watches). One row per table, kept with the table.
CREATE TABLE table_writes (
    table_id    TEXT PRIMARY KEY REFERENCES securables (id) ON DELETE CASCADE,
    last_write  INTEGER NOT NULL,
    writes      INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;
