//! Hosted-link sessions for agents (docs/api.md, Hosted-link sessions): mint, poll, relink.

use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::auth::ApiKeyAuth;
use super::error::ApiError;
use super::json::{JsonBody, OptionalJsonBody};
use super::{Tag, parse_id};
use crate::domain::{AttemptStatus, LinkAction, LinkSessionStatus};
use crate::link::urls::with_link_id;
use crate::service::link::{self as svc, Minted, NewLink, SessionView};
use crate::state::AppState;
use crate::time::rfc3339;

/// One attempt to connect a bank within a session.
#[derive(Debug, Object)]
pub struct AttemptResponse {
    pub number: u32,
    pub status: AttemptStatus,
    pub provider: String,
    #[oai(nullable)]
    pub error_code: Option<String>,
    #[oai(nullable)]
    pub error_message: Option<String>,
    /// UUIDs of connections this attempt added.
    pub connection_ids: Vec<String>,
    pub started_at: String,
    #[oai(nullable)]
    pub finished_at: Option<String>,
}

/// A hosted-link session as agents see it (never the token).
#[derive(Debug, Object)]
pub struct LinkSessionResponse {
    pub id: String,
    pub short_id: String,
    pub user_id: String,
    /// `""` means the page shows a provider picker.
    pub provider: String,
    pub action: LinkAction,
    /// The connection being re-authenticated (relink only).
    #[oai(skip_serializing_if_is_none)]
    #[oai(nullable)]
    pub connection_id: Option<String>,
    pub single_use: bool,
    /// With `linkId=<session id>` appended; `""` when unset.
    pub redirect_url: String,
    pub label: String,
    pub status: LinkSessionStatus,
    /// Present only when `status` is `failed`.
    #[oai(skip_serializing_if_is_none)]
    #[oai(nullable)]
    pub error_code: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    #[oai(nullable)]
    pub error_message: Option<String>,
    /// UUIDs of connections added; `[]` until one exists.
    pub result_connection_ids: Vec<String>,
    pub attempts: Vec<AttemptResponse>,
    pub expires_at: String,
    #[oai(nullable)]
    pub started_at: Option<String>,
    #[oai(nullable)]
    pub completed_at: Option<String>,
    pub created_at: String,
}

impl From<SessionView> for LinkSessionResponse {
    fn from(v: SessionView) -> Self {
        let r = v.row;
        let id = r.id.to_string();
        let attempts = v
            .attempts
            .into_iter()
            .map(|a| AttemptResponse {
                connection_ids: v
                    .results
                    .iter()
                    .filter(|(_, n)| *n == a.number)
                    .map(|(c, _)| c.to_string())
                    .collect(),
                number: a.number,
                status: a.status,
                provider: a.provider,
                error_code: a.error_code,
                error_message: a.error_message,
                started_at: rfc3339(a.started_at),
                finished_at: a.finished_at.map(rfc3339),
            })
            .collect();
        Self {
            redirect_url: with_link_id(&r.redirect_url, &id),
            id,
            short_id: r.short_id,
            user_id: r.user_id.to_string(),
            provider: r.provider,
            action: r.action,
            connection_id: r.connection_id.map(|c| c.to_string()),
            single_use: r.single_use,
            label: r.label,
            status: r.status,
            error_code: r.error_code,
            error_message: r.error_message,
            result_connection_ids: v.results.iter().map(|(c, _)| c.to_string()).collect(),
            attempts,
            expires_at: rfc3339(r.expires_at),
            started_at: r.started_at.map(rfc3339),
            completed_at: r.completed_at.map(rfc3339),
            created_at: rfc3339(r.created_at),
        }
    }
}

/// A freshly minted session: the object plus `token` and `url`, shown once.
#[derive(Debug, Object)]
pub struct CreatedLinkSessionResponse {
    #[oai(flatten)]
    pub session: LinkSessionResponse,
    /// The claim code (≥ 128 random bits). Only its SHA-256 is stored.
    pub token: String,
    /// Hand this to the person: `<public base URL>/link/<token>`.
    pub url: String,
}

/// `POST /api/v1/connections/link` body.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CreateLinkRequest {
    /// UUID or short_id of an existing user.
    pub user_id: String,
    /// `""`/absent: the page shows a picker; else a configured provider name.
    #[oai(nullable)]
    pub provider: Option<String>,
    /// Default true: the session ends on its first success.
    #[oai(nullable)]
    pub single_use: Option<bool>,
    /// Absolute `https://`, `http://` or custom-scheme URL to send the browser to afterwards.
    #[oai(nullable)]
    pub redirect_url: Option<String>,
    /// At most 200 characters, shown on the page.
    #[oai(nullable)]
    pub label: Option<String>,
    /// 60–86400, default 14400 (4 hours).
    #[oai(nullable)]
    pub expires_in_seconds: Option<i64>,
}

/// `POST /api/v1/connections/{id}/relink` body.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct RelinkRequest {
    #[oai(nullable)]
    pub redirect_url: Option<String>,
    #[oai(nullable)]
    pub label: Option<String>,
    #[oai(nullable)]
    pub expires_in_seconds: Option<i64>,
}

#[derive(ApiResponse)]
pub enum CreatedLink {
    /// The session, with its one-time `token` and `url`.
    #[oai(status = 201)]
    Created(Json<CreatedLinkSessionResponse>),
}

pub struct LinkApi;

#[OpenApi(tag = "Tag::LinkSessions")]
impl LinkApi {
    /// Create a hosted-link session
    ///
    /// Returns a `url` to hand to a person, who opens it in a browser and connects a bank;
    /// poll `GET /api/v1/connections/link/{id}` until the status is final. Scope: full_access.
    #[oai(
        path = "/api/v1/connections/link",
        method = "post",
        operation_id = "link_sessions.create"
    )]
    async fn create(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: ApiKeyAuth,
        body: JsonBody<CreateLinkRequest>,
    ) -> Result<CreatedLink, ApiError> {
        auth.require_full_access()?;
        let b = body.0;
        let new = NewLink {
            user: parse_id(&b.user_id, "user")?,
            provider: b.provider.unwrap_or_default(),
            single_use: b.single_use.unwrap_or(true),
            redirect_url: b.redirect_url,
            label: b.label,
            expires_in_seconds: b.expires_in_seconds.unwrap_or(svc::DEFAULT_EXPIRY),
        };
        let minted = svc::create(&state, new).await?;
        Ok(created(&state, req, minted))
    }

    /// Poll a hosted-link session
    ///
    /// `id` is the UUID or short_id. Expiry is reported as soon as `expires_at` passes.
    /// Scope: any key.
    #[oai(
        path = "/api/v1/connections/link/:id",
        method = "get",
        operation_id = "link_sessions.get"
    )]
    async fn get(
        &self,
        state: Data<&AppState>,
        _auth: ApiKeyAuth,
        id: Path<String>,
    ) -> Result<Json<LinkSessionResponse>, ApiError> {
        let id = parse_id(&id, "link session")?;
        Ok(Json(svc::view(&state, id).await?.into()))
    }

    /// Re-authenticate a connection through a hosted-link session
    ///
    /// A single-use session pinned to the connection's provider and user. Success sets the
    /// connection back to `active`. A disconnected connection is 409 `CONFLICT`. Scope: full_access.
    #[oai(
        path = "/api/v1/connections/:id/relink",
        method = "post",
        operation_id = "link_sessions.relink"
    )]
    async fn relink(
        &self,
        state: Data<&AppState>,
        req: &Request,
        auth: ApiKeyAuth,
        id: Path<String>,
        body: OptionalJsonBody<RelinkRequest>,
    ) -> Result<CreatedLink, ApiError> {
        auth.require_full_access()?;
        let id = parse_id(&id, "connection")?;
        let b = body.0.unwrap_or(RelinkRequest {
            redirect_url: None,
            label: None,
            expires_in_seconds: None,
        });
        let expires = b.expires_in_seconds.unwrap_or(svc::DEFAULT_EXPIRY);
        let minted = svc::relink(
            &state,
            id,
            b.redirect_url.as_deref(),
            b.label.as_deref(),
            expires,
        )
        .await?;
        Ok(created(&state, req, minted))
    }
}

fn created(state: &AppState, req: &Request, minted: Minted) -> CreatedLink {
    CreatedLink::Created(Json(created_body(&public_base(state, req), minted)))
}

/// The body of a freshly minted session, its `url` under `base`.
pub fn created_body(base: &str, minted: Minted) -> CreatedLinkSessionResponse {
    CreatedLinkSessionResponse {
        url: format!("{base}/link/{}", minted.token),
        session: minted.view.into(),
        token: minted.token,
    }
}

/// The configured public base URL, else the one the request came in on.
pub fn public_base(state: &AppState, req: &Request) -> String {
    public_base_from(state, req.headers())
}

/// [`public_base`] from the request's headers alone (the MCP tools have no poem request).
pub fn public_base_from(state: &AppState, headers: &poem::http::HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.clone();
    }
    // Forwarded headers are anyone's to send: trusted only behind a proxy the operator
    // names (`--trust-forwarded-headers`), and any host must look like host[:port].
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let trusted = state.config.trust_forwarded_headers;
    let host = trusted
        .then(|| header("x-forwarded-host"))
        .flatten()
        .or_else(|| header("host"))
        .filter(|h| is_host_and_port(h))
        .map_or_else(|| state.config.listen.to_string(), str::to_owned);
    let scheme = match trusted.then(|| header("x-forwarded-proto")).flatten() {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// `example.com`, `pi.local:8080`, `192.168.1.5:8080`, `[::1]:8080`; nothing with a path,
/// query, user info or spaces.
fn is_host_and_port(h: &str) -> bool {
    let (host, port) = match h.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && !port.contains(']') => (host, Some(port)),
        _ => (h, None),
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = if let Some(inner) = host.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        inner.parse::<std::net::Ipv6Addr>().is_ok()
    } else {
        !host.is_empty()
            && host.len() <= 253
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    };
    port_ok && host_ok
}

#[cfg(test)]
mod tests {
    use super::is_host_and_port;

    #[test]
    fn only_host_and_port_pass_as_a_host() {
        for good in [
            "example.com",
            "pi.local:8080",
            "192.168.1.5:8080",
            "[::1]:8080",
            "localhost",
        ] {
            assert!(is_host_and_port(good), "{good}");
        }
        for bad in [
            "evil.example/x?",
            "a b",
            "user@host",
            "host:",
            "host:99999x",
            "",
            "[zz]:1",
        ] {
            assert!(!is_host_and_port(bad), "{bad}");
        }
    }
}
