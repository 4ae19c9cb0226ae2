//! REST client (being written).
