//! Sign-in (being written).
