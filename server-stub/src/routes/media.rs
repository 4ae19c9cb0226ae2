//! Uploaded images (server icons, avatars): stored once by content hash in
//! the database, served at `/media/{sha256}` with long caching.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
};
use pq_protocol::{Timestamp, UserId, limits::MAX_IMAGE_BYTES};
use sha2::{Digest, Sha256};

use super::Path;
use crate::{
    error::{ApiError, ApiResult},
    state::AppState,
};

/// The image type of `bytes`, by its magic number.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Stores an uploaded image and returns its `/media/…` path.
///
/// # Errors
/// 413 over 2 MiB; 415 when it is not PNG, JPEG, GIF or WebP.
pub async fn store(state: &AppState, user: UserId, _headers: &HeaderMap, body: &Bytes) -> ApiResult<String> {
    if body.len() > MAX_IMAGE_BYTES {
        return Err(ApiError::PayloadTooLarge { limit: MAX_IMAGE_BYTES });
    }
    let content_type = sniff(body).ok_or(ApiError::UnsupportedMedia)?;
    let id = hex::encode(Sha256::digest(body));
    let mut conn = state.db().writer().await?;
    sqlx::query(
        "INSERT INTO media (id, content_type, bytes, uploader_id, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&id)
    .bind(content_type)
    .bind(body.as_ref())
    .bind(user.to_string())
    .bind(Timestamp::now().as_millis())
    .execute(&mut *conn)
    .await?;
    drop(conn);
    Ok(format!("/media/{id}"))
}

/// An uploaded image. Its address is the hash of its content, so it never
/// changes and is cached for a year.
#[utoipa::path(get, path = "/media/{media_id}", tag = "meta", security(()),
    params(("media_id" = String, Path, description = "SHA-256 of the image, hex")),
    responses((status = 200, content_type = "image/png", body = Vec<u8>), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn get(State(state): State<AppState>, Path(media_id): Path<String>) -> ApiResult<Response> {
    if media_id.len() != 64 || !media_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::NotFound("image"));
    }
    let row: Option<(String, Vec<u8>)> = sqlx::query_as("SELECT content_type, bytes FROM media WHERE id = ?")
        .bind(&media_id)
        .fetch_optional(&state.db().read)
        .await?;
    let (ct, bytes) = row.ok_or(ApiError::NotFound("image"))?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(&ct).unwrap_or(HeaderValue::from_static("image/png")));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(resp)
}
