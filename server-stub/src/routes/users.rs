//! Accounts: yourself, your profile, and people you share a server with.

use axum::{body::Bytes, extract::State, http::HeaderMap};
use pq_protocol::{
    UserId,
    gateway::Event,
    limits::MAX_DISPLAY_NAME_CHARS,
    models::{Me, UpdateProfile, User},
};

use super::{Path, access, media, valid_image_url, valid_name};
use crate::{
    auth::AuthUser,
    error::{ApiError, ApiResult, Json},
    gateway::Audience,
    state::AppState,
};

/// Your account.
#[utoipa::path(get, path = "/api/users/@me", tag = "users",
    responses((status = 200, body = Me), (status = 401, body = pq_protocol::ErrorBody)))]
pub async fn me(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<Me>> {
    Ok(Json(access::user_row(&state.db().read, user.id).await?.me()?))
}

/// Change your display name or avatar URL.
#[utoipa::path(patch, path = "/api/users/@me", tag = "users", request_body = UpdateProfile,
    responses((status = 200, body = Me), (status = 422, body = pq_protocol::ErrorBody)))]
pub async fn update_me(
    State(state): State<AppState>,
    user: AuthUser,
    Json(req): Json<UpdateProfile>,
) -> ApiResult<Json<Me>> {
    let name =
        req.display_name.as_deref().map(|n| valid_name("display_name", n, MAX_DISPLAY_NAME_CHARS)).transpose()?;
    let avatar = req.avatar_url.as_deref().map(|u| valid_image_url("avatar_url", u)).transpose()?;
    Ok(Json(apply(&state, user.id, name, avatar).await?))
}

async fn apply(state: &AppState, user: UserId, name: Option<String>, avatar: Option<Option<String>>) -> ApiResult<Me> {
    let mut conn = state.db().writer().await?;
    if let Some(n) = &name {
        sqlx::query("UPDATE users SET display_name = ? WHERE id = ?")
            .bind(n)
            .bind(user.to_string())
            .execute(&mut *conn)
            .await?;
    }
    if let Some(a) = &avatar {
        sqlx::query("UPDATE users SET avatar_url = ? WHERE id = ?")
            .bind(a)
            .bind(user.to_string())
            .execute(&mut *conn)
            .await?;
    }
    let row = access::user_row(&mut *conn, user).await?;
    if name.is_some() || avatar.is_some() {
        state.hub().dispatch(Audience::SharingWith(user), Event::UserUpdated { user: row.user()? });
    }
    drop(conn);
    row.me()
}

/// Upload your avatar: PNG, JPEG, GIF or WebP, at most 2 MiB, as the raw body.
#[utoipa::path(put, path = "/api/users/@me/avatar", tag = "users",
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 200, body = Me), (status = 413, body = pq_protocol::ErrorBody),
        (status = 415, body = pq_protocol::ErrorBody)))]
pub async fn upload_avatar(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Me>> {
    let url = media::store(&state, user.id, &headers, &body).await?;
    Ok(Json(apply(&state, user.id, None, Some(Some(url))).await?))
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
    if target != user.id {
        let shared: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM members a JOIN members b ON a.server_id = b.server_id
             WHERE a.user_id = ? AND b.user_id = ? LIMIT 1",
        )
        .bind(user.id.to_string())
        .bind(target.to_string())
        .fetch_optional(&state.db().read)
        .await?;
        if shared.is_none() {
            return Err(ApiError::NotFound("user"));
        }
    }
    Ok(Json(access::user_row(&state.db().read, target).await?.user()?))
}
