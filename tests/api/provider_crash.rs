//! kill -9 in the middle of a large SimpleFIN sync (the real binary against a fake Bridge):
//! the database must stay consistent and the sync all-or-nothing; after a restart the
//! interrupted log says so and the next sync brings everything.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fake_upstream::simplefin::{Acct, Bridge, DAY, Txn};

const BIN: &str = env!("CARGO_BIN_EXE_breadbox");
const ROWS: usize = 120_000;

fn cli(data: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .env("BREADBOX_DATA_DIR", data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn serve(data: &Path) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("BREADBOX_DATA_DIR", data)
        .env("BREADBOX_SIMPLEFIN_ALLOW_HTTP", "1")
        .env("BREADBOX_NO_SCHEDULER", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (child, format!("http://127.0.0.1:{port}"))
}

async fn wait_up(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while reqwest::get(format!("{base}/health")).await.is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn db(data: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(data.join("breadbox.db")).unwrap()
}

fn one(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn big_bridge(bridge: &Bridge) {
    let now = breadbox::time::now();
    let mut acct = Acct::new("ACT-big", "Busy Checking", "100.00");
    acct.txns = (0..ROWS)
        .map(|i| {
            let at = now - 2 * DAY - i64::try_from(i % 350).unwrap() * DAY;
            Txn::posted(
                &format!("T{i}"),
                at,
                &format!("-{}.{:02}", 1 + i % 400, i % 100),
                &format!("Shop {i}"),
            )
        })
        .collect();
    bridge.with(|s| s.accounts = vec![acct]);
}

async fn post(base: &str, key: &str, path: &str, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("X-API-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_dash_nine_during_a_large_simplefin_sync_leaves_all_or_nothing() {
    let bridge = Bridge::start().await;
    big_bridge(&bridge);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let key = cli(&data, &["keys", "create", "--name", "a"]);
    let user = cli(&data, &["users", "add", "U"]);
    let (mut child, base) = serve(&data);
    wait_up(&base).await;
    let (s, conn) = post(
        &base,
        &key,
        "/api/v1/connections",
        json!({"provider": "simplefin", "user_id": user,
               "credentials": {"setup_token": bridge.setup_token("crash")}}),
    )
    .await;
    assert_eq!(s, 201, "{conn}");

    // Kill once the sync's write transaction spills into the WAL, before it commits.
    let wal = data.join("breadbox.db-wal");
    let deadline = Instant::now() + Duration::from_secs(180);
    let committed = || {
        one(
            &db(&data),
            "SELECT count(*) FROM sync_logs WHERE status <> 'in_progress'",
        ) > 0
    };
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < 4 * 1024 * 1024 && !committed() {
        assert!(Instant::now() < deadline, "the sync never started writing");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let c = db(&data);
    let check: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    assert_eq!(
        one(
            &c,
            "SELECT count(*) FROM sync_logs WHERE status = 'in_progress'"
        ),
        1,
        "killed mid-sync"
    );
    assert_eq!(
        one(&c, "SELECT count(*) FROM transactions"),
        0,
        "a partial sync survived"
    );
    assert_eq!(one(&c, "SELECT count(*) FROM accounts"), 0);
    assert_eq!(
        one(
            &c,
            "SELECT count(*) FROM connections WHERE sync_cursor IS NULL"
        ),
        1
    );
    c.execute(
        "INSERT INTO transactions_fts (transactions_fts) VALUES ('integrity-check')",
        [],
    )
    .expect("search index consistent");
    drop(c);

    // Restart: the log is marked interrupted, and a new sync brings every row.
    let (mut child, base) = serve(&data);
    wait_up(&base).await;
    let log: String = db(&data)
        .query_row("SELECT status FROM sync_logs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(log, "error");
    let id = conn["id"].as_str().unwrap();
    let (s, body) = post(
        &base,
        &key,
        &format!("/api/v1/connections/{id}/sync"),
        json!({}),
    )
    .await;
    assert_eq!(s, 202, "{body}");
    let deadline = Instant::now() + Duration::from_secs(180);
    while one(
        &db(&data),
        "SELECT count(*) FROM sync_logs WHERE status = 'success'",
    ) == 0
    {
        assert!(Instant::now() < deadline, "the second sync did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        one(&db(&data), "SELECT count(*) FROM transactions"),
        i64::try_from(ROWS).unwrap()
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
