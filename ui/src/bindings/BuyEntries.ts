// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * `POST /api/paid-events/{id}/checkout`.
 */
export type BuyEntries = { 
/**
 * How many entries (1–100).
 */
entries: number, };
