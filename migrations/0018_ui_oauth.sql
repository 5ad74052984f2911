-- Web UI sign-in through an identity provider (authorization code + PKCE, api/handlers/ui_oauth.c).
-- A session made that way has no personal access token: ui_sessions.token_id becomes nullable
-- (the table is rebuilt, its rows kept); such a session ends at the id_token's exp or the usual
-- session lifetime, when signed out, or when its principal is deleted.
CREATE TABLE ui_sessions_v2 (
  id_hash       TEXT PRIMARY KEY,             -- hex SHA-256 of the cookie value
  principal_id  INTEGER NOT NULL REFERENCES principals(id) ON DELETE CASCADE,
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  token_id      TEXT REFERENCES tokens(id) ON DELETE CASCADE, -- NULL: signed in through the IdP
  csrf_token    TEXT NOT NULL,
  created_at    INTEGER NOT NULL,             -- epoch ms
  expires_at    INTEGER NOT NULL              -- epoch ms
) STRICT;
INSERT INTO ui_sessions_v2 (id_hash, principal_id, workspace_id, token_id, csrf_token, created_at, expires_at)
  SELECT id_hash, principal_id, workspace_id, token_id, csrf_token, created_at, expires_at FROM ui_sessions;
DROP TABLE ui_sessions;
ALTER TABLE ui_sessions_v2 RENAME TO ui_sessions;
CREATE INDEX ui_sessions_expiry ON ui_sessions(expires_at);
CREATE INDEX ui_sessions_token ON ui_sessions(token_id);
CREATE INDEX ui_sessions_principal ON ui_sessions(principal_id);

-- A sign-in in flight: started by GET /api/2.0/weir/ui/oauth/login, consumed (deleted) by the
-- callback, at most once, within 10 minutes. Only the hash of `state` is stored; the browser
-- holds `state` itself in a short-lived cookie, so a callback URL replayed in another browser
-- (login CSRF) finds no match. code_verifier is the PKCE secret sent to the token endpoint.
CREATE TABLE ui_oauth_states (
  state_hash    TEXT PRIMARY KEY,             -- hex SHA-256 of the state value
  code_verifier TEXT NOT NULL,
  redirect_uri  TEXT NOT NULL,                -- sent again, identical, with the code
  next_path     TEXT NOT NULL,                -- where the browser goes once signed in
  created_at    INTEGER NOT NULL,             -- epoch ms
  expires_at    INTEGER NOT NULL              -- epoch ms
) STRICT;
CREATE INDEX ui_oauth_states_expiry ON ui_oauth_states(expires_at);
