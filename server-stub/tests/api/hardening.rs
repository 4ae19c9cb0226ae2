//! What makes the server safe to put on a network: private files, abuse
//! limits, sessions that end when they should.

use crate::common::TestServer;

#[cfg(unix)]
#[tokio::test]
async fn the_database_signing_key_and_mailbox_are_readable_by_the_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    // A data directory the server creates itself is owner-only too.
    let parent = tempfile::tempdir().unwrap();
    let fresh = parent.path().join("made-by-the-server");
    let ts = TestServer::start_with(|a| a.data_dir = Some(fresh.clone())).await;
    // Sign-up mails a code: the mailbox exists afterwards.
    ts.sign_up("pat@example.com", "Pat", "correct horse battery").await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&fresh), 0o700);
    let dir = ts.data_dir();
    for name in ["pq.sqlite3", "pq.sqlite3-wal", "idp.sqlite3", "idp.sqlite3-wal", "mailbox.txt"] {
        let path = dir.join(name);
        assert!(path.exists(), "{name} exists");
        assert_eq!(mode(&path), 0o600, "{name} (idp.sqlite3 holds the signing key)");
    }
}
