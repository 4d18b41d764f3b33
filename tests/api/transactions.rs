//! `/api/v1/transactions` over HTTP: paging, every filter, search, count, summary, exact
//! amounts and errors, against the fixture of `bank_fixture` (plans: `transactions_store`).

use std::collections::{BTreeMap, HashSet};

use breadbox::money::format_minor;
use reqwest::Method;
use serde_json::Value;

use crate::bank_fixture::{self, Fixture, Tx};
use crate::helpers::*;

/// A reference predicate: which fixture rows a query should return.
type Keep<'a> = Box<dyn Fn(&Tx) -> bool + 'a>;
/// A reference grouping key of the summary.
type Key<'a> = Box<dyn Fn(&Tx) -> Value + 'a>;
/// (key, currency) → (total minor units, count).
type Groups = BTreeMap<(String, String), (i64, u64)>;

pub(crate) async fn seeded() -> (TestApp, Fixture) {
    let app = spawn_app().await;
    let fx = bank_fixture::build(320);
    bank_fixture::store(&app.state, &fx).await;
    (app, fx)
}

/// Follows `next_cursor` from the first page to the last; fails on a duplicate row.
async fn all_pages(app: &TestApp, query: &str, limit: u32) -> Vec<Value> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/api/v1/transactions?limit={limit}&{query}{cursor}");
        let (s, page) = app.get(&path).await;
        assert_eq!(s, 200, "{path}: {page}");
        let rows = page["data"].as_array().unwrap();
        assert!(rows.len() <= limit as usize);
        for t in rows {
            assert!(seen.insert(t["id"].to_string()), "duplicate row in {query}");
            out.push(t.clone());
        }
        let p = &page["pagination"];
        assert_eq!(p["limit"], limit);
        if p["has_more"] == false {
            assert!(p["next_cursor"].is_null());
            return out;
        }
        cursor = format!("&cursor={}", p["next_cursor"].as_str().unwrap());
    }
}

fn ids(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Ids of the visible rows matching `keep`, newest first by (date, id).
pub(crate) fn expected(fx: &Fixture, keep: impl Fn(&Tx) -> bool) -> Vec<String> {
    let mut rows: Vec<&Tx> = fx.visible().filter(|t| keep(t)).collect();
    rows.sort_by(|a, b| (&b.date, b.id).cmp(&(&a.date, a.id)));
    rows.iter().map(|t| t.id.to_string()).collect()
}

/// Amount in thousandths of the major unit, as the amount filters compare.
fn milli(t: &Tx) -> i64 {
    match t.currency {
        "JPY" => t.amount * 1000,
        _ => t.amount * 10,
    }
}

pub(crate) fn contains_ci(t: &Tx, needle: &str) -> bool {
    let n = needle.to_lowercase();
    t.name.to_lowercase().contains(&n)
        || t.merchant
            .as_ref()
            .is_some_and(|m| m.to_lowercase().contains(&n))
}

#[tokio::test]
async fn paging_visits_every_visible_row_once_in_both_orders() {
    let (app, fx) = seeded().await;
    let want = expected(&fx, |_| true);
    assert!(want.len() > 200, "fixture too small: {}", want.len());
    for limit in [1, 7, 100, 500] {
        let rows = all_pages(&app, "", limit).await;
        assert_eq!(ids(&rows), want, "desc, limit {limit}");
    }
    let mut asc = want.clone();
    asc.reverse();
    let rows = all_pages(&app, "sort_order=asc", 13).await;
    assert_eq!(ids(&rows), asc);
    let (_, first) = app.get("/api/v1/transactions").await;
    assert_eq!(first["pagination"]["limit"], 100);
    assert_eq!(first["data"].as_array().unwrap().len(), 100);
}

#[tokio::test]
async fn every_filter_matches_the_reference_and_count_agrees() {
    let (app, fx) = seeded().await;
    let acct = |i: usize| &fx.accounts[i];
    let cases: Vec<(String, Keep)> = vec![
        (
            "start_date=2024-02-01".into(),
            Box::new(|t| t.date.as_str() >= "2024-02-01"),
        ),
        (
            "end_date=2024-02-01".into(),
            Box::new(|t| t.date.as_str() < "2024-02-01"),
        ),
        (
            "start_date=2024-02-10&end_date=2024-03-01".into(),
            Box::new(|t| ("2024-02-10".."2024-03-01").contains(&t.date.as_str())),
        ),
        (
            format!("account_id={}", acct(0).id),
            Box::new(|t| t.account == 0),
        ),
        (
            format!("account_id={}", acct(1).short_id),
            Box::new(|t| t.account == 1),
        ),
        (
            format!("connection_id={}", fx.connections[1].1),
            Box::new(|t| fx.account_of(t).connection == 1),
        ),
        (
            format!("connection_id={}", fx.connections[0].0),
            Box::new(|t| fx.account_of(t).connection == 0),
        ),
        (
            format!("user_id={}", fx.users[0].0),
            Box::new(|t| fx.account_of(t).user == 0),
        ),
        (
            format!("user_id={}", fx.users[1].1),
            Box::new(|t| fx.account_of(t).user == 1),
        ),
        ("pending=true".into(), Box::new(|t| t.pending)),
        ("pending=false".into(), Box::new(|t| !t.pending)),
        ("min_amount=10".into(), Box::new(|t| milli(t) >= 10_000)),
        ("max_amount=-0.5".into(), Box::new(|t| milli(t) <= -500)),
        (
            "min_amount=10.005&max_amount=100".into(),
            Box::new(|t| (10_005..=100_000).contains(&milli(t))),
        ),
        (
            "min_amount=10&max_amount=100&iso_currency_code=usd".into(),
            Box::new(|t| t.currency == "USD" && (1000..=10_000).contains(&t.amount)),
        ),
        (
            "iso_currency_code=JPY".into(),
            Box::new(|t| t.currency == "JPY"),
        ),
        (
            format!(
                "account_id={}&start_date=2024-03-01&pending=false",
                acct(2).short_id
            ),
            Box::new(|t| t.account == 2 && t.date.as_str() >= "2024-03-01" && !t.pending),
        ),
        // The disconnected connection's account, and ids nobody has: nothing.
        (format!("account_id={}", acct(4).id), Box::new(|_| false)),
        ("account_id=ZZZZZZZZ".into(), Box::new(|_| false)),
        (
            format!("user_id={}", uuid::Uuid::now_v7()),
            Box::new(|_| false),
        ),
        ("search=&start_date=".into(), Box::new(|_| true)),
    ];
    for (query, keep) in &cases {
        let want = expected(&fx, keep);
        let got = ids(&all_pages(&app, query, 50).await);
        assert_eq!(got, want, "{query}");
        let (s, c) = app
            .get(&format!("/api/v1/transactions/count?{query}"))
            .await;
        assert_eq!(s, 200, "{query}: {c}");
        assert_eq!(c, serde_json::json!({ "count": want.len() }), "{query}");
    }
}

#[tokio::test]
async fn search_is_a_case_insensitive_substring_of_name_or_merchant() {
    let (app, fx) = seeded().await;
    let cases = [
        "coffee",     // merchant only ("Blue Bottle Coffee")
        "STARBUCKS",  // name, upper case
        "starbucks",  // same rows
        "bu",         // two characters: neighbour trigrams
        "MK",         // two characters, other case
        "qz",         // two characters next to non-ASCII text, and a 2-character merchant
        "BP",         // two characters next to a tab, and a 2-character merchant
        "êp",         // two non-ASCII-containing characters
        "% J",        // a literal percent sign through FTS
        "0%",         // ... and through LIKE
        "\"Cheese\"", // quotes are escaped, not FTS syntax
        "CAFÉ OLÉ",   // non-ASCII case folding (3+ characters)
        "amazon",     // name and merchant both match: the row appears once
        "no such shop",
    ];
    for needle in cases {
        let query = format!("search={}", urlencode(needle));
        let want = expected(&fx, |t| contains_ci(t, needle));
        assert_eq!(ids(&all_pages(&app, &query, 100).await), want, "{needle}");
        let (_, c) = app
            .get(&format!("/api/v1/transactions/count?{query}"))
            .await;
        assert_eq!(c["count"], want.len(), "{needle}");
    }
    assert!(!expected(&fx, |t| contains_ci(t, "coffee")).is_empty());
    let query = format!("search=amazon&account_id={}", fx.accounts[0].short_id);
    let want = expected(&fx, |t| contains_ci(t, "amazon") && t.account == 0);
    assert_eq!(ids(&all_pages(&app, &query, 10).await), want);
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Reference summary: (key, currency) → (total minor units, count), and totals per currency.
fn reference_summary(
    fx: &Fixture,
    key: impl Fn(&Tx) -> Value,
) -> (Groups, BTreeMap<String, (i64, u64)>) {
    let (mut groups, mut totals) = (BTreeMap::new(), BTreeMap::new());
    for t in fx.visible() {
        let g = groups
            .entry((key(t).to_string(), t.currency.to_owned()))
            .or_insert((0, 0));
        *g = (g.0 + t.amount, g.1 + 1);
        let c = totals.entry(t.currency.to_owned()).or_insert((0, 0));
        *c = (c.0 + t.amount, c.1 + 1);
    }
    (groups, totals)
}

fn digits(currency: &str) -> u32 {
    breadbox::money::minor_digits(currency)
}

#[tokio::test]
async fn summary_sums_per_bucket_and_currency_never_across_currencies() {
    let (app, fx) = seeded().await;
    let week = |t: &Tx| {
        let d: jiff::civil::Date = t.date.parse().unwrap();
        let back = i64::from(d.weekday().to_monday_zero_offset());
        d.checked_sub(jiff::Span::new().days(back))
            .unwrap()
            .to_string()
    };
    let cases: Vec<(&str, &str, Key)> = vec![
        ("month", "period", Box::new(|t| t.date[..7].into())),
        ("week", "period", Box::new(|t| week(t).into())),
        ("day", "period", Box::new(|t| t.date.clone().into())),
        ("category", "category", Box::new(|t| t.category.into())),
    ];
    for (group_by, field, key) in &cases {
        let (s, body) = app
            .get(&format!("/api/v1/transactions/summary?group_by={group_by}"))
            .await;
        assert_eq!(s, 200, "{body}");
        let (want, want_totals) = reference_summary(&fx, key);
        let mut got = BTreeMap::new();
        for g in body["data"].as_array().unwrap() {
            let cur = g["iso_currency_code"].as_str().unwrap().to_owned();
            let other = if *field == "period" {
                "category"
            } else {
                "period"
            };
            assert!(g.get(other).is_none(), "{g}");
            let total = g["total_amount"].to_string();
            let count = g["transaction_count"].as_u64().unwrap();
            got.insert((g[*field].to_string(), cur), (total, count));
        }
        let want: BTreeMap<_, _> = want
            .into_iter()
            .map(|((k, c), (sum, n))| {
                let text = format_minor(sum, digits(&c));
                ((k, c), (text, n))
            })
            .collect();
        assert_eq!(got, want, "group_by={group_by}");
        let totals = body["totals"].as_array().unwrap();
        assert_eq!(totals.len(), want_totals.len(), "one total per currency");
        for t in totals {
            let cur = t["iso_currency_code"].as_str().unwrap();
            let (sum, n) = want_totals[cur];
            assert_eq!(
                t["total_amount"].to_string(),
                format_minor(sum, digits(cur))
            );
            assert_eq!(t["transaction_count"], n);
        }
    }
}

#[tokio::test]
async fn summary_takes_the_same_filters() {
    let (app, fx) = seeded().await;
    let q = "group_by=month&start_date=2024-02-01&end_date=2024-04-01&iso_currency_code=EUR&search=amazon";
    let (s, body) = app.get(&format!("/api/v1/transactions/summary?{q}")).await;
    assert_eq!(s, 200, "{body}");
    let keep = |t: &Tx| {
        ("2024-02-01".."2024-04-01").contains(&t.date.as_str())
            && t.currency == "EUR"
            && contains_ci(t, "amazon")
    };
    let n: u64 = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["transaction_count"].as_u64().unwrap())
        .sum();
    assert_eq!(n, expected(&fx, keep).len() as u64);
    assert!(body["totals"].as_array().unwrap().len() <= 1);
    let (s, body) = app
        .get("/api/v1/transactions/summary?group_by=day&start_date=2030-01-01")
        .await;
    assert_eq!(s, 200);
    assert_eq!(body, serde_json::json!({"data": [], "totals": []}));
}

#[tokio::test]
async fn amounts_are_exact_decimals_in_the_raw_body() {
    let app = spawn_app().await;
    let mut fx = bank_fixture::build(3);
    let amounts = [(0, -250_000, "USD"), (3, 1234, "JPY"), (1, 450, "EUR")];
    for (t, (account, amount, currency)) in fx.txs.iter_mut().zip(amounts) {
        (t.account, t.amount, t.currency, t.visible) = (account, amount, currency, true);
    }
    bank_fixture::store(&app.state, &fx).await;
    let text = app
        .req(Method::GET, "/api/v1/transactions")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for want in [
        r#""amount":-2500.00,"#,
        r#""amount":1234,"#,
        r#""amount":4.50,"#,
    ] {
        assert!(text.contains(want), "{want} not in {text}");
    }
    let resp = app.req(
        Method::GET,
        "/api/v1/transactions/summary?group_by=category",
    );
    let text = resp.send().await.unwrap().text().await.unwrap();
    assert!(text.contains(r#""total_amount":-2500.00,"#), "{text}");
}

#[tokio::test]
async fn one_transaction_by_uuid_or_short_id_hidden_ones_are_404() {
    let (app, fx) = seeded().await;
    let t = fx.visible().next().unwrap();
    for path_id in [t.id.to_string(), t.short_id.clone()] {
        let (s, got) = app.get(&format!("/api/v1/transactions/{path_id}")).await;
        assert_eq!(s, 200, "{got}");
        assert_eq!(got["id"], t.id.to_string());
        assert_eq!(got["short_id"], t.short_id.as_str());
        assert_eq!(got["account_id"], fx.account_of(t).id.to_string());
        assert_eq!(got["date"], t.date.as_str());
        assert_eq!(got["pending"], t.pending);
        assert_eq!(got["created_at"], "2023-11-14T22:13:20Z");
        for nullable in ["datetime", "authorized_date", "pending_transaction_id"] {
            assert!(got[nullable].is_null(), "{nullable} in {got}");
            assert!(got.as_object().unwrap().contains_key(nullable));
        }
    }
    let removed = fx
        .txs
        .iter()
        .find(|t| !t.visible && t.account != 4)
        .unwrap();
    let disconnected = fx.txs.iter().find(|t| t.account == 4).unwrap();
    let unknown = uuid::Uuid::now_v7().to_string();
    for id in [
        &removed.short_id,
        &disconnected.id.to_string(),
        &unknown,
        "ZZZZZZZZ",
        "nope",
    ] {
        let (s, b) = app.get(&format!("/api/v1/transactions/{id}")).await;
        assert_error(s, &b, 404, "NOT_FOUND");
    }
}

#[tokio::test]
async fn literal_routes_win_over_ids() {
    let (app, fx) = seeded().await;
    let (s, c) = app.get("/api/v1/transactions/count").await;
    assert_eq!(
        (s.as_u16(), c["count"].as_u64()),
        (200, Some(fx.visible().count() as u64))
    );
    let (s, b) = app.get("/api/v1/transactions/summary").await;
    assert_error(s, &b, 400, "INVALID_PARAMETER");
}

#[tokio::test]
async fn bad_parameters_are_400_invalid_parameter() {
    let app = spawn_app().await;
    let bad = [
        "start_date=2024-13-01",
        "start_date=2024-1-1",
        "end_date=tomorrow",
        "start_date=2024-02-01&end_date=2024-02-01",
        "start_date=2024-03-01&end_date=2024-02-01",
        "min_amount=abc",
        "min_amount=1e3",
        "max_amount=0.0001",
        "min_amount=5&max_amount=4",
        "pending=maybe",
        "iso_currency_code=EURO",
        "search=a",
        "account_id=not-an-id",
        "user_id=123",
        "connection_id=%20",
    ];
    for q in bad {
        for path in ["/api/v1/transactions", "/api/v1/transactions/count"] {
            let (s, b) = app.get(&format!("{path}?{q}")).await;
            assert_error(s, &b, 400, "INVALID_PARAMETER");
        }
        let (s, b) = app
            .get(&format!("/api/v1/transactions/summary?group_by=month&{q}"))
            .await;
        assert_error(s, &b, 400, "INVALID_PARAMETER");
    }
    for q in ["sort_order=up", "limit=0", "limit=501", "limit=x"] {
        let (s, b) = app.get(&format!("/api/v1/transactions?{q}")).await;
        assert_error(s, &b, 400, "INVALID_PARAMETER");
    }
    for q in ["group_by=year", "group_by=", ""] {
        let (s, b) = app.get(&format!("/api/v1/transactions/summary?{q}")).await;
        assert_error(s, &b, 400, "INVALID_PARAMETER");
    }
}

#[tokio::test]
async fn bad_cursors_are_invalid_cursor() {
    let (app, _) = seeded().await;
    let (_, accounts) = app.get("/api/v1/accounts?limit=1").await;
    let foreign = accounts["pagination"]["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    for c in ["garbage!", "eyJ4IjoxfQ", foreign.as_str()] {
        let (s, b) = app.get(&format!("/api/v1/transactions?cursor={c}")).await;
        assert_error(s, &b, 400, "INVALID_CURSOR");
    }
}

#[tokio::test]
async fn read_only_keys_may_read_transactions() {
    let (app, fx) = seeded().await;
    let t = fx.visible().next().unwrap();
    let ro = Some(app.ro_key.as_str());
    for path in [
        "/api/v1/transactions".to_owned(),
        "/api/v1/transactions/count".to_owned(),
        "/api/v1/transactions/summary?group_by=week".to_owned(),
        format!("/api/v1/transactions/{}", t.short_id),
    ] {
        let (s, b) = send(app.req_as(Method::GET, &path, ro)).await;
        assert_eq!(s, 200, "{path}: {b}");
    }
    let (s, b) = send(app.req_as(Method::GET, "/api/v1/transactions", None)).await;
    assert_error(s, &b, 401, "MISSING_API_KEY");
}
