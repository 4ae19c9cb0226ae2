// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ChannelId } from "./ChannelId";

/**
 * `voice_join`: enter a voice room (leaving any other first).
 */
export type VoiceJoin = { 
/**
 * A server's voice channel, or a direct-message channel (its call:
 * members only; in a direct channel, not when either blocked the
 * other — `forbidden`/`conflict`).
 */
channel_id: ChannelId, 
/**
 * Join with the microphone muted.
 */
self_mute?: boolean, 
/**
 * Join deafened.
 */
self_deaf?: boolean, 
/**
 * Join with the camera on.
 */
camera?: boolean, };
