//! SimpleFIN end to end: the real app and the real client against a fake Bridge on
//! loopback — claim, windowed backfill, overlap, pending → posted, signs and balances,
//! the Bridge's notes, re-auth, 402/429/5xx, the daily budget, relink and delete.

use reqwest::Method;
use serde_json::{Value, json};

use crate::fake_upstream::simplefin::{Acct, Bridge, DAY, Txn};
use crate::helpers::{TestApp, assert_error, send, spawn_with};

async fn spawn() -> TestApp {
    spawn_with(|c| {
        c.rate_limit_rpm = 0;
        c.simplefin.enabled = true;
        c.simplefin.allow_http = true;
    })
    .await
}

fn now() -> i64 {
    breadbox::time::now()
}

/// A checking account (deposit, purchases, a pending coffee) and a card.
fn household(bridge: &Bridge) {
    let t = now();
    let mut checking = Acct::new("ACT-chk", "Everyday Checking", "1234.56");
    checking.available = Some("1200.00".into());
    checking.txns = vec![
        Txn::posted("T-pay", t - 20 * DAY, "2500.00", "Payroll"),
        Txn::posted("T-rent", t - 200 * DAY, "-1450.00", "Rent"),
        Txn::posted("T-groc", t - 3 * DAY, "-82.17", "Grocer"),
        Txn::pending("T-coffee", t - DAY, "-4.50", "Coffee"),
        Txn::posted("T-ancient", t - 500 * DAY, "-1.00", "Too old"),
    ];
    let mut card = Acct::new("ACT-card", "Rewards Card", "-512.30");
    card.txns = vec![
        Txn::posted("C-shoes", t - 40 * DAY, "-89.99", "Shoe Store"),
        Txn::posted("C-payment", t - 10 * DAY, "300.00", "Card Payment"),
    ];
    bridge.with(|s| s.accounts = vec![checking, card]);
}

async fn connect(app: &TestApp, bridge: &Bridge, token: &str) -> (Value, Value) {
    let user = app.create_user("Sam").await;
    let (s, conn) = app
        .post(
            "/api/v1/connections",
            json!({"provider": "simplefin", "user_id": user["id"],
                   "credentials": {"setup_token": bridge.setup_token(token)}}),
        )
        .await;
    assert_eq!(s, 201, "{conn}");
    let status = settled(app, conn["id"].as_str().unwrap()).await;
    (conn, status)
}

async fn transactions(app: &TestApp, conn: &Value) -> Vec<Value> {
    let (s, body) = app
        .get(&format!(
            "/api/v1/transactions?connection_id={}&limit=500",
            conn["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(s, 200, "{body}");
    body["data"].as_array().unwrap().clone()
}

fn by_name<'a>(rows: &'a [Value], name: &str) -> Option<&'a Value> {
    rows.iter().find(|t| t["name"] == name)
}

async fn sync_now(app: &TestApp, conn: &Value) -> Value {
    let id = conn["id"].as_str().unwrap();
    let (s, body) = app
        .post(&format!("/api/v1/connections/{id}/sync"), json!({}))
        .await;
    assert_eq!(s, 202, "{body}");
    let log_id = body["sync_log_id"].as_str().unwrap().to_owned();
    let status = settled(app, id).await;
    assert_eq!(status["last_sync"]["id"], log_id.as_str(), "{status}");
    status
}

/// The connection's status once its newest sync has finished.
async fn settled(app: &TestApp, id: &str) -> Value {
    app.wait_for_sync(id).await
}

#[tokio::test]
async fn a_setup_token_is_claimed_and_a_year_is_backfilled_in_ninety_day_windows() {
    let app = spawn().await;
    let bridge = Bridge::start().await;
    household(&bridge);
    let started = now();
    let (conn, status) = connect(&app, &bridge, "tok-1").await;
    assert_eq!(conn["provider"], "simplefin");
    assert_eq!(conn["institution_name"], "SimpleFIN Bridge");
    assert_eq!(status["last_sync"]["status"], "success", "{status}");
    assert_eq!(status["last_sync"]["trigger"], "initial");
    assert_eq!(status["status"], "active");

    let windows = bridge.windows();
    assert_eq!(windows.len(), 5, "{windows:?}");
    assert!(
        (windows[0].0 - (started - 365 * DAY)).abs() < 120,
        "{windows:?}"
    );
    for pair in windows.windows(2) {
        assert_eq!(
            pair[0].1, pair[1].0,
            "windows must be contiguous: {windows:?}"
        );
    }
    assert!(windows.iter().all(|(s, e)| e - s <= 90 * DAY && e > s));
    assert!(
        windows.last().unwrap().1 > started,
        "the last window reaches today"
    );

    // Credentials travel as Basic auth, never in the request line.
    for seen in bridge.fake.journal.to("/accounts") {
        assert!(seen.header("authorization").unwrap().starts_with("Basic "));
        assert_eq!(seen.param("pending"), Some("1"));
        let line = format!("{}?{:?}", seen.path, seen.query);
        assert!(
            !line.contains("s3cr3t") && !line.contains("demo-user"),
            "{line}"
        );
    }
    let rows = transactions(&app, &conn).await;
    assert_eq!(rows.len(), 6, "everything of the last year, nothing older");
    assert!(by_name(&rows, "Too old").is_none());
    let (_, again) = app
        .post(
            "/api/v1/connections",
            json!({"provider": "simplefin", "user_id": conn["user_id"],
                   "credentials": {"setup_token": bridge.setup_token("tok-1")}}),
        )
        .await;
    // The fake registers the token again, but it is claimed already: refused clearly.
    assert_eq!(again["error"]["code"], "VALIDATION_ERROR", "{again}");
    assert!(
        again["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already claimed"),
        "{again}"
    );
}

#[tokio::test]
async fn amounts_are_negated_to_money_out_positive_with_exact_balances() {
    let app = spawn().await;
    let bridge = Bridge::start().await;
    household(&bridge);
    let (conn, _) = connect(&app, &bridge, "tok-2").await;
    let rows = transactions(&app, &conn).await;
    let amount = |name: &str| by_name(&rows, name).unwrap()["amount"].to_string();
    assert_eq!(amount("Payroll"), "-2500.00");
    assert_eq!(amount("Grocer"), "82.17");
    assert_eq!(amount("Shoe Store"), "89.99");
    assert_eq!(amount("Card Payment"), "-300.00");
    let coffee = by_name(&rows, "Coffee").unwrap();
    assert_eq!(
        (
            coffee["pending"].as_bool(),
            coffee["amount"].to_string().as_str()
        ),
        (Some(true), "4.50")
    );
    assert_eq!(
        by_name(&rows, "Grocer").unwrap()["merchant_name"],
        "Grocer Inc"
    );
    assert!(rows.iter().all(|t| t["iso_currency_code"] == "USD"));

    let (_, accounts) = app
        .get(&format!(
            "/api/v1/accounts?connection_id={}",
            conn["id"].as_str().unwrap()
        ))
        .await;
    let accounts = accounts["data"].as_array().unwrap();
    let acct = |name: &str| accounts.iter().find(|a| a["name"] == name).unwrap().clone();
    let checking = acct("Everyday Checking");
    assert_eq!(checking["balance_current"].to_string(), "1234.56");
    assert_eq!(checking["balance_available"].to_string(), "1200.00");
    assert_eq!(checking["type"], "depository");
    assert_eq!(
        acct("Rewards Card")["balance_current"].to_string(),
        "-512.30"
    );
}

#[tokio::test]
async fn later_syncs_overlap_ten_days_and_pending_rows_give_way_to_posted_ones() {
    let app = spawn().await;
    let bridge = Bridge::start().await;
    household(&bridge);
    let (conn, _) = connect(&app, &bridge, "tok-3").await;
    let first_end = bridge.windows().last().unwrap().1;
    // The coffee posts under a new id (SimpleFIN has no link between the two); a late
    // grocery row from five days ago shows up too.
    bridge.with(|s| {
        let chk = &mut s.accounts[0];
        chk.txns.retain(|t| t.id != "T-coffee");
        chk.txns
            .push(Txn::posted("T-coffee-posted", now(), "-4.75", "Coffee"));
        chk.txns.push(Txn::posted(
            "T-late",
            now() - 5 * DAY,
            "-12.00",
            "Late Post",
        ));
        s.windows.clear();
    });
    let status = sync_now(&app, &conn).await;
    assert_eq!(status["last_sync"]["status"], "success", "{status}");
    assert_eq!(status["last_sync"]["removed_count"], 1, "{status}");
    // Rows the overlap sends again unchanged are neither added nor modified.
    assert_eq!(status["last_sync"]["added_count"], 2, "{status}");
    assert_eq!(status["last_sync"]["modified_count"], 0, "{status}");
    let windows = bridge.windows();
    assert_eq!(
        windows.len(),
        1,
        "an incremental sync is one request: {windows:?}"
    );
    let overlap = first_end - DAY - windows[0].0;
    assert!(
        (10 * DAY - 120..=10 * DAY + 120).contains(&overlap),
        "{windows:?} vs {first_end}"
    );

    let rows = transactions(&app, &conn).await;
    let coffees: Vec<_> = rows.iter().filter(|t| t["name"] == "Coffee").collect();
    assert_eq!(coffees.len(), 1, "{coffees:?}");
    assert_eq!(coffees[0]["pending"], false);
    assert_eq!(coffees[0]["amount"].to_string(), "4.75");
    assert!(by_name(&rows, "Late Post").is_some());
    assert_eq!(rows.len(), 7);
}

#[tokio::test]
async fn the_bridges_notes_are_kept_on_the_log_and_shown_on_the_connection() {
    let app = spawn().await;
    let bridge = Bridge::start().await;
    household(&bridge);
    bridge.with(|s| {
        s.errors = vec![json!("Connection to Example Bank may need attention")];
        s.errlist = vec![json!({"code": "act.missingdata", "msg": "Card data incomplete", "account_id": "ACT-card"})];
    });
    let (conn, status) = connect(&app, &bridge, "tok-4").await;
    let log = &status["last_sync"];
    assert_eq!(log["status"], "success", "{status}");
    let message = log["error_message"].as_str().unwrap();
    assert!(
        message.contains("may need attention") && message.contains("Card data incomplete"),
        "{message}"
    );
    assert_eq!(status["status"], "active");
    assert_eq!(status["error_code"], "PROVIDER_WARNING");
    assert!(
        status["error_message"]
            .as_str()
            .unwrap()
            .contains("SimpleFIN:")
    );
    assert_eq!(
        transactions(&app, &conn).await.len(),
        6,
        "the data still arrived"
    );

    // `con.auth`: the data is saved, the connection waits for the person.
    bridge.with(|s| {
        s.errors.clear();
        s.errlist = vec![json!({"code": "con.auth", "msg": "Example Bank needs you to sign in", "conn_id": "CON-1"})];
        s.accounts[0].txns.push(Txn::posted("T-new", now() - DAY, "-1.00", "Newsstand"));
    });
    let status = sync_now(&app, &conn).await;
    assert_eq!(status["last_sync"]["status"], "success", "{status}");
    assert_eq!(status["status"], "pending_reauth", "{status}");
    assert!(
        status["error_message"]
            .as_str()
            .unwrap()
            .contains("needs you to sign in")
    );
    assert!(by_name(&transactions(&app, &conn).await, "Newsstand").is_some());
}

#[tokio::test]
async fn lapsed_subscription_rate_limits_and_outages_are_errors_but_403_needs_reauth() {
    let app = spawn().await;
    let bridge = Bridge::start().await;
    household(&bridge);
    let (conn, _) = connect(&app, &bridge, "tok-5").await;
    for (status, state, words) in [
        (402, "error", "subscription lapsed"),
        (429, "error", "too many requests"),
        (500, "error", "having trouble"),
        (403, "pending_reauth", "new setup token"),
    ] {
        bridge.with(|s| s.fail_next.push_back(status));
        let after = sync_now(&app, &conn).await;
        assert_eq!(after["last_sync"]["status"], "error", "{after}");
        assert_eq!(after["status"], state, "{status}: {after}");
        let message = after["error_message"].as_str().unwrap();
        assert!(message.contains(words), "{status}: {message}");
    }
    // Nothing from the failed syncs was applied; a good sync brings it back to active.
    assert_eq!(transactions(&app, &conn).await.len(), 6);
    let ok = sync_now(&app, &conn).await;
    assert_eq!(ok["status"], "active", "{ok}");
    assert_eq!(ok["error_message"], Value::Null);
}

#[tokio::test]
async fn a_manual_sync_past_the_daily_budget_is_refused_with_a_clear_message() {
    let app = spawn().await;
    let bridge = Bridge::start().await;
    household(&bridge);
    let (conn, _) = connect(&app, &bridge, "tok-6").await; // 5 requests
    for _ in 0..19 {
        sync_now(&app, &conn).await; // 1 request each
    }
    assert_eq!(bridge.fake.journal.to("/accounts").len(), 24);
    let id = conn["id"].as_str().unwrap();
    let (s, body) = app
        .post(&format!("/api/v1/connections/{id}/sync"), json!({}))
        .await;
    assert_error(s, &body, 409, "CONFLICT");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("24 requests a day"), "{message}");
    assert_eq!(
        bridge.fake.journal.to("/accounts").len(),
        24,
        "nothing was sent"
    );
}

#[tokio::test]
async fn bad_tokens_and_plain_http_are_refused_before_anything_is_stored() {
    let app = spawn_with(|c| {
        c.rate_limit_rpm = 0;
        c.simplefin.enabled = true; // https required: allow_http stays off
    })
    .await;
    let bridge = Bridge::start().await;
    let user = app.create_user("Sam").await;
    let create = |token: String| {
        app.post(
            "/api/v1/connections",
            json!({"provider": "simplefin", "user_id": user["id"], "credentials": {"setup_token": token}}),
        )
    };
    let (s, body) = create(bridge.setup_token("tok-7")).await;
    assert_error(s, &body, 422, "VALIDATION_ERROR");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("https"),
        "{body}"
    );
    let (s, body) = create("not base64 at all!".into()).await;
    assert_error(s, &body, 422, "VALIDATION_ERROR");
    assert!(bridge.fake.journal.all().is_empty());
    let (_, list) = app.get("/api/v1/connections").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn relink_takes_a_new_setup_token_and_delete_hides_everything() {
    let app = spawn().await;
    let bridge = Bridge::start().await;
    household(&bridge);
    let (conn, _) = connect(&app, &bridge, "tok-8").await;
    let id = conn["id"].as_str().unwrap();
    bridge.with(|s| s.fail_next.push_back(403));
    assert_eq!(sync_now(&app, &conn).await["status"], "pending_reauth");

    // The person makes a new token at the Bridge, which also rotates the access URL.
    bridge.with(|s| s.password = "rotated-pass".into());
    let (s, session) = app
        .post(&format!("/api/v1/connections/{id}/relink"), json!({}))
        .await;
    assert_eq!(s, 201, "{session}");
    let token = session["token"].as_str().unwrap();
    let page = |path: &str, body: Option<Value>| {
        let mut req = app.client.request(
            if body.is_some() {
                Method::POST
            } else {
                Method::GET
            },
            app.url(&format!("/_link/{token}{path}")),
        );
        if let Some(b) = body {
            req = req.json(&b);
        }
        send(req)
    };
    page("/session", None).await;
    let (s, done) = page(
        "/connections",
        Some(json!({"provider": "simplefin", "credentials": {"setup_token": bridge.setup_token("tok-8b")}})),
    )
    .await;
    assert_eq!(s, 201, "{done}");
    assert_eq!(done["connection_id"], id);
    let status = settled(&app, id).await;
    assert_eq!(status["status"], "active", "{status}");
    assert_eq!(status["last_sync"]["status"], "success", "{status}");

    let (s, _) = app.delete(&format!("/api/v1/connections/{id}")).await;
    assert_eq!(s, 204);
    assert!(transactions(&app, &conn).await.is_empty());
    let stored: i64 = app.query_i64(&format!(
        "SELECT count(*) FROM connections WHERE credentials IS NOT NULL AND short_id = '{}'",
        conn["short_id"].as_str().unwrap()
    ));
    assert_eq!(stored, 0, "the access URL is wiped");
}
