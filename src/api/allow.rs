//! `405 Method Not Allowed` answers carry `Allow` (RFC 9110 §15.5.6): the methods the path
//! does answer, read from the OpenAPI document (so they cannot drift from the routes) plus
//! the few routes that live outside it.

use poem::http::{HeaderValue, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response};

use super::docs::Docs;

/// Routes served outside the OpenAPI document, with their methods.
const OUTSIDE_THE_SPEC: [(&str, &str); 6] = [
    ("/metrics", "GET"),
    ("/docs", "GET"),
    ("/openapi.json", "GET"),
    ("/link/return", "GET"),
    ("/link/{token}", "GET"),
    ("/mcp", "GET, POST, DELETE"),
];

/// The keys of an OpenAPI path item that are operations (`parameters`, `summary`… are not).
const OPERATIONS: [&str; 8] = [
    "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE",
];

/// Path templates and the methods each answers.
#[derive(Debug, Clone, Default)]
pub struct AllowedMethods {
    routes: Vec<(Vec<String>, String)>,
}

impl AllowedMethods {
    /// From the `paths` of an OpenAPI document (JSON).
    pub fn from_spec(spec_json: &str) -> Self {
        let spec: serde_json::Value = serde_json::from_str(spec_json).unwrap_or_default();
        let mut routes: Vec<(Vec<String>, String)> = spec["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(path, item)| {
                let methods: Vec<String> = item
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(m, _)| m.to_ascii_uppercase())
                    .filter(|m| OPERATIONS.contains(&m.as_str()))
                    .collect();
                (segments(path), methods.join(", "))
            })
            .collect();
        routes.extend(
            OUTSIDE_THE_SPEC
                .iter()
                .map(|(p, m)| (segments(p), (*m).to_owned())),
        );
        Self { routes }
    }

    /// The `Allow` value for a request path, when a route matches it.
    pub fn for_path(&self, path: &str) -> Option<&str> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        self.routes
            .iter()
            .find(|(template, _)| {
                template.len() == parts.len()
                    && template
                        .iter()
                        .zip(&parts)
                        .all(|(t, p)| t.starts_with('{') || t == p)
            })
            .map(|(_, methods)| methods.as_str())
    }
}

fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Adds `Allow` to a 405 answer (the route table is built on the first one).
pub async fn allow_header<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let docs = req.data::<Docs>().cloned();
    let path = req.uri().path().to_owned();
    let mut resp = next.call(req).await.map(IntoResponse::into_response)?;
    if resp.status() != StatusCode::METHOD_NOT_ALLOWED {
        return Ok(resp);
    }
    if let Some(docs) = docs {
        let allowed = docs.allowed().await?;
        if let Some(allow) = allowed
            .for_path(&path)
            .and_then(|m| HeaderValue::from_str(m).ok())
        {
            resp.headers_mut().insert("allow", allow);
        }
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_concrete_paths() {
        let spec = r#"{"paths":{"/api/v1/users":{"get":{},"post":{}},
            "/api/v1/users/{id}":{"get":{},"patch":{},"delete":{},"parameters":[]}}}"#;
        let allowed = AllowedMethods::from_spec(spec);
        assert_eq!(allowed.for_path("/api/v1/users"), Some("GET, POST"));
        assert_eq!(
            allowed.for_path("/api/v1/users/abc"),
            Some("DELETE, GET, PATCH")
        );
        assert_eq!(allowed.for_path("/metrics"), Some("GET"));
        assert_eq!(allowed.for_path("/api/v1/nothing"), None);
    }
}
