// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * What a moderation or settings action in a server was.
 */
export type AuditAction = "server_renamed" | "server_icon_changed" | "channel_created" | "channel_renamed" | "channel_topic_changed" | "server_description_changed" | "channel_deleted" | "channels_moved" | "channel_access_changed" | "message_pinned" | "message_unpinned" | "event_scheduled" | "event_changed" | "event_cancelled" | "member_removed" | "member_banned" | "member_unbanned" | "role_changed" | "role_created" | "role_updated" | "role_deleted" | "ownership_transferred" | "invite_revoked";
