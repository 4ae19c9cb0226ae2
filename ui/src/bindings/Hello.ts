// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * `hello`.
 */
export type Hello = { 
/**
 * Protocol version the server speaks.
 */
v: number, 
/**
 * How often to send `heartbeat`, in milliseconds. The server closes a
 * connection that stays silent for one and a half intervals.
 */
heartbeat_interval_ms: number, 
/**
 * Largest frame the server accepts from you, in bytes.
 */
max_frame_bytes: number, 
/**
 * Frames per second you may send, sustained; more closes the
 * connection with `RateLimited`. Pace the outbox below it.
 */
rate_per_sec: number, 
/**
 * Frames you may send in a burst.
 */
rate_burst: number, };
