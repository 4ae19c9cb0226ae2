// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * How an invite reached the person it was sent to.
 */
export type InviteDelivery = "in_app" | "email" | "not_sent";
