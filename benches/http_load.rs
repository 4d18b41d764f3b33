//! Load benchmark (issue: auth must not cost argon2 per request).
//! Starts the release `breadbox serve` binary on loopback over a temp-file database, then drives
//! `GET /health` and an authenticated `GET /api/v1/users/{id}` with N concurrent
//! keep-alive clients for D seconds each, and prints requests/s and their ratio.
//!
//! Run: `cargo bench --bench http_load` (env: BENCH_ROUNDS=7, BENCH_SECS=2 per endpoint and
//! round, BENCH_CONCURRENCY=32, BENCH_BINARY to run another build). Rounds alternate the endpoints; medians are reported.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn drive(url: String, key: Option<String>, concurrency: u64, secs: u64) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (url, key, done) = (url.clone(), key.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            while Instant::now() < deadline {
                let mut req = client.get(&url);
                if let Some(k) = &key {
                    req = req.header("X-API-Key", k);
                }
                let resp = req.send().await.expect("request");
                assert!(resp.status().is_success(), "status {}", resp.status());
                resp.bytes().await.expect("body");
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let started = Instant::now();
    for t in tasks {
        t.await.expect("task");
    }
    #[allow(clippy::cast_precision_loss)]
    let rps = done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    rps
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The binary under test: this build's, or `BENCH_BINARY` (to compare builds side by side).
fn breadbox_binary() -> String {
    std::env::var("BENCH_BINARY").unwrap_or_else(|_| env!("CARGO_BIN_EXE_breadbox").to_owned())
}

/// Mints a key and a user offline with the real binary, then starts `breadbox serve`.
fn start_server(data: &std::path::Path, port: u16) -> (std::process::Child, String, String) {
    let bin = breadbox_binary();
    let bin = bin.as_str();
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(bin)
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
    };
    let key = cli(&["keys", "create", "--name", "bench", "--scope", "read_only"]);
    let user = cli(&["users", "add", "Bench User"]);
    let child = std::process::Command::new(bin)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--rate-limit-rpm",
            "0",
        ])
        .env("BREADBOX_DATA_DIR", data)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve");
    (child, key, user)
}

fn main() {
    let secs = env_num("BENCH_SECS", 2);
    let rounds = env_num("BENCH_ROUNDS", 7);
    let concurrency = env_num("BENCH_CONCURRENCY", 32);
    let dir = tempfile::tempdir().expect("tempdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let (mut server, key, user) = start_server(&dir.path().join("data"), port);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async move {
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while client.get(format!("{base}/health")).send().await.is_err() {
            assert!(Instant::now() < deadline, "server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Warm-up: verifies the key once (argon2) and fills connection pools.
        drive(format!("{base}/api/v1/users/{user}"), Some(key.clone()), 4, 1).await;
        // Alternate short rounds so background load drifts hit both endpoints alike.
        let (mut health, mut users, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            let h = drive(format!("{base}/health"), None, concurrency, secs).await;
            let u = drive(format!("{base}/api/v1/users/{user}"), Some(key.clone()), concurrency, secs).await;
            println!("round: /health {h:>8.0} req/s   /api/v1/users/{{id}} {u:>8.0} req/s   ratio {:.2}", u / h);
            health.push(h);
            users.push(u);
            ratios.push(u / h);
        }
        println!("release binary, default logging; client: {concurrency} keep-alive connections, {rounds} rounds of {secs} s per endpoint, loopback");
        println!("GET /health                    median {:>10.0} req/s", median(&mut health));
        println!("GET /api/v1/users/{{id}} (auth)  median {:>10.0} req/s", median(&mut users));
        println!("ratio auth/health              median {:>10.2}", median(&mut ratios));
    });
    let _ = server.kill();
    let _ = server.wait();
}
