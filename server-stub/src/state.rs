//! [`AppState`]: what every handler and gateway connection shares.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::{
    StartError,
    auth::Verifier,
    chat::Chat,
    config::Config,
    db::{self, Db},
    gateway::Hub,
    idp::Idp,
};

/// Shared state. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    config: Config,
    chat: Chat,
    verifier: Verifier,
    idp: Option<Arc<Idp>>,
    limits: Arc<crate::limits::Limits>,
    shutdown: CancellationToken,
}

impl AppState {
    /// Builds the state: opens the databases, starts the development provider
    /// (if on), the token verifier, and the domain layer (its writer and the
    /// gateway hub).
    ///
    /// # Errors
    /// When a database or the provider cannot open.
    pub async fn new(config: Config, shutdown: CancellationToken) -> Result<Self, StartError> {
        let idp = if config.dev_idp {
            let db = Db::open_idp(&config.data_dir).await?;
            Some(Idp::new(db, &config).await.map_err(|e| StartError::Idp(e.to_string()))?)
        } else {
            None
        };
        let verifier = Verifier::new(&config, idp.clone());
        let file = db::migrate_chat(&config.data_dir).await?;
        let chat = Chat::open(&file, &config, shutdown.clone()).map_err(db::OpenDbError::from)?;
        if let Some(idp) = &idp {
            // A revoked sign-in (sign-out, password reset) closes the gateway
            // connections opened with its tokens.
            let mut revoked = idp.revocations.subscribe();
            let (hub, stop, idp) = (chat.hub().clone(), shutdown.clone(), idp.clone());
            tokio::spawn(async move {
                loop {
                    let r = tokio::select! {
                        r = revoked.recv() => r,
                        () = stop.cancelled() => return,
                    };
                    match r {
                        Ok(r) => {
                            let closed = hub.end_sign_in(&r.origin);
                            tracing::debug!(sub = %r.subject, closed, "revoked sign-in: sessions ended");
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                            // Some were missed: check every session.
                            hub.end_sign_ins(|o| idp.revocations.is_revoked(o));
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                    }
                }
            });
        }
        let limits = crate::limits::Limits::new(&config);
        {
            // Forget quiet clients now and then.
            let (limits, idp, stop) = (limits.clone(), idp.clone(), shutdown.clone());
            tokio::spawn(async move {
                let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
                loop {
                    tokio::select! {
                        _ = every.tick() => {}
                        () = stop.cancelled() => return,
                    }
                    limits.tidy();
                    if let Some(idp) = &idp {
                        idp.limits.tidy();
                    }
                }
            });
        }
        Ok(Self(Arc::new(Inner { config, chat, verifier, idp, limits, shutdown })))
    }

    /// Configuration.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// The domain layer: every rule, change and read of chat state.
    #[must_use]
    pub fn chat(&self) -> &Chat {
        &self.0.chat
    }

    /// Gateway hub: sessions, routing, presence.
    #[must_use]
    pub fn hub(&self) -> &Hub {
        self.0.chat.hub()
    }

    /// Access token verifier.
    #[must_use]
    pub fn verifier(&self) -> &Verifier {
        &self.0.verifier
    }

    /// The development provider, when on.
    #[must_use]
    pub fn idp(&self) -> Option<&Arc<Idp>> {
        self.0.idp.as_ref()
    }

    /// Abuse limits.
    #[must_use]
    pub fn limits(&self) -> &crate::limits::Limits {
        &self.0.limits
    }

    /// Cancelled when the server shuts down.
    #[must_use]
    pub fn shutdown(&self) -> &CancellationToken {
        &self.0.shutdown
    }

    /// Stops the writer (after finishing what is queued) and closes the
    /// databases.
    pub async fn close(&self) {
        self.0.chat.stop().await;
        if let Some(idp) = &self.0.idp {
            idp.close().await;
        }
    }
}
