-- Governance: grants (direct; inheritance is computed), workspace bindings of catalogs,
-- tags, service principal OAuth secrets, and the audit log (system.access.audit's shape).
CREATE TABLE grants (
  securable_id  TEXT NOT NULL REFERENCES securables(id) ON DELETE CASCADE,
  principal_id  INTEGER NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
  privilege     TEXT NOT NULL,   -- wire form with underscores: USE_CATALOG
  PRIMARY KEY (securable_id, principal_id, privilege)
) STRICT, WITHOUT ROWID;
CREATE INDEX grants_principal ON grants(principal_id, securable_id);

CREATE TABLE catalog_bindings (
  catalog_id    TEXT NOT NULL REFERENCES securables(id) ON DELETE CASCADE,
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  binding_type  TEXT NOT NULL CHECK (binding_type IN ('BINDING_TYPE_READ_WRITE', 'BINDING_TYPE_READ_ONLY')),
  PRIMARY KEY (catalog_id, workspace_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE tags (
  securable_id  TEXT NOT NULL REFERENCES securables(id) ON DELETE CASCADE,
  column_name   TEXT NOT NULL DEFAULT '',   -- '' = the securable itself
  tag_key       TEXT NOT NULL,
  tag_value     TEXT,
  created_at    INTEGER NOT NULL,
  created_by    TEXT NOT NULL,
  PRIMARY KEY (securable_id, column_name, tag_key)
) STRICT, WITHOUT ROWID;
CREATE INDEX tags_key_value ON tags(tag_key, tag_value);

CREATE TABLE sp_secrets (
  id            TEXT PRIMARY KEY,
  principal_id  INTEGER NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
  hash          TEXT NOT NULL,     -- hex SHA-256 of the secret
  secret_hint   TEXT NOT NULL,     -- last characters, for lists
  created_at    INTEGER NOT NULL,
  expire_time   INTEGER NOT NULL   -- epoch ms, -1 = never
) STRICT;
CREATE INDEX sp_secrets_principal ON sp_secrets(principal_id);

CREATE TABLE audit (
  id              INTEGER PRIMARY KEY,
  event_time      INTEGER NOT NULL,   -- epoch ms
  principal_id    INTEGER,            -- NULL for failed logins
  user_identity   TEXT NOT NULL,      -- email / name of the caller ('' if unknown)
  workspace_id    INTEGER NOT NULL,
  service_name    TEXT NOT NULL,
  action_name     TEXT NOT NULL,
  request_id      TEXT NOT NULL,
  request_params  TEXT NOT NULL DEFAULT '{}',
  status_code     INTEGER NOT NULL,
  error_code      TEXT,
  securable       TEXT,
  source_ip       TEXT,
  user_agent      TEXT
) STRICT;
CREATE INDEX audit_time ON audit(event_time);
CREATE INDEX audit_principal ON audit(user_identity, event_time);
CREATE INDEX audit_action ON audit(action_name, event_time);
