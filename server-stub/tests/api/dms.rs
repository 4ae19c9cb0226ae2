//! Direct messages: a direct channel between two people who share a server
//! or are friends (one per pair; the other hears of it with the first
//! message), groups of up to ten (named, joined, left, handed over), the
//! same messages, reactions, read markers and typing as a server channel —
//! and every refusal: strangers, blocks either way, friends-only, someone
//! outside the channel. Kept across a restart.

use std::time::Duration;

use pq_protocol::{
    ChannelId, ClientMessageId, UserId,
    gateway::{ClientFrame, Event, TypingStart},
    models::{DmChannel, DmKind, DmState, Me, MessagePage, ReadState, SendAck},
};
use reqwest::Method;
use serde_json::json;

use crate::{
    client::{Api, Gw},
    common::TestServer,
    servers::{api, server_with},
};

const DMS: &str = "/api/users/@me/dms";

async fn id(api: &Api) -> UserId {
    api.get::<Me>("/api/users/@me").await.id
}

fn messages(channel: ChannelId) -> String {
    format!("/api/channels/{channel}/messages")
}

async fn say(api: &Api, channel: ChannelId, body: &str) -> SendAck {
    api.post(&messages(channel), json!({"client_id": ClientMessageId::new(), "body": body})).await
}

async fn say_fails(api: &Api, channel: ChannelId, status: u16, code: &str) -> String {
    let v = api
        .fails(
            Method::POST,
            &messages(channel),
            Some(json!({"client_id": ClientMessageId::new(), "body": "hi"})),
            status,
            code,
        )
        .await;
    v["message"].as_str().unwrap().to_owned()
}

fn names(dm: &DmChannel) -> Vec<&str> {
    dm.members.iter().map(|u| u.display_name.as_str()).collect()
}

/// Alice and Bob share a server. Alice opens their direct channel (opening
/// it again gives the same one); Bob hears of it only with her first
/// message, which comes with the channel. They talk, react, read and type
/// exactly as in a server channel; Carol, in the same server, sees none of
/// it. Bob's unread count and Alice's "unread by" follow. All of it is there
/// after a restart, ordered by activity.
#[tokio::test]
async fn two_people_write_privately() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    server_with(&alice, &[&bob, &carol]).await;
    let (alice_id, bob_id) = (id(&alice).await, id(&bob).await);
    let mut a = Gw::connect(&ts.url, &alice.token).await;
    let mut b = Gw::connect(&ts.url, &bob.token).await;
    let mut c = Gw::connect(&ts.url, &carol.token).await;

    let (status, v) = alice.call(Method::POST, DMS, Some(json!({"recipients": [bob_id]}))).await;
    assert_eq!(status, 201, "{v}");
    let dm: DmChannel = serde_json::from_value(v).unwrap();
    assert_eq!((dm.kind, dm.name.as_deref(), dm.owner_id), (DmKind::Direct, None, alice_id));
    assert_eq!(names(&dm), ["alice", "bob"]);
    a.event("Alice's devices hear of it", |e| matches!(e, Event::DmUpdated { channel } if channel.id == dm.id)).await;
    let (status, again) = alice.call(Method::POST, DMS, Some(json!({"recipients": [bob_id, bob_id]}))).await;
    assert_eq!((status.as_u16(), again["id"].as_str().unwrap()), (200, dm.id.to_string().as_str()));
    let (status, v) = bob.call(Method::POST, DMS, Some(json!({"recipients": [alice_id]}))).await;
    assert_eq!((status.as_u16(), v["id"].as_str().unwrap()), (200, dm.id.to_string().as_str()), "one per pair");
    assert_eq!(alice.get::<Vec<DmState>>(DMS).await.len(), 0, "empty and opened last by Bob: only in his list");
    assert_eq!(bob.get::<Vec<DmState>>(DMS).await.len(), 1);

    let hello = say(&alice, dm.id, "안녕, Bob — just us").await;
    assert_eq!(hello.seq, 1);
    b.event(
        "the channel reaches Bob with the message",
        |e| matches!(e, Event::DmUpdated { channel } if channel.id == dm.id && channel.members.len() == 2),
    )
    .await;
    let got = b.event("Bob gets it", |e| matches!(e, Event::MessageCreated { .. })).await;
    let Event::MessageCreated { message } = got else { unreachable!() };
    assert_eq!((message.channel_id, message.body.as_str(), message.unread_by), (dm.id, "안녕, Bob — just us", 1));
    let reply = say(&bob, dm.id, "hi Alice").await;
    let (status, _) =
        bob.call(Method::PUT, &format!("{}/{}/reactions/%F0%9F%91%8D", messages(dm.id), hello.message_id), None).await;
    assert_eq!(status, 204);
    a.event("Alice sees his reaction", |e| matches!(e, Event::ReactionAdded { user_id, .. } if *user_id == bob_id))
        .await;
    b.send(&ClientFrame::Typing(TypingStart { channel_id: dm.id })).await;
    a.event("Alice sees Bob typing", |e| matches!(e, Event::TypingStarted { user_id, .. } if *user_id == bob_id)).await;
    let frames = c.drain(Duration::from_millis(300)).await;
    assert!(!format!("{frames:?}").contains(&dm.id.to_string()), "Carol hears nothing of it: {frames:?}");

    // Carol cannot read, write, react or mark read; the channel is not there for her.
    carol.fails(Method::GET, &messages(dm.id), None, 404, "not_found").await;
    say_fails(&carol, dm.id, 404, "not_found").await;
    carol.fails(Method::PUT, &format!("/api/channels/{}/read", dm.id), Some(json!({"seq": 1})), 404, "not_found").await;
    assert!(carol.get::<Vec<DmState>>(DMS).await.is_empty());
    // Not a server channel: no renaming it through the channel routes, no name for two.
    alice.fails(Method::PATCH, &format!("/api/channels/{}", dm.id), Some(json!({"name": "x"})), 404, "not_found").await;
    alice.fails(Method::PATCH, &format!("/api/dms/{}", dm.id), Some(json!({"name": "x"})), 409, "conflict").await;
    alice.fails(Method::DELETE, &format!("/api/dms/{}/members/{alice_id}", dm.id), None, 409, "conflict").await;
    // Only one's own messages are deleted, even by a server's owner.
    alice.fails(Method::DELETE, &format!("{}/{}", messages(dm.id), reply.message_id), None, 403, "forbidden").await;

    let page: MessagePage = alice.get(&messages(dm.id)).await;
    assert_eq!(page.messages.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(), ["안녕, Bob — just us", "hi Alice"]);
    assert_eq!(page.messages[0].reactions.len(), 1);
    assert_eq!(page.messages[1].unread_by, 1, "Alice has not read Bob's reply yet");
    let read: ReadState =
        alice.ok(Method::PUT, &format!("/api/channels/{}/read", dm.id), Some(json!({"seq": 2}))).await;
    assert_eq!((read.last_read_seq, read.unread_count), (2, 0));
    b.event(
        "Bob sees Alice read it",
        |e| matches!(e, Event::UnreadByChanged { channel_id, .. } if *channel_id == dm.id),
    )
    .await;

    // A group is more recent than the direct channel once it has a message.
    let carol_id = id(&carol).await;
    let group: DmChannel = alice.post(DMS, json!({"recipients": [bob_id, carol_id], "name": "  Weekend  "})).await;
    assert_eq!((group.kind, group.name.as_deref()), (DmKind::Group, Some("Weekend")));
    say(&carol, group.id, "count me in").await;
    drop((a, b, c));

    let ts = ts.restart().await;
    let (alice, bob) = (Api::new(&ts.url, &alice.token), Api::new(&ts.url, &bob.token));
    let b = Gw::connect(&ts.url, &bob.token).await;
    let ready = b.ready.as_ref().unwrap();
    let order: Vec<ChannelId> = ready.dms.iter().map(|d| d.channel.id).collect();
    assert_eq!(order, [group.id, dm.id], "most recently active first");
    assert_eq!(ready.dms[1].read_state.unread_count, 0, "Bob read his own reply's channel up to it");
    assert_eq!(ready.dms[0].read_state.unread_count, 1, "Carol's message is unread for Bob");
    let page: MessagePage = bob.get(&messages(dm.id)).await;
    assert_eq!(page.messages.len(), 2);
    say(&alice, dm.id, "still here").await;
}

/// Who may write to whom: not strangers, not someone who blocked you (nor
/// someone you blocked), not someone who takes messages from friends only
/// unless you are friends; a block or a lost shared server stops an open
/// direct channel too.
#[tokio::test]
async fn only_friends_and_server_mates_may_write_and_blocks_stop_it() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let dana = api(&ts, "dana@example.com").await;
    let (alice_id, bob_id, dana_id) = (id(&alice).await, id(&bob).await, id(&dana).await);

    let refused = alice.fails(Method::POST, DMS, Some(json!({"recipients": [bob_id]})), 403, "forbidden").await;
    assert!(refused["message"].as_str().unwrap().contains("friends"), "{refused}");
    alice.fails(Method::POST, DMS, Some(json!({"recipients": [UserId::new()]})), 404, "not_found").await;
    alice.fails(Method::POST, DMS, Some(json!({"recipients": [alice_id]})), 422, "invalid_field").await;
    alice.fails(Method::POST, DMS, Some(json!({"recipients": []})), 422, "invalid_field").await;
    let ten: Vec<UserId> = (0..10).map(|_| UserId::new()).collect();
    alice.fails(Method::POST, DMS, Some(json!({"recipients": ten})), 422, "invalid_field").await;

    // Friends may, without a server.
    let _: serde_json::Value = alice.post("/api/users/@me/relationships", json!({"to": "bob@example.com"})).await;
    let _: serde_json::Value =
        bob.ok(Method::PUT, &format!("/api/users/@me/relationships/{alice_id}"), Some(json!({"kind": "friend"}))).await;
    let dm: DmChannel = alice.post(DMS, json!({"recipients": [bob_id]})).await;
    say(&alice, dm.id, "friends can write").await;
    alice.fails(Method::POST, DMS, Some(json!({"recipients": [bob_id], "name": "x"})), 422, "invalid_field").await;

    // Bob blocks Alice: she cannot write; he cannot either until he unblocks.
    let _: serde_json::Value = bob
        .ok(Method::PUT, &format!("/api/users/@me/relationships/{alice_id}"), Some(json!({"kind": "blocked"})))
        .await;
    let why = say_fails(&alice, dm.id, 403, "forbidden").await;
    assert!(why.contains("not accepting"), "{why}");
    say_fails(&bob, dm.id, 409, "conflict").await;
    alice.fails(Method::POST, DMS, Some(json!({"recipients": [bob_id]})), 403, "forbidden").await;
    let (status, _) = bob.call(Method::DELETE, &format!("/api/users/@me/relationships/{alice_id}"), None).await;
    assert_eq!(status, 204);
    // No longer friends and no server together: strangers again.
    say_fails(&alice, dm.id, 403, "forbidden").await;
    let history: MessagePage = alice.get(&messages(dm.id)).await;
    assert_eq!(history.messages.len(), 1, "what was said stays readable");

    // Dana shares a server with Alice but takes messages from friends only.
    server_with(&dana, &[&alice]).await;
    let me: Me = dana.ok(Method::PATCH, "/api/users/@me", Some(json!({"allow_server_dms": false}))).await;
    assert!(!me.allow_server_dms);
    let why = alice.fails(Method::POST, DMS, Some(json!({"recipients": [dana_id]})), 403, "forbidden").await;
    assert!(why["message"].as_str().unwrap().contains("friends only"), "{why}");
    // Dana may still write to Alice (Alice allows it) and Alice may answer there.
    let to_alice: DmChannel = dana.post(DMS, json!({"recipients": [alice_id]})).await;
    say(&dana, to_alice.id, "hello from Dana").await;
    say_fails(&alice, to_alice.id, 403, "forbidden").await;
    let ts = ts.restart().await;
    let alice = Api::new(&ts.url, &alice.token);
    say_fails(&alice, to_alice.id, 403, "forbidden").await;
    let dana = Api::new(&ts.url, &dana.token);
    let _: Me = dana.ok(Method::PATCH, "/api/users/@me", Some(json!({"allow_server_dms": true}))).await;
    say(&alice, to_alice.id, "now I can answer").await;
}

/// A group: everyone hears of it at once; any member renames it and adds
/// people (up to ten, only people they may write to); the owner removes
/// people; an owner who leaves hands it over; someone who left reads
/// nothing more.
#[tokio::test]
async fn groups_are_named_joined_left_and_handed_over() {
    let ts = TestServer::start().await;
    let people: Vec<Api> = {
        let mut v = Vec::new();
        for i in 0..11 {
            v.push(api(&ts, &format!("p{i}@example.com")).await);
        }
        v
    };
    let others: Vec<&Api> = people[1..].iter().collect();
    server_with(&people[0], &others).await;
    let mut ids = Vec::new();
    for p in &people {
        ids.push(id(p).await);
    }
    let mut p2 = Gw::connect(&ts.url, &people[2].token).await;

    let group: DmChannel = people[0].post(DMS, json!({"recipients": [ids[1], ids[2]]})).await;
    assert_eq!((group.kind, group.name.clone(), group.owner_id), (DmKind::Group, None, ids[0]));
    p2.event("p2 sees the group at once", |e| matches!(e, Event::DmUpdated { channel } if channel.id == group.id))
        .await;
    let renamed: DmChannel =
        people[2].ok(Method::PATCH, &format!("/api/dms/{}", group.id), Some(json!({"name": "Hiking club"}))).await;
    assert_eq!(renamed.name.as_deref(), Some("Hiking club"));
    let member = |g: ChannelId, u: UserId| format!("/api/dms/{g}/members/{u}");
    for (i, who) in ids.iter().enumerate().take(10).skip(3) {
        let g: DmChannel = people[1].ok(Method::PUT, &member(group.id, *who), None).await;
        assert_eq!(g.members.len(), i + 1);
    }
    people[1].fails(Method::PUT, &member(group.id, ids[10]), None, 409, "conflict").await;
    let same: DmChannel = people[1].ok(Method::PUT, &member(group.id, ids[3]), None).await;
    assert_eq!(same.members.len(), 10, "adding someone who is in changes nothing");
    people[10]
        .fails(Method::PATCH, &format!("/api/dms/{}", group.id), Some(json!({"name": "x"})), 404, "not_found")
        .await;

    // Only the owner removes others; p1 leaves; p0 removes p3 and then leaves.
    people[1].fails(Method::DELETE, &member(group.id, ids[3]), None, 403, "forbidden").await;
    let (s, _) = people[1].call(Method::DELETE, &member(group.id, ids[1]), None).await;
    assert_eq!(s, 204);
    let (s, _) = people[0].call(Method::DELETE, &member(group.id, ids[3]), None).await;
    assert_eq!(s, 204);
    say(&people[2], group.id, "who is left?").await;
    let (s, _) = people[0].call(Method::DELETE, &member(group.id, ids[0]), None).await;
    assert_eq!(s, 204);
    let ev = p2
        .event(
            "the group passes to the next who joined",
            |e| matches!(e, Event::DmUpdated { channel } if channel.id == group.id && channel.owner_id == ids[2]),
        )
        .await;
    let Event::DmUpdated { channel } = ev else { unreachable!() };
    assert_eq!(channel.members.len(), 7);
    people[3].fails(Method::GET, &messages(group.id), None, 404, "not_found").await;
    say_fails(&people[1], group.id, 404, "not_found").await;
    assert!(people[1].get::<Vec<DmState>>(DMS).await.is_empty());
    let (s, _) = people[2].call(Method::DELETE, &member(group.id, ids[4]), None).await;
    assert_eq!(s, 204, "the new owner removes people");
}
