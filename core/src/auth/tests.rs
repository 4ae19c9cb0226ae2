//! Sign-in end to end against the real pq-server and its development
//! provider; the person at the browser is played by `devclient`.

use std::{sync::Arc, time::Duration};

use super::{
    test_support::{Person, TestServer, manager, signed_in},
    *,
};

fn state_of(url: &str) -> String {
    Url::parse(url).expect("url").query_pairs().find(|(k, _)| k == "state").expect("state").1.into_owned()
}

fn redirect_of(url: &str) -> String {
    Url::parse(url).expect("url").query_pairs().find(|(k, _)| k == "redirect_uri").expect("redirect_uri").1.into_owned()
}

#[tokio::test]
async fn loopback_sign_in_saves_to_the_keychain_and_starts_offline() {
    let server = TestServer::start().await;
    let (person, mut visits) = Person::new("Alice@Example.com", "Alice");
    let (auth, store) = manager(&server, Arc::new(person), |o| o);
    let mut watch = auth.subscribe();
    assert_eq!(auth.state(), AuthState::SignedOut);
    assert!(matches!(auth.access_token().await, Err(AuthError::NotSignedIn)));

    let account = auth.sign_in().await.expect("signed in");
    assert_eq!(account.email.as_deref(), Some("alice@example.com"));
    assert_eq!(account.name.as_deref(), Some("Alice"));
    assert_eq!(account.issuer, server.url.as_str().trim_end_matches('/'));
    assert!(watch.has_changed().expect("watch"));
    assert_eq!(*watch.borrow_and_update(), AuthState::SignedIn(account.clone()));

    // The browser tab says it is done.
    let visit = visits.recv().await.expect("a visit").expect("the browser got through");
    assert!(visit.location.starts_with("http://127.0.0.1:"), "{}", visit.location);
    let (status, page) = visit.page.expect("a page");
    assert_eq!(status, 200);
    assert!(page.contains("Sign-in finished.") && page.contains("You can close this tab and return to pq."), "{page}");

    // The tokens are in the keychain, and the server takes the access token.
    let saved = store.load(&server.url).expect("keychain").expect("a saved session");
    assert_eq!(saved.account, account);
    assert!(saved.refresh_token.is_some());
    let token = auth.access_token().await.expect("token");
    assert_eq!(saved.access_token.as_deref(), Some(token.as_str()));
    let me: pq_protocol::models::Me =
        crate::api::Api::new(auth.clone()).get("/api/users/@me").await.expect("the server accepts it");
    assert_eq!(me.email.as_deref(), Some("alice@example.com"));
    assert_eq!(auth.refresh_count(), 0);

    // A restart with the server gone: the session comes from the keychain,
    // and the saved access token serves without any network.
    server.server.stop().await;
    let again = AuthManager::open(AuthOptions::new(server.url.clone()), store.clone()).await.expect("open");
    assert_eq!(again.state(), AuthState::SignedIn(account));
    assert_eq!(again.access_token().await.expect("offline token"), token);
    // Renewing needs the network: it fails as "unreachable", keeping the session.
    let err = again.after_unauthorized(&token).await.expect_err("offline");
    assert!(err.is_unreachable(), "{err:?}");
    assert!(matches!(again.state(), AuthState::SignedIn(_)));
}

#[tokio::test]
async fn concurrent_callers_share_one_refresh() {
    let server = TestServer::start_with(|a| a.dev_access_token_ttl_secs = 1).await;
    let (auth, store) = signed_in(&server, "bob@example.com", |o| o).await;
    let first = store.load(&server.url).expect("keychain").expect("saved");
    // A 1-second token is always within the 60-second margin: every caller
    // wants a renewal, and they get one between them.
    let tokens = futures_util::future::join_all((0..8).map(|_| auth.access_token())).await;
    let tokens: Vec<String> = tokens.into_iter().map(|t| t.expect("a token")).collect();
    assert_eq!(auth.refresh_count(), 1, "one refresh for eight callers");
    assert!(tokens.iter().all(|t| *t == tokens[0]), "all got the same token");
    assert_ne!(Some(&tokens[0]), first.access_token.as_ref());
    // Cognito does not rotate refresh tokens: the old one is kept and saved
    // with the new access token.
    let saved = store.load(&server.url).expect("keychain").expect("saved");
    assert_eq!(saved.refresh_token, first.refresh_token);
    assert_eq!(saved.access_token.as_ref(), Some(&tokens[0]));
    assert!(server.refresh_works(first.refresh_token.as_deref().expect("refresh token")).await);
}

#[tokio::test]
async fn unauthorized_renews_once_per_bad_token() {
    let server = TestServer::start().await;
    let (auth, _) = signed_in(&server, "carol@example.com", |o| o).await;
    let t0 = auth.access_token().await.expect("token");
    let renewed = futures_util::future::join_all((0..5).map(|_| auth.after_unauthorized(&t0))).await;
    let renewed: Vec<String> = renewed.into_iter().map(|t| t.expect("renewed")).collect();
    assert_eq!(auth.refresh_count(), 1);
    assert!(renewed.iter().all(|t| *t == renewed[0] && *t != t0));
    // A caller still holding the old token just gets the new one.
    assert_eq!(auth.after_unauthorized(&t0).await.expect("current"), renewed[0]);
    assert_eq!(auth.refresh_count(), 1);
    // The new token refused too: one more renewal.
    auth.after_unauthorized(&renewed[0]).await.expect("renewed again");
    assert_eq!(auth.refresh_count(), 2);
}

#[tokio::test]
async fn sign_out_revokes_and_clears_the_keychain() {
    let server = TestServer::start().await;
    let back = "http://127.0.0.1:9/signed-out";
    let (auth, store) = signed_in(&server, "dave@example.com", |o| o.logout_redirect_uri(back)).await;
    let refresh = store.load(&server.url).expect("keychain").expect("saved").refresh_token.expect("refresh token");
    assert!(server.refresh_works(&refresh).await);

    let out = auth.sign_out().await.expect("signed out");
    assert!(out.revoked);
    let logout = out.logout_url.expect("a logout URL");
    assert!(logout.starts_with(&format!("{}logout?client_id=pq&logout_uri=", server.url)), "{logout}");
    // The provider's logout page returns the browser there.
    let resp = pq_server::idp::devclient::browser().get(&logout).send().await.expect("logout page");
    assert_eq!(resp.headers().get("location").and_then(|v| v.to_str().ok()), Some(back));
    assert_eq!(auth.state(), AuthState::SignedOut);
    assert_eq!(store.load(&server.url).expect("keychain"), None);
    assert!(matches!(auth.access_token().await, Err(AuthError::NotSignedIn)));
    assert!(!server.refresh_works(&refresh).await, "the refresh token no longer works");
    // Signing out again is harmless.
    assert!(!auth.sign_out().await.expect("signed out").revoked);
}

#[tokio::test]
async fn a_revoked_session_ends_as_expired() {
    let server = TestServer::start().await;
    let (auth, store) = signed_in(&server, "erin@example.com", |o| o).await;
    let account = auth.account().expect("account");
    let saved = store.load(&server.url).expect("keychain").expect("saved");
    // Signed out elsewhere.
    let (status, _) = server
        .post_form("/oauth2/revoke", &[("token", saved.refresh_token.as_deref().expect("rt")), ("client_id", "pq")])
        .await;
    assert_eq!(status, 200);
    let t = auth.access_token().await.expect("still the old access token");
    let err = auth.after_unauthorized(&t).await.expect_err("cannot renew");
    assert!(matches!(err, AuthError::Expired) && err.needs_sign_in(), "{err:?}");
    assert_eq!(auth.state(), AuthState::Expired(account));
    assert_eq!(store.load(&server.url).expect("keychain"), None);
    assert!(matches!(auth.access_token().await, Err(AuthError::Expired)));
}

#[tokio::test]
async fn a_foreign_state_is_refused() {
    let server = TestServer::start().await;
    let (person, mut visits) = Person::new("frank@example.com", "Frank");
    let person = person.rewriting(|location| {
        let mut url = Url::parse(&location).expect("url");
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "state" { "forged".to_owned() } else { v.into_owned() };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        url.into()
    });
    let (auth, store) = manager(&server, Arc::new(person), |o| o);
    assert!(matches!(auth.sign_in().await, Err(AuthError::StateMismatch)));
    let (status, page) = visits.recv().await.expect("visit").expect("visited").page.expect("page");
    assert_eq!(status, 400);
    assert!(page.contains("Sign-in did not finish.") && page.contains("does not belong"), "{page}");
    assert_eq!(auth.state(), AuthState::SignedOut);
    assert_eq!(store.load(&server.url).expect("keychain"), None);
}

#[tokio::test]
async fn a_refusal_by_the_provider_is_reported() {
    let server = TestServer::start().await;
    // The person declines: the provider sends the browser back with an error.
    let decline = |url: &str| -> Result<(), AuthError> {
        let back = format!(
            "{}?error=access_denied&error_description=The+user+declined&state={}",
            redirect_of(url),
            state_of(url)
        );
        tokio::spawn(async move {
            let _ = reqwest::get(back).await;
        });
        Ok(())
    };
    let (auth, _) = manager(&server, Arc::new(decline), |o| o);
    match auth.sign_in().await {
        Err(AuthError::ProviderRefused { error, description }) => {
            assert_eq!(error, "access_denied");
            assert_eq!(description.as_deref(), Some("The user declined"));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // The provider itself refuses (an identity provider it does not know)
    // and sends the browser back with the error.
    let (person, mut visits) = Person::new("x@example.com", "X");
    let (auth, _) = manager(&server, Arc::new(person), |o| o);
    match auth.sign_in_with_provider("Nope").await {
        Err(AuthError::ProviderRefused { error, description }) => {
            assert_eq!(error, "invalid_request");
            assert!(description.expect("a description").contains("identity_provider"));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let (status, page) = visits.recv().await.expect("visit").expect("visited").page.expect("page");
    assert_eq!(status, 400);
    assert!(page.contains("identity_provider"), "{page}");
}

#[tokio::test]
async fn deep_link_sign_in_completes_with_the_callback() {
    let server = TestServer::start().await;
    let (person, mut visits) = Person::new("grace@example.com", "Grace");
    let (auth, store) = manager(&server, Arc::new(person), |o| o);
    assert!(matches!(
        auth.complete_with_callback("pq://auth/callback?code=x&state=y"),
        Err(AuthError::NoSignInPending)
    ));

    let signing_in = tokio::spawn({
        let auth = auth.clone();
        async move { auth.sign_in_with_deep_link(None).await }
    });
    // The provider sends the browser to pq://auth/callback; the OS hands the
    // link to the app, and the shell to the manager.
    let visit = visits.recv().await.expect("visit").expect("the browser got through");
    assert!(visit.location.starts_with("pq://auth/callback?code="), "{}", visit.location);
    assert!(visit.page.is_none());
    assert!(matches!(
        auth.complete_with_callback("https://example.com/callback?code=x"),
        Err(AuthError::InvalidCallback { .. })
    ));
    // A forged link (another state, or none) does not use up the sign-in.
    for forged in [
        "pq://auth/callback?code=evil&state=guess",
        "pq://auth/callback?code=evil",
        "pq://auth/callback?error=access_denied",
    ] {
        assert!(matches!(auth.complete_with_callback(forged), Err(AuthError::StateMismatch)), "{forged}");
    }
    auth.complete_with_callback(&visit.location).expect("delivered");
    let account = signing_in.await.expect("task").expect("signed in");
    assert_eq!(account.email.as_deref(), Some("grace@example.com"));
    assert_eq!(store.load(&server.url).expect("keychain").expect("saved").account, account);
    // The link works once.
    assert!(matches!(auth.complete_with_callback(&visit.location), Err(AuthError::NoSignInPending)));

    // A link with another sign-in's state is refused before it reaches the
    // waiting sign-in, which the real answer still completes.
    let signing_in = tokio::spawn({
        let auth = auth.clone();
        async move { auth.sign_in_with_deep_link(None).await }
    });
    let visit = visits.recv().await.expect("visit").expect("visited");
    let forged = visit.location.replace("state=", "state=x");
    assert!(matches!(auth.complete_with_callback(&forged), Err(AuthError::StateMismatch)));
    auth.complete_with_callback(&visit.location).expect("delivered");
    assert_eq!(signing_in.await.expect("task").expect("signed in").email.as_deref(), Some("grace@example.com"));
}

#[tokio::test]
async fn sign_ins_can_be_cancelled_and_time_out() {
    let server = TestServer::start().await;
    let (auth, _) = manager(&server, Arc::new(|_: &str| Ok(())), |o| o);
    let waiting = tokio::spawn({
        let auth = auth.clone();
        async move { auth.sign_in().await }
    });
    // Wait until the sign-in waits for the browser.
    for _ in 0..200 {
        if auth.cancel_sign_in() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(matches!(waiting.await.expect("task"), Err(AuthError::SignInCancelled)));
    assert!(!auth.cancel_sign_in(), "nothing waits any more");

    // A second sign-in replaces (cancels) the first.
    let first = tokio::spawn({
        let auth = auth.clone();
        async move { auth.sign_in_with_deep_link(None).await }
    });
    while auth.pending().is_none() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let auth2 = auth.clone();
    let second =
        tokio::spawn(
            async move { tokio::time::timeout(Duration::from_secs(5), auth2.sign_in_with_deep_link(None)).await },
        );
    assert!(matches!(first.await.expect("task"), Err(AuthError::SignInCancelled)));
    auth.cancel_sign_in();
    assert!(matches!(second.await.expect("task"), Ok(Err(AuthError::SignInCancelled))));

    let (auth, _) = manager(&server, Arc::new(|_: &str| Ok(())), |o| o.sign_in_timeout(Duration::from_millis(200)));
    assert!(matches!(auth.sign_in_with_deep_link(None).await, Err(AuthError::SignInTimedOut { .. })));
}

#[tokio::test]
async fn a_browser_that_cannot_open_says_where_to_go() {
    let server = TestServer::start().await;
    let no_browser = |url: &str| -> Result<(), AuthError> {
        Err(AuthError::Browser { url: url.to_owned(), reason: "no display".into() })
    };
    let (auth, _) = manager(&server, Arc::new(no_browser), |o| o);
    let err = auth.sign_in().await.expect_err("no browser");
    assert!(err.to_string().contains("/oauth2/authorize?"), "{err}");
}

#[tokio::test]
async fn discovery_reads_the_servers_configuration() {
    let server = TestServer::start().await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let provider = Provider::from_server(http, &server.url).await.expect("discovered");
    assert_eq!(provider.issuer(), server.url.as_str().trim_end_matches('/'));
    assert_eq!(provider.client_id(), "pq");
    let pending = provider.begin("http://127.0.0.1:9/callback", Some("Kakao")).expect("begin");
    let url = Url::parse(pending.authorize_url()).expect("url");
    let q = |k: &str| url.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
    assert_eq!(q("response_type").as_deref(), Some("code"));
    assert_eq!(q("scope").as_deref(), Some("openid email profile"));
    assert_eq!(q("code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(q("identity_provider").as_deref(), Some("Kakao"));
    assert!(q("nonce").is_some() && q("state").is_some() && q("code_challenge").is_some());
    assert!(
        provider
            .logout_url(Some("http://127.0.0.1:9/bye"))
            .as_str()
            .ends_with("/logout?client_id=pq&logout_uri=http%3A%2F%2F127.0.0.1%3A9%2Fbye")
    );
    // A server that is not there.
    server.server.stop().await;
    let http = reqwest::Client::new();
    let err = Provider::from_server(http, &server.url).await.expect_err("gone");
    assert!(err.is_unreachable(), "{err:?}");
}
