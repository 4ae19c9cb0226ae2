//! Roles with permissions: who may make, change, give and delete them, the
//! rank every action on people and roles respects, and the permissions each
//! route checks where the change commits.

use pq_protocol::{
    ChannelId, RoleId, ServerId, UserId,
    gateway::{ClientFrame, Event, ServerFrame},
    models::{ChannelKind, Member, Permission, ServerRole, ServerState},
    voice::VoiceJoin,
};
use reqwest::Method;
use serde_json::json;

use crate::{
    client::{Api, Gw},
    common::TestServer,
    servers::{api, give_role, id, server_with, text_channel},
};

async fn roles(api: &Api, sid: ServerId) -> Vec<ServerRole> {
    api.get(&format!("/api/servers/{sid}/roles")).await
}

fn names(roles: &[ServerRole]) -> Vec<&str> {
    roles.iter().map(|r| r.name.as_str()).collect()
}

async fn held(api: &Api, sid: ServerId, user: UserId) -> Vec<RoleId> {
    let members: Vec<Member> = api.get(&format!("/api/servers/{sid}/members")).await;
    members.into_iter().find(|m| m.user.id == user).expect("a member").roles
}

fn role_path(sid: ServerId, role: RoleId) -> String {
    format!("/api/servers/{sid}/roles/{role}")
}

fn give_path(sid: ServerId, user: UserId, role: RoleId) -> String {
    format!("/api/servers/{sid}/members/{user}/roles/{role}")
}

#[tokio::test]
async fn roles_rank_members_and_permissions_decide_what_they_may_do() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let dan = api(&ts, "dan@example.com").await;
    let s = server_with(&alice, &[&bob, &carol, &dan]).await;
    let sid = s.server.id;
    let (alice_id, bob_id, carol_id, dan_id) = (id(&alice).await, id(&bob).await, id(&carol).await, id(&dan).await);
    let mut carol_gw = Gw::connect(&ts.url, &carol.token).await;

    // Members cannot make roles; the owner can, each new one just above @everyone.
    bob.fails(Method::POST, &format!("/api/servers/{sid}/roles"), Some(json!({"name": "Mods"})), 403, "forbidden")
        .await;
    let mods: ServerRole = alice
        .post(
            &format!("/api/servers/{sid}/roles"),
            json!({"name": "Mods", "color": 0x2e8b57, "permissions": ["kick_members", "manage_roles", "manage_messages"]}),
        )
        .await;
    assert_eq!((mods.position, mods.color), (1, 0x2e8b57));
    let helpers: ServerRole = alice.post(&format!("/api/servers/{sid}/roles"), json!({"name": "Helpers"})).await;
    assert!(helpers.permissions.is_empty(), "a new role allows nothing unless told");
    let all = roles(&bob, sid).await;
    assert_eq!(names(&all), ["@everyone", "Helpers", "Mods"], "ranks stay 0, 1, 2 without gaps");
    assert_eq!(all.iter().map(|r| r.position).collect::<Vec<_>>(), [0, 1, 2]);
    carol_gw.event("roles_updated", |e| matches!(e, Event::RolesUpdated { roles, .. } if roles.len() == 3)).await;

    // Given a role, Bob may do what it allows, to people below him only.
    let (st, _) = alice.call(Method::PUT, &give_path(sid, bob_id, mods.id), None).await;
    assert_eq!(st, 204);
    let (st, _) = alice.call(Method::PUT, &give_path(sid, bob_id, mods.id), None).await;
    assert_eq!(st, 204, "giving it again changes nothing");
    assert_eq!(held(&carol, sid, bob_id).await, [mods.id]);
    carol_gw
        .event(
            "member_updated",
            |e| matches!(e, Event::MemberUpdated { user_id, roles, .. } if *user_id == bob_id && roles == &[mods.id]),
        )
        .await;
    let body =
        bob.fails(Method::DELETE, &format!("/api/servers/{sid}/members/{alice_id}"), None, 403, "forbidden").await;
    assert!(body["message"].as_str().unwrap().contains("owner"), "{body}");
    bob.fails(Method::PUT, &format!("/api/servers/{sid}/bans/{dan_id}"), Some(json!({})), 403, "forbidden").await;
    let (st, _) = bob.call(Method::PUT, &give_path(sid, carol_id, helpers.id), None).await;
    assert_eq!(st, 204, "a role below his own, to someone below him");
    bob.fails(Method::PUT, &give_path(sid, dan_id, mods.id), None, 403, "forbidden").await;
    bob.fails(Method::PATCH, &role_path(sid, mods.id), Some(json!({"name": "Gods"})), 403, "forbidden").await;
    bob.fails(Method::PATCH, &role_path(sid, helpers.id), Some(json!({"position": 2})), 403, "forbidden").await;
    // Nor may he hand out what he does not have himself.
    let body = bob
        .fails(
            Method::POST,
            &format!("/api/servers/{sid}/roles"),
            Some(json!({"name": "Bouncers", "permissions": ["ban_members"]})),
            403,
            "forbidden",
        )
        .await;
    assert!(body["message"].as_str().unwrap().contains("ban members"), "{body}");
    bob.fails(
        Method::PATCH,
        &role_path(sid, helpers.id),
        Some(json!({"permissions": ["manage_server"]})),
        403,
        "forbidden",
    )
    .await;
    let greeters: ServerRole = bob
        .post(&format!("/api/servers/{sid}/roles"), json!({"name": "Greeters", "permissions": ["kick_members"]}))
        .await;
    assert_eq!(names(&roles(&bob, sid).await), ["@everyone", "Greeters", "Helpers", "Mods"]);
    let moved: ServerRole =
        bob.ok(Method::PATCH, &role_path(sid, greeters.id), Some(json!({"position": 2, "color": 0xff0000}))).await;
    assert_eq!((moved.position, moved.color), (2, 0xff0000));
    assert_eq!(names(&roles(&bob, sid).await), ["@everyone", "Helpers", "Greeters", "Mods"]);

    // Carol holds Helpers (no permissions): she may not kick.
    carol.fails(Method::DELETE, &format!("/api/servers/{sid}/members/{dan_id}"), None, 403, "forbidden").await;
    // Ranked equal to Bob, she is out of his reach.
    let (st, _) = alice.call(Method::PUT, &give_path(sid, carol_id, mods.id), None).await;
    assert_eq!(st, 204);
    bob.fails(Method::DELETE, &format!("/api/servers/{sid}/members/{carol_id}"), None, 403, "forbidden").await;
    bob.fails(Method::DELETE, &give_path(sid, carol_id, helpers.id), None, 403, "forbidden").await;
    // Dan, below him, is not.
    let (st, _) = bob.call(Method::DELETE, &format!("/api/servers/{sid}/members/{dan_id}"), None).await;
    assert_eq!(st, 204);

    // @everyone stays: only its permissions change, and they bind everyone.
    let everyone = RoleId(sid.0);
    alice.fails(Method::DELETE, &role_path(sid, everyone), None, 409, "conflict").await;
    alice.fails(Method::PATCH, &role_path(sid, everyone), Some(json!({"name": "all"})), 409, "conflict").await;
    alice.fails(Method::PUT, &give_path(sid, bob_id, everyone), None, 409, "conflict").await;
    let quiet: ServerRole =
        alice.ok(Method::PATCH, &role_path(sid, everyone), Some(json!({"permissions": ["connect"]}))).await;
    assert_eq!(quiet.permissions, [Permission::Connect]);
    let ch = text_channel(&s).id;
    let path = format!("/api/channels/{ch}/messages");
    let body = json!({"client_id": pq_protocol::ClientMessageId::new(), "body": "hi"});
    let refused = bob.fails(Method::POST, &path, Some(body), 403, "forbidden").await;
    assert!(refused["message"].as_str().unwrap().contains("send messages"), "{refused}");
    let (st, _) = alice
        .call(Method::POST, &path, Some(json!({"client_id": pq_protocol::ClientMessageId::new(), "body": "mine"})))
        .await;
    assert_eq!(st, 200, "the owner may do everything");
    // Administrators too, whatever else their role says.
    give_role(&alice, sid, carol_id, "Admins", &["administrator"]).await;
    let (st, _) = carol
        .call(Method::POST, &path, Some(json!({"client_id": pq_protocol::ClientMessageId::new(), "body": "admin"})))
        .await;
    assert_eq!(st, 200);

    // Bad values are refused and change nothing.
    let top: ServerRole = alice.ok(Method::PATCH, &role_path(sid, helpers.id), Some(json!({"position": 99}))).await;
    assert_eq!(top.position as usize, roles(&alice, sid).await.len() - 1, "past the top means the top");
    alice.fails(Method::PATCH, &role_path(sid, mods.id), Some(json!({"position": 0})), 422, "invalid_field").await;
    alice.fails(Method::PATCH, &role_path(sid, mods.id), Some(json!({"position": 250})), 422, "invalid_field").await;
    alice.fails(Method::PATCH, &role_path(sid, mods.id), Some(json!({"color": 16777216})), 422, "invalid_field").await;
    alice.fails(Method::PATCH, &role_path(sid, mods.id), Some(json!({"name": " "})), 422, "invalid_field").await;
    alice.fails(Method::PATCH, &role_path(sid, RoleId::new()), Some(json!({"name": "x"})), 404, "not_found").await;
    alice.fails(Method::PUT, &give_path(sid, dan_id, mods.id), None, 404, "not_found").await;

    // Deleting a role takes it from its members at once.
    let (st, _) = alice.call(Method::DELETE, &role_path(sid, mods.id), None).await;
    assert_eq!(st, 204);
    assert!(held(&alice, sid, bob_id).await.is_empty());
    bob.fails(Method::POST, &format!("/api/servers/{sid}/roles"), Some(json!({"name": "x"})), 403, "forbidden").await;
    carol_gw
        .event(
            "roles_updated",
            |e| matches!(e, Event::RolesUpdated { roles, .. } if !roles.iter().any(|r| r.id == mods.id)),
        )
        .await;
    // Strangers see nothing.
    dan.fails(Method::GET, &format!("/api/servers/{sid}/roles"), None, 404, "not_found").await;
    // And the ready of a reconnecting member carries the roles.
    let gw = Gw::connect(&ts.url, &carol.token).await;
    let state = &gw.ready.as_ref().unwrap().servers[0];
    assert_eq!(names(&state.roles), ["@everyone", "Admins", "Greeters", "Helpers"]);
    assert_eq!(state.my_roles.len(), 2, "Helpers and Admins: {:?}", state.my_roles);
}

fn voice_channel(s: &ServerState) -> ChannelId {
    s.channels.iter().find(|c| c.kind == ChannelKind::Voice).expect("a voice channel").id
}

#[tokio::test]
async fn voice_rooms_need_connect_and_speak() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let s = server_with(&alice, &[&bob]).await;
    let sid = s.server.id;
    let room = voice_channel(&s);
    let everyone = role_path(sid, RoleId(sid.0));
    let join = ClientFrame::VoiceJoin(VoiceJoin { channel_id: room, self_mute: None, self_deaf: None, camera: None });
    let mut gw = Gw::connect(&ts.url, &bob.token).await;

    // Without `speak`, Bob joins muted by the server.
    let _: ServerRole = alice.ok(Method::PATCH, &everyone, Some(json!({"permissions": ["connect"]}))).await;
    gw.send(&join).await;
    match gw.frame("voice_joined", |f| matches!(f, ServerFrame::VoiceJoined(_) | ServerFrame::Error(_))).await {
        ServerFrame::VoiceJoined(j) => assert!(j.me.server_mute, "joined muted"),
        other => panic!("expected voice_joined, got {other:?}"),
    }
    gw.send(&ClientFrame::VoiceLeave).await;
    gw.frame("voice_left", |f| matches!(f, ServerFrame::VoiceLeft(_))).await;

    // Without `connect`, he cannot join at all.
    let _: ServerRole = alice.ok(Method::PATCH, &everyone, Some(json!({"permissions": []}))).await;
    gw.send(&join).await;
    match gw.frame("error", |f| matches!(f, ServerFrame::Error(_) | ServerFrame::VoiceJoined(_))).await {
        ServerFrame::Error(e) => assert!(e.error.message.contains("connect"), "{e:?}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn everyone_is_pinged_only_by_those_who_may() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let s = server_with(&alice, &[&bob]).await;
    let (sid, ch) = (s.server.id, text_channel(&s).id);
    let path = format!("/api/channels/{ch}/messages");
    let say = |who: &Api, body: &str| {
        let body = json!({"client_id": pq_protocol::ClientMessageId::new(), "body": body});
        let (who, path) = (who.clone(), path.clone());
        async move { who.ok::<serde_json::Value>(Method::POST, &path, Some(body)).await }
    };
    // By default everyone may; taken from @everyone, Bob's words ping nobody.
    say(&bob, "@everyone lunch?").await;
    let _: ServerRole = alice
        .ok(
            Method::PATCH,
            &role_path(sid, RoleId(sid.0)),
            Some(json!({"permissions": ["send_messages", "connect", "speak"]})),
        )
        .await;
    say(&bob, "@here lunch, again?").await;
    say(&alice, "@everyone meeting at 3").await;
    let page: pq_protocol::models::MessagePage = bob.get(&path).await;
    let pings: Vec<(&str, bool)> = page.messages.iter().map(|m| (m.body.as_str(), m.mentions_everyone)).collect();
    assert_eq!(pings, [("@everyone lunch?", true), ("@here lunch, again?", false), ("@everyone meeting at 3", true)]);
}
