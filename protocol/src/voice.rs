//! Voice and video rooms: who is in which room, and the signaling that lets
//! their clients connect to each other directly (a full WebRTC mesh).
//!
//! A voice channel is a room for at most [`crate::limits::MAX_ROOM_SIZE`]
//! people. Media never passes through pq-server: it relays only the room's
//! roster and the WebRTC offers, answers and ICE candidates, and only between
//! people in the same room.
//!
//! ```text
//! client A                         server                          client B
//!   | voice_join {channel_id} ------->|
//!   |<------- voice_joined {roster, ice_servers, voice_session}     |
//!   |                                 |-- dispatch voice_state_updated (A) -->|
//!   |                                 |<------- voice_signal {to: A, description: offer}
//!   |<-- voice_signal {from: B, …} ---|
//!   | voice_signal {to: B, description: answer} --> … and candidates both ways
//! ```
//!
//! Everyone in a room connects to everyone else. Who offers first does not
//! matter: both sides use the "perfect negotiation" pattern and the one with
//! the smaller [`VoiceSessionId`] is the polite side (it rolls back its own
//! offer when offers collide).
//!
//! A person is in at most one room, from one connection: joining again (from
//! another device or another room) moves them, and the connection that was in
//! the room gets `voice_left` with reason `moved`. A connection that drops
//! keeps its place for a short grace period (a quick reconnect and `resume`
//! loses nothing); after that, or after a new `identify`, the client joins
//! again.

use serde::{Deserialize, Serialize};

use crate::{
    ids::{ChannelId, ServerId, UserId, VoiceSessionId},
    time::Timestamp,
};

macro_rules! wire {
    ($($item:item)*) => {$(
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        $item
    )*};
}

wire! {
    /// One person in a voice room, as everyone in the server sees them.
    pub struct VoiceState {
        /// Server of the room (`null`: a call in a direct-message channel).
        #[serde(default)]
        pub server_id: Option<ServerId>,
        /// The room (a voice channel).
        pub channel_id: ChannelId,
        /// Who.
        pub user_id: UserId,
        /// This stay in the room.
        pub voice_session: VoiceSessionId,
        /// They muted their microphone.
        pub self_mute: bool,
        /// They turned off all sound (implies not sending either).
        pub self_deaf: bool,
        /// An admin muted them for everyone.
        pub server_mute: bool,
        /// They send video.
        pub camera: bool,
        /// They are speaking now (voice activity, or push-to-talk held).
        pub speaking: bool,
        /// When they joined.
        pub joined_at: Timestamp,
    }

    /// `voice_join`: enter a voice room (leaving any other first).
    pub struct VoiceJoin {
        /// A server's voice channel, or a direct-message channel (its call:
        /// members only; in a direct channel, not when either blocked the
        /// other — `forbidden`/`conflict`).
        pub channel_id: ChannelId,
        /// Join with the microphone muted.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub self_mute: Option<bool>,
        /// Join deafened.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub self_deaf: Option<bool>,
        /// Join with the camera on.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub camera: Option<bool>,
    }

    /// `voice_update`: change your own state in the room you are in. Fields
    /// left out stay as they are.
    #[derive(Default)]
    pub struct VoiceUpdate {
        /// Microphone muted.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub self_mute: Option<bool>,
        /// Deafened.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub self_deaf: Option<bool>,
        /// Camera on.
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub camera: Option<bool>,
        /// Speaking (send on change only, at most a few times a second).
        #[serde(default)]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub speaking: Option<bool>,
    }

    /// `voice_signal` from a client: a negotiation message for one other
    /// person in your room.
    pub struct VoiceSignalSend {
        /// Whom it is for.
        pub to: UserId,
        /// Their stay it is meant for (signals for an earlier stay are dropped).
        pub to_session: VoiceSessionId,
        /// The message.
        pub signal: Signal,
    }

    /// `voice_signal` from the server: a negotiation message from someone in
    /// your room.
    pub struct VoiceSignal {
        /// The room.
        pub channel_id: ChannelId,
        /// Who sent it.
        pub from: UserId,
        /// Their stay in the room.
        pub from_session: VoiceSessionId,
        /// The message.
        pub signal: Signal,
    }

    /// A WebRTC negotiation message.
    #[serde(tag = "kind", rename_all = "snake_case")]
    pub enum Signal {
        /// A session description (offer or answer).
        Description {
            /// `offer`, `answer`, `pranswer` or `rollback`.
            sdp_type: SdpType,
            /// The SDP text.
            sdp: String,
        },
        /// ICE candidates, batched (trickle ICE).
        Candidates {
            /// New candidates, in the order they were gathered.
            candidates: Vec<IceCandidate>,
            /// No more candidates will follow for this ICE generation.
            #[serde(default)]
            done: bool,
        },
    }

    /// The type of a session description.
    #[serde(rename_all = "snake_case")]
    pub enum SdpType {
        /// An offer.
        Offer,
        /// An answer.
        Answer,
        /// A provisional answer.
        Pranswer,
        /// Back out of an offer.
        Rollback,
    }

    /// One ICE candidate, as RTCIceCandidateInit.
    pub struct IceCandidate {
        /// The `candidate:` attribute's value.
        pub candidate: String,
        /// Media section id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub sdp_mid: Option<String>,
        /// Media section index.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub sdp_mline_index: Option<u16>,
    }

    /// `voice_joined`: you are in the room. Connect to everyone in `roster`
    /// other than yourself.
    pub struct VoiceJoined {
        /// Your state in the room.
        pub me: VoiceState,
        /// Everyone in the room, you included, by time of joining.
        pub roster: Vec<VoiceState>,
        /// STUN and TURN servers to use for the peer connections.
        pub ice_servers: Vec<IceServer>,
        /// Most people the room admits.
        pub max_participants: u32,
    }

    /// `voice_left`: this connection is no longer in a voice room.
    pub struct VoiceLeft {
        /// The room.
        pub channel_id: ChannelId,
        /// Why.
        pub reason: VoiceLeftReason,
    }

    /// Why a connection left a room.
    #[serde(rename_all = "snake_case")]
    pub enum VoiceLeftReason {
        /// You asked to (`voice_leave`).
        Left,
        /// You joined a room elsewhere (another room, or from another device).
        Moved,
        /// An admin disconnected you.
        Disconnected,
        /// You are no longer a member of the server.
        Removed,
        /// The channel was deleted.
        ChannelDeleted,
    }

    /// A STUN or TURN server (as RTCIceServer).
    pub struct IceServer {
        /// `stun:host:port`, `turn:host:port?transport=udp`, `turns:…`.
        pub urls: Vec<String>,
        /// TURN user name (short-lived).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub username: Option<String>,
        /// TURN password (short-lived).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub credential: Option<String>,
    }

    /// `GET /api/voice/ice-servers`: where to find STUN and TURN.
    pub struct IceConfig {
        /// The servers.
        pub ice_servers: Vec<IceServer>,
        /// When the TURN credentials stop working (fetch new ones before).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "ts", ts(optional))]
        pub expires_at: Option<Timestamp>,
    }

    /// `PATCH /api/channels/{channel_id}/voice/{user_id}`: an admin mutes or
    /// unmutes someone in a room for everyone.
    pub struct ModerateVoice {
        /// Muted for everyone.
        pub server_mute: bool,
    }
}
