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
    spawn_with(data, listen, &[])
}

/// Starts the binary with `PQ_*` variables only (and `env`).
fn spawn_with(data: &Path, listen: &str, env: &[(&str, &str)]) -> (Child, String) {
    let mut child = Command::new(server_binary())
        .env_clear()
        .env("PQ_LISTEN", listen)
        .env("PQ_DATA_DIR", data)
        .env("PQ_LOG", "warn")
        .envs(env.iter().copied())
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
    respawn_with(data, url, &[]).await
}

async fn respawn_with(data: &Path, url: &str, env: &[(&str, &str)]) -> Child {
    // Same port: the issuer URL (and so every token) contains it.
    let listen = url.trim_start_matches("http://").to_owned();
    for _ in 0..50 {
        let (child, new_url) = spawn_with(data, &listen, env);
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

/// One sender's part of a round: resends what was never acknowledged (same
/// client ids, in order), then `new` new messages, keeping up to `WINDOW`
/// unacknowledged, until everything is acknowledged or the socket breaks.
/// Returns the client ids it created (in send order) and the acks it got.
async fn send_round(
    ws_url: String,
    token: String,
    channel: pq_protocol::ChannelId,
    sender: usize,
    resend: Vec<ClientMessageId>,
    new: usize,
) -> (Vec<ClientMessageId>, Vec<SendAck>) {
    const WINDOW: usize = 16;
    let (mut created, mut acks) = (Vec::new(), Vec::new());
    let Ok((ws, _)) = tokio_tungstenite::connect_async(&ws_url).await else { return (created, acks) };
    let (mut sink, mut stream) = ws.split();
    let identify = ClientFrame::Identify(Identify { v: PROTOCOL_VERSION, token, idle: None });
    if sink.send(Message::Text(serde_json::to_string(&identify).unwrap().into())).await.is_err() {
        return (created, acks);
    }
    let mut queue: std::collections::VecDeque<ClientMessageId> = resend.into_iter().collect();
    let mut made = 0;
    let (mut in_flight, mut ready) = (0usize, false);
    loop {
        while ready && in_flight < WINDOW {
            let id = match queue.pop_front() {
                Some(id) => id,
                None if made < new => {
                    let id = ClientMessageId::new();
                    created.push(id);
                    made += 1;
                    id
                }
                None => break,
            };
            // The same body when resent, as an outbox does.
            let body = format!("sender {sender}: {id}");
            let frame = ClientFrame::SendMessage(pq_protocol::gateway::GatewaySend {
                channel_id: channel,
                client_id: id,
                body,
                reply_to: None,
                attachments: vec![],
            });
            if sink.send(Message::Text(serde_json::to_string(&frame).unwrap().into())).await.is_err() {
                return (created, acks);
            }
            in_flight += 1;
        }
        if ready && in_flight == 0 && queue.is_empty() && made == new {
            return (created, acks);
        }
        let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_secs(20), stream.next()).await else {
            return (created, acks);
        };
        let Message::Text(t) = msg else { continue };
        match serde_json::from_str::<pq_protocol::gateway::ServerFrame>(t.as_str()) {
            Ok(pq_protocol::gateway::ServerFrame::Ready(_)) => ready = true,
            Ok(pq_protocol::gateway::ServerFrame::Ack(a)) => {
                acks.push(a);
                in_flight -= 1;
            }
            Ok(pq_protocol::gateway::ServerFrame::Error(e)) => panic!("a send was refused: {e:?}"),
            _ => {}
        }
    }
}

/// Records every `message_created` until the socket ends or `stop` fires.
async fn observe(
    ws_url: String,
    token: String,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Vec<pq_protocol::models::Message> {
    let mut seen = Vec::new();
    let Ok((mut ws, _)) = tokio_tungstenite::connect_async(&ws_url).await else { return seen };
    let identify = ClientFrame::Identify(Identify { v: PROTOCOL_VERSION, token, idle: None });
    if ws.send(Message::Text(serde_json::to_string(&identify).unwrap().into())).await.is_err() {
        return seen;
    }
    let mut stop = stop;
    loop {
        tokio::select! {
            msg = ws.next() => {
                let Some(Ok(Message::Text(t))) = msg else {
                    if matches!(msg, Some(Ok(_))) { continue }
                    return seen;
                };
                if let Ok(pq_protocol::gateway::ServerFrame::Dispatch(d)) = serde_json::from_str(t.as_str())
                    && let pq_protocol::gateway::Event::MessageCreated { message } = d.event
                {
                    seen.push(message);
                }
            }
            _ = stop.changed() => return seen,
        }
    }
}

/// SIGKILL at random moments while 50 senders send over the gateway (each
/// keeping 16 messages in flight): after every restart each sender resends
/// what was never acknowledged, as a client's outbox does. At the end every
/// acknowledged message is stored with the `seq` it was acknowledged with,
/// every message exactly once, each sender's in the order it sent them, and
/// every `message_created` an observer ever saw names a stored message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_while_fifty_senders_send_loses_nothing_acknowledged_and_doubles_nothing() {
    use rand::{RngExt, SeedableRng, rngs::StdRng};
    const SENDERS: usize = 50;
    const KILLS: usize = 3;
    const PER_ROUND: usize = 300;
    let env = [
        ("PQ_RATE_PER_SEC", "100000"),
        ("PQ_RATE_BURST", "100000"),
        // Fifty people sign in from one address.
        ("PQ_AUTH_RATE_PER_MIN", "100000"),
        ("PQ_HTTP_RATE_PER_SEC", "100000"),
    ];
    let mut rng = StdRng::seed_from_u64(0x5161_C0DE);
    let data = tempfile::tempdir().unwrap();
    let (mut child, url) = spawn_with(data.path(), "127.0.0.1:0", &env);
    let ws_url = format!("{}/gateway", url.replacen("http", "ws", 1));
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let browser = devclient::browser();

    let owner = devclient::sign_in(&browser, &url, "owner@crash.test", "Owner").await.unwrap().access_token;
    let state: ServerState = http
        .post(format!("{url}/api/servers"))
        .bearer_auth(&owner)
        .json(&serde_json::json!({"name": "Crash test"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ch = state.channels.iter().find(|c| c.kind == pq_protocol::models::ChannelKind::Text).unwrap().id;
    let invite: pq_protocol::models::Invite = http
        .post(format!("{url}/api/servers/{}/invites", state.server.id))
        .bearer_auth(&owner)
        .json(&serde_json::json!({"max_age_secs": 0}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut tokens = Vec::new();
    for i in 0..SENDERS {
        let t = devclient::sign_in(&browser, &url, &format!("sender{i}@crash.test"), "Sender").await.unwrap();
        let accepted = http
            .post(format!("{url}/api/invites/{}/accept", invite.code))
            .bearer_auth(&t.access_token)
            .send()
            .await
            .unwrap();
        assert!(accepted.status().is_success());
        tokens.push(t.access_token);
    }

    let mut sent: Vec<Vec<ClientMessageId>> = vec![Vec::new(); SENDERS];
    let mut acked: std::collections::HashMap<ClientMessageId, SendAck> = std::collections::HashMap::new();
    let mut announced = Vec::new();
    for round in 0..=KILLS {
        let last = round == KILLS;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let observer = tokio::spawn(observe(ws_url.clone(), owner.clone(), stop_rx));
        let mut tasks = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            let resend: Vec<_> = sent[i].iter().filter(|id| !acked.contains_key(id)).copied().collect();
            let new = if last { 10 } else { PER_ROUND };
            tasks.push(tokio::spawn(send_round(ws_url.clone(), token.clone(), ch, i, resend, new)));
        }
        if !last {
            // Let them get going, then pull the plug.
            tokio::time::sleep(Duration::from_millis(rng.random_range(300..900))).await;
            signal(&child, "-KILL");
            wait_exit(&mut child).await;
        }
        for (i, t) in tasks.into_iter().enumerate() {
            let (created, acks) = t.await.unwrap();
            sent[i].extend(created);
            for a in acks {
                if let Some(before) = acked.insert(a.client_id, a.clone()) {
                    assert_eq!(before.message_id, a.message_id, "a resend is acknowledged as the same message");
                }
            }
        }
        if last {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        stop_tx.send(true).ok();
        announced.extend(observer.await.unwrap());
        if !last {
            child = respawn_with(data.path(), &url, &env).await;
        }
    }

    // Everything stored, as REST shows it.
    let mut stored: Vec<pq_protocol::models::Message> = Vec::new();
    loop {
        let after = stored.last().map_or(0, |m| m.seq);
        let page: MessagePage = http
            .get(format!("{url}/api/channels/{ch}/messages?after={after}&limit=100"))
            .bearer_auth(&owner)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if page.messages.is_empty() {
            break;
        }
        stored.extend(page.messages);
    }
    let total: usize = sent.iter().map(Vec::len).sum();
    assert!(total >= SENDERS * 10 * 2, "the senders got something done: {total}");
    assert_eq!(acked.len(), total, "after the last round every message is acknowledged");
    assert_eq!(stored.len(), total, "every message stored exactly once");
    assert!(stored.iter().enumerate().all(|(i, m)| m.seq == i as u64 + 1), "seq has no holes");
    let by_client: std::collections::HashMap<_, _> = stored.iter().map(|m| (m.client_id, m)).collect();
    assert_eq!(by_client.len(), stored.len(), "no client id stored twice");
    for (id, ack) in &acked {
        let m = by_client.get(id).unwrap_or_else(|| panic!("acknowledged message {id} lost"));
        assert_eq!((m.id, m.seq), (ack.message_id, ack.seq), "stored as acknowledged");
    }
    for (i, ids) in sent.iter().enumerate() {
        let seqs: Vec<u64> = ids.iter().map(|id| by_client[id].seq).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "sender {i}'s messages in the order sent");
    }
    let by_id: std::collections::HashMap<_, _> = stored.iter().map(|m| (m.id, m)).collect();
    assert!(!announced.is_empty());
    for m in &announced {
        let s = by_id.get(&m.id).unwrap_or_else(|| panic!("message_created for a message that is not stored: {m:?}"));
        assert_eq!((s.seq, s.client_id), (m.seq, m.client_id));
    }
    eprintln!("{total} messages, {} announced to the observer, {KILLS} kills", announced.len());
    signal(&child, "-TERM");
    assert!(wait_exit(&mut child).await.success());
}
