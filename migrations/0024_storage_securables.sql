-- Storage credentials and external locations are securables too (types storage_credential
-- and external_location, children of the metastore beside the catalogs; migrations 0025 and
-- 0026 admit the types in each store's CHECK). An external location names the credential it
-- reaches its storage with; a credential deleted with force leaves its locations without one.
ALTER TABLE securables ADD COLUMN credential_id TEXT REFERENCES securables(id) ON DELETE SET NULL;
CREATE INDEX securables_credential ON securables(credential_id) WHERE credential_id IS NOT NULL;
