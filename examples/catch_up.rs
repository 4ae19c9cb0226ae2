//! Catch-up benchmark: how long a client that was away takes to come back
//! with everything it missed.
//!
//! ```text
//! cargo run --release --example catch_up -- 10000
//! ```
//!
//! A pq-server runs in this process (temporary data directory). Bob signs
//! in, reads `#general`, and quits pq. Alice then sends N messages. Bob
//! starts pq again: the time from `Client::start` until his engine reports
//! online with all N messages in his cache is the catch-up time (identify,
//! `ready`, paging the channel's history after his last `seq`, caching and
//! indexing as it arrives).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use pq_core::{
    Client, ClientConfig, ConnectionState,
    auth::{AuthError, AuthOptions, KeychainBackend, TokenStore},
    protocol::{
        ClientMessageId,
        models::{CreateInvite, SendMessage},
    },
};
use pq_server::testing::TestServer;

fn config(url: &str, dir: &std::path::Path, email: &str) -> ClientConfig {
    let (email, name) = (email.to_owned(), email.split('@').next().unwrap_or("x").to_owned());
    let browser = move |auth_url: &str| -> Result<(), AuthError> {
        let (auth_url, email, name) = (auth_url.to_owned(), email.clone(), name.clone());
        tokio::spawn(async move {
            let http = pq_server::idp::devclient::browser();
            if let Ok(back) =
                pq_server::idp::devclient::complete_federated(&http, &auth_url, "Google", &email, &name).await
            {
                let _ = http.get(back).send().await;
            }
        });
        Ok(())
    };
    let url: url::Url = url.parse().expect("url");
    let mut c = ClientConfig::new(url.clone(), dir.to_owned());
    c.tokens = Some(TokenStore::open(KeychainBackend::Mock).expect("mock keychain"));
    c.auth = Some(AuthOptions::new(url).browser(Arc::new(browser)));
    c.backoff = (Duration::from_millis(50), Duration::from_secs(1));
    c
}

async fn online(client: &Client) {
    let mut rx = client.connection();
    while *rx.borrow_and_update() != ConnectionState::Online {
        rx.changed().await.expect("engine alive");
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args().nth(1).map_or(Ok(10_000), |s| s.parse())?;
    let server = TestServer::start_with(|a| {
        a.rate_per_sec = 100_000.0;
        a.rate_burst = 100_000.0;
    })
    .await;
    let (alice_dir, bob_dir) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let alice = Client::start(config(&server.url, alice_dir.path(), "alice@example.com")).await?;
    alice.sign_in().await?;
    let bob_config = config(&server.url, bob_dir.path(), "bob@example.com");
    let bob = Client::start(bob_config.clone()).await?;
    bob.sign_in().await?;
    let state = alice.create_server("Catch-up").await?;
    let invite = alice.create_invite(state.server.id, CreateInvite::default()).await?;
    bob.accept_invite(&invite.code).await?;
    let general = state.channels.iter().find(|c| c.name == "general").expect("general").id;
    alice
        .api()
        .send_message(
            general,
            &SendMessage {
                client_id: ClientMessageId::new(),
                body: "before".into(),
                reply_to: None,
                attachments: vec![],
            },
        )
        .await?;
    online(&bob).await;
    while bob.timeline(general, None, 10).await?.messages.is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    bob.shutdown().await;
    drop(bob);

    // While bob is away, alice writes n messages.
    let t = Instant::now();
    let api = alice.api().clone();
    futures_util::stream::iter(0..n)
        .map(|i| {
            let api = api.clone();
            async move {
                api.send_message(
                    general,
                    &SendMessage {
                        client_id: ClientMessageId::new(),
                        body: format!("missed message {i} 회의 자료"),
                        reply_to: None,
                        attachments: vec![],
                    },
                )
                .await
            }
        })
        .buffer_unordered(8)
        .for_each(|r| async move {
            r.expect("sent");
        })
        .await;
    eprintln!("alice sent {n} messages in {:.1} s", t.elapsed().as_secs_f64());

    // Bob comes back.
    let t = Instant::now();
    let bob = Client::start(bob_config).await?;
    online(&bob).await;
    let online_after = t.elapsed();
    loop {
        let have = bob.timeline(general, None, n + 10).await?.messages.len();
        if have == n + 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let all_after = t.elapsed();
    println!(
        "catch-up: {n} missed messages, online and caught up in {:.2} s (connection online at {:.2} s)",
        all_after.as_secs_f64(),
        online_after.as_secs_f64()
    );
    bob.shutdown().await;
    alice.shutdown().await;
    Ok(())
}
