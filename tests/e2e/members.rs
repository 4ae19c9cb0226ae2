//! The member list: fresh from the server when it is read, without the UI and
//! the engine asking each other forever; and running a server from pq-core.

use std::time::Duration;

use pq_core::{Event, protocol::models::CreateInvite};

use crate::common::{Person, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_members_on_every_change_settles() {
    let server = TestServer::start().await;
    let alice = Person::sign_in(&server.url, "alice@example.com").await;
    let bob = Person::sign_in(&server.url, "bob@example.com").await;
    let state = alice.client.create_server("Study group").await.unwrap();
    let invite = alice.client.create_invite(state.server.id, CreateInvite::default()).await.unwrap();
    bob.client.accept_invite(&invite.code).await.unwrap();
    alice.wait_online(10).await;
    let sid = state.server.id;

    // Alice's list learns of Bob: the first read answers from the cache and
    // refreshes from the server, which tells the UI once.
    let mut events = alice.client.subscribe();
    let first = alice.client.members(sid).unwrap();
    let changes = tokio::time::timeout(Duration::from_secs(3), async {
        let mut changes = 0;
        let quiet = Duration::from_millis(700);
        // Like the UI: every `MembersChanged` makes it read the list again.
        while let Ok(Ok(e)) = tokio::time::timeout(quiet, events.recv()).await {
            if matches!(e, Event::MembersChanged { server_id } if server_id == sid) {
                changes += 1;
                let _ = alice.client.members(sid).unwrap();
            }
        }
        changes
    })
    .await
    .expect("the engine and a re-reading UI stop talking (no refresh loop)");
    assert!(changes <= 2, "{changes} MembersChanged for one read");
    let now = alice.client.members(sid).unwrap();
    let names: Vec<&str> = now.iter().map(|m| m.user.display_name.as_str()).collect();
    assert!(names.contains(&"bob"), "{names:?} (first read: {})", first.len());
}

/// A member list asked for before Bob changed his status, and answered
/// after the gateway told of the change, does not put the old status back:
/// the gateway's word is newer. (Seen in the desktop test: Bob's custom
/// status vanished from the member list a moment after it showed.) Someone
/// joining while a list is on its way is not taken out again by it, and a
/// card answered after a rename does not bring the old name back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_list_on_its_way_does_not_undo_what_the_gateway_said_since() {
    use pq_core::protocol::models::{CustomStatus, Presence, StatusChoice};
    let server = TestServer::start().await;
    let net = crate::common::Proxy::start(&server.url).await;
    let minji = Person::sign_in(&net.url, "minji@example.com").await;
    let bob = Person::sign_in(&server.url, "bob@example.com").await;
    let carol = Person::sign_in(&server.url, "carol@example.com").await;
    minji.wait_online(10).await;
    bob.wait_online(10).await;
    let bob_id = bob.client.me().unwrap().id;
    // Minji's servers; Bob joins the club, and her app hears of it from the
    // gateway (no list fetched yet).
    let mut invites = Vec::new();
    for name in ["Book club", "Poetry"] {
        let state = minji.client.create_server(name).await.unwrap();
        let invite = minji.client.create_invite(state.server.id, CreateInvite::default()).await.unwrap();
        invites.push((state.server.id, invite.code));
    }
    let [(club, club_invite), (poetry, poetry_invite)] = <[_; 2]>::try_from(invites).unwrap();
    joins_and_is_heard(&bob, &club_invite, &minji, club).await;

    // Minji's app reads the club's list for the first time (answered from
    // the cache; the fresh one is asked for and held back on the way), then
    // Bob changes his status.
    net.set_slow_answers(Duration::from_millis(1_500));
    let mut events = minji.client.subscribe();
    let first = minji.client.members(club).unwrap();
    assert!(first.iter().any(|m| m.user.id == bob_id), "Bob is in the cached list");
    tokio::time::sleep(Duration::from_millis(200)).await; // the question has reached the server
    bob.client.set_status(StatusChoice::Dnd).await.unwrap();
    bob.client
        .set_custom_status(Some(CustomStatus { text: "Reading Pachinko".into(), expires_at: None }))
        .await
        .unwrap();
    let listed = |minji: &Person| {
        let members = minji.client.members(club).unwrap();
        let bob = members.iter().find(|m| m.user.id == bob_id).expect("Bob listed");
        (bob.user.custom_status.as_ref().map(|c| c.text.clone()), bob.presence)
    };
    crate::common::wait_for(5, "the gateway to tell Minji", || {
        listed(&minji) == (Some("Reading Pachinko".into()), Presence::Dnd)
    })
    .await;
    // The held-back list lands (it tells the UI if it changed anything).
    let landed = tokio::time::timeout(Duration::from_secs(5), async {
        while !matches!(events.recv().await, Ok(Event::MembersChanged { server_id }) if server_id == club) {}
    })
    .await;
    assert!(landed.is_ok(), "the list asked for landed");
    assert_eq!(listed(&minji), (Some("Reading Pachinko".into()), Presence::Dnd), "after the old list landed");
    assert_eq!(minji.client.presence(bob_id), Presence::Dnd);

    // Carol joins Poetry while its first list is on its way: Minji's list
    // has her, and keeps her after the old list lands.
    let _ = minji.client.members(poetry).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    carol.client.accept_invite(&poetry_invite).await.unwrap();
    let has_carol =
        |minji: &Person| minji.client.members(poetry).unwrap().iter().any(|m| m.user.display_name == "carol");
    crate::common::wait_for(5, "Minji to see Carol join", || has_carol(&minji)).await;
    // The old list lands, Carol kept as the gateway said.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert!(has_carol(&minji), "Carol still listed after the old list landed");

    // Bob's server, whose members Minji's app has not fetched yet: Bob gets
    // a role while the first list is on its way. He is listed after it lands
    // (the cache has no row of his to go by).
    net.set_slow_answers(Duration::ZERO);
    let essays = bob.client.create_server("Essays").await.unwrap().server.id;
    let essays_invite = bob.client.create_invite(essays, CreateInvite::default()).await.unwrap();
    minji.client.accept_invite(&essays_invite.code).await.unwrap();
    role_given_while_a_list_is_on_its_way(&net, &minji, &bob, essays, bob_id, "Editors").await;
    assert!(
        minji.client.members(essays).unwrap().iter().any(|m| m.user.id == bob_id),
        "Bob listed after the list asked for before his new role landed"
    );

    // Carol, whom Minji's app has from the gateway, gets a role while a first
    // list is on its way: after it lands she is listed with the role and
    // still online (the cache keeps no presence to go by).
    net.set_slow_answers(Duration::ZERO);
    carol.wait_online(10).await;
    let carol_id = carol.client.me().unwrap().id;
    let haiku = bob.client.create_server("Haiku").await.unwrap().server.id;
    let haiku_invite = bob.client.create_invite(haiku, CreateInvite::default()).await.unwrap();
    minji.client.accept_invite(&haiku_invite.code).await.unwrap();
    joins_and_is_heard(&carol, &haiku_invite.code, &minji, haiku).await;
    let poets = role_given_while_a_list_is_on_its_way(&net, &minji, &bob, haiku, carol_id, "Poets").await;
    let listed = minji.client.members(haiku).unwrap();
    let carol_listed = listed.iter().find(|m| m.user.id == carol_id).expect("Carol listed");
    assert_eq!((carol_listed.roles.as_slice(), carol_listed.presence), ([poets.id].as_slice(), Presence::Online));

    // Bob's card, asked for before he renamed himself and answered after:
    // the new name stays.
    let (card, ()) = tokio::join!(minji.client.profile(bob_id), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        bob.client.set_display_name("Bob Lee").await.unwrap();
        crate::common::wait_for(5, "the gateway to tell Minji the new name", || {
            minji.client.user(bob_id).unwrap().is_some_and(|u| u.display_name == "Bob Lee")
        })
        .await;
    });
    assert_eq!(card.unwrap().user.display_name, "bob", "the card was answered before the change");
    assert_eq!(minji.client.user(bob_id).unwrap().unwrap().display_name, "Bob Lee", "after the old card landed");
    net.set_slow_answers(Duration::ZERO);
}

/// With answers held back, `watcher`'s app asks for `server`'s members;
/// while the list is on its way, `owner` makes a role `name` and gives it to
/// `member`. Returns the role once the list has landed.
async fn role_given_while_a_list_is_on_its_way(
    net: &crate::common::Proxy,
    watcher: &Person,
    owner: &Person,
    server: pq_core::protocol::ServerId,
    member: pq_core::protocol::UserId,
    name: &str,
) -> pq_core::protocol::models::ServerRole {
    net.set_slow_answers(Duration::from_millis(1_500));
    let _ = watcher.client.members(server).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let role = pq_core::protocol::models::CreateRole { name: name.into(), color: None, permissions: None };
    let role = owner.client.create_role(server, role).await.unwrap();
    owner.client.set_member_role(server, member, role.id, true).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    role
}

/// `joiner` accepts `code` to `server`, and `watcher`'s app hears of it from
/// the gateway (no member list fetched).
async fn joins_and_is_heard(
    joiner: &Person,
    code: &pq_core::protocol::InviteCode,
    watcher: &Person,
    server: pq_core::protocol::ServerId,
) {
    let mut events = watcher.client.subscribe();
    joiner.client.accept_invite(code).await.unwrap();
    let heard = tokio::time::timeout(Duration::from_secs(5), async {
        while !matches!(events.recv().await, Ok(Event::MemberJoined { server_id, .. }) if server_id == server) {}
    })
    .await;
    assert!(heard.is_ok(), "{}'s app heard {} join", watcher.email, joiner.email);
}

/// Pictures come through the engine with the account's token (the server
/// answers only people who may see them) and stay on disk: after a restart
/// of the server, or without it, a picture seen once still shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_are_fetched_with_the_token_and_kept_for_offline() {
    let mut server = TestServer::start().await;
    let alice = Person::sign_in(&server.url, "alice@example.com").await;
    let bob = Person::sign_in(&server.url, "bob@example.com").await;
    let carol = Person::sign_in(&server.url, "carol@example.com").await;
    let state = alice.client.create_server("Study group").await.unwrap();
    let invite = alice.client.create_invite(state.server.id, CreateInvite::default()).await.unwrap();
    bob.client.accept_invite(&invite.code).await.unwrap();

    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    png.extend_from_slice(b"alice");
    let me: pq_core::protocol::models::Me =
        alice.client.api().put_bytes("/api/users/@me/avatar", png.clone()).await.unwrap();
    let id = me.avatar_url.unwrap().strip_prefix("/media/").unwrap().to_owned();

    let (content_type, bytes) = bob.client.media(&id, None).await.unwrap();
    assert_eq!((content_type, bytes.as_slice()), ("image/png", png.as_slice()));
    assert!(bob.data_dir().join("media").join(&id).exists(), "kept on disk");
    // Carol shares no server with Alice: nothing, unless she holds an invite.
    let err = carol.client.media(&id, None).await.unwrap_err();
    assert!(err.to_string().to_lowercase().contains("not found"), "{err}");
    assert!(!carol.data_dir().join("media").join(&id).exists());
    assert_eq!(carol.client.media(&id, Some(&invite.code)).await.unwrap().1, png);
    // Not an address: refused before anything is asked.
    assert!(bob.client.media("../../etc/passwd", None).await.is_err());

    // The server gone, the kept copy still shows.
    server.stop().await;
    assert_eq!(bob.client.media(&id, None).await.unwrap().1, png);
}

/// A person renames themself and changes their picture: their own client
/// and everyone sharing a server with them see it at once; a name the server
/// refuses changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_name_and_picture_reach_the_others_at_once() {
    let server = TestServer::start().await;
    let (people, _) = crate::common::voice_room(&server.url, &["Alice", "Bob"]).await;
    let (alice, bob) = (&people[0], &people[1]);
    let me = alice.client.me().unwrap().id;
    let mut events = bob.client.subscribe();

    let renamed = alice.client.set_display_name("  Alice Kim ").await.unwrap();
    assert_eq!(renamed.display_name, "Alice Kim");
    assert_eq!(alice.client.me().unwrap().display_name, "Alice Kim");
    assert_eq!(alice.client.user(me).unwrap().unwrap().display_name, "Alice Kim", "in her own cache");
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(Event::UserUpdated { user }) = events.recv().await
                && user.id == me
                && user.display_name == "Alice Kim"
            {
                return;
            }
        }
    })
    .await
    .expect("Bob hears of the new name");
    assert_eq!(bob.client.user(me).unwrap().unwrap().display_name, "Alice Kim");

    // Refused: blank, too long, control characters. Nothing changes.
    for bad in ["   ", &"가".repeat(65), "Alice\u{7}"] {
        let err = alice.client.set_display_name(bad).await.expect_err(bad);
        assert!(err.to_string().to_lowercase().contains("name"), "{bad:?}: {err}");
    }
    assert_eq!(alice.client.me().unwrap().display_name, "Alice Kim");

    // A picture: Bob sees the very bytes; then it is removed.
    let picture = crate::common::png(256, 256, [200, 30, 30]);
    let with = alice.client.set_avatar(picture.clone()).await.unwrap();
    let id = with.avatar_url.clone().expect("a picture").trim_start_matches("/media/").to_owned();
    crate::common::wait_for(10, "Bob to see her picture", || {
        bob.client.user(me).ok().flatten().is_some_and(|u| u.avatar_url == with.avatar_url)
    })
    .await;
    assert_eq!(bob.client.media(&id, None).await.unwrap().1, picture);
    assert!(alice.client.set_avatar(b"not a picture".to_vec()).await.is_err(), "not a picture");
    let without = alice.client.remove_avatar().await.unwrap();
    assert_eq!(without.avatar_url, None);
    crate::common::wait_for(10, "Bob to see her picture gone", || {
        bob.client.user(me).ok().flatten().is_some_and(|u| u.avatar_url.is_none())
    })
    .await;
}

/// Alice chooses "do not disturb" with a custom status for an hour and
/// writes about herself; Bob's app shows her busy with that line under her
/// name and her card shows the about text and their server; then she turns
/// invisible and Bob sees her offline while she is still connected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_a_custom_status_and_an_about_text_reach_the_others() {
    use pq_core::protocol::{
        Timestamp,
        models::{CustomStatus, Presence, StatusChoice},
    };
    let server = TestServer::start().await;
    let (people, _) = crate::common::voice_room(&server.url, &["Alice", "Bob"]).await;
    let (alice, bob) = (&people[0], &people[1]);
    let me = alice.client.me().unwrap().id;
    let sid = alice.client.servers().unwrap()[0].server.id;
    let mut mine = alice.client.subscribe();

    alice.client.set_status(StatusChoice::Dnd).await.unwrap();
    assert_eq!(alice.client.status(), StatusChoice::Dnd);
    crate::common::wait_for(10, "Bob to see her busy", || bob.client.presence(me) == Presence::Dnd).await;
    let told = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Ok(Event::StatusChanged { status: StatusChoice::Dnd }) = mine.recv().await {
                return;
            }
        }
    })
    .await;
    assert!(told.is_ok(), "her app was told of her status");

    let until = Timestamp::now().plus_millis(3_600_000);
    let with = alice
        .client
        .set_custom_status(Some(CustomStatus { text: "  시험 공부 중 ".into(), expires_at: Some(until) }))
        .await
        .unwrap();
    assert_eq!(with.custom_status.as_ref().map(|c| c.text.as_str()), Some("시험 공부 중"));
    alice.client.set_about("기타 치는 대학생\nSeoul").await.unwrap();
    crate::common::wait_for(10, "Bob to see her custom status", || {
        bob.client.user(me).ok().flatten().and_then(|u| u.custom_status).is_some_and(|c| c.text == "시험 공부 중")
    })
    .await;
    crate::common::wait_for(10, "her custom status in Bob's member list", || {
        bob.client
            .members(sid)
            .unwrap()
            .iter()
            .any(|m| m.user.id == me && m.user.custom_status.as_ref().and_then(|c| c.expires_at) == Some(until))
    })
    .await;
    let card = bob.client.profile(me).await.unwrap();
    assert_eq!(card.about.as_deref(), Some("기타 치는 대학생\nSeoul"));
    assert_eq!(card.mutual_servers, vec![sid]);
    // Too long: refused with the reason, nothing changed.
    let err = alice.client.set_about(&"a".repeat(191)).await.expect_err("too long");
    assert!(err.to_string().contains("190"), "{err}");
    assert_eq!(alice.client.me().unwrap().about.as_deref(), Some("기타 치는 대학생\nSeoul"));

    alice.client.set_status(StatusChoice::Invisible).await.unwrap();
    crate::common::wait_for(10, "Bob to see her offline", || bob.client.presence(me) == Presence::Offline).await;
    assert_eq!(*alice.client.connection().borrow(), pq_core::ConnectionState::Online, "while she is still connected");
    alice.client.set_custom_status(None).await.unwrap();
    crate::common::wait_for(10, "Bob to see her custom status gone", || {
        bob.client.user(me).ok().flatten().is_some_and(|u| u.custom_status.is_none())
    })
    .await;
}

/// Running a server from pq-core: the owner renames it (the members' apps
/// follow), lists and revokes its invite, makes a Moderators role and gives
/// it to Bob (his app learns what he may now do), who removes Carol (her app
/// forgets the server); banned, she cannot come back until Bob lifts the
/// ban; the owner hands it to Bob and leaves; Bob deletes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_renames_hands_over_and_a_server_ends() {
    use pq_core::protocol::models::{CreateRole, Permission};
    let server = TestServer::start().await;
    let alice = Person::sign_in(&server.url, "alice@example.com").await;
    let bob = Person::sign_in(&server.url, "bob@example.com").await;
    let carol = Person::sign_in(&server.url, "carol@example.com").await;
    let (state, invite) = crate::common::study_group(&alice, &[&bob, &carol]).await;
    let sid = state.server.id;
    let in_it = |p: &Person| p.client.servers().unwrap().into_iter().find(|s| s.server.id == sid);
    let may = |p: &Person, what: Permission| in_it(p).is_some_and(|s| s.permissions.contains(&what));
    let (bob_id, carol_id) = (bob.client.me().unwrap().id, carol.client.me().unwrap().id);

    let renamed = alice.client.rename_server(sid, "Book club").await.unwrap();
    assert_eq!(renamed.name, "Book club");
    crate::common::wait_for(10, "Bob's app to show the new name", || {
        bob.client.servers().unwrap().iter().any(|s| s.server.name == "Book club")
    })
    .await;
    let listed = alice.client.invites(sid).await.unwrap();
    assert_eq!((listed.len(), listed[0].uses), (1, 2));
    alice.client.revoke_invite(&invite.code).await.unwrap();
    assert!(alice.client.invites(sid).await.unwrap().is_empty());
    assert!(carol.client.preview_invite(&invite.code).await.is_err(), "a revoked invite leads nowhere");

    assert!(!may(&bob, Permission::KickMembers));
    let mods = CreateRole {
        name: "Moderators".into(),
        color: Some(0x2e_8b_57),
        permissions: Some(vec![Permission::KickMembers, Permission::BanMembers]),
    };
    let mods = alice.client.create_role(sid, mods).await.unwrap();
    alice.client.set_member_role(sid, bob_id, mods.id, true).await.unwrap();
    crate::common::wait_for(10, "Bob's app to know he may remove people", || may(&bob, Permission::KickMembers)).await;
    assert!(!may(&bob, Permission::ManageRoles), "and only that");
    crate::common::wait_for(10, "Carol's app to see Bob's role", || {
        carol.client.members(sid).is_ok_and(|m| m.iter().any(|m| m.user.id == bob_id && m.roles == [mods.id]))
    })
    .await;
    bob.client.kick(sid, carol_id).await.unwrap();
    crate::common::wait_for(10, "Carol's app to forget the server", || in_it(&carol).is_none()).await;
    let err = carol.client.leave_server(sid).await.expect_err("no longer a member");
    assert!(err.to_string().to_lowercase().contains("not found"), "{err}");
    // Banned: no invite lets her back until the ban is lifted.
    let again = alice.client.create_invite(sid, CreateInvite::default()).await.unwrap();
    alice.client.ban(sid, carol_id, Some(pq_core::protocol::models::PurgeWindow::Day)).await.unwrap();
    assert_eq!(alice.client.bans(sid).await.unwrap().iter().map(|b| b.user.id).collect::<Vec<_>>(), [carol_id]);
    let refused = carol.client.accept_invite(&again.code).await.expect_err("banned");
    assert!(refused.to_string().contains("banned"), "{refused}");
    bob.client.unban(sid, carol_id).await.unwrap();
    carol.client.accept_invite(&again.code).await.expect("back after the ban is lifted");
    crate::common::wait_for(10, "Carol back in", || in_it(&carol).is_some_and(|s| s.my_roles.is_empty())).await;

    alice.client.transfer_server(sid, bob_id).await.unwrap();
    assert!(!may(&alice, Permission::KickMembers), "the previous owner keeps only her roles (none)");
    crate::common::wait_for(10, "Bob to own it", || {
        in_it(&bob).is_some_and(|s| s.server.owner_id == bob_id && s.permissions.contains(&Permission::ManageRoles))
    })
    .await;
    let refused = bob.client.leave_server(sid).await.expect_err("the owner cannot leave");
    assert!(refused.to_string().contains("owner"), "{refused}");
    alice.client.leave_server(sid).await.unwrap();
    assert!(in_it(&alice).is_none());
    bob.client.delete_server(sid).await.unwrap();
    assert!(in_it(&bob).is_none());
}
