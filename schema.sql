-- The whole schema of a fresh Comptoir database, at the version in src/db/migrate.rs.
-- Older databases reach the same shape through src/db/upgrades/ (a test checks both agree).
-- Our own timestamps are whole Unix seconds (INTEGER); text from platforms stays text.

CREATE TABLE shop_profile (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    business_name TEXT NOT NULL,
    business_type TEXT NOT NULL
        CHECK (business_type IN ('ecommerce', 'real_estate', 'restaurant', 'services', 'other')),
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    timezone TEXT NOT NULL DEFAULT 'Europe/Paris',
    language TEXT NOT NULL DEFAULT 'fr',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'agent', 'order_manager', 'read_only')),
    created_at INTEGER NOT NULL,
    disabled_at INTEGER,
    -- A member away is given no conversation by the rules.
    away INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_user ON sessions(user_id);

-- One-time login links (demo mode, and later invitations); stored hashed.
CREATE TABLE login_links (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);

-- Connected stores, their local catalogue copy, and sync bookkeeping.
CREATE TABLE stores (
    -- Never reused: a new store is never taken for a removed one.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL CHECK (platform IN ('shopify', 'woocommerce', 'prestashop', 'manual',
        'amazon', 'ebay', 'etsy', 'cdiscount', 'mirakl')),
    name TEXT NOT NULL,
    -- Shop domain (example.myshopify.com) or site URL; empty for a manual store.
    domain TEXT NOT NULL DEFAULT '',
    -- Overrides the platform's base URL (tests, proxies).
    api_url TEXT,
    -- Encrypted JSON (see src/secrets.rs); never stored in clear.
    credentials BLOB,
    -- Encrypted key that signs the store's webhooks (Shopify app secret, WooCommerce
    -- webhook secret); webhooks are refused while it is unset.
    webhook_secret BLOB,
    status TEXT NOT NULL DEFAULT 'connected'
        CHECK (status IN ('connected', 'error', 'disconnected')),
    sync_minutes INTEGER NOT NULL DEFAULT 15 CHECK (sync_minutes IN (5, 15, 30, 60)),
    reservation_hours INTEGER NOT NULL DEFAULT 24,
    connected_at INTEGER NOT NULL,
    next_sync_at INTEGER NOT NULL,
    last_sync_at INTEGER,
    last_full_sync_at INTEGER,
    -- High-water mark of upstream `updated_at` seen, for incremental syncs.
    sync_cursor TEXT,
    error_count INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    -- Set while a sync runs, so one store never syncs twice at once.
    sync_lease_until INTEGER,
    -- The process holding the lease ("pid:start time"): a lease whose process is gone
    -- is free at once.
    sync_lease_owner TEXT
);

CREATE TABLE locations (
    id INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    -- Counts as "in the shop" for availability answers.
    in_shop INTEGER NOT NULL DEFAULT 0,
    -- Open to the public ("which shop has it"), with its hours as written for shoppers.
    public INTEGER NOT NULL DEFAULT 0,
    opening_hours TEXT NOT NULL DEFAULT '',
    UNIQUE (store_id, external_id)
);

CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    handle TEXT NOT NULL,
    title TEXT NOT NULL,
    product_type TEXT NOT NULL DEFAULT '',
    vendor TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'active',
    -- JSON array of option names, e.g. ["Taille", "Couleur"].
    option_names TEXT NOT NULL DEFAULT '[]',
    updated_at TEXT NOT NULL DEFAULT '',
    UNIQUE (store_id, external_id)
);
CREATE INDEX products_by_handle ON products(handle);

CREATE TABLE variants (
    id INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    inventory_item_id TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    sku TEXT NOT NULL DEFAULT '',
    barcode TEXT NOT NULL DEFAULT '',
    price_cents INTEGER,
    option1 TEXT,
    option2 TEXT,
    option3 TEXT,
    position INTEGER NOT NULL DEFAULT 0,
    UNIQUE (store_id, external_id)
);
CREATE INDEX variants_by_product ON variants(product_id);
CREATE INDEX variants_by_item ON variants(store_id, inventory_item_id);
CREATE INDEX variants_by_sku ON variants(sku) WHERE sku <> '';

CREATE TABLE stock_levels (
    variant_id INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    location_id INTEGER NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
    available INTEGER NOT NULL,
    updated_at TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (variant_id, location_id)
) WITHOUT ROWID;

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL DEFAULT '',
    UNIQUE (store_id, external_id)
);
CREATE INDEX customers_by_email ON customers(email COLLATE NOCASE) WHERE email <> '';
CREATE INDEX customers_by_phone ON customers(phone) WHERE phone <> '';

CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    customer_external_id TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT '',
    financial_status TEXT NOT NULL DEFAULT '',
    fulfillment_status TEXT NOT NULL DEFAULT '',
    cancelled_at TEXT,
    total_cents INTEGER,
    currency TEXT NOT NULL DEFAULT '',
    carrier TEXT NOT NULL DEFAULT '',
    tracking_number TEXT NOT NULL DEFAULT '',
    tracking_url TEXT NOT NULL DEFAULT '',
    shipment_status TEXT NOT NULL DEFAULT '',
    -- Where it was sold (Amazon.fr…), how it ships (FBA: by Amazon; FBM: by the shop),
    -- and the name and postcode it ships to: with the order number, what proves a
    -- sender is its buyer where the marketplace hides the buyer's contact.
    marketplace TEXT NOT NULL DEFAULT '',
    fulfillment_channel TEXT NOT NULL DEFAULT '',
    ship_name TEXT NOT NULL DEFAULT '',
    ship_postcode TEXT NOT NULL DEFAULT '',
    UNIQUE (store_id, external_id)
);
CREATE INDEX orders_by_name ON orders(name);
CREATE INDEX orders_by_email ON orders(email COLLATE NOCASE) WHERE email <> '';
CREATE INDEX orders_by_created ON orders(created_at);

CREATE TABLE order_lines (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    product_external_id TEXT NOT NULL DEFAULT '',
    variant_external_id TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    variant_title TEXT NOT NULL DEFAULT '',
    sku TEXT NOT NULL DEFAULT '',
    quantity INTEGER NOT NULL,
    price_cents INTEGER
);
CREATE INDEX order_lines_by_order ON order_lines(order_id);

CREATE TABLE sync_runs (
    id INTEGER PRIMARY KEY,
    store_id INTEGER NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('full', 'incremental')),
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    outcome TEXT NOT NULL DEFAULT 'running' CHECK (outcome IN ('running', 'ok', 'error')),
    requests INTEGER NOT NULL DEFAULT 0,
    products INTEGER NOT NULL DEFAULT 0,
    variants INTEGER NOT NULL DEFAULT 0,
    stock_levels INTEGER NOT NULL DEFAULT 0,
    customers INTEGER NOT NULL DEFAULT 0,
    orders INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    -- The process writing the run ("pid:start time"): a running run whose process is
    -- gone was killed.
    owner TEXT,
    -- Orders received again and updated in place (a re-poll): doubles prevented.
    orders_known INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sync_runs_by_store ON sync_runs(store_id, started_at);

-- OAuth `state` nonces awaiting Shopify's callback; each is used once.
CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY,
    shop TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    -- Where to go once the authorisation comes back (the wizard or Intégrations).
    return_to TEXT NOT NULL DEFAULT ''
);

-- Webhook deliveries already processed, so a repeated delivery changes nothing.
CREATE TABLE webhook_events (
    provider TEXT NOT NULL,
    event_id TEXT NOT NULL,
    store_id INTEGER REFERENCES stores(id) ON DELETE CASCADE,
    topic TEXT NOT NULL DEFAULT '',
    received_at INTEGER NOT NULL,
    PRIMARY KEY (provider, event_id)
) WITHOUT ROWID;

-- Pages of a sync in progress; merged into the live tables in one transaction at the end.
CREATE TABLE sync_staging (
    run_id INTEGER NOT NULL REFERENCES sync_runs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    external_id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (run_id, kind, external_id)
) WITHOUT ROWID;


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
    updated_at INTEGER NOT NULL,
    -- carriers: those whose tracking links are built from the orders' tracking numbers
    -- (JSON array of codes: colissimo, chronopost, ups, dhl, fedex). customers_source:
    -- 'store' links people who write to the store's customers (by phone or e-mail).
    -- when_unsure: when the bot does not understand, hand over at once or ask to
    -- rephrase first.
    carriers TEXT NOT NULL DEFAULT '[]',
    customers_source TEXT NOT NULL DEFAULT 'store'
        CHECK (customers_source IN ('store', 'none')),
    when_unsure TEXT NOT NULL DEFAULT 'handoff'
        CHECK (when_unsure IN ('handoff', 'rephrase'))
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
    last_message_at INTEGER NOT NULL,
    -- An address a web chat visitor left for the team to answer.
    contact_email TEXT,
    -- The conversation's contact (see contacts).
    contact_id INTEGER,
    priority INTEGER NOT NULL DEFAULT 0,
    -- The teammate and the department it is assigned to (plain columns: a removed
    -- department or member simply matches nothing).
    assignee_id INTEGER,
    department_id INTEGER,
    -- The one-question survey sent at closing, and the shopper's answer (1 to 5).
    survey_sent_at INTEGER,
    survey_score INTEGER,
    -- From the wizard's test box: answered like any other, counted nowhere.
    test INTEGER NOT NULL DEFAULT 0,
    -- The newest message the visitor's web chat has received (a reply's "Remis").
    webchat_delivered_id INTEGER NOT NULL DEFAULT 0,
    -- A web chat visit from one of the shop's own addresses: counted nowhere.
    excluded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conversations_by_contact ON conversations(channel, contact, last_message_at);
CREATE INDEX conversations_recent ON conversations(last_message_at);
-- Open conversations are few and listed most: their own index keeps tabs fast.
CREATE INDEX conversations_open ON conversations(last_message_at, id) WHERE closed_at IS NULL;
-- A contact's conversations (the customer card, search by name).
CREATE INDEX conversations_by_contact_id ON conversations(contact_id);
-- The setup wizard's tests, in the inbox's Tests tab.
CREATE INDEX conversations_tests ON conversations(last_message_at, id) WHERE test = 1;

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    author TEXT NOT NULL CHECK (author IN ('shopper', 'bot', 'staff')),
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    -- The engine's reading of a shopper message, and what the bot did.
    intent TEXT,
    action TEXT,
    created_at INTEGER NOT NULL,
    provider_id TEXT,
    -- The product a bot reply was about, whether it was in stock (out-of-stock demand),
    -- and the engine's time for the reply in microseconds.
    product TEXT,
    in_stock INTEGER,
    latency_us INTEGER,
    -- How sure the intent model was of the shopper message's intent (0–1).
    confidence REAL
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);

-- Examples the shop taught its assistant from the inbox ("Apprendre à l'assistant"):
-- the words, the intent they ask, and what the catalogue matcher found in them.
CREATE TABLE training_examples (
    id INTEGER PRIMARY KEY,
    text TEXT NOT NULL UNIQUE,
    intent TEXT NOT NULL,
    hint TEXT NOT NULL DEFAULT 'none' CHECK (hint IN ('none', 'category', 'specific')),
    message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
);

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

-- Products by name, for the list's order and its deep pages.
CREATE INDEX products_by_title ON products(title COLLATE NOCASE, id);

-- Full-text search of products (accents ignored, words in any order, prefixes), with
-- the SKUs of their variants; kept in step with both tables by triggers.
CREATE VIRTUAL TABLE products_fts USING fts5(
    title, handle, product_type, tags, skus,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
    INSERT INTO products_fts (rowid, title, handle, product_type, tags, skus)
        VALUES (new.id, new.title, new.handle, new.product_type, new.tags, '');
END;
CREATE TRIGGER products_fts_update AFTER UPDATE OF title, handle, product_type, tags ON products
    WHEN old.title IS NOT new.title OR old.handle IS NOT new.handle
      OR old.product_type IS NOT new.product_type OR old.tags IS NOT new.tags
BEGIN
    UPDATE products_fts SET title = new.title, handle = new.handle,
        product_type = new.product_type, tags = new.tags
        WHERE rowid = new.id;
END;
CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
    DELETE FROM products_fts WHERE rowid = old.id;
END;
CREATE TRIGGER variants_fts_insert AFTER INSERT ON variants WHEN new.sku <> '' BEGIN
    UPDATE products_fts SET skus = (SELECT group_concat(sku, ' ') FROM variants
        WHERE product_id = new.product_id) WHERE rowid = new.product_id;
END;
CREATE TRIGGER variants_fts_update AFTER UPDATE OF sku, product_id ON variants
    WHEN old.sku IS NOT new.sku OR old.product_id IS NOT new.product_id
BEGIN
    UPDATE products_fts SET skus = (SELECT group_concat(sku, ' ') FROM variants
        WHERE product_id = old.product_id) WHERE rowid = old.product_id;
    UPDATE products_fts SET skus = (SELECT group_concat(sku, ' ') FROM variants
        WHERE product_id = new.product_id) WHERE rowid = new.product_id;
END;
CREATE TRIGGER variants_fts_delete AFTER DELETE ON variants WHEN old.sku <> '' BEGIN
    UPDATE products_fts SET skus = (SELECT group_concat(sku, ' ') FROM variants
        WHERE product_id = old.product_id) WHERE rowid = old.product_id;
END;
INSERT INTO products_fts (rowid, title, handle, product_type, tags, skus)
    SELECT p.id, p.title, p.handle, p.product_type, p.tags,
           COALESCE((SELECT group_concat(sku, ' ') FROM variants v WHERE v.product_id = p.id), '')
    FROM products p;

-- Messages carried by providers, and the outbox replies are sent from.
CREATE UNIQUE INDEX messages_by_provider_id ON messages(provider_id) WHERE provider_id IS NOT NULL;

-- Replies waiting to be sent, being retried, or done. Written in the same transaction as
-- the message it carries, so nothing is lost between deciding and sending.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'whatsapp', 'email')),
    recipient TEXT NOT NULL,
    body TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    -- The Message-ID of the shopper's e-mail, to thread the reply under it.
    in_reply_to TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    -- When the next attempt may start; a claimed row is pushed a minute ahead, so a crash
    -- mid-send retries it after that minute.
    next_attempt_at INTEGER NOT NULL,
    provider_id TEXT,
    error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    -- Set when an attempt starts, cleared when its outcome is known. Still set at the
    -- next attempt (a crash, a timeout, an unreadable answer): the provider is asked
    -- whether it has the message before it is sent again.
    sending_since INTEGER,
    -- A calendar invitation (RFC 5545) sent with an e-mail.
    attachment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_by_provider_id ON outbox(provider_id) WHERE provider_id IS NOT NULL;

-- Messaging channels set up from the pages (the config file wins for the keys it sets).
CREATE TABLE channel_settings (
    provider TEXT PRIMARY KEY CHECK (provider IN ('twilio', 'resend', 'webchat')),
    enabled INTEGER NOT NULL DEFAULT 1,
    -- Encrypted JSON of the provider's settings, secrets included (see src/secrets.rs).
    sealed BLOB NOT NULL,
    updated_at INTEGER NOT NULL
);

-- The people who write, one per channel identity, linked to the store customer with the
-- same phone or e-mail; a blocked contact's messages get no reply.
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    -- +33…, whatsapp:+33…, an e-mail address, visitor:ID.
    identity TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    blocked INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (channel, identity)
);
-- The other identities of a store customer (the customer card).
CREATE INDEX contacts_by_customer ON contacts(customer_id) WHERE customer_id IS NOT NULL;

-- Departments the team splits work by (Ventes, Support…), managed in the settings.
CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at INTEGER NOT NULL
);

-- Notes the team leaves on a conversation; never sent to the shopper.
CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    -- A note a rule wrote (its name then); NULL for the team's notes.
    rule TEXT
);
CREATE INDEX notes_by_conversation ON notes(conversation_id, id);

-- Canned replies a teammate inserts; {prenom}, {produit}, {lien_suivi} are filled in.
CREATE TABLE saved_replies (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- The last message each teammate has seen in a conversation (the unread marker).
CREATE TABLE conversation_reads (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (user_id, conversation_id)
) WITHOUT ROWID;

-- Full-text search, accents ignored; kept in step with its table by triggers.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    body, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
    INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE contacts_fts USING fts5(
    display_name, identity, content = 'contacts', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts (rowid, display_name, identity)
        VALUES (new.id, new.display_name, new.identity);
END;
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, display_name, identity)
        VALUES ('delete', old.id, old.display_name, old.identity);
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF display_name, identity ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, display_name, identity)
        VALUES ('delete', old.id, old.display_name, old.identity);
    INSERT INTO contacts_fts (rowid, display_name, identity)
        VALUES (new.id, new.display_name, new.identity);
END;
INSERT INTO contacts_fts (contacts_fts) VALUES ('rebuild');

-- The setup wizard's progress; one row, absent until the wizard is first opened.
CREATE TABLE onboarding (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    -- The furthest step reached (1 to 10): logging in again resumes there.
    step INTEGER NOT NULL DEFAULT 2 CHECK (step BETWEEN 1 AND 10),
    -- Steps passed over with "Passer" (JSON array of step numbers).
    skipped TEXT NOT NULL DEFAULT '[]',
    -- The shop said it has no online store.
    no_store INTEGER NOT NULL DEFAULT 0,
    finished_at INTEGER,
    updated_at INTEGER NOT NULL
);

-- Appointments booked in the conversation or by the team (fittings, alterations).
-- What the shop offers to book.
CREATE TABLE services (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    length_minutes INTEGER NOT NULL CHECK (length_minutes > 0),
    -- Kept free around each appointment.
    buffer_minutes INTEGER NOT NULL DEFAULT 0 CHECK (buffer_minutes >= 0),
    -- How soon before its start a slot can still be booked.
    notice_minutes INTEGER NOT NULL DEFAULT 120 CHECK (notice_minutes >= 0),
    -- How many days ahead slots are offered.
    window_days INTEGER NOT NULL DEFAULT 14 CHECK (window_days >= 0),
    -- Appointments that can run at once.
    seats INTEGER NOT NULL DEFAULT 1 CHECK (seats > 0),
    -- Slots start every this many minutes from each opening time.
    step_minutes INTEGER NOT NULL DEFAULT 30 CHECK (step_minutes > 0),
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

CREATE TABLE appointments (
    id INTEGER PRIMARY KEY,
    service_id INTEGER NOT NULL REFERENCES services(id),
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    -- The service's buffer when booked (a later change does not move past bookings).
    buffer_minutes INTEGER NOT NULL DEFAULT 0,
    -- The shopper, as the conversation knows them (+33…, an e-mail, visitor:ID).
    contact TEXT NOT NULL,
    conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
    status TEXT NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled')),
    -- The calendar invitation's identity and revision (RFC 5545 UID and SEQUENCE).
    uid TEXT NOT NULL UNIQUE,
    sequence INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    -- Who it is for, where they are told, and what was sent: the invitation's SEQUENCE
    -- last e-mailed and the SEQUENCE last told by SMS or WhatsApp (a change the team
    -- made is due while they are lower), and the day-before reminder.
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT 'fr',
    sent_sequence INTEGER,
    reminded_at INTEGER,
    told_sequence INTEGER
);
CREATE INDEX appointments_upcoming ON appointments(starts_at) WHERE status = 'booked';
CREATE INDEX appointments_unsent ON appointments(id)
    WHERE email != '' AND (sent_sequence IS NULL OR sent_sequence < sequence);

-- Shoppers waiting for a variant to come back in stock, or for its price to drop.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('stock', 'price')),
    -- The store it was subscribed in; NULL once that store is disconnected, until a
    -- store selling the same SKU takes it over (a change of platform keeps alerts).
    store_id INTEGER REFERENCES stores(id) ON DELETE SET NULL,
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

-- Analytics: one row of figures per conversation, recomputed by a job for the
-- conversations the triggers mark changed.
CREATE TABLE conversation_facts (
    conversation_id INTEGER PRIMARY KEY,
    -- The shopper's first message.
    started_at INTEGER NOT NULL,
    channel TEXT NOT NULL,
    contact TEXT NOT NULL,
    -- What the assistant read in the first message (intent code).
    first_intent TEXT,
    department_id INTEGER,
    assignee_id INTEGER,
    messages_in INTEGER NOT NULL DEFAULT 0,
    bot_replies INTEGER NOT NULL DEFAULT 0,
    team_replies INTEGER NOT NULL DEFAULT 0,
    -- Handed to the team (and why: the intent code that made the bot hand over).
    handed_over INTEGER NOT NULL DEFAULT 0,
    handoff_reason TEXT,
    -- Seconds from the first message to the bot's first reply, and from the handover
    -- (or the first message) to the team's first reply.
    first_bot_secs INTEGER,
    first_team_secs INTEGER,
    closed_at INTEGER,
    resolution_secs INTEGER,
    csat INTEGER,
    holds INTEGER NOT NULL DEFAULT 0,
    holds_fulfilled INTEGER NOT NULL DEFAULT 0,
    -- The price of the holds handed over, in cents.
    fulfilled_cents INTEGER NOT NULL DEFAULT 0,
    test INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    -- The bot's replies by intent: {"price": [replies, taken over by the team,
    -- confidence < 50 %, 50-80 %, >= 80 %]}; and the products they were about:
    -- {"robe-fleurie-bleue": [replies, out of stock]}.
    replies TEXT NOT NULL DEFAULT '{}',
    products TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX conversation_facts_by_start ON conversation_facts(started_at) WHERE test = 0;

-- Conversations whose figures must be recomputed.
CREATE TABLE analytics_dirty (
    conversation_id INTEGER PRIMARY KEY
) WITHOUT ROWID;

CREATE TRIGGER analytics_message AFTER INSERT ON messages BEGIN
    INSERT OR IGNORE INTO analytics_dirty (conversation_id) VALUES (new.conversation_id);
END;
CREATE TRIGGER analytics_conversation AFTER UPDATE OF closed_at, assignee_id, department_id,
    survey_score, handoff_at, test, excluded ON conversations BEGIN
    INSERT OR IGNORE INTO analytics_dirty (conversation_id) VALUES (new.id);
END;
CREATE TRIGGER analytics_hold AFTER INSERT ON reservations WHEN new.conversation_id IS NOT NULL BEGIN
    INSERT OR IGNORE INTO analytics_dirty (conversation_id) VALUES (new.conversation_id);
END;
CREATE TRIGGER analytics_hold_closed AFTER UPDATE OF status ON reservations
    WHEN new.conversation_id IS NOT NULL BEGIN
    INSERT OR IGNORE INTO analytics_dirty (conversation_id) VALUES (new.conversation_id);
END;
CREATE TRIGGER analytics_conversation_gone AFTER DELETE ON conversations BEGIN
    DELETE FROM conversation_facts WHERE conversation_id = old.id;
END;

-- The bot's replies by date, for the assistant's report (intents, confidence).
CREATE INDEX messages_bot_by_date ON messages(created_at) WHERE author = 'bot';

-- The shop's analytics choices (one row).
CREATE TABLE analytics_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    -- An order counts for the assistant when placed within this many days after a
    -- conversation with the same shopper.
    attribution_days INTEGER NOT NULL DEFAULT 7 CHECK (attribution_days BETWEEN 1 AND 90),
    -- Agents may see the team report (others' figures).
    team_visible INTEGER NOT NULL DEFAULT 1,
    -- A summary e-mailed to admins every Monday morning.
    weekly_report INTEGER NOT NULL DEFAULT 0,
    -- The Monday the last weekly report went for (local date), so it goes once.
    weekly_sent_for TEXT,
    updated_at INTEGER NOT NULL DEFAULT 0,
    -- JSON array of addresses or ranges (the shop's own) whose web chat visits are
    -- left out of the analytics.
    excluded_ips TEXT NOT NULL DEFAULT '[]'
);

-- The REST API's keys and the log of their calls.
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

-- Paramètres › Automatisations: rules run in `position` order on a trigger; every
-- condition must hold; actions then apply, and `stop` ends the round for later rules.
CREATE TABLE automation_rules (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    -- conversation_created, message_received, handed_over, closed, no_reply.
    trigger TEXT NOT NULL CHECK (trigger IN ('conversation_created', 'message_received',
        'handed_over', 'closed', 'no_reply')),
    -- For no_reply: minutes without a team reply after the shopper's message.
    delay_minutes INTEGER,
    -- JSON arrays of typed conditions and actions (automations/rules.rs), checked when
    -- saved.
    conditions TEXT NOT NULL DEFAULT '[]',
    actions TEXT NOT NULL DEFAULT '[]',
    stop INTEGER NOT NULL DEFAULT 0,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- What may trigger a rule, written by triggers in the same transaction as the change
-- (only while some rule is enabled), then read by the automations' job. What the job's
-- own actions cause is dropped in its transaction: a rule never triggers a rule.
CREATE TABLE automation_events (
    -- Never reused: a run's cause names its event.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    trigger TEXT NOT NULL,
    conversation_id INTEGER NOT NULL,
    at INTEGER NOT NULL DEFAULT (unixepoch()),
    -- The shopper's message the conditions read (none yet when a conversation starts:
    -- its first one).
    message_id INTEGER
);

-- Each rule run once per cause: the event, or the shopper message left unanswered.
CREATE TABLE automation_runs (
    id INTEGER PRIMARY KEY,
    rule_id INTEGER NOT NULL REFERENCES automation_rules(id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL,
    cause TEXT NOT NULL,
    summary TEXT NOT NULL,
    at INTEGER NOT NULL,
    UNIQUE (rule_id, cause)
);
CREATE INDEX automation_runs_by_conversation ON automation_runs(conversation_id, at);

CREATE TRIGGER rules_conversation_created AFTER INSERT ON conversations
    WHEN new.test = 0 AND EXISTS (SELECT 1 FROM automation_rules WHERE enabled = 1) BEGIN
    INSERT INTO automation_events (trigger, conversation_id)
        VALUES ('conversation_created', new.id);
END;
CREATE TRIGGER rules_message_received AFTER INSERT ON messages
    WHEN new.author = 'shopper' AND EXISTS (SELECT 1 FROM automation_rules WHERE enabled = 1) BEGIN
    INSERT INTO automation_events (trigger, conversation_id, message_id)
        VALUES ('message_received', new.conversation_id, new.id);
END;
CREATE TRIGGER rules_handed_over AFTER UPDATE OF handoff_at ON conversations
    WHEN old.handoff_at IS NULL AND new.handoff_at IS NOT NULL
     AND EXISTS (SELECT 1 FROM automation_rules WHERE enabled = 1) BEGIN
    INSERT INTO automation_events (trigger, conversation_id, message_id)
        VALUES ('handed_over', new.id, (SELECT max(id) FROM messages
                                        WHERE conversation_id = new.id AND author = 'shopper'));
END;
CREATE TRIGGER rules_closed AFTER UPDATE OF closed_at ON conversations
    WHEN old.closed_at IS NULL AND new.closed_at IS NOT NULL
     AND EXISTS (SELECT 1 FROM automation_rules WHERE enabled = 1) BEGIN
    INSERT INTO automation_events (trigger, conversation_id, message_id)
        VALUES ('closed', new.id, (SELECT max(id) FROM messages
                                   WHERE conversation_id = new.id AND author = 'shopper'));
END;

-- Who answers a department's conversations, taken in turn (`turn` rises with each).
CREATE TABLE department_members (
    department_id INTEGER NOT NULL REFERENCES departments(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    turn INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (department_id, user_id)
) WITHOUT ROWID;

-- Correspondances: a marketplace's SKU that differs from the catalogue's, and the
-- catalogue SKU it stands for.
CREATE TABLE sku_mappings (
    store_id INTEGER NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    external_sku TEXT NOT NULL,
    sku TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (store_id, external_sku)
) WITHOUT ROWID;
