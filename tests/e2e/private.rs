//! Private channels as people's apps live them: someone without access gets
//! no event, no search hit and no unread count from it, and an app that
//! loses access drops the channel with every message it had cached.

use pq_core::protocol::models::{ChannelAccess, ChannelKind, CreateChannel, CreateRole, Permission};

use crate::common::{Person, TestServer, study_group, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_without_access_gets_no_event_no_search_hit_and_no_unread() {
    let server = TestServer::start().await;
    let alice = Person::sign_in(&server.url, "alice@example.com").await;
    let bob = Person::sign_in(&server.url, "bob@example.com").await;
    let carol = Person::sign_in(&server.url, "carol@example.com").await;
    let (state, _) = study_group(&alice, &[&bob, &carol]).await;
    let sid = state.server.id;
    let bob_id = bob.client.me().unwrap().id;

    // A channel everyone sees at first: Carol's app caches what is said there.
    let new = CreateChannel { name: "plans".into(), kind: ChannelKind::Text, parent_id: None };
    let plans = alice.client.api().create_channel(sid, &new).await.unwrap().id;
    for (who, person) in [("Alice", &alice), ("Carol", &carol)] {
        let what = format!("{who}'s app to have #plans");
        wait_for(10, &what, || person.client.channel(plans).is_ok_and(|c| c.is_some())).await;
    }
    alice.client.send(plans, "the launch date is a secret", None).await.unwrap();
    wait_for(10, "Carol's app to find it", || {
        carol.client.search("launch", None, None, 10).is_ok_and(|hits| hits.len() == 1)
    })
    .await;

    // Private to Staff (Bob): Carol's app drops it with what it had cached.
    let staff = CreateRole { name: "Staff".into(), color: None, permissions: Some(vec![Permission::SendMessages]) };
    let staff = alice.client.create_role(sid, staff).await.unwrap();
    alice.client.set_member_role(sid, bob_id, staff.id, true).await.unwrap();
    let set = alice
        .client
        .set_channel_access(plans, ChannelAccess { private: true, roles: vec![staff.id], users: vec![] })
        .await
        .unwrap();
    assert!(set.private);
    wait_for(10, "Carol's app to forget #plans", || carol.client.channel(plans).is_ok_and(|c| c.is_none())).await;
    assert!(carol.client.search("launch", None, None, 10).unwrap().is_empty(), "no search hit left behind");
    let lock =
        bob.client.channels(sid).unwrap().into_iter().find(|c| c.channel.id == plans).expect("Bob still sees it");
    assert!(lock.channel.private);

    // What is said there reaches Bob (unread) and nothing of it Carol.
    let mut carol_events = carol.client.subscribe();
    alice.client.send(plans, "Friday, 9 o'clock", None).await.unwrap();
    wait_for(10, "Bob's unread count", || {
        bob.client.channel(plans).ok().flatten().is_some_and(|c| c.unread_count >= 2)
    })
    .await;
    let general = state.channels.iter().find(|c| c.kind == ChannelKind::Text && c.name == "general").unwrap().id;
    alice.client.send(general, "lunch?", None).await.unwrap();
    wait_for(10, "Carol to hear of #general", || {
        carol.client.channel(general).ok().flatten().is_some_and(|c| c.unread_count >= 1)
    })
    .await;
    while let Ok(event) = carol_events.try_recv() {
        let seen = format!("{event:?}");
        assert!(!seen.contains(&plans.to_string()), "Carol's app heard of #plans: {seen}");
    }
    assert!(carol.client.search("Friday", None, None, 10).unwrap().is_empty());
    assert_eq!(carol.client.unread_total().unwrap(), 1, "only #general's message is unread for her");
    assert!(carol.client.channels(sid).unwrap().iter().all(|c| c.channel.id != plans));
}
