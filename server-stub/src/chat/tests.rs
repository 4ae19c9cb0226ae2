//! Tests of the domain layer without sockets: the writer's batches, and
//! callers that go away at every point of a request.

use std::{
    collections::BTreeSet,
    future::Future,
    pin::pin,
    sync::{Arc, mpsc},
    task::Poll,
    time::Duration,
};

use pq_protocol::{
    ChannelId, ClientMessageId, InviteCode, MessageId, ServerId, Timestamp, UserId,
    gateway::{Event, ServerFrame},
    models::{ChannelKind, Message, SendMessage},
};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use super::{
    Chat,
    directory::Effect,
    messages::{self, HistoryQuery},
    store::NewAccount,
};
use crate::{
    config::{Args, Config},
    db,
    error::ApiError,
    gateway::hub::{Session, WriterStep},
};

struct Fixture {
    chat: Arc<Chat>,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let args = Args::for_tests(dir.path().to_owned());
    let config = Config::resolve(&args, "127.0.0.1:9".parse().unwrap()).unwrap();
    let file = db::migrate_chat(dir.path()).await.unwrap();
    let chat = Chat::open(&file, &config, CancellationToken::new()).unwrap();
    Fixture { chat: Arc::new(chat), _dir: dir }
}

async fn account(chat: &Chat, name: &str) -> UserId {
    chat.create_account(NewAccount {
        id: UserId::new(),
        issuer: "https://issuer.test".into(),
        subject: name.into(),
        email: Some(format!("{name}@example.com")),
        display_name: name.into(),
        avatar_url: None,
        is_admin: false,
        created_at: Timestamp::now(),
        username: None,
    })
    .await
    .unwrap()
}

/// A gateway session with no socket: what it would write is read back here.
fn observer(chat: &Chat, user: UserId) -> Arc<Session> {
    let session = chat.hub().open_session(user, 1, false, pq_protocol::models::StatusChoice::Auto, None);
    session.release_with(&ServerFrame::HeartbeatAck);
    session
}

fn events(session: &Session) -> Vec<Event> {
    let mut out = Vec::new();
    while let WriterStep::Write(frames) = session.next_step(1) {
        for f in frames {
            if let Ok(ServerFrame::Dispatch(d)) = serde_json::from_str::<ServerFrame>(f.text()) {
                out.push(d.event);
            }
        }
    }
    out
}

/// Waits until every change queued so far has been committed and dispatched.
async fn settle(chat: &Chat) {
    chat.writer().run(|_| Ok(())).await.unwrap();
}

struct World {
    f: Fixture,
    owner: UserId,
    member: UserId,
    server: ServerId,
    general: ChannelId,
    invite: InviteCode,
}

async fn world() -> World {
    let f = fixture().await;
    let owner = account(&f.chat, "owner").await;
    let member = account(&f.chat, "member").await;
    let state = f.chat.create_server(owner, "Test".into()).await.unwrap();
    let general = state.channels.iter().find(|c| c.kind == ChannelKind::Text).unwrap().id;
    let invite = f.chat.create_invite(owner, state.server.id, Some(0), None).await.unwrap().code;
    f.chat.accept_invite(member, &invite.0).await.unwrap();
    World { f, owner, member, server: state.server.id, general, invite }
}

fn answer<T: Send + 'static>(tx: oneshot::Sender<Result<T, ApiError>>) -> impl FnOnce(Result<T, ApiError>) + Send {
    move |r| drop(tx.send(r))
}

fn send_req(body: &str) -> SendMessage {
    SendMessage { client_id: ClientMessageId::new(), body: body.into(), reply_to: None, attachments: vec![] }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_with_failing_changes_commits_the_others_and_answers_each() {
    let w = world().await;
    let chat = &w.f.chat;
    let watch = observer(chat, w.member);
    let (owner, member, general) = (w.owner, w.member, w.general);

    // Hold the writer so the next changes queue up into one batch.
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let hold = tokio::spawn({
        let chat = chat.clone();
        async move {
            chat.writer()
                .run(move |_| {
                    started_tx.send(()).unwrap();
                    release_rx.recv().unwrap();
                    Ok(())
                })
                .await
        }
    });
    tokio::task::spawn_blocking(move || started_rx.recv().unwrap()).await.unwrap();
    let batches_before = chat.writer_stats().batches.load(std::sync::atomic::Ordering::Relaxed);

    let (a_tx, a_rx) = oneshot::channel();
    chat.writer().submit(move |tx| messages::send(tx, owner, general, send_req("first")), answer(a_tx)).await.unwrap();
    // Refused by its rule: no such channel.
    let (b_tx, b_rx) = oneshot::channel();
    let nowhere = ChannelId::new();
    chat.writer().submit(move |tx| messages::send(tx, owner, nowhere, send_req("lost")), answer(b_tx)).await.unwrap();
    // Fails in storage after changing the directory: a channel that was
    // never stored, then a message whose `seq` is already taken.
    let (c_tx, c_rx) = oneshot::channel();
    let phantom = ChannelId::new();
    let server = w.server;
    chat.writer()
        .submit(
            move |tx| {
                tx.apply(Effect::AddChannel { channel: phantom, server, kind: ChannelKind::Text, parent: None });
                let clash = Message {
                    id: MessageId::new(),
                    channel_id: general,
                    seq: 1,
                    author_id: owner,
                    client_id: ClientMessageId::new(),
                    body: "clash".into(),
                    reply_to: None,
                    created_at: tx.now(),
                    edited_at: None,
                    deleted: false,
                    reactions: vec![],
                    unread_by: 0,
                    pinned: false,
                    mentions_everyone: false,
                    kind: pq_protocol::models::MessageKind::Default,
                    attachments: vec![],
                };
                let first = tx.store().insert_message(&Message { seq: 1_000, ..clash.clone() });
                first?;
                tx.store().insert_message(&Message { id: MessageId::new(), ..clash })?;
                Ok(())
            },
            answer(c_tx),
        )
        .await
        .unwrap();
    let (d_tx, d_rx) = oneshot::channel();
    chat.writer()
        .submit(move |tx| messages::send(tx, member, general, send_req("second")), answer(d_tx))
        .await
        .unwrap();

    release_tx.send(()).unwrap();
    hold.await.unwrap().unwrap();
    let a = a_rx.await.unwrap().expect("the first message is stored");
    assert!(matches!(b_rx.await.unwrap(), Err(ApiError::NotFound("channel"))));
    assert!(matches!(c_rx.await.unwrap(), Err(ApiError::Store(_))), "a storage failure is that change's error");
    let d = d_rx.await.unwrap().expect("the message after the failures is stored");
    assert_eq!((a.seq, d.seq), (1, 2), "the failed changes took no seq");
    let stats = chat.writer_stats();
    assert!(stats.largest_batch.load(std::sync::atomic::Ordering::Relaxed) >= 4, "the four changes were one batch");
    assert_eq!(stats.batches.load(std::sync::atomic::Ordering::Relaxed), batches_before + 1);

    // Stored: exactly the two accepted messages (the failed change's first
    // insert was rolled back with it).
    let page = chat.history(member, general, HistoryQuery::default()).await.unwrap();
    let bodies: Vec<_> = page.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["first", "second"]);
    // Announced: the same two, in order, and nothing of the failed changes.
    let created: Vec<_> = events(&watch)
        .into_iter()
        .filter_map(|e| match e {
            Event::MessageCreated { message } => Some(message.body),
            Event::ChannelCreated { .. } => Some("a channel!".into()),
            _ => None,
        })
        .collect();
    assert_eq!(created, ["first", "second"]);
    // The phantom channel is in neither directory.
    assert!(chat.directory().read().channel(phantom).is_none(), "never published");
    let err = chat.send_message(owner, phantom, send_req("into the void")).await.unwrap_err();
    assert!(matches!(err, ApiError::NotFound("channel")), "the writer's own directory was reloaded: {err:?}");
}

/// Polls `fut` exactly `polls` times (letting the runtime run between
/// polls), then drops it: a caller that goes away at that await point.
async fn abandon_after<F: Future>(fut: F, polls: usize) {
    let mut fut = pin!(fut);
    for _ in 0..polls {
        let done = std::future::poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx).is_ready())).await;
        if done {
            return;
        }
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}

/// Members, channels and messages as stored, and as rebuilt from the events
/// an observer received.
#[derive(Debug, PartialEq, Eq, Default)]
struct Seen {
    members: BTreeSet<UserId>,
    channels: BTreeSet<ChannelId>,
    messages: BTreeSet<MessageId>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_that_go_away_at_any_await_point_leave_state_and_events_in_agreement() {
    let w = world().await;
    let chat = &w.f.chat;
    let watcher = account(chat, "watcher").await;
    chat.accept_invite(watcher, &w.invite.0).await.unwrap();
    let watch = observer(chat, watcher);
    let start = chat.server_state(watcher, w.server).await.unwrap();
    let mut heard = Seen {
        members: chat.members(watcher, w.server).await.unwrap().iter().map(|m| m.user.id).collect(),
        channels: start.channels.iter().map(|c| c.id).collect(),
        messages: BTreeSet::new(),
    };
    let mut guests = Vec::new();
    for i in 0..8 {
        guests.push(account(chat, &format!("guest{i}")).await);
    }

    // Every request, abandoned after 0, 1, 2, … polls. Zero polls: it was
    // never queued and must leave no trace; one or more: it was queued and
    // must complete with its events even though nobody waits.
    for polls in 0..4 {
        let (owner, general, server) = (w.owner, w.general, w.server);
        abandon_after(chat.send_message(owner, general, send_req(&format!("after {polls} polls"))), polls).await;
        abandon_after(chat.create_channel(owner, server, format!("room-{polls}"), ChannelKind::Text, None), polls)
            .await;
        let guest = guests[polls * 2];
        abandon_after(chat.accept_invite(guest, &w.invite.0), polls).await;
        // Accepted for real, then kicked by a request that goes away.
        let kicked = guests[polls * 2 + 1];
        chat.accept_invite(kicked, &w.invite.0).await.unwrap();
        abandon_after(chat.kick(owner, server, kicked), polls).await;
    }
    settle(chat).await;

    for e in events(&watch) {
        match e {
            Event::MemberJoined { member, .. } => {
                heard.members.insert(member.user.id);
            }
            Event::MemberLeft { user_id, .. } => {
                heard.members.remove(&user_id);
            }
            Event::ChannelCreated { channel } => {
                heard.channels.insert(channel.id);
            }
            Event::MessageCreated { message } => {
                heard.messages.insert(message.id);
            }
            _ => {}
        }
    }
    let state = chat.server_state(watcher, w.server).await.unwrap();
    let page = chat.history(watcher, w.general, HistoryQuery::default()).await.unwrap();
    let stored = Seen {
        members: chat.members(watcher, w.server).await.unwrap().iter().map(|m| m.user.id).collect(),
        channels: state.channels.iter().map(|c| c.id).collect(),
        messages: page.messages.iter().map(|m| m.id).collect(),
    };
    assert_eq!(stored, heard, "what is stored is what was announced");
    let bodies: Vec<_> = page.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(
        bodies,
        ["after 1 polls", "after 2 polls", "after 3 polls"],
        "queued ones completed; the other left no trace"
    );
    assert!(!stored.members.contains(&guests[0]), "an accept never queued joined nobody");
    assert!(stored.members.contains(&guests[2]), "an accept queued and abandoned still joined");
    assert!(stored.members.contains(&guests[1]), "a kick never queued removed nobody");
    assert!(!stored.members.contains(&guests[3]), "a kick queued and abandoned still removed");
}
