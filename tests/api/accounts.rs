//! `/api/v1/accounts`: list and detail over the bank fixture.

use reqwest::Method;

use crate::bank_fixture;
use crate::helpers::*;

async fn seeded() -> (TestApp, bank_fixture::Fixture) {
    let app = spawn_app().await;
    let fx = bank_fixture::build(0);
    bank_fixture::store(&app.state, &fx).await;
    (app, fx)
}

fn ids(body: &serde_json::Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn list_leaves_out_disconnected_connections_and_pages_by_name() {
    let (app, fx) = seeded().await;
    let (s, all) = app.get("/api/v1/accounts").await;
    assert_eq!(s, 200, "{all}");
    // Names are "Account {i} {currency}": name order is index order.
    let want: Vec<String> = fx.accounts[..4].iter().map(|a| a.id.to_string()).collect();
    assert_eq!(ids(&all), want);
    let mut paged = Vec::new();
    let mut path = "/api/v1/accounts?limit=3".to_owned();
    loop {
        let (_, page) = app.get(&path).await;
        paged.extend(ids(&page));
        match page["pagination"]["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/accounts?limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(paged, want);
}

#[tokio::test]
async fn filters_take_uuids_or_short_ids_and_unknown_ids_match_nothing() {
    let (app, fx) = seeded().await;
    let cases = [
        (format!("user_id={}", fx.users[0].0), vec![0, 1]),
        (format!("user_id={}", fx.users[1].1), vec![2, 3]),
        (format!("connection_id={}", fx.connections[1].1), vec![2, 3]),
        (format!("connection_id={}", fx.connections[2].0), vec![]),
        (
            format!(
                "user_id={}&connection_id={}",
                fx.users[0].1, fx.connections[1].1
            ),
            vec![],
        ),
        ("user_id=ZZZZZZZZ".to_owned(), vec![]),
    ];
    for (q, want) in cases {
        let (s, body) = app.get(&format!("/api/v1/accounts?{q}")).await;
        assert_eq!(s, 200, "{q}: {body}");
        let want: Vec<String> = want
            .iter()
            .map(|&i: &usize| fx.accounts[i].id.to_string())
            .collect();
        assert_eq!(ids(&body), want, "{q}");
    }
    for q in [
        "user_id=nope",
        "connection_id=1234",
        "limit=0",
        "cursor=garbage!",
    ] {
        let (s, b) = app.get(&format!("/api/v1/accounts?{q}")).await;
        let code = if q.starts_with("cursor") {
            "INVALID_CURSOR"
        } else {
            "INVALID_PARAMETER"
        };
        assert_error(s, &b, 400, code);
    }
}

#[tokio::test]
async fn detail_by_uuid_or_short_id_with_exact_balances() {
    let (app, fx) = seeded().await;
    let a = &fx.accounts[0];
    for path_id in [a.id.to_string(), a.short_id.clone()] {
        let resp = app.req(Method::GET, &format!("/api/v1/accounts/{path_id}"));
        let text = resp.send().await.unwrap().text().await.unwrap();
        assert!(text.contains(r#""balance_current":1234.50,"#), "{text}");
        let got: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(got["id"], a.id.to_string());
        assert_eq!(got["connection_id"], fx.connections[0].0.to_string());
        assert_eq!(got["user_id"], fx.users[0].0.to_string());
        assert_eq!(got["type"], "depository");
        assert_eq!(got["iso_currency_code"], "USD");
        assert_eq!(got["last_balance_update"], "2023-11-14T22:13:20Z");
        assert!(got["balance_limit"].is_null());
        assert!(got.as_object().unwrap().contains_key("balance_available"));
    }
    let (_, jpy) = app
        .get(&format!("/api/v1/accounts/{}", fx.accounts[3].short_id))
        .await;
    assert_eq!(jpy["balance_current"].to_string(), "123450");
    let (_, eur) = app
        .get(&format!("/api/v1/accounts/{}", fx.accounts[1].id))
        .await;
    assert!(eur["balance_current"].is_null());
    let disconnected = &fx.accounts[4];
    for id in [
        disconnected.short_id.clone(),
        uuid::Uuid::now_v7().to_string(),
        "bad".into(),
    ] {
        let (s, b) = app.get(&format!("/api/v1/accounts/{id}")).await;
        assert_error(s, &b, 404, "NOT_FOUND");
    }
    let ro = Some(app.ro_key.as_str());
    let (s, _) = send(app.req_as(Method::GET, "/api/v1/accounts", ro)).await;
    assert_eq!(s, 200);
}
