//! The end-to-end harness.
#![allow(dead_code)]

use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use pq_core::{
    Client, ClientConfig, ConnectionState,
    auth::{AuthError, AuthOptions, KeychainBackend, TokenStore},
    protocol::{ChannelId, models::Message},
    store::OutboxEntry,
};
pub use pq_server::testing::TestServer;
use tokio::{net::TcpListener, task::AbortHandle};

/// The checkout under test, as the test runner says at run time (nextest
/// and cargo set `CARGO_MANIFEST_DIR`): every checkout builds into one
/// target directory, and a test binary built in another clone (CI's) is
/// reused here, its compiled-in path pointing there.
pub fn checkout() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

/// Waits up to `secs` for `cond`, polling.
pub async fn wait_for<F: FnMut() -> bool>(secs: u64, what: &str, mut cond: F) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A TCP proxy in front of a server: the tests cut every connection through
/// it (a dropped network), refuse new ones (offline), or hold back REST
/// answers while the gateway's events go straight through (slow answers).
#[derive(Debug)]
pub struct Proxy {
    /// `http://127.0.0.1:PORT` of the proxy.
    pub url: String,
    conns: Arc<Mutex<Vec<AbortHandle>>>,
    offline: Arc<AtomicBool>,
    garbage: Arc<AtomicBool>,
    slow_answers_ms: Arc<AtomicU64>,
    task: AbortHandle,
}

/// Carries one connection through the proxy. A WebSocket (the gateway) goes
/// straight through; on any other, what the server sends waits
/// `slow_answers_ms` (as it is when each piece arrives) before it is passed on.
async fn carry(mut inbound: tokio::net::TcpStream, target: SocketAddr, slow_answers_ms: Arc<AtomicU64>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else { return };
    let mut first = [0u8; 2048];
    let n = inbound.peek(&mut first).await.unwrap_or(0);
    if String::from_utf8_lossy(&first[..n]).to_ascii_lowercase().contains("upgrade: websocket") {
        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
        return;
    }
    let (mut from_client, mut to_client) = inbound.into_split();
    let (mut from_server, mut to_server) = outbound.into_split();
    let up = async {
        let _ = tokio::io::copy(&mut from_client, &mut to_server).await;
        let _ = to_server.shutdown().await;
    };
    let down = async {
        let mut buf = vec![0u8; 16 * 1024];
        while let Ok(n @ 1..) = from_server.read(&mut buf).await {
            let ms = slow_answers_ms.load(Ordering::SeqCst);
            if ms > 0 {
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            if to_client.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = to_client.shutdown().await;
    };
    tokio::join!(up, down);
}

impl Proxy {
    /// A proxy to `target` (an `http://host:port` URL).
    pub async fn start(target: &str) -> Proxy {
        let target: SocketAddr = target.trim_start_matches("http://").parse().expect("host:port");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let conns: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let offline = Arc::new(AtomicBool::new(false));
        let garbage = Arc::new(AtomicBool::new(false));
        let slow_answers_ms = Arc::new(AtomicU64::new(0));
        let (c, o, g, s) = (conns.clone(), offline.clone(), garbage.clone(), slow_answers_ms.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else { return };
                if o.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                if g.load(Ordering::SeqCst) {
                    // Whatever is asked: a broken answer, then hang up.
                    tokio::spawn(async move {
                        use tokio::io::{AsyncReadExt, AsyncWriteExt};
                        let mut buf = [0u8; 1024];
                        let _ = inbound.read(&mut buf).await;
                        let _ = inbound
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n{\"op\":42,\"\x81\x05hello\xff")
                            .await;
                    });
                    continue;
                }
                let handle = tokio::spawn(carry(inbound, target, s.clone()));
                let mut list = c.lock().unwrap();
                list.retain(|h| !h.is_finished());
                list.push(handle.abort_handle());
            }
        })
        .abort_handle();
        Proxy { url, conns, offline, garbage, slow_answers_ms, task }
    }

    /// Cuts every open connection (both sides see it end, without goodbye).
    pub fn drop_all(&self) {
        for h in self.conns.lock().unwrap().drain(..) {
            h.abort();
        }
    }

    /// Garbage: cut everything and answer new connections with nonsense.
    pub fn set_garbage(&self, garbage: bool) {
        self.garbage.store(garbage, Ordering::SeqCst);
        if garbage {
            self.drop_all();
        }
    }

    /// REST answers held back this long from now on (0: not at all); the
    /// gateway's events are not.
    pub fn set_slow_answers(&self, delay: Duration) {
        self.slow_answers_ms.store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    /// Offline: cut everything and refuse new connections; online again.
    pub fn set_offline(&self, offline: bool) {
        self.offline.store(offline, Ordering::SeqCst);
        if offline {
            self.drop_all();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.drop_all();
    }
}

/// A person with a pq-core client (own cache, own keychain), connected to
/// `server_url` (a server or a proxy in front of one).
pub struct Person {
    pub client: Client,
    pub email: String,
    config: ClientConfig,
    _dir: Arc<tempfile::TempDir>,
}

impl std::fmt::Debug for Person {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Person").field("email", &self.email).finish_non_exhaustive()
    }
}

/// A browser stand-in that signs in as `email` through the development
/// provider's Google stand-in and follows the redirect to the loopback
/// listener, as a person would.
/// A call on loopback with `source` and `sink`: unmuted, no camera, no voice
/// processing (synthetic tones are not speech).
pub fn loopback_call(
    source: Box<dyn pq_core::voice::AudioSource>,
    sink: Box<dyn pq_core::voice::AudioSink>,
) -> pq_core::voice::JoinOptions {
    pq_core::voice::JoinOptions {
        source,
        sink,
        muted: false,
        camera: None,
        processing: pq_core::voice::Processing::NONE,
        udp_addrs: vec!["127.0.0.1:0".into()],
    }
}

/// Whether the newest picture `call` has from `user` is in `colour` (Y, U, V;
/// judged by the chroma planes' averages, so a test pattern's moving white
/// square does not matter).
pub fn picture_in(call: &pq_core::voice::Call, user: pq_core::protocol::UserId, colour: (u8, u8, u8)) -> bool {
    let Some(p) = call.latest_picture(user) else { return false };
    let (_, u, v) = p.planes();
    let mean = |plane: &[u8]| plane.iter().map(|&b| f64::from(b)).sum::<f64>() / plane.len().max(1) as f64;
    (mean(u) - f64::from(colour.1)).abs() < 12.0 && (mean(v) - f64::from(colour.2)).abs() < 12.0
}

/// A real `width`×`height` PNG in one colour (what a person would pick as a picture).
pub fn png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&rgb.repeat((width * height) as usize)).unwrap();
    writer.finish().unwrap();
    out
}

/// A PNG's width and height (from its header).
pub fn png_size(bytes: &[u8]) -> (u32, u32) {
    let info = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().expect("a PNG");
    (info.info().width, info.info().height)
}

pub fn browser_for(email: &str) -> Arc<dyn pq_core::auth::Browser> {
    browser_as(email, email.split('@').next().unwrap())
}

/// Like [`browser_for`], giving the provider `name` as the person's name.
pub fn browser_as(email: &str, name: &str) -> Arc<dyn pq_core::auth::Browser> {
    let (email, name) = (email.to_owned(), name.to_owned());
    Arc::new(move |url: &str| -> Result<(), AuthError> {
        let (url, email, name) = (url.to_owned(), email.clone(), name.clone());
        tokio::spawn(async move {
            let http = pq_server::idp::devclient::browser();
            let back = pq_server::idp::devclient::complete_federated(&http, &url, "Google", &email, &name)
                .await
                .expect("the provider's pages");
            let _ = http.get(back).send().await;
        });
        Ok(())
    })
}

/// `names` signed in (as `name@example.com`), all members of one server the
/// first of them made and online; with the server's voice room.
pub async fn voice_room(server_url: &str, names: &[&str]) -> (Vec<Person>, ChannelId) {
    let mut people = Vec::new();
    for name in names {
        let email = format!("{}@example.com", name.to_lowercase());
        people.push(Person::sign_in_as(server_url, &email, name, KeychainBackend::Mock).await);
    }
    let state = people[0].client.create_server("Voice").await.unwrap();
    let invite = people[0].client.create_invite(state.server.id, Default::default()).await.unwrap();
    for p in &people[1..] {
        p.client.accept_invite(&invite.code).await.unwrap();
    }
    for p in &people {
        p.wait_online(10).await;
    }
    let room = state.channels.iter().find(|c| c.kind == pq_core::protocol::models::ChannelKind::Voice);
    (people, room.expect("a voice room").id)
}

impl Person {
    /// A client for `email`, signed in through the browser stand-in.
    pub async fn sign_in(server_url: &str, email: &str) -> Person {
        Self::sign_in_with(server_url, email, KeychainBackend::Mock).await
    }

    /// Like [`Person::sign_in`], with the tokens in `keychain`.
    pub async fn sign_in_with(server_url: &str, email: &str, keychain: KeychainBackend) -> Person {
        Self::sign_in_as(server_url, email, email.split('@').next().unwrap(), keychain).await
    }

    /// Like [`Person::sign_in_with`], named `name` at the provider.
    pub async fn sign_in_as(server_url: &str, email: &str, name: &str, keychain: KeychainBackend) -> Person {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let url: url::Url = server_url.parse().unwrap();
        let mut config = ClientConfig::new(url.clone(), dir.path().to_owned());
        config.tokens = Some(TokenStore::open(keychain).expect("a keychain"));
        config.auth =
            Some(AuthOptions::new(url).browser(browser_as(email, name)).sign_in_timeout(Duration::from_secs(30)));
        config.backoff = (Duration::from_millis(50), Duration::from_millis(800));
        let client = Client::start(config.clone()).await.expect("the client starts");
        client.sign_in().await.expect("signed in");
        Person { client, email: email.to_owned(), config, _dir: dir }
    }

    /// The person quits pq and starts it again (same cache, same keychain).
    pub async fn restart(&mut self) {
        self.client.shutdown().await;
        self.client = Client::start(self.config.clone()).await.expect("the client starts again");
    }

    /// The person quits pq for good: returns what is needed to start pq
    /// again by hand (its configuration and the guard of its data directory).
    pub async fn quit(self) -> (ClientConfig, Arc<tempfile::TempDir>) {
        self.client.shutdown().await;
        drop(self.client);
        // Let the engine's task end and close the cache.
        tokio::time::sleep(Duration::from_millis(200)).await;
        (self.config, self._dir)
    }

    /// Where this client keeps its data.
    pub fn data_dir(&self) -> PathBuf {
        self.config.data_dir.clone()
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Waits until the client is online and caught up.
    pub async fn wait_online(&self, secs: u64) {
        let mut rx = self.client.connection();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            if *rx.borrow_and_update() == ConnectionState::Online {
                return;
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            assert!(
                tokio::time::timeout(left, rx.changed()).await.is_ok(),
                "{} never came online (state {:?})",
                self.email,
                *rx.borrow()
            );
        }
    }

    /// Everything cached of a channel, oldest first.
    pub async fn history(&self, channel: ChannelId) -> Vec<Message> {
        self.client.timeline(channel, None, 1_000_000).await.unwrap().messages
    }

    /// The channel's unsent messages.
    pub async fn pending(&self, channel: ChannelId) -> Vec<OutboxEntry> {
        self.client.timeline(channel, None, 1).await.unwrap().pending
    }
}

/// Stops the processes `pids` for `how_long`, then lets them go on: the
/// computer stalling, as far as they can tell.
pub async fn stall(pids: &[u32], how_long: Duration) {
    use nix::{sys::signal, unistd::Pid};
    assert!(!pids.is_empty(), "nothing to stop");
    let each = |sig| {
        for &pid in pids {
            let _ = signal::kill(Pid::from_raw(pid as i32), sig);
        }
    };
    each(signal::Signal::SIGSTOP);
    tokio::time::sleep(how_long).await;
    each(signal::Signal::SIGCONT);
}

/// Mouth to ear through PulseAudio (see `examples/mouth_to_ear.rs`): plays
/// `clicks` clicks, one every 700 ms, into the sink `clkA` and records
/// `bus.monitor`; returns each click's latency to the right channel in ms.
/// Needs `PULSE_SERVER` pointing at a daemon with those devices.
pub async fn click_latencies(clicks: usize) -> Vec<f64> {
    const RATE: usize = 48_000;
    let dir = tempfile::tempdir().unwrap();
    let mut raw = Vec::with_capacity(clicks * RATE * 7 / 10 * 2);
    for _ in 0..clicks {
        for i in 0..RATE * 7 / 10 {
            // 5 ms of 2 kHz: a click in the voice band. (Until 2026-12-07
            // it alternated ±30 000 sample by sample: all its energy at
            // 24 kHz, which voice processing turns down ~15 dB, and 5–8 of
            // 30 such clicks went unheard with it on.)
            let s: i16 = if i < RATE / 200 {
                (30_000.0 * (std::f64::consts::TAU * 2_000.0 * i as f64 / RATE as f64).sin()) as i16
            } else {
                0
            };
            raw.extend_from_slice(&s.to_le_bytes());
        }
    }
    let clicks_path = dir.path().join("clicks.raw");
    std::fs::write(&clicks_path, &raw).unwrap();
    let rec_path = dir.path().join("bus.raw");
    let mut rec = std::process::Command::new("parec")
        .args(["-d", "bus.monitor", "--raw", "--format=s16le", "--rate=48000", "--channels=2", "--latency-msec=5"])
        .stdout(std::fs::File::create(&rec_path).unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("parec (pulseaudio-utils)");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let played = tokio::process::Command::new("pacat")
        .args(["-d", "clkA", "--raw", "--format=s16le", "--rate=48000", "--channels=1", "--latency-msec=5"])
        .arg(&clicks_path)
        .status()
        .await
        .expect("pacat (pulseaudio-utils)");
    assert!(played.success(), "pacat failed");
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let _ = rec.kill();
    let _ = rec.wait();
    let raw = std::fs::read(&rec_path).unwrap();
    let frames: Vec<(i16, i16)> =
        raw.chunks_exact(4).map(|c| (i16::from_le_bytes([c[0], c[1]]), i16::from_le_bytes([c[2], c[3]]))).collect();
    // Onsets: loud after at least 300 ms of quiet.
    let onsets = |samples: &mut dyn Iterator<Item = i16>, threshold: u16| {
        let (mut out, mut quiet) = (Vec::new(), usize::MAX / 2);
        for (i, s) in samples.enumerate() {
            if s.unsigned_abs() > threshold {
                if quiet >= RATE * 3 / 10 {
                    out.push(i);
                }
                quiet = 0;
            } else {
                quiet += 1;
            }
        }
        out
    };
    let left = onsets(&mut frames.iter().map(|f| f.0), 10_000);
    let right = onsets(&mut frames.iter().map(|f| f.1), 3_000);
    let mut latencies: Vec<f64> = left
        .iter()
        .filter_map(|&l| {
            right.iter().find(|&&r| r > l && r < l + RATE / 2).map(|&r| (r - l) as f64 * 1000.0 / RATE as f64)
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    latencies
}

/// A private PulseAudio daemon with the mouth-to-ear devices: a stereo null
/// sink `bus`, `clkA` (its left channel, what Alice's microphone `micA`
/// hears) and `spkB` (its right channel, Bob's speakers); `micA` and `spkB`
/// are the defaults. Stops when dropped.
pub struct PulseAudio {
    pub server: String,
    daemon: std::process::Child,
    _dir: tempfile::TempDir,
}

impl PulseAudio {
    pub fn start() -> PulseAudio {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("sock");
        let config = dir.path().join("pa.pa");
        std::fs::write(
            &config,
            format!(
                "load-module module-native-protocol-unix auth-anonymous=1 socket={}\n\
                 load-module module-null-sink sink_name=bus channels=2 rate=48000 channel_map=front-left,front-right\n\
                 load-module module-remap-sink sink_name=clkA master=bus channels=1 channel_map=mono master_channel_map=front-left remix=no\n\
                 load-module module-remap-sink sink_name=spkB master=bus channels=1 channel_map=mono master_channel_map=front-right remix=no\n\
                 load-module module-remap-source source_name=micA master=bus.monitor channels=1 channel_map=mono master_channel_map=front-left remix=no\n\
                 load-module module-remap-source source_name=micB master=bus.monitor channels=1 channel_map=mono master_channel_map=front-right remix=no\n\
                 set-default-source micA\nset-default-sink spkB\n",
                sock.display()
            ),
        )
        .unwrap();
        let daemon = std::process::Command::new("pulseaudio")
            .args(["-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no", "-F"])
            .arg(&config)
            .env("HOME", dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("pulseaudio is installed (scripts/setup installs it)");
        let server = format!("unix:{}", sock.display());
        for _ in 0..100 {
            if sock.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(sock.exists(), "pulseaudio did not start");
        std::thread::sleep(Duration::from_millis(200));
        PulseAudio { server, daemon, _dir: dir }
    }
}

impl Drop for PulseAudio {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// `owner` makes a server called "Study group" and everyone in `others`
/// joins it by its invite; all of them are online when this returns.
pub async fn study_group(
    owner: &Person,
    others: &[&Person],
) -> (pq_core::protocol::models::ServerState, pq_core::protocol::models::Invite) {
    let state = owner.client.create_server("Study group").await.expect("a server");
    let invite = owner
        .client
        .create_invite(state.server.id, pq_core::protocol::models::CreateInvite::default())
        .await
        .expect("an invite");
    for p in others {
        p.client.accept_invite(&invite.code).await.expect("joins");
    }
    owner.wait_online(10).await;
    for p in others {
        p.wait_online(10).await;
    }
    (state, invite)
}
