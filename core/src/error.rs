//! [`Error`]: everything a [`Client`](crate::Client) call can fail with, each
//! variant saying what a person can do about it.

use crate::{
    api::ApiError,
    auth::AuthError,
    store::{OpenStoreError, StoreError},
};

/// A failed [`Client`](crate::Client) call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Nobody is signed in: sign in first.
    #[error("not signed in: sign in first")]
    NotSignedIn,
    /// Signing in or renewing the session failed (see the inner error for
    /// what to do: retry, sign in again, unlock the keychain…).
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The server refused or could not be reached.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The offline cache failed (disk full?).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The offline cache cannot be opened: damaged or from a newer pq.
    /// [`Client::rebuild_cache`](crate::Client::rebuild_cache) moves it aside
    /// and keeps the unsent messages.
    #[error(transparent)]
    Cache(#[from] OpenStoreError),
    /// The request is not acceptable as it is (empty message, too long for
    /// your plan, unknown channel…). The text says what to change.
    #[error("{0}")]
    Invalid(String),
    /// The engine has stopped (the app is closing).
    #[error("pq is shutting down")]
    Closed,
    /// A call could not start or went wrong (the room is full, no
    /// connection to the server, …).
    #[error("{0}")]
    Voice(String),
}

impl Error {
    /// Whether the server could not be reached (work offline, retry later).
    #[must_use]
    pub fn is_offline(&self) -> bool {
        match self {
            Error::Api(e) => e.is_unreachable(),
            Error::Auth(e) => e.is_unreachable(),
            _ => false,
        }
    }
}

/// Result of a [`Client`](crate::Client) call.
pub type Result<T, E = Error> = std::result::Result<T, E>;
