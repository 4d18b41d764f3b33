use std::fmt::Write as _;

use crate::helpers::*;
use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

async fn import_json(app: &TestApp, body: Value) -> (reqwest::StatusCode, Value) {
    app.post("/api/v1/connections/csv/import", body).await
}

const BANK: &str = "\u{feff}Date,Description,Amount\n\
2026-01-03,Coffee Shop,-4.50\n\
2026-01-05,Payroll,\"2,500.00\"\n\
2026-01-07,Groceries,(82.10)\n";

#[tokio::test]
async fn json_import_creates_a_csv_connection_with_plaid_signs() {
    let app = spawn_app().await;
    let user = app.create_user("U").await;
    let (s, r) = import_json(
        &app,
        json!({"user_id": user["id"], "csv_base64": b64(BANK)}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(
        (r["imported"].as_i64(), r["total_rows"].as_i64()),
        (Some(3), Some(3))
    );
    assert_eq!(r["skipped_duplicates"], 0);
    assert!(r["rejected"].as_array().unwrap().is_empty());
    let amounts = amounts(&app);
    assert_eq!(
        amounts,
        vec![
            ("2026-01-03".into(), 450),
            ("2026-01-05".into(), -250_000),
            ("2026-01-07".into(), 8210)
        ]
    );
    let (_, conn) = app
        .get(&format!(
            "/api/v1/connections/{}",
            r["connection_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        (conn["provider"].as_str(), conn["account_count"].as_i64()),
        (Some("csv"), Some(1))
    );
    let (_, logs) = app.get("/api/v1/sync/logs").await;
    assert_eq!(logs["data"][0]["added_count"], 3);
}

fn amounts(app: &TestApp) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(app.state.db.path()).unwrap();
    let mut stmt = conn
        .prepare("SELECT date, amount FROM transactions ORDER BY date")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test]
async fn reimport_adds_nothing_and_overlap_adds_only_new_rows() {
    let app = spawn_app().await;
    let user = app.create_user("U").await;
    let (_, first) = import_json(
        &app,
        json!({"user_id": user["id"], "csv_base64": b64(BANK)}),
    )
    .await;
    let conn = first["connection_id"].clone();
    let (s, again) = import_json(
        &app,
        json!({"connection_id": conn, "csv_base64": b64(BANK)}),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(
        (
            again["imported"].as_i64(),
            again["skipped_duplicates"].as_i64()
        ),
        (Some(0), Some(3))
    );
    let overlap =
        "Date,Description,Amount\n2026-01-07,Groceries,(82.10)\n2026-01-09,Rent,-1850.00\n";
    let (_, r) = import_json(
        &app,
        json!({"connection_id": conn, "csv_base64": b64(overlap)}),
    )
    .await;
    assert_eq!(
        (r["imported"].as_i64(), r["skipped_duplicates"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(app.query_i64("SELECT count(*) FROM transactions"), 4);
}

#[tokio::test]
async fn identical_twins_in_one_file_both_stay() {
    let app = spawn_app().await;
    let user = app.create_user("U").await;
    let twins = "Date,Description,Amount\n2026-02-01,Coffee,-3.00\n2026-02-01,Coffee,-3.00\n";
    let (_, r) = import_json(
        &app,
        json!({"user_id": user["id"], "csv_base64": b64(twins)}),
    )
    .await;
    assert_eq!(r["imported"], 2);
    let (_, r) = import_json(
        &app,
        json!({"connection_id": r["connection_id"], "csv_base64": b64(twins)}),
    )
    .await;
    assert_eq!(
        (r["imported"].as_i64(), r["skipped_duplicates"].as_i64()),
        (Some(0), Some(2))
    );
}

#[tokio::test]
async fn multipart_parts_the_form_does_not_have_are_refused() {
    // The document closes the form (additionalProperties: false); the server agrees.
    let app = spawn_app().await;
    let user = app.create_user("U").await;
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"date,amount,description\n".to_vec())
                .file_name("a.csv"),
        )
        .text("user_id", user["id"].as_str().unwrap().to_owned())
        .text("colums", "{}");
    let (s, r) = send(
        app.req(Method::POST, "/api/v1/connections/csv/import")
            .multipart(form),
    )
    .await;
    assert_error(s, &r, 422, "VALIDATION_ERROR");
    assert!(
        r["error"]["message"].as_str().unwrap().contains("colums"),
        "{r}"
    );
}

#[tokio::test]
async fn multipart_upload_with_semicolons_debit_credit_and_explicit_date_format() {
    let app = spawn_app().await;
    let user = app.create_user("U").await;
    let csv =
        "Buchungstag;Text;Soll;Haben\n03.01.2026;Miete;1.850,00;\n05.01.2026;Gehalt;;3.200,00\n";
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("export.csv"),
        )
        .text("user_id", user["short_id"].as_str().unwrap().to_owned())
        .text("iso_currency_code", "EUR")
        .text("account_name", "Girokonto")
        .text("date_format", "%d.%m.%Y")
        .text(
            "columns",
            r#"{"date":"Buchungstag","description":1,"debit":"Soll","credit":"Haben"}"#,
        );
    let (s, r) = send(
        app.req(Method::POST, "/api/v1/connections/csv/import")
            .multipart(form),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["imported"], 2);
    assert_eq!(
        amounts(&app),
        vec![
            ("2026-01-03".into(), 185_000),
            ("2026-01-05".into(), -320_000)
        ]
    );
    assert_eq!(
        app.query_i64(
            "SELECT count(*) FROM accounts WHERE iso_currency_code = 'EUR' AND name = 'Girokonto'"
        ),
        1
    );
}

#[tokio::test]
async fn tab_delimited_thousands_and_positive_debits() {
    let app = spawn_app().await;
    let user = app.create_user("U").await;
    let csv = "date\tpayee\tamount\n2026-03-01\tLaptop\t1,299.99\n2026-03-02\tRefund\t-20.00\n";
    let (s, r) = import_json(
        &app,
        json!({"user_id": user["id"], "csv_base64": b64(csv), "amounts_negative_are_debits": false}),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(
        amounts(&app),
        vec![("2026-03-01".into(), 129_999), ("2026-03-02".into(), -2000)]
    );
}

#[tokio::test]
async fn bad_rows_are_rejected_with_line_numbers_and_good_rows_still_import() {
    let app = spawn_app().await;
    let user = app.create_user("U").await;
    let csv = "Date,Description,Amount\n2026-01-03,Coffee,-4.50\n2026-01-04,Broken,abc\nnot-a-date,Thing,-1.00\n2026-01-06,Tea,-2.00\n";
    let (s, r) = import_json(&app, json!({"user_id": user["id"], "csv_base64": b64(csv)})).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(
        (r["imported"].as_i64(), r["total_rows"].as_i64()),
        (Some(2), Some(4))
    );
    let lines: Vec<i64> = r["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4]);
    assert!(
        r["rejected"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("amount"),
        "{r}"
    );
}

#[tokio::test]
async fn files_that_cannot_be_imported_are_422_with_reasons() {
    let app = spawn_app().await;
    let user = app.create_user("U").await;
    let nothing = "Date,Description,Amount\nx,y,z\n";
    let (s, b) = import_json(
        &app,
        json!({"user_id": user["id"], "csv_base64": b64(nothing)}),
    )
    .await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
    assert!(
        b["error"]["message"].as_str().unwrap().contains("line 2"),
        "{b}"
    );
    let ambiguous = "Date,Description,Amount\n01/02/2026,A,-1\n03/04/2026,B,-2\n";
    let (s, b) = import_json(
        &app,
        json!({"user_id": user["id"], "csv_base64": b64(ambiguous)}),
    )
    .await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ambiguous"),
        "{b}"
    );
    let (s, b) = import_json(&app, json!({"csv_base64": b64(BANK)})).await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
    assert!(b["error"]["message"].as_str().unwrap().contains("user_id"));
    let (s, b) = import_json(&app, json!({"user_id": user["id"], "csv_base64": "%%%"})).await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
    let (s, b) = import_json(
        &app,
        json!({"user_id": user["id"], "csv_base64": b64(BANK), "columns": {"date": 0}}),
    )
    .await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("columns.description"),
        "{b}"
    );
    assert_eq!(
        app.query_i64("SELECT count(*) FROM connections"),
        0,
        "a failed import must leave nothing"
    );
}

#[tokio::test]
async fn appending_needs_a_live_csv_connection() {
    let app = spawn_demo().await;
    let (_, demo) = app.demo_connection("demo_good").await;
    let (s, b) = import_json(
        &app,
        json!({"connection_id": demo["id"], "csv_base64": b64(BANK)}),
    )
    .await;
    assert_error(s, &b, 409, "CONFLICT");
    let (s, b) = import_json(
        &app,
        json!({"connection_id": "ZZZZZZZZ", "csv_base64": b64(BANK)}),
    )
    .await;
    assert_error(s, &b, 404, "NOT_FOUND");
}

#[tokio::test]
async fn files_over_50_mib_are_413() {
    let app = spawn_app().await;
    let big = vec![b'a'; 50 * 1024 * 1024 + 1];
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(big).file_name("x.csv"),
    );
    let (s, b) = send(
        app.req(Method::POST, "/api/v1/connections/csv/import")
            .multipart(form),
    )
    .await;
    assert_error(s, &b, 413, "PAYLOAD_TOO_LARGE");
}

/// Every write waits its turn at the one gate: while a large import stores, a new user,
/// the hosted-link expiry sweep and the `last_used_at` flush all succeed (after it).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_during_a_large_import_wait_their_turn_and_succeed() {
    let app = spawn_app().await;
    let user = app.create_user("Importer").await;
    let mut csv = String::from("Date,Description,Amount\n");
    for i in 0..40_000 {
        let (m, d) = (i % 12 + 1, i % 28 + 1);
        let _ = writeln!(
            csv,
            "2025-{m:02}-{d:02},Shop {i},-{}.{:02}",
            i % 500,
            i % 100
        );
    }
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("big.csv"),
        )
        .text("user_id", user["id"].as_str().unwrap().to_owned());
    let import = tokio::spawn(send(
        app.req(Method::POST, "/api/v1/connections/csv/import")
            .multipart(form),
    ));
    // Give the upload a head start (overlap, not correctness, depends on it), then write
    // from every other path at once.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (created, swept, flushed) = tokio::join!(
        app.post("/api/v1/users", json!({"name": "Meanwhile"})),
        breadbox::service::link::sweep(&app.state),
        app.state.auth.flush_last_used(),
    );
    assert_eq!(created.0, 201, "{}", created.1);
    swept.expect("the expiry sweep waits for the import and succeeds");
    flushed.expect("the last_used_at flush waits for the import and succeeds");
    let (s, r) = import.await.unwrap();
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["imported"], 40_000);
}
