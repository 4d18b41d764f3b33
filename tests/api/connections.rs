use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn demo_connection_syncs_two_years_at_once() {
    let app = spawn_demo().await;
    let (user, conn) = app.demo_connection("demo_good").await;
    assert_eq!(conn["provider"], "demo");
    assert_eq!(conn["status"], "active");
    assert_eq!(conn["user_id"], user["id"]);
    assert_eq!(conn["institution_name"], "Breadbox Demo Bank");
    let status = app.wait_for_sync(conn["id"].as_str().unwrap()).await;
    let log = &status["last_sync"];
    assert_eq!(
        (log["status"].as_str(), log["trigger"].as_str()),
        (Some("success"), Some("initial"))
    );
    assert!(log["added_count"].as_i64().unwrap() > 1000, "{log}");
    assert_eq!(status["account_count"], 3);
    assert!(status["last_synced_at"].is_string());
    let currencies = app.query_i64("SELECT count(DISTINCT iso_currency_code) FROM accounts");
    assert_eq!(currencies, 2);
}

#[tokio::test]
async fn credentials_are_stored_encrypted() {
    let app = spawn_demo().await;
    let (_, conn) = app.demo_connection("demo_reauth").await;
    app.wait_for_sync(conn["id"].as_str().unwrap()).await;
    let raw = std::fs::read(app.state.db.path()).unwrap();
    assert!(
        !raw.windows(11).any(|w| w == b"demo_reauth"),
        "plaintext secret in the file"
    );
    assert_eq!(
        app.query_i64("SELECT length(credentials) > 12 FROM connections"),
        1
    );
}

#[tokio::test]
async fn unknown_or_disabled_providers_are_400() {
    let app = spawn_app().await; // demo not enabled
    let user = app.create_user("U").await;
    for provider in ["demo", "plaid", "nope"] {
        let (s, b) = app
            .post(
                "/api/v1/connections",
                json!({"provider": provider, "user_id": user["id"], "credentials": {}}),
            )
            .await;
        assert_error(s, &b, 400, "INVALID_PARAMETER");
    }
}

#[tokio::test]
async fn create_validates_user_and_credentials() {
    let app = spawn_demo().await;
    let (s, b) = app
        .post(
            "/api/v1/connections",
            json!({"provider": "demo", "user_id": "ZZZZZZZZ", "credentials": {}}),
        )
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
    let user = app.create_user("U").await;
    let (s, b) = app
        .post("/api/v1/connections", json!({"provider": "demo", "user_id": user["id"], "credentials": {"username": "mallory"}}))
        .await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
    let (s, b) = app
        .post("/api/v1/connections", json!({"user_id": user["id"]}))
        .await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
    assert!(b["error"]["message"].as_str().unwrap().contains("provider"));
}

#[tokio::test]
async fn bank_down_on_create_is_502_and_creates_nothing() {
    let app = spawn_demo().await;
    let user = app.create_user("U").await;
    let (s, b) = app
        .post("/api/v1/connections", json!({"provider": "demo", "user_id": user["id"], "credentials": {"username": "demo_error"}}))
        .await;
    assert_error(s, &b, 502, "PROVIDER_ERROR");
    assert_eq!(app.query_i64("SELECT count(*) FROM connections"), 0);
}

#[tokio::test]
async fn list_get_status_by_uuid_and_short_id_and_filters() {
    let app = spawn_demo().await;
    let (user, conn) = app.demo_connection("demo_good").await;
    let other = app.create_user("Other").await;
    for id in [
        conn["id"].as_str().unwrap(),
        conn["short_id"].as_str().unwrap(),
    ] {
        let (s, got) = app.get(&format!("/api/v1/connections/{id}")).await;
        assert_eq!(s, 200);
        assert_eq!(got["id"], conn["id"]);
    }
    let (_, list) = app
        .get(&format!(
            "/api/v1/connections?user_id={}",
            user["short_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let (_, list) = app
        .get(&format!(
            "/api/v1/connections?user_id={}",
            other["id"].as_str().unwrap()
        ))
        .await;
    assert!(list["data"].as_array().unwrap().is_empty());
    let (s, b) = app.get("/api/v1/connections?status=weird").await;
    assert_error(s, &b, 400, "INVALID_PARAMETER");
    let (s, b) = app.get("/api/v1/connections/ZZZZZZZZ/status").await;
    assert_error(s, &b, 404, "NOT_FOUND");
}

#[tokio::test]
async fn pause_and_resume() {
    let app = spawn_demo().await;
    let (_, conn) = app.demo_connection("demo_good").await;
    let path = format!(
        "/api/v1/connections/{}/paused",
        conn["id"].as_str().unwrap()
    );
    let (s, c) = app.post(&path, json!({"paused": true})).await;
    assert_eq!(s, 200);
    assert_eq!(c["paused"], true);
    let (_, c) = app.post(&path, json!({"paused": false})).await;
    assert_eq!(c["paused"], false);
    let (s, b) = app.post(&path, json!({"paused": "yes"})).await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
}

#[tokio::test]
async fn delete_disconnects_wipes_credentials_and_hides_data() {
    let app = spawn_demo().await;
    let (user, conn) = app.demo_connection("demo_good").await;
    let id = conn["id"].as_str().unwrap();
    app.wait_for_sync(id).await;
    let (s, _) = app.delete(&format!("/api/v1/connections/{id}")).await;
    assert_eq!(s, 204);
    let (_, got) = app.get(&format!("/api/v1/connections/{id}")).await;
    assert_eq!(got["status"], "disconnected");
    assert_eq!(
        app.query_i64("SELECT credentials IS NULL FROM connections"),
        1
    );
    assert_eq!(
        app.query_i64("SELECT count(*) FROM transactions WHERE visible = 1"),
        0
    );
    assert!(
        app.query_i64("SELECT count(*) FROM transactions") > 1000,
        "rows must be kept"
    );
    let (_, list) = app.get("/api/v1/connections").await;
    assert!(list["data"].as_array().unwrap().is_empty());
    let (_, list) = app.get("/api/v1/connections?status=disconnected").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let (s, b) = app
        .post(&format!("/api/v1/connections/{id}/sync"), json!({}))
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
    let (s, b) = app.delete(&format!("/api/v1/connections/{id}")).await;
    assert_error(s, &b, 404, "NOT_FOUND");
    // The user still owns a (disconnected) connection.
    let (s, b) = app
        .delete(&format!("/api/v1/users/{}", user["id"].as_str().unwrap()))
        .await;
    assert_error(s, &b, 409, "CONFLICT");
}

#[tokio::test]
async fn connection_writes_need_full_access() {
    let app = spawn_demo().await;
    let (user, conn) = app.demo_connection("demo_good").await;
    let ro = Some(app.ro_key.as_str());
    let id = conn["id"].as_str().unwrap();
    let cases = [
        (
            Method::POST,
            "/api/v1/connections".to_owned(),
            json!({"provider": "demo", "user_id": user["id"]}),
        ),
        (
            Method::POST,
            format!("/api/v1/connections/{id}/sync"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/v1/connections/{id}/paused"),
            json!({"paused": true}),
        ),
        (
            Method::DELETE,
            format!("/api/v1/connections/{id}"),
            json!({}),
        ),
        (Method::POST, "/api/v1/sync".to_owned(), json!({})),
    ];
    for (method, path, body) in cases {
        let (s, b) = send(app.req_as(method, &path, ro).json(&body)).await;
        assert_error(s, &b, 403, "FORBIDDEN");
    }
    let (s, _) =
        send(app.req_as(Method::GET, &format!("/api/v1/connections/{id}/status"), ro)).await;
    assert_eq!(s, 200);
    let (s, _) = send(app.req_as(Method::GET, "/api/v1/providers", ro)).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn providers_lists_every_known_provider() {
    let app = spawn_demo().await;
    let (s, body) = app.get("/api/v1/providers").await;
    assert_eq!(s, 200);
    let data = body["data"].as_array().unwrap();
    let names: Vec<_> = data.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["plaid", "teller", "simplefin", "csv", "demo"]);
    let demo = data.iter().find(|p| p["name"] == "demo").unwrap();
    assert_eq!(demo["configured"], true);
    let plaid = data.iter().find(|p| p["name"] == "plaid").unwrap();
    assert_eq!(
        (
            plaid["configured"].as_bool(),
            plaid["needs_link_session"].as_bool()
        ),
        (Some(false), Some(true))
    );
}
