//! The hosted-link page a person opens (`GET /link/{token}`): server-rendered HTML with a
//! little inline JS (CSP nonce), no external assets, no-store. Its JSON calls are in `api`.

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
    let (status, body) = match crate::service::link::peek(&state, &token).await {
        Ok(_) => (StatusCode::OK, render_app(&nonce)),
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
    with_headers(Html(body).with_status(status).into_response(), &nonce)
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
fn with_headers(mut resp: Response, nonce: &str) -> Response {
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; \
         img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
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
