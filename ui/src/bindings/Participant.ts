// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { VoiceState } from "./VoiceState";

/**
 * One other person in the call and how our connection to them is doing.
 */
export type Participant = { 
/**
 * Their state in the room.
 */
state: VoiceState, 
/**
 * Our peer connection to them: `new`, `connecting`, `connected`,
 * `disconnected`, `failed` or `closed`.
 */
connection: string, 
/**
 * Audio packets received from them.
 */
packets: number, 
/**
 * Packets lost and concealed.
 */
concealed: number, 
/**
 * Their level over the last 100 ms, 0–1.
 */
level: number, 
/**
 * How unevenly their audio arrives (interarrival jitter), in ms.
 */
jitter_ms: number, 
/**
 * How much of their audio waits to be played (the jitter buffer), in ms.
 */
buffer_ms: number, 
/**
 * Times their audio ran out while playing and fell silent (each heard
 * as a gap).
 */
underruns: number, 
/**
 * Times their audio ran out while playing and the gap was concealed
 * instead (made-up audio continuing their voice, at most 40 ms, while
 * the late audio was on its way).
 */
underruns_concealed: number, 
/**
 * Gaps heard from them in the last ten seconds (the connection's grade
 * counts them).
 */
gaps_lately: number, 
/**
 * Pictures decoded from their camera.
 */
video_frames: number, 
/**
 * My volume for them, 0–2 (1: as sent).
 */
volume: number, 
/**
 * I muted them for myself.
 */
locally_muted: boolean, 
/**
 * I hid their video for myself (nothing is decoded).
 */
video_hidden: boolean, };
