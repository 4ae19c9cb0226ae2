// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * What a server's messages notify of (a setting of this device).
 */
export type NotifyLevel = "all" | "mentions" | "nothing";
