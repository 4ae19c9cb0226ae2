//! A real pq-server for tests of other crates: an ephemeral loopback port,
//! a temporary data directory, and restarts on the same port and data (so
//! the issuer URL, tokens and every acknowledged message survive).

use std::time::Duration;

use crate::{Args, RunningServer, StartError};

/// A server in this process. Dropping it stops serving when the runtime ends
/// and deletes the data directory.
#[derive(Debug)]
pub struct TestServer {
    running: Option<RunningServer>,
    /// Base URL, e.g. `http://127.0.0.1:40123` (also the development issuer).
    pub url: String,
    args: Args,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server with test defaults.
    ///
    /// # Panics
    /// When the server cannot start (a test cannot go on).
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts a server with test defaults changed by `configure`.
    ///
    /// # Panics
    /// When the server cannot start.
    pub async fn start_with(configure: impl FnOnce(&mut Args)) -> Self {
        let dir = tempfile::tempdir().expect("a temporary data directory");
        let mut args = Args::for_tests(dir.path().to_owned());
        configure(&mut args);
        let running = crate::start(args.clone()).await.expect("the server starts");
        args.listen = running.addr;
        let url = running.public_url.clone();
        Self { running: Some(running), url, args, _dir: dir }
    }

    /// Its data directory (databases, `objects/` of attachments).
    #[must_use]
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// The running server (`None` while stopped).
    #[must_use]
    pub fn running(&self) -> Option<&RunningServer> {
        self.running.as_ref()
    }

    /// Stops it (sockets closed with "going away"); the data stays.
    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }

    /// Starts it again on the same port and data directory, retrying the bind
    /// for a few seconds while the port is released.
    ///
    /// # Panics
    /// When it cannot start again.
    pub async fn start_again(&mut self) {
        assert!(self.running.is_none(), "already running");
        let mut last = None;
        for _ in 0..100 {
            match crate::start(self.args.clone()).await {
                Ok(r) => {
                    self.running = Some(r);
                    return;
                }
                Err(e @ StartError::Bind { .. }) => {
                    last = Some(e);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("the server does not start again: {e}"),
            }
        }
        panic!("cannot rebind {}: {last:?}", self.args.listen);
    }

    /// Stops and starts it again.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.start_again().await;
    }
}
