//! The single mapping from errors to HTTP: `crate::Error`, poem's and poem-openapi's own
//! errors all become the error envelope (docs/api.md, Errors) `{"error":{"code","message"}}`. Internal causes
//! are logged here and nowhere reach the client.

use poem::error::{MethodNotAllowedError, NotFoundError, ReadBodyError, ResponseError};
use poem::http::{HeaderValue, StatusCode, header};
use poem::{IntoResponse, Response};
use poem_openapi::error::{
    AuthorizationError, ContentTypeError, ParseMultipartError, ParseParamError, ParsePathError,
    ParseRequestPayloadError,
};
use poem_openapi::payload::Json;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::ToJSON;
use poem_openapi::{ApiResponse, Object};

use crate::error::Error;

/// The error envelope body.
#[derive(Debug, Clone, Object)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

/// `code` is the stable contract; `message` is for people.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct ErrorBody {
    /// Stable upper-snake error code, e.g. `NOT_FOUND`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl poem_openapi::types::Example for ErrorBody {
    fn example() -> Self {
        Self {
            code: "NOT_FOUND".into(),
            message: "user not found".into(),
        }
    }
}

/// An error on its way to the client.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for `Retry-After` (429 only).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("{what} not found"),
        )
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_PARAMETER", message)
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_ERROR",
            message,
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "FORBIDDEN", message)
    }

    fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "an unexpected error occurred; see the server log",
        )
    }

    fn envelope(&self) -> ErrorEnvelope {
        ErrorEnvelope {
            error: ErrorBody {
                code: self.code.to_owned(),
                message: self.message.clone(),
            },
        }
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        use StatusCode as S;
        match err {
            Error::NotFound(what) => Self::not_found(what),
            Error::InvalidParameter(m) => Self::invalid_parameter(m),
            Error::Validation(m) => Self::validation(m),
            Error::Conflict(m) => Self::new(S::CONFLICT, "CONFLICT", m),
            Error::Forbidden(m) => Self::forbidden(m),
            Error::SyncInProgress => Self::new(S::CONFLICT, "SYNC_IN_PROGRESS", err.to_string()),
            Error::Provider(m) => Self::new(S::BAD_GATEWAY, "PROVIDER_ERROR", m),
            Error::Token("INVALID_TOKEN", m) => Self::new(S::UNAUTHORIZED, "INVALID_TOKEN", m),
            Error::Token(code, m) => Self::new(S::GONE, code, m),
            Error::BadSignature(m) => Self::new(S::UNAUTHORIZED, "INVALID_SIGNATURE", m),
            Error::DatabaseUnavailable(cause) => {
                tracing::error!(cause = %cause, "database unavailable");
                Self::new(
                    S::SERVICE_UNAVAILABLE,
                    "DATABASE_UNAVAILABLE",
                    "the database cannot be used right now; try again later",
                )
            }
            Error::Internal(cause) => {
                tracing::error!(cause = %cause, "internal error");
                Self::internal()
            }
        }
    }
}

impl ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn as_response(&self) -> Response {
        let body = self.envelope().to_json_string();
        let mut resp = Response::builder()
            .status(self.status)
            .content_type("application/json; charset=utf-8")
            .body(body);
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.as_response()
    }
}

impl ApiResponse for ApiError {
    fn meta() -> MetaResponses {
        let content = || {
            vec![MetaMediaType {
                content_type: "application/json; charset=utf-8",
                schema: <Json<ErrorEnvelope> as poem_openapi::payload::Payload>::schema_ref(),
            }]
        };
        let doc = [
            (
                400,
                "INVALID_PARAMETER or INVALID_CURSOR: a query or path parameter is bad",
            ),
            (401, "MISSING_API_KEY, INVALID_API_KEY or REVOKED_API_KEY"),
            (403, "FORBIDDEN: the key's scope is too low"),
            (404, "NOT_FOUND"),
            (409, "CONFLICT or SYNC_IN_PROGRESS"),
            (
                422,
                "VALIDATION_ERROR: the body is invalid; the message names the field",
            ),
            (429, "RATE_LIMITED: see Retry-After"),
            (500, "INTERNAL_ERROR"),
            (503, "DATABASE_UNAVAILABLE"),
        ];
        MetaResponses {
            responses: doc
                .into_iter()
                .map(|(status, description)| MetaResponse {
                    description,
                    status: Some(status),
                    status_range: None,
                    content: content(),
                    headers: vec![],
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        <Json<ErrorEnvelope> as poem_openapi::payload::Payload>::register(registry);
    }
}

/// Turns any error that escaped a handler (or never reached one) into the envelope.
pub fn from_poem(err: &poem::Error) -> ApiError {
    use StatusCode as S;
    if let Some(e) = err.downcast_ref::<ApiError>() {
        return e.clone();
    }
    if err.is::<AuthorizationError>() {
        return ApiError::new(
            S::UNAUTHORIZED,
            "MISSING_API_KEY",
            "send your API key in the X-API-Key header",
        );
    }
    if let Some(e) = err.downcast_ref::<ParseParamError>() {
        return ApiError::invalid_parameter(format!("parameter `{}`: {}", e.name, e.reason));
    }
    if err.is::<ParsePathError>() || err.is::<NotFoundError>() {
        return ApiError::new(S::NOT_FOUND, "NOT_FOUND", "no such resource or route");
    }
    if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        return ApiError::validation(format!("invalid request body: {}", e.reason));
    }
    if let Some(e) = err.downcast_ref::<ParseMultipartError>() {
        return ApiError::validation(format!("invalid multipart body: {}", e.reason));
    }
    if let Some(e) = err.downcast_ref::<ContentTypeError>() {
        return ApiError::new(
            S::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            e.to_string(),
        );
    }
    if err.is::<MethodNotAllowedError>() {
        return ApiError::new(
            S::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "this path does not support that method",
        );
    }
    by_status(err)
}

fn by_status(err: &poem::Error) -> ApiError {
    use StatusCode as S;
    match err.status() {
        S::PAYLOAD_TOO_LARGE => too_large(),
        S::NOT_FOUND => ApiError::new(S::NOT_FOUND, "NOT_FOUND", "no such resource or route"),
        S::METHOD_NOT_ALLOWED => ApiError::new(
            S::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "this path does not support that method",
        ),
        S::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
            S::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "unsupported content type",
        ),
        s if s.is_client_error() => {
            if err.is::<ReadBodyError>() {
                return ApiError::validation("the request body could not be read");
            }
            ApiError::invalid_parameter(err.to_string())
        }
        _ => {
            tracing::error!(error = %err, "unhandled error");
            ApiError::internal()
        }
    }
}

/// 413 for a body over the limit.
pub fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
        "request body too large",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_domain_error_has_its_status_and_code() {
        let cases: Vec<(Error, u16, &str)> = vec![
            (Error::NotFound("user"), 404, "NOT_FOUND"),
            (
                Error::InvalidParameter("x".into()),
                400,
                "INVALID_PARAMETER",
            ),
            (Error::Validation("x".into()), 422, "VALIDATION_ERROR"),
            (Error::Conflict("x".into()), 409, "CONFLICT"),
            (Error::Forbidden("x".into()), 403, "FORBIDDEN"),
            (Error::SyncInProgress, 409, "SYNC_IN_PROGRESS"),
            (Error::Provider("x".into()), 502, "PROVIDER_ERROR"),
            (
                Error::Token("INVALID_TOKEN", "x".into()),
                401,
                "INVALID_TOKEN",
            ),
            (Error::Token("EXPIRED", "x".into()), 410, "EXPIRED"),
            (Error::Token("CONSUMED", "x".into()), 410, "CONSUMED"),
            (Error::Token("GONE", "x".into()), 410, "GONE"),
            (Error::unavailable("disk full"), 503, "DATABASE_UNAVAILABLE"),
            (Error::internal("SELECT secret"), 500, "INTERNAL_ERROR"),
        ];
        for (err, status, code) in cases {
            let api = ApiError::from(err);
            assert_eq!((api.status.as_u16(), api.code), (status, code));
        }
    }

    #[test]
    fn internal_causes_never_reach_the_message() {
        let api = ApiError::from(Error::internal("no such table: /var/secret.db"));
        assert!(!api.message.contains("secret"));
        let api = ApiError::from(Error::unavailable("/data/breadbox.db: disk I/O error"));
        assert!(!api.message.contains("breadbox.db"));
    }

    #[test]
    fn framework_errors_map_to_the_envelope() {
        let e: poem::Error = NotFoundError.into();
        assert_eq!(from_poem(&e).code, "NOT_FOUND");
        let e: poem::Error = MethodNotAllowedError.into();
        assert_eq!(from_poem(&e).code, "METHOD_NOT_ALLOWED");
        let e: poem::Error = AuthorizationError.into();
        assert_eq!(from_poem(&e).code, "MISSING_API_KEY");
        let e: poem::Error = ParseRequestPayloadError {
            reason: "field `name` missing".into(),
        }
        .into();
        let api = from_poem(&e);
        assert_eq!((api.status.as_u16(), api.code), (422, "VALIDATION_ERROR"));
        assert!(api.message.contains("name"));
    }
}
