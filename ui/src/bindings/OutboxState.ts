// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * Where an outbox entry stands.
 */
export type OutboxState = { "state": "pending" } | { "state": "failed", 
/**
 * The server's explanation.
 */
reason: string, };
