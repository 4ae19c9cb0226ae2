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
    // Tokens for 40 s (exp in whole seconds, 2 s of skew allowed: the
    // connection may last 41–42 s), inside the 45 s a connection may go
    // without a heartbeat; the test moves the server's clock.
    let ts = TestServer::start_with(|a| a.dev_access_token_ttl_secs = 40).await;
    let t = ts.sign_in("alice@example.com", "Alice").await;
    let mut gw = Gw::connect(&ts.url, &t.access_token).await;
    let session = gw.ready.as_ref().unwrap().session_id;
    ts.clock().advance(Duration::from_secs(35));
    let early = tokio::time::timeout(Duration::from_millis(300), gw.closed()).await;
    assert!(early.is_err(), "closed before the token expired: {early:?}");
    ts.clock().advance(Duration::from_secs(8));
    let (code, reason) = tokio::time::timeout(Duration::from_secs(2), gw.closed()).await.expect("closed once expired");
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

#[tokio::test]
async fn twenty_wrong_passwords_get_429_and_cost_no_more_argon2_work() {
    let ts = TestServer::start().await;
    ts.sign_up("pat@example.com", "Pat", "correct horse battery").await;
    let mut statuses = Vec::new();
    let mut work_when_refused = None;
    for _ in 0..20 {
        let before = pq_server::idp::argon2_runs();
        let status = ts.sign_in_password("pat@example.com", "wrong password!").await.unwrap_err().0;
        if status == StatusCode::TOO_MANY_REQUESTS {
            work_when_refused = Some(work_when_refused.unwrap_or(0) + pq_server::idp::argon2_runs() - before);
        }
        statuses.push(status.as_u16());
    }
    assert_eq!(&statuses[..10], &[401; 10], "{statuses:?}");
    assert_eq!(&statuses[10..], &[429; 10], "{statuses:?}");
    assert_eq!(work_when_refused, Some(0), "a refused try runs no argon2");
    // Even the right password waits now: the account is being guessed at.
    assert_eq!(ts.sign_in_password("pat@example.com", "correct horse battery").await.unwrap_err().0, 429);
    // Another account is not affected.
    ts.sign_up("sam@example.com", "Sam", "another good password").await;
    ts.sign_in_password("sam@example.com", "another good password").await.unwrap();
}

#[tokio::test]
async fn reset_codes_cannot_be_guessed_by_asking_for_new_ones() {
    let ts = TestServer::start().await;
    ts.sign_up("pat@example.com", "Pat", "correct horse battery").await;
    let mut statuses = Vec::new();
    for round in 0..3 {
        // A fresh code each round, then wrong guesses.
        let auth = ts.begin().await;
        let href = pq_server::idp::devclient::html_link(&auth.page, "Forgot your password?").unwrap();
        let (_, page, _) = ts.get_page(&ts.at(&href)).await;
        let (status, page, _) =
            ts.post_form(&crate::common::html_form(&page, "/forgotPassword"), &[("email", "pat@example.com")]).await;
        assert_eq!(status, StatusCode::OK, "round {round}: {page}");
        let real = ts.last_code("pat@example.com").unwrap();
        let wrong = if real == "000000" { "111111" } else { "000000" };
        let form = crate::common::html_form(&page, "/confirmForgotPassword");
        for _ in 0..5 {
            let (status, _, _) = ts.post_form(&form, &[("code", wrong), ("password", "a brand new password")]).await;
            statuses.push(status.as_u16());
        }
    }
    // Ten tries per account over time, whatever the number of codes.
    assert_eq!(statuses.iter().filter(|s| **s == 400).count(), 10, "{statuses:?}");
    assert!(statuses[10..].iter().all(|s| *s == 429), "{statuses:?}");
}

#[tokio::test]
async fn mail_and_authorization_requests_are_limited_per_address_and_per_email() {
    let ts = TestServer::start_with(|a| a.auth_rate_per_min = 8.0).await;
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let (status, _, _) = ts.get_page(&ts.begin_at().1).await;
        statuses.push(status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 200, 200, 200, 429, 429], "authorization requests per address");
    let resp = ts.http.get(ts.begin_at().1).send().await.unwrap();
    let retry: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=8).contains(&retry), "{retry}");
    // Token requests answer in OAuth's JSON shape.
    let (status, body) = ts.refresh("nonsense").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("too_many_requests")));

    // Mails per email: five, then wait (with many addresses' worth of budget).
    let ts = TestServer::start().await;
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let auth = ts.begin().await;
        let href = pq_server::idp::devclient::html_link(&auth.page, "Forgot your password?").unwrap();
        let (_, page, _) = ts.get_page(&ts.at(&href)).await;
        let form = crate::common::html_form(&page, "/forgotPassword");
        statuses.push(ts.post_form(&form, &[("email", "victim@example.com")]).await.0.as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429]);
}

#[tokio::test]
async fn rest_requests_sends_and_uploads_are_limited_with_retry_after_and_the_error_shape() {
    // Per address: a burst of twice the rate, then 429 for everything.
    let ts = TestServer::start_with(|a| a.http_rate_per_sec = 0.25).await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(reqwest::get(ts.at("/healthz")).await.unwrap().status().as_u16());
    }
    assert_eq!(statuses, [200, 429, 429, 429], "a burst of one (0.5 rounds down)");
    let resp = reqwest::get(ts.at("/healthz")).await.unwrap();
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    assert!(body["retry_after_ms"].as_u64().unwrap() > 0, "{body}");

    // Per account: sends through REST at the gateway's frame rate.
    let ts = TestServer::start_with(|a| {
        a.rate_per_sec = 1.0;
        a.rate_burst = 3.0;
        a.upload_mib_per_hour = 1;
    })
    .await;
    let t = ts.sign_in("alice@example.com", "Alice").await;
    let api = Api::new(&ts.url, &t.access_token);
    let state: pq_protocol::models::ServerState = api.post("/api/servers", serde_json::json!({"name": "Limits"})).await;
    let general = state.channels.iter().find(|c| c.name == "general").unwrap().id;
    let mut statuses = Vec::new();
    for n in 0..5 {
        let (status, body) = api
            .call(
                Method::POST,
                &format!("/api/channels/{general}/messages"),
                Some(serde_json::json!({"client_id": pq_protocol::ClientMessageId::new(), "body": format!("n{n}")})),
            )
            .await;
        if status == 429 {
            assert_eq!(body["code"], "rate_limited", "{body}");
        }
        statuses.push(status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);

    // Uploads: 1 MiB an hour.
    let blob = vec![0u8; 700 * 1024];
    let put = |bytes: Vec<u8>| {
        ts.http
            .put(ts.at("/api/users/@me/avatar"))
            .bearer_auth(&t.access_token)
            .header("content-type", "image/png")
            .body(bytes)
            .send()
    };
    assert_eq!(put(blob.clone()).await.unwrap().status(), 415, "counted, then refused as not an image");
    let resp = put(blob).await.unwrap();
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
}

/// `/media` answers only a signed-in person who may see the picture: a
/// member for a server's icon, someone sharing a server for an avatar, the
/// holder of a usable invite for what the invite shows. Others hear 404 (not
/// whether the picture exists); no token is 401.
#[tokio::test]
async fn pictures_are_only_for_people_who_may_see_them() {
    use crate::servers::{api, server_with};
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let s = server_with(&alice, &[&bob]).await;
    let png = |seed: u8| {
        let mut p = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
        p.push(seed);
        p
    };
    let upload = |path: String, body: Vec<u8>| {
        let alice = &alice;
        async move {
            let resp = alice.http.put(format!("{}{path}", alice.base)).bearer_auth(&alice.token).body(body);
            let v: serde_json::Value = resp.send().await.unwrap().json().await.unwrap();
            v
        }
    };
    let icon =
        upload(format!("/api/servers/{}/icon", s.server.id), png(1)).await["icon_url"].as_str().unwrap().to_owned();
    let avatar = upload("/api/users/@me/avatar".into(), png(2)).await["avatar_url"].as_str().unwrap().to_owned();
    let fetch = |who: Option<&Api>, path: String| {
        let http = alice.http.clone();
        let token = who.map(|w| w.token.clone());
        let url = format!("{}{path}", alice.base);
        async move {
            let mut req = http.get(url);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let resp = req.send().await.unwrap();
            (resp.status(), resp.headers().get("cache-control").cloned())
        }
    };

    // Members see the icon and each other's pictures; only private caches keep them.
    for (who, path) in [(&alice, &icon), (&bob, &icon), (&alice, &avatar), (&bob, &avatar)] {
        let (status, cache) = fetch(Some(who), path.clone()).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(cache.unwrap().to_str().unwrap().starts_with("private"), "shared caches must not keep it");
    }
    // Without a token: 401. An outsider: 404, as for a picture that does not exist.
    assert_eq!(fetch(None, icon.clone()).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(fetch(Some(&carol), icon.clone()).await.0, StatusCode::NOT_FOUND);
    assert_eq!(fetch(Some(&carol), avatar.clone()).await.0, StatusCode::NOT_FOUND);
    assert_eq!(fetch(Some(&carol), format!("/media/{}", "0".repeat(64))).await.0, StatusCode::NOT_FOUND);

    // An invite shows its server's icon and its creator's picture, while it works.
    let invite: pq_protocol::models::Invite =
        alice.post(&format!("/api/servers/{}/invites", s.server.id), serde_json::json!({})).await;
    let code = invite.code.0.clone();
    assert_eq!(fetch(Some(&carol), format!("{icon}?invite={code}")).await.0, StatusCode::OK);
    assert_eq!(fetch(Some(&carol), format!("{avatar}?invite={code}")).await.0, StatusCode::OK);
    assert_eq!(fetch(Some(&carol), format!("{icon}?invite=not-a-code")).await.0, StatusCode::NOT_FOUND);
    let (status, _) = alice.call(Method::DELETE, &format!("/api/invites/{code}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(fetch(Some(&carol), format!("{icon}?invite={code}")).await.0, StatusCode::NOT_FOUND);

    // Someone who leaves stops seeing them.
    let (status, _) = bob.call(Method::DELETE, &format!("/api/servers/{}/members/@me", s.server.id), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(fetch(Some(&bob), icon.clone()).await.0, StatusCode::NOT_FOUND);
    assert_eq!(fetch(Some(&bob), avatar.clone()).await.0, StatusCode::NOT_FOUND);
}
