//! [`CommandError`]: what a failed command tells the UI.

use serde::Serialize;

/// A command failed. `kind` is stable for the UI to match; `message` is
/// for people.
#[derive(Debug, Clone, Serialize, thiserror::Error, ts_rs::TS)]
#[error("{message}")]
pub struct CommandError {
    /// `not_signed_in`, `offline`, `refused`, `invalid`, `cache`, `cancelled`, `internal`.
    pub kind: String,
    /// What went wrong and what to do, in words.
    pub message: String,
    /// For server refusals: the server's error code (`message_too_long`, …).
    pub code: Option<String>,
}

impl CommandError {
    /// An error of `kind`.
    pub fn new(kind: &str, message: impl Into<String>) -> Self {
        Self { kind: kind.into(), message: message.into(), code: None }
    }
}

impl From<pq_core::Error> for CommandError {
    fn from(e: pq_core::Error) -> Self {
        use pq_core::{Error, api::ApiError, auth::AuthError};
        let message = e.to_string();
        match &e {
            Error::NotSignedIn => Self::new("not_signed_in", message),
            Error::Invalid(_) => Self::new("invalid", message),
            Error::Voice(_) => Self::new("voice", message),
            Error::Cache(_) => Self::new("cache", message),
            Error::Auth(AuthError::SignInCancelled) => Self::new("cancelled", message),
            _ if e.is_offline() => Self::new("offline", "pq cannot reach the server. Check your connection."),
            Error::Api(ApiError::Server { body, .. }) => {
                let code = serde_json::to_value(body.code).ok().and_then(|v| v.as_str().map(str::to_owned));
                Self { kind: "refused".into(), message: body.message.clone(), code }
            }
            Error::Auth(a) if a.needs_sign_in() => Self::new("not_signed_in", message),
            _ => Self::new("internal", message),
        }
    }
}
