//! Plaid failures by `error_code`: re-authentication, rate limits, institution outages,
//! rejected public tokens, and `/item/remove` on delete (best effort).

use serde_json::json;

use super::{connect, connection, spawn_plaid, sync_now, transactions};
use crate::helpers::assert_error;

#[tokio::test]
async fn item_login_required_moves_the_connection_to_pending_reauth() {
    let (app, fake) = spawn_plaid().await;
    let (id, item_id) = connect(&app, &fake, 4).await;
    fake.with_item(&item_id, |i| i.login_required = true);
    let log = sync_now(&app, &id).await;
    assert_eq!(log["status"], "error", "{log}");
    let conn = connection(&app, &id).await;
    assert_eq!(conn["status"], "pending_reauth");
    assert_eq!(conn["error_code"], "ITEM_LOGIN_REQUIRED");
    assert!(
        conn["error_message"]
            .as_str()
            .unwrap()
            .contains("ITEM_LOGIN_REQUIRED")
    );
    assert_eq!(transactions(&app, &id).await.len(), 4);
}

#[tokio::test]
async fn a_passing_rate_limit_is_retried_within_the_sync() {
    let (app, fake) = spawn_plaid().await;
    let (id, item_id) = connect(&app, &fake, 1).await;
    fake.add(&item_id, &super::history(&item_id, "n", 2));
    fake.fail(
        "/transactions/sync",
        2,
        429,
        "RATE_LIMIT_EXCEEDED",
        "TRANSACTIONS_SYNC_LIMIT",
    );
    let log = sync_now(&app, &id).await;
    assert_eq!(log["status"], "success", "{log}");
    assert_eq!(log["added_count"], 2);
}

#[tokio::test]
async fn a_lasting_rate_limit_leaves_data_and_cursor_for_a_later_try() {
    let (app, fake) = spawn_plaid().await;
    let (id, item_id) = connect(&app, &fake, 2).await;
    fake.add(&item_id, &super::history(&item_id, "n", 3));
    let cursor_before = app.query_i64("SELECT length(sync_cursor) FROM connections");
    fake.fail(
        "/transactions/sync",
        3,
        429,
        "RATE_LIMIT_EXCEEDED",
        "TRANSACTIONS_SYNC_LIMIT",
    );
    let log = sync_now(&app, &id).await;
    assert_eq!(log["status"], "error", "{log}");
    assert!(
        log["error_message"]
            .as_str()
            .unwrap()
            .contains("TRANSACTIONS_SYNC_LIMIT"),
        "{log}"
    );
    let conn = connection(&app, &id).await;
    assert_eq!(
        conn["status"], "error",
        "a rate limit is not a re-auth: {conn}"
    );
    assert_eq!(transactions(&app, &id).await.len(), 2);
    assert_eq!(
        app.query_i64("SELECT length(sync_cursor) FROM connections"),
        cursor_before
    );
    assert!(app.query_i64("SELECT next_sync_at - strftime('%s','now') FROM connections") > 60);
    // Once Plaid lets us in again the same sync picks up where it left off.
    let log = sync_now(&app, &id).await;
    assert_eq!(
        (log["status"].as_str(), log["added_count"].as_i64()),
        (Some("success"), Some(3))
    );
    assert_eq!(connection(&app, &id).await["status"], "active");
}

#[tokio::test]
async fn an_institution_outage_is_retried_later_not_a_reauth() {
    let (app, fake) = spawn_plaid().await;
    let (id, _) = connect(&app, &fake, 1).await;
    fake.fail(
        "/transactions/sync",
        1,
        400,
        "INSTITUTION_ERROR",
        "INSTITUTION_DOWN",
    );
    assert_eq!(sync_now(&app, &id).await["status"], "error");
    assert_eq!(connection(&app, &id).await["status"], "error");
    fake.fail(
        "/accounts/get",
        1,
        500,
        "API_ERROR",
        "INTERNAL_SERVER_ERROR",
    );
    assert_eq!(sync_now(&app, &id).await["status"], "error");
    assert_eq!(sync_now(&app, &id).await["status"], "success");
}

#[tokio::test]
async fn a_public_token_plaid_rejects_creates_nothing() {
    let (app, fake) = spawn_plaid().await;
    let user = app.create_user("Pat").await;
    let (s, body) = app
        .post(
            "/api/v1/connections",
            json!({"provider": "plaid", "user_id": user["id"],
                   "credentials": {"public_token": "public-sandbox-expired"}}),
        )
        .await;
    assert_error(s, &body, 422, "VALIDATION_ERROR");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("INVALID_PUBLIC_TOKEN"),
        "{body}"
    );
    let (s, body) = app
        .post(
            "/api/v1/connections",
            json!({"provider": "plaid", "user_id": user["id"], "credentials": {}}),
        )
        .await;
    assert_error(s, &body, 422, "VALIDATION_ERROR");
    assert_eq!(app.query_i64("SELECT count(*) FROM connections"), 0);
    fake.fail(
        "/item/public_token/exchange",
        1,
        500,
        "API_ERROR",
        "INTERNAL_SERVER_ERROR",
    );
    let (public_token, _) = fake.add_item("Bank");
    let (s, body) = app
        .post(
            "/api/v1/connections",
            json!({"provider": "plaid", "user_id": user["id"], "credentials": {"public_token": public_token}}),
        )
        .await;
    assert_error(s, &body, 502, "PROVIDER_ERROR");
    assert_eq!(app.query_i64("SELECT count(*) FROM connections"), 0);
}

#[tokio::test]
async fn deleting_a_connection_removes_the_item_at_plaid() {
    let (app, fake) = spawn_plaid().await;
    let (id, item_id) = connect(&app, &fake, 2).await;
    let (s, _) = app.delete(&format!("/api/v1/connections/{id}")).await;
    assert_eq!(s, 204);
    let removed = fake.calls("/item/remove");
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["access_token"], fake.item(&item_id).access_token);
    assert!(fake.item(&item_id).removed);
}

#[tokio::test]
async fn a_failing_item_remove_still_disconnects_locally() {
    let (app, fake) = spawn_plaid().await;
    let (id, _) = connect(&app, &fake, 2).await;
    fake.fail("/item/remove", 1, 500, "API_ERROR", "INTERNAL_SERVER_ERROR");
    let (s, _) = app.delete(&format!("/api/v1/connections/{id}")).await;
    assert_eq!(s, 204);
    assert_eq!(connection(&app, &id).await["status"], "disconnected");
    assert_eq!(
        app.query_i64("SELECT count(*) FROM connections WHERE credentials IS NULL"),
        1
    );
}

#[tokio::test]
async fn an_unreadable_transaction_fails_the_sync_and_commits_none_of_it() {
    let (app, fake) = spawn_plaid().await;
    let (id, item_id) = connect(&app, &fake, 2).await;
    let chk = format!("{item_id}-chk");
    fake.add(
        &item_id,
        &[
            crate::fake_plaid::Txn::new("fine", &chk, "1.00", "2025-12-01", "Fine"),
            crate::fake_plaid::Txn::new("huge", &chk, "10000000000000.01", "2025-12-02", "Huge"),
        ],
    );
    let log = sync_now(&app, &id).await;
    assert_eq!(log["status"], "error", "{log}");
    assert!(
        log["error_message"]
            .as_str()
            .unwrap()
            .contains("out of range"),
        "{log}"
    );
    assert_eq!(connection(&app, &id).await["status"], "error");
    assert_eq!(transactions(&app, &id).await.len(), 2);
}
