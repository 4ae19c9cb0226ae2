// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * A role in a server. A server's `@everyone` role (which every member
 * has) has the server's own id.
 */
export type RoleId = string;
