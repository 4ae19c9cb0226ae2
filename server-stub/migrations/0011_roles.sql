-- Roles with permissions. Each server has an `@everyone` role whose id is
-- the server's id (position 0, held by every member) and custom roles above
-- it (positions 1, 2, … without gaps; higher ranks higher). The owner is
-- servers.owner_id and may do everything. `permissions` is a bit set (see
-- pq_protocol::models::Permission::bit).
CREATE TABLE roles (
    id          TEXT PRIMARY KEY,
    server_id   TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    -- 0xRRGGBB; 0: no colour
    color       INTEGER NOT NULL DEFAULT 0,
    position    INTEGER NOT NULL,
    permissions INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX roles_by_server ON roles (server_id, position);

-- Which member holds which custom role (`@everyone` is not listed).
CREATE TABLE member_roles (
    server_id TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    role_id   TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (server_id, user_id, role_id),
    FOREIGN KEY (server_id, user_id) REFERENCES members (server_id, user_id) ON DELETE CASCADE
);
CREATE INDEX member_roles_by_role ON member_roles (role_id);

-- Every server gets `@everyone`: send messages, create invites, connect, speak
-- (bits 9, 5, 10, 11).
INSERT INTO roles (id, server_id, name, color, position, permissions, created_at)
SELECT id, id, '@everyone', 0, 0, 3616, created_at FROM servers;

-- A server that had admins gets an `Admin` role with the administrator
-- permission (bit 0), given to them. Its id: random, shaped as a UUID
-- (version 7 and variant bits set like the server's own ids).
INSERT INTO roles (id, server_id, name, color, position, permissions, created_at)
SELECT lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || substr(h, 14, 3) || '-8' || substr(h, 18, 3)
             || '-' || substr(h, 21, 12)),
       sid, 'Admin', 15158332, 1, 1, created_at
FROM (SELECT s.id AS sid, s.created_at AS created_at, hex(randomblob(16)) AS h
      FROM servers s
      WHERE EXISTS (SELECT 1 FROM members m WHERE m.server_id = s.id AND m.role = 'admin'));

INSERT INTO member_roles (server_id, user_id, role_id)
SELECT m.server_id, m.user_id, r.id
FROM members m JOIN roles r ON r.server_id = m.server_id AND r.position = 1
WHERE m.role = 'admin';

-- Owner and admin now live in servers.owner_id and member_roles.
ALTER TABLE members DROP COLUMN role;
