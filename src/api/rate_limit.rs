//! Token-bucket rate limiting (SPEC §1.7): per API key once the key is known to be valid,
//! per client IP before that. Backed by `governor`.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use poem::http::{HeaderValue, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response};

use super::error::ApiError;
use crate::app::AppState;

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

/// A rejection; also carries the headers to put on the 429.
#[derive(Debug, Clone)]
pub struct Limited {
    limit: u32,
    retry_after: u64,
    reset: u64,
}

impl Limited {
    pub fn apply(&self, resp: &mut Response) {
        set_headers(resp, self.limit, 0, self.reset);
    }
}

impl std::fmt::Display for Limited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rate limited for {}s", self.retry_after)
    }
}

impl std::error::Error for Limited {}

impl poem::error::ResponseError for Limited {
    fn status(&self) -> StatusCode {
        StatusCode::TOO_MANY_REQUESTS
    }

    fn as_response(&self) -> Response {
        let mut api = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            format!("too many requests; retry in {} s", self.retry_after),
        );
        api.retry_after = Some(self.retry_after);
        let mut resp = api.into_response();
        self.apply(&mut resp);
        resp
    }
}

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

fn set_headers(resp: &mut Response, limit: u32, remaining: u32, reset: u64) {
    let h = resp.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", u64::from(limit)),
        ("x-ratelimit-remaining", u64::from(remaining)),
        ("x-ratelimit-reset", reset),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
            h.insert(name, v);
        }
    }
}

/// Middleware for `/api/v1/*` and `/mcp`.
pub async fn limit_requests<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let checked = match req.data::<AppState>() {
        Some(state) if limited_path(req.uri().path()) => state
            .limiter
            .as_ref()
            .map(|limiter| (limiter.clone(), limiter.check(&bucket_for(state, &req)))),
        _ => None,
    };
    let Some((limiter, outcome)) = checked else {
        return next.call(req).await.map(IntoResponse::into_response);
    };
    let (remaining, reset) = match outcome {
        Ok(ok) => ok,
        Err(rejection) => return Ok(poem::error::ResponseError::as_response(&rejection)),
    };
    let mut resp = match next.call(req).await {
        Ok(r) => r.into_response(),
        Err(e) => super::error::from_poem(&e).into_response(),
    };
    set_headers(&mut resp, limiter.burst, remaining, reset);
    Ok(resp)
}

fn limited_path(path: &str) -> bool {
    path.starts_with("/api/") || path == "/mcp"
}

fn bucket_for(state: &AppState, req: &Request) -> BucketKey {
    let known = super::auth::presented_key(req).and_then(|k| state.auth.peek(k));
    match known {
        Some(k) => BucketKey::Key(k.id),
        None => BucketKey::Ip(
            req.remote_addr()
                .as_socket_addr()
                .map_or(IpAddr::from([0, 0, 0, 0]), std::net::SocketAddr::ip),
        ),
    }
}
