// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { DmChannel } from "./DmChannel";
import type { ReadState } from "./ReadState";
import type { VoiceState } from "./VoiceState";

/**
 * A direct-message channel and how far you have read it (`ready`,
 * `GET /api/users/@me/dms`).
 */
export type DmState = { 
/**
 * The channel.
 */
channel: DmChannel, 
/**
 * Your read state of it.
 */
read_state: ReadState, 
/**
 * Who is in its call now (a call rings for the members not in it).
 */
voice_states: Array<VoiceState>, };
