//! Every read tool returns the body of the matching REST call: same DTOs, same exact
//! amounts, same cursors.

use serde_json::{Value, json};

use super::{Client, call, connect, ok};
use crate::helpers::*;

/// An app with a synced demo connection and an MCP client for it.
struct Parity {
    app: TestApp,
    client: Client,
    user: Value,
    conn_id: String,
}

impl Parity {
    async fn start() -> Self {
        let app = spawn_demo().await;
        let (user, conn) = app.demo_connection("demo_good").await;
        let conn_id = conn["id"].as_str().unwrap().to_owned();
        app.wait_for_sync(&conn_id).await;
        let client = connect(&app, &app.key).await;
        Self {
            app,
            client,
            user,
            conn_id,
        }
    }

    /// Calls `tool` with `args` and asserts the result equals `GET path`.
    async fn same(&self, tool: &str, args: Value, path: &str) -> Value {
        let (s, rest) = self.app.get(path).await;
        assert_eq!(s, 200, "{path}: {rest}");
        let got = ok(call(&self.client, tool, args).await);
        assert_eq!(got, rest, "{tool} differs from {path}");
        got
    }
}

#[tokio::test]
async fn directory_tools_return_the_rest_body() {
    let p = Parity::start().await;
    let id = p.conn_id.clone();
    p.same("list_users", json!({}), "/api/v1/users?limit=25")
        .await;
    let user = p.user["id"].as_str().unwrap();
    let by_user = format!("/api/v1/connections?limit=25&user_id={user}");
    p.same(
        "list_connections",
        json!({"user_id": p.user["short_id"]}),
        &by_user,
    )
    .await;
    let status = format!("/api/v1/connections/{id}/status");
    let got = p.same("get_connection", json!({"id": id}), &status).await;
    assert_eq!(got["last_sync"]["status"], "success");
    let accounts = format!("/api/v1/accounts?connection_id={id}&limit=3");
    let got = p
        .same(
            "list_accounts",
            json!({"connection_id": id, "limit": 3}),
            &accounts,
        )
        .await;
    assert!(got["data"][0]["balance_current"].is_number());
    let logs = format!("/api/v1/sync/logs?connection_id={id}&status=success&limit=25");
    let args = json!({"connection_id": id, "status": "success"});
    p.same("list_sync_logs", args, &logs).await;
    p.same("list_providers", json!({}), "/api/v1/providers")
        .await;
}

#[tokio::test]
async fn transaction_tools_return_the_rest_body() {
    let p = Parity::start().await;
    let filters = "start_date=2020-01-01&min_amount=5&iso_currency_code=usd&pending=false";
    let args = json!({"start_date": "2020-01-01", "min_amount": 5,
        "iso_currency_code": "usd", "pending": false});
    let mut q = args.clone();
    q["limit"] = json!(7);
    let list = format!("/api/v1/transactions?{filters}&limit=7");
    let page1 = p.same("query_transactions", q.clone(), &list).await;
    let cursor = page1["pagination"]["next_cursor"].as_str().unwrap();
    q["cursor"] = json!(cursor);
    let next = format!("{list}&cursor={cursor}");
    p.same("query_transactions", q, &next).await;
    let args2 = json!({"sort_order": "asc", "search": "coffee", "max_amount": "100.5"});
    let path2 = "/api/v1/transactions?sort_order=asc&search=coffee&max_amount=100.5&limit=25";
    p.same("query_transactions", args2, path2).await;

    let count = format!("/api/v1/transactions/count?{filters}");
    let got = p.same("count_transactions", args.clone(), &count).await;
    assert!(got["count"].as_i64().unwrap() > 7);
    let mut s = args;
    s["group_by"] = json!("month");
    let summary = format!("/api/v1/transactions/summary?{filters}&group_by=month");
    p.same("summarize_transactions", s, &summary).await;
    let by_cat = "/api/v1/transactions/summary?group_by=category";
    let got = p
        .same(
            "summarize_transactions",
            json!({"group_by": "category"}),
            by_cat,
        )
        .await;
    let totals = got["totals"].as_array().unwrap();
    let currencies: std::collections::BTreeSet<&str> = totals
        .iter()
        .map(|t| t["iso_currency_code"].as_str().unwrap())
        .collect();
    assert_eq!(currencies.len(), totals.len(), "one total per currency");
    assert!(currencies.len() >= 2, "the demo bank has USD and EUR");

    let tx_id = page1["data"][0]["short_id"].as_str().unwrap();
    let one = format!("/api/v1/transactions/{tx_id}");
    let got = p.same("get_transaction", json!({"id": tx_id}), &one).await;
    assert_eq!(got, page1["data"][0]);
}
