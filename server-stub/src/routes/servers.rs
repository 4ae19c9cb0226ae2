//! Servers (communities): create, list, read, rename, image, delete.

use std::collections::HashMap;

use axum::{body::Bytes, extract::State, http::HeaderMap, http::StatusCode};
use pq_protocol::{
    ChannelId, ServerId, Timestamp, UserId,
    gateway::Event,
    limits::MAX_NAME_CHARS,
    models::{ChannelKind, CreateServer, Me, ReadState, Role, ServerState, UpdateServer},
};

use super::{
    Path,
    access::{self, ServerRow, require_admin, require_owner, role_in},
    media, valid_image_url, valid_name,
};
use crate::{
    auth::AuthUser,
    error::{ApiError, ApiResult, Json},
    gateway::Audience,
    state::AppState,
};

/// The caller's own account.
///
/// # Errors
/// Database failure.
pub async fn load_me(db: &crate::db::Db, user: UserId) -> Result<Me, ApiError> {
    access::user_row(&db.read, user).await?.me()
}

/// Everything to draw every server `user` is in (or just `only`).
///
/// # Errors
/// Database failure.
pub async fn states_for(state: &AppState, user: UserId) -> Result<Vec<ServerState>, ApiError> {
    states(state, user, None).await
}

/// Everything to draw one server for `user`.
///
/// # Errors
/// 404 when not a member.
pub async fn state_of(state: &AppState, user: UserId, server: ServerId) -> Result<ServerState, ApiError> {
    states(state, user, Some(server)).await?.pop().ok_or(ApiError::NotFound("server"))
}

async fn states(state: &AppState, user: UserId, only: Option<ServerId>) -> Result<Vec<ServerState>, ApiError> {
    let db = &state.db().read;
    let uid = user.to_string();
    let only_s = only.map(|s| s.to_string());
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        server: ServerRow,
        role: String,
    }
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {}, m.role FROM servers s JOIN members m ON m.server_id = s.id
         WHERE m.user_id = ? AND (? IS NULL OR s.id = ?) ORDER BY m.joined_at",
        ServerRow::COLUMNS
    )))
    .bind(&uid)
    .bind(&only_s)
    .bind(&only_s)
    .fetch_all(db)
    .await?;
    let channels: Vec<access::ChannelRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM channels c JOIN members m ON m.server_id = c.server_id
         WHERE m.user_id = ? AND (? IS NULL OR c.server_id = ?) ORDER BY c.position, c.created_at",
        access::ChannelRow::COLUMNS
    )))
    .bind(&uid)
    .bind(&only_s)
    .bind(&only_s)
    .fetch_all(db)
    .await?;
    let markers: HashMap<String, i64> =
        sqlx::query_as::<_, (String, i64)>("SELECT channel_id, seq FROM read_markers WHERE user_id = ?")
            .bind(&uid)
            .fetch_all(db)
            .await?
            .into_iter()
            .collect();
    let unread: HashMap<String, i64> = sqlx::query_as::<_, (String, i64)>(
        "SELECT m.channel_id, COUNT(*) FROM messages m
         JOIN read_markers r ON r.channel_id = m.channel_id AND r.user_id = ?
         WHERE m.seq > r.seq AND m.author_id <> ? AND m.deleted_at IS NULL
         GROUP BY m.channel_id",
    )
    .bind(&uid)
    .bind(&uid)
    .fetch_all(db)
    .await?
    .into_iter()
    .collect();

    let mut by_server: HashMap<String, Vec<&access::ChannelRow>> = HashMap::new();
    for c in &channels {
        by_server.entry(c.server_id.clone()).or_default().push(c);
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let server = row.server.server()?;
        let chans = by_server.get(&row.server.id).map(Vec::as_slice).unwrap_or_default();
        let mut read_states = Vec::new();
        for c in chans.iter().filter(|c| c.kind == ChannelKind::Text.as_str()) {
            read_states.push(ReadState {
                channel_id: access::id(&c.id)?,
                last_read_seq: markers.get(&c.id).copied().unwrap_or(0) as u64,
                unread_count: unread.get(&c.id).copied().unwrap_or(0) as u32,
            });
        }
        out.push(ServerState {
            channels: chans.iter().map(|c| c.channel()).collect::<Result<_, _>>()?,
            role: Role::from_name(&row.role).unwrap_or(Role::Member),
            member_count: state.hub().member_counts(server.id).0,
            read_states,
            voice_states: state.hub().voice_states_of(server.id),
            server,
        });
    }
    Ok(out)
}

/// List the servers you are in.
#[utoipa::path(get, path = "/api/servers", tag = "servers",
    responses((status = 200, body = Vec<ServerState>), (status = 401, body = pq_protocol::ErrorBody)))]
pub async fn list(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<Vec<ServerState>>> {
    Ok(Json(states_for(&state, user.id).await?))
}

/// Create a server. It starts with a "Text Channels" category holding
/// `general` and a "Voice Channels" category holding `General`.
#[utoipa::path(post, path = "/api/servers", tag = "servers", request_body = CreateServer,
    responses((status = 201, body = ServerState), (status = 422, body = pq_protocol::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    Json(req): Json<CreateServer>,
) -> ApiResult<(StatusCode, Json<ServerState>)> {
    let name = valid_name("name", &req.name, MAX_NAME_CHARS)?;
    let server = ServerId::new();
    let now = Timestamp::now().as_millis();
    let text_cat = ChannelId::new();
    let general = ChannelId::new();
    let voice_cat = ChannelId::new();
    let voice = ChannelId::new();
    let layout = [
        (text_cat, ChannelKind::Category, "Text Channels", None, 0),
        (general, ChannelKind::Text, "general", Some(text_cat), 0),
        (voice_cat, ChannelKind::Category, "Voice Channels", None, 1),
        (voice, ChannelKind::Voice, "General", Some(voice_cat), 0),
    ];

    let mut conn = state.db().writer().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    sqlx::query("INSERT INTO servers (id, name, icon_url, owner_id, created_at) VALUES (?, ?, NULL, ?, ?)")
        .bind(server.to_string())
        .bind(&name)
        .bind(user.id.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO members (server_id, user_id, role, joined_at) VALUES (?, ?, 'owner', ?)")
        .bind(server.to_string())
        .bind(user.id.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    for (id, kind, cname, parent, pos) in layout {
        sqlx::query(
            "INSERT INTO channels (id, server_id, kind, name, parent_id, position, last_seq, created_at)
             VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
        )
        .bind(id.to_string())
        .bind(server.to_string())
        .bind(kind.as_str())
        .bind(cname)
        .bind(parent.map(|p: ChannelId| p.to_string()))
        .bind(pos)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("INSERT INTO read_markers (channel_id, user_id, seq) VALUES (?, ?, 0)")
        .bind(general.to_string())
        .bind(user.id.to_string())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let hub = state.hub();
    hub.add_member(server, user.id);
    for (id, kind, ..) in layout {
        hub.add_channel(id, server, kind);
    }
    let snapshot = state_of(&state, user.id, server).await?;
    hub.dispatch(Audience::User(user.id), Event::ServerJoined { state: snapshot.clone() });
    drop(conn);
    tracing::info!(server_id = %server, user_id = %user.id, "server created");
    Ok((StatusCode::CREATED, Json(snapshot)))
}

/// A server you are in, with its channels and your read state.
#[utoipa::path(get, path = "/api/servers/{server_id}", tag = "servers",
    params(("server_id" = ServerId, Path)),
    responses((status = 200, body = ServerState), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
) -> ApiResult<Json<ServerState>> {
    role_in(&state, server_id, user.id).await?;
    Ok(Json(state_of(&state, user.id, server_id).await?))
}

/// Rename a server or change its image URL (owner and admins).
#[utoipa::path(patch, path = "/api/servers/{server_id}", tag = "servers", request_body = UpdateServer,
    params(("server_id" = ServerId, Path)),
    responses((status = 200, body = pq_protocol::models::Server), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
    Json(req): Json<UpdateServer>,
) -> ApiResult<Json<pq_protocol::models::Server>> {
    let role = role_in(&state, server_id, user.id).await?;
    require_admin(role, "change the server")?;
    let name = req.name.as_deref().map(|n| valid_name("name", n, MAX_NAME_CHARS)).transpose()?;
    let icon = req.icon_url.as_deref().map(|u| valid_image_url("icon_url", u)).transpose()?;
    Ok(Json(apply_update(&state, server_id, name, icon).await?))
}

async fn apply_update(
    state: &AppState,
    server_id: ServerId,
    name: Option<String>,
    icon: Option<Option<String>>,
) -> ApiResult<pq_protocol::models::Server> {
    let mut conn = state.db().writer().await?;
    if let Some(name) = &name {
        sqlx::query("UPDATE servers SET name = ? WHERE id = ?")
            .bind(name)
            .bind(server_id.to_string())
            .execute(&mut *conn)
            .await?;
    }
    if let Some(icon) = &icon {
        sqlx::query("UPDATE servers SET icon_url = ? WHERE id = ?")
            .bind(icon)
            .bind(server_id.to_string())
            .execute(&mut *conn)
            .await?;
    }
    let server = access::server_row(&mut *conn, server_id).await?.server()?;
    if name.is_some() || icon.is_some() {
        state.hub().dispatch(Audience::Server(server_id), Event::ServerUpdated { server: server.clone() });
    }
    drop(conn);
    Ok(server)
}

/// Upload the server's image (owner and admins): PNG, JPEG, GIF or WebP, at
/// most 2 MiB, as the raw request body.
#[utoipa::path(put, path = "/api/servers/{server_id}/icon", tag = "servers",
    params(("server_id" = ServerId, Path)),
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 200, body = pq_protocol::models::Server), (status = 413, body = pq_protocol::ErrorBody),
        (status = 415, body = pq_protocol::ErrorBody)))]
pub async fn upload_icon(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<pq_protocol::models::Server>> {
    let role = role_in(&state, server_id, user.id).await?;
    require_admin(role, "change the server's image")?;
    let url = media::store(&state, user.id, &headers, &body).await?;
    Ok(Json(apply_update(&state, server_id, None, Some(Some(url))).await?))
}

/// Delete a server and everything in it (owner only).
#[utoipa::path(delete, path = "/api/servers/{server_id}", tag = "servers",
    params(("server_id" = ServerId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
) -> ApiResult<StatusCode> {
    let role = role_in(&state, server_id, user.id).await?;
    require_owner(role, "delete the server")?;
    let mut conn = state.db().writer().await?;
    sqlx::query("DELETE FROM servers WHERE id = ?").bind(server_id.to_string()).execute(&mut *conn).await?;
    let members = state.hub().remove_server(server_id);
    for m in members {
        state.hub().dispatch(Audience::User(m), Event::ServerRemoved { server_id, reason: "deleted".into() });
    }
    drop(conn);
    tracing::info!(server_id = %server_id, "server deleted");
    Ok(StatusCode::NO_CONTENT)
}
