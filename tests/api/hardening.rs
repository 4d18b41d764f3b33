//! Inputs that a careless or hostile client sent and that once answered 500: each now gets
//! its 4xx (or is rejected row by row) and changes nothing it should not.

use base64::Engine;
use serde_json::{Value, json};

use crate::helpers::*;

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

async fn import(app: &TestApp, user: &Value, csv: &str) -> (reqwest::StatusCode, Value) {
    app.post(
        "/api/v1/connections/csv/import",
        json!({"user_id": user["id"], "csv_base64": b64(csv)}),
    )
    .await
}

#[tokio::test]
async fn an_out_of_range_amount_is_rejected_with_its_line_and_summaries_keep_working() {
    let app = spawn_app().await;
    let user = app.create_user("Big").await;
    let csv =
        "Date,Description,Amount\n2026-01-03,Coffee,-4.50\n2026-01-04,Typo,92233720368547758.07\n";
    let (s, r) = import(&app, &user, csv).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["imported"], 1);
    assert_eq!(r["rejected"][0]["line"], 3, "{r}");
    assert!(
        r["rejected"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("out of range"),
        "{r}"
    );
    let (s, b) = app.get("/api/v1/transactions/summary?group_by=month").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["totals"][0]["total_amount"].to_string(), "4.50");
}

#[tokio::test]
async fn overlong_text_cells_are_rejected_row_by_row() {
    let app = spawn_app().await;
    let user = app.create_user("Long").await;
    let long = "x".repeat(5_000);
    let csv =
        format!("Date,Description,Amount\n2026-01-03,Coffee,-4.50\n2026-01-04,{long},-1.00\n");
    let (s, r) = import(&app, &user, &csv).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["imported"], 1);
    assert_eq!(r["rejected"][0]["line"], 3);
    assert!(
        r["rejected"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("description")
    );
    assert_eq!(
        app.query_i64("SELECT max(length(name)) FROM transactions"),
        6
    );
}

#[tokio::test]
async fn importing_the_same_file_twice_for_a_user_adds_nothing() {
    let app = spawn_app().await;
    let user = app.create_user("Twice").await;
    let csv = "Date,Description,Amount\n2026-01-03,Coffee,-4.50\n2026-01-05,Payroll,2500.00\n";
    let (_, first) = import(&app, &user, csv).await;
    let (s, again) = import(&app, &user, csv).await;
    assert_eq!(s, 201, "{again}");
    assert_eq!(again["connection_id"], first["connection_id"]);
    assert_eq!(
        (
            again["imported"].as_i64(),
            again["skipped_duplicates"].as_i64()
        ),
        (Some(0), Some(2))
    );
    assert_eq!(app.query_i64("SELECT count(*) FROM transactions"), 2);
    assert_eq!(app.query_i64("SELECT count(*) FROM connections"), 1);
}

#[tokio::test]
async fn a_nul_in_search_is_400_on_list_count_and_summary() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/transactions?search=%00a",
        "/api/v1/transactions/count?search=%00a",
        "/api/v1/transactions/summary?group_by=month&search=%00a",
    ] {
        let (s, b) = app.get(path).await;
        assert_error(s, &b, 400, "INVALID_PARAMETER");
    }
}

#[tokio::test]
async fn a_user_with_a_usable_link_session_is_409_and_stays() {
    let app = spawn_app().await;
    let user = app.create_user("Linked").await;
    let id = user["id"].as_str().unwrap();
    let (s, b) = app
        .post("/api/v1/connections/link", json!({"user_id": id}))
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = app.delete(&format!("/api/v1/users/{id}")).await;
    assert_error(s, &b, 409, "CONFLICT");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("hosted-link")
    );
    let (s, _) = app.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!(s, 200, "the user is still there");
    // Once the session cannot be used any more, the person can go, history and all.
    app.state
        .db
        .write(|tx| {
            tx.execute("UPDATE hosted_link_sessions SET expires_at = 0", [])?;
            Ok(())
        })
        .await
        .unwrap();
    let (s, b) = app.delete(&format!("/api/v1/users/{id}")).await;
    assert_eq!(s, 204, "{b}");
    assert_eq!(
        app.query_i64("SELECT count(*) FROM hosted_link_sessions"),
        0
    );
}
