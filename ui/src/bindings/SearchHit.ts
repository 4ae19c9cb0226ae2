// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Message } from "./Message";
import type { ServerId } from "./ServerId";

/**
 * A search result.
 */
export type SearchHit = { 
/**
 * The message.
 */
message: Message, 
/**
 * Its server (`None`: a direct-message channel).
 */
server_id: ServerId | null, };
