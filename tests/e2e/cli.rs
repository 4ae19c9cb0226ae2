//! The `pq` command line as a person or a bot uses it: a separate process
//! per command, tokens in the kernel keyring between them, the cache on disk.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Duration,
};

use pq_core::protocol::models::CreateInvite;

use crate::common::{Person, TestServer};

fn pq_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().and_then(Path::parent).unwrap().join(format!("pq{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.exists(), "{} is missing: build the workspace first", bin.display());
    bin
}

fn pq(server: &str, data: &Path) -> Command {
    let mut c = Command::new(pq_binary());
    c.args(["--server", server, "--keychain", "keyutils", "--wait", "5"]).arg("--data-dir").arg(data);
    c.env("BROWSER", "true"); // never open a real browser
    c
}

/// Pays at the stand-in of Toss's window for the checkout whose address
/// `pq buy` printed; returns where the browser is sent back to.
async fn pay_at(printed: &str) -> String {
    let url = printed.split_whitespace().find(|w| w.starts_with("http")).expect("the checkout address");
    let browser = pq_server::idp::devclient::browser();
    pq_server::idp::devclient::complete_checkout(&browser, url, pq_server::idp::devclient::PayOutcome::Pay, None)
        .await
        .expect("the checkout goes through")
}

fn run(mut c: Command) -> String {
    let out = c.output().expect("pq runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "pq failed: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_signs_in_chats_searches_and_follows() {
    let server = TestServer::start_with(|a| a.dev_admins = vec!["cli@example.com".into()]).await;
    let data = tempfile::tempdir().unwrap();

    // pq login prints the address; the test is the person at the browser.
    let mut login = pq(&server.url, data.path());
    login.arg("login").stderr(Stdio::piped()).stdout(Stdio::piped());
    let mut child = login.spawn().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let url = tokio::task::spawn_blocking(move || {
        stderr.lines().map_while(Result::ok).find_map(|l| l.trim().starts_with("http").then(|| l.trim().to_owned()))
    })
    .await
    .unwrap()
    .expect("pq login prints the sign-in address");
    let http = pq_server::idp::devclient::browser();
    let back = pq_server::idp::devclient::complete_federated(&http, &url, "Kakao", "cli@example.com", "Cli User")
        .await
        .unwrap();
    http.get(back).send().await.unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Signed in as Cli User"));

    // Which pq, which server.
    let version = run({
        let mut c = pq(&server.url, data.path());
        c.arg("version");
        c
    });
    // The commit it was built from (its build script asks git, as this does).
    let commit = Command::new("git")
        .args(["rev-parse", "--short=10", "HEAD"])
        .current_dir(crate::common::checkout())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(|| "unknown".to_owned(), |o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    assert!(version.starts_with(&format!("pq 0.1.0 ({commit}), protocol v1")), "{version}");
    assert!(version.contains(": pq-server 0.1.0, protocol v1"), "{version}");
    assert_eq!(
        run({
            let mut c = pq(&server.url, data.path());
            c.arg("--version");
            c
        })
        .trim(),
        format!("pq 0.1.0 ({commit})")
    );

    // Someone invites the bot.
    let owner = Person::sign_in(&server.url, "owner@example.com").await;
    let state = owner.client.create_server("Bots welcome").await.unwrap();
    let invite = owner.client.create_invite(state.server.id, CreateInvite::default()).await.unwrap();
    assert!(
        run({
            let mut c = pq(&server.url, data.path());
            c.args(["invite", "accept", &invite.url]);
            c
        })
        .contains("Joined Bots welcome")
    );
    assert!(
        run({
            let mut c = pq(&server.url, data.path());
            c.arg("servers");
            c
        })
        .contains("Bots welcome")
    );
    // A cold cache (another data directory, the same keychain): the command
    // waits for the first sync instead of answering "no server yet".
    let cold = tempfile::tempdir().unwrap();
    assert!(
        run({
            let mut c = pq(&server.url, cold.path());
            c.arg("servers");
            c
        })
        .contains("Bots welcome")
    );
    assert!(
        run({
            let mut c = pq(&server.url, data.path());
            c.args(["channels", "Bots welcome"]);
            c
        })
        .contains("general")
    );

    // Follow the channel in the background.
    let mut tail = pq(&server.url, data.path());
    tail.args(["--json", "tail", "Bots welcome/general"]).stdout(Stdio::piped()).stderr(Stdio::null());
    let mut tail = tail.spawn().unwrap();
    let tail_out = BufReader::new(tail.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in tail_out.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    tokio::time::sleep(Duration::from_secs(2)).await;

    assert!(
        run({
            let mut c = pq(&server.url, data.path());
            c.args(["send", "general", "안녕하세요 from the command line"]);
            c
        })
        .contains("Sent.")
    );
    let general = state.channels.iter().find(|c| c.name == "general").unwrap().id;
    owner.client.send(general, "welcome, bot", None).await.unwrap();

    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while seen.len() < 2 && std::time::Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            let m: pq_core::protocol::models::Message =
                serde_json::from_str(&line).expect("tail --json prints messages");
            seen.push(m.body);
        }
    }
    let _ = tail.kill();
    let _ = tail.wait();
    assert!(seen.contains(&"welcome, bot".to_owned()), "tail saw {seen:?}");

    let history = run({
        let mut c = pq(&server.url, data.path());
        c.args(["--json", "history", "general"]);
        c
    });
    let bodies: Vec<String> =
        history.lines().map(|l| serde_json::from_str::<pq_core::protocol::models::Message>(l).unwrap().body).collect();
    assert_eq!(bodies, ["안녕하세요 from the command line", "welcome, bot"]);

    // A file from the command line: uploaded, received, listed, saved.
    let report = data.path().join("report.csv");
    let csv = "day,visitors\n".to_owned() + &"mon,42\n".repeat(500);
    std::fs::write(&report, &csv).unwrap();
    assert!(
        run({
            let mut c = pq(&server.url, data.path());
            c.args(["send", "general", "weekly numbers", "--file"]).arg(&report);
            c
        })
        .contains("Sent.")
    );
    crate::common::wait_for(15, "the owner to receive the file", || {
        futures_util::FutureExt::now_or_never(owner.history(general))
            .is_some_and(|h| h.iter().any(|m| m.body == "weekly numbers"))
    })
    .await;
    let got = owner.history(general).await;
    let with_file = got.iter().find(|m| m.body == "weekly numbers").expect("the owner has the message");
    assert_eq!(with_file.attachments.len(), 1);
    let file = &with_file.attachments[0];
    assert_eq!((file.filename.as_str(), file.size), ("report.csv", csv.len() as u64));
    let listed = run({
        let mut c = pq(&server.url, data.path());
        c.args(["history", "general"]);
        c
    });
    assert!(listed.contains(&format!("📎 report.csv ({} bytes", csv.len())), "{listed}");
    let saved = tempfile::tempdir().unwrap();
    assert!(
        run({
            let mut c = pq(&server.url, data.path());
            c.args(["download", &file.id.to_string(), "--name", "copy.csv", "--to"]).arg(saved.path());
            c
        })
        .contains("Saved")
    );
    assert_eq!(std::fs::read_to_string(saved.path().join("copy.csv")).unwrap(), csv);
    // Authors by name, also from a cache that never saw the member list.
    for dir in [data.path(), cold.path()] {
        let history = run({
            let mut c = pq(&server.url, dir);
            c.args(["history", "general"]);
            c
        });
        let owner_name = owner.client.me().unwrap().display_name;
        assert!(history.contains("Cli User: 안녕하세요 from the command line"), "{history}");
        assert!(history.contains(&format!("{owner_name}: welcome, bot")), "{history}");
    }
    assert!(
        run({
            let mut c = pq(&server.url, data.path());
            c.args(["search", "안녕"]);
            c
        })
        .contains("command line")
    );
    let created = run({
        let mut c = pq(&server.url, data.path());
        c.args(["invite", "create", "Bots welcome", "--max-uses", "3"]);
        c
    });
    assert!(created.starts_with("pq://invite/"), "{created}");

    // A status for an hour and an about text: the owner's app sees them.
    let status = run({
        let mut c = pq(&server.url, data.path());
        c.args(["status", "dnd", "--text", "시험 공부 중", "--for", "1h"]);
        c
    });
    assert!(status.starts_with("do not disturb · 시험 공부 중 (until "), "{status}");
    let profile = run({
        let mut c = pq(&server.url, data.path());
        c.args(["profile", "--about", "A bot that reads", "--username", "Reading.Bot"]);
        c
    });
    assert!(profile.contains("A bot that reads"), "{profile}");
    assert!(profile.starts_with("Cli User @reading.bot"), "{profile}");
    let bot = state.server.id;
    let bot =
        owner.client.members(bot).unwrap().into_iter().find(|m| m.user.display_name == "Cli User").unwrap().user.id;
    let card = owner.client.profile(bot).await.unwrap();
    assert_eq!(card.about.as_deref(), Some("A bot that reads"));
    assert_eq!(card.user.custom_status.map(|c| c.text).as_deref(), Some("시험 공부 중"));
    let now = run({
        let mut c = pq(&server.url, data.path());
        c.args(["--json", "status"]);
        c
    });
    let now: serde_json::Value = serde_json::from_str(now.trim()).unwrap();
    assert_eq!((now["status"].as_str(), now["custom_status"]["text"].as_str()), (Some("dnd"), Some("시험 공부 중")));
    assert!(
        run({
            let mut c = pq(&server.url, data.path());
            c.args(["status", "online", "--clear"]);
            c
        })
        .trim()
            == "online"
    );

    // Friends: the owner asks the bot by email; the bot lists and accepts
    // by name; blocks and unblocks.
    let owner_id = owner.client.me().unwrap().id;
    owner.client.add_friend_by("cli@example.com").await.unwrap();
    let friends = |args: &[&str]| {
        run({
            let mut c = pq(&server.url, data.path());
            c.arg("friends").args(args);
            c
        })
    };
    let list = friends(&[]);
    assert!(list.contains("owner") && list.contains("asked you"), "{list}");
    assert!(friends(&["accept", "OWNER"]).contains("owner  friend"));
    crate::common::wait_for(10, "the owner to see the bot as a friend", || {
        owner.client.relationship(bot).unwrap() == Some(pq_core::protocol::models::RelationshipKind::Friend)
    })
    .await;
    assert!(friends(&["block", &owner_id.to_string()]).contains("owner  blocked"));
    friends(&["unblock", "owner"]);
    assert!(friends(&[]).contains("No friends yet"));

    // Direct messages: write to the owner by name (a server mate), read the
    // conversation back, and list it with its unread count once answered.
    let cli = |args: &[&str]| {
        run({
            let mut c = pq(&server.url, data.path());
            c.args(args);
            c
        })
    };
    assert!(cli(&["dms"]).contains("No direct messages yet"));
    assert!(cli(&["dm", "owner", "안녕하세요, a question about the server"]).contains("Sent"));
    crate::common::wait_for(10, "the owner to have the conversation", || owner.client.dm_with(bot).unwrap().is_some())
        .await;
    let dm = owner.client.dm_with(bot).unwrap().unwrap();
    owner.client.send(dm, "ask away", None).await.unwrap();
    crate::common::wait_for(10, "the answer to be stored", || {
        futures_util::FutureExt::now_or_never(owner.history(dm)).is_some_and(|h| h.len() == 2)
    })
    .await;
    let conversation = cli(&["dm", "owner"]);
    assert!(
        conversation.contains("안녕하세요, a question") && conversation.contains("owner: ask away"),
        "{conversation}"
    );
    let list = cli(&["dms"]);
    assert!(list.contains(&format!("{dm}  owner")), "{list}");

    // Running a server of its own: create, invite, rename, ban (the owner
    // of the other server joined), list, unban, delete after confirming.
    assert!(cli(&["server", "create", "Bot lab"]).starts_with("Created Bot lab"));
    let link = cli(&["invite", "create", "Bot lab"]);
    let url = link.split_whitespace().next().unwrap_or_default();
    let lab_code = pq_core::protocol::InviteCode(url.trim_start_matches("pq://invite/").to_owned());
    owner.client.accept_invite(&lab_code).await.expect("the owner joins the bot's server");
    assert!(cli(&["server", "rename", "Bot lab", "Robot lab"]).contains("Renamed to Robot lab"));
    assert!(cli(&["server", "ban", "Robot lab", "owner", "--purge", "hour"]).contains("Banned owner"));
    assert!(cli(&["server", "bans", "Robot lab"]).contains("owner"));
    let refused = owner.client.accept_invite(&lab_code).await.expect_err("banned");
    assert!(refused.to_string().contains("banned"), "{refused}");
    assert!(cli(&["server", "unban", "Robot lab", "owner"]).contains("may join Robot lab again"));
    owner.client.accept_invite(&lab_code).await.expect("welcome back");
    // Roles: made, listed highest first, given, taken; bad names say what is allowed.
    let made =
        cli(&["role", "create", "Robot lab", "Mods", "--color", "#2e8b57", "--allow", "kick_members,ban_members"]);
    assert!(made.contains("Created the role Mods"), "{made}");
    let listed = cli(&["role", "list", "Robot lab"]);
    assert!(listed.starts_with("1  Mods  #2e8b57  (kick_members, ban_members)"), "{listed}");
    assert!(listed.contains("0  @everyone"), "{listed}");
    assert!(cli(&["role", "give", "Robot lab", "mods", "owner"]).contains("owner now has the role Mods"));
    crate::common::wait_for(10, "the owner's app to see the role", || {
        owner
            .client
            .servers()
            .unwrap()
            .iter()
            .any(|s| s.permissions.contains(&pq_core::protocol::models::Permission::KickMembers))
    })
    .await;
    assert!(cli(&["role", "take", "Robot lab", "Mods", "owner"]).contains("no longer has the role Mods"));
    // A private channel: Mods only.
    let private = cli(&["access", "Robot lab/general", "--private", "--role", "Mods"]);
    assert!(private.contains("#general is private: roles Mods"), "{private}");
    assert!(cli(&["access", "Robot lab/general"]).contains("is private"));
    assert!(cli(&["access", "Robot lab/general", "--public"]).contains("seen by everyone in Robot lab"));
    let wrong =
        pq(&server.url, data.path()).args(["role", "create", "Robot lab", "X", "--allow", "fly"]).output().unwrap();
    assert!(!wrong.status.success() && String::from_utf8_lossy(&wrong.stderr).contains("kick_members"));
    assert!(cli(&["role", "delete", "Robot lab", "Mods"]).contains("Deleted the role Mods"));
    // Invites by address: no account has it and this server sends no mail.
    let sent = cli(&["invite", "send", "Robot lab", "friend@example.com"]);
    assert!(sent.contains("send them pq://invite/"), "{sent}");
    assert!(cli(&["invite", "list"]).contains("No invite waits for you."));
    let wrong =
        pq(&server.url, data.path()).args(["server", "delete", "Robot lab", "--confirm", "robot"]).output().unwrap();
    assert!(!wrong.status.success() && String::from_utf8_lossy(&wrong.stderr).contains("--confirm"));
    assert!(cli(&["server", "delete", "Robot lab", "--confirm", "Robot lab"]).contains("Deleted Robot lab"));

    // A month of Premium: pq buy gives the checkout page's address; the test
    // pays at the stand-in of Toss; then the membership, the administrators'
    // list and reconciliation, and the payment taken back.
    let bought = cli(&["buy", "premium", "--no-browser"]);
    assert!(pay_at(&bought).await.starts_with("pq://payment/success"));
    let membership = cli(&["membership"]);
    assert!(membership.starts_with("Plan: premium (renew by "), "{membership}");
    let order = membership.lines().nth(1).and_then(|l| l.split_whitespace().next()).unwrap().to_owned();
    assert!(membership.contains("₩5000  paid"), "{membership}");
    assert!(cli(&["admin", "payments"]).contains("Taken in ₩5000, given back ₩0"));
    assert!(cli(&["admin", "reconcile"]).contains("agree (1 orders checked)"));
    assert!(cli(&["refund", &order]).contains("refunded"));
    let ledger = cli(&["ledger", &order]);
    let actions: Vec<&str> = ledger.lines().filter_map(|l| l.split_whitespace().nth(2)).collect();
    assert_eq!(actions, ["created", "paid", "refunded"], "{ledger}");
    assert!(cli(&["membership"]).starts_with("Plan: free"));
    // A paid event: made, an entry bought, ended, drawn, and the draw checked
    // by pq's own code from what the server published.
    let made = cli(&["admin", "event-create", "Year-end draw", "--hours", "24"]);
    let event = made.split_whitespace().next().unwrap().to_owned();
    assert!(made.contains("Open") && made.contains("₩1500 an entry"), "{made}");
    let not_yet = pq(&server.url, data.path()).args(["event", "verify", &event]).output().unwrap();
    assert!(!not_yet.status.success() && String::from_utf8_lossy(&not_yet.stderr).contains("not drawn yet"));
    let bought = cli(&["event", "buy", &event, "2", "--no-browser"]);
    pay_at(&bought).await;
    assert!(cli(&["event", "list"]).contains("pot ₩3000  2 entries of 1 people"));
    assert!(cli(&["admin", "event-action", &event, "end"]).contains("Closed"));
    assert!(cli(&["admin", "event-action", &event, "draw"]).contains("winner"));
    let verdict = cli(&["event", "verify", &event]);
    assert!(verdict.contains("seed matches the commitment") && verdict.contains("The draw holds."), "{verdict}");
    assert!(verdict.contains("Recomputed winner: Cli User"), "{verdict}");

    assert!(
        run({
            let mut c = pq(&server.url, data.path());
            c.arg("logout");
            c
        })
        .contains("Signed out")
    );
    // An error is one line of what to do, even with RUST_BACKTRACE set.
    let after = pq(&server.url, data.path()).arg("servers").env("RUST_BACKTRACE", "1").output().unwrap();
    let stderr = String::from_utf8_lossy(&after.stderr);
    assert!(!after.status.success() && stderr.contains("pq login"), "{stderr}");
    assert!(!stderr.contains("backtrace") && stderr.lines().count() <= 2, "{stderr}");
}
