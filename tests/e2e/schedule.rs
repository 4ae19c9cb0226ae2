//! Scheduled events in people's apps: an interested member's app reminds
//! them before an event and when it starts, once each — also after a
//! restart, and when it opens during the event.

use std::time::Duration;

use pq_core::{
    Event,
    protocol::{
        Timestamp,
        models::{EventSpec, Repeat},
    },
};

use crate::common::{Person, TestServer, study_group, wait_for};

fn minutes_from_now(m: i64) -> Timestamp {
    Timestamp::from_millis(Timestamp::now().as_millis() + m * 60_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interested_member_is_reminded_once_before_and_at_the_start() {
    let server = TestServer::start().await;
    let alice = Person::sign_in(&server.url, "alice@example.com").await;
    let bob = Person::sign_in(&server.url, "bob@example.com").await;
    let (state, _) = study_group(&alice, &[&bob]).await;
    let sid = state.server.id;

    // In five minutes: inside the "10 minutes before" window already.
    let soon = EventSpec {
        title: "Reading night".into(),
        description: None,
        starts_at: minutes_from_now(5),
        ends_at: Some(minutes_from_now(65)),
        channel_id: None,
        repeat: Some(Repeat::Weekly),
    };
    let event = alice.client.create_event(sid, soon).await.unwrap();
    wait_for(10, "Bob's app to have the event", || bob.client.events(sid).len() == 1).await;
    let mut events = bob.client.subscribe();
    bob.client.set_event_interest(event.id, true).await.unwrap();
    let reminder = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Ok(Event::EventReminder { event: e, minutes, .. }) = events.recv().await {
                break (e.title, minutes);
            }
        }
    })
    .await
    .expect("a reminder");
    assert_eq!(reminder.0, "Reading night");
    assert!((4..=5).contains(&reminder.1), "{} minutes", reminder.1);
    let (upcoming, next) = bob.client.upcoming_events().into_iter().next().expect("upcoming");
    assert_eq!((upcoming.id, next), (event.id, event.starts_at));

    // One in half an hour: nothing yet. Bob quits; meanwhile it is moved to
    // have started five minutes ago; his app, opened during it, says it has
    // started — once, not again after another restart.
    let later = EventSpec {
        title: "Open mic".into(),
        description: None,
        starts_at: minutes_from_now(30),
        ends_at: Some(minutes_from_now(90)),
        channel_id: None,
        repeat: None,
    };
    let mic = alice.client.create_event(sid, later).await.unwrap();
    wait_for(10, "Bob's app to have it", || bob.client.events(sid).len() == 2).await;
    bob.client.set_event_interest(mic.id, true).await.unwrap();
    let (config, dir) = bob.quit().await;
    let moved = EventSpec {
        title: "Open mic".into(),
        description: None,
        starts_at: minutes_from_now(-5),
        ends_at: Some(minutes_from_now(30)),
        channel_id: None,
        repeat: None,
    };
    alice.client.update_event(mic.id, moved).await.unwrap();
    let reminders = |client: pq_core::Client| async move {
        let mut events = client.subscribe();
        let mut seen = Vec::new();
        // Long enough for it to connect, get the server's state and look.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
        while let Ok(Ok(e)) = tokio::time::timeout_at(deadline, events.recv()).await {
            if let Event::EventReminder { event, minutes, .. } = e {
                seen.push((event.title, minutes));
            }
        }
        (client, seen)
    };
    // (Subscribed before it connects: the reminder comes when the server's
    // state arrives.)
    let client = pq_core::Client::start(config.clone()).await.expect("pq starts again");
    let (client, seen) = reminders(client).await;
    assert_eq!(seen, [("Open mic".to_owned(), 0)], "the start, once; the first event's was given already");
    client.shutdown().await;
    drop(client);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let client = pq_core::Client::start(config).await.expect("pq starts a third time");
    let (_client, seen) = reminders(client).await;
    assert!(seen.is_empty(), "nothing twice: {seen:?}");
    drop(dir);
}
