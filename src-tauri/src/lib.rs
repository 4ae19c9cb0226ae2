//! # pq-desktop
//!
//! The Tauri 2 shell around pq-core. It stays thin: [`commands`] are one line
//! over [`pq_core::Client`] each; core events are forwarded to the UI over an
//! IPC channel ([`UiEvent`]); and the desktop integrations live here:
//!
//! - [`tray`]: the tray icon with the unread total, and its menu (show,
//!   mute notifications, quit — Linux tray icons get no clicks, so the menu
//!   does everything);
//! - [`notify`]: native notifications for new messages in channels not on
//!   screen and not muted; clicking one opens that channel;
//! - deep links: `pq://invite/CODE` opens the accept dialog (also when pq was
//!   started by the link), `pq://auth/callback` completes sign-in; a second
//!   launch hands its link to the running pq (single instance) and exits;
//! - [`media`]: the `pqmedia` scheme the window loads pictures from (with
//!   the account's token, kept on disk).
//!
//! Configuration for development and tests: `PQ_SERVER` (default
//! `http://127.0.0.1:8080`), `PQ_DATA_DIR`, `PQ_KEYCHAIN` (`platform`,
//! `keyutils`, `secret-service`), `PQ_LOG` (a tracing filter) and `PQ_LOG_FILE`.

pub mod call;
pub mod commands;
mod error;
mod files;
pub mod graphics;
pub mod media;
pub mod notify;
pub mod settings;
mod snapshot;
pub mod tray;
pub mod updates;

use std::{
    path::PathBuf,
    sync::{Arc, Mutex, PoisonError, RwLock},
};

use pq_core::{
    Client, ClientConfig, ConnectionState, Event,
    auth::{AuthError, AuthOptions, KeychainBackend},
    protocol::{ChannelId, ServerId},
};
use serde::Serialize;
use tauri::{AppHandle, Manager, ipc::Channel as IpcChannel};
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_plugin_opener::OpenerExt;

pub use error::CommandError;
use settings::Settings;

/// What the UI hears.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum UiEvent {
    /// Something changed in the engine.
    Core(Event),
    /// The engine's events overflowed: re-read everything on screen.
    Resync,
    /// Open the accept dialog for this invite code (from a `pq://invite/…` link).
    OpenInvite {
        /// The code.
        code: String,
    },
    /// Open this channel (a notification was clicked).
    OpenChannel {
        /// Its server.
        server_id: ServerId,
        /// The channel.
        channel_id: ChannelId,
    },
    /// Open the friends list on Home (a friend request's notification was clicked).
    OpenFriends,
    /// Open this server's schedule (an event's reminder was clicked).
    OpenSchedule {
        /// The server.
        server_id: ServerId,
    },
    /// Open this direct-message channel on Home (its notification was clicked).
    OpenDm {
        /// The channel.
        channel_id: ChannelId,
    },
    /// Settings changed (from the tray menu).
    Settings(Settings),
    /// An update's download went on.
    UpdateProgress {
        /// Bytes so far.
        #[ts(type = "number")]
        received: u64,
        /// Bytes in all, when known.
        #[ts(type = "number | null")]
        total: Option<u64>,
    },
    /// The browser came back from a checkout (`pq://payment/success` or
    /// `…/fail`).
    PaymentResult {
        /// Whether it was paid.
        ok: bool,
        /// The order.
        order_id: String,
        /// Why not.
        reason: Option<String>,
    },
    /// A download to the downloads folder went on (at most every 100 ms),
    /// or ended (`done`: where it was saved; `error`: why it failed).
    Download {
        /// The attachment.
        attachment_id: pq_core::protocol::AttachmentId,
        /// Bytes so far.
        #[ts(type = "number")]
        received: u64,
        /// Bytes in all, when known.
        #[ts(type = "number | null")]
        total: Option<u64>,
        /// Where it was saved, once done.
        done: Option<String>,
        /// Why it failed.
        error: Option<String>,
    },
}

/// A group conversation's title for a notification: its name, or the
/// others' names (`None` for a conversation of two).
fn group_title(client: &Client, dm: &pq_core::store::CachedDm) -> Option<String> {
    if dm.channel.kind != pq_core::protocol::models::DmKind::Group {
        return None;
    }
    dm.channel.name.clone().or_else(|| {
        let me = client.me().map(|m| m.id);
        let names: Vec<&str> =
            dm.channel.members.iter().filter(|u| Some(u.id) != me).map(|u| u.display_name.as_str()).collect();
        Some(names.join(", "))
    })
}

/// The app's state, shared by commands and background tasks.
pub struct Desktop {
    app: AppHandle,
    config: ClientConfig,
    config_dir: PathBuf,
    client: RwLock<Option<Client>>,
    startup_error: Mutex<Option<String>>,
    settings: Mutex<Settings>,
    subscribers: Mutex<Vec<IpcChannel<UiEvent>>>,
    active_channel: Mutex<Option<ChannelId>>,
    pending_invite: Mutex<Option<String>>,
    call: Mutex<Option<call::ActiveCall>>,
    video_subscribers: Mutex<Vec<IpcChannel<tauri::ipc::InvokeResponseBody>>>,
    /// The call as the tray menu shows it (`Some(microphone muted)`).
    tray_call: Mutex<Option<bool>>,
    /// Whether the machine has a GPU (read once at start).
    gpu: bool,
    /// The update found, and its bytes once downloaded.
    updates: updates::State,
    /// True once the engine has started (or failed to): what `startup` waits for.
    started: tokio::sync::watch::Sender<bool>,
    /// What waits for the first frame is done once (`after_first_frame`).
    first_frame: std::sync::Once,
}

impl std::fmt::Debug for Desktop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desktop").field("server", &self.config.server.as_str()).finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Desktop {
    /// Waits until the engine has started (or failed to).
    async fn started(&self) {
        let _ = self.started.subscribe().wait_for(|done| *done).await;
    }

    /// What waits for the page's first frame (`first_frame_drawn`; three
    /// seconds after the start at the latest), once: the tray icon, made on
    /// the main thread, which serves the page's loading and its first
    /// answers; and the `pq://` registration, whose processes would take the
    /// CPU from the first frame.
    fn after_first_frame(&self) {
        let app = self.app.clone();
        let _ = self.app.run_on_main_thread(move || {
            let desktop = app.state::<Desktop>();
            desktop.first_frame.call_once(|| {
                match tray::create(&app) {
                    Ok(()) => tray::update(&app, &desktop),
                    Err(e) => tracing::warn!(error = %e, "no tray icon"),
                }
                register_links(&app);
            });
        });
    }

    /// The engine, or an error the UI can show.
    ///
    /// # Errors
    /// `cache` when the cache could not be opened.
    pub fn client(&self) -> Result<Client, CommandError> {
        self.client.read().unwrap_or_else(PoisonError::into_inner).clone().ok_or_else(|| {
            CommandError::new(
                "cache",
                lock(&self.startup_error).clone().unwrap_or_else(|| "pq is still starting".into()),
            )
        })
    }

    /// Whether the window composites with the GPU, as the settings and the
    /// machine decide.
    fn accelerated(&self) -> bool {
        lock(&self.settings).acceleration.enabled(self.gpu)
    }

    fn app_info(&self) -> commands::AppInfo {
        let client = self.client.read().unwrap_or_else(PoisonError::into_inner).clone();
        let me = client.as_ref().and_then(Client::me);
        commands::AppInfo {
            server_url: self.config.server.to_string(),
            // The version the package and the updater go by.
            version: self.app.package_info().version.to_string(),
            commit: env!("PQ_COMMIT").into(),
            protocol: pq_core::protocol::gateway::PROTOCOL_VERSION,
            message_limit: {
                let plan = me.as_ref().map_or(pq_core::protocol::limits::Plan::Free, |m| m.plan);
                client.as_ref().map_or(plan.max_message_chars(), |c| c.message_limit(plan)) as u32
            },
            upload_limit: {
                let plan = me.as_ref().map_or(pq_core::protocol::limits::Plan::Free, |m| m.plan);
                client
                    .as_ref()
                    .and_then(Client::cached_plans)
                    .and_then(|ps| ps.into_iter().find(|p| p.plan == plan))
                    .map_or_else(|| plan.default_upload_bytes(), |p| p.max_upload_bytes)
            },
            me,
            status: client.as_ref().map_or(pq_core::protocol::models::StatusChoice::Auto, Client::status),
            connection: client.as_ref().map_or(ConnectionState::SignedOut, |c| c.connection().borrow().clone()),
            startup_error: lock(&self.startup_error).clone(),
            settings: lock(&self.settings).clone(),
            pending_invite: lock(&self.pending_invite).clone(),
            gpu: cfg!(target_os = "linux").then_some(self.gpu),
        }
    }

    async fn rebuild_cache(&self) -> Result<(), CommandError> {
        let client = Client::rebuild_cache(self.config.clone()).await?;
        *lock(&self.startup_error) = None;
        self.install(client);
        Ok(())
    }

    fn set_active_channel(&self, channel: Option<ChannelId>) {
        *lock(&self.active_channel) = channel;
    }

    fn take_pending_invite(&self) -> Option<String> {
        lock(&self.pending_invite).take()
    }

    fn set_settings(&self, settings: Settings) -> Result<(), CommandError> {
        settings
            .save(&self.config_dir)
            .map_err(|e| CommandError::new("internal", format!("cannot save settings: {e}")))?;
        let before = std::mem::replace(&mut *lock(&self.settings), settings.clone());
        if before.acceleration != settings.acceleration
            && let Some(window) = self.app.get_webview_window("main")
        {
            graphics::apply(&window, self.accelerated());
        }
        tray::update(&self.app, self);
        Ok(())
    }

    fn add_subscriber(&self, channel: IpcChannel<UiEvent>) {
        lock(&self.subscribers).push(channel);
    }

    fn add_video_subscriber(&self, channel: IpcChannel<tauri::ipc::InvokeResponseBody>) {
        lock(&self.video_subscribers).push(channel);
    }

    /// Sends an event to every UI subscriber (dropping closed ones).
    pub fn broadcast(&self, event: &UiEvent) {
        lock(&self.subscribers).retain(|c| c.send(event.clone()).is_ok());
    }

    /// Puts a started engine in place and follows its events.
    fn install(&self, client: Client) {
        let mut events = client.subscribe();
        *self.client.write().unwrap_or_else(PoisonError::into_inner) = Some(client);
        let app = self.app.clone();
        tauri::async_runtime::spawn(async move {
            loop {
                let event = match events.recv().await {
                    Ok(e) => UiEvent::Core(e),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => UiEvent::Resync,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                };
                let desktop = app.state::<Desktop>();
                if let UiEvent::Core(e) = &event {
                    desktop.react(e);
                }
                desktop.broadcast(&event);
            }
        });
        tray::update(&self.app, self);
    }

    /// The shell's own reactions: notifications and the tray's unread total.
    fn react(&self, event: &Event) {
        match event {
            Event::Message { message, live: true, mentions_me } => {
                tray::update(&self.app, self);
                let Ok(client) = self.client() else { return };
                // A line the server adds (someone pinned a message) notifies no one.
                let mine = client.me().is_some_and(|m| m.id == message.author_id)
                    || message.kind != pq_core::protocol::models::MessageKind::Default;
                let settings = lock(&self.settings).clone();
                let focused = self.app.get_webview_window("main").and_then(|w| w.is_focused().ok()).unwrap_or(false);
                let on_screen = focused && *lock(&self.active_channel) == Some(message.channel_id);
                let (muted, place, target) = if let Some(c) = client.channel(message.channel_id).ok().flatten() {
                    let target = notify::Target::Channel { server: c.channel.server_id, channel: c.channel.id };
                    // The server's own setting: everything, mentions of me only, or nothing.
                    let level = client.server_notify(c.channel.server_id).unwrap_or_default();
                    let quiet = match level {
                        pq_core::store::NotifyLevel::All => false,
                        pq_core::store::NotifyLevel::Mentions => !*mentions_me,
                        pq_core::store::NotifyLevel::Nothing => true,
                    };
                    (c.muted || quiet, Some(c.channel.name), target)
                } else if let Some(d) = client.dm(message.channel_id).ok().flatten() {
                    (d.muted, group_title(&client, &d), notify::Target::Dm { channel: d.channel.id })
                } else {
                    return;
                };
                // Do not disturb silences every notification (the tray still counts).
                let busy = client.status() == pq_core::protocol::models::StatusChoice::Dnd;
                // Nothing from someone I blocked.
                let blocked = client.relationship(message.author_id).ok().flatten()
                    == Some(pq_core::protocol::models::RelationshipKind::Blocked);
                if mine || on_screen || muted || busy || blocked || !settings.notifications {
                    return;
                }
                let author =
                    client.user(message.author_id).ok().flatten().map_or_else(|| "Someone".into(), |u| u.display_name);
                // A server channel: "Bob in #general"; a group: "Bob in Weekend"; a direct message: "Bob".
                let title = match (&target, place) {
                    (notify::Target::Channel { .. }, Some(name)) => format!("{author} in #{name}"),
                    (_, Some(group)) => format!("{author} in {group}"),
                    (_, None) => author,
                };
                notify::show(&self.app, &title, &message.body, target);
            }
            Event::RelationshipChanged { relationship, live: true }
                if relationship.kind == pq_core::protocol::models::RelationshipKind::Incoming =>
            {
                let Ok(client) = self.client() else { return };
                let busy = client.status() == pq_core::protocol::models::StatusChoice::Dnd;
                if busy || !lock(&self.settings).notifications {
                    return;
                }
                let (title, body) = notify::friend_request(&relationship.user.display_name, &lock(&self.settings));
                notify::show(&self.app, &title, &body, notify::Target::Friends);
            }
            Event::EventReminder { event, minutes, .. } => {
                let Ok(client) = self.client() else { return };
                let busy = client.status() == pq_core::protocol::models::StatusChoice::Dnd;
                let settings = lock(&self.settings).clone();
                if busy || !settings.notifications {
                    return;
                }
                let server = client
                    .servers()
                    .ok()
                    .and_then(|l| l.into_iter().find(|s| s.server.id == event.server_id))
                    .map_or_else(String::new, |s| s.server.name);
                let (title, body) = notify::event_reminder(&event.title, &server, *minutes, &settings);
                notify::show(&self.app, &title, &body, notify::Target::Server { server: event.server_id });
            }
            Event::Ringing { channel_id, caller } => {
                let Ok(client) = self.client() else { return };
                let busy = client.status() == pq_core::protocol::models::StatusChoice::Dnd;
                let blocked = client.relationship(*caller).ok().flatten()
                    == Some(pq_core::protocol::models::RelationshipKind::Blocked);
                let muted = client.dm(*channel_id).ok().flatten().is_some_and(|d| d.muted);
                let settings = lock(&self.settings).clone();
                if busy || blocked || muted || !settings.notifications {
                    return;
                }
                let name = client.user(*caller).ok().flatten().map_or_else(|| "Someone".into(), |u| u.display_name);
                let group = client.dm(*channel_id).ok().flatten().and_then(|d| group_title(&client, &d));
                let (title, body) = notify::ringing(&name, group.as_deref(), &settings);
                notify::show(&self.app, &title, &body, notify::Target::Dm { channel: *channel_id });
            }
            Event::ReadState { .. } | Event::ServersChanged | Event::ChannelsChanged { .. } | Event::DmsChanged => {
                tray::update(&self.app, self);
            }
            _ => {}
        }
    }

    /// Unread messages in every channel not muted.
    #[must_use]
    pub fn unread_total(&self) -> u32 {
        self.client().ok().and_then(|c| c.unread_total().ok()).unwrap_or(0)
    }

    /// Saves an attachment in the downloads folder under its name (made
    /// unique: `name (1).ext`), telling the UI how far it got; returns
    /// where it went.
    ///
    /// # Errors
    /// `offline`, `not_found` (no longer visible), `internal` (no
    /// downloads folder, the disk refused).
    pub async fn download(&self, id: pq_core::protocol::AttachmentId, filename: &str) -> Result<String, CommandError> {
        let client = self.client()?;
        let dir = self.downloads_dir()?;
        std::fs::create_dir_all(&dir)
            .map_err(|e| CommandError::new("internal", format!("cannot create {}: {e}", dir.display())))?;
        let dest = files::unique_path(&dir, &files::safe_name(filename));
        let last = Mutex::new(std::time::Instant::now());
        let progress = |received: u64, total: Option<u64>| {
            let mut last = lock(&last);
            if last.elapsed() >= std::time::Duration::from_millis(100) {
                *last = std::time::Instant::now();
                self.broadcast(&UiEvent::Download { attachment_id: id, received, total, done: None, error: None });
            }
        };
        match client.download(id, &dest, &progress).await {
            Ok(n) => {
                let done = dest.to_string_lossy().into_owned();
                self.broadcast(&UiEvent::Download {
                    attachment_id: id,
                    received: n,
                    total: Some(n),
                    done: Some(done.clone()),
                    error: None,
                });
                Ok(done)
            }
            Err(e) => {
                let e = CommandError::from(e);
                self.broadcast(&UiEvent::Download {
                    attachment_id: id,
                    received: 0,
                    total: None,
                    done: None,
                    error: Some(e.message.clone()),
                });
                Err(e)
            }
        }
    }

    /// The person's downloads folder (`~/Downloads` where the system names
    /// none).
    fn downloads_dir(&self) -> Result<std::path::PathBuf, CommandError> {
        let paths = self.app.path();
        paths
            .download_dir()
            .or_else(|_| paths.home_dir().map(|h| h.join("Downloads")))
            .map_err(|e| CommandError::new("internal", format!("no downloads folder: {e}")))
    }

    /// Shows a saved download in the file manager (only files in the
    /// downloads folder).
    ///
    /// # Errors
    /// `invalid` for a path elsewhere; `internal` when the system cannot.
    pub fn show_download(&self, path: &str) -> Result<(), CommandError> {
        let dir = self.downloads_dir()?;
        let path = std::path::Path::new(path);
        if path.parent() != Some(dir.as_path()) {
            return Err(CommandError::new("invalid", "only downloads can be shown"));
        }
        self.app.opener().reveal_item_in_dir(path).map_err(|e| CommandError::new("internal", e.to_string()))
    }

    /// Opens a link from a message in the system browser (or mail app):
    /// http, https and mailto only, never a file or a script.
    ///
    /// # Errors
    /// `invalid` for another kind of address; `internal` when the system
    /// cannot open it.
    pub fn open_link(&self, link: &str) -> Result<(), CommandError> {
        let url = url::Url::parse(link).map_err(|e| CommandError::new("invalid", format!("not a link: {e}")))?;
        if !matches!(url.scheme(), "http" | "https" | "mailto") {
            return Err(CommandError::new(
                "invalid",
                format!("pq opens only web and mail links, not {}:", url.scheme()),
            ));
        }
        self.app
            .opener()
            .open_url(url.as_str(), None::<&str>)
            .map_err(|e| CommandError::new("internal", format!("cannot open {url}: {e}")))
    }

    /// Handles a `pq://` link (from the OS, a second launch, or the launch
    /// that started pq).
    fn open_url(&self, url: &url::Url) {
        tracing::debug!(scheme = url.scheme(), host = ?url.host_str(), "deep link");
        if url.scheme() != "pq" {
            return;
        }
        match url.host_str() {
            Some("auth") => {
                if let Ok(client) = self.client()
                    && let Err(e) = client.auth().complete_with_callback(url.as_str())
                {
                    tracing::warn!(error = %e, "sign-in link not accepted");
                }
            }
            Some("payment") => {
                let q = |k: &str| url.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
                let ok = url.path() == "/success";
                self.broadcast(&UiEvent::PaymentResult {
                    ok,
                    order_id: q("order_id").unwrap_or_default(),
                    reason: if ok { None } else { q("reason") },
                });
            }
            Some("invite") => {
                let code = url.path().trim_matches('/').to_owned();
                if !code.is_empty() {
                    *lock(&self.pending_invite) = Some(code.clone());
                    self.broadcast(&UiEvent::OpenInvite { code });
                }
            }
            _ => {}
        }
        show_main(&self.app);
    }
}

/// Shows, unminimises and focuses the main window.
pub fn show_main(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// Opens the sign-in page in the system browser (never a web view).
struct OpenerBrowser(AppHandle);

impl pq_core::auth::Browser for OpenerBrowser {
    fn open(&self, url: &str) -> Result<(), AuthError> {
        self.0
            .opener()
            .open_url(url, None::<&str>)
            .map_err(|e| AuthError::Browser { url: url.to_owned(), reason: e.to_string() })
    }
}

/// Runs the app.
///
/// # Panics
/// When the window system cannot be set up at all.
pub fn run() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PQ_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // `PQ_LOG_FILE`: log there instead of stderr (a launcher, like WebDriver,
    // may not pass stderr on).
    let file = std::env::var_os("PQ_LOG_FILE")
        .and_then(|p| std::fs::OpenOptions::new().create(true).append(true).open(p).ok());
    match file {
        Some(file) => {
            tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(Mutex::new(file)).init()
        }
        None => tracing_subscriber::fmt().with_env_filter(filter).init(),
    }
    let mut context = tauri::generate_context!();
    snapshot::WithSnapshot::install(&mut context);
    tauri::Builder::default()
        // First: a second launch hands its arguments (and deep link) over and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| show_main(app)))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .invoke_handler(commands::handler())
        .register_asynchronous_uri_scheme_protocol(media::SCHEME, media::handle)
        .setup(|app| {
            setup(app.handle())?;
            Ok(())
        })
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                let desktop = window.state::<Desktop>();
                if lock(&desktop.settings).close_to_tray {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .run(context)
        .expect("the pq window could not start");
}

fn setup(app: &AppHandle) -> Result<(), Box<dyn std::error::Error>> {
    let started = std::time::Instant::now();
    tracing::info!(version = %app.package_info().version, commit = env!("PQ_COMMIT"), "pq starting");
    let server: url::Url = std::env::var("PQ_SERVER").unwrap_or_else(|_| "http://127.0.0.1:8080".into()).parse()?;
    let data_dir = snapshot::data_dir(app).ok_or("pq has no data directory")?;
    let config_dir = data_dir.join("settings");
    let mut config = ClientConfig::new(server.clone(), data_dir);
    if let Ok(k) = std::env::var("PQ_KEYCHAIN") {
        config.keychain = k.parse::<KeychainBackend>()?;
    }
    config.auth = Some(AuthOptions::new(server).browser(Arc::new(OpenerBrowser(app.clone()))));
    let settings = Settings::load(&config_dir);
    app.manage(Desktop {
        app: app.clone(),
        config: config.clone(),
        config_dir,
        client: RwLock::new(None),
        startup_error: Mutex::new(None),
        settings: Mutex::new(settings),
        subscribers: Mutex::new(Vec::new()),
        active_channel: Mutex::new(None),
        pending_invite: Mutex::new(None),
        call: Mutex::new(None),
        video_subscribers: Mutex::new(Vec::new()),
        tray_call: Mutex::new(None),
        gpu: graphics::has_gpu(),
        updates: updates::State::default(),
        started: tokio::sync::watch::Sender::new(false),
        first_frame: std::sync::Once::new(),
    });
    let desktop = app.state::<Desktop>();
    // Before the page's first frame: how the window draws.
    if let Some(window) = app.get_webview_window("main") {
        graphics::apply(&window, desktop.accelerated());
    }
    // Start the engine (it reads the cache and never waits on the network)
    // beside the page's loading, which this thread serves: `startup` waits
    // for it.
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let result = Client::start(config).await;
        let desktop = handle.state::<Desktop>();
        match result {
            Ok(client) => desktop.install(client),
            Err(e) => {
                tracing::warn!(error = %e, "pq cannot open its cache");
                *lock(&desktop.startup_error) = Some(e.to_string());
            }
        }
        desktop.started.send_replace(true);
        tracing::debug!(took = ?started.elapsed(), "engine started");
    });
    // In three seconds if the page never says it has drawn.
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        handle.state::<Desktop>().after_first_frame();
    });

    // Deep links: the launch link read before anything else, later ones as
    // they come (registering pq as their handler waits for the first frame).
    if let Ok(Some(urls)) = app.deep_link().get_current() {
        for url in &urls {
            desktop.open_url(url);
        }
    }
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        let desktop = handle.state::<Desktop>();
        for url in event.urls() {
            desktop.open_url(&url);
        }
    });
    tracing::debug!(took = ?started.elapsed(), "set up");
    Ok(())
}

/// Registers this executable for `pq://` links at run time (what makes them
/// work in development; the package's desktop entry registers them when
/// installed). On Linux that runs `update-desktop-database` and `xdg-mime`:
/// on a thread of its own.
fn register_links(app: &AppHandle) {
    #[cfg(any(target_os = "linux", all(debug_assertions, windows)))]
    {
        let handle = app.clone();
        std::thread::spawn(move || {
            #[cfg(target_os = "linux")]
            if links::installed() {
                // The package's desktop entry already opens pq:// links; a
                // per-user entry would only shadow it.
                tracing::debug!("pq:// links go to the installed desktop entry");
                return;
            }
            if let Err(e) = handle.deep_link().register_all() {
                tracing::debug!(error = %e, "cannot register pq:// links");
            }
            #[cfg(target_os = "linux")]
            links::unquote_exec(&handle.config().identifier);
        });
    }
    #[cfg(not(any(target_os = "linux", all(debug_assertions, windows))))]
    let _ = app;
}

/// `pq://` links on Linux desktops.
#[cfg(target_os = "linux")]
mod links {
    use std::path::PathBuf;

    /// Whether this pq runs from an installed package whose desktop entry
    /// opens `pq://` links (`/usr/share/applications/pq.desktop`).
    pub fn installed() -> bool {
        let exe = std::env::current_exe().unwrap_or_default();
        if !(exe.starts_with("/usr/") || exe.starts_with("/opt/")) {
            return false;
        }
        let dirs = std::env::var("XDG_DATA_DIRS").ok().filter(|d| !d.is_empty());
        dirs.as_deref().unwrap_or("/usr/local/share:/usr/share").split(':').any(|d| {
            std::fs::read_to_string(PathBuf::from(d).join("applications/pq.desktop"))
                .is_ok_and(|entry| entry.contains("x-scheme-handler/pq"))
        })
    }

    /// The per-user entry the deep-link plugin writes quotes its `Exec`
    /// (`Exec="/path/pq-desktop" %u`), which the desktop entry spec allows
    /// but xdg-utils' `xdg-open` (used where no desktop environment's opener
    /// is) cannot run: it looks the quoted word up as a command and fails.
    /// Writes it unquoted when the path needs no quotes.
    pub fn unquote_exec(identifier: &str) {
        let Some(data) = std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        else {
            return;
        };
        let file = data.join("applications").join(format!("{identifier}-handler.desktop"));
        let Ok(entry) = std::fs::read_to_string(&file) else { return };
        let fixed: Vec<String> = entry
            .lines()
            .map(|line| {
                if let Some(rest) = line.strip_prefix("Exec=\"")
                    && let Some((path, args)) = rest.split_once('"')
                    && !path.is_empty()
                    && path.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
                {
                    format!("Exec={path}{args}")
                } else {
                    line.to_owned()
                }
            })
            .collect();
        let fixed = fixed.join("\n") + "\n";
        if fixed != entry
            && let Err(e) = std::fs::write(&file, fixed)
        {
            tracing::debug!(error = %e, "cannot rewrite the pq:// link entry");
        }
    }
}
