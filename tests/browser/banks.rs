//! The real banks on the hosted page, end to end in headless Chromium: SimpleFIN's setup-token
//! form against a fake Bridge, and Teller Connect — Teller's script replaced by a local
//! stand-in with the documented `TellerConnect.setup({...}).open()` surface — against a fake
//! Teller over mutual TLS. Each ends with the session `consumed` and transactions in the API.

use std::time::{Duration, Instant};

use breadbox::config::TellerConfig;
use fantoccini::{Client, Locator};
use poem::{IntoResponse as _, Route};
use serde_json::{Value, json};

use super::fake_upstream::simplefin::{self as sf, Bridge};
use super::fake_upstream::teller::{self as tl, Teller};
use super::fake_upstream::{Pki, serve_http};
use super::helpers::{TestApp, spawn_with};
use super::{browser, mint, screenshot, start_driver, visible};

/// Teller Connect's documented surface, minus Teller: `setup(options)` returns `{open()}`;
/// opening shows a button that completes the enrollment and calls `onSuccess` with the
/// object shape of `tellerhq/teller-connect-react` (accessToken, user, enrollment, signatures).
const STAND_IN: &str = r#"
window.TellerConnect = {
  setup: function (options) {
    window.__tellerOptions = {
      applicationId: options.applicationId,
      environment: options.environment,
      enrollmentId: options.enrollmentId || null
    };
    return {
      open: function () {
        var b = document.createElement("button");
        b.id = "teller-stand-in-continue";
        b.type = "button";
        b.textContent = "Continue with Fake Bank";
        b.addEventListener("click", function () {
          b.remove();
          options.onSuccess({
            accessToken: "test_token_browser_e2e",
            user: { id: "usr_o2i3qbbs6fahq" },
            enrollment: { id: "enr_browser_e2e", institution: { name: "Fake Bank" } },
            signatures: ["c2lnbmF0dXJl"]
          });
        });
        document.body.appendChild(b);
      }
    };
  }
};
"#;

async fn wait_consumed(app: &TestApp, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, session) = app.get(&format!("/api/v1/connections/link/{id}")).await;
        if session["status"] == "consumed" {
            return session;
        }
        assert!(Instant::now() < deadline, "never consumed: {session}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn count(app: &TestApp, conn: &str) -> i64 {
    let (_, body) = app
        .get(&format!("/api/v1/transactions/count?connection_id={conn}"))
        .await;
    body["count"].as_i64().unwrap()
}

async fn accounts_shown(c: &Client) -> usize {
    visible(c, "#step-success").await;
    c.find_all(Locator::Css("#accounts li"))
        .await
        .unwrap()
        .len()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_pastes_a_simplefin_setup_token_and_is_connected() {
    let bridge = Bridge::start().await;
    let now = breadbox::time::now();
    let mut chk = sf::Acct::new("ACT-1", "Everyday Checking", "1234.56");
    chk.txns = vec![
        sf::Txn::posted("T1", now - 5 * sf::DAY, "-42.10", "Grocer"),
        sf::Txn::posted("T2", now - 15 * sf::DAY, "2500.00", "Payroll"),
        sf::Txn::pending("T3", now - sf::DAY, "-4.50", "Coffee"),
    ];
    bridge.with(|s| s.accounts = vec![chk, sf::Acct::new("ACT-2", "Savings", "9000.00")]);
    let app = spawn_with(|c| {
        c.rate_limit_rpm = 0;
        c.simplefin.enabled = true;
        c.simplefin.allow_http = true;
    })
    .await;
    let driver = start_driver();
    let c = browser(&driver).await;
    let user = app.create_user("Pat").await;
    let s = mint(&app, json!({"user_id": user["id"]})).await;
    let id = s["id"].as_str().unwrap().to_owned();

    c.goto(s["url"].as_str().unwrap()).await.unwrap();
    visible(&c, "button[data-provider='simplefin']")
        .await
        .click()
        .await
        .unwrap();
    let help = visible(&c, "#help-link").await;
    assert_eq!(
        help.attr("href").await.unwrap().as_deref(),
        Some("https://bridge.simplefin.org/simplefin/create")
    );
    let label = visible(&c, "label[for='field-setup_token']")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(label, "SimpleFIN setup token");
    visible(&c, "#field-setup_token")
        .await
        .send_keys(&bridge.setup_token("browser-token"))
        .await
        .unwrap();
    screenshot(&c, "simplefin-form").await;
    visible(&c, "#connect").await.click().await.unwrap();
    assert_eq!(accounts_shown(&c).await, 2);
    screenshot(&c, "simplefin-success").await;
    c.close().await.unwrap();

    let session = wait_consumed(&app, &id).await;
    let conn = session["result_connection_ids"][0].as_str().unwrap();
    assert_eq!(count(&app, conn).await, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_connects_through_teller_connect_and_is_connected() {
    let pki = Pki::new();
    let teller = Teller::start(&pki).await;
    teller.enroll("test_token_browser_e2e", "enr_browser_e2e");
    let mut chk = tl::Acct::new("acc_chk", "Everyday Checking", "depository", "checking");
    chk.txns = vec![
        tl::Txn::new("txn_1", "2026-01-05", "-42.50", "WHOLE FOODS"),
        tl::Txn::new("txn_2", "2026-01-02", "2500.00", "ACME PAYROLL"),
    ];
    let mut card = tl::Acct::new("acc_card", "Sapphire", "credit", "credit_card");
    card.txns = vec![tl::Txn::new("txn_3", "2026-01-04", "19.99", "BOOKSHOP")];
    teller.with(|s| s.accounts = vec![chk, card]);
    let script = serve_http(Route::new().at(
        "/connect/connect.js",
        poem::get(poem::endpoint::make_sync(|_| {
            STAND_IN.with_content_type("application/javascript")
        })),
    ))
    .await;
    let files = tempfile::tempdir().unwrap();
    let (cert, key, ca) = pki.write_client_files(files.path(), false);
    let connect_url = format!("{}/connect/connect.js", script.base);
    let base = teller.fake.base.clone();
    let connect = connect_url.clone();
    let app = spawn_with(move |c| {
        c.rate_limit_rpm = 0;
        c.teller = TellerConfig {
            application_id: Some("app_browser_e2e".into()),
            environment: "development".into(),
            certificate: Some(cert),
            private_key: Some(key),
            signing_secret: None,
            base_url: base,
            ca_certificate: Some(ca),
            connect_url: connect,
        };
    })
    .await;
    let driver = start_driver();
    let c = browser(&driver).await;
    let user = app.create_user("Pat").await;
    let s = mint(&app, json!({"user_id": user["id"], "provider": "teller"})).await;
    let id = s["id"].as_str().unwrap().to_owned();
    let page = reqwest::get(s["url"].as_str().unwrap()).await.unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'nonce-") && csp.contains(&script.base),
        "{csp}"
    );
    assert!(
        !csp.contains("cdn.teller.io"),
        "only the configured origin: {csp}"
    );

    c.goto(s["url"].as_str().unwrap()).await.unwrap();
    visible(&c, "#teller-stand-in-continue").await;
    let options = c
        .execute("return window.__tellerOptions;", vec![])
        .await
        .unwrap();
    assert_eq!(
        options,
        json!({"applicationId": "app_browser_e2e", "environment": "development", "enrollmentId": null})
    );
    screenshot(&c, "teller-connect-stand-in").await;
    visible(&c, "#teller-stand-in-continue")
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(accounts_shown(&c).await, 2);
    screenshot(&c, "teller-success").await;
    c.close().await.unwrap();

    let session = wait_consumed(&app, &id).await;
    let conn = session["result_connection_ids"][0].as_str().unwrap();
    assert_eq!(count(&app, conn).await, 3);
    assert_eq!(
        script.journal.to("/connect/connect.js").len(),
        1,
        "the page loaded Teller Connect from the configured URL"
    );
}
