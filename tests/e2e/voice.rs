//! Calls over real WebRTC peer connections on loopback: four people in a
//! room, each sending a tone at their own frequency, hear the other three;
//! someone leaves and comes back; someone's network drops and the room
//! recovers.

use pq_core::{
    Client,
    protocol::{
        ChannelId, UserId,
        models::{ChannelKind, CreateInvite},
    },
    voice::{Call, JoinOptions, NullSink, ToneSource, dominant_frequency},
};

use crate::common::{Person, Proxy, TestServer, wait_for};

fn options(hz: f64) -> JoinOptions {
    JoinOptions {
        source: Box::new(ToneSource::new(hz)),
        sink: Box::new(NullSink),
        muted: false,
        udp_addrs: vec!["127.0.0.1:0".into()],
    }
}

/// The tone `call` hears from `user` over the last half second.
fn heard(call: &Call, user: UserId) -> Option<f64> {
    dominant_frequency(&call.heard_from(user, 500), 200.0, 1_200.0, 10.0)
}

async fn join(client: &Client, room: ChannelId, hz: f64) -> Call {
    client.join_voice(room, options(hz)).await.unwrap_or_else(|e| panic!("cannot join: {e}"))
}

/// Waits until every call hears every other person's tone.
async fn everyone_hears_everyone(calls: &[(&Call, UserId, f64)], what: &str) {
    wait_for(30, what, || {
        calls.iter().all(|(call, me, _)| {
            calls.iter().filter(|(_, other, _)| other != me).all(|(_, other, hz)| heard(call, *other) == Some(*hz))
        })
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_people_hear_each_other_and_the_room_recovers_from_leaving_and_dropping() {
    let server = TestServer::start_with(|a| {
        a.voice_grace_ms = 1_000;
        a.presence_grace_ms = 100;
        a.heartbeat_interval_ms = 1_000;
    })
    .await;
    // Dana's network goes through a proxy the test can unplug (signaling
    // only: media flows directly between the clients).
    let dana_net = Proxy::start(&server.url).await;
    let alice = Person::sign_in(&server.url, "alice@example.com").await;
    let bob = Person::sign_in(&server.url, "bob@example.com").await;
    let carol = Person::sign_in(&server.url, "carol@example.com").await;
    let dana = Person::sign_in(&dana_net.url, "dana@example.com").await;
    let state = alice.client.create_server("Band practice").await.unwrap();
    let invite = alice.client.create_invite(state.server.id, CreateInvite::default()).await.unwrap();
    for p in [&bob, &carol, &dana] {
        p.client.accept_invite(&invite.code).await.unwrap();
    }
    for p in [&alice, &bob, &carol, &dana] {
        p.wait_online(10).await;
    }
    let room = state.channels.iter().find(|c| c.kind == ChannelKind::Voice).expect("a voice room").id;
    let ids: Vec<UserId> = [&alice, &bob, &carol, &dana].iter().map(|p| p.client.me().unwrap().id).collect();
    let tones = [300.0, 500.0, 700.0, 900.0];

    let a = join(&alice.client, room, tones[0]).await;
    let b = join(&bob.client, room, tones[1]).await;
    let c = join(&carol.client, room, tones[2]).await;
    let d = join(&dana.client, room, tones[3]).await;
    let all = [(&a, ids[0], tones[0]), (&b, ids[1], tones[1]), (&c, ids[2], tones[2]), (&d, ids[3], tones[3])];
    everyone_hears_everyone(&all, "all four to hear the other three").await;
    for (call, _, _) in &all {
        let info = call.info();
        assert_eq!(info.participants.len(), 3, "{info:?}");
        assert!(info.participants.iter().all(|p| p.connection == "connected"), "{info:?}");
    }
    // The server's roster, as a member who is not in the call sees it.
    wait_for(5, "the roster to show four", || alice.client.voice_states(state.server.id).len() == 4).await;

    // Bob leaves: the others let him go; he comes back and is heard again.
    b.leave().await;
    wait_for(10, "bob to leave everyone's call", || {
        [&a, &c, &d].iter().all(|call| call.info().participants.iter().all(|p| p.state.user_id != ids[1]))
    })
    .await;
    let b = join(&bob.client, room, tones[1]).await;
    let all = [(&a, ids[0], tones[0]), (&b, ids[1], tones[1]), (&c, ids[2], tones[2]), (&d, ids[3], tones[3])];
    everyone_hears_everyone(&all, "bob to be heard again after rejoining").await;

    // Dana's network drops: after the grace the server lets her go and the
    // others close her connection; when her network is back her call takes
    // its seat again and everyone hears everyone.
    dana_net.set_offline(true);
    wait_for(15, "the others to let dana go", || {
        [&a, &b, &c].iter().all(|call| call.info().participants.iter().all(|p| p.state.user_id != ids[3]))
    })
    .await;
    dana_net.set_offline(false);
    everyone_hears_everyone(&all, "dana to be back in the room").await;

    for call in [a, b, c, d] {
        call.leave().await;
    }
    wait_for(5, "the room to be empty", || alice.client.voice_states(state.server.id).is_empty()).await;
}
