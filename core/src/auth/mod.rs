//! Sign-in: OAuth 2.0 for native apps (RFC 8252) with OpenID Connect, in the
//! person's own browser, against the issuer the pq server names (its
//! development provider, or an Amazon Cognito user pool).
//!
//! # Parts
//!
//! - [`oidc`]: discovery, the authorization request (PKCE S256, `state`,
//!   `nonce`), code exchange, ID token validation, refresh, revocation,
//!   the logout URL.
//! - [`loopback`]: the `http://127.0.0.1:PORT/callback` listener the browser
//!   returns to (the `pq` command line).
//! - [`browser`]: how the authorization URL is opened ([`SystemBrowser`], or
//!   any closure).
//! - [`keychain`]: the tokens, in the OS keychain only.
//! - [`AuthManager`]: all of it behind one handle: sign in, hand out a valid
//!   access token, renew it (once for all waiters), sign out.
//!
//! # Lifecycle
//!
//! 1. [`AuthManager::open`] loads the saved session from the keychain. No
//!    network: pq starts offline, and the first request that needs a fresh
//!    access token renews it.
//! 2. Signing in: [`AuthManager::sign_in`] (loopback redirect) or
//!    [`AuthManager::sign_in_with_deep_link`] (the desktop app's
//!    `pq://auth/callback`, delivered by the shell through
//!    [`AuthManager::complete_with_callback`]). Either opens the browser,
//!    waits for the answer (with a deadline, cancellable), checks it, redeems
//!    the code, validates the ID token, saves the tokens, and returns the
//!    [`Account`].
//! 3. [`AuthManager::access_token`] returns the access token, renewing it
//!    first when it expires within the refresh margin (60 s). A request
//!    refused with 401 calls [`AuthManager::after_unauthorized`] with the
//!    token it used: one renewal is shared by every caller waiting at the
//!    same time, and a caller whose token was already replaced just gets
//!    the new one.
//! 4. [`AuthManager::sign_out`] forgets the session, revokes the refresh
//!    token at the provider, and deletes it from the keychain.
//!
//! The manager emits nothing by itself; [`AuthManager::subscribe`] gives a
//! `watch` of its [`AuthState`]. It never logs a token.

pub mod browser;
mod error;
pub(crate) mod http;
pub mod keychain;
pub mod loopback;
pub mod oidc;

use std::{
    fmt,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use tokio::sync::{oneshot, watch};
use url::Url;

pub use browser::{Browser, SystemBrowser};
pub use error::AuthError;
pub use keychain::{Account, KeychainBackend, TokenStore, Tokens};
pub use loopback::LoopbackConfig;
pub use oidc::{APP_REDIRECT_URI, Callback, Provider};

use loopback::LoopbackListener;
use oidc::now_secs;

/// How long a sign-in waits for the browser by default. Long enough to
/// create an account and type a mailed code.
pub const DEFAULT_SIGN_IN_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// Renew an access token that expires within this long.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Where the session stands.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthState {
    /// No session.
    SignedOut,
    /// Signed in (the access token may need renewing; that happens when it
    /// is next needed).
    SignedIn(Account),
    /// The session ended on its own (the refresh token expired or was
    /// revoked): sign in again. The account is who was signed in.
    Expired(Account),
}

/// How an [`AuthManager`] signs in: built with [`AuthOptions::new`] and
/// the setters.
#[derive(Clone)]
pub struct AuthOptions {
    server_url: Url,
    loopback: LoopbackConfig,
    deep_link_redirect_uri: String,
    logout_redirect_uri: Option<String>,
    sign_in_timeout: Duration,
    refresh_margin: Duration,
    browser: Arc<dyn Browser>,
    http: Option<reqwest::Client>,
}

impl fmt::Debug for AuthOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthOptions")
            .field("server_url", &self.server_url.as_str())
            .field("loopback", &self.loopback)
            .field("deep_link_redirect_uri", &self.deep_link_redirect_uri)
            .field("logout_redirect_uri", &self.logout_redirect_uri)
            .field("sign_in_timeout", &self.sign_in_timeout)
            .field("refresh_margin", &self.refresh_margin)
            .finish_non_exhaustive()
    }
}

impl AuthOptions {
    /// Signing in to the pq server at `server_url`, with the defaults: the
    /// system browser, loopback on `127.0.0.1` with any free port, deep link
    /// [`APP_REDIRECT_URI`], [`DEFAULT_SIGN_IN_TIMEOUT`],
    /// [`DEFAULT_REFRESH_MARGIN`].
    #[must_use]
    pub fn new(server_url: Url) -> Self {
        Self {
            server_url,
            loopback: LoopbackConfig::default(),
            deep_link_redirect_uri: APP_REDIRECT_URI.to_owned(),
            logout_redirect_uri: None,
            sign_in_timeout: DEFAULT_SIGN_IN_TIMEOUT,
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            browser: Arc::new(SystemBrowser),
            http: None,
        }
    }

    /// Where the loopback listener listens (a fixed, registered port for a
    /// real Cognito pool: [`LoopbackConfig::fixed`]).
    #[must_use]
    pub fn loopback(mut self, loopback: LoopbackConfig) -> Self {
        self.loopback = loopback;
        self
    }

    /// The desktop app's redirect URI (default [`APP_REDIRECT_URI`]).
    #[must_use]
    pub fn deep_link_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.deep_link_redirect_uri = uri.into();
        self
    }

    /// Where the provider's logout page returns the browser to
    /// ([`SignedOut::logout_url`]). A real Cognito pool requires one, and
    /// only accepts the sign-out URLs registered with the app client; the
    /// development provider shows a "signed out" page without it.
    #[must_use]
    pub fn logout_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.logout_redirect_uri = Some(uri.into());
        self
    }

    /// How long a sign-in waits for the browser.
    #[must_use]
    pub fn sign_in_timeout(mut self, timeout: Duration) -> Self {
        self.sign_in_timeout = timeout;
        self
    }

    /// Renew access tokens that expire within this long.
    #[must_use]
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Who opens the authorization URL (default [`SystemBrowser`]).
    #[must_use]
    pub fn browser(mut self, browser: Arc<dyn Browser>) -> Self {
        self.browser = browser;
        self
    }

    /// The HTTP client for the pq server and the identity provider. It must
    /// not follow redirects. Default: one with 10 s connect and 30 s request
    /// timeouts.
    #[must_use]
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }
}

/// The default HTTP client: no redirects, bounded waits.
fn default_http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("pq/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot build the configured HTTP client; using reqwest's defaults");
            reqwest::Client::new()
        })
}

/// What [`AuthManager::sign_out`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedOut {
    /// Whether the provider confirmed the refresh token's revocation (not
    /// when offline: the token then stays valid at the provider until it
    /// expires, but pq no longer has it).
    pub revoked: bool,
    /// An address that also ends the browser's session at the provider, so
    /// the next sign-in asks who you are; open it in the browser if wanted.
    pub logout_url: Option<String>,
}

/// The sign-in currently waiting (at most one).
struct Pending {
    /// Which sign-in.
    id: u64,
    /// For deep-link sign-ins: the redirect URI the answer must be addressed
    /// to. `None` for a loopback sign-in (its answer comes through the
    /// listener).
    deep_link: Option<String>,
    /// The `state` the answer must carry: a link without it is refused
    /// before it can use up the waiting sign-in.
    state: String,
    /// Delivers a deep link's answer; dropping it cancels the sign-in.
    tx: oneshot::Sender<Callback>,
}

/// The shared state behind every clone of an [`AuthManager`].
struct Inner {
    options: AuthOptions,
    http: reqwest::Client,
    store: TokenStore,
    /// The discovered provider, once needed.
    provider: tokio::sync::Mutex<Option<Arc<Provider>>>,
    /// The session. A std mutex: held for copies only, never across awaits.
    session: Mutex<Option<Tokens>>,
    /// Held while renewing or signing out: one renewal at a time.
    refresh_lock: tokio::sync::Mutex<()>,
    /// The sign-in waiting for its answer.
    pending: Mutex<Option<Pending>>,
    next_sign_in: AtomicU64,
    /// Refresh grants made (diagnostics, tests).
    refreshes: AtomicU64,
    state: watch::Sender<AuthState>,
}

/// Signs in, keeps the session's tokens, renews them. Cheap to clone; the
/// clones share everything.
#[derive(Clone)]
pub struct AuthManager {
    inner: Arc<Inner>,
}

impl fmt::Debug for AuthManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthManager")
            .field("server_url", &self.inner.options.server_url.as_str())
            .field("state", &*self.inner.state.borrow())
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}

/// Which redirect a sign-in uses.
#[derive(Clone, Copy)]
enum Redirect {
    Loopback,
    DeepLink,
}

impl AuthManager {
    /// A signed-out manager; reads nothing yet (see [`AuthManager::load`]).
    #[must_use]
    pub fn new(options: AuthOptions, store: TokenStore) -> Self {
        let http = options.http.clone().unwrap_or_else(default_http);
        let (state, _) = watch::channel(AuthState::SignedOut);
        Self {
            inner: Arc::new(Inner {
                options,
                http,
                store,
                provider: tokio::sync::Mutex::new(None),
                session: Mutex::new(None),
                refresh_lock: tokio::sync::Mutex::new(()),
                pending: Mutex::new(None),
                next_sign_in: AtomicU64::new(1),
                refreshes: AtomicU64::new(0),
                state,
            }),
        }
    }

    /// A manager with the session saved in `store` for this server, if any.
    /// Touches no network.
    ///
    /// # Errors
    /// [`AuthError::Keychain`] when the keychain cannot be read (locked);
    /// [`AuthManager::new`] then gives a signed-out manager to start with.
    pub async fn open(options: AuthOptions, store: TokenStore) -> Result<Self, AuthError> {
        let manager = Self::new(options, store);
        manager.load().await?;
        Ok(manager)
    }

    /// Loads the session saved for this server from the keychain, replacing
    /// the one in memory. Touches no network.
    ///
    /// # Errors
    /// [`AuthError::Keychain`] when the keychain cannot be read.
    pub async fn load(&self) -> Result<Option<Account>, AuthError> {
        let (store, server) = (self.inner.store.clone(), self.inner.options.server_url.clone());
        let tokens = blocking(move || store.load(&server)).await?;
        let account = tokens.as_ref().map(|t| t.account.clone());
        let _turn = self.inner.refresh_lock.lock().await;
        *self.session() = tokens;
        self.inner.state.send_replace(account.clone().map_or(AuthState::SignedOut, AuthState::SignedIn));
        Ok(account)
    }

    /// The pq server this manager signs in to.
    #[must_use]
    pub fn server_url(&self) -> &Url {
        &self.inner.options.server_url
    }

    /// The HTTP client it uses (no redirects), for sharing with the REST
    /// client.
    #[must_use]
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// Who is signed in, if anyone.
    #[must_use]
    pub fn account(&self) -> Option<Account> {
        self.session().as_ref().map(|t| t.account.clone())
    }

    /// The current state.
    #[must_use]
    pub fn state(&self) -> AuthState {
        self.inner.state.borrow().clone()
    }

    /// Watches the state.
    #[must_use]
    pub fn subscribe(&self) -> watch::Receiver<AuthState> {
        self.inner.state.subscribe()
    }

    /// How many refresh grants this manager has made.
    #[must_use]
    pub fn refresh_count(&self) -> u64 {
        self.inner.refreshes.load(Ordering::Relaxed)
    }

    /// The identity provider, discovered on first use (through the pq
    /// server's `/api/auth/config`) and kept.
    ///
    /// # Errors
    /// See [`Provider::from_server`].
    pub async fn provider(&self) -> Result<Arc<Provider>, AuthError> {
        let mut slot = self.inner.provider.lock().await;
        if let Some(p) = &*slot {
            return Ok(Arc::clone(p));
        }
        let provider = Arc::new(Provider::from_server(self.inner.http.clone(), &self.inner.options.server_url).await?);
        tracing::debug!(issuer = provider.issuer(), "discovered the identity provider");
        *slot = Some(Arc::clone(&provider));
        Ok(provider)
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Option<Tokens>> {
        self.inner.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Option<Pending>> {
        self.inner.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    // ------------------------------------------------------------- sign-in

    /// Signs in through the browser with the loopback redirect (the `pq`
    /// command line, headless use, tests).
    ///
    /// # Errors
    /// [`AuthError::SignInCancelled`], [`AuthError::SignInTimedOut`],
    /// [`AuthError::StateMismatch`], [`AuthError::ProviderRefused`],
    /// [`AuthError::Browser`], [`AuthError::Loopback`],
    /// [`AuthError::Network`] and the other failures of [`Provider::finish`].
    pub async fn sign_in(&self) -> Result<Account, AuthError> {
        self.sign_in_via(Redirect::Loopback, None).await
    }

    /// [`AuthManager::sign_in`] going straight to one identity provider of
    /// the user pool (Cognito's `identity_provider`, e.g. `Google`, `Kakao`).
    ///
    /// # Errors
    /// As [`AuthManager::sign_in`].
    pub async fn sign_in_with_provider(&self, identity_provider: &str) -> Result<Account, AuthError> {
        self.sign_in_via(Redirect::Loopback, Some(identity_provider)).await
    }

    /// Signs in through the browser with the desktop app's deep link
    /// ([`APP_REDIRECT_URI`]): opens the browser, then waits until the shell
    /// hands the link the OS delivered to [`AuthManager::complete_with_callback`].
    /// `identity_provider` as in [`AuthManager::sign_in_with_provider`].
    ///
    /// # Errors
    /// As [`AuthManager::sign_in`].
    pub async fn sign_in_with_deep_link(&self, identity_provider: Option<&str>) -> Result<Account, AuthError> {
        self.sign_in_via(Redirect::DeepLink, identity_provider).await
    }

    /// Hands the deep link the OS delivered (`pq://auth/callback?code=…&state=…`)
    /// to the waiting [`AuthManager::sign_in_with_deep_link`], which checks
    /// it and finishes; its result is the sign-in's outcome. Returns at once.
    ///
    /// # Errors
    /// [`AuthError::InvalidCallback`] when `url` is not addressed to the
    /// redirect URI, [`AuthError::StateMismatch`] when it does not carry
    /// this sign-in's `state` (both leave the sign-in waiting);
    /// [`AuthError::NoSignInPending`] when no deep-link sign-in waits (pq
    /// restarted since it began, or the link is old): start again.
    pub fn complete_with_callback(&self, url: &str) -> Result<(), AuthError> {
        let mut pending = self.pending();
        let Some(redirect_uri) = pending.as_ref().and_then(|p| p.deep_link.clone()) else {
            return Err(AuthError::NoSignInPending);
        };
        let callback = Callback::from_redirect(url, &redirect_uri)?;
        // A forged or stale link (another sign-in's state, or none) is
        // refused here and the real answer can still arrive.
        let expected = pending.as_ref().map(|p| p.state.as_str()).unwrap_or_default();
        if !callback.state.as_deref().is_some_and(|s| oidc::same_secret(s, expected)) {
            return Err(AuthError::StateMismatch);
        }
        let waiting = pending.take().ok_or(AuthError::NoSignInPending)?;
        waiting.tx.send(callback).map_err(|_| AuthError::NoSignInPending)
    }

    /// Cancels the sign-in waiting for the browser, if any (it returns
    /// [`AuthError::SignInCancelled`]). Returns whether one was waiting.
    pub fn cancel_sign_in(&self) -> bool {
        self.pending().take().is_some()
    }

    async fn sign_in_via(&self, redirect: Redirect, identity_provider: Option<&str>) -> Result<Account, AuthError> {
        let provider = self.provider().await?;
        let mut listener = match redirect {
            Redirect::Loopback => Some(LoopbackListener::bind(&self.inner.options.loopback).await?),
            Redirect::DeepLink => None,
        };
        let redirect_uri = match &listener {
            Some(l) => l.redirect_uri().to_owned(),
            None => self.inner.options.deep_link_redirect_uri.clone(),
        };
        let pending = provider.begin(&redirect_uri, identity_provider)?;
        let (tx, mut rx) = oneshot::channel();
        let id = self.inner.next_sign_in.fetch_add(1, Ordering::Relaxed);
        let deep_link = listener.is_none().then(|| redirect_uri.clone());
        // A newer sign-in replaces (and so cancels) an older one.
        let state = pending.state_secret().to_owned();
        *self.pending() = Some(Pending { id, deep_link, state, tx });
        let _clear = ClearPending { manager: self, id };
        tracing::info!(redirect_uri = %redirect_uri, "signing in: opening the browser");
        self.inner.options.browser.open(pending.authorize_url())?;

        let timeout = self.inner.options.sign_in_timeout;
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let timed_out = AuthError::SignInTimedOut { waited: timeout };
        let result = match &mut listener {
            Some(listener) => {
                tokio::select! {
                    (callback, reply) = listener.next_callback() => {
                        let result = self.finish_sign_in(&provider, pending, &callback).await;
                        match &result {
                            Ok(_) => reply.finished().await,
                            Err(e) => reply.failed(e).await,
                        }
                        result
                    }
                    _ = &mut rx => Err(AuthError::SignInCancelled),
                    () = &mut deadline => Err(timed_out),
                }
            }
            None => {
                tokio::select! {
                    delivery = &mut rx => match delivery {
                        Ok(callback) => self.finish_sign_in(&provider, pending, &callback).await,
                        Err(_) => Err(AuthError::SignInCancelled),
                    },
                    () = &mut deadline => Err(timed_out),
                }
            }
        };
        if let Err(e) = &result {
            tracing::info!(error = %e, "sign-in did not finish");
        }
        result
    }

    /// Redeems the answer and installs the session.
    async fn finish_sign_in(
        &self,
        provider: &Provider,
        pending: oidc::PendingSignIn,
        callback: &Callback,
    ) -> Result<Account, AuthError> {
        let tokens = provider.finish(pending, callback).await?;
        let account = tokens.account.clone();
        {
            let _refreshing = self.inner.refresh_lock.lock().await;
            *self.session() = Some(tokens.clone());
        }
        self.save(tokens).await;
        self.inner.state.send_replace(AuthState::SignedIn(account.clone()));
        tracing::info!(sub = %account.sub, "signed in");
        Ok(account)
    }

    /// Saves the session in the keychain. A keychain that refuses leaves the
    /// session working for this run only (logged).
    async fn save(&self, tokens: Tokens) {
        let (store, server) = (self.inner.store.clone(), self.inner.options.server_url.clone());
        if let Err(e) = blocking(move || store.save(&server, &tokens)).await {
            tracing::warn!(error = %e, "cannot save the session in the keychain; it lasts until pq quits");
        }
    }

    // ------------------------------------------------------- access tokens

    /// A valid access token, renewed first when it expires within the
    /// refresh margin. Concurrent callers share one renewal.
    ///
    /// # Errors
    /// [`AuthError::NotSignedIn`]; [`AuthError::Expired`] (sign in again);
    /// [`AuthError::Network`] when a renewal is needed and the provider
    /// cannot be reached (see [`AuthError::is_unreachable`]).
    pub async fn access_token(&self) -> Result<String, AuthError> {
        let seen = self.current()?;
        let margin = self.inner.options.refresh_margin.as_secs();
        match seen.access_token {
            Some(token) if seen.expires_at > now_secs().saturating_add(margin) => Ok(token),
            stale => self.renew_after(stale.as_deref()).await,
        }
    }

    /// After the server refused `bad_token` (401): renews the session once
    /// for every caller refused with the same token, and returns the new
    /// access token. A caller whose token was already replaced gets the
    /// current one without another renewal.
    ///
    /// # Errors
    /// As [`AuthManager::access_token`].
    pub async fn after_unauthorized(&self, bad_token: &str) -> Result<String, AuthError> {
        self.renew_after(Some(bad_token)).await
    }

    /// The session, or why there is none.
    fn current(&self) -> Result<Tokens, AuthError> {
        self.session().clone().ok_or_else(|| match &*self.inner.state.borrow() {
            AuthState::Expired(_) => AuthError::Expired,
            _ => AuthError::NotSignedIn,
        })
    }

    /// Renews the session unless someone replaced the access token `seen`
    /// while this caller waited for its turn.
    async fn renew_after(&self, seen: Option<&str>) -> Result<String, AuthError> {
        let _turn = self.inner.refresh_lock.lock().await;
        let current = self.current()?;
        if let Some(token) = &current.access_token
            && Some(token.as_str()) != seen
        {
            return Ok(token.clone());
        }
        let provider = self.provider().await?;
        self.inner.refreshes.fetch_add(1, Ordering::Relaxed);
        tracing::debug!("renewing the access token");
        match provider.refresh(&current).await {
            Ok(renewed) => {
                let token = renewed.access_token.clone().unwrap_or_default();
                *self.session() = Some(renewed.clone());
                self.save(renewed).await;
                Ok(token)
            }
            Err(AuthError::Expired) => {
                tracing::info!("the session can no longer be renewed; sign in again");
                *self.session() = None;
                self.delete_saved().await;
                self.inner.state.send_replace(AuthState::Expired(current.account));
                Err(AuthError::Expired)
            }
            Err(e) => Err(e),
        }
    }

    async fn delete_saved(&self) -> Option<AuthError> {
        let (store, server) = (self.inner.store.clone(), self.inner.options.server_url.clone());
        let result = blocking(move || store.delete(&server)).await;
        if let Err(e) = &result {
            tracing::warn!(error = %e, "cannot delete the session from the keychain");
        }
        result.err()
    }

    // ------------------------------------------------------------ sign-out

    /// Signs out: forgets the session, revokes its refresh token at the
    /// provider (when reachable), and deletes it from the keychain.
    ///
    /// # Errors
    /// [`AuthError::Keychain`] when the keychain entry cannot be deleted
    /// (the session is forgotten in memory anyway; unlock the keychain and
    /// sign out again).
    pub async fn sign_out(&self) -> Result<SignedOut, AuthError> {
        let tokens = {
            let _turn = self.inner.refresh_lock.lock().await;
            self.session().take()
        };
        self.inner.state.send_replace(AuthState::SignedOut);
        let provider = match self.provider().await {
            Ok(p) => Some(p),
            Err(e) => {
                tracing::info!(error = %e, "signing out without reaching the provider");
                None
            }
        };
        let mut revoked = false;
        if let (Some(provider), Some(refresh_token)) =
            (&provider, tokens.as_ref().and_then(|t| t.refresh_token.as_deref()))
        {
            match provider.revoke(refresh_token).await {
                Ok(()) => revoked = true,
                Err(e) => tracing::warn!(error = %e, "the provider did not confirm the sign-out"),
            }
        }
        if let Some(e) = self.delete_saved().await {
            return Err(e);
        }
        tracing::info!(revoked, "signed out");
        let logout_uri = self.inner.options.logout_redirect_uri.as_deref();
        Ok(SignedOut { revoked, logout_url: provider.map(|p| p.logout_url(logout_uri).to_string()) })
    }

    /// Test hook: changes the session in memory only.
    #[cfg(test)]
    pub(crate) fn tamper(&self, f: impl FnOnce(&mut Tokens)) {
        if let Some(t) = &mut *self.session() {
            f(t);
        }
    }
}

/// Clears the pending sign-in when the sign-in ends, unless a newer one
/// took its place.
struct ClearPending<'a> {
    manager: &'a AuthManager,
    id: u64,
}

impl Drop for ClearPending<'_> {
    fn drop(&mut self) {
        let mut pending = self.manager.pending();
        if pending.as_ref().is_some_and(|p| p.id == self.id) {
            *pending = None;
        }
    }
}

/// Runs a keychain call off the async threads (it may block on D-Bus or a
/// password prompt).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AuthError> + Send + 'static,
) -> Result<T, AuthError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(AuthError::KeychainUnavailable { reason: format!("the keychain call failed: {e}") }))
}

#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;
