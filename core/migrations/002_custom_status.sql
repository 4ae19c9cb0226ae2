-- People's custom status (a short text until a moment in milliseconds since
-- the epoch, or until changed), shown under their names.
ALTER TABLE users ADD COLUMN custom_status TEXT;
ALTER TABLE users ADD COLUMN custom_status_expires_at INTEGER;
