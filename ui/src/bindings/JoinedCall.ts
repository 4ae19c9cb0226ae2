// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { CallInfo } from "./CallInfo";

/**
 * What joining a room gives the UI.
 */
export type JoinedCall = { 
/**
 * The call.
 */
info: CallInfo, 
/**
 * Something to tell the person (no microphone found, …).
 */
notice: string | null, };
