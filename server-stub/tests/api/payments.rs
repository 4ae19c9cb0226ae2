//! Membership plans bought through Toss Payments, against the stand-in of
//! Toss (which behaves as Toss documents its window, confirm, cancel, lookup
//! and webhooks): checkout end to end, a repeated redirect and webhook, the
//! amount tampered with in the browser, declined and refused cards, refunds
//! by the payer and by administrators, renewal, a change of plan, expiry on
//! the server's clock, and reconciliation with the provider.

use std::time::Duration;

use pq_protocol::{
    ClientMessageId,
    gateway::Event,
    limits::Plan,
    models::{
        AdminPayments, Checkout, EventParticipant, EventParticipants, LedgerEntry, Membership, PaidEvent,
        PaidEventState, Payment, PaymentStatus, Reconciliation,
    },
};
use pq_server::{
    idp::devclient::{PayOutcome, browser, complete_checkout},
    toss::TossPayment,
};
use reqwest::Method;
use serde_json::json;

use crate::{
    client::{Api, Gw},
    common::TestServer,
    servers::{api, server_with, text_channel},
};

const DAY: Duration = Duration::from_secs(24 * 3600);

async fn admin_server() -> TestServer {
    TestServer::start_with(|a| {
        a.dev_admins = vec!["root@example.com".into()];
        // Tokens that outlive the months these tests move the clock by.
        a.dev_access_token_ttl_secs = 3 * 365 * 24 * 3600;
    })
    .await
}

async fn checkout(a: &Api, plan: &str) -> Checkout {
    a.post("/api/payments/checkout", json!({ "plan": plan })).await
}

/// Pays in the stand-in's window as `outcome`; returns the app link the
/// browser ends on.
async fn pay(c: &Checkout, outcome: PayOutcome) -> url::Url {
    let link = complete_checkout(&browser(), &c.url, outcome, None).await.expect("the checkout goes through");
    url::Url::parse(&link).unwrap()
}

fn query(u: &url::Url, key: &str) -> Option<String> {
    u.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

fn standin_payment(ts: &TestServer, order: &str) -> Vec<TossPayment> {
    let s = ts.server.state.chat().toss_standin().expect("the server serves the stand-in");
    s.payments().into_iter().filter(|p| p.order_id == order).collect()
}

async fn ledger(a: &Api, order: &str) -> Vec<String> {
    let l: Vec<LedgerEntry> = a.get(&format!("/api/payments/{order}/ledger")).await;
    l.into_iter().map(|e| e.action).collect()
}

async fn webhook(ts: &TestServer, p: &TossPayment) -> u16 {
    ts.http
        .post(ts.at("/api/payments/toss-webhook"))
        .json(&json!({ "eventType": "PAYMENT_STATUS_CHANGED", "createdAt": "2026-12-06T00:00:00+09:00", "data": p }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_plan_is_bought_confirmed_once_and_taken_back() {
    let ts = admin_server().await;
    let alice = api(&ts, "alice@example.com").await;
    let s = server_with(&alice, &[]).await;
    let ch = text_channel(&s).id;
    let mut gw = Gw::connect(&ts.url, &alice.token).await;
    // Free: 150 characters.
    assert!(gw.send_with_id(ch, ClientMessageId::new(), &"x".repeat(151)).await.is_err());

    let c = checkout(&alice, "premium").await;
    assert_eq!(c.amount_krw, 5000, "the server's price");
    assert!(c.url.starts_with(&format!("{}/pay/", ts.url)), "{}", c.url);
    let back = pay(&c, PayOutcome::Pay).await;
    assert_eq!(back.as_str().split('?').next(), Some("pq://payment/success"), "{back}");
    assert_eq!(query(&back, "order_id").as_deref(), Some(c.order_id.as_str()));

    // Her apps hear of it at once.
    gw.event("plan_changed", |e| matches!(e, Event::PlanChanged { plan: Plan::Premium })).await;
    gw.event(
        "membership_changed",
        |e| matches!(e, Event::MembershipChanged { membership } if membership.plan == Plan::Premium),
    )
    .await;
    let m: Membership = alice.get("/api/users/@me/membership").await;
    assert_eq!(m.plan, Plan::Premium);
    let end = m.period_end.expect("a paid period").as_millis();
    let now = ts.clock().timestamp().as_millis();
    assert!((end - now - 30 * 86_400_000).abs() < 60_000, "a month from now");
    let paid = &m.payments[0];
    assert_eq!((paid.status, paid.amount_krw, paid.plan), (PaymentStatus::Paid, 5000, Plan::Premium));
    assert!(paid.refundable_until.is_some());
    // The new limit holds at once.
    gw.send_message(ch, &"x".repeat(1000)).await;

    // Toss confirmed it once; the redirect again, the page again and the
    // webhook (twice) change nothing.
    let at_toss = standin_payment(&ts, &c.order_id);
    assert_eq!(at_toss.len(), 1);
    assert_eq!(at_toss[0].status, "DONE");
    let again = format!(
        "{}/pay/{}/success?paymentType=NORMAL&orderId={}&paymentKey={}&amount=5000",
        ts.url, c.order_id, c.order_id, at_toss[0].payment_key
    );
    let r = ts.http.get(&again).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("pq://payment/success"));
    let page = complete_checkout(&browser(), &c.url, PayOutcome::Pay, None).await.unwrap();
    assert!(page.starts_with("pq://payment/success"), "the page of a paid order sends back to the app: {page}");
    assert_eq!(webhook(&ts, &at_toss[0]).await, 200);
    assert_eq!(webhook(&ts, &at_toss[0]).await, 200);
    assert_eq!(ledger(&alice, &c.order_id).await, ["created", "paid"], "paid once");
    let m2: Membership = alice.get("/api/users/@me/membership").await;
    assert_eq!(m2.period_end, m.period_end, "not extended twice");

    // She takes it back within 3 days: all of it, and the month with it.
    alice
        .fails(
            Method::POST,
            &format!("/api/payments/{}/refund", c.order_id),
            Some(json!({"reason": "x", "amount_krw": 100})),
            403,
            "forbidden",
        )
        .await;
    let refunded: Payment =
        alice.post(&format!("/api/payments/{}/refund", c.order_id), json!({ "reason": "changed my mind" })).await;
    assert_eq!((refunded.status, refunded.refunded_krw), (PaymentStatus::Refunded, 5000));
    gw.event("plan_changed", |e| matches!(e, Event::PlanChanged { plan: Plan::Free })).await;
    assert_eq!(standin_payment(&ts, &c.order_id)[0].status, "CANCELED");
    assert_eq!(ledger(&alice, &c.order_id).await, ["created", "paid", "refunded"]);
    alice
        .fails(
            Method::POST,
            &format!("/api/payments/{}/refund", c.order_id),
            Some(json!({"reason": "again"})),
            409,
            "conflict",
        )
        .await;
    // Back to 150 characters.
    assert!(gw.send_with_id(ch, ClientMessageId::new(), &"x".repeat(151)).await.is_err());
    // Nobody else sees her order.
    let bob = api(&ts, "bob@example.com").await;
    bob.fails(Method::GET, &format!("/api/payments/{}/ledger", c.order_id), None, 404, "not_found").await;
    bob.fails(
        Method::POST,
        &format!("/api/payments/{}/refund", c.order_id),
        Some(json!({"reason": "x"})),
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn a_tampered_amount_a_declined_card_and_a_lying_webhook_buy_nothing() {
    let ts = admin_server().await;
    let alice = api(&ts, "alice@example.com").await;
    alice.fails(Method::POST, "/api/payments/checkout", Some(json!({"plan": "free"})), 422, "invalid_field").await;

    // The page's script edited to pay 100 won: Toss authorised 100, pq
    // confirms nothing.
    let c = checkout(&alice, "basic").await;
    let back =
        url::Url::parse(&complete_checkout(&browser(), &c.url, PayOutcome::Pay, Some(100)).await.unwrap()).unwrap();
    assert_eq!(back.as_str().split('?').next(), Some("pq://payment/fail"));
    assert!(query(&back, "reason").unwrap().contains("does not match"), "{back}");
    let at_toss = standin_payment(&ts, &c.order_id);
    assert_eq!(at_toss[0].status, "IN_PROGRESS", "never confirmed at Toss");
    // A webhook claiming it is done is checked with Toss and ignored.
    let mut lie = at_toss[0].clone();
    lie.status = "DONE".into();
    lie.total_amount = 2500;
    assert_eq!(webhook(&ts, &lie).await, 200);
    let m: Membership = alice.get("/api/users/@me/membership").await;
    assert_eq!(m.plan, Plan::Free);
    assert_eq!(m.payments[0].status, PaymentStatus::Failed);

    for (outcome, code) in [
        (PayOutcome::Decline, "REJECT_CARD_COMPANY"),
        (PayOutcome::RejectAtConfirm, "REJECT_CARD_PAYMENT"),
        (PayOutcome::Cancel, "PAY_PROCESS_CANCELED"),
    ] {
        let c = checkout(&alice, "basic").await;
        let back = pay(&c, outcome).await;
        assert_eq!(back.as_str().split('?').next(), Some("pq://payment/fail"), "{outcome:?}");
        let reason = query(&back, "reason").unwrap();
        assert!(reason.contains(code), "{outcome:?}: {reason}");
        let m: Membership = alice.get("/api/users/@me/membership").await;
        let p = m.payments.iter().find(|p| p.order_id == c.order_id).unwrap();
        assert_eq!(p.status, PaymentStatus::Failed, "{outcome:?}");
        assert!(p.failure.as_deref().unwrap().contains(code));
        assert_eq!(m.plan, Plan::Free);
        // A failed order's page does not take money.
        let page = ts.http.get(&c.url).send().await.unwrap();
        assert_eq!(page.status(), 409);
    }
    // A refused payment cannot be refunded.
    let m: Membership = alice.get("/api/users/@me/membership").await;
    alice
        .fails(
            Method::POST,
            &format!("/api/payments/{}/refund", m.payments[0].order_id),
            Some(json!({"reason": "x"})),
            409,
            "conflict",
        )
        .await;
}

#[tokio::test]
async fn renewal_a_change_of_plan_refunds_and_expiry() {
    let ts = admin_server().await;
    let root = api(&ts, "root@example.com").await;
    let alice = api(&ts, "alice@example.com").await;
    let month = 30 * 86_400_000_i64;
    let now = || ts.clock().timestamp().as_millis();
    let near = |a: i64, b: i64| (a - b).abs() < 120_000;

    // Basic, then Basic again: two months.
    let b1 = checkout(&alice, "basic").await;
    pay(&b1, PayOutcome::Pay).await;
    let b2 = checkout(&alice, "basic").await;
    pay(&b2, PayOutcome::Pay).await;
    let m: Membership = alice.get("/api/users/@me/membership").await;
    assert_eq!(m.plan, Plan::Basic);
    assert!(near(m.period_end.unwrap().as_millis(), now() + 2 * month), "renewal adds a month");

    // Premium now: the two Basic months left are worth one Premium month.
    let p = checkout(&alice, "premium").await;
    pay(&p, PayOutcome::Pay).await;
    let m: Membership = alice.get("/api/users/@me/membership").await;
    assert_eq!(m.plan, Plan::Premium);
    assert!(near(m.period_end.unwrap().as_millis(), now() + 2 * month), "credited at the price ratio");

    // Not to be renewed.
    let m: Membership = alice.patch("/api/users/@me/membership", json!({ "cancel_at_period_end": true })).await;
    assert!(m.cancel_at_period_end);

    // Four days on, she cannot take it back herself; an administrator can,
    // in parts.
    ts.clock().advance(4 * DAY);
    alice
        .fails(
            Method::POST,
            &format!("/api/payments/{}/refund", p.order_id),
            Some(json!({"reason": "late"})),
            403,
            "forbidden",
        )
        .await;
    alice.fails(Method::GET, "/api/admin/payments", None, 403, "forbidden").await;
    alice.fails(Method::POST, "/api/admin/payments/reconcile", None, 403, "forbidden").await;
    root.fails(
        Method::POST,
        &format!("/api/payments/{}/refund", p.order_id),
        Some(json!({"reason": "x", "amount_krw": 6000})),
        422,
        "invalid_field",
    )
    .await;
    let part: Payment = root
        .post(&format!("/api/payments/{}/refund", p.order_id), json!({ "reason": "goodwill", "amount_krw": 1000 }))
        .await;
    assert_eq!((part.status, part.refunded_krw), (PaymentStatus::PartiallyRefunded, 1000));
    let m: Membership = alice.get("/api/users/@me/membership").await;
    assert_eq!(m.plan, Plan::Premium, "a partial refund keeps the plan");
    // The rest: the Premium payment is undone, Basic comes back.
    let rest: Payment = root.post(&format!("/api/payments/{}/refund", p.order_id), json!({ "reason": "undo" })).await;
    assert_eq!((rest.status, rest.refunded_krw), (PaymentStatus::Refunded, 5000));
    let m: Membership = alice.get("/api/users/@me/membership").await;
    assert_eq!(m.plan, Plan::Basic);
    assert_eq!(ledger(&root, &p.order_id).await, ["created", "paid", "refunded", "refunded"]);

    let all: AdminPayments = root.get("/api/admin/payments?limit=2").await;
    assert_eq!(all.payments.len(), 2);
    assert!(all.has_more);
    assert_eq!(all.payments[0].order_id, p.order_id, "newest first");
    assert_eq!((all.paid_krw, all.refunded_krw), (10_000, 5000));
    let next: AdminPayments = root.get(&format!("/api/admin/payments?before={}", all.payments[1].order_id)).await;
    assert_eq!(next.payments.len(), 1);
    assert_eq!(next.payments[0].order_id, b1.order_id);
    let r: Reconciliation = root.post("/api/admin/payments/reconcile", json!({})).await;
    assert_eq!(r.checked, 3);
    assert!(r.mismatches.is_empty(), "{:?}", r.mismatches);

    // When the period ends, the plan does too (the server's schedule).
    // (Polled: moving the clock by months also ends gateway sessions.)
    ts.clock().advance(60 * DAY);
    let mut m: Membership = alice.get("/api/users/@me/membership").await;
    for _ in 0..100 {
        if m.plan == Plan::Free {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        m = alice.get("/api/users/@me/membership").await;
    }
    assert_eq!((m.plan, m.period_end), (Plan::Free, None));
    // And a plan an administrator gives has no end.
    let me: pq_protocol::models::Me = alice.get("/api/users/@me").await;
    let (st, _) =
        root.call(Method::PUT, &format!("/api/admin/users/{}/plan", me.id), Some(json!({"plan": "basic"}))).await;
    assert_eq!(st, 204);
    ts.clock().advance(400 * DAY);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let m: Membership = alice.get("/api/users/@me/membership").await;
    assert_eq!((m.plan, m.period_end), (Plan::Basic, None));
}

#[tokio::test]
async fn reconciliation_finds_what_the_ledger_missed() {
    // Toss on its own address, with no webhook registered.
    let toss = pq_server::toss::standin::StandIn::new(None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let toss_url = format!("http://{}", listener.local_addr().unwrap());
    let router = toss.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let ts = TestServer::start_with(|a| {
        a.dev_admins = vec!["root@example.com".into()];
        a.toss_api_url = Some(toss_url.parse().unwrap());
        a.toss_client_key = Some(pq_server::toss::standin::CLIENT_KEY.into());
        a.toss_secret_key = Some(pq_server::toss::standin::SECRET_KEY.parse().unwrap());
        a.toss_js_url = format!("{toss_url}/v2/standard").parse().unwrap();
    })
    .await;
    assert!(ts.server.state.chat().toss_standin().is_none(), "the real client, pointed at Toss's address");
    let root = api(&ts, "root@example.com").await;
    let alice = api(&ts, "alice@example.com").await;
    let c = checkout(&alice, "basic").await;
    pay(&c, PayOutcome::Pay).await;
    let r: Reconciliation = root.post("/api/admin/payments/reconcile", json!({})).await;
    assert_eq!((r.checked, r.mismatches.len()), (1, 0));

    // Someone cancels 500 won in Toss's dashboard; no webhook comes.
    let key = toss.payments()[0].payment_key.clone();
    toss.cancel_by_hand(&key, 500).unwrap();
    let r: Reconciliation = root.post("/api/admin/payments/reconcile", json!({})).await;
    assert_eq!(r.mismatches.len(), 1);
    assert_eq!(r.mismatches[0].order_id, c.order_id);
    assert!(r.mismatches[0].ours.contains("paid with 2500"), "{:?}", r.mismatches[0]);
    assert!(r.mismatches[0].theirs.contains("PARTIAL_CANCELED with 2000"), "{:?}", r.mismatches[0]);
    // The webhook arrives late: applied, and the two agree again.
    assert_eq!(webhook(&ts, &toss.payments()[0]).await, 200);
    let r: Reconciliation = root.post("/api/admin/payments/reconcile", json!({})).await;
    assert!(r.mismatches.is_empty(), "{:?}", r.mismatches);
    let m: Membership = alice.get("/api/users/@me/membership").await;
    assert_eq!((m.payments[0].status, m.payments[0].refunded_krw), (PaymentStatus::PartiallyRefunded, 500));

    // Toss confirmed an order but its answer never reached pq (pq's order is
    // pending and has no payment key): the reconciliation finds it by its
    // id, and the browser's same link finishes it.
    let c = checkout(&alice, "premium").await;
    let success_url = format!("{}/pay/{}/success", ts.url, c.order_id);
    let window = browser()
        .post(format!("{toss_url}/window"))
        .form(&[
            ("clientKey", pq_server::toss::standin::CLIENT_KEY),
            ("orderId", &c.order_id),
            ("orderName", "pq Premium"),
            ("amount", "5000"),
            ("successUrl", &success_url),
            ("failUrl", "http://127.0.0.1:9/fail"),
            ("outcome", "pay"),
        ])
        .send()
        .await
        .unwrap();
    let back = url::Url::parse(window.headers()["location"].to_str().unwrap()).unwrap();
    let key = query(&back, "paymentKey").unwrap();
    pq_server::toss::Toss::new(&toss_url, pq_server::toss::standin::SECRET_KEY)
        .confirm(&key, &c.order_id, 5000)
        .await
        .unwrap();
    let r: Reconciliation = root.post("/api/admin/payments/reconcile", json!({})).await;
    assert_eq!(r.mismatches.len(), 1, "{:?}", r.mismatches);
    assert_eq!(r.mismatches[0].order_id, c.order_id);
    assert!(
        r.mismatches[0].ours.contains("pending") && r.mismatches[0].theirs.contains("DONE"),
        "{:?}",
        r.mismatches[0]
    );
    let again = browser().get(back.as_str()).send().await.unwrap();
    assert!(again.headers()["location"].to_str().unwrap().starts_with("pq://payment/success"));
    let r: Reconciliation = root.post("/api/admin/payments/reconcile", json!({})).await;
    assert!(r.mismatches.is_empty(), "{:?}", r.mismatches);

    // A wrong secret key is Toss's UNAUTHORIZED_KEY, and a clear 502.
    let bad = pq_server::toss::Toss::new(&toss_url, "test_sk_wrong");
    let e = bad.payment(&key).await.unwrap_err();
    assert_eq!(e.code(), Some("UNAUTHORIZED_KEY"));
}

#[tokio::test]
async fn a_server_without_payments_says_so() {
    let ts = TestServer::start_with(|a| {
        a.no_dev_idp = true;
        a.oidc_issuer = Some("http://127.0.0.1:9/".parse().unwrap());
    })
    .await;
    let r = ts
        .http
        .post(ts.at("/api/payments/toss-webhook"))
        .json(&json!({"eventType": "PAYMENT_STATUS_CHANGED", "data": {"paymentKey": "k"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
}

/// The draw's rule, written again from ARCHITECTURE.md (not pq-server's
/// code): SHA-256(seed ‖ "pq-draw-v1" ‖ event id), its first 16 bytes as a
/// big-endian number modulo all entries is the ticket; the first participant
/// whose running total of entries exceeds it wins.
fn recompute(seed_hex: &str, event_id: &str, list: &[EventParticipant]) -> pq_protocol::UserId {
    use sha2::Digest as _;
    let seed = hex::decode(seed_hex).unwrap();
    let digest = sha2::Sha256::new().chain_update(&seed).chain_update(b"pq-draw-v1").chain_update(event_id).finalize();
    let x = u128::from_be_bytes(digest[..16].try_into().unwrap());
    let total: u128 = list.iter().map(|p| u128::from(p.entries)).sum();
    let ticket = x % total;
    let mut running = 0u128;
    list.iter()
        .find(|p| {
            running += u128::from(p.entries);
            running > ticket
        })
        .unwrap()
        .user_id
}

#[tokio::test]
async fn an_event_takes_entries_and_draws_a_winner_anyone_can_verify() {
    let ts = admin_server().await;
    let root = api(&ts, "root@example.com").await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let now = ts.clock().timestamp();
    let spec = json!({
        "title": "Year-end draw", "entry_price_krw": 1500,
        "starts_at": now.plus_millis(3_600_000), "ends_at": now.plus_millis(2 * 86_400_000),
    });
    alice.fails(Method::POST, "/api/admin/paid-events", Some(spec.clone()), 403, "forbidden").await;
    root.fails(
        Method::POST,
        "/api/admin/paid-events",
        Some(json!({"title": "x", "entry_price_krw": 1500, "starts_at": now, "ends_at": now})),
        422,
        "invalid_field",
    )
    .await;
    let mut gw = Gw::connect(&ts.url, &bob.token).await;
    let e: PaidEvent = root.post("/api/admin/paid-events", spec).await;
    assert_eq!((e.state, e.pot_krw, e.seed.as_deref()), (PaidEventState::Scheduled, 0, None));
    assert_eq!(e.commitment.len(), 64, "SHA-256, hex");
    let id = e.id.clone();
    gw.event("paid_event_changed", |x| matches!(x, Event::PaidEventChanged { event } if event.id == id)).await;
    alice
        .fails(Method::POST, &format!("/api/paid-events/{id}/checkout"), Some(json!({"entries": 1})), 409, "conflict")
        .await;

    // Opened early: everyone hears it.
    let opened: PaidEvent = root.post(&format!("/api/admin/paid-events/{id}/start"), json!({})).await;
    assert_eq!(opened.state, PaidEventState::Open);
    gw.event("opened", |x| matches!(x, Event::PaidEventChanged { event } if event.state == PaidEventState::Open)).await;
    alice
        .fails(
            Method::POST,
            &format!("/api/paid-events/{id}/checkout"),
            Some(json!({"entries": 0})),
            422,
            "invalid_field",
        )
        .await;
    let buy = |who: &Api, n: u32| {
        let (who, id) = (who.clone(), id.clone());
        async move {
            let c: Checkout = who.post(&format!("/api/paid-events/{id}/checkout"), json!({ "entries": n })).await;
            assert_eq!(c.amount_krw, 1500 * n);
            c
        }
    };
    let a = buy(&alice, 2).await;
    assert!(pay(&a, PayOutcome::Pay).await.as_str().starts_with("pq://payment/success"));
    let b = buy(&bob, 1).await;
    pay(&b, PayOutcome::Pay).await;
    let c = buy(&carol, 1).await;
    pay(&c, PayOutcome::Pay).await;
    // Carol takes hers back while it is open; her entry goes with it.
    let _: Payment = carol.post(&format!("/api/payments/{}/refund", c.order_id), json!({ "reason": "oops" })).await;
    let late = buy(&bob, 1).await; // ordered while open, paid after the end
    let p: EventParticipants = bob.get(&format!("/api/paid-events/{id}/participants")).await;
    assert_eq!((p.event.pot_krw, p.event.entries, p.event.participants), (4500, 3, 2));
    assert_eq!(
        p.participants.iter().map(|x| (x.display_name.as_str(), x.entries)).collect::<Vec<_>>(),
        [("alice", 2), ("bob", 1)]
    );
    root.fails(Method::POST, &format!("/api/admin/paid-events/{id}/draw"), Some(json!({})), 409, "conflict").await;

    // Ended: no more entries, no payment for it, entries final.
    let ended: PaidEvent = root.post(&format!("/api/admin/paid-events/{id}/end"), json!({})).await;
    assert_eq!(ended.state, PaidEventState::Closed);
    alice
        .fails(Method::POST, &format!("/api/paid-events/{id}/checkout"), Some(json!({"entries": 1})), 409, "conflict")
        .await;
    let back = pay(&late, PayOutcome::Pay).await;
    assert!(
        back.as_str().starts_with("pq://payment/fail") && query(&back, "reason").unwrap().contains("not open"),
        "{back}"
    );
    assert_eq!(standin_payment(&ts, &late.order_id)[0].status, "IN_PROGRESS", "never confirmed");
    alice
        .fails(
            Method::POST,
            &format!("/api/payments/{}/refund", a.order_id),
            Some(json!({"reason": "late"})),
            409,
            "conflict",
        )
        .await;

    // A restart between the end and the draw changes nothing.
    let ts = ts.restart().await;
    let root = api(&ts, "root@example.com").await;
    let drawn: PaidEvent = root.post(&format!("/api/admin/paid-events/{id}/draw"), json!({})).await;
    assert_eq!(drawn.state, PaidEventState::Drawn);
    assert_eq!(drawn.commitment, e.commitment, "the commitment made at creation");
    let seed = drawn.seed.clone().expect("revealed");
    use sha2::Digest as _;
    assert_eq!(hex::encode(sha2::Sha256::digest(hex::decode(&seed).unwrap())), e.commitment);
    let p: EventParticipants = root.get(&format!("/api/paid-events/{id}/participants")).await;
    assert_eq!(Some(recompute(&seed, &id, &p.participants)), drawn.winner);
    root.fails(Method::POST, &format!("/api/admin/paid-events/{id}/draw"), Some(json!({})), 409, "conflict").await;
    let all: Vec<PaidEvent> = root.get("/api/paid-events").await;
    assert_eq!(all[0].winner, drawn.winner);
}
