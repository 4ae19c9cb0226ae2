//! Pinned messages: who may pin, the line the channel gets, the list, the
//! limit, direct messages, and the audit log.

use pq_protocol::{
    ClientMessageId,
    gateway::Event,
    models::{AuditAction, AuditPage, DmChannel, Message, MessageKind, MessagePage, SendAck},
};
use reqwest::Method;
use serde_json::json;

use crate::{
    client::{Api, Gw},
    common::TestServer,
    servers::{api, give_role, server_with, text_channel},
};

async fn say(api: &Api, channel: pq_protocol::ChannelId, body: &str) -> SendAck {
    api.post(&format!("/api/channels/{channel}/messages"), json!({"client_id": ClientMessageId::new(), "body": body}))
        .await
}

#[tokio::test]
async fn moderators_pin_and_the_channel_sees_it() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let s = server_with(&alice, &[&bob]).await;
    let (sid, ch) = (s.server.id, text_channel(&s).id);
    let bob_id = bob.get::<pq_protocol::models::Me>("/api/users/@me").await.id;
    let mut bob_gw = Gw::connect(&ts.url, &bob.token).await;
    let m = say(&alice, ch, "meeting at 3, room 204").await;
    let pin = format!("/api/channels/{ch}/pins/{}", m.message_id);

    // Bob may not; Alice (the owner) may, and the channel hears of it.
    bob.fails(Method::PUT, &pin, None, 403, "forbidden").await;
    let (st, _) = alice.call(Method::PUT, &pin, None).await;
    assert_eq!(st, 204);
    bob_gw
        .event(
            "message_pinned",
            |e| matches!(e, Event::MessagePinned { message_id, pinned: true, .. } if *message_id == m.message_id),
        )
        .await;
    let Event::MessageCreated { message: line } = bob_gw
        .event("the pin line", |e| matches!(e, Event::MessageCreated { message } if message.kind == MessageKind::Pin))
        .await
    else {
        unreachable!()
    };
    assert_eq!((line.reply_to, line.body.as_str()), (Some(m.message_id), ""));
    let pins: Vec<Message> = bob.get(&format!("/api/channels/{ch}/pins")).await;
    assert_eq!(pins.iter().map(|p| p.body.as_str()).collect::<Vec<_>>(), ["meeting at 3, room 204"]);
    // Pinning again changes nothing: no second line.
    let (st, _) = alice.call(Method::PUT, &pin, None).await;
    assert_eq!(st, 204);
    let page: MessagePage = bob.get(&format!("/api/channels/{ch}/messages")).await;
    assert_eq!(page.messages.len(), 2);
    assert!(page.messages[0].pinned, "history says it is pinned");

    // Bob, given manage messages, unpins it.
    give_role(&alice, sid, bob_id, "Mods", &["manage_messages"]).await;
    let (st, _) = bob.call(Method::DELETE, &pin, None).await;
    assert_eq!(st, 204);
    assert!(bob.get::<Vec<Message>>(&format!("/api/channels/{ch}/pins")).await.is_empty());
    let log: AuditPage = alice.get(&format!("/api/servers/{sid}/audit-log?limit=10")).await;
    let actions: Vec<AuditAction> = log.entries.iter().map(|e| e.action).collect();
    assert!(actions.starts_with(&[AuditAction::MessageUnpinned]), "{actions:?}");
    assert!(
        log.entries
            .iter()
            .any(|e| e.action == AuditAction::MessagePinned && e.detail.as_deref() == Some("meeting at 3, room 204"))
    );

    // A deleted message is not pinned; a channel holds 50 at most.
    let gone = say(&alice, ch, "oops").await;
    let (st, _) = alice.call(Method::DELETE, &format!("/api/channels/{ch}/messages/{}", gone.message_id), None).await;
    assert_eq!(st, 204);
    alice.fails(Method::PUT, &format!("/api/channels/{ch}/pins/{}", gone.message_id), None, 409, "conflict").await;
    for i in 0..50 {
        let m = say(&alice, ch, &format!("note {i}")).await;
        let (st, _) = alice.call(Method::PUT, &format!("/api/channels/{ch}/pins/{}", m.message_id), None).await;
        assert_eq!(st, 204);
    }
    let last = say(&alice, ch, "one too many").await;
    let body =
        alice.fails(Method::PUT, &format!("/api/channels/{ch}/pins/{}", last.message_id), None, 409, "conflict").await;
    assert!(body["message"].as_str().unwrap().contains("50"), "{body}");
}

#[tokio::test]
async fn anyone_in_a_conversation_may_pin_in_it() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let _ = server_with(&alice, &[&bob]).await;
    let bob_id = bob.get::<pq_protocol::models::Me>("/api/users/@me").await.id;
    let dm: DmChannel = alice.post("/api/users/@me/dms", json!({"recipients": [bob_id]})).await;
    let m = say(&alice, dm.id, "the address is 12 Main St").await;
    let (st, _) = bob.call(Method::PUT, &format!("/api/channels/{}/pins/{}", dm.id, m.message_id), None).await;
    assert_eq!(st, 204);
    let pins: Vec<Message> = alice.get(&format!("/api/channels/{}/pins", dm.id)).await;
    assert_eq!(pins.len(), 1);
    // Outsiders see nothing of it.
    let carol = api(&ts, "carol@example.com").await;
    carol.fails(Method::GET, &format!("/api/channels/{}/pins", dm.id), None, 404, "not_found").await;
}
