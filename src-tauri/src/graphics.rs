//! How the window draws: with the GPU (WebKit's GL compositing) or without.
//!
//! WebKitGTK composites the page with OpenGL by default. Without a graphics
//! processor (a virtual machine, a remote desktop, a container) that GL is
//! Mesa's software rasteriser, and compositing only adds copies: every
//! scrolling area gets tiles of its own beyond what is on screen, about
//! 80 MiB more for pq's chat screen than drawing straight into the window
//! (BENCHMARKS.md), and more CPU to draw them. So by default pq composites
//! only when the machine has a GPU; Settings can force either way (as
//! Discord's "Hardware acceleration" does). Other platforms' webviews decide
//! for themselves: the setting applies on Linux only.

use serde::{Deserialize, Serialize};

/// The person's choice in Settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Acceleration {
    /// With the GPU when the machine has one.
    #[default]
    Auto,
    /// Always composite with OpenGL (software GL where there is no GPU).
    On,
    /// Never: WebKit draws into the window on the CPU.
    Off,
}

impl Acceleration {
    /// Whether the window composites with OpenGL, given whether the machine
    /// has a GPU.
    #[must_use]
    pub fn enabled(self, gpu: bool) -> bool {
        match self {
            Self::Auto => gpu,
            Self::On => true,
            Self::Off => false,
        }
    }
}

/// Whether this machine has a GPU to render with: a DRM render node
/// (`/dev/dri/renderD*`, what Mesa drivers use) or NVIDIA's own driver
/// (`/dev/nvidiactl`, also without its DRM module), and no
/// `LIBGL_ALWAYS_SOFTWARE`. Without one, OpenGL on Linux is software
/// rendering.
#[must_use]
pub fn has_gpu() -> bool {
    if std::env::var_os("LIBGL_ALWAYS_SOFTWARE").is_some_and(|v| v != "0" && !v.is_empty()) {
        return false;
    }
    let render_node = std::fs::read_dir("/dev/dri")
        .is_ok_and(|entries| entries.flatten().any(|e| e.file_name().to_string_lossy().starts_with("renderD")));
    render_node || std::path::Path::new("/dev/nvidiactl").exists()
}

/// Applies `accelerated` to the window's webview (at once: WebKit leaves or
/// enters compositing mode on the fly).
pub fn apply(window: &tauri::WebviewWindow, accelerated: bool) {
    #[cfg(target_os = "linux")]
    {
        let applied = window.with_webview(move |webview| {
            use webkit2gtk::{HardwareAccelerationPolicy as Policy, SettingsExt, WebViewExt};
            if let Some(settings) = webview.inner().settings() {
                settings.set_hardware_acceleration_policy(if accelerated { Policy::Always } else { Policy::Never });
                // As WebKit now has it (it may refuse where GL is missing).
                let accelerated = settings.hardware_acceleration_policy() != Policy::Never;
                tracing::debug!(accelerated, "window compositing");
            }
        });
        if let Err(e) = applied {
            tracing::warn!(error = %e, "cannot change how the window draws");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (window, accelerated);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_follows_the_gpu_and_the_person_can_force_either_way() {
        assert!(Acceleration::Auto.enabled(true));
        assert!(!Acceleration::Auto.enabled(false));
        assert!(Acceleration::On.enabled(false));
        assert!(!Acceleration::Off.enabled(true));
    }

    #[test]
    fn the_setting_is_saved_in_words_and_defaults_to_auto() {
        assert_eq!(serde_json::to_string(&Acceleration::Off).unwrap(), "\"off\"");
        let s: crate::settings::Settings = serde_json::from_str("{\"theme\":\"dark\"}").unwrap();
        assert_eq!(s.acceleration, Acceleration::Auto);
        let s: crate::settings::Settings = serde_json::from_str("{\"acceleration\":\"on\"}").unwrap();
        assert_eq!(s.acceleration, Acceleration::On);
    }
}
