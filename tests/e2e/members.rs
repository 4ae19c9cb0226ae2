//! The member list: fresh from the server when it is read, without the UI and
//! the engine asking each other forever.

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
