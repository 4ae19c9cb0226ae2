// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * How far back a ban deletes the banned person's messages in the server.
 */
export type PurgeWindow = "hour" | "day" | "week";
