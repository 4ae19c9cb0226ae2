-- pq-server schema, version 1. Portable SQL (SQLite today, Postgres later):
-- TEXT ids (UUIDv7), INTEGER unix milliseconds, no SQLite-only syntax.

CREATE TABLE users (
    -- pq account id (UUIDv7)
    id           TEXT PRIMARY KEY,
    -- the OIDC issuer and subject that identify this account; one account per (issuer, subject)
    issuer       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    email        TEXT,
    display_name TEXT NOT NULL,
    avatar_url   TEXT,
    -- membership plan: free | basic | premium
    plan         TEXT NOT NULL DEFAULT 'free',
    -- from the token's cognito:groups (admin) on each sign-in
    is_admin     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    UNIQUE (issuer, subject)
);

CREATE TABLE servers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    icon_url   TEXT,
    owner_id   TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL
);

CREATE TABLE channels (
    id         TEXT PRIMARY KEY,
    server_id  TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    -- category | text | voice
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    -- the category holding this channel; NULL for categories and top-level channels
    parent_id  TEXT REFERENCES channels (id) ON DELETE SET NULL,
    position   INTEGER NOT NULL,
    -- seq of the newest message; the next message gets last_seq + 1
    last_seq   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX channels_by_server ON channels (server_id, position);

CREATE TABLE members (
    server_id TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL REFERENCES users (id),
    -- owner | admin | member
    role      TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (server_id, user_id)
);
CREATE INDEX members_by_user ON members (user_id);

CREATE TABLE messages (
    id         TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    -- position in the channel: 1, 2, 3, ... without gaps
    seq        INTEGER NOT NULL,
    author_id  TEXT NOT NULL REFERENCES users (id),
    -- the author's client-generated id: a message is stored once per (author, client id)
    client_id  TEXT NOT NULL,
    body       TEXT NOT NULL,
    reply_to   TEXT,
    created_at INTEGER NOT NULL,
    edited_at  INTEGER,
    -- tombstone: the row stays so seq has no holes; body is emptied
    deleted_at INTEGER,
    UNIQUE (channel_id, seq),
    UNIQUE (author_id, client_id)
);

CREATE TABLE reactions (
    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id),
    emoji      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, emoji, user_id)
);

CREATE TABLE read_markers (
    channel_id TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id),
    -- highest seq this member has read in this channel
    seq        INTEGER NOT NULL,
    PRIMARY KEY (channel_id, user_id)
);
CREATE INDEX read_markers_by_user ON read_markers (user_id);

CREATE TABLE invites (
    -- 128 random bits, base64url; not derived from any id
    code       TEXT PRIMARY KEY,
    server_id  TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    creator_id TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    max_uses   INTEGER,
    uses       INTEGER NOT NULL DEFAULT 0,
    revoked_at INTEGER
);
CREATE INDEX invites_by_server ON invites (server_id);

CREATE TABLE media (
    -- sha-256 of the bytes, hex
    id           TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    uploader_id  TEXT NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL
);
