//! kill -9 in the middle of a large import: the database must stay consistent and the
//! import must be all-or-nothing. Runs the real binary.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_breadbox");

fn big_csv(rows: usize) -> Vec<u8> {
    use std::fmt::Write as _;
    let mut out = String::from("Date,Description,Amount\n");
    for i in 0..rows {
        let day = 1 + i % 28;
        let month = 1 + (i / 28) % 12;
        let _ = writeln!(
            out,
            "2025-{month:02}-{day:02},Shop number {i},-{}.{:02}",
            1 + i % 500,
            i % 100
        );
    }
    out.into_bytes()
}

fn wait_up(base: &str) {
    let client = reqwest::blocking::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.get(format!("{base}/health")).send().is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Mints a key and a user with the CLI, then starts `serve`; returns (child, base, key, user).
fn start(data: &std::path::Path) -> (std::process::Child, String, String, String) {
    let cli = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(args)
            .env("BREADBOX_DATA_DIR", data)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let key = cli(&["keys", "create", "--name", "a"]);
    let user = cli(&["users", "add", "U"]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("BREADBOX_DATA_DIR", data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_up(&base);
    (child, base, key, user)
}

/// Uploads `csv` in a thread; the result is the HTTP status or the transport error.
fn upload(
    base: &str,
    key: String,
    user: String,
    csv: Vec<u8>,
) -> std::thread::JoinHandle<Result<u16, reqwest::Error>> {
    let url = format!("{base}/api/v1/connections/csv/import");
    std::thread::spawn(move || {
        let form = reqwest::blocking::multipart::Form::new()
            .part(
                "file",
                reqwest::blocking::multipart::Part::bytes(csv).file_name("big.csv"),
            )
            .text("user_id", user);
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        client
            .post(url)
            .header("X-API-Key", key)
            .multipart(form)
            .send()
            .map(|r| r.status().as_u16())
    })
}

fn count(conn: &rusqlite::Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn kill_dash_nine_during_a_large_import_leaves_a_consistent_all_or_nothing_database() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut child, base, key, user) = start(&data);
    let rows = 150_000;
    let upload = upload(&base, key, user, big_csv(rows));
    // Kill once the write transaction is spilling into the WAL, i.e. mid-import.
    let wal = data.join("breadbox.db-wal");
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < 4 * 1024 * 1024 && !upload.is_finished()
    {
        assert!(Instant::now() < deadline, "import never started writing");
        std::thread::sleep(Duration::from_millis(5));
    }
    let killed_mid_import = !upload.is_finished();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let answered = upload.join().unwrap();

    let conn = rusqlite::Connection::open(data.join("breadbox.db")).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let counts = (
        count(&conn, "transactions"),
        count(&conn, "connections"),
        count(&conn, "sync_logs"),
    );
    assert!(
        killed_mid_import,
        "the import finished before the kill; make the file bigger"
    );
    assert!(
        answered.is_err(),
        "the import answered although the server was killed"
    );
    assert_eq!(counts, (0, 0, 0), "a partial import survived");
    // FTS5's own check: fails if the search index is out of step with the table.
    conn.execute(
        "INSERT INTO transactions_fts (transactions_fts) VALUES ('integrity-check')",
        [],
    )
    .expect("search index consistent");
}
