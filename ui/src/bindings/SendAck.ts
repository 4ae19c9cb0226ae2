// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ChannelId } from "./ChannelId";
import type { ClientMessageId } from "./ClientMessageId";
import type { MessageId } from "./MessageId";
import type { Timestamp } from "./Timestamp";

/**
 * The server's answer to a send: where the message landed.
 */
export type SendAck = { 
/**
 * The id the client gave.
 */
client_id: ClientMessageId, 
/**
 * Channel.
 */
channel_id: ChannelId, 
/**
 * The stored message's id.
 */
message_id: MessageId, 
/**
 * Its `seq` in the channel.
 */
seq: number, 
/**
 * When it was stored.
 */
created_at: Timestamp, };
