// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { EventParticipant } from "./EventParticipant";
import type { PaidEvent } from "./PaidEvent";

/**
 * `GET /api/paid-events/{id}/participants`: the event and its
 * participants in the order the draw walks them (first paid entry
 * first).
 */
export type EventParticipants = { 
/**
 * The event.
 */
event: PaidEvent, 
/**
 * The participants.
 */
participants: Array<EventParticipant>, };
