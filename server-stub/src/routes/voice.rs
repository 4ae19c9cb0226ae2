//! Voice: ICE servers for peer connections, and admins' control of who is
//! heard in a room. Joining, leaving and signaling go over the gateway (see
//! [`pq_protocol::voice`]).

use std::time::SystemTime;

use axum::{extract::State, http::StatusCode};
use pq_protocol::{
    ChannelId, UserId,
    models::ChannelKind,
    voice::{IceConfig, ModerateVoice, VoiceState},
};

use super::{
    Path,
    access::{channel_access, require_admin},
};
use crate::{
    auth::AuthUser,
    error::{ApiError, ApiResult, Json},
    gateway::voice::ice_servers,
    state::AppState,
};

/// STUN and TURN servers for your peer connections. TURN credentials are
/// short-lived: fetch new ones before `expires_at` (every join does).
#[utoipa::path(get, path = "/api/voice/ice-servers", tag = "voice",
    responses((status = 200, body = IceConfig), (status = 401, body = pq_protocol::ErrorBody)))]
pub async fn ice(State(state): State<AppState>, user: AuthUser) -> Json<IceConfig> {
    Json(ice_servers(&state.config().voice, user.id, SystemTime::now()))
}

/// Mute or unmute someone in a voice room for everyone (owner and admins).
#[utoipa::path(patch, path = "/api/channels/{channel_id}/voice/{user_id}", tag = "voice", request_body = ModerateVoice,
    params(("channel_id" = ChannelId, Path), ("user_id" = UserId, Path)),
    responses((status = 200, body = VoiceState), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody), (status = 409, body = pq_protocol::ErrorBody)))]
pub async fn moderate(
    State(state): State<AppState>,
    user: AuthUser,
    Path((channel_id, target)): Path<(ChannelId, UserId)>,
    Json(req): Json<ModerateVoice>,
) -> ApiResult<Json<VoiceState>> {
    let access = voice_channel(&state, channel_id, &user).await?;
    require_admin(access, "mute people in voice rooms")?;
    Ok(Json(state.hub().voice_moderate(channel_id, target, req.server_mute)?))
}

/// Disconnect someone from a voice room (owner and admins).
#[utoipa::path(delete, path = "/api/channels/{channel_id}/voice/{user_id}", tag = "voice",
    params(("channel_id" = ChannelId, Path), ("user_id" = UserId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody), (status = 409, body = pq_protocol::ErrorBody)))]
pub async fn disconnect(
    State(state): State<AppState>,
    user: AuthUser,
    Path((channel_id, target)): Path<(ChannelId, UserId)>,
) -> ApiResult<StatusCode> {
    let access = voice_channel(&state, channel_id, &user).await?;
    require_admin(access, "disconnect people from voice rooms")?;
    state.hub().voice_disconnect(channel_id, target)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn voice_channel(
    state: &AppState,
    channel: ChannelId,
    user: &AuthUser,
) -> Result<pq_protocol::models::Role, ApiError> {
    let access = channel_access(state, channel, user).await?;
    if access.kind != ChannelKind::Voice {
        return Err(ApiError::BadRequest("not a voice channel".into()));
    }
    Ok(access.role)
}
