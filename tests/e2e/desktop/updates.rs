//! Updates of pq in the real window: the server publishes a newer build
//! (an update manifest and the build, signed with the publisher's key, as
//! files under /updates); pq finds it at start, says so in Settings →
//! About, downloads it with its signature checked and offers "Restart to
//! update"; a build tampered with after signing is refused and never
//! installed.
//!
//! The key pair is made here with the Tauri CLI (as `scripts/update-keys`
//! makes the real one); this debug build trusts its public half through
//! `PQ_UPDATE_PUBKEY`.

use std::{path::Path, process::Command};

use super::harness::Desktop;
use crate::common::{TestServer, checkout};

fn tauri_cli() -> std::path::PathBuf {
    checkout().join("ui/node_modules/.bin/tauri")
}

/// Makes an update key pair in `dir` (as `scripts/update-keys` makes the
/// real one): the private key's path and the public key.
pub(super) fn make_key(dir: &Path) -> (std::path::PathBuf, String) {
    let key = dir.join("update.key");
    let made = Command::new(tauri_cli())
        .args(["signer", "generate", "--ci", "-p", "", "-f", "-w"])
        .arg(&key)
        .output()
        .expect("the Tauri CLI runs");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let pubkey = std::fs::read_to_string(key.with_extension("key.pub")).unwrap();
    (key, pubkey.trim().to_owned())
}

/// Publishes `build` (a .deb, copied into the server's updates) as pq
/// `version`, signed with `key`, in the manifest pq asks for.
pub(super) fn publish(server: &TestServer, key: &Path, build: &Path, version: &str, notes: &str) -> std::path::PathBuf {
    let updates = server.data_dir().join("updates");
    std::fs::create_dir_all(&updates).unwrap();
    let name = format!("pq_{version}_amd64.deb");
    let published = updates.join(&name);
    if build != published {
        std::fs::copy(build, &published).unwrap();
    }
    let signature = sign(key, &published);
    let platform = serde_json::json!({ "signature": signature, "url": format!("{}/updates/{name}", server.url) });
    let manifest = serde_json::json!({
        "version": version,
        "notes": notes,
        "pub_date": "2026-12-06T00:00:00Z",
        "platforms": { "linux-x86_64": platform, "linux-x86_64-deb": platform },
    });
    std::fs::write(updates.join("latest.json"), manifest.to_string()).unwrap();
    published
}

/// Signs `file` with the private key at `key`; returns the signature.
fn sign(key: &Path, file: &Path) -> String {
    let out = Command::new(tauri_cli())
        .args(["signer", "sign", "-f"])
        .arg(key)
        .args(["-p", ""])
        .arg(file)
        .output()
        .expect("the Tauri CLI runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::read_to_string(file.with_extension("deb.sig")).expect("a signature file")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_update_is_offered_and_a_tampered_one_refused() {
    let keys = tempfile::tempdir().unwrap();
    let (key, pubkey) = make_key(keys.path());

    let server = TestServer::start().await;
    // The "newer build": bytes standing for the package (the updater checks
    // the signature before anything is installed; this test installs
    // nothing: `package.rs` installs a real newer build).
    let stand_in = keys.path().join("stand-in.deb");
    std::fs::write(&stand_in, b"!<arch>\ndebian-binary   pq 9.0.0 stand-in build\n".repeat(20_000)).unwrap();
    let build = publish(&server, &key, &stand_in, "9.0.0", "Faster start");
    let updates = server.data_dir().join("updates");

    let desktop = Desktop::start_with_env(&server.url, &[("PQ_UPDATE_PUBKEY", &pubkey)]).await;
    desktop.sign_in("minji@example.com", "Minji").await;
    desktop.click("#open-settings").await;
    // Found at start.
    desktop.wait_text("#update .update-found", "pq 9.0.0 is available.").await;
    desktop.wait_text("#update .update-found", "Faster start").await;
    desktop.js("document.getElementById('about').scrollIntoView()").await;
    desktop.click("#download-update").await;
    desktop.wait_text("#restart-update", "Restart to update").await;
    desktop.js("document.getElementById('about').scrollIntoView()").await;
    desktop.screenshot("update").await;

    // Tampered with after signing: refused, nothing to restart into.
    let mut bytes = std::fs::read(&build).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&build, bytes).unwrap();
    desktop.click("#check-update").await;
    desktop.wait_text("#download-update", "Download").await;
    desktop.click("#download-update").await;
    desktop.wait_text("#update .update-error", "not signed by pq's publisher").await;
    assert!(desktop.js("return document.getElementById('restart-update') === null").await.as_bool().unwrap());

    // Nothing published (the server answers 204): up to date.
    std::fs::remove_file(updates.join("latest.json")).unwrap();
    desktop.click("#check-update").await;
    desktop.wait_text("#update .update-note", "pq is up to date.").await;
    desktop.wait_gone("#update .update-found").await;
}
