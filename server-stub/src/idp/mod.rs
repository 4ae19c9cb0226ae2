//! The development identity provider, shaped like an Amazon Cognito user
//! pool's hosted UI, so that pq signs in locally exactly the way it signs in
//! against a real pool.
//!
//! - OpenID Connect discovery and JWKS; one RSA-2048 key, created once and
//!   kept in the database ([`keys`]).
//! - `/oauth2/authorize` with PKCE S256 required, redirect URIs limited to
//!   loopback (`http://127.0.0.1:{any port}/…`, `http://localhost:…`,
//!   `http://[::1]:…`, RFC 8252) and `pq://auth/callback`; `/oauth2/token`
//!   (authorization code and refresh token grants), `/oauth2/userInfo`,
//!   `/oauth2/revoke`, `/logout` ([`oauth`]).
//! - A small sign-in page ([`pages`], [`ui`]): "Continue with Google" and
//!   "Continue with Kakao" (local stand-ins that ask for an email and name),
//!   email + password sign-in, sign-up confirmed by a mailed 6-digit code,
//!   password reset.
//! - One account per email whichever way the person comes in, with a
//!   stable UUID `sub` ([`accounts`]); the configured admin emails are in
//!   group `admin`.
//! - Cognito-shaped tokens: access tokens with `client_id`, `token_use`,
//!   `username` and no `aud`; ID tokens with `aud`, `cognito:username`,
//!   `identities`; `cognito:groups` absent when the person is in no group.
//! - Mail by SMTP or into a mailbox file ([`mail`]).
//!
//! Everything lives in its own SQLite file (`idp.sqlite3`, `migrations-idp/`);
//! codes, tokens and session cookies are stored only as SHA-256 hashes.

mod accounts;
pub mod devclient;
mod keys;
pub mod limits;
pub mod mail;
mod oauth;
pub(crate) mod pages;
pub mod revocation;
mod ui;

use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

pub use accounts::argon2_runs;
pub use mail::{Mail, MailError, Mailer};

use crate::{config::Config, db::Db};

/// What the provider knows about an account (its `/oauth2/userInfo`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    /// Subject (stable account id at the provider).
    pub sub: String,
    /// Verified email.
    pub email: Option<String>,
    /// Whether the email is verified.
    pub email_verified: bool,
    /// Full name.
    pub name: Option<String>,
    /// Picture URL.
    pub picture: Option<String>,
    /// Cognito groups (`admin` marks administrators).
    pub groups: Vec<String>,
}

/// Why the provider cannot start, or an internal failure inside it.
#[derive(Debug, thiserror::Error)]
pub enum IdpError {
    /// Database failure.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// The signing key cannot be created, loaded or used.
    #[error("signing key: {0}")]
    Key(String),
    /// Mail cannot be set up or sent.
    #[error(transparent)]
    Mail(#[from] MailError),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

/// Lifetime of an authorization code.
const CODE_TTL: Duration = Duration::from_secs(5 * 60);
/// Lifetime of a refresh token (Cognito's default).
const REFRESH_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
/// How long a sign-in page stays usable.
const REQUEST_TTL: Duration = Duration::from_secs(60 * 60);
/// Lifetime of the browser session (Cognito's hosted UI keeps one hour).
const SESSION_TTL: Duration = Duration::from_secs(60 * 60);
/// Largest form body accepted.
const MAX_FORM_BYTES: usize = 16 * 1024;

/// The development provider.
#[derive(Debug)]
pub struct Idp {
    db: Db,
    /// `iss` of its tokens: the server's public URL.
    issuer: String,
    /// Accepted OAuth client ids.
    client_ids: Vec<String>,
    /// Emails in group `admin` (lowercase).
    admins: Vec<String>,
    /// Access and ID token lifetime.
    access_ttl: Duration,
    /// What `iat` and `exp` count from (tests move it).
    clock: crate::clock::Clock,
    /// Whether the session cookie gets `Secure` (public URL is https).
    secure_cookies: bool,
    key: keys::SigningKey,
    mailer: Mailer,
    /// Reachable from other machines (`--dev-idp-on-network`): every page
    /// carries a warning.
    exposed: bool,
    /// Revoked sign-ins whose access tokens may still be alive.
    pub revocations: revocation::Revocations,
    /// Abuse limits.
    pub limits: limits::IdpLimits,
}

impl Idp {
    /// Starts the provider: loads or creates its signing key, sets up mail.
    ///
    /// # Errors
    /// See [`IdpError`].
    pub async fn new(db: Db, config: &Config) -> Result<Arc<Self>, IdpError> {
        let key = keys::SigningKey::load_or_create(&db).await?;
        let mailer = Mailer::new(
            config.smtp_url.as_ref().map(crate::config::Secret::expose),
            &config.mail_from,
            &config.data_dir,
        )?;
        match mailer.mailbox_path() {
            Some(path) => tracing::info!(
                mailbox = %path.display(),
                "development sign-in provider: mail (sign-up and reset codes) goes to this file"
            ),
            None => tracing::info!("development sign-in provider: mail goes out by SMTP"),
        }
        if config.dev_idp_exposed {
            tracing::warn!(
                public_url = %config.public_url,
                "DEVELOPMENT SIGN-IN PROVIDER ON A NETWORK (--dev-idp-on-network): anyone who reaches this server \
                 can sign in as any email through its Google and Kakao stand-ins. Never run it like this with people's data."
            );
        }
        let revocations = revocation::Revocations::load(&db, config.dev_access_token_ttl).await?;
        Ok(Arc::new(Self {
            limits: limits::IdpLimits::new(config.limits.auth_per_min),
            revocations,
            exposed: config.dev_idp_exposed,
            db,
            issuer: config.dev_issuer(),
            client_ids: config.client_ids.clone(),
            admins: config.dev_admins.clone(),
            access_ttl: config.dev_access_token_ttl,
            clock: config.clock.clone(),
            secure_cookies: config.public_url.starts_with("https://"),
            key,
            mailer,
        }))
    }

    /// The public keys tokens are signed with.
    #[must_use]
    pub fn jwks(&self) -> jsonwebtoken::jwk::JwkSet {
        jsonwebtoken::jwk::JwkSet { keys: vec![self.key.jwk().clone()] }
    }

    /// What `/oauth2/userInfo` would say about `sub`, with the account's
    /// groups (`admin` for the configured admin emails).
    ///
    /// # Errors
    /// Database failure.
    pub async fn userinfo(&self, sub: &str) -> Result<Option<UserInfo>, IdpError> {
        Ok(self.account_by_id(sub).await?.map(|a| UserInfo {
            groups: self.groups_for(&a.email),
            sub: a.id,
            email: Some(a.email),
            email_verified: a.email_verified,
            name: Some(a.name),
            picture: None,
        }))
    }

    /// Closes its database (at shutdown).
    pub async fn close(&self) {
        self.db.close().await;
    }

    /// Where mail goes when it goes to a file (`DATA_DIR/mailbox.txt`; see
    /// [`mail`] for its format).
    #[must_use]
    pub fn mailbox_path(&self) -> Option<PathBuf> {
        self.mailer.mailbox_path().map(Into::into)
    }

    /// The provider's routes, all at the server root:
    ///
    /// - `GET /.well-known/openid-configuration`, `GET /.well-known/jwks.json`
    /// - `GET /oauth2/authorize`, `POST /oauth2/token`,
    ///   `GET|POST /oauth2/userInfo`, `POST /oauth2/revoke`, `GET /logout`
    /// - the hosted UI: `GET|POST /login`, `POST /continue`,
    ///   `GET|POST /federated`, `GET|POST /signup`, `POST /confirmUser`,
    ///   `POST /resendCode`, `GET|POST /forgotPassword`,
    ///   `POST /confirmForgotPassword`
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/.well-known/openid-configuration", get(oauth::discovery))
            .route("/.well-known/jwks.json", get(oauth::jwks))
            .route("/oauth2/authorize", get(oauth::authorize))
            .route("/oauth2/token", post(oauth::token))
            .route("/oauth2/userInfo", get(oauth::userinfo).post(oauth::userinfo))
            .route("/oauth2/revoke", post(oauth::revoke))
            .route("/logout", get(oauth::logout))
            .route("/login", get(ui::login_page).post(ui::login))
            .route("/continue", post(ui::continue_session))
            .route("/federated", get(ui::federated_page).post(ui::federated))
            .route("/signup", get(ui::sign_up_page).post(ui::sign_up))
            .route("/confirmUser", post(ui::confirm_sign_up))
            .route("/resendCode", post(ui::resend_code))
            .route("/forgotPassword", get(ui::forgot_page).post(ui::forgot))
            .route("/confirmForgotPassword", post(ui::reset))
            .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
            .layer(axum::middleware::from_fn_with_state(Arc::clone(self), limits::per_address))
            .layer(axum::middleware::map_response_with_state(self.exposed, pages::warn_if_exposed))
            .with_state(Arc::clone(self))
    }
}

/// Now, in unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    let ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
    i64::try_from(ms).unwrap_or(i64::MAX)
}

/// A duration in milliseconds, for adding to [`now_ms`].
pub(crate) fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

/// `bytes` random bytes, base64url without padding (codes, tokens, ids).
pub(crate) fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 of `s`, lowercase hex: how secrets are stored.
pub(crate) fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}
