//! The .deb as people get it: installed with `apt-get install ./pq_….deb`
//! (its declared dependencies resolved by apt), the installed pq started on
//! a virtual display, `pq://invite/…` opened by the system (`xdg-open`) with
//! pq not running (it starts with the invite) and running (the running
//! window gets it: one instance), the tray icon, a clean quit from the tray,
//! and `apt-get remove` leaving no pq behind. With `PQ_PACKAGE_UPDATE`
//! naming a newer build's .deb (check-package builds the same pq one
//! version up), the running pq also updates itself to it, as a person does:
//! the server publishes it signed, Settings → About downloads it and
//! "Restart to update" installs it (dpkg, through pkexec or sudo as the
//! updater asks for the system's password) and starts the new version.
//!
//! It installs system-wide, so it runs only when `PQ_PACKAGE_DEB` names a
//! package: `scripts/check-package` builds one and runs this test (as root,
//! or with sudo).

use std::{path::Path, process::Command};

use super::{WAIT, eventually, harness::Desktop, server_with_invite, someone, updates};
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

/// The version of pq dpkg has installed, if any.
fn installed_version() -> Option<String> {
    let out = Command::new("dpkg-query").args(["-W", "-f", "${Status} ${Version}", "pq"]).output().ok()?;
    let status = String::from_utf8_lossy(&out.stdout).into_owned();
    status.strip_prefix("install ok installed ").map(str::to_owned)
}

/// Processes running the installed pq as it is on disk now (not a file
/// since replaced or removed: `/proc/PID/exe` says "(deleted)" then).
fn current_pids() -> Vec<u32> {
    installed_pids()
        .into_iter()
        .filter(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|e| e == Path::new(INSTALLED)))
        .collect()
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
    let keys = tempfile::tempdir().unwrap();
    let (key, pubkey) = updates::make_key(keys.path());
    // The publisher's key for this test (a debug build trusts it this way).
    let mut desktop = Desktop::prepare_with_env(&server.url, &[("PQ_UPDATE_PUBKEY", &pubkey)]).await;

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
    let mut icon = desktop.tray_icon().await;

    if let Some(newer) = std::env::var_os("PQ_PACKAGE_UPDATE") {
        // The newer build, published signed; pq_VERSION_amd64.deb.
        let newer = std::fs::canonicalize(newer).expect("the newer package exists");
        let name = newer.file_name().unwrap().to_string_lossy().into_owned();
        let version =
            name.strip_prefix("pq_").and_then(|n| n.strip_suffix("_amd64.deb")).expect("pq_VERSION_amd64.deb");
        let before = installed_version().expect("pq is installed");
        assert_ne!(before, version, "the update is a newer version than the one installed");
        updates::publish(&server, &key, &newer, version, "The newer build");
        let old = installed_pids();
        desktop.click("#open-settings").await;
        desktop.js("document.getElementById('about').scrollIntoView()").await;
        desktop.click("#check-update").await;
        desktop.wait_text("#update .update-found", &format!("pq {version} is available.")).await;
        desktop.click("#download-update").await;
        desktop.wait_text("#restart-update", "Restart to update").await;
        desktop.click("#restart-update").await;
        // Installed by the system's package manager, and the new pq running
        // in place of the old.
        eventually("dpkg to have the update installed", WAIT, || async {
            (installed_version().as_deref() == Some(version)).then_some(())
        })
        .await;
        let started = eventually("the updated pq to start", WAIT, || async {
            let pids: Vec<u32> = current_pids().into_iter().filter(|p| !old.contains(p)).collect();
            (!pids.is_empty() && old.iter().all(|p| !installed_pids().contains(p))).then_some(pids)
        })
        .await;
        assert_eq!(started.len(), 1, "one pq after the restart");
        let log = desktop.log_path();
        let says = format!("pq starting version={version}");
        eventually("the new pq to say its version", WAIT, || {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let says = says.clone();
            async move { text.contains(&says).then_some(()) }
        })
        .await;
        // Its own tray icon (the old one went with the old pq).
        let old_icon = icon.clone();
        icon = eventually("the updated pq's tray icon", WAIT, || {
            let items = desktop.tray().items();
            let old_icon = old_icon.clone();
            async move { items.last().filter(|i| **i != old_icon).cloned() }
        })
        .await;
    }

    desktop.tray().click(&icon, "Quit pq").await;
    desktop.wait_exited().await;

    apt(&["remove", "-y", "pq"]);
    assert!(!Path::new(INSTALLED).exists());
    eventually("no pq left running", WAIT, || async { installed_pids().is_empty().then_some(()) }).await;
}
