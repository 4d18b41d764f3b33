//! The hosted-link page a person opens (`GET /link/{token}`): server-rendered HTML with a
//! little inline JS (CSP nonce), no-store, and no third-party origin but the scripts of the
//! providers the session may use. Its JSON calls are in `endpoints`.

pub mod endpoints;

use poem::http::StatusCode;
use poem::web::{Data, Html, Path};
use poem::{IntoResponse, Response, handler};

use crate::error::Error;
use crate::state::AppState;

const PAGE: &str = include_str!("page.html");
const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// `GET /link/{token}`.
#[handler]
pub async fn page(state: Data<&AppState>, Path(token): Path<String>) -> Response {
    let nonce = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        crate::ids::random_bytes::<16>(),
    );
    let mut origins = vec![];
    let (status, body) = match crate::service::link::peek(&state, &token).await {
        Ok(view) => {
            origins = script_origins(&state, &view.row.provider);
            (StatusCode::OK, render_app(&nonce))
        }
        Err(Error::Token(code, _)) => notice(code, &nonce),
        Err(e) => {
            tracing::error!(error = %e, "link page failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                render_notice(
                    &nonce,
                    "Something went wrong",
                    "Please try again in a moment.",
                ),
            )
        }
    };
    with_headers(
        Html(body).with_status(status).into_response(),
        &nonce,
        &origins,
    )
}

/// `GET /link/return`: where a bank using OAuth sends the browser back in the middle of a
/// provider's flow (register it as the provider's redirect URI). The page finds its session
/// in the browser's storage, put there before the provider's window opened, and resumes.
#[handler]
pub async fn resume(state: Data<&AppState>) -> Response {
    let nonce = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        crate::ids::random_bytes::<16>(),
    );
    let origins = script_origins(&state, "");
    with_headers(Html(render_app(&nonce)).into_response(), &nonce, &origins)
}

/// Origins of the provider scripts the page may load: the pinned provider's, or every
/// on-page provider's when the person picks.
fn script_origins(state: &AppState, provider: &str) -> Vec<String> {
    let mut origins: Vec<String> = state
        .providers
        .page_scripts(provider)
        .iter()
        .filter_map(|u| url::Url::parse(u).ok())
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null")
        .collect();
    origins.sort();
    origins.dedup();
    origins
}

fn notice(code: &str, nonce: &str) -> (StatusCode, String) {
    let (status, title, text) = match code {
        "EXPIRED" => (
            StatusCode::GONE,
            "This link has expired",
            "Ask whoever sent it to you for a new link.",
        ),
        "CONSUMED" => (
            StatusCode::GONE,
            "This link has already been used",
            "Your bank is connected. You can close this page.",
        ),
        "GONE" => (
            StatusCode::GONE,
            "This link can no longer be used",
            "Ask whoever sent it to you for a new link.",
        ),
        _ => (
            StatusCode::UNAUTHORIZED,
            "This link is not valid",
            "Check that you copied the whole link, or ask for a new one.",
        ),
    };
    (status, render_notice(nonce, title, text))
}

fn render_app(nonce: &str) -> String {
    PAGE.replace("{{STYLE}}", STYLE)
        .replace("{{SCRIPT}}", SCRIPT)
        .replace("{{NOTICE_HIDDEN}}", "hidden")
        .replace("{{APP_HIDDEN}}", "")
        .replace("{{NOTICE_TITLE}}", "")
        .replace("{{NOTICE_TEXT}}", "")
        .replace("{{NONCE}}", nonce)
}

fn render_notice(nonce: &str, title: &str, text: &str) -> String {
    PAGE.replace("{{STYLE}}", STYLE)
        .replace("{{SCRIPT}}", "")
        .replace("{{NOTICE_HIDDEN}}", "")
        .replace("{{APP_HIDDEN}}", "hidden")
        .replace("{{NOTICE_TITLE}}", title)
        .replace("{{NOTICE_TEXT}}", text)
        .replace("{{NONCE}}", nonce)
}

/// no-store (the URL is a secret), a strict CSP, and no referrer (it would carry the token).
fn with_headers(mut resp: Response, nonce: &str, origins: &[String]) -> Response {
    let extra: String = origins.iter().flat_map(|o| [" ", o.as_str()]).collect();
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'{extra}; style-src 'nonce-{nonce}'; \
         connect-src 'self'{extra}; frame-src{frames}; img-src 'self' data:; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'",
        frames = if extra.is_empty() { " 'none'" } else { &extra }
    );
    let h = resp.headers_mut();
    for (name, value) in [
        ("cache-control", "no-store"),
        ("referrer-policy", "no-referrer"),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
    ] {
        h.insert(name, poem::http::HeaderValue::from_static(value));
    }
    if let Ok(v) = poem::http::HeaderValue::from_str(&csp) {
        h.insert("content-security-policy", v);
    }
    resp
}
