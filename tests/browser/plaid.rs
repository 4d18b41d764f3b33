//! Plaid Link on the hosted page, in Chromium. Plaid's script is replaced by the fake's
//! stand-in (`fake_plaid::link_js`), which implements `Plaid.create(...).open()`.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::{Value, json};

use super::fake_plaid::FakePlaid;
use super::helpers::{TestApp, spawn_with};
use super::{browser, mint, screenshot, start_driver, visible};

async fn spawn() -> (TestApp, FakePlaid) {
    let fake = FakePlaid::start().await;
    let mut plaid = fake.config();
    plaid.link_url = fake.link_url();
    let app = spawn_with(move |c| {
        c.rate_limit_rpm = 0;
        c.plaid = Some(plaid);
    })
    .await;
    (app, fake)
}

async fn session(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/api/v1/connections/link/{id}")).await.1
}

async fn count(app: &TestApp, conn: &str) -> i64 {
    let (_, c) = app
        .get(&format!("/api/v1/transactions/count?connection_id={conn}"))
        .await;
    c["count"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_connects_through_plaid_link_and_the_transactions_sync() {
    let (app, fake) = spawn().await;
    let (public_token, item_id) = fake.add_item("First Platypus Bank");
    fake.add(&item_id, &crate::plaid_history(&item_id, 30));
    fake.link_succeeds_with(&public_token, false);
    let driver = start_driver();
    let c = browser(&driver).await;
    let user = app.create_user("Pat").await;
    let s = mint(&app, json!({"user_id": user["id"]})).await;
    let id = s["id"].as_str().unwrap().to_owned();

    c.goto(s["url"].as_str().unwrap()).await.unwrap();
    visible(&c, "button[data-provider='plaid']")
        .await
        .click()
        .await
        .unwrap();
    visible(&c, "#fake-plaid-continue")
        .await
        .click()
        .await
        .unwrap();
    visible(&c, "#step-success").await;
    let accounts = c.find_all(Locator::Css("#accounts li")).await.unwrap();
    assert_eq!(accounts.len(), 2);
    let institution = visible(&c, "#institution").await.text().await.unwrap();
    assert!(institution.contains("First Platypus Bank"), "{institution}");
    screenshot(&c, "plaid-success").await;
    c.close().await.unwrap();

    let s = session(&app, &id).await;
    assert_eq!(s["status"], "consumed", "{s}");
    let conn = s["result_connection_ids"][0].as_str().unwrap();
    assert_eq!(count(&app, conn).await, 30);
    let req = &fake.calls("/link/token/create")[0];
    assert_eq!(req["user"]["client_user_id"], user["id"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn leaving_link_with_an_error_fails_the_attempt_and_a_retry_connects() {
    let (app, fake) = spawn().await;
    let (public_token, item_id) = fake.add_item("First Platypus Bank");
    fake.add(&item_id, &crate::plaid_history(&item_id, 5));
    fake.link_succeeds_with(&public_token, false);
    let driver = start_driver();
    let c = browser(&driver).await;
    let user = app.create_user("Pat").await;
    let s = mint(&app, json!({"user_id": user["id"], "provider": "plaid"})).await;
    let id = s["id"].as_str().unwrap().to_owned();

    c.goto(s["url"].as_str().unwrap()).await.unwrap();
    visible(&c, "#fake-plaid-exit").await.click().await.unwrap();
    let message = visible(&c, "#failure-message").await.text().await.unwrap();
    assert!(message.contains("not responding"), "{message}");
    let failed = session(&app, &id).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["error_code"], "INSTITUTION_NOT_RESPONDING");
    screenshot(&c, "plaid-exit").await;

    visible(&c, "#retry").await.click().await.unwrap();
    visible(&c, "#fake-plaid-continue")
        .await
        .click()
        .await
        .unwrap();
    visible(&c, "#step-success").await;
    c.close().await.unwrap();
    let done = session(&app, &id).await;
    assert_eq!(done["status"], "consumed", "{done}");
    assert_eq!(
        fake.calls("/link/token/create").len(),
        2,
        "one link token per attempt"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relink_runs_link_in_update_mode_and_the_connection_is_active_again() {
    let (app, fake) = spawn().await;
    let (public_token, item_id) = fake.add_item("First Platypus Bank");
    fake.add(&item_id, &crate::plaid_history(&item_id, 3));
    let user = app.create_user("Pat").await;
    let (st, conn) = app
        .post(
            "/api/v1/connections",
            json!({"provider": "plaid", "user_id": user["id"], "credentials": {"public_token": public_token}}),
        )
        .await;
    assert_eq!(st, 201, "{conn}");
    let conn_id = conn["id"].as_str().unwrap().to_owned();
    app.wait_for_sync(&conn_id).await;
    fake.with_item(&item_id, |i| i.login_required = true);
    let (st, _) = app
        .post(&format!("/api/v1/connections/{conn_id}/sync"), json!({}))
        .await;
    assert_eq!(st, 202);
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.get(&format!("/api/v1/connections/{conn_id}")).await.1["status"] != "pending_reauth" {
        assert!(Instant::now() < deadline, "never pending_reauth");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let (st, s) = app
        .post(&format!("/api/v1/connections/{conn_id}/relink"), json!({}))
        .await;
    assert_eq!(st, 201, "{s}");
    fake.with_item(&item_id, |i| i.login_required = false);
    fake.link_succeeds_with(&fake.public_token_for(&item_id), false);
    let driver = start_driver();
    let c = browser(&driver).await;
    c.goto(s["url"].as_str().unwrap()).await.unwrap();
    let title = visible(&c, "#title").await.text().await.unwrap();
    assert_eq!(title, "Reconnect your bank");
    visible(&c, "#fake-plaid-continue")
        .await
        .click()
        .await
        .unwrap();
    visible(&c, "#step-success").await;
    screenshot(&c, "plaid-relink").await;
    c.close().await.unwrap();

    let update = fake.calls("/link/token/create").pop().unwrap();
    assert_eq!(
        update["access_token"],
        fake.item(&item_id).access_token.as_str()
    );
    assert!(update.get("products").is_none(), "{update}");
    let conn = app.get(&format!("/api/v1/connections/{conn_id}")).await.1;
    assert_eq!(conn["status"], "active", "{conn}");
    assert!(conn["error_code"].is_null());
    assert_eq!(
        session(&app, s["id"].as_str().unwrap()).await["status"],
        "consumed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oauth_bank_sends_the_browser_to_link_return_and_the_session_resumes() {
    let (app, fake) = spawn().await;
    let (public_token, item_id) = fake.add_item("First Platypus Bank");
    fake.add(&item_id, &crate::plaid_history(&item_id, 7));
    fake.link_succeeds_with(&public_token, true);
    let driver = start_driver();
    let c = browser(&driver).await;
    let user = app.create_user("Pat").await;
    let back = app.url("/health?from=link");
    let s = mint(
        &app,
        json!({"user_id": user["id"], "provider": "plaid", "redirect_url": back}),
    )
    .await;
    let id = s["id"].as_str().unwrap().to_owned();

    c.goto(s["url"].as_str().unwrap()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let url = c.current_url().await.unwrap();
        if url.path() == "/health" {
            break;
        }
        assert!(Instant::now() < deadline, "never finished; at {url}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.close().await.unwrap();
    let done = session(&app, &id).await;
    assert_eq!(done["status"], "consumed", "{done}");
    let conn = done["result_connection_ids"][0].as_str().unwrap();
    assert_eq!(count(&app, conn).await, 7);
}
