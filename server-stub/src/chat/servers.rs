//! Servers (communities): create, read, rename and image, delete; and what
//! a person needs to draw the servers they are in (`ready`, `server_joined`).

use pq_protocol::{
    ChannelId, ServerId, UserId,
    gateway::Event,
    limits::{MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS},
    models::{AuditAction, Channel, ChannelKind, Permission, Server, ServerState},
};

use super::{
    Chat,
    access::{require, require_owner, standing_in},
    audit::{self, Target},
    directory::{Directory, Effect},
    validate,
    writer::Tx,
};
use crate::{
    error::{ApiError, ApiResult},
    gateway::{Audience, Hub},
};

/// Fills in what the store leaves to memory: member counts and who is in
/// the voice rooms, and leaves out the private channels `user` does not see.
/// (Not under the published directory's lock: the voice rooms' lock comes
/// before it.)
fn complete(states: &mut [ServerState], user: UserId, dir: &Directory, hub: &Hub) {
    voice(states, hub);
    for s in states.iter_mut() {
        s.member_count = dir.member_count(s.server.id);
        hide(s, user, dir);
    }
}

fn voice(states: &mut [ServerState], hub: &Hub) {
    for s in states {
        s.voice_states = hub.voice_states_of(s.server.id);
    }
}

/// Leaves out of `state` every channel hidden from `user`, with its read
/// state and who is in it.
fn hide(state: &mut ServerState, user: UserId, dir: &Directory) {
    if !dir.has_private(state.server.id) {
        return;
    }
    state.channels.retain(|c| dir.can_see(c.id, user));
    state.read_states.retain(|r| dir.can_see(r.channel_id, user));
    state.voice_states.retain(|v| dir.can_see(v.channel_id, user));
}

/// Who each member of `server` does not see, before a change that may
/// hide or show channels (see [`resend_if_sight_changed`]).
#[must_use]
pub fn sight(tx: &Tx<'_>, server: ServerId) -> Vec<(UserId, Vec<ChannelId>)> {
    tx.dir().hidden(server)
}

/// After a change that may hide or show channels (an access list, a role
/// given or taken, a role's permissions, a channel moved between
/// categories): everyone whose hidden channels changed gets the server
/// anew (`server_joined`), so their apps drop what they no longer see —
/// with its cached messages — and fetch what they now do.
///
/// # Errors
/// Storage failure.
pub fn resend_if_sight_changed(
    tx: &mut Tx<'_>,
    server: ServerId,
    before: &[(UserId, Vec<ChannelId>)],
) -> ApiResult<()> {
    let after = tx.dir().hidden(server);
    let of = |list: &[(UserId, Vec<ChannelId>)], u: UserId| {
        list.binary_search_by_key(&u, |(x, _)| *x).ok().map(|i| list[i].1.clone()).unwrap_or_default()
    };
    let mut users: Vec<UserId> = before.iter().chain(after.iter()).map(|(u, _)| *u).collect();
    users.sort_unstable();
    users.dedup();
    for u in users {
        let (was, now) = (of(before, u), of(&after, u));
        if was != now && tx.dir().is_member(server, u) {
            // Read markers follow sight: a hidden channel's messages do not
            // wait on them; a channel they now see starts unread.
            for c in now.iter().filter(|c| !was.contains(c)) {
                tx.store().delete_read_marker(*c, u)?;
            }
            for c in was.iter().filter(|c| !now.contains(c)) {
                tx.store().add_read_marker(*c, u)?;
            }
            let state = state_in_tx(tx, u, server)?;
            tx.emit(Audience::User(u), Event::ServerJoined { state });
        }
    }
    Ok(())
}

/// Everything `user` needs to draw `server`, inside the writer's transaction.
///
/// # Errors
/// 404 when not a member.
pub fn state_in_tx(tx: &mut Tx<'_>, user: UserId, server: ServerId) -> ApiResult<ServerState> {
    let mut states = tx.store().server_states(user, Some(server))?;
    complete(&mut states, user, tx.dir(), tx.hub());
    states.pop().ok_or(ApiError::NotFound("server"))
}

/// Creates a server owned by `user`, with a "Text Channels" category holding
/// `general` and a "Voice Channels" category holding `General`.
///
/// # Errors
/// 422 for a bad name.
pub fn create(tx: &mut Tx<'_>, user: UserId, name: &str) -> ApiResult<ServerState> {
    let name = validate::name("name", name, MAX_NAME_CHARS)?;
    let now = tx.now();
    let server =
        Server { id: ServerId::new(), name, icon_url: None, owner_id: user, created_at: now, description: None };
    let text_cat = ChannelId::new();
    let voice_cat = ChannelId::new();
    let layout = [
        (text_cat, ChannelKind::Category, "Text Channels", None, 0),
        (ChannelId::new(), ChannelKind::Text, "general", Some(text_cat), 0),
        (voice_cat, ChannelKind::Category, "Voice Channels", None, 1),
        (ChannelId::new(), ChannelKind::Voice, "General", Some(voice_cat), 0),
    ];
    let store = tx.store();
    store.insert_server(&server)?;
    store.insert_member(server.id, user, now, false)?;
    for (id, kind, cname, parent_id, position) in layout {
        let channel = Channel {
            id,
            server_id: server.id,
            kind,
            name: cname.into(),
            parent_id,
            position,
            last_seq: 0,
            private: false,
            topic: None,
        };
        store.insert_channel(&channel, now)?;
    }
    tx.apply(Effect::AddServer { server: server.id, owner: user });
    super::roles::create_everyone(tx, server.id, now)?;
    tx.apply(Effect::AddMember { server: server.id, user });
    for (id, kind, _, parent, _) in layout {
        tx.apply(Effect::AddChannel { channel: id, server: server.id, kind, parent });
    }
    let state = state_in_tx(tx, user, server.id)?;
    tx.emit(Audience::User(user), Event::ServerJoined { state: state.clone() });
    tracing::info!(server_id = %server.id, user_id = %user, "server created");
    Ok(state)
}

/// Renames a server and/or changes its image (`manage_server`), and/or hands
/// it over to another member (the owner only; they keep their roles).
/// Values are already validated; `Some(None)` removes the image.
///
/// # Errors
/// 403, 404 (also a new owner who is not a member).
pub fn update(
    tx: &mut Tx<'_>,
    user: UserId,
    server: ServerId,
    name: Option<String>,
    icon: Option<Option<String>>,
    description: Option<Option<String>>,
    owner: Option<UserId>,
) -> ApiResult<Server> {
    let mine = standing_in(tx.dir(), server, user)?;
    if name.is_some() || icon.is_some() || description.is_some() {
        require(&mine, Permission::ManageServer, "change the server")?;
    }
    let owner = owner.filter(|o| *o != user || !mine.owner);
    if let Some(new) = owner {
        require_owner(&mine, "hand the server over")?;
        if !tx.dir().is_member(server, new) {
            return Err(ApiError::NotFound("member"));
        }
        let before = sight(tx, server);
        tx.store().set_owner(server, new)?;
        tx.apply(Effect::SetOwner { server, user: new });
        resend_if_sight_changed(tx, server, &before)?;
        audit::record(
            tx,
            server,
            AuditAction::OwnershipTransferred,
            user,
            Target { user: Some(new), ..Target::default() },
        )?;
        tracing::info!(server_id = %server, from = %user, to = %new, "server handed over");
    }
    tx.store().update_server(server, name.as_deref(), icon.as_ref().map(Option::as_deref))?;
    if let Some(d) = &description {
        tx.store().set_description(server, d.as_deref())?;
        let target = Target { detail: d.clone(), ..Target::default() };
        audit::record(tx, server, AuditAction::ServerDescriptionChanged, user, target)?;
    }
    let row = tx.store().server(server)?.ok_or(ApiError::NotFound("server"))?;
    if let Some(name) = &name {
        let target = Target { detail: Some(name.clone()), ..Target::default() };
        audit::record(tx, server, AuditAction::ServerRenamed, user, target)?;
    }
    if icon.is_some() {
        audit::record(tx, server, AuditAction::ServerIconChanged, user, Target::default())?;
    }
    if name.is_some() || icon.is_some() || description.is_some() || owner.is_some() {
        tx.emit(Audience::Server(server), Event::ServerUpdated { server: row.clone() });
    }
    Ok(row)
}

/// Deletes a server and everything in it (owner only).
///
/// # Errors
/// 403, 404.
pub fn delete(tx: &mut Tx<'_>, user: UserId, server: ServerId) -> ApiResult<Vec<pq_protocol::AttachmentId>> {
    require_owner(&standing_in(tx.dir(), server, user)?, "delete the server")?;
    let members: Vec<UserId> = tx.dir().members(server).collect();
    let files = tx.store().take_server_attachments(server)?;
    tx.store().delete_server(server)?;
    tx.apply(Effect::RemoveServer { server });
    for m in members {
        tx.emit(Audience::User(m), Event::ServerRemoved { server_id: server, reason: "deleted".into() });
    }
    tracing::info!(server_id = %server, "server deleted");
    Ok(files)
}

impl Chat {
    /// Creates a server.
    ///
    /// # Errors
    /// See [`create`].
    pub async fn create_server(&self, user: UserId, name: String) -> ApiResult<ServerState> {
        self.writer.run(move |tx| create(tx, user, &name)).await
    }

    /// Renames a server, changes its image URL or hands it over (validated here).
    ///
    /// # Errors
    /// 422 for bad values; see [`update`].
    pub async fn update_server(
        &self,
        user: UserId,
        server: ServerId,
        req: pq_protocol::models::UpdateServer,
    ) -> ApiResult<Server> {
        standing_in(&self.dir.read(), server, user)?;
        let name = req.name.as_deref().map(|n| validate::name("name", n, MAX_NAME_CHARS)).transpose()?;
        let icon = req.icon_url.as_deref().map(|u| validate::image_url("icon_url", u)).transpose()?;
        let description = req
            .description
            .as_deref()
            .map(|d| validate::optional_text("description", d, MAX_DESCRIPTION_CHARS, true))
            .transpose()?;
        let owner = req.owner_id;
        self.writer.run(move |tx| update(tx, user, server, name, icon, description, owner)).await
    }

    /// Stores an uploaded image and makes it the server's (`manage_server`).
    ///
    /// # Errors
    /// 403, 404, 413, 415.
    pub async fn upload_server_icon(&self, user: UserId, server: ServerId, body: bytes::Bytes) -> ApiResult<Server> {
        require(&standing_in(&self.dir.read(), server, user)?, Permission::ManageServer, "change the server's image")?;
        let (id, content_type) = super::users::media_id(&body)?;
        self.writer
            .run(move |tx| {
                let now = tx.now();
                tx.store().insert_media(&id, content_type, &body, user, now)?;
                update(tx, user, server, None, Some(Some(format!("/media/{id}"))), None, None)
            })
            .await
    }

    /// Deletes a server.
    ///
    /// # Errors
    /// See [`delete`].
    pub async fn delete_server(&self, user: UserId, server: ServerId) -> ApiResult<()> {
        let files = self.writer.run(move |tx| delete(tx, user, server)).await?;
        self.forget_files(files).await;
        Ok(())
    }

    /// Everything `user` needs to draw each server they are in (or just `only`).
    ///
    /// # Errors
    /// Storage failure.
    pub async fn server_states(&self, user: UserId, only: Option<ServerId>) -> ApiResult<Vec<ServerState>> {
        let mut states = self.reads.read(move |s| s.server_states(user, only)).await?;
        voice(&mut states, &self.hub);
        let dir = self.dir.read();
        for s in &mut states {
            s.member_count = dir.member_count(s.server.id);
            hide(s, user, &dir);
        }
        Ok(states)
    }

    /// One server `user` is in.
    ///
    /// # Errors
    /// 404 when not a member.
    pub async fn server_state(&self, user: UserId, server: ServerId) -> ApiResult<ServerState> {
        standing_in(&self.dir.read(), server, user)?;
        self.server_states(user, Some(server)).await?.pop().ok_or(ApiError::NotFound("server"))
    }
}
