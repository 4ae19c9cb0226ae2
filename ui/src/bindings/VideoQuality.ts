// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * Size and bitrate of the picture we send.
 */
export type VideoQuality = { 
/**
 * Pixels across.
 */
width: number, 
/**
 * Pixels down.
 */
height: number, 
/**
 * Target kbit/s (per peer: the mesh sends it to each).
 */
bitrate_kbps: number, };
