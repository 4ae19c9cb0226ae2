// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * Where a call stands.
 */
export type CallState = { "state": "joining" } | { "state": "in_room" } | { "state": "left", 
/**
 * Why, in words.
 */
reason: string, };
