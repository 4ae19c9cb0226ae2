// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * `PATCH /api/channels/{channel_id}/voice/{user_id}`: an admin mutes or
 * unmutes someone in a room for everyone.
 */
export type ModerateVoice = { 
/**
 * Muted for everyone.
 */
server_mute: boolean, };
