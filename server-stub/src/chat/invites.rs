//! Invites: codes of 128 random bits (not derived from any id), with expiry,
//! use limits and revocation; previewed without joining; accepted once.
//!
//! Accepting checks and counts the use inside the writer's batch, so a
//! one-use invite accepted by two people at once admits one.

use base64::Engine as _;
use pq_protocol::{
    InviteCode, ServerId, UserId,
    gateway::Event,
    models::{AuditAction, Invite, InvitePreview, Member, Permission, Presence, ServerState},
};

use super::{
    Chat,
    access::{require, standing_in},
    audit::{self, Target},
    directory::Effect,
    servers::state_in_tx,
    writer::Tx,
};
use crate::{
    error::{ApiError, ApiResult},
    gateway::Audience,
};

/// Default lifetime of an invite: 7 days.
pub const DEFAULT_MAX_AGE_SECS: u64 = 7 * 24 * 3600;
/// Longest lifetime one can ask for: 365 days (or 0 for never).
pub const MAX_MAX_AGE_SECS: u64 = 365 * 24 * 3600;
/// Most uses one can allow (or none for unlimited).
pub const MAX_USES: u32 = 10_000;

fn new_code() -> InviteCode {
    let bytes: [u8; 16] = rand::random();
    InviteCode(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

fn parse_code(code: &str) -> ApiResult<InviteCode> {
    if InviteCode::is_well_formed(code) { Ok(InviteCode(code.to_owned())) } else { Err(ApiError::NotFound("invite")) }
}

/// Creates an invite link (any member).
///
/// # Errors
/// 404, 422 (lifetime or uses out of range).
pub fn create(
    tx: &mut Tx<'_>,
    user: UserId,
    server: ServerId,
    max_age_secs: Option<u64>,
    max_uses: Option<u32>,
) -> ApiResult<Invite> {
    require(&standing_in(tx.dir(), server, user)?, Permission::CreateInvites, "create invites")?;
    let max_age = max_age_secs.unwrap_or(DEFAULT_MAX_AGE_SECS);
    if max_age > MAX_MAX_AGE_SECS {
        return Err(ApiError::invalid("max_age_secs", "an invite can last at most 365 days (or 0 for never)"));
    }
    if let Some(m) = max_uses
        && (m == 0 || m > MAX_USES)
    {
        return Err(ApiError::invalid("max_uses", "max_uses must be between 1 and 10000 (or absent for unlimited)"));
    }
    let now = tx.now();
    let code = new_code();
    let invite = Invite {
        url: code.deep_link(),
        code,
        server_id: server,
        creator_id: user,
        created_at: now,
        expires_at: (max_age > 0).then(|| now.plus_millis(max_age as i64 * 1000)),
        max_uses,
        uses: 0,
    };
    tx.store().insert_invite(&invite)?;
    Ok(invite)
}

/// Revokes an invite (its creator, or someone with `manage_invites`).
///
/// # Errors
/// 403, 404.
pub fn revoke(tx: &mut Tx<'_>, user: UserId, code: &InviteCode) -> ApiResult<()> {
    let row = tx.store().invite(code)?.ok_or(ApiError::NotFound("invite"))?;
    let server = row.invite.server_id;
    let mine = tx.dir().standing(server, user).ok_or(ApiError::NotFound("invite"))?;
    if row.invite.creator_id != user {
        require(&mine, Permission::ManageInvites, "revoke other people's invites")?;
    }
    let now = tx.now();
    tx.store().revoke_invite(code, now)?;
    let detail = Some(code.0.chars().take(6).collect());
    audit::record(tx, server, AuditAction::InviteRevoked, user, Target { detail, ..Target::default() })?;
    Ok(())
}

/// Joins the server an invite leads to. Accepting again as a member changes
/// nothing and uses nothing up.
///
/// # Errors
/// 404, 410 (expired, revoked or used up), 403 (banned).
pub fn accept(tx: &mut Tx<'_>, user: UserId, code: &InviteCode) -> ApiResult<ServerState> {
    let row = tx.store().invite(code)?.ok_or(ApiError::NotFound("invite"))?;
    let server = row.invite.server_id;
    if tx.dir().is_member(server, user) {
        return state_in_tx(tx, user, server);
    }
    if tx.dir().is_banned(server, user) {
        return Err(ApiError::Forbidden("you are banned from this server".into()));
    }
    let now = tx.now();
    if row.expired(now) {
        return Err(ApiError::InviteExpired);
    }
    if row.used_up() || !tx.store().use_invite(code, now)? {
        return Err(ApiError::InviteExhausted);
    }
    // Nothing before joining counts as unread.
    tx.store().insert_member(server, user, now, true)?;
    tx.apply(Effect::AddMember { server, user });
    let me = tx.store().account(user)?.ok_or(ApiError::NotFound("user"))?.user;
    let presence = tx.hub().presence(user);
    // Offline here: the event goes to the whole server, the presence only to
    // those the joiner did not block.
    let member = Member { presence: Presence::Offline, user: me, roles: vec![], joined_at: now };
    // The joiner hears of the server before anything that happens in it.
    let snapshot = state_in_tx(tx, user, server)?;
    tx.emit(Audience::User(user), Event::ServerJoined { state: snapshot.clone() });
    tx.emit(Audience::Server(server), Event::MemberJoined { server_id: server, member });
    // Their presence is now visible to new peers (not to those they blocked).
    if presence != Presence::Offline {
        tx.emit(Audience::ServerSeeing(server, user), Event::PresenceUpdated { user_id: user, presence });
    }
    tracing::info!(server_id = %server, user_id = %user, "member joined by invite");
    Ok(snapshot)
}

impl Chat {
    /// Creates an invite.
    ///
    /// # Errors
    /// See [`create`].
    pub async fn create_invite(
        &self,
        user: UserId,
        server: ServerId,
        max_age_secs: Option<u64>,
        max_uses: Option<u32>,
    ) -> ApiResult<Invite> {
        self.writer.run(move |tx| create(tx, user, server, max_age_secs, max_uses)).await
    }

    /// The server's invites that still work (`manage_invites`).
    ///
    /// # Errors
    /// 403, 404.
    pub async fn invites(&self, user: UserId, server: ServerId) -> ApiResult<Vec<Invite>> {
        require(&standing_in(&self.dir.read(), server, user)?, Permission::ManageInvites, "see the server's invites")?;
        let now = self.hub.clock().timestamp();
        Ok(self.reads.read(move |s| s.usable_invites(server, now)).await?)
    }

    /// What an invite leads to, without joining.
    ///
    /// # Errors
    /// 404, 410.
    pub async fn preview_invite(&self, user: UserId, code: &str) -> ApiResult<InvitePreview> {
        let code = parse_code(code)?;
        let (row, server, inviter) = self
            .reads
            .read(move |s| {
                let row = s.invite(&code)?.ok_or(ApiError::NotFound("invite"))?;
                let server = s.server(row.invite.server_id)?.ok_or(ApiError::NotFound("invite"))?;
                let inviter = s.account(row.invite.creator_id)?.ok_or(ApiError::NotFound("invite"))?.user;
                Ok::<_, ApiError>((row, server, inviter))
            })
            .await?;
        if row.expired(self.hub.clock().timestamp()) {
            return Err(ApiError::InviteExpired);
        }
        if row.used_up() {
            return Err(ApiError::InviteExhausted);
        }
        let (member_count, online_count) = self.hub.member_counts(server.id);
        Ok(InvitePreview {
            code: row.invite.code,
            server_id: server.id,
            server_name: server.name,
            server_icon_url: server.icon_url,
            member_count,
            online_count,
            inviter,
            expires_at: row.invite.expires_at,
            already_member: self.dir.read().is_member(server.id, user),
        })
    }

    /// Revokes an invite.
    ///
    /// # Errors
    /// See [`revoke`].
    pub async fn revoke_invite(&self, user: UserId, code: &str) -> ApiResult<()> {
        let code = parse_code(code)?;
        self.writer.run(move |tx| revoke(tx, user, &code)).await
    }

    /// Accepts an invite.
    ///
    /// # Errors
    /// See [`accept`].
    pub async fn accept_invite(&self, user: UserId, code: &str) -> ApiResult<ServerState> {
        let code = parse_code(code)?;
        self.writer.run(move |tx| accept(tx, user, &code)).await
    }
}
