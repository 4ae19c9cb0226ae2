-- Invites sent to someone in the app (by username or the email address of
-- their account): waiting in their app until they accept or decline it, or
-- the invite stops working.
CREATE TABLE invite_targets (
    code       TEXT NOT NULL REFERENCES invites (code) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (code, user_id)
);
CREATE INDEX invite_targets_by_user ON invite_targets (user_id);
