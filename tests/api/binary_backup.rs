//! Backups through the real binary: a backup taken while `serve` runs restores into a new
//! directory where the same API key works and the demo connection still syncs (its
//! credentials open with the restored key); the data-directory lock refuses a second
//! server and a restore under a running one; a wrong key stops `serve` with the cause
//! named; scheduled backups are written and pruned.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::binary::{BIN, breadbox, free_port, stdout, wait_until_up};

struct Server {
    child: Child,
    base: String,
    client: reqwest::blocking::Client,
    key: String,
}

fn serve(data: &Path, key: &str, extra: &[&str]) -> Server {
    let port = free_port();
    let mut child = Command::new(BIN)
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .args(extra)
        .env("BREADBOX_DATA_DIR", data)
        .env_remove("BREADBOX_ENCRYPTION_KEY")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::blocking::Client::new();
    wait_until_up(&client, &base, &mut child);
    Server {
        child,
        base,
        client,
        key: key.to_owned(),
    }
}

impl Server {
    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("X-API-Key", &self.key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().unwrap_or(Value::Null))
    }

    /// Polls until the connection's newest sync with `trigger` succeeded.
    fn wait_for_sync(&self, conn: &str, trigger: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (_, s) = self.call(
                reqwest::Method::GET,
                &format!("/api/v1/connections/{conn}/status"),
                None,
            );
            let last = &s["last_sync"];
            if last["trigger"] == trigger && last["status"] != "in_progress" {
                assert_eq!(last["status"], "success", "{s}");
                return;
            }
            assert!(Instant::now() < deadline, "no {trigger} sync: {s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(mut self) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "server did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn failure(o: &std::process::Output) -> String {
    assert!(
        !o.status.success(),
        "must fail: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_backup_taken_while_serving_restores_with_working_keys_and_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let key = stdout(&breadbox(&a, &["keys", "create", "--name", "admin"]));
    let key = key.trim();
    let server = serve(&a, key, &[]);
    let (_, user) = server.call(
        reqwest::Method::POST,
        "/api/v1/users",
        Some(json!({"name": "Ada"})),
    );
    let body = json!({"provider": "demo", "user_id": user["id"], "credentials": {"username": "demo_good"}});
    let (status, conn) = server.call(reqwest::Method::POST, "/api/v1/connections", Some(body));
    assert_eq!(status, 201, "{conn}");
    let conn_id = conn["id"].as_str().unwrap().to_owned();
    server.wait_for_sync(&conn_id, "initial");

    let file = dir.path().join("a.tar.gz");
    let printed = stdout(&breadbox(&a, &["backup", file.to_str().unwrap()]));
    assert_eq!(printed.trim(), file.to_str().unwrap());
    let err = failure(&breadbox(
        &a,
        &["restore", "--force", file.to_str().unwrap()],
    ));
    assert!(
        err.contains("another breadbox process") && err.contains("breadbox.lock"),
        "{err}"
    );
    let second = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{}", free_port())])
        .env("BREADBOX_DATA_DIR", &a)
        .output()
        .unwrap();
    let err = failure(&second);
    assert!(err.contains("another breadbox process"), "{err}");
    server.stop();

    // A wrong key: serve refuses to start and names the cause.
    let wrong = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{}", free_port())])
        .env("BREADBOX_DATA_DIR", &a)
        .env(
            "BREADBOX_ENCRYPTION_KEY",
            "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=",
        )
        .output()
        .unwrap();
    let err = failure(&wrong);
    assert!(
        err.contains("does not open the stored credentials"),
        "{err}"
    );

    let b = dir.path().join("b");
    stdout(&breadbox(
        &b,
        &["restore", "--dry-run", file.to_str().unwrap()],
    ));
    assert!(!b.join("breadbox.db").exists(), "a dry run changes nothing");
    stdout(&breadbox(&b, &["restore", file.to_str().unwrap()]));
    let restored = serve(&b, key, &[]);
    let (status, users) = restored.call(reqwest::Method::GET, "/api/v1/users", None);
    assert_eq!(
        (status, users["data"][0]["name"].as_str()),
        (200, Some("Ada"))
    );
    let (status, _) = restored.call(
        reqwest::Method::POST,
        &format!("/api/v1/connections/{conn_id}/sync"),
        None,
    );
    assert_eq!(status, 202);
    restored.wait_for_sync(&conn_id, "manual");
    restored.stop();
}

#[test]
fn backup_of_a_mistyped_data_dir_fails_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("dta");
    let file = dir.path().join("b.tar.gz");
    let err = failure(&breadbox(&missing, &["backup", file.to_str().unwrap()]));
    assert!(err.contains("no database") && err.contains("dta"), "{err}");
    assert!(!missing.exists() && !file.exists());
}

#[test]
fn scheduled_backups_are_written_and_the_oldest_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let key = stdout(&breadbox(&data, &["keys", "create", "--name", "admin"]));
    let backups = dir.path().join("backups");
    let server = serve(
        &data,
        key.trim(),
        &[
            "--backup-dir",
            backups.to_str().unwrap(),
            "--backup-interval",
            "1s",
            "--backup-keep",
            "2",
        ],
    );
    let mut seen = std::collections::BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.len() < 4 {
        let now: Vec<String> = std::fs::read_dir(&backups)
            .map(|d| {
                d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .filter(|n| n.starts_with("breadbox-backup-"))
                    .collect()
            })
            .unwrap_or_default();
        // A third exists only between writing the newest and pruning the oldest.
        assert!(now.len() <= 3, "--backup-keep 2 not applied: {now:?}");
        seen.extend(now);
        assert!(Instant::now() < deadline, "only {seen:?} within 30 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    server.stop();
    let left: Vec<_> = std::fs::read_dir(&backups)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
    let newest = left.iter().max().unwrap();
    stdout(&breadbox(
        &dir.path().join("r"),
        &["restore", "--dry-run", newest.to_str().unwrap()],
    ));
}
