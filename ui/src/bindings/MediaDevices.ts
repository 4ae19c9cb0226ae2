// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { DeviceInfo } from "./DeviceInfo";
import type { Devices } from "./Devices";

/**
 * Microphones, speakers and cameras.
 */
export type MediaDevices = { 
/**
 * Microphones and speakers.
 */
audio: Devices, 
/**
 * Cameras.
 */
cameras: Array<DeviceInfo>, };
