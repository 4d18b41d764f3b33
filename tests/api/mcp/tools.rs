//! The tool list and every read tool against the REST body for the same request.

use serde_json::json;

use super::{call, connect, error_code, ok};
use crate::helpers::*;

const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/snapshots/mcp_tools.json"
);

const READ_TOOLS: [&str; 11] = [
    "list_users",
    "list_connections",
    "get_connection",
    "list_accounts",
    "query_transactions",
    "get_transaction",
    "count_transactions",
    "summarize_transactions",
    "list_sync_logs",
    "list_providers",
    "get_link_session",
];
const WRITE_TOOLS: [&str; 3] = ["trigger_sync", "create_link_session", "relink_connection"];

#[tokio::test]
async fn tool_list_matches_the_snapshot() {
    let app = spawn_app().await;
    let client = connect(&app, &app.key).await;
    let tools = client.list_all_tools().await.unwrap();
    let listed = serde_json::to_value(&tools).unwrap();
    let pretty = serde_json::to_string_pretty(&listed).unwrap() + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, &pretty).unwrap();
    }
    let want =
        std::fs::read_to_string(SNAPSHOT).expect("snapshot missing: run with UPDATE_SNAPSHOTS=1");
    assert!(
        want == pretty,
        "the MCP tool list changed; review and run `UPDATE_SNAPSHOTS=1 cargo test mcp`"
    );
    for t in &tools {
        let hints = t.annotations.as_ref().expect("annotations");
        let write = WRITE_TOOLS.contains(&t.name.as_ref());
        assert_eq!(hints.read_only_hint, Some(!write), "{}", t.name);
        assert_eq!(hints.destructive_hint, Some(false), "{}", t.name);
        assert_eq!(hints.idempotent_hint, Some(!write), "{}", t.name);
        assert_eq!(t.output_schema.as_ref().unwrap()["type"], "object");
        assert!(t.description.as_ref().unwrap().len() > 40, "{}", t.name);
    }
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(names.len(), READ_TOOLS.len() + WRITE_TOOLS.len());
    for n in READ_TOOLS.iter().chain(&WRITE_TOOLS) {
        assert!(names.contains(n), "{n} missing");
    }
}

#[tokio::test]
async fn a_read_only_key_lists_and_calls_only_read_tools() {
    let app = spawn_demo().await;
    let (_, conn) = app.demo_connection("demo_good").await;
    app.wait_for_sync(conn["id"].as_str().unwrap()).await;
    let client = connect(&app, &app.ro_key).await;
    let names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.into_owned())
        .collect();
    assert_eq!(names.len(), READ_TOOLS.len(), "{names:?}");
    assert!(names.iter().all(|n| READ_TOOLS.contains(&n.as_str())));
    let r = call(&client, "trigger_sync", json!({})).await;
    assert_eq!(error_code(&r), "FORBIDDEN");
    let r = call(
        &client,
        "create_link_session",
        json!({"user_id": conn["user_id"]}),
    )
    .await;
    assert_eq!(error_code(&r), "FORBIDDEN");
    let got = ok(call(&client, "list_accounts", json!({})).await);
    assert!(!got["data"].as_array().unwrap().is_empty());
    // Nothing was triggered: the only sync is the initial one.
    assert_eq!(app.query_i64("SELECT count(*) FROM sync_logs"), 1);
}

#[tokio::test]
async fn the_default_page_is_small() {
    let app = spawn_demo().await;
    let (_, conn) = app.demo_connection("demo_good").await;
    app.wait_for_sync(conn["id"].as_str().unwrap()).await;
    let client = connect(&app, &app.key).await;
    let page = ok(call(&client, "query_transactions", json!({})).await);
    assert_eq!(page["data"].as_array().unwrap().len(), 25);
    assert_eq!(page["pagination"]["limit"], 25);
    assert_eq!(page["pagination"]["has_more"], true);
    let r = call(&client, "query_transactions", json!({"limit": 101})).await;
    assert_eq!(error_code(&r), "INVALID_PARAMETER");
}

#[tokio::test]
async fn an_agent_connects_a_bank_through_a_link_session() {
    let app = spawn_demo().await;
    let user = app.create_user("Agent Owner").await;
    let client = connect(&app, &app.key).await;
    let created = ok(call(
        &client,
        "create_link_session",
        json!({"user_id": user["short_id"], "provider": "demo", "label": "Connect your bank"}),
    )
    .await);
    let url = created["url"].as_str().unwrap();
    assert!(url.starts_with(&app.url("/link/")), "{url}");
    assert_eq!(created["status"], "pending");
    let id = created["id"].as_str().unwrap();
    let polled = ok(call(&client, "get_link_session", json!({"id": id})).await);
    assert_eq!(polled["status"], "pending");
    let (_, rest) = app.get(&format!("/api/v1/connections/link/{id}")).await;
    assert_eq!(polled, rest);

    let (_, conn) = app.demo_connection("demo_good").await;
    let relink = ok(call(
        &client,
        "relink_connection",
        json!({"connection_id": conn["id"]}),
    )
    .await);
    assert_eq!(relink["action"], "relink");
    assert_eq!(relink["connection_id"], conn["id"]);
    let r = call(
        &client,
        "create_link_session",
        json!({"user_id": user["id"], "expires_in_seconds": 5}),
    )
    .await;
    assert_eq!(error_code(&r), "VALIDATION_ERROR");
}

#[tokio::test]
async fn trigger_sync_runs_a_sync_in_the_server() {
    let app = spawn_demo().await;
    let (_, conn) = app.demo_connection("demo_good").await;
    let conn_id = conn["id"].as_str().unwrap();
    app.wait_for_sync(conn_id).await;
    let client = connect(&app, &app.key).await;
    let started = ok(call(&client, "trigger_sync", json!({"connection_id": conn_id})).await);
    assert_eq!(started["triggered"], json!([conn_id]));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let logs = ok(call(&client, "list_sync_logs", json!({"connection_id": conn_id})).await);
        let data = logs["data"].as_array().unwrap();
        if data.len() == 2 && data[0]["status"] != "in_progress" {
            assert_eq!(data[0]["trigger"], "manual");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{logs}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
