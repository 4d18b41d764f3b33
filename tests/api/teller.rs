//! Teller end to end: the real app and client against a fake Teller that demands a client
//! certificate over TLS — link, paging, overlap, signs per account type, balances,
//! pending → posted, re-auth, 429/502, relink and delete (webhooks: `teller_webhooks`).

use base64::Engine as _;
use breadbox::config::TellerConfig;
use reqwest::Method;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::fake_upstream::Pki;
use crate::fake_upstream::teller::{Acct, Teller, Txn};
use crate::helpers::{TestApp, assert_error, send, spawn_with};

pub const SECRET: &str = "whsec_test_signing_secret";
pub const TOKEN: &str = "test_token_ky6igyqi3qxa4";
pub const ENROLLMENT: &str = "enr_o2i3qbbs6fahq";

/// A Teller-enabled app, its fake upstream, and the files it reads.
pub struct Setup {
    pub app: TestApp,
    pub teller: Teller,
    _files: TempDir,
}

/// Options of [`start`].
pub struct Options {
    pub secret: Option<&'static str>,
    /// Present a certificate from a CA the fake does not trust.
    pub stranger: bool,
    pub connect_url: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            secret: Some(SECRET),
            stranger: false,
            connect_url: None,
        }
    }
}

pub async fn start(opts: Options) -> Setup {
    let pki = Pki::new();
    let teller = Teller::start(&pki).await;
    let files = tempfile::tempdir().unwrap();
    let (cert, key, ca) = pki.write_client_files(files.path(), opts.stranger);
    let base = teller.fake.base.clone();
    let app = spawn_with(move |c| {
        c.rate_limit_rpm = 0;
        c.teller = TellerConfig {
            application_id: Some("app_o2i3qbbs6fahq".into()),
            environment: "development".into(),
            certificate: Some(cert),
            private_key: Some(key),
            signing_secret: opts.secret.map(str::to_owned),
            base_url: base,
            ca_certificate: Some(ca),
            connect_url: opts
                .connect_url
                .unwrap_or_else(|| TellerConfig::default().connect_url),
        };
    })
    .await;
    Setup {
        app,
        teller,
        _files: files,
    }
}

fn date(days_ago: i64) -> String {
    let today = jiff::Zoned::now().date();
    today
        .checked_sub(jiff::Span::new().days(days_ago))
        .unwrap()
        .to_string()
}

/// A checking account and a credit card with a few months of activity.
pub fn household(teller: &Teller) {
    teller.enroll(TOKEN, ENROLLMENT);
    let mut checking = Acct::new("acc_chk", "Everyday Checking", "depository", "checking");
    checking.ledger = Some("1234.56".into());
    checking.available = Some("1200.10".into());
    checking.txns = vec![
        Txn::new("txn_groc", &date(3), "-42.50", "WHOLE FOODS"),
        Txn::new("txn_pay", &date(20), "2500.00", "ACME PAYROLL"),
        Txn::new("txn_coffee", &date(1), "-4.50", "BLUE BOTTLE").pending(),
    ];
    let mut card = Acct::new("acc_card", "Sapphire", "credit", "credit_card");
    card.ledger = Some("512.30".into());
    card.available = Some("4487.70".into());
    card.txns = vec![
        Txn::new("txn_shoes", &date(40), "89.99", "SHOE STORE"),
        Txn::new("txn_cardpay", &date(10), "-300.00", "PAYMENT THANK YOU"),
    ];
    teller.with(|s| s.accounts = vec![checking, card]);
}

pub async fn connect(app: &TestApp) -> Value {
    let user = app.create_user("Tess").await;
    let (s, conn) = app
        .post(
            "/api/v1/connections",
            json!({"provider": "teller", "user_id": user["id"], "credentials": {
                "access_token": TOKEN, "enrollment_id": ENROLLMENT, "institution_name": "Fake Bank"}}),
        )
        .await;
    assert_eq!(s, 201, "{conn}");
    settled(app, conn["id"].as_str().unwrap()).await;
    conn
}

/// The connection's status once its newest sync has finished.
pub async fn settled(app: &TestApp, id: &str) -> Value {
    app.wait_for_sync(id).await
}

async fn sync_now(app: &TestApp, conn: &Value) -> Value {
    let id = conn["id"].as_str().unwrap();
    let (s, body) = app
        .post(&format!("/api/v1/connections/{id}/sync"), json!({}))
        .await;
    assert_eq!(s, 202, "{body}");
    let status = settled(app, id).await;
    assert_eq!(status["last_sync"]["id"], body["sync_log_id"], "{status}");
    status
}

pub async fn transactions(app: &TestApp, conn: &Value) -> Vec<Value> {
    let (_, body) = app
        .get(&format!(
            "/api/v1/transactions?connection_id={}&limit=500",
            conn["id"].as_str().unwrap()
        ))
        .await;
    body["data"].as_array().unwrap().clone()
}

fn amount_of(rows: &[Value], name: &str) -> String {
    rows.iter().find(|t| t["name"] == name).unwrap()["amount"].to_string()
}

#[tokio::test]
async fn teller_links_over_mutual_tls_with_the_token_as_basic_user() {
    let s = start(Options::default()).await;
    household(&s.teller);
    let conn = connect(&s.app).await;
    assert_eq!(conn["provider"], "teller");
    assert_eq!(conn["institution_name"], "Fake Bank");
    assert_eq!(conn["institution_id"], "fake_bank");
    let status = settled(&s.app, conn["id"].as_str().unwrap()).await;
    assert_eq!(status["last_sync"]["status"], "success", "{status}");
    assert_eq!(status["last_sync"]["added_count"], 5);

    let want = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{TOKEN}:"))
    );
    let seen = s.teller.fake.journal.all();
    assert!(!seen.is_empty());
    for r in &seen {
        assert_eq!(r.header("authorization"), Some(want.as_str()), "{r:?}");
        assert_eq!(r.header("teller-version"), Some("2020-10-12"));
    }
    assert_eq!(
        s.teller
            .fake
            .refused_handshakes
            .load(std::sync::atomic::Ordering::SeqCst),
        0
    );
}

#[tokio::test]
async fn depository_amounts_are_negated_credit_ones_kept_and_balances_exact() {
    let s = start(Options::default()).await;
    household(&s.teller);
    let conn = connect(&s.app).await;
    let rows = transactions(&s.app, &conn).await;
    assert_eq!(amount_of(&rows, "WHOLE FOODS"), "42.50");
    assert_eq!(amount_of(&rows, "ACME PAYROLL"), "-2500.00");
    assert_eq!(amount_of(&rows, "SHOE STORE"), "89.99");
    assert_eq!(amount_of(&rows, "PAYMENT THANK YOU"), "-300.00");
    let coffee = rows.iter().find(|t| t["name"] == "BLUE BOTTLE").unwrap();
    assert_eq!(coffee["pending"], true);
    let groc = rows.iter().find(|t| t["name"] == "WHOLE FOODS").unwrap();
    assert_eq!(groc["merchant_name"], "WHOLE FOODS Co");
    assert_eq!(groc["category_primary"], "groceries");

    let (_, accounts) = s
        .app
        .get(&format!(
            "/api/v1/accounts?connection_id={}",
            conn["id"].as_str().unwrap()
        ))
        .await;
    let accounts = accounts["data"].as_array().unwrap();
    let acct = |n: &str| accounts.iter().find(|a| a["name"] == n).unwrap().clone();
    let chk = acct("Everyday Checking");
    assert_eq!(
        (
            chk["type"].as_str(),
            chk["subtype"].as_str(),
            chk["mask"].as_str()
        ),
        (Some("depository"), Some("checking"), Some("4321"))
    );
    assert_eq!(chk["balance_current"].to_string(), "1234.56");
    assert_eq!(chk["balance_available"].to_string(), "1200.10");
    let card = acct("Sapphire");
    assert_eq!(card["type"], "credit");
    assert_eq!(card["balance_current"].to_string(), "512.30");
    assert_eq!(card["balance_available"].to_string(), "4487.70");
}

#[tokio::test]
async fn history_is_paged_with_count_and_from_id_then_later_syncs_overlap_ten_days() {
    let s = start(Options::default()).await;
    household(&s.teller);
    s.teller.with(|st| {
        st.accounts.truncate(1);
        st.accounts[0].txns = (0..600)
            .map(|i| {
                Txn::new(
                    &format!("txn_{i:04}"),
                    &date(i % 700),
                    "-1.00",
                    &format!("Shop {i}"),
                )
            })
            .collect();
    });
    let conn = connect(&s.app).await;
    assert_eq!(
        transactions(&s.app, &conn).await.len(),
        500,
        "API page limit"
    );
    let (_, count) = s
        .app
        .get(&format!(
            "/api/v1/transactions/count?connection_id={}",
            conn["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(count["count"], 600);
    let pages = s.teller.fake.journal.to("/transactions");
    assert_eq!(pages.len(), 3, "250 + 250 + 100");
    assert!(pages.iter().all(|p| p.param("count") == Some("250")));
    assert_eq!(pages[0].param("from_id"), None);
    assert!(pages[1].param("from_id").is_some() && pages[2].param("from_id").is_some());
    assert_eq!(
        pages[0].param("start_date"),
        None,
        "the first sync takes all history"
    );

    s.teller.fake.journal.clear();
    let status = sync_now(&s.app, &conn).await;
    assert_eq!(status["last_sync"]["status"], "success", "{status}");
    let pages = s.teller.fake.journal.to("/transactions");
    assert_eq!(pages.len(), 1, "{pages:?}");
    assert_eq!(pages[0].param("start_date"), Some(date(10).as_str()));
}

#[tokio::test]
async fn a_pending_row_that_posts_under_a_new_id_replaces_the_old_one() {
    let s = start(Options::default()).await;
    household(&s.teller);
    let conn = connect(&s.app).await;
    s.teller.with(|st| {
        let chk = &mut st.accounts[0];
        chk.txns.retain(|t| t.id != "txn_coffee");
        chk.txns.push(Txn::new(
            "txn_coffee_posted",
            &date(0),
            "-4.75",
            "BLUE BOTTLE",
        ));
    });
    let status = sync_now(&s.app, &conn).await;
    assert_eq!(status["last_sync"]["removed_count"], 1, "{status}");
    let rows = transactions(&s.app, &conn).await;
    let coffees: Vec<_> = rows.iter().filter(|t| t["name"] == "BLUE BOTTLE").collect();
    assert_eq!(coffees.len(), 1);
    assert_eq!(
        (
            coffees[0]["pending"].as_bool(),
            coffees[0]["amount"].to_string()
        ),
        (Some(false), "4.75".into())
    );
}

#[tokio::test]
async fn disconnected_enrollments_need_reauth_and_outages_are_retried() {
    let s = start(Options::default()).await;
    household(&s.teller);
    let conn = connect(&s.app).await;
    for (status, state, words) in [
        (429, "error", "rate limit"),
        (502, "error", "having trouble"),
    ] {
        s.teller.with(|st| st.fail_next.push_back(status));
        let after = sync_now(&s.app, &conn).await;
        assert_eq!(after["status"], state, "{status}: {after}");
        assert!(
            after["error_message"].as_str().unwrap().contains(words),
            "{after}"
        );
    }
    s.teller.with(|st| st.disconnected = true);
    let after = sync_now(&s.app, &conn).await;
    assert_eq!(after["status"], "pending_reauth", "{after}");
    assert!(
        after["error_message"]
            .as_str()
            .unwrap()
            .contains("sign in again"),
        "{after}"
    );
    s.teller.with(|st| st.disconnected = false);
    s.teller.with(|st| st.revoked.insert(TOKEN.into()));
    let after = sync_now(&s.app, &conn).await;
    assert_eq!(after["status"], "pending_reauth", "{after}");
    assert_eq!(
        transactions(&s.app, &conn).await.len(),
        5,
        "failed syncs changed nothing"
    );
}

#[tokio::test]
async fn a_certificate_the_upstream_does_not_trust_is_refused_during_the_handshake() {
    let s = start(Options {
        stranger: true,
        ..Options::default()
    })
    .await;
    household(&s.teller);
    let user = s.app.create_user("Tess").await;
    let (st, body) = s
        .app
        .post(
            "/api/v1/connections",
            json!({"provider": "teller", "user_id": user["id"], "credentials": {
                "access_token": TOKEN, "enrollment_id": ENROLLMENT}}),
        )
        .await;
    assert_error(st, &body, 502, "PROVIDER_ERROR");
    assert!(
        s.teller.fake.journal.all().is_empty(),
        "no request got through"
    );
    assert!(
        s.teller
            .fake
            .refused_handshakes
            .load(std::sync::atomic::Ordering::SeqCst)
            > 0
    );
    let (st, body) = s
        .app
        .post(
            "/api/v1/connections",
            json!({"provider": "teller", "user_id": user["id"], "credentials": {"access_token": TOKEN}}),
        )
        .await;
    assert_error(st, &body, 422, "VALIDATION_ERROR");
}

#[tokio::test]
async fn a_bad_token_is_refused_at_link_time() {
    let s = start(Options::default()).await;
    household(&s.teller);
    let user = s.app.create_user("Tess").await;
    let (st, body) = s
        .app
        .post(
            "/api/v1/connections",
            json!({"provider": "teller", "user_id": user["id"], "credentials": {
                "access_token": "test_token_wrong", "enrollment_id": ENROLLMENT}}),
        )
        .await;
    assert_error(st, &body, 422, "VALIDATION_ERROR");
    assert!(!body.to_string().contains("test_token_wrong"), "{body}");
}

#[tokio::test]
async fn relink_stores_the_new_token_and_delete_revokes_upstream() {
    let s = start(Options::default()).await;
    household(&s.teller);
    let conn = connect(&s.app).await;
    let id = conn["id"].as_str().unwrap();
    s.teller.with(|st| st.revoked.insert(TOKEN.into()));
    assert_eq!(sync_now(&s.app, &conn).await["status"], "pending_reauth");

    s.teller.enroll("test_token_renewed", ENROLLMENT);
    let (st, session) = s
        .app
        .post(&format!("/api/v1/connections/{id}/relink"), json!({}))
        .await;
    assert_eq!(st, 201, "{session}");
    let token = session["token"].as_str().unwrap();
    let url = |p: &str| s.app.url(&format!("/_link/{token}{p}"));
    send(s.app.client.request(Method::GET, url("/session"))).await;
    let (st, done) = send(s.app.client.post(url("/connections")).json(&json!({
        "provider": "teller",
        "credentials": {"access_token": "test_token_renewed", "enrollment_id": ENROLLMENT, "institution_name": "Fake Bank"}
    })))
    .await;
    assert_eq!(st, 201, "{done}");
    assert_eq!(done["connection_id"], id);
    let status = settled(&s.app, id).await;
    assert_eq!(status["status"], "active", "{status}");

    let (st, _) = s.app.delete(&format!("/api/v1/connections/{id}")).await;
    assert_eq!(st, 204);
    let deletes: Vec<_> = s
        .teller
        .fake
        .journal
        .all()
        .into_iter()
        .filter(|r| r.method == "DELETE" && r.path == "/accounts")
        .collect();
    assert_eq!(deletes.len(), 1);
    assert!(
        s.teller
            .with(|st| st.revoked.contains("test_token_renewed"))
    );
    assert!(transactions(&s.app, &conn).await.is_empty());
}
