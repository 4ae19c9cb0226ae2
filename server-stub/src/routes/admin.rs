//! pq administrators (group `admin` at the identity provider): real-time
//! toasts to everyone, and plans.

use axum::{extract::State, http::StatusCode};
use pq_protocol::{
    UserId,
    limits::Plan,
    models::{AdminAccounts, CreateToast, SetPlan, Toast},
};

use super::Path;
use crate::{
    auth::AuthUser,
    error::{ApiError, ApiResult, Json},
    state::AppState,
};

/// A signed-in pq administrator. Extracted before the body, so a caller who
/// is not one hears 403 whatever they sent.
#[derive(Debug)]
pub struct PqAdmin(pub AuthUser);

impl axum::extract::FromRequestParts<AppState> for PqAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &AppState) -> ApiResult<Self> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        if user.is_admin {
            Ok(Self(user))
        } else {
            Err(ApiError::Forbidden("only pq administrators can do this".into()))
        }
    }
}

/// Send a real-time toast to everyone connected (administrators only).
#[utoipa::path(post, path = "/api/admin/toasts", tag = "admin", request_body = CreateToast,
    responses((status = 202, body = Toast), (status = 403, body = pq_protocol::ErrorBody),
        (status = 422, body = pq_protocol::ErrorBody)))]
pub async fn toast(
    State(state): State<AppState>,
    PqAdmin(user): PqAdmin,
    Json(req): Json<CreateToast>,
) -> ApiResult<(StatusCode, Json<Toast>)> {
    let toast = state.chat().toast(user.id, &req.text).await?;
    tracing::info!(user_id = %user.id, "admin toast sent");
    Ok((StatusCode::ACCEPTED, Json(toast)))
}

/// The query of the accounts list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountsQuery {
    /// Only accounts on this plan.
    #[serde(default)]
    pub plan: Option<Plan>,
    /// Accounts older than this one (the last of the previous page).
    #[serde(default)]
    pub before: Option<UserId>,
    /// At most this many (1 to 100; default 50).
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// Accounts, newest first, optionally of one plan, with how many each plan
/// has (administrators only).
#[utoipa::path(get, path = "/api/admin/users", tag = "admin", params(AccountsQuery),
    responses((status = 200, body = AdminAccounts), (status = 403, body = pq_protocol::ErrorBody),
        (status = 422, description = "`limit` outside 1 to 100", body = pq_protocol::ErrorBody)))]
pub async fn accounts(
    State(state): State<AppState>,
    PqAdmin(_): PqAdmin,
    super::Query(q): super::Query<AccountsQuery>,
) -> ApiResult<Json<AdminAccounts>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::invalid("limit", "limit must be between 1 and 100"));
    }
    Ok(Json(state.chat().admin_accounts(q.plan, q.before, limit as usize).await?))
}

/// Give someone a plan (administrators only; payments will set plans too).
#[utoipa::path(put, path = "/api/admin/users/{user_id}/plan", tag = "admin", request_body = SetPlan,
    params(("user_id" = UserId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn set_plan(
    State(state): State<AppState>,
    PqAdmin(user): PqAdmin,
    Path(target): Path<UserId>,
    Json(req): Json<SetPlan>,
) -> ApiResult<StatusCode> {
    state.chat().set_plan(target, req.plan).await?;
    tracing::info!(user_id = %target, plan = req.plan.as_str(), by = %user.id, "plan set");
    Ok(StatusCode::NO_CONTENT)
}
