//! Per-provider credential objects for `POST /api/v1/connections` and the link page's
//! `POST /_link/{token}/connections`: what each provider reads from `credentials`.

use serde_json::{Map, Value, json};

pub fn add(schemas: &mut Map<String, Value>) {
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
    if let Some(create) = schemas.get_mut("CreateConnectionRequest") {
        create["example"] = json!({
            "provider": "demo",
            "user_id": "01936a1e-7c4a-7d2e-9b1f-3a5c7e9d2b4f",
            "credentials": {"username": "demo_good"}
        });
    }
    if let Some(finish) = schemas.get_mut("FinishRequest") {
        finish["example"] = json!({"provider": "demo", "credentials": {"username": "demo_good"}});
    }
}
