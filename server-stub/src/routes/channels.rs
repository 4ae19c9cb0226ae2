//! `/api/…/channels…`: adapters over [`crate::chat::channels`].

use axum::{extract::State, http::StatusCode};
use pq_protocol::{
    ChannelId, ServerId,
    models::{Channel, ChannelAccess, ChannelLayout, CreateChannel, UpdateChannel},
};

use super::Path;
use crate::{
    auth::AuthUser,
    error::{ApiResult, Json},
    state::AppState,
};

/// Create a channel or category (permission `manage_channels`).
#[utoipa::path(post, path = "/api/servers/{server_id}/channels", tag = "channels", request_body = CreateChannel,
    params(("server_id" = ServerId, Path)),
    responses((status = 201, body = Channel), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody),
        (status = 409, description = "The server holds 500 channels, or `parent_id` is not a category of this server", body = pq_protocol::ErrorBody),
        (status = 422, description = "A name the rules refuse, or a category given a `parent_id`", body = pq_protocol::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
    Json(req): Json<CreateChannel>,
) -> ApiResult<(StatusCode, Json<Channel>)> {
    let channel = state.chat().create_channel(user.id, server_id, req.name, req.kind, req.parent_id).await?;
    Ok((StatusCode::CREATED, Json(channel)))
}

/// Rename a channel or category and/or set its topic (permission `manage_channels`).
#[utoipa::path(patch, path = "/api/channels/{channel_id}", tag = "channels", request_body = UpdateChannel,
    params(("channel_id" = ChannelId, Path)),
    responses((status = 200, body = Channel), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody), (status = 422, body = pq_protocol::ErrorBody)))]
pub async fn rename(
    State(state): State<AppState>,
    user: AuthUser,
    Path(channel_id): Path<ChannelId>,
    Json(req): Json<UpdateChannel>,
) -> ApiResult<Json<Channel>> {
    Ok(Json(state.chat().update_channel(user.id, channel_id, req).await?))
}

/// Delete a channel and its messages, or a category (its channels move to the
/// top level). Permission `manage_channels`.
#[utoipa::path(delete, path = "/api/channels/{channel_id}", tag = "channels",
    params(("channel_id" = ChannelId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    user: AuthUser,
    Path(channel_id): Path<ChannelId>,
) -> ApiResult<StatusCode> {
    state.chat().delete_channel(user.id, channel_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reorder channels and move them between categories in one step (owner and
/// admins). Channels not listed keep their place. Answers with every channel.
#[utoipa::path(put, path = "/api/servers/{server_id}/channels/layout", tag = "channels", request_body = ChannelLayout,
    params(("server_id" = ServerId, Path)),
    responses((status = 200, body = Vec<Channel>), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody),
        (status = 409, description = "A listed channel is not in this server, a category is placed inside a category, or a `parent_id` is not a category of this server", body = pq_protocol::ErrorBody),
        (status = 422, description = "A channel listed twice", body = pq_protocol::ErrorBody)))]
pub async fn layout(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
    Json(req): Json<ChannelLayout>,
) -> ApiResult<Json<Vec<Channel>>> {
    Ok(Json(state.chat().layout_channels(user.id, server_id, req.channels).await?))
}

/// Who sees a channel or category (permission `manage_channels`; a private
/// one is 404 to those it is hidden from).
#[utoipa::path(get, path = "/api/channels/{channel_id}/access", tag = "channels",
    params(("channel_id" = ChannelId, Path)),
    responses((status = 200, body = ChannelAccess), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn access(
    State(state): State<AppState>,
    user: AuthUser,
    Path(channel_id): Path<ChannelId>,
) -> ApiResult<Json<ChannelAccess>> {
    Ok(Json(state.chat().channel_access(user.id, channel_id)?))
}

/// Make a channel or category private to the roles and people listed, or
/// public again (permission `manage_channels`). Administrators and the owner
/// always see it; the caller is added if nothing else would let them in.
/// Members who no longer see it (or now do) get `server_joined` with what
/// they see; those who still see it get `channel_updated`. A channel in a
/// private category is private with it unless it has a list of its own.
#[utoipa::path(put, path = "/api/channels/{channel_id}/access", tag = "channels", request_body = ChannelAccess,
    params(("channel_id" = ChannelId, Path)),
    responses((status = 200, body = ChannelAccess), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody),
        (status = 409, description = "A role or person not of this server", body = pq_protocol::ErrorBody),
        (status = 422, description = "More than 100 people or 250 roles", body = pq_protocol::ErrorBody)))]
pub async fn set_access(
    State(state): State<AppState>,
    user: AuthUser,
    Path(channel_id): Path<ChannelId>,
    Json(req): Json<ChannelAccess>,
) -> ApiResult<Json<ChannelAccess>> {
    Ok(Json(state.chat().set_channel_access(user.id, channel_id, req).await?))
}
