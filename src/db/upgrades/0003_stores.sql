-- Version 2 -> 3: connected stores, their local catalogue copy, and sync bookkeeping.

CREATE TABLE stores (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL CHECK (platform IN ('shopify', 'woocommerce', 'prestashop', 'manual')),
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
    sync_lease_until INTEGER
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
    error TEXT
);
CREATE INDEX sync_runs_by_store ON sync_runs(store_id, started_at);

-- OAuth `state` nonces awaiting Shopify's callback; each is used once.
CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY,
    shop TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
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
