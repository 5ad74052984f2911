-- weir: postgresql only
-- The securables type CHECK admits storage_credential and external_location (0025 does it
-- for SQLite). PostgreSQL named the column's CHECK of 0002 securables_type_check.
ALTER TABLE securables DROP CONSTRAINT securables_type_check;
ALTER TABLE securables ADD CONSTRAINT securables_type_check CHECK (type IN ('metastore', 'catalog', 'schema',
  'table', 'volume', 'function', 'registered_model', 'storage_credential', 'external_location'));
