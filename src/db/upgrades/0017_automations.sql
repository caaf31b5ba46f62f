-- Version 16 -> 17: automation rules, the departments' members and their availability.

-- Paramètres › Automatisations: rules run in `position` order on a trigger; every
-- condition must hold; actions then apply, and `stop` ends the round for later rules.
CREATE TABLE automation_rules (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    -- conversation_created, message_received, handed_over, closed, no_reply.
    trigger TEXT NOT NULL CHECK (trigger IN ('conversation_created', 'message_received',
        'handed_over', 'closed', 'no_reply')),
    -- For no_reply: minutes without a team reply after the shopper's message.
    delay_minutes INTEGER,
    -- JSON arrays of typed conditions and actions (automations/rules.rs), checked when
    -- saved.
    conditions TEXT NOT NULL DEFAULT '[]',
    actions TEXT NOT NULL DEFAULT '[]',
    stop INTEGER NOT NULL DEFAULT 0,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- What may trigger a rule, written by triggers in the same transaction as the change
-- (only while some rule is enabled), then read by the automations' job. What the job's
-- own actions cause is dropped in its transaction: a rule never triggers a rule.
CREATE TABLE automation_events (
    -- Never reused: a run's cause names its event.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    trigger TEXT NOT NULL,
    conversation_id INTEGER NOT NULL,
    at INTEGER NOT NULL DEFAULT (unixepoch())
);

-- Each rule run once per cause: the event, or the shopper message left unanswered.
CREATE TABLE automation_runs (
    id INTEGER PRIMARY KEY,
    rule_id INTEGER NOT NULL REFERENCES automation_rules(id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL,
    cause TEXT NOT NULL,
    summary TEXT NOT NULL,
    at INTEGER NOT NULL,
    UNIQUE (rule_id, cause)
);
CREATE INDEX automation_runs_by_conversation ON automation_runs(conversation_id, at);

CREATE TRIGGER rules_conversation_created AFTER INSERT ON conversations
    WHEN new.test = 0 AND EXISTS (SELECT 1 FROM automation_rules WHERE enabled = 1) BEGIN
    INSERT INTO automation_events (trigger, conversation_id)
        VALUES ('conversation_created', new.id);
END;
CREATE TRIGGER rules_message_received AFTER INSERT ON messages
    WHEN new.author = 'shopper' AND EXISTS (SELECT 1 FROM automation_rules WHERE enabled = 1) BEGIN
    INSERT INTO automation_events (trigger, conversation_id)
        VALUES ('message_received', new.conversation_id);
END;
CREATE TRIGGER rules_handed_over AFTER UPDATE OF handoff_at ON conversations
    WHEN old.handoff_at IS NULL AND new.handoff_at IS NOT NULL
     AND EXISTS (SELECT 1 FROM automation_rules WHERE enabled = 1) BEGIN
    INSERT INTO automation_events (trigger, conversation_id) VALUES ('handed_over', new.id);
END;
CREATE TRIGGER rules_closed AFTER UPDATE OF closed_at ON conversations
    WHEN old.closed_at IS NULL AND new.closed_at IS NOT NULL
     AND EXISTS (SELECT 1 FROM automation_rules WHERE enabled = 1) BEGIN
    INSERT INTO automation_events (trigger, conversation_id) VALUES ('closed', new.id);
END;

-- Who answers a department's conversations, taken in turn (`turn` rises with each).
CREATE TABLE department_members (
    department_id INTEGER NOT NULL REFERENCES departments(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    turn INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (department_id, user_id)
) WITHOUT ROWID;

-- A member away is given no conversation by the rules.
ALTER TABLE users ADD COLUMN away INTEGER NOT NULL DEFAULT 0;
-- A note a rule wrote (its name then); NULL for the team's notes.
ALTER TABLE notes ADD COLUMN rule TEXT;
