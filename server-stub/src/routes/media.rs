//! `/media/{id}`: uploaded images (server icons, avatars), stored once by
//! content hash and served with long caching.

use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};

use super::Path;
use crate::{error::ApiResult, state::AppState};

/// An uploaded image. Its address is the hash of its content, so it never
/// changes and is cached for a year.
#[utoipa::path(get, path = "/media/{media_id}", tag = "meta", security(()),
    params(("media_id" = String, Path, description = "SHA-256 of the image, hex")),
    responses((status = 200, content_type = "image/png", body = Vec<u8>), (status = 404, body = pq_protocol::ErrorBody)))]
pub async fn get(State(state): State<AppState>, Path(media_id): Path<String>) -> ApiResult<Response> {
    let (ct, bytes) = state.chat().media(media_id).await?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(&ct).unwrap_or(HeaderValue::from_static("image/png")));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(resp)
}
