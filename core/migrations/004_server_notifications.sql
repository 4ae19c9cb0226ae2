-- What a server's messages notify of on this device: all | mentions | nothing.
ALTER TABLE servers ADD COLUMN notify TEXT NOT NULL DEFAULT 'all';
