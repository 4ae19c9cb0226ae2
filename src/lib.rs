//! The workspace root package. It exists to hold pq's end-to-end tests in
//! `tests/` (real servers on ephemeral ports, real clients, real sockets).
