// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Message } from "./Message";
import type { MessageId } from "./MessageId";
import type { OutboxEntry } from "./OutboxEntry";

/**
 * A channel's messages as the UI draws them: what the server has stored,
 * oldest first, then what is still in the outbox.
 */
export type Timeline = { 
/**
 * Stored messages, ascending `seq`.
 */
messages: Array<Message>, 
/**
 * Those of them that mention me (draw them highlighted).
 */
mentions: Array<MessageId>, 
/**
 * Not yet acknowledged (pending or failed), in the order written.
 */
pending: Array<OutboxEntry>, 
/**
 * Whether older messages exist (cached or on the server).
 */
has_older: boolean, };
