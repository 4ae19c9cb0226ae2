// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { DeviceInfo } from "./DeviceInfo";

/**
 * Every microphone and every speaker.
 */
export type Devices = { 
/**
 * Microphones.
 */
inputs: Array<DeviceInfo>, 
/**
 * Speakers and headphones.
 */
outputs: Array<DeviceInfo>, };
