//! Members: list (with presence), leave, remove, ban (with a purge of their
//! recent messages) and unban, change role, hand over.
//!
//! Every check is made inside the writer's batch against the roles the
//! change commits on: two owners handing the server over at once leave one
//! owner (the second finds they are no longer the owner), and a message sent
//! by someone being removed is either stored before the removal (and
//! delivered) or refused.

use pq_protocol::{
    ServerId, UserId,
    gateway::Event,
    models::{AuditAction, Ban, Member, PurgeWindow, Role},
};

use super::{
    Chat,
    access::{may_remove, require_admin, require_owner, role_in},
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
            Audience::Server(server),
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
    let role = role_in(tx.dir(), server, user)?;
    if role == Role::Owner {
        return Err(ApiError::Conflict(
            "the owner cannot leave; make someone else the owner or delete the server".into(),
        ));
    }
    remove(tx, server, user, false)
}

/// Removes someone from a server: the owner may remove anyone else, admins
/// may remove members (not admins or the owner).
///
/// # Errors
/// 409 (oneself: leave instead), 403, 404.
pub fn kick(tx: &mut Tx<'_>, user: UserId, server: ServerId, target: UserId) -> ApiResult<()> {
    let role = role_in(tx.dir(), server, user)?;
    if target == user {
        return Err(ApiError::Conflict("to leave a server, use DELETE /api/servers/{id}/members/@me".into()));
    }
    let target_role = tx.dir().role(server, target).ok_or(ApiError::NotFound("member"))?;
    if !may_remove(role, target_role) {
        return Err(ApiError::Forbidden(match role {
            Role::Member => "only the owner and admins can remove members".into(),
            _ => "admins can remove members, not other admins or the owner".into(),
        }));
    }
    remove(tx, server, target, true)?;
    audit::record(tx, server, AuditAction::MemberRemoved, user, Target { user: Some(target), ..Target::default() })?;
    tracing::info!(server_id = %server, user_id = %target, by = %user, "member removed");
    Ok(())
}

/// The most messages one ban deletes.
pub const MAX_PURGE: usize = 5_000;

/// Bans someone from a server: the owner anyone else, admins members (and
/// people not in it). They leave it (if in it), cannot join again until
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
) -> ApiResult<()> {
    let role = role_in(tx.dir(), server, user)?;
    require_admin(role, "ban people")?;
    if target == user {
        return Err(ApiError::Conflict("you cannot ban yourself".into()));
    }
    if tx.store().account(target)?.is_none() {
        return Err(ApiError::NotFound("user"));
    }
    if let Some(target_role) = tx.dir().role(server, target) {
        if !may_remove(role, target_role) {
            return Err(ApiError::Forbidden("admins can ban members, not other admins or the owner".into()));
        }
        remove(tx, server, target, true)?;
    }
    let now = tx.now();
    if !tx.dir().is_banned(server, target) {
        tx.store().insert_ban(server, target, user, now)?;
        tx.apply(Effect::SetBanned { server, user: target, banned: true });
    }
    if let Some(window) = purge {
        let since = pq_protocol::Timestamp::from_millis(now.as_millis() - window.millis());
        let gone = tx.store().purge_messages(server, target, since, now, MAX_PURGE)?;
        for (channel_id, message_id, seq) in gone {
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
    Ok(())
}

/// Lifts a ban (owner and admins).
///
/// # Errors
/// 403, 404 (not banned).
pub fn unban(tx: &mut Tx<'_>, user: UserId, server: ServerId, target: UserId) -> ApiResult<()> {
    let role = role_in(tx.dir(), server, user)?;
    require_admin(role, "lift bans")?;
    if !tx.store().delete_ban(server, target)? {
        return Err(ApiError::NotFound("ban"));
    }
    tx.apply(Effect::SetBanned { server, user: target, banned: false });
    audit::record(tx, server, AuditAction::MemberUnbanned, user, Target { user: Some(target), ..Target::default() })?;
    Ok(())
}

/// Changes someone's role (owner only). Giving `owner` hands the server
/// over; the previous owner becomes an admin.
///
/// # Errors
/// 403 (also for oneself), 404.
pub fn set_role(tx: &mut Tx<'_>, user: UserId, server: ServerId, target: UserId, new: Role) -> ApiResult<()> {
    let role = role_in(tx.dir(), server, user)?;
    require_owner(role, "change roles")?;
    if target == user {
        return Err(ApiError::Forbidden("you cannot change your own role; make someone else the owner".into()));
    }
    let current = tx.dir().role(server, target).ok_or(ApiError::NotFound("member"))?;
    if current == new {
        return Ok(());
    }
    tx.store().set_role(server, target, new)?;
    if new == Role::Owner {
        tx.store().set_role(server, user, Role::Admin)?;
        tx.store().set_owner(server, target)?;
    }
    tx.apply(Effect::SetRole { server, user: target, role: new });
    let action = if new == Role::Owner { AuditAction::OwnershipTransferred } else { AuditAction::RoleChanged };
    let detail = Some(new.as_str().to_owned());
    audit::record(tx, server, action, user, Target { user: Some(target), detail, ..Target::default() })?;
    tx.emit(Audience::Server(server), Event::MemberUpdated { server_id: server, user_id: target, role: new });
    if new == Role::Owner {
        tx.apply(Effect::SetRole { server, user, role: Role::Admin });
        tx.apply(Effect::SetOwner { server, user: target });
        tx.emit(Audience::Server(server), Event::MemberUpdated { server_id: server, user_id: user, role: Role::Admin });
        let row = tx.store().server(server)?.ok_or(ApiError::NotFound("server"))?;
        tx.emit(Audience::Server(server), Event::ServerUpdated { server: row });
    }
    Ok(())
}

impl Chat {
    /// Members of a server with their role and presence.
    ///
    /// # Errors
    /// 404 when the caller is not a member.
    pub async fn members(&self, user: UserId, server: ServerId) -> ApiResult<Vec<Member>> {
        role_in(&self.dir.read(), server, user)?;
        let rows = self.reads.read(move |s| s.members(server)).await?;
        Ok(rows
            .into_iter()
            .map(|(m, role, joined_at)| Member {
                presence: self.hub.presence_seen_by(user, m.id),
                user: m,
                role,
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
        self.writer.run(move |tx| ban(tx, user, server, target, purge)).await
    }

    /// Lifts a ban.
    ///
    /// # Errors
    /// See [`unban`].
    pub async fn unban(&self, user: UserId, server: ServerId, target: UserId) -> ApiResult<()> {
        self.writer.run(move |tx| unban(tx, user, server, target)).await
    }

    /// A server's bans (owner and admins).
    ///
    /// # Errors
    /// 404 (not a member), 403.
    pub async fn bans(&self, user: UserId, server: ServerId) -> ApiResult<Vec<Ban>> {
        require_admin(role_in(&self.dir.read(), server, user)?, "see the bans")?;
        Ok(self.reads.read(move |s| s.bans(server)).await?)
    }

    /// Changes someone's role.
    ///
    /// # Errors
    /// See [`set_role`].
    pub async fn set_role(&self, user: UserId, server: ServerId, target: UserId, role: Role) -> ApiResult<()> {
        self.writer.run(move |tx| set_role(tx, user, server, target, role)).await
    }
}
