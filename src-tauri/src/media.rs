//! The `pqmedia` scheme: pictures for the window. `<img src>` cannot carry
//! the account's token, and pq-server shows a picture only to people who may
//! see it; so the window loads `pqmedia://localhost/{id}` (WebView2:
//! `http://pqmedia.localhost/{id}`), optionally `?invite=CODE`, and this
//! handler answers with [`pq_core::Client::media`]: from the disk when it was
//! seen before, else fetched with the token and kept.

use pq_core::protocol::InviteCode;
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder, http};

use crate::Desktop;

/// The scheme's name.
pub const SCHEME: &str = "pqmedia";

/// What a request names: the picture's id and an invite code.
fn parse(uri: &http::Uri) -> Option<(String, Option<InviteCode>)> {
    let id = uri.path().trim_matches('/').to_owned();
    if !pq_core::protocol::limits::is_media_id(&id) {
        return None;
    }
    let invite = uri.query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "invite").map(|(_, v)| InviteCode(v.into_owned()))
    });
    Some((id, invite))
}

fn answer(status: http::StatusCode, content_type: &str, body: Vec<u8>) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, content_type)
        .header(http::header::CACHE_CONTROL, "private, max-age=31536000, immutable")
        .header("X-Content-Type-Options", "nosniff")
        .body(body)
        .unwrap_or_else(|_| http::Response::new(Vec::new()))
}

/// Answers one request (off the main thread).
pub fn handle<R: Runtime>(
    ctx: UriSchemeContext<'_, R>,
    request: http::Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let app = ctx.app_handle().clone();
    let Some((id, invite)) = parse(request.uri()) else {
        responder.respond(answer(http::StatusCode::NOT_FOUND, "text/plain", b"not a picture".to_vec()));
        return;
    };
    tauri::async_runtime::spawn(async move {
        let client = app.state::<Desktop>().client();
        let response = match client {
            Ok(client) => match client.media(&id, invite.as_ref()).await {
                Ok((content_type, bytes)) => answer(http::StatusCode::OK, content_type, bytes),
                Err(e) => {
                    tracing::debug!(%id, error = %e, "picture not shown");
                    let status = if e.is_offline() {
                        http::StatusCode::SERVICE_UNAVAILABLE
                    } else {
                        http::StatusCode::NOT_FOUND
                    };
                    answer(status, "text/plain", e.to_string().into_bytes())
                }
            },
            Err(_) => answer(http::StatusCode::SERVICE_UNAVAILABLE, "text/plain", b"pq is starting".to_vec()),
        };
        responder.respond(response);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_picture_addresses_are_asked_for() {
        let id = "ab".repeat(32);
        let uri: http::Uri = format!("pqmedia://localhost/{id}?invite=n3wzX0b1").parse().unwrap();
        assert_eq!(parse(&uri), Some((id.clone(), Some(InviteCode("n3wzX0b1".into())))));
        let uri: http::Uri = format!("http://pqmedia.localhost/{id}").parse().unwrap();
        assert_eq!(parse(&uri), Some((id, None)));
        for bad in ["pqmedia://localhost/../../etc/passwd", "pqmedia://localhost/", "pqmedia://localhost/abc"] {
            assert_eq!(parse(&bad.parse().unwrap()), None, "{bad}");
        }
    }
}
