// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ChannelId } from "./ChannelId";
import type { VoiceLeftReason } from "./VoiceLeftReason";

/**
 * `voice_left`: this connection is no longer in a voice room.
 */
export type VoiceLeft = { 
/**
 * The room.
 */
channel_id: ChannelId, 
/**
 * Why.
 */
reason: VoiceLeftReason, };
