//! Spawns the real app (the same `breadbox::run` main uses) on a loopback socket over a
//! fresh temp-file database, and offers typed request helpers.

use std::net::SocketAddr;

use breadbox::providers::Providers;
use breadbox::service::api_keys as keys;
use breadbox::service::auth::Scope;
use breadbox::{AppState, Config};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;
use tempfile::TempDir;
use tokio::sync::oneshot;

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    /// A `full_access` key.
    pub key: String,
    /// A `read_only` key.
    pub ro_key: String,
    pub state: AppState,
    /// Keeps the temp data dir alive as long as the app.
    pub _dir: TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// Starts an app with rate limiting off (tests that want it use `spawn_with`).
pub async fn spawn_app() -> TestApp {
    spawn_with(|c| c.rate_limit_rpm = 0).await
}

/// Starts an app after `tweak` adjusted the default config.
pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    spawn_with_providers(tweak, Providers::from_config).await
}

/// Starts an app whose provider registry `providers` builds from the final config.
pub async fn spawn_with_providers(
    tweak: impl FnOnce(&mut Config),
    providers: impl FnOnce(&Config) -> Providers,
) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::new(dir.path().join("data"));
    config.scheduler = false;
    // Real providers are opt-in here (SimpleFIN is on by default in `serve`).
    config.simplefin.enabled = false;
    tweak(&mut config);
    let registry = providers(&config);
    let state = breadbox::prepare_with(config, registry).expect("prepare");
    let key = mint(&state, "admin", Scope::FullAccess).await;
    let ro_key = mint(&state, "reader", Scope::ReadOnly).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(breadbox::run(state.clone(), listener, async {
        let _ = rx.await;
    }));
    TestApp {
        addr,
        client: reqwest::Client::new(),
        key,
        ro_key,
        state,
        _dir: dir,
        shutdown: Some(tx),
        server: Some(server),
    }
}

/// Mints a key straight in the database, as the CLI does.
pub async fn mint(state: &AppState, name: &str, scope: Scope) -> String {
    let name = name.to_owned();
    let minted =
        tokio::task::spawn_blocking(move || keys::prepare(&name, scope).expect("prepare key"))
            .await
            .expect("join");
    state
        .db
        .write(move |tx| keys::store(tx, &minted).map(|()| minted.key))
        .await
        .expect("store key")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A request with the full-access key.
    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("X-API-Key", &self.key)
    }

    /// A request with the given key (or none).
    pub fn req_as(&self, method: Method, path: &str, key: Option<&str>) -> RequestBuilder {
        let b = self.client.request(method, self.url(path));
        match key {
            Some(k) => b.header("X-API-Key", k),
            None => b,
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        send(self.req(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        send(self.req(Method::POST, path).json(&body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        send(self.req(Method::PATCH, path).json(&body)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        send(self.req(Method::DELETE, path)).await
    }

    /// Creates a user and returns its JSON.
    pub async fn create_user(&self, name: &str) -> Value {
        let (status, body) = self
            .post("/api/v1/users", serde_json::json!({ "name": name }))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            h.await.expect("join").expect("server result");
        }
    }
}

/// Sends and returns status plus the JSON body (`Null` for an empty body).
pub async fn send(builder: RequestBuilder) -> (StatusCode, Value) {
    let resp = builder.send().await.expect("request");
    split(resp).await
}

pub async fn split(resp: Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.expect("body");
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, json)
}

/// Asserts the error envelope (docs/api.md, Errors) with `status` and `code`.
#[track_caller]
pub fn assert_error(status: StatusCode, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status.as_u16(), want_status, "body: {body}");
    assert_eq!(body["error"]["code"], want_code, "body: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "body: {body}"
    );
}

/// Starts an app with the demo bank enabled.
pub async fn spawn_demo() -> TestApp {
    spawn_with(|c| {
        c.rate_limit_rpm = 0;
        c.demo = true;
    })
    .await
}

impl TestApp {
    /// Creates a user and a demo connection for it; returns (user, connection) JSON.
    pub async fn demo_connection(&self, username: &str) -> (Value, Value) {
        let user = self.create_user("Demo Owner").await;
        let (status, conn) = self
            .post(
                "/api/v1/connections",
                serde_json::json!({"provider": "demo", "user_id": user["id"], "credentials": {"username": username}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{conn}");
        (user, conn)
    }

    /// Polls the connection's newest sync log until it is no longer `in_progress`.
    pub async fn wait_for_sync(&self, connection_id: &str) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let (_, status) = self
                .get(&format!("/api/v1/connections/{connection_id}/status"))
                .await;
            let last = &status["last_sync"];
            if last.is_object() && last["status"] != "in_progress" {
                // `/status` reads the row, then the log: the read that saw the log finish
                // may predate the row's update in the same commit. Read both again.
                let path = format!("/api/v1/connections/{connection_id}/status");
                return self.get(&path).await.1;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "sync did not finish: {status}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// Runs `sql` on a fresh connection to the database file (for assertions).
    pub fn query_i64(&self, sql: &str) -> i64 {
        let conn = rusqlite::Connection::open(self.state.db.path()).expect("open db");
        conn.query_row(sql, [], |r| r.get(0)).expect("query")
    }
}
