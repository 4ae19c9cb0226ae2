-- Revocation that reaches tokens already issued (Cognito's origin_jti):
-- every access and ID token carries the origin_jti of the sign-in it came
-- from, shared with its refresh token; revoking that refresh token (sign-out,
-- password reset, a replayed code) makes them invalid too, and closes their
-- gateway connections.
ALTER TABLE idp_refresh_tokens ADD COLUMN origin_jti TEXT;
CREATE INDEX idp_refresh_tokens_revoked ON idp_refresh_tokens (revoked_at) WHERE revoked_at IS NOT NULL;
