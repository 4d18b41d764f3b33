//! Client mistakes are tool errors with our stable codes, never protocol failures.

use serde_json::json;

use super::{call, connect, error_code};
use crate::helpers::*;

#[tokio::test]
async fn mistakes_are_tool_errors_with_stable_codes() {
    let app = spawn_app().await;
    let client = connect(&app, &app.key).await;
    let cases = [
        ("get_transaction", json!({"id": "Ab3dE6gH"}), "NOT_FOUND"),
        ("get_transaction", json!({"id": "not an id"}), "NOT_FOUND"),
        ("get_transaction", json!({}), "INVALID_PARAMETER"),
        ("get_connection", json!({"id": 7}), "INVALID_PARAMETER"),
        (
            "get_link_session",
            json!({"id": "00000000-0000-7000-8000-000000000000"}),
            "NOT_FOUND",
        ),
        (
            "query_transactions",
            json!({"start_date": "yesterday"}),
            "INVALID_PARAMETER",
        ),
        (
            "query_transactions",
            json!({"start": "2024-01-01"}),
            "INVALID_PARAMETER",
        ),
        (
            "query_transactions",
            json!({"min_amount": "1e3"}),
            "INVALID_PARAMETER",
        ),
        (
            "query_transactions",
            json!({"min_amount": 10, "max_amount": 9.99}),
            "INVALID_PARAMETER",
        ),
        (
            "query_transactions",
            json!({"cursor": "garbage"}),
            "INVALID_CURSOR",
        ),
        (
            "query_transactions",
            json!({"sort_order": "sideways"}),
            "INVALID_PARAMETER",
        ),
        (
            "count_transactions",
            json!({"search": "x"}),
            "INVALID_PARAMETER",
        ),
        ("summarize_transactions", json!({}), "INVALID_PARAMETER"),
        (
            "list_connections",
            json!({"status": "sleeping"}),
            "INVALID_PARAMETER",
        ),
        (
            "list_connections",
            json!({"user_id": "Ab3dE6gH"}),
            "NOT_FOUND",
        ),
        (
            "list_sync_logs",
            json!({"connection_id": "Ab3dE6gH"}),
            "NOT_FOUND",
        ),
        (
            "list_users",
            json!({"cursor": "eyJsIjoiYWNjb3VudHMiLCJrIjpbXX0"}),
            "INVALID_CURSOR",
        ),
        (
            "list_providers",
            json!({"verbose": true}),
            "INVALID_PARAMETER",
        ),
        (
            "trigger_sync",
            json!({"connection_id": "Ab3dE6gH"}),
            "NOT_FOUND",
        ),
        (
            "create_link_session",
            json!({"user_id": "Ab3dE6gH"}),
            "NOT_FOUND",
        ),
        (
            "relink_connection",
            json!({"connection_id": "Ab3dE6gH"}),
            "NOT_FOUND",
        ),
        ("no_such_tool", json!({}), "NOT_FOUND"),
    ];
    for (tool, args, want) in cases {
        let r = call(&client, tool, args.clone()).await;
        assert_eq!(error_code(&r), want, "{tool} {args}");
    }
}

#[tokio::test]
async fn a_sync_already_running_is_sync_in_progress() {
    let app = spawn_demo().await;
    let (_, conn) = app.demo_connection("demo_good").await;
    let conn_id = conn["id"].as_str().unwrap().to_owned();
    let client = connect(&app, &app.key).await;
    // The initial sync may still be running; trigger until one call overlaps a running sync.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (a, b) = tokio::join!(
            call(&client, "trigger_sync", json!({"connection_id": conn_id})),
            call(&client, "trigger_sync", json!({"connection_id": conn_id})),
        );
        let codes: Vec<String> = [a, b]
            .iter()
            .filter(|r| r.is_error == Some(true))
            .map(error_code)
            .collect();
        if !codes.is_empty() {
            assert!(codes.iter().all(|c| c == "SYNC_IN_PROGRESS"), "{codes:?}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never overlapped");
        app.wait_for_sync(&conn_id).await;
    }
}
