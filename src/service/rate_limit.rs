//! Token-bucket rate limiting: per API key once the key is known to be valid, per client
//! IP before that. Backed by `governor`; the HTTP middleware lives in `api::rate_limit`.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

type Keyed = RateLimiter<
    BucketKey,
    DefaultKeyedStateStore<BucketKey>,
    DefaultClock,
    StateInformationMiddleware,
>;

/// Whose bucket a request draws from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BucketKey {
    Key(uuid::Uuid),
    Ip(IpAddr),
}

/// The limiter plus the numbers it reports in headers.
pub struct Limiter {
    inner: Keyed,
    per_minute: u32,
    burst: u32,
}

impl Limiter {
    /// Bucket size, reported as `X-RateLimit-Limit`.
    pub fn burst(&self) -> u32 {
        self.burst
    }
}

/// A rejection; also carries the headers to put on the 429.
#[derive(Debug, Clone)]
pub struct Limited {
    pub limit: u32,
    pub retry_after: u64,
    pub reset: u64,
}

impl std::fmt::Display for Limited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rate limited for {}s", self.retry_after)
    }
}

impl std::error::Error for Limited {}

impl Limiter {
    /// `None` when `per_minute` is 0 (limiting disabled).
    pub fn new(per_minute: u32, burst: u32) -> Option<Arc<Self>> {
        let rate = NonZeroU32::new(per_minute)?;
        let burst_nz = NonZeroU32::new(burst.max(1))?;
        let quota = Quota::per_minute(rate).allow_burst(burst_nz);
        let inner = RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>();
        Some(Arc::new(Self {
            inner,
            per_minute,
            burst: burst.max(1),
        }))
    }

    /// Takes one token from `key`'s bucket.
    pub fn check(&self, key: &BucketKey) -> Result<(u32, u64), Limited> {
        let clock = DefaultClock::default();
        match self.inner.check_key(key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                Ok((remaining, self.seconds_to_full(remaining)))
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(clock.now());
                let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                Err(Limited {
                    limit: self.burst,
                    retry_after: retry_after.max(1),
                    reset: self.seconds_to_full(0),
                })
            }
        }
    }

    fn seconds_to_full(&self, remaining: u32) -> u64 {
        let missing = u64::from(self.burst.saturating_sub(remaining));
        (missing * 60).div_ceil(u64::from(self.per_minute))
    }

    /// Forgets buckets that are full again, keeping memory bounded.
    pub fn shrink(&self) {
        self.inner.retain_recent();
        self.inner.shrink_to_fit();
    }
}
