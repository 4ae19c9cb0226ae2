// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * One ICE candidate, as RTCIceCandidateInit.
 */
export type IceCandidate = { 
/**
 * The `candidate:` attribute's value.
 */
candidate: string, 
/**
 * Media section id.
 */
sdp_mid?: string, 
/**
 * Media section index.
 */
sdp_mline_index?: number, };
