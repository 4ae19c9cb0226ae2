//! `/api/servers/{id}/members…`: adapters over [`crate::chat::members`].

use axum::{extract::State, http::StatusCode};
use pq_protocol::{
    ServerId, UserId,
    models::{Ban, BanMember, Member},
};

use super::Path;
use crate::{
    auth::AuthUser,
    error::{ApiResult, Json},
    state::AppState,
};

/// Members of a server with their roles and presence.
#[utoipa::path(get, path = "/api/servers/{server_id}/members", tag = "members",
    params(("server_id" = ServerId, Path)),
    responses((status = 200, body = Vec<Member>), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
) -> ApiResult<Json<Vec<Member>>> {
    Ok(Json(state.chat().members(user.id, server_id).await?))
}

/// Leave a server. The owner cannot leave: hand the server over or delete it.
#[utoipa::path(delete, path = "/api/servers/{server_id}/members/@me", tag = "members",
    params(("server_id" = ServerId, Path)),
    responses((status = 204), (status = 404, body = pq_protocol::ErrorBody), (status = 409, body = pq_protocol::ErrorBody)))]
pub async fn leave(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
) -> ApiResult<StatusCode> {
    state.chat().leave(user.id, server_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove someone from a server: needs permission `kick_members` and a
/// highest role above theirs (nobody removes the owner).
#[utoipa::path(delete, path = "/api/servers/{server_id}/members/{user_id}", tag = "members",
    params(("server_id" = ServerId, Path), ("user_id" = UserId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody),
        (status = 409, description = "The caller named themselves: leaving is `DELETE …/members/@me`", body = pq_protocol::ErrorBody)))]
pub async fn kick(
    State(state): State<AppState>,
    user: AuthUser,
    Path((server_id, target)): Path<(ServerId, UserId)>,
) -> ApiResult<StatusCode> {
    state.chat().kick(user.id, server_id, target).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who is banned from a server (permission `ban_members`).
#[utoipa::path(get, path = "/api/servers/{server_id}/bans", tag = "members",
    params(("server_id" = ServerId, Path)),
    responses((status = 200, body = Vec<Ban>), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn bans(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
) -> ApiResult<Json<Vec<Ban>>> {
    Ok(Json(state.chat().bans(user.id, server_id).await?))
}

/// Ban someone (permission `ban_members`; a member only when their highest
/// role is below the caller's; nobody bans the owner). They leave it and cannot join again until unbanned; with
/// `purge`, their messages in it from the last hour, day or week are
/// deleted (at most 5,000; everyone gets `message_deleted`).
#[utoipa::path(put, path = "/api/servers/{server_id}/bans/{user_id}", tag = "members", request_body = BanMember,
    params(("server_id" = ServerId, Path), ("user_id" = UserId, Path)),
    responses((status = 204, description = "Banned"), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody, description = "Not a server you are in, or no such account"),
        (status = 409, body = pq_protocol::ErrorBody, description = "Yourself")))]
pub async fn ban(
    State(state): State<AppState>,
    user: AuthUser,
    Path((server_id, target)): Path<(ServerId, UserId)>,
    Json(req): Json<BanMember>,
) -> ApiResult<StatusCode> {
    state.chat().ban(user.id, server_id, target, req.purge).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lift a ban (permission `ban_members`).
#[utoipa::path(delete, path = "/api/servers/{server_id}/bans/{user_id}", tag = "members",
    params(("server_id" = ServerId, Path), ("user_id" = UserId, Path)),
    responses((status = 204, description = "Unbanned"), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody, description = "Not a server you are in, or they are not banned")))]
pub async fn unban(
    State(state): State<AppState>,
    user: AuthUser,
    Path((server_id, target)): Path<(ServerId, UserId)>,
) -> ApiResult<StatusCode> {
    state.chat().unban(user.id, server_id, target).await?;
    Ok(StatusCode::NO_CONTENT)
}
