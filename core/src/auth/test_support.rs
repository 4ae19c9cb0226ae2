//! Test helpers: the real pq-server in this process, and the person at the
//! browser (the development provider's pages clicked through by
//! `pq_server::idp::devclient`).

use std::{path::Path, sync::Arc, time::Duration};

use tokio::sync::mpsc;
use url::Url;

use super::{AuthError, AuthManager, AuthOptions, Browser, KeychainBackend, TokenStore};

/// A pq-server on an ephemeral port with a temporary data directory.
pub(crate) struct TestServer {
    pub(crate) server: pq_server::RunningServer,
    pub(crate) url: Url,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts one, with `configure` changing the test defaults.
    pub(crate) async fn start_with(configure: impl FnOnce(&mut pq_server::Args)) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut args = pq_server::Args::for_tests(dir.path().to_owned());
        configure(&mut args);
        let server = pq_server::start(args).await.expect("the server starts");
        let url = Url::parse(&server.public_url).expect("the server's URL");
        Self { server, url, _dir: dir }
    }

    /// Starts one with the test defaults.
    pub(crate) async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// The data directory.
    #[allow(dead_code)]
    pub(crate) fn dir(&self) -> &Path {
        self._dir.path()
    }

    /// POSTs a form to the provider: status and JSON body.
    pub(crate) async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
        let resp = reqwest::Client::new()
            .post(self.url.join(path).expect("url"))
            .form(form)
            .send()
            .await
            .expect("POST to the provider");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Whether the provider still accepts `refresh_token`.
    pub(crate) async fn refresh_works(&self, refresh_token: &str) -> bool {
        let (status, body) = self
            .post_form(
                "/oauth2/token",
                &[("grant_type", "refresh_token"), ("client_id", "pq"), ("refresh_token", refresh_token)],
            )
            .await;
        match status {
            200 => true,
            400 if body["error"] == "invalid_grant" => false,
            other => panic!("unexpected answer from the token endpoint: {other} {body}"),
        }
    }
}

/// What the person's browser saw at the end of a sign-in.
#[derive(Debug)]
pub(crate) struct Visit {
    /// Where the provider sent the browser (the redirect URI with the answer).
    pub(crate) location: String,
    /// For an `http` location: the status and page the loopback listener
    /// answered with.
    pub(crate) page: Option<(u16, String)>,
}

type Rewrite = Arc<dyn Fn(String) -> String + Send + Sync>;

/// The person at the browser: signs in through the Google stand-in and, for
/// a loopback redirect, lets the browser follow it. Each visit is reported
/// on the channel from [`Person::new`].
pub(crate) struct Person {
    email: String,
    name: String,
    rewrite: Option<Rewrite>,
    tx: mpsc::UnboundedSender<Result<Visit, String>>,
}

impl Person {
    pub(crate) fn new(email: &str, name: &str) -> (Self, mpsc::UnboundedReceiver<Result<Visit, String>>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self { email: email.into(), name: name.into(), rewrite: None, tx }, rx)
    }

    /// Changes the redirect location before the browser follows it.
    pub(crate) fn rewriting(mut self, f: impl Fn(String) -> String + Send + Sync + 'static) -> Self {
        self.rewrite = Some(Arc::new(f));
        self
    }
}

impl Browser for Person {
    fn open(&self, url: &str) -> Result<(), AuthError> {
        let (url, email, name, rewrite, tx) =
            (url.to_owned(), self.email.clone(), self.name.clone(), self.rewrite.clone(), self.tx.clone());
        // The sign-in is waiting inside this call's task: the browser works on
        // its own task.
        tokio::spawn(async move {
            let result = async {
                let http = pq_server::idp::devclient::browser();
                let location = pq_server::idp::devclient::complete_federated(&http, &url, "Google", &email, &name)
                    .await
                    .map_err(|e| e.to_string())?;
                let location = match &rewrite {
                    Some(f) => f(location),
                    None => location,
                };
                let page = if location.starts_with("http") {
                    let resp = http.get(&location).send().await.map_err(|e| e.to_string())?;
                    let status = resp.status().as_u16();
                    Some((status, resp.text().await.map_err(|e| e.to_string())?))
                } else {
                    None
                };
                Ok(Visit { location, page })
            }
            .await;
            let _ = tx.send(result);
        });
        Ok(())
    }
}

/// A manager for `server` with a fresh mock keychain, `browser`, and the
/// options changed by `configure`.
pub(crate) fn manager(
    server: &TestServer,
    browser: Arc<dyn Browser>,
    configure: impl FnOnce(AuthOptions) -> AuthOptions,
) -> (AuthManager, TokenStore) {
    let store = TokenStore::open(KeychainBackend::Mock).expect("the mock keychain");
    let options =
        configure(AuthOptions::new(server.url.clone()).browser(browser).sign_in_timeout(Duration::from_secs(30)));
    (AuthManager::new(options, store.clone()), store)
}

/// Signs in as `email` through the loopback redirect; the manager and its keychain.
pub(crate) async fn signed_in(
    server: &TestServer,
    email: &str,
    configure: impl FnOnce(AuthOptions) -> AuthOptions,
) -> (AuthManager, TokenStore) {
    let (person, _visits) = Person::new(email, "Tester");
    let (manager, store) = manager(server, Arc::new(person), configure);
    manager.sign_in().await.expect("signed in");
    (manager, store)
}
