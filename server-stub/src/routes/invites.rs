//! `/api/…/invites…`: adapters over [`crate::chat::invites`].

use axum::{extract::State, http::StatusCode};
use pq_protocol::{
    ServerId,
    models::{CreateInvite, Invite, InvitePreview, ServerState},
};

use super::Path;
use crate::{
    auth::AuthUser,
    error::{ApiResult, Json},
    state::AppState,
};

/// Create an invite link to a server (any member).
#[utoipa::path(post, path = "/api/servers/{server_id}/invites", tag = "invites", request_body = CreateInvite,
    params(("server_id" = ServerId, Path)),
    responses((status = 201, body = Invite), (status = 404, body = pq_protocol::ErrorBody),
        (status = 422, body = pq_protocol::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
    Json(req): Json<CreateInvite>,
) -> ApiResult<(StatusCode, Json<Invite>)> {
    let invite = state.chat().create_invite(user.id, server_id, req.max_age_secs, req.max_uses).await?;
    Ok((StatusCode::CREATED, Json(invite)))
}

/// The server's invites that still work (permission `manage_invites`).
#[utoipa::path(get, path = "/api/servers/{server_id}/invites", tag = "invites",
    params(("server_id" = ServerId, Path)),
    responses((status = 200, body = Vec<Invite>), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
) -> ApiResult<Json<Vec<Invite>>> {
    Ok(Json(state.chat().invites(user.id, server_id).await?))
}

/// What an invite leads to, without joining.
#[utoipa::path(get, path = "/api/invites/{code}", tag = "invites",
    params(("code" = String, Path)),
    responses((status = 200, body = InvitePreview), (status = 404, body = pq_protocol::ErrorBody),
        (status = 410, body = pq_protocol::ErrorBody, description = "expired, revoked or used up")))]
pub async fn preview(
    State(state): State<AppState>,
    user: AuthUser,
    Path(code): Path<String>,
) -> ApiResult<Json<InvitePreview>> {
    Ok(Json(state.chat().preview_invite(user.id, &code).await?))
}

/// Revoke an invite (its creator, or someone with `manage_invites`).
#[utoipa::path(delete, path = "/api/invites/{code}", tag = "invites",
    params(("code" = String, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn revoke(State(state): State<AppState>, user: AuthUser, Path(code): Path<String>) -> ApiResult<StatusCode> {
    state.chat().revoke_invite(user.id, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Join the server an invite leads to. Accepting again as a member changes
/// nothing and uses nothing up.
#[utoipa::path(post, path = "/api/invites/{code}/accept", tag = "invites",
    params(("code" = String, Path)),
    responses((status = 200, body = ServerState), (status = 404, body = pq_protocol::ErrorBody),
        (status = 403, body = pq_protocol::ErrorBody, description = "banned from the server"),
        (status = 410, body = pq_protocol::ErrorBody, description = "expired, revoked or used up")))]
pub async fn accept(
    State(state): State<AppState>,
    user: AuthUser,
    Path(code): Path<String>,
) -> ApiResult<Json<ServerState>> {
    Ok(Json(state.chat().accept_invite(user.id, &code).await?))
}
