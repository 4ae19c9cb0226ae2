-- Roles with permissions replace the fixed owner/admin/member. The server's
-- roles and mine, and each member's, as JSON lists (what the server last
-- sent; the next `ready` fills them in).
ALTER TABLE servers ADD COLUMN roles TEXT NOT NULL DEFAULT '[]';
ALTER TABLE servers ADD COLUMN my_roles TEXT NOT NULL DEFAULT '[]';
ALTER TABLE servers DROP COLUMN role;
ALTER TABLE members ADD COLUMN roles TEXT NOT NULL DEFAULT '[]';
ALTER TABLE members DROP COLUMN role;
