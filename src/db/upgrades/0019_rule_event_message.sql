-- A rule's conditions read the shopper's message the event came with, not one that
-- arrived since (a slow round read the next message for both events).
ALTER TABLE automation_events ADD COLUMN message_id INTEGER;
DROP TRIGGER rules_message_received;
DROP TRIGGER rules_handed_over;
DROP TRIGGER rules_closed;
CREATE TRIGGER rules_message_received AFTER INSERT ON messages
    WHEN new.author = 'shopper' AND EXISTS (SELECT 1 FROM automation_rules WHERE enabled = 1) BEGIN
    INSERT INTO automation_events (trigger, conversation_id, message_id)
        VALUES ('message_received', new.conversation_id, new.id);
END;
CREATE TRIGGER rules_handed_over AFTER UPDATE OF handoff_at ON conversations
    WHEN old.handoff_at IS NULL AND new.handoff_at IS NOT NULL
     AND EXISTS (SELECT 1 FROM automation_rules WHERE enabled = 1) BEGIN
    INSERT INTO automation_events (trigger, conversation_id, message_id)
        VALUES ('handed_over', new.id, (SELECT max(id) FROM messages
                                        WHERE conversation_id = new.id AND author = 'shopper'));
END;
CREATE TRIGGER rules_closed AFTER UPDATE OF closed_at ON conversations
    WHEN old.closed_at IS NULL AND new.closed_at IS NOT NULL
     AND EXISTS (SELECT 1 FROM automation_rules WHERE enabled = 1) BEGIN
    INSERT INTO automation_events (trigger, conversation_id, message_id)
        VALUES ('closed', new.id, (SELECT max(id) FROM messages
                                   WHERE conversation_id = new.id AND author = 'shopper'));
END;
