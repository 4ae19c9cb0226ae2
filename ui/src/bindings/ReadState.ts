// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ChannelId } from "./ChannelId";

/**
 * How far a member has read a channel.
 */
export type ReadState = { 
/**
 * Channel.
 */
channel_id: ChannelId, 
/**
 * Highest `seq` read.
 */
last_read_seq: number, 
/**
 * Messages by others after it that are not deleted.
 */
unread_count: number, };
