//! Channels and categories: create, rename, delete, reorder and move.

use std::collections::HashSet;

use pq_protocol::{
    ChannelId, ServerId, UserId,
    gateway::Event,
    limits::{MAX_CHANNELS_PER_SERVER, MAX_NAME_CHARS},
    models::{AuditAction, Channel, ChannelKind, ChannelPlacement, Permission},
};

use super::{
    Chat,
    access::{channel_access, require, standing_in},
    audit::{self, Target},
    directory::{Directory, Effect},
    validate,
    writer::Tx,
};
use crate::{
    error::{ApiError, ApiResult},
    gateway::Audience,
};

fn check_category(dir: &Directory, server: ServerId, parent: ChannelId) -> ApiResult<()> {
    match dir.channel(parent) {
        Some(c) if c.server == server && c.kind == ChannelKind::Category => Ok(()),
        _ => Err(ApiError::Conflict("parent_id is not a category of this server".into())),
    }
}

/// Creates a channel or category (owner and admins).
///
/// # Errors
/// 403, 404, 409 (too many channels; `parent` not a category of this server), 422.
pub fn create(
    tx: &mut Tx<'_>,
    user: UserId,
    server: ServerId,
    name: &str,
    kind: ChannelKind,
    parent: Option<ChannelId>,
) -> ApiResult<Channel> {
    require(&standing_in(tx.dir(), server, user)?, Permission::ManageChannels, "create channels")?;
    let name = validate::name("name", name, MAX_NAME_CHARS)?;
    if let Some(parent) = parent {
        if kind == ChannelKind::Category {
            return Err(ApiError::invalid("parent_id", "categories cannot be put inside another category"));
        }
        check_category(tx.dir(), server, parent)?;
    }
    let count = tx.dir().server(server).map_or(0, |s| s.channels.len());
    if count >= MAX_CHANNELS_PER_SERVER {
        return Err(ApiError::Conflict(format!("a server can hold at most {MAX_CHANNELS_PER_SERVER} channels")));
    }
    let position = tx.store().next_position(server, parent)?;
    let channel =
        Channel { id: ChannelId::new(), server_id: server, kind, name, parent_id: parent, position, last_seq: 0 };
    let now = tx.now();
    tx.store().insert_channel(&channel, now)?;
    tx.apply(Effect::AddChannel { channel: channel.id, server, kind, parent });
    let target = Target { channel: Some(channel.id), detail: Some(channel.name.clone()), ..Target::default() };
    audit::record(tx, server, AuditAction::ChannelCreated, user, target)?;
    tx.emit(Audience::Server(server), Event::ChannelCreated { channel: channel.clone() });
    Ok(channel)
}

/// Renames a channel or category (owner and admins).
///
/// # Errors
/// 403, 404, 422.
pub fn rename(tx: &mut Tx<'_>, user: UserId, channel: ChannelId, name: &str) -> ApiResult<Channel> {
    let (server, _, mine) = channel_access(tx.dir(), channel, user)?;
    require(&mine, Permission::ManageChannels, "rename channels")?;
    let name = validate::name("name", name, MAX_NAME_CHARS)?;
    tx.store().rename_channel(channel, &name)?;
    let row = tx.store().channel(channel)?.ok_or(ApiError::NotFound("channel"))?;
    let target = Target { channel: Some(channel), detail: Some(name), ..Target::default() };
    audit::record(tx, server, AuditAction::ChannelRenamed, user, target)?;
    tx.emit(Audience::Server(server), Event::ChannelUpdated { channel: row.clone() });
    Ok(row)
}

/// Deletes a channel and its messages, or a category (its channels move to
/// the top level). Owner and admins.
///
/// # Errors
/// 403, 404.
pub fn delete(tx: &mut Tx<'_>, user: UserId, channel: ChannelId) -> ApiResult<()> {
    let (server, _, mine) = channel_access(tx.dir(), channel, user)?;
    require(&mine, Permission::ManageChannels, "delete channels")?;
    let had_children = tx.dir().children(channel).next().is_some();
    let name = tx.store().channel(channel)?.map(|c| c.name);
    tx.store().delete_channel(channel)?;
    let target = Target { channel: Some(channel), detail: name, ..Target::default() };
    audit::record(tx, server, AuditAction::ChannelDeleted, user, target)?;
    tx.apply(Effect::RemoveChannel { channel });
    tx.emit(Audience::Server(server), Event::ChannelDeleted { server_id: server, channel_id: channel });
    if had_children {
        let channels = tx.store().channels_of(server)?;
        tx.emit(Audience::Server(server), Event::ChannelsReordered { server_id: server, channels });
    }
    Ok(())
}

/// Reorders channels and moves them between categories in one step (owner
/// and admins); channels not listed keep their place. Returns every channel.
///
/// # Errors
/// 403, 404, 409 (a listed channel not in this server; a category into a category; a parent that is no category), 422 (listed twice).
pub fn layout(tx: &mut Tx<'_>, user: UserId, server: ServerId, places: &[ChannelPlacement]) -> ApiResult<Vec<Channel>> {
    require(&standing_in(tx.dir(), server, user)?, Permission::ManageChannels, "reorder channels")?;
    let mut seen = HashSet::new();
    for p in places {
        // 409, not 404: the server is there; the layout names a channel it
        // does not hold (perhaps one deleted a moment ago).
        let Some(c) = tx.dir().channel(p.id).filter(|c| c.server == server) else {
            return Err(ApiError::Conflict(format!("channel {} is not in this server", p.id)));
        };
        if !seen.insert(p.id) {
            return Err(ApiError::invalid("channels", format!("channel {} is listed twice", p.id)));
        }
        match (c.kind, p.parent_id) {
            (ChannelKind::Category, Some(_)) => {
                return Err(ApiError::Conflict(format!(
                    "{} is a category: categories cannot be put inside another",
                    p.id
                )));
            }
            (_, Some(parent)) => check_category(tx.dir(), server, parent)?,
            (_, None) => {}
        }
    }
    for p in places {
        tx.store().place_channel(p.id, p.parent_id, p.position)?;
    }
    for p in places {
        tx.apply(Effect::MoveChannel { channel: p.id, parent: p.parent_id });
    }
    let target = Target { detail: Some(places.len().to_string()), ..Target::default() };
    audit::record(tx, server, AuditAction::ChannelsMoved, user, target)?;
    let channels = tx.store().channels_of(server)?;
    tx.emit(Audience::Server(server), Event::ChannelsReordered { server_id: server, channels: channels.clone() });
    Ok(channels)
}

impl Chat {
    /// Creates a channel or category.
    ///
    /// # Errors
    /// See [`create`].
    pub async fn create_channel(
        &self,
        user: UserId,
        server: ServerId,
        name: String,
        kind: ChannelKind,
        parent: Option<ChannelId>,
    ) -> ApiResult<Channel> {
        self.writer.run(move |tx| create(tx, user, server, &name, kind, parent)).await
    }

    /// Renames a channel or category.
    ///
    /// # Errors
    /// See [`rename`].
    pub async fn rename_channel(&self, user: UserId, channel: ChannelId, name: String) -> ApiResult<Channel> {
        self.writer.run(move |tx| rename(tx, user, channel, &name)).await
    }

    /// Deletes a channel or category.
    ///
    /// # Errors
    /// See [`delete`].
    pub async fn delete_channel(&self, user: UserId, channel: ChannelId) -> ApiResult<()> {
        self.writer.run(move |tx| delete(tx, user, channel)).await
    }

    /// Reorders and moves channels.
    ///
    /// # Errors
    /// See [`layout`].
    pub async fn layout_channels(
        &self,
        user: UserId,
        server: ServerId,
        places: Vec<ChannelPlacement>,
    ) -> ApiResult<Vec<Channel>> {
        self.writer.run(move |tx| layout(tx, user, server, &places)).await
    }
}
