//! `GET /gateway`: the WebSocket handshake (RFC 6455 §4.2), answered here
//! rather than by axum's `WebSocketUpgrade`, so the upgraded connection can
//! be split into tungstenite reading and our own writer (see
//! [`super::socket`]).

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use tokio_tungstenite::tungstenite::{handshake::derive_accept_key, protocol::WebSocketConfig};
use tracing::{Instrument, debug, debug_span};

use crate::{error::ApiError, state::AppState};

/// Largest frame tungstenite will even buffer; frames between
/// [`pq_protocol::limits::MAX_CLIENT_FRAME_BYTES`] and this get a clean
/// `MessageTooBig` close.
pub const HARD_FRAME_LIMIT: usize = 1 << 20;

fn config() -> WebSocketConfig {
    // A small read buffer: 10,000 connections should not cost 128 KiB each.
    // (tungstenite only reads; see `socket`.)
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .max_message_size(Some(HARD_FRAME_LIMIT))
        .max_frame_size(Some(HARD_FRAME_LIMIT))
}

fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

fn refuse(why: &str) -> Response {
    ApiError::BadRequest(format!("{why}: this is pq's gateway; open a WebSocket to it")).into_response()
}

/// `GET /gateway`: upgrades to a WebSocket and runs the connection.
pub async fn handler(State(state): State<AppState>, mut req: Request) -> Response {
    let headers = req.headers();
    if req.method() != Method::GET {
        return refuse("expected GET");
    }
    if !has_token(headers, header::CONNECTION, "upgrade") || !has_token(headers, header::UPGRADE, "websocket") {
        return refuse("not a WebSocket upgrade request");
    }
    if headers.get(header::SEC_WEBSOCKET_VERSION).is_none_or(|v| v != "13") {
        return refuse("WebSocket version 13 is required");
    }
    let Some(key) = headers.get(header::SEC_WEBSOCKET_KEY) else {
        return refuse("Sec-WebSocket-Key is missing");
    };
    let accept = derive_accept_key(key.as_bytes());
    let Some(on_upgrade) = req.extensions_mut().remove::<hyper::upgrade::OnUpgrade>() else {
        return refuse("this connection cannot be upgraded");
    };
    let conns = state.hub().connections().clone();
    let conn = state.hub().next_connection();
    conns.spawn(
        async move {
            match on_upgrade.await {
                Ok(upgraded) => {
                    let (reader, writer) = super::socket::split(upgraded, config()).await;
                    super::conn::run(reader, writer, state, conn).await;
                }
                Err(e) => debug!(error = %e, "the WebSocket upgrade failed"),
            }
        }
        .instrument(debug_span!("gateway", conn)),
    );
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = resp.headers_mut();
    h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    resp
}
