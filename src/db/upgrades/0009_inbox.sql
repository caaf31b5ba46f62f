-- Version 8 -> 9: the team inbox: priority, assignment to a teammate or a department,
-- internal notes, saved replies, what each teammate has read, a satisfaction survey,
-- and full-text search over messages and contacts.

-- Departments the team splits work by (Ventes, Support…), managed in the settings.
CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at INTEGER NOT NULL
);

ALTER TABLE conversations ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
-- The teammate and the department the conversation is assigned to (plain columns, see
-- contact_id; a removed department or member simply matches nothing).
ALTER TABLE conversations ADD COLUMN assignee_id INTEGER;
ALTER TABLE conversations ADD COLUMN department_id INTEGER;
-- The one-question survey sent at closing, and the shopper's answer (1 to 5).
ALTER TABLE conversations ADD COLUMN survey_sent_at INTEGER;
ALTER TABLE conversations ADD COLUMN survey_score INTEGER;
-- Open conversations are few and listed most: their own index keeps tabs fast.
CREATE INDEX conversations_open ON conversations(last_message_at, id) WHERE closed_at IS NULL;
-- A contact's conversations (the customer card, search by name).
CREATE INDEX conversations_by_contact_id ON conversations(contact_id);
-- The other identities of a store customer (the customer card).
CREATE INDEX contacts_by_customer ON contacts(customer_id) WHERE customer_id IS NOT NULL;

-- Notes the team leaves on a conversation; never sent to the shopper.
CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX notes_by_conversation ON notes(conversation_id, id);

-- Canned replies a teammate inserts; {prenom}, {produit}, {lien_suivi} are filled in.
CREATE TABLE saved_replies (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- The last message each teammate has seen in a conversation (the unread marker).
CREATE TABLE conversation_reads (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (user_id, conversation_id)
) WITHOUT ROWID;

-- Full-text search, accents ignored; kept in step with its table by triggers.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    body, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
    INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE contacts_fts USING fts5(
    display_name, identity, content = 'contacts', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts (rowid, display_name, identity)
        VALUES (new.id, new.display_name, new.identity);
END;
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, display_name, identity)
        VALUES ('delete', old.id, old.display_name, old.identity);
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF display_name, identity ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, display_name, identity)
        VALUES ('delete', old.id, old.display_name, old.identity);
    INSERT INTO contacts_fts (rowid, display_name, identity)
        VALUES (new.id, new.display_name, new.identity);
END;
INSERT INTO contacts_fts (contacts_fts) VALUES ('rebuild');
