//! Access tokens: every forgery, expiry and mix-up is refused, on REST and on
//! the gateway; an external issuer is trusted by configuration alone.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use pq_protocol::{
    gateway::{ClientFrame, CloseCode, Identify, PROTOCOL_VERSION},
    models::Me,
};
use reqwest::Method;

use crate::{
    client::{Api, Gw},
    common::TestServer,
};

fn parts(token: &str) -> (serde_json::Value, serde_json::Value, String) {
    let mut it = token.split('.');
    let h = serde_json::from_slice(&B64.decode(it.next().unwrap()).unwrap()).unwrap();
    let p = serde_json::from_slice(&B64.decode(it.next().unwrap()).unwrap()).unwrap();
    (h, p, it.next().unwrap().to_owned())
}

fn join(h: &serde_json::Value, p: &serde_json::Value, sig: &str) -> String {
    format!("{}.{}.{sig}", B64.encode(h.to_string()), B64.encode(p.to_string()))
}

async fn refused(ts: &TestServer, token: &str, code: &str) {
    Api::new(&ts.url, token).fails(Method::GET, "/api/users/@me", None, 401, code).await;
    let mut g = Gw::open(&ts.url).await;
    g.send(&ClientFrame::Identify(Identify { v: PROTOCOL_VERSION, token: token.into(), idle: None })).await;
    assert_eq!(g.closed().await.0, CloseCode::AuthenticationFailed.code());
}

#[tokio::test]
async fn forged_and_mixed_up_tokens_are_refused() {
    let ts = TestServer::start().await;
    let t = ts.sign_in("alice@example.com", "Alice").await;
    let me: Me = Api::new(&ts.url, &t.access_token).get("/api/users/@me").await;
    assert_eq!(me.email.as_deref(), Some("alice@example.com"));
    assert_eq!(me.display_name, "Alice");

    // No token at all, or not a JWT.
    let anon = reqwest::get(format!("{}/api/users/@me", ts.url)).await.unwrap();
    assert_eq!(anon.status(), 401);
    assert!(anon.headers().contains_key("www-authenticate"));
    let body: serde_json::Value = anon.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized");
    refused(&ts, "garbage", "unauthorized").await;

    let (h, p, sig) = parts(&t.access_token);
    assert!(p.get("aud").is_none(), "Cognito-shaped access tokens have no aud");
    // alg none.
    let mut none = h.clone();
    none["alg"] = "none".into();
    refused(&ts, &join(&none, &p, ""), "unauthorized").await;
    // HS256 keyed with the public key (algorithm confusion).
    let jwks: serde_json::Value =
        reqwest::get(format!("{}/.well-known/jwks.json", ts.url)).await.unwrap().json().await.unwrap();
    let n = jwks["keys"][0]["n"].as_str().unwrap();
    let mut hs = h.clone();
    hs["alg"] = "HS256".into();
    let forged = jsonwebtoken::encode(
        &serde_json::from_value(hs.clone()).unwrap(),
        &p,
        &jsonwebtoken::EncodingKey::from_secret(n.as_bytes()),
    )
    .unwrap();
    refused(&ts, &forged, "unauthorized").await;
    // A changed claim breaks the signature.
    let mut evil = p.clone();
    evil["sub"] = "someone-else".into();
    refused(&ts, &join(&h, &evil, &sig), "unauthorized").await;
    evil = p.clone();
    evil["cognito:groups"] = serde_json::json!(["admin"]);
    refused(&ts, &join(&h, &evil, &sig), "unauthorized").await;
    // An ID token is not an access token.
    refused(&ts, &t.id_token, "unauthorized").await;
    // A refresh token is not either.
    refused(&ts, &t.refresh_token, "unauthorized").await;
}

#[tokio::test]
async fn expired_tokens_say_so_and_refreshing_fixes_it() {
    // The default lifetime (an hour), on the server's clock, which the test
    // moves; exp has whole seconds and the verifier allows 2 s of skew.
    let ts = TestServer::start().await;
    let t = ts.sign_in("alice@example.com", "Alice").await;
    let _: Me = Api::new(&ts.url, &t.access_token).get("/api/users/@me").await;
    ts.clock().advance(std::time::Duration::from_secs(3_590));
    let _: Me = Api::new(&ts.url, &t.access_token).get("/api/users/@me").await;
    ts.clock().advance(std::time::Duration::from_secs(15));
    refused(&ts, &t.access_token, "token_expired").await;
    let (status, fresh) = ts.refresh(&t.refresh_token).await;
    assert_eq!(status, 200, "{fresh}");
    let _: Me = Api::new(&ts.url, fresh["access_token"].as_str().unwrap()).get("/api/users/@me").await;
}

#[tokio::test]
async fn an_external_issuer_is_trusted_by_configuration_alone() {
    // `issuer` plays a Cognito user pool; `app` trusts it by URL and has no provider of its own.
    let issuer = TestServer::start().await;
    let issuer_url = issuer.url.clone();
    let app = TestServer::start_with(|a| {
        a.no_dev_idp = true;
        a.oidc_issuer = Some(issuer_url.parse().unwrap());
    })
    .await;
    let t = issuer.sign_in("bob@example.com", "Bob").await;
    let me: Me = Api::new(&app.url, &t.access_token).get("/api/users/@me").await;
    assert_eq!(
        (me.email.as_deref(), me.display_name.as_str()),
        (Some("bob@example.com"), "Bob"),
        "from the issuer's userInfo"
    );
    let _ = Gw::connect(&app.url, &t.access_token).await;

    // A server that trusts the issuer for another app refuses tokens issued to pq.
    let issuer_url = issuer.url.clone();
    let other = TestServer::start_with(|a| {
        a.no_dev_idp = true;
        a.oidc_issuer = Some(issuer_url.parse().unwrap());
        a.oidc_client_id = vec!["another-app".into()];
    })
    .await;
    refused(&other, &t.access_token, "unauthorized").await;
    // A server that does not trust the issuer at all refuses them too.
    let stranger = TestServer::start().await;
    refused(&stranger, &t.access_token, "unauthorized").await;
}
