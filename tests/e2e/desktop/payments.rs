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
