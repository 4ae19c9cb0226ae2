//! Three people chat; one goes offline, writes five messages, quits pq, the
//! server restarts, the network comes back: every message exactly once, in
//! order, in every client; and the cache answers everything offline.

use std::collections::HashSet;

use pq_core::{Event, protocol::models::CreateInvite};

use crate::common::{Person, Proxy, TestServer, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_messages_arrive_once_in_order_everywhere_after_a_server_restart() {
    let mut server = TestServer::start_with(|a| {
        a.presence_grace_ms = 100;
        a.heartbeat_interval_ms = 1_000;
    })
    .await;
    // Carol's network goes through a proxy the test can unplug.
    let carol_net = Proxy::start(&server.url).await;
    let alice = Person::sign_in(&server.url, "alice@example.com").await;
    let bob = Person::sign_in(&server.url, "bob@example.com").await;
    let mut carol = Person::sign_in(&carol_net.url, "carol@example.com").await;

    let state = alice.client.create_server("Study group").await.unwrap();
    let invite = alice.client.create_invite(state.server.id, CreateInvite::default()).await.unwrap();
    bob.client.accept_invite(&invite.code).await.unwrap();
    carol.client.accept_invite(&invite.code).await.unwrap();
    let general = state.channels.iter().find(|c| c.name == "general").unwrap().id;
    for p in [&alice, &bob, &carol] {
        p.wait_online(10).await;
    }

    // Live: bob sees alice's messages as they arrive, the one naming him
    // marked as mentioning him (and it is among his timeline's mentions).
    let mut bob_events = bob.client.subscribe();
    alice.client.send(general, "hello everyone", None).await.unwrap();
    let bob_name = bob.client.me().unwrap().display_name;
    alice.client.send(general, &format!("@{bob_name} page 42?"), None).await.unwrap();
    let mut got = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while got.len() < 2 {
            if let Ok(Event::Message { message, live: true, mentions_me }) = bob_events.recv().await {
                got.push((message.body, mentions_me));
            }
        }
    })
    .await
    .expect("bob hears alice");
    assert_eq!(got, [("hello everyone".to_owned(), false), (format!("@{bob_name} page 42?"), true)]);
    let timeline = bob.client.timeline(general, None, 50).await.unwrap();
    let mentioned: Vec<&str> =
        timeline.messages.iter().filter(|m| timeline.mentions.contains(&m.id)).map(|m| m.body.as_str()).collect();
    assert_eq!(mentioned, [format!("@{bob_name} page 42?")]);
    // A page of older messages says the same.
    let last = timeline.messages.last().unwrap();
    let page = bob.client.older(general, last.seq + 1, 50).await.unwrap();
    assert_eq!(page.mentions, [last.id]);
    assert!(!page.has_older, "the page reaches the channel's first message");
    let alice_sees = alice.client.timeline(general, None, 50).await.unwrap();
    assert!(alice_sees.mentions.is_empty(), "my own message does not mention me");

    // Carol drops off the network and writes five messages; they show at once, pending.
    carol_net.set_offline(true);
    wait_for(10, "carol to notice she is offline", || {
        matches!(*carol.client.connection().borrow(), pq_core::ConnectionState::Reconnecting { .. })
    })
    .await;
    let mine: Vec<String> = (1..=5).map(|i| format!("carol offline #{i}")).collect();
    for body in &mine {
        carol.client.send(general, body, None).await.unwrap();
    }
    assert_eq!(carol.pending(general).await.len(), 5);
    // Meanwhile the others talk.
    bob.client.send(general, "where is carol?", None).await.unwrap();
    alice.client.send(general, "no idea", None).await.unwrap();
    // Carol quits pq, still offline; the outbox is on disk.
    carol.restart().await;
    assert_eq!(carol.pending(general).await.iter().map(|e| e.body.clone()).collect::<Vec<_>>(), mine);
    // The server restarts.
    server.restart().await;
    for p in [&alice, &bob] {
        p.wait_online(15).await;
    }
    // The network comes back.
    carol_net.set_offline(false);
    carol.wait_online(15).await;

    let expected_len = 2 + 5 + 2;
    for p in [&alice, &bob, &carol] {
        wait_for(15, &format!("{} to have every message", p.email), || {
            futures_util::FutureExt::now_or_never(p.history(general)).is_some_and(|h| h.len() == expected_len)
        })
        .await;
    }
    let reference = alice.history(general).await;
    let bodies: Vec<&str> = reference.iter().map(|m| m.body.as_str()).collect();
    // Exactly once.
    assert_eq!(bodies.iter().collect::<HashSet<_>>().len(), expected_len, "{bodies:?}");
    // Carol's five in the order she wrote them.
    let carols: Vec<&str> = bodies.iter().copied().filter(|b| b.starts_with("carol offline")).collect();
    assert_eq!(carols, mine.iter().map(String::as_str).collect::<Vec<_>>());
    // The same history, seq by seq, everywhere; nothing pending.
    for p in [&bob, &carol] {
        let h = p.history(general).await;
        assert_eq!(
            h.iter().map(|m| (m.seq, m.id, m.body.clone())).collect::<Vec<_>>(),
            reference.iter().map(|m| (m.seq, m.id, m.body.clone())).collect::<Vec<_>>(),
            "{}'s history differs",
            p.email
        );
        assert!(p.pending(general).await.is_empty());
    }
    assert_eq!(reference.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=expected_len as u64).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_server_gone_the_cache_still_answers() {
    let mut server = TestServer::start().await;
    let alice = Person::sign_in(&server.url, "alice@example.com").await;
    let mut bob = Person::sign_in(&server.url, "bob@example.com").await;
    let state = alice.client.create_server("Offline test").await.unwrap();
    let invite = alice.client.create_invite(state.server.id, CreateInvite::default()).await.unwrap();
    bob.client.accept_invite(&invite.code).await.unwrap();
    let general = state.channels.iter().find(|c| c.name == "general").unwrap().id;
    bob.wait_online(10).await;
    for body in ["회의는 내일 오후 세시에 시작합니다", "meeting notes are in the doc", "점심 먹었어요?"]
    {
        alice.client.send(general, body, None).await.unwrap();
    }
    wait_for(10, "bob to receive three messages", || {
        futures_util::FutureExt::now_or_never(bob.history(general)).is_some_and(|h| h.len() == 3)
    })
    .await;

    // The server is gone, and bob starts pq again.
    server.stop().await;
    bob.restart().await;
    let servers = bob.client.servers().unwrap();
    assert_eq!(servers[0].server.name, "Offline test");
    let channels = bob.client.channels(state.server.id).unwrap();
    let g = channels.iter().find(|c| c.channel.id == general).unwrap();
    assert_eq!(g.unread_count, 3, "unread counts from the cache");
    let history = bob.history(general).await;
    assert_eq!(history.len(), 3);
    wait_for(10, "the search index", || bob.client.search("회의", None, None, 10).unwrap().len() == 1).await;
    assert_eq!(
        bob.client.search("회의", None, None, 10).unwrap()[0].message.body,
        "회의는 내일 오후 세시에 시작합니다"
    );
    assert_eq!(bob.client.search("notes", None, None, 10).unwrap().len(), 1);
    assert_eq!(bob.client.search("점심", Some(state.server.id), Some(general), 10).unwrap().len(), 1);
    assert!(bob.client.me().is_some(), "who I am, from the cache");
    // Trying to reach the server (once the restarted engine has read its
    // session: a loaded machine can still be at the start here).
    wait_for(10, "bob to be trying to connect", || {
        matches!(
            *bob.client.connection().borrow(),
            pq_core::ConnectionState::Reconnecting { .. } | pq_core::ConnectionState::Connecting
        )
    })
    .await;
}
