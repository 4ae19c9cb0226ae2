-- The development sign-in provider's own database (idp.sqlite3; src/idp).
-- It stands in for an external service (a Cognito user pool), so it keeps its
-- data apart from the chat database. (Until 2026-12 these tables lived in
-- pq.sqlite3 as its migration 2; an older data directory's are copied over
-- once when idp.sqlite3 is created.)
-- Portable SQL (SQLite today, Postgres later): TEXT ids, INTEGER unix milliseconds.
-- Secrets are never stored in the clear: codes, tokens and session cookies only as
-- SHA-256 hashes (lowercase hex), passwords only as argon2id PHC strings.

CREATE TABLE idp_keys (
    -- the JWT `kid`: the key's RFC 7638 SHA-256 thumbprint, base64url
    kid         TEXT PRIMARY KEY,
    -- RSA-2048 private key, PKCS#8 PEM; created once so tokens survive restarts
    private_pem TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE idp_accounts (
    -- the `sub` (and Cognito username): a UUID, stable for the life of the account
    id             TEXT PRIMARY KEY,
    -- lowercase; one account per email, whichever provider it arrives through
    email          TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    -- 1 once the email is proven (a provider vouched for it, or a mailed code was entered)
    email_verified INTEGER NOT NULL DEFAULT 0,
    -- argon2id PHC string; NULL while the account has no password
    password_hash  TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

CREATE TABLE idp_identities (
    account_id       TEXT NOT NULL REFERENCES idp_accounts (id) ON DELETE CASCADE,
    -- Google | Kakao | Cognito (email and password)
    provider         TEXT NOT NULL,
    -- the person's id at that provider
    provider_user_id TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (provider, provider_user_id),
    UNIQUE (account_id, provider)
);

CREATE TABLE idp_email_codes (
    id            TEXT PRIMARY KEY,
    -- signup | reset
    purpose       TEXT NOT NULL,
    -- lowercase
    email         TEXT NOT NULL,
    -- SHA-256 of the 6-digit code
    code_hash     TEXT NOT NULL,
    -- sign-up only: what the account is created with once the code is entered
    name          TEXT,
    password_hash TEXT,
    -- wrong guesses so far; the code stops working at the limit
    attempts      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX idp_email_codes_by_email ON idp_email_codes (email, purpose);

CREATE TABLE idp_auth_requests (
    -- random (128 bits); carried by the hidden field of every sign-in form
    id             TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL,
    -- validated at /oauth2/authorize; the code is sent here
    redirect_uri   TEXT NOT NULL,
    state          TEXT,
    -- PKCE S256 challenge
    code_challenge TEXT NOT NULL,
    -- normalised, space-separated
    scope          TEXT NOT NULL,
    nonce          TEXT,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL
);
CREATE INDEX idp_auth_requests_by_expiry ON idp_auth_requests (expires_at);

CREATE TABLE idp_auth_codes (
    -- SHA-256 of the authorization code
    code_hash      TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES idp_accounts (id) ON DELETE CASCADE,
    client_id      TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    scope          TEXT NOT NULL,
    nonce          TEXT,
    -- when the person authenticated
    auth_time      INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    -- set by the first redemption attempt; a second attempt revokes what the first issued
    used_at        INTEGER
);
CREATE INDEX idp_auth_codes_by_expiry ON idp_auth_codes (expires_at);

CREATE TABLE idp_refresh_tokens (
    -- SHA-256 of the (opaque) refresh token
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES idp_accounts (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL,
    scope      TEXT NOT NULL,
    -- when the person authenticated (carried into refreshed tokens)
    auth_time  INTEGER NOT NULL,
    -- the authorization code it was issued for; a replay of that code revokes it
    code_hash  TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX idp_refresh_tokens_by_code ON idp_refresh_tokens (code_hash);

CREATE TABLE idp_sessions (
    -- SHA-256 of the browser cookie's value
    id_hash    TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES idp_accounts (id) ON DELETE CASCADE,
    -- when the person authenticated
    auth_time  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX idp_sessions_by_expiry ON idp_sessions (expires_at);
