//! [`AuthError`]: every way signing in, renewing a session or keeping its
//! tokens can fail, each with what the person can do about it.

use std::time::Duration;

/// Why signing in, renewing the session, signing out or using the keychain
/// failed. Every message says what to do next.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No one is signed in on this server.
    #[error("you are not signed in; sign in to continue")]
    NotSignedIn,

    /// The session can no longer be renewed: the refresh token has expired,
    /// was revoked (signed out elsewhere, password changed), or belongs to
    /// another issuer than the server now uses.
    #[error("your session has ended; sign in again")]
    Expired,

    /// The sign-in was cancelled (by [`AuthManager::cancel_sign_in`], or by
    /// starting another one).
    ///
    /// [`AuthManager::cancel_sign_in`]: super::AuthManager::cancel_sign_in
    #[error("sign-in was cancelled; start again when you are ready")]
    SignInCancelled,

    /// The browser did not come back in time.
    #[error("sign-in was not finished within {} seconds; start again", .waited.as_secs())]
    SignInTimedOut {
        /// How long pq waited.
        waited: Duration,
    },

    /// The answer that came back does not belong to the sign-in pq started
    /// (its `state` differs): an old browser tab, or someone trying to slip
    /// their own account in.
    #[error("the sign-in answer does not belong to the sign-in pq started; start signing in again")]
    StateMismatch,

    /// The identity provider refused: in the browser (`access_denied` when
    /// the person declined) or when pq redeemed the answer.
    #[error(
        "the sign-in provider refused ({error}{}); try again, and if it keeps failing tell the server's administrator",
        .description.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
    )]
    ProviderRefused {
        /// The OAuth error code, e.g. `access_denied`, `invalid_grant`.
        error: String,
        /// The provider's explanation, if it gave one.
        description: Option<String>,
    },

    /// A sign-in link (`pq://auth/callback…`) arrived but no sign-in is
    /// waiting for it (pq was restarted, or the link is old).
    #[error("no sign-in is waiting for this link; start signing in again from pq")]
    NoSignInPending,

    /// A URL handed to pq as a sign-in answer is not one.
    #[error("not a sign-in answer: {reason}")]
    InvalidCallback {
        /// What is wrong with it.
        reason: String,
    },

    /// The ID token failed validation (signature, issuer, audience, nonce,
    /// expiry, access token hash).
    #[error(
        "the sign-in could not be verified ({reason}); sign in again, and check that this computer's clock is right"
    )]
    InvalidIdToken {
        /// Which check failed.
        reason: String,
    },

    /// The pq server or the identity provider cannot be reached, or the
    /// connection broke. See [`AuthError::is_unreachable`].
    #[error("cannot reach the sign-in service: {source}; check the network connection (pq keeps working offline)")]
    Network {
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },

    /// The identity provider answered something pq cannot use (a server
    /// error, or not the expected JSON).
    #[error("the sign-in service answered unexpectedly ({detail}); try again later")]
    Provider {
        /// What was wrong.
        detail: String,
    },

    /// The server's sign-in configuration (`/api/auth/config`, the issuer's
    /// discovery document) is missing or unusable, or pq's own sign-in
    /// settings are invalid.
    #[error("sign-in is not set up correctly: {detail}; tell the server's administrator")]
    Configuration {
        /// What is wrong.
        detail: String,
    },

    /// The web browser could not be opened.
    #[error("cannot open a web browser ({reason}); open this address in a browser yourself: {url}")]
    Browser {
        /// The address to open by hand.
        url: String,
        /// Why the browser could not be opened.
        reason: String,
    },

    /// pq cannot listen for the browser's answer on the loopback address.
    #[error(
        "cannot listen for the browser's answer on {addr} ({source}); another program may be using that port: close it or configure another port"
    )]
    Loopback {
        /// The address pq tried.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// The system keychain refused or failed.
    #[error("the system keychain failed ({source}); unlock it and try again, or choose another keychain")]
    Keychain {
        /// The keychain's error.
        #[source]
        source: keyring_core::Error,
    },

    /// The chosen keychain does not exist on this system.
    #[error("the system keychain is not available ({reason}); choose another keychain")]
    KeychainUnavailable {
        /// Why.
        reason: String,
    },
}

impl AuthError {
    /// Whether the failure means the pq server or the identity provider
    /// cannot be reached right now (no connection, DNS failure, refused,
    /// timed out). The engine treats this as "offline" and keeps the session.
    #[must_use]
    pub fn is_unreachable(&self) -> bool {
        matches!(self, AuthError::Network { source } if source.is_connect() || source.is_timeout())
    }

    /// Whether the person has to sign in (again) before anything else works.
    #[must_use]
    pub fn needs_sign_in(&self) -> bool {
        matches!(self, AuthError::NotSignedIn | AuthError::Expired)
    }
}

impl From<keyring_core::Error> for AuthError {
    fn from(source: keyring_core::Error) -> Self {
        AuthError::Keychain { source }
    }
}

impl From<reqwest::Error> for AuthError {
    fn from(source: reqwest::Error) -> Self {
        AuthError::Network { source }
    }
}

impl From<super::http::HttpError> for AuthError {
    fn from(e: super::http::HttpError) -> Self {
        match e {
            super::http::HttpError::Reqwest(source) => AuthError::Network { source },
            other => AuthError::Provider { detail: other.to_string() },
        }
    }
}
