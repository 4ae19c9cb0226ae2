//! Helpers shared by the API tests: the real server on an ephemeral port
//! with a temporary data directory ([`TestServer`]), and the person at the
//! browser who signs in through the development provider's pages
//! ([`TestServer::sign_in`] and friends).
#![allow(dead_code)]

use std::{path::PathBuf, time::Duration};

use base64::Engine as _;
use reqwest::StatusCode;
use serde_json::Value;

/// The OAuth client id the server accepts by default.
pub const CLIENT_ID: &str = "pq";
/// A loopback redirect URI (nothing listens there: tests read the
/// `Location` header of the redirect instead).
pub const REDIRECT_URI: &str = "http://127.0.0.1:53682/callback";
/// The scope tests ask for.
pub const SCOPE: &str = "openid email profile";

/// Tokens from `/oauth2/token`.
#[derive(Clone, Debug)]
pub struct Tokens {
    /// Access token (JWT; what pq-server's API and gateway take).
    pub access_token: String,
    /// ID token (JWT).
    pub id_token: String,
    /// Refresh token (opaque).
    pub refresh_token: String,
    /// Access token lifetime, in seconds.
    pub expires_in: u64,
}

impl Tokens {
    /// Reads a successful token response.
    pub fn from_json(v: &Value) -> Self {
        let s = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("no {k} in {v}")).to_owned();
        Tokens {
            access_token: s("access_token"),
            id_token: s("id_token"),
            refresh_token: s("refresh_token"),
            expires_in: v["expires_in"].as_u64().expect("expires_in"),
        }
    }

    /// The access token's claims.
    pub fn access_claims(&self) -> Value {
        claims(&self.access_token)
    }

    /// The ID token's claims.
    pub fn id_claims(&self) -> Value {
        claims(&self.id_token)
    }

    /// The `sub` of the ID token.
    pub fn sub(&self) -> String {
        self.id_claims()["sub"].as_str().expect("sub").to_owned()
    }
}

/// A JWT's payload, decoded without verifying anything.
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT has three parts");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON payload")
}

/// A JWT's header, decoded.
pub fn jwt_header(jwt: &str) -> Value {
    let header = jwt.split('.').next().expect("header");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).expect("base64url header");
    serde_json::from_slice(&bytes).expect("JSON header")
}

pub use pq_server::idp::devclient::{HtmlForm, Pkce, html_error, html_link, random_string};

/// The form on `html` that posts to `action` (the test fails without one).
pub fn html_form(html: &str, action: &str) -> HtmlForm {
    pq_server::idp::devclient::html_form(html, action)
        .unwrap_or_else(|| panic!("no form posting to {action} on this page:\n{html}"))
}

/// A started authorization: the sign-in page and what the client keeps.
#[derive(Clone, Debug)]
pub struct Authorization {
    /// The PKCE pair.
    pub pkce: Pkce,
    /// The `state` sent.
    pub state: String,
    /// The `nonce` sent.
    pub nonce: String,
    /// The sign-in page.
    pub page: String,
}

/// A real pq-server on an ephemeral loopback port with a temporary data
/// directory. Dropped: the server stops with the test's runtime; the
/// directory is deleted.
#[derive(Debug)]
pub struct TestServer {
    /// The running server.
    pub server: pq_server::RunningServer,
    /// Its base URL, e.g. `http://127.0.0.1:40123` (also the issuer).
    pub url: String,
    /// An HTTP client that does NOT follow redirects (tests read `Location`).
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
    args: pq_server::Args,
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("reqwest client")
}

fn init_logs() {
    // PQ_TEST_LOG=debug (tracing EnvFilter syntax) shows the server's logs.
    let filter = tracing_subscriber::EnvFilter::try_from_env("PQ_TEST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
}

impl TestServer {
    /// Starts a server with test defaults.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts a server with test defaults changed by `configure`.
    pub async fn start_with(configure: impl FnOnce(&mut pq_server::Args)) -> Self {
        init_logs();
        let dir = tempfile::tempdir().expect("temporary data directory");
        let mut args = pq_server::Args::for_tests(dir.path().to_owned());
        // Tests move time forward instead of waiting for it.
        args.clock = pq_server::clock::Clock::manual();
        configure(&mut args);
        let server = pq_server::start(args.clone()).await.expect("the server starts");
        // Keep the port for restarts: the issuer URL contains it.
        args.listen = server.addr;
        let url = server.public_url.clone();
        TestServer { server, url, http: client(), _dir: dir, args }
    }

    /// The server's clock: `ts.clock().advance(d)` makes `d` pass for the
    /// heartbeat, grace periods, resume window and tokens.
    pub fn clock(&self) -> &pq_server::clock::Clock {
        &self.args.clock
    }

    /// Stops the server and starts it again on the same data directory and
    /// port (so the issuer, and tokens issued before, stay valid). Retries the
    /// bind for a few seconds in case the port is still being released.
    pub async fn restart(self) -> Self {
        let TestServer { server, args, _dir, .. } = self;
        server.stop().await;
        let mut last_err = None;
        for _ in 0..50 {
            match pq_server::start(args.clone()).await {
                Ok(server) => {
                    let url = server.public_url.clone();
                    return TestServer { server, url, http: client(), _dir, args };
                }
                Err(e @ pq_server::StartError::Bind { .. }) => {
                    last_err = Some(e);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("the server does not restart: {e}"),
            }
        }
        panic!("the server cannot rebind its port: {last_err:?}");
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.server.data_dir.clone()
    }

    /// The development provider's mailbox file.
    pub fn mailbox(&self) -> PathBuf {
        self.server.mailbox.clone().expect("mail goes to a mailbox file")
    }

    /// The 6-digit code in the newest mail to `email`.
    pub fn last_code(&self, email: &str) -> Option<String> {
        let text = std::fs::read_to_string(self.mailbox()).ok()?;
        let to = format!("\nTo: {email}\n");
        text.split("==== mail ====\n")
            .filter(|m| format!("\n{m}").contains(&to))
            .last()?
            .split_once("\n\n")?
            .1
            .split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() == 6)
            .map(str::to_owned)
    }

    /// An absolute URL on the server.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// The `/oauth2/authorize` URL for the given parameters.
    pub fn authorize_url(&self, params: &[(&str, &str)]) -> String {
        let mut url = url::Url::parse(&self.at("/oauth2/authorize")).expect("url");
        url.query_pairs_mut().extend_pairs(params);
        url.into()
    }

    /// GETs a page: status, body, `Location`.
    pub async fn get_page(&self, url: &str) -> (StatusCode, String, Option<String>) {
        let resp = self.http.get(url).send().await.expect("GET");
        let location = location(&resp);
        (resp.status(), resp.text().await.expect("body"), location)
    }

    /// Posts `form` (hidden fields plus `fields`): status, body, `Location`.
    pub async fn post_form(&self, form: &HtmlForm, fields: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
        let mut all: Vec<(String, String)> = form.hidden.clone();
        all.extend(fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let resp = self.http.post(self.at(&form.action)).form(&all).send().await.expect("POST");
        let location = location(&resp);
        (resp.status(), resp.text().await.expect("body"), location)
    }

    /// Starts an authorization with the usual parameters and a fresh PKCE
    /// pair, state and nonce; returns the sign-in page.
    pub async fn begin(&self) -> Authorization {
        let (auth, url) = self.begin_at();
        let (status, page, _) = self.get_page(&url).await;
        assert_eq!(status, StatusCode::OK, "the sign-in page: {page}");
        Authorization { page, ..auth }
    }

    /// A fresh authorization (PKCE pair, state, nonce) and its URL, as an app
    /// would open it in the browser; the page is not loaded yet.
    pub fn begin_at(&self) -> (Authorization, String) {
        let (pkce, state, nonce) = (Pkce::new(), random_string(16), random_string(16));
        let url = self.authorize_url(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("state", &state),
            ("code_challenge", &pkce.challenge),
            ("code_challenge_method", "S256"),
            ("scope", SCOPE),
            ("nonce", &nonce),
        ]);
        (Authorization { pkce, state, nonce, page: String::new() }, url)
    }

    /// Checks a redirect to the app and returns the `code` (asserting the state).
    pub fn code_from(&self, location: Option<&str>, state: &str) -> String {
        let location = location.expect("a redirect to the app");
        assert!(location.starts_with(REDIRECT_URI), "redirected to {location}");
        let url = url::Url::parse(location).expect("redirect URL");
        let get = |k: &str| url.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
        assert_eq!(get("error"), None, "the provider answered with an error: {location}");
        assert_eq!(get("state").as_deref(), Some(state), "state comes back unchanged");
        get("code").expect("code")
    }

    /// Plays the person at the browser through a federated stand-in
    /// (`Google` or `Kakao`): returns the code and the authorization.
    pub async fn federated_code(&self, provider: &str, email: &str, name: &str) -> (String, Authorization) {
        let auth = self.begin_at();
        let location = pq_server::idp::devclient::complete_federated(&self.http, &auth.1, provider, email, name)
            .await
            .unwrap_or_else(|e| panic!("signing in with {provider}: {e}"));
        let code = self.code_from(Some(&location), &auth.0.state);
        (code, auth.0)
    }

    /// POSTs a form to `/oauth2/token`: status and JSON body.
    pub async fn token_request(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let resp = self.http.post(self.at("/oauth2/token")).form(form).send().await.expect("POST /oauth2/token");
        let status = resp.status();
        (status, resp.json().await.expect("JSON from /oauth2/token"))
    }

    /// Redeems a code with its verifier.
    pub async fn redeem(&self, code: &str, verifier: &str) -> (StatusCode, Value) {
        self.token_request(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", verifier),
        ])
        .await
    }

    /// Redeems a code, expecting tokens.
    pub async fn redeem_ok(&self, code: &str, verifier: &str) -> Tokens {
        let (status, body) = self.redeem(code, verifier).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        Tokens::from_json(&body)
    }

    /// Signs in through the Google stand-in.
    pub async fn sign_in(&self, email: &str, name: &str) -> Tokens {
        self.sign_in_with("Google", email, name).await
    }

    /// Signs in through the Kakao stand-in.
    pub async fn sign_in_kakao(&self, email: &str, name: &str) -> Tokens {
        self.sign_in_with("Kakao", email, name).await
    }

    /// Signs in through a federated stand-in (`Google` or `Kakao`).
    pub async fn sign_in_with(&self, provider: &str, email: &str, name: &str) -> Tokens {
        let (code, auth) = self.federated_code(provider, email, name).await;
        let tokens = self.redeem_ok(&code, &auth.pkce.verifier).await;
        assert_eq!(tokens.id_claims()["nonce"].as_str(), Some(auth.nonce.as_str()));
        tokens
    }

    /// Signs up with email and password, confirms with the mailed code, and
    /// returns the tokens of the sign-in that follows.
    pub async fn sign_up(&self, email: &str, name: &str, password: &str) -> Tokens {
        let auth = self.begin().await;
        let href = html_link(&auth.page, "Create an account").expect("a sign-up link");
        let (_, page, _) = self.get_page(&self.at(&href)).await;
        let form = html_form(&page, "/signup");
        let (status, page, _) =
            self.post_form(&form, &[("email", email), ("name", name), ("password", password)]).await;
        assert_eq!(status, StatusCode::OK, "sign-up: {page}");
        let code = self.last_code(email).expect("a mailed confirmation code");
        let form = html_form(&page, "/confirmUser");
        let (status, body, location) = self.post_form(&form, &[("code", &code)]).await;
        assert_eq!(status, StatusCode::FOUND, "confirmation: {body}");
        let code = self.code_from(location.as_deref(), &auth.state);
        self.redeem_ok(&code, &auth.pkce.verifier).await
    }

    /// Signs in with email and password: the tokens, or the page's status
    /// and error note.
    pub async fn sign_in_password(&self, email: &str, password: &str) -> Result<Tokens, (StatusCode, String)> {
        let auth = self.begin().await;
        let form = html_form(&auth.page, "/login");
        let (status, page, location) = self.post_form(&form, &[("email", email), ("password", password)]).await;
        if status != StatusCode::FOUND {
            return Err((status, html_error(&page).unwrap_or(page)));
        }
        let code = self.code_from(location.as_deref(), &auth.state);
        Ok(self.redeem_ok(&code, &auth.pkce.verifier).await)
    }

    /// Resets a password through "Forgot your password?" and the mailed code.
    pub async fn reset_password(&self, email: &str, new_password: &str) {
        let auth = self.begin().await;
        let href = html_link(&auth.page, "Forgot your password?").expect("a forgot-password link");
        let (_, page, _) = self.get_page(&self.at(&href)).await;
        let form = html_form(&page, "/forgotPassword");
        let (status, page, _) = self.post_form(&form, &[("email", email)]).await;
        assert_eq!(status, StatusCode::OK, "forgot password: {page}");
        let code = self.last_code(email).expect("a mailed reset code");
        let form = html_form(&page, "/confirmForgotPassword");
        let (status, page, _) = self.post_form(&form, &[("code", &code), ("password", new_password)]).await;
        assert_eq!(status, StatusCode::OK, "reset: {page}");
        assert!(page.contains("Your password is changed"), "{page}");
    }

    /// The refresh grant: status and JSON body.
    pub async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        self.token_request(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    /// Revokes a refresh token.
    pub async fn revoke(&self, refresh_token: &str) -> StatusCode {
        let resp = self
            .http
            .post(self.at("/oauth2/revoke"))
            .form(&[("token", refresh_token), ("client_id", CLIENT_ID)])
            .send()
            .await
            .expect("POST /oauth2/revoke");
        resp.status()
    }

    /// `GET /oauth2/userInfo` with an access token: status and JSON body.
    pub async fn userinfo(&self, access_token: &str) -> (StatusCode, Value) {
        let resp = self.http.get(self.at("/oauth2/userInfo")).bearer_auth(access_token).send().await.expect("userInfo");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

fn location(resp: &reqwest::Response) -> Option<String> {
    resp.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned)
}
