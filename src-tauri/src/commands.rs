//! The commands the UI calls: one line over pq-core each.
//!
//! They are declared once, in [`commands!`], which generates the
//! `#[tauri::command]` functions, the invoke handler, and the UI's typed
//! bridge (`ui/src/bridge/commands.ts`, written by `tests/bindings.rs`), so
//! the TypeScript side never restates a Rust signature by hand.

use pq_core::{
    ConnectionState, Timeline,
    files::StagedFile,
    protocol::{
        AttachmentId, ChannelId, ClientMessageId, EventId, InviteCode, MessageId, RoleId, ServerId, Timestamp, UserId,
        limits::Plan,
        models::{
            AdminAccounts, AuditPage, Ban, Channel, ChannelAccess, ChannelKind, ChannelPlacement, CreateChannel,
            CreateInvite, CreateRole, CustomStatus, EventSpec, Health, Invite, InvitePreview, InviteSent, Me, Member,
            Message, PendingInvite, PlanInfo, Profile, PurgeWindow, Relationship, ScheduledEvent, Server, ServerRole,
            ServerState, StatusChoice, Toast, UpdateChannel, UpdateRole, User,
        },
        voice::VoiceState,
    },
    store::{CachedChannel, CachedDm, CachedServer, NotifyLevel, OutboxEntry, SearchHit},
};
use serde::Serialize;
use tauri::ipc::Channel as IpcChannel;

use crate::{CommandError, Desktop, UiEvent, settings::Settings, snapshot::LastScreen};

/// The first channel, ready to draw (`startup`).
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct Startup {
    /// What `app_info` says.
    pub info: AppInfo,
    /// The servers (empty when signed out).
    pub servers: Vec<CachedServer>,
    /// The server opened first.
    pub server_id: Option<ServerId>,
    /// Its channels.
    pub channels: Vec<CachedChannel>,
    /// The channel opened first (made the active one).
    pub channel_id: Option<ChannelId>,
    /// Its newest messages.
    pub timeline: Option<Timeline>,
}

/// What the UI needs to draw its first frame.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct AppInfo {
    /// The pq server.
    pub server_url: String,
    /// pq's version.
    pub version: String,
    /// The commit this build is from.
    pub commit: String,
    /// The gateway protocol version this pq speaks.
    pub protocol: u16,
    /// The signed-in account, as cached (works offline).
    pub me: Option<Me>,
    /// The status I chose (online, idle, do not disturb, invisible).
    pub status: StatusChoice,
    /// The longest message my plan allows, in characters (the server is
    /// the judge; the composer shows a counter).
    pub message_limit: u32,
    /// The largest file my plan lets me attach, in bytes, as pq-server
    /// configures it by default (a server configured otherwise says so when
    /// it refuses one).
    #[ts(type = "number")]
    pub upload_limit: u64,
    /// The connection now.
    pub connection: ConnectionState,
    /// Why pq could not open its cache, if it could not (offer "rebuild").
    pub startup_error: Option<String>,
    /// The app's settings.
    pub settings: Settings,
    /// An invite link pq was opened with, not handled yet.
    pub pending_invite: Option<String>,
    /// Whether the machine has a GPU to draw the window with (what
    /// `acceleration: auto` follows); null where the setting does not apply
    /// (the webview decides: macOS, Windows).
    pub gpu: Option<bool>,
}

type R<T> = Result<T, CommandError>;

/// Declares the commands; see the module docs.
macro_rules! commands {
    ($(
        $(#[doc = $doc:literal])+
        fn $name:ident($d:ident $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty $body:block
    )*) => {
        $(
            $(#[doc = $doc])+
            #[tauri::command]
            #[allow(clippy::unused_async, unused_braces)]
            pub async fn $name(desktop: tauri::State<'_, Desktop> $(, $arg: $ty)*) -> R<$ret> {
                let $d: &Desktop = &desktop;
                $body
            }
        )*

        /// The invoke handler for every command.
        pub(crate) fn handler<Rt: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<Rt>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name,)* subscribe, subscribe_video, stage_file]
        }

        /// Every command, for the TypeScript bridge: name, docs, arguments
        /// (name, TypeScript type), result type.
        pub fn signatures(cfg: &ts_rs::Config) -> Vec<Signature> {
            vec![$(
                Signature {
                    name: stringify!($name),
                    docs: vec![$($doc),+],
                    args: vec![$((stringify!($arg), <$ty as ts_rs::TS>::name(cfg))),*],
                    ret: <$ret as ts_rs::TS>::name(cfg),
                },
            )*]
        }

        /// Writes every type the commands use (and their dependencies).
        ///
        /// # Errors
        /// When a file cannot be written.
        pub fn export_types(cfg: &ts_rs::Config) -> Result<(), ts_rs::ExportError> {
            $(
                $( export::<$ty>(cfg)?; )*
                export::<$ret>(cfg)?;
            )*
            export::<UiEvent>(cfg)?;
            export::<CommandError>(cfg)?;
            // `stage_file` takes a raw body, outside the macro.
            export::<StagedFile>(cfg)?;
            Ok(())
        }
    };
}

/// One command as the bridge sees it.
#[derive(Debug)]
pub struct Signature {
    /// The command's name (snake_case, as invoked).
    pub name: &'static str,
    /// Its doc comment lines.
    pub docs: Vec<&'static str>,
    /// Arguments: name and TypeScript type.
    pub args: Vec<(&'static str, String)>,
    /// The TypeScript type of its result.
    pub ret: String,
}

fn export<T: ts_rs::TS + 'static + ?Sized>(cfg: &ts_rs::Config) -> Result<(), ts_rs::ExportError> {
    /// Exports what a built-in (array, option) refers to.
    struct Inner<'a>(&'a ts_rs::Config, Result<(), ts_rs::ExportError>);
    impl ts_rs::TypeVisitor for Inner<'_> {
        fn visit<U: ts_rs::TS + 'static + ?Sized>(&mut self) {
            if self.1.is_ok() {
                self.1 = export::<U>(self.0);
            }
        }
    }
    match T::export_all(cfg) {
        // Built-ins (string, number, arrays, options): export what they hold.
        Err(ts_rs::ExportError::CannotBeExported(_)) => {
            let mut inner = Inner(cfg, Ok(()));
            T::visit_generics(&mut inner);
            inner.1
        }
        other => other,
    }
}

commands! {
    /// Everything to draw the first frame (no network).
    fn app_info(d) -> AppInfo { Ok(d.app_info()) }

    /// Everything the first channel needs, in one call: what `app_info`
    /// says, the servers, the first server's channels, its first text
    /// channel (made the active one) and that channel's newest 200 messages
    /// — all from the cache, no network.
    fn startup(d) -> Startup {
        d.started().await;
        let info = d.app_info();
        let mut out = Startup { info, servers: Vec::new(), server_id: None, channels: Vec::new(), channel_id: None, timeline: None };
        let Some(client) = d.client().ok().filter(|c| c.me().is_some()) else { return Ok(out) };
        out.servers = client.servers()?;
        let is_text = |c: &CachedChannel| c.channel.kind == pq_core::protocol::models::ChannelKind::Text;
        // Where the person left pq (the screen drawn before this page's
        // script ran), if that server and text channel are still there;
        // else the first server's first text channel.
        let left = crate::snapshot::load(&d.config.data_dir).filter(|s| out.servers.iter().any(|c| c.server.id == s.server_id));
        let Some(server) = left.as_ref().map(|s| s.server_id).or_else(|| out.servers.first().map(|s| s.server.id)) else {
            return Ok(out);
        };
        out.server_id = Some(server);
        out.channels = client.channels(server)?;
        let channel = left
            .map(|s| s.channel_id)
            .filter(|id| out.channels.iter().any(|c| c.channel.id == *id && is_text(c)))
            .or_else(|| out.channels.iter().find(|c| is_text(c)).map(|c| c.channel.id));
        let Some(channel) = channel else { return Ok(out) };
        d.set_active_channel(Some(channel));
        out.channel_id = Some(channel);
        out.timeline = Some(client.timeline(channel, None, 200).await?);
        Ok(out)
    }

    /// The page has drawn its first frame: what waited for it (the tray
    /// icon, registering for pq:// links) may run now.
    fn first_frame_drawn(d) -> () { d.after_first_frame(); Ok(()) }

    /// Saves the main screen as the page shows it (which channel, and its
    /// HTML), to be drawn first and opened at the next start; null forgets
    /// it. See `snapshot.rs`.
    fn save_snapshot(d, screen: Option<LastScreen>) -> () {
        crate::snapshot::save(&d.config.data_dir, screen.as_ref()).map_err(|e| CommandError::new("invalid", e))
    }

    /// The server's version and protocol (`GET /healthz`; no sign-in needed).
    fn server_version(d) -> Health { Ok(d.client()?.api().health().await.map_err(pq_core::Error::from)?) }

    /// Signs in through the system browser; the browser comes back through
    /// `pq://auth/callback`. `provider`: `Google`, `Kakao`, or null for the page.
    fn sign_in(d, provider: Option<String>) -> Me { Ok(d.client()?.sign_in_with_deep_link(provider.as_deref()).await?) }

    /// Stops waiting for the browser.
    fn cancel_sign_in(d) -> bool { Ok(d.client()?.auth().cancel_sign_in()) }

    /// Signs out and forgets the tokens (and the last screen).
    fn sign_out(d) -> () {
        d.client()?.sign_out().await?;
        let _ = crate::snapshot::save(&d.config.data_dir, None);
        Ok(())
    }

    /// Moves a damaged cache aside and starts a fresh one (keeping unsent messages).
    fn rebuild_cache(d) -> () { d.rebuild_cache().await }

    /// Try to connect now.
    fn reconnect_now(d) -> () { d.client()?.reconnect_now().await; Ok(()) }

    /// The servers, from the cache.
    fn servers(d) -> Vec<CachedServer> { Ok(d.client()?.servers()?) }

    /// A server's channels with read state, from the cache.
    fn channels(d, server_id: ServerId) -> Vec<CachedChannel> { Ok(d.client()?.channels(server_id)?) }

    /// A server's members with presence (cached now, refreshed in the background).
    fn members(d, server_id: ServerId) -> Vec<Member> { Ok(d.client()?.members(server_id)?) }

    /// Joins a voice room with the default microphone and speakers.
    fn voice_join(d, channel_id: ChannelId) -> crate::call::JoinedCall { d.join_voice(channel_id).await }

    /// Leaves the call.
    fn voice_leave(d) -> () { d.leave_voice().await; Ok(()) }

    /// Mutes/unmutes or deafens/undeafens me in the call.
    fn voice_set(d, muted: Option<bool>, deafened: Option<bool>) -> () { d.set_voice(muted, deafened) }

    /// The call now, or none.
    fn call_info(d) -> Option<pq_core::voice::CallInfo> { Ok(d.call_info()) }

    /// Microphones, speakers and cameras.
    fn media_devices(d) -> crate::call::MediaDevices { let _ = d; Ok(crate::call::media_devices()) }

    /// Turns my camera on or off in the call.
    fn voice_camera(d, on: bool) -> () { d.set_camera(on).await }

    /// My own settings for someone in the call: volume (0–2), muted for me, video hidden for me.
    fn voice_peer(d, user_id: UserId, volume: Option<f32>, muted: Option<bool>, video_hidden: Option<bool>) -> () {
        d.set_peer(user_id, volume, muted, video_hidden)
    }

    /// Mutes or unmutes someone in a voice room for everyone (owner and admins).
    fn voice_server_mute(d, channel_id: ChannelId, user_id: UserId, muted: bool) -> VoiceState {
        let body = pq_core::protocol::voice::ModerateVoice { server_mute: muted };
        let path = format!("api/channels/{channel_id}/voice/{user_id}");
        Ok(d.client()?.api().patch(&path, &body).await.map_err(pq_core::Error::from)?)
    }

    /// Disconnects someone from a voice room (owner and admins).
    fn voice_disconnect(d, channel_id: ChannelId, user_id: UserId) -> () {
        let path = format!("api/channels/{channel_id}/voice/{user_id}");
        let _: serde_json::Value = d.client()?.api().delete(&path).await.map_err(pq_core::Error::from)?;
        Ok(())
    }

    /// The push-to-talk key went down or up.
    fn voice_talking(d, talking: bool) -> () { d.set_talking(talking) }

    /// Push-to-talk on or off.
    fn voice_push_to_talk(d, enabled: bool) -> () { d.set_push_to_talk(enabled) }

    /// Picks the microphone, speakers or camera ("" for the system's default); returns a notice if the microphone cannot be used.
    fn voice_devices(d, microphone: Option<String>, speakers: Option<String>, camera: Option<String>) -> Option<String> {
        d.set_devices(microphone, speakers, camera).await
    }

    /// Who is in the voice rooms of a server (known while connected).
    fn voice_states(d, server_id: ServerId) -> Vec<VoiceState> { Ok(d.client()?.voice_states(server_id)) }

    /// A channel's newest messages and unsent ones, from the cache.
    fn timeline(d, channel_id: ChannelId, limit: u32) -> Timeline {
        Ok(d.client()?.timeline(channel_id, None, limit as usize).await?)
    }

    /// Older messages (cache, else server), as a page of the timeline.
    fn older(d, channel_id: ChannelId, before_seq: u64, limit: u32) -> Timeline {
        Ok(d.client()?.older(channel_id, before_seq, limit as usize).await?)
    }

    /// Writes a message (pending at once, delivered exactly once).
    fn send(d, channel_id: ChannelId, body: String, reply_to: Option<MessageId>) -> OutboxEntry {
        Ok(d.client()?.send(channel_id, &body, reply_to).await?)
    }

    /// Writes a message with files staged in the composer (`stage_file`);
    /// they are uploaded first (progress as `upload_progress`
    /// events), each once, then the message goes.
    fn send_files(d, channel_id: ChannelId, body: String, reply_to: Option<MessageId>, files: Vec<String>) -> OutboxEntry {
        Ok(d.client()?.send_with_files(channel_id, &body, reply_to, &files).await?)
    }

    /// Removes a file from the composer.
    fn unstage(d, id: String) -> () { d.client()?.unstage(&id); Ok(()) }

    /// Stops an unsent message's upload and discards it.
    fn cancel_send(d, client_id: ClientMessageId) -> bool { Ok(d.client()?.cancel_send(client_id)?) }

    /// Saves an attachment in the downloads folder (progress as `download`
    /// events); returns where it went.
    fn download_attachment(d, attachment_id: AttachmentId, filename: String) -> String {
        d.download(attachment_id, &filename).await
    }

    /// Shows an announcement to everyone connected (pq administrators only).
    fn send_toast(d, text: String) -> Toast { Ok(d.client()?.send_toast(&text).await?) }

    /// Accounts newest first, optionally of one plan, with the count per
    /// plan (pq administrators only).
    fn admin_accounts(d, plan: Option<Plan>, before: Option<UserId>) -> AdminAccounts {
        Ok(d.client()?.admin_accounts(plan, before, 50).await?)
    }

    /// Gives someone a plan (pq administrators only).
    fn set_user_plan(d, user_id: UserId, plan: Plan) -> () { Ok(d.client()?.set_plan(user_id, plan).await?) }

    /// Starts buying a month of `plan`: makes the order and opens its
    /// checkout page in the system browser (the result comes back as a
    /// `payment_result` event and a membership change).
    fn start_checkout(d, plan: Plan) -> pq_core::protocol::models::Checkout {
        let c = d.client()?.checkout(plan).await?;
        d.open_link(&c.url)?;
        Ok(c)
    }

    /// My plan, until when it runs, and my payments.
    fn membership(d) -> pq_core::protocol::models::Membership { Ok(d.client()?.membership().await?) }

    /// Lets my paid plan end at its period's end, or keeps it.
    fn set_cancel_at_period_end(d, cancel: bool) -> pq_core::protocol::models::Membership {
        Ok(d.client()?.set_cancel_at_period_end(cancel).await?)
    }

    /// Gives a payment back (mine within 3 days; any for administrators).
    fn refund_payment(d, order_id: String, amount_krw: Option<u32>, reason: String) -> pq_core::protocol::models::Payment {
        Ok(d.client()?.refund(&order_id, amount_krw, &reason).await?)
    }

    /// Payments newest first, with the totals (pq administrators only).
    fn admin_payments(d, before: Option<String>) -> pq_core::protocol::models::AdminPayments {
        Ok(d.client()?.admin_payments(before.as_deref(), 50).await?)
    }

    /// The ledger compared with Toss's view (pq administrators only).
    fn reconcile_payments(d) -> pq_core::protocol::models::Reconciliation { Ok(d.client()?.reconcile().await?) }

    /// The latest paid events.
    fn paid_events(d) -> Vec<pq_core::protocol::models::PaidEvent> { Ok(d.client()?.paid_events().await?) }

    /// A paid event and its participants in the draw's order.
    fn event_participants(d, event_id: String) -> pq_core::protocol::models::EventParticipants {
        Ok(d.client()?.event_participants(&event_id).await?)
    }

    /// Starts buying entries of an open paid event: opens the checkout page
    /// in the system browser.
    fn buy_entries(d, event_id: String, entries: u32) -> pq_core::protocol::models::Checkout {
        let c = d.client()?.buy_entries(&event_id, entries).await?;
        d.open_link(&c.url)?;
        Ok(c)
    }

    /// Creates a paid event (pq administrators only).
    fn create_paid_event(d, spec: pq_core::protocol::models::CreatePaidEvent) -> pq_core::protocol::models::PaidEvent {
        Ok(d.client()?.create_paid_event(&spec).await?)
    }

    /// Opens entries now, closes them now, or draws the winner (pq
    /// administrators only): `start`, `end`, `draw`.
    fn paid_event_action(d, event_id: String, action: String) -> pq_core::protocol::models::PaidEvent {
        Ok(d.client()?.paid_event_action(&event_id, &action).await?)
    }

    /// Checks a drawn event with pq-core's own code.
    fn verify_draw(d, event_id: String) -> DrawCheck {
        let (_, v) = d.client()?.verify_draw(&event_id).await?;
        Ok(DrawCheck { commitment_ok: v.commitment_ok, recomputed: v.recomputed, announced: v.announced, holds: v.holds() })
    }

    /// Asks the server whether a newer pq is published.
    fn check_update(d) -> Option<crate::updates::UpdateInfo> { d.check_update().await }

    /// Downloads the update found and checks its signature.
    fn download_update(d) -> () { d.download_update().await }

    /// Installs the downloaded update and starts pq again.
    fn restart_to_update(d) -> () { d.restart_to_update(&d.app).await }

    /// The plans this server offers (offline: as last seen).
    fn plans(d) -> Vec<PlanInfo> { Ok(d.client()?.plans().await?) }

    /// Shows a saved download in the file manager.
    fn show_download(d, path: String) -> () { d.show_download(&path) }

    /// How much the offline copies of attachments may take, and take now.
    fn file_cache(d) -> FileCache {
        let c = d.client()?;
        Ok(FileCache { budget: c.file_cache_budget(), used: c.file_cache_size() })
    }

    /// Sets how much the offline copies of attachments may take (the least
    /// recently viewed go first).
    fn set_file_cache_budget(d, bytes: u64) -> FileCache {
        let c = d.client()?;
        c.set_file_cache_budget(bytes)?;
        Ok(FileCache { budget: c.file_cache_budget(), used: c.file_cache_size() })
    }

    /// Sends a failed message again, optionally edited.
    fn retry(d, client_id: ClientMessageId, body: Option<String>) -> OutboxEntry {
        Ok(d.client()?.retry(client_id, body.as_deref()).await?)
    }

    /// Discards an unsent message.
    fn discard(d, client_id: ClientMessageId) -> bool { Ok(d.client()?.discard(client_id)?) }

    /// Edits one of my messages.
    fn edit(d, channel_id: ChannelId, message_id: MessageId, body: String) -> () {
        Ok(d.client()?.edit(channel_id, message_id, &body).await?)
    }

    /// Deletes a message.
    fn delete_message(d, channel_id: ChannelId, message_id: MessageId) -> () {
        Ok(d.client()?.delete(channel_id, message_id).await?)
    }

    /// Reacts to a message.
    fn react(d, channel_id: ChannelId, message_id: MessageId, emoji: String) -> () {
        Ok(d.client()?.react(channel_id, message_id, &emoji).await?)
    }

    /// Takes a reaction back.
    fn unreact(d, channel_id: ChannelId, message_id: MessageId, emoji: String) -> () {
        Ok(d.client()?.unreact(channel_id, message_id, &emoji).await?)
    }

    /// Marks a channel read up to `seq`.
    fn mark_read(d, channel_id: ChannelId, seq: u64) -> () { Ok(d.client()?.mark_read(channel_id, seq).await?) }

    /// I am typing in a channel.
    fn typing(d, channel_id: ChannelId) -> () { d.client()?.typing(channel_id).await; Ok(()) }

    /// This device became idle or active.
    fn set_idle(d, idle: bool) -> () { d.client()?.set_idle(idle).await; Ok(()) }

    /// The channel on screen (no notifications for it), or none.
    fn set_active_channel(d, channel_id: Option<ChannelId>) -> () { d.set_active_channel(channel_id); Ok(()) }

    /// Searches every cached message (offline too).
    fn search(d, query: String, server_id: Option<ServerId>, channel_id: Option<ChannelId>) -> Vec<SearchHit> {
        Ok(d.client()?.search(&query, server_id, channel_id, 50)?)
    }

    /// Changes my display name.
    fn update_profile(d, display_name: String) -> Me { Ok(d.client()?.set_display_name(&display_name).await?) }

    /// Uploads my picture (PNG, JPEG, GIF or WebP bytes; the UI sends a 256×256 square).
    fn set_avatar(d, image: Vec<u8>) -> Me { Ok(d.client()?.set_avatar(image).await?) }

    /// Removes my picture.
    fn remove_avatar(d) -> Me { Ok(d.client()?.remove_avatar().await?) }

    /// Changes my "about me" (empty removes it).
    fn set_about(d, about: String) -> Me { Ok(d.client()?.set_about(&about).await?) }

    /// Sets (or, with null, removes) my custom status.
    fn set_custom_status(d, status: Option<CustomStatus>) -> Me { Ok(d.client()?.set_custom_status(status).await?) }

    /// Chooses my status: online (`auto`), idle (`away`), do not disturb, invisible.
    fn set_status(d, status: StatusChoice) -> () { Ok(d.client()?.set_status(status).await?) }

    /// Someone's card: their about text and the servers we share.
    fn profile(d, user_id: UserId) -> Profile { Ok(d.client()?.profile(user_id).await?) }

    /// My friends, friend requests and blocks (cached; offline too).
    fn relationships(d) -> Vec<Relationship> { Ok(d.client()?.relationships()?) }

    /// Asks someone to be friends by their username or email address.
    fn add_friend_by(d, to: String) -> Relationship { Ok(d.client()?.add_friend_by(&to).await?) }

    /// Changes my username.
    fn set_username(d, username: String) -> Me { Ok(d.client()?.set_username(&username).await?) }

    /// Asks someone to be friends, or accepts their request.
    fn add_friend(d, user_id: UserId) -> Relationship { Ok(d.client()?.add_friend(user_id).await?) }

    /// Blocks someone.
    fn block(d, user_id: UserId) -> Relationship { Ok(d.client()?.block(user_id).await?) }

    /// Removes a friend, declines or cancels a request, or unblocks.
    fn remove_relationship(d, user_id: UserId) -> () { Ok(d.client()?.remove_relationship(user_id).await?) }

    /// My direct-message channels, most recently active first (cached; offline too).
    fn dms(d) -> Vec<CachedDm> { Ok(d.client()?.dms()?) }

    /// Opens my direct channel with one person, or starts a group (up to 9 others).
    fn open_dm(d, recipients: Vec<UserId>, name: Option<String>) -> CachedDm {
        Ok(d.client()?.open_dm(recipients, name).await?)
    }

    /// Renames a group (empty: no name).
    fn rename_dm(d, channel_id: ChannelId, name: String) -> CachedDm { Ok(d.client()?.rename_dm(channel_id, &name).await?) }

    /// Adds someone to a group.
    fn add_to_dm(d, channel_id: ChannelId, user_id: UserId) -> CachedDm {
        Ok(d.client()?.add_to_dm(channel_id, user_id).await?)
    }

    /// Leaves a group (my id), or removes someone from it (its owner).
    fn remove_from_dm(d, channel_id: ChannelId, user_id: UserId) -> () {
        Ok(d.client()?.remove_from_dm(channel_id, user_id).await?)
    }

    /// Who is in the call of a direct-message channel (empty: none).
    fn dm_call(d, channel_id: ChannelId) -> Vec<VoiceState> { Ok(d.client()?.dm_call(channel_id)) }

    /// Declines the call ringing in a direct-message channel.
    fn decline_call(d, channel_id: ChannelId) -> () { Ok(d.client()?.decline_call(channel_id).await?) }

    /// Whether people who only share a server with me may write to me directly.
    fn set_allow_server_dms(d, allow: bool) -> Me { Ok(d.client()?.set_allow_server_dms(allow).await?) }

    /// Renames a server (permission `manage_server`).
    fn rename_server(d, server_id: ServerId, name: String) -> Server { Ok(d.client()?.rename_server(server_id, &name).await?) }

    /// Deletes a server (its owner).
    fn delete_server(d, server_id: ServerId) -> () { Ok(d.client()?.delete_server(server_id).await?) }

    /// Leaves a server.
    fn leave_server(d, server_id: ServerId) -> () { Ok(d.client()?.leave_server(server_id).await?) }

    /// Removes someone from a server.
    fn kick(d, server_id: ServerId, user_id: UserId) -> () { Ok(d.client()?.kick(server_id, user_id).await?) }

    /// Gives someone a role (`give`) or takes it away.
    fn set_member_role(d, server_id: ServerId, user_id: UserId, role_id: RoleId, give: bool) -> () {
        Ok(d.client()?.set_member_role(server_id, user_id, role_id, give).await?)
    }

    /// Who sees a channel or category.
    fn channel_access(d, channel_id: ChannelId) -> ChannelAccess { Ok(d.client()?.channel_access(channel_id).await?) }

    /// Makes a channel or category private to some roles and people, or public.
    fn set_channel_access(d, channel_id: ChannelId, access: ChannelAccess) -> ChannelAccess {
        Ok(d.client()?.set_channel_access(channel_id, access).await?)
    }

    /// Hands a server over to another member (its owner).
    fn transfer_server(d, server_id: ServerId, user_id: UserId) -> Server {
        Ok(d.client()?.transfer_server(server_id, user_id).await?)
    }

    /// Creates a role just above `@everyone`.
    fn create_role(d, server_id: ServerId, role: CreateRole) -> ServerRole {
        Ok(d.client()?.create_role(server_id, role).await?)
    }

    /// Changes a role's name, colour, rank or permissions.
    fn update_role(d, server_id: ServerId, role_id: RoleId, change: UpdateRole) -> ServerRole {
        Ok(d.client()?.update_role(server_id, role_id, change).await?)
    }

    /// Deletes a role.
    fn delete_role(d, server_id: ServerId, role_id: RoleId) -> () { Ok(d.client()?.delete_role(server_id, role_id).await?) }

    /// Bans someone (deleting their messages from `purge` back).
    fn ban(d, server_id: ServerId, user_id: UserId, purge: Option<PurgeWindow>) -> () {
        Ok(d.client()?.ban(server_id, user_id, purge).await?)
    }

    /// Lifts a ban.
    fn unban(d, server_id: ServerId, user_id: UserId) -> () { Ok(d.client()?.unban(server_id, user_id).await?) }

    /// A page of a server's audit log, newest first.
    fn audit_log(d, server_id: ServerId, before: Option<u64>) -> AuditPage {
        Ok(d.client()?.audit_log(server_id, before).await?)
    }

    /// Who is banned from a server.
    fn bans(d, server_id: ServerId) -> Vec<Ban> { Ok(d.client()?.bans(server_id).await?) }

    /// A server's usable invites.
    fn invites(d, server_id: ServerId) -> Vec<Invite> { Ok(d.client()?.invites(server_id).await?) }

    /// Revokes an invite.
    fn revoke_invite(d, code: String) -> () { Ok(d.client()?.revoke_invite(&InviteCode(code)).await?) }

    /// Creates a server.
    fn create_server(d, name: String) -> ServerState { Ok(d.client()?.create_server(&name).await?) }

    /// Sets a server's image (PNG, JPEG, GIF or WebP bytes).
    fn set_server_icon(d, server_id: ServerId, image: Vec<u8>) -> () {
        let client = d.client()?;
        let path = format!("api/servers/{server_id}/icon");
        let _: serde_json::Value = client.api().put_bytes(&path, image).await.map_err(pq_core::Error::from)?;
        Ok(())
    }

    /// Creates a channel or category.
    fn create_channel(d, server_id: ServerId, name: String, kind: ChannelKind, parent_id: Option<ChannelId>) -> Channel {
        let req = CreateChannel { name, kind, parent_id };
        Ok(d.client()?.api().create_channel(server_id, &req).await.map_err(pq_core::Error::from)?)
    }

    /// Reorders channels and moves them between categories.
    fn place_channels(d, server_id: ServerId, channels: Vec<ChannelPlacement>) -> () {
        Ok(d.client()?.place_channels(server_id, channels).await?)
    }

    /// Renames a channel or category.
    fn rename_channel(d, channel_id: ChannelId, name: String) -> Channel {
        let change = UpdateChannel { name: Some(name), ..UpdateChannel::default() };
        Ok(d.client()?.update_channel(channel_id, change).await?)
    }

    /// Sets a channel's topic (empty removes it).
    fn set_channel_topic(d, channel_id: ChannelId, topic: String) -> Channel {
        let change = UpdateChannel { topic: Some(topic), ..UpdateChannel::default() };
        Ok(d.client()?.update_channel(channel_id, change).await?)
    }

    /// Sets a server's description (empty removes it).
    fn set_server_description(d, server_id: ServerId, description: String) -> Server {
        Ok(d.client()?.set_server_description(server_id, &description).await?)
    }

    /// Deletes a channel or category.
    fn delete_channel(d, channel_id: ChannelId) -> () {
        let _: serde_json::Value =
            d.client()?.api().delete(&format!("api/channels/{channel_id}")).await.map_err(pq_core::Error::from)?;
        Ok(())
    }

    /// Chooses what a server's messages notify of on this device.
    fn set_server_notify(d, server_id: ServerId, level: NotifyLevel) -> () {
        Ok(d.client()?.set_server_notify(server_id, level)?)
    }

    /// Mutes or unmutes a channel's notifications.
    fn set_muted(d, channel_id: ChannelId, muted: bool) -> () { Ok(d.client()?.set_muted(channel_id, muted)?) }

    /// Creates an invite link.
    fn create_invite(d, server_id: ServerId, max_age_secs: Option<u64>, max_uses: Option<u32>) -> Invite {
        Ok(d.client()?.create_invite(server_id, CreateInvite { max_age_secs, max_uses }).await?)
    }

    /// What an invite leads to, without joining.
    fn preview_invite(d, code: String) -> InvitePreview { Ok(d.client()?.preview_invite(&InviteCode(code)).await?) }

    /// Joins the server an invite leads to.
    fn accept_invite(d, code: String) -> ServerState { Ok(d.client()?.accept_invite(&InviteCode(code)).await?) }

    /// A server's scheduled events.
    fn events(d, server_id: ServerId) -> Vec<ScheduledEvent> { Ok(d.client()?.events(server_id)) }

    /// Every server's events to come or going on, soonest first, with their next start.
    fn upcoming_events(d) -> Vec<(ScheduledEvent, Timestamp)> { Ok(d.client()?.upcoming_events()) }

    /// Schedules an event.
    fn create_event(d, server_id: ServerId, spec: EventSpec) -> ScheduledEvent {
        Ok(d.client()?.create_event(server_id, spec).await?)
    }

    /// Changes an event, whole.
    fn update_event(d, event_id: EventId, spec: EventSpec) -> ScheduledEvent {
        Ok(d.client()?.update_event(event_id, spec).await?)
    }

    /// Cancels an event.
    fn delete_event(d, server_id: ServerId, event_id: EventId) -> () {
        Ok(d.client()?.delete_event(server_id, event_id).await?)
    }

    /// Marks me interested in an event, or not.
    fn set_event_interest(d, event_id: EventId, on: bool) -> ScheduledEvent {
        Ok(d.client()?.set_event_interest(event_id, on).await?)
    }

    /// A channel's pinned messages, the most recently pinned first.
    fn pins(d, channel_id: ChannelId) -> Vec<Message> { Ok(d.client()?.pins(channel_id).await?) }

    /// Pins a message (`on`) or unpins it.
    fn pin_message(d, channel_id: ChannelId, message_id: MessageId, on: bool) -> () {
        Ok(d.client()?.pin(channel_id, message_id, on).await?)
    }

    /// Invites someone to a server by username or email address.
    fn send_invite(d, server_id: ServerId, to: String) -> InviteSent { Ok(d.client()?.send_invite(server_id, &to).await?) }

    /// Invites sent to me in the app that wait for my answer.
    fn pending_invites(d) -> Vec<PendingInvite> { Ok(d.client()?.pending_invites()) }

    /// Declines an invite sent to me.
    fn decline_invite(d, code: String) -> () { Ok(d.client()?.decline_invite(&InviteCode(code)).await?) }

    /// The invite link pq was opened with, if not handled yet (taken once).
    fn take_pending_invite(d) -> Option<String> { Ok(d.take_pending_invite()) }

    /// Changes the app's settings.
    fn set_settings(d, settings: Settings) -> () { d.set_settings(settings) }

    /// Who gave a reaction to a message, the first first (at most 100).
    fn reactors(d, channel_id: ChannelId, message_id: MessageId, emoji: String) -> Vec<User> { Ok(d.client()?.reactors(channel_id, message_id, &emoji).await?) }

    /// Opens a link from a message in the system browser (http, https and
    /// mailto only).
    fn open_link(d, url: String) -> () { d.open_link(&url) }
}

/// A paid event's draw as pq-core checked it from what the server
/// published.
#[derive(Clone, Debug, serde::Serialize, ts_rs::TS)]
pub struct DrawCheck {
    /// The revealed seed hashes to the commitment published at creation.
    pub commitment_ok: bool,
    /// The winner by the rule.
    pub recomputed: Option<pq_core::protocol::UserId>,
    /// The winner the server announced.
    pub announced: Option<pq_core::protocol::UserId>,
    /// Both hold.
    pub holds: bool,
}

/// What the offline copies of attachments may take, and take.
#[derive(Clone, Debug, serde::Serialize, ts_rs::TS)]
pub struct FileCache {
    /// Bytes at most.
    #[ts(type = "number")]
    pub budget: u64,
    /// Bytes now.
    #[ts(type = "number")]
    pub used: u64,
}

/// Keeps a file the person picked, dropped or pasted, for the composer: its
/// bytes as the raw request body, its name percent-encoded in the
/// `pq-file-name` header.
#[tauri::command]
pub async fn stage_file(desktop: tauri::State<'_, Desktop>, request: tauri::ipc::Request<'_>) -> R<StagedFile> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(CommandError::new("invalid", "a file's bytes are sent as the raw body"));
    };
    let name = request
        .headers()
        .get("pq-file-name")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            url::form_urlencoded::parse(format!("n={v}").as_bytes()).map(|(_, v)| v.into_owned()).collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "file".into());
    Ok(desktop.client()?.stage_file(&name, bytes)?)
}

/// Streams every [`UiEvent`] to the UI over an IPC channel (cheaper than
/// global events). The UI calls it once at start.
#[tauri::command]
pub fn subscribe(desktop: tauri::State<'_, Desktop>, on_event: IpcChannel<UiEvent>) {
    desktop.add_subscriber(on_event);
}

/// Streams the call's pictures to the UI as binary messages (see
/// [`crate::call::encode_picture`]). The UI calls it once at start.
#[tauri::command]
pub fn subscribe_video(desktop: tauri::State<'_, Desktop>, on_picture: IpcChannel<tauri::ipc::InvokeResponseBody>) {
    desktop.add_video_subscriber(on_picture);
}
