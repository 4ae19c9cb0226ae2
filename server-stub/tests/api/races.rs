//! Changes that race: every permission check is made inside the writer's
//! batch against the state the change commits on, so concurrent requests
//! cannot both pass a check that only one of them may pass.

use std::time::Duration;

use futures_util::future::join_all;
use pq_protocol::{
    ClientMessageId,
    gateway::{ClientFrame, Event, GatewaySend, ServerFrame},
    models::{Invite, Member, MessagePage, ServerState},
};
use reqwest::Method;
use serde_json::json;

use crate::{
    client::Gw,
    common::TestServer,
    servers::{api, server_with, text_channel},
};

#[tokio::test]
async fn concurrent_hand_overs_leave_exactly_one_owner() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let bob_id = bob.get::<pq_protocol::models::Me>("/api/users/@me").await.id;
    let carol_id = carol.get::<pq_protocol::models::Me>("/api/users/@me").await.id;
    for round in 0..10 {
        let s = server_with(&alice, &[&bob, &carol]).await;
        let sid = s.server.id;
        for u in [bob_id, carol_id] {
            crate::servers::make_admin(&alice, sid, u).await;
        }
        // Alice hands the server to Bob and to Carol at the same moment.
        let path = format!("/api/servers/{sid}");
        let (to_bob, to_carol) = tokio::join!(
            alice.call(Method::PATCH, &path, Some(json!({"owner_id": bob_id}))),
            alice.call(Method::PATCH, &path, Some(json!({"owner_id": carol_id}))),
        );
        let mut statuses = [to_bob.0.as_u16(), to_carol.0.as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 403], "round {round}: one hand-over wins, the other finds Alice no longer owns it");
        let winner = if to_bob.0.as_u16() == 200 { bob_id } else { carol_id };
        let server: ServerState = bob.get(&format!("/api/servers/{sid}")).await;
        assert_eq!(server.server.owner_id, winner, "round {round}: the server names the winner");
    }
}

#[tokio::test]
async fn two_accepts_of_a_one_use_invite_admit_one() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let mut guests = Vec::new();
    for i in 0..6 {
        guests.push(api(&ts, &format!("guest{i}@example.com")).await);
    }
    for round in 0..3 {
        let s = server_with(&alice, &[]).await;
        let inv: Invite = alice.post(&format!("/api/servers/{}/invites", s.server.id), json!({"max_uses": 1})).await;
        let (a, b) = (&guests[round * 2], &guests[round * 2 + 1]);
        let path = format!("/api/invites/{}/accept", inv.code);
        let (ra, rb) = tokio::join!(a.call(Method::POST, &path, None), b.call(Method::POST, &path, None));
        let mut statuses = [ra.0.as_u16(), rb.0.as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 410], "round {round}: one person gets in, the other finds it used up");
        let loser = if ra.0.as_u16() == 410 { &ra.1 } else { &rb.1 };
        assert_eq!(loser["code"], "invite_exhausted");
        let members: Vec<Member> = alice.get(&format!("/api/servers/{}/members", s.server.id)).await;
        assert_eq!(members.len(), 2, "round {round}: the owner and one guest");
    }
}

/// Bob sends as fast as he can while Alice removes him: every message of his
/// is either stored and delivered before the removal, or refused — never
/// stored after it, and never delivered to anyone after it.
#[tokio::test]
async fn a_send_racing_a_kick_is_stored_before_it_or_refused() {
    let ts = TestServer::start_with(|a| {
        a.rate_per_sec = 10_000.0;
        a.rate_burst = 10_000.0;
    })
    .await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let bob_id = bob.get::<pq_protocol::models::Me>("/api/users/@me").await.id;
    for round in 0..3 {
        let s = server_with(&alice, &[&bob, &carol]).await;
        let sid = s.server.id;
        let ch = text_channel(&s).id;
        let mut watcher = Gw::connect(&ts.url, &carol.token).await;
        let mut sender = Gw::connect(&ts.url, &bob.token).await;
        // Bob queues 300 messages without waiting; Alice kicks him meanwhile.
        let ids: Vec<ClientMessageId> = (0..300).map(|_| ClientMessageId::new()).collect();
        let sending = async {
            for (i, id) in ids.iter().enumerate() {
                sender
                    .send(&ClientFrame::SendMessage(GatewaySend {
                        channel_id: ch,
                        client_id: *id,
                        body: format!("round {round} message {i}"),
                        reply_to: None,
                        attachments: vec![],
                    }))
                    .await;
                if i == 20 {
                    tokio::task::yield_now().await;
                }
            }
        };
        let kick = async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            alice.call(Method::DELETE, &format!("/api/servers/{sid}/members/{bob_id}"), None).await
        };
        let ((), (status, _)) = tokio::join!(sending, kick);
        assert_eq!(status.as_u16(), 204);

        // What Bob heard: an ack or a refusal for every message.
        let mut acked = Vec::new();
        let mut refused = 0;
        while acked.len() + refused < ids.len() {
            match sender.next().await {
                ServerFrame::Ack(a) => acked.push(a),
                ServerFrame::Error(e) if e.client_id.is_some() => {
                    assert_eq!(e.error.code, pq_protocol::ErrorCode::NotFound, "refused because he is out: {e:?}");
                    refused += 1;
                }
                _ => {}
            }
        }
        // What Carol saw: Bob's messages, then his removal, and nothing of his after it.
        let mut seen = Vec::new();
        let mut left_at = None;
        for f in watcher.drain(Duration::from_millis(500)).await {
            if let ServerFrame::Dispatch(d) = f {
                match d.event {
                    Event::MessageCreated { message } if message.author_id == bob_id => {
                        assert!(left_at.is_none(), "round {round}: a message of Bob's delivered after his removal");
                        seen.push(message.id);
                    }
                    Event::MemberLeft { user_id, .. } if user_id == bob_id => left_at = Some(seen.len()),
                    _ => {}
                }
            }
        }
        assert!(left_at.is_some(), "round {round}: Carol heard of the removal");
        let page: MessagePage = carol.get(&format!("/api/channels/{ch}/messages?limit=100&after=0")).await;
        let mut stored = page.messages;
        let mut after = stored.last().map_or(0, |m| m.seq);
        loop {
            let more: MessagePage = carol.get(&format!("/api/channels/{ch}/messages?limit=100&after={after}")).await;
            if more.messages.is_empty() {
                break;
            }
            after = more.messages.last().unwrap().seq;
            stored.extend(more.messages);
        }
        let stored_ids: Vec<_> = stored.iter().map(|m| m.id).collect();
        let acked_ids: Vec<_> = acked.iter().map(|a| a.message_id).collect();
        assert_eq!(stored_ids, acked_ids, "round {round}: stored = acknowledged, in the order sent");
        assert_eq!(seen, acked_ids, "round {round}: delivered = stored");
        // Stored messages are a prefix of what he sent: once refused, always refused.
        let sent_order: Vec<_> = acked.iter().map(|a| a.client_id).collect();
        assert_eq!(sent_order, ids[..acked.len()], "round {round}: a prefix of his messages");
        bob.fails(Method::GET, &format!("/api/channels/{ch}/messages"), None, 404, "not_found").await;
    }
}

/// Requests that go away mid-way (the client gives up at a random moment)
/// leave the server's state and what members were told in agreement.
#[tokio::test]
async fn requests_dropped_at_any_moment_leave_state_and_events_in_agreement() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let watcher_api = api(&ts, "watcher@example.com").await;
    let mut joiners = Vec::new();
    for i in 0..12 {
        joiners.push(api(&ts, &format!("joiner{i}@example.com")).await);
    }
    let s = server_with(&alice, &[&watcher_api]).await;
    let sid = s.server.id;
    let ch = text_channel(&s).id;
    let inv: Invite = alice.post(&format!("/api/servers/{sid}/invites"), json!({})).await;
    let mut watcher = Gw::connect(&ts.url, &watcher_api.token).await;

    // Each request is abandoned after 0–4 ms by a client with its own timeout.
    let quick = |ms: u64| reqwest::Client::builder().timeout(Duration::from_micros(ms * 1000 + 200)).build().unwrap();
    let mut tasks = Vec::new();
    for i in 0..48u64 {
        let (url, token) = (ts.url.clone(), alice.token.clone());
        let http = quick(i % 5);
        let j = &joiners[(i as usize) % joiners.len()];
        let jtoken = j.token.clone();
        let code = inv.code.0.clone();
        tasks.push(async move {
            let _ = match i % 4 {
                0 => {
                    http.post(format!("{url}/api/channels/{ch}/messages"))
                        .bearer_auth(&token)
                        .json(&json!({"client_id": ClientMessageId::new(), "body": format!("dropped? {i}")}))
                        .send()
                        .await
                }
                1 => {
                    http.post(format!("{url}/api/servers/{sid}/channels"))
                        .bearer_auth(&token)
                        .json(&json!({"name": format!("room-{i}"), "kind": "text"}))
                        .send()
                        .await
                }
                2 => http.post(format!("{url}/api/invites/{code}/accept")).bearer_auth(&jtoken).send().await,
                _ => {
                    // Kick whoever joined with this token (404 if they have not yet).
                    let me: serde_json::Value = reqwest::Client::new()
                        .get(format!("{url}/api/users/@me"))
                        .bearer_auth(&jtoken)
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    let uid = me["id"].as_str().unwrap().to_owned();
                    http.delete(format!("{url}/api/servers/{sid}/members/{uid}")).bearer_auth(&token).send().await
                }
            };
        });
    }
    join_all(tasks).await;
    // Let every queued change finish, then compare.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let frames = watcher.drain(Duration::from_millis(500)).await;
    let mut members: std::collections::BTreeSet<_> =
        alice.get::<Vec<Member>>(&format!("/api/servers/{sid}/members")).await.iter().map(|m| m.user.id).collect();
    let state: ServerState = alice.get(&format!("/api/servers/{sid}")).await;
    let page: MessagePage = alice.get(&format!("/api/channels/{ch}/messages")).await;

    let mut heard_channels: std::collections::BTreeSet<_> =
        watcher.ready.as_ref().unwrap().servers[0].channels.iter().map(|c| c.id).collect();
    let mut heard_messages = std::collections::BTreeSet::new();
    let mut joined = std::collections::BTreeSet::new();
    let mut left = std::collections::BTreeSet::new();
    for f in frames {
        if let ServerFrame::Dispatch(d) = f {
            match d.event {
                Event::ChannelCreated { channel } => {
                    heard_channels.insert(channel.id);
                }
                Event::MessageCreated { message } => {
                    heard_messages.insert(message.id);
                }
                Event::MemberJoined { member, .. } => {
                    left.remove(&member.user.id);
                    joined.insert(member.user.id);
                }
                Event::MemberLeft { user_id, .. } => {
                    joined.remove(&user_id);
                    left.insert(user_id);
                }
                _ => {}
            }
        }
    }
    let channels: std::collections::BTreeSet<_> = state.channels.iter().map(|c| c.id).collect();
    assert_eq!(channels, heard_channels, "every channel that exists was announced, and only those");
    let stored: std::collections::BTreeSet<_> = page.messages.iter().map(|m| m.id).collect();
    assert_eq!(stored, heard_messages, "every stored message was delivered, and only those");
    for u in &joined {
        assert!(members.contains(u), "announced as joined but not a member");
    }
    for u in &left {
        assert!(!members.contains(u), "announced as gone but still a member");
    }
    // Everyone who is a member now either was there at the start or was announced.
    members.remove(&s.server.owner_id);
    members.retain(|u| !joined.contains(u));
    assert_eq!(members.len(), 1, "only the watcher joined without an announcement to the watcher: {members:?}");
}
