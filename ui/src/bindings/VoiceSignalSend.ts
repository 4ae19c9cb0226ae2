// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Signal } from "./Signal";
import type { UserId } from "./UserId";
import type { VoiceSessionId } from "./VoiceSessionId";

/**
 * `voice_signal` from a client: a negotiation message for one other
 * person in your room.
 */
export type VoiceSignalSend = { 
/**
 * Whom it is for.
 */
to: UserId, 
/**
 * Their stay it is meant for (signals for an earlier stay are dropped).
 */
to_session: VoiceSessionId, 
/**
 * The message.
 */
signal: Signal, };
