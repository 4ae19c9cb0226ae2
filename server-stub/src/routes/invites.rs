//! `/api/…/invites…`: adapters over [`crate::chat::invites`].

use axum::{extract::State, http::StatusCode, response::Response};
use pq_protocol::{
    ServerId,
    models::{CreateInvite, Invite, InvitePreview, InviteSent, PendingInvite, SendInvite, ServerState},
};

use super::Path;
use crate::{
    auth::AuthUser,
    error::{ApiResult, Json},
    state::AppState,
};

/// Invite someone by username or email address (permission
/// `create_invites`): a one-use invite for 7 days. Someone with an account
/// gets it in their app at once (`invite_received`); an address no account
/// has gets it by mail when this server sends mail (`--smtp-url`), else
/// `delivery` is `not_sent` and the link is for the inviter to pass on.
#[utoipa::path(post, path = "/api/servers/{server_id}/invites/send", tag = "invites", request_body = SendInvite,
    params(("server_id" = ServerId, Path)),
    responses((status = 200, body = InviteSent),
        (status = 403, description = "No `create_invites`, or they blocked you", body = pq_protocol::ErrorBody),
        (status = 404, description = "No such server, or no account has that username", body = pq_protocol::ErrorBody),
        (status = 409, description = "Yourself, a member already, or banned", body = pq_protocol::ErrorBody),
        (status = 422, description = "Neither a username nor an email address", body = pq_protocol::ErrorBody)))]
pub async fn send(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
    Json(req): Json<SendInvite>,
) -> ApiResult<Json<InviteSent>> {
    Ok(Json(state.chat().send_invite(user.id, server_id, &req.to).await?))
}

/// Invites sent to me in the app that still work, oldest first.
#[utoipa::path(get, path = "/api/users/@me/invites", tag = "invites",
    responses((status = 200, body = Vec<PendingInvite>)))]
pub async fn pending(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<Vec<PendingInvite>>> {
    Ok(Json(state.chat().pending_invites(user.id).await?))
}

/// Decline an invite sent to me (`invite_resolved` to my devices). To
/// accept it, accept its code.
#[utoipa::path(delete, path = "/api/users/@me/invites/{code}", tag = "invites",
    params(("code" = String, Path, description = "The invite code")),
    responses((status = 204), (status = 404, description = "No invite with that code waits for you", body = pq_protocol::ErrorBody)))]
pub async fn decline(State(state): State<AppState>, user: AuthUser, Path(code): Path<String>) -> ApiResult<StatusCode> {
    state.chat().decline_invite(user.id, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /invite/{code}`: the web page an invite link in a mail leads to.
/// It names the server and who invited, opens the invite in pq
/// (`pq://invite/CODE`), and says how to get pq. No sign-in needed.
pub async fn page(State(state): State<AppState>, axum::extract::Path(code): axum::extract::Path<String>) -> Response {
    use crate::idp::pages::{esc, html, simple_page};
    let (status, title, body) = match state.chat().public_preview(&code).await {
        Ok(p) => {
            let link = esc(&p.code.deep_link());
            (
                StatusCode::OK,
                format!("{} invited you to {}", p.inviter.display_name, p.server_name),
                format!(
                    "<p><b>{inviter}</b> invited you to join <b>{server}</b> on pq ({members} members).</p>\
                     <p><a class=\"button\" id=\"open\" href=\"{link}\">Open in pq</a></p>\
                     <p>If nothing happens, pq is not installed yet. Get pq for Windows, macOS or Linux from \
                     whoever runs this server, install it, and open this page again — or start pq, choose \
                     <i>Join with an invite</i> and paste <code>{link}</code>.</p>",
                    inviter = esc(&p.inviter.display_name),
                    server = esc(&p.server_name),
                    members = p.member_count,
                ),
            )
        }
        Err(e) => (
            e.status(),
            "This invite does not work".to_owned(),
            "<p>This invite has expired, been used up or revoked, or never existed. Ask whoever sent it for a new one.</p>".to_owned(),
        ),
    };
    html(status, simple_page(&title, &body))
}

/// Create an invite link to a server (permission `create_invites`).
#[utoipa::path(post, path = "/api/servers/{server_id}/invites", tag = "invites", request_body = CreateInvite,
    params(("server_id" = ServerId, Path)),
    responses((status = 201, body = Invite),
        (status = 403, description = "No `create_invites` permission", body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody), (status = 422, body = pq_protocol::ErrorBody)))]
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
