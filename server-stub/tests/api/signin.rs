//! The development sign-in provider end to end over HTTP: a test plays the
//! person at the browser (loads the sign-in page, posts its forms) and the
//! app (PKCE, code redemption, refresh, revocation).

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{
    CLIENT_ID, Pkce, REDIRECT_URI, SCOPE, TestServer, Tokens, claims, html_error, html_form, jwt_header, random_string,
};

/// Authorize parameters with `overrides` replacing (or, with an empty value,
/// removing) the usual ones.
fn authorize_params<'a>(pkce: &'a Pkce, state: &'a str, overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("state", state),
        ("code_challenge", pkce.challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("scope", SCOPE),
    ];
    for (k, v) in overrides {
        params.retain(|(n, _)| n != k);
        if !v.is_empty() {
            params.push((k, v));
        }
    }
    params
}

/// The query parameters of a redirect.
fn query(location: &str) -> Vec<(String, String)> {
    url::Url::parse(location).expect("URL").query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn param(q: &[(String, String)], name: &str) -> Option<String> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

#[tokio::test]
async fn full_flow_issues_cognito_shaped_tokens() {
    let t = TestServer::start().await;
    let tokens = t.sign_in("Alice@Example.com", "Alice").await;
    assert_eq!(tokens.expires_in, 3600);

    let header = jwt_header(&tokens.access_token);
    assert_eq!(header["alg"], "RS256");
    let kid = header["kid"].as_str().expect("kid");

    let access = tokens.access_claims();
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["client_id"], CLIENT_ID);
    assert_eq!(access["iss"], t.url.as_str());
    assert!(access.get("aud").is_none(), "Cognito access tokens have no aud: {access}");
    assert!(access.get("cognito:groups").is_none(), "absent, not empty, for no group: {access}");
    assert_eq!(access["scope"], SCOPE);
    let sub = access["sub"].as_str().expect("sub");
    assert!(uuid::Uuid::parse_str(sub).is_ok(), "sub is a UUID: {sub}");
    assert_eq!(access["username"], sub);
    for k in ["auth_time", "exp", "iat"] {
        assert!(access[k].is_i64(), "{k}: {access}");
    }
    assert!(access["jti"].is_string());

    let id = tokens.id_claims();
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["aud"], CLIENT_ID);
    assert_eq!(id["iss"], t.url.as_str());
    assert_eq!(id["sub"], sub);
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["name"], "Alice");
    assert_eq!(id["cognito:username"], sub);
    assert!(id.get("cognito:groups").is_none());
    let identities = id["identities"].as_array().expect("identities");
    assert_eq!(identities.len(), 1);
    assert_eq!(identities[0]["providerName"], "Google");
    assert_eq!(identities[0]["providerType"], "Google");
    assert_eq!(identities[0]["primary"], "true");
    assert!(identities[0]["issuer"].is_null());
    assert!(identities[0]["userId"].is_string() && identities[0]["dateCreated"].is_string());

    // The published keys verify it, and so does pq-server's own verifier.
    let (status, jwks, _) = t.get_page(&t.at("/.well-known/jwks.json")).await;
    assert_eq!(status, StatusCode::OK);
    let jwks: Value = serde_json::from_str(&jwks).expect("JWKS");
    let key = jwks["keys"].as_array().expect("keys").iter().find(|k| k["kid"] == kid).expect("the kid is published");
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    let identity = t.server.state.verifier().verify(&tokens.access_token).await.expect("pq-server accepts the token");
    assert_eq!(identity.subject, sub);
    assert!(!identity.is_admin);
    // An ID token is not an access token.
    assert!(t.server.state.verifier().verify(&tokens.id_token).await.is_err());
}

#[tokio::test]
async fn discovery_document_describes_the_provider() {
    let t = TestServer::start().await;
    let (status, body, _) = t.get_page(&t.at("/.well-known/openid-configuration")).await;
    assert_eq!(status, StatusCode::OK);
    let d: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(d["issuer"], t.url.as_str());
    assert_eq!(d["authorization_endpoint"], t.at("/oauth2/authorize"));
    assert_eq!(d["token_endpoint"], t.at("/oauth2/token"));
    assert_eq!(d["userinfo_endpoint"], t.at("/oauth2/userInfo"));
    assert_eq!(d["jwks_uri"], t.at("/.well-known/jwks.json"));
    assert_eq!(d["revocation_endpoint"], t.at("/oauth2/revoke"));
    assert_eq!(d["end_session_endpoint"], t.at("/logout"));
    assert_eq!(d["code_challenge_methods_supported"], serde_json::json!(["S256"]));
    assert_eq!(d["response_types_supported"], serde_json::json!(["code"]));
    assert_eq!(d["id_token_signing_alg_values_supported"], serde_json::json!(["RS256"]));
    assert_eq!(d["token_endpoint_auth_methods_supported"], serde_json::json!(["none"]));
}

#[tokio::test]
async fn wrong_code_verifier_is_refused() {
    let t = TestServer::start().await;
    let (code, _) = t.federated_code("Google", "bob@example.com", "Bob").await;
    let (status, body) = t.redeem(&code, &Pkce::new().verifier).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant", "{body}");
    // No verifier at all.
    let (code, _) = t.federated_code("Google", "bob@example.com", "Bob").await;
    let (status, body) = t
        .token_request(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
        ])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_request", "{body}");
}

#[tokio::test]
async fn a_code_works_once_and_a_replay_revokes_its_tokens() {
    let t = TestServer::start().await;
    let (code, auth) = t.federated_code("Google", "carol@example.com", "Carol").await;
    let tokens = t.redeem_ok(&code, &auth.pkce.verifier).await;
    let (status, body) = t.redeem(&code, &auth.pkce.verifier).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant", "{body}");
    // The replay revoked the refresh token the first redemption issued.
    let (status, body) = t.refresh(&tokens.refresh_token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    // A made-up code.
    let (status, body) = t.redeem("not-a-code", &auth.pkce.verifier).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
}

#[tokio::test]
async fn redirect_uri_must_match_at_the_token_endpoint() {
    let t = TestServer::start().await;
    let (code, auth) = t.federated_code("Google", "dan@example.com", "Dan").await;
    let (status, body) = t
        .token_request(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:53682/other"),
            ("code_verifier", &auth.pkce.verifier),
        ])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant", "{body}");
}

#[tokio::test]
async fn unknown_client_and_bad_redirect_uris_get_an_error_page_not_a_redirect() {
    let t = TestServer::start().await;
    let pkce = Pkce::new();
    for (k, v) in [
        ("redirect_uri", "https://evil.example.com/callback"),
        ("redirect_uri", "http://192.168.1.10:8080/callback"),
        ("redirect_uri", "pq://auth/elsewhere"),
        ("redirect_uri", ""),
        ("client_id", "someone-else"),
        ("client_id", ""),
    ] {
        let url = t.authorize_url(&authorize_params(&pkce, "s", &[(k, v)]));
        let (status, page, location) = t.get_page(&url).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{k}={v}");
        assert_eq!(location, None, "{k}={v} must not redirect");
        assert!(page.contains("Cannot sign in"), "{page}");
    }
    // The app's own scheme and other loopback forms are fine.
    for uri in ["pq://auth/callback", "http://localhost:9999/cb", "http://[::1]:9999/cb"] {
        let url = t.authorize_url(&authorize_params(&pkce, "s", &[("redirect_uri", uri)]));
        let (status, page, _) = t.get_page(&url).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {page}");
    }
}

#[tokio::test]
async fn pkce_s256_is_required() {
    let t = TestServer::start().await;
    let pkce = Pkce::new();
    for overrides in [
        vec![("code_challenge_method", "plain"), ("code_challenge", pkce.verifier.as_str())],
        vec![("code_challenge_method", "")],
        vec![("code_challenge_method", ""), ("code_challenge", "")],
        vec![("code_challenge", "")],
        vec![("code_challenge", "too-short")],
    ] {
        let url = t.authorize_url(&authorize_params(&pkce, "st8", &overrides));
        let (status, page, location) = t.get_page(&url).await;
        assert_eq!(status, StatusCode::FOUND, "{overrides:?}: {page}");
        let location = location.expect("redirect");
        assert!(location.starts_with(REDIRECT_URI), "{location}");
        let q = query(&location);
        assert_eq!(param(&q, "error").as_deref(), Some("invalid_request"), "{overrides:?}");
        assert_eq!(param(&q, "state").as_deref(), Some("st8"));
        assert_eq!(param(&q, "code"), None);
    }
    // Other request errors redirect the same way.
    let url = t.authorize_url(&authorize_params(&pkce, "st8", &[("response_type", "token")]));
    let (_, _, location) = t.get_page(&url).await;
    assert_eq!(param(&query(&location.expect("redirect")), "error").as_deref(), Some("unsupported_response_type"));
    let url = t.authorize_url(&authorize_params(&pkce, "st8", &[("scope", "openid admin")]));
    let (_, _, location) = t.get_page(&url).await;
    assert_eq!(param(&query(&location.expect("redirect")), "error").as_deref(), Some("invalid_scope"));
}

#[tokio::test]
async fn refresh_works_until_the_token_is_revoked() {
    let t = TestServer::start().await;
    let tokens = t.sign_in("erin@example.com", "Erin").await;
    let (status, body) = t.refresh(&tokens.refresh_token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let access = body["access_token"].as_str().expect("access_token");
    assert_ne!(access, tokens.access_token);
    assert_eq!(claims(access)["sub"], tokens.access_claims()["sub"]);
    assert_eq!(claims(access)["auth_time"], tokens.access_claims()["auth_time"]);
    assert_eq!(claims(body["id_token"].as_str().expect("id_token"))["email"], "erin@example.com");
    assert!(body.get("refresh_token").is_none(), "no rotation: {body}");
    assert_eq!(body["token_type"], "Bearer");

    assert_eq!(t.revoke(&tokens.refresh_token).await, StatusCode::OK);
    let (status, body) = t.refresh(&tokens.refresh_token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    // Revoking again, or an unknown token, is not an error (RFC 7009).
    assert_eq!(t.revoke(&tokens.refresh_token).await, StatusCode::OK);
    assert_eq!(t.revoke("unknown").await, StatusCode::OK);
    // Garbage grant types and clients.
    let (status, body) = t.token_request(&[("grant_type", "password"), ("client_id", CLIENT_ID)]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("unsupported_grant_type")));
    let (status, body) =
        t.token_request(&[("grant_type", "refresh_token"), ("client_id", "nope"), ("refresh_token", "x")]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_client")));
}

#[tokio::test]
async fn the_same_email_through_google_and_kakao_is_one_account() {
    let t = TestServer::start().await;
    let google = t.sign_in("frank@example.com", "Frank").await;
    let kakao = t.sign_in_kakao("FRANK@example.com", "프랭크").await;
    assert_eq!(google.sub(), kakao.sub());
    let id = kakao.id_claims();
    assert_eq!(id["name"], "Frank", "the account keeps its name");
    let providers: Vec<&str> =
        id["identities"].as_array().expect("identities").iter().filter_map(|i| i["providerName"].as_str()).collect();
    assert_eq!(providers, ["Google", "Kakao"]);
    assert_eq!(id["identities"][1]["providerType"], "OIDC");
    assert_eq!(id["identities"][1]["primary"], "false");
    // A different email is a different account.
    assert_ne!(t.sign_in_kakao("grace@example.com", "Grace").await.sub(), google.sub());
    // And a password account for the same email too joins it.
    let native = t.sign_up("frank@example.com", "Frank", "frank-password").await;
    assert_eq!(native.sub(), google.sub());
}

#[tokio::test]
async fn admins_are_in_group_admin_and_others_in_no_group() {
    let t = TestServer::start_with(|a| a.dev_admins = vec!["Boss@Example.com".into()]).await;
    let boss = t.sign_in("boss@example.com", "Boss").await;
    assert_eq!(boss.access_claims()["cognito:groups"], serde_json::json!(["admin"]));
    assert_eq!(boss.id_claims()["cognito:groups"], serde_json::json!(["admin"]));
    assert!(t.server.state.verifier().verify(&boss.access_token).await.expect("valid").is_admin);
    let info = t.server.state.idp().expect("dev provider").userinfo(&boss.sub()).await.expect("userinfo");
    assert_eq!(info.expect("account").groups, ["admin"]);

    let worker = t.sign_in("worker@example.com", "Worker").await;
    assert!(worker.access_claims().get("cognito:groups").is_none(), "{}", worker.access_claims());
    assert!(worker.id_claims().get("cognito:groups").is_none());
    assert!(!t.server.state.verifier().verify(&worker.access_token).await.expect("valid").is_admin);
}

#[tokio::test]
async fn sign_up_with_a_mailed_code_then_sign_in_with_the_password() {
    let t = TestServer::start().await;
    let tokens = t.sign_up("heidi@example.com", "Heidi", "correct horse").await;
    let id = tokens.id_claims();
    assert_eq!(id["email"], "heidi@example.com");
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["name"], "Heidi");
    assert!(id.get("identities").is_none(), "no federated identity: {id}");
    let mailbox = std::fs::read_to_string(t.mailbox()).expect("mailbox");
    assert!(mailbox.contains("To: heidi@example.com\nSubject: Your pq confirmation code\n"), "{mailbox}");

    let again = t.sign_in_password("HEIDI@example.com", "correct horse").await.expect("password sign-in");
    assert_eq!(again.sub(), tokens.sub());
    // Signing up again with the same email is refused.
    let auth = t.begin().await;
    let (_, page, _) = t.get_page(&t.at("/signup?rid=x")).await;
    assert!(page.contains("expired"), "an unknown rid: {page}");
    let rid = &html_form(&auth.page, "/login").hidden[0].1;
    let (_, page, _) = t.get_page(&t.at(&format!("/signup?rid={rid}"))).await;
    let (status, page, _) = t
        .post_form(
            &html_form(&page, "/signup"),
            &[("email", "heidi@example.com"), ("name", "H"), ("password", "another password")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html_error(&page).expect("an error").contains("already exists"));
}

#[tokio::test]
async fn sign_up_checks_its_input_and_the_code() {
    let t = TestServer::start().await;
    let auth = t.begin().await;
    let rid = html_form(&auth.page, "/login").hidden[0].1.clone();
    let (_, page, _) = t.get_page(&t.at(&format!("/signup?rid={rid}"))).await;
    let form = html_form(&page, "/signup");
    let (status, page, _) =
        t.post_form(&form, &[("email", "ivan@example.com"), ("name", "Ivan"), ("password", "short")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html_error(&page).expect("error").contains("at least 8"));
    let (status, page, _) =
        t.post_form(&form, &[("email", "not an email"), ("name", "<b>Ivan</b>"), ("password", "long enough")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("&lt;b&gt;Ivan&lt;/b&gt;") && !page.contains("<b>Ivan"), "escaped: {page}");

    let (status, page, _) =
        t.post_form(&form, &[("email", "ivan@example.com"), ("name", "Ivan"), ("password", "long enough")]).await;
    assert_eq!(status, StatusCode::OK);
    let code = t.last_code("ivan@example.com").expect("code");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let confirm = html_form(&page, "/confirmUser");
    for _ in 0..4 {
        let (status, page, _) = t.post_form(&confirm, &[("code", wrong)]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html_error(&page).expect("error").contains("not right"), "{page}");
    }
    // The fifth wrong try uses the code up: even the right one fails now.
    let (_, page, _) = t.post_form(&confirm, &[("code", wrong)]).await;
    assert!(html_error(&page).expect("error").contains("expired"), "{page}");
    let (status, page, _) = t.post_form(&confirm, &[("code", &code)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html_error(&page).expect("error").contains("expired"), "{page}");
    // A new code works.
    let (status, page, _) = t.post_form(&html_form(&page, "/resendCode"), &[]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let fresh = t.last_code("ivan@example.com").expect("a new code");
    let (status, _, location) = t.post_form(&confirm, &[("code", &fresh)]).await;
    assert_eq!(status, StatusCode::FOUND);
    let code = t.code_from(location.as_deref(), &auth.state);
    t.redeem_ok(&code, &auth.pkce.verifier).await;
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_a_generic_message() {
    let t = TestServer::start().await;
    t.sign_up("judy@example.com", "Judy", "judy's password").await;
    let (status, error) = t.sign_in_password("judy@example.com", "not her password").await.expect_err("refused");
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error, "Incorrect email or password.");
    // An unknown email, and a Google-only account (no password), read the same.
    let (_, unknown) = t.sign_in_password("nobody@example.com", "whatever123").await.expect_err("refused");
    assert_eq!(unknown, error);
    t.sign_in("kim@example.com", "Kim").await;
    let (_, federated_only) = t.sign_in_password("kim@example.com", "whatever123").await.expect_err("refused");
    assert_eq!(federated_only, error);
}

#[tokio::test]
async fn a_password_reset_by_mailed_code_replaces_the_old_password() {
    let t = TestServer::start().await;
    let before = t.sign_up("leo@example.com", "Leo", "old password").await;
    t.reset_password("leo@example.com", "new password").await;
    let mailbox = std::fs::read_to_string(t.mailbox()).expect("mailbox");
    assert!(mailbox.contains("Subject: Your pq password reset code"), "{mailbox}");
    assert!(t.sign_in_password("leo@example.com", "old password").await.is_err());
    let after = t.sign_in_password("leo@example.com", "new password").await.expect("new password works");
    assert_eq!(after.sub(), before.sub());
    // The reset signed out the refresh tokens issued before it.
    assert_eq!(t.refresh(&before.refresh_token).await.0, StatusCode::BAD_REQUEST);
    // A reset for an unknown email mails nothing and says nothing different.
    let auth = t.begin().await;
    let href = crate::common::html_link(&auth.page, "Forgot your password?").expect("link");
    let (_, page, _) = t.get_page(&t.at(&href)).await;
    let (status, page, _) = t.post_form(&html_form(&page, "/forgotPassword"), &[("email", "nobody@example.com")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("If an account exists"));
    assert_eq!(t.last_code("nobody@example.com"), None);
}

#[tokio::test]
async fn userinfo_answers_for_a_valid_access_token_only() {
    let t = TestServer::start().await;
    let tokens = t.sign_in("mallory@example.com", "Mallory").await;
    let (status, info) = t.userinfo(&tokens.access_token).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["email"], "mallory@example.com");
    assert_eq!(info["sub"], tokens.sub());
    assert_eq!(info["name"], "Mallory");
    assert_eq!(info["username"], tokens.sub());
    assert_eq!(info["email_verified"], "true", "a string, as Cognito sends it");
    // An ID token, a tampered token, and no token are refused.
    assert_eq!(t.userinfo(&tokens.id_token).await.0, StatusCode::UNAUTHORIZED);
    let mut parts: Vec<String> = tokens.access_token.split('.').map(str::to_owned).collect();
    let mut payload = claims(&tokens.access_token);
    payload["sub"] = Value::String(uuid::Uuid::new_v4().to_string());
    parts[1] = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        serde_json::to_vec(&payload).expect("json"),
    );
    assert_eq!(t.userinfo(&parts.join(".")).await.0, StatusCode::UNAUTHORIZED);
    let resp = t.http.get(t.at("/oauth2/userInfo")).send().await.expect("GET");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_app_redirect_uri_receives_the_code() {
    let t = TestServer::start().await;
    let pkce = Pkce::new();
    let state = random_string(8);
    let url = t.authorize_url(&authorize_params(
        &pkce,
        &state,
        &[("redirect_uri", "pq://auth/callback"), ("identity_provider", "Kakao")],
    ));
    // identity_provider skips the chooser and goes to the Kakao stand-in.
    let (status, _, location) = t.get_page(&url).await;
    assert_eq!(status, StatusCode::FOUND);
    let (status, page, _) = t.get_page(&t.at(&location.expect("to the stand-in"))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, location) =
        t.post_form(&html_form(&page, "/federated"), &[("email", "nina@example.com"), ("name", "")]).await;
    assert_eq!(status, StatusCode::FOUND);
    let location = location.expect("redirect");
    assert!(location.starts_with("pq://auth/callback?code="), "{location}");
    let q = query(&location);
    assert_eq!(param(&q, "state"), Some(state));
    let (status, body) = t
        .token_request(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", &param(&q, "code").expect("code")),
            ("redirect_uri", "pq://auth/callback"),
            ("code_verifier", &pkce.verifier),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let tokens = Tokens::from_json(&body);
    assert_eq!(tokens.id_claims()["name"], "nina", "a provider without a name gives the email's local part");
    assert!(tokens.id_claims().get("nonce").is_none(), "no nonce asked, none given");
}

#[tokio::test]
async fn a_sign_in_page_works_once() {
    let t = TestServer::start().await;
    let auth = t.begin().await;
    let href = crate::common::html_link(&auth.page, "Continue with Google").expect("button");
    let (_, page, _) = t.get_page(&t.at(&href)).await;
    let form = html_form(&page, "/federated");
    let (status, _, _) = t.post_form(&form, &[("email", "olivia@example.com"), ("name", "Olivia")]).await;
    assert_eq!(status, StatusCode::FOUND);
    let (status, page, location) = t.post_form(&form, &[("email", "olivia@example.com"), ("name", "Olivia")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(location, None);
    assert!(page.contains("expired"), "{page}");
}

#[tokio::test]
async fn tokens_survive_a_restart() {
    let t = TestServer::start().await;
    let tokens = t.sign_in("peggy@example.com", "Peggy").await;
    let kid = jwt_header(&tokens.access_token)["kid"].clone();
    let url = t.url.clone();
    let t = t.restart().await;
    assert_eq!(t.url, url, "same port, same issuer");
    let (status, info) = t.userinfo(&tokens.access_token).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["email"], "peggy@example.com");
    assert!(t.server.state.verifier().verify(&tokens.access_token).await.is_ok());
    let (status, body) = t.refresh(&tokens.refresh_token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(jwt_header(body["access_token"].as_str().expect("access"))["kid"], kid, "the same key");
    // The same person signing in again is the same account.
    assert_eq!(t.sign_in("peggy@example.com", "Peggy").await.sub(), tokens.sub());
}

#[tokio::test]
async fn logout_ends_the_browser_session() {
    let t = TestServer::start().await;
    // A client with a cookie jar, like a browser.
    let jar = CookieJar::default();
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let auth = t.begin().await;
    let rid = html_form(&auth.page, "/login").hidden[0].1.clone();
    let resp = browser
        .post(t.at("/federated"))
        .form(&[("rid", rid.as_str()), ("provider", "Google"), ("email", "quinn@example.com"), ("name", "Quinn")])
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), StatusCode::FOUND);
    jar.take(&resp);
    // The next sign-in offers to continue as Quinn, and doing so needs no form.
    let auth = t.begin().await; // (cookie-less: plain page)
    assert!(!auth.page.contains("Continue as"));
    let url = t.authorize_url(&authorize_params(&Pkce::new(), "s2", &[]));
    let page = browser.get(&url).header("cookie", jar.header()).send().await.expect("GET").text().await.expect("page");
    assert!(page.contains("Continue as Quinn"), "{page}");
    let rid = html_form(&page, "/continue").hidden[0].1.clone();
    let resp = browser
        .post(t.at("/continue"))
        .header("cookie", jar.header())
        .form(&[("rid", rid.as_str())])
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), StatusCode::FOUND);
    // Logout clears it and returns to the app.
    let resp = browser
        .get(t.at("/logout"))
        .query(&[("client_id", CLIENT_ID), ("logout_uri", "http://127.0.0.1:53682/signed-out")])
        .header("cookie", jar.header())
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), StatusCode::FOUND);
    assert_eq!(resp.headers()["location"], "http://127.0.0.1:53682/signed-out");
    let page = browser.get(&url).header("cookie", jar.header()).send().await.expect("GET").text().await.expect("page");
    assert!(!page.contains("Continue as"), "the old cookie no longer works");
    // A logout_uri that is not allowed shows a page instead of redirecting.
    let resp = browser
        .get(t.at("/logout"))
        .query(&[("client_id", CLIENT_ID), ("logout_uri", "https://evil.example.com/")])
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.headers().get("location").is_none());
}

/// The one cookie the provider sets, kept by hand (reqwest's cookie store
/// is a feature this crate does not enable).
#[derive(Default)]
struct CookieJar(std::sync::Mutex<String>);

impl CookieJar {
    fn take(&self, resp: &reqwest::Response) {
        let set = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).expect("a session cookie");
        *self.0.lock().expect("jar") = set.split(';').next().unwrap_or_default().to_owned();
    }

    fn header(&self) -> String {
        self.0.lock().expect("jar").clone()
    }
}

#[tokio::test]
async fn a_provider_run_on_a_network_warns_on_every_page_and_the_stand_ins_say_what_they_are() {
    let quiet = TestServer::start().await;
    let page = quiet.begin().await.page;
    assert!(!page.contains("reachable from the network"), "{page}");
    let link = pq_server::idp::devclient::html_link(&page, "Continue with Google").expect("a Google button");
    let (_, google, _) = quiet.get_page(&quiet.at(&link)).await;
    assert!(google.contains("This is not Google") && google.contains("nothing is checked"), "{google}");

    // Beside an external issuer the provider runs only with the flag, and then says so everywhere.
    let loud = TestServer::start_with(|a| {
        a.dev_idp_on_network = true;
        a.oidc_issuer = Some("https://issuer.example.com/pool".parse().unwrap());
    })
    .await;
    let page = loud.begin().await.page;
    assert!(page.contains("reachable from the network") && page.contains("--dev-idp-on-network"), "{page}");
    let (status, error_page, _) = loud.get_page(&loud.at("/login?rid=nope")).await;
    assert!(status.is_client_error() && error_page.contains("reachable from the network"), "{error_page}");
}
