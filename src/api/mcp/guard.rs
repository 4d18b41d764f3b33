//! What stands in front of the MCP transport, as for the REST API: the `Origin` check the
//! MCP spec asks of HTTP servers (against DNS rebinding), then the API key, which must be
//! valid and unrevoked on every request. Refusals are the usual JSON error envelope.

use poem::http::{StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};
use url::Url;

use crate::api::auth::{limit_unverified, presented_key, rejection};
use crate::api::error::ApiError;
use crate::state::AppState;

/// Middleware around the MCP endpoint; the authenticated key goes into the request's
/// extensions, where the tool handler reads its scope.
pub async fn guard<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    let state = req
        .data::<AppState>()
        .cloned()
        .ok_or_else(|| ApiError::from(crate::Error::internal("app state missing")))?;
    if let Some(origin) = req.header("origin")
        && !origin_allowed(origin, state.config.public_url.as_deref())
    {
        return Err(ApiError::forbidden(format!(
            "requests from the web origin `{origin}` are not allowed"
        ))
        .into());
    }
    let Some(presented) = presented_key(&req).map(str::to_owned) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "MISSING_API_KEY",
            "send your API key in the X-API-Key header or as Authorization: Bearer",
        )
        .into());
    };
    limit_unverified(&state, &req, &presented)?;
    let key = state
        .auth
        .authenticate(&presented)
        .await
        .map_err(rejection)?;
    req.extensions_mut().insert(key);
    let resp = next.call(req).await?.into_response();
    Ok(envelope_plain_errors(resp).await)
}

/// The transport answers HTTP-level refusals (wrong method, missing `Accept`, unreadable
/// body) in plain text; they become the JSON envelope like every other error. JSON-RPC
/// replies, errors included, pass untouched.
async fn envelope_plain_errors(resp: Response) -> Response {
    let status = resp.status();
    let json = resp
        .content_type()
        .is_some_and(|c| c.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || json {
        return resp;
    }
    let allow = resp.headers().get(header::ALLOW).cloned();
    let text = resp.into_body().into_string().await.unwrap_or_default();
    let message: String = text.trim().chars().take(300).collect();
    let code = match status {
        StatusCode::METHOD_NOT_ALLOWED => "METHOD_NOT_ALLOWED",
        StatusCode::NOT_ACCEPTABLE => "NOT_ACCEPTABLE",
        StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "UNSUPPORTED_MEDIA_TYPE",
        s if s.is_server_error() => {
            tracing::error!(status = s.as_u16(), body = %message, "MCP transport error");
            return ApiError::from(crate::Error::internal(message)).into_response();
        }
        _ => "INVALID_PARAMETER",
    };
    let mut out = ApiError::new(status, code, message).into_response();
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

/// Browsers send `Origin`; other clients do not. Allowed: the configured public URL's
/// origin, and pages on this machine (loopback), e.g. a local MCP inspector.
pub fn origin_allowed(origin: &str, public_url: Option<&str>) -> bool {
    let Ok(url) = Url::parse(origin) else {
        return false;
    };
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    loopback
        || public_url
            .and_then(|p| Url::parse(p).ok())
            .is_some_and(|p| p.origin() == url.origin())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_and_the_public_origin_pass() {
        let public = Some("https://money.example.org");
        for ok in [
            "http://localhost:6274",
            "http://127.0.0.1:8080",
            "http://[::1]:3000",
            "https://money.example.org",
            "https://money.example.org:443",
        ] {
            assert!(origin_allowed(ok, public), "{ok}");
        }
        for bad in [
            "https://evil.example",
            "http://money.example.org",
            "https://money.example.org:8443",
            "null",
            "file://",
            "http://localhost.evil.example",
        ] {
            assert!(!origin_allowed(bad, public), "{bad}");
        }
        assert!(!origin_allowed("https://money.example.org", None));
    }
}
