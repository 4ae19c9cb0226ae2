//! The gateway's protocol edges: bad frames get a close code and hurt nobody
//! else; heartbeats; resume; presence; slow readers; admin toasts.

use std::time::Duration;

use pq_protocol::{
    gateway::{ClientFrame, CloseCode, Event, Identify, PROTOCOL_VERSION, ServerFrame, SetIdle, SetStatus},
    models::{Presence, StatusChoice, Toast},
};
use reqwest::Method;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::{
    client::Gw,
    common::TestServer,
    servers::{api, server_with, text_channel},
};

#[tokio::test]
async fn bad_frames_close_with_a_reason_and_others_keep_chatting() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let s = server_with(&alice, &[&bob]).await;
    let ch = text_channel(&s).id;
    let mut b = Gw::connect(&ts.url, &bob.token).await;

    let cases: Vec<(Message, CloseCode)> = vec![
        (Message::Text("{not json".into()), CloseCode::DecodeError),
        (Message::Text(r#"{"op":"teleport","d":{}}"#.into()), CloseCode::UnknownOp),
        (Message::Text(r#"{"op":"send_message","d":{"channel_id":"x"}}"#.into()), CloseCode::DecodeError),
        (
            Message::Text(format!(r#"{{"op":"heartbeat","pad":"{}"}}"#, "x".repeat(40_000)).into()),
            CloseCode::MessageTooBig,
        ),
        (Message::Binary(vec![0xff, 0xfe, 0x80].into()), CloseCode::InvalidPayload),
        (Message::Text(r#"{"op":"identify","d":{"v":1,"token":"x"}}"#.into()), CloseCode::AlreadyAuthenticated),
    ];
    for (frame, expected) in cases {
        let mut a = Gw::connect(&ts.url, &alice.token).await;
        a.send_raw(frame).await;
        let (code, reason) = a.closed().await;
        assert_eq!(code, expected.code(), "{expected:?}: {reason}");
        assert!(!reason.is_empty());
        // Bob is unaffected.
        let mut a = Gw::connect(&ts.url, &alice.token).await;
        let ack = a.send_message(ch, "still here").await;
        b.event("message", |e| matches!(e, Event::MessageCreated { message } if message.id == ack.message_id)).await;
    }

    // Before identifying: anything else is refused; a bad token or version too.
    let mut g = Gw::open(&ts.url).await;
    g.send(&ClientFrame::Heartbeat).await;
    assert_eq!(g.closed().await.0, CloseCode::NotAuthenticated.code());
    let mut g = Gw::open(&ts.url).await;
    g.send(&ClientFrame::Identify(Identify { v: PROTOCOL_VERSION, token: "garbage".into(), idle: None })).await;
    assert_eq!(g.closed().await.0, CloseCode::AuthenticationFailed.code());
    let mut g = Gw::open(&ts.url).await;
    g.send(&ClientFrame::Identify(Identify { v: 99, token: alice.token.clone(), idle: None })).await;
    assert_eq!(g.closed().await.0, CloseCode::UnsupportedVersion.code());
}

#[tokio::test]
async fn flooding_and_silence_are_cut_off() {
    let ts = TestServer::start_with(|a| {
        a.rate_per_sec = 5.0;
        a.rate_burst = 10.0;
    })
    .await;
    let alice = api(&ts, "alice@example.com").await;
    // The default heartbeat (30 s; a connection may be quiet for 1.5 times
    // that), on the server's clock, which the test moves.
    let interval = Duration::from_secs(30);

    // A heartbeating client stays, however long it stays.
    let mut a = Gw::connect(&ts.url, &alice.token).await;
    for _ in 0..4 {
        ts.clock().advance(interval);
        a.send(&ClientFrame::Heartbeat).await;
        // The acknowledgement says the server has read it (before that the
        // clock must not move on).
        while !matches!(a.next().await, ServerFrame::HeartbeatAck) {}
    }
    // One that goes quiet: still there 40 s later, gone once 45 s passed.
    ts.clock().advance(Duration::from_secs(40));
    let still = tokio::time::timeout(Duration::from_millis(200), futures_util::StreamExt::next(&mut a.ws)).await;
    assert!(still.is_err(), "closed before its deadline: {still:?}");
    let mut code = None;
    for _ in 0..3 {
        ts.clock().advance(Duration::from_secs(10));
        if let Ok(Some(Ok(Message::Close(Some(c))))) =
            tokio::time::timeout(Duration::from_millis(500), futures_util::StreamExt::next(&mut a.ws)).await
        {
            code = Some(u16::from(c.code));
            break;
        }
    }
    assert_eq!(code, Some(CloseCode::SessionTimedOut.code()));

    let mut a = Gw::connect(&ts.url, &alice.token).await;
    for _ in 0..30 {
        if futures_util::SinkExt::send(&mut a.ws, Message::Text(r#"{"op":"heartbeat"}"#.into())).await.is_err() {
            break;
        }
    }
    assert_eq!(a.closed().await.0, CloseCode::RateLimited.code());
}

#[tokio::test]
async fn a_dropped_session_resumes_and_gets_what_it_missed() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let s = server_with(&alice, &[&bob]).await;
    let ch = text_channel(&s).id;
    let mut b = Gw::connect(&ts.url, &bob.token).await;
    let mut a = Gw::connect(&ts.url, &alice.token).await;
    let first = b.send_message(ch, "one").await;
    a.event("one", |e| matches!(e, Event::MessageCreated { message } if message.id == first.message_id)).await;
    let session = a.ready.as_ref().unwrap().session_id;
    let last = a.last_s;
    drop(a); // The network drops: no close frame.

    let mut missed = Vec::new();
    for i in 0..5 {
        missed.push(b.send_message(ch, &format!("missed {i}")).await.message_id);
    }
    let (mut a, frames) = Gw::resume(&ts.url, &alice.token, session, last).await;
    let got: Vec<_> = frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Dispatch(d) => match &d.event {
                Event::MessageCreated { message } => Some(message.id),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(got, missed, "replayed in order, nothing twice");
    match frames.last().unwrap() {
        ServerFrame::Resumed(r) => assert!(r.replayed as usize >= missed.len()),
        other => panic!("{other:?}"),
    }
    // And the session lives on.
    let live = b.send_message(ch, "live").await;
    a.event("live", |e| matches!(e, Event::MessageCreated { message } if message.id == live.message_id)).await;

    // Someone else's session, or a made-up one: invalid, then identify works on the same socket.
    let (mut g, frames) = Gw::resume(&ts.url, &bob.token, session, 0).await;
    assert!(matches!(frames.last(), Some(ServerFrame::InvalidSession(_))));
    g.send(&ClientFrame::Identify(Identify { v: PROTOCOL_VERSION, token: bob.token.clone(), idle: None })).await;
    assert!(matches!(g.next().await, ServerFrame::Ready(_)));
    // The resume above took over from `a`'s old socket? No: it was refused, so `a` still works.
    let again = b.send_message(ch, "again").await;
    a.event("again", |e| matches!(e, Event::MessageCreated { message } if message.id == again.message_id)).await;
}

/// Presence is state, not history: a dropped session keeps no presence
/// changes (a thousand people leaving would otherwise queue a million
/// frames), and `resumed` tells it everyone's presence now.
#[tokio::test]
async fn a_resumed_session_gets_presence_as_it_is_now_not_the_changes_it_missed() {
    let ts = TestServer::start_with(|a| a.presence_grace_ms = 100).await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let s = server_with(&alice, &[&bob, &carol]).await;
    let ch = text_channel(&s).id;
    let bob_id = bob.get::<pq_protocol::models::Me>("/api/users/@me").await.id;
    let carol_id = carol.get::<pq_protocol::models::Me>("/api/users/@me").await.id;
    let mut b = Gw::connect(&ts.url, &bob.token).await;
    let mut a = Gw::connect(&ts.url, &alice.token).await;
    assert!(a.ready.as_ref().unwrap().presences.iter().any(|p| p.user_id == bob_id));
    let session = a.ready.as_ref().unwrap().session_id;
    a.drain(Duration::from_millis(200)).await; // Her own "online".
    let last = a.last_s;
    drop(a); // The network drops: no close frame.
    let hub = ts.server.state.hub();
    for _ in 0..200 {
        if hub.is_attached(session) == Some(false) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(hub.is_attached(session), Some(false), "the server noticed the drop");

    // Meanwhile Carol comes and goes several times, Bob leaves, and a message is sent.
    for _ in 0..3 {
        let c = Gw::connect(&ts.url, &carol.token).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(c);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let sent = b.send_message(ch, "while you were away").await;
    let mut c = Gw::connect(&ts.url, &carol.token).await;
    b.send(&ClientFrame::SetStatus(SetStatus { status: StatusChoice::Away })).await;
    c.event("bob away", |e| matches!(e, Event::PresenceUpdated { presence: Presence::Away, .. })).await;

    let (mut a, frames) = Gw::resume(&ts.url, &alice.token, session, last).await;
    let replayed: Vec<&Event> = frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Dispatch(d) => Some(&d.event),
            _ => None,
        })
        .collect();
    assert!(
        replayed.iter().any(|e| matches!(e, Event::MessageCreated { message } if message.id == sent.message_id)),
        "the message is replayed: {replayed:?}"
    );
    assert!(
        !replayed.iter().any(|e| matches!(e, Event::PresenceUpdated { .. })),
        "no presence change is replayed: {replayed:?}"
    );
    let ServerFrame::Resumed(r) = frames.last().unwrap() else { panic!("{frames:?}") };
    let now: std::collections::HashMap<_, _> = r.presences.iter().map(|p| (p.user_id, p.presence)).collect();
    assert_eq!(now.get(&bob_id), Some(&Presence::Away), "Bob as he is now");
    assert_eq!(now.get(&carol_id), Some(&Presence::Online), "Carol as she is now");
    // Live changes flow again.
    drop(c);
    a.event(
        "carol offline",
        |e| matches!(e, Event::PresenceUpdated { user_id, presence: Presence::Offline } if *user_id == carol_id),
    )
    .await;
}

/// In a server above the presence limit, presence is not pushed to every
/// member (n² frames when many connect) nor listed in `ready`; the member list
/// still says who is online, and a smaller shared server still carries it live.
#[tokio::test]
async fn presence_is_not_pushed_through_servers_above_the_limit() {
    let ts = TestServer::start_with(|a| {
        a.presence_fanout_limit = 2;
        a.presence_grace_ms = 100;
    })
    .await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let big = server_with(&alice, &[&bob, &carol]).await;
    let bob_id = bob.get::<pq_protocol::models::Me>("/api/users/@me").await.id;
    let b = Gw::connect(&ts.url, &bob.token).await;
    let mut a = Gw::connect(&ts.url, &alice.token).await;
    let alice_id = a.ready.as_ref().unwrap().me.id;
    assert!(a.ready.as_ref().unwrap().presences.iter().all(|p| p.user_id != bob_id), "not listed in ready");
    let _c = Gw::connect(&ts.url, &carol.token).await;
    let frames = a.drain(Duration::from_millis(400)).await;
    let others = |f: &ServerFrame| matches!(f, ServerFrame::Dispatch(d) if matches!(d.event, Event::PresenceUpdated { user_id, .. } if user_id != alice_id));
    assert!(!frames.iter().any(others), "no presence of others pushed through a large server: {frames:?}");
    let members: Vec<pq_protocol::models::Member> = alice.get(&format!("/api/servers/{}/members", big.server.id)).await;
    assert!(members.iter().any(|m| m.user.id == bob_id && m.presence == Presence::Online), "the member list knows");

    // A small server shared with Bob carries his presence live again.
    let _small = server_with(&alice, &[&bob]).await;
    drop(b);
    a.event(
        "bob offline through the small server",
        |e| matches!(e, Event::PresenceUpdated { user_id, presence: Presence::Offline } if *user_id == bob_id),
    )
    .await;
}

#[tokio::test]
async fn presence_is_pushed_online_away_offline() {
    // The default grace (5 s), on the server's clock, which the test moves.
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let _s = server_with(&alice, &[&bob]).await;
    let bob_id = bob.get::<pq_protocol::models::Me>("/api/users/@me").await.id;
    let mut a = Gw::connect(&ts.url, &alice.token).await;
    assert!(a.ready.as_ref().unwrap().presences.iter().all(|p| p.user_id != bob_id), "bob is offline");

    let mut b = Gw::connect(&ts.url, &bob.token).await;
    let online =
        |e: &Event| matches!(e, Event::PresenceUpdated { user_id, presence: Presence::Online } if *user_id == bob_id);
    a.event("bob online", online).await;
    b.send(&ClientFrame::SetIdle(SetIdle { idle: true })).await;
    a.event("bob away", |e| matches!(e, Event::PresenceUpdated { presence: Presence::Away, .. })).await;
    b.send(&ClientFrame::SetIdle(SetIdle { idle: false })).await;
    a.event("bob back", online).await;
    b.send(&ClientFrame::SetStatus(SetStatus { status: StatusChoice::Away })).await;
    a.event("bob away by hand", |e| matches!(e, Event::PresenceUpdated { presence: Presence::Away, .. })).await;
    b.send(&ClientFrame::SetStatus(SetStatus { status: StatusChoice::Auto })).await;
    a.event("bob back", online).await;

    // A quick reconnect does not flicker offline, even once the grace of the
    // dropped connection has passed.
    drop(b);
    let b2 = Gw::connect(&ts.url, &bob.token).await;
    ts.clock().advance(Duration::from_secs(10));
    // Leaving does: not within the grace, at once after it.
    drop(b2);
    let bob_presence = |e: &Event| matches!(e, Event::PresenceUpdated { user_id, .. } if *user_id == bob_id);
    let early = tokio::time::timeout(Duration::from_millis(300), a.event("bob's presence", bob_presence)).await;
    assert!(early.is_err(), "bob's presence changed before the grace passed: {early:?}");
    let mut offline = None;
    for _ in 0..3 {
        ts.clock().advance(Duration::from_secs(5));
        if let Ok(e) = tokio::time::timeout(Duration::from_millis(500), a.event("bob offline", bob_presence)).await {
            offline = Some(e);
            break;
        }
    }
    match offline {
        Some(Event::PresenceUpdated { presence, .. }) => assert_eq!(presence, Presence::Offline, "no flicker before"),
        other => panic!("bob never went offline: {other:?}"),
    }
}

#[tokio::test]
async fn a_reader_too_slow_is_cut_off_and_memory_stays_bounded() {
    let ts = TestServer::start_with(|a| {
        a.client_queue = 64;
        a.dev_admins = vec!["root@example.com".into()];
    })
    .await;
    let root = api(&ts, "root@example.com").await;
    let alice = api(&ts, "alice@example.com").await;
    let mut slow = Gw::open_slow(&ts.url).await.identify(&alice.token).await;
    let session = slow.ready.as_ref().unwrap().session_id;
    let mut fast = Gw::connect(&ts.url, &root.token).await;

    // Flood everyone with toasts while `slow` reads nothing.
    let text = "t".repeat(300);
    let n = 3_000;
    let reader = tokio::spawn(async move {
        let mut got = 0;
        while got < n {
            if let ServerFrame::Dispatch(d) = fast.next().await
                && matches!(d.event, Event::Toast { .. })
            {
                got += 1;
            }
        }
        got
    });
    let mut sent = 0;
    for chunk in 0..(n / 50) {
        let mut batch = Vec::new();
        for _ in 0..50 {
            let r = root.clone();
            let t = text.clone();
            batch.push(tokio::spawn(async move { r.post::<Toast>("/api/admin/toasts", json!({"text": t})).await }));
        }
        for h in batch {
            h.await.unwrap();
            sent += 1;
        }
        let _ = chunk;
    }
    assert_eq!(sent, n);
    // What the server holds for its two sessions stays within the queue
    // bound (64 each, plus as many kept for resume), whatever the flood.
    let held = ts.server.state.hub().held_frames();
    assert!(held <= 2 * (64 + 64), "the server holds {held} frames after {n} toasts");
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(30), reader).await.unwrap().unwrap(),
        n,
        "a reader keeping up gets every toast"
    );

    // The slow one was cut off with 4010: draining its socket gives at most
    // what its queue and the kernel's buffers held, far less than n frames.
    let (mut frames, mut bytes) = (0, 0);
    let end = loop {
        match tokio::time::timeout(Duration::from_secs(10), futures_util::StreamExt::next(&mut slow.ws)).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                frames += 1;
                bytes += t.len();
            }
            Ok(Some(Ok(Message::Close(c)))) => break c.map(|c| u16::from(c.code)),
            Ok(Some(Ok(_))) => {}
            Ok(None) | Ok(Some(Err(_))) => break None,
            Err(_) => panic!("the slow reader was never cut off"),
        }
    };
    assert_eq!(end, Some(CloseCode::SlowConsumer.code()), "closed as too slow, after {frames} frames");
    let per_frame = bytes / frames.max(1);
    // The batch being written when it was cut off (at most the 64 queued
    // frames) + the 256 KiB kernel send buffer (which Linux doubles for its
    // bookkeeping) + the small receive buffer.
    assert!(bytes <= 64 * per_frame + 528 * 1024, "{bytes} bytes in {frames} frames (n = {n}, {per_frame} each)");
    assert!(frames < n / 2, "got {frames} of {n}");
    // Its session is gone: resuming says so (the client backfills instead).
    let (_g, frames) = Gw::resume(&ts.url, &alice.token, session, 0).await;
    assert!(matches!(frames.last(), Some(ServerFrame::InvalidSession(_))));
}

#[tokio::test]
async fn only_administrators_broadcast_toasts() {
    let ts = TestServer::start_with(|a| a.dev_admins = vec!["root@example.com".into()]).await;
    let root = api(&ts, "root@example.com").await;
    let alice = api(&ts, "alice@example.com").await;
    let mut a = Gw::connect(&ts.url, &alice.token).await;
    alice.fails(Method::POST, "/api/admin/toasts", Some(json!({"text": "hi"})), 403, "forbidden").await;
    root.fails(Method::POST, "/api/admin/toasts", Some(json!({"text": ""})), 422, "invalid_field").await;
    let t: Toast = root.post("/api/admin/toasts", json!({"text": "Maintenance at 22:00"})).await;
    match a.event("toast", |e| matches!(e, Event::Toast { .. })).await {
        Event::Toast { toast } => assert_eq!((toast.id, toast.text.as_str()), (t.id, "Maintenance at 22:00")),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn administrators_list_accounts_by_plan_page_by_page() {
    let ts = TestServer::start_with(|a| a.dev_admins = vec!["root@example.com".into()]).await;
    let root = api(&ts, "root@example.com").await;
    let mut people = Vec::new();
    for name in ["ann", "ben", "cho", "dia"] {
        people.push(api(&ts, &format!("{name}@example.com")).await);
    }
    let ids: Vec<pq_protocol::UserId> = {
        let mut v = Vec::new();
        for p in &people {
            v.push(p.get::<pq_protocol::models::Me>("/api/users/@me").await.id);
        }
        v
    };
    for (id, plan) in [(ids[1], "basic"), (ids[3], "premium")] {
        let (st, _) = root.call(Method::PUT, &format!("/api/admin/users/{id}/plan"), Some(json!({"plan": plan}))).await;
        assert_eq!(st, 204);
    }
    // Only administrators.
    people[0].fails(Method::GET, "/api/admin/users", None, 403, "forbidden").await;
    root.fails(Method::GET, "/api/admin/users?limit=0", None, 422, "invalid_field").await;

    // Everyone, newest first, with the count per plan.
    let all: pq_protocol::models::AdminAccounts = root.get("/api/admin/users").await;
    let emails: Vec<&str> = all.accounts.iter().filter_map(|a| a.email.as_deref()).collect();
    // (Root's account was made at its first call, after the others'.)
    assert_eq!(
        emails,
        ["root@example.com", "dia@example.com", "cho@example.com", "ben@example.com", "ann@example.com"]
    );
    assert!(!all.has_more);
    let counts: Vec<(&str, u32)> = all.plans.iter().map(|p| (p.plan.as_str(), p.accounts)).collect();
    assert_eq!(counts, [("free", 3), ("basic", 1), ("premium", 1)]);
    assert!(all.accounts.iter().find(|a| a.email.as_deref() == Some("root@example.com")).unwrap().is_admin);

    // One plan; and two at a time.
    let paying: pq_protocol::models::AdminAccounts = root.get("/api/admin/users?plan=premium").await;
    assert_eq!(paying.accounts.iter().map(|a| a.user.id).collect::<Vec<_>>(), [ids[3]]);
    let first: pq_protocol::models::AdminAccounts = root.get("/api/admin/users?limit=2").await;
    assert_eq!((first.accounts.len(), first.has_more), (2, true));
    let next: pq_protocol::models::AdminAccounts =
        root.get(&format!("/api/admin/users?limit=2&before={}", first.accounts[1].user.id)).await;
    assert_eq!(next.accounts.iter().map(|a| a.user.id).collect::<Vec<_>>(), [ids[2], ids[1]]);
}

#[tokio::test]
async fn the_plans_say_their_price_and_limits_as_configured() {
    let ts = TestServer::start_with(|a| {
        a.plan_prices_krw = pq_server::config::parse_prices("0,3000,6000").unwrap();
        a.upload_limit_mb = pq_server::config::parse_upload_limits("10,50,200").unwrap();
        a.message_limits = pq_server::config::parse_message_limits("20,200,800").unwrap();
    })
    .await;
    // No sign-in needed (the plan page is shown before one).
    let resp = ts.http.get(format!("{}/api/plans", ts.url)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let plans: Vec<pq_protocol::models::PlanInfo> = resp.json().await.unwrap();
    let seen: Vec<(&str, u32, u32, u64)> =
        plans.iter().map(|p| (p.plan.as_str(), p.price_krw, p.max_message_chars, p.max_upload_bytes >> 20)).collect();
    assert_eq!(seen, [("free", 0, 20, 10), ("basic", 3000, 200, 50), ("premium", 6000, 800, 200)]);
    // The configured length is the one enforced.
    let alice = api(&ts, "alice@example.com").await;
    let s = crate::servers::server_with(&alice, &[]).await;
    let ch = crate::servers::text_channel(&s).id;
    let body = alice
        .fails(
            Method::POST,
            &format!("/api/channels/{ch}/messages"),
            Some(json!({"client_id": pq_protocol::ClientMessageId::new(), "body": "x".repeat(21)})),
            422,
            "message_too_long",
        )
        .await;
    assert_eq!(body["limit"], 20);
    let _: pq_protocol::models::SendAck = alice
        .post(
            &format!("/api/channels/{ch}/messages"),
            json!({"client_id": pq_protocol::ClientMessageId::new(), "body": "x".repeat(20)}),
        )
        .await;
    // A limit above the protocol's 1,000 characters is refused at start.
    assert!(pq_server::config::parse_message_limits("150,500,1001").is_err());
}
