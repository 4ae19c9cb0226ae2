//! Every wire type's JSON, pinned. A changed snapshot is a protocol change:
//! bump `PROTOCOL_VERSION` if old clients would misread it, and note it in
//! `protocol/CHANGELOG.md`. Every example also round-trips through serde.
//!
//! Update with: `INSTA_UPDATE=always cargo test -p pq-protocol --test snapshots`

use pq_protocol::{ErrorBody, ErrorCode, gateway::*, ids::*, limits::Plan, models::*, time::Timestamp, voice::*};
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

fn id<T: From<Uuid>>(n: u128) -> T {
    T::from(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | n))
}

const T0: Timestamp = Timestamp::from_millis(1_795_000_000_123);

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(items: &[T]) {
    for item in items {
        let json = serde_json::to_string(item).unwrap();
        let back: T = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(&back, item, "{json}");
    }
}

fn user() -> User {
    User { id: id(1), display_name: "민지".into(), avatar_url: Some("/media/3f2a".into()), custom_status: None }
}

fn custom_status() -> CustomStatus {
    CustomStatus { text: "시험 공부 중".into(), expires_at: Some(T0.plus_millis(3_600_000)) }
}

fn me() -> Me {
    Me {
        id: id(1),
        display_name: "민지".into(),
        avatar_url: None,
        email: Some("minji@example.com".into()),
        username: Some("minji.k".into()),
        plan: Plan::Basic,
        is_admin: false,
        about: Some("Seoul · 기타".into()),
        custom_status: Some(custom_status()),
        allow_server_dms: true,
    }
}

fn dm() -> DmChannel {
    DmChannel {
        id: id(60),
        kind: DmKind::Group,
        name: Some("주말 등산".into()),
        owner_id: id(1),
        members: vec![user(), User { id: id(2), display_name: "Bob".into(), avatar_url: None, custom_status: None }],
        last_seq: 4,
        last_activity_at: T0,
    }
}

fn server() -> Server {
    Server {
        id: id(10),
        name: "Study group".into(),
        icon_url: None,
        owner_id: id(1),
        created_at: T0,
        description: Some("Reading together, one chapter a week".into()),
    }
}

fn channel() -> Channel {
    Channel {
        id: id(20),
        server_id: id(10),
        kind: ChannelKind::Text,
        name: "general".into(),
        parent_id: Some(id(19)),
        position: 0,
        last_seq: 42,
        private: false,
        topic: Some("Chapter 3 this week".into()),
    }
}

fn message() -> Message {
    Message {
        id: id(30),
        channel_id: id(20),
        seq: 42,
        author_id: id(1),
        client_id: id(31),
        body: "안녕하세요 👋".into(),
        reply_to: None,
        created_at: T0,
        edited_at: None,
        deleted: false,
        reactions: vec![Reaction { emoji: "👍".into(), count: 2, me: true }],
        unread_by: 3,
        pinned: true,
        mentions_everyone: false,
        kind: MessageKind::Default,
        attachments: vec![Attachment {
            id: id(32),
            filename: "chapter-3.png".into(),
            content_type: "image/png".into(),
            size: 48_213,
            width: Some(1200),
            height: Some(800),
            thumbnail: true,
        }],
    }
}

fn server_state() -> ServerState {
    ServerState {
        server: server(),
        channels: vec![channel()],
        roles: vec![everyone(), mods()],
        my_roles: vec![id(70)],
        member_count: 4,
        read_states: vec![ReadState { channel_id: id(20), last_read_seq: 40, unread_count: 2 }],
        voice_states: vec![voice_state()],
        events: vec![],
    }
}

fn voice_state() -> VoiceState {
    VoiceState {
        server_id: Some(id(10)),
        channel_id: id(21),
        user_id: id(2),
        voice_session: id(50),
        self_mute: false,
        self_deaf: false,
        server_mute: false,
        camera: true,
        speaking: true,
        joined_at: T0,
    }
}

fn member() -> Member {
    Member { user: user(), roles: vec![id(70)], presence: Presence::Online, joined_at: T0 }
}

fn everyone() -> ServerRole {
    ServerRole {
        id: id(10),
        name: "@everyone".into(),
        color: 0,
        position: 0,
        permissions: Permissions::EVERYONE.list(),
    }
}

fn mods() -> ServerRole {
    ServerRole {
        id: id(70),
        name: "Mods".into(),
        color: 0x2e_8b_57,
        position: 1,
        permissions: vec![Permission::KickMembers, Permission::ManageMessages],
    }
}

#[test]
fn client_frames() {
    let frames = vec![
        ClientFrame::Identify(Identify { v: 1, token: "eyJ…".into(), idle: None }),
        ClientFrame::Resume(Resume { v: 1, token: "eyJ…".into(), session_id: id(40), last_seq: 1234 }),
        ClientFrame::Heartbeat,
        ClientFrame::SendMessage(GatewaySend {
            channel_id: id(20),
            client_id: id(31),
            body: "hello".into(),
            reply_to: Some(id(29)),
            attachments: vec![id(32)],
        }),
        ClientFrame::Typing(TypingStart { channel_id: id(20) }),
        ClientFrame::SetIdle(SetIdle { idle: true }),
        ClientFrame::SetStatus(SetStatus { status: StatusChoice::Away }),
        ClientFrame::MarkRead(GatewayMarkRead { channel_id: id(20), seq: 42 }),
    ];
    round_trip(&frames);
    insta::assert_json_snapshot!(frames);
}

#[test]
fn server_frames() {
    let frames = vec![
        ServerFrame::Hello(Hello {
            v: 1,
            heartbeat_interval_ms: 30_000,
            max_frame_bytes: 16_384,
            rate_per_sec: 20.0,
            rate_burst: 60,
        }),
        ServerFrame::Ready(Box::new(Ready {
            v: 1,
            session_id: id(40),
            me: me(),
            servers: vec![server_state()],
            presences: vec![PresenceEntry { user_id: id(2), presence: Presence::Away }],
            status: StatusChoice::Auto,
            relationships: vec![Relationship { user: user(), kind: RelationshipKind::Incoming, since: T0 }],
            dms: vec![DmState {
                channel: dm(),
                read_state: ReadState { channel_id: id(60), last_read_seq: 3, unread_count: 1 },
                voice_states: vec![],
            }],
            invites: vec![],
        })),
        ServerFrame::Resumed(Resumed {
            replayed: 3,
            presences: vec![PresenceEntry { user_id: id(3), presence: Presence::Online }],
        }),
        ServerFrame::InvalidSession(InvalidSession { reason: "session expired".into() }),
        ServerFrame::HeartbeatAck,
        ServerFrame::Dispatch(Box::new(Dispatch {
            s: 77,
            event: Event::TypingStarted { channel_id: id(20), user_id: id(2) },
        })),
        ServerFrame::Ack(SendAck {
            client_id: id(31),
            channel_id: id(20),
            message_id: id(30),
            seq: 42,
            created_at: T0,
        }),
        ServerFrame::Error(GatewayError {
            client_id: Some(id(31)),
            error: ErrorBody {
                limit: Some(150),
                ..ErrorBody::new(ErrorCode::MessageTooLong, "Messages are limited to 150 characters on the free plan.")
            },
        }),
    ];
    round_trip(&frames);
    insta::assert_json_snapshot!(frames);
}

#[test]
fn events() {
    let events = vec![
        Event::MessageCreated { message: message() },
        Event::MessageEdited { channel_id: id(20), message_id: id(30), seq: 42, body: "edited".into(), edited_at: T0 },
        Event::MessageDeleted { channel_id: id(20), message_id: id(30), seq: 42 },
        Event::ReactionAdded { channel_id: id(20), message_id: id(30), user_id: id(2), emoji: "🎉".into() },
        Event::ReactionRemoved { channel_id: id(20), message_id: id(30), user_id: id(2), emoji: "🎉".into() },
        Event::ReadMarkerUpdated { channel_id: id(20), last_read_seq: 42, unread_count: 0 },
        Event::UnreadByChanged { channel_id: id(20), after_seq: 40, through_seq: 42, delta: -1 },
        Event::TypingStarted { channel_id: id(20), user_id: id(2) },
        Event::PresenceUpdated { user_id: id(2), presence: Presence::Offline },
        Event::PresenceUpdated { user_id: id(3), presence: Presence::Dnd },
        Event::UserUpdated { user: user() },
        Event::UserUpdated { user: User { custom_status: Some(custom_status()), ..user() } },
        Event::StatusChanged { status: StatusChoice::Invisible },
        Event::RelationshipChanged {
            relationship: Relationship { user: user(), kind: RelationshipKind::Friend, since: T0 },
        },
        Event::RelationshipRemoved { user_id: id(2) },
        Event::MeUpdated { me: me() },
        Event::DmUpdated { channel: dm() },
        Event::DmRemoved { channel_id: id(60) },
        Event::CallDeclined { channel_id: id(60), user_id: id(2) },
        Event::ServerJoined { state: server_state() },
        Event::ServerUpdated { server: server() },
        Event::ServerRemoved { server_id: id(10), reason: "kicked".into() },
        Event::MemberJoined { server_id: id(10), member: member() },
        Event::MemberLeft { server_id: id(10), user_id: id(2), kicked: false },
        Event::MemberUpdated { server_id: id(10), user_id: id(2), roles: vec![id(70)] },
        Event::MessagePinned { channel_id: id(20), message_id: id(30), pinned: true, by: id(1) },
        Event::RolesUpdated { server_id: id(10), roles: vec![everyone(), mods()] },
        Event::ChannelCreated { channel: channel() },
        Event::ChannelUpdated { channel: channel() },
        Event::ChannelDeleted { server_id: id(10), channel_id: id(20) },
        Event::ChannelsReordered { server_id: id(10), channels: vec![channel()] },
        Event::Toast { toast: Toast { id: id(50), text: "Maintenance at 22:00".into(), from: user(), created_at: T0 } },
    ];
    round_trip(&events);
    insta::assert_json_snapshot!(events);
}

#[test]
fn rest_bodies() {
    let invite = Invite {
        code: InviteCode("n3wzX0b1tq8M-Bm7Qp2vAw".into()),
        url: "pq://invite/n3wzX0b1tq8M-Bm7Qp2vAw".into(),
        server_id: id(10),
        creator_id: id(1),
        created_at: T0,
        expires_at: Some(T0.plus_millis(604_800_000)),
        max_uses: Some(10),
        uses: 1,
    };
    let preview = InvitePreview {
        code: invite.code.clone(),
        server_id: id(10),
        server_name: "Study group".into(),
        server_icon_url: None,
        server_description: None,
        member_count: 4,
        online_count: 2,
        inviter: user(),
        expires_at: invite.expires_at,
        already_member: false,
    };
    let profile = Profile {
        user: User { custom_status: Some(custom_status()), ..user() },
        username: Some("minji.k".into()),
        about: Some("Seoul · 기타".into()),
        mutual_servers: vec![id(10)],
    };
    round_trip(&[me()]);
    round_trip(std::slice::from_ref(&profile));
    round_trip(&[member()]);
    round_trip(std::slice::from_ref(&invite));
    round_trip(std::slice::from_ref(&preview));
    round_trip(&[MessagePage { messages: vec![message()], has_more: true }]);
    round_trip(&[ChannelLayout { channels: vec![ChannelPlacement { id: id(20), parent_id: None, position: 3 }] }]);
    insta::assert_json_snapshot!(serde_json::json!({
        "Me": me(),
        "UpdateProfile": UpdateProfile {
            display_name: Some("Minji".into()),
            username: Some("minji.k".into()),
            about: Some("Seoul".into()),
            custom_status: Some(CustomStatus { text: "busy".into(), expires_at: None }),
            ..UpdateProfile::default()
        },
        "Profile": profile,
        "SetStatus": SetStatus { status: StatusChoice::Dnd },
        "FriendRequest": FriendRequest { to: "@bob".into() },
        "SetRelationship": SetRelationship { kind: RelationshipChoice::Blocked },
        "Relationship": Relationship { user: user(), kind: RelationshipKind::Outgoing, since: T0 },
        "SetPlan": SetPlan { plan: Plan::Premium },
        "CreateServer": CreateServer { name: "Study group".into() },
        "UpdateServer": UpdateServer { name: Some("Renamed".into()), ..UpdateServer::default() },
        "CreateChannel": CreateChannel { name: "voice".into(), kind: ChannelKind::Voice, parent_id: Some(id(19)) },
        "UpdateChannel": UpdateChannel { topic: Some("Plans for the week".into()), ..UpdateChannel::default() },
        "ChannelAccess": ChannelAccess { private: true, roles: vec![id(70)], users: vec![id(2)] },
        "ChannelLayout": ChannelLayout { channels: vec![ChannelPlacement { id: id(20), parent_id: None, position: 3 }] },
        "Member": member(),
        "CreateRole": CreateRole { name: "Mods".into(), color: Some(0x2e_8b_57), permissions: Some(vec![Permission::KickMembers]) },
        "UpdateRole": UpdateRole { position: Some(2), ..UpdateRole::default() },
        "MarkRead": MarkRead { seq: 42 },
        "ServerState": server_state(),
        "SendMessage": SendMessage { client_id: id(31), body: "hi".into(), reply_to: None, attachments: vec![] },
        "EditMessage": EditMessage { body: "fixed".into() },
        "MessagePage": MessagePage { messages: vec![message()], has_more: true },
        "CreateInvite": CreateInvite { max_age_secs: Some(3600), max_uses: Some(5) },
        "Invite": invite,
        "InvitePreview": preview,
        "CreateToast": CreateToast { text: "hello all".into() },
        "AuthConfig": AuthConfig { issuer: "https://cognito-idp.ap-northeast-2.amazonaws.com/ap-northeast-2_AbC".into(), client_id: "pq".into() },
        "Error": ErrorBody { field: Some("name".into()), ..ErrorBody::new(ErrorCode::InvalidField, "Name must not be empty.") },
    }));
}

#[test]
fn voice_frames() {
    let client = vec![
        ClientFrame::VoiceJoin(VoiceJoin { channel_id: id(21), self_mute: Some(true), self_deaf: None, camera: None }),
        ClientFrame::VoiceLeave,
        ClientFrame::VoiceUpdate(VoiceUpdate { speaking: Some(true), ..Default::default() }),
        ClientFrame::VoiceSignal(VoiceSignalSend {
            to: id(3),
            to_session: id(51),
            signal: Signal::Description { sdp_type: SdpType::Offer, sdp: "v=0\r\n…".into() },
        }),
        ClientFrame::VoiceSignal(VoiceSignalSend {
            to: id(3),
            to_session: id(51),
            signal: Signal::Candidates {
                candidates: vec![IceCandidate {
                    candidate: "candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host".into(),
                    sdp_mid: Some("0".into()),
                    sdp_mline_index: Some(0),
                }],
                done: false,
            },
        }),
    ];
    round_trip(&client);
    let server = vec![
        ServerFrame::VoiceJoined(Box::new(VoiceJoined {
            me: voice_state(),
            roster: vec![voice_state()],
            ice_servers: vec![
                IceServer { urls: vec!["stun:stun.example.com:3478".into()], username: None, credential: None },
                IceServer {
                    urls: vec!["turn:turn.example.com:3478?transport=udp".into()],
                    username: Some("1800003600:0190…".into()),
                    credential: Some("g5us2JoxRBIpB8NToeiWytIWxuc=".into()),
                },
            ],
            max_participants: 8,
        })),
        ServerFrame::VoiceLeft(VoiceLeft { channel_id: id(21), reason: VoiceLeftReason::Moved }),
        ServerFrame::VoiceSignal(VoiceSignal {
            channel_id: id(21),
            from: id(2),
            from_session: id(50),
            signal: Signal::Description { sdp_type: SdpType::Answer, sdp: "v=0\r\n…".into() },
        }),
        ServerFrame::Dispatch(Box::new(Dispatch { s: 90, event: Event::VoiceStateUpdated { state: voice_state() } })),
        ServerFrame::Dispatch(Box::new(Dispatch {
            s: 91,
            event: Event::VoiceStateRemoved {
                server_id: Some(id(10)),
                channel_id: id(21),
                user_id: id(2),
                voice_session: id(50),
            },
        })),
    ];
    round_trip(&server);
    let rest = (
        IceConfig { ice_servers: vec![], expires_at: Some(T0) },
        ModerateVoice { server_mute: true },
        ErrorBody { limit: Some(8), ..ErrorBody::new(ErrorCode::RoomFull, "This room is full: it admits 8 people.") },
    );
    insta::assert_json_snapshot!((client, server, rest));
}

#[test]
fn decode_tells_unknown_ops_from_malformed_frames() {
    assert!(matches!(ClientFrame::decode(r#"{"op":"heartbeat"}"#), Ok(ClientFrame::Heartbeat)));
    assert_eq!(ClientFrame::decode(r#"{"op":"fly","d":{}}"#).unwrap_err().0, CloseCode::UnknownOp);
    assert_eq!(ClientFrame::decode(r#"{"op":"send_message","d":{"body":1}}"#).unwrap_err().0, CloseCode::DecodeError);
    assert_eq!(ClientFrame::decode("not json").unwrap_err().0, CloseCode::DecodeError);
    assert_eq!(ClientFrame::decode(r#"{"d":{}}"#).unwrap_err().0, CloseCode::DecodeError);
    let (_, reason) = ClientFrame::decode(&format!(r#"{{"op":"{}"}}"#, "x".repeat(500))).unwrap_err();
    assert!(reason.len() < 123, "close reasons must fit a close frame: {reason}");
}

#[test]
fn close_codes_round_trip() {
    for code in [
        CloseCode::GoingAway,
        CloseCode::InvalidPayload,
        CloseCode::MessageTooBig,
        CloseCode::DecodeError,
        CloseCode::UnknownOp,
        CloseCode::NotAuthenticated,
        CloseCode::AuthenticationFailed,
        CloseCode::AlreadyAuthenticated,
        CloseCode::RateLimited,
        CloseCode::SessionTimedOut,
        CloseCode::SlowConsumer,
        CloseCode::UnsupportedVersion,
        CloseCode::SessionReplaced,
        CloseCode::SessionInvalidated,
    ] {
        assert_eq!(CloseCode::from_code(code.code()), Some(code));
    }
}

#[test]
fn plan_limits_match_the_seed() {
    assert_eq!(Plan::Free.max_message_chars(), 150);
    assert_eq!(Plan::Basic.max_message_chars(), 500);
    assert_eq!(Plan::Premium.max_message_chars(), 1_000);
    // Korean counts per syllable, emoji per scalar value.
    assert_eq!(pq_protocol::limits::char_count("안녕하세요"), 5);
}

#[test]
fn invite_codes() {
    assert!(InviteCode::is_well_formed("n3wzX0b1tq8M-Bm7Qp2vAw"));
    assert!(!InviteCode::is_well_formed("short"));
    assert!(!InviteCode::is_well_formed("n3wzX0b1tq8M/Bm7Qp2vAw"));
    assert_eq!(format!("{:?}", InviteCode("n3wzX0b1tq8M-Bm7Qp2vAw".into())), "InviteCode(n3wz…)");
}
