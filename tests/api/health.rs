use crate::helpers::*;
use reqwest::Method;

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
async fn graceful_stop_finishes_cleanly() {
    let app = spawn_app().await;
    let (status, _) = app.get("/api/v1/users").await;
    assert_eq!(status, 200);
    app.stop().await;
}
