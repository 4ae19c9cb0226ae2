//! Bad input on the client side: a cache from a newer pq or a damaged one is
//! reported, never wiped, and rebuilt on request, keeping whatever unsent
//! messages can be read; a server that answers garbage does not crash the
//! client.

use std::{path::PathBuf, time::Duration};

use pq_core::{Client, ConnectionState, Error};

use crate::common::{Person, Proxy, TestServer, wait_for};

fn cache_file(data_dir: &std::path::Path) -> PathBuf {
    std::fs::read_dir(data_dir.join("accounts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "sqlite3"))
        .expect("a cache file")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cache_from_a_newer_pq_is_refused_then_rebuilt_and_its_unsent_message_still_goes_out() {
    let server = TestServer::start().await;
    let net = Proxy::start(&server.url).await;
    let dan = Person::sign_in(&net.url, "dan@example.com").await;
    let state = dan.client.create_server("Cache test").await.unwrap();
    let general = state.channels.iter().find(|c| c.name == "general").unwrap().id;
    dan.client.send(general, "sent before", None).await.unwrap();
    dan.wait_online(10).await;
    wait_for(10, "the first message to be acknowledged", || {
        futures_util::FutureExt::now_or_never(dan.pending(general)).is_some_and(|p| p.is_empty())
    })
    .await;
    net.set_offline(true);
    dan.client.send(general, "written offline", None).await.unwrap();
    let (config, _dir) = dan.quit().await;

    // A newer pq wrote this cache (schema version from the future).
    let path = cache_file(&config.data_dir);
    {
        let conn = pq_core::store::Store::open(&path).unwrap();
        drop(conn);
    }
    set_user_version(&path, 99);
    match Client::start(config.clone()).await {
        Err(Error::Cache(e)) => assert!(e.to_string().contains("newer version"), "{e}"),
        other => panic!("expected a cache error, got {other:?}"),
    }
    assert!(path.exists(), "nothing was wiped");
    let client = Client::rebuild_cache(config.clone()).await.unwrap();
    let timeline = client.timeline(general, None, 50).await.unwrap();
    assert_eq!(timeline.pending.iter().map(|e| e.body.as_str()).collect::<Vec<_>>(), ["written offline"]);
    net.set_offline(false);
    wait_for(20, "history back from the server and the unsent message delivered", || {
        futures_util::FutureExt::now_or_never(client.timeline(general, None, 50)).and_then(Result::ok).is_some_and(
            |t| {
                t.pending.is_empty()
                    && t.messages.iter().map(|m| m.body.as_str()).eq(["sent before", "written offline"])
            },
        )
    })
    .await;
    client.shutdown().await;
}

fn set_user_version(path: &std::path::Path, v: u32) {
    // The header's user_version field: 4 bytes, big-endian, at offset 60.
    let mut bytes = std::fs::read(path).unwrap();
    bytes[60..64].copy_from_slice(&v.to_be_bytes());
    std::fs::write(path, &bytes).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_cache_is_kept_aside_and_rebuilt_from_the_server() {
    let server = TestServer::start().await;
    let erin = Person::sign_in(&server.url, "erin@example.com").await;
    let state = erin.client.create_server("Damage").await.unwrap();
    let general = state.channels.iter().find(|c| c.name == "general").unwrap().id;
    erin.client.send(general, "kept by the server", None).await.unwrap();
    wait_for(10, "the message to be acknowledged", || {
        futures_util::FutureExt::now_or_never(erin.history(general)).is_some_and(|h| h.len() == 1)
    })
    .await;
    let (config, _dir) = erin.quit().await;
    let path = cache_file(&config.data_dir);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[..16].copy_from_slice(b"not sqlite here!");
    std::fs::write(&path, &bytes).unwrap();

    match Client::start(config.clone()).await {
        Err(Error::Cache(e)) => assert!(e.to_string().contains("damaged"), "{e}"),
        other => panic!("expected a cache error, got {other:?}"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "nothing was wiped");
    let client = Client::rebuild_cache(config.clone()).await.unwrap();
    let kept: Vec<_> = std::fs::read_dir(config.data_dir.join("accounts"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("broken"))
        .collect();
    assert_eq!(kept.len(), 1, "the damaged file is kept aside");
    wait_for(20, "history back from the server", || {
        futures_util::FutureExt::now_or_never(client.timeline(general, None, 50))
            .and_then(Result::ok)
            .is_some_and(|t| t.messages.len() == 1)
    })
    .await;
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_talks_garbage_does_not_crash_the_client() {
    let server = TestServer::start().await;
    let net = Proxy::start(&server.url).await;
    let eve = Person::sign_in(&net.url, "eve@example.com").await;
    let state = eve.client.create_server("Garbage").await.unwrap();
    let general = state.channels.iter().find(|c| c.name == "general").unwrap().id;
    eve.wait_online(10).await;

    // Whatever answers at the server's address now talks nonsense.
    net.set_garbage(true);
    let rx = eve.client.connection();
    wait_for(10, "a reconnect attempt", || matches!(*rx.borrow(), ConnectionState::Reconnecting { .. })).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    // Alive, answering from the cache, accepting messages into the outbox.
    assert_eq!(eve.client.servers().unwrap()[0].server.name, "Garbage");
    eve.client.send(general, "written during the garbage", None).await.unwrap();
    assert!(eve.client.preview_invite(&pq_core::protocol::InviteCode("AAAAAAAAAAAAAAAAAAAAAA".into())).await.is_err());
    // The real server is back: the client recovers and delivers.
    net.set_garbage(false);
    eve.wait_online(20).await;
    wait_for(10, "the message to be delivered", || {
        futures_util::FutureExt::now_or_never(eve.history(general)).is_some_and(|h| h.len() == 1)
    })
    .await;
}
