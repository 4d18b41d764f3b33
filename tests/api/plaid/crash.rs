//! kill -9 in the middle of a Plaid sync: first while paging (pages fetched, nothing
//! committed), then while the sync's one write transaction is being written. Each time
//! the database must hold none of the sync and the cursor must not move; the next sync
//! then lands every row exactly once. Runs the real binary against the fake Plaid.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fake_plaid::{self, FakePlaid};

const BIN: &str = env!("CARGO_BIN_EXE_breadbox");
const ROWS: usize = 20_000;

struct Server {
    child: Child,
    base: String,
    key: String,
}

fn cli(data: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .env("BREADBOX_DATA_DIR", data)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn serve(data: &Path, fake: &FakePlaid, key: &str) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--no-scheduler",
            "--rate-limit-rpm",
            "0",
        ])
        .args([
            "--plaid-client-id",
            fake_plaid::CLIENT_ID,
            "--plaid-base-url",
            &fake.url,
        ])
        .env("BREADBOX_PLAID_SECRET", fake_plaid::SECRET)
        .env("BREADBOX_DATA_DIR", data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::blocking::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.get(format!("{base}/health")).send().is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Server {
        child,
        base,
        key: key.to_owned(),
    }
}

impl Server {
    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = reqwest::blocking::Client::new()
            .post(format!("{}{path}", self.base))
            .header("X-API-Key", &self.key)
            .json(body)
            .send()
            .unwrap();
        (r.status().as_u16(), r.json().unwrap_or(Value::Null))
    }

    fn get(&self, path: &str) -> Value {
        reqwest::blocking::Client::new()
            .get(format!("{}{path}", self.base))
            .header("X-API-Key", &self.key)
            .send()
            .unwrap()
            .json()
            .unwrap()
    }

    fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
    }
}

/// (transactions, sync_cursor is set, integrity) straight from the file.
fn inspect(data: &Path) -> (i64, bool) {
    let conn = rusqlite::Connection::open(data.join("breadbox.db")).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    conn.execute(
        "INSERT INTO transactions_fts (transactions_fts) VALUES ('integrity-check')",
        [],
    )
    .expect("search index consistent");
    let rows = conn
        .query_row("SELECT count(*) FROM transactions", [], |r| r.get(0))
        .unwrap();
    let cursor: Option<String> = conn
        .query_row("SELECT sync_cursor FROM connections", [], |r| r.get(0))
        .unwrap();
    (rows, cursor.is_some())
}

fn wal_len(data: &Path) -> u64 {
    std::fs::metadata(data.join("breadbox.db-wal")).map_or(0, |m| m.len())
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !done() {
        assert!(Instant::now() < deadline, "{what} never happened");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn kill_dash_nine_mid_sync_keeps_a_plaid_sync_all_or_nothing() {
    let fake = FakePlaid::start_in_thread();
    let (public_token, item_id) = fake.add_item("First Platypus Bank");
    fake.add(&item_id, &super::history(&item_id, "t", ROWS));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let key = cli(&data, &["keys", "create", "--name", "a"]);
    let user = cli(&data, &["users", "add", "U"]);

    // 1. Killed while paging: pages 1 and 2 fetched, page 3 held upstream.
    fake.hold_page(3);
    let server = serve(&data, &fake, &key);
    let (s, conn) = server.post(
        "/api/v1/connections",
        &json!({"provider": "plaid", "user_id": user, "credentials": {"public_token": public_token}}),
    );
    assert_eq!(s, 201, "{conn}");
    let id = conn["id"].as_str().unwrap().to_owned();
    wait_until("page 3 requested", || fake.sync_pages() >= 3);
    server.kill();
    assert_eq!(
        inspect(&data),
        (0, false),
        "pages fetched before the kill were committed"
    );
    fake.release();

    // 2. Killed while the sync's write transaction is being written.
    let server = serve(&data, &fake, &key);
    let base_wal = wal_len(&data);
    let (s, b) = server.post(&format!("/api/v1/connections/{id}/sync"), &json!({}));
    assert_eq!(s, 202, "{b}");
    // With a large batch the rows stay in the page cache until commit, so the WAL grows
    // while the commit is being written: kill at once, before its last frame lands.
    wait_until("the write started", || {
        wal_len(&data) > base_wal + 256 * 1024
    });
    server.kill();
    let (rows, cursor) = inspect(&data);
    assert_ne!(
        rows,
        i64::try_from(ROWS).unwrap(),
        "the sync committed before the kill; raise ROWS"
    );
    assert_eq!(
        (rows, cursor),
        (0, false),
        "a partial sync survived the kill"
    );

    // 3. The next sync lands every row exactly once; both killed syncs show as interrupted.
    let server = serve(&data, &fake, &key);
    let (s, b) = server.post(&format!("/api/v1/connections/{id}/sync"), &json!({}));
    assert_eq!(s, 202, "{b}");
    let log_id = b["sync_log_id"].as_str().unwrap().to_owned();
    wait_until("the sync finished", || {
        server.get(&format!("/api/v1/sync/logs/{log_id}"))["status"] != "in_progress"
    });
    let log = server.get(&format!("/api/v1/sync/logs/{log_id}"));
    assert_eq!(log["status"], "success", "{log}");
    let logs = server.get(&format!("/api/v1/sync/logs?connection_id={id}"));
    let interrupted = logs["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["status"] == "error" && l["error_message"] == "interrupted")
        .count();
    server.kill();
    assert_eq!(inspect(&data), (i64::try_from(ROWS).unwrap(), true));
    assert_eq!(interrupted, 2, "{logs}");
}
