-- Usernames: a unique handle per account (lowercase letters, digits, `_`
-- and `.`), how people find each other to be friends. New accounts get one
-- from their email or name; accounts made before this get one from the
-- random end of their id, which they can change.
ALTER TABLE users ADD COLUMN username TEXT;
UPDATE users SET username = 'user' || lower(substr(replace(id, '-', ''), 21, 12)) WHERE username IS NULL;
CREATE UNIQUE INDEX users_username ON users (username) WHERE username IS NOT NULL;
