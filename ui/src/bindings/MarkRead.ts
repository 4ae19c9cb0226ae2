// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * `PUT /api/channels/{id}/read`: mark read up to `seq` (never moves back).
 */
export type MarkRead = { 
/**
 * Highest `seq` read (at most 2^53 − 1).
 */
seq: number, };
