// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * `GET /api/auth/config` (no sign-in needed): which OpenID Connect
 * issuer and client id to sign in with.
 */
export type AuthConfig = { 
/**
 * Issuer URL; its discovery document is at `{issuer}/.well-known/openid-configuration`.
 */
issuer: string, 
/**
 * OAuth client id of pq's apps.
 */
client_id: string, };
