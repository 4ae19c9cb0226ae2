//! Friends and blocks between two pq-core clients on a real server: a
//! request reaches the other app live (the event the desktop notifies of),
//! accepting shows each other's presence without a shared server, the list
//! is kept for offline and brought up to date after a restart, and a block
//! takes effect at once on an open connection.

use std::time::Duration;

use pq_core::{
    Event,
    protocol::models::{Presence, RelationshipKind},
};

use crate::common::{Person, TestServer, wait_for};

async fn next_relationship(events: &mut tokio::sync::broadcast::Receiver<Event>) -> (RelationshipKind, bool) {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(Event::RelationshipChanged { relationship, live }) = events.recv().await {
                return (relationship.kind, live);
            }
        }
    })
    .await
    .expect("a relationship event")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn friends_find_each_other_and_a_block_holds_at_once() {
    let server = TestServer::start().await;
    let alice = Person::sign_in(&server.url, "alice@example.com").await;
    let mut bob = Person::sign_in(&server.url, "bob@example.com").await;
    alice.wait_online(10).await;
    bob.wait_online(10).await;
    let (alice_id, bob_id) = (alice.client.me().unwrap().id, bob.client.me().unwrap().id);
    let mut bobs = bob.client.subscribe();

    // Alice asks Bob by his email: his app hears it live.
    let asked = alice.client.add_friend_by("Bob@example.com").await.unwrap();
    assert_eq!((asked.user.id, asked.kind), (bob_id, RelationshipKind::Outgoing));
    assert_eq!(alice.client.relationship(bob_id).unwrap(), Some(RelationshipKind::Outgoing));
    assert_eq!(next_relationship(&mut bobs).await, (RelationshipKind::Incoming, true));
    assert_eq!(bob.client.relationships().unwrap()[0].user.display_name, "alice");
    let again = alice.client.add_friend_by("bob@example.com").await.expect_err("asked twice");
    assert!(again.to_string().contains("already asked"), "{again}");

    // Bob accepts: friends for both, and each sees the other online.
    bob.client.add_friend(alice_id).await.unwrap();
    wait_for(10, "Alice to see Bob as a friend", || {
        alice.client.relationship(bob_id).unwrap() == Some(RelationshipKind::Friend)
    })
    .await;
    wait_for(10, "Alice to see Bob online", || alice.client.presence(bob_id) == Presence::Online).await;
    wait_for(10, "Bob to see Alice online", || bob.client.presence(alice_id) == Presence::Online).await;

    // Kept for offline, and the same after a restart.
    bob.restart().await;
    assert_eq!(bob.client.relationship(alice_id).unwrap(), Some(RelationshipKind::Friend), "from the cache");
    bob.wait_online(10).await;
    wait_for(10, "Bob to see Alice online again", || bob.client.presence(alice_id) == Presence::Online).await;

    // Alice blocks Bob: on his open connection the friendship ends and she
    // goes offline at once; he cannot ask her again.
    let mut bobs = bob.client.subscribe();
    alice.client.block(bob_id).await.unwrap();
    assert_eq!(alice.client.relationship(bob_id).unwrap(), Some(RelationshipKind::Blocked));
    let gone = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(Event::RelationshipRemoved { user_id }) = bobs.recv().await
                && user_id == alice_id
            {
                return;
            }
        }
    })
    .await;
    assert!(gone.is_ok(), "Bob's app hears the friendship ended");
    wait_for(10, "Alice offline for Bob", || bob.client.presence(alice_id) == Presence::Offline).await;
    assert_eq!(bob.client.relationship(alice_id).unwrap(), None);
    let refused = bob.client.add_friend(alice_id).await.expect_err("blocked");
    assert!(refused.to_string().contains("not accepting"), "{refused}");

    // A new username from Alice's laptop reaches her phone (and her name there).
    let phone = Person::sign_in(&server.url, "alice@example.com").await;
    phone.wait_online(10).await;
    alice.client.set_username("alice.k").await.unwrap();
    wait_for(10, "her phone to know her new username", || {
        phone.client.me().and_then(|m| m.username).as_deref() == Some("alice.k")
    })
    .await;

    // Unblocked: nothing between them, and Bob may ask again.
    alice.client.remove_relationship(bob_id).await.unwrap();
    assert_eq!(alice.client.relationship(bob_id).unwrap(), None);
    let asked = bob.client.add_friend_by("@Alice.K").await.unwrap();
    assert_eq!((asked.user.id, asked.kind), (alice_id, RelationshipKind::Outgoing), "by her username");
}
