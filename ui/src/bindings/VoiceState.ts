// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ChannelId } from "./ChannelId";
import type { ServerId } from "./ServerId";
import type { Timestamp } from "./Timestamp";
import type { UserId } from "./UserId";
import type { VoiceSessionId } from "./VoiceSessionId";

/**
 * One person in a voice room, as everyone in the server sees them.
 */
export type VoiceState = { 
/**
 * Server of the room (`null`: a call in a direct-message channel).
 */
server_id: ServerId | null, 
/**
 * The room (a voice channel).
 */
channel_id: ChannelId, 
/**
 * Who.
 */
user_id: UserId, 
/**
 * This stay in the room.
 */
voice_session: VoiceSessionId, 
/**
 * They muted their microphone.
 */
self_mute: boolean, 
/**
 * They turned off all sound (implies not sending either).
 */
self_deaf: boolean, 
/**
 * An admin muted them for everyone.
 */
server_mute: boolean, 
/**
 * They send video.
 */
camera: boolean, 
/**
 * They are speaking now (voice activity, or push-to-talk held).
 */
speaking: boolean, 
/**
 * When they joined.
 */
joined_at: Timestamp, };
