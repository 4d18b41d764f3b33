//! Snapshot of the generated OpenAPI document: every wire change shows up in review.
//! Regenerate with `UPDATE_SNAPSHOTS=1 cargo test openapi`.

use crate::helpers::*;
use reqwest::Method;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");

#[tokio::test]
async fn generated_spec_matches_the_snapshot() {
    let app = spawn_app().await;
    let (s, spec) = send(app.req_as(Method::GET, "/openapi.json", None)).await;
    assert_eq!(s, 200);
    let pretty = serde_json::to_string_pretty(&spec).unwrap() + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, &pretty).unwrap();
    }
    let want =
        std::fs::read_to_string(SNAPSHOT).expect("snapshot missing: run with UPDATE_SNAPSHOTS=1");
    assert!(
        want == pretty,
        "OpenAPI changed; review and run `UPDATE_SNAPSHOTS=1 cargo test openapi`"
    );
}

#[tokio::test]
async fn every_operation_has_an_id_and_a_description_of_its_scope() {
    let app = spawn_app().await;
    let (_, spec) = send(app.req_as(Method::GET, "/openapi.json", None)).await;
    let mut count = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            count += 1;
            assert!(
                op["operationId"].as_str().is_some_and(|s| s.contains('.')),
                "{method} {path}"
            );
            if path.starts_with("/api/v1/") && path != "/api/v1/version" {
                let desc = op["description"].as_str().unwrap_or_default();
                assert!(
                    desc.contains("Scope:"),
                    "{method} {path} does not document its scope"
                );
                assert!(op["security"].is_array(), "{method} {path} has no security");
            }
        }
    }
    assert!(count >= 12);
    assert_eq!(
        spec["components"]["securitySchemes"]["ApiKeyAuth"]["name"],
        "X-API-Key"
    );
}

#[tokio::test]
async fn swagger_ui_is_served() {
    let app = spawn_app().await;
    let resp = app.req_as(Method::GET, "/docs", None).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("swagger"), "{html}");
}

/// The served document, parsed.
async fn spec() -> serde_json::Value {
    let app = spawn_app().await;
    let (s, spec) = send(app.req_as(Method::GET, "/openapi.json", None)).await;
    assert_eq!(s, 200);
    spec
}

fn operations(spec: &serde_json::Value) -> Vec<(String, String, serde_json::Value)> {
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((path.clone(), method.clone(), op.clone()));
        }
    }
    ops
}

#[tokio::test]
async fn every_optional_field_may_be_null() {
    // An Option field is sent as `null` when empty; the schema must allow it.
    let spec = spec().await;
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        for (field, prop) in schema["properties"].as_object().into_iter().flatten() {
            if !required.contains(&field.as_str()) {
                assert_eq!(
                    prop["nullable"], true,
                    "{name}.{field} is optional but not nullable"
                );
            }
        }
    }
}

#[tokio::test]
async fn statuses_the_server_sends_are_listed() {
    let spec = spec().await;
    for (path, method, op) in operations(&spec) {
        let responses = op["responses"].as_object().unwrap();
        let has = |s: &str| responses.contains_key(s);
        let id = op["operationId"].as_str().unwrap();
        if op.get("requestBody").is_some() {
            assert!(has("413") && has("415"), "{method} {path}: 413/415");
        }
        if path.starts_with("/api/") {
            assert!(has("429"), "{method} {path}: 429");
            assert!(responses["429"]["headers"]["Retry-After"].is_object());
        }
        if path.starts_with("/_link/") {
            assert!(has("410") && has("401"), "{method} {path}: 410/401");
        }
        if op.get("security").is_some() {
            assert!(has("401") && has("403"), "{method} {path}: 401/403");
        }
        if ["connections.create", "link_page.finish", "link_page.start"].contains(&id) {
            assert!(has("502"), "{id}: 502");
        }
    }
}

#[tokio::test]
async fn each_error_status_has_its_own_example_code() {
    let spec = spec().await;
    let mut codes = std::collections::BTreeMap::new();
    for (path, method, op) in operations(&spec) {
        for (status, resp) in op["responses"].as_object().unwrap() {
            if status.as_str() < "400" {
                continue;
            }
            let media = &resp["content"]["application/json; charset=utf-8"];
            if media["schema"]["$ref"] != "#/components/schemas/ErrorEnvelope" {
                continue; // /health/ready's 503 is its own report
            }
            let code = media["example"]["error"]["code"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} {status}: no example"));
            codes.insert(status.clone(), code.to_owned());
            if status != "404" {
                assert_ne!(code, "NOT_FOUND", "{method} {path} {status}");
            }
        }
    }
    assert_eq!(codes["415"], "UNSUPPORTED_MEDIA_TYPE");
    assert_eq!(codes["429"], "RATE_LIMITED");
    assert_eq!(codes["503"], "DATABASE_UNAVAILABLE");
    assert!(
        spec["components"]["schemas"]["ErrorBody"]
            .get("example")
            .is_none()
    );
}

#[tokio::test]
async fn request_bodies_are_closed_and_credentials_have_a_shape() {
    let spec = spec().await;
    let schemas = &spec["components"]["schemas"];
    for name in [
        "CreateUserRequest",
        "UpdateUserRequest",
        "CreateConnectionRequest",
    ] {
        assert_eq!(schemas[name]["additionalProperties"], false, "{name}");
    }
    let creds = &schemas["CreateConnectionRequest"]["properties"]["credentials"];
    let shapes: Vec<&str> = creds["anyOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["$ref"].as_str().unwrap())
        .collect();
    assert!(
        shapes.contains(&"#/components/schemas/DemoCredentials"),
        "{creds}"
    );
    assert_eq!(schemas["DemoCredentials"]["type"], "object");
    assert_eq!(
        schemas["PlaidCredentials"]["required"],
        serde_json::json!(["public_token"])
    );
}

#[tokio::test]
async fn limits_and_formats_the_server_enforces_are_in_the_schema() {
    let spec = spec().await;
    let schemas = &spec["components"]["schemas"];
    let name = &schemas["CreateUserRequest"]["properties"]["name"];
    assert_eq!(
        (name["minLength"].as_i64(), name["maxLength"].as_i64()),
        (Some(1), Some(200))
    );
    let expiry = &schemas["CreateLinkRequest"]["properties"]["expires_in_seconds"];
    assert_eq!(
        (expiry["minimum"].as_i64(), expiry["maximum"].as_i64()),
        (Some(60), Some(86_400))
    );
    assert_eq!(
        schemas["UserResponse"]["properties"]["id"]["format"],
        "uuid"
    );
    assert_eq!(
        schemas["UserResponse"]["properties"]["created_at"]["format"],
        "date-time"
    );
    assert_eq!(
        schemas["TransactionResponse"]["properties"]["date"]["format"],
        "date"
    );
    let list = &spec["paths"]["/api/v1/transactions"]["get"]["parameters"];
    let param = |n: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == n)
            .unwrap()["schema"]
            .clone()
    };
    assert_eq!(param("start_date")["anyOf"][0]["format"], "date");
    assert!(param("account_id")["pattern"].is_string());
    assert!(param("min_amount")["pattern"].is_string());
    assert_eq!(param("limit")["anyOf"][0]["maximum"].as_f64(), Some(500.0));
    assert_eq!(param("limit")["anyOf"][1]["maxLength"], 0, "empty = absent");
}
