-- Notification destinations (Databricks /api/2.0/notification-destinations) and the
-- deliveries of job notifications to them (workflows/notify.c, SQL in notify_store.c).

-- A destination: one kind of config (destination_type) whose fields, secrets included (a
-- webhook's url, username and password, a PagerDuty integration key), are kept as a JSON
-- object in `config` and never answered (reads say url_set / password_set ...); email
-- addresses are answered. The signing secret signs every delivery (answered once, by
-- create). Deleting a destination deletes its deliveries.
CREATE TABLE notification_destinations (
  id                TEXT PRIMARY KEY,                 -- a UUID made by the server
  display_name      TEXT NOT NULL,
  destination_type  TEXT NOT NULL
                    CHECK (destination_type IN ('EMAIL', 'SLACK', 'WEBHOOK', 'MICROSOFT_TEAMS', 'PAGERDUTY')),
  config            TEXT NOT NULL,                    -- JSON object: the kind's fields
  signing_secret    TEXT NOT NULL,
  created_by        TEXT,                             -- the creator's principal name
  created_at        INTEGER NOT NULL                  -- ms since the epoch
) STRICT;
CREATE INDEX notification_destinations_created ON notification_destinations(created_at, id);

-- The outbox of job notifications: one row per destination notified, written in the
-- transaction of the event (a job run's state change), posted by the outbox worker
-- (core/outbox.h) with retries. Email destinations, and the plain addresses of a job's
-- email_notifications (destination_id NULL, address set), are RECORDED and never sent.
CREATE TABLE notification_deliveries (
  id                TEXT PRIMARY KEY,
  destination_id    TEXT REFERENCES notification_destinations(id) ON DELETE CASCADE,
  address           TEXT,
  event             TEXT NOT NULL,                    -- "jobs.on_failure", ...
  payload           TEXT NOT NULL,                    -- JSON object text, as queued
  status            TEXT NOT NULL CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED', 'RECORDED')),
  attempts          INTEGER NOT NULL DEFAULT 0,
  next_attempt_at   INTEGER NOT NULL,
  last_status_code  INTEGER,
  last_error        TEXT,
  created_at        INTEGER NOT NULL,
  delivered_at      INTEGER,
  CHECK ((destination_id IS NULL) <> (address IS NULL))
) STRICT;
CREATE INDEX notification_deliveries_due ON notification_deliveries(status, next_attempt_at);
CREATE INDEX notification_deliveries_destination ON notification_deliveries(destination_id, created_at);
