// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { PresenceEntry } from "./PresenceEntry";

/**
 * `resumed`.
 */
export type Resumed = { 
/**
 * How many dispatches were replayed before this frame.
 */
replayed: number, 
/**
 * Presence of everyone sharing a server with you who is not offline
 * (as in `ready`), now: replace what you knew. Presence changes are state, not
 * history: they are not kept for a dropped session nor replayed.
 */
presences: Array<PresenceEntry>, };
