//! `POST /webhooks/plaid`: the `Plaid-Verification` JWT checked (ES256, key by `kid` from
//! `/webhook_verification_key/get`, age, body hash), and what each webhook does.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{connect, connection, spawn_plaid};
use crate::fake_plaid::FakePlaid;
use crate::fake_plaid::signing::{SigningKey, hex_sha256};
use crate::helpers::{TestApp, assert_error, send};

async fn deliver(app: &TestApp, body: &[u8], jwt: Option<&str>) -> (StatusCode, Value) {
    let mut req = app
        .req_as(reqwest::Method::POST, "/webhooks/plaid", None)
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(jwt) = jwt {
        req = req.header("Plaid-Verification", jwt);
    }
    send(req).await
}

fn item_hook(item_id: &str, code: &str, extra: Value) -> Vec<u8> {
    let mut body = json!({"webhook_type": "ITEM", "webhook_code": code, "item_id": item_id,
        "environment": "sandbox"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    body.to_string().into_bytes()
}

fn sync_hook(item_id: &str) -> Vec<u8> {
    json!({"webhook_type": "TRANSACTIONS", "webhook_code": "SYNC_UPDATES_AVAILABLE",
        "item_id": item_id, "initial_update_complete": true, "historical_update_complete": true,
        "environment": "sandbox"})
    .to_string()
    .into_bytes()
}

async fn sync_logs(app: &TestApp, id: &str) -> Vec<Value> {
    let (_, logs) = app
        .get(&format!("/api/v1/sync/logs?connection_id={id}"))
        .await;
    logs["data"].as_array().unwrap().clone()
}

async fn connected() -> (TestApp, FakePlaid, String, String) {
    let (app, fake) = spawn_plaid().await;
    let (id, item_id) = connect(&app, &fake, 2).await;
    (app, fake, id, item_id)
}

#[tokio::test]
async fn a_verified_sync_updates_available_runs_a_webhook_sync() {
    let (app, fake, id, item_id) = connected().await;
    fake.add(&item_id, &super::history(&item_id, "new", 3));
    let body = sync_hook(&item_id);
    let (s, b) = deliver(&app, &body, Some(&fake.sign(&body, 0))).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["applied"], 1);
    let status = app.wait_for_sync(&id).await;
    assert_eq!(status["last_sync"]["trigger"], "webhook", "{status}");
    assert_eq!(status["last_sync"]["added_count"], 3);
    // A second webhook signed by the same key needs no new key lookup.
    let body = item_hook(&item_id, "WEBHOOK_UPDATE_ACKNOWLEDGED", json!({}));
    let (s, b) = deliver(&app, &body, Some(&fake.sign(&body, 10))).await;
    assert_eq!((s.as_u16(), b["applied"].as_i64()), (200, Some(0)), "{b}");
    assert_eq!(fake.calls("/webhook_verification_key/get").len(), 1);
}

#[tokio::test]
async fn unverified_webhooks_are_401_and_change_nothing() {
    let (app, fake, id, item_id) = connected().await;
    let body = item_hook(
        &item_id,
        "ERROR",
        json!({"error": {"error_type": "ITEM_ERROR",
        "error_code": "ITEM_LOGIN_REQUIRED", "error_message": "login required",
        "display_message": null, "status": 400}}),
    );
    let stale = fake.sign(&body, 6 * 60);
    let other_body = fake.sign(&sync_hook(&item_id), 0);
    let mut foreign = SigningKey::generate("key-1");
    foreign.expired_at = None;
    let forged = foreign.sign(&body, jiff::Timestamp::now().as_second());
    let unknown_kid =
        SigningKey::generate("key-nobody-has").sign(&body, jiff::Timestamp::now().as_second());
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header { kid: Some("key-1".into()), ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256) },
        &json!({"iat": jiff::Timestamp::now().as_second(), "request_body_sha256": hex_sha256(&body)}),
        &jsonwebtoken::EncodingKey::from_secret(b"guess"),
    )
    .unwrap();
    let cases: [(&str, Option<&str>); 7] = [
        ("no header", None),
        ("garbage", Some("not-a-jwt")),
        ("older than five minutes", Some(&stale)),
        ("hash of another body", Some(&other_body)),
        ("signed by a key Plaid does not hold", Some(&forged)),
        ("kid Plaid does not know", Some(&unknown_kid)),
        ("HS256 instead of ES256", Some(&hs256)),
    ];
    for (what, jwt) in cases {
        let (s, b) = deliver(&app, &body, jwt).await;
        assert_error(s, &b, 401, "INVALID_SIGNATURE");
        assert_eq!(
            connection(&app, &id).await["status"],
            "active",
            "{what} changed the connection"
        );
    }
    assert_eq!(
        sync_logs(&app, &id).await.len(),
        1,
        "only the initial sync ran"
    );
    // Nothing leaked about why beyond the envelope.
    let good = fake.sign(&body, 0);
    let (s, _) = deliver(&app, &body, Some(&good)).await;
    assert_eq!(s, 200);
    assert_eq!(connection(&app, &id).await["status"], "pending_reauth");
}

#[tokio::test]
async fn a_rotated_key_is_fetched_by_its_kid_and_a_retired_one_stops_verifying() {
    let (app, fake, id, item_id) = connected().await;
    let body = sync_hook(&item_id);
    let (s, _) = deliver(&app, &body, Some(&fake.sign(&body, 0))).await;
    assert_eq!(s, 200);
    app.wait_for_sync(&id).await;
    // Plaid rotates: key-1 is retired, key-2 signs from now on.
    fake.state().keys[0].expired_at = Some(jiff::Timestamp::now().as_second());
    let old = fake.sign(&body, 0);
    fake.rotate_key("key-2");
    let (s, b) = deliver(&app, &body, Some(&fake.sign(&body, 0))).await;
    assert_eq!(s, 200, "{b}");
    let fetched: Vec<Value> = fake
        .calls("/webhook_verification_key/get")
        .iter()
        .map(|c| c["key_id"].clone())
        .collect();
    assert!(fetched.contains(&json!("key-2")), "{fetched:?}");
    // The unknown kid refreshed key-1 too, so its retirement is known now.
    assert!(
        fetched.iter().filter(|k| *k == "key-1").count() >= 2,
        "{fetched:?}"
    );
    let (s, b) = deliver(&app, &body, Some(&old)).await;
    assert_error(s, &b, 401, "INVALID_SIGNATURE");
}

#[tokio::test]
async fn item_webhooks_move_the_connection_between_states() {
    let (app, fake, id, item_id) = connected().await;
    let hook = |code: &str, extra: Value| {
        let body = item_hook(&item_id, code, extra);
        let jwt = fake.sign(&body, 0);
        (body, jwt)
    };
    let status = |c: &Value| {
        (
            c["status"].as_str().unwrap().to_owned(),
            c["error_code"].as_str().map(str::to_owned),
        )
    };

    let (body, jwt) = hook(
        "PENDING_EXPIRATION",
        json!({"consent_expiration_time": "2026-03-01T00:00:00Z"}),
    );
    assert_eq!(deliver(&app, &body, Some(&jwt)).await.0, 200);
    let c = connection(&app, &id).await;
    assert_eq!(
        status(&c),
        ("active".into(), Some("PENDING_EXPIRATION".into()))
    );
    assert!(
        c["error_message"].as_str().unwrap().contains("2026-03-01"),
        "{c}"
    );
    // The flag survives a successful sync: only a relink (or Plaid's all-clear) clears it.
    assert_eq!(super::sync_now(&app, &id).await["status"], "success");
    assert_eq!(
        status(&connection(&app, &id).await).1.as_deref(),
        Some("PENDING_EXPIRATION")
    );

    let (body, jwt) = hook("LOGIN_REPAIRED", json!({}));
    assert_eq!(deliver(&app, &body, Some(&jwt)).await.0, 200);
    assert_eq!(
        status(&connection(&app, &id).await),
        ("active".into(), None)
    );

    let (body, jwt) = hook(
        "PENDING_DISCONNECT",
        json!({"reason": "INSTITUTION_MIGRATION", "disconnect_time": "2026-04-01T00:00:00Z"}),
    );
    assert_eq!(deliver(&app, &body, Some(&jwt)).await.0, 200);
    assert_eq!(
        status(&connection(&app, &id).await),
        ("active".into(), Some("PENDING_DISCONNECT".into()))
    );

    let (body, jwt) = hook("USER_PERMISSION_REVOKED", json!({"error": null}));
    assert_eq!(deliver(&app, &body, Some(&jwt)).await.0, 200);
    assert_eq!(
        status(&connection(&app, &id).await),
        (
            "pending_reauth".into(),
            Some("USER_PERMISSION_REVOKED".into())
        )
    );
    // A notice does not wake a connection that needs re-authentication.
    let (body, jwt) = hook(
        "PENDING_EXPIRATION",
        json!({"consent_expiration_time": "2026-03-01T00:00:00Z"}),
    );
    assert_eq!(deliver(&app, &body, Some(&jwt)).await.0, 200);
    assert_eq!(status(&connection(&app, &id).await).0, "pending_reauth");

    let (body, jwt) = hook("LOGIN_REPAIRED", json!({}));
    assert_eq!(deliver(&app, &body, Some(&jwt)).await.0, 200);
    assert_eq!(
        status(&connection(&app, &id).await),
        ("active".into(), None)
    );
    // An ITEM error that is not about the login leaves the status to the next sync.
    let (body, jwt) = hook(
        "ERROR",
        json!({"error": {"error_type": "INSTITUTION_ERROR",
        "error_code": "INSTITUTION_DOWN", "error_message": "down", "display_message": null}}),
    );
    let (s, b) = deliver(&app, &body, Some(&jwt)).await;
    assert_eq!((s.as_u16(), b["applied"].as_i64()), (200, Some(0)));
    assert_eq!(
        status(&connection(&app, &id).await),
        ("active".into(), None)
    );
}

#[tokio::test]
async fn webhooks_for_unknown_items_are_accepted_and_ignored() {
    let (app, fake) = spawn_plaid().await;
    let body = sync_hook("item-this-server-never-saw");
    let (s, b) = deliver(&app, &body, Some(&fake.sign(&body, 0))).await;
    assert_eq!((s.as_u16(), b["applied"].as_i64()), (200, Some(0)), "{b}");
}
