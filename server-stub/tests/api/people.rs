//! People: statuses (do not disturb, invisible) kept across restarts, the
//! about text, custom statuses with an expiry, and a person's card.

use std::time::Duration;

use pq_protocol::{
    gateway::Event,
    models::{Me, Member, Presence, Profile, StatusChoice},
};
use reqwest::Method;
use serde_json::json;

use crate::{
    client::Gw,
    common::TestServer,
    servers::{api, server_with},
};

/// Bob chooses "do not disturb", then "invisible": Alice sees him busy, then
/// offline (live, in the member list and in the online count); his other
/// device follows his choice; it holds across his reconnects and a restart of
/// the server, and he is never shown online on the way back.
#[tokio::test]
async fn do_not_disturb_and_invisible_are_seen_by_others_and_kept() {
    let ts = TestServer::start_with(|a| a.presence_grace_ms = 100).await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let s = server_with(&alice, &[&bob]).await;
    let bob_id = bob.get::<Me>("/api/users/@me").await.id;
    let mut a = Gw::connect(&ts.url, &alice.token).await;
    let mut laptop = Gw::connect(&ts.url, &bob.token).await;
    let mut phone = Gw::connect(&ts.url, &bob.token).await;
    assert_eq!(phone.ready.as_ref().unwrap().status, StatusChoice::Auto);
    a.event(
        "bob online",
        |e| matches!(e, Event::PresenceUpdated { user_id, presence: Presence::Online } if *user_id == bob_id),
    )
    .await;

    let (status, _) = bob.call(Method::PUT, "/api/users/@me/status", Some(json!({"status": "dnd"}))).await;
    assert_eq!(status, 204);
    a.event(
        "bob busy",
        |e| matches!(e, Event::PresenceUpdated { user_id, presence: Presence::Dnd } if *user_id == bob_id),
    )
    .await;
    phone.event("phone told", |e| matches!(e, Event::StatusChanged { status: StatusChoice::Dnd })).await;
    laptop.event("laptop told", |e| matches!(e, Event::StatusChanged { status: StatusChoice::Dnd })).await;
    let members: Vec<Member> = alice.get(&format!("/api/servers/{}/members", s.server.id)).await;
    assert!(members.iter().any(|m| m.user.id == bob_id && m.presence == Presence::Dnd), "{members:?}");

    // Invisible, by the gateway op this time: offline to Alice, and not counted online.
    phone
        .send(&pq_protocol::gateway::ClientFrame::SetStatus(pq_protocol::gateway::SetStatus {
            status: StatusChoice::Invisible,
        }))
        .await;
    a.event(
        "bob gone",
        |e| matches!(e, Event::PresenceUpdated { user_id, presence: Presence::Offline } if *user_id == bob_id),
    )
    .await;
    laptop.event("laptop told", |e| matches!(e, Event::StatusChanged { status: StatusChoice::Invisible })).await;
    let members: Vec<Member> = alice.get(&format!("/api/servers/{}/members", s.server.id)).await;
    assert!(members.iter().any(|m| m.user.id == bob_id && m.presence == Presence::Offline), "{members:?}");
    let a2 = Gw::connect(&ts.url, &alice.token).await;
    assert!(a2.ready.as_ref().unwrap().presences.iter().all(|p| p.user_id != bob_id), "not in Alice's ready");

    // Bob leaves and comes back: still invisible, never shown online between.
    drop((laptop, phone));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let back = Gw::connect(&ts.url, &bob.token).await;
    assert_eq!(back.ready.as_ref().unwrap().status, StatusChoice::Invisible);
    let frames = a.drain(Duration::from_millis(400)).await;
    assert!(crate::client::presences_of(&frames, bob_id).is_empty(), "Alice saw Bob's presence change: {frames:?}");
    // Nor does his typing give him away.
    let mut back = back;
    let general = crate::servers::text_channel(&s).id;
    back.send(&pq_protocol::gateway::ClientFrame::Typing(pq_protocol::gateway::TypingStart { channel_id: general }))
        .await;
    let frames = a.drain(Duration::from_millis(300)).await;
    assert!(!format!("{frames:?}").contains("TypingStarted"), "an invisible person's typing reached Alice: {frames:?}");
    drop((back, a, a2));

    // A restart of the server keeps the choice.
    let ts = ts.restart().await;
    let mut a = Gw::connect(&ts.url, &alice.token).await;
    let back = Gw::connect(&ts.url, &bob.token).await;
    assert_eq!(back.ready.as_ref().unwrap().status, StatusChoice::Invisible);
    let frames = a.drain(Duration::from_millis(400)).await;
    assert!(crate::client::presences_of(&frames, bob_id).is_empty(), "Bob shown after the restart: {frames:?}");
    // Back to online.
    let bob = crate::client::Api::new(&ts.url, &bob.token);
    let (status, _) = bob.call(Method::PUT, "/api/users/@me/status", Some(json!({"status": "auto"}))).await;
    assert_eq!(status, 204);
    a.event(
        "bob online",
        |e| matches!(e, Event::PresenceUpdated { user_id, presence: Presence::Online } if *user_id == bob_id),
    )
    .await;
    bob.fails(Method::PUT, "/api/users/@me/status", Some(json!({"status": "busy"})), 400, "bad_request").await;
}

/// Bob writes about himself and sets a custom status for an hour: Alice's
/// gateway and member list carry the status, his card shows the about text
/// and the servers they share, and refusals are clear.
#[tokio::test]
async fn about_text_custom_status_and_the_card() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let shared = server_with(&alice, &[&bob]).await;
    let also = server_with(&bob, &[&alice]).await;
    let _bobs_own = server_with(&bob, &[&carol]).await;
    let _alices_own = server_with(&alice, &[]).await;
    let bob_id = bob.get::<Me>("/api/users/@me").await.id;
    let mut a = Gw::connect(&ts.url, &alice.token).await;

    let in_an_hour = ts.clock().timestamp().plus_millis(3_600_000);
    let me: Me = bob
        .ok(
            Method::PATCH,
            "/api/users/@me",
            Some(json!({
                "about": "  기타 치는 대학생\nSeoul  ",
                "custom_status": {"text": " 시험 공부 중 ", "expires_at": in_an_hour},
            })),
        )
        .await;
    assert_eq!(me.about.as_deref(), Some("기타 치는 대학생\nSeoul"), "stored trimmed, lines kept");
    let status = me.custom_status.clone().expect("a custom status");
    assert_eq!((status.text.as_str(), status.expires_at), ("시험 공부 중", Some(in_an_hour)));
    a.event("bob's status", |e| {
        matches!(e, Event::UserUpdated { user } if user.id == bob_id && user.custom_status.as_ref().is_some_and(|c| c.text == "시험 공부 중"))
    })
    .await;
    let members: Vec<Member> = alice.get(&format!("/api/servers/{}/members", shared.server.id)).await;
    let bob_there = members.iter().find(|m| m.user.id == bob_id).unwrap();
    assert_eq!(bob_there.user.custom_status, Some(status));

    let card: Profile = alice.get(&format!("/api/users/{bob_id}/profile")).await;
    assert_eq!(card.about.as_deref(), Some("기타 치는 대학생\nSeoul"));
    let mut mutual = card.mutual_servers.clone();
    mutual.sort();
    let mut expected = vec![shared.server.id, also.server.id];
    expected.sort();
    assert_eq!(mutual, expected, "only the two servers both are in");
    // Carol shares a server with Bob, not with Alice: neither sees the other's card.
    let alice_id = alice.get::<Me>("/api/users/@me").await.id;
    carol.fails(Method::GET, &format!("/api/users/{alice_id}/profile"), None, 404, "not_found").await;
    let own: Profile = alice.get(&format!("/api/users/{alice_id}/profile")).await;
    assert_eq!(own.mutual_servers.len(), 3, "one's own card lists all one's servers");

    // Refusals, and nothing changed by them.
    let long = "가".repeat(191);
    bob.fails(Method::PATCH, "/api/users/@me", Some(json!({"about": long})), 422, "invalid_field").await;
    bob.fails(Method::PATCH, "/api/users/@me", Some(json!({"about": "bell\u{7}"})), 422, "invalid_field").await;
    let long = "a".repeat(129);
    let err = bob
        .fails(Method::PATCH, "/api/users/@me", Some(json!({"custom_status": {"text": long}})), 422, "invalid_field")
        .await;
    assert_eq!(err["field"], "custom_status.text", "{err}");
    bob.fails(Method::PATCH, "/api/users/@me", Some(json!({"custom_status": {"text": "a\nb"}})), 422, "invalid_field")
        .await;
    let me: Me = bob.get("/api/users/@me").await;
    assert_eq!(me.about.as_deref(), Some("기타 치는 대학생\nSeoul"));
    assert!(me.custom_status.is_some());

    // A moment already past, or an empty text, removes the status; an empty about removes it.
    let an_hour_ago = ts.clock().timestamp().plus_millis(-3_600_000);
    let me: Me = bob
        .ok(
            Method::PATCH,
            "/api/users/@me",
            Some(json!({"custom_status": {"text": "stale", "expires_at": an_hour_ago}})),
        )
        .await;
    assert_eq!(me.custom_status, None);
    a.event(
        "bob's status gone",
        |e| matches!(e, Event::UserUpdated { user } if user.id == bob_id && user.custom_status.is_none()),
    )
    .await;
    let me: Me = bob
        .ok(Method::PATCH, "/api/users/@me", Some(json!({"custom_status": {"text": "until changed"}, "about": " "})))
        .await;
    assert_eq!(
        (me.about, me.custom_status.map(|c| (c.text, c.expires_at))),
        (None, Some(("until changed".into(), None)))
    );
    let me: Me = bob.ok(Method::PATCH, "/api/users/@me", Some(json!({"custom_status": {"text": ""}}))).await;
    assert_eq!(me.custom_status, None);
}
