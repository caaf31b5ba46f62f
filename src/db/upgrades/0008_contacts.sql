-- Version 7 -> 8: the people who write, one per channel identity, linked to the store's
-- customer with the same phone or e-mail; a blocked contact's messages get no reply.
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
-- The conversation's contact (contacts are never deleted, so no constraint is needed,
-- and SQLite's ALTER TABLE keeps a plain column simplest to match in schema.sql).
ALTER TABLE conversations ADD COLUMN contact_id INTEGER;
