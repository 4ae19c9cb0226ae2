// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * The id a client gives a message before sending it. The server stores a
 * message once per (author, client id): resending the same id returns the
 * first acknowledgement and creates nothing. Any UUID version is accepted;
 * clients should use v4 or v7.
 */
export type ClientMessageId = string;
