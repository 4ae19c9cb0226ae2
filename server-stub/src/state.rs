//! [`AppState`]: what every handler and gateway connection shares.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::{StartError, auth::Verifier, config::Config, db::Db, gateway::Hub, idp::Idp};

/// Shared state. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    config: Config,
    db: Db,
    hub: Arc<Hub>,
    verifier: Verifier,
    idp: Option<Arc<Idp>>,
    shutdown: CancellationToken,
}

impl AppState {
    /// Builds the state: starts the development provider (if on), the token
    /// verifier, and the gateway hub with the memberships from the database.
    ///
    /// # Errors
    /// When the provider or the hub cannot load.
    pub async fn new(config: Config, db: Db, shutdown: CancellationToken) -> Result<Self, StartError> {
        let idp = if config.dev_idp {
            Some(Idp::new(db.clone(), &config).await.map_err(|e| StartError::Idp(e.to_string()))?)
        } else {
            None
        };
        let verifier = Verifier::new(&config, idp.clone());
        let hub = Hub::load(&db, &config, shutdown.clone()).await?;
        Ok(Self(Arc::new(Inner { config, db, hub, verifier, idp, shutdown })))
    }

    /// Configuration.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// Database.
    #[must_use]
    pub fn db(&self) -> &Db {
        &self.0.db
    }

    /// Gateway hub: sessions, routing, presence.
    #[must_use]
    pub fn hub(&self) -> &Hub {
        &self.0.hub
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

    /// Cancelled when the server shuts down.
    #[must_use]
    pub fn shutdown(&self) -> &CancellationToken {
        &self.0.shutdown
    }
}
