// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * `PATCH /api/dms/{id}`: rename a group (any member).
 */
export type UpdateDm = { 
/**
 * New name (up to 100 characters, no control characters); empty or
 * only whitespace removes it.
 */
name: string, };
