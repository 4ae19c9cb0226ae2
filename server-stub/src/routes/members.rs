//! Members: list (with presence), leave, remove, change role.

use axum::{extract::State, http::StatusCode};
use pq_protocol::{
    ServerId, Timestamp, UserId,
    gateway::Event,
    models::{Member, Role, UpdateMember},
};

use super::{
    Path,
    access::{self, UserRow, require_owner, role_in},
};
use crate::{
    auth::AuthUser,
    error::{ApiError, ApiResult, Json},
    gateway::Audience,
    state::AppState,
};

/// Members of a server with their role and presence.
#[utoipa::path(get, path = "/api/servers/{server_id}/members", tag = "members",
    params(("server_id" = ServerId, Path)),
    responses((status = 200, body = Vec<Member>), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
) -> ApiResult<Json<Vec<Member>>> {
    role_in(&state, server_id, user.id).await?;
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: UserRow,
        role: String,
        joined_at: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT u.id, u.display_name, u.avatar_url, u.email, u.plan, u.is_admin, m.role, m.joined_at
         FROM members m JOIN users u ON u.id = m.user_id WHERE m.server_id = ? ORDER BY m.joined_at",
    )
    .bind(server_id.to_string())
    .fetch_all(&state.db().read)
    .await?;
    let hub = state.hub();
    let members = rows
        .iter()
        .map(|r| {
            let user = r.user.user()?;
            Ok(Member {
                presence: hub.presence(user.id),
                user,
                role: Role::from_name(&r.role).unwrap_or(Role::Member),
                joined_at: Timestamp::from_millis(r.joined_at),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Json(members))
}

/// Leave a server. The owner cannot leave: hand the server over or delete it.
#[utoipa::path(delete, path = "/api/servers/{server_id}/members/@me", tag = "members",
    params(("server_id" = ServerId, Path)),
    responses((status = 204), (status = 404, body = pq_protocol::ErrorBody), (status = 409, body = pq_protocol::ErrorBody)))]
pub async fn leave(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
) -> ApiResult<StatusCode> {
    let role = role_in(&state, server_id, user.id).await?;
    if role == Role::Owner {
        return Err(ApiError::Conflict(
            "the owner cannot leave; make someone else the owner or delete the server".into(),
        ));
    }
    remove(&state, server_id, user.id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove someone from a server: the owner may remove anyone else, admins
/// may remove members (not admins or the owner).
#[utoipa::path(delete, path = "/api/servers/{server_id}/members/{user_id}", tag = "members",
    params(("server_id" = ServerId, Path), ("user_id" = UserId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn kick(
    State(state): State<AppState>,
    user: AuthUser,
    Path((server_id, target)): Path<(ServerId, UserId)>,
) -> ApiResult<StatusCode> {
    let role = role_in(&state, server_id, user.id).await?;
    if target == user.id {
        return Err(ApiError::BadRequest("to leave a server, use DELETE /api/servers/{id}/members/@me".into()));
    }
    let target_role = role_in(&state, server_id, target).await.map_err(|_| ApiError::NotFound("member"))?;
    let allowed = match role {
        Role::Owner => true,
        Role::Admin => target_role == Role::Member,
        Role::Member => false,
    };
    if !allowed {
        return Err(ApiError::Forbidden(match role {
            Role::Member => "only the owner and admins can remove members".into(),
            _ => "admins can remove members, not other admins or the owner".into(),
        }));
    }
    remove(&state, server_id, target, true).await?;
    tracing::info!(server_id = %server_id, user_id = %target, by = %user.id, "member removed");
    Ok(StatusCode::NO_CONTENT)
}

async fn remove(state: &AppState, server_id: ServerId, target: UserId, kicked: bool) -> ApiResult<()> {
    let mut conn = state.db().writer().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    // Their markers stop counting towards `unread_by` of the messages after them.
    let markers: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT r.channel_id, r.seq, c.last_seq FROM read_markers r JOIN channels c ON c.id = r.channel_id
         WHERE c.server_id = ? AND r.user_id = ?",
    )
    .bind(server_id.to_string())
    .bind(target.to_string())
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM read_markers WHERE user_id = ? AND channel_id IN (SELECT id FROM channels WHERE server_id = ?)",
    )
    .bind(target.to_string())
    .bind(server_id.to_string())
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM members WHERE server_id = ? AND user_id = ?")
        .bind(server_id.to_string())
        .bind(target.to_string())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let hub = state.hub();
    hub.remove_member(server_id, target);
    hub.dispatch(Audience::Server(server_id), Event::MemberLeft { server_id, user_id: target, kicked });
    for (channel, seq, last) in markers {
        if seq < last {
            hub.dispatch(
                Audience::Server(server_id),
                Event::UnreadByChanged {
                    channel_id: access::id(&channel)?,
                    after_seq: seq as u64,
                    through_seq: last as u64,
                    delta: -1,
                },
            );
        }
    }
    let reason = if kicked { "kicked" } else { "left" };
    hub.dispatch(Audience::User(target), Event::ServerRemoved { server_id, reason: reason.into() });
    drop(conn);
    Ok(())
}

/// Change someone's role (owner only). Giving `owner` hands the server over;
/// the previous owner becomes an admin.
#[utoipa::path(patch, path = "/api/servers/{server_id}/members/{user_id}", tag = "members", request_body = UpdateMember,
    params(("server_id" = ServerId, Path), ("user_id" = UserId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    user: AuthUser,
    Path((server_id, target)): Path<(ServerId, UserId)>,
    Json(req): Json<UpdateMember>,
) -> ApiResult<StatusCode> {
    let role = role_in(&state, server_id, user.id).await?;
    require_owner(role, "change roles")?;
    if target == user.id {
        return Err(ApiError::BadRequest("you cannot change your own role; make someone else the owner".into()));
    }
    let current = role_in(&state, server_id, target).await.map_err(|_| ApiError::NotFound("member"))?;
    if current == req.role {
        return Ok(StatusCode::NO_CONTENT);
    }
    let mut conn = state.db().writer().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let set_role = |u: UserId, r: Role| {
        sqlx::query("UPDATE members SET role = ? WHERE server_id = ? AND user_id = ?")
            .bind(r.as_str())
            .bind(server_id.to_string())
            .bind(u.to_string())
    };
    set_role(target, req.role).execute(&mut *tx).await?;
    if req.role == Role::Owner {
        set_role(user.id, Role::Admin).execute(&mut *tx).await?;
        sqlx::query("UPDATE servers SET owner_id = ? WHERE id = ?")
            .bind(target.to_string())
            .bind(server_id.to_string())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let hub = state.hub();
    hub.dispatch(Audience::Server(server_id), Event::MemberUpdated { server_id, user_id: target, role: req.role });
    if req.role == Role::Owner {
        hub.dispatch(
            Audience::Server(server_id),
            Event::MemberUpdated { server_id, user_id: user.id, role: Role::Admin },
        );
        let server = access::server_row(&mut *conn, server_id).await?.server()?;
        hub.dispatch(Audience::Server(server_id), Event::ServerUpdated { server });
    }
    drop(conn);
    Ok(StatusCode::NO_CONTENT)
}
