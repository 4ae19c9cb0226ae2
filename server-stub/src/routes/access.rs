//! Who may see and do what, and the row types shared by the routes.
//!
//! Rules (enforced on every route and gateway op):
//! - Anything inside a server is visible only to its members; others get 404.
//! - Owner and admins manage channels, invites and members; only the owner
//!   changes roles, hands the server over, or deletes it.
//! - Admins may remove members but not other admins or the owner.

use pq_protocol::{
    ChannelId, ServerId, Timestamp, UserId,
    limits::Plan,
    models::{Channel, ChannelKind, Me, Role, Server, User},
};
use sqlx::SqliteExecutor;

use crate::{auth::AuthUser, error::ApiError, state::AppState};

/// A channel as seen by a member.
#[derive(Debug, Clone, Copy)]
pub struct ChannelAccess {
    /// Its server.
    pub server_id: ServerId,
    /// Its kind.
    pub kind: ChannelKind,
    /// The caller's role in the server.
    pub role: Role,
}

/// The caller's role in `server`, or 404 when not a member.
///
/// # Errors
/// [`ApiError::NotFound`] for non-members.
pub async fn role_in(state: &AppState, server: ServerId, user: UserId) -> Result<Role, ApiError> {
    if !state.hub().is_member(server, user) {
        return Err(ApiError::NotFound("server"));
    }
    let role: Option<(String,)> = sqlx::query_as("SELECT role FROM members WHERE server_id = ? AND user_id = ?")
        .bind(server.to_string())
        .bind(user.to_string())
        .fetch_optional(&state.db().read)
        .await?;
    role.and_then(|(r,)| Role::from_name(&r)).ok_or(ApiError::NotFound("server"))
}

/// The caller's access to `channel`, or 404 when it does not exist or they
/// are not a member of its server.
///
/// # Errors
/// [`ApiError::NotFound`].
pub async fn channel_access(state: &AppState, channel: ChannelId, user: &AuthUser) -> Result<ChannelAccess, ApiError> {
    let (server_id, kind) = state.hub().channel(channel).ok_or(ApiError::NotFound("channel"))?;
    let role = role_in(state, server_id, user.id).await.map_err(|_| ApiError::NotFound("channel"))?;
    Ok(ChannelAccess { server_id, kind, role })
}

/// The server of a text channel the caller is a member of (from memory,
/// no database: this is on the path of every message).
///
/// # Errors
/// 404 when there is no such channel for the caller; 400 for categories and
/// voice channels.
pub fn text_channel(state: &AppState, channel: ChannelId, user: &AuthUser) -> Result<ServerId, ApiError> {
    let (server_id, kind) = state.hub().channel(channel).ok_or(ApiError::NotFound("channel"))?;
    if !state.hub().is_member(server_id, user.id) {
        return Err(ApiError::NotFound("channel"));
    }
    if kind != ChannelKind::Text {
        return Err(ApiError::BadRequest(format!("this is a {} channel, not a text channel", kind.as_str())));
    }
    Ok(server_id)
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

/// Parses an id stored in the database.
///
/// # Errors
/// [`ApiError::Internal`] for a corrupt value.
pub fn id<T: std::str::FromStr>(s: &str) -> Result<T, ApiError> {
    s.parse().map_err(|_| ApiError::Internal(format!("corrupt id in database: {s:?}")))
}

/// A `users` row.
#[derive(Debug, sqlx::FromRow)]
pub struct UserRow {
    /// id
    pub id: String,
    /// display_name
    pub display_name: String,
    /// avatar_url
    pub avatar_url: Option<String>,
    /// email
    pub email: Option<String>,
    /// plan
    pub plan: String,
    /// is_admin
    pub is_admin: i64,
}

impl UserRow {
    /// Columns to select.
    pub const COLUMNS: &'static str = "id, display_name, avatar_url, email, plan, is_admin";

    /// As others see them.
    ///
    /// # Errors
    /// Corrupt row.
    pub fn user(&self) -> Result<User, ApiError> {
        Ok(User { id: id(&self.id)?, display_name: self.display_name.clone(), avatar_url: self.avatar_url.clone() })
    }

    /// As they see themselves.
    ///
    /// # Errors
    /// Corrupt row.
    pub fn me(&self) -> Result<Me, ApiError> {
        Ok(Me {
            id: id(&self.id)?,
            display_name: self.display_name.clone(),
            avatar_url: self.avatar_url.clone(),
            email: self.email.clone(),
            plan: Plan::from_name(&self.plan).unwrap_or_default(),
            is_admin: self.is_admin != 0,
        })
    }
}

/// Loads one user row.
///
/// # Errors
/// 404 when absent.
pub async fn user_row(db: impl SqliteExecutor<'_>, user: UserId) -> Result<UserRow, ApiError> {
    sqlx::query_as::<_, UserRow>(sqlx::AssertSqlSafe(format!("SELECT {} FROM users WHERE id = ?", UserRow::COLUMNS)))
        .bind(user.to_string())
        .fetch_optional(db)
        .await?
        .ok_or(ApiError::NotFound("user"))
}

/// A `servers` row.
#[derive(Debug, sqlx::FromRow)]
pub struct ServerRow {
    /// id
    pub id: String,
    /// name
    pub name: String,
    /// icon_url
    pub icon_url: Option<String>,
    /// owner_id
    pub owner_id: String,
    /// created_at
    pub created_at: i64,
}

impl ServerRow {
    /// Columns to select (prefix `s.`).
    pub const COLUMNS: &'static str = "s.id, s.name, s.icon_url, s.owner_id, s.created_at";

    /// The wire type.
    ///
    /// # Errors
    /// Corrupt row.
    pub fn server(&self) -> Result<Server, ApiError> {
        Ok(Server {
            id: id(&self.id)?,
            name: self.name.clone(),
            icon_url: self.icon_url.clone(),
            owner_id: id(&self.owner_id)?,
            created_at: Timestamp::from_millis(self.created_at),
        })
    }
}

/// Loads one server.
///
/// # Errors
/// 404 when absent.
pub async fn server_row(db: impl SqliteExecutor<'_>, server: ServerId) -> Result<ServerRow, ApiError> {
    sqlx::query_as::<_, ServerRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM servers s WHERE s.id = ?",
        ServerRow::COLUMNS
    )))
    .bind(server.to_string())
    .fetch_optional(db)
    .await?
    .ok_or(ApiError::NotFound("server"))
}

/// A `channels` row.
#[derive(Debug, sqlx::FromRow)]
pub struct ChannelRow {
    /// id
    pub id: String,
    /// server_id
    pub server_id: String,
    /// kind
    pub kind: String,
    /// name
    pub name: String,
    /// parent_id
    pub parent_id: Option<String>,
    /// position
    pub position: i64,
    /// last_seq
    pub last_seq: i64,
}

impl ChannelRow {
    /// Columns to select (prefix `c.`).
    pub const COLUMNS: &'static str = "c.id, c.server_id, c.kind, c.name, c.parent_id, c.position, c.last_seq";

    /// The wire type.
    ///
    /// # Errors
    /// Corrupt row.
    pub fn channel(&self) -> Result<Channel, ApiError> {
        Ok(Channel {
            id: id(&self.id)?,
            server_id: id(&self.server_id)?,
            kind: ChannelKind::from_name(&self.kind)
                .ok_or_else(|| ApiError::Internal("corrupt channel kind".into()))?,
            name: self.name.clone(),
            parent_id: self.parent_id.as_deref().map(id).transpose()?,
            position: self.position as i32,
            last_seq: self.last_seq as u64,
        })
    }
}

/// Every channel of a server, in display order (categories, then position).
///
/// # Errors
/// Database failure.
pub async fn channels_of(db: impl SqliteExecutor<'_>, server: ServerId) -> Result<Vec<Channel>, ApiError> {
    let rows = sqlx::query_as::<_, ChannelRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM channels c WHERE c.server_id = ? ORDER BY c.position, c.created_at",
        ChannelRow::COLUMNS
    )))
    .bind(server.to_string())
    .fetch_all(db)
    .await?;
    rows.iter().map(ChannelRow::channel).collect()
}

/// Loads one channel.
///
/// # Errors
/// 404 when absent.
pub async fn channel_row(db: impl SqliteExecutor<'_>, channel: ChannelId) -> Result<Channel, ApiError> {
    sqlx::query_as::<_, ChannelRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM channels c WHERE c.id = ?",
        ChannelRow::COLUMNS
    )))
    .bind(channel.to_string())
    .fetch_optional(db)
    .await?
    .ok_or(ApiError::NotFound("channel"))?
    .channel()
}
