//! The error body. Every REST error response and every non-fatal gateway error
//! carries one: a stable machine `code` a client can match on, and a `message`
//! a person can read.

use serde::{Deserialize, Serialize};

/// Stable, machine-readable error codes. New codes may be added; clients treat
/// an unknown code like `internal`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub enum ErrorCode {
    /// No credentials, or credentials that are not a valid token. Sign in again.
    Unauthorized,
    /// The access token has expired. Refresh it and retry.
    TokenExpired,
    /// Signed in, but not allowed to do this (for example, not an admin).
    Forbidden,
    /// No such thing, or not visible to you.
    NotFound,
    /// The request is malformed: bad JSON, a missing field, a wrong type.
    BadRequest,
    /// A field's value is not acceptable (empty name, too long, bad URL, …).
    InvalidField,
    /// The message is longer than the author's plan allows; see `limit`.
    MessageTooLong,
    /// The body or frame is larger than the server accepts; see `limit`.
    PayloadTooLarge,
    /// Too many requests; retry after `retry_after_ms`.
    RateLimited,
    /// The request conflicts with the current state (e.g. the owner leaving).
    Conflict,
    /// The invite has expired or was revoked.
    InviteExpired,
    /// The invite has reached its maximum number of uses.
    InviteExhausted,
    /// Unsupported media type for an upload.
    UnsupportedMedia,
    /// The voice room already holds as many people as it admits; see `limit`.
    RoomFull,
    /// You are not in a voice room (or not in the one the request names).
    NotInRoom,
    /// The payment provider refused or could not be reached (the reason is
    /// in the message; nothing was charged twice).
    PaymentFailed,
    /// The server does not offer this (e.g. it takes no payments).
    Unavailable,
    /// Something went wrong on the server. Retrying later may help.
    Internal,
}

/// The body of every error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// What went wrong, for programs.
    pub code: ErrorCode,
    /// What went wrong and what to do, for people.
    pub message: String,
    /// For `message_too_long` and `payload_too_large`: the limit that applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "number"))]
    pub limit: Option<u64>,
    /// For `rate_limited`: how long to wait before retrying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "number"))]
    pub retry_after_ms: Option<u64>,
    /// For `invalid_field`: the field at fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub field: Option<String>,
}

impl ErrorBody {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), limit: None, retry_after_ms: None, field: None }
    }
}

impl std::fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ErrorBody {}
