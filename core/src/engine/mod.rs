//! # The client engine
//!
//! [`Client`] is a cheap, cloneable handle. Behind it:
//!
//! - the **sync task** ([`sync`]), one per client, which alone talks to the
//!   gateway: it connects, identifies or resumes, heartbeats, reconnects
//!   with exponential backoff and jitter, applies every event to the cache
//!   and re-broadcasts it as an [`Event`], backfills channels after a
//!   reconnect, delivers the outbox, and fills the search index in the
//!   background;
//! - the **cache** ([`Store`]), shared behind a mutex: reads from the UI
//!   (open a channel, search) take it directly instead of queueing behind
//!   sync work in an actor's mailbox — every store call is short — and the
//!   sync task takes it to apply events;
//! - the **REST client** ([`Api`]) for requests that need no ordering with
//!   the gateway (create an invite, page older history).
//!
//! Every state change goes out on one broadcast of [`Event`]s; the
//! connection state is also a `watch` ([`Client::connection`]).
//!
//! # Sending
//!
//! [`Client::send`] writes the message to the outbox and returns it pending
//! before anything touches the network; the sync task delivers it when
//! online (after any backfill), paced below the server's rate limit, and
//! keeps delivering after drops and restarts until the server acknowledges
//! it. The server stores a client id once, so repeats are harmless.

mod marks;
use marks::MemberChange;
mod schedule;
pub(crate) mod sync;
mod uploads;

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use pq_protocol::{
    AttachmentId, ChannelId, ClientMessageId, EventId, InviteCode, MessageId, RoleId, ServerId, Timestamp, UserId,
    gateway::ClientFrame,
    limits::char_count,
    models::{
        AuditPage, Ban, Channel, ChannelAccess, ChannelLayout, ChannelPlacement, CreateInvite, CreateRole,
        CustomStatus, DmChannel, EventSpec, Invite, InvitePreview, InviteSent, Me, Member, Message, OpenDm,
        PendingInvite, Presence, Profile, PurgeWindow, Relationship, RelationshipChoice, RelationshipKind,
        ScheduledEvent, Server, ServerRole, ServerState, StatusChoice, Toast, UpdateChannel, UpdateProfile, UpdateRole,
        UpdateServer, User,
    },
    voice::VoiceState,
};
use sha2::{Digest, Sha256};
use tokio::sync::{broadcast, mpsc, watch};
use url::Url;

use crate::{
    api::{Api, HistoryQuery},
    auth::{Account, AuthManager, AuthOptions, KeychainBackend, TokenStore},
    error::{Error, Result},
    files::{DEFAULT_CACHE_BUDGET, Files, StagedFile},
    store::{CachedChannel, CachedDm, CachedServer, NotifyLevel, OutboxEntry, SearchHit, Store},
};

/// How a [`Client`] is set up.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The pq server, e.g. `http://127.0.0.1:8080`.
    pub server: Url,
    /// Where the per-account caches live (one SQLite file per account).
    pub data_dir: PathBuf,
    /// Which keychain holds the tokens.
    pub keychain: KeychainBackend,
    /// A token store to use instead of opening `keychain` (tests share one
    /// mock store between restarts of a client).
    pub tokens: Option<TokenStore>,
    /// Sign-in options (browser, loopback port, deep link). Default: from `server`.
    pub auth: Option<AuthOptions>,
    /// The least and most time between reconnection attempts (exponential
    /// backoff with full jitter between them).
    pub backoff: (Duration, Duration),
}

impl ClientConfig {
    /// Defaults for `server`, caching under `data_dir`, tokens in the
    /// platform keychain.
    #[must_use]
    pub fn new(server: Url, data_dir: impl Into<PathBuf>) -> Self {
        Self {
            server,
            data_dir: data_dir.into(),
            keychain: KeychainBackend::Platform,
            tokens: None,
            auth: None,
            backoff: (Duration::from_millis(500), Duration::from_secs(30)),
        }
    }
}

/// Where the connection to the server stands.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConnectionState {
    /// Nobody is signed in.
    SignedOut,
    /// Opening the connection.
    Connecting,
    /// Catching up on what happened while away (`done` of `total` channels).
    Syncing {
        /// Channels caught up.
        done: u32,
        /// Channels to catch up.
        total: u32,
    },
    /// Connected and up to date.
    Online,
    /// The connection dropped; the next attempt is in `retry_in_ms`.
    Reconnecting {
        /// Milliseconds until the next attempt.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        retry_in_ms: u64,
        /// What went wrong.
        reason: String,
    },
    /// The session ended (refresh token expired or revoked): sign in again.
    SessionExpired,
}

/// Something that changed. Consumers redraw from it; after a lagged
/// receive they re-read state (servers, channels, timeline) instead.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "EngineEvent"))]
#[non_exhaustive]
pub enum Event {
    /// The connection state changed.
    Connection {
        /// The new state.
        state: ConnectionState,
    },
    /// Servers were added, removed or changed: re-read [`Client::servers`].
    ServersChanged,
    /// A server's scheduled events changed: re-read [`Client::events`].
    ScheduleChanged,
    /// An event I am interested in starts soon (`minutes` before it), or
    /// has started (`minutes` 0; also when the app opens during it).
    EventReminder {
        /// The event.
        event: ScheduledEvent,
        /// When this occurrence starts.
        starts_at: Timestamp,
        /// Minutes until it starts (0: it has started).
        minutes: u32,
    },
    /// Invites waiting for my answer came or went: re-read
    /// [`Client::pending_invites`].
    InvitesChanged,
    /// Someone invited me to a server (show it; it waits in
    /// [`Client::pending_invites`] until I answer).
    InviteReceived {
        /// The invite.
        invite: PendingInvite,
    },
    /// Direct-message channels were opened, changed, left, or one had a new
    /// message (the list's order): re-read [`Client::dms`].
    DmsChanged,
    /// Someone joined or left the call of a direct-message channel: re-read
    /// [`Client::dm_call`].
    DmCallChanged {
        /// The channel.
        channel_id: ChannelId,
    },
    /// Someone else started a call in a direct-message channel I am in (and
    /// I am not in it): ring, until I join or decline, or it ends.
    Ringing {
        /// The channel.
        channel_id: ChannelId,
        /// Who is calling.
        caller: UserId,
    },
    /// Someone declined the call of a direct-message channel (me, on another
    /// device: stop ringing).
    CallDeclined {
        /// The channel.
        channel_id: ChannelId,
        /// Who.
        user_id: UserId,
    },
    /// Channels of a server changed: re-read [`Client::channels`].
    ChannelsChanged {
        /// The server.
        server_id: ServerId,
    },
    /// Members of a server changed: re-read [`Client::members`].
    MembersChanged {
        /// The server.
        server_id: ServerId,
    },
    /// A message is new or changed (edit, reaction, "unread by").
    Message {
        /// The message as cached now.
        message: Message,
        /// Whether it just arrived live (for notifications), as opposed to
        /// an update or a backfilled one.
        live: bool,
        /// Whether it mentions me (`@my name`, `@everyone`, `@here`; not my
        /// own, not deleted): draw it highlighted.
        mentions_me: bool,
    },
    /// A message was deleted.
    MessageDeleted {
        /// Channel.
        channel_id: ChannelId,
        /// Message.
        message_id: MessageId,
    },
    /// Many messages of a channel changed (a backfill page, "unread by"
    /// counts): re-read its timeline.
    TimelineChanged {
        /// Channel.
        channel_id: ChannelId,
    },
    /// An outbox entry was added or changed (pending, failed).
    Outbox {
        /// The entry.
        entry: OutboxEntry,
    },
    /// An upload of an unsent message's file went on (at most every
    /// 100 ms, and at its end).
    UploadProgress {
        /// The message.
        client_id: ClientMessageId,
        /// Its channel.
        channel_id: ChannelId,
        /// Which of its files (from 0).
        file: u32,
        /// Bytes sent so far.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        sent: u64,
        /// Bytes in all.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        total: u64,
    },
    /// An outbox entry left the outbox: acknowledged (its message follows as
    /// [`Event::Message`] with the same client id) or discarded.
    OutboxRemoved {
        /// Which.
        client_id: ClientMessageId,
        /// Channel.
        channel_id: ChannelId,
    },
    /// My read state of a channel changed.
    ReadState {
        /// Channel.
        channel_id: ChannelId,
        /// Highest `seq` read.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        last_read_seq: u64,
        /// Unread messages.
        unread_count: u32,
    },
    /// Someone is typing.
    Typing {
        /// Channel.
        channel_id: ChannelId,
        /// Who.
        user_id: UserId,
    },
    /// Someone's presence changed.
    Presence {
        /// Who.
        user_id: UserId,
        /// Now.
        presence: Presence,
    },
    /// Someone's profile changed.
    UserUpdated {
        /// The new profile.
        user: User,
    },
    /// Someone joined a server I am in (not me).
    MemberJoined {
        /// The server.
        server_id: ServerId,
        /// Who.
        user: User,
    },
    /// Someone became my friend, asked me or was asked by me, or was
    /// blocked by me (`live`: it just happened, as opposed to a `ready`
    /// bringing the list up to date — notify of a live incoming request).
    RelationshipChanged {
        /// Where they stand with me now.
        relationship: Relationship,
        /// Whether it just happened.
        live: bool,
    },
    /// A friendship, request or block ended.
    RelationshipRemoved {
        /// Who.
        user_id: UserId,
    },
    /// I chose another status (here or on another device).
    StatusChanged {
        /// The status now.
        status: StatusChoice,
    },
    /// The server's plans (their prices and limits) were read again: limits
    /// shown from them may have changed.
    PlansChanged,
    /// My plan changed (a payment, or an administrator): new limits apply.
    PlanChanged {
        /// The plan now.
        plan: pq_protocol::limits::Plan,
    },
    /// A paid event was created, opened, closed, drawn, or its pot changed.
    PaidEventChanged {
        /// The event now.
        event: pq_protocol::models::PaidEvent,
    },
    /// My membership changed: a payment went through or failed, a refund,
    /// a renewal, its end.
    MembershipChanged {
        /// The membership now.
        membership: pq_protocol::models::Membership,
    },
    /// Someone joined, left or changed their state in a voice room of a
    /// server: re-read [`Client::voice_states`].
    VoiceChanged {
        /// The server.
        server_id: ServerId,
    },
    /// An administrator's toast.
    Toast {
        /// The toast.
        toast: Toast,
    },
    /// Something went wrong in the background (shown as a notice).
    Error {
        /// What, in words.
        message: String,
    },
}

/// A channel's messages as the UI draws them: what the server has stored,
/// oldest first, then what is still in the outbox.
#[derive(Clone, Debug, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Timeline {
    /// Stored messages, ascending `seq`.
    pub messages: Vec<Message>,
    /// Those of them that mention me (draw them highlighted).
    pub mentions: Vec<MessageId>,
    /// Not yet acknowledged (pending or failed), in the order written.
    pub pending: Vec<OutboxEntry>,
    /// Whether older messages exist (cached or on the server).
    pub has_older: bool,
}

/// Whether `message` mentions `me`: someone else's, not deleted, and
/// pinging everyone or naming me ([`crate::store::mentions`]).
fn mentions_me(message: &Message, me: &Me) -> bool {
    message.author_id != me.id
        && !message.deleted
        && (message.mentions_everyone || crate::store::mentions(&message.body, &me.display_name))
}

/// How often [`Client::members`] refreshes a server's member list from the
/// server (gateway events keep it current in between).
const MEMBERS_REFRESH: std::time::Duration = std::time::Duration::from_secs(60);

/// Commands to the sync task.
#[derive(Debug)]
pub(crate) enum Command {
    /// Someone signed in: open the connection.
    SignedIn,
    /// Signed out: close the connection.
    SignedOut,
    /// The outbox has something new: deliver it when possible.
    Flush,
    /// An older outbox entry changed (retried): read the outbox again.
    Reload,
    /// Catch up a channel the UI opened.
    Fill(ChannelId),
    /// Say I am typing.
    Typing(ChannelId),
    /// This device became idle or active.
    Idle(bool),
    /// Try to connect now (skip the backoff wait).
    ReconnectNow,
    /// Send a voice frame (dropped while offline: the call joins again
    /// once connected).
    Voice(ClientFrame),
    /// Stop.
    Shutdown,
}

/// What the handle and the sync task share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: ClientConfig,
    pub(crate) auth: AuthManager,
    pub(crate) api: Api,
    /// The signed-in account's cache (`None` while signed out): the
    /// connection that writes (the engine's actor, sends, the outbox).
    pub(crate) store: Mutex<Option<Store>>,
    /// A second connection to the same cache for what the UI reads (WAL:
    /// readers never wait for the writer, so a channel opens at once while
    /// the engine caches and indexes).
    pub(crate) reader: Mutex<Option<Store>>,
    pub(crate) me: Mutex<Option<Me>>,
    /// The status I chose (as of the last `ready` and the events since).
    pub(crate) status: Mutex<StatusChoice>,
    /// My friends, requests and blocks, newest first (kept in `meta` for
    /// the next start; read here, so a message's notification check costs
    /// no query).
    pub(crate) relationships: Mutex<Vec<Relationship>>,
    /// Invites sent to me in the app, waiting for my answer (as of the last
    /// `ready` and the events since; not kept offline: they are answered
    /// online).
    pub(crate) invites: Mutex<Vec<PendingInvite>>,
    /// Servers' scheduled events and the reminders given (kept in `meta`).
    pub(crate) schedule: Mutex<schedule::Schedule>,
    pub(crate) presence: Mutex<HashMap<UserId, Presence>>,
    /// Who is in the voice rooms of each server (as of the last `ready`
    /// and the events since).
    pub(crate) voice: Mutex<HashMap<ServerId, Vec<VoiceState>>>,
    /// Who is in the call of each direct-message channel with one going on.
    pub(crate) dm_calls: Mutex<HashMap<ChannelId, Vec<VoiceState>>>,
    /// When each server's member list was last fetched (see [`Client::members`]).
    pub(crate) members_fetched: Mutex<HashMap<ServerId, std::time::Instant>>,
    /// When the gateway last changed each person and member: a member list
    /// fetched meanwhile keeps what it said (see [`marks`]). Taken
    /// before `store` and `presence` when held together.
    pub(crate) marks: Mutex<marks::Marks>,
    /// Servers joined over REST in the last minute (see `apply_ready`).
    pub(crate) joined_recently: Mutex<HashMap<ServerId, std::time::Instant>>,
    /// The active call, for voice frames from the gateway.
    pub(crate) calls: Arc<crate::voice::call::VoiceHub>,
    pub(crate) events: broadcast::Sender<Event>,
    pub(crate) connection: watch::Sender<ConnectionState>,
    /// The signed-in account's files (staged, outbox, cache).
    pub(crate) files: Mutex<Option<Arc<Files>>>,
    /// The uploader of outbox files.
    pub(crate) uploads: Arc<uploads::Uploads>,
    /// The server's plans as last asked (kept in `meta` for the next
    /// start; read here, so a send's length check costs no query).
    pub(crate) plans: Mutex<Option<Vec<pq_protocol::models::PlanInfo>>>,
}

impl Shared {
    /// The cache, or [`Error::NotSignedIn`].
    pub(crate) fn store(&self) -> Result<StoreGuard<'_>> {
        let guard = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        if guard.is_none() {
            return Err(Error::NotSignedIn);
        }
        Ok(StoreGuard(guard))
    }

    /// The cache's read connection, or [`Error::NotSignedIn`].
    pub(crate) fn reader(&self) -> Result<StoreGuard<'_>> {
        let guard = self.reader.lock().unwrap_or_else(PoisonError::into_inner);
        if guard.is_none() {
            return Err(Error::NotSignedIn);
        }
        Ok(StoreGuard(guard))
    }

    /// The signed-in account's files directory.
    pub(crate) fn files(&self) -> Option<Arc<Files>> {
        self.files.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The server's plans, as just asked: kept (memory and `meta`), and
    /// announced when they differ from what was known.
    pub(crate) fn remember_plans(&self, plans: Vec<pq_protocol::models::PlanInfo>) {
        let mut known = self.plans.lock().unwrap_or_else(PoisonError::into_inner);
        if known.as_ref() == Some(&plans) {
            return;
        }
        if let Ok(store) = self.store() {
            let _ = store.set_meta("plans", &plans);
        }
        *known = Some(plans);
        drop(known);
        self.emit(Event::PlansChanged);
    }

    /// How many bytes of attachments to keep for offline viewing.
    pub(crate) fn file_budget(&self) -> u64 {
        self.reader().ok().and_then(|r| r.meta::<u64>("file_budget").ok().flatten()).unwrap_or(DEFAULT_CACHE_BUDGET)
    }

    pub(crate) fn emit(&self, event: Event) {
        // No receivers is fine.
        let _ = self.events.send(event);
    }

    pub(crate) fn set_connection(&self, state: ConnectionState) {
        if *self.connection.borrow() != state {
            self.connection.send_replace(state.clone());
            self.emit(Event::Connection { state });
        }
    }

    pub(crate) fn me(&self) -> Option<Me> {
        self.me.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Someone's profile as it is now (from the gateway, or my own from a
    /// REST answer): cached, my account follows when it is mine, and the UI
    /// hears of it.
    pub(crate) fn remember_user(&self, user: User) -> Result<()> {
        self.remember_user_answered(user, None)
    }

    /// [`Self::remember_user`], for an answer to a question asked at mark
    /// `asked` (see [`marks`]): left out when the gateway changed the person
    /// since (its word is newer).
    pub(crate) fn remember_user_answered(&self, user: User, asked: Option<u64>) -> Result<()> {
        // Held until written: a gateway change waits and lands after.
        let mut marks = self.marks.lock().unwrap_or_else(PoisonError::into_inner);
        if asked.is_some_and(|asked| marks.user_since(user.id, asked)) {
            return Ok(());
        }
        marks.user(user.id);
        let mine = {
            let mut me = self.me.lock().unwrap_or_else(PoisonError::into_inner);
            me.as_mut().filter(|m| m.id == user.id).map(|m| {
                m.display_name.clone_from(&user.display_name);
                m.avatar_url.clone_from(&user.avatar_url);
                m.custom_status.clone_from(&user.custom_status);
                m.clone()
            })
        };
        {
            let mut store = self.store()?;
            if let Some(m) = mine {
                store.set_meta("me", &m)?;
            }
            store.upsert_users(std::slice::from_ref(&user))?;
        }
        drop(marks);
        self.emit(Event::UserUpdated { user });
        Ok(())
    }

    /// A server I am no longer in (left, removed, banned, deleted): its
    /// cache, its voice rooms and its "joined recently" mark go.
    pub(crate) fn forget_server(&self, server: ServerId) -> Result<()> {
        self.store()?.remove_server(server)?;
        self.voice.lock().unwrap_or_else(PoisonError::into_inner).remove(&server);
        self.schedule.lock().unwrap_or_else(PoisonError::into_inner).events.remove(&server);
        self.joined_recently.lock().unwrap_or_else(PoisonError::into_inner).remove(&server);
        self.emit(Event::ServersChanged);
        Ok(())
    }

    /// My account as the server now has it (my own answer, or a change
    /// made on another device): kept, cached, and announced as a profile
    /// change.
    pub(crate) fn remember_me(&self, me: &Me) -> Result<()> {
        *self.me.lock().unwrap_or_else(PoisonError::into_inner) = Some(me.clone());
        self.store()?.set_meta("me", me)?;
        self.remember_user(me.user())
    }

    /// My friends, requests and blocks as last known (newest first).
    /// Forgets an invite that was answered.
    pub(crate) fn forget_invite(&self, code: &InviteCode) {
        let mut list = self.invites.lock().unwrap_or_else(PoisonError::into_inner);
        let before = list.len();
        list.retain(|i| &i.preview.code != code);
        if list.len() != before {
            drop(list);
            self.emit(Event::InvitesChanged);
        }
    }

    pub(crate) fn relationships(&self) -> Vec<Relationship> {
        self.relationships.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Where `user` stands with me, as last known.
    pub(crate) fn relationship(&self, user: UserId) -> Option<RelationshipKind> {
        let list = self.relationships.lock().unwrap_or_else(PoisonError::into_inner);
        list.iter().find(|r| r.user.id == user).map(|r| r.kind)
    }

    /// Changes the list under its lock, keeps it for the next start, and
    /// returns what `change` returns (the list lock is held while it is
    /// written, so the engine's events and my own answers cannot lose each
    /// other's changes).
    fn change_relationships<T>(&self, change: impl FnOnce(&mut Vec<Relationship>) -> T) -> Result<T> {
        let mut list = self.relationships.lock().unwrap_or_else(PoisonError::into_inner);
        let out = change(&mut list);
        self.store()?.set_meta("relationships", &*list)?;
        Ok(out)
    }

    /// Keeps the whole list (from `ready`): people cached, the UI told of
    /// what changed.
    pub(crate) fn set_relationships(&self, list: &[Relationship]) -> Result<()> {
        let before = self.change_relationships(|l| std::mem::replace(l, list.to_vec()))?;
        let users: Vec<User> = list.iter().map(|r| r.user.clone()).collect();
        self.store()?.upsert_users(&users)?;
        for r in &before {
            if !list.iter().any(|n| n.user.id == r.user.id) {
                self.emit(Event::RelationshipRemoved { user_id: r.user.id });
            }
        }
        for r in list {
            if !before.iter().any(|b| b.user.id == r.user.id && b.kind == r.kind) {
                self.emit(Event::RelationshipChanged { relationship: r.clone(), live: false });
            }
        }
        Ok(())
    }

    /// One relationship changed (an event, or the answer to my own change).
    /// An answer that only repeats what is known is not announced again.
    pub(crate) fn remember_relationship(&self, r: Relationship, live: bool) -> Result<()> {
        let new = self.change_relationships(|list| {
            if list.iter().any(|x| x.user.id == r.user.id && x.kind == r.kind) {
                return false;
            }
            list.retain(|x| x.user.id != r.user.id);
            list.insert(0, r.clone());
            true
        })?;
        if new {
            self.store()?.upsert_users(std::slice::from_ref(&r.user))?;
            self.emit(Event::RelationshipChanged { relationship: r, live });
        }
        Ok(())
    }

    /// A relationship ended.
    pub(crate) fn forget_relationship(&self, user: UserId) -> Result<()> {
        let removed = self.change_relationships(|list| {
            let before = list.len();
            list.retain(|x| x.user.id != user);
            list.len() != before
        })?;
        if removed {
            self.emit(Event::RelationshipRemoved { user_id: user });
        }
        Ok(())
    }

    /// The status I chose, kept and announced.
    pub(crate) fn set_status(&self, status: StatusChoice) {
        let changed = {
            let mut s = self.status.lock().unwrap_or_else(PoisonError::into_inner);
            std::mem::replace(&mut *s, status) != status
        };
        if let Ok(store) = self.store() {
            let _ = store.set_meta("status", &status);
        }
        if changed {
            self.emit(Event::StatusChanged { status });
        }
    }

    /// [`Event::Message`] for `message`, saying whether it mentions me.
    pub(crate) fn message_event(&self, message: Message, live: bool) -> Event {
        let mentions_me = self.me().is_some_and(|me| mentions_me(&message, &me));
        Event::Message { message, live, mentions_me }
    }
}

/// A locked, present cache.
pub(crate) struct StoreGuard<'a>(MutexGuard<'a, Option<Store>>);

impl std::ops::Deref for StoreGuard<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        self.0.as_ref().expect("checked when locked")
    }
}

impl std::ops::DerefMut for StoreGuard<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        self.0.as_mut().expect("checked when locked")
    }
}

/// The cache file of an account: one per (server, issuer, subject).
#[must_use]
pub fn cache_path(data_dir: &Path, server: &Url, account: &Account) -> PathBuf {
    let mut h = Sha256::new();
    h.update(server.as_str().trim_end_matches('/'));
    h.update([0]);
    h.update(&account.issuer);
    h.update([0]);
    h.update(&account.sub);
    let digest = h.finalize();
    data_dir.join("accounts").join(format!("{}.sqlite3", hex(&digest[..12])))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The engine handle. Cheap to clone; the engine stops when
/// [`Client::shutdown`] is called or every handle is dropped.
#[derive(Clone, Debug)]
pub struct Client {
    shared: Arc<Shared>,
    commands: mpsc::Sender<Command>,
}

impl Client {
    /// Starts the engine: loads the saved session from the keychain and, if
    /// there is one, opens that account's cache (everything cached can be
    /// read at once, with no network) and starts connecting in the
    /// background. Never waits on the network.
    ///
    /// # Errors
    /// [`Error::Cache`] when the account's cache is damaged or too new (offer
    /// [`Client::rebuild_cache`]); [`Error::Auth`] when the keychain cannot be
    /// read.
    pub async fn start(config: ClientConfig) -> Result<Self> {
        let tokens = open_tokens(&config).await?;
        let options = config.auth.clone().unwrap_or_else(|| AuthOptions::new(config.server.clone()));
        let auth = AuthManager::open(options, tokens).await?;
        let api = Api::with_client(auth.clone(), auth.http().clone());
        let (events, _) = broadcast::channel(4096);
        // Signed in from an earlier run: connecting from the first moment, so
        // nobody (`pq servers --wait`, the UI) mistakes the start for signed out.
        let initial = if auth.account().is_some() { ConnectionState::Connecting } else { ConnectionState::SignedOut };
        let (connection, _) = watch::channel(initial);
        let shared = Arc::new(Shared {
            config,
            auth,
            api,
            store: Mutex::new(None),
            reader: Mutex::new(None),
            me: Mutex::new(None),
            status: Mutex::new(StatusChoice::Auto),
            relationships: Mutex::new(Vec::new()),
            invites: Mutex::new(Vec::new()),
            schedule: Mutex::new(schedule::Schedule::default()),
            presence: Mutex::new(HashMap::new()),
            voice: Mutex::new(HashMap::new()),
            dm_calls: Mutex::new(HashMap::new()),
            members_fetched: Mutex::new(HashMap::new()),
            marks: Mutex::default(),
            calls: Arc::default(),
            joined_recently: Mutex::new(HashMap::new()),
            events,
            connection,
            files: Mutex::new(None),
            uploads: Arc::default(),
            plans: Mutex::new(None),
        });
        let signed_in = match shared.auth.account() {
            Some(account) => {
                open_cache(&shared, &account)?;
                true
            }
            None => false,
        };
        let (commands, rx) = mpsc::channel(256);
        // The engine's actor on a thread of its own: caching, counting and
        // indexing what arrives is blocking SQLite work, and must never hold
        // up the app's async workers (UI commands, the call engine's ticks).
        let actor = shared.clone();
        std::thread::Builder::new()
            .name("pq-engine".into())
            .spawn(move || match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt.block_on(sync::run(actor, rx)),
                Err(e) => tracing::error!(error = %e, "the engine cannot start its runtime"),
            })
            .map_err(|e| Error::Invalid(format!("cannot start the engine's thread: {e}")))?;
        schedule::spawn_ticker(Arc::downgrade(&shared));
        uploads::spawn(Arc::downgrade(&shared), commands.clone());
        let client = Self { shared, commands };
        if signed_in {
            client.command(Command::SignedIn).await;
        }
        Ok(client)
    }

    /// Moves a damaged (or too new) cache aside, creates a fresh one keeping
    /// whatever unsent messages can still be read, then starts as
    /// [`Client::start`]. Everything else comes back from the server.
    ///
    /// # Errors
    /// As [`Client::start`].
    pub async fn rebuild_cache(config: ClientConfig) -> Result<Self> {
        let tokens = open_tokens(&config).await?;
        let options = config.auth.clone().unwrap_or_else(|| AuthOptions::new(config.server.clone()));
        let auth = AuthManager::open(options, tokens).await?;
        if let Some(account) = auth.account() {
            let path = cache_path(&config.data_dir, &config.server, &account);
            if path.exists() {
                Store::rebuild(&path)?;
            }
        }
        Self::start(config).await
    }

    async fn command(&self, c: Command) {
        let _ = self.commands.send(c).await;
    }

    /// Every state change from now on.
    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.shared.events.subscribe()
    }

    /// The connection state, now and as it changes.
    #[must_use]
    pub fn connection(&self) -> watch::Receiver<ConnectionState> {
        self.shared.connection.subscribe()
    }

    /// The sign-in machinery (for the desktop's deep link:
    /// `auth().complete_with_callback(url)`).
    #[must_use]
    pub fn auth(&self) -> &AuthManager {
        &self.shared.auth
    }

    /// The REST client (requests outside the engine's model).
    #[must_use]
    pub fn api(&self) -> &Api {
        &self.shared.api
    }

    /// Signs in through the browser (loopback redirect), opens the account's
    /// cache and connects.
    ///
    /// # Errors
    /// [`Error::Auth`] (cancelled, timed out, refused, offline), [`Error::Cache`].
    pub async fn sign_in(&self) -> Result<Me> {
        let account = self.shared.auth.sign_in().await?;
        self.signed_in(&account).await
    }

    /// Signs in through the browser with the desktop app's deep link
    /// (`pq://auth/callback`, delivered by the shell to
    /// `auth().complete_with_callback`).
    ///
    /// # Errors
    /// As [`Client::sign_in`].
    pub async fn sign_in_with_deep_link(&self, identity_provider: Option<&str>) -> Result<Me> {
        let account = self.shared.auth.sign_in_with_deep_link(identity_provider).await?;
        self.signed_in(&account).await
    }

    async fn signed_in(&self, account: &Account) -> Result<Me> {
        open_cache(&self.shared, account)?;
        let me = self.shared.api.me().await?;
        self.shared.store()?.set_meta("me", &me)?;
        *self.shared.me.lock().unwrap_or_else(PoisonError::into_inner) = Some(me.clone());
        self.command(Command::SignedIn).await;
        Ok(me)
    }

    /// Signs out: closes the connection, revokes and forgets the tokens. The
    /// cache stays on disk (and its unsent messages with it) for the next
    /// sign-in of the same account.
    ///
    /// # Errors
    /// [`Error::Auth`] when the keychain entry cannot be removed.
    pub async fn sign_out(&self) -> Result<()> {
        self.command(Command::SignedOut).await;
        self.shared.auth.sign_out().await?;
        *self.shared.store.lock().unwrap_or_else(PoisonError::into_inner) = None;
        *self.shared.reader.lock().unwrap_or_else(PoisonError::into_inner) = None;
        *self.shared.files.lock().unwrap_or_else(PoisonError::into_inner) = None;
        *self.shared.me.lock().unwrap_or_else(PoisonError::into_inner) = None;
        self.shared.relationships.lock().unwrap_or_else(PoisonError::into_inner).clear();
        self.shared.invites.lock().unwrap_or_else(PoisonError::into_inner).clear();
        *self.shared.schedule.lock().unwrap_or_else(PoisonError::into_inner) = schedule::Schedule::default();
        self.shared.set_connection(ConnectionState::SignedOut);
        Ok(())
    }

    /// Stops the engine (closes the connection politely).
    pub async fn shutdown(&self) {
        self.command(Command::Shutdown).await;
    }

    /// Try to connect now instead of waiting for the next backoff attempt.
    pub async fn reconnect_now(&self) {
        self.command(Command::ReconnectNow).await;
    }

    /// Which of `messages` mention me (draw them highlighted): someone
    /// else's, not deleted, naming me or everyone ([`crate::store::mentions`]).
    fn mentioning(&self, messages: &[Message]) -> Vec<MessageId> {
        self.me().map_or_else(Vec::new, |me| messages.iter().filter(|m| mentions_me(m, &me)).map(|m| m.id).collect())
    }

    /// The signed-in account, as last known (works offline).
    #[must_use]
    pub fn me(&self) -> Option<Me> {
        self.shared.me()
    }

    /// Servers, from the cache.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::Store`].
    pub fn servers(&self) -> Result<Vec<CachedServer>> {
        Ok(self.shared.reader()?.servers()?)
    }

    /// Channels of a server with read state, from the cache.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::Store`].
    pub fn channels(&self, server: ServerId) -> Result<Vec<CachedChannel>> {
        let me = self.me();
        let store = self.shared.reader()?;
        let mut channels = store.channels(server)?;
        if let Some(me) = me {
            for c in channels.iter_mut().filter(|c| c.unread_count > 0) {
                c.mention_count = store.mention_count(c.channel.id, c.last_read_seq, me.id, &me.display_name)?;
            }
        }
        Ok(channels)
    }

    /// My direct-message channels with read state, most recently active
    /// first, from the cache.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::Store`].
    pub fn dms(&self) -> Result<Vec<CachedDm>> {
        let me = self.me();
        let store = self.shared.reader()?;
        let mut dms = store.dms()?;
        if let Some(me) = me {
            for d in dms.iter_mut().filter(|d| d.unread_count > 0) {
                d.mention_count = store.mention_count(d.channel.id, d.last_read_seq, me.id, &me.display_name)?;
            }
        }
        Ok(dms)
    }

    /// One direct-message channel, from the cache.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::Store`].
    pub fn dm(&self, id: ChannelId) -> Result<Option<CachedDm>> {
        Ok(self.shared.reader()?.dm(id)?)
    }

    /// The direct channel I have with someone, if cached.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::Store`].
    pub fn dm_with(&self, user: UserId) -> Result<Option<ChannelId>> {
        Ok(self.shared.reader()?.dm_with(user)?)
    }

    /// Opens my direct channel with one person (the one I have, if any), or
    /// starts a group with several (up to 9 others) and an optional name.
    ///
    /// # Errors
    /// [`Error::Api`]: 403 (they blocked me, strangers, friends only), 409
    /// (I blocked them), 404, 422; offline.
    pub async fn open_dm(&self, recipients: Vec<UserId>, name: Option<String>) -> Result<CachedDm> {
        let dm = self.shared.api.open_dm(&OpenDm { recipients, name }).await?;
        self.remember_dm(&dm)
    }

    /// Renames a group (an empty name removes it).
    ///
    /// # Errors
    /// [`Error::Api`] (409 for a direct channel; offline).
    pub async fn rename_dm(&self, channel: ChannelId, name: &str) -> Result<CachedDm> {
        let dm = self.shared.api.rename_dm(channel, name).await?;
        self.remember_dm(&dm)
    }

    /// Adds someone to a group.
    ///
    /// # Errors
    /// [`Error::Api`] (403/409 for someone I may not write to; full; offline).
    pub async fn add_to_dm(&self, channel: ChannelId, user: UserId) -> Result<CachedDm> {
        let dm = self.shared.api.add_dm_member(channel, user).await?;
        self.remember_dm(&dm)
    }

    /// Leaves a group (`user` = me: it leaves this device's cache too), or
    /// removes someone from it (its owner).
    ///
    /// # Errors
    /// [`Error::Api`] (403 not the owner; 409 a direct channel; offline).
    pub async fn remove_from_dm(&self, channel: ChannelId, user: UserId) -> Result<()> {
        self.shared.api.remove_dm_member(channel, user).await?;
        if self.me().is_some_and(|me| me.id == user) {
            self.shared.store()?.remove_channel(channel)?;
            self.shared.emit(Event::DmsChanged);
        }
        Ok(())
    }

    fn remember_dm(&self, dm: &DmChannel) -> Result<CachedDm> {
        let mut store = self.shared.store()?;
        store.apply_dm(dm, None)?;
        let cached = store.dm(dm.id)?.ok_or_else(|| Error::Invalid("no such channel".into()))?;
        drop(store);
        self.shared.emit(Event::DmsChanged);
        Ok(cached)
    }

    /// One channel of a server with its read state, from the cache.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::Store`].
    pub fn channel(&self, id: ChannelId) -> Result<Option<CachedChannel>> {
        Ok(self.shared.reader()?.channel(id)?)
    }

    /// Unread messages in every channel not muted (the tray's total).
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::Store`].
    pub fn unread_total(&self) -> Result<u32> {
        Ok(self.shared.reader()?.unread_total()?)
    }

    /// Joins a voice room: returns once seated, with the call connecting to
    /// everyone in the room. Joining another room (or from another device)
    /// ends the call that was there.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`]; [`Error::Voice`] when the server refuses (the
    /// room is full, not a voice channel) or cannot be reached.
    pub async fn join_voice(
        &self,
        channel: ChannelId,
        options: crate::voice::JoinOptions,
    ) -> Result<crate::voice::Call> {
        let me = self.me().ok_or(Error::NotSignedIn)?;
        crate::voice::call::join(&self.shared.calls, self.commands.clone(), me.id, channel, options)
            .await
            .map_err(Error::Voice)
    }

    /// Who is in the voice rooms of a server, by room and time of joining
    /// (known while connected; empty offline).
    #[must_use]
    pub fn voice_states(&self, server: ServerId) -> Vec<VoiceState> {
        let voice = self.shared.voice.lock().unwrap_or_else(PoisonError::into_inner);
        voice.get(&server).cloned().unwrap_or_default()
    }

    /// Who is in the call of a direct-message channel (empty: none going on;
    /// known while connected).
    #[must_use]
    pub fn dm_call(&self, channel: ChannelId) -> Vec<VoiceState> {
        let calls = self.shared.dm_calls.lock().unwrap_or_else(PoisonError::into_inner);
        calls.get(&channel).cloned().unwrap_or_default()
    }

    /// Declines the call ringing in a direct-message channel: my other
    /// devices stop ringing and the others see it. (Joining is
    /// [`Client::join_voice`] with the channel's id.)
    ///
    /// # Errors
    /// [`Error::Api`] (404 not in it; offline).
    pub async fn decline_call(&self, channel: ChannelId) -> Result<()> {
        Ok(self.shared.api.decline_call(channel).await?)
    }

    /// Members of a server with their presence: the cached list at once; a
    /// fresh one is fetched in the background when online
    /// ([`Event::MembersChanged`] follows).
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::Store`].
    pub fn members(&self, server: ServerId) -> Result<Vec<Member>> {
        let mut members = self.shared.reader()?.members(server)?;
        let presence = self.shared.presence.lock().unwrap_or_else(PoisonError::into_inner);
        for m in &mut members {
            m.presence = presence.get(&m.user.id).copied().unwrap_or(Presence::Offline);
        }
        drop(presence);
        // Refresh from the server now and then (gateway events keep the list
        // current in between); tell the UI only when something changed, or
        // a UI that re-reads on `MembersChanged` would ask again forever.
        let due = {
            let mut fetched = self.shared.members_fetched.lock().unwrap_or_else(PoisonError::into_inner);
            let due = fetched.get(&server).is_none_or(|t| t.elapsed() >= MEMBERS_REFRESH);
            if due {
                fetched.insert(server, std::time::Instant::now());
            }
            due
        };
        if due {
            let shared = self.shared.clone();
            let mut before = members.clone();
            tokio::spawn(async move {
                let asked = shared.marks.lock().unwrap_or_else(PoisonError::into_inner).now();
                let Ok(mut fresh) = shared.api.members(server).await else {
                    // Try again on the next read.
                    shared.members_fetched.lock().unwrap_or_else(PoisonError::into_inner).remove(&server);
                    return;
                };
                // Held until the answer is applied: a gateway change waits
                // and lands after it.
                let marks = shared.marks.lock().unwrap_or_else(PoisonError::into_inner);
                if marks.everything_since(asked) {
                    // Older than a `ready` or a resume: the next read asks again.
                    drop(marks);
                    shared.members_fetched.lock().unwrap_or_else(PoisonError::into_inner).remove(&server);
                    return;
                }
                let Ok(mut store) = shared.store() else { return };
                // Someone who joined, left or got other roles while the list
                // was on its way: as the gateway said. Out if they left; as
                // the cache has them if it does (a join, or roles), else as
                // the answer has them. (The cache is read only then.)
                let mut cached: HashMap<UserId, Member> = HashMap::new();
                if marks.any_member_since(server, asked) {
                    let Ok(members) = store.members(server) else { return };
                    cached = members.into_iter().map(|m| (m.user.id, m)).collect();
                }
                fresh.retain_mut(|m| match marks.member_since(server, m.user.id, asked) {
                    None => true,
                    Some(MemberChange::Out) => false,
                    Some(MemberChange::In) => {
                        if let Some(c) = cached.remove(&m.user.id) {
                            // The cache keeps no presence: the answer's stands.
                            *m = Member { presence: m.presence, ..c };
                        }
                        true
                    }
                });
                let joined: Vec<Member> = cached
                    .into_values()
                    .filter(|m| marks.member_since(server, m.user.id, asked) == Some(MemberChange::In))
                    .collect();
                let mut p = shared.presence.lock().unwrap_or_else(PoisonError::into_inner);
                for m in &mut fresh {
                    if marks.user_since(m.user.id, asked) {
                        // The gateway's word is newer than the answer's.
                        if let Ok(Some(user)) = store.user(m.user.id) {
                            m.user = user;
                        }
                        m.presence = p.get(&m.user.id).copied().unwrap_or(m.presence);
                    } else {
                        p.insert(m.user.id, m.presence);
                    }
                }
                for mut m in joined {
                    m.presence = p.get(&m.user.id).copied().unwrap_or(Presence::Offline);
                    fresh.push(m);
                }
                drop(p);
                if store.set_members(server, &fresh).is_err() {
                    return;
                }
                drop(store);
                drop(marks);
                let mut after = fresh;
                before.sort_by_key(|m| m.user.id);
                after.sort_by_key(|m| m.user.id);
                if before != after {
                    shared.emit(Event::MembersChanged { server_id: server });
                }
            });
        }
        Ok(members)
    }

    /// Changes my display name (1–64 characters, not blank, no control
    /// characters; the server trims and checks it).
    ///
    /// # Errors
    /// [`Error::Api`] (422 with the reason; offline).
    pub async fn set_display_name(&self, name: &str) -> Result<Me> {
        self.change_profile(UpdateProfile { display_name: Some(name.to_owned()), ..UpdateProfile::default() }).await
    }

    /// Changes my username (2–32 letters, digits, `_`, `.`; stored
    /// lowercase), how others find me.
    ///
    /// # Errors
    /// [`Error::Api`] (409 taken, 422 not a username; offline).
    pub async fn set_username(&self, username: &str) -> Result<Me> {
        self.change_profile(UpdateProfile { username: Some(username.to_owned()), ..UpdateProfile::default() }).await
    }

    /// Changes my "about me" (up to 190 characters, line breaks kept; empty
    /// removes it).
    ///
    /// # Errors
    /// [`Error::Api`] (422 with the reason; offline).
    pub async fn set_about(&self, about: &str) -> Result<Me> {
        self.change_profile(UpdateProfile { about: Some(about.to_owned()), ..UpdateProfile::default() }).await
    }

    /// Whether people who only share a server with me (not friends) may open
    /// direct messages with me.
    ///
    /// # Errors
    /// [`Error::Api`] (offline).
    pub async fn set_allow_server_dms(&self, allow: bool) -> Result<Me> {
        self.change_profile(UpdateProfile { allow_server_dms: Some(allow), ..UpdateProfile::default() }).await
    }

    /// Sets my custom status (up to 128 characters, until `expires_at` or
    /// until changed), or removes it (`None`).
    ///
    /// # Errors
    /// [`Error::Api`] (422 with the reason; offline).
    pub async fn set_custom_status(&self, status: Option<CustomStatus>) -> Result<Me> {
        let status = status.unwrap_or(CustomStatus { text: String::new(), expires_at: None });
        self.change_profile(UpdateProfile { custom_status: Some(status), ..UpdateProfile::default() }).await
    }

    /// Uploads my picture: PNG, JPEG, GIF or WebP bytes, at most 2 MiB
    /// (the desktop app sends a 256×256 square).
    ///
    /// # Errors
    /// [`Error::Api`] (413 too large, 415 not a picture; offline).
    pub async fn set_avatar(&self, image: Vec<u8>) -> Result<Me> {
        let me = self.shared.api.upload_avatar(image).await?;
        self.apply_me(&me)?;
        Ok(me)
    }

    /// Removes my picture.
    ///
    /// # Errors
    /// [`Error::Api`] (offline).
    pub async fn remove_avatar(&self) -> Result<Me> {
        self.change_profile(UpdateProfile { avatar_url: Some(String::new()), ..UpdateProfile::default() }).await
    }

    async fn change_profile(&self, changes: UpdateProfile) -> Result<Me> {
        let me = self.shared.api.update_profile(&changes).await?;
        self.apply_me(&me)?;
        Ok(me)
    }

    /// My account as the server now has it: kept, cached, and announced as
    /// a profile change (others hear of it through the gateway).
    fn apply_me(&self, me: &Me) -> Result<()> {
        self.shared.remember_me(me)
    }

    /// Chooses my status: online (`auto`), idle (`away`), do not disturb
    /// (no notifications) or invisible (offline to others), on every device.
    ///
    /// # Errors
    /// [`Error::Api`] (offline).
    pub async fn set_status(&self, status: StatusChoice) -> Result<()> {
        self.shared.api.set_status(status).await?;
        self.shared.set_status(status);
        Ok(())
    }

    /// The status I chose, as last known.
    #[must_use]
    pub fn status(&self) -> StatusChoice {
        *self.shared.status.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Invites sent to me in the app that wait for my answer, oldest first
    /// (as of the last connection and the events since).
    #[must_use]
    pub fn pending_invites(&self) -> Vec<PendingInvite> {
        self.shared.invites.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// A server's scheduled events, by first start (as last known; also offline).
    #[must_use]
    pub fn events(&self, server: ServerId) -> Vec<ScheduledEvent> {
        self.shared
            .schedule
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .events
            .get(&server)
            .cloned()
            .unwrap_or_default()
    }

    /// Every server's events still to come or going on, soonest first, each
    /// with the start of its next (or current) occurrence.
    #[must_use]
    pub fn upcoming_events(&self) -> Vec<(ScheduledEvent, Timestamp)> {
        let now = Timestamp::now();
        let mut list: Vec<(ScheduledEvent, Timestamp)> = self
            .shared
            .schedule
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .events
            .values()
            .flatten()
            .filter_map(|e| e.occurrence(now).map(|(start, _)| (e.clone(), start)))
            .collect();
        list.sort_by_key(|(_, start)| *start);
        list
    }

    /// Schedules an event (`manage_events`).
    ///
    /// # Errors
    /// [`Error::Api`] (403, 409, 422 with the reason; offline).
    pub async fn create_event(&self, server: ServerId, spec: EventSpec) -> Result<ScheduledEvent> {
        let event: ScheduledEvent = self.shared.api.post(&format!("api/servers/{server}/events"), &spec).await?;
        self.shared.upsert_event(event.clone())?;
        Ok(event)
    }

    /// Changes an event, whole (`manage_events`).
    ///
    /// # Errors
    /// [`Error::Api`] (403, 404, 409, 422; offline).
    pub async fn update_event(&self, id: EventId, spec: EventSpec) -> Result<ScheduledEvent> {
        let event: ScheduledEvent = self.shared.api.put(&format!("api/events/{id}"), &spec).await?;
        self.shared.upsert_event(event.clone())?;
        Ok(event)
    }

    /// Cancels an event (`manage_events`).
    ///
    /// # Errors
    /// [`Error::Api`] (403, 404; offline).
    pub async fn delete_event(&self, server: ServerId, id: EventId) -> Result<()> {
        let () = self.shared.api.delete(&format!("api/events/{id}")).await?;
        self.shared.remove_event(server, id)
    }

    /// Marks me interested in an event (reminders come), or not.
    ///
    /// # Errors
    /// [`Error::Api`] (404; offline).
    pub async fn set_event_interest(&self, id: EventId, on: bool) -> Result<ScheduledEvent> {
        let path = format!("api/events/{id}/interested");
        let event: ScheduledEvent = if on {
            self.shared.api.put(&path, &serde_json::json!({})).await?
        } else {
            self.shared.api.delete(&path).await?
        };
        self.shared.upsert_event(event.clone())?;
        Ok(event)
    }

    /// Sends an announcement everyone connected sees at once, me included
    /// (pq administrators only; 1–300 characters).
    ///
    /// # Errors
    /// [`Error::Invalid`] for an empty or too long text; [`Error::Api`]
    /// (403 not an administrator; offline).
    pub async fn send_toast(&self, text: &str) -> Result<Toast> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::Invalid("an announcement needs some text".into()));
        }
        if char_count(text) > 300 {
            return Err(Error::Invalid("announcements are limited to 300 characters".into()));
        }
        Ok(self.shared.api.send_toast(text).await?)
    }

    /// The plans this server offers (price, longest message, largest file),
    /// asked of the server and kept for offline; the kept ones when it
    /// cannot be reached.
    ///
    /// # Errors
    /// [`Error::Api`] when offline and never asked before.
    pub async fn plans(&self) -> Result<Vec<pq_protocol::models::PlanInfo>> {
        match self.shared.api.plans().await {
            Ok(plans) => {
                self.shared.remember_plans(plans.clone());
                Ok(plans)
            }
            Err(e) => self.cached_plans().ok_or_else(|| e.into()),
        }
    }

    /// The longest message `plan` allows on this server (as last asked of
    /// it; the protocol's default before that).
    #[must_use]
    pub fn message_limit(&self, plan: pq_protocol::limits::Plan) -> usize {
        self.cached_plans()
            .and_then(|ps| ps.into_iter().find(|p| p.plan == plan))
            .map_or_else(|| plan.max_message_chars(), |p| p.max_message_chars as usize)
    }

    /// The plans as last asked of the server (offline too).
    #[must_use]
    pub fn cached_plans(&self) -> Option<Vec<pq_protocol::models::PlanInfo>> {
        self.shared.plans.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Accounts newest first (only `plan`'s; older than `before`), with
    /// the count per plan (pq administrators only; asked of the server).
    ///
    /// # Errors
    /// [`Error::Api`] (403 not an administrator; offline).
    pub async fn admin_accounts(
        &self,
        plan: Option<pq_protocol::limits::Plan>,
        before: Option<UserId>,
        limit: u32,
    ) -> Result<pq_protocol::models::AdminAccounts> {
        Ok(self.shared.api.admin_accounts(plan, before, limit).await?)
    }

    /// Starts buying a month of `plan`: an order with the server's price,
    /// and the checkout page to open in the system browser (the payment
    /// comes back as [`Event::MembershipChanged`], and the browser sends
    /// `pq://payment/success` or `…/fail`).
    ///
    /// # Errors
    /// [`Error::Api`] (422 the free plan; 503 the server takes no payments;
    /// offline).
    pub async fn checkout(&self, plan: pq_protocol::limits::Plan) -> Result<pq_protocol::models::Checkout> {
        Ok(self.shared.api.checkout(plan).await?)
    }

    /// My plan, until when it runs, and my payments (asked of the server).
    ///
    /// # Errors
    /// [`Error::Api`] (offline).
    pub async fn membership(&self) -> Result<pq_protocol::models::Membership> {
        Ok(self.shared.api.membership().await?)
    }

    /// Lets my paid plan end at its period's end (`true`), or keeps it.
    ///
    /// # Errors
    /// [`Error::Api`] (409 no paid plan running; offline).
    pub async fn set_cancel_at_period_end(&self, cancel: bool) -> Result<pq_protocol::models::Membership> {
        Ok(self.shared.api.set_cancel_at_period_end(cancel).await?)
    }

    /// Gives a payment back: mine, whole, within 3 days; any part of
    /// anyone's for a pq administrator.
    ///
    /// # Errors
    /// [`Error::Invalid`] without a reason; [`Error::Api`] (403 past 3 days,
    /// 404, 409 nothing to give back, 502 Toss refused; offline).
    pub async fn refund(
        &self,
        order_id: &str,
        amount_krw: Option<u32>,
        reason: &str,
    ) -> Result<pq_protocol::models::Payment> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::Invalid("say why the payment is given back".into()));
        }
        Ok(self.shared.api.refund(order_id, amount_krw, reason).await?)
    }

    /// An order's ledger (mine, or anyone's for a pq administrator).
    ///
    /// # Errors
    /// [`Error::Api`] (404; offline).
    pub async fn payment_ledger(&self, order_id: &str) -> Result<Vec<pq_protocol::models::LedgerEntry>> {
        Ok(self.shared.api.payment_ledger(order_id).await?)
    }

    /// Payments newest first, with the totals (pq administrators only).
    ///
    /// # Errors
    /// [`Error::Api`] (403; offline).
    pub async fn admin_payments(&self, before: Option<&str>, limit: u32) -> Result<pq_protocol::models::AdminPayments> {
        Ok(self.shared.api.admin_payments(before, limit).await?)
    }

    /// The ledger compared with the payment provider's view (pq
    /// administrators only).
    ///
    /// # Errors
    /// [`Error::Api`] (403; 502 the provider unreachable; offline).
    pub async fn reconcile(&self) -> Result<pq_protocol::models::Reconciliation> {
        Ok(self.shared.api.reconcile().await?)
    }

    /// The latest paid events (asked of the server).
    ///
    /// # Errors
    /// [`Error::Api`] (offline).
    pub async fn paid_events(&self) -> Result<Vec<pq_protocol::models::PaidEvent>> {
        Ok(self.shared.api.paid_events().await?)
    }

    /// A paid event and its participants in the draw's order.
    ///
    /// # Errors
    /// [`Error::Api`] (404; offline).
    pub async fn event_participants(&self, id: &str) -> Result<pq_protocol::models::EventParticipants> {
        Ok(self.shared.api.event_participants(id).await?)
    }

    /// Starts buying `entries` of an open paid event (the checkout page to
    /// open in the system browser).
    ///
    /// # Errors
    /// [`Error::Api`] (409 not open, 422, 503; offline).
    pub async fn buy_entries(&self, id: &str, entries: u32) -> Result<pq_protocol::models::Checkout> {
        Ok(self.shared.api.buy_entries(id, entries).await?)
    }

    /// Creates a paid event (pq administrators only).
    ///
    /// # Errors
    /// [`Error::Api`] (403, 422; offline).
    pub async fn create_paid_event(
        &self,
        spec: &pq_protocol::models::CreatePaidEvent,
    ) -> Result<pq_protocol::models::PaidEvent> {
        Ok(self.shared.api.create_paid_event(spec).await?)
    }

    /// Opens entries now (`start`), closes them now (`end`), or draws the
    /// winner (`draw`) (pq administrators only).
    ///
    /// # Errors
    /// [`Error::Invalid`] for another action; [`Error::Api`] (403, 404, 409).
    pub async fn paid_event_action(&self, id: &str, action: &str) -> Result<pq_protocol::models::PaidEvent> {
        if !matches!(action, "start" | "end" | "draw") {
            return Err(Error::Invalid(format!("{action:?}: start, end or draw")));
        }
        Ok(self.shared.api.paid_event_action(id, action).await?)
    }

    /// Checks a paid event's draw from what the server published, with
    /// pq-core's own code (see [`crate::draw`]).
    ///
    /// # Errors
    /// [`Error::Invalid`] when it is not drawn yet; [`Error::Api`].
    pub async fn verify_draw(
        &self,
        id: &str,
    ) -> Result<(pq_protocol::models::EventParticipants, crate::draw::Verdict)> {
        let p = self.shared.api.event_participants(id).await?;
        let v = crate::draw::verify(&p).map_err(|e| Error::Invalid(e.to_string()))?;
        Ok((p, v))
    }

    /// Gives someone a plan (pq administrators only; they hear of it at
    /// once).
    ///
    /// # Errors
    /// [`Error::Api`] (403, 404; offline).
    pub async fn set_plan(&self, user: UserId, plan: pq_protocol::limits::Plan) -> Result<()> {
        Ok(self.shared.api.set_plan(user, plan).await?)
    }

    /// Who gave `emoji` to a message, the first to react first (at most
    /// 100; asked of the server: not offline).
    ///
    /// # Errors
    /// [`Error::Api`] (404, 422 not an emoji; offline).
    pub async fn reactors(&self, channel: ChannelId, message: MessageId, emoji: &str) -> Result<Vec<User>> {
        Ok(self.shared.api.reactors(channel, message, emoji).await?)
    }

    /// A channel's pinned messages, the most recently pinned first (asked
    /// of the server: not offline).
    ///
    /// # Errors
    /// [`Error::Api`] (404; offline).
    pub async fn pins(&self, channel: ChannelId) -> Result<Vec<Message>> {
        Ok(self.shared.api.pins(channel).await?)
    }

    /// Pins a message to its channel or unpins it (in a server,
    /// `manage_messages`; in a conversation, anyone in it).
    ///
    /// # Errors
    /// [`Error::Api`] (403, 404, 409 deleted or 50 pinned; offline).
    pub async fn pin(&self, channel: ChannelId, message: MessageId, on: bool) -> Result<()> {
        self.shared.api.pin(channel, message, on).await?;
        self.shared.store()?.set_pinned(message, on)?;
        let m = self.shared.store()?.message(message)?;
        if let Some(m) = m {
            self.shared.emit(self.shared.message_event(m, false));
        }
        Ok(())
    }

    /// Invites someone to a server by username or email address: an account
    /// gets it in its app; an address with no account by mail (when the
    /// server sends mail — else `not_sent`: pass the link on yourself).
    ///
    /// # Errors
    /// [`Error::Api`] (403, 404 no such username, 409 a member already, 422; offline).
    pub async fn send_invite(&self, server: ServerId, to: &str) -> Result<InviteSent> {
        Ok(self.shared.api.send_invite(server, to).await?)
    }

    /// Declines an invite sent to me (to accept it, [`Client::accept_invite`]).
    ///
    /// # Errors
    /// [`Error::Api`] (404 no such invite waits; offline).
    pub async fn decline_invite(&self, code: &InviteCode) -> Result<()> {
        self.shared.api.decline_invite(code).await?;
        self.shared.forget_invite(code);
        Ok(())
    }

    /// My friends, friend requests (incoming and outgoing) and the people I
    /// blocked, newest first, as last known (also offline).
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], storage.
    pub fn relationships(&self) -> Result<Vec<Relationship>> {
        Ok(self.shared.relationships())
    }

    /// Where `user` stands with me, as last known.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], storage.
    pub fn relationship(&self, user: UserId) -> Result<Option<RelationshipKind>> {
        Ok(self.shared.relationship(user))
    }

    /// Asks someone to be friends by their username (`minji.k`, `@minji.k`)
    /// or their account's email address (if they had asked me, we are
    /// friends now).
    ///
    /// # Errors
    /// [`Error::Api`]: 404 (no one has it), 403 (they blocked me), 409
    /// (already friends or asked, I blocked them, myself), 422, offline.
    pub async fn add_friend_by(&self, to: &str) -> Result<Relationship> {
        let r = self.shared.api.request_friend(to).await?;
        self.shared.remember_relationship(r.clone(), false)?;
        Ok(r)
    }

    /// Asks someone to be friends, or accepts their request.
    ///
    /// # Errors
    /// As [`Client::add_friend_by`].
    pub async fn add_friend(&self, user: UserId) -> Result<Relationship> {
        let r = self.shared.api.set_relationship(user, RelationshipChoice::Friend).await?;
        self.shared.remember_relationship(r.clone(), false)?;
        Ok(r)
    }

    /// Blocks someone: any friendship or request between us ends; they
    /// cannot ask me or see my presence, and my apps collapse their messages.
    ///
    /// # Errors
    /// [`Error::Api`] (404, 409 myself; offline).
    pub async fn block(&self, user: UserId) -> Result<Relationship> {
        let r = self.shared.api.set_relationship(user, RelationshipChoice::Blocked).await?;
        self.shared.remember_relationship(r.clone(), false)?;
        Ok(r)
    }

    /// Removes a friend, declines or cancels a request, or unblocks.
    ///
    /// # Errors
    /// [`Error::Api`] (404 when there is nothing between us; offline).
    pub async fn remove_relationship(&self, user: UserId) -> Result<()> {
        self.shared.api.remove_relationship(user).await?;
        self.shared.forget_relationship(user)
    }

    /// What someone's card shows beyond the cache: their about text and the
    /// servers we share (their profile is cached on the way).
    ///
    /// # Errors
    /// [`Error::Api`] (404 for someone I share no server with; offline).
    pub async fn profile(&self, user: UserId) -> Result<Profile> {
        let asked = self.shared.marks.lock().unwrap_or_else(PoisonError::into_inner).now();
        let profile = self.shared.api.profile(user).await?;
        if self.shared.reader()?.user(user)?.as_ref() != Some(&profile.user) {
            self.shared.remember_user_answered(profile.user.clone(), Some(asked))?;
        }
        Ok(profile)
    }

    /// A person's name and avatar, from the cache.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::Store`].
    pub fn user(&self, id: UserId) -> Result<Option<User>> {
        Ok(self.shared.reader()?.user(id)?)
    }

    /// Someone's presence as last heard.
    #[must_use]
    pub fn presence(&self, id: UserId) -> Presence {
        self.shared
            .presence
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .copied()
            .unwrap_or(Presence::Offline)
    }

    /// A channel's newest `limit` messages (or those before `before_seq`)
    /// from the cache, plus its unsent ones. Returns at once; when the cache
    /// is behind the server, the sync task catches up in the background
    /// ([`Event::TimelineChanged`] follows).
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::Store`].
    pub async fn timeline(&self, channel: ChannelId, before_seq: Option<u64>, limit: usize) -> Result<Timeline> {
        let (timeline, behind) = {
            let store = self.shared.reader()?;
            // One snapshot: a message being acknowledged right now is either
            // still pending or already in the timeline, never in neither.
            let (messages, pending, info) = store.snapshot(|s| {
                let messages = s.history(channel, before_seq, limit)?;
                let pending = if before_seq.is_none() { s.outbox_for(channel)? } else { vec![] };
                Ok((messages, pending, s.sync_state(channel)?))
            })?;
            let oldest = messages.first().map_or(before_seq.unwrap_or(u64::MAX), |m| m.seq);
            let behind = info.as_ref().is_some_and(|c| c.synced_seq < c.last_seq || c.synced_seq == 0);
            let mentions = self.mentioning(&messages);
            let has_older = oldest > 1 && info.is_some_and(|c| c.last_seq > 0);
            (Timeline { has_older, messages, mentions, pending }, behind)
        };
        if before_seq.is_none() && behind {
            self.command(Command::Fill(channel)).await;
        }
        Ok(timeline)
    }

    /// The page of messages older than `before_seq`: from the cache when it
    /// has them, else from the server (then cached). No pending entries.
    ///
    /// # Errors
    /// [`Error::Api`] when they must be fetched and the server is unreachable.
    pub async fn older(&self, channel: ChannelId, before_seq: u64, limit: usize) -> Result<Timeline> {
        let cached = self.shared.reader()?.history(channel, Some(before_seq), limit)?;
        let contiguous = cached.last().is_none_or(|m| m.seq + 1 == before_seq)
            && cached.windows(2).all(|w| w[0].seq + 1 == w[1].seq);
        let messages = if (cached.len() == limit || cached.first().is_some_and(|m| m.seq == 1)) && contiguous {
            cached
        } else {
            let page =
                self.shared.api.history(channel, HistoryQuery::before(before_seq, limit.min(100) as u32)).await?;
            let mut store = self.shared.store()?;
            store.ingest(&page.messages)?;
            store.history(channel, Some(before_seq), limit)?
        };
        let has_older = messages.first().is_some_and(|m| m.seq > 1);
        Ok(Timeline { mentions: self.mentioning(&messages), messages, pending: Vec::new(), has_older })
    }

    /// Writes a message to the outbox (shown at once as pending) and asks
    /// for delivery. It is delivered exactly once, however often the network
    /// drops or pq restarts before the server answers.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an empty message or one longer than your plan
    /// allows; [`Error::NotSignedIn`].
    pub async fn send(&self, channel: ChannelId, body: &str, reply_to: Option<MessageId>) -> Result<OutboxEntry> {
        self.send_with_files(channel, body, reply_to, &[]).await
    }

    /// [`Client::send`] with files staged in the composer
    /// ([`Client::stage_file`]), at most 10; the text may then be empty. The
    /// files are uploaded first (progress as [`Event::UploadProgress`]),
    /// each once, also when queued offline or across restarts; then the
    /// message goes.
    ///
    /// # Errors
    /// As [`Client::send`]; [`Error::Invalid`] for an unknown staged file or
    /// more than 10.
    pub async fn send_with_files(
        &self,
        channel: ChannelId,
        body: &str,
        reply_to: Option<MessageId>,
        staged: &[String],
    ) -> Result<OutboxEntry> {
        if body.trim().is_empty() && staged.is_empty() {
            return Err(Error::Invalid("a message cannot be empty".into()));
        }
        if staged.len() > pq_protocol::limits::MAX_ATTACHMENTS_PER_MESSAGE {
            return Err(Error::Invalid(format!(
                "at most {} files go with one message",
                pq_protocol::limits::MAX_ATTACHMENTS_PER_MESSAGE
            )));
        }
        if let Some(me) = self.me() {
            let (len, max) = (char_count(body), self.message_limit(me.plan));
            if len > max {
                return Err(Error::Invalid(format!(
                    "messages are limited to {max} characters on the {} plan; this one has {len}",
                    me.plan.as_str()
                )));
            }
        }
        let entry = {
            let mut store = self.shared.store()?;
            if store.sync_state(channel)?.is_none() {
                return Err(Error::Invalid("no such channel".into()));
            }
            let client_id = ClientMessageId::new();
            let files = if staged.is_empty() {
                vec![]
            } else {
                let dir = self.shared.files().ok_or(Error::NotSignedIn)?;
                dir.take_staged(staged, client_id)
                    .map_err(|e| Error::Invalid(format!("the files cannot be kept: {e}")))?
            };
            store.outbox_push_as(client_id, channel, body, reply_to, files)?
        };
        self.shared.emit(Event::Outbox { entry: entry.clone() });
        if entry.uploaded() {
            self.command(Command::Flush).await;
        } else {
            self.shared.uploads.wake();
        }
        Ok(entry)
    }

    /// Keeps bytes (a picked, dropped or pasted file) for the composer.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`]; [`Error::Invalid`] when the disk refuses.
    pub fn stage_file(&self, name: &str, bytes: &[u8]) -> Result<StagedFile> {
        let files = self.shared.files().ok_or(Error::NotSignedIn)?;
        files.stage(name, bytes).map_err(|e| Error::Invalid(format!("the file cannot be kept: {e}")))
    }

    /// Keeps a copy of the file at `path` for the composer.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`]; [`Error::Invalid`] when it cannot be read.
    pub fn stage_path(&self, path: &Path) -> Result<StagedFile> {
        let files = self.shared.files().ok_or(Error::NotSignedIn)?;
        files.stage_path(path).map_err(|e| Error::Invalid(format!("{} cannot be read: {e}", path.display())))
    }

    /// Removes a file from the composer.
    pub fn unstage(&self, id: &str) {
        if let Some(files) = self.shared.files() {
            files.unstage(id);
        }
    }

    /// Stops an unsent message with files (its upload, if going on) and
    /// discards it.
    ///
    /// # Errors
    /// As [`Client::discard`].
    pub fn cancel_send(&self, client_id: ClientMessageId) -> Result<bool> {
        self.shared.uploads.cancel(client_id);
        self.discard(client_id)
    }

    /// An attachment's bytes (or its thumbnail's) and their type: the copy
    /// kept on this device (offline too), else fetched and kept within the
    /// budget ([`Client::set_file_cache_budget`]).
    ///
    /// # Errors
    /// [`Error::Api`] (offline and not kept: unreachable; 404 not visible).
    pub async fn attachment(&self, id: AttachmentId, thumbnail: bool) -> Result<(&'static str, Vec<u8>)> {
        let files = self.shared.files().ok_or(Error::NotSignedIn)?;
        if let Some(bytes) = files.cached(id, thumbnail) {
            return Ok((crate::files::sniff(&bytes), bytes));
        }
        let limit = usize::try_from(pq_protocol::limits::Plan::Premium.default_upload_bytes()).unwrap_or(usize::MAX);
        let bytes = self.shared.api.attachment(id, thumbnail, limit).await?;
        if let Err(e) = files.keep(id, thumbnail, &bytes, self.shared.file_budget()) {
            tracing::warn!(error = %e, "cannot keep an attachment for offline viewing");
        }
        Ok((crate::files::sniff(&bytes), bytes))
    }

    /// Saves an attachment at `dest` as it arrives, telling `progress`
    /// (bytes so far, bytes in all when known).
    ///
    /// # Errors
    /// [`Error::Api`].
    pub async fn download(
        &self,
        id: AttachmentId,
        dest: &Path,
        progress: &(dyn Fn(u64, Option<u64>) + Send + Sync),
    ) -> Result<u64> {
        Ok(self.shared.api.download_attachment(id, dest, progress).await?)
    }

    /// How many bytes of attachments are kept for offline viewing at most.
    #[must_use]
    pub fn file_cache_budget(&self) -> u64 {
        self.shared.file_budget()
    }

    /// How many bytes of attachments are kept now.
    #[must_use]
    pub fn file_cache_size(&self) -> u64 {
        self.shared.files().map_or(0, |f| f.cache_size())
    }

    /// Sets the offline budget for attachments; what is over it goes now,
    /// least recently viewed first.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::Store`].
    pub fn set_file_cache_budget(&self, bytes: u64) -> Result<()> {
        self.shared.store()?.set_meta("file_budget", &bytes)?;
        if let Some(files) = self.shared.files() {
            files.evict(bytes);
        }
        Ok(())
    }

    /// Sends a failed message again, optionally edited.
    ///
    /// # Errors
    /// [`Error::Invalid`] when there is no such unsent message.
    pub async fn retry(&self, client_id: ClientMessageId, body: Option<&str>) -> Result<OutboxEntry> {
        let entry = self
            .shared
            .store()?
            .outbox_retry(client_id, body)?
            .ok_or_else(|| Error::Invalid("that message is no longer waiting to be sent".into()))?;
        self.shared.emit(Event::Outbox { entry: entry.clone() });
        self.command(Command::Reload).await;
        Ok(entry)
    }

    /// Discards an unsent message.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::Store`].
    pub fn discard(&self, client_id: ClientMessageId) -> Result<bool> {
        let mut store = self.shared.store()?;
        let entry = store.outbox_entry(client_id)?;
        let removed = store.outbox_remove(client_id)?;
        drop(store);
        if let Some(files) = self.shared.files() {
            files.drop_outbox(client_id);
        }
        if let (true, Some(e)) = (removed, entry) {
            self.shared.emit(Event::OutboxRemoved { client_id, channel_id: e.channel_id });
        }
        Ok(removed)
    }

    /// Edits one of my messages (online only).
    ///
    /// # Errors
    /// [`Error::Api`].
    pub async fn edit(&self, channel: ChannelId, message: MessageId, body: &str) -> Result<()> {
        Ok(self.shared.api.edit_message(channel, message, body).await?)
    }

    /// Deletes a message (mine, or anyone's as an admin; online only).
    ///
    /// # Errors
    /// [`Error::Api`].
    pub async fn delete(&self, channel: ChannelId, message: MessageId) -> Result<()> {
        Ok(self.shared.api.delete_message(channel, message).await?)
    }

    /// Reacts to a message.
    ///
    /// # Errors
    /// [`Error::Api`].
    pub async fn react(&self, channel: ChannelId, message: MessageId, emoji: &str) -> Result<()> {
        Ok(self.shared.api.react(channel, message, emoji).await?)
    }

    /// Takes a reaction back.
    ///
    /// # Errors
    /// [`Error::Api`].
    pub async fn unreact(&self, channel: ChannelId, message: MessageId, emoji: &str) -> Result<()> {
        Ok(self.shared.api.unreact(channel, message, emoji).await?)
    }

    /// Marks a channel read up to `seq`: at once in the cache, then on the
    /// server (when offline, the next sync brings the server's view back).
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::Store`].
    pub async fn mark_read(&self, channel: ChannelId, seq: u64) -> Result<()> {
        {
            let mut store = self.shared.store()?;
            if let Some(c) = store.sync_state(channel)?
                && seq > c.last_read_seq
            {
                store.set_read_state(channel, seq, 0)?;
                drop(store);
                self.shared.emit(Event::ReadState { channel_id: channel, last_read_seq: seq, unread_count: 0 });
            }
        }
        if let Err(e) = self.shared.api.mark_read(channel, seq).await
            && !e.is_unreachable()
        {
            return Err(e.into());
        }
        Ok(())
    }

    /// Mutes or unmutes notifications of a channel (kept on this device).
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::Store`].
    pub fn set_muted(&self, channel: ChannelId, muted: bool) -> Result<()> {
        Ok(self.shared.store()?.set_muted(channel, muted)?)
    }

    /// What a server's messages notify of on this device.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::Store`].
    pub fn server_notify(&self, server: ServerId) -> Result<NotifyLevel> {
        Ok(self.shared.reader()?.server_notify(server)?)
    }

    /// Chooses what a server's messages notify of on this device: all, only
    /// mentions of me, or nothing.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::Store`].
    pub fn set_server_notify(&self, server: ServerId, level: NotifyLevel) -> Result<()> {
        self.shared.store()?.set_server_notify(server, level)?;
        self.shared.emit(Event::ServersChanged);
        Ok(())
    }

    /// Searches every cached message (works offline; finds Korean, Chinese,
    /// Japanese and Thai words too), newest first.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`], [`Error::Store`].
    pub fn search(
        &self,
        query: &str,
        server: Option<ServerId>,
        channel: Option<ChannelId>,
        limit: usize,
    ) -> Result<Vec<SearchHit>> {
        Ok(self.shared.reader()?.search(query, server, channel, limit)?)
    }

    /// Tells the channel I am typing (drop it when offline).
    pub async fn typing(&self, channel: ChannelId) {
        self.command(Command::Typing(channel)).await;
    }

    /// This device became idle (no input for 5 minutes) or active again.
    pub async fn set_idle(&self, idle: bool) {
        self.command(Command::Idle(idle)).await;
    }

    /// Creates a server (it arrives through the gateway too).
    ///
    /// # Errors
    /// [`Error::Api`].
    pub async fn create_server(&self, name: &str) -> Result<ServerState> {
        let state = self.shared.api.create_server(name).await?;
        self.apply_joined(&state)?;
        Ok(state)
    }

    /// Creates an invite link to a server.
    ///
    /// # Errors
    /// [`Error::Api`].
    pub async fn create_invite(&self, server: ServerId, options: CreateInvite) -> Result<Invite> {
        Ok(self.shared.api.create_invite(server, &options).await?)
    }

    /// Renames a server (permission `manage_server`).
    ///
    /// # Errors
    /// [`Error::Api`] (403, 422 with the reason; offline).
    pub async fn rename_server(&self, server: ServerId, name: &str) -> Result<Server> {
        let change = UpdateServer { name: Some(name.to_owned()), ..UpdateServer::default() };
        let updated = self.shared.api.update_server(server, &change).await?;
        self.shared.store()?.update_server(&updated)?;
        self.shared.emit(Event::ServersChanged);
        Ok(updated)
    }

    /// Changes a server's description (`manage_server`; empty removes it).
    ///
    /// # Errors
    /// [`Error::Api`] (403, 422 with the reason; offline).
    pub async fn set_server_description(&self, server: ServerId, description: &str) -> Result<Server> {
        let change = UpdateServer { description: Some(description.to_owned()), ..UpdateServer::default() };
        let updated = self.shared.api.update_server(server, &change).await?;
        self.shared.store()?.update_server(&updated)?;
        self.shared.emit(Event::ServersChanged);
        Ok(updated)
    }

    /// Renames a channel and/or sets its topic (`manage_channels`; an empty
    /// topic removes it); the cache follows.
    ///
    /// # Errors
    /// [`Error::Api`] (403, 404, 422 with the reason; offline).
    pub async fn update_channel(&self, channel: ChannelId, change: UpdateChannel) -> Result<Channel> {
        let updated: Channel = self.shared.api.patch(&format!("api/channels/{channel}"), &change).await?;
        self.shared.store()?.upsert_channel(&updated)?;
        self.shared.emit(Event::ChannelsChanged { server_id: updated.server_id });
        Ok(updated)
    }

    /// Deletes a server with everything in it (its owner only).
    ///
    /// # Errors
    /// [`Error::Api`] (403 not the owner; offline).
    pub async fn delete_server(&self, server: ServerId) -> Result<()> {
        self.shared.api.delete_server(server).await?;
        self.shared.forget_server(server)
    }

    /// Leaves a server (its owner cannot: hand it over or delete it).
    ///
    /// # Errors
    /// [`Error::Api`] (409 the owner; offline).
    pub async fn leave_server(&self, server: ServerId) -> Result<()> {
        self.shared.api.leave_server(server).await?;
        self.shared.forget_server(server)
    }

    /// Removes someone from a server (permission `kick_members`, someone ranked below me).
    ///
    /// # Errors
    /// [`Error::Api`] (403 not below me; offline).
    pub async fn kick(&self, server: ServerId, user: UserId) -> Result<()> {
        self.shared.api.kick(server, user).await?;
        self.shared.store()?.remove_member(server, user)?;
        self.shared.emit(Event::MembersChanged { server_id: server });
        Ok(())
    }

    /// Who sees a channel or category (permission `manage_channels`).
    ///
    /// # Errors
    /// [`Error::Api`] (403, 404; offline).
    pub async fn channel_access(&self, channel: ChannelId) -> Result<ChannelAccess> {
        Ok(self.shared.api.channel_access(channel).await?)
    }

    /// Makes a channel or category private to the roles and people listed,
    /// or public again. Whoever it hides itself from gets the server anew
    /// (their cache drops it with its messages).
    ///
    /// # Errors
    /// [`Error::Api`] (403, 404, 409 a role or person not of the server; offline).
    pub async fn set_channel_access(&self, channel: ChannelId, access: ChannelAccess) -> Result<ChannelAccess> {
        let set = self.shared.api.set_channel_access(channel, &access).await?;
        let cached = self.shared.reader()?.channel(channel)?;
        if let Some(mut c) = cached {
            c.channel.private = set.private;
            self.shared.store()?.upsert_channel(&c.channel)?;
            self.shared.emit(Event::ChannelsChanged { server_id: c.channel.server_id });
        }
        Ok(set)
    }

    /// Hands a server over to another member (its owner only; I keep my roles).
    ///
    /// # Errors
    /// [`Error::Api`] (403 not the owner, 404 not a member; offline).
    pub async fn transfer_server(&self, server: ServerId, to: UserId) -> Result<Server> {
        let change = UpdateServer { owner_id: Some(to), ..UpdateServer::default() };
        let updated = self.shared.api.update_server(server, &change).await?;
        self.shared.store()?.update_server(&updated)?;
        self.shared.emit(Event::ServersChanged);
        self.shared.emit(Event::MembersChanged { server_id: server });
        Ok(updated)
    }

    /// Gives someone a role or takes it away (permission `manage_roles`, a
    /// role below my highest, someone ranked below me or myself).
    ///
    /// # Errors
    /// [`Error::Api`] (403 with the reason; offline).
    pub async fn set_member_role(&self, server: ServerId, user: UserId, role: RoleId, give: bool) -> Result<()> {
        self.shared.api.set_member_role(server, user, role, give).await?;
        // The cache follows at once (the gateway's `member_updated` says the same).
        let mut store = self.shared.store()?;
        if let Some(member) = store.members(server)?.into_iter().find(|m| m.user.id == user) {
            let mut held = member.roles;
            held.retain(|r| *r != role);
            if give {
                held.push(role);
            }
            store.set_member_roles(server, user, &held)?;
            if self.me().is_some_and(|me| me.id == user) {
                store.set_my_roles(server, &held)?;
                self.shared.emit(Event::ServersChanged);
            }
        }
        drop(store);
        self.shared.emit(Event::MembersChanged { server_id: server });
        Ok(())
    }

    /// Creates a role just above `@everyone` (permission `manage_roles`).
    ///
    /// # Errors
    /// [`Error::Api`] (403, 409 too many, 422; offline).
    pub async fn create_role(&self, server: ServerId, req: CreateRole) -> Result<ServerRole> {
        let role = self.shared.api.create_role(server, &req).await?;
        self.refresh_roles(server).await?;
        Ok(role)
    }

    /// Changes a role's name, colour, rank or permissions.
    ///
    /// # Errors
    /// [`Error::Api`] (403 with the reason, 409, 422; offline).
    pub async fn update_role(&self, server: ServerId, role: RoleId, req: UpdateRole) -> Result<ServerRole> {
        let role = self.shared.api.update_role(server, role, &req).await?;
        self.refresh_roles(server).await?;
        Ok(role)
    }

    /// Deletes a role (its members lose it).
    ///
    /// # Errors
    /// [`Error::Api`] (403, 409 `@everyone`; offline).
    pub async fn delete_role(&self, server: ServerId, role: RoleId) -> Result<()> {
        self.shared.api.delete_role(server, role).await?;
        self.refresh_roles(server).await
    }

    /// Asks for a server's roles and caches them (the gateway's
    /// `roles_updated` does the same a moment later).
    async fn refresh_roles(&self, server: ServerId) -> Result<()> {
        let roles = self.shared.api.roles(server).await?;
        self.shared.store()?.set_server_roles(server, &roles)?;
        self.shared.emit(Event::ServersChanged);
        self.shared.emit(Event::MembersChanged { server_id: server });
        Ok(())
    }

    /// A page of a server's audit log, newest first (owner and admins).
    ///
    /// # Errors
    /// [`Error::Api`] (403; offline).
    pub async fn audit_log(&self, server: ServerId, before: Option<u64>) -> Result<AuditPage> {
        Ok(self.shared.api.audit_log(server, before).await?)
    }

    /// Places channels (order among their siblings, category) in one step
    /// (owner and admins); the cache follows.
    ///
    /// # Errors
    /// [`Error::Api`] (403, 409 a category inside a category; offline).
    pub async fn place_channels(&self, server: ServerId, channels: Vec<ChannelPlacement>) -> Result<()> {
        let all = self.shared.api.layout_channels(server, &ChannelLayout { channels }).await?;
        {
            let mut store = self.shared.store()?;
            for c in &all {
                store.upsert_channel(c)?;
            }
        }
        self.shared.emit(Event::ChannelsChanged { server_id: server });
        Ok(())
    }

    /// Bans someone from a server (they leave it and cannot come back until
    /// unbanned), deleting their messages there from `purge` back.
    ///
    /// # Errors
    /// [`Error::Api`] (403 not below me; offline).
    pub async fn ban(&self, server: ServerId, user: UserId, purge: Option<PurgeWindow>) -> Result<()> {
        self.shared.api.ban(server, user, purge).await?;
        self.shared.store()?.remove_member(server, user)?;
        self.shared.emit(Event::MembersChanged { server_id: server });
        Ok(())
    }

    /// Lifts a ban.
    ///
    /// # Errors
    /// [`Error::Api`] (403, 404 not banned; offline).
    pub async fn unban(&self, server: ServerId, user: UserId) -> Result<()> {
        Ok(self.shared.api.unban(server, user).await?)
    }

    /// Who is banned from a server (owner and admins).
    ///
    /// # Errors
    /// [`Error::Api`] (403; offline).
    pub async fn bans(&self, server: ServerId) -> Result<Vec<Ban>> {
        Ok(self.shared.api.bans(server).await?)
    }

    /// A server's invites that can still be used (owner and admins).
    ///
    /// # Errors
    /// [`Error::Api`] (403; offline).
    pub async fn invites(&self, server: ServerId) -> Result<Vec<Invite>> {
        Ok(self.shared.api.invites(server).await?)
    }

    /// Revokes an invite (owner and admins).
    ///
    /// # Errors
    /// [`Error::Api`] (403, 404; offline).
    pub async fn revoke_invite(&self, code: &InviteCode) -> Result<()> {
        Ok(self.shared.api.revoke_invite(code).await?)
    }

    /// What an invite leads to, without joining.
    ///
    /// # Errors
    /// [`Error::Api`] (expired, used up, unknown, offline).
    pub async fn preview_invite(&self, code: &InviteCode) -> Result<InvitePreview> {
        Ok(self.shared.api.preview_invite(code).await?)
    }

    /// A picture (`/media/{id}`, an avatar or server icon) and its content
    /// type: from the disk when it was fetched before (its name is the hash
    /// of its bytes, so a kept copy is never stale), else from the server
    /// with this account's token, then kept. `invite` shows someone who is
    /// not a member yet what an invite they hold shows.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a malformed id or bytes that are not the
    /// picture named; [`Error::Api`] (404 for one the account may not see;
    /// offline).
    pub async fn media(&self, id: &str, invite: Option<&InviteCode>) -> Result<(&'static str, Vec<u8>)> {
        if !pq_protocol::limits::is_media_id(id) {
            return Err(Error::Invalid(format!("{id:?} is not a picture's address")));
        }
        let dir = crate::media::dir(&self.shared.config.data_dir);
        let kept = {
            let (dir, id) = (dir.clone(), id.to_owned());
            tokio::task::spawn_blocking(move || crate::media::read(&dir, &id)).await.ok().flatten()
        };
        let bytes = match kept {
            Some(bytes) => bytes,
            None => {
                let bytes = self.shared.api.media(id, invite).await?;
                if !crate::media::matches(id, &bytes) {
                    return Err(Error::Invalid("the server sent a different picture than the one asked for".into()));
                }
                let id = id.to_owned();
                tokio::task::spawn_blocking(move || {
                    if let Err(e) = crate::media::write(&dir, &id, &bytes) {
                        tracing::warn!(error = %e, "cannot keep a picture on disk");
                    }
                    bytes
                })
                .await
                .map_err(|_| Error::Closed)?
            }
        };
        let content_type =
            pq_protocol::limits::image_type(&bytes).ok_or_else(|| Error::Invalid("not a picture".into()))?;
        Ok((content_type, bytes))
    }

    /// Joins the server an invite leads to.
    ///
    /// # Errors
    /// [`Error::Api`] (expired, used up, unknown, offline).
    pub async fn accept_invite(&self, code: &InviteCode) -> Result<ServerState> {
        let state = self.shared.api.accept_invite(code).await?;
        self.apply_joined(&state)?;
        self.shared.forget_invite(code);
        Ok(state)
    }

    fn apply_joined(&self, state: &ServerState) -> Result<()> {
        self.shared
            .joined_recently
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(state.server.id, std::time::Instant::now());
        let mut store = self.shared.store()?;
        let sort = store.servers()?.len() as i64;
        store.apply_server_state(state, sort)?;
        drop(store);
        self.shared.emit(Event::ServersChanged);
        Ok(())
    }
}

/// The configured token store, or the keychain (opened off the async
/// threads: platform keychains may block).
async fn open_tokens(config: &ClientConfig) -> Result<TokenStore> {
    if let Some(t) = &config.tokens {
        return Ok(t.clone());
    }
    let backend = config.keychain;
    Ok(tokio::task::spawn_blocking(move || TokenStore::open(backend)).await.map_err(|_| Error::Closed)??)
}

/// Opens (creating) the cache of `account` and loads what it remembers.
fn open_cache(shared: &Shared, account: &Account) -> Result<()> {
    let path = cache_path(&shared.config.data_dir, &shared.config.server, account);
    let store = Store::open(&path)?;
    let reader = Store::open(&path)?;
    let me: Option<Me> = store.meta("me")?;
    *shared.me.lock().unwrap_or_else(PoisonError::into_inner) = me;
    *shared.status.lock().unwrap_or_else(PoisonError::into_inner) = store.meta("status")?.unwrap_or(StatusChoice::Auto);
    *shared.relationships.lock().unwrap_or_else(PoisonError::into_inner) =
        store.meta("relationships")?.unwrap_or_default();
    *shared.schedule.lock().unwrap_or_else(PoisonError::into_inner) = schedule::Schedule {
        events: store.meta("events").ok().flatten().unwrap_or_default(),
        reminded: store.meta("reminded").ok().flatten().unwrap_or_default(),
    };
    *shared.plans.lock().unwrap_or_else(PoisonError::into_inner) = store.meta("plans").ok().flatten();
    *shared.store.lock().unwrap_or_else(PoisonError::into_inner) = Some(store);
    *shared.reader.lock().unwrap_or_else(PoisonError::into_inner) = Some(reader);
    *shared.files.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(Files::beside(&path)));
    shared.uploads.wake();
    Ok(())
}
