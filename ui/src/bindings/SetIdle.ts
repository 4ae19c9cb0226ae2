// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * `set_idle`.
 */
export type SetIdle = { 
/**
 * True after 5 minutes without input; false on activity.
 */
idle: boolean, };
