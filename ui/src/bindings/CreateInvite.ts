// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * `POST /api/servers/{id}/invites`.
 */
export type CreateInvite = { 
/**
 * Seconds until it expires (default 7 days; `0` means never; at most 365 days).
 */
max_age_secs?: number, 
/**
 * How many people may use it (1–10,000; absent: unlimited).
 */
max_uses?: number, };
