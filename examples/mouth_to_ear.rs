//! Mouth-to-ear latency through real (virtual) audio devices, the way people
//! hear a call. Run by `scripts/bench-mouth-to-ear`, which starts a
//! PulseAudio daemon with the devices below and points this process at it.
//!
//! ```text
//! scripts/bench-mouth-to-ear [TRIALS=30]
//! ```
//!
//! PulseAudio: a stereo null sink `bus`; `clkA` plays into its left channel,
//! `spkB` into its right; `micA` hears the left channel. Alice's pq uses
//! `micA` as its microphone (the default source), Bob's pq `spkB` as its
//! speakers (the default sink); both through cpal and ALSA's `pulse` device,
//! as the desktop app opens them (100 ms microphone limit; speakers that pull
//! the room as the device asks).
//! A click every 700 ms goes to `clkA` (what Alice's microphone hears); one
//! recording of `bus.monitor` holds the click (left) and what Bob's speakers
//! played (right): the latency is the onset difference, every device buffer
//! included. `floor` instead measures PulseAudio's own plumbing
//! (module-loopback micA → spkB, loaded by the script).

#[path = "../tests/e2e/common.rs"]
#[allow(unused_imports)]
mod common;

use std::time::Duration;

use common::Person;
use pq_core::{
    auth::KeychainBackend,
    protocol::models::{ChannelKind, CreateInvite},
    voice::{JoinOptions, Microphone, NullSink, Processing, SilenceSource, Speakers},
};
use pq_server::testing::TestServer;

fn percentile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let trials: usize = args.next().map_or(Ok(30), |s| s.parse())?;
    let floor = args.next().is_some_and(|a| a == "floor");

    // The call (not for the plumbing floor).
    let mut keep = Vec::new();
    if !floor {
        let server = TestServer::start().await;
        let alice = Person::sign_in_as(&server.url, "alice@example.com", "Alice", KeychainBackend::Mock).await;
        let bob = Person::sign_in_as(&server.url, "bob@example.com", "Bob", KeychainBackend::Mock).await;
        let state = alice.client.create_server("Latency").await?;
        let invite = alice.client.create_invite(state.server.id, CreateInvite::default()).await?;
        bob.client.accept_invite(&invite.code).await?;
        alice.wait_online(10).await;
        bob.wait_online(10).await;
        let room = state.channels.iter().find(|c| c.kind == ChannelKind::Voice).expect("a voice room").id;
        let options = |source, sink| JoinOptions {
            source,
            sink,
            muted: false,
            camera: None,
            processing: if std::env::var_os("PQ_PROCESSING").is_some() { Processing::ALL } else { Processing::NONE },
            udp_addrs: vec!["127.0.0.1:0".into()],
        };
        let a = alice
            .client
            .join_voice(
                room,
                options(Box::new(Microphone::open(None, Duration::from_millis(100))?), Box::new(NullSink)),
            )
            .await?;
        let b = bob.client.join_voice(room, options(Box::new(SilenceSource), Box::new(Speakers::open(None)?))).await?;
        // Settle: connected, audio flowing.
        tokio::time::sleep(Duration::from_secs(3)).await;
        keep.push((server, alice, bob, a, b));
    }

    let latencies = common::click_latencies(trials).await;
    // Gaps Bob heard in Alice's audio (her jitter buffer running dry).
    let underruns: u64 = keep.iter().flat_map(|k| k.4.info().participants).map(|p| p.underruns).sum();
    drop(keep);
    if latencies.is_empty() {
        anyhow::bail!("no click came through ({trials} clicks sent)");
    }
    println!(
        "{}: mouth to ear median {:.1} ms, p95 {:.1} ms, min {:.1}, max {:.1} ({} of {} clicks heard)",
        if floor {
            "plumbing floor (module-loopback)"
        } else if std::env::var_os("PQ_PROCESSING").is_some() {
            "pq call, voice processing on"
        } else {
            "pq call, voice processing off"
        },
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.95),
        latencies[0],
        latencies[latencies.len() - 1],
        latencies.len(),
        trials
    );
    if !floor {
        println!("  underruns: {underruns} (times the audio Bob played ran out)");
    }
    Ok(())
}
