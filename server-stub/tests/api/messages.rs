//! Chat: sending over the gateway and REST, exactly once per client id, plan
//! limits, history, read markers and "unread by", edits, deletes, reactions,
//! and nothing acknowledged lost across a restart.

use pq_protocol::{
    ClientMessageId, ErrorCode,
    gateway::Event,
    models::{Me, MessagePage, ReadState, SendAck, ServerState, User},
};
use reqwest::Method;
use serde_json::json;

use crate::{
    client::{Api, Gw},
    common::TestServer,
    servers::{api, server_with, text_channel},
};

#[tokio::test]
async fn three_people_chat_in_real_time_and_see_who_has_read() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let s = server_with(&alice, &[&bob, &carol]).await;
    let ch = text_channel(&s).id;
    let mut a = Gw::connect(&ts.url, &alice.token).await;
    let mut b = Gw::connect(&ts.url, &bob.token).await;
    let mut c = Gw::connect(&ts.url, &carol.token).await;

    let ack = a.send_message(ch, "안녕하세요, everyone 👋").await;
    assert_eq!(ack.seq, 1);
    for gw in [&mut b, &mut c, &mut a] {
        match gw.event("message_created", |e| matches!(e, Event::MessageCreated { .. })).await {
            Event::MessageCreated { message } => {
                assert_eq!(message.id, ack.message_id);
                assert_eq!(message.body, "안녕하세요, everyone 👋");
                assert_eq!(message.unread_by, 2, "bob and carol have not read it");
            }
            _ => unreachable!(),
        }
    }
    let ack2 = b.send_message(ch, "hi alice").await;
    assert_eq!(ack2.seq, 2);
    // Bob sending marks what came before as read by him: message 1 is now unread by carol only.
    a.event("unread_by_changed", |e| {
        matches!(e, Event::UnreadByChanged { after_seq: 0, through_seq: 1, delta: -1, .. })
    })
    .await;

    // Carol has two unread; she reads them.
    let state: ServerState = carol.get(&format!("/api/servers/{}", s.server.id)).await;
    assert_eq!(state.read_states[0].unread_count, 2);
    let rs: ReadState = carol.ok(Method::PUT, &format!("/api/channels/{ch}/read"), Some(json!({"seq": 99}))).await;
    assert_eq!((rs.last_read_seq, rs.unread_count), (2, 0), "clamped to the newest message");
    c.event("read_marker_updated", |e| matches!(e, Event::ReadMarkerUpdated { last_read_seq: 2, .. })).await;
    a.event("unread_by_changed", |e| matches!(e, Event::UnreadByChanged { after_seq: 0, through_seq: 2, .. })).await;

    // History shows who has not read what: message 1 read by all, message 2 not yet by alice.
    let page: MessagePage = alice.get(&format!("/api/channels/{ch}/messages")).await;
    let seen: Vec<(u64, u32)> = page.messages.iter().map(|m| (m.seq, m.unread_by)).collect();
    assert_eq!(seen, vec![(1, 0), (2, 1)]);
    // Markers never move back.
    let rs: ReadState = carol.ok(Method::PUT, &format!("/api/channels/{ch}/read"), Some(json!({"seq": 1}))).await;
    assert_eq!(rs.last_read_seq, 2);

    // Typing reaches the others.
    a.send(&pq_protocol::gateway::ClientFrame::Typing(pq_protocol::gateway::TypingStart { channel_id: ch })).await;
    b.event("typing", |e| matches!(e, Event::TypingStarted { channel_id, .. } if *channel_id == ch)).await;
}

#[tokio::test]
async fn a_message_is_stored_once_however_often_it_is_sent() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let s = server_with(&alice, &[]).await;
    let ch = text_channel(&s).id;
    let mut a1 = Gw::connect(&ts.url, &alice.token).await;
    let mut a2 = Gw::connect(&ts.url, &alice.token).await;
    let id = ClientMessageId::new();

    let first = a1.send_with_id(ch, id, "exactly once").await.unwrap();
    let again = a1.send_with_id(ch, id, "exactly once").await.unwrap();
    let other_conn = a2.send_with_id(ch, id, "exactly once").await.unwrap();
    let rest: SendAck =
        alice.post(&format!("/api/channels/{ch}/messages"), json!({"client_id": id, "body": "exactly once"})).await;
    for ack in [&again, &other_conn, &rest] {
        assert_eq!((ack.message_id, ack.seq, ack.created_at), (first.message_id, first.seq, first.created_at));
    }
    // Racing copies on two connections at once.
    let id2 = ClientMessageId::new();
    let (x, y) = tokio::join!(a1.send_with_id(ch, id2, "race"), a2.send_with_id(ch, id2, "race"));
    assert_eq!(x.unwrap().message_id, y.unwrap().message_id);

    let page: MessagePage = alice.get(&format!("/api/channels/{ch}/messages")).await;
    assert_eq!(page.messages.len(), 2, "{:?}", page.messages);
    assert_eq!(page.messages.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(page.messages[0].client_id, id);
}

#[tokio::test]
async fn the_plan_decides_the_longest_message_and_the_server_enforces_it() {
    let ts = TestServer::start_with(|a| a.dev_admins = vec!["root@example.com".into()]).await;
    let alice = api(&ts, "alice@example.com").await;
    let root = api(&ts, "root@example.com").await;
    let s = server_with(&alice, &[]).await;
    let ch = text_channel(&s).id;
    let mut a = Gw::connect(&ts.url, &alice.token).await;

    a.send_message(ch, &"가".repeat(150)).await;
    let err = a.send_with_id(ch, ClientMessageId::new(), &"가".repeat(151)).await.unwrap_err();
    assert_eq!(err.error.code, ErrorCode::MessageTooLong);
    assert_eq!(err.error.limit, Some(150));
    assert!(err.error.message.contains("150"), "{}", err.error.message);
    let body = alice
        .fails(
            Method::POST,
            &format!("/api/channels/{ch}/messages"),
            Some(json!({"client_id": ClientMessageId::new(), "body": "x".repeat(151)})),
            422,
            "message_too_long",
        )
        .await;
    assert_eq!(body["limit"], 150);
    let err = a.send_with_id(ch, ClientMessageId::new(), "   ").await.unwrap_err();
    assert_eq!(err.error.code, ErrorCode::InvalidField);

    // Nobody gives themselves a plan.
    let me: Me = alice.get("/api/users/@me").await;
    assert_eq!(me.plan, pq_protocol::limits::Plan::Free);
    alice
        .fails(
            Method::PUT,
            &format!("/api/admin/users/{}/plan", me.id),
            Some(json!({"plan": "premium"})),
            403,
            "forbidden",
        )
        .await;
    // An administrator can.
    let root_me: Me = root.get("/api/users/@me").await;
    assert!(root_me.is_admin);
    let (st, _) =
        root.call(Method::PUT, &format!("/api/admin/users/{}/plan", me.id), Some(json!({"plan": "basic"}))).await;
    assert_eq!(st, 204);
    // Her connections hear of it at once.
    a.event("plan_changed", |e| matches!(e, Event::PlanChanged { plan: pq_protocol::limits::Plan::Basic })).await;
    a.send_message(ch, &"x".repeat(500)).await;
    let err = a.send_with_id(ch, ClientMessageId::new(), &"x".repeat(501)).await.unwrap_err();
    assert_eq!(err.error.limit, Some(500));
    let (st, _) =
        root.call(Method::PUT, &format!("/api/admin/users/{}/plan", me.id), Some(json!({"plan": "premium"}))).await;
    assert_eq!(st, 204);
    a.send_message(ch, &"x".repeat(1000)).await;
    let err = a.send_with_id(ch, ClientMessageId::new(), &"x".repeat(1001)).await.unwrap_err();
    assert_eq!(err.error.limit, Some(1000));
    // Edits obey the same limit.
    let page: MessagePage = alice.get(&format!("/api/channels/{ch}/messages")).await;
    let first = &page.messages[0];
    alice
        .fails(
            Method::PATCH,
            &format!("/api/channels/{ch}/messages/{}", first.id),
            Some(json!({"body": "x".repeat(1001)})),
            422,
            "message_too_long",
        )
        .await;
}

#[tokio::test]
async fn edits_deletes_replies_and_reactions() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let s = server_with(&alice, &[&bob, &carol]).await;
    let ch = text_channel(&s).id;
    let mut b = Gw::connect(&ts.url, &bob.token).await;

    let first: SendAck = carol
        .post(&format!("/api/channels/{ch}/messages"), json!({"client_id": ClientMessageId::new(), "body": "first"}))
        .await;
    let reply: SendAck = bob
        .post(
            &format!("/api/channels/{ch}/messages"),
            json!({"client_id": ClientMessageId::new(), "body": "a reply", "reply_to": first.message_id}),
        )
        .await;
    bob.fails(
        Method::POST,
        &format!("/api/channels/{ch}/messages"),
        Some(json!({"client_id": ClientMessageId::new(), "body": "x", "reply_to": ClientMessageId::new()})),
        409,
        "conflict",
    )
    .await;

    // Only the author edits.
    bob.fails(
        Method::PATCH,
        &format!("/api/channels/{ch}/messages/{}", first.message_id),
        Some(json!({"body": "hacked"})),
        403,
        "forbidden",
    )
    .await;
    let (st, _) = carol
        .call(
            Method::PATCH,
            &format!("/api/channels/{ch}/messages/{}", first.message_id),
            Some(json!({"body": "first!"})),
        )
        .await;
    assert_eq!(st, 204);
    b.event("message_edited", |e| matches!(e, Event::MessageEdited { body, .. } if body == "first!")).await;

    // Reactions.
    for who in [&alice, &bob] {
        let (st, _) = who
            .call(
                Method::PUT,
                &format!("/api/channels/{ch}/messages/{}/reactions/%F0%9F%91%8D", first.message_id),
                None,
            )
            .await;
        assert_eq!(st, 204);
    }
    b.event("reaction_added", |e| matches!(e, Event::ReactionAdded { emoji, .. } if emoji == "👍")).await;
    // Who gave it, the first first; a kind nobody gave lists no one.
    let thumbs = format!("/api/channels/{ch}/messages/{}/reactions/%F0%9F%91%8D", first.message_id);
    let who: Vec<User> = carol.get(&thumbs).await;
    let ids: Vec<_> = who.iter().map(|u| u.id).collect();
    let (alice_id, bob_id) = (alice.get::<Me>("/api/users/@me").await.id, bob.get::<Me>("/api/users/@me").await.id);
    assert_eq!(ids, [alice_id, bob_id]);
    let nobody: Vec<User> =
        carol.get(&format!("/api/channels/{ch}/messages/{}/reactions/%F0%9F%8E%89", first.message_id)).await;
    assert!(nobody.is_empty());
    // Not to someone outside the server, not for a message not there, not for a non-emoji.
    let dana = api(&ts, "dana@example.com").await;
    dana.fails(Method::GET, &thumbs, None, 404, "not_found").await;
    carol
        .fails(
            Method::GET,
            &format!("/api/channels/{ch}/messages/{}/reactions/%F0%9F%91%8D", ClientMessageId::new()),
            None,
            404,
            "not_found",
        )
        .await;
    carol
        .fails(
            Method::GET,
            &format!("/api/channels/{ch}/messages/{}/reactions/a%20b", first.message_id),
            None,
            422,
            "invalid_field",
        )
        .await;
    bob.fails(
        Method::PUT,
        &format!("/api/channels/{ch}/messages/{}/reactions/a%20b", first.message_id),
        None,
        422,
        "invalid_field",
    )
    .await;
    // At most 16 characters (a flag or a family emoji is 7); taking back a
    // reaction that could not exist is refused the same way.
    let family = "👨\u{200d}👩\u{200d}👧\u{200d}👦";
    let encoded: String = family.bytes().map(|b| format!("%{b:02X}")).collect();
    let (status, body) = bob
        .call(Method::PUT, &format!("/api/channels/{ch}/messages/{}/reactions/{encoded}", first.message_id), None)
        .await;
    assert_eq!(status, 204, "{body}");
    for method in [Method::PUT, Method::DELETE] {
        bob.fails(
            method,
            &format!("/api/channels/{ch}/messages/{}/reactions/{}", first.message_id, "x".repeat(17)),
            None,
            422,
            "invalid_field",
        )
        .await;
    }
    let page: MessagePage = bob.get(&format!("/api/channels/{ch}/messages")).await;
    let m = &page.messages[0];
    assert_eq!((m.body.as_str(), m.edited_at.is_some()), ("first!", true));
    assert_eq!((m.reactions[0].emoji.as_str(), m.reactions[0].count, m.reactions[0].me), ("👍", 2, true));
    assert_eq!(page.messages[1].reply_to, Some(first.message_id));
    let (st, _) = bob
        .call(Method::DELETE, &format!("/api/channels/{ch}/messages/{}/reactions/%F0%9F%91%8D", first.message_id), None)
        .await;
    assert_eq!(st, 204);
    b.event("reaction_removed", |e| matches!(e, Event::ReactionRemoved { .. })).await;

    // Authors and admins delete; others may not. Tombstones keep seq whole.
    carol
        .fails(Method::DELETE, &format!("/api/channels/{ch}/messages/{}", reply.message_id), None, 403, "forbidden")
        .await;
    let (st, _) = alice.call(Method::DELETE, &format!("/api/channels/{ch}/messages/{}", reply.message_id), None).await;
    assert_eq!(st, 204, "the owner may delete anyone's message");
    b.event("message_deleted", |e| matches!(e, Event::MessageDeleted { seq: 2, .. })).await;
    let page: MessagePage = carol.get(&format!("/api/channels/{ch}/messages")).await;
    assert_eq!(page.messages.len(), 2);
    assert!(page.messages[1].deleted && page.messages[1].body.is_empty());
}

#[tokio::test]
async fn history_pages_by_seq_in_both_directions() {
    let ts = TestServer::start_with(|a| {
        a.rate_per_sec = 10_000.0;
        a.rate_burst = 10_000.0;
    })
    .await;
    let alice = api(&ts, "alice@example.com").await;
    let s = server_with(&alice, &[]).await;
    let ch = text_channel(&s).id;
    let mut a = Gw::connect(&ts.url, &alice.token).await;
    for i in 1..=250 {
        let ack = a.send_message(ch, &format!("message {i}")).await;
        assert_eq!(ack.seq, i);
    }
    let newest: MessagePage = alice.get(&format!("/api/channels/{ch}/messages?limit=100")).await;
    assert_eq!(
        (newest.messages.first().unwrap().seq, newest.messages.last().unwrap().seq, newest.has_more),
        (151, 250, true)
    );
    let older: MessagePage = alice.get(&format!("/api/channels/{ch}/messages?before=151")).await;
    assert_eq!((older.messages[0].seq, older.messages.len(), older.has_more), (51, 100, true));
    let oldest: MessagePage = alice.get(&format!("/api/channels/{ch}/messages?before=51")).await;
    assert_eq!((oldest.messages[0].seq, oldest.messages.len(), oldest.has_more), (1, 50, false));
    let after: MessagePage = alice.get(&format!("/api/channels/{ch}/messages?after=200&limit=30")).await;
    assert_eq!((after.messages[0].seq, after.messages.len(), after.has_more), (201, 30, true));
    let tail: MessagePage = alice.get(&format!("/api/channels/{ch}/messages?after=240")).await;
    assert_eq!((tail.messages.len(), tail.has_more), (10, false));
    alice.fails(Method::GET, &format!("/api/channels/{ch}/messages?before=abc"), None, 400, "bad_request").await;
    // Voice channels hold no messages.
    let voice = s.channels.iter().find(|c| c.kind == pq_protocol::models::ChannelKind::Voice).unwrap().id;
    alice.fails(Method::GET, &format!("/api/channels/{voice}/messages"), None, 409, "conflict").await;
}

#[tokio::test]
async fn a_restart_loses_nothing_acknowledged_and_seq_keeps_counting() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let s = server_with(&alice, &[&bob]).await;
    let ch = text_channel(&s).id;
    let mut a = Gw::connect(&ts.url, &alice.token).await;
    let mut acked = Vec::new();
    for i in 0..20 {
        acked.push(a.send_message(ch, &format!("before restart {i}")).await);
    }
    // Bob is mid-conversation when the server goes away: his socket is told so.
    let mut b = Gw::connect(&ts.url, &bob.token).await;
    let ts = ts.restart().await;
    let (code, _) = b.closed().await;
    assert_eq!(code, 1001, "going away");

    let alice = Api::new(&ts.url, &alice.token);
    let page: MessagePage = alice.get(&format!("/api/channels/{ch}/messages")).await;
    assert_eq!(
        page.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        acked.iter().map(|a| a.message_id).collect::<Vec<_>>()
    );
    let mut a = Gw::connect(&ts.url, &alice.token).await;
    // Retrying one of them after the restart still finds the first copy.
    let again = a.send_with_id(ch, acked[5].client_id, "before restart 5").await.unwrap();
    assert_eq!(again.message_id, acked[5].message_id);
    let next = a.send_message(ch, "after restart").await;
    assert_eq!(next.seq, 21);
    // Bob's view is intact too.
    let bob = Api::new(&ts.url, &bob.token);
    let state: ServerState = bob.get(&format!("/api/servers/{}", s.server.id)).await;
    assert_eq!(state.read_states[0].unread_count, 21);
}
