// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * `identify`.
 */
export type Identify = { 
/**
 * Protocol version the client speaks.
 */
v: number, 
/**
 * OAuth access token.
 */
token: string, 
/**
 * Whether this connection starts idle.
 */
idle?: boolean, };
