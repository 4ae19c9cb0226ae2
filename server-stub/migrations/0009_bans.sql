-- Bans: someone banned from a server is no longer in it and cannot join it
-- again (by any invite) until unbanned.
CREATE TABLE bans (
    server_id  TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    banned_by  TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (server_id, user_id)
);
