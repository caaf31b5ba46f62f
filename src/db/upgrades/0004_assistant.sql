-- Version 3 -> 4: the assistant: its settings, editable replies, conversations with
-- their dialogue state, reservations, and a catalogue version the engine's index follows.

-- Where an order's parcel is (in_transit, out_for_delivery, delivered…), for shoppers who ask.
ALTER TABLE orders ADD COLUMN shipment_status TEXT NOT NULL DEFAULT '';

-- How the assistant behaves; one row, absent until the shop changes a default.
CREATE TABLE assistant_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    -- {"mon": ["10:00", "19:00"], ..., "sun": null}; a split day holds two ranges
    -- ([["10:00", "13:00"], ["14:00", "19:00"]]).
    hours TEXT NOT NULL DEFAULT '{}',
    tone TEXT NOT NULL DEFAULT 'vous' CHECK (tone IN ('tu', 'vous')),
    signature TEXT NOT NULL DEFAULT '',
    auto_reserve INTEGER NOT NULL DEFAULT 1,
    returns_policy TEXT NOT NULL DEFAULT '',
    shipping_policy TEXT NOT NULL DEFAULT '',
    -- Policies in English for English-speaking shoppers; the French text is used when empty.
    returns_policy_en TEXT NOT NULL DEFAULT '',
    shipping_policy_en TEXT NOT NULL DEFAULT '',
    -- JSON array of ISO country codes the shop ships to.
    shipping_countries TEXT NOT NULL DEFAULT '["FR"]',
    updated_at INTEGER NOT NULL
);

-- Replies the shop rewrote; the built-in text applies to every other (key, lang).
CREATE TABLE reply_templates (
    key TEXT NOT NULL,
    lang TEXT NOT NULL CHECK (lang IN ('fr', 'en')),
    body TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (key, lang)
) WITHOUT ROWID;

CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'whatsapp', 'email', 'webchat', 'console')),
    -- The shopper on that channel: +33…, whatsapp:+33…, an e-mail address, visitor:ID.
    contact TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT 'fr',
    -- Dialogue slots (JSON), forgotten after a quiet while.
    state TEXT NOT NULL DEFAULT '{}',
    -- Set when the bot handed over (on request, complaint, or doubt).
    handoff_at INTEGER,
    handoff_reason TEXT,
    -- A human replied: the bot stays silent here until handed back.
    bot_paused INTEGER NOT NULL DEFAULT 0,
    closed_at INTEGER,
    created_at INTEGER NOT NULL,
    last_message_at INTEGER NOT NULL
);
CREATE INDEX conversations_by_contact ON conversations(channel, contact, last_message_at);
CREATE INDEX conversations_recent ON conversations(last_message_at);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    author TEXT NOT NULL CHECK (author IN ('shopper', 'bot', 'staff')),
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    -- The engine's reading of a shopper message, and what the bot did.
    intent TEXT,
    action TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);

-- Items put aside for a shopper. Keyed by SKU (or the variant's platform id when it
-- has none), not by row ids, so they survive a resync or a change of platform.
CREATE TABLE reservations (
    id INTEGER PRIMARY KEY,
    store_id INTEGER REFERENCES stores(id) ON DELETE SET NULL,
    item_key TEXT NOT NULL,
    product_title TEXT NOT NULL,
    variant_title TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
    contact TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'fulfilled', 'cancelled', 'expired')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    closed_at INTEGER,
    closed_by INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX reservations_active ON reservations(item_key) WHERE status = 'active';
CREATE INDEX reservations_recent ON reservations(created_at);

-- Bumped by every change to products or variants, so a process notices that the
-- engine's in-memory index is stale (a sync may run in another process).
CREATE TABLE catalogue_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO catalogue_version (id, version) VALUES (1, 0);
CREATE TRIGGER products_changed_insert AFTER INSERT ON products
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER products_changed_update AFTER UPDATE ON products
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER products_changed_delete AFTER DELETE ON products
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER variants_changed_insert AFTER INSERT ON variants
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER variants_changed_update AFTER UPDATE ON variants
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
CREATE TRIGGER variants_changed_delete AFTER DELETE ON variants
    BEGIN UPDATE catalogue_version SET version = version + 1; END;
