//! Files through every layer: a picture and a document attached offline
//! are uploaded once when the network is back (after a restart of pq in
//! between), everyone receives them, the pictures show from the cache with
//! no server, and deleting the message takes them away.

use pq_core::protocol::models::CreateInvite;

use crate::common::{Person, Proxy, TestServer, png, wait_for};

/// A picture's width and height (any format the server makes).
fn size_of(bytes: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory(bytes).expect("a picture");
    (img.width(), img.height())
}

/// How many attachments' bytes the server's storage holds.
fn objects(server: &TestServer) -> usize {
    let dir = server.data_dir().join("objects").join("attachments");
    std::fs::read_dir(dir).map_or(0, |d| {
        d.filter_map(Result::ok).filter(|e| !e.file_name().to_string_lossy().ends_with(".thumb")).count()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_queued_offline_are_uploaded_once_and_shown_offline_after() {
    let mut server = TestServer::start().await;
    let carol_net = Proxy::start(&server.url).await;
    let mut alice = Person::sign_in(&server.url, "alice@example.com").await;
    let mut carol = Person::sign_in(&carol_net.url, "carol@example.com").await;
    let state = alice.client.create_server("Trip").await.unwrap();
    let invite = alice.client.create_invite(state.server.id, CreateInvite::default()).await.unwrap();
    carol.client.accept_invite(&invite.code).await.unwrap();
    let general = state.channels.iter().find(|c| c.name == "general").unwrap().id;
    carol.wait_online(10).await;

    // Offline, Carol attaches a picture (pasted: bytes) and a document
    // (dropped: a path) to a message.
    carol_net.set_offline(true);
    wait_for(10, "carol to notice she is offline", || {
        matches!(*carol.client.connection().borrow(), pq_core::ConnectionState::Reconnecting { .. })
    })
    .await;
    let picture = png(800, 600, [200, 40, 40]);
    let staged_picture = carol.client.stage_file("beach.png", &picture).unwrap();
    let notes_path = carol.data_dir().join("itinerary.txt");
    let notes = "Day 1: Busan\nDay 2: Jeju\n".repeat(2_000).into_bytes();
    std::fs::write(&notes_path, &notes).unwrap();
    let staged_notes = carol.client.stage_path(&notes_path).unwrap();
    assert_eq!(staged_notes.size, notes.len() as u64);
    let entry = carol
        .client
        .send_with_files(general, "photos from the trip", None, &[staged_picture.id, staged_notes.id])
        .await
        .unwrap();
    assert_eq!(entry.files.len(), 2);
    assert!(entry.files.iter().all(|f| f.uploaded.is_none()), "nothing uploaded offline");
    // The original may go; pq kept its own copy.
    std::fs::remove_file(&notes_path).unwrap();

    // She quits pq and starts it again, still offline: the message and its
    // files are still waiting.
    carol.restart().await;
    let pending = carol.pending(general).await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].files.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["beach.png", "itinerary.txt"]);
    assert_eq!(objects(&server), 0);

    // Back online: uploaded, sent, received.
    carol_net.set_offline(false);
    carol.wait_online(15).await;
    wait_for(20, "alice to receive carol's files", || {
        futures_util::FutureExt::now_or_never(alice.history(general))
            .is_some_and(|h| h.iter().any(|m| m.body == "photos from the trip"))
    })
    .await;
    wait_for(10, "carol's outbox to empty", || {
        futures_util::FutureExt::now_or_never(carol.pending(general)).is_some_and(|p| p.is_empty())
    })
    .await;
    let history = alice.history(general).await;
    let sent: Vec<_> = history.iter().filter(|m| m.body == "photos from the trip").collect();
    assert_eq!(sent.len(), 1, "the message exactly once");
    let files = &sent[0].attachments;
    assert_eq!(files.iter().map(|a| a.filename.as_str()).collect::<Vec<_>>(), ["beach.png", "itinerary.txt"]);
    assert_eq!(objects(&server), 2, "each file uploaded once");
    let (pic, doc) = (&files[0], &files[1]);
    assert_eq!((pic.content_type.as_str(), pic.width, pic.height), ("image/png", Some(800), Some(600)));
    assert!(pic.thumbnail);
    assert_eq!(doc.size, notes.len() as u64);

    // Alice looks at the picture and its preview: the same bytes.
    let (kind, bytes) = alice.client.attachment(pic.id, false).await.unwrap();
    assert_eq!((kind, bytes.as_slice()), ("image/png", picture.as_slice()));
    let (_, thumb) = alice.client.attachment(pic.id, true).await.unwrap();
    assert_eq!(size_of(&thumb), (400, 300));
    // She saves the document, with progress.
    let dest = alice.data_dir().join("saved-itinerary.txt");
    let seen = std::sync::Mutex::new(0u64);
    let got = alice
        .client
        .download(doc.id, &dest, &|n, _| {
            *seen.lock().unwrap() = n;
        })
        .await
        .unwrap();
    assert_eq!(got, notes.len() as u64);
    assert_eq!(*seen.lock().unwrap(), notes.len() as u64);
    assert_eq!(std::fs::read(&dest).unwrap(), notes);

    // The server goes away; both start pq again: the picture shows from the
    // cache (Carol never downloaded hers: her upload was kept).
    server.stop().await;
    alice.restart().await;
    carol.restart().await;
    for p in [&alice, &carol] {
        let (_, bytes) = p.client.attachment(pic.id, false).await.expect("the picture offline");
        assert_eq!(bytes, picture, "{}", p.email);
    }
    assert_eq!(size_of(&alice.client.attachment(pic.id, true).await.unwrap().1), (400, 300));
    assert!(carol.client.attachment(doc.id, true).await.is_err(), "nothing kept that was never seen");

    // Deleting the message removes its files from storage and caches.
    server.start_again().await;
    carol.wait_online(15).await;
    alice.wait_online(15).await;
    carol.client.delete(general, sent[0].id).await.unwrap();
    wait_for(10, "the objects to go", || objects(&server) == 0).await;
    wait_for(10, "alice to hear of the deletion", || {
        futures_util::FutureExt::now_or_never(alice.history(general))
            .is_some_and(|h| h.iter().any(|m| m.id == sent[0].id && m.deleted && m.attachments.is_empty()))
    })
    .await;
    let gone = alice.client.attachment(pic.id, false).await;
    assert!(gone.is_err(), "neither kept nor on the server");
}
