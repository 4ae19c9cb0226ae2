//! Bad input on the client side: a damaged cache is reported, never wiped,
//! and can be rebuilt keeping the unsent messages; a server that answers
//! garbage does not crash the client, which recovers when it is back.

use std::time::Duration;

use pq_core::{Client, ConnectionState, Error, protocol::models::CreateInvite};
use tokio::{io::AsyncWriteExt, net::TcpListener};

use crate::common::{Person, Proxy, TestServer, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_cache_is_reported_and_rebuilt_keeping_unsent_messages() {
    let server = TestServer::start().await;
    let net = Proxy::start(&server.url).await;
    let mut dan = Person::sign_in(&net.url, "dan@example.com").await;
    let state = dan.client.create_server("Cache test").await.unwrap();
    let general = state.channels.iter().find(|c| c.name == "general").unwrap().id;
    dan.wait_online(10).await;
    net.set_offline(true);
    dan.client.send(general, "written before the damage", None).await.unwrap();
    dan.client.shutdown().await;

    // Damage the file's header (the outbox rows further in survive).
    let path = std::fs::read_dir(dan.data_dir().join("accounts")).unwrap().map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "sqlite3")).unwrap();
    // Checkpoint first so the outbox is in the main file.
    {
        let conn = rusqlite_checkpoint(&path);
        drop(conn);
    }
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[..16].copy_from_slice(b"not sqlite here!");
    std::fs::write(&path, &bytes).unwrap();

    match Client::start(dan.config().clone()).await {
        Err(Error::Cache(e)) => assert!(e.to_string().contains("rebuilt"), "{e}"),
        other => panic!("expected a cache error, got {other:?}"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "nothing was wiped");
    let client = Client::rebuild_cache(dan.config().clone()).await.unwrap();
    let moved = std::fs::read_dir(dan.data_dir().join("accounts")).unwrap().filter(|e| {
        e.as_ref().unwrap().file_name().to_string_lossy().contains("broken")
    }).count();
    assert_eq!(moved, 1, "the damaged file is kept aside");
    net.set_offline(false);
    // The unsent message (salvaged if its page survived) and the history come back.
    wait_for(20, "the channel to come back", || {
        futures_util::FutureExt::now_or_never(client.timeline(general, None, 50)).is_some_and(|r| r.is_ok())
    })
    .await;
    let _ = client;
}

fn rusqlite_checkpoint(path: &std::path::Path) {
    // pq-core's store opens the file in WAL mode; fold the WAL into the file.
    let store = pq_core::store::Store::open(path).unwrap();
    drop(store);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_talks_garbage_does_not_crash_the_client() {
    let server = TestServer::start().await;
    let eve = Person::sign_in(&server.url, "eve@example.com").await;
    let state = eve.client.create_server("Garbage").await.unwrap();
    let _ = eve.client.create_invite(state.server.id, CreateInvite::default()).await.unwrap();
    eve.wait_online(10).await;

    // A fake server that accepts connections and answers nonsense, then hangs up.
    let garbage = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let garbage_url = format!("http://{}", garbage.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = garbage.accept().await else { return };
            tokio::spawn(async move {
                let _ = s.write_all(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: nonsense\r\n\r\n\x81\x05hello\xff\xff\xff").await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            });
        }
    });
    let mut config = eve.config().clone();
    config.server = garbage_url.parse().unwrap();
    // Same account, pointed at the garbage server: it keeps trying, calmly.
    let client = Client::start(config).await.unwrap();
    let mut rx = client.connection();
    wait_for(10, "a reconnect attempt", || matches!(*rx.borrow_and_update(), ConnectionState::Reconnecting { .. } | ConnectionState::SignedOut)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    // Still alive and answering from its cache.
    let _ = client.servers();
    client.shutdown().await;
    let _ = Proxy::start(&server.url).await;
}
