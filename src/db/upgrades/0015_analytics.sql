-- Version 14 -> 15: analytics. One row of figures per conversation, recomputed by a
-- job for the conversations marked changed (by the triggers below), so reports read
-- one indexed table instead of a million messages.

-- A web chat visit from one of the shop's own addresses (its staff): counted nowhere.
ALTER TABLE conversations ADD COLUMN excluded INTEGER NOT NULL DEFAULT 0;

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

-- Existing conversations are computed by the first rounds of the job.
INSERT INTO analytics_dirty (conversation_id) SELECT id FROM conversations;

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
