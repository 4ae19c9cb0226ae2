// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { AttachmentId } from "./AttachmentId";
import type { ChannelId } from "./ChannelId";
import type { ClientMessageId } from "./ClientMessageId";
import type { MessageId } from "./MessageId";

/**
 * `send_message`.
 */
export type GatewaySend = { 
/**
 * Text channel.
 */
channel_id: ChannelId, 
/**
 * Client-generated id.
 */
client_id: ClientMessageId, 
/**
 * Text.
 */
body: string, 
/**
 * A message in the same channel to reply to.
 */
reply_to?: MessageId, 
/**
 * Files uploaded for it (see `SendMessage.attachments`).
 */
attachments: Array<AttachmentId>, };
