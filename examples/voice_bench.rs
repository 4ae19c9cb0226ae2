//! Call benchmark: real pq-server, real pq-core clients, real WebRTC peer
//! connections on loopback.
//!
//! ```text
//! cargo run --release --example voice_bench -- [PEOPLE=6] [SECONDS=20]
//! ```
//!
//! - mouth-to-ear latency: Alice's microphone is silent except for a short
//!   tone burst every half second; Bob's speakers note when each burst comes
//!   out of his mixer. Both sit in this process, on one clock, so the time
//!   between the burst leaving the source and reaching the sink is the whole
//!   pipeline (capture tick → Opus → RTP → jitter buffer → mix → playback),
//!   without the sound card's own buffers;
//! - join to first audio: from `join_voice` to the first decoded packet from
//!   someone already in the room;
//! - CPU: PEOPLE clients in one audio room (everyone talking, a tone each) for
//!   SECONDS; the process's CPU time divided by PEOPLE is one client's share
//!   (the server's relaying is idle during a call and counted in). Then the
//!   same with echo cancellation, noise suppression and gain control on, and
//!   with everyone's camera on too (a 640×360 test pattern at 15 fps, scaled
//!   and VP8-encoded once, sent to every peer, every peer's decoded).

#[path = "../tests/e2e/common.rs"]
#[allow(unused_imports)]
mod common;

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use common::Person;
use pq_core::voice::{AudioSink, AudioSource, JoinOptions, NullSink, Processing, TestPattern, ToneSource, rms};
use pq_server::testing::TestServer;

/// Silence, with a 100 ms tone burst whenever `fire` is set; notes when the
/// burst's first frame left.
struct MarkerSource {
    tone: ToneSource,
    left: Arc<Mutex<Vec<Instant>>>,
    fire: Arc<Mutex<bool>>,
    burst_frames: u32,
}

impl AudioSource for MarkerSource {
    fn next_frame(&mut self, frame: &mut [i16]) {
        let mut fire = self.fire.lock().unwrap();
        if *fire {
            *fire = false;
            self.burst_frames = 5;
            self.left.lock().unwrap().push(Instant::now());
        }
        if self.burst_frames > 0 {
            self.burst_frames -= 1;
            self.tone.next_frame(frame);
        } else {
            frame.fill(0);
        }
    }
}

/// Notes when a loud frame follows a quiet one.
struct MarkerSink {
    heard: Arc<Mutex<Vec<Instant>>>,
    loud: bool,
}

impl AudioSink for MarkerSink {
    fn play(&mut self, frame: &[i16]) {
        let loud = rms(frame) > 1_000.0;
        if loud && !self.loud {
            self.heard.lock().unwrap().push(Instant::now());
        }
        self.loud = loud;
    }
}

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = &stat[stat.rfind(')').map_or(0, |i| i + 2)..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 =
        f.get(11).and_then(|u| u.parse().ok()).unwrap_or(0.0) + f.get(12).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

/// Everyone in `room` talking (and on camera when `video`) for `seconds`:
/// one client's share of the CPU, peer connections connected, and pictures
/// decoded per second per client.
async fn cpu_run(
    persons: &[Person],
    room: pq_core::protocol::ChannelId,
    seconds: u64,
    processing: Processing,
    video: bool,
) -> anyhow::Result<(f64, usize, f64)> {
    let mut calls = Vec::new();
    for (i, p) in persons.iter().enumerate() {
        let tone = 300.0 + 100.0 * i as f64;
        let camera: Option<Box<dyn pq_core::voice::FrameSource>> =
            video.then(|| Box::new(TestPattern::new(640, 360, (80 + 20 * i as u8, 90, 200))) as _);
        let options = JoinOptions {
            processing,
            camera,
            ..common::loopback_call(Box::new(ToneSource::new(tone)), Box::new(NullSink))
        };
        calls.push(p.client.join_voice(room, options).await?);
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let connected = calls
        .iter()
        .map(|c| c.info().participants.iter().filter(|p| p.connection == "connected").count())
        .sum::<usize>();
    let frames = |calls: &[pq_core::voice::Call]| -> u64 {
        calls.iter().flat_map(|c| c.info().participants).map(|p| p.video_frames).sum()
    };
    let (t0, c0, f0) = (Instant::now(), cpu_seconds(), frames(&calls));
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let elapsed = t0.elapsed().as_secs_f64();
    let cpu = (cpu_seconds() - c0) / elapsed * 100.0;
    let fps = (frames(&calls) - f0) as f64 / elapsed / calls.len() as f64;
    for c in calls {
        c.leave().await;
    }
    Ok((cpu / persons.len() as f64, connected, fps))
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Diagnostics on stderr when asked (RUST_LOG=rtc_dtls=debug, …).
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let mut args = std::env::args().skip(1);
    let people: usize = args.next().map_or(Ok(6), |s| s.parse())?;
    let seconds: u64 = args.next().map_or(Ok(20), |s| s.parse())?;
    let server = TestServer::start().await;
    let names: Vec<String> = (0..people.max(2)).map(|i| format!("P{i}")).collect();
    let (persons, room) = common::voice_room(&server.url, &names.iter().map(String::as_str).collect::<Vec<_>>()).await;

    // 1. Latency: Alice sends markers, Bob listens.
    let left = Arc::new(Mutex::new(Vec::new()));
    let fire = Arc::new(Mutex::new(false));
    let heard = Arc::new(Mutex::new(Vec::new()));
    let alice = persons[0]
        .client
        .join_voice(
            room,
            common::loopback_call(
                Box::new(MarkerSource {
                    tone: ToneSource::new(440.0),
                    left: left.clone(),
                    fire: fire.clone(),
                    burst_frames: 0,
                }),
                Box::new(NullSink),
            ),
        )
        .await?;
    let joined_at = Instant::now();
    let bob = persons[1]
        .client
        .join_voice(
            room,
            common::loopback_call(
                Box::new(pq_core::voice::SilenceSource),
                Box::new(MarkerSink { heard: heard.clone(), loud: false }),
            ),
        )
        .await?;
    let alice_id = persons[0].client.me().expect("signed in").id;
    // Join to first audio: Alice's microphone sends silence packets all along.
    let first = loop {
        if let Some(t) = bob.first_heard(alice_id) {
            break t.duration_since(joined_at);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    for _ in 0..40 {
        *fire.lock().unwrap() = true;
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    let (left, heard) = (left.lock().unwrap().clone(), heard.lock().unwrap().clone());
    let mut latency: Vec<f64> = left
        .iter()
        .filter_map(|l| heard.iter().find(|h| *h > l).map(|h| h.duration_since(*l).as_secs_f64() * 1000.0))
        .filter(|ms| *ms < 400.0)
        .collect();
    let bursts = latency.len();
    alice.leave().await;
    bob.leave().await;

    // 2. CPU: everyone talking; then with voice processing; then on camera.
    let (cpu, connected, _) = cpu_run(&persons, room, seconds, Processing::NONE, false).await?;
    let (cpu_processed, _, _) = cpu_run(&persons, room, seconds, Processing::ALL, false).await?;
    let (cpu_video, connected_video, fps) = cpu_run(&persons, room, seconds, Processing::ALL, true).await?;

    println!("voice benchmark: {people} people, {seconds} s of everyone talking");
    println!("| | result | goal |");
    println!("|---|---|---|");
    println!(
        "| mouth-to-ear latency, loopback (median / p95 / max of {bursts} bursts) | {:.1} / {:.1} / {:.1} ms | ≤ 60 ms |",
        percentile(&mut latency, 0.5),
        percentile(&mut latency, 0.95),
        percentile(&mut latency, 1.0)
    );
    println!("| join to first audio heard | {:.0} ms | < 500 ms |", first.as_secs_f64() * 1000.0);
    println!("| CPU of one client in a {people}-person audio room | {cpu:.1} % of one core | ≤ 25 % |");
    println!("| … with echo cancellation, noise suppression, gain control | {cpu_processed:.1} % of one core | |");
    println!(
        "| … and everyone's camera on (each client decodes {fps:.0} pictures/s from {} peers) | {cpu_video:.1} % of one core | |",
        people - 1
    );
    println!(
        "peer connections connected during the CPU runs: audio {connected}, video {connected_video} of {}",
        people * (people - 1)
    );
    for p in persons {
        p.client.shutdown().await;
    }
    Ok(())
}
