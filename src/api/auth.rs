//! The `X-API-Key` security scheme: a typed handler parameter, so the spec documents it
//! and the compiler makes every `/api/v1` route take it. Scope checks live here too.

use poem::Request;
use poem::http::StatusCode;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::ApiKey;

use super::error::ApiError;
use std::net::IpAddr;

use crate::service::auth::{AuthFailure, AuthedKey, Scope};
use crate::service::rate_limit::{BucketKey, Limited};
use crate::state::AppState;

/// An API key (`bb_…`) in the `X-API-Key` header. `read_only` keys may call every GET
/// except the `/api-keys` listings; everything else needs `full_access`.
#[derive(SecurityScheme)]
#[oai(
    rename = "ApiKeyAuth",
    ty = "api_key",
    key_name = "X-API-Key",
    key_in = "header",
    checker = "check_api_key"
)]
pub struct ApiKeyAuth(pub AuthedKey);

async fn check_api_key(req: &Request, key: ApiKey) -> poem::Result<AuthedKey> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| ApiError::from(crate::Error::internal("app state missing")))?;
    let presented = key.key.trim();
    limit_unverified(state, req, presented)?;
    state
        .auth
        .authenticate(presented)
        .await
        .map_err(|e| rejection(e).into())
}

/// A key not yet verified costs an argon2 verify: draw one token from the client IP's
/// bucket for it, or answer 429 `RATE_LIMITED` with `Retry-After`.
pub fn limit_unverified(state: &AppState, req: &Request, presented: &str) -> Result<(), ApiError> {
    if let Some(limiter) = &state.unverified_keys {
        if state.auth.peek(presented).is_none() {
            limiter
                .check(&BucketKey::Ip(client_ip(req)))
                .map_err(too_many_unverified)?;
        }
    }
    Ok(())
}

/// The 401 (or 503) for a key that did not authenticate.
pub fn rejection(failure: AuthFailure) -> ApiError {
    match failure {
        AuthFailure::Invalid => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_API_KEY",
            "the API key is not valid",
        ),
        AuthFailure::Revoked => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "REVOKED_API_KEY",
            "the API key has been revoked",
        ),
        AuthFailure::Unavailable(e) => ApiError::from(e),
    }
}

fn too_many_unverified(limited: Limited) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITED",
        format!(
            "too many unrecognised API keys from this client; retry in {} s",
            limited.retry_after
        ),
    );
    e.retry_after = Some(limited.retry_after);
    e
}

/// The peer's address (no proxy header is trusted here).
fn client_ip(req: &Request) -> IpAddr {
    req.remote_addr()
        .as_socket_addr()
        .map_or(IpAddr::from([0, 0, 0, 0]), std::net::SocketAddr::ip)
}

/// The key a request presents: `X-API-Key`, else `Authorization: Bearer bb_…` (for MCP
/// clients that can only send the latter).
pub fn presented_key(req: &Request) -> Option<&str> {
    if let Some(k) = req.header("x-api-key") {
        return Some(k.trim());
    }
    let auth = req.header("authorization")?;
    let (scheme, token) = auth.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

impl ApiKeyAuth {
    /// 403 `FORBIDDEN` unless the key has `full_access`.
    pub fn require_full_access(&self) -> Result<(), ApiError> {
        if self.0.scope == Scope::FullAccess {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "this route needs a full_access API key; this key is read_only",
            ))
        }
    }
}
