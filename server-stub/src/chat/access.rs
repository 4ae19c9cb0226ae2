//! Who may see and do what, decided against a [`Directory`].
//!
//! - Anything inside a server is visible only to its members; others get 404
//!   and learn nothing. A direct-message channel likewise, to its members.
//! - Owner and admins manage channels, invites and members; only the owner
//!   changes roles, hands the server over, or deletes it.
//! - Admins may remove members but not other admins or the owner.
//!
//! Writes are checked by their rule inside the writer's batch (against the
//! directory the change commits on); reads against the published directory.

use pq_protocol::{
    ChannelId, ServerId, UserId,
    models::{ChannelKind, Role},
};

use super::directory::{Directory, Room};
use crate::error::ApiError;

/// The caller's role in `server`, or 404 when not a member.
///
/// # Errors
/// [`ApiError::NotFound`] for non-members.
pub fn role_in(dir: &Directory, server: ServerId, user: UserId) -> Result<Role, ApiError> {
    dir.role(server, user).ok_or(ApiError::NotFound("server"))
}

/// A channel as seen by a member: its server, kind, and the member's role.
///
/// # Errors
/// [`ApiError::NotFound`] when it does not exist or they are not a member.
pub fn channel_access(
    dir: &Directory,
    channel: ChannelId,
    user: UserId,
) -> Result<(ServerId, ChannelKind, Role), ApiError> {
    let ch = dir.channel(channel).ok_or(ApiError::NotFound("channel"))?;
    let role = dir.role(ch.server, user).ok_or(ApiError::NotFound("channel"))?;
    Ok((ch.server, ch.kind, role))
}

/// Where the messages of a text channel or a direct-message channel the
/// caller is in go.
///
/// # Errors
/// 404 when there is no such channel for the caller; 409 for categories and
/// voice channels.
pub fn text_room(dir: &Directory, channel: ChannelId, user: UserId) -> Result<Room, ApiError> {
    if dir.dm(channel).is_some() {
        return dir.room(channel, user).ok_or(ApiError::NotFound("channel"));
    }
    let (server, kind, _) = channel_access(dir, channel, user)?;
    if kind != ChannelKind::Text {
        return Err(ApiError::Conflict(format!("this is a {} channel, not a text channel", kind.as_str())));
    }
    Ok(Room::Server(server))
}

/// Requires owner or admin.
///
/// # Errors
/// [`ApiError::Forbidden`] naming what was attempted.
pub fn require_admin(role: Role, what: &str) -> Result<(), ApiError> {
    if role.is_admin() { Ok(()) } else { Err(ApiError::Forbidden(format!("only the owner and admins can {what}"))) }
}

/// Requires the owner.
///
/// # Errors
/// [`ApiError::Forbidden`] naming what was attempted.
pub fn require_owner(role: Role, what: &str) -> Result<(), ApiError> {
    if role == Role::Owner { Ok(()) } else { Err(ApiError::Forbidden(format!("only the owner can {what}"))) }
}

/// Whether someone with role `by` may remove someone with role `target`.
#[must_use]
pub fn may_remove(by: Role, target: Role) -> bool {
    match by {
        Role::Owner => target != Role::Owner,
        Role::Admin => target == Role::Member,
        Role::Member => false,
    }
}
