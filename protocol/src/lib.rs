//! # pq-protocol
//!
//! Every type that crosses pq's wire, and nothing else: no I/O, no runtime.
//!
//! - [`ids`]: UUIDv7 identifiers and invite codes.
//! - [`time`]: [`Timestamp`], UTC, RFC 3339 on the wire.
//! - [`limits`]: sizes and rates both sides enforce (the server is the judge).
//! - [`models`]: REST request and response bodies.
//! - [`gateway`]: WebSocket frames (`op` + `d`), dispatch events and close codes.
//! - [`voice`]: voice rooms and WebRTC signaling.
//! - [`error`]: the error body every REST error and gateway error carries.
//!
//! The server (`pq-server`) and the client engine (`pq-core`) both depend on
//! this crate and never on each other. With the `ts` feature every type derives
//! `ts_rs::TS`; the TypeScript bindings in `ui/src/bindings/` are generated
//! from it (see `tests/bindings.rs`). With the `openapi` feature every type
//! derives `utoipa::ToSchema` for the server's OpenAPI document.
//!
//! ## Versioning
//!
//! [`gateway::PROTOCOL_VERSION`] names the gateway protocol; a client announces
//! the version it speaks in `identify`/`resume` and the server refuses others
//! with [`gateway::CloseCode::UnsupportedVersion`]. Snapshot tests
//! (`tests/snapshots.rs`) pin every frame's JSON: a changed snapshot is a
//! protocol change and needs a version note in `CHANGELOG` of this crate.
#![warn(missing_docs)]

pub mod error;
pub mod gateway;
pub mod ids;
pub mod limits;
pub mod models;
pub mod time;
pub mod voice;

#[cfg(feature = "ts")]
pub mod ts;

pub use error::{ErrorBody, ErrorCode};
pub use ids::{
    AttachmentId, ChannelId, ClientMessageId, EventId, InviteCode, MessageId, RoleId, ServerId, SessionId, UserId,
    VoiceSessionId,
};
pub use time::Timestamp;
