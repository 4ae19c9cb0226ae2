-- Files attached to messages. An upload is its uploader's until a message
-- names it (message_id set, position its place); the bytes live in object
-- storage under `attachments/{id}` (and `attachments/{id}.thumb`).
CREATE TABLE attachments (
    id           TEXT PRIMARY KEY,
    uploader_id  TEXT NOT NULL REFERENCES users (id),
    channel_id   TEXT NOT NULL,
    message_id   TEXT REFERENCES messages (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL DEFAULT 0,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    width        INTEGER,
    height       INTEGER,
    thumbnail    INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
);
CREATE INDEX attachments_by_message ON attachments (message_id, position);
