//! Invites: codes of 128 random bits (not derived from any id), with expiry,
//! use limits and revocation; previewed without joining; accepted once.
//! Sent to someone by name or email address: an account gets it in its app
//! (`invite_received`, pending until accepted or declined); an address with
//! no account gets it by mail when this server sends mail.
//!
//! Accepting checks and counts the use inside the writer's batch, so a
//! one-use invite accepted by two people at once admits one.

use base64::Engine as _;
use pq_protocol::{
    InviteCode, ServerId, UserId,
    gateway::Event,
    models::{
        AuditAction, Invite, InviteDelivery, InvitePreview, InviteSent, Member, PendingInvite, Permission, Presence,
        Server, ServerState, User,
    },
};

use super::{
    Chat,
    access::{require, standing_in},
    audit::{self, Target},
    directory::Effect,
    servers::state_in_tx,
    store::InviteRow,
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
    // An invite sent to them is answered, whatever happens next.
    if tx.store().delete_invite_target(code, user)? {
        tx.emit(Audience::User(user), Event::InviteResolved { code: code.clone() });
    }
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

/// How invites go out by mail: SMTP (`--smtp-url`) and the address of this
/// server's invite pages.
#[derive(Debug)]
pub struct InviteMail {
    /// The SMTP transport.
    pub mailer: crate::idp::mail::Mailer,
    /// This server's public URL (the mail links its `/invite/CODE` page).
    pub public_url: String,
}

/// Someone to invite, as [`pq_protocol::models::SendInvite`] names them.
#[derive(Debug, Clone)]
pub enum Invitee {
    /// A pq account.
    Account(UserId),
    /// An email address no account has.
    Address(String),
}

/// What someone sees of an invite before answering it.
fn preview_of(tx: &mut Tx<'_>, user: UserId, row: &InviteRow) -> ApiResult<InvitePreview> {
    let server = tx.store().server(row.invite.server_id)?.ok_or(ApiError::NotFound("invite"))?;
    let inviter = tx.store().account(row.invite.creator_id)?.ok_or(ApiError::NotFound("invite"))?.user;
    let counts = tx.hub().member_counts(server.id);
    let member = tx.dir().is_member(server.id, user);
    Ok(preview(row, server, inviter, counts, member))
}

/// What an invite leads to: its server, who sent it, how many are in it
/// (and online), and whether the viewer is already.
fn preview(
    row: &InviteRow,
    server: Server,
    inviter: User,
    (member_count, online_count): (u32, u32),
    member: bool,
) -> InvitePreview {
    InvitePreview {
        code: row.invite.code.clone(),
        server_id: server.id,
        server_name: server.name,
        server_icon_url: server.icon_url,
        server_description: server.description,
        member_count,
        online_count,
        inviter,
        expires_at: row.invite.expires_at,
        already_member: member,
    }
}

/// Invites someone (`create_invites`): a one-use invite for 7 days, which an
/// account gets in its app at once. Returns it, with whom it reached in the
/// app.
///
/// # Errors
/// 403 (no permission; they blocked the inviter), 404, 409 (oneself, a
/// member already, banned).
pub fn send(tx: &mut Tx<'_>, user: UserId, server: ServerId, to: &Invitee) -> ApiResult<(Invite, Option<User>)> {
    require(&standing_in(tx.dir(), server, user)?, Permission::CreateInvites, "invite people")?;
    if let Invitee::Account(target) = *to {
        if target == user {
            return Err(ApiError::Conflict("you are in this server already".into()));
        }
        if tx.dir().is_member(server, target) {
            return Err(ApiError::Conflict("they are in this server already".into()));
        }
        if tx.dir().is_banned(server, target) {
            return Err(ApiError::Conflict("they are banned from this server: lift the ban first".into()));
        }
        if tx.dir().blocked(target, user) {
            return Err(ApiError::Forbidden("they do not take invites from you".into()));
        }
    }
    let invite = create(tx, user, server, Some(DEFAULT_MAX_AGE_SECS), Some(1))?;
    let Invitee::Account(target) = *to else { return Ok((invite, None)) };
    let now = tx.now();
    tx.store().insert_invite_target(&invite.code, target, now)?;
    let row = tx.store().invite(&invite.code)?.ok_or(ApiError::NotFound("invite"))?;
    let preview = preview_of(tx, target, &row)?;
    tx.emit(Audience::User(target), Event::InviteReceived { invite: PendingInvite { preview, sent_at: now } });
    let who = tx.store().account(target)?.ok_or(ApiError::NotFound("user"))?.user;
    tracing::info!(server_id = %server, by = %user, to = %target, "invite sent in the app");
    Ok((invite, Some(who)))
}

/// Declines an invite sent to me in the app (my other devices hear of it).
///
/// # Errors
/// 404 (none waits with that code).
pub fn decline(tx: &mut Tx<'_>, user: UserId, code: &InviteCode) -> ApiResult<()> {
    if !tx.store().delete_invite_target(code, user)? {
        return Err(ApiError::NotFound("invite"));
    }
    tx.emit(Audience::User(user), Event::InviteResolved { code: code.clone() });
    Ok(())
}

/// The mail an invite goes out as.
#[must_use]
pub fn invite_mail(
    to: &str,
    inviter: &str,
    server: &str,
    code: &InviteCode,
    public_url: &str,
) -> crate::idp::mail::Mail {
    crate::idp::mail::Mail {
        to: to.to_owned(),
        subject: format!("{inviter} invited you to {server} on pq"),
        body: format!(
            "{inviter} invited you to join {server} on pq.\n\n\
             Open the invite in the pq app:\n{link}\n\n\
             Or open this page: it says how to get pq and opens the invite.\n{public_url}/invite/{code}\n\n\
             The invite works for 7 days, once.\n",
            link = code.deep_link(),
        ),
    }
}

impl Chat {
    /// Invites someone by username or email address (validated here) and,
    /// for an address no account has, mails the invite when this server
    /// sends mail.
    ///
    /// # Errors
    /// 422 (neither a username nor an email address), 404 (no account has
    /// that username); see [`send`].
    pub async fn send_invite(&self, user: UserId, server: ServerId, to: &str) -> ApiResult<InviteSent> {
        let to = self.resolve_person(to).await?;
        let job = to.clone();
        let (invite, reached) = self.writer.run(move |tx| send(tx, user, server, &job)).await?;
        let delivery = match (&to, &self.invite_mail) {
            (Invitee::Account(_), _) => InviteDelivery::InApp,
            (Invitee::Address(_), None) => InviteDelivery::NotSent,
            (Invitee::Address(address), Some(mail)) => {
                let (inviter, server_name) = {
                    let code = invite.code.clone();
                    self.reads
                        .read(move |s| {
                            let row = s.invite(&code)?.ok_or(ApiError::NotFound("invite"))?;
                            let server = s.server(row.invite.server_id)?.ok_or(ApiError::NotFound("server"))?;
                            let inviter = s.account(row.invite.creator_id)?.ok_or(ApiError::NotFound("user"))?;
                            Ok::<_, ApiError>((inviter.user.display_name, server.name))
                        })
                        .await?
                };
                let letter = invite_mail(address, &inviter, &server_name, &invite.code, &mail.public_url);
                match mail.mailer.send(&letter).await {
                    Ok(()) => {
                        tracing::info!(server_id = %server, by = %user, "invite mailed");
                        InviteDelivery::Email
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, server_id = %server, "an invite could not be mailed");
                        InviteDelivery::NotSent
                    }
                }
            }
        };
        Ok(InviteSent { invite, delivery, to: reached })
    }

    /// The invites waiting for `user` in the app that still work, oldest first.
    ///
    /// # Errors
    /// Storage failure.
    pub async fn pending_invites(&self, user: UserId) -> ApiResult<Vec<PendingInvite>> {
        let now = self.hub.clock().timestamp();
        // One read for all of them: the invites, their servers, who sent them.
        let rows = self
            .reads
            .read(move |s| {
                let mut out = Vec::new();
                for (row, sent_at) in s.invite_targets(user)? {
                    if row.expired(now) || row.used_up() {
                        continue;
                    }
                    let (Some(server), Some(inviter)) =
                        (s.server(row.invite.server_id)?, s.account(row.invite.creator_id)?)
                    else {
                        continue;
                    };
                    out.push((row, server, inviter.user, sent_at));
                }
                Ok::<_, ApiError>(out)
            })
            .await?;
        Ok(rows
            .into_iter()
            .filter(|(row, ..)| !self.dir.read().is_member(row.invite.server_id, user))
            .map(|(row, server, inviter, sent_at)| {
                let counts = self.hub.member_counts(server.id);
                PendingInvite { preview: preview(&row, server, inviter, counts, false), sent_at }
            })
            .collect())
    }

    /// What an invite leads to, for its web page (no one signed in).
    ///
    /// # Errors
    /// 404, 410.
    pub async fn public_preview(&self, code: &str) -> ApiResult<InvitePreview> {
        self.preview_invite(UserId(uuid::Uuid::nil()), code).await
    }

    /// Declines an invite sent to me.
    ///
    /// # Errors
    /// See [`decline`].
    pub async fn decline_invite(&self, user: UserId, code: &str) -> ApiResult<()> {
        let code = parse_code(code)?;
        self.writer.run(move |tx| decline(tx, user, &code)).await
    }

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
        let counts = self.hub.member_counts(server.id);
        let member = self.dir.read().is_member(server.id, user);
        Ok(preview(&row, server, inviter, counts, member))
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
