//! `/api/users…`: adapters over [`crate::chat::users`].

use axum::{body::Bytes, extract::State, http::StatusCode};
use pq_protocol::{
    UserId,
    gateway::SetStatus,
    models::{FriendRequest, Me, Profile, Relationship, SetRelationship, UpdateProfile, User},
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

/// Change your display name, username, picture, about text or custom status (absent
/// fields stay as they are). Everyone sharing a server with you gets
/// `user_updated` (the about text is read with the profile).
#[utoipa::path(patch, path = "/api/users/@me", tag = "users", request_body = UpdateProfile,
    responses((status = 200, body = Me), (status = 409, body = pq_protocol::ErrorBody, description = "The username is taken"),
        (status = 422, body = pq_protocol::ErrorBody)))]
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

/// Your friends, friend requests (incoming and outgoing) and the people you
/// blocked, newest first.
#[utoipa::path(get, path = "/api/users/@me/relationships", tag = "users",
    responses((status = 200, body = Vec<Relationship>)))]
pub async fn relationships(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<Vec<Relationship>>> {
    Ok(Json(state.chat().relationships(user.id).await?))
}

/// Ask someone to be friends by their username or their account's email
/// address (if they had asked you, you are friends now). Both sides get
/// `relationship_changed`.
#[utoipa::path(post, path = "/api/users/@me/relationships", tag = "users", request_body = FriendRequest,
    responses((status = 200, body = Relationship, description = "Asked (`outgoing`), or friends (`friend`)"),
        (status = 403, body = pq_protocol::ErrorBody, description = "They blocked you"),
        (status = 404, body = pq_protocol::ErrorBody, description = "No account has that username or email address"),
        (status = 409, body = pq_protocol::ErrorBody, description = "Your own, already friends, already asked, you blocked them, or too many requests (100 waiting, 1,000 in all)"),
        (status = 422, body = pq_protocol::ErrorBody, description = "Neither a username nor an email address")))]
pub async fn request_friend(
    State(state): State<AppState>,
    user: AuthUser,
    Json(req): Json<FriendRequest>,
) -> ApiResult<Json<Relationship>> {
    Ok(Json(state.chat().befriend_by(user.id, &req.to).await?))
}

/// `friend`: ask someone to be friends, or accept their request. `blocked`:
/// block them (ending any friendship or request between you; blocking again
/// changes nothing): they cannot ask you, and do not see your presence.
#[utoipa::path(put, path = "/api/users/@me/relationships/{user_id}", tag = "users", request_body = SetRelationship,
    params(("user_id" = UserId, Path)),
    responses((status = 200, body = Relationship),
        (status = 403, body = pq_protocol::ErrorBody, description = "They blocked you (asking only)"),
        (status = 404, body = pq_protocol::ErrorBody, description = "No such account"),
        (status = 409, body = pq_protocol::ErrorBody, description = "That is you, already friends, already asked, you blocked them (asking only), or too many")))]
pub async fn set_relationship(
    State(state): State<AppState>,
    user: AuthUser,
    Path(target): Path<UserId>,
    Json(req): Json<SetRelationship>,
) -> ApiResult<Json<Relationship>> {
    Ok(Json(state.chat().set_relationship(user.id, target, req.kind).await?))
}

/// Remove a friend, decline or cancel a request (for both of you), or
/// unblock someone.
#[utoipa::path(delete, path = "/api/users/@me/relationships/{user_id}", tag = "users",
    params(("user_id" = UserId, Path)),
    responses((status = 204, description = "Ended"),
        (status = 404, body = pq_protocol::ErrorBody, description = "Nothing between you")))]
pub async fn remove_relationship(
    State(state): State<AppState>,
    user: AuthUser,
    Path(target): Path<UserId>,
) -> ApiResult<StatusCode> {
    state.chat().remove_relationship(user.id, target).await?;
    Ok(StatusCode::NO_CONTENT)
}
