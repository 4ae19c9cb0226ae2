// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * One stay in a voice room: a new id every time someone joins. Peers key
 * their connection to a person by it (a re-join is a new peer), and it
 * decides the polite side of a negotiation (the smaller id).
 */
export type VoiceSessionId = string;
