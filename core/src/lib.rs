//! # pq-core
//!
//! pq's client engine: everything the desktop app does that is not drawing.
//! It imports no Tauri and no UI; the desktop shell, the `pq` command line,
//! bots and tests all drive it the same way.
//!
//! - [`auth`]: OAuth 2.0 authorization code + PKCE in the system browser
//!   (RFC 8252), OpenID Connect discovery, refresh; tokens in the OS keychain.
//! - [`api`]: the REST client (bearer token, one shared refresh on 401).
//! - [`store`]: the offline cache (SQLite, WAL, migrations, full-text search
//!   that works for Korean) and the outbox.
//! - [`Client`]: the engine handle over all of it, with one stream of
//!   [`Event`]s; its sync task keeps the gateway connection, catches up after
//!   reconnects and delivers the outbox exactly once.
#![warn(missing_docs)]

pub mod api;
pub mod auth;
pub mod draw;
mod engine;
mod error;
pub mod files;
pub mod media;
pub mod store;
pub mod voice;

pub use engine::{Client, ClientConfig, ConnectionState, Event, Timeline, cache_path};
pub use error::{Error, Result};
pub use pq_protocol as protocol;
