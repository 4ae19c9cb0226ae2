// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * `POST /api/servers`.
 */
export type CreateServer = { 
/**
 * Name (1–100 characters, not only whitespace, no control characters).
 */
name: string, };
