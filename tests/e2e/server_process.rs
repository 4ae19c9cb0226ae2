//! The `pq-server` binary as people run it: a separate process configured by
//! environment variables, stopped by SIGTERM (gateway sockets closed with
//! 1001 "going away", exit status 0) or killed outright — and restarted on the
//! same data directory with nothing acknowledged lost.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use futures_util::{SinkExt, StreamExt};
use pq_protocol::{
    ClientMessageId,
    gateway::{ClientFrame, Identify, PROTOCOL_VERSION},
    models::{MessagePage, SendAck, ServerState},
};
use pq_server::idp::devclient;
use tokio_tungstenite::tungstenite::Message;

/// The `pq-server` binary cargo built next to this test.
fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe.parent().and_then(Path::parent).expect("target directory");
    let bin = dir.join(format!("pq-server{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.exists(), "{} is missing: build the workspace first", bin.display());
    bin
}

/// Starts the binary with `PQ_*` variables only; returns it and its URL.
fn spawn(data: &Path, listen: &str) -> (Child, String) {
    let mut child = Command::new(server_binary())
        .env_clear()
        .env("PQ_LISTEN", listen)
        .env("PQ_DATA_DIR", data)
        .env("PQ_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("pq-server starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .to_owned();
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill").args([sig, &child.id().to_string()]).status().expect("kill runs").success();
    assert!(ok, "kill {sig} failed");
}

async fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    for _ in 0..200 {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("pq-server did not exit");
}

async fn respawn(data: &Path, url: &str) -> Child {
    // Same port: the issuer URL (and so every token) contains it.
    let listen = url.trim_start_matches("http://").to_owned();
    for _ in 0..50 {
        let (child, new_url) = spawn(data, &listen);
        if new_url == url {
            return child;
        }
    }
    panic!("cannot restart on {listen}");
}

#[tokio::test]
async fn sigterm_closes_sockets_cleanly_and_a_kill_loses_nothing_acknowledged() {
    let data = tempfile::tempdir().unwrap();
    let (mut child, url) = spawn(data.path(), "127.0.0.1:0");
    // No keep-alive pool: the server process behind the port changes.
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    assert!(http.get(format!("{url}/healthz")).send().await.unwrap().status().is_success());

    let t = devclient::sign_in(&devclient::browser(), &url, "ana@example.com", "Ana").await.unwrap();
    let state: ServerState = http
        .post(format!("{url}/api/servers"))
        .bearer_auth(&t.access_token)
        .json(&serde_json::json!({"name": "Process test"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ch = state.channels.iter().find(|c| c.kind == pq_protocol::models::ChannelKind::Text).unwrap().id;
    let send = |body: String| {
        let (http, url, token) = (http.clone(), url.clone(), t.access_token.clone());
        async move {
            http.post(format!("{url}/api/channels/{ch}/messages"))
                .bearer_auth(token)
                .json(&serde_json::json!({"client_id": ClientMessageId::new(), "body": body}))
                .send()
                .await
                .unwrap()
                .json::<SendAck>()
                .await
                .unwrap()
        }
    };
    let mut acked = Vec::new();
    for i in 0..10 {
        acked.push(send(format!("before SIGTERM {i}")).await.message_id);
    }

    // SIGTERM: a connected socket is told "going away"; the process exits 0.
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("{}/gateway", url.replacen("http", "ws", 1))).await.unwrap();
    let identify = ClientFrame::Identify(Identify { v: PROTOCOL_VERSION, token: t.access_token.clone(), idle: None });
    ws.send(Message::Text(serde_json::to_string(&identify).unwrap().into())).await.unwrap();
    let mut ready = false;
    while !ready {
        if let Some(Ok(Message::Text(f))) = ws.next().await {
            ready = f.as_str().starts_with(r#"{"op":"ready""#);
        }
    }
    signal(&child, "-TERM");
    let close = loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("closed in time") {
            Some(Ok(Message::Close(c))) => break c,
            Some(Ok(_)) => {}
            other => panic!("socket ended without a close frame: {other:?}"),
        }
    };
    assert_eq!(close.map(|c| u16::from(c.code)), Some(1001));
    assert!(wait_exit(&mut child).await.success(), "exit status 0 after SIGTERM");

    // Back up on the same data directory: everything is there; then SIGKILL
    // right after more acknowledged sends.
    let mut child = respawn(data.path(), &url).await;
    for i in 0..20 {
        acked.push(send(format!("before SIGKILL {i}")).await.message_id);
    }
    signal(&child, "-KILL");
    wait_exit(&mut child).await;

    let mut child = respawn(data.path(), &url).await;
    let page: MessagePage = http
        .get(format!("{url}/api/channels/{ch}/messages"))
        .bearer_auth(&t.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page.messages.iter().map(|m| m.id).collect::<Vec<_>>(), acked, "every acknowledged message, in order");
    assert_eq!(page.messages.last().unwrap().seq, 30);
    assert_eq!(send("after".into()).await.seq, 31, "seq continues");
    signal(&child, "-TERM");
    assert!(wait_exit(&mut child).await.success());
}
