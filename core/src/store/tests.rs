use pq_protocol::{
    ChannelId, ClientMessageId, MessageId, ServerId, Timestamp, UserId,
    models::{Channel, ChannelKind, DmChannel, DmKind, Message, ReadState, Server, ServerState, User},
};

use super::*;

pub(crate) fn server_state(server: ServerId, channels: &[ChannelId]) -> ServerState {
    ServerState {
        server: Server {
            id: server,
            name: "Study".into(),
            icon_url: None,
            owner_id: UserId::new(),
            created_at: Timestamp::from_millis(1),
            description: None,
        },
        channels: channels
            .iter()
            .enumerate()
            .map(|(i, c)| Channel {
                id: *c,
                server_id: server,
                kind: ChannelKind::Text,
                name: format!("c{i}"),
                parent_id: None,
                position: i as i32,
                last_seq: 0,
                private: false,
                topic: None,
            })
            .collect(),
        roles: vec![],
        my_roles: vec![],
        member_count: 3,
        read_states: channels.iter().map(|c| ReadState { channel_id: *c, last_read_seq: 0, unread_count: 0 }).collect(),
        voice_states: vec![],
        events: vec![],
    }
}

pub(crate) fn msg(channel: ChannelId, seq: u64, body: &str) -> Message {
    Message {
        id: MessageId::new(),
        channel_id: channel,
        seq,
        author_id: UserId::new(),
        client_id: ClientMessageId::new(),
        body: body.into(),
        reply_to: None,
        created_at: Timestamp::from_millis(1_000 + seq as i64),
        edited_at: None,
        deleted: false,
        reactions: vec![],
        unread_by: 2,
        pinned: false,
        mentions_everyone: false,
        kind: pq_protocol::models::MessageKind::Default,
        attachments: vec![],
    }
}

fn setup() -> (Store, ServerId, ChannelId, ChannelId) {
    let mut s = Store::open_in_memory().unwrap();
    let (server, a, b) = (ServerId::new(), ChannelId::new(), ChannelId::new());
    s.apply_server_state(&server_state(server, &[a, b]), 0).unwrap();
    (s, server, a, b)
}

fn bodies(v: &[Message]) -> Vec<&str> {
    v.iter().map(|m| m.body.as_str()).collect()
}

#[test]
fn migrations_are_valid() {
    Migrations::from_slice(MIGRATIONS).validate().unwrap();
}

#[test]
fn history_pages_and_the_hole_free_range() {
    let (mut s, _, a, _) = setup();
    // The newest page first, as after sign-in.
    let page: Vec<Message> = (151..=250).map(|i| msg(a, i, &format!("m{i}"))).collect();
    assert_eq!(s.ingest(&page).unwrap(), IngestReport { inserted: 100, updated: 0 });
    let c = s.channel(a).unwrap().unwrap();
    assert_eq!((c.low_seq, c.synced_seq, c.channel.last_seq), (151, 250, 250));
    // Re-ingesting changes nothing.
    assert_eq!(s.ingest(&page).unwrap(), IngestReport { inserted: 0, updated: 100 });
    // A live message after a gap does not extend the range...
    s.ingest(&[msg(a, 260, "m260")]).unwrap();
    assert_eq!(s.channel(a).unwrap().unwrap().synced_seq, 250);
    // ...until the gap is filled.
    let gap: Vec<Message> = (251..=259).map(|i| msg(a, i, &format!("m{i}"))).collect();
    s.ingest(&gap).unwrap();
    assert_eq!(s.channel(a).unwrap().unwrap().synced_seq, 260);
    // Older pages grow it downwards.
    let older: Vec<Message> = (101..=150).map(|i| msg(a, i, &format!("m{i}"))).collect();
    s.ingest(&older).unwrap();
    assert_eq!(s.channel(a).unwrap().unwrap().low_seq, 101);

    let last = s.history(a, None, 3).unwrap();
    assert_eq!(bodies(&last), ["m258", "m259", "m260"]);
    let before = s.history(a, Some(102), 10).unwrap();
    assert_eq!(bodies(&before), ["m101"]);
    let after = s.history_after(a, 255, 2).unwrap();
    assert_eq!(bodies(&after), ["m256", "m257"]);
}

#[test]
fn search_finds_korean_chinese_japanese_thai_and_english() {
    let (mut s, server, a, b) = setup();
    s.ingest(&[
        msg(a, 1, "오늘 사람이 많았어요"),
        msg(a, 2, "안녕하세요, 반갑습니다"),
        msg(a, 3, "我们明天去北京"),
        msg(a, 4, "東京タワーに行きました"),
        msg(a, 5, "สวัสดีครับ ยินดีต้อนรับ"),
        msg(b, 1, "Meeting at the café tomorrow"),
        msg(b, 2, "The meetings are cancelled"),
    ])
    .unwrap();
    // Found before the background indexer ran (checked directly)...
    assert_eq!(s.search("사람", None, None, 20).unwrap().len(), 1);
    assert_eq!(s.index_backlog().unwrap(), 7);
    // ...and through the index after.
    while s.index_pending(3).unwrap() > 0 {}
    assert_eq!(s.index_backlog().unwrap(), 0);
    let found = |q: &str| -> Vec<String> {
        let mut v: Vec<String> = s.search(q, None, None, 20).unwrap().into_iter().map(|h| h.message.body).collect();
        v.sort();
        v
    };
    // A two-syllable Korean word glued to a particle.
    assert_eq!(found("사람"), ["오늘 사람이 많았어요"]);
    assert_eq!(found("반갑"), ["안녕하세요, 반갑습니다"]);
    assert_eq!(found("안녕"), ["안녕하세요, 반갑습니다"]);
    assert_eq!(found("밥"), Vec::<String>::new());
    // Chinese and Japanese words inside unspaced text.
    assert_eq!(found("北京"), ["我们明天去北京"]);
    assert_eq!(found("明天"), ["我们明天去北京"]);
    assert_eq!(found("タワー"), ["東京タワーに行きました"]);
    // Thai inside a run.
    assert_eq!(found("ดีครับ"), ["สวัสดีครับ ยินดีต้อนรับ"]);
    // English: whole words and, for the last word typed, prefixes; case and accents folded.
    assert_eq!(found("meet"), ["Meeting at the café tomorrow", "The meetings are cancelled"]);
    assert_eq!(found("meeting tomorrow"), ["Meeting at the café tomorrow"], "`meeting` is a whole word here");
    assert_eq!(found("CAFE"), ["Meeting at the café tomorrow"]);
    assert!(found("tomorrow meetings").is_empty(), "all words must match");
    // Scoped to a channel or server.
    assert_eq!(s.search("meet", None, Some(a), 20).unwrap().len(), 0);
    assert_eq!(s.search("meet", Some(server), None, 20).unwrap().len(), 2);
    assert!(s.search("\"*()", None, None, 20).unwrap().is_empty(), "punctuation alone is no query");
}

#[test]
fn edits_and_deletes_keep_the_index_in_step() {
    let (mut s, _, a, _) = setup();
    let m = msg(a, 1, "original words");
    s.ingest(std::slice::from_ref(&m)).unwrap();
    s.index_pending(100).unwrap();
    assert!(s.apply_edit(m.id, "새로운 문장", Timestamp::from_millis(5)).unwrap());
    assert!(s.search("original", None, None, 5).unwrap().is_empty());
    assert_eq!(s.search("문장", None, None, 5).unwrap().len(), 1);
    assert_eq!(s.message(m.id).unwrap().unwrap().edited_at, Some(Timestamp::from_millis(5)));
    assert!(s.apply_delete(m.id).unwrap());
    assert!(s.search("문장", None, None, 5).unwrap().is_empty());
    let tomb = s.message(m.id).unwrap().unwrap();
    assert!(tomb.deleted && tomb.body.is_empty());
    // A history page from the server with an edit also re-indexes.
    let mut m2 = msg(a, 2, "first draft");
    s.ingest(std::slice::from_ref(&m2)).unwrap();
    s.index_pending(100).unwrap();
    m2.body = "final version".into();
    s.ingest(std::slice::from_ref(&m2)).unwrap();
    assert!(s.search("draft", None, None, 5).unwrap().is_empty());
    assert_eq!(s.search("final", None, None, 5).unwrap().len(), 1);
    // Edits and deletes of messages still waiting for the indexer are fine too.
    let m3 = msg(a, 3, "waiting words");
    s.ingest(std::slice::from_ref(&m3)).unwrap();
    s.apply_edit(m3.id, "changed text", Timestamp::from_millis(9)).unwrap();
    s.index_pending(100).unwrap();
    assert!(s.search("waiting", None, None, 5).unwrap().is_empty());
    assert_eq!(s.search("changed", None, None, 5).unwrap().len(), 1);
}

#[test]
fn reactions_and_unread_by() {
    let (mut s, _, a, _) = setup();
    let m = msg(a, 1, "hi");
    s.ingest(&[m.clone(), msg(a, 2, "there")]).unwrap();
    s.apply_reaction(m.id, "👍", true, false).unwrap();
    s.apply_reaction(m.id, "👍", true, true).unwrap();
    let r = &s.message(m.id).unwrap().unwrap().reactions;
    assert_eq!((r[0].count, r[0].me), (2, true));
    s.apply_reaction(m.id, "👍", false, true).unwrap();
    s.apply_reaction(m.id, "👍", false, false).unwrap();
    assert!(s.message(m.id).unwrap().unwrap().reactions.is_empty());
    s.apply_unread_by(a, 0, 1, -1).unwrap();
    let h = s.history(a, None, 10).unwrap();
    assert_eq!(h.iter().map(|m| m.unread_by).collect::<Vec<_>>(), [1, 2]);
}

#[test]
fn the_outbox_hands_over_to_the_cache_atomically() {
    let (mut s, _, a, b) = setup();
    let e1 = s.outbox_push(a, "first", None, vec![]).unwrap();
    let e2 = s.outbox_push(b, "second", None, vec![]).unwrap();
    let e3 = s.outbox_push(a, "third", None, vec![]).unwrap();
    assert_eq!(s.outbox().unwrap().iter().map(|e| e.body.as_str()).collect::<Vec<_>>(), ["first", "second", "third"]);
    assert_eq!(s.outbox_for(a).unwrap().len(), 2);

    let mut stored = msg(a, 1, "first");
    stored.client_id = e1.client_id;
    let taken = s.outbox_ack(&stored).unwrap().unwrap();
    assert_eq!(taken.client_id, e1.client_id);
    assert_eq!(s.outbox().unwrap().len(), 2);
    assert_eq!(bodies(&s.history(a, None, 10).unwrap()), ["first"]);
    // A repeated ack changes nothing.
    assert!(s.outbox_ack(&stored).unwrap().is_none());

    s.outbox_fail(e2.client_id, "Messages are limited to 150 characters on the free plan.").unwrap();
    let failed = s.outbox_entry(e2.client_id).unwrap().unwrap();
    assert!(matches!(failed.state, OutboxState::Failed { ref reason } if reason.contains("150")));
    let retried = s.outbox_retry(e2.client_id, Some("shorter")).unwrap().unwrap();
    assert_eq!((retried.state, retried.body.as_str()), (OutboxState::Pending, "shorter"));
    assert!(s.outbox_remove(e3.client_id).unwrap());
    assert_eq!(s.outbox().unwrap().len(), 1);
}

#[test]
fn reopening_a_file_keeps_everything_and_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.sqlite3");
    let (server, a) = (ServerId::new(), ChannelId::new());
    {
        let mut s = Store::open(&path).unwrap();
        s.apply_server_state(&server_state(server, &[a]), 0).unwrap();
        s.ingest(&[msg(a, 1, "kept")]).unwrap();
        s.outbox_push(a, "unsent", None, vec![]).unwrap();
        s.set_meta("me", &"someone").unwrap();
    }
    {
        let s = Store::open(&path).unwrap();
        assert_eq!(bodies(&s.history(a, None, 5).unwrap()), ["kept"]);
        assert_eq!(s.outbox().unwrap()[0].body, "unsent");
        assert_eq!(s.meta::<String>("me").unwrap().as_deref(), Some("someone"));
        assert_eq!(s.servers().unwrap()[0].server.id, server);
        s.conn.pragma_update(None, "user_version", 99).unwrap();
    }
    match Store::open(&path) {
        Err(OpenStoreError::TooNew { found: 99, supported, .. }) if supported < 99 => {}
        other => panic!("expected TooNew, got {other:?}"),
    }
    // Rebuilding keeps the outbox and moves the old file aside.
    let (s, report) = Store::rebuild(&path).unwrap();
    assert_eq!(report.salvaged_outbox, 1);
    assert!(report.moved_to.exists());
    assert_eq!(s.outbox().unwrap()[0].body, "unsent");
    assert!(s.history(a, None, 5).unwrap().is_empty());
}

#[test]
fn a_damaged_file_is_refused_not_wiped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.sqlite3");
    std::fs::write(&path, b"this is not a database, just some bytes that happen to be here....").unwrap();
    let before = std::fs::read(&path).unwrap();
    match Store::open(&path) {
        Err(e @ OpenStoreError::Corrupt { .. }) => assert!(e.to_string().contains("rebuilt"), "{e}"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), before, "the file is left as it was");
    let (s, report) = Store::rebuild(&path).unwrap();
    assert_eq!(report.salvaged_outbox, 0);
    assert!(s.outbox().unwrap().is_empty());
}

#[test]
fn server_state_replaces_channels_and_forgets_their_messages() {
    let (mut s, server, a, b) = setup();
    s.ingest(&[msg(a, 1, "in a"), msg(b, 1, "in b")]).unwrap();
    s.index_pending(100).unwrap();
    let mut st = server_state(server, &[a]);
    st.read_states[0].unread_count = 4;
    st.read_states[0].last_read_seq = 1;
    s.apply_server_state(&st, 0).unwrap();
    assert_eq!(s.channels(server).unwrap().len(), 1);
    assert!(s.history(b, None, 5).unwrap().is_empty());
    assert!(s.search("in", None, None, 5).unwrap().iter().all(|h| h.message.channel_id == a));
    let c = s.channel(a).unwrap().unwrap();
    assert_eq!((c.unread_count, c.last_read_seq, c.synced_seq), (4, 1, 1));
    s.note_new_message(a, 2, false).unwrap();
    s.note_new_message(a, 3, true).unwrap();
    let c = s.channel(a).unwrap().unwrap();
    assert_eq!((c.unread_count, c.last_read_seq, c.channel.last_seq), (5, 3, 3));
    s.retain_servers(&[]).unwrap();
    assert!(s.servers().unwrap().is_empty());
    assert!(s.history(a, None, 5).unwrap().is_empty());
}

#[test]
fn outbox_positions_only_grow() {
    let (mut s, _, a, _) = setup();
    let e1 = s.outbox_push(a, "one", None, vec![]).unwrap();
    let e2 = s.outbox_push(a, "two", None, vec![]).unwrap();
    let upto = s.outbox_since(0).unwrap().last().unwrap().0;
    // Both leave the outbox; the next one must still come after them.
    for e in [&e1, &e2] {
        let mut m = msg(a, 1, &e.body);
        m.client_id = e.client_id;
        m.seq = if e.body == "one" { 1 } else { 2 };
        s.outbox_ack(&m).unwrap();
    }
    s.outbox_push(a, "three", None, vec![]).unwrap();
    let later = s.outbox_since(upto).unwrap();
    assert_eq!(later.len(), 1, "an entry written after position {upto} is found after it");
    assert_eq!(later[0].1.body, "three");
}

#[test]
fn mentions_among_the_unread() {
    let (mut s, _, a, b) = setup();
    let me = UserId::new();
    let mut mine = msg(a, 5, "@Minji Kim I mention myself");
    mine.author_id = me;
    let mut gone = msg(a, 6, "@minji kim deleted");
    gone.deleted = true;
    s.ingest(&[
        msg(a, 1, "@Minji Kim read already"),
        msg(a, 2, "hello @minji kim, page 42?"),
        // Pings everyone: its author may (the server's flag).
        Message { mentions_everyone: true, ..msg(a, 3, "@everyone meeting at 7") },
        msg(a, 4, "Minji Kim without the at sign"),
        mine,
        gone,
        msg(a, 7, "ping @Minji Kim"),
        msg(b, 8, "@Minji Kim elsewhere"),
        // The words without leave ping nobody.
        msg(a, 9, "@everyone says someone who may not"),
    ])
    .unwrap();
    // Read up to 1: seq 2 (any case), 3 (@everyone) and 7 mention me; not
    // 4 (no @), 5 (mine), 6 (deleted), nor the other channel.
    assert_eq!(s.mention_count(a, 1, me, "Minji Kim").unwrap(), 3);
    assert_eq!(s.mention_count(a, 3, me, "Minji Kim").unwrap(), 1);
    assert_eq!(s.mention_count(a, 7, me, "Minji Kim").unwrap(), 0);
    assert_eq!(s.mention_count(b, 0, me, "Minji Kim").unwrap(), 1);
}

#[test]
fn the_mention_rule() {
    use crate::store::mentions;
    assert!(mentions("hello @MINJI KIM", "Minji Kim"));
    assert!(mentions("@민지 내일 봐요", "민지"));
    assert!(!mentions("@here standup", "Minji"), "everyone is the server's flag, not the words");
    assert!(!mentions("minji without the at sign", "Minji"));
    assert!(!mentions("@Bob only", "Minji"));
    assert!(!mentions("@ alone", ""));
}

#[cfg(unix)]
#[test]
fn the_cache_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts").join("account.sqlite3");
    let mut s = Store::open(&path).unwrap();
    s.outbox_push(ChannelId::new(), "private words", None, vec![]).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(path.parent().unwrap()), 0o700, "the directory it created");
    assert_eq!(mode(&path), 0o600);
    let wal = path.with_file_name("account.sqlite3-wal");
    assert!(wal.exists(), "WAL mode");
    assert_eq!(mode(&wal), 0o600, "SQLite gives the WAL the database's permissions");
    drop(s);
    // An older cache made with default permissions is narrowed when opened.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _s = Store::open(&path).unwrap();
    assert_eq!(mode(&path), 0o600);
}

/// The UI reads through a second connection while the engine writes: a
/// message acknowledged between two of its reads is still in exactly one of
/// them (the outbox or the timeline), never in neither.
#[test]
fn a_snapshot_sees_a_message_in_the_outbox_or_the_timeline_never_neither() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.sqlite3");
    let (server, a) = (ServerId::new(), ChannelId::new());
    let mut writer = Store::open(&path).unwrap();
    writer.apply_server_state(&server_state(server, &[a]), 0).unwrap();
    let pending = writer.outbox_push(a, "hello", None, vec![]).unwrap();
    let reader = Store::open(&path).unwrap();
    let mut stored = msg(a, 1, "hello");
    stored.client_id = pending.client_id;

    let (outbox, timeline) = reader
        .snapshot(|s| {
            let outbox = s.outbox_for(a)?.len();
            // The engine acknowledges it in between the UI's two reads.
            writer.outbox_ack(&stored)?;
            Ok((outbox, s.history(a, None, 10)?.len()))
        })
        .unwrap();
    assert_eq!((outbox, timeline), (1, 0), "the snapshot from before the acknowledgement");
    // Without a snapshot the same interleaving would have seen it nowhere;
    // after it, the next read sees the new state.
    assert_eq!((reader.outbox_for(a).unwrap().len(), reader.history(a, None, 10).unwrap().len()), (0, 1));
}

/// A cache from before direct messages (version 2) keeps its channels,
/// messages, read state and search index through the rebuild of `channels`
/// (the index names channels by rowid: the rowids stay).
#[test]
fn a_cache_from_before_direct_messages_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.sqlite3");
    let (server, other, general) = (ServerId::new(), ChannelId::new(), ChannelId::new());
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        Migrations::from_slice(&MIGRATIONS[..2]).to_latest(&mut conn).unwrap();
        conn.execute_batch(&format!(
            "INSERT INTO servers (id, name, owner_id, created_at, role, member_count, sort)
                 VALUES ('{server}', 'Study', '{u}', 1, 'member', 2, 0);
             INSERT INTO channels (id, server_id, kind, name, position) VALUES ('{other}', '{server}', 'text', 'x', 0);
             INSERT INTO channels (id, server_id, kind, name, position, last_seq, low_seq, synced_seq, last_read_seq, unread_count)
                 VALUES ('{general}', '{server}', 'text', 'general', 1, 1, 1, 1, 0, 1);
             INSERT INTO messages (id, channel_id, seq, author_id, client_id, body, created_at)
                 VALUES ('{m}', '{general}', 1, '{u}', '{k}', '안녕하세요 hello', 5);
             INSERT INTO messages_fts (rowid, terms, scope) VALUES (1, '{terms}', 'c2 s1');
             INSERT INTO meta (key, value) VALUES ('fts_upto', '1');",
            u = UserId::new(),
            m = MessageId::new(),
            k = ClientMessageId::new(),
            terms = search::index_terms("안녕하세요 hello"),
        ))
        .unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(bodies(&s.history(general, None, 5).unwrap()), ["안녕하세요 hello"]);
    let c = s.channel(general).unwrap().unwrap();
    assert_eq!((c.channel.name.as_str(), c.unread_count, c.synced_seq), ("general", 1, 1));
    let hits = s.search("안녕", Some(server), Some(general), 5).unwrap();
    assert_eq!(hits.len(), 1, "the index still scopes to the same channel");
    assert_eq!(hits[0].server_id, Some(server));
    assert!(s.search("hello", None, Some(other), 5).unwrap().is_empty());
}

fn dm(id: ChannelId, kind: DmKind, members: &[(UserId, &str)], last_seq: u64, at: i64) -> DmChannel {
    DmChannel {
        id,
        kind,
        name: None,
        owner_id: members[0].0,
        members: members
            .iter()
            .map(|(id, n)| User { id: *id, display_name: (*n).into(), avatar_url: None, custom_status: None })
            .collect(),
        last_seq,
        last_activity_at: Timestamp::from_millis(at),
    }
}

/// Direct-message channels: listed by last activity with their members'
/// names and my read state, found by the person, caught up like any text
/// channel, searchable, and forgotten with their messages when gone.
#[test]
fn direct_messages_are_listed_read_searched_and_forgotten() {
    let (mut s, server, general, _) = setup();
    let (me, bob, carol) = (UserId::new(), UserId::new(), UserId::new());
    let (direct, group) = (ChannelId::new(), ChannelId::new());
    s.apply_dm(
        &dm(direct, DmKind::Direct, &[(me, "me"), (bob, "Bob")], 2, 10),
        Some(&ReadState { channel_id: direct, last_read_seq: 1, unread_count: 1 }),
    )
    .unwrap();
    s.apply_dm(&dm(group, DmKind::Group, &[(carol, "Carol"), (me, "me"), (bob, "Bob")], 0, 5), None).unwrap();
    let list = s.dms().unwrap();
    assert_eq!(list.iter().map(|d| d.channel.id).collect::<Vec<_>>(), [direct, group]);
    assert_eq!(list[0].channel.members[1].display_name, "Bob");
    assert_eq!((list[0].last_read_seq, list[0].unread_count), (1, 1));
    assert_eq!(s.dm_with(bob).unwrap(), Some(direct));
    assert_eq!(s.dm_with(carol).unwrap(), None, "only in a group with Carol");
    assert!(s.channel(direct).unwrap().is_none(), "not a server's channel");
    let st = s.sync_state(direct).unwrap().unwrap();
    assert!(st.dm && st.last_seq == 2 && st.synced_seq == 0);
    assert!(s.channels_behind().unwrap().contains(&(direct, 0)));
    assert_eq!(s.unread_total().unwrap(), 1, "DMs count in the tray");

    // A message in the group moves it up; search finds DM messages.
    s.ingest(&[msg(group, 1, "주말에 등산 갈래?")]).unwrap();
    s.note_new_message(group, 1, false).unwrap();
    assert!(s.note_dm_activity(group, Timestamp::from_millis(20)).unwrap());
    assert!(!s.note_dm_activity(general, Timestamp::from_millis(20)).unwrap(), "not a DM");
    assert_eq!(s.dms().unwrap()[0].channel.id, group);
    while s.index_pending(100).unwrap() > 0 {}
    let hits = s.search("등산", None, None, 5).unwrap();
    assert_eq!((hits.len(), hits[0].server_id), (1, None));
    assert!(s.search("등산", Some(server), None, 5).unwrap().is_empty(), "not in the server");
    assert_eq!(s.search("등산", None, Some(group), 5).unwrap().len(), 1);

    // Left the group: gone with its messages (and from the index).
    s.retain_dms(&[direct]).unwrap();
    assert_eq!(s.dms().unwrap().len(), 1);
    assert!(s.history(group, None, 5).unwrap().is_empty());
    assert!(s.search("등산", None, None, 5).unwrap().is_empty());
}

/// A server's notification level is this device's: it holds when the
/// server's state comes again.
#[test]
fn a_servers_notification_level_outlives_its_state_coming_again() {
    let (mut s, server, a, b) = setup();
    assert_eq!(s.servers().unwrap()[0].notify, NotifyLevel::All);
    s.set_server_notify(server, NotifyLevel::Mentions).unwrap();
    s.apply_server_state(&server_state(server, &[a, b]), 0).unwrap();
    assert_eq!(s.servers().unwrap()[0].notify, NotifyLevel::Mentions);
}
