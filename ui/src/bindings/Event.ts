// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { Channel } from "./Channel";
import type { ChannelId } from "./ChannelId";
import type { DmChannel } from "./DmChannel";
import type { EventId } from "./EventId";
import type { InviteCode } from "./InviteCode";
import type { Me } from "./Me";
import type { Member } from "./Member";
import type { Membership } from "./Membership";
import type { Message } from "./Message";
import type { MessageId } from "./MessageId";
import type { PaidEvent } from "./PaidEvent";
import type { PendingInvite } from "./PendingInvite";
import type { Plan } from "./Plan";
import type { Presence } from "./Presence";
import type { Relationship } from "./Relationship";
import type { RoleId } from "./RoleId";
import type { ScheduledEvent } from "./ScheduledEvent";
import type { Server } from "./Server";
import type { ServerId } from "./ServerId";
import type { ServerRole } from "./ServerRole";
import type { ServerState } from "./ServerState";
import type { StatusChoice } from "./StatusChoice";
import type { Timestamp } from "./Timestamp";
import type { Toast } from "./Toast";
import type { User } from "./User";
import type { UserId } from "./UserId";
import type { VoiceSessionId } from "./VoiceSessionId";
import type { VoiceState } from "./VoiceState";

/**
 * Everything the gateway dispatches.
 */
export type Event = { "type": "message_created", 
/**
 * The message, with `unread_by` as of creation.
 */
message: Message, } | { "type": "message_edited", 
/**
 * Channel.
 */
channel_id: ChannelId, 
/**
 * Message.
 */
message_id: MessageId, 
/**
 * Its `seq`.
 */
seq: number, 
/**
 * New text.
 */
body: string, 
/**
 * When.
 */
edited_at: Timestamp, } | { "type": "message_deleted", 
/**
 * Channel.
 */
channel_id: ChannelId, 
/**
 * Message.
 */
message_id: MessageId, 
/**
 * Its `seq`.
 */
seq: number, } | { "type": "reaction_added", 
/**
 * Channel.
 */
channel_id: ChannelId, 
/**
 * Message.
 */
message_id: MessageId, 
/**
 * Who.
 */
user_id: UserId, 
/**
 * Which emoji.
 */
emoji: string, } | { "type": "reaction_removed", 
/**
 * Channel.
 */
channel_id: ChannelId, 
/**
 * Message.
 */
message_id: MessageId, 
/**
 * Who.
 */
user_id: UserId, 
/**
 * Which emoji.
 */
emoji: string, } | { "type": "read_marker_updated", 
/**
 * Channel.
 */
channel_id: ChannelId, 
/**
 * Highest `seq` you have read.
 */
last_read_seq: number, 
/**
 * Unread messages left.
 */
unread_count: number, } | { "type": "unread_by_changed", 
/**
 * Channel.
 */
channel_id: ChannelId, 
/**
 * Exclusive lower bound.
 */
after_seq: number, 
/**
 * Inclusive upper bound.
 */
through_seq: number, 
/**
 * Change of `unread_by` (−1 when someone read them).
 */
delta: number, } | { "type": "typing_started", 
/**
 * Channel.
 */
channel_id: ChannelId, 
/**
 * Who.
 */
user_id: UserId, } | { "type": "presence_updated", 
/**
 * Who.
 */
user_id: UserId, 
/**
 * New presence.
 */
presence: Presence, } | { "type": "relationship_changed", 
/**
 * Where they stand with you now.
 */
relationship: Relationship, } | { "type": "relationship_removed", 
/**
 * Who.
 */
user_id: UserId, } | { "type": "dm_updated", 
/**
 * The channel now.
 */
channel: DmChannel, } | { "type": "dm_removed", 
/**
 * Which.
 */
channel_id: ChannelId, } | { "type": "call_declined", 
/**
 * The channel.
 */
channel_id: ChannelId, 
/**
 * Who declined.
 */
user_id: UserId, } | { "type": "me_updated", 
/**
 * Your account now.
 */
me: Me, } | { "type": "user_updated", 
/**
 * The new profile.
 */
user: User, } | { "type": "server_joined", 
/**
 * Everything to draw it.
 */
state: ServerState, } | { "type": "server_updated", 
/**
 * The server.
 */
server: Server, } | { "type": "server_removed", 
/**
 * The server.
 */
server_id: ServerId, 
/**
 * Why: `left`, `kicked` or `deleted`.
 */
reason: string, } | { "type": "member_joined", 
/**
 * Server.
 */
server_id: ServerId, 
/**
 * The new member, shown `offline`: their presence follows as
 * `presence_updated` to those who may see it.
 */
member: Member, } | { "type": "member_left", 
/**
 * Server.
 */
server_id: ServerId, 
/**
 * Who.
 */
user_id: UserId, 
/**
 * Whether they were removed by an admin.
 */
kicked: boolean, } | { "type": "schedule_updated", 
/**
 * The event as it is now.
 */
event: ScheduledEvent, } | { "type": "schedule_deleted", 
/**
 * Server.
 */
server_id: ServerId, 
/**
 * Event.
 */
event_id: EventId, } | { "type": "message_pinned", 
/**
 * Channel.
 */
channel_id: ChannelId, 
/**
 * Message.
 */
message_id: MessageId, 
/**
 * Pinned now (`false`: unpinned).
 */
pinned: boolean, 
/**
 * Who did it.
 */
by: UserId, } | { "type": "invite_received", 
/**
 * The invite.
 */
invite: PendingInvite, } | { "type": "invite_resolved", 
/**
 * Its code.
 */
code: InviteCode, } | { "type": "member_updated", 
/**
 * Server.
 */
server_id: ServerId, 
/**
 * Who.
 */
user_id: UserId, 
/**
 * The roles they hold now (besides `@everyone`).
 */
roles: Array<RoleId>, } | { "type": "roles_updated", 
/**
 * Server.
 */
server_id: ServerId, 
/**
 * All its roles now, `@everyone` first.
 */
roles: Array<ServerRole>, } | { "type": "channel_created", 
/**
 * The channel.
 */
channel: Channel, } | { "type": "channel_updated", 
/**
 * The channel.
 */
channel: Channel, } | { "type": "channel_deleted", 
/**
 * Server.
 */
server_id: ServerId, 
/**
 * Channel.
 */
channel_id: ChannelId, } | { "type": "channels_reordered", 
/**
 * Server.
 */
server_id: ServerId, 
/**
 * Every channel of the server, in its new place.
 */
channels: Array<Channel>, } | { "type": "toast", 
/**
 * The toast.
 */
toast: Toast, } | { "type": "plan_changed", 
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
membership: Membership, } | { "type": "status_changed", 
/**
 * The status now.
 */
status: StatusChoice, } | { "type": "voice_state_updated", 
/**
 * Their state.
 */
state: VoiceState, } | { "type": "voice_state_removed", 
/**
 * Server (`null`: a call in a direct-message channel).
 */
server_id: ServerId | null, 
/**
 * The room.
 */
channel_id: ChannelId, 
/**
 * Who.
 */
user_id: UserId, 
/**
 * The stay that ended.
 */
voice_session: VoiceSessionId, };
