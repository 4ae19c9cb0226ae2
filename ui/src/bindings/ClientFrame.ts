// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { GatewayMarkRead } from "./GatewayMarkRead";
import type { GatewaySend } from "./GatewaySend";
import type { Identify } from "./Identify";
import type { Resume } from "./Resume";
import type { SetIdle } from "./SetIdle";
import type { SetStatus } from "./SetStatus";
import type { TypingStart } from "./TypingStart";
import type { VoiceJoin } from "./VoiceJoin";
import type { VoiceSignalSend } from "./VoiceSignalSend";
import type { VoiceUpdate } from "./VoiceUpdate";

/**
 * A frame from client to server.
 */
export type ClientFrame = { "op": "identify", "d": Identify } | { "op": "resume", "d": Resume } | { "op": "heartbeat" } | { "op": "send_message", "d": GatewaySend } | { "op": "typing", "d": TypingStart } | { "op": "set_idle", "d": SetIdle } | { "op": "set_status", "d": SetStatus } | { "op": "mark_read", "d": GatewayMarkRead } | { "op": "voice_join", "d": VoiceJoin } | { "op": "voice_leave" } | { "op": "voice_update", "d": VoiceUpdate } | { "op": "voice_signal", "d": VoiceSignalSend };
