-- Identity: principals (users, groups, service principals), group membership, workspaces,
-- personal access tokens (stored only as SHA-256 hashes).
CREATE TABLE principals (
  id            INTEGER PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('user', 'group', 'service_principal')),
  name          TEXT NOT NULL UNIQUE,   -- userName, group displayName, or SP applicationId
  display_name  TEXT,
  external_id   TEXT,
  active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  attrs         TEXT NOT NULL DEFAULT '{}',   -- SCIM extras (emails, name, entitlements) as JSON
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE group_members (
  group_id   INTEGER NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
  member_id  INTEGER NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, member_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX group_members_member ON group_members(member_id, group_id);

CREATE TABLE workspaces (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE workspace_assignments (
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  principal_id  INTEGER NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
  PRIMARY KEY (workspace_id, principal_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE tokens (
  id            TEXT PRIMARY KEY,             -- token_id of the token API
  principal_id  INTEGER NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
  hash          TEXT NOT NULL UNIQUE,         -- hex SHA-256 of the token value
  comment       TEXT,
  created_at    INTEGER NOT NULL,
  expiry_time   INTEGER NOT NULL,             -- epoch ms, -1 = never
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  created_by    INTEGER REFERENCES principals(id) ON DELETE SET NULL
) STRICT;
CREATE INDEX tokens_principal ON tokens(principal_id);
