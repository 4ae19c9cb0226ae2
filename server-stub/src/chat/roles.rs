//! Roles: a server's ranks with permissions. Create, edit (name, colour,
//! rank, permissions), delete; give to members and take away.
//!
//! The rules, checked in the writer's batch against the roles the change
//! commits on:
//! - Everything here needs `manage_roles`.
//! - One acts only on roles ranked below one's own highest role (the owner:
//!   on every role), and gives or takes them only from oneself or people
//!   ranked below.
//! - One cannot give a role a permission one lacks, nor take one away.
//! - `@everyone` (id: the server's) is always there at rank 0: only its
//!   permissions change.
//!
//! Ranks stay 0, 1, 2, … without gaps: every change that moves a role
//! renumbers the others.

use pq_protocol::{
    RoleId, ServerId, Timestamp, UserId,
    gateway::Event,
    limits::{MAX_NAME_CHARS, MAX_ROLES_PER_SERVER},
    models::{AuditAction, Permission, Permissions, ServerRole},
};

use super::{
    Chat,
    access::{require, require_above, standing_in},
    audit::{self, Target},
    directory::{Effect, RoleEntry, Standing},
    servers::{resend_if_sight_changed, sight},
    validate,
    writer::Tx,
};
use crate::{
    error::{ApiError, ApiResult},
    gateway::Audience,
};

/// The largest colour, `0xFFFFFF`.
pub const MAX_COLOR: u32 = 0x00FF_FFFF;

/// A new server's `@everyone` role.
#[must_use]
pub fn everyone(server: ServerId) -> ServerRole {
    ServerRole {
        id: RoleId(server.0),
        name: "@everyone".into(),
        color: 0,
        position: 0,
        permissions: Permissions::EVERYONE.list(),
    }
}

/// A role change, validated.
#[derive(Debug, Default)]
pub struct RoleChange {
    /// New name.
    pub name: Option<String>,
    /// New colour.
    pub color: Option<u32>,
    /// New rank.
    pub position: Option<u32>,
    /// New permissions.
    pub permissions: Option<Permissions>,
}

/// Validates a colour.
///
/// # Errors
/// 422 above `0xFFFFFF`.
pub fn color(c: u32) -> ApiResult<u32> {
    if c > MAX_COLOR {
        return Err(ApiError::invalid("color", "color must be between 0 and 16777215 (0xFFFFFF)"));
    }
    Ok(c)
}

/// Validates a rank asked for.
///
/// # Errors
/// 422 for 0 (`@everyone`'s) and past the most roles a server may have.
pub fn position(p: u32) -> ApiResult<u32> {
    let most = MAX_ROLES_PER_SERVER as u32 - 1;
    if p == 0 || p > most {
        return Err(ApiError::invalid("position", format!("position must be between 1 and {most} (0 is @everyone's)")));
    }
    Ok(p)
}

/// Validates a role name.
///
/// # Errors
/// 422.
pub fn name(raw: &str) -> ApiResult<String> {
    validate::name("name", raw, MAX_NAME_CHARS)
}

/// Stores `roles` in this order as ranks 0, 1, 2, …, makes the directory
/// follow, and tells the server's members.
fn publish(tx: &mut Tx<'_>, server: ServerId, mut roles: Vec<ServerRole>) -> ApiResult<Vec<ServerRole>> {
    for (i, r) in roles.iter_mut().enumerate() {
        let position = i as u32;
        if r.position != position {
            r.position = position;
            tx.store().update_role(server, r)?;
        }
    }
    let entries = roles
        .iter()
        .map(|r| (r.id, RoleEntry { position: r.position, permissions: Permissions::of(&r.permissions) }))
        .collect();
    tx.apply(Effect::SetRoles { server, roles: entries });
    tx.emit(Audience::Server(server), Event::RolesUpdated { server_id: server, roles: roles.clone() });
    Ok(roles)
}

/// The role `id` of `server` and where it is in `roles` (ordered by rank).
fn find(roles: &[ServerRole], id: RoleId) -> ApiResult<usize> {
    roles.iter().position(|r| r.id == id).ok_or(ApiError::NotFound("role"))
}

/// Requires ranking above a role.
fn require_role_below(mine: &Standing, role: &ServerRole) -> ApiResult<()> {
    if mine.owner || role.position < mine.top {
        Ok(())
    } else {
        Err(ApiError::Forbidden("you can only manage roles below your highest role".into()))
    }
}

/// Requires holding every permission being given or taken away.
fn require_covers(mine: &Standing, changed: Permissions) -> ApiResult<()> {
    if mine.permissions.covers(changed) {
        Ok(())
    } else {
        let missing = Permissions(changed.0 & !mine.permissions.0).list();
        let words: Vec<&str> = missing.iter().map(|p| p.words()).collect();
        Err(ApiError::Forbidden(format!("you cannot give or take away permissions you lack ({})", words.join(", "))))
    }
}

/// Creates a role just above `@everyone`.
///
/// # Errors
/// 403, 404, 409 (too many roles).
pub fn create(
    tx: &mut Tx<'_>,
    user: UserId,
    server: ServerId,
    name: String,
    color: u32,
    permissions: Permissions,
) -> ApiResult<ServerRole> {
    let mine = standing_in(tx.dir(), server, user)?;
    require(&mine, Permission::ManageRoles, "create roles")?;
    require_covers(&mine, permissions)?;
    let mut roles = tx.store().roles(server)?;
    if roles.len() >= MAX_ROLES_PER_SERVER {
        return Err(ApiError::Conflict(format!("a server can have at most {MAX_ROLES_PER_SERVER} roles")));
    }
    let role = ServerRole { id: RoleId::new(), name, color, position: 1, permissions: permissions.list() };
    let now = tx.now();
    tx.store().insert_role(server, &role, now)?;
    roles.insert(1.min(roles.len()), role.clone());
    publish(tx, server, roles)?;
    let target = Target { detail: Some(role.name.clone()), ..Target::default() };
    audit::record(tx, server, AuditAction::RoleCreated, user, target)?;
    Ok(role)
}

/// Changes a role. `@everyone` takes only permissions.
///
/// # Errors
/// 403, 404, 409 (renaming, recolouring or moving `@everyone`).
pub fn update(
    tx: &mut Tx<'_>,
    user: UserId,
    server: ServerId,
    id: RoleId,
    change: RoleChange,
) -> ApiResult<ServerRole> {
    let mine = standing_in(tx.dir(), server, user)?;
    require(&mine, Permission::ManageRoles, "change roles")?;
    let mut roles = tx.store().roles(server)?;
    let at = find(&roles, id)?;
    let everyone = id.0 == server.0;
    if everyone && (change.name.is_some() || change.color.is_some() || change.position.is_some()) {
        return Err(ApiError::Conflict(
            "@everyone keeps its name, colour and place; only its permissions change".into(),
        ));
    }
    if !everyone {
        require_role_below(&mine, &roles[at])?;
    }
    // A rank past the top means the top.
    let position = change.position.map(|to| to.min(roles.len() as u32 - 1));
    if let Some(to) = position
        && !mine.owner
        && to >= mine.top
    {
        return Err(ApiError::Forbidden("you can only move a role below your highest role".into()));
    }
    let before = sight(tx, server);
    let mut role = roles[at].clone();
    if let Some(p) = change.permissions {
        require_covers(&mine, Permissions(p.0 ^ Permissions::of(&role.permissions).0))?;
        role.permissions = p.list();
    }
    if let Some(n) = change.name {
        role.name = n;
    }
    if let Some(c) = change.color {
        role.color = c;
    }
    tx.store().update_role(server, &role)?;
    roles[at] = role;
    if let Some(to) = position {
        let moved = roles.remove(at);
        roles.insert(to as usize, moved);
    }
    let roles = publish(tx, server, roles)?;
    let role = roles.into_iter().find(|r| r.id == id).expect("still there");
    let target = Target { detail: Some(role.name.clone()), ..Target::default() };
    audit::record(tx, server, AuditAction::RoleUpdated, user, target)?;
    resend_if_sight_changed(tx, server, &before)?;
    Ok(role)
}

/// Deletes a role (its members lose it).
///
/// # Errors
/// 403, 404, 409 (`@everyone`).
pub fn delete(tx: &mut Tx<'_>, user: UserId, server: ServerId, id: RoleId) -> ApiResult<()> {
    let mine = standing_in(tx.dir(), server, user)?;
    require(&mine, Permission::ManageRoles, "delete roles")?;
    if id.0 == server.0 {
        return Err(ApiError::Conflict("@everyone cannot be deleted".into()));
    }
    let mut roles = tx.store().roles(server)?;
    let at = find(&roles, id)?;
    require_role_below(&mine, &roles[at])?;
    let gone = roles.remove(at);
    let before = sight(tx, server);
    tx.store().delete_role(id)?;
    publish(tx, server, roles)?;
    audit::record(tx, server, AuditAction::RoleDeleted, user, Target { detail: Some(gone.name), ..Target::default() })?;
    resend_if_sight_changed(tx, server, &before)
}

/// Gives `target` a role (`give`) or takes it away. Doing what is already
/// so changes nothing.
///
/// # Errors
/// 403, 404 (no such role or member), 409 (`@everyone`).
pub fn set_held(
    tx: &mut Tx<'_>,
    user: UserId,
    server: ServerId,
    target: UserId,
    id: RoleId,
    give: bool,
) -> ApiResult<()> {
    let mine = standing_in(tx.dir(), server, user)?;
    require(&mine, Permission::ManageRoles, "give or take away roles")?;
    if id.0 == server.0 {
        return Err(ApiError::Conflict("everyone holds @everyone".into()));
    }
    let role = tx.dir().role(server, id).ok_or(ApiError::NotFound("role"))?;
    if !mine.owner && role.position >= mine.top {
        return Err(ApiError::Forbidden("you can only give or take away roles below your highest role".into()));
    }
    let theirs = tx.dir().standing(server, target).ok_or(ApiError::NotFound("member"))?;
    if target != user {
        require_above(&mine, &theirs, "change the roles of")?;
    }
    let mut held = tx.dir().roles_of(server, target).unwrap_or_default().to_vec();
    if held.contains(&id) == give {
        return Ok(());
    }
    let before = sight(tx, server);
    if give {
        tx.store().add_member_role(server, target, id)?;
        held.push(id);
    } else {
        tx.store().remove_member_role(server, target, id)?;
        held.retain(|r| *r != id);
    }
    tx.apply(Effect::SetMemberRoles { server, user: target, roles: held.clone() });
    tx.emit(Audience::Server(server), Event::MemberUpdated { server_id: server, user_id: target, roles: held });
    let name = tx.store().roles(server)?.into_iter().find(|r| r.id == id).map(|r| r.name).unwrap_or_default();
    let detail = Some(format!("{}{name}", if give { '+' } else { '-' }));
    audit::record(
        tx,
        server,
        AuditAction::RoleChanged,
        user,
        Target { user: Some(target), detail, ..Target::default() },
    )?;
    // A role can open private channels (or, with administrator, all of them).
    resend_if_sight_changed(tx, server, &before)
}

/// Gives a new server its `@everyone` role (in [`super::servers::create`]).
///
/// # Errors
/// Storage failure.
pub fn create_everyone(tx: &mut Tx<'_>, server: ServerId, at: Timestamp) -> ApiResult<()> {
    let role = everyone(server);
    tx.store().insert_role(server, &role, at)?;
    let entry = RoleEntry { position: 0, permissions: Permissions::EVERYONE };
    tx.apply(Effect::SetRoles { server, roles: vec![(role.id, entry)] });
    Ok(())
}

impl Chat {
    /// A server's roles, `@everyone` first (any member).
    ///
    /// # Errors
    /// 404 when not a member.
    pub async fn roles(&self, user: UserId, server: ServerId) -> ApiResult<Vec<ServerRole>> {
        standing_in(&self.dir.read(), server, user)?;
        Ok(self.reads.read(move |s| s.roles(server)).await?)
    }

    /// Creates a role (validated here).
    ///
    /// # Errors
    /// 422; see [`create`].
    pub async fn create_role(
        &self,
        user: UserId,
        server: ServerId,
        name: &str,
        color: Option<u32>,
        permissions: Option<Vec<Permission>>,
    ) -> ApiResult<ServerRole> {
        let name = self::name(name)?;
        let color = self::color(color.unwrap_or(0))?;
        let permissions = Permissions::of(&permissions.unwrap_or_default());
        self.writer.run(move |tx| create(tx, user, server, name, color, permissions)).await
    }

    /// Changes a role (validated here).
    ///
    /// # Errors
    /// 422; see [`update`].
    pub async fn update_role(
        &self,
        user: UserId,
        server: ServerId,
        role: RoleId,
        req: pq_protocol::models::UpdateRole,
    ) -> ApiResult<ServerRole> {
        let change = RoleChange {
            name: req.name.as_deref().map(name).transpose()?,
            color: req.color.map(color).transpose()?,
            position: req.position.map(position).transpose()?,
            permissions: req.permissions.as_deref().map(Permissions::of),
        };
        self.writer.run(move |tx| update(tx, user, server, role, change)).await
    }

    /// Deletes a role.
    ///
    /// # Errors
    /// See [`delete`].
    pub async fn delete_role(&self, user: UserId, server: ServerId, role: RoleId) -> ApiResult<()> {
        self.writer.run(move |tx| delete(tx, user, server, role)).await
    }

    /// Gives someone a role or takes it away.
    ///
    /// # Errors
    /// See [`set_held`].
    pub async fn set_member_role(
        &self,
        user: UserId,
        server: ServerId,
        target: UserId,
        role: RoleId,
        give: bool,
    ) -> ApiResult<()> {
        self.writer.run(move |tx| set_held(tx, user, server, target, role, give)).await
    }
}
