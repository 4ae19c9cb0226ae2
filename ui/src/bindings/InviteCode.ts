// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * An invite code: 128 random bits, base64url without padding (22 characters).
 * Opened as `pq://invite/CODE`.
 */
export type InviteCode = string;
