//! # pq-server
//!
//! pq's companion backend: the REST API (with its OpenAPI document), the
//! WebSocket gateway, and a development sign-in provider shaped like an Amazon
//! Cognito user pool. SQLite databases in one data directory.
//!
//! - [`start`] binds, opens the database and serves until [`RunningServer::stop`].
//! - [`app`] builds the router (used by [`start`] and by tests).
//!
//! See ARCHITECTURE.md at the repository root for how requests and events flow.
#![warn(missing_docs)]

pub mod auth;
pub mod chat;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod files;
pub mod gateway;
pub mod idp;
pub mod limits;
pub mod memory;
pub mod routes;
pub mod state;
pub mod storage;
pub mod testing;
pub mod toss;

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use tokio::{net::TcpListener, task::JoinHandle};
use tokio_util::sync::CancellationToken;
use tracing::info;

pub use config::{Args, Config};
pub use routes::app;
pub use state::AppState;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Cannot bind the listen address.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// The database cannot be opened.
    #[error(transparent)]
    Db(#[from] db::OpenDbError),
    /// The development provider cannot start.
    #[error("the development sign-in provider cannot start: {0}")]
    Idp(String),
}

/// A server running in this process.
#[derive(Debug)]
pub struct RunningServer {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Its public URL (`http://127.0.0.1:PORT` unless configured).
    pub public_url: String,
    /// Its data directory.
    pub data_dir: PathBuf,
    /// Where the development provider's mail goes, when it goes to a file.
    pub mailbox: Option<PathBuf>,
    /// The shared state (for tests that look inside).
    pub state: AppState,
    shutdown: CancellationToken,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Stops accepting, closes every gateway socket with "going away", waits
    /// for in-flight requests (at most `grace`), and closes the database.
    pub async fn stop(self) {
        self.shutdown.cancel();
        // Every gateway connection sees the cancellation, closes its socket
        // with 1001 "going away" and ends; wait for them (bounded).
        let conns = self.state.hub().connections().clone();
        conns.close();
        if tokio::time::timeout(Duration::from_secs(5), conns.wait()).await.is_err() {
            tracing::warn!("some gateway connections did not close in time");
        }
        let grace = Duration::from_secs(10);
        match tokio::time::timeout(grace, self.task).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => tracing::warn!(error = %e, "server ended with an error"),
            Ok(Err(e)) => tracing::warn!(error = %e, "server task failed"),
            Err(_) => tracing::warn!("server did not stop within {grace:?}"),
        }
        self.state.close().await;
    }

    /// Resolves when the server stops on its own (it does not, unless it fails).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

/// Kernel send buffer of every accepted socket. Fixed (not autotuned up to
/// megabytes) so that a client that stops reading costs bounded memory and is
/// detected as slow soon; large enough for full-speed fan-out on a LAN.
const SOCKET_SEND_BUFFER: usize = 256 * 1024;

fn tune_socket(tcp: &mut tokio::net::TcpStream) {
    // Gateway frames are small and latency matters: no Nagle delay.
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!(error = %e, "cannot set TCP_NODELAY");
    }
    if let Err(e) = socket2::SockRef::from(&*tcp).set_send_buffer_size(SOCKET_SEND_BUFFER) {
        tracing::debug!(error = %e, "cannot set SO_SNDBUF");
    }
}

/// Accepts connections and serves HTTP/1.1 (with upgrades: the gateway)
/// until `shutdown`, then lets open requests finish (at most 10 s).
///
/// pq's own loop rather than `axum::serve`: the connection is hyper's over
/// the plain TCP stream, so the gateway can take the stream back after the
/// WebSocket upgrade and write to it directly (`gateway::socket`), and each
/// request knows the peer's address (`ConnectInfo`).
async fn serve(listener: TcpListener, router: axum::Router, shutdown: CancellationToken) -> std::io::Result<()> {
    use hyper_util::{rt::TokioTimer, service::TowerToHyperService};
    use tower::ServiceExt as _;

    let open = tokio_util::task::TaskTracker::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    // A client that never finishes its request headers is dropped.
    http.timer(TokioTimer::new()).header_read_timeout(Duration::from_secs(30));
    loop {
        let (mut tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of descriptors or a connection reset before accept:
                    // wait a moment and go on.
                    tracing::debug!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        tune_socket(&mut tcp);
        let service = router.clone().map_request(move |mut req: axum::extract::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            req
        });
        let conn =
            http.serve_connection(hyper_util::rt::TokioIo::new(tcp), TowerToHyperService::new(service)).with_upgrades();
        let stop = shutdown.clone();
        open.spawn(async move {
            let mut conn = std::pin::pin!(conn);
            let ended = tokio::select! {
                r = conn.as_mut() => r,
                () = stop.cancelled() => {
                    // Finish the request in progress, then close.
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(error = %e, "HTTP connection ended with an error");
            }
        });
    }
    drop(listener);
    open.close();
    if tokio::time::timeout(Duration::from_secs(10), open.wait()).await.is_err() {
        tracing::warn!("some HTTP connections were still open after 10 s");
    }
    Ok(())
}

/// Every 10 minutes (and once at start), forgets uploads no message named
/// within a day, and their bytes.
async fn sweep_uploads(state: AppState, shutdown: CancellationToken) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        tokio::select! {
            _ = every.tick() => {}
            () = shutdown.cancelled() => return,
        }
        match state.chat().sweep_uploads(chat::attachments::UNSENT_UPLOAD_LIFETIME).await {
            Ok(0) => {}
            Ok(n) => info!(uploads = n, "abandoned uploads forgotten"),
            Err(e) => tracing::warn!(error = %e, "abandoned uploads were not swept"),
        }
    }
}

/// On the server's clock: every minute, ends the paid periods that are
/// over; and at each moment a paid event opens or closes on schedule, tells
/// everyone.
async fn payments_schedule(state: AppState, shutdown: CancellationToken) {
    let clock = state.config().clock.clone();
    loop {
        match state.chat().expire_memberships().await {
            Ok(0) => {}
            Ok(n) => info!(memberships = n, "paid periods ended"),
            Err(e) => tracing::warn!(error = %e, "paid periods were not ended"),
        }
        if let Err(e) = state.chat().announce_paid_events().await {
            tracing::warn!(error = %e, "paid events were not announced");
        }
        let mut wait = Duration::from_secs(60);
        if let Ok(Some(next)) = state.chat().next_event_boundary().await {
            let now = clock.timestamp().as_millis();
            wait = wait.min(Duration::from_millis(u64::try_from(next.as_millis() - now).unwrap_or(0) + 1));
        }
        tokio::select! {
            () = clock.sleep(wait) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

/// Binds, opens the database, and serves in a background task.
///
/// # Errors
/// See [`StartError`].
pub async fn start(args: Args) -> Result<RunningServer, StartError> {
    let listener =
        TcpListener::bind(args.listen).await.map_err(|source| StartError::Bind { addr: args.listen, source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind { addr: args.listen, source })?;
    let config = Config::resolve(&args, addr)?;
    let shutdown = CancellationToken::new();
    let state = AppState::new(config, shutdown.clone()).await?;
    let router = app(state.clone());
    let task = tokio::spawn(serve(listener, router, shutdown.clone()));
    tokio::spawn(sweep_uploads(state.clone(), shutdown.clone()));
    tokio::spawn(payments_schedule(state.clone(), shutdown.clone()));
    let config = state.config();
    info!(addr = %addr, public_url = %config.public_url, data_dir = %config.data_dir.display(), "pq-server listening");
    Ok(RunningServer {
        addr,
        public_url: config.public_url.clone(),
        data_dir: config.data_dir.clone(),
        mailbox: state.idp().and_then(|i| i.mailbox_path()),
        state,
        shutdown,
        task,
    })
}
