-- Pictures come only from this server's /media (uploads): an image URL
-- pointing elsewhere would make every viewer's app fetch it, telling its owner
-- their addresses and when they are online. (Version 3: version 2 was the
-- development provider's tables, which moved to idp.sqlite3.)
UPDATE users SET avatar_url = NULL WHERE avatar_url IS NOT NULL AND avatar_url NOT LIKE '/media/%';
UPDATE servers SET icon_url = NULL WHERE icon_url IS NOT NULL AND icon_url NOT LIKE '/media/%';
