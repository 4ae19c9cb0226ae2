//! `pq-loadgen`: opens N gateway connections into one channel and M senders,
//! sends messages at a fixed total rate, and prints deliveries per second and
//! delivery latency (send → `message_created` read by a receiver).
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
    gateway::{ClientFrame, GatewaySend, Identify, PROTOCOL_VERSION},
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
    check_fd_limit(args.connections + args.senders);
    let mut local = None;
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

    // One server, one invite, everyone in.
    let t0 = Instant::now();
    let owner = devclient::sign_in(&http, &base, &format!("{}-owner@loadgen.invalid", args.prefix), "owner").await?;
    let state: ServerState = http
        .post(format!("{base}/api/servers"))
        .bearer_auth(&owner.access_token)
        .json(&serde_json::json!({"name": "loadgen"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let channel = state.channels.iter().find(|c| c.kind == ChannelKind::Text).context("no text channel")?.id;
    let invite: Invite = http
        .post(format!("{base}/api/servers/{}/invites", state.server.id))
        .bearer_auth(&owner.access_token)
        .json(&serde_json::json!({"max_age_secs": 0}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let total = args.connections + args.senders;
    let tokens: Vec<String> = stream::iter(0..total)
        .map(|i| {
            let (http, base, code, prefix) = (http.clone(), base.clone(), invite.code.0.clone(), args.prefix.clone());
            async move {
                let t = devclient::sign_in(&http, &base, &format!("{prefix}-{i}@loadgen.invalid"), &format!("lg {i}"))
                    .await?;
                http.post(format!("{base}/api/invites/{code}/accept"))
                    .bearer_auth(&t.access_token)
                    .send()
                    .await?
                    .error_for_status()?;
                anyhow::Ok(t.access_token)
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    eprintln!("signed in and joined {total} accounts in {:.1} s", t0.elapsed().as_secs_f64());

    // Receivers.
    let running = Arc::new(AtomicBool::new(true));
    let t1 = Instant::now();
    let ws_url = format!("{}/gateway", base.replacen("http", "ws", 1));
    let receivers: Vec<_> = stream::iter(tokens[..args.connections].iter().cloned())
        .map(|token| {
            let url = ws_url.clone();
            async move { connect(&url, &token).await }
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
        handles.push(tokio::spawn(receive(ws, epoch, running, delivered, measure_from, measure_to)));
    }

    // Senders.
    let mut senders = Vec::new();
    for token in &tokens[args.connections..] {
        senders.push(connect(&ws_url, token).await?);
    }
    let per_sender = args.rate / args.senders as f64;
    let end = Duration::from_micros(measure_to);
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
        send_handles.push(tokio::spawn(async move {
            send(ws, channel, per_sender, offset, epoch, end, body, (measure_from, measure_to), sent, sent_measured)
                .await
        }));
    }
    for h in send_handles {
        h.await??;
    }
    let cpu_after = args.server_pid.and_then(cpu_ticks);
    let own_after = cpu_ticks(std::process::id());
    let wall = wall_before.elapsed();
    // Wait for everything sent to arrive (or for deliveries to stop for 3 s:
    // what has not arrived then is lost).
    let all = sent.load(Ordering::Relaxed) * args.connections as u64;
    let (mut last, mut still) = (0, Instant::now());
    while delivered.load(Ordering::Relaxed) < all && still.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = delivered.load(Ordering::Relaxed);
        if now != last {
            (last, still) = (now, Instant::now());
        }
    }
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
    let expected = measured_msgs * args.connections as u64;
    let got = latencies.len() as u64;
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        f64::from(latencies[i]) / 1000.0
    };
    println!(
        "pq-loadgen: {} receivers, {} senders, target {} msg/s, {} s measured",
        args.connections, args.senders, args.rate, args.duration
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
    if let (Some(pid), Some(a), Some(b)) = (args.server_pid, cpu_before, cpu_after) {
        let ticks = 100.0; // sysconf(_SC_CLK_TCK) on Linux
        let cpu_s = (b - a) as f64 / ticks;
        let all_deliveries = sent.load(Ordering::Relaxed) as f64 * args.connections as f64;
        println!(
            "  server: {:.0}% CPU (of one core) while sending, {:.2} µs CPU per delivery, RSS {} MiB ({} MiB with the connections idle)",
            100.0 * cpu_s / wall.as_secs_f64(),
            1e6 * cpu_s / all_deliveries.max(1.0),
            rss_mib(pid).unwrap_or(0),
            idle_rss.unwrap_or(0)
        );
    }
    if let (Some(a), Some(b)) = (own_before, own_after) {
        println!(
            "  loadgen: {:.0}% CPU while sending, RSS {} MiB",
            100.0 * (b - a) as f64 / 100.0 / wall.as_secs_f64(),
            rss_mib(std::process::id()).unwrap_or(0)
        );
    }
    if let Some((server, _dir)) = local {
        server.stop().await;
    }
    Ok(())
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str, token: &str) -> anyhow::Result<Ws> {
    let config = WebSocketConfig::default().read_buffer_size(16 * 1024).write_buffer_size(0);
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true).await?;
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
                if let Some(sent) = marker(t.as_str()) {
                    if (from..to).contains(&sent) {
                        out.push((now.saturating_sub(sent)).min(u64::from(u32::MAX)) as u32);
                    }
                    delivered.fetch_add(1, Ordering::Relaxed);
                }
            }
            _ = heartbeat.tick() => {
                let _ = ws.send(Message::Text(r#"{"op":"heartbeat"}"#.into())).await;
            }
            _ = check.tick() => {
                if !running.load(Ordering::Relaxed) { break }
            }
        }
    }
    (out, closed)
}

/// The send time in a `message_created` frame of ours.
fn marker(frame: &str) -> Option<u64> {
    if !frame.contains(r#""type":"message_created""#) {
        return None;
    }
    let at = frame.find("\"body\":\"lg|")? + "\"body\":\"lg|".len();
    let digits = &frame[at..];
    let end = digits.find('|')?;
    digits[..end].parse().ok()
}

#[allow(clippy::too_many_arguments)]
async fn send(
    ws: Ws,
    channel: ChannelId,
    rate: f64,
    offset: Duration,
    epoch: Instant,
    end: Duration,
    body_len: usize,
    window: (u64, u64),
    sent: Arc<AtomicU64>,
    sent_measured: Arc<AtomicU64>,
) -> anyhow::Result<()> {
    let period = Duration::from_secs_f64(1.0 / rate.max(0.001));
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + offset, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let (mut sink, mut stream) = ws.split();
    // Read acks (and the fan-out, so our socket never backs up).
    let acked = Arc::new(AtomicU64::new(0));
    let acks = acked.clone();
    let drain = tokio::spawn(async move {
        while let Some(Ok(msg)) = stream.next().await {
            if let Message::Text(t) = msg
                && t.as_str().starts_with(r#"{"op":"ack""#)
            {
                acks.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let mut mine = 0;
    let mut heartbeat = Instant::now();
    while epoch.elapsed() < end {
        tick.tick().await;
        let now = micros(epoch);
        let mut body = format!("lg|{now}|");
        while body.len() < body_len {
            body.push('x');
        }
        let frame = ClientFrame::SendMessage(GatewaySend {
            channel_id: channel,
            client_id: ClientMessageId::new(),
            body,
            reply_to: None,
        });
        sink.send(Message::Text(serde_json::to_string(&frame)?.into())).await?;
        mine += 1;
        sent.fetch_add(1, Ordering::Relaxed);
        if (window.0..window.1).contains(&now) {
            sent_measured.fetch_add(1, Ordering::Relaxed);
        }
        if heartbeat.elapsed() > Duration::from_secs(15) {
            sink.send(Message::Text(r#"{"op":"heartbeat"}"#.into())).await?;
            heartbeat = Instant::now();
        }
    }
    // Stay connected until the server has acknowledged everything we sent
    // (closing earlier would throw away frames it has not read yet).
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.load(Ordering::Relaxed) < mine && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if heartbeat.elapsed() > Duration::from_secs(15) {
            sink.send(Message::Text(r#"{"op":"heartbeat"}"#.into())).await?;
            heartbeat = Instant::now();
        }
    }
    drain.abort();
    let unacked = mine - acked.load(Ordering::Relaxed).min(mine);
    if unacked > 0 {
        bail!("{unacked} messages were never acknowledged");
    }
    Ok(())
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
