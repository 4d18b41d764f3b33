//! Plaid on the hosted page: the link token (new Item and update mode), what the page
//! posts after Link's `onSuccess`, relinking in place, the OAuth return page and its CSP.

use reqwest::Method;
use serde_json::{Value, json};

use super::{connect, connection, spawn_plaid_with, sync_now, transactions};
use crate::fake_plaid::FakePlaid;
use crate::helpers::{TestApp, assert_error, send};

/// Mints a session and claims it as the page does; returns its token.
async fn open_session(app: &TestApp, body: Value) -> String {
    let (s, b) = app.post("/api/v1/connections/link", body).await;
    assert_eq!(s, 201, "{b}");
    let token = b["token"].as_str().unwrap().to_owned();
    let (s, b) = page(app, &token, Method::GET, "/session", None).await;
    assert_eq!(s, 200, "{b}");
    token
}

async fn page(
    app: &TestApp,
    token: &str,
    m: Method,
    path: &str,
    body: Option<Value>,
) -> (reqwest::StatusCode, Value) {
    let req = app.req_as(m, &format!("/_link/{token}{path}"), None);
    send(match body {
        Some(b) => req.json(&b),
        None => req,
    })
    .await
}

fn on_success(public_token: &str) -> Value {
    json!({"provider": "plaid", "credentials": {
        "public_token": public_token,
        "metadata": {"institution": {"name": "First Platypus Bank", "institution_id": "ins_109508"},
                     "accounts": [{"id": "x", "name": "Plaid Checking", "mask": "0000"}],
                     "link_session_id": "79e772be-547d-4c9c-8b76-4ac4ed4c441a"}}})
}

async fn public_app() -> (TestApp, FakePlaid) {
    spawn_plaid_with(|c, p| {
        c.public_url = Some("https://bb.example".into());
        p.redirect_uri = Some("https://bb.example/link/return".into());
    })
    .await
}

#[tokio::test]
async fn starting_plaid_asks_for_a_link_token_for_this_person_with_two_years_and_a_webhook() {
    let (app, fake) = public_app().await;
    let user = app.create_user("Pat").await;
    let token = open_session(&app, json!({"user_id": user["id"], "provider": "plaid"})).await;

    let (s, flow) = page(&app, &token, Method::POST, "/providers/plaid/start", None).await;
    assert_eq!(s, 200, "{flow}");
    assert_eq!(flow["kind"], "script");
    assert_eq!(
        flow["script_url"],
        "https://cdn.plaid.com/link/v2/stable/link-initialize.js"
    );
    assert_eq!(flow["config"]["global"], "Plaid");
    assert_eq!(flow["config"]["factory"], "create");
    assert_eq!(flow["config"]["resume_option"], "receivedRedirectUri");
    assert!(
        flow["config"]["options"]["token"]
            .as_str()
            .unwrap()
            .starts_with("link-sandbox-")
    );

    let calls = fake.calls("/link/token/create");
    assert_eq!(calls.len(), 1);
    let req = &calls[0];
    assert_eq!(req["user"]["client_user_id"], user["id"]);
    assert_eq!(req["products"], json!(["transactions"]));
    assert_eq!(req["transactions"]["days_requested"], 730);
    assert_eq!(req["webhook"], "https://bb.example/webhooks/plaid");
    assert_eq!(req["redirect_uri"], "https://bb.example/link/return");
    assert_eq!(
        (req["client_name"].as_str(), req["language"].as_str()),
        (Some("Breadbox"), Some("en"))
    );
    assert_eq!(req["country_codes"], json!(["US"]));
    assert!(req.get("access_token").is_none());
}

#[tokio::test]
async fn onsuccess_on_the_page_creates_the_connection_and_syncs_it() {
    let (app, fake) = public_app().await;
    let (public_token, item_id) = fake.add_item("First Platypus Bank");
    fake.add(&item_id, &super::history(&item_id, "t", 42));
    let user = app.create_user("Pat").await;
    let token = open_session(&app, json!({"user_id": user["id"]})).await;
    let (s, _) = page(&app, &token, Method::POST, "/providers/plaid/start", None).await;
    assert_eq!(s, 200);

    let (s, done) = page(
        &app,
        &token,
        Method::POST,
        "/connections",
        Some(on_success(&public_token)),
    )
    .await;
    assert_eq!(s, 201, "{done}");
    assert_eq!(done["institution_name"], "First Platypus Bank");
    assert_eq!(done["accounts"].as_array().unwrap().len(), 2);
    assert_eq!(done["session"]["status"], "consumed");
    // Link's metadata named the institution, so /item/get was not needed.
    assert!(fake.calls("/item/get").is_empty());
    let id = done["connection_id"].as_str().unwrap();
    assert_eq!(transactions(&app, id).await.len(), 42);
    let conn = connection(&app, id).await;
    assert_eq!(
        (conn["user_id"].as_str(), conn["institution_id"].as_str()),
        (user["id"].as_str(), Some("ins_109508"))
    );
}

#[tokio::test]
async fn a_relink_opens_update_mode_keeps_the_token_and_returns_the_connection_to_active() {
    let (app, fake) = super::spawn_plaid().await;
    let (id, item_id) = connect(&app, &fake, 3).await;
    let access_token = fake.item(&item_id).access_token;
    fake.with_item(&item_id, |i| i.login_required = true);
    sync_now(&app, &id).await;
    assert_eq!(connection(&app, &id).await["status"], "pending_reauth");

    let (s, b) = app
        .post(&format!("/api/v1/connections/{id}/relink"), json!({}))
        .await;
    assert_eq!(s, 201, "{b}");
    let token = b["token"].as_str().unwrap().to_owned();
    page(&app, &token, Method::GET, "/session", None).await;
    let (s, flow) = page(&app, &token, Method::POST, "/providers/plaid/start", None).await;
    assert_eq!(s, 200, "{flow}");
    let req = fake.calls("/link/token/create").pop().unwrap();
    assert_eq!(req["access_token"], access_token.as_str());
    assert!(
        req.get("products").is_none() && req.get("transactions").is_none(),
        "{req}"
    );
    assert!(
        req.get("webhook").is_none(),
        "no public URL configured: {req}"
    );

    // The person signs in again in Link; Plaid repairs the Item.
    fake.with_item(&item_id, |i| i.login_required = false);
    fake.add(&item_id, &super::history(&item_id, "after", 2));
    let exchanges = fake.calls("/item/public_token/exchange").len();
    let update_token = fake.public_token_for(&item_id);
    let (s, done) = page(
        &app,
        &token,
        Method::POST,
        "/connections",
        Some(on_success(&update_token)),
    )
    .await;
    assert_eq!(s, 201, "{done}");
    assert_eq!(done["connection_id"], id.as_str());
    assert_eq!(
        fake.calls("/item/public_token/exchange").len(),
        exchanges,
        "update mode exchanges nothing"
    );
    let conn = connection(&app, &id).await;
    assert_eq!(conn["status"], "active", "{conn}");
    assert!(conn["error_code"].is_null());
    assert_eq!(transactions(&app, &id).await.len(), 5);
    let last_sync = fake.calls("/transactions/sync").pop().unwrap();
    assert_eq!(last_sync["access_token"], access_token.as_str());
}

#[tokio::test]
async fn a_failing_link_token_fails_the_attempt_with_502() {
    let (app, fake) = super::spawn_plaid().await;
    let user = app.create_user("Pat").await;
    let token = open_session(&app, json!({"user_id": user["id"], "provider": "plaid"})).await;
    fake.fail(
        "/link/token/create",
        1,
        400,
        "INVALID_REQUEST",
        "INVALID_FIELD",
    );
    let (s, b) = page(&app, &token, Method::POST, "/providers/plaid/start", None).await;
    assert_error(s, &b, 502, "PROVIDER_ERROR");
    let (_, session) = page(&app, &token, Method::GET, "/session", None).await;
    assert_eq!(
        session["status"], "active",
        "re-claimed after the failure: {session}"
    );
}

#[tokio::test]
async fn the_page_and_the_oauth_return_page_allow_exactly_plaids_script_origin() {
    let (app, _fake) = public_app().await;
    let user = app.create_user("Pat").await;
    let (_, b) = app
        .post(
            "/api/v1/connections/link",
            json!({"user_id": user["id"], "provider": "plaid"}),
        )
        .await;
    for path in [
        format!("/link/{}", b["token"].as_str().unwrap()),
        "/link/return".to_owned(),
    ] {
        let resp = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let csp = resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        let script_src = csp
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap();
        let hosts: Vec<&str> = script_src
            .split_whitespace()
            .filter(|w| w.starts_with("http"))
            .collect();
        assert_eq!(hosts, ["https://cdn.plaid.com"], "{csp}");
        let html = resp.text().await.unwrap();
        assert!(
            html.contains("RESUME_KEY"),
            "the page script is served on {path}"
        );
    }
}
