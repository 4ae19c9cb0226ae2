//! Voice: ICE servers for peer connections, and admins' control of who is
//! heard in a room. Joining, leaving and signaling go over the gateway (see
//! [`pq_protocol::voice`]).

use axum::{extract::State, http::StatusCode};
use pq_protocol::{
    ChannelId, UserId,
    voice::{IceConfig, ModerateVoice, VoiceState},
};

use super::Path;
use crate::{
    auth::AuthUser,
    error::{ApiResult, Json},
    state::AppState,
};

/// STUN and TURN servers for your peer connections. TURN credentials are
/// short-lived: fetch new ones before `expires_at` (every join does).
#[utoipa::path(get, path = "/api/voice/ice-servers", tag = "voice",
    responses((status = 200, body = IceConfig), (status = 401, body = pq_protocol::ErrorBody)))]
pub async fn ice(State(state): State<AppState>, user: AuthUser) -> Json<IceConfig> {
    Json(state.chat().ice_servers(user.id))
}

/// Mute or unmute someone in a voice room for everyone (permission `mute_members`, someone ranked below).
#[utoipa::path(patch, path = "/api/channels/{channel_id}/voice/{user_id}", tag = "voice", request_body = ModerateVoice,
    params(("channel_id" = ChannelId, Path), ("user_id" = UserId, Path)),
    responses((status = 200, body = VoiceState), (status = 400, body = pq_protocol::ErrorBody),
        (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody),
        (status = 409, body = pq_protocol::ErrorBody)))]
pub async fn moderate(
    State(state): State<AppState>,
    user: AuthUser,
    Path((channel_id, target)): Path<(ChannelId, UserId)>,
    Json(req): Json<ModerateVoice>,
) -> ApiResult<Json<VoiceState>> {
    Ok(Json(state.chat().voice_moderate(user.id, channel_id, target, req.server_mute)?))
}

/// Disconnect someone from a voice room (permission `move_members`, someone ranked below).
#[utoipa::path(delete, path = "/api/channels/{channel_id}/voice/{user_id}", tag = "voice",
    params(("channel_id" = ChannelId, Path), ("user_id" = UserId, Path)),
    responses((status = 204), (status = 400, body = pq_protocol::ErrorBody), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody), (status = 409, body = pq_protocol::ErrorBody)))]
pub async fn disconnect(
    State(state): State<AppState>,
    user: AuthUser,
    Path((channel_id, target)): Path<(ChannelId, UserId)>,
) -> ApiResult<StatusCode> {
    state.chat().voice_disconnect(user.id, channel_id, target)?;
    Ok(StatusCode::NO_CONTENT)
}
