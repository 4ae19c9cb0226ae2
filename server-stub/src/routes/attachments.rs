//! Attachments: upload one to a channel (streamed to object storage, its
//! size checked against the plan before the body is read), then name it in a
//! send; read one (or its thumbnail) if you may see the channel.

use axum::{
    body::Body,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use pq_protocol::{AttachmentId, ChannelId, limits::MAX_PREVIEW_SOURCE_BYTES, models::Attachment};
use serde::Deserialize;

use super::{Path, Query};
use crate::{
    auth::AuthUser,
    chat::attachments::keys,
    error::{ApiError, ApiResult, Json},
    files,
    state::AppState,
    storage::StorageError,
};

/// The query of an upload.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name (made safe: its last path part, no control
    /// characters, at most 200 characters).
    #[param(min_length = 1, max_length = 1000)]
    pub filename: String,
}

/// Upload a file to attach to a message in a channel, as the raw body with
/// its `Content-Length`. Nothing is read when the length is over the plan's
/// limit (by default 8 MiB free, 25 MiB basic, 100 MiB premium): 413 with
/// the limit. The type is found from the bytes; pictures get their size and
/// a thumbnail, and a picture carrying EXIF metadata (place, time, camera)
/// is kept without it, turned upright (`size` is then what is kept). The
/// upload is the uploader's alone until a send names it
/// (`attachments` of `SendMessage`).
#[utoipa::path(post, path = "/api/channels/{channel_id}/attachments", tag = "messages",
    params(("channel_id" = ChannelId, Path), UploadQuery),
    request_body(description = "The file's bytes (any type; at most the plan's limit)", content((Vec<u8> = "application/octet-stream"))),
    responses((status = 201, body = Attachment),
        (status = 400, description = "No Content-Length, an empty body, or the body broke off", body = pq_protocol::ErrorBody),
        (status = 403, description = "No `send_messages` here, or a conversation that refuses", body = pq_protocol::ErrorBody),
        (status = 404, description = "No such channel, or not one you can see", body = pq_protocol::ErrorBody),
        (status = 409, description = "Not a text channel", body = pq_protocol::ErrorBody),
        (status = 413, description = "Larger than the plan allows (`limit` says how large it may be) or than the hourly upload budget", body = pq_protocol::ErrorBody),
        (status = 422, description = "A file name that is empty or longer than 1,000 characters", body = pq_protocol::ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    user: AuthUser,
    Path(channel_id): Path<ChannelId>,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<Attachment>)> {
    if q.filename.is_empty() || q.filename.chars().count() > 1000 {
        return Err(ApiError::invalid("filename", "a file name of 1 to 1,000 characters"));
    }
    let limit = state.chat().upload_limit(user.id, channel_id, state.config().upload_limits).await?;
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| ApiError::BadRequest("an upload needs its Content-Length".into()))?;
    if length > limit {
        return Err(ApiError::PayloadTooLarge { limit: usize::try_from(limit).unwrap_or(usize::MAX) });
    }
    if length == 0 {
        return Err(ApiError::BadRequest("an empty file cannot be attached".into()));
    }
    state.limits().upload(user.id, usize::try_from(length).unwrap_or(usize::MAX))?;
    let id = AttachmentId::new();
    let (key, thumb_key) = keys(id);
    let storage = state.chat().storage();
    let stored = storage.put_stream(&key, body.into_data_stream(), length).await.map_err(|e| match e {
        StorageError::TooLarge(_) => ApiError::BadRequest("the body is longer than its Content-Length".into()),
        StorageError::Body(why) => ApiError::BadRequest(format!("the upload broke off: {why}")),
        other => ApiError::Internal(other.to_string()),
    })?;
    if stored.size != length {
        let _ = storage.delete(&key).await;
        return Err(ApiError::BadRequest("the body is shorter than its Content-Length".into()));
    }
    let content_type = files::sniff(&stored.head);
    let mut file = Attachment {
        id,
        filename: files::safe_name(&q.filename),
        content_type,
        size: stored.size,
        width: None,
        height: None,
        thumbnail: false,
    };
    if files::is_picture(&file.content_type) && file.size <= MAX_PREVIEW_SOURCE_BYTES {
        let bytes = storage.read(&key).await.map_err(|e| ApiError::Internal(e.to_string()))?;
        let preview = tokio::task::spawn_blocking(move || files::preview(&bytes)).await.ok().flatten();
        if let Some(p) = preview {
            storage.put(&thumb_key, p.thumbnail).await.map_err(|e| ApiError::Internal(e.to_string()))?;
            (file.width, file.height, file.thumbnail) = (Some(p.width), Some(p.height), true);
            // Where and when it was taken stays with the person who took it.
            if let Some(cleaned) = p.cleaned {
                file.size = cleaned.len() as u64;
                storage.put(&key, cleaned).await.map_err(|e| ApiError::Internal(e.to_string()))?;
            }
        }
    }
    if let Err(e) = state.chat().add_attachment(user.id, channel_id, file.clone()).await {
        let _ = storage.delete(&key).await;
        let _ = storage.delete(&thumb_key).await;
        return Err(e);
    }
    Ok((StatusCode::CREATED, Json(file)))
}

/// An attachment's bytes, for someone who may see it (its uploader before it
/// is sent; whoever sees its channel after). Pictures are shown inline;
/// anything else is a download under its safe name.
#[utoipa::path(get, path = "/api/attachments/{attachment_id}", tag = "messages",
    params(("attachment_id" = AttachmentId, Path)),
    responses((status = 200, description = "The file's bytes, with the type found at upload (any type)", content((Vec<u8> = "*/*"))),
        (status = 404, description = "No such attachment, or not one you may see", body = pq_protocol::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    user: AuthUser,
    Path(attachment_id): Path<AttachmentId>,
) -> ApiResult<Response> {
    let file = state.chat().attachment(user.id, attachment_id).await?;
    let (key, _) = keys(attachment_id);
    serve(&state, &key, &file.content_type, Some(&file)).await
}

/// An attachment's thumbnail (pictures only; at most 400 pixels a side).
#[utoipa::path(get, path = "/api/attachments/{attachment_id}/thumbnail", tag = "messages",
    params(("attachment_id" = AttachmentId, Path)),
    responses((status = 200, description = "A JPEG (or a PNG, for a picture with transparency)", content((Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"))),
        (status = 404, description = "No such attachment, not one you may see, or no thumbnail", body = pq_protocol::ErrorBody)))]
pub async fn thumbnail(
    State(state): State<AppState>,
    user: AuthUser,
    Path(attachment_id): Path<AttachmentId>,
) -> ApiResult<Response> {
    let file = state.chat().attachment(user.id, attachment_id).await?;
    if !file.thumbnail {
        return Err(ApiError::NotFound("thumbnail"));
    }
    let (_, key) = keys(attachment_id);
    let head = state.chat().storage().read(&key).await.map_err(|_| ApiError::NotFound("thumbnail"))?;
    let content_type = if head.starts_with(b"\x89PNG") { "image/png" } else { "image/jpeg" };
    let mut resp = head.into_response();
    headers_for(resp.headers_mut(), content_type, None);
    Ok(resp)
}

async fn serve(state: &AppState, key: &str, content_type: &str, file: Option<&Attachment>) -> ApiResult<Response> {
    let stream = state.chat().storage().stream(key).await.map_err(|e| match e {
        StorageError::Store(object_store::Error::NotFound { .. }) => ApiError::NotFound("attachment"),
        other => ApiError::Internal(other.to_string()),
    })?;
    let mut resp = Body::from_stream(stream).into_response();
    headers_for(resp.headers_mut(), content_type, file);
    if let Some(file) = file
        && let Ok(len) = HeaderValue::from_str(&file.size.to_string())
    {
        resp.headers_mut().insert(header::CONTENT_LENGTH, len);
    }
    Ok(resp)
}

/// Private caching, never sniffed, never run as a page; files that are not
/// pictures are downloads under their name.
fn headers_for(h: &mut HeaderMap, content_type: &str, file: Option<&Attachment>) {
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=31536000, immutable"));
    h.insert(header::VARY, HeaderValue::from_static("authorization"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    if let Some(file) = file.filter(|f| !files::is_picture(&f.content_type)) {
        let encoded: String = file
            .filename
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename*=UTF-8''{encoded}")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
}
