//! pq-core: the client engine. Not built yet: see issue 4 (sign-in, gateway,
//! offline cache, exactly-once outbox, the `pq` command line).
#![warn(missing_docs)]

pub use pq_protocol as protocol;
