//! `/api/servers/{id}/roles…` and `…/members/{user}/roles/{role}`: adapters
//! over [`crate::chat::roles`].

use axum::{extract::State, http::StatusCode};
use pq_protocol::{
    RoleId, ServerId, UserId,
    models::{CreateRole, ServerRole, UpdateRole},
};

use super::Path;
use crate::{
    auth::AuthUser,
    error::{ApiResult, Json},
    state::AppState,
};

/// A server's roles, `@everyone` (id: the server's) first, then upwards by rank.
#[utoipa::path(get, path = "/api/servers/{server_id}/roles", tag = "members",
    params(("server_id" = ServerId, Path)),
    responses((status = 200, body = Vec<ServerRole>), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
) -> ApiResult<Json<Vec<ServerRole>>> {
    Ok(Json(state.chat().roles(user.id, server_id).await?))
}

/// Create a role, ranked just above `@everyone` (permission `manage_roles`;
/// only permissions the caller has). Members hear `roles_updated`.
#[utoipa::path(post, path = "/api/servers/{server_id}/roles", tag = "members", request_body = CreateRole,
    params(("server_id" = ServerId, Path)),
    responses((status = 201, body = ServerRole),
        (status = 403, description = "No `manage_roles`, or a permission the caller lacks", body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody),
        (status = 409, description = "The server has 250 roles already", body = pq_protocol::ErrorBody),
        (status = 422, description = "A name or colour the rules refuse", body = pq_protocol::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
    Json(req): Json<CreateRole>,
) -> ApiResult<(StatusCode, Json<ServerRole>)> {
    let role = state.chat().create_role(user.id, server_id, &req.name, req.color, req.permissions).await?;
    Ok((StatusCode::CREATED, Json(role)))
}

/// Change a role's name, colour, rank or permissions (permission
/// `manage_roles`, a role below the caller's highest, to a rank below it;
/// permissions the caller lacks can be neither given nor taken away).
/// `@everyone` takes only `permissions`.
#[utoipa::path(patch, path = "/api/servers/{server_id}/roles/{role_id}", tag = "members", request_body = UpdateRole,
    params(("server_id" = ServerId, Path), ("role_id" = RoleId, Path)),
    responses((status = 200, body = ServerRole), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody),
        (status = 409, description = "A name, colour or rank for `@everyone`", body = pq_protocol::ErrorBody),
        (status = 422, description = "A name, colour or rank the rules refuse", body = pq_protocol::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    user: AuthUser,
    Path((server_id, role_id)): Path<(ServerId, RoleId)>,
    Json(req): Json<UpdateRole>,
) -> ApiResult<Json<ServerRole>> {
    Ok(Json(state.chat().update_role(user.id, server_id, role_id, req).await?))
}

/// Delete a role (permission `manage_roles`, a role below the caller's
/// highest); its members lose it.
#[utoipa::path(delete, path = "/api/servers/{server_id}/roles/{role_id}", tag = "members",
    params(("server_id" = ServerId, Path), ("role_id" = RoleId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody),
        (status = 409, description = "`@everyone`", body = pq_protocol::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    user: AuthUser,
    Path((server_id, role_id)): Path<(ServerId, RoleId)>,
) -> ApiResult<StatusCode> {
    state.chat().delete_role(user.id, server_id, role_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Give a member a role (permission `manage_roles`, a role below the caller's
/// highest, to oneself or someone ranked below). Giving it again changes nothing.
#[utoipa::path(put, path = "/api/servers/{server_id}/members/{user_id}/roles/{role_id}", tag = "members",
    params(("server_id" = ServerId, Path), ("user_id" = UserId, Path), ("role_id" = RoleId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, description = "No such server, member or role", body = pq_protocol::ErrorBody),
        (status = 409, description = "`@everyone`", body = pq_protocol::ErrorBody)))]
pub async fn give(
    State(state): State<AppState>,
    user: AuthUser,
    Path((server_id, target, role_id)): Path<(ServerId, UserId, RoleId)>,
) -> ApiResult<StatusCode> {
    state.chat().set_member_role(user.id, server_id, target, role_id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take a role from a member (the same rules as giving it).
#[utoipa::path(delete, path = "/api/servers/{server_id}/members/{user_id}/roles/{role_id}", tag = "members",
    params(("server_id" = ServerId, Path), ("user_id" = UserId, Path), ("role_id" = RoleId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, description = "No such server, member or role", body = pq_protocol::ErrorBody),
        (status = 409, description = "`@everyone`", body = pq_protocol::ErrorBody)))]
pub async fn take(
    State(state): State<AppState>,
    user: AuthUser,
    Path((server_id, target, role_id)): Path<(ServerId, UserId, RoleId)>,
) -> ApiResult<StatusCode> {
    state.chat().set_member_role(user.id, server_id, target, role_id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}
