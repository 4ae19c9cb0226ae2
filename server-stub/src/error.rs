//! [`ApiError`]: every way a request can fail, mapped to an HTTP status and a
//! [`pq_protocol::ErrorBody`]. Internal errors answer with a generic body; the
//! cause is attached to the response and logged by the `log_errors` middleware
//! (nothing is logged inside `into_response`).

use axum::{
    extract::{FromRequest, Request, rejection::JsonRejection},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use pq_protocol::{ErrorBody, ErrorCode, limits::Plan};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// A failed request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// No bearer token, or not a valid one.
    #[error("{0}")]
    Unauthorized(String),
    /// The access token has expired.
    #[error("the access token has expired; refresh it and retry")]
    TokenExpired,
    /// Signed in but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing there, or nothing the caller may see.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Malformed request.
    #[error("{0}")]
    BadRequest(String),
    /// A field with an unacceptable value.
    #[error("{message}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A message over the author's plan limit.
    #[error("messages are limited to {limit} characters on the {} plan; this one has {len}", plan.as_str())]
    MessageTooLong {
        /// The author's plan.
        plan: Plan,
        /// Its limit.
        limit: usize,
        /// The message's length.
        len: usize,
    },
    /// Body too large.
    #[error("the request is larger than the {limit}-byte limit")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Not an image type pq accepts.
    #[error("unsupported image: send PNG, JPEG, GIF or WebP")]
    UnsupportedMedia,
    /// Conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// Invite expired or revoked.
    #[error("this invite has expired or was revoked")]
    InviteExpired,
    /// Invite used up.
    #[error("this invite has reached its maximum number of uses")]
    InviteExhausted,
    /// Too many requests.
    #[error("too many requests; retry in {retry_after_ms} ms")]
    RateLimited {
        /// How long to wait.
        retry_after_ms: u64,
    },
    /// The voice room admits no more people.
    #[error("this room is full: it admits {limit} people")]
    RoomFull {
        /// How many it admits.
        limit: u32,
    },
    /// The request needs you in a voice room (or in the one it names).
    #[error("{0}")]
    NotInRoom(String),
    /// The payment provider refused, or could not be reached.
    #[error("{0}")]
    PaymentFailed(String),
    /// This server does not offer it.
    #[error("{0}")]
    Unavailable(String),
    /// A database failure (the development provider's database).
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// A storage failure (the chat database).
    #[error("storage error: {0}")]
    Store(#[from] crate::chat::store::StoreError),
    /// Any other internal failure.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status for this error.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) | ApiError::TokenExpired => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::InvalidField { .. } | ApiError::MessageTooLong { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMedia => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Conflict(_) | ApiError::RoomFull { .. } | ApiError::NotInRoom(_) => StatusCode::CONFLICT,
            ApiError::InviteExpired | ApiError::InviteExhausted => StatusCode::GONE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::PaymentFailed(_) => StatusCode::BAD_GATEWAY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Db(_) | ApiError::Store(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body a client sees.
    #[must_use]
    pub fn body(&self) -> ErrorBody {
        let code = match self {
            ApiError::Unauthorized(_) => ErrorCode::Unauthorized,
            ApiError::TokenExpired => ErrorCode::TokenExpired,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::BadRequest(_) => ErrorCode::BadRequest,
            ApiError::InvalidField { .. } => ErrorCode::InvalidField,
            ApiError::MessageTooLong { .. } => ErrorCode::MessageTooLong,
            ApiError::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            ApiError::UnsupportedMedia => ErrorCode::UnsupportedMedia,
            ApiError::Conflict(_) => ErrorCode::Conflict,
            ApiError::InviteExpired => ErrorCode::InviteExpired,
            ApiError::InviteExhausted => ErrorCode::InviteExhausted,
            ApiError::RateLimited { .. } => ErrorCode::RateLimited,
            ApiError::RoomFull { .. } => ErrorCode::RoomFull,
            ApiError::NotInRoom(_) => ErrorCode::NotInRoom,
            ApiError::PaymentFailed(_) => ErrorCode::PaymentFailed,
            ApiError::Unavailable(_) => ErrorCode::Unavailable,
            ApiError::Db(_) | ApiError::Store(_) | ApiError::Internal(_) => ErrorCode::Internal,
        };
        let message = match self {
            // Never leak internals.
            ApiError::Db(_) | ApiError::Store(_) | ApiError::Internal(_) => {
                "Something went wrong on the server. Try again later.".to_owned()
            }
            other => capitalize(&other.to_string()),
        };
        let mut body = ErrorBody::new(code, message);
        match self {
            ApiError::MessageTooLong { limit, .. } | ApiError::PayloadTooLarge { limit } => {
                body.limit = Some(*limit as u64);
            }
            ApiError::RoomFull { limit } => body.limit = Some(u64::from(*limit)),
            ApiError::RateLimited { retry_after_ms } => body.retry_after_ms = Some(*retry_after_ms),
            ApiError::InvalidField { field, .. } => body.field = Some((*field).to_owned()),
            _ => {}
        }
        body
    }

    /// Shorthand for an [`ApiError::InvalidField`].
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        ApiError::InvalidField { field, message: message.into() }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => {
            let mut out: String = first.to_uppercase().collect();
            out.push_str(c.as_str());
            if !out.ends_with('.') {
                out.push('.');
            }
            out
        }
        None => String::new(),
    }
}

/// The internal cause of a 5xx, attached to the response for the logging
/// middleware.
#[derive(Clone, Debug)]
pub struct InternalCause(pub Arc<String>);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut resp = (status, axum::Json(self.body())).into_response();
        if status.is_server_error() {
            resp.extensions_mut().insert(InternalCause(Arc::new(self.to_string())));
        }
        if let ApiError::RateLimited { retry_after_ms } = self
            && let Ok(v) = header::HeaderValue::from_str(&retry_after_ms.div_ceil(1000).to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if matches!(self, ApiError::Unauthorized(_) | ApiError::TokenExpired) {
            let v = if matches!(self, ApiError::TokenExpired) {
                r#"Bearer error="invalid_token", error_description="token expired""#
            } else {
                r#"Bearer error="invalid_token""#
            };
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static(v));
        }
        resp
    }
}

/// JSON body extractor whose rejections use pq's error shape (instead of
/// axum's plain-text ones).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(mut v)) => {
                // Every request body is an object; serde would also read a
                // struct from an array of its fields.
                if !v.is_object() {
                    return Err(ApiError::BadRequest("invalid request body: expected a JSON object".into()));
                }
                // JSON Schema calls 3.0 an integer; serde does not.
                integral_floats_to_integers(&mut v);
                serde_path_to_error::deserialize(v).map(Json).map_err(|e| {
                    let at = e.path().to_string();
                    let what = e.into_inner();
                    ApiError::BadRequest(if at == "." {
                        format!("invalid request body: {what}")
                    } else {
                        format!("invalid request body: {at}: {what}")
                    })
                })
            }
            Err(rejection) => Err(match rejection {
                JsonRejection::JsonDataError(e) => {
                    ApiError::BadRequest(format!("invalid request body: {}", e.body_text()))
                }
                JsonRejection::JsonSyntaxError(e) => ApiError::BadRequest(format!("malformed JSON: {}", e.body_text())),
                JsonRejection::MissingJsonContentType(_) => {
                    ApiError::BadRequest("expected a JSON body with Content-Type: application/json".into())
                }
                JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::PayloadTooLarge { limit: pq_protocol::limits::MAX_JSON_BODY_BYTES }
                }
                other => ApiError::BadRequest(other.body_text()),
            }),
        }
    }
}

/// Turns every number with no fractional part (`3.0`) into an integer, as
/// JSON Schema (and so the OpenAPI document) counts it one.
fn integral_floats_to_integers(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9_007_199_254_740_992.0
            {
                #[allow(clippy::cast_possible_truncation)]
                let i = f as i64;
                *v = serde_json::Value::from(i);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_floats_to_integers),
        serde_json::Value::Object(map) => map.values_mut().for_each(integral_floats_to_integers),
        _ => {}
    }
}

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
