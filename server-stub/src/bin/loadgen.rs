//! `pq-loadgen`: opens N receiving gateway connections and M senders in one
//! channel (or spread over `--servers` servers, a channel each), sends
//! messages at a fixed total rate, and prints deliveries per second, delivery
//! latency (send → `message_created` read by a receiver), acknowledgement
//! latency (send → `ack`: stored durably), and the server's CPU and memory.
//!
//! ```text
//! pq-server --rate-per-sec 2000 --rate-burst 2000 &        # another process
//! pq-loadgen --server http://127.0.0.1:8080 --connections 1000 --senders 10 --rate 300 --server-pid $!
//! ```
//!
//! Without `--server` it starts a pq-server inside its own process (temporary
//! data directory). Accounts are signed in through the development provider
//! the way an app does (PKCE, the Google stand-in), join one server by
//! invite, and read everything that server sends them.
//!
//! Receivers do not parse every frame: they look for the marker the senders
//! put in each body (`lg|<send time in µs>|`), so the load generator spends
//! as little CPU as it can on the machine it shares with the server.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use clap::Parser;
use futures_util::{SinkExt, StreamExt, stream};
use pq_protocol::{
    ChannelId, ClientMessageId,
    gateway::{ClientFrame, GatewaySend, Identify, PROTOCOL_VERSION, ServerFrame},
    models::{ChannelKind, Invite, ServerState},
};
use pq_server::idp::devclient;
use tokio_tungstenite::tungstenite::{Message, protocol::WebSocketConfig};

#[derive(Parser, Debug)]
#[command(name = "pq-loadgen", about = "Gateway fan-out load generator for pq-server")]
struct Args {
    /// pq-server base URL. Default: start one in this process.
    #[arg(long)]
    server: Option<String>,
    /// Receiving gateway connections (one account each).
    #[arg(long, default_value_t = 1000)]
    connections: usize,
    /// Sending connections (one account each).
    #[arg(long, default_value_t = 10)]
    senders: usize,
    /// Messages per second, all senders together.
    #[arg(long, default_value_t = 300.0)]
    rate: f64,
    /// Seconds of measurement.
    #[arg(long, default_value_t = 20)]
    duration: u64,
    /// Seconds of sending before measuring.
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    /// Seconds to wait after the receivers connected (their presence updates settle).
    #[arg(long, default_value_t = 3)]
    settle: u64,
    /// Characters per message body (at least 24).
    #[arg(long, default_value_t = 100)]
    body: usize,
    /// PID of the pq-server process, to report its CPU time and memory.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Prefix of the generated accounts' emails (change it to reuse a server).
    #[arg(long, default_value = "lg")]
    prefix: String,
    /// Servers (communities) to spread receivers and senders over, each with
    /// its own channel: receiver i and sender j go to server i mod N and
    /// j mod N, so a message reaches connections/N receivers.
    #[arg(long, default_value_t = 1)]
    servers: usize,
    /// Measure a socket.io 4 server instead (`bench/socketio/server.js`,
    /// e.g. ws://127.0.0.1:3000): the same load, Engine.IO's WebSocket
    /// framing, one room, nothing stored, no sign-in.
    #[arg(long)]
    socketio: Option<String>,
    /// After the run, drop every receiver without a goodbye (the network
    /// goes) and report the server's memory every 10 s for this many seconds
    /// (detached sessions expire after the server's resume window).
    #[arg(long, default_value_t = 0)]
    linger: u64,
}

/// Microseconds since `epoch` (shared by senders and receivers; 0 before it).
fn micros(epoch: Instant) -> u64 {
    Instant::now().saturating_duration_since(epoch).as_micros() as u64
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.body < 24 {
        bail!("--body must be at least 24 characters");
    }
    if args.servers == 0 || args.connections % args.servers != 0 {
        bail!("--connections must be a multiple of --servers");
    }
    check_fd_limit(args.connections + args.senders);
    let mut local: Option<(pq_server::RunningServer, tempfile::TempDir)> = None;
    let total = args.connections + args.senders;
    let (ws_url, channels, tokens, proto) = if let Some(sio) = &args.socketio {
        let url = format!("{}/socket.io/?EIO=4&transport=websocket", sio.trim_end_matches('/'));
        (url, vec![ChannelId::new()], vec![String::new(); total], Proto::SocketIo)
    } else {
        let base = match &args.server {
            Some(s) => s.trim_end_matches('/').to_owned(),
            None => {
                let dir = tempfile::tempdir()?;
                let mut sargs = pq_server::Args::for_tests(dir.path().to_owned());
                sargs.rate_per_sec = 100_000.0;
                sargs.rate_burst = 100_000.0;
                let server = pq_server::start(sargs).await?;
                let url = server.public_url.clone();
                local = Some((server, dir));
                url
            }
        };
        let http = devclient::browser();

        // N servers, an invite each, everyone in one of them.
        let t0 = Instant::now();
        let owner =
            devclient::sign_in(&http, &base, &format!("{}-owner@loadgen.invalid", args.prefix), "owner").await?;
        let groups = args.servers.max(1);
        let mut channels = Vec::with_capacity(groups);
        let mut codes = Vec::with_capacity(groups);
        for g in 0..groups {
            let state: ServerState = http
                .post(format!("{base}/api/servers"))
                .bearer_auth(&owner.access_token)
                .json(&serde_json::json!({"name": format!("loadgen {g}")}))
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            channels.push(state.channels.iter().find(|c| c.kind == ChannelKind::Text).context("no text channel")?.id);
            let invite: Invite = http
                .post(format!("{base}/api/servers/{}/invites", state.server.id))
                .bearer_auth(&owner.access_token)
                .json(&serde_json::json!({"max_age_secs": 0}))
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            codes.push(invite.code.0);
        }
        let total = args.connections + args.senders;
        let group_of = |i: usize| if i < args.connections { i % groups } else { (i - args.connections) % groups };
        let tokens: Vec<String> = stream::iter(0..total)
            .map(|i| {
                let (http, base, code, prefix) =
                    (http.clone(), base.clone(), codes[group_of(i)].clone(), args.prefix.clone());
                async move {
                    let t =
                        devclient::sign_in(&http, &base, &format!("{prefix}-{i}@loadgen.invalid"), &format!("lg {i}"))
                            .await?;
                    http.post(format!("{base}/api/invites/{code}/accept"))
                        .bearer_auth(&t.access_token)
                        .send()
                        .await?
                        .error_for_status()?;
                    anyhow::Ok(t.access_token)
                }
            })
            .buffered(16)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        eprintln!("signed in and joined {total} accounts in {:.1} s", t0.elapsed().as_secs_f64());

        let ws_url = format!("{}/gateway", base.replacen("http", "ws", 1));
        (ws_url, channels, tokens, Proto::Pq)
    };

    let rss_before = args.server_pid.and_then(rss_mib);
    // Receivers.
    let running = Arc::new(AtomicBool::new(true));
    let t1 = Instant::now();
    let receivers: Vec<_> = stream::iter(tokens[..args.connections].iter().cloned().enumerate())
        .map(|(i, token)| {
            let url = ws_url.clone();
            async move { connect(proto, &url, &token).await.with_context(|| format!("receiver {i} connecting")) }
        })
        .buffer_unordered(64)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    eprintln!("{} receivers connected in {:.1} s", receivers.len(), t1.elapsed().as_secs_f64());
    // Time zero of the run: sending starts after the receivers' presence
    // updates have settled. (Before it, `micros` reads 0.)
    let epoch = Instant::now() + Duration::from_secs(args.settle);
    let delivered = Arc::new(AtomicU64::new(0));
    let measure_from = Duration::from_secs(args.warmup).as_micros() as u64;
    let measure_to = measure_from + Duration::from_secs(args.duration).as_micros() as u64;
    let mut handles = Vec::new();
    for ws in receivers {
        let running = running.clone();
        let delivered = delivered.clone();
        handles.push(tokio::spawn(receive(proto, ws, epoch, running, delivered, measure_from, measure_to)));
    }

    // Senders.
    let mut senders = Vec::new();
    for token in &tokens[args.connections..] {
        senders.push(connect(proto, &ws_url, token).await.context("a sender connecting")?);
    }
    let per_sender = args.rate / args.senders as f64;
    let end = Duration::from_micros(measure_to);
    // Each message reaches the receivers of its sender's server.
    let fan_out = (args.connections / args.servers) as u64;
    let sent = Arc::new(AtomicU64::new(0));
    let sent_measured = Arc::new(AtomicU64::new(0));
    tokio::time::sleep_until(epoch.into()).await;
    let idle_rss = args.server_pid.and_then(rss_mib);
    let cpu_before = args.server_pid.and_then(cpu_ticks);
    let own_before = cpu_ticks(std::process::id());
    let wall_before = Instant::now();
    let mut send_handles = Vec::new();
    for (i, ws) in senders.into_iter().enumerate() {
        let (sent, sent_measured, body) = (sent.clone(), sent_measured.clone(), args.body);
        // Spread senders over the first period so sends do not come in bursts.
        let offset = Duration::from_secs_f64(i as f64 / args.rate.max(1.0));
        let channel = channels[i % channels.len()];
        send_handles.push(tokio::spawn(async move {
            let lane = Lane { proto, channel, rate: per_sender, offset, epoch, end, body_len: body };
            send(ws, lane, (measure_from, measure_to), sent, sent_measured).await
        }));
    }
    let mut acks: Vec<u32> = Vec::new();
    for h in send_handles {
        acks.extend(h.await?.context("a sender")?);
    }
    acks.sort_unstable();
    let cpu_after = args.server_pid.and_then(cpu_ticks);
    let own_after = cpu_ticks(std::process::id());
    let wall = wall_before.elapsed();
    // Wait for everything sent to arrive (or for deliveries to stop for 3 s:
    // what has not arrived then is lost).
    let all = sent.load(Ordering::Relaxed) * fan_out;
    let (mut last, mut still) = (0, Instant::now());
    while delivered.load(Ordering::Relaxed) < all && still.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = delivered.load(Ordering::Relaxed);
        if now != last {
            (last, still) = (now, Instant::now());
        }
    }
    let rss_loaded = args.server_pid.and_then(rss_mib);
    running.store(false, Ordering::Relaxed);
    let mut latencies: Vec<u32> = Vec::new();
    let mut closed = Vec::new();
    for h in handles {
        let (lat, close) = h.await?;
        latencies.extend(lat);
        closed.extend(close);
    }
    latencies.sort_unstable();
    let measured_msgs = sent_measured.load(Ordering::Relaxed);
    let expected = measured_msgs * fan_out;
    let got = latencies.len() as u64;
    let pct_of = |v: &[u32], p: f64| -> f64 {
        if v.is_empty() {
            return f64::NAN;
        }
        let i = ((v.len() as f64 - 1.0) * p).round() as usize;
        f64::from(v[i]) / 1000.0
    };
    let pct = |p: f64| pct_of(&latencies, p);
    println!(
        "pq-loadgen: {} receivers, {} senders, {} server(s), target {} msg/s, {} s measured",
        args.connections, args.senders, args.servers, args.rate, args.duration
    );
    println!("  messages sent (measured window): {measured_msgs} (total {})", sent.load(Ordering::Relaxed));
    println!("  deliveries: {got} of {expected} expected ({} lost)", expected.saturating_sub(got));
    println!("  deliveries/s: {:.0}", got as f64 / args.duration as f64);
    if !closed.is_empty() {
        println!("  receivers closed by the server: {} (first: {})", closed.len(), closed[0]);
    }
    println!(
        "  latency ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(0.999),
        pct(1.0)
    );
    println!(
        "  acknowledged (send → ack, stored durably) ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}  ({} acks)",
        pct_of(&acks, 0.5),
        pct_of(&acks, 0.9),
        pct_of(&acks, 0.99),
        pct_of(&acks, 1.0),
        acks.len()
    );
    if let (Some(a), Some(b)) = (cpu_before, cpu_after) {
        let ticks = 100.0; // sysconf(_SC_CLK_TCK) on Linux
        let cpu_s = (b - a) as f64 / ticks;
        let all_deliveries = sent.load(Ordering::Relaxed) as f64 * fan_out as f64;
        println!(
            "  server: {:.0}% CPU (of one core) while sending, {:.2} µs CPU per delivery, RSS {} MiB under load ({} MiB with the connections idle, {} MiB before they connected)",
            100.0 * cpu_s / wall.as_secs_f64(),
            1e6 * cpu_s / all_deliveries.max(1.0),
            rss_loaded.unwrap_or(0),
            idle_rss.unwrap_or(0),
            rss_before.unwrap_or(0)
        );
    }
    if let (Some(a), Some(b)) = (own_before, own_after) {
        println!(
            "  loadgen: {:.0}% CPU while sending, RSS {} MiB",
            100.0 * (b - a) as f64 / 100.0 / wall.as_secs_f64(),
            rss_mib(std::process::id()).unwrap_or(0)
        );
    }
    if let (Some(pid), true) = (args.server_pid, args.linger > 0) {
        // The receivers are gone (dropped without a goodbye when they
        // stopped); their sessions wait out the resume window.
        println!("  server RSS after every receiver dropped (sessions detached, then expiring):");
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(args.linger) {
            tokio::time::sleep(Duration::from_secs(10)).await;
            println!("    +{:>3} s: {} MiB", start.elapsed().as_secs(), rss_mib(pid).unwrap_or(0));
        }
    }
    if let Some((server, _dir)) = local {
        server.stop().await;
    }
    Ok(())
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Which server the load goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Proto {
    /// pq-server's gateway.
    Pq,
    /// A socket.io 4 server (Engine.IO v4 over WebSocket).
    SocketIo,
}

async fn connect(proto: Proto, url: &str, token: &str) -> anyhow::Result<Ws> {
    let config = WebSocketConfig::default().read_buffer_size(16 * 1024).write_buffer_size(0);
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true).await?;
    if proto == Proto::SocketIo {
        // Engine.IO `open`, then join the default namespace.
        match ws.next().await {
            Some(Ok(Message::Text(t))) if t.as_str().starts_with('0') => {}
            other => bail!("no Engine.IO open: {other:?}"),
        }
        ws.send(Message::Text("40".into())).await?;
        match ws.next().await {
            Some(Ok(Message::Text(t))) if t.as_str().starts_with("40") => return Ok(ws),
            other => bail!("no namespace connect: {other:?}"),
        }
    }
    let identify = ClientFrame::Identify(Identify { v: PROTOCOL_VERSION, token: token.into(), idle: None });
    ws.send(Message::Text(serde_json::to_string(&identify)?.into())).await?;
    // hello, then ready.
    let mut seen = 0;
    while let Some(msg) = ws.next().await {
        if let Message::Text(t) = msg? {
            seen += 1;
            if t.as_str().starts_with(r#"{"op":"ready""#) {
                return Ok(ws);
            }
            if seen > 2 {
                bail!("no ready: {t}");
            }
        }
    }
    bail!("socket closed before ready")
}

/// Reads everything; returns the latencies (µs) of messages sent in the
/// window, and how the server closed the socket if it did.
async fn receive(
    proto: Proto,
    mut ws: Ws,
    epoch: Instant,
    running: Arc<AtomicBool>,
    delivered: Arc<AtomicU64>,
    from: u64,
    to: u64,
) -> (Vec<u32>, Option<String>) {
    let mut out = Vec::with_capacity(8192);
    let mut closed = None;
    let mut heartbeat = tokio::time::interval(Duration::from_secs(15));
    let mut check = tokio::time::interval(Duration::from_millis(200));
    loop {
        tokio::select! {
            msg = ws.next() => {
                let t = match msg {
                    Some(Ok(Message::Text(t))) => t,
                    Some(Ok(Message::Close(c))) => { closed = Some(format!("{c:?}")); break }
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => { closed = Some(e.to_string()); break }
                    None => { closed = Some("end of stream".into()); break }
                };
                let now = micros(epoch);
                if let Some(sent) = marker(proto, t.as_str()) {
                    if (from..to).contains(&sent) {
                        out.push((now.saturating_sub(sent)).min(u64::from(u32::MAX)) as u32);
                    }
                    delivered.fetch_add(1, Ordering::Relaxed);
                } else if proto == Proto::SocketIo && t.as_str() == "2" {
                    let _ = ws.send(Message::Text("3".into())).await; // Engine.IO pong
                }
            }
            _ = heartbeat.tick(), if proto == Proto::Pq => {
                let _ = ws.send(Message::Text(r#"{"op":"heartbeat"}"#.into())).await;
            }
            _ = check.tick() => {
                if !running.load(Ordering::Relaxed) { break }
            }
        }
    }
    (out, closed)
}

/// The send time in a delivered message of ours.
fn marker(proto: Proto, frame: &str) -> Option<u64> {
    let prefix = match proto {
        Proto::Pq if frame.contains(r#""type":"message_created""#) => "\"body\":\"lg|",
        Proto::SocketIo => r#"42["msg","lg|"#,
        Proto::Pq => return None,
    };
    let at = frame.find(prefix)? + prefix.len();
    let digits = &frame[at..];
    let end = digits.find('|')?;
    digits[..end].parse().ok()
}

/// What one sender sends.
#[derive(Clone, Copy, Debug)]
struct Lane {
    proto: Proto,
    channel: ChannelId,
    rate: f64,
    offset: Duration,
    epoch: Instant,
    end: Duration,
    body_len: usize,
}

/// Sends at `lane.rate`; returns the acknowledgement latencies (µs) of the
/// messages sent in `window`.
async fn send(
    ws: Ws,
    lane: Lane,
    window: (u64, u64),
    sent: Arc<AtomicU64>,
    sent_measured: Arc<AtomicU64>,
) -> anyhow::Result<Vec<u32>> {
    let Lane { proto, channel, rate, offset, epoch, end, body_len } = lane;
    let period = Duration::from_secs_f64(1.0 / rate.max(0.001));
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + offset, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let (mut sink, mut stream) = ws.split();
    // Read acks (and the fan-out, so our socket never backs up); time each
    // ack of a message sent in the measured window. Keys: the client id (pq)
    // or the ack id (socket.io).
    let acked = Arc::new(AtomicU64::new(0));
    let acks = acked.clone();
    let sent_at: Arc<std::sync::Mutex<std::collections::HashMap<String, u64>>> = Arc::default();
    let times = sent_at.clone();
    let (pong_tx, mut pong_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let drain = tokio::spawn(async move {
        let mut latencies = Vec::new();
        while let Some(Ok(msg)) = stream.next().await {
            let Message::Text(t) = msg else { continue };
            let t = t.as_str();
            let key = match proto {
                Proto::Pq if t.starts_with(r#"{"op":"ack""#) => match serde_json::from_str::<ServerFrame>(t) {
                    Ok(ServerFrame::Ack(a)) => Some(a.client_id.to_string()),
                    _ => None,
                },
                Proto::SocketIo if t.starts_with("43") => Some(t[2..].split('[').next().unwrap_or("").to_owned()),
                Proto::Pq if t.starts_with(r#"{"op":"error""#) => {
                    eprintln!("refused: {t}");
                    continue;
                }
                Proto::SocketIo if t == "2" => {
                    let _ = pong_tx.send(());
                    continue;
                }
                _ => continue,
            };
            let now = micros(epoch);
            acks.fetch_add(1, Ordering::Relaxed);
            if let Some(at) = key.and_then(|k| times.lock().expect("times").remove(&k)) {
                latencies.push(now.saturating_sub(at).min(u64::from(u32::MAX)) as u32);
            }
        }
        latencies
    });
    let mut mine = 0u64;
    let mut heartbeat = Instant::now();
    let beat_frame = if proto == Proto::Pq { r#"{"op":"heartbeat"}"# } else { "3" };
    while epoch.elapsed() < end {
        tick.tick().await;
        let now = micros(epoch);
        let mut body = format!("lg|{now}|");
        while body.len() < body_len {
            body.push('x');
        }
        let (key, text) = match proto {
            Proto::Pq => {
                let client_id = ClientMessageId::new();
                let frame = ClientFrame::SendMessage(GatewaySend {
                    channel_id: channel,
                    client_id,
                    body,
                    reply_to: None,
                    attachments: vec![],
                });
                (client_id.to_string(), serde_json::to_string(&frame)?)
            }
            Proto::SocketIo => {
                let id = (mine + 1).to_string();
                let text = format!("42{id}{}", serde_json::json!(["send", body]));
                (id, text)
            }
        };
        if (window.0..window.1).contains(&now) {
            sent_at.lock().expect("times").insert(key, now);
        }
        sink.send(Message::Text(text.into())).await?;
        mine += 1;
        sent.fetch_add(1, Ordering::Relaxed);
        if (window.0..window.1).contains(&now) {
            sent_measured.fetch_add(1, Ordering::Relaxed);
        }
        while pong_rx.try_recv().is_ok() {
            sink.send(Message::Text(beat_frame.into())).await?;
        }
        if proto == Proto::Pq && heartbeat.elapsed() > Duration::from_secs(15) {
            sink.send(Message::Text(beat_frame.into())).await?;
            heartbeat = Instant::now();
        }
    }
    // Stay connected until the server has acknowledged everything we sent
    // (closing earlier would throw away frames it has not read yet).
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.load(Ordering::Relaxed) < mine && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        while pong_rx.try_recv().is_ok() {
            sink.send(Message::Text(beat_frame.into())).await?;
        }
        if proto == Proto::Pq && heartbeat.elapsed() > Duration::from_secs(15) {
            sink.send(Message::Text(beat_frame.into())).await?;
            heartbeat = Instant::now();
        }
    }
    let unacked = mine - acked.load(Ordering::Relaxed).min(mine);
    if unacked > 0 {
        bail!("{unacked} messages were never acknowledged");
    }
    // Closing the socket ends the reader, which hands back the timings.
    let _ = sink.close().await;
    Ok(tokio::time::timeout(Duration::from_secs(5), drain).await.ok().and_then(Result::ok).unwrap_or_default())
}

/// Warns when the open-file limit cannot hold the connections.
fn check_fd_limit(needed: usize) {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let soft = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|n| n.parse::<usize>().ok());
    if let Some(soft) = soft
        && soft < needed + 64
    {
        eprintln!("warning: the open-file limit is {soft}; run `ulimit -n 65536` first");
    }
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

fn rss_mib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? / 1024)
}
