//! The provider registry through HTTP: `GET /api/v1/providers`, the page's picker, and the
//! generic webhook route with a source that verifies its own (toy) signature.

use std::sync::Arc;

use async_trait::async_trait;
use breadbox::domain::ConnectionStatus;
use breadbox::providers::{
    Linked, PageFlow, Provider, ProviderError, ProviderInfo, Providers, Registration, SOURCES,
    StartContext, SyncBatch, SyncRequest, WebhookError, WebhookEvent, WebhookRequest,
};
use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn every_known_source_is_listed_with_whether_it_is_configured() {
    let app = spawn_app().await;
    let (s, b) = app.get("/api/v1/providers").await;
    assert_eq!(s, 200, "{b}");
    let names: Vec<&str> = b["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["plaid", "teller", "simplefin", "csv", "demo"]);
    let csv = &b["data"][3];
    assert_eq!(csv["configured"], true, "{csv}");
    assert_eq!(csv["display_name"], "CSV file");
    assert_eq!(
        b["data"][4]["configured"], false,
        "demo is off unless enabled"
    );
}

/// A source whose webhooks carry `x-toy-signature: good` and a JSON body naming the login.
struct ToyBank;

const TOY: ProviderInfo = ProviderInfo {
    name: "demo",
    display_name: "Toy Bank",
    needs_link_session: false,
    on_page: true,
    scheduled: true,
};

#[async_trait]
impl Provider for ToyBank {
    fn info(&self) -> ProviderInfo {
        TOY
    }
    async fn start(&self, _: &StartContext) -> Result<PageFlow, ProviderError> {
        Ok(PageFlow::Form {
            fields: vec![],
            help_url: Some("https://toy.example/help".into()),
        })
    }
    async fn link(&self, c: &serde_json::Value) -> Result<Linked, ProviderError> {
        Ok(Linked {
            institution_id: None,
            institution_name: Some("Toy Bank".into()),
            secret: "toy-secret".into(),
            external_id: c["login"].as_str().map(str::to_owned),
        })
    }
    async fn sync(&self, req: SyncRequest) -> Result<SyncBatch, ProviderError> {
        Ok(SyncBatch {
            next_cursor: req.cursor,
            ..SyncBatch::default()
        })
    }
    async fn revoke(&self, _: &str) -> Result<(), ProviderError> {
        Ok(())
    }
    async fn webhook(&self, req: &WebhookRequest) -> Result<Vec<WebhookEvent>, WebhookError> {
        if req.header("x-toy-signature") != Some("good") {
            return Err(WebhookError::Unverified("bad toy signature".into()));
        }
        let body: serde_json::Value = serde_json::from_slice(&req.body)
            .map_err(|_| WebhookError::Malformed("not JSON".into()))?;
        let external_id = body["login"].as_str().unwrap_or_default().to_owned();
        Ok(match body["event"].as_str() {
            Some("broken") => vec![WebhookEvent::Status {
                external_id,
                status: ConnectionStatus::PendingReauth,
                error_code: Some("ITEM_LOGIN_REQUIRED".into()),
                error_message: Some("sign in again".into()),
            }],
            Some("new_data") => vec![WebhookEvent::Sync { external_id }],
            _ => vec![WebhookEvent::Ignored],
        })
    }
}

async fn spawn_toy() -> TestApp {
    spawn_with_providers(
        |c| c.rate_limit_rpm = 0,
        |config| {
            let mut all: Vec<Registration> = SOURCES
                .iter()
                .map(|r| r(config))
                .filter(|r| r.info.name != "demo")
                .collect();
            all.push(Registration::configured(Arc::new(ToyBank)));
            Providers::from_registrations(all)
        },
    )
    .await
}

async fn hook(app: &TestApp, signature: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let (s, b) = send(
        app.req_as(Method::POST, "/webhooks/demo", None)
            .header("x-toy-signature", signature)
            .header("content-type", "application/json")
            .body(body.to_string()),
    )
    .await;
    (s.as_u16(), b)
}

#[tokio::test]
async fn a_verified_webhook_moves_the_connection_it_names_and_a_forged_one_changes_nothing() {
    let app = spawn_toy().await;
    let user = app.create_user("Toy").await;
    let (s, conn) = app
        .post(
            "/api/v1/connections",
            json!({"provider": "demo", "user_id": user["id"], "credentials": {"login": "L-1"}}),
        )
        .await;
    assert_eq!(s, 201, "{conn}");
    let id = conn["id"].as_str().unwrap().to_owned();
    app.wait_for_sync(&id).await;

    let broken = json!({"event": "broken", "login": "L-1"});
    let (s, b) = hook(&app, "forged", broken.clone()).await;
    assert_eq!(s, 401, "{b}");
    assert_eq!(b["error"]["code"], "INVALID_SIGNATURE");
    let (_, c) = app.get(&format!("/api/v1/connections/{id}")).await;
    assert_eq!(
        c["status"], "active",
        "a forged webhook must change nothing"
    );

    let (s, b) = hook(&app, "good", broken).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["applied"], 1);
    let (_, c) = app.get(&format!("/api/v1/connections/{id}")).await;
    assert_eq!(c["status"], "pending_reauth", "{c}");
    assert_eq!(c["error_code"], "ITEM_LOGIN_REQUIRED");

    let (s, b) = hook(&app, "good", json!({"event": "new_data", "login": "L-1"})).await;
    assert_eq!((s, &b["applied"]), (200, &json!(1)), "{b}");
    let (_, logs) = app
        .get(&format!("/api/v1/sync/logs?connection_id={id}"))
        .await;
    let triggers: Vec<&str> = logs["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["trigger"].as_str().unwrap())
        .collect();
    assert!(triggers.contains(&"webhook"), "{logs}");

    let (s, b) = hook(
        &app,
        "good",
        json!({"event": "new_data", "login": "nobody"}),
    )
    .await;
    assert_eq!(
        (s, &b["applied"]),
        (200, &json!(0)),
        "unknown logins are ignored: {b}"
    );
}

#[tokio::test]
async fn sources_without_webhooks_answer_404() {
    let app = spawn_app().await;
    for path in ["/webhooks/csv", "/webhooks/plaid", "/webhooks/nope"] {
        let req = app.req_as(Method::POST, path, None);
        let (s, b) = send(req.header("content-type", "application/json").body("{}")).await;
        assert_error(s, &b, 404, "NOT_FOUND");
    }
}

#[tokio::test]
async fn the_page_offers_configured_on_page_sources_and_their_flow() {
    let app = spawn_toy().await;
    let user = app.create_user("Page").await;
    let (s, link) = app
        .post("/api/v1/connections/link", json!({"user_id": user["id"]}))
        .await;
    assert_eq!(s, 201, "{link}");
    let token = link["token"].as_str().unwrap();
    let (s, session) =
        send(app.req_as(Method::GET, &format!("/_link/{token}/session"), None)).await;
    assert_eq!(s, 200, "{session}");
    let offered: Vec<&str> = session["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(offered, ["Toy Bank"], "csv is never offered on the page");
    let (s, flow) = send(app.req_as(
        Method::POST,
        &format!("/_link/{token}/providers/demo/start"),
        None,
    ))
    .await;
    assert_eq!(s, 200, "{flow}");
    assert_eq!(flow["kind"], "form");
    assert_eq!(flow["help_url"], "https://toy.example/help");
    let (s, b) = send(app.req_as(
        Method::POST,
        &format!("/_link/{token}/providers/csv/start"),
        None,
    ))
    .await;
    assert_error(s, &b, 404, "NOT_FOUND");
}
