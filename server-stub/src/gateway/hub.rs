//! Sessions and routing (being written).
use tokio_util::sync::CancellationToken;

use crate::{config::Config, db::Db};

/// Sessions, routing and presence.
#[derive(Debug)]
pub struct Hub {}

impl Hub {
    /// Loads memberships.
    ///
    /// # Errors
    /// Database failure.
    #[allow(clippy::unused_async)]
    pub async fn load(_db: &Db, _config: &Config, _shutdown: CancellationToken) -> Result<Self, sqlx::Error> {
        Ok(Self {})
    }
}
