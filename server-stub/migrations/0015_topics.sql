-- A channel's topic (shown in its header) and a server's description
-- (shown in its settings and on its invites).
ALTER TABLE channels ADD COLUMN topic TEXT;
ALTER TABLE servers ADD COLUMN description TEXT;
