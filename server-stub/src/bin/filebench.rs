//! `pq-filebench`: upload and download throughput of one large file through
//! pq-server's attachments, against a plain static file server on the same
//! machine, both copied with `curl`; and pq-server's memory while it happens.
//!
//! ```text
//! pq-filebench [--size-mib 100] [--runs 5] [--warmup 1] [-- extra pq-server flags]
//! pq-filebench --size-mib 100 --runs 1 --warmup 0 --upload-rate 2M   # a slower client
//! ```
//!
//! What it does:
//! - starts the release `pq-server` next to this binary (or `--server-bin`)
//!   as a child process on an ephemeral loopback port with a fresh data
//!   directory (attachments on local disk, its default), the premium limit
//!   raised to the file size if needed and the hourly upload budget out of
//!   the way;
//! - starts the baseline as a second child: this binary with
//!   `--serve-static DIR`, a plain static file server (hyper through axum,
//!   no authentication, no database): `PUT /files/NAME` streams the body to
//!   a file, `GET /files/NAME` streams the file back in 64 KiB reads (what
//!   tower-http's `ServeDir` does);
//! - signs in through the development provider (an administrator, who gives
//!   themselves the premium plan), creates a server and takes its text channel;
//! - writes a file of random bytes, then per round uploads it with
//!   `curl -T FILE -X POST` to `/api/channels/{id}/attachments` and downloads
//!   it with `curl -o` from `/api/attachments/{id}`, and the same to and from
//!   the static server (`curl -T`, `curl -o`), pq and baseline taking turns;
//!   every download is compared with the original (SHA-256);
//! - samples both servers' resident memory (`VmRSS`) every 10 ms, reads
//!   pq-server's `VmHWM` (peak, reset after the idle reading) at the end,
//!   and their CPU time per transfer.
//!
//! Throughput is the file's size over curl's `time_total` (connect to last
//! byte; curl's process start is not in it), in MB/s (10⁶ bytes a second).

use std::{
    io::{BufRead, BufReader, Read, Write},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, bail, ensure};
use clap::Parser;
use pq_protocol::models::{ChannelKind, ServerState};
use pq_server::idp::devclient;
use sha2::{Digest, Sha256};

#[derive(Parser, Debug)]
#[command(
    name = "pq-filebench",
    about = "Attachment upload/download throughput of pq-server against a plain static file server, both with curl"
)]
struct Args {
    /// Size of the file, in MiB.
    #[arg(long, default_value_t = 100)]
    size_mib: u64,
    /// Timed rounds (each: pq upload, pq download, baseline upload, baseline download).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Untimed rounds first.
    #[arg(long, default_value_t = 1)]
    warmup: usize,
    /// The pq-server binary. Default: `pq-server` next to this one.
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Where the file, both servers' data and the downloads go (a temporary
    /// directory is made inside). Default: the system's temporary directory.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// The curl to use.
    #[arg(long, default_value = "curl")]
    curl: String,
    /// A slower client: curl's `--limit-rate` for uploads (e.g. 2M: bytes a
    /// second, K/M/G suffixes).
    #[arg(long)]
    upload_rate: Option<String>,
    /// curl's `--limit-rate` for downloads.
    #[arg(long)]
    download_rate: Option<String>,
    /// Be the baseline: serve DIR as a plain static file server (PUT and GET
    /// under /files/) on an ephemeral loopback port, printed first.
    #[arg(long, hide = true)]
    serve_static: Option<PathBuf>,
    /// Extra pq-server flags (after `--`).
    #[arg(last = true)]
    server_args: Vec<String>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(root) = args.serve_static.clone() {
        return tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(statics::serve(root));
    }
    tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(run(args))
}

/// One transfer's outcome.
#[derive(Debug, Clone, Copy)]
struct Transfer {
    /// curl's `time_total`, seconds.
    secs: f64,
    /// The server's CPU time during it, seconds.
    cpu: f64,
    /// The server's largest sampled RSS during it, KiB.
    peak_kib: u64,
}

#[derive(Debug, Default)]
struct Series {
    runs: Vec<Transfer>,
}

impl Series {
    fn median_secs(&self) -> f64 {
        median(self.runs.iter().map(|t| t.secs).collect())
    }
    fn best_secs(&self) -> f64 {
        self.runs.iter().map(|t| t.secs).fold(f64::INFINITY, f64::min)
    }
    fn median_cpu(&self) -> f64 {
        median(self.runs.iter().map(|t| t.cpu).collect())
    }
    fn peak_kib(&self) -> u64 {
        self.runs.iter().map(|t| t.peak_kib).max().unwrap_or(0)
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { f64::midpoint(v[n / 2 - 1], v[n / 2]) }
}

async fn run(args: Args) -> anyhow::Result<()> {
    ensure!(args.runs > 0, "--runs must be at least 1");
    let server_bin = match &args.server_bin {
        Some(p) => p.clone(),
        None => std::env::current_exe()?.with_file_name("pq-server"),
    };
    ensure!(server_bin.exists(), "no pq-server at {} (build it, or pass --server-bin)", server_bin.display());
    let curl_version = Command::new(&args.curl)
        .arg("--version")
        .output()
        .with_context(|| format!("running {} --version", args.curl))?;
    let curl_version =
        String::from_utf8_lossy(&curl_version.stdout).split_whitespace().take(2).collect::<Vec<_>>().join(" ");

    let work = match &args.dir {
        Some(d) => tempfile::Builder::new().prefix("pq-filebench.").tempdir_in(d)?,
        None => tempfile::Builder::new().prefix("pq-filebench.").tempdir()?,
    };
    let dir = work.path();
    let (pq_data, static_root) = (dir.join("pq-data"), dir.join("static"));
    std::fs::create_dir_all(&pq_data)?;
    std::fs::create_dir_all(&static_root)?;

    // The file.
    let size = args.size_mib << 20;
    let source = dir.join("source.bin");
    let t = Instant::now();
    let want = write_random(&source, size)?;
    eprintln!("wrote {} MiB of random bytes in {:.1} s", args.size_mib, t.elapsed().as_secs_f64());

    // The servers.
    const ADMIN: &str = "filebench@filebench.invalid";
    let premium_mib = args.size_mib.max(100);
    let mut server_cmd = Command::new(&server_bin);
    server_cmd
        .args(["--listen", "127.0.0.1:0", "--log", "warn", "--dev-admins", ADMIN])
        .arg("--data-dir")
        .arg(&pq_data);
    server_cmd.args(["--upload-limit-mb", &format!("8,25,{premium_mib}")]);
    server_cmd.args(["--upload-mib-per-hour", "1000000"]);
    server_cmd.args(&args.server_args);
    let (pq, first) = Child::spawn(server_cmd, &dir.join("pq-server.log"))?;
    let base = first
        .strip_prefix("pq-server listening on ")
        .and_then(|r| r.split_whitespace().next())
        .with_context(|| format!("pq-server said {first:?}"))?
        .to_owned();
    let mut static_cmd = Command::new(std::env::current_exe()?);
    static_cmd.arg("--serve-static").arg(&static_root);
    let (plain, addr) = Child::spawn(static_cmd, &dir.join("static.log"))?;
    let plain_base = format!("http://{}", addr.trim());

    // Sign in, premium plan, a server and its text channel.
    let http = devclient::browser();
    let tokens = devclient::sign_in(&http, &base, ADMIN, "filebench").await?;
    let token = tokens.access_token;
    let me: serde_json::Value =
        http.get(format!("{base}/api/users/@me")).bearer_auth(&token).send().await?.error_for_status()?.json().await?;
    let my_id = me["id"].as_str().context("no id in /api/users/@me")?.to_owned();
    http.put(format!("{base}/api/admin/users/{my_id}/plan"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"plan": "premium"}))
        .send()
        .await?
        .error_for_status()
        .context("setting the premium plan")?;
    let state: ServerState = http
        .post(format!("{base}/api/servers"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "filebench"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let channel = state.channels.iter().find(|c| c.kind == ChannelKind::Text).context("no text channel")?.id;
    // The token goes to curl in a header file, not on its command line.
    let auth_header = dir.join("auth-header");
    std::fs::write(&auth_header, format!("Authorization: Bearer {token}\n"))?;

    // Idle: signed in, nothing uploaded yet. Then the peak counter starts over.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let pq_idle = status_kib(pq.pid, "VmRSS:").context("pq-server's VmRSS")?;
    let plain_idle = status_kib(plain.pid, "VmRSS:").context("the static server's VmRSS")?;
    let hwm_reset = std::fs::write(format!("/proc/{}/clear_refs", pq.pid), "5").is_ok();
    let pq_rss = Sampler::start(pq.pid);
    let plain_rss = Sampler::start(plain.pid);

    let curl = Curl {
        bin: args.curl.clone(),
        auth_header,
        upload_rate: args.upload_rate.clone(),
        download_rate: args.download_rate.clone(),
    };
    let download = dir.join("download.bin");
    let (mut pq_up, mut pq_down, mut plain_up, mut plain_down) =
        (Series::default(), Series::default(), Series::default(), Series::default());
    for round in 0..args.warmup + args.runs {
        let timed = round >= args.warmup;
        let label = if timed { format!("run {}", round - args.warmup + 1) } else { format!("warm-up {}", round + 1) };

        // pq-server.
        let url = format!("{base}/api/channels/{channel}/attachments?filename=filebench-{round}.bin");
        let (up, out) =
            measure(pq.pid, &pq_rss, || curl.upload(&url, "POST", &source, true, &dir.join("upload.json")))?;
        ensure!(out.code == 201, "pq upload answered {}: {}", out.code, read_lossy(&dir.join("upload.json")));
        ensure!(out.bytes == size, "pq upload sent {} bytes of {size}", out.bytes);
        let file: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("upload.json"))?)?;
        ensure!(file["size"].as_u64() == Some(size), "pq stored {} bytes", file["size"]);
        let id = file["id"].as_str().context("no id in the upload's answer")?.to_owned();
        let (down, out) =
            measure(pq.pid, &pq_rss, || curl.download(&format!("{base}/api/attachments/{id}"), true, &download))?;
        ensure!(out.code == 200, "pq download answered {}: {}", out.code, read_lossy(&download));
        ensure!(hash_file(&download)? == want, "pq download {id}: not the bytes uploaded");
        std::fs::remove_file(&download)?;
        eprintln!(
            "{label}: pq-server     up {:7.1} MB/s  down {:7.1} MB/s  (attachment {id}, {})",
            mb_per_s(size, up.secs),
            mb_per_s(size, down.secs),
            file["content_type"].as_str().unwrap_or("?"),
        );
        if timed {
            pq_up.runs.push(up);
            pq_down.runs.push(down);
        }

        // The plain static file server.
        let url = format!("{plain_base}/files/filebench-{round}.bin");
        let (up, out) =
            measure(plain.pid, &plain_rss, || curl.upload(&url, "PUT", &source, false, &dir.join("put.txt")))?;
        ensure!(out.code == 201, "static PUT answered {}: {}", out.code, read_lossy(&dir.join("put.txt")));
        ensure!(out.bytes == size, "static PUT sent {} bytes of {size}", out.bytes);
        let (down, out) = measure(plain.pid, &plain_rss, || curl.download(&url, false, &download))?;
        ensure!(out.code == 200, "static GET answered {}", out.code);
        ensure!(hash_file(&download)? == want, "static download: not the bytes uploaded");
        std::fs::remove_file(&download)?;
        eprintln!(
            "{label}: static server up {:7.1} MB/s  down {:7.1} MB/s",
            mb_per_s(size, up.secs),
            mb_per_s(size, down.secs)
        );
        if timed {
            plain_up.runs.push(up);
            plain_down.runs.push(down);
        }
    }

    let pq_hwm = status_kib(pq.pid, "VmHWM:");
    let pq_end = status_kib(pq.pid, "VmRSS:");
    let pq_samples = pq_rss.stop();
    let plain_samples = plain_rss.stop();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pq_settled = status_kib(pq.pid, "VmRSS:");
    let pq_peak = pq_samples.iter().map(|s| s.1).max().unwrap_or(0);
    let plain_peak = plain_samples.iter().map(|s| s.1).max().unwrap_or(0);
    drop((pq, plain));

    // The figures.
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!();
    println!(
        "pq-filebench: a {} MiB file ({:.1} MB) of random bytes, {} timed rounds (+{} warm-up), {curl_version}, loopback",
        args.size_mib,
        size as f64 / 1e6,
        args.runs,
        args.warmup
    );
    println!(
        "  pq-server: {} (local-disk attachments in a fresh data directory)",
        std::fs::canonicalize(&server_bin).unwrap_or(server_bin.clone()).display()
    );
    println!(
        "  baseline: plain static file server (this binary, hyper via axum; PUT streams to a file, GET reads it in 64 KiB chunks)"
    );
    println!();
    println!("| transfer | median MB/s | best MB/s | median s | server CPU s (median) | server peak RSS during it |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, s) in [
        ("pq-server upload (`curl -T -X POST`)", &pq_up),
        ("pq-server download (`curl -o`)", &pq_down),
        ("static server upload (`curl -T`, PUT)", &plain_up),
        ("static server download (`curl -o`)", &plain_down),
    ] {
        println!(
            "| {name} | {:.1} | {:.1} | {:.3} | {:.2} | {:.1} MiB |",
            mb_per_s(size, s.median_secs()),
            mb_per_s(size, s.best_secs()),
            s.median_secs(),
            s.median_cpu(),
            mib(s.peak_kib())
        );
    }
    println!();
    let ratio =
        |pq: &Series, plain: &Series| (pq.median_secs() / plain.median_secs(), pq.best_secs() / plain.best_secs());
    let (up_med, up_best) = ratio(&pq_up, &plain_up);
    let (down_med, down_best) = ratio(&pq_down, &plain_down);
    let verdict = |r: f64| if r <= 2.0 { "within 2x" } else { "NOT within 2x" };
    println!(
        "pq-server time / static server time: upload {up_med:.2}x (median; best {up_best:.2}x) {}, download {down_med:.2}x (median; best {down_best:.2}x) {}",
        verdict(up_med),
        verdict(down_med)
    );
    let delta = mib(pq_peak.max(pq_hwm.unwrap_or(0))) - mib(pq_idle);
    println!(
        "pq-server RSS: idle (signed in, before any upload) {:.1} MiB; peak {:.1} MiB sampled every 10 ms ({} samples), VmHWM {}; peak - idle {delta:.1} MiB ({}); after the runs {} (2 s later {})",
        mib(pq_idle),
        mib(pq_peak),
        pq_samples.len(),
        match (pq_hwm, hwm_reset) {
            (Some(h), true) => format!("{:.1} MiB (reset after the idle reading)", mib(h)),
            (Some(h), false) => format!("{:.1} MiB (since start: could not reset it)", mib(h)),
            (None, _) => "unknown".into(),
        },
        if delta <= 64.0 { "goal <= 64 MiB: met" } else { "goal <= 64 MiB: NOT met" },
        pq_end.map_or("?".into(), |k| format!("{:.1} MiB", mib(k))),
        pq_settled.map_or("?".into(), |k| format!("{:.1} MiB", mib(k))),
    );
    println!(
        "static server RSS: idle {:.1} MiB; peak {:.1} MiB sampled every 10 ms; peak - idle {:.1} MiB",
        mib(plain_idle),
        mib(plain_peak),
        mib(plain_peak) - mib(plain_idle)
    );
    Ok(())
}

fn mb_per_s(bytes: u64, secs: f64) -> f64 {
    bytes as f64 / secs / 1e6
}

fn read_lossy(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_default();
    String::from_utf8_lossy(&bytes[..bytes.len().min(500)]).into_owned()
}

/// Runs `transfer`, timing the server's CPU and its largest RSS sample meanwhile.
fn measure(
    pid: u32,
    sampler: &Sampler,
    transfer: impl FnOnce() -> anyhow::Result<CurlOut>,
) -> anyhow::Result<(Transfer, CurlOut)> {
    let cpu0 = cpu_secs(pid);
    let t0 = Instant::now();
    let out = transfer()?;
    let t1 = Instant::now();
    let cpu1 = cpu_secs(pid);
    // The sampler's next reading covers the end of the transfer.
    std::thread::sleep(Duration::from_millis(20));
    let peak_kib = sampler.max_between(t0, t1 + Duration::from_millis(20));
    let cpu = match (cpu0, cpu1) {
        (Some(a), Some(b)) => b - a,
        _ => f64::NAN,
    };
    Ok((Transfer { secs: out.secs, cpu, peak_kib }, out))
}

/// What curl reported.
#[derive(Debug)]
struct CurlOut {
    code: u16,
    secs: f64,
    /// Bytes sent (uploads) or received (downloads).
    bytes: u64,
}

#[derive(Debug)]
struct Curl {
    bin: String,
    auth_header: PathBuf,
    upload_rate: Option<String>,
    download_rate: Option<String>,
}

impl Curl {
    fn command(&self, auth: bool, rate: Option<&String>) -> Command {
        let mut c = Command::new(&self.bin);
        // No `Expect: 100-continue` round trip (the same for both servers).
        c.args(["-sS", "-H", "Expect:"]);
        if auth {
            c.arg("-H").arg(format!("@{}", self.auth_header.display()));
        }
        if let Some(rate) = rate {
            c.arg("--limit-rate").arg(rate);
        }
        c
    }

    /// Streams `file` from disk as the body (`-T`: curl reads it as it
    /// sends, with its Content-Length).
    fn upload(&self, url: &str, method: &str, file: &Path, auth: bool, answer: &Path) -> anyhow::Result<CurlOut> {
        let mut c = self.command(auth, self.upload_rate.as_ref());
        c.args(["-X", method, "-H", "Content-Type: application/octet-stream", "-T"]).arg(file);
        c.arg("-o").arg(answer).args(["-w", "%{http_code} %{time_total} %{size_upload}", url]);
        Self::run(c)
    }

    fn download(&self, url: &str, auth: bool, to: &Path) -> anyhow::Result<CurlOut> {
        let mut c = self.command(auth, self.download_rate.as_ref());
        c.arg("-o").arg(to).args(["-w", "%{http_code} %{time_total} %{size_download}", url]);
        Self::run(c)
    }

    fn run(mut c: Command) -> anyhow::Result<CurlOut> {
        let out = c.output().context("running curl")?;
        let text = String::from_utf8_lossy(&out.stdout);
        ensure!(out.status.success(), "curl failed ({}): {}{text}", out.status, String::from_utf8_lossy(&out.stderr));
        let mut f = text.split_whitespace();
        let (Some(code), Some(secs), Some(bytes)) = (f.next(), f.next(), f.next()) else {
            bail!("curl wrote {text:?}");
        };
        Ok(CurlOut { code: code.parse()?, secs: secs.parse()?, bytes: bytes.parse()? })
    }
}

/// Writes `size` random bytes to `path`; their SHA-256.
fn write_random(path: &Path, size: u64) -> anyhow::Result<Vec<u8>> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut hash = Sha256::new();
    let mut block = vec![0u8; 1 << 20];
    let mut left = size;
    while left > 0 {
        let n = usize::try_from(left.min(block.len() as u64))?;
        rand::fill(&mut block[..n]);
        hash.update(&block[..n]);
        out.write_all(&block[..n])?;
        left -= n as u64;
    }
    out.flush()?;
    Ok(hash.finalize().to_vec())
}

fn hash_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    let mut hash = Sha256::new();
    let mut block = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut block)?;
        if n == 0 {
            break;
        }
        hash.update(&block[..n]);
    }
    Ok(hash.finalize().to_vec())
}

/// A line of `/proc/PID/status` in KiB (`VmRSS:`, `VmHWM:`).
fn status_kib(pid: u32, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with(key))?.split_whitespace().nth(1)?.parse().ok()
}

/// User + system CPU seconds of a process.
fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0) // sysconf(_SC_CLK_TCK) on Linux
}

/// Reads a process's VmRSS every 10 ms on a thread of its own.
#[derive(Debug)]
struct Sampler {
    samples: Arc<Mutex<Vec<(Instant, u64)>>>,
    running: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sampler {
    fn start(pid: u32) -> Self {
        let samples = Arc::new(Mutex::new(Vec::with_capacity(1 << 16)));
        let running = Arc::new(AtomicBool::new(true));
        let (s, r) = (samples.clone(), running.clone());
        let thread = std::thread::spawn(move || {
            while r.load(Ordering::Relaxed) {
                if let Some(kib) = status_kib(pid, "VmRSS:") {
                    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((Instant::now(), kib));
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        Self { samples, running, thread: Some(thread) }
    }

    fn max_between(&self, from: Instant, to: Instant) -> u64 {
        let samples = self.samples.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        samples.iter().filter(|(t, _)| *t >= from && *t <= to).map(|s| s.1).max().unwrap_or(0)
    }

    fn stop(mut self) -> Vec<(Instant, u64)> {
        self.running.store(false, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        std::mem::take(&mut *self.samples.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

/// A child process, killed when dropped. Its first stdout line is returned
/// by [`Child::spawn`]; the rest of its output goes to a log file.
#[derive(Debug)]
struct Child {
    child: std::process::Child,
    pid: u32,
}

impl Child {
    fn spawn(mut cmd: Command, log: &Path) -> anyhow::Result<(Self, String)> {
        let log_file = std::fs::File::create(log)?;
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(log_file.try_clone()?);
        let mut child = cmd.spawn().with_context(|| format!("starting {cmd:?}"))?;
        let pid = child.id();
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = tx.send(first);
            }
            // Keep draining (a closed pipe would fail the child's next print).
            let mut log_file = log_file;
            for line in lines.map_while(Result::ok) {
                let _ = writeln!(log_file, "{line}");
            }
        });
        let me = Self { child, pid };
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(first) => Ok((me, first)),
            Err(_) => bail!("{cmd:?} did not start (see {})", log.display()),
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The baseline: a plain static file server.
mod statics {
    use std::{path::PathBuf, sync::Arc};

    use axum::{
        Router,
        body::Body,
        extract::{Path, State},
        http::{StatusCode, header},
        response::{IntoResponse, Response},
        routing::put,
    };
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;

    type Root = Arc<PathBuf>;

    pub async fn serve(root: PathBuf) -> anyhow::Result<()> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("{}", listener.local_addr()?);
        let app = Router::new().route("/files/{name}", put(store).post(store).get(fetch)).with_state(Arc::new(root));
        axum::serve(listener, app).await?;
        Ok(())
    }

    /// A plain file name: no directories, nothing hidden.
    fn safe(name: &str) -> bool {
        !(name.is_empty() || name.starts_with('.') || name.contains(['/', '\\']))
    }

    fn failed(e: impl std::fmt::Display) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
    }

    /// Streams the body to a temporary file, then renames it into place.
    async fn store(State(root): State<Root>, Path(name): Path<String>, body: Body) -> Response {
        if !safe(&name) {
            return (StatusCode::BAD_REQUEST, "bad name").into_response();
        }
        let (part, path) = (root.join(format!(".{name}.part")), root.join(&name));
        let mut file = match tokio::fs::File::create(&part).await {
            Ok(f) => f,
            Err(e) => return failed(e),
        };
        let mut body = body.into_data_stream();
        while let Some(chunk) = body.next().await {
            let written = match chunk {
                Ok(chunk) => file.write_all(&chunk).await,
                Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
            };
            if let Err(e) = written {
                return failed(e);
            }
        }
        if let Err(e) = file.flush().await {
            return failed(e);
        }
        drop(file);
        match tokio::fs::rename(&part, &path).await {
            Ok(()) => StatusCode::CREATED.into_response(),
            Err(e) => failed(e),
        }
    }

    /// The file, read in 64 KiB chunks (tower-http `ServeDir`'s size).
    async fn fetch(State(root): State<Root>, Path(name): Path<String>) -> Response {
        if !safe(&name) {
            return (StatusCode::BAD_REQUEST, "bad name").into_response();
        }
        let file = match tokio::fs::File::open(root.join(&name)).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return StatusCode::NOT_FOUND.into_response(),
            Err(e) => return failed(e),
        };
        let len = match file.metadata().await {
            Ok(m) => m.len(),
            Err(e) => return failed(e),
        };
        let stream = tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024);
        (
            [(header::CONTENT_LENGTH, len.to_string()), (header::CONTENT_TYPE, "application/octet-stream".into())],
            Body::from_stream(stream),
        )
            .into_response()
    }
}
