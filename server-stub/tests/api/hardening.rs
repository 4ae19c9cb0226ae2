//! What makes the server safe to put on a network: private files, abuse
//! limits, sessions that end when they should.

use std::time::Duration;

use pq_protocol::{
    gateway::{ClientFrame, CloseCode, Identify, PROTOCOL_VERSION, ServerFrame},
    models::Me,
};
use reqwest::{Method, StatusCode};

use crate::{
    client::{Api, Gw},
    common::TestServer,
};

#[cfg(unix)]
#[tokio::test]
async fn the_database_signing_key_and_mailbox_are_readable_by_the_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    // A data directory the server creates itself is owner-only too.
    let parent = tempfile::tempdir().unwrap();
    let fresh = parent.path().join("made-by-the-server");
    let ts = TestServer::start_with(|a| a.data_dir = Some(fresh.clone())).await;
    // Sign-up mails a code: the mailbox exists afterwards.
    ts.sign_up("pat@example.com", "Pat", "correct horse battery").await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&fresh), 0o700);
    let dir = ts.data_dir();
    for name in ["pq.sqlite3", "pq.sqlite3-wal", "idp.sqlite3", "idp.sqlite3-wal", "mailbox.txt"] {
        let path = dir.join(name);
        assert!(path.exists(), "{name} exists");
        assert_eq!(mode(&path), 0o600, "{name} (idp.sqlite3 holds the signing key)");
    }
}

/// `gw` is closed with `code` within a second.
async fn closes_at_once(gw: &mut Gw, code: CloseCode) -> String {
    let (got, reason) =
        tokio::time::timeout(Duration::from_secs(1), gw.closed()).await.expect("closed within a second");
    assert_eq!(got, code.code(), "{reason}");
    reason
}

#[tokio::test]
async fn signing_out_or_resetting_the_password_closes_the_connections_of_those_sign_ins() {
    let ts = TestServer::start().await;
    let laptop = ts.sign_in("alice@example.com", "Alice").await;
    let phone = ts.sign_in("alice@example.com", "Alice").await;
    let mut on_laptop = Gw::connect(&ts.url, &laptop.access_token).await;
    let mut on_phone = Gw::connect(&ts.url, &phone.access_token).await;
    let session = on_laptop.ready.as_ref().unwrap().session_id;

    // Signing out on the laptop (its refresh token revoked) ends the laptop's
    // connection and its access token, not the phone's.
    assert_eq!(ts.revoke(&laptop.refresh_token).await, StatusCode::OK);
    let reason = closes_at_once(&mut on_laptop, CloseCode::AuthenticationFailed).await;
    assert!(reason.contains("revoked"), "{reason}");
    Api::new(&ts.url, &laptop.access_token).fails(Method::GET, "/api/users/@me", None, 401, "unauthorized").await;
    let (gw, frames) = Gw::resume(&ts.url, &phone.access_token, session, 0).await;
    assert!(matches!(frames.last(), Some(ServerFrame::InvalidSession(_))), "a revoked session cannot be resumed");
    drop(gw);
    let _: Me = Api::new(&ts.url, &phone.access_token).get("/api/users/@me").await;
    let mut g = Gw::open(&ts.url).await;
    g.send(&ClientFrame::Identify(Identify { v: PROTOCOL_VERSION, token: laptop.access_token.clone(), idle: None }))
        .await;
    assert_eq!(g.closed().await.0, CloseCode::AuthenticationFailed.code());

    // A password reset ends every sign-in of the account.
    ts.reset_password("alice@example.com", "a brand new password").await;
    closes_at_once(&mut on_phone, CloseCode::AuthenticationFailed).await;
    Api::new(&ts.url, &phone.access_token).fails(Method::GET, "/api/users/@me", None, 401, "unauthorized").await;
    let (status, body) = ts.refresh(&phone.refresh_token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // Revocations outlive a restart: the laptop's token is still refused.
    let ts = ts.restart().await;
    Api::new(&ts.url, &laptop.access_token).fails(Method::GET, "/api/users/@me", None, 401, "unauthorized").await;
    let fresh = ts.sign_in("alice@example.com", "Alice").await;
    let _ = Gw::connect(&ts.url, &fresh.access_token).await;
}

#[tokio::test]
async fn a_connection_ends_when_its_token_expires_and_resumes_with_a_renewed_one() {
    let ts = TestServer::start_with(|a| a.dev_access_token_ttl_secs = 1).await;
    let t = ts.sign_in("alice@example.com", "Alice").await;
    let mut gw = Gw::connect(&ts.url, &t.access_token).await;
    let session = gw.ready.as_ref().unwrap().session_id;
    // exp has whole seconds and 2 s of skew are allowed: at most ~4 s.
    let (code, reason) = tokio::time::timeout(Duration::from_secs(6), gw.closed()).await.expect("closed once expired");
    assert_eq!(code, CloseCode::AuthenticationFailed.code(), "{reason}");
    assert!(reason.contains("expired"), "{reason}");
    let (status, fresh) = ts.refresh(&t.refresh_token).await;
    assert_eq!(status, StatusCode::OK);
    let (_gw, frames) = Gw::resume(&ts.url, fresh["access_token"].as_str().unwrap(), session, 0).await;
    assert!(matches!(frames.last(), Some(ServerFrame::Resumed(_))), "{frames:?}");
}

#[tokio::test]
async fn a_person_holds_at_most_the_configured_number_of_sessions() {
    let ts = TestServer::start_with(|a| a.sessions_per_user = 2).await;
    let t = ts.sign_in("alice@example.com", "Alice").await;
    let mut first = Gw::connect(&ts.url, &t.access_token).await;
    let second = Gw::connect(&ts.url, &t.access_token).await;
    let _third = Gw::connect(&ts.url, &t.access_token).await;
    let reason = closes_at_once(&mut first, CloseCode::SessionInvalidated).await;
    assert!(reason.contains("too many sessions"), "{reason}");
    // A dropped (resumable) session goes before a connected one.
    let dropped = second.ready.as_ref().unwrap().session_id;
    drop(second);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _fourth = Gw::connect(&ts.url, &t.access_token).await;
    let (_gw, frames) = Gw::resume(&ts.url, &t.access_token, dropped, 0).await;
    assert!(matches!(frames.last(), Some(ServerFrame::InvalidSession(_))), "{frames:?}");
}
