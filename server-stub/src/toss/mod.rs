//! Toss Payments: the client pq-server calls (confirm, cancel, lookup), and
//! a stand-in of Toss for development and tests ([`standin`]).
//!
//! The client follows Toss's API v1: `Authorization: Basic
//! base64(secretKey + ":")`, JSON bodies, errors as `{ "code", "message" }`
//! with the HTTP status Toss documents for each code. It is the only code
//! that talks to Toss; [`crate::chat::payments`] decides what to do with the
//! answers.

pub mod standin;

use std::time::Duration;

use base64::Engine;
use serde::{Deserialize, Serialize};

/// A payment as Toss describes it (the fields pq reads).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TossPayment {
    /// Toss's key for the payment.
    pub payment_key: String,
    /// The merchant's order id (pq's).
    pub order_id: String,
    /// What the buyer saw.
    #[serde(default)]
    pub order_name: String,
    /// `READY`, `IN_PROGRESS`, `WAITING_FOR_DEPOSIT`, `DONE`, `CANCELED`,
    /// `PARTIAL_CANCELED`, `ABORTED` or `EXPIRED`.
    pub status: String,
    /// The amount paid.
    pub total_amount: u64,
    /// What is left of it after cancellations.
    pub balance_amount: u64,
    /// Always `KRW` here.
    #[serde(default)]
    pub currency: String,
    /// When it was asked for (ISO 8601).
    #[serde(default)]
    pub requested_at: Option<String>,
    /// When it was approved (ISO 8601), once `DONE`.
    #[serde(default)]
    pub approved_at: Option<String>,
    /// Its cancellations, oldest first.
    #[serde(default)]
    pub cancels: Option<Vec<TossCancel>>,
}

/// One cancellation (refund) of a payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TossCancel {
    /// What was given back.
    pub cancel_amount: u64,
    /// Why.
    pub cancel_reason: String,
    /// When (ISO 8601).
    pub canceled_at: String,
    /// Toss's key for this cancellation.
    pub transaction_key: String,
}

/// Toss's error body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TossErrorBody {
    /// A stable code such as `ALREADY_PROCESSED_PAYMENT`.
    pub code: String,
    /// A message for people (Korean, from the real Toss).
    pub message: String,
}

/// Why a call to Toss did not give a payment.
#[derive(Debug, thiserror::Error)]
pub enum TossError {
    /// Toss answered with an error.
    #[error("Toss refused ({status} {code}): {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Toss's code.
        code: String,
        /// Toss's message.
        message: String,
    },
    /// Toss could not be reached, or answered something unreadable.
    #[error("Toss could not be reached: {0}")]
    Unreachable(String),
}

impl TossError {
    /// Toss's code, if Toss answered.
    #[must_use]
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Refused { code, .. } => Some(code),
            Self::Unreachable(_) => None,
        }
    }
}

/// Calls Toss's API with the server's secret key.
#[derive(Clone)]
pub struct Toss {
    http: reqwest::Client,
    base: String,
    auth: String,
}

impl std::fmt::Debug for Toss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Toss").field("base", &self.base).finish_non_exhaustive()
    }
}

/// Keys and order ids Toss accepts in a path: letters, digits, `-`, `_`,
/// `=` (and pq checks them before they get here).
#[must_use]
pub fn is_key(s: &str) -> bool {
    (1..=200).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_=".contains(&b))
}

impl Toss {
    /// A client of the API at `base` (no trailing slash) with `secret_key`.
    ///
    /// # Panics
    /// If the TLS backend cannot start.
    #[must_use]
    pub fn new(base: &str, secret_key: &str) -> Self {
        let auth = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{secret_key}:")));
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("an HTTP client");
        Self { http, base: base.trim_end_matches('/').to_owned(), auth }
    }

    async fn call(&self, req: reqwest::RequestBuilder) -> Result<TossPayment, TossError> {
        let res = req
            .header(reqwest::header::AUTHORIZATION, &self.auth)
            .send()
            .await
            .map_err(|e| TossError::Unreachable(e.to_string()))?;
        let status = res.status();
        let body = res.bytes().await.map_err(|e| TossError::Unreachable(e.to_string()))?;
        if status.is_success() {
            serde_json::from_slice(&body).map_err(|e| TossError::Unreachable(format!("unreadable payment: {e}")))
        } else {
            match serde_json::from_slice::<TossErrorBody>(&body) {
                Ok(e) => Err(TossError::Refused { status: status.as_u16(), code: e.code, message: e.message }),
                Err(_) => Err(TossError::Unreachable(format!("HTTP {status} without an error body"))),
            }
        }
    }

    /// `POST /v1/payments/confirm`: approves a payment the buyer authorised
    /// in the payment window, for exactly `amount`.
    ///
    /// # Errors
    /// Toss's refusal (`ALREADY_PROCESSED_PAYMENT`, `NOT_FOUND_PAYMENT_SESSION`,
    /// `REJECT_CARD_PAYMENT`, …) or a transport failure.
    pub async fn confirm(&self, payment_key: &str, order_id: &str, amount: u64) -> Result<TossPayment, TossError> {
        let body = serde_json::json!({ "paymentKey": payment_key, "orderId": order_id, "amount": amount });
        self.call(self.http.post(format!("{}/v1/payments/confirm", self.base)).json(&body)).await
    }

    /// `POST /v1/payments/{paymentKey}/cancel`: gives back `amount` (all of
    /// what is left when `None`). `idempotency_key` makes a retry harmless.
    ///
    /// # Errors
    /// Toss's refusal (`ALREADY_CANCELED_PAYMENT`, `NOT_CANCELABLE_AMOUNT`, …)
    /// or a transport failure.
    pub async fn cancel(
        &self,
        payment_key: &str,
        reason: &str,
        amount: Option<u64>,
        idempotency_key: &str,
    ) -> Result<TossPayment, TossError> {
        let mut body = serde_json::json!({ "cancelReason": reason });
        if let Some(a) = amount {
            body["cancelAmount"] = a.into();
        }
        self.call(
            self.http
                .post(format!("{}/v1/payments/{payment_key}/cancel", self.base))
                .header("Idempotency-Key", idempotency_key)
                .json(&body),
        )
        .await
    }

    /// `GET /v1/payments/{paymentKey}`.
    ///
    /// # Errors
    /// `NOT_FOUND_PAYMENT`, or a transport failure.
    pub async fn payment(&self, payment_key: &str) -> Result<TossPayment, TossError> {
        self.call(self.http.get(format!("{}/v1/payments/{payment_key}", self.base))).await
    }

    /// `GET /v1/payments/orders/{orderId}`.
    ///
    /// # Errors
    /// `NOT_FOUND_PAYMENT`, or a transport failure.
    pub async fn payment_by_order(&self, order_id: &str) -> Result<TossPayment, TossError> {
        self.call(self.http.get(format!("{}/v1/payments/orders/{order_id}", self.base))).await
    }
}
