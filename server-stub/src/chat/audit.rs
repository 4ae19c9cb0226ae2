//! A server's audit log: every moderation and settings action (who, what,
//! to whom, when), written in the same change as the action itself, read by
//! those with `manage_server`, newest first.

use pq_protocol::{
    ChannelId, ServerId, UserId,
    models::{AuditAction, AuditPage, Permission},
};

use super::{
    Chat,
    access::{require, standing_in},
    store::NewAudit,
    writer::Tx,
};
use crate::error::{ApiError, ApiResult};

/// The most entries one page holds (and the default).
pub const MAX_AUDIT_PAGE: u32 = 100;

/// What one change did, for [`record`].
#[derive(Debug, Default)]
pub struct Target {
    /// To whom.
    pub user: Option<UserId>,
    /// To which channel.
    pub channel: Option<ChannelId>,
    /// More about it.
    pub detail: Option<String>,
}

/// Appends `action` by `actor` in `server` to the log, in the change's
/// transaction.
///
/// # Errors
/// Storage failure.
pub fn record(tx: &mut Tx<'_>, server: ServerId, action: AuditAction, actor: UserId, target: Target) -> ApiResult<()> {
    let at = tx.now();
    tx.store().insert_audit(&NewAudit {
        server,
        action,
        actor,
        target_user: target.user,
        target_channel: target.channel,
        detail: target.detail,
        at,
    })?;
    Ok(())
}

impl Chat {
    /// A page of a server's audit log, newest first: entries numbered below
    /// `before`, at most `limit` (1–100, default 100). `manage_server`.
    ///
    /// # Errors
    /// 404 (not a member), 403 (a member), 422 (`limit` out of range, `before`
    /// above 2^53 − 1).
    pub async fn audit_log(
        &self,
        user: UserId,
        server: ServerId,
        before: Option<u64>,
        limit: Option<u32>,
    ) -> ApiResult<AuditPage> {
        require(&standing_in(&self.dir.read(), server, user)?, Permission::ManageServer, "read the audit log")?;
        before.map(|b| super::validate::seq("before", b)).transpose()?;
        let limit = limit.unwrap_or(MAX_AUDIT_PAGE);
        if !(1..=MAX_AUDIT_PAGE).contains(&limit) {
            return Err(ApiError::invalid("limit", format!("limit must be between 1 and {MAX_AUDIT_PAGE}")));
        }
        Ok(self.reads.read(move |s| s.audit_page(server, before, limit)).await?)
    }
}
