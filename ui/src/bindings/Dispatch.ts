// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Event } from "./Event";

/**
 * `dispatch`: one event, with its resume position.
 */
export type Dispatch = { 
/**
 * Resume position: unique and increasing across the server's
 * dispatches; the client sends the last one it handled in `resume`.
 */
s: number, 
/**
 * What happened.
 */
event: Event, };
