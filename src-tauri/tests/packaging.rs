//! What the Linux packages promise: pq opens `pq://` links (the desktop entry
//! declares the scheme and passes the link on), the tray has its library,
//! and every icon the bundle lists exists.
//!
//! `./scripts/bundle` builds the real .deb and .rpm from this configuration.

use std::path::{Path, PathBuf};

/// This crate's directory in the checkout under test, as the runner says
/// at run time (a binary built in another checkout sharing the target
/// directory would look there).
fn dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).to_owned(), PathBuf::from)
}

fn conf() -> serde_json::Value {
    let dir = dir();
    serde_json::from_str(&std::fs::read_to_string(dir.join("tauri.conf.json")).unwrap()).unwrap()
}

#[test]
fn the_desktop_entry_hands_pq_links_to_the_app() {
    let conf = conf();
    assert_eq!(conf["plugins"]["deep-link"]["desktop"]["schemes"][0], "pq");
    for pkg in ["deb", "rpm"] {
        let template = conf["bundle"]["linux"][pkg]["desktopTemplate"].as_str().expect("a desktop template");
        let text = std::fs::read_to_string(dir().join(template)).unwrap();
        // Without a field code the launcher drops the link it was opened with.
        assert!(text.lines().any(|l| l.starts_with("Exec={{exec}} %u")), "{pkg}: {text}");
        // The bundler fills in x-scheme-handler/pq from the deep-link schemes.
        assert!(text.contains("MimeType={{mime_type}}"), "{pkg}: {text}");
        assert!(text.contains("StartupWMClass={{exec}}"), "{pkg}: the dock groups windows by it");
    }
}

#[test]
fn the_packages_depend_on_the_tray_library_and_ship_every_icon() {
    let conf = conf();
    let deb: Vec<&str> =
        conf["bundle"]["linux"]["deb"]["depends"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    assert!(deb.contains(&"libayatana-appindicator3-1"), "{deb:?}");
    let rpm: Vec<&str> =
        conf["bundle"]["linux"]["rpm"]["depends"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    assert!(rpm.contains(&"libayatana-appindicator-gtk3"), "{rpm:?}");
    for icon in conf["bundle"]["icon"].as_array().unwrap() {
        let path = dir().join(icon.as_str().unwrap());
        assert!(path.is_file(), "missing icon {}", path.display());
    }
}
