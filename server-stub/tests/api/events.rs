//! A server's schedule: who may schedule, change and cancel events, bad
//! times refused, interest, and the events members hear.

use pq_protocol::{
    Timestamp,
    gateway::Event,
    models::{Repeat, ScheduledEvent, ServerState},
};
use reqwest::Method;
use serde_json::json;

use crate::{
    client::Gw,
    common::TestServer,
    servers::{api, give_role, id, server_with, text_channel},
};

fn at(offset_min: i64) -> String {
    Timestamp::from_millis(Timestamp::now().as_millis() + offset_min * 60_000).to_string()
}

#[tokio::test]
async fn events_are_scheduled_by_those_allowed_and_members_mark_interest() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let s = server_with(&alice, &[&bob]).await;
    let sid = s.server.id;
    let voice = s.channels.iter().find(|c| c.kind == pq_protocol::models::ChannelKind::Voice).unwrap().id;
    let mut bob_gw = Gw::connect(&ts.url, &bob.token).await;
    let path = format!("/api/servers/{sid}/events");
    let spec = json!({"title": "Reading night", "starts_at": at(60), "ends_at": at(120), "channel_id": voice,
                      "repeat": "weekly", "description": "Chapter 3"});

    // Members may not schedule; the owner may, and members hear of it.
    bob.fails(Method::POST, &path, Some(spec.clone()), 403, "forbidden").await;
    let (st, body) = alice.call(Method::POST, &path, Some(spec)).await;
    assert_eq!(st, 201, "{body}");
    let event: ScheduledEvent = serde_json::from_value(body).unwrap();
    assert_eq!(
        (event.repeat, event.channel_id, event.description.as_deref()),
        (Some(Repeat::Weekly), Some(voice), Some("Chapter 3"))
    );
    bob_gw.event("schedule_updated", |e| matches!(e, Event::ScheduleUpdated { event: x } if x.id == event.id)).await;
    let listed: Vec<ScheduledEvent> = bob.get(&path).await;
    assert_eq!(listed.len(), 1);
    let state: ServerState = bob.get(&format!("/api/servers/{sid}")).await;
    assert_eq!(state.events.len(), 1, "the server's state carries its events");

    // Bob is interested (twice, harmlessly); everyone sees who is.
    let ev = format!("/api/events/{}", event.id);
    let mine: ScheduledEvent = bob.ok(Method::PUT, &format!("{ev}/interested"), None).await;
    let again: ScheduledEvent = bob.ok(Method::PUT, &format!("{ev}/interested"), None).await;
    let bob_id = id(&bob).await;
    assert_eq!((mine.interested.clone(), again.interested), (vec![bob_id], vec![bob_id]));

    // Bad times and places are refused and change nothing.
    let bad = |start: String, end: String| json!({"title": "x", "starts_at": start, "ends_at": end});
    let body = alice.fails(Method::POST, &path, Some(bad(at(60), at(30))), 422, "invalid_field").await;
    assert!(body["message"].as_str().unwrap().contains("end after it starts"), "{body}");
    // The same instant (read once: two readings of the clock may differ).
    let hour = at(60);
    alice.fails(Method::POST, &path, Some(bad(hour.clone(), hour)), 422, "invalid_field").await;
    alice.fails(Method::POST, &path, Some(json!({"title": " ", "starts_at": at(60)})), 422, "invalid_field").await;
    let text = text_channel(&s).id;
    alice
        .fails(
            Method::POST,
            &path,
            Some(json!({"title": "x", "starts_at": at(60), "channel_id": text})),
            409,
            "conflict",
        )
        .await;
    assert_eq!(bob.get::<Vec<ScheduledEvent>>(&path).await.len(), 1);

    // Changed, whole; interest stays.
    let changed: ScheduledEvent =
        alice.ok(Method::PUT, &ev, Some(json!({"title": "Reading night (moved)", "starts_at": at(90)}))).await;
    assert_eq!((changed.title.as_str(), changed.repeat, changed.interested.len()), ("Reading night (moved)", None, 1));

    // Given the permission, Bob schedules too; strangers see nothing.
    give_role(&alice, sid, bob_id, "Organisers", &["manage_events"]).await;
    let (st, _) = bob.call(Method::POST, &path, Some(json!({"title": "Quiz", "starts_at": at(30)}))).await;
    assert_eq!(st, 201);
    carol.fails(Method::GET, &path, None, 404, "not_found").await;
    carol.fails(Method::PUT, &format!("{ev}/interested"), None, 404, "not_found").await;

    // Cancelled: gone, for everyone.
    let (st, _) = alice.call(Method::DELETE, &ev, None).await;
    assert_eq!(st, 204);
    bob_gw
        .event("schedule_deleted", |e| matches!(e, Event::ScheduleDeleted { event_id, .. } if *event_id == event.id))
        .await;
    alice.fails(Method::DELETE, &ev, None, 404, "not_found").await;
    assert_eq!(bob.get::<Vec<ScheduledEvent>>(&path).await.len(), 1);
}
