//! Signing in with pq-core end to end: the browser stand-in plays the person
//! at the provider's page, the loopback listener completes the flow, the
//! tokens land in the kernel keyring (tests run under `keyctl session -`),
//! a restart signs in from the keyring without the browser, sign-out clears it.

use pq_core::{Client, ConnectionState, auth::KeychainBackend};

use crate::common::{Person, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_keeps_tokens_in_the_kernel_keyring_and_sign_out_clears_them() {
    let server = TestServer::start_with(|a| a.dev_access_token_ttl_secs = 2).await;
    let mut ana = Person::sign_in_with(&server.url, "ana@example.com", KeychainBackend::Keyutils).await;
    let me = ana.client.me().unwrap();
    assert_eq!((me.email.as_deref(), me.display_name.as_str()), (Some("ana@example.com"), "ana"));
    ana.wait_online(10).await;

    // Quit and start again: signed in from the keyring, no browser.
    ana.restart().await;
    ana.wait_online(10).await;
    assert_eq!(ana.client.me().unwrap().id, me.id);

    // The access token lives 2 s: requests after that renew it on their own.
    tokio::time::sleep(std::time::Duration::from_millis(3_500)).await;
    let state = ana.client.create_server("After expiry").await.expect("renewed");
    assert_eq!(state.server.name, "After expiry");

    // Sign out: the keyring no longer holds a session.
    ana.client.sign_out().await.unwrap();
    assert_eq!(*ana.client.connection().borrow(), ConnectionState::SignedOut);
    let again = Client::start(ana.config().clone()).await.unwrap();
    assert!(again.me().is_none() && again.servers().is_err(), "signed out after a restart too");
}
