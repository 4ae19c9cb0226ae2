// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * `GET /healthz`.
 */
export type Health = { 
/**
 * Always `"ok"` when answering.
 */
status: string, 
/**
 * Server version.
 */
version: string, 
/**
 * The gateway protocol version it speaks (older servers: absent).
 */
protocol: number | null, };
