//! Payments: the API (checkout, membership, refunds, the ledger, the
//! administrators' list and reconciliation), Toss's webhook, and the web
//! pages the system browser shows (`/pay/{order}` and Toss's redirects back).

use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use pq_protocol::models::{
    AdminPayments, BuyEntries, Checkout, CreatePaidEvent, EventParticipants, LedgerEntry, Membership, PaidEvent,
    Payment, Reconciliation, RefundRequest, StartCheckout, UpdateMembership,
};
use serde::Deserialize;

use super::{Path, admin::PqAdmin};
use crate::{
    auth::AuthUser,
    chat::store::OrderRow,
    error::{ApiError, ApiResult, Json},
    idp::pages::esc,
    state::AppState,
};

/// Start buying a month of a plan: an order with the plan's price, and the
/// checkout page to open in the system browser.
#[utoipa::path(post, path = "/api/payments/checkout", tag = "payments", request_body = StartCheckout,
    responses((status = 201, body = Checkout),
        (status = 422, description = "The free plan", body = pq_protocol::ErrorBody),
        (status = 503, description = "This server takes no payments", body = pq_protocol::ErrorBody)))]
pub async fn checkout(
    State(state): State<AppState>,
    user: AuthUser,
    Json(req): Json<StartCheckout>,
) -> ApiResult<(StatusCode, Json<Checkout>)> {
    Ok((StatusCode::CREATED, Json(state.chat().start_checkout(user.id, req.plan).await?)))
}

/// Your plan, until when it runs, and your payments (newest first, 50).
#[utoipa::path(get, path = "/api/users/@me/membership", tag = "payments",
    responses((status = 200, body = Membership)))]
pub async fn membership(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<Membership>> {
    Ok(Json(state.chat().membership(user.id).await?))
}

/// Let your paid plan end at the end of its period (no reminders), or keep
/// renewing it.
#[utoipa::path(patch, path = "/api/users/@me/membership", tag = "payments", request_body = UpdateMembership,
    responses((status = 200, body = Membership),
        (status = 409, description = "No paid plan running", body = pq_protocol::ErrorBody)))]
pub async fn update_membership(
    State(state): State<AppState>,
    user: AuthUser,
    Json(req): Json<UpdateMembership>,
) -> ApiResult<Json<Membership>> {
    Ok(Json(state.chat().set_cancel_at_period_end(user.id, req.cancel_at_period_end).await?))
}

/// Give a payment back through Toss: its payer all of it within 3 days of
/// paying; a pq administrator any part of what is left, at any time. A full
/// refund takes back the days it bought.
#[utoipa::path(post, path = "/api/payments/{order_id}/refund", tag = "payments", request_body = RefundRequest,
    params(("order_id" = String, Path, description = "The order", pattern = r"^[A-Za-z0-9_=-]{1,200}$")),
    responses((status = 200, body = Payment),
        (status = 403, description = "Past 3 days, or a part asked by the payer", body = pq_protocol::ErrorBody),
        (status = 404, description = "No such order of yours", body = pq_protocol::ErrorBody),
        (status = 409, description = "Not paid, or given back already", body = pq_protocol::ErrorBody),
        (status = 422, description = "An amount over what is left; no reason", body = pq_protocol::ErrorBody),
        (status = 502, description = "Toss refused or could not be reached", body = pq_protocol::ErrorBody),
        (status = 503, description = "This server takes no payments", body = pq_protocol::ErrorBody)))]
pub async fn refund(
    State(state): State<AppState>,
    user: AuthUser,
    Path(order_id): Path<String>,
    Json(req): Json<RefundRequest>,
) -> ApiResult<Json<Payment>> {
    Ok(Json(state.chat().refund(user.id, user.is_admin, order_id, req).await?))
}

/// The ledger of an order (its payer or a pq administrator).
#[utoipa::path(get, path = "/api/payments/{order_id}/ledger", tag = "payments",
    params(("order_id" = String, Path, description = "The order", pattern = r"^[A-Za-z0-9_=-]{1,200}$")),
    responses((status = 200, body = Vec<LedgerEntry>),
        (status = 404, description = "No such order of yours", body = pq_protocol::ErrorBody)))]
pub async fn ledger(
    State(state): State<AppState>,
    user: AuthUser,
    Path(order_id): Path<String>,
) -> ApiResult<Json<Vec<LedgerEntry>>> {
    Ok(Json(state.chat().ledger(user.id, user.is_admin, order_id).await?))
}

/// The query of the payments list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PaymentsQuery {
    /// Payments older than this order (the last of the previous page).
    #[serde(default)]
    pub before: Option<String>,
    /// At most this many (1 to 100; default 50).
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// Every payment, newest first, with the money taken in and given back
/// (pq administrators only).
#[utoipa::path(get, path = "/api/admin/payments", tag = "admin", params(PaymentsQuery),
    responses((status = 200, body = AdminPayments), (status = 403, body = pq_protocol::ErrorBody),
        (status = 422, description = "`limit` outside 1 to 100", body = pq_protocol::ErrorBody)))]
pub async fn admin_payments(
    State(state): State<AppState>,
    PqAdmin(_): PqAdmin,
    super::Query(q): super::Query<PaymentsQuery>,
) -> ApiResult<Json<AdminPayments>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid("limit", "limit must be between 1 and 100"));
    }
    Ok(Json(state.chat().admin_payments(q.before, limit as usize).await?))
}

/// Compare the ledger with Toss's view of the same orders (pq
/// administrators only).
#[utoipa::path(post, path = "/api/admin/payments/reconcile", tag = "admin",
    responses((status = 200, body = Reconciliation), (status = 403, body = pq_protocol::ErrorBody),
        (status = 502, description = "Toss could not be reached", body = pq_protocol::ErrorBody),
        (status = 503, description = "This server takes no payments", body = pq_protocol::ErrorBody)))]
pub async fn reconcile(State(state): State<AppState>, PqAdmin(_): PqAdmin) -> ApiResult<Json<Reconciliation>> {
    Ok(Json(state.chat().reconcile().await?))
}

/// Paid events, newest first (the last 50).
#[utoipa::path(get, path = "/api/paid-events", tag = "payments",
    responses((status = 200, body = Vec<PaidEvent>)))]
pub async fn paid_events(State(state): State<AppState>, _user: AuthUser) -> ApiResult<Json<Vec<PaidEvent>>> {
    Ok(Json(state.chat().paid_events().await?))
}

/// A paid event and its participants in the order the draw walks them
/// (first paid entry first): with the revealed seed, anyone can recompute
/// the winner.
#[utoipa::path(get, path = "/api/paid-events/{event_id}/participants", tag = "payments",
    params(("event_id" = String, Path, description = "The event", pattern = r"^[A-Za-z0-9_=-]{1,200}$")),
    responses((status = 200, body = EventParticipants)))]
pub async fn participants(
    State(state): State<AppState>,
    _user: AuthUser,
    Path(event_id): Path<String>,
) -> ApiResult<Json<EventParticipants>> {
    if !crate::toss::is_key(&event_id) {
        return Err(ApiError::NotFound("event"));
    }
    Ok(Json(state.chat().event_participants(event_id).await?))
}

/// Buy entries of an open paid event: an order of entries × the entry
/// price, and its checkout page.
#[utoipa::path(post, path = "/api/paid-events/{event_id}/checkout", tag = "payments", request_body = BuyEntries,
    params(("event_id" = String, Path, description = "The event", pattern = r"^[A-Za-z0-9_=-]{1,200}$")),
    responses((status = 201, body = Checkout),
        (status = 409, description = "Not open for entries", body = pq_protocol::ErrorBody),
        (status = 422, description = "Entries outside 1 to 100", body = pq_protocol::ErrorBody),
        (status = 503, description = "This server takes no payments", body = pq_protocol::ErrorBody)))]
pub async fn buy_entries(
    State(state): State<AppState>,
    user: AuthUser,
    Path(event_id): Path<String>,
    Json(req): Json<BuyEntries>,
) -> ApiResult<(StatusCode, Json<Checkout>)> {
    if !crate::toss::is_key(&event_id) {
        return Err(ApiError::NotFound("event"));
    }
    Ok((StatusCode::CREATED, Json(state.chat().buy_entries(user.id, event_id, req.entries).await?)))
}

/// Create a paid event; its commitment is published at once (pq
/// administrators only).
#[utoipa::path(post, path = "/api/admin/paid-events", tag = "admin", request_body = CreatePaidEvent,
    responses((status = 201, body = PaidEvent), (status = 403, body = pq_protocol::ErrorBody),
        (status = 422, description = "A bad title, price or times", body = pq_protocol::ErrorBody)))]
pub async fn create_paid_event(
    State(state): State<AppState>,
    PqAdmin(user): PqAdmin,
    Json(req): Json<CreatePaidEvent>,
) -> ApiResult<(StatusCode, Json<PaidEvent>)> {
    Ok((StatusCode::CREATED, Json(state.chat().create_paid_event(user.id, req).await?)))
}

/// What an administrator does to a paid event.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventAction {
    /// Open entries now.
    Start,
    /// Close entries now.
    End,
    /// Draw the winner and reveal the seed (once ended).
    Draw,
}

/// Start or end a paid event now, or draw its winner (pq administrators
/// only).
#[utoipa::path(post, path = "/api/admin/paid-events/{event_id}/{action}", tag = "admin",
    params(("event_id" = String, Path, description = "The event", pattern = r"^[A-Za-z0-9_=-]{1,200}$"),
        ("action" = String, Path, description = "`start` (open entries now), `end` (close them now) or `draw` (once ended)",
            pattern = r"^(start|end|draw)$")),
    responses((status = 200, body = PaidEvent), (status = 403, body = pq_protocol::ErrorBody),
        (status = 409, description = "Started or ended already; not ended yet; drawn already; nobody entered", body = pq_protocol::ErrorBody)))]
pub async fn event_action(
    State(state): State<AppState>,
    PqAdmin(_): PqAdmin,
    Path((event_id, action)): Path<(String, EventAction)>,
) -> ApiResult<Json<PaidEvent>> {
    if !crate::toss::is_key(&event_id) {
        return Err(ApiError::NotFound("event"));
    }
    let chat = state.chat();
    Ok(Json(match action {
        EventAction::Start => chat.move_paid_event(event_id, true).await?,
        EventAction::End => chat.move_paid_event(event_id, false).await?,
        EventAction::Draw => chat.draw_paid_event(event_id).await?,
    }))
}

/// Toss's webhook body (`PAYMENT_STATUS_CHANGED`), as far as pq reads it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TossWebhook {
    /// `PAYMENT_STATUS_CHANGED` (others are ignored).
    pub event_type: String,
    /// The payment (only its `paymentKey` is read; the rest is looked up).
    pub data: TossWebhookPayment,
}

/// The payment in Toss's webhook (its other fields are not read).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TossWebhookPayment {
    /// Toss's key of the payment.
    #[serde(rename = "paymentKey")]
    #[schema(pattern = r"^[A-Za-z0-9_=-]{1,200}$")]
    pub payment_key: String,
}

/// Toss's webhook: a payment changed. Not signed by Toss, so only its
/// payment key is used: the payment is looked up at Toss and applied once.
#[utoipa::path(post, path = "/api/payments/toss-webhook", tag = "payments", security(()), request_body = TossWebhook,
    responses((status = 200, description = "Applied, or nothing of this server's"),
        (status = 502, description = "Toss could not be reached to look it up (Toss sends it again)", body = pq_protocol::ErrorBody),
        (status = 503, description = "This server takes no payments", body = pq_protocol::ErrorBody)))]
pub async fn toss_webhook(State(state): State<AppState>, Json(hook): Json<TossWebhook>) -> ApiResult<StatusCode> {
    if !crate::toss::is_key(&hook.data.payment_key) {
        return Err(ApiError::BadRequest("not a Toss payment key".into()));
    }
    if hook.event_type != "PAYMENT_STATUS_CHANGED" {
        return Ok(StatusCode::OK);
    }
    state.chat().payment_changed(&hook.data.payment_key).await?;
    Ok(StatusCode::OK)
}

// ---- The pages of the system browser ------------------------------------

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    crate::idp::pages::html(status, crate::idp::pages::simple_page(title, body))
}

fn plan_name(o: &OrderRow) -> &'static str {
    match o.plan {
        pq_protocol::limits::Plan::Premium => "pq Premium",
        pq_protocol::limits::Plan::Basic => "pq Basic",
        pq_protocol::limits::Plan::Free => "pq",
    }
}

/// Where the browser goes back to the app.
fn back_to_app(ok: bool, order: &str, reason: Option<&str>) -> String {
    let mut u = url::Url::parse(if ok { "pq://payment/success" } else { "pq://payment/fail" }).expect("a pq: URL");
    u.query_pairs_mut().append_pair("order_id", order);
    if let Some(r) = reason {
        u.query_pairs_mut().append_pair("reason", r);
    }
    u.into()
}

/// A result page that also sends the browser back to the app (303 to
/// `pq://payment/…`; the page is what shows if pq is not installed).
fn result_page(ok: bool, order: &str, title: &str, text: &str, reason: Option<&str>) -> Response {
    let link = back_to_app(ok, order, reason);
    let mut resp = page(
        StatusCode::SEE_OTHER,
        title,
        &format!("<p>{}</p><p><a class=\"button\" id=\"back\" href=\"{}\">Back to pq</a></p>", esc(text), esc(&link)),
    );
    if let Ok(v) = HeaderValue::from_str(&link) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// `GET /pay/{order}`: the checkout page. It hands the order (its id, name
/// and the server's price) to Toss's SDK, which opens Toss's payment window.
pub async fn checkout_page(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    let chat = state.chat();
    let (o, (client_key, js_url)) = match (chat.order(id).await, chat.checkout_config()) {
        (Ok(o), Ok(c)) => (o, c),
        (Err(e), _) | (_, Err(e)) => {
            return page(e.status(), "No such order", "<p>Start again from pq: Settings → Membership.</p>");
        }
    };
    match o.status {
        pq_protocol::models::PaymentStatus::Pending => {}
        pq_protocol::models::PaymentStatus::Failed => {
            return page(
                StatusCode::CONFLICT,
                "This order did not go through",
                &format!(
                    "<p>{}</p><p>Start again from pq: Settings → Membership.</p>",
                    esc(o.failure.as_deref().unwrap_or("It failed."))
                ),
            );
        }
        _ => return result_page(true, &o.id, "Paid already", "This order is paid. Enjoy pq!", None),
    }
    let base = state.config().public_url.clone();
    let order_name = match &o.event_id {
        Some(event) => {
            let title = chat.event_participants(event.clone()).await.map(|p| p.event.title).unwrap_or_default();
            format!("{title} — {} entries", o.entries)
        }
        None => format!("{} — 1 month", plan_name(&o)),
    };
    let request = serde_json::json!({
        "clientKey": client_key,
        "customerKey": format!("pq-{}", o.user),
        "method": "CARD",
        "amount": { "currency": "KRW", "value": o.amount },
        "orderId": o.id,
        "orderName": order_name,
        "successUrl": format!("{base}/pay/{}/success", o.id),
        "failUrl": format!("{base}/pay/{}/fail", o.id),
    });
    // JSON inside <script>: no "</" can end the element early.
    let request = request.to_string().replace("</", "<\\/");
    let nonce = hex::encode(rand::random::<[u8; 16]>());
    let js_origin = url::Url::parse(&js_url).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
    let csp = format!(
        "default-src 'self' {js_origin} https://*.tosspayments.com; script-src 'nonce-{nonce}' {js_origin} \
         https://*.tosspayments.com; style-src 'unsafe-inline' https://*.tosspayments.com; \
         img-src 'self' data: https:; frame-ancestors 'none'; base-uri 'none'"
    );
    let body = format!(
        r#"<p>{name}</p><p class="price" id="price">₩{price}</p>
<p><button class="button" id="pay" type="button">Pay with Toss</button></p>
<p id="error" role="alert" style="color:#b00"></p>
<p style="color:#666;font-size:.9em">The price is set by this pq server; Toss Payments takes the card.
You can take a payment back yourself within 3 days (pq: Settings → Membership).</p>
<script type="application/json" id="checkout">{request}</script>
<script nonce="{nonce}" src="{js}"></script>
<script nonce="{nonce}">
document.getElementById("pay").addEventListener("click", function () {{
  var r = JSON.parse(document.getElementById("checkout").textContent);
  try {{
    TossPayments(r.clientKey).payment({{ customerKey: r.customerKey }}).requestPayment({{
      method: r.method, amount: r.amount, orderId: r.orderId, orderName: r.orderName,
      successUrl: r.successUrl, failUrl: r.failUrl
    }}).catch(function (e) {{ document.getElementById("error").textContent = e.message || String(e); }});
  }} catch (e) {{ document.getElementById("error").textContent = e.message || String(e); }}
}});
</script>"#,
        name = esc(&order_name),
        price = group(o.amount),
        js = esc(&js_url),
    );
    // The provider's script may need to know which site sends the buyer.
    let csp = HeaderValue::from_str(&csp).unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"));
    crate::idp::pages::html_with(
        StatusCode::OK,
        crate::idp::pages::simple_page("Checkout", &body),
        csp,
        "strict-origin",
    )
}

/// Won with thousands separated: 5,000.
fn group(n: u32) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Toss's success redirect.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SuccessQuery {
    order_id: String,
    payment_key: String,
    amount: u64,
}

/// `GET /pay/{order}/success`: Toss's window authorised the payment; pq
/// confirms it with Toss and sends the browser back to the app.
pub async fn success(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    q: Result<axum::extract::Query<SuccessQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(axum::extract::Query(q)) = q else {
        return result_page(
            false,
            &id,
            "Payment not completed",
            "Toss's answer was incomplete.",
            Some("incomplete answer"),
        );
    };
    if q.order_id != id {
        return result_page(
            false,
            &id,
            "Payment not completed",
            "Toss's answer names another order.",
            Some("another order"),
        );
    }
    match state.chat().complete_checkout(id.clone(), q.payment_key, q.amount).await {
        Ok(o) => {
            let text = if o.event_id.is_some() {
                format!("Your {} entries are in. Back to pq…", o.entries)
            } else {
                format!("{} is yours for a month. Back to pq…", plan_name(&o))
            };
            result_page(true, &o.id, "Thank you!", &text, None)
        }
        Err(e) => {
            let reason = e.to_string();
            result_page(false, &id, "Payment not completed", &reason, Some(&reason))
        }
    }
}

/// Toss's fail redirect.
#[derive(Debug, Deserialize)]
pub struct FailQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// `GET /pay/{order}/fail`: declined or given up in Toss's window.
pub async fn fail(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    axum::extract::Query(q): axum::extract::Query<FailQuery>,
) -> impl IntoResponse {
    let code = if q.code.is_empty() { "UNKNOWN" } else { q.code.as_str() };
    let reason =
        if q.code == "PAY_PROCESS_CANCELED" { "You cancelled the payment.".to_owned() } else { q.message.clone() };
    if let Err(e) = state.chat().fail_checkout(id.clone(), code, &q.message).await {
        tracing::debug!(order = %id, error = %e, "a fail redirect for an unknown order");
    }
    result_page(false, &id, "Payment not completed", &reason, Some(&format!("{code}: {reason}")))
}
