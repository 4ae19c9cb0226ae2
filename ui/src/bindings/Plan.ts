// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * A member's membership plan. It decides the longest message they may send.
 */
export type Plan = "free" | "basic" | "premium";
