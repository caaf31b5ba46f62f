-- Version 17 -> 18: marketplaces (Amazon, eBay, Etsy, Cdiscount, Mirakl) as stores whose
-- orders join the one order book, and what an order keeps of its marketplace.
-- Upgrades run with foreign keys off (see migrate.rs), so the stores table is rebuilt
-- with its new platforms without touching the rows that point to it.

CREATE TABLE stores_new (
    id INTEGER PRIMARY KEY,
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
