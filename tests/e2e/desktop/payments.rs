//! A plan bought in the real window: Settings → Membership opens the
//! server's checkout page in the system browser; the person at Toss's
//! window (the stand-in's) has the card declined, then pays; the browser
//! comes back through `pq://payment/…`, and the window shows the result,
//! the plan and the payment at once; the administrators' console shows the
//! payment and checks the ledger against Toss; the payer takes it back.

use super::{WAIT, eventually, harness::Desktop};
use crate::common::TestServer;
use pq_server::idp::devclient::{self, PayOutcome};

/// Clicks the buy button of `plan` and returns the checkout URL pq opened.
async fn buy(desktop: &Desktop, plan: &str) -> String {
    let before = desktop.opened_in_browser().len();
    desktop.click(&format!(".buy-plan[data-plan='{plan}']")).await;
    eventually("pq to open the checkout in the browser", WAIT, || {
        let opened = desktop.opened_in_browser();
        async move { opened.get(before).cloned() }
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_is_bought_in_the_browser_and_shown_at_once() {
    let server = TestServer::start_with(|a| a.dev_admins = vec!["minji@example.com".into()]).await;
    let desktop = Desktop::start(&server.url).await;
    desktop.sign_in("minji@example.com", "Minji").await;
    desktop.click("#open-settings").await;
    desktop.wait_text("#membership tr[data-plan='premium']", "Get Premium").await;

    // The card is declined: pq says why, and nothing changes.
    let url = buy(&desktop, "premium").await;
    assert!(url.starts_with(&format!("{}/pay/pq-", server.url)), "the server's checkout page: {url}");
    desktop.wait_text(".checkout-pending", "Finish paying in your browser").await;
    let back = devclient::complete_checkout(&devclient::browser(), &url, PayOutcome::Decline, None).await.unwrap();
    assert!(back.starts_with("pq://payment/fail?"), "{back}");
    desktop.open_link(&back);
    desktop.wait_text(".checkout-failed", "REJECT_CARD_COMPANY").await;
    desktop.wait_text(".payment[data-status='failed']", "Failed").await;
    desktop.wait_text("#membership tr.mine", "Free").await;

    // Paid: the window shows it at once.
    let url = buy(&desktop, "premium").await;
    let back = devclient::complete_checkout(&devclient::browser(), &url, PayOutcome::Pay, None).await.unwrap();
    assert!(back.starts_with("pq://payment/success?"), "{back}");
    desktop.open_link(&back);
    desktop.wait_text(".toast", "Payment received").await;
    desktop.wait_text("#membership tr.mine", "Premium").await;
    desktop.wait_text(".membership-period", "Premium until").await;
    desktop.wait_text(".payment[data-status='paid']", "Paid").await;
    desktop.wait_text("#membership tr[data-plan='premium'] .buy-plan", "Renew").await;
    desktop.js("document.querySelectorAll('[role=dialog], [role=dialog] *').forEach(e => { e.scrollTop = 0; }); document.getElementById('membership').scrollIntoView()").await;
    desktop.screenshot("membership").await;

    // The administrators' console: the payment, the totals, and the ledger
    // checked against Toss.
    desktop.click_text("Close").await;
    desktop.click("#open-admin").await;
    desktop.wait_text("#payments-admin .payment-totals", "₩5,000").await;
    desktop.wait_text("#payments-admin .payment[data-status='paid']", "Premium").await;
    desktop.js("document.getElementById('reconcile').scrollIntoView()").await;
    desktop.click("#reconcile").await;
    desktop.wait_text(".reconciliation", "agree (1 checked)").await;
    desktop.js("document.getElementById('payments-admin').scrollIntoView()").await;
    desktop.screenshot("admin-payments").await;

    // She takes it back within 3 days: the plan goes with it.
    desktop.click_text("Close").await;
    desktop.click("#open-settings").await;
    desktop.find(".payment[data-status='paid'] .refund").await;
    desktop.js("document.querySelector(\".payment[data-status='paid'] .refund\").scrollIntoView()").await;
    desktop.click(".payment[data-status='paid'] .refund").await;
    desktop.wait_text(".payment[data-status='refunded']", "Refunded").await;
    desktop.wait_text("#membership tr.mine", "Free").await;
    let at_toss = server.running().unwrap().state.chat().toss_standin().unwrap().payments();
    assert_eq!(at_toss.iter().filter(|p| p.status == "CANCELED").count(), 1, "refunded at Toss once");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_is_run_from_the_console_and_its_draw_checked_in_the_window() {
    let server = TestServer::start_with(|a| a.dev_admins = vec!["minji@example.com".into()]).await;
    let desktop = Desktop::start(&server.url).await;
    desktop.sign_in("minji@example.com", "Minji").await;
    let bob = super::someone(&server, "Bob").await;
    bob.wait_online(WAIT).await;
    let mut heard = bob.client.subscribe();

    // Minji creates an event in the console; Bob's app hears it at once.
    desktop.click("#open-admin").await;
    desktop.type_into("#event-title", "Year-end draw").await;
    desktop.click("#create-event").await;
    desktop.wait_text("#events-admin .paid-event[data-state='open']", "Year-end draw").await;
    let event = eventually("Bob's app to hear of the event", WAIT, || {
        let got = match heard.try_recv() {
            Ok(pq_core::Event::PaidEventChanged { event }) => Some(event),
            _ => None,
        };
        async move { got }
    })
    .await;
    assert_eq!((event.title.as_str(), event.entry_price_krw), ("Year-end draw", 1500));

    // Bob buys three entries from his app; Minji one from her window.
    let c = bob.client.buy_entries(&event.id, 3).await.unwrap();
    devclient::complete_checkout(&devclient::browser(), &c.url, PayOutcome::Pay, None).await.unwrap();
    desktop.wait_text("#events-admin .paid-event", "pot ₩4,500").await;
    desktop.click_text("Close").await;
    desktop.click("#open-settings").await;
    desktop.find("#paid-events .buy-entry").await;
    desktop.js("document.querySelector('#paid-events .buy-entry').scrollIntoView()").await;
    let before = desktop.opened_in_browser().len();
    desktop.click("#paid-events .buy-entry").await;
    let url = eventually("pq to open the checkout", WAIT, || {
        let opened = desktop.opened_in_browser();
        async move { opened.get(before).cloned() }
    })
    .await;
    let back = devclient::complete_checkout(&devclient::browser(), &url, PayOutcome::Pay, None).await.unwrap();
    desktop.open_link(&back);
    desktop.wait_text("#paid-events .paid-event", "pot ₩6,000 · 4 entries from 2 people").await;

    // Ended and drawn from the console; the participants in the draw's order.
    desktop.click_text("Close").await;
    desktop.click("#open-admin").await;
    desktop.js("document.getElementById('events-admin').scrollIntoView()").await;
    desktop.click("#events-admin .end-event").await;
    desktop.wait_text("#events-admin .paid-event[data-state='closed']", "Ended").await;
    desktop.click("#events-admin .draw-event").await;
    desktop.wait_text("#events-admin .paid-event[data-state='drawn']", "Drawn").await;
    desktop.click("#events-admin .show-participants").await;
    desktop.wait_text("#events-admin .participants", "Bob × 3").await;
    desktop.wait_text("#events-admin .participants .winner", "Winner").await;
    desktop.js("document.getElementById('events-admin').scrollIntoView()").await;
    desktop.screenshot("admin-events").await;

    // Anyone checks the draw with pq's own code: in Minji's window, and in
    // Bob's app.
    desktop.click_text("Close").await;
    desktop.click("#open-settings").await;
    desktop.find("#paid-events .verify-draw").await;
    desktop.js("document.querySelector('#paid-events .verify-draw').scrollIntoView()").await;
    desktop.click("#paid-events .verify-draw").await;
    desktop.wait_text(".draw-check.holds", "The draw holds").await;
    desktop.js("document.getElementById('paid-events').scrollIntoView()").await;
    desktop.screenshot("event-draw").await;
    let (_, verdict) = bob.client.verify_draw(&event.id).await.unwrap();
    assert!(verdict.holds(), "{verdict:?}");
}
