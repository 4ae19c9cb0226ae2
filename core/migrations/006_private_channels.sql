-- Private channels: whether only some members see a channel (the server
-- decides who; the app draws a lock). A channel hidden from me is removed
-- from the cache with its messages when the server sends its state anew.
ALTER TABLE channels ADD COLUMN private INTEGER NOT NULL DEFAULT 0;
