//! Mouth-to-ear latency through real (virtual) audio devices, the way people
//! hear a call. Run by `scripts/bench-mouth-to-ear`, which starts a
//! PulseAudio daemon with the devices below and points this process at it.
//!
//! ```text
//! scripts/bench-mouth-to-ear [TRIALS=30] [long]
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
//! (module-loopback micA → spkB, loaded by the script); `long` a six-person
//! call (four more people sending and receiving without devices) at its
//! start and after `PQ_MINUTES` (10) minutes, with every receiver's
//! underruns and the microphone's shortfalls.

#[path = "../tests/e2e/common.rs"]
#[allow(unused_imports)]
mod common;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use common::Person;
use pq_core::voice::{
    AudioSink, AudioSource, Call, JoinOptions, Microphone, NullSink, Processing, SilenceSource, Speakers,
};
use pq_server::testing::TestServer;

fn percentile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

/// Alice's microphone and Bob's speakers.
type Devices = (Arc<Mutex<Microphone>>, Arc<Mutex<Speakers>>);

/// Everyone in the call: the server, Alice (index 0, on the microphone),
/// Bob (index 1, on the speakers), and anyone else; each with their call.
struct Room {
    _server: TestServer,
    people: Vec<(Person, Call)>,
    devices: Devices,
}

impl Room {
    /// Underruns (over everyone they hear) of Bob, who plays on the
    /// speakers, and of everyone else (whose calls play nothing, on their
    /// 10 ms tick): each (fell silent, concealed).
    fn underruns(&self) -> ((u64, u64), (u64, u64)) {
        let of = |c: &Call| {
            c.info().participants.iter().fold((0, 0), |(s, c), p| (s + p.underruns, c + p.underruns_concealed))
        };
        let others = self
            .people
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 1)
            .map(|(_, (_, c))| of(c))
            .fold((0, 0), |(s, c), o| (s + o.0, c + o.1));
        (of(&self.people[1].1), others)
    }
}

async fn call(people: usize) -> anyhow::Result<Room> {
    let server = TestServer::start().await;
    let names = ["Alice", "Bob", "Carol", "Dan", "Erin", "Frank"];
    let (signed_in, room) = common::voice_room(&server.url, &names[..people]).await;
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
    let mut people = Vec::new();
    for (i, p) in signed_in.into_iter().enumerate() {
        // Alice speaks into the microphone, Bob listens on the speakers;
        // the others send (coded silence) and receive (not played).
        let (source, sink): (Box<dyn AudioSource>, Box<dyn AudioSink>) = match i {
            0 => (Box::new(mic.clone()), Box::new(NullSink)),
            1 => (Box::new(SilenceSource), Box::new(speakers.clone())),
            _ => (Box::new(SilenceSource), Box::new(NullSink)),
        };
        let c = p.client.join_voice(room, options(source, sink)).await?;
        people.push((p, c));
    }
    // Settle: connected, audio flowing.
    tokio::time::sleep(Duration::from_secs(3)).await;
    // The callbacks' timing from here (the device's first seconds, before
    // its stream is running, are not the call's).
    speakers.lock().unwrap().timing().take();
    Ok(Room { _server: server, people, devices: (mic, speakers) })
}

/// Clicks through the room (or the plumbing alone); prints what was heard.
async fn measure(label: &str, room: Option<&Room>, trials: usize) -> anyhow::Result<f64> {
    // How much of Alice's audio waits in Bob's jitter buffer, every 10 ms.
    let mut depths = Vec::new();
    let sampling = async {
        loop {
            tokio::time::sleep(Duration::from_millis(10)).await;
            if let Some(r) = room {
                let alice = r.people[0].0.client.me().map(|m| m.id);
                let info = r.people[1].1.info();
                let p = info.participants.iter().find(|p| Some(p.state.user_id) == alice);
                depths.extend(p.map(|p| (f64::from(p.buffer_ms), f64::from(p.jitter_ms))));
            }
        }
    };
    let latencies = tokio::select! {
        l = common::click_latencies(trials) => l,
        () = sampling => unreachable!(),
    };
    if latencies.is_empty() {
        anyhow::bail!("no click came through ({trials} clicks sent)");
    }
    let median = percentile(&latencies, 0.5);
    println!(
        "{label}: mouth to ear median {median:.1} ms, p95 {:.1} ms, min {:.1}, max {:.1} ({} of {trials} clicks heard)",
        percentile(&latencies, 0.95),
        latencies[0],
        latencies[latencies.len() - 1],
        latencies.len(),
    );
    if let Some(r) = room {
        let mut jitter: Vec<f64> = depths.iter().map(|d| d.1).collect();
        let mut depths: Vec<f64> = depths.iter().map(|d| d.0).collect();
        depths.sort_by(f64::total_cmp);
        jitter.sort_by(f64::total_cmp);
        let ms = |d: Option<Duration>| {
            d.map_or_else(|| "unknown".to_owned(), |d| format!("{:.1} ms", d.as_secs_f64() * 1e3))
        };
        let (mic, speakers) = &r.devices;
        let (mic_latency, shortfalls, mic_xruns, mic_period) = {
            let mic = mic.lock().unwrap();
            (mic.latency(), mic.shortfalls(), mic.xruns().unwrap_or(0), mic.period())
        };
        let (bob, others) = r.underruns();
        println!(
            "  underruns so far (times a receiver's audio ran out: fell silent / concealed): Bob on the speakers {} / {}, the {} others {} / {}",
            bob.0,
            bob.1,
            r.people.len() - 1,
            others.0,
            others.1,
        );
        if !depths.is_empty() {
            println!(
                "  Bob's jitter buffer for Alice: median {:.1} ms, p95 {:.1} ms, jitter median {:.1} ms",
                percentile(&depths, 0.5),
                percentile(&depths, 0.95),
                percentile(&jitter, 0.5),
            );
        }
        let speakers = speakers.lock().unwrap();
        println!(
            "  device latency as reported: microphone {}, speakers {}; microphone frames short of samples: {}",
            ms(mic_latency),
            ms(speakers.latency()),
            shortfalls,
        );
        println!(
            "  device xruns so far (callbacks late: audio lost in the device): microphone {mic_xruns}, speakers {}; periods now: microphone {} ms, speakers {} ms",
            speakers.xruns().unwrap_or(0),
            mic_period.as_millis(),
            speakers.period().as_millis(),
        );
        let (run, between) = speakers.timing().take();
        println!(
            "  speakers' callbacks since the last report: the longest took {:.1} ms; the longest from one to the next {:.1} ms",
            run.as_secs_f64() * 1e3,
            between.as_secs_f64() * 1e3,
        );
    }
    Ok(median)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    // RUST_LOG=pq_core::voice::jitter=debug says why each underrun happened.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let mut args = std::env::args().skip(1);
    let trials: usize = args.next().map_or(Ok(30), |s| s.parse())?;
    let mode = args.next().unwrap_or_default();
    let processing = if std::env::var_os("PQ_PROCESSING").is_some() { "on" } else { "off" };
    match mode.as_str() {
        "floor" => {
            measure("plumbing floor (module-loopback)", None, trials).await?;
        }
        "long" => {
            // Six people; the delay at the start and after PQ_MINUTES (10).
            let minutes: u64 = std::env::var("PQ_MINUTES").map_or(Ok(10), |m| m.parse())?;
            let room = call(6).await?;
            let start = measure(&format!("6-person call, processing {processing}, start"), Some(&room), trials).await?;
            tokio::time::sleep(Duration::from_secs(minutes * 60)).await;
            let label = format!("6-person call, processing {processing}, after {minutes} min");
            let end = measure(&label, Some(&room), trials).await?;
            println!("  drift: the median moved {:+.1} ms in {minutes} minutes", end - start);
        }
        _ => {
            let room = call(2).await?;
            measure(&format!("pq call, voice processing {processing}"), Some(&room), trials).await?;
        }
    }
    Ok(())
}
