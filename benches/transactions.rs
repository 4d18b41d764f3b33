//! Read-side benchmark through the HTTP API (issue: transactions must stay fast at a
//! million rows). Builds (once, cached under `target/bench-data/`) a database of
//! `BENCH_ROWS` synthetic transactions, starts the release `breadbox serve` binary on it,
//! and times requests over loopback: the first page, a page 5,000 pages deep, search,
//! count and summary. Prints median / p95 per case and the server's RSS.
//!
//! Run: `cargo bench --bench transactions` (env: BENCH_ROWS=1000000, BENCH_ITERS=200,
//! BENCH_DEEP_PAGES=5000, BENCH_BINARY to run another build on the same data).

#[path = "transactions/fill.rs"]
mod fill;

use std::io::BufRead;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use breadbox::service::api_keys as keys;
use breadbox::service::auth::Scope;
use reqwest::blocking::Client;
use serde_json::Value;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The release server on a filled data dir; killed on drop.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(dir: &Path) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        // `BENCH_BINARY` runs another build on the same data, to compare builds.
        let bin = std::env::var("BENCH_BINARY")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_breadbox").to_owned());
        let child = Command::new(bin)
            .args(["serve", "--rate-limit-rpm", "0", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn breadbox serve");
        let server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Client::new()
            .get(format!("{}/health/ready", server.base))
            .send()
            .is_err()
        {
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// (VmRSS, VmHWM) in MiB from /proc.
    fn memory_mib(&self) -> (u64, u64) {
        let status =
            std::fs::File::open(format!("/proc/{}/status", self.child.id())).expect("proc status");
        let mut rss = 0;
        let mut hwm = 0;
        for line in std::io::BufReader::new(status)
            .lines()
            .map_while(Result::ok)
        {
            let kib = || {
                line.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            if line.starts_with("VmRSS:") {
                rss = kib() / 1024;
            } else if line.starts_with("VmHWM:") {
                hwm = kib() / 1024;
            }
        }
        (rss, hwm)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Api {
    client: Client,
    base: String,
    key: String,
}

impl Api {
    fn get(&self, path: &str) -> Value {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .header("X-API-Key", &self.key)
            .send()
            .expect("request");
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        resp.json().expect("json")
    }

    /// Times `iters` requests after a short warm-up; returns sorted latencies in ms.
    fn time(&self, path: &str, iters: u64) -> Vec<f64> {
        for _ in 0..5 {
            self.get(path);
        }
        let mut ms: Vec<f64> = (0..iters)
            .map(|_| {
                let started = Instant::now();
                self.get(path);
                started.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        ms
    }

    /// Follows `pages` cursors from the first page; returns the cursor of the next page.
    fn walk(&self, query: &str, pages: u64) -> String {
        let mut cursor = String::new();
        for page in 0..pages {
            let body = self.get(&format!("/api/v1/transactions?{query}{cursor}"));
            let next = body["pagination"]["next_cursor"]
                .as_str()
                .unwrap_or_else(|| panic!("list ended after {page} pages"));
            cursor = format!("&cursor={next}");
        }
        cursor
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn report(name: &str, ms: &[f64]) -> f64 {
    let median = percentile(ms, 0.5);
    println!(
        "{name:<58} median {median:>7.2} ms   p95 {:>7.2} ms",
        percentile(ms, 0.95)
    );
    median
}

fn mint_key(dir: &Path) -> String {
    let db = breadbox::store::Db::open_in(dir).expect("open");
    let minted = keys::prepare("bench", Scope::ReadOnly).expect("key");
    db.write_blocking(|tx| keys::store(tx, &minted))
        .expect("store key");
    minted.key
}

fn main() {
    let rows = env_num("BENCH_ROWS", 1_000_000);
    let iters = env_num("BENCH_ITERS", 200);
    let deep = env_num("BENCH_DEEP_PAGES", 5000);
    let dir = fill::ensure(rows);
    let key = mint_key(&dir);
    let server = Server::start(&dir);
    let api = Api {
        client: Client::new(),
        base: server.base.clone(),
        key,
    };
    println!("{rows} transactions, release binary over loopback, {iters} sequential requests each");
    let first = report(
        "list: first page (limit 100)",
        &api.time("/api/v1/transactions?limit=100", iters),
    );
    let walk_started = Instant::now();
    let cursor = api.walk("limit=100", deep);
    eprintln!(
        "walked {deep} pages in {:.1} s",
        walk_started.elapsed().as_secs_f64()
    );
    let deep_ms = report(
        &format!(
            "list: page {} (limit 100, {} rows in)",
            deep + 1,
            deep * 100
        ),
        &api.time(&format!("/api/v1/transactions?limit=100{cursor}"), iters),
    );
    println!(
        "{:<58} {:>7.2}",
        "ratio deep/first (median)",
        deep_ms / first
    );
    run_cases(&api, iters);
    let (rss, hwm) = server.memory_mib();
    println!("server memory: VmRSS {rss} MiB, VmHWM (peak) {hwm} MiB");
}

fn run_cases(api: &Api, iters: u64) {
    let account = "benchA04";
    let year = "start_date=2025-01-01&end_date=2026-01-01";
    let search = |term: &str| {
        let q = term.replace(' ', "%20");
        let n = api.get(&format!("/api/v1/transactions/count?search={q}"))["count"].clone();
        (
            format!("search: \"{term}\" ({n} matches)"),
            format!("/api/v1/transactions?search={q}"),
        )
    };
    let cases = [
        (
            "list: account filter, asc, first page".to_owned(),
            format!("/api/v1/transactions?account_id={account}&sort_order=asc"),
        ),
        search("starbucks"),
        search("pottery"),
        search("heron pottery"),
        search("blue heron pottery"),
        search("zebra"),
        search("ub"),
        search("qz"),
        (
            "search: \"heron pottery\" + account".to_owned(),
            format!("/api/v1/transactions?search=heron%20pottery&account_id={account}"),
        ),
        (
            "count: all".to_owned(),
            "/api/v1/transactions/count".to_owned(),
        ),
        (
            "count: 12 months, min_amount=50".to_owned(),
            format!("/api/v1/transactions/count?{year}&min_amount=50"),
        ),
        (
            "count: account + 12 months + pending=false".to_owned(),
            format!("/api/v1/transactions/count?account_id={account}&{year}&pending=false"),
        ),
        (
            "count: search \"starbucks\" + 12 months".to_owned(),
            format!("/api/v1/transactions/count?search=starbucks&{year}"),
        ),
        (
            "summary: by month over 12 months".to_owned(),
            format!("/api/v1/transactions/summary?group_by=month&{year}"),
        ),
        (
            "summary: by month, 12 months, one user".to_owned(),
            format!("/api/v1/transactions/summary?group_by=month&{year}&user_id=benchU01"),
        ),
        (
            "summary: by week over 12 months".to_owned(),
            format!("/api/v1/transactions/summary?group_by=week&{year}"),
        ),
        (
            "summary: by category over 12 months".to_owned(),
            format!("/api/v1/transactions/summary?group_by=category&{year}"),
        ),
    ];
    for (name, path) in cases {
        report(&name, &api.time(&path, iters));
    }
}
