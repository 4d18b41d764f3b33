//! Teller webhooks through the real app: `Teller-Signature` verified over the raw body
//! (fresh, any `v1` of a rotating secret), then a sync or a status change for the connection
//! the enrollment names; anything unverified is 401 and changes nothing.

use breadbox::providers::teller::webhook::sign;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_error, send};
use crate::teller::{ENROLLMENT, Options, SECRET, connect, household, settled, start};

/// Posts a webhook with the given signature header.
async fn deliver(
    app: &TestApp,
    body: &Value,
    header: Option<String>,
) -> (reqwest::StatusCode, Value) {
    let mut req = app
        .client
        .post(app.url("/webhooks/teller"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(h) = header {
        req = req.header("Teller-Signature", h);
    }
    send(req).await
}

fn signed(secret: &str, body: &Value, age: i64) -> String {
    let t = breadbox::time::now() - age;
    format!("t={t},v1={}", sign(secret, t, body.to_string().as_bytes()))
}

fn event(kind: &str, enrollment: &str) -> Value {
    json!({"id": "wh_abc", "type": kind, "timestamp": "2026-01-01T00:00:00Z",
           "payload": {"enrollment_id": enrollment, "reason": "disconnected.account_locked", "transactions": []}})
}

async fn logs(app: &TestApp, id: &str) -> Vec<Value> {
    let (_, body) = app
        .get(&format!("/api/v1/sync/logs?connection_id={id}"))
        .await;
    body["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn signed_webhooks_sync_or_flag_the_connection_and_unsigned_ones_change_nothing() {
    let s = start(Options::default()).await;
    household(&s.teller);
    let conn = connect(&s.app).await;
    let id = conn["id"].as_str().unwrap();
    let processed = event("transactions.processed", ENROLLMENT);

    // Refused: unsigned, forged, stale, signed by another secret.
    for header in [
        None,
        Some(format!(
            "t={},v1={}",
            breadbox::time::now(),
            "ab".repeat(32)
        )),
        Some(signed(SECRET, &processed, 301)),
        Some(signed("whsec_other", &processed, 0)),
    ] {
        let (st, body) = deliver(&s.app, &processed, header).await;
        assert_error(st, &body, 401, "INVALID_SIGNATURE");
    }
    assert_eq!(logs(&s.app, id).await.len(), 1, "no sync was triggered");

    let test = event("webhook.test", "");
    let (st, body) = deliver(&s.app, &test, Some(signed(SECRET, &test, 0))).await;
    assert_eq!(
        (st.as_u16(), body["status"].as_str()),
        (200, Some("accepted"))
    );

    // A rotating secret: old and new signatures side by side; ours is the new one.
    let t = breadbox::time::now();
    let raw = processed.to_string();
    let rotated = format!(
        "t={t},v1={},v1={}",
        sign("whsec_previous", t, raw.as_bytes()),
        sign(SECRET, t, raw.as_bytes())
    );
    let (st, _) = deliver(&s.app, &processed, Some(rotated)).await;
    assert_eq!(st, 200);
    let status = settled(&s.app, id).await;
    assert_eq!(status["last_sync"]["trigger"], "webhook", "{status}");
    assert_eq!(logs(&s.app, id).await.len(), 2);

    let unknown = event("transactions.processed", "enr_somebody_else");
    let (st, _) = deliver(&s.app, &unknown, Some(signed(SECRET, &unknown, 0))).await;
    assert_eq!(st, 200);
    assert_eq!(
        logs(&s.app, id).await.len(),
        2,
        "unknown enrollments change nothing"
    );

    let gone = event("enrollment.disconnected", ENROLLMENT);
    let (st, _) = deliver(&s.app, &gone, Some(signed(SECRET, &gone, 0))).await;
    assert_eq!(st, 200);
    let (_, after) = s.app.get(&format!("/api/v1/connections/{id}")).await;
    assert_eq!(after["status"], "pending_reauth", "{after}");
    assert!(
        after["error_message"]
            .as_str()
            .unwrap()
            .contains("account_locked")
    );
}

#[tokio::test]
async fn without_a_signing_secret_every_webhook_is_refused() {
    let s = start(Options {
        secret: None,
        ..Options::default()
    })
    .await;
    household(&s.teller);
    let conn = connect(&s.app).await;
    let body = event("enrollment.disconnected", ENROLLMENT);
    let (st, resp) = deliver(&s.app, &body, Some(signed(SECRET, &body, 0))).await;
    assert_error(st, &resp, 401, "INVALID_SIGNATURE");
    let (_, after) = s
        .app
        .get(&format!(
            "/api/v1/connections/{}",
            conn["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(after["status"], "active");
}
