use std::time::{Duration, Instant};

use crate::helpers::*;
use serde_json::json;

async fn synced_demo(app: &TestApp, username: &str) -> String {
    let (_, conn) = app.demo_connection(username).await;
    let id = conn["id"].as_str().unwrap().to_owned();
    let status = app.wait_for_sync(&id).await;
    assert_eq!(status["last_sync"]["status"], "success", "{status}");
    id
}

async fn manual_sync(app: &TestApp, id: &str) -> serde_json::Value {
    let (s, body) = app
        .post(&format!("/api/v1/connections/{id}/sync"), json!({}))
        .await;
    assert_eq!(s, 202, "{body}");
    assert_eq!(body["status"], "sync_triggered");
    let log_id = body["sync_log_id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, log) = app.get(&format!("/api/v1/sync/logs/{log_id}")).await;
        if log["status"] != "in_progress" {
            return log;
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_later_sync_adds_modifies_and_removes_and_settles_pending_rows() {
    let app = spawn_demo().await;
    let id = synced_demo(&app, "demo_good").await;
    let pending_before =
        app.query_i64("SELECT count(*) FROM transactions WHERE visible = 1 AND pending = 1");
    assert!(pending_before > 0);
    let log = manual_sync(&app, &id).await;
    assert_eq!(log["status"], "success", "{log}");
    assert_eq!(log["trigger"], "manual");
    for field in ["added_count", "modified_count", "removed_count"] {
        assert!(log[field].as_i64().unwrap() > 0, "{field} is zero: {log}");
    }
    assert!(log["duration_ms"].as_i64().is_some());
    // Posted rows point at the pending rows they replaced, which are hidden now.
    let settled = app.query_i64(
        "SELECT count(*) FROM transactions p JOIN transactions t ON t.pending_transaction_id = p.id
         WHERE t.visible = 1 AND t.pending = 0 AND p.visible = 0",
    );
    assert!(settled > 0);
    let stale = app.query_i64(
        "SELECT count(*) FROM transactions p JOIN transactions t ON t.pending_transaction_id = p.id
         WHERE p.visible = 1",
    );
    assert_eq!(stale, 0);
}

#[tokio::test]
async fn a_second_trigger_while_syncing_is_409() {
    let app = spawn_demo().await;
    let id = synced_demo(&app, "demo_good").await;
    // Hold the database's write lock so the first sync cannot finish.
    let blocker = rusqlite::Connection::open(app.state.db.path()).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let first = app
        .req(
            reqwest::Method::POST,
            &format!("/api/v1/connections/{id}/sync"),
        )
        .send();
    let first = tokio::spawn(first);
    let conn_id = uuid::Uuid::parse_str(&id).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !app.state.engine.is_running(conn_id) {
        assert!(Instant::now() < deadline, "first sync never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (s, b) = app
        .post(&format!("/api/v1/connections/{id}/sync"), json!({}))
        .await;
    assert_error(s, &b, 409, "SYNC_IN_PROGRESS");
    let (s, b) = app.post("/api/v1/sync", json!({"connection_id": id})).await;
    assert_error(s, &b, 409, "SYNC_IN_PROGRESS");
    blocker.execute_batch("ROLLBACK").unwrap();
    let resp = first.await.unwrap().unwrap();
    assert_eq!(resp.status(), 202);
}

#[tokio::test]
async fn reauth_needed_moves_the_connection_to_pending_reauth() {
    let app = spawn_demo().await;
    let id = synced_demo(&app, "demo_reauth").await;
    let log = manual_sync(&app, &id).await;
    assert_eq!(log["status"], "error");
    assert!(log["error_message"].as_str().is_some_and(|m| !m.is_empty()));
    let (_, conn) = app.get(&format!("/api/v1/connections/{id}")).await;
    assert_eq!(conn["status"], "pending_reauth");
    assert_eq!(conn["error_code"], "ITEM_LOGIN_REQUIRED");
    let (_, bulk) = app.post("/api/v1/sync", json!({})).await;
    assert_eq!(bulk["skipped"][0]["reason"], "pending_reauth");
}

#[tokio::test]
async fn bank_outage_logs_an_error_and_keeps_the_data() {
    let app = spawn_demo().await;
    let id = synced_demo(&app, "demo_good").await;
    let rows = app.query_i64("SELECT count(*) FROM transactions WHERE visible = 1");
    // The bank goes down later: swap the stored scenario to demo_error.
    reseal(&app, &id, "demo_error");
    let log = manual_sync(&app, &id).await;
    assert_eq!(log["status"], "error");
    assert!(log["error_message"].as_str().unwrap().contains("down"));
    assert_eq!(
        app.query_i64("SELECT count(*) FROM transactions WHERE visible = 1"),
        rows
    );
    let (_, conn) = app.get(&format!("/api/v1/connections/{id}")).await;
    assert_eq!(conn["status"], "error");
    // Still usable: once the bank is back, the next sync succeeds and clears the error.
    reseal(&app, &id, "demo_good");
    let log = manual_sync(&app, &id).await;
    assert_eq!(log["status"], "success");
    let (_, conn) = app.get(&format!("/api/v1/connections/{id}")).await;
    assert_eq!(
        (conn["status"].as_str(), conn["error_code"].is_null()),
        (Some("active"), true)
    );
}

fn reseal(app: &TestApp, id: &str, username: &str) {
    let sealed = app.state.credentials.seal(username).unwrap();
    let conn = rusqlite::Connection::open(app.state.db.path()).unwrap();
    conn.execute(
        "UPDATE connections SET credentials = ?1 WHERE id = ?2",
        rusqlite::params![sealed, uuid::Uuid::parse_str(id).unwrap()],
    )
    .unwrap();
}

#[tokio::test]
async fn bulk_sync_triggers_active_and_skips_paused() {
    let app = spawn_demo().await;
    let a = synced_demo(&app, "demo_good").await;
    let b = synced_demo(&app, "demo_good").await;
    app.post(
        &format!("/api/v1/connections/{b}/paused"),
        json!({"paused": true}),
    )
    .await;
    let (s, body) = send(app.req(reqwest::Method::POST, "/api/v1/sync")).await;
    assert_eq!(s, 202, "{body}");
    assert_eq!(body["triggered"], json!([a]));
    assert_eq!(body["skipped"], json!([{"id": b, "reason": "paused"}]));
}

#[tokio::test]
async fn sync_logs_list_filter_and_get() {
    let app = spawn_demo().await;
    let a = synced_demo(&app, "demo_good").await;
    let _b = synced_demo(&app, "demo_reauth").await;
    manual_sync(&app, &a).await;
    let (_, all) = app.get("/api/v1/sync/logs").await;
    let data = all["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    assert_eq!(data[0]["trigger"], "manual", "newest first");
    let (_, mine) = app
        .get(&format!("/api/v1/sync/logs?connection_id={a}&limit=1"))
        .await;
    assert_eq!(mine["data"].as_array().unwrap().len(), 1);
    assert_eq!(mine["pagination"]["has_more"], true);
    let cursor = mine["pagination"]["next_cursor"].as_str().unwrap();
    let (_, next) = app
        .get(&format!(
            "/api/v1/sync/logs?connection_id={a}&limit=1&cursor={cursor}"
        ))
        .await;
    assert_eq!(next["data"][0]["trigger"], "initial");
    assert_eq!(next["pagination"]["has_more"], false);
    let (_, ok) = app.get("/api/v1/sync/logs?status=success").await;
    assert_eq!(ok["data"].as_array().unwrap().len(), 3);
    let short = data[0]["short_id"].as_str().unwrap();
    let (s, one) = app.get(&format!("/api/v1/sync/logs/{short}")).await;
    assert_eq!(s, 200);
    assert_eq!(one["id"], data[0]["id"]);
    let (s, b) = app.get("/api/v1/sync/logs?status=done").await;
    assert_error(s, &b, 400, "INVALID_PARAMETER");
    let (s, b) = app.get("/api/v1/sync/logs/ZZZZZZZZ").await;
    assert_error(s, &b, 404, "NOT_FOUND");
}

#[tokio::test]
async fn syncs_left_in_progress_by_a_crash_become_interrupted_at_start() {
    let app = spawn_demo().await;
    let id = synced_demo(&app, "demo_good").await;
    {
        let conn = rusqlite::Connection::open(app.state.db.path()).unwrap();
        conn.execute(
            "INSERT INTO sync_logs (id, short_id, connection_id, trigger, status, started_at)
             VALUES (?1, 'crash001', ?2, 'manual', 'in_progress', 1)",
            rusqlite::params![uuid::Uuid::now_v7(), uuid::Uuid::parse_str(&id).unwrap()],
        )
        .unwrap();
    }
    let config = app.state.config.as_ref().clone();
    breadbox::prepare(config).unwrap();
    let (_, log) = app.get("/api/v1/sync/logs/crash001").await;
    assert_eq!(log["status"], "error");
    assert_eq!(log["error_message"], "interrupted");
    assert!(log["completed_at"].is_string());
}

#[tokio::test]
async fn the_scheduler_syncs_unpaused_connections_and_reports_running() {
    let app = spawn_with(|c| {
        c.rate_limit_rpm = 0;
        c.demo = true;
        c.scheduler = true;
        c.sync_interval = Duration::from_secs(1);
    })
    .await;
    let (_, ready) = app.get("/health/ready").await;
    assert_eq!(ready["scheduler"], "running");
    let active = synced_demo(&app, "demo_good").await;
    let paused = synced_demo(&app, "demo_good").await;
    app.post(
        &format!("/api/v1/connections/{paused}/paused"),
        json!({"paused": true}),
    )
    .await;
    // A scheduled sync may have started just before the pause took effect; count from here.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let paused_before = scheduled_count(&app, &paused).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while scheduled_count(&app, &active).await < 2 {
        assert!(Instant::now() < deadline, "no scheduled syncs");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(scheduled_count(&app, &paused).await, paused_before);
}

async fn scheduled_count(app: &TestApp, id: &str) -> usize {
    let (_, logs) = app
        .get(&format!("/api/v1/sync/logs?connection_id={id}"))
        .await;
    logs["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["trigger"] == "scheduled")
        .count()
}
