-- Pinned messages, and what a message is (`default`, or `pin`: the line
-- saying someone pinned the message it replies to).
ALTER TABLE messages ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'default';
