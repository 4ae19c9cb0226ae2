//! The WebSocket gateway (being written).

mod hub;
pub use hub::Hub;
