-- Paid events run by pq administrators: members buy entries (orders with an
-- event_id; plan stays 'free' on them) while an event is open; after it
-- ends a winner is drawn from the seed committed to at creation (the
-- commitment is SHA-256 of the seed, public from the start; the seed is
-- revealed at the draw).
ALTER TABLE orders ADD COLUMN event_id TEXT;
ALTER TABLE orders ADD COLUMN entries INTEGER NOT NULL DEFAULT 0;
CREATE INDEX orders_by_event ON orders (event_id, paid_at) WHERE event_id IS NOT NULL;

CREATE TABLE paid_events (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    entry_price INTEGER NOT NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL,
    seed        TEXT NOT NULL,               -- hex; secret until drawn
    commitment  TEXT NOT NULL,               -- hex SHA-256 of the seed's bytes
    winner_id   TEXT,
    drawn_at    INTEGER,
    -- The state last announced to everyone (the schedule announces changes
    -- that come with time).
    announced   TEXT NOT NULL DEFAULT 'scheduled',
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
