//! `/media/{id}`: uploaded images (server icons, avatars), stored once by
//! content hash. Only for a signed-in person who may see the picture: who
//! looks at whose picture, and when, is nobody else's business.

use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use super::{Path, Query};
use crate::{auth::AuthUser, error::ApiResult, state::AppState};

/// Query of a picture request.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MediaQuery {
    /// An invite code: lets someone who is not a member yet see the invite's
    /// server icon and its creator's picture (while the invite is usable).
    #[serde(default)]
    #[param(max_length = 64)]
    pub invite: Option<String>,
}

/// An uploaded image, for someone who may see it: their own, the picture of
/// someone they share a server with, the icon of a server they are in, or
/// what an invite they hold shows. Its address is the hash of its content,
/// so it never changes; only private caches keep it.
#[utoipa::path(get, path = "/media/{media_id}", tag = "meta",
    params(("media_id" = String, Path, description = "SHA-256 of the image, hex"), MediaQuery),
    responses((status = 200, description = "The picture, as uploaded", content((Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/gif"), (Vec<u8> = "image/webp"))),
        (status = 404, description = "No such image, or not one the caller may see", body = pq_protocol::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    user: AuthUser,
    Path(media_id): Path<String>,
    Query(q): Query<MediaQuery>,
) -> ApiResult<Response> {
    let (ct, bytes) = state.chat().media(user.id, media_id, q.invite).await?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(&ct).unwrap_or(HeaderValue::from_static("image/png")));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=31536000, immutable"));
    h.insert(header::VARY, HeaderValue::from_static("authorization"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(resp)
}
