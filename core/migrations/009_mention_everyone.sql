-- Whether a message pings everyone (the server decides, from its author's
-- `mention_everyone`): `@everyone` and `@here` alone no longer do.
ALTER TABLE messages ADD COLUMN mentions_everyone INTEGER NOT NULL DEFAULT 0;
