//! One gateway connection: hello, identify or resume, then a reader and a
//! writer running side by side until either ends.
//!
//! The reader decodes client frames (size, UTF-8, JSON, op, rate limit and
//! heartbeat deadline checked first; a violation closes the socket with the
//! matching [`CloseCode`], never a panic) and hands each op to the domain
//! layer ([`crate::chat`]). Messages are queued to the writer in the order
//! they arrive, and their acks come back on this session when stored, so the
//! reader never waits for the database and one connection's messages are
//! stored in the order they were sent. The writer drains the session's
//! outbox in batches.

use std::{sync::Arc, time::Duration};

use bytes::Bytes;
use futures_util::StreamExt;
use pq_protocol::{
    ErrorBody,
    gateway::{
        ClientFrame, CloseCode, GatewayError, Hello, Identify, InvalidSession, PROTOCOL_VERSION, Resume, ServerFrame,
    },
    limits::MAX_CLIENT_FRAME_BYTES,
    models::SendMessage,
    voice::{VoiceLeft, VoiceLeftReason},
};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::{self, Message, Utf8Bytes, protocol::frame::coding::CloseCode as WsCloseCode};
use tracing::{debug, warn};

use super::{
    hub::{Session, WriterStep, encode},
    socket::{Reader, Writer},
};
use crate::{
    auth::{self, AuthUser},
    error::ApiError,
    state::AppState,
};

/// How a connection's reading ended.
enum ReadEnd {
    /// The client closed (or the socket broke).
    Gone { goodbye: bool },
    /// The client broke the protocol; close with this.
    Violation(CloseCode, String),
    /// Server shutdown.
    Shutdown,
}

/// Runs one upgraded connection to its end.
pub(super) async fn run(mut stream: Reader, mut sink: Writer, state: AppState, conn: u64) {
    let cfg = state.config();
    let hello = ServerFrame::Hello(Hello {
        v: PROTOCOL_VERSION,
        heartbeat_interval_ms: cfg.heartbeat_interval.as_millis() as u32,
        max_frame_bytes: MAX_CLIENT_FRAME_BYTES as u32,
        rate_per_sec: cfg.rate_per_sec,
        rate_burst: cfg.rate_burst as u32,
    });
    if sink.text(&encode(&hello)).await.is_err() {
        return;
    }
    let limiter = crate::limits::Direct::per_second(cfg.rate_per_sec, cfg.rate_burst);
    let deadline = cfg.heartbeat_interval.mul_f64(1.5);

    // Until identified: identify, or resume (which may fail and fall back to identify).
    let (user, session) = loop {
        let frame = match read_frame(&mut stream, &state, deadline, &limiter, &|_| {}).await {
            Ok(f) => f,
            Err(ReadEnd::Violation(code, reason)) => return close(&mut sink, code, &reason).await,
            Err(ReadEnd::Shutdown) => return close(&mut sink, CloseCode::GoingAway, "server shutting down").await,
            Err(ReadEnd::Gone { .. }) => return,
        };
        match frame {
            ClientFrame::Identify(Identify { v, token, idle }) => {
                if v != PROTOCOL_VERSION {
                    return close(&mut sink, CloseCode::UnsupportedVersion, &unsupported(v)).await;
                }
                let user = match auth::authenticate(&state, &token).await {
                    Ok(u) => u,
                    Err(e) => return close(&mut sink, CloseCode::AuthenticationFailed, &e.to_string()).await,
                };
                // The chosen status first, so that an invisible person is never shown online.
                let status = match state.chat().status_of(user.id).await {
                    Ok(s) => s,
                    Err(e) => {
                        warn!(error = %e, "cannot read the status");
                        return close_raw(&mut sink, 1011, "server error; reconnect later").await;
                    }
                };
                let session =
                    state.hub().open_session(user.id, conn, idle.unwrap_or(false), status, user.origin.clone());
                match state.chat().ready(user.id, &session).await {
                    Ok(r) => session.release_with(&ServerFrame::Ready(Box::new(r))),
                    Err(e) => {
                        warn!(error = %e, "cannot build ready");
                        state.hub().detach(&session, conn, true);
                        return close_raw(&mut sink, 1011, "server error; reconnect later").await;
                    }
                }
                debug!(user_id = %user.id, session_id = %session.id, "identified");
                break (user, session);
            }
            ClientFrame::Resume(Resume { v, token, session_id, last_seq }) => {
                if v != PROTOCOL_VERSION {
                    return close(&mut sink, CloseCode::UnsupportedVersion, &unsupported(v)).await;
                }
                let user = match auth::authenticate(&state, &token).await {
                    Ok(u) => u,
                    Err(e) => return close(&mut sink, CloseCode::AuthenticationFailed, &e.to_string()).await,
                };
                match state.hub().resume_session(user.id, session_id, last_seq, conn, user.origin.clone()) {
                    Ok(session) => {
                        debug!(user_id = %user.id, session_id = %session.id, "resumed");
                        break (user, session);
                    }
                    Err(e) => {
                        let frame = ServerFrame::InvalidSession(InvalidSession { reason: e.to_string() });
                        if sink.text(&encode(&frame)).await.is_err() {
                            return;
                        }
                    }
                }
            }
            _ => return close(&mut sink, CloseCode::NotAuthenticated, "identify or resume first").await,
        }
    };

    // The writer is a task of its own: waking it for every frame queued must
    // not also poll the reader (each poll of a socket read costs).
    let hub = state.chat().hub().clone();
    let mut writer = state.hub().connections().spawn(write_loop(session.clone(), conn, sink, hub));
    let reader = read_loop(&mut stream, &state, &user, &session, deadline, &limiter);
    // The connection lives as long as the token it was opened with (the
    // same 2 s of clock skew the verifier allows): the client renews it and
    // resumes, losing nothing; one that cannot renew is signed out.
    let clock = state.hub().clock().clone();
    let expiry = token_expiry(&clock, user.expires_at);
    let end = tokio::select! {
        end = reader => Some(end),
        _ = &mut writer => None,
        () = clock.sleep_until(expiry) => {
            debug!(session_id = %session.id, "the connection's token expired");
            session.close(CloseCode::AuthenticationFailed, "the access token expired: renew it and resume");
            let _ = tokio::time::timeout(Duration::from_secs(2), &mut writer).await;
            None
        }
    };
    let invalidate = match end {
        None => false, // The writer closed the socket (slow, replaced, signed out, token expired).
        Some(ReadEnd::Gone { goodbye }) => {
            writer.abort();
            goodbye
        }
        Some(ReadEnd::Violation(code, reason)) => {
            session.close(code, &reason);
            let _ = tokio::time::timeout(Duration::from_secs(2), &mut writer).await;
            true
        }
        Some(ReadEnd::Shutdown) => {
            session.close(CloseCode::GoingAway, "server shutting down");
            let _ = tokio::time::timeout(Duration::from_secs(2), &mut writer).await;
            false
        }
    };
    writer.abort();
    state.hub().detach(&session, conn, invalidate);
}

/// How long a writer cut off as too slow may still take to finish the batch
/// it was writing (so the close frame can follow a whole frame).
const SLOW_WRITE_PATIENCE: Duration = Duration::from_secs(20);

/// When a connection opened with a token that expires at `exp` (seconds
/// since the epoch) must end.
fn token_expiry(clock: &crate::clock::Clock, exp: u64) -> std::time::Instant {
    let left = Duration::from_secs(exp.saturating_add(2).saturating_sub(clock.unix_secs()));
    clock.now() + left.min(Duration::from_secs(366 * 24 * 3600))
}

fn unsupported(v: u16) -> String {
    format!("protocol version {v} is not supported; this server speaks {PROTOCOL_VERSION}")
}

/// Writes what the session queues until it closes or is taken over: every
/// frame queued by the time the writer comes round goes out in one batch
/// (fed, then one flush). A frame after a quiet spell leaves at once; one
/// that comes within the hub's write window of the previous write waits out
/// the window with whatever else arrives (one system call per batch instead
/// of per frame when many connections are busy). Answers to this client's
/// own requests never wait.
async fn write_loop(session: Arc<Session>, conn: u64, mut sink: Writer, hub: Arc<super::Hub>) {
    let sink = &mut sink;
    let mut last_write: Option<Instant> = None;
    loop {
        match session.next_step(conn) {
            WriterStep::Write(batch) => {
                // Ok(true): written; Ok(false): cut off as too slow but the
                // batch got out; Err(()): the socket is done for.
                let outcome: Result<bool, ()> = {
                    let write = sink.texts(&batch);
                    tokio::pin!(write);
                    tokio::select! {
                        r = &mut write => r.map(|()| true).map_err(drop),
                        // Blocked on a full socket while the queue overflowed
                        // (and was dropped). A frame cut in the middle would
                        // garble the stream, so the batch is finished if the
                        // client reads it in time; then it hears why.
                        () = session.killed().cancelled() => {
                            match tokio::time::timeout(SLOW_WRITE_PATIENCE, write).await {
                                Ok(Ok(())) => Ok(false),
                                _ => Err(()), // Not reading at all: drop the socket.
                            }
                        }
                    }
                };
                match outcome {
                    Ok(true) => {}
                    Ok(false) => {
                        return close(sink, CloseCode::SlowConsumer, "too slow to read; reconnect and backfill").await;
                    }
                    Err(()) => return,
                }
                last_write = Some(Instant::now());
            }
            WriterStep::Pong(payload) => {
                if sink.pong(&payload).await.is_err() {
                    return;
                }
            }
            WriterStep::Close(code, reason) => return close(sink, code, &reason).await,
            WriterStep::Detached => {
                return close(sink, CloseCode::SessionReplaced, "session resumed on another connection").await;
            }
            WriterStep::Wait => {
                session.wait().await;
                if let Some(at) = last_write {
                    let next = at + hub.write_window();
                    if Instant::now() < next {
                        tokio::select! {
                            () = tokio::time::sleep_until(next) => {}
                            () = session.killed().cancelled() => {}
                            // An ack or error for this client: no pause.
                            () = session.urgent() => {}
                        }
                    }
                }
            }
        }
    }
}

async fn read_loop(
    stream: &mut Reader,
    state: &AppState,
    user: &AuthUser,
    session: &Arc<Session>,
    deadline: Duration,
    limiter: &crate::limits::Direct,
) -> ReadEnd {
    loop {
        let frame = match read_frame(stream, state, deadline, limiter, &|p| session.pong(p)).await {
            Ok(f) => f,
            Err(end) => return end,
        };
        if let Err(end) = handle(frame, state, user, session).await {
            return end;
        }
    }
}

/// Reads and decodes the next client frame, enforcing size, encoding, the
/// heartbeat deadline and the rate limit; a WebSocket ping goes to `ping`.
async fn read_frame(
    stream: &mut Reader,
    state: &AppState,
    deadline: Duration,
    limiter: &crate::limits::Direct,
    ping: &(dyn Fn(Bytes) + Sync),
) -> Result<ClientFrame, ReadEnd> {
    let shutdown = state.shutdown().clone();
    let clock = state.hub().clock();
    let until = clock.now() + deadline;
    loop {
        let msg = tokio::select! {
            m = stream.next() => m,
            () = clock.sleep_until(until) => {
                return Err(ReadEnd::Violation(CloseCode::SessionTimedOut, "no heartbeat in time".into()));
            }
            () = shutdown.cancelled() => return Err(ReadEnd::Shutdown),
        };
        let text: Utf8Bytes = match msg {
            None => return Err(ReadEnd::Gone { goodbye: false }),
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(Message::Binary(b))) => match Utf8Bytes::try_from(b) {
                Ok(t) => t,
                Err(_) => {
                    return Err(ReadEnd::Violation(CloseCode::InvalidPayload, "frames must be UTF-8 JSON text".into()));
                }
            },
            Some(Ok(Message::Ping(p))) => {
                ping(p);
                continue;
            }
            Some(Ok(Message::Pong(_) | Message::Frame(_))) => continue,
            Some(Ok(Message::Close(c))) => {
                return Err(ReadEnd::Gone { goodbye: c.is_some_and(|c| c.code == WsCloseCode::Normal) });
            }
            Some(Err(e)) => {
                return Err(match e {
                    tungstenite::Error::Utf8(_) => {
                        ReadEnd::Violation(CloseCode::InvalidPayload, "frames must be UTF-8 JSON text".into())
                    }
                    tungstenite::Error::Capacity(_) => ReadEnd::Violation(CloseCode::MessageTooBig, too_big()),
                    other => {
                        debug!(error = %other, "socket read failed");
                        ReadEnd::Gone { goodbye: false }
                    }
                });
            }
        };
        if text.len() > MAX_CLIENT_FRAME_BYTES {
            return Err(ReadEnd::Violation(CloseCode::MessageTooBig, too_big()));
        }
        if !limiter.take() {
            return Err(ReadEnd::Violation(CloseCode::RateLimited, "too many frames; slow down".into()));
        }
        return ClientFrame::decode(text.as_str()).map_err(|(code, reason)| ReadEnd::Violation(code, reason));
    }
}

fn too_big() -> String {
    format!("frame larger than {MAX_CLIENT_FRAME_BYTES} bytes")
}

/// Handles one frame of an identified connection.
async fn handle(frame: ClientFrame, state: &AppState, user: &AuthUser, session: &Arc<Session>) -> Result<(), ReadEnd> {
    match frame {
        ClientFrame::Identify(_) | ClientFrame::Resume(_) => {
            return Err(ReadEnd::Violation(CloseCode::AlreadyAuthenticated, "already identified".into()));
        }
        ClientFrame::Heartbeat => session.send_direct(&ServerFrame::HeartbeatAck),
        ClientFrame::SendMessage(m) => {
            // Queued, not awaited: the next frame is read at once, and the
            // writer stores one connection's messages in the order queued.
            let client_id = m.client_id;
            let req =
                SendMessage { client_id: m.client_id, body: m.body, reply_to: m.reply_to, attachments: m.attachments };
            let s = session.clone();
            let then = move |r: Result<_, ApiError>| match r {
                Ok(ack) => s.send_direct(&ServerFrame::Ack(ack)),
                Err(e) => refuse(&s, Some(client_id), &e),
            };
            if let Err(e) = state.chat().queue_message(user.id, m.channel_id, req, then).await {
                refuse(session, Some(client_id), &e);
            }
        }
        ClientFrame::Typing(t) => {
            if let Err(e) = state.chat().typing(user.id, t.channel_id) {
                refuse(session, None, &e);
            }
        }
        ClientFrame::SetIdle(s) => state.hub().set_idle(session, s.idle),
        ClientFrame::SetStatus(s) => {
            if let Err(e) = state.chat().set_status(user.id, s.status).await {
                refuse(session, None, &e);
            }
        }
        ClientFrame::MarkRead(m) => {
            let s = session.clone();
            let then = move |r: Result<_, ApiError>| {
                if let Err(e) = r {
                    refuse(&s, None, &e);
                }
            };
            if let Err(e) = state.chat().queue_mark_read(user.id, m.channel_id, m.seq, then).await {
                refuse(session, None, &e);
            }
        }
        ClientFrame::VoiceJoin(j) => match state.hub().voice_join(session, &j) {
            Ok(joined) => session.send_direct(&ServerFrame::VoiceJoined(Box::new(joined))),
            Err(e) => refuse(session, None, &e),
        },
        ClientFrame::VoiceLeave => {
            if let Some(channel_id) = state.hub().voice_leave(session) {
                session.send_direct(&ServerFrame::VoiceLeft(VoiceLeft { channel_id, reason: VoiceLeftReason::Left }));
            }
        }
        ClientFrame::VoiceUpdate(u) => {
            if let Err(e) = state.hub().voice_update(session, &u) {
                refuse(session, None, &e);
            }
        }
        ClientFrame::VoiceSignal(s) => {
            if let Err(e) = state.hub().voice_signal(session, s) {
                refuse(session, None, &e);
            }
        }
    }
    Ok(())
}

fn refuse(session: &Session, client_id: Option<pq_protocol::ClientMessageId>, e: &ApiError) {
    if e.status().is_server_error() {
        warn!(error = %e, "gateway request failed");
    }
    let error: ErrorBody = e.body();
    session.send_direct(&ServerFrame::Error(GatewayError { client_id, error }));
}

async fn close(sink: &mut Writer, code: CloseCode, reason: &str) {
    close_raw(sink, code.code(), reason).await;
}

async fn close_raw(sink: &mut Writer, code: u16, reason: &str) {
    let _ = tokio::time::timeout(Duration::from_secs(2), sink.close(code, reason)).await;
}
