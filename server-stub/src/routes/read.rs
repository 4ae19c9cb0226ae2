//! `PUT /api/channels/{id}/read`: an adapter over [`crate::chat::messages::mark_read`].

use axum::extract::State;
use pq_protocol::{
    ChannelId,
    models::{MarkRead, ReadState},
};

use super::Path;
use crate::{
    auth::AuthUser,
    error::{ApiResult, Json},
    state::AppState,
};

/// Mark a channel read up to `seq` (never moves back). The gateway's
/// `mark_read` does the same.
#[utoipa::path(put, path = "/api/channels/{channel_id}/read", tag = "messages", request_body = MarkRead,
    params(("channel_id" = ChannelId, Path)),
    responses((status = 200, body = ReadState), (status = 404, body = pq_protocol::ErrorBody),
        (status = 409, description = "Not a text channel (a category or a voice channel)", body = pq_protocol::ErrorBody),
        (status = 422, description = "`seq` above 2^53 − 1", body = pq_protocol::ErrorBody)))]
pub async fn mark_read_rest(
    State(state): State<AppState>,
    user: AuthUser,
    Path(channel_id): Path<ChannelId>,
    Json(req): Json<MarkRead>,
) -> ApiResult<Json<ReadState>> {
    Ok(Json(state.chat().mark_read(user.id, channel_id, req.seq).await?))
}
