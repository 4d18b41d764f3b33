//! The rate-limit middleware: draws a token from the caller's bucket
//! (`service::rate_limit`), answers 429 `RATE_LIMITED` with `Retry-After` when it is empty,
//! and reports the bucket in `X-RateLimit-*` headers.

use std::net::IpAddr;

use poem::http::{HeaderValue, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response};

use super::error::ApiError;
use crate::service::rate_limit::{BucketKey, Limited};
use crate::state::AppState;

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
        set_headers(&mut resp, self.limit, 0, self.reset);
        resp
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
    set_headers(&mut resp, limiter.burst(), remaining, reset);
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
