-- `@everyone` and `@here` ping only when their author may
-- (`mention_everyone`, bit 15): every server's @everyone role gets it, as
-- everyone could before; a message records whether it pings.
UPDATE roles SET permissions = permissions | 32768 WHERE id = server_id;
ALTER TABLE messages ADD COLUMN mentions_everyone INTEGER NOT NULL DEFAULT 0;
