//! The app's own settings (not the account's): kept in a small JSON file in
//! the app's config directory.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::graphics::Acceleration;

/// What the person chose in Settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct Settings {
    /// Closing the window hides pq to the tray instead of quitting.
    pub close_to_tray: bool,
    /// Desktop notifications for new messages.
    pub notifications: bool,
    /// `system`, `light` or `dark`.
    pub theme: String,
    /// `system`, `en` or `ko`.
    pub language: String,
    /// The microphone for calls (a device id; the system's default when none).
    pub microphone: Option<String>,
    /// The speakers for calls.
    pub speakers: Option<String>,
    /// The camera for calls.
    pub camera: Option<String>,
    /// Push-to-talk in calls: heard only while the key is held.
    pub push_to_talk: bool,
    /// Whether the window composites with the GPU (Linux).
    pub acceleration: Acceleration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            close_to_tray: true,
            notifications: true,
            theme: "system".into(),
            language: "system".into(),
            microphone: None,
            speakers: None,
            camera: None,
            push_to_talk: false,
            acceleration: Acceleration::Auto,
        }
    }
}

impl Settings {
    /// Where they live.
    #[must_use]
    pub fn path(config_dir: &Path) -> PathBuf {
        config_dir.join("settings.json")
    }

    /// Reads them (defaults when absent or unreadable).
    #[must_use]
    pub fn load(config_dir: &Path) -> Self {
        std::fs::read_to_string(Self::path(config_dir))
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default()
    }

    /// Writes them.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save(&self, config_dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(config_dir)?;
        let tmp = Self::path(config_dir).with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self).unwrap_or_default())?;
        std::fs::rename(tmp, Self::path(config_dir))
    }
}
