//! The WebSocket gateway at `GET /gateway`. See [`pq_protocol::gateway`] for
//! the protocol, [`hub`] for sessions, routing and presence, [`voice`] for
//! voice rooms and signaling, and [`conn`] for one connection's life.

pub mod conn;
pub mod hub;
pub mod socket;
pub mod upgrade;
pub mod voice;

pub use hub::{Audience, Hub};
