// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Acceleration } from "./Acceleration";

/**
 * What the person chose in Settings.
 */
export type Settings = { 
/**
 * Closing the window hides pq to the tray instead of quitting.
 */
close_to_tray: boolean, 
/**
 * Desktop notifications for new messages.
 */
notifications: boolean, 
/**
 * `system`, `light` or `dark`.
 */
theme: string, 
/**
 * `system`, `en` or `ko`.
 */
language: string, 
/**
 * The microphone for calls (a device id; the system's default when none).
 */
microphone: string | null, 
/**
 * The speakers for calls.
 */
speakers: string | null, 
/**
 * The camera for calls.
 */
camera: string | null, 
/**
 * Push-to-talk in calls: heard only while the key is held.
 */
push_to_talk: boolean, 
/**
 * Whether the window composites with the GPU (Linux).
 */
acceleration: Acceleration, };
