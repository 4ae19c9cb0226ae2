// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * Something a role lets its members do in a server. The owner may do
 * everything; `administrator` grants every permission.
 */
export type Permission = "administrator" | "manage_server" | "manage_roles" | "manage_channels" | "manage_invites" | "create_invites" | "kick_members" | "ban_members" | "manage_messages" | "send_messages" | "connect" | "speak" | "mute_members" | "move_members" | "manage_events" | "mention_everyone";
