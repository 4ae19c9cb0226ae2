//! `/api/servers/{id}/events`, `/api/events/{id}…`: adapters over
//! [`crate::chat::events`].

use axum::{extract::State, http::StatusCode};
use pq_protocol::{
    EventId, ServerId,
    models::{EventSpec, ScheduledEvent},
};

use super::Path;
use crate::{
    auth::AuthUser,
    error::{ApiResult, Json},
    state::AppState,
};

/// A server's scheduled events, by first start (weekly ones keep their first
/// start: apps work out the next).
#[utoipa::path(get, path = "/api/servers/{server_id}/events", tag = "servers",
    params(("server_id" = ServerId, Path)),
    responses((status = 200, body = Vec<ScheduledEvent>), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
) -> ApiResult<Json<Vec<ScheduledEvent>>> {
    Ok(Json(state.chat().events(user.id, server_id).await?))
}

/// Schedule an event (permission `manage_events`). Members hear
/// `schedule_updated`.
#[utoipa::path(post, path = "/api/servers/{server_id}/events", tag = "servers", request_body = EventSpec,
    params(("server_id" = ServerId, Path)),
    responses((status = 201, body = ScheduledEvent), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody),
        (status = 409, description = "`channel_id` is not a voice channel of this server, or 100 events already", body = pq_protocol::ErrorBody),
        (status = 422, description = "A title or description the rules refuse, or an end not after the start", body = pq_protocol::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    Path(server_id): Path<ServerId>,
    Json(req): Json<EventSpec>,
) -> ApiResult<(StatusCode, Json<ScheduledEvent>)> {
    Ok((StatusCode::CREATED, Json(state.chat().create_event(user.id, server_id, req).await?)))
}

/// Change an event, whole (permission `manage_events`).
#[utoipa::path(put, path = "/api/events/{event_id}", tag = "servers", request_body = EventSpec,
    params(("event_id" = EventId, Path)),
    responses((status = 200, body = ScheduledEvent), (status = 403, body = pq_protocol::ErrorBody),
        (status = 404, body = pq_protocol::ErrorBody),
        (status = 409, description = "`channel_id` is not a voice channel of this server", body = pq_protocol::ErrorBody),
        (status = 422, description = "A title or description the rules refuse, or an end not after the start", body = pq_protocol::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    user: AuthUser,
    Path(event_id): Path<EventId>,
    Json(req): Json<EventSpec>,
) -> ApiResult<Json<ScheduledEvent>> {
    Ok(Json(state.chat().update_event(user.id, event_id, req).await?))
}

/// Cancel an event (permission `manage_events`).
#[utoipa::path(delete, path = "/api/events/{event_id}", tag = "servers",
    params(("event_id" = EventId, Path)),
    responses((status = 204), (status = 403, body = pq_protocol::ErrorBody), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    user: AuthUser,
    Path(event_id): Path<EventId>,
) -> ApiResult<StatusCode> {
    state.chat().delete_event(user.id, event_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mark myself interested in an event (any member): my apps remind me 10
/// minutes before it starts and when it starts.
#[utoipa::path(put, path = "/api/events/{event_id}/interested", tag = "servers",
    params(("event_id" = EventId, Path)),
    responses((status = 200, body = ScheduledEvent), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn interested(
    State(state): State<AppState>,
    user: AuthUser,
    Path(event_id): Path<EventId>,
) -> ApiResult<Json<ScheduledEvent>> {
    Ok(Json(state.chat().event_interest(user.id, event_id, true).await?))
}

/// No longer interested.
#[utoipa::path(delete, path = "/api/events/{event_id}/interested", tag = "servers",
    params(("event_id" = EventId, Path)),
    responses((status = 200, body = ScheduledEvent), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn uninterested(
    State(state): State<AppState>,
    user: AuthUser,
    Path(event_id): Path<EventId>,
) -> ApiResult<Json<ScheduledEvent>> {
    Ok(Json(state.chat().event_interest(user.id, event_id, false).await?))
}
