// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * One audio device.
 */
export type DeviceInfo = { 
/**
 * Stable id to open it with.
 */
id: string, 
/**
 * Name to show.
 */
name: string, 
/**
 * The system's default for its direction.
 */
is_default: boolean, };
