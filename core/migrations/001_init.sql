-- pq-core cache, version 1: one database per account. Everything here can be
-- rebuilt from the server except the outbox (messages not yet acknowledged).

CREATE TABLE meta (
    -- small named values: the signed-in account (JSON), the gateway session
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE servers (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    icon_url     TEXT,
    owner_id     TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    -- my role: owner | admin | member
    role         TEXT NOT NULL,
    member_count INTEGER NOT NULL,
    -- order in the server rail (order joined)
    sort         INTEGER NOT NULL
) STRICT;

CREATE TABLE channels (
    id            TEXT PRIMARY KEY,
    server_id     TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    parent_id     TEXT,
    position      INTEGER NOT NULL,
    -- newest seq the server has told us about
    last_seq      INTEGER NOT NULL DEFAULT 0,
    -- every message with seq in [low_seq, synced_seq] is cached (0/0: none);
    -- older ones may be paged in; newer ones come live or by backfill
    low_seq       INTEGER NOT NULL DEFAULT 0,
    synced_seq    INTEGER NOT NULL DEFAULT 0,
    last_read_seq INTEGER NOT NULL DEFAULT 0,
    unread_count  INTEGER NOT NULL DEFAULT 0,
    -- notifications off for this channel (a local setting)
    muted         INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX channels_by_server ON channels (server_id);

CREATE TABLE users (
    id           TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    avatar_url   TEXT
) STRICT;

CREATE TABLE members (
    server_id TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL,
    role      TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (server_id, user_id)
) STRICT;

CREATE TABLE messages (
    -- the FTS index refers to messages by rowid; AUTOINCREMENT keeps rowids
    -- rising, so "indexed up to rowid N" (meta fts_upto) stays true
    rowid      INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    channel_id TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    author_id  TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    body       TEXT NOT NULL,
    reply_to   TEXT,
    created_at INTEGER NOT NULL,
    edited_at  INTEGER,
    deleted    INTEGER NOT NULL DEFAULT 0,
    unread_by  INTEGER NOT NULL DEFAULT 0,
    -- [{"emoji":..,"count":..,"me":..}]
    reactions  TEXT NOT NULL DEFAULT '[]',
    UNIQUE (channel_id, seq)
) STRICT;

-- Full-text index over message bodies. Contentless: it stores only the index
-- of `terms`, which pq derives from each body (words, and overlapping
-- character pairs for scripts written without spaces: Korean, Chinese,
-- Japanese, Thai), so short Korean and Chinese words are found too; and of
-- `scope` ("c<channel rowid> s<server rowid>"), so a search in one channel
-- or server is an index intersection. Filled in the background after ingest
-- (meta `fts_upto`); search also scans the few rows not indexed yet.
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    terms,
    scope,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE outbox (
    -- order of sending; AUTOINCREMENT: never reused, so "loaded up to N"
    -- stays true after entries leave
    rowid      INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id  TEXT NOT NULL UNIQUE,
    channel_id TEXT NOT NULL,
    body       TEXT NOT NULL,
    reply_to   TEXT,
    created_at INTEGER NOT NULL,
    -- pending: to be sent until acknowledged; failed: refused for good (see error)
    state      TEXT NOT NULL DEFAULT 'pending',
    error      TEXT,
    attempts   INTEGER NOT NULL DEFAULT 0
) STRICT;
