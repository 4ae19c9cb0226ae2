//! Members: list (with presence and roles), leave, remove, ban (with a purge
//! of their recent messages) and unban.
//!
//! Every check is made inside the writer's batch against the roles the
//! change commits on: two owners handing the server over at once leave one
//! owner (the second finds they are no longer the owner), and a message sent
//! by someone being removed is either stored before the removal (and
//! delivered) or refused.

use pq_protocol::{
    AttachmentId, ServerId, UserId,
    gateway::Event,
    models::{AuditAction, Ban, Member, Permission, PurgeWindow},
};

use super::{
    Chat,
    access::{require, require_above, standing_in},
    audit::{self, Target},
    directory::Effect,
    writer::Tx,
};
use crate::{
    error::{ApiError, ApiResult},
    gateway::Audience,
};

/// Removes `target` from `server` (their markers stop counting towards
/// `unread_by`; they hear `server_removed`).
fn remove(tx: &mut Tx<'_>, server: ServerId, target: UserId, kicked: bool) -> ApiResult<()> {
    let markers = tx.store().delete_member(server, target)?;
    tx.apply(Effect::RemoveMember { server, user: target });
    tx.emit(Audience::Server(server), Event::MemberLeft { server_id: server, user_id: target, kicked });
    for (channel_id, seq, last) in markers {
        tx.emit(
            Audience::Room(super::directory::Room::Channel(server, channel_id)),
            Event::UnreadByChanged { channel_id, after_seq: seq, through_seq: last, delta: -1 },
        );
    }
    let reason = if kicked { "kicked" } else { "left" };
    tx.emit(Audience::User(target), Event::ServerRemoved { server_id: server, reason: reason.into() });
    Ok(())
}

/// Leaves a server. The owner cannot leave: hand it over or delete it.
///
/// # Errors
/// 404, 409 (the owner).
pub fn leave(tx: &mut Tx<'_>, user: UserId, server: ServerId) -> ApiResult<()> {
    if standing_in(tx.dir(), server, user)?.owner {
        return Err(ApiError::Conflict(
            "the owner cannot leave; make someone else the owner or delete the server".into(),
        ));
    }
    remove(tx, server, user, false)
}

/// Removes someone from a server: needs `kick_members` and a higher rank
/// than theirs.
///
/// # Errors
/// 409 (oneself: leave instead), 403, 404.
pub fn kick(tx: &mut Tx<'_>, user: UserId, server: ServerId, target: UserId) -> ApiResult<()> {
    let mine = standing_in(tx.dir(), server, user)?;
    if target == user {
        return Err(ApiError::Conflict("to leave a server, use DELETE /api/servers/{id}/members/@me".into()));
    }
    require(&mine, Permission::KickMembers, "remove members")?;
    let theirs = tx.dir().standing(server, target).ok_or(ApiError::NotFound("member"))?;
    require_above(&mine, &theirs, "remove")?;
    remove(tx, server, target, true)?;
    audit::record(tx, server, AuditAction::MemberRemoved, user, Target { user: Some(target), ..Target::default() })?;
    tracing::info!(server_id = %server, user_id = %target, by = %user, "member removed");
    Ok(())
}

/// The most messages one ban deletes.
pub const MAX_PURGE: usize = 5_000;

/// Bans someone from a server (needs `ban_members`; a member only when
/// ranked below the caller). They leave it (if in it), cannot join again until
/// unbanned, and with `purge` their messages in it from that far back
/// become tombstones. Banning again changes nothing but the purge.
///
/// # Errors
/// 409 (oneself), 403, 404 (no such account).
pub fn ban(
    tx: &mut Tx<'_>,
    user: UserId,
    server: ServerId,
    target: UserId,
    purge: Option<PurgeWindow>,
) -> ApiResult<Vec<AttachmentId>> {
    let mine = standing_in(tx.dir(), server, user)?;
    require(&mine, Permission::BanMembers, "ban people")?;
    if target == user {
        return Err(ApiError::Conflict("you cannot ban yourself".into()));
    }
    if tx.store().account(target)?.is_none() {
        return Err(ApiError::NotFound("user"));
    }
    if let Some(theirs) = tx.dir().standing(server, target) {
        require_above(&mine, &theirs, "ban")?;
        remove(tx, server, target, true)?;
    }
    let now = tx.now();
    if !tx.dir().is_banned(server, target) {
        tx.store().insert_ban(server, target, user, now)?;
        tx.apply(Effect::SetBanned { server, user: target, banned: true });
    }
    let mut files = vec![];
    if let Some(window) = purge {
        let since = pq_protocol::Timestamp::from_millis(now.as_millis() - window.millis());
        let gone = tx.store().purge_messages(server, target, since, now, MAX_PURGE)?;
        for (channel_id, message_id, seq) in gone {
            files.extend(tx.store().take_attachments(message_id)?);
            tx.emit(Audience::Server(server), Event::MessageDeleted { channel_id, message_id, seq });
        }
    }
    let detail = purge.map(|p| p.as_str().to_owned());
    audit::record(
        tx,
        server,
        AuditAction::MemberBanned,
        user,
        Target { user: Some(target), detail, ..Target::default() },
    )?;
    tracing::info!(server_id = %server, user_id = %target, by = %user, ?purge, "banned");
    Ok(files)
}

/// Lifts a ban (`ban_members`).
///
/// # Errors
/// 403, 404 (not banned).
pub fn unban(tx: &mut Tx<'_>, user: UserId, server: ServerId, target: UserId) -> ApiResult<()> {
    require(&standing_in(tx.dir(), server, user)?, Permission::BanMembers, "lift bans")?;
    if !tx.store().delete_ban(server, target)? {
        return Err(ApiError::NotFound("ban"));
    }
    tx.apply(Effect::SetBanned { server, user: target, banned: false });
    audit::record(tx, server, AuditAction::MemberUnbanned, user, Target { user: Some(target), ..Target::default() })?;
    Ok(())
}

impl Chat {
    /// Members of a server with their roles and presence.
    ///
    /// # Errors
    /// 404 when the caller is not a member.
    pub async fn members(&self, user: UserId, server: ServerId) -> ApiResult<Vec<Member>> {
        standing_in(&self.dir.read(), server, user)?;
        let rows = self.reads.read(move |s| s.members(server)).await?;
        Ok(rows
            .into_iter()
            .map(|(m, roles, joined_at)| Member {
                presence: self.hub.presence_seen_by(user, m.id),
                user: m,
                roles,
                joined_at,
            })
            .collect())
    }

    /// Leaves a server.
    ///
    /// # Errors
    /// See [`leave`].
    pub async fn leave(&self, user: UserId, server: ServerId) -> ApiResult<()> {
        self.writer.run(move |tx| leave(tx, user, server)).await
    }

    /// Removes someone from a server.
    ///
    /// # Errors
    /// See [`kick`].
    pub async fn kick(&self, user: UserId, server: ServerId, target: UserId) -> ApiResult<()> {
        self.writer.run(move |tx| kick(tx, user, server, target)).await
    }

    /// Bans someone.
    ///
    /// # Errors
    /// See [`ban`].
    pub async fn ban(
        &self,
        user: UserId,
        server: ServerId,
        target: UserId,
        purge: Option<PurgeWindow>,
    ) -> ApiResult<()> {
        let files = self.writer.run(move |tx| ban(tx, user, server, target, purge)).await?;
        self.forget_files(files).await;
        Ok(())
    }

    /// Lifts a ban.
    ///
    /// # Errors
    /// See [`unban`].
    pub async fn unban(&self, user: UserId, server: ServerId, target: UserId) -> ApiResult<()> {
        self.writer.run(move |tx| unban(tx, user, server, target)).await
    }

    /// A server's bans (`ban_members`).
    ///
    /// # Errors
    /// 404 (not a member), 403.
    pub async fn bans(&self, user: UserId, server: ServerId) -> ApiResult<Vec<Ban>> {
        require(&standing_in(&self.dir.read(), server, user)?, Permission::BanMembers, "see the bans")?;
        Ok(self.reads.read(move |s| s.bans(server)).await?)
    }
}
