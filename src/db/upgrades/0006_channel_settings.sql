-- Version 5 -> 6: messaging channels set up from the pages (the config file wins for the
-- keys it sets).
CREATE TABLE channel_settings (
    provider TEXT PRIMARY KEY CHECK (provider IN ('twilio', 'resend', 'webchat')),
    enabled INTEGER NOT NULL DEFAULT 1,
    -- Encrypted JSON of the provider's settings, secrets included (see src/secrets.rs).
    sealed BLOB NOT NULL,
    updated_at INTEGER NOT NULL
);
