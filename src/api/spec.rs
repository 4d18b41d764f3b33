//! The served OpenAPI document: poem-openapi's, finished with what its derives cannot say.
//! Every rule here states something the server enforces elsewhere, so that a client (or a
//! fuzzer reading the document) sees the truth:
//!
//! - statuses the middleware and extractors add: 413 on every body-carrying method
//!   (`middleware::limit_body`), 415 on every operation with a request body, 429 under
//!   `/api/` (`rate_limit`), 410 and 401 `INVALID_TOKEN` on the link page's calls (a used or
//!   expired token), 502 where the operation calls a provider;
//! - one example per error status, with that status's own code;
//! - `additionalProperties: false` on JSON request bodies (`json::JsonBody` refuses unknown
//!   fields with 422);
//! - formats by field name: RFC 3339 timestamps (`*_at`, `datetime`), `YYYY-MM-DD` dates
//!   (`date`, `*_date`), and UUIDs for the ids a response carries;
//! - the provider credentials of `POST /api/v1/connections` and the link page: one object
//!   schema per provider.

use serde_json::{Map, Value, json};

use super::Service;

/// Operations that call a provider (and so may answer 502 `PROVIDER_ERROR`).
const PROVIDER_CALLS: &[&str] = &["connections.create", "link_page.finish", "link_page.start"];

/// Response properties that always hold a UUID (requests also accept a short_id).
const UUID_FIELDS: &[&str] = &[
    "id",
    "user_id",
    "connection_id",
    "account_id",
    "sync_log_id",
];

/// Schemas that are response bodies (every one but the request bodies).
fn is_request_schema(name: &str) -> bool {
    name.ends_with("Request") || name == "CsvImportJson"
}

/// The finished document as JSON text.
#[must_use]
pub fn document(service: &Service) -> String {
    let mut doc: Value = serde_json::from_str(&service.spec()).expect("poem-openapi emits JSON");
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
            add_formats(schema, is_request_schema(name));
            if request_bodies.contains(name) {
                schema["additionalProperties"] = Value::Bool(false);
            }
        }
        credentials::add(schemas);
        add_limits(schemas);
        add_provider_names(schemas);
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
            finish_operation(path, method, op);
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

/// Unicode White_Space, the characters Rust's `str::trim` removes (a regex's `\\s` differs
/// by engine).
const WS: &str =
    "\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

/// Field limits the services enforce (`service::users::valid_name`, `service::api_keys`,
/// `service::link`, `link::urls::check_redirect`), as schema keywords.
fn add_limits(schemas: &mut Map<String, Value>) {
    let non_blank = format!("[^{WS}]");
    let name = json!({"minLength": 1, "maxLength": 200, "pattern": non_blank});
    // `local@domain` with a dot inside the domain, no inner white space, padding trimmed.
    let email = json!({"maxLength": 254, "pattern": format!(
        "^[{WS}]*[^@{WS}]+@[^.{WS}][^{WS}]*\\.[^{WS}]*[^.{WS}][{WS}]*$"
    )});
    let limits = [
        ("CreateUserRequest", "name", name.clone()),
        ("UpdateUserRequest", "name", name.clone()),
        ("CreateApiKeyRequest", "name", name),
        ("CreateUserRequest", "email", email.clone()),
        ("UpdateUserRequest", "email", email),
        ("CreateLinkRequest", "label", json!({"maxLength": 200})),
        ("RelinkRequest", "label", json!({"maxLength": 200})),
        (
            "CreateLinkRequest",
            "expires_in_seconds",
            json!({"minimum": 60, "maximum": 86_400}),
        ),
        (
            "RelinkRequest",
            "expires_in_seconds",
            json!({"minimum": 60, "maximum": 86_400}),
        ),
        ("CreateLinkRequest", "redirect_url", redirect_url()),
        ("RelinkRequest", "redirect_url", redirect_url()),
    ];
    for (schema, field, keywords) in limits {
        let Some(prop) = schemas
            .get_mut(schema)
            .and_then(|s| s.pointer_mut(&format!("/properties/{field}")))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        for (k, v) in keywords.as_object().into_iter().flatten() {
            prop.insert(k.clone(), v.clone());
        }
    }
}

/// Provider names are the registry's (`providers::SOURCES`).
fn add_provider_names(schemas: &mut Map<String, Value>) {
    let config = crate::config::Config::new(".");
    let names: Vec<Value> = crate::providers::SOURCES
        .iter()
        .map(|register| Value::from(register(&config).info.name))
        .collect();
    for (schema, field) in [
        ("CreateConnectionRequest", "provider"),
        ("ConnectionResponse", "provider"),
        ("ConnectionStatusResponse", "provider"),
        ("ProviderResponse", "name"),
    ] {
        if let Some(prop) = schemas
            .get_mut(schema)
            .and_then(|s| s.pointer_mut(&format!("/properties/{field}")))
        {
            prop["enum"] = Value::Array(names.clone());
        }
    }
}

/// An absolute URL of at most 2048 characters, not a scheme that runs code or reads files;
/// empty means none.
fn redirect_url() -> Value {
    json!({
        "maxLength": 2048,
        "anyOf": [
            {"maxLength": 0},
            {"format": "uri", "pattern": "^(?![Jj][Aa][Vv][Aa][Ss][Cc][Rr][Ii][Pp][Tt]:|[Dd][Aa][Tt][Aa]:|[Ff][Ii][Ll][Ee]:|[Vv][Bb][Ss][Cc][Rr][Ii][Pp][Tt]:|[Aa][Bb][Oo][Uu][Tt]:|[Bb][Ll][Oo][Bb]:)"}
        ]
    })
}

fn add_formats(schema: &mut Value, request: bool) {
    let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (name, prop) in props.iter_mut() {
        if prop.get("type").and_then(Value::as_str) != Some("string")
            || prop.get("format").is_some()
        {
            continue;
        }
        let format = if name.ends_with("_at") || name == "datetime" || name == "last_balance_update"
        {
            "date-time"
        } else if name == "date" || name.ends_with("_date") {
            "date"
        } else if !request && UUID_FIELDS.contains(&name.as_str()) {
            "uuid"
        } else {
            continue;
        };
        prop["format"] = Value::from(format);
    }
}

fn finish_operation(path: &str, method: &str, op: &mut Value) {
    let id = op["operationId"].as_str().unwrap_or_default().to_owned();
    let link_page = path.starts_with("/_link/");
    let has_body = op.get("requestBody").is_some();
    for param in op
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if param["in"] == "query" && param["schema"].get("$ref").is_some() {
            // An enum; empty means absent here too.
            let named = param["schema"].take();
            param["schema"] = json!({"anyOf": [named, {"type": "string", "maxLength": 0}]});
        }
        if param["in"] == "query" && param["schema"]["type"] == "string" {
            let name = param["name"].as_str().unwrap_or_default().to_owned();
            query_constraint(&name, &mut param["schema"]);
        }
    }
    // Multipart forms are inline; their parts are as closed as JSON bodies.
    if let Some(form) = op.pointer_mut("/requestBody/content/multipart~1form-data/schema")
        && form["type"] == "object"
    {
        form["additionalProperties"] = Value::Bool(false);
    }
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    let mut extra: Vec<u16> = Vec::new();
    if matches!(method, "post" | "put" | "patch") {
        extra.push(413);
    }
    if has_body {
        extra.push(415);
    }
    if path.starts_with("/api/") {
        extra.push(429);
    }
    if link_page {
        extra.extend([401, 410]);
    }
    if PROVIDER_CALLS.contains(&id.as_str()) {
        extra.push(502);
    }
    for status in extra {
        responses
            .entry(status.to_string())
            .or_insert_with(|| error_response(status, link_page));
    }
    for (status, resp) in responses.iter_mut() {
        let Ok(status) = status.parse::<u16>() else {
            continue;
        };
        if status < 400 {
            continue;
        }
        let (code, message) = example(status, link_page);
        for media in resp
            .get_mut("content")
            .and_then(Value::as_object_mut)
            .into_iter()
            .flat_map(Map::values_mut)
        {
            if media["schema"]["$ref"] == "#/components/schemas/ErrorEnvelope" {
                media["example"] = json!({"error": {"code": code, "message": message}});
            }
        }
        if status == 429 {
            resp["headers"] = json!({"Retry-After": {
                "description": "Seconds until a request can succeed.",
                "required": true,
                "schema": {"type": "integer", "minimum": 0}
            }});
        }
    }
}

/// What the query parsers (`api::id_param`, `transactions::params`) accept, as a schema. An
/// empty value means the parameter is absent (`middleware::drop_empty_query_values`), so
/// every pattern admits it.
fn query_constraint(name: &str, schema: &mut Value) {
    let pattern = match name {
        "start_date" | "end_date" => {
            schema["anyOf"] = json!([{"format": "date"}, {"maxLength": 0}]);
            return;
        }
        "user_id" | "connection_id" | "account_id" => ID_PATTERN,
        "iso_currency_code" => "^([A-Za-z]{3})?$",
        "min_amount" | "max_amount" => AMOUNT_PATTERN,
        "search" => "^([^\\u0000]{2,200})?$",
        _ => return,
    };
    schema["pattern"] = Value::from(pattern);
}

/// A UUID or an 8-character short_id (or nothing).
const ID_PATTERN: &str = "^([0-9A-Za-z]{8}|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})?$";

/// A plain decimal: at most 12 significant integer digits and 3 decimals (more decimals only
/// as trailing zeros), or nothing.
const AMOUNT_PATTERN: &str = "^([+-]?(0*[0-9]{1,12}(\\.[0-9]{0,3}0*)?|\\.[0-9]{1,3}0*))?$";

fn error_response(status: u16, link_page: bool) -> Value {
    let description = match status {
        401 if link_page => "INVALID_TOKEN: no link session has this token",
        410 => "EXPIRED, CONSUMED or GONE: the link session can no longer be used",
        413 => "PAYLOAD_TOO_LARGE: the body is over this route's limit",
        415 => "UNSUPPORTED_MEDIA_TYPE: send the body with a listed Content-Type",
        429 => "RATE_LIMITED: see Retry-After",
        502 => "PROVIDER_ERROR: the provider failed or refused",
        _ => "error",
    };
    json!({
        "description": description,
        "content": {"application/json; charset=utf-8": {
            "schema": {"$ref": "#/components/schemas/ErrorEnvelope"}
        }}
    })
}

/// The example body for an error status: its most common code and a typical message.
fn example(status: u16, link_page: bool) -> (&'static str, &'static str) {
    match status {
        400 => ("INVALID_PARAMETER", "limit must be between 1 and 500"),
        401 if link_page => ("INVALID_TOKEN", "this link is not valid"),
        401 => (
            "MISSING_API_KEY",
            "send your API key in the X-API-Key header",
        ),
        403 => ("FORBIDDEN", "this operation needs a full_access key"),
        404 => ("NOT_FOUND", "user not found"),
        409 => ("CONFLICT", "a user with this email already exists"),
        410 => ("EXPIRED", "this link has expired"),
        413 => ("PAYLOAD_TOO_LARGE", "request body too large"),
        415 => (
            "UNSUPPORTED_MEDIA_TYPE",
            "the client request does not include the `Content-Type` header",
        ),
        422 => ("VALIDATION_ERROR", "field `name` is required"),
        429 => (
            "RATE_LIMITED",
            "too many requests; retry after the Retry-After seconds",
        ),
        500 => (
            "INTERNAL_ERROR",
            "an unexpected error occurred; see the server log",
        ),
        502 => (
            "PROVIDER_ERROR",
            "the bank is not answering; try again later",
        ),
        503 => (
            "DATABASE_UNAVAILABLE",
            "the database cannot be used right now; try again later",
        ),
        _ => ("ERROR", "see the status"),
    }
}

/// Per-provider credential objects for connection creation and the link page.
mod credentials {
    use serde_json::{Map, Value, json};

    pub(super) fn add(schemas: &mut Map<String, Value>) {
        let providers = [
            (
                "DemoCredentials",
                json!({
                    "description": "Provider `demo`: the scenario to play (`demo_good` if absent).",
                    "type": "object",
                    "properties": {"username": {
                        "type": "string",
                        "nullable": true,
                        "enum": ["demo_good", "demo_reauth", "demo_error"],
                        "description": "`demo_reauth` asks for re-authentication after the first sync; `demo_error` fails to link (502)."
                    }},
                    "example": {"username": "demo_good"}
                }),
            ),
            (
                "PlaidCredentials",
                json!({
                    "description": "Provider `plaid`: what Plaid Link's `onSuccess` returned.",
                    "type": "object",
                    "required": ["public_token"],
                    "properties": {
                        "public_token": {"type": "string", "minLength": 1},
                        "metadata": {"type": "object", "nullable": true, "description": "Link's metadata (its institution is kept)."},
                        "institution_id": {"type": "string", "nullable": true},
                        "institution_name": {"type": "string", "nullable": true}
                    },
                    "example": {"public_token": "public-sandbox-5c0b5e5e-0000-4000-8000-000000000000"}
                }),
            ),
            (
                "TellerCredentials",
                json!({
                    "description": "Provider `teller`: what Teller Connect's `onSuccess` returned.",
                    "type": "object",
                    "required": ["access_token", "enrollment_id"],
                    "properties": {
                        "access_token": {"type": "string", "minLength": 1},
                        "enrollment_id": {"type": "string", "minLength": 1},
                        "institution_name": {"type": "string", "nullable": true}
                    },
                    "example": {"access_token": "token_abc123", "enrollment_id": "enr_abc123"}
                }),
            ),
            (
                "SimplefinCredentials",
                json!({
                    "description": "Provider `simplefin`: a setup token from the SimpleFIN Bridge.",
                    "type": "object",
                    "required": ["setup_token"],
                    "properties": {"setup_token": {"type": "string", "minLength": 1}},
                    "example": {"setup_token": "aHR0cHM6Ly9icmlkZ2Uuc2ltcGxlZmluLm9yZy9jbGFpbS8xMjM="}
                }),
            ),
        ];
        let refs: Vec<Value> = providers
            .iter()
            .map(|(name, _)| json!({"$ref": format!("#/components/schemas/{name}")}))
            .collect();
        for (name, schema) in providers {
            schemas.insert(name.to_owned(), schema);
        }
        for owner in ["CreateConnectionRequest", "FinishRequest"] {
            let Some(prop) = schemas
                .get_mut(owner)
                .and_then(|s| s.pointer_mut("/properties/credentials"))
            else {
                continue;
            };
            let description = prop["description"].clone();
            *prop = json!({
                "description": description,
                "nullable": true,
                "anyOf": refs,
                "example": {"username": "demo_good"}
            });
        }
    }
}
