// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * One gateway session (survives a short disconnect through `resume`).
 */
export type SessionId = string;
