//! Memory on small boards: the resident set (RSS, from `/proc/PID/status`) of the release
//! `breadbox serve` binary (a) idle after start, (b) idle after a 50,000-row CSV import
//! through HTTP, (c) at its peak while 64 concurrent keep-alive clients mix transaction
//! lists, counts, monthly summaries and hosted-link polls for 60 s, and (d) idle again
//! afterwards. Targets: ≤ 64 MiB under load and after the import, ≤ 16 MiB idle at start.
//!
//! Run: `cargo bench --bench memory` (env: BENCH_SECS=60, BENCH_CONCURRENCY=64,
//! BENCH_ROWS=50000; extra environment for the server, e.g. MALLOC_ARENA_MAX=2, is passed
//! through). The server runs with the same defaults as `breadbox serve`.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// (`VmRSS`, `VmHWM`) of `pid` in KiB.
fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn mib(kib: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let m = kib as f64 / 1024.0;
    format!("{m:.1} MiB")
}

fn cli(data: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_breadbox"))
        .args(args)
        .env("BREADBOX_DATA_DIR", data)
        .output()
        .expect("cli");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_owned()
}

fn csv_rows(rows: u64) -> String {
    let mut csv = String::from("Date,Description,Amount\n");
    for i in 0..rows {
        let (m, d) = (i % 12 + 1, i % 28 + 1);
        let _ = writeln!(
            csv,
            "2025-{m:02}-{d:02},Shop {} order {i},-{}.{:02}",
            i % 700,
            i % 900,
            i % 100
        );
    }
    csv
}

/// The request mix one client cycles through.
fn mix(user: &str, link: &str) -> Vec<String> {
    vec![
        "/api/v1/transactions?limit=100".into(),
        "/api/v1/transactions?limit=50&search=shop".into(),
        "/api/v1/transactions/count?start_date=2025-03-01&end_date=2025-09-01".into(),
        "/api/v1/transactions/summary?group_by=month".into(),
        format!("/api/v1/transactions/summary?group_by=category&user_id={user}"),
        format!("/api/v1/connections/link/{link}"),
    ]
}

async fn load(
    base: &str,
    key: &str,
    paths: Vec<String>,
    clients: u64,
    secs: u64,
    pid: u32,
) -> (u64, u64) {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (base, key, paths, done) =
            (base.to_owned(), key.to_owned(), paths.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut i = usize::try_from(c).unwrap_or(0);
            while Instant::now() < deadline {
                let url = format!("{base}{}", paths[i % paths.len()]);
                let resp = client
                    .get(&url)
                    .header("X-API-Key", &key)
                    .send()
                    .await
                    .expect("request");
                assert!(resp.status().is_success(), "{url}: {}", resp.status());
                resp.bytes().await.expect("body");
                done.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        }));
    }
    let mut peak = 0;
    while Instant::now() < deadline {
        peak = peak.max(rss_kib(pid).0);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for t in tasks {
        t.await.expect("client");
    }
    (peak.max(rss_kib(pid).0), done.load(Ordering::Relaxed))
}

/// RSS after `secs` of quiet.
async fn settle(pid: u32, secs: u64) -> u64 {
    tokio::time::sleep(Duration::from_secs(secs)).await;
    rss_kib(pid).0
}

fn main() {
    let secs = env_num("BENCH_SECS", 60);
    let clients = env_num("BENCH_CONCURRENCY", 64);
    let rows = env_num("BENCH_ROWS", 50_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let key = cli(&data, &["keys", "create", "--name", "bench"]);
    let user = cli(&data, &["users", "add", "Bench User"]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_breadbox"))
        .args([
            "serve",
            "--demo",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--rate-limit-rpm",
            "0",
        ])
        .env("BREADBOX_DATA_DIR", &data)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve");
    let pid = server.id();
    let base = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while client.get(format!("{base}/health")).send().await.is_err() {
            assert!(Instant::now() < deadline, "server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let idle_start = settle(pid, 2).await;
        println!("idle after start:            {}", mib(idle_start));

        let started = Instant::now();
        let form = reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::text(csv_rows(rows)).file_name("bank.csv"),
            )
            .text("user_id", user.clone());
        let resp = client
            .post(format!("{base}/api/v1/connections/csv/import"))
            .header("X-API-Key", &key)
            .multipart(form)
            .send()
            .await
            .expect("import");
        assert!(
            resp.status().is_success(),
            "import: {}",
            resp.text().await.unwrap_or_default()
        );
        println!(
            "import of {rows} rows:        {:.1} s, peak {}",
            started.elapsed().as_secs_f64(),
            mib(rss_kib(pid).1)
        );
        let idle_import = settle(pid, 5).await;
        println!("idle after the import:       {}", mib(idle_import));

        let link: serde_json::Value = client
            .post(format!("{base}/api/v1/connections/link"))
            .header("X-API-Key", &key)
            .json(&serde_json::json!({"user_id": user}))
            .send()
            .await
            .expect("link")
            .json()
            .await
            .expect("link json");
        let link = link["id"].as_str().expect("link id").to_owned();
        let (peak, requests) = load(&base, &key, mix(&user, &link), clients, secs, pid).await;
        #[allow(clippy::cast_precision_loss)]
        let rps = requests as f64 / secs as f64;
        println!(
            "{clients} clients for {secs} s:       peak {} ({rps:.0} req/s)",
            mib(peak)
        );
        let idle_after = settle(pid, 5).await;
        println!("idle after the load:         {}", mib(idle_after));
        println!("high-water mark (VmHWM):     {}", mib(rss_kib(pid).1));
    });
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = server.wait();
}
