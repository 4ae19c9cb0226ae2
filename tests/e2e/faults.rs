//! The fault test: five clients send 10,000 messages in total into two
//! channels while the test cuts their sockets and restarts the server at
//! random moments (a fixed seed, so a failure can be replayed). At the end
//! every client holds the identical history of every channel, with every
//! message exactly once, each client's messages in the order it wrote them.

use std::{collections::HashMap, time::Duration};

use pq_core::protocol::models::{CreateInvite, MessagePage};
use rand::{RngExt, SeedableRng, rngs::StdRng};

use crate::common::{Person, Proxy, TestServer, wait_for};

const CLIENTS: usize = 5;
const MESSAGES: usize = 10_000;
const RESTARTS: usize = 50;
const SEED: u64 = 0x5EED_F00D;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_lost_nothing_doubled_through_drops_and_restarts() {
    let started = std::time::Instant::now();
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut server = TestServer::start_with(|a| {
        a.rate_per_sec = 5_000.0;
        a.rate_burst = 5_000.0;
        a.heartbeat_interval_ms = 1_000;
        a.presence_grace_ms = 100;
    })
    .await;
    let mut nets = Vec::new();
    let mut people = Vec::new();
    for i in 0..CLIENTS {
        let net = Proxy::start(&server.url).await;
        people.push(Person::sign_in(&net.url, &format!("client{i}@example.com")).await);
        nets.push(net);
    }
    let state = people[0].client.create_server("Faults").await.unwrap();
    let invite = people[0].client.create_invite(state.server.id, CreateInvite::default()).await.unwrap();
    for p in &people[1..] {
        p.client.accept_invite(&invite.code).await.unwrap();
    }
    let general = state.channels.iter().find(|c| c.name == "general").unwrap().id;
    let second = people[0]
        .client
        .api()
        .create_channel(
            state.server.id,
            &pq_core::protocol::models::CreateChannel {
                name: "second".into(),
                kind: pq_core::protocol::models::ChannelKind::Text,
                parent_id: None,
            },
        )
        .await
        .unwrap()
        .id;
    let channels = [general, second];
    for p in &people {
        wait_for(10, "everyone to know both channels", || {
            p.client.channels(state.server.id).is_ok_and(|cs| cs.iter().any(|c| c.channel.id == second))
        })
        .await;
    }

    // Writers: each client writes its share at a jittered pace (~25 s).
    let per_client = MESSAGES / CLIENTS;
    let mut writers = Vec::new();
    for (i, p) in people.iter().enumerate() {
        let client = p.client.clone();
        let mut rng = StdRng::seed_from_u64(SEED + 1 + i as u64);
        writers.push(tokio::spawn(async move {
            for n in 0..per_client {
                let channel = channels[rng.random_range(0..channels.len())];
                client.send(channel, &format!("c{i}-{n:05}"), None).await.expect("queued");
                if n % 20 == 0 {
                    tokio::time::sleep(Duration::from_millis(rng.random_range(20..160))).await;
                }
            }
        }));
    }

    // Chaos: server restarts and socket drops at random moments.
    let mut restarts = 0;
    let mut drops = 0;
    while restarts < RESTARTS || writers.iter().any(|w| !w.is_finished()) {
        tokio::time::sleep(Duration::from_millis(rng.random_range(50..600))).await;
        if restarts < RESTARTS && rng.random_bool(0.6) {
            let t = std::time::Instant::now();
            server.restart().await;
            if t.elapsed() > Duration::from_millis(500) {
                eprintln!("slow restart: {:?}", t.elapsed());
            }
            restarts += 1;
        } else {
            for net in nets.iter().filter(|_| rng.random_bool(0.5)) {
                net.drop_all();
                drops += 1;
            }
        }
    }
    for w in writers {
        w.await.unwrap();
    }
    eprintln!("chaos over after {:?} ({restarts} restarts, {drops} drops)", started.elapsed());

    // Calm: everyone delivers and catches up.
    for p in &people {
        p.wait_online(60).await;
    }
    eprintln!("all online after {:?}", started.elapsed());
    let total = |p: &Person| {
        channels
            .iter()
            .map(|c| futures_util::FutureExt::now_or_never(p.history(*c)).map_or(0, |h| h.len()))
            .sum::<usize>()
    };
    for p in &people {
        wait_for(60, &format!("{} to hold all {MESSAGES} messages", p.email), || total(p) == MESSAGES).await;
    }

    eprintln!("all caught up after {:?}", started.elapsed());
    // The server's truth, paged over REST.
    let api = people[0].client.api().clone();
    for channel in channels {
        let mut truth = Vec::new();
        let mut after = 0;
        loop {
            let page: MessagePage = api.history(channel, pq_core::api::HistoryQuery::after(after, 100)).await.unwrap();
            after = page.messages.last().map_or(after, |m| m.seq);
            truth.extend(page.messages);
            if !page.has_more {
                break;
            }
        }
        assert_eq!(truth.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=truth.len() as u64).collect::<Vec<_>>());
        // Exactly once, and each writer's messages in the order written.
        let mut seen = HashMap::new();
        let mut last_of: HashMap<&str, &str> = HashMap::new();
        for m in &truth {
            assert!(seen.insert(m.body.as_str(), m.seq).is_none(), "{} stored twice", m.body);
            let (who, n) = m.body.split_once('-').unwrap();
            if let Some(prev) = last_of.insert(who, n) {
                assert!(prev < n, "{who}'s messages out of order in {channel}: {prev} before {n}");
            }
        }
        // Every client agrees with the server.
        for p in &people {
            let h = p.history(channel).await;
            assert_eq!(
                h.iter().map(|m| (m.seq, m.id)).collect::<Vec<_>>(),
                truth.iter().map(|m| (m.seq, m.id)).collect::<Vec<_>>(),
                "{}'s history of {channel} differs from the server's",
                p.email
            );
            assert!(p.pending(channel).await.is_empty());
        }
    }
    let elapsed = started.elapsed();
    eprintln!("fault test: {MESSAGES} messages, {restarts} server restarts, {drops} socket drops, {elapsed:?}");
    assert!(restarts >= RESTARTS);
}
