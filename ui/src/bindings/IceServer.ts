// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * A STUN or TURN server (as RTCIceServer).
 */
export type IceServer = { 
/**
 * `stun:host:port`, `turn:host:port?transport=udp`, `turns:…`.
 */
urls: Array<string>, 
/**
 * TURN user name (short-lived).
 */
username?: string, 
/**
 * TURN password (short-lived).
 */
credential?: string, };
