// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { UserId } from "./UserId";

/**
 * One participant of a paid event, in the published order.
 */
export type EventParticipant = { 
/**
 * Who.
 */
user_id: UserId, 
/**
 * Their name when listed.
 */
display_name: string, 
/**
 * Their entries.
 */
entries: number, };
