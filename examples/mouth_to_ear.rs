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

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use common::Person;
use pq_core::{
    auth::KeychainBackend,
    protocol::models::{ChannelKind, CreateInvite},
    voice::{
        AudioSink, AudioSource, JoinOptions, Microphone, NullSink, Processing, RoomAudio, SilenceSource, Speakers,
    },
};
use pq_server::testing::TestServer;

/// A device the call uses while this program can still ask it how long it
/// holds audio.
struct Shared<T>(Arc<Mutex<T>>);

impl AudioSource for Shared<Microphone> {
    fn next_frame(&mut self, frame: &mut [i16]) {
        self.0.lock().unwrap().next_frame(frame);
    }

    fn latency(&self) -> Option<Duration> {
        self.0.lock().unwrap().latency()
    }
}

impl AudioSink for Shared<Speakers> {
    fn play(&mut self, frame: &[i16]) {
        self.0.lock().unwrap().play(frame);
    }

    fn pull(&mut self, room: RoomAudio) -> bool {
        self.0.lock().unwrap().pull(room)
    }

    fn latency(&self) -> Option<Duration> {
        self.0.lock().unwrap().latency()
    }
}

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
    let mut devices: Option<(Arc<Mutex<Microphone>>, Arc<Mutex<Speakers>>)> = None;
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
        let mic = Arc::new(Mutex::new(Microphone::open(None, Duration::from_millis(100))?));
        let speakers = Arc::new(Mutex::new(Speakers::open(None)?));
        devices = Some((mic.clone(), speakers.clone()));
        let a = alice.client.join_voice(room, options(Box::new(Shared(mic)), Box::new(NullSink))).await?;
        let b = bob.client.join_voice(room, options(Box::new(SilenceSource), Box::new(Shared(speakers)))).await?;
        // Settle: connected, audio flowing.
        tokio::time::sleep(Duration::from_secs(3)).await;
        keep.push((server, alice, bob, a, b));
    }

    // How much of Alice's audio waits in Bob's jitter buffer, every 10 ms.
    let mut depths = Vec::new();
    let sampling = async {
        loop {
            tokio::time::sleep(Duration::from_millis(10)).await;
            if let Some(k) = keep.first() {
                depths
                    .extend(k.4.info().participants.first().map(|p| (f64::from(p.buffer_ms), f64::from(p.jitter_ms))));
            }
        }
    };
    let latencies = tokio::select! {
        l = common::click_latencies(trials) => l,
        () = sampling => unreachable!(),
    };
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
    if let Some((mic, speakers)) = devices {
        let mut jitter: Vec<f64> = depths.iter().map(|d| d.1).collect();
        let mut depths: Vec<f64> = depths.iter().map(|d| d.0).collect();
        depths.sort_by(f64::total_cmp);
        jitter.sort_by(f64::total_cmp);
        let ms = |d: Option<Duration>| {
            d.map_or_else(|| "unknown".to_owned(), |d| format!("{:.1} ms", d.as_secs_f64() * 1e3))
        };
        println!("  underruns: {underruns} (times the audio Bob played ran out)");
        println!(
            "  Bob's jitter buffer: median {:.1} ms, p95 {:.1} ms, jitter median {:.1} ms; device latency as reported: microphone {}, speakers {}",
            percentile(&depths, 0.5),
            percentile(&depths, 0.95),
            percentile(&jitter, 0.5),
            ms(mic.lock().unwrap().latency()),
            ms(speakers.lock().unwrap().latency()),
        );
    }
    Ok(())
}
