-- Version 9 -> 10: the guided onboarding and the dashboard: where the wizard stands,
-- test conversations kept out of the figures, what each bot reply was about, tracking
-- carriers, where customers come from, and what the bot does when unsure.

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
-- A database that already has an owner was set up before the wizard existed.
INSERT INTO onboarding (id, step, finished_at, updated_at)
    SELECT 1, 10, strftime('%s', 'now'), strftime('%s', 'now') WHERE EXISTS (SELECT 1 FROM users);

-- Conversations from the wizard's test box: answered like any other, counted nowhere.
ALTER TABLE conversations ADD COLUMN test INTEGER NOT NULL DEFAULT 0;

-- The product a bot reply was about, and whether it was in stock (out-of-stock demand).
ALTER TABLE messages ADD COLUMN product TEXT;
ALTER TABLE messages ADD COLUMN in_stock INTEGER;
-- The engine's time for the reply, in microseconds.
ALTER TABLE messages ADD COLUMN latency_us INTEGER;

-- Carriers whose tracking links are built from the orders' tracking numbers (JSON array
-- of codes: colissimo, chronopost, ups, dhl, fedex).
ALTER TABLE assistant_settings ADD COLUMN carriers TEXT NOT NULL DEFAULT '[]';
-- Link people who write to the store's customers (by phone or e-mail): 'store' or 'none'.
ALTER TABLE assistant_settings ADD COLUMN customers_source TEXT NOT NULL DEFAULT 'store'
    CHECK (customers_source IN ('store', 'none'));
-- When the bot does not understand: hand over at once, or ask to rephrase first.
ALTER TABLE assistant_settings ADD COLUMN when_unsure TEXT NOT NULL DEFAULT 'handoff'
    CHECK (when_unsure IN ('handoff', 'rephrase'));

-- Where to go once Shopify's authorisation comes back (the wizard or Intégrations).
ALTER TABLE oauth_states ADD COLUMN return_to TEXT NOT NULL DEFAULT '';
