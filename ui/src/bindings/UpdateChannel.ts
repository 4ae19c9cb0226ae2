// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * `PATCH /api/channels/{id}`: rename.
 */
export type UpdateChannel = { 
/**
 * New name (1–100 characters, not only whitespace, no control characters).
 */
name?: string, 
/**
 * New topic (up to 1024 characters, no control characters but line
 * breaks and tabs); an empty string removes it.
 */
topic?: string, };
