//! Messages: send (exactly once per client id), history by `seq`, edit,
//! delete, reactions, typing.
//!
//! # Sending
//!
//! A message is stored once per (author, client id). The check runs inside
//! the write transaction on the single writer connection, so two copies racing
//! over two connections still store one. The author's plan decides the
//! longest body, checked here (the server is the judge). The message is
//! committed before anyone hears of it, and dispatched while the writer is
//! still held, so members see messages of a channel in `seq` order.

use axum::{extract::State, http::StatusCode};
use pq_protocol::{
    ChannelId, ClientMessageId, MessageId, Timestamp,
    gateway::Event,
    limits::{MAX_HISTORY_PAGE, MAX_REACTION_BYTES, MAX_REACTIONS_PER_MESSAGE, Plan, char_count},
    models::{EditMessage, Message, MessagePage, Reaction, SendAck, SendMessage},
};
use serde::Deserialize;
use sqlx::SqliteExecutor;

use super::{
    Path, Query,
    access::{self, text_channel},
};
use crate::{
    auth::AuthUser,
    error::{ApiError, ApiResult, Json},
    gateway::Audience,
    state::AppState,
};

/// Stores a message (or finds the one already stored for this client id) and
/// tells the channel's members.
///
/// # Errors
/// 404 (no such channel for you), 400 (not a text channel), 422 (empty, too
/// long for the plan, bad reply).
pub async fn send(state: &AppState, user: &AuthUser, channel_id: ChannelId, req: SendMessage) -> ApiResult<SendAck> {
    let server_id = text_channel(state, channel_id, user)?;
    if let Some(ack) = existing_ack(&state.db().read, user, req.client_id).await? {
        return Ok(ack);
    }
    if req.body.trim().is_empty() {
        return Err(ApiError::invalid("body", "a message cannot be empty"));
    }
    let plan = plan_of(&state.db().read, user).await?;
    let len = char_count(&req.body);
    if len > plan.max_message_chars() {
        return Err(ApiError::MessageTooLong { plan, limit: plan.max_message_chars(), len });
    }
    if let Some(reply) = req.reply_to {
        let found: Option<(String,)> = sqlx::query_as("SELECT id FROM messages WHERE id = ? AND channel_id = ?")
            .bind(reply.to_string())
            .bind(channel_id.to_string())
            .fetch_optional(&state.db().read)
            .await?;
        if found.is_none() {
            return Err(ApiError::invalid("reply_to", "reply_to must be a message in the same channel"));
        }
    }

    let mut conn = state.db().writer().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    // The authoritative repeat check: inside the one writer's transaction.
    if let Some(ack) = existing_ack(&mut *tx, user, req.client_id).await? {
        return Ok(ack);
    }
    let (seq,): (i64,) = sqlx::query_as("UPDATE channels SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq")
        .bind(channel_id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(ApiError::NotFound("channel"))?;
    let id = MessageId::new();
    let now = Timestamp::now();
    sqlx::query(
        "INSERT INTO messages (id, channel_id, seq, author_id, client_id, body, reply_to, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id.to_string())
    .bind(channel_id.to_string())
    .bind(seq)
    .bind(user.id.to_string())
    .bind(req.client_id.to_string())
    .bind(&req.body)
    .bind(req.reply_to.map(|r| r.to_string()))
    .bind(now.as_millis())
    .execute(&mut *tx)
    .await?;
    // Writing in a channel means having read it.
    let old_marker = super::read::advance_marker(&mut tx, channel_id, user.id, seq).await?;
    tx.commit().await?;

    let seq = seq as u64;
    let (members, _) = state.hub().member_counts(server_id);
    let message = Message {
        id,
        channel_id,
        seq,
        author_id: user.id,
        client_id: req.client_id,
        body: req.body,
        reply_to: req.reply_to,
        created_at: now,
        edited_at: None,
        deleted: false,
        reactions: vec![],
        unread_by: members.saturating_sub(1),
    };
    let hub = state.hub();
    hub.dispatch(Audience::Server(server_id), Event::MessageCreated { message });
    let old_marker = old_marker.max(0) as u64;
    if old_marker + 1 < seq {
        hub.dispatch(
            Audience::Server(server_id),
            Event::UnreadByChanged { channel_id, after_seq: old_marker, through_seq: seq - 1, delta: -1 },
        );
    }
    if old_marker < seq {
        hub.dispatch(
            Audience::User(user.id),
            Event::ReadMarkerUpdated { channel_id, last_read_seq: seq, unread_count: 0 },
        );
    }
    drop(conn);
    Ok(SendAck { client_id: req.client_id, channel_id, message_id: id, seq, created_at: now })
}

async fn existing_ack(
    db: impl SqliteExecutor<'_>,
    user: &AuthUser,
    client_id: ClientMessageId,
) -> ApiResult<Option<SendAck>> {
    let row: Option<(String, String, i64, i64)> =
        sqlx::query_as("SELECT id, channel_id, seq, created_at FROM messages WHERE author_id = ? AND client_id = ?")
            .bind(user.id.to_string())
            .bind(client_id.to_string())
            .fetch_optional(db)
            .await?;
    row.map(|(id, ch, seq, at)| {
        Ok(SendAck {
            client_id,
            channel_id: access::id(&ch)?,
            message_id: access::id(&id)?,
            seq: seq as u64,
            created_at: Timestamp::from_millis(at),
        })
    })
    .transpose()
}

async fn plan_of(db: impl SqliteExecutor<'_>, user: &AuthUser) -> ApiResult<Plan> {
    let (plan,): (String,) = sqlx::query_as("SELECT plan FROM users WHERE id = ?")
        .bind(user.id.to_string())
        .fetch_optional(db)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    Ok(Plan::from_name(&plan).unwrap_or_default())
}

/// Send a message (the gateway's `send_message` does the same). Resending the
/// same `client_id` returns the first acknowledgement and creates nothing.
#[utoipa::path(post, path = "/api/channels/{channel_id}/messages", tag = "messages", request_body = SendMessage,
    params(("channel_id" = ChannelId, Path)),
    responses((status = 200, body = SendAck), (status = 404, body = pq_protocol::ErrorBody),
        (status = 422, body = pq_protocol::ErrorBody, description = "empty, too long for the plan (`message_too_long` with `limit`), or bad reply")))]
pub async fn send_rest(
    State(state): State<AppState>,
    user: AuthUser,
    Path(channel_id): Path<ChannelId>,
    Json(req): Json<SendMessage>,
) -> ApiResult<Json<SendAck>> {
    Ok(Json(send(&state, &user, channel_id, req).await?))
}

/// Query of a history page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Messages with `seq` below this (newest first, returned oldest first).
    #[serde(default)]
    pub before: Option<u64>,
    /// Messages with `seq` above this (oldest first). Takes precedence over `before`.
    #[serde(default)]
    pub after: Option<u64>,
    /// At most this many (default and maximum 100).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One page of a channel's history, oldest first. Without `before`/`after`:
/// the newest messages. Deleted messages appear as tombstones.
#[utoipa::path(get, path = "/api/channels/{channel_id}/messages", tag = "messages",
    params(("channel_id" = ChannelId, Path), HistoryQuery),
    responses((status = 200, body = MessagePage), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    user: AuthUser,
    Path(channel_id): Path<ChannelId>,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<Json<MessagePage>> {
    let server_id = text_channel(&state, channel_id, &user)?;
    let limit = q.limit.unwrap_or(MAX_HISTORY_PAGE).clamp(1, MAX_HISTORY_PAGE);
    let db = &state.db().read;
    #[derive(sqlx::FromRow)]
    struct Row {
        id: String,
        seq: i64,
        author_id: String,
        client_id: String,
        body: String,
        reply_to: Option<String>,
        created_at: i64,
        edited_at: Option<i64>,
        deleted_at: Option<i64>,
    }
    const COLS: &str = "id, seq, author_id, client_id, body, reply_to, created_at, edited_at, deleted_at";
    let fetch = i64::from(limit) + 1;
    let mut rows: Vec<Row> = if let Some(after) = q.after {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM messages WHERE channel_id = ? AND seq > ? ORDER BY seq LIMIT ?"
        )))
        .bind(channel_id.to_string())
        .bind(after as i64)
        .bind(fetch)
        .fetch_all(db)
        .await?
    } else {
        let before = q.before.map_or(i64::MAX, |b| b as i64);
        let mut r: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM messages WHERE channel_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?"
        )))
        .bind(channel_id.to_string())
        .bind(before)
        .bind(fetch)
        .fetch_all(db)
        .await?;
        r.reverse();
        r
    };
    let has_more = rows.len() > limit as usize;
    if has_more {
        if q.after.is_some() {
            rows.pop();
        } else {
            rows.remove(0);
        }
    }
    let (lo, hi) = match (rows.first(), rows.last()) {
        (Some(a), Some(b)) => (a.seq, b.seq),
        _ => return Ok(Json(MessagePage { messages: vec![], has_more: false })),
    };
    // Reactions of the page, in the order they were first given.
    let reactions: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT r.message_id, r.emoji, COUNT(*), MAX(CASE WHEN r.user_id = ? THEN 1 ELSE 0 END)
         FROM reactions r JOIN messages m ON m.id = r.message_id
         WHERE m.channel_id = ? AND m.seq BETWEEN ? AND ?
         GROUP BY r.message_id, r.emoji ORDER BY MIN(r.created_at)",
    )
    .bind(user.id.to_string())
    .bind(channel_id.to_string())
    .bind(lo)
    .bind(hi)
    .fetch_all(db)
    .await?;
    let markers = read_markers(db, server_id, channel_id).await?;
    let mut messages = Vec::with_capacity(rows.len());
    for r in rows {
        let deleted = r.deleted_at.is_some();
        messages.push(Message {
            id: access::id(&r.id)?,
            channel_id,
            seq: r.seq as u64,
            author_id: access::id(&r.author_id)?,
            client_id: access::id(&r.client_id)?,
            body: if deleted { String::new() } else { r.body },
            reply_to: r.reply_to.as_deref().map(access::id).transpose()?,
            created_at: Timestamp::from_millis(r.created_at),
            edited_at: r.edited_at.map(Timestamp::from_millis),
            deleted,
            reactions: reactions
                .iter()
                .filter(|(mid, ..)| *mid == r.id)
                .map(|(_, emoji, count, me)| Reaction { emoji: emoji.clone(), count: *count as u32, me: *me != 0 })
                .collect(),
            unread_by: markers.partition_point(|m| *m < r.seq) as u32,
        });
    }
    Ok(Json(MessagePage { messages, has_more }))
}

/// The read markers of a channel's current members, ascending.
async fn read_markers(
    db: impl SqliteExecutor<'_>,
    server: pq_protocol::ServerId,
    channel: ChannelId,
) -> ApiResult<Vec<i64>> {
    let mut v: Vec<i64> = sqlx::query_scalar(
        "SELECT r.seq FROM read_markers r JOIN members m ON m.user_id = r.user_id AND m.server_id = ?
         WHERE r.channel_id = ?",
    )
    .bind(server.to_string())
    .bind(channel.to_string())
    .fetch_all(db)
    .await?;
    v.sort_unstable();
    Ok(v)
}

async fn message_in(
    db: impl SqliteExecutor<'_>,
    channel_id: ChannelId,
    message_id: MessageId,
) -> ApiResult<(String, i64, bool)> {
    let row: Option<(String, i64, Option<i64>)> =
        sqlx::query_as("SELECT author_id, seq, deleted_at FROM messages WHERE id = ? AND channel_id = ?")
            .bind(message_id.to_string())
            .bind(channel_id.to_string())
            .fetch_optional(db)
            .await?;
    let (author, seq, deleted) = row.ok_or(ApiError::NotFound("message"))?;
    Ok((author, seq, deleted.is_some()))
}

/// Edit your own message.
#[utoipa::path(patch, path = "/api/channels/{channel_id}/messages/{message_id}", tag = "messages",
    request_body = EditMessage,
    params(("channel_id" = ChannelId, Path), ("message_id" = MessageId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody),
        (status = 422, body = pq_protocol::ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    user: AuthUser,
    Path((channel_id, message_id)): Path<(ChannelId, MessageId)>,
    Json(req): Json<EditMessage>,
) -> ApiResult<StatusCode> {
    let server_id = text_channel(&state, channel_id, &user)?;
    let (author, seq, deleted) = message_in(&state.db().read, channel_id, message_id).await?;
    if deleted {
        return Err(ApiError::NotFound("message"));
    }
    if author != user.id.to_string() {
        return Err(ApiError::Forbidden("you can only edit your own messages".into()));
    }
    if req.body.trim().is_empty() {
        return Err(ApiError::invalid("body", "a message cannot be empty; delete it instead"));
    }
    let plan = plan_of(&state.db().read, &user).await?;
    let len = char_count(&req.body);
    if len > plan.max_message_chars() {
        return Err(ApiError::MessageTooLong { plan, limit: plan.max_message_chars(), len });
    }
    let now = Timestamp::now();
    let mut conn = state.db().writer().await?;
    let done = sqlx::query("UPDATE messages SET body = ?, edited_at = ? WHERE id = ? AND deleted_at IS NULL")
        .bind(&req.body)
        .bind(now.as_millis())
        .bind(message_id.to_string())
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::NotFound("message"));
    }
    state.hub().dispatch(
        Audience::Server(server_id),
        Event::MessageEdited { channel_id, message_id, seq: seq as u64, body: req.body, edited_at: now },
    );
    drop(conn);
    Ok(StatusCode::NO_CONTENT)
}

/// Delete a message: your own, or anyone's if you are the owner or an admin.
/// It stays in history as a tombstone.
#[utoipa::path(delete, path = "/api/channels/{channel_id}/messages/{message_id}", tag = "messages",
    params(("channel_id" = ChannelId, Path), ("message_id" = MessageId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    user: AuthUser,
    Path((channel_id, message_id)): Path<(ChannelId, MessageId)>,
) -> ApiResult<StatusCode> {
    let server_id = text_channel(&state, channel_id, &user)?;
    let (author, seq, deleted) = message_in(&state.db().read, channel_id, message_id).await?;
    if deleted {
        return Ok(StatusCode::NO_CONTENT);
    }
    if author != user.id.to_string() && !access::role_in(&state, server_id, user.id).await?.is_admin() {
        return Err(ApiError::Forbidden("you can only delete your own messages".into()));
    }
    let mut conn = state.db().writer().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    sqlx::query("UPDATE messages SET body = '', deleted_at = ? WHERE id = ? AND deleted_at IS NULL")
        .bind(Timestamp::now().as_millis())
        .bind(message_id.to_string())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM reactions WHERE message_id = ?").bind(message_id.to_string()).execute(&mut *tx).await?;
    tx.commit().await?;
    state
        .hub()
        .dispatch(Audience::Server(server_id), Event::MessageDeleted { channel_id, message_id, seq: seq as u64 });
    drop(conn);
    Ok(StatusCode::NO_CONTENT)
}

fn valid_emoji(emoji: &str) -> ApiResult<()> {
    if emoji.is_empty()
        || emoji.len() > MAX_REACTION_BYTES
        || emoji.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(ApiError::invalid(
            "emoji",
            format!("a reaction is one emoji or a short name without spaces (at most {MAX_REACTION_BYTES} bytes)"),
        ));
    }
    Ok(())
}

/// React to a message.
#[utoipa::path(put, path = "/api/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", tag = "messages",
    params(("channel_id" = ChannelId, Path), ("message_id" = MessageId, Path), ("emoji" = String, Path)),
    responses((status = 204), (status = 404, body = pq_protocol::ErrorBody), (status = 422, body = pq_protocol::ErrorBody)))]
pub async fn react(
    State(state): State<AppState>,
    user: AuthUser,
    Path((channel_id, message_id, emoji)): Path<(ChannelId, MessageId, String)>,
) -> ApiResult<StatusCode> {
    valid_emoji(&emoji)?;
    let server_id = text_channel(&state, channel_id, &user)?;
    let (_, _, deleted) = message_in(&state.db().read, channel_id, message_id).await?;
    if deleted {
        return Err(ApiError::NotFound("message"));
    }
    let mut conn = state.db().writer().await?;
    let (distinct, mine): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(DISTINCT emoji), COALESCE(SUM(CASE WHEN emoji = ? THEN 1 ELSE 0 END), 0)
         FROM reactions WHERE message_id = ?",
    )
    .bind(&emoji)
    .bind(message_id.to_string())
    .fetch_one(&mut *conn)
    .await?;
    if mine == 0 && distinct as usize >= MAX_REACTIONS_PER_MESSAGE {
        return Err(ApiError::Conflict(format!(
            "a message can carry at most {MAX_REACTIONS_PER_MESSAGE} different reactions"
        )));
    }
    let done = sqlx::query(
        "INSERT INTO reactions (message_id, user_id, emoji, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (message_id, emoji, user_id) DO NOTHING",
    )
    .bind(message_id.to_string())
    .bind(user.id.to_string())
    .bind(&emoji)
    .bind(Timestamp::now().as_millis())
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() > 0 {
        state.hub().dispatch(
            Audience::Server(server_id),
            Event::ReactionAdded { channel_id, message_id, user_id: user.id, emoji },
        );
    }
    drop(conn);
    Ok(StatusCode::NO_CONTENT)
}

/// Take your reaction back.
#[utoipa::path(delete, path = "/api/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", tag = "messages",
    params(("channel_id" = ChannelId, Path), ("message_id" = MessageId, Path), ("emoji" = String, Path)),
    responses((status = 204), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn unreact(
    State(state): State<AppState>,
    user: AuthUser,
    Path((channel_id, message_id, emoji)): Path<(ChannelId, MessageId, String)>,
) -> ApiResult<StatusCode> {
    let server_id = text_channel(&state, channel_id, &user)?;
    message_in(&state.db().read, channel_id, message_id).await?;
    let mut conn = state.db().writer().await?;
    let done = sqlx::query("DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?")
        .bind(message_id.to_string())
        .bind(user.id.to_string())
        .bind(&emoji)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() > 0 {
        state.hub().dispatch(
            Audience::Server(server_id),
            Event::ReactionRemoved { channel_id, message_id, user_id: user.id, emoji },
        );
    }
    drop(conn);
    Ok(StatusCode::NO_CONTENT)
}

/// Someone is typing: tell the channel's members (no database).
///
/// # Errors
/// 404 for channels the caller cannot see; 400 for non-text channels.
pub fn typing(state: &AppState, user: &AuthUser, channel_id: ChannelId) -> ApiResult<()> {
    let (server, kind) = state.hub().channel(channel_id).ok_or(ApiError::NotFound("channel"))?;
    if !state.hub().is_member(server, user.id) {
        return Err(ApiError::NotFound("channel"));
    }
    if kind != pq_protocol::models::ChannelKind::Text {
        return Err(ApiError::BadRequest("typing is only for text channels".into()));
    }
    state.hub().dispatch(Audience::Server(server), Event::TypingStarted { channel_id, user_id: user.id });
    Ok(())
}
