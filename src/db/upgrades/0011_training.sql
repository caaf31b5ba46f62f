-- Version 10 -> 11: the shop teaches its assistant. Messages the model read, with how
-- sure it was, and the examples staff labelled from the inbox.

-- How sure the intent model was of the intent it read in the shopper's message (0–1),
-- stored on the bot's reply next to that intent.
ALTER TABLE messages ADD COLUMN confidence REAL;

-- Examples the shop taught ("Apprendre à l'assistant"): the words, the intent they
-- ask, and what the catalogue matcher found in them when they came in.
CREATE TABLE training_examples (
    id INTEGER PRIMARY KEY,
    text TEXT NOT NULL UNIQUE,
    intent TEXT NOT NULL,
    hint TEXT NOT NULL DEFAULT 'none' CHECK (hint IN ('none', 'category', 'specific')),
    message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
);
