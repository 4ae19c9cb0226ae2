//! Desktop benchmark: pq-desktop against a bare Tauri window (same toolkit,
//! same window size, a hello-world page), in one run, on a virtual display.
//!
//! ```text
//! ./scripts/bench-desktop            # builds both in release, then runs this
//! cargo run --example desktop_bench -- [MESSAGES] [IDLE_SECS] [STARTS]
//! ```
//!
//! The apps measured are the release builds (`target/release/pq-desktop`,
//! `target/release/pq-bare-window`); this driver itself may be a debug build.
//!
//! pq is signed in (through the browser, as in the UI tests) with MESSAGES
//! (default 10,000) messages cached in `#general`. For each app it measures:
//!
//! - cold start: from asking WebDriver for the app until the first channel is
//!   drawn from the cache (pq: message rows on screen; bare: its heading),
//!   the median of STARTS (default 5) starts, the two apps taking turns;
//! - memory: PSS and RSS of the app's whole process tree (the app, WebKit's
//!   web and network processes) 10 s after it is drawn;
//! - idle CPU: the tree's CPU time over IDLE_SECS (default 60) with the
//!   window open on the channel and nothing happening.
//!
//! pq runs with its settings as installed: "Hardware acceleration" automatic,
//! which composites with the GPU only when there is one (none here);
//! `PQ_BENCH_ACCELERATION=on` measures it forced on, like the bare window.

#[path = "../tests/e2e/common.rs"]
#[allow(unused_imports)]
mod common;
#[path = "../tests/e2e/desktop/harness.rs"]
mod harness;
#[path = "../tests/e2e/desktop/tray.rs"]
mod tray;

use std::{
    path::Path,
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use harness::{Desktop, eventually};
use pq_core::{
    auth::KeychainBackend,
    protocol::{
        ClientMessageId,
        models::{CreateInvite, SendMessage},
    },
};
use pq_server::testing::TestServer;

/// One cold start: when WebDriver first saw the app drawn (polling every
/// 10 ms), and the page's own account of it: the `performance` marks it made
/// (`pq:…` in pq, `bare:drawn` in the bare window, each at the first frame
/// with its content), in ms since the launch, with `navigation` (the page's
/// time origin: process start, GTK, the web view) and `response` (the page's
/// HTML received).
#[derive(Debug, Default, Clone)]
struct Start {
    seen_ms: f64,
    marks: Vec<(String, f64)>,
}

impl Start {
    fn mark(&self, name: &str) -> Option<f64> {
        self.marks.iter().find(|(n, _)| n == name).map(|(_, ms)| *ms)
    }
}

/// The median of what `f` gives for each start (NaN when none gives one).
fn median_of(starts: &[Start], f: impl Fn(&Start) -> Option<f64>) -> f64 {
    let mut v: Vec<f64> = starts.iter().filter_map(f).collect();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// What one app measured.
#[derive(Debug, Default)]
struct Figures {
    starts: Vec<Start>,
    pss_mib: f64,
    rss_mib: f64,
    processes: usize,
    idle_cpu_pct: f64,
    /// Per process: name, PSS (MiB), idle CPU (%).
    each: Vec<(String, f64, f64)>,
}

impl Figures {
    fn median_seen(&self) -> f64 {
        median_of(&self.starts, |s| Some(s.seen_ms))
    }
    fn median_mark(&self, name: &str) -> f64 {
        median_of(&self.starts, |s| s.mark(name))
    }
}

/// A release build of `name` (next to `target/debug`, where this runs).
fn release_binary(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("this executable");
    let target = exe.ancestors().nth(3).expect("the target directory");
    let bin = target.join("release").join(name);
    assert!(bin.exists(), "{} is missing: cargo build --release -p pq-desktop -p pq-bare-window", bin.display());
    bin
}

/// Sums a `kB` field over `/proc/PID/smaps_rollup` of `pids`, in MiB.
fn memory_mib(pids: &[u32], field: &str) -> f64 {
    let kib: u64 = pids
        .iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok())
        .flat_map(|s| {
            s.lines()
                .filter(|l| l.starts_with(field))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .collect::<Vec<_>>()
        })
        .sum();
    kib as f64 / 1024.0
}

/// The `n` largest mappings of `pid` by PSS (anonymous ones summed per kind),
/// for the diagnostics: where a process's memory is.
fn largest_mappings(pid: u32, n: usize) -> Vec<(String, f64)> {
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
    let mut by_name: std::collections::BTreeMap<String, u64> = Default::default();
    let mut name = String::new();
    for line in smaps.lines() {
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or_default();
        if first.contains('-') && first.chars().next().is_some_and(|c| c.is_ascii_hexdigit()) {
            // "start-end perms offset dev inode [path]"
            name = words.nth(4).map_or("[anonymous]".to_owned(), str::to_owned);
        } else if first == "Pss:" {
            *by_name.entry(name.clone()).or_default() += words.next().and_then(|k| k.parse().ok()).unwrap_or(0);
        }
    }
    let mut v: Vec<(String, f64)> = by_name.into_iter().map(|(k, kib)| (k, kib as f64 / 1024.0)).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    v.truncate(n);
    v
}

/// CPU time (user + system) of `pids` so far, in clock ticks.
fn cpu_ticks(pids: &[u32]) -> u64 {
    pids.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
        .filter_map(|s| {
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            // After "pid (comm) ": state is field 0; utime 11, stime 12.
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .sum()
}

fn clock_ticks_per_sec() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// Starts `binary`, waits until `ready_js` is true (asking every 10 ms);
/// returns the time taken and the page's marks.
async fn start(desktop: &mut Desktop, binary: &Path, ready_js: &str, drawn_mark: &str) -> Start {
    let launched = std::time::SystemTime::now();
    let t = Instant::now();
    desktop.connect(binary).await;
    let deadline = t + Duration::from_secs(60);
    while desktop.js(ready_js).await != serde_json::Value::Bool(true) {
        assert!(Instant::now() < deadline, "{} did not draw within 60 s", binary.display());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let seen_ms = t.elapsed().as_secs_f64() * 1000.0;
    // The first-frame mark comes from a requestAnimationFrame: wait for it.
    let marks = eventually("the page's first-frame mark", 10, || async {
        let js = format!(
            "const n = performance.getEntriesByType('navigation')[0];
             if (performance.getEntriesByName('{drawn_mark}').length === 0) return null;
             return [performance.timeOrigin, n ? n.responseEnd : null,
                     performance.getEntriesByType('mark').map(m => [m.name, m.startTime])];"
        );
        let v = desktop.js(&js).await;
        let origin = v.get(0)?.as_f64()?;
        let launched = launched.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs_f64() * 1000.0;
        let since = |page_ms: f64| origin + page_ms - launched;
        let mut marks = vec![("navigation".to_owned(), since(0.0))];
        if let Some(r) = v.get(1).and_then(serde_json::Value::as_f64) {
            marks.push(("response".to_owned(), since(r)));
        }
        for m in v.get(2)?.as_array()? {
            marks.push((m.get(0)?.as_str()?.to_owned(), since(m.get(1)?.as_f64()?)));
        }
        Some(marks)
    })
    .await;
    Start { seen_ms, marks }
}

/// Measures one app.
/// Cold starts of each app in turn (`starts` rounds of one start each), so
/// that both see the same machine: how fast this machine starts a WebKit
/// window drifts by tens of milliseconds from minute to minute.
async fn cold_starts(desktop: &mut Desktop, apps: &[App<'_>], starts: usize) -> Vec<Vec<Start>> {
    let mut each = vec![Vec::new(); apps.len()];
    for _ in 0..starts {
        for (app, runs) in apps.iter().zip(&mut each) {
            runs.push(start(desktop, app.binary, app.ready_js, app.drawn_mark).await);
            desktop.quit().await;
        }
    }
    each
}

/// An app to measure: its binary, when WebDriver counts it drawn, and the
/// page's mark of its first frame with content.
struct App<'a> {
    binary: &'a Path,
    ready_js: &'a str,
    drawn_mark: &'a str,
}

/// Measures one app's memory and idle CPU.
async fn measure(desktop: &mut Desktop, app: &App<'_>, idle: u64) -> Figures {
    let (binary, mut f) = (app.binary, Figures::default());
    start(desktop, binary, app.ready_js, app.drawn_mark).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let pids = desktop.app_pids();
    f.processes = pids.len();
    f.pss_mib = memory_mib(&pids, "Pss:");
    f.rss_mib = memory_mib(&pids, "Rss:");
    if std::env::var_os("PQ_BENCH_DIAG").is_some() {
        // What the page is busy with: IPC calls, DOM mutations and animation
        // frames over two seconds.
        let js = r#"
            const done = arguments[arguments.length - 1];
            const calls = {}; let mutations = 0; let frames = 0;
            const inner = window.__TAURI_INTERNALS__;
            const orig = inner.invoke;
            inner.invoke = (cmd, ...rest) => { calls[cmd] = (calls[cmd] || 0) + 1; return orig.call(inner, cmd, ...rest); };
            const mo = new MutationObserver((l) => { mutations += l.length; });
            mo.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
            const tick = () => { frames++; if (!stop) requestAnimationFrame(tick); };
            let stop = false; requestAnimationFrame(tick);
            setTimeout(() => { stop = true; mo.disconnect(); inner.invoke = orig;
              done(JSON.stringify({ calls, mutations, frames })); }, 2000);
        "#;
        println!("diag {}: {}", binary.display(), desktop.js_async(js).await);
        // The screen as X shows it: with WEBKIT_SHOW_COMPOSITING_DEBUG_VISUALS=1
        // the compositor outlines its layers (a WebDriver screenshot would not).
        let shot = std::env::temp_dir().join(format!("desktop-bench-{}.png", binary.file_name().unwrap().display()));
        let taken = desktop.command("import").args(["-window", "root"]).arg(&shot).status();
        println!("diag: screen {} ({taken:?})", shot.display());
        for pid in &pids {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            for (name, mib) in largest_mappings(*pid, 12) {
                println!("diag: {} {name}: {mib:.1} MiB", comm.trim());
            }
        }
        // Carets stop blinking after 10 s without input (watchCaret in the UI).
        let still = "const done = arguments[arguments.length - 1]; setTimeout(() => done('waited'), 12000);";
        desktop.js_async(still).await;
        let experiments = [
            "return 'baseline, 12 s without input'",
            "const m = document.querySelector('.messages'); if (m) m.style.display = 'none'; return 'messages hidden'",
            "document.body.style.display = 'none'; return 'body hidden'",
        ];
        for js in experiments {
            let what = desktop.js(js).await;
            let c0 = cpu_ticks(&pids);
            tokio::time::sleep(Duration::from_secs(3)).await;
            let pct = (cpu_ticks(&pids) - c0) as f64 / clock_ticks_per_sec() / 3.0 * 100.0;
            println!("diag: {what}: {pct:.1} % CPU, PSS {:.0} MiB", memory_mib(&pids, "Pss:"));
        }
    }
    let (t0, c0) = (Instant::now(), cpu_ticks(&pids));
    let each0: Vec<u64> = pids.iter().map(|p| cpu_ticks(&[*p])).collect();
    tokio::time::sleep(Duration::from_secs(idle)).await;
    let secs = t0.elapsed().as_secs_f64();
    let used = (cpu_ticks(&pids) - c0) as f64 / clock_ticks_per_sec();
    f.idle_cpu_pct = used / secs * 100.0;
    for (pid, before) in pids.iter().zip(each0) {
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default().trim().to_owned();
        let cpu = cpu_ticks(&[*pid]).saturating_sub(before) as f64 / clock_ticks_per_sec() / secs * 100.0;
        f.each.push((name, memory_mib(&[*pid], "Pss:"), cpu));
    }
    desktop.quit().await;
    f
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(Ok(10_000), |s| s.parse())?;
    let idle: u64 = args.next().map_or(Ok(60), |s| s.parse())?;
    let starts: usize = args.next().map_or(Ok(5), |s| s.parse())?;
    let server = TestServer::start_with(|a| {
        a.rate_per_sec = 100_000.0;
        a.rate_burst = 100_000.0;
    })
    .await;

    // Alice has a server; Minji joins it in pq and quits.
    let alice = common::Person::sign_in_as(&server.url, "alice@example.com", "Alice", KeychainBackend::Mock).await;
    let state = alice.client.create_server("Benchmark").await?;
    let general = state.channels.iter().find(|c| c.name == "general").expect("#general").id;
    let invite = alice.client.create_invite(state.server.id, CreateInvite::default()).await?;
    let mut desktop = Desktop::start_with(&server.url, &release_binary("pq-desktop")).await;
    desktop.sign_in("minji@example.com", "Minji").await;
    desktop.open_link(&format!("pq://invite/{}", invite.code));
    desktop.click("#accept-invite").await;
    desktop.wait_text(".channel-title", "# general").await;
    // A first message she sees: pq has read #general up to it, so when she
    // comes back it catches up everything after it (a channel never seen
    // gets only its latest page; older ones load as she scrolls).
    alice
        .client
        .api()
        .send_message(
            general,
            &SendMessage {
                client_id: ClientMessageId::new(),
                body: "welcome".into(),
                reply_to: None,
                attachments: vec![],
            },
        )
        .await?;
    desktop.wait_text(".message .body", "welcome").await;
    desktop.quit().await;

    // While she is away, Alice writes N messages; pq catches up on start.
    let api = alice.client.api().clone();
    futures_util::stream::iter(0..n)
        .map(|i| {
            let api = api.clone();
            async move {
                let body = format!("message {i}: 내일 회의 자료 공유드립니다, see the notes for page {}", i % 300);
                api.send_message(
                    general,
                    &SendMessage { client_id: ClientMessageId::new(), body, reply_to: None, attachments: vec![] },
                )
                .await
            }
        })
        .buffer_unordered(8)
        .for_each(|r| async move {
            r.expect("sent");
        })
        .await;
    desktop.launch_binary(&release_binary("pq-desktop")).await;
    // Every account's cache: a keychain shared with an earlier run (keyutils
    // outside `keyctl session`) may have made one for an account of its own.
    let accounts = desktop.data_path().join("accounts");
    eventually("pq to cache every message", 300, || {
        let cached = std::fs::read_dir(&accounts)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "sqlite3"))
            .map(|db| {
                rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                    .and_then(|c| c.query_row("SELECT count(*) FROM messages", [], |r| r.get::<_, i64>(0)))
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0);
        async move { (cached as usize >= n).then_some(()) }
    })
    .await;
    desktop.quit().await;

    // `PQ_BENCH_ACCELERATION=on|off|auto`: pq's "Hardware acceleration"
    // setting for the measured runs (default: as a new install, auto).
    if let Ok(choice) = std::env::var("PQ_BENCH_ACCELERATION") {
        let dir = desktop.data_path().join("settings");
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("settings.json"), serde_json::json!({ "acceleration": choice }).to_string())?;
    }
    let pq_ready = "return document.querySelectorAll('.message[data-body]').length > 0";
    let (pq_bin, bare_bin) = (release_binary("pq-desktop"), release_binary("pq-bare-window"));
    let bare_ready = "return document.getElementById('hello') !== null";
    let apps = [
        App { binary: &pq_bin, ready_js: pq_ready, drawn_mark: "pq:first-channel" },
        App { binary: &bare_bin, ready_js: bare_ready, drawn_mark: "bare:drawn" },
    ];
    let mut runs = cold_starts(&mut desktop, &apps, starts).await;
    let mut pq = measure(&mut desktop, &apps[0], idle).await;
    let mut bare = measure(&mut desktop, &apps[1], idle).await;
    bare.starts = runs.pop().unwrap_or_default();
    pq.starts = runs.pop().unwrap_or_default();

    println!("desktop benchmark: {n} cached messages, {starts} starts each, {idle} s idle");
    if let Ok(saved) = std::fs::metadata(desktop.data_path().join("last-screen.json")) {
        println!("the last screen pq saved: {:.1} KiB", saved.len() as f64 / 1024.0);
    }
    println!("| | pq-desktop | bare Tauri window | ratio |");
    println!("|---|---|---|---|");
    let row = |name: &str, a: f64, b: f64, unit: &str| {
        println!("| {name} | {a:.1} {unit} | {b:.1} {unit} | {:.2}× |", a / b);
    };
    // pq's first frame is the last screen it saved (restored before its
    // script runs; not interactive yet) when there is one: every start
    // here but a first ever. The live app's first frame follows.
    if pq.starts.iter().all(|s| s.mark("pq:snapshot").is_some()) {
        row(
            "cold start to the channel drawn (the last screen restored), the page's mark (median)",
            pq.median_mark("pq:snapshot"),
            bare.median_mark("bare:drawn"),
            "ms",
        );
    }
    row(
        "cold start to the live app's first frame, the page's mark (median)",
        pq.median_mark("pq:first-channel"),
        bare.median_mark("bare:drawn"),
        "ms",
    );
    row("cold start until WebDriver sees it (median)", pq.median_seen(), bare.median_seen(), "ms");
    row("PSS, whole process tree", pq.pss_mib, bare.pss_mib, "MiB");
    row("RSS, summed over the tree", pq.rss_mib, bare.rss_mib, "MiB");
    println!("| idle CPU over {idle} s | {:.2} % | {:.2} % | |", pq.idle_cpu_pct, bare.idle_cpu_pct);
    println!("| processes | {} | {} | |", pq.processes, bare.processes);
    let list = |f: &Figures, mark: &str| {
        f.starts
            .iter()
            .map(|s| format!("{:.0}/{:.0}", s.mark(mark).unwrap_or(f64::NAN), s.seen_ms))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "starts (drawn/seen ms): pq restored {}, live {}; bare {}",
        list(&pq, "pq:snapshot"),
        list(&pq, "pq:first-channel"),
        list(&bare, "bare:drawn")
    );
    println!("where pq's start goes (median ms since launch):");
    for mark in [
        "navigation",
        "response",
        "pq:snapshot-parsed",
        "pq:snapshot",
        "pq:script",
        "pq:startup-asked",
        "pq:startup-answered",
        "pq:first-channel",
    ] {
        println!("  {mark}: {:.1}", pq.median_mark(mark));
    }
    if std::env::var_os("PQ_BENCH_DIAG").is_some() {
        for s in &pq.starts {
            println!(
                "  marks: {}",
                s.marks.iter().map(|(n, ms)| format!("{n} {ms:.0}")).collect::<Vec<_>>().join(", ")
            );
        }
    }
    println!(
        "  bare window: navigation {:.1}, response {:.1}",
        bare.median_mark("navigation"),
        bare.median_mark("response")
    );
    for (app, f) in [("pq", &pq), ("bare", &bare)] {
        for (name, pss, cpu) in &f.each {
            println!("{app}: {name}: PSS {pss:.1} MiB, idle CPU {cpu:.2} %");
        }
    }
    alice.client.shutdown().await;
    Ok(())
}
