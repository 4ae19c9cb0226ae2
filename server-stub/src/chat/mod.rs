//! The domain layer: every rule and every change of pq's chat, in one place.
//!
//! REST handlers (`routes`) and gateway ops (`gateway::conn`) are adapters:
//! they decode a request, call one method of [`Chat`], and encode the
//! answer. Neither imports the other; the rule (who may do it, what changes,
//! which events go out) lives here once, in a module per concept:
//! [`messages`] (and read markers), [`servers`], [`channels`], [`members`],
//! [`invites`], [`users`] (accounts, profiles, plans, images),
//! [`relationships`] (friends, requests, blocks), [`dms`] (direct messages).
//!
//! # The write path
//!
//! Every change is a rule — a plain function of a [`writer::Tx`] — queued to
//! the [`writer`], one thread that owns the write connection and
//! group-commits: every change waiting at that moment goes into one
//! transaction and one fsync; then, in commit order, the published
//! [`directory`] is updated, the change's events are dispatched, and its
//! caller is answered. Permission and membership checks run inside the batch
//! against the directory the change commits on. Because the writer runs each
//! batch to its end on its own thread, a caller that goes away (a dropped
//! request, a closed socket, a timeout) can never split a commit from its
//! events.
//!
//! # Reads
//!
//! Reads check access against the published directory and query a pooled
//! read connection ([`store::ReadPool`]); they see every committed change
//! whose events have been dispatched.
//!
//! # Storage
//!
//! Rules talk to storage only through [`store::Store`]; SQLite is the
//! embedded backend.

pub mod access;
pub mod attachments;
pub mod audit;
pub mod channels;
pub mod directory;
pub mod dms;
pub mod events;
pub mod invites;
pub mod members;
pub mod messages;
pub mod paid_events;
pub mod payments;
pub mod relationships;
pub mod roles;
pub mod servers;
pub mod store;
#[cfg(test)]
mod tests;
pub mod users;
pub mod validate;
pub mod writer;

use std::{path::Path, sync::Arc};

use pq_protocol::{
    ChannelId, UserId,
    gateway::{PROTOCOL_VERSION, Ready},
    models::{ChannelKind, Permission},
    voice::{IceConfig, VoiceState},
};
use tokio_util::sync::CancellationToken;

use self::{
    access::{channel_access, require, require_above, standing_in},
    directory::Published,
    store::{ReadPool, SqliteStore, Store, StoreError},
    writer::{Writer, WriterStats},
};
use crate::{
    config::Config,
    error::{ApiError, ApiResult},
    gateway::{Hub, hub::Session},
};

/// Connections in the read pool.
const READERS: u32 = 4;

/// The domain layer's handle: every change and every read of chat state.
/// Cheap to share (held in an `Arc` by the app state).
#[derive(Debug)]
pub struct Chat {
    writer: Writer,
    reads: ReadPool,
    dir: Published,
    hub: Arc<Hub>,
    /// Mail for invites to addresses with no account (only with SMTP).
    invite_mail: Option<invites::InviteMail>,
    /// Attachments' bytes.
    storage: crate::storage::Storage,
    /// Payments, if this server takes them.
    payments: Option<payments::Payments>,
}

impl Chat {
    /// Opens the database file (created and migrated already), loads the
    /// directory, starts the gateway hub and the writer.
    ///
    /// # Errors
    /// The database cannot be opened or read.
    pub fn open(db_file: &Path, config: &Config, shutdown: CancellationToken) -> Result<Self, StoreError> {
        let store = SqliteStore::open(db_file)?;
        let dir = store.load_directory()?;
        let published = Published::new(dir.clone());
        let hub = Hub::new(config, published.clone(), shutdown);
        let writer = Writer::start(Box::new(store), dir, published.clone(), hub.clone());
        let reads = ReadPool::open(db_file, READERS)?;
        // Invites go by mail only through SMTP (the development mailbox file
        // is for sign-in codes): without it the inviter is told to send the link.
        let invite_mail = match &config.smtp_url {
            Some(url) => Some(invites::InviteMail {
                mailer: crate::idp::mail::Mailer::new(Some(url.expose()), &config.mail_from, &config.data_dir)
                    .map_err(|e| StoreError(Box::new(e)))?,
                public_url: config.public_url.clone(),
            }),
            None => None,
        };
        let storage = match &config.s3 {
            Some(s3) => crate::storage::Storage::s3(s3),
            None => crate::storage::Storage::local(&config.data_dir.join("objects")),
        }
        .map_err(|e| StoreError(Box::new(e)))?;
        let payments =
            config.payments.as_ref().map(|p| payments::Payments::new(p, config.plan_prices, &config.public_url));
        Ok(Self { writer, reads, dir: published, hub, invite_mail, storage, payments })
    }

    /// Where attachments' bytes live.
    #[must_use]
    pub fn storage(&self) -> &crate::storage::Storage {
        &self.storage
    }

    /// Deletes the bytes of attachments whose rows are gone (after the
    /// commit that forgot them); a failure is logged, not the caller's.
    pub(crate) async fn forget_files(&self, files: Vec<pq_protocol::AttachmentId>) {
        for id in files {
            let (file, thumbnail) = attachments::keys(id);
            for key in [file, thumbnail] {
                if let Err(e) = self.storage.delete(&key).await {
                    tracing::warn!(%key, error = %e, "an attachment's bytes were not deleted");
                }
            }
        }
    }

    /// The gateway hub: sessions, fan-out, presence, voice rooms.
    #[must_use]
    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// The published directory.
    #[must_use]
    pub fn directory(&self) -> &Published {
        &self.dir
    }

    /// The writer's counters.
    #[must_use]
    pub fn writer_stats(&self) -> &WriterStats {
        self.writer.stats()
    }

    /// The writer (tests queue their own changes).
    #[doc(hidden)]
    #[must_use]
    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    /// Finishes the queued changes and stops the writer (at shutdown).
    pub async fn stop(&self) {
        self.writer.stop().await;
    }

    /// `ready` for a freshly identified gateway session.
    ///
    /// # Errors
    /// Storage failure.
    pub async fn ready(&self, user: UserId, session: &Session) -> ApiResult<Ready> {
        let me = self.me(user).await?;
        let servers = self.server_states(user, None).await?;
        let relationships = self.relationships(user).await?;
        let dms = self.dms(user).await?;
        let invites = self.pending_invites(user).await?;
        Ok(Ready {
            v: PROTOCOL_VERSION,
            session_id: session.id,
            me,
            servers,
            presences: self.hub.presences_for(user),
            status: self.hub.status_choice(user),
            relationships,
            dms,
            invites,
        })
    }

    /// Moderators (with permission `p`) act on people ranked below them;
    /// anyone with it may act on themselves.
    fn voice_admin(
        &self,
        user: UserId,
        channel: ChannelId,
        target: UserId,
        p: Permission,
        what: &str,
    ) -> ApiResult<()> {
        let dir = self.dir.read();
        let (server, kind, mine) = channel_access(&dir, channel, user)?;
        if kind != ChannelKind::Voice {
            return Err(ApiError::Conflict("not a voice channel".into()));
        }
        require(&mine, p, &format!("{what} people in voice rooms"))?;
        if target != user
            && let Ok(theirs) = standing_in(&dir, server, target)
        {
            require_above(&mine, &theirs, what)?;
        }
        Ok(())
    }

    /// STUN and TURN servers for `user`'s peer connections (TURN credentials
    /// derived now).
    #[must_use]
    pub fn ice_servers(&self, user: UserId) -> IceConfig {
        crate::gateway::voice::ice_servers(self.hub.voice_config(), user, std::time::SystemTime::now())
    }

    /// Mutes or unmutes someone in a voice room for everyone (`mute_members`).
    ///
    /// # Errors
    /// 400, 403, 404, 409 (not in the room).
    pub fn voice_moderate(
        &self,
        user: UserId,
        channel: ChannelId,
        target: UserId,
        mute: bool,
    ) -> ApiResult<VoiceState> {
        self.voice_admin(user, channel, target, Permission::MuteMembers, "mute")?;
        self.hub.voice_moderate(channel, target, mute)
    }

    /// Disconnects someone from a voice room (`move_members`).
    ///
    /// # Errors
    /// 400, 403, 404, 409 (not in the room).
    pub fn voice_disconnect(&self, user: UserId, channel: ChannelId, target: UserId) -> ApiResult<()> {
        self.voice_admin(user, channel, target, Permission::MoveMembers, "disconnect")?;
        self.hub.voice_disconnect(channel, target)
    }
}
