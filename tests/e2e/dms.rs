//! Direct messages between pq-core clients on a real server: the other
//! person's app learns of the conversation with its first message (live, for
//! a notification), unread counts and the list's order follow, a message
//! written offline is delivered once when back, search finds Korean words in
//! DMs from the cache, a group is named and left — and a block refuses the
//! blocked person's next message with a clear reason.

use std::time::Duration;

use pq_core::{Event, protocol::models::DmKind};

use crate::common::{Person, Proxy, TestServer, study_group, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_write_directly_offline_too_and_blocks_stop_it() {
    let server = TestServer::start_with(|a| a.heartbeat_interval_ms = 1_000).await;
    let bob_net = Proxy::start(&server.url).await;
    let alice = Person::sign_in(&server.url, "alice@example.com").await;
    let mut bob = Person::sign_in(&bob_net.url, "bob@example.com").await;
    let carol = Person::sign_in(&server.url, "carol@example.com").await;
    study_group(&alice, &[&bob, &carol]).await;
    let (alice_id, bob_id, carol_id) =
        (alice.client.me().unwrap().id, bob.client.me().unwrap().id, carol.client.me().unwrap().id);

    // Alice opens a conversation with Bob and writes: his app hears of both live.
    let mut bobs = bob.client.subscribe();
    let dm = alice.client.open_dm(vec![bob_id], None).await.unwrap();
    assert_eq!(dm.channel.kind, DmKind::Direct);
    assert_eq!(alice.client.dm_with(bob_id).unwrap(), Some(dm.channel.id));
    alice.client.send(dm.channel.id, "저녁 먹었어? dinner?", None).await.unwrap();
    let live = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(Event::Message { message, live: true, .. }) = bobs.recv().await {
                return message;
            }
        }
    })
    .await
    .expect("Bob hears Alice");
    assert_eq!((live.channel_id, live.author_id), (dm.channel.id, alice_id));
    wait_for(10, "Bob's list to show the conversation, unread", || {
        bob.client.dms().unwrap().first().is_some_and(|d| d.channel.id == dm.channel.id && d.unread_count == 1)
    })
    .await;
    let names: Vec<String> =
        bob.client.dms().unwrap()[0].channel.members.iter().map(|u| u.display_name.clone()).collect();
    assert_eq!(names, ["alice", "bob"]);
    assert_eq!(carol.client.dms().unwrap().len(), 0, "Carol knows nothing of it");
    bob.client.mark_read(dm.channel.id, live.seq).await.unwrap();
    assert_eq!(bob.client.dms().unwrap()[0].unread_count, 0);
    assert_eq!(bob.client.unread_total().unwrap(), 0);

    // A group with Carol comes to the top of everyone's list once it has a message.
    let group = carol.client.open_dm(vec![alice_id, bob_id], Some("Study buddies".into())).await.unwrap();
    carol.client.send(group.channel.id, "page 42 together?", None).await.unwrap();
    wait_for(10, "the group on top of Bob's list", || {
        bob.client.dms().unwrap().iter().map(|d| d.channel.id).collect::<Vec<_>>() == [group.channel.id, dm.channel.id]
    })
    .await;
    assert_eq!(bob.client.dm(group.channel.id).unwrap().unwrap().channel.name.as_deref(), Some("Study buddies"));

    // Bob goes offline and answers Alice; it shows pending, survives a
    // restart of his app, and arrives once when he is back.
    bob_net.set_offline(true);
    wait_for(10, "Bob to notice he is offline", || {
        matches!(*bob.client.connection().borrow(), pq_core::ConnectionState::Reconnecting { .. })
    })
    .await;
    bob.client.send(dm.channel.id, "응 먹었어 — yes", None).await.unwrap();
    bob.restart().await;
    assert_eq!(bob.pending(dm.channel.id).await.len(), 1);
    assert_eq!(bob.client.dms().unwrap().len(), 2, "the list is there offline");
    let hits = bob.client.search("저녁", None, None, 10).unwrap();
    assert_eq!(hits.len(), 1, "Korean found in a DM from the cache");
    assert_eq!(hits[0].server_id, None);
    bob_net.set_offline(false);
    bob.wait_online(15).await;
    wait_for(15, "Alice to get Bob's answer once", || {
        futures_util::FutureExt::now_or_never(alice.history(dm.channel.id))
            .is_some_and(|h| h.iter().filter(|m| m.body == "응 먹었어 — yes").count() == 1)
    })
    .await;

    // Carol leaves the group: gone from her list; the others see two members.
    carol.client.remove_from_dm(group.channel.id, carol_id).await.unwrap();
    assert!(carol.client.dm(group.channel.id).unwrap().is_none());
    wait_for(10, "Alice to see Carol gone", || {
        alice.client.dm(group.channel.id).unwrap().is_some_and(|d| d.channel.members.len() == 2)
    })
    .await;

    // Alice blocks Bob: his next message is refused with the reason.
    alice.client.block(bob_id).await.unwrap();
    let mut bobs = bob.client.subscribe();
    bob.client.send(dm.channel.id, "hello?", None).await.unwrap();
    let reason = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(Event::Outbox { entry }) = bobs.recv().await
                && let pq_core::store::OutboxState::Failed { reason } = entry.state
            {
                return reason;
            }
        }
    })
    .await
    .expect("the refusal reaches Bob");
    assert!(reason.contains("not accepting direct messages"), "{reason}");
    let err = bob.client.open_dm(vec![alice_id], None).await.expect_err("no new conversation either");
    assert!(err.to_string().contains("not accepting"), "{err}");
}

/// A call in a conversation over real WebRTC: Alice calls Bob, who has
/// never written to her (the conversation reaches his app with the call):
/// it rings in his app; he declines on one device, and Alice hears of it;
/// he calls back on his own and they hear each other's tones; when both
/// leave, the call is over for both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_call_rings_and_connects() {
    use pq_core::voice::{NullSink, ToneSource, dominant_frequency};
    let server = TestServer::start().await;
    let alice = Person::sign_in(&server.url, "alice@example.com").await;
    let bob = Person::sign_in(&server.url, "bob@example.com").await;
    study_group(&alice, &[&bob]).await;
    let (alice_id, bob_id) = (alice.client.me().unwrap().id, bob.client.me().unwrap().id);
    let dm = alice.client.open_dm(vec![bob_id], None).await.unwrap().channel.id;
    assert!(bob.client.dm(dm).unwrap().is_none(), "nothing written: not in Bob's list yet");

    let mut bobs = bob.client.subscribe();
    let mut alices = alice.client.subscribe();
    let tone = |hz| crate::common::loopback_call(Box::new(ToneSource::new(hz)), Box::new(NullSink));
    let alice_call = alice.client.join_voice(dm, tone(440.0)).await.expect("Alice calls");
    let caller = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(Event::Ringing { channel_id, caller }) = bobs.recv().await
                && channel_id == dm
            {
                return caller;
            }
        }
    })
    .await
    .expect("it rings for Bob");
    assert_eq!(caller, alice_id);
    assert_eq!(bob.client.dm_call(dm).iter().map(|v| v.user_id).collect::<Vec<_>>(), [alice_id]);
    wait_for(10, "the conversation in Bob's list", || bob.client.dm(dm).unwrap().is_some()).await;

    bob.client.decline_call(dm).await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(Event::CallDeclined { channel_id, user_id }) = alices.recv().await
                && channel_id == dm
                && user_id == bob_id
            {
                return;
            }
        }
    })
    .await
    .expect("Alice hears Bob declined");

    // Bob joins after all: they hear each other.
    let bob_call = bob.client.join_voice(dm, tone(660.0)).await.expect("Bob joins");
    let hears = |call: &pq_core::voice::Call, who, hz: f64| {
        dominant_frequency(&call.heard_from(who, 500), 200.0, 1_200.0, 10.0).is_some_and(|f| (f - hz).abs() < 15.0)
    };
    wait_for(30, "Bob to hear Alice and Alice to hear Bob", || {
        hears(&bob_call, alice_id, 440.0) && hears(&alice_call, bob_id, 660.0)
    })
    .await;
    alice_call.leave().await;
    bob_call.leave().await;
    wait_for(10, "the call to be over for both", || {
        bob.client.dm_call(dm).is_empty() && alice.client.dm_call(dm).is_empty()
    })
    .await;
}
