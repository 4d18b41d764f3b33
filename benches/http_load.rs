//! Load benchmark (issue: auth must not cost argon2 per request).
//! Starts the real server on loopback over a temp-file database, then drives
//! `GET /health` and an authenticated `GET /api/v1/users/{id}` with N concurrent
//! keep-alive clients for D seconds each, and prints requests/s and their ratio.
//!
//! Run: `cargo bench --bench http_load` (env: BENCH_SECS=5, BENCH_CONCURRENCY=32).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use breadbox::service::api_keys as keys;
use breadbox::service::auth::Scope;

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

fn main() {
    let secs = env_num("BENCH_SECS", 5);
    let concurrency = env_num("BENCH_CONCURRENCY", 32);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async move {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = breadbox::Config::new(dir.path().join("data"));
        config.rate_limit_rpm = 0;
        config.scheduler = false;
        let state = breadbox::prepare(config).expect("prepare");
        let minted = keys::prepare("bench", Scope::ReadOnly).expect("key");
        let key = minted.key.clone();
        state
            .db
            .write(move |tx| keys::store(tx, &minted))
            .await
            .expect("store");
        let user = breadbox::service::users::create(&state.db, "Bench User", None)
            .await
            .expect("user");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(breadbox::run(state, listener, async {
            let _ = rx.await;
        }));
        let base = format!("http://{addr}");
        // Warm-up: verifies the key once (argon2) and fills connection pools.
        drive(
            format!("{base}/api/v1/users/{}", user.id),
            Some(key.clone()),
            4,
            1,
        )
        .await;
        let health = drive(format!("{base}/health"), None, concurrency, secs).await;
        let users = drive(
            format!("{base}/api/v1/users/{}", user.id),
            Some(key),
            concurrency,
            secs,
        )
        .await;
        println!("concurrency {concurrency}, {secs} s per endpoint, loopback, same process");
        println!("GET /health                    {health:>10.0} req/s");
        println!("GET /api/v1/users/{{id}} (auth)  {users:>10.0} req/s");
        println!("ratio auth/health              {:>10.2}", users / health);
        let _ = tx.send(());
        let _ = server.await;
    });
}
