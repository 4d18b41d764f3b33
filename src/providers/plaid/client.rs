//! The HTTP client: every Plaid endpoint is a `POST` of JSON with `client_id` and `secret`
//! in the body. Rate-limited calls are retried with a doubling pause; everything else is
//! returned to the caller as a [`CallError`]. Nothing here logs a body (they hold tokens).

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::config::PlaidConfig;
use super::errors::CallError;
use super::wire::PlaidError;

/// The API version this client speaks (the OpenAPI file's name).
const API_VERSION: &str = "2020-09-14";
/// Longest single call; a `/transactions/sync` page of 500 can take a while.
const CALL_TIMEOUT: Duration = Duration::from_secs(90);
/// Longest pause between rate-limit retries.
const MAX_PAUSE: Duration = Duration::from_secs(60);

/// A Plaid API client for one environment.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    id: String,
    secret: String,
    retry_base: Duration,
    retries: u32,
}

impl Client {
    pub fn new(config: &PlaidConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .connect_timeout(Duration::from_secs(15))
            .user_agent(concat!("breadbox/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Self {
            http,
            base: config.api_base(),
            id: config.client_id.clone(),
            secret: config.secret.clone(),
            retry_base: config.retry_base,
            retries: config.rate_limit_retries,
        }
    }

    /// `POST {base}{path}`; retries while Plaid says the rate limit is hit.
    pub async fn call<B, R>(&self, path: &str, body: &B) -> Result<R, CallError>
    where
        B: Serialize + Sync,
        R: DeserializeOwned,
    {
        let mut pause = self.retry_base;
        let mut attempt = 0;
        loop {
            match self.call_once(path, body).await {
                Err(e) if e.is_rate_limit() && attempt < self.retries => {
                    tracing::info!(path, attempt, "Plaid rate limit hit; backing off");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_PAUSE);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn call_once<B, R>(&self, path: &str, body: &B) -> Result<R, CallError>
    where
        B: Serialize + Sync,
        R: DeserializeOwned,
    {
        let payload = self.with_credentials(body)?;
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Plaid-Version", API_VERSION)
            .json(&payload)
            .send()
            .await
            .map_err(|e| CallError::Transport(describe(&e)))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| CallError::Transport(describe(&e)))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| CallError::Decode(format!("{path}: {e}")));
        }
        let error = serde_json::from_slice::<PlaidError>(&bytes).unwrap_or_default();
        Err(CallError::Plaid {
            status: status.as_u16(),
            error,
        })
    }

    fn with_credentials<B: Serialize>(&self, body: &B) -> Result<serde_json::Value, CallError> {
        let mut value = serde_json::to_value(body).map_err(|e| CallError::Decode(e.to_string()))?;
        if let serde_json::Value::Object(map) = &mut value {
            map.insert("client_id".into(), self.id.clone().into());
            map.insert("secret".into(), self.secret.clone().into());
        }
        Ok(value)
    }
}

/// A transport error without its URL's query (there is none) or any body.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "the request timed out".into()
    } else if e.is_connect() {
        "the connection failed".into()
    } else {
        "the connection broke".into()
    }
}
