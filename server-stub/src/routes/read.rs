//! Read markers: how far each member has read each text channel. Moving a
//! marker updates the member's unread count and the `unread_by` count of the
//! messages they just read (pushed to the server's members).

use axum::extract::State;
use pq_protocol::{
    ChannelId, UserId,
    gateway::Event,
    models::{MarkRead, ReadState},
};

use sqlx::SqliteConnection;

use super::{Path, access::text_channel};
use crate::{
    auth::AuthUser,
    error::{ApiResult, Json},
    gateway::Audience,
    state::AppState,
};

/// Moves a member's read marker forward to `seq` (never back) and returns
/// where it was.
///
/// # Errors
/// Database failure.
pub async fn advance_marker(
    conn: &mut SqliteConnection,
    channel_id: ChannelId,
    user: UserId,
    seq: i64,
) -> Result<i64, sqlx::Error> {
    let old: i64 = sqlx::query_scalar("SELECT seq FROM read_markers WHERE channel_id = ? AND user_id = ?")
        .bind(channel_id.to_string())
        .bind(user.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .unwrap_or(0);
    if seq > old {
        sqlx::query(
            "INSERT INTO read_markers (channel_id, user_id, seq) VALUES (?, ?, ?)
             ON CONFLICT (channel_id, user_id) DO UPDATE SET seq = excluded.seq",
        )
        .bind(channel_id.to_string())
        .bind(user.to_string())
        .bind(seq)
        .execute(&mut *conn)
        .await?;
    }
    Ok(old)
}

/// Moves `user`'s marker in `channel_id` up to `seq` (clamped to the newest
/// message; never backwards) and returns the read state.
///
/// # Errors
/// 404 for channels the caller cannot see; 400 for non-text channels.
pub async fn mark_read(state: &AppState, user: &AuthUser, channel_id: ChannelId, seq: u64) -> ApiResult<ReadState> {
    let server_id = text_channel(state, channel_id, user)?;
    let mut conn = state.db().writer().await?;
    let (last_seq,): (i64,) = sqlx::query_as("SELECT last_seq FROM channels WHERE id = ?")
        .bind(channel_id.to_string())
        .fetch_one(&mut *conn)
        .await?;
    let target = (seq.min(last_seq.max(0) as u64)) as i64;
    let old = advance_marker(&mut conn, channel_id, user.id, target).await?;
    let unread: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE channel_id = ? AND seq > ? AND author_id <> ? AND deleted_at IS NULL",
    )
    .bind(channel_id.to_string())
    .bind(target.max(old))
    .bind(user.id.to_string())
    .fetch_one(&mut *conn)
    .await?;
    let read_state = ReadState { channel_id, last_read_seq: target.max(old) as u64, unread_count: unread as u32 };
    if target > old {
        let hub = state.hub();
        hub.dispatch(
            Audience::User(user.id),
            Event::ReadMarkerUpdated {
                channel_id,
                last_read_seq: read_state.last_read_seq,
                unread_count: read_state.unread_count,
            },
        );
        hub.dispatch(
            Audience::Server(server_id),
            Event::UnreadByChanged { channel_id, after_seq: old as u64, through_seq: target as u64, delta: -1 },
        );
    }
    drop(conn);
    Ok(read_state)
}

/// Mark a channel read up to `seq` (never moves back). The gateway's
/// `mark_read` does the same.
#[utoipa::path(put, path = "/api/channels/{channel_id}/read", tag = "messages", request_body = MarkRead,
    params(("channel_id" = ChannelId, Path)),
    responses((status = 200, body = ReadState), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn mark_read_rest(
    State(state): State<AppState>,
    user: AuthUser,
    Path(channel_id): Path<ChannelId>,
    Json(req): Json<MarkRead>,
) -> ApiResult<Json<ReadState>> {
    Ok(Json(mark_read(&state, &user, channel_id, req.seq).await?))
}
