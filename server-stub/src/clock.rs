//! The server's sense of time for the rules that wait: heartbeats, grace
//! periods, the resume window, token expiry. Real time, or (tests) real time
//! plus an offset that a test moves forward with [`Clock::advance`]: whatever
//! waits on this clock wakes at once when its moment is passed, so tests of
//! a 30 s heartbeat or an hour-long token take milliseconds and do not
//! depend on how busy the machine is.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

/// Real time (the default), or real time plus a test's offset. Cheap to
/// clone.
#[derive(Clone, Default)]
pub struct Clock(Option<Arc<Offset>>);

struct Offset {
    by: Mutex<Duration>,
    moved: tokio::sync::watch::Sender<()>,
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            None => f.write_str("Clock::real"),
            Some(o) => write!(f, "Clock::manual(+{:?})", *o.by.lock().expect("clock lock")),
        }
    }
}

impl Clock {
    /// A clock tests move forward ([`Clock::advance`]).
    #[must_use]
    pub fn manual() -> Self {
        Self(Some(Arc::new(Offset { by: Mutex::new(Duration::ZERO), moved: tokio::sync::watch::channel(()).0 })))
    }

    fn offset(&self) -> Duration {
        self.0.as_ref().map_or(Duration::ZERO, |o| *o.by.lock().expect("clock lock"))
    }

    /// Now, for durations.
    #[must_use]
    pub fn now(&self) -> Instant {
        Instant::now() + self.offset()
    }

    /// Now, since the epoch.
    fn since_epoch(&self) -> Duration {
        (SystemTime::now() + self.offset()).duration_since(UNIX_EPOCH).unwrap_or_default()
    }

    /// Now, in seconds since the epoch (token `iat` and `exp`).
    #[must_use]
    pub fn unix_secs(&self) -> u64 {
        self.since_epoch().as_secs()
    }

    /// Now, as a wire timestamp (when a change is stored; invite expiry).
    #[must_use]
    pub fn timestamp(&self) -> pq_protocol::Timestamp {
        pq_protocol::Timestamp::from_millis(i64::try_from(self.since_epoch().as_millis()).unwrap_or(i64::MAX))
    }

    /// Moves a manual clock forward by `by` and wakes what now is due.
    ///
    /// # Panics
    /// On the real clock: time there moves by itself.
    pub fn advance(&self, by: Duration) {
        let o = self.0.as_ref().expect("only a manual clock can be moved");
        *o.by.lock().expect("clock lock") += by;
        o.moved.send_replace(());
    }

    /// Waits until `deadline` (an instant of this clock).
    pub async fn sleep_until(&self, deadline: Instant) {
        let Some(o) = &self.0 else {
            tokio::time::sleep_until(deadline.into()).await;
            return;
        };
        // Subscribed before reading the time: an advance in between wakes us.
        let mut moved = o.moved.subscribe();
        loop {
            let now = self.now();
            if now >= deadline {
                return;
            }
            tokio::select! {
                () = tokio::time::sleep(deadline - now) => {}
                _ = moved.changed() => {}
            }
        }
    }

    /// Waits for `d` on this clock.
    pub async fn sleep(&self, d: Duration) {
        self.sleep_until(self.now() + d).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_manual_clock_wakes_sleepers_when_moved_past_their_moment() {
        let clock = Clock::manual();
        let (t0, u0) = (clock.now(), clock.unix_secs());
        let c = clock.clone();
        let sleeper = tokio::spawn(async move { c.sleep(Duration::from_secs(3600)).await });
        tokio::task::yield_now().await;
        clock.advance(Duration::from_secs(1800));
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!sleeper.is_finished(), "half way: still asleep");
        clock.advance(Duration::from_secs(1800));
        tokio::time::timeout(Duration::from_secs(1), sleeper).await.expect("woke at once").unwrap();
        assert!(clock.now() - t0 >= Duration::from_secs(3600));
        assert!(clock.unix_secs() - u0 >= 3600);
    }
}
