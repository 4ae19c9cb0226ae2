-- Every moderation and settings action in a server: who did what to whom,
-- when. Read by the owner and admins, newest first.
CREATE TABLE audit_log (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    server_id         TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    -- server_renamed | server_icon_changed | channel_created | channel_renamed | channel_deleted |
    -- channels_moved | member_removed | member_banned | member_unbanned | role_changed |
    -- ownership_transferred | invite_revoked
    action            TEXT NOT NULL,
    actor_id          TEXT NOT NULL REFERENCES users (id),
    target_user_id    TEXT REFERENCES users (id),
    -- no reference: the channel may be deleted since
    target_channel_id TEXT,
    detail            TEXT,
    created_at        INTEGER NOT NULL
);
CREATE INDEX audit_log_by_server ON audit_log (server_id, id);
