-- Private channels and categories: seen only by the roles and people on
-- their access list (and by administrators and the owner). A channel in a
-- private category is private with it unless it has a list of its own.
ALTER TABLE channels ADD COLUMN private INTEGER NOT NULL DEFAULT 0;

CREATE TABLE channel_roles (
    channel_id TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    role_id    TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (channel_id, role_id)
);

CREATE TABLE channel_users (
    channel_id TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (channel_id, user_id)
);
