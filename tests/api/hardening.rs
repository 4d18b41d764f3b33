//! Inputs that a careless or hostile client sent and that once answered 500: each now gets
//! its 4xx (or is rejected row by row) and changes nothing it should not.

use base64::Engine;
use serde_json::{Value, json};

use crate::helpers::*;

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

async fn import(app: &TestApp, user: &Value, csv: &str) -> (reqwest::StatusCode, Value) {
    app.post(
        "/api/v1/connections/csv/import",
        json!({"user_id": user["id"], "csv_base64": b64(csv)}),
    )
    .await
}

#[tokio::test]
async fn an_out_of_range_amount_is_rejected_with_its_line_and_summaries_keep_working() {
    let app = spawn_app().await;
    let user = app.create_user("Big").await;
    let csv =
        "Date,Description,Amount\n2026-01-03,Coffee,-4.50\n2026-01-04,Typo,92233720368547758.07\n";
    let (s, r) = import(&app, &user, csv).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["imported"], 1);
    assert_eq!(r["rejected"][0]["line"], 3, "{r}");
    assert!(
        r["rejected"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("out of range"),
        "{r}"
    );
    let (s, b) = app.get("/api/v1/transactions/summary?group_by=month").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["totals"][0]["total_amount"].to_string(), "4.50");
}

#[tokio::test]
async fn overlong_text_cells_are_rejected_row_by_row() {
    let app = spawn_app().await;
    let user = app.create_user("Long").await;
    let long = "x".repeat(5_000);
    let csv =
        format!("Date,Description,Amount\n2026-01-03,Coffee,-4.50\n2026-01-04,{long},-1.00\n");
    let (s, r) = import(&app, &user, &csv).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["imported"], 1);
    assert_eq!(r["rejected"][0]["line"], 3);
    assert!(
        r["rejected"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("description")
    );
    assert_eq!(
        app.query_i64("SELECT max(length(name)) FROM transactions"),
        6
    );
}

#[tokio::test]
async fn importing_the_same_file_twice_for_a_user_adds_nothing() {
    let app = spawn_app().await;
    let user = app.create_user("Twice").await;
    let csv = "Date,Description,Amount\n2026-01-03,Coffee,-4.50\n2026-01-05,Payroll,2500.00\n";
    let (_, first) = import(&app, &user, csv).await;
    let (s, again) = import(&app, &user, csv).await;
    assert_eq!(s, 201, "{again}");
    assert_eq!(again["connection_id"], first["connection_id"]);
    assert_eq!(
        (
            again["imported"].as_i64(),
            again["skipped_duplicates"].as_i64()
        ),
        (Some(0), Some(2))
    );
    assert_eq!(app.query_i64("SELECT count(*) FROM transactions"), 2);
    assert_eq!(app.query_i64("SELECT count(*) FROM connections"), 1);
}

#[tokio::test]
async fn a_nul_in_search_is_400_on_list_count_and_summary() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/transactions?search=%00a",
        "/api/v1/transactions/count?search=%00a",
        "/api/v1/transactions/summary?group_by=month&search=%00a",
    ] {
        let (s, b) = app.get(path).await;
        assert_error(s, &b, 400, "INVALID_PARAMETER");
    }
}

#[tokio::test]
async fn a_user_with_a_usable_link_session_is_409_and_stays() {
    let app = spawn_app().await;
    let user = app.create_user("Linked").await;
    let id = user["id"].as_str().unwrap();
    let (s, b) = app
        .post("/api/v1/connections/link", json!({"user_id": id}))
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = app.delete(&format!("/api/v1/users/{id}")).await;
    assert_error(s, &b, 409, "CONFLICT");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("hosted-link")
    );
    let (s, _) = app.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!(s, 200, "the user is still there");
    // Once the session cannot be used any more, the person can go, history and all.
    app.state
        .db
        .write(|tx| {
            tx.execute("UPDATE hosted_link_sessions SET expires_at = 0", [])?;
            Ok(())
        })
        .await
        .unwrap();
    let (s, b) = app.delete(&format!("/api/v1/users/{id}")).await;
    assert_eq!(s, 204, "{b}");
    assert_eq!(
        app.query_i64("SELECT count(*) FROM hosted_link_sessions"),
        0
    );
}

#[tokio::test]
async fn unknown_body_fields_and_bad_enum_values_are_422_naming_them() {
    let app = spawn_app().await;
    let (s, b) = app
        .post(
            "/api/v1/users",
            json!({"name": "Sam", "emial": "sam@example.com"}),
        )
        .await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
    let msg = b["error"]["message"].as_str().unwrap();
    assert!(msg.contains("`emial`") && msg.contains("email"), "{msg}");
    assert_eq!(app.query_i64("SELECT count(*) FROM users"), 0);
    let (s, b) = app
        .post("/api/v1/api-keys", json!({"name": "k", "scope": "root"}))
        .await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
    let msg = b["error"]["message"].as_str().unwrap();
    assert!(msg.contains("read_only, full_access"), "{msg}");
}

#[tokio::test]
async fn id_filters_that_do_not_parse_are_400_and_empty_values_are_absent() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/connections?user_id=x",
        "/api/v1/accounts?user_id=x",
        "/api/v1/sync/logs?connection_id=x",
        "/api/v1/transactions?account_id=x",
    ] {
        let (s, b) = app.get(path).await;
        assert_error(s, &b, 400, "INVALID_PARAMETER");
    }
    for path in [
        "/api/v1/connections?user_id=&status=",
        "/api/v1/transactions?limit=&cursor=&search=",
        "/api/v1/sync/logs?status=",
    ] {
        let (s, b) = app.get(path).await;
        assert_eq!(s, 200, "{path}: {b}");
    }
}

#[tokio::test]
async fn a_key_that_is_not_ascii_is_invalid_not_missing() {
    let app = spawn_app().await;
    let resp = app
        .client
        .get(app.url("/api/v1/users"))
        .header(
            "x-api-key",
            reqwest::header::HeaderValue::from_bytes(b"bb_\xe9\xe9").unwrap(),
        )
        .send()
        .await
        .unwrap();
    let (s, b) = split(resp).await;
    assert_error(s, &b, 401, "INVALID_API_KEY");
}

#[tokio::test]
async fn link_urls_ignore_forged_hosts_and_token_responses_are_not_stored() {
    let app = spawn_app().await;
    let user = app.create_user("Host").await;
    let resp = app
        .req(reqwest::Method::POST, "/api/v1/connections/link")
        .header("host", "evil.example/x?")
        .header("x-forwarded-host", "evil.example")
        .json(&json!({"user_id": user["id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["cache-control"].to_str().unwrap(),
        "no-store"
    );
    let (s, b) = split(resp).await;
    assert_eq!(s, 201, "{b}");
    let url = b["url"].as_str().unwrap();
    assert!(!url.contains("evil"), "{url}");
    let token = b["token"].as_str().unwrap();
    let resp = app
        .client
        .get(app.url(&format!("/_link/{token}/session")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["cache-control"].to_str().unwrap(),
        "no-store"
    );
    let resp = app.client.get(app.url("/docs")).send().await.unwrap();
    assert!(resp.headers().contains_key("content-security-policy"));
}

#[tokio::test]
async fn a_used_token_is_refused_before_any_provider_is_called() {
    let app = spawn_demo().await;
    let user = app.create_user("Once").await;
    let (_, link) = app
        .post("/api/v1/connections/link", json!({"user_id": user["id"]}))
        .await;
    let token = link["token"].as_str().unwrap().to_owned();
    let finish = |username: &str| {
        app.client
            .post(app.url(&format!("/_link/{token}/connections")))
            .json(&json!({"provider": "demo", "credentials": {"username": username}}))
            .send()
    };
    let (s, b) = split(finish("demo_good").await.unwrap()).await;
    assert_eq!(s, 201, "{b}");
    // demo_error would make the provider fail (502); the consumed token must win first.
    let (s, b) = split(finish("demo_error").await.unwrap()).await;
    assert_error(s, &b, 410, "CONSUMED");
}
