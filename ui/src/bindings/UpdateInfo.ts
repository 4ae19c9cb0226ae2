// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * An update the server offers.
 */
export type UpdateInfo = { 
/**
 * Its version.
 */
version: string, 
/**
 * What changed, as its publisher wrote it.
 */
notes: string | null, };
