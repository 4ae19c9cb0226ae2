//! The administrators' console in the real window: an announcement sent
//! from it reaches someone on another client at once, and the sender's own
//! window shows it too; the members by plan, and a plan given to someone
//! reaching their app at once; someone who is not an administrator is
//! refused.

use super::{WAIT, eventually, harness::Desktop, someone};
use crate::common::TestServer;
use pq_core::Event;

#[tokio::test(flavor = "multi_thread")]
async fn an_administrator_announces_to_everyone_connected() {
    let server = TestServer::start_with(|a| a.dev_admins = vec!["minji@example.com".into()]).await;
    let desktop = Desktop::start(&server.url).await;
    desktop.sign_in("minji@example.com", "Minji").await;
    let bob = someone(&server, "Bob").await;
    bob.wait_online(WAIT).await;
    let mut heard = bob.client.subscribe();

    desktop.click("#open-admin").await;
    desktop.type_into("#announcement", "Maintenance tonight at 22:00 KST").await;
    desktop.click("#send-announcement").await;
    desktop.wait_text(".announcement-sent", "Shown to everyone").await;
    let toast = eventually("Bob to hear the announcement", WAIT, || {
        let got = match heard.try_recv() {
            Ok(Event::Toast { toast }) => Some(toast),
            _ => None,
        };
        async move { got }
    })
    .await;
    assert_eq!((toast.text.as_str(), toast.from.display_name.as_str()), ("Maintenance tonight at 22:00 KST", "Minji"));
    // Minji's own window shows it as everyone's does.
    desktop.wait_text(".toast", "Maintenance tonight at 22:00 KST").await;

    // Members by plan: both on Free; Minji gives Bob Premium, and Bob's
    // app hears of it at once.
    desktop.wait_text(".plan-count[data-plan='free']", "2").await;
    desktop.find(".account[data-email='bob@example.com']").await;
    desktop.select(".account[data-email='bob@example.com'] select", "premium").await;
    eventually("Bob to be on Premium", WAIT, || async {
        (bob.client.me().map(|m| m.plan) == Some(pq_core::protocol::limits::Plan::Premium)).then_some(())
    })
    .await;
    desktop.wait_text(".plan-count[data-plan='premium']", "1").await;
    desktop.js("document.querySelectorAll('[role=dialog], [role=dialog] *').forEach(e => { e.scrollTop = 0; })").await;
    desktop.screenshot("admin-console").await;

    // The plans as the server offers them, in Settings (Minji's marked).
    desktop.click_text("Close").await;
    desktop.click("#open-settings").await;
    desktop.wait_text("#membership tr[data-plan='premium']", "₩5,000 a month").await;
    desktop.wait_text("#membership tr.mine", "Your plan").await;
    assert_eq!(
        bob.client.plans().await.unwrap().iter().map(|p| (p.price_krw, p.max_upload_bytes >> 20)).collect::<Vec<_>>(),
        [(0, 8), (2500, 25), (5000, 100)]
    );

    // Bob is no administrator: the server refuses him whatever his app does.
    let refused = bob.client.send_toast("free pizza").await.unwrap_err();
    assert!(refused.to_string().contains("administrators"), "{refused}");
}
