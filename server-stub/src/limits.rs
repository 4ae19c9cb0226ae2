//! Abuse limits: GCRA rate limiters from `governor`, keyed by client address
//! or account, answered with 429, `Retry-After` and the `ErrorBody` shape.
//!
//! - every HTTP request (REST, gateway upgrades, pages) per client address:
//!   `--http-rate-per-sec`;
//! - every authenticated REST request per account: `--api-rate-per-sec`;
//! - messages sent over REST per account: `--rate-per-sec`/`--rate-burst`,
//!   the gateway's own per-connection frame rate, so REST is no way around it;
//! - uploaded bytes per account: `--upload-mib-per-hour`;
//! - the development provider's sign-in work per address
//!   (`--auth-rate-per-min`) and per email (see [`crate::idp`]), and the
//!   argon2 hashes it runs at once ([`Limits::argon2`]).
//!
//! Keyed state is forgotten once a key has been quiet for its whole window
//! ([`Limits::tidy`], every minute), so memory follows the active clients.

use std::{hash::Hash, net::IpAddr, num::NonZeroU32, sync::Arc, time::Duration};

use governor::{
    Quota, RateLimiter,
    clock::{Clock as _, DefaultClock},
    state::keyed::DefaultKeyedStateStore,
};
use pq_protocol::UserId;

use crate::{config::Config, error::ApiError};

/// A rate limit per key.
pub struct Keyed<K: Hash + Eq + Clone> {
    limiter: RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>,
    clock: DefaultClock,
}

impl<K: Hash + Eq + Clone> std::fmt::Debug for Keyed<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyed").field("keys", &self.limiter.len()).finish()
    }
}

impl<K: Hash + Eq + Clone> Keyed<K> {
    /// `burst` at once, then one more every `every`.
    #[must_use]
    pub fn new(every: Duration, burst: u32) -> Self {
        let quota = Quota::with_period(every.max(Duration::from_nanos(1)))
            .expect("a non-zero period")
            .allow_burst(NonZeroU32::new(burst.max(1)).expect("at least 1"));
        let clock = DefaultClock::default();
        Self { limiter: RateLimiter::dashmap_with_clock(quota, clock.clone()), clock }
    }

    /// `per_sec` sustained (fractions allowed), `burst` at once.
    #[must_use]
    pub fn per_second(per_sec: f64, burst: f64) -> Self {
        let every = Duration::from_secs_f64(1.0 / per_sec.clamp(1e-6, 1e9));
        Self::new(every, burst.clamp(1.0, f64::from(u32::MAX)) as u32)
    }

    /// Takes one for `key`, or says how long until one is free.
    ///
    /// # Errors
    /// The wait.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        self.limiter.check_key(key).map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Takes `n` for `key`; more than the burst can never pass (`Err(None)`).
    ///
    /// # Errors
    /// The wait, or `None` when `n` exceeds the burst.
    pub fn check_n(&self, key: &K, n: u32) -> Result<(), Option<Duration>> {
        let Some(n) = NonZeroU32::new(n) else { return Ok(()) };
        match self.limiter.check_key_n(key, n) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => Err(Some(not_until.wait_time_from(self.clock.now()))),
            Err(_) => Err(None),
        }
    }

    /// Forgets keys that are back to a full burst.
    pub fn tidy(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    /// Keys remembered now.
    #[must_use]
    pub fn len(&self) -> usize {
        self.limiter.len()
    }

    /// Whether no key is remembered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.limiter.is_empty()
    }
}

/// A rate limit for one thing (a gateway connection's frames).
pub struct Direct {
    limiter: governor::DefaultDirectRateLimiter,
}

impl std::fmt::Debug for Direct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Direct")
    }
}

impl Direct {
    /// `per_sec` sustained, `burst` at once.
    #[must_use]
    pub fn per_second(per_sec: f64, burst: f64) -> Self {
        let every = Duration::from_secs_f64(1.0 / per_sec.clamp(1e-6, 1e9));
        let quota = Quota::with_period(every.max(Duration::from_nanos(1)))
            .expect("a non-zero period")
            .allow_burst(NonZeroU32::new(burst.clamp(1.0, f64::from(u32::MAX)) as u32).expect("at least 1"));
        Self { limiter: RateLimiter::direct(quota) }
    }

    /// Takes one if there is one.
    #[must_use]
    pub fn take(&self) -> bool {
        self.limiter.check().is_ok()
    }
}

/// A wait as an [`ApiError`] (429 with `Retry-After`).
#[must_use]
pub fn too_many(wait: Duration) -> ApiError {
    ApiError::RateLimited { retry_after_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1) }
}

/// The REST limits of one server.
#[derive(Debug)]
pub struct Limits {
    /// Every HTTP request, per client address.
    pub per_ip: Keyed<IpAddr>,
    /// Every authenticated REST request, per account.
    pub per_account: Keyed<UserId>,
    /// Messages sent through REST, per account.
    pub sends: Keyed<UserId>,
    /// Uploaded KiB, per account.
    pub upload_kib: Keyed<UserId>,
}

impl Limits {
    /// The limits `config` asks for.
    #[must_use]
    pub fn new(config: &Config) -> Arc<Self> {
        let l = &config.limits;
        let upload_kib_per_hour = l.upload_mib_per_hour.saturating_mul(1024).max(1);
        Arc::new(Self {
            per_ip: Keyed::per_second(l.http_per_sec, l.http_per_sec * 2.0),
            per_account: Keyed::per_second(l.api_per_sec, l.api_per_sec * 2.0),
            sends: Keyed::per_second(config.rate_per_sec, config.rate_burst),
            upload_kib: Keyed::new(Duration::from_secs(3600) / upload_kib_per_hour, upload_kib_per_hour),
        })
    }

    /// Counts a request from `ip`.
    ///
    /// # Errors
    /// 429 when over the limit.
    pub fn request(&self, ip: IpAddr) -> Result<(), ApiError> {
        self.per_ip.check(&ip).map_err(too_many)
    }

    /// Counts an authenticated request of `user`.
    ///
    /// # Errors
    /// 429 when over the limit.
    pub fn account(&self, user: UserId) -> Result<(), ApiError> {
        self.per_account.check(&user).map_err(too_many)
    }

    /// Counts a message `user` sends through REST.
    ///
    /// # Errors
    /// 429 when over the limit.
    pub fn send(&self, user: UserId) -> Result<(), ApiError> {
        self.sends.check(&user).map_err(too_many)
    }

    /// Counts `bytes` `user` uploads.
    ///
    /// # Errors
    /// 429 when over the hourly budget (413 when one upload is larger than it).
    pub fn upload(&self, user: UserId, bytes: usize) -> Result<(), ApiError> {
        let kib = u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX);
        self.upload_kib.check_n(&user, kib).map_err(|wait| match wait {
            Some(wait) => too_many(wait),
            None => ApiError::PayloadTooLarge { limit: bytes },
        })
    }

    /// Forgets quiet keys.
    pub fn tidy(&self) {
        self.per_ip.tidy();
        self.per_account.tidy();
        self.sends.tidy();
        self.upload_kib.tidy();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_rate_and_keys_are_separate() {
        let l: Keyed<u8> = Keyed::new(Duration::from_secs(60), 3);
        for _ in 0..3 {
            l.check(&1).unwrap();
        }
        let wait = l.check(&1).unwrap_err();
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60), "{wait:?}");
        l.check(&2).unwrap();
        assert_eq!(l.check_n(&3, 4), Err(None), "more than a burst never passes");
        l.check_n(&3, 3).unwrap();
        assert!(matches!(l.check_n(&3, 1), Err(Some(_))));
    }

    #[test]
    fn quiet_keys_are_forgotten() {
        let l: Keyed<u32> = Keyed::new(Duration::from_millis(1), 1);
        for k in 0..100 {
            l.check(&k).unwrap();
        }
        assert_eq!(l.len(), 100);
        std::thread::sleep(Duration::from_millis(5));
        l.tidy();
        assert!(l.is_empty());
    }
}
