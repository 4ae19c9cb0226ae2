// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ChannelId } from "./ChannelId";
import type { ClientMessageId } from "./ClientMessageId";
import type { MessageId } from "./MessageId";
import type { OutboxFile } from "./OutboxFile";
import type { OutboxState } from "./OutboxState";
import type { Timestamp } from "./Timestamp";

/**
 * A message not yet acknowledged.
 */
export type OutboxEntry = { 
/**
 * The id the server will know it by.
 */
client_id: ClientMessageId, 
/**
 * Where it goes.
 */
channel_id: ChannelId, 
/**
 * Text.
 */
body: string, 
/**
 * The message it replies to.
 */
reply_to: MessageId | null, 
/**
 * When it was written.
 */
created_at: Timestamp, 
/**
 * Pending or failed.
 */
state: OutboxState, 
/**
 * Delivery attempts so far.
 */
attempts: number, 
/**
 * Files to upload before the message goes (their bytes under the
 * account's files directory, `outbox/CLIENT_ID/N`).
 */
files: Array<OutboxFile>, };
