//! `/api/servers…`: adapters over [`crate::chat::servers`].

use axum::{body::Bytes, extract::State, http::StatusCode};
use pq_protocol::{
    ServerId,
    models::{AuditPage, CreateServer, Server, ServerState, UpdateServer},
};

use super::Path;
use crate::{
    auth::AuthUser,
    error::{ApiResult, Json},
    state::AppState,
};

/// List the servers you are in.
#[utoipa::path(get, path = "/api/servers", tag = "servers",
    responses((status = 200, body = Vec<ServerState>), (status = 401, body = pq_protocol::ErrorBody)))]
pub async fn list(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<Vec<ServerState>>> {
    Ok(Json(state.chat().server_states(user.id, None).await?))
}

/// Create a server. It starts with a "Text Channels" category holding
/// `general` and a "Voice Channels" category holding `General`.
#[utoipa::path(post, path = "/api/servers", tag = "servers", request_body = CreateServer,
    responses((status = 201, body = ServerState), (status = 422, body = pq_protocol::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    Json(req): Json<CreateServer>,
) -> ApiResult<(StatusCode, Json<ServerState>)> {
    Ok((StatusCode::CREATED, Json(state.chat().create_server(user.id, req.name).await?)))
}

/// A server you are in, with its channels and your read state.
#[utoipa::path(get, path = "/api/servers/{server_id}", tag = "servers",
    params(("server_id" = ServerId, Path)),
    responses((status = 200, body = ServerState), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
) -> ApiResult<Json<ServerState>> {
    Ok(Json(state.chat().server_state(user.id, server_id).await?))
}

/// Rename a server, change its image URL or description (permission
/// `manage_server`), or hand it over to another member (`owner_id`; the owner
/// only; 404 when they are not a member).
#[utoipa::path(patch, path = "/api/servers/{server_id}", tag = "servers", request_body = UpdateServer,
    params(("server_id" = ServerId, Path)),
    responses((status = 200, body = Server), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody),
        (status = 422, description = "A name or icon the rules refuse", body = pq_protocol::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
    Json(req): Json<UpdateServer>,
) -> ApiResult<Json<Server>> {
    Ok(Json(state.chat().update_server(user.id, server_id, req).await?))
}

/// Upload the server's image (permission `manage_server`): PNG, JPEG, GIF or WebP, at
/// most 2 MiB, as the raw request body.
#[utoipa::path(put, path = "/api/servers/{server_id}/icon", tag = "servers",
    params(("server_id" = ServerId, Path)),
    request_body(description = "A PNG, JPEG, GIF or WebP picture (checked by its bytes; at most 2 MiB)", content((Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/gif"), (Vec<u8> = "image/webp"))),
    responses((status = 200, body = Server), (status = 413, body = pq_protocol::ErrorBody),
        (status = 415, body = pq_protocol::ErrorBody)))]
pub async fn upload_icon(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
    body: Bytes,
) -> ApiResult<Json<Server>> {
    state.limits().upload(user.id, body.len())?;
    Ok(Json(state.chat().upload_server_icon(user.id, server_id, body).await?))
}

/// Delete a server and everything in it (owner only).
#[utoipa::path(delete, path = "/api/servers/{server_id}", tag = "servers",
    params(("server_id" = ServerId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
) -> ApiResult<StatusCode> {
    state.chat().delete_server(user.id, server_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which page of the audit log.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries numbered below this (the newest without it).
    #[serde(default)]
    #[param(maximum = 9_007_199_254_740_991_u64)]
    pub before: Option<u64>,
    /// At most this many (1 to 100; default 100).
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// A server's audit log, newest first (permission `manage_server`): every settings and
/// moderation action — renames, pictures, channels created, renamed, moved or
/// deleted, people removed, banned or unbanned, roles changed, the server
/// handed over, invites revoked — with who did it, to whom, and when.
#[utoipa::path(get, path = "/api/servers/{server_id}/audit-log", tag = "servers",
    params(("server_id" = ServerId, Path), AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody),
        (status = 422, description = "`before` above 2^53 − 1, or `limit` outside 1 to 100", body = pq_protocol::ErrorBody)))]
pub async fn audit_log(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
    super::Query(q): super::Query<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    Ok(Json(state.chat().audit_log(user.id, server_id, q.before, q.limit).await?))
}
