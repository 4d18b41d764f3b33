use std::time::Duration;

use crate::helpers::*;
use reqwest::Method;
use serde_json::{Value, json};

async fn mint(app: &TestApp, body: Value) -> Value {
    let (s, b) = app.post("/api/v1/connections/link", body).await;
    assert_eq!(s, 201, "{b}");
    b
}

async fn page(
    app: &TestApp,
    method: Method,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> (reqwest::StatusCode, Value) {
    let mut req = app
        .client
        .request(method, app.url(&format!("/_link/{token}{path}")));
    if let Some(b) = body {
        req = req.json(&b);
    }
    send(req).await
}

async fn poll(app: &TestApp, id: &str) -> Value {
    let (s, b) = app.get(&format!("/api/v1/connections/link/{id}")).await;
    assert_eq!(s, 200, "{b}");
    b
}

#[tokio::test]
async fn create_returns_token_and_url_once_with_spec_defaults() {
    let app = spawn_demo().await;
    let user = app.create_user("Pat").await;
    let s = mint(
        &app,
        json!({"user_id": user["short_id"], "label": "Household budget"}),
    )
    .await;
    let token = s["token"].as_str().unwrap();
    assert!(token.len() >= 22);
    assert_eq!(s["url"], format!("http://{}/link/{token}", app.addr));
    assert_eq!(
        (
            s["status"].as_str(),
            s["action"].as_str(),
            s["provider"].as_str()
        ),
        (Some("pending"), Some("link"), Some(""))
    );
    assert_eq!(s["single_use"], true);
    assert_eq!(s["redirect_url"], "");
    assert_eq!(s["result_connection_ids"], json!([]));
    assert_eq!(s["attempts"], json!([]));
    assert!(s.get("connection_id").is_none() && s.get("error_code").is_none());
    assert!(s["started_at"].is_null() && s["completed_at"].is_null());
    let created = jiff::Timestamp::from_str_exact(&s["created_at"]);
    let expires = jiff::Timestamp::from_str_exact(&s["expires_at"]);
    assert_eq!(expires.as_second() - created.as_second(), 14_400);
    for id in [s["id"].as_str().unwrap(), s["short_id"].as_str().unwrap()] {
        let got = poll(&app, id).await;
        assert!(
            got.get("token").is_none() && got.get("url").is_none(),
            "{got}"
        );
        assert_eq!(got["label"], "Household budget");
    }
    let raw = std::fs::read(app.state.db.path()).unwrap();
    assert!(
        !raw.windows(token.len()).any(|w| w == token.as_bytes()),
        "plaintext token stored"
    );
}

trait FromStrExact {
    fn from_str_exact(v: &Value) -> jiff::Timestamp;
}

impl FromStrExact for jiff::Timestamp {
    fn from_str_exact(v: &Value) -> jiff::Timestamp {
        v.as_str().unwrap().parse().unwrap()
    }
}

#[tokio::test]
async fn create_validates_every_field() {
    let app = spawn_demo().await;
    let user = app.create_user("Pat").await;
    let u = user["id"].clone();
    for (body, field) in [
        (
            json!({"user_id": u, "redirect_url": "javascript:alert(1)"}),
            "redirect_url",
        ),
        (
            json!({"user_id": u, "redirect_url": "data:text/html,hi"}),
            "redirect_url",
        ),
        (
            json!({"user_id": u, "redirect_url": "file:///etc/passwd"}),
            "redirect_url",
        ),
        (
            json!({"user_id": u, "redirect_url": "vbscript:x"}),
            "redirect_url",
        ),
        (
            json!({"user_id": u, "redirect_url": "/relative"}),
            "redirect_url",
        ),
        (
            json!({"user_id": u, "expires_in_seconds": 59}),
            "expires_in_seconds",
        ),
        (
            json!({"user_id": u, "expires_in_seconds": 86_401}),
            "expires_in_seconds",
        ),
        (json!({"user_id": u, "label": "x".repeat(201)}), "label"),
        (json!({"user_id": u, "provider": "plaid"}), "provider"),
        (json!({"provider": "demo"}), "user_id"),
    ] {
        let (s, b) = app.post("/api/v1/connections/link", body).await;
        assert_error(s, &b, 422, "VALIDATION_ERROR");
        assert!(
            b["error"]["message"].as_str().unwrap().contains(field),
            "{field}: {b}"
        );
    }
    let (s, b) = app
        .post("/api/v1/connections/link", json!({"user_id": "ZZZZZZZZ"}))
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
    let s = mint(&app, json!({"user_id": u, "redirect_url": "myapp://callback?ref=foo", "provider": "demo", "single_use": false, "expires_in_seconds": 60})).await;
    assert_eq!(
        s["redirect_url"],
        format!(
            "myapp://callback?ref=foo&linkId={}",
            s["id"].as_str().unwrap()
        )
    );
    assert_eq!(
        (s["provider"].as_str(), s["single_use"].as_bool()),
        (Some("demo"), Some(false))
    );
}

#[tokio::test]
async fn read_only_keys_may_poll_but_not_create() {
    let app = spawn_demo().await;
    let user = app.create_user("Pat").await;
    let ro = Some(app.ro_key.as_str());
    let (s, b) = send(
        app.req_as(Method::POST, "/api/v1/connections/link", ro)
            .json(&json!({"user_id": user["id"]})),
    )
    .await;
    assert_error(s, &b, 403, "FORBIDDEN");
    let minted = mint(&app, json!({"user_id": user["id"]})).await;
    let (s, _) = send(app.req_as(
        Method::GET,
        &format!(
            "/api/v1/connections/link/{}",
            minted["id"].as_str().unwrap()
        ),
        ro,
    ))
    .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn single_use_flow_consumes_and_records_the_connection() {
    let app = spawn_demo().await;
    let user = app.create_user("Pat").await;
    let s = mint(
        &app,
        json!({"user_id": user["id"], "redirect_url": "https://app.example/done"}),
    )
    .await;
    let (id, token) = (s["id"].as_str().unwrap(), s["token"].as_str().unwrap());
    let (st, claimed) = page(&app, Method::GET, token, "/session", None).await;
    assert_eq!(st, 200, "{claimed}");
    assert_eq!(claimed["status"], "active");
    assert!(
        claimed.get("user_id").is_none(),
        "page view must be redacted"
    );
    assert_eq!(claimed["providers"][0]["name"], "demo");
    assert_eq!(
        claimed["redirect_url"],
        format!("https://app.example/done?linkId={id}")
    );
    let polled = poll(&app, id).await;
    assert_eq!(
        (
            polled["status"].as_str(),
            polled["attempts"][0]["status"].as_str()
        ),
        (Some("active"), Some("active"))
    );
    assert!(polled["started_at"].is_string());
    let (st, flow) = page(&app, Method::POST, token, "/providers/demo/start", None).await;
    assert_eq!(st, 200, "{flow}");
    assert_eq!(flow["fields"][0]["name"], "username");
    let (st, done) = page(
        &app,
        Method::POST,
        token,
        "/connections",
        Some(json!({"provider": "demo", "credentials": {"username": "demo_good"}})),
    )
    .await;
    assert_eq!(st, 201, "{done}");
    assert_eq!(done["accounts"].as_array().unwrap().len(), 3);
    assert_eq!(done["session"]["status"], "consumed");
    let polled = poll(&app, id).await;
    assert_eq!(polled["status"], "consumed");
    assert_eq!(
        polled["result_connection_ids"],
        json!([done["connection_id"]])
    );
    assert_eq!(polled["attempts"][0]["status"], "succeeded");
    assert_eq!(
        polled["attempts"][0]["connection_ids"],
        json!([done["connection_id"]])
    );
    assert!(polled["completed_at"].is_string());
    let (_, conn) = app
        .get(&format!(
            "/api/v1/connections/{}/status",
            done["connection_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(conn["last_sync"]["status"], "success");
    assert_eq!(conn["user_id"], user["id"]);
    // The token is burned; Done is idempotent.
    let (st, b) = page(&app, Method::GET, token, "/session", None).await;
    assert_error(st, &b, 410, "CONSUMED");
    for _ in 0..2 {
        let (st, _) = page(&app, Method::POST, token, "/complete", None).await;
        assert_eq!(st, 204);
    }
}

#[tokio::test]
async fn unknown_tokens_are_401_and_pinned_providers_403() {
    let app = spawn_demo().await;
    let (st, b) = page(
        &app,
        Method::GET,
        "nosuchtokennosuchtokennosuchtoken",
        "/session",
        None,
    )
    .await;
    assert_error(st, &b, 401, "INVALID_TOKEN");
    let user = app.create_user("Pat").await;
    let s = mint(&app, json!({"user_id": user["id"], "provider": "demo"})).await;
    let token = s["token"].as_str().unwrap();
    let (st, b) = page(&app, Method::POST, token, "/providers/plaid/start", None).await;
    assert_error(st, &b, 403, "FORBIDDEN");
    let (st, b) = page(
        &app,
        Method::POST,
        token,
        "/connections",
        Some(json!({"provider": "teller", "credentials": {}})),
    )
    .await;
    assert_error(st, &b, 403, "FORBIDDEN");
}

#[tokio::test]
async fn failed_attempt_is_reclaimable_and_kept_in_history() {
    let app = spawn_demo().await;
    let user = app.create_user("Pat").await;
    let s = mint(&app, json!({"user_id": user["id"]})).await;
    let (id, token) = (s["id"].as_str().unwrap(), s["token"].as_str().unwrap());
    page(&app, Method::GET, token, "/session", None).await;
    let (st, b) = page(
        &app,
        Method::POST,
        token,
        "/connections",
        Some(json!({"provider": "demo", "credentials": {"username": "demo_error"}})),
    )
    .await;
    assert_error(st, &b, 502, "PROVIDER_ERROR");
    let failed = poll(&app, id).await;
    assert_eq!(failed["status"], "failed");
    assert!(failed["error_code"].is_string() && failed["error_message"].is_string());
    assert!(failed["completed_at"].is_string());
    let (st, again) = page(&app, Method::GET, token, "/session", None).await;
    assert_eq!(
        (st.as_u16(), again["status"].as_str()),
        (200, Some("active"))
    );
    let active = poll(&app, id).await;
    assert!(
        active.get("error_code").is_none(),
        "error fields only while failed: {active}"
    );
    let (st, _) = page(
        &app,
        Method::POST,
        token,
        "/connections",
        Some(json!({"provider": "demo", "credentials": {"username": "demo_good"}})),
    )
    .await;
    assert_eq!(st, 201);
    let end = poll(&app, id).await;
    let statuses: Vec<_> = end["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(statuses, ["failed", "succeeded"]);
    assert!(end["attempts"][0]["error_message"].is_string());
    assert_eq!(end["status"], "consumed");
}

#[tokio::test]
async fn multi_use_session_completes_then_done_consumes() {
    let app = spawn_demo().await;
    let user = app.create_user("Pat").await;
    let s = mint(&app, json!({"user_id": user["id"], "single_use": false})).await;
    let (id, token) = (s["id"].as_str().unwrap(), s["token"].as_str().unwrap());
    for _ in 0..2 {
        page(&app, Method::GET, token, "/session", None).await;
        let (st, done) = page(
            &app,
            Method::POST,
            token,
            "/connections",
            Some(json!({"provider": "demo", "credentials": {"username": "demo_good"}})),
        )
        .await;
        assert_eq!(st, 201);
        assert_eq!(done["session"]["status"], "completed");
    }
    assert_eq!(
        poll(&app, id).await["result_connection_ids"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let (st, _) = page(&app, Method::POST, token, "/complete", None).await;
    assert_eq!(st, 204);
    assert_eq!(poll(&app, id).await["status"], "consumed");
}

#[tokio::test]
async fn page_reported_failure_sets_the_error_fields() {
    let app = spawn_demo().await;
    let user = app.create_user("Pat").await;
    let s = mint(&app, json!({"user_id": user["id"]})).await;
    let token = s["token"].as_str().unwrap();
    page(&app, Method::GET, token, "/session", None).await;
    let (st, b) = page(
        &app,
        Method::POST,
        token,
        "/fail",
        Some(json!({"code": "USER_CANCELLED", "message": "closed the window"})),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    let polled = poll(&app, s["id"].as_str().unwrap()).await;
    assert_eq!(
        (polled["status"].as_str(), polled["error_code"].as_str()),
        (Some("failed"), Some("USER_CANCELLED"))
    );
}

#[tokio::test]
async fn expired_sessions_report_expired_and_refuse_the_page() {
    let app = spawn_demo().await;
    let user = app.create_user("Pat").await;
    let s = mint(
        &app,
        json!({"user_id": user["id"], "expires_in_seconds": 60}),
    )
    .await;
    let (id, token) = (s["id"].as_str().unwrap(), s["token"].as_str().unwrap());
    let conn = rusqlite::Connection::open(app.state.db.path()).unwrap();
    conn.execute(
        "UPDATE hosted_link_sessions SET expires_at = expires_at - 120",
        [],
    )
    .unwrap();
    assert_eq!(poll(&app, id).await["status"], "expired");
    let (st, b) = page(&app, Method::GET, token, "/session", None).await;
    assert_error(st, &b, 410, "EXPIRED");
    let resp = app
        .client
        .get(app.url(&format!("/link/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 410);
    assert!(resp.text().await.unwrap().contains("expired"));
    // The sweep persists it.
    breadbox::service::link::sweep(&app.state).await.unwrap();
    let stored: String = conn
        .query_row("SELECT status FROM hosted_link_sessions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, "expired");
}

#[tokio::test]
async fn the_page_is_html_with_strict_headers_and_friendly_errors() {
    let app = spawn_demo().await;
    let user = app.create_user("Pat").await;
    let s = mint(&app, json!({"user_id": user["id"]})).await;
    let resp = app
        .client
        .get(s["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let h = resp.headers().clone();
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["referrer-policy"], "no-referrer");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'nonce-"),
        "{csp}"
    );
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("name=\"viewport\"")
            && !html.contains("http://")
            && !html.contains("https://"),
        "external assets?"
    );
    // Opening the HTML does not claim the session (only the page's script does).
    assert_eq!(
        poll(&app, s["id"].as_str().unwrap()).await["status"],
        "pending"
    );
    let resp = app
        .client
        .get(app.url("/link/nosuchtokennosuchtokennosuch"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.text().await.unwrap().contains("not valid"));
}

#[tokio::test]
async fn two_tabs_finishing_at_once_give_one_success() {
    let app = spawn_demo().await;
    let user = app.create_user("Pat").await;
    let s = mint(&app, json!({"user_id": user["id"]})).await;
    let token = s["token"].as_str().unwrap().to_owned();
    page(&app, Method::GET, &token, "/session", None).await;
    let body = json!({"provider": "demo", "credentials": {"username": "demo_good"}});
    let url = app.url(&format!("/_link/{token}/connections"));
    let (a, b) = tokio::join!(
        app.client.post(&url).json(&body).send(),
        app.client.post(&url).json(&body).send()
    );
    let mut codes = [a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
    codes.sort_unstable();
    assert_eq!(codes, [201, 410]);
    assert_eq!(app.query_i64("SELECT count(*) FROM connections"), 1);
    assert_eq!(
        poll(&app, s["id"].as_str().unwrap()).await["result_connection_ids"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn relink_reauthenticates_the_connection() {
    let app = spawn_demo().await;
    let (_, conn) = app.demo_connection("demo_reauth").await;
    let cid = conn["id"].as_str().unwrap();
    app.wait_for_sync(cid).await;
    let (s, b) = app
        .post(&format!("/api/v1/connections/{cid}/sync"), json!({}))
        .await;
    assert_eq!(s, 202, "{b}");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while app.get(&format!("/api/v1/connections/{cid}")).await.1["status"] != "pending_reauth" {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (st, s) = app
        .post(
            &format!("/api/v1/connections/{cid}/relink"),
            json!({"label": "Fix Demo Bank"}),
        )
        .await;
    assert_eq!(st, 201, "{s}");
    assert_eq!(
        (
            s["action"].as_str(),
            s["provider"].as_str(),
            s["single_use"].as_bool()
        ),
        (Some("relink"), Some("demo"), Some(true))
    );
    assert_eq!(s["connection_id"], conn["id"]);
    let token = s["token"].as_str().unwrap();
    page(&app, Method::GET, token, "/session", None).await;
    let (st, done) = page(
        &app,
        Method::POST,
        token,
        "/connections",
        Some(json!({"provider": "demo", "credentials": {"username": "demo_good"}})),
    )
    .await;
    assert_eq!(st, 201, "{done}");
    assert_eq!(done["connection_id"], conn["id"]);
    let (_, after) = app.get(&format!("/api/v1/connections/{cid}")).await;
    assert_eq!(
        (after["status"].as_str(), after["error_code"].is_null()),
        (Some("active"), true)
    );
    assert_eq!(
        poll(&app, s["id"].as_str().unwrap()).await["result_connection_ids"],
        json!([cid])
    );
    app.delete(&format!("/api/v1/connections/{cid}")).await;
    let (st, b) = app
        .post(&format!("/api/v1/connections/{cid}/relink"), json!({}))
        .await;
    assert_error(st, &b, 409, "CONFLICT");
}
