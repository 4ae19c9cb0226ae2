// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ChannelId } from "./ChannelId";

/**
 * `typing`.
 */
export type TypingStart = { 
/**
 * Text channel.
 */
channel_id: ChannelId, };
