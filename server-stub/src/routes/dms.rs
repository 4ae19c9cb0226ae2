//! `/api/users/@me/dms`, `/api/dms…`: adapters over [`crate::chat::dms`].
//! A DM's messages go through the `/api/channels/{id}/…` routes.

use axum::{extract::State, http::StatusCode};
use pq_protocol::{
    ChannelId, UserId,
    models::{DmChannel, DmState, OpenDm, UpdateDm},
};

use super::Path;
use crate::{
    auth::AuthUser,
    error::{ApiResult, Json},
    state::AppState,
};

/// Your direct-message channels (groups, and direct channels that have a
/// message or that you opened), most recently active first, with your read
/// state of each.
#[utoipa::path(get, path = "/api/users/@me/dms", tag = "dms",
    responses((status = 200, body = Vec<DmState>)))]
pub async fn list(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<Vec<DmState>>> {
    Ok(Json(state.chat().dms(user.id).await?))
}

/// Open your direct channel with one person (200 with the one you have, if
/// any), or start a group with two to nine others (201; all of them get
/// `dm_updated` at once). A direct channel reaches the other person with its
/// first message.
#[utoipa::path(post, path = "/api/users/@me/dms", tag = "dms", request_body = OpenDm,
    responses((status = 200, body = DmChannel, description = "The direct channel you already had"),
        (status = 201, body = DmChannel, description = "Opened"),
        (status = 403, body = pq_protocol::ErrorBody, description = "They blocked you, you are neither friends nor in a server together, or they take direct messages from friends only"),
        (status = 404, body = pq_protocol::ErrorBody, description = "No such account"),
        (status = 409, body = pq_protocol::ErrorBody, description = "You blocked them"),
        (status = 422, body = pq_protocol::ErrorBody, description = "Nobody, yourself, more than nine, or a name for two people")))]
pub async fn open(
    State(state): State<AppState>,
    user: AuthUser,
    Json(req): Json<OpenDm>,
) -> ApiResult<(StatusCode, Json<DmChannel>)> {
    let (channel, new) = state.chat().open_dm(user.id, req.recipients, req.name).await?;
    Ok((if new { StatusCode::CREATED } else { StatusCode::OK }, Json(channel)))
}

/// Rename a group (any member; an empty name removes it). Its members get
/// `dm_updated`.
#[utoipa::path(patch, path = "/api/dms/{channel_id}", tag = "dms", request_body = UpdateDm,
    params(("channel_id" = ChannelId, Path)),
    responses((status = 200, body = DmChannel),
        (status = 404, body = pq_protocol::ErrorBody, description = "Not a channel you are in"),
        (status = 409, body = pq_protocol::ErrorBody, description = "A direct channel of two people has no name"),
        (status = 422, body = pq_protocol::ErrorBody)))]
pub async fn rename(
    State(state): State<AppState>,
    user: AuthUser,
    Path(channel_id): Path<ChannelId>,
    Json(req): Json<UpdateDm>,
) -> ApiResult<Json<DmChannel>> {
    Ok(Json(state.chat().rename_dm(user.id, channel_id, req.name).await?))
}

/// Add someone to a group (any member; someone you may write to; up to 10
/// people). Adding someone who is in it changes nothing.
#[utoipa::path(put, path = "/api/dms/{channel_id}/members/{user_id}", tag = "dms",
    params(("channel_id" = ChannelId, Path), ("user_id" = UserId, Path)),
    responses((status = 200, body = DmChannel),
        (status = 403, body = pq_protocol::ErrorBody, description = "They blocked you, you are neither friends nor in a server together, or they take direct messages from friends only"),
        (status = 404, body = pq_protocol::ErrorBody, description = "Not a channel you are in, or no such account"),
        (status = 409, body = pq_protocol::ErrorBody, description = "A direct channel of two people, a full group, or you blocked them")))]
pub async fn add_member(
    State(state): State<AppState>,
    user: AuthUser,
    Path((channel_id, target)): Path<(ChannelId, UserId)>,
) -> ApiResult<Json<DmChannel>> {
    Ok(Json(state.chat().add_dm_member(user.id, channel_id, target).await?))
}

/// Leave a group (your own id), or remove someone from it (its owner). They
/// get `dm_removed`, the others `dm_updated`; an owner who leaves hands the
/// group to the member who joined next.
#[utoipa::path(delete, path = "/api/dms/{channel_id}/members/{user_id}", tag = "dms",
    params(("channel_id" = ChannelId, Path), ("user_id" = UserId, Path)),
    responses((status = 204, description = "Left or removed"),
        (status = 403, body = pq_protocol::ErrorBody, description = "Only the owner removes others"),
        (status = 404, body = pq_protocol::ErrorBody, description = "Not a channel you are in, or they are not in it"),
        (status = 409, body = pq_protocol::ErrorBody, description = "A direct channel of two people cannot be left")))]
pub async fn remove_member(
    State(state): State<AppState>,
    user: AuthUser,
    Path((channel_id, target)): Path<(ChannelId, UserId)>,
) -> ApiResult<StatusCode> {
    state.chat().remove_dm_member(user.id, channel_id, target).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Decline the call ringing in a direct-message channel: its members get
/// `call_declined` (your other devices stop ringing; the caller sees it).
/// Joining the call is the gateway's `voice_join` with the channel's id.
#[utoipa::path(post, path = "/api/dms/{channel_id}/call/decline", tag = "dms",
    params(("channel_id" = ChannelId, Path)),
    responses((status = 204, description = "Declined"),
        (status = 404, body = pq_protocol::ErrorBody, description = "Not a channel you are in")))]
pub async fn decline_call(
    State(state): State<AppState>,
    user: AuthUser,
    Path(channel_id): Path<ChannelId>,
) -> ApiResult<StatusCode> {
    state.chat().decline_call(user.id, channel_id)?;
    Ok(StatusCode::NO_CONTENT)
}
