//! The `pqmedia` scheme: pictures for the window. `<img src>` cannot carry
//! the account's token, and pq-server shows a picture only to people who may
//! see it; so the window loads `pqmedia://localhost/{id}` (WebView2:
//! `http://pqmedia.localhost/{id}`), optionally `?invite=CODE`, and this
//! handler answers with [`pq_core::Client::media`]: from the disk when it was
//! seen before, else fetched with the token and kept. Attachments' pictures
//! the same way: `pqmedia://localhost/attachment/{id}` (and
//! `…/{id}/thumbnail`), through [`pq_core::Client::attachment`] (kept within
//! the offline budget).

use pq_core::protocol::{AttachmentId, InviteCode};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder, http};

use crate::Desktop;

/// The scheme's name.
pub const SCHEME: &str = "pqmedia";

/// What a request names.
#[derive(Debug, PartialEq)]
enum Asked {
    /// A picture (avatar, icon), with an invite code that shows it.
    Media(String, Option<InviteCode>),
    /// An attachment, or its thumbnail.
    Attachment(AttachmentId, bool),
}

fn parse(uri: &http::Uri) -> Option<Asked> {
    let path = uri.path().trim_matches('/');
    if let Some(rest) = path.strip_prefix("attachment/") {
        let (id, thumbnail) = match rest.strip_suffix("/thumbnail") {
            Some(id) => (id, true),
            None => (rest, false),
        };
        return id.parse().ok().map(|id| Asked::Attachment(id, thumbnail));
    }
    parse_media(uri).map(|(id, invite)| Asked::Media(id, invite))
}

/// A picture's id and an invite code.
fn parse_media(uri: &http::Uri) -> Option<(String, Option<InviteCode>)> {
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
    let Some(asked) = parse(request.uri()) else {
        responder.respond(answer(http::StatusCode::NOT_FOUND, "text/plain", b"not a picture".to_vec()));
        return;
    };
    tauri::async_runtime::spawn(async move {
        let client = app.state::<Desktop>().client();
        let response = match client {
            Ok(client) => match match &asked {
                Asked::Media(id, invite) => client.media(id, invite.as_ref()).await,
                Asked::Attachment(id, thumbnail) => client.attachment(*id, *thumbnail).await,
            } {
                // Pictures only: anything else is never shown in the window.
                Ok((content_type, bytes)) if content_type.starts_with("image/") && content_type != "image/svg+xml" => {
                    answer(http::StatusCode::OK, content_type, bytes)
                }
                Ok(_) => answer(http::StatusCode::NOT_FOUND, "text/plain", b"not a picture".to_vec()),
                Err(e) => {
                    tracing::debug!(?asked, error = %e, "picture not shown");
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
        assert_eq!(parse(&uri), Some(Asked::Media(id.clone(), Some(InviteCode("n3wzX0b1".into())))));
        let uri: http::Uri = format!("http://pqmedia.localhost/{id}").parse().unwrap();
        assert_eq!(parse(&uri), Some(Asked::Media(id, None)));
        let a = AttachmentId::new();
        let uri: http::Uri = format!("pqmedia://localhost/attachment/{a}/thumbnail").parse().unwrap();
        assert_eq!(parse(&uri), Some(Asked::Attachment(a, true)));
        let uri: http::Uri = format!("pqmedia://localhost/attachment/{a}").parse().unwrap();
        assert_eq!(parse(&uri), Some(Asked::Attachment(a, false)));
        for bad in [
            "pqmedia://localhost/../../etc/passwd",
            "pqmedia://localhost/",
            "pqmedia://localhost/abc",
            "pqmedia://localhost/attachment/../../etc",
            "pqmedia://localhost/attachment/x/thumbnail",
        ] {
            assert_eq!(parse(&bad.parse().unwrap()), None, "{bad}");
        }
    }
}
