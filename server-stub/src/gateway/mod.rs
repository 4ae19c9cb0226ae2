//! The WebSocket gateway at `GET /gateway`. See [`pq_protocol::gateway`] for
//! the protocol, [`hub`] for sessions, routing and presence, and [`conn`] for
//! one connection's life.

pub mod conn;
pub mod hub;

pub use hub::{Audience, Hub};
