-- Version 13 -> 14: back-in-stock and price-drop alerts, shops open to the public, and
-- what appointments send (invitations, reminders).

-- A stock location open to the public ("which shop has it"): its hours as the shop
-- writes them for shoppers. Its address comes from the store.
ALTER TABLE locations ADD COLUMN public INTEGER NOT NULL DEFAULT 0;
ALTER TABLE locations ADD COLUMN opening_hours TEXT NOT NULL DEFAULT '';

-- The shopper an appointment is for, and what was sent about it: the invitation's
-- SEQUENCE last e-mailed and the SEQUENCE last told by SMS or WhatsApp (a change the
-- team made is due while they are lower), and the day-before reminder.
ALTER TABLE appointments ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN lang TEXT NOT NULL DEFAULT 'fr';
ALTER TABLE appointments ADD COLUMN sent_sequence INTEGER;
ALTER TABLE appointments ADD COLUMN reminded_at INTEGER;
ALTER TABLE appointments ADD COLUMN told_sequence INTEGER;
CREATE INDEX appointments_unsent ON appointments(id)
    WHERE email != '' AND (sent_sequence IS NULL OR sent_sequence < sequence);

-- A calendar invitation (RFC 5545) sent with an e-mail.
ALTER TABLE outbox ADD COLUMN attachment TEXT NOT NULL DEFAULT '';

-- Shoppers waiting for a variant to come back in stock, or for its price to drop.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('stock', 'price')),
    store_id INTEGER NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    -- The variant as holds name it (its SKU, else variant:STORE:ID).
    item_key TEXT NOT NULL,
    product_title TEXT NOT NULL,
    variant_title TEXT NOT NULL,
    -- The price when subscribed: a price alert waits for a drop from it.
    price_cents INTEGER,
    -- Where the alert goes: the conversation's channel, or e-mail for the web chat.
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'whatsapp', 'email')),
    recipient TEXT NOT NULL,
    conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
    lang TEXT NOT NULL DEFAULT 'fr',
    -- unconfirmed: an e-mail waiting for its double opt-in; active: waiting for the
    -- stock or the price; sent: the one alert went; unsubscribed; closed: the variant
    -- is gone, or the confirmation expired.
    status TEXT NOT NULL CHECK (status IN ('unconfirmed', 'active', 'sent', 'unsubscribed', 'closed')),
    -- The confirmation link's token (hashed), single use, until `confirm_by`.
    confirm_hash TEXT UNIQUE,
    confirm_by INTEGER,
    -- The unsubscribe link's token (hashed).
    unsubscribe_hash TEXT UNIQUE,
    -- Who subscribed them: the shopper in the conversation, or a team member.
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER,
    -- When the confirmation e-mail was queued (the notices job sends it once).
    confirm_sent_at INTEGER,
    sent_at INTEGER,
    ended_at INTEGER
);
CREATE INDEX alerts_waiting ON alerts(store_id, item_key, created_at) WHERE status = 'active';
CREATE UNIQUE INDEX alerts_one_per_shopper ON alerts(kind, store_id, item_key, recipient)
    WHERE status IN ('unconfirmed', 'active');
CREATE INDEX alerts_by_item ON alerts(item_key, status);
CREATE INDEX alerts_recent ON alerts(created_at);

-- The shop's rules for sending alerts (one row).
CREATE TABLE alert_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    -- Offer alerts in the conversation at all.
    enabled INTEGER NOT NULL DEFAULT 1,
    -- Nothing is sent while paused (subscriptions still open).
    paused INTEGER NOT NULL DEFAULT 0,
    -- Shoppers told per unit back in stock, per batch.
    per_unit INTEGER NOT NULL DEFAULT 3 CHECK (per_unit BETWEEN 1 AND 100),
    -- Minutes before the next batch when stock remains.
    batch_minutes INTEGER NOT NULL DEFAULT 60 CHECK (batch_minutes BETWEEN 1 AND 10080),
    -- Units available at the shop (net of holds) before anyone is told.
    min_stock INTEGER NOT NULL DEFAULT 1 CHECK (min_stock BETWEEN 1 AND 1000),
    -- A price alert goes when the price drops by at least this many percent.
    price_drop_percent INTEGER NOT NULL DEFAULT 10 CHECK (price_drop_percent BETWEEN 1 AND 90),
    updated_at INTEGER NOT NULL DEFAULT 0
);
