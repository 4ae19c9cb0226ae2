// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { IceServer } from "./IceServer";
import type { VoiceState } from "./VoiceState";

/**
 * `voice_joined`: you are in the room. Connect to everyone in `roster`
 * other than yourself.
 */
export type VoiceJoined = { 
/**
 * Your state in the room.
 */
me: VoiceState, 
/**
 * Everyone in the room, you included, by time of joining.
 */
roster: Array<VoiceState>, 
/**
 * STUN and TURN servers to use for the peer connections.
 */
ice_servers: Array<IceServer>, 
/**
 * Most people the room admits.
 */
max_participants: number, };
