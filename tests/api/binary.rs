//! The real `breadbox` binary: CLI commands, then `serve` over TCP, then SIGTERM.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_breadbox");

pub(crate) fn breadbox(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("BREADBOX_DATA_DIR", data_dir)
        .env_remove("RUST_LOG")
        .output()
        .expect("run breadbox")
}

pub(crate) fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) fn wait_until_up(client: &reqwest::blocking::Client, base: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if client
            .get(format!("{base}/health"))
            .send()
            .is_ok_and(|r| r.status() == 200)
        {
            return;
        }
        assert!(child.try_wait().unwrap().is_none(), "server exited early");
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("server did not come up");
}

#[test]
fn keys_create_then_serve_then_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let key = stdout(&breadbox(&data, &["keys", "create", "--name", "admin"]));
    let key = key.trim();
    assert!(
        key.starts_with("bb_") && !key.contains('\n'),
        "stdout must be only the key: {key:?}"
    );
    let user_id = stdout(&breadbox(
        &data,
        &["users", "add", "Ada", "--email", "ada@example.com"],
    ));
    let user_id = user_id.trim().to_owned();
    uuid::Uuid::parse_str(&user_id).unwrap();

    let port = free_port();
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("BREADBOX_DATA_DIR", &data)
        .env("BREADBOX_DEMO", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::blocking::Client::new();
    wait_until_up(&client, &base, &mut child);

    let resp = client
        .get(format!("{base}/api/v1/users/{user_id}"))
        .header("X-API-Key", key)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().unwrap();
    assert_eq!(body["name"], "Ada");
    let providers: serde_json::Value = client
        .get(format!("{base}/api/v1/providers"))
        .header("X-API-Key", key)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let demo = providers["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "demo")
        .unwrap()
        .clone();
    assert_eq!(
        demo["configured"], true,
        "BREADBOX_DEMO=1 must enable the demo bank"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "exit status {exit}");
    let mut log = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(log.contains("/api/v1/users"), "request not logged: {log}");
    assert!(!log.contains(key), "the key leaked into the log");
}

#[test]
fn a_second_server_on_the_same_data_dir_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let serve = |port: u16| {
        Command::new(BIN)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("BREADBOX_DATA_DIR", &data)
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let port = free_port();
    let mut first = serve(port);
    let client = reqwest::blocking::Client::new();
    wait_until_up(&client, &format!("http://127.0.0.1:{port}"), &mut first);
    let mut second = serve(free_port());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(s) = second.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            let _ = first.kill();
            panic!("a second server started on a data dir in use");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(second.stderr.as_mut().unwrap(), &mut err).unwrap();
    let _ = first.kill();
    let _ = first.wait();
    assert!(!exit.success());
    assert!(
        err.contains(data.to_str().unwrap()) && err.contains("another breadbox process is using"),
        "the refusal must name the directory and the reason: {err}"
    );
}

#[test]
fn keys_list_and_revoke_work_offline() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let key = stdout(&breadbox(
        &data,
        &["keys", "create", "--name", "ci", "--scope", "read_only"],
    ));
    let list = stdout(&breadbox(&data, &["keys", "list"]));
    assert!(list.contains(&key.trim()[..11]) && list.contains("read_only") && list.contains("ci"));
    assert!(!list.contains(key.trim()), "list shows the secret");
    let id = list
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    stdout(&breadbox(&data, &["keys", "revoke", &id]));
    let list = stdout(&breadbox(&data, &["keys", "list"]));
    assert!(
        !list.lines().nth(1).unwrap().contains(" - "),
        "not revoked: {list}"
    );
    let bad = breadbox(&data, &["keys", "revoke", "nope"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("UUID"));
}

#[test]
fn a_database_newer_than_the_binary_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    stdout(&breadbox(&data, &["keys", "create", "--name", "x"]));
    let conn = rusqlite::Connection::open(data.join("breadbox.db")).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let out = breadbox(&data, &["keys", "list"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("newer than this breadbox"), "{err}");
}

#[test]
fn openapi_command_prints_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    let spec: serde_json::Value =
        serde_json::from_str(&stdout(&breadbox(dir.path(), &["openapi"]))).unwrap();
    assert!(spec["paths"]["/api/v1/users"].is_object());
}

#[test]
fn help_explains_every_command() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for word in [
        "serve",
        "keys",
        "users",
        "openapi",
        "--data-dir",
        "BREADBOX_DATA_DIR",
    ] {
        assert!(help.contains(word), "--help lacks {word}: {help}");
    }
    let out = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for word in [
        "--listen",
        "BREADBOX_LISTEN",
        "--rate-limit-rpm",
        "BREADBOX_RATE_LIMIT_BURST",
    ] {
        assert!(help.contains(word), "serve --help lacks {word}");
    }
}

#[test]
fn import_csv_command_imports_once_and_backup_makes_a_consistent_copy() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let user = stdout(&breadbox(&data, &["users", "add", "Ada"]));
    let file = dir.path().join("bank.csv");
    std::fs::write(
        &file,
        "Date;Payee;Amount\n02.01.2026;Bakery;-3,50\n03.01.2026;Salary;2.500,00\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let first = stdout(&breadbox(
        &data,
        &[
            "import",
            "csv",
            file,
            "--user",
            user.trim(),
            "--currency",
            "EUR",
        ],
    ));
    assert!(first.contains("imported 2 new"), "{first}");
    let conn_id = first
        .lines()
        .find_map(|l| l.strip_prefix("connection "))
        .unwrap()
        .to_owned();
    let again = stdout(&breadbox(
        &data,
        &[
            "import",
            "csv",
            file,
            "--connection",
            &conn_id,
            "--currency",
            "EUR",
        ],
    ));
    assert!(
        again.contains("imported 0 new") && again.contains("2 already present"),
        "{again}"
    );
    let bad = breadbox(&data, &["import", "csv", file]);
    assert!(!bad.status.success(), "--user or --connection is required");

    let backup = dir.path().join("backup.tar.gz");
    let out = breadbox(&data, &["backup", backup.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = dir.path().join("restored");
    stdout(&breadbox(&restored, &["restore", backup.to_str().unwrap()]));
    let copy = rusqlite::Connection::open(restored.join("breadbox.db")).unwrap();
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let rows: i64 = copy
        .query_row("SELECT count(*) FROM transactions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 2);
    let amounts: i64 = copy
        .query_row("SELECT sum(amount) FROM transactions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(amounts, 350 - 250_000, "Plaid sign, cents");
    let again = breadbox(&data, &["backup", backup.to_str().unwrap()]);
    assert!(
        !again.status.success(),
        "must not overwrite an existing file"
    );
}

#[test]
fn openapi_into_a_pipe_closed_early_is_not_a_panic() {
    let mut child = Command::new(BIN)
        .arg("openapi")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0_u8; 16];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take()); // like `| head -c 16`
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !err.contains("panicked"), "{err}");
}

/// Starts `serve` with `args`, waits for /health, stops it; returns its stderr.
fn serve_log(data: &Path, args: &[&str]) -> String {
    let port = free_port();
    let mut child = Command::new(BIN)
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .args(args)
        .env("BREADBOX_DATA_DIR", data)
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::blocking::Client::new();
    wait_until_up(&client, &format!("http://127.0.0.1:{port}"), &mut child);
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{}: {log}", out.status);
    log
}

#[test]
fn logs_are_plain_when_piped_json_on_request_and_start_with_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let text = serve_log(&data, &[]);
    assert!(!text.contains('\u{1b}'), "ANSI escapes in a pipe: {text}");
    let json = serve_log(&data, &["--log-format", "json"]);
    let start: serde_json::Value = json
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
        .find(|v| v["fields"]["message"] == "breadbox listening")
        .expect("start-up line");
    let f = &start["fields"];
    assert_eq!(f["version"], env!("CARGO_PKG_VERSION"));
    assert!(f["addr"].as_str().unwrap().starts_with("127.0.0.1:"), "{f}");
    assert_eq!(f["data_dir"], data.to_str().unwrap());
    assert!(f["schema_version"].as_i64().unwrap() >= 1);
    assert!(f["providers"].as_str().unwrap().contains("demo"), "{f}");
}
