-- weir: sqlite only
-- The securables type CHECK admits storage_credential and external_location, edited in place
-- as 0023 edited it (a chain of equalities; no row changes, every stored row satisfies it).
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'type = ''function'' OR type = ''registered_model'')',
  'type = ''function'' OR type = ''registered_model'' OR type = ''storage_credential'' OR
                                                    type = ''external_location'')')
WHERE type = 'table' AND name = 'securables';
PRAGMA writable_schema = RESET;
