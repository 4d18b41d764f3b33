//! End-to-end tests of the hosted-link page in headless Chromium (Debian's `chromium` and
//! `chromium-driver`). Run with `cargo test --test browser`; they
//! fail loudly when the browser is missing. Screenshots go to `target/browser-artifacts/`.

#![allow(clippy::unwrap_used)]

#[path = "../api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

#[path = "../api/fake_plaid/mod.rs"]
mod fake_plaid;
mod plaid;

/// `n` posted transactions on the Item's checking account.
fn plaid_history(item_id: &str, n: usize) -> Vec<fake_plaid::Txn> {
    (0..n)
        .map(|i| {
            fake_plaid::Txn::new(
                &format!("t-{i}"),
                &format!("{item_id}-chk"),
                &format!("{}.25", 1 + i),
                &format!("2025-11-{:02}", 1 + i % 28),
                &format!("Coffee {i}"),
            )
        })
        .collect()
}
#[path = "../api/fake_upstream/mod.rs"]
mod fake_upstream;

mod banks;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use helpers::{TestApp, spawn_demo};
use serde_json::{Value, json};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A chromedriver process, killed on drop.
struct Driver(Child, u16);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_driver() -> Driver {
    assert!(
        std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
        "browser tests need Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver(child, port)
}

async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--window-size=412,915"]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.1))
        .await
        .expect("connect to chromedriver")
}

async fn screenshot(c: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Waits until the element is displayed.
async fn visible(c: &Client, css: &str) -> fantoccini::elements::Element {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(el) = c.find(Locator::Css(css)).await
            && el.is_displayed().await.unwrap_or(false)
        {
            return el;
        }
        assert!(Instant::now() < deadline, "{css} never became visible");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn mint(app: &TestApp, body: Value) -> Value {
    let (s, b) = app.post("/api/v1/connections/link", body).await;
    assert_eq!(s, 201, "{b}");
    b
}

async fn sign_in(c: &Client, username: &str) {
    visible(c, "button[data-provider='demo']")
        .await
        .click()
        .await
        .unwrap();
    let select = visible(c, "select#field-username").await;
    select.select_by_value(username).await.unwrap();
    visible(c, "#field-password")
        .await
        .send_keys("hunter2")
        .await
        .unwrap();
    visible(c, "#connect").await.click().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_connects_the_demo_bank_and_is_sent_back() {
    let app = spawn_demo().await;
    let driver = start_driver();
    let c = browser(&driver).await;
    let user = app.create_user("Pat").await;
    let back = app.url("/health?from=link");
    let s = mint(
        &app,
        json!({"user_id": user["id"], "label": "Family budget", "redirect_url": back}),
    )
    .await;
    let id = s["id"].as_str().unwrap().to_owned();

    c.goto(s["url"].as_str().unwrap()).await.unwrap();
    let label = visible(&c, "#label").await.text().await.unwrap();
    assert_eq!(label, "Family budget");
    sign_in(&c, "demo_good").await;
    visible(&c, "#step-success").await;
    let accounts = c.find_all(Locator::Css("#accounts li")).await.unwrap();
    assert_eq!(accounts.len(), 3);
    screenshot(&c, "link-success").await;

    let deadline = Instant::now() + Duration::from_secs(20);
    let url = loop {
        let url = c.current_url().await.unwrap();
        if url.path() == "/health" {
            break url;
        }
        assert!(Instant::now() < deadline, "never redirected; at {url}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(url.query(), Some(format!("from=link&linkId={id}").as_str()));
    c.close().await.unwrap();

    let (_, session) = app.get(&format!("/api/v1/connections/link/{id}")).await;
    assert_eq!(session["status"], "consumed");
    let conn = session["result_connection_ids"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, count) = app
        .get(&format!("/api/v1/transactions/count?connection_id={conn}"))
        .await;
    assert!(count["count"].as_i64().unwrap() > 1000, "{count}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_attempt_can_be_retried_on_the_page() {
    let app = spawn_demo().await;
    let driver = start_driver();
    let c = browser(&driver).await;
    let user = app.create_user("Pat").await;
    let s = mint(&app, json!({"user_id": user["id"]})).await;
    let id = s["id"].as_str().unwrap().to_owned();

    c.goto(s["url"].as_str().unwrap()).await.unwrap();
    sign_in(&c, "demo_error").await;
    let message = visible(&c, "#step-failure").await.text().await.unwrap();
    assert!(message.contains("down"), "{message}");
    screenshot(&c, "link-failure").await;
    let (_, failed) = app.get(&format!("/api/v1/connections/link/{id}")).await;
    assert_eq!(failed["status"], "failed");

    visible(&c, "#retry").await.click().await.unwrap();
    sign_in(&c, "demo_good").await;
    visible(&c, "#step-success").await;
    let note = visible(&c, "#redirect-note").await.text().await.unwrap();
    assert!(note.contains("close this page"), "{note}");
    screenshot(&c, "link-retry-success").await;
    c.close().await.unwrap();

    let (_, session) = app.get(&format!("/api/v1/connections/link/{id}")).await;
    assert_eq!(session["status"], "consumed");
    let attempts: Vec<_> = session["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(attempts, ["failed", "succeeded"]);
    assert_eq!(
        session["result_connection_ids"].as_array().unwrap().len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_links_show_a_friendly_page() {
    let app = spawn_demo().await;
    let driver = start_driver();
    let c = browser(&driver).await;
    let user = app.create_user("Pat").await;
    let s = mint(
        &app,
        json!({"user_id": user["id"], "expires_in_seconds": 60}),
    )
    .await;
    let conn = rusqlite::Connection::open(app.state.db.path()).unwrap();
    conn.execute(
        "UPDATE hosted_link_sessions SET expires_at = expires_at - 120",
        [],
    )
    .unwrap();
    c.goto(s["url"].as_str().unwrap()).await.unwrap();
    let title = visible(&c, "#notice-title").await.text().await.unwrap();
    assert_eq!(title, "This link has expired");
    screenshot(&c, "link-expired").await;
    c.close().await.unwrap();
}
