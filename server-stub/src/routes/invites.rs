//! Invites: codes of 128 random bits (not derived from any id), with expiry,
//! use limits and revocation; previewed without joining; accepted once.

use axum::{extract::State, http::StatusCode};
use base64::Engine as _;
use pq_protocol::{
    InviteCode, ServerId, Timestamp,
    gateway::Event,
    models::{CreateInvite, Invite, InvitePreview, Member, Presence, Role, ServerState},
};

use super::{
    Path,
    access::{self, require_admin, role_in},
    servers,
};
use crate::{
    auth::AuthUser,
    error::{ApiError, ApiResult, Json},
    gateway::Audience,
    state::AppState,
};

/// Default lifetime of an invite: 7 days.
const DEFAULT_MAX_AGE_SECS: u64 = 7 * 24 * 3600;
/// Longest lifetime one can ask for: 365 days (or 0 for never).
const MAX_MAX_AGE_SECS: u64 = 365 * 24 * 3600;

fn new_code() -> InviteCode {
    let bytes: [u8; 16] = rand::random();
    InviteCode(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[derive(sqlx::FromRow)]
struct Row {
    code: String,
    server_id: String,
    creator_id: String,
    created_at: i64,
    expires_at: Option<i64>,
    max_uses: Option<i64>,
    uses: i64,
    revoked_at: Option<i64>,
}

const COLS: &str = "code, server_id, creator_id, created_at, expires_at, max_uses, uses, revoked_at";

impl Row {
    fn invite(&self) -> ApiResult<Invite> {
        let code = InviteCode(self.code.clone());
        Ok(Invite {
            url: code.deep_link(),
            code,
            server_id: access::id(&self.server_id)?,
            creator_id: access::id(&self.creator_id)?,
            created_at: Timestamp::from_millis(self.created_at),
            expires_at: self.expires_at.map(Timestamp::from_millis),
            max_uses: self.max_uses.map(|m| m as u32),
            uses: self.uses as u32,
        })
    }

    /// Why this invite cannot be used now, if it cannot.
    fn unusable(&self, now: i64) -> Option<ApiError> {
        if self.revoked_at.is_some() || self.expires_at.is_some_and(|e| e <= now) {
            Some(ApiError::InviteExpired)
        } else if self.max_uses.is_some_and(|m| self.uses >= m) {
            Some(ApiError::InviteExhausted)
        } else {
            None
        }
    }
}

async fn find(state: &AppState, code: &str) -> ApiResult<Row> {
    if !InviteCode::is_well_formed(code) {
        return Err(ApiError::NotFound("invite"));
    }
    sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM invites WHERE code = ?")))
        .bind(code)
        .fetch_optional(&state.db().read)
        .await?
        .ok_or(ApiError::NotFound("invite"))
}

/// Create an invite link to a server (any member).
#[utoipa::path(post, path = "/api/servers/{server_id}/invites", tag = "invites", request_body = CreateInvite,
    params(("server_id" = ServerId, Path)),
    responses((status = 201, body = Invite), (status = 404, body = pq_protocol::ErrorBody),
        (status = 422, body = pq_protocol::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
    Json(req): Json<CreateInvite>,
) -> ApiResult<(StatusCode, Json<Invite>)> {
    role_in(&state, server_id, user.id).await?;
    let max_age = req.max_age_secs.unwrap_or(DEFAULT_MAX_AGE_SECS);
    if max_age > MAX_MAX_AGE_SECS {
        return Err(ApiError::invalid("max_age_secs", "an invite can last at most 365 days (or 0 for never)"));
    }
    if let Some(m) = req.max_uses
        && (m == 0 || m > 10_000)
    {
        return Err(ApiError::invalid("max_uses", "max_uses must be between 1 and 10000 (or absent for unlimited)"));
    }
    let now = Timestamp::now();
    let expires_at = (max_age > 0).then(|| now.plus_millis(max_age as i64 * 1000));
    let code = new_code();
    let mut conn = state.db().writer().await?;
    sqlx::query(
        "INSERT INTO invites (code, server_id, creator_id, created_at, expires_at, max_uses, uses)
         VALUES (?, ?, ?, ?, ?, ?, 0)",
    )
    .bind(&code.0)
    .bind(server_id.to_string())
    .bind(user.id.to_string())
    .bind(now.as_millis())
    .bind(expires_at.map(Timestamp::as_millis))
    .bind(req.max_uses.map(i64::from))
    .execute(&mut *conn)
    .await?;
    drop(conn);
    Ok((
        StatusCode::CREATED,
        Json(Invite {
            url: code.deep_link(),
            code,
            server_id,
            creator_id: user.id,
            created_at: now,
            expires_at,
            max_uses: req.max_uses,
            uses: 0,
        }),
    ))
}

/// The server's invites that still work (owner and admins).
#[utoipa::path(get, path = "/api/servers/{server_id}/invites", tag = "invites",
    params(("server_id" = ServerId, Path)),
    responses((status = 200, body = Vec<Invite>), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
) -> ApiResult<Json<Vec<Invite>>> {
    let role = role_in(&state, server_id, user.id).await?;
    require_admin(role, "see the server's invites")?;
    let now = Timestamp::now().as_millis();
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM invites WHERE server_id = ? AND revoked_at IS NULL
         AND (expires_at IS NULL OR expires_at > ?) AND (max_uses IS NULL OR uses < max_uses)
         ORDER BY created_at DESC"
    )))
    .bind(server_id.to_string())
    .bind(now)
    .fetch_all(&state.db().read)
    .await?;
    Ok(Json(rows.iter().map(Row::invite).collect::<Result<_, _>>()?))
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
    let row = find(&state, &code).await?;
    if let Some(e) = row.unusable(Timestamp::now().as_millis()) {
        return Err(e);
    }
    let server_id: ServerId = access::id(&row.server_id)?;
    let server = access::server_row(&state.db().read, server_id).await?;
    let inviter = access::user_row(&state.db().read, access::id(&row.creator_id)?).await?.user()?;
    let (member_count, online_count) = state.hub().member_counts(server_id);
    Ok(Json(InvitePreview {
        code: InviteCode(row.code),
        server_id,
        server_name: server.name,
        server_icon_url: server.icon_url,
        member_count,
        online_count,
        inviter,
        expires_at: row.expires_at.map(Timestamp::from_millis),
        already_member: state.hub().is_member(server_id, user.id),
    }))
}

/// Revoke an invite (its creator, or the server's owner and admins).
#[utoipa::path(delete, path = "/api/invites/{code}", tag = "invites",
    params(("code" = String, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn revoke(State(state): State<AppState>, user: AuthUser, Path(code): Path<String>) -> ApiResult<StatusCode> {
    let row = find(&state, &code).await?;
    let server_id: ServerId = access::id(&row.server_id)?;
    let role = role_in(&state, server_id, user.id).await.map_err(|_| ApiError::NotFound("invite"))?;
    if row.creator_id != user.id.to_string() {
        require_admin(role, "revoke other people's invites")?;
    }
    let mut conn = state.db().writer().await?;
    sqlx::query("UPDATE invites SET revoked_at = ? WHERE code = ? AND revoked_at IS NULL")
        .bind(Timestamp::now().as_millis())
        .bind(&row.code)
        .execute(&mut *conn)
        .await?;
    drop(conn);
    Ok(StatusCode::NO_CONTENT)
}

/// Join the server an invite leads to. Accepting again as a member changes
/// nothing and uses nothing up.
#[utoipa::path(post, path = "/api/invites/{code}/accept", tag = "invites",
    params(("code" = String, Path)),
    responses((status = 200, body = ServerState), (status = 404, body = pq_protocol::ErrorBody),
        (status = 410, body = pq_protocol::ErrorBody, description = "expired, revoked or used up")))]
pub async fn accept(
    State(state): State<AppState>,
    user: AuthUser,
    Path(code): Path<String>,
) -> ApiResult<Json<ServerState>> {
    let row = find(&state, &code).await?;
    let server_id: ServerId = access::id(&row.server_id)?;
    if state.hub().is_member(server_id, user.id) {
        return Ok(Json(servers::state_of(&state, user.id, server_id).await?));
    }
    let now = Timestamp::now();
    let mut conn = state.db().writer().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    // Use it up atomically: the conditions are re-checked by the update itself.
    let used = sqlx::query(
        "UPDATE invites SET uses = uses + 1 WHERE code = ? AND revoked_at IS NULL
         AND (expires_at IS NULL OR expires_at > ?) AND (max_uses IS NULL OR uses < max_uses)",
    )
    .bind(&row.code)
    .bind(now.as_millis())
    .execute(&mut *tx)
    .await?;
    if used.rows_affected() == 0 {
        return Err(row.unusable(now.as_millis()).unwrap_or(ApiError::InviteExhausted));
    }
    sqlx::query("INSERT INTO members (server_id, user_id, role, joined_at) VALUES (?, ?, 'member', ?)")
        .bind(server_id.to_string())
        .bind(user.id.to_string())
        .bind(now.as_millis())
        .execute(&mut *tx)
        .await?;
    // Nothing before joining counts as unread.
    sqlx::query(
        "INSERT INTO read_markers (channel_id, user_id, seq)
         SELECT id, ?, last_seq FROM channels WHERE server_id = ? AND kind = 'text'",
    )
    .bind(user.id.to_string())
    .bind(server_id.to_string())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let hub = state.hub();
    hub.add_member(server_id, user.id);
    let me = access::user_row(&mut *conn, user.id).await?.user()?;
    let member = Member { presence: hub.presence(user.id), user: me, role: Role::Member, joined_at: now };
    // The joiner hears of the server before anything that happens in it.
    let snapshot = servers::state_of(&state, user.id, server_id).await?;
    hub.dispatch(Audience::User(user.id), Event::ServerJoined { state: snapshot.clone() });
    hub.dispatch(Audience::Server(server_id), Event::MemberJoined { server_id, member });
    // Their presence is now visible to new peers.
    if hub.presence(user.id) != Presence::Offline {
        hub.dispatch(
            Audience::Server(server_id),
            Event::PresenceUpdated { user_id: user.id, presence: hub.presence(user.id) },
        );
    }
    drop(conn);
    tracing::info!(server_id = %server_id, user_id = %user.id, "member joined by invite");
    Ok(Json(snapshot))
}
