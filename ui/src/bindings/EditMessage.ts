// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * `PATCH /api/channels/{cid}/messages/{mid}` (author only).
 */
export type EditMessage = { 
/**
 * New text (the same rules as a new message's).
 */
body: string, };
