// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Message } from "./Message";

/**
 * One page of history, oldest first.
 */
export type MessagePage = { 
/**
 * Messages in ascending `seq`.
 */
messages: Array<Message>, 
/**
 * Whether more messages exist beyond this page in the direction asked.
 */
has_more: boolean, };
