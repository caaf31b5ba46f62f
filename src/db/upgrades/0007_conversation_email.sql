-- Version 6 -> 7: an e-mail address a web chat visitor leaves for the team to answer.
ALTER TABLE conversations ADD COLUMN contact_email TEXT;
