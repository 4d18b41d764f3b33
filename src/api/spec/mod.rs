//! The served OpenAPI document: poem-openapi's, finished with what its derives cannot say.
//! Every rule here states something the server enforces elsewhere, so that a client (or a
//! fuzzer reading the document) sees the truth:
//!
//! - statuses the middleware and extractors add: 408 and 413 on every body-carrying method
//!   (`body_limit::limit_body`), 414 everywhere (`middleware::envelope_errors`), 415 on
//!   every operation with a request body, 429 under `/api/` (`rate_limit`), 410 and 401 `INVALID_TOKEN` on the link page's calls (a used or
//!   expired token), 502 where the operation calls a provider;
//! - one example per error status, with that status's own code;
//! - `additionalProperties: false` on JSON request bodies (`json::JsonBody` refuses unknown
//!   fields with 422);
//! - formats by field name: RFC 3339 timestamps (`*_at`, `datetime`), `YYYY-MM-DD` dates
//!   (`date`, `*_date`), and UUIDs for the ids a response carries;
//! - the limits the services check (names, emails, labels, expiry, redirect URLs), the
//!   registry's provider names, and patterns for what the query parsers accept (an empty
//!   query value is absent, so each admits it);
//! - the provider credentials of `POST /api/v1/connections` and the link page: one object
//!   schema per provider.

use serde_json::{Map, Value};

use super::Service;

mod credentials;
mod operations;
mod schemas;

/// Request-body schemas (their ids may be short_ids, so they get no `uuid` format).
fn is_request_schema(name: &str) -> bool {
    name.ends_with("Request") || name == "CsvImportJson"
}

/// The finished document as JSON text.
#[must_use]
pub fn document(service: &Service) -> String {
    finished(&service.spec())
}

/// The finished document for poem-openapi's generated one (JSON text).
#[must_use]
pub fn finished(generated: &str) -> String {
    let mut doc: Value = serde_json::from_str(generated).expect("poem-openapi emits JSON");
    finish(&mut doc);
    serde_json::to_string_pretty(&doc).expect("a JSON value serialises")
}

/// Applies every rule of this module to a generated document.
pub fn finish(doc: &mut Value) {
    let request_bodies = request_body_schemas(doc);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            schemas::add_formats(schema, is_request_schema(name));
            if request_bodies.contains(name) {
                schema["additionalProperties"] = Value::Bool(false);
            }
        }
        credentials::add(schemas);
        schemas::add_limits(schemas);
        schemas::add_provider_names(schemas);
        if let Some(body) = schemas.get_mut("ErrorBody") {
            body.as_object_mut().map(|o| o.remove("example"));
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            operations::finish_operation(path, method, op);
        }
    }
}

/// Names of the component schemas used as JSON request bodies.
fn request_body_schemas(doc: &Value) -> Vec<String> {
    let mut names = Vec::new();
    for item in doc["paths"].as_object().into_iter().flat_map(Map::values) {
        for op in item.as_object().into_iter().flat_map(Map::values) {
            let content = op
                .pointer("/requestBody/content")
                .and_then(Value::as_object);
            for (ct, media) in content.into_iter().flatten() {
                if !ct.starts_with("application/json") {
                    continue;
                }
                if let Some(name) = media["schema"]["$ref"]
                    .as_str()
                    .and_then(|r| r.rsplit('/').next())
                {
                    names.push(name.to_owned());
                }
            }
        }
    }
    names
}
