-- The oss-edge consumer's tables (docs/consumer.md). Applied with
--   wrangler d1 migrations apply oss-edge-events --remote -c crates/consumer/wrangler.toml
-- (scripts/dev applies it to the local database with --local).

-- One row per stored object: `id` is the event's idempotency key (v2: SHA-256 over the
-- object's bucket, key, ETag and version, so the callback, a client's recovery call and a
-- reconciliation of the same upload share it). The first event to arrive is kept; later
-- deliveries of the same id only count.
CREATE TABLE upload_events (
  id TEXT NOT NULL PRIMARY KEY,
  -- oss-edge.upload.v2 or oss-edge.upload.v1
  schema TEXT NOT NULL,
  -- callback | recovery | reconciliation (of the first delivery; v1: callback)
  source TEXT,
  bucket TEXT,
  object_key TEXT,
  size INTEGER,
  etag TEXT,
  content_type TEXT,
  -- who the object belongs to: v2 owner.subject/grant_id, else ticket.subject/grant_id
  subject TEXT,
  grant_id TEXT,
  -- v2: 1 when the object's facts came from the bucket, 0 when from the callback body; v1: NULL
  confirmed INTEGER,
  -- when the producer received the upload (RFC 3339)
  received_at TEXT,
  -- when the consumer stored the first delivery, and the latest (RFC 3339, milliseconds)
  stored_at TEXT NOT NULL,
  last_delivered_at TEXT NOT NULL,
  -- how many queue messages carried this id (a duplicate callback, a recovery call after a
  -- successful callback, a reconciliation, a queue redelivery)
  deliveries INTEGER NOT NULL,
  -- the first event as JSON text
  event TEXT NOT NULL
);
CREATE INDEX upload_events_by_object ON upload_events (bucket, object_key);
CREATE INDEX upload_events_by_subject ON upload_events (subject, stored_at);

-- Messages that reached the dead-letter queue: not an event (reason = the refusal's code, e.g.
-- not_json, missing_id, unknown_schema), or an event that could not be stored after every
-- retry (reason = store_failed).
CREATE TABLE dead_letters (
  message_id TEXT NOT NULL PRIMARY KEY,
  reason TEXT NOT NULL,
  -- the message's `id` when it has one
  event_id TEXT,
  -- the message as text
  body TEXT NOT NULL,
  dead_at TEXT NOT NULL,
  deliveries INTEGER NOT NULL
);
