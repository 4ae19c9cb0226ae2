// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import { Channel as IpcChannel, invoke } from "@tauri-apps/api/core";
import type { AdminAccounts, AdminPayments, AppInfo, AttachmentId, AuditPage, Ban, CachedChannel, CachedDm, CachedServer, CallInfo, Channel, ChannelAccess, ChannelId, ChannelKind, ChannelPlacement, Checkout, ClientMessageId, CreatePaidEvent, CreateRole, CustomStatus, DrawCheck, EventId, EventParticipants, EventSpec, FileCache, Health, Invite, InvitePreview, InviteSent, JoinedCall, LastScreen, Me, MediaDevices, Member, Membership, Message, MessageId, NotifyLevel, OutboxEntry, PaidEvent, Payment, PendingInvite, Plan, PlanInfo, Profile, PurgeWindow, Reconciliation, Relationship, RoleId, ScheduledEvent, SearchHit, Server, ServerId, ServerRole, ServerState, Settings, StagedFile, Startup, StatusChoice, Timeline, Timestamp, Toast, UiEvent, UpdateInfo, UpdateRole, User, UserId, VoiceState } from "../bindings";

/**
 * Everything to draw the first frame (no network).
 */
export function appInfo(): Promise<AppInfo> {
  return invoke("app_info");
}

/**
 * Everything the first channel needs, in one call: what `app_info`
 * says, the servers, the first server's channels, its first text
 * channel (made the active one) and that channel's newest 200 messages
 * — all from the cache, no network.
 */
export function startup(): Promise<Startup> {
  return invoke("startup");
}

/**
 * The page has drawn its first frame: what waited for it (the tray
 * icon, registering for pq:// links) may run now.
 */
export function firstFrameDrawn(): Promise<null> {
  return invoke("first_frame_drawn");
}

/**
 * Saves the main screen as the page shows it (which channel, and its
 * HTML), to be drawn first and opened at the next start; null forgets
 * it. See `snapshot.rs`.
 */
export function saveSnapshot(screen: LastScreen | null): Promise<null> {
  return invoke("save_snapshot", { screen });
}

/**
 * The server's version and protocol (`GET /healthz`; no sign-in needed).
 */
export function serverVersion(): Promise<Health> {
  return invoke("server_version");
}

/**
 * Signs in through the system browser; the browser comes back through
 * `pq://auth/callback`. `provider`: `Google`, `Kakao`, or null for the page.
 */
export function signIn(provider: string | null): Promise<Me> {
  return invoke("sign_in", { provider });
}

/**
 * Stops waiting for the browser.
 */
export function cancelSignIn(): Promise<boolean> {
  return invoke("cancel_sign_in");
}

/**
 * Signs out and forgets the tokens (and the last screen).
 */
export function signOut(): Promise<null> {
  return invoke("sign_out");
}

/**
 * Moves a damaged cache aside and starts a fresh one (keeping unsent messages).
 */
export function rebuildCache(): Promise<null> {
  return invoke("rebuild_cache");
}

/**
 * Try to connect now.
 */
export function reconnectNow(): Promise<null> {
  return invoke("reconnect_now");
}

/**
 * The servers, from the cache.
 */
export function servers(): Promise<Array<CachedServer>> {
  return invoke("servers");
}

/**
 * A server's channels with read state, from the cache.
 */
export function channels(serverId: ServerId): Promise<Array<CachedChannel>> {
  return invoke("channels", { serverId });
}

/**
 * A server's members with presence (cached now, refreshed in the background).
 */
export function members(serverId: ServerId): Promise<Array<Member>> {
  return invoke("members", { serverId });
}

/**
 * Joins a voice room with the default microphone and speakers.
 */
export function voiceJoin(channelId: ChannelId): Promise<JoinedCall> {
  return invoke("voice_join", { channelId });
}

/**
 * Leaves the call.
 */
export function voiceLeave(): Promise<null> {
  return invoke("voice_leave");
}

/**
 * Mutes/unmutes or deafens/undeafens me in the call.
 */
export function voiceSet(muted: boolean | null, deafened: boolean | null): Promise<null> {
  return invoke("voice_set", { muted, deafened });
}

/**
 * The call now, or none.
 */
export function callInfo(): Promise<CallInfo | null> {
  return invoke("call_info");
}

/**
 * Microphones, speakers and cameras.
 */
export function mediaDevices(): Promise<MediaDevices> {
  return invoke("media_devices");
}

/**
 * Turns my camera on or off in the call.
 */
export function voiceCamera(on: boolean): Promise<null> {
  return invoke("voice_camera", { on });
}

/**
 * My own settings for someone in the call: volume (0–2), muted for me, video hidden for me.
 */
export function voicePeer(userId: UserId, volume: number | null, muted: boolean | null, videoHidden: boolean | null): Promise<null> {
  return invoke("voice_peer", { userId, volume, muted, videoHidden });
}

/**
 * Mutes or unmutes someone in a voice room for everyone (owner and admins).
 */
export function voiceServerMute(channelId: ChannelId, userId: UserId, muted: boolean): Promise<VoiceState> {
  return invoke("voice_server_mute", { channelId, userId, muted });
}

/**
 * Disconnects someone from a voice room (owner and admins).
 */
export function voiceDisconnect(channelId: ChannelId, userId: UserId): Promise<null> {
  return invoke("voice_disconnect", { channelId, userId });
}

/**
 * The push-to-talk key went down or up.
 */
export function voiceTalking(talking: boolean): Promise<null> {
  return invoke("voice_talking", { talking });
}

/**
 * Push-to-talk on or off.
 */
export function voicePushToTalk(enabled: boolean): Promise<null> {
  return invoke("voice_push_to_talk", { enabled });
}

/**
 * Picks the microphone, speakers or camera ("" for the system's default); returns a notice if the microphone cannot be used.
 */
export function voiceDevices(microphone: string | null, speakers: string | null, camera: string | null): Promise<string | null> {
  return invoke("voice_devices", { microphone, speakers, camera });
}

/**
 * Who is in the voice rooms of a server (known while connected).
 */
export function voiceStates(serverId: ServerId): Promise<Array<VoiceState>> {
  return invoke("voice_states", { serverId });
}

/**
 * A channel's newest messages and unsent ones, from the cache.
 */
export function timeline(channelId: ChannelId, limit: number): Promise<Timeline> {
  return invoke("timeline", { channelId, limit });
}

/**
 * Older messages (cache, else server), as a page of the timeline.
 */
export function older(channelId: ChannelId, beforeSeq: number, limit: number): Promise<Timeline> {
  return invoke("older", { channelId, beforeSeq, limit });
}

/**
 * Writes a message (pending at once, delivered exactly once).
 */
export function send(channelId: ChannelId, body: string, replyTo: MessageId | null): Promise<OutboxEntry> {
  return invoke("send", { channelId, body, replyTo });
}

/**
 * Writes a message with files staged in the composer (`stage_file`);
 * they are uploaded first (progress as `upload_progress`
 * events), each once, then the message goes.
 */
export function sendFiles(channelId: ChannelId, body: string, replyTo: MessageId | null, files: Array<string>): Promise<OutboxEntry> {
  return invoke("send_files", { channelId, body, replyTo, files });
}

/**
 * Removes a file from the composer.
 */
export function unstage(id: string): Promise<null> {
  return invoke("unstage", { id });
}

/**
 * Stops an unsent message's upload and discards it.
 */
export function cancelSend(clientId: ClientMessageId): Promise<boolean> {
  return invoke("cancel_send", { clientId });
}

/**
 * Saves an attachment in the downloads folder (progress as `download`
 * events); returns where it went.
 */
export function downloadAttachment(attachmentId: AttachmentId, filename: string): Promise<string> {
  return invoke("download_attachment", { attachmentId, filename });
}

/**
 * Shows an announcement to everyone connected (pq administrators only).
 */
export function sendToast(text: string): Promise<Toast> {
  return invoke("send_toast", { text });
}

/**
 * Accounts newest first, optionally of one plan, with the count per
 * plan (pq administrators only).
 */
export function adminAccounts(plan: Plan | null, before: UserId | null): Promise<AdminAccounts> {
  return invoke("admin_accounts", { plan, before });
}

/**
 * Gives someone a plan (pq administrators only).
 */
export function setUserPlan(userId: UserId, plan: Plan): Promise<null> {
  return invoke("set_user_plan", { userId, plan });
}

/**
 * Starts buying a month of `plan`: makes the order and opens its
 * checkout page in the system browser (the result comes back as a
 * `payment_result` event and a membership change).
 */
export function startCheckout(plan: Plan): Promise<Checkout> {
  return invoke("start_checkout", { plan });
}

/**
 * My plan, until when it runs, and my payments.
 */
export function membership(): Promise<Membership> {
  return invoke("membership");
}

/**
 * Lets my paid plan end at its period's end, or keeps it.
 */
export function setCancelAtPeriodEnd(cancel: boolean): Promise<Membership> {
  return invoke("set_cancel_at_period_end", { cancel });
}

/**
 * Gives a payment back (mine within 3 days; any for administrators).
 */
export function refundPayment(orderId: string, amountKrw: number | null, reason: string): Promise<Payment> {
  return invoke("refund_payment", { orderId, amountKrw, reason });
}

/**
 * Payments newest first, with the totals (pq administrators only).
 */
export function adminPayments(before: string | null): Promise<AdminPayments> {
  return invoke("admin_payments", { before });
}

/**
 * The ledger compared with Toss's view (pq administrators only).
 */
export function reconcilePayments(): Promise<Reconciliation> {
  return invoke("reconcile_payments");
}

/**
 * The latest paid events.
 */
export function paidEvents(): Promise<Array<PaidEvent>> {
  return invoke("paid_events");
}

/**
 * A paid event and its participants in the draw's order.
 */
export function eventParticipants(eventId: string): Promise<EventParticipants> {
  return invoke("event_participants", { eventId });
}

/**
 * Starts buying entries of an open paid event: opens the checkout page
 * in the system browser.
 */
export function buyEntries(eventId: string, entries: number): Promise<Checkout> {
  return invoke("buy_entries", { eventId, entries });
}

/**
 * Creates a paid event (pq administrators only).
 */
export function createPaidEvent(spec: CreatePaidEvent): Promise<PaidEvent> {
  return invoke("create_paid_event", { spec });
}

/**
 * Opens entries now, closes them now, or draws the winner (pq
 * administrators only): `start`, `end`, `draw`.
 */
export function paidEventAction(eventId: string, action: string): Promise<PaidEvent> {
  return invoke("paid_event_action", { eventId, action });
}

/**
 * Checks a drawn event with pq-core's own code.
 */
export function verifyDraw(eventId: string): Promise<DrawCheck> {
  return invoke("verify_draw", { eventId });
}

/**
 * Asks the server whether a newer pq is published.
 */
export function checkUpdate(): Promise<UpdateInfo | null> {
  return invoke("check_update");
}

/**
 * Downloads the update found and checks its signature.
 */
export function downloadUpdate(): Promise<null> {
  return invoke("download_update");
}

/**
 * Installs the downloaded update and starts pq again.
 */
export function restartToUpdate(): Promise<null> {
  return invoke("restart_to_update");
}

/**
 * The plans this server offers (offline: as last seen).
 */
export function plans(): Promise<Array<PlanInfo>> {
  return invoke("plans");
}

/**
 * Shows a saved download in the file manager.
 */
export function showDownload(path: string): Promise<null> {
  return invoke("show_download", { path });
}

/**
 * How much the offline copies of attachments may take, and take now.
 */
export function fileCache(): Promise<FileCache> {
  return invoke("file_cache");
}

/**
 * Sets how much the offline copies of attachments may take (the least
 * recently viewed go first).
 */
export function setFileCacheBudget(bytes: number): Promise<FileCache> {
  return invoke("set_file_cache_budget", { bytes });
}

/**
 * Sends a failed message again, optionally edited.
 */
export function retry(clientId: ClientMessageId, body: string | null): Promise<OutboxEntry> {
  return invoke("retry", { clientId, body });
}

/**
 * Discards an unsent message.
 */
export function discard(clientId: ClientMessageId): Promise<boolean> {
  return invoke("discard", { clientId });
}

/**
 * Edits one of my messages.
 */
export function edit(channelId: ChannelId, messageId: MessageId, body: string): Promise<null> {
  return invoke("edit", { channelId, messageId, body });
}

/**
 * Deletes a message.
 */
export function deleteMessage(channelId: ChannelId, messageId: MessageId): Promise<null> {
  return invoke("delete_message", { channelId, messageId });
}

/**
 * Reacts to a message.
 */
export function react(channelId: ChannelId, messageId: MessageId, emoji: string): Promise<null> {
  return invoke("react", { channelId, messageId, emoji });
}

/**
 * Takes a reaction back.
 */
export function unreact(channelId: ChannelId, messageId: MessageId, emoji: string): Promise<null> {
  return invoke("unreact", { channelId, messageId, emoji });
}

/**
 * Marks a channel read up to `seq`.
 */
export function markRead(channelId: ChannelId, seq: number): Promise<null> {
  return invoke("mark_read", { channelId, seq });
}

/**
 * I am typing in a channel.
 */
export function typing(channelId: ChannelId): Promise<null> {
  return invoke("typing", { channelId });
}

/**
 * This device became idle or active.
 */
export function setIdle(idle: boolean): Promise<null> {
  return invoke("set_idle", { idle });
}

/**
 * The channel on screen (no notifications for it), or none.
 */
export function setActiveChannel(channelId: ChannelId | null): Promise<null> {
  return invoke("set_active_channel", { channelId });
}

/**
 * Searches every cached message (offline too).
 */
export function search(query: string, serverId: ServerId | null, channelId: ChannelId | null): Promise<Array<SearchHit>> {
  return invoke("search", { query, serverId, channelId });
}

/**
 * Changes my display name.
 */
export function updateProfile(displayName: string): Promise<Me> {
  return invoke("update_profile", { displayName });
}

/**
 * Uploads my picture (PNG, JPEG, GIF or WebP bytes; the UI sends a 256×256 square).
 */
export function setAvatar(image: Array<number>): Promise<Me> {
  return invoke("set_avatar", { image });
}

/**
 * Removes my picture.
 */
export function removeAvatar(): Promise<Me> {
  return invoke("remove_avatar");
}

/**
 * Changes my "about me" (empty removes it).
 */
export function setAbout(about: string): Promise<Me> {
  return invoke("set_about", { about });
}

/**
 * Sets (or, with null, removes) my custom status.
 */
export function setCustomStatus(status: CustomStatus | null): Promise<Me> {
  return invoke("set_custom_status", { status });
}

/**
 * Chooses my status: online (`auto`), idle (`away`), do not disturb, invisible.
 */
export function setStatus(status: StatusChoice): Promise<null> {
  return invoke("set_status", { status });
}

/**
 * Someone's card: their about text and the servers we share.
 */
export function profile(userId: UserId): Promise<Profile> {
  return invoke("profile", { userId });
}

/**
 * My friends, friend requests and blocks (cached; offline too).
 */
export function relationships(): Promise<Array<Relationship>> {
  return invoke("relationships");
}

/**
 * Asks someone to be friends by their username or email address.
 */
export function addFriendBy(to: string): Promise<Relationship> {
  return invoke("add_friend_by", { to });
}

/**
 * Changes my username.
 */
export function setUsername(username: string): Promise<Me> {
  return invoke("set_username", { username });
}

/**
 * Asks someone to be friends, or accepts their request.
 */
export function addFriend(userId: UserId): Promise<Relationship> {
  return invoke("add_friend", { userId });
}

/**
 * Blocks someone.
 */
export function block(userId: UserId): Promise<Relationship> {
  return invoke("block", { userId });
}

/**
 * Removes a friend, declines or cancels a request, or unblocks.
 */
export function removeRelationship(userId: UserId): Promise<null> {
  return invoke("remove_relationship", { userId });
}

/**
 * My direct-message channels, most recently active first (cached; offline too).
 */
export function dms(): Promise<Array<CachedDm>> {
  return invoke("dms");
}

/**
 * Opens my direct channel with one person, or starts a group (up to 9 others).
 */
export function openDm(recipients: Array<UserId>, name: string | null): Promise<CachedDm> {
  return invoke("open_dm", { recipients, name });
}

/**
 * Renames a group (empty: no name).
 */
export function renameDm(channelId: ChannelId, name: string): Promise<CachedDm> {
  return invoke("rename_dm", { channelId, name });
}

/**
 * Adds someone to a group.
 */
export function addToDm(channelId: ChannelId, userId: UserId): Promise<CachedDm> {
  return invoke("add_to_dm", { channelId, userId });
}

/**
 * Leaves a group (my id), or removes someone from it (its owner).
 */
export function removeFromDm(channelId: ChannelId, userId: UserId): Promise<null> {
  return invoke("remove_from_dm", { channelId, userId });
}

/**
 * Who is in the call of a direct-message channel (empty: none).
 */
export function dmCall(channelId: ChannelId): Promise<Array<VoiceState>> {
  return invoke("dm_call", { channelId });
}

/**
 * Declines the call ringing in a direct-message channel.
 */
export function declineCall(channelId: ChannelId): Promise<null> {
  return invoke("decline_call", { channelId });
}

/**
 * Whether people who only share a server with me may write to me directly.
 */
export function setAllowServerDms(allow: boolean): Promise<Me> {
  return invoke("set_allow_server_dms", { allow });
}

/**
 * Renames a server (permission `manage_server`).
 */
export function renameServer(serverId: ServerId, name: string): Promise<Server> {
  return invoke("rename_server", { serverId, name });
}

/**
 * Deletes a server (its owner).
 */
export function deleteServer(serverId: ServerId): Promise<null> {
  return invoke("delete_server", { serverId });
}

/**
 * Leaves a server.
 */
export function leaveServer(serverId: ServerId): Promise<null> {
  return invoke("leave_server", { serverId });
}

/**
 * Removes someone from a server.
 */
export function kick(serverId: ServerId, userId: UserId): Promise<null> {
  return invoke("kick", { serverId, userId });
}

/**
 * Gives someone a role (`give`) or takes it away.
 */
export function setMemberRole(serverId: ServerId, userId: UserId, roleId: RoleId, give: boolean): Promise<null> {
  return invoke("set_member_role", { serverId, userId, roleId, give });
}

/**
 * Who sees a channel or category.
 */
export function channelAccess(channelId: ChannelId): Promise<ChannelAccess> {
  return invoke("channel_access", { channelId });
}

/**
 * Makes a channel or category private to some roles and people, or public.
 */
export function setChannelAccess(channelId: ChannelId, access: ChannelAccess): Promise<ChannelAccess> {
  return invoke("set_channel_access", { channelId, access });
}

/**
 * Hands a server over to another member (its owner).
 */
export function transferServer(serverId: ServerId, userId: UserId): Promise<Server> {
  return invoke("transfer_server", { serverId, userId });
}

/**
 * Creates a role just above `@everyone`.
 */
export function createRole(serverId: ServerId, role: CreateRole): Promise<ServerRole> {
  return invoke("create_role", { serverId, role });
}

/**
 * Changes a role's name, colour, rank or permissions.
 */
export function updateRole(serverId: ServerId, roleId: RoleId, change: UpdateRole): Promise<ServerRole> {
  return invoke("update_role", { serverId, roleId, change });
}

/**
 * Deletes a role.
 */
export function deleteRole(serverId: ServerId, roleId: RoleId): Promise<null> {
  return invoke("delete_role", { serverId, roleId });
}

/**
 * Bans someone (deleting their messages from `purge` back).
 */
export function ban(serverId: ServerId, userId: UserId, purge: PurgeWindow | null): Promise<null> {
  return invoke("ban", { serverId, userId, purge });
}

/**
 * Lifts a ban.
 */
export function unban(serverId: ServerId, userId: UserId): Promise<null> {
  return invoke("unban", { serverId, userId });
}

/**
 * A page of a server's audit log, newest first.
 */
export function auditLog(serverId: ServerId, before: number | null): Promise<AuditPage> {
  return invoke("audit_log", { serverId, before });
}

/**
 * Who is banned from a server.
 */
export function bans(serverId: ServerId): Promise<Array<Ban>> {
  return invoke("bans", { serverId });
}

/**
 * A server's usable invites.
 */
export function invites(serverId: ServerId): Promise<Array<Invite>> {
  return invoke("invites", { serverId });
}

/**
 * Revokes an invite.
 */
export function revokeInvite(code: string): Promise<null> {
  return invoke("revoke_invite", { code });
}

/**
 * Creates a server.
 */
export function createServer(name: string): Promise<ServerState> {
  return invoke("create_server", { name });
}

/**
 * Sets a server's image (PNG, JPEG, GIF or WebP bytes).
 */
export function setServerIcon(serverId: ServerId, image: Array<number>): Promise<null> {
  return invoke("set_server_icon", { serverId, image });
}

/**
 * Creates a channel or category.
 */
export function createChannel(serverId: ServerId, name: string, kind: ChannelKind, parentId: ChannelId | null): Promise<Channel> {
  return invoke("create_channel", { serverId, name, kind, parentId });
}

/**
 * Reorders channels and moves them between categories.
 */
export function placeChannels(serverId: ServerId, channels: Array<ChannelPlacement>): Promise<null> {
  return invoke("place_channels", { serverId, channels });
}

/**
 * Renames a channel or category.
 */
export function renameChannel(channelId: ChannelId, name: string): Promise<Channel> {
  return invoke("rename_channel", { channelId, name });
}

/**
 * Sets a channel's topic (empty removes it).
 */
export function setChannelTopic(channelId: ChannelId, topic: string): Promise<Channel> {
  return invoke("set_channel_topic", { channelId, topic });
}

/**
 * Sets a server's description (empty removes it).
 */
export function setServerDescription(serverId: ServerId, description: string): Promise<Server> {
  return invoke("set_server_description", { serverId, description });
}

/**
 * Deletes a channel or category.
 */
export function deleteChannel(channelId: ChannelId): Promise<null> {
  return invoke("delete_channel", { channelId });
}

/**
 * Chooses what a server's messages notify of on this device.
 */
export function setServerNotify(serverId: ServerId, level: NotifyLevel): Promise<null> {
  return invoke("set_server_notify", { serverId, level });
}

/**
 * Mutes or unmutes a channel's notifications.
 */
export function setMuted(channelId: ChannelId, muted: boolean): Promise<null> {
  return invoke("set_muted", { channelId, muted });
}

/**
 * Creates an invite link.
 */
export function createInvite(serverId: ServerId, maxAgeSecs: number | null, maxUses: number | null): Promise<Invite> {
  return invoke("create_invite", { serverId, maxAgeSecs, maxUses });
}

/**
 * What an invite leads to, without joining.
 */
export function previewInvite(code: string): Promise<InvitePreview> {
  return invoke("preview_invite", { code });
}

/**
 * Joins the server an invite leads to.
 */
export function acceptInvite(code: string): Promise<ServerState> {
  return invoke("accept_invite", { code });
}

/**
 * A server's scheduled events.
 */
export function events(serverId: ServerId): Promise<Array<ScheduledEvent>> {
  return invoke("events", { serverId });
}

/**
 * Every server's events to come or going on, soonest first, with their next start.
 */
export function upcomingEvents(): Promise<Array<[ScheduledEvent, Timestamp]>> {
  return invoke("upcoming_events");
}

/**
 * Schedules an event.
 */
export function createEvent(serverId: ServerId, spec: EventSpec): Promise<ScheduledEvent> {
  return invoke("create_event", { serverId, spec });
}

/**
 * Changes an event, whole.
 */
export function updateEvent(eventId: EventId, spec: EventSpec): Promise<ScheduledEvent> {
  return invoke("update_event", { eventId, spec });
}

/**
 * Cancels an event.
 */
export function deleteEvent(serverId: ServerId, eventId: EventId): Promise<null> {
  return invoke("delete_event", { serverId, eventId });
}

/**
 * Marks me interested in an event, or not.
 */
export function setEventInterest(eventId: EventId, on: boolean): Promise<ScheduledEvent> {
  return invoke("set_event_interest", { eventId, on });
}

/**
 * A channel's pinned messages, the most recently pinned first.
 */
export function pins(channelId: ChannelId): Promise<Array<Message>> {
  return invoke("pins", { channelId });
}

/**
 * Pins a message (`on`) or unpins it.
 */
export function pinMessage(channelId: ChannelId, messageId: MessageId, on: boolean): Promise<null> {
  return invoke("pin_message", { channelId, messageId, on });
}

/**
 * Invites someone to a server by username or email address.
 */
export function sendInvite(serverId: ServerId, to: string): Promise<InviteSent> {
  return invoke("send_invite", { serverId, to });
}

/**
 * Invites sent to me in the app that wait for my answer.
 */
export function pendingInvites(): Promise<Array<PendingInvite>> {
  return invoke("pending_invites");
}

/**
 * Declines an invite sent to me.
 */
export function declineInvite(code: string): Promise<null> {
  return invoke("decline_invite", { code });
}

/**
 * The invite link pq was opened with, if not handled yet (taken once).
 */
export function takePendingInvite(): Promise<string | null> {
  return invoke("take_pending_invite");
}

/**
 * Changes the app's settings.
 */
export function setSettings(settings: Settings): Promise<null> {
  return invoke("set_settings", { settings });
}

/**
 * Who gave a reaction to a message, the first first (at most 100).
 */
export function reactors(channelId: ChannelId, messageId: MessageId, emoji: string): Promise<Array<User>> {
  return invoke("reactors", { channelId, messageId, emoji });
}

/**
 * Opens a link from a message in the system browser (http, https and
 * mailto only).
 */
export function openLink(url: string): Promise<null> {
  return invoke("open_link", { url });
}

/**
 * Streams every event of the engine and the shell to `onEvent`.
 */
export function subscribe(onEvent: (event: UiEvent) => void): Promise<void> {
  const channel = new IpcChannel<UiEvent>();
  channel.onmessage = onEvent;
  return invoke("subscribe", { onEvent: channel });
}

/**
 * Streams the call's pictures to `onPicture` as binary messages: 16 bytes of
 * user id, width and height (u32, little-endian), then the I420 planes.
 */
export function subscribeVideo(onPicture: (picture: ArrayBuffer) => void): Promise<void> {
  const channel = new IpcChannel<ArrayBuffer>();
  channel.onmessage = onPicture;
  return invoke("subscribe_video", { onPicture: channel });
}

/**
 * Keeps a file the person picked, dropped or pasted, for the composer (its
 * bytes go as the raw body).
 */
export function stageFile(name: string, bytes: ArrayBuffer | Uint8Array): Promise<StagedFile> {
  return invoke("stage_file", bytes, { headers: { "pq-file-name": encodeURIComponent(name) } });
}
