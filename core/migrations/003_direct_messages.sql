-- Direct-message channels: a channel row with no server (server_id NULL,
-- kind 'text'), so messages, read state, the outbox and search work as in a
-- server's channel; `dms` holds what the DM list shows. The channels table
-- is rebuilt (SQLite cannot drop NOT NULL in place) keeping its rowids: the
-- search index's scope terms name channels by rowid. pq-core runs its
-- migrations with foreign keys off.

CREATE TABLE channels_new (
    id            TEXT PRIMARY KEY,
    -- NULL for a direct-message channel
    server_id     TEXT REFERENCES servers (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    parent_id     TEXT,
    position      INTEGER NOT NULL,
    last_seq      INTEGER NOT NULL DEFAULT 0,
    low_seq       INTEGER NOT NULL DEFAULT 0,
    synced_seq    INTEGER NOT NULL DEFAULT 0,
    last_read_seq INTEGER NOT NULL DEFAULT 0,
    unread_count  INTEGER NOT NULL DEFAULT 0,
    muted         INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO channels_new (rowid, id, server_id, kind, name, parent_id, position, last_seq, low_seq, synced_seq,
                          last_read_seq, unread_count, muted)
    SELECT rowid, id, server_id, kind, name, parent_id, position, last_seq, low_seq, synced_seq,
           last_read_seq, unread_count, muted FROM channels;
DROP TABLE channels;
ALTER TABLE channels_new RENAME TO channels;
CREATE INDEX channels_by_server ON channels (server_id);

CREATE TABLE dms (
    id               TEXT PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
    -- direct | group
    kind             TEXT NOT NULL,
    name             TEXT,
    owner_id         TEXT NOT NULL,
    -- member ids in the order they joined (JSON array); names in `users`
    members          TEXT NOT NULL,
    -- milliseconds since the epoch: the DM list's order
    last_activity_at INTEGER NOT NULL
) STRICT;
