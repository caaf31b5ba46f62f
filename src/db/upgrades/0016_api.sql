-- Version 15 -> 16: the REST API's keys and the log of their calls; outgoing webhooks.

CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    -- The key's public start ("ck_3f9a1c2b"), shown in lists and used to find it.
    prefix TEXT NOT NULL UNIQUE,
    -- SHA-256 of the whole key; the key itself is shown once and never stored.
    hash TEXT NOT NULL,
    -- JSON array of scopes ("conversations:read", "holds:write", ...).
    scopes TEXT NOT NULL DEFAULT '[]',
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    last_used_at INTEGER,
    revoked_at INTEGER
);

-- Every call made with a key: who, what, and the answer's status.
CREATE TABLE api_calls (
    id INTEGER PRIMARY KEY,
    key_id INTEGER NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    method TEXT NOT NULL,
    route TEXT NOT NULL,
    status INTEGER NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX api_calls_recent ON api_calls(at);

-- A POST repeated with the same Idempotency-Key gets the first answer again.
CREATE TABLE api_idempotency (
    key_id INTEGER NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    route TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (key_id, idempotency_key)
) WITHOUT ROWID;

-- Outgoing webhooks (Standard Webhooks): where to send which events.
CREATE TABLE webhook_endpoints (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    -- The whsec_ signing secret, encrypted; the previous one still signs until
    -- `previous_until` after a renewal, so receivers can switch over.
    secret BLOB NOT NULL,
    previous_secret BLOB,
    previous_until INTEGER,
    -- JSON array of event types ("message.created", ...).
    events TEXT NOT NULL DEFAULT '[]',
    enabled INTEGER NOT NULL DEFAULT 1,
    -- The admin allowed an address of the local network (otherwise refused).
    allow_private INTEGER NOT NULL DEFAULT 0,
    -- Why it stopped (410 Gone, repeated failures), shown on the page.
    paused_reason TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

-- What happened, written by triggers in the same transaction as the change (only
-- while some endpoint is enabled), then fanned out to the endpoints by a job.
CREATE TABLE outgoing_events (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    ref_id INTEGER NOT NULL,
    at INTEGER NOT NULL DEFAULT (unixepoch()),
    fanned INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outgoing_events_new ON outgoing_events(id) WHERE fanned = 0;

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_status INTEGER,
    last_body TEXT,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries(endpoint_id, id);

CREATE TRIGGER hook_conversation_created AFTER INSERT ON conversations
    WHEN new.test = 0 AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1) BEGIN
    INSERT INTO outgoing_events (kind, ref_id) VALUES ('conversation.created', new.id);
END;
CREATE TRIGGER hook_message_created AFTER INSERT ON messages
    WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1) BEGIN
    INSERT INTO outgoing_events (kind, ref_id) VALUES ('message.created', new.id);
END;
CREATE TRIGGER hook_handed_over AFTER UPDATE OF handoff_at ON conversations
    WHEN old.handoff_at IS NULL AND new.handoff_at IS NOT NULL
     AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1) BEGIN
    INSERT INTO outgoing_events (kind, ref_id) VALUES ('conversation.handed_over', new.id);
END;
CREATE TRIGGER hook_closed AFTER UPDATE OF closed_at ON conversations
    WHEN old.closed_at IS NULL AND new.closed_at IS NOT NULL
     AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1) BEGIN
    INSERT INTO outgoing_events (kind, ref_id) VALUES ('conversation.closed', new.id);
END;
CREATE TRIGGER hook_csat AFTER UPDATE OF survey_score ON conversations
    WHEN new.survey_score IS NOT NULL AND old.survey_score IS NULL
     AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1) BEGIN
    INSERT INTO outgoing_events (kind, ref_id) VALUES ('csat.received', new.id);
END;
CREATE TRIGGER hook_hold_created AFTER INSERT ON reservations
    WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1) BEGIN
    INSERT INTO outgoing_events (kind, ref_id) VALUES ('hold.created', new.id);
END;
CREATE TRIGGER hook_hold_expired AFTER UPDATE OF status ON reservations
    WHEN new.status = 'expired' AND old.status <> 'expired'
     AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1) BEGIN
    INSERT INTO outgoing_events (kind, ref_id) VALUES ('hold.expired', new.id);
END;
CREATE TRIGGER hook_order_synced AFTER INSERT ON orders
    WHEN EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1) BEGIN
    INSERT INTO outgoing_events (kind, ref_id) VALUES ('order.synced', new.id);
END;
CREATE TRIGGER hook_order_updated AFTER UPDATE OF updated_at ON orders
    WHEN new.updated_at IS NOT old.updated_at
     AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled = 1) BEGIN
    INSERT INTO outgoing_events (kind, ref_id) VALUES ('order.synced', new.id);
END;

-- Invitations to join the team: a single-use link valid seven days.
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL COLLATE NOCASE,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    invited_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    -- When the e-mail went (NULL: not sent, the link was copied).
    sent_at INTEGER,
    accepted_at INTEGER,
    revoked_at INTEGER
);
