// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * `voice_update`: change your own state in the room you are in. Fields
 * left out stay as they are.
 */
export type VoiceUpdate = { 
/**
 * Microphone muted.
 */
self_mute?: boolean, 
/**
 * Deafened.
 */
self_deaf?: boolean, 
/**
 * Camera on.
 */
camera?: boolean, 
/**
 * Speaking (send on change only, at most a few times a second).
 */
speaking?: boolean, };
