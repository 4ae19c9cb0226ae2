-- Pinned messages (at most 50 a channel), and what a message is: written by
-- its author (`default`), or the line the server adds when someone pins
-- one (`pin`, replying to the pinned message).
ALTER TABLE messages ADD COLUMN pinned_at INTEGER;
ALTER TABLE messages ADD COLUMN pinned_by TEXT REFERENCES users (id);
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'default';
CREATE INDEX messages_pinned ON messages (channel_id, pinned_at) WHERE pinned_at IS NOT NULL;
