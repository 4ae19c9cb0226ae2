-- Direct messages: channels outside any server. A channel's server_id is
-- now NULL for them; their kind is 'dm' (two people, one channel per pair:
-- `pair` is "<smaller id>:<larger id>") or 'group_dm' (up to 10 people).
-- owner_id: a group's owner, or who opened a direct channel. Their members
-- are in dm_members. Messages, reactions and read markers are the same rows
-- as a server channel's.
--
-- SQLite cannot make a column nullable in place: the table is rebuilt the
-- documented way (create, copy, drop, rename), which pq-server runs with
-- foreign keys off so that dropping the old table deletes nothing.

CREATE TABLE channels_new (
    id         TEXT PRIMARY KEY,
    server_id  TEXT REFERENCES servers (id) ON DELETE CASCADE,
    -- category | text | voice | dm | group_dm
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    parent_id  TEXT REFERENCES channels (id) ON DELETE SET NULL,
    position   INTEGER NOT NULL,
    last_seq   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    owner_id   TEXT REFERENCES users (id),
    pair       TEXT UNIQUE,
    CHECK ((server_id IS NULL) = (kind IN ('dm', 'group_dm')))
);
INSERT INTO channels_new (id, server_id, kind, name, parent_id, position, last_seq, created_at)
    SELECT id, server_id, kind, name, parent_id, position, last_seq, created_at FROM channels;
DROP TABLE channels;
ALTER TABLE channels_new RENAME TO channels;
CREATE INDEX channels_by_server ON channels (server_id, position);

CREATE TABLE dm_members (
    channel_id TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at  INTEGER NOT NULL,
    PRIMARY KEY (channel_id, user_id)
);
CREATE INDEX dm_members_by_user ON dm_members (user_id);

-- Whether people who only share a server with this person may open direct
-- messages with them (friends always may).
ALTER TABLE users ADD COLUMN allow_server_dms INTEGER NOT NULL DEFAULT 1;
