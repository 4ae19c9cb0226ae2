-- A channel's topic and a server's description, as the server last said.
ALTER TABLE channels ADD COLUMN topic TEXT;
ALTER TABLE servers ADD COLUMN description TEXT;
