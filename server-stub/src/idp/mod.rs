//! The development identity provider, shaped like an Amazon Cognito user
//! pool's hosted UI. (Being written; this is its interface.)

use std::{path::PathBuf, sync::Arc};

use axum::Router;

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

/// Why the provider cannot start.
#[derive(Debug, thiserror::Error)]
pub enum IdpError {
    /// Database failure.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

/// The development provider.
#[derive(Debug)]
pub struct Idp {
    _db: Db,
}

impl Idp {
    /// Starts the provider: loads or creates its signing key, sets up mail.
    ///
    /// # Errors
    /// See [`IdpError`].
    #[allow(clippy::unused_async)]
    pub async fn new(db: Db, _config: &Config) -> Result<Arc<Self>, IdpError> {
        Ok(Arc::new(Self { _db: db }))
    }

    /// The public keys tokens are signed with.
    #[must_use]
    pub fn jwks(&self) -> jsonwebtoken::jwk::JwkSet {
        jsonwebtoken::jwk::JwkSet { keys: vec![] }
    }

    /// What `/oauth2/userInfo` would say about `sub`.
    ///
    /// # Errors
    /// Database failure.
    #[allow(clippy::unused_async)]
    pub async fn userinfo(&self, _sub: &str) -> Result<Option<UserInfo>, IdpError> {
        Ok(None)
    }

    /// Where mail goes when it goes to a file.
    #[must_use]
    pub fn mailbox_path(&self) -> Option<PathBuf> {
        None
    }

    /// The provider's routes.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
    }
}
