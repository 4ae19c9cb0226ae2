// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { ChannelId } from "./ChannelId";
import type { ClientMessageId } from "./ClientMessageId";
import type { ConnectionState } from "./ConnectionState";
import type { Membership } from "./Membership";
import type { Message } from "./Message";
import type { MessageId } from "./MessageId";
import type { OutboxEntry } from "./OutboxEntry";
import type { PaidEvent } from "./PaidEvent";
import type { PendingInvite } from "./PendingInvite";
import type { Plan } from "./Plan";
import type { Presence } from "./Presence";
import type { Relationship } from "./Relationship";
import type { ScheduledEvent } from "./ScheduledEvent";
import type { ServerId } from "./ServerId";
import type { StatusChoice } from "./StatusChoice";
import type { Timestamp } from "./Timestamp";
import type { Toast } from "./Toast";
import type { User } from "./User";
import type { UserId } from "./UserId";

/**
 * Something that changed. Consumers redraw from it; after a lagged
 * receive they re-read state (servers, channels, timeline) instead.
 */
export type EngineEvent = { "type": "connection", 
/**
 * The new state.
 */
state: ConnectionState, } | { "type": "servers_changed" } | { "type": "schedule_changed" } | { "type": "event_reminder", 
/**
 * The event.
 */
event: ScheduledEvent, 
/**
 * When this occurrence starts.
 */
starts_at: Timestamp, 
/**
 * Minutes until it starts (0: it has started).
 */
minutes: number, } | { "type": "invites_changed" } | { "type": "invite_received", 
/**
 * The invite.
 */
invite: PendingInvite, } | { "type": "dms_changed" } | { "type": "dm_call_changed", 
/**
 * The channel.
 */
channel_id: ChannelId, } | { "type": "ringing", 
/**
 * The channel.
 */
channel_id: ChannelId, 
/**
 * Who is calling.
 */
caller: UserId, } | { "type": "call_declined", 
/**
 * The channel.
 */
channel_id: ChannelId, 
/**
 * Who.
 */
user_id: UserId, } | { "type": "channels_changed", 
/**
 * The server.
 */
server_id: ServerId, } | { "type": "members_changed", 
/**
 * The server.
 */
server_id: ServerId, } | { "type": "message", 
/**
 * The message as cached now.
 */
message: Message, 
/**
 * Whether it just arrived live (for notifications), as opposed to
 * an update or a backfilled one.
 */
live: boolean, 
/**
 * Whether it mentions me (`@my name`, `@everyone`, `@here`; not my
 * own, not deleted): draw it highlighted.
 */
mentions_me: boolean, } | { "type": "message_deleted", 
/**
 * Channel.
 */
channel_id: ChannelId, 
/**
 * Message.
 */
message_id: MessageId, } | { "type": "timeline_changed", 
/**
 * Channel.
 */
channel_id: ChannelId, } | { "type": "outbox", 
/**
 * The entry.
 */
entry: OutboxEntry, } | { "type": "upload_progress", 
/**
 * The message.
 */
client_id: ClientMessageId, 
/**
 * Its channel.
 */
channel_id: ChannelId, 
/**
 * Which of its files (from 0).
 */
file: number, 
/**
 * Bytes sent so far.
 */
sent: number, 
/**
 * Bytes in all.
 */
total: number, } | { "type": "outbox_removed", 
/**
 * Which.
 */
client_id: ClientMessageId, 
/**
 * Channel.
 */
channel_id: ChannelId, } | { "type": "read_state", 
/**
 * Channel.
 */
channel_id: ChannelId, 
/**
 * Highest `seq` read.
 */
last_read_seq: number, 
/**
 * Unread messages.
 */
unread_count: number, } | { "type": "typing", 
/**
 * Channel.
 */
channel_id: ChannelId, 
/**
 * Who.
 */
user_id: UserId, } | { "type": "presence", 
/**
 * Who.
 */
user_id: UserId, 
/**
 * Now.
 */
presence: Presence, } | { "type": "user_updated", 
/**
 * The new profile.
 */
user: User, } | { "type": "member_joined", 
/**
 * The server.
 */
server_id: ServerId, 
/**
 * Who.
 */
user: User, } | { "type": "relationship_changed", 
/**
 * Where they stand with me now.
 */
relationship: Relationship, 
/**
 * Whether it just happened.
 */
live: boolean, } | { "type": "relationship_removed", 
/**
 * Who.
 */
user_id: UserId, } | { "type": "status_changed", 
/**
 * The status now.
 */
status: StatusChoice, } | { "type": "plans_changed" } | { "type": "plan_changed", 
/**
 * The plan now.
 */
plan: Plan, } | { "type": "paid_event_changed", 
/**
 * The event now.
 */
event: PaidEvent, } | { "type": "membership_changed", 
/**
 * The membership now.
 */
membership: Membership, } | { "type": "voice_changed", 
/**
 * The server.
 */
server_id: ServerId, } | { "type": "toast", 
/**
 * The toast.
 */
toast: Toast, } | { "type": "error", 
/**
 * What, in words.
 */
message: string, };
