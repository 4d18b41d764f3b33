//! Operation rules: the statuses middleware and extractors add, one example per error
//! status, closed multipart forms, and what the query parsers accept.

use serde_json::{Map, Value, json};

/// Operations that call a provider (and so may answer 502 `PROVIDER_ERROR`).
const PROVIDER_CALLS: &[&str] = &["connections.create", "link_page.finish", "link_page.start"];

pub fn finish_operation(path: &str, method: &str, op: &mut Value) {
    let id = op["operationId"].as_str().unwrap_or_default().to_owned();
    let link_page = path.starts_with("/_link/");
    let has_body = op.get("requestBody").is_some();
    for param in op
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if param["in"] != "query" {
            continue;
        }
        let name = param["name"].as_str().unwrap_or_default().to_owned();
        let schema = &mut param["schema"];
        if schema["type"] == "string" {
            query_constraint(&name, schema);
        } else {
            // An enum, number or boolean: the empty value (absent) is allowed beside it.
            let typed = schema.take();
            *schema = json!({"anyOf": [typed, {"type": "string", "maxLength": 0}]});
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
        extra.extend([408, 413]);
    }
    // `envelope_errors` refuses URIs over 8 KiB on every route.
    extra.push(414);
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
        408 => "REQUEST_TIMEOUT: the body did not arrive within the body timeout",
        413 => "PAYLOAD_TOO_LARGE: the body is over this route's limit",
        414 => "URI_TOO_LONG: path and query over 8 KiB",
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
        408 => ("REQUEST_TIMEOUT", "the request body did not arrive in time"),
        413 => ("PAYLOAD_TOO_LARGE", "request body too large"),
        414 => ("URI_TOO_LONG", "the request URI is longer than 8192 bytes"),
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
