//! Offline cache (being written).
