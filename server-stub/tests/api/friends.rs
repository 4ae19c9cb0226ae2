//! Friends and blocks: requests by email or from a card, accepting,
//! declining, removing; a friend's presence without a shared server; a block
//! that ends everything between two people, hides the blocker's presence at
//! once and refuses the blocked person's requests — kept across a restart.

use std::time::Duration;

use pq_protocol::{
    UserId,
    gateway::Event,
    models::{Me, Member, Presence, Relationship, RelationshipKind, User},
};
use reqwest::Method;
use serde_json::json;

use crate::{
    client::{Api, Gw},
    common::TestServer,
    servers::{api, server_with},
};

const RELATIONSHIPS: &str = "/api/users/@me/relationships";

fn with(user: UserId) -> String {
    format!("{RELATIONSHIPS}/{user}")
}

async fn id(api: &Api) -> UserId {
    api.get::<Me>("/api/users/@me").await.id
}

fn changed(e: &Event, who: UserId, kind: RelationshipKind) -> bool {
    matches!(e, Event::RelationshipChanged { relationship } if relationship.user.id == who && relationship.kind == kind)
}

fn presence(e: &Event, who: UserId, p: Presence) -> bool {
    matches!(e, Event::PresenceUpdated { user_id, presence } if *user_id == who && *presence == p)
}

/// Alice and Bob share no server. Alice asks Bob by his email (any case):
/// Bob's app hears it at once; asking twice, asking herself or an unknown
/// address is refused clearly. Bob accepts: they are friends on both sides
/// and see each other's presence, which follows them offline. Alice removes
/// him: gone for both, and his profile is no longer hers to read.
#[tokio::test]
async fn friends_ask_accept_see_each_other_and_part() {
    let ts = TestServer::start_with(|a| a.presence_grace_ms = 100).await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let (alice_id, bob_id) = (id(&alice).await, id(&bob).await);
    let mut a = Gw::connect(&ts.url, &alice.token).await;
    let mut b = Gw::connect(&ts.url, &bob.token).await;
    bob.fails(Method::GET, &format!("/api/users/{alice_id}"), None, 404, "not_found").await;

    let asked: Relationship = alice.post(RELATIONSHIPS, json!({"to": " BOB@Example.com "})).await;
    assert_eq!((asked.user.id, asked.kind), (bob_id, RelationshipKind::Outgoing));
    b.event("the request reaches Bob", |e| changed(e, alice_id, RelationshipKind::Incoming)).await;
    a.event("Alice's other devices hear of it", |e| changed(e, bob_id, RelationshipKind::Outgoing)).await;
    let mine: Vec<Relationship> = bob.get(RELATIONSHIPS).await;
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0].user.display_name.as_str(), mine[0].kind), ("alice", RelationshipKind::Incoming));
    let card: User = bob.get(&format!("/api/users/{alice_id}")).await;
    assert_eq!(card.id, alice_id, "who asked can be looked up");

    alice.fails(Method::POST, RELATIONSHIPS, Some(json!({"to": "bob@example.com"})), 409, "conflict").await;
    alice.fails(Method::PUT, &with(bob_id), Some(json!({"kind": "friend"})), 409, "conflict").await;
    alice.fails(Method::POST, RELATIONSHIPS, Some(json!({"to": "alice@example.com"})), 409, "conflict").await;
    alice.fails(Method::POST, RELATIONSHIPS, Some(json!({"to": "nobody@example.com"})), 404, "not_found").await;
    alice.fails(Method::POST, RELATIONSHIPS, Some(json!({"to": "not an address"})), 422, "invalid_field").await;
    alice.fails(Method::PUT, &with(bob_id), Some(json!({"kind": "incoming"})), 400, "bad_request").await;
    alice.fails(Method::PUT, &with(UserId::new()), Some(json!({"kind": "friend"})), 404, "not_found").await;

    // Bob accepts: friends on both sides, and each sees the other online.
    let accepted: Relationship = bob.ok(Method::PUT, &with(alice_id), Some(json!({"kind": "friend"}))).await;
    assert_eq!(accepted.kind, RelationshipKind::Friend);
    a.event("Alice hears Bob accepted", |e| changed(e, bob_id, RelationshipKind::Friend)).await;
    a.event("Alice sees Bob online", |e| presence(e, bob_id, Presence::Online)).await;
    b.event("Bob sees Alice online", |e| presence(e, alice_id, Presence::Online)).await;
    let again = Gw::connect(&ts.url, &alice.token).await;
    let ready = again.ready.as_ref().unwrap();
    assert!(ready.relationships.iter().any(|r| r.user.id == bob_id && r.kind == RelationshipKind::Friend));
    assert!(ready.presences.iter().any(|p| p.user_id == bob_id && p.presence == Presence::Online), "{ready:?}");
    drop(again);

    // A friend's presence follows them: Bob goes away, Alice sees it.
    drop(b);
    a.event("Bob offline for Alice", |e| presence(e, bob_id, Presence::Offline)).await;
    let mut b = Gw::connect(&ts.url, &bob.token).await;
    a.event("Bob back", |e| presence(e, bob_id, Presence::Online)).await;

    // Alice removes Bob: gone on both sides; no presence, no profile.
    let (status, _) = alice.call(Method::DELETE, &with(bob_id), None).await;
    assert_eq!(status, 204);
    b.event("Bob hears it", |e| matches!(e, Event::RelationshipRemoved { user_id } if *user_id == alice_id)).await;
    b.event("Alice offline for Bob", |e| presence(e, alice_id, Presence::Offline)).await;
    assert!(bob.get::<Vec<Relationship>>(RELATIONSHIPS).await.is_empty());
    assert!(alice.get::<Vec<Relationship>>(RELATIONSHIPS).await.is_empty());
    bob.fails(Method::GET, &format!("/api/users/{alice_id}"), None, 404, "not_found").await;
    alice.fails(Method::DELETE, &with(bob_id), None, 404, "not_found").await;
}

/// Declining and cancelling end a request for both sides; two people who ask
/// each other at the same moment become friends once.
#[tokio::test]
async fn declined_cancelled_and_crossing_requests() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let (alice_id, bob_id) = (id(&alice).await, id(&bob).await);

    let _: Relationship = alice.ok(Method::PUT, &with(bob_id), Some(json!({"kind": "friend"}))).await;
    let (status, _) = bob.call(Method::DELETE, &with(alice_id), None).await;
    assert_eq!(status, 204, "declined");
    assert!(alice.get::<Vec<Relationship>>(RELATIONSHIPS).await.is_empty(), "gone for the asker too");

    let _: Relationship = alice.ok(Method::PUT, &with(bob_id), Some(json!({"kind": "friend"}))).await;
    let (status, _) = alice.call(Method::DELETE, &with(bob_id), None).await;
    assert_eq!(status, 204, "cancelled");
    assert!(bob.get::<Vec<Relationship>>(RELATIONSHIPS).await.is_empty(), "gone for the asked too");

    let (to_bob, to_alice) = (with(bob_id), with(alice_id));
    let ((s1, r1), (s2, r2)) = tokio::join!(
        alice.call(Method::PUT, &to_bob, Some(json!({"kind": "friend"}))),
        bob.call(Method::PUT, &to_alice, Some(json!({"kind": "friend"})))
    );
    assert_eq!((s1.as_u16(), s2.as_u16()), (200, 200), "{r1} {r2}");
    let kinds = [r1["kind"].as_str().unwrap(), r2["kind"].as_str().unwrap()];
    assert!(kinds.contains(&"friend") && kinds.contains(&"outgoing"), "{kinds:?}");
    for (who, other) in [(&alice, bob_id), (&bob, alice_id)] {
        let list: Vec<Relationship> = who.get(RELATIONSHIPS).await;
        assert_eq!(list.len(), 1);
        assert_eq!((list[0].user.id, list[0].kind), (other, RelationshipKind::Friend));
    }
}

/// Bob asks Alice, who shares a server with him; she blocks him. His request
/// is gone, her presence turns offline for him at once (live, in the member
/// list, in `ready`) while Carol still sees it; he cannot ask again, and she
/// must unblock before asking him. All of it survives a restart; unblocking
/// shows her again.
#[tokio::test]
async fn a_block_ends_everything_hides_presence_and_refuses_requests() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let s = server_with(&alice, &[&bob, &carol]).await;
    let (alice_id, bob_id) = (id(&alice).await, id(&bob).await);
    let mut a = Gw::connect(&ts.url, &alice.token).await;
    let mut b = Gw::connect(&ts.url, &bob.token).await;
    let mut c = Gw::connect(&ts.url, &carol.token).await;
    assert!(b.ready.as_ref().unwrap().presences.iter().any(|p| p.user_id == alice_id), "Bob sees Alice first");

    let _: Relationship = bob.ok(Method::PUT, &with(alice_id), Some(json!({"kind": "friend"}))).await;
    a.event("the request", |e| changed(e, bob_id, RelationshipKind::Incoming)).await;
    let blocked: Relationship = alice.ok(Method::PUT, &with(bob_id), Some(json!({"kind": "blocked"}))).await;
    assert_eq!((blocked.user.id, blocked.kind), (bob_id, RelationshipKind::Blocked));
    a.event("Alice's devices hear of it", |e| changed(e, bob_id, RelationshipKind::Blocked)).await;
    b.event("Bob's request is gone", |e| matches!(e, Event::RelationshipRemoved { user_id } if *user_id == alice_id))
        .await;
    b.event("Alice offline for Bob", |e| presence(e, alice_id, Presence::Offline)).await;
    let again: Relationship = alice.ok(Method::PUT, &with(bob_id), Some(json!({"kind": "blocked"}))).await;
    assert_eq!(again.since, blocked.since, "blocking again changes nothing");

    let members: Vec<Member> = bob.get(&format!("/api/servers/{}/members", s.server.id)).await;
    assert!(members.iter().any(|m| m.user.id == alice_id && m.presence == Presence::Offline), "{members:?}");
    let members: Vec<Member> = carol.get(&format!("/api/servers/{}/members", s.server.id)).await;
    assert!(members.iter().any(|m| m.user.id == alice_id && m.presence == Presence::Online), "{members:?}");
    let b2 = Gw::connect(&ts.url, &bob.token).await;
    assert!(b2.ready.as_ref().unwrap().presences.iter().all(|p| p.user_id != alice_id), "not in Bob's ready");
    drop(b2);

    // Her status changes reach Carol, not Bob.
    let (status, _) = alice.call(Method::PUT, "/api/users/@me/status", Some(json!({"status": "dnd"}))).await;
    assert_eq!(status, 204);
    c.event("Carol sees Alice busy", |e| presence(e, alice_id, Presence::Dnd)).await;
    // Nor does her typing, nor her coming into another of his servers.
    let general = crate::servers::text_channel(&s).id;
    a.send(&pq_protocol::gateway::ClientFrame::Typing(pq_protocol::gateway::TypingStart { channel_id: general })).await;
    c.event("Carol sees Alice typing", |e| matches!(e, Event::TypingStarted { user_id, .. } if *user_id == alice_id))
        .await;
    let bobs = server_with(&bob, &[&alice]).await;
    b.event("Alice joins Bob's other server", |e| {
        matches!(e, Event::MemberJoined { server_id, member } if *server_id == bobs.server.id && member.user.id == alice_id && member.presence == Presence::Offline)
    })
    .await;
    let frames = b.drain(Duration::from_millis(300)).await;
    assert!(crate::client::presences_of(&frames, alice_id).is_empty(), "Bob saw Alice: {frames:?}");
    assert!(
        !frames.iter().any(|f| matches!(f, pq_protocol::gateway::ServerFrame::Dispatch(d) if matches!(d.event, Event::TypingStarted { .. }))),
        "Bob saw Alice typing: {frames:?}"
    );

    bob.fails(Method::PUT, &with(alice_id), Some(json!({"kind": "friend"})), 403, "forbidden").await;
    bob.fails(Method::POST, RELATIONSHIPS, Some(json!({"to": "alice@example.com"})), 403, "forbidden").await;
    alice.fails(Method::PUT, &with(bob_id), Some(json!({"kind": "friend"})), 409, "conflict").await;
    alice.fails(Method::PUT, &with(alice_id), Some(json!({"kind": "blocked"})), 409, "conflict").await;
    drop((a, b, c));

    // A restart keeps the block.
    let ts = ts.restart().await;
    let (alice, bob) = (Api::new(&ts.url, &alice.token), Api::new(&ts.url, &bob.token));
    bob.fails(Method::PUT, &with(alice_id), Some(json!({"kind": "friend"})), 403, "forbidden").await;
    let _a = Gw::connect(&ts.url, &alice.token).await;
    let mut b = Gw::connect(&ts.url, &bob.token).await;
    let frames = b.drain(Duration::from_millis(300)).await;
    assert!(
        crate::client::presences_of(&frames, alice_id).iter().all(|p| *p == Presence::Offline),
        "Alice shown to Bob after the restart: {frames:?}"
    );
    assert!(b.ready.as_ref().unwrap().presences.iter().all(|p| p.user_id != alice_id));

    // Unblocked: Bob sees her again (busy, as she chose), and may ask.
    let (status, _) = alice.call(Method::DELETE, &with(bob_id), None).await;
    assert_eq!(status, 204);
    b.event("Alice back for Bob", |e| presence(e, alice_id, Presence::Dnd)).await;
    assert!(alice.get::<Vec<Relationship>>(RELATIONSHIPS).await.is_empty());
    let asked: Relationship = bob.ok(Method::PUT, &with(alice_id), Some(json!({"kind": "friend"}))).await;
    assert_eq!(asked.kind, RelationshipKind::Outgoing);
}

/// Everyone has a username, made from their email at sign-up (the next
/// `alice` is `alice2`); it can be changed to any free one (stored
/// lowercase) and is how others ask them, with or without `@`.
#[tokio::test]
async fn usernames_are_unique_changeable_and_find_people() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let other = api(&ts, "alice@elsewhere.org").await;
    let bob = api(&ts, "bob@example.com").await;
    assert_eq!(alice.get::<Me>("/api/users/@me").await.username.as_deref(), Some("alice"));
    assert_eq!(other.get::<Me>("/api/users/@me").await.username.as_deref(), Some("alice2"));

    let mut phone = Gw::connect(&ts.url, &alice.token).await;
    let me: Me = alice.ok(Method::PATCH, "/api/users/@me", Some(json!({"username": "Minji.K"}))).await;
    assert_eq!(me.username.as_deref(), Some("minji.k"));
    phone
        .event(
            "her other device hears of it",
            |e| matches!(e, Event::MeUpdated { me } if me.username.as_deref() == Some("minji.k")),
        )
        .await;
    other.fails(Method::PATCH, "/api/users/@me", Some(json!({"username": "minji.k"})), 409, "conflict").await;
    other.fails(Method::PATCH, "/api/users/@me", Some(json!({"username": "a"})), 422, "invalid_field").await;
    other.fails(Method::PATCH, "/api/users/@me", Some(json!({"username": "민지"})), 422, "invalid_field").await;
    let _: Me = alice.ok(Method::PATCH, "/api/users/@me", Some(json!({"username": "minji.k"}))).await;

    let asked: Relationship = bob.post(RELATIONSHIPS, json!({"to": " @MINJI.K "})).await;
    assert_eq!((asked.user.display_name.as_str(), asked.kind), ("alice", RelationshipKind::Outgoing));
    bob.fails(Method::POST, RELATIONSHIPS, Some(json!({"to": "nobody"})), 404, "not_found").await;
    // Exactly what the document's pattern says: no control or blank
    // characters, one `@` before a username, only spaces and tabs around.
    for bad in ["no spaces", "@@minji.k", "\nminji.k", "a\u{85}b@example.com", "minji@exa\u{a0}mple.com", " @m "] {
        bob.fails(Method::POST, RELATIONSHIPS, Some(json!({"to": bad})), 422, "invalid_field").await;
    }
    other.fails(Method::PATCH, "/api/users/@me", Some(json!({"username": "@minji2"})), 422, "invalid_field").await;
    // The old name is free again.
    let _: Relationship = alice.post(RELATIONSHIPS, json!({"to": "alice2"})).await;
    let card: pq_protocol::models::Profile = bob.get(&format!("/api/users/{}/profile", id(&alice).await)).await;
    assert_eq!(card.username.as_deref(), Some("minji.k"));
}
