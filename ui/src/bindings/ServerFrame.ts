// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Dispatch } from "./Dispatch";
import type { GatewayError } from "./GatewayError";
import type { Hello } from "./Hello";
import type { InvalidSession } from "./InvalidSession";
import type { Ready } from "./Ready";
import type { Resumed } from "./Resumed";
import type { SendAck } from "./SendAck";
import type { VoiceJoined } from "./VoiceJoined";
import type { VoiceLeft } from "./VoiceLeft";
import type { VoiceSignal } from "./VoiceSignal";

/**
 * A frame from server to client.
 */
export type ServerFrame = { "op": "hello", "d": Hello } | { "op": "ready", "d": Ready } | { "op": "resumed", "d": Resumed } | { "op": "invalid_session", "d": InvalidSession } | { "op": "heartbeat_ack" } | { "op": "dispatch", "d": Dispatch } | { "op": "ack", "d": SendAck } | { "op": "error", "d": GatewayError } | { "op": "voice_joined", "d": VoiceJoined } | { "op": "voice_left", "d": VoiceLeft } | { "op": "voice_signal", "d": VoiceSignal };
