// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * Where the connection to the server stands.
 */
export type ConnectionState = { "state": "signed_out" } | { "state": "connecting" } | { "state": "syncing", 
/**
 * Channels caught up.
 */
done: number, 
/**
 * Channels to catch up.
 */
total: number, } | { "state": "online" } | { "state": "reconnecting", 
/**
 * Milliseconds until the next attempt.
 */
retry_in_ms: number, 
/**
 * What went wrong.
 */
reason: string, } | { "state": "session_expired" };
