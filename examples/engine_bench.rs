//! Engine responsiveness benchmark: does the engine stay quick for the UI and
//! for a call while messages pour in?
//!
//! ```text
//! cargo run --release --example engine_bench -- 1000 10
//! ```
//!
//! A pq-server and a sender (Alice, over REST) run in this process on their
//! own runtime and thread. Bob's engine runs on a second runtime with two
//! workers, as in the desktop app. Bob reads `#general`-like channels while
//! Alice sends RATE messages a second for SECS seconds, spread over 20 text
//! channels (every message cached, counted unread, indexed for search in the
//! background). Measured on Bob's runtime, first quiet (3 s), then under
//! load:
//!
//! - `timeline`: a UI command reading a channel's newest 50 messages, every
//!   5 ms, in turn over the channels (what opening or redrawing a channel
//!   costs);
//! - `unread total`: what the tray shows, after every live message;
//! - tick lateness: a task that wants to run every 20 ms (the call engine's
//!   audio tick) and how late each tick is.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

#[path = "../tests/e2e/common.rs"]
#[allow(unused_imports)]
mod common;

use common::Person;
use pq_core::{
    Client, ConnectionState, Event,
    auth::KeychainBackend,
    protocol::{
        ChannelId, ClientMessageId,
        models::{ChannelKind, CreateChannel, CreateInvite, SendMessage},
    },
};
use pq_server::testing::TestServer;

async fn online(client: &Client) {
    let mut rx = client.connection();
    while *rx.borrow_and_update() != ConnectionState::Online {
        rx.changed().await.expect("engine alive");
    }
}

/// p50, p99 and max of `xs` in ms.
fn summary(xs: &mut [f64]) -> String {
    if xs.is_empty() {
        return "no samples".into();
    }
    xs.sort_by(f64::total_cmp);
    let at = |q: f64| xs[((xs.len() as f64 - 1.0) * q).round() as usize];
    format!("p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({} samples)", at(0.5), at(0.99), xs[xs.len() - 1], xs.len())
}

struct Samples {
    timeline: Vec<f64>,
    unread: Vec<f64>,
    ticks: Vec<f64>,
    /// The same tick on an OS thread of its own: what the machine's load
    /// alone costs (both cores are shared with the server and Alice).
    thread_ticks: Vec<f64>,
}

/// Measures Bob's engine for `secs` seconds.
async fn measure(bob: &Client, channels: &[ChannelId], secs: u64) -> Samples {
    let stop = Arc::new(AtomicBool::new(false));
    // The 20 ms tick.
    let ticks = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut late = Vec::new();
            let start = Instant::now();
            let mut n = 1u32;
            while !stop.load(Ordering::Relaxed) {
                let due = start + Duration::from_millis(20) * n;
                tokio::time::sleep_until(due.into()).await;
                late.push(due.elapsed().as_secs_f64() * 1e3);
                n += 1;
            }
            late
        })
    };
    let thread_ticks = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut late = Vec::new();
            let start = Instant::now();
            let mut n = 1u32;
            while !stop.load(Ordering::Relaxed) {
                let due = start + Duration::from_millis(20) * n;
                std::thread::sleep(due.saturating_duration_since(Instant::now()));
                late.push(due.elapsed().as_secs_f64() * 1e3);
                n += 1;
            }
            late
        })
    };
    // The tray's total after every live message.
    let unread = {
        let (stop, bob) = (stop.clone(), bob.clone());
        let mut events = bob.subscribe();
        tokio::spawn(async move {
            let mut took = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                match tokio::time::timeout(Duration::from_millis(100), events.recv()).await {
                    Ok(Ok(Event::Message { live: true, .. })) => {
                        let t = Instant::now();
                        std::hint::black_box(bob.unread_total().expect("unread total"));
                        took.push(t.elapsed().as_secs_f64() * 1e3);
                    }
                    Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => break,
                    _ => {}
                }
            }
            took
        })
    };
    // The UI reading channels.
    let mut timeline = Vec::new();
    let end = Instant::now() + Duration::from_secs(secs);
    let mut i = 0;
    while Instant::now() < end {
        let t = Instant::now();
        std::hint::black_box(bob.timeline(channels[i % channels.len()], None, 50).await.expect("timeline"));
        timeline.push(t.elapsed().as_secs_f64() * 1e3);
        i += 1;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop.store(true, Ordering::Relaxed);
    Samples {
        timeline,
        unread: unread.await.expect("unread"),
        ticks: ticks.await.expect("ticks"),
        thread_ticks: thread_ticks.join().expect("thread ticks"),
    }
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let rate: u64 = args.next().map_or(Ok(1_000), |s| s.parse())?;
    let secs: u64 = args.next().map_or(Ok(10), |s| s.parse())?;

    // The server and Alice: their own runtime, their own thread.
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<(u64, f64)>();
    let server_thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        rt.block_on(async move {
            let server = TestServer::start_with(|a| {
                a.rate_per_sec = 1e6;
                a.rate_burst = 1e6;
            })
            .await;
            let person = Person::sign_in_as(&server.url, "alice@example.com", "Alice", KeychainBackend::Mock).await;
            let alice = person.client.clone();
            let state = alice.create_server("Busy").await.expect("server");
            let parent = state.channels.iter().find(|c| c.kind == ChannelKind::Category).map(|c| c.id);
            let mut channels = vec![state.channels.iter().find(|c| c.name == "general").expect("general").id];
            for i in 1..20 {
                let c = CreateChannel { name: format!("topic-{i}"), kind: ChannelKind::Text, parent_id: parent };
                channels.push(alice.api().create_channel(state.server.id, &c).await.expect("channel").id);
            }
            let invite = alice.create_invite(state.server.id, CreateInvite::default()).await.expect("invite");
            ready_tx.send((server.url.clone(), invite.code, channels.clone())).expect("main waits");
            go_rx.await.expect("go");
            // RATE messages a second, in 10 ms rounds.
            let api = alice.api().clone();
            let start = Instant::now();
            let per_round = (rate / 100).max(1);
            let mut sent = 0u64;
            let mut round = 0u32;
            while start.elapsed() < Duration::from_secs(secs) {
                let sends = (0..per_round).map(|k| {
                    let api = api.clone();
                    let channel = channels[((sent + k) % channels.len() as u64) as usize];
                    async move {
                        let body = format!("회의 자료 message {} about the deadline and slides", sent + k);
                        api.send_message(
                            channel,
                            &SendMessage {
                                client_id: ClientMessageId::new(),
                                body,
                                reply_to: None,
                                attachments: vec![],
                            },
                        )
                        .await
                    }
                });
                for r in futures_util::future::join_all(sends).await {
                    r.expect("sent");
                }
                sent += per_round;
                round += 1;
                tokio::time::sleep_until((start + Duration::from_millis(10) * round).into()).await;
            }
            done_tx.send((sent, start.elapsed().as_secs_f64())).expect("main waits");
            alice.shutdown().await;
            drop(server);
        });
    });
    let (url, code, channels) = ready_rx.recv()?;

    // Bob: two workers, like the desktop.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(async move {
        let person = Person::sign_in_as(&url, "bob@example.com", "Bob", KeychainBackend::Mock).await;
        let bob = person.client.clone();
        bob.accept_invite(&code).await?;
        online(&bob).await;
        let mut quiet = measure(&bob, &channels, 3).await;
        go_tx.send(()).ok();
        let mut busy = measure(&bob, &channels, secs).await;
        let (sent, took) = done_rx.recv()?;
        println!("quiet:  timeline {}", summary(&mut quiet.timeline));
        println!("        20 ms tick late by {}", summary(&mut quiet.ticks));
        println!("        (on a thread of its own: {})", summary(&mut quiet.thread_ticks));
        println!(
            "busy:   {sent} messages in {took:.1} s ({:.0}/s) into 20 channels, cached, counted and indexed as they came",
            sent as f64 / took
        );
        println!("        timeline {}", summary(&mut busy.timeline));
        println!("        unread total {}", summary(&mut busy.unread));
        println!("        20 ms tick late by {}", summary(&mut busy.ticks));
        println!("        (on a thread of its own: {})", summary(&mut busy.thread_ticks));
        bob.shutdown().await;
        anyhow::Ok(())
    })?;
    server_thread.join().expect("server thread");
    Ok(())
}
