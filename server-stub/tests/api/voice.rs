//! Voice rooms over the gateway: who is seated where, who hears about it,
//! signals relayed only inside a room, full rooms, moving, moderation, and
//! seats of dropped connections.

use std::time::Duration;

use pq_protocol::{
    ChannelId, UserId,
    gateway::{ClientFrame, Event, GatewayError, ServerFrame},
    models::{Channel, ChannelKind, ServerState},
    voice::{
        IceCandidate, IceConfig, SdpType, Signal, VoiceJoin, VoiceJoined, VoiceLeft, VoiceLeftReason, VoiceSignal,
        VoiceSignalSend, VoiceState, VoiceUpdate,
    },
};
use reqwest::Method;
use serde_json::json;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, frame::coding::CloseCode as WsCloseCode};

use crate::{
    client::{Api, Gw},
    common::TestServer,
    servers::{api, server_with, text_channel},
};

fn voice_channel(s: &ServerState) -> ChannelId {
    s.channels.iter().find(|c| c.kind == ChannelKind::Voice).expect("a voice channel").id
}

fn join(channel: ChannelId) -> ClientFrame {
    ClientFrame::VoiceJoin(VoiceJoin { channel_id: channel, self_mute: None, self_deaf: None, camera: None })
}

impl Gw {
    async fn joined(&mut self) -> VoiceJoined {
        match self.frame("voice_joined", |f| matches!(f, ServerFrame::VoiceJoined(_) | ServerFrame::Error(_))).await {
            ServerFrame::VoiceJoined(j) => *j,
            other => panic!("expected voice_joined, got {other:?}"),
        }
    }

    async fn refused(&mut self) -> GatewayError {
        match self.frame("error", |f| matches!(f, ServerFrame::Error(_))).await {
            ServerFrame::Error(e) => e,
            _ => unreachable!(),
        }
    }

    async fn left(&mut self) -> VoiceLeft {
        match self.frame("voice_left", |f| matches!(f, ServerFrame::VoiceLeft(_))).await {
            ServerFrame::VoiceLeft(l) => l,
            _ => unreachable!(),
        }
    }

    async fn signal(&mut self) -> VoiceSignal {
        match self.frame("voice_signal", |f| matches!(f, ServerFrame::VoiceSignal(_))).await {
            ServerFrame::VoiceSignal(s) => s,
            _ => unreachable!(),
        }
    }

    async fn voice_state(&mut self, user: UserId, pred: impl Fn(&VoiceState) -> bool) -> VoiceState {
        match self
            .event(
                "voice_state_updated",
                |e| matches!(e, Event::VoiceStateUpdated { state } if state.user_id == user && pred(state)),
            )
            .await
        {
            Event::VoiceStateUpdated { state } => state,
            _ => unreachable!(),
        }
    }

    async fn voice_removed(&mut self, user: UserId) {
        self.event(
            "voice_state_removed",
            |e| matches!(e, Event::VoiceStateRemoved { user_id, .. } if *user_id == user),
        )
        .await;
    }
}

fn offer(sdp: &str) -> Signal {
    Signal::Description { sdp_type: SdpType::Offer, sdp: sdp.into() }
}

async fn me(a: &Api) -> UserId {
    let me: pq_protocol::models::Me = a.get("/api/users/@me").await;
    me.id
}

#[tokio::test]
async fn people_in_a_room_are_seen_by_the_server_and_signal_only_each_other() {
    let ts = TestServer::start_with(|a| a.stun_urls = vec!["stun:stun.example.com:3478".into()]).await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let dave = api(&ts, "dave@example.com").await;
    let s = server_with(&alice, &[&bob, &carol]).await;
    let room = voice_channel(&s);
    let (alice_id, bob_id, carol_id) = (me(&alice).await, me(&bob).await, me(&carol).await);
    // Dave is in a server of his own, not in this one.
    let _dave_server = server_with(&dave, &[]).await;

    let mut a = Gw::connect(&ts.url, &alice.token).await;
    let mut b = Gw::connect(&ts.url, &bob.token).await;
    let mut c = Gw::connect(&ts.url, &carol.token).await;
    let mut d = Gw::connect(&ts.url, &dave.token).await;

    // Alice joins: she gets the roster and the ICE servers; the server sees her.
    a.send(&join(room)).await;
    let ja = a.joined().await;
    assert_eq!(ja.roster.len(), 1);
    assert_eq!(ja.me.user_id, alice_id);
    assert_eq!(ja.me.channel_id, room);
    assert!(!ja.me.self_mute && !ja.me.camera && !ja.me.speaking);
    assert_eq!(ja.max_participants, 8);
    assert_eq!(ja.ice_servers[0].urls, ["stun:stun.example.com:3478"]);
    c.voice_state(alice_id, |_| true).await;

    // Bob joins with his camera on: the roster holds both, in order of joining.
    b.send(&ClientFrame::VoiceJoin(VoiceJoin {
        channel_id: room,
        self_mute: None,
        self_deaf: None,
        camera: Some(true),
    }))
    .await;
    let jb = b.joined().await;
    assert_eq!(jb.roster.iter().map(|v| v.user_id).collect::<Vec<_>>(), [alice_id, bob_id]);
    assert!(jb.me.camera);
    assert_ne!(jb.me.voice_session, ja.me.voice_session);
    a.voice_state(bob_id, |v| v.camera).await;

    // Someone connecting now finds them in `ready`, and REST shows them too.
    let c2 = Gw::connect(&ts.url, &carol.token).await;
    let ready = c2.ready.as_ref().unwrap();
    let here: Vec<UserId> = ready.servers[0].voice_states.iter().map(|v| v.user_id).collect();
    assert_eq!(here, [alice_id, bob_id]);
    let st: ServerState = carol.get(&format!("/api/servers/{}", s.server.id)).await;
    assert_eq!(st.voice_states.len(), 2);

    // Offer and candidates go from Bob to Alice, tagged with Bob's stay.
    b.send(&ClientFrame::VoiceSignal(VoiceSignalSend {
        to: alice_id,
        to_session: ja.me.voice_session,
        signal: offer("v=0 bob's offer"),
    }))
    .await;
    let sig = a.signal().await;
    assert_eq!((sig.from, sig.from_session, sig.channel_id), (bob_id, jb.me.voice_session, room));
    assert_eq!(sig.signal, offer("v=0 bob's offer"));
    let cands = Signal::Candidates {
        candidates: vec![IceCandidate {
            candidate: "candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host".into(),
            sdp_mid: Some("0".into()),
            sdp_mline_index: Some(0),
        }],
        done: true,
    };
    a.send(&ClientFrame::VoiceSignal(VoiceSignalSend {
        to: bob_id,
        to_session: jb.me.voice_session,
        signal: cands.clone(),
    }))
    .await;
    assert_eq!(b.signal().await.signal, cands);

    // A signal for an earlier stay, from someone not in the room, or from a
    // stranger goes nowhere, with a clear error.
    a.send(&ClientFrame::VoiceSignal(VoiceSignalSend {
        to: bob_id,
        to_session: ja.me.voice_session,
        signal: offer("x"),
    }))
    .await;
    assert_eq!(a.refused().await.error.code, pq_protocol::ErrorCode::NotInRoom);
    c.send(&ClientFrame::VoiceSignal(VoiceSignalSend {
        to: alice_id,
        to_session: ja.me.voice_session,
        signal: offer("x"),
    }))
    .await;
    assert_eq!(c.refused().await.error.code, pq_protocol::ErrorCode::NotInRoom);
    d.send(&ClientFrame::VoiceSignal(VoiceSignalSend {
        to: alice_id,
        to_session: ja.me.voice_session,
        signal: offer("x"),
    }))
    .await;
    assert_eq!(d.refused().await.error.code, pq_protocol::ErrorCode::NotInRoom);
    // A stranger cannot join, and a text channel is no room.
    d.send(&join(room)).await;
    assert_eq!(d.refused().await.error.code, pq_protocol::ErrorCode::NotFound);
    a.send(&join(text_channel(&s).id)).await;
    assert_eq!(a.refused().await.error.code, pq_protocol::ErrorCode::Conflict);
    // Oversized descriptions are refused; the connection stays.
    b.send(&ClientFrame::VoiceSignal(VoiceSignalSend {
        to: alice_id,
        to_session: ja.me.voice_session,
        signal: offer(&"a".repeat(pq_protocol::limits::MAX_SDP_BYTES + 1)),
    }))
    .await;
    let e = b.refused().await;
    assert_eq!((e.error.code, e.error.field.as_deref()), (pq_protocol::ErrorCode::InvalidField, Some("sdp")));

    // Mute and speaking: nobody is shown speaking while muted.
    b.send(&ClientFrame::VoiceUpdate(VoiceUpdate { speaking: Some(true), ..Default::default() })).await;
    a.voice_state(bob_id, |v| v.speaking).await;
    b.send(&ClientFrame::VoiceUpdate(VoiceUpdate { self_mute: Some(true), ..Default::default() })).await;
    let v = a.voice_state(bob_id, |v| v.self_mute).await;
    assert!(!v.speaking);
    b.send(&ClientFrame::VoiceUpdate(VoiceUpdate { speaking: Some(true), ..Default::default() })).await;
    // Carol, not in a room, cannot update.
    c.send(&ClientFrame::VoiceUpdate(VoiceUpdate { camera: Some(true), ..Default::default() })).await;
    assert_eq!(c.refused().await.error.code, pq_protocol::ErrorCode::NotInRoom);

    // Moderation: members may not, admins may; everyone sees it.
    let path = format!("/api/channels/{room}/voice/{alice_id}");
    bob.fails(Method::PATCH, &path, Some(json!({"server_mute": true})), 403, "forbidden").await;
    // An admin acts only on people below them: not on the owner.
    let member_path = format!("/api/servers/{}/members/{bob_id}", s.server.id);
    let admin = crate::servers::make_admin(&alice, s.server.id, bob_id).await;
    let body = bob.fails(Method::PATCH, &path, Some(json!({"server_mute": true})), 403, "forbidden").await;
    assert!(body["message"].as_str().unwrap().contains("owner"), "{body}");
    let (st, _) = alice.call(Method::DELETE, &format!("{member_path}/roles/{}", admin.id), None).await;
    assert_eq!(st, 204);
    let path = format!("/api/channels/{room}/voice/{bob_id}");
    let v: VoiceState = alice.ok(Method::PATCH, &path, Some(json!({"server_mute": true}))).await;
    assert!(v.server_mute);
    c.voice_state(bob_id, |v| v.server_mute).await;
    let path = format!("/api/channels/{room}/voice/{carol_id}");
    alice.fails(Method::PATCH, &path, Some(json!({"server_mute": true})), 409, "not_in_room").await;
    // Leaving and coming back does not lift an admin's mute.
    b.send(&ClientFrame::VoiceLeave).await;
    b.left().await;
    b.send(&join(room)).await;
    assert!(b.joined().await.me.server_mute, "still muted by the admin after re-joining");
    // Disconnecting Bob: his connection hears why, the others see him go.
    let path = format!("/api/channels/{room}/voice/{bob_id}");
    let (status, _) = alice.call(Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    assert_eq!(b.left().await.reason, VoiceLeftReason::Disconnected);
    a.voice_removed(bob_id).await;
    c.voice_removed(bob_id).await;

    // Alice leaves.
    a.send(&ClientFrame::VoiceLeave).await;
    assert_eq!(a.left().await, VoiceLeft { channel_id: room, reason: VoiceLeftReason::Left });
    c.voice_removed(alice_id).await;
    let st: ServerState = carol.get(&format!("/api/servers/{}", s.server.id)).await;
    assert!(st.voice_states.is_empty());

    // Dave never heard any of it.
    for f in d.drain(Duration::from_millis(300)).await {
        if let ServerFrame::Dispatch(x) = &f {
            assert!(
                !matches!(x.event, Event::VoiceStateUpdated { .. } | Event::VoiceStateRemoved { .. }),
                "a stranger saw {f:?}"
            );
        }
        assert!(!matches!(f, ServerFrame::VoiceSignal(_)), "a stranger got {f:?}");
    }
}

#[tokio::test]
async fn a_full_room_turns_the_next_one_away_and_joining_elsewhere_moves_you() {
    let ts = TestServer::start_with(|a| a.voice_room_size = 3).await;
    let people = [
        api(&ts, "a@example.com").await,
        api(&ts, "b@example.com").await,
        api(&ts, "c@example.com").await,
        api(&ts, "d@example.com").await,
    ];
    let s = server_with(&people[0], &[&people[1], &people[2], &people[3]]).await;
    let room = voice_channel(&s);
    let mut gws = Vec::new();
    for p in &people {
        gws.push(Gw::connect(&ts.url, &p.token).await);
    }
    for g in gws.iter_mut().take(3) {
        g.send(&join(room)).await;
        g.joined().await;
    }
    gws[3].send(&join(room)).await;
    let e = gws[3].refused().await;
    assert_eq!(e.error.code, pq_protocol::ErrorCode::RoomFull);
    assert_eq!(e.error.limit, Some(3));
    assert!(e.error.message.contains('3'), "{}", e.error.message);

    // A second room: C moves there, keeping the mute she chose.
    let second: Channel = people[0]
        .post(&format!("/api/servers/{}/channels", s.server.id), json!({"name": "Lounge", "kind": "voice"}))
        .await;
    gws[2].send(&ClientFrame::VoiceUpdate(VoiceUpdate { self_mute: Some(true), ..Default::default() })).await;
    let c_id = me(&people[2]).await;
    gws[0].voice_state(c_id, |v| v.self_mute).await;
    gws[2].send(&join(second.id)).await;
    let moved = gws[2].joined().await;
    assert_eq!(moved.me.channel_id, second.id);
    assert!(moved.me.self_mute);
    gws[0].voice_removed(c_id).await;
    gws[0].voice_state(c_id, |v| v.channel_id == second.id).await;

    // Now there is room for D.
    gws[3].send(&join(room)).await;
    assert_eq!(gws[3].joined().await.roster.len(), 3);

    // C joins again from another device: the first one is told it moved.
    let mut c_laptop = Gw::connect(&ts.url, &people[2].token).await;
    c_laptop.send(&join(second.id)).await;
    let again = c_laptop.joined().await;
    assert_ne!(again.me.voice_session, moved.me.voice_session, "a new stay: peers reconnect");
    assert_eq!(gws[2].left().await.reason, VoiceLeftReason::Moved);

    // Deleting the room empties it, and everyone in it hears why.
    let (status, _) = people[0].call(Method::DELETE, &format!("/api/channels/{}", second.id), None).await;
    assert_eq!(status, 204);
    assert_eq!(c_laptop.left().await.reason, VoiceLeftReason::ChannelDeleted);
    gws[0].voice_removed(c_id).await;

    // Removing D from the server takes her out of the room.
    let d_id = me(&people[3]).await;
    let (status, _) =
        people[0].call(Method::DELETE, &format!("/api/servers/{}/members/{d_id}", s.server.id), None).await;
    assert_eq!(status, 204);
    assert_eq!(gws[3].left().await.reason, VoiceLeftReason::Removed);
    gws[0].voice_removed(d_id).await;
}

#[tokio::test]
async fn a_dropped_connection_keeps_its_seat_for_the_grace_only() {
    // The default grace (15 s), on the server's clock, which the test moves.
    let ts = TestServer::start().await;
    let grace = Duration::from_secs(15);
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let s = server_with(&alice, &[&bob]).await;
    let room = voice_channel(&s);
    let alice_id = me(&alice).await;
    let mut b = Gw::connect(&ts.url, &bob.token).await;

    // Alice's socket drops without a goodbye and she resumes in time: still seated.
    let mut a = Gw::connect(&ts.url, &alice.token).await;
    a.send(&join(room)).await;
    let seat = a.joined().await.me;
    b.voice_state(alice_id, |_| true).await;
    let session = a.ready.as_ref().unwrap().session_id;
    let last = a.last_s;
    drop(a);
    let (mut a, frames) = Gw::resume(&ts.url, &alice.token, session, last).await;
    assert!(matches!(frames.last(), Some(ServerFrame::Resumed(_))), "{frames:?}");
    // The grace of the dropped connection passes: she is back, she stays.
    ts.clock().advance(grace + Duration::from_secs(1));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(ts.server.state.hub().voice_state_of(alice_id).map(|v| v.voice_session), Some(seat.voice_session));
    // She can still act in the room.
    a.send(&ClientFrame::VoiceUpdate(VoiceUpdate { camera: Some(true), ..Default::default() })).await;
    b.voice_state(alice_id, |v| v.camera).await;

    // Now she drops and stays away: her seat stays for the grace, then goes.
    drop(a);
    let early = tokio::time::timeout(Duration::from_millis(300), b.voice_removed(alice_id)).await;
    assert!(early.is_err(), "removed before the grace");
    let mut removed = false;
    for _ in 0..3 {
        ts.clock().advance(Duration::from_secs(8));
        if tokio::time::timeout(Duration::from_millis(500), b.voice_removed(alice_id)).await.is_ok() {
            removed = true;
            break;
        }
    }
    assert!(removed, "her seat stayed after the grace");

    // A goodbye (close 1000) ends the session: the seat goes at once.
    let mut a = Gw::connect(&ts.url, &alice.token).await;
    a.send(&join(room)).await;
    a.joined().await;
    b.voice_state(alice_id, |_| true).await;
    a.ws.close(Some(CloseFrame { code: WsCloseCode::Normal, reason: "bye".into() })).await.unwrap();
    // (The clock does not move: waiting for the grace would never end.)
    b.voice_removed(alice_id).await;
}

#[tokio::test]
async fn turn_credentials_are_short_lived_and_only_for_the_signed_in() {
    let ts = TestServer::start_with(|a| {
        a.turn_urls = vec!["turn:turn.example.com:3478?transport=udp".into()];
        a.turn_secret = Some("north".into());
        a.turn_ttl_secs = 600;
    })
    .await;
    let alice = api(&ts, "alice@example.com").await;
    let ice: IceConfig = alice.get("/api/voice/ice-servers").await;
    let turn = &ice.ice_servers[0];
    assert_eq!(turn.urls, ["turn:turn.example.com:3478?transport=udp"]);
    let user = turn.username.as_deref().unwrap();
    let expiry: i64 = user.split(':').next().unwrap().parse().unwrap();
    let now = pq_protocol::Timestamp::now().as_millis() / 1000;
    assert!((now + 590..=now + 610).contains(&expiry), "expires at {expiry}, now {now}");
    assert!(user.ends_with(&me(&alice).await.to_string()));
    assert!(!turn.credential.as_deref().unwrap().is_empty());
    let anon = Api::new(&ts.url, "nope");
    anon.fails(Method::GET, "/api/voice/ice-servers", None, 401, "unauthorized").await;
}

/// A call in a direct-message channel: its members hear of it (the room's
/// `server_id` is null), nobody else does or may join; one who declines is
/// heard by the caller; the other joins and they signal each other; a
/// fresh `ready` shows the call going on; a block stops a new join.
#[tokio::test]
async fn a_direct_message_call_rings_its_members_only() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    server_with(&alice, &[&bob, &carol]).await;
    let (alice_id, bob_id) = (me(&alice).await, me(&bob).await);
    let dm: pq_protocol::models::DmChannel =
        alice.post("/api/users/@me/dms", serde_json::json!({"recipients": [bob_id]})).await;
    let mut a = Gw::connect(&ts.url, &alice.token).await;
    let mut b = Gw::connect(&ts.url, &bob.token).await;
    let mut c = Gw::connect(&ts.url, &carol.token).await;

    a.send(&join(dm.id)).await;
    let ja = a.joined().await;
    assert_eq!((ja.roster.len(), ja.me.server_id), (1, None));
    let ringing = b.voice_state(alice_id, |s| s.channel_id == dm.id).await;
    assert_eq!(ringing.server_id, None, "a call outside any server");
    c.send(&join(dm.id)).await;
    assert_eq!(c.refused().await.error.code, pq_protocol::ErrorCode::NotFound);
    let heard = c.drain(Duration::from_millis(300)).await;
    assert!(!format!("{heard:?}").contains(&dm.id.to_string()), "Carol hears nothing: {heard:?}");

    // Bob's other device declines: Alice hears it.
    let (status, _) = bob.call(Method::POST, &format!("/api/dms/{}/call/decline", dm.id), None).await;
    assert_eq!(status, 204);
    a.event(
        "Alice hears Bob declined",
        |e| matches!(e, Event::CallDeclined { channel_id, user_id } if *channel_id == dm.id && *user_id == bob_id),
    )
    .await;
    carol.fails(Method::POST, &format!("/api/dms/{}/call/decline", dm.id), None, 404, "not_found").await;

    // A new session of Bob's sees the call going on; then he joins after all.
    let again = Gw::connect(&ts.url, &bob.token).await;
    let dms = &again.ready.as_ref().unwrap().dms;
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0].voice_states.iter().map(|v| v.user_id).collect::<Vec<_>>(), [alice_id]);
    b.send(&join(dm.id)).await;
    let jb = b.joined().await;
    assert_eq!(jb.roster.len(), 2);
    a.voice_state(bob_id, |s| s.channel_id == dm.id).await;
    b.send(&ClientFrame::VoiceSignal(VoiceSignalSend {
        to: alice_id,
        to_session: ja.me.voice_session,
        signal: offer("v=0 bob"),
    }))
    .await;
    assert_eq!(a.signal().await.from, bob_id);

    // Bob blocks Alice: she is out of their calls from now on.
    a.send(&ClientFrame::VoiceLeave).await;
    b.voice_removed(alice_id).await;
    let _: serde_json::Value = bob
        .ok(
            Method::PUT,
            &format!("/api/users/@me/relationships/{alice_id}"),
            Some(serde_json::json!({"kind": "blocked"})),
        )
        .await;
    a.send(&join(dm.id)).await;
    assert_eq!(a.refused().await.error.code, pq_protocol::ErrorCode::Forbidden);
}
