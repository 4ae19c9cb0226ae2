// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * Why a connection left a room.
 */
export type VoiceLeftReason = "left" | "moved" | "disconnected" | "removed" | "channel_deleted";
