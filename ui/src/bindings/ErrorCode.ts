// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * Stable, machine-readable error codes. New codes may be added; clients treat
 * an unknown code like `internal`.
 */
export type ErrorCode = "unauthorized" | "token_expired" | "forbidden" | "not_found" | "bad_request" | "invalid_field" | "message_too_long" | "payload_too_large" | "rate_limited" | "conflict" | "invite_expired" | "invite_exhausted" | "unsupported_media" | "room_full" | "not_in_room" | "payment_failed" | "unavailable" | "internal";
