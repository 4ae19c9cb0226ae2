//! Direct messages: channels outside any server, between their members
//! only — a direct channel of two people (one per pair), or a group of up to
//! [`MAX_DM_MEMBERS`] with an owner and maybe a name.
//!
//! Who may write to whom is decided at every change, against the directory
//! the change commits on ([`Directory::dm_refusal`]): friends always may,
//! people who share a server may unless the other turned that off, and a
//! block either way stops it — opening a direct channel, each message in one,
//! and adding someone to a group. A group's members write to each other
//! whatever stands between them (a blocked author's messages are collapsed by
//! the apps, as in servers).
//!
//! Messages, history, reactions, read markers and typing go through
//! [`super::messages`], which treats a DM as a room of its members.
//!
//! [`Directory::dm_refusal`]: super::directory::Directory::dm_refusal

use pq_protocol::{
    ChannelId, UserId,
    gateway::Event,
    limits::{MAX_DM_MEMBERS, MAX_NAME_CHARS},
    models::{DmChannel, DmState},
};

use super::{
    Chat,
    directory::{Effect, Room},
    messages::dm_refused,
    store::NewDm,
    validate,
    writer::Tx,
};
use crate::{
    error::{ApiError, ApiResult},
    gateway::Audience,
};

fn stored(tx: &mut Tx<'_>, channel: ChannelId) -> ApiResult<DmChannel> {
    tx.store().dm(channel)?.ok_or(ApiError::NotFound("channel"))
}

fn check_person(tx: &mut Tx<'_>, user: UserId, other: UserId) -> ApiResult<()> {
    if tx.store().account(other)?.is_none() {
        return Err(ApiError::NotFound("user"));
    }
    match tx.dir().dm_refusal(user, other) {
        Some(refusal) => Err(dm_refused(refusal)),
        None => Ok(()),
    }
}

/// Opens the direct channel of `user` and one recipient (the one they have,
/// if any), or a new group with several. The bool says whether it is new.
///
/// # Errors
/// 422 (nobody, oneself, more than 9, a name for two people), 404 (no such
/// account), 403/409 (may not write to one of them: see [`dm_refused`]).
pub fn open(
    tx: &mut Tx<'_>,
    user: UserId,
    recipients: &[UserId],
    name: Option<String>,
) -> ApiResult<(DmChannel, bool)> {
    if recipients.len() >= MAX_DM_MEMBERS {
        return Err(ApiError::invalid(
            "recipients",
            format!("a group holds at most {MAX_DM_MEMBERS} people, you included"),
        ));
    }
    let mut others: Vec<UserId> = Vec::with_capacity(recipients.len());
    for r in recipients {
        if *r == user {
            return Err(ApiError::invalid("recipients", "you are in it already: name only the others"));
        }
        if !others.contains(r) {
            others.push(*r);
        }
    }
    if others.is_empty() {
        return Err(ApiError::invalid("recipients", "name at least one person"));
    }
    for other in &others {
        check_person(tx, user, *other)?;
    }
    let group = others.len() > 1;
    if !group && name.is_some() {
        return Err(ApiError::invalid("name", "only a group has a name"));
    }
    let now = tx.now();
    if !group && let Some(id) = tx.dir().dm_between(user, others[0]) {
        // Opening it again: it shows in the opener's list even when empty.
        let last_seq = tx.dir().last_seq(id);
        if last_seq == 0 && tx.dir().dm(id).is_some_and(|d| d.owner != user) {
            tx.store().update_dm(id, None, Some(user))?;
            tx.apply(Effect::SetDmOwner { channel: id, user });
        }
        let channel = stored(tx, id)?;
        tx.emit(Audience::User(user), Event::DmUpdated { channel: channel.clone() });
        return Ok((channel, false));
    }
    let mut members = vec![user];
    members.extend(others);
    let new = NewDm { id: ChannelId::new(), group, name, owner: user, members, at: now };
    tx.store().insert_dm(&new)?;
    tx.apply(Effect::AddDm { channel: new.id, group, owner: user });
    for m in &new.members {
        tx.apply(Effect::AddDmMember { channel: new.id, user: *m });
    }
    let channel = stored(tx, new.id)?;
    // A group appears for everyone at once; a direct channel reaches the
    // other person with its first message.
    let audience = if group { Audience::Room(Room::Dm(new.id)) } else { Audience::User(user) };
    tx.emit(audience, Event::DmUpdated { channel: channel.clone() });
    tracing::info!(user_id = %user, channel_id = %new.id, group, "direct messages opened");
    Ok((channel, true))
}

/// A group `user` is in.
fn group_of(tx: &Tx<'_>, user: UserId, channel: ChannelId, what: &str) -> ApiResult<()> {
    let dm = tx.dir().dm(channel).filter(|d| d.members.contains(&user)).ok_or(ApiError::NotFound("channel"))?;
    if !dm.group {
        return Err(ApiError::Conflict(format!("a direct channel of two people cannot {what}; start a group instead")));
    }
    Ok(())
}

/// Renames a group (any member); an empty name removes it.
///
/// # Errors
/// 404 (not in it), 409 (a direct channel), 422 (too long, control characters).
pub fn rename(tx: &mut Tx<'_>, user: UserId, channel: ChannelId, name: &str) -> ApiResult<DmChannel> {
    group_of(tx, user, channel, "be named")?;
    let name = validate::optional_text("name", name, MAX_NAME_CHARS, false)?;
    tx.store().update_dm(channel, Some(name.as_deref()), None)?;
    let dm = stored(tx, channel)?;
    tx.emit(Audience::Room(Room::Dm(channel)), Event::DmUpdated { channel: dm.clone() });
    Ok(dm)
}

/// Adds someone to a group (any member; someone they may write to). Adding
/// someone who is in it already changes nothing.
///
/// # Errors
/// 404 (not in it; no such account), 409 (a direct channel; full), 403/409
/// (may not write to them).
pub fn add_member(tx: &mut Tx<'_>, user: UserId, channel: ChannelId, target: UserId) -> ApiResult<DmChannel> {
    group_of(tx, user, channel, "take more people")?;
    let members = tx.dir().dm(channel).map_or(0, |d| d.members.len());
    if tx.dir().dm(channel).is_some_and(|d| d.members.contains(&target)) {
        return stored(tx, channel);
    }
    check_person(tx, user, target)?;
    if members >= MAX_DM_MEMBERS {
        return Err(ApiError::Conflict(format!("a group holds at most {MAX_DM_MEMBERS} people")));
    }
    let (seq, now) = (tx.dir().last_seq(channel), tx.now());
    tx.store().add_dm_member(channel, target, seq, now)?;
    tx.apply(Effect::AddDmMember { channel, user: target });
    let dm = stored(tx, channel)?;
    tx.emit(Audience::Room(Room::Dm(channel)), Event::DmUpdated { channel: dm.clone() });
    Ok(dm)
}

/// Leaves a group (`target` = `user`), or removes someone from it (its
/// owner). An owner who leaves hands the group to the member who joined
/// next.
///
/// # Errors
/// 404 (not in it; they are not in it), 403 (not the owner), 409 (a direct
/// channel).
pub fn remove_member(tx: &mut Tx<'_>, user: UserId, channel: ChannelId, target: UserId) -> ApiResult<()> {
    group_of(tx, user, channel, "be left")?;
    let dm = tx.dir().dm(channel).cloned().ok_or(ApiError::NotFound("channel"))?;
    if target != user {
        if dm.owner != user {
            return Err(ApiError::Forbidden("only the group's owner can remove people".into()));
        }
        if !dm.members.contains(&target) {
            return Err(ApiError::NotFound("member"));
        }
    }
    tx.store().remove_dm_member(channel, target)?;
    tx.apply(Effect::RemoveDmMember { channel, user: target });
    if dm.owner == target
        && let Some(next) = dm.members.iter().copied().find(|m| *m != target)
    {
        tx.store().update_dm(channel, None, Some(next))?;
        tx.apply(Effect::SetDmOwner { channel, user: next });
    }
    tx.emit(Audience::User(target), Event::DmRemoved { channel_id: channel });
    if dm.members.len() > 1 {
        let dm = stored(tx, channel)?;
        tx.emit(Audience::Room(Room::Dm(channel)), Event::DmUpdated { channel: dm });
    }
    Ok(())
}

impl Chat {
    /// One's direct-message channels, most recently active first (a direct
    /// channel nobody wrote in yet: for its opener, or while a call rings).
    ///
    /// # Errors
    /// Storage failure.
    pub async fn dms(&self, user: UserId) -> ApiResult<Vec<DmState>> {
        let all = self.reads.read(move |s| s.dm_states(user)).await?;
        let mut dms = Vec::with_capacity(all.len());
        for (mut d, shown) in all {
            d.voice_states = self.hub.voice_states_in(d.channel.id);
            // A direct channel nobody wrote in yet shows once a call rings in it.
            if shown || !d.voice_states.is_empty() {
                dms.push(d);
            }
        }
        Ok(dms)
    }

    /// Declines the call ringing in a direct-message channel: its members
    /// hear of it (the one who declined stops ringing on every device).
    ///
    /// # Errors
    /// 404 (not in it).
    pub fn decline_call(&self, user: UserId, channel: ChannelId) -> ApiResult<()> {
        let room = {
            let dir = self.dir.read();
            dir.dm(channel).filter(|d| d.members.contains(&user)).ok_or(ApiError::NotFound("channel"))?;
            Room::Dm(channel)
        };
        self.hub.dispatch(Audience::Room(room), Event::CallDeclined { channel_id: channel, user_id: user });
        Ok(())
    }

    /// Opens a direct channel or starts a group (see [`open`]).
    ///
    /// # Errors
    /// See [`open`].
    pub async fn open_dm(
        &self,
        user: UserId,
        recipients: Vec<UserId>,
        name: Option<String>,
    ) -> ApiResult<(DmChannel, bool)> {
        let name = name.map(|n| validate::name("name", &n, MAX_NAME_CHARS)).transpose()?;
        self.writer.run(move |tx| open(tx, user, &recipients, name)).await
    }

    /// Renames a group.
    ///
    /// # Errors
    /// See [`rename`].
    pub async fn rename_dm(&self, user: UserId, channel: ChannelId, name: String) -> ApiResult<DmChannel> {
        self.writer.run(move |tx| rename(tx, user, channel, &name)).await
    }

    /// Adds someone to a group.
    ///
    /// # Errors
    /// See [`add_member`].
    pub async fn add_dm_member(&self, user: UserId, channel: ChannelId, target: UserId) -> ApiResult<DmChannel> {
        self.writer.run(move |tx| add_member(tx, user, channel, target)).await
    }

    /// Leaves a group or removes someone from it.
    ///
    /// # Errors
    /// See [`remove_member`].
    pub async fn remove_dm_member(&self, user: UserId, channel: ChannelId, target: UserId) -> ApiResult<()> {
        self.writer.run(move |tx| remove_member(tx, user, channel, target)).await
    }
}
