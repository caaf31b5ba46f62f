-- Version 4 -> 5: messages carried by providers (SMS, WhatsApp, e-mail): their provider
-- ids, so a repeated delivery is recognised, and the outbox replies are sent from.

-- The provider's id of a message (Twilio MessageSid, Resend email id, widget message id).
ALTER TABLE messages ADD COLUMN provider_id TEXT;
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
    updated_at INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_by_provider_id ON outbox(provider_id) WHERE provider_id IS NOT NULL;
