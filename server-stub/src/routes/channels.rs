//! Channels and categories: create, rename, delete, reorder and move.

use std::collections::HashMap;

use axum::{extract::State, http::StatusCode};
use pq_protocol::{
    ChannelId, ServerId, Timestamp,
    gateway::Event,
    limits::{MAX_CHANNELS_PER_SERVER, MAX_NAME_CHARS},
    models::{Channel, ChannelKind, ChannelLayout, CreateChannel, UpdateChannel},
};

use super::{
    Path,
    access::{self, channel_access, require_admin, role_in},
    valid_name,
};
use crate::{
    auth::AuthUser,
    error::{ApiError, ApiResult, Json},
    gateway::Audience,
    state::AppState,
};

/// Create a channel or category (owner and admins).
#[utoipa::path(post, path = "/api/servers/{server_id}/channels", tag = "channels", request_body = CreateChannel,
    params(("server_id" = ServerId, Path)),
    responses((status = 201, body = Channel), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody), (status = 422, body = pq_protocol::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
    Json(req): Json<CreateChannel>,
) -> ApiResult<(StatusCode, Json<Channel>)> {
    let role = role_in(&state, server_id, user.id).await?;
    require_admin(role, "create channels")?;
    let name = valid_name("name", &req.name, MAX_NAME_CHARS)?;
    if let Some(parent) = req.parent_id {
        if req.kind == ChannelKind::Category {
            return Err(ApiError::invalid("parent_id", "categories cannot be put inside another category"));
        }
        check_category(&state, server_id, parent)?;
    }
    let id = ChannelId::new();
    let mut conn = state.db().writer().await?;
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM channels WHERE server_id = ?")
        .bind(server_id.to_string())
        .fetch_one(&mut *conn)
        .await?;
    if count as usize >= MAX_CHANNELS_PER_SERVER {
        return Err(ApiError::Conflict(format!("a server can hold at most {MAX_CHANNELS_PER_SERVER} channels")));
    }
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let (next,): (i64,) = sqlx::query_as(
        "SELECT COALESCE(MAX(position) + 1, 0) FROM channels WHERE server_id = ?
         AND ((? IS NULL AND parent_id IS NULL) OR parent_id = ?)",
    )
    .bind(server_id.to_string())
    .bind(req.parent_id.map(|p| p.to_string()))
    .bind(req.parent_id.map(|p| p.to_string()))
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO channels (id, server_id, kind, name, parent_id, position, last_seq, created_at)
         VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
    )
    .bind(id.to_string())
    .bind(server_id.to_string())
    .bind(req.kind.as_str())
    .bind(&name)
    .bind(req.parent_id.map(|p| p.to_string()))
    .bind(next)
    .bind(Timestamp::now().as_millis())
    .execute(&mut *tx)
    .await?;
    if req.kind == ChannelKind::Text {
        // Every member starts with nothing unread in a new channel.
        sqlx::query(
            "INSERT INTO read_markers (channel_id, user_id, seq) SELECT ?, user_id, 0 FROM members WHERE server_id = ?",
        )
        .bind(id.to_string())
        .bind(server_id.to_string())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    let channel = access::channel_row(&mut *conn, id).await?;
    state.hub().add_channel(id, server_id, req.kind);
    state.hub().dispatch(Audience::Server(server_id), Event::ChannelCreated { channel: channel.clone() });
    drop(conn);
    Ok((StatusCode::CREATED, Json(channel)))
}

fn check_category(state: &AppState, server_id: ServerId, parent: ChannelId) -> Result<(), ApiError> {
    match state.hub().channel(parent) {
        Some((s, ChannelKind::Category)) if s == server_id => Ok(()),
        _ => Err(ApiError::invalid("parent_id", "parent_id must be a category of the same server")),
    }
}

/// Rename a channel or category (owner and admins).
#[utoipa::path(patch, path = "/api/channels/{channel_id}", tag = "channels", request_body = UpdateChannel,
    params(("channel_id" = ChannelId, Path)),
    responses((status = 200, body = Channel), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn rename(
    State(state): State<AppState>,
    user: AuthUser,
    Path(channel_id): Path<ChannelId>,
    Json(req): Json<UpdateChannel>,
) -> ApiResult<Json<Channel>> {
    let access = channel_access(&state, channel_id, &user).await?;
    require_admin(access.role, "rename channels")?;
    let name = valid_name("name", &req.name, MAX_NAME_CHARS)?;
    let mut conn = state.db().writer().await?;
    sqlx::query("UPDATE channels SET name = ? WHERE id = ?")
        .bind(&name)
        .bind(channel_id.to_string())
        .execute(&mut *conn)
        .await?;
    let channel = access::channel_row(&mut *conn, channel_id).await?;
    state.hub().dispatch(Audience::Server(access.server_id), Event::ChannelUpdated { channel: channel.clone() });
    drop(conn);
    Ok(Json(channel))
}

/// Delete a channel and its messages, or a category (its channels move to the
/// top level). Owner and admins.
#[utoipa::path(delete, path = "/api/channels/{channel_id}", tag = "channels",
    params(("channel_id" = ChannelId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    user: AuthUser,
    Path(channel_id): Path<ChannelId>,
) -> ApiResult<StatusCode> {
    let access = channel_access(&state, channel_id, &user).await?;
    require_admin(access.role, "delete channels")?;
    let mut conn = state.db().writer().await?;
    let (children,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM channels WHERE parent_id = ?")
        .bind(channel_id.to_string())
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM channels WHERE id = ?").bind(channel_id.to_string()).execute(&mut *conn).await?;
    state.hub().remove_channel(channel_id);
    let hub = state.hub();
    hub.dispatch(Audience::Server(access.server_id), Event::ChannelDeleted { server_id: access.server_id, channel_id });
    if children > 0 {
        let channels = access::channels_of(&mut *conn, access.server_id).await?;
        hub.dispatch(
            Audience::Server(access.server_id),
            Event::ChannelsReordered { server_id: access.server_id, channels },
        );
    }
    drop(conn);
    Ok(StatusCode::NO_CONTENT)
}

/// Reorder channels and move them between categories in one step (owner and
/// admins). Channels not listed keep their place. Answers with every channel.
#[utoipa::path(put, path = "/api/servers/{server_id}/channels/layout", tag = "channels", request_body = ChannelLayout,
    params(("server_id" = ServerId, Path)),
    responses((status = 200, body = Vec<Channel>), (status = 403, body = pq_protocol::ErrorBody),
        (status = 422, body = pq_protocol::ErrorBody)))]
pub async fn layout(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
    Json(req): Json<ChannelLayout>,
) -> ApiResult<Json<Vec<Channel>>> {
    let role = role_in(&state, server_id, user.id).await?;
    require_admin(role, "reorder channels")?;
    let hub = state.hub();
    let mut seen = HashMap::new();
    for p in &req.channels {
        let Some((s, kind)) = hub.channel(p.id) else {
            return Err(ApiError::invalid("channels", format!("unknown channel {}", p.id)));
        };
        if s != server_id {
            return Err(ApiError::invalid("channels", format!("channel {} is not in this server", p.id)));
        }
        if seen.insert(p.id, ()).is_some() {
            return Err(ApiError::invalid("channels", format!("channel {} is listed twice", p.id)));
        }
        match (kind, p.parent_id) {
            (ChannelKind::Category, Some(_)) => {
                return Err(ApiError::invalid("channels", "categories cannot be put inside another category"));
            }
            (_, Some(parent)) => check_category(&state, server_id, parent)?,
            (_, None) => {}
        }
    }
    let mut conn = state.db().writer().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    for p in &req.channels {
        sqlx::query("UPDATE channels SET parent_id = ?, position = ? WHERE id = ?")
            .bind(p.parent_id.map(|x| x.to_string()))
            .bind(p.position)
            .bind(p.id.to_string())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let channels = access::channels_of(&mut *conn, server_id).await?;
    hub.dispatch(Audience::Server(server_id), Event::ChannelsReordered { server_id, channels: channels.clone() });
    drop(conn);
    Ok(Json(channels))
}
