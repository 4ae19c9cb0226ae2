//! The gateway: one WebSocket per client session at `GET /gateway`.
//!
//! Every frame is a JSON text message `{"op": "...", "d": {...}}`.
//!
//! ```text
//! client                                server
//!   | <------------------------------ hello {v, heartbeat_interval_ms}
//!   | identify {v, token} ----------->
//!   | <------------------------------ ready {session_id, me, servers, presences}
//!   | heartbeat {} ------------------> (every heartbeat_interval_ms)
//!   | <------------------------------ heartbeat_ack
//!   | send_message {channel_id, client_id, body}
//!   | <------------------------------ ack {client_id, message_id, seq}
//!   | <------------------------------ dispatch {s, event}   (to members only)
//! ```
//!
//! ## Resume
//!
//! Each dispatch carries `s`, a number unique across the server; a client keeps
//! the last `s` it handled. After a drop it opens a new socket and sends
//! `resume {session_id, last_seq}` instead of `identify`: the server replays
//! what the session missed and answers `resumed`. If the session is gone (too
//! long away, or too much missed) it answers `invalid_session`; the client then
//! identifies anew and backfills channels over REST from its last `seq`.
//!
//! ## Exactly once
//!
//! `send_message` carries a client-generated id. The server stores a message
//! once per (author, client id); a repeat gets the first `ack` again. A client
//! retries until it sees an `ack` (or a REST response): nothing is lost or
//! doubled however often the connection drops.
//!
//! ## Errors
//!
//! A request the server refuses (too long, not a member, …) gets an `error`
//! frame and the connection stays up. Frames that break the protocol
//! (malformed JSON, unknown op, oversize frame, invalid UTF-8, flooding) close
//! the socket with a [`CloseCode`] and a reason.

use serde::{Deserialize, Serialize};

use crate::{
    error::ErrorBody,
    ids::{
        AttachmentId, ChannelId, ClientMessageId, EventId, InviteCode, MessageId, RoleId, ServerId, SessionId, UserId,
        VoiceSessionId,
    },
    limits::Plan,
    models::{
        Channel, DmChannel, DmState, Me, Member, Message, PendingInvite, Presence, Relationship, ScheduledEvent,
        SendAck, Server, ServerRole, ServerState, StatusChoice, Toast, User,
    },
    time::Timestamp,
    voice::{VoiceJoin, VoiceJoined, VoiceLeft, VoiceSignal, VoiceSignalSend, VoiceState, VoiceUpdate},
};

/// The gateway protocol version this crate speaks.
pub const PROTOCOL_VERSION: u16 = 1;

macro_rules! wire {
    ($($item:item)*) => {$(
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        $item
    )*};
}

wire! {
    /// A frame from client to server.
    #[serde(tag = "op", content = "d", rename_all = "snake_case")]
    pub enum ClientFrame {
        /// Start a new session.
        Identify(Identify),
        /// Continue a session after a short disconnect.
        Resume(Resume),
        /// Keep the connection alive; send every `heartbeat_interval_ms`.
        Heartbeat,
        /// Send a message; answered by `ack` or `error`.
        SendMessage(GatewaySend),
        /// You are typing in a channel (send at most every few seconds).
        Typing(TypingStart),
        /// This connection became idle or active again.
        SetIdle(SetIdle),
        /// Your chosen status, for all your connections.
        SetStatus(SetStatus),
        /// Mark a channel read up to a `seq`.
        MarkRead(GatewayMarkRead),
        /// Enter a voice room; answered by `voice_joined` or `error`.
        VoiceJoin(VoiceJoin),
        /// Leave the voice room you are in; answered by `voice_left`.
        VoiceLeave,
        /// Change your state in your voice room (mute, deafen, camera, speaking).
        VoiceUpdate(VoiceUpdate),
        /// A WebRTC negotiation message for someone in your voice room.
        VoiceSignal(VoiceSignalSend),
    }

    /// A frame from server to client.
    #[serde(tag = "op", content = "d", rename_all = "snake_case")]
    pub enum ServerFrame {
        /// First frame on every connection.
        Hello(Hello),
        /// Answer to `identify`: the session and everything to draw.
        Ready(Box<Ready>),
        /// Answer to a successful `resume`, after the replayed dispatches.
        Resumed(Resumed),
        /// The session cannot be resumed: identify anew and backfill over REST.
        InvalidSession(InvalidSession),
        /// Answer to `heartbeat`.
        HeartbeatAck,
        /// Something happened that you may see.
        Dispatch(Box<Dispatch>),
        /// Answer to `send_message`: where the message landed.
        Ack(SendAck),
        /// A request was refused; the connection stays up.
        Error(GatewayError),
        /// Answer to `voice_join`: you are in the room.
        VoiceJoined(Box<VoiceJoined>),
        /// This connection is no longer in a voice room.
        VoiceLeft(VoiceLeft),
        /// A WebRTC negotiation message from someone in your voice room.
        VoiceSignal(VoiceSignal),
    }

    /// `hello`.
    pub struct Hello {
        /// Protocol version the server speaks.
        pub v: u16,
        /// How often to send `heartbeat`, in milliseconds. The server closes a
        /// connection that stays silent for one and a half intervals.
        pub heartbeat_interval_ms: u32,
        /// Largest frame the server accepts from you, in bytes.
        pub max_frame_bytes: u32,
        /// Frames per second you may send, sustained; more closes the
        /// connection with `RateLimited`. Pace the outbox below it.
        pub rate_per_sec: f64,
        /// Frames you may send in a burst.
        pub rate_burst: u32,
    }

    /// `identify`.
    pub struct Identify {
        /// Protocol version the client speaks.
        pub v: u16,
        /// OAuth access token.
        pub token: String,
        /// Whether this connection starts idle.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub idle: Option<bool>,
    }

    /// `resume`.
    pub struct Resume {
        /// Protocol version the client speaks.
        pub v: u16,
        /// OAuth access token (must be the same account as the session).
        pub token: String,
        /// The session to continue.
        pub session_id: SessionId,
        /// The last dispatch `s` handled (0 if none).
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        pub last_seq: u64,
    }

    /// `send_message`.
    pub struct GatewaySend {
        /// Text channel.
        pub channel_id: ChannelId,
        /// Client-generated id.
        pub client_id: ClientMessageId,
        /// Text.
        pub body: String,
        /// A message in the same channel to reply to.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub reply_to: Option<MessageId>,
        /// Files uploaded for it (see `SendMessage.attachments`).
        #[serde(default)]
        pub attachments: Vec<AttachmentId>,
    }

    /// `typing`.
    pub struct TypingStart {
        /// Text channel.
        pub channel_id: ChannelId,
    }

    /// `set_idle`.
    pub struct SetIdle {
        /// True after 5 minutes without input; false on activity.
        pub idle: bool,
    }

    /// `set_status`, and the body of `PUT /api/users/@me/status`.
    pub struct SetStatus {
        /// The status to show from now on, on every connection.
        pub status: StatusChoice,
    }

    /// `mark_read`.
    pub struct GatewayMarkRead {
        /// Text channel.
        pub channel_id: ChannelId,
        /// Highest `seq` read.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        pub seq: u64,
    }

    /// `ready`.
    pub struct Ready {
        /// Protocol version in use.
        pub v: u16,
        /// Keep it to `resume` after a drop.
        pub session_id: SessionId,
        /// Your account.
        pub me: Me,
        /// Every server you are in.
        pub servers: Vec<ServerState>,
        /// Presence of everyone sharing a server with you who is not offline
        /// (servers above the server's presence limit, 1,000 members by
        /// default, do not count: read their member list for presence).
        pub presences: Vec<PresenceEntry>,
        /// Your chosen status.
        pub status: StatusChoice,
        /// Your friends, pending requests and the people you blocked.
        #[serde(default)]
        pub relationships: Vec<Relationship>,
        /// Your direct-message channels, most recently active first.
        #[serde(default)]
        pub dms: Vec<DmState>,
        /// Invites sent to me in the app, waiting for my answer.
        #[serde(default)]
        pub invites: Vec<PendingInvite>,
    }

    /// One person's presence.
    pub struct PresenceEntry {
        /// Who.
        pub user_id: UserId,
        /// Online, away or offline.
        pub presence: Presence,
    }

    /// `resumed`.
    pub struct Resumed {
        /// How many dispatches were replayed before this frame.
        pub replayed: u32,
        /// Presence of everyone sharing a server with you who is not offline
        /// (as in `ready`), now: replace what you knew. Presence changes are state, not
        /// history: they are not kept for a dropped session nor replayed.
        #[serde(default)]
        pub presences: Vec<PresenceEntry>,
    }

    /// `invalid_session`.
    pub struct InvalidSession {
        /// Why, for logs.
        pub reason: String,
    }

    /// `dispatch`: one event, with its resume position.
    pub struct Dispatch {
        /// Resume position: unique and increasing across the server's
        /// dispatches; the client sends the last one it handled in `resume`.
        #[cfg_attr(feature = "ts", ts(type = "number"))]
        pub s: u64,
        /// What happened.
        pub event: Event,
    }

    /// `error`: a refused request.
    pub struct GatewayError {
        /// For `send_message`: which message was refused (it will never be
        /// accepted as it is; mark it failed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub client_id: Option<ClientMessageId>,
        /// What went wrong.
        pub error: ErrorBody,
    }

    /// Everything the gateway dispatches.
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum Event {
        /// A new message (sent to the channel's members, author included).
        MessageCreated {
            /// The message, with `unread_by` as of creation.
            message: Message,
        },
        /// A message's text changed.
        MessageEdited {
            /// Channel.
            channel_id: ChannelId,
            /// Message.
            message_id: MessageId,
            /// Its `seq`.
            #[cfg_attr(feature = "ts", ts(type = "number"))]
            seq: u64,
            /// New text.
            body: String,
            /// When.
            edited_at: Timestamp,
        },
        /// A message was deleted (it stays as a tombstone).
        MessageDeleted {
            /// Channel.
            channel_id: ChannelId,
            /// Message.
            message_id: MessageId,
            /// Its `seq`.
            #[cfg_attr(feature = "ts", ts(type = "number"))]
            seq: u64,
        },
        /// Someone reacted.
        ReactionAdded {
            /// Channel.
            channel_id: ChannelId,
            /// Message.
            message_id: MessageId,
            /// Who.
            user_id: UserId,
            /// Which emoji.
            emoji: String,
        },
        /// Someone took a reaction back.
        ReactionRemoved {
            /// Channel.
            channel_id: ChannelId,
            /// Message.
            message_id: MessageId,
            /// Who.
            user_id: UserId,
            /// Which emoji.
            emoji: String,
        },
        /// Your read marker moved (sent to your own sessions).
        ReadMarkerUpdated {
            /// Channel.
            channel_id: ChannelId,
            /// Highest `seq` you have read.
            #[cfg_attr(feature = "ts", ts(type = "number"))]
            last_read_seq: u64,
            /// Unread messages left.
            unread_count: u32,
        },
        /// The number of members who have not read some messages changed:
        /// every message with `after_seq < seq <= through_seq` changes its
        /// `unread_by` by `delta`.
        UnreadByChanged {
            /// Channel.
            channel_id: ChannelId,
            /// Exclusive lower bound.
            #[cfg_attr(feature = "ts", ts(type = "number"))]
            after_seq: u64,
            /// Inclusive upper bound.
            #[cfg_attr(feature = "ts", ts(type = "number"))]
            through_seq: u64,
            /// Change of `unread_by` (−1 when someone read them).
            delta: i32,
        },
        /// Someone is typing (for about 8 seconds or until their message).
        TypingStarted {
            /// Channel.
            channel_id: ChannelId,
            /// Who.
            user_id: UserId,
        },
        /// Someone's presence changed.
        PresenceUpdated {
            /// Who.
            user_id: UserId,
            /// New presence.
            presence: Presence,
        },
        /// Someone became your friend, asked you, was asked by you, or was
        /// blocked by you (sent to your own sessions).
        RelationshipChanged {
            /// Where they stand with you now.
            relationship: Relationship,
        },
        /// A friendship, request or block ended: they are no one special to
        /// you any more (sent to your own sessions).
        RelationshipRemoved {
            /// Who.
            user_id: UserId,
        },
        /// A direct-message channel you are in was opened, renamed, or someone
        /// joined or left it (sent to its members). A direct channel reaches
        /// the other person with its first message, just before it.
        DmUpdated {
            /// The channel now.
            channel: DmChannel,
        },
        /// You left a group, or were removed from it (sent to your own sessions).
        DmRemoved {
            /// Which.
            channel_id: ChannelId,
        },
        /// Someone declined the call ringing in a direct-message channel (sent
        /// to its members: the one who declined stops ringing on every device).
        CallDeclined {
            /// The channel.
            channel_id: ChannelId,
            /// Who declined.
            user_id: UserId,
        },
        /// Your account changed, here or on another of your devices (name,
        /// username, picture, about text, custom status); sent to your own
        /// sessions, after `user_updated`.
        MeUpdated {
            /// Your account now.
            me: Me,
        },
        /// Someone's profile changed.
        UserUpdated {
            /// The new profile.
            user: User,
        },
        /// You joined or created a server (sent to your own sessions).
        ServerJoined {
            /// Everything to draw it.
            state: ServerState,
        },
        /// A server was renamed or got a new image.
        ServerUpdated {
            /// The server.
            server: Server,
        },
        /// You are no longer in a server: you left, were removed, or it was deleted.
        ServerRemoved {
            /// The server.
            server_id: ServerId,
            /// Why: `left`, `kicked` or `deleted`.
            reason: String,
        },
        /// Someone joined a server you are in.
        MemberJoined {
            /// Server.
            server_id: ServerId,
            /// The new member, shown `offline`: their presence follows as
            /// `presence_updated` to those who may see it.
            member: Member,
        },
        /// Someone left or was removed.
        MemberLeft {
            /// Server.
            server_id: ServerId,
            /// Who.
            user_id: UserId,
            /// Whether they were removed by an admin.
            kicked: bool,
        },
        /// A server's event was scheduled or changed, or someone's interest in it.
        ScheduleUpdated {
            /// The event as it is now.
            event: ScheduledEvent,
        },
        /// A server's event was cancelled.
        ScheduleDeleted {
            /// Server.
            server_id: ServerId,
            /// Event.
            event_id: EventId,
        },
        /// A message was pinned to its channel or unpinned.
        MessagePinned {
            /// Channel.
            channel_id: ChannelId,
            /// Message.
            message_id: MessageId,
            /// Pinned now (`false`: unpinned).
            pinned: bool,
            /// Who did it.
            by: UserId,
        },
        /// Someone invited me to a server in the app.
        InviteReceived {
            /// The invite.
            invite: PendingInvite,
        },
        /// An invite waiting for me was answered (accepted or declined, on
        /// any of my devices) or withdrawn.
        InviteResolved {
            /// Its code.
            code: InviteCode,
        },
        /// Someone was given a role or had one taken away.
        MemberUpdated {
            /// Server.
            server_id: ServerId,
            /// Who.
            user_id: UserId,
            /// The roles they hold now (besides `@everyone`).
            roles: Vec<RoleId>,
        },
        /// A server's roles changed (one was created, edited, moved or
        /// deleted; a deleted role is gone from every member too).
        RolesUpdated {
            /// Server.
            server_id: ServerId,
            /// All its roles now, `@everyone` first.
            roles: Vec<ServerRole>,
        },
        /// A channel or category was created.
        ChannelCreated {
            /// The channel.
            channel: Channel,
        },
        /// A channel was renamed.
        ChannelUpdated {
            /// The channel.
            channel: Channel,
        },
        /// A channel was deleted (a deleted category's channels move to the top level).
        ChannelDeleted {
            /// Server.
            server_id: ServerId,
            /// Channel.
            channel_id: ChannelId,
        },
        /// Channels were reordered or moved between categories.
        ChannelsReordered {
            /// Server.
            server_id: ServerId,
            /// Every channel of the server, in its new place.
            channels: Vec<Channel>,
        },
        /// A real-time toast from an administrator, to everyone connected.
        Toast {
            /// The toast.
            toast: Toast,
        },
        /// Your plan changed (a payment, or an administrator); sent to your
        /// own sessions. New limits apply to your next message.
        PlanChanged {
            /// The plan now.
            plan: Plan,
        },
        /// A paid event was created, opened, closed, drawn, or its pot
        /// changed; sent to everyone connected.
        PaidEventChanged {
            /// The event now.
            event: crate::models::PaidEvent,
        },
        /// Your membership changed: a payment, a refund, a renewal, its end;
        /// sent to your own sessions.
        MembershipChanged {
            /// The membership now.
            membership: crate::models::Membership,
        },
        /// You chose another status (on any of your devices); sent to your
        /// own sessions.
        StatusChanged {
            /// The status now.
            status: StatusChoice,
        },
        /// Someone joined a voice room or changed their state in it (sent to
        /// the server's members).
        VoiceStateUpdated {
            /// Their state.
            state: VoiceState,
        },
        /// Someone left a voice room.
        VoiceStateRemoved {
            /// Server (`null`: a call in a direct-message channel).
            #[serde(default)]
            server_id: Option<ServerId>,
            /// The room.
            channel_id: ChannelId,
            /// Who.
            user_id: UserId,
            /// The stay that ended.
            voice_session: VoiceSessionId,
        },
    }
}

/// WebSocket close codes the server uses. 1000–1015 are the standard ones;
/// 4000–4999 are pq's. Each carries a short reason string in the close frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseCode {
    /// The server is shutting down; reconnect (and resume) shortly.
    GoingAway,
    /// A frame that is not UTF-8 text.
    InvalidPayload,
    /// A frame larger than `max_frame_bytes`.
    MessageTooBig,
    /// A frame that is not valid JSON or not a valid frame.
    DecodeError,
    /// A frame with an unknown `op`.
    UnknownOp,
    /// Anything but `identify`/`resume` before the session starts.
    NotAuthenticated,
    /// The token is invalid or expired: refresh it, then reconnect.
    AuthenticationFailed,
    /// `identify` or `resume` sent twice.
    AlreadyAuthenticated,
    /// Flooding: more frames than the rate limit allows.
    RateLimited,
    /// No heartbeat within one and a half intervals.
    SessionTimedOut,
    /// The client read too slowly and its queue overflowed; reconnect and resume.
    SlowConsumer,
    /// The client speaks a protocol version the server does not.
    UnsupportedVersion,
    /// The session was replaced by a resume from another connection.
    SessionReplaced,
    /// The account was signed out or the session invalidated by the server.
    SessionInvalidated,
}

impl CloseCode {
    /// The numeric code sent in the close frame.
    #[must_use]
    pub const fn code(self) -> u16 {
        match self {
            CloseCode::GoingAway => 1001,
            CloseCode::InvalidPayload => 1007,
            CloseCode::MessageTooBig => 1009,
            CloseCode::DecodeError => 4002,
            CloseCode::UnknownOp => 4001,
            CloseCode::NotAuthenticated => 4003,
            CloseCode::AuthenticationFailed => 4004,
            CloseCode::AlreadyAuthenticated => 4005,
            CloseCode::RateLimited => 4008,
            CloseCode::SessionTimedOut => 4009,
            CloseCode::SlowConsumer => 4010,
            CloseCode::UnsupportedVersion => 4012,
            CloseCode::SessionReplaced => 4013,
            CloseCode::SessionInvalidated => 4014,
        }
    }

    /// Maps a numeric code back, if it is one of pq's.
    #[must_use]
    pub const fn from_code(code: u16) -> Option<Self> {
        Some(match code {
            1001 => CloseCode::GoingAway,
            1007 => CloseCode::InvalidPayload,
            1009 => CloseCode::MessageTooBig,
            4002 => CloseCode::DecodeError,
            4001 => CloseCode::UnknownOp,
            4003 => CloseCode::NotAuthenticated,
            4004 => CloseCode::AuthenticationFailed,
            4005 => CloseCode::AlreadyAuthenticated,
            4008 => CloseCode::RateLimited,
            4009 => CloseCode::SessionTimedOut,
            4010 => CloseCode::SlowConsumer,
            4012 => CloseCode::UnsupportedVersion,
            4013 => CloseCode::SessionReplaced,
            4014 => CloseCode::SessionInvalidated,
            _ => return None,
        })
    }

    /// Whether a client should reconnect after this close (with backoff).
    /// `false` means a retry as-is would fail the same way (fix the client, or
    /// sign in again for `AuthenticationFailed` / `SessionInvalidated`).
    #[must_use]
    pub const fn should_reconnect(self) -> bool {
        matches!(
            self,
            CloseCode::GoingAway
                | CloseCode::SessionTimedOut
                | CloseCode::SlowConsumer
                | CloseCode::RateLimited
                | CloseCode::SessionReplaced
        )
    }
}

impl ClientFrame {
    /// Decodes a client frame, telling apart an unknown `op` (close with
    /// [`CloseCode::UnknownOp`]) from any other malformation
    /// ([`CloseCode::DecodeError`]).
    ///
    /// # Errors
    /// The close code to use and a reason naming what was wrong.
    pub fn decode(text: &str) -> Result<Self, (CloseCode, String)> {
        match serde_json::from_str::<ClientFrame>(text) {
            Ok(frame) => Ok(frame),
            Err(err) => {
                #[derive(Deserialize)]
                struct OpOnly<'a> {
                    #[serde(borrow)]
                    op: std::borrow::Cow<'a, str>,
                }
                match serde_json::from_str::<OpOnly<'_>>(text) {
                    Ok(o) if !KNOWN_CLIENT_OPS.contains(&o.op.as_ref()) => {
                        Err((CloseCode::UnknownOp, format!("unknown op {:?}", truncate(&o.op, 32))))
                    }
                    _ => Err((CloseCode::DecodeError, format!("invalid frame: {}", truncate(&err.to_string(), 100)))),
                }
            }
        }
    }
}

/// The `op` names a client may send.
pub const KNOWN_CLIENT_OPS: &[&str] = &[
    "identify",
    "resume",
    "heartbeat",
    "send_message",
    "typing",
    "set_idle",
    "set_status",
    "mark_read",
    "voice_join",
    "voice_leave",
    "voice_update",
    "voice_signal",
];

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
