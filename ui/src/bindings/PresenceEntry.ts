// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Presence } from "./Presence";
import type { UserId } from "./UserId";

/**
 * One person's presence.
 */
export type PresenceEntry = { 
/**
 * Who.
 */
user_id: UserId, 
/**
 * Online, away or offline.
 */
presence: Presence, };
