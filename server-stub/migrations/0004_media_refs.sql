-- /media answers only people who may see a picture: the lookups by address.
CREATE INDEX users_by_avatar ON users (avatar_url) WHERE avatar_url IS NOT NULL;
CREATE INDEX servers_by_icon ON servers (icon_url) WHERE icon_url IS NOT NULL;
