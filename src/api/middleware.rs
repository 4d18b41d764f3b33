//! Cross-cutting HTTP behaviour: request logging, caching headers, and turning every
//! error (including unknown routes and wrong methods) into the JSON envelope.

use std::time::Instant;

use poem::http::header::CACHE_CONTROL;
use poem::http::{HeaderValue, Method};
use poem::{Endpoint, IntoResponse, Request, Response};

use super::error::{self, ApiError};

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

/// The path as it is safe to log: hosted-link tokens (after a `link` or `_link` segment,
/// however the path is spelled: `//link/T`, `/%6cink/T`, `/LINK/T`) and any other long
/// opaque segment that is not a UUID are replaced.
fn redact_path(path: &str) -> String {
    let decoded = percent_decode(path);
    let mut out = String::with_capacity(path.len());
    let mut after_link = false;
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        let opaque = segment.len() >= 20 && uuid::Uuid::parse_str(segment).is_err();
        if after_link || opaque {
            out.push_str("<token>");
        } else {
            out.push_str(segment);
        }
        after_link = matches!(segment.to_ascii_lowercase().as_str(), "link" | "_link");
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// `%xx` escapes decoded (invalid ones kept as written), for redaction only.
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let v = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(u8::try_from(v).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Caching and content-security headers that depend on the route: anything that carries a
/// hosted-link token (the page's calls, the responses that mint a session) is `no-store`;
/// Swagger UI gets a CSP that allows only its own inline code.
pub async fn security_headers<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let path = req.uri().path().to_owned();
    let mints_token = req.method() == Method::POST
        && (path == "/api/v1/connections/link" || path.ends_with("/relink"));
    let mut resp = next.call(req).await.map(IntoResponse::into_response)?;
    let h = resp.headers_mut();
    if mints_token || path.starts_with("/_link/") || path.starts_with("/link/") {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if path == "/docs" || path.starts_with("/docs/") {
        h.entry("content-security-policy")
            .or_insert(HeaderValue::from_static(
                "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' \
             'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
            ));
    }
    Ok(resp)
}

/// Query parameters with an empty value (`?status=&limit=`) count as absent everywhere.
pub async fn drop_empty_query_values<E: Endpoint>(
    next: E,
    mut req: Request,
) -> poem::Result<Response> {
    if let Some(query) = req
        .uri()
        .query()
        .filter(|q| q.split('&').any(is_empty_pair))
    {
        let kept: Vec<&str> = query.split('&').filter(|p| !is_empty_pair(p)).collect();
        let path = req.uri().path();
        let rebuilt = if kept.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", kept.join("&"))
        };
        if let Ok(uri) = rebuilt.parse() {
            *req.uri_mut() = uri;
        }
    }
    next.call(req).await.map(IntoResponse::into_response)
}

fn is_empty_pair(pair: &str) -> bool {
    pair.is_empty() || pair.ends_with('=') && pair.find('=') == Some(pair.len() - 1)
}

/// The longest request URI (path and query) served.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Renders any error as the error envelope (docs/api.md, Errors).
pub async fn envelope_errors<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    // No route takes a URI this long; hyper's own limit (64 KiB) answers beyond it.
    if req.uri().to_string().len() > MAX_URI_BYTES {
        return Ok(ApiError::new(
            poem::http::StatusCode::URI_TOO_LONG,
            "URI_TOO_LONG",
            format!("the request URI is longer than {MAX_URI_BYTES} bytes"),
        )
        .into_response());
    }
    // A key header that is not visible ASCII is a wrong key, not a missing one.
    if req
        .headers()
        .get("x-api-key")
        .is_some_and(|v| v.to_str().is_err())
    {
        return Ok(ApiError::new(
            poem::http::StatusCode::UNAUTHORIZED,
            "INVALID_API_KEY",
            "the API key is not valid",
        )
        .into_response());
    }
    match next.call(req).await {
        Ok(resp) => Ok(resp.into_response()),
        Err(err) => {
            let api: ApiError = error::from_poem(&err);
            let mut resp = api.into_response();
            // The matched route template, for `/metrics`.
            if let Some(pattern) = err.data::<poem::PathPattern>() {
                resp.set_data(pattern.clone());
            }
            Ok(resp)
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
        let token = "Qk3_x9ZpLm2Vb8Rt5Yw1Nc";
        for spelled in [
            format!("//link/{token}"),
            format!("/%6cink/{token}"),
            format!("/LINK/{token}"),
            format!("/_link/{token}/session"),
        ] {
            let logged = redact_path(&spelled);
            assert!(!logged.contains(token), "{spelled} → {logged}");
        }
        let id = "0193a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b";
        assert_eq!(
            redact_path(&format!("/api/v1/users/{id}")),
            format!("/api/v1/users/{id}")
        );
    }

    #[test]
    fn empty_query_pairs_are_recognised() {
        assert!(is_empty_pair("status="));
        assert!(is_empty_pair(""));
        assert!(!is_empty_pair("status=active"));
        assert!(!is_empty_pair("a=b="));
    }
}
