// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Attachment } from "./Attachment";
import type { ChannelId } from "./ChannelId";
import type { ClientMessageId } from "./ClientMessageId";
import type { MessageId } from "./MessageId";
import type { MessageKind } from "./MessageKind";
import type { Reaction } from "./Reaction";
import type { Timestamp } from "./Timestamp";
import type { UserId } from "./UserId";

/**
 * A message. Deleted messages stay in history as tombstones (`deleted`
 * true, empty body) so that `seq` has no holes.
 */
export type Message = { 
/**
 * Message id.
 */
id: MessageId, 
/**
 * Channel it is in.
 */
channel_id: ChannelId, 
/**
 * Position in the channel: 1, 2, 3, … with no gaps.
 */
seq: number, 
/**
 * Who wrote it.
 */
author_id: UserId, 
/**
 * The id its author's client gave it (lets that client match its outbox).
 */
client_id: ClientMessageId, 
/**
 * Text (empty when deleted).
 */
body: string, 
/**
 * The message it replies to.
 */
reply_to: MessageId | null, 
/**
 * When the server stored it.
 */
created_at: Timestamp, 
/**
 * When it was last edited.
 */
edited_at: Timestamp | null, 
/**
 * Whether it was deleted.
 */
deleted: boolean, 
/**
 * Reactions (empty in `message_created`).
 */
reactions: Array<Reaction>, 
/**
 * Members of the channel who have not read it yet.
 */
unread_by: number, 
/**
 * Whether it is pinned to its channel.
 */
pinned: boolean, 
/**
 * Whether it pings everyone in the channel: it says `@everyone` or
 * `@here` and its author may (`mention_everyone`; never in a
 * direct-message channel).
 */
mentions_everyone: boolean, 
/**
 * What it is: written by someone, or a line the server adds (such
 * as "… pinned a message", whose `reply_to` is the pinned message).
 */
kind: MessageKind, 
/**
 * Files attached to it, in the order given (none once deleted).
 */
attachments: Array<Attachment>, };
