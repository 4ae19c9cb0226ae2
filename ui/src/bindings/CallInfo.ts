// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { CallState } from "./CallState";
import type { ChannelId } from "./ChannelId";
import type { Participant } from "./Participant";
import type { VideoQuality } from "./VideoQuality";
import type { VoiceState } from "./VoiceState";

/**
 * A snapshot of a call.
 */
export type CallInfo = { 
/**
 * The room.
 */
channel_id: ChannelId, 
/**
 * Joining, in the room, or left.
 */
state: CallState, 
/**
 * My state in the room (once seated).
 */
me: VoiceState | null, 
/**
 * Everyone else in the room.
 */
participants: Array<Participant>, 
/**
 * My microphone level over the last frame (10 ms), 0–1.
 */
my_level: number, 
/**
 * What my camera sends, while it is on.
 */
my_video: VideoQuality | null, 
/**
 * Push-to-talk is on: I am heard only while the key is held.
 */
push_to_talk: boolean, 
/**
 * The push-to-talk key is held.
 */
talking: boolean, 
/**
 * How long my microphone holds a sound before the call has it, as the
 * system reports it, in ms (none: no device, or one that does not say).
 */
microphone_latency_ms: number | null, 
/**
 * How long my speakers hold a sound before it is heard, likewise.
 */
speakers_latency_ms: number | null, 
/**
 * Times my microphone itself came late and lost what it captured (an
 * overrun) since it was opened for the call (none: a source that does not
 * count).
 */
microphone_xruns: number | null, 
/**
 * Times my speakers themselves came late and played nothing (an
 * underrun: a gap I heard whatever the call had ready), likewise.
 */
speakers_xruns: number | null, };
