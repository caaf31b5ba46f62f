-- Version 17 -> 18: marketplaces (Amazon, eBay, Etsy, Cdiscount, Mirakl) as stores whose
-- orders join the one order book, and what an order keeps of its marketplace.
-- Upgrades run with foreign keys off (see migrate.rs), so the stores table is rebuilt
-- with its new platforms without touching the rows that point to it.

CREATE TABLE stores_new (
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

INSERT INTO stores_new (id, platform, name, domain, api_url, credentials, webhook_secret, status, sync_minutes, reservation_hours, connected_at, next_sync_at, last_sync_at, last_full_sync_at, sync_cursor, error_count, last_error, sync_lease_until, sync_lease_owner) SELECT id, platform, name, domain, api_url, credentials, webhook_secret, status, sync_minutes, reservation_hours, connected_at, next_sync_at, last_sync_at, last_full_sync_at, sync_cursor, error_count, last_error, sync_lease_until, sync_lease_owner FROM stores;
DROP TABLE stores;
ALTER TABLE stores_new RENAME TO stores;

-- Where it was sold (Amazon.fr…), how it ships (FBA: by Amazon; FBM: by the shop),
-- and the name and postcode it ships to: with the order number, what proves a
-- sender is its buyer where the marketplace hides the buyer's contact.
ALTER TABLE orders ADD COLUMN marketplace TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN fulfillment_channel TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN ship_name TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN ship_postcode TEXT NOT NULL DEFAULT '';

-- Orders received again and updated in place (a re-poll): doubles prevented.
ALTER TABLE sync_runs ADD COLUMN orders_known INTEGER NOT NULL DEFAULT 0;

-- Correspondances: a marketplace's SKU that differs from the catalogue's, and the
-- catalogue SKU it stands for.
CREATE TABLE sku_mappings (
    store_id INTEGER NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
    external_sku TEXT NOT NULL,
    sku TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (store_id, external_sku)
) WITHOUT ROWID;

-- Alerts outlive their store: disconnecting a store (a change of platform) keeps them,
-- and a store selling the same SKU takes them over. Rebuilt for the new foreign key.
CREATE TABLE alerts_new (
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
INSERT INTO alerts_new (id, kind, store_id, item_key, product_title, variant_title, price_cents, channel, recipient, conversation_id, lang, status, confirm_hash, confirm_by, unsubscribe_hash, created_by, created_at, confirmed_at, confirm_sent_at, sent_at, ended_at) SELECT id, kind, store_id, item_key, product_title, variant_title, price_cents, channel, recipient, conversation_id, lang, status, confirm_hash, confirm_by, unsubscribe_hash, created_by, created_at, confirmed_at, confirm_sent_at, sent_at, ended_at FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_new RENAME TO alerts;
CREATE INDEX alerts_waiting ON alerts(store_id, item_key, created_at) WHERE status = 'active';
CREATE UNIQUE INDEX alerts_one_per_shopper ON alerts(kind, store_id, item_key, recipient)
    WHERE status IN ('unconfirmed', 'active');
CREATE INDEX alerts_by_item ON alerts(item_key, status);
CREATE INDEX alerts_recent ON alerts(created_at);
