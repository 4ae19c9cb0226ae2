// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * What a person chose for their status (kept by the server across
 * connections and restarts); `auto` follows activity.
 */
export type StatusChoice = "auto" | "away" | "dnd" | "invisible";
