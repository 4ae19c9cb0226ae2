//! The last screen, drawn again at the next start before the app's script
//! has run (as a phone shows an app's last screen while it starts).
//!
//! While pq runs, the page saves what the main screen showed (its HTML,
//! dialogs and calls left out) and which channel that is through
//! `save_snapshot`; at the next start the page's HTML is served with it
//! inside `<div id="pq-snapshot" inert>`, so the window's first frame is
//! the channel the person left, and `startup` opens that same channel. The
//! page loads its script a frame later and removes the snapshot at its own
//! first frame (`ui/src/snapshot.ts`). Signing out forgets it. With a
//! snapshot, the page's stylesheet comes inside the HTML: one request fewer
//! before that first frame.

use std::{
    borrow::Cow,
    path::{Path, PathBuf},
    sync::OnceLock,
};

use pq_core::protocol::{ChannelId, ServerId};
use serde::{Deserialize, Serialize};
use tauri::{
    App, Assets, Manager, Runtime,
    utils::assets::{AssetKey, AssetsIter, CspHash},
};

/// The file, in pq's data directory.
const FILE: &str = "last-screen.json";

/// The main screen as the page showed it.
#[derive(Clone, Debug, Serialize, Deserialize, ts_rs::TS)]
pub struct LastScreen {
    /// The server shown.
    pub server_id: ServerId,
    /// The channel shown (a text channel).
    pub channel_id: ChannelId,
    /// What the screen showed, as HTML.
    pub html: String,
}

/// The most a snapshot may weigh (a channel's screen is ~100 KiB).
pub const MAX_BYTES: usize = 1024 * 1024;

/// Where the page's HTML has the snapshot put: right after React's root.
const ROOT: &str = r#"<div id="root"></div>"#;

/// Saves the last screen, or forgets it (`None`). Refuses what is too big or
/// could run anything (the page strips scripts and frames before saving;
/// this is the second check, as the HTML is served as part of the page).
///
/// # Errors
/// When the snapshot is refused or cannot be written.
pub fn save(data_dir: &Path, screen: Option<&LastScreen>) -> Result<(), String> {
    let path = data_dir.join(FILE);
    let Some(screen) = screen else {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.to_string()),
            _ => Ok(()),
        };
    };
    let html = &screen.html;
    if html.len() > MAX_BYTES {
        return Err(format!("a snapshot of {} bytes is over the limit of {MAX_BYTES}", html.len()));
    }
    if !safe(html) {
        return Err("a snapshot may not hold scripts, frames or objects".into());
    }
    std::fs::create_dir_all(data_dir).map_err(|e| e.to_string())?;
    // Whole or not at all: a new file, then renamed over the old one.
    let tmp = data_dir.join(format!("{FILE}.tmp"));
    std::fs::write(&tmp, serde_json::to_vec(screen).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, &path).map_err(|e| e.to_string())
}

/// No element that runs or embeds anything (text can hold none of these:
/// the page's serializer writes `<` in text as `&lt;`).
fn safe(html: &str) -> bool {
    let lower = html.to_ascii_lowercase();
    ["<script", "<iframe", "<object", "<embed", "<frame", "<base", "<meta", "<link"]
        .iter()
        .all(|tag| !lower.contains(tag))
}

/// The saved last screen, if there is one and it is still acceptable.
pub fn load(data_dir: &Path) -> Option<LastScreen> {
    let bytes = std::fs::read(data_dir.join(FILE)).ok()?;
    let screen: LastScreen = serde_json::from_slice(&bytes).ok()?;
    (screen.html.len() <= MAX_BYTES && safe(&screen.html)).then_some(screen)
}

/// The page's HTML with the saved snapshot in it, if there is one, and its
/// stylesheets (found by `asset`) in `<style>` elements.
fn with_snapshot<'a>(page: &[u8], data_dir: &Path, asset: impl Fn(&str) -> Option<Cow<'a, [u8]>>) -> Option<Vec<u8>> {
    let html = load(data_dir)?.html;
    let page = std::str::from_utf8(page).ok()?;
    let at = page.find(ROOT)? + ROOT.len();
    let mut out = String::with_capacity(page.len() + html.len() + 64 * 1024);
    inline_stylesheets(&page[..at], &asset, &mut out);
    out.push_str(r#"<div id="pq-snapshot" inert aria-hidden="true">"#);
    out.push_str(&html);
    out.push_str("</div>");
    out.push_str(&page[at..]);
    Some(out.into_bytes())
}

/// Copies `html` to `out` with each `<link rel="stylesheet" … href="…">`
/// whose file `asset` has replaced by a `<style>` holding it.
fn inline_stylesheets<'a>(mut html: &str, asset: &impl Fn(&str) -> Option<Cow<'a, [u8]>>, out: &mut String) {
    const LINK: &str = r#"<link rel="stylesheet""#;
    while let Some(start) = html.find(LINK) {
        let Some(len) = html[start..].find('>').map(|end| end + 1) else { break };
        let tag = &html[start..start + len];
        let css = tag
            .split_once(r#"href=""#)
            .and_then(|(_, rest)| rest.split_once('"'))
            .and_then(|(href, _)| asset(href))
            .and_then(|css| String::from_utf8(css.into_owned()).ok())
            .filter(|css| !css.to_ascii_lowercase().contains("</style"));
        out.push_str(&html[..start]);
        match css {
            Some(css) => {
                out.push_str("<style>");
                out.push_str(&css);
                out.push_str("</style>");
            }
            None => out.push_str(tag),
        }
        html = &html[start + len..];
    }
    out.push_str(html);
}

/// pq's data directory: `PQ_DATA_DIR`, or the platform's app data directory.
pub fn data_dir<R: Runtime>(app: &impl Manager<R>) -> Option<PathBuf> {
    match std::env::var_os("PQ_DATA_DIR") {
        Some(d) => Some(PathBuf::from(d)),
        None => app.path().app_data_dir().ok(),
    }
}

/// The app's built-in assets, with the last screen put into `index.html`.
pub struct WithSnapshot<R: Runtime> {
    inner: Box<dyn Assets<R>>,
    data_dir: OnceLock<PathBuf>,
}

impl<R: Runtime> WithSnapshot<R> {
    /// Puts the last screen into the assets of `context`.
    pub fn install(context: &mut tauri::Context<R>) {
        let inner = context.set_assets(Box::new(Nothing));
        context.set_assets(Box::new(Self { inner, data_dir: OnceLock::new() }));
    }
}

/// No assets: what the context holds for the moment its own are taken out.
struct Nothing;

impl<R: Runtime> Assets<R> for Nothing {
    fn get(&self, _: &AssetKey) -> Option<Cow<'_, [u8]>> {
        None
    }

    fn iter(&self) -> Box<AssetsIter<'_>> {
        Box::new(std::iter::empty())
    }

    fn csp_hashes(&self, _: &AssetKey) -> Box<dyn Iterator<Item = CspHash<'_>> + '_> {
        Box::new(std::iter::empty())
    }
}

impl<R: Runtime> Assets<R> for WithSnapshot<R> {
    fn setup(&self, app: &App<R>) {
        self.inner.setup(app);
        if let Some(dir) = data_dir(app) {
            let _ = self.data_dir.set(dir);
        }
    }

    fn get(&self, key: &AssetKey) -> Option<Cow<'_, [u8]>> {
        let page = self.inner.get(key)?;
        if key.as_ref() != "/index.html" {
            return Some(page);
        }
        let asset = |path: &str| self.inner.get(&AssetKey::from(path));
        match self.data_dir.get().and_then(|dir| with_snapshot(&page, dir, asset)) {
            Some(html) => Some(Cow::Owned(html)),
            None => Some(page),
        }
    }

    fn iter(&self) -> Box<AssetsIter<'_>> {
        self.inner.iter()
    }

    fn csp_hashes(&self, html_path: &AssetKey) -> Box<dyn Iterator<Item = CspHash<'_>> + '_> {
        self.inner.csp_hashes(html_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &[u8] = br#"<html><head><link rel="stylesheet" crossorigin href="/a.css"></head><body><div id="root"></div><script type="module" src="/a.js"></script></body></html>"#;

    /// The page's other files.
    fn asset(path: &str) -> Option<Cow<'static, [u8]>> {
        (path == "/a.css").then_some(Cow::Borrowed(b".app{color:red}"))
    }

    fn screen(html: &str) -> LastScreen {
        LastScreen { server_id: ServerId::new(), channel_id: ChannelId::new(), html: html.to_owned() }
    }

    #[test]
    fn the_saved_screen_goes_right_after_the_root() {
        let dir = tempfile::tempdir().unwrap();
        assert!(with_snapshot(PAGE, dir.path(), asset).is_none(), "nothing saved: the page as built");
        let saved = screen(r#"<div class="app"><p class="message">hi &lt;b&gt;</p></div>"#);
        save(dir.path(), Some(&saved)).unwrap();
        assert_eq!(load(dir.path()).map(|s| s.channel_id), Some(saved.channel_id));
        let page = String::from_utf8(with_snapshot(PAGE, dir.path(), asset).unwrap()).unwrap();
        assert_eq!(
            page,
            r#"<html><head><style>.app{color:red}</style></head><body><div id="root"></div><div id="pq-snapshot" inert aria-hidden="true"><div class="app"><p class="message">hi &lt;b&gt;</p></div></div><script type="module" src="/a.js"></script></body></html>"#
        );
        // A stylesheet it cannot find stays a link.
        let page = String::from_utf8(with_snapshot(PAGE, dir.path(), |_| None).unwrap()).unwrap();
        assert!(page.contains(r#"<link rel="stylesheet" crossorigin href="/a.css">"#), "{page}");
        save(dir.path(), None).unwrap();
        assert!(with_snapshot(PAGE, dir.path(), asset).is_none(), "forgotten");
        save(dir.path(), None).unwrap();
    }

    #[test]
    fn a_snapshot_that_could_run_anything_or_is_too_big_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["<div><SCRIPT>alert(1)</SCRIPT></div>", "<iframe src=x>", "<object data=x>", "<base href=x>"] {
            assert!(save(dir.path(), Some(&screen(bad))).is_err(), "{bad}");
        }
        assert!(save(dir.path(), Some(&screen(&"x".repeat(MAX_BYTES + 1)))).is_err());
        assert!(!dir.path().join(FILE).exists());
        // Put there by something else: not served either.
        let planted = serde_json::to_vec(&screen("<script>alert(1)</script>")).unwrap();
        std::fs::write(dir.path().join(FILE), planted).unwrap();
        assert!(with_snapshot(PAGE, dir.path(), asset).is_none());
        std::fs::write(dir.path().join(FILE), "not json").unwrap();
        assert!(with_snapshot(PAGE, dir.path(), asset).is_none());
    }
}
