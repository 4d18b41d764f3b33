//! `query_transactions` through `/mcp` against the same REST list call, side by side in one
//! run over the cached million-row database of the `transactions` bench: the release
//! `breadbox serve` binary over loopback, each case timed with REST and MCP requests
//! interleaved so both see the same machine noise. The MCP requests are what a Streamable
//! HTTP client sends: a JSON-RPC `tools/call` POST (protocol 2025-06-18, stateless, JSON
//! response), the result parsed from `structuredContent`.
//!
//! Run: `cargo bench --bench mcp` (env: BENCH_ROWS=1000000, BENCH_ITERS=200).

#[path = "transactions/fill.rs"]
mod fill;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use breadbox::service::api_keys as keys;
use breadbox::service::auth::Scope;
use reqwest::blocking::Client;
use serde_json::{Value, json};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The release server on the filled data dir; killed on drop.
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
        let child = Command::new(env!("CARGO_BIN_EXE_breadbox"))
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
    /// `GET /api/v1/transactions?{query}`: the list body.
    fn rest(&self, query: &str) -> Value {
        let resp = self
            .client
            .get(format!("{}/api/v1/transactions?{query}", self.base))
            .header("X-API-Key", &self.key)
            .send()
            .expect("request");
        assert!(resp.status().is_success(), "{query}: {}", resp.status());
        resp.json().expect("json")
    }

    /// `tools/call query_transactions` with `args`: its structured content.
    fn mcp(&self, args: &Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "query_transactions", "arguments": args}});
        let resp = self
            .client
            .post(format!("{}/mcp", self.base))
            .header("X-API-Key", &self.key)
            .header("Accept", "application/json, text/event-stream")
            .header("MCP-Protocol-Version", "2025-06-18")
            .json(&body)
            .send()
            .expect("request");
        assert!(resp.status().is_success(), "{args}: {}", resp.status());
        let mut reply: Value = resp.json().expect("json");
        let result = reply["result"].take();
        assert_eq!(result["isError"], false, "{result}");
        result["structuredContent"].clone()
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

fn timed(f: impl FnOnce() -> Value) -> (f64, Value) {
    let started = Instant::now();
    let v = f();
    (started.elapsed().as_secs_f64() * 1000.0, v)
}

/// Times one case: REST and MCP alternately, `iters` each after 5 warm-ups, checking that
/// both return the same body. Returns the two medians.
fn case(api: &Api, name: &str, query: &str, args: &Value, iters: u64) -> (f64, f64) {
    let (_, rest) = timed(|| api.rest(query));
    let (_, mcp) = timed(|| api.mcp(args));
    assert_eq!(rest, mcp, "{name}: REST and MCP bodies differ");
    for _ in 0..5 {
        api.rest(query);
        api.mcp(args);
    }
    let mut r = Vec::new();
    let mut m = Vec::new();
    for i in 0..iters {
        // Alternate which goes first so neither always follows the other.
        if i % 2 == 0 {
            r.push(timed(|| api.rest(query)).0);
            m.push(timed(|| api.mcp(args)).0);
        } else {
            m.push(timed(|| api.mcp(args)).0);
            r.push(timed(|| api.rest(query)).0);
        }
    }
    r.sort_by(f64::total_cmp);
    m.sort_by(f64::total_cmp);
    let (rm, mm) = (percentile(&r, 0.5), percentile(&m, 0.5));
    println!(
        "{name:<44} REST median {rm:>6.2} ms p95 {:>6.2} | MCP median {mm:>6.2} ms p95 {:>6.2} | MCP/REST {:>4.2}",
        percentile(&r, 0.95),
        percentile(&m, 0.95),
        mm / rm
    );
    (rm, mm)
}

fn mint_key(dir: &Path) -> String {
    let db = breadbox::store::Db::open_in(dir).expect("open");
    let minted = keys::prepare("bench-mcp", Scope::ReadOnly).expect("key");
    db.write_blocking(|tx| keys::store(tx, &minted))
        .expect("store key");
    minted.key
}

fn main() {
    let rows = env_num("BENCH_ROWS", 1_000_000);
    let iters = env_num("BENCH_ITERS", 200);
    let dir = fill::ensure(rows);
    let key = mint_key(&dir);
    let server = Server::start(&dir);
    let api = Api {
        client: Client::new(),
        base: server.base.clone(),
        key,
    };
    println!(
        "{rows} transactions, release binary over loopback, {iters} REST + {iters} MCP requests per case"
    );
    // A cursor 1,000 pages in (100,000 rows): the REST and MCP cursors are the same.
    let mut cursor = String::new();
    for _ in 0..1000 {
        let page = api.rest(&format!("limit=100{cursor}"));
        let next = page["pagination"]["next_cursor"]
            .as_str()
            .expect("more pages");
        cursor = format!("&cursor={next}");
    }
    let deep = cursor.trim_start_matches("&cursor=").to_owned();
    let cases = [
        ("first page, limit 25 (the MCP default)", "limit=25".to_owned(), json!({})),
        ("first page, limit 100", "limit=100".to_owned(), json!({"limit": 100})),
        (
            "page 1,001 (limit 100, 100,000 rows in)",
            format!("limit=100&cursor={deep}"),
            json!({"limit": 100, "cursor": deep}),
        ),
        (
            "one account, asc, limit 25",
            "account_id=benchA04&sort_order=asc&limit=25".to_owned(),
            json!({"account_id": "benchA04", "sort_order": "asc"}),
        ),
        (
            "search \"starbucks\", limit 25",
            "search=starbucks&limit=25".to_owned(),
            json!({"search": "starbucks"}),
        ),
        (
            "USD, min_amount 50, 2025, limit 25",
            "iso_currency_code=USD&min_amount=50&start_date=2025-01-01&end_date=2026-01-01&limit=25"
                .to_owned(),
            json!({"iso_currency_code": "USD", "min_amount": 50,
                "start_date": "2025-01-01", "end_date": "2026-01-01"}),
        ),
    ];
    let mut worst: f64 = 0.0;
    for (name, query, args) in &cases {
        let (rest, mcp) = case(&api, name, query, args, iters);
        worst = worst.max(mcp / rest);
    }
    println!("worst MCP/REST median ratio: {worst:.2} (target <= 2)");
}
