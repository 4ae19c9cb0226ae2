//! pq administrators (group `admin` at the identity provider): real-time
//! toasts to everyone, and plans.

use axum::{extract::State, http::StatusCode};
use pq_protocol::{
    MessageId, Timestamp, UserId,
    gateway::Event,
    limits::MAX_TOAST_CHARS,
    models::{CreateToast, SetPlan, Toast},
};

use super::{Path, access};
use crate::{
    auth::AuthUser,
    error::{ApiError, ApiResult, Json},
    gateway::Audience,
    state::AppState,
};

fn require_pq_admin(user: &AuthUser) -> ApiResult<()> {
    if user.is_admin { Ok(()) } else { Err(ApiError::Forbidden("only pq administrators can do this".into())) }
}

/// Send a real-time toast to everyone connected (administrators only).
#[utoipa::path(post, path = "/api/admin/toasts", tag = "admin", request_body = CreateToast,
    responses((status = 202, body = Toast), (status = 403, body = pq_protocol::ErrorBody),
        (status = 422, body = pq_protocol::ErrorBody)))]
pub async fn toast(
    State(state): State<AppState>,
    user: AuthUser,
    Json(req): Json<CreateToast>,
) -> ApiResult<(StatusCode, Json<Toast>)> {
    require_pq_admin(&user)?;
    let text = super::valid_name("text", &req.text, MAX_TOAST_CHARS)?;
    let from = access::user_row(&state.db().read, user.id).await?.user()?;
    let toast = Toast { id: MessageId::new(), text, from, created_at: Timestamp::now() };
    state.hub().dispatch(Audience::Everyone, Event::Toast { toast: toast.clone() });
    tracing::info!(user_id = %user.id, "admin toast sent");
    Ok((StatusCode::ACCEPTED, Json(toast)))
}

/// Give someone a plan (administrators only; payments will set plans too).
#[utoipa::path(put, path = "/api/admin/users/{user_id}/plan", tag = "admin", request_body = SetPlan,
    params(("user_id" = UserId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn set_plan(
    State(state): State<AppState>,
    user: AuthUser,
    Path(target): Path<UserId>,
    Json(req): Json<SetPlan>,
) -> ApiResult<StatusCode> {
    require_pq_admin(&user)?;
    let mut conn = state.db().writer().await?;
    let done = sqlx::query("UPDATE users SET plan = ? WHERE id = ?")
        .bind(req.plan.as_str())
        .bind(target.to_string())
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::NotFound("user"));
    }
    state.hub().dispatch(Audience::User(target), Event::PlanChanged { plan: req.plan });
    drop(conn);
    tracing::info!(user_id = %target, plan = req.plan.as_str(), by = %user.id, "plan set");
    Ok(StatusCode::NO_CONTENT)
}
