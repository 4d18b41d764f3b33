//! The `X-API-Key` security scheme: a typed handler parameter, so the spec documents it
//! and the compiler makes every `/api/v1` route take it. Scope checks live here too.

use poem::Request;
use poem::http::StatusCode;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::ApiKey;

use super::error::ApiError;
use crate::service::auth::{AuthFailure, AuthedKey, Scope};
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
    state
        .auth
        .authenticate(key.key.trim())
        .await
        .map_err(|e| rejection(e).into())
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
