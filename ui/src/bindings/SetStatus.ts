// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { StatusChoice } from "./StatusChoice";

/**
 * `set_status`, and the body of `PUT /api/users/@me/status`.
 */
export type SetStatus = { 
/**
 * The status to show from now on, on every connection.
 */
status: StatusChoice, };
