//! The development provider's abuse limits (Cognito has its own quotas; this
//! stand-in must not be the weak spot of a server on a network).
//!
//! - sign-in work per client address (`--auth-rate-per-min`): every form
//!   post, authorization request and token request;
//! - password tries per email: 10, then one every 6 minutes (an account
//!   under attack from many addresses), checked before any argon2 work;
//! - code checks (sign-up and password-reset codes) per email: the same,
//!   over time and across codes: a new code does not give new tries;
//! - mails per email: 5, then one every 12 minutes.

use std::{net::IpAddr, sync::Arc, time::Duration};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{Idp, pages};
use crate::limits::Keyed;

/// The provider's limits.
#[derive(Debug)]
pub struct IdpLimits {
    per_address: Keyed<IpAddr>,
    password_tries: Keyed<String>,
    code_tries: Keyed<String>,
    mails: Keyed<String>,
}

impl IdpLimits {
    /// `per_min` sign-in requests a minute per address.
    #[must_use]
    pub fn new(per_min: f64) -> Self {
        Self {
            per_address: Keyed::per_second(per_min / 60.0, per_min),
            password_tries: Keyed::new(Duration::from_secs(6 * 60), 10),
            code_tries: Keyed::new(Duration::from_secs(6 * 60), 10),
            mails: Keyed::new(Duration::from_secs(12 * 60), 5),
        }
    }

    /// A password try for `email`.
    pub(crate) fn password_try(&self, email: &str) -> Result<(), Duration> {
        self.password_tries.check(&email.to_owned())
    }

    /// A check of a `purpose` code (`signup`, `reset`) for `email`.
    pub(crate) fn code_try(&self, purpose: &str, email: &str) -> Result<(), Duration> {
        self.code_tries.check(&format!("{purpose}:{email}"))
    }

    /// A mail to `email`.
    pub(crate) fn mail(&self, email: &str) -> Result<(), Duration> {
        self.mails.check(&email.to_owned())
    }

    /// Forgets quiet keys.
    pub fn tidy(&self) {
        self.per_address.tidy();
        self.password_tries.tidy();
        self.code_tries.tidy();
        self.mails.tidy();
    }
}

/// Whole minutes (at least one) of a wait, for people.
fn minutes(wait: Duration) -> u64 {
    wait.as_secs().div_ceil(60).max(1)
}

/// The page (or, for `/oauth2/*`, the JSON) that says "too many, wait".
pub(crate) fn too_many(wait: Duration, json: bool, what: &str) -> Response {
    let mut resp = if json {
        (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(serde_json::json!({
                "error": "too_many_requests",
                "error_description": format!("{what}; retry in {} s", wait.as_secs().max(1)),
            })),
        )
            .into_response()
    } else {
        let m = minutes(wait);
        pages::html(
            StatusCode::TOO_MANY_REQUESTS,
            pages::message(
                "Too many attempts",
                &format!("{what}. Try again in {m} minute{}.", if m == 1 { "" } else { "s" }),
            ),
        )
    };
    if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// Counts sign-in work against the client address: every POST, and the
/// authorization requests (each writes a row).
pub(crate) async fn per_address(State(idp): State<Arc<Idp>>, req: Request, next: Next) -> Response {
    let counts = req.method() == Method::POST || req.uri().path() == "/oauth2/authorize";
    if counts
        && let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<std::net::SocketAddr>>()
        && let Err(wait) = idp.limits.per_address.check(&peer.ip())
    {
        let json = req.uri().path().starts_with("/oauth2/");
        return too_many(wait, json, "Too many sign-in requests from this address");
    }
    next.run(req).await
}
