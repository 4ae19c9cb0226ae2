//! `pq-core-bench`: figures for the offline cache (BENCHMARKS.md).
//!
//! ```text
//! cargo run --release -p pq-core --bin pq-core-bench -- --messages 1000000 --channels 100
//! ```
//!
//! Builds a cache file with N messages (Korean and English, like the seed's
//! users write) across C channels, ingesting in batches the way backfill
//! does, then times opening a channel (its newest 50 messages) and full-text
//! searches, and prints percentiles.

use std::time::{Duration, Instant};

use clap::Parser;
use pq_core::store::Store;
use pq_protocol::{
    ChannelId, ClientMessageId, MessageId, ServerId, Timestamp, UserId,
    models::{Channel, ChannelKind, Message, ReadState, Server, ServerState},
};
use rand::{RngExt, SeedableRng, rngs::StdRng};

#[derive(Parser, Debug)]
#[command(name = "pq-core-bench", about = "Offline cache benchmarks")]
struct Args {
    /// Messages to cache.
    #[arg(long, default_value_t = 1_000_000)]
    messages: usize,
    /// Channels to spread them over.
    #[arg(long, default_value_t = 100)]
    channels: usize,
    /// Messages per ingest batch (one transaction).
    #[arg(long, default_value_t = 1_000)]
    batch: usize,
    /// Timed samples per measurement.
    #[arg(long, default_value_t = 2_000)]
    samples: usize,
    /// Keep the cache file here instead of a temporary directory.
    #[arg(long)]
    path: Option<std::path::PathBuf>,
}

const KO: &[&str] = &[
    "안녕하세요",
    "오늘",
    "회의는",
    "내일",
    "오후",
    "세시에",
    "시작합니다",
    "사람이",
    "많았어요",
    "점심",
    "먹었어요",
    "프로젝트",
    "마감이",
    "다가와요",
    "자료를",
    "공유해",
    "주세요",
    "감사합니다",
    "확인했습니다",
    "좋아요",
    "주말에",
    "영화",
    "보러",
    "갈래요",
    "서버가",
    "느려요",
    "다시",
    "시도해",
    "볼게요",
    "반갑습니다",
];
const EN: &[&str] = &[
    "hello",
    "meeting",
    "tomorrow",
    "afternoon",
    "project",
    "deadline",
    "please",
    "share",
    "the",
    "slides",
    "thanks",
    "lunch",
    "server",
    "deploy",
    "release",
    "review",
    "weekend",
    "movie",
    "coffee",
    "update",
    "schedule",
    "design",
    "bug",
    "fixed",
    "ticket",
    "call",
    "later",
    "agenda",
    "notes",
    "question",
];

fn sentence(rng: &mut StdRng) -> String {
    let words = rng.random_range(3..14);
    let korean = rng.random_bool(0.6);
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        let list = if korean ^ rng.random_bool(0.1) { KO } else { EN };
        s.push_str(list[rng.random_range(0..list.len())]);
    }
    s
}

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort_unstable();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1e3
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let path = args.path.clone().unwrap_or_else(|| dir.path().join("bench.sqlite3"));
    let _ = std::fs::remove_file(&path);
    let mut store = Store::open(&path)?;
    let mut rng = StdRng::seed_from_u64(7);
    let server = ServerId::new();
    let channels: Vec<ChannelId> = (0..args.channels).map(|_| ChannelId::new()).collect();
    store.apply_server_state(
        &ServerState {
            server: Server {
                id: server,
                name: "bench".into(),
                icon_url: None,
                owner_id: UserId::new(),
                created_at: Timestamp::now(),
                description: None,
            },
            channels: channels
                .iter()
                .enumerate()
                .map(|(i, c)| Channel {
                    id: *c,
                    server_id: server,
                    kind: ChannelKind::Text,
                    name: format!("c{i}"),
                    parent_id: None,
                    position: i as i32,
                    last_seq: 0,
                    private: false,
                    topic: None,
                })
                .collect(),
            roles: vec![],
            my_roles: vec![],
            member_count: 20,
            read_states: channels
                .iter()
                .map(|c| ReadState { channel_id: *c, last_read_seq: 0, unread_count: 0 })
                .collect(),
            voice_states: vec![],
            events: vec![],
        },
        0,
    )?;
    let authors: Vec<UserId> = (0..20).map(|_| UserId::new()).collect();

    // Ingest: batches of one channel each, as backfill pages arrive.
    let per_channel = args.messages / args.channels;
    let mut next_seq = vec![1u64; args.channels];
    let t0 = Instant::now();
    let mut batch = Vec::with_capacity(args.batch);
    let mut done = 0;
    while done < args.messages {
        let ci = (done / args.batch) % args.channels;
        batch.clear();
        for _ in 0..args.batch.min(args.messages - done) {
            let seq = next_seq[ci];
            next_seq[ci] += 1;
            batch.push(Message {
                id: MessageId::new(),
                channel_id: channels[ci],
                seq,
                author_id: authors[rng.random_range(0..authors.len())],
                client_id: ClientMessageId::new(),
                body: sentence(&mut rng),
                reply_to: None,
                created_at: Timestamp::from_millis(1_790_000_000_000 + done as i64 * 1_000),
                edited_at: None,
                deleted: false,
                reactions: vec![],
                unread_by: 0,
                pinned: false,
                mentions_everyone: false,
                kind: pq_protocol::models::MessageKind::Default,
                attachments: vec![],
            });
        }
        done += batch.len();
        store.ingest(&batch)?;
    }
    let ingest = t0.elapsed();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(path.with_extension("sqlite3-wal")).map(|m| m.len()).unwrap_or(0);
    println!(
        "pq-core-bench: {} messages in {} channels ({} per channel), batches of {}",
        done, args.channels, per_channel, args.batch
    );
    println!(
        "  ingest (stored, shown in channels): {:.1} s, {:.0} messages/s",
        ingest.as_secs_f64(),
        done as f64 / ingest.as_secs_f64(),
    );
    // The background indexer, in the chunks the engine uses.
    let t1 = Instant::now();
    while store.index_pending(5_000)? > 0 {}
    let indexing = t1.elapsed();
    let size = size.max(
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
            + std::fs::metadata(path.with_extension("sqlite3-wal")).map(|m| m.len()).unwrap_or(0),
    );
    println!(
        "  full-text indexing (background): {:.1} s, {:.0} messages/s; cache file {:.0} MiB",
        indexing.as_secs_f64(),
        done as f64 / indexing.as_secs_f64(),
        size as f64 / 1_048_576.0
    );

    // Open a channel: its newest 50 messages.
    let mut open = Vec::with_capacity(args.samples);
    for _ in 0..args.samples {
        let c = channels[rng.random_range(0..channels.len())];
        let t = Instant::now();
        let page = store.history(c, None, 50)?;
        open.push(t.elapsed());
        assert_eq!(page.len(), 50.min(per_channel));
    }
    println!(
        "  open channel (newest 50): p50 {:.3} ms  p99 {:.3} ms  max {:.3} ms",
        pct(open.clone(), 0.5),
        pct(open.clone(), 0.99),
        pct(open, 1.0)
    );

    // Scroll back: 50 older than a random point.
    let mut scroll = Vec::with_capacity(args.samples);
    for _ in 0..args.samples {
        let c = channels[rng.random_range(0..channels.len())];
        let before = rng.random_range(51..per_channel.max(52) as u64);
        let t = Instant::now();
        let _ = store.history(c, Some(before), 50)?;
        scroll.push(t.elapsed());
    }
    println!("  scroll back (50 older): p50 {:.3} ms  p99 {:.3} ms", pct(scroll.clone(), 0.5), pct(scroll, 0.99));

    // Search: the first 50 hits, everywhere and in one channel.
    let queries =
        ["회의", "사람", "마감", "감사합니다", "meeting", "dead", "slides thanks", "서버 느려", "coffee 영화", "xyzzy"];
    for scope in ["all channels", "one channel"] {
        let mut times = Vec::with_capacity(args.samples);
        let mut hits = 0;
        for i in 0..args.samples {
            let q = queries[i % queries.len()];
            let channel = (scope == "one channel").then(|| channels[rng.random_range(0..channels.len())]);
            let t = Instant::now();
            hits += store.search(q, None, channel, 50)?.len();
            times.push(t.elapsed());
        }
        println!(
            "  search ({scope}, first 50 hits, {} queries mixing Korean and English): p50 {:.3} ms  p99 {:.3} ms  max {:.3} ms  ({:.1} hits/query)",
            queries.len(),
            pct(times.clone(), 0.5),
            pct(times.clone(), 0.99),
            pct(times, 1.0),
            hits as f64 / args.samples as f64
        );
    }
    Ok(())
}
