//! Private channels and categories: seen only by the roles and people on
//! their access list (and administrators), on every path — channel lists,
//! `ready`, history, sending, read markers, gateway events, voice rooms,
//! layouts and unread counts — and dropped from an app that loses access.

use std::time::Duration;

use pq_protocol::{
    ChannelId, ClientMessageId, RoleId, ServerId, UserId,
    gateway::{ClientFrame, Event, ServerFrame},
    models::{Channel, ChannelAccess, ChannelKind, MessagePage, SendAck, ServerRole, ServerState},
    voice::VoiceJoin,
};
use reqwest::Method;
use serde_json::json;

use crate::{
    client::{Api, Gw},
    common::TestServer,
    servers::{api, give_role, id, server_with, text_channel},
};

async fn channel(by: &Api, sid: ServerId, name: &str, kind: &str, parent: Option<ChannelId>) -> Channel {
    by.post(&format!("/api/servers/{sid}/channels"), json!({"name": name, "kind": kind, "parent_id": parent})).await
}

fn names(state: &ServerState) -> Vec<&str> {
    let mut n: Vec<&str> = state.channels.iter().map(|c| c.name.as_str()).collect();
    n.sort_unstable();
    n
}

async fn seen(api: &Api, sid: ServerId) -> ServerState {
    api.get(&format!("/api/servers/{sid}")).await
}

fn access(private: bool, roles: &[RoleId], users: &[UserId]) -> serde_json::Value {
    json!({"private": private, "roles": roles, "users": users})
}

/// Everything in `frames`, as text, to look for an id in.
fn text(frames: &[ServerFrame]) -> String {
    frames.iter().map(|f| serde_json::to_string(f).unwrap()).collect::<Vec<_>>().join("\n")
}

fn join(channel: ChannelId) -> ClientFrame {
    ClientFrame::VoiceJoin(VoiceJoin { channel_id: channel, self_mute: None, self_deaf: None, camera: None })
}

#[tokio::test]
async fn a_private_category_is_seen_only_by_those_let_in_on_every_path() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let s = server_with(&alice, &[&bob, &carol]).await;
    let sid = s.server.id;
    let (bob_id, carol_id) = (id(&bob).await, id(&carol).await);
    let staff: ServerRole = give_role(&alice, sid, bob_id, "Staff", &[]).await;
    let cat = channel(&alice, sid, "Staff only", "category", None).await;
    let plans = channel(&alice, sid, "plans", "text", Some(cat.id)).await;
    let huddle = channel(&alice, sid, "huddle", "voice", Some(cat.id)).await;
    let mut bob_gw = Gw::connect(&ts.url, &bob.token).await;
    let mut carol_gw = Gw::connect(&ts.url, &carol.token).await;

    // Carol has no way to change it; Alice makes the category private to Staff.
    carol
        .fails(Method::PUT, &format!("/api/channels/{}/access", cat.id), Some(access(true, &[], &[])), 403, "forbidden")
        .await;
    let set: ChannelAccess =
        alice.ok(Method::PUT, &format!("/api/channels/{}/access", cat.id), Some(access(true, &[staff.id], &[]))).await;
    assert_eq!((set.private, set.roles, set.users), (true, vec![staff.id], vec![]), "the owner needs no place on it");
    // Carol's app is sent the server without it; Bob's is not bothered.
    match carol_gw.event("server_joined", |e| matches!(e, Event::ServerJoined { .. })).await {
        Event::ServerJoined { state } => assert!(!names(&state).contains(&"plans"), "{:?}", names(&state)),
        _ => unreachable!(),
    }

    // Lists and ready: Carol does not see it, Bob does.
    assert_eq!(names(&seen(&carol, sid).await), ["General", "Text Channels", "Voice Channels", "general"]);
    let bobs = seen(&bob, sid).await;
    assert!(names(&bobs).contains(&"plans") && names(&bobs).contains(&"huddle"));
    assert!(bobs.channels.iter().find(|c| c.id == cat.id).unwrap().private);
    let fresh = Gw::connect(&ts.url, &carol.token).await;
    let state = &fresh.ready.as_ref().unwrap().servers[0];
    assert!(!names(state).contains(&"plans") && state.read_states.iter().all(|r| r.channel_id != plans.id));
    drop(fresh);

    // Reading, writing, marking read, its access list: it does not exist for her.
    let path = format!("/api/channels/{}/messages", plans.id);
    carol.fails(Method::GET, &path, None, 404, "not_found").await;
    let send = json!({"client_id": ClientMessageId::new(), "body": "let me in"});
    carol.fails(Method::POST, &path, Some(send), 404, "not_found").await;
    carol
        .fails(Method::PUT, &format!("/api/channels/{}/read", plans.id), Some(json!({"seq": 1})), 404, "not_found")
        .await;
    carol.fails(Method::GET, &format!("/api/channels/{}/access", cat.id), None, 404, "not_found").await;
    carol_gw.send(&join(huddle.id)).await;
    match carol_gw.frame("error", |f| matches!(f, ServerFrame::Error(_))).await {
        ServerFrame::Error(e) => assert_eq!(e.error.code, pq_protocol::ErrorCode::NotFound),
        _ => unreachable!(),
    }

    // What happens in it reaches Bob and not Carol: messages, typing, who is
    // in the voice room, a layout change, unread counts.
    let sent: SendAck =
        alice.post(&path, json!({"client_id": ClientMessageId::new(), "body": "the launch is on Friday"})).await;
    bob_gw
        .event("message_created", |e| matches!(e, Event::MessageCreated { message } if message.id == sent.message_id))
        .await;
    let page: MessagePage = alice.get(&path).await;
    assert_eq!(page.messages[0].unread_by, 1, "only Bob has it to read");
    bob_gw.send(&join(huddle.id)).await;
    bob_gw.frame("voice_joined", |f| matches!(f, ServerFrame::VoiceJoined(_))).await;
    let moved: Vec<Channel> = alice
        .ok(
            Method::PUT,
            &format!("/api/servers/{sid}/channels/layout"),
            Some(json!({"channels": [{"id": plans.id, "parent_id": cat.id, "position": 5}]})),
        )
        .await;
    assert!(moved.iter().any(|c| c.id == plans.id));
    let general = text_channel(&s).id;
    alice
        .post::<SendAck>(
            &format!("/api/channels/{general}/messages"),
            json!({"client_id": ClientMessageId::new(), "body": "done"}),
        )
        .await;
    carol_gw
        .event(
            "the next message in #general",
            |e| matches!(e, Event::MessageCreated { message } if message.channel_id == general),
        )
        .await;
    // (Everything since she connected: the frames waited past are kept.)
    let heard = text(&carol_gw.drain(Duration::from_millis(300)).await);
    for hidden in [plans.id, huddle.id, cat.id] {
        assert!(!heard.contains(&hidden.to_string()), "Carol heard of {hidden}: {heard}");
    }
    let carols = seen(&carol, sid).await;
    assert!(carols.voice_states.is_empty(), "nor who is in its room: {:?}", carols.voice_states);

    // Losing access: Bob's app gets the server without it, and he leaves its
    // voice room.
    let (st, _) =
        alice.call(Method::DELETE, &format!("/api/servers/{sid}/members/{bob_id}/roles/{}", staff.id), None).await;
    assert_eq!(st, 204);
    match bob_gw.event("server_joined", |e| matches!(e, Event::ServerJoined { .. })).await {
        Event::ServerJoined { state } => assert!(!names(&state).contains(&"plans")),
        _ => unreachable!(),
    }
    bob_gw.frame("voice_left", |f| matches!(f, ServerFrame::VoiceLeft(_))).await;
    bob.fails(Method::GET, &path, None, 404, "not_found").await;

    // Gaining it: Carol, given Staff, gets the server with it.
    let (st, _) =
        alice.call(Method::PUT, &format!("/api/servers/{sid}/members/{carol_id}/roles/{}", staff.id), None).await;
    assert_eq!(st, 204);
    match carol_gw.event("server_joined", |e| matches!(e, Event::ServerJoined { .. })).await {
        Event::ServerJoined { state } => {
            assert!(names(&state).contains(&"plans"));
            let unread = state.read_states.iter().find(|r| r.channel_id == plans.id).expect("its read state");
            assert_eq!(unread.unread_count, 1, "what was written before she could see it is unread");
        }
        _ => unreachable!(),
    }
    let page: MessagePage = carol.get(&path).await;
    assert_eq!(page.messages.len(), 1);

    // Public again: everyone sees it.
    let _: ChannelAccess =
        alice.ok(Method::PUT, &format!("/api/channels/{}/access", cat.id), Some(access(false, &[], &[]))).await;
    assert!(names(&seen(&bob, sid).await).contains(&"plans"));
}

#[tokio::test]
async fn access_lists_are_checked_and_nobody_locks_themselves_out() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let dave = api(&ts, "dave@example.com").await;
    let s = server_with(&alice, &[&bob, &carol]).await;
    let other = server_with(&dave, &[]).await;
    let sid = s.server.id;
    let (bob_id, carol_id, dave_id) = (id(&bob).await, id(&carol).await, id(&dave).await);
    give_role(&alice, sid, bob_id, "Builders", &["manage_channels"]).await;
    let secret = channel(&bob, sid, "secret", "text", None).await;
    assert_eq!(secret.kind, ChannelKind::Text);
    let path = format!("/api/channels/{}/access", secret.id);

    // Bad lists change nothing.
    let foreign = RoleId(other.server.id.0);
    bob.fails(Method::PUT, &path, Some(access(true, &[foreign], &[])), 409, "conflict").await;
    bob.fails(Method::PUT, &path, Some(access(true, &[], &[dave_id])), 409, "conflict").await;
    let many: Vec<UserId> = (0..101).map(|_| UserId::new()).collect();
    bob.fails(Method::PUT, &path, Some(access(true, &[], &many)), 422, "invalid_field").await;
    assert!(!seen(&carol, sid).await.channels.iter().find(|c| c.id == secret.id).unwrap().private);

    // Bob makes it Carol's: he is added, so he can still manage it.
    let set: ChannelAccess = bob.ok(Method::PUT, &path, Some(access(true, &[], &[carol_id]))).await;
    let mut want = vec![carol_id, bob_id];
    want.sort_unstable();
    let mut got = set.users.clone();
    got.sort_unstable();
    assert_eq!(got, want);
    let read: ChannelAccess = bob.get(&path).await;
    assert!(read.private);
    assert!(names(&seen(&carol, sid).await).contains(&"secret"));
    // The owner sees it though it does not name her.
    assert!(names(&seen(&alice, sid).await).contains(&"secret"));
    // Moving it under a category, or the category being deleted, keeps its own list.
    let cat = channel(&alice, sid, "Lounge", "category", None).await;
    let _: Vec<Channel> = alice
        .ok(
            Method::PUT,
            &format!("/api/servers/{sid}/channels/layout"),
            Some(json!({"channels": [{"id": secret.id, "parent_id": cat.id, "position": 0}]})),
        )
        .await;
    let (st, _) = alice.call(Method::DELETE, &format!("/api/channels/{}", cat.id), None).await;
    assert_eq!(st, 204);
    let fresh = seen(&alice, sid).await;
    assert!(fresh.channels.iter().any(|c| c.id == secret.id && c.private && c.parent_id.is_none()));
    // Nor can someone it is hidden from place it: for them it is not there.
    give_role(&alice, sid, carol_id, "Builders", &["manage_channels"]).await;
    let (st, _) = bob.call(Method::PUT, &path, Some(access(true, &[], &[bob_id]))).await;
    assert_eq!(st, 200);
    carol
        .fails(
            Method::PUT,
            &format!("/api/servers/{sid}/channels/layout"),
            Some(json!({"channels": [{"id": secret.id, "parent_id": null, "position": 3}]})),
            409,
            "conflict",
        )
        .await;
}
