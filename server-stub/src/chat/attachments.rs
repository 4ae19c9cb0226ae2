//! Attachments: who may upload where, how large, and who may read them.
//! The bytes live in object storage ([`crate::storage`]); the rows say
//! whose upload it is and which message carries it. An upload is its
//! uploader's alone until a send names it
//! ([`super::messages::send`]); then whoever sees the channel may read it.
//! Deleting the message forgets its attachments (the bytes go after commit).

use pq_protocol::{
    AttachmentId, ChannelId, UserId,
    models::{Attachment, Permission},
};

use super::{
    Chat,
    access::{require, standing_in, text_room},
    directory::{Directory, Room},
    messages::dm_refused,
    store::AttachmentPlace,
};
use crate::{
    config::UploadLimits,
    error::{ApiError, ApiResult},
};

/// `user` may write in `channel`: a text channel they see, `send_messages`
/// in a server, and nothing refusing in a direct conversation.
fn may_write(dir: &Directory, channel: ChannelId, user: UserId) -> ApiResult<()> {
    match text_room(dir, channel, user)? {
        Room::Channel(server, _) => require(&standing_in(dir, server, user)?, Permission::SendMessages, "write here"),
        _ => match dir.dm(channel).and_then(|d| d.other(user)).and_then(|other| dir.dm_refusal(user, other)) {
            Some(refusal) => Err(dm_refused(refusal)),
            None => Ok(()),
        },
    }
}

/// How long an upload no message names is kept (long enough for a message
/// queued with files to be sent after a long upload; an outbox that takes
/// longer uploads again).
pub const UNSENT_UPLOAD_LIFETIME: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// The storage key of an attachment's bytes, and of its thumbnail.
#[must_use]
pub fn keys(id: AttachmentId) -> (String, String) {
    (format!("attachments/{id}"), format!("attachments/{id}.thumb"))
}

impl Chat {
    /// The largest file `user` may upload to `channel` (their plan's), once
    /// they may write there.
    ///
    /// # Errors
    /// 404 (no such channel, or not one they see), 403 (no
    /// `send_messages`; a conversation that refuses), 409 (not a text
    /// channel).
    pub async fn upload_limit(&self, user: UserId, channel: ChannelId, limits: UploadLimits) -> ApiResult<u64> {
        may_write(&self.dir.read(), channel, user)?;
        let account = self.reads.read(move |s| s.account(user)).await?;
        Ok(limits.of(account.map(|a| a.plan).unwrap_or_default()))
    }

    /// Records an upload, checking again (where it commits) that `user`
    /// may write in `channel`.
    ///
    /// # Errors
    /// As [`Chat::upload_limit`].
    pub async fn add_attachment(&self, user: UserId, channel: ChannelId, file: Attachment) -> ApiResult<()> {
        self.writer
            .run(move |tx| {
                may_write(tx.dir(), channel, user)?;
                let at = tx.now();
                let place = AttachmentPlace { uploader: user, channel, message: None };
                tx.store().insert_attachment(&file, place, at)?;
                Ok(())
            })
            .await
    }

    /// Forgets uploads no message named that are older than `lifetime`, and
    /// their bytes; returns how many.
    ///
    /// # Errors
    /// Storage failure.
    pub async fn sweep_uploads(&self, lifetime: std::time::Duration) -> ApiResult<usize> {
        let millis = i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX);
        let mut total = 0;
        loop {
            let ids = self
                .writer
                .run(move |tx| {
                    let before = pq_protocol::Timestamp::from_millis(tx.now().as_millis().saturating_sub(millis));
                    Ok(tx.store().take_stale_uploads(before, 500)?)
                })
                .await?;
            let n = ids.len();
            total += n;
            self.forget_files(ids).await;
            if n < 500 {
                return Ok(total);
            }
        }
    }

    /// An attachment, if `user` may read it: their own upload not sent yet,
    /// or one carried by a message in a channel they see.
    ///
    /// # Errors
    /// 404 otherwise (whether or not it exists).
    pub async fn attachment(&self, user: UserId, id: AttachmentId) -> ApiResult<Attachment> {
        let found = self.reads.read(move |s| s.attachment(id)).await?;
        let gone = || ApiError::NotFound("attachment");
        let (file, place) = found.ok_or_else(gone)?;
        match place.message {
            None if place.uploader == user => Ok(file),
            None => Err(gone()),
            Some(_) => text_room(&self.dir.read(), place.channel, user).map(|_| file).map_err(|_| gone()),
        }
    }
}
