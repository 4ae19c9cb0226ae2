-- A server's schedule: events with a start, an optional end, an optional
-- voice channel and an optional weekly repeat, and who is interested.
CREATE TABLE events (
    id          TEXT PRIMARY KEY,
    server_id   TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    description TEXT,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER,
    channel_id  TEXT REFERENCES channels (id) ON DELETE SET NULL,
    -- NULL | weekly
    repeat      TEXT,
    creator_id  TEXT NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX events_by_server ON events (server_id, starts_at);

CREATE TABLE event_interest (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (event_id, user_id)
);
