//! A stand-in of Toss Payments for development and tests: no money moves.
//!
//! It behaves as Toss documents its API v1 and payment window, as far as pq
//! uses them:
//! - the payment SDK (`/v2/standard`): `TossPayments(clientKey)
//!   .payment({ customerKey }).requestPayment({ method, amount: { currency,
//!   value }, orderId, orderName, successUrl, failUrl })` opens the payment
//!   window (here a page of this stand-in where the person at the browser
//!   pays, has the card declined, or gives up);
//! - the window sends the browser to `successUrl?paymentType=NORMAL&orderId=
//!   &paymentKey=&amount=`, or to `failUrl?code=&message=&orderId=`
//!   (`REJECT_CARD_COMPANY`, `PAY_PROCESS_CANCELED`);
//! - `POST /v1/payments/confirm` approves an authorised payment once, for
//!   the window's amount (`ALREADY_PROCESSED_PAYMENT` 400 the second time,
//!   `NOT_FOUND_PAYMENT_SESSION` 404 for an unknown key or another order,
//!   `INVALID_REQUEST` 400 for another amount, `REJECT_CARD_PAYMENT` 403 when
//!   the card company refuses at approval, `UNAUTHORIZED_KEY` 401 for a wrong
//!   secret key);
//! - `POST /v1/payments/{paymentKey}/cancel` with `Idempotency-Key` (the same
//!   key answers the same again), `cancelAmount` for a partial cancel
//!   (`ALREADY_CANCELED_PAYMENT` 400, `NOT_CANCELABLE_AMOUNT` 403,
//!   `NOT_CANCELABLE_PAYMENT` 403);
//! - `GET /v1/payments/{paymentKey}` and `/v1/payments/orders/{orderId}`
//!   (`NOT_FOUND_PAYMENT` 404);
//! - after each status change, a `PAYMENT_STATUS_CHANGED` webhook to the
//!   merchant's webhook URL, if one is registered (unsigned, as Toss sends
//!   this event: the merchant looks the payment up to trust it).
//!
//! Besides, as Toss's merchant dashboard does, it can cancel a payment by
//! hand ([`StandIn::cancel_by_hand`]), which tests use to make the ledger and
//! the provider disagree.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Form, Json, Router,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use base64::Engine;
use serde::Deserialize;

use super::{TossCancel, TossErrorBody, TossPayment};
use crate::idp::{devclient::random_string, pages::esc};

/// Where pq-server serves the stand-in when it has no real Toss.
pub const PREFIX: &str = "/dev/toss";
/// The stand-in's client key.
pub const CLIENT_KEY: &str = "test_ck_pq_standin";
/// The stand-in's secret key.
pub const SECRET_KEY: &str = "test_sk_pq_standin";

/// A payment the window authorised.
#[derive(Clone, Debug)]
struct Session {
    payment: TossPayment,
    /// The card company will refuse at approval.
    reject_at_confirm: bool,
}

/// The stand-in's state.
#[derive(Debug, Default)]
pub struct StandIn {
    payments: Mutex<HashMap<String, Session>>,
    cancels: Mutex<HashMap<String, (u16, serde_json::Value)>>,
    webhook_url: Mutex<Option<String>>,
    http: reqwest::Client,
}

fn now_iso() -> String {
    time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+9))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn refused(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(TossErrorBody { code: code.into(), message: message.into() })).into_response()
}

impl StandIn {
    /// A stand-in with no payments; webhooks go to `webhook_url` if given.
    #[must_use]
    pub fn new(webhook_url: Option<String>) -> Arc<Self> {
        Arc::new(Self { webhook_url: Mutex::new(webhook_url), ..Self::default() })
    }

    /// Every payment, as Toss would describe it.
    #[must_use]
    pub fn payments(&self) -> Vec<TossPayment> {
        self.payments.lock().expect("stand-in lock").values().map(|s| s.payment.clone()).collect()
    }

    /// Cancels `amount` of a payment by hand, as in Toss's merchant
    /// dashboard (a webhook follows, if registered).
    ///
    /// # Errors
    /// No such payment, or nothing left to cancel.
    pub fn cancel_by_hand(self: &Arc<Self>, payment_key: &str, amount: u64) -> Result<TossPayment, String> {
        let p = {
            let mut all = self.payments.lock().expect("stand-in lock");
            let s = all.get_mut(payment_key).ok_or("no such payment")?;
            cancel(&mut s.payment, amount, "by hand").map_err(|(_, code, _)| code.to_owned())?;
            s.payment.clone()
        };
        self.webhook(&p);
        Ok(p)
    }

    /// The routes, relative (nest them under [`PREFIX`] or serve them at `/`).
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/v2/standard", get(sdk))
            .route("/window", get(window).post(pay))
            .route("/v1/payments/confirm", post(confirm))
            .route("/v1/payments/{key}/cancel", post(cancel_route))
            .route("/v1/payments/{key}", get(lookup))
            .route("/v1/payments/orders/{order}", get(lookup_order))
            .with_state(self.clone())
    }

    /// Sends `PAYMENT_STATUS_CHANGED` for `p` to the webhook URL, if any
    /// (in the background; Toss retries failures, the stand-in does not).
    fn webhook(&self, p: &TossPayment) {
        let Some(url) = self.webhook_url.lock().expect("stand-in lock").clone() else { return };
        let body = serde_json::json!({ "eventType": "PAYMENT_STATUS_CHANGED", "createdAt": now_iso(), "data": p });
        let http = self.http.clone();
        tokio::spawn(async move {
            if let Err(e) = http.post(&url).json(&body).send().await {
                tracing::debug!(error = %e, "the stand-in's webhook was not delivered");
            }
        });
    }

    fn authorised(headers: &HeaderMap) -> bool {
        let want = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{SECRET_KEY}:")));
        headers.get(header::AUTHORIZATION).is_some_and(|v| v.as_bytes() == want.as_bytes())
    }
}

fn unauthorised() -> Response {
    refused(StatusCode::UNAUTHORIZED, "UNAUTHORIZED_KEY", "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.")
}

/// Cancels `amount` (0: all that is left) of `p`.
fn cancel(p: &mut TossPayment, amount: u64, reason: &str) -> Result<(), (StatusCode, &'static str, &'static str)> {
    match p.status.as_str() {
        "CANCELED" => return Err((StatusCode::BAD_REQUEST, "ALREADY_CANCELED_PAYMENT", "이미 취소된 결제 입니다.")),
        "DONE" | "PARTIAL_CANCELED" => {}
        _ => return Err((StatusCode::FORBIDDEN, "NOT_CANCELABLE_PAYMENT", "취소 할 수 없는 결제 입니다.")),
    }
    let amount = if amount == 0 { p.balance_amount } else { amount };
    if amount > p.balance_amount {
        return Err((StatusCode::FORBIDDEN, "NOT_CANCELABLE_AMOUNT", "취소 할 수 없는 금액 입니다."));
    }
    p.balance_amount -= amount;
    p.status = if p.balance_amount == 0 { "CANCELED" } else { "PARTIAL_CANCELED" }.into();
    p.cancels.get_or_insert_with(Vec::new).push(TossCancel {
        cancel_amount: amount,
        cancel_reason: reason.into(),
        canceled_at: now_iso(),
        transaction_key: random_string(24),
    });
    Ok(())
}

async fn sdk() -> Response {
    // The SDK's surface pq's checkout page uses; the window opens in the
    // same tab (as Toss's does on a desktop browser with `windowTarget: self`).
    const JS: &str = r#"(function () {
  var base = document.currentScript.src.replace(/\/v2\/standard.*$/, "");
  window.TossPayments = function (clientKey) {
    return {
      payment: function (opts) {
        return {
          requestPayment: function (req) {
            var q = new URLSearchParams({
              clientKey: clientKey, customerKey: (opts && opts.customerKey) || "",
              orderId: req.orderId, orderName: req.orderName || "",
              amount: String(req.amount && req.amount.value),
              successUrl: req.successUrl, failUrl: req.failUrl
            });
            window.location.href = base + "/window?" + q.toString();
            return new Promise(function () {});
          }
        };
      }
    };
  };
})();
"#;
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], JS).into_response()
}

/// The payment window's fields (query of the page, form of its buttons).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WindowQuery {
    client_key: String,
    order_id: String,
    #[serde(default)]
    order_name: String,
    amount: u64,
    success_url: String,
    fail_url: String,
    /// The button: `pay`, `decline`, `cancel`, `reject_at_confirm`.
    #[serde(default)]
    outcome: String,
}

async fn window(Query(q): Query<WindowQuery>) -> Response {
    if q.client_key != CLIENT_KEY {
        return (StatusCode::UNAUTHORIZED, Html("<h1>Unknown client key</h1>".to_owned())).into_response();
    }
    let hidden = [
        ("clientKey", q.client_key.as_str()),
        ("orderId", &q.order_id),
        ("orderName", &q.order_name),
        ("amount", &q.amount.to_string()),
        ("successUrl", &q.success_url),
        ("failUrl", &q.fail_url),
    ]
    .iter()
    .map(|(k, v)| format!(r#"<input type="hidden" name="{k}" value="{}">"#, esc(v)))
    .collect::<String>();
    Html(format!(
        r#"<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>토스페이먼츠 (stand-in)</title></head>
<body style="font-family:sans-serif;max-width:28rem;margin:3rem auto">
<p><b>Stand-in of Toss Payments</b> — no money moves.</p>
<h1 id="order-name">{name}</h1><p id="amount">{amount} 원</p>
<form method="post">{hidden}
<button name="outcome" value="pay" id="pay">Pay {amount} 원</button>
<button name="outcome" value="decline" id="decline">Card declined</button>
<button name="outcome" value="reject_at_confirm" id="reject">Refused at approval</button>
<button name="outcome" value="cancel" id="cancel">Cancel</button>
</form></body></html>"#,
        name = esc(&q.order_name),
        amount = q.amount,
    ))
    .into_response()
}

fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let Ok(mut u) = url::Url::parse(base) else { return base.to_owned() };
    u.query_pairs_mut().extend_pairs(pairs);
    u.into()
}

async fn pay(State(s): State<Arc<StandIn>>, Form(q): Form<WindowQuery>) -> Response {
    if q.client_key != CLIENT_KEY {
        return (StatusCode::UNAUTHORIZED, Html("<h1>Unknown client key</h1>".to_owned())).into_response();
    }
    let fail = |code: &str, message: &str| {
        Redirect::to(&with_query(&q.fail_url, &[("code", code), ("message", message), ("orderId", &q.order_id)]))
            .into_response()
    };
    if !(6..=64).contains(&q.order_id.len()) || !super::is_key(&q.order_id) || q.amount == 0 {
        return fail("INVALID_REQUEST", "잘못된 요청입니다.");
    }
    match q.outcome.as_str() {
        "decline" => return fail("REJECT_CARD_COMPANY", "카드사에서 결제를 거절했습니다."),
        "cancel" => return fail("PAY_PROCESS_CANCELED", "사용자에 의해 결제가 취소되었습니다."),
        _ => {}
    }
    let key = {
        let mut all = s.payments.lock().expect("stand-in lock");
        if all.values().any(|x| x.payment.order_id == q.order_id && x.payment.status != "IN_PROGRESS") {
            drop(all);
            return fail("DUPLICATED_ORDER_ID", "이미 승인 및 취소가 진행된 중복된 주문번호 입니다.");
        }
        let key = format!("tpk_{}", random_string(30));
        all.insert(
            key.clone(),
            Session {
                payment: TossPayment {
                    payment_key: key.clone(),
                    order_id: q.order_id.clone(),
                    order_name: q.order_name.clone(),
                    status: "IN_PROGRESS".into(),
                    total_amount: q.amount,
                    balance_amount: q.amount,
                    currency: "KRW".into(),
                    requested_at: Some(now_iso()),
                    approved_at: None,
                    cancels: None,
                },
                reject_at_confirm: q.outcome == "reject_at_confirm",
            },
        );
        key
    };
    let amount = q.amount.to_string();
    Redirect::to(&with_query(
        &q.success_url,
        &[("paymentType", "NORMAL"), ("orderId", &q.order_id), ("paymentKey", &key), ("amount", &amount)],
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfirmBody {
    payment_key: String,
    order_id: String,
    amount: u64,
}

async fn confirm(State(s): State<Arc<StandIn>>, headers: HeaderMap, body: Option<Json<ConfirmBody>>) -> Response {
    if !StandIn::authorised(&headers) {
        return unauthorised();
    }
    let Some(Json(b)) = body else {
        return refused(StatusCode::BAD_REQUEST, "INVALID_REQUEST", "잘못된 요청입니다.");
    };
    let p = {
        let mut all = s.payments.lock().expect("stand-in lock");
        let Some(session) = all.get_mut(&b.payment_key).filter(|x| x.payment.order_id == b.order_id) else {
            return refused(
                StatusCode::NOT_FOUND,
                "NOT_FOUND_PAYMENT_SESSION",
                "결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.",
            );
        };
        if session.payment.status != "IN_PROGRESS" {
            return refused(StatusCode::BAD_REQUEST, "ALREADY_PROCESSED_PAYMENT", "이미 처리된 결제 입니다.");
        }
        if session.payment.total_amount != b.amount {
            return refused(StatusCode::BAD_REQUEST, "INVALID_REQUEST", "결제 금액이 일치하지 않습니다.");
        }
        if session.reject_at_confirm {
            session.payment.status = "ABORTED".into();
            return refused(
                StatusCode::FORBIDDEN,
                "REJECT_CARD_PAYMENT",
                "한도초과 혹은 잔액부족으로 결제에 실패했습니다.",
            );
        }
        session.payment.status = "DONE".into();
        session.payment.approved_at = Some(now_iso());
        session.payment.clone()
    };
    s.webhook(&p);
    Json(p).into_response()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CancelBody {
    cancel_reason: String,
    #[serde(default)]
    cancel_amount: Option<u64>,
}

async fn cancel_route(
    State(s): State<Arc<StandIn>>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Option<Json<CancelBody>>,
) -> Response {
    if !StandIn::authorised(&headers) {
        return unauthorised();
    }
    let Some(Json(b)) = body else {
        return refused(StatusCode::BAD_REQUEST, "INVALID_REQUEST", "잘못된 요청입니다.");
    };
    let idem = headers.get("Idempotency-Key").and_then(|v| v.to_str().ok()).map(|k| format!("{key}/{k}"));
    if let Some(k) = &idem
        && let Some((status, body)) = s.cancels.lock().expect("stand-in lock").get(k).cloned()
    {
        return (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), Json(body)).into_response();
    }
    let answer = {
        let mut all = s.payments.lock().expect("stand-in lock");
        let Some(session) = all.get_mut(&key) else {
            return refused(StatusCode::NOT_FOUND, "NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다.");
        };
        match cancel(&mut session.payment, b.cancel_amount.unwrap_or(0), &b.cancel_reason) {
            Ok(()) => Ok(session.payment.clone()),
            Err(e) => Err(e),
        }
    };
    let (status, body) = match &answer {
        Ok(p) => (StatusCode::OK, serde_json::to_value(p).unwrap_or_default()),
        Err((status, code, message)) => (*status, serde_json::json!({ "code": code, "message": message })),
    };
    if let Some(k) = idem {
        s.cancels.lock().expect("stand-in lock").insert(k, (status.as_u16(), body.clone()));
    }
    if let Ok(p) = &answer {
        s.webhook(p);
    }
    (status, Json(body)).into_response()
}

async fn lookup(State(s): State<Arc<StandIn>>, Path(key): Path<String>, headers: HeaderMap) -> Response {
    if !StandIn::authorised(&headers) {
        return unauthorised();
    }
    match s.payments.lock().expect("stand-in lock").get(&key) {
        Some(x) => Json(x.payment.clone()).into_response(),
        None => refused(StatusCode::NOT_FOUND, "NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다."),
    }
}

async fn lookup_order(State(s): State<Arc<StandIn>>, Path(order): Path<String>, headers: HeaderMap) -> Response {
    if !StandIn::authorised(&headers) {
        return unauthorised();
    }
    let all = s.payments.lock().expect("stand-in lock");
    // The order's payment: the approved one if there is one, else the latest try.
    let found = all.values().filter(|x| x.payment.order_id == order).max_by_key(|x| {
        (x.payment.status != "IN_PROGRESS" && x.payment.status != "ABORTED", x.payment.requested_at.clone())
    });
    match found {
        Some(x) => Json(x.payment.clone()).into_response(),
        None => refused(StatusCode::NOT_FOUND, "NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다."),
    }
}
