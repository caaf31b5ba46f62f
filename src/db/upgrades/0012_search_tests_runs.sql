-- Version 11 -> 12: the Produits page searches and pages a large catalogue fast; the
-- inbox keeps the setup wizard's test conversations in a tab of their own, and shows
-- which replies a visitor's web chat has received. Syncs and imports record their
-- process, so those a kill interrupted are cleaned up at once. The outbox remembers an
-- attempt whose outcome is unknown, to ask the provider before sending again.

ALTER TABLE outbox ADD COLUMN sending_since INTEGER;

ALTER TABLE stores ADD COLUMN sync_lease_owner TEXT;
ALTER TABLE sync_runs ADD COLUMN owner TEXT;

ALTER TABLE conversations ADD COLUMN webchat_delivered_id INTEGER NOT NULL DEFAULT 0;

CREATE INDEX conversations_tests ON conversations(last_message_at, id) WHERE test = 1;

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
