//! `/api/channels/{id}/messages…`: adapters over [`crate::chat::messages`].

use axum::{extract::State, http::StatusCode};
use pq_protocol::{
    ChannelId, MessageId,
    models::{EditMessage, Message, MessagePage, SendAck, SendMessage, User},
};
use serde::Deserialize;

use super::{Path, Query};
use crate::{
    auth::AuthUser,
    chat::messages::HistoryQuery as Page,
    error::{ApiResult, Json},
    state::AppState,
};

/// Send a message to a text channel or a direct-message channel (the
/// gateway's `send_message` does the same). Resending the same `client_id`
/// returns the first acknowledgement and creates nothing.
#[utoipa::path(post, path = "/api/channels/{channel_id}/messages", tag = "messages", request_body = SendMessage,
    params(("channel_id" = ChannelId, Path)),
    responses((status = 200, body = SendAck), (status = 404, body = pq_protocol::ErrorBody),
        (status = 403, body = pq_protocol::ErrorBody, description = "In a server, no `send_messages` permission; in a direct channel, the other person blocked you, is no longer a friend or in a server with you, or takes direct messages from friends only"),
        (status = 409, description = "Not a text channel, `reply_to` is not a message of this channel, or (in a direct channel) you blocked them", body = pq_protocol::ErrorBody),
        (status = 422, body = pq_protocol::ErrorBody, description = "Empty with no files, longer than the author's plan allows (`message_too_long` with `limit`), or `attachments` naming more than 10 files, one twice, or one that is not the sender's upload to this channel not sent yet (`invalid_field`, `attachments`)")))]
pub async fn send_rest(
    State(state): State<AppState>,
    user: AuthUser,
    Path(channel_id): Path<ChannelId>,
    Json(req): Json<SendMessage>,
) -> ApiResult<Json<SendAck>> {
    // The same rate as gateway frames: REST is no way around it.
    state.limits().send(user.id)?;
    Ok(Json(state.chat().send_message(user.id, channel_id, req).await?))
}

/// Query of a history page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Messages with `seq` below this (newest first, returned oldest first).
    #[serde(default)]
    #[param(maximum = 9_007_199_254_740_991_u64)]
    pub before: Option<u64>,
    /// Messages with `seq` above this (oldest first). Takes precedence over `before`.
    #[serde(default)]
    #[param(maximum = 9_007_199_254_740_991_u64)]
    pub after: Option<u64>,
    /// At most this many (1 to 100; default 100).
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// One page of a channel's history, oldest first. Without `before`/`after`:
/// the newest messages. Deleted messages appear as tombstones.
#[utoipa::path(get, path = "/api/channels/{channel_id}/messages", tag = "messages",
    params(("channel_id" = ChannelId, Path), HistoryQuery),
    responses((status = 200, body = MessagePage), (status = 404, body = pq_protocol::ErrorBody),
        (status = 409, description = "Not a text channel (a category or a voice channel)", body = pq_protocol::ErrorBody),
        (status = 422, description = "`before` or `after` above 2^53 − 1, or `limit` outside 1 to 100", body = pq_protocol::ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    user: AuthUser,
    Path(channel_id): Path<ChannelId>,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<Json<MessagePage>> {
    let page = Page { before: q.before, after: q.after, limit: q.limit };
    Ok(Json(state.chat().history(user.id, channel_id, page).await?))
}

/// Edit your own message.
#[utoipa::path(patch, path = "/api/channels/{channel_id}/messages/{message_id}", tag = "messages",
    request_body = EditMessage,
    params(("channel_id" = ChannelId, Path), ("message_id" = MessageId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody),
        (status = 409, description = "Not a text channel (a category or a voice channel)", body = pq_protocol::ErrorBody),
        (status = 422, description = "Empty, or longer than the author's plan allows (`message_too_long` with `limit`; 150 characters on the free plan by default)", body = pq_protocol::ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    user: AuthUser,
    Path((channel_id, message_id)): Path<(ChannelId, MessageId)>,
    Json(req): Json<EditMessage>,
) -> ApiResult<StatusCode> {
    state.chat().edit_message(user.id, channel_id, message_id, req.body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete a message: your own, or anyone's if you are the owner or an admin.
/// It stays in history as a tombstone.
#[utoipa::path(delete, path = "/api/channels/{channel_id}/messages/{message_id}", tag = "messages",
    params(("channel_id" = ChannelId, Path), ("message_id" = MessageId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody),
        (status = 409, description = "Not a text channel (a category or a voice channel)", body = pq_protocol::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    user: AuthUser,
    Path((channel_id, message_id)): Path<(ChannelId, MessageId)>,
) -> ApiResult<StatusCode> {
    state.chat().delete_message(user.id, channel_id, message_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// React to a message.
#[utoipa::path(put, path = "/api/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", tag = "messages",
    params(("channel_id" = ChannelId, Path), ("message_id" = MessageId, Path), ("emoji" = String, Path, description = "One emoji or a short name: no whitespace or control characters, 1–16 characters", min_length = 1, max_length = 16, pattern = r"^[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$")),
    responses((status = 204), (status = 404, body = pq_protocol::ErrorBody),
        (status = 409, description = "Not a text channel, or the message already carries 20 different reactions", body = pq_protocol::ErrorBody),
        (status = 422, description = "Not a reaction (see `emoji`)", body = pq_protocol::ErrorBody)))]
pub async fn react(
    State(state): State<AppState>,
    user: AuthUser,
    Path((channel_id, message_id, emoji)): Path<(ChannelId, MessageId, String)>,
) -> ApiResult<StatusCode> {
    state.chat().react(user.id, channel_id, message_id, emoji).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who gave a reaction: the first 100 to react, first first (for "reacted
/// by …" on hover).
#[utoipa::path(get, path = "/api/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", tag = "messages",
    params(("channel_id" = ChannelId, Path), ("message_id" = MessageId, Path), ("emoji" = String, Path, description = "One emoji or a short name: no whitespace or control characters, 1–16 characters", min_length = 1, max_length = 16, pattern = r"^[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$")),
    responses((status = 200, description = "At most 100 people, the first to react first; empty when nobody gave it", body = Vec<User>),
        (status = 404, description = "No such channel (or not one you can see), or no such message", body = pq_protocol::ErrorBody),
        (status = 409, description = "Not a text channel", body = pq_protocol::ErrorBody),
        (status = 422, description = "Not a reaction (see `emoji`)", body = pq_protocol::ErrorBody)))]
pub async fn reactors(
    State(state): State<AppState>,
    user: AuthUser,
    Path((channel_id, message_id, emoji)): Path<(ChannelId, MessageId, String)>,
) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(state.chat().reactors(user.id, channel_id, message_id, emoji).await?))
}

/// Take your reaction back.
#[utoipa::path(delete, path = "/api/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", tag = "messages",
    params(("channel_id" = ChannelId, Path), ("message_id" = MessageId, Path), ("emoji" = String, Path, description = "One emoji or a short name: no whitespace or control characters, 1–16 characters", min_length = 1, max_length = 16, pattern = r"^[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$")),
    responses((status = 204), (status = 404, body = pq_protocol::ErrorBody),
        (status = 409, description = "Not a text channel", body = pq_protocol::ErrorBody),
        (status = 422, description = "Not a reaction (see `emoji`)", body = pq_protocol::ErrorBody)))]
pub async fn unreact(
    State(state): State<AppState>,
    user: AuthUser,
    Path((channel_id, message_id, emoji)): Path<(ChannelId, MessageId, String)>,
) -> ApiResult<StatusCode> {
    state.chat().unreact(user.id, channel_id, message_id, emoji).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A channel's pinned messages (at most 50), the most recently pinned first.
#[utoipa::path(get, path = "/api/channels/{channel_id}/pins", tag = "messages",
    params(("channel_id" = ChannelId, Path)),
    responses((status = 200, body = Vec<Message>), (status = 404, body = pq_protocol::ErrorBody),
        (status = 409, description = "Not a text channel", body = pq_protocol::ErrorBody)))]
pub async fn pins(
    State(state): State<AppState>,
    user: AuthUser,
    Path(channel_id): Path<ChannelId>,
) -> ApiResult<Json<Vec<Message>>> {
    Ok(Json(state.chat().pins(user.id, channel_id).await?))
}

/// Pin a message to its channel (in a server, permission `manage_messages`;
/// in a direct-message channel, any member). The channel gets
/// `message_pinned` and a line saying who pinned it (a message of kind
/// `pin` replying to it). Pinning it again changes nothing.
#[utoipa::path(put, path = "/api/channels/{channel_id}/pins/{message_id}", tag = "messages",
    params(("channel_id" = ChannelId, Path), ("message_id" = MessageId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody),
        (status = 409, description = "Not a text channel, a deleted message, or 50 pinned already", body = pq_protocol::ErrorBody)))]
pub async fn pin(
    State(state): State<AppState>,
    user: AuthUser,
    Path((channel_id, message_id)): Path<(ChannelId, MessageId)>,
) -> ApiResult<StatusCode> {
    state.chat().pin_message(user.id, channel_id, message_id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unpin a message (the same rules as pinning).
#[utoipa::path(delete, path = "/api/channels/{channel_id}/pins/{message_id}", tag = "messages",
    params(("channel_id" = ChannelId, Path), ("message_id" = MessageId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody),
        (status = 409, description = "Not a text channel", body = pq_protocol::ErrorBody)))]
pub async fn unpin(
    State(state): State<AppState>,
    user: AuthUser,
    Path((channel_id, message_id)): Path<(ChannelId, MessageId)>,
) -> ApiResult<StatusCode> {
    state.chat().pin_message(user.id, channel_id, message_id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}
