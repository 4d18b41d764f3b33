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
