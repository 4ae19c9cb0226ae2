-- Friends, friend requests and blocks. One row per person and what they see
-- of someone: a request is ('outgoing' for the asker, 'incoming' for the
-- asked), a friendship two 'friend' rows, a block one 'blocked' row of the
-- one who blocked. `since` in milliseconds since the epoch.
CREATE TABLE relationships (
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    other_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('friend', 'incoming', 'outgoing', 'blocked')),
    since    INTEGER NOT NULL,
    PRIMARY KEY (user_id, other_id)
) WITHOUT ROWID;

-- Friend requests by email, compared without regard to case.
CREATE INDEX users_email ON users (email COLLATE NOCASE);
