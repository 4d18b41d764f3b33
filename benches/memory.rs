//! Memory on small boards: the resident set (RSS, from `/proc/PID/status`) of the release
//! `breadbox serve` binary, one server through every phase in turn:
//!
//! 1. idle after start (target ≤ 16 MiB);
//! 2. a wrong-key flood: 3,000 requests, 32 concurrent, each with a different wrong key
//!    that shares the real key's 11-character prefix, so every one costs an argon2 verify
//!    (target: RSS ≤ idle + 64 MiB during the flood and after it);
//! 3. idle after a 50,000-row CSV import through HTTP (target ≤ 64 MiB);
//! 4. the peak while 64 concurrent keep-alive clients mix transaction lists, counts,
//!    summaries and hosted-link polls for 60 s (target ≤ 64 MiB), and idle afterwards.
//!
//! Run: `cargo bench --bench memory` (env: BENCH_SECS=60, BENCH_CONCURRENCY=64,
//! BENCH_ROWS=50000, BENCH_FLOOD=3000, BENCH_FLOOD_CONCURRENCY=32, BENCH_BINARY to measure
//! another build; extra environment for the server, e.g. MALLOC_CONF, is passed through).
//! The server runs with the same defaults as `breadbox serve`, without the per-key rate
//! limit.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const MIB: u64 = 1024;

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

/// One result line: the figure, its target and whether it is met.
fn report(label: &str, kib: u64, target_kib: u64, extra: &str) {
    let verdict = if kib <= target_kib { "ok" } else { "OVER" };
    println!(
        "{label:<34} {:>10}  (target ≤ {}, {verdict}){extra}",
        mib(kib),
        mib(target_kib)
    );
}

/// The binary under test: this build's, or `BENCH_BINARY` (to compare builds side by side).
fn breadbox_binary() -> String {
    std::env::var("BENCH_BINARY").unwrap_or_else(|_| env!("CARGO_BIN_EXE_breadbox").to_owned())
}

fn cli(data: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new(breadbox_binary())
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

/// Samples the server's RSS every 100 ms until `stop` is set; returns the highest.
fn sampler(pid: u32, stop: Arc<AtomicU64>) -> tokio::task::JoinHandle<u64> {
    tokio::spawn(async move {
        let mut peak = 0;
        while stop.load(Ordering::Relaxed) == 0 {
            peak = peak.max(rss_kib(pid).0);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        peak.max(rss_kib(pid).0)
    })
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
    let stop = Arc::new(AtomicU64::new(0));
    let peak = sampler(pid, stop.clone());
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
    for t in tasks {
        t.await.expect("client");
    }
    stop.store(1, Ordering::Relaxed);
    (peak.await.expect("sampler"), done.load(Ordering::Relaxed))
}

/// `key`'s 11-character prefix and a different, well-formed secret: the server finds the
/// real key's row by prefix and must run argon2 to refuse it.
fn wrong_key(key: &str, n: u64) -> String {
    let tail = format!("{n:0>20}WrongKeyWrongKeyWrongKeyWrongKey");
    format!("{}{}", &key[..11], &tail[..key.len() - 11])
}

/// `total` requests with distinct wrong keys, `concurrency` at a time: (peak RSS, statuses).
async fn flood(
    base: &str,
    key: &str,
    total: u64,
    concurrency: u64,
    pid: u32,
) -> (u64, BTreeMap<u16, u64>) {
    let next = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicU64::new(0));
    let peak = sampler(pid, stop.clone());
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (url, key, next) = (format!("{base}/api/v1/users"), key.to_owned(), next.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut statuses = BTreeMap::<u16, u64>::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    return statuses;
                }
                let resp = client
                    .get(&url)
                    .header("X-API-Key", wrong_key(&key, n))
                    .send()
                    .await
                    .expect("request");
                let status = resp.status().as_u16();
                assert!(matches!(status, 401 | 429), "a wrong key got {status}");
                resp.bytes().await.expect("body");
                *statuses.entry(status).or_default() += 1;
            }
        }));
    }
    let mut statuses = BTreeMap::new();
    for t in tasks {
        for (s, n) in t.await.expect("client") {
            *statuses.entry(s).or_default() += n;
        }
    }
    stop.store(1, Ordering::Relaxed);
    (peak.await.expect("sampler"), statuses)
}

/// RSS after `secs` of quiet.
async fn settle(pid: u32, secs: u64) -> u64 {
    tokio::time::sleep(Duration::from_secs(secs)).await;
    rss_kib(pid).0
}

async fn import(base: &str, key: &str, user: &str, rows: u64) {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::text(csv_rows(rows)).file_name("bank.csv"),
        )
        .text("user_id", user.to_owned());
    let resp = reqwest::Client::new()
        .post(format!("{base}/api/v1/connections/csv/import"))
        .header("X-API-Key", key)
        .multipart(form)
        .send()
        .await
        .expect("import");
    assert!(
        resp.status().is_success(),
        "import: {}",
        resp.text().await.unwrap_or_default()
    );
}

async fn create_link(base: &str, key: &str, user: &str) -> String {
    let link: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/connections/link"))
        .header("X-API-Key", key)
        .json(&serde_json::json!({"user_id": user}))
        .send()
        .await
        .expect("link")
        .json()
        .await
        .expect("link json");
    link["id"].as_str().expect("link id").to_owned()
}

/// Every phase against the server `pid` at `base`.
async fn phases(base: &str, key: &str, user: &str, pid: u32) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.get(format!("{base}/health")).send().await.is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let idle_start = settle(pid, 2).await;
    report("idle after start", idle_start, 16 * MIB, "");

    let (total, conc) = (
        env_num("BENCH_FLOOD", 3000),
        env_num("BENCH_FLOOD_CONCURRENCY", 32),
    );
    let started = Instant::now();
    let (peak, statuses) = flood(base, key, total, conc, pid).await;
    let extra = format!(
        "  {total} wrong keys, {conc} at a time, {:.1} s, statuses {statuses:?}",
        started.elapsed().as_secs_f64()
    );
    report("wrong-key flood, peak", peak, idle_start + 64 * MIB, &extra);
    let idle_flood = settle(pid, 5).await;
    report(
        "idle after the flood",
        idle_flood,
        idle_start + 64 * MIB,
        "",
    );

    let rows = env_num("BENCH_ROWS", 50_000);
    let started = Instant::now();
    import(base, key, user, rows).await;
    let extra = format!(
        "  {rows} rows in {:.1} s, peak so far {}",
        started.elapsed().as_secs_f64(),
        mib(rss_kib(pid).1)
    );
    let idle_import = settle(pid, 5).await;
    report("idle after the import", idle_import, 64 * MIB, &extra);

    let (secs, clients) = (env_num("BENCH_SECS", 60), env_num("BENCH_CONCURRENCY", 64));
    let link = create_link(base, key, user).await;
    let (peak, requests) = load(base, key, mix(user, &link), clients, secs, pid).await;
    #[allow(clippy::cast_precision_loss)]
    let rps = requests as f64 / secs as f64;
    let extra = format!("  {clients} clients, {secs} s, {rps:.0} req/s");
    report("mixed load, peak", peak, 64 * MIB, &extra);
    let idle_after = settle(pid, 5).await;
    report("idle after the load", idle_after, 64 * MIB, "");
    println!(
        "{:<34} {:>10}",
        "high-water mark (VmHWM)",
        mib(rss_kib(pid).1)
    );
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let key = cli(&data, &["keys", "create", "--name", "bench"]);
    let user = cli(&data, &["users", "add", "Bench User"]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut server = std::process::Command::new(breadbox_binary())
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
    rt.block_on(phases(&base, &key, &user, pid));
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = server.wait();
}
