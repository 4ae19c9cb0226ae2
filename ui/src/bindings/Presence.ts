// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * Whether someone is around, derived by the server from their live
 * connections.
 */
export type Presence = "online" | "away" | "dnd" | "offline";
