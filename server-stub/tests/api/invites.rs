//! Invites sent to someone: in the app to an account (found by username or
//! the email of its account), waiting until accepted or declined; by mail
//! to an address with no account, through a real SMTP server on loopback
//! (aiosmtpd, from the test environment scripts/setup makes), whose link
//! leads to a web page and into the server; and told plainly when this
//! server sends no mail.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use pq_protocol::{
    gateway::Event,
    models::{InviteDelivery, InviteSent, PendingInvite, ServerRole, ServerState},
};
use reqwest::Method;
use serde_json::json;

use crate::{
    client::Gw,
    common::TestServer,
    servers::{api, id, server_with},
};

/// aiosmtpd on a free loopback port, keeping every mail it receives in a
/// maildir.
struct SmtpServer {
    child: Child,
    port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpServer {
    fn start() -> Self {
        let home = std::env::var("HOME").expect("HOME");
        let python = Path::new(&home).join(".cache/pq/venv/bin/python");
        assert!(python.exists(), "no test environment at {}: run ./scripts/setup", python.display());
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("mail");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "aiosmtpd did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, port, maildir, _dir: dir }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every mail received so far, as its raw text.
    fn mails(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else { return vec![] };
        entries.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).collect()
    }

    /// Waits for the first mail.
    async fn mail(&self) -> String {
        for _ in 0..200 {
            if let Some(m) = self.mails().into_iter().next() {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no mail arrived");
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn an_invite_mailed_to_a_new_address_leads_through_its_page_into_the_server() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let ts = TestServer::start_with(|a| a.smtp_url = Some(url.as_str().into())).await;
    let alice = api(&ts, "alice@example.com").await;
    let s = server_with(&alice, &[]).await;
    let sid = s.server.id;

    let sent: InviteSent =
        alice.post(&format!("/api/servers/{sid}/invites/send"), json!({"to": " newbie@example.com "})).await;
    assert_eq!((sent.delivery, sent.to.is_none(), sent.invite.max_uses), (InviteDelivery::Email, true, Some(1)));
    let mail = smtp.mail().await;
    assert!(mail.contains("To: newbie@example.com"), "{mail}");
    assert!(mail.contains("Subject: alice invited you to Study group on pq"), "{mail}");
    let code = sent.invite.code.0.clone();
    assert!(mail.contains(&format!("pq://invite/{code}")), "the mail has the link that opens pq: {mail}");
    let page_url = format!("{}/invite/{code}", ts.url);
    assert!(mail.contains(&page_url), "and the page's: {mail}");

    // The page, for someone not signed in: who, where, and the link into pq.
    let page = reqwest::get(&page_url).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("href=\"pq://invite/{code}\"")), "{html}");
    assert!(html.contains("<b>alice</b> invited you to join <b>Study group</b>"), "{html}");

    // They sign up with that address and accept: they are in.
    let newbie = api(&ts, "newbie@example.com").await;
    let joined: ServerState = newbie.post(&format!("/api/invites/{code}/accept"), json!({})).await;
    assert_eq!(joined.server.id, sid);
    // Used once, it is spent: the page says so.
    let spent = reqwest::get(&page_url).await.unwrap();
    assert_eq!(spent.status(), 410);
    assert!(spent.text().await.unwrap().contains("This invite does not work"));
    let nowhere = reqwest::get(format!("{}/invite/not-a-code", ts.url)).await.unwrap();
    assert_eq!(nowhere.status(), 404);
}

#[tokio::test]
async fn an_invite_in_the_app_waits_until_answered_and_without_mail_the_inviter_is_told() {
    let ts = TestServer::start().await;
    let alice = api(&ts, "alice@example.com").await;
    let bob = api(&ts, "bob@example.com").await;
    let carol = api(&ts, "carol@example.com").await;
    let dave = api(&ts, "dave@example.com").await;
    let s = server_with(&alice, &[]).await;
    let sid = s.server.id;
    let send = format!("/api/servers/{sid}/invites/send");
    let mut bob_gw = Gw::connect(&ts.url, &bob.token).await;

    // Bob, by the address of his account: his app hears of it at once.
    let sent: InviteSent = alice.post(&send, json!({"to": "BOB@example.com"})).await;
    assert_eq!(sent.delivery, InviteDelivery::InApp);
    assert_eq!(sent.to.as_ref().map(|u| u.display_name.as_str()), Some("bob"));
    match bob_gw.event("invite_received", |e| matches!(e, Event::InviteReceived { .. })).await {
        Event::InviteReceived { invite } => {
            assert_eq!(
                (invite.preview.server_name.as_str(), invite.preview.inviter.display_name.as_str()),
                ("Study group", "alice")
            );
        }
        _ => unreachable!(),
    }
    let waiting: Vec<PendingInvite> = bob.get("/api/users/@me/invites").await;
    assert_eq!(waiting.len(), 1);
    let fresh = Gw::connect(&ts.url, &bob.token).await;
    assert_eq!(fresh.ready.as_ref().unwrap().invites.len(), 1, "ready carries it too");
    // He declines: it is gone, on every device.
    let code = sent.invite.code.0.clone();
    let (st, _) = bob.call(Method::DELETE, &format!("/api/users/@me/invites/{code}"), None).await;
    assert_eq!(st, 204);
    bob_gw.event("invite_resolved", |e| matches!(e, Event::InviteResolved { code: c } if c.0 == code)).await;
    assert!(bob.get::<Vec<PendingInvite>>("/api/users/@me/invites").await.is_empty());
    bob.fails(Method::DELETE, &format!("/api/users/@me/invites/{code}"), None, 404, "not_found").await;

    // Carol, by username: she accepts, twice, harmlessly.
    let _: pq_protocol::models::Me =
        carol.ok(Method::PATCH, "/api/users/@me", Some(json!({"username": "carol.k"}))).await;
    let sent: InviteSent = alice.post(&send, json!({"to": "@Carol.K"})).await;
    let accept = format!("/api/invites/{}/accept", sent.invite.code.0);
    let first: ServerState = carol.post(&accept, json!({})).await;
    let again: ServerState = carol.post(&accept, json!({})).await;
    assert_eq!((first.server.id, again.server.id), (sid, sid));
    assert!(carol.get::<Vec<PendingInvite>>("/api/users/@me/invites").await.is_empty());

    // What cannot be: oneself, a member, nobody, nonsense, someone who
    // blocked the inviter, an inviter without the permission.
    alice.fails(Method::POST, &send, Some(json!({"to": "alice@example.com"})), 409, "conflict").await;
    alice.fails(Method::POST, &send, Some(json!({"to": "carol.k"})), 409, "conflict").await;
    alice.fails(Method::POST, &send, Some(json!({"to": "@nobody_here"})), 404, "not_found").await;
    alice.fails(Method::POST, &send, Some(json!({"to": "not an address"})), 422, "invalid_field").await;
    let alice_id = id(&alice).await;
    let _: serde_json::Value = dave
        .ok(Method::PUT, &format!("/api/users/@me/relationships/{alice_id}"), Some(json!({"kind": "blocked"})))
        .await;
    alice.fails(Method::POST, &send, Some(json!({"to": "dave@example.com"})), 403, "forbidden").await;
    let _: ServerRole = alice
        .ok(Method::PATCH, &format!("/api/servers/{sid}/roles/{sid}"), Some(json!({"permissions": ["send_messages"]})))
        .await;
    carol.fails(Method::POST, &send, Some(json!({"to": "bob@example.com"})), 403, "forbidden").await;

    // An address with no account, and no mail from this server: the
    // inviter is told, and has the link to pass on.
    let sent: InviteSent = alice.post(&send, json!({"to": "stranger@example.com"})).await;
    assert_eq!(sent.delivery, InviteDelivery::NotSent);
    assert!(sent.invite.url.starts_with("pq://invite/"));
}
