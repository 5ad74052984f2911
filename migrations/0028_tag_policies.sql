-- Governed tags (Databricks' tag policies): a tag key with the values it may take (`vals`, a
-- JSON array of strings; [] allows any value). An assignment of a governed key takes one of
-- them. Its creator (and the metastore admins) change or delete it.
CREATE TABLE tag_policies (
  id             TEXT PRIMARY KEY,
  tag_key        TEXT NOT NULL UNIQUE,
  description    TEXT,
  vals           TEXT NOT NULL DEFAULT '[]',
  created_at     INTEGER NOT NULL,
  created_by_id  INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
) STRICT;
