//! The .deb as people get it: installed with `apt-get install ./pq_….deb`
//! (its declared dependencies resolved by apt), the installed pq started on
//! a virtual display, `pq://invite/…` opened by the system (`xdg-open`) with
//! pq not running (it starts with the invite) and running (the running
//! window gets it: one instance), the tray icon, a clean quit from the tray,
//! and `apt-get remove` leaving no pq behind.
//!
//! It installs system-wide, so it runs only when `PQ_PACKAGE_DEB` names a
//! package: `scripts/check-package` builds one and runs this test (as root,
//! or with sudo).

use std::{path::Path, process::Command};

use super::{WAIT, eventually, harness::Desktop, server_with_invite, someone};
use crate::common::TestServer;

const INSTALLED: &str = "/usr/bin/pq-desktop";

fn apt(args: &[&str]) {
    let sudo = if is_root() { None } else { Some("sudo") };
    let mut c = match sudo {
        Some(s) => {
            let mut c = Command::new(s);
            c.arg("apt-get");
            c
        }
        None => Command::new("apt-get"),
    };
    let out = c.args(args).env("DEBIAN_FRONTEND", "noninteractive").output().expect("apt-get runs");
    assert!(
        out.status.success(),
        "apt-get {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

/// Processes running the installed pq (also after its file was removed).
fn installed_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let pid = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let exe = std::fs::read_link(e.path().join("exe")).ok()?;
            exe.to_string_lossy().starts_with(INSTALLED).then_some(pid)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_package_installs_opens_invite_links_and_goes_cleanly() {
    let Some(deb) = std::env::var_os("PQ_PACKAGE_DEB") else {
        eprintln!("skipped: PQ_PACKAGE_DEB names no package (scripts/check-package builds one and runs this)");
        return;
    };
    let deb = std::fs::canonicalize(deb).expect("the package exists");
    apt(&["install", "-y", "--no-install-recommends", &deb.to_string_lossy()]);
    assert!(Path::new(INSTALLED).exists(), "the package installs {INSTALLED}");
    let entry = std::fs::read_to_string("/usr/share/applications/pq.desktop").expect("a desktop entry");
    assert!(entry.contains("MimeType=x-scheme-handler/pq") && entry.contains("Exec=pq-desktop %u"), "{entry}");

    let server = TestServer::start().await;
    let owner = someone(&server, "Owner").await;
    let (_, code) = server_with_invite(&owner, "Book club").await;
    let link = format!("pq://invite/{code}");
    let mut desktop = Desktop::prepare(&server.url).await;

    // pq not running: the system's link handler starts the installed pq,
    // which takes the invite (kept until sign-in) and shows its window.
    assert!(!desktop.app_on_bus());
    // (xdg-open without a desktop environment runs the handler and waits
    // for it.)
    let mut opener = desktop.command("xdg-open").arg(&link).spawn().expect("xdg-open runs");
    eventually("the installed pq to start", WAIT, || async { desktop.app_on_bus().then_some(()) }).await;
    let log = desktop.log_path();
    eventually("pq to take the invite link", WAIT, || {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        async move { (text.contains("deep link") && text.contains("invite")).then_some(()) }
    })
    .await;
    assert!(!installed_pids().is_empty(), "it is the installed pq");
    // Its tray icon is there, and quitting from it ends pq.
    let icon = desktop.tray_icon().await;
    desktop.tray().click(&icon, "Quit pq").await;
    desktop.wait_exited().await;
    eventually("the cold-started pq to be gone", WAIT, || async { installed_pids().is_empty().then_some(()) }).await;
    let quit = opener.wait().expect("xdg-open ends with pq");
    assert!(quit.success(), "pq quit cleanly: {quit}");

    // pq running (the installed one, under WebDriver): the same link from
    // the system reaches the running window.
    desktop.launch_binary(Path::new(INSTALLED)).await;
    desktop.sign_in("minji@example.com", "Minji").await;
    let opened = desktop.command("xdg-open").arg(&link).status().expect("xdg-open runs");
    assert!(opened.success());
    desktop.wait_text("#invite-preview h3", "Book club").await;
    desktop.click("#accept-invite").await;
    desktop.wait_text(".server-name", "Book club").await;
    assert_eq!(installed_pids().len(), 1, "one pq: the link's second start handed it over and left");
    let icon = desktop.tray_icon().await;
    desktop.tray().click(&icon, "Quit pq").await;
    desktop.wait_exited().await;

    apt(&["remove", "-y", "pq"]);
    assert!(!Path::new(INSTALLED).exists());
    eventually("no pq left running", WAIT, || async { installed_pids().is_empty().then_some(()) }).await;
}
