//! `breadbox mcp`: the real binary over stdio, bridged to the running test app.

use rmcp::ServiceExt;
use rmcp::transport::TokioChildProcess;
use serde_json::json;

use super::{call, error_code, ok};
use crate::helpers::*;

async fn bridge(app: &TestApp, key: &str) -> rmcp::service::RunningService<rmcp::RoleClient, ()> {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_breadbox"));
    cmd.args(["mcp", "--server", &app.url("")])
        .env("BREADBOX_API_KEY", key)
        .env("RUST_LOG", "warn");
    ().serve(TokioChildProcess::new(cmd).expect("spawn breadbox mcp"))
        .await
        .expect("stdio MCP session")
}

#[tokio::test]
async fn the_stdio_bridge_forwards_to_the_server_with_the_keys_scope() {
    let app = spawn_demo().await;
    let (_, conn) = app.demo_connection("demo_good").await;
    let conn_id = conn["id"].as_str().unwrap();
    app.wait_for_sync(conn_id).await;

    let client = bridge(&app, &app.key).await;
    let info = client.peer_info().unwrap();
    assert_eq!(info.server_info.as_ref().unwrap().name, "breadbox");
    assert_eq!(client.list_all_tools().await.unwrap().len(), 14);
    let got = ok(call(&client, "query_transactions", json!({"limit": 3})).await);
    let (_, rest) = app.get("/api/v1/transactions?limit=3").await;
    assert_eq!(got, rest);
    // The sync runs in the server process the bridge talks to.
    let started = ok(call(&client, "trigger_sync", json!({"connection_id": conn_id})).await);
    assert_eq!(started["triggered"], json!([conn_id]));
    app.wait_for_sync(conn_id).await;
    assert_eq!(app.query_i64("SELECT count(*) FROM sync_logs"), 2);
    client.cancel().await.unwrap();

    let ro = bridge(&app, &app.ro_key).await;
    assert_eq!(ro.list_all_tools().await.unwrap().len(), 11);
    let r = call(&ro, "trigger_sync", json!({})).await;
    assert_eq!(error_code(&r), "FORBIDDEN");
    ro.cancel().await.unwrap();
}

#[tokio::test]
async fn the_bridge_fails_clearly_without_a_usable_key() {
    let app = spawn_app().await;
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_breadbox"))
        .args(["mcp", "--server", &app.url("")])
        .env_remove("BREADBOX_API_KEY")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("BREADBOX_API_KEY"));
}
