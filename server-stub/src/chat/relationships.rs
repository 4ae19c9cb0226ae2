//! Friends, friend requests and blocks.
//!
//! Each person has their own row about someone (see migration 0006): a
//! request is `outgoing` on the asker's side and `incoming` on the other's; a
//! friendship is `friend` on both; a block is `blocked` on the blocker's side
//! only (and ends any friendship or request between the two). Every check
//! runs in the writer's batch against the rows the change commits on, so two
//! people asking each other at the same moment become friends once, and a
//! request racing a block is either refused or ended by it.
//!
//! Blocks are enforced here and in the directory: a blocked person cannot
//! ask the blocker to be friends, does not see the blocker's presence (live,
//! in `ready`, in member lists), and — once direct messages exist — cannot
//! write to them.

use pq_protocol::{
    UserId,
    gateway::Event,
    models::{Presence, Relationship, RelationshipChoice, RelationshipKind},
};

use super::{Chat, directory::Effect, writer::Tx};
use crate::{
    error::{ApiError, ApiResult},
    gateway::Audience,
};

/// Friends, requests and blocks one person may have in all.
pub const MAX_RELATIONSHIPS: usize = 1000;
/// Requests one person may have waiting for an answer.
pub const MAX_PENDING_REQUESTS: usize = 100;
/// The longest email address (RFC 5321).
const MAX_EMAIL_LEN: usize = 254;

/// What may stand on either side of an email's `@` (as the document's
/// pattern says): no `@`, space, control or other blank character.
fn email_char(c: char) -> bool {
    !matches!(
        c,
        '@' | '\0'..=' '
            | '\x7f'..='\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
            | '\u{feff}'
    )
}

/// Records `user`'s row about `other` and tells `user`'s sessions.
fn set_row(tx: &mut Tx<'_>, user: UserId, other: UserId, kind: Option<RelationshipKind>) -> ApiResult<()> {
    let now = tx.now();
    tx.store().set_relationship(user, other, kind, now)?;
    tx.apply(Effect::SetRelation { user, other, kind });
    let event = match kind {
        Some(kind) => {
            let them = tx.store().account(other)?.ok_or(ApiError::NotFound("user"))?.user;
            Event::RelationshipChanged { relationship: Relationship { user: them, kind, since: now } }
        }
        None => Event::RelationshipRemoved { user_id: other },
    };
    tx.emit(Audience::User(user), event);
    Ok(())
}

/// Ends the other side's row about `user` unless it is a block of theirs.
fn end_theirs(tx: &mut Tx<'_>, user: UserId, other: UserId) -> ApiResult<()> {
    if tx.dir().relation(other, user).is_some_and(|k| k != RelationshipKind::Blocked) {
        set_row(tx, other, user, None)?;
    }
    Ok(())
}

/// Tells each of the two what they now see of the other's presence (a new
/// friend's, or offline for someone who blocked them).
fn tell_presence(tx: &mut Tx<'_>, a: UserId, b: UserId) {
    for (viewer, user) in [(a, b), (b, a)] {
        let presence = if tx.dir().sees_presence(viewer, user) { tx.hub().presence(user) } else { Presence::Offline };
        tx.emit(Audience::User(viewer), Event::PresenceUpdated { user_id: user, presence });
    }
}

fn check_target(tx: &mut Tx<'_>, user: UserId, target: UserId) -> ApiResult<()> {
    if user == target {
        return Err(ApiError::Conflict("that is you: friends and blocks are with someone else".into()));
    }
    if tx.store().account(target)?.is_none() {
        return Err(ApiError::NotFound("user"));
    }
    Ok(())
}

fn current(tx: &mut Tx<'_>, user: UserId, target: UserId) -> ApiResult<Relationship> {
    let kind = tx.dir().relation(user, target).ok_or(ApiError::NotFound("relationship"))?;
    tx.store()
        .relationships(user)?
        .into_iter()
        .find(|r| r.user.id == target && r.kind == kind)
        .ok_or(ApiError::NotFound("relationship"))
}

/// Asks `target` to be friends, or accepts their request.
///
/// # Errors
/// 409 (oneself, already friends, already asked, you blocked them, too
/// many requests), 404 (no such account), 403 (they blocked you).
pub fn befriend(tx: &mut Tx<'_>, user: UserId, target: UserId) -> ApiResult<Relationship> {
    check_target(tx, user, target)?;
    match tx.dir().relation(user, target) {
        Some(RelationshipKind::Friend) => Err(ApiError::Conflict("you are already friends".into())),
        Some(RelationshipKind::Outgoing) => {
            Err(ApiError::Conflict("you have already asked them; wait for their answer".into()))
        }
        Some(RelationshipKind::Blocked) => {
            Err(ApiError::Conflict("you blocked them; unblock them first to ask them".into()))
        }
        Some(RelationshipKind::Incoming) => {
            set_row(tx, user, target, Some(RelationshipKind::Friend))?;
            set_row(tx, target, user, Some(RelationshipKind::Friend))?;
            tell_presence(tx, user, target);
            tracing::info!(user_id = %user, friend = %target, "friend request accepted");
            current(tx, user, target)
        }
        None => {
            if tx.dir().blocked(target, user) {
                return Err(ApiError::Forbidden("they are not accepting friend requests from you".into()));
            }
            if tx.dir().outgoing_requests(user) >= MAX_PENDING_REQUESTS {
                return Err(ApiError::Conflict(format!(
                    "you have {MAX_PENDING_REQUESTS} requests waiting for an answer; cancel some first"
                )));
            }
            if tx.dir().relation_count(user) >= MAX_RELATIONSHIPS {
                return Err(ApiError::Conflict(format!(
                    "you have {MAX_RELATIONSHIPS} friends, requests and blocks; remove some first"
                )));
            }
            if tx.dir().relation_count(target) >= MAX_RELATIONSHIPS {
                return Err(ApiError::Conflict("their friends list is full".into()));
            }
            set_row(tx, user, target, Some(RelationshipKind::Outgoing))?;
            set_row(tx, target, user, Some(RelationshipKind::Incoming))?;
            current(tx, user, target)
        }
    }
}

/// Blocks `target`: ends any friendship or request between the two (theirs
/// too). Blocking again changes nothing.
///
/// # Errors
/// 409 (oneself, too many), 404 (no such account).
pub fn block(tx: &mut Tx<'_>, user: UserId, target: UserId) -> ApiResult<Relationship> {
    check_target(tx, user, target)?;
    if tx.dir().blocked(user, target) {
        return current(tx, user, target);
    }
    if tx.dir().relation(user, target).is_none() && tx.dir().relation_count(user) >= MAX_RELATIONSHIPS {
        return Err(ApiError::Conflict(format!(
            "you have {MAX_RELATIONSHIPS} friends, requests and blocks; remove some first"
        )));
    }
    end_theirs(tx, user, target)?;
    set_row(tx, user, target, Some(RelationshipKind::Blocked))?;
    tell_presence(tx, user, target);
    tracing::info!(user_id = %user, blocked = %target, "blocked");
    current(tx, user, target)
}

/// Ends what `user` has with `target`: removes a friend (for both), declines
/// or cancels a request (for both), or unblocks.
///
/// # Errors
/// 404 when there is nothing between them.
pub fn remove(tx: &mut Tx<'_>, user: UserId, target: UserId) -> ApiResult<()> {
    match tx.dir().relation(user, target) {
        None => return Err(ApiError::NotFound("relationship")),
        Some(RelationshipKind::Blocked) => {}
        Some(_) => end_theirs(tx, user, target)?,
    }
    set_row(tx, user, target, None)?;
    tell_presence(tx, user, target);
    Ok(())
}

impl Chat {
    /// One's friends, requests and blocks, newest first.
    ///
    /// # Errors
    /// Storage failure.
    pub async fn relationships(&self, user: UserId) -> ApiResult<Vec<Relationship>> {
        Ok(self.reads.read(move |s| s.relationships(user)).await?)
    }

    /// Asks someone to be friends by their username or the email address of
    /// their account.
    ///
    /// # Errors
    /// 422 (neither a username nor an email address), 404 (no account has
    /// it), and those of [`befriend`].
    pub async fn befriend_by(&self, user: UserId, to: &str) -> ApiResult<Relationship> {
        let target = match self.resolve_person(to).await? {
            super::invites::Invitee::Account(target) => target,
            super::invites::Invitee::Address(_) => return Err(ApiError::NotFound("user")),
        };
        self.writer.run(move |tx| befriend(tx, user, target)).await
    }

    /// Who `to` names: a username (a leading `@` is fine) or an email
    /// address, spaces and tabs around ignored. An address no account has
    /// comes back as itself (an invite may be mailed to it).
    ///
    /// # Errors
    /// 422 (neither a username nor an email address), 404 (no account has
    /// that username).
    pub async fn resolve_person(&self, to: &str) -> ApiResult<super::invites::Invitee> {
        use super::invites::Invitee;
        let refused = || ApiError::InvalidField {
            field: "to",
            message: format!(
                "a username (2 to 32 letters, digits, _ or .) or an email address (up to {MAX_EMAIL_LEN} characters) such as minji@example.com"
            ),
        };
        if to.len() > MAX_EMAIL_LEN {
            return Err(refused());
        }
        let to = to.trim_matches([' ', '\t']).to_owned();
        let found = match to.strip_prefix('@') {
            None if to.contains('@') => {
                let well_formed = to.split_once('@').is_some_and(|(local, domain)| {
                    !local.is_empty() && !domain.is_empty() && local.chars().chain(domain.chars()).all(email_char)
                });
                if !well_formed {
                    return Err(refused());
                }
                let address = to.clone();
                let found = self.reads.read(move |s| s.account_by_email(&to)).await?;
                return Ok(found.map_or(Invitee::Address(address), Invitee::Account));
            }
            name => {
                let name = super::users::username(name.unwrap_or(&to)).map_err(|_| refused())?;
                self.reads.read(move |s| s.account_by_username(&name)).await?
            }
        };
        found.map(Invitee::Account).ok_or(ApiError::NotFound("user"))
    }

    /// Befriends (asks or accepts) or blocks someone.
    ///
    /// # Errors
    /// Those of [`befriend`] and [`block`].
    pub async fn set_relationship(
        &self,
        user: UserId,
        target: UserId,
        choice: RelationshipChoice,
    ) -> ApiResult<Relationship> {
        self.writer
            .run(move |tx| match choice {
                RelationshipChoice::Friend => befriend(tx, user, target),
                RelationshipChoice::Blocked => block(tx, user, target),
            })
            .await
    }

    /// Removes a friend, declines or cancels a request, or unblocks.
    ///
    /// # Errors
    /// 404 when there is nothing between them.
    pub async fn remove_relationship(&self, user: UserId, target: UserId) -> ApiResult<()> {
        self.writer.run(move |tx| remove(tx, user, target)).await
    }
}
