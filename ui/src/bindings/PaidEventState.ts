// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * Where a paid event stands.
 */
export type PaidEventState = "scheduled" | "open" | "closed" | "drawn";
