-- Version 15 -> 16: the REST API's keys and the log of their calls.

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
