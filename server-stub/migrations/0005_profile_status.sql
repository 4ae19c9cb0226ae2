-- A person's "about me", their chosen status (auto | away | dnd | invisible,
-- kept across connections and restarts) and their custom status (a short text
-- until a moment in milliseconds since the epoch, or until changed).
ALTER TABLE users ADD COLUMN about TEXT;
ALTER TABLE users ADD COLUMN status TEXT NOT NULL DEFAULT 'auto';
ALTER TABLE users ADD COLUMN custom_status TEXT;
ALTER TABLE users ADD COLUMN custom_status_expires_at INTEGER;
