// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ChannelId } from "./ChannelId";
import type { Signal } from "./Signal";
import type { UserId } from "./UserId";
import type { VoiceSessionId } from "./VoiceSessionId";

/**
 * `voice_signal` from the server: a negotiation message from someone in
 * your room.
 */
export type VoiceSignal = { 
/**
 * The room.
 */
channel_id: ChannelId, 
/**
 * Who sent it.
 */
from: UserId, 
/**
 * Their stay in the room.
 */
from_session: VoiceSessionId, 
/**
 * The message.
 */
signal: Signal, };
