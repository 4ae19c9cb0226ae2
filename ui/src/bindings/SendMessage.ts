// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { AttachmentId } from "./AttachmentId";
import type { ClientMessageId } from "./ClientMessageId";
import type { MessageId } from "./MessageId";

/**
 * `POST /api/channels/{id}/messages` (the gateway's `send_message` does the same).
 */
export type SendMessage = { 
/**
 * Client-generated id: resending the same id creates nothing new.
 */
client_id: ClientMessageId, 
/**
 * Text: at most the plan's limit in characters (150 free, 500 basic, 1,000 premium; longer than one's
 * own plan allows: 422 `message_too_long`); not only whitespace unless files are attached (422).
 */
body: string, 
/**
 * A message in the same channel to reply to.
 */
reply_to?: MessageId, 
/**
 * Files uploaded to this channel by the sender and not sent yet, at
 * most 10, in the order to show them. With files, the text may be
 * empty (a caption is optional).
 */
attachments: Array<AttachmentId>, };
