//! `/api/users…`: adapters over [`crate::chat::users`].

use axum::{body::Bytes, extract::State, http::StatusCode};
use pq_protocol::{
    UserId,
    gateway::SetStatus,
    models::{Me, Profile, UpdateProfile, User},
};

use super::Path;
use crate::{
    auth::AuthUser,
    error::{ApiResult, Json},
    state::AppState,
};

/// Your account.
#[utoipa::path(get, path = "/api/users/@me", tag = "users",
    responses((status = 200, body = Me), (status = 401, body = pq_protocol::ErrorBody)))]
pub async fn me(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<Me>> {
    Ok(Json(state.chat().me(user.id).await?))
}

/// Change your display name, picture, about text or custom status (absent
/// fields stay as they are). Everyone sharing a server with you gets
/// `user_updated` (the about text is read with the profile).
#[utoipa::path(patch, path = "/api/users/@me", tag = "users", request_body = UpdateProfile,
    responses((status = 200, body = Me), (status = 422, body = pq_protocol::ErrorBody)))]
pub async fn update_me(
    State(state): State<AppState>,
    user: AuthUser,
    Json(req): Json<UpdateProfile>,
) -> ApiResult<Json<Me>> {
    Ok(Json(state.chat().update_profile(user.id, req).await?))
}

/// Choose your status: `auto` (online while active), `away`, `dnd` or
/// `invisible` (shown offline to others). Kept across connections and
/// restarts; your sessions get `status_changed`, others `presence_updated`.
#[utoipa::path(put, path = "/api/users/@me/status", tag = "users", request_body = SetStatus,
    responses((status = 204, description = "Chosen")))]
pub async fn set_status(
    State(state): State<AppState>,
    user: AuthUser,
    Json(req): Json<SetStatus>,
) -> ApiResult<StatusCode> {
    state.chat().set_status(user.id, req.status).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What someone's card shows: their profile, about text, and the servers you
/// share (for someone you share a server with, or yourself).
#[utoipa::path(get, path = "/api/users/{user_id}/profile", tag = "users",
    params(("user_id" = UserId, Path)),
    responses((status = 200, body = Profile), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn get_profile(
    State(state): State<AppState>,
    user: AuthUser,
    Path(target): Path<UserId>,
) -> ApiResult<Json<Profile>> {
    Ok(Json(state.chat().profile(user.id, target).await?))
}

/// Upload your avatar: PNG, JPEG, GIF or WebP, at most 2 MiB, as the raw body.
#[utoipa::path(put, path = "/api/users/@me/avatar", tag = "users",
    request_body(description = "A PNG, JPEG, GIF or WebP picture (checked by its bytes; at most 2 MiB)", content((Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/gif"), (Vec<u8> = "image/webp"))),
    responses((status = 200, body = Me), (status = 413, body = pq_protocol::ErrorBody),
        (status = 415, body = pq_protocol::ErrorBody)))]
pub async fn upload_avatar(State(state): State<AppState>, user: AuthUser, body: Bytes) -> ApiResult<Json<Me>> {
    state.limits().upload(user.id, body.len())?;
    Ok(Json(state.chat().upload_avatar(user.id, body).await?))
}

/// Someone you share a server with (or yourself).
#[utoipa::path(get, path = "/api/users/{user_id}", tag = "users",
    params(("user_id" = UserId, Path)),
    responses((status = 200, body = User), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    user: AuthUser,
    Path(target): Path<UserId>,
) -> ApiResult<Json<User>> {
    Ok(Json(state.chat().user(user.id, target).await?))
}
