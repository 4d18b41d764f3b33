//! Plaid end to end: the real app over HTTP against the fake Plaid in `fake_plaid`.

mod crash;
mod errors;
mod page;
mod sync;
mod webhooks;

use std::time::{Duration, Instant};

use breadbox::Config;
use breadbox::providers::plaid::PlaidConfig;
use serde_json::{Value, json};

use crate::fake_plaid::{FakePlaid, Txn};
use crate::helpers::{TestApp, spawn_with};

/// An app with Plaid pointed at a fresh fake.
pub async fn spawn_plaid() -> (TestApp, FakePlaid) {
    spawn_plaid_with(|_, _| {}).await
}

/// The same, after `tweak` adjusted the app's and Plaid's config.
pub async fn spawn_plaid_with(
    tweak: impl FnOnce(&mut Config, &mut PlaidConfig),
) -> (TestApp, FakePlaid) {
    let fake = FakePlaid::start().await;
    let mut plaid = fake.config();
    let app = spawn_with(move |c| {
        c.rate_limit_rpm = 0;
        tweak(c, &mut plaid);
        c.plaid = Some(plaid);
    })
    .await;
    (app, fake)
}

/// `n` posted transactions on the Item's checking account, one a day back from 2025-12-31.
pub fn history(item_id: &str, prefix: &str, n: usize) -> Vec<Txn> {
    let start = jiff::civil::date(2025, 12, 31);
    (0..n)
        .map(|i| {
            let day = start
                .checked_sub(jiff::Span::new().days(i64::try_from(i % 700).unwrap()))
                .unwrap();
            Txn::new(
                &format!("{prefix}-{i}"),
                &format!("{item_id}-chk"),
                &format!("{}.{:02}", 1 + i % 90, i % 100),
                &day.to_string(),
                &format!("Coffee {i}"),
            )
        })
        .collect()
}

/// Connects an Item through `POST /api/v1/connections` and waits for its first sync;
/// returns (connection id, item id).
pub async fn connect(app: &TestApp, fake: &FakePlaid, txns: usize) -> (String, String) {
    let (public_token, item_id) = fake.add_item("First Platypus Bank");
    fake.add(&item_id, &history(&item_id, "t", txns));
    let user = app.create_user("Pat").await;
    let (s, conn) = app
        .post(
            "/api/v1/connections",
            json!({"provider": "plaid", "user_id": user["id"],
                   "credentials": {"public_token": public_token}}),
        )
        .await;
    assert_eq!(s, 201, "{conn}");
    let id = conn["id"].as_str().unwrap().to_owned();
    let status = app.wait_for_sync(&id).await;
    assert_eq!(status["last_sync"]["status"], "success", "{status}");
    (id, item_id)
}

/// Triggers a manual sync and waits for its log.
pub async fn sync_now(app: &TestApp, id: &str) -> Value {
    let (s, body) = app
        .post(&format!("/api/v1/connections/{id}/sync"), json!({}))
        .await;
    assert_eq!(s, 202, "{body}");
    let log_id = body["sync_log_id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, log) = app.get(&format!("/api/v1/sync/logs/{log_id}")).await;
        if log["status"] != "in_progress" {
            return log;
        }
        assert!(Instant::now() < deadline, "sync never finished");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every visible transaction of the connection, through the API.
pub async fn transactions(app: &TestApp, conn: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let after = if cursor.is_empty() {
            String::new()
        } else {
            format!("&cursor={cursor}")
        };
        let (s, page) = app
            .get(&format!(
                "/api/v1/transactions?connection_id={conn}&limit=500{after}"
            ))
            .await;
        assert_eq!(s, 200, "{page}");
        out.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["pagination"]["next_cursor"].as_str() {
            Some(c) if !c.is_empty() => c.clone_into(&mut cursor),
            _ => return out,
        }
    }
}

pub async fn connection(app: &TestApp, id: &str) -> Value {
    let (s, c) = app.get(&format!("/api/v1/connections/{id}")).await;
    assert_eq!(s, 200, "{c}");
    c
}
