use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn health_endpoints_answer_without_a_key() {
    let app = spawn_app().await;
    for path in ["/health", "/health/live"] {
        let (status, body) = send(app.req_as(Method::GET, path, None)).await;
        assert_eq!(status, 200);
        assert_eq!(body["status"], "ok");
        assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    }
    let (status, body) = send(app.req_as(Method::GET, "/health/ready", None)).await;
    assert_eq!(status, 200);
    assert_eq!(body["db"], "ok");
    assert_eq!(body["scheduler"], "stopped");
    assert!(body.get("db_error").is_none());
}

#[tokio::test]
async fn version_reports_no_update_check() {
    let app = spawn_app().await;
    let (status, body) = send(app.req_as(Method::GET, "/api/v1/version", None)).await;
    assert_eq!(status, 200);
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert!(body["update_available"].is_null());
    assert!(body.as_object().unwrap().contains_key("update_available"));
}

#[tokio::test]
async fn ready_is_503_when_the_database_file_is_gone() {
    let app = spawn_app().await;
    let db = app.state.db.path().to_owned();
    std::fs::rename(&db, db.with_extension("moved")).unwrap();
    let (status, body) = send(app.req_as(Method::GET, "/health/ready", None)).await;
    assert_eq!(status, 503);
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["db"], "error");
    let msg = body["db_error"].as_str().unwrap();
    assert!(!msg.contains(db.to_str().unwrap()), "leaks the path: {msg}");
    // Liveness does not touch the database.
    let (status, _) = send(app.req_as(Method::GET, "/health", None)).await;
    assert_eq!(status, 200);
}

async fn ready_status(app: &TestApp) -> u16 {
    let (status, _) = send(app.req_as(Method::GET, "/health/ready", None)).await;
    status.as_u16()
}

#[tokio::test]
async fn writes_stop_while_the_database_path_names_another_file_and_resume_when_it_is_back() {
    let app = spawn_app().await;
    let db = app.state.db.path().to_owned();
    let aside = db.with_extension("aside");
    let (s, _) = app.post("/api/v1/users", json!({"name": "Before"})).await;
    assert_eq!(s, 201);

    // Removed (moved away): writes would go to a file nobody opens again.
    std::fs::rename(&db, &aside).unwrap();
    let (s, b) = app.post("/api/v1/users", json!({"name": "Lost"})).await;
    assert_error(s, &b, 503, "DATABASE_UNAVAILABLE");
    assert_eq!(ready_status(&app).await, 503);

    // Replaced: a copy (a backup, say) put in its place is a different file.
    std::fs::copy(&aside, &db).unwrap();
    let (s, b) = app.post("/api/v1/users", json!({"name": "Lost too"})).await;
    assert_error(s, &b, 503, "DATABASE_UNAVAILABLE");
    assert_eq!(
        ready_status(&app).await,
        503,
        "ready while writes go elsewhere"
    );

    // The original back in place: safe again.
    std::fs::rename(&aside, &db).unwrap();
    let (s, _) = app.post("/api/v1/users", json!({"name": "After"})).await;
    assert_eq!(s, 201);
    assert_eq!(ready_status(&app).await, 200);
    let (_, users) = app.get("/api/v1/users").await;
    let mut names: Vec<&str> = users["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["After", "Before"],
        "nothing written while the file was away"
    );
}

#[tokio::test]
async fn database_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    let mode = std::fs::metadata(app.state.db.path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test]
async fn shutdown_lets_in_flight_requests_finish() {
    use base64::Engine;
    use std::fmt::Write as _;
    let app = spawn_app().await;
    let user = app.create_user("U").await;
    let mut csv = String::from("Date,Description,Amount\n");
    for i in 0..60_000 {
        let _ = writeln!(csv, "2025-01-{:02},Shop {i},-1.{:02}", 1 + i % 28, i % 100);
    }
    let body = serde_json::json!({
        "user_id": user["id"],
        "csv_base64": base64::engine::general_purpose::STANDARD.encode(csv),
    });
    let request = app
        .req(Method::POST, "/api/v1/connections/csv/import")
        .json(&body)
        .send();
    let in_flight = tokio::spawn(request);
    // Wait until the import is running (its write transaction spills into the WAL).
    let wal = app.state.db.path().with_extension("db-wal");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < 1024 * 1024 && !in_flight.is_finished() {
        assert!(std::time::Instant::now() < deadline, "import never started");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let started_before_shutdown = !in_flight.is_finished();
    app.stop().await;
    let resp = in_flight
        .await
        .unwrap()
        .expect("the in-flight request was cut off");
    assert_eq!(resp.status(), 201);
    assert!(
        started_before_shutdown,
        "the import finished before shutdown began; make it bigger"
    );
}
