//! Cross-cutting HTTP behaviour: request logging, body-size limits, and turning every
//! error (including unknown routes and wrong methods) into the JSON envelope.

use std::time::Instant;

use poem::http::Method;
use poem::{Endpoint, IntoResponse, Request, Response};

use super::error::{self, ApiError};

/// JSON bodies may be at most this large.
pub const JSON_BODY_LIMIT: usize = 1024 * 1024;
/// File imports may be at most this large.
pub const IMPORT_BODY_LIMIT: usize = 50 * 1024 * 1024;

fn body_limit(path: &str) -> usize {
    if path == "/api/v1/connections/csv/import" {
        IMPORT_BODY_LIMIT
    } else {
        JSON_BODY_LIMIT
    }
}

/// Logs method, path, status and latency of every request. Never headers: the key is one.
pub async fn log_requests<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let method = req.method().clone();
    let path = redact_path(req.uri().path());
    let started = Instant::now();
    let resp = next.call(req).await.map(IntoResponse::into_response);
    let status = match &resp {
        Ok(r) => r.status(),
        Err(e) => e.status(),
    };
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(%method, %path, status = status.as_u16(), latency_ms = format_args!("{latency_ms:.2}"), "request");
    resp
}

/// The path with hosted-link tokens replaced, so they never reach the log.
fn redact_path(path: &str) -> String {
    for prefix in ["/link/", "/_link/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            return format!("{prefix}<token>{tail}");
        }
    }
    path.to_owned()
}

/// Rejects bodies over the limit with 413 before any handler parses them.
pub async fn limit_body<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    if matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS
    ) {
        return next.call(req).await.map(IntoResponse::into_response);
    }
    let limit = body_limit(req.uri().path());
    let declared = req
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(error::too_large().into());
    }
    if declared.is_none() {
        // Chunked bodies have no length up front: read them with the limit applied.
        let body = req
            .take_body()
            .into_bytes_limit(limit)
            .await
            .map_err(|_| error::too_large())?;
        req.set_body(body);
    }
    next.call(req).await.map(IntoResponse::into_response)
}

/// Renders any error as the error envelope (docs/api.md, Errors).
pub async fn envelope_errors<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    match next.call(req).await {
        Ok(resp) => Ok(resp.into_response()),
        Err(err) => {
            let api: ApiError = error::from_poem(&err);
            Ok(api.into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_redacted_from_logged_paths() {
        assert_eq!(redact_path("/link/abcDEF123"), "/link/<token>");
        assert_eq!(
            redact_path("/_link/abcDEF123/session"),
            "/_link/<token>/session"
        );
        assert_eq!(redact_path("/api/v1/users"), "/api/v1/users");
    }
}
