//! Component-schema rules: formats by field name, the limits the services enforce, the
//! registry's provider names.

use serde_json::{Map, Value, json};

/// Response properties that always hold a UUID (requests also accept a short_id).
const UUID_FIELDS: &[&str] = &[
    "id",
    "user_id",
    "connection_id",
    "account_id",
    "sync_log_id",
];

/// Unicode White_Space, the characters Rust's `str::trim` removes (a regex's `\\s` differs
/// by engine).
const WS: &str =
    "\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

/// Field limits the services enforce (`service::users::valid_name`, `service::api_keys`,
/// `service::link`, `link::urls::check_redirect`), as schema keywords.
pub fn add_limits(schemas: &mut Map<String, Value>) {
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
pub fn add_provider_names(schemas: &mut Map<String, Value>) {
    let config = crate::config::Config::new(".");
    let infos: Vec<_> = crate::providers::SOURCES
        .iter()
        .map(|register| register(&config).info)
        .collect();
    let names: Vec<Value> = infos.iter().map(|i| Value::from(i.name)).collect();
    // A link session names a provider the page offers, or none (`""`: the person picks).
    let on_page: Vec<Value> = std::iter::once(Value::from(""))
        .chain(
            infos
                .iter()
                .filter(|i| i.on_page)
                .map(|i| Value::from(i.name)),
        )
        .collect();
    for (schema, field, allowed) in [
        ("CreateConnectionRequest", "provider", &names),
        ("ConnectionResponse", "provider", &names),
        ("ConnectionStatusResponse", "provider", &names),
        ("ProviderResponse", "name", &names),
        ("CreateLinkRequest", "provider", &on_page),
    ] {
        if let Some(prop) = schemas
            .get_mut(schema)
            .and_then(|s| s.pointer_mut(&format!("/properties/{field}")))
        {
            prop["enum"] = Value::Array(allowed.clone());
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

pub fn add_formats(schema: &mut Value, request: bool) {
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
