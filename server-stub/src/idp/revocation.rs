//! Revoked sign-ins: what makes a revoked refresh token's access tokens
//! (same `origin_jti`) invalid at once, and closes their gateway connections.
//!
//! The provider records each revocation here; the token verifier refuses
//! access tokens whose `origin_jti` is revoked, and the gateway subscribes to
//! close the connections that identified with one. Entries are kept as long
//! as an access token issued before the revocation can live, and reloaded
//! from the database at start.

use std::{collections::HashMap, sync::Mutex, time::Duration};

use tokio::sync::broadcast;

use super::{Db, IdpError, ms, now_ms};

/// One revoked sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revoked {
    /// The provider's account (`sub`).
    pub subject: String,
    /// The sign-in (`origin_jti`).
    pub origin: String,
}

/// The revoked sign-ins whose access tokens may still be alive.
#[derive(Debug)]
pub struct Revocations {
    /// origin → when revoked (unix ms).
    origins: Mutex<HashMap<String, i64>>,
    /// How long an entry matters: the access token lifetime (plus skew).
    keep: Duration,
    tx: broadcast::Sender<Revoked>,
}

impl Revocations {
    /// Loads the revocations that still matter from the provider's database.
    ///
    /// # Errors
    /// Database failure.
    pub(super) async fn load(db: &Db, access_ttl: Duration) -> Result<Self, IdpError> {
        let keep = access_ttl + Duration::from_secs(60);
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT origin_jti, revoked_at FROM idp_refresh_tokens \
             WHERE revoked_at IS NOT NULL AND revoked_at >= ? AND origin_jti IS NOT NULL",
        )
        .bind(now_ms() - ms(keep))
        .fetch_all(&db.read)
        .await?;
        let (tx, _) = broadcast::channel(1024);
        Ok(Self { origins: Mutex::new(rows.into_iter().collect()), keep, tx })
    }

    /// Records that `origin` (a sign-in of `subject`) is revoked and tells
    /// the subscribers.
    pub(super) fn revoke_origin(&self, subject: String, origin: String) {
        let now = now_ms();
        {
            let mut origins = self.origins.lock().expect("revocations lock");
            let horizon = now - ms(self.keep);
            origins.retain(|_, at| *at >= horizon);
            origins.insert(origin.clone(), now);
        }
        tracing::info!(sub = %subject, "development provider: a sign-in was revoked; its connections close");
        let _ = self.tx.send(Revoked { subject, origin });
    }

    /// Whether tokens of sign-in `origin` are revoked.
    #[must_use]
    pub fn is_revoked(&self, origin: &str) -> bool {
        self.origins.lock().expect("revocations lock").contains_key(origin)
    }

    /// Revocations from now on.
    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<Revoked> {
        self.tx.subscribe()
    }
}
