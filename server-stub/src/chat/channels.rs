//! Channels and categories: create, rename, delete, reorder and move, and
//! who sees a private one.

use std::collections::HashSet;

use pq_protocol::{
    ChannelId, ServerId, UserId,
    gateway::Event,
    limits::{
        MAX_CHANNEL_ACCESS_USERS, MAX_CHANNELS_PER_SERVER, MAX_NAME_CHARS, MAX_ROLES_PER_SERVER, MAX_TOPIC_CHARS,
    },
    models::{AuditAction, Channel, ChannelAccess, ChannelKind, ChannelPlacement, Permission},
};

use super::{
    Chat,
    access::{channel_access, require, standing_in},
    audit::{self, Target},
    directory::{Access, Directory, Effect, Room},
    servers::{resend_if_sight_changed, sight},
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

/// Creates a channel or category (`manage_channels`).
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
    let channel = Channel {
        id: ChannelId::new(),
        server_id: server,
        kind,
        name,
        parent_id: parent,
        position,
        last_seq: 0,
        private: false,
        topic: None,
    };
    let now = tx.now();
    tx.store().insert_channel(&channel, now)?;
    tx.apply(Effect::AddChannel { channel: channel.id, server, kind, parent });
    // In a private category: only those who see it have it to read.
    if tx.dir().gate(channel.id).is_some() {
        let hidden: Vec<UserId> = tx.dir().members(server).filter(|u| !tx.dir().can_see(channel.id, *u)).collect();
        for u in hidden {
            tx.store().delete_read_marker(channel.id, u)?;
        }
    }
    let target = Target { channel: Some(channel.id), detail: Some(channel.name.clone()), ..Target::default() };
    audit::record(tx, server, AuditAction::ChannelCreated, user, target)?;
    tx.emit(Audience::Room(Room::Channel(server, channel.id)), Event::ChannelCreated { channel: channel.clone() });
    Ok(channel)
}

/// Renames a channel or category and/or sets its topic (`manage_channels`;
/// values validated already, `Some(None)` removes the topic).
///
/// # Errors
/// 403, 404.
pub fn update(
    tx: &mut Tx<'_>,
    user: UserId,
    channel: ChannelId,
    name: Option<String>,
    topic: Option<Option<String>>,
) -> ApiResult<Channel> {
    let (server, _, mine) = channel_access(tx.dir(), channel, user)?;
    require(&mine, Permission::ManageChannels, "change channels")?;
    if let Some(name) = name {
        tx.store().rename_channel(channel, &name)?;
        let target = Target { channel: Some(channel), detail: Some(name), ..Target::default() };
        audit::record(tx, server, AuditAction::ChannelRenamed, user, target)?;
    }
    if let Some(topic) = topic {
        tx.store().set_topic(channel, topic.as_deref())?;
        let target = Target { channel: Some(channel), detail: topic, ..Target::default() };
        audit::record(tx, server, AuditAction::ChannelTopicChanged, user, target)?;
    }
    let row = tx.store().channel(channel)?.ok_or(ApiError::NotFound("channel"))?;
    tx.emit(Audience::Room(Room::Channel(server, channel)), Event::ChannelUpdated { channel: row.clone() });
    Ok(row)
}

/// Deletes a channel and its messages, or a category (its channels move to
/// the top level). `manage_channels`.
///
/// # Errors
/// 403, 404.
pub fn delete(tx: &mut Tx<'_>, user: UserId, channel: ChannelId) -> ApiResult<Vec<pq_protocol::AttachmentId>> {
    let (server, _, mine) = channel_access(tx.dir(), channel, user)?;
    require(&mine, Permission::ManageChannels, "delete channels")?;
    let had_children = tx.dir().children(channel).next().is_some();
    let name = tx.store().channel(channel)?.map(|c| c.name);
    // A private channel's end is news only to those who saw it.
    let viewers: Option<Vec<UserId>> = tx
        .dir()
        .gate(channel)
        .is_some()
        .then(|| tx.dir().members(server).filter(|u| tx.dir().can_see(channel, *u)).collect());
    let before = sight(tx, server);
    let files = tx.store().take_channel_attachments(channel)?;
    tx.store().delete_channel(channel)?;
    let target = Target { channel: Some(channel), detail: name, ..Target::default() };
    audit::record(tx, server, AuditAction::ChannelDeleted, user, target)?;
    tx.apply(Effect::RemoveChannel { channel });
    let gone = Event::ChannelDeleted { server_id: server, channel_id: channel };
    match viewers {
        None => tx.emit(Audience::Server(server), gone),
        Some(list) => {
            for u in list {
                tx.emit(Audience::User(u), gone.clone());
            }
        }
    }
    if had_children {
        let channels = tx.store().channels_of(server)?;
        emit_layout(tx, server, &channels);
    }
    resend_if_sight_changed(tx, server, &before)?;
    Ok(files)
}

/// Tells the server's members its channels' new places: each only the
/// channels they see.
fn emit_layout(tx: &mut Tx<'_>, server: ServerId, channels: &[Channel]) {
    if !tx.dir().has_private(server) {
        tx.emit(Audience::Server(server), Event::ChannelsReordered { server_id: server, channels: channels.to_vec() });
        return;
    }
    let members: Vec<UserId> = tx.dir().members(server).collect();
    for u in members {
        let seen = channels.iter().filter(|c| tx.dir().can_see(c.id, u)).cloned().collect();
        tx.emit(Audience::User(u), Event::ChannelsReordered { server_id: server, channels: seen });
    }
}

/// Who sees a channel (`manage_channels`, and seeing it).
///
/// # Errors
/// 403, 404.
pub fn access(dir: &Directory, user: UserId, channel: ChannelId) -> ApiResult<ChannelAccess> {
    let (_, _, mine) = channel_access(dir, channel, user)?;
    require(&mine, Permission::ManageChannels, "see who sees channels")?;
    Ok(match dir.access(channel) {
        Some(a) => ChannelAccess { private: true, roles: a.roles.clone(), users: a.users.clone() },
        None => ChannelAccess { private: false, roles: vec![], users: vec![] },
    })
}

/// Makes a channel or category private to the roles and people listed, or
/// public again (`manage_channels`). Whoever makes it private is let in if
/// nothing else would let them. Those who no longer see it (or now do) get
/// the server anew; those who still see it hear `channel_updated`.
///
/// # Errors
/// 403, 404, 409 (a role or person not of this server), 422 (too many).
pub fn set_access(tx: &mut Tx<'_>, user: UserId, channel: ChannelId, req: ChannelAccess) -> ApiResult<ChannelAccess> {
    let (server, _, mine) = channel_access(tx.dir(), channel, user)?;
    require(&mine, Permission::ManageChannels, "change who sees channels")?;
    if req.users.len() > MAX_CHANNEL_ACCESS_USERS {
        return Err(ApiError::invalid(
            "users",
            format!("at most {MAX_CHANNEL_ACCESS_USERS} people; let more in with a role"),
        ));
    }
    if req.roles.len() > MAX_ROLES_PER_SERVER {
        return Err(ApiError::invalid("roles", format!("at most {MAX_ROLES_PER_SERVER} roles")));
    }
    // A public channel has no list: whatever was sent is dropped.
    let (roles, users) = if req.private { (req.roles, req.users) } else { (vec![], vec![]) };
    let mut list = Access { roles, users };
    list.roles.sort_unstable();
    list.roles.dedup();
    list.users.sort_unstable();
    list.users.dedup();
    if let Some(r) = list.roles.iter().find(|r| tx.dir().role(server, **r).is_none()) {
        return Err(ApiError::Conflict(format!("{r} is not a role of this server")));
    }
    if let Some(u) = list.users.iter().find(|u| !tx.dir().is_member(server, **u)) {
        return Err(ApiError::Conflict(format!("{u} is not a member of this server")));
    }
    if req.private && !mine.may(Permission::Administrator) {
        let held = tx.dir().roles_of(server, user).unwrap_or_default();
        if !list.admits(user, held) {
            list.users.push(user);
        }
    }
    let before = sight(tx, server);
    tx.store().set_channel_access(channel, req.private.then_some(&list))?;
    tx.apply(Effect::SetAccess { channel, access: req.private.then(|| list.clone()) });
    let detail = Some(if req.private { "private" } else { "public" }.to_owned());
    audit::record(
        tx,
        server,
        AuditAction::ChannelAccessChanged,
        user,
        Target { channel: Some(channel), detail, ..Target::default() },
    )?;
    let row = tx.store().channel(channel)?.ok_or(ApiError::NotFound("channel"))?;
    tx.emit(Audience::Room(Room::Channel(server, channel)), Event::ChannelUpdated { channel: row });
    resend_if_sight_changed(tx, server, &before)?;
    Ok(if req.private {
        ChannelAccess { private: true, roles: list.roles, users: list.users }
    } else {
        ChannelAccess { private: false, roles: vec![], users: vec![] }
    })
}

/// Reorders channels and moves them between categories in one step
/// (`manage_channels`); channels not listed keep their place. Returns every
/// channel the caller sees.
///
/// # Errors
/// 403, 404, 409 (a listed channel not in this server; a category into a category; a parent that is no category), 422 (listed twice).
pub fn layout(tx: &mut Tx<'_>, user: UserId, server: ServerId, places: &[ChannelPlacement]) -> ApiResult<Vec<Channel>> {
    require(&standing_in(tx.dir(), server, user)?, Permission::ManageChannels, "reorder channels")?;
    let mut seen = HashSet::new();
    for p in places {
        // 409, not 404: the server is there; the layout names a channel it
        // does not hold (perhaps one deleted a moment ago).
        let Some(c) = tx.dir().channel(p.id).filter(|c| c.server == server && tx.dir().can_see(p.id, user)) else {
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
    let before = sight(tx, server);
    for p in places {
        tx.store().place_channel(p.id, p.parent_id, p.position)?;
    }
    for p in places {
        tx.apply(Effect::MoveChannel { channel: p.id, parent: p.parent_id });
    }
    let target = Target { detail: Some(places.len().to_string()), ..Target::default() };
    audit::record(tx, server, AuditAction::ChannelsMoved, user, target)?;
    let channels = tx.store().channels_of(server)?;
    emit_layout(tx, server, &channels);
    resend_if_sight_changed(tx, server, &before)?;
    Ok(channels.into_iter().filter(|c| tx.dir().can_see(c.id, user)).collect())
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
    pub async fn update_channel(
        &self,
        user: UserId,
        channel: ChannelId,
        req: pq_protocol::models::UpdateChannel,
    ) -> ApiResult<Channel> {
        let name = req.name.as_deref().map(|n| validate::name("name", n, MAX_NAME_CHARS)).transpose()?;
        let topic =
            req.topic.as_deref().map(|t| validate::optional_text("topic", t, MAX_TOPIC_CHARS, true)).transpose()?;
        self.writer.run(move |tx| update(tx, user, channel, name, topic)).await
    }

    /// Deletes a channel or category.
    ///
    /// # Errors
    /// See [`delete`].
    pub async fn delete_channel(&self, user: UserId, channel: ChannelId) -> ApiResult<()> {
        let files = self.writer.run(move |tx| delete(tx, user, channel)).await?;
        self.forget_files(files).await;
        Ok(())
    }

    /// Who sees a channel.
    ///
    /// # Errors
    /// See [`access`].
    pub fn channel_access(&self, user: UserId, channel: ChannelId) -> ApiResult<ChannelAccess> {
        access(&self.dir.read(), user, channel)
    }

    /// Changes who sees a channel.
    ///
    /// # Errors
    /// See [`set_access`].
    pub async fn set_channel_access(
        &self,
        user: UserId,
        channel: ChannelId,
        req: ChannelAccess,
    ) -> ApiResult<ChannelAccess> {
        self.writer.run(move |tx| set_access(tx, user, channel, req)).await
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
