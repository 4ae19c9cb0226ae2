//! Servers, channels, members and invites over REST, with the gateway events
//! they cause, and who may do what.

use pq_protocol::{
    ServerId, UserId,
    gateway::Event,
    models::{Channel, ChannelKind, Invite, InvitePreview, Member, Presence, ServerRole, ServerState},
};
use reqwest::Method;
use serde_json::json;

use crate::{
    client::{Api, Gw},
    common::TestServer,
};

/// Signs `email` in and returns a REST client for them.
pub async fn api(ts: &TestServer, email: &str) -> Api {
    let name = email.split('@').next().unwrap();
    let tokens = ts.sign_in(email, name).await;
    Api::new(&ts.url, &tokens.access_token)
}

/// The account `api` signs in as.
pub async fn id(api: &Api) -> UserId {
    api.get::<pq_protocol::models::Me>("/api/users/@me").await.id
}

/// `owner` creates a server; `others` join it by invite.
pub async fn server_with(owner: &Api, others: &[&Api]) -> ServerState {
    let s: ServerState = owner.post("/api/servers", json!({"name": "Study group"})).await;
    if !others.is_empty() {
        let inv: Invite = owner.post(&format!("/api/servers/{}/invites", s.server.id), json!({})).await;
        for o in others {
            let _: ServerState = o.post(&format!("/api/invites/{}/accept", inv.code), json!({})).await;
        }
    }
    owner.get(&format!("/api/servers/{}", s.server.id)).await
}

/// `by` creates a role named `name` allowing `permissions` (or finds the
/// server's role of that name) and gives it to `user`.
pub async fn give_role(by: &Api, sid: ServerId, user: UserId, name: &str, permissions: &[&str]) -> ServerRole {
    let roles: Vec<ServerRole> = by.get(&format!("/api/servers/{sid}/roles")).await;
    let role = match roles.into_iter().find(|r| r.name == name) {
        Some(r) => r,
        None => by.post(&format!("/api/servers/{sid}/roles"), json!({"name": name, "permissions": permissions})).await,
    };
    let (st, body) = by.call(Method::PUT, &format!("/api/servers/{sid}/members/{user}/roles/{}", role.id), None).await;
    assert_eq!(st, 204, "{body}");
    role
}

/// `owner` makes `user` an admin: gives them the server's `Admin` role
/// (every permission), creating it the first time.
pub async fn make_admin(owner: &Api, sid: ServerId, user: UserId) -> ServerRole {
    give_role(owner, sid, user, "Admin", &["administrator"]).await
}

pub fn text_channel(s: &ServerState) -> &Channel {
    s.channels.iter().find(|c| c.kind == ChannelKind::Text).expect("a text channel")
}

#[tokio::test]
async fn a_new_server_has_the_seed_layout_and_its_owner() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let s: ServerState = alice.post("/api/servers", json!({"name": "  Study group  "})).await;
    assert_eq!(s.server.name, "Study group", "names are trimmed");
    assert_eq!(
        (s.server.owner_id, s.my_roles.len()),
        (alice.get::<pq_protocol::models::Me>("/api/users/@me").await.id, 0)
    );
    assert_eq!(s.roles.len(), 1, "a new server has only @everyone");
    assert_eq!((s.roles[0].id.0, s.roles[0].name.as_str()), (s.server.id.0, "@everyone"));
    assert_eq!(s.member_count, 1);
    let kinds: Vec<(ChannelKind, &str, Option<_>)> =
        s.channels.iter().map(|c| (c.kind, c.name.as_str(), c.parent_id)).collect();
    let text_cat = s.channels.iter().find(|c| c.name == "Text Channels").unwrap().id;
    let voice_cat = s.channels.iter().find(|c| c.name == "Voice Channels").unwrap().id;
    assert!(kinds.contains(&(ChannelKind::Category, "Text Channels", None)));
    assert!(kinds.contains(&(ChannelKind::Text, "general", Some(text_cat))));
    assert!(kinds.contains(&(ChannelKind::Category, "Voice Channels", None)));
    assert!(kinds.contains(&(ChannelKind::Voice, "General", Some(voice_cat))));
    assert_eq!(s.read_states.len(), 1);
    assert_eq!(s.read_states[0].unread_count, 0);

    let mine: Vec<ServerState> = alice.get("/api/servers").await;
    assert_eq!(mine.len(), 1);
    let members: Vec<Member> = alice.get(&format!("/api/servers/{}/members", s.server.id)).await;
    assert_eq!(members.len(), 1);
    assert_eq!((members[0].user.id, members[0].roles.len()), (s.server.owner_id, 0));
    assert_eq!(members[0].user.display_name, "alice");

    alice.fails(Method::POST, "/api/servers", Some(json!({"name": "   "})), 422, "invalid_field").await;
    alice.fails(Method::POST, "/api/servers", Some(json!({"name": "x".repeat(101)})), 422, "invalid_field").await;
    // The rules are the document's, exactly: control characters anywhere
    // (even where trimming would remove them), and the length of what was
    // sent, not of what is left after trimming.
    alice.fails(Method::POST, "/api/servers", Some(json!({"name": "\tplans"})), 422, "invalid_field").await;
    alice.fails(Method::POST, "/api/servers", Some(json!({"name": "plans\n"})), 422, "invalid_field").await;
    let padded = format!(" {} ", "x".repeat(99));
    alice.fails(Method::POST, "/api/servers", Some(json!({"name": padded})), 422, "invalid_field").await;
    let fits: ServerState = alice.post("/api/servers", json!({"name": format!(" {}", "x".repeat(99))})).await;
    assert_eq!(fits.server.name, "x".repeat(99), "stored trimmed");
    // A body is an object, not the struct's fields in an array.
    alice.fails(Method::POST, "/api/servers", Some(json!(["plans"])), 400, "bad_request").await;
    // 3.0 is an integer, as in JSON Schema.
    let invite: pq_protocol::models::Invite =
        alice.post(&format!("/api/servers/{}/invites", s.server.id), json!({"max_uses": 3.0})).await;
    assert_eq!(invite.max_uses, Some(3));
}

#[tokio::test]
async fn channels_are_created_renamed_moved_and_deleted_and_members_hear_of_it() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let s = server_with(&alice, &[&bob]).await;
    let sid = s.server.id;
    let mut bob_gw = Gw::connect(&ts.url, &bob.token).await;

    let cat: Channel =
        alice.post(&format!("/api/servers/{sid}/channels"), json!({"name": "Projects", "kind": "category"})).await;
    let ch: Channel = alice
        .post(&format!("/api/servers/{sid}/channels"), json!({"name": "design", "kind": "text", "parent_id": cat.id}))
        .await;
    assert_eq!(ch.parent_id, Some(cat.id));
    bob_gw.event("channel_created", |e| matches!(e, Event::ChannelCreated { channel } if channel.id == ch.id)).await;

    // Bob (a member) may not manage channels.
    bob.fails(
        Method::POST,
        &format!("/api/servers/{sid}/channels"),
        Some(json!({"name": "x", "kind": "text"})),
        403,
        "forbidden",
    )
    .await;
    bob.fails(Method::PATCH, &format!("/api/channels/{}", ch.id), Some(json!({"name": "x"})), 403, "forbidden").await;
    bob.fails(Method::DELETE, &format!("/api/channels/{}", ch.id), None, 403, "forbidden").await;

    let renamed: Channel =
        alice.ok(Method::PATCH, &format!("/api/channels/{}", ch.id), Some(json!({"name": "ux"}))).await;
    assert_eq!(renamed.name, "ux");
    bob_gw.event("channel_updated", |e| matches!(e, Event::ChannelUpdated { channel } if channel.name == "ux")).await;
    // A topic, which everyone hears of; an empty one removes it.
    let path = format!("/api/channels/{}", ch.id);
    let topic: Channel =
        alice.ok(Method::PATCH, &path, Some(json!({"topic": "Ship it by Friday\n(no pressure)"}))).await;
    assert_eq!((topic.name.as_str(), topic.topic.as_deref()), ("ux", Some("Ship it by Friday\n(no pressure)")));
    bob_gw.event("the topic", |e| matches!(e, Event::ChannelUpdated { channel } if channel.topic.is_some())).await;
    alice.fails(Method::PATCH, &path, Some(json!({"topic": "x".repeat(1025)})), 422, "invalid_field").await;
    let cleared: Channel = alice.ok(Method::PATCH, &path, Some(json!({"topic": ""}))).await;
    assert_eq!(cleared.topic, None);
    // The server's description, on its invites too.
    let described: pq_protocol::models::Server =
        alice.ok(Method::PATCH, &format!("/api/servers/{sid}"), Some(json!({"description": "UX folks, Seoul"}))).await;
    assert_eq!(described.description.as_deref(), Some("UX folks, Seoul"));
    bob.fails(Method::PATCH, &format!("/api/servers/{sid}"), Some(json!({"description": "mine"})), 403, "forbidden")
        .await;
    let inv: Invite = alice.post(&format!("/api/servers/{sid}/invites"), json!({})).await;
    let seen: InvitePreview = bob.get(&format!("/api/invites/{}", inv.code)).await;
    assert_eq!(seen.server_description.as_deref(), Some("UX folks, Seoul"));

    // Move "ux" to the top level, first.
    let all: Vec<Channel> = alice
        .ok(
            Method::PUT,
            &format!("/api/servers/{sid}/channels/layout"),
            Some(json!({"channels": [{"id": ch.id, "parent_id": null, "position": -1}]})),
        )
        .await;
    let moved = all.iter().find(|c| c.id == ch.id).unwrap();
    assert_eq!((moved.parent_id, moved.position), (None, -1));
    bob_gw.event("channels_reordered", |e| matches!(e, Event::ChannelsReordered { .. })).await;
    // Categories cannot nest; channels of other servers cannot be placed.
    alice
        .fails(
            Method::PUT,
            &format!("/api/servers/{sid}/channels/layout"),
            Some(json!({"channels": [{"id": cat.id, "parent_id": cat.id, "position": 0}]})),
            409,
            "conflict",
        )
        .await;
    let other = server_with(&bob, &[]).await;
    alice
        .fails(
            Method::PUT,
            &format!("/api/servers/{sid}/channels/layout"),
            Some(json!({"channels": [{"id": other.channels[0].id, "parent_id": null, "position": 0}]})),
            409,
            "conflict",
        )
        .await;

    // Deleting a category frees its channels.
    let inner: Channel = alice
        .post(&format!("/api/servers/{sid}/channels"), json!({"name": "inner", "kind": "voice", "parent_id": cat.id}))
        .await;
    let (st, _) = alice.call(Method::DELETE, &format!("/api/channels/{}", cat.id), None).await;
    assert_eq!(st, 204);
    bob_gw
        .event("channel_deleted", |e| matches!(e, Event::ChannelDeleted { channel_id, .. } if *channel_id == cat.id))
        .await;
    let state: ServerState = bob.get(&format!("/api/servers/{sid}")).await;
    assert!(state.channels.iter().all(|c| c.id != cat.id));
    assert_eq!(state.channels.iter().find(|c| c.id == inner.id).unwrap().parent_id, None);
}

#[tokio::test]
async fn outsiders_learn_nothing_and_roles_are_enforced() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let eve = api(&ts, "eve@example.com").await;
    let s = server_with(&alice, &[&bob, &carol]).await;
    let sid = s.server.id;
    let ch = text_channel(&s).id;
    let bob_id = bob.get::<pq_protocol::models::Me>("/api/users/@me").await.id;
    let carol_id = carol.get::<pq_protocol::models::Me>("/api/users/@me").await.id;

    // Eve is not a member: 404 everywhere, never 403 (which would confirm existence).
    for (m, path, body) in [
        (Method::GET, format!("/api/servers/{sid}"), None),
        (Method::PATCH, format!("/api/servers/{sid}"), Some(json!({"name": "pwned"}))),
        (Method::DELETE, format!("/api/servers/{sid}"), None),
        (Method::GET, format!("/api/servers/{sid}/members"), None),
        (Method::POST, format!("/api/servers/{sid}/channels"), Some(json!({"name": "x", "kind": "text"}))),
        (Method::POST, format!("/api/servers/{sid}/invites"), Some(json!({}))),
        (Method::GET, format!("/api/channels/{ch}/messages"), None),
        (
            Method::POST,
            format!("/api/channels/{ch}/messages"),
            Some(json!({"client_id": uuid::Uuid::new_v4(), "body": "hi"})),
        ),
        (Method::PUT, format!("/api/channels/{ch}/read"), Some(json!({"seq": 1}))),
        (Method::PATCH, format!("/api/channels/{ch}"), Some(json!({"name": "x"}))),
        (Method::DELETE, format!("/api/servers/{sid}/members/{bob_id}"), None),
        (Method::GET, format!("/api/users/{bob_id}"), None),
    ] {
        eve.fails(m, &path, body, 404, "not_found").await;
    }
    // And her gateway hears nothing of the server.
    let eve_gw = Gw::connect(&ts.url, &eve.token).await;
    assert!(eve_gw.ready.as_ref().unwrap().servers.is_empty());

    // Members may not make roles or kick; admins may kick members only.
    bob.fails(Method::POST, &format!("/api/servers/{sid}/roles"), Some(json!({"name": "Mods"})), 403, "forbidden")
        .await;
    bob.fails(Method::DELETE, &format!("/api/servers/{sid}/members/{carol_id}"), None, 403, "forbidden").await;
    make_admin(&alice, sid, bob_id).await;
    let alice_id = alice.get::<pq_protocol::models::Me>("/api/users/@me").await.id;
    bob.fails(Method::DELETE, &format!("/api/servers/{sid}/members/{alice_id}"), None, 403, "forbidden").await;
    bob.fails(Method::PATCH, &format!("/api/servers/{sid}"), Some(json!({"name": ""})), 422, "invalid_field").await;
    let renamed: pq_protocol::models::Server =
        bob.ok(Method::PATCH, &format!("/api/servers/{sid}"), Some(json!({"name": "Renamed"}))).await;
    assert_eq!(renamed.name, "Renamed");
    bob.fails(Method::DELETE, &format!("/api/servers/{sid}"), None, 403, "forbidden").await;

    let mut carol_gw = Gw::connect(&ts.url, &carol.token).await;
    let (st, _) = bob.call(Method::DELETE, &format!("/api/servers/{sid}/members/{carol_id}"), None).await;
    assert_eq!(st, 204);
    match carol_gw.event("server_removed", |e| matches!(e, Event::ServerRemoved { .. })).await {
        Event::ServerRemoved { reason, .. } => assert_eq!(reason, "kicked"),
        _ => unreachable!(),
    }
    carol.fails(Method::GET, &format!("/api/channels/{ch}/messages"), None, 404, "not_found").await;

    // The owner cannot leave; hand over, then leave.
    alice.fails(Method::DELETE, &format!("/api/servers/{sid}/members/@me"), None, 409, "conflict").await;
    let handed: pq_protocol::models::Server =
        alice.ok(Method::PATCH, &format!("/api/servers/{sid}"), Some(json!({"owner_id": bob_id}))).await;
    assert_eq!(handed.owner_id, bob_id);
    let state: ServerState = bob.get(&format!("/api/servers/{sid}")).await;
    assert_eq!(state.server.owner_id, bob_id);
    let (st, _) = alice.call(Method::DELETE, &format!("/api/servers/{sid}/members/@me"), None).await;
    assert_eq!(st, 204);
    assert!(alice.get::<Vec<ServerState>>("/api/servers").await.is_empty());
    let (st, _) = bob.call(Method::DELETE, &format!("/api/servers/{sid}"), None).await;
    assert_eq!(st, 204);
    bob.fails(Method::GET, &format!("/api/servers/{sid}"), None, 404, "not_found").await;
    drop(eve_gw);
}

#[tokio::test]
async fn invites_preview_accept_expire_run_out_and_revoke() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let dave = api(&ts, "dave@example.com").await;
    let s = server_with(&alice, &[]).await;
    let sid = s.server.id;
    let mut alice_gw = Gw::connect(&ts.url, &alice.token).await;

    let inv: Invite = alice.post(&format!("/api/servers/{sid}/invites"), json!({"max_uses": 1})).await;
    assert_eq!(inv.code.0.len(), 22);
    assert_eq!(inv.url, format!("pq://invite/{}", inv.code.0));
    assert!(inv.expires_at.is_some(), "invites expire in 7 days by default");
    let other: Invite = alice.post(&format!("/api/servers/{sid}/invites"), json!({})).await;
    assert_ne!(inv.code, other.code);

    let p: InvitePreview = bob.get(&format!("/api/invites/{}", inv.code)).await;
    assert_eq!(
        (p.server_name.as_str(), p.member_count, p.online_count, p.already_member),
        ("Study group", 1, 1, false)
    );
    assert_eq!(p.inviter.display_name, "alice");
    // Looking did not join.
    bob.fails(Method::GET, &format!("/api/servers/{sid}"), None, 404, "not_found").await;

    let joined: ServerState = bob.post(&format!("/api/invites/{}/accept", inv.code), json!({})).await;
    assert_eq!((joined.my_roles.len(), joined.member_count), (0, 2));
    alice_gw
        .event(
            "member_joined",
            |e| matches!(e, Event::MemberJoined { member, .. } if member.user.display_name == "bob"),
        )
        .await;
    // Accepting again as a member is harmless and uses nothing up.
    let again: ServerState = bob.post(&format!("/api/invites/{}/accept", inv.code), json!({})).await;
    assert_eq!(again.server.id, sid);
    // The single use is gone for Carol.
    carol.fails(Method::POST, &format!("/api/invites/{}/accept", inv.code), None, 410, "invite_exhausted").await;
    carol.fails(Method::GET, &format!("/api/invites/{}", inv.code), None, 410, "invite_exhausted").await;

    // Revoked: gone. Only its creator or admins may revoke.
    bob.fails(Method::DELETE, &format!("/api/invites/{}", other.code), None, 403, "forbidden").await;
    let (st, _) = alice.call(Method::DELETE, &format!("/api/invites/{}", other.code), None).await;
    assert_eq!(st, 204);
    carol.fails(Method::POST, &format!("/api/invites/{}/accept", other.code), None, 410, "invite_expired").await;

    // Expired: gone.
    let short: Invite = alice.post(&format!("/api/servers/{sid}/invites"), json!({"max_age_secs": 60})).await;
    let _: InvitePreview = carol.get(&format!("/api/invites/{}", short.code)).await;
    ts.clock().advance(std::time::Duration::from_secs(61));
    carol.fails(Method::POST, &format!("/api/invites/{}/accept", short.code), None, 410, "invite_expired").await;

    // Made-up codes are simply not found.
    carol.fails(Method::GET, "/api/invites/AAAAAAAAAAAAAAAAAAAAAA", None, 404, "not_found").await;
    carol.fails(Method::GET, "/api/invites/nonsense", None, 404, "not_found").await;

    // Admins list what still works.
    let forever: Invite =
        alice.post(&format!("/api/servers/{sid}/invites"), json!({"max_age_secs": 0, "max_uses": 5})).await;
    assert!(forever.expires_at.is_none());
    let list: Vec<Invite> = alice.get(&format!("/api/servers/{sid}/invites")).await;
    assert_eq!(list.iter().map(|i| i.code.clone()).collect::<Vec<_>>(), vec![forever.code.clone()]);
    bob.fails(Method::GET, &format!("/api/servers/{sid}/invites"), None, 403, "forbidden").await;
    let _: ServerState = dave.post(&format!("/api/invites/{}/accept", forever.code), json!({})).await;
    let members: Vec<Member> = alice.get(&format!("/api/servers/{sid}/members")).await;
    assert_eq!(members.len(), 3);
    let me = members.iter().find(|m| m.user.display_name == "alice").unwrap();
    assert_eq!(me.presence, Presence::Online, "alice has a gateway connection");
    let dave_m = members.iter().find(|m| m.user.display_name == "dave").unwrap();
    assert_eq!(dave_m.presence, Presence::Offline);
}

#[tokio::test]
async fn images_upload_and_profiles_change() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let s = server_with(&alice, &[&bob]).await;
    let mut bob_gw = Gw::connect(&ts.url, &bob.token).await;

    let png: Vec<u8> = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    let resp = alice
        .http
        .put(format!("{}/api/servers/{}/icon", ts.url, s.server.id))
        .bearer_auth(&alice.token)
        .header("content-type", "image/png")
        .body(png.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let server: pq_protocol::models::Server = resp.json().await.unwrap();
    let icon = server.icon_url.clone().unwrap();
    assert!(icon.starts_with("/media/"));
    bob_gw.event("server_updated", |e| matches!(e, Event::ServerUpdated { server } if server.icon_url.is_some())).await;
    let got = bob.http.get(format!("{}{icon}", ts.url)).bearer_auth(&bob.token).send().await.unwrap();
    assert_eq!(got.headers()["content-type"], "image/png");
    assert_eq!(got.bytes().await.unwrap().as_ref(), png.as_slice());

    // A real-sized image (well over the JSON body limit) is fine.
    let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
    big.resize(600 * 1024, 7);
    let resp = alice
        .http
        .put(format!("{}/api/users/@me/avatar", ts.url))
        .bearer_auth(&alice.token)
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());

    // Not an image: refused, nothing changes.
    let resp = alice
        .http
        .put(format!("{}/api/users/@me/avatar", ts.url))
        .bearer_auth(&alice.token)
        .body("<script>alert(1)</script>")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    // Too big.
    let resp = alice
        .http
        .put(format!("{}/api/users/@me/avatar", ts.url))
        .bearer_auth(&alice.token)
        .body(vec![0u8; 3 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);

    let me: pq_protocol::models::Me =
        alice.ok(Method::PATCH, "/api/users/@me", Some(json!({"display_name": "Alice Kim", "avatar_url": icon}))).await;
    assert_eq!(me.display_name, "Alice Kim");
    bob_gw
        .event("user_updated", |e| matches!(e, Event::UserUpdated { user } if user.display_name == "Alice Kim"))
        .await;
    alice
        .fails(
            Method::PATCH,
            "/api/users/@me",
            Some(json!({"avatar_url": "javascript:alert(1)"})),
            422,
            "invalid_field",
        )
        .await;
    // Pictures from anywhere but this server's /media are refused: they
    // would tell their owner who looks at them, and from where.
    for foreign in ["https://tracker.example.com/pixel.png", "http://127.0.0.1:8080/admin", "//evil.example/a.png"] {
        let body = alice
            .fails(Method::PATCH, "/api/users/@me", Some(json!({"avatar_url": foreign})), 422, "invalid_field")
            .await;
        assert!(body["message"].as_str().unwrap().contains("upload"), "{body}");
        alice
            .fails(
                Method::PATCH,
                &format!("/api/servers/{}", server.id),
                Some(json!({"icon_url": foreign})),
                422,
                "invalid_field",
            )
            .await;
    }
    let looked: pq_protocol::models::User = bob.get(&format!("/api/users/{}", me.id)).await;
    assert_eq!(looked.avatar_url.as_deref(), Some(icon.as_str()));
}

#[tokio::test]
async fn bad_request_bodies_get_clear_errors_and_change_nothing() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let s = server_with(&alice, &[]).await;
    let ch = text_channel(&s).id;
    let post = |body: Vec<u8>, ct: &'static str| {
        let alice = alice.clone();
        async move {
            let resp = alice
                .http
                .post(format!("{}/api/channels/{ch}/messages", alice.base))
                .bearer_auth(&alice.token)
                .header("content-type", ct)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (st, v) = post(b"{\"client_id\": ".to_vec(), "application/json").await;
    assert_eq!((st, v["code"].as_str()), (400, Some("bad_request")), "{v}");
    assert!(v["message"].as_str().unwrap().to_lowercase().contains("malformed json"), "{v}");
    let (st, v) = post(b"{\"body\": \"no client id\"}".to_vec(), "application/json").await;
    assert_eq!((st, v["code"].as_str()), (400, Some("bad_request")), "{v}");
    assert!(v["message"].as_str().unwrap().contains("client_id"), "names the missing field: {v}");
    let (st, v) = post(b"{\"client_id\": 5, \"body\": \"x\"}".to_vec(), "application/json").await;
    assert_eq!((st, v["code"].as_str()), (400, Some("bad_request")), "{v}");
    // A whole number written with a fraction is the integer (as JSON Schema
    // counts it), read exactly even near 2^53.
    let read: pq_protocol::models::ReadState = alice
        .ok(
            Method::PUT,
            &format!("/api/channels/{ch}/read"),
            Some(serde_json::from_str(r#"{"seq": 2251799813685247.0}"#).unwrap()),
        )
        .await;
    assert_eq!(read.channel_id, ch);
    let (st, v) = post(
        b"{\"client_id\":\"01900000-0000-7000-8000-000000000001\",\"body\":\"\xff\xfe\"}".to_vec(),
        "application/json",
    )
    .await;
    assert_eq!((st, v["code"].as_str()), (400, Some("bad_request")), "invalid UTF-8: {v}");
    let (st, v) = post(b"client_id=x".to_vec(), "application/x-www-form-urlencoded").await;
    assert_eq!((st, v["code"].as_str()), (400, Some("bad_request")), "{v}");
    let huge = format!("{{\"client_id\":\"{}\",\"body\":\"{}\"}}", uuid::Uuid::new_v4(), "x".repeat(100_000));
    let (st, v) = post(huge.into_bytes(), "application/json").await;
    assert_eq!((st, v["code"].as_str()), (413, Some("payload_too_large")), "{v}");
    alice.fails(Method::GET, "/api/channels/not-a-uuid/messages", None, 400, "bad_request").await;
    alice.fails(Method::GET, "/api/no/such/route", None, 404, "not_found").await;

    // Nothing was stored; the server still works.
    let page: pq_protocol::models::MessagePage = alice.get(&format!("/api/channels/{ch}/messages")).await;
    assert!(page.messages.is_empty());
    let ok: pq_protocol::models::SendAck = alice
        .post(&format!("/api/channels/{ch}/messages"), json!({"client_id": uuid::Uuid::new_v4(), "body": "fine"}))
        .await;
    assert_eq!(ok.seq, 1);
}

#[tokio::test]
async fn gateway_ops_into_other_servers_are_refused() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let eve = api(&ts, "eve@example.com").await;
    let s = server_with(&alice, &[]).await;
    let ch = text_channel(&s).id;
    let mut a = Gw::connect(&ts.url, &alice.token).await;
    let mut e = Gw::connect(&ts.url, &eve.token).await;

    let err = e.send_with_id(ch, pq_protocol::ClientMessageId::new(), "let me in").await.unwrap_err();
    assert_eq!(err.error.code, pq_protocol::ErrorCode::NotFound);
    for frame in [
        pq_protocol::gateway::ClientFrame::Typing(pq_protocol::gateway::TypingStart { channel_id: ch }),
        pq_protocol::gateway::ClientFrame::MarkRead(pq_protocol::gateway::GatewayMarkRead { channel_id: ch, seq: 1 }),
    ] {
        e.send(&frame).await;
        loop {
            match e.next().await {
                pq_protocol::gateway::ServerFrame::Error(err) => {
                    assert_eq!(err.error.code, pq_protocol::ErrorCode::NotFound);
                    break;
                }
                pq_protocol::gateway::ServerFrame::Dispatch(d) => {
                    assert!(matches!(d.event, Event::PresenceUpdated { .. }), "eve sees {d:?}");
                }
                other => panic!("expected an error, got {other:?}"),
            }
        }
    }
    // Alice heard nothing of it, and her channel is still empty.
    let mine = a.send_message(ch, "hello").await;
    assert_eq!(mine.seq, 1);
    match a.event("my message", |e| matches!(e, Event::MessageCreated { .. } | Event::TypingStarted { .. })).await {
        Event::MessageCreated { message } => assert_eq!(message.id, mine.message_id),
        other => panic!("eve's typing leaked: {other:?}"),
    }
}

/// Bans: the owner bans Carol with the last hour of her messages (older
/// ones stay); she is out at once and no invite lets her back; an admin
/// cannot ban another admin, nor a member ban anyone; the list shows her;
/// unbanned, the same invite works again. Kept across a restart.
#[tokio::test]
async fn a_ban_removes_purges_and_keeps_out_until_lifted() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let dan = api(&ts, "dan@example.com").await;
    let s = server_with(&alice, &[&bob, &carol, &dan]).await;
    let sid = s.server.id;
    let general = text_channel(&s).id;
    let id = |a: &Api| {
        let a = a.clone();
        async move { a.get::<pq_protocol::models::Me>("/api/users/@me").await.id }
    };
    let (bob_id, carol_id, dan_id) = (id(&bob).await, id(&carol).await, id(&dan).await);
    let say = |a: &Api, body: &str| {
        let (a, body) = (a.clone(), body.to_owned());
        async move {
            let _: serde_json::Value = a
                .post(
                    &format!("/api/channels/{general}/messages"),
                    json!({"client_id": pq_protocol::ClientMessageId::new(), "body": body}),
                )
                .await;
        }
    };
    say(&carol, "an old message").await;
    ts.clock().advance(std::time::Duration::from_secs(2 * 3600));
    // Tokens from before have expired with the time that passed: sign in again.
    let (alice, bob, carol) =
        (api(&ts, "alice@example.com").await, api(&ts, "bob@example.com").await, api(&ts, "carol@example.com").await);
    let dan = api(&ts, "dan@example.com").await;
    say(&carol, "a fresh message").await;
    let inv: Invite = alice.post(&format!("/api/servers/{sid}/invites"), json!({})).await;
    make_admin(&alice, sid, bob_id).await;
    let mut watcher = Gw::connect(&ts.url, &dan.token).await;

    // Only the owner and admins ban, and an admin only members.
    dan.fails(Method::PUT, &format!("/api/servers/{sid}/bans/{carol_id}"), Some(json!({})), 403, "forbidden").await;
    let alice_id = id(&alice).await;
    bob.fails(Method::PUT, &format!("/api/servers/{sid}/bans/{alice_id}"), Some(json!({})), 403, "forbidden").await;
    alice.fails(Method::PUT, &format!("/api/servers/{sid}/bans/{alice_id}"), Some(json!({})), 409, "conflict").await;
    alice
        .fails(
            Method::PUT,
            &format!("/api/servers/{sid}/bans/{}", pq_protocol::UserId::new()),
            Some(json!({})),
            404,
            "not_found",
        )
        .await;
    alice
        .fails(
            Method::PUT,
            &format!("/api/servers/{sid}/bans/{carol_id}"),
            Some(json!({"purge": "year"})),
            400,
            "bad_request",
        )
        .await;

    let (status, _) =
        alice.call(Method::PUT, &format!("/api/servers/{sid}/bans/{carol_id}"), Some(json!({"purge": "hour"}))).await;
    assert_eq!(status, 204);
    watcher
        .event(
            "Dan sees Carol leave",
            |e| matches!(e, Event::MemberLeft { user_id, kicked: true, .. } if *user_id == carol_id),
        )
        .await;
    watcher.event("Dan sees her fresh message go", |e| matches!(e, Event::MessageDeleted { .. })).await;
    let page: pq_protocol::models::MessagePage = alice.get(&format!("/api/channels/{general}/messages")).await;
    let bodies: Vec<(&str, bool)> = page.messages.iter().map(|m| (m.body.as_str(), m.deleted)).collect();
    assert_eq!(bodies, [("an old message", false), ("", true)], "the last hour only");
    carol.fails(Method::GET, &format!("/api/servers/{sid}"), None, 404, "not_found").await;
    carol.fails(Method::POST, &format!("/api/invites/{}/accept", inv.code), Some(json!({})), 403, "forbidden").await;
    let bans: Vec<pq_protocol::models::Ban> = bob.get(&format!("/api/servers/{sid}/bans")).await;
    assert_eq!((bans.len(), bans[0].user.id, bans[0].banned_by), (1, carol_id, alice_id));
    dan.fails(Method::GET, &format!("/api/servers/{sid}/bans"), None, 403, "forbidden").await;
    // Someone not in the server can be banned ahead.
    let erin = api(&ts, "erin@example.com").await;
    let erin_id = id(&erin).await;
    let (status, _) = bob.call(Method::PUT, &format!("/api/servers/{sid}/bans/{erin_id}"), Some(json!({}))).await;
    assert_eq!(status, 204);
    erin.fails(Method::POST, &format!("/api/invites/{}/accept", inv.code), Some(json!({})), 403, "forbidden").await;
    let _ = dan_id;

    // A restart keeps the ban; lifted, the invite works again.
    drop(watcher);
    let ts = ts.restart().await;
    let (alice, carol) = (Api::new(&ts.url, &alice.token), Api::new(&ts.url, &carol.token));
    carol.fails(Method::POST, &format!("/api/invites/{}/accept", inv.code), Some(json!({})), 403, "forbidden").await;
    let (status, _) = alice.call(Method::DELETE, &format!("/api/servers/{sid}/bans/{carol_id}"), None).await;
    assert_eq!(status, 204);
    alice.fails(Method::DELETE, &format!("/api/servers/{sid}/bans/{carol_id}"), None, 404, "not_found").await;
    let back: ServerState = carol.post(&format!("/api/invites/{}/accept", inv.code), json!({})).await;
    assert_eq!(back.server.id, sid);
}

/// The audit log: each settings and moderation action, newest first, with
/// who did it and to whom; the owner and admins read it, page by page;
/// members are refused.
#[tokio::test]
async fn the_audit_log_says_who_did_what() {
    use pq_protocol::models::{AuditAction, AuditPage, Channel};
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let s = server_with(&alice, &[&bob, &carol]).await;
    let sid = s.server.id;
    let members: Vec<Member> = alice.get(&format!("/api/servers/{sid}/members")).await;
    let id_of = |name: &str| members.iter().find(|m| m.user.display_name == name).unwrap().user.id;
    let (bob_id, carol_id) = (id_of("bob"), id_of("carol"));

    let _: pq_protocol::models::Server =
        alice.ok(Method::PATCH, &format!("/api/servers/{sid}"), Some(json!({"name": "Book club"}))).await;
    let ch: Channel =
        alice.post(&format!("/api/servers/{sid}/channels"), json!({"name": "reading", "kind": "text"})).await;
    make_admin(&alice, sid, bob_id).await;
    let (status, _) = bob.call(Method::DELETE, &format!("/api/servers/{sid}/members/{carol_id}"), None).await;
    assert_eq!(status, 204);
    let (status, _) =
        bob.call(Method::PUT, &format!("/api/servers/{sid}/bans/{carol_id}"), Some(json!({"purge": "day"}))).await;
    assert_eq!(status, 204);
    let (status, _) = alice.call(Method::DELETE, &format!("/api/channels/{}", ch.id), None).await;
    assert_eq!(status, 204);

    let log: AuditPage = bob.get(&format!("/api/servers/{sid}/audit-log")).await;
    let seen: Vec<(AuditAction, &str, Option<&str>, Option<&str>)> = log
        .entries
        .iter()
        .map(|e| {
            (
                e.action,
                e.actor.display_name.as_str(),
                e.target_user.as_ref().map(|u| u.display_name.as_str()),
                e.detail.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (AuditAction::ChannelDeleted, "alice", None, Some("reading")),
            (AuditAction::MemberBanned, "bob", Some("carol"), Some("day")),
            (AuditAction::MemberRemoved, "bob", Some("carol"), None),
            (AuditAction::RoleChanged, "alice", Some("bob"), Some("+Admin")),
            (AuditAction::RoleCreated, "alice", None, Some("Admin")),
            (AuditAction::ChannelCreated, "alice", None, Some("reading")),
            (AuditAction::ServerRenamed, "alice", None, Some("Book club")),
        ]
    );
    assert!(!log.has_more);
    assert_eq!(log.entries[0].target_channel, Some(ch.id));

    // Page by page.
    let first: AuditPage = alice.get(&format!("/api/servers/{sid}/audit-log?limit=2")).await;
    assert_eq!((first.entries.len(), first.has_more), (2, true));
    let next: AuditPage =
        alice.get(&format!("/api/servers/{sid}/audit-log?limit=2&before={}", first.entries[1].id)).await;
    assert_eq!(next.entries[0].action, AuditAction::MemberRemoved);
    alice.fails(Method::GET, &format!("/api/servers/{sid}/audit-log?limit=0"), None, 422, "invalid_field").await;

    // Members may not read it; strangers do not see the server at all.
    let dan = api(&ts, "dan@example.com").await;
    let inv: Invite = alice.post(&format!("/api/servers/{sid}/invites"), json!({})).await;
    let _: ServerState = dan.post(&format!("/api/invites/{}/accept", inv.code), json!({})).await;
    dan.fails(Method::GET, &format!("/api/servers/{sid}/audit-log"), None, 403, "forbidden").await;
    carol.fails(Method::GET, &format!("/api/servers/{sid}/audit-log"), None, 404, "not_found").await;
}
