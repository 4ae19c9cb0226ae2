//! Updates of pq itself, through Tauri's updater: the server pq is connected
//! to publishes them (`{server}/updates/latest.json` and the signed builds it
//! names; see pq-server's `/updates`), and pq installs only a build signed
//! with the key whose public half is built into it (`plugins.updater.pubkey`
//! in tauri.conf.json, made by `scripts/update-keys`; a tampered or foreign
//! build fails the signature check and is never installed).
//!
//! Checked once at start (quietly) and from Settings → About; the download
//! shows its progress; "Restart to update" installs and restarts. Endpoints
//! are https, or plain http on loopback only (a local server and the tests).

use std::sync::Mutex;

use serde::Serialize;
use tauri::AppHandle;
use tauri_plugin_updater::{Update, UpdaterExt};

use crate::{CommandError, Desktop, UiEvent, lock};

/// An update the server offers.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct UpdateInfo {
    /// Its version.
    pub version: String,
    /// What changed, as its publisher wrote it.
    pub notes: Option<String>,
}

/// The update found, and its verified bytes once downloaded.
#[derive(Default)]
pub struct Pending {
    update: Option<Update>,
    bytes: Option<Vec<u8>>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("version", &self.update.as_ref().map(|u| u.version.clone()))
            .field("downloaded", &self.bytes.is_some())
            .finish()
    }
}

/// The state kept for updates (in [`Desktop`]).
pub type State = Mutex<Pending>;

fn failed(e: impl std::fmt::Display) -> CommandError {
    CommandError::new("update", e.to_string())
}

/// Where the server publishes updates, if it may be asked (https, or http
/// on loopback).
fn endpoint(server: &url::Url) -> Option<url::Url> {
    let loopback = match server.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    (server.scheme() == "https" || (server.scheme() == "http" && loopback))
        .then(|| server.join("updates/latest.json").ok())?
}

impl Desktop {
    /// Asks the server whether a newer pq is published.
    ///
    /// # Errors
    /// `update` when the server cannot be asked or its answer is unreadable.
    pub async fn check_update(&self) -> Result<Option<UpdateInfo>, CommandError> {
        let Some(url) = endpoint(&self.config.server) else {
            return Err(failed("updates come only from an https server (or one on this computer)"));
        };
        let builder = self.app.updater_builder().endpoints(vec![url]).map_err(failed)?;
        // Tests sign with a key of their own (debug builds only).
        #[cfg(debug_assertions)]
        let builder = match std::env::var("PQ_UPDATE_PUBKEY") {
            Ok(key) => builder.pubkey(key),
            Err(_) => builder,
        };
        let found = builder.build().map_err(failed)?.check().await.map_err(failed)?;
        let info = found.as_ref().map(|u| UpdateInfo { version: u.version.clone(), notes: u.body.clone() });
        *lock(&self.updates) = Pending { update: found, bytes: None };
        Ok(info)
    }

    /// Downloads the update found and checks its signature (progress as
    /// `update_progress` events).
    ///
    /// # Errors
    /// `update`: none found, the download failed, or the signature does not
    /// match (nothing is kept then).
    pub async fn download_update(&self) -> Result<(), CommandError> {
        let update = lock(&self.updates).update.clone().ok_or_else(|| failed("no update to download"))?;
        let mut received = 0u64;
        let result = update
            .download(
                |chunk, total| {
                    received += chunk as u64;
                    self.broadcast(&UiEvent::UpdateProgress { received, total });
                },
                || {},
            )
            .await;
        match result {
            Ok(bytes) => {
                lock(&self.updates).bytes = Some(bytes);
                tracing::info!(version = %update.version, "update downloaded and its signature checked");
                Ok(())
            }
            Err(e) => {
                tracing::warn!(version = %update.version, error = %e, "update refused");
                Err(failed(match e {
                    tauri_plugin_updater::Error::Minisign(_) | tauri_plugin_updater::Error::SignatureUtf8(_) => {
                        "this update is not signed by pq's publisher: it was not installed".to_owned()
                    }
                    other => other.to_string(),
                }))
            }
        }
    }

    /// Installs the downloaded update and starts pq again. The install is
    /// the system's (on Linux `dpkg -i` or `rpm -U` through pkexec, a
    /// graphical sudo, or sudo, asking for the password): it runs off the
    /// async runtime's workers, for as long as the person takes.
    ///
    /// # Errors
    /// `update`: nothing downloaded, or the system refused the install.
    pub async fn restart_to_update(&self, app: &AppHandle) -> Result<(), CommandError> {
        let (update, bytes) = {
            let p = lock(&self.updates);
            (p.update.clone(), p.bytes.clone())
        };
        let (Some(update), Some(bytes)) = (update, bytes) else {
            return Err(failed("download the update first"));
        };
        tauri::async_runtime::spawn_blocking(move || update.install(bytes)).await.map_err(failed)?.map_err(failed)?;
        tracing::info!("update installed; restarting");
        app.restart();
    }
}

#[cfg(test)]
mod tests {
    use super::endpoint;

    #[test]
    fn updates_come_from_https_or_this_computer() {
        let e = |s: &str| endpoint(&s.parse().unwrap()).map(|u| u.to_string());
        assert_eq!(e("https://pq.example/").as_deref(), Some("https://pq.example/updates/latest.json"));
        assert_eq!(e("http://127.0.0.1:8080").as_deref(), Some("http://127.0.0.1:8080/updates/latest.json"));
        assert_eq!(e("http://pq.example/"), None);
    }
}
