//! Who may see and do what, decided against a [`Directory`].
//!
//! - Anything inside a server is visible only to its members; others get 404
//!   and learn nothing. A direct-message channel likewise, to its members,
//!   and a private channel to those on its access list (and administrators).
//! - What a member may do comes from their roles' permissions (see
//!   [`Standing`]); the owner may do everything, and only the owner deletes
//!   the server or hands it over.
//! - Members act only on people and roles ranked below their highest role.
//!
//! Writes are checked by their rule inside the writer's batch (against the
//! directory the change commits on); reads against the published directory.

use pq_protocol::{
    ChannelId, ServerId, UserId,
    models::{ChannelKind, Permission},
};

use super::directory::{Directory, Room, Standing};
use crate::error::ApiError;

/// Where the caller stands in `server`, or 404 when not a member.
///
/// # Errors
/// [`ApiError::NotFound`] for non-members.
pub fn standing_in(dir: &Directory, server: ServerId, user: UserId) -> Result<Standing, ApiError> {
    dir.standing(server, user).ok_or(ApiError::NotFound("server"))
}

/// A channel as seen by a member: its server, kind, and where they stand.
///
/// # Errors
/// [`ApiError::NotFound`] when it does not exist or they are not a member.
pub fn channel_access(
    dir: &Directory,
    channel: ChannelId,
    user: UserId,
) -> Result<(ServerId, ChannelKind, Standing), ApiError> {
    let ch = dir.channel(channel).ok_or(ApiError::NotFound("channel"))?;
    let standing = dir.standing(ch.server, user).ok_or(ApiError::NotFound("channel"))?;
    // A private channel does not exist for those it is hidden from.
    if !dir.can_see(channel, user) {
        return Err(ApiError::NotFound("channel"));
    }
    Ok((ch.server, ch.kind, standing))
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
    Ok(Room::Channel(server, channel))
}

/// Requires permission `p`.
///
/// # Errors
/// [`ApiError::Forbidden`] naming the permission and what was attempted.
pub fn require(standing: &Standing, p: Permission, what: &str) -> Result<(), ApiError> {
    if standing.may(p) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!("you need the \"{}\" permission to {what}", p.words())))
    }
}

/// Requires the owner.
///
/// # Errors
/// [`ApiError::Forbidden`] naming what was attempted.
pub fn require_owner(standing: &Standing, what: &str) -> Result<(), ApiError> {
    if standing.owner { Ok(()) } else { Err(ApiError::Forbidden(format!("only the owner can {what}"))) }
}

/// Requires ranking above `target` (a member of the same server).
///
/// # Errors
/// [`ApiError::Forbidden`] naming what was attempted.
pub fn require_above(standing: &Standing, target: &Standing, what: &str) -> Result<(), ApiError> {
    if standing.outranks(target) {
        Ok(())
    } else if target.owner {
        Err(ApiError::Forbidden(format!("nobody can {what} the owner")))
    } else {
        Err(ApiError::Forbidden(format!("you can only {what} people whose highest role is below yours")))
    }
}
