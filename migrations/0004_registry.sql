-- Model registry: a registered model IS a securable (securables.type = 'registered_model',
-- its name, owner, comment and timestamps live there); these tables hold what only the
-- registry knows. Everything references securables(id) ON DELETE CASCADE, so a forced
-- schema or catalog delete removes models, versions, tags and aliases in one transaction.
CREATE TABLE registered_models (
  id            TEXT PRIMARY KEY REFERENCES securables(id) ON DELETE CASCADE,
  max_version   INTEGER NOT NULL DEFAULT 0    -- version numbers are never reused
) STRICT;

CREATE TABLE model_versions (
  model_id          TEXT NOT NULL REFERENCES securables(id) ON DELETE CASCADE,
  version           INTEGER NOT NULL,
  id                TEXT NOT NULL UNIQUE,      -- UC ModelVersionInfo.id
  source            TEXT NOT NULL,
  run_id            TEXT NOT NULL DEFAULT '',
  run_link          TEXT NOT NULL DEFAULT '',
  description       TEXT,
  stage             TEXT NOT NULL DEFAULT 'None'
                    CHECK (stage IN ('None', 'Staging', 'Production', 'Archived')),
  status            TEXT NOT NULL DEFAULT 'READY'
                    CHECK (status IN ('PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY')),
  storage_location  TEXT,
  created_at        INTEGER NOT NULL,
  created_by        TEXT NOT NULL,
  updated_at        INTEGER NOT NULL,
  updated_by        TEXT NOT NULL,
  PRIMARY KEY (model_id, version)
) STRICT, WITHOUT ROWID;
CREATE INDEX model_versions_run ON model_versions(run_id);
CREATE INDEX model_versions_updated ON model_versions(updated_at);

CREATE TABLE registered_model_tags (
  model_id  TEXT NOT NULL REFERENCES securables(id) ON DELETE CASCADE,
  key       TEXT NOT NULL,
  value     TEXT NOT NULL,
  PRIMARY KEY (model_id, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE model_version_tags (
  model_id  TEXT NOT NULL,
  version   INTEGER NOT NULL,
  key       TEXT NOT NULL,
  value     TEXT NOT NULL,
  PRIMARY KEY (model_id, version, key),
  FOREIGN KEY (model_id, version) REFERENCES model_versions(model_id, version) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE registered_model_aliases (
  model_id  TEXT NOT NULL,
  alias     TEXT NOT NULL,
  version   INTEGER NOT NULL,
  PRIMARY KEY (model_id, alias),
  FOREIGN KEY (model_id, version) REFERENCES model_versions(model_id, version) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- Webhooks (MLflow 3.3). The secret is kept to sign deliveries and never returned.
CREATE TABLE webhooks (
  id                      TEXT PRIMARY KEY,
  name                    TEXT NOT NULL,
  description             TEXT,
  url                     TEXT NOT NULL,
  events                  TEXT NOT NULL,     -- JSON array of {entity, action}
  secret                  TEXT,
  status                  TEXT NOT NULL CHECK (status IN ('ACTIVE', 'DISABLED')),
  creation_timestamp      INTEGER NOT NULL,
  last_updated_timestamp  INTEGER NOT NULL,
  deleted_timestamp       INTEGER
) STRICT;
CREATE INDEX webhooks_created ON webhooks(creation_timestamp);

-- The outbox: a delivery is queued in the transaction of the event that caused it, and
-- the worker (registry/webhooks.c) posts it, retrying with exponential backoff.
CREATE TABLE webhook_deliveries (
  id                TEXT PRIMARY KEY,
  webhook_id        TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  entity            TEXT NOT NULL,
  action            TEXT NOT NULL,
  payload           TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
  attempts          INTEGER NOT NULL DEFAULT 0,
  next_attempt_at   INTEGER NOT NULL,
  last_status_code  INTEGER,
  last_error        TEXT,
  created_at        INTEGER NOT NULL,
  delivered_at      INTEGER
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, created_at);
