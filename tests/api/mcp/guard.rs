//! The HTTP guard of `/mcp`: API key (either header), revocation, Origin, rate limits.

use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

use super::{call, connect, ok};
use crate::helpers::*;

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "raw", "version": "1"}}})
}

fn post(app: &TestApp) -> RequestBuilder {
    app.client
        .request(Method::POST, app.url("/mcp"))
        .header("Accept", "application/json, text/event-stream")
        .json(&initialize())
}

#[tokio::test]
async fn the_key_may_come_in_either_header_and_is_required() {
    let app = spawn_app().await;
    let (s, body) = send(post(&app)).await;
    assert_error(s, &body, 401, "MISSING_API_KEY");
    let (s, body) = send(post(&app).header("X-API-Key", "bb_nonsense")).await;
    assert_error(s, &body, 401, "INVALID_API_KEY");
    let (s, body) = send(post(&app).header("X-API-Key", &app.key)).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["result"]["serverInfo"]["name"], "breadbox");
    let bearer = format!("Bearer {}", app.key);
    let (s, body) = send(post(&app).header("Authorization", bearer)).await;
    assert_eq!(s, 200, "{body}");
    assert!(
        body["result"]["instructions"]
            .as_str()
            .unwrap()
            .contains("money OUT")
    );
}

#[tokio::test]
async fn a_revoked_key_stops_at_the_next_request() {
    let app = spawn_app().await;
    let (_, created) = app.post("/api/v1/api-keys", json!({"name": "agent"})).await;
    let key = created["key"].as_str().unwrap().to_owned();
    let client = connect(&app, &key).await;
    ok(call(&client, "list_users", json!({})).await);
    let (s, _) = app
        .delete(&format!(
            "/api/v1/api-keys/{}",
            created["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(s, 204);
    let err = client
        .call_tool(rmcp::model::CallToolRequestParams::new("list_users"))
        .await
        .expect_err("a revoked key must not work");
    assert!(err.to_string().contains("401"), "{err}");
    let (s, body) = send(post(&app).header("X-API-Key", &key)).await;
    assert_error(s, &body, 401, "REVOKED_API_KEY");
}

#[tokio::test]
async fn foreign_web_origins_are_refused() {
    let app = spawn_with(|c| {
        c.rate_limit_rpm = 0;
        c.public_url = Some("https://money.example.org".into());
    })
    .await;
    let (s, body) = send(
        post(&app)
            .header("X-API-Key", &app.key)
            .header("Origin", "https://evil.example"),
    )
    .await;
    assert_error(s, &body, 403, "FORBIDDEN");
    for origin in ["https://money.example.org", "http://localhost:6274"] {
        let (s, body) = send(
            post(&app)
                .header("X-API-Key", &app.key)
                .header("Origin", origin),
        )
        .await;
        assert_eq!(s, 200, "{origin}: {body}");
    }
}

#[tokio::test]
async fn mcp_requests_draw_from_the_keys_rate_limit_bucket() {
    let app = spawn_with(|c| {
        c.rate_limit_rpm = 60;
        c.rate_limit_burst = 3;
    })
    .await;
    // The first use of a key draws from the client IP's bucket (the key is not verified
    // yet); from then on REST and MCP requests with it share the key's bucket.
    let (s, _) = app.get("/api/v1/users").await;
    assert_eq!(s, 200);
    let mut remaining = vec![];
    for _ in 0..2 {
        let resp = post(&app)
            .header("X-API-Key", &app.key)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        remaining.push(
            resp.headers()["x-ratelimit-remaining"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
    }
    let resp = app.req(Method::GET, "/api/v1/users").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    remaining.push(
        resp.headers()["x-ratelimit-remaining"]
            .to_str()
            .unwrap()
            .to_owned(),
    );
    assert_eq!(remaining, ["2", "1", "0"]);
    let resp = post(&app)
        .header("Authorization", format!("Bearer {}", app.key))
        .send()
        .await
        .unwrap();
    assert!(resp.headers().contains_key("retry-after"));
    let (s, body) = split(resp).await;
    assert_error(s, &body, 429, "RATE_LIMITED");
}

#[tokio::test]
async fn transport_refusals_are_the_json_envelope() {
    let app = spawn_app().await;
    let (s, body) = send(app.req(Method::GET, "/mcp")).await;
    assert_error(s, &body, 405, "METHOD_NOT_ALLOWED");
    let no_accept = app.req(Method::POST, "/mcp").json(&initialize());
    let (s, body) = send(no_accept).await;
    assert_error(s, &body, 406, "NOT_ACCEPTABLE");
    let bad_json = post(&app)
        .header("X-API-Key", &app.key)
        .header("content-type", "application/json")
        .body("{not json");
    let (s, body) = send(bad_json).await;
    assert!(s.is_client_error(), "{s}");
    assert!(body["error"]["code"].is_string(), "{body}");
}
