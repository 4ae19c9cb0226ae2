//! The desktop app under test, as a person runs it: `pq-desktop` in a real
//! window on a virtual display (Xvfb), with its own session bus (single
//! instance, deep links, notifications) and a real notification daemon
//! (dunst, printing every notification it shows), driven through WebDriver
//! (tauri-driver over WebKitWebDriver). The system browser is the one
//! stand-in: a script that hands the sign-in URL to the test, which plays the
//! person at the provider's pages, and the provider sends the browser to
//! `pq://auth/callback?…`, which the harness opens the way the desktop does:
//! by starting `pq-desktop URL` a second time.
//!
//! Needs Xvfb, dbus-daemon, dunst, WebKitWebDriver and tauri-driver
//! (`scripts/setup` installs them).
// Shared with examples/desktop_bench.rs, which uses parts the tests do not.
#![allow(dead_code)]

use std::{
    future::Future,
    io::{BufRead, BufReader, Read},
    net::TcpListener,
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use fantoccini::{Client as Wd, ClientBuilder, Locator, elements::Element, key::Key};
use hyper_util::client::legacy::connect::HttpConnector;
use pq_server::idp::devclient;

use super::tray::TrayHost;

/// How long any one wait in a UI test may take before it fails.
pub const WAIT: u64 = 30;

/// A binary cargo built next to the test executable.
pub fn built_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe.parent().and_then(Path::parent).expect("target directory");
    let bin = dir.join(name);
    assert!(bin.exists(), "{} is missing: build the workspace first (cargo build --workspace --bins)", bin.display());
    bin
}

/// A program the UI tests need from the system.
fn tool(name: &str) -> PathBuf {
    let home_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|c| c.join("bin"));
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(home_bin)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is missing: run scripts/setup (it installs what the desktop UI tests need)"))
}

/// A free TCP port on loopback.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// Kills a child and its whole process group (the group holds what it
/// started: WebKitWebDriver and the app under tauri-driver).
fn kill_group(child: &mut Child) {
    // Not `kill -KILL -PID`: procps' kill reads `-19` as "everything" (kill(-1)).
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Polls `check` until it gives a value, for up to `secs`.
pub async fn eventually<T, F, Fut>(what: &str, secs: u64, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out after {secs} s waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One person's desktop: display, session bus, notification daemon,
/// WebDriver, and the app (started and quit as the test says).
pub struct Desktop {
    dir: tempfile::TempDir,
    server_url: String,
    display: String,
    bus: String,
    daemons: Vec<Child>,
    driver: Option<Child>,
    driver_url: String,
    notifications: Arc<Mutex<String>>,
    tray: Option<TrayHost>,
    wd: Option<Wd>,
    /// The sound system: a private PulseAudio whose default microphone and
    /// speakers are null devices (no sound card here).
    pulse: crate::common::PulseAudio,
    /// More environment for pq (set before it starts).
    env: Vec<(String, String)>,
}

impl std::fmt::Debug for Desktop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desktop")
            .field("display", &self.display)
            .field("server", &self.server_url)
            .finish_non_exhaustive()
    }
}

impl Desktop {
    /// Sets up a desktop for a person using `server_url` and starts pq.
    pub async fn start(server_url: &str) -> Desktop {
        Self::start_with(server_url, &built_binary("pq-desktop")).await
    }

    /// Like [`Desktop::start`], starting the pq at `app`.
    pub async fn start_with(server_url: &str, app: &Path) -> Desktop {
        let mut desktop = Self::prepare(server_url).await;
        desktop.launch_binary(app).await;
        desktop
    }

    /// Like [`Desktop::start`], with more environment for pq.
    pub async fn start_with_env(server_url: &str, env: &[(&str, &str)]) -> Desktop {
        let mut desktop = Self::prepare_with_env(server_url, env).await;
        desktop.launch_binary(&built_binary("pq-desktop")).await;
        desktop
    }

    /// The desktop (display, bus, notification daemon, tray host, browser
    /// stand-in, WebDriver) with no pq running yet.
    pub async fn prepare(server_url: &str) -> Desktop {
        Self::prepare_with_env(server_url, &[]).await
    }

    /// Like [`Desktop::prepare`], with more environment for pq (WebDriver
    /// starts pq with its own environment, so it is set before).
    pub async fn prepare_with_env(server_url: &str, env: &[(&str, &str)]) -> Desktop {
        let dir = tempfile::tempdir().expect("a temporary directory");
        for d in ["home", "run", "data", "config", "share", "cache"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        std::fs::set_permissions(dir.path().join("run"), std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        // The system browser: hands every URL it is asked to open to the test.
        let browser = dir.path().join("browser");
        std::fs::write(&browser, format!("#!/bin/sh\necho \"$1\" >> '{}'\n", dir.path().join("opened").display()))
            .unwrap();
        std::fs::set_permissions(&browser, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        // ... and it is this desktop's default web browser: xdg-open asks the
        // MIME defaults before $BROWSER, and a browser installed on the
        // machine (Chromium, for the browser tests) would answer otherwise.
        std::fs::create_dir_all(dir.path().join("share/applications")).unwrap();
        std::fs::write(
            dir.path().join("share/applications/pq-test-browser.desktop"),
            format!(
                "[Desktop Entry]\nType=Application\nName=Browser stand-in\nExec={} %u\n\
                 MimeType=x-scheme-handler/http;x-scheme-handler/https;text/html;\n",
                browser.display()
            ),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("config/mimeapps.list"),
            "[Default Applications]\nx-scheme-handler/http=pq-test-browser.desktop\n\
             x-scheme-handler/https=pq-test-browser.desktop\ntext/html=pq-test-browser.desktop\n",
        )
        .unwrap();

        let mut daemons = Vec::new();
        // A virtual screen; Xvfb picks a free display and tells it on stdout.
        let mut xvfb = Command::new(tool("Xvfb"))
            .args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("Xvfb starts");
        let display = format!(":{}", first_line(&mut xvfb, "Xvfb's display number").trim());
        daemons.push(xvfb);
        // A session bus of its own.
        let mut dbus = Command::new(tool("dbus-daemon"))
            .args(["--session", "--nofork", "--print-address=1"])
            .arg(format!("--address=unix:path={}", dir.path().join("run/bus").display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("dbus-daemon starts");
        let bus = first_line(&mut dbus, "the session bus address").trim().to_owned();
        daemons.push(dbus);

        let mut desktop = Desktop {
            dir,
            server_url: server_url.to_owned(),
            display,
            bus,
            daemons,
            driver: None,
            driver_url: String::new(),
            notifications: Arc::default(),
            tray: None,
            wd: None,
            pulse: crate::common::PulseAudio::start(),
            env: env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        };
        // The notification daemon, printing what it shows.
        let mut dunst = desktop
            .command(tool("dunst"))
            .arg("-print")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("dunst starts");
        let mut out = dunst.stdout.take().unwrap();
        let sink = desktop.notifications.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        desktop.daemons.push(dunst);
        // Asking dunstctl before dunst owns the name would make the bus start
        // a second dunst (D-Bus activation): ask the bus instead.
        let dbus_send = tool("dbus-send");
        eventually("dunst on the session bus", WAIT, || {
            let out = desktop
                .command(&dbus_send)
                .args(["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus"])
                .args(["org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.Notifications"])
                .output();
            let owned = out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"));
            async move { owned.then_some(()) }
        })
        .await;

        // The panel's tray host, before any tray icon looks for one.
        desktop.tray = Some(TrayHost::start(&desktop.bus).await);

        // WebDriver, in a kernel session keyring of its own (pq keeps the
        // session token there, as the keychain of a desktop without one).
        let (port, native) = (free_port(), free_port());
        desktop.driver = Some(
            desktop
                .command(tool("keyctl"))
                .args(["session", "-"])
                .arg(tool("tauri-driver"))
                .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
                .arg("--native-driver")
                .arg(tool("WebKitWebDriver"))
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(desktop.dir.path().join("driver.log")).expect("a log file"))
                .process_group(0)
                .spawn()
                .expect("tauri-driver starts"),
        );
        desktop.driver_url = format!("http://127.0.0.1:{port}");
        eventually("tauri-driver to listen", WAIT, || {
            let up = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
            async move { up.then_some(()) }
        })
        .await;
        desktop
    }

    /// A command with this desktop's environment: display, bus, a home of
    /// its own, pq's server and keychain, and the browser stand-in.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let d = self.dir.path();
        let mut c = Command::new(program);
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", d.join("home"))
            .env("XDG_RUNTIME_DIR", d.join("run"))
            .env("XDG_CONFIG_HOME", d.join("config"))
            .env("XDG_DATA_HOME", d.join("share"))
            .env("XDG_CACHE_HOME", d.join("cache"))
            .env("DISPLAY", &self.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .env("LANG", "C.UTF-8")
            .env("NO_AT_BRIDGE", "1")
            .env("GTK_A11Y", "none")
            .env("BROWSER", d.join("browser"))
            .env("PQ_SERVER", &self.server_url)
            .env("PQ_DATA_DIR", d.join("data"))
            .env("PQ_KEYCHAIN", "keyutils")
            .env("PQ_LOG", "info,pq_desktop=debug")
            .env("PQ_LOG_FILE", d.join("app.log"))
            // Calls stay on loopback; no camera here: a test pattern stands in
            // (like Chromium's fake capture device).
            .env("PQ_VOICE_UDP", "127.0.0.1:0")
            .env("PQ_FAKE_CAMERA", "1")
            .env("PULSE_SERVER", &self.pulse.server);
        c.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        // WebKit's and JavaScriptCore's own switches pass through, for
        // diagnosing the engine (WEBKIT_DISABLE_COMPOSITING_MODE, …).
        c.envs(
            std::env::vars_os()
                .filter(|(k, _)| k.to_str().is_some_and(|k| k.starts_with("WEBKIT_") || k.starts_with("JSC_"))),
        );
        c
    }

    /// Starts pq (a new WebDriver session starts the app).
    pub async fn launch(&mut self) {
        self.launch_binary(&built_binary("pq-desktop")).await;
    }

    /// Starts the Tauri app at `binary` in this desktop, and waits until the
    /// live app has replaced the last screen it drew first (elements in
    /// that screen look like the app's but are not interactive).
    pub async fn launch_binary(&mut self, binary: &Path) {
        self.connect(binary).await;
        eventually("the live app to replace the restored last screen", WAIT, || async {
            (self.js("return document.getElementById('pq-snapshot') === null").await == serde_json::Value::Bool(true))
                .then_some(())
        })
        .await;
    }

    /// Starts the Tauri app at `binary` in this desktop (a new WebDriver
    /// session), and no more.
    pub async fn connect(&mut self, binary: &Path) {
        assert!(self.wd.is_none(), "an app is already running");
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert("tauri:options".into(), serde_json::json!({ "application": binary }));
        // tauri-driver listens before WebKitWebDriver behind it does: a new
        // session asked for in that moment fails at the transport level
        // (the connection closes unanswered). Ask again; anything else fails.
        let mut attempt = 0;
        let wd = loop {
            attempt += 1;
            let mut builder = ClientBuilder::new(HttpConnector::new());
            let session = builder.capabilities(caps.clone()).connect(&self.driver_url);
            // A session waits for the app's window: bounded, so that an app
            // that never shows one fails the test rather than hanging it.
            let session = tokio::time::timeout(Duration::from_secs(2 * WAIT), session)
                .await
                .unwrap_or_else(|_| panic!("WebDriver did not start pq-desktop within {} s", 2 * WAIT));
            match session {
                Ok(wd) => break wd,
                Err(
                    e @ (fantoccini::error::NewSessionError::Failed(_)
                    | fantoccini::error::NewSessionError::FailedC(_)
                    | fantoccini::error::NewSessionError::Lost(_)),
                ) if attempt < 10 => {
                    eprintln!("desktop: WebDriver not ready ({e}); asking again");
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                Err(e) => panic!("WebDriver starts pq-desktop: {e:?}"),
            }
        };
        self.wd = Some(wd);
    }

    /// Quits pq (ending the WebDriver session ends the app), and waits
    /// until it has gone: a pq started while the last one is still going
    /// would hand itself over to it (single instance) and show no window.
    pub async fn quit(&mut self) {
        if let Some(wd) = self.wd.take() {
            tokio::time::timeout(Duration::from_secs(WAIT), wd.close())
                .await
                .unwrap_or_else(|_| panic!("the WebDriver session did not end within {WAIT} s"))
                .expect("the WebDriver session ends");
        }
        eventually("the app's processes to end", WAIT, || async {
            (!self.app_on_bus() && self.app_pids().is_empty()).then_some(())
        })
        .await;
    }

    /// pq quit by itself (from its tray menu): forget the WebDriver session.
    pub async fn wait_exited(&mut self) {
        eventually("pq to quit", WAIT, || async { (!self.app_on_bus()).then_some(()) }).await;
        self.wd = None;
    }

    /// Whether a pq owns its single-instance name on the session bus.
    pub fn app_on_bus(&self) -> bool {
        let out = self
            .command(tool("dbus-send"))
            .args(["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus"])
            .args(["org.freedesktop.DBus.NameHasOwner", "string:chat.pq.desktop.SingleInstance"])
            .output();
        out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
    }

    /// The running app's processes: the app and what it started (WebKit's
    /// web and network processes), not the WebDriver above it.
    pub fn app_pids(&self) -> Vec<u32> {
        let Some(driver) = &self.driver else { return Vec::new() };
        let mut parent = std::collections::HashMap::new();
        let mut comm = std::collections::HashMap::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
            // pid (comm) state ppid …; comm may hold spaces and parentheses.
            let Some(close) = stat.rfind(')') else { continue };
            let name = stat[stat.find('(').map_or(0, |i| i + 1)..close].to_owned();
            let ppid = stat[close + 2..].split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok()).unwrap_or(0);
            parent.insert(pid, ppid);
            comm.insert(pid, name);
        }
        let below = |mut pid: u32, root: u32| {
            while pid > 1 {
                if pid == root {
                    return true;
                }
                pid = parent.get(&pid).copied().unwrap_or(0);
            }
            false
        };
        let harness = ["keyctl", "tauri-driver", "WebKitWebDriver"];
        parent
            .keys()
            .copied()
            .filter(|&pid| pid != driver.id() && below(pid, driver.id()))
            .filter(|pid| !harness.contains(&comm[pid].as_str()))
            .collect()
    }

    /// The panel's tray host.
    pub fn tray(&self) -> &TrayHost {
        self.tray.as_ref().expect("the tray host")
    }

    /// pq's tray icon, once it has registered with the panel.
    pub async fn tray_icon(&self) -> (String, String) {
        eventually("pq's tray icon", WAIT, || {
            let items = self.tray().items();
            async move { items.last().cloned() }
        })
        .await
    }

    /// The WebDriver session of the running app.
    pub fn wd(&self) -> &Wd {
        self.wd.as_ref().expect("pq is running")
    }

    /// Opens a `pq://` link the way the desktop does: it starts pq with the
    /// link, and that second pq hands it to the one running and exits.
    pub fn open_link(&self, url: &str) {
        let mut child = self
            .command(built_binary("pq-desktop"))
            .arg(url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pq-desktop starts");
        for _ in 0..300 {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "the second pq exited with {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        panic!("the second pq did not hand {url} over to the first and exit");
    }

    /// The URLs pq asked the system browser to open.
    pub fn opened_in_browser(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("opened")).unwrap_or_default().lines().map(str::to_owned).collect()
    }

    /// Signs in with Google as `email`/`name`: clicks the button, plays the
    /// person at the provider's pages in the browser pq opened, and follows
    /// the provider back into pq. Waits until pq shows the person.
    pub async fn sign_in(&self, email: &str, name: &str) {
        let before = self.opened_in_browser().len();
        self.click("#signin-google").await;
        let url = eventually("pq to open the browser", WAIT, || {
            let opened = self.opened_in_browser();
            async move { opened.get(before).cloned() }
        })
        .await;
        assert!(url.contains("code_challenge="), "the sign-in URL carries PKCE: {url}");
        let http = devclient::browser();
        let back =
            devclient::complete_federated(&http, &url, "Google", email, name).await.expect("the provider's pages");
        assert!(back.starts_with("pq://auth/callback?"), "the provider sends the browser back to pq: {back}");
        self.open_link(&back);
        self.wait_text(".me-name", name).await;
    }

    /// The first element matching `css`, once there is one.
    pub async fn find(&self, css: &str) -> Element {
        self.wd()
            .wait()
            .at_most(Duration::from_secs(WAIT))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    /// All elements matching `css` now.
    pub async fn all(&self, css: &str) -> Vec<Element> {
        self.wd().find_all(Locator::Css(css)).await.unwrap_or_default()
    }

    /// Clicks the element matching `css`, scrolled into view first as a
    /// person would.
    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.reveal(css).await;
        el.click().await.unwrap_or_else(|e| panic!("cannot click {css}: {e:?}"));
    }

    /// Opens the card of the person whose row or name matches `css`, and
    /// waits until it is drawn with their profile: its buttons are then
    /// where they stay (the card is busy, and may still grow, while the
    /// profile is on its way).
    pub async fn open_card(&self, css: &str) {
        self.click(css).await;
        self.find("#profile-card[aria-busy='false']").await;
    }

    /// Scrolls the element matching `css` into the middle of the scrolling
    /// box around it if it is outside that box's view, as a person would:
    /// WebKit's driver does not scroll inside a scrolling dialog, and calls
    /// an element below its fold not interactable. Only that box moves,
    /// never the window.
    async fn reveal(&self, css: &str) {
        self.wd()
            .execute(
                "const el = document.querySelector(arguments[0]); \
                 for (let box = el.parentElement; box; box = box.parentElement) { \
                   if (box.scrollHeight > box.clientHeight && getComputedStyle(box).overflowY === 'auto') { \
                     const r = el.getBoundingClientRect(), b = box.getBoundingClientRect(); \
                     if (r.top < b.top || r.bottom > b.bottom) \
                       box.scrollTop += r.top - b.top - box.clientHeight / 2; \
                     break; } }",
                vec![css.into()],
            )
            .await
            .unwrap_or_else(|e| panic!("cannot scroll to {css}: {e}"));
    }

    /// Chooses `value` in the `<select>` matching `css`, scrolled into view
    /// first.
    pub async fn select(&self, css: &str, value: &str) {
        let el = self.find(css).await;
        self.reveal(css).await;
        el.select_by_value(value).await.unwrap_or_else(|e| panic!("cannot choose {value} in {css}: {e}"));
    }

    /// Clicks the button (or link) whose text is exactly `text`.
    pub async fn click_text(&self, text: &str) {
        let xpath = format!("//button[normalize-space(.)='{text}']");
        let el = self
            .wd()
            .wait()
            .at_most(Duration::from_secs(WAIT))
            .for_element(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no button {text:?}: {e}"));
        el.click().await.unwrap_or_else(|e| panic!("cannot click {text:?}: {e}"));
    }

    /// Types into the element matching `css`.
    pub async fn type_into(&self, css: &str, text: &str) {
        self.find(css).await.send_keys(text).await.unwrap_or_else(|e| panic!("cannot type into {css}: {e}"));
    }

    /// Presses Enter in the element matching `css`.
    pub async fn enter(&self, css: &str) {
        self.type_into(css, &char::from(Key::Enter).to_string()).await;
    }

    /// Waits until some element matching `css` shows text containing `text`;
    /// returns that element's whole text.
    pub async fn wait_text(&self, css: &str, text: &str) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(WAIT);
        loop {
            let seen = self.texts(css).await;
            if let Some(t) = seen.iter().find(|t| t.contains(text)) {
                return t.clone();
            }
            if tokio::time::Instant::now() > deadline {
                let body = self.js("return document.body.innerText").await;
                let body: String = body.as_str().unwrap_or_default().chars().take(600).collect();
                panic!("timed out waiting for {css} to show {text:?}; it shows {seen:?}; the window shows:\n{body}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The rendered text (`innerText`: what is on screen) of every element
    /// matching `css`.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let found = self
            .wd()
            .execute(
                "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText)",
                vec![css.into()],
            )
            .await
            .unwrap_or_else(|e| panic!("cannot read {css}: {e}"));
        serde_json::from_value(found).unwrap_or_default()
    }

    /// Waits until nothing matches `css`.
    pub async fn wait_gone(&self, css: &str) {
        eventually(&format!("{css} to go away"), WAIT, || async { self.all(css).await.is_empty().then_some(()) }).await;
    }

    /// The text of the first element matching `css` (waiting for one).
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await;
        self.texts(css).await.into_iter().next().unwrap_or_default()
    }

    /// Runs `script` in the page and returns its result.
    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.wd().execute(script, vec![]).await.unwrap_or_else(|e| panic!("script failed: {e}"))
    }

    /// Runs an asynchronous script (it calls its last argument with the result).
    pub async fn js_async(&self, script: &str) -> serde_json::Value {
        self.wd().execute_async(script, vec![]).await.unwrap_or_else(|e| panic!("script failed: {e}"))
    }

    /// Saves what the window shows as `docs/screenshots/NAME.png` when
    /// `PQ_SCREENSHOTS` names that directory, else under the target directory.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        // WebKit paints a moment after the DOM changes.
        tokio::time::sleep(Duration::from_millis(1000)).await;
        // WebDriver takes the picture at the window's next repaint, and a
        // window drawn without compositing (pq without a GPU) that shows
        // nothing moving does not repaint: WebDriver would wait out its
        // 300 s. Keep the page repainting (an invisible change, every 100 ms)
        // until the picture is taken.
        self.js("window.__pqRepaint = setInterval(() => { const s = document.body.style; \
             s.outline = s.outline ? '' : '1px solid transparent'; }, 100)")
            .await;
        let png = self.wd().screenshot().await.expect("a screenshot");
        self.js("clearInterval(window.__pqRepaint); document.body.style.outline = ''").await;
        let dir = std::env::var_os("PQ_SCREENSHOTS")
            .map_or_else(|| built_binary("pq-desktop").parent().unwrap().join("ui-screenshots"), PathBuf::from);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Everything the notification daemon showed so far, as it printed it.
    pub fn notifications(&self) -> String {
        self.notifications.lock().unwrap().clone()
    }

    /// Waits for a notification whose text contains `text`.
    pub async fn wait_notification(&self, text: &str) {
        eventually(&format!("a notification with {text:?}"), WAIT, || {
            let shown = self.notifications().contains(text);
            async move { shown.then_some(()) }
        })
        .await;
    }

    /// Clicks the newest notification on screen (its default action).
    pub fn click_notification(&self) {
        let out = self.command(tool("dunstctl")).args(["action", "0"]).output().expect("dunstctl runs");
        assert!(out.status.success(), "dunstctl action failed: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// The person's home directory (`HOME`).
    pub fn home_path(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// pq's data directory (`PQ_DATA_DIR`).
    pub fn data_path(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The app's log (shown when a test fails).
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("app.log")
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(80).collect();
            eprintln!("--- the app's log (last lines) ---");
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
            eprintln!("--- notifications ---\n{}", self.notifications());
        }
        if let Some(driver) = &mut self.driver {
            kill_group(driver);
        }
        for child in self.daemons.iter_mut().rev() {
            kill_group(child);
        }
    }
}

/// The first line a child prints on stdout.
fn first_line(child: &mut Child, what: &str) -> String {
    let out = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(out).lines();
    let line = lines.next().unwrap_or_else(|| panic!("no {what}")).expect("utf-8");
    std::thread::spawn(move || for _ in lines {});
    line
}
