//! Membership plans bought through Toss Payments: orders, confirmation,
//! refunds, renewal and expiry, the ledger, reconciliation.
//!
//! # The flow
//! 1. [`Chat::start_checkout`]: an order with the plan's price (fixed here;
//!    the browser never says what to charge) and the checkout page's URL.
//! 2. The page (`routes::payments`) hands the order to Toss's SDK; Toss's
//!    window sends the browser back to `/pay/{order}/success` with a payment
//!    key and the amount, or to `/fail`.
//! 3. [`Chat::complete_checkout`] checks the amount against the order and
//!    confirms with Toss for the order's amount; once Toss says `DONE`, one
//!    writer change marks the order paid, extends the membership, sets the
//!    plan, appends to the ledger and tells the payer's apps.
//!
//! Every step is idempotent: a repeated redirect finds the order paid and
//! calls nobody; a repeated confirm hears `ALREADY_PROCESSED_PAYMENT`, looks
//! the payment up and applies it once; a webhook is only a hint to look the
//! payment up; a refund is sent with an idempotency key derived from what was
//! refunded before, and applied only up to the total Toss reports.
//!
//! # Periods
//! A payment buys [`PERIOD`] of its plan. Paying for the plan one has adds
//! a period after the current one (renewal); paying for another plan starts
//! it now, and the unused days of the old one are credited at the ratio of
//! the two prices (a downgrade gives more days, an upgrade fewer). At the
//! period's end the plan falls back to free unless renewed; "cancel at
//! period end" only stops the reminders. A full refund takes back what the
//! payment added (the latest payment: the membership before it comes back).

use pq_protocol::{
    Timestamp, UserId,
    gateway::Event,
    limits::Plan,
    models::{
        AdminPayments, Checkout, LedgerEntry, Membership, Mismatch, Payment, PaymentStatus, Reconciliation,
        RefundRequest,
    },
};

use super::{
    Chat,
    store::{MembershipRow, NewLedger, OrderRow},
    writer::Tx,
};
use crate::{
    config::{PaymentsConfig, PlanPrices},
    error::{ApiError, ApiResult},
    gateway::Audience,
    toss::{Toss, TossError, TossPayment},
};

/// What one payment buys.
pub const PERIOD_MS: i64 = 30 * 24 * 3600 * 1000;
/// How long a payer may take a payment back themselves.
pub const REFUND_WINDOW_MS: i64 = 3 * 24 * 3600 * 1000;
/// Payments listed on the membership page.
const HISTORY: usize = 50;
/// How far back a reconciliation looks for orders still pending.
const PENDING_RECONCILED_MS: i64 = 7 * 24 * 3600 * 1000;
/// Orders a reconciliation compares at most.
const RECONCILE_LIMIT: usize = 1000;

/// Payments as this server takes them.
#[derive(Debug)]
pub struct Payments {
    toss: Toss,
    config: PaymentsConfig,
    prices: PlanPrices,
    public_url: String,
    standin: Option<std::sync::Arc<crate::toss::standin::StandIn>>,
}

impl Payments {
    /// Payments through `config`'s Toss (its stand-in, when it is this
    /// server's own).
    #[must_use]
    pub fn new(config: &PaymentsConfig, prices: PlanPrices, public_url: &str) -> Self {
        let standin = config
            .standin
            .then(|| crate::toss::standin::StandIn::new(Some(format!("{public_url}/api/payments/toss-webhook"))));
        Self {
            toss: Toss::new(&config.api_url, config.secret_key.expose()),
            config: config.clone(),
            prices,
            public_url: public_url.to_owned(),
            standin,
        }
    }

    /// The stand-in of Toss this server serves, if it does.
    #[must_use]
    pub fn standin(&self) -> Option<&std::sync::Arc<crate::toss::standin::StandIn>> {
        self.standin.as_ref()
    }

    /// The checkout page's key and SDK.
    #[must_use]
    pub fn page_config(&self) -> (&str, &str) {
        (&self.config.client_key, &self.config.js_url)
    }
}

/// The wire form of an order.
#[must_use]
pub fn payment_of(o: &OrderRow) -> Payment {
    Payment {
        order_id: o.id.clone(),
        user_id: o.user,
        plan: o.plan,
        amount_krw: o.amount,
        refunded_krw: o.refunded,
        status: o.status,
        created_at: o.created_at,
        paid_at: o.paid_at,
        refundable_until: match (o.status, o.paid_at) {
            (PaymentStatus::Paid, Some(at)) => Some(at.plus_millis(REFUND_WINDOW_MS)),
            _ => None,
        },
        failure: o.failure.clone(),
        event_id: o.event_id.clone(),
        entries: o.entries,
    }
}

/// A new order id: 24 random characters Toss accepts in an `orderId`.
fn order_id() -> String {
    format!("pq-{}", crate::idp::devclient::random_string(18))
}

/// One's membership as the store has it now (inside a change or a read).
fn membership_of(store: &dyn super::store::Store, user: UserId, now: Timestamp) -> ApiResult<Membership> {
    let plan = store.account(user)?.ok_or(ApiError::NotFound("user"))?.plan;
    let period = store.membership(user)?.filter(|m| m.plan == plan && m.period_end > now);
    let payments = store.orders_of(user, HISTORY)?.iter().map(payment_of).collect();
    Ok(Membership {
        plan,
        period_end: period.map(|m| m.period_end),
        cancel_at_period_end: period.is_some_and(|m| m.cancel_at_period_end),
        payments,
    })
}

/// Tells the payer's apps their membership (and plan, if it changed).
pub(super) fn announce(tx: &mut Tx<'_>, user: UserId, plan_before: Plan) -> ApiResult<()> {
    let now = tx.now();
    let membership = membership_of(tx.store(), user, now)?;
    if membership.plan != plan_before {
        tx.emit(Audience::User(user), Event::PlanChanged { plan: membership.plan });
    }
    tx.emit(Audience::User(user), Event::MembershipChanged { membership });
    Ok(())
}

fn ledger(
    tx: &mut Tx<'_>,
    order: &OrderRow,
    action: &'static str,
    amount: u32,
    actor: Option<UserId>,
    note: Option<String>,
) -> ApiResult<()> {
    let at = tx.now();
    tx.store().append_ledger(&NewLedger { order, action, amount, actor, note, at })?;
    Ok(())
}

/// The rule: Toss says the order is paid.
fn apply_paid(tx: &mut Tx<'_>, id: &str, payment_key: &str, prices: PlanPrices) -> ApiResult<OrderRow> {
    let mut o = tx.store().order(id)?.ok_or(ApiError::NotFound("order"))?;
    if !matches!(o.status, PaymentStatus::Pending | PaymentStatus::Failed) {
        return Ok(o); // applied before
    }
    let now = tx.now();
    let before = tx.store().account(o.user)?.ok_or(ApiError::NotFound("user"))?.plan;
    if let Some(event) = o.event_id.clone() {
        // Entries of a paid event: the order, the ledger, the event's pot.
        o.status = PaymentStatus::Paid;
        o.payment_key = Some(payment_key.to_owned());
        o.failure = None;
        o.paid_at = Some(now);
        tx.store().put_order(&o)?;
        ledger(tx, &o, "paid", o.amount, None, Some(format!("{} entries of {event}", o.entries)))?;
        announce(tx, o.user, before)?;
        super::paid_events::announce_event(tx, &event)?;
        return Ok(o);
    }
    let current = tx.store().membership(o.user)?.filter(|m| m.plan == before && m.period_end > now);
    let new_end = match current {
        Some(m) if m.plan == o.plan => m.period_end.plus_millis(PERIOD_MS),
        Some(m) => {
            let left = m.period_end.as_millis() - now.as_millis();
            let (old, new) = (i64::from(prices.of(m.plan)), i64::from(prices.of(o.plan)).max(1));
            now.plus_millis(PERIOD_MS + left * old / new)
        }
        None => now.plus_millis(PERIOD_MS),
    };
    o.prev = current.map(|m| (m.plan, m.period_end));
    o.added_ms = new_end.as_millis() - current.map_or(now, |m| m.period_end).as_millis();
    o.status = PaymentStatus::Paid;
    o.payment_key = Some(payment_key.to_owned());
    o.failure = None;
    o.paid_at = Some(now);
    tx.store().put_order(&o)?;
    let cancel_at_period_end = current.is_some_and(|m| m.plan == o.plan && m.cancel_at_period_end);
    tx.store()
        .put_membership(o.user, Some(&MembershipRow { plan: o.plan, period_end: new_end, cancel_at_period_end }))?;
    tx.store().set_plan(o.user, o.plan)?;
    ledger(tx, &o, "paid", o.amount, None, None)?;
    announce(tx, o.user, before)?;
    Ok(o)
}

/// The rule: the order failed (declined, abandoned, refused, tampered).
fn apply_failed(tx: &mut Tx<'_>, id: &str, why: String) -> ApiResult<OrderRow> {
    let mut o = tx.store().order(id)?.ok_or(ApiError::NotFound("order"))?;
    if o.status != PaymentStatus::Pending {
        return Ok(o);
    }
    o.status = PaymentStatus::Failed;
    o.failure = Some(why.clone());
    tx.store().put_order(&o)?;
    ledger(tx, &o, "failed", 0, None, Some(why))?;
    let plan = tx.store().account(o.user)?.map(|a| a.plan).unwrap_or_default();
    announce(tx, o.user, plan)?;
    Ok(o)
}

/// The rule: Toss has given back `refunded_total` of the order in all.
fn apply_refund(
    tx: &mut Tx<'_>,
    id: &str,
    refunded_total: u32,
    actor: Option<UserId>,
    reason: Option<String>,
) -> ApiResult<OrderRow> {
    let mut o = tx.store().order(id)?.ok_or(ApiError::NotFound("order"))?;
    if refunded_total <= o.refunded || !matches!(o.status, PaymentStatus::Paid | PaymentStatus::PartiallyRefunded) {
        return Ok(o); // applied before
    }
    let delta = refunded_total - o.refunded;
    o.refunded = refunded_total.min(o.amount);
    o.status = if o.refunded >= o.amount { PaymentStatus::Refunded } else { PaymentStatus::PartiallyRefunded };
    tx.store().put_order(&o)?;
    ledger(tx, &o, "refunded", delta, actor, reason)?;
    let before = tx.store().account(o.user)?.map(|a| a.plan).unwrap_or_default();
    if let Some(event) = o.event_id.clone() {
        announce(tx, o.user, before)?;
        super::paid_events::announce_event(tx, &event)?;
        return Ok(o);
    }
    if o.status == PaymentStatus::Refunded
        && let Some(m) = tx.store().membership(o.user)?
        && m.plan == o.plan
    {
        let now = tx.now();
        let latest = tx
            .store()
            .orders_of(o.user, HISTORY)?
            .into_iter()
            .find(|x| x.paid_at.is_some() && x.id != o.id && x.paid_at > o.paid_at)
            .is_none();
        let back = match o.prev {
            Some((plan, end)) if latest && plan != o.plan => {
                Some(MembershipRow { plan, period_end: end, cancel_at_period_end: false })
            }
            _ => Some(MembershipRow { period_end: m.period_end.plus_millis(-o.added_ms), ..m }),
        }
        .filter(|b| b.period_end > now);
        tx.store().put_membership(o.user, back.as_ref())?;
        tx.store().set_plan(o.user, back.map_or(Plan::Free, |b| b.plan))?;
    }
    announce(tx, o.user, before)?;
    Ok(o)
}

fn toss_failure(e: &TossError) -> String {
    match e {
        TossError::Refused { code, message, .. } => format!("{code}: {message}"),
        TossError::Unreachable(why) => format!("Toss could not be reached ({why})"),
    }
}

/// What Toss's total refund of a payment is, in won.
fn refunded_by_toss(p: &TossPayment) -> u32 {
    u32::try_from(p.total_amount.saturating_sub(p.balance_amount)).unwrap_or(u32::MAX)
}

impl Chat {
    fn payments(&self) -> ApiResult<&Payments> {
        self.payments.as_ref().ok_or_else(|| ApiError::Unavailable("this pq server takes no payments".into()))
    }

    /// Whether an order may still be paid or given back as far as its event
    /// goes: entries only while the event is open (orders for plans: always).
    async fn entries_open(&self, o: &OrderRow) -> ApiResult<bool> {
        let Some(event) = o.event_id.clone() else { return Ok(true) };
        let now = self.hub.clock().timestamp();
        let e = self.reads.read(move |s| Ok::<_, ApiError>(s.paid_event(&event)?)).await?;
        Ok(e.is_some_and(|e| super::paid_events::state_of(&e, now) == pq_protocol::models::PaidEventState::Open))
    }

    /// The stand-in of Toss this server serves, if any.
    #[must_use]
    pub fn toss_standin(&self) -> Option<&std::sync::Arc<crate::toss::standin::StandIn>> {
        self.payments.as_ref().and_then(Payments::standin)
    }

    /// The checkout page's Toss client key and SDK URL.
    ///
    /// # Errors
    /// 503 without payments.
    pub fn checkout_config(&self) -> ApiResult<(String, String)> {
        let (key, js) = self.payments()?.page_config();
        Ok((key.to_owned(), js.to_owned()))
    }

    /// An order for a month of `plan`, and its checkout page.
    ///
    /// # Errors
    /// 422 for the free plan; 503 without payments.
    pub async fn start_checkout(&self, user: UserId, plan: Plan) -> ApiResult<Checkout> {
        let p = self.payments()?;
        let amount = p.prices.of(plan);
        if plan == Plan::Free || amount == 0 {
            return Err(ApiError::invalid("plan", "choose a paid plan (basic or premium)"));
        }
        self.new_order(user, plan, amount, None).await
    }

    /// Makes an order (a plan's month, or `event`'s entries) and answers
    /// its checkout page.
    pub(super) async fn new_order(
        &self,
        user: UserId,
        plan: Plan,
        amount: u32,
        event: Option<(String, u32)>,
    ) -> ApiResult<Checkout> {
        let p = self.payments()?;
        let id = order_id();
        let url = format!("{}/pay/{id}", p.public_url);
        let order_id = id.clone();
        self.writer
            .run(move |tx| {
                if let Some((event, _)) = &event {
                    super::paid_events::require_open(tx, event)?;
                }
                let (event_id, entries) = event.map_or((None, 0), |(e, n)| (Some(e), n));
                let o = OrderRow {
                    event_id,
                    entries,
                    id,
                    user,
                    plan,
                    amount,
                    refunded: 0,
                    status: PaymentStatus::Pending,
                    payment_key: None,
                    failure: None,
                    added_ms: 0,
                    prev: None,
                    created_at: tx.now(),
                    paid_at: None,
                };
                tx.store().put_order(&o)?;
                ledger(tx, &o, "created", amount, Some(user), None)
            })
            .await?;
        Ok(Checkout { order_id, amount_krw: amount, url })
    }

    /// An order (for its checkout page and results).
    ///
    /// # Errors
    /// 404.
    pub async fn order(&self, id: String) -> ApiResult<OrderRow> {
        if !crate::toss::is_key(&id) {
            return Err(ApiError::NotFound("order"));
        }
        self.reads.read(move |s| s.order(&id)?.ok_or(ApiError::NotFound("order"))).await
    }

    /// Toss's window sent the browser back with `payment_key` for `amount`:
    /// confirms it with Toss for the order's own amount and applies it once.
    ///
    /// # Errors
    /// 404 unknown order; 409 the amount does not match the order (it is
    /// marked failed and nothing is confirmed); 502 Toss refused (the order
    /// is marked failed) or could not be reached (it stays pending: the
    /// same link or a webhook finishes it; a reconciliation lists it).
    pub async fn complete_checkout(&self, id: String, payment_key: String, amount: u64) -> ApiResult<OrderRow> {
        let p = self.payments()?;
        let o = self.order(id.clone()).await?;
        if o.payment_key.as_deref() == Some(payment_key.as_str()) && o.status != PaymentStatus::Pending {
            return Ok(o); // the same redirect again
        }
        if !crate::toss::is_key(&payment_key) {
            return Err(ApiError::BadRequest("not a Toss payment key".into()));
        }
        if o.status != PaymentStatus::Pending {
            return Err(ApiError::Conflict(format!("this order is {}", status_name(o.status))));
        }
        if !self.entries_open(&o).await? {
            let why = "the event is not open for entries (it has ended)".to_owned();
            self.fail_order(id, why.clone()).await?;
            return Err(ApiError::Conflict(why));
        }
        if amount != u64::from(o.amount) {
            let why = format!("the amount {amount} does not match the order's {}", o.amount);
            self.fail_order(id.clone(), why.clone()).await?;
            tracing::warn!(order = %id, amount, "a checkout came back with another amount; not confirmed");
            return Err(ApiError::Conflict(why));
        }
        let confirmed = match p.toss.confirm(&payment_key, &id, u64::from(o.amount)).await {
            Ok(t) => Ok(t),
            Err(e) if e.code() == Some("ALREADY_PROCESSED_PAYMENT") => p.toss.payment(&payment_key).await,
            Err(e) => Err(e),
        };
        match confirmed {
            Ok(t) if t.status == "DONE" && t.order_id == id && t.total_amount == u64::from(o.amount) => {
                let prices = p.prices;
                let key = t.payment_key.clone();
                let o = self.writer.run(move |tx| apply_paid(tx, &id, &key, prices)).await?;
                tracing::info!(order = %o.id, user = %o.user, plan = o.plan.as_str(), amount = o.amount, "payment confirmed");
                Ok(o)
            }
            Ok(t) => {
                let why = format!(
                    "Toss reports the payment {} for order {} and {} won",
                    t.status, t.order_id, t.total_amount
                );
                self.fail_order(id, why.clone()).await?;
                Err(ApiError::PaymentFailed(why))
            }
            Err(e @ TossError::Unreachable(_)) => {
                tracing::warn!(order = %id, error = %e, "Toss could not be reached to confirm; the order stays pending");
                Err(ApiError::PaymentFailed(toss_failure(&e)))
            }
            Err(e) => {
                let why = toss_failure(&e);
                self.fail_order(id, why.clone()).await?;
                Err(ApiError::PaymentFailed(why))
            }
        }
    }

    /// Toss's window sent the browser to the fail URL (declined, given up).
    ///
    /// # Errors
    /// 404 unknown order.
    pub async fn fail_checkout(&self, id: String, code: &str, message: &str) -> ApiResult<OrderRow> {
        self.payments()?;
        self.fail_order(id, format!("{code}: {message}")).await
    }

    /// Marks a pending order failed, saying why (once).
    async fn fail_order(&self, id: String, why: String) -> ApiResult<OrderRow> {
        self.writer.run(move |tx| apply_failed(tx, &id, why)).await
    }

    /// Gives back a payment through Toss's cancel API: its payer all of it
    /// within [`REFUND_WINDOW_MS`] of paying; an administrator any part of
    /// what is left, at any time.
    ///
    /// # Errors
    /// 404 (not one's own, for a non-administrator); 403 past the window or
    /// a partial amount asked by the payer; 409 nothing to give back; 422 an
    /// amount over what is left, or no reason; 502 Toss refused.
    pub async fn refund(&self, who: UserId, is_admin: bool, id: String, req: RefundRequest) -> ApiResult<Payment> {
        let p = self.payments()?;
        let reason = super::validate::name("reason", &req.reason, 200)?;
        let o = self.order(id.clone()).await?;
        if o.user != who && !is_admin {
            return Err(ApiError::NotFound("order"));
        }
        if !matches!(o.status, PaymentStatus::Paid | PaymentStatus::PartiallyRefunded) {
            return Err(ApiError::Conflict(format!("this order is {}: nothing to give back", status_name(o.status))));
        }
        if !self.entries_open(&o).await? {
            return Err(ApiError::Conflict(
                "entries are final once the event has ended (its participants are what the draw uses)".into(),
            ));
        }
        let left = o.amount - o.refunded;
        let amount = req.amount_krw.unwrap_or(left);
        if !is_admin {
            if amount != o.amount || o.refunded > 0 {
                return Err(ApiError::Forbidden("you can only take a whole payment back".into()));
            }
            let until = o.paid_at.map_or(o.created_at, |t| t).plus_millis(REFUND_WINDOW_MS);
            if self.hub.clock().timestamp() > until {
                return Err(ApiError::Forbidden(
                    "payments can be taken back within 3 days; ask an administrator".into(),
                ));
            }
        }
        if amount == 0 || amount > left {
            return Err(ApiError::invalid("amount_krw", format!("between 1 and {left} won (what is left)")));
        }
        let key = o.payment_key.clone().ok_or_else(|| ApiError::Conflict("this order has no payment".into()))?;
        // The same refund asked twice carries the same key: Toss answers it once.
        let idempotency = format!("{id}-{}-{amount}", o.refunded);
        let partial = (amount != left).then_some(u64::from(amount));
        let t = p.toss.cancel(&key, &reason, partial, &idempotency).await.map_err(|e| {
            tracing::warn!(order = %id, error = %e, "refund refused");
            ApiError::PaymentFailed(toss_failure(&e))
        })?;
        let total = refunded_by_toss(&t);
        let actor = Some(who);
        let o = self.writer.run(move |tx| apply_refund(tx, &id, total, actor, Some(reason))).await?;
        tracing::info!(order = %o.id, by = %who, amount, "payment refunded");
        Ok(payment_of(&o))
    }

    /// One's membership.
    ///
    /// # Errors
    /// Storage failure.
    pub async fn membership(&self, user: UserId) -> ApiResult<Membership> {
        let now = self.hub.clock().timestamp();
        self.reads.read(move |s| membership_of(s, user, now)).await
    }

    /// Lets one's paid plan end at its period's end (or keeps it).
    ///
    /// # Errors
    /// 409 without a paid period.
    pub async fn set_cancel_at_period_end(&self, user: UserId, cancel: bool) -> ApiResult<Membership> {
        self.writer
            .run(move |tx| {
                let now = tx.now();
                let plan = tx.store().account(user)?.ok_or(ApiError::NotFound("user"))?.plan;
                let m = tx
                    .store()
                    .membership(user)?
                    .filter(|m| m.plan == plan && m.period_end > now)
                    .ok_or_else(|| ApiError::Conflict("you have no paid plan running".into()))?;
                tx.store().put_membership(user, Some(&MembershipRow { cancel_at_period_end: cancel, ..m }))?;
                announce(tx, user, plan)?;
                membership_of(tx.store(), user, now)
            })
            .await
    }

    /// Ends the paid periods that are over: their plans fall back to free
    /// (unless an administrator gave another plan since).
    ///
    /// # Errors
    /// Storage failure.
    pub async fn expire_memberships(&self) -> ApiResult<usize> {
        let now = self.hub.clock().timestamp();
        let due = self.reads.read(move |s| s.memberships_due(now, 500)).await?;
        let mut ended = 0;
        for user in due {
            let did = self
                .writer
                .run(move |tx| {
                    let now = tx.now();
                    let Some(m) = tx.store().membership(user)?.filter(|m| m.period_end <= now) else {
                        return Ok(false);
                    };
                    let before = tx.store().account(user)?.map(|a| a.plan).unwrap_or_default();
                    tx.store().put_membership(user, None)?;
                    if before == m.plan {
                        tx.store().set_plan(user, Plan::Free)?;
                    }
                    announce(tx, user, before)?;
                    Ok(true)
                })
                .await?;
            ended += usize::from(did);
        }
        Ok(ended)
    }

    /// Payments, newest first, with the totals (administrators).
    ///
    /// # Errors
    /// Storage failure.
    pub async fn admin_payments(&self, before: Option<String>, limit: usize) -> ApiResult<AdminPayments> {
        self.reads
            .read(move |s| {
                let (rows, has_more) = s.orders_page(before.as_deref(), limit)?;
                let (paid_krw, refunded_krw) = s.payment_totals()?;
                Ok::<_, ApiError>(AdminPayments {
                    payments: rows.iter().map(payment_of).collect(),
                    has_more,
                    paid_krw,
                    refunded_krw,
                })
            })
            .await
    }

    /// An order's ledger, for its payer or an administrator.
    ///
    /// # Errors
    /// 404 (also someone else's order).
    pub async fn ledger(&self, who: UserId, is_admin: bool, id: String) -> ApiResult<Vec<LedgerEntry>> {
        let o = self.order(id.clone()).await?;
        if o.user != who && !is_admin {
            return Err(ApiError::NotFound("order"));
        }
        self.reads.read(move |s| Ok::<_, ApiError>(s.ledger_of(&id)?)).await
    }

    /// A webhook says a payment changed: looks it up at Toss (the webhook's
    /// own word is not trusted) and applies what Toss says, once.
    ///
    /// # Errors
    /// 502 Toss could not be reached (Toss sends the webhook again).
    pub async fn payment_changed(&self, payment_key: &str) -> ApiResult<()> {
        let p = self.payments()?;
        if !crate::toss::is_key(payment_key) {
            return Err(ApiError::BadRequest("not a Toss payment key".into()));
        }
        let t = match p.toss.payment(payment_key).await {
            Ok(t) => t,
            Err(TossError::Refused { status: 404, .. }) => return Ok(()), // nothing of ours
            Err(e) => return Err(ApiError::PaymentFailed(toss_failure(&e))),
        };
        self.apply_toss_view(&t).await.map(drop)
    }

    /// Brings an order in line with Toss's view of its payment.
    async fn apply_toss_view(&self, t: &TossPayment) -> ApiResult<Option<OrderRow>> {
        let p = self.payments()?;
        let Ok(o) = self.order(t.order_id.clone()).await else { return Ok(None) };
        if t.total_amount != u64::from(o.amount) || o.payment_key.as_ref().is_some_and(|k| *k != t.payment_key) {
            tracing::warn!(order = %o.id, "Toss's payment does not match the order; not applied");
            return Ok(Some(o));
        }
        let (id, key, prices) = (o.id.clone(), t.payment_key.clone(), p.prices);
        let refunded = refunded_by_toss(t);
        let o = match t.status.as_str() {
            "DONE" | "PARTIAL_CANCELED" | "CANCELED" => {
                let mut o = self.writer.run(move |tx| apply_paid(tx, &id, &key, prices)).await?;
                if refunded > o.refunded {
                    let id = o.id.clone();
                    o = self
                        .writer
                        .run(move |tx| apply_refund(tx, &id, refunded, None, Some("at Toss".into())))
                        .await?;
                }
                o
            }
            "ABORTED" | "EXPIRED" => self.fail_order(id, format!("Toss reports the payment {}", t.status)).await?,
            _ => o,
        };
        Ok(Some(o))
    }

    /// Compares the ledger with Toss's view of the same orders (those with a
    /// payment key, newest first).
    ///
    /// # Errors
    /// 502 Toss could not be reached.
    pub async fn reconcile(&self) -> ApiResult<Reconciliation> {
        let p = self.payments()?;
        // Orders still pending from the last week too: one whose confirm
        // could not reach Toss has no payment key here, and is found by its id.
        let since = self.hub.clock().timestamp().plus_millis(-PENDING_RECONCILED_MS);
        let orders = self.reads.read(move |s| s.orders_to_reconcile(since, RECONCILE_LIMIT)).await?;
        let mut mismatches = Vec::new();
        for o in &orders {
            let ours = format!("{} with {} won left", status_name(o.status), o.amount - o.refunded);
            let at_toss = match &o.payment_key {
                Some(key) => p.toss.payment(key).await,
                None => p.toss.payment_by_order(&o.id).await,
            };
            let theirs = match at_toss {
                Err(TossError::Refused { status: 404, .. }) if o.status == PaymentStatus::Pending => continue,
                Ok(t)
                    if o.status == PaymentStatus::Pending
                        && matches!(t.status.as_str(), "READY" | "IN_PROGRESS" | "ABORTED" | "EXPIRED") =>
                {
                    continue;
                }
                Ok(t) => {
                    let want = match o.status {
                        PaymentStatus::Paid => "DONE",
                        PaymentStatus::PartiallyRefunded => "PARTIAL_CANCELED",
                        PaymentStatus::Refunded => "CANCELED",
                        PaymentStatus::Failed => "ABORTED",
                        PaymentStatus::Pending => "IN_PROGRESS",
                    };
                    let agree = (t.status == want
                        || (o.status == PaymentStatus::Failed
                            && matches!(t.status.as_str(), "IN_PROGRESS" | "EXPIRED")))
                        && (o.status == PaymentStatus::Failed || t.balance_amount == u64::from(o.amount - o.refunded));
                    if agree {
                        continue;
                    }
                    format!("{} with {} won left", t.status, t.balance_amount)
                }
                Err(TossError::Refused { code, .. }) => code,
                Err(e) => return Err(ApiError::PaymentFailed(toss_failure(&e))),
            };
            mismatches.push(Mismatch { order_id: o.id.clone(), ours, theirs });
        }
        Ok(Reconciliation { checked: u32::try_from(orders.len()).unwrap_or(u32::MAX), mismatches })
    }
}

/// A status as the messages say it.
fn status_name(s: PaymentStatus) -> &'static str {
    match s {
        PaymentStatus::Pending => "pending",
        PaymentStatus::Paid => "paid",
        PaymentStatus::PartiallyRefunded => "partially refunded",
        PaymentStatus::Refunded => "refunded",
        PaymentStatus::Failed => "failed",
    }
}
