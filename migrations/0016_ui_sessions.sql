-- Web UI sessions: a browser signs in with a personal access token and gets a session cookie.
-- Only the SHA-256 hash of the session id is stored; the CSRF token travels to the page in the
-- sign-in answer and must come back in X-CSRF-Token on every mutation made with the cookie.
-- A session never outlives the token it came from, and deleting that token (or the principal)
-- ends it at once (ON DELETE CASCADE).
CREATE TABLE ui_sessions (
  id_hash       TEXT PRIMARY KEY,             -- hex SHA-256 of the cookie value
  principal_id  INTEGER NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  token_id      TEXT NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
  csrf_token    TEXT NOT NULL,
  created_at    INTEGER NOT NULL,             -- epoch ms
  expires_at    INTEGER NOT NULL              -- epoch ms
) STRICT;
CREATE INDEX ui_sessions_expiry ON ui_sessions(expires_at);
CREATE INDEX ui_sessions_token ON ui_sessions(token_id);
CREATE INDEX ui_sessions_principal ON ui_sessions(principal_id);
